// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * range.c - RISC-V IOMMU range invalidation policy: which commands
 * invalidate a request, and how many there will be.
 *
 * Everything is counted in 4 KiB pages [start >> 12, last >> 12], inclusive,
 * and every loop counts pages left rather than comparing addresses, so a
 * range may end at the top of the address space (the `end == ULONG_MAX`
 * loop of docs/lessons.md cannot happen).  The policy is described at
 * invt_rv_inv_emit() in <invtrack/riscv.h>.
 */
#include <errno.h>
#include <stddef.h>

#include <invtrack/riscv.h>

#define PAGE_SHIFT	12
/* A NAPOT block reaches 2^52 pages at most: page numbers are 52 bits. */
#define NAPOT_MAX_ORDER	52

static int check(const struct invt_rv_inv *inv)
{
	if (inv->kind > INVT_RV_INV_ATC)
		return -EINVAL;
	if (!inv->all && inv->kind != INVT_RV_INV_VM_S1_ALL && inv->last < inv->start)
		return -EINVAL;
	if (inv->pscid >= INVT_RV_PSCID_LIMIT || inv->gscid >= INVT_RV_GSCID_LIMIT ||
	    inv->device_id >= INVT_RV_DID_LIMIT || inv->pid >= INVT_RV_PID_LIMIT ||
	    (inv->pid && !inv->pv))
		return -EINVAL;
	return 0;
}

static uint32_t max_pages(const struct invt_rv_caps *caps)
{
	return caps->max_pages ? caps->max_pages : INVT_RV_DEFAULT_MAX_PAGES;
}

/* An IOTINVAL for the request's tag, without its address operands. */
static void iotinval_base(const struct invt_rv_inv *inv, struct invt_rv_cmd *c)
{
	*c = (struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL };
	switch (inv->kind) {
	case INVT_RV_INV_S1:
		/* §3.1.1: GV = 0 (host), PSCV = 1: that PSCID, globals spared. */
		c->func3 = INVT_RV_FUNC_VMA;
		c->pscv = true;
		c->pscid = inv->pscid;
		break;
	case INVT_RV_INV_S2:
		/* GVMA, GV = 1: the G-stage entries of that GSCID. */
		c->func3 = INVT_RV_FUNC_GVMA;
		c->gv = true;
		c->gscid = inv->gscid;
		break;
	default:
		/* VMA, GV = 1, PSCV = 0: every first-stage entry of the VM. */
		c->func3 = INVT_RV_FUNC_VMA;
		c->gv = true;
		c->gscid = inv->gscid;
		break;
	}
}

/* One ATS.INVAL covering [first, last] pages, or everything. */
static int emit_atc(const struct invt_rv_inv *inv, invt_rv_emit_t emit, void *arg)
{
	struct invt_rv_cmd c = { .opcode = INVT_RV_OP_ATS, .func3 = INVT_RV_FUNC_ATS_INVAL };
	uint64_t first = inv->start >> PAGE_SHIFT, diff;
	unsigned int order;

	c.rid = (uint16_t)inv->device_id;
	c.dseg = (uint8_t)(inv->device_id >> 16);
	c.dsv = c.dseg != 0;
	c.pv = inv->pv;
	c.pid = inv->pid;
	if (inv->all) {
		c.s = true;
		c.addr = INVT_RV_ATS_ADDR_ALL;
		return emit(arg, &c);
	}
	/* PCIe ATS: S = 1 spans 8 KiB << (trailing ones of address[63:12]). */
	diff = first ^ (inv->last >> PAGE_SHIFT);
	order = diff ? 64 - (unsigned int)__builtin_clzll(diff) : 0;	/* <= 52 */
	if (!order) {
		c.addr = first << PAGE_SHIFT;
	} else {
		c.s = true;
		/* order <= 52: the shifts stay below 64. */
		c.addr = invt_rv_napot_addr(first >> order << order, order);
	}
	return emit(arg, &c);
}

/* Largest order of a naturally aligned block at @pfn within @left pages. */
static unsigned int block_order(uint64_t pfn, uint64_t left)
{
	unsigned int a = pfn ? (unsigned int)__builtin_ctzll(pfn) : NAPOT_MAX_ORDER;
	unsigned int l = 63 - (unsigned int)__builtin_clzll(left);	/* left > 0 */

	if (a > NAPOT_MAX_ORDER)
		a = NAPOT_MAX_ORDER;
	return a < l ? a : l;
}

/* NAPOT blocks for [pfn, pfn + pages); pages >= 1 and the end <= 2^52. */
static int emit_napot(const struct invt_rv_inv *inv, bool nl, uint64_t pfn, uint64_t pages,
		      invt_rv_emit_t emit, void *arg)
{
	struct invt_rv_cmd c;
	unsigned int order;
	int ret;

	while (pages) {
		order = block_order(pfn, pages);
		iotinval_base(inv, &c);
		c.av = true;
		c.nl = nl;
		if (order) {
			c.s = true;
			c.addr = invt_rv_napot_addr(pfn, order);
		} else {
			c.addr = pfn << PAGE_SHIFT;
		}
		ret = emit(arg, &c);
		if (ret)
			return ret;
		/* The last block may end at 2^52 pages: pfn wraps, pages is 0. */
		pfn += 1ull << order;
		pages -= 1ull << order;
	}
	return 0;
}

static int64_t napot_count(uint64_t pfn, uint64_t pages)
{
	int64_t n = 0;

	while (pages) {
		unsigned int order = block_order(pfn, pages);

		pfn += 1ull << order;
		pages -= 1ull << order;
		n++;
	}
	return n;
}

/* The request becomes one whole-tag command. */
static bool whole(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv,
		  uint64_t pages)
{
	if (inv->all || inv->kind == INVT_RV_INV_VM_S1_ALL)
		return true;
	if (!inv->leaf && !caps->nl)
		return true;	/* AV = 1 keeps non-leaf entries in 1.0 */
	return !caps->napot && pages >= max_pages(caps);
}

int invt_rv_inv_emit(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv,
		     invt_rv_emit_t emit, void *arg)
{
	uint64_t first, pages = 0, i;
	struct invt_rv_cmd c;
	int ret;

	ret = check(inv);
	if (ret)
		return ret;
	if (inv->kind == INVT_RV_INV_ATC)
		return emit_atc(inv, emit, arg);
	first = inv->start >> PAGE_SHIFT;
	if (!inv->all && inv->kind != INVT_RV_INV_VM_S1_ALL)
		pages = (inv->last >> PAGE_SHIFT) - first + 1;	/* <= 2^52 */
	if (whole(caps, inv, pages)) {
		iotinval_base(inv, &c);
		return emit(arg, &c);
	}
	if (caps->napot)
		return emit_napot(inv, !inv->leaf, first, pages, emit, arg);
	for (i = 0; i < pages; i++) {
		iotinval_base(inv, &c);
		c.av = true;
		c.nl = !inv->leaf;
		c.addr = (first + i) << PAGE_SHIFT;
		ret = emit(arg, &c);
		if (ret)
			return ret;
	}
	return 0;
}

int64_t invt_rv_inv_count(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv)
{
	uint64_t first, pages;
	int ret;

	ret = check(inv);
	if (ret)
		return ret;
	if (inv->kind == INVT_RV_INV_ATC || inv->all || inv->kind == INVT_RV_INV_VM_S1_ALL)
		return 1;
	first = inv->start >> PAGE_SHIFT;
	pages = (inv->last >> PAGE_SHIFT) - first + 1;
	if (whole(caps, inv, pages))
		return 1;
	if (caps->napot)
		return napot_count(first, pages);
	return (int64_t)pages;
}
