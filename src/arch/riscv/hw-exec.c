// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-exec.c - RISC-V IOMMU, hardware side: decoded command -> what it
 * removes (see the table in hw-exec.h; RISC-V IOMMU 1.0 §3.1.1, §3.1.3,
 * §3.1.4 and the NL / S extensions).
 *
 * Only the decoder's output is used (hw.h); nothing of the driver's encoder.
 */
#include <errno.h>
#include <string.h>

#include "hw-exec.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
/* First-stage information: leaves, combined leaves, first-stage tables. */
#define KINDS_VMA	(K(S1) | K(NESTED) | K(WALK_S1))
/* Second-stage information: G-stage leaves and tables, combined leaves. */
#define KINDS_GVMA	(K(S2) | K(WALK_S2) | K(NESTED))

/* AV = 1: the span of ADDR (S), and whether walk entries stay (!NL). */
static void plan_addr(const struct rv_hw_cmd *c, struct invt_cache_match *m)
{
	uint64_t first, last;

	rv_hw_iotinval_span(c, &first, &last);
	invt_cache_match_range(m, first, last);
	m->leaf_only = !c->nl;
}

static void plan_vma(const struct rv_hw_cmd *c, struct rv_hw_exec *p)
{
	struct invt_cache_match *m = &p->match[0];

	p->nr_match = 1;
	invt_cache_match_init(m, KINDS_VMA);
	/* GV = 0: the host address spaces, whose entries carry no GSCID. */
	invt_cache_match_tag_s2(m, c->gv ? c->gscid : RV_HW_EXEC_HOST);
	if (c->pscv) {
		invt_cache_match_tag_s1(m, c->pscid);
		m->keep_global = true;	/* "except for entries containing global mappings" */
	}
	if (c->av)
		plan_addr(c, m);
}

static void plan_gvma(const struct rv_hw_cmd *c, struct rv_hw_exec *p)
{
	struct invt_cache_match *m = &p->match[0];

	p->nr_match = 1;
	if (!c->gv) {
		/* Every VM: any 16-bit GSCID; host entries carry none. */
		invt_cache_match_init(m, KINDS_GVMA);
		m->tag_s2 = 0;
		m->tag_s2_mask = RV_HW_EXEC_GSCID_SPACE_MASK;
		return;
	}
	if (!c->av) {
		invt_cache_match_init(m, KINDS_GVMA);
		invt_cache_match_tag_s2(m, c->gscid);
		return;
	}
	/* The G-stage entries of the GPA ... */
	invt_cache_match_init(m, K(S2) | K(WALK_S2));
	invt_cache_match_tag_s2(m, c->gscid);
	plan_addr(c, m);
	/*
	 * ... and the combined VA -> SPA entries of the VM whose VA maps to a
	 * GPA in that range (§3.1.1 note), whatever their VA: no more, the
	 * strictest reading (a unit may drop them all).
	 */
	p->nr_match = 2;
	invt_cache_match_init(&p->match[1], K(NESTED));
	invt_cache_match_tag_s2(&p->match[1], c->gscid);
	invt_cache_match_ipa_range(&p->match[1], m->start, m->last);
}

static void plan_ats(const struct rv_hw_cmd *c, struct rv_hw_exec *p)
{
	struct invt_cache_match *m = &p->match[0];
	uint64_t first, last;

	p->nr_match = 1;
	p->did = c->rid | (c->dsv ? (uint32_t)c->dseg << 16 : 0);
	p->pid = c->pv ? c->pid : 0;
	invt_cache_match_init(m, K(ATC));
	invt_cache_match_sid(m, p->did);
	/*
	 * ATS.INVAL (RISC-V IOMMU 1.0 §3.1.4) sends PCIe's Invalidate Request
	 * with the payload's G, S and address: with PV = 0 it has no PASID
	 * prefix and removes the device's translations of every PASID in its
	 * range (PCIe Base §10.3.1); with PV = 1 it carries PID as the PASID,
	 * and only that PASID's go.  G is the Global Invalidate bit, which an
	 * ATC without Global Invalidate Supported (ATS Capability bit 6, PCIe
	 * Base §10.5.1.2) ignores; with it, G reaches only other PASIDs' entries
	 * marked Global.  The modelled ATC, the strictest, reports no support
	 * and marks no entry Global: PID's entries alone, whatever G says.
	 */
	if (c->pv)
		invt_cache_match_ssid(m, c->pid);
	rv_hw_ats_span(c, &first, &last);
	invt_cache_match_range(m, first, last);
}

int rv_hw_exec_plan(const struct rv_hw_cmd *c, struct rv_hw_exec *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->kind) {
	case RV_HW_IOTINVAL_VMA:
		out->kind = RV_HW_EXEC_TLB;
		plan_vma(c, out);
		return 0;
	case RV_HW_IOTINVAL_GVMA:
		out->kind = RV_HW_EXEC_TLB;
		plan_gvma(c, out);
		return 0;
	case RV_HW_IODIR_INVAL_DDT:
		out->kind = RV_HW_EXEC_DIR;
		out->dir.all_devices = !c->dv;
		out->dir.did = c->did;
		return 0;
	case RV_HW_IODIR_INVAL_PDT:
		out->kind = RV_HW_EXEC_DIR;
		out->dir.did = c->did;
		out->dir.pdt_only = true;
		out->dir.pid = c->pid;
		return 0;
	case RV_HW_ATS_INVAL:
		out->kind = RV_HW_EXEC_ATC;
		plan_ats(c, out);
		return 0;
	case RV_HW_IOFENCE_C:
	case RV_HW_ATS_PRGR:
		out->kind = RV_HW_EXEC_NONE;
		return 0;
	default:
		return -EINVAL;
	}
}

bool rv_hw_dir_in_scope(const struct rv_hw_dir_scope *s, uint32_t did, uint32_t pid,
			bool has_pc)
{
	if (s->all_devices)
		return true;
	if (did != s->did)
		return false;
	return !s->pdt_only || (has_pc && pid == s->pid);
}
