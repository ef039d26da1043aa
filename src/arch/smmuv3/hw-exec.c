// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-exec.c - ARM SMMUv3, hardware side: decoded command -> what it removes
 * (see hw-exec.h; the rules are the table in <invtrack/model/cache.h>).
 *
 * Only the decoder's output is used (hw.h); nothing of the driver's encoder.
 */
#include <errno.h>
#include <string.h>

#include "hw-exec.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
/* Stage-1 forms: S1|NESTED|WALK_S1 (EL1), S1|WALK_S1 (EL2). */
#define KINDS_NH	(K(S1) | K(NESTED) | K(WALK_S1))
#define KINDS_EL2	(K(S1) | K(WALK_S1))
/* S2_IPA: stage-2 leaves and tables, not combined entries. */
#define KINDS_S2	(K(S2) | K(WALK_S2))

/* A VA/IPA form: the command's span, and Leaf. */
static void plan_addr(const struct smmu_hw_cmd *c, struct invt_cache_match *m)
{
	uint64_t first, last;

	smmu_hw_tlbi_span(c, &first, &last);
	invt_cache_match_range(m, first, last);
	m->leaf_only = c->leaf;
}

static void plan_tlbi(const struct smmu_hw_cmd *c, struct invt_cache_match *m)
{
	switch (c->op) {
	case SMMU_HW_OP_TLBI_NH_ALL:
		invt_cache_match_init(m, KINDS_NH);
		invt_cache_match_tag_s2(m, c->vmid);
		break;
	case SMMU_HW_OP_TLBI_NH_ASID:
		invt_cache_match_init(m, KINDS_NH);
		invt_cache_match_tag_s2(m, c->vmid);
		invt_cache_match_tag_s1(m, c->asid);
		m->keep_global = true;
		break;
	case SMMU_HW_OP_TLBI_NH_VA:
		invt_cache_match_init(m, KINDS_NH);
		invt_cache_match_tag_s2(m, c->vmid);
		invt_cache_match_tag_s1(m, c->asid);
		plan_addr(c, m);
		break;
	case SMMU_HW_OP_TLBI_NH_VAA:
		invt_cache_match_init(m, KINDS_NH);
		invt_cache_match_tag_s2(m, c->vmid);
		plan_addr(c, m);
		break;
	case SMMU_HW_OP_TLBI_EL2_ALL:
		invt_cache_match_init(m, KINDS_EL2);
		invt_cache_match_tag_s2(m, SMMU_HW_EXEC_EL2_TAG);
		break;
	case SMMU_HW_OP_TLBI_EL2_ASID:
		invt_cache_match_init(m, KINDS_EL2);
		invt_cache_match_tag_s2(m, SMMU_HW_EXEC_EL2_TAG);
		invt_cache_match_tag_s1(m, c->asid);
		m->keep_global = true;
		break;
	case SMMU_HW_OP_TLBI_EL2_VA:
		invt_cache_match_init(m, KINDS_EL2);
		invt_cache_match_tag_s2(m, SMMU_HW_EXEC_EL2_TAG);
		invt_cache_match_tag_s1(m, c->asid);
		plan_addr(c, m);
		break;
	case SMMU_HW_OP_TLBI_EL2_VAA:
		invt_cache_match_init(m, KINDS_EL2);
		invt_cache_match_tag_s2(m, SMMU_HW_EXEC_EL2_TAG);
		plan_addr(c, m);
		break;
	case SMMU_HW_OP_TLBI_S12_VMALL:
		invt_cache_match_init(m, INVT_CACHE_K_TLB);
		invt_cache_match_tag_s2(m, c->vmid);
		break;
	case SMMU_HW_OP_TLBI_S2_IPA:
		invt_cache_match_init(m, KINDS_S2);
		invt_cache_match_tag_s2(m, c->vmid);
		plan_addr(c, m);
		break;
	default:	/* SMMU_HW_OP_TLBI_NSNH_ALL */
		invt_cache_match_init(m, INVT_CACHE_K_TLB);
		m->tag_s2 = 0;
		m->tag_s2_mask = SMMU_HW_EXEC_VMID_SPACE_MASK;
		break;
	}
}

static void plan_atc(const struct smmu_hw_cmd *c, struct invt_cache_match *m)
{
	uint64_t first, last;

	invt_cache_match_init(m, K(ATC));
	invt_cache_match_sid(m, c->sid);
	/*
	 * CMD_ATC_INV (IHI0070 §4.5.1) sends an ATS Invalidate Request: with
	 * SSV = 0 it has no PASID prefix and removes the device's translations
	 * of every PASID in its range (PCIe Base §10.3.1); with SSV = 1 it
	 * carries SubstreamID as the PASID, and only that PASID's go.  Global
	 * becomes the request's Global Invalidate bit, which an ATC without
	 * Global Invalidate Supported (ATS Capability bit 6, PCIe Base
	 * §10.5.1.2) ignores; with it, G reaches only other PASIDs' entries
	 * marked Global.  The modelled ATC, the strictest, reports no support
	 * and marks no entry Global: SSID's entries alone, whatever Global says.
	 */
	if (c->ssv)
		invt_cache_match_ssid(m, c->ssid);
	smmu_hw_atc_span(c, &first, &last);
	invt_cache_match_range(m, first, last);
}

static void plan_cfgi(const struct smmu_hw_cmd *c, struct smmu_hw_cfg_scope *s)
{
	uint32_t low;

	s->sid_first = s->sid_last = c->sid;
	s->all_ssids = true;
	s->ssid = 0;
	switch (c->op) {
	case SMMU_HW_OP_CFGI_STE_RANGE:
		/* 2^(Range+1) StreamIDs; Range 31 covers all of them. */
		low = c->range >= 31 ? UINT32_MAX : (UINT32_C(2) << c->range) - 1;
		s->sid_first = c->sid & ~low;
		s->sid_last = c->sid | low;
		break;
	case SMMU_HW_OP_CFGI_CD:
		s->all_ssids = false;
		s->ssid = c->ssid;
		break;
	default:	/* CFGI_STE, CFGI_CD_ALL: the whole stream */
		break;
	}
}

int smmu_hw_exec_plan(const struct smmu_hw_cmd *c, struct smmu_hw_exec *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->op) {
	case SMMU_HW_OP_CFGI_STE:
	case SMMU_HW_OP_CFGI_STE_RANGE:
	case SMMU_HW_OP_CFGI_CD:
	case SMMU_HW_OP_CFGI_CD_ALL:
		out->kind = SMMU_HW_EXEC_CFG;
		plan_cfgi(c, &out->cfg);
		return 0;
	case SMMU_HW_OP_TLBI_NH_ALL:
	case SMMU_HW_OP_TLBI_NH_ASID:
	case SMMU_HW_OP_TLBI_NH_VA:
	case SMMU_HW_OP_TLBI_NH_VAA:
	case SMMU_HW_OP_TLBI_EL2_ALL:
	case SMMU_HW_OP_TLBI_EL2_ASID:
	case SMMU_HW_OP_TLBI_EL2_VA:
	case SMMU_HW_OP_TLBI_EL2_VAA:
	case SMMU_HW_OP_TLBI_S12_VMALL:
	case SMMU_HW_OP_TLBI_S2_IPA:
	case SMMU_HW_OP_TLBI_NSNH_ALL:
		out->kind = SMMU_HW_EXEC_TLB;
		plan_tlbi(c, &out->match);
		return 0;
	case SMMU_HW_OP_ATC_INV:
		out->kind = SMMU_HW_EXEC_ATC;
		out->sid = c->sid;
		plan_atc(c, &out->match);
		return 0;
	case SMMU_HW_OP_PRI_RESP:
	case SMMU_HW_OP_RESUME:
	case SMMU_HW_OP_SYNC:
		out->kind = SMMU_HW_EXEC_NONE;
		return 0;
	default:
		return -EINVAL;
	}
}

bool smmu_hw_cfg_in_scope(const struct smmu_hw_cfg_scope *s, uint32_t sid, uint32_t ssid)
{
	if (sid < s->sid_first || sid > s->sid_last)
		return false;
	return s->all_ssids || ssid == s->ssid;
}
