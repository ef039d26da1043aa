// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3-xlate.c - what translation in the modelled SMMUv3 does its own way
 * (the rest is the shared unit's, unit-xlate.c): the configuration fetch
 * (the STE at SMMU_STRTAB_BASE + 64 * sid and, with stage 1, its CD,
 * parsed by src/arch/smmuv3/hw-cfg.c), the scope of CFGI commands, the walk
 * formats (ARM 4K descriptors from the starting level T0SZ / S2SL0 names)
 * and the leaf checks.  IOTLB tags: S1 leaves (VMID, ASID), S2 leaves
 * (VMID, NONE).
 *
 * What the model supports of the configurations (others fault, counted as
 * faults): STE Config S1 (0b101) with a CD of 4 KiB granule, S2 (0b110)
 * with a 4 KiB granule and no concatenated tables at the start, or nested
 * (0b111) with both, any input size the parser accepts (the ARM 4K
 * descriptors of invt_pt_fmt_arm_s1_4k / _s2_4k walked from the starting
 * level T0SZ / S2SL0 name).  An input address at or above 2^(64 - TxSZ) is
 * a translation fault, a leaf beyond the effective output size (stage 1:
 * MIN(CD.IPS, OAS); stage 2: MIN(S2PS, OAS)) an address size fault.  An
 * STE of Config abort and a CD with EPD0 and EPD1 set (the driver's
 * aborting STE and blocking CD) are valid structures: cached like any
 * other (IHI0070 §3.21.3: an SMMU may cache any valid structure, and
 * software invalidates it after changing it), each request through them
 * faulting.  Bypass (which the driver never uses) faults uncached, as do
 * invalid or ILLEGAL structures (recorded as C_BAD_STE / C_BAD_CD, never
 * cached) and any fetch that faulted.
 *
 * Nested (Config 0b111, IHI0070 §3.3.2, §5.2): stage-2 fields from the STE,
 * VMID S2VMID; S1ContextPtr is an IPA, so each CD fetch (and the L1CD fetch
 * of a two-level CD table) is translated by stage 2 first (§3.3.2: stage-1
 * structure fetches go through stage 2 when both stages translate), through
 * the IOTLB's stage-2 entries as a table access is; a stage-2 fault there
 * aborts the transaction (a stage-2 fault of CLASS CD, counted in
 * cd_fetch_s2_faults).  The CD's TTB0 is an IPA, and so is every stage-1
 * table address (unit-nest.c); combined leaves are tagged (VMID, ASID).
 *
 * Stream tables (linear, or two-level through L1STDs) and CD
 * tables (linear, or through L1CDs) are located by hw-cfg.c from the
 * SMMU_STRTAB_BASE(_CFG) latched when SMMUEN was acknowledged; while
 * the SMMU is disabled every transaction aborts (GBPA).
 */
#include <errno.h>
#include <string.h>

#include "smmuv3-internal.h"

/* Stage-1 descriptor bit 11, nG: 0 = global, the leaf matches every ASID. */
#define ARM_PTE_NG	(UINT64_C(1) << 11)
/* The granule the model walks: 4 KiB (9 index bits per level). */
#define MSMMU_GRANULE	12
#define MSMMU_STRIDE	9
#define MSMMU_PAGE_MASK	((UINT64_C(1) << MSMMU_GRANULE) - 1)

/*
 * Levels of a walk whose starting level resolves the top bits of @ia_bits
 * with one table (no concatenation), or 0 when the start @level given does
 * not do that.
 */
static uint8_t walk_levels(unsigned int ia_bits, unsigned int level)
{
	int top = (int)ia_bits - MSMMU_GRANULE - (3 - (int)level) * MSMMU_STRIDE;

	return top >= 1 && top <= MSMMU_STRIDE ? (uint8_t)(4 - level) : 0;
}

void msmmu_fmt_init(struct invt_msmmu *m)
{
	unsigned int ia, level;

	for (ia = MSMMU_GRANULE + 1; ia <= MSMMU_MAX_IA_BITS; ia++) {
		/* The one starting level that resolves the top bits. */
		level = 3 - (ia - MSMMU_GRANULE - 1) / MSMMU_STRIDE;
		m->fmt[INVT_MUNIT_S1][ia] = invt_pt_fmt_arm_s1_4k;
		m->fmt[INVT_MUNIT_S2][ia] = invt_pt_fmt_arm_s2_4k;
		m->fmt[INVT_MUNIT_S1][ia].va_bits = ia;
		m->fmt[INVT_MUNIT_S2][ia].va_bits = ia;
		m->fmt[INVT_MUNIT_S1][ia].levels = walk_levels(ia, level);
		m->fmt[INVT_MUNIT_S2][ia].levels = walk_levels(ia, level);
	}
}

/*
 * The format of @stage for an input size and starting level, or NULL when
 * the model does not walk that (a concatenated start, too large).
 */
static const struct invt_pt_fmt *stage_fmt(struct invt_msmmu *m, unsigned int stage,
					   unsigned int ia_bits, unsigned int level)
{
	if (ia_bits > MSMMU_MAX_IA_BITS || !walk_levels(ia_bits, level))
		return NULL;
	return &m->fmt[stage][ia_bits];
}

/* Record a C_BAD_STE (!@cd) or C_BAD_CD event.  Instance lock held. */
static void record_bad(struct invt_msmmu *m, bool cd, enum smmu_hw_cfg_why why)
{
	m->u.n.events[cd ? MSMMU_EV_C_BAD_CD : MSMMU_EV_C_BAD_STE]++;
	if (why != SMMU_HW_CFG_WHY_V0)
		m->u.n.events[cd ? MSMMU_EV_ILLEGAL_CD : MSMMU_EV_ILLEGAL_STE]++;
}

bool msmmu_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c)
{
	return smmu_hw_cfg_in_scope(scope, c->sid, c->ssid);
}

bool msmmu_enabled(struct invt_munit *u)
{
	uint64_t base;
	uint32_t bcfg;

	/* SMMUEN off (acknowledged): GBPA decides; bypass is not modelled. */
	return smmu_hw_queue_translating(&msmmu_of(u)->hq, &base, &bcfg);
}

int msmmu_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	       bool *global)
{
	unsigned int oa_bits = invt_munit_nested(c) && stage == INVT_MUNIT_S2 ? c->oa_bits_s2 :
									       c->oa_bits;

	/* A leaf beyond the effective output size: address size fault. */
	if (oa_bits < 64 && (res->oa >> oa_bits))
		return -EFAULT;
	*global = stage == INVT_MUNIT_S1 && !(res->pte & ARM_PTE_NG);
	return 0;
}

/* Level-1 descriptors, read by hw-cfg.c from model memory. */
static const uint64_t *l1_va(void *arg, uint64_t pa)
{
	return invt_mem_va(arg, pa);
}

/**
 * struct cd_ipa - reading a nested STE's CD table, at IPAs.
 * @m: the instance.
 * @c: the configuration being fetched (its stage 2 set).
 * @s2_fault: a fetch faulted at stage 2.
 */
struct cd_ipa {
	struct invt_msmmu *m;
	const struct invt_munit_cfg *c;
	bool s2_fault;
};

/* A CD-table structure at @ipa: stage 2 first, then model memory. */
static const uint64_t *cd_ipa_va(void *arg, uint64_t ipa)
{
	struct cd_ipa *x = arg;
	uint64_t pa;

	if (invt_munit_s2_fetch_locked(&x->m->u, x->c, ipa, &pa)) {
		x->s2_fault = true;
		return NULL;
	}
	return invt_mem_va(x->m->u.mem, pa);
}

/*
 * Stage-1 configuration from the STE's CD (nested: the CD table at IPAs,
 * read through stage 2).  Return: 0 or -EFAULT.
 */
static int cfg_fetch_cd(struct invt_msmmu *m, const struct smmu_hw_ste *ste, uint32_t ssid,
			struct invt_munit_cfg *c)
{
	struct cd_ipa x = { .m = m, .c = c };
	const struct smmu_hw_mem l1 = ste->s2 ? (struct smmu_hw_mem){ cd_ipa_va, &x } :
						(struct smmu_hw_mem){ l1_va, m->u.mem };
	enum smmu_hw_cfg_why why;
	struct smmu_hw_cd cd;
	uint64_t cd_addr;
	const uint64_t *va;

	if (smmu_hw_cd_find(ste, ssid != 0, ssid, &l1, &cd_addr, NULL)) {
		if (x.s2_fault)
			m->u.n.events[MSMMU_EV_CD_FETCH_S2]++;
		return -EFAULT;		/* event, abort, or stage 1 bypassed */
	}
	/* A CD is 64 bytes, 64-byte aligned: within one page of either stage. */
	va = l1.va(l1.arg, cd_addr);
	if (!va) {
		if (x.s2_fault)
			m->u.n.events[MSMMU_EV_CD_FETCH_S2]++;
		return -EFAULT;
	}
	if (smmu_hw_cd_parse(va, ste, &m->idr, &cd, &why)) {
		record_bad(m, true, why);
		return -EFAULT;
	}
	if (cd.epd0 && cd.epd1) {
		c->blocks = true;	/* valid, walks nothing: cached (§3.21.3) */
		return 0;
	}
	if (cd.epd0 || cd.tg0_granule != MSMMU_GRANULE)
		return -EFAULT;		/* not a table format the model walks */
	c->ia_bits = (uint8_t)(64 - cd.t0sz);
	c->oa_bits = cd.ipa_bits;
	c->fmt[INVT_MUNIT_S1] = stage_fmt(m, INVT_MUNIT_S1, c->ia_bits, cd.s1_level0);
	if (!c->fmt[INVT_MUNIT_S1])
		return -EFAULT;
	c->tag_s1 = cd.asid;
	c->root[INVT_MUNIT_S1] = cd.ttb0 & ~MSMMU_PAGE_MASK;
	return 0;
}

/*
 * Stage 2 from the STE (Config 0b110, or 0b111 whose CD then sets the
 * input and stage-1 output sizes).  Return: 0 or -EFAULT.
 */
static int cfg_s2(struct invt_msmmu *m, const struct smmu_hw_ste *ste, struct invt_munit_cfg *c)
{
	if (ste->s2_granule != MSMMU_GRANULE)
		return -EFAULT;
	c->stages |= INVT_MUNIT_STAGE(INVT_MUNIT_S2);
	c->ia_bits = (uint8_t)(64 - ste->s2t0sz);
	c->oa_bits = ste->s2_pa_bits;
	c->oa_bits_s2 = ste->s2_pa_bits;
	c->fmt[INVT_MUNIT_S2] = stage_fmt(m, INVT_MUNIT_S2, c->ia_bits, ste->s2_level);
	if (!c->fmt[INVT_MUNIT_S2])
		return -EFAULT;		/* concatenated tables: not modelled */
	c->tag_s1 = INVT_CACHE_ID_NONE;
	c->root[INVT_MUNIT_S2] = ste->s2ttb & ~MSMMU_PAGE_MASK;
	return 0;
}

int msmmu_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid, struct invt_munit_cfg *c)
{
	struct invt_msmmu *m = msmmu_of(u);
	const struct smmu_hw_mem l1 = { l1_va, m->u.mem };
	enum smmu_hw_cfg_why why;
	struct smmu_hw_ste ste;
	uint64_t base, ste_pa, *va;
	uint32_t bcfg;

	/*
	 * The table the SMMU latched when SMMUEN was acknowledged (the driver
	 * programmed it, with release stores, before setting SMMUEN); while
	 * disabled, GBPA aborts the transaction.
	 */
	if (!smmu_hw_queue_translating(&m->hq, &base, &bcfg))
		return -EFAULT;		/* disabled since translate() looked */
	u->n.cfg_fetches++;
	/* C_BAD_STREAMID (out of range, L1STD Span) or F_STE_FETCH. */
	if (smmu_hw_ste_locate(&m->idr, base, bcfg, sid, &l1, &ste_pa, NULL))
		return -EFAULT;
	va = invt_mem_va(u->mem, ste_pa);
	if (!va)
		return -EFAULT;		/* outside memory */
	if (smmu_hw_ste_parse(va, &m->idr, &ste, &why)) {
		record_bad(m, false, why);	/* V == 0 or ILLEGAL: C_BAD_STE */
		return -EFAULT;
	}
	c->sid = sid;
	c->ssid = ssid;
	c->entry_ssid = ssid;
	if (!(ste.config & 4)) {
		/*
		 * Config abort (V = 1): a valid STE, which the SMMU may cache
		 * as any other (§3.21.3, §16.2); software must issue
		 * CMD_CFGI_STE after changing it (§4.3.2) before a new Config
		 * is guaranteed to be seen.  Cached, every request aborts.
		 */
		c->blocks = true;
		return 0;
	}
	if (!ste.s1 && !ste.s2)
		return -EFAULT;		/* bypass: not modelled, not cached */
	c->ats = ste.eats;
	c->tag_s2 = ste.s2vmid;
	if (ste.s2 && cfg_s2(m, &ste, c))
		return -EFAULT;
	if (ste.s1) {
		c->stages |= INVT_MUNIT_STAGE(INVT_MUNIT_S1);
		return cfg_fetch_cd(m, &ste, ssid, c);
	}
	if (ssid)
		return -EFAULT;		/* C_BAD_SUBSTREAMID: stage 1 is off */
	return 0;
}
