// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_riscv_queue.c - the RISC-V command queue producer (queue.c) against
 * a fake IOMMU written here: run inline from the doorbell, it applies the
 * cqcsr_clear mailbox, turns cqon on and off, consumes from cqh to cqt,
 * writes IOFENCE.C DATA to its ADDR, stops on reserved opcodes / fences
 * with reserved bits (cmd_ill, cqh at the command), and reports an ATS.INVAL
 * "timeout" at the next fence (cmd_to, cqh at the fence, retried once
 * cleared).  It can be held (consumes nothing) to fill the queue.
 *
 *  - init / destroy: cqb, cqt, cqen, cqon; bad arguments;
 *  - fences stamped (AV, DATA = token, ADDR = completion word), tokens;
 *  - no wrap bit: full at cqt == cqh - 1, -ETIMEDOUT when held, batches
 *    larger than the queue;
 *  - cmd_ill: skipped, covering fence -EIO, later fences fine; an illegal
 *    fence; an illegal command whose fence comes in a later batch;
 *  - cmd_to: the fence retried, -EIO once;
 *  - tokens and DATA across 2^32.
 * Single-threaded: asserts everywhere.
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

#include <invtrack/riscv.h>
#include <invtrack/riscv-queue.h>

#define MAXLOG	4096

/* --------------------------------------------------------- fake IOMMU */

struct fake {
	struct invt_riscv_regs regs;
	bool hold;
	bool ats_timeout;
	bool to_pending;
	uint64_t log[MAXLOG][2];	/* commands executed (fences twice on cmd_to) */
	size_t n;
	unsigned int doorbells;
};

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void fake_doorbell(void *arg)
{
	struct fake *f = arg;
	struct invt_riscv_regs *r = &f->regs;
	uint32_t clr = __atomic_exchange_n(&r->cqcsr_clear, 0, __ATOMIC_ACQUIRE);
	uint32_t csr = __atomic_load_n(&r->cqcsr, __ATOMIC_ACQUIRE);
	uint64_t cqb = __atomic_load_n(&r->cqb, __ATOMIC_ACQUIRE);
	uint8_t *base = (uint8_t *)(uintptr_t)(((cqb >> 10) & ((1ull << 44) - 1)) << 12);
	uint32_t mask = (2u << (cqb & 0x1f)) - 1;

	f->doorbells++;
	csr &= ~(clr & (INVT_RV_CQCSR_CMD_ILL | INVT_RV_CQCSR_CMD_TO | INVT_RV_CQCSR_CQMF));
	if (!(csr & INVT_RV_CQCSR_CQEN)) {
		__atomic_store_n(&r->cqcsr, csr & ~INVT_RV_CQCSR_CQON, __ATOMIC_RELEASE);
		return;
	}
	if (!(csr & INVT_RV_CQCSR_CQON)) {
		csr |= INVT_RV_CQCSR_CQON;
		__atomic_store_n(&r->cqh, 0, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->cqcsr, csr, __ATOMIC_RELEASE);
	if (f->hold || (csr & (INVT_RV_CQCSR_CMD_ILL | INVT_RV_CQCSR_CMD_TO)))
		return;
	for (;;) {
		uint32_t h = __atomic_load_n(&r->cqh, __ATOMIC_RELAXED);
		uint32_t t = __atomic_load_n(&r->cqt, __ATOMIC_ACQUIRE);
		const uint8_t *slot = base + (size_t)h * 16;
		uint64_t dw0, dw1;
		unsigned int op;

		if (h == t)
			return;
		dw0 = rd64(slot);
		dw1 = rd64(slot + 8);
		op = dw0 & 0x7f;
		if (op == 5 || (op == 2 && (dw0 & 0xffffc000ull))) {
			__atomic_store_n(&r->cqcsr, csr | INVT_RV_CQCSR_CMD_ILL, __ATOMIC_RELEASE);
			return;
		}
		if (f->n < MAXLOG) {
			f->log[f->n][0] = dw0;
			f->log[f->n][1] = dw1;
		}
		f->n++;
		if (op == 4 && !((dw0 >> 7) & 7) && f->ats_timeout)
			f->to_pending = true;
		if (op == 2) {
			if (f->to_pending) {
				f->to_pending = false;
				__atomic_store_n(&r->cqcsr, csr | INVT_RV_CQCSR_CMD_TO,
						 __ATOMIC_RELEASE);
				return;
			}
			if (dw0 & (1ull << 10))
				__atomic_store_n((uint32_t *)(uintptr_t)(dw1 << 2),
						 (uint32_t)(dw0 >> 32), __ATOMIC_RELEASE);
		}
		__atomic_store_n(&r->cqh, (h + 1) & mask, __ATOMIC_RELEASE);
	}
}

/* ------------------------------------------------------------ memory */

static long live;

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

/* ----------------------------------------------------------- helpers */

static struct fake *F;
static struct invt_rv_cmdq Q;

struct errs {
	uint32_t bit[16];
	uint64_t index[16];
	uint64_t dw0[16];
	unsigned int n;
};

static struct errs E;

static void on_err(void *arg, uint32_t bit, uint64_t index, const uint64_t dw[2])
{
	if (E.n < 16) {
		E.bit[E.n] = bit;
		E.index[E.n] = index;
		E.dw0[E.n] = dw[0];
	}
	E.n++;
}

static int setup(void **state)
{
	F = calloc(1, sizeof(*F));
	assert_non_null(F);
	F->regs.doorbell = fake_doorbell;
	F->regs.doorbell_arg = F;
	memset(&E, 0, sizeof(E));
	return 0;
}

static int teardown(void **state)
{
	free(F);
	assert_int_equal(live, 0);
	return 0;
}

static void up(unsigned int log2size)
{
	assert_int_equal(invt_rv_cmdq_init(&Q, &F->regs, &mem, log2size), 0);
	Q.on_error = on_err;
}

static void put_cmd(uint8_t *buf, const struct invt_rv_cmd *c)
{
	assert_int_equal(invt_rv_cmd_encode_le(c, buf), 0);
}

static void vma(uint8_t *buf, uint32_t pscid)
{
	struct invt_rv_cmd c = { .opcode = 1, .pscv = true, .pscid = pscid };

	put_cmd(buf, &c);
}

static void fence(uint8_t *buf)
{
	struct invt_rv_cmd c = { .opcode = 2, .pr = true, .pw = true };

	put_cmd(buf, &c);
}

static void ats(uint8_t *buf)
{
	struct invt_rv_cmd c = { .opcode = 4, .rid = 3, .addr = 0x1000 };

	put_cmd(buf, &c);
}

/* A reserved opcode: the IOMMU's cmd_ill. */
static void bad(uint8_t *buf)
{
	memset(buf, 0, 16);
	buf[0] = 5;
	buf[8] = 0xab;
}

/* ------------------------------------------------------------- tests */

static void test_init(void **state)
{
	uint64_t tok = 9;

	assert_int_equal(invt_rv_cmdq_init(&Q, &F->regs, &mem, 0), -EINVAL);
	assert_int_equal(invt_rv_cmdq_init(&Q, &F->regs, &mem, INVT_RV_CMDQ_MAX_LOG2SIZE + 1),
			 -EINVAL);
	assert_int_equal(invt_rv_cmdq_init(&Q, &F->regs, NULL, 4), -EINVAL);
	assert_int_equal(live, 0);
	up(4);
	assert_int_equal(F->regs.cqb, (Q.base_pa >> 12) << 10 | 3);
	assert_int_equal(Q.base_pa & 4095, 0);
	assert_int_equal(F->regs.cqt, 0);
	assert_true(F->regs.cqcsr & INVT_RV_CQCSR_CQEN);
	assert_true(F->regs.cqcsr & INVT_RV_CQCSR_CQON);
	/* Already on: refused, nothing allocated. */
	{
		struct invt_rv_cmdq q2;

		assert_int_equal(invt_rv_cmdq_init(&q2, &F->regs, &mem, 4), -EINVAL);
	}
	assert_int_equal(invt_rv_cmdq_submit(&Q, NULL, 0, &tok), -EINVAL);
	assert_int_equal(invt_rv_cmdq_wait(&Q, 0), 0);
	assert_int_equal(invt_rv_cmdq_wait(&Q, 5), -EINVAL);
	invt_rv_cmdq_destroy(&Q);
	assert_false(F->regs.cqcsr & (INVT_RV_CQCSR_CQEN | INVT_RV_CQCSR_CQON));
	assert_int_equal(F->regs.cqb, 0);
}

static void test_fences(void **state)
{
	uint8_t buf[4 * 16];
	uint64_t tok;

	up(4);
	vma(buf, 1);
	fence(buf + 16);
	vma(buf + 32, 2);
	fence(buf + 48);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 4, &tok), 0);
	assert_int_equal(tok, 4);
	assert_int_equal(F->n, 4);
	/* Stamped: AV, DATA = token, ADDR = completion word; PR PW kept. */
	assert_int_equal(F->log[1][0], 0x0000000200003402ull);
	assert_int_equal(F->log[1][1], Q.done_pa >> 2);
	assert_int_equal(F->log[3][0], 0x0000000400003402ull);
	assert_int_equal(*Q.done_word, 4);
	assert_int_equal(invt_rv_cmdq_wait(&Q, 2), 0);
	assert_int_equal(invt_rv_cmdq_wait(&Q, 4), 0);
	/* No fence: the token of the last one before. */
	vma(buf, 3);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), 0);
	assert_int_equal(tok, 4);
	assert_int_equal(Q.stats.cmds, 5);
	assert_int_equal(Q.stats.fences, 2);
	assert_int_equal(E.n, 0);
	invt_rv_cmdq_destroy(&Q);
}

static void test_full(void **state)
{
	uint8_t buf[40 * 16];
	uint64_t tok;
	unsigned int i;

	up(3);			/* 8 entries, 7 usable */
	for (i = 0; i < 40; i++)
		vma(buf + i * 16, i);
	fence(buf + 39 * 16);
	/* Move cqh to 5 first. */
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 5, &tok), 0);
	assert_int_equal(F->regs.cqh, 5);
	F->hold = true;
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 7, &tok), 0);
	/* Full: cqt == cqh - 1 (mod 8). */
	assert_int_equal(F->regs.cqt, 4);
	assert_int_equal(F->regs.cqh, 5);
	Q.spin_limit = 100;
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), -ETIMEDOUT);
	assert_int_equal(Q.stats.timeouts, 1);
	assert_int_equal(Q.stats.full_waits, 1);
	assert_int_equal(F->regs.cqt, 4);
	F->hold = false;
	fake_doorbell(F);	/* the IOMMU goes on by itself */
	Q.spin_limit = INVT_RV_CMDQ_DEFAULT_SPINS;
	/* 40 commands through an 8-entry queue, in order. */
	F->n = 0;
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 40, &tok), 0);
	assert_int_equal(tok, 5 + 7 + 40);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), 0);
	assert_int_equal(F->n, 40);
	for (i = 0; i < 39; i++)
		assert_int_equal((F->log[i][0] >> 12) & 0xfffff, i);
	assert_int_equal(F->log[39][0], (uint64_t)tok << 32 | 0x3402);
	assert_int_equal(F->regs.cqh, F->regs.cqt);
	invt_rv_cmdq_destroy(&Q);
}

static void test_ill(void **state)
{
	uint8_t buf[4 * 16];
	uint64_t tok, t2;

	up(4);
	vma(buf, 1);
	bad(buf + 16);
	vma(buf + 32, 2);
	fence(buf + 48);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 4, &tok), 0);
	/* Stopped at index 1. */
	assert_int_equal(F->regs.cqh, 1);
	assert_true(F->regs.cqcsr & INVT_RV_CQCSR_CMD_ILL);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), -EIO);
	assert_int_equal(E.n, 1);
	assert_int_equal(E.bit[0], INVT_RV_CQCSR_CMD_ILL);
	assert_int_equal(E.index[0], 1);
	assert_int_equal(E.dw0[0], 5);
	assert_false(F->regs.cqcsr & INVT_RV_CQCSR_CMD_ILL);
	/* Executed: VMA, the plain fence that replaced it, VMA, fence. */
	assert_int_equal(F->n, 4);
	assert_int_equal(F->log[1][0], 2);
	assert_int_equal(F->log[1][1], 0);
	assert_int_equal(Q.stats.ill, 1);
	/* The next batch is fine. */
	vma(buf, 3);
	fence(buf + 16);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 2, &t2), 0);
	assert_int_equal(invt_rv_cmdq_wait(&Q, t2), 0);
	/* The old failure is still reported to its own waiter. */
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), -EIO);

	/*
	 * An illegal fence: the producer rewrites every fence it is given, so
	 * corrupt one in queue memory (reserved bit 20) while the IOMMU holds.
	 */
	vma(buf, 4);
	fence(buf + 16);
	F->hold = true;
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 2, &tok), 0);
	Q.base[((tok - 1) & 15) * 16 + 2] |= 0x10;
	F->hold = false;
	fake_doorbell(F);
	assert_true(F->regs.cqcsr & INVT_RV_CQCSR_CMD_ILL);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), -EIO);
	/* Rewritten as a proper completion fence: the word says so. */
	assert_int_equal(*Q.done_word, (uint32_t)tok);
	assert_int_equal(Q.stats.ill, 2);

	/* Illegal command, fence only in a later batch: that fence fails. */
	bad(buf);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &t2), 0);
	assert_int_equal(t2, tok);
	invt_rv_cmdq_poll(&Q);
	assert_true(Q.open_error);
	fence(buf);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), 0);
	assert_false(Q.open_error);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), -EIO);
	fence(buf);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), 0);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), 0);
	assert_int_equal(E.n, 3);
	invt_rv_cmdq_destroy(&Q);
}

static void test_cmd_to(void **state)
{
	uint8_t buf[3 * 16];
	uint64_t tok;

	up(4);
	F->ats_timeout = true;
	vma(buf, 1);
	ats(buf + 16);
	fence(buf + 32);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 3, &tok), 0);
	/* cqh at the fence, cmd_to set. */
	assert_int_equal(F->regs.cqh, 2);
	assert_true(F->regs.cqcsr & INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), -EIO);
	/* The fence ran twice: once stopping, once completing. */
	assert_int_equal(F->n, 4);
	assert_int_equal(F->log[2][0], F->log[3][0]);
	assert_int_equal(Q.stats.cmd_to, 1);
	assert_int_equal(E.n, 1);
	assert_int_equal(E.bit[0], INVT_RV_CQCSR_CMD_TO);
	assert_int_equal(E.index[0], 2);
	F->ats_timeout = false;
	fence(buf);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), 0);
	assert_int_equal(invt_rv_cmdq_wait(&Q, tok), 0);
	invt_rv_cmdq_destroy(&Q);
}

/* Logical positions just below 2^32: DATA wraps, tokens do not. */
static void test_wrap_32(void **state)
{
	uint64_t start = (1ull << 32) - 2, tok;
	uint8_t buf[16];
	unsigned int i;

	up(3);
	Q.prod = Q.cons = Q.prod_pub = Q.done = start;
	F->regs.cqh = F->regs.cqt = (uint32_t)(start & 7);
	*Q.done_word = (uint32_t)start;
	for (i = 0; i < 6; i++) {
		fence(buf);
		assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 1, &tok), 0);
		assert_int_equal(tok, start + i + 1);
		assert_int_equal(invt_rv_cmdq_wait(&Q, tok), 0);
		assert_int_equal(Q.done, tok);
		assert_int_equal(*Q.done_word, (uint32_t)tok);
	}
	/* A stale or wild word never moves the known value backwards. */
	*Q.done_word = 7;
	assert_int_equal(invt_rv_cmdq_wait(&Q, start + 3), 0);
	assert_int_equal(Q.done, start + 6);
	invt_rv_cmdq_destroy(&Q);
}

static uint64_t wlog[64];
static unsigned int nw;

static void on_write(void *arg, uint64_t index, const void *slot)
{
	if (nw < 64)
		wlog[nw] = rd64(slot) | index << 56;
	nw++;
}

static void test_on_write(void **state)
{
	uint8_t buf[2 * 16];
	uint64_t tok;

	up(4);
	Q.on_write = on_write;
	nw = 0;
	vma(buf, 1);
	fence(buf + 16);
	assert_int_equal(invt_rv_cmdq_submit(&Q, buf, 2, &tok), 0);
	assert_int_equal(nw, 2);
	assert_int_equal(wlog[0], 0x0000000100001001ull);
	assert_int_equal(wlog[1], 0x0100000200003402ull);
	invt_rv_cmdq_destroy(&Q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_write, setup, teardown),
	};

	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
