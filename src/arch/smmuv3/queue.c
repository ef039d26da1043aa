// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * queue.c - SMMUv3 Command queue, driver side: the producer, CMD_SYNC
 * completion and command error recovery.
 *
 * Registers and queue semantics: <invtrack/smmuv3-queue.h>, IHI0070 §3.5
 * ("Command and Event queues") and chapter 6 (SMMU_CMDQ_BASE, _PROD, _CONS,
 * SMMU_GERROR, _GERRORN), docs/hardware.md §1 "Command queue".
 *
 * Producers.  A mutex covers slot reservation, the command stores and the
 * PROD publication of one batch, so a batch is contiguous in the queue and
 * PROD only moves forward.  A producer that finds the queue full polls CONS
 * with the mutex held (other producers queue behind it; the flush engine's
 * batches are small).  Future work: Linux's lock-free scheme, in which
 * producers reserve space with a compare-and-swap on a shared copy of PROD,
 * write their slots in parallel and publish in order through a bitmap of
 * valid entries, with an owner writing PROD for everyone.
 *
 * Completion.  Each command has a 64-bit logical index (commands ever
 * written); the registers hold it modulo 2^(LOG2SIZE+1).  q->cons is a
 * lower bound of the SMMU's logical CONS: whoever reads the register turns
 * it into a logical value that can only err low (cmdq_read_cons()) and
 * raises q->cons to it.  A CMD_SYNC at index i is done once the logical
 * CONS exceeds i, which is what its token (i + 1) names.  Waiting takes no
 * producer lock.
 *
 * Command errors.  Whichever thread sees GERROR.CMDQ_ERR differ from
 * GERRORN while polling (a waiter, a producer waiting for space,
 * invt_smmu_cmdq_poll()) tries to become the recovering thread; the others
 * keep polling until the SMMU resumes.  The recovering thread reads
 * CONS.ERR and the command at CONS.RD, reports it, and:
 *  - CERROR_ILL: overwrites the command with a CMD_SYNC, so the SMMU
 *    skips it and consumes everything behind it (the Linux recovery);
 *  - CERROR_ATC_INV_SYNC: leaves the CMD_SYNC in place: it is retried;
 *  - CERROR_ABT: leaves everything: the fetch is retried;
 * then acknowledges by toggling GERRORN and rings the doorbell.
 *
 * Which waiter hears of an error.  A failed CMD_SYNC (ATC_INV_SYNC, or an
 * illegal CMD_SYNC) is its own victim.  A skipped command is covered by the
 * first CMD_SYNC after it, found by the recovering thread when already
 * written, or else by the producer that writes it; a store-buffering pair
 * of sequentially consistent accesses (q->nr_open against q->last_sync)
 * makes sure one of the two sees the other.  Either way the failed sync's
 * token is logged before the SMMU can consume that sync, so its waiter
 * finds it.
 *
 * Lock order: q->lock (producer), then q->recovering (a flag, never waited
 * on), then q->err_lock.  The doorbell (an inline model's consumer, which
 * takes its own lock and never calls back) is rung with q->lock held by
 * producers and with nothing held after a recovery.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/smmuv3.h>
#include <invtrack/smmuv3-queue.h>

#include "compat-user.h"

#define NO_SYNC UINT64_MAX

static inline uint64_t cmdq_size(const struct invt_smmu_cmdq *q)
{
	return 1ull << q->log2size;
}

/* Index and wrap flag: the register image of a logical position. */
static inline uint32_t cmdq_span_mask(const struct invt_smmu_cmdq *q)
{
	return (2u << q->log2size) - 1;
}

static inline uint8_t *cmdq_slot(const struct invt_smmu_cmdq *q, uint64_t index)
{
	return q->base + (size_t)(index & (cmdq_size(q) - 1)) * INVT_SMMU_CMD_BYTES;
}

static uint64_t le64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Busy-wait step; yields now and then (the build machines have 2 CPUs). */
static void cmdq_relax(unsigned int spins)
{
	if (!(spins & 63)) {
		sched_yield();
		return;
	}
	invt_cpu_relax();
}

/*
 * One round of polling CONS without progress.  A model whose consumer runs
 * on its own thread may consume in this one first (the registers' consume
 * hook; real hardware moves on its own and needs nothing).
 */
static void cmdq_poll_round(struct invt_smmu_cmdq *q, unsigned int spins)
{
	if (q->regs->consume)
		q->regs->consume(q->regs->doorbell_arg);
	cmdq_relax(spins);
}

/* Raise *p to at least @v; return the value it holds afterwards. */
static uint64_t atomic_max_u64(uint64_t *p, uint64_t v)
{
	uint64_t old = __atomic_load_n(p, __ATOMIC_ACQUIRE);

	/*
	 * Acquire-release: whoever reads the raised value also sees what the
	 * raiser saw through its acquire load of CONS (the chain that lets a
	 * waiter trust q->cons without reading the register itself).
	 */
	while (old < v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_ACQ_REL,
						       __ATOMIC_ACQUIRE))
		;
	return old < v ? v : old;
}

/*
 * Read SMMU_CMDQ_CONS and raise q->cons to its logical value.  @raw, if not
 * NULL, receives the register.
 *
 * The register gives the logical CONS modulo 2S (S entries).  Lower bounds
 * of the true value: q->cons, and prod_pub - S for a prod_pub read before
 * the register (a producer published it only once that many entries were
 * free).  The candidate is the value congruent to the register in
 * [bound, bound + 2S): equal to the true value unless CONS ran 2S or more
 * past the bound between the two reads, and then lower by a multiple of 2S.
 * It never exceeds the truth, so waiting on it is safe; a low value only
 * costs another poll.
 */
static uint64_t cmdq_read_cons(struct invt_smmu_cmdq *q, uint32_t *raw)
{
	uint64_t s = cmdq_size(q);
	uint64_t pub = __atomic_load_n(&q->prod_pub, __ATOMIC_ACQUIRE);
	uint64_t bound = __atomic_load_n(&q->cons, __ATOMIC_ACQUIRE);
	uint64_t cand;
	uint32_t c;

	/*
	 * Acquire: pairs with the SMMU's release store of CONS after it read
	 * and executed the entries before it.  Forbids reusing an entry the
	 * SMMU is still reading and, past a CMD_SYNC, returning to a caller
	 * that frees memory before the invalidations took effect.
	 */
	c = __atomic_load_n(&q->regs->cmdq_cons, __ATOMIC_ACQUIRE);
	if (raw)
		*raw = c;
	if (pub >= s && pub - s > bound)
		bound = pub - s;
	cand = bound + ((c - bound) & cmdq_span_mask(q));
	return atomic_max_u64(&q->cons, cand);
}

static bool cmdq_err_active(struct invt_smmu_cmdq *q)
{
	/*
	 * Acquire: pairs with the SMMU's release when it toggles
	 * GERROR.CMDQ_ERR.  Forbids reading CONS.ERR, CONS.RD or the failed
	 * command before the SMMU stopped on it.
	 */
	uint32_t g = __atomic_load_n(&q->regs->gerror, __ATOMIC_ACQUIRE);
	uint32_t gn = __atomic_load_n(&q->regs->gerrorn, __ATOMIC_RELAXED);

	return (g ^ gn) & INVT_SMMU_GERROR_CMDQ_ERR;
}

static void cmdq_doorbell(struct invt_smmu_cmdq *q)
{
	if (q->regs->doorbell)
		q->regs->doorbell(q->regs->doorbell_arg);
}

/* Log a failed CMD_SYNC.  q->err_lock held. */
static void cmdq_fail(struct invt_smmu_cmdq *q, uint64_t token)
{
	q->fail_log[q->nr_fail++ % INVT_SMMU_CMDQ_FAIL_LOG] = token;
	/*
	 * Release: pairs with the acquire in cmdq_sync_status().  The failure
	 * is logged before the SMMU can consume the sync (before GERRORN is
	 * acknowledged, or before PROD covers the sync), so a waiter that saw
	 * the sync consumed sees the log.
	 */
	if (token > q->fail_max)
		__atomic_store_n(&q->fail_max, token, __ATOMIC_RELEASE);
}

/*
 * Every open error is covered by the sync @token: between any of them and
 * the sync there is no other CMD_SYNC (or it would have closed them).
 * q->err_lock held.
 */
static void cmdq_close_open(struct invt_smmu_cmdq *q, uint64_t token)
{
	cmdq_fail(q, token);
	__atomic_store_n(&q->nr_open, 0, __ATOMIC_RELAXED);
}

/*
 * The command at @bad was skipped: find the CMD_SYNC that covers it, or
 * leave the error open for the producer that will write it.
 */
static void cmdq_open_error(struct invt_smmu_cmdq *q, uint64_t bad)
{
	uint64_t last, i;

	invt_mutex_lock(&q->err_lock);
	/*
	 * Sequentially consistent increment, then load of last_sync; the
	 * producer stores last_sync, then loads nr_open, both sequentially
	 * consistent (store-buffering pair).  Forbids both missing each
	 * other: a sync written after @bad and an open error nobody closes.
	 */
	__atomic_fetch_add(&q->nr_open, 1, __ATOMIC_SEQ_CST);
	last = __atomic_load_n(&q->last_sync, __ATOMIC_SEQ_CST);
	if (last > bad + 1) {
		/*
		 * A CMD_SYNC after @bad is written: the first one covers it.
		 * The entries in (bad, last - 1] were written before last_sync
		 * was stored, and cannot be reused while the SMMU is stopped
		 * at @bad.
		 */
		for (i = bad + 1; i < last - 1; i++)
			if (cmdq_slot(q, i)[0] == INVT_SMMU_CMD_SYNC)
				break;
		cmdq_close_open(q, i + 1);
	}
	invt_mutex_unlock(&q->err_lock);
}

/* Recover from an active command error, unless another thread does. */
static void cmdq_recover(struct invt_smmu_cmdq *q)
{
	static const struct invt_smmu_cmd sync = {
		.opcode = INVT_SMMU_CMD_SYNC,
		.cs = INVT_SMMU_SYNC_CS_NONE,
	};
	uint64_t dw[2], index;
	uint8_t *slot;
	uint32_t c;
	unsigned int err;
	int zero = 0;

	/* One thread recovers; the others keep polling until GERRORN matches. */
	if (!__atomic_compare_exchange_n(&q->recovering, &zero, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	/*
	 * Checked again with the flag held: a thread that saw the error may
	 * get here after its recovery; then the error is gone, or it is a new
	 * one (the SMMU resumed and stopped again) and is recovered here.
	 */
	if (!cmdq_err_active(q)) {
		__atomic_store_n(&q->recovering, 0, __ATOMIC_RELEASE);
		return;
	}
	/*
	 * The SMMU is stopped: CONS.RD is exact and the logical value cannot
	 * be ambiguous (nothing moves; the bounds are within S of it).
	 */
	index = cmdq_read_cons(q, &c);
	err = (c & INVT_SMMU_CMDQ_CONS_ERR_MASK) >> INVT_SMMU_CMDQ_CONS_ERR_SHIFT;
	slot = cmdq_slot(q, index);
	dw[0] = le64_get(slot);
	dw[1] = le64_get(slot + 8);
	if (q->on_error)
		q->on_error(q->err_arg, err, index, dw);

	switch (err) {
	case INVT_SMMU_CERROR_ILL:
		__atomic_fetch_add(&q->stats.ill, 1, __ATOMIC_RELAXED);
		if ((dw[0] & 0xff) == INVT_SMMU_CMD_SYNC) {
			/* An illegal CMD_SYNC: its own waiter hears of it. */
			invt_mutex_lock(&q->err_lock);
			cmdq_fail(q, index + 1);
			invt_mutex_unlock(&q->err_lock);
		} else {
			cmdq_open_error(q, index);
		}
		/*
		 * Skip it: a CMD_SYNC in its place keeps the queue's order and
		 * loses nothing queued behind it.
		 */
		invt_smmu_cmd_encode_le(&sync, slot);
		break;
	case INVT_SMMU_CERROR_ATC_INV_SYNC:
		/* The sync is consumed again on resume; its waiter gets -EIO. */
		__atomic_fetch_add(&q->stats.atc_inv_sync, 1, __ATOMIC_RELAXED);
		invt_mutex_lock(&q->err_lock);
		cmdq_fail(q, index + 1);
		invt_mutex_unlock(&q->err_lock);
		break;
	default:
		/* CERROR_ABT: the SMMU fetches the command again. */
		__atomic_fetch_add(&q->stats.abt, 1, __ATOMIC_RELAXED);
		break;
	}

	/*
	 * Release: pairs with the SMMU's acquire load of GERRORN before it
	 * resumes.  Forbids it fetching the entry before the rewrite above,
	 * and a waiter missing the failure logged above.
	 */
	__atomic_fetch_xor(&q->regs->gerrorn, INVT_SMMU_GERROR_CMDQ_ERR, __ATOMIC_RELEASE);
	__atomic_store_n(&q->recovering, 0, __ATOMIC_RELEASE);
	cmdq_doorbell(q);
}

uint64_t invt_smmu_cmdq_poll(struct invt_smmu_cmdq *q)
{
	if (cmdq_err_active(q))
		cmdq_recover(q);
	return cmdq_read_cons(q, NULL);
}

int invt_smmu_cmdq_init(struct invt_smmu_cmdq *q, struct invt_smmu_regs *regs,
			unsigned int log2size)
{
	size_t bytes, align;
	uint32_t mask, prod, cons;
	uintptr_t addr;

	if (log2size > INVT_SMMU_CMDQ_MAX_LOG2SIZE)
		return -EINVAL;
	mask = (2u << log2size) - 1;
	prod = __atomic_load_n(&regs->cmdq_prod, __ATOMIC_RELAXED) & mask;
	cons = __atomic_load_n(&regs->cmdq_cons, __ATOMIC_RELAXED) & mask;
	if (prod != cons || ((__atomic_load_n(&regs->gerror, __ATOMIC_RELAXED) ^
			      __atomic_load_n(&regs->gerrorn, __ATOMIC_RELAXED)) &
			     INVT_SMMU_GERROR_CMDQ_ERR))
		return -EINVAL;

	memset(q, 0, sizeof(*q));
	/* The SMMU aligns the base to the larger of 32 bytes and the size. */
	bytes = (size_t)INVT_SMMU_CMD_BYTES << log2size;
	align = bytes < 32 ? 32 : bytes;
	q->base = invt_zalloc_aligned(align, align);
	if (!q->base)
		return -ENOMEM;
	addr = (uintptr_t)q->base;
	if ((uint64_t)addr & ~INVT_SMMU_CMDQ_BASE_ADDR) {
		invt_free(q->base);
		return -ENOMEM;
	}
	memset(q->base, 0, align);

	q->regs = regs;
	q->log2size = log2size;
	q->spin_limit = INVT_SMMU_CMDQ_DEFAULT_SPINS;
	invt_mutex_init(&q->lock);
	invt_mutex_init(&q->err_lock);
	/* Logical positions start at the register values (0 after reset). */
	q->prod = cons;
	q->prod_pub = cons;
	q->cons = cons;
	/*
	 * Release: pairs with the SMMU's acquire load of SMMU_CMDQ_BASE.
	 * Forbids it using the queue memory before it was zeroed.
	 */
	__atomic_store_n(&regs->cmdq_base, (uint64_t)addr | log2size, __ATOMIC_RELEASE);
	return 0;
}

void invt_smmu_cmdq_destroy(struct invt_smmu_cmdq *q)
{
	__atomic_store_n(&q->regs->cmdq_base, 0, __ATOMIC_RELEASE);
	invt_mutex_destroy(&q->lock);
	invt_mutex_destroy(&q->err_lock);
	invt_free(q->base);
	q->base = NULL;
}

/*
 * A chunk with CMD_SYNCs at [first, last] was written: announce it, and
 * close open errors with its first sync.  q->lock held.
 */
static void cmdq_wrote_syncs(struct invt_smmu_cmdq *q, uint64_t first, uint64_t last)
{
	/*
	 * Sequentially consistent store, then load: pairs with
	 * cmdq_open_error() (store-buffering).  Forbids an open error whose
	 * covering sync is this chunk's first going unnoticed by both sides.
	 */
	__atomic_store_n(&q->last_sync, last + 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&q->nr_open, __ATOMIC_SEQ_CST))
		return;
	invt_mutex_lock(&q->err_lock);
	/*
	 * Open errors lie before this chunk (the SMMU stopped on them, so they
	 * were published) and after the last sync written before it (or that
	 * sync would have closed them): @first covers them.
	 */
	if (__atomic_load_n(&q->nr_open, __ATOMIC_RELAXED))
		cmdq_close_open(q, first + 1);
	invt_mutex_unlock(&q->err_lock);
}

int invt_smmu_cmdq_submit(struct invt_smmu_cmdq *q, const void *cmds, uint32_t ncmds,
			  uint64_t *token)
{
	const uint8_t *src = cmds;
	uint64_t s = cmdq_size(q);
	uint64_t tok, cons, first, last, nfree, i;
	uint32_t done = 0, n, syncs;
	unsigned int spins = 0;
	bool waited = false;
	int ret = 0;

	if (!ncmds)
		return -EINVAL;

	invt_mutex_lock(&q->lock);
	tok = __atomic_load_n(&q->last_sync, __ATOMIC_RELAXED);
	while (done < ncmds) {
		/*
		 * Acquire: pairs with the acq_rel raise in atomic_max_u64()
		 * after an acquire load of CONS.  Forbids overwriting an entry
		 * before the SMMU finished reading it.
		 */
		cons = __atomic_load_n(&q->cons, __ATOMIC_ACQUIRE);
		/* Full by a stale lower bound?  Read the register first. */
		if (q->prod - cons == s)
			cons = cmdq_read_cons(q, NULL);
		nfree = s - (q->prod - cons);
		if (!nfree) {
			uint64_t now;

			if (!waited) {
				waited = true;
				__atomic_fetch_add(&q->stats.full_waits, 1, __ATOMIC_RELAXED);
			}
			/*
			 * With an inline SMMU nobody else may notice an error
			 * that stopped it: recover it here.
			 */
			if (cmdq_err_active(q))
				cmdq_recover(q);
			now = cmdq_read_cons(q, NULL);
			if (now != cons) {
				spins = 0;
				continue;
			}
			if (++spins > __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED)) {
				__atomic_fetch_add(&q->stats.timeouts, 1, __ATOMIC_RELAXED);
				ret = -ETIMEDOUT;
				break;
			}
			cmdq_poll_round(q, spins);
			continue;
		}
		waited = false;
		spins = 0;

		n = ncmds - done < nfree ? ncmds - done : (uint32_t)nfree;
		first = NO_SYNC;
		last = NO_SYNC;
		syncs = 0;
		for (i = 0; i < n; i++) {
			uint8_t *slot = cmdq_slot(q, q->prod + i);

			memcpy(slot, src + (size_t)(done + i) * INVT_SMMU_CMD_BYTES,
			       INVT_SMMU_CMD_BYTES);
			if (q->on_write)
				q->on_write(q->write_arg, q->prod + i, slot);
			if (slot[0] == INVT_SMMU_CMD_SYNC) {
				if (first == NO_SYNC)
					first = q->prod + i;
				last = q->prod + i;
				syncs++;
			}
		}
		if (last != NO_SYNC) {
			cmdq_wrote_syncs(q, first, last);
			tok = last + 1;
		}
		q->prod += n;
		done += n;
		__atomic_fetch_add(&q->stats.cmds, n, __ATOMIC_RELAXED);
		__atomic_fetch_add(&q->stats.syncs, syncs, __ATOMIC_RELAXED);

		/*
		 * Release: pairs with the SMMU's acquire load of PROD.  Forbids
		 * it reading an entry before the command stores above.
		 */
		__atomic_store_n(&q->regs->cmdq_prod, (uint32_t)(q->prod & cmdq_span_mask(q)),
				 __ATOMIC_RELEASE);
		/*
		 * Release: pairs with the acquire in cmdq_read_cons().  Forbids
		 * a poller that uses prod_pub - S as a lower bound of CONS from
		 * reading a CONS older than the one that made room for these
		 * entries (the bound would then be above the truth).
		 */
		__atomic_store_n(&q->prod_pub, q->prod, __ATOMIC_RELEASE);
		cmdq_doorbell(q);
	}
	invt_mutex_unlock(&q->lock);
	*token = tok;
	return ret;
}

/* The sync of @token was consumed: did it cover everything before it? */
static int cmdq_sync_status(struct invt_smmu_cmdq *q, uint64_t token)
{
	uint64_t i, n;
	int ret = 0;

	/* Acquire: pairs with the release in cmdq_fail(). */
	if (__atomic_load_n(&q->fail_max, __ATOMIC_ACQUIRE) < token)
		return 0;
	invt_mutex_lock(&q->err_lock);
	n = q->nr_fail;
	for (i = n > INVT_SMMU_CMDQ_FAIL_LOG ? n - INVT_SMMU_CMDQ_FAIL_LOG : 0; i < n; i++) {
		if (q->fail_log[i % INVT_SMMU_CMDQ_FAIL_LOG] == token) {
			ret = -EIO;
			break;
		}
	}
	invt_mutex_unlock(&q->err_lock);
	return ret;
}

int invt_smmu_cmdq_wait(struct invt_smmu_cmdq *q, uint64_t token)
{
	uint64_t prev, now;
	unsigned int spins = 0;

	if (!token)
		return 0;
	if (token > __atomic_load_n(&q->prod_pub, __ATOMIC_ACQUIRE))
		return -EINVAL;
	/* Acquire: pairs with the acq_rel raise in atomic_max_u64(). */
	prev = __atomic_load_n(&q->cons, __ATOMIC_ACQUIRE);
	while (prev < token) {
		if (cmdq_err_active(q))
			cmdq_recover(q);
		now = cmdq_read_cons(q, NULL);
		if (now >= token)
			break;
		if (now != prev) {
			prev = now;
			spins = 0;
			continue;
		}
		if (++spins > __atomic_load_n(&q->spin_limit, __ATOMIC_RELAXED)) {
			__atomic_fetch_add(&q->stats.timeouts, 1, __ATOMIC_RELAXED);
			return -ETIMEDOUT;
		}
		cmdq_poll_round(q, spins);
	}
	return cmdq_sync_status(q, token);
}
