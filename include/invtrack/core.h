/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/core.h - instances, devices, domains, the attach protocol and the
 * flush engine.
 *
 * Objects are embedded in the driver's own structures (container_of) and
 * initialised by the core; the core allocates only invalidation arrays,
 * per-attachment entry lists and tag bitmaps.
 *
 * Locking, outermost first:
 *	ctx->lock		the context's lists of instances and domains
 *	iommu->devs_lock	the instance's devices in use (held across a
 *				dead ATC's ATS-off: the driver's locks nest
 *				inside it; never taken with another core lock
 *				held)
 *	domain->lock		writers of the domain's array, its tag bindings
 *	tag_space->lock		the tag bitmap
 *	device->lock		the device's attachment table (held briefly)
 * ctx->lock nests outside domain locks only in invt_iommu_unregister().
 * tag_space->lock is held across the retry of a quarantined tag's flush
 * (a failed flush, see struct invt_tag_space), so the queue locks of the
 * drivers nest inside it.
 * A replace never holds two domain locks at once: prepare locks only the new
 * domain, commit only the old one.  Attach operations on one (device, ssid)
 * are serialised by the caller (as Linux's group mutex does); a second
 * prepare on a (device, ssid) with a transaction open fails with -EBUSY.
 */
#ifndef INVTRACK_CORE_H
#define INVTRACK_CORE_H

#include <invtrack/compat.h>
#include <invtrack/invs.h>
#include <invtrack/list.h>

struct invt_batch;
struct invt_iommu;

/**
 * struct invt_ctx - one system: its instances, domains and test switches.
 * @lock: protects @iommus, @domains and @next_domain_id.
 * @iommus: registered instances (struct invt_iommu.node).
 * @domains: initialised domains (struct invt_domain.node).
 * @next_domain_id: id given to the next domain.
 * @ablations: protocol rules switched off (ablation builds only; see
 *	<invtrack/ablation.h>).  Always 0 in a normal build.
 * @hook: test builds only: called at protocol points to inject delays.
 * @hook_arg: argument of @hook.
 */
struct invt_ctx {
	invt_mutex_t lock;
	struct invt_list iommus;
	struct invt_list domains;
	uint32_t next_domain_id;
	unsigned long ablations;
	void (*hook)(void *arg, int point);
	void *hook_arg;
};

/** invt_ctx_init() - initialise an empty context. @ctx: the context. */
void invt_ctx_init(struct invt_ctx *ctx);

/**
 * invt_ctx_destroy() - release a context.
 * @ctx: the context; every domain and instance must be gone.
 *
 * Waits for pending RCU callbacks, so that leak checkers see them freed.
 * Context: the calling thread is registered with RCU.
 * Return: 0, or -EBUSY when domains or instances remain.
 */
int invt_ctx_destroy(struct invt_ctx *ctx);

/**
 * struct invt_tag_quarantine - an IOTLB entry whose flush did not complete.
 * @inv: the entry (instance, type, tag, ssid) still to be flushed.
 * @released: its domain let go of the tag: a successful flush frees it.
 */
struct invt_tag_quarantine {
	struct invt_inv inv;
	bool released;
};

/**
 * struct invt_tag_space - allocator of IOTLB tags in [@min, @max].
 * @lock: protects @bitmap and the quarantine (@dirty, @nr_dirty,
 *	@cap_dirty).
 * @min: lowest tag.
 * @max: highest tag.
 * @bitmap: bit (tag - min) set while the tag is held, by a domain or by
 *	the quarantine.
 * @dirty: entries whose last-user flush failed (a wait or submit error):
 *	their tag stays held, and is not used again by another domain, until a
 *	later flush of every such entry of the tag completes.  The core retries
 *	them when a domain next joins the space; an entry whose instance is
 *	unregistered is dropped with it (its IOTLB is gone).
 * @nr_dirty: entries in @dirty.
 * @cap_dirty: room in @dirty.
 *
 * An instance names one space for stage-1 tags and one for stage-2 tags;
 * they may be the same space (VT-d DIDs) and may be shared by several
 * instances (RISC-V PSCIDs are global).  A domain holds one tag per space
 * it is attached through, however many instances share that space.
 */
struct invt_tag_space {
	invt_mutex_t lock;
	uint32_t min;
	uint32_t max;
	unsigned long *bitmap;
	struct invt_tag_quarantine *dirty;
	unsigned int nr_dirty;
	unsigned int cap_dirty;
};

/**
 * invt_tag_space_init() - set up a tag space.
 * @ts: the space.
 * @min: lowest tag handed out.
 * @max: highest tag handed out (>= @min, < UINT32_MAX).
 *
 * Return: 0, -EINVAL for a bad range, -ENOMEM.
 */
int invt_tag_space_init(struct invt_tag_space *ts, uint32_t min, uint32_t max);

/** invt_tag_space_destroy() - free a tag space's bitmap. @ts: the space. */
void invt_tag_space_destroy(struct invt_tag_space *ts);

/**
 * invt_tag_space_used() - tags currently held.
 * @ts: the space.
 *
 * Return: the number of tags allocated and not yet released (quarantined
 * tags included).
 */
unsigned int invt_tag_space_used(struct invt_tag_space *ts);

/**
 * invt_tag_space_quarantined() - entries waiting for a flush to complete.
 * @ts: the space.
 *
 * Return: the number of quarantined entries (see struct invt_tag_space).
 */
unsigned int invt_tag_space_quarantined(struct invt_tag_space *ts);

/**
 * struct invt_range - what to invalidate.
 * @start: first byte.
 * @last: last byte (inclusive, so a range may end at the top of the space).
 * @leaf: only leaf entries changed; walk caches may be kept.
 * @all: everything of the tag; @start, @last and @leaf are ignored.
 */
struct invt_range {
	uint64_t start;
	uint64_t last;
	bool leaf;
	bool all;
};

/**
 * struct invt_iommu_ops - what the flush engine needs from an arch driver.
 * @build: append to @b the commands that invalidate @r for entry @inv
 *	(range policy and encoding are the arch's).  Uses invt_batch_reserve().
 * @build_sync: append a completion command (CMD_SYNC, wait descriptor,
 *	IOFENCE.C) to @b.
 * @submit: write @b's commands to the queue in one go and ring the
 *	doorbell (waiting for space when the queue is full).  Sets *@token
 *	to name the last completion command written (b->token when none was),
 *	for @wait.  Returns 0, or a negative errno when not every command went
 *	out (a queue that stays full, a queue in error); *@token then names
 *	the last completion command that did.
 * @wait: wait until the completion named by @token is done.  Must not
 *	return 0 before every command queued before it has taken effect.
 *	Returns 0, or a negative errno (an illegal command, an ATC
 *	invalidation that timed out, a completion that never came): the
 *	commands before it may not all have taken effect.
 * @errors: optional: command errors the queue went through so far (errors
 *	the driver recovered from: illegal commands, ATC invalidation
 *	time-outs), monotonic.  The engine reads it before a batch and after
 *	its wait: when it grew, an error may have lost a command of the batch
 *	whichever completion heard of it, and the batch is sent again, up to
 *	INVT_CMD_RETRIES times.  Drivers do the same with their own commands.
 * @ats_off: optional: the ATC of @dev did not answer (a commit's or an
 *	abort's ATC invalidation failed INVT_CMD_RETRIES_MUST times, or an
 *	invalidation's, sent alone that often: invt_domain_invalidate()), so what
 *	it holds is unknown: turn ATS off for @dev in its configuration
 *	(SMMUv3 STE.EATS = 0, VT-d context-entry DTE = 0, RISC-V DC.tc.EN_ATS
 *	= 0) and wait for that configuration's invalidation, after which the
 *	unit refuses the device's translation requests and its translated
 *	traffic.  Keeps ATS off for every later configuration of @dev.  Called
 *	with no core lock held; may sleep.  Returns 0, or a negative errno
 *	(ATS may still be on: the core then keeps the ATC's entries).
 *
 * The first five run on the invalidation fast path: no allocation, no
 * sleeping lock in the common case.
 */
/*
 * Times a batch of commands is sent again after a command error on its queue
 * may have lost one of them (struct invt_iommu_ops, @errors).
 */
#define INVT_CMD_RETRIES 3

/*
 * Times the commands of an operation that has no way to fail are sent again:
 * a driver's configuration invalidation (an install, an abort, bring-up)
 * and a commit's or abort's ATC invalidation, without which the device
 * could go on using what it was told to forget.  Command errors are
 * transient (a command corrupted on its way, a device slow to answer: each
 * try is a new chance), so only a unit or device that keeps failing uses
 * them all up; the caller then reports the error (a driver) or keeps what
 * the invalidation was meant to clean in the array (the core).
 */
#define INVT_CMD_RETRIES_MUST 32

struct invt_device;

struct invt_iommu_ops {
	void (*build)(struct invt_batch *b, const struct invt_inv *inv,
		      const struct invt_range *r);
	void (*build_sync)(struct invt_batch *b);
	int (*submit)(struct invt_batch *b, uint64_t *token);
	int (*wait)(struct invt_iommu *iommu, uint64_t token);
	uint64_t (*errors)(struct invt_iommu *iommu);
	int (*ats_off)(struct invt_iommu *iommu, struct invt_device *dev);
};

/*
 * INVT_IOMMU_SYNC_ORDERS: commands queued after a completion command do not
 * start before it completes (SMMUv3 CMD_SYNC, IHI0070 §4.7.3).  The engine
 * then queues every phase of an instance at once, separated by syncs, and
 * waits once.  Without it (RISC-V IOFENCE.C) it waits after each phase.
 */
#define INVT_IOMMU_SYNC_ORDERS (1u << 0)

/*
 * INVT_IOMMU_S1_PASID_TAGS: the instance tags stage-1 translations by tag and
 * PASID (VT-d first stage: DID + PASID, invalidated by PASID-based IOTLB
 * invalidation), so a stage-1 attachment's IOTLB_S1 entry carries its ssid
 * and one entry per (tag, ssid) is kept.  Without it the ssid is 0.
 */
#define INVT_IOMMU_S1_PASID_TAGS (1u << 1)

/*
 * INVT_IOMMU_QUEUE_ORDERS: with INVT_IOMMU_SYNC_ORDERS, the queue itself
 * starts a phase's ATC invalidations only after the IOTLB invalidations
 * queued before them completed (VT-d rev. 5.10 §6.5.2.12), so the engine
 * puts no completion between phases: one at the end of an instance's batch.
 * Where the queue gives no such order for a pair of commands, ops->build
 * puts a completion between them itself (struct invt_batch's @drv keeps
 * what it needs to know of the batch).
 */
#define INVT_IOMMU_QUEUE_ORDERS (1u << 2)

/*
 * INVT_IOMMU_NESTED_OWN_TAGS: a nested domain attached through this instance
 * holds its own stage-2-side tag there, taken from tags[1] like a stage-2
 * domain's, instead of sharing its parent's (VT-d: a DID per nested domain,
 * the DID of its PASID entries, as Linux's intel/nested.c gives each nested
 * domain its own DID per unit).  The entries still go to the parent's array
 * (IOTLB_S2 and IOTLB_S2_S1_CLEAR with the nested domain's tag, ATC_FULL),
 * so that a parent unmap reaches every nested domain's combined entries;
 * the tag is flushed and released when the nested domain's last attachment
 * through the instance's tag space leaves.  Without it (SMMUv3 VMID, RISC-V
 * GSCID) nested attachments use the parent's stage-2 tag.
 */
#define INVT_IOMMU_NESTED_OWN_TAGS (1u << 3)

/**
 * struct invt_iommu - one IOMMU instance.
 * @id: small integer, unique in the context; orders arrays.
 * @ops: the arch driver's operations.
 * @flags: INVT_IOMMU_* capabilities.
 * @tags: tag spaces for stage-1 ([0]) and stage-2 ([1]) tags.
 * @ctx: the context, set by invt_iommu_register().
 * @node: in ctx->iommus.
 * @nr_attached: attachments on devices of this instance (atomic).
 * @devs_lock: protects @devs and the devices' @linked and @dev_node; held
 *	across the turning off of a found device's ATS (the device cannot go
 *	meanwhile: it leaves @devs before invt_device_destroy() may run).
 * @devs: the devices of this instance with an ssid in use (attached, or a
 *	transaction open), by struct invt_device.dev_node: how an unmap whose
 *	invalidation found an ATC that never answers finds the device from the
 *	ATC entry's SID (attach.c, invt_atc_dead_off()).  Set up by
 *	invt_iommu_register().
 */
struct invt_iommu {
	uint32_t id;
	const struct invt_iommu_ops *ops;
	unsigned int flags;
	struct invt_tag_space *tags[2];
	struct invt_ctx *ctx;
	struct invt_list node;
	int nr_attached;
	invt_mutex_t devs_lock;
	struct invt_list devs;
};

/**
 * invt_iommu_register() - make an instance usable.
 * @ctx: the context.
 * @iommu: id, ops, flags and tags filled in by the driver.
 *
 * Return: 0, -EINVAL for missing ops or tag spaces, -EEXIST for a taken id.
 */
int invt_iommu_register(struct invt_ctx *ctx, struct invt_iommu *iommu);

/**
 * invt_iommu_unregister() - remove an instance.
 * @iommu: the instance; no device of it may be attached.
 *
 * Removes the instance's (trash) entries from every domain's array (also
 * those cut off its end, past num_invs), drops its quarantined tag entries
 * (struct invt_tag_space), then waits one grace period so that no reader
 * still holds an array naming it; the caller may free @iommu on return.
 * The caller guarantees that no attach to a device of @iommu runs
 * concurrently (the devices are gone).  Sleeps: never call it from a
 * read-side critical section or with a lock readers take.
 *
 * Context: the calling thread is registered with RCU (arrays are freed with
 * invt_call_rcu()).
 *
 * Return: 0, -EBUSY while attached, -ENOMEM when an array could not be
 * rebuilt (nothing is unregistered; try again).
 */
int invt_iommu_unregister(struct invt_iommu *iommu);

#define INVT_BATCH_BYTES 1024

/**
 * struct invt_batch - commands for one instance, built on the stack.
 * @iommu: the instance.
 * @used: bytes of @buf holding commands.
 * @cmds: commands in @buf (syncs included).
 * @syncs: completion commands built into this batch.
 * @token: the token @iommu->ops->submit set last (0 before any submit).
 * @submitted: commands submitted from this batch so far.
 * @drv: the driver's own state of the batch, 0 after invt_batch_init().
 * @err: the first error @iommu->ops->submit returned, or 0.
 * @buf: command bytes, in the arch's queue format.
 *
 * The counters are 64-bit: one phase of an invalidation of a huge range on
 * an instance without range commands can build more than 2^32 commands.
 */
struct invt_batch {
	struct invt_iommu *iommu;
	uint32_t used;
	uint64_t cmds;
	uint64_t syncs;
	uint64_t token;
	uint64_t submitted;
	uint32_t drv;
	int err;
	uint8_t buf[INVT_BATCH_BYTES] __attribute__((aligned(16)));
};

/**
 * invt_batch_init() - empty a batch for @iommu.
 * @b: the batch.
 * @iommu: the instance it is for.
 */
void invt_batch_init(struct invt_batch *b, struct invt_iommu *iommu);

/**
 * invt_batch_reserve() - room for one command of @bytes bytes.
 * @b: the batch.
 * @bytes: command size, at most INVT_BATCH_BYTES.
 *
 * Submits the batch first when it is full.  Counts the command.
 * Return: where to write the command.
 */
void *invt_batch_reserve(struct invt_batch *b, size_t bytes);

/**
 * invt_batch_submit() - submit what the batch holds, if anything.
 * @b: the batch.
 *
 * A submit error is kept in @b->err (the first one); the token still names
 * the last completion command that went out.
 * Return: the token of the last completion command submitted so far.
 */
uint64_t invt_batch_submit(struct invt_batch *b);

struct invt_domain;

/**
 * struct invt_attachment - one (device, ssid) slot.
 * @domain: the domain the device uses at this ssid, or NULL (blocked).
 * @entries: the entries this attachment added to its domain's array.
 * @busy: a transaction is open on this slot.
 * @left: ablation builds ("two-phase"): @entries were already taken out of
 *	the domain's array (the tag and counts stay held).  Always false in a
 *	normal build.
 * @ssid: the ssid.
 *
 * Exists only while the ssid is attached or a transaction is open on it: a
 * blocked ssid costs nothing.
 */
struct invt_attachment {
	struct invt_domain *domain;
	struct invt_invs *entries;
	bool busy;
	bool left;
	uint32_t ssid;
};

#define INVT_MAX_SIDS 4

/**
 * struct invt_device - an endpoint behind one instance.
 * @iommu: its instance.
 * @sids: stream IDs (SMMUv3 SID, VT-d RID, RISC-V device_id).
 * @nr_sids: entries in @sids, 1..INVT_MAX_SIDS.
 * @ats: ATS is enabled: attachments add ATC entries.  Cleared (atomic) for
 *	good once the device's ATC stopped answering (struct invt_iommu_ops,
 *	@ats_off); invt_device_ats() reads it.
 * @nr_ssids: ssids 0..@nr_ssids-1 may be attached (0 is the RID).
 * @lock: protects @slots, @nr_slots, @nr_used and the fields of the
 *	attachments they point to (a transaction's owner reads its own slot's
 *	fields without it while the slot is busy: nobody else writes them).
 * @slots: the ssids in use (attached, or a transaction open), as an
 *	open-addressing hash table (linear probing) of @nr_slots pointers, a
 *	power of two, or NULL: memory grows with the ssids in use, not with
 *	@nr_ssids (a 20-bit PASID space costs nothing until used).  No
 *	lock-free reader looks at it: invalidations read domains' arrays.
 * @nr_slots: size of @slots.
 * @nr_used: attachments in @slots.
 * @dev_node: in iommu->devs while @linked (under iommu->devs_lock).
 * @linked: in iommu->devs (ATS devices): from a transaction's claim of a
 *	slot to the end of the transaction that leaves @nr_used at 0.  Written
 *	under iommu->devs_lock and @lock both, read under either.
 */
struct invt_device {
	struct invt_iommu *iommu;
	uint32_t sids[INVT_MAX_SIDS];
	unsigned int nr_sids;
	bool ats;
	uint32_t nr_ssids;
	invt_mutex_t lock;
	struct invt_attachment **slots;
	uint32_t nr_slots;
	uint32_t nr_used;
	struct invt_list dev_node;
	bool linked;
};

/**
 * invt_device_init() - set up a device.
 * @dev: the device.
 * @iommu: its registered instance.
 * @sids: its stream IDs.
 * @nr_sids: 1..INVT_MAX_SIDS.
 * @nr_ssids: 1 (no PASID) or more.
 * @ats: whether ATS is enabled.
 *
 * Return: 0, -EINVAL (bad counts, duplicate SIDs, unregistered instance),
 * -ENOMEM.
 */
int invt_device_init(struct invt_device *dev, struct invt_iommu *iommu, const uint32_t *sids,
		     unsigned int nr_sids, uint32_t nr_ssids, bool ats);

/**
 * invt_device_in_use() - whether any ssid of a device is attached or busy.
 * @dev: the device.
 *
 * Return: true while some ssid is attached or has a transaction open.
 */
bool invt_device_in_use(struct invt_device *dev);

/**
 * invt_device_ats() - whether ATS is on for a device.
 * @dev: the device.
 *
 * Return: false from device init without ATS, or once the core turned ATS
 * off because the device's ATC stopped answering (struct invt_iommu_ops,
 * @ats_off); then for good.
 */
bool invt_device_ats(const struct invt_device *dev);

/**
 * invt_device_destroy() - release a device.
 * @dev: the device; every ssid must be detached.
 *
 * Return: 0, or -EBUSY while attached.
 */
int invt_device_destroy(struct invt_device *dev);

/**
 * enum invt_domain_type - what kind of page table a domain is.
 * @INVT_DOMAIN_S1: stage-1 (tagged by ASID / DID+PASID / PSCID).
 * @INVT_DOMAIN_S2: stage-2 (VMID / DID / GSCID); may be a nest parent.
 * @INVT_DOMAIN_NESTED: a guest-owned stage-1 table over an S2 parent.  Its
 *	attachments add entries to the parent's array: the parent's stage-2
 *	tag (or the nested domain's own, INVT_IOMMU_NESTED_OWN_TAGS), the
 *	stage-1 clear of that tag, and full ATC invalidation; they leave
 *	with the attachment, so the parent's array holds them exactly while a
 *	nested domain over it is attached somewhere.
 */
enum invt_domain_type {
	INVT_DOMAIN_S1,
	INVT_DOMAIN_S2,
	INVT_DOMAIN_NESTED,
};

/**
 * struct invt_tag_binding - a domain's tag in one tag space.
 * @space: the tag space.
 * @tag: the tag.
 * @users: attachments using it (under the domain's lock).
 */
struct invt_tag_binding {
	struct invt_tag_space *space;
	uint32_t tag;
	unsigned int users;
};

struct invt_domain;

/**
 * struct invt_domain_pin_ops - an upper layer's hold on who uses a domain.
 * @pin: called by invt_attach_prepare() when (@dev, @ssid) is about to join
 *	@dom, after the slot was claimed and before anything else changes, with
 *	no core lock held.  A non-zero return fails the prepare with that
 *	value, nothing changed.
 * @unpin: called exactly once for every successful @pin, when (@dev, @ssid)
 *	no longer uses @dom: by invt_attach_commit() for the domain left
 *	(after its flushes), by invt_attach_abort() for the domain not joined,
 *	by invt_attach_prepare() when it fails after @pin.  No core lock held;
 *	never fails.
 *
 * The viommu layer (<invtrack/viommu.h>) sets them on the nested domains it
 * allocates, so that the attach path every arch driver shares pins the
 * device's vdevice while a nested domain is installed for it.  Set before
 * the domain's first attachment and never changed.
 */
struct invt_domain_pin_ops {
	int (*pin)(void *arg, struct invt_domain *dom, struct invt_device *dev, uint32_t ssid);
	void (*unpin)(void *arg, struct invt_domain *dom, struct invt_device *dev, uint32_t ssid);
};

/**
 * struct invt_domain - an I/O page table's invalidation state.
 * @ctx: the context.
 * @id: unique id in the context.
 * @type: an enum invt_domain_type.
 * @parent: the nest parent (NESTED only).
 * @invs: the invalidation array, published under RCU.
 * @lock: serialises writers of @invs and @bindings.
 * @bindings: tags held, one per tag space (under @lock; a nested domain's
 *	own tags, INVT_IOMMU_NESTED_OWN_TAGS, under its parent's lock).
 * @nr_bindings: entries in @bindings.
 * @cap_bindings: room in @bindings.
 * @nr_children: nested domains over this one (under ctx->lock).
 * @nr_attached: attachments using this domain (atomic).
 * @node: in ctx->domains.
 * @pin_ops: NULL, or an upper layer's pin hooks (struct invt_domain_pin_ops).
 * @pin_arg: passed to @pin_ops.
 */
struct invt_domain {
	struct invt_ctx *ctx;
	uint32_t id;
	enum invt_domain_type type;
	struct invt_domain *parent;
	struct invt_invs *invs;
	invt_mutex_t lock;
	struct invt_tag_binding *bindings;
	unsigned int nr_bindings;
	unsigned int cap_bindings;
	unsigned int nr_children;
	int nr_attached;
	struct invt_list node;
	const struct invt_domain_pin_ops *pin_ops;
	void *pin_arg;
};

/**
 * invt_domain_init() - set up a domain with an empty array.
 * @ctx: the context.
 * @dom: the domain.
 * @type: its type.
 * @parent: the S2 nest parent for NESTED, NULL otherwise; it must belong
 *	to @ctx (its instances number their tags and ids apart from any other
 *	context's).
 *
 * Return: 0, -EINVAL (bad type, a parent that is not S2 or of another
 * context), -ENOMEM.
 */
int invt_domain_init(struct invt_ctx *ctx, struct invt_domain *dom, enum invt_domain_type type,
		     struct invt_domain *parent);

/**
 * invt_domain_destroy() - release a domain.
 * @dom: the domain: no attachment may use it, no nested domain over it.
 *
 * The array is freed after a grace period.
 * Context: the calling thread is registered with RCU.
 * Return: 0, or -EBUSY.
 */
int invt_domain_destroy(struct invt_domain *dom);

/**
 * invt_domain_invs_get() - a private copy of the live entries (tests, tools).
 * @dom: the domain (for NESTED, its parent's array).
 *
 * Return: a new array to free with invt_invs_free(), or NULL (-ENOMEM).
 */
struct invt_invs *invt_domain_invs_get(struct invt_domain *dom);

/**
 * struct invt_attach - one attach / detach / replace transaction.
 * @dev: the device.
 * @ssid: its ssid.
 * @old: the domain it leaves (NULL when it was blocked).
 * @new: the domain it joins (NULL for a detach).
 * @add: entries added to @new's array by prepare.
 * @installing: the caller started installing @new's configuration
 *	(invt_attach_installing()): the hardware may have used it.
 * @slot: the (device, ssid) slot, busy while the transaction is open.
 *
 * The caller owns it; the core fills it in prepare and empties it in commit
 * or abort.
 */
struct invt_attach {
	struct invt_device *dev;
	uint32_t ssid;
	struct invt_domain *old;
	struct invt_domain *new;
	struct invt_invs *add;
	bool installing;
	struct invt_attachment *slot;
};

/**
 * invt_attach_prepare() - step 1 of attach, detach (@new NULL) or replace.
 * @tx: the transaction, filled in here.
 * @dev: the device.
 * @ssid: its ssid (0 for the RID attachment).
 * @new: the domain to use, or NULL to block.
 *
 * Allocates @new's tag on the device's instance if this is @new's first
 * attachment there, merges the attachment's entries into @new's array and
 * publishes it.  From here until commit both domains invalidate for the
 * device.  On return the caller installs the configuration (STE/CD, context
 * or PASID entry, DC/PC) and invalidates the configuration cache, then calls
 * invt_attach_commit(), or invt_attach_abort() if installing failed.
 *
 * Context: may sleep (domain lock); the calling thread is registered with
 * RCU (the replaced array is freed with invt_call_rcu()).  The only step
 * that can fail.
 * Return: 0; -EINVAL (bad ssid, unregistered instance, @new or the domain
 * whose array it changes, its nest parent, of another context), -EBUSY (a
 * transaction is open on this slot), -ENOMEM, -ENOSPC (no free tag), -EIO
 * (@new's tag on this instance is quarantined after a failed flush that a
 * retry did not complete).  On error nothing changed.
 */
int invt_attach_prepare(struct invt_attach *tx, struct invt_device *dev, uint32_t ssid,
			struct invt_domain *new);

/**
 * invt_attach_installing() - the caller starts installing tx->new.
 * @tx: a prepared transaction.
 *
 * Call it before the first write of the new configuration that the
 * hardware may read (the arch drivers' install functions do).  From then
 * on the device may use tx->new, fill its ATC from it and hit its tag in
 * the IOTLB, so invt_attach_abort() ends the transaction as a detach from
 * tx->new.  The core cannot tell by itself: only the caller knows when its
 * configuration reached memory the hardware reads.
 */
void invt_attach_installing(struct invt_attach *tx);

/**
 * invt_attach_commit() - step 3: the device now uses tx->new.
 * @tx: a prepared transaction.
 *
 * Invalidates the device's ATC for the ssid (ATS devices), drops the old
 * attachment's entries from the old domain's array, flushes every tag whose
 * last user left and only then releases it, and waits until no invalidator
 * can still send ATC invalidations for the old attachment.  Never fails.
 * A flush that does not complete (a queue error) is not ignored: an ATC
 * whose invalidation failed stays in the old domain's array (its
 * invalidations keep covering the device until the domain is destroyed),
 * and a tag whose flush failed is quarantined (struct invt_tag_space).
 *
 * Context: the calling thread is registered with RCU.
 */
void invt_attach_commit(struct invt_attach *tx);

/**
 * invt_attach_abort() - undo a prepare.
 * @tx: a prepared transaction.
 *
 * Before invt_attach_installing(), the new domain's entries are dropped and
 * nothing is flushed: the hardware never saw tx->new.  After it, the caller
 * first puts the old configuration back and completes its configuration
 * invalidation (the device no longer reaches tx->new); the abort then ends
 * like a detach from tx->new: the device's ATC for the ssid is invalidated
 * and waited for while tx->new's array still covers it, then the entries
 * are dropped, a tag whose last user left is flushed before it is released
 * (or quarantined), and ATC invalidators are quiesced.  Failures are
 * handled as in invt_attach_commit().  Never fails; the device keeps using
 * tx->old.
 *
 * Context: the calling thread is registered with RCU.
 */
void invt_attach_abort(struct invt_attach *tx);

/**
 * invt_attach() - prepare and commit with nothing installed in between.
 * @dev: the device.
 * @ssid: its ssid.
 * @new: domain, or NULL to detach.
 *
 * For tests and tools without a configuration to install.
 * Return: as invt_attach_prepare().
 */
int invt_attach(struct invt_device *dev, uint32_t ssid, struct invt_domain *new);

/**
 * invt_device_domain() - the domain a (device, ssid) uses.
 * @dev: the device.
 * @ssid: its ssid.
 *
 * Return: the domain, or NULL when blocked or @ssid is out of range.
 */
struct invt_domain *invt_device_domain(struct invt_device *dev, uint32_t ssid);

/**
 * invt_domain_invalidate() - invalidate [@iova, @iova + @size) everywhere.
 * @dom: an S1 or S2 domain (a nest parent's invalidation covers its nested
 *	domains' stage-1 entries through IOTLB_S2_S1_CLEAR).
 * @iova: first byte.
 * @size: bytes, at least 1; the range may end exactly at 2^64.
 * @leaf: only leaf entries changed.
 *
 * The caller has already cleared the page-table entries.  Full barrier,
 * then, under RCU, per instance of the array: phase 1 IOTLB commands, phase 2
 * stage-1 clear of a nest parent, phase 3 ATC commands, each non-empty phase
 * followed by a completion command; every instance's phase is issued before
 * any is waited on.  Then a load->load barrier and a second look at the
 * array: if an attachment was published meanwhile, the stage-1-clear and ATC
 * phases of the newer array are flushed as well (its device may have
 * refilled its ATC from IOTLB entries that lived until the first flush
 * completed).  No allocation and no lock: the call marks its section in a
 * record only the calling thread (kernel: CPU) writes, which a detach that
 * dropped ATC entries waits on (detach quiescence).  Returns 0 once every
 * cache is clean: the freed memory may be reused.
 *
 * A submit or wait error on one instance does not stop the others: every
 * instance is still flushed and waited for, and the first error is
 * returned.  Then some cache may still hold the range: the caller must not
 * reuse the memory until a later invalidation of it returns 0.
 *
 * An -EIO that is an ATC that never answers (an attached ATS device whose
 * ATC invalidation alone fails INVT_CMD_RETRIES_MUST sends in a row) is
 * recovered here, as a commit recovers it: the device's ATS is turned off
 * (struct invt_iommu_ops, @ats_off), its ATC entries leave the arrays, and
 * the invalidation is sent again, so it completes.  Only on that error path
 * does the call take locks and may sleep (the driver's configuration
 * invalidation).
 *
 * Context: the calling thread is registered with RCU; may sleep only after
 * an -EIO (above).
 * Return: 0; -EINVAL (size 0, range past 2^64, nested domain), nothing
 * done; or the first error of the drivers' submit or wait (-EIO,
 * -ETIMEDOUT, ...).
 */
int invt_domain_invalidate(struct invt_domain *dom, uint64_t iova, uint64_t size, bool leaf);

/**
 * invt_domain_invalidate_all() - invalidate everything of @dom.
 * @dom: an S1 or S2 domain.
 *
 * Errors as for invt_domain_invalidate().
 * Context: the calling thread is registered with RCU.
 * Return: 0, -EINVAL for a nested domain, or the first submit or wait error.
 */
int invt_domain_invalidate_all(struct invt_domain *dom);

/**
 * invt_invs_flush() - run the flush engine on an array.
 * @ctx: the context (ablations).
 * @invs: a sorted array, held under RCU or private.
 * @r: the range.
 *
 * The engine itself, exposed for benchmarks and for tools that build their
 * own arrays.  Every instance is flushed whatever another one returned.
 * Return: 0, or the first submit or wait error.
 */
int invt_invs_flush(struct invt_ctx *ctx, const struct invt_invs *invs,
		    const struct invt_range *r);

/**
 * invt_domain_tag() - the tag a domain holds on an instance.
 * @dom: an S1 or S2 domain, or a nested one (its parent's stage-2 tag, or
 *	its own on an instance with INVT_IOMMU_NESTED_OWN_TAGS).
 * @iommu: the instance.
 * @tag: out: the tag (ASID, VMID, DID, PSCID, GSCID).
 *
 * For an arch driver installing a configuration between
 * invt_attach_prepare() and invt_attach_commit(): the transaction holds the
 * tag, so it stays valid until the attachment is left.  Takes @dom's lock.
 *
 * Return: 0, or -ENOENT when @dom holds no tag in @iommu's space.
 */
int invt_domain_tag(struct invt_domain *dom, struct invt_iommu *iommu, uint32_t *tag);

/**
 * invt_domain_tag_locked() - invt_domain_tag() under the owner's lock.
 * @dom: as for invt_domain_tag().
 * @iommu: the instance.
 * @tag: out: the tag.
 *
 * The caller holds the lock of the domain whose array @dom uses (@dom
 * itself, or a nested domain's parent), so that the tag cannot be released
 * (and handed to another domain) until it unlocks: what the viommu layer
 * needs to put a VM's stage-2 tag into guest commands it issues.
 *
 * Return: 0, or -ENOENT when the domain holds no tag in @iommu's space.
 */
int invt_domain_tag_locked(struct invt_domain *dom, struct invt_iommu *iommu, uint32_t *tag);

/**
 * invt_ctx_ablated() - whether a protocol rule is switched off (arch drivers).
 * @ctx: the context.
 * @rule: an enum invt_ablation.
 *
 * Return: true only in a -Dablations=true build with @rule switched off;
 * the constant false otherwise, so a normal build keeps no trace of it.
 */
static inline bool invt_ctx_ablated(const struct invt_ctx *ctx, int rule)
{
#ifdef INVT_ABLATIONS
	/* Relaxed: set before the threads under test start (invt_ablate()). */
	return __atomic_load_n(&ctx->ablations, __ATOMIC_RELAXED) & (1ul << rule);
#else
	(void)ctx;
	(void)rule;
	return false;
#endif
}

/**
 * typedef invt_entry_cmds_fn - commands an arch's build() emits for an entry.
 * @iommu: the entry's instance.
 * @inv: a live entry.
 * @r: the range.
 *
 * Return: the count (0 when it emits none).
 */
typedef uint64_t (*invt_entry_cmds_fn)(struct invt_iommu *iommu, const struct invt_inv *inv,
				       const struct invt_range *r);

/**
 * invt_invs_plan_count() - the commands the flush engine issues for an array.
 * @invs: a sorted array (private copy or read under RCU).
 * @r: the range.
 * @ops: only entries of instances driven by these ops are counted.
 * @entry_cmds: the arch's count for one entry.
 * @cmds: out: commands, completion commands included.
 * @syncs: out: of which completion commands: one per non-empty phase per
 *	instance, as invt_invs_flush() builds them (with or without
 *	INVT_IOMMU_SYNC_ORDERS; a normal build, no ablation), or one per
 *	instance with anything to flush with INVT_IOMMU_QUEUE_ORDERS (what
 *	its ops->build adds on its own is the driver's to count).
 *
 * For tests and tools that compare what an invalidation cost with the
 * minimum of the arch's policy (invt_smmu_plan_count() and its twins).
 */
void invt_invs_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			  const struct invt_iommu_ops *ops, invt_entry_cmds_fn entry_cmds,
			  uint64_t *cmds, uint64_t *syncs);

/**
 * invt_rcu_register_thread() - register the calling thread with RCU.
 *
 * Every thread that calls into the core must be registered (liburcu memb
 * flavor): invalidators read arrays inside their invalidator sections,
 * which an array's grace period waits for, and prepare, commit, abort,
 * invt_iommu_unregister(), invt_domain_destroy() and invt_ctx_destroy()
 * free replaced arrays with invt_call_rcu() or wait for grace periods,
 * which liburcu allows only from registered threads.
 *
 * Registration also makes the thread's invalidations visible to the detach
 * quiescence (a detach waits for the invalidations in progress that may
 * still send ATC commands for what it detached).
 *
 * Builds without NDEBUG stop a thread that invalidates without it (abort()
 * with a message naming this call); release builds cannot see the mistake.
 */
void invt_rcu_register_thread(void);

/** invt_rcu_unregister_thread() - undo invt_rcu_register_thread(). */
void invt_rcu_unregister_thread(void);

#endif /* INVTRACK_CORE_H */
