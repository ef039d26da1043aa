// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * queue.c - VT-d invalidation queue, driver side: the producer, completion
 * through wait descriptors, and IQE / ITE / ICE recovery.
 *
 * Registers and semantics: <invtrack/vtd-regs.h>, <invtrack/vtd-queue.h>,
 * VT-d §6.5.2 "Queued Invalidation Interface", docs/hardware.md §2 "Invalidation
 * queue".
 *
 * Producers.  A mutex covers slot reservation, the descriptor stores and
 * the IQT publication of one batch (so a batch is contiguous), the ring of
 * pending waits and error recovery.  A producer that finds the queue full
 * polls with the mutex held; batches are small.  Free space is bounded by
 * two things: IQH (the unit may still be fetching what is above it) and the
 * oldest pending SW = 1 wait (its status word, indexed by its slot, must not
 * be reused before the unit wrote it).  Linux bounds its queue the same way
 * (desc_status entries are freed only once their wait is done).
 *
 * Logical indices are 64-bit counts of descriptors; the registers hold them
 * modulo the queue size.  Under the lock IQH is known exactly: the unit's
 * logical head lies in [prod - (n - 1), prod] because the producer never
 * leaves fewer than one entry free by its own (lower) view of the head.
 *
 * Waiters take no lock in the common case: they poll their status word.
 * Lock order: q->lock only; the doorbell (an inline consumer, which takes
 * its own lock and never calls back) is rung with q->lock held.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/vtd.h>
#include <invtrack/vtd-queue.h>

#include "compat-user.h"

#define FSTS_ERRS	(INVT_VTD_FSTS_IQE | INVT_VTD_FSTS_ITE | INVT_VTD_FSTS_ICE)
/* §6.5.2.8: type 5 in qw0[3:0] (qw0[11:9] = 0), SW at qw0[5], FN at qw0[6]. */
#define QW0_TYPE_LO	0xfull
#define QW0_TYPE_HI	0xe00ull
#define WAIT_TYPE	5ull
#define WAIT_SW		(1ull << 5)
#define WAIT_FN		(1ull << 6)
#define PAGE_4K		4096u

static inline uint64_t qi_n(const struct invt_vtd_qi *q)
{
	return 1ull << q->log2n;
}

static inline uint64_t qi_mask(const struct invt_vtd_qi *q)
{
	return qi_n(q) - 1;
}

/* IQH/IQT hold index << 4 (128-bit) or << 5 (256-bit descriptors). */
static inline unsigned int qi_shift(const struct invt_vtd_qi *q)
{
	return q->dsz == 32 ? 5 : 4;
}

static inline uint8_t *qi_slot(const struct invt_vtd_qi *q, uint64_t index)
{
	return q->base + (size_t)(index & qi_mask(q)) * q->dsz;
}

static inline uint32_t *qi_status(const struct invt_vtd_qi *q, uint64_t index)
{
	return &q->status[index & qi_mask(q)];
}

/* The status word of slot @index as the unit sees it. */
static uint64_t qi_status_pa(const struct invt_vtd_qi *q, uint64_t index)
{
	return q->status_pa + (index & qi_mask(q)) * sizeof(uint32_t);
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

static bool is_wait(uint64_t qw0)
{
	return (qw0 & (QW0_TYPE_LO | QW0_TYPE_HI)) == WAIT_TYPE;
}

static bool is_sw_wait(const uint8_t *slot)
{
	uint64_t qw0 = le64_get(slot);

	return is_wait(qw0) && (qw0 & WAIT_SW);
}

/* A wait some waiter owns: SW = 1 with the token of its index (qi_own_wait()). */
static bool is_owned_wait(const uint8_t *slot, uint64_t index)
{
	return is_sw_wait(slot) && (uint32_t)(le64_get(slot) >> 32) == (uint32_t)(index + 1);
}

/* Busy-wait step; yields now and then (the build machines have 2 CPUs). */
static void qi_relax(unsigned int spins)
{
	if (!(spins & 63)) {
		sched_yield();
		return;
	}
	invt_cpu_relax();
}

/*
 * One round of polling: a model whose consumer runs on its own thread may
 * consume in this one (the registers' consume hook; real hardware moves on
 * its own), then relax.
 */
static void qi_wait_round(struct invt_vtd_qi *q, unsigned int spins)
{
	if (q->regs->consume)
		q->regs->consume(q->regs->doorbell_arg);
	qi_relax(spins);
}

/* Statistics only: relaxed, nothing is ordered by a counter. */
static void stat_add(uint64_t *counter, uint64_t v)
{
	__atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

static void qi_doorbell(struct invt_vtd_qi *q)
{
	if (q->regs->doorbell)
		q->regs->doorbell(q->regs->doorbell_arg);
}

/* The error bits of FSTS as the unit holds them (clears not yet taken included). */
static uint32_t qi_fsts_raw(const struct invt_vtd_qi *q)
{
	/*
	 * Acquire: pairs with the unit's release store when it sets an error
	 * bit.  Forbids reading IQH, IQER or the failed descriptor from before
	 * the unit stopped on it.
	 */
	return __atomic_load_n(&q->regs->fsts, __ATOMIC_ACQUIRE) & FSTS_ERRS;
}

/*
 * The errors to recover: FSTS less the bits whose clear the unit has not
 * taken yet (a W1C write in flight: that error was recovered already, and
 * recovering it again would count it twice and, for ITE, read an IQH the
 * unit may already have moved past after resuming).
 */
static uint32_t qi_fsts_errors(const struct invt_vtd_qi *q)
{
	/*
	 * Acquire, before FSTS is read: pairs with the unit's release when it
	 * takes bits out of the mailbox after clearing them in FSTS.  Forbids
	 * seeing a bit gone from the mailbox and still set in FSTS by the
	 * clear it asked for (<invtrack/vtd-regs.h>).
	 */
	uint32_t clearing = __atomic_load_n(&q->regs->fsts_clear, __ATOMIC_ACQUIRE);

	return qi_fsts_raw(q) & ~clearing;
}

/* IQH_REG as a queue index. */
static uint64_t qi_iqh_index(const struct invt_vtd_qi *q)
{
	/*
	 * Acquire: pairs with the unit's release store of IQH after it fetched
	 * the descriptors below it.  Forbids overwriting a slot the unit is
	 * still reading.
	 */
	uint64_t reg = __atomic_load_n(&q->regs->iqh, __ATOMIC_ACQUIRE);

	return (reg >> qi_shift(q)) & qi_mask(q);
}

/* Refresh q->head from IQH_REG (see the file comment).  q->lock held. */
static uint64_t qi_read_head(struct invt_vtd_qi *q)
{
	uint64_t n = qi_n(q), bound = q->head, cand;

	if (q->prod >= n - 1 && q->prod - (n - 1) > bound)
		bound = q->prod - (n - 1);
	cand = bound + ((qi_iqh_index(q) - bound) & qi_mask(q));
	/* A head beyond the tail is a broken unit: do not trust it. */
	if (cand <= q->prod)
		q->head = cand;
	return q->head;
}

/* Retire the oldest pending waits that completed or were aborted.  Locked. */
static void qi_reclaim(struct invt_vtd_qi *q)
{
	uint64_t retired;

	while (q->pend_first != q->pend_last) {
		uint64_t w = q->pend_idx[q->pend_first & qi_mask(q)];

		/*
		 * Acquire: pairs with the unit's release store of the status
		 * word.  Forbids reusing the word (and the slot) before the
		 * unit's write of it, which could then land on the next wait's
		 * word.
		 */
		if (__atomic_load_n(qi_status(q, w), __ATOMIC_ACQUIRE) != (uint32_t)(w + 1) &&
		    !q->pend_abort[w & qi_mask(q)])
			break;
		q->pend_abort[w & qi_mask(q)] = false;
		q->pend_first++;
	}
	retired = q->pend_first == q->pend_last ? q->prod : q->pend_idx[q->pend_first & qi_mask(q)];
	/*
	 * Release: pairs with the waiters' acquire loads of q->retired.  A
	 * waiter that sees its wait retired and then a status word that does
	 * not match knows the word was reused: the reuse is published (IQT
	 * release) after this store, so it cannot be confused with a wait
	 * that is still pending.
	 */
	__atomic_store_n(&q->retired, retired, __ATOMIC_RELEASE);
}

/* Free entries: never the last one, never past the oldest pending wait. */
static uint64_t qi_free(const struct invt_vtd_qi *q)
{
	uint64_t limit = q->head;

	if (q->pend_first != q->pend_last && q->pend_idx[q->pend_first & qi_mask(q)] < limit)
		limit = q->pend_idx[q->pend_first & qi_mask(q)];
	return (qi_n(q) - 1) - (q->prod - limit);
}

/* Append @token to a log ring.  Locked. */
static void qi_log(uint64_t *log, uint64_t *nr, uint64_t *max, uint64_t token)
{
	log[(*nr)++ % INVT_VTD_QI_LOG] = token;
	/*
	 * Release: pairs with the acquire in qi_logged().  A waiter that
	 * saw its wait complete after this (the log is written before the
	 * unit is let go past the error) sees the entry.
	 */
	if (token > *max)
		__atomic_store_n(max, token, __ATOMIC_RELEASE);
}

/*
 * Whether a log holds a token in [@first, @last], exactly (under the lock)
 * but for overflow: with @overflow_counts, a range older than every entry
 * kept counts as found once entries were overwritten.
 */
static bool qi_logged(struct invt_vtd_qi *q, const uint64_t *log, const uint64_t *nr,
		      const uint64_t *max, uint64_t first, uint64_t last, bool overflow_counts)
{
	uint64_t i, n, oldest = UINT64_MAX;
	bool found = false;

	/* Acquire: pairs with the release in qi_log(). */
	if (__atomic_load_n(max, __ATOMIC_ACQUIRE) < first)
		return false;
	invt_mutex_lock(&q->lock);
	n = *nr;
	for (i = n > INVT_VTD_QI_LOG ? n - INVT_VTD_QI_LOG : 0; i < n; i++) {
		uint64_t t = log[i % INVT_VTD_QI_LOG];

		found |= t >= first && t <= last;
		oldest = t < oldest ? t : oldest;
	}
	if (!found && overflow_counts && n > INVT_VTD_QI_LOG && first < oldest)
		found = true;
	invt_mutex_unlock(&q->lock);
	return found;
}

/*
 * Take ownership of the SW = 1 wait just copied to @slot at logical @index:
 * its status word and data, the pending ring, an open skip.  Locked.
 */
static void qi_own_wait(struct invt_vtd_qi *q, uint64_t index, uint8_t *slot)
{
	uint32_t *st = qi_status(q, index);
	uint64_t qw0 = le64_get(slot);

	/*
	 * The word is quiescent: the wait that used it last has retired.  The
	 * value cannot match this wait's token (nor, with an even queue size,
	 * the token of the next wait in this slot).  Relaxed: the unit reads
	 * nothing of it; IQT's release store publishes it with the wait.
	 */
	__atomic_store_n(st, ~(uint32_t)(index + 1), __ATOMIC_RELAXED);
	qw0 = (qw0 & 0xffffffffull) | ((uint64_t)(uint32_t)(index + 1) << 32);
	le64_put(slot, qw0);
	/* §6.5.2.8: Status Address [63:2]; the word is 4-byte aligned. */
	le64_put(slot + 8, qi_status_pa(q, index));
	q->pend_idx[q->pend_last++ & qi_mask(q)] = index;
	q->pend_abort[index & qi_mask(q)] = false;
	if (q->open_skip) {
		qi_log(q->skip_log, &q->nr_skip, &q->skip_max, index + 1);
		q->open_skip = false;
	}
	q->last_wait = index + 1;
	stat_add(&q->stats.waits, 1);
}

/* Write a 256- or 128-bit descriptor image of (qw0, qw1). */
static void qi_put_desc(const struct invt_vtd_qi *q, uint8_t *slot, uint64_t qw0, uint64_t qw1)
{
	memset(slot, 0, q->dsz);
	le64_put(slot, qw0);
	le64_put(slot + 8, qw1);
}

/*
 * Ask the unit to clear @bit, then wait (bounded) until it did, or until
 * IQH moved away from @at (it resumed and may have stopped again).  Locked.
 */
static void qi_clear(struct invt_vtd_qi *q, uint32_t bit, uint64_t at)
{
	uint32_t limit = __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED);
	unsigned int spins = 0;

	/*
	 * Release: pairs with the unit's acquire load of FSTS_CLEAR before it
	 * clears the bit and resumes.  Forbids it fetching a rewritten
	 * descriptor before the rewrite, and a waiter missing a log entry.
	 */
	__atomic_fetch_or(&q->regs->fsts_clear, bit, __ATOMIC_RELEASE);
	qi_doorbell(q);
	while ((qi_fsts_raw(q) & bit) && qi_iqh_index(q) == (at & qi_mask(q)) &&
	       ++spins <= limit)
		qi_wait_round(q, spins);
}

/*
 * IQE: the unit stopped at an invalid descriptor.  Locked.  Return: 0, or
 * -EIO when it keeps stopping at the same position (nothing rewritten there
 * is taken, or its IQH names nothing written): then IQE stays set, the unit
 * stays stopped, and every caller that needs it fails instead of looping.
 */
static int qi_recover_iqe(struct invt_vtd_qi *q)
{
	uint64_t h = qi_read_head(q), iqer, qw0, qw1, noop0, noop1, i;
	uint8_t copy[32], *slot = qi_slot(q, h);
	uint32_t token = (uint32_t)(h + 1);

	if (q->iqe_repeats && q->iqe_at == h) {
		if (q->iqe_repeats >= INVT_VTD_QI_IQE_REPEATS)
			return -EIO;
		q->iqe_repeats++;
	} else {
		q->iqe_at = h;
		q->iqe_repeats = 1;
	}
	/* Relaxed: ordered after the acquire load of FSTS. */
	iqer = __atomic_load_n(&q->regs->iqer, __ATOMIC_RELAXED);
	memcpy(copy, slot, q->dsz);
	stat_add(&q->stats.iqe, 1);
	if (q->on_error)
		q->on_error(q->err_arg, INVT_VTD_FSTS_IQE, h, copy, iqer);
	if (h >= q->prod) {
		/*
		 * IQH names nothing written: the unit's head and ours disagree
		 * (a unit that did not start at the tail it was given).  Clear
		 * once; if it stops there again it is given up on above.
		 */
		q->iqe_repeats = INVT_VTD_QI_IQE_REPEATS;
		goto clear;
	}

	qw0 = le64_get(slot);
	qw1 = le64_get(slot + 8);
	/*
	 * What replaces a refused descriptor: a wait with SW = 1 (and FN = 1)
	 * writing ~token into the slot's own status word.  A wait with neither
	 * SW nor IF asks the unit for nothing observable, and §6.5.2.8 can be
	 * read as not allowing it (a unit may reject it, and the model does);
	 * one with a status write is valid under every reading, as Linux's
	 * copy of its own status-writing wait is.  The word is the slot's: no
	 * other wait uses it (waits own the word of their slot), a wait that
	 * held this slot a lap ago retired before the slot was reused, and
	 * ~token is the value qi_own_wait() leaves in it, which no waiter takes
	 * for completion.
	 */
	noop0 = WAIT_TYPE | WAIT_SW | WAIT_FN | (uint64_t)(uint32_t)~token << 32;
	noop1 = qi_status_pa(q, h);
	if (is_sw_wait(slot)) {
		uint64_t plain0 = WAIT_TYPE | WAIT_SW | (uint64_t)token << 32;
		uint64_t plain1 = qi_status_pa(q, h);

		if (qw0 == plain0 && qw1 == plain1) {
			/* Even the plain wait was refused: a no-op, aborted. */
			qi_put_desc(q, slot, noop0, noop1);
			q->pend_abort[h & qi_mask(q)] = true;
			qi_log(q->abort_log, &q->nr_abort, &q->abort_max, h + 1);
			stat_add(&q->stats.aborted, 1);
			qi_reclaim(q);
		} else {
			/* A refused wait: plain SW only, and its waiter hears. */
			qi_put_desc(q, slot, plain0, plain1);
			qi_log(q->skip_log, &q->nr_skip, &q->skip_max, h + 1);
		}
		goto clear;
	}
	/*
	 * Skip it with the no-op wait above, losing nothing queued behind it.
	 * The first SW = 1 wait after it that has a waiter covers it: the slots
	 * up to q->prod are written and unconsumed (the unit is stopped at h),
	 * so it is found there, or it is the next one written.
	 */
	qi_put_desc(q, slot, noop0, noop1);
	for (i = h + 1; i < q->prod; i++) {
		if (is_owned_wait(qi_slot(q, i), i)) {
			qi_log(q->skip_log, &q->nr_skip, &q->skip_max, i + 1);
			break;
		}
	}
	if (i == q->prod)
		q->open_skip = true;
clear:
	qi_clear(q, INVT_VTD_FSTS_IQE, h);
	return 0;
}

/*
 * ITE: a device-TLB invalidation timed out; the unit aborted the waits it
 * had fetched and not completed.  Locked.
 */
static void qi_recover_ite(struct invt_vtd_qi *q)
{
	uint64_t h = qi_read_head(q), p, iqer;

	/* Relaxed: ordered after the acquire load of FSTS. */
	iqer = __atomic_load_n(&q->regs->iqer, __ATOMIC_RELAXED);
	stat_add(&q->stats.ite, 1);
	if (q->on_error)
		q->on_error(q->err_arg, INVT_VTD_FSTS_ITE, h, NULL, iqer);
	for (p = q->pend_first; p != q->pend_last; p++) {
		uint64_t w = q->pend_idx[p & qi_mask(q)];

		if (w >= h)
			break;	/* not fetched: it will execute */
		/* Acquire: pairs with the unit's release store of the word. */
		if (__atomic_load_n(qi_status(q, w), __ATOMIC_ACQUIRE) == (uint32_t)(w + 1) ||
		    q->pend_abort[w & qi_mask(q)])
			continue;
		q->pend_abort[w & qi_mask(q)] = true;
		qi_log(q->abort_log, &q->nr_abort, &q->abort_max, w + 1);
		stat_add(&q->stats.aborted, 1);
	}
	qi_reclaim(q);
	qi_clear(q, INVT_VTD_FSTS_ITE, h);
}

/*
 * Recover whatever FSTS reports.  q->lock held.  Return: 0, or -EIO for a
 * unit that keeps refusing a descriptor (qi_recover_iqe()).
 */
static int qi_recover_locked(struct invt_vtd_qi *q)
{
	uint32_t f = qi_fsts_errors(q);
	int ret = 0;

	if (f & INVT_VTD_FSTS_ITE)
		qi_recover_ite(q);
	if (f & INVT_VTD_FSTS_IQE)
		ret = qi_recover_iqe(q);
	if (f & INVT_VTD_FSTS_ICE) {
		stat_add(&q->stats.ice, 1);
		if (q->on_error)
			q->on_error(q->err_arg, INVT_VTD_FSTS_ICE, 0, NULL,
				    __atomic_load_n(&q->regs->iqer, __ATOMIC_RELAXED));
		qi_clear(q, INVT_VTD_FSTS_ICE, q->head);
	}
	return ret;
}

uint64_t invt_vtd_qi_poll(struct invt_vtd_qi *q)
{
	uint64_t h;

	invt_mutex_lock(&q->lock);
	if (qi_fsts_errors(q))
		qi_recover_locked(q);	/* a refusing unit: the head stays */
	h = qi_read_head(q);
	qi_reclaim(q);
	invt_mutex_unlock(&q->lock);
	return h;
}

/* Queue and status memory: DMA memory when given, else the host heap. */
static void *qi_mem_alloc(const struct invt_dma_ops *mem, size_t bytes, size_t align,
			  uint64_t *pa)
{
	void *va;

	if (mem)
		return mem->alloc(mem->arg, bytes, pa);
	va = invt_zalloc_aligned(align, bytes);
	*pa = (uint64_t)(uintptr_t)va;
	return va;
}

static void qi_mem_free(const struct invt_dma_ops *mem, void *va, uint64_t pa, size_t bytes)
{
	if (!va)
		return;
	if (mem)
		mem->free(mem->arg, va, pa, bytes);
	else
		invt_free(va);
}

int invt_vtd_qi_init(struct invt_vtd_qi *q, struct invt_vtd_regs *regs, unsigned int qs,
		     bool wide, const struct invt_dma_ops *mem)
{
	unsigned int shift = wide ? 5 : 4;
	uint64_t iqh, iqt, n, idx;
	size_t bytes, sbytes;

	if (!q || !regs || qs > INVT_VTD_QI_MAX_QS)
		return -EINVAL;
	iqh = __atomic_load_n(&regs->iqh, __ATOMIC_RELAXED);
	iqt = __atomic_load_n(&regs->iqt, __ATOMIC_RELAXED);
	if (iqh != iqt || (__atomic_load_n(&regs->fsts, __ATOMIC_RELAXED) & FSTS_ERRS))
		return -EINVAL;

	memset(q, 0, sizeof(*q));
	q->qs = qs;
	q->dsz = wide ? 32 : 16;
	/* §11.4.9.3: 2^(QS + 8 - DW) entries in 4 KiB << QS bytes. */
	q->log2n = qs + 8 - (wide ? 1 : 0);
	n = qi_n(q);
	bytes = (size_t)PAGE_4K << qs;
	sbytes = n * sizeof(uint32_t) < 64 ? 64 : n * sizeof(uint32_t);
	/* Powers of two: what DMA allocators hand out (and align to). */
	while (sbytes & (sbytes - 1))
		sbytes += sbytes & -sbytes;
	q->mem = mem;
	q->base_bytes = bytes;
	q->status_bytes = sbytes;
	q->base = qi_mem_alloc(mem, bytes, PAGE_4K, &q->base_pa);
	q->status = qi_mem_alloc(mem, sbytes, 64, &q->status_pa);
	q->pend_idx = invt_zalloc(n * sizeof(*q->pend_idx));
	q->pend_abort = invt_zalloc(n * sizeof(*q->pend_abort));
	if (!q->base || !q->status || !q->pend_idx || !q->pend_abort ||
	    (q->base_pa & (PAGE_4K - 1))) {
		qi_mem_free(mem, q->base, q->base_pa, bytes);
		qi_mem_free(mem, q->status, q->status_pa, sbytes);
		invt_free(q->pend_idx);
		invt_free(q->pend_abort);
		q->base = NULL;
		return -ENOMEM;
	}
	memset(q->base, 0, bytes);
	memset(q->status, 0, sbytes);
	q->regs = regs;
	q->spin_limit = INVT_VTD_QI_DEFAULT_SPINS;
	invt_mutex_init(&q->lock);
	/* Logical positions start at the tail (0 after reset). */
	idx = (iqt >> shift) & (n - 1);
	q->prod = idx;
	q->prod_pub = idx;
	q->head = idx;
	q->retired = idx;
	/*
	 * Release: pairs with the unit's acquire load of IQA.  Forbids it
	 * using the queue memory before it was zeroed.
	 */
	__atomic_store_n(&regs->iqa,
			 q->base_pa | (wide ? INVT_VTD_IQA_DW : 0) | qs,
			 __ATOMIC_RELEASE);
	return 0;
}

void invt_vtd_qi_destroy(struct invt_vtd_qi *q)
{
	if (!q->base)
		return;
	__atomic_store_n(&q->regs->iqa, 0, __ATOMIC_RELEASE);
	invt_mutex_destroy(&q->lock);
	qi_mem_free(q->mem, q->base, q->base_pa, q->base_bytes);
	qi_mem_free(q->mem, q->status, q->status_pa, q->status_bytes);
	invt_free(q->pend_idx);
	invt_free(q->pend_abort);
	q->base = NULL;
}

int invt_vtd_qi_submit(struct invt_vtd_qi *q, const void *descs, uint32_t n, uint64_t *first,
		       uint64_t *token)
{
	const uint8_t *src = descs;
	uint32_t limit = __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED);
	uint64_t tok, nfree, i, seen = UINT64_MAX, first_tok = 0;
	unsigned int spins = 0;
	bool waited = false;
	uint32_t done = 0, k;
	int ret = 0;

	if (!n)
		return -EINVAL;
	invt_mutex_lock(&q->lock);
	tok = q->last_wait;
	while (done < n) {
		nfree = qi_free(q);
		if (!nfree) {
			qi_read_head(q);
			qi_reclaim(q);
			nfree = qi_free(q);
		}
		if (!nfree) {
			uint64_t now;

			if (!waited) {
				waited = true;
				stat_add(&q->stats.full_waits, 1);
			}
			/* An inline unit stopped on an error: only we can see it. */
			if (qi_fsts_errors(q) && qi_recover_locked(q)) {
				ret = -EIO;
				break;
			}
			now = q->head + q->pend_first;
			if (now != seen) {
				seen = now;
				spins = 0;
			} else if (++spins > limit) {
				stat_add(&q->stats.timeouts, 1);
				ret = -ETIMEDOUT;
				break;
			}
			qi_wait_round(q, spins);
			continue;
		}
		waited = false;
		spins = 0;

		k = n - done < nfree ? n - done : (uint32_t)nfree;
		for (i = 0; i < k; i++) {
			uint8_t *slot = qi_slot(q, q->prod + i);

			memcpy(slot, src + (size_t)(done + i) * q->dsz, q->dsz);
			if (is_sw_wait(slot)) {
				qi_own_wait(q, q->prod + i, slot);
				tok = q->prod + i + 1;
				if (!first_tok)
					first_tok = tok;
			}
			if (q->on_write)
				q->on_write(q->write_arg, q->prod + i, slot);
		}
		q->prod += k;
		done += k;
		stat_add(&q->stats.descs, k);
		/*
		 * Release: pairs with the unit's acquire load of IQT.  Forbids
		 * it reading a descriptor, or a reset status word, from before
		 * the stores above.
		 */
		__atomic_store_n(&q->regs->iqt, (q->prod & qi_mask(q)) << qi_shift(q),
				 __ATOMIC_RELEASE);
		/* Release: pairs with the acquire in invt_vtd_qi_wait()'s token check. */
		__atomic_store_n(&q->prod_pub, q->prod, __ATOMIC_RELEASE);
		qi_doorbell(q);
	}
	invt_mutex_unlock(&q->lock);
	if (first)
		*first = first_tok;
	*token = tok;
	return ret;
}

/* The wait of @token completed: did it cover everything before it? */
static int qi_done(struct invt_vtd_qi *q, uint64_t token, int err)
{
	if (err)
		return err;
	return qi_logged(q, q->skip_log, &q->nr_skip, &q->skip_max, token, token, false) ? -EIO : 0;
}

int invt_vtd_qi_wait(struct invt_vtd_qi *q, uint64_t token)
{
	uint32_t limit = __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED);
	unsigned int attempts = 0, spins;
	uint64_t seen;
	uint32_t *st;
	int err = 0;

	for (;;) {
		if (!token)
			return err;
		/* Acquire: pairs with the release store of prod_pub in submit. */
		if (token > __atomic_load_n(&q->prod_pub, __ATOMIC_ACQUIRE))
			return -EINVAL;
		st = qi_status(q, token - 1);
		spins = 0;
		seen = qi_iqh_index(q);
		for (;;) {
			/*
			 * Acquire: pairs with the unit's release store of the
			 * status word once every earlier descriptor completed.
			 * Forbids returning - and the caller freeing memory -
			 * before the invalidations took effect.
			 */
			if (__atomic_load_n(st, __ATOMIC_ACQUIRE) == (uint32_t)token)
				return qi_done(q, token, err);
			/* Acquire: pairs with the release in qi_reclaim(). */
			if (__atomic_load_n(&q->retired, __ATOMIC_ACQUIRE) >= token) {
				if (__atomic_load_n(st, __ATOMIC_ACQUIRE) == (uint32_t)token)
					return qi_done(q, token, err);
				if (!qi_logged(q, q->abort_log, &q->nr_abort, &q->abort_max, token,
					       token, true))
					return qi_done(q, token, err);	/* reused slot */
				break;	/* aborted */
			}
			if (qi_fsts_errors(q)) {
				int ret = 0;

				invt_mutex_lock(&q->lock);
				if (qi_fsts_errors(q))
					ret = qi_recover_locked(q);
				invt_mutex_unlock(&q->lock);
				if (ret)
					return ret;
				spins = 0;
				continue;
			}
			if (qi_iqh_index(q) != seen) {
				seen = qi_iqh_index(q);
				spins = 0;
			} else if (++spins > limit) {
				stat_add(&q->stats.timeouts, 1);
				return -ETIMEDOUT;
			}
			qi_wait_round(q, spins);
		}
		/*
		 * Aborted by an ITE: a fresh wait completes only once everything
		 * before the aborted one has (Linux resubmits the same way).
		 */
		if (++attempts > INVT_VTD_QI_RESUBMITS)
			return -EIO;
		{
			const struct invt_vtd_desc wd = { .type = INVT_VTD_DESC_WAIT, .sw = true,
							  .fn = true };
			uint8_t buf[32];
			int ret = invt_vtd_desc_encode_le(&wd, buf, q->dsz);

			if (!ret)
				ret = invt_vtd_qi_submit(q, buf, 1, NULL, &token);
			if (ret)
				return ret;
		}
		stat_add(&q->stats.resubmits, 1);
		err = -EIO;
	}
}

int invt_vtd_qi_wait_span(struct invt_vtd_qi *q, uint64_t first, uint64_t token)
{
	int ret = invt_vtd_qi_wait(q, token);

	if (ret || !first || first >= token)
		return ret;
	if (qi_logged(q, q->skip_log, &q->nr_skip, &q->skip_max, first, token, false) ||
	    qi_logged(q, q->abort_log, &q->nr_abort, &q->abort_max, first, token, true))
		return -EIO;
	return 0;
}
