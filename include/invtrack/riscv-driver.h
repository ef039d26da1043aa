/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/riscv-driver.h - RISC-V IOMMU driver on the invtrack core.
 *
 * Ties the driver-side pieces together: the core's instance with RISC-V
 * ops (range policy + encoders into a batch, the command-queue producer,
 * IOFENCE.C completion), a 1-level device directory and per-device PD8
 * process directories in DMA memory the platform supplies, and an attach
 * transaction that installs device and process contexts between the core's
 * prepare and commit.
 *
 * What the core's entries become (docs/design.md §4, docs/hardware.md §3):
 *	IOTLB_S1 (id = PSCID)      IOTINVAL.VMA GV=0 PSCV=1 (AV per page / AV=0)
 *	IOTLB_S2 (id = GSCID)      IOTINVAL.GVMA GV=1 (AV per page / AV=0)
 *	IOTLB_S2_S1_CLEAR (GSCID)  IOTINVAL.VMA GV=1 AV=0 PSCV=0
 *	ATC (id = device_id, ssid) ATS.INVAL, PV = (ssid != 0)
 *	ATC_FULL (id = device_id)  ATS.INVAL of the whole space, PV = 0
 *	completion                 IOFENCE.C PR=PW=1, AV=1 (completion word)
 * The instance does not set INVT_IOMMU_SYNC_ORDERS: nothing orders commands
 * after an IOFENCE.C behind it, so the core waits on each phase's fence
 * before queueing the next phase (ATS.INVAL after the IOTLB's).
 *
 * Tags: PSCIDs come from one tag space shared by every instance of a
 * context (Linux allocates them globally; 20 bits, from 1), passed in the
 * configuration; GSCIDs are per instance (16 bits, from 1).
 *
 * Configuration (see <invtrack/riscv-cfg.h>): devices without PASIDs have
 * their RID domain in the DC (invalid DC when detached: DMA faults);
 * devices with PASIDs have a valid DC with PDTV = 1, DPE = 1 and a PD8
 * table from init to destroy, the RID being PC 0; they attach to
 * first-stage domains only.  First-stage tables are Sv48, G-stage Sv48x4.
 * A nested domain (devices without PASIDs) fills both: iohgatp from its
 * parent, ta.PSCID and fsc from the guest (invt_rv_domain_init_nested()).
 *
 * Locking: rv->cfg_lock serialises writers of the DDT and PDTs (held
 * across one context change, never by invalidators); it nests outside the
 * domains' locks (tags are read under it) and the queue's producer lock.
 */
#ifndef INVTRACK_RISCV_DRIVER_H
#define INVTRACK_RISCV_DRIVER_H

#include <invtrack/core.h>
#include <invtrack/drv-common.h>
#include <invtrack/pt.h>
#include <invtrack/pt-riscv.h>
#include <invtrack/riscv.h>
#include <invtrack/riscv-cfg.h>
#include <invtrack/riscv-queue.h>
#include <invtrack/riscv-regs.h>

/* Largest PSCID and GSCID handed out (0 is never used). */
#define INVT_RV_PSCID_MAX	(INVT_RV_PSCID_LIMIT - 1)
#define INVT_RV_GSCID_MAX	(INVT_RV_GSCID_LIMIT - 1)

/**
 * struct invt_rv_stats - driver counters; each field atomic.
 * @submits: batches handed to the command queue.
 * @cmds: commands in them, fences included.
 * @fences: IOFENCE.Cs in them.
 * @waits: completions waited for.
 * @wait_errors: waits that returned an error (-EIO, -ETIMEDOUT).
 * @submit_errors: submits that returned an error.
 * @cfg_writes: DC and PC writes (each step counts).
 * @build_errors: entries the ops could not turn into commands.
 * @ats_disabled: masters whose ATS was turned off because their ATC did not
 *	answer (invt_rv_master_ats_off()).
 */
struct invt_rv_stats {
	uint64_t submits;
	uint64_t cmds;
	uint64_t fences;
	uint64_t waits;
	uint64_t wait_errors;
	uint64_t submit_errors;
	uint64_t cfg_writes;
	uint64_t build_errors;
	uint64_t ats_disabled;
};

/**
 * struct invt_rv_config - what invt_rv_init() needs.
 * @id: the instance id in the core (orders arrays).
 * @regs: the IOMMU's registers (model or MMIO): queue off, ddtp Off/Bare.
 * @cmdq_log2size: command queue size, 1..INVT_RV_CMDQ_MAX_LOG2SIZE.
 * @caps: range policy switches; @caps.napot needs capabilities.S, @caps.nl
 *	capabilities.NL.
 * @ats: allow ATS devices (needs capabilities.ATS).
 * @gscid_bits: GSCIDs 1..2^@gscid_bits-1 (1..16; 0 means 16).
 * @pscid_bits: without @pscids: a private PSCID space of 1..20 bits (0
 *	means 20).  Ignored with @pscids.
 * @pscids: the context's shared PSCID space (invt_rv_pscid_space_init()),
 *	or NULL for a private one.  Must outlive the instance.
 * @mem: DMA memory for the DDT, PDTs, queue and completion word.
 * @on_error: optional, told about every queue error recovered.
 * @err_arg: its argument.
 * @hooks: optional observers (copied pointer; must outlive the instance).
 */
struct invt_rv_config {
	uint32_t id;
	struct invt_riscv_regs *regs;
	unsigned int cmdq_log2size;
	struct invt_rv_caps caps;
	bool ats;
	unsigned int gscid_bits;
	unsigned int pscid_bits;
	struct invt_tag_space *pscids;
	const struct invt_dma_ops *mem;
	invt_rv_cmdq_err_t on_error;
	void *err_arg;
	const struct invt_drv_hooks *hooks;
};

/**
 * struct invt_rv - one RISC-V IOMMU instance, driver side.
 * @iommu: the core's instance.
 * @cmdq: the command-queue producer.
 * @caps: range policy switches in use.
 * @capabilities: the capabilities register as read at init.
 * @ats: ATS devices allowed.
 * @own_pscids: the private PSCID space (used when @pscids points to it).
 * @pscids: the stage-1 tag space in use.
 * @gscids: the stage-2 tag space.
 * @mem: DMA memory operations.
 * @dc_words: 8 (extended format, capabilities.MSI_FLAT) or 4 (base).
 * @nr_dcs: device contexts in the 1-level DDT (64 or 128).
 * @ddt: the DDT (host pointer), one 4 KiB page.
 * @ddt_pa: its physical address, in ddtp.
 * @cfg_lock: serialises writers of the DDT and PDTs; protects @nr_masters.
 * @nr_masters: masters set up and not destroyed (under @cfg_lock).
 * @stats: counters.
 * @hooks: observers, or NULL.
 */
struct invt_rv {
	struct invt_iommu iommu;
	struct invt_rv_cmdq cmdq;
	struct invt_rv_caps caps;
	uint64_t capabilities;
	bool ats;
	struct invt_tag_space own_pscids;
	struct invt_tag_space *pscids;
	struct invt_tag_space gscids;
	const struct invt_dma_ops *mem;
	unsigned int dc_words;
	unsigned int nr_dcs;
	uint64_t *ddt;
	uint64_t ddt_pa;
	invt_mutex_t cfg_lock;
	unsigned int nr_masters;
	struct invt_rv_stats stats;
	const struct invt_drv_hooks *hooks;
};

/**
 * invt_rv_pscid_space_init() - the context-wide PSCID space (1..2^20-1).
 * @ts: the space; destroy it with invt_tag_space_destroy() after every
 *	instance using it.
 *
 * Return: 0 or -ENOMEM.
 */
int invt_rv_pscid_space_init(struct invt_tag_space *ts);

/**
 * invt_rv_init() - bring up a RISC-V IOMMU and register it with the core.
 * @rv: the instance.
 * @ctx: the core's context.
 * @cfg: its parameters.
 *
 * Reads capabilities, turns the command queue on, allocates a DDT of
 * invalid DCs, writes ddtp (1LVL, release), issues IODIR.INVAL_DDT (DV = 0)
 * + IOFENCE.C and waits, then registers the instance (flags 0).
 *
 * Return: 0; -EINVAL for a bad parameter or a capability the hardware
 * lacks; -ENOMEM; -EEXIST for a taken id; a queue error.  On error nothing
 * is left allocated.
 */
int invt_rv_init(struct invt_rv *rv, struct invt_ctx *ctx, const struct invt_rv_config *cfg);

/**
 * invt_rv_destroy() - unregister and free an instance.
 * @rv: the instance: no master may be left.
 *
 * Return: 0, or -EBUSY (masters left; nothing changed).
 */
int invt_rv_destroy(struct invt_rv *rv);

/**
 * invt_rv_from_iommu() - the RISC-V IOMMU of a core instance.
 * @iommu: an instance initialised by invt_rv_init().
 *
 * Return: the instance.
 */
static inline struct invt_rv *invt_rv_from_iommu(struct invt_iommu *iommu)
{
	return (struct invt_rv *)((char *)iommu - __builtin_offsetof(struct invt_rv, iommu));
}

/**
 * struct invt_rv_s1_cfg - a guest's VS-stage table, as a nested domain
 *	takes it from the guest (the DC its vIOMMU shows it).
 * @mode: iosatp.MODE: INVT_RV_ATP_MODE_SV39, _SV48 or _SV57 (the IOMMU needs
 *	the matching capabilities.Sv39 / Sv48 / Sv57).
 * @root: the VS-stage root: a guest physical address (the parent's G-stage
 *	translates it and every table access below it), 4 KiB aligned, below
 *	2^56.
 * @pscid: ta.PSCID, chosen by the guest (below 2^20): VS-stage IOTLB entries
 *	are tagged GSCID + PSCID, so guests' PSCIDs live apart in their
 *	parents' GSCIDs and take nothing from the host's PSCID space.
 */
struct invt_rv_s1_cfg {
	uint8_t mode;
	uint64_t root;
	uint32_t pscid;
};

/**
 * struct invt_rv_domain - a domain: the core's domain and its table.
 * @dom: the core's domain.
 * @pt: Sv48 (S1) or Sv48x4 (S2), owned by the caller who maps, unmaps and
 *	calls invt_domain_invalidate(); unused (zero) in a nested domain.
 * @parent: a nested domain's nest parent (S2), else NULL.
 * @s1: a nested domain's guest VS stage.
 */
struct invt_rv_domain {
	struct invt_domain dom;
	struct invt_pt pt;
	struct invt_rv_domain *parent;
	struct invt_rv_s1_cfg s1;
};

/**
 * invt_rv_domain_init() - a domain with an empty page table.
 * @d: the domain.
 * @ctx: the core's context.
 * @type: INVT_DOMAIN_S1 (Sv48) or INVT_DOMAIN_S2 (Sv48x4: @ops needs
 *	alloc_root for the 16 KiB root).
 * @ops: memory for its table pages.
 *
 * Return: 0; -EINVAL; -ENOMEM.  On error nothing is left allocated.
 */
int invt_rv_domain_init(struct invt_rv_domain *d, struct invt_ctx *ctx,
			enum invt_domain_type type, struct invt_pt_ops *ops);

/**
 * invt_rv_domain_init_nested() - a nested domain: a guest's VS-stage table
 *	over a G-stage nest parent.
 * @d: the domain.
 * @parent: the nest parent, an INVT_DOMAIN_S2 domain of invt_rv_domain_init()
 *	(Sv48x4); it must outlive @d.
 * @s1: the guest's VS stage, copied.
 *
 * Attaching @d to a master without PASIDs installs a DC (RISC-V IOMMU 1.0
 * §2.1.3) with both stages: iohgatp = Sv48x4, the parent's GSCID and G-stage
 * root; ta.PSCID and fsc = iosatp from @s1 (the root a guest physical
 * address).  The GSCID is the parent's (the instance does not set
 * INVT_IOMMU_NESTED_OWN_TAGS): while @d is attached the parent's array holds
 * IOTLB_S2 and IOTLB_S2_S1_CLEAR entries of that GSCID (IOTINVAL.GVMA and
 * IOTINVAL.VMA GV = 1 of the whole GSCID on a parent unmap) and ATC_FULL for
 * ATS masters.  The guest's own IOTINVAL.VMA (GV = 1, its PSCID) are not the
 * core's: a vIOMMU forwards them.
 *
 * Return: 0; -EINVAL (a parent that is not S2, a bad mode, root or
 * PSCID); -ENOMEM.  On error nothing changed.
 */
int invt_rv_domain_init_nested(struct invt_rv_domain *d, struct invt_rv_domain *parent,
			       const struct invt_rv_s1_cfg *s1);

/**
 * invt_rv_domain_destroy() - free the table and the core's domain.
 * @d: the domain: no attachment may use it.
 *
 * Return: 0, or -EBUSY (nothing changed).
 */
int invt_rv_domain_destroy(struct invt_rv_domain *d);

/**
 * struct invt_rv_master - a device of a RISC-V IOMMU.
 * @dev: the core's device.
 * @rv: its IOMMU.
 * @pdt: its PD8 process directory (host pointer), or NULL without PASIDs.
 * @pdt_pa: its physical address.
 * @rid: the domain at ssid 0 as installed (under rv->cfg_lock).
 * @ats_off: ATS was turned off for good (invt_rv_master_ats_off()): its DCs
 *	have EN_ATS = 0 (under rv->cfg_lock).
 * @ats_off_done: and the IOMMU was told (the IODIRs completed).
 */
struct invt_rv_master {
	struct invt_device dev;
	struct invt_rv *rv;
	uint64_t *pdt;
	uint64_t pdt_pa;
	struct invt_rv_domain *rid;
	bool ats_off;
	bool ats_off_done;
};

/**
 * invt_rv_master_init() - set up a device: core device, DCs, PDT.
 * @m: the master.
 * @rv: its IOMMU.
 * @ids: its device_ids, each below @rv->nr_dcs.
 * @nr_ids: 1..INVT_MAX_SIDS.
 * @nr_ssids: 1 (no PASIDs) or 2..INVT_RV_PD8_ENTRIES (needs capabilities
 *	.PD8): a PD8 table is allocated and the DCs made valid with PDTV = 1.
 * @ats: ATS enabled (the IOMMU must allow it): DC.tc.EN_ATS.
 *
 * Without PASIDs the DCs stay invalid until an attach.  Either way each
 * DC is invalidated (IODIR.INVAL_DDT, DV = 1, which also drops PCs cached
 * for the device) with an IOFENCE.C waited for.
 *
 * Return: 0; -EINVAL (bad ids, an id in use, ATS or PD8 unsupported);
 * -ENOMEM; a queue error.  On error nothing changed.
 */
int invt_rv_master_init(struct invt_rv_master *m, struct invt_rv *rv, const uint32_t *ids,
			unsigned int nr_ids, uint32_t nr_ssids, bool ats);

/**
 * invt_rv_master_destroy() - make the DCs invalid and free the PDT.
 * @m: the master: every ssid detached.
 *
 * Return: 0; -EBUSY while attached (nothing changed); a queue error, with
 * the DCs valid again and nothing freed.
 */
int invt_rv_master_destroy(struct invt_rv_master *m);

/**
 * invt_rv_master_ats_off() - turn ATS off for a master, for good.
 * @m: the master.
 *
 * For an ATC that does not answer (the core calls it through struct
 * invt_iommu_ops, @ats_off): each valid DC of the master is written again
 * with DC.tc.EN_ATS = 0 (§2.1.3.1), the change made as any DC change
 * (break, IODIR.INVAL_DDT, write, IODIR.INVAL_DDT, each with an IOFENCE.C
 * waited for; §7.3.1).  From then on the IOMMU rejects the device's ATS
 * Translation Requests and its Translated requests ("Transaction type
 * disallowed", cause 260, §2.3); every later DC of the master has EN_ATS = 0.
 * Counted in stats.ats_disabled.
 *
 * Return: 0, or a queue error (EN_ATS is 0 in memory; the IOMMU may not
 * have been told).
 */
int invt_rv_master_ats_off(struct invt_rv_master *m);

/**
 * struct invt_rv_attach - one attach / detach / replace of (master, ssid).
 * @tx: the core's transaction.
 * @m: the master.
 * @ssid: its ssid.
 * @new: the domain it joins, or NULL (detach).
 * @installed: the configuration was written.
 */
struct invt_rv_attach {
	struct invt_attach tx;
	struct invt_rv_master *m;
	uint32_t ssid;
	struct invt_rv_domain *new;
	bool installed;
};

/**
 * invt_rv_attach_prepare() - core prepare for (@m, @ssid) -> @new.
 * @a: the transaction, filled in here.
 * @m: the master.
 * @ssid: 0 (the RID) or a PASID below the master's nr_ssids.
 * @new: the domain, or NULL to detach.
 *
 * Return: 0; -EINVAL (S2 or nested domain on a master with PASIDs, bad
 * ssid, a translation mode the IOMMU lacks: Sv48 for S1, Sv48x4 for S2);
 * -EOPNOTSUPP (a nested domain on an IOMMU without Sv48x4 for the G stage
 * or without the guest's VS-stage mode); the errors of
 * invt_attach_prepare().  On error nothing changed.
 */
int invt_rv_attach_prepare(struct invt_rv_attach *a, struct invt_rv_master *m, uint32_t ssid,
			   struct invt_rv_domain *new);

/**
 * invt_rv_attach_install() - write the new DC or PC and invalidate it.
 * @a: a prepared transaction.
 *
 * A valid context is broken first (V = 0, IODIR.INVAL_DDT or INVAL_PDT on
 * every device_id, IOFENCE.C, wait), then written (V last, release) and
 * invalidated again; when this returns 0 the IOMMU uses the new context.
 * In an ablation build with "config-inval" switched off no IODIR (and no
 * fence) is issued.  Before its first write it tells the core
 * (invt_attach_installing()) that the IOMMU may use the new domain from now
 * on: the driver, not the core, knows when an install begins.
 *
 * Return: 0; a queue error (-EIO, -ETIMEDOUT), after which the caller
 * calls invt_rv_attach_abort().
 */
int invt_rv_attach_install(struct invt_rv_attach *a);

/**
 * invt_rv_attach_commit() - the core's commit; never fails.
 * @a: an installed transaction.
 */
void invt_rv_attach_commit(struct invt_rv_attach *a);

/**
 * invt_rv_attach_abort() - undo a prepare (and an install, failed or not).
 * @a: a prepared transaction, installed or not: the old context is
 *	written back (best effort: a queue error now is only counted).
 *
 * When install ran (whether or not it completed), the device may have used
 * the new domain and filled its ATC from it: once the old DC or PC is back
 * and its IODIR + IOFENCE.C completed, the core's abort sends ATS.INVAL for
 * the (device_id, PASID), fenced and waited for, before the new domain's
 * array drops the device, and flushes the new domain's PSCID or GSCID if
 * that was its last user; in short, it ends like a detach from the new
 * domain.  Before install, only the array changes.
 */
void invt_rv_attach_abort(struct invt_rv_attach *a);

/**
 * invt_rv_attach() - prepare, install and commit (abort on failure).
 * @m: the master.
 * @ssid: its ssid.
 * @new: the domain, or NULL to detach.
 *
 * Return: as the steps.
 */
int invt_rv_attach(struct invt_rv_master *m, uint32_t ssid, struct invt_rv_domain *new);

/**
 * invt_rv_submit_wait() - queue commands and wait for the last IOFENCE.C.
 * @rv: the instance.
 * @cmds: @ncmds commands in queue format, ending with an IOFENCE.C.
 * @ncmds: how many, at least 1.
 *
 * Return: 0 once every command completed; the error of the queue.
 */
int invt_rv_submit_wait(struct invt_rv *rv, const void *cmds, uint32_t ncmds);

/**
 * invt_rv_entry_req() - the RISC-V request an array entry becomes.
 * @inv: the entry.
 * @r: the range.
 * @req: out: the request for invt_rv_inv_emit() / invt_rv_inv_count().
 *
 * Return: 0, or -EINVAL for an unknown type or an id too wide.
 */
int invt_rv_entry_req(const struct invt_inv *inv, const struct invt_range *r,
		      struct invt_rv_inv *req);

/**
 * invt_rv_plan_count() - the minimum commands of an invalidation.
 * @invs: a sorted array (private copy or read under RCU).
 * @r: the range.
 * @cmds: out: commands the flush engine must issue, fences included.
 * @syncs: out: of which IOFENCE.Cs (one per non-empty phase per instance;
 *	the engine waits on each before the instance's next phase).
 *
 * Entries of instances that are not RISC-V IOMMUs are ignored.
 */
void invt_rv_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			uint64_t *cmds, uint64_t *syncs);

#endif /* INVTRACK_RISCV_DRIVER_H */
