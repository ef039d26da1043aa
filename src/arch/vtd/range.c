// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * range.c - VT-d range invalidation policy: which descriptor invalidates a
 * request.  One descriptor per request, always (see invt_vtd_inv_emit() in
 * <invtrack/vtd.h>); everything is counted in 4 KiB pages [start >> 12,
 * last >> 12], inclusive, so a range may end at the top of the address
 * space without overflow.
 */
#include <errno.h>
#include <stddef.h>

#include <invtrack/vtd.h>
#include <invtrack/vtd-regs.h>

#define PAGE_SHIFT	12
/* CAP_REG.MAMV is 6 bits wide (§11.4.2). */
#define MAMV_MASK	0x3fu

void invt_vtd_caps_from_cap(uint64_t cap, struct invt_vtd_caps *caps)
{
	caps->psi = cap & INVT_VTD_CAP_PSI;
	caps->mamv = (uint8_t)((cap >> INVT_VTD_CAP_MAMV_SHIFT) & MAMV_MASK);
}

static int check(const struct invt_vtd_inv *inv)
{
	if (inv->kind > INVT_VTD_INV_ATC)
		return -EINVAL;
	if (!inv->all && inv->last < inv->start)
		return -EINVAL;
	if (inv->pasid >= INVT_VTD_PASID_LIMIT)
		return -EINVAL;
	if (inv->pasid && (inv->kind == INVT_VTD_INV_S2 || inv->kind == INVT_VTD_INV_DID_ALL))
		return -EINVAL;
	return 0;
}

/*
 * The address mask of the smallest aligned block of pages holding both
 * ends: fls(first ^ last), at most 52 (page numbers have 52 bits).  It is
 * never below ceil(log2(pages)): a block of 2^(k-1) pages cannot hold a
 * range whose ends differ in bit k-1.
 */
static unsigned int span_am(const struct invt_vtd_inv *inv)
{
	uint64_t diff = (inv->start >> PAGE_SHIFT) ^ (inv->last >> PAGE_SHIFT);

	return diff ? 64 - (unsigned int)__builtin_clzll(diff) : 0;
}

/* The first page's address aligned down to 2^@am pages (am 52: 0). */
static uint64_t span_addr(const struct invt_vtd_inv *inv, unsigned int am)
{
	uint64_t pfn = inv->start >> PAGE_SHIFT;

	return am >= INVT_VTD_AM_MAX ? 0 : (pfn >> am << am) << PAGE_SHIFT;
}

static bool s2_selective(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv,
			 unsigned int am)
{
	return !inv->all && caps->psi && am <= caps->mamv;
}

static void build_iotlb(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv,
			struct invt_vtd_desc *d)
{
	unsigned int am = inv->all ? 0 : span_am(inv);

	d->type = INVT_VTD_DESC_IOTLB;
	d->did = inv->did;
	if (inv->kind == INVT_VTD_INV_S2 && s2_selective(caps, inv, am)) {
		d->g = INVT_VTD_IOTLB_PSI;
		d->am = (uint8_t)am;
		d->ih = inv->leaf;
		d->addr = span_addr(inv, am);
	} else {
		/* §6.5.2.3: domain-selective drops every entry of the DID. */
		d->g = INVT_VTD_IOTLB_DSI;
	}
}

static void build_piotlb(const struct invt_vtd_inv *inv, struct invt_vtd_desc *d)
{
	unsigned int am;

	d->type = INVT_VTD_DESC_PIOTLB;
	d->did = inv->did;
	d->pasid = inv->pasid;
	if (inv->all) {
		d->g = INVT_VTD_PIOTLB_PASID;
		return;
	}
	am = span_am(inv);
	d->g = INVT_VTD_PIOTLB_PSI;
	d->am = (uint8_t)am;
	d->ih = inv->leaf;
	d->addr = span_addr(inv, am);
}

/*
 * §6.5.2.5 / §6.5.2.6 with the PCIe ATS size encoding (docs/hardware.md §5):
 * S = 0 is one 4 KiB page; S = 1 spans 8 KiB << (trailing one bits of
 * address[63:12]), the bits above them giving the aligned base.  A span of
 * 2^am pages (am >= 1) is am - 1 one bits.
 */
static void build_atc(const struct invt_vtd_inv *inv, struct invt_vtd_desc *d)
{
	unsigned int am = inv->all ? INVT_VTD_AM_MAX : span_am(inv);

	d->type = inv->pasid ? INVT_VTD_DESC_PDEVTLB : INVT_VTD_DESC_DEVTLB;
	d->sid = inv->sid;
	d->pfsid = inv->sid;
	d->qdep = inv->qdep;
	d->pasid = inv->pasid;
	if (!am) {
		d->addr = inv->start >> PAGE_SHIFT << PAGE_SHIFT;
		return;
	}
	d->size = true;
	d->addr = span_addr(inv, am) | (((1ull << (am - 1)) - 1) << PAGE_SHIFT);
}

int invt_vtd_inv_emit(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv,
		      invt_vtd_emit_t emit, void *arg)
{
	struct invt_vtd_desc d = { 0 };
	int ret = check(inv);

	if (ret)
		return ret;
	switch (inv->kind) {
	case INVT_VTD_INV_S2:
	case INVT_VTD_INV_DID_ALL:
		build_iotlb(caps, inv, &d);
		break;
	case INVT_VTD_INV_S1:
		build_piotlb(inv, &d);
		break;
	default:
		build_atc(inv, &d);
		break;
	}
	return emit(arg, &d);
}

int64_t invt_vtd_inv_count(const struct invt_vtd_caps *caps, const struct invt_vtd_inv *inv)
{
	int ret = check(inv);

	return ret ? ret : 1;
}
