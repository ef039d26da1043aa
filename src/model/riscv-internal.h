/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * riscv-internal.h - the modelled RISC-V IOMMU instance: the shared
 * modelled unit (unit.h: caches, translation, devices, counters; its lock
 * order) plus what is RISC-V's own, shared by riscv.c (instance, command
 * executor) and riscv-xlate.c (device / process context fetch, leaf
 * checks).  Not installed.
 */
#ifndef INVTRACK_MODEL_RISCV_INTERNAL_H
#define INVTRACK_MODEL_RISCV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/riscv.h>
#include <invtrack/pt-riscv.h>

#include "unit-arch.h"
/*
 * By path: src/arch/smmuv3 has headers of the same names on the include
 * path, and a quoted include searches this file's directory first.
 */
#include "../arch/riscv/hw-cfg.h"
#include "../arch/riscv/hw-exec.h"
#include "../arch/riscv/hw-queue.h"

/**
 * struct invt_mrv - one modelled RISC-V IOMMU.
 * @u: the modelled unit (its lock is the instance lock; its configuration
 *	cache is the directory cache; its pending invalidations are IOTINVALs
 *	waiting for their IOFENCE.C, seq = fences fetched before them).
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @regs: the registers (zeroed but capabilities at creation).
 * @hq: the command-queue consumer.
 *
 * Configurations carry per_ssid when resolved through a process context
 * (IODIR.INVAL_PDT removes those).
 */
struct invt_mrv {
	struct invt_munit u;
	struct invt_mrv_config cfg;
	struct invt_riscv_regs regs;
	struct rv_hw_queue hq;
};

static inline struct invt_mrv *mrv_of(struct invt_munit *u)
{
	return invt_munit_arch(u, struct invt_mrv, u);
}

/* The unit operations of riscv-xlate.c (the queue's are riscv.c's). */
int mrv_cfg_fetch(struct invt_munit *u, uint32_t did, uint32_t pid, struct invt_munit_cfg *c);
bool mrv_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c);
int mrv_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	     bool *global);

#endif /* INVTRACK_MODEL_RISCV_INTERNAL_H */
