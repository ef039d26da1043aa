/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sched.h - kernel builds only: sched_yield() for the drivers' bounded polls
 * (a full command queue, a completion, a register handshake).  Those polls
 * run on the invalidation path, possibly under a spinlock, where a kernel
 * must not sleep: the shim spins with cpu_relax(), as the kernel's own
 * atomic poll loops do.  Each poll keeps its own bound (-ETIMEDOUT).
 */
#ifndef INVT_KSHIM_SCHED_H
#define INVT_KSHIM_SCHED_H

#include <asm/processor.h>

static inline int sched_yield(void)
{
	cpu_relax();
	return 0;
}

#endif
