/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-queue.h - the modelled VT-d unit's invalidation queue consumer
 * (hardware side; src/arch/vtd/hw-queue.c).  Private to the model.
 *
 * It shares with the driver only the registers of <invtrack/vtd-regs.h> and
 * queue memory (model memory, reached by physical address), does its own
 * index arithmetic, and decodes with the hardware-side decoder (hw.h).
 */
#ifndef INVTRACK_VTD_HW_QUEUE_H
#define INVTRACK_VTD_HW_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <invtrack/compat.h>
#include <invtrack/model/faults.h>
#include <invtrack/model/mem.h>
#include <invtrack/vtd-regs.h>

#include "hw.h"

/**
 * enum vtd_hw_event - why the executor is called.
 * @VTD_HW_EV_EXEC: execute @d; for a wait descriptor: it completes now
 *	(everything before it executed), before its status write.
 * @VTD_HW_EV_ABORTED: the wait descriptor @d is aborted by a device-TLB
 *	invalidation timeout: it does not complete, nothing is written.
 * @VTD_HW_EV_INVALID: the descriptor was rejected (@d is NULL): the queue
 *	stops on it with FSTS.IQE.
 */
enum vtd_hw_event {
	VTD_HW_EV_EXEC,
	VTD_HW_EV_ABORTED,
	VTD_HW_EV_INVALID,
};

/* FN = 0 waits the consumer keeps uncompleted at most (then completes them). */
#define VTD_HW_MAX_DEFERRED	16

/* Executor return values. */
#define VTD_HW_EXEC_OK		0
#define VTD_HW_EXEC_TIMEOUT	1	/* a device-TLB invalidation timed out */

/**
 * struct vtd_hw_queue_exec - what the consumer does with each descriptor.
 * @exec: called for every descriptor fetched, in queue order, from the
 *	consumer's thread with the consumer's lock held; @qw are its
 *	quadwords (qw[2], qw[3] zero with 128-bit descriptors), @iqei the
 *	decoder's code for VTD_HW_EV_INVALID (else 0).  Return VTD_HW_EXEC_OK,
 *	or for a device-TLB descriptor VTD_HW_EXEC_TIMEOUT when the device did
 *	not answer (the invalidation counts as executed).  May be NULL.
 * @ack_begin: called, with the consumer's lock held, before a global
 *	command takes effect (a new root table pointer, TES or QIES changes
 *	in GSTS), and @ack_end after.  The unit holds off translations in
 *	between, so none that read the old root or TES = 1 is still reading
 *	the tables when the driver sees the status and frees them.  Both or
 *	neither may be NULL.
 * @arg: argument of each.
 */
struct vtd_hw_queue_exec {
	int (*exec)(void *arg, const struct vtd_hw_desc *d, const uint64_t qw[4],
		    enum vtd_hw_event ev, unsigned int iqei);
	void (*ack_begin)(void *arg);
	void (*ack_end)(void *arg);
	void *arg;
};

/**
 * enum vtd_hw_queue_mode - how the consumer runs.
 * @VTD_HW_QUEUE_INLINE: from the doorbell, in the thread that wrote IQT or
 *	the FSTS clear mailbox (deterministic).
 * @VTD_HW_QUEUE_THREADED: on its own thread, polling; see
 *	vtd_hw_queue_start().
 */
enum vtd_hw_queue_mode {
	VTD_HW_QUEUE_INLINE,
	VTD_HW_QUEUE_THREADED,
};

/**
 * struct vtd_hw_queue - the modelled unit's invalidation queue consumer.
 * @regs: the registers it shares with the driver.
 * @mem: model memory (queue memory and status words).
 * @caps: the decoder's view of the unit.
 * @mode: an enum vtd_hw_queue_mode.
 * @exec: the executor.
 * @cost_ns: modelled cost of each op index in ns; set before the consumer
 *	first runs.
 * @clock_ns: modelled time: the sum of the costs of the descriptors
 *	executed (atomic).
 * @lock: one consumer at a time; protects @abort_left, @ite_pending, @ite_sid.
 * @abort_left: descriptors still to consume in "abort mode" after a
 *	device-TLB timeout: wait descriptors among them are aborted.
 * @ite_pending: a device-TLB timeout whose ITE is raised once abort mode
 *	is over (lock; see hw-queue.c).
 * @ite_sid: its device, for IQER.ITESID (lock).
 * @global_cmd: the unit implements GCMD/GSTS: the queue is fetched only
 *	while GSTS.QIES is set (set before the consumer first runs).
 * @gsts_lag: runs of the consumer between taking a GCMD write and
 *	reporting it in GSTS (set before the consumer first runs).
 * @gcmd: the GCMD value taken and not yet reported (lock).
 * @gcmd_left: runs still to go before @gcmd is reported, or -1 (lock).
 * @root: RTADDR as latched by the last completed SRTP (atomic; the model's
 *	translations read it).
 * @deferred: wait descriptors with FN = 0 fetched and not yet completed,
 *	in queue order (lock); see hw-queue.c.
 * @deferred_qw: their quadwords.
 * @nr_deferred: entries of @deferred used (lock).
 * @consumed: descriptors consumed (IQH moved past them), atomic.
 * @errors: IQE, ITE and (injected) ICE raised, atomic.
 * @faults: injected faults (vtd_hw_queue_faults(); under @lock).
 * @iqe_at: 1 + the offset of the last injected IQE (under @lock): the
 *	descriptor read again there is not refused again (the driver gives up
 *	on a position that keeps failing).
 * @stop: asks the consumer thread to return (atomic).
 * @running: a consumer thread exists.
 * @live: the consumer consumes: on its thread, and in the threads polling
 *	its registers (the consume hook).  Set by start (release), read by
 *	the hook (acquire), cleared by stop (relaxed: @lock orders the
 *	queue's work itself).
 * @thread: the consumer thread.
 */
struct vtd_hw_queue {
	struct invt_vtd_regs *regs;
	struct invt_mem *mem;
	struct vtd_hw_caps caps;
	int mode;
	struct vtd_hw_queue_exec exec;
	uint32_t cost_ns[VTD_HW_NR_OPS];
	uint64_t clock_ns;
	invt_mutex_t lock;
	uint32_t abort_left;
	bool ite_pending;
	uint16_t ite_sid;
	bool global_cmd;
	unsigned int gsts_lag;
	uint32_t gcmd;
	int gcmd_left;
	uint64_t root;
	struct vtd_hw_desc deferred[VTD_HW_MAX_DEFERRED];
	uint64_t deferred_qw[VTD_HW_MAX_DEFERRED][4];
	unsigned int nr_deferred;
	uint64_t consumed;
	uint64_t errors;
	struct invt_hw_faults faults;
	uint64_t iqe_at;
	int stop;
	bool running;
	int live;
	pthread_t thread;
};

/**
 * vtd_hw_queue_faults() - inject faults into the descriptors consumed.
 * @hq: a consumer from vtd_hw_queue_init(), not running yet.
 * @rate: chance per descriptor, 0 (off) to 0.5 (<invtrack/model/faults.h>).
 * @seed: the injector's seed.
 *
 * ILL: IQE (IQEI 3, as an invalid descriptor) with IQH at it, unexecuted.
 * ATC_TIMEOUT (a device-TLB invalidation): not executed, ITE as for a
 * device that did not answer (§6.5.2.10).  ICE (a device-TLB
 * invalidation, while FSTS.ICE is clear): executed, then FSTS.ICE as for a
 * stray completion.
 * STALL (threaded mode): the consumer leaves the queue alone for a while.
 */
void vtd_hw_queue_faults(struct vtd_hw_queue *hq, double rate, uint64_t seed);

/**
 * vtd_hw_queue_init() - set up a consumer on @regs.
 * @hq: the consumer.
 * @regs: the shared registers.
 * @mem: model memory.
 * @caps: the decoder's view of the unit (copied).
 * @exec: the executor (copied), or NULL.
 * @mode: an enum vtd_hw_queue_mode; INLINE installs the doorbell in @regs.
 *
 * Loads the default cost table (see hw-queue.c).  The consumer reads IQA
 * each time it runs, so the driver may program it later.
 */
void vtd_hw_queue_init(struct vtd_hw_queue *hq, struct invt_vtd_regs *regs, struct invt_mem *mem,
		       const struct vtd_hw_caps *caps, const struct vtd_hw_queue_exec *exec,
		       enum vtd_hw_queue_mode mode);

/**
 * vtd_hw_queue_destroy() - stop the thread if any; remove the doorbell.
 * @hq: the consumer.
 */
void vtd_hw_queue_destroy(struct vtd_hw_queue *hq);

/**
 * vtd_hw_queue_run() - consume everything available.
 * @hq: the consumer.
 *
 * Applies the FSTS clear mailbox; then, unless FSTS.IQE or FSTS.ITE is set,
 * reads IQA and IQT (acquire) and fetches, decodes and executes each
 * descriptor from IQH up to IQT in order, advancing IQH (release) after
 * each.  Repeats until IQT does not move.
 *
 * Return: descriptors consumed.
 */
unsigned int vtd_hw_queue_run(struct vtd_hw_queue *hq);

/**
 * vtd_hw_queue_start() - start the consumer thread (THREADED mode).
 * @hq: the consumer.
 *
 * Return: 0, -EINVAL (inline mode, already running), or pthread's error.
 */
int vtd_hw_queue_start(struct vtd_hw_queue *hq);

/**
 * vtd_hw_queue_stop() - stop and join the consumer thread, if running.
 * @hq: the consumer.
 */
void vtd_hw_queue_stop(struct vtd_hw_queue *hq);

/**
 * vtd_hw_queue_clock() - the queue's modelled time.
 * @hq: the consumer.
 *
 * Return: ns of modelled work executed so far.
 */
uint64_t vtd_hw_queue_clock(const struct vtd_hw_queue *hq);

#endif /* INVTRACK_VTD_HW_QUEUE_H */
