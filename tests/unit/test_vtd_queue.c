// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_vtd_queue.c - the VT-d invalidation queue producer (src/arch/vtd/
 * queue.c) against a fake unit written here: it runs inline from the
 * doorbell, reads IQA/IQT, advances IQH, writes wait status words, and can
 * be paused, defer its status writes, reject descriptors (IQE) or time out
 * a device-TLB invalidation (ITE: it fetches up to the tail and aborts the
 * waits it fetched).
 *
 *  - IQA programming, bad parameters, 128- and 256-bit layouts;
 *  - status rewrite of SW = 1 waits, tokens, IQT/IQH wrap over many laps
 *    from a start near the end of the queue;
 *  - a full queue: -ETIMEDOUT, then progress; a pending wait's slot is not
 *    reused although IQH passed it;
 *  - IQE: skipped with a no-op, nothing behind it lost, the covering wait
 *    (already written, or written later) reports -EIO, later ones 0; a
 *    refused wait itself; a unit that refuses everything, or stops at a
 *    slot never written: -EIO after a bounded number of recoveries;
 *  - ITE: aborted waits resubmit and report -EIO, later waits 0;
 *  - ICE cleared by poll.
 *  - threads: two producers submitting and waiting concurrently against
 *    a consumer thread that polls IQT (no doorbell); failures are counted
 *    and asserted on the main thread.
 * Otherwise single-threaded: the unit runs in the test's thread.
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

#include <invtrack/vtd.h>
#include <invtrack/vtd-queue.h>

#define MAXREC		4096
#define BAD_SID		0xdead

struct rec {
	uint64_t qw0, qw1;
	uint64_t index;
};

struct fake {
	struct invt_vtd_regs regs;
	uint64_t fetched;		/* logical: descriptors fetched */
	bool paused;
	bool defer;			/* hold status writes of waits */
	uint64_t deferred_addr[MAXREC];
	uint32_t deferred_data[MAXREC];
	unsigned int nr_deferred;
	bool reject_pd;			/* waits with PD = 1 are invalid */
	unsigned int reject_sw;		/* reject the next N SW = 1 waits */
	bool reject_all;		/* every descriptor is invalid */
	struct rec rec[MAXREC];
	unsigned int n;
	unsigned int errs;
	uint32_t err_fsts[16];
	uint64_t err_index[16];
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void set_fsts(struct fake *f, uint32_t bit)
{
	__atomic_fetch_or(&f->regs.fsts, bit, __ATOMIC_RELEASE);
}

static void status_write(uint64_t addr, uint32_t data)
{
	__atomic_store_n((uint32_t *)(uintptr_t)addr, data, __ATOMIC_RELEASE);
}

static void fake_doorbell(void *arg)
{
	struct fake *f = arg;
	uint32_t clr = __atomic_load_n(&f->regs.fsts_clear, __ATOMIC_ACQUIRE);
	uint64_t iqa, tail, n, qs, shift;
	unsigned int dsz;
	uint8_t *base;

	/* FSTS first, then the mailbox (<invtrack/vtd-regs.h>). */
	__atomic_fetch_and(&f->regs.fsts, ~clr, __ATOMIC_RELAXED);
	__atomic_fetch_and(&f->regs.fsts_clear, ~clr, __ATOMIC_RELEASE);
	if (f->paused || (f->regs.fsts & (INVT_VTD_FSTS_IQE | INVT_VTD_FSTS_ITE)))
		return;
	iqa = __atomic_load_n(&f->regs.iqa, __ATOMIC_ACQUIRE);
	if (!iqa)
		return;
	base = (uint8_t *)(uintptr_t)(iqa & ~0xfffull);
	qs = iqa & INVT_VTD_IQA_QS_MASK;
	dsz = (iqa & INVT_VTD_IQA_DW) ? 32 : 16;
	shift = dsz == 32 ? 5 : 4;
	n = 1ull << (qs + 8 - (dsz == 32));
	for (;;) {
		uint64_t head = __atomic_load_n(&f->regs.iqh, __ATOMIC_RELAXED) >> shift;
		uint8_t *d;
		uint64_t qw0, qw1, type;

		tail = __atomic_load_n(&f->regs.iqt, __ATOMIC_ACQUIRE) >> shift;
		if (head == tail)
			return;
		d = base + head * dsz;
		qw0 = le64(d);
		qw1 = le64(d + 8);
		type = qw0 & 0xf;
		/* Like the model: a wait with neither SW nor IF is invalid. */
		if (f->reject_all || !type || type > 8 || (type == 5 && !(qw0 & 0x30)) ||
		    (type == 5 && f->reject_pd && (qw0 & 0x80)) ||
		    (type == 5 && (qw0 & 0x20) && f->reject_sw)) {
			if (type == 5 && (qw0 & 0x20) && f->reject_sw)
				f->reject_sw--;
			__atomic_store_n(&f->regs.iqer, 1, __ATOMIC_RELAXED);
			set_fsts(f, INVT_VTD_FSTS_IQE);
			return;
		}
		if (f->n < MAXREC)
			f->rec[f->n] = (struct rec){ qw0, qw1, f->fetched };
		f->n++;
		f->fetched++;
		__atomic_store_n(&f->regs.iqh, ((head + 1) % n) << shift, __ATOMIC_RELEASE);
		if (type == 3 && ((qw0 >> 32) & 0xffff) == BAD_SID) {
			/* ITE: fetch everything up to the tail, aborting waits. */
			for (head = (head + 1) % n; head != tail; head = (head + 1) % n) {
				d = base + head * dsz;
				if (f->n < MAXREC)
					f->rec[f->n] = (struct rec){ le64(d), le64(d + 8),
								     f->fetched };
				f->n++;
				f->fetched++;
			}
			__atomic_store_n(&f->regs.iqh, tail << shift, __ATOMIC_RELEASE);
			__atomic_store_n(&f->regs.iqer, (uint64_t)BAD_SID << 32, __ATOMIC_RELAXED);
			set_fsts(f, INVT_VTD_FSTS_ITE);
			return;
		}
		if (type == 5 && (qw0 & 0x20)) {
			if (f->defer) {
				f->deferred_addr[f->nr_deferred] = qw1 & ~3ull;
				f->deferred_data[f->nr_deferred++] = (uint32_t)(qw0 >> 32);
			} else {
				status_write(qw1 & ~3ull, (uint32_t)(qw0 >> 32));
			}
		}
	}
}

static void fake_flush_deferred(struct fake *f)
{
	unsigned int i;

	for (i = 0; i < f->nr_deferred; i++)
		status_write(f->deferred_addr[i], f->deferred_data[i]);
	f->nr_deferred = 0;
	f->defer = false;
}

static void on_error(void *arg, uint32_t fsts, uint64_t index, const void *desc, uint64_t iqer)
{
	struct fake *f = arg;

	if (f->errs < 16) {
		f->err_fsts[f->errs] = fsts;
		f->err_index[f->errs] = index;
	}
	f->errs++;
}

struct env {
	struct fake f;
	struct invt_vtd_qi q;
	bool wide;
	uint8_t buf[256 * 32];
	uint32_t nbuf;
};

static struct env *env_new(unsigned int qs, bool wide, uint64_t start)
{
	struct env *e = calloc(1, sizeof(*e));
	unsigned int shift = wide ? 5 : 4;

	assert_non_null(e);
	e->wide = wide;
	e->f.regs.doorbell = fake_doorbell;
	e->f.regs.doorbell_arg = &e->f;
	e->f.regs.iqh = start << shift;
	e->f.regs.iqt = start << shift;
	assert_int_equal(invt_vtd_qi_init(&e->q, &e->f.regs, qs, wide, NULL), 0);
	e->q.on_error = on_error;
	e->q.err_arg = &e->f;
	return e;
}

static void env_free(struct env *e)
{
	invt_vtd_qi_destroy(&e->q);
	free(e);
}

/* Append a descriptor to the env's buffer. */
static void add(struct env *e, const struct invt_vtd_desc *d)
{
	unsigned int dsz = e->wide ? 32 : 16;

	assert_int_equal(invt_vtd_desc_encode_le(d, e->buf + e->nbuf * dsz, dsz), 0);
	e->nbuf++;
}

static void add_raw(struct env *e, uint64_t qw0, uint64_t qw1)
{
	unsigned int dsz = e->wide ? 32 : 16, i;
	uint8_t *p = e->buf + e->nbuf * dsz;

	memset(p, 0, dsz);
	for (i = 0; i < 8; i++) {
		p[i] = (uint8_t)(qw0 >> (8 * i));
		p[8 + i] = (uint8_t)(qw1 >> (8 * i));
	}
	e->nbuf++;
}

static const struct invt_vtd_desc dsi = { .type = INVT_VTD_DESC_IOTLB, .g = INVT_VTD_IOTLB_DSI,
					  .did = 2 };
static const struct invt_vtd_desc wsw = { .type = INVT_VTD_DESC_WAIT, .sw = true, .fn = true };

static uint64_t submit(struct env *e, int expect)
{
	uint64_t tok = 0xbad;

	assert_int_equal(invt_vtd_qi_submit(&e->q, e->buf, e->nbuf, NULL, &tok), expect);
	e->nbuf = 0;
	return tok;
}

static void test_init(void **state)
{
	struct fake f = { 0 };
	struct invt_vtd_qi q;
	uint64_t iqa;

	assert_int_equal(invt_vtd_qi_init(&q, &f.regs, 8, true, NULL), -EINVAL);
	f.regs.iqh = 0x20;
	assert_int_equal(invt_vtd_qi_init(&q, &f.regs, 0, true, NULL), -EINVAL);
	f.regs.iqh = 0;
	f.regs.fsts = INVT_VTD_FSTS_ITE;
	assert_int_equal(invt_vtd_qi_init(&q, &f.regs, 0, true, NULL), -EINVAL);
	f.regs.fsts = 0;

	assert_int_equal(invt_vtd_qi_init(&q, &f.regs, 3, true, NULL), 0);
	iqa = f.regs.iqa;
	assert_int_equal(iqa & 0xfff, INVT_VTD_IQA_DW | 3);
	assert_int_equal(iqa & ~0xfffull, (uintptr_t)q.base);
	assert_int_equal(q.log2n, 10);		/* 2^(3 + 8 - 1) */
	assert_int_equal(invt_vtd_qi_desc_bytes(&q), 32);
	invt_vtd_qi_destroy(&q);
	assert_int_equal(f.regs.iqa, 0);

	assert_int_equal(invt_vtd_qi_init(&q, &f.regs, 0, false, NULL), 0);
	assert_int_equal(f.regs.iqa & 0xfff, 0);
	assert_int_equal(q.log2n, 8);
	assert_int_equal(invt_vtd_qi_desc_bytes(&q), 16);
	invt_vtd_qi_destroy(&q);
}

static void check_basic(bool wide)
{
	struct env *e = env_new(0, wide, 0);
	unsigned int shift = wide ? 5 : 4;
	uint64_t tok;

	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(tok, 2);
	assert_int_equal(e->f.regs.iqt, 2u << shift);
	assert_int_equal(e->f.regs.iqh, 2u << shift);
	assert_int_equal(e->f.n, 2);
	assert_int_equal(e->f.rec[0].qw0, 0x20022);
	/* The wait: data = token, address = the status word of slot 1. */
	assert_int_equal(e->f.rec[1].qw0, 0x0000000200000065ull);
	assert_int_equal(e->f.rec[1].qw1, (uintptr_t)&e->q.status[1]);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	/* The caller's buffer is not modified; a no-wait batch keeps the token. */
	add(e, &dsi);
	assert_int_equal(submit(e, 0), 2);
	assert_int_equal(invt_vtd_qi_wait(&e->q, 0), 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, 99), -EINVAL);
	assert_int_equal(invt_vtd_qi_submit(&e->q, e->buf, 0, NULL, &tok), -EINVAL);
	assert_int_equal(e->q.stats.descs, 3);
	assert_int_equal(e->q.stats.waits, 1);
	env_free(e);
}

static void test_basic_256(void **state)
{
	check_basic(true);
}

static void test_basic_128(void **state)
{
	check_basic(false);
}

/* Many laps from a start two slots before the end. */
static void test_wrap(void **state)
{
	struct env *e = env_new(0, true, 126);
	uint64_t tok, expect = 126;
	unsigned int i, j;

	for (i = 0; i < 300; i++) {
		unsigned int k = 1 + i % 7;

		for (j = 0; j < k; j++)
			add(e, &dsi);
		add(e, &wsw);
		tok = submit(e, 0);
		expect += k + 1;
		assert_int_equal(tok, expect);
		assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
		assert_int_equal(e->f.regs.iqt, (expect % 128) << 5);
	}
	assert_int_equal(e->f.n, expect - 126);
	assert_int_equal(e->q.stats.full_waits, 0);
	env_free(e);
}

static void test_full(void **state)
{
	struct env *e = env_new(0, true, 0);
	uint64_t tok;
	unsigned int i;

	e->q.spin_limit = 1000;
	e->f.paused = true;
	for (i = 0; i < 63; i++)
		add(e, &dsi);
	submit(e, 0);
	for (i = 0; i < 63; i++)
		add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);		/* 127 written: one entry stays free */
	assert_int_equal(tok, 127);
	add(e, &dsi);
	submit(e, -ETIMEDOUT);
	assert_int_equal(e->q.stats.full_waits, 1);
	assert_int_equal(e->q.stats.timeouts, 1);
	assert_int_equal(e->f.n, 0);
	/* The unit comes back: the next submit finds room. */
	e->f.paused = false;
	fake_doorbell(&e->f);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	for (i = 0; i < 40; i++)
		add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	assert_int_equal(e->f.n, 127 + 41);
	env_free(e);
}

/* IQH passed a wait whose status is not written yet: its slot waits. */
static void test_pending_wait_slot(void **state)
{
	struct env *e = env_new(0, true, 0);
	uint64_t tok;
	unsigned int i;

	e->q.spin_limit = 1000;
	e->f.defer = true;
	add(e, &wsw);
	tok = submit(e, 0);
	for (i = 0; i < 126; i++)
		add(e, &dsi);
	submit(e, 0);
	assert_int_equal(e->f.regs.iqh, e->f.regs.iqt);	/* all fetched */
	add(e, &dsi);
	submit(e, -ETIMEDOUT);		/* slot 0 still belongs to the wait */
	fake_flush_deferred(&e->f);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(tok, 129);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	env_free(e);
}

/* A waiter whose status word was reused after its wait completed. */
static void test_reused_slot(void **state)
{
	struct env *e = env_new(0, true, 0);
	uint64_t first, tok;
	unsigned int i, lap;

	add(e, &wsw);
	first = submit(e, 0);
	for (lap = 0; lap < 3; lap++) {
		for (i = 0; i < 63; i++)
			add(e, &dsi);
		add(e, &wsw);
		tok = submit(e, 0);
		assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	}
	/* Slot 0 was reused by later descriptors: still done. */
	assert_int_equal(invt_vtd_qi_wait(&e->q, first), 0);
	env_free(e);
}

static void test_iqe_covered(void **state)
{
	struct env *e = env_new(0, true, 0);
	uint64_t tok;

	add(e, &dsi);
	add_raw(e, 0xf, 0);		/* type 15: invalid */
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(e->f.n, 1);	/* stopped at the bad one */
	assert_true(e->f.regs.fsts & INVT_VTD_FSTS_IQE);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	assert_int_equal(e->f.regs.fsts, 0);
	/* Nothing lost: the no-op, the IOTLB and the wait executed. */
	assert_int_equal(e->f.n, 4);
	/* A status-writing wait, FN, ~token into the slot's own word. */
	assert_int_equal(e->f.rec[1].qw0, 0x65 | (uint64_t)(uint32_t)~2u << 32);
	assert_int_equal(e->f.rec[2].qw0, 0x20022);
	assert_int_equal(e->f.rec[3].qw0 & 0xff, 0x65);
	assert_int_equal(e->q.stats.iqe, 1);
	assert_int_equal(e->f.errs, 1);
	assert_int_equal(e->f.err_fsts[0], INVT_VTD_FSTS_IQE);
	assert_int_equal(e->f.err_index[0], 1);
	/* A span of phases hears of an early phase's skip. */
	add(e, &dsi);
	add_raw(e, 0xf, 0);
	add(e, &wsw);
	add(e, &dsi);
	add(e, &wsw);
	{
		uint64_t first = 0;

		assert_int_equal(invt_vtd_qi_submit(&e->q, e->buf, e->nbuf, &first, &tok), 0);
		e->nbuf = 0;
		assert_int_equal(tok, first + 2);
		assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
		assert_int_equal(invt_vtd_qi_wait_span(&e->q, first, tok), -EIO);
		assert_int_equal(invt_vtd_qi_wait_span(&e->q, tok, tok), 0);
	}
	/* The next wait is clean, and so is a second look at the old one. */
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	env_free(e);
}

/* The covering wait is written after the recovery. */
static void test_iqe_open(void **state)
{
	struct env *e = env_new(0, true, 0);
	uint64_t tok, h;

	add(e, &wsw);
	tok = submit(e, 0);
	add_raw(e, 0, 0);		/* type 0: invalid */
	add(e, &dsi);
	submit(e, 0);
	h = invt_vtd_qi_poll(&e->q);	/* recovers: no wait after it yet */
	assert_int_equal(h, 3);
	assert_int_equal(e->q.stats.iqe, 1);
	assert_true(e->q.open_skip);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);	/* before the bad one */
	add(e, &wsw);
	tok = submit(e, 0);
	assert_false(e->q.open_skip);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	env_free(e);
}

/* The refused descriptor is the wait itself. */
static void test_iqe_wait(void **state)
{
	struct env *e = env_new(0, true, 0);
	const struct invt_vtd_desc wpd = { .type = INVT_VTD_DESC_WAIT, .sw = true, .pd = true };
	uint64_t tok;

	e->f.reject_pd = true;
	add(e, &dsi);
	add(e, &wpd);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	/* Rewritten as a plain wait (SW only) with its own status. */
	assert_int_equal(e->f.n, 2);
	assert_int_equal(e->f.rec[1].qw0, 0x0000000200000025ull);
	/* Refused twice: a no-op, counted as aborted; the waiter resubmits. */
	e->f.reject_sw = 2;
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	assert_int_equal(e->q.stats.aborted, 1);
	assert_int_equal(e->q.stats.resubmits, 1);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	env_free(e);
}

/*
 * A unit that keeps refusing: every wait and a submit that needs free
 * entries end in -EIO after INVT_VTD_QI_IQE_REPEATS recoveries, never loop.
 */
static void test_iqe_refuse_all(void **state)
{
	struct env *e = env_new(0, true, 0);
	unsigned int i, errs;
	uint64_t tok;

	e->f.reject_all = true;
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	assert_int_equal(e->f.errs, INVT_VTD_QI_IQE_REPEATS);
	assert_int_equal(e->f.n, 0);
	assert_true(e->f.regs.fsts & INVT_VTD_FSTS_IQE);	/* left stopped */
	/* Given up on: a later wait fails at once, reporting nothing new. */
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	assert_int_equal(e->f.errs, INVT_VTD_QI_IQE_REPEATS);
	/* A submit that needs more than the stopped queue has: -EIO too. */
	for (i = 0; i < 200; i++)
		add(e, &dsi);
	tok = submit(e, -EIO);
	assert_int_equal(e->f.errs, INVT_VTD_QI_IQE_REPEATS);
	env_free(e);

	/* The unit's IQH names a slot never written (zeroed: invalid). */
	e = env_new(0, true, 0);
	e->f.regs.iqh = 5u << 5;
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), -EIO);
	errs = e->f.errs;
	assert_true(errs >= 1 && errs <= INVT_VTD_QI_IQE_REPEATS);
	assert_int_equal(e->f.n, 0);
	env_free(e);
}

static void test_ite(void **state)
{
	struct env *e = env_new(0, true, 0);
	const struct invt_vtd_desc bad = { .type = INVT_VTD_DESC_DEVTLB, .sid = BAD_SID,
					   .pfsid = BAD_SID };
	uint64_t t1, t2, tok;

	e->f.paused = true;
	add(e, &bad);
	add(e, &wsw);
	t1 = submit(e, 0);
	add(e, &dsi);
	add(e, &wsw);
	t2 = submit(e, 0);
	e->f.paused = false;
	fake_doorbell(&e->f);
	assert_true(e->f.regs.fsts & INVT_VTD_FSTS_ITE);
	assert_int_equal(e->f.n, 4);	/* everything fetched, waits aborted */
	assert_int_equal(e->q.status[1], ~(uint32_t)2);
	assert_int_equal(invt_vtd_qi_wait(&e->q, t2), -EIO);
	assert_int_equal(e->q.stats.ite, 1);
	assert_int_equal(e->q.stats.aborted, 2);
	assert_int_equal(e->q.stats.resubmits, 1);
	assert_int_equal(e->f.n, 5);	/* the fresh wait */
	assert_int_equal(e->f.err_fsts[0], INVT_VTD_FSTS_ITE);
	assert_int_equal(e->f.err_index[0], 4);
	assert_int_equal(invt_vtd_qi_wait(&e->q, t1), -EIO);
	assert_int_equal(e->q.stats.resubmits, 2);
	add(e, &dsi);
	add(e, &wsw);
	tok = submit(e, 0);
	assert_int_equal(invt_vtd_qi_wait(&e->q, tok), 0);
	assert_int_equal(e->f.regs.fsts, 0);
	env_free(e);
}

static void test_ice_and_hooks(void **state)
{
	struct env *e = env_new(0, false, 0);

	e->f.regs.fsts = INVT_VTD_FSTS_ICE;
	invt_vtd_qi_poll(&e->q);
	assert_int_equal(e->f.regs.fsts, 0);
	assert_int_equal(e->q.stats.ice, 1);
	assert_int_equal(e->f.err_fsts[0], INVT_VTD_FSTS_ICE);
	env_free(e);
}

struct wlog {
	uint64_t index[8];
	uint64_t qw0[8];
	unsigned int n;
};

static void on_write(void *arg, uint64_t index, const void *slot)
{
	struct wlog *w = arg;

	w->index[w->n] = index;
	w->qw0[w->n++] = le64(slot);
}

static void test_on_write(void **state)
{
	struct env *e = env_new(0, true, 5);
	struct wlog w = { .n = 0 };

	e->q.on_write = on_write;
	e->q.write_arg = &w;
	add(e, &dsi);
	add(e, &wsw);
	assert_int_equal(submit(e, 0), 7);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.index[0], 5);
	assert_int_equal(w.index[1], 6);
	assert_int_equal(w.qw0[1], 0x0000000700000065ull);	/* already rewritten */
	env_free(e);
}

/* ------------------------------------------------------------- threads */

#define TH_ITERS	2000

struct th {
	struct env *e;
	int stop;		/* atomic */
	int failures;		/* atomic */
};

static void *consumer_main(void *arg)
{
	struct th *t = arg;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		fake_doorbell(&t->e->f);
		sched_yield();	/* 2 CPUs, 3 threads */
	}
	return NULL;
}

static void *producer_main(void *arg)
{
	struct th *t = arg;
	unsigned int dsz = t->e->wide ? 32 : 16, i, k;
	uint8_t buf[4 * 32];

	for (i = 0; i < TH_ITERS; i++) {
		uint64_t tok = 0;

		k = 1 + i % 3;
		for (unsigned int j = 0; j < k; j++)
			invt_vtd_desc_encode_le(&dsi, buf + j * dsz, dsz);
		invt_vtd_desc_encode_le(&wsw, buf + k * dsz, dsz);
		if (invt_vtd_qi_submit(&t->e->q, buf, k + 1, NULL, &tok) ||
		    invt_vtd_qi_wait(&t->e->q, tok))
			__atomic_fetch_add(&t->failures, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct env *e = env_new(0, true, 100);
	struct th t = { .e = e };
	pthread_t c, p[2];
	unsigned int i;
	size_t expect = 0;

	e->f.regs.doorbell = NULL;	/* the consumer polls */
	assert_int_equal(pthread_create(&c, NULL, consumer_main, &t), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&p[i], NULL, producer_main, &t), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(p[i], NULL), 0);
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(c, NULL), 0);
	assert_int_equal(t.failures, 0);
	for (i = 0; i < TH_ITERS; i++)
		expect += 2 + i % 3;
	assert_int_equal(e->f.n, 2 * expect);
	assert_int_equal(e->q.stats.waits, 2 * TH_ITERS);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_basic_256),
		cmocka_unit_test(test_basic_128),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_pending_wait_slot),
		cmocka_unit_test(test_reused_slot),
		cmocka_unit_test(test_iqe_covered),
		cmocka_unit_test(test_iqe_open),
		cmocka_unit_test(test_iqe_wait),
		cmocka_unit_test(test_iqe_refuse_all),
		cmocka_unit_test(test_ite),
		cmocka_unit_test(test_ice_and_hooks),
		cmocka_unit_test(test_on_write),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
