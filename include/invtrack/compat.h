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
 *	invt_spinlock_t		spinlock_t
 *	INVT_READ_ONCE		READ_ONCE
 *	INVT_WRITE_ONCE		WRITE_ONCE
 *	invt_smp_mb		smp_mb
 *	invt_smp_rmb		smp_rmb
 *	invt_load_acquire	smp_load_acquire
 *	invt_store_release	smp_store_release
 *	invt_popcountl		hweight_long
 *	invt_cpu_relax		cpu_relax
 *
 * In userspace the lock types are storage for a pthread mutex and rwlock
 * (the spinlock is a mutex), which only src/core/compat-user.h names (it
 * checks that they fit): a program including these headers does not get
 * <pthread.h> from them.
 *
 * The kernel side is the first half of this file (__KERNEL__); the core's
 * RCU, allocation and lock operations are in kernel/compat-kernel.h.
 */
#ifndef INVTRACK_COMPAT_H
#define INVTRACK_COMPAT_H

#ifdef __KERNEL__

#ifdef INVT_ABLATIONS
#error "ablation builds are userspace-only"
#endif

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/processor.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <asm/barrier.h>

/* Process context only: the domain, context, tag-space and device locks. */
typedef struct mutex invt_mutex_t;
/* Never held across sleeping; taken inside rcu_read_lock() (atc_lock). */
typedef rwlock_t invt_rwlock_t;
/* Short critical sections that may run on the invalidation path. */
typedef spinlock_t invt_spinlock_t;

#define INVT_READ_ONCE(x) READ_ONCE(x)
#define INVT_WRITE_ONCE(x, v) WRITE_ONCE(x, v)
#define invt_load_acquire(p) smp_load_acquire(p)
#define invt_store_release(p, v) smp_store_release(p, v)

/* Full barrier, store->load included; callers name the barrier it pairs with. */
static inline void invt_smp_mb(void)
{
	smp_mb();
}

/* Orders earlier loads before later loads; callers name the pair. */
static inline void invt_smp_rmb(void)
{
	smp_rmb();
}

#define invt_container_of(ptr, type, member) container_of(ptr, type, member)

/* Set bits of @w (no libgcc call: the kernel links none). */
static inline unsigned int invt_popcountl(unsigned long w)
{
	return hweight_long(w);
}

/* One step of a busy wait. */
static inline void invt_cpu_relax(void)
{
	cpu_relax();
}

#else /* !__KERNEL__ */

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

/* Userspace has no cheaper lock to offer the core: storage for a mutex. */
typedef invt_mutex_t invt_spinlock_t;

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

/*
 * Load->load barrier: earlier loads are ordered before later loads (an
 * acquire fence; a compiler barrier on x86, dmb ishld on arm64).  Callers
 * say which store ordering theirs pairs with.  TSan does not model fences:
 * there it is the full barrier above (TSan builds are not timed).
 */
static inline void invt_smp_rmb(void)
{
#if defined(__SANITIZE_THREAD__)
	invt_smp_mb();
#else
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

#define invt_container_of(ptr, type, member)                                   \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Set bits of @w. */
static inline unsigned int invt_popcountl(unsigned long w)
{
	return (unsigned int)__builtin_popcountl(w);
}

/*
 * One step of a busy wait: tells the CPU the loop spins (x86 PAUSE, arm64
 * YIELD), which lets a sibling hardware thread run and spares the loop's
 * exit a pipeline flush.
 */
static inline void invt_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

#endif /* __KERNEL__ */

#endif /* INVTRACK_COMPAT_H */
