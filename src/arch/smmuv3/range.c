// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * range.c - SMMUv3 range invalidation policy: which commands invalidate a
 * request, and how many there will be.
 *
 * Everything is counted in 4 KiB pages [start >> 12, last >> 12], inclusive,
 * so a range may end at the top of the address space without overflow.  The
 * policy itself is described at invt_smmu_inv_emit() in <invtrack/smmuv3.h>.
 */
#include <errno.h>
#include <stddef.h>

#include <invtrack/smmuv3.h>

#define PAGE_SHIFT	12
/* Highest 4 KiB page number of a 64-bit VA space and of a 52-bit IPA space. */
#define VA_TOP_PFN	((1ull << (64 - PAGE_SHIFT)) - 1)
#define IPA_TOP_PFN	((1ull << (52 - PAGE_SHIFT)) - 1)
/* One range TLBI covers at most 32 << 31 pages; ranges this big go whole. */
#define RIL_LIMIT_PAGES	(1ull << 36)
#define SCALE_MAX	31

static int check(const struct invt_smmu_inv *inv)
{
	if (inv->kind > INVT_SMMU_INV_ATC)
		return -EINVAL;
	if (!inv->all && inv->last < inv->start)
		return -EINVAL;
	if (inv->kind == INVT_SMMU_INV_ATC &&
	    (inv->ssid >= INVT_SMMU_SSID_LIMIT || (inv->ssid && !inv->ssv)))
		return -EINVAL;
	return 0;
}

static uint32_t max_pages(const struct invt_smmu_caps *caps)
{
	return caps->max_pages ? caps->max_pages : INVT_SMMU_DEFAULT_MAX_PAGES;
}

static uint64_t top_pfn(const struct invt_smmu_inv *inv)
{
	return inv->kind == INVT_SMMU_INV_S2 ? IPA_TOP_PFN : VA_TOP_PFN;
}

/* The command removing every entry of the request's tag. */
static int emit_whole(const struct invt_smmu_inv *inv, invt_smmu_emit_t emit, void *arg)
{
	struct invt_smmu_cmd c = { 0 };

	switch (inv->kind) {
	case INVT_SMMU_INV_S1:
		c.opcode = INVT_SMMU_CMD_TLBI_NH_ASID;
		c.vmid = inv->vmid;
		c.asid = inv->asid;
		break;
	case INVT_SMMU_INV_S1_EL2:
		c.opcode = INVT_SMMU_CMD_TLBI_EL2_ASID;
		c.asid = inv->asid;
		break;
	default:
		c.opcode = INVT_SMMU_CMD_TLBI_S12_VMALL;
		c.vmid = inv->vmid;
		break;
	}
	return emit(arg, &c);
}

/* A VA/IPA TLBI for the request's tag, without its range fields. */
static void tlbi_base(const struct invt_smmu_inv *inv, struct invt_smmu_cmd *c)
{
	*c = (struct invt_smmu_cmd){ 0 };
	switch (inv->kind) {
	case INVT_SMMU_INV_S1:
		c->opcode = INVT_SMMU_CMD_TLBI_NH_VA;
		c->vmid = inv->vmid;
		c->asid = inv->asid;
		break;
	case INVT_SMMU_INV_S1_EL2:
		c->opcode = INVT_SMMU_CMD_TLBI_EL2_VA;
		c->asid = inv->asid;
		break;
	default:
		c->opcode = INVT_SMMU_CMD_TLBI_S2_IPA;
		c->vmid = inv->vmid;
		break;
	}
	c->leaf = inv->leaf;
}

static int emit_atc(const struct invt_smmu_inv *inv, invt_smmu_emit_t emit, void *arg)
{
	struct invt_smmu_cmd c = { 0 };
	uint64_t first = inv->start >> PAGE_SHIFT, diff;
	unsigned int size;

	c.opcode = INVT_SMMU_CMD_ATC_INV;
	c.sid = inv->sid;
	c.ssv = inv->ssv;
	c.ssid = inv->ssid;
	if (inv->all) {
		c.size = INVT_SMMU_ATC_SIZE_ALL;
		return emit(arg, &c);
	}
	/* Size = fls(first ^ last): the smallest aligned span holding both. */
	diff = first ^ (inv->last >> PAGE_SHIFT);
	size = diff ? 64 - (unsigned int)__builtin_clzll(diff) : 0;
	c.size = (uint8_t)size;
	/* size <= 52 since page numbers have 52 bits; >> 52 leaves 0. */
	c.addr = (first >> size << size) << PAGE_SHIFT;
	return emit(arg, &c);
}

/* Range TLBIs (RIL) for @pages pages from page @pfn; pages < 2^36. */
static int emit_ril(const struct invt_smmu_inv *inv, uint64_t pfn, uint64_t pages,
		    invt_smmu_emit_t emit, void *arg)
{
	struct invt_smmu_cmd c;
	unsigned int scale, num;
	int ret;

	while (pages) {
		scale = (unsigned int)__builtin_ctzll(pages);
		if (scale > SCALE_MAX)
			scale = SCALE_MAX;
		num = (unsigned int)(pages >> scale) & 31;
		/* Guard: a chunk of zero pages would never end the loop. */
		if (!num)
			return -EINVAL;
		tlbi_base(inv, &c);
		c.tg = INVT_SMMU_TG_4K;
		c.num = (uint8_t)(num - 1);
		c.scale = (uint8_t)scale;
		c.addr = pfn << PAGE_SHIFT;
		ret = emit(arg, &c);
		if (ret)
			return ret;
		/* The last chunk may end at 2^64: pfn wraps, but pages is 0. */
		pfn += (uint64_t)num << scale;
		pages -= (uint64_t)num << scale;
	}
	return 0;
}

int invt_smmu_inv_emit(const struct invt_smmu_caps *caps, const struct invt_smmu_inv *inv,
		       invt_smmu_emit_t emit, void *arg)
{
	uint64_t first, lastp, pages, i;
	struct invt_smmu_cmd c;
	int ret;

	ret = check(inv);
	if (ret)
		return ret;
	if (inv->kind == INVT_SMMU_INV_ATC)
		return emit_atc(inv, emit, arg);
	first = inv->start >> PAGE_SHIFT;
	lastp = inv->last >> PAGE_SHIFT;
	if (inv->all || lastp > top_pfn(inv))
		return emit_whole(inv, emit, arg);
	pages = lastp - first + 1;	/* <= 2^52: no overflow */

	if (caps->ril) {
		/* NUM = SCALE = TTL = 0 with TG set is reserved: add a page. */
		if ((pages & 31) == 1) {
			if (lastp == top_pfn(inv))
				first--;	/* first >= 31 here */
			pages++;
		}
		if (pages >= RIL_LIMIT_PAGES)
			return emit_whole(inv, emit, arg);
		return emit_ril(inv, first, pages, emit, arg);
	}

	if (pages >= max_pages(caps))
		return emit_whole(inv, emit, arg);
	/* Count pages rather than compare addresses: no overflow at the top. */
	for (i = 0; i < pages; i++) {
		tlbi_base(inv, &c);
		c.addr = (first + i) << PAGE_SHIFT;
		ret = emit(arg, &c);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Range TLBIs needed for @pages (< 2^36): scanning from bit 0, each command
 * takes the lowest set bit and the four above it (SCALE 31 can take bits
 * 31..35, which the 2^36 bound keeps within one command).
 */
static int64_t ril_count(uint64_t pages)
{
	int64_t n = 0;
	unsigned int bit = 0;

	while (bit < 36) {
		if (pages & (1ull << bit)) {
			n++;
			bit += 5;
		} else {
			bit++;
		}
	}
	return n;
}

int64_t invt_smmu_inv_count(const struct invt_smmu_caps *caps, const struct invt_smmu_inv *inv)
{
	uint64_t pages;
	int ret;

	ret = check(inv);
	if (ret)
		return ret;
	if (inv->kind == INVT_SMMU_INV_ATC || inv->all)
		return 1;
	if (inv->last >> PAGE_SHIFT > top_pfn(inv))
		return 1;
	pages = (inv->last >> PAGE_SHIFT) - (inv->start >> PAGE_SHIFT) + 1;
	if (!caps->ril)
		return pages >= max_pages(caps) ? 1 : (int64_t)pages;
	pages += (pages & 31) == 1;
	if (pages >= RIL_LIMIT_PAGES)
		return 1;
	return ril_count(pages);
}
