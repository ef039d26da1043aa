/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/vtd-driver.h - Intel VT-d driver on the invtrack core.
 *
 * Ties the driver-side pieces together: the core's instance with VT-d ops
 * (range policy + descriptor encoder into a batch, the invalidation queue
 * producer, wait-descriptor completion), the scalable-mode root and context
 * tables and per-device PASID directories and tables in DMA memory the
 * platform supplies, and an attach transaction that installs PASID entries
 * clear-before-change between the core's prepare and commit.
 *
 * What the core's entries become (docs/design.md §4, docs/hardware.md §2):
 *	IOTLB_S1 (id = DID, ssid = PASID)  PASID-based IOTLB (type 6), PSI or
 *	                                   PASID-selective; PASID 0 for the RID
 *	IOTLB_S2 (id = DID)                IOTLB (type 2), PSI or DSI
 *	IOTLB_S2_S1_CLEAR (id = DID)       IOTLB (type 2), PSI or DSI of the
 *	                                   range: in scalable mode either drops
 *	                                   every first-stage and nested entry of
 *	                                   the DID, whatever the address
 *	                                   (§6.5.2.3); type 6 has no "all
 *	                                   PASIDs" granularity.  Built only where
 *	                                   the batch has no type 2 of the DID
 *	                                   (its IOTLB_S2 entry's is the same)
 *	ATC (id = RID, ssid)               device-TLB (type 3) for ssid 0,
 *	                                   PASID-based device-TLB (type 8) else
 *	ATC_FULL (id = RID)                device-TLB, S = 1, whole span
 *	completion                         wait (type 5), SW = 1, status word
 *	                                   polled; FN = 1 (see below)
 * DIDs: one tag space for both stages (iommu.tags[0] == tags[1]), DIDs from
 * 2 up: DID 0 is reserved when CAP.CM is set and Linux keeps DID 1 for its
 * first-stage/pass-through default (FLPT_DEFAULT_DID, NUM_RESERVED_DID 2).
 * The instance sets INVT_IOMMU_S1_PASID_TAGS: each stage-1 attachment has
 * its own IOTLB_S1 entry (DID, PASID); and INVT_IOMMU_NESTED_OWN_TAGS: a
 * nested domain has a DID of its own on each unit it is attached through,
 * whose IOTLB_S2 and IOTLB_S2_S1_CLEAR entries sit in the parent's array.
 *
 * Ordering: VT-d rev. 5.10 §6.5.2.12 ("Queued Invalidation Ordering
 * Considerations") has a device-TLB invalidation execute only after the IOTLB
 * invalidations ahead of it completed, and a PASID-based device-TLB one after
 * the IOTLB and PASID-based IOTLB ones; so the instance sets
 * INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS and the flush engine
 * queues the IOTLB, stage-1-clear and device-TLB phases of a unit at once
 * with one wait at the end.  For the one pair the section does not list, a
 * PASID-based IOTLB invalidation followed by a plain device-TLB one (a
 * first-stage domain at the RID of an ATS device), the build op rewrites the
 * PASID-based IOTLB descriptors still in the batch as IOTLB invalidations
 * of their DIDs (§6.5.2.3: those remove the DID's first-stage entries too),
 * which the section orders; only where one was already submitted (more than
 * a batch for the unit) a wait with FN = 1 goes between them (§6.5.2.8:
 * later descriptors only after it completes).  invt_vtd_plan_count() counts
 * the same.
 *
 * Economy: no descriptor that another of the same invalidation covers.  The
 * rewritten PASID-based IOTLB descriptors become one IOTLB descriptor per
 * DID, none where the batch has the DID's own; a DID's domain-selective
 * IOTLB invalidation drops the earlier ones of that DID still in the batch;
 * a nested DID's first-stage clear is not built where the batch has a type
 * 2 of the DID (vtd_econ_clear_covered()); a device's PASID-based device-TLB
 * invalidations are not built after its plain one for the same range (an
 * ATS invalidation without PASID reaches every PASID, PCIe Base §10.3.1).
 * Every wait
 * the driver writes has SW = 1 (a status write) and, but with no_fence,
 * FN = 1.  struct invt_vtd_config.no_fence turns this off (waits with FN = 0,
 * no SYNC_ORDERS: the engine waits after each phase).
 *
 * Configuration (scalable mode only; 256-bit descriptors):
 *  - one bus (0): devices are RIDs 0..255 (devfn), each id of a master has
 *    its own context entry, all pointing to the master's PASID directory;
 *    RID_PASID = 0, so ssid 0 (the RID) is PASID table entry 0;
 *  - context entries: P, DTE = ATS, PASIDE = (nr_ssids > 1), PDTS; written
 *    at master init and cleared at destroy, with a device-selective
 *    context-cache invalidation (DID 0: scalable-mode context entries carry
 *    no DID) and a wait;
 *  - PASID entries: first-stage domains PGTT 1 (FLPM 4-level, AW 48-bit);
 *    second-stage domains PGTT 2 with AW from the table depth (4 or 5
 *    levels); FPD = 0, SRE = 0 (device requests are user requests);
 *    nested domains PGTT 3: SSPTPTR and AW from the parent, FSPTPTR (guest
 *    physical), FLPM, SRE and WPE from the guest, the nested domain's own
 *    DID (invt_vtd_domain_init_nested());
 *  - install: a present entry is cleared (P = 0 first), then, as VT-d
 *    §6.5.3.3's guidance for a modified or torn-down PASID entry asks, a
 *    PASID-cache invalidation (PASID-selective, old DID) and a wait, then an
 *    IOTLB invalidation of the old DID whatever its other users -
 *    PASID-based (PASID-selective) for a first-stage entry, domain-selective
 *    for a second-stage one - and a wait; then the new entry is written
 *    (P last, release) and a PASID-cache invalidation (PASID-selective, new
 *    DID) and a wait follow.  The device TLB of the old attachment, the
 *    guidance's third step, is the core's commit (after the install, so
 *    after the IOTLB invalidation completed), which also flushes every
 *    (DID, PASID) tag whose last user left before releasing it.  Why the
 *    IOTLB step is here and not in the commit: see pe_teardown() in
 *    driver-cfg.c and docs/core.md.  In an ablation build "config-inval"
 *    drops the context-cache and PASID-cache invalidations,
 *    "teardown-iotlb" the old DID's IOTLB invalidation.
 *  - PASID tables (64 PASIDs, 4 KiB) are allocated by prepare on first use
 *    and kept until the master is destroyed; their directory entry is
 *    written present then (the install's PASID-cache invalidation drops a
 *    cached non-present one).
 * Masters with PASIDs (nr_ssids > 1) attach to stage-1 domains only.
 *
 * Locking: vtd->cfg_lock serialises writers of the context tables and of
 * every master's PASID directory and tables and protects nr_masters; held
 * across an install's clear-before-change sequence, never by invalidators.
 * Lock order: cfg_lock, then a domain's lock (invt_domain_tag()), then the
 * queue's producer lock.
 */
#ifndef INVTRACK_VTD_DRIVER_H
#define INVTRACK_VTD_DRIVER_H

#include <invtrack/core.h>
#include <invtrack/drv-common.h>
#include <invtrack/pt.h>
#include <invtrack/pt-vtd.h>
#include <invtrack/vtd.h>
#include <invtrack/vtd-cfg.h>
#include <invtrack/vtd-queue.h>
#include <invtrack/vtd-regs.h>

/* Descriptors are 256-bit: scalable mode treats 128-bit ones as invalid. */
#define INVT_VTD_DESC_BYTES		32
/* The first DID handed out (see above). */
#define INVT_VTD_FIRST_DID		2
/*
 * Polls of GSTS_REG before a GCMD handshake gives up (-ETIMEDOUT): the same
 * bound as a queue wait (INVT_VTD_QI_DEFAULT_SPINS), so that a unit whose
 * status lags on a loaded machine is not taken for a dead one.
 */
#define INVT_VTD_GSTS_SPINS		(1u << 24)
/* RIDs are devfn on bus 0. */
#define INVT_VTD_MAX_RID		255

/**
 * struct invt_vtd_stats - driver counters; each field atomic.
 * @submits: batches handed to the queue.
 * @descs: descriptors in them, waits included.
 * @waits: SW = 1 wait descriptors in them.
 * @completions: completions waited for.
 * @wait_errors: completions that returned an error (-EIO, -ETIMEDOUT).
 * @submit_errors: submits that returned an error.
 * @cfg_writes: context, PASID directory and PASID entry stores (each clear
 *	and each write counts).
 * @build_errors: entries or waits the ops could not turn into descriptors;
 *	nothing was queued for them.
 * @ats_disabled: masters whose ATS was turned off because their device-TLB
 *	did not answer (invt_vtd_master_ats_off()).
 */
struct invt_vtd_stats {
	uint64_t submits;
	uint64_t descs;
	uint64_t waits;
	uint64_t completions;
	uint64_t wait_errors;
	uint64_t submit_errors;
	uint64_t cfg_writes;
	uint64_t build_errors;
	uint64_t ats_disabled;
};

/**
 * struct invt_vtd_config - what invt_vtd_init() needs.
 * @id: the instance id in the core (orders arrays).
 * @regs: the unit's registers (model or MMIO): CAP/ECAP set, queue idle.
 *	ECAP must report QI and SMTS (scalable mode).
 * @queue_qs: IQA_REG.QS, 0..INVT_VTD_QI_MAX_QS: 128 << QS descriptors.
 * @caps: range policy capabilities, or NULL to take them from CAP_REG
 *	(PSI, MAMV).
 * @ats: ATS masters are allowed (needs ECAP.DT).
 * @ats_qdep: the queue-depth field of device-TLB descriptors, 0..31.
 * @did_bits: DIDs 2..2^@did_bits - 1 (2..16, at most CAP.ND allows); 0:
 *	every DID CAP.ND allows (2^(4 + 2 * ND), at most 2^16).
 * @no_fence: waits without FN; INVT_IOMMU_SYNC_ORDERS not set.
 * @mem: memory for the root, context and PASID tables (must outlive the
 *	unit).
 * @on_error: optional, told about every queue error recovered.
 * @err_arg: argument of @on_error.
 * @hooks: optional observers (pointer kept; must outlive the unit).
 */
struct invt_vtd_config {
	uint32_t id;
	struct invt_vtd_regs *regs;
	unsigned int queue_qs;
	const struct invt_vtd_caps *caps;
	bool ats;
	uint8_t ats_qdep;
	unsigned int did_bits;
	bool no_fence;
	const struct invt_dma_ops *mem;
	invt_vtd_qi_err_t on_error;
	void *err_arg;
	const struct invt_drv_hooks *hooks;
};

/**
 * struct invt_vtd - one remapping unit, driver side.
 * @iommu: the core's instance (container_of finds the unit from it).
 * @qi: the invalidation queue producer.
 * @caps: range policy capabilities.
 * @cap: CAP_REG as read at init.
 * @ecap: ECAP_REG as read at init.
 * @ats: ATS allowed.
 * @fence: waits carry FN = 1 (INVT_IOMMU_SYNC_ORDERS).
 * @gcmd: the persistent GCMD_REG bits set (TE, QIE); init and destroy only.
 * @ats_qdep: device-TLB descriptors' queue depth field.
 * @pasid_bits: PASIDs below 2^@pasid_bits (0: no PASID support).
 * @dids: the DID space (both stages).
 * @mem: DMA memory operations.
 * @root: the root table (host pointer), 256 entries of 2 words.
 * @root_pa: its physical address, as written to RTADDR_REG.
 * @ctx: bus 0's lower and upper context tables, 128 entries of 4 words.
 * @ctx_pa: their physical addresses.
 * @cfg_lock: see the file comment.
 * @nr_masters: masters set up and not destroyed (under @cfg_lock).
 * @stats: counters.
 * @hooks: observers from the configuration, or NULL.
 */
struct invt_vtd {
	struct invt_iommu iommu;
	struct invt_vtd_qi qi;
	struct invt_vtd_caps caps;
	uint64_t cap;
	uint64_t ecap;
	bool ats;
	bool fence;
	uint32_t gcmd;
	uint8_t ats_qdep;
	unsigned int pasid_bits;
	struct invt_tag_space dids;
	const struct invt_dma_ops *mem;
	uint64_t *root;
	uint64_t root_pa;
	uint64_t *ctx[2];
	uint64_t ctx_pa[2];
	invt_mutex_t cfg_lock;
	unsigned int nr_masters;
	struct invt_vtd_stats stats;
	const struct invt_drv_hooks *hooks;
};

/**
 * invt_vtd_init() - bring up a unit and register it with the core.
 * @vtd: the unit.
 * @ctx: the core's context.
 * @cfg: its parameters.
 *
 * Allocates the queue (256-bit descriptors) and the root table with bus 0's
 * two context tables, programs IQA_REG, enables queued invalidation (GCMD.QIE,
 * waits for GSTS.QIES), programs RTADDR_REG (TTM scalable) and sets it
 * (GCMD.SRTP, waits for GSTS.RTPS), queues global context-cache, PASID-cache
 * and IOTLB invalidations and a wait and waits, enables translation (GCMD.TE,
 * waits for GSTS.TES), then registers the instance (flags
 * INVT_IOMMU_S1_PASID_TAGS | INVT_IOMMU_NESTED_OWN_TAGS, and
 * INVT_IOMMU_SYNC_ORDERS |
 * INVT_IOMMU_QUEUE_ORDERS unless @cfg->no_fence).  Each GSTS wait is bounded
 * (INVT_VTD_GSTS_SPINS polls).  The unit's consumer must be running (or
 * inline) before the call.
 *
 * Return: 0; -EINVAL for a bad parameter; -ENODEV when ECAP lacks QI or
 * SMTS or CAP.ND is reserved; -ENOMEM; -EEXIST for a taken id;
 * -ETIMEDOUT when GSTS did not follow GCMD; an error of the queue.  On
 * error nothing is left allocated and the registers are as they were but
 * IQA_REG.
 */
int invt_vtd_init(struct invt_vtd *vtd, struct invt_ctx *ctx, const struct invt_vtd_config *cfg);

/**
 * invt_vtd_destroy() - unregister and free a unit.
 * @vtd: the unit: no master may be left.
 *
 * Return: 0, or -EBUSY (masters left; nothing changed).
 */
int invt_vtd_destroy(struct invt_vtd *vtd);

/**
 * invt_vtd_from_iommu() - the unit of a core instance.
 * @iommu: an instance initialised by invt_vtd_init().
 *
 * Return: the unit.
 */
static inline struct invt_vtd *invt_vtd_from_iommu(struct invt_iommu *iommu)
{
	return (struct invt_vtd *)((char *)iommu - __builtin_offsetof(struct invt_vtd, iommu));
}

/**
 * struct invt_vtd_s1_cfg - a guest's first-stage table, as a nested domain
 *	takes it from the guest (a vIOMMU's PASID entry, iommufd's
 *	iommu_hwpt_vtd_s1).
 * @fsptptr: the first-stage table's root: a guest physical address (the
 *	parent's second stage translates it, and every table access below
 *	it), 4 KiB aligned, below 2^52.
 * @levels: 4 (FLPM 4-level) or 5 (FLPM 5-level: the unit needs CAP.FL5LP).
 * @sre: PASID entry SRE: supervisor requests (the unit needs ECAP.SRS).
 * @wpe: PASID entry WPE: write protect for supervisor requests.
 */
struct invt_vtd_s1_cfg {
	uint64_t fsptptr;
	unsigned int levels;
	bool sre;
	bool wpe;
};

/**
 * struct invt_vtd_domain - a VT-d domain: the core's domain and its table.
 * @dom: the core's domain.
 * @pt: the I/O page table (first stage, or second stage 4- or 5-level),
 *	mapped and unmapped by the caller, who calls invt_domain_invalidate();
 *	unused (zero) in a nested domain, whose table the guest owns.
 * @parent: a nested domain's nest parent (second stage), else NULL.
 * @s1: a nested domain's guest first stage.
 */
struct invt_vtd_domain {
	struct invt_domain dom;
	struct invt_pt pt;
	struct invt_vtd_domain *parent;
	struct invt_vtd_s1_cfg s1;
};

/**
 * invt_vtd_domain_init() - a domain with an empty 4-level page table.
 * @d: the domain.
 * @ctx: the core's context.
 * @type: INVT_DOMAIN_S1 (first stage) or INVT_DOMAIN_S2 (second stage).
 * @ops: memory for its table pages.
 *
 * Return: 0; -EINVAL; -ENOMEM.  On error nothing is left allocated.
 */
int invt_vtd_domain_init(struct invt_vtd_domain *d, struct invt_ctx *ctx,
			 enum invt_domain_type type, struct invt_pt_ops *ops);

/**
 * invt_vtd_domain_init_levels() - invt_vtd_domain_init() with a depth.
 * @d: the domain.
 * @ctx: the core's context.
 * @type: INVT_DOMAIN_S1 (4 levels only) or INVT_DOMAIN_S2 (4 or 5).
 * @levels: 4 (48-bit) or 5 (57-bit, second stage).
 * @ops: memory for its table pages.
 *
 * Return: as invt_vtd_domain_init().
 */
int invt_vtd_domain_init_levels(struct invt_vtd_domain *d, struct invt_ctx *ctx,
				enum invt_domain_type type, unsigned int levels,
				struct invt_pt_ops *ops);

/**
 * invt_vtd_domain_init_nested() - a nested domain: a guest's first stage
 *	over a second-stage nest parent (PASID entry PGTT 011b, VT-d §9.6).
 * @d: the domain.
 * @parent: the nest parent: a second-stage domain of invt_vtd_domain_init*()
 *	(its table gives SSPTPTR and AW); it must outlive @d.
 * @s1: the guest's first stage, copied.
 *
 * Attaching @d to (master, ssid) installs a nested PASID entry: first-stage
 * fields from @s1 (FSPTPTR guest physical, FLPM, SRE, WPE), second-stage
 * fields from @parent (SSPTPTR, AW), and a DID of @d's own on the unit, as
 * Linux gives each nested domain its own DID (intel/nested.c): the unit
 * sets INVT_IOMMU_NESTED_OWN_TAGS, so the parent's array holds IOTLB_S2
 * and IOTLB_S2_S1_CLEAR entries of that DID (and ATC_FULL for ATS masters)
 * while @d is attached: a parent unmap invalidates each nested DID.  Whether
 * a unit can translate @d is checked at attach (invt_vtd_attach_prepare()).
 * The guest's own invalidations (PASID-based, with @d's DID) are not the
 * core's: the vIOMMU forwards them.
 *
 * Return: 0; -EINVAL (a parent that is not second stage, a bad root or
 * level count); -ENOMEM.  On error nothing changed.
 */
int invt_vtd_domain_init_nested(struct invt_vtd_domain *d, struct invt_vtd_domain *parent,
				const struct invt_vtd_s1_cfg *s1);

/**
 * invt_vtd_domain_destroy() - free the table and the core's domain.
 * @d: the domain: no attachment may use it.
 *
 * Return: 0, or -EBUSY (nothing changed).
 */
int invt_vtd_domain_destroy(struct invt_vtd_domain *d);

/**
 * struct invt_vtd_master - a device behind a unit.
 * @dev: the core's device (sids are its RIDs).
 * @vtd: its unit.
 * @pdts: PDTS of its context entries.
 * @pdir: its PASID directory (host pointer), 2^(@pdts + 7) entries.
 * @pdir_pa: its physical address.
 * @pdir_bytes: bytes allocated for it (at least 4 KiB, for the alignment).
 * @nr_ptab: directory entries that may be used: ceil(nr_ssids / 64).
 * @ptab: the PASID table of each of those entries, or NULL (under
 *	vtd->cfg_lock).
 * @ptab_pa: their physical addresses.
 * @ats_off_done: ATS was turned off for good and the unit told
 *	(invt_vtd_master_ats_off(); under vtd->cfg_lock).
 */
struct invt_vtd_master {
	struct invt_device dev;
	struct invt_vtd *vtd;
	uint8_t pdts;
	uint64_t *pdir;
	uint64_t pdir_pa;
	size_t pdir_bytes;
	unsigned int nr_ptab;
	uint64_t **ptab;
	uint64_t *ptab_pa;
	bool ats_off_done;
};

/**
 * invt_vtd_master_init() - set up a device: core device, context entries,
 *	PASID directory and the first PASID table.
 * @m: the master.
 * @vtd: its unit.
 * @ids: its RIDs (bus 0 devfn), each at most INVT_VTD_MAX_RID and not used
 *	by another master.
 * @nr_ids: 1..INVT_MAX_SIDS.
 * @nr_ssids: 1 (no PASID) or more, up to 2^pasid_bits.
 * @ats: ATS enabled (the unit must allow it).
 *
 * Every PASID entry starts non-present (DMA blocked).  The context entries
 * are written and invalidated (device-selective context-cache + wait)
 * before the call returns.
 *
 * Return: 0; -EINVAL (bad ids, an id in use, ATS or PASIDs unsupported);
 * -ENOMEM; a queue error.  On error nothing changed.
 */
int invt_vtd_master_init(struct invt_vtd_master *m, struct invt_vtd *vtd, const uint32_t *ids,
			 unsigned int nr_ids, uint32_t nr_ssids, bool ats);

/**
 * invt_vtd_master_destroy() - clear the context entries and free the tables.
 * @m: the master: every ssid detached.
 *
 * Clears the context entries, then device-selective context-cache
 * invalidations, a global PASID-cache invalidation and a wait.
 *
 * Return: 0; -EBUSY while attached (nothing changed); a queue error, with
 * the context entries written back and nothing freed (the master stays
 * usable).
 */
int invt_vtd_master_destroy(struct invt_vtd_master *m);

/**
 * invt_vtd_master_ats_off() - turn ATS off for a master, for good.
 * @m: the master.
 *
 * For a device-TLB that does not answer (the core calls it through struct
 * invt_iommu_ops, @ats_off): the scalable-mode context entry of each RID
 * is written again with DTE (Device-TLB Enable, bit 2, §9.4) clear, then
 * device-selective context-cache invalidations and a global PASID-cache
 * invalidation (§6.5.3.3, a present context entry modified) and a wait.
 * From then on the unit blocks the device's Translation Requests and
 * Translated Requests (§9.4 DTE).  No device-TLB invalidation: that is what
 * does not answer.  Counted in stats.ats_disabled.
 *
 * Return: 0, or a queue error (DTE is clear in memory; the unit may not
 * have been told).
 */
int invt_vtd_master_ats_off(struct invt_vtd_master *m);

/**
 * struct invt_vtd_attach - one attach / detach / replace of (master, ssid).
 * @tx: the core's transaction.
 * @m: the master.
 * @ssid: its ssid (PASID; 0 is the RID).
 * @new: the domain it joins, or NULL (detach: PASID entry non-present).
 * @installed: the configuration was written (commit may follow).
 */
struct invt_vtd_attach {
	struct invt_attach tx;
	struct invt_vtd_master *m;
	uint32_t ssid;
	struct invt_vtd_domain *new;
	bool installed;
};

/**
 * invt_vtd_attach_prepare() - core prepare for (@m, @ssid) -> @new.
 * @a: the transaction, filled in here.
 * @m: the master.
 * @ssid: 0 (the RID) or a PASID below the master's nr_ssids.
 * @new: the domain, or NULL to detach.
 *
 * Allocates the PASID table of @ssid if it has none yet.
 *
 * A nested domain may attach at any ssid (its PASID entry is PGTT 011b,
 * whether or not the master has PASIDs).
 *
 * Return: 0; -EINVAL (a second-stage domain on a master with PASIDs, a
 * stage the unit does not support (ECAP.FLTS / SLTS, CAP.SAGAW), a bad
 * ssid); -EOPNOTSUPP (a nested domain on a unit without ECAP.NEST, FLTS or
 * SLTS, without CAP.SAGAW for the parent's depth, without CAP.FL5LP for a
 * 5-level guest table or without ECAP.SRS for SRE); -ENOMEM; the errors of
 * invt_attach_prepare().  On error nothing changed but a PASID table that
 * may stay allocated.
 */
int invt_vtd_attach_prepare(struct invt_vtd_attach *a, struct invt_vtd_master *m, uint32_t ssid,
			    struct invt_vtd_domain *new);

/**
 * invt_vtd_attach_install() - write the new PASID entry and invalidate.
 * @a: a prepared transaction.
 *
 * The clear-before-change sequence of the file comment; when this returns
 * 0 the unit uses the new configuration.  Before its first write it tells
 * the core (invt_attach_installing()) that the unit may use the new domain
 * from now on: the driver, not the core, knows when an install begins.
 *
 * Return: 0; -EINVAL when the entry cannot be built (a table root the entry
 * cannot hold); a queue error (-EIO, -ETIMEDOUT), after which the caller
 * calls invt_vtd_attach_abort().
 */
int invt_vtd_attach_install(struct invt_vtd_attach *a);

/**
 * invt_vtd_attach_commit() - the core's commit; never fails.
 * @a: an installed transaction.
 */
void invt_vtd_attach_commit(struct invt_vtd_attach *a);

/**
 * invt_vtd_attach_abort() - undo a prepare (and an install, failed or not).
 * @a: a prepared transaction: the old PASID entry is written back from
 *	whatever memory holds (best effort: a queue error now is only counted
 *	in the stats).
 *
 * When install ran (whether or not it completed), the device may have used
 * the new domain and filled its device-TLB from it: once the old PASID
 * entry is back and its PASID-cache invalidation completed, the core's
 * abort issues the (PASID-based) device-TLB invalidation and waits before
 * the new domain's array drops the device, and flushes the new domain's DID
 * if that was its last user; in short, it ends like a detach from the new
 * domain.  Before install, only the array changes.
 */
void invt_vtd_attach_abort(struct invt_vtd_attach *a);

/**
 * invt_vtd_attach() - prepare, install and commit (abort on failure).
 * @m: the master.
 * @ssid: its ssid.
 * @new: the domain, or NULL to detach.
 *
 * Return: as the steps.
 */
int invt_vtd_attach(struct invt_vtd_master *m, uint32_t ssid, struct invt_vtd_domain *new);

/**
 * invt_vtd_submit_wait() - queue descriptors and wait for the last wait.
 * @vtd: the unit.
 * @descs: @n descriptors of INVT_VTD_DESC_BYTES (invt_vtd_desc_encode_le()),
 *	ending with a SW = 1 wait.
 * @n: how many, at least 1.
 *
 * What configuration changes use; counted in @vtd->stats like the flush
 * engine's batches, and reported to the hooks.
 *
 * Return: 0 once every descriptor completed; the error of
 * invt_vtd_qi_submit() or invt_vtd_qi_wait_span() (any wait of the
 * submission that covered a skipped descriptor or was aborted: -EIO).
 */
int invt_vtd_submit_wait(struct invt_vtd *vtd, const void *descs, uint32_t n);

/**
 * invt_vtd_entry_req() - the VT-d request an array entry becomes.
 * @vtd: the entry's unit (ATS queue depth).
 * @inv: the entry.
 * @r: the range.
 * @req: out: the request for invt_vtd_inv_emit() / invt_vtd_inv_count().
 *
 * Return: 0, or -EINVAL for an unknown type or an id above 16 bits.
 */
int invt_vtd_entry_req(const struct invt_vtd *vtd, const struct invt_inv *inv,
		       const struct invt_range *r, struct invt_vtd_inv *req);

/**
 * invt_vtd_plan_count() - the minimum descriptors of an invalidation.
 * @invs: a sorted array (private copy or read under RCU).
 * @r: the range.
 * @cmds: out: descriptors the flush engine must issue, waits included.
 * @syncs: out: of which waits (one per unit with anything to invalidate,
 *	one per non-empty phase with no_fence, plus the fenced waits of the
 *	unlisted pair - see "Ordering" above).
 *
 * From invt_vtd_inv_count() per live entry, less what the build op leaves
 * out as covered (see "Economy" above), without building anything.
 * Entries of instances that are not VT-d units are ignored.
 */
void invt_vtd_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			 uint64_t *cmds, uint64_t *syncs);

#endif /* INVTRACK_VTD_DRIVER_H */
