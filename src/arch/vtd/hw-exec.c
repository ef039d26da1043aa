// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-exec.c - Intel VT-d, hardware side: decoded descriptor -> what it
 * removes (see the table in hw-exec.h).
 *
 * Only the decoder's output is used (hw.h); nothing of the driver's encoder.
 */
#include <errno.h>
#include <string.h>

#include "hw-exec.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
/* First-stage forms (type 6): first-stage leaves, nested leaves, tables. */
#define KINDS_FS	(K(S1) | K(NESTED) | K(WALK_S1))

/* Kinds a page-selective type 2 removes by address: second-stage ones. */
#define KINDS_SS	(K(S2) | K(WALK_S2))

/*
 * Types 2 and 6: IOTLB and paging-structure caches.  A type 2 PSI has two
 * scopes (§6.5.2.3, scalable mode): the DID's second-stage entries in the
 * address range (@m), and every first-stage and nested entry of the DID,
 * leaves and paging-structure entries, whatever their address (@fs, with
 * *@has_fs set): the address of a PSI is an input address of the second
 * stage, which says nothing of the first-stage addresses of the DID.
 */
static int plan_iotlb(const struct vtd_hw_desc *d, bool psi, struct invt_cache_match *m,
		      struct invt_cache_match *fs, bool *has_fs)
{
	uint64_t first, last;
	bool page;

	if (d->type == VTD_HW_IOTLB_INV) {
		invt_cache_match_init(m, INVT_CACHE_K_TLB);
		if (d->g == 1)
			return 0;				/* global */
		if (d->g != 2 && d->g != 3)
			return -EINVAL;
		invt_cache_match_tag_s2(m, d->did);		/* DSI / PSI */
		page = d->g == 3 && psi;
		if (page) {
			invt_cache_match_init(fs, KINDS_FS);
			invt_cache_match_tag_s2(fs, d->did);
			*has_fs = true;
			m->kinds = KINDS_SS;
		}
	} else {
		if (d->g != 2 && d->g != 3)
			return -EINVAL;
		invt_cache_match_init(m, KINDS_FS);
		invt_cache_match_tag_s2(m, d->did);
		invt_cache_match_tag_s1(m, d->pasid);
		page = d->g == 3;
		m->keep_global = !page;	/* "non-global mappings" of the PASID */
	}
	if (page) {
		vtd_hw_page_span(d, &first, &last);
		invt_cache_match_range(m, first, last);
		/* IH = 1: paging-structure caches need not be invalidated. */
		m->leaf_only = d->ih;
	}
	return 0;
}

static void plan_devtlb(const struct vtd_hw_desc *d, struct invt_cache_match *m)
{
	uint64_t first, last;

	invt_cache_match_init(m, K(ATC));
	invt_cache_match_sid(m, d->sid);
	/*
	 * Type 3 goes out as an ATS Invalidate Request without PASID prefix,
	 * which removes the device's translations of every PASID in its range
	 * (PCIe Base §10.3.1).  Type 8 carries the PASID prefix: that PASID's
	 * only.  Its G bit (qw1[0], §6.5.2.6) becomes the request's Global
	 * Invalidate bit, which an ATC without Global Invalidate Supported
	 * (ATS Capability register bit 6, PCIe Base §10.5.1.2) ignores; VT-d
	 * rev. 3.0 dropped global mappings from device-TLB invalidation.  The
	 * strictest device, modelled here, removes the named PASID's entries
	 * alone whatever G says.
	 */
	if (d->type == VTD_HW_PDEVTLB_INV)
		invt_cache_match_ssid(m, d->pasid);
	vtd_hw_devtlb_span(d, &first, &last);
	invt_cache_match_range(m, first, last);
}

/* Function Mask (§6.5.2.1): SID bits ignored; 1: [2], 2: [2:1], 3: [2:0]. */
static const uint16_t fm_bits[4] = { 0, 0x4, 0x6, 0x7 };

static int plan_cfg(const struct vtd_hw_desc *d, struct vtd_hw_cfg_scope *s)
{
	memset(s, 0, sizeof(*s));
	if (d->type == VTD_HW_CC_INV) {
		switch (d->g) {
		case 1:
			s->all = true;
			return 0;
		case 2:
			s->by_did = true;
			s->did = d->did;
			return 0;
		case 3:
			s->by_sid = true;
			s->sid_mask = (uint16_t)~fm_bits[d->fm & 3];
			s->sid = d->sid & s->sid_mask;
			return 0;
		default:
			return -EINVAL;
		}
	}
	switch (d->g) {		/* VTD_HW_PC_INV */
	case 0:
		s->by_did = true;
		s->did = d->did;
		return 0;
	case 1:
		s->by_did = true;
		s->did = d->did;
		s->by_pasid = true;
		s->pasid = d->pasid;
		return 0;
	case 3:
		s->all = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int vtd_hw_exec_plan(const struct vtd_hw_desc *d, bool psi, struct vtd_hw_exec *out)
{
	memset(out, 0, sizeof(*out));
	switch (d->type) {
	case VTD_HW_CC_INV:
	case VTD_HW_PC_INV:
		out->kind = VTD_HW_EXEC_CFG;
		return plan_cfg(d, &out->cfg);
	case VTD_HW_IOTLB_INV:
	case VTD_HW_PIOTLB_INV:
		out->kind = VTD_HW_EXEC_TLB;
		return plan_iotlb(d, psi, &out->match, &out->match_fs, &out->has_fs);
	case VTD_HW_DEVTLB_INV:
	case VTD_HW_PDEVTLB_INV:
		out->kind = VTD_HW_EXEC_DEVTLB;
		out->sid = d->sid;
		plan_devtlb(d, &out->match);
		return 0;
	case VTD_HW_IEC_INV:
		out->kind = VTD_HW_EXEC_NONE;
		return 0;
	case VTD_HW_INV_WAIT:
		out->kind = VTD_HW_EXEC_WAIT;
		return 0;
	default:
		return -EINVAL;
	}
}

bool vtd_hw_cfg_in_scope(const struct vtd_hw_cfg_scope *s, uint16_t sid, uint16_t did,
			 uint32_t pasid)
{
	if (s->all)
		return true;
	if (s->by_sid && (sid & s->sid_mask) != s->sid)
		return false;
	if (s->by_did && did != s->did)
		return false;
	if (s->by_pasid && pasid != s->pasid)
		return false;
	return s->by_sid || s->by_did || s->by_pasid;
}
