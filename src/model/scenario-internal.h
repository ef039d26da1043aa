/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * scenario-internal.h - what scenario.c (building, running), scenario-ops.c
 * (the operations), scenario-stats.c (measurements) and the per-arch glue
 * (scenario-<arch>.c: a modelled unit and its driver) share.
 */
#ifndef INVT_SCENARIO_INTERNAL_H
#define INVT_SCENARIO_INTERNAL_H

#include <endian.h>
#include <pthread.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/model/scenario.h>
#include <invtrack/drv-common.h>

/*
 * Every domain has the same iova layout, so that a tag reused while cached
 * hits an entry of another domain at an address the device really uses:
 * SCN_PAGES 4 KiB slots, SCN_PAGES_PER_REGION to a 2 MiB region (unmapping a
 * whole region empties its last-level table, which the page table unlinks:
 * walk-cache invalidation), and SCN_BLOCKS 2 MiB block slots.
 */
#define SCN_PAGES		64
#define SCN_PAGES_PER_REGION	16
#define SCN_BLOCKS		2
#define SCN_PAGE_BASE		UINT64_C(0x10000000)
#define SCN_BLOCK_BASE		UINT64_C(0x40000000)
#define SCN_SZ_4K		UINT64_C(0x1000)
#define SCN_SZ_2M		UINT64_C(0x200000)
#define SCN_BLOCK_FRAMES	512
#define SCN_SID_BITS		6
#define SCN_MEM_FRAMES		16384
#define SCN_ATC_ENTRIES		32

/*
 * A VM's guest memory: SCN_VM_PAGES IPA pages from SCN_VM_IPA_BASE, all
 * mapped by its nest parent (the host backs the whole guest), away from the
 * slots the parent's own map / unmap operations use.
 */
#define SCN_VM_PAGES		512
#define SCN_VM_IPA_BASE		UINT64_C(0x80000000)
/* Guest commands of one guest invalidation, at most. */
#define SCN_GUEST_CMDS		(SCN_PAGES_PER_REGION + INVT_SCN_MAX_DEVICES + 4)

struct scn;
struct scn_vm;

/**
 * struct scn_gpt_ops - page-table memory of a guest's stage 1: IPA pages of
 *	its VM, reached through the host frames the parent maps them to.
 * @ops: give &@ops to invt_pt_init().
 * @s: the scenario.
 * @vm: the VM (its lock is held around every use).
 * @domain: the nested domain the table pages belong to.
 */
struct scn_gpt_ops {
	struct invt_pt_ops ops;
	struct scn *s;
	struct scn_vm *vm;
	uint32_t domain;
};

/**
 * struct scn_withheld - what an unmap took out of a domain and may not free
 *	yet: its invalidation failed (the driver's retries included), so
 *	some IOTLB, walk cache or ATC may still hold the range.
 * @chain: the data frames and table pages, freed together once an
 *	invalidation of [@start, @last] completed.
 * @start: first byte of the range still to invalidate.
 * @last: its last byte.
 * @leaf: only leaf entries changed in it (no table page on @chain).
 * @pending: an invalidation of [@start, @last] is owed; without it @chain
 *	is empty and the range meaningless.
 *
 * A driver does the same with its page-table memory: freed only after the
 * IOTLB invalidation covering it completed, so a failed one holds the
 * memory back until a later one of the range succeeds.
 */
struct scn_withheld {
	struct invt_mem_chain chain;
	uint64_t start;
	uint64_t last;
	bool leaf;
	bool pending;
};

/* Guest pages of a nested domain a guest invalidation has not covered yet. */
#define SCN_GUEST_WITHHELD	64

/**
 * struct scn_gwithheld - the guest's pages (IPAs) an unmap of a nested
 *	domain took out whose guest invalidation did not complete: the guest
 *	keeps them (invt_oracle_guest_inv_done() not called) until a later
 *	invalidation of the range completes.
 * @nr: pages in @ipa.
 * @ipa: the pages.
 * @start: first byte (IOVA) of the range still to invalidate.
 * @last: its last byte.
 * @all: the whole tag must be invalidated (tables were unlinked).
 */
struct scn_gwithheld {
	unsigned int nr;
	uint64_t ipa[SCN_GUEST_WITHHELD];
	uint64_t start;
	uint64_t last;
	bool all;
};

/**
 * struct scn_domain - a domain and what is mapped in it.
 * @drv: the arch driver's domain (allocated by the arch glue).
 * @dom: the core's domain inside it.
 * @pt: its page table inside it.
 * @ops: page-table memory in the pool, owned by this domain.
 * @s2: a stage-2 domain.
 * @lock: serialises map and unmap of the table and protects @page_pa and
 *	@block_pa (held across an unmap's invalidation).
 * @page_pa: frame of each 4 KiB slot, 0 when unmapped.
 * @page_map: bit i: @page_pa[i] is not 0 (written with it, by
 *	scn_page_set(); read without the lock as a hint by scn_pick_iova()).
 * @block_pa: first frame of each 2 MiB slot, 0 when unmapped.
 * @up: initialised.
 * @vm: a VM's nest parent or nested domain: the VM; NULL otherwise.
 * @nested: a nested domain (guest stage 1): @pt is @gpt, the guest's, in
 *	IPA pages, and @page_pa holds IPAs; guarded by @vm's lock, not @lock.
 * @inst: nested: the instance whose viommu it belongs to (devices of
 *	other instances do not attach it).
 * @s1tag: nested: the guest's stage-1 tag (RISC-V PSCID, SMMUv3 ASID, VT-d
 *	guest DID).
 * @gpt: nested: the guest's stage-1 table.
 * @gops: nested: its memory.
 * @wh: frames an unmap freed whose invalidation has not completed yet
 *	(under @lock; see scn_unmap_range()).
 * @gwh: nested: the guest's pages whose invalidation has not completed yet
 *	(under @vm's lock; see scn_guest_unmap()).
 */
struct scn_domain {
	void *drv;
	struct invt_domain *dom;
	struct invt_pt *pt;
	struct invt_mem_pt_ops ops;
	bool s2;
	pthread_mutex_t lock;
	uint64_t page_pa[SCN_PAGES];
	uint64_t page_map;
	uint64_t block_pa[SCN_BLOCKS];
	bool up;
	struct scn_vm *vm;
	bool nested;
	unsigned int inst;
	uint32_t s1tag;
	struct invt_pt gpt;
	struct scn_gpt_ops gops;
	struct scn_withheld wh;
	struct scn_gwithheld gwh;
};

struct invt_viommu;

/* Records the units' event / fault queues hold until the VMM takes them. */
#define SCN_EVQ_DEPTH		1024

_Static_assert(SCN_PAGES == 64, "struct scn_domain.page_map has a bit per slot");

/*
 * Set @d's @slot to @pa (0: unmapped), the writer of @d's slots holding
 * its lock (@d->lock, or its VM's for a nested domain).  Relaxed, both: the
 * DMA threads read them as hints (scn_pick_iova()); only that lock orders
 * them, and a plain store of the map is enough as its writers are
 * serialised by it.
 */
static inline void scn_page_set(struct scn_domain *d, unsigned int slot, uint64_t pa)
{
	uint64_t map = __atomic_load_n(&d->page_map, __ATOMIC_RELAXED);

	__atomic_store_n(&d->page_pa[slot], pa, __ATOMIC_RELAXED);
	if (pa)
		map |= UINT64_C(1) << slot;
	else
		map &= ~(UINT64_C(1) << slot);
	__atomic_store_n(&d->page_map, map, __ATOMIC_RELAXED);
}

/**
 * struct scn_evq - an instance's event / fault queue as its driver sees it:
 *	the records the unit wrote (invt_munit_set_fault_hook()), oldest first,
 *	until the VMM side takes them (scn_vm_deliver_faults()).
 * @lock: protects the rest; innermost (taken from the unit's hook, which
 *	runs in any accessing thread, whatever locks it holds).
 * @head: oldest record.
 * @nr: records held (also read without the lock as a hint).
 * @sid: each record's device.
 * @len: each record's size.
 * @rec: the records.
 */
struct scn_evq {
	pthread_mutex_t lock;
	unsigned int head;
	unsigned int nr;
	uint32_t sid[SCN_EVQ_DEPTH];
	uint8_t len[SCN_EVQ_DEPTH];
	uint8_t rec[SCN_EVQ_DEPTH][32];
};

/**
 * struct scn_vm - a VM: a nest parent and a nested domain per instance.
 * @idx: its oracle VM slot.
 * @parent: index of its nest parent in scn.dom.
 * @nested: index of its nested domain of each instance in scn.dom.
 * @lock: the guest's side: its stage-1 tables, its nested domains'
 *	@page_pa, and @ipa_pa (the host changes an entry only under it).
 *	Nests outside the parent's scn_domain.lock and the viommu's locks.
 * @ipa_pa: the host frame behind each guest page.
 * @viommu: its viommu on each instance (NULL with viommu off, and while
 *	the instance's driver is removed).  Created and destroyed with @lock
 *	held and every device lock of the instance (scn_op_remove()), and
 *	set with @vio_lock held too: read it under any of them.
 * @vio_lock: @viommu for the VMM's fault path (scn_vm_deliver()), which
 *	holds it, not @lock, across invt_viommu_report_fault(): @lock is held
 *	across the guest's invalidations and the host's page moves, which
 *	wait on the hardware, and the fault path runs in the DMA threads.  A
 *	viommu is destroyed with it held.  Nests inside @lock, outside the
 *	viommu's locks.
 * @down: the instance's driver is removed (scn_vm_inst_down() until
 *	scn_vm_inst_up()): the guest sends it no command, and no device
 *	attaches the VM's nested domain there.  Written as @viommu is.
 * @has_dev: the guest has device k (a vdevice in its viommu of the
 *	device's instance; with viommu off, plugged): the devices its ATC
 *	invalidations name.  Under @lock.
 * @up: the lock is initialised.
 * @ev_next: per instance, the sequence number the guest expects next from
 *	its viommu's event queue (under @lock).
 * @ev_known: per instance, @ev_next is known (not after a lost-events
 *	header, nor before the first event).
 */
struct scn_vm {
	unsigned int idx;
	int parent;
	int nested[INVT_SCN_MAX_INSTANCES];
	pthread_mutex_t lock;
	pthread_mutex_t vio_lock;
	uint64_t ipa_pa[SCN_VM_PAGES];
	struct invt_viommu *viommu[INVT_SCN_MAX_INSTANCES];
	bool down[INVT_SCN_MAX_INSTANCES];
	bool has_dev[INVT_SCN_MAX_DEVICES];
	bool up;
	uint32_t ev_next[INVT_SCN_MAX_INSTANCES];
	bool ev_known[INVT_SCN_MAX_INSTANCES];
};

/**
 * struct scn_guest_inv - one guest invalidation, as the arch's guest
 *	commands say it (struct scn_unit_ops.guest_cmds).
 * @s2tag: the stage-2 tag the commands carry (a viommu replaces it).
 * @s1tag: the nested domain's stage-1 tag.
 * @iova: first byte of the unmapped range.
 * @last: its last byte.
 * @all: every translation of @s1tag (tables were unlinked).
 * @nr_ats: devices whose ATCs are invalidated.
 * @ats: their ids as the guest names them (virtual with a viommu).
 */
struct scn_guest_inv {
	uint32_t s2tag;
	uint32_t s1tag;
	uint64_t iova;
	uint64_t last;
	bool all;
	unsigned int nr_ats;
	uint32_t ats[INVT_SCN_MAX_DEVICES];
};

/**
 * struct scn_device - a device and where it is attached.
 * @drv: the arch driver's master (allocated by the arch glue).
 * @tx: room for one attach transaction of the arch driver (under @lock).
 * @inst: index of its instance.
 * @sid: its stream id.
 * @ats: ATS enabled.
 * @nr_ssids: ssids (1: no PASIDs).
 * @hw_dev: the modelled unit has this device (added once: an unplugged
 *	device that comes back is the same device to the hardware).
 * @gone: (atomic) unplugged, or behind an instance whose driver is
 *	removed: DMA engines leave it alone; set and cleared under @lock.
 * @lock: serialises attach operations on the device (the group mutex a
 *	real kernel holds); protects writes of @cur.
 * @cur: domain index at each ssid, -1 when blocked; written under @lock,
 *	read by DMA threads with relaxed loads (a hint where to aim, nothing
 *	depends on it being current).
 * @up: initialised.
 */
struct scn_device {
	void *drv;
	void *tx;
	unsigned int inst;
	uint32_t sid;
	bool ats;
	uint32_t nr_ssids;
	bool hw_dev;
	int gone;
	pthread_mutex_t lock;
	int cur[INVT_SCN_MAX_PASIDS];
	bool up;
};

/**
 * struct scn_inst - an instance: the modelled hardware and its driver.
 * @hw: the arch's modelled instance (struct invt_msmmu, ...).
 * @unit: its modelled unit (unit.h), what the shared glue drives.
 * @drv: the driver (arch glue).
 * @up: the driver is initialised.
 */
struct scn_inst {
	void *hw;
	struct invt_munit *unit;
	void *drv;
	bool up;
};

/**
 * struct scn_gap - inline mode: the attach whose protocol gap the core's
 *	hook may fill with device activity (see scn_hook()).
 * @dev: the device, or NULL when no attach is running.
 * @ssid: its ssid.
 * @old: index of the domain it leaves.
 */
struct scn_gap {
	struct scn_device *dev;
	uint32_t ssid;
	int old;
};

#define SCN_MAX_PROBES 16

/* Flight recorder (inline mode): the last SCN_FLIGHT events, a ring. */
#define SCN_FLIGHT 16384

/*
 * Latency samples: every value, up to SCN_SAMPLES_MAX of them; past that a
 * uniform sample of that many (reservoir sampling, seeded: inline runs stay
 * deterministic).  Percentiles are nearest-rank over the values kept.
 */
#define SCN_SAMPLES_MAX	(1u << 22)

/**
 * struct scn_hist - the latencies of one kind.
 * @v: the values kept (sorted by scn_hist_finish()).
 * @nv: entries of @v used.
 * @cap: entries of @v allocated.
 * @total: values added.
 * @sum: their sum (for the mean).
 * @rng: the reservoir's generator.
 */
struct scn_hist {
	uint64_t *v;
	size_t nv;
	size_t cap;
	uint64_t total;
	uint64_t sum;
	uint64_t rng;
};

/*
 * What the invalidation running on this thread submitted and waited for
 * (the drivers' observers, called in the submitting thread).
 */
struct scn_acct {
	bool on;
	uint64_t cmds;
	uint64_t syncs;
	uint64_t waits;
	uint64_t modelled[INVT_SCN_MAX_INSTANCES];
};

/**
 * struct scn_probe - an access to repeat after an invalidation.
 * @dev: the device.
 * @ssid: its ssid.
 * @iova: the address.
 */
struct scn_probe {
	struct scn_device *dev;
	uint32_t ssid;
	uint64_t iova;
};

struct scn;

struct invt_munit;
struct invt_munit_stats;

/**
 * struct scn_unit_ops - what differs per architecture behind the shared glue
 *	of scenario-arch.c (which creates, drives and tears down every
 *	architecture's instances, domains, masters and attach transactions
 *	the same way).
 * @create: create model instance @i with the scenario's parameters; *@hw:
 *	the arch's instance.  Return: its unit, or NULL with *@ret set.
 * @destroy: destroy a model instance (NULL: nothing).
 * @create_default: a model instance with defaults over @mem and @oracle
 *	(its cost table is the model's default).
 * @regs: the registers of @hw, as the driver's configuration takes them.
 * @hw_faults: the faults model instance @hw injected, per enum
 *	invt_hw_fault, into @injected; returns the stalls that ended.
 * @drv_size: bytes of the driver's instance.
 * @drv_init: initialise the driver of instance @i over @regs (a probe, as
 *	at boot or after a removal), its queue sized by scn_queue_log2().
 * @drv_destroy: tear it down (only when @drv_init succeeded).  Return: 0,
 *	or the driver's error (it stays).
 * @drv_count: add what driver @drv counted (queue full waits, recoveries
 *	from injected faults, per enum invt_hw_fault) to the result; its
 *	counters outlive its destroy.
 * @drv_poll: optional: what the driver does at the end of the run before
 *	its counters are read (VT-d: hear of an ICE, which does not stop the
 *	queue, at a poll).
 * @inst_fini: optional: after instance @i is gone (shared glue state).
 * @events: optional: add the unit's translation and configuration event
 *	counters to the result.
 * @domain_size: bytes of the driver's domain.
 * @domain_init: initialise the driver domain @dom (stage 2 when @s2) over
 *	@ops; point *@core and *@pt at its core domain and page table.
 * @domain_destroy: tear it down.  Return: 0, or -EBUSY (still attached).
 * @master_size: bytes of the driver's master.
 * @attach_size: bytes of the driver's attach transaction.
 * @master_init: initialise master @m of @dv on driver instance @drv.
 * @master_destroy: tear it down.  Return: 0, or an error (kept).
 * @prepare: the driver's attach prepare of (@m, @ssid) -> @dom (NULL:
 *	detach) into @tx.
 * @install: the driver's install of @tx.
 * @commit: the driver's commit of @tx.
 * @abort: the driver's abort of @tx.
 * @viommu_arch: the enum invt_viommu_arch of the guest format (0: no VMs
 *	in the scenario for this architecture).
 * @guest_fmt: the guest's stage-1 table format.
 * @nested_init: initialise driver domain @dom as a nested domain over
 *	@parent (a driver domain of @domain_init, S2) whose guest stage 1 has
 *	its root at IPA @root and stage-1 tag @s1tag; *@core: its core domain.
 *	Guest structures it needs (SMMUv3: the CD table) come from
 *	scn_vm_guest_page().
 * @nested_own_tag: a nested domain has a tag of its own on an instance
 *	(VT-d: its DID), which its guest's stage-1 commands carry: the guest
 *	names it by @s1tag (the viommu's vtag); else they carry the parent's
 *	stage-2 tag.
 * @guest_cmds: write the guest commands of @gi into @buf (the guest
 *	format's size each), setting @sync[i] for each completion command;
 *	return how many (at most SCN_GUEST_CMDS).
 * @iommu: the core instance of driver @drv.
 * @core_dev: the core device of master @m.
 * @cmd_ids: the stage-2 tag (VMID, DID, GSCID) and the device id (StreamID,
 *	source-id, device_id) a command in queue format names, decoded as the
 *	unit does: SCN_ID_TAG and SCN_ID_DEV for each it names (0: neither, or
 *	a command the decoder refuses).
 * @event_s2: a fault record of the unit (invt_viommu's event format) says
 *	stage 2 faulted: the host's, never a guest's.
 * @event_id: the device id a fault record names.
 */
struct scn_unit_ops {
	struct invt_munit *(*create)(struct scn *s, unsigned int i, void **hw, int *ret);
	void (*destroy)(void *hw);
	struct invt_munit *(*create_default)(struct invt_mem *mem, struct invt_oracle *oracle,
					     void **hw);
	void *(*regs)(void *hw);
	uint64_t (*hw_faults)(void *hw, uint64_t *injected);
	size_t drv_size;
	int (*drv_init)(struct scn *s, unsigned int i, void *drv, void *regs);
	int (*drv_destroy)(void *drv);
	void (*drv_count)(struct scn *s, void *drv);
	void (*drv_poll)(void *drv);
	void (*inst_fini)(struct scn *s, unsigned int i);
	void (*events)(const struct invt_munit_stats *st, struct invt_scn_result *res);
	size_t domain_size;
	int (*domain_init)(struct scn *s, void *dom, bool s2, struct invt_pt_ops *ops,
			   struct invt_domain **core, struct invt_pt **pt);
	int (*domain_destroy)(void *dom);
	size_t master_size;
	size_t attach_size;
	int (*master_init)(struct scn *s, struct scn_device *dv, void *m, void *drv);
	int (*master_destroy)(void *m);
	int (*prepare)(void *tx, void *m, uint32_t ssid, void *dom);
	int (*install)(void *tx);
	void (*commit)(void *tx);
	void (*abort)(void *tx);
	int viommu_arch;
	const struct invt_pt_fmt *guest_fmt;
	int (*nested_init)(struct scn *s, struct scn_vm *vm, void *dom, void *parent,
			   uint64_t root, uint32_t s1tag, struct invt_domain **core);
	bool nested_own_tag;
	unsigned int (*guest_cmds)(const struct scn_guest_inv *gi, uint8_t *buf, bool *sync);
	struct invt_iommu *(*iommu)(void *drv);
	struct invt_device *(*core_dev)(void *m);
	unsigned int (*cmd_ids)(const void *cmd, uint32_t *tag, uint32_t *dev);
	bool (*event_s2)(const void *rec);
	uint32_t (*event_id)(const void *rec);
};

/* struct scn_unit_ops.cmd_ids */
#define SCN_ID_TAG	(1u << 0)
#define SCN_ID_DEV	(1u << 1)

/**
 * struct scn_arch - what the scenario needs from one architecture: its
 *	modelled unit and its driver, behind one set of operations (most of
 *	them the shared glue's, SCN_UNIT_GLUE, over @unit).
 * @name: "smmuv3", "vtd", "riscv".
 * @inst_init: create instance @i (model, then driver) into s->inst[i].
 * @inst_destroy: destroy it (driver, then model); safe on a partial init.
 * @drv_up: probe instance @i's driver again over its modelled unit.
 * @drv_stats: add what instance @i's driver counted (queue full waits,
 *	recoveries from injected faults, per enum invt_hw_fault) to the
 *	result; called before a driver goes and at the end of the run.
 * @hw_faults: the faults instance @i's unit injected, per kind; returns the
 *	stalls that ended.
 * @drv_down: remove instance @i's driver (no master of it left); the
 *	modelled unit stays.  Fails as the driver's destroy does, leaving it.
 * @inst_stats: commands the unit consumed, in total and per op index, and
 *	the command errors it raised.
 * @inst_events: optional: adds the unit's translation and configuration
 *	event counters to the result (xlate_s1 .. handshake_errors).
 * @cost_ns: the unit's modelled cost of an op index.
 * @domain_init: create @d's driver domain (S1 or S2) over d->ops.
 * @domain_destroy: destroy it.
 * @device_init: create @dv's model device and driver master.
 * @device_destroy: destroy the master.
 * @prepare: the driver's attach prepare of (@dv, @ssid) -> @d (NULL: detach),
 *	its transaction in dv->tx.
 * @install: the driver's install of dv->tx.
 * @commit: the driver's commit of dv->tx.
 * @abort: the driver's abort of dv->tx.
 * @dma: one access by @dv on its unit.
 * @plan_count: the minimum commands of an invalidation of an array.
 * @linux_count: the commands and waits the arch's Linux driver policy issues
 *	for an invalidation of an array (docs/comparison.md).
 * @op_index: the op index (by_op slot) of a command in queue format.
 * @op_name: the mnemonic of an op index, or NULL.
 * @describe: "MNEMONIC field=value ..." of a command given as words
 *	(hardware decoder).
 * @cost_defaults: the model's default cost of each op index (256 entries).
 * @cmd_words: 64-bit words per command as traced (2, or 4 for 256-bit).
 * @sync_op: the op index of the completion command.
 * @unit: what differs, for the shared glue.
 */
struct scn_arch {
	const char *name;
	const struct scn_unit_ops *unit;
	int (*inst_init)(struct scn *s, unsigned int i, char *err, size_t errlen);
	void (*inst_destroy)(struct scn *s, unsigned int i);
	int (*drv_up)(struct scn *s, unsigned int i, char *err, size_t errlen);
	int (*drv_down)(struct scn *s, unsigned int i);
	void (*drv_stats)(struct scn *s, unsigned int i);
	uint64_t (*hw_faults)(struct scn *s, unsigned int i, uint64_t *injected);
	void (*inst_stats)(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			   uint64_t *errors);
	void (*inst_events)(struct scn *s, unsigned int i, struct invt_scn_result *res);
	uint32_t (*cost_ns)(struct scn *s, unsigned int i, unsigned int op);
	int (*domain_init)(struct scn *s, struct scn_domain *d);
	int (*domain_destroy)(struct scn *s, struct scn_domain *d);
	int (*device_init)(struct scn *s, struct scn_device *dv);
	int (*device_destroy)(struct scn *s, struct scn_device *dv);
	int (*prepare)(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d);
	int (*install)(struct scn *s, struct scn_device *dv);
	void (*commit)(struct scn *s, struct scn_device *dv);
	void (*abort)(struct scn *s, struct scn_device *dv);
	int (*dma)(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write);
	void (*plan_count)(const struct invt_invs *invs, const struct invt_range *r,
			   uint64_t *cmds, uint64_t *syncs);
	void (*linux_count)(const struct invt_invs *invs, const struct invt_range *r,
			    uint64_t *cmds, uint64_t *waits);
	unsigned int (*op_index)(const void *cmd);
	const char *(*op_name)(unsigned int op);
	int (*describe)(const uint64_t *w, unsigned int nwords, char *buf, size_t len);
	void (*cost_defaults)(uint32_t *cost);
	unsigned int cmd_words;
	unsigned int sync_op;
	uint64_t until_seen[3];
	double until_at[3];
};

/* scenario-arch.c: the shared glue, over struct scn_arch.unit. */
int scn_unit_inst_init(struct scn *s, unsigned int i, char *err, size_t errlen);
void scn_unit_inst_destroy(struct scn *s, unsigned int i);
int scn_unit_drv_up(struct scn *s, unsigned int i, char *err, size_t errlen);
int scn_unit_drv_down(struct scn *s, unsigned int i);
void scn_unit_drv_stats(struct scn *s, unsigned int i);
uint64_t scn_unit_hw_faults(struct scn *s, unsigned int i, uint64_t *injected);
void scn_unit_inst_stats(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			 uint64_t *errors);
void scn_unit_inst_events(struct scn *s, unsigned int i, struct invt_scn_result *res);
uint32_t scn_unit_cost_ns(struct scn *s, unsigned int i, unsigned int op);
int scn_unit_domain_init(struct scn *s, struct scn_domain *d);
int scn_unit_domain_destroy(struct scn *s, struct scn_domain *d);
int scn_unit_device_init(struct scn *s, struct scn_device *dv);
int scn_unit_device_destroy(struct scn *s, struct scn_device *dv);
int scn_unit_prepare(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d);
int scn_unit_install(struct scn *s, struct scn_device *dv);
void scn_unit_commit(struct scn *s, struct scn_device *dv);
void scn_unit_abort(struct scn *s, struct scn_device *dv);
int scn_unit_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write);

/* The default cost of each op index (256 entries) of the model @ops makes. */
void scn_unit_cost_defaults(const struct scn_unit_ops *ops, uint32_t *cost);

/* @nwords of @w as little-endian bytes into @b (@bytes long, zero-filled). */
void scn_words_le(const uint64_t *w, unsigned int nwords, uint8_t *b, size_t bytes);

/* The operations of struct scn_arch the shared glue provides. */
#define SCN_UNIT_GLUE					\
	.inst_init = scn_unit_inst_init,		\
	.inst_destroy = scn_unit_inst_destroy,		\
	.drv_up = scn_unit_drv_up,			\
	.drv_down = scn_unit_drv_down,			\
	.drv_stats = scn_unit_drv_stats,		\
	.hw_faults = scn_unit_hw_faults,		\
	.inst_stats = scn_unit_inst_stats,		\
	.inst_events = scn_unit_inst_events,		\
	.cost_ns = scn_unit_cost_ns,			\
	.domain_init = scn_unit_domain_init,		\
	.domain_destroy = scn_unit_domain_destroy,	\
	.device_init = scn_unit_device_init,		\
	.device_destroy = scn_unit_device_destroy,	\
	.prepare = scn_unit_prepare,			\
	.install = scn_unit_install,			\
	.commit = scn_unit_commit,			\
	.abort = scn_unit_abort,			\
	.dma = scn_unit_dma

extern const struct scn_arch scn_arch_smmuv3;
extern const struct scn_arch scn_arch_vtd;
extern const struct scn_arch scn_arch_riscv;

const struct scn_arch *scn_arch_find(const char *name);

/**
 * struct scn - the whole system.
 * @p: the parameters.
 * @res: the result being filled (counters updated with atomics).
 * @ctx: the core's context.
 * @mem: model memory.
 * @oracle: the oracle.
 * @arch: the architecture's glue.
 * @dma_ops: DMA memory for the drivers (pool frames).
 * @inst: the instances.
 * @dom: the domains.
 * @dev: the devices.
 * @nr_dom: domains.
 * @nr_dev: devices.
 * @stop: set when the load must stop (atomic).
 * @ops_done: operations done (atomic).
 * @gap: inline mode, see struct scn_gap.
 * @probe: inline mode: accesses made while an invalidation was in flight
 *	(scn_atc_window()), made again once it completed.
 * @nr_probe: entries of @probe used.
 * @rng_hook: inline mode: the generator the hook draws from.
 * @hooks: the drivers' observers (accounting, trace).
 * @glue: storage owned by the arch glue (e.g. shared tag spaces), or NULL.
 * @stat_lock: protects @cpu_hist, @mod_hist.
 * @drv_lock: a driver's destroy (scn_unit_drv_down(), write side) waits
 *	for the counts made on a copy of a domain's array (scn_unmap_range(),
 *	read side), whose entries name the driver's struct invt_iommu; protects
 *	@drv_gen.
 * @drv_gen: drivers destroyed so far: a copy taken before one is not
 *	counted.
 * @cpu_hist: CPU time of the invalidating thread per timed invalidation.
 * @mod_hist: modelled latency per invalidation.
 * @trace_lock: serialises @p->trace calls and @trace_seq.
 * @trace_seq: next trace sequence number.
 * @tracing: trace commands now (atomic; off for teardown).
 * @cost: per instance, the modelled cost of each op index (read-only).
 * @sync_op: the op index of the arch's completion command.
 * @flight: inline mode: the flight recorder's ring (NULL threaded).
 * @nr_flight: events recorded so far (the ring holds the last SCN_FLIGHT).
 * @flight_seen: the oracle's violation total at the last snapshot.
 * @flight_done: reports whose events were taken.
 * @until_seen: each count of p->until (accesses, invalidations, attaches)
 *	as last seen by the thread that decides when the load stops.
 * @until_at: when each of them last grew (0: not yet looked at).
 * @vm: the VMs (p->vms of them).
 * @evq: runs with VMs: each instance's fault records on their way to the
 *	VMM.
 * @evq_held: records held in @evq, all instances together (atomic; changed
 *	with each queue's @nr under its lock, read without as a hint).
 */
struct scn {
	const struct invt_scn_params *p;
	struct invt_scn_result *res;
	struct invt_ctx ctx;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	const struct scn_arch *arch;
	struct invt_dma_ops dma_ops;
	struct scn_inst inst[INVT_SCN_MAX_INSTANCES];
	struct scn_domain dom[INVT_SCN_MAX_DOMAINS];
	struct scn_device dev[INVT_SCN_MAX_DEVICES];
	unsigned int nr_dom;
	unsigned int nr_dev;
	int stop;
	uint64_t ops_done;
	struct scn_gap gap;
	struct scn_probe probe[SCN_MAX_PROBES];
	unsigned int nr_probe;
	uint64_t rng_hook;
	struct invt_drv_hooks hooks;
	void *glue;
	pthread_mutex_t stat_lock;
	pthread_rwlock_t drv_lock;
	unsigned long drv_gen;
	struct scn_hist cpu_hist;
	struct scn_hist mod_hist;
	pthread_mutex_t trace_lock;
	uint64_t trace_seq;
	int tracing;
	uint32_t cost[INVT_SCN_MAX_INSTANCES][256];
	unsigned int sync_op;
	struct invt_scn_event *flight;
	uint64_t nr_flight;
	uint64_t flight_seen;
	unsigned int flight_done;
	uint64_t until_seen[3];
	double until_at[3];
	struct scn_vm vm[INVT_SCN_MAX_VMS];
	struct scn_evq evq[INVT_SCN_MAX_INSTANCES];
	unsigned int evq_held;
};

/* Record an event (inline mode; a no-op threaded), stamped with the run's clock. */
void scn_flight(struct scn *s, const char *what, uint32_t inst, uint32_t sid, uint32_t ssid,
		uint32_t domain, uint64_t iova, uint64_t last, uint64_t pa);
/* Fill res->flight for each report made since the last call (inline: after every op). */
void scn_flight_collect(struct scn *s);

/* splitmix64: small, seedable, good enough to pick operations. */
static inline uint64_t scn_rand(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline unsigned int scn_below(uint64_t *s, unsigned int n)
{
	return (unsigned int)(scn_rand(s) % n);
}

static inline void scn_count(uint64_t *counter, uint64_t n)
{
	/* Relaxed: statistics, read after the threads are joined. */
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

unsigned int scn_queue_log2(const struct invt_scn_params *p);
uint64_t scn_slot_iova(unsigned int slot);
uint64_t scn_block_iova(unsigned int slot);

void scn_op_map(struct scn *s, uint64_t *rng);
void scn_op_unmap(struct scn *s, uint64_t *rng);
void scn_op_attach(struct scn *s, uint64_t *rng);
/* With an explicit mix: attach or replace only (@detach false), or detach only. */
void scn_op_attach_mixed(struct scn *s, uint64_t *rng, bool detach);
void scn_op_abort(struct scn *s, uint64_t *rng);
void scn_op_remove(struct scn *s, uint64_t *rng);
void scn_op_unplug(struct scn *s, uint64_t *rng);
void scn_op_dma(struct scn *s, uint64_t *rng, unsigned int engine, unsigned int nr_engines);
int scn_attach(struct scn *s, struct scn_device *dv, uint32_t ssid, int target);
int scn_unmap_range(struct scn *s, struct scn_domain *d, uint64_t iova, uint64_t size);
void scn_free_after_inv(struct scn *s, struct scn_domain *d, uint64_t pa);
int scn_withheld_flush(struct scn *s, struct scn_domain *d);
void scn_withheld_teardown(struct scn *s, struct scn_domain *d);
void scn_guest_withheld_teardown(struct scn *s, struct scn_domain *d);
void scn_hook(void *arg, int point);
void scn_hist_add(struct scn_hist *h, uint64_t v);
/* Sort the values kept, before scn_hist_pct(). */
void scn_hist_finish(struct scn_hist *h);
/* The @pct-th percentile, nearest rank (0 when empty). */
uint64_t scn_hist_pct(const struct scn_hist *h, unsigned int pct);
/* The mean, rounded to the nearest ns (0 when empty). */
uint64_t scn_hist_mean(const struct scn_hist *h);
void scn_hist_free(struct scn_hist *h);
void scn_hooks_init(struct scn *s);
void scn_on_submitted(struct scn *s, uint32_t inst, const void *cmds, uint32_t n,
		      unsigned int cmd_bytes);
void scn_on_waited(struct scn *s);
void scn_trace_hash(struct scn *s, uint32_t instance, const uint64_t *w, unsigned int nwords,
		    unsigned int cerror);
void scn_on_written(struct scn *s, uint32_t inst, const void *slot, unsigned int cmd_bytes);
void scn_acct_begin(void);
struct scn_acct *scn_acct_end(void);
void scn_atc_window(void *arg, uint32_t instance, uint32_t sid, uint32_t ssid, uint64_t iova);

/* scenario-vm.c: the VMs (p->vms > 0). */
int scn_vm_build(struct scn *s, char *err, size_t errlen);
int scn_vm_devices(struct scn *s, char *err, size_t errlen);
void scn_vm_detached(struct scn *s);
void scn_vm_teardown(struct scn *s);
void scn_vm_collect(struct scn *s);
void scn_guest_map(struct scn *s, struct scn_domain *d, uint64_t *rng);
/*
 * Threaded mode: a step of @vm's thread: a map or an unmap of its guest's
 * stage 1, or (one in 16) the VMM moving a guest page.
 */
void scn_guest_step(struct scn *s, struct scn_vm *vm, uint64_t *rng);
void scn_guest_unmap(struct scn *s, struct scn_domain *d, uint64_t *rng);
void scn_host_migrate(struct scn *s, struct scn_domain *parent, uint64_t *rng);
int scn_vm_target(struct scn *s, struct scn_device *dv, uint64_t *rng);
/* Device @dv's vdevices in every VM (after its master was created). */
int scn_vm_device_added(struct scn *s, struct scn_device *dv);
/* @dv goes (every ssid detached): its vdevices are destroyed with it. */
int scn_vm_device_removed(struct scn *s, struct scn_device *dv);
/*
 * Instance @i's driver goes (its devices unplugged: no vdevice left, no
 * nested domain attached on it): each VM's nested domain on it leaves its
 * viommu, which is destroyed; the guests send the instance nothing until
 * scn_vm_inst_up().  The caller holds every device lock of the instance.
 * Return: 0, or an error with every VM as it was.
 */
int scn_vm_inst_down(struct scn *s, unsigned int i);
/* Domain index @t, which device @dv (its lock held) may attach now: @t, or its VM's parent. */
int scn_vm_attachable(struct scn *s, struct scn_device *dv, int t);
/*
 * Instance @i's driver is back: each VM's viommu on it is created again and
 * adopts the VM's nested domain there (the devices' vdevices come back as
 * they are plugged).  Locks as for scn_vm_inst_down().  Return: 0, or the
 * first error (the VMs it failed for keep sending the instance nothing).
 */
int scn_vm_inst_up(struct scn *s, unsigned int i);
/*
 * The commands a guest invalidation of this thread submits to instance
 * @inst: each must name only the VM's own stage-2 tags and the devices its
 * viommu binds (struct invt_scn_guest.isolation counts the others).
 */
void scn_vm_check_submitted(struct scn *s, uint32_t inst, const void *cmds, uint32_t n,
			    unsigned int cmd_bytes);
/*
 * The unit's fault hook (invt_munit_fault_fn, @arg the scenario): the
 * record goes to its instance's struct scn_evq.
 */
void scn_vm_fault(void *arg, uint32_t instance, uint32_t sid, const void *record, size_t len);
/*
 * The VMM's side of the units' fault records (any thread holding no
 * scenario lock): each goes to the viommu whose nested domain its device
 * is attached to, with the virtual id (invt_viommu_report_fault()), or
 * stays with the host.
 */
void scn_vm_deliver_faults(struct scn *s);
/* A zeroed guest page for a guest structure (OTHER): its host VA, its IPA in *@ipa. */
void *scn_vm_guest_page(struct scn *s, struct scn_vm *vm, uint64_t *ipa);

/* Little-endian 64-bit word @i of a unit's event / fault record. */
static inline uint64_t scn_rec_word(const void *rec, unsigned int i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)rec + 8 * i, sizeof(w));
	return le64toh(w);
}

#endif /* INVT_SCENARIO_INTERNAL_H */
