// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * compat-kernel.c - kernel services behind compat-kernel.h.
 */
#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/sched.h>

#include <invtrack/core.h>

#include "compat-kernel.h"

#ifdef CONFIG_INVTRACK_FAULT_INJECT
/*
 * Allocation-failure injection for tests.  One armed task at a time: the
 * countdown applies only to allocations made by the task that armed it (a
 * test drives one attach at a time; the kernel's own threads never see it).
 * @fault_lock protects @fault_task and @fault_countdown.
 */
static DEFINE_SPINLOCK(fault_lock);
static struct task_struct *fault_task;
static unsigned int fault_countdown;
static atomic_long_t alloc_count = ATOMIC_LONG_INIT(0);

void invt_fault_inject(unsigned int nth)
{
	spin_lock(&fault_lock);
	fault_task = nth ? current : NULL;
	fault_countdown = nth;
	spin_unlock(&fault_lock);
}

int invt_fault_pending(void)
{
	int pending;

	spin_lock(&fault_lock);
	pending = fault_task == current && fault_countdown;
	spin_unlock(&fault_lock);
	return pending;
}

unsigned long invt_alloc_count(void)
{
	return atomic_long_read(&alloc_count);
}

/* Whether this allocation is the one a test asked to fail. */
static bool fault_fire(void)
{
	bool fire = false;

	atomic_long_inc(&alloc_count);
	spin_lock(&fault_lock);
	if (fault_task == current && fault_countdown && !--fault_countdown) {
		fault_task = NULL;
		fire = true;
	}
	spin_unlock(&fault_lock);
	return fire;
}
#else
static bool fault_fire(void)
{
	return false;
}
#endif

void *invt_zalloc(size_t size)
{
	might_sleep();
	if (fault_fire())
		return NULL;
	return kzalloc(size, GFP_KERNEL);
}

/*
 * kmalloc() aligns power-of-two sizes naturally: round up to one at least
 * @align when the minimum alignment is not enough.
 */
void *invt_zalloc_aligned(size_t align, size_t size)
{
	if (align > ARCH_KMALLOC_MINALIGN)
		size = roundup_pow_of_two(max(size, align));
	return invt_zalloc(size);
}

DEFINE_PER_CPU_ALIGNED(struct invt_reader, invt_readers);

void invt_inv_quiesce(const void *key)
{
	int cpu;

	might_sleep();
	for_each_possible_cpu(cpu) {
		struct invt_reader *r = per_cpu_ptr(&invt_readers, cpu);
		/* Acquire: pairs with the release stores of invt_inv_enter/exit(). */
		unsigned long s = smp_load_acquire(&r->state);
		const void *k;

		if (!(s & 1))
			continue;
		k = READ_ONCE(r->key);
		if (k && k != key)
			continue;
		/* The section runs with preemption off: it ends soon. */
		while (smp_load_acquire(&r->state) == s)
			cpu_relax();
	}
}

/* Kernel RCU readers need no registration. */
void invt_rcu_register_thread(void)
{
}

void invt_rcu_unregister_thread(void)
{
}
