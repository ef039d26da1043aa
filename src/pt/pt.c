// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pt.c - the generic radix walker: map, unmap, lookup, hardware walk, free.
 *
 * Nothing here knows a bit of any architecture: every entry is decoded and
 * built by the format's callbacks (see <invtrack/pt.h>).
 *
 * Entries are only ever accessed with single atomic loads and stores.  The
 * orderings, and the access each one pairs with:
 *  - a table entry pointing to a new table page is stored with release; the
 *    walkers (invt_pt_hw_walk, invt_pt_lookup) load entries with acquire, so
 *    a walker that sees the pointer sees the page's zeroed contents;
 *  - a leaf is stored with release, pairing with the same acquire loads: a
 *    device access through a new translation sees what the CPU wrote before
 *    the map (data, or a model's record of who owns the frame);
 *  - clearing an entry is a relaxed store: nothing unlinked is freed here, and
 *    the store -> load ordering against the domain's invalidation array is the
 *    caller's full barrier (docs/design.md §7, "Unmap vs attach").
 * Reads by the (serialised) writer itself are relaxed.
 */
#include <errno.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/pt.h>

#include "pt-internal.h"

/*
 * Ablation builds buffer PTE clears in the emulated store buffer (see
 * pte_clear()); loads then forward from it, as a real store buffer does for
 * the storing CPU.
 */
static inline uint64_t pte_get(const uint64_t *ptep)
{
#ifdef INVT_ABLATIONS
	return invt_sb_load(ptep, __ATOMIC_RELAXED);
#else
	return __atomic_load_n(ptep, __ATOMIC_RELAXED);
#endif
}

/*
 * Stores leave a store buffer in order: a PTE set after buffered clears
 * (ablation builds) first lets them go, so it can never be overtaken.
 */
static inline void pte_sb_flush(void)
{
#ifdef INVT_ABLATIONS
	invt_sb_drain();
#endif
}

/* Pairs with the release stores in pte_set_table() and pte_set_leaf(). */
static inline uint64_t pte_get_acquire(const uint64_t *ptep)
{
#ifdef INVT_ABLATIONS
	return invt_sb_load(ptep, __ATOMIC_ACQUIRE);
#else
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
#endif
}

/* Pairs with pte_get_acquire(): the zeroed table is visible before its pointer. */
static inline void pte_set_table(uint64_t *ptep, uint64_t pte)
{
	pte_sb_flush();
	__atomic_store_n(ptep, pte, __ATOMIC_RELEASE);
}

/* Pairs with pte_get_acquire(): the caller's writes before the map come first. */
static inline void pte_set_leaf(uint64_t *ptep, uint64_t pte)
{
	pte_sb_flush();
	__atomic_store_n(ptep, pte, __ATOMIC_RELEASE);
}

/*
 * Pairs with nothing here; see the top of the file.  The caller's full
 * barrier (invt_domain_invalidate()) orders it before the load of the
 * domain's array.  Ablation builds can send it through the emulated store
 * buffer (invt_sb_pt_enable()), so that switching that barrier off is
 * observable.
 */
static inline void pte_clear(uint64_t *ptep)
{
#ifdef INVT_ABLATIONS
	if (invt_sb_pt_enabled()) {
		invt_sb_store(ptep, 0);
		return;
	}
#endif
	__atomic_store_n(ptep, 0, __ATOMIC_RELAXED);
}

static inline uint64_t *table_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return ops->table_va(ops, pa);
}

/*
 * Entry @idx of the table at @table_pa.  A root of several pages is reached
 * page by page, through table_va of each page's own address.
 */
static inline uint64_t *pt_entry(struct invt_pt_ops *ops, const struct invt_pt_fmt *fmt,
				 uint64_t table_pa, unsigned int idx)
{
	uint64_t page = idx >> fmt->bits_per_level;

	return &table_va(ops, table_pa + (page << fmt->granule_shift))[idx & (pt_entries(fmt) - 1)];
}

/*
 * @fmt->present_mask, when set, says what is_present() says of every entry:
 * checked on each single bit at each level (is_present() of the formats
 * tests bits, so agreeing on single bits is agreeing on all entries; zero
 * is never present).
 */
static bool present_mask_ok(const struct invt_pt_fmt *fmt)
{
	unsigned int lvl, b;

	if (!fmt->present_mask)
		return true;
	for (lvl = 0; lvl < fmt->levels; lvl++) {
		if (fmt->is_present(fmt, 0, lvl))
			return false;
		for (b = 0; b < 64; b++) {
			uint64_t bit = UINT64_C(1) << b;

			if (fmt->is_present(fmt, bit, lvl) != !!(fmt->present_mask & bit))
				return false;
		}
	}
	return true;
}

int invt_pt_fmt_check(const struct invt_pt_fmt *fmt)
{
	unsigned int top;

	if (!fmt || !fmt->is_present || !fmt->is_table || !fmt->is_leaf || !fmt->oa ||
	    !fmt->leaf_prot || !fmt->make_table || !fmt->make_leaf)
		return -EINVAL;
	if (fmt->levels < 1 || fmt->levels > INVT_PT_MAX_LEVELS)
		return -EINVAL;
	if (fmt->bits_per_level < 1 || fmt->bits_per_level > 16 ||
	    fmt->granule_shift != fmt->bits_per_level + 3)
		return -EINVAL;
	if (fmt->root_extra_bits > INVT_PT_MAX_ROOT_EXTRA_BITS)
		return -EINVAL;
	top = pt_shift(fmt, fmt->levels - 1);
	if (fmt->va_bits <= top ||
	    fmt->va_bits > top + fmt->bits_per_level + fmt->root_extra_bits || fmt->va_bits >= 64)
		return -EINVAL;
	if (fmt->oa_bits < fmt->granule_shift || fmt->oa_bits > 64)
		return -EINVAL;
	if (!(fmt->leaf_levels & 1) || (fmt->leaf_levels >> fmt->levels))
		return -EINVAL;
	/* Combinations 1..3 only: a mapping grants at least one permission. */
	if (!fmt->prot_ok || (fmt->prot_ok & ~UINT32_C(0xe)))
		return -EINVAL;
	return present_mask_ok(fmt) ? 0 : -EINVAL;
}

int invt_pt_init(struct invt_pt *pt, const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops)
{
	uint64_t root;
	int ret;

	ret = invt_pt_fmt_check(fmt);
	if (ret)
		return ret;
	if (pt_root_pages(fmt) == 1)
		ret = ops->alloc_table(ops, &root);
	else if (ops->alloc_root && ops->free_root)
		ret = ops->alloc_root(ops, pt_root_pages(fmt), &root);
	else
		return -EINVAL;
	if (ret)
		return ret < 0 ? ret : -ENOMEM;
	pt->fmt = fmt;
	pt->ops = ops;
	pt->root_pa = root;
	return 0;
}

static void free_level(struct invt_pt *pt, uint64_t table_pa, unsigned int lvl)
{
	const struct invt_pt_fmt *fmt = pt->fmt;
	unsigned int i;

	if (lvl > 0) {
		for (i = 0; i < pt_lvl_entries(fmt, lvl); i++) {
			uint64_t pte = pte_get(pt_entry(pt->ops, fmt, table_pa, i));

			if (fmt->is_present(fmt, pte, lvl) && fmt->is_table(fmt, pte, lvl))
				free_level(pt, fmt->oa(fmt, pte, lvl), lvl - 1);
		}
	}
	if (lvl == fmt->levels - 1 && pt_root_pages(fmt) > 1)
		pt->ops->free_root(pt->ops, table_pa, pt_root_pages(fmt));
	else
		pt->ops->free_table(pt->ops, table_pa);
}

void invt_pt_free(struct invt_pt *pt)
{
	if (!pt->fmt)
		return;	/* never initialised */
	free_level(pt, pt->root_pa, pt->fmt->levels - 1);
	pt->root_pa = 0;
}

/*
 * [start, start + size) is granule-aligned, not empty, does not wrap past
 * 2^64 and lies below 2^bits.
 */
static bool range_ok(const struct invt_pt_fmt *fmt, uint64_t start, uint64_t size,
		     unsigned int bits)
{
	uint64_t last;

	if (!size || ((start | size) & (pt_lvl_size(fmt, 0) - 1)))
		return false;
	last = start + size - 1;
	if (last < start)
		return false;
	return bits >= 64 || !(last >> bits);
}

/* ---- map ---- */

/**
 * struct map_ctx - one map call.
 * @fmt: the format.
 * @ops: the memory.
 * @prot: permissions of every leaf.
 * @nr_new: table pages the map needs (counted by map_check()).
 * @pool: preallocated table pages, chained through their entry 0 while
 *	they are private to this call; the head is the last one allocated.
 * @nr_pool: pages in @pool.
 */
struct map_ctx {
	const struct invt_pt_fmt *fmt;
	struct invt_pt_ops *ops;
	unsigned int prot;
	size_t nr_new;
	uint64_t pool;
	size_t nr_pool;
};

/* The piece [iova, next) at @lvl becomes one leaf. */
static bool leaf_fits(const struct invt_pt_fmt *fmt, unsigned int lvl, uint64_t iova,
		      uint64_t next, uint64_t pa)
{
	uint64_t size = pt_lvl_size(fmt, lvl);

	return (fmt->leaf_levels & (1u << lvl)) && !((iova | pa) & (size - 1)) &&
	       next - iova == size;
}

/* Table pages needed to map [iova, end) into a new, empty table at @lvl. */
static size_t count_new(const struct invt_pt_fmt *fmt, unsigned int lvl, uint64_t iova,
			uint64_t end, uint64_t pa)
{
	size_t n = 1;

	while (iova < end) {
		uint64_t next = pt_piece_end(fmt, iova, end, lvl);

		/* Level 0 always fits: granule-aligned pieces, leaf_levels bit 0. */
		if (lvl > 0 && !leaf_fits(fmt, lvl, iova, next, pa))
			n += count_new(fmt, lvl - 1, iova, next, pa);
		pa += next - iova;
		iova = next;
	}
	return n;
}

/* Pass 1, read-only: -EEXIST if anything in the range is mapped; count tables. */
static int map_check(struct map_ctx *c, uint64_t table_pa, unsigned int lvl, uint64_t iova,
		     uint64_t end, uint64_t pa)
{
	const struct invt_pt_fmt *fmt = c->fmt;
	int ret;

	while (iova < end) {
		uint64_t next = pt_piece_end(fmt, iova, end, lvl);
		uint64_t pte = pte_get(pt_entry(c->ops, fmt, table_pa, pt_index(fmt, iova, lvl)));
		bool leaf = leaf_fits(fmt, lvl, iova, next, pa);

		if (fmt->is_present(fmt, pte, lvl)) {
			/*
			 * A leaf overlaps.  A table where a leaf would go holds a
			 * mapping too: unmap never leaves an empty table linked.
			 */
			if (leaf || lvl == 0 || !fmt->is_table(fmt, pte, lvl))
				return -EEXIST;
			ret = map_check(c, fmt->oa(fmt, pte, lvl), lvl - 1, iova, next, pa);
			if (ret)
				return ret;
		} else if (!leaf) {
			c->nr_new += count_new(fmt, lvl - 1, iova, next, pa);
		}
		pa += next - iova;
		iova = next;
	}
	return 0;
}

static void pool_drain(struct map_ctx *c)
{
	while (c->nr_pool) {
		uint64_t *tbl = table_va(c->ops, c->pool);
		uint64_t pa = c->pool;

		c->pool = pte_get(&tbl[0]);
		c->nr_pool--;
		c->ops->free_table(c->ops, pa);
	}
}

/* Allocate every table page the map needs, or none. */
static int pool_fill(struct map_ctx *c)
{
	while (c->nr_pool < c->nr_new) {
		uint64_t pa;
		int ret = c->ops->alloc_table(c->ops, &pa);

		if (ret) {
			pool_drain(c);
			return ret < 0 ? ret : -ENOMEM;
		}
		/* The page is private until linked: no ordering needed. */
		__atomic_store_n(&table_va(c->ops, pa)[0], c->pool, __ATOMIC_RELAXED);
		c->pool = pa;
		c->nr_pool++;
	}
	return 0;
}

/* Take a page from the pool and make it all zero again. */
static uint64_t pool_take(struct map_ctx *c)
{
	uint64_t pa = c->pool;
	uint64_t *tbl = table_va(c->ops, pa);

	c->pool = pte_get(&tbl[0]);
	c->nr_pool--;
	/* Ordered before the page's publication by pte_set_table()'s release. */
	__atomic_store_n(&tbl[0], 0, __ATOMIC_RELAXED);
	return pa;
}

/* Pass 2: write the entries.  Cannot fail: map_check() saw this very state. */
static void map_commit(struct map_ctx *c, uint64_t table_pa, unsigned int lvl, uint64_t iova,
		       uint64_t end, uint64_t pa)
{
	const struct invt_pt_fmt *fmt = c->fmt;

	while (iova < end) {
		uint64_t next = pt_piece_end(fmt, iova, end, lvl);
		uint64_t *ptep = pt_entry(c->ops, fmt, table_pa, pt_index(fmt, iova, lvl));

		if (leaf_fits(fmt, lvl, iova, next, pa)) {
			pte_set_leaf(ptep, fmt->make_leaf(fmt, pa, lvl, c->prot));
		} else {
			uint64_t pte = pte_get(ptep);

			if (!fmt->is_present(fmt, pte, lvl)) {
				pte = fmt->make_table(fmt, pool_take(c), lvl);
				pte_set_table(ptep, pte);
			}
			map_commit(c, fmt->oa(fmt, pte, lvl), lvl - 1, iova, next, pa);
		}
		pa += next - iova;
		iova = next;
	}
}

int invt_pt_map(struct invt_pt *pt, uint64_t iova, uint64_t pa, uint64_t size,
		unsigned int prot)
{
	const struct invt_pt_fmt *fmt = pt->fmt;
	struct map_ctx c = { .fmt = fmt, .ops = pt->ops, .prot = prot };
	unsigned int top = fmt->levels - 1;
	int ret;

	if (!range_ok(fmt, iova, size, fmt->va_bits) || !range_ok(fmt, pa, size, fmt->oa_bits))
		return -EINVAL;
	if ((prot & ~INVT_PT_PROT_MASK) || !(fmt->prot_ok & (1u << prot)))
		return -EINVAL;
	ret = map_check(&c, pt->root_pa, top, iova, iova + size, pa);
	if (ret)
		return ret;
	ret = pool_fill(&c);
	if (ret)
		return ret;
	map_commit(&c, pt->root_pa, top, iova, iova + size, pa);
	return 0;
}

/* ---- CPU-side lookup ---- */

/*
 * The entry that maps @iova: a present non-table entry, at *@lvl.  Loads are
 * acquire so that lookups may run concurrently with map (see the top).
 */
static bool find_leaf(const struct invt_pt *pt, uint64_t iova, unsigned int *lvl,
		      uint64_t *pte)
{
	const struct invt_pt_fmt *fmt = pt->fmt;
	uint64_t table = pt->root_pa;
	unsigned int l;

	if (iova >> fmt->va_bits)
		return false;
	for (l = fmt->levels; l-- > 0;) {
		uint64_t e = pte_get_acquire(pt_entry(pt->ops, fmt, table, pt_index(fmt, iova, l)));

		if (!fmt->is_present(fmt, e, l))
			return false;
		if (l == 0 || !fmt->is_table(fmt, e, l)) {
			*lvl = l;
			*pte = e;
			return true;
		}
		table = fmt->oa(fmt, e, l);
	}
	return false;
}

int invt_pt_lookup(const struct invt_pt *pt, uint64_t iova, uint64_t *pa, uint64_t *leaf_size)
{
	const struct invt_pt_fmt *fmt = pt->fmt;
	unsigned int lvl;
	uint64_t pte, size;

	if (!find_leaf(pt, iova, &lvl, &pte))
		return -ENOENT;
	size = pt_lvl_size(fmt, lvl);
	*pa = (fmt->oa(fmt, pte, lvl) & ~(size - 1)) | (iova & (size - 1));
	if (leaf_size)
		*leaf_size = size;
	return 0;
}

/* ---- unmap ---- */

/*
 * A leaf holds @addr and @boundary (an end of the range, @addr or just past
 * it) is not one of the leaf's edges: the range would cut the leaf.
 */
static bool leaf_split_at(const struct invt_pt *pt, uint64_t addr, uint64_t boundary)
{
	unsigned int lvl;
	uint64_t pte;

	if (!find_leaf(pt, addr, &lvl, &pte))
		return false;
	return boundary & (pt_lvl_size(pt->fmt, lvl) - 1);
}

struct unmap_ctx {
	const struct invt_pt_fmt *fmt;
	struct invt_pt_ops *ops;
	struct invt_pt_gather *g;
};

/* Leaves of [iova, next) were removed; ranges arrive in increasing order. */
static void gather_leaf(struct invt_pt_gather *g, uint64_t iova, uint64_t next)
{
	if (!g->size)
		g->iova = iova;
	g->size = next - g->iova;
	g->unmapped += next - iova;
}

/* No entry of @page in [@from, @to) is present at @lvl. */
static bool entries_absent(const struct invt_pt_fmt *fmt, const uint64_t *page, unsigned int lvl,
			   unsigned int from, unsigned int to)
{
	unsigned int i;

	if (fmt->present_mask) {
		uint64_t any = 0;

		/*
		 * The mask test inline, eight entries to a test: this scan is
		 * most of an unmap's cost.
		 */
		for (i = from; i + 8 <= to; i += 8) {
			any = pte_get(&page[i]) | pte_get(&page[i + 1]) | pte_get(&page[i + 2]) |
			      pte_get(&page[i + 3]) | pte_get(&page[i + 4]) |
			      pte_get(&page[i + 5]) | pte_get(&page[i + 6]) | pte_get(&page[i + 7]);
			if (any & fmt->present_mask)
				return false;
		}
		for (; i < to; i++)
			any |= pte_get(&page[i]);
		return !(any & fmt->present_mask);
	}
	for (i = from; i < to; i++)
		if (fmt->is_present(fmt, pte_get(&page[i]), lvl))
			return false;
	return true;
}

/* No entry of the table at @table_pa outside [first, last] is present. */
static bool table_empty_outside(const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops,
				uint64_t table_pa, unsigned int lvl, unsigned int first,
				unsigned int last)
{
	unsigned int n = pt_lvl_entries(fmt, lvl), per_page = pt_entries(fmt), start;

	/* Page by page (one table_va() each), around [first, last]. */
	for (start = 0; start < n; start += per_page) {
		const uint64_t *page = pt_entry(ops, fmt, table_pa, start);
		unsigned int end = n - start < per_page ? n - start : per_page;
		unsigned int lo = first > start ? first - start : 0;
		unsigned int hi = last + 1 > start ? last + 1 - start : 0;

		/* Entries [lo, hi) of this page are inside [first, last]. */
		if (lo > end)
			lo = end;
		if (hi > end)
			hi = end;
		if (hi < lo)
			hi = lo;
		if (!entries_absent(fmt, page, lvl, 0, lo) || !entries_absent(fmt, page, lvl, hi, end))
			return false;
	}
	return true;
}

/*
 * Remove the leaves of [iova, end) from the table at @lvl and unlink the
 * tables below it that end up empty.  Every leaf met lies wholly inside the
 * range (checked by invt_pt_unmap() first).  Returns whether this table is
 * empty now.
 */
static bool unmap_level(struct unmap_ctx *c, uint64_t table_pa, unsigned int lvl, uint64_t iova,
			uint64_t end)
{
	const struct invt_pt_fmt *fmt = c->fmt;
	unsigned int first = pt_index(fmt, iova, lvl);
	unsigned int last = pt_index(fmt, end - 1, lvl);
	bool kept = false;

	while (iova < end) {
		uint64_t next = pt_piece_end(fmt, iova, end, lvl);
		uint64_t *ptep = pt_entry(c->ops, fmt, table_pa, pt_index(fmt, iova, lvl));
		uint64_t pte = pte_get(ptep);

		if (!fmt->is_present(fmt, pte, lvl)) {
			/* nothing mapped here */
		} else if (lvl > 0 && fmt->is_table(fmt, pte, lvl)) {
			uint64_t child = fmt->oa(fmt, pte, lvl);

			if (unmap_level(c, child, lvl - 1, iova, next)) {
				pte_clear(ptep);
				c->g->leaf_only = false;
				c->g->nr_tables++;
				c->g->table_unlinked(c->g, child);
			} else {
				kept = true;
			}
		} else {
			pte_clear(ptep);
			gather_leaf(c->g, iova, next);
		}
		iova = next;
	}
	return !kept && table_empty_outside(fmt, c->ops, table_pa, lvl, first, last);
}

int invt_pt_unmap(struct invt_pt *pt, uint64_t iova, uint64_t size,
		  struct invt_pt_gather *gather)
{
	const struct invt_pt_fmt *fmt = pt->fmt;
	struct unmap_ctx c = { .fmt = fmt, .ops = pt->ops, .g = gather };
	uint64_t end = iova + size;

	if (!gather || !gather->table_unlinked || !range_ok(fmt, iova, size, fmt->va_bits))
		return -EINVAL;
	/* Blocks are not split: refuse a leaf that straddles either end. */
	if (leaf_split_at(pt, iova, iova) || leaf_split_at(pt, end - 1, end))
		return -EINVAL;
	gather->iova = 0;
	gather->size = 0;
	gather->unmapped = 0;
	gather->leaf_only = true;
	gather->nr_tables = 0;
	/* The root is never unlinked, empty or not. */
	unmap_level(&c, pt->root_pa, fmt->levels - 1, iova, end);
	return 0;
}

/* ---- hardware-side walk ---- */

/*
 * Every field of @res zero, field by field: GCC turns a memset() of the
 * struct into a string store, slower than these few stores on every walk.
 */
static inline void walk_reset(struct invt_pt_walk *res)
{
	unsigned int i;

	res->fault = INVT_PT_FAULT_NONE;
	res->level = 0;
	res->oa = 0;
	res->size = 0;
	res->prot = 0;
	res->pte = 0;
	res->nr_tables = 0;
	for (i = 0; i < INVT_PT_MAX_LEVELS; i++)
		res->tables[i] = 0;
}

/* is_present(), through @fmt->present_mask when the format has one (see present_mask_ok()). */
static inline bool pte_present(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl)
{
	if (fmt->present_mask)
		return pte & fmt->present_mask;
	return fmt->is_present(fmt, pte, lvl);
}

int invt_pt_hw_walk(const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops, uint64_t root_pa,
		    uint64_t iova, struct invt_pt_walk *res)
{
	return invt_pt_hw_walk_from(fmt, ops, root_pa, fmt->levels - 1, iova, res);
}

int invt_pt_hw_walk_from(const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops,
			 uint64_t table_pa, unsigned int lvl, uint64_t iova,
			 struct invt_pt_walk *res)
{
	uint64_t table = table_pa;
	uint64_t pte, size;
	enum invt_pt_fault fault;

	walk_reset(res);
	if (lvl >= fmt->levels) {
		res->fault = INVT_PT_FAULT_RANGE;
		return -EINVAL;
	}
	res->level = lvl;
	if (iova >> fmt->va_bits) {
		res->fault = INVT_PT_FAULT_RANGE;
		return -EFAULT;
	}
	for (;;) {
		res->tables[res->nr_tables++] = table;
		/*
		 * Acquire pairs with the release store that wrote the entry: a
		 * table's zeroed contents, or the mapper's writes before a leaf.
		 */
		pte = pte_get_acquire(pt_entry(ops, fmt, table, pt_index(fmt, iova, lvl)));
		res->level = lvl;
		res->pte = pte;
		if (!pte_present(fmt, pte, lvl)) {
			res->fault = INVT_PT_FAULT_TRANSLATION;
			return -EFAULT;
		}
		if (lvl == 0 || !fmt->is_table(fmt, pte, lvl))
			break;
		table = fmt->oa(fmt, pte, lvl);
		lvl--;
	}
	if (!fmt->is_leaf(fmt, pte, lvl)) {
		res->fault = INVT_PT_FAULT_TRANSLATION;
		return -EFAULT;
	}
	fault = fmt->leaf_fault ? fmt->leaf_fault(fmt, pte, lvl) : INVT_PT_FAULT_NONE;
	if (fault != INVT_PT_FAULT_NONE) {
		res->fault = fault;
		return -EFAULT;
	}
	size = pt_lvl_size(fmt, lvl);
	res->size = size;
	res->oa = (fmt->oa(fmt, pte, lvl) & ~(size - 1)) | (iova & (size - 1));
	res->prot = fmt->leaf_prot(fmt, pte, lvl);
	return 0;
}
