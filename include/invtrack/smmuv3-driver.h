/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/smmuv3-driver.h - ARM SMMUv3 driver on the invtrack core.
 *
 * Ties the pieces of the driver side together: the core's instance
 * (struct invt_iommu) with SMMUv3 ops (range policy + encoders into a batch,
 * the Command queue producer, CMD_SYNC completion), a stream table and
 * per-master CD tables in DMA memory the platform supplies, and an
 * attach transaction that installs STEs and CDs break-before-make between
 * the core's prepare and commit.
 *
 * What the core's entries become (docs/design.md §4, docs/hardware.md §1):
 *	IOTLB_S1 (id = ASID)      TLBI_NH_VA / NH_ASID, VMID 0
 *	IOTLB_S2 (id = VMID)      TLBI_S2_IPA / S12_VMALL
 *	IOTLB_S2_S1_CLEAR (VMID)  TLBI_NH_ALL
 *	ATC (id = SID, ssid)      ATC_INV, SSV = (ssid != 0)
 *	ATC_FULL (id = SID)       ATC_INV Size 52, SSV = 0
 *	completion                CMD_SYNC, CS = NONE; waited by polling CONS
 * Stage-1 streams are tagged with VMID 0 (STE.S2VMID of an S1-only STE), so
 * stage-2 VMIDs are allocated from 1.  ASIDs are allocated from 1 too.
 *
 * Configuration layout:
 *  - masters without substreams (nr_ssids == 1): the STE holds the RID's
 *    domain: Config S1 with a one-CD table, S2, or ABORT when detached;
 *  - masters with substreams: the STE is Config S1 from init on, with a
 *    linear CD table of 2^S1CDMax CDs and S1DSS = 0b10; ssid 0 (the RID) is
 *    CD 0, PASIDs are CDs 1..; each attach rewrites one CD.  An ssid with
 *    nothing attached holds a valid blocking CD (EPD0 = EPD1 = 1): a stray
 *    access is a translation fault, not C_BAD_CD.  (Linux's arm-smmu-v3
 *    clears such CDs to V = 0 instead.)  Such masters attach to stage-1
 *    domains only.
 *  - EATS = 1 on every valid S1/S2/nested STE of an ATS master.
 *  - nested domains (a guest's stage 1 over an S2 nest parent): the STE is
 *    Config 0b111 with the parent's stage-2 fields (S2VMID the parent's
 *    VMID, S2TTB, S2T0SZ / S2SL0 / S2PS from its geometry) and the guest's
 *    stage-1 fields (S1ContextPtr, an IPA in guest memory where the guest
 *    writes its CDs, S1CDMax, S1Fmt).  Masters without substreams only, at
 *    ssid 0.  The core gives the parent's array the VM's stage-1 clear
 *    (TLBI_NH_ALL by VMID) and full ATC invalidations while a nested
 *    domain over it is attached.  An STE change's CFGI_STE also drops the
 *    guest's CDs cached under the stream (IHI0070 §4.3.1).
 *  - Table formats, chosen from the ID registers as Linux's arm-smmu-v3
 *    does: the stream table is linear unless SMMU_IDR0.ST_LEVEL allows two
 *    levels and more than 8 StreamID bits are used; then SPLIT = 8 (leaf
 *    arrays of 256 STEs, 16 KiB, L1STD.Span = 9).  A CD table is linear up
 *    to 1024 CDs or without SMMU_IDR0.CD2L, else two-level with S1Fmt 0b10
 *    (leaf tables of 1024 CDs, 64 KiB).  Leaf tables are allocated on first
 *    use (a master's SIDs at master init, an ssid's CDs when it is first
 *    attached; CD 0's with the master) and kept until the stream table or
 *    the master goes.  A leaf is written whole (invalid STEs, blocking CDs)
 *    before its level-1 descriptor is published with a release store, then
 *    a non-leaf CFGI_STE / CFGI_CD + CMD_SYNC (§5.1, §5.3).
 *
 * Locking: smmu->cfg_lock serialises writers of the stream table and of CD
 * tables (held across the break-before-make sequence of one structure,
 * never by invalidators).  The core's rules apply to the rest.
 */
#ifndef INVTRACK_SMMUV3_DRIVER_H
#define INVTRACK_SMMUV3_DRIVER_H

#include <invtrack/core.h>
#include <invtrack/pt.h>
#include <invtrack/smmuv3.h>
#include <invtrack/smmuv3-cfg.h>
#include <invtrack/smmuv3-queue.h>

/**
 * struct invt_smmu_mem_ops - DMA-able memory for stream and CD tables.
 * @alloc: @bytes (a power of two, at least 64) of zeroed memory aligned to
 *	the larger of @bytes and 64; returns the host pointer and stores the
 *	physical address the SMMU uses in *@pa; NULL when out of memory.
 * @free: give back what @alloc returned.
 * @arg: first argument of both.
 */
struct invt_smmu_mem_ops {
	void *(*alloc)(void *arg, size_t bytes, uint64_t *pa);
	void (*free)(void *arg, void *va, uint64_t pa, size_t bytes);
	void *arg;
};

/**
 * struct invt_smmu_stats - driver counters; each field atomic.
 * @submits: batches handed to the Command queue.
 * @cmds: commands in them, CMD_SYNCs included.
 * @syncs: CMD_SYNCs in them.
 * @waits: completions waited for.
 * @wait_errors: waits that returned an error (-EIO: a command before the
 *	sync was skipped as CERROR_ILL or an ATC invalidation timed out;
 *	-ETIMEDOUT).
 * @submit_errors: submits that returned an error.
 * @cfg_writes: STE and CD writes (each step of break-before-make counts).
 * @build_errors: entries or syncs the ops could not turn into commands
 *	(a malformed entry, or a command the encoder rejected); nothing was
 *	queued for them.
 * @ack_timeouts: CR0ACK or GBPA acknowledgements that did not come in time.
 * @ats_disabled: masters whose ATS was turned off because their ATC did not
 *	answer (invt_smmu_master_ats_off()).
 */
struct invt_smmu_stats {
	uint64_t submits;
	uint64_t cmds;
	uint64_t syncs;
	uint64_t waits;
	uint64_t wait_errors;
	uint64_t submit_errors;
	uint64_t cfg_writes;
	uint64_t build_errors;
	uint64_t ack_timeouts;
	uint64_t ats_disabled;
};

struct invt_smmu;

/**
 * struct invt_smmu_hooks - optional observers of an SMMU (tools, tests).
 * @submitted: @n commands (@cmds, queue format) were handed to the queue,
 *	by the flush engine or the configuration path; called in the
 *	submitting thread after the submission.
 * @waited: a completion was waited for, in the waiting thread.
 * @written: one command copied into queue memory at logical @index, under
 *	the producer lock (writing order); it must not use the queue.
 * @arg: first argument of each.
 *
 * Any may be NULL.  They run on the invalidation fast path: keep them short.
 */
struct invt_smmu_hooks {
	void (*submitted)(void *arg, struct invt_smmu *smmu, const void *cmds, uint32_t n);
	void (*waited)(void *arg, struct invt_smmu *smmu);
	void (*written)(void *arg, struct invt_smmu *smmu, uint64_t index, const void *slot);
	void *arg;
};

/**
 * struct invt_smmu_features - what the SMMU's ID registers say (IHI0070
 * §6.3), as invt_smmu_probe() reads them.
 * @s1: SMMU_IDR0.S1P: stage-1 translation.
 * @s2: SMMU_IDR0.S2P: stage-2 translation.
 * @ats: SMMU_IDR0.ATS: ATS and ATC invalidation.
 * @cohacc: SMMU_IDR0.COHACC: table walks and queue accesses are coherent.
 * @asid16: SMMU_IDR0.ASID16 (else 8-bit ASIDs).
 * @vmid16: SMMU_IDR0.VMID16 (else 8-bit VMIDs).
 * @hyp: SMMU_IDR0.Hyp: EL2 StreamWorlds and TLBI_EL2_*.
 * @st_2lvl: SMMU_IDR0.ST_LEVEL == 0b01: a two-level stream table may be
 *	used.
 * @cd_2lvl: SMMU_IDR0.CD2L: two-level CD tables may be used.
 * @ril: SMMU_IDR3.RIL: range invalidation.
 * @vax52: SMMU_IDR5.VAX == 0b01: 52-bit VAs with the 64K granule.
 * @sidsize: SMMU_IDR1.SIDSIZE: StreamID bits.
 * @ssidsize: SMMU_IDR1.SSIDSIZE: SubstreamID bits (0: no substreams).
 * @cmdqs: SMMU_IDR1.CMDQS: largest Command queue LOG2SIZE.
 * @oas: SMMU_IDR5.OAS, the INVT_SMMU_PS_* encoding.
 * @oas_bits: the output address size in bits.
 * @ias_bits: the input (IPA) address size in bits: OAS, or at least 40 when
 *	the SMMU has VMSAv8-32 LPAE tables (IDR0.TTF bit 0; §3.4).
 * @granules: SMMU_IDR5.GRAN4K/16K/64K as bit (INVT_SMMU_TG_* - 1).
 */
struct invt_smmu_features {
	bool s1;
	bool s2;
	bool ats;
	bool cohacc;
	bool asid16;
	bool vmid16;
	bool hyp;
	bool st_2lvl;
	bool cd_2lvl;
	bool ril;
	bool vax52;
	uint8_t sidsize;
	uint8_t ssidsize;
	uint8_t cmdqs;
	uint8_t oas;
	uint8_t oas_bits;
	uint8_t ias_bits;
	uint8_t granules;
};

/**
 * invt_smmu_probe() - read an SMMU's ID registers.
 * @regs: its registers.
 * @f: out.
 *
 * Return: 0; -ENODEV for an SMMU this driver cannot drive: no VMSAv8-64
 * tables (IDR0.TTF), neither stage, no 4K granule (the page tables'), a
 * reserved OAS, or a Command queue shorter than 2 entries.
 */
int invt_smmu_probe(const struct invt_smmu_regs *regs, struct invt_smmu_features *f);

/**
 * struct invt_smmu_config - what invt_smmu_init() needs.  What the SMMU
 * supports (stages, ATS, RIL, tag sizes, address sizes, queue and table
 * sizes) comes from its ID registers, not from here.
 * @id: the instance id in the core (orders arrays).
 * @regs: the SMMU's registers (model or MMIO), with no error active.
 * @cmdq_log2size: Command queue size wanted, 1..INVT_SMMU_CMDQ_MAX_LOG2SIZE;
 *	SMMU_IDR1.CMDQS caps it.
 * @sid_bits: StreamID bits wanted, 1..24; SMMU_IDR1.SIDSIZE caps it, and
 *	so does 16 for a linear table (4 MiB).
 * @max_pages: without RIL, the page count from which a range becomes one
 *	whole-tag command (see struct invt_smmu_caps); 0: the default.
 * @asid_bits: at most this many ASID bits (8 or 16; 0 means 16); fewer
 *	without SMMU_IDR0.ASID16.
 * @vmid_bits: likewise for VMIDs and SMMU_IDR0.VMID16.
 * @mem: memory for the stream table and CD tables (must outlive the SMMU).
 * @on_error: optional, told about every command error the queue recovers
 *	(see invt_smmu_cmdq_err_t).
 * @err_arg: argument of @on_error.
 * @hooks: optional observers (copied pointer; must outlive the SMMU).
 */
struct invt_smmu_config {
	uint32_t id;
	struct invt_smmu_regs *regs;
	unsigned int cmdq_log2size;
	unsigned int sid_bits;
	uint32_t max_pages;
	unsigned int asid_bits;
	unsigned int vmid_bits;
	const struct invt_smmu_mem_ops *mem;
	invt_smmu_cmdq_err_t on_error;
	void *err_arg;
	const struct invt_smmu_hooks *hooks;
};

/**
 * struct invt_smmu_l2 - a level-2 table (leaf STEs or CDs).
 * @va: host pointer, NULL while not allocated.
 * @pa: its physical address, as the level-1 descriptor holds it.
 */
struct invt_smmu_l2 {
	uint64_t *va;
	uint64_t pa;
};

/**
 * struct invt_smmu - one SMMUv3 instance, driver side.
 * @iommu: the core's instance (container_of finds the SMMU from it).
 * @cmdq: the Command queue producer.
 * @feat: what the ID registers said at init.
 * @caps: range invalidation capabilities (RIL from @feat).
 * @ats: ATS supported (@feat.ats).
 * @asids: stage-1 tag space (ASIDs).
 * @vmids: stage-2 tag space (VMIDs).
 * @mem: DMA memory operations.
 * @sid_bits: StreamID bits the stream table covers.
 * @st_2lvl: the stream table has two levels.
 * @strtab: the stream table (host pointer): 2^@sid_bits STEs of 8 words,
 *	or with @st_2lvl 2^(@sid_bits - INVT_SMMU_STRTAB_SPLIT) L1STDs.
 * @strtab_pa: its physical address, as written to SMMU_STRTAB_BASE.
 * @strtab_bytes: its size.
 * @st_l2: with @st_2lvl, the leaf array of each L1STD (under @cfg_lock).
 * @cfg_lock: serialises writers of the stream table and CD tables, and
 *	protects @nr_masters.  Nests outside the domains' locks (the tags are
 *	read under it).
 * @nr_masters: masters set up and not destroyed (under @cfg_lock).
 * @stats: counters.
 * @hooks: observers from the configuration, or NULL.
 */
struct invt_smmu {
	struct invt_iommu iommu;
	struct invt_smmu_cmdq cmdq;
	struct invt_smmu_features feat;
	struct invt_smmu_caps caps;
	bool ats;
	struct invt_tag_space asids;
	struct invt_tag_space vmids;
	const struct invt_smmu_mem_ops *mem;
	unsigned int sid_bits;
	bool st_2lvl;
	uint64_t *strtab;
	uint64_t strtab_pa;
	size_t strtab_bytes;
	struct invt_smmu_l2 *st_l2;
	invt_mutex_t cfg_lock;
	unsigned int nr_masters;
	struct invt_smmu_stats stats;
	const struct invt_smmu_hooks *hooks;
};

/**
 * invt_smmu_init() - bring up an SMMU and register it with the core.
 * @smmu: the instance.
 * @ctx: the core's context.
 * @cfg: its parameters.
 *
 * Bring-up as IHI0070 §6.3 and the initialisation sequence of chapter 3
 * ask: probe the ID registers (invt_smmu_probe()); disable the SMMU if it
 * was on (CR0 = 0, CR0ACK awaited); with the SMMU disabled, allocate and
 * program the Command queue and a stream table of invalid STEs (linear),
 * or of L1STDs with Span 0 (two-level) (SMMU_CMDQ_BASE,
 * SMMU_STRTAB_BASE(_CFG)); set SMMU_GBPA.ABORT with the UPDATE handshake,
 * so that transactions abort whenever the SMMU is disabled from then on;
 * set CR0.CMDQEN and await CR0ACK.CMDQEN; issue CFGI_ALL, TLBI_NSNH_ALL
 * (and TLBI_EL2_ALL with IDR0.Hyp) + CMD_SYNC and wait; set CR0.SMMUEN
 * and await CR0ACK.SMMUEN; register the instance (flags
 * INVT_IOMMU_SYNC_ORDERS).  Each acknowledgement is awaited for at most
 * INVT_SMMU_CMDQ_DEFAULT_SPINS polls.  The hardware's consumer must be
 * running (or inline) before the call.
 *
 * Return: 0; -EINVAL for a bad parameter; -ENODEV (see invt_smmu_probe());
 * -ENOMEM; -EEXIST for a taken id; -ETIMEDOUT when an acknowledgement did
 * not come; an error of the queue.  On error nothing is left allocated and
 * the SMMU is left disabled, its base registers and GBPA as they were.
 */
int invt_smmu_init(struct invt_smmu *smmu, struct invt_ctx *ctx, const struct invt_smmu_config *cfg);

/**
 * invt_smmu_destroy() - disable, unregister and free an SMMU.
 * @smmu: the instance: no master may be left.
 *
 * Clears CR0.SMMUEN, then CR0.CMDQEN, awaiting each acknowledgement (GBPA
 * aborts transactions from then on), before the tables and the queue are
 * freed.  An acknowledgement that does not come is counted in
 * @smmu->stats.ack_timeouts and the teardown goes on.
 *
 * Return: 0, or -EBUSY (masters left; nothing changed).
 */
int invt_smmu_destroy(struct invt_smmu *smmu);

/**
 * invt_smmu_from_iommu() - the SMMU of a core instance.
 * @iommu: an instance initialised by invt_smmu_init().
 *
 * Return: the SMMU.
 */
static inline struct invt_smmu *invt_smmu_from_iommu(struct invt_iommu *iommu)
{
	return (struct invt_smmu *)((char *)iommu - __builtin_offsetof(struct invt_smmu, iommu));
}

/**
 * struct invt_smmu_domain - an SMMUv3 domain: the core's domain and its table.
 * @dom: the core's domain.
 * @pt: the I/O page table (ARM VMSAv8-64 4K, stage 1 or stage 2), owned by
 *	the caller, who maps and unmaps it and calls invt_domain_invalidate();
 *	unused (zero) for a nested domain, whose table is the guest's.
 * @fmt: its format: the ARM 4K format sized to @ia_bits and @oa_bits.
 * @ia_bits: input address size: VA bits (stage 1) or IPA bits (stage 2).
 * @oa_bits: output address size of its leaves and tables.
 * @parent: nested: the nest parent (an S2 domain).
 * @s1ctxptr: nested: the guest's CD table (or L1CD array), an IPA.
 * @s1cdmax: nested: the guest's S1CDMax.
 * @s1fmt: nested: the guest's S1Fmt (INVT_SMMU_S1FMT_*).
 */
struct invt_smmu_domain {
	struct invt_domain dom;
	struct invt_pt pt;
	struct invt_pt_fmt fmt;
	unsigned int ia_bits;
	unsigned int oa_bits;
	struct invt_smmu_domain *parent;
	uint64_t s1ctxptr;
	uint8_t s1cdmax;
	uint8_t s1fmt;
};

/**
 * invt_smmu_domain_init_bits() - a domain of given address sizes.
 * @d: the domain.
 * @ctx: the core's context.
 * @type: INVT_DOMAIN_S1 or INVT_DOMAIN_S2 (nested domains:
 *	invt_smmu_domain_init_nested()).
 * @ia_bits: input address bits, 25..48: iovas at or above 2^@ia_bits are
 *	refused by the page table.
 * @oa_bits: output address bits, 32..48, one of the PS sizes (32, 36, 40,
 *	42, 44, 48): physical addresses at or above are refused.
 * @ops: memory for its table pages.
 *
 * The table starts at the level the size needs (4 levels above 39 bits, 3
 * above 30, else 2).  Attaching it to an SMMU that cannot translate such
 * addresses is refused (invt_smmu_attach_prepare()).
 *
 * Return: 0; -EINVAL; -ENOMEM.  On error nothing is left allocated.
 */
int invt_smmu_domain_init_bits(struct invt_smmu_domain *d, struct invt_ctx *ctx,
			       enum invt_domain_type type, unsigned int ia_bits,
			       unsigned int oa_bits, struct invt_pt_ops *ops);

/**
 * invt_smmu_domain_init() - a 48-bit domain (48-bit input and output).
 * @d: the domain.
 * @ctx: the core's context.
 * @type: INVT_DOMAIN_S1 or INVT_DOMAIN_S2.
 * @ops: memory for its table pages.
 *
 * Return: as invt_smmu_domain_init_bits().
 */
int invt_smmu_domain_init(struct invt_smmu_domain *d, struct invt_ctx *ctx,
			  enum invt_domain_type type, struct invt_pt_ops *ops);

/**
 * invt_smmu_domain_init_for() - the widest domain an SMMU can translate.
 * @d: the domain.
 * @smmu: the SMMU whose ID registers size it: stage 1 takes 48-bit VAs,
 *	stage 2 MIN(48, IAS)-bit IPAs; both output MIN(48, OAS) bits.
 * @type: INVT_DOMAIN_S1 or INVT_DOMAIN_S2.
 * @ops: memory for its table pages.
 *
 * Return: as invt_smmu_domain_init_bits(); -EOPNOTSUPP for a stage the
 * SMMU lacks.
 */
int invt_smmu_domain_init_for(struct invt_smmu_domain *d, struct invt_smmu *smmu,
			      enum invt_domain_type type, struct invt_pt_ops *ops);

/**
 * invt_smmu_domain_init_nested() - a guest's stage 1 over a nest parent.
 * @d: the nested domain.
 * @parent: an S2 domain (the VM's IPA -> PA table); it must outlive @d.
 * @s1ctxptr: the guest's CD table, an IPA below 2^@parent->ia_bits: a
 *	linear table aligned to its 64 << @s1cdmax bytes, or an L1CD array
 *	aligned to the larger of 64 bytes and its size (§5.2 S1ContextPtr).
 * @s1cdmax: the guest's S1CDMax, 0..20 (0: one CD, no substreams).
 * @s1fmt: the guest's S1Fmt: INVT_SMMU_S1FMT_LINEAR, or with @s1cdmax > 0
 *	_L2_4K / _L2_64K (two-level, SMMUs with SMMU_IDR0.CD2L).
 *
 * What the guest's vSTE says (IHI0070 §5.2); the guest owns the CD table
 * and the page tables it points to, in memory the parent maps.  The
 * domain has no table of its own and takes no tag of its own: its
 * attachments use the parent's VMID (invt_domain_tag()).  Invalidating it
 * with invt_domain_invalidate() is refused: the host invalidates the
 * parent; the guest's stage-1 invalidations are the vIOMMU's.
 *
 * Return: 0; -EINVAL (parent not S2, fields out of range or misaligned);
 * -ENOMEM.  On error nothing is left allocated.
 */
int invt_smmu_domain_init_nested(struct invt_smmu_domain *d, struct invt_smmu_domain *parent,
				 uint64_t s1ctxptr, unsigned int s1cdmax, unsigned int s1fmt);

/**
 * invt_smmu_domain_fits() - whether an SMMU can translate a domain.
 * @smmu: the SMMU.
 * @d: the domain.
 *
 * The SMMU must have the domain's stage, and its address sizes must hold
 * the domain's: stage 2 input at most IAS (a wider S2T0SZ makes the STE
 * ILLEGAL, §5.2), output at most OAS (wider output addresses fault).  A
 * nested domain needs both stages, a parent that fits, an S1CDMax within
 * SMMU_IDR1.SSIDSIZE and, for a two-level guest table, SMMU_IDR0.CD2L.
 *
 * Return: 0, -EOPNOTSUPP (stage or format missing) or -ERANGE (sizes).
 */
int invt_smmu_domain_fits(const struct invt_smmu *smmu, const struct invt_smmu_domain *d);

/**
 * invt_smmu_domain_destroy() - free the table and the core's domain.
 * @d: the domain: no attachment may use it.
 *
 * Return: 0, or -EBUSY (nothing changed).
 */
int invt_smmu_domain_destroy(struct invt_smmu_domain *d);

/**
 * struct invt_smmu_master - an endpoint of an SMMU.
 * @dev: the core's device.
 * @smmu: its SMMU.
 * @cdmax: S1CDMax of its CD table: 0 without substreams.
 * @cd_2lvl: the CD table has two levels (S1Fmt 0b10).
 * @cdtab: its CD table (host pointer): the CDs, or with @cd_2lvl the
 *	L1CDs; NULL while it has none.
 * @cdtab_pa: its physical address.
 * @cdtab_bytes: its size.
 * @cd_l2: with @cd_2lvl, the leaf table of each L1CD (under smmu->cfg_lock).
 * @ste_config: what its STEs hold now (enum invt_smmu_ste_config).
 * @rid: the domain at ssid 0 as installed (under smmu->cfg_lock).
 * @ats_off: ATS was turned off for good (invt_smmu_master_ats_off()): its
 *	STEs have EATS = 0 (under smmu->cfg_lock).
 * @ats_off_done: and the SMMU was told (the CFGI_STEs completed).
 */
struct invt_smmu_master {
	struct invt_device dev;
	struct invt_smmu *smmu;
	unsigned int cdmax;
	bool cd_2lvl;
	uint64_t *cdtab;
	uint64_t cdtab_pa;
	size_t cdtab_bytes;
	struct invt_smmu_l2 *cd_l2;
	uint8_t ste_config;
	struct invt_smmu_domain *rid;
	bool ats_off;
	bool ats_off_done;
};

/**
 * invt_smmu_master_init() - set up a master: core device, STEs, CD table.
 * @m: the master.
 * @smmu: its SMMU.
 * @sids: its StreamIDs, each below 2^sid_bits.
 * @nr_sids: 1..INVT_MAX_SIDS.
 * @nr_ssids: 1 (no substreams) or more (up to 2^20): a CD table of
 *	2^ceil(log2(@nr_ssids)) CDs is allocated and the STEs are made S1.
 * @ats: ATS enabled (the SMMU must support it).
 *
 * STEs start as ABORT (nr_ssids == 1) or S1 with every CD blocking, written
 * and invalidated (CFGI_STE + CMD_SYNC) before the call returns.  These
 * CFGI_STEs (and those of invt_smmu_master_destroy()) have Leaf = 0: CDs
 * cached under the stream for a previous master go too.
 *
 * With a two-level stream table, a SID whose leaf array is missing gets it
 * here (invalid STEs, published before the STEs are written).
 *
 * Return: 0; -EINVAL (bad SIDs, a SID in use, ATS unsupported); -ENOMEM;
 * a queue error.  On error nothing changed but that leaf arrays published
 * for the SIDs stay (their STEs invalid, as before).
 */
int invt_smmu_master_init(struct invt_smmu_master *m, struct invt_smmu *smmu,
			  const uint32_t *sids, unsigned int nr_sids, uint32_t nr_ssids, bool ats);

/**
 * invt_smmu_master_destroy() - make the STEs invalid and free the CD table.
 * @m: the master: every ssid detached.
 *
 * Return: 0; -EBUSY while attached (nothing changed); a queue error, with
 * the STEs made valid again and nothing freed (the master stays usable).
 */
int invt_smmu_master_destroy(struct invt_smmu_master *m);

/**
 * invt_smmu_master_ats_off() - turn ATS off for a master, for good.
 * @m: the master.
 *
 * For an ATC that does not answer (the core calls it through struct
 * invt_iommu_ops, @ats_off): STE.EATS = 0b00 in each of its STEs, changed in
 * place (one doubleword, §3.21.3), then CMD_CFGI_STE per SID and CMD_SYNC,
 * waited for.  From then on the SMMU answers the master's ATS Translation
 * Requests with UR and, SMMU_CR0.ATSCHK being set, terminates its
 * Translated traffic (F_TRANSL_FORBIDDEN, §5.2 EATS); every later STE of
 * the master has EATS = 0b00.  Counted in stats.ats_disabled.
 *
 * Return: 0, or a queue error (EATS is 0b00 in memory; the SMMU may not
 * have been told).
 */
int invt_smmu_master_ats_off(struct invt_smmu_master *m);

/**
 * struct invt_smmu_attach - one attach / detach / replace of (master, ssid).
 * @tx: the core's transaction.
 * @m: the master.
 * @ssid: its ssid.
 * @new: the domain it joins, or NULL (detach: ABORT STE or blocking CD).
 * @installed: the configuration was written (commit may follow).
 */
struct invt_smmu_attach {
	struct invt_attach tx;
	struct invt_smmu_master *m;
	uint32_t ssid;
	struct invt_smmu_domain *new;
	bool installed;
};

/**
 * invt_smmu_attach_prepare() - core prepare for (@m, @ssid) -> @new.
 * @a: the transaction, filled in here.
 * @m: the master.
 * @ssid: 0 (the RID) or a PASID below the master's nr_ssids.
 * @new: the domain, or NULL to detach.
 *
 * With a two-level CD table, the leaf table of @ssid is allocated here on
 * its first attach (blocking CDs) and, once the core's prepare succeeded,
 * published and invalidated (CFGI_CD Leaf = 0, CMD_SYNC).
 *
 * Return: 0; -EINVAL (S2 or nested domain on a master with substreams, or
 * at an ssid other than 0; bad ssid);
 * -EOPNOTSUPP or -ERANGE when the SMMU cannot translate @new
 * (invt_smmu_domain_fits()); -ENOMEM (no leaf table); a queue error; the
 * errors of invt_attach_prepare().  On error nothing changed, but that a
 * leaf table published before a failed CFGI stays (its CDs block).
 */
int invt_smmu_attach_prepare(struct invt_smmu_attach *a, struct invt_smmu_master *m,
			     uint32_t ssid, struct invt_smmu_domain *new);

/**
 * invt_smmu_attach_install() - write the new STE or CD and invalidate it.
 * @a: a prepared transaction.
 *
 * Break-before-make (see <invtrack/smmuv3-cfg.h>) with CFGI_STE / CFGI_CD
 * on every SID of the master and a CMD_SYNC waited for after each step;
 * when this returns 0 the SMMU uses the new configuration.  A master
 * without substreams whose STE becomes S1 gets CD 0 written first (the STE
 * does not reach it yet) and invalidated with CFGI_CD; CD 0 is cleared when
 * the STE stops being S1.  In an ablation build with "config-inval"
 * switched off, no CFGI is issued.  Before its first write it tells the
 * core (invt_attach_installing()) that the SMMU may use the new domain from
 * now on: the driver, not the core, knows when an install begins.
 *
 * Return: 0; a queue error (-EIO, -ETIMEDOUT), after which the caller
 * calls invt_smmu_attach_abort() (the old configuration is reinstalled).
 */
int invt_smmu_attach_install(struct invt_smmu_attach *a);

/**
 * invt_smmu_attach_commit() - the core's commit; never fails.
 * @a: an installed transaction.
 */
void invt_smmu_attach_commit(struct invt_smmu_attach *a);

/**
 * invt_smmu_attach_abort() - undo a prepare (and an install, failed or not).
 * @a: a prepared transaction, installed or not, or whose install failed at
 *	any step: the old configuration is written back from there (best
 *	effort: a queue error now is only counted in the stats).
 *
 * When install ran (whether or not it completed), the device may have used
 * the new domain and filled its ATC from it: once the old STE or CD is back
 * and its CFGI + CMD_SYNC completed, the core's abort issues CMD_ATC_INV for
 * the (SID, SSID) and waits before the new domain's array drops the device,
 * and flushes the new domain's ASID or VMID if that was its last user; in
 * short, it ends like a detach from the new domain.  Before install, only
 * the array changes.
 */
void invt_smmu_attach_abort(struct invt_smmu_attach *a);

/**
 * invt_smmu_attach() - prepare, install and commit (abort on failure).
 * @m: the master.
 * @ssid: its ssid.
 * @new: the domain, or NULL to detach.
 *
 * Return: as the steps.
 */
int invt_smmu_attach(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_domain *new);

/**
 * invt_smmu_submit_wait() - queue commands and wait for the last CMD_SYNC.
 * @smmu: the instance.
 * @cmds: @ncmds commands in queue format (invt_smmu_cmd_encode_le()),
 *	ending with a CMD_SYNC.
 * @ncmds: how many, at least 1.
 *
 * What configuration changes use between their steps; counted in
 * @smmu->stats like the flush engine's batches.
 *
 * Return: 0 once every command took effect; the error of
 * invt_smmu_cmdq_submit() or invt_smmu_cmdq_wait() (-EINVAL, -EIO,
 * -ETIMEDOUT).
 */
int invt_smmu_submit_wait(struct invt_smmu *smmu, const void *cmds, uint32_t ncmds);

/**
 * invt_smmu_plan_count() - the minimum commands of an invalidation.
 * @invs: a sorted array (private copy or read under RCU).
 * @r: the range.
 * @cmds: out: commands the flush engine must issue, CMD_SYNCs included.
 * @syncs: out: of which CMD_SYNCs (one per non-empty phase per instance).
 *
 * From invt_smmu_inv_count() per live entry, without building anything:
 * what tests compare the commands really consumed with.  Entries of
 * instances that are not SMMUs are ignored.
 */
void invt_smmu_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			  uint64_t *cmds, uint64_t *syncs);

/**
 * invt_smmu_entry_req() - the SMMUv3 request an array entry becomes.
 * @inv: the entry (not IOTLB_S2_S1_CLEAR, which is one TLBI_NH_ALL).
 * @r: the range.
 * @req: out: the request for invt_smmu_inv_emit() / invt_smmu_inv_count().
 *
 * Return: 0, or -EINVAL for IOTLB_S2_S1_CLEAR or an unknown type.
 */
int invt_smmu_entry_req(const struct invt_inv *inv, const struct invt_range *r,
			struct invt_smmu_inv *req);

#endif /* INVTRACK_SMMUV3_DRIVER_H */
