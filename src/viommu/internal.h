/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * internal.h - the viommu layer's objects and its per-architecture ops.
 */
#ifndef INVT_VIOMMU_INTERNAL_H
#define INVT_VIOMMU_INTERNAL_H

#include <invtrack/ablation.h>
#include <invtrack/viommu.h>

#include "compat-user.h"

/* Largest host command an arch writes for one guest command (VT-d: 32). */
#define INVT_VIO_HOST_MAX	32

/**
 * enum invt_vio_res - what one guest command translates to.
 * @INVT_VIO_HOST: one host command, in the instance's queue format.
 * @INVT_VIO_NONE: nothing (more) to issue: it is complete as it is (a
 *	stage-1 command while the parent holds no tag on the instance), or its
 *	host commands were emitted already (invt_vio_emit()).
 * @INVT_VIO_SYNC: the guest's completion command: the batch ends here.
 */
enum invt_vio_res {
	INVT_VIO_HOST,
	INVT_VIO_NONE,
	INVT_VIO_SYNC,
};

struct invt_vdevice;

/**
 * struct invt_vio_xctx - what a translation may use.
 * @viommu: the viommu (its lock held).
 * @have_tag: the parent holds a stage-2 tag on the instance (its lock held).
 * @tag: that tag.
 * @batch: the batch the host commands go to (invt_vio_emit()).
 */
struct invt_vio_xctx {
	struct invt_viommu *viommu;
	bool have_tag;
	uint32_t tag;
	struct invt_batch *batch;
};

/**
 * invt_vio_emit() - queue one more host command of a translation.
 * @x: the translation's context.
 * @host: the command, struct invt_vio_arch.host_bytes, in queue format.
 *
 * For a guest command that becomes several host commands: a translation
 * emits all of them (after every check that can refuse the guest command)
 * and returns INVT_VIO_NONE.
 */
void invt_vio_emit(const struct invt_vio_xctx *x, const void *host);

/**
 * struct invt_vio_arch - one architecture's guest formats.
 * @guest_bytes: one guest command.
 * @host_bytes: one host command, as the arch driver's batch holds it.
 * @event_type: the enum invt_vevent_type its faults use.
 * @vtags: guest commands name the guest's domains by a tag of their own
 *	(VT-d DIDs), which struct invt_vio_nested.vtag maps.
 * @xlate: translate the guest command at @gcmd into @host; returns an enum
 *	invt_vio_res, or -EOPNOTSUPP / -EINVAL / -ENOENT (refused).
 * @event_id: the physical id in an event record.
 * @event_set_id: replace it.
 */
struct invt_vio_arch {
	unsigned int guest_bytes;
	unsigned int host_bytes;
	int event_type;
	bool vtags;
	int (*xlate)(const struct invt_vio_xctx *x, const void *gcmd, void *host);
	uint32_t (*event_id)(const void *rec);
	void (*event_set_id)(void *rec, uint32_t id);
};

extern const struct invt_vio_arch invt_vio_smmuv3;
extern const struct invt_vio_arch invt_vio_vtd;
extern const struct invt_vio_arch invt_vio_riscv;

/**
 * struct invt_vdevice - a virtual id bound to a physical device.
 * @node: in viommu->vdevs.
 * @vid: the virtual id.
 * @pid: the physical id (dev->sids[0]).
 * @dev: the device.
 * @pins: nested attachments of the device to domains of the viommu.
 */
struct invt_vdevice {
	struct invt_list node;
	uint32_t vid;
	uint32_t pid;
	struct invt_device *dev;
	unsigned int pins;
};

/**
 * struct invt_vevent - one queued record; its payload follows it in the
 * same allocation (none for the lost-events header, embedded in the queue).
 * @node: in the queue.
 * @hdr: its header.
 */
struct invt_vevent {
	struct invt_list node;
	struct invt_vevent_header hdr;
};

/**
 * struct invt_veventq - a viommu's queue of one event type.
 * @lock: protects everything below.
 * @type: the enum invt_vevent_type.
 * @depth: most events queued.
 * @nr: events queued (the lost-events header not included).
 * @events: the records, oldest first.
 * @lost: the lost-events header, in @events when @lost_queued.
 * @lost_queued: @lost is the newest record of @events.
 * @sequence: the number the next event gets.
 */
struct invt_veventq {
	invt_spinlock_t lock;
	int type;
	uint32_t depth;
	uint32_t nr;
	struct invt_list events;
	struct invt_vevent lost;
	bool lost_queued;
	uint32_t sequence;
};

/**
 * struct invt_vio_nested - a nested domain of a viommu.
 * @dom: the domain.
 * @vtag: the guest's tag for it (struct invt_vio_arch.vtags), or 0.
 */
struct invt_vio_nested {
	struct invt_domain *dom;
	uint32_t vtag;
};

/**
 * struct invt_viommu - one VM's view of one physical instance.
 * @lock: protects @vdevs, the vdevices' @pins, @nested, @nr_nested and
 *	@queues (not the queues' contents: their own locks).  Nests outside
 *	@ev_lock, ctx->lock, the parent's domain lock and the queues' locks.
 *	Held across a guest invalidation's waits on the hardware.
 * @ev_lock: what fault reporting reads, for invt_viommu_report_fault(),
 *	which takes it instead of @lock: @vdevs, the vdevices' @pins and
 *	@queues are changed with both held, so either one keeps them as they
 *	are.  A fault is thus never held up by a guest invalidation waiting
 *	on the hardware under @lock.  Nests inside @lock, outside the
 *	queues' locks.
 * @arch: the guest formats.
 * @iommu: the instance.
 * @parent: the nest parent.
 * @ctx: the context.
 * @vdevs: struct invt_vdevice.node.
 * @nested: nested domains allocated through the viommu.
 * @nr_nested: entries in @nested.
 * @cap_nested: room in @nested.
 * @queues: event queues by type, or NULL.
 * @stats: counters, atomic (relaxed: statistics only).
 */
struct invt_viommu {
	invt_mutex_t lock;
	invt_mutex_t ev_lock;
	const struct invt_vio_arch *arch;
	struct invt_iommu *iommu;
	struct invt_domain *parent;
	struct invt_ctx *ctx;
	struct invt_list vdevs;
	struct invt_vio_nested *nested;
	unsigned int nr_nested;
	unsigned int cap_nested;
	struct invt_veventq *queues[INVT_VEVENT_NR];
	struct invt_viommu_stats stats;
};

/* The vdevice of virtual id @vid, under viommu->lock; NULL if none. */
struct invt_vdevice *invt_vio_vdev_by_vid(struct invt_viommu *viommu, uint32_t vid);

/* The vdevice of physical id @pid, under viommu->lock; NULL if none. */
struct invt_vdevice *invt_vio_vdev_by_pid(struct invt_viommu *viommu, uint32_t pid);

/**
 * invt_vio_s2_tag() - the stage-2 tag a translated stage-1 command carries.
 * @x: the translation's context (@x->have_tag set).
 * @sent: the tag the guest wrote.
 *
 * The parent's, whatever the guest sent; in the "viommu-isolation"
 * ablation the guest's own (the model's ISOLATION check must see it).
 */
static inline uint32_t invt_vio_s2_tag(const struct invt_vio_xctx *x, uint32_t sent)
{
	return invt_ctx_ablated(x->viommu->ctx, INVT_ABLATE_VIOMMU_ISOLATION) ? sent : x->tag;
}

/**
 * invt_vio_lookup() - for translations: the physical id of a virtual one.
 * @x: the translation's context (viommu->lock held).
 * @vid: the virtual id.
 * @pid: out.
 *
 * In the "viommu-isolation" ablation *@pid is @vid itself (still -ENOENT
 * without a vdevice).
 *
 * Return: 0, or -ENOENT.
 */
int invt_vio_lookup(const struct invt_vio_xctx *x, uint32_t vid, uint32_t *pid);

/**
 * invt_vio_vtag_tag() - for translations: the host tag of a guest's tag.
 * @x: the translation's context (viommu->lock and the parent's lock held).
 * @vtag: the guest's tag (VT-d: its DID).
 * @tag: out: the tag the nested domain bound to @vtag holds on the instance.
 *
 * Return: 0, or -ENOENT when no nested domain is bound to @vtag or it holds
 * no tag on the instance (then nothing is cached under it there).
 */
int invt_vio_vtag_tag(const struct invt_vio_xctx *x, uint32_t vtag, uint32_t *tag);

/* Event queues (eventq.c): viommu->lock held (invt_vio_queue(): or ev_lock). */
void invt_vio_queues_free(struct invt_viommu *viommu);
int invt_vio_queue(struct invt_viommu *viommu, const void *rec, size_t len);

static inline void invt_vio_stat(uint64_t *ctr, uint64_t n)
{
	/* Relaxed: a statistic, read as a snapshot. */
	__atomic_fetch_add(ctr, n, __ATOMIC_RELAXED);
}

#endif /* INVT_VIOMMU_INTERNAL_H */
