/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/faults.h - hardware faults a modelled unit injects into its
 * own command queue, seeded (userspace model).
 *
 * A unit's queue consumer draws once per command it is about to execute:
 * with probability @rate it fails that command instead, with a kind the
 * command allows (an ATC timeout needs an ATC invalidation), chosen from
 * the same draw.  Each architecture's consumer (src/arch/<arch>/hw-queue.c)
 * maps the kinds to its own errors:
 *
 *	kind		SMMUv3			VT-d		RISC-V
 *	ILL		CERROR_ILL		IQE		cqcsr.cmd_ill
 *	ATC_TIMEOUT	CERROR_ATC_INV_SYNC	ITE		cqcsr.cmd_to
 *	ICE		-			ICE		-
 *	STALL		the queue stops consuming for a while (threaded mode)
 *
 * An ILL command is not executed (the unit stops on it, as on a command
 * corrupted on its way); a timed-out ATC invalidation is not executed
 * either (the device did not answer: what its ATC holds is unknown, the
 * strictest case); an ICE leaves the invalidation done (a stray
 * completion); a stall loses nothing.  The drivers must recover so that
 * nothing but the faulted command is lost and that one is sent again.
 *
 * The state belongs to one consumer and is used under its lock; the counts
 * are read with relaxed atomic loads by statistics.
 */
#ifndef INVTRACK_MODEL_FAULTS_H
#define INVTRACK_MODEL_FAULTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/**
 * enum invt_hw_fault - the kinds of injected faults.
 * @INVT_HW_FAULT_ILL: the command is refused as illegal.
 * @INVT_HW_FAULT_ATC_TIMEOUT: an ATC invalidation times out.
 * @INVT_HW_FAULT_ICE: VT-d: an invalidation completion error.
 * @INVT_HW_FAULT_STALL: the queue stops consuming for a while.
 * @INVT_HW_FAULT_NR: number of kinds.
 */
enum invt_hw_fault {
	INVT_HW_FAULT_ILL,
	INVT_HW_FAULT_ATC_TIMEOUT,
	INVT_HW_FAULT_ICE,
	INVT_HW_FAULT_STALL,
	INVT_HW_FAULT_NR,
};

/*
 * How long a stall lasts, in ns of the host's monotonic clock (threaded mode
 * only): the queue consumes nothing until its first run after that.  A
 * duration, not a number of consumer runs: the consumer thread gives the CPU
 * away between idle runs, and on a loaded machine each of those costs a
 * scheduler round, so a stall of 64 runs lasted tens of ms there and a run
 * at --faults 0.3 spent most of its time stalled (about 36 times fewer
 * commands than without faults; 2.2 times fewer with stalls of 1 run).
 * 20 us is what 64 runs take on an idle machine: the waiters and producers
 * still find the queue stopped for much longer than a command takes.
 */
#define INVT_HW_FAULT_STALL_NS		20000

/**
 * struct invt_hw_faults - one queue's injector.
 * @threshold: a draw below it injects (rate * 2^64); 0: never.
 * @rng: the generator (splitmix64), seeded per unit.
 * @stall_end: while a stall lasts, when it ends (CLOCK_MONOTONIC ns); else 0.
 * @injected: faults injected, per kind (atomic).
 * @stalls_ended: stalls over: the queue consumes again (atomic).
 */
struct invt_hw_faults {
	uint64_t threshold;
	uint64_t rng;
	uint64_t stall_end;
	uint64_t injected[INVT_HW_FAULT_NR];
	uint64_t stalls_ended;
};

/**
 * invt_hw_faults_init() - arm (or disarm) an injector.
 * @f: the injector.
 * @rate: chance per command, 0 (off) to 0.5.
 * @seed: its seed.
 */
static inline void invt_hw_faults_init(struct invt_hw_faults *f, double rate, uint64_t seed)
{
	*f = (struct invt_hw_faults){ .rng = seed ^ UINT64_C(0xfa017ed) };
	if (rate > 0)
		f->threshold = (uint64_t)(rate * 18446744073709551616.0);
}

static inline uint64_t invt_hw_faults_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t invt_hw_faults_rand(struct invt_hw_faults *f)
{
	uint64_t z = (f->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/**
 * invt_hw_faults_draw() - the fault to inject into the next command.
 * @f: the injector.
 * @allowed: the kinds this command and unit allow (bit per kind).
 *
 * Counts the fault as injected; a STALL also starts the stall.
 *
 * Return: the kind, or -1 for none.
 */
static inline int invt_hw_faults_draw(struct invt_hw_faults *f, unsigned int allowed)
{
	unsigned int k, n = 0, pick;
	uint64_t r;

	if (!f->threshold || !allowed)
		return -1;
	r = invt_hw_faults_rand(f);
	if (r >= f->threshold)
		return -1;
	for (k = 0; k < INVT_HW_FAULT_NR; k++)
		n += (allowed >> k) & 1;
	pick = (unsigned int)(invt_hw_faults_rand(f) % n);
	for (k = 0; k < INVT_HW_FAULT_NR; k++)
		if (((allowed >> k) & 1) && !pick--)
			break;
	if (k == INVT_HW_FAULT_STALL)
		f->stall_end = invt_hw_faults_now_ns() + INVT_HW_FAULT_STALL_NS;
	/* Relaxed: statistics. */
	__atomic_fetch_add(&f->injected[k], 1, __ATOMIC_RELAXED);
	return (int)k;
}

/**
 * invt_hw_faults_undo() - take back a fault just drawn that the unit could
 *	not raise (the queue stopped before the command for another reason,
 *	and the command is read again later): it is not counted as injected.
 * @f: the injector.
 * @kind: what invt_hw_faults_draw() returned (not a STALL).
 */
static inline void invt_hw_faults_undo(struct invt_hw_faults *f, int kind)
{
	if (kind >= 0 && kind < INVT_HW_FAULT_STALL)
		/* Relaxed: statistics. */
		__atomic_fetch_sub(&f->injected[kind], 1, __ATOMIC_RELAXED);
}

/**
 * invt_hw_faults_stalled() - whether the queue stalls in this consumer run.
 * @f: the injector.
 *
 * Return: true while a stall lasts (INVT_HW_FAULT_STALL_NS from its draw);
 * the first run after it counts it as ended and consumes again.
 */
static inline bool invt_hw_faults_stalled(struct invt_hw_faults *f)
{
	if (!f->stall_end)
		return false;
	if (invt_hw_faults_now_ns() < f->stall_end)
		return true;
	f->stall_end = 0;
	/* Relaxed: statistics. */
	__atomic_fetch_add(&f->stalls_ended, 1, __ATOMIC_RELAXED);
	return false;
}

/**
 * invt_hw_faults_read() - the counts, for statistics.
 * @f: the injector.
 * @out: receives the faults injected per kind.
 *
 * Return: the stalls that ended.
 */
static inline uint64_t invt_hw_faults_read(const struct invt_hw_faults *f,
					   uint64_t out[INVT_HW_FAULT_NR])
{
	unsigned int k;

	for (k = 0; k < INVT_HW_FAULT_NR; k++)
		out[k] = __atomic_load_n(&f->injected[k], __ATOMIC_RELAXED);
	return __atomic_load_n(&f->stalls_ended, __ATOMIC_RELAXED);
}

#endif /* INVTRACK_MODEL_FAULTS_H */
