// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-cfg.c - Intel VT-d, hardware side: scalable-mode root, context and
 * PASID structures parsed from memory (see hw-cfg.h for every bit and the
 * memory ordering).
 */
#include "hw-cfg.h"

#define ADDR_MASK	0xfffffffffffff000ull

/* Reserved bits of each quadword (§9.2, §9.4, §9.5, §9.6). */
#define ROOT_RSVD	0x0000000000000ffeull
#define CTX0_RSVD	0x00000000000001e0ull
#define CTX1_RSVD	0xffffffffffe00000ull
#define PDE_RSVD	0x0000000000000ffcull
#define PE0_RSVD	0x0000000000000c00ull
#define PE1_RSVD	0x00000000007f0000ull
#define PE2_RSVD	0x0000000000000f00ull

/* The quadword holding the present bit; see hw-cfg.h for its pair. */
static uint64_t load_present(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* A quadword read after the present one (relaxed: ordered by its acquire). */
static uint64_t load_rest(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int vtd_hw_root_parse(const uint64_t *root, uint8_t devfn, uint64_t *ctp)
{
	/* Lower half for devfn 0-127 (LP/LCTP), upper for 128-255 (UP/UCTP). */
	uint64_t q = load_present(&root[devfn >> 7]);

	if (!(q & 1))
		return VTD_HW_CFG_NOT_PRESENT;
	if (q & ROOT_RSVD)
		return VTD_HW_CFG_RESERVED;
	*ctp = q & ADDR_MASK;
	return VTD_HW_CFG_OK;
}

int vtd_hw_ctx_parse(const uint64_t *ce, struct vtd_hw_ctx *out)
{
	uint64_t q0 = load_present(&ce[0]), q1, q2, q3;

	if (!(q0 & 1))
		return VTD_HW_CFG_NOT_PRESENT;
	q1 = load_rest(&ce[1]);
	q2 = load_rest(&ce[2]);
	q3 = load_rest(&ce[3]);
	if ((q0 & CTX0_RSVD) || (q1 & CTX1_RSVD) || q2 || q3)
		return VTD_HW_CFG_RESERVED;
	out->fpd = (q0 >> 1) & 1;
	out->dte = (q0 >> 2) & 1;
	out->paside = (q0 >> 3) & 1;
	out->pre = (q0 >> 4) & 1;
	out->pdts = (unsigned int)((q0 >> 9) & 7);
	out->pasid_dir = q0 & ADDR_MASK;
	out->rid_pasid = (uint32_t)(q1 & 0xfffff);
	out->rid_priv = (q1 >> 20) & 1;
	return VTD_HW_CFG_OK;
}

int vtd_hw_pasid_dir_parse(const uint64_t *pde, uint64_t *table)
{
	uint64_t q = load_present(pde);

	if (!(q & 1))
		return VTD_HW_CFG_NOT_PRESENT;
	if (q & PDE_RSVD)
		return VTD_HW_CFG_RESERVED;
	*table = q & ADDR_MASK;
	return VTD_HW_CFG_OK;
}

int vtd_hw_pasid_parse(const uint64_t *pe, struct vtd_hw_pasid *out)
{
	uint64_t q0 = load_present(&pe[0]), q1, q2;
	unsigned int i;

	if (!(q0 & 1))
		return VTD_HW_CFG_NOT_PRESENT;
	q1 = load_rest(&pe[1]);
	q2 = load_rest(&pe[2]);
	if ((q0 & PE0_RSVD) || (q1 & PE1_RSVD) || (q2 & PE2_RSVD))
		return VTD_HW_CFG_RESERVED;
	for (i = 3; i < 8; i++)
		if (load_rest(&pe[i]))
			return VTD_HW_CFG_RESERVED;
	out->fpd = (q0 >> 1) & 1;
	out->aw = (unsigned int)((q0 >> 2) & 7);
	out->pgtt = (unsigned int)((q0 >> 6) & 7);
	out->ssptptr = q0 & ADDR_MASK;
	out->did = (uint16_t)q1;
	out->sre = q2 & 1;
	out->fspm = (unsigned int)((q2 >> 2) & 3);
	out->fsptptr = q2 & ADDR_MASK;
	if (out->pgtt < VTD_HW_PGTT_FS || out->pgtt > VTD_HW_PGTT_PT)
		return VTD_HW_CFG_RESERVED;
	return VTD_HW_CFG_OK;
}

bool vtd_hw_pasid_offset(const struct vtd_hw_ctx *ctx, uint32_t pasid, uint64_t *dir_off,
			 uint64_t *tab_off)
{
	uint32_t dir_entries = UINT32_C(1) << (ctx->pdts + 7);

	if (pasid > 0xfffff || (pasid >> 6) >= dir_entries)
		return false;
	*dir_off = 8 * (uint64_t)(pasid >> 6);
	*tab_off = 64 * (uint64_t)(pasid & 0x3f);
	return true;
}
