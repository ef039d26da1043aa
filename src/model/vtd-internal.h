/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * vtd-internal.h - the modelled VT-d unit: the shared modelled unit
 * (unit.h: caches, translation, devices, counters; its lock order) plus
 * what is VT-d's own, shared by vtd.c (unit, descriptor executor) and
 * vtd-xlate.c (root / context / PASID entry fetch, walk formats).  Not
 * installed.
 */
#ifndef INVTRACK_MODEL_VTD_INTERNAL_H
#define INVTRACK_MODEL_VTD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/vtd.h>

#include "unit-arch.h"
/*
 * Path-qualified: every arch's hardware-side directory is on the include
 * path, and SMMUv3 has headers of the same names.
 */
#include "../arch/vtd/hw-cfg.h"
#include "../arch/vtd/hw-exec.h"
#include "../arch/vtd/hw-queue.h"

/**
 * struct invt_mvtd - one modelled VT-d unit.
 * @u: the modelled unit (its lock is the unit lock).
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @regs: the registers (reset state, CAP/ECAP set at creation).
 * @hq: the invalidation queue consumer.
 *
 * The unit's pending invalidations carry their descriptor type
 * (VTD_HW_IOTLB_INV, VTD_HW_PIOTLB_INV, VTD_HW_CC_INV, VTD_HW_PC_INV); the
 * cache types their struct vtd_hw_cfg_scope.  Configurations carry the
 * PASID entry's DID as cfg_tag and the PASID used as entry_ssid.
 */
struct invt_mvtd {
	struct invt_munit u;
	struct invt_mvtd_config cfg;
	struct invt_vtd_regs regs;
	struct vtd_hw_queue hq;
};

static inline struct invt_mvtd *mvtd_of(struct invt_munit *u)
{
	return invt_munit_arch(u, struct invt_mvtd, u);
}

/* The unit operations of vtd-xlate.c (the queue's are vtd.c's). */
int mvtd_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid, struct invt_munit_cfg *c);
bool mvtd_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c);
bool mvtd_enabled(struct invt_munit *u);
int mvtd_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	      bool *global);

#endif /* INVTRACK_MODEL_VTD_INTERNAL_H */
