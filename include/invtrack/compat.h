/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/compat.h - the environment the core is built for.
 *
 * Everything the core needs from its environment comes through this header
 * and src/core/compat-user.h: locks, atomics, barriers, RCU and allocation.
 * This file holds what public structures embed (lock types) and the atomic
 * accessors shared by the core and the arch drivers.  A kernel build maps
 * each of them to its own primitive (see docs/core.md, "Porting"):
 *
 *	invt_mutex_t		struct mutex
 *	invt_rwlock_t		rwlock_t
 *
 * In userspace the lock types are storage for a pthread mutex and rwlock,
 * which only src/core/compat-user.h names (it checks that they fit): a
 * program including these headers does not get <pthread.h> from them.
 *	INVT_READ_ONCE		READ_ONCE
 *	INVT_WRITE_ONCE		WRITE_ONCE
 *	invt_smp_mb		smp_mb
 *	invt_load_acquire	smp_load_acquire
 *	invt_store_release	smp_store_release
 */
#ifndef INVTRACK_COMPAT_H
#define INVTRACK_COMPAT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the environment's lock; opaque outside the compat layer. */
#define INVT_LOCK_BYTES 64

typedef struct {
	union {
		unsigned char bytes[INVT_LOCK_BYTES];
		long long align_ll;
		void *align_p;
		double align_d;
	} u;
} invt_mutex_t;

typedef struct {
	union {
		unsigned char bytes[INVT_LOCK_BYTES];
		long long align_ll;
		void *align_p;
		double align_d;
	} u;
} invt_rwlock_t;

/*
 * Single-copy-atomic accesses with no ordering.  Used for every field that a
 * lock-free reader loads while a writer may store it (entry users, array
 * counts, queue indices read for progress only).
 */
#define INVT_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define INVT_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Acquire load / release store; each use names its pair where it is used. */
#define invt_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define invt_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#ifdef INVT_ABLATIONS
void invt_sb_drain(void);
#endif

/*
 * Full barrier: orders earlier loads and stores against later loads and
 * stores, store->load included (an mfence or locked instruction on x86).
 * Callers say which barrier theirs pairs with.  In ablation builds it also
 * empties the calling thread's emulated store buffer (see invt_sb_store()).
 */
static inline void invt_smp_mb(void)
{
#ifdef INVT_ABLATIONS
	invt_sb_drain();
#endif
#if defined(__SANITIZE_THREAD__)
	/*
	 * TSan does not model fences (-Wtsan); a seq-cst read-modify-write is
	 * the same full barrier on x86 (a locked instruction) and TSan-clean.
	 */
	int fence = 0;

	__atomic_fetch_add(&fence, 0, __ATOMIC_SEQ_CST);
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#define invt_container_of(ptr, type, member)                                   \
	((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* INVTRACK_COMPAT_H */
