// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_driver.c - the RISC-V IOMMU driver (driver.c, driver-cfg.c)
 * against a fake IOMMU written here: run inline from the doorbell, it
 * applies the cqcsr_clear mailbox, turns the queue on, consumes from cqh to
 * cqt recording every command, writes IOFENCE.C DATA to its ADDR, and can
 * reject the nth non-fence command (cmd_ill).  Device and process contexts
 * are read back from the DDT and PDTs with bit positions written here.
 *
 *  - init: ddtp, INVAL_DDT (DV = 0) + fence, DC format from MSI_FLAT, the
 *    shared PSCID space, flags 0; bad configurations unwind;
 *  - masters without PASIDs: S1 / S2 / detach / replace, DC words and the
 *    IODIR.INVAL_DDT + IOFENCE.C steps (break before change);
 *  - masters with PASIDs: DC with PDTV, DPE, PD8; PCs and INVAL_PDT;
 *  - the flush engine waits on the IOTLB fence before queueing ATS.INVAL;
 *  - plan_count == commands consumed over ~20 ranges, two instances;
 *  - an IODIR rejected during install: -EIO, abort restores;
 *  - the "config-inval" ablation drops every IODIR;
 *  - nested domains: the two-stage DC field by field, the commands of
 *    install, commit and a parent unmap through nested -> nested -> parent
 *    -> nested -> blocked, refusals, allocation failure.
 * Single-threaded (the consumer runs in the test's thread).  An alarm
 * bounds each run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <invtrack/ablation.h>
#include <invtrack/fault.h>
#include <invtrack/riscv-driver.h>

#define NRV	2
#define MAXREC	8192
#define PAGE	4096ull
#define CAPS	(INVT_RV_CAP_SV48 | INVT_RV_CAP_SV48X4 | INVT_RV_CAP_ATS | INVT_RV_CAP_PD8 | \
		 INVT_RV_CAP_S | INVT_RV_CAP_NL)

/* ------------------------------------------------------------ fake IOMMU */

struct fiommu {
	struct invt_riscv_regs regs;
	uint64_t dw[MAXREC][2];
	size_t n;		/* commands executed */
	size_t fences;
	unsigned long seen;	/* non-fence commands since armed */
	unsigned long fail_at;	/* reject the fail_at-th; 0 never */
	uint64_t bad[2];	/* the rejected one: its resends are too */
	unsigned int resends;	/* resends of it rejected so far */
	char ev[256];		/* hooks: S submitted, W waited */
	size_t nev;
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void doorbell(void *arg)
{
	struct fiommu *f = arg;
	struct invt_riscv_regs *r = &f->regs;
	uint32_t clr = __atomic_exchange_n(&r->cqcsr_clear, 0, __ATOMIC_ACQUIRE);
	uint32_t csr = __atomic_load_n(&r->cqcsr, __ATOMIC_ACQUIRE) & ~clr;
	uint64_t cqb = r->cqb;
	uint8_t *base = (uint8_t *)(uintptr_t)(((cqb >> 10) & ((1ull << 44) - 1)) << 12);
	uint32_t mask = (2u << (cqb & 0x1f)) - 1;

	if (!(csr & INVT_RV_CQCSR_CQEN)) {
		__atomic_store_n(&r->cqcsr, csr & ~INVT_RV_CQCSR_CQON, __ATOMIC_RELEASE);
		return;
	}
	if (!(csr & INVT_RV_CQCSR_CQON)) {
		csr |= INVT_RV_CQCSR_CQON;
		r->cqh = 0;
	}
	__atomic_store_n(&r->cqcsr, csr, __ATOMIC_RELEASE);
	if (csr & INVT_RV_CQCSR_CMD_ILL)
		return;
	while (r->cqh != __atomic_load_n(&r->cqt, __ATOMIC_ACQUIRE)) {
		const uint8_t *slot = base + (size_t)r->cqh * 16;
		uint64_t dw0 = rd64(slot), dw1 = rd64(slot + 8);
		bool fence = (dw0 & 0x3ff) == 2;

		/*
		 * The driver sends a failed batch again (INVT_CMD_RETRIES_MUST
		 * times): the rejected command's resends are rejected too, so
		 * that the error reaches the caller; an unwind goes through.
		 */
		if (!fence && f->fail_at &&
		    (++f->seen == f->fail_at ||
		     (f->seen > f->fail_at && f->resends < INVT_CMD_RETRIES_MUST &&
		      dw0 == f->bad[0] && dw1 == f->bad[1]))) {
			if (f->seen == f->fail_at)
				f->resends = 0;
			else
				f->resends++;
			f->bad[0] = dw0;
			f->bad[1] = dw1;
			__atomic_store_n(&r->cqcsr, csr | INVT_RV_CQCSR_CMD_ILL, __ATOMIC_RELEASE);
			return;
		}
		if (f->n < MAXREC) {
			f->dw[f->n][0] = dw0;
			f->dw[f->n][1] = dw1;
		}
		f->n++;
		if (fence) {
			f->fences++;
			if (dw0 & (1ull << 10))
				__atomic_store_n((uint32_t *)(uintptr_t)(dw1 << 2),
						 (uint32_t)(dw0 >> 32), __ATOMIC_RELEASE);
		}
		__atomic_store_n(&r->cqh, (r->cqh + 1) & mask, __ATOMIC_RELEASE);
	}
}

/* Field extraction with the spec's bit numbers. */
static unsigned int op(const uint64_t *c)
{
	return c[0] & 0x3ff;	/* opcode | func3 << 7 */
}

#define OP_VMA		1
#define OP_GVMA		(1 | 1 << 7)
#define OP_FENCE	2
#define OP_DDT		3
#define OP_PDT		(3 | 1 << 7)
#define OP_ATS		4

static uint64_t fld(uint64_t w, unsigned int hi, unsigned int lo)
{
	return (w >> lo) & ((2ull << (hi - lo)) - 1);
}

/* ---------------------------------------------------------------- memory */

static long live, pt_live;

static void *m_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	size_t align = bytes < 64 ? 64 : bytes;
	void *p = aligned_alloc(align, align);

	if (!p)
		return NULL;
	memset(p, 0, align);
	*pa = (uintptr_t)p;
	live++;
	return p;
}

static void m_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	assert_int_equal(pa, (uintptr_t)va);
	free(va);
	live--;
}

static const struct invt_dma_ops mem = { m_alloc, m_free, NULL };

static int p_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, PAGE);
	*pa = (uintptr_t)p;
	pt_live++;
	return 0;
}

static void p_free(struct invt_pt_ops *ops, uint64_t pa)
{
	free((void *)(uintptr_t)pa);
	pt_live--;
}

static uint64_t *p_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static int p_alloc_root(struct invt_pt_ops *ops, unsigned int pages, uint64_t *pa)
{
	void *p = aligned_alloc(pages * PAGE, pages * PAGE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, pages * PAGE);
	*pa = (uintptr_t)p;
	pt_live++;
	return 0;
}

static void p_free_root(struct invt_pt_ops *ops, uint64_t pa, unsigned int pages)
{
	free((void *)(uintptr_t)pa);
	pt_live--;
}

static struct invt_pt_ops pt_ops = {
	.alloc_table = p_alloc, .free_table = p_free, .table_va = p_va,
	.alloc_root = p_alloc_root, .free_root = p_free_root,
};

/* ------------------------------------------------------------------ world */

struct env {
	struct invt_ctx ctx;
	struct invt_tag_space pscids;
	struct fiommu f[NRV];
	struct invt_rv rv[NRV];
	bool up[NRV];
};

static struct env *E;

static void h_submitted(void *arg, struct invt_iommu *iommu, const void *cmds, uint32_t n,
			unsigned int bytes)
{
	struct fiommu *f = &E->f[iommu->id];

	assert_int_equal(bytes, 16);
	if (f->nev < sizeof(f->ev) - 1)
		f->ev[f->nev++] = 'S';
}

static void h_waited(void *arg, struct invt_iommu *iommu)
{
	struct fiommu *f = &E->f[iommu->id];

	if (f->nev < sizeof(f->ev) - 1)
		f->ev[f->nev++] = 'W';
}

static const struct invt_drv_hooks hooks = { h_submitted, h_waited, NULL, NULL };

static int setup(void **state)
{
	unsigned int i;

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_ctx_init(&E->ctx);
	assert_int_equal(invt_rv_pscid_space_init(&E->pscids), 0);
	for (i = 0; i < NRV; i++) {
		E->f[i].regs.doorbell = doorbell;
		E->f[i].regs.doorbell_arg = &E->f[i];
		/* Instance 0 uses the extended DC format, instance 1 the base one. */
		E->f[i].regs.capabilities = CAPS | (i ? 0 : INVT_RV_CAP_MSI_FLAT);
	}
	alarm(60);
	return 0;
}

static int teardown(void **state)
{
	unsigned int i;

	for (i = 0; i < NRV; i++)
		if (E->up[i])
			assert_int_equal(invt_rv_destroy(&E->rv[i]), 0);
	assert_int_equal(invt_tag_space_used(&E->pscids), 0);
	invt_tag_space_destroy(&E->pscids);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	assert_int_equal(live, 0);
	assert_int_equal(pt_live, 0);
	free(E);
	E = NULL;
	alarm(0);
	return 0;
}

static struct invt_rv_config base_cfg(unsigned int i)
{
	return (struct invt_rv_config){
		.id = i, .regs = &E->f[i].regs, .cmdq_log2size = 6, .ats = true,
		.caps = { .napot = false }, .pscids = &E->pscids, .mem = &mem, .hooks = &hooks,
	};
}

static struct invt_rv *rv_up(unsigned int i)
{
	struct invt_rv_config cfg = base_cfg(i);

	assert_int_equal(invt_rv_init(&E->rv[i], &E->ctx, &cfg), 0);
	E->up[i] = true;
	return &E->rv[i];
}

static void domain(struct invt_rv_domain *d, enum invt_domain_type t)
{
	assert_int_equal(invt_rv_domain_init(d, &E->ctx, t, &pt_ops), 0);
}

static uint64_t dc(const struct invt_rv *rv, uint32_t id, unsigned int w)
{
	return rv->ddt[id * rv->dc_words + w];
}

static uint32_t tag(struct invt_rv_domain *d, struct invt_rv *rv)
{
	uint32_t t = 0;

	assert_int_equal(invt_domain_tag(&d->dom, &rv->iommu, &t), 0);
	return t;
}

/* The commands executed by instance @i since @from, by op. */
static void expect_ops(unsigned int i, size_t from, const unsigned int *ops, size_t n)
{
	size_t k;

	assert_int_equal(E->f[i].n - from, n);
	for (k = 0; k < n; k++)
		if (op(E->f[i].dw[from + k]) != ops[k])
			fail_msg("command %zu: op %#x, expected %#x", k, op(E->f[i].dw[from + k]),
				 ops[k]);
}

/* ------------------------------------------------------------------ tests */

static void test_init(void **state)
{
	struct invt_rv_config cfg;
	struct invt_rv *r0, *r1, bad;
	static const unsigned int first[] = { OP_DDT, OP_FENCE };

	r0 = rv_up(0);
	r1 = rv_up(1);
	assert_int_equal(E->f[0].regs.ddtp, (r0->ddt_pa >> 12) << 10 | 2);
	expect_ops(0, 0, first, 2);
	assert_int_equal(fld(E->f[0].dw[0][0], 33, 33), 0);	/* DV = 0: all */
	assert_int_equal(r0->dc_words, 8);
	assert_int_equal(r0->nr_dcs, 64);
	assert_int_equal(r1->dc_words, 4);
	assert_int_equal(r1->nr_dcs, 128);
	assert_ptr_equal(r0->iommu.tags[0], &E->pscids);
	assert_ptr_equal(r1->iommu.tags[0], &E->pscids);
	assert_ptr_not_equal(r0->iommu.tags[1], r1->iommu.tags[1]);
	assert_int_equal(r0->iommu.flags & INVT_IOMMU_SYNC_ORDERS, 0);
	assert_int_equal(E->f[0].nev, 2);
	assert_memory_equal(E->f[0].ev, "SW", 2);

	/* Bad configurations: nothing allocated, registers untouched. */
	E->f[1].regs.capabilities &= ~(INVT_RV_CAP_S | INVT_RV_CAP_ATS);
	cfg = base_cfg(1);
	cfg.caps.napot = true;
	assert_int_equal(invt_rv_init(&bad, &E->ctx, &cfg), -EINVAL);
	cfg = base_cfg(1);
	assert_int_equal(invt_rv_init(&bad, &E->ctx, &cfg), -EINVAL);	/* ats */
	cfg.ats = false;
	cfg.cmdq_log2size = 0;
	assert_int_equal(invt_rv_init(&bad, &E->ctx, &cfg), -EINVAL);
	cfg = base_cfg(0);
	cfg.gscid_bits = 17;
	assert_int_equal(invt_rv_init(&bad, &E->ctx, &cfg), -EINVAL);
	assert_int_equal(live, 2 * 3);	/* per instance: queue, completion word, DDT */
}

static void test_rid(void **state)
{
	struct invt_rv *r = rv_up(0);
	struct invt_rv_domain d1, d2, d3;
	struct invt_rv_master m;
	const uint32_t id = 5;
	static const unsigned int one[] = { OP_DDT, OP_FENCE };
	/* Break: INVAL_DDT and the old PSCID's IOTINVAL.VMA (§7.3.1); write: INVAL_DDT. */
	static const unsigned int two[] = { OP_DDT, OP_VMA, OP_FENCE, OP_DDT, OP_FENCE };
	size_t from;
	uint32_t p1, g2;
	unsigned int k;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	domain(&d3, INVT_DOMAIN_S1);
	from = E->f[0].n;
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);
	expect_ops(0, from, one, 2);
	assert_int_equal(fld(E->f[0].dw[from][0], 63, 40), id);
	assert_int_equal(fld(E->f[0].dw[from][0], 33, 33), 1);
	for (k = 0; k < 8; k++)
		assert_int_equal(dc(r, id, k), 0);

	/* S1: a fresh DC, one INVAL_DDT + fence. */
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach(&m, 0, &d1), 0);
	p1 = tag(&d1, r);
	expect_ops(0, from, one, 2);
	assert_int_equal(dc(r, id, 0), INVT_RV_DC_TC_V | INVT_RV_DC_TC_EN_ATS);
	assert_int_equal(dc(r, id, 1), 0);
	assert_int_equal(dc(r, id, 2), (uint64_t)p1 << 12);
	assert_int_equal(dc(r, id, 3), 9ull << 60 | d1.pt.root_pa >> 12);
	assert_ptr_equal(m.rid, &d1);

	/* Replace by S2: break + write, then the commit flushes d1's PSCID and the ATC. */
	from = E->f[0].n;
	{
		struct invt_rv_attach a;

		assert_int_equal(invt_rv_attach_prepare(&a, &m, 0, &d2), 0);
		assert_int_equal(invt_rv_attach_install(&a), 0);
		expect_ops(0, from, two, 5);
		/* VMA, PSCV = 1, the old PSCID, whatever d1's other users. */
		assert_int_equal(fld(E->f[0].dw[from + 1][0], 32, 32), 1);
		assert_int_equal(fld(E->f[0].dw[from + 1][0], 31, 12), p1);
		g2 = tag(&d2, r);
		assert_int_equal(dc(r, id, 0), INVT_RV_DC_TC_V | INVT_RV_DC_TC_EN_ATS);
		assert_int_equal(dc(r, id, 1), 9ull << 60 | (uint64_t)g2 << 44 |
					       d2.pt.root_pa >> 12);
		assert_int_equal(dc(r, id, 2), 0);
		assert_int_equal(dc(r, id, 3), 0);
		assert_int_equal(d2.pt.root_pa & 16383, 0);
		from = E->f[0].n;
		invt_rv_attach_commit(&a);
	}
	/* Somewhere in the commit: IOTINVAL.VMA AV = 0 PSCV = 1 on the old PSCID. */
	for (k = from; k < E->f[0].n; k++)
		if (op(E->f[0].dw[k]) == OP_VMA && fld(E->f[0].dw[k][0], 32, 32) &&
		    !fld(E->f[0].dw[k][0], 10, 10) && fld(E->f[0].dw[k][0], 31, 12) == p1)
			break;
	assert_true(k < E->f[0].n);
	assert_int_equal(invt_domain_tag(&d1.dom, &r->iommu, &p1), -ENOENT);

	/* S1 again, then detach: DC zero, its GSCID flushed with GVMA AV = 0. */
	assert_int_equal(invt_rv_attach(&m, 0, &d3), 0);
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	assert_int_equal(op(E->f[0].dw[from]), OP_DDT);
	assert_int_equal(op(E->f[0].dw[from + 1]), OP_VMA);
	assert_int_equal(op(E->f[0].dw[from + 2]), OP_FENCE);
	for (k = 0; k < 8; k++)
		assert_int_equal(dc(r, id, k), 0);
	assert_null(m.rid);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_domain_destroy(&d1), 0);
	assert_int_equal(invt_rv_domain_destroy(&d2), 0);
	assert_int_equal(invt_rv_domain_destroy(&d3), 0);
}

static void test_pasid(void **state)
{
	struct invt_rv *r = rv_up(1);
	struct invt_rv_domain d1, d2, s2;
	struct invt_rv_master m;
	const uint32_t id = 100;	/* base format: 128 DCs */
	static const unsigned int one[] = { OP_PDT, OP_FENCE };
	struct invt_rv_attach a;
	size_t from;
	uint32_t p1;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	domain(&s2, INVT_DOMAIN_S2);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 4, false), 0);
	assert_non_null(m.pdt);
	assert_int_equal(dc(r, id, 0), INVT_RV_DC_TC_V | INVT_RV_DC_TC_PDTV | INVT_RV_DC_TC_DPE);
	assert_int_equal(dc(r, id, 2), 0);
	assert_int_equal(dc(r, id, 3), 1ull << 60 | m.pdt_pa >> 12);

	from = E->f[1].n;
	assert_int_equal(invt_rv_attach(&m, 0, &d1), 0);
	expect_ops(1, from, one, 2);
	assert_int_equal(fld(E->f[1].dw[from][0], 63, 40), id);
	assert_int_equal(fld(E->f[1].dw[from][0], 31, 12), 0);
	p1 = tag(&d1, r);
	assert_int_equal(m.pdt[0], (uint64_t)p1 << 12 | 1);
	assert_int_equal(m.pdt[1], 9ull << 60 | d1.pt.root_pa >> 12);
	from = E->f[1].n;
	assert_int_equal(invt_rv_attach(&m, 3, &d2), 0);
	assert_int_equal(fld(E->f[1].dw[from][0], 31, 12), 3);
	assert_int_equal(m.pdt[6], (uint64_t)tag(&d2, r) << 12 | 1);
	/* PASID devices take first-stage domains only. */
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 1, &s2), -EINVAL);
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 4, &d1), -EINVAL);
	/* Replace PASID 3 by d1: break + write on PC 3 only. */
	from = E->f[1].n;
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 3, &d1), 0);
	assert_int_equal(invt_rv_attach_install(&a), 0);
	assert_int_equal(E->f[1].n - from, 5);	/* the old PSCID's VMA too (§7.3.2) */
	assert_int_equal(op(E->f[1].dw[from + 1]), OP_VMA);
	assert_int_equal(m.pdt[6], (uint64_t)p1 << 12 | 1);
	invt_rv_attach_commit(&a);
	assert_int_equal(invt_rv_master_destroy(&m), -EBUSY);
	assert_int_equal(invt_rv_attach(&m, 3, NULL), 0);
	assert_int_equal(m.pdt[6] | m.pdt[7], 0);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	from = E->f[1].n;
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(op(E->f[1].dw[from]), OP_DDT);
	assert_int_equal(dc(r, id, 0) | dc(r, id, 3), 0);
	assert_int_equal(invt_rv_domain_destroy(&d1), 0);
	assert_int_equal(invt_rv_domain_destroy(&d2), 0);
	assert_int_equal(invt_rv_domain_destroy(&s2), 0);
}

static void test_master_errors(void **state)
{
	struct invt_rv *r = rv_up(0);
	struct invt_rv_master m, m2;
	uint32_t id = 64, ok = 3;
	long before = live;

	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, false), -EINVAL);
	assert_int_equal(invt_rv_master_init(&m, r, &ok, 1, 257, false), -EINVAL);
	assert_int_equal(invt_rv_master_init(&m, r, &ok, 1, 0, false), -EINVAL);
	assert_int_equal(invt_rv_master_init(&m, r, &ok, 1, 4, false), 0);
	/* The id is taken (its DC is valid). */
	assert_int_equal(invt_rv_master_init(&m2, r, &ok, 1, 4, false), -EINVAL);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	r->capabilities &= ~INVT_RV_CAP_PD8;
	assert_int_equal(invt_rv_master_init(&m, r, &ok, 1, 4, false), -EINVAL);
	r->ats = false;
	assert_int_equal(invt_rv_master_init(&m, r, &ok, 1, 1, true), -EINVAL);
	assert_int_equal(live, before);
}

/* The IOTLB fence is waited for before ATS.INVAL is queued. */
static void test_flush_order(void **state)
{
	struct invt_rv *r = rv_up(0);
	struct invt_rv_domain d;
	struct invt_rv_master m;
	const uint32_t id = 9;
	static const unsigned int ops[] = { OP_VMA, OP_VMA, OP_VMA, OP_FENCE, OP_ATS, OP_FENCE };
	size_t from, ev;
	uint32_t p;

	domain(&d, INVT_DOMAIN_S1);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);
	assert_int_equal(invt_rv_attach(&m, 0, &d), 0);
	p = tag(&d, r);
	from = E->f[0].n;
	ev = E->f[0].nev;
	assert_int_equal(invt_domain_invalidate(&d.dom, 0x10000, 3 * PAGE, true), 0);
	expect_ops(0, from, ops, 6);
	assert_int_equal(E->f[0].nev - ev, 4);
	assert_memory_equal(E->f[0].ev + ev, "SWSW", 4);
	assert_int_equal(fld(E->f[0].dw[from + 2][0], 31, 12), p);
	assert_int_equal(fld(E->f[0].dw[from + 2][1], 61, 10), 0x12);
	/* ATS.INVAL: RID 9, pages 0x10..0x12 -> 4 pages at 0x10, S = 1. */
	assert_int_equal(fld(E->f[0].dw[from + 4][0], 55, 40), id);
	assert_int_equal(E->f[0].dw[from + 4][1], 0x11000 | 1 << 11);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_domain_destroy(&d), 0);
}

static size_t total_cmds(void)
{
	return E->f[0].n + E->f[1].n;
}

static size_t total_fences(void)
{
	return E->f[0].fences + E->f[1].fences;
}

static void test_plan_count(void **state)
{
	struct invt_rv *r0 = rv_up(0), *r1 = rv_up(1);
	struct invt_rv_domain d1, d2;
	struct invt_rv_master ma, mb, mc, md;
	const uint32_t ia = 1, ib = 2, ic = 3, id = 4;
	static const struct { uint64_t iova, size; bool leaf; } rg[] = {
		{ 0, PAGE, true }, { 0x1000, 2 * PAGE, true }, { 0x7000, 511 * PAGE, true },
		{ 0, 512 * PAGE, true }, { 0x200000, 0x200000, false }, { 0x1000, PAGE, false },
		{ 0x123000, 17 * PAGE, true }, { 1ull << 40, 1ull << 30, true },
		{ 0xfffffffffffff000ull, PAGE, true }, { 0xffffffffffffe000ull, 2 * PAGE, true },
		{ (1ull << 57) - PAGE, 2 * PAGE, true },
		{ (1ull << 48) - 3 * PAGE, 3 * PAGE, true },
		{ 0, 0, true } /* all */, { 0x5000, 300 * PAGE, false }, { 0x3000, 8 * PAGE, true },
		{ 0x40000000, 0x40000000, true }, { 0xabc000, PAGE, true },
		{ 0x10000, 100 * PAGE, true }, { 0, 1ull << 47, true }, { 0x8000, 4 * PAGE, true },
	};
	uint64_t cmds, syncs;
	struct invt_invs *invs;
	unsigned int i, k;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	assert_int_equal(invt_rv_master_init(&ma, r0, &ia, 1, 1, true), 0);
	assert_int_equal(invt_rv_master_init(&mb, r1, &ib, 1, 1, false), 0);
	assert_int_equal(invt_rv_master_init(&mc, r0, &ic, 1, 4, true), 0);
	assert_int_equal(invt_rv_master_init(&md, r1, &id, 1, 1, true), 0);
	assert_int_equal(invt_rv_attach(&ma, 0, &d1), 0);
	assert_int_equal(invt_rv_attach(&mb, 0, &d1), 0);
	assert_int_equal(invt_rv_attach(&mc, 2, &d1), 0);
	assert_int_equal(invt_rv_attach(&md, 0, &d2), 0);
	/* One PSCID for d1 on both instances (one shared space). */
	assert_int_equal(tag(&d1, r0), tag(&d1, r1));
	assert_int_equal(fld(dc(r0, ia, 2), 31, 12), tag(&d1, r0));
	assert_int_equal(fld(dc(r1, ib, 2), 31, 12), tag(&d1, r0));
	assert_int_equal(fld(mc.pdt[4], 31, 12), tag(&d1, r0));
	assert_int_equal(invt_tag_space_used(&E->pscids), 1);

	for (k = 0; k < 2; k++) {
		struct invt_rv_domain *d = k ? &d2 : &d1;

		for (i = 0; i < sizeof(rg) / sizeof(rg[0]); i++) {
			struct invt_range r = { .start = rg[i].iova, .leaf = rg[i].leaf,
						.all = !rg[i].size };
			size_t c0 = total_cmds(), f0 = total_fences();

			r.last = rg[i].iova + (rg[i].size - 1);
			invs = invt_domain_invs_get(&d->dom);
			assert_non_null(invs);
			invt_rv_plan_count(invs, &r, &cmds, &syncs);
			invt_invs_free(invs);
			if (r.all)
				assert_int_equal(invt_domain_invalidate_all(&d->dom), 0);
			else
				assert_int_equal(invt_domain_invalidate(&d->dom, rg[i].iova,
									rg[i].size, rg[i].leaf), 0);
			if (total_cmds() - c0 != cmds || total_fences() - f0 != syncs)
				fail_msg("domain %u range %u: %zu cmds %zu fences, plan %llu %llu",
					 k, i, total_cmds() - c0, total_fences() - f0,
					 (unsigned long long)cmds, (unsigned long long)syncs);
			assert_true(syncs >= 2);
		}
	}
	assert_int_equal(r0->stats.build_errors + r1->stats.build_errors, 0);
	assert_int_equal(r0->stats.wait_errors + r1->stats.wait_errors, 0);
	assert_int_equal(invt_rv_attach(&ma, 0, NULL), 0);
	assert_int_equal(invt_rv_attach(&mb, 0, NULL), 0);
	assert_int_equal(invt_rv_attach(&mc, 2, NULL), 0);
	assert_int_equal(invt_rv_attach(&md, 0, NULL), 0);
	assert_int_equal(invt_tag_space_used(&E->pscids), 0);
	assert_int_equal(invt_rv_master_destroy(&ma), 0);
	assert_int_equal(invt_rv_master_destroy(&mb), 0);
	assert_int_equal(invt_rv_master_destroy(&mc), 0);
	assert_int_equal(invt_rv_master_destroy(&md), 0);
	assert_int_equal(invt_rv_domain_destroy(&d1), 0);
	assert_int_equal(invt_rv_domain_destroy(&d2), 0);
}

/* An IODIR rejected at each point of a replace: -EIO, abort restores. */
static void test_install_error(void **state)
{
	struct invt_rv *r = rv_up(0);
	struct invt_rv_domain d1, d2;
	struct invt_rv_master m;
	const uint32_t id = 6;
	uint64_t want[8];
	unsigned int at, k;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, false), 0);
	assert_int_equal(invt_rv_attach(&m, 0, &d1), 0);
	for (k = 0; k < 8; k++)
		want[k] = dc(r, id, k);
	for (at = 1; at <= 2; at++) {
		struct invt_rv_attach a;
		struct invt_invs *invs;

		E->f[0].seen = 0;
		E->f[0].fail_at = at;
		assert_int_equal(invt_rv_attach_prepare(&a, &m, 0, &d2), 0);
		assert_int_equal(invt_rv_attach_install(&a), -EIO);
		E->f[0].fail_at = 0;
		invt_rv_attach_abort(&a);
		for (k = 0; k < 8; k++)
			assert_int_equal(dc(r, id, k), want[k]);
		assert_ptr_equal(m.rid, &d1);
		invs = invt_domain_invs_get(&d2.dom);
		assert_int_equal(invs->num_invs - invs->num_trashes, 0);
		invt_invs_free(invs);
	}
	assert_true(r->cmdq.stats.ill >= 2);
	assert_int_equal(invt_rv_attach(&m, 0, &d2), 0);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_domain_destroy(&d1), 0);
	assert_int_equal(invt_rv_domain_destroy(&d2), 0);
}

static void test_ablate_config_inval(void **state)
{
	struct invt_rv *r;
	struct invt_rv_domain d1, d2;
	struct invt_rv_master m, mp;
	const uint32_t id = 10, pid = 11;
	size_t from, k;

	if (!invt_ablations_built())
		skip();
	r = rv_up(0);
	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);
	assert_int_equal(invt_rv_master_init(&mp, r, &pid, 1, 4, false), 0);
	assert_int_equal(invt_ablate(&E->ctx, "config-inval"), 0);
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach(&m, 0, &d1), 0);
	assert_int_equal(invt_rv_attach(&m, 0, &d2), 0);
	assert_int_equal(invt_rv_attach(&mp, 1, &d1), 0);
	assert_int_equal(invt_rv_attach(&mp, 1, NULL), 0);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	for (k = from; k < E->f[0].n; k++)
		assert_true(op(E->f[0].dw[k]) != OP_DDT && op(E->f[0].dw[k]) != OP_PDT);
	assert_true(E->f[0].n > from);	/* the commits' IOTINVAL / ATS.INVAL */
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_master_destroy(&mp), 0);
	assert_int_equal(invt_rv_domain_destroy(&d1), 0);
	assert_int_equal(invt_rv_domain_destroy(&d2), 0);
}

/* --------------------------------------------------------------- nested */

/* The parent's live entries, by (type, id). */
static void expect_parent(struct invt_rv_domain *p, const uint8_t *types, const uint32_t *ids,
			  size_t n)
{
	struct invt_invs *inv = invt_domain_invs_get(&p->dom);
	size_t i;

	assert_non_null(inv);
	assert_int_equal(inv->num_invs, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(inv->inv[i].type, types[i]);
		assert_int_equal(inv->inv[i].id, ids[i]);
	}
	invt_invs_free(inv);
}

/* The DC of @id is nested for @n: §2.1.3 field by field. */
static void check_dc_nested(const struct invt_rv *r, uint32_t id, struct invt_rv_domain *n,
			    uint32_t gscid)
{
	unsigned int k;

	assert_int_equal(dc(r, id, 0), INVT_RV_DC_TC_V | INVT_RV_DC_TC_EN_ATS);	/* tc */
	assert_int_equal(fld(dc(r, id, 1), 63, 60), 9);			/* iohgatp Sv48x4 */
	assert_int_equal(fld(dc(r, id, 1), 59, 44), gscid);			/* parent's GSCID */
	assert_int_equal(fld(dc(r, id, 1), 43, 0), n->parent->pt.root_pa >> 12);
	assert_int_equal(fld(dc(r, id, 2), 31, 12), n->s1.pscid);		/* guest's PSCID */
	assert_int_equal(dc(r, id, 2) & ~(0xfffffull << 12), 0);
	assert_int_equal(fld(dc(r, id, 3), 63, 60), n->s1.mode);		/* iosatp.MODE */
	assert_int_equal(fld(dc(r, id, 3), 59, 44), 0);
	assert_int_equal(fld(dc(r, id, 3), 43, 0), n->s1.root >> 12);	/* GPA root */
	for (k = 4; k < r->dc_words; k++)
		assert_int_equal(dc(r, id, k), 0);
}

/*
 * Nested attach, a parent unmap, replace nested -> other nested -> parent
 * directly -> nested -> blocked: the DC, the commands and the parent's array.
 */
static void test_nested(void **state)
{
	struct invt_rv *r = rv_up(0);
	const struct invt_rv_s1_cfg g1 = { INVT_RV_ATP_MODE_SV48, 0x40000, 0x777 };
	const struct invt_rv_s1_cfg g2 = { INVT_RV_ATP_MODE_SV39, 0x80000, 5 };
	const uint8_t S2 = INVT_INV_IOTLB_S2, CLR = INVT_INV_IOTLB_S2_S1_CLEAR;
	struct invt_rv_domain p, n1, n2;
	struct invt_rv_master m;
	struct invt_rv_attach a;
	const uint32_t id = 7;
	size_t from, k;
	uint32_t g;

	r->capabilities |= INVT_RV_CAP_SV39;
	domain(&p, INVT_DOMAIN_S2);
	assert_int_equal(invt_rv_domain_init_nested(&n1, &p, &g1), 0);
	assert_int_equal(invt_rv_domain_init_nested(&n2, &p, &g2), 0);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);

	/* Attach N1: a fresh DC, INVAL_DDT + fence; the parent's GSCID. */
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach(&m, 0, &n1), 0);
	{
		static const unsigned int ops[] = { OP_DDT, OP_FENCE };

		expect_ops(0, from, ops, 2);
	}
	g = tag(&p, r);
	assert_int_equal(tag(&n1, r), g);
	check_dc_nested(r, id, &n1, g);
	{
		const uint8_t t[] = { S2, CLR, INVT_INV_ATC_FULL };
		const uint32_t i[] = { g, g, id };

		expect_parent(&p, t, i, 3);
	}

	/* A parent unmap of one page: GVMA, VMA of the GSCID, whole ATS.INVAL. */
	from = E->f[0].n;
	assert_int_equal(invt_domain_invalidate(&p.dom, PAGE, PAGE, true), 0);
	{
		static const unsigned int ops[] = { OP_GVMA, OP_FENCE, OP_VMA, OP_FENCE,
						    OP_ATS, OP_FENCE };
		const struct invt_range rg = { .start = PAGE, .last = 2 * PAGE - 1, .leaf = true };
		struct invt_invs *inv = invt_domain_invs_get(&p.dom);
		const uint64_t *vma = E->f[0].dw[from + 2];
		uint64_t cmds, syncs;

		expect_ops(0, from, ops, 6);
		assert_int_equal(fld(E->f[0].dw[from][0], 59, 44), g);	/* GVMA GSCID */
		assert_int_equal(fld(E->f[0].dw[from][0], 33, 33), 1);	/* GV */
		assert_int_equal(fld(vma[0], 10, 10), 0);		/* AV = 0: all */
		assert_int_equal(fld(vma[0], 32, 32), 0);		/* PSCV = 0: all PSCIDs */
		assert_int_equal(fld(vma[0], 33, 33), 1);		/* GV = 1 */
		assert_int_equal(fld(vma[0], 59, 44), g);
		assert_int_equal(fld(E->f[0].dw[from + 4][0], 32, 32), 0);	/* ATS PV = 0 */
		invt_rv_plan_count(inv, &rg, &cmds, &syncs);
		invt_invs_free(inv);
		assert_int_equal(cmds, 6);
		assert_int_equal(syncs, 3);
	}

	/* Replace N1 -> N2: break (INVAL_DDT, VMA + GVMA of the GSCID), write. */
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 0, &n2), 0);
	assert_int_equal(invt_rv_attach_install(&a), 0);
	{
		static const unsigned int ops[] = { OP_DDT, OP_VMA, OP_GVMA, OP_FENCE, OP_DDT,
						    OP_FENCE };

		expect_ops(0, from, ops, 6);
	}
	check_dc_nested(r, id, &n2, g);
	from = E->f[0].n;
	invt_rv_attach_commit(&a);
	{
		/* The ATC only: the GSCID and its clear keep N2 as a user. */
		static const unsigned int ops[] = { OP_ATS, OP_FENCE };

		expect_ops(0, from, ops, 2);
	}

	/* Replace N2 -> the parent: S2 only; the clear and the whole ATC go. */
	from = E->f[0].n;
	assert_int_equal(invt_rv_attach(&m, 0, &p), 0);
	assert_int_equal(fld(dc(r, id, 1), 59, 44), g);
	assert_int_equal(dc(r, id, 2), 0);
	assert_int_equal(dc(r, id, 3), 0);
	{
		const uint8_t t[] = { S2, INVT_INV_ATC };
		const uint32_t i[] = { g, id };

		expect_parent(&p, t, i, 2);
	}
	for (k = from; k < E->f[0].n; k++)
		if (op(E->f[0].dw[k]) == OP_VMA && fld(E->f[0].dw[k][0], 33, 33) &&
		    !fld(E->f[0].dw[k][0], 32, 32))
			break;
	assert_true(k < E->f[0].n);	/* the dead clear was flushed */

	/* Back to N1, then blocked: nothing left, the GSCID released. */
	assert_int_equal(invt_rv_attach(&m, 0, &n1), 0);
	check_dc_nested(r, id, &n1, g);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	for (k = 0; k < r->dc_words; k++)
		assert_int_equal(dc(r, id, k), 0);
	expect_parent(&p, NULL, NULL, 0);
	assert_int_equal(invt_tag_space_used(&r->gscids), 0);
	assert_int_equal(invt_tag_space_used(&E->pscids), 0);	/* guest PSCIDs are not ours */

	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_domain_destroy(&p), -EBUSY);
	assert_int_equal(invt_rv_domain_destroy(&n1), 0);
	assert_int_equal(invt_rv_domain_destroy(&n2), 0);
	assert_int_equal(invt_rv_domain_destroy(&p), 0);
}

/* Nesting refused: capabilities, PASID masters, bad guest fields; nothing changes. */
static void test_nested_refused(void **state)
{
	struct invt_rv *r = rv_up(0);
	const struct invt_rv_s1_cfg g48 = { INVT_RV_ATP_MODE_SV48, 0x40000, 1 };
	const struct invt_rv_s1_cfg g57 = { INVT_RV_ATP_MODE_SV57, 0x40000, 1 };
	struct invt_rv_s1_cfg bad = g48;
	struct invt_rv_domain p, s1, n48, n57, nb;
	struct invt_rv_master m, mp;
	struct invt_rv_attach a;
	const uint32_t id = 9, idp = 10;
	uint64_t before[8];
	struct invt_invs *invs;
	size_t n;
	unsigned int k;

	domain(&p, INVT_DOMAIN_S2);
	domain(&s1, INVT_DOMAIN_S1);
	assert_int_equal(invt_rv_domain_init_nested(&n48, &p, &g48), 0);
	assert_int_equal(invt_rv_domain_init_nested(&n57, &p, &g57), 0);
	/* Init: an S1 parent, Bare or a reserved mode, a bad root, a wide PSCID. */
	assert_int_equal(invt_rv_domain_init_nested(&nb, &s1, &g48), -EINVAL);
	bad.mode = INVT_RV_ATP_MODE_BARE;
	assert_int_equal(invt_rv_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad.mode = 11;
	assert_int_equal(invt_rv_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad = g48;
	bad.root = 0x40800;
	assert_int_equal(invt_rv_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad.root = 1ull << 56;
	assert_int_equal(invt_rv_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad = g48;
	bad.pscid = 1u << 20;
	assert_int_equal(invt_rv_domain_init_nested(&nb, &p, &bad), -EINVAL);

	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);
	assert_int_equal(invt_rv_master_init(&mp, r, &idp, 1, 4, false), 0);
	assert_int_equal(invt_rv_attach(&m, 0, &s1), 0);
	for (k = 0; k < 8; k++)
		before[k] = dc(r, id, k);
	n = E->f[0].n;
	invs = p.dom.invs;
	/* No Sv57 for the guest's VS stage; then no Sv48x4 for the G stage. */
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 0, &n57), -EOPNOTSUPP);
	r->capabilities &= ~INVT_RV_CAP_SV48X4;
	assert_int_equal(invt_rv_attach_prepare(&a, &m, 0, &n48), -EOPNOTSUPP);
	/* PASID masters keep their PDT in the DC: no nested DC there. */
	assert_int_equal(invt_rv_attach_prepare(&a, &mp, 0, &n48), -EINVAL);
	assert_int_equal(E->f[0].n, n);
	assert_ptr_equal(p.dom.invs, invs);
	for (k = 0; k < 8; k++)
		assert_int_equal(dc(r, id, k), before[k]);
	/* With the capabilities it attaches. */
	r->capabilities |= INVT_RV_CAP_SV48X4 | INVT_RV_CAP_SV57;
	assert_int_equal(invt_rv_attach(&m, 0, &n57), 0);
	assert_int_equal(fld(dc(r, id, 3), 63, 60), INVT_RV_ATP_MODE_SV57);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_master_destroy(&mp), 0);
	assert_int_equal(invt_rv_domain_destroy(&n48), 0);
	assert_int_equal(invt_rv_domain_destroy(&n57), 0);
	assert_int_equal(invt_rv_domain_destroy(&p), 0);
	assert_int_equal(invt_rv_domain_destroy(&s1), 0);
}

/*
 * A nested attach fails at each of its allocations in turn (the core's:
 * slot, entries, the parent's binding, the merge): -ENOMEM, nothing changed.
 */
static void test_nested_alloc_fail(void **state)
{
	struct invt_rv *r = rv_up(0);
	const struct invt_rv_s1_cfg g = { INVT_RV_ATP_MODE_SV48, 0x40000, 3 };
	struct invt_rv_domain p, n;
	struct invt_rv_master m;
	struct invt_rv_attach a;
	struct invt_invs *before;
	const uint32_t id = 11;
	unsigned int nth, fired = 0, k;
	size_t cmds;
	int ret;

	domain(&p, INVT_DOMAIN_S2);
	assert_int_equal(invt_rv_domain_init_nested(&n, &p, &g), 0);
	assert_int_equal(invt_rv_master_init(&m, r, &id, 1, 1, true), 0);
	for (nth = 1;; nth++) {
		before = p.dom.invs;
		cmds = E->f[0].n;
		invt_fault_inject(nth);
		ret = invt_rv_attach_prepare(&a, &m, 0, &n);
		if (invt_fault_pending() || !ret) {
			invt_fault_inject(0);
			assert_int_equal(ret, 0);
			invt_rv_attach_abort(&a);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_ptr_equal(p.dom.invs, before);
		assert_int_equal(p.dom.nr_bindings, 0);
		assert_int_equal(invt_tag_space_used(&r->gscids), 0);
		assert_false(invt_device_in_use(&m.dev));
		assert_int_equal(E->f[0].n, cmds);
		for (k = 0; k < r->dc_words; k++)
			assert_int_equal(dc(r, id, k), 0);
		fired++;
	}
	assert_true(fired >= 4);
	assert_int_equal(invt_rv_attach(&m, 0, &n), 0);
	assert_int_equal(invt_rv_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_rv_master_destroy(&m), 0);
	assert_int_equal(invt_rv_domain_destroy(&n), 0);
	assert_int_equal(invt_rv_domain_destroy(&p), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_rid),
		T(test_pasid),
		T(test_master_errors),
		T(test_flush_order),
		T(test_plan_count),
		T(test_install_error),
		T(test_ablate_config_inval),
		T(test_nested),
		T(test_nested_refused),
		T(test_nested_alloc_fail),
	};

	invt_rcu_register_thread();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
