/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-queue.h - ARM SMMUv3, hardware side: the model's Command queue consumer
 * (hw-queue.c), part 3 of the queue described in <invtrack/smmuv3-queue.h>.
 * It reads the registers and queue memory the driver's producer writes,
 * decodes each command with the hardware-side decoder (hw.h) and hands it to
 * an executor (the model's caches), inline from the doorbell or on its own
 * thread.  libinvtrack-model only: a driver never sees it.
 */
#ifndef INVTRACK_SMMUV3_HW_QUEUE_H
#define INVTRACK_SMMUV3_HW_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/compat.h>
#include <invtrack/model/faults.h>
#include <invtrack/smmuv3-queue.h>

#include "hw.h"

struct smmu_hw_cmd;	/* src/arch/smmuv3/hw.h */

/**
 * struct smmu_hw_queue_exec - what the consumer does with each command.
 * @exec: called for every command decoded, in queue order, from the
 *	consumer's thread with the consumer's lock held.  @cmd is the decoded
 *	command, @slot its 16 bytes in queue memory (valid during the call).
 *	For anything but CMD_SYNC return INVT_SMMU_CERROR_NONE when the
 *	command took effect, _ILL to reject it (the queue stops on it),
 *	_ATC_INV_SYNC when an ATC_INV timed out (reported on the next
 *	CMD_SYNC; the command counts as done), or _ABT (the queue stops on it
 *	and fetches it again once acknowledged).  For CMD_SYNC it is called
 *	when the sync completes; its return value is ignored.  May be NULL.
 * @msi: CMD_SYNC with CS = IRQ: write @data to @addr.  The model makes the
 *	32-bit write with a release store (pairs with the driver's acquire
 *	load of the completion word).  May be NULL: no write.
 * @ack_begin: called, with the consumer's lock held, before CR0ACK takes
 *	a new value, and @ack_end after.  The unit holds off translations in
 *	between, so none that checked SMMUEN before a disable is still
 *	reading the stream table when the driver sees the acknowledgement
 *	(hardware completes the structure reads of translations in flight
 *	before it acknowledges, and the driver frees the table after).  Both
 *	or neither may be NULL.
 * @arg: argument of each.
 *
 * None may use the driver's queue functions.
 */
struct smmu_hw_queue_exec {
	int (*exec)(void *arg, const struct smmu_hw_cmd *cmd, const void *slot);
	void (*msi)(void *arg, uint64_t addr, uint32_t data);
	void (*ack_begin)(void *arg);
	void (*ack_end)(void *arg);
	void *arg;
};

/* Opcodes, hence entries of the cost table. */
#define SMMU_HW_QUEUE_NR_OPS	256

/**
 * enum smmu_hw_queue_mode - how the consumer runs.
 * @SMMU_HW_QUEUE_INLINE: from the doorbell, in the thread that wrote PROD or
 *	GERRORN (deterministic).
 * @SMMU_HW_QUEUE_THREADED: on its own thread, polling PROD; see
 *	smmu_hw_queue_start().
 */
enum smmu_hw_queue_mode {
	SMMU_HW_QUEUE_INLINE,
	SMMU_HW_QUEUE_THREADED,
};

/**
 * struct smmu_hw_queue - the modelled SMMU's Command queue consumer.
 * @regs: the registers it shares with the driver.
 * @feat: SMMU_HW_FEAT_* of the modelled SMMU, for the decoder.
 * @mode: an enum smmu_hw_queue_mode.
 * @exec: the executor.
 * @cost_ns: modelled cost of each opcode in ns; set before the consumer
 *	first runs.
 * @clock_ns: modelled time: the sum of the costs of the commands executed
 *	(atomic; see smmu_hw_queue_clock()).
 * @lock: one consumer at a time.
 * @atc_timeout: an ATC_INV timed out since the last CMD_SYNC (under @lock).
 * @consumed: commands consumed (atomic).
 * @errors: command errors raised (atomic).
 * @stop: asks the consumer thread to return (atomic).
 * @running: a consumer thread exists.
 * @live: the consumer consumes: on its thread, and in the threads polling
 *	its registers (the consume hook).  Set by start (release), read by
 *	the hook (acquire), cleared by stop (relaxed: @lock orders the
 *	queue's work itself).
 * @thread: the consumer thread (a pthread_t, allocated while @running: the
 *	public headers do not include <pthread.h>).
 * @ctrl: SMMU_CR0 / CR0ACK / GBPA are modelled (smmu_hw_queue_ctrl_init()):
 *	commands are consumed only while CR0ACK.CMDQEN is 1, from the
 *	SMMU_CMDQ_BASE latched when CMDQEN was acknowledged.  Without it (tests
 *	of the queue alone) the queue is always on and reads SMMU_CMDQ_BASE
 *	each time it runs.
 * @ack_lag: ticks a CR0 or GBPA change waits before it is acknowledged.
 * @cr0_seen: the CR0 value last seen (under @lock).
 * @cr0_lag: ticks left before @cr0_seen is acknowledged, or -1 when
 *	CR0ACK already matches it (under @lock).
 * @gbpa_lag: the same for a GBPA update (under @lock).
 * @bad_cmdq_base: the last forbidden SMMU_CMDQ_BASE value counted (under
 *	@lock).
 * @bad_strtab: the last forbidden SMMU_STRTAB_BASE value counted (under
 *	@lock).
 * @cmdq_base: SMMU_CMDQ_BASE latched at CMDQEN's acknowledgement (atomic;
 *	release before CR0ACK).
 * @strtab_base: SMMU_STRTAB_BASE latched at SMMUEN's acknowledgement
 *	(likewise).
 * @strtab_cfg: SMMU_STRTAB_BASE_CFG latched with it.
 * @gbpa_abort: GBPA.ABORT in effect (atomic).
 * @faults: injected faults (smmu_hw_queue_faults(); under @lock).
 * @handshake_errors: register writes the spec forbids that the SMMU saw:
 *	CR0 changed before CR0ACK matched the previous change, SMMU_CMDQ_BASE
 *	changed while CMDQEN was set, SMMU_STRTAB_BASE(_CFG) changed while
 *	SMMUEN was set (atomic).
 */
struct smmu_hw_queue {
	struct invt_smmu_regs *regs;
	unsigned int feat;
	int mode;
	struct smmu_hw_queue_exec exec;
	uint32_t cost_ns[SMMU_HW_QUEUE_NR_OPS];
	uint64_t clock_ns;
	invt_mutex_t lock;
	bool atc_timeout;
	uint64_t consumed;
	uint64_t errors;
	int stop;
	bool running;
	int live;
	void *thread;
	bool ctrl;
	unsigned int ack_lag;
	uint32_t cr0_seen;
	int cr0_lag;
	int gbpa_lag;
	uint64_t bad_cmdq_base;
	uint64_t bad_strtab;
	uint64_t cmdq_base;
	uint64_t strtab_base;
	uint32_t strtab_cfg;
	int gbpa_abort;
	struct invt_hw_faults faults;
	uint64_t handshake_errors;
};

/**
 * smmu_hw_queue_faults() - inject faults into the commands consumed.
 * @hq: a consumer from smmu_hw_queue_init(), not running yet.
 * @rate: chance per command, 0 (off) to 0.5 (<invtrack/model/faults.h>).
 * @seed: the injector's seed.
 *
 * ILL: the command stops the queue with CERROR_ILL, unexecuted.
 * ATC_TIMEOUT (an ATC_INV): not executed, and the next CMD_SYNC stops the
 * queue with CERROR_ATC_INV_SYNC (IHI0070 §4.7.3).  STALL (threaded mode):
 * the consumer leaves the queue alone for a while.
 */
void smmu_hw_queue_faults(struct smmu_hw_queue *hq, double rate, uint64_t seed);

/**
 * smmu_hw_queue_init() - set up a consumer on @regs.
 * @hq: the consumer.
 * @regs: the shared registers.
 * @feat: SMMU_HW_FEAT_* for the decoder.
 * @exec: the executor (copied).
 * @mode: an enum smmu_hw_queue_mode; INLINE installs the doorbell in @regs.
 *
 * Loads the default cost table: CFGI_* 50 ns, TLBI_* 100 ns, ATC_INV 500 ns,
 * PRI_RESP and RESUME 50 ns, CMD_SYNC 1000 ns.  The consumer reads
 * SMMU_CMDQ_BASE each time it runs, so the driver may program it later.
 */
void smmu_hw_queue_init(struct smmu_hw_queue *hq, struct invt_smmu_regs *regs, unsigned int feat,
			const struct smmu_hw_queue_exec *exec, enum smmu_hw_queue_mode mode);

/**
 * smmu_hw_queue_ctrl_init() - model SMMU_CR0 / CR0ACK and SMMU_GBPA too.
 * @hq: a consumer from smmu_hw_queue_init(), not running yet.
 * @ack_lag: a CR0 change (or a GBPA update) is acknowledged at the
 *	(@ack_lag + 1)-th tick after the SMMU first saw it.
 *
 * A tick is a doorbell, a call of the registers' poll hook (installed here,
 * in both modes) or a round of the consumer thread.  Acknowledging CMDQEN
 * latches SMMU_CMDQ_BASE; acknowledging SMMUEN latches SMMU_STRTAB_BASE and
 * _CFG.  GBPA starts with ABORT clear (the reset value is IMPLEMENTATION
 * DEFINED: the permissive one).
 */
void smmu_hw_queue_ctrl_init(struct smmu_hw_queue *hq, unsigned int ack_lag);

/**
 * smmu_hw_queue_tick() - let CR0 and GBPA changes progress.
 * @hq: the consumer.
 */
void smmu_hw_queue_tick(struct smmu_hw_queue *hq);

/**
 * smmu_hw_queue_translating() - whether the SMMU translates (CR0ACK.SMMUEN).
 * @hq: the consumer, with @hq->ctrl.
 * @strtab_base: receives the latched SMMU_STRTAB_BASE when it does.
 * @strtab_cfg: receives the latched SMMU_STRTAB_BASE_CFG when it does.
 *
 * Return: true when it does; false when transactions follow GBPA.
 */
bool smmu_hw_queue_translating(struct smmu_hw_queue *hq, uint64_t *strtab_base,
			       uint32_t *strtab_cfg);

/**
 * smmu_hw_queue_destroy() - stop the thread if any; remove the doorbell.
 * @hq: the consumer.
 */
void smmu_hw_queue_destroy(struct smmu_hw_queue *hq);

/**
 * smmu_hw_queue_run() - consume everything available.
 * @hq: the consumer.
 *
 * Unless a command error is active: reads PROD (acquire), then decodes and
 * executes each command up to it, advancing CONS (release) after each.  A
 * CMD_SYNC is consumed only after everything before it executed (in order,
 * synchronously).  Stops at a command error: CONS.RD at the command, ERR
 * set, GERROR.CMDQ_ERR toggled.  Repeats until PROD does not move.
 *
 * Return: commands consumed.
 */
unsigned int smmu_hw_queue_run(struct smmu_hw_queue *hq);

/**
 * smmu_hw_queue_start() - start the consumer thread (THREADED mode).
 * @hq: the consumer.
 *
 * Return: 0, -EINVAL (inline mode, already running), or pthread's error.
 */
int smmu_hw_queue_start(struct smmu_hw_queue *hq);

/**
 * smmu_hw_queue_stop() - stop and join the consumer thread, if running.
 * @hq: the consumer.
 */
void smmu_hw_queue_stop(struct smmu_hw_queue *hq);

/**
 * smmu_hw_queue_clock() - the queue's modelled time.
 * @hq: the consumer.
 *
 * Return: ns of modelled work executed so far.
 */
uint64_t smmu_hw_queue_clock(const struct smmu_hw_queue *hq);

#endif /* INVTRACK_SMMUV3_HW_QUEUE_H */
