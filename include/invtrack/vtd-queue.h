/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/vtd-queue.h - the VT-d invalidation queue, driver side: the
 * producer, wait-descriptor completion and error recovery
 * (src/arch/vtd/queue.c).  The registers it shares with the modelled unit
 * are <invtrack/vtd-regs.h>; the consumer is the hardware side's.
 *
 * Queue semantics (VT-d §6.5.2 "Queued Invalidation Interface", §11.4.9
 * "Invalidation Queue Interface" registers; docs/hardware.md §2): IQA_REG holds
 * the base (4 KiB aligned), DW (256-bit descriptors) and QS: the queue is
 * 4 KiB << QS bytes, 2^(QS + 8 - DW) descriptors.  IQT_REG (software) and
 * IQH_REG (hardware) hold the byte offset of a descriptor: index << 4
 * (128-bit) or << 5 (256-bit).  The queue is empty when IQH == IQT; software
 * never fills the last free entry (it would look empty).  Hardware advances
 * IQH when it has fetched a descriptor and found it valid - fetching is not
 * completing: completion is only known from an invalidation wait descriptor
 * (type 5), which completes once every descriptor before it completed.
 *
 * Address conventions of the model (as for the SMMUv3 Command queue): the
 * queue memory's address in IQA_REG and the status addresses in wait
 * descriptors are host addresses.
 *
 * Completion.  The producer owns every wait descriptor with SW = 1 that it
 * copies into the queue: it rewrites its status address to the status word
 * of the queue slot it lands in and its status data to the low 32 bits of
 * its logical index + 1 (the token), after setting that word to a value that
 * cannot match.  A waiter polls the word (acquire) for its token.  A status
 * word is reused only once the producer saw its wait retire (completed, or
 * aborted by an ITE), and waits complete in queue order (each completes
 * after everything before it, waits included), so an unmatched word of a
 * retired wait means it completed and its slot was reused - unless it is in
 * the abort log.
 *
 * Errors (FSTS_REG, §11.4.7; §6.5.2.10 "Invalidation Queue Errors"):
 *  - IQE: hardware stopped at an invalid descriptor, IQH names it.  The
 *    recovering thread reports it and overwrites it with a no-op wait
 *    (type 5, FN = 1, no status write), so that everything queued behind it
 *    still executes; the first SW = 1 wait after it (already written, or the
 *    next one written) completes with -EIO for its waiter.  A rejected SW = 1
 *    wait is rewritten as a plain one (SW only) and its waiter gets -EIO; if
 *    that is rejected again it becomes a no-op and counts as aborted.
 *    A unit that goes on refusing at one position (more than
 *    INVT_VTD_QI_IQE_REPEATS IQEs there, or an IQH naming nothing written)
 *    is left stopped: waits and submits that need it fail with -EIO.
 *  - ITE: a device-TLB invalidation timed out; hardware aborted the wait
 *    descriptors it had fetched and not completed (their status is never
 *    written) and stops fetching until ITE is cleared; IQH, which does not
 *    move while ITE is set, is past them.  The recovering thread records
 *    the waits below IQH whose status is unwritten as aborted; their
 *    waiters submit a fresh wait (everything before it is then complete when
 *    it completes, as Linux resubmits) and return -EIO.
 *  - ICE: reported, counted and cleared.
 * Clearing writes the bit into @fsts_clear (atomic OR, release) and rings
 * the doorbell; until the unit took it, the bit counts as cleared (an
 * error is recovered once, however many threads poll meanwhile).  Recovery runs under the producer lock, by whichever thread
 * finds the error while polling: a producer waiting for space, a waiter, or
 * a caller of invt_vtd_qi_poll().
 */
#ifndef INVTRACK_VTD_QUEUE_H
#define INVTRACK_VTD_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/compat.h>
#include <invtrack/drv-common.h>
#include <invtrack/vtd-regs.h>

/* IQA_REG.QS: at most 7 (§11.4.9.3). */
#define INVT_VTD_QI_MAX_QS		7
/* Polls without progress before a wait or submit gives up (-ETIMEDOUT). */
#define INVT_VTD_QI_DEFAULT_SPINS	(1u << 24)
/* Waits remembered as covering a skipped descriptor, and as aborted. */
#define INVT_VTD_QI_LOG			64
/* Fresh waits a waiter submits after ITE aborts before giving up. */
#define INVT_VTD_QI_RESUBMITS		8
/*
 * IQEs recovered at one queue position before the unit counts as refusing
 * everything there (-EIO).  Recovery needs at most three at one position:
 * a refused wait, its plain rewrite, the no-op.
 */
#define INVT_VTD_QI_IQE_REPEATS		4

/**
 * typedef invt_vtd_qi_err_t - told about each queue error recovered.
 * @arg: the driver's cookie.
 * @fsts: INVT_VTD_FSTS_IQE, _ITE or _ICE.
 * @index: IQE: the logical index of the invalid descriptor; ITE: the
 *	logical IQH at the time (descriptors below it were fetched); ICE: 0.
 * @desc: IQE: the descriptor as the unit read it (before the rewrite);
 *	NULL otherwise.
 * @iqer: IQER_REG at the time (ITESID, IQEI).
 *
 * Called under the producer lock; it must not use the queue.
 */
typedef void (*invt_vtd_qi_err_t)(void *arg, uint32_t fsts, uint64_t index, const void *desc,
				  uint64_t iqer);

/**
 * struct invt_vtd_qi_stats - what happened on a queue; each field atomic.
 * @descs: descriptors written.
 * @waits: wait descriptors with SW = 1 written.
 * @full_waits: times a producer found the queue full.
 * @iqe: invalid descriptors recovered.
 * @ite: device-TLB invalidation time-outs recovered.
 * @ice: completion errors cleared.
 * @aborted: waits recorded as aborted.
 * @resubmits: fresh waits submitted by waiters of aborted ones.
 * @timeouts: submits or waits that gave up with -ETIMEDOUT.
 */
struct invt_vtd_qi_stats {
	uint64_t descs;
	uint64_t waits;
	uint64_t full_waits;
	uint64_t iqe;
	uint64_t ite;
	uint64_t ice;
	uint64_t aborted;
	uint64_t resubmits;
	uint64_t timeouts;
};

/**
 * struct invt_vtd_qi - the driver's side of one invalidation queue.
 * @regs: the unit's registers.
 * @base: queue memory (4 KiB << @qs bytes, 4 KiB aligned, owned here).
 * @status: one 32-bit status word per queue slot (owned here).
 * @base_pa: the queue's address as the unit sees it (IQA_REG).
 * @status_pa: the status words' address as the unit sees it.
 * @base_bytes: size of the queue memory.
 * @status_bytes: size of the status words' memory.
 * @mem: where the queue and status memory came from, or NULL (host heap:
 *	the unit sees host addresses).
 * @pend_idx: ring of the logical indices of the SW = 1 waits written and
 *	not yet retired, oldest first (under @lock).
 * @pend_abort: per queue slot: the wait there was aborted (under @lock).
 * @qs: IQA_REG.QS.
 * @dsz: descriptor bytes, 16 or 32 (IQA_REG.DW).
 * @log2n: log2 of the number of descriptors the queue holds.
 * @spin_limit: polls without progress before -ETIMEDOUT (read atomically).
 * @on_error: optional error report.
 * @err_arg: its argument.
 * @on_write: optional, called for each descriptor as it is copied into
 *	queue memory (after the status rewrite), with its logical index,
 *	under @lock: a trace in writing order.  It must not use the queue.
 * @write_arg: its argument.
 * @lock: the producer lock: slot reservation, descriptor stores, IQT
 *	publication, retirement of waits, error recovery, and every field
 *	marked "under @lock".  Never held while waiting for a completion.
 * @prod: logical count of descriptors written (under @lock).
 * @prod_pub: @prod as last published in IQT (atomic).
 * @head: logical IQH as last read, a lower bound (under @lock).
 * @pend_first: ring position of the oldest pending wait (under @lock).
 * @pend_last: ring position after the newest (under @lock).
 * @retired: every SW = 1 wait below this logical index is retired
 *	(release store under @lock, acquire loads by waiters).
 * @last_wait: token of the last SW = 1 wait written, 0 before any (under
 *	@lock).
 * @open_skip: an invalid descriptor was skipped and no SW = 1 wait after it
 *	was written yet: the next one covers it (under @lock).
 * @iqe_at: logical IQH of the last IQE recovered (under @lock).
 * @iqe_repeats: IQEs recovered in a row at @iqe_at (under @lock).
 * @skip_log: tokens of waits whose range held a skipped descriptor, ring.
 * @nr_skip: entries ever added to @skip_log.
 * @skip_max: largest token in @skip_log (release / acquire).
 * @abort_log: tokens of aborted waits, ring.
 * @nr_abort: entries ever added to @abort_log.
 * @abort_max: largest token in @abort_log (release / acquire).
 * @stats: counters.
 *
 * The logs are written under @lock and read under it.  A token is the
 * logical index of a SW = 1 wait plus one; token 0 names no wait.
 */
struct invt_vtd_qi {
	struct invt_vtd_regs *regs;
	uint8_t *base;
	uint32_t *status;
	uint64_t base_pa;
	uint64_t status_pa;
	size_t base_bytes;
	size_t status_bytes;
	const struct invt_dma_ops *mem;
	uint64_t *pend_idx;
	bool *pend_abort;
	unsigned int qs;
	unsigned int dsz;
	unsigned int log2n;
	uint32_t spin_limit;
	invt_vtd_qi_err_t on_error;
	void *err_arg;
	void (*on_write)(void *arg, uint64_t index, const void *slot);
	void *write_arg;

	invt_mutex_t lock;
	uint64_t prod;
	uint64_t prod_pub;
	uint64_t head;
	uint64_t pend_first;
	uint64_t pend_last;
	uint64_t retired;
	uint64_t last_wait;
	bool open_skip;
	uint64_t iqe_at;
	unsigned int iqe_repeats;
	uint64_t skip_log[INVT_VTD_QI_LOG];
	uint64_t nr_skip;
	uint64_t skip_max;
	uint64_t abort_log[INVT_VTD_QI_LOG];
	uint64_t nr_abort;
	uint64_t abort_max;

	struct invt_vtd_qi_stats stats;
};

/**
 * invt_vtd_qi_init() - allocate the queue and program IQA_REG.
 * @q: the queue.
 * @regs: the unit's registers: IQH == IQT, no IQE/ITE/ICE pending.
 * @qs: IQA_REG.QS, 0..INVT_VTD_QI_MAX_QS.
 * @wide: 256-bit descriptors (IQA_REG.DW = 1; required in scalable mode).
 * @mem: DMA memory for the queue and the wait status words, or NULL for
 *	the host heap (the unit then sees host addresses).
 *
 * Adopts the current IQT as the logical start (0 after reset).  Call
 * before the consumer runs.
 *
 * Return: 0, -EINVAL (bad size, registers not idle), -ENOMEM.
 */
int invt_vtd_qi_init(struct invt_vtd_qi *q, struct invt_vtd_regs *regs, unsigned int qs,
		     bool wide, const struct invt_dma_ops *mem);

/**
 * invt_vtd_qi_destroy() - clear IQA_REG and free the queue.
 * @q: the queue; the consumer must be stopped or idle.
 */
void invt_vtd_qi_destroy(struct invt_vtd_qi *q);

/**
 * invt_vtd_qi_desc_bytes() - the queue's descriptor size.
 * @q: the queue.
 *
 * Return: 16 or 32.
 */
static inline unsigned int invt_vtd_qi_desc_bytes(const struct invt_vtd_qi *q)
{
	return q->dsz;
}

/**
 * invt_vtd_qi_submit() - write descriptors and ring the doorbell.
 * @q: the queue.
 * @descs: @n descriptors of invt_vtd_qi_desc_bytes() each, little-endian
 *	(invt_vtd_desc_encode_le()).  SW = 1 waits get their status fields
 *	rewritten in the queue (not in @descs).
 * @n: how many; may exceed the queue (written as space frees).
 * @first: optional (NULL): receives the token of the first SW = 1 wait in
 *	@descs, 0 if there is none (for invt_vtd_qi_wait_span()).
 * @token: receives the token of the last SW = 1 wait in @descs or, if none,
 *	of the last one written before (0 if none ever was).
 *
 * Under the producer lock: waits for free entries (polling IQH and the
 * status of the oldest pending wait, recovering errors it finds), copies
 * what fits, publishes IQT with a release store and rings the doorbell;
 * repeats until everything is written.  Does not wait for completion.
 *
 * Return: 0; -EINVAL for @n == 0; -ETIMEDOUT when no entry freed up within
 * @q->spin_limit polls (a prefix was written; @token names its last wait);
 * -EIO when the queue is full behind a unit that keeps refusing a
 * descriptor (INVT_VTD_QI_IQE_REPEATS; likewise a prefix was written).
 */
int invt_vtd_qi_submit(struct invt_vtd_qi *q, const void *descs, uint32_t n, uint64_t *first,
		       uint64_t *token);

/**
 * invt_vtd_qi_wait() - wait until a wait descriptor completed.
 * @q: the queue.
 * @token: from invt_vtd_qi_submit().
 *
 * Polls the wait's status word (acquire), recovering errors on the way.
 * On return 0 every descriptor written before the wait has completed.
 *
 * Return: 0; -EIO when the wait completed but an invalid descriptor before
 * it (after the previous SW = 1 wait) was skipped, or when it was aborted
 * by a device-TLB invalidation time-out (then a fresh wait was submitted and
 * completed: everything before it has completed nonetheless, unless that
 * fails too: -ETIMEDOUT, or -EIO after INVT_VTD_QI_RESUBMITS aborts);
 * -EINVAL for a token never handed out; -ETIMEDOUT after @q->spin_limit
 * polls without completion; -EIO when the unit keeps refusing descriptors
 * at one position (INVT_VTD_QI_IQE_REPEATS).
 */
int invt_vtd_qi_wait(struct invt_vtd_qi *q, uint64_t token);

/**
 * invt_vtd_qi_wait_span() - wait for the last wait of a submission and
 *	report an error of any wait in it.
 * @q: the queue.
 * @first: the submission's first SW = 1 wait (from invt_vtd_qi_submit()).
 * @token: its last.
 *
 * A submission of several phases separated by FN waits is waited for once;
 * an invalid descriptor skipped in an early phase only marks that phase's
 * wait, which invt_vtd_qi_wait() on the last token does not look at.
 *
 * Return: as invt_vtd_qi_wait(), and -EIO when any wait in [@first,
 * @token] covered a skipped descriptor or was aborted.
 */
int invt_vtd_qi_wait_span(struct invt_vtd_qi *q, uint64_t first, uint64_t token);

/**
 * invt_vtd_qi_poll() - recover a pending queue error, if any.
 * @q: the queue.
 *
 * What the fault interrupt handler does; producers and waiters run the
 * same code while they poll.
 *
 * Return: the logical IQH known after the poll.
 */
uint64_t invt_vtd_qi_poll(struct invt_vtd_qi *q);

#endif /* INVTRACK_VTD_QUEUE_H */
