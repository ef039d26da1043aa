// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * module.c - invtrack.ko: a library module.  Drivers embed the core's
 * objects in their own structures and call the exported API (exports.c);
 * the module itself keeps no state.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>

/* Arrays replaced under RCU are freed by callbacks in this module: let them run first. */
static void __exit invt_module_exit(void)
{
	rcu_barrier();
}
module_exit(invt_module_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("invtrack: IOMMU invalidation tracking (RCU invalidation arrays, attach protocol, flush engine, SMMUv3/VT-d/RISC-V drivers)");
