/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/ylock.h - a lock that spins, then yields (userspace model).
 *
 * The model's hottest locks (a unit's IOTLB, a device's ATC) are held for a
 * few hundred nanoseconds by a DMA engine translating or by a thread
 * executing an invalidation command.  A pthread mutex that finds one taken
 * sleeps in the kernel, and its owner's unlock then makes a futex call to
 * wake it, which sends the sleeper's CPU an interrupt: on a 2-core machine
 * with more runnable threads than cores, futex waits, wakes and the context
 * switches they caused took about a quarter of a threaded run.  This lock
 * never sleeps and its unlock is one store: a waiter spins a while (the
 * owner is likely running on the other core), then yields the CPU (the owner
 * may be preempted, waiting to run on this one).
 *
 * What each lock protects is documented where it is declared.  No fairness:
 * the model's threads take these in short bursts.
 */
#ifndef INVTRACK_MODEL_YLOCK_H
#define INVTRACK_MODEL_YLOCK_H

#include <sched.h>
#include <stdbool.h>

#include <invtrack/compat.h>

/* Spins (each a pause) before a waiter yields the CPU. */
#define INVT_YLOCK_SPINS	128

/**
 * struct invt_ylock - a spin-then-yield lock; zeroed memory is an unlocked
 *	one (no init, no destroy).
 * @locked: 1 while held.
 */
struct invt_ylock {
	int locked;
};

/**
 * invt_ylock_trylock() - take @l if it is free.
 * Return: true when taken.  Acquire on success: pairs with the release in
 * invt_ylock_unlock() by the previous owner, so nothing the owner did under
 * the lock is missed by this one (no read of a half-done update).
 */
static inline bool invt_ylock_trylock(struct invt_ylock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

/* The slow path: wait reading (no writes to the line) until free, then retry. */
static __attribute__((noinline, cold, unused)) void invt_ylock_wait(struct invt_ylock *l)
{
	unsigned int spins = 0;

	do {
		/* Relaxed: only a hint; the exchange in the caller orders. */
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (++spins < INVT_YLOCK_SPINS) {
				invt_cpu_relax();
			} else {
				spins = 0;
				sched_yield();
			}
		}
	} while (!invt_ylock_trylock(l));
}

/**
 * invt_ylock_lock() - take @l, spinning then yielding while it is held.
 * Acquire ordering (see invt_ylock_trylock()).
 */
static inline void invt_ylock_lock(struct invt_ylock *l)
{
	if (__builtin_expect(!invt_ylock_trylock(l), 0))
		invt_ylock_wait(l);
}

/**
 * invt_ylock_unlock() - release @l.
 * Release ordering: pairs with the acquire of the next owner's exchange, so
 * every write made under the lock is visible to it (a lookup never sees an
 * entry half-filled or half-invalidated).
 */
static inline void invt_ylock_unlock(struct invt_ylock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif /* INVTRACK_MODEL_YLOCK_H */
