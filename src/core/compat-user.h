/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * compat-user.h - the core's environment in userspace: liburcu (memb flavor),
 * pthreads, malloc with fault injection.  The core includes only this file
 * and <invtrack/compat.h> for environment-specific services; a kernel build
 * replaces this file (docs/core.md, "Porting").
 */
#ifndef INVT_COMPAT_USER_H
#define INVT_COMPAT_USER_H

#ifdef __KERNEL__
/* kernel/compat-kernel.h: the same names on the kernel's primitives. */
#include "compat-kernel.h"
#else /* !__KERNEL__ */

#include <assert.h>
#include <invtrack/compat.h>
#include <invtrack/fault.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/*
 * liburcu, always through its shared library: the core's fast path makes no
 * call into it (the invalidator section is the arrays' read side, see
 * invt_invs_read_lock() below), and no build defines _LGPL_SOURCE, so no
 * LGPL-2.1 code is compiled into the core.
 */
#include <urcu/urcu-memb.h>

/* ThreadSanitizer builds (see the RCU section below, and invt_inv_enter_mb()). */
#if defined(__SANITIZE_THREAD__)
#define INVT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INVT_TSAN 1
#endif
#endif

/* ------------------------------------------------------------ allocation */

/* May fail on purpose: see invt_fault_inject() in <invtrack/fault.h>. */
void *invt_zalloc(size_t size);
/*
 * Zeroed, aligned to @align (a power of two, at least sizeof(void *)), @size
 * rounded up to a multiple of @align; freed with invt_free().  The same
 * fault injection and count as invt_zalloc(): drivers' queue memory and
 * tables that do not come from DMA ops (struct invt_dma_ops) use it.
 */
void *invt_zalloc_aligned(size_t align, size_t size);
void invt_free(void *p);

/* ------------------------------------------------------------ assertions */

#ifdef NDEBUG
#define INVT_DEBUG_ASSERT(cond) ((void)0)
#else
#define INVT_DEBUG_ASSERT(cond) assert(cond)
#endif

/* ------------------------------------------------------------------ locks */

/* The public lock types are storage for these (<invtrack/compat.h>). */
_Static_assert(sizeof(pthread_mutex_t) <= sizeof(invt_mutex_t) &&
	       alignof(pthread_mutex_t) <= alignof(invt_mutex_t),
	       "invt_mutex_t cannot hold a pthread_mutex_t");
_Static_assert(sizeof(pthread_rwlock_t) <= sizeof(invt_rwlock_t) &&
	       alignof(pthread_rwlock_t) <= alignof(invt_rwlock_t),
	       "invt_rwlock_t cannot hold a pthread_rwlock_t");

static inline pthread_mutex_t *invt_pmutex(invt_mutex_t *m)
{
	return (pthread_mutex_t *)(void *)m->u.bytes;
}

static inline pthread_rwlock_t *invt_prwlock(invt_rwlock_t *l)
{
	return (pthread_rwlock_t *)(void *)l->u.bytes;
}

static inline void invt_mutex_init(invt_mutex_t *m)
{
	pthread_mutex_init(invt_pmutex(m), NULL);
}

static inline void invt_mutex_destroy(invt_mutex_t *m)
{
	pthread_mutex_destroy(invt_pmutex(m));
}

/*
 * Lock acquisition is a locked instruction on x86: in ablation builds it
 * empties the emulated store buffer as the real one would be emptied.
 */
#ifdef INVT_ABLATIONS
#define invt_lock_drains() invt_sb_drain()
#else
#define invt_lock_drains() ((void)0)
#endif

static inline void invt_mutex_lock(invt_mutex_t *m)
{
	invt_lock_drains();
	pthread_mutex_lock(invt_pmutex(m));
}

static inline void invt_mutex_unlock(invt_mutex_t *m)
{
	pthread_mutex_unlock(invt_pmutex(m));
}

static inline void invt_spin_lock_init(invt_spinlock_t *l)
{
	pthread_mutex_init(invt_pmutex(l), NULL);
}

static inline void invt_spin_lock_destroy(invt_spinlock_t *l)
{
	pthread_mutex_destroy(invt_pmutex(l));
}

static inline void invt_spin_lock(invt_spinlock_t *l)
{
	invt_lock_drains();
	pthread_mutex_lock(invt_pmutex(l));
}

static inline void invt_spin_unlock(invt_spinlock_t *l)
{
	pthread_mutex_unlock(invt_pmutex(l));
}

/*
 * Writer-preferring, so that a writer waiting for quiescence (detach) does
 * not starve behind a stream of readers.
 */
static inline void invt_rwlock_init(invt_rwlock_t *l)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(invt_prwlock(l), &attr);
	pthread_rwlockattr_destroy(&attr);
}

static inline void invt_rwlock_destroy(invt_rwlock_t *l)
{
	pthread_rwlock_destroy(invt_prwlock(l));
}

static inline void invt_read_lock(invt_rwlock_t *l)
{
	invt_lock_drains();
	pthread_rwlock_rdlock(invt_prwlock(l));
}

static inline void invt_read_unlock(invt_rwlock_t *l)
{
	pthread_rwlock_unlock(invt_prwlock(l));
}

static inline void invt_write_lock(invt_rwlock_t *l)
{
	invt_lock_drains();
	pthread_rwlock_wrlock(invt_prwlock(l));
}

static inline void invt_write_unlock(invt_rwlock_t *l)
{
	pthread_rwlock_unlock(invt_prwlock(l));
}

/* --------------------------------------------------- invalidator sections */

/*
 * Detach quiescence without a lock that invalidators share (docs/core.md,
 * "Detach quiescence").  Each thread owns one record, on its own cache line,
 * that only it writes: @state is odd while the thread is inside an
 * invalidation of the domain @key names (an invalidator section), even
 * outside; each section adds 2.  invt_inv_quiesce(key), on the detach path,
 * waits for every section of @key that it sees in progress to end, reading
 * the records of the registered threads (invt_rcu_register_thread() links
 * the calling thread's record into the registry, its undo unlinks it).
 * Invalidators write only their own line: two of them never bounce one.
 */
struct invt_reader {
	unsigned long state;
	const void *key;
	struct invt_reader *next;	/* in the registry, under its lock */
} __attribute__((aligned(64)));

extern __thread struct invt_reader invt_reader_self __attribute__((tls_model("initial-exec")));

/*
 * Enter a section of @key.  No barrier: the caller's next full barrier
 * orders the entry before its loads of the array (domain_flush()).
 * Return: the record, for invt_inv_exit().
 */
static inline struct invt_reader *invt_inv_enter(const void *key)
{
	INVT_WRITE_ONCE(invt_reader_self.key, key);
	/*
	 * Release: @key is visible before the odd state; pairs with the
	 * acquire load of the state in invt_inv_quiesce(), which then reads
	 * this section's key (or a later section's, once this one ended).
	 */
	invt_store_release(&invt_reader_self.state, INVT_READ_ONCE(invt_reader_self.state) + 1);
	return &invt_reader_self;
}

/*
 * invt_inv_enter() and then a full barrier (invt_smp_mb()), for the caller
 * whose next access after entering is behind one (domain_flush()).  On x86
 * one locked add to @state does both: @key's store stays before it (stores
 * are not reordered with a locked instruction, so the odd state is still
 * seen after @key, the release invt_inv_enter() gives), and a locked
 * instruction is a full barrier (Intel SDM vol. 3, 8.2.2: loads and stores
 * are not reordered with it), so it orders the caller's earlier stores
 * before its later loads and pairs where the caller's invt_smp_mb() would.
 * For the compiler it is a seq_cst read-modify-write: earlier stores do not
 * sink below it, later loads do not rise above it.  Elsewhere, and under
 * ThreadSanitizer (which does not see a locked add as a fence), the two
 * steps.  Return: the record, for invt_inv_exit().
 */
static inline struct invt_reader *invt_inv_enter_mb(const void *key)
{
#if (defined(__x86_64__) || defined(__i386__)) && !defined(INVT_TSAN) && \
	!defined(INVT_ABLATIONS)
	INVT_WRITE_ONCE(invt_reader_self.key, key);
	__atomic_fetch_add(&invt_reader_self.state, 1, __ATOMIC_SEQ_CST);
	return &invt_reader_self;
#else
	struct invt_reader *r = invt_inv_enter(key);

	invt_smp_mb();
	return r;
#endif
}

/*
 * Leave the section.  Release: every command the section submitted and
 * waited for is done before the even state is seen; pairs with the acquire
 * loads in invt_inv_quiesce(), so that its caller runs after the section.
 */
static inline void invt_inv_exit(struct invt_reader *r)
{
	/*
	 * @r is this thread's record (a section stays on its thread): named
	 * directly, not through @r.  GCC 12 with -fsanitize=undefined at -O2
	 * miscompiles the null check of a member access through a pointer to
	 * an initial-exec TLS object inlined here (the branch to the report
	 * follows an lea and tests flags an unrelated comparison left),
	 * reporting a null @r that is not.
	 */
	(void)r;
	invt_store_release(&invt_reader_self.state, INVT_READ_ONCE(invt_reader_self.state) + 1);
}

/*
 * Wait until every section of @key in progress when the caller's preceding
 * full barrier ran has ended (sections of other keys are not waited for).
 * Context: process context, no lock that an invalidator takes.
 */
void invt_inv_quiesce(const void *key);

/*
 * The same for the sections of every key: what the arrays' grace period
 * waits for on top of liburcu's (invt_invs_read_lock() below).
 */
void invt_inv_quiesce_all(void);

/* -------------------------------------------------------------------- RCU */

/*
 * ThreadSanitizer does not see liburcu's ordering (the library is not
 * instrumented).  Under TSan, publication uses __atomic release/acquire,
 * which TSan understands, and grace periods are annotated: every read-side
 * critical section releases invt_tsan_gp on exit, and code running after a
 * grace period (a call_rcu callback, synchronize_rcu's return) acquires it,
 * so the frees that follow happen after every reader TSan saw.  call_rcu
 * releases it too, for the writer's own accesses before the call.
 */
#ifdef INVT_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char invt_tsan_gp;
#define invt_tsan_gp_release() __tsan_release(&invt_tsan_gp)
#define invt_tsan_gp_acquire() __tsan_acquire(&invt_tsan_gp)
#else
#define invt_tsan_gp_release() ((void)0)
#define invt_tsan_gp_acquire() ((void)0)
#endif

/*
 * Acquire load: pairs with the release in invt_rcu_assign_pointer(), so
 * that readers see the initialised array, never its zeroed allocation.
 * liburcu's rcu_dereference() is a call into the library unless the
 * caller defines _LGPL_SOURCE; an acquire load costs nothing more than a
 * plain load on x86 (ldar on arm64) and TSan understands it.
 */
#define invt_rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

/*
 * Release store: the array's contents are visible before its pointer.
 * Pairs with invt_rcu_dereference().
 */
#define invt_rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

typedef struct rcu_head invt_rcu_head_t;

/*
 * A thread that reads without invt_rcu_register_thread() is invisible to
 * grace periods: arrays can be freed under it, silently.  Debug builds
 * (no NDEBUG) keep a per-thread flag and stop such a thread at its first
 * read-side section, with a message naming the missing call.
 */
#ifndef NDEBUG
/* initial-exec: one %fs-relative load, no __tls_get_addr call from libinvtrack.so. */
extern __thread bool invt_rcu_registered __attribute__((tls_model("initial-exec")));
void invt_rcu_unregistered(void) __attribute__((noreturn, cold));
#define invt_rcu_set_registered(on) (invt_rcu_registered = (on))
#define invt_rcu_check_registered()                                            \
	do {                                                                   \
		if (!invt_rcu_registered)                                      \
			invt_rcu_unregistered();                               \
	} while (0)
#else
#define invt_rcu_set_registered(on) ((void)0)
#define invt_rcu_check_registered() ((void)0)
#endif

static inline void invt_rcu_read_lock(void)
{
	invt_rcu_check_registered();
	urcu_memb_read_lock();
}

static inline void invt_rcu_read_unlock(void)
{
	invt_tsan_gp_release();
	urcu_memb_read_unlock();
}

/*
 * The read side of the domains' arrays: in userspace, the invalidator
 * section itself (domain_flush() enters it before its full barrier and
 * leaves it after its last access to an array), so the fast path makes no
 * call into liburcu: urcu_memb_read_lock() and _unlock() are calls that
 * reach liburcu's thread-local reader record through __tls_get_addr, about
 * 75 instructions of a 1-entry invalidation, unless _LGPL_SOURCE inlines
 * them (docs/performance.md, "The RCU read lock").  The grace period of an
 * array is then liburcu's plus invt_invs_sections_wait(): a full barrier
 * and invt_inv_quiesce_all(), run by invt_synchronize_rcu() and, before the
 * free, by the array's call_rcu callback (invs.c), so that nothing on the
 * attach or detach path waits.  Only the registration check is left here.
 * The kernel maps these to rcu_read_lock() / rcu_read_unlock() and the wait
 * to nothing (compat-kernel.h): its sections run with preemption disabled,
 * inside an RCU read-side section.
 */
static inline void invt_invs_read_lock(void)
{
	invt_rcu_check_registered();
}

static inline void invt_invs_read_unlock(void)
{
}

/*
 * Wait for every invalidator section in progress: after it, no section
 * holds an array that was unpublished before the caller's last full
 * barrier.  Full barrier first: the caller's (or, through the call_rcu
 * queue, the unpublishing thread's) loads of the records come after it.
 * It pairs with the full barrier at the top of domain_flush(), which
 * follows the section's entry and precedes its load of the array: either
 * we see the section in progress and wait for it, or its load returns the
 * array that replaced ours (store buffering, forbidden both ways).  The
 * sections' release exits and invt_inv_quiesce_all()'s acquire loads order
 * each section's accesses to the array before the free that follows.
 * Context: may spin and yield; never from inside a section.
 */
static inline void invt_invs_sections_wait(void)
{
	invt_smp_mb();
	invt_inv_quiesce_all();
}

/*
 * invt_invs_sections_wait() for many retired arrays at one pass: the ticket
 * is taken when an array is retired, after the full barrier that follows
 * its unpublishing store; invt_invs_sections_wait_after(@ticket) returns
 * once a pass of invt_inv_quiesce_all() that started after the ticket was
 * taken has finished, making one if none has (the callbacks that one grace
 * period releases share the first one's pass).
 * Context of the wait: as invt_invs_sections_wait().
 */
unsigned long invt_invs_sections_ticket(void);
void invt_invs_sections_wait_after(unsigned long ticket);

/* liburcu's grace period, then the arrays' (invt_invs_sections_wait()). */
static inline void invt_synchronize_rcu(void)
{
	urcu_memb_synchronize_rcu();
	invt_invs_sections_wait();
	invt_tsan_gp_acquire();
}

/*
 * The callback runs on liburcu's worker thread after a grace period.  Under
 * TSan the caller's own accesses to the object (made before it was
 * unpublished) are released here; the callback acquires them.
 */
static inline void invt_call_rcu(invt_rcu_head_t *head, void (*fn)(invt_rcu_head_t *))
{
	invt_tsan_gp_release();
	urcu_memb_call_rcu(head, fn);
}

/*
 * Wait until every callback queued by invt_call_rcu() so far has run.
 * liburcu's own barrier hands its completion between threads through
 * uninstrumented code, which TSan reports as a race inside liburcu; TSan
 * builds queue a sentinel instead (callbacks of liburcu's default queue run
 * in order) and wait for it with instrumented acquire/release.
 */
void invt_rcu_barrier(void);

#endif /* __KERNEL__ */

#endif /* INVT_COMPAT_USER_H */
