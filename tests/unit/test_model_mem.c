// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_mem.c - the model's simulated physical memory: frames, owners,
 * generations, fault injection, chains, and src/pt running on it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/mem.h>
#include <invtrack/pt.h>

#define BASE UINT64_C(0x80000000)
#define SZ_4K UINT64_C(0x1000)
#define SZ_2M UINT64_C(0x200000)
#define RW (INVT_PT_READ | INVT_PT_WRITE)

static struct invt_mem *mk(size_t nr, uint64_t base, uint8_t poison)
{
	struct invt_mem_config cfg = { .base = base, .nr_frames = nr, .poison = poison };
	struct invt_mem *mem = NULL;

	assert_int_equal(invt_mem_create(&cfg, &mem), 0);
	assert_non_null(mem);
	return mem;
}

static uint64_t alloc_ok(struct invt_mem *mem, enum invt_frame_state st, uint32_t dom,
			 uint64_t iova)
{
	uint64_t pa = 0;

	assert_int_equal(invt_mem_alloc(mem, st, dom, iova, &pa), 0);
	return pa;
}

static struct invt_mem_stats stats(struct invt_mem *mem)
{
	struct invt_mem_stats st;

	invt_mem_stats(mem, &st);
	return st;
}

static struct invt_frame_info info(struct invt_mem *mem, uint64_t pa)
{
	struct invt_frame_info fi;

	assert_int_equal(invt_mem_info(mem, pa, &fi), 0);
	return fi;
}

/* ---- creation ---- */

static void test_create(void **state)
{
	struct invt_mem_config cfg = { .nr_frames = 4 };
	struct invt_mem *mem = NULL;

	(void)state;
	assert_int_equal(invt_mem_create(&cfg, &mem), 0);
	assert_int_equal(invt_mem_base(mem), INVT_MEM_DEFAULT_BASE);
	assert_int_equal(invt_mem_nr_frames(mem), 4);
	assert_int_equal(stats(mem).nr_free, 4);
	invt_mem_destroy(mem);

	cfg.nr_frames = 0;
	assert_int_equal(invt_mem_create(&cfg, &mem), -EINVAL);
	cfg.nr_frames = 4;
	cfg.base = BASE + 8;
	assert_int_equal(invt_mem_create(&cfg, &mem), -EINVAL);
	/* four frames from 2^64 - 12 KiB would end past 2^64 */
	cfg.base = UINT64_MAX - 3 * SZ_4K + 1;
	assert_int_equal(invt_mem_create(&cfg, &mem), -EINVAL);
	cfg.base = UINT64_MAX - 4 * SZ_4K + 1;
	assert_int_equal(invt_mem_create(&cfg, &mem), 0);
	assert_non_null(invt_mem_va(mem, UINT64_MAX - 7));
	invt_mem_destroy(mem);
	invt_mem_destroy(NULL);
}

/* ---- allocation, free, LIFO reuse, bad frees ---- */

static void test_alloc_free(void **state)
{
	struct invt_mem *mem = mk(4, BASE, 0x5a);
	struct invt_mem_stats st;
	struct invt_frame_info fi;
	uint64_t a, b, c, *p;
	unsigned int k;

	(void)state;
	a = alloc_ok(mem, INVT_FRAME_OTHER, 9, 0);
	b = alloc_ok(mem, INVT_FRAME_TABLE, 3, 0);
	c = alloc_ok(mem, INVT_FRAME_DATA, 3, 0x7000);
	assert_int_equal(a, BASE);
	assert_int_equal(b, BASE + SZ_4K);
	assert_int_equal(c, BASE + 2 * SZ_4K);

	/* fresh frames are zero, whatever the creation poison */
	p = invt_mem_va(mem, b);
	for (k = 0; k < 512; k++)
		assert_int_equal(p[k], 0);

	fi = info(mem, a);
	assert_int_equal(fi.state, INVT_FRAME_OTHER);
	assert_int_equal(fi.domain, INVT_MEM_NO_DOMAIN);
	fi = info(mem, b + 0x123);	/* any address in the frame */
	assert_int_equal(fi.state, INVT_FRAME_TABLE);
	assert_int_equal(fi.domain, 3);
	assert_int_equal(fi.iova, 0);
	fi = info(mem, c);
	assert_int_equal(fi.state, INVT_FRAME_DATA);
	assert_int_equal(fi.domain, 3);
	assert_int_equal(fi.iova, 0x7000);
	assert_int_equal(fi.gen, 0);
	assert_int_equal(fi.alloc_time, 3);
	assert_int_equal(fi.free_time, 0);

	st = stats(mem);
	assert_int_equal(st.nr_free, 1);
	assert_int_equal(st.nr_table, 1);
	assert_int_equal(st.nr_data, 1);
	assert_int_equal(st.nr_other, 1);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.frees, 0);

	/* free b: generation 1, poisoned, first in line for reuse */
	assert_int_equal(invt_mem_free(mem, b), 0);
	fi = info(mem, b);
	assert_int_equal(fi.state, INVT_FRAME_FREE);
	assert_int_equal(fi.domain, INVT_MEM_NO_DOMAIN);
	assert_int_equal(fi.gen, 1);
	assert_int_equal(fi.free_time, 4);
	assert_int_equal(invt_mem_now(mem), 4);
	for (k = 0; k < 512; k++)
		assert_int_equal(p[k], UINT64_C(0x5a5a5a5a5a5a5a5a));
	assert_int_equal(alloc_ok(mem, INVT_FRAME_DATA, 4, 0x1000), b);
	assert_int_equal(p[0], 0);
	assert_int_equal(info(mem, b).gen, 1);

	/* bad frees: double, unaligned, outside, below the base */
	assert_int_equal(invt_mem_free(mem, a), 0);
	assert_int_equal(invt_mem_free(mem, a), -EINVAL);
	assert_int_equal(invt_mem_free(mem, c + 8), -EINVAL);
	assert_int_equal(invt_mem_free(mem, BASE + 4 * SZ_4K), -EINVAL);
	assert_int_equal(invt_mem_free(mem, BASE - SZ_4K), -EINVAL);
	assert_int_equal(invt_mem_info(mem, BASE + 4 * SZ_4K, &fi), -EINVAL);
	assert_int_equal(info(mem, a).gen, 1);
	st = stats(mem);
	assert_int_equal(st.bad_frees, 4);
	assert_int_equal(st.frees, 2);
	assert_int_equal(st.allocs, 4);

	/* bad allocation arguments */
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_FREE, 1, 0, &a), -EINVAL);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_DATA, 1, 0x1001, &a), -EINVAL);
	assert_int_equal(invt_mem_alloc(mem, (enum invt_frame_state)7, 1, 0, &a), -EINVAL);
	assert_int_equal(stats(mem).failed, 0);
	invt_mem_destroy(mem);
}

static void test_exhaustion(void **state)
{
	struct invt_mem *mem = mk(8, BASE, 0);
	uint64_t pa[8], x;
	unsigned int i;

	(void)state;
	for (i = 0; i < 8; i++)
		pa[i] = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_TABLE, 1, 0, &x), -ENOMEM);
	assert_int_equal(stats(mem).failed, 2);
	assert_int_equal(stats(mem).injected, 0);
	assert_int_equal(stats(mem).nr_free, 0);
	assert_int_equal(invt_mem_free(mem, pa[5]), 0);
	assert_int_equal(invt_mem_free(mem, pa[2]), 0);
	/* LIFO: the frame freed last comes back first */
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), pa[2]);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), pa[5]);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	invt_mem_destroy(mem);
}

static void test_fault_injection(void **state)
{
	struct invt_mem *mem = mk(16, BASE, 0);
	struct invt_mem_stats st;
	uint64_t x;

	(void)state;
	invt_mem_fail_nth(mem, 3);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), 0);	/* disarmed */
	st = stats(mem);
	assert_int_equal(st.allocs, 3);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.injected, 1);
	assert_int_equal(st.nr_free, 13);

	/* disarm before firing */
	invt_mem_fail_nth(mem, 1);
	invt_mem_fail_nth(mem, 0);
	assert_int_equal(invt_mem_alloc(mem, INVT_FRAME_OTHER, 0, 0, &x), 0);

	/* a contiguous allocation is one call */
	invt_mem_fail_nth(mem, 1);
	assert_int_equal(invt_mem_alloc_contig(mem, 4, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	assert_int_equal(invt_mem_alloc_contig(mem, 4, INVT_FRAME_OTHER, 0, 0, &x), 0);
	st = stats(mem);
	assert_int_equal(st.injected, 2);
	assert_int_equal(st.nr_free, 8);
	invt_mem_destroy(mem);
}

/* ---- ownership, generations, references ---- */

static void test_generation_and_refs(void **state)
{
	struct invt_mem *mem = mk(4, BASE, 0);
	struct invt_frame_ref r, r2, rfree, bad;
	struct invt_frame_info now;
	uint64_t pa, pa2;

	(void)state;
	pa = alloc_ok(mem, INVT_FRAME_DATA, 7, 0x5000);
	assert_int_equal(invt_mem_ref(mem, pa + 0x10, &r), 0);
	assert_int_equal(r.pa, pa);
	assert_int_equal(r.state, INVT_FRAME_DATA);
	assert_int_equal(r.domain, 7);
	assert_int_equal(r.iova, 0x5000);
	assert_int_equal(r.gen, 0);
	assert_int_equal(invt_mem_check(mem, &r, NULL), INVT_MEM_LIVE);

	/* owner changed without a free */
	assert_int_equal(invt_mem_set_owner(mem, pa, INVT_FRAME_DATA, 7, 0x6000), 0);
	assert_int_equal(invt_mem_check(mem, &r, &now), INVT_MEM_CHANGED);
	assert_int_equal(now.iova, 0x6000);
	assert_int_equal(now.gen, 0);
	assert_int_equal(invt_mem_ref(mem, pa, &r), 0);
	assert_int_equal(invt_mem_check(mem, &r, NULL), INVT_MEM_LIVE);

	/* freed: FREED, with the time of the free */
	assert_int_equal(invt_mem_free(mem, pa), 0);	/* event 2 */
	assert_int_equal(invt_mem_check(mem, &r, &now), INVT_MEM_FREED);
	assert_int_equal(now.state, INVT_FRAME_FREE);
	assert_int_equal(now.gen, 1);
	assert_int_equal(now.free_time, 2);

	/* a reference to a free frame (walk through a dangling entry) */
	assert_int_equal(invt_mem_ref(mem, pa, &rfree), 0);
	assert_int_equal(rfree.state, INVT_FRAME_FREE);
	assert_int_equal(rfree.gen, 1);
	assert_int_equal(invt_mem_check(mem, &rfree, NULL), INVT_MEM_LIVE);

	/* reallocated to another owner: REUSED; the free-frame ref: CHANGED */
	pa2 = alloc_ok(mem, INVT_FRAME_DATA, 8, 0x5000);
	assert_int_equal(pa2, pa);
	assert_int_equal(invt_mem_check(mem, &r, &now), INVT_MEM_REUSED);
	assert_int_equal(now.domain, 8);
	assert_int_equal(now.alloc_time, 3);
	assert_int_equal(now.free_time, 2);
	assert_int_equal(invt_mem_check(mem, &rfree, NULL), INVT_MEM_CHANGED);
	assert_int_equal(invt_mem_ref(mem, pa2, &r2), 0);
	assert_int_equal(r2.gen, 1);

	/* several cycles: the generation counts frees */
	assert_int_equal(invt_mem_free(mem, pa2), 0);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_TABLE, 8, 0), pa);
	assert_int_equal(invt_mem_free(mem, pa), 0);
	assert_int_equal(info(mem, pa).gen, 3);
	assert_int_equal(invt_mem_check(mem, &r2, NULL), INVT_MEM_FREED);

	/* references outside the pool */
	assert_int_equal(invt_mem_ref(mem, BASE + 4 * SZ_4K, &bad), -EINVAL);
	assert_int_equal(invt_mem_check(mem, &bad, &now), INVT_MEM_BAD_REF);
	assert_int_equal(now.gen, 0);
	invt_mem_destroy(mem);
}

static void test_owner_transitions(void **state)
{
	struct invt_mem *mem = mk(4, BASE, 0);
	struct invt_mem_stats st;
	struct invt_frame_info fi;
	uint64_t pa, f;

	(void)state;
	pa = alloc_ok(mem, INVT_FRAME_OTHER, 5, 0x3000);
	fi = info(mem, pa);
	assert_int_equal(fi.domain, INVT_MEM_NO_DOMAIN);	/* OTHER has no owner */
	assert_int_equal(fi.iova, 0);

	/* OTHER -> DATA (a buffer gets mapped) */
	assert_int_equal(invt_mem_set_owner(mem, pa, INVT_FRAME_DATA, 5, 0x3000), 0);
	fi = info(mem, pa);
	assert_int_equal(fi.state, INVT_FRAME_DATA);
	assert_int_equal(fi.domain, 5);
	assert_int_equal(fi.iova, 0x3000);
	st = stats(mem);
	assert_int_equal(st.nr_data, 1);
	assert_int_equal(st.nr_other, 0);

	/* DATA -> TABLE: iova dropped */
	assert_int_equal(invt_mem_set_owner(mem, pa, INVT_FRAME_TABLE, 6, 0x3000), 0);
	fi = info(mem, pa);
	assert_int_equal(fi.state, INVT_FRAME_TABLE);
	assert_int_equal(fi.domain, 6);
	assert_int_equal(fi.iova, 0);
	st = stats(mem);
	assert_int_equal(st.nr_table, 1);
	assert_int_equal(st.nr_data, 0);
	assert_int_equal(fi.gen, 0);

	/* refused: to FREE, unaligned iova, a free frame, outside, unaligned pa */
	assert_int_equal(invt_mem_set_owner(mem, pa, INVT_FRAME_FREE, 0, 0), -EINVAL);
	assert_int_equal(invt_mem_set_owner(mem, pa, INVT_FRAME_DATA, 1, 0x3008), -EINVAL);
	f = BASE + 3 * SZ_4K;
	assert_int_equal(info(mem, f).state, INVT_FRAME_FREE);
	assert_int_equal(invt_mem_set_owner(mem, f, INVT_FRAME_DATA, 1, 0), -EINVAL);
	assert_int_equal(invt_mem_set_owner(mem, BASE + 4 * SZ_4K, INVT_FRAME_DATA, 1, 0),
			 -EINVAL);
	assert_int_equal(invt_mem_set_owner(mem, pa + 8, INVT_FRAME_DATA, 1, 0), -EINVAL);
	assert_int_equal(info(mem, pa).state, INVT_FRAME_TABLE);
	assert_int_equal(stats(mem).nr_free, 3);
	invt_mem_destroy(mem);
}

static uint64_t ten_clock(void *arg)
{
	uint64_t *t = arg;

	return *t += 10;
}

static void test_clock(void **state)
{
	struct invt_mem_config cfg = { .nr_frames = 2, .clock = ten_clock };
	struct invt_mem *mem;
	uint64_t t = 100, a, b;

	(void)state;
	cfg.clock_arg = &t;
	assert_int_equal(invt_mem_create(&cfg, &mem), 0);
	a = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	b = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	assert_int_equal(invt_mem_free(mem, a), 0);
	assert_int_equal(info(mem, a).alloc_time, 110);
	assert_int_equal(info(mem, b).alloc_time, 120);
	assert_int_equal(info(mem, a).free_time, 130);
	assert_int_equal(invt_mem_now(mem), 140);
	invt_mem_destroy(mem);
}

/* ---- contiguous runs ---- */

/*
 * A run is free only when every frame of it is, wherever the pool starts:
 * here 3 frames past a boundary, so that a run of n frames starts at a
 * frame i with (i + 3) % n == 0, across the free map's words.
 */
static void test_contig_runs(void **state)
{
	struct invt_mem *mem = mk(300, BASE + 3 * SZ_4K, 0);
	uint64_t pa[300], x;
	unsigned int i;

	(void)state;
	for (i = 0; i < 300; i++)
		pa[i] = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	for (i = 1; i < 300; i++)
		if (i != 124 && i != 260)
			assert_int_equal(invt_mem_free(mem, pa[i]), 0);
	/* 128: [125, 253); then [253, 381) is past the end */
	assert_int_equal(invt_mem_alloc_contig(mem, 128, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[125]);
	assert_int_equal(invt_mem_alloc_contig(mem, 128, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	/* 64: [61, 125) ends at the used 124, the others are taken or past the end */
	assert_int_equal(invt_mem_alloc_contig(mem, 64, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	assert_int_equal(invt_mem_alloc_contig(mem, 32, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[29]);
	assert_int_equal(invt_mem_alloc_contig(mem, 4, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[1]);
	assert_int_equal(invt_mem_alloc_contig(mem, 8, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[5]);
	assert_int_equal(invt_mem_alloc_contig(mem, 16, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[13]);
	/* frame 0 back: [0, 1) of a one-frame run */
	assert_int_equal(invt_mem_free(mem, pa[0]), 0);
	assert_int_equal(invt_mem_alloc_contig(mem, 1, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, pa[0]);
	invt_mem_destroy(mem);
}

static void test_contig(void **state)
{
	struct invt_mem *mem = mk(1024, BASE, 0);
	struct invt_frame_info fi;
	uint64_t one, blk, x;
	unsigned int i;

	(void)state;
	one = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	assert_int_equal(one, BASE);
	/* frame 0 is taken: the only free 2 MiB-aligned run is the second one */
	assert_int_equal(invt_mem_alloc_contig(mem, 512, INVT_FRAME_DATA, 2, 0x40200000, &blk), 0);
	assert_int_equal(blk, BASE + SZ_2M);
	for (i = 0; i < 512; i += 511) {
		fi = info(mem, blk + i * SZ_4K);
		assert_int_equal(fi.state, INVT_FRAME_DATA);
		assert_int_equal(fi.domain, 2);
		assert_int_equal(fi.iova, 0x40200000 + i * SZ_4K);
	}
	assert_int_equal(stats(mem).nr_data, 512);
	assert_int_equal(stats(mem).allocs, 513);
	assert_int_equal(invt_mem_alloc_contig(mem, 512, INVT_FRAME_DATA, 2, 0, &x), -ENOMEM);
	assert_int_equal(stats(mem).failed, 1);

	/* bad arguments */
	assert_int_equal(invt_mem_alloc_contig(mem, 3, INVT_FRAME_OTHER, 0, 0, &x), -EINVAL);
	assert_int_equal(invt_mem_alloc_contig(mem, 0, INVT_FRAME_OTHER, 0, 0, &x), -EINVAL);
	assert_int_equal(invt_mem_alloc_contig(mem, 2048, INVT_FRAME_OTHER, 0, 0, &x), -EINVAL);
	assert_int_equal(invt_mem_alloc_contig(mem, 2, INVT_FRAME_DATA, 0, 0x1000, &x), -EINVAL);

	/* free_contig checks the whole run before freeing anything */
	assert_int_equal(invt_mem_free(mem, blk + 7 * SZ_4K), 0);
	assert_int_equal(invt_mem_free_contig(mem, blk, 512), -EINVAL);
	assert_int_equal(info(mem, blk).state, INVT_FRAME_DATA);
	assert_int_equal(stats(mem).nr_data, 511);
	assert_int_equal(invt_mem_free_contig(mem, blk, 7), 0);
	assert_int_equal(invt_mem_free_contig(mem, blk + 8 * SZ_4K, 504), 0);
	assert_int_equal(stats(mem).nr_data, 0);
	assert_int_equal(info(mem, blk + 511 * SZ_4K).gen, 1);
	assert_int_equal(invt_mem_free_contig(mem, blk + 1023 * SZ_4K, 2), -EINVAL);

	/* the run is whole again, but single allocations reuse its frames first */
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), blk + 511 * SZ_4K);
	invt_mem_destroy(mem);

	/* an unaligned base: the first 2 MiB-aligned frame is frame 511 */
	mem = mk(1024, BASE + SZ_4K, 0);
	assert_int_equal(invt_mem_alloc_contig(mem, 512, INVT_FRAME_OTHER, 0, 0, &blk), 0);
	assert_int_equal(blk, BASE + SZ_2M);
	assert_int_equal(invt_mem_alloc_contig(mem, 512, INVT_FRAME_OTHER, 0, 0, &x), -ENOMEM);
	assert_int_equal(invt_mem_alloc_contig(mem, 256, INVT_FRAME_OTHER, 0, 0, &x), 0);
	assert_int_equal(x, BASE + SZ_2M / 2);
	invt_mem_destroy(mem);
}

/* ---- hardware-side accessors ---- */

static void test_read_write(void **state)
{
	struct invt_mem *mem = mk(2, BASE, 0);
	uint64_t pa, v = 1;

	(void)state;
	pa = alloc_ok(mem, INVT_FRAME_DATA, 1, 0);
	assert_int_equal(invt_mem_write64(mem, pa + 0x18, UINT64_C(0x1122334455667788)), 0);
	assert_int_equal(invt_mem_read64(mem, pa + 0x18, &v), 0);
	assert_int_equal(v, UINT64_C(0x1122334455667788));
	assert_int_equal(((uint64_t *)invt_mem_va(mem, pa))[3], v);
	assert_int_equal(invt_mem_read64(mem, pa + 4, &v), -EFAULT);
	assert_int_equal(invt_mem_write64(mem, pa + 4, 0), -EFAULT);
	assert_int_equal(invt_mem_read64(mem, BASE + 2 * SZ_4K, &v), -EFAULT);
	assert_int_equal(invt_mem_write64(mem, BASE - 8, 0), -EFAULT);
	assert_null(invt_mem_va(mem, BASE + 2 * SZ_4K));
	assert_null(invt_mem_va(mem, 0));
	/* the last word of the pool */
	assert_int_equal(invt_mem_write64(mem, BASE + 2 * SZ_4K - 8, 5), 0);
	assert_int_equal(invt_mem_read64(mem, BASE + 2 * SZ_4K - 8, &v), 0);
	assert_int_equal(v, 5);
	invt_mem_destroy(mem);
}

/* ---- chains ---- */

static void test_chain(void **state)
{
	struct invt_mem *mem = mk(8, BASE, 0);
	struct invt_mem_chain ch = INVT_MEM_CHAIN_INIT;
	uint64_t a, b, c;

	(void)state;
	a = alloc_ok(mem, INVT_FRAME_TABLE, 1, 0);
	b = alloc_ok(mem, INVT_FRAME_DATA, 1, 0x1000);
	c = alloc_ok(mem, INVT_FRAME_OTHER, 0, 0);
	assert_int_equal(invt_mem_chain_add(mem, &ch, a), 0);
	assert_int_equal(invt_mem_chain_add(mem, &ch, b), 0);
	assert_int_equal(ch.count, 2);
	assert_int_equal(invt_mem_chain_add(mem, &ch, a), -EINVAL);	/* twice */
	assert_int_equal(invt_mem_chain_add(mem, &ch, BASE + 5 * SZ_4K), -EINVAL);	/* free */
	assert_int_equal(invt_mem_chain_add(mem, &ch, a + 8), -EINVAL);
	/* chained frames cannot be freed behind the chain's back */
	assert_int_equal(invt_mem_free(mem, a), -EINVAL);
	assert_int_equal(stats(mem).bad_frees, 1);
	assert_int_equal(info(mem, a).state, INVT_FRAME_TABLE);
	/* the chain lives in the metadata: contents are untouched */
	assert_int_equal(invt_mem_write64(mem, a, 0x77), 0);

	assert_int_equal(invt_mem_chain_free(mem, &ch), 2);
	assert_int_equal(ch.count, 0);
	assert_int_equal(ch.head, UINT32_MAX);
	assert_int_equal(info(mem, a).gen, 1);
	assert_int_equal(info(mem, b).gen, 1);
	assert_int_equal(info(mem, c).gen, 0);
	assert_int_equal(stats(mem).nr_free, 7);
	/* last added is freed first, so it is reused last: a comes back first */
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), a);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), b);
	assert_int_equal(invt_mem_chain_free(mem, &ch), 0);

	/* a freed frame can be chained again once reallocated */
	invt_mem_chain_init(&ch);
	assert_int_equal(invt_mem_chain_add(mem, &ch, a), 0);
	assert_int_equal(invt_mem_chain_free(mem, &ch), 1);
	assert_int_equal(info(mem, a).gen, 2);
	invt_mem_destroy(mem);
}

/* invt_mem_chain_add_range(): each frame as invt_mem_chain_add() would take it. */
static void test_chain_range(void **state)
{
	struct invt_mem *mem = mk(8, BASE, 0);
	struct invt_mem_chain ch = INVT_MEM_CHAIN_INIT;
	uint64_t a, b;

	(void)state;
	assert_int_equal(invt_mem_alloc_contig(mem, 4, INVT_FRAME_DATA, 1, 0x10000, &a), 0);
	b = alloc_ok(mem, INVT_FRAME_TABLE, 1, 0);
	assert_int_equal(invt_mem_chain_add(mem, &ch, a + SZ_4K), 0);
	/* the frame already chained and the free one after @b are left out */
	assert_int_equal(invt_mem_chain_add_range(mem, &ch, a, 4), 1);
	assert_int_equal(invt_mem_chain_add_range(mem, &ch, b, 2), 1);
	assert_int_equal(invt_mem_chain_add_range(mem, &ch, a + 8, 1), 1);	/* unaligned */
	assert_int_equal(invt_mem_chain_add_range(mem, &ch, BASE + 8 * SZ_4K, 1), 1);
	assert_int_equal(invt_mem_chain_add_range(mem, &ch, a, 0), 0);
	assert_int_equal(ch.count, 5);
	/* added in address order: the chain frees b, then a + 3, a + 2, a, a + 1 */
	assert_int_equal(invt_mem_chain_free(mem, &ch), 5);
	assert_int_equal(stats(mem).nr_free, 8);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), a + SZ_4K);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), a);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), a + 2 * SZ_4K);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), a + 3 * SZ_4K);
	assert_int_equal(alloc_ok(mem, INVT_FRAME_OTHER, 0, 0), b);
	invt_mem_destroy(mem);
}

/* ---- src/pt on model memory ---- */

struct unlink_ctx {
	struct invt_pt_gather g;
	struct invt_mem *mem;
	struct invt_mem_chain chain;
	int errors;
};

static void on_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct unlink_ctx *u = (struct unlink_ctx *)((char *)g - offsetof(struct unlink_ctx, g));

	if (invt_mem_chain_add(u->mem, &u->chain, pa))
		u->errors++;
}

static void test_pt_on_model_memory(void **state)
{
	const struct invt_pt_fmt *fmt = &invt_pt_fmt_arm_s1_4k;
	struct invt_mem *mem = mk(2048, BASE, 0xa5);
	struct unlink_ctx u = { .g.table_unlinked = on_unlinked, .chain = INVT_MEM_CHAIN_INIT };
	struct invt_frame_ref tref[INVT_PT_MAX_LEVELS], dref[4];
	struct invt_mem_pt_ops ops;
	struct invt_pt_walk w;
	struct invt_pt pt;
	struct invt_frame_info fi;
	const uint64_t iova = UINT64_C(0x40000000), biova = UINT64_C(0x40200000);
	uint64_t data[4], blk, x;
	unsigned int i, k;

	(void)state;
	u.mem = mem;
	invt_mem_pt_ops_init(&ops, mem, 3);
	assert_int_equal(invt_pt_init(&pt, fmt, &ops.ops), 0);
	fi = info(mem, pt.root_pa);
	assert_int_equal(fi.state, INVT_FRAME_TABLE);
	assert_int_equal(fi.domain, 3);

	/* four 4K pages, each in its own DATA frame */
	for (i = 0; i < 4; i++) {
		data[i] = alloc_ok(mem, INVT_FRAME_DATA, 3, iova + i * SZ_4K);
		assert_int_equal(invt_mem_write64(mem, data[i], 0xd0 + i), 0);
		assert_int_equal(invt_pt_map(&pt, iova + i * SZ_4K, data[i], SZ_4K, RW), 0);
	}
	/* root + L1 + L2 + L3 tables */
	assert_int_equal(stats(mem).nr_table, 4);

	/* a 2 MiB block backed by a contiguous run */
	assert_int_equal(invt_mem_alloc_contig(mem, 512, INVT_FRAME_DATA, 3, biova, &blk), 0);
	assert_int_equal(blk & (SZ_2M - 1), 0);
	assert_int_equal(invt_pt_map(&pt, biova, blk, SZ_2M, INVT_PT_READ), 0);
	assert_int_equal(stats(mem).nr_table, 4);

	/* the hardware walk reads the tables from model memory */
	for (i = 0; i < 4; i++) {
		assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, iova + i * SZ_4K + 0x28,
						 &w), 0);
		assert_int_equal(w.oa, data[i] + 0x28);
		assert_int_equal(w.size, SZ_4K);
		assert_int_equal(w.prot, RW);
		assert_int_equal(w.nr_tables, 4);
		assert_int_equal(w.tables[0], pt.root_pa);
		for (k = 0; k < w.nr_tables; k++) {
			fi = info(mem, w.tables[k]);
			assert_int_equal(fi.state, INVT_FRAME_TABLE);
			assert_int_equal(fi.domain, 3);
		}
		/* what a DMA engine does with the translation */
		fi = info(mem, w.oa);
		assert_int_equal(fi.state, INVT_FRAME_DATA);
		assert_int_equal(fi.iova, iova + i * SZ_4K);
		assert_int_equal(invt_mem_read64(mem, w.oa - 0x28, &x), 0);
		assert_int_equal(x, 0xd0 + i);
	}
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, biova + 0x12345, &w), 0);
	assert_int_equal(w.oa, blk + 0x12345);
	assert_int_equal(w.size, SZ_2M);
	assert_int_equal(w.nr_tables, 3);
	assert_int_equal(info(mem, w.oa).iova, biova + 0x12000);
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, iova + 4 * SZ_4K, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);

	/* references a walk cache / IOTLB would keep */
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, iova, &w), 0);
	for (k = 0; k < 4; k++)
		assert_int_equal(invt_mem_ref(mem, w.tables[k], &tref[k]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_mem_ref(mem, data[i], &dref[i]), 0);

	/* map failures (new L2 + L3 needed) leave the table and the pool as they were */
	invt_mem_fail_nth(mem, 1);
	assert_int_equal(invt_pt_map(&pt, UINT64_C(0x80000000), data[0], SZ_4K, RW), -ENOMEM);
	assert_int_equal(stats(mem).nr_table, 4);
	invt_mem_fail_nth(mem, 2);
	assert_int_equal(invt_pt_map(&pt, UINT64_C(0x80000000), data[0], SZ_4K, RW), -ENOMEM);
	assert_int_equal(stats(mem).nr_table, 4);
	assert_int_equal(stats(mem).injected, 2);
	assert_int_equal(ops.errors, 0);
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, UINT64_C(0x80000000), &w),
			 -EFAULT);

	/* unmap the 4K pages: the L3 table is emptied and unlinked */
	assert_int_equal(invt_pt_unmap(&pt, iova, 4 * SZ_4K, &u.g), 0);
	assert_int_equal(u.errors, 0);
	assert_false(u.g.leaf_only);
	assert_int_equal(u.g.nr_tables, 1);
	assert_int_equal(u.chain.count, 1);
	assert_int_equal(u.g.size, 4 * SZ_4K);
	/* until the invalidation completes, the unlinked table is still TABLE */
	assert_int_equal(invt_mem_check(mem, &tref[3], NULL), INVT_MEM_LIVE);
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, iova, &w), -EFAULT);
	/* "invalidation completed": free the table and the data frames */
	assert_int_equal(invt_mem_chain_free(mem, &u.chain), 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_mem_free(mem, data[i]), 0);
	assert_int_equal(invt_mem_check(mem, &tref[3], &fi), INVT_MEM_FREED);
	assert_int_not_equal(fi.free_time, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(invt_mem_check(mem, &dref[i], NULL), INVT_MEM_FREED);
	for (k = 0; k < 3; k++)
		assert_int_equal(invt_mem_check(mem, &tref[k], NULL), INVT_MEM_LIVE);

	/*
	 * Remap: the new data frame is the one freed last (data[3]) and the new
	 * L3 table the one freed before (data[2]): a stale IOTLB entry for
	 * data[2] would now read a page table, and the oracle can tell.
	 */
	x = alloc_ok(mem, INVT_FRAME_DATA, 3, iova);
	assert_int_equal(x, data[3]);
	assert_int_equal(invt_pt_map(&pt, iova, x, SZ_4K, RW), 0);
	assert_int_equal(info(mem, data[2]).state, INVT_FRAME_TABLE);
	assert_int_equal(invt_mem_check(mem, &dref[3], NULL), INVT_MEM_REUSED);
	assert_int_equal(invt_mem_check(mem, &dref[2], &fi), INVT_MEM_REUSED);
	assert_int_equal(fi.state, INVT_FRAME_TABLE);
	assert_int_equal(invt_mem_check(mem, &tref[3], NULL), INVT_MEM_FREED);
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, pt.root_pa, iova, &w), 0);
	assert_int_equal(w.tables[3], data[2]);
	assert_int_equal(w.oa, x);
	assert_int_equal(invt_pt_unmap(&pt, iova, SZ_4K, &u.g), 0);
	assert_int_equal(invt_mem_chain_free(mem, &u.chain), 1);
	assert_int_equal(invt_mem_free(mem, x), 0);

	/* a walk through an address outside the pool faults and is counted */
	assert_int_equal(invt_pt_hw_walk(fmt, &ops.ops, BASE + 4096 * SZ_4K, iova, &w), -EFAULT);
	assert_int_equal(w.fault, INVT_PT_FAULT_TRANSLATION);
	assert_int_equal(ops.errors, 1);
	assert_int_equal(stats(mem).bad_table_va, 1);
	ops.errors = 0;

	/* tear down: every table frame comes back */
	invt_pt_free(&pt);
	assert_int_equal(invt_mem_free_contig(mem, blk, 512), 0);
	assert_int_equal(stats(mem).nr_table, 0);
	assert_int_equal(stats(mem).nr_data, 0);
	assert_int_equal(ops.errors, 0);
	invt_mem_destroy(mem);
}

/* ---- threads ---- */

#define NTHREADS 4
#define ITERS 20000

struct worker {
	pthread_t tid;
	struct invt_mem *mem;
	unsigned int id;
	unsigned long allocs, frees, errors;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t held[8], v;
	unsigned int n = 0, i;

	for (i = 0; i < ITERS; i++) {
		if (n < 8 && (i % 3 != 2 || n == 0)) {
			if (invt_mem_alloc(w->mem, INVT_FRAME_DATA, w->id, (uint64_t)i << 12,
					   &held[n]) == 0) {
				/* owner and contents are ours until we free it */
				if (invt_mem_write64(w->mem, held[n], w->id * 1000000ull + i))
					w->errors++;
				n++;
				w->allocs++;
			}
		} else {
			struct invt_frame_info fi;

			n--;
			if (invt_mem_info(w->mem, held[n], &fi) || fi.state != INVT_FRAME_DATA ||
			    fi.domain != w->id)
				w->errors++;
			if (invt_mem_read64(w->mem, held[n], &v) || v / 1000000ull != w->id)
				w->errors++;
			if (invt_mem_free(w->mem, held[n]))
				w->errors++;
			w->frees++;
		}
	}
	while (n) {
		if (invt_mem_free(w->mem, held[--n]))
			w->errors++;
		w->frees++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct invt_mem *mem = mk(NTHREADS * 8, BASE, 0xff);
	struct worker w[NTHREADS];
	struct invt_mem_stats st;
	unsigned long allocs = 0, frees = 0;
	uint64_t gens = 0;
	unsigned int i;

	(void)state;
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .mem = mem, .id = i + 1 };
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_fn, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
		assert_int_equal(w[i].errors, 0);
		allocs += w[i].allocs;
		frees += w[i].frees;
	}
	for (i = 0; i < NTHREADS * 8; i++)
		gens += info(mem, BASE + i * SZ_4K).gen;
	st = stats(mem);
	assert_int_equal(allocs, frees);
	assert_int_equal(st.allocs, allocs);
	assert_int_equal(st.frees, frees);
	assert_int_equal(st.failed, 0);	/* 8 frames per thread: never exhausted */
	assert_int_equal(gens, frees);
	assert_int_equal(st.nr_free, NTHREADS * 8);
	invt_mem_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_alloc_free),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_fault_injection),
		cmocka_unit_test(test_generation_and_refs),
		cmocka_unit_test(test_owner_transitions),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_contig),
		cmocka_unit_test(test_contig_runs),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_range),
		cmocka_unit_test(test_pt_on_model_memory),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
