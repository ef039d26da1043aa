/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * compat-kernel.h - the core's environment inside a Linux kernel.
 *
 * The kernel twin of src/core/compat-user.h, which includes this file when
 * __KERNEL__ is defined: every operation the core performs on its
 * environment maps onto the kernel's own primitive.  Contexts, per path:
 *
 *  - invalidation (invt_domain_invalidate(), invt_invs_flush()): any context,
 *    hard IRQ included, as Linux's iotlb_sync may be.  rcu_read_lock(), and
 *    this CPU's invalidator-section record, with preemption disabled.
 *    Nothing here allocates or sleeps; the driver's ops must not either.
 *  - attach, detach, replace, domain / device / instance set-up: process
 *    context, sleeping allowed.  Domain, device, tag-space and context locks
 *    are mutexes; every allocation of the core happens here, under one of
 *    them or none, so GFP_KERNEL is right for all of them.  A detach that
 *    dropped ATC entries spins until the sections in progress on other CPUs
 *    end (invt_inv_quiesce()).
 *  - deferred frees: call_rcu() on every path that replaces an array;
 *    synchronize_rcu() only in invt_iommu_unregister(), rcu_barrier() only
 *    in invt_ctx_destroy() (module exit, tests).
 */
#ifndef INVT_COMPAT_KERNEL_H
#define INVT_COMPAT_KERNEL_H

#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <invtrack/compat.h>
#include <invtrack/fault.h>

/* ------------------------------------------------------------ allocation */

/*
 * Zeroed memory, GFP_KERNEL: only the sleepable paths above allocate;
 * might_sleep() makes a misplaced call loud under CONFIG_DEBUG_ATOMIC_SLEEP.
 * Fails on purpose when a test armed invt_fault_inject()
 * (CONFIG_INVTRACK_FAULT_INJECT only).
 */
void *invt_zalloc(size_t size);
/* Zeroed and aligned to @align (a power of two); the same rules as invt_zalloc(). */
void *invt_zalloc_aligned(size_t align, size_t size);

static inline void invt_free(void *p)
{
	kfree(p);
}

/* ------------------------------------------------------------ assertions */

/* A caller bug the core survives: warn once, with a backtrace. */
#define INVT_DEBUG_ASSERT(cond) WARN_ON_ONCE(!(cond))

/* ------------------------------------------------------------------ locks */

#define invt_mutex_init(m) mutex_init(m)
#define invt_mutex_destroy(m) mutex_destroy(m)
#define invt_mutex_lock(m) mutex_lock(m)
#define invt_mutex_unlock(m) mutex_unlock(m)

#define invt_spin_lock_init(l) spin_lock_init(l)
#define invt_spin_lock_destroy(l) ((void)(l))
#define invt_spin_lock(l) spin_lock(l)
#define invt_spin_unlock(l) spin_unlock(l)

#define invt_rwlock_init(l) rwlock_init(l)
#define invt_rwlock_destroy(l) ((void)(l))
/*
 * Readers may be in any context: with the queued rwlock a reader in an
 * interrupt gets in even while a writer waits.  The writer (detach, process
 * context) disables interrupts so that no reader interrupts it on its own
 * CPU while it holds the lock.
 */
#define invt_read_lock(l) read_lock(l)
#define invt_read_unlock(l) read_unlock(l)
#define invt_write_lock(l) write_lock_irq(l)
#define invt_write_unlock(l) write_unlock_irq(l)

/* --------------------------------------------------- invalidator sections */

/*
 * Detach quiescence (docs/core.md): one record per CPU, written only by its
 * CPU with preemption disabled.  @state is odd while an invalidation runs
 * on the CPU (each outermost section adds 2); @nest counts sections nested
 * by interrupts; @key names the domain, or is NULL once sections of two
 * domains nest (a detach of any domain then waits for it).  The record's
 * updates run with interrupts off, so a nested section never sees one half
 * done.  invt_inv_quiesce() waits for each CPU's section of @key in progress.
 */
struct invt_reader {
	unsigned long state;
	const void *key;
	unsigned int nest;
};

DECLARE_PER_CPU_ALIGNED(struct invt_reader, invt_readers);

static inline struct invt_reader *invt_inv_enter(const void *key)
{
	struct invt_reader *r;
	unsigned long flags;

	preempt_disable();
	r = this_cpu_ptr(&invt_readers);
	local_irq_save(flags);
	if (!r->nest++) {
		WRITE_ONCE(r->key, key);
		/* Release: @key before the odd state; pairs with invt_inv_quiesce(). */
		smp_store_release(&r->state, r->state + 1);
	} else if (r->key != key) {
		WRITE_ONCE(r->key, NULL);
	}
	local_irq_restore(flags);
	return r;
}

static inline void invt_inv_exit(struct invt_reader *r)
{
	unsigned long flags;

	local_irq_save(flags);
	/* Release: the section's commands before the even state; pairs as above. */
	if (!--r->nest)
		smp_store_release(&r->state, r->state + 1);
	local_irq_restore(flags);
	preempt_enable();
}

void invt_inv_quiesce(const void *key);

/* -------------------------------------------------------------------- RCU */

typedef struct rcu_head invt_rcu_head_t;

#define invt_rcu_read_lock() rcu_read_lock()
#define invt_rcu_read_unlock() rcu_read_unlock()
/*
 * The arrays' read side is RCU here (userspace uses the invalidator section
 * instead, and its grace period waits for the sections: compat-user.h), so
 * an array's grace period is RCU's alone.
 */
#define invt_invs_read_lock() rcu_read_lock()
#define invt_invs_read_unlock() rcu_read_unlock()
#define invt_invs_sections_wait() ((void)0)
/* Address dependency ordering; pairs with invt_rcu_assign_pointer(). */
#define invt_rcu_dereference(p) rcu_dereference(p)
/* Release store: the array's contents before its pointer; pairs with the above. */
#define invt_rcu_assign_pointer(p, v) rcu_assign_pointer(p, v)
#define invt_synchronize_rcu() synchronize_rcu()
#define invt_call_rcu(head, fn) call_rcu(head, fn)
#define invt_rcu_barrier() rcu_barrier()

/* Grace-period annotations exist for ThreadSanitizer only. */
#define invt_tsan_gp_release() ((void)0)
#define invt_tsan_gp_acquire() ((void)0)

#endif /* INVT_COMPAT_KERNEL_H */
