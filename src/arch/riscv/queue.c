// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * queue.c - RISC-V IOMMU command queue producer (driver side); the
 * interface is <invtrack/riscv-queue.h>.
 *
 * Logical positions are 64-bit counts of commands; cqh and cqt hold them
 * modulo the queue size.  The head is reconstructed from cqh under the
 * producer lock: the IOMMU's head lies in [cons, prod] and prod - cons is
 * at most size - 1 (the queue is never filled completely), so the value
 * congruent to cqh in [cons, cons + size) is exact.
 *
 * Recovery of cmd_ill and cmd_to runs under the producer lock, by whoever
 * notices (a producer waiting for room, a waiter, invt_rv_cmdq_poll()).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <invtrack/riscv.h>
#include <invtrack/riscv-queue.h>

#include "compat-user.h"

/* IOFENCE.C fields this file stamps (RISC-V IOMMU 1.0 §3.1.2). */
#define FENCE_AV	(1ull << 10)
#define FENCE_DATA_SHIFT 32
/* Kept from the caller: opcode, func3, WSI, PR, PW (AV, DATA, ADDR stamped). */
#define FENCE_KEEP	(0x3ffull | 7ull << 11)
/* Polls for cqon to drop at destroy. */
#define DESTROY_SPINS	(1u << 16)
#define CQCSR_ERRORS	(INVT_RV_CQCSR_CMD_ILL | INVT_RV_CQCSR_CMD_TO | INVT_RV_CQCSR_CQMF)

static inline uint64_t q_size(const struct invt_rv_cmdq *q)
{
	return 1ull << q->log2size;
}

static inline uint8_t *q_slot(const struct invt_rv_cmdq *q, uint64_t index)
{
	return q->base + (size_t)(index & (q_size(q) - 1)) * INVT_RV_CMD_BYTES;
}

static uint64_t le64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void le64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* dw0 is an IOFENCE.C: opcode 2, func3 0. */
static bool is_fence(uint64_t dw0)
{
	return (dw0 & 0x3ff) == INVT_RV_OP_IOFENCE;
}

static void stat_add(uint64_t *c, uint64_t v)
{
	/* Statistics only: nothing is ordered by them. */
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

/* Busy-wait step; yields now and then (the build machines have 2 CPUs). */
static void q_relax(unsigned int spins)
{
	if (!(spins & 63)) {
		sched_yield();
		return;
	}
	invt_cpu_relax();
}

static void q_doorbell(struct invt_rv_cmdq *q)
{
	if (q->regs->doorbell)
		q->regs->doorbell(q->regs->doorbell_arg);
}

/*
 * Make the slot at @index a completion fence for token @index + 1, keeping
 * the caller's PR / PW / WSI.  The slot is private until cqt covers it.
 */
static void stamp_fence(struct invt_rv_cmdq *q, uint8_t *slot, uint64_t index)
{
	uint64_t dw0 = le64_get(slot) & FENCE_KEEP;

	dw0 |= FENCE_AV | (uint64_t)(uint32_t)(index + 1) << FENCE_DATA_SHIFT;
	le64_put(slot, dw0);
	/* §3.1.2: ADDR[63:2] in dw1[61:0]; done_pa is 64-byte aligned. */
	le64_put(slot + 8, q->done_pa >> 2);
}

/* Remember that the fence of @token failed.  q->lock held. */
static void q_fail(struct invt_rv_cmdq *q, uint64_t token)
{
	q->fail_log[q->nr_fail++ % INVT_RV_CMDQ_FAIL_LOG] = token;
	/*
	 * Release: pairs with the acquire in fence_status().  The failure is
	 * logged before the IOMMU can complete the fence (before the error
	 * bit is cleared, or before cqt covers the fence), and the waiter
	 * learns of completion through the completion word, so it sees this.
	 */
	if (token > q->fail_max)
		__atomic_store_n(&q->fail_max, token, __ATOMIC_RELEASE);
}

/* Read cqh and raise q->cons to its logical value.  q->lock held. */
static uint64_t q_read_head(struct invt_rv_cmdq *q)
{
	/*
	 * Acquire: pairs with the IOMMU's release store of cqh after it read
	 * the entries before it.  Forbids reusing an entry it still reads.
	 */
	uint32_t h = __atomic_load_n(&q->regs->cqh, __ATOMIC_ACQUIRE);
	uint64_t cand = q->cons + ((h - (uint32_t)q->cons) & (q_size(q) - 1));

	if (cand <= q->prod)
		q->cons = cand;
	return q->cons;
}

/* Write-1-to-clear @bits of cqcsr through the mailbox, and tell the IOMMU. */
static void q_clear(struct invt_rv_cmdq *q, uint32_t bits)
{
	/*
	 * Release: pairs with the IOMMU's acquire of the mailbox before it
	 * resumes.  Forbids it fetching the rewritten slot before the rewrite,
	 * and completing the fence before the failure log holds it.
	 */
	__atomic_fetch_or(&q->regs->cqcsr_clear, bits, __ATOMIC_RELEASE);
	q_doorbell(q);
}

static void report(struct invt_rv_cmdq *q, uint32_t bit, uint64_t index)
{
	uint64_t dw[2];

	if (!q->on_error)
		return;
	dw[0] = le64_get(q_slot(q, index));
	dw[1] = le64_get(q_slot(q, index) + 8);
	q->on_error(q->err_arg, bit, index, dw);
}

/* cqh stopped at the illegal command @bad.  q->lock held. */
static void recover_ill(struct invt_rv_cmdq *q, uint64_t bad)
{
	static const struct invt_rv_cmd skip = { .opcode = INVT_RV_OP_IOFENCE,
						 .func3 = INVT_RV_FUNC_C };
	uint8_t *slot = q_slot(q, bad);
	uint64_t i;

	report(q, INVT_RV_CQCSR_CMD_ILL, bad);
	stat_add(&q->stats.ill, 1);
	if (is_fence(le64_get(slot))) {
		/* An illegal fence: its own waiter hears of it. */
		q_fail(q, bad + 1);
		invt_rv_cmd_encode_le(&skip, slot);
		stamp_fence(q, slot, bad);
	} else {
		/* The first fence after it covers it: fail that one. */
		for (i = bad + 1; i < q->prod; i++)
			if (is_fence(le64_get(q_slot(q, i))))
				break;
		if (i < q->prod)
			q_fail(q, i + 1);
		else
			q->open_error = true;
		/* Skip it: a plain fence keeps the order and loses nothing. */
		invt_rv_cmd_encode_le(&skip, slot);
	}
	q_clear(q, INVT_RV_CQCSR_CMD_ILL);
}

/*
 * The error bits to recover: cqcsr less those whose clear the IOMMU has
 * not taken yet (a write-1-to-clear in flight in the mailbox: that error
 * was recovered already; recovering it again would skip a second command).
 */
static uint32_t q_errors(struct invt_rv_cmdq *q)
{
	/*
	 * Acquire, before cqcsr is read: pairs with the IOMMU's release when
	 * it takes bits out of the mailbox after clearing them in cqcsr.
	 * Forbids seeing a bit gone from the mailbox and still set in cqcsr by
	 * the error we cleared.
	 */
	uint32_t clearing = __atomic_load_n(&q->regs->cqcsr_clear, __ATOMIC_ACQUIRE);

	/*
	 * Acquire: pairs with the IOMMU's release when it sets an error bit.
	 * Forbids reading cqh or the failed slot from before it stopped.
	 */
	return __atomic_load_n(&q->regs->cqcsr, __ATOMIC_ACQUIRE) & ~clearing;
}

/* Recover whatever error cqcsr shows.  q->lock held. */
static void q_recover(struct invt_rv_cmdq *q)
{
	/* Acquire (q_errors()): nothing read below is older than the error. */
	uint32_t csr = q_errors(q);
	uint64_t head;

	if (!(csr & CQCSR_ERRORS))
		return;
	/* Stopped: cqh is exact. */
	head = q_read_head(q);
	/*
	 * A bit set again after the IOMMU took our clear is a new error, even
	 * at the same cqh: a command refused again when re-read, a fence
	 * reporting another timeout.  Each is recovered (RISC-V IOMMU §3.1.1).
	 */
	if ((csr & INVT_RV_CQCSR_CMD_ILL) && head < q->prod)
		recover_ill(q, head);
	if ((csr & INVT_RV_CQCSR_CMD_TO) && head < q->prod) {
		/* The fence at cqh reported it; it runs again once cleared. */
		report(q, INVT_RV_CQCSR_CMD_TO, head);
		stat_add(&q->stats.cmd_to, 1);
		q_fail(q, head + 1);
		q_clear(q, INVT_RV_CQCSR_CMD_TO);
	}
	if (csr & INVT_RV_CQCSR_CQMF) {
		report(q, INVT_RV_CQCSR_CQMF, head);
		stat_add(&q->stats.cqmf, 1);
		q_clear(q, INVT_RV_CQCSR_CQMF);
	}
}

static bool q_error_pending(struct invt_rv_cmdq *q)
{
	/* Relaxed: only a hint; q_recover() reads it again with acquire. */
	return __atomic_load_n(&q->regs->cqcsr, __ATOMIC_RELAXED) & CQCSR_ERRORS &
	       ~__atomic_load_n(&q->regs->cqcsr_clear, __ATOMIC_RELAXED);
}

uint64_t invt_rv_cmdq_poll(struct invt_rv_cmdq *q)
{
	uint64_t head;

	invt_mutex_lock(&q->lock);
	q_recover(q);
	head = q_read_head(q);
	invt_mutex_unlock(&q->lock);
	return head;
}

/* One round of a poll: let a model move on (its clock), else relax. */
static void q_poll_round(struct invt_rv_cmdq *q, unsigned int spins)
{
	if (q->regs->poll)
		q->regs->poll(q->regs->doorbell_arg);
	else
		q_relax(spins);
}

/*
 * One round of polling cqh or a completion word: a model whose consumer
 * runs on its own thread may consume in this one (the registers' consume
 * hook; real hardware moves on its own), then relax.
 */
static void q_wait_round(struct invt_rv_cmdq *q, unsigned int spins)
{
	if (q->regs->consume)
		q->regs->consume(q->regs->doorbell_arg);
	q_relax(spins);
}

/*
 * Wait for cqcsr.cqon to read @on and cqcsr.busy 0: the IOMMU acted on the
 * last cqen write (spec 1.0, cqcsr: software checks busy before writing
 * cqcsr again, and uses the queue only once cqon is 1).
 */
static int wait_cqon(struct invt_rv_cmdq *q, bool on, uint32_t limit)
{
	unsigned int spins = 0;
	uint32_t csr;

	for (;;) {
		/* Acquire: pairs with the IOMMU's release when it changes cqon / busy. */
		csr = __atomic_load_n(&q->regs->cqcsr, __ATOMIC_ACQUIRE);
		if (!!(csr & INVT_RV_CQCSR_CQON) == on && !(csr & INVT_RV_CQCSR_BUSY))
			return 0;
		if (++spins > limit)
			return -ETIMEDOUT;
		q_poll_round(q, spins);
	}
}

int invt_rv_cmdq_init(struct invt_rv_cmdq *q, struct invt_riscv_regs *regs,
		      const struct invt_dma_ops *mem, unsigned int log2size)
{
	uint64_t old_cqb;
	size_t bytes;
	int ret;

	if (!q || !regs || !mem || !mem->alloc || !mem->free || !log2size ||
	    log2size > INVT_RV_CMDQ_MAX_LOG2SIZE)
		return -EINVAL;
	if (__atomic_load_n(&regs->cqcsr, __ATOMIC_ACQUIRE) &
	    (INVT_RV_CQCSR_CQEN | INVT_RV_CQCSR_CQON | INVT_RV_CQCSR_BUSY))
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->regs = regs;
	q->mem = mem;
	q->log2size = log2size;
	q->spin_limit = INVT_RV_CMDQ_DEFAULT_SPINS;
	/* cqb names a 4 KiB page: at least 4 KiB, aligned to the size. */
	bytes = (size_t)INVT_RV_CMD_BYTES << log2size;
	q->base_bytes = bytes < 4096 ? 4096 : bytes;
	q->base = mem->alloc(mem->arg, q->base_bytes, &q->base_pa);
	if (!q->base)
		return -ENOMEM;
	q->done_word = mem->alloc(mem->arg, 64, &q->done_pa);
	if (!q->done_word) {
		ret = -ENOMEM;
		goto err_base;
	}
	/* cqb.PPN [53:10]: physical addresses below 2^56. */
	if ((q->base_pa | q->done_pa) >> 56 || (q->base_pa & (q->base_bytes - 1))) {
		ret = -ENOMEM;
		goto err_done;
	}
	invt_mutex_init(&q->lock);

	old_cqb = __atomic_load_n(&regs->cqb, __ATOMIC_RELAXED);
	__atomic_store_n(&regs->cqb, (q->base_pa >> 12) << INVT_RV_CQB_PPN_SHIFT |
			 (uint64_t)(log2size - 1), __ATOMIC_RELAXED);
	__atomic_store_n(&regs->cqt, 0, __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the IOMMU's acquire of cqcsr.cqen.  Forbids it
	 * seeing the queue on before cqb, cqt and the zeroed memory.
	 */
	__atomic_fetch_or(&regs->cqcsr, INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	q_doorbell(q);
	ret = wait_cqon(q, true, q->spin_limit);
	if (ret) {
		__atomic_fetch_and(&regs->cqcsr, ~INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
		q_doorbell(q);
		__atomic_store_n(&regs->cqb, old_cqb, __ATOMIC_RELAXED);
		invt_mutex_destroy(&q->lock);
		goto err_done;
	}
	return 0;

err_done:
	mem->free(mem->arg, q->done_word, q->done_pa, 64);
err_base:
	mem->free(mem->arg, q->base, q->base_pa, q->base_bytes);
	q->base = NULL;
	return ret;
}

void invt_rv_cmdq_destroy(struct invt_rv_cmdq *q)
{
	/* Release: pairs with the IOMMU's acquire of cqen; nothing follows. */
	__atomic_fetch_and(&q->regs->cqcsr, ~INVT_RV_CQCSR_CQEN, __ATOMIC_RELEASE);
	q_doorbell(q);
	/* Bounded short: a model whose consumer is gone never drops cqon. */
	if (wait_cqon(q, false, DESTROY_SPINS))
		stat_add(&q->stats.timeouts, 1);
	__atomic_store_n(&q->regs->cqb, 0, __ATOMIC_RELAXED);
	invt_mutex_destroy(&q->lock);
	q->mem->free(q->mem->arg, q->done_word, q->done_pa, 64);
	q->mem->free(q->mem->arg, q->base, q->base_pa, q->base_bytes);
	q->base = NULL;
	q->done_word = NULL;
}

/* Copy @n commands from @src to the tail.  q->lock held; room checked. */
static void q_write(struct invt_rv_cmdq *q, const uint8_t *src, uint32_t n, uint64_t *tok)
{
	uint32_t i, fences = 0;

	for (i = 0; i < n; i++) {
		uint64_t index = q->prod + i;
		uint8_t *slot = q_slot(q, index);

		memcpy(slot, src + (size_t)i * INVT_RV_CMD_BYTES, INVT_RV_CMD_BYTES);
		if (is_fence(le64_get(slot))) {
			stamp_fence(q, slot, index);
			if (q->open_error) {
				/* It covers a command skipped as illegal. */
				q_fail(q, index + 1);
				q->open_error = false;
			}
			*tok = index + 1;
			fences++;
		}
		if (q->on_write)
			q->on_write(q->write_arg, index, slot);
	}
	q->prod += n;
	if (fences)
		__atomic_store_n(&q->last_fence, *tok, __ATOMIC_RELAXED);
	stat_add(&q->stats.cmds, n);
	stat_add(&q->stats.fences, fences);
}

int invt_rv_cmdq_submit(struct invt_rv_cmdq *q, const void *cmds, uint32_t ncmds,
			uint64_t *token)
{
	const uint8_t *src = cmds;
	uint64_t s = q_size(q), room, tok;
	uint32_t done = 0, n;
	unsigned int spins = 0;
	bool waited = false;
	int ret = 0;

	if (!ncmds)
		return -EINVAL;
	invt_mutex_lock(&q->lock);
	tok = __atomic_load_n(&q->last_fence, __ATOMIC_RELAXED);
	while (done < ncmds) {
		/* Full when cqt == cqh - 1: one entry always stays free. */
		room = s - 1 - (q->prod - q->cons);
		if (!room) {
			uint64_t before = q->cons;

			if (!waited) {
				waited = true;
				stat_add(&q->stats.full_waits, 1);
			}
			/* An inline IOMMU stopped on an error: only we can see it. */
			q_recover(q);
			if (q_read_head(q) != before) {
				spins = 0;
				continue;
			}
			if (++spins > __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED)) {
				stat_add(&q->stats.timeouts, 1);
				ret = -ETIMEDOUT;
				break;
			}
			q_wait_round(q, spins);
			continue;
		}
		waited = false;
		spins = 0;
		n = ncmds - done < room ? ncmds - done : (uint32_t)room;
		q_write(q, src + (size_t)done * INVT_RV_CMD_BYTES, n, &tok);
		done += n;
		/*
		 * Release: pairs with the acquires in q_done() and
		 * invt_rv_cmdq_wait().  Stored before cqt, so that a completion
		 * word the IOMMU writes for these fences is never above it.
		 */
		__atomic_store_n(&q->prod_pub, q->prod, __ATOMIC_RELEASE);
		/*
		 * Release: pairs with the IOMMU's acquire load of cqt.  Forbids
		 * it reading an entry (or a PTE the commands cover) before the
		 * stores above.
		 */
		__atomic_store_n(&q->regs->cqt, (uint32_t)(q->prod & (s - 1)), __ATOMIC_RELEASE);
		q_doorbell(q);
		/* Keep the head fresh: room for the next chunk or batch. */
		q_read_head(q);
	}
	invt_mutex_unlock(&q->lock);
	*token = tok;
	return ret;
}

/*
 * Highest completed token: the completion word is the low 32 bits of the
 * last fence completed; the 64-bit value is the one at or above q->done
 * (only raised) that is congruent to it, if it was ever written.
 */
static uint64_t q_done(struct invt_rv_cmdq *q)
{
	uint64_t d = __atomic_load_n(&q->done, __ATOMIC_ACQUIRE);
	uint64_t pub = __atomic_load_n(&q->prod_pub, __ATOMIC_ACQUIRE);
	/*
	 * Acquire: pairs with the IOMMU's write of DATA, made once every
	 * command before the fence completed.  Forbids the caller freeing
	 * memory the invalidated translations may still reach.
	 */
	uint32_t w = __atomic_load_n(q->done_word, __ATOMIC_ACQUIRE);
	uint64_t cand = d + (uint32_t)(w - (uint32_t)d);

	if (cand <= d || cand > pub)
		return d;
	/*
	 * Acq_rel: whoever reads the raised value sees what this thread saw
	 * through its acquire load of the word.
	 */
	while (d < cand && !__atomic_compare_exchange_n(&q->done, &d, cand, true,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
	return d < cand ? cand : d;
}

/* The fence of @token completed: did it cover everything before it? */
static int fence_status(struct invt_rv_cmdq *q, uint64_t token)
{
	uint64_t i, n;
	int ret = 0;

	/* Acquire: pairs with the release in q_fail(). */
	if (__atomic_load_n(&q->fail_max, __ATOMIC_ACQUIRE) < token)
		return 0;
	invt_mutex_lock(&q->lock);
	n = q->nr_fail;
	for (i = n > INVT_RV_CMDQ_FAIL_LOG ? n - INVT_RV_CMDQ_FAIL_LOG : 0; i < n; i++) {
		if (q->fail_log[i % INVT_RV_CMDQ_FAIL_LOG] == token) {
			ret = -EIO;
			break;
		}
	}
	invt_mutex_unlock(&q->lock);
	return ret;
}

int invt_rv_cmdq_wait(struct invt_rv_cmdq *q, uint64_t token)
{
	uint64_t now, prev = 0;
	unsigned int spins = 0;

	if (!token)
		return 0;
	if (token > __atomic_load_n(&q->prod_pub, __ATOMIC_ACQUIRE))
		return -EINVAL;
	while ((now = q_done(q)) < token) {
		if (now != prev) {
			prev = now;
			spins = 0;
		}
		if (q_error_pending(q)) {
			invt_mutex_lock(&q->lock);
			q_recover(q);
			invt_mutex_unlock(&q->lock);
		}
		if (++spins > __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED)) {
			stat_add(&q->stats.timeouts, 1);
			return -ETIMEDOUT;
		}
		q_wait_round(q, spins);
	}
	return fence_status(q, token);
}
