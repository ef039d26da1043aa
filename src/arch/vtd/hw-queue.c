// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-queue.c - the modelled VT-d unit's invalidation queue consumer
 * (hardware side; see hw-queue.h).
 *
 * Written apart from the driver's producer (queue.c): it shares only the
 * registers of <invtrack/vtd-regs.h> and queue memory, does its own offset
 * arithmetic, and decodes with the model's decoder (hw.h).
 *
 * Behaviour, after VT-d §6.5.2 ("Queued Invalidation Interface"), §6.5.2.8
 * ("Invalidation Wait Descriptor"), §6.5.2.10 ("Hardware Handling of Queued
 * Invalidation Interface Errors") and docs/hardware.md §2 "Invalidation queue":
 *  - IQA gives the queue: base [63:12] (model memory), DW [11], QS [2:0]:
 *    4 KiB << QS bytes, i.e. 2^(QS+8-DW) descriptors of 16 << DW bytes.
 *    IQH and IQT are byte offsets into it;
 *  - descriptors are fetched in order from IQH up to IQT and each executed
 *    before the next is fetched, then IQH advances past it (release);
 *  - a wait descriptor with FN = 1 completes when it is reached, and the
 *    descriptors after it are fetched only then ("processed only after the
 *    wait descriptor completes", §6.5.2.8).  A wait with FN = 0 does not
 *    hold back what follows (§6.5.2.12): the consumer goes on fetching and
 *    executing, and completes it (in queue order with the other FN = 0
 *    waits) only at the next FN = 1 wait or when it runs out of
 *    descriptors, the latest point that still completes it.  Completing a
 *    wait: the executor is told first (the model then completes the
 *    invalidations it kept pending), then with SW = 1 the StatusData is
 *    written to the status address with a release store, and with IF = 1
 *    ICS.IWC is set;
 *  - an invalid descriptor (decoder, hw.h) sets FSTS.IQE and IQER.IQEI; IQH
 *    stays at it and fetching stops until software clears FSTS.IQE, then
 *    resumes at IQH, re-reading the descriptor (software may rewrite it).
 *    An IQT beyond the queue (IQEI 1) or not a multiple of the descriptor
 *    size (IQEI 6) stops it the same way;
 *  - a device-TLB invalidation the executor reports as timed out (test hook)
 *    still takes effect; the unit aborts the wait descriptors pending in
 *    hardware (the FN = 0 waits not yet completed among them) and sets
 *    IQER.ITESID to its SID and FSTS.ITE.  The model treats everything up
 *    to the IQT it last read as fetched: those descriptors are consumed
 *    first, the invalidations among them executed, the waits aborted
 *    (neither status write nor IWC), and ITE is set only then, with IQH
 *    past them: IQH does not move while ITE is set (§6.5.2.10), so the
 *    driver reads there the end of what was aborted, as Linux's
 *    qi_check_fault() expects, and resubmits.  Fetching stops until
 *    software clears FSTS.ITE;
 *  - FSTS is write-1-to-clear: the driver stores the bits into the
 *    @fsts_clear mailbox and rings the doorbell (or the thread polls it);
 *    the unit clears the FSTS bits before it takes them out of the mailbox
 *    (a bit still there is a write not yet landed: <invtrack/vtd-regs.h>);
 *  - with @global_cmd, a GCMD write (<invtrack/vtd-regs.h>) is taken when
 *    the consumer next runs and reported in GSTS @gsts_lag runs later
 *    (§11.4.4: software must wait for the status): SRTP latches RTADDR
 *    (@root) and sets RTPS; QIE and TE are mirrored in QIES and TES; while
 *    QIES is clear IQH reads 0 (§11.4.9.1), so enabling starts over at the
 *    queue's base.  Descriptors are fetched only while QIES is set.
 */
#include <errno.h>
#include <string.h>

#include <invtrack/model/hwq-idle.h>

#include "hw-queue.h"

/* invt_pmutex(): the lock as a pthread mutex, taken without draining anything. */
#include "compat-user.h"

/* IQT / IQH: offset bits [18:4]. */
#define HWQ_OFF_MASK	0x7fff0ull
#define HWQ_ITESID_SHIFT	32
#define HWQ_ITESID_MASK	(0xffffull << HWQ_ITESID_SHIFT)
#define HWQ_IQEI_MASK	0xfull

/*
 * Default modelled costs, in ns.  Starting points, not measurements of one
 * descriptor: Linux's dmar_perf_latency samples (docs/hardware.md §6) put an
 * IOTLB invalidation (submit to wait done) mostly at 0.1-1 us and device-TLB
 * ones similar (max 2 us); the split below is an ASSUMPTION: IOTLB and
 * PASID-IOTLB 200 ns, device-TLB 500 ns, context/PASID/interrupt cache
 * 100 ns, wait 100 ns.
 */
static void hwq_default_costs(uint32_t *cost)
{
	memset(cost, 0, sizeof(uint32_t) * VTD_HW_NR_OPS);
	cost[VTD_HW_CC_INV] = 100;
	cost[VTD_HW_IOTLB_INV] = 200;
	cost[VTD_HW_DEVTLB_INV] = 500;
	cost[VTD_HW_IEC_INV] = 100;
	cost[VTD_HW_INV_WAIT] = 100;
	cost[VTD_HW_PIOTLB_INV] = 200;
	cost[VTD_HW_PC_INV] = 100;
	cost[VTD_HW_PDEVTLB_INV] = 500;
}

/* Apply the write-1-to-clear mailbox.  Consumer lock held. */
static void hwq_apply_clear(struct vtd_hw_queue *hq)
{
	/*
	 * Acquire: pairs with the driver's release store of the mailbox.
	 * Forbids re-reading a descriptor it rewrote after an IQE before its
	 * stores to it.
	 */
	uint32_t clr = __atomic_load_n(&hq->regs->fsts_clear, __ATOMIC_ACQUIRE);

	if (!clr)
		return;
	/* Relaxed: ordered before the mailbox's release below. */
	__atomic_fetch_and(&hq->regs->fsts, ~clr, __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the driver's acquire load of the mailbox before
	 * it reads FSTS (<invtrack/vtd-regs.h>).  Forbids it seeing the
	 * mailbox emptied of a bit and FSTS with that bit still set: it would
	 * take the error it already recovered for a new one.
	 */
	__atomic_fetch_and(&hq->regs->fsts_clear, ~clr, __ATOMIC_RELEASE);
}

/* Take a GCMD write; report the taken one once its lag ran out.  Locked. */
static void hwq_apply_gcmd(struct vtd_hw_queue *hq)
{
	struct invt_vtd_regs *r = hq->regs;
	uint32_t sts, cmd;

	if (!hq->global_cmd)
		return;
	/*
	 * Acquire: pairs with the release in invt_vtd_gcmd_write().  Forbids
	 * latching an RTADDR or enabling a queue older than the write.
	 */
	if (__atomic_exchange_n(&r->gcmd_written, 0, __ATOMIC_ACQ_REL)) {
		hq->gcmd = __atomic_load_n(&r->gcmd, __ATOMIC_RELAXED);
		hq->gcmd_left = (int)hq->gsts_lag;
	}
	if (hq->gcmd_left < 0)
		return;
	if (hq->gcmd_left-- > 0)
		return;
	cmd = hq->gcmd;
	/*
	 * Translations held off (exec.ack_begin) while the command takes
	 * effect: one that read the old root or TES = 1 has finished its
	 * table reads before the driver can see GSTS change and free them.
	 */
	if (hq->exec.ack_begin)
		hq->exec.ack_begin(hq->exec.arg);
	sts = __atomic_load_n(&r->gsts, __ATOMIC_RELAXED);
	if (cmd & INVT_VTD_GCMD_SRTP) {
		/*
		 * Release: pairs with the translations' acquire load of @root;
		 * they read the tables it names after the driver's stores.
		 */
		__atomic_store_n(&hq->root, __atomic_load_n(&r->rtaddr, __ATOMIC_RELAXED),
				 __ATOMIC_RELEASE);
		sts |= INVT_VTD_GSTS_RTPS;
	}
	/*
	 * §11.4.9.1: IQH reads 0 whenever queued invalidation is disabled
	 * (QIES clear); enabling starts fetching at the base.  A stale head
	 * kept over a disable would fetch slots the next owner never wrote.
	 */
	if (!(cmd & INVT_VTD_GCMD_QIE))
		__atomic_store_n(&r->iqh, 0, __ATOMIC_RELAXED);
	sts &= ~(INVT_VTD_GSTS_TES | INVT_VTD_GSTS_QIES);
	sts |= (cmd & INVT_VTD_GCMD_TE ? INVT_VTD_GSTS_TES : 0) |
	       (cmd & INVT_VTD_GCMD_QIE ? INVT_VTD_GSTS_QIES : 0);
	/*
	 * Release: pairs with the driver's acquire poll of GSTS.  Forbids it
	 * seeing the status before IQH was reset.
	 */
	__atomic_store_n(&r->gsts, sts, __ATOMIC_RELEASE);
	if (hq->exec.ack_end)
		hq->exec.ack_end(hq->exec.arg);
}

static uint32_t hwq_fsts(struct vtd_hw_queue *hq)
{
	/* Only the unit writes FSTS (the driver goes through the mailbox). */
	return __atomic_load_n(&hq->regs->fsts, __ATOMIC_RELAXED);
}

/* Raise IQE with @iqei; IQH stays where it is. */
static void hwq_raise_iqe(struct vtd_hw_queue *hq, unsigned int iqei)
{
	uint64_t iqer = __atomic_load_n(&hq->regs->iqer, __ATOMIC_RELAXED);

	__atomic_store_n(&hq->regs->iqer, (iqer & ~HWQ_IQEI_MASK) | iqei, __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the driver's acquire load of FSTS.  Forbids it
	 * seeing IQE before IQER.IQEI, and rewriting the descriptor before
	 * this side finished reading it.
	 */
	__atomic_fetch_or(&hq->regs->fsts, INVT_VTD_FSTS_IQE, __ATOMIC_RELEASE);
	__atomic_fetch_add(&hq->errors, 1, __ATOMIC_RELAXED);
}

static void hwq_raise_ite(struct vtd_hw_queue *hq, uint16_t sid)
{
	uint64_t iqer = __atomic_load_n(&hq->regs->iqer, __ATOMIC_RELAXED);

	iqer = (iqer & ~HWQ_ITESID_MASK) | (uint64_t)sid << HWQ_ITESID_SHIFT;
	__atomic_store_n(&hq->regs->iqer, iqer, __ATOMIC_RELAXED);
	/* Release: pairs with the driver's acquire of FSTS (IQER.ITESID first). */
	__atomic_fetch_or(&hq->regs->fsts, INVT_VTD_FSTS_ITE, __ATOMIC_RELEASE);
	__atomic_fetch_add(&hq->errors, 1, __ATOMIC_RELAXED);
}

/* An injected ICE: a device-TLB invalidation completion the unit found invalid. */
static void hwq_raise_ice(struct vtd_hw_queue *hq)
{
	/* Release: pairs with the driver's acquire load of FSTS. */
	__atomic_fetch_or(&hq->regs->fsts, INVT_VTD_FSTS_ICE, __ATOMIC_RELEASE);
	__atomic_fetch_add(&hq->errors, 1, __ATOMIC_RELAXED);
}

static int hwq_call(struct vtd_hw_queue *hq, const struct vtd_hw_desc *d, const uint64_t qw[4],
		    enum vtd_hw_event ev, unsigned int iqei)
{
	if (!hq->exec.exec)
		return VTD_HW_EXEC_OK;
	return hq->exec.exec(hq->exec.arg, d, qw, ev, iqei);
}

/* A wait descriptor completes: status write and IWC (§6.5.2.8). */
static void hwq_complete_wait(struct vtd_hw_queue *hq, const struct vtd_hw_desc *d)
{
	uint32_t *status;

	if (d->wsw) {
		status = invt_mem_va(hq->mem, d->addr);
		/*
		 * Release: pairs with the driver's acquire load of the status
		 * word.  Forbids it acting on completion (freeing pages,
		 * reusing a DID) before the invalidations before the wait
		 * took effect.  An address outside model memory is dropped.
		 */
		if (status)
			__atomic_store_n(status, d->status_data, __ATOMIC_RELEASE);
	}
	if (d->wif)
		/* Release: the same pairing, for a driver polling ICS. */
		__atomic_fetch_or(&hq->regs->ics, INVT_VTD_ICS_IWC, __ATOMIC_RELEASE);
}

/* Complete the FN = 0 waits kept back, in order.  Consumer lock held. */
static void hwq_complete_deferred(struct vtd_hw_queue *hq)
{
	unsigned int i;

	for (i = 0; i < hq->nr_deferred; i++) {
		hwq_call(hq, &hq->deferred[i], hq->deferred_qw[i], VTD_HW_EV_EXEC, 0);
		hwq_complete_wait(hq, &hq->deferred[i]);
	}
	hq->nr_deferred = 0;
}

/* An ITE aborts the FN = 0 waits not completed yet.  Consumer lock held. */
static void hwq_abort_deferred(struct vtd_hw_queue *hq)
{
	unsigned int i;

	for (i = 0; i < hq->nr_deferred; i++)
		hwq_call(hq, &hq->deferred[i], hq->deferred_qw[i], VTD_HW_EV_ABORTED, 0);
	hq->nr_deferred = 0;
}

/*
 * A device-TLB invalidation at @off timed out (device @sid).  Everything
 * after it up to @tail, the IQT last read, counts as fetched: it is consumed
 * in "abort mode" (invalidations executed, waits aborted), and only then,
 * with IQH past it, is ITE raised (hwq_settle_ite()): §6.5.2.10, IQH does
 * not advance while ITE is set, so a driver that sees ITE reads in IQH the
 * exact end of what was aborted (Linux's qi_check_fault() marks the waits
 * below it).  Raising it first would let a driver thread recover between
 * two IQH updates and never learn of the waits aborted after its read.
 * Consumer lock held.
 */
static void hwq_time_out(struct vtd_hw_queue *hq, uint16_t sid, uint64_t off, uint64_t tail,
			 uint64_t qbytes, unsigned int dsz)
{
	hwq_abort_deferred(hq);
	hq->abort_left = (uint32_t)(((tail + qbytes - off - dsz) % qbytes) / dsz);
	hq->ite_pending = true;
	hq->ite_sid = sid;
}

/* Raise a pending ITE once its abort mode is over, or the queue stopped.  Locked. */
static void hwq_settle_ite(struct vtd_hw_queue *hq, bool stopped)
{
	if (hq->ite_pending && (!hq->abort_left || stopped)) {
		hq->ite_pending = false;
		hwq_raise_ite(hq, hq->ite_sid);
	}
}

/*
 * Fetch and execute the descriptor at @slot, @off bytes from the start of a
 * queue of @qbytes with @tail the last IQT read.  Return: 0 when it was
 * consumed, -1 when the queue stops on it (IQE raised).
 */
static int hwq_one(struct vtd_hw_queue *hq, const uint8_t *slot, bool wide, uint64_t off,
		   uint64_t tail, uint64_t qbytes)
{
	unsigned int dsz = wide ? 32 : 16, op;
	struct vtd_hw_desc d;
	uint64_t qw[4];
	bool devtlb;
	int rc, fault;

	vtd_hw_load_le(slot, wide ? 4 : 2, qw);
	rc = vtd_hw_decode(qw, wide, &hq->caps, &d, NULL);
	if (rc) {
		hwq_call(hq, NULL, qw, VTD_HW_EV_INVALID, (unsigned int)rc);
		hwq_raise_iqe(hq, (unsigned int)rc);
		return -1;
	}
	op = vtd_hw_op_index(qw[0]);
	devtlb = d.type == VTD_HW_DEVTLB_INV || d.type == VTD_HW_PDEVTLB_INV;
	fault = hq->abort_left ? -1 :
		invt_hw_faults_draw(&hq->faults, (hq->iqe_at != off + 1) << INVT_HW_FAULT_ILL |
				    devtlb << INVT_HW_FAULT_ATC_TIMEOUT |
				    /* One ICE at a time: FSTS.ICE is one bit. */
				    (devtlb && !(hwq_fsts(hq) & INVT_VTD_FSTS_ICE)) <<
					INVT_HW_FAULT_ICE |
				    (hq->mode == VTD_HW_QUEUE_THREADED) << INVT_HW_FAULT_STALL);
	if (fault == INVT_HW_FAULT_ILL) {
		/* As if corrupted on its way: an invalid type (IQEI 3). */
		hq->iqe_at = off + 1;
		hwq_call(hq, NULL, qw, VTD_HW_EV_INVALID, VTD_HW_IQEI_TYPE);
		hwq_raise_iqe(hq, VTD_HW_IQEI_TYPE);
		return -1;
	}
	if (fault == INVT_HW_FAULT_STALL)
		return -1;	/* not fetched: IQH stays, no error */
	if (fault == INVT_HW_FAULT_ATC_TIMEOUT) {
		/* The device did not answer: its device-TLB is untouched. */
		__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[op], __ATOMIC_RELAXED);
		hwq_time_out(hq, d.sid, off, tail, qbytes, dsz);
		return 0;
	}
	if (hq->abort_left) {
		hq->abort_left--;
		if (d.type == VTD_HW_INV_WAIT) {
			hwq_call(hq, &d, qw, VTD_HW_EV_ABORTED, 0);
			return 0;
		}
	}
	if (d.type == VTD_HW_INV_WAIT && !d.wfn) {
		/* FN = 0: kept back; what follows goes on (see the file comment). */
		if (hq->nr_deferred == VTD_HW_MAX_DEFERRED)
			hwq_complete_deferred(hq);
		hq->deferred[hq->nr_deferred] = d;
		memcpy(hq->deferred_qw[hq->nr_deferred++], qw, sizeof(qw[0]) * 4);
		__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[op], __ATOMIC_RELAXED);
		return 0;
	}
	if (d.type == VTD_HW_INV_WAIT)
		hwq_complete_deferred(hq);	/* earlier waits complete first */
	rc = hwq_call(hq, &d, qw, VTD_HW_EV_EXEC, 0);
	__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[op], __ATOMIC_RELAXED);
	if (d.type == VTD_HW_INV_WAIT) {
		hwq_complete_wait(hq, &d);
	} else if (rc == VTD_HW_EXEC_TIMEOUT &&
		   (d.type == VTD_HW_DEVTLB_INV || d.type == VTD_HW_PDEVTLB_INV)) {
		hwq_time_out(hq, d.sid, off, tail, qbytes, dsz);
	} else if (fault == INVT_HW_FAULT_ICE) {
		hwq_raise_ice(hq);
	}
	return 0;
}

/* Consume everything available.  @hq->lock held. */
static unsigned int hwq_run_locked(struct vtd_hw_queue *hq)
{
	struct invt_vtd_regs *r = hq->regs;
	uint64_t iqa, base, qbytes, head, tail;
	unsigned int total = 0, dsz;
	uint32_t fsts;
	uint8_t *mem;
	bool wide;

	hwq_apply_clear(hq);
	hwq_apply_gcmd(hq);
	if (invt_hw_faults_stalled(&hq->faults))
		goto out;
	if (hq->global_cmd &&
	    !(__atomic_load_n(&r->gsts, __ATOMIC_RELAXED) & INVT_VTD_GSTS_QIES))
		goto out;			/* queued invalidation disabled */
	/*
	 * Acquire: pairs with the driver's release store of IQA.  Forbids
	 * using queue memory before its initialisation.
	 */
	iqa = __atomic_load_n(&r->iqa, __ATOMIC_ACQUIRE);
	base = iqa & ~0xfffull;
	wide = iqa & INVT_VTD_IQA_DW;
	dsz = wide ? 32 : 16;
	qbytes = UINT64_C(4096) << (iqa & INVT_VTD_IQA_QS_MASK);
	mem = base ? invt_mem_va(hq->mem, base) : NULL;
	if (!mem)
		goto out;			/* queue not enabled */
	if (!invt_mem_va(hq->mem, base + qbytes - 1)) {
		if (!(hwq_fsts(hq) & INVT_VTD_FSTS_IQE))
			hwq_raise_iqe(hq, VTD_HW_IQEI_FETCH);
		goto out;
	}
	/* Only this side writes IQH. */
	head = __atomic_load_n(&r->iqh, __ATOMIC_RELAXED) % qbytes;
	tail = head;
	for (;;) {
		fsts = hwq_fsts(hq);
		if ((fsts & INVT_VTD_FSTS_IQE) || (!hq->abort_left && (fsts & INVT_VTD_FSTS_ITE)))
			break;
		if (head == tail) {
			/*
			 * Acquire: pairs with the driver's release store of
			 * IQT.  Forbids reading a descriptor before the
			 * driver's stores to it.
			 */
			tail = __atomic_load_n(&r->iqt, __ATOMIC_ACQUIRE);
			if (tail >= qbytes || (tail & ~HWQ_OFF_MASK)) {
				hwq_raise_iqe(hq, VTD_HW_IQEI_TAIL);
				break;
			}
			if (tail & (dsz - 1)) {
				hwq_raise_iqe(hq, VTD_HW_IQEI_TAIL_ALIGN);
				break;
			}
			if (head == tail)
				break;
		}
		if (hwq_one(hq, mem + head, wide, head, tail, qbytes))
			break;
		head = (head + dsz) % qbytes;
		/*
		 * Release: pairs with the driver's acquire load of IQH.
		 * Forbids it reusing this slot before it was read.
		 */
		__atomic_store_n(&r->iqh, head, __ATOMIC_RELEASE);
		__atomic_fetch_add(&hq->consumed, 1, __ATOMIC_RELAXED);
		total++;
		/* After the IQH store: ITE names the final IQH (hwq_time_out()). */
		hwq_settle_ite(hq, false);
	}
	/* Stopped inside abort mode (an invalid descriptor): ITE now, IQH stays. */
	hwq_settle_ite(hq, true);
	/* Out of descriptors (or stopped): the FN = 0 waits complete now. */
	hwq_complete_deferred(hq);
out:
	return total;
}

unsigned int vtd_hw_queue_run(struct vtd_hw_queue *hq)
{
	unsigned int n;

	pthread_mutex_lock(invt_pmutex(&hq->lock));
	n = hwq_run_locked(hq);
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
	return n;
}

void vtd_hw_queue_faults(struct vtd_hw_queue *hq, double rate, uint64_t seed)
{
	invt_hw_faults_init(&hq->faults, rate, seed);
}

static void hwq_doorbell(void *arg)
{
	vtd_hw_queue_run(arg);
}

/*
 * The registers' consume hook (threaded mode): a driver polling a wait's
 * status word, IQH or GSTS lets the unit take a step in its own thread -
 * the interleaving in which it fetched right then - so that completion
 * never waits for the consumer thread to be scheduled.  Only while the
 * consumer is started (a stopped one consumes nothing).  A trylock: a
 * consumer that holds @hq->lock is consuming already, and the poller goes
 * back to polling.
 */
static void hwq_consume(void *arg)
{
	struct vtd_hw_queue *hq = arg;

	if (!__atomic_load_n(&hq->live, __ATOMIC_ACQUIRE) ||
	    pthread_mutex_trylock(invt_pmutex(&hq->lock)))
		return;
	hwq_run_locked(hq);
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
}

void vtd_hw_queue_init(struct vtd_hw_queue *hq, struct invt_vtd_regs *regs, struct invt_mem *mem,
		       const struct vtd_hw_caps *caps, const struct vtd_hw_queue_exec *exec,
		       enum vtd_hw_queue_mode mode)
{
	memset(hq, 0, sizeof(*hq));
	hq->regs = regs;
	hq->mem = mem;
	hq->caps = *caps;
	hq->mode = mode;
	if (exec)
		hq->exec = *exec;
	hwq_default_costs(hq->cost_ns);
	hq->gcmd_left = -1;
	pthread_mutex_init(invt_pmutex(&hq->lock), NULL);
	if (mode == VTD_HW_QUEUE_INLINE) {
		regs->doorbell = hwq_doorbell;
		regs->doorbell_arg = hq;
	} else {
		regs->consume = hwq_consume;
		regs->doorbell_arg = hq;
	}
}

void vtd_hw_queue_destroy(struct vtd_hw_queue *hq)
{
	vtd_hw_queue_stop(hq);
	if (hq->regs->doorbell_arg == hq) {
		hq->regs->doorbell = NULL;
		hq->regs->consume = NULL;
		hq->regs->doorbell_arg = NULL;
	}
	pthread_mutex_destroy(invt_pmutex(&hq->lock));
}

static void *hwq_thread(void *arg)
{
	struct vtd_hw_queue *hq = arg;
	unsigned int idle = 0;

	pthread_setname_np(pthread_self(), "vtd-qi");
	while (!__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE)) {
		/* As model/hwq-idle.h says: sleep only if the polls consume too. */
		invt_hwq_idle(&idle, vtd_hw_queue_run(hq), hq->regs->consume != NULL);
	}
	return NULL;
}

int vtd_hw_queue_start(struct vtd_hw_queue *hq)
{
	int ret;

	if (hq->mode != VTD_HW_QUEUE_THREADED || hq->running)
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

void vtd_hw_queue_stop(struct vtd_hw_queue *hq)
{
	if (!hq->running)
		return;
	__atomic_store_n(&hq->live, 0, __ATOMIC_RELAXED);
	/* Release: pairs with the thread's acquire; it sees the request. */
	__atomic_store_n(&hq->stop, 1, __ATOMIC_RELEASE);
	pthread_join(hq->thread, NULL);
	hq->running = false;
}

uint64_t vtd_hw_queue_clock(const struct vtd_hw_queue *hq)
{
	return __atomic_load_n(&hq->clock_ns, __ATOMIC_RELAXED);
}
