// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_riscv.c - the modelled RISC-V IOMMU instance
 * (src/model/riscv*.c) end to end: device and process contexts, commands
 * and the queue are built by hand from the specification's bit positions
 * (never with the driver's builders or encoder), page tables with the
 * <invtrack/pt-riscv.h> formats over the pool; the instance decodes and
 * executes with the hardware side only.  The oracle's counters tell what a
 * device access used.  Worker threads never assert: they count failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/model/riscv.h>
#include <invtrack/pt-riscv.h>

#define SZ_4K		UINT64_C(0x1000)
#define RW		(INVT_PT_READ | INVT_PT_WRITE)
#define NR_FRAMES	4096
#define CQ_LOG2		6	/* 64 entries */
#define NR_DOMS		4
#define PSCID_A		5
#define GSCID		3
#define DID_S1		1
#define DID_G		2
#define DID_PDT		3
#define DID_ATS		4
#define DID_NEST	5
#define VA_X		UINT64_C(0x200000)
#define VA_Z		UINT64_C(0x80000000)

/* Field @v at bit @lo. */
#define F(v, lo)	((uint64_t)(v) << (lo))
#define OP(o, f3)	(F(o, 0) | F(f3, 7))

/* Commands (RISC-V IOMMU 1.0 §3.1), as dw0 / dw1 pairs. */
#define VMA_ALL		{ OP(1, 0), 0 }
#define VMA_PSCID(p)	{ OP(1, 0) | F(1, 32) | F(p, 12), 0 }
#define VMA_VA(p, va)	{ OP(1, 0) | F(1, 10) | F(1, 32) | F(p, 12), F((va) >> 12, 10) }
#define GVMA_GPA(g, a)	{ OP(1, 1) | F(1, 10) | F(1, 33) | F(g, 44), F((a) >> 12, 10) }
#define GVMA_ALL(g)	{ OP(1, 1) | F(1, 33) | F(g, 44), 0 }
#define INVAL_DDT(d)	{ OP(3, 0) | F(1, 33) | F(d, 40), 0 }
#define INVAL_PDT(d, p)	{ OP(3, 1) | F(p, 12) | F(1, 33) | F(d, 40), 0 }
#define ATS_INV(d, a)	{ OP(4, 0) | F(d, 40), (a) }
/* PV = 1: the request carries PID; G is the payload's bit 0. */
#define ATS_INV_PID(d, p, a)	{ OP(4, 0) | F(p, 12) | F(1, 32) | F(d, 40), (a) }
#define FENCE(v, pa)	{ OP(2, 0) | F(1, 10) | F(3, 12) | F(v, 32), (pa) >> 2 }

/* Device and process context bits (§2.1.3, §2.2.2). */
#define TC_V		F(1, 0)
#define TC_EN_ATS	F(1, 1)
#define TC_PDTV		F(1, 5)
#define TC_DPE		F(1, 9)
#define ATP(mode, pa)	(F(mode, 60) | ((pa) >> 12))

struct dom {
	uint32_t id;
	struct invt_mem_pt_ops ops;
	struct invt_pt pt;
};

struct fx {
	struct invt_mem *mem;
	struct invt_oracle *o;
	struct invt_mrv *m;
	struct invt_riscv_regs *r;
	uint64_t cq, ddt, pdt, fence;
	uint32_t cqt, seq;
	struct dom dom[NR_DOMS];
	struct invt_mem_chain pending;	/* unmapped frames, freed by release() */
	uint64_t trace_hash, nr_trace, nr_ill;
	/* atc_window: a device access during ATS.INVAL */
	bool window_dma;
	unsigned int windows;
};

/* ------------------------------------------------------------ fixture */

static void on_trace(void *arg, uint32_t instance, const uint64_t dw[2], unsigned int err)
{
	struct fx *f = arg;
	uint64_t v[4] = { instance, dw[0], dw[1], err };
	int i;

	for (i = 0; i < 4; i++)
		f->trace_hash = (f->trace_hash ^ v[i]) * UINT64_C(0x100000001b3);
	f->nr_trace++;
	if (err == INVT_MRV_ERR_ILL)
		f->nr_ill++;
}

static void on_window(void *arg, uint32_t instance, uint32_t did, uint32_t pid, uint64_t iova)
{
	struct fx *f = arg;

	f->windows++;
	if (f->window_dma)
		invt_mrv_dma(f->m, did, pid, iova, false);
}

static void *va_of(struct fx *f, uint64_t pa)
{
	void *va = invt_mem_va(f->mem, pa);

	assert_non_null(va);
	return va;
}

/* The IOTLB variant fx_new() builds: the strictest (0) unless a test says. */
static unsigned int fx_iotlb_tag;

/* The ddtp / cqcsr acknowledgement lag of the next fx_new(). */
static unsigned int fx_ack_lag = 2;

static struct fx *fx_new(bool threaded, uint64_t seed, unsigned int sets, unsigned int ways,
			 unsigned int cfg_entries)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 16, .nr_ssids = 8,
					 .seed = seed };
	struct invt_mrv_config c = {
		.id = 0, .ats = true, .threaded = threaded, .iotlb_sets = sets,
		.iotlb_ways = ways, .cfg_entries = cfg_entries, .seed = seed,
		.iotlb_tag = fx_iotlb_tag,
		.ack_lag = fx_ack_lag,
	};
	struct fx *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	invt_mem_chain_init(&f->pending);
	f->trace_hash = UINT64_C(0xcbf29ce484222325);
	c.trace = on_trace;
	c.trace_arg = f;
	c.atc_window = on_window;
	c.window_arg = f;
	assert_int_equal(invt_mem_create(&mc, &f->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, f->mem, &f->o), 0);
	assert_int_equal(invt_mrv_create(&c, f->mem, f->o, &f->m), 0);
	f->r = invt_mrv_regs(f->m);
	assert_int_equal(f->r->capabilities & INVT_RV_CAP_MSI_FLAT, 0);
	assert_true(f->r->capabilities & INVT_RV_CAP_SV39X4);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->cq), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->ddt), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->pdt), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->fence), 0);
	/* Release: pairs with the IOMMU's acquire loads of ddtp, cqb, cqcsr. */
	__atomic_store_n(&f->r->ddtp, INVT_RV_DDTP_MODE_1LVL | (f->ddt >> 12) << 10,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&f->r->cqb, (f->cq >> 12) << INVT_RV_CQB_PPN_SHIFT | (CQ_LOG2 - 1),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&f->r->cqcsr, INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	assert_int_equal(invt_mrv_start(f->m), 0);
	/* As a driver must: wait until ddtp is not busy and cqon is 1. */
	for (i = 0; (__atomic_load_n(&f->r->ddtp, __ATOMIC_ACQUIRE) & INVT_RV_DDTP_BUSY) ||
		    (__atomic_load_n(&f->r->cqcsr, __ATOMIC_ACQUIRE) &
		     (INVT_RV_CQCSR_CQON | INVT_RV_CQCSR_BUSY)) != INVT_RV_CQCSR_CQON; i++) {
		assert_true(i < 1000000);
		f->r->poll(f->r->doorbell_arg);
	}
	return f;
}

static void fx_free(struct fx *f)
{
	invt_mrv_stop(f->m);
	invt_mrv_destroy(f->m);
	invt_oracle_destroy(f->o);
	invt_mem_destroy(f->mem);
	free(f);
}

static struct dom *dom_new(struct fx *f, unsigned int i, bool gstage)
{
	struct dom *d = &f->dom[i];

	d->id = 10 + i;
	invt_mem_pt_ops_init(&d->ops, f->mem, d->id);
	assert_int_equal(invt_pt_init(&d->pt,
				      gstage ? &invt_pt_fmt_rv_sv39x4 : &invt_pt_fmt_rv_sv39,
				      &d->ops.ops), 0);
	return d;
}

/* A device context: the words after tc, then tc with a release store. */
static void dc_set(struct fx *f, uint32_t did, uint64_t tc, uint64_t iohgatp, uint64_t ta,
		   uint64_t fsc)
{
	uint64_t *w = va_of(f, f->ddt + 32 * did);

	__atomic_store_n(&w[1], iohgatp, __ATOMIC_RELAXED);
	__atomic_store_n(&w[2], ta, __ATOMIC_RELAXED);
	__atomic_store_n(&w[3], fsc, __ATOMIC_RELAXED);
	/* Release: pairs with the IOMMU's acquire load of tc. */
	__atomic_store_n(&w[0], tc, __ATOMIC_RELEASE);
}

static void dc_s1(struct fx *f, uint32_t did, const struct dom *d, uint32_t pscid, uint64_t extra)
{
	dc_set(f, did, TC_V | extra, 0, F(pscid, 12), ATP(8, d->pt.root_pa));
}

/* A process context of the PD8 directory (ta last, released). */
static void pc_set(struct fx *f, uint32_t pid, const struct dom *d, uint32_t pscid)
{
	uint64_t *w = va_of(f, f->pdt + 16 * pid);

	__atomic_store_n(&w[1], ATP(8, d->pt.root_pa), __ATOMIC_RELAXED);
	/* Release: pairs with the IOMMU's acquire load of ta. */
	__atomic_store_n(&w[0], F(1, 0) | F(pscid, 12), __ATOMIC_RELEASE);
}

static uint64_t map(struct fx *f, struct dom *d, uint64_t iova, unsigned int prot)
{
	uint64_t pa;

	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_DATA, d->id, iova, &pa), 0);
	assert_int_equal(invt_pt_map(&d->pt, iova, pa, SZ_4K, prot), 0);
	return pa;
}

struct unlink {
	struct invt_pt_gather g;
	struct fx *f;
};

static void on_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct unlink *u = (struct unlink *)((char *)g - offsetof(struct unlink, g));

	invt_mem_chain_add(u->f->mem, &u->f->pending, pa);
}

/* Unmap one page; its data frame and unlinked tables wait for release(). */
static size_t unmap(struct fx *f, struct dom *d, uint64_t iova)
{
	struct unlink u = { .g.table_unlinked = on_unlinked, .f = f };
	uint64_t pa;

	assert_int_equal(invt_pt_lookup(&d->pt, iova, &pa, NULL), 0);
	assert_int_equal(invt_pt_unmap(&d->pt, iova, SZ_4K, &u.g), 0);
	assert_int_equal(invt_mem_chain_add(f->mem, &f->pending, pa), 0);
	return u.g.nr_tables;
}

static void release(struct fx *f)
{
	invt_mem_chain_free(f->mem, &f->pending);
}

/* ------------------------------------------------- the queue, by hand */

static uint32_t fence_word(struct fx *f)
{
	/* Acquire: pairs with the IOMMU's release store of DATA. */
	return __atomic_load_n((uint32_t *)va_of(f, f->fence), __ATOMIC_ACQUIRE);
}

/* Copy @n commands at cqt (little-endian), publish, ring. */
static void push(struct fx *f, const uint64_t (*cmds)[2], unsigned int n)
{
	uint8_t *q = va_of(f, f->cq);
	unsigned int i, b;

	for (i = 0; i < n; i++) {
		for (b = 0; b < 16; b++)
			q[16 * f->cqt + b] = (uint8_t)(cmds[i][b >> 3] >> (8 * (b & 7)));
		f->cqt = (f->cqt + 1) & ((1u << CQ_LOG2) - 1);
	}
	/* Release: pairs with the IOMMU's acquire load of cqt. */
	__atomic_store_n(&f->r->cqt, f->cqt, __ATOMIC_RELEASE);
	if (f->r->doorbell)
		f->r->doorbell(f->r->doorbell_arg);
}

/* Wait for fence number @seq.  Return: 0, or -EIO on a queue error. */
static int wait_seq(struct fx *f, uint32_t seq)
{
	uint32_t err = INVT_RV_CQCSR_CMD_ILL | INVT_RV_CQCSR_CMD_TO | INVT_RV_CQCSR_CQMF;

	for (;;) {
		if (fence_word(f) == seq)
			return 0;
		/* Acquire: pairs with the IOMMU's release of the error bit. */
		if (__atomic_load_n(&f->r->cqcsr, __ATOMIC_ACQUIRE) & err)
			return -EIO;
		sched_yield();
	}
}

/* Submit @n commands and an IOFENCE.C writing the next seq; wait. */
static int run(struct fx *f, const uint64_t (*cmds)[2], unsigned int n)
{
	uint64_t all[16][2];
	unsigned int i;

	assert_true(n < 16);
	for (i = 0; i < n; i++) {
		all[i][0] = cmds[i][0];
		all[i][1] = cmds[i][1];
	}
	f->seq++;
	all[n][0] = OP(2, 0) | F(1, 10) | F(f->seq, 32);
	all[n][1] = f->fence >> 2;
	push(f, (const uint64_t(*)[2])all, n + 1);
	return wait_seq(f, f->seq);
}

#define CMDS(...)	((const uint64_t[][2]){ __VA_ARGS__ })
#define NCMDS(...)	(sizeof(CMDS(__VA_ARGS__)) / sizeof(CMDS(__VA_ARGS__)[0]))
#define RUN(f, ...)	run(f, CMDS(__VA_ARGS__), NCMDS(__VA_ARGS__))

static void clear(struct fx *f, uint32_t bits)
{
	/* Release: pairs with the IOMMU's acquire exchange of cqcsr_clear. */
	__atomic_store_n(&f->r->cqcsr_clear, bits, __ATOMIC_RELEASE);
	if (f->r->doorbell)
		f->r->doorbell(f->r->doorbell_arg);
}

static struct invt_oracle_stats ost(struct fx *f)
{
	struct invt_oracle_stats st;

	invt_oracle_stats(f->o, &st);
	return st;
}

static struct invt_mrv_stats mst(struct fx *f)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(f->m, &st);
	return st;
}

static struct invt_violation last_report(struct fx *f)
{
	struct invt_violation v[8];
	size_t n = invt_oracle_reports(f->o, v, 8);

	assert_true(n > 0);
	return v[n - 1];
}

/* A first-stage device DID_S1 on domain 0 (PSCID_A), X and X + 4K mapped. */
static struct fx *fx_s1(bool threaded)
{
	struct fx *f = fx_new(threaded, 1, 16, 4, 16);
	struct dom *a = dom_new(f, 0, false);

	dc_s1(f, DID_S1, a, PSCID_A, 0);
	assert_int_equal(invt_mrv_add_device(f->m, DID_S1, 0), 0);
	map(f, a, VA_X, RW);
	map(f, a, VA_X + SZ_4K, RW);
	return f;
}

/* ---------------------------------------------------- handshakes */

/*
 * Write a register as a driver does (ddtp whole; cqcsr.cqen alone, the
 * IOMMU's bits kept), and ring the doorbell.
 */
static void write_kick(struct fx *f, uint64_t *ddtp, uint32_t *cqcsr, uint64_t v)
{
	/* Release: pairs with the IOMMU's acquire loads of ddtp and cqcsr. */
	if (ddtp)
		__atomic_store_n(ddtp, v, __ATOMIC_RELEASE);
	else if (v & INVT_RV_CQCSR_CQEN)
		__atomic_fetch_or(cqcsr, INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(cqcsr, ~INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	f->r->doorbell(f->r->doorbell_arg);
}

/*
 * ddtp and cqcsr.cqen acknowledgements lag (busy, then cqon): a driver that
 * does not wait finds its directory not yet in use and its queue not yet
 * on, and writing again while busy is counted.
 */
static void test_handshakes(void **state)
{
	struct fx *f = fx_s1(false);
	uint64_t ddtp = f->r->ddtp;
	unsigned int i;

	(void)state;
	assert_int_equal(ddtp & INVT_RV_DDTP_BUSY, 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);

	/* ddtp Off, not waited for: the old directory is still in use. */
	write_kick(f, &f->r->ddtp, NULL, 0);
	assert_true(f->r->ddtp & INVT_RV_DDTP_BUSY);
	/* ... then written again while busy: caught. */
	write_kick(f, &f->r->ddtp, NULL, ddtp);
	assert_int_equal(mst(f).handshake_errors, 1);
	for (i = 0; f->r->ddtp & INVT_RV_DDTP_BUSY; i++) {
		assert_true(i <= 3);
		f->r->poll(f->r->doorbell_arg);
	}
	assert_int_equal(f->r->ddtp, ddtp);

	/* cqen off and on without waiting: cqon lags, the second write is caught. */
	write_kick(f, NULL, &f->r->cqcsr, 0);
	assert_true(f->r->cqcsr & INVT_RV_CQCSR_BUSY);
	assert_true(f->r->cqcsr & INVT_RV_CQCSR_CQON);	/* not off yet */
	write_kick(f, NULL, &f->r->cqcsr, INVT_RV_CQCSR_CQEN);
	assert_int_equal(mst(f).handshake_errors, 2);
	for (i = 0; (f->r->cqcsr & INVT_RV_CQCSR_BUSY); i++) {
		assert_true(i <= 3);
		f->r->poll(f->r->doorbell_arg);
	}
	assert_true(f->r->cqcsr & INVT_RV_CQCSR_CQON);
	release(f);
	fx_free(f);
}

/* ---------------------------------------------------- translation */

static void test_first_stage(void **state)
{
	struct fx *f = fx_s1(false);
	struct invt_mrv_stats st;

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + 0x10, true), 0);
	st = mst(f);
	assert_int_equal(st.translations, 1);
	assert_int_equal(st.cfg_fetches, 1);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.iotlb.hits, 0);
	assert_int_equal(st.iotlb.misses, 2);	/* leaf, then walk cache */
	assert_int_equal(st.iotlb.inserts, 2);	/* leaf + last table */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + 0x20, false), 0);
	st = mst(f);
	assert_int_equal(st.translations, 2);
	assert_int_equal(st.cfg_fetches, 1);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.iotlb.hits, 1);
	/* a neighbour: leaf miss, walk-cache hit; an unmapped page: a fault */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + SZ_4K, false), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + 2 * SZ_4K, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.walks, 3);
	assert_int_equal(st.iotlb.hits, 3);
	/* read-only: a write faults, a read translates */
	map(f, &f->dom[0], VA_X + 3 * SZ_4K, INVT_PT_READ);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + 3 * SZ_4K, true), -EFAULT);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + 3 * SZ_4K, false), 0);
	/* a process_id without PDTV, a DC with V = 0, a device_id beyond 1LVL */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 1, VA_X, false), -EFAULT);
	assert_int_equal(invt_mrv_add_device(f->m, 9, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, 9, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_mrv_add_device(f->m, 200, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, 200, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_mrv_dma(f->m, 77, 0, VA_X, false), -ENODEV);
	/* misconfigured: a reserved tc bit; both stages Bare (not modelled) */
	dc_set(f, 9, TC_V | F(1, 12), 0, 0, ATP(8, f->dom[0].pt.root_pa));
	assert_int_equal(invt_mrv_dma(f->m, 9, 0, VA_X, false), -EFAULT);
	dc_set(f, 9, TC_V, 0, 0, 0);
	assert_int_equal(invt_mrv_dma(f->m, 9, 0, VA_X, false), -EFAULT);
	assert_int_equal(ost(f).accesses, 4);
	assert_int_equal(ost(f).faults, 7);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

static void test_gstage(void **state)
{
	struct fx *f = fx_new(false, 2, 16, 4, 16);
	struct dom *g = dom_new(f, 1, true);
	const uint64_t high = UINT64_C(1) << 40;	/* needs the x4 root's extra bits */
	/* The strict IOTLB: entries carry the device_id and process_id too. */
	struct invt_cache_key k = { .kinds = INVT_CACHE_K(INVT_CACHE_S2), .tag_s2 = GSCID,
				    .tag_s1 = INVT_CACHE_ID_NONE, .sid = DID_G,
				    .ssid = 0, .iova = VA_Z };
	struct invt_cache_entry e;

	(void)state;
	dc_set(f, DID_G, TC_V, ATP(8, g->pt.root_pa) | F(GSCID, 44), 0, 0);
	assert_int_equal(invt_mrv_add_device(f->m, DID_G, 0), 0);
	map(f, g, VA_Z, RW);
	map(f, g, high, RW);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, VA_Z, true), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, VA_Z + 8, true), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, high, false), 0);
	assert_int_equal(mst(f).walks, 2);
	assert_int_equal(mst(f).iotlb.hits, 1);
	assert_int_equal(invt_cache_lookup(invt_mrv_iotlb(f->m), &k, &e), 0);
	assert_int_equal(e.domain, g->id);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 1, VA_Z, false), -EFAULT);	/* no PDT */
	/* GVMA of the GPA (leaf) + fence: the next access walks again */
	map(f, g, VA_Z + SZ_4K, RW);	/* keeps VA_Z's tables alive */
	unmap(f, g, VA_Z);
	assert_int_equal(RUN(f, GVMA_GPA(GSCID, VA_Z)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, VA_Z, false), -EFAULT);
	/* all of the GSCID (walk entries too) */
	assert_int_equal(unmap(f, g, VA_Z + SZ_4K), 2);
	assert_int_equal(RUN(f, GVMA_ALL(GSCID)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, VA_Z + SZ_4K, false), -EFAULT);
	/* an iohgatp root that is not 16 KiB aligned is misconfigured */
	dc_set(f, DID_G, TC_V, ATP(8, g->pt.root_pa + SZ_4K) | F(GSCID, 44), 0, 0);
	assert_int_equal(RUN(f, INVAL_DDT(DID_G)), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_G, 0, high, false), -EFAULT);
	assert_int_equal(ost(f).accesses, 3);
	assert_int_equal(ost(f).faults, 4);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

static void test_stale_leaf(void **state)
{
	struct fx *f = fx_s1(false);
	struct invt_violation v;

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(unmap(f, &f->dom[0], VA_X), 0);
	release(f);			/* no IOTINVAL: the IOTLB still has it */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.cache, INVT_CACHE_S1);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.sid, DID_S1);
	assert_int_equal(v.tag_s1, PSCID_A);

	/* with IOTINVAL.VMA + IOFENCE.C before the free: a clean fault */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + SZ_4K, false), 0);
	unmap(f, &f->dom[0], VA_X + SZ_4K);
	assert_int_equal(RUN(f, VMA_ALL), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(ost(f).faults, 1);
	fx_free(f);
}

/* An IOTINVAL takes effect when its IOFENCE.C completes, not before. */
static void test_iotinval_at_fence(void **state)
{
	struct fx *f = fx_s1(false);
	uint64_t hits;

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	unmap(f, &f->dom[0], VA_X);
	push(f, CMDS(VMA_VA(PSCID_A, VA_X)), 1);
	assert_int_equal(mst(f).by_op[1], 1);		/* executed ... */
	hits = mst(f).iotlb.hits;
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(mst(f).iotlb.hits, hits + 1);	/* ... but not complete */
	assert_int_equal(run(f, NULL, 0), 0);		/* the fence */
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), -EFAULT);
	release(f);
	assert_int_equal(ost(f).total, 0);
	assert_int_equal(mst(f).by_op[2], 1);
	fx_free(f);
}

static void test_walk_cache_leaf_only(void **state)
{
	struct fx *f = fx_s1(false);
	struct dom *a = &f->dom[0];

	(void)state;
	/* Z alone in its level-0 and level-1 tables: unmapping unlinks both */
	map(f, a, VA_Z, RW);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_Z, false), 0);
	assert_int_equal(unmap(f, a, VA_Z), 2);
	/* AV = 1 (NL = 0) removes the leaf only: the walk entry stays */
	assert_int_equal(RUN(f, VMA_VA(PSCID_A, VA_Z)), 0);
	assert_int_equal(mst(f).iotlb.entries, 1);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_Z, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(last_report(f).cache, INVT_CACHE_WALK_S1);
	/* AV = 0 for the PSCID removes the walk entries too: clean */
	map(f, a, VA_Z + 0x40000000, RW);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_Z + 0x40000000, false), 0);
	assert_int_equal(unmap(f, a, VA_Z + 0x40000000), 2);
	assert_int_equal(RUN(f, VMA_PSCID(PSCID_A)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_Z + 0x40000000, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

/*
 * A process_id through a valid DC without PDTV is refused by the DC alone
 * (cause 260), which the IOMMU may cache: its change to a process
 * directory is seen only after IODIR.INVAL_DDT.
 */
static void test_stale_refusing_dc(void **state)
{
	struct fx *f = fx_s1(false);
	struct dom *a = &f->dom[0];
	uint64_t fetches;

	(void)state;
	dc_set(f, DID_PDT, TC_V, 0, F(PSCID_A, 12), ATP(8, a->pt.root_pa));	/* no PDTV */
	pc_set(f, 2, a, 8);
	assert_int_equal(invt_mrv_add_device(f->m, DID_PDT, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), -EFAULT);
	fetches = mst(f).cfg_fetches;
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), -EFAULT);
	assert_int_equal(mst(f).cfg_fetches, fetches);			/* cached */
	/* to a process directory without IODIR.INVAL_DDT: still refused */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_PDT, 2, a->id), 0);
	dc_set(f, DID_PDT, TC_V | TC_PDTV, 0, 0, ATP(1, f->pdt));
	assert_int_equal(RUN(f, INVAL_PDT(DID_PDT, 2)), 0);	/* not the DC's */
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_PDT, 2), 0);
	invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false);	/* a violation, not a fault */
	assert_int_equal(mst(f).cfg_fetches, fetches);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 1);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(last_report(f).cache, INVT_VIOL_CACHE_CONFIG);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_PDT, 2), 0);
	/* back without PDTV and to it again, each with IODIR.INVAL_DDT: clean */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_PDT, 2, INVT_MEM_NO_DOMAIN), 0);
	dc_set(f, DID_PDT, TC_V, 0, F(PSCID_A, 12), ATP(8, a->pt.root_pa));
	assert_int_equal(RUN(f, INVAL_DDT(DID_PDT)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), -EFAULT);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_PDT, 2, a->id), 0);
	dc_set(f, DID_PDT, TC_V | TC_PDTV, 0, 0, ATP(1, f->pdt));
	assert_int_equal(RUN(f, INVAL_DDT(DID_PDT)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

static void test_stale_config(void **state)
{
	struct fx *f = fx_s1(false);
	struct dom *a = &f->dom[0], *b = dom_new(f, 1, false);

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	/* the device context changes without IODIR.INVAL_DDT */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_S1, 0, b->id), 0);
	dc_s1(f, DID_S1, b, PSCID_A + 1, 0);
	assert_int_equal(RUN(f, VMA_PSCID(PSCID_A)), 0);	/* IOTINVAL: no effect on it */
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_S1, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 1);
	assert_int_equal(last_report(f).cache, INVT_VIOL_CACHE_CONFIG);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_S1, 0), 0);
	/* back to A with IODIR.INVAL_DDT before the change is reported done */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_S1, 0, a->id), 0);
	dc_s1(f, DID_S1, a, PSCID_A, 0);
	assert_int_equal(RUN(f, INVAL_DDT(DID_S1)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_S1, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_S1, 0), 0);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(mst(f).cfg_fetches, 2);

	/* a PD8 device: PASID 2 and the RID (process_id 0, DPE) */
	map(f, b, VA_X, RW);
	dc_set(f, DID_PDT, TC_V | TC_PDTV | TC_DPE, 0, 0, ATP(1, f->pdt));
	pc_set(f, 0, a, 7);
	pc_set(f, 2, a, 8);
	assert_int_equal(invt_mrv_add_device(f->m, DID_PDT, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 0, VA_X, false), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), 0);
	/* PC 3 has V = 0 */
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 3, VA_X, false), -EFAULT);
	/* PASID 2 moves to B without IODIR.INVAL_PDT: stale */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_PDT, 2, b->id), 0);
	pc_set(f, 2, b, 9);
	assert_int_equal(RUN(f, INVAL_PDT(DID_PDT, 0)), 0);	/* another PID's */
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 2);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_PDT, 2), 0);
	/* with it: clean, and PC 2 is fetched again */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, DID_PDT, 2, a->id), 0);
	pc_set(f, 2, a, 8);
	assert_int_equal(RUN(f, INVAL_PDT(DID_PDT, 2)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_PDT, 2, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, DID_PDT, 2), 0);
	assert_int_equal(ost(f).total, 2);
	fx_free(f);
}

static void test_pscid_reuse(void **state)
{
	struct fx *f = fx_s1(false);
	struct dom *b = dom_new(f, 1, false);
	struct invt_violation v;

	(void)state;
	map(f, b, VA_Z, RW);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	/* the device moves to B under the same PSCID, no IOTINVAL */
	dc_s1(f, DID_S1, b, PSCID_A, 0);
	assert_int_equal(RUN(f, INVAL_DDT(DID_S1)), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_WRONG_DOMAIN], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.domain, f->dom[0].id);
	assert_int_equal(v.expected_domain, b->id);
	/* with the PSCID flushed, X faults (B does not map it), Z translates */
	assert_int_equal(RUN(f, VMA_PSCID(PSCID_A)), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_Z, false), 0);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

/* ------------------------------------------------------------ ATS */

static struct fx *fx_ats(void)
{
	struct fx *f = fx_s1(false);

	dc_s1(f, DID_ATS, &f->dom[0], PSCID_A, TC_EN_ATS);
	assert_int_equal(invt_mrv_add_device(f->m, DID_ATS, 8), 0);
	return f;
}

static void test_ats(void **state)
{
	struct fx *f = fx_ats();
	struct invt_violation v;

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, true), 0);
	assert_int_equal(mst(f).translations, 1);	/* the second hit the ATC */
	/* unmap, IOTINVAL + fence, no ATS.INVAL: the ATC still translates */
	unmap(f, &f->dom[0], VA_X);
	assert_int_equal(RUN(f, VMA_VA(PSCID_A, VA_X)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	v = last_report(f);
	assert_int_equal(v.cache, INVT_CACHE_ATC);
	assert_int_equal(v.sid, DID_ATS);
	/* with the ATS.INVAL: a clean fault */
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X)), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	/* EN_ATS = 0: the translation requests fault */
	dc_s1(f, DID_ATS, &f->dom[0], PSCID_A, 0);
	assert_int_equal(RUN(f, INVAL_DDT(DID_ATS), ATS_INV(DID_ATS, VA_X + SZ_4K)), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X + SZ_4K, false), 0);
	assert_int_equal(mst(f).by_op[4], 2);
	assert_int_equal(f->windows, 2);
	fx_free(f);
}

/*
 * The driver's duty: wait for the IOFENCE.C covering an IOTINVAL before it
 * queues the ATS.INVAL.  Queued right behind the fence, the ATS.INVAL runs
 * before the IOTINVAL took effect, and the device refills its ATC from the
 * stale IOTLB in the window: the model must catch it.
 */
static void test_ats_inval_must_wait_for_fence(void **state)
{
	struct fx *f = fx_ats();
	(void)state;
	f->window_dma = true;
	/* not waiting: IOTINVAL, IOFENCE.C, ATS.INVAL in one go */
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	unmap(f, &f->dom[0], VA_X);
	assert_int_equal(RUN(f, VMA_VA(PSCID_A, VA_X), FENCE(0x5eed, f->fence),
			     ATS_INV(DID_ATS, VA_X)), 0);
	assert_int_equal(f->windows, 1);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(last_report(f).cache, INVT_CACHE_ATC);
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X)), 0);	/* clean up */

	/*
	 * Waiting for the fence first: the window's access faults, clean.
	 * (A neighbour keeps the table: a leaf IOTINVAL leaves walk entries.)
	 */
	map(f, &f->dom[0], VA_X + 2 * SZ_4K, RW);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X + SZ_4K, false), 0);
	assert_int_equal(unmap(f, &f->dom[0], VA_X + SZ_4K), 0);
	assert_int_equal(RUN(f, VMA_VA(PSCID_A, VA_X + SZ_4K)), 0);
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X + SZ_4K)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

/* Translation requests (ATC misses) of DMA reads at @va by process_id 0, 1, 2. */
static void atc_misses(struct fx *f, uint64_t va, uint32_t mask)
{
	uint64_t before = mst(f).translations;
	uint32_t pid;

	for (pid = 0; pid < 3; pid++)
		assert_int_equal(invt_mrv_dma(f->m, DID_ATS, pid, va, false), 0);
	assert_int_equal(mst(f).translations - before, __builtin_popcount(mask));
}

/*
 * What each ATS.INVAL (RISC-V IOMMU 1.0 §3.1.4) removes from an ATC
 * holding translations of requests without a PASID (DPE: process_id 0) and
 * of process_ids 1 and 2: PV = 1 only its PID's, with G = 1 too (the
 * strictest ATC: no Global Invalidate Supported, PCIe Base §10.5.1.2); PV = 0
 * every PID's (no PASID prefix, PCIe Base §10.3.1).  A miss shows as a
 * translation request; hits do not.
 */
static void test_atc_pasid_scopes(void **state)
{
	struct fx *f = fx_s1(false);
	struct dom *a = &f->dom[0];
	uint32_t pid;

	(void)state;
	for (pid = 0; pid < 3; pid++)
		pc_set(f, pid, a, PSCID_A);
	dc_set(f, DID_ATS, TC_V | TC_EN_ATS | TC_PDTV | TC_DPE, 0, 0, ATP(1, f->pdt));
	assert_int_equal(invt_mrv_add_device(f->m, DID_ATS, 8), 0);
	atc_misses(f, VA_X, 0x7);		/* filled: no PASID, 1, 2 */
	atc_misses(f, VA_X, 0);			/* all hit */
	atc_misses(f, VA_X + SZ_4K, 0x7);
	/* PV = 1, PID 1: its entry only. */
	assert_int_equal(RUN(f, ATS_INV_PID(DID_ATS, 1, VA_X)), 0);
	atc_misses(f, VA_X, 0x2);
	/* PV = 1, PID 2, G = 1: still PID 2's alone. */
	assert_int_equal(RUN(f, ATS_INV_PID(DID_ATS, 2, VA_X | 1)), 0);
	atc_misses(f, VA_X, 0x4);
	/* A PID without entries, G = 1: nothing. */
	assert_int_equal(RUN(f, ATS_INV_PID(DID_ATS, 5, VA_X | 1)), 0);
	atc_misses(f, VA_X, 0);
	/* PV = 0: every PID's entries in the range, none outside. */
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X)), 0);
	atc_misses(f, VA_X, 0x7);
	atc_misses(f, VA_X + SZ_4K, 0);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

static void test_atc_timeout(void **state)
{
	struct fx *f = fx_ats();
	uint64_t t;

	(void)state;
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_mrv_set_atc_timeout(f->m, DID_ATS, true), 0);
	assert_int_equal(invt_mrv_set_atc_timeout(f->m, 99, true), -ENODEV);
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X)), -EIO);
	assert_true(f->r->cqcsr & INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(mst(f).errors, 1);
	/* a device that does not answer keeps its ATC: a hit, no translation */
	t = mst(f).translations;
	assert_int_equal(invt_mrv_dma(f->m, DID_ATS, 0, VA_X, false), 0);
	assert_int_equal(mst(f).translations, t);
	/* cleared: the fence completes */
	assert_int_equal(invt_mrv_set_atc_timeout(f->m, DID_ATS, false), 0);
	clear(f, INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(wait_seq(f, f->seq), 0);
	assert_int_equal(RUN(f, ATS_INV(DID_ATS, VA_X)), 0);
	/* an illegal command: cmd_ill, traced; skipped by rewriting it */
	assert_int_equal(RUN(f, { OP(9, 0), 0 }), -EIO);
	assert_int_equal(f->nr_ill, 1);
	assert_int_equal(mst(f).errors, 2);
	fx_free(f);
}

/* ---------------------------------------------- threads, determinism */

struct dma_worker {
	struct fx *f;
	int stop;
	unsigned long done, failed;
};

static void *dma_thread(void *arg)
{
	struct dma_worker *w = arg;

	/* Acquire: pairs with the main thread's release of the flag. */
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (invt_mrv_dma(w->f->m, DID_S1, 0, VA_X + SZ_4K, (w->done & 1) != 0))
			w->failed++;
		w->done++;
	}
	return NULL;
}

static void test_threaded(void **state)
{
	struct fx *f = fx_s1(true);
	struct dma_worker w = { .f = f };
	unsigned int i, bad = 0;
	pthread_t t;

	(void)state;
	assert_null(f->r->doorbell);
	assert_int_equal(pthread_create(&t, NULL, dma_thread, &w), 0);
	for (i = 0; i < 200; i++) {
		map(f, &f->dom[0], VA_X + 2 * SZ_4K, RW);
		bad += invt_mrv_dma(f->m, DID_S1, 0, VA_X + 2 * SZ_4K, true) != 0;
		unmap(f, &f->dom[0], VA_X + 2 * SZ_4K);
		bad += RUN(f, VMA_VA(PSCID_A, VA_X + 2 * SZ_4K), INVAL_DDT(DID_S1)) != 0;
		release(f);
		bad += invt_mrv_dma(f->m, DID_S1, 0, VA_X + 2 * SZ_4K, false) != -EFAULT;
	}
	/* Release: pairs with the worker's acquire of the flag. */
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	invt_mrv_stop(f->m);
	assert_int_equal(bad, 0);
	assert_int_equal(w.failed, 0);
	assert_int_equal(ost(f).total, 0);
	assert_int_equal(ost(f).accesses, w.done + 200);
	assert_int_equal(ost(f).faults, 200);
	assert_int_equal(mst(f).by_op[2], 200);
	assert_int_equal(mst(f).consumed, 600);
	fx_free(f);
}

struct run_result {
	uint64_t hash, nr_trace;
	struct invt_mrv_stats ms;
	struct invt_oracle_stats os;
};

/* A seeded script on a small IOTLB and directory cache (evictions). */
static void seeded_script(uint64_t seed, struct run_result *r)
{
	struct fx *f = fx_new(false, seed, 2, 2, 2);
	struct dom *a = dom_new(f, 0, false);
	uint64_t s = seed, z;
	unsigned int i, did;

	for (did = 1; did <= 3; did++) {
		dc_s1(f, did, a, PSCID_A, 0);
		assert_int_equal(invt_mrv_add_device(f->m, did, 0), 0);
	}
	for (i = 0; i < 8; i++)
		map(f, a, VA_X + 2 * i * SZ_4K, RW);
	for (i = 0; i < 300; i++) {
		z = (s += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
		z ^= z >> 29;
		if (z % 8 == 0)
			RUN(f, VMA_VA(PSCID_A, VA_X + (z >> 8) % 16 * SZ_4K));
		else if (z % 8 == 1)
			RUN(f, INVAL_DDT(1 + (z >> 8) % 3));
		else
			invt_mrv_dma(f->m, 1 + (z >> 16) % 3, 0, VA_X + (z >> 8) % 16 * SZ_4K,
				     (z >> 4) & 1);
	}
	r->hash = f->trace_hash;
	r->nr_trace = f->nr_trace;
	r->ms = mst(f);
	r->os = ost(f);
	fx_free(f);
}

static void test_determinism(void **state)
{
	struct run_result a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	seeded_script(42, &a);
	seeded_script(42, &b);
	assert_true(a.nr_trace > 50);
	assert_int_equal(a.nr_trace, a.ms.consumed);
	assert_true(a.ms.iotlb.evictions > 0);
	assert_true(a.ms.cfg_fetches > 3);
	assert_int_equal(a.hash, b.hash);
	assert_int_equal(a.nr_trace, b.nr_trace);
	assert_memory_equal(&a.ms, &b.ms, sizeof(a.ms));
	assert_memory_equal(&a.os, &b.os, sizeof(a.os));
	assert_int_equal(a.os.total, 0);
	assert_int_equal(a.os.accesses + a.os.faults, a.ms.translations);
}

/* --------------------------------------------------------- the API */

static void test_api(void **state)
{
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 4, .nr_ssids = 1 };
	struct invt_mrv_config c = { .iotlb_sets = 4, .iotlb_ways = 2, .cfg_entries = 4 };
	uint32_t costs[INVT_MRV_NR_OPS] = { [1] = 7, [2] = 70 };
	const uint8_t gvma[16] = { 0x81, 0, 0, 0, 0x02, 0x30, 0, 0 };	/* GV=1 GSCID=3 */
	const uint8_t bad[16] = { 0x45 };					/* opcode 69 */
	struct invt_mem *mem;
	struct invt_oracle *o;
	struct invt_mrv *m;
	char buf[128];

	(void)state;
	assert_int_equal(invt_mrv_op_index(gvma), 33);
	assert_int_equal(invt_mrv_op_index(bad), 0);
	assert_string_equal(invt_mrv_op_name(33), "IOTINVAL.GVMA");
	assert_string_equal(invt_mrv_op_name(4), "ATS.INVAL");
	assert_null(invt_mrv_op_name(0));
	assert_true(invt_mrv_describe(gvma, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "IOTINVAL.GVMA av=0 pscv=0 gv=1 nl=0 s=0 pscid=0 gscid=3 addr=0");
	assert_int_equal(invt_mrv_describe(bad, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "ILLEGAL opcode=69 func3=0");

	assert_int_equal(invt_mem_create(&mc, &mem), 0);
	assert_int_equal(invt_oracle_create(&oc, mem, &o), 0);
	assert_int_equal(invt_mrv_create(NULL, mem, o, &m), -EINVAL);
	assert_int_equal(invt_mrv_create(&c, NULL, o, &m), -EINVAL);
	c.iotlb_sets = 3;
	assert_int_equal(invt_mrv_create(&c, mem, o, &m), -EINVAL);
	c.iotlb_sets = 4;
	c.cfg_entries = 0;
	assert_int_equal(invt_mrv_create(&c, mem, o, &m), -EINVAL);
	c.cfg_entries = 4;
	c.cost_ns = costs;
	c.napot = true;
	assert_int_equal(invt_mrv_create(&c, mem, o, &m), 0);
	assert_true(invt_mrv_regs(m)->capabilities & INVT_RV_CAP_S);
	assert_int_equal(invt_mrv_regs(m)->capabilities & (INVT_RV_CAP_ATS | INVT_RV_CAP_NL), 0);
	assert_non_null(invt_mrv_regs(m)->doorbell);
	assert_int_equal(invt_mrv_cost_ns(m, 1), 7);
	assert_int_equal(invt_mrv_cost_ns(m, 2), 70);
	assert_int_equal(invt_mrv_cost_ns(m, 999), 0);
	assert_int_equal(invt_mrv_add_device(m, 1, 0), 0);
	assert_int_equal(invt_mrv_add_device(m, 1, 0), -EEXIST);
	assert_int_equal(invt_mrv_add_device(m, 2, 4), -EINVAL);	/* no capabilities.ATS */
	assert_int_equal(invt_mrv_start(m), 0);			/* inline: nothing */
	/* ddtp Off: every access faults, none crashes */
	assert_int_equal(invt_mrv_dma(m, 1, 0, 0, false), -EFAULT);
	invt_mrv_destroy(m);
	invt_mrv_destroy(NULL);
	invt_oracle_destroy(o);
	invt_mem_destroy(mem);
}

/*
 * Two devices share first-stage domain 0 (PSCID_A); the second is replaced
 * to an empty domain (PSCID_A + 1) with IODIR.INVAL_DDT only (@flush false)
 * or with the old PSCID's IOTINVAL.VMA too (§7.3.1).  Return the
 * WRONG_DOMAIN count; the replaced device must fault whenever it is 0.
 */
static uint64_t share_replace(unsigned int tag, bool flush)
{
	const uint32_t did2 = 6;
	struct fx *f;
	struct dom *b;
	uint64_t n;
	int ret;

	fx_iotlb_tag = tag;
	f = fx_s1(false);
	fx_iotlb_tag = 0;
	b = dom_new(f, 1, false);
	dc_s1(f, did2, &f->dom[0], PSCID_A, 0);
	assert_int_equal(invt_mrv_add_device(f->m, did2, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(invt_mrv_dma(f->m, did2, 0, VA_X, false), 0);

	assert_int_equal(invt_oracle_attach_begin(f->o, 0, did2, 0, b->id), 0);
	dc_set(f, did2, 0, 0, 0, 0);
	if (flush)
		assert_int_equal(RUN(f, INVAL_DDT(did2), VMA_PSCID(PSCID_A)), 0);
	else
		assert_int_equal(RUN(f, INVAL_DDT(did2)), 0);
	dc_s1(f, did2, b, PSCID_A + 1, 0);
	assert_int_equal(RUN(f, INVAL_DDT(did2)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, did2, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, did2, 0), 0);

	ret = invt_mrv_dma(f->m, did2, 0, VA_X, false);
	n = ost(f).violations[INVT_VIOL_WRONG_DOMAIN];
	if (!n)
		assert_int_equal(ret, -EFAULT);
	assert_int_equal(invt_mrv_dma(f->m, DID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_WRONG_DOMAIN], n);
	assert_int_equal(ost(f).total, n);
	fx_free(f);
	return n;
}

/* "Two devices share a domain, one is replaced to an empty domain: it must fault." */
static void test_share_replace(void **state)
{
	(void)state;
	assert_int_equal(share_replace(INVT_MRV_TAG_DEVICE, true), 0);
	assert_int_equal(share_replace(INVT_MRV_TAG_DEVICE, false), 1);
	/* Looked up by PSCID: the skipped IOTINVAL goes unseen. */
	assert_int_equal(share_replace(INVT_MRV_TAG_SCID, false), 0);
}

/*
 * Two stages: iohgatp and iosatp both set.  The VS stage's tables and pages
 * sit at GPAs the G stage maps (identity here); the combined leaf is tagged
 * (GSCID, PSCID); once the G stage stops mapping a VS-stage table, a walk
 * through it faults.
 */
static void test_nested(void **state)
{
	struct fx *f = fx_new(false, 3, 16, 4, 16);
	struct dom *g = dom_new(f, 1, true);
	struct dom *s = dom_new(f, 2, false);
	struct invt_cache_key k = { .kinds = INVT_CACHE_K(INVT_CACHE_NESTED), .tag_s2 = GSCID,
				    .tag_s1 = PSCID_A, .sid = DID_NEST, .ssid = 0, .iova = VA_Z };
	struct unlink u = { .g.table_unlinked = on_unlinked, .f = f };
	struct invt_cache_entry e;
	struct invt_pt_walk res;
	uint64_t pa[2];
	unsigned int i;

	(void)state;
	pa[0] = map(f, s, VA_Z, RW);
	pa[1] = map(f, s, VA_Z + SZ_4K, RW);
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_rv_sv39, &s->ops.ops, s->pt.root_pa, VA_Z,
					 &res), 0);
	for (i = 0; i < res.nr_tables; i++)
		assert_int_equal(invt_pt_map(&g->pt, res.tables[i], res.tables[i], SZ_4K, RW), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(invt_pt_map(&g->pt, pa[i], pa[i], SZ_4K, RW), 0);
	dc_set(f, DID_NEST, TC_V, ATP(8, g->pt.root_pa) | F(GSCID, 44), F(PSCID_A, 12),
	       ATP(8, s->pt.root_pa));
	assert_int_equal(invt_mrv_add_device(f->m, DID_NEST, 0), 0);
	assert_int_equal(invt_mrv_dma(f->m, DID_NEST, 0, VA_Z, true), 0);
	assert_int_equal(invt_cache_lookup(invt_mrv_iotlb(f->m), &k, &e), 0);
	assert_true(e.pa == pa[0]);
	assert_int_equal(e.domain, s->id);
	assert_int_equal(e.domain_s2, g->id);
	assert_int_equal(invt_mrv_dma(f->m, DID_NEST, 0, VA_Z + 8, false), 0);
	assert_int_equal(mst(f).walks, 1);
	/* A process_id under a G stage (a guest-physical PDT): not modelled. */
	assert_int_equal(invt_mrv_dma(f->m, DID_NEST, 1, VA_Z, false), -EFAULT);
	/* The G stage stops mapping the last VS-stage table, GVMA + fence. */
	assert_int_equal(invt_pt_unmap(&g->pt, res.tables[res.nr_tables - 1], SZ_4K, &u.g), 0);
	assert_int_equal(RUN(f, GVMA_ALL(GSCID)), 0);
	release(f);
	assert_int_equal(invt_mrv_dma(f->m, DID_NEST, 0, VA_Z + SZ_4K, false), -EFAULT);
	assert_int_equal(ost(f).accesses, 2);
	assert_int_equal(ost(f).faults, 2);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_stage),
		cmocka_unit_test(test_handshakes),
		cmocka_unit_test(test_gstage),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_stale_leaf),
		cmocka_unit_test(test_iotinval_at_fence),
		cmocka_unit_test(test_walk_cache_leaf_only),
		cmocka_unit_test(test_stale_config),
		cmocka_unit_test(test_stale_refusing_dc),
		cmocka_unit_test(test_share_replace),
		cmocka_unit_test(test_pscid_reuse),
		cmocka_unit_test(test_ats),
		cmocka_unit_test(test_ats_inval_must_wait_for_fence),
		cmocka_unit_test(test_atc_pasid_scopes),
		cmocka_unit_test(test_atc_timeout),
		cmocka_unit_test(test_threaded),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
