/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-queue.h - the modelled RISC-V IOMMU's command-queue consumer
 * (hardware side; src/arch/riscv/hw-queue.c).
 *
 * It shares only the registers of <invtrack/riscv-regs.h> and queue memory
 * with the driver's producer, does its own index arithmetic and decodes with
 * the hardware-side decoder (hw.h).  Behaviour (RISC-V IOMMU 1.0 §3.1, §5):
 *  - the queue is on while cqcsr.cqen is set and cqb names it; cqon follows
 *    cqen; at each 0 -> 1 of cqen, cqh and the error bits are reset;
 *  - cqcsr_clear (the driver's write-1-to-clear mailbox) is applied to
 *    cmd_ill, cmd_to, cqmf and fence_w_ip when the consumer runs, and only
 *    then are the bits taken out of it (so a bit gone from the mailbox is
 *    gone from cqcsr too, unless raised again);
 *  - no wrap bit: empty when cqh == cqt; the driver keeps cqt != cqh - 1;
 *  - commands are fetched in order from cqh up to cqt and executed as
 *    fetched, but an IOFENCE.C completes (its earlier commands take effect,
 *    DATA is written, cqh passes it) only after the commands fetched after
 *    it, up to the next IOFENCE.C or the end of what is available, have
 *    executed: the spec does not hold later commands back (§3.1.2), and
 *    this is the most adversarial order it allows.  cqh never passes an
 *    incomplete fence;
 *  - an illegal command stops the queue: the open fence completes, cqh is
 *    left at the command, cmd_ill is set; the consumer fetches it again once
 *    the driver cleared cmd_ill;
 *  - an ATS.INVAL the executor reports as timed out is reported by the next
 *    IOFENCE.C: that fence does not complete, cqh stays at it, cmd_to is
 *    set and the queue stops; after cmd_to is cleared the fence is fetched
 *    again and completes (the timed-out invalidation is not re-sent;
 *    commands after it that executed early execute again: harmless);
 *  - queue memory that cannot be read sets cqmf and stops the queue.
 */
#ifndef INVTRACK_RISCV_HW_QUEUE_H
#define INVTRACK_RISCV_HW_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/faults.h>
#include <invtrack/riscv-regs.h>

#include "hw.h"

/* rv_hw_queue_ops.exec: the ATS.INVAL executed but timed out. */
#define RV_HW_QUEUE_TIMEOUT	1

/* Trace error codes (the cqcsr bit a command raised), 0 for none. */
#define RV_HW_QUEUE_ERR_ILL	INVT_RV_CQCSR_CMD_ILL
#define RV_HW_QUEUE_ERR_TO	INVT_RV_CQCSR_CMD_TO

/**
 * struct rv_hw_queue_ops - the executor and its environment.
 * @exec: run a command other than IOFENCE.C.  @seq: the number of fences
 *	fetched before it: the fence numbered @seq is the first that must see
 *	it complete.  Return: 0, or RV_HW_QUEUE_TIMEOUT (an ATS.INVAL whose
 *	device did not answer; it still took effect).
 * @fence: the IOFENCE.C numbered @seq completes: every command with a
 *	smaller or equal @seq must have taken effect (the model applies its
 *	IOTLB invalidations here).  Called before DATA is written; with
 *	@timed_out when the fence instead reports cmd_to (the commands before
 *	it complete all the same, the fence itself does not).
 * @trace: told about every command decoded, in fetch order: its words and
 *	0, RV_HW_QUEUE_ERR_ILL or RV_HW_QUEUE_ERR_TO.  May be NULL.
 * @va: host pointer of @len bytes of model memory at @pa, or NULL.
 * @ack_begin: called before a new ddtp takes effect, and @ack_end after
 *	busy clears.  The unit holds off translations in between, so none
 *	that read the old ddtp is still reading the directory when the
 *	driver sees busy clear and frees it.  Both or neither may be NULL.
 * @arg: argument of each.
 *
 * All run in the consumer's thread with its lock held; none may call the
 * driver's queue functions.
 */
struct rv_hw_queue_ops {
	int (*exec)(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq);
	void (*fence)(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq, bool timed_out);
	void (*trace)(void *arg, const uint64_t dw[2], unsigned int err);
	void *(*va)(void *arg, uint64_t pa, size_t len);
	void (*ack_begin)(void *arg);
	void (*ack_end)(void *arg);
	void *arg;
};

/**
 * enum rv_hw_queue_mode - how the consumer runs.
 * @RV_HW_QUEUE_INLINE: from the doorbell, in the thread that wrote cqt,
 *	cqcsr or cqcsr_clear (deterministic).
 * @RV_HW_QUEUE_THREADED: on its own thread, polling the registers.
 */
enum rv_hw_queue_mode {
	RV_HW_QUEUE_INLINE,
	RV_HW_QUEUE_THREADED,
};

/**
 * struct rv_hw_queue - the consumer.
 * @regs: the registers it shares with the driver.
 * @lim: what the decoder accepts (set before the first run; did_bits is
 *	refreshed from ddtp at each run).
 * @mode: an enum rv_hw_queue_mode.
 * @ops: the executor.
 * @cost_ns: modelled cost per command kind, ns; set before the first run.
 * @clock_ns: modelled time: the sum of the costs executed (atomic).
 * @lock: one consumer at a time; protects the fields below marked (lock).
 * @seq: fences fetched so far (lock).
 * @open: an IOFENCE.C was fetched and has not completed (lock).
 * @open_idx: its queue index (lock).
 * @open_cmd: it, decoded (lock).
 * @open_dw: its words (lock).
 * @to_pending: an ATS.INVAL timed out and no fence reported it yet (lock).
 * @to_seq: the @seq of the first such ATS.INVAL (lock).
 * @consumed: commands executed (fences when they complete; atomic).
 * @errors: cmd_ill, cmd_to and cqmf raised (atomic).
 * @stop: asks the thread to return (atomic).
 * @running: a consumer thread exists.
 * @live: the consumer consumes: on its thread, and in the threads polling
 *	its registers (the consume hook).  Set by start (release), read by
 *	the hook (acquire), cleared by stop (relaxed: @lock orders the
 *	queue's work itself).
 * @thread: the consumer thread.
 * @ack_lag: ticks (runs: doorbells, polls, thread rounds) a ddtp write or a
 *	cqen change stays busy before it takes effect.
 * @ddtp_seen: the ddtp value (busy masked) last seen (lock).
 * @ddtp_lag: ticks left before @ddtp_seen takes effect, -1 when it has
 *	(lock).
 * @ddtp: the ddtp in effect: what device-context fetches use (atomic).
 * @cqen_seen: cqcsr.cqen last seen (lock).
 * @cq_lag: ticks left before @cqen_seen takes effect (cqon follows), -1
 *	when it has (lock).
 * @handshake_errors: writes of ddtp or cqcsr.cqen while the register was
 *	busy with the previous one (atomic).
 * @faults: injected faults (rv_hw_queue_faults(); under @lock).
 * @ill_at: 1 + the index of the last injected cmd_ill (under @lock): the
 *	entry read again there is not refused again (the driver takes a
 *	second cmd_ill at one cqh for a command it cannot fix).
 */
struct rv_hw_queue {
	struct invt_riscv_regs *regs;
	struct rv_hw_limits lim;
	int mode;
	struct rv_hw_queue_ops ops;
	uint32_t cost_ns[RV_HW_NR_CMDS];
	uint64_t clock_ns;
	pthread_mutex_t lock;
	uint64_t seq;
	bool open;
	uint32_t open_idx;
	struct rv_hw_cmd open_cmd;
	uint64_t open_dw[2];
	bool to_pending;
	uint64_t to_seq;
	uint64_t consumed;
	uint64_t errors;
	int stop;
	bool running;
	int live;
	pthread_t thread;
	unsigned int ack_lag;
	uint64_t ddtp_seen;
	int ddtp_lag;
	uint64_t ddtp;
	bool cqen_seen;
	int cq_lag;
	uint64_t handshake_errors;
	struct invt_hw_faults faults;
	uint32_t ill_at;
};

/**
 * rv_hw_queue_faults() - inject faults into the commands consumed.
 * @hq: a consumer from rv_hw_queue_init(), not running yet.
 * @rate: chance per command, 0 (off) to 0.5 (<invtrack/model/faults.h>).
 * @seed: the injector's seed.
 *
 * ILL: cmd_ill with cqh at the command, unexecuted (§3.1, §5.9).
 * ATC_TIMEOUT (an ATS.INVAL): not executed (the device did not answer),
 * cmd_to at the next IOFENCE.C.  STALL (threaded mode, no fence open): the
 * consumer leaves the queue alone for a while.
 */
void rv_hw_queue_faults(struct rv_hw_queue *hq, double rate, uint64_t seed);

/**
 * rv_hw_queue_init() - set up a consumer on @regs.
 * @hq: the consumer.
 * @regs: the shared registers (@regs->capabilities already set).
 * @ops: the executor (copied).
 * @mode: INLINE installs the doorbell in @regs.
 *
 * Default costs (ns, assumptions: no published RISC-V figure exists; the
 * VT-d samples of docs/hardware.md §6 suggest 0.1-1 us per invalidation):
 * IOTINVAL.* 100, IOFENCE.C 1000, IODIR.* 50, ATS.INVAL 500, ATS.PRGR 50.
 *
 * Return: 0, or the error of pthread_mutex_init (negative).
 */
int rv_hw_queue_init(struct rv_hw_queue *hq, struct invt_riscv_regs *regs,
		     const struct rv_hw_queue_ops *ops, enum rv_hw_queue_mode mode);

/**
 * rv_hw_queue_set_lag() - let ddtp and cqcsr acknowledgements lag.
 * @hq: a consumer not running yet.
 * @ack_lag: see struct rv_hw_queue (0 after init: acted on at the first
 *	tick after the write).
 */
void rv_hw_queue_set_lag(struct rv_hw_queue *hq, unsigned int ack_lag);

/**
 * rv_hw_queue_ddtp() - the ddtp value the IOMMU acts on.
 * @hq: the consumer.
 *
 * Return: the last ddtp write whose busy period ended (0, Off, at reset).
 */
uint64_t rv_hw_queue_ddtp(struct rv_hw_queue *hq);

/**
 * rv_hw_queue_destroy() - stop the thread if any, remove the doorbell.
 * @hq: the consumer.
 */
void rv_hw_queue_destroy(struct rv_hw_queue *hq);

/**
 * rv_hw_queue_run() - consume everything available (see the header comment).
 * @hq: the consumer.
 *
 * Return: commands executed.
 */
unsigned int rv_hw_queue_run(struct rv_hw_queue *hq);

/**
 * rv_hw_queue_start() - start the consumer thread (THREADED mode).
 * @hq: the consumer.
 *
 * Return: 0, -EINVAL (inline mode, already running), or pthread's error.
 */
int rv_hw_queue_start(struct rv_hw_queue *hq);

/**
 * rv_hw_queue_stop() - stop and join the consumer thread, if running.
 * @hq: the consumer.
 */
void rv_hw_queue_stop(struct rv_hw_queue *hq);

/**
 * rv_hw_queue_clock() - modelled time executed so far.
 * @hq: the consumer.
 *
 * Return: ns.
 */
uint64_t rv_hw_queue_clock(const struct rv_hw_queue *hq);

#endif /* INVTRACK_RISCV_HW_QUEUE_H */
