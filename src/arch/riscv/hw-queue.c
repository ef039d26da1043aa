// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-queue.c - the modelled RISC-V IOMMU's command-queue consumer
 * (hardware side).  Behaviour: see hw-queue.h; RISC-V IOMMU 1.0 §3.1
 * (command queue, IOFENCE.C), §5.6-§5.8 (cqb, cqh, cqt), §5.9 (cqcsr).
 *
 * Written apart from the driver's producer (src/arch/riscv/queue.c): it
 * shares only <invtrack/riscv-regs.h> and queue memory.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/model/hwq-idle.h>

#include "hw-queue.h"

/* cqcsr bits the driver clears by writing 1 (§5.9). */
#define CQCSR_W1C	(INVT_RV_CQCSR_CQMF | INVT_RV_CQCSR_CMD_TO | INVT_RV_CQCSR_CMD_ILL | \
			 INVT_RV_CQCSR_FENCE_W_IP)
/* Any of these stops command processing. */
#define CQCSR_STOPPED	(INVT_RV_CQCSR_CQMF | INVT_RV_CQCSR_CMD_TO | INVT_RV_CQCSR_CMD_ILL)
/* cqb.PPN is 44 bits. */
#define CQB_PPN_MASK	0x00000fffffffffffull
/* Largest queue the model accepts: 2^20 entries (16 MiB). */
#define HWQ_MAX_LOG2	20

static void hwq_default_costs(uint32_t *cost)
{
	memset(cost, 0, sizeof(uint32_t) * RV_HW_NR_CMDS);
	cost[RV_HW_IOTINVAL_VMA] = 100;
	cost[RV_HW_IOTINVAL_GVMA] = 100;
	cost[RV_HW_IOFENCE_C] = 1000;
	cost[RV_HW_IODIR_INVAL_DDT] = 50;
	cost[RV_HW_IODIR_INVAL_PDT] = 50;
	cost[RV_HW_ATS_INVAL] = 500;
	cost[RV_HW_ATS_PRGR] = 50;
}

static void hwq_set_cqh(struct rv_hw_queue *hq, uint32_t idx)
{
	/*
	 * Release: pairs with the driver's acquire load of cqh.  Forbids it
	 * reusing an entry before it was read and, past an IOFENCE.C, acting
	 * (freeing memory) before the commands before the fence took effect.
	 */
	__atomic_store_n(&hq->regs->cqh, idx, __ATOMIC_RELEASE);
}

/* Stop with error @bit; cqh was left where the spec wants it. */
static void hwq_raise(struct rv_hw_queue *hq, uint32_t bit)
{
	/*
	 * Release: pairs with the driver's acquire load of cqcsr.  Forbids it
	 * seeing the error before cqh points at the failing command.
	 */
	__atomic_fetch_or(&hq->regs->cqcsr, bit, __ATOMIC_RELEASE);
	__atomic_fetch_add(&hq->errors, 1, __ATOMIC_RELAXED);
}

static void hwq_trace(struct rv_hw_queue *hq, const uint64_t dw[2], unsigned int err)
{
	if (hq->ops.trace)
		hq->ops.trace(hq->ops.arg, dw, err);
}

static void hwq_account(struct rv_hw_queue *hq, unsigned int kind)
{
	__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[kind], __ATOMIC_RELAXED);
	__atomic_fetch_add(&hq->consumed, 1, __ATOMIC_RELAXED);
}

/*
 * Complete the open IOFENCE.C; @next: the first index not executed.
 * Return: true, or false when it reported a timeout or could not write
 * DATA (the queue stopped, cqh at the fence).
 */
static bool hwq_complete_fence(struct rv_hw_queue *hq, uint32_t next)
{
	const struct rv_hw_cmd *c = &hq->open_cmd;
	uint64_t seq = hq->seq - 1;
	bool timed_out;
	uint32_t *p;

	hq->open = false;
	timed_out = hq->to_pending && hq->to_seq <= seq;
	/* Earlier commands complete (timed-out ones excepted) either way. */
	hq->ops.fence(hq->ops.arg, c, seq, timed_out);
	if (timed_out) {
		hq->to_pending = false;		/* reported: the retry completes */
		hwq_trace(hq, hq->open_dw, RV_HW_QUEUE_ERR_TO);
		hwq_set_cqh(hq, hq->open_idx);
		hwq_raise(hq, INVT_RV_CQCSR_CMD_TO);
		return false;
	}
	if (c->av) {
		p = hq->ops.va(hq->ops.arg, c->addr, sizeof(*p));
		if (!p) {
			hwq_set_cqh(hq, hq->open_idx);
			hwq_raise(hq, INVT_RV_CQCSR_CQMF);
			return false;
		}
		/*
		 * Release: pairs with the driver's acquire load of the
		 * completion word.  Forbids it seeing DATA before the effects of
		 * every command before the fence.
		 */
		__atomic_store_n(p, htole32(c->data), __ATOMIC_RELEASE);
	}
	hwq_trace(hq, hq->open_dw, 0);
	hwq_account(hq, c->kind);
	hwq_set_cqh(hq, next);
	return true;
}

static void hwq_handshake_error(struct rv_hw_queue *hq)
{
	__atomic_fetch_add(&hq->handshake_errors, 1, __ATOMIC_RELAXED);
}

/*
 * ddtp (spec 1.0, ddtp register): a new value sets busy; after the lag it
 * takes effect and busy clears.  A value changed while busy is counted (the
 * spec leaves the outcome to the implementation; the model takes the
 * latest).  hq->lock held.
 */
static void hwq_ddtp_tick(struct rv_hw_queue *hq)
{
	struct invt_riscv_regs *r = hq->regs;
	/*
	 * Acquire: pairs with the driver's release store of ddtp, made after
	 * the directory's initialisation.
	 */
	uint64_t v = __atomic_load_n(&r->ddtp, __ATOMIC_ACQUIRE) & ~INVT_RV_DDTP_BUSY;

	if (v != hq->ddtp_seen) {
		if (hq->ddtp_lag >= 0)
			hwq_handshake_error(hq);
		hq->ddtp_seen = v;
		hq->ddtp_lag = (int)hq->ack_lag;
		__atomic_fetch_or(&r->ddtp, INVT_RV_DDTP_BUSY, __ATOMIC_RELAXED);
	}
	if (hq->ddtp_lag > 0) {
		hq->ddtp_lag--;
	} else if (hq->ddtp_lag == 0) {
		hq->ddtp_lag = -1;
		/*
		 * Translations held off (ops.ack_begin): one that read the
		 * old ddtp has finished its directory reads before the driver
		 * can see busy clear and free the directory.
		 */
		if (hq->ops.ack_begin)
			hq->ops.ack_begin(hq->ops.arg);
		/* Release: pairs with the acquire of rv_hw_queue_ddtp(). */
		__atomic_store_n(&hq->ddtp, v, __ATOMIC_RELEASE);
		/*
		 * Release: pairs with the driver's acquire poll of busy.
		 * Forbids it seeing the write done before it took effect.
		 */
		__atomic_fetch_and(&r->ddtp, ~INVT_RV_DDTP_BUSY, __ATOMIC_RELEASE);
		if (hq->ops.ack_end)
			hq->ops.ack_end(hq->ops.arg);
	}
}

uint64_t rv_hw_queue_ddtp(struct rv_hw_queue *hq)
{
	return __atomic_load_n(&hq->ddtp, __ATOMIC_ACQUIRE);
}

void rv_hw_queue_set_lag(struct rv_hw_queue *hq, unsigned int ack_lag)
{
	hq->ack_lag = ack_lag;
}

/*
 * Apply cqcsr_clear, ddtp, and follow cqen: a change of cqen sets busy;
 * after the lag cqon follows it and busy clears (spec 1.0, cqcsr).  The
 * queue does not run while a change is pending.  Return: the queue may run.
 */
static bool hwq_control(struct rv_hw_queue *hq)
{
	struct invt_riscv_regs *r = hq->regs;
	uint32_t clr, csr;
	bool en;

	/*
	 * Acquire: pairs with the driver's release store of cqcsr_clear.
	 * Forbids re-reading a failed entry older than the driver's rewrite.
	 */
	clr = __atomic_load_n(&r->cqcsr_clear, __ATOMIC_ACQUIRE);
	if (clr) {
		if (clr & CQCSR_W1C)
			__atomic_fetch_and(&r->cqcsr, ~(clr & CQCSR_W1C), __ATOMIC_RELAXED);
		/*
		 * Release, after the bits left cqcsr: pairs with the driver's
		 * acquire load of the mailbox before it reads cqcsr.  Forbids
		 * it seeing the bits gone from the mailbox and still set by the
		 * error it cleared (it would recover that one twice).  Only the
		 * bits taken: the driver may have added others meanwhile.
		 */
		__atomic_fetch_and(&r->cqcsr_clear, ~clr, __ATOMIC_RELEASE);
	}
	/*
	 * Acquire: pairs with the driver's release when it sets cqen, after
	 * cqb and the queue memory.  Forbids using either before then.
	 */
	csr = __atomic_load_n(&r->cqcsr, __ATOMIC_ACQUIRE);
	hwq_ddtp_tick(hq);
	en = csr & INVT_RV_CQCSR_CQEN;
	if (en != hq->cqen_seen) {
		/* cqen written again while busy: counted, the latest wins. */
		if (hq->cq_lag >= 0)
			hwq_handshake_error(hq);
		hq->cqen_seen = en;
		hq->cq_lag = (int)hq->ack_lag;
		__atomic_fetch_or(&r->cqcsr, INVT_RV_CQCSR_BUSY, __ATOMIC_RELAXED);
	}
	if (hq->cq_lag > 0) {
		hq->cq_lag--;
		return false;
	}
	if (hq->cq_lag == 0) {
		hq->cq_lag = -1;
		if (en) {
			/* cqen 0 -> 1: cqh and the error bits start from 0 (§5.9). */
			hwq_set_cqh(hq, 0);
			hq->open = false;
			hq->to_pending = false;
			__atomic_fetch_and(&r->cqcsr, ~CQCSR_W1C, __ATOMIC_RELAXED);
			/* Release: pairs with the driver's acquire poll of cqon. */
			__atomic_fetch_or(&r->cqcsr, INVT_RV_CQCSR_CQON, __ATOMIC_RELEASE);
		} else {
			__atomic_fetch_and(&r->cqcsr, ~INVT_RV_CQCSR_CQON, __ATOMIC_RELEASE);
		}
		/* Release: pairs with the driver's acquire poll of busy. */
		__atomic_fetch_and(&r->cqcsr, ~INVT_RV_CQCSR_BUSY, __ATOMIC_RELEASE);
	}
	csr = __atomic_load_n(&r->cqcsr, __ATOMIC_ACQUIRE);
	return (csr & INVT_RV_CQCSR_CQON) && !(csr & CQCSR_STOPPED);
}

/*
 * Fetch and execute the entry at @idx of a queue of @mask + 1 entries.
 * Return: 1 when executed (or a fence opened), 0 when the queue stopped.
 */
static int hwq_one(struct rv_hw_queue *hq, uint64_t base, uint32_t idx, uint32_t mask)
{
	enum rv_hw_ill why;
	struct rv_hw_cmd cmd;
	const void *slot;
	uint64_t dw[2];
	int ret, fault;
	bool bad;

	slot = hq->ops.va(hq->ops.arg, base + 16 * (uint64_t)idx, 16);
	if (!slot) {
		if (!hq->open || hwq_complete_fence(hq, idx)) {
			hwq_set_cqh(hq, idx);
			hwq_raise(hq, INVT_RV_CQCSR_CQMF);
		}
		return 0;
	}
	rv_hw_words_le(slot, dw);
	bad = rv_hw_decode(dw, &hq->lim, &cmd, &why) != 0;
	/*
	 * One timeout reported per fence: a second one before the fence would
	 * be reported by the same cmd_to, so it is not injected (each injected
	 * fault has an error of its own for the driver to recover).
	 */
	fault = bad ? INVT_HW_FAULT_ILL :
		invt_hw_faults_draw(&hq->faults, (hq->ill_at != idx + 1) << INVT_HW_FAULT_ILL |
				    (cmd.kind == RV_HW_ATS_INVAL && !hq->to_pending)
					    << INVT_HW_FAULT_ATC_TIMEOUT |
				    (hq->mode == RV_HW_QUEUE_THREADED && !hq->open)
					    << INVT_HW_FAULT_STALL);
	if (fault == INVT_HW_FAULT_ILL) {
		/*
		 * Undecodable, or an injected fault: as if corrupted on its way.
		 * Behind an open fence that fails (its own cmd_to or cqmf), the
		 * queue stops at that fence instead: this command is read again
		 * after the recovery, so an injected fault is taken back.
		 */
		if (hq->open && !hwq_complete_fence(hq, idx)) {
			if (!bad)
				invt_hw_faults_undo(&hq->faults, fault);
			return 0;
		}
		hq->ill_at = idx + 1;
		hwq_trace(hq, dw, RV_HW_QUEUE_ERR_ILL);
		hwq_set_cqh(hq, idx);
		hwq_raise(hq, INVT_RV_CQCSR_CMD_ILL);
		return 0;
	}
	if (fault == INVT_HW_FAULT_STALL)
		return 0;	/* no fence open: cqh is at it, no error */
	if (cmd.kind == RV_HW_IOFENCE_C) {
		/* The previous fence's window ends here. */
		if (hq->open && !hwq_complete_fence(hq, idx))
			return 0;
		hq->open = true;
		hq->open_idx = idx;
		hq->open_cmd = cmd;
		hq->open_dw[0] = dw[0];
		hq->open_dw[1] = dw[1];
		hq->seq++;
		return 1;
	}
	/* An injected ATC timeout: the device did not answer, its ATC is untouched. */
	ret = fault == INVT_HW_FAULT_ATC_TIMEOUT ? RV_HW_QUEUE_TIMEOUT :
						   hq->ops.exec(hq->ops.arg, &cmd, hq->seq);
	hwq_trace(hq, dw, ret == RV_HW_QUEUE_TIMEOUT ? RV_HW_QUEUE_ERR_TO : 0);
	if (ret == RV_HW_QUEUE_TIMEOUT && !hq->to_pending) {
		hq->to_pending = true;
		hq->to_seq = hq->seq;
	}
	hwq_account(hq, cmd.kind);
	/* Behind an open fence, cqh waits for the fence. */
	if (!hq->open)
		hwq_set_cqh(hq, (idx + 1) & mask);
	return 1;
}

/* Consume everything available.  @hq->lock held. */
static unsigned int hwq_run_locked(struct rv_hw_queue *hq)
{
	struct invt_riscv_regs *r = hq->regs;
	uint32_t mask, idx, tail;
	uint64_t cqb, base, ddtp, before;
	unsigned int log2;

	before = __atomic_load_n(&hq->consumed, __ATOMIC_RELAXED);
	if (!hwq_control(hq) || invt_hw_faults_stalled(&hq->faults))
		goto out;
	/* Acquire: pairs with the driver's release store of cqb (as cqen). */
	cqb = __atomic_load_n(&r->cqb, __ATOMIC_ACQUIRE);
	log2 = (unsigned int)(cqb & INVT_RV_CQB_LOG2SZ_MASK) + 1;
	base = ((cqb >> INVT_RV_CQB_PPN_SHIFT) & CQB_PPN_MASK) << 12;
	if (log2 > HWQ_MAX_LOG2) {
		hwq_raise(hq, INVT_RV_CQCSR_CQMF);
		goto out;
	}
	mask = (UINT32_C(1) << log2) - 1;
	/* The ddtp in effect (hwq_ddtp_tick() ran in hwq_control()). */
	ddtp = __atomic_load_n(&hq->ddtp, __ATOMIC_RELAXED);
	hq->lim.did_bits = (ddtp & INVT_RV_DDTP_MODE_MASK) == INVT_RV_DDTP_MODE_1LVL ? 7 : 0;
	/* Only the IOMMU writes cqh. */
	idx = __atomic_load_n(&r->cqh, __ATOMIC_RELAXED) & mask;
	for (;;) {
		/*
		 * Acquire: pairs with the driver's release store of cqt.
		 * Forbids reading an entry before the driver's stores to it.
		 */
		tail = __atomic_load_n(&r->cqt, __ATOMIC_ACQUIRE) & mask;
		if (idx == tail)
			break;
		while (idx != tail) {
			if (!hwq_one(hq, base, idx, mask))
				goto out;
			idx = (idx + 1) & mask;
		}
	}
	if (hq->open)
		hwq_complete_fence(hq, idx);
out:
	/* Only this thread, under the lock, adds to it. */
	before = __atomic_load_n(&hq->consumed, __ATOMIC_RELAXED) - before;
	return (unsigned int)before;
}

unsigned int rv_hw_queue_run(struct rv_hw_queue *hq)
{
	unsigned int n;

	pthread_mutex_lock(&hq->lock);
	n = hwq_run_locked(hq);
	pthread_mutex_unlock(&hq->lock);
	return n;
}

void rv_hw_queue_faults(struct rv_hw_queue *hq, double rate, uint64_t seed)
{
	invt_hw_faults_init(&hq->faults, rate, seed);
}

static void hwq_doorbell(void *arg)
{
	rv_hw_queue_run(arg);
}

/*
 * The registers' consume hook (threaded mode): a driver polling cqh or a
 * fence's completion word lets the IOMMU take a step in its own thread -
 * the interleaving in which it consumed right then - so that completion
 * never waits for the consumer thread to be scheduled.  Only while the
 * consumer is started (a stopped one consumes nothing).  A trylock: a
 * consumer that holds @hq->lock is consuming already, and the poller goes
 * back to polling.
 */
static void hwq_consume(void *arg)
{
	struct rv_hw_queue *hq = arg;

	if (!__atomic_load_n(&hq->live, __ATOMIC_ACQUIRE) || pthread_mutex_trylock(&hq->lock))
		return;
	hwq_run_locked(hq);
	pthread_mutex_unlock(&hq->lock);
}

int rv_hw_queue_init(struct rv_hw_queue *hq, struct invt_riscv_regs *regs,
		     const struct rv_hw_queue_ops *ops, enum rv_hw_queue_mode mode)
{
	int ret;

	memset(hq, 0, sizeof(*hq));
	hq->regs = regs;
	hq->lim.caps = regs->capabilities;
	hq->mode = mode;
	hq->ops = *ops;
	hwq_default_costs(hq->cost_ns);
	ret = pthread_mutex_init(&hq->lock, NULL);
	if (ret)
		return -ret;
	hq->ddtp_lag = -1;
	hq->cq_lag = -1;
	if (mode == RV_HW_QUEUE_INLINE)
		regs->doorbell = hwq_doorbell;
	/* Polls run the IOMMU too (one consumer at a time: hq->lock). */
	regs->poll = hwq_doorbell;
	if (mode == RV_HW_QUEUE_THREADED)
		regs->consume = hwq_consume;
	regs->doorbell_arg = hq;
	return 0;
}

void rv_hw_queue_destroy(struct rv_hw_queue *hq)
{
	rv_hw_queue_stop(hq);
	if (hq->regs->doorbell_arg == hq) {
		hq->regs->doorbell = NULL;
		hq->regs->poll = NULL;
		hq->regs->consume = NULL;
		hq->regs->doorbell_arg = NULL;
	}
	pthread_mutex_destroy(&hq->lock);
}

static void *hwq_thread(void *arg)
{
	struct rv_hw_queue *hq = arg;
	unsigned int idle = 0;

	pthread_setname_np(pthread_self(), "rv-cmdq");
	/* Acquire: pairs with rv_hw_queue_stop()'s release of the flag. */
	while (!__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE)) {
		/* As model/hwq-idle.h says: sleep only if the polls consume too. */
		invt_hwq_idle(&idle, rv_hw_queue_run(hq), hq->regs->consume != NULL);
	}
	return NULL;
}

int rv_hw_queue_start(struct rv_hw_queue *hq)
{
	int ret;

	if (hq->mode != RV_HW_QUEUE_THREADED || hq->running)
		return -EINVAL;
	__atomic_store_n(&hq->stop, 0, __ATOMIC_RELAXED);
	ret = pthread_create(&hq->thread, NULL, hwq_thread, hq);
	if (ret)
		return -ret;
	hq->running = true;
	/*
	 * Release: pairs with the acquire load in hwq_consume().  A thread
	 * that consumes in its poll sees all that was done before the start,
	 * as the consumer thread does (pthread_create()); forbids it acting
	 * on state older than that.
	 */
	__atomic_store_n(&hq->live, 1, __ATOMIC_RELEASE);
	return 0;
}

void rv_hw_queue_stop(struct rv_hw_queue *hq)
{
	if (!hq->running)
		return;
	__atomic_store_n(&hq->live, 0, __ATOMIC_RELAXED);
	/* Release: pairs with the thread's acquire; nothing else hangs on it. */
	__atomic_store_n(&hq->stop, 1, __ATOMIC_RELEASE);
	pthread_join(hq->thread, NULL);
	hq->running = false;
}

uint64_t rv_hw_queue_clock(const struct rv_hw_queue *hq)
{
	return __atomic_load_n(&hq->clock_ns, __ATOMIC_RELAXED);
}
