/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * alloc-fail.h - fail every allocation of a driver operation, one at a time.
 *
 * Shared by tests/unit/test_alloc_fail_*.c.  A driver allocates three kinds
 * of memory, each injectable:
 *  - heap (invt_zalloc*(): tag bitmaps, arrays, queue bookkeeping), failed
 *    with invt_fault_inject();
 *  - DMA memory for its tables and queues (struct invt_dma_ops), given here
 *    by struct af_dma over the model's memory, which counts the calls and
 *    fails the one asked for;
 *  - page-table pages (struct invt_pt_ops), by struct af_pt, likewise.
 *
 * af_enumerate() fails the 1st, 2nd, ... allocation of each kind an
 * operation makes, from the same prepared state each time, until the
 * operation no longer reaches the armed one (so first uses are found: a
 * table allocated on first use is still missing after a failure that
 * changed nothing): the operation must return -ENOMEM (or succeed, for an allocation
 * the code documents as optional) and leave what struct af_watch names
 * byte-for-byte as it was: the DMA memory the driver holds (its stream / CD,
 * context / PASID or DDT / PDT tables; queue memory excepted), and for each
 * watched domain its array's live entries, its tag bindings, its
 * attachment count and its children (nested domains and viommus pinning a
 * parent), each watched tag space's bitmap, and what the test's own
 * snapshot adds (struct af_watch.extra: e.g. a vdevice's pins).  Each
 * enumeration's count of sites per kind is checked against the count the
 * test expects (so a new or vanished allocation fails it).  Leaks are for
 * AddressSanitizer (make asan runs the unit suite with detect_leaks=1) and
 * for the DMA and page-table live counts, checked here.
 */
#ifndef INVTRACK_TESTS_ALLOC_FAIL_H
#define INVTRACK_TESTS_ALLOC_FAIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/drv-common.h>
#include <invtrack/fault.h>
#include <invtrack/invs.h>
#include <invtrack/model/mem.h>

#define AF_MAX_BLOCKS	256
#define AF_MAX_WATCH	16

/* ------------------------------------------------------------ DMA memory */

struct af_block {
	void *va;
	uint64_t pa;
	size_t bytes;
};

struct af_dma {
	struct invt_dma_ops ops;
	struct invt_mem *mem;
	unsigned long calls;
	unsigned long fail_at;		/* the fail_at-th call fails; 0: never */
	bool fired;			/* the armed failure happened */
	long live;
	struct af_block blk[AF_MAX_BLOCKS];
	unsigned int nr;
	const void *skip[AF_MAX_WATCH];	/* queue memory: changes with every command */
	unsigned int nr_skip;
};

static size_t af_frames(size_t bytes)
{
	return bytes < 4096 ? 1 : bytes / 4096;
}

static void *af_dma_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct af_dma *d = arg;

	if (++d->calls == d->fail_at) {
		d->fired = true;
		return NULL;
	}
	if (d->nr == AF_MAX_BLOCKS ||
	    invt_mem_alloc_contig(d->mem, af_frames(bytes), INVT_FRAME_OTHER, 0, 0, pa))
		return NULL;
	d->blk[d->nr++] = (struct af_block){ invt_mem_va(d->mem, *pa), *pa, bytes };
	d->live++;
	return invt_mem_va(d->mem, *pa);
}

static void af_dma_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct af_dma *d = arg;
	unsigned int i;

	for (i = 0; i < d->nr; i++)
		if (d->blk[i].pa == pa)
			break;
	assert_true(i < d->nr);
	assert_int_equal(d->blk[i].bytes, bytes);
	d->blk[i] = d->blk[--d->nr];
	assert_int_equal(invt_mem_free_contig(d->mem, pa, af_frames(bytes)), 0);
	d->live--;
}

static void af_dma_init(struct af_dma *d, struct invt_mem *mem)
{
	memset(d, 0, sizeof(*d));
	d->ops = (struct invt_dma_ops){ af_dma_alloc, af_dma_free, d };
	d->mem = mem;
}

/* ------------------------------------------------------- page-table pages */

struct af_pt {
	struct invt_pt_ops ops;		/* first: the callbacks get &ops */
	struct invt_mem_pt_ops inner;
	unsigned long calls;
	unsigned long fail_at;
	bool fired;
	long live;
};

static int af_pt_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	struct af_pt *p = (struct af_pt *)ops;
	int ret;

	if (++p->calls == p->fail_at) {
		p->fired = true;
		return -ENOMEM;
	}
	ret = p->inner.ops.alloc_table(&p->inner.ops, pa);
	p->live += !ret;
	return ret;
}

static void af_pt_free(struct invt_pt_ops *ops, uint64_t pa)
{
	struct af_pt *p = (struct af_pt *)ops;

	p->inner.ops.free_table(&p->inner.ops, pa);
	p->live--;
}

static uint64_t *af_pt_va(struct invt_pt_ops *ops, uint64_t pa)
{
	struct af_pt *p = (struct af_pt *)ops;

	return p->inner.ops.table_va(&p->inner.ops, pa);
}

/* A multi-page root (RISC-V Sv48x4: 16 KiB): one allocation too. */
static int af_pt_alloc_root(struct invt_pt_ops *ops, unsigned int pages, uint64_t *pa)
{
	struct af_pt *p = (struct af_pt *)ops;
	int ret;

	if (++p->calls == p->fail_at) {
		p->fired = true;
		return -ENOMEM;
	}
	ret = p->inner.ops.alloc_root(&p->inner.ops, pages, pa);
	p->live += !ret;
	return ret;
}

static void af_pt_free_root(struct invt_pt_ops *ops, uint64_t pa, unsigned int pages)
{
	struct af_pt *p = (struct af_pt *)ops;

	p->inner.ops.free_root(&p->inner.ops, pa, pages);
	p->live--;
}

static void af_pt_init(struct af_pt *p, struct invt_mem *mem, uint32_t domain)
{
	memset(p, 0, sizeof(*p));
	invt_mem_pt_ops_init(&p->inner, mem, domain);
	p->ops = (struct invt_pt_ops){ .alloc_table = af_pt_alloc, .free_table = af_pt_free,
				       .table_va = af_pt_va };
	if (p->inner.ops.alloc_root) {
		p->ops.alloc_root = af_pt_alloc_root;
		p->ops.free_root = af_pt_free_root;
	}
}

/* -------------------------------------------------------------- snapshots */

struct af_snap;

/* What a failed operation must leave as it was. */
struct af_watch {
	struct af_dma *dma;
	const void *region[AF_MAX_WATCH];	/* e.g. a register file */
	size_t region_len[AF_MAX_WATCH];
	const char *region_name[AF_MAX_WATCH];
	unsigned int nr_region;
	struct af_pt *pt[AF_MAX_WATCH];
	unsigned int nr_pt;
	struct invt_domain *dom[AF_MAX_WATCH];
	unsigned int nr_dom;
	struct invt_tag_space *ts[AF_MAX_WATCH];
	unsigned int nr_ts;
	void (*extra)(struct af_snap *s);	/* optional: more state to compare */
};

struct af_snap {
	uint8_t *buf;
	size_t len, cap;
	size_t part_at[4 * AF_MAX_WATCH + AF_MAX_BLOCKS + 4];
	const char *part[4 * AF_MAX_WATCH + AF_MAX_BLOCKS + 4];
	unsigned int nr_part;
};

static void af_put(struct af_snap *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void af_part(struct af_snap *s, const char *name)
{
	assert_true(s->nr_part < sizeof(s->part) / sizeof(s->part[0]));
	s->part_at[s->nr_part] = s->len;
	s->part[s->nr_part++] = name;
}

static bool af_skipped(const struct af_dma *d, const void *va)
{
	unsigned int i;

	for (i = 0; i < d->nr_skip; i++)
		if (d->skip[i] == va)
			return true;
	return false;
}

static void af_take(const struct af_watch *w, struct af_snap *s)
{
	const struct af_dma *d = w->dma;
	unsigned int i, k;
	size_t words;

	memset(s, 0, sizeof(*s));
	af_part(s, "DMA memory held");
	af_put(s, &d->live, sizeof(d->live));
	/* In address order, so that the order of the list does not matter. */
	for (k = 0; k < d->nr; k++) {
		const struct af_block *b = NULL;

		for (i = 0; i < d->nr; i++) {
			unsigned int j, below = 0;

			for (j = 0; j < d->nr; j++)
				below += d->blk[j].pa < d->blk[i].pa;
			if (below == k)
				b = &d->blk[i];
		}
		assert_non_null(b);
		af_part(s, "a DMA table (pa, size, contents)");
		af_put(s, &b->pa, sizeof(b->pa));
		af_put(s, &b->bytes, sizeof(b->bytes));
		if (!af_skipped(d, b->va))
			af_put(s, b->va, b->bytes);
	}
	for (i = 0; i < w->nr_region; i++) {
		af_part(s, w->region_name[i]);
		af_put(s, w->region[i], w->region_len[i]);
	}
	for (i = 0; i < w->nr_pt; i++) {
		af_part(s, "page-table pages held");
		af_put(s, &w->pt[i]->live, sizeof(w->pt[i]->live));
	}
	for (i = 0; i < w->nr_dom; i++) {
		const struct invt_domain *dom = w->dom[i];
		const struct invt_invs *invs = dom->invs;

		af_part(s, "a domain's attachment count, children and tag bindings");
		af_put(s, &dom->nr_attached, sizeof(dom->nr_attached));
		af_put(s, &dom->nr_children, sizeof(dom->nr_children));
		af_put(s, &dom->nr_bindings, sizeof(dom->nr_bindings));
		for (k = 0; k < dom->nr_bindings; k++)
			af_put(s, &dom->bindings[k], sizeof(dom->bindings[k]));
		af_part(s, "a domain's array (live entries)");
		for (k = 0; invs && k < invs->num_invs; k++) {
			const struct invt_inv *e = &invs->inv[k];

			if (!e->users)
				continue;
			af_put(s, &e->iommu, sizeof(e->iommu));
			af_put(s, &e->type, sizeof(e->type));
			af_put(s, &e->id, sizeof(e->id));
			af_put(s, &e->ssid, sizeof(e->ssid));
			af_put(s, &e->users, sizeof(e->users));
		}
	}
	for (i = 0; i < w->nr_ts; i++) {
		const struct invt_tag_space *ts = w->ts[i];

		af_part(s, "a tag space's bitmap");
		words = ((size_t)ts->max - ts->min) / (8 * sizeof(unsigned long)) + 1;
		if (ts->bitmap)
			af_put(s, ts->bitmap, words * sizeof(unsigned long));
	}
	if (w->extra)
		w->extra(s);
}

/* @after equals @before, or the test fails naming the part that differs. */
static void af_compare(const struct af_snap *before, const struct af_snap *after,
		       const char *what, const char *kind, unsigned long site)
{
	size_t n = before->len < after->len ? before->len : after->len, at;
	unsigned int p;

	if (before->len == after->len && !memcmp(before->buf, after->buf, n))
		return;
	for (at = 0; at < n && before->buf[at] == after->buf[at]; at++)
		;
	for (p = 0; p + 1 < before->nr_part && before->part_at[p + 1] <= at; p++)
		;
	fail_msg("%s, %s allocation %lu failed: %s changed (its byte %zu: %#x, now %#x; "
		 "snapshot %zu bytes, now %zu)", what, kind, site,
		 before->nr_part ? before->part[p] : "?",
		 at - (before->nr_part ? before->part_at[p] : 0),
		 at < before->len ? before->buf[at] : 0, at < after->len ? after->buf[at] : 0,
		 before->len, after->len);
}

static void af_free_snap(struct af_snap *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* ------------------------------------------------------------ enumeration */

typedef int (*af_op_t)(void *arg);

enum af_kind { AF_HEAP, AF_DMA, AF_PT, AF_NR_KINDS };

static const char *const af_kind_name[AF_NR_KINDS] = { "heap", "DMA", "page-table" };

/* Arm the @site-th allocation of @kind from now; 0 disarms every kind. */
static void af_arm(const struct af_watch *w, enum af_kind kind, unsigned long site)
{
	unsigned int i;

	invt_fault_inject(kind == AF_HEAP ? (unsigned int)site : 0);
	w->dma->fail_at = kind == AF_DMA && site ? w->dma->calls + site : 0;
	w->dma->fired = false;
	for (i = 0; i < w->nr_pt; i++) {
		w->pt[i]->fail_at = 0;
		w->pt[i]->fired = false;
	}
	/* Page-table pages: of the one watched domain that allocates them. */
	if (kind == AF_PT && site && w->nr_pt) {
		assert_true(w->nr_pt == 1);
		w->pt[0]->fail_at = w->pt[0]->calls + site;
	}
}

static bool af_fired(const struct af_watch *w, enum af_kind kind)
{
	switch (kind) {
	case AF_HEAP:
		return !invt_fault_pending();
	case AF_DMA:
		return w->dma->fired;
	default:
		return w->nr_pt && w->pt[0]->fired;
	}
}

/*
 * Fail the allocations of @op one at a time, every kind, from the state
 * @prepare builds: the 1st, 2nd, ... allocation of a kind, until @op runs
 * through without reaching the armed one (so the sites are found by
 * failing them, first uses included: a table allocated on first use is
 * still missing after a failure that changed nothing).  Each failure must
 * return -ENOMEM and change nothing watched.  @cleanup undoes a successful
 * @op and @prepare; every call returns 0 on success.  @expect, when not
 * NULL, is the number of sites of each kind the test expects (heap, DMA,
 * page-table): a count that differs fails the test.  Returns the number
 * of sites.
 */
static unsigned long af_enumerate(const struct af_watch *w, const char *what, af_op_t prepare,
				  af_op_t op, af_op_t cleanup, void *arg,
				  const unsigned long *expect)
{
	unsigned long sites[AF_NR_KINDS] = { 0 }, k, optional = 0, total = 0;
	struct af_snap s0, s1;
	bool fired;
	int kind, ret;

	for (kind = 0; kind < AF_NR_KINDS; kind++) {
		assert_int_equal(prepare(arg), 0);
		af_take(w, &s0);
		for (k = 1;; k++) {
			if (k > 1000)
				fail_msg("%s: more than 1000 %s allocations", what,
					 af_kind_name[kind]);
			af_arm(w, kind, k);
			ret = op(arg);
			fired = af_fired(w, kind);
			af_arm(w, kind, 0);
			if (!fired) {
				if (ret)
					fail_msg("%s: %d without an injected failure", what, ret);
				break;
			}
			sites[kind]++;
			if (!ret) {
				/* An allocation the operation can do without. */
				optional++;
				assert_int_equal(cleanup(arg), 0);
				assert_int_equal(prepare(arg), 0);
				af_free_snap(&s0);
				af_take(w, &s0);
				continue;
			}
			if (ret != -ENOMEM)
				fail_msg("%s, %s allocation %lu failed: %d, not -ENOMEM", what,
					 af_kind_name[kind], k, ret);
			af_take(w, &s1);
			af_compare(&s0, &s1, what, af_kind_name[kind], k);
			af_free_snap(&s1);
		}
		af_free_snap(&s0);
		assert_int_equal(cleanup(arg), 0);
		total += sites[kind];
	}
	printf("%s: %lu heap, %lu DMA, %lu page-table allocation sites, each failed: "
	       "-ENOMEM and nothing changed (%lu optional)\n", what, sites[AF_HEAP], sites[AF_DMA],
	       sites[AF_PT], optional);
	for (kind = 0; expect && kind < AF_NR_KINDS; kind++)
		if (sites[kind] != expect[kind])
			fail_msg("%s: %lu %s allocation sites, %lu expected", what, sites[kind],
				 af_kind_name[kind], expect[kind]);
	return total;
}

#endif /* INVTRACK_TESTS_ALLOC_FAIL_H */
