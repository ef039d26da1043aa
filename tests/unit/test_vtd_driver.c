// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_driver.c - the VT-d driver (driver.c, driver-cfg.c) against a
 * fake unit written here: an inline consumer of the invalidation queue that
 * records every descriptor (qw0, qw1), writes wait status words, and may
 * reject the nth non-wait descriptor (IQE).  Root, context and PASID
 * structures are read back from memory and checked bit by bit against the
 * §9.x layouts written out here.
 *
 *  - init: registers, root entry, the global flush, flags and DID space,
 *    bad configurations;
 *  - masters: context entries, PASID directory, context-cache invalidation,
 *    RIDs in use, destroy;
 *  - attach / replace / detach at the RID (second stage) and at a PASID
 *    (first stage): PASID entries and the exact invalidation sequence
 *    (PASID cache, IOTLB, device TLB) of install, and what commit adds;
 *  - the flush engine's descriptors for a range (the unlisted pair's
 *    PASID-based IOTLB descriptors rewritten as IOTLB ones, the fenced wait
 *    when they no longer can be, neither under the atc-order ablation), and
 *    plan_count equal to what the unit consumed over ~20 ranges on two units;
 *  - a rejected descriptor during install: -EIO, abort restores the entry;
 *  - no_fence: one submission per phase; hooks; the config-inval ablation;
 *  - nested domains: the PGTT 011b PASID entry bit by bit, the descriptors
 *    of install, commit and a parent unmap through nested -> nested ->
 *    parent -> nested -> blocked, refusals without the capabilities,
 *    allocation failure.
 * Single-threaded: the unit runs in the test's thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/fault.h>
#include <invtrack/vtd-driver.h>

#define NUNIT		2
#define MAXREC		8192
#define PAGE		4096ull
#define ALL_ADDR	0x7ffffffffffff000ull

/* CAP: ND 2 (256 DIDs), SAGAW 4- and 5-level, MGAW 48, PSI, MAMV 18. */
#define TEST_CAP	(2ull | (0xcull << 8) | (47ull << 16) | (1ull << 39) | (18ull << 48))
/* ECAP: QI, DT, PASID with 20 bits, SMTS, SLTS, FLTS. */
#define TEST_ECAP	((1ull << 1) | (1ull << 2) | (1ull << 40) | (19ull << 35) | \
			 (1ull << 43) | (1ull << 46) | (1ull << 47))

/* ------------------------------------------------------------ fake unit */

struct unit {
	struct invt_vtd_regs regs;
	uint64_t qw0[MAXREC], qw1[MAXREC];
	size_t n;		/* descriptors executed */
	size_t waits;		/* SW = 1 waits */
	unsigned long seen;	/* non-wait descriptors since armed */
	unsigned long fail_at;	/* reject the fail_at-th; 0: never */
	uint64_t bad0, bad1;	/* the rejected one: its resends are too */
	unsigned int resends;	/* resends of it rejected so far */
	unsigned int doorbells;
	uint32_t gcmds[8];		/* GCMD writes, the last 8 */
	unsigned int nr_gcmd;
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void unit_doorbell(void *arg)
{
	struct unit *u = arg;
	uint32_t clr = __atomic_exchange_n(&u->regs.fsts_clear, 0, __ATOMIC_ACQUIRE);
	uint64_t iqa, n;
	uint8_t *base;

	u->doorbells++;
	__atomic_fetch_and(&u->regs.fsts, ~clr, __ATOMIC_RELEASE);
	/* GCMD: reported at once (the model's lag is tested in test_model_vtd). */
	if (__atomic_exchange_n(&u->regs.gcmd_written, 0, __ATOMIC_ACQUIRE)) {
		uint32_t cmd = __atomic_load_n(&u->regs.gcmd, __ATOMIC_RELAXED);
		uint32_t sts = (cmd & (INVT_VTD_GSTS_TES | INVT_VTD_GSTS_QIES)) |
			       (u->regs.gsts & INVT_VTD_GSTS_RTPS);

		if (cmd & INVT_VTD_GCMD_SRTP)
			sts |= INVT_VTD_GSTS_RTPS;
		u->gcmds[u->nr_gcmd++ % 8] = cmd;
		__atomic_store_n(&u->regs.gsts, sts, __ATOMIC_RELEASE);
	}
	if (u->regs.fsts & INVT_VTD_FSTS_IQE)
		return;
	iqa = __atomic_load_n(&u->regs.iqa, __ATOMIC_ACQUIRE);
	assert_true(iqa & INVT_VTD_IQA_DW);	/* scalable mode: 256-bit */
	base = (uint8_t *)(uintptr_t)(iqa & ~0xfffull);
	n = 1ull << ((iqa & 7) + 7);
	for (;;) {
		uint64_t head = __atomic_load_n(&u->regs.iqh, __ATOMIC_RELAXED) >> 5;
		uint64_t tail = __atomic_load_n(&u->regs.iqt, __ATOMIC_ACQUIRE) >> 5;
		uint8_t *d = base + head * 32;
		uint64_t qw0, qw1;

		if (head == tail)
			return;
		qw0 = le64(d);
		qw1 = le64(d + 8);
		assert_int_equal(le64(d + 16) | le64(d + 24), 0);	/* qw2, qw3 */
		/*
		 * The driver sends a failed batch again (INVT_CMD_RETRIES_MUST
		 * times): the rejected descriptor's resends are rejected too,
		 * so that the error reaches the caller; an unwind goes through.
		 */
		if ((qw0 & 0xf) != 5 && u->fail_at &&
		    (++u->seen == u->fail_at ||
		     (u->seen > u->fail_at && u->resends < INVT_CMD_RETRIES_MUST &&
		      qw0 == u->bad0 && qw1 == u->bad1))) {
			if (u->seen == u->fail_at)
				u->resends = 0;
			else
				u->resends++;
			u->bad0 = qw0;
			u->bad1 = qw1;
			__atomic_fetch_or(&u->regs.fsts, INVT_VTD_FSTS_IQE, __ATOMIC_RELEASE);
			return;
		}
		if (u->n < MAXREC) {
			u->qw0[u->n] = qw0;
			u->qw1[u->n] = qw1;
		}
		u->n++;
		if ((qw0 & 0xff) == 0x65 || (qw0 & 0xff) == 0x25) {
			u->waits++;
			uint32_t *st = (uint32_t *)(uintptr_t)(qw1 & ~3ull);

			__atomic_store_n(st, (uint32_t)(qw0 >> 32), __ATOMIC_RELEASE);
		}
		__atomic_store_n(&u->regs.iqh, ((head + 1) % n) << 5, __ATOMIC_RELEASE);
	}
}

/* Expected descriptor words (§6.5.2), written out independently. */
#define D_CC_GLOBAL		0x11ull
#define D_CC_DEV(sid)		(0x31ull | (uint64_t)(sid) << 32)
#define D_PC_GLOBAL		0x37ull
#define D_PC(did, pasid)	(0x17ull | (uint64_t)(did) << 16 | (uint64_t)(pasid) << 32)
#define D_IOTLB_GLOBAL		0x12ull
#define D_IOTLB_DSI(did)	(0x22ull | (uint64_t)(did) << 16)
#define D_IOTLB_PSI(did)	(0x32ull | (uint64_t)(did) << 16)
#define D_PIOTLB_PASID(did, p)	(0x26ull | (uint64_t)(did) << 16 | (uint64_t)(p) << 32)
#define D_PIOTLB_PSI(did, p)	(0x36ull | (uint64_t)(did) << 16 | (uint64_t)(p) << 32)
#define D_DEVTLB(sid)		(0x3ull | ((uint64_t)(sid) & 0xf) << 12 | \
				 (uint64_t)(sid) << 32 | ((uint64_t)(sid) >> 4) << 52)
#define D_PDEVTLB(sid, p)	(0x8ull | ((uint64_t)(sid) & 0xf) << 12 | (uint64_t)(sid) << 16 | \
				 (uint64_t)(p) << 32 | ((uint64_t)(sid) >> 4) << 52)

static bool is_wait(uint64_t qw0, bool fn)
{
	return (qw0 & 0xffffffffull) == (fn ? 0x65ull : 0x25ull);
}

/* --------------------------------------------------------------- memory */

struct tmem {
	struct invt_dma_ops ops;
	unsigned long calls;
	unsigned long fail_at;
	long live;
};

static void *tmem_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct tmem *t = arg;
	size_t align = bytes < 64 ? 64 : bytes;
	void *p;

	if (++t->calls == t->fail_at)
		return NULL;
	p = aligned_alloc(align, align);
	if (!p)
		return NULL;
	memset(p, 0, align);
	*pa = (uintptr_t)p;
	t->live++;
	return p;
}

static void tmem_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct tmem *t = arg;

	assert_int_equal(pa, (uintptr_t)va);
	free(va);
	t->live--;
}

struct tpt {
	struct invt_pt_ops ops;
	long live;
};

static int tpt_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, PAGE);
	*pa = (uintptr_t)p;
	((struct tpt *)ops)->live++;
	return 0;
}

static void tpt_free(struct invt_pt_ops *ops, uint64_t pa)
{
	free((void *)(uintptr_t)pa);
	((struct tpt *)ops)->live--;
}

static uint64_t *tpt_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

/* ----------------------------------------------------------------- world */

struct hooks_rec {
	unsigned int submitted, waited, written;
	uint32_t last_n;
	unsigned int last_bytes;
};

struct env {
	struct invt_ctx ctx;
	struct unit unit[NUNIT];
	struct invt_vtd vtd[NUNIT];
	bool up[NUNIT];
	struct tmem mem;
	struct tpt pt;
	struct hooks_rec hr;
};

static struct env *E;

static void h_submitted(void *arg, struct invt_iommu *iommu, const void *cmds, uint32_t n,
			unsigned int bytes)
{
	E->hr.submitted++;
	E->hr.last_n = n;
	E->hr.last_bytes = bytes;
}

static void h_waited(void *arg, struct invt_iommu *iommu)
{
	E->hr.waited++;
}

static void h_written(void *arg, struct invt_iommu *iommu, uint64_t index, const void *slot,
		      unsigned int bytes)
{
	E->hr.written++;
}

static const struct invt_drv_hooks hooks = { h_submitted, h_waited, h_written, NULL };

static int setup(void **state)
{
	unsigned int i;

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_ctx_init(&E->ctx);
	invt_rcu_register_thread();
	E->mem.ops = (struct invt_dma_ops){ tmem_alloc, tmem_free, &E->mem };
	E->pt.ops = (struct invt_pt_ops){ .alloc_table = tpt_alloc, .free_table = tpt_free,
					  .table_va = tpt_va };
	for (i = 0; i < NUNIT; i++) {
		E->unit[i].regs.cap = TEST_CAP;
		E->unit[i].regs.ecap = TEST_ECAP;
		E->unit[i].regs.doorbell = unit_doorbell;
		E->unit[i].regs.doorbell_arg = &E->unit[i];
	}
	return 0;
}

static int teardown(void **state)
{
	unsigned int i;

	for (i = 0; i < NUNIT; i++)
		if (E->up[i])
			assert_int_equal(invt_vtd_destroy(&E->vtd[i]), 0);
	assert_int_equal(E->mem.live, 0);
	assert_int_equal(E->pt.live, 0);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	invt_rcu_unregister_thread();
	free(E);
	return 0;
}

static struct invt_vtd_config config(unsigned int i)
{
	return (struct invt_vtd_config){ .id = i, .regs = &E->unit[i].regs, .queue_qs = 0,
					 .ats = true, .mem = &E->mem.ops };
}

static struct invt_vtd *unit_up_cfg(unsigned int i, const struct invt_vtd_config *cfg)
{
	assert_int_equal(invt_vtd_init(&E->vtd[i], &E->ctx, cfg), 0);
	E->up[i] = true;
	return &E->vtd[i];
}

static struct invt_vtd *unit_up(unsigned int i)
{
	struct invt_vtd_config cfg = config(i);

	return unit_up_cfg(i, &cfg);
}

static void domain(struct invt_vtd_domain *d, enum invt_domain_type type)
{
	assert_int_equal(invt_vtd_domain_init(d, &E->ctx, type, &E->pt.ops), 0);
}

static uint32_t did_of(struct invt_vtd_domain *d, struct invt_vtd *vtd)
{
	uint32_t did = 0;

	assert_int_equal(invt_domain_tag(&d->dom, &vtd->iommu, &did), 0);
	return did;
}

static uint64_t *ctx_entry(struct invt_vtd *vtd, uint32_t rid)
{
	uint64_t *root = vtd->root;
	uint64_t half = root[rid >> 7 ? 1 : 0];

	assert_true(half & 1);
	return (uint64_t *)(uintptr_t)(half & ~0xfffull) + (rid & 127) * 4;
}

/* The PASID entry the unit would find for (rid, pasid), through memory. */
static uint64_t *pasid_entry(struct invt_vtd *vtd, uint32_t rid, uint32_t pasid)
{
	uint64_t *ce = ctx_entry(vtd, rid), *dir, de;

	assert_true(ce[0] & 1);
	assert_true(pasid >> 6 < (1u << (((ce[0] >> 9) & 7) + 7)));
	dir = (uint64_t *)(uintptr_t)(ce[0] & ~0xfffull);
	de = dir[pasid >> 6];
	if (!(de & 1))
		return NULL;
	return (uint64_t *)(uintptr_t)(de & ~0xfffull) + (pasid & 63) * 8;
}

/* Check the PASID entry holds @d (NULL: non-present and zero). */
static void check_pe(struct invt_vtd *vtd, uint32_t rid, uint32_t pasid,
		     struct invt_vtd_domain *d)
{
	uint64_t *pe = pasid_entry(vtd, rid, pasid);
	unsigned int i;

	if (!d) {
		for (i = 0; pe && i < 8; i++)
			assert_int_equal(pe[i], 0);
		return;
	}
	assert_non_null(pe);
	assert_int_equal(pe[0] & 1, 1);				/* P */
	assert_int_equal((pe[0] >> 1) & 1, 0);			/* FPD */
	assert_int_equal((pe[0] >> 2) & 7, 2);			/* AW 48-bit */
	assert_int_equal(pe[1] & 0xffff, did_of(d, vtd));	/* DID */
	if (d->dom.type == INVT_DOMAIN_S1) {
		assert_int_equal((pe[0] >> 6) & 7, 1);		/* PGTT first stage */
		assert_int_equal(pe[0] & ~0xfffull, 0);
		assert_int_equal(pe[2] & ~0xfffull, d->pt.root_pa);	/* FSPTPTR */
		assert_int_equal(pe[2] & 0xfff, 0);		/* SRE, FLPM 4L, WPE, NXE */
	} else {
		assert_int_equal((pe[0] >> 6) & 7, 2);		/* PGTT second stage */
		assert_int_equal(pe[0] & ~0xfffull, d->pt.root_pa);	/* SSPTPTR */
		assert_int_equal(pe[2], 0);
	}
	for (i = 3; i < 8; i++)
		assert_int_equal(pe[i], 0);
}

/* Descriptors executed by unit @u from @from on must be exactly @qw0s. */
static void expect_seq(unsigned int u, size_t from, const uint64_t *qw0s, size_t n)
{
	size_t k;

	assert_int_equal(E->unit[u].n - from, n);
	for (k = 0; k < n; k++) {
		uint64_t got = E->unit[u].qw0[from + k];

		if (qw0s[k] == 0x65 || qw0s[k] == 0x25)
			assert_true(is_wait(got, qw0s[k] == 0x65));
		else
			assert_int_equal(got, qw0s[k]);
	}
}

/* ----------------------------------------------------------------- init */

static void test_init(void **state)
{
	struct invt_vtd *v = unit_up(0);
	struct unit *u = &E->unit[0];
	const uint64_t init[] = { D_CC_GLOBAL, D_PC_GLOBAL, D_IOTLB_GLOBAL, 0x65 };

	assert_int_equal(u->regs.rtaddr, v->root_pa | INVT_VTD_RTADDR_TTM_SM);
	assert_int_equal(v->root[0], v->ctx_pa[0] | 1);		/* LP, LCTP */
	assert_int_equal(v->root[1], v->ctx_pa[1] | 1);		/* UP, UCTP */
	assert_int_equal(v->root[2], 0);
	expect_seq(0, 0, init, 4);
	/* §11.4.4: QIE, then SRTP (QIE kept), then TE, one command per write. */
	assert_int_equal(u->nr_gcmd, 3);
	assert_int_equal(u->gcmds[0], INVT_VTD_GCMD_QIE);
	assert_int_equal(u->gcmds[1], INVT_VTD_GCMD_QIE | INVT_VTD_GCMD_SRTP);
	assert_int_equal(u->gcmds[2], INVT_VTD_GCMD_QIE | INVT_VTD_GCMD_TE);
	assert_int_equal(u->regs.gsts, INVT_VTD_GSTS_QIES | INVT_VTD_GSTS_TES | INVT_VTD_GSTS_RTPS);
	assert_int_equal(v->iommu.flags, INVT_IOMMU_S1_PASID_TAGS | INVT_IOMMU_NESTED_OWN_TAGS |
					 INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS);
	assert_ptr_equal(v->iommu.tags[0], &v->dids);
	assert_ptr_equal(v->iommu.tags[1], &v->dids);
	assert_int_equal(v->dids.min, 2);
	assert_int_equal(v->dids.max, 255);
	assert_true(v->caps.psi);
	assert_int_equal(v->caps.mamv, 18);
	assert_int_equal(v->pasid_bits, 20);
	assert_int_equal(v->stats.submits, 1);
	assert_int_equal(v->stats.descs, 4);
	assert_int_equal(v->stats.waits, 1);
}

static void test_init_errors(void **state)
{
	struct invt_vtd_config cfg = config(0);
	struct invt_vtd *v = &E->vtd[0];
	struct invt_vtd_caps caps = { .psi = false, .mamv = 0 };
	unsigned long i;

	E->unit[0].regs.ecap = TEST_ECAP & ~(1ull << 43);	/* no SMTS */
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -ENODEV);
	E->unit[0].regs.ecap = TEST_ECAP & ~(1ull << 1);	/* no QI */
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -ENODEV);
	E->unit[0].regs.ecap = TEST_ECAP & ~(1ull << 2);	/* no DT, ATS asked */
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -EINVAL);
	E->unit[0].regs.ecap = TEST_ECAP;
	E->unit[0].regs.cap = TEST_CAP | 7;			/* ND reserved */
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -ENODEV);
	E->unit[0].regs.cap = TEST_CAP;
	cfg.did_bits = 9;					/* more than ND allows */
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -EINVAL);
	cfg.did_bits = 0;
	cfg.queue_qs = 8;
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -EINVAL);
	cfg.queue_qs = 0;
	cfg.mem = NULL;
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -EINVAL);
	cfg.mem = &E->mem.ops;
	/* Each allocation failing in turn leaves nothing behind. */
	for (i = 1; i <= 3; i++) {
		E->mem.calls = 0;
		E->mem.fail_at = i;
		assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -ENOMEM);
		assert_int_equal(E->mem.live, 0);
		assert_int_equal(E->unit[0].regs.rtaddr, 0);
	}
	E->mem.fail_at = 0;
	/* A taken id. */
	unit_up(1);
	cfg.id = 1;
	cfg.regs = &E->unit[0].regs;
	E->unit[0].regs.iqh = E->unit[0].regs.iqt = 0;
	assert_int_equal(invt_vtd_init(v, &E->ctx, &cfg), -EEXIST);
	assert_int_equal(E->unit[0].regs.rtaddr, 0);
	/* Explicit caps and DID bits. */
	cfg.id = 0;
	E->unit[0].regs.iqh = E->unit[0].regs.iqt = 0;
	cfg.caps = &caps;
	cfg.did_bits = 4;
	v = unit_up_cfg(0, &cfg);
	assert_false(v->caps.psi);
	assert_int_equal(v->dids.max, 15);
}

/* -------------------------------------------------------------- masters */

static void test_master(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t ids[] = { 3, 200 }, other = 200, bad = 256;
	struct invt_vtd_master m, m2, mp;
	uint64_t *ce, *dir;
	size_t from = E->unit[0].n;
	const uint64_t inv[] = { D_CC_DEV(3), D_CC_DEV(200), 0x65 };
	const uint64_t fin[] = { D_CC_DEV(3), D_CC_DEV(200), D_PC_GLOBAL, 0x65 };

	assert_int_equal(invt_vtd_master_init(&m, v, ids, 2, 1, true), 0);
	expect_seq(0, from, inv, 3);
	ce = ctx_entry(v, 3);
	/* P, DTE (ATS), no PASIDE, PDTS 0, directory pointer; RID_PASID 0. */
	assert_int_equal(ce[0], m.pdir_pa | 0x5);
	assert_int_equal(ce[1] | ce[2] | ce[3], 0);
	assert_memory_equal(ctx_entry(v, 200), ce, 32);
	assert_int_equal(m.pdts, 0);
	dir = m.pdir;
	assert_int_equal(dir[0], m.ptab_pa[0] | 1);
	assert_int_equal(dir[1], 0);
	check_pe(v, 3, 0, NULL);

	/* RIDs in use, out of range, PASIDs beyond the unit. */
	assert_int_equal(invt_vtd_master_init(&m2, v, &other, 1, 1, false), -EINVAL);
	assert_int_equal(invt_vtd_master_init(&m2, v, &bad, 1, 1, false), -EINVAL);
	assert_int_equal(invt_vtd_master_init(&m2, v, &bad, 0, 1, false), -EINVAL);
	assert_int_equal(invt_vtd_master_init(&mp, v, (const uint32_t[]){ 9 }, 1,
					      (1u << 20) + 1, false), -EINVAL);

	/* A PASID master: PASIDE, PDTS for 2^14 tables -> 2^7 << 7 entries. */
	assert_int_equal(invt_vtd_master_init(&mp, v, (const uint32_t[]){ 9 }, 1, 1u << 20,
					      false), 0);
	ce = ctx_entry(v, 9);
	assert_int_equal(ce[0], mp.pdir_pa | (7u << 9) | 0x9);
	assert_int_equal(mp.nr_ptab, 1u << 14);
	assert_int_equal(mp.pdir_bytes, 8u << 14);

	from = E->unit[0].n;
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	expect_seq(0, from, fin, 4);
	assert_int_equal(ctx_entry(v, 3)[0], 0);
	assert_int_equal(ctx_entry(v, 200)[0], 0);
	assert_int_equal(invt_vtd_master_destroy(&mp), 0);
	assert_int_equal(invt_vtd_destroy(v), 0);
	E->up[0] = false;
}

/* -------------------------------------------------------------- attach */

/* Prepare + install; return the descriptor count before commit. */
static size_t install(struct invt_vtd_attach *a, struct invt_vtd_master *m, uint32_t ssid,
		      struct invt_vtd_domain *d, unsigned int u, size_t *from)
{
	assert_int_equal(invt_vtd_attach_prepare(a, m, ssid, d), 0);
	*from = E->unit[u].n;
	assert_int_equal(invt_vtd_attach_install(a), 0);
	assert_true(a->installed);
	return E->unit[u].n;
}

static void test_rid_s2(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 0x21;
	struct invt_vtd_domain d, d1;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	uint32_t did, did1;
	size_t from, at;

	domain(&d, INVT_DOMAIN_S2);
	domain(&d1, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);

	/* Attach: entry written, PASID cache of (DID, 0) invalidated. */
	at = install(&a, &m, 0, &d, 0, &from);
	did = did_of(&d, v);
	assert_int_equal(did, 2);
	check_pe(v, rid, 0, &d);
	{
		const uint64_t seq[] = { D_PC(did, 0), 0x65 };

		expect_seq(0, from, seq, 2);
	}
	invt_vtd_attach_commit(&a);
	assert_int_equal(E->unit[0].n, at);	/* nothing left: no old domain */

	/* Replace by a first-stage domain at the RID (PASID 0). */
	at = install(&a, &m, 0, &d1, 0, &from);
	did1 = did_of(&d1, v);
	assert_int_equal(did1, 3);
	check_pe(v, rid, 0, &d1);
	{
		/*
		 * Break, PASID cache, the old DID's IOTLB (second stage: DSI)
		 * whatever its users (§6.5.3.3), new entry, PASID cache; the
		 * device TLB is the commit's.
		 */
		const uint64_t seq[] = { D_PC(did, 0), 0x65, D_IOTLB_DSI(did), 0x65,
					 D_PC(did1, 0), 0x65 };

		expect_seq(0, from, seq, 6);
	}
	invt_vtd_attach_commit(&a);
	{
		/* Commit: the device TLB of ssid 0, then the dead DID. */
		const uint64_t seq[] = { D_DEVTLB(rid), 0x65, D_IOTLB_DSI(did), 0x65 };

		expect_seq(0, at, seq, 4);
		assert_int_equal(E->unit[0].qw1[at], ALL_ADDR | 1);	/* S, whole span */
	}

	/* Detach: cleared, PASID cache, the old (DID, PASID)'s IOTLB. */
	at = install(&a, &m, 0, NULL, 0, &from);
	check_pe(v, rid, 0, NULL);
	{
		const uint64_t seq[] = { D_PC(did1, 0), 0x65, D_PIOTLB_PASID(did1, 0), 0x65 };

		expect_seq(0, from, seq, 4);
	}
	invt_vtd_attach_commit(&a);
	{
		const uint64_t seq[] = { D_DEVTLB(rid), 0x65, D_PIOTLB_PASID(did1, 0), 0x65 };

		expect_seq(0, at, seq, 4);
	}
	assert_int_equal(invt_tag_space_used(&v->dids), 0);
	/* Detaching again changes nothing. */
	from = E->unit[0].n;
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	assert_int_equal(E->unit[0].n, from);

	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
}

static void test_pasid_replace(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 0x88;
	struct invt_vtd_domain da, db;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	uint32_t dida, didb;
	size_t from, at;

	domain(&da, INVT_DOMAIN_S1);
	domain(&db, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 200, true), 0);
	assert_int_equal(m.nr_ptab, 4);
	assert_null(m.ptab[2]);
	/* PASID 130 lives in table 2, allocated by prepare. */
	at = install(&a, &m, 130, &da, 0, &from);
	assert_non_null(m.ptab[2]);
	assert_int_equal(m.pdir[2], m.ptab_pa[2] | 1);
	dida = did_of(&da, v);
	check_pe(v, rid, 130, &da);
	invt_vtd_attach_commit(&a);
	/* The same domain on PASID 5 shares the DID. */
	assert_int_equal(invt_vtd_attach(&m, 5, &da), 0);
	check_pe(v, rid, 5, &da);

	at = install(&a, &m, 130, &db, 0, &from);
	didb = did_of(&db, v);
	assert_int_not_equal(dida, didb);
	check_pe(v, rid, 130, &db);
	{
		const uint64_t seq[] = { D_PC(dida, 130), 0x65, D_PIOTLB_PASID(dida, 130), 0x65,
					 D_PC(didb, 130), 0x65 };

		expect_seq(0, from, seq, 6);
	}
	invt_vtd_attach_commit(&a);
	{
		/* Commit: the PASID's device TLB; (DID A, 130) had its last user. */
		const uint64_t seq[] = { D_PDEVTLB(rid, 130), 0x65, D_PIOTLB_PASID(dida, 130),
					 0x65 };

		expect_seq(0, at, seq, 4);
		assert_int_equal(E->unit[0].qw1[at], ALL_ADDR | (1u << 11));
	}
	check_pe(v, rid, 5, &da);

	assert_int_equal(invt_vtd_attach(&m, 5, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m, 130, NULL), 0);
	assert_int_equal(invt_tag_space_used(&v->dids), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&da), 0);
	assert_int_equal(invt_vtd_domain_destroy(&db), 0);
}

static void test_attach_rules(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 1, rid2 = 2;
	struct invt_vtd_domain d2, d1, d5, bad;
	struct invt_vtd_master mp, m;
	struct invt_vtd_attach a;

	domain(&d2, INVT_DOMAIN_S2);
	domain(&d1, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_domain_init_levels(&d5, &E->ctx, INVT_DOMAIN_S2, 5,
						     &E->pt.ops), 0);
	assert_int_equal(invt_vtd_domain_init_levels(&bad, &E->ctx, INVT_DOMAIN_S1, 5,
						     &E->pt.ops), -EINVAL);
	assert_int_equal(invt_vtd_master_init(&mp, v, &rid, 1, 8, false), 0);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid2, 1, 1, false), 0);
	/* PASID masters take stage-1 domains only; ssids in range. */
	assert_int_equal(invt_vtd_attach_prepare(&a, &mp, 0, &d2), -EINVAL);
	assert_int_equal(invt_vtd_attach_prepare(&a, &mp, 8, &d1), -EINVAL);
	assert_int_equal(invt_vtd_attach_prepare(&a, &m, 1, &d1), -EINVAL);
	/* 5-level second stage: AW 57-bit. */
	assert_int_equal(invt_vtd_attach(&m, 0, &d5), 0);
	assert_int_equal((pasid_entry(v, rid2, 0)[0] >> 2) & 7, 3);
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	/* A unit without 5-level SAGAW or without first stage refuses. */
	v->cap &= ~(8ull << 8);
	assert_int_equal(invt_vtd_attach_prepare(&a, &m, 0, &d5), -EINVAL);
	v->ecap &= ~(1ull << 47);
	assert_int_equal(invt_vtd_attach_prepare(&a, &m, 0, &d1), -EINVAL);
	v->cap = TEST_CAP;
	v->ecap = TEST_ECAP;
	/* Attached masters cannot go. */
	assert_int_equal(invt_vtd_attach(&mp, 3, &d1), 0);
	assert_int_equal(invt_vtd_master_destroy(&mp), -EBUSY);
	assert_int_equal(invt_vtd_destroy(v), -EBUSY);
	assert_int_equal(invt_vtd_attach(&mp, 3, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&mp), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d2), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d5), 0);
}

/* --------------------------------------------------------- invalidation */

static void test_invalidate_desc(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 0x30;
	struct invt_vtd_domain d;
	struct invt_vtd_master m;
	uint32_t did;
	size_t from;

	domain(&d, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 16, true), 0);
	assert_int_equal(invt_vtd_attach(&m, 0, &d), 0);
	assert_int_equal(invt_vtd_attach(&m, 7, &d), 0);
	did = did_of(&d, v);
	from = E->unit[0].n;
	E->hr.submitted = 0;
	/* Pages 1..2 -> AM 2 at 0, leaf: IH. */
	assert_int_equal(invt_domain_invalidate(&d.dom, 0x1000, 0x2000, true), 0);
	{
		/*
		 * PASID-based IOTLB then a plain device TLB: the pair §6.5.2.12
		 * does not order, so the PASID-based IOTLB descriptors become
		 * the IOTLB PSI of the DID (§6.5.2.3: it also removes the
		 * DID's first-stage entries of every PASID), which it does
		 * order: one for both PASIDs.  The plain device TLB removes
		 * the device's entries of every PASID in its range (PCIe
		 * §10.3.1): no PASID-based one for PASID 7.  No wait between.
		 */
		const uint64_t seq[] = { D_IOTLB_PSI(did), D_DEVTLB(rid), 0x65 };

		expect_seq(0, from, seq, 3);
		assert_int_equal(E->unit[0].qw1[from], 0x42);		/* AM 2, IH */
		assert_int_equal(E->unit[0].qw1[from + 1], 0x1001);	/* S, 16 KiB at 0 */
	}
	/* The whole address space: a DSI. */
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate_all(&d.dom), 0);
	{
		const uint64_t seq[] = { D_IOTLB_DSI(did), D_DEVTLB(rid), 0x65 };

		expect_seq(0, from, seq, 3);
	}
	/* Only the PASID: the PASID-based IOTLB stays (type 8 waits for it). */
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate(&d.dom, 0x1000, 0x1000, true), 0);
	{
		const uint64_t seq[] = { D_PIOTLB_PSI(did, 7), D_PDEVTLB(rid, 7), 0x65 };

		expect_seq(0, from, seq, 3);
	}
	assert_int_equal(v->stats.submits, v->stats.completions);
	assert_int_equal(v->stats.build_errors, 0);
	assert_int_equal(invt_vtd_attach(&m, 7, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d), 0);
}

/* A second-stage domain at an ATS RID: IOTLB then device TLB, one wait. */
static void test_invalidate_ordered(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 0x31, rid2 = 0x32;
	struct invt_vtd_domain d, d1;
	struct invt_vtd_master m, m2;
	uint32_t did;
	size_t from;

	domain(&d, INVT_DOMAIN_S2);
	domain(&d1, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);
	assert_int_equal(invt_vtd_attach(&m, 0, &d), 0);
	did = did_of(&d, v);
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate(&d.dom, 0x1000, 0x1000, true), 0);
	{
		/* §6.5.2.12: the device TLB waits for the IOTLB ahead of it. */
		const uint64_t seq[] = { D_IOTLB_PSI(did), D_DEVTLB(rid), 0x65 };

		expect_seq(0, from, seq, 3);
	}
	/* PASIDs only: PASID-based IOTLB then PASID-based device TLB, one wait. */
	assert_int_equal(invt_vtd_master_init(&m2, v, &rid2, 1, 4, true), 0);
	assert_int_equal(invt_vtd_attach(&m2, 3, &d1), 0);
	did = did_of(&d1, v);
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate(&d1.dom, 0x1000, 0x1000, true), 0);
	{
		const uint64_t seq[] = { D_PIOTLB_PSI(did, 3), D_PDEVTLB(rid2, 3), 0x65 };

		expect_seq(0, from, seq, 3);
	}
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m2, 3, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_master_destroy(&m2), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
}

/*
 * More PASID-based IOTLB descriptors than a batch holds (INVT_BATCH_BYTES),
 * then the plain device TLB: those already submitted cannot be rewritten,
 * so a fenced wait orders them instead; plan_count counts it.  Under the
 * "atc-order" ablation: neither the rewrite nor the wait.
 */
static void invalidate_many(bool ablate)
{
	enum { NP = 40 };
	const uint32_t rid = 0x33;
	struct invt_vtd *v;
	struct invt_vtd_domain d;
	struct invt_vtd_master m;
	struct invt_invs *invs;
	struct invt_range r = { .start = 0x1000, .last = 0x1fff, .leaf = true };
	uint64_t cmds, syncs;
	uint32_t did, p;
	size_t from, k;

	if (ablate)
		assert_int_equal(invt_ablate(&E->ctx, "atc-order"), 0);
	v = unit_up(0);
	domain(&d, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 64, true), 0);
	for (p = 0; p <= NP; p++)
		assert_int_equal(invt_vtd_attach(&m, p, &d), 0);
	did = did_of(&d, v);
	invs = invt_domain_invs_get(&d.dom);
	assert_non_null(invs);
	invt_vtd_plan_count(invs, &r, &cmds, &syncs);
	invt_invs_free(invs);
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate(&d.dom, 0x1000, 0x1000, true), 0);
	/*
	 * PASIDs 0..NP, [a fenced wait,] the RID's device TLB (it covers the
	 * NP PASIDs' device TLB entries too), a wait.
	 */
	assert_int_equal(E->unit[0].n - from, cmds);
	assert_int_equal(cmds, (NP + 1) + (ablate ? 2 : 3));
	assert_int_equal(syncs, ablate ? 1 : 2);
	for (k = 0; k <= NP; k++)
		assert_int_equal(E->unit[0].qw0[from + k], D_PIOTLB_PSI(did, k));
	k = from + NP + 1;
	if (!ablate)
		assert_true(is_wait(E->unit[0].qw0[k++], true));
	assert_int_equal(E->unit[0].qw0[k], D_DEVTLB(rid));
	assert_true(is_wait(E->unit[0].qw0[E->unit[0].n - 1], true));
	assert_int_equal(v->stats.build_errors, 0);
	for (p = 0; p <= NP; p++)
		assert_int_equal(invt_vtd_attach(&m, p, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d), 0);
}

static void test_invalidate_many(void **state)
{
	invalidate_many(false);
}

static void test_ablate_atc_order(void **state)
{
	if (!invt_ablations_built())
		skip();
	invalidate_many(true);
}

static void test_plan_count(void **state)
{
	static const struct { uint64_t iova, size; bool leaf; } ranges[] = {
		{ 0, PAGE, true }, { 0x1000, 0x3000, true }, { 0x3000, 0x2000, false },
		{ 0x200000, 0x200000, true }, { 0x40000000, 0x40000000, false },
		{ 0x7000, 0x9000, true }, { 0, 1ull << 47, false }, { 0xfff000, 0x1000, true },
		{ 0x123000, 0x77000, false }, { 0x10000, 0x10000, true },
		{ 0xffffffffffffe000ull, 0x2000, true }, { 0, 0, false } /* all */,
		{ 0x5000, 0x1000, false }, { 0x80000000, 0x80000000, true },
		{ 0x3ff000, 0x2000, true }, { 0x1000000, 0x1000000, false },
		{ 0x10000000000ull, 0x1000, true }, { 0xabc000, 0x4000, true },
		{ 0x2000, 0x1000, true }, { 0x0, 0x200000, false },
	};
	const uint32_t r0 = 4, r1 = 5, r2 = 6;
	struct invt_vtd *v0 = unit_up(0), *v1 = unit_up(1);
	struct invt_vtd_domain d1, d2;
	struct invt_vtd_master m0, m1, m2;
	struct invt_vtd_caps small = { .psi = true, .mamv = 3 };
	unsigned int i, k;

	v1->caps = small;	/* the second unit falls back to DSI more often */
	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	assert_int_equal(invt_vtd_master_init(&m0, v0, &r0, 1, 4, true), 0);
	assert_int_equal(invt_vtd_master_init(&m1, v1, &r1, 1, 1, true), 0);
	assert_int_equal(invt_vtd_master_init(&m2, v1, &r2, 1, 4, false), 0);
	assert_int_equal(invt_vtd_attach(&m0, 0, &d1), 0);
	assert_int_equal(invt_vtd_attach(&m0, 2, &d1), 0);
	assert_int_equal(invt_vtd_attach(&m2, 3, &d1), 0);
	assert_int_equal(invt_vtd_attach(&m1, 0, &d2), 0);

	for (k = 0; k < 2; k++) {
		struct invt_vtd_domain *d = k ? &d2 : &d1;

		for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
			struct invt_range r = { .start = ranges[i].iova, .leaf = ranges[i].leaf,
						.all = !ranges[i].size };
			struct invt_invs *invs = invt_domain_invs_get(&d->dom);
			uint64_t cmds, syncs, n0 = E->unit[0].n, n1 = E->unit[1].n;
			uint64_t w0 = E->unit[0].waits, w1 = E->unit[1].waits;

			assert_non_null(invs);
			r.last = ranges[i].iova + (ranges[i].size - 1);
			invt_vtd_plan_count(invs, &r, &cmds, &syncs);
			invt_invs_free(invs);
			if (r.all)
				assert_int_equal(invt_domain_invalidate_all(&d->dom), 0);
			else
				assert_int_equal(invt_domain_invalidate(&d->dom, ranges[i].iova,
									ranges[i].size,
									ranges[i].leaf), 0);
			assert_int_equal(E->unit[0].n - n0 + E->unit[1].n - n1, cmds);
			assert_int_equal(E->unit[0].waits - w0 + E->unit[1].waits - w1, syncs);
			/*
			 * d1: unit 0 IOTLB (the two PASID-based ones, widened
			 * before the plain device TLB: one DID), DEVTLB (it
			 * covers PASID 2 too), wait; unit 1 PIOTLB, wait.
			 * d2: IOTLB, DEVTLB (ordered, §6.5.2.12), wait.
			 */
			assert_int_equal(cmds, k ? 3 : 5);
		}
	}
	assert_int_equal(v0->stats.build_errors + v1->stats.build_errors, 0);
	assert_int_equal(v0->stats.wait_errors + v1->stats.wait_errors, 0);

	assert_int_equal(invt_vtd_attach(&m0, 0, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m0, 2, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m2, 3, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m1, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m0), 0);
	assert_int_equal(invt_vtd_master_destroy(&m1), 0);
	assert_int_equal(invt_vtd_master_destroy(&m2), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d2), 0);
}

/* No two descriptors of unit @u from @from on are the same (both words). */
static void expect_no_twice(unsigned int u, size_t from)
{
	size_t i, j;

	for (i = from; i < E->unit[u].n; i++)
		for (j = i + 1; j < E->unit[u].n; j++)
			assert_false(E->unit[u].qw0[i] == E->unit[u].qw0[j] &&
				     E->unit[u].qw1[i] == E->unit[u].qw1[j] &&
				     !is_wait(E->unit[u].qw0[i], true) &&
				     !is_wait(E->unit[u].qw0[i], false));
}

/*
 * Invalidate one page of @d, expect exactly @seq on unit 0, no descriptor
 * twice, and the count invt_vtd_plan_count() gives.
 */
static void expect_inv(struct invt_vtd_domain *d, const uint64_t *seq, size_t n)
{
	const struct invt_range r = { .start = PAGE, .last = 2 * PAGE - 1, .leaf = true };
	struct invt_invs *invs = invt_domain_invs_get(&d->dom);
	size_t from = E->unit[0].n;
	uint64_t cmds, syncs;

	assert_non_null(invs);
	invt_vtd_plan_count(invs, &r, &cmds, &syncs);
	invt_invs_free(invs);
	assert_int_equal(invt_domain_invalidate(&d->dom, PAGE, PAGE, true), 0);
	expect_seq(0, from, seq, n);
	expect_no_twice(0, from);
	assert_int_equal(cmds, n);
	assert_int_equal(syncs, 1);
}

/*
 * One domain at a RID (RID_PASID 0) and at PASIDs, of one and of several
 * devices of a unit, with and without ATS: one descriptor per DID and per
 * device where one covers the others, exactly what plan_count claims.
 */
static void test_rid_pasids(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t ra = 0x40, rn = 0x41, rb = 0x42, r1 = 0x43, r2 = 0x44;
	struct invt_vtd_domain d, d2;
	struct invt_vtd_master ma, mn, mb, m1, m2;
	uint32_t did, did2;

	domain(&d, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	assert_int_equal(invt_vtd_master_init(&ma, v, &ra, 1, 8, true), 0);
	assert_int_equal(invt_vtd_master_init(&mn, v, &rn, 1, 8, false), 0);
	assert_int_equal(invt_vtd_master_init(&mb, v, &rb, 1, 8, true), 0);
	assert_int_equal(invt_vtd_master_init(&m1, v, &r1, 1, 1, true), 0);
	assert_int_equal(invt_vtd_master_init(&m2, v, &r2, 1, 1, true), 0);

	/* ATS device at its RID and PASIDs 3, 5: PASID-based IOTLBs widened to one PSI. */
	assert_int_equal(invt_vtd_attach(&ma, 0, &d), 0);
	assert_int_equal(invt_vtd_attach(&ma, 3, &d), 0);
	assert_int_equal(invt_vtd_attach(&ma, 5, &d), 0);
	did = did_of(&d, v);
	{
		const uint64_t seq[] = { D_IOTLB_PSI(did), D_DEVTLB(ra), 0x65 };

		expect_inv(&d, seq, 3);
		assert_int_equal(E->unit[0].qw1[E->unit[0].n - 3], PAGE | 0x40);	/* IH */
		assert_int_equal(E->unit[0].qw1[E->unit[0].n - 2], PAGE);		/* S = 0 */
	}
	/* And a device without ATS at its RID and PASID 2: nothing more. */
	assert_int_equal(invt_vtd_attach(&mn, 0, &d), 0);
	assert_int_equal(invt_vtd_attach(&mn, 2, &d), 0);
	{
		const uint64_t seq[] = { D_IOTLB_PSI(did), D_DEVTLB(ra), 0x65 };

		expect_inv(&d, seq, 3);
	}
	/* A second ATS device at PASID 4 only: its PASID-based device TLB. */
	assert_int_equal(invt_vtd_attach(&mb, 4, &d), 0);
	{
		const uint64_t seq[] = { D_IOTLB_PSI(did), D_DEVTLB(ra), D_PDEVTLB(rb, 4), 0x65 };

		expect_inv(&d, seq, 4);
	}
	/* No plain device TLB left: PASID-based ones, ordered by §6.5.2.12. */
	assert_int_equal(invt_vtd_attach(&ma, 0, NULL), 0);
	{
		const uint64_t seq[] = {
			D_PIOTLB_PSI(did, 0), D_PIOTLB_PSI(did, 2), D_PIOTLB_PSI(did, 3),
			D_PIOTLB_PSI(did, 4), D_PIOTLB_PSI(did, 5), D_PDEVTLB(ra, 3),
			D_PDEVTLB(ra, 5), D_PDEVTLB(rb, 4), 0x65,
		};

		expect_inv(&d, seq, 9);
	}
	/* Without ATS anywhere: one PASID-based IOTLB per PASID. */
	assert_int_equal(invt_vtd_attach(&ma, 3, NULL), 0);
	assert_int_equal(invt_vtd_attach(&ma, 5, NULL), 0);
	assert_int_equal(invt_vtd_attach(&mb, 4, NULL), 0);
	{
		const uint64_t seq[] = { D_PIOTLB_PSI(did, 0), D_PIOTLB_PSI(did, 2), 0x65 };

		expect_inv(&d, seq, 3);
	}
	/* A second-stage domain at the RIDs of two devices: one IOTLB PSI. */
	assert_int_equal(invt_vtd_attach(&m1, 0, &d2), 0);
	assert_int_equal(invt_vtd_attach(&m2, 0, &d2), 0);
	did2 = did_of(&d2, v);
	{
		const uint64_t seq[] = { D_IOTLB_PSI(did2), D_DEVTLB(r1), D_DEVTLB(r2), 0x65 };

		expect_inv(&d2, seq, 4);
	}
	assert_int_equal(v->stats.build_errors, 0);

	assert_int_equal(invt_vtd_attach(&mn, 0, NULL), 0);
	assert_int_equal(invt_vtd_attach(&mn, 2, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m1, 0, NULL), 0);
	assert_int_equal(invt_vtd_attach(&m2, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m1), 0);
	assert_int_equal(invt_vtd_master_destroy(&m2), 0);
	assert_int_equal(invt_vtd_master_destroy(&ma), 0);
	assert_int_equal(invt_vtd_master_destroy(&mn), 0);
	assert_int_equal(invt_vtd_master_destroy(&mb), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d2), 0);
}

/* ---------------------------------------------------------------- errors */

static void test_install_error(void **state)
{
	struct invt_vtd *v = unit_up(0);
	const uint32_t rid = 0x40;
	struct invt_vtd_domain da, db;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	struct invt_invs *before, *after;
	unsigned long at;

	domain(&da, INVT_DOMAIN_S2);
	domain(&db, INVT_DOMAIN_S2);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);
	assert_int_equal(invt_vtd_attach(&m, 0, &da), 0);
	/* Reject each of the install's two non-wait descriptors in turn. */
	for (at = 1; at <= 2; at++) {
		before = invt_domain_invs_get(&da.dom);
		assert_int_equal(invt_vtd_attach_prepare(&a, &m, 0, &db), 0);
		E->unit[0].seen = 0;
		E->unit[0].fail_at = at;
		assert_int_equal(invt_vtd_attach_install(&a), -EIO);
		E->unit[0].fail_at = 0;
		invt_vtd_attach_abort(&a);
		check_pe(v, rid, 0, &da);
		after = invt_domain_invs_get(&da.dom);
		assert_int_equal(after->num_invs, before->num_invs);
		assert_memory_equal(after->inv, before->inv,
				    before->num_invs * sizeof(before->inv[0]));
		invt_invs_free(before);
		invt_invs_free(after);
		assert_int_equal(invt_device_domain(&m.dev, 0), &da.dom);
	}
	assert_int_equal(v->qi.stats.iqe, 2 * (1 + INVT_CMD_RETRIES_MUST));	/* each sent 33 times */
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&da), 0);
	assert_int_equal(invt_vtd_domain_destroy(&db), 0);
}

/* ------------------------------------------------------- no fence, hooks */

static void test_no_fence(void **state)
{
	struct invt_vtd_config cfg = config(0);
	struct invt_vtd *v;
	const uint32_t rid = 0x50;
	struct invt_vtd_domain d1, d2;
	struct invt_vtd_master m;
	uint64_t submits;
	size_t from;

	cfg.no_fence = true;
	cfg.hooks = &hooks;
	v = unit_up_cfg(0, &cfg);
	assert_int_equal(v->iommu.flags, INVT_IOMMU_S1_PASID_TAGS | INVT_IOMMU_NESTED_OWN_TAGS);
	assert_true(is_wait(E->unit[0].qw0[3], false));
	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 4, true), 0);
	assert_int_equal(invt_vtd_attach(&m, 1, &d1), 0);
	/*
	 * A replace: the teardown's PASID cache, its IOTLB of the old (DID,
	 * PASID), the new entry's PASID cache: three submits.
	 */
	submits = v->stats.submits;
	from = E->unit[0].n;
	{
		struct invt_vtd_attach a;

		assert_int_equal(invt_vtd_attach_prepare(&a, &m, 1, &d2), 0);
		assert_int_equal(invt_vtd_attach_install(&a), 0);
		assert_int_equal(v->stats.submits - submits, 3);
		assert_int_equal(E->unit[0].n - from, 6);
		invt_vtd_attach_commit(&a);
	}
	/* The engine: IOTLB phase and ATC phase, each submitted and waited. */
	submits = v->stats.submits;
	E->hr.submitted = E->hr.waited = 0;
	assert_int_equal(invt_domain_invalidate(&d2.dom, 0, PAGE, true), 0);
	assert_int_equal(v->stats.submits - submits, 2);
	assert_int_equal(E->hr.submitted, 2);
	assert_int_equal(E->hr.waited, 2);
	assert_int_equal(E->hr.last_n, 2);
	assert_int_equal(E->hr.last_bytes, 32);
	assert_true(E->hr.written > 0);
	assert_int_equal(invt_vtd_attach(&m, 1, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d2), 0);
}

static void test_ablate_config_inval(void **state)
{
	struct invt_vtd *v;
	const uint32_t rid = 0x60;
	struct invt_vtd_domain d1, d2;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	size_t from, at, k;

	if (!invt_ablations_built())
		skip();
	assert_int_equal(invt_ablate(&E->ctx, "config-inval"), 0);
	v = unit_up(0);
	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S2);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);
	at = install(&a, &m, 0, &d1, 0, &from);
	assert_int_equal(at, from);		/* a fresh entry: nothing at all */
	invt_vtd_attach_commit(&a);
	check_pe(v, rid, 0, &d1);
	at = install(&a, &m, 0, &d2, 0, &from);
	/* A replace: PASID-cache invalidations dropped; the old DID's IOTLB stays. */
	{
		const uint64_t seq[] = { D_PIOTLB_PASID(did_of(&d1, v), 0), 0x65 };

		expect_seq(0, from, seq, 2);
	}
	invt_vtd_attach_commit(&a);
	/* The commit still cleans the device TLB and the dead DID: no PC there. */
	for (k = at; k < E->unit[0].n; k++)
		assert_int_not_equal(E->unit[0].qw0[k] & 0xf, 7);
	assert_true(E->unit[0].n > at);
	check_pe(v, rid, 0, &d2);
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d1), 0);
	assert_int_equal(invt_vtd_domain_destroy(&d2), 0);
}

/* --------------------------------------------------------------- nested */

#define ECAP_NEST	(1ull << 26)
#define ECAP_SRS	(1ull << 31)
#define CAP_FL5LP	(1ull << 60)

/* Check the PASID entry is nested (PGTT 011b) for @n over its parent, §9.6 bit by bit. */
static void check_pe_nested(struct invt_vtd *vtd, uint32_t rid, uint32_t pasid,
			    struct invt_vtd_domain *n)
{
	uint64_t *pe = pasid_entry(vtd, rid, pasid);
	unsigned int i;

	assert_non_null(pe);
	assert_int_equal(pe[0] & 1, 1);					/* P */
	assert_int_equal((pe[0] >> 1) & 1, 0);				/* FPD */
	assert_int_equal((pe[0] >> 2) & 7,				/* AW: the parent's */
			 n->parent->pt.fmt->levels == 5 ? 3 : 2);
	assert_int_equal((pe[0] >> 6) & 7, 3);				/* PGTT nested */
	assert_int_equal((pe[0] >> 9) & 7, 0);				/* SSADE, SSEE.. 0 */
	assert_int_equal(pe[0] & ~0xfffull, n->parent->pt.root_pa);	/* SSPTPTR */
	assert_int_equal(pe[1] & 0xffff, did_of(n, vtd));		/* DID: the nested one's */
	assert_int_equal(pe[1] >> 16, 0);				/* PWSNP, PGSNP .. */
	assert_int_equal(pe[2] & 1, n->s1.sre);				/* SRE */
	assert_int_equal((pe[2] >> 2) & 3, n->s1.levels == 5);		/* FLPM */
	assert_int_equal((pe[2] >> 4) & 1, n->s1.wpe);			/* WPE */
	assert_int_equal(pe[2] & 0xfe2, 0);				/* NXE and reserved */
	assert_int_equal(pe[2] & ~0xfffull, n->s1.fsptptr);		/* FSPTPTR (GPA) */
	for (i = 3; i < 8; i++)
		assert_int_equal(pe[i], 0);
}

static struct invt_vtd *nest_unit_up(unsigned int i)
{
	E->unit[i].regs.ecap = TEST_ECAP | ECAP_NEST | ECAP_SRS;
	E->unit[i].regs.cap = TEST_CAP | CAP_FL5LP;
	return unit_up(i);
}

/*
 * Nested attach, replace (nested -> other nested -> parent directly) and
 * detach at the RID of an ATS master: the PASID entries, the install and
 * commit descriptors, the parent's array, and a parent unmap's descriptors.
 */
static void test_nested(void **state)
{
	struct invt_vtd *v = nest_unit_up(0);
	const struct invt_vtd_s1_cfg g1 = { .fsptptr = 0x12345000, .levels = 5, .sre = true,
					    .wpe = true };
	const struct invt_vtd_s1_cfg g2 = { .fsptptr = 0xabc000, .levels = 4 };
	const uint32_t rid = 0x31;
	struct invt_vtd_domain p, n1, n2;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	struct invt_invs *inv;
	uint32_t d1, d2, dp;
	size_t from, at;

	assert_int_equal(invt_vtd_domain_init_levels(&p, &E->ctx, INVT_DOMAIN_S2, 5, &E->pt.ops),
			 0);
	assert_int_equal(invt_vtd_domain_init_nested(&n1, &p, &g1), 0);
	assert_int_equal(invt_vtd_domain_init_nested(&n2, &p, &g2), 0);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);

	/* Attach N1: PASID-cache invalidation of the new DID once written. */
	at = install(&a, &m, 0, &n1, 0, &from);
	d1 = did_of(&n1, v);
	assert_int_equal(invt_domain_tag(&p.dom, &v->iommu, &dp), -ENOENT);
	{
		const uint64_t seq[] = { D_PC(d1, 0), 0x65 };

		expect_seq(0, from, seq, 2);
	}
	invt_vtd_attach_commit(&a);
	assert_int_equal(E->unit[0].n, at);	/* nothing was attached before */
	check_pe_nested(v, rid, 0, &n1);
	inv = invt_domain_invs_get(&p.dom);
	assert_int_equal(inv->num_invs, 3);
	assert_int_equal(inv->inv[0].type, INVT_INV_IOTLB_S2);
	assert_int_equal(inv->inv[0].id, d1);
	assert_int_equal(inv->inv[1].type, INVT_INV_IOTLB_S2_S1_CLEAR);
	assert_int_equal(inv->inv[1].id, d1);
	assert_int_equal(inv->inv[2].type, INVT_INV_ATC_FULL);
	assert_int_equal(inv->inv[2].id, rid);
	invt_invs_free(inv);

	/* Replace N1 -> N2: N1's entry torn down (§6.5.3.3), N1's DID flushed. */
	at = install(&a, &m, 0, &n2, 0, &from);
	d2 = did_of(&n2, v);
	assert_int_not_equal(d1, d2);
	{
		const uint64_t seq[] = {
			D_PC(d1, 0), 0x65, D_IOTLB_DSI(d1), 0x65, D_PC(d2, 0), 0x65,
		};

		expect_seq(0, from, seq, 6);
	}
	invt_vtd_attach_commit(&a);
	{
		/* N1's DID: its second stage and first-stage clear are one DSI. */
		const uint64_t seq[] = { D_DEVTLB(rid), 0x65, D_IOTLB_DSI(d1), 0x65 };

		expect_seq(0, at, seq, 4);
	}
	check_pe_nested(v, rid, 0, &n2);

	/*
	 * A parent unmap of one page: one PSI of N2's DID, which also removes
	 * all its first-stage and nested entries (§6.5.2.3): its first-stage
	 * clear builds nothing more.  Then the whole device TLB.
	 */
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate(&p.dom, PAGE, PAGE, true), 0);
	{
		const uint64_t seq[] = { D_IOTLB_PSI(d2), D_DEVTLB(rid), 0x65 };
		const struct invt_range r = { .start = PAGE, .last = 2 * PAGE - 1, .leaf = true };
		uint64_t cmds, syncs;

		expect_seq(0, from, seq, 3);
		inv = invt_domain_invs_get(&p.dom);
		invt_vtd_plan_count(inv, &r, &cmds, &syncs);
		invt_invs_free(inv);
		assert_int_equal(cmds, 3);
		assert_int_equal(syncs, 1);
	}

	/* Replace N2 -> the parent directly: its own DID, second stage only. */
	assert_int_equal(invt_vtd_attach(&m, 0, &p), 0);
	dp = did_of(&p, v);
	assert_int_not_equal(dp, d2);
	assert_int_equal((pasid_entry(v, rid, 0)[0] >> 6) & 7, 2);
	assert_int_equal(pasid_entry(v, rid, 0)[1] & 0xffff, dp);
	inv = invt_domain_invs_get(&p.dom);
	assert_int_equal(inv->num_invs, 2);	/* IOTLB_S2 (dp), ATC (rid, 0) */
	assert_int_equal(inv->inv[0].type, INVT_INV_IOTLB_S2);
	assert_int_equal(inv->inv[1].type, INVT_INV_ATC);
	invt_invs_free(inv);
	assert_int_equal(n2.dom.nr_bindings, 0);

	/* Back to N1, then blocked: nothing left in the parent's array. */
	assert_int_equal(invt_vtd_attach(&m, 0, &n1), 0);
	check_pe_nested(v, rid, 0, &n1);
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	check_pe(v, rid, 0, NULL);
	inv = invt_domain_invs_get(&p.dom);
	assert_int_equal(inv->num_invs, 0);
	invt_invs_free(inv);
	assert_int_equal(invt_tag_space_used(&v->dids), 0);

	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&p), -EBUSY);
	assert_int_equal(invt_vtd_domain_destroy(&n1), 0);
	assert_int_equal(invt_vtd_domain_destroy(&n2), 0);
	assert_int_equal(invt_vtd_domain_destroy(&p), 0);
}

/*
 * A nest parent attached directly at one ATS device's RID while a nested
 * domain over it holds another's: the nested DID's PSI goes under its
 * first-stage clear (a DSI, §6.5.2.3); the whole address space gives each
 * DSI once.
 */
static void test_nested_and_parent(void **state)
{
	struct invt_vtd *v = nest_unit_up(0);
	const struct invt_vtd_s1_cfg g = { .fsptptr = 0x12345000, .levels = 4 };
	const uint32_t rn = 0x34, rp = 0x35;
	struct invt_vtd_domain p, n;
	struct invt_vtd_master mn, mp;
	uint32_t dn, dp;
	size_t from;

	assert_int_equal(invt_vtd_domain_init_levels(&p, &E->ctx, INVT_DOMAIN_S2, 4, &E->pt.ops),
			 0);
	assert_int_equal(invt_vtd_domain_init_nested(&n, &p, &g), 0);
	assert_int_equal(invt_vtd_master_init(&mn, v, &rn, 1, 1, true), 0);
	assert_int_equal(invt_vtd_master_init(&mp, v, &rp, 1, 1, true), 0);
	assert_int_equal(invt_vtd_attach(&mn, 0, &n), 0);
	assert_int_equal(invt_vtd_attach(&mp, 0, &p), 0);
	dn = did_of(&n, v);
	dp = did_of(&p, v);
	assert_true(dn < dp);
	{
		/*
		 * IOTLB_S2 by DID (dn, attached first, is the lower), dn's also
		 * covering its clear; ATC (rp), ATC_FULL (rn).
		 */
		const uint64_t seq[] = { D_IOTLB_PSI(dn), D_IOTLB_PSI(dp), D_DEVTLB(rp),
					 D_DEVTLB(rn), 0x65 };

		expect_inv(&p, seq, 5);
		/* The nested device's TLB, whole: S = 1, ADDR[62:12] ones. */
		assert_int_equal(E->unit[0].qw1[E->unit[0].n - 2], 0x7ffffffffffff001ull);
	}
	from = E->unit[0].n;
	assert_int_equal(invt_domain_invalidate_all(&p.dom), 0);
	{
		const uint64_t seq[] = { D_IOTLB_DSI(dn), D_IOTLB_DSI(dp), D_DEVTLB(rp),
					 D_DEVTLB(rn), 0x65 };

		expect_seq(0, from, seq, 5);
		expect_no_twice(0, from);
	}
	assert_int_equal(v->stats.build_errors, 0);
	assert_int_equal(invt_vtd_attach(&mp, 0, NULL), 0);
	assert_int_equal(invt_vtd_attach(&mn, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&mn), 0);
	assert_int_equal(invt_vtd_master_destroy(&mp), 0);
	assert_int_equal(invt_vtd_domain_destroy(&n), 0);
	assert_int_equal(invt_vtd_domain_destroy(&p), 0);
}

/*
 * Nesting refused by a unit that lacks it (ECAP.NEST, FLTS, SLTS; CAP.FL5LP
 * for a 5-level guest, ECAP.SRS for SRE, SAGAW for the parent): -EOPNOTSUPP
 * and nothing changed; bad nested domains refused at init.
 */
static void test_nested_refused(void **state)
{
	struct invt_vtd *v = nest_unit_up(0);
	const struct invt_vtd_s1_cfg g5 = { .fsptptr = 0x5000, .levels = 5 };
	const struct invt_vtd_s1_cfg gs = { .fsptptr = 0x5000, .levels = 4, .sre = true };
	const struct invt_vtd_s1_cfg g4 = { .fsptptr = 0x5000, .levels = 4 };
	struct invt_vtd_s1_cfg bad = g4;
	const uint32_t rid = 0x40;
	struct invt_vtd_domain p, s1, n5, ns, n4, nb;
	const struct {
		uint64_t cap_clear, ecap_clear;
		struct invt_vtd_domain *d;
	} cases[] = {
		{ 0, ECAP_NEST, &n4 }, { 0, 1ull << 47, &n4 }, { 0, 1ull << 46, &n4 },
		{ CAP_FL5LP, 0, &n5 }, { 0, ECAP_SRS, &ns }, { 4ull << 8, 0, &n4 },
	};
	struct invt_invs *before;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	unsigned int i;
	size_t n;

	domain(&p, INVT_DOMAIN_S2);
	domain(&s1, INVT_DOMAIN_S1);
	assert_int_equal(invt_vtd_domain_init_nested(&n5, &p, &g5), 0);
	assert_int_equal(invt_vtd_domain_init_nested(&ns, &p, &gs), 0);
	assert_int_equal(invt_vtd_domain_init_nested(&n4, &p, &g4), 0);
	/* Init: an S1 parent, no root, an unaligned or too wide root, 3 levels. */
	assert_int_equal(invt_vtd_domain_init_nested(&nb, &s1, &g4), -EINVAL);
	bad.fsptptr = 0;
	assert_int_equal(invt_vtd_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad.fsptptr = 0x5800;
	assert_int_equal(invt_vtd_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad.fsptptr = 1ull << 52;
	assert_int_equal(invt_vtd_domain_init_nested(&nb, &p, &bad), -EINVAL);
	bad = g4;
	bad.levels = 3;
	assert_int_equal(invt_vtd_domain_init_nested(&nb, &p, &bad), -EINVAL);

	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 1, true), 0);
	assert_int_equal(invt_vtd_attach(&m, 0, &s1), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v->cap = TEST_CAP | CAP_FL5LP;
		v->ecap = TEST_ECAP | ECAP_NEST | ECAP_SRS;
		/* With every capability it would attach. */
		assert_int_equal(invt_vtd_attach_prepare(&a, &m, 0, cases[i].d), 0);
		invt_vtd_attach_abort(&a);
		v->cap &= ~cases[i].cap_clear;
		v->ecap &= ~cases[i].ecap_clear;
		before = p.dom.invs;
		n = E->unit[0].n;
		assert_int_equal(invt_vtd_attach_prepare(&a, &m, 0, cases[i].d), -EOPNOTSUPP);
		assert_ptr_equal(p.dom.invs, before);
		assert_int_equal(E->unit[0].n, n);
		assert_int_equal(cases[i].d->dom.nr_bindings, 0);
		check_pe(v, rid, 0, &s1);
	}
	v->cap = TEST_CAP | CAP_FL5LP;
	v->ecap = TEST_ECAP | ECAP_NEST | ECAP_SRS;
	assert_int_equal(invt_vtd_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&n5), 0);
	assert_int_equal(invt_vtd_domain_destroy(&ns), 0);
	assert_int_equal(invt_vtd_domain_destroy(&n4), 0);
	assert_int_equal(invt_vtd_domain_destroy(&p), 0);
	assert_int_equal(invt_vtd_domain_destroy(&s1), 0);
}

/*
 * A nested attach at a PASID whose table does not exist yet fails at each of
 * its allocations in turn (the PASID table's, then the core's): -ENOMEM,
 * the parent's array, the DIDs and the device's slots as they were.
 */
static void test_nested_alloc_fail(void **state)
{
	struct invt_vtd *v = nest_unit_up(0);
	const struct invt_vtd_s1_cfg g = { .fsptptr = 0x7000, .levels = 4 };
	const uint32_t rid = 0x41, pasid = 70;
	struct invt_vtd_domain p, n;
	struct invt_vtd_master m;
	struct invt_vtd_attach a;
	struct invt_invs *before;
	unsigned int nth, used, fired = 0;
	int ret;

	domain(&p, INVT_DOMAIN_S2);
	assert_int_equal(invt_vtd_domain_init_nested(&n, &p, &g), 0);
	assert_int_equal(invt_vtd_master_init(&m, v, &rid, 1, 128, false), 0);
	/* The PASID table: allocated after the core's prepare, which is undone. */
	E->mem.fail_at = E->mem.calls + 1;
	before = p.dom.invs;
	assert_int_equal(invt_vtd_attach_prepare(&a, &m, pasid, &n), -ENOMEM);
	E->mem.fail_at = 0;
	assert_int_equal(n.dom.nr_bindings, 0);
	assert_int_equal(invt_tag_space_used(&v->dids), 0);
	assert_false(invt_device_in_use(&m.dev));
	before = invt_domain_invs_get(&p.dom);
	assert_int_equal(before->num_invs, 0);
	invt_invs_free(before);
	/* The core's allocations: slot, entries, N's bindings, merge. */
	for (nth = 1;; nth++) {
		before = p.dom.invs;
		used = invt_tag_space_used(&v->dids);
		invt_fault_inject(nth);
		ret = invt_vtd_attach_prepare(&a, &m, pasid, &n);
		if (invt_fault_pending() || !ret) {
			/* Done, or the failure hit an optional allocation. */
			invt_fault_inject(0);
			assert_int_equal(ret, 0);
			invt_vtd_attach_abort(&a);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_ptr_equal(p.dom.invs, before);
		assert_int_equal(invt_tag_space_used(&v->dids), used);
		assert_int_equal(n.dom.nr_bindings, 0);
		assert_false(invt_device_in_use(&m.dev));
		assert_null(m.ptab[pasid / 64]);
		fired++;
	}
	assert_true(fired >= 4);
	assert_int_equal(invt_vtd_attach(&m, pasid, &n), 0);
	check_pe_nested(v, rid, pasid, &n);
	assert_int_equal(invt_vtd_attach(&m, pasid, NULL), 0);
	assert_int_equal(invt_vtd_master_destroy(&m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&n), 0);
	assert_int_equal(invt_vtd_domain_destroy(&p), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_init_errors),
		T(test_master),
		T(test_rid_s2),
		T(test_pasid_replace),
		T(test_attach_rules),
		T(test_invalidate_desc),
		T(test_invalidate_ordered),
		T(test_invalidate_many),
		T(test_plan_count),
		T(test_rid_pasids),
		T(test_install_error),
		T(test_no_fence),
		T(test_ablate_config_inval),
		T(test_ablate_atc_order),
		T(test_nested),
		T(test_nested_and_parent),
		T(test_nested_refused),
		T(test_nested_alloc_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
