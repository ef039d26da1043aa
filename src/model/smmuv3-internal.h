/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * smmuv3-internal.h - the modelled SMMUv3 instance: the shared modelled
 * unit (unit.h: caches, translation, devices, counters; its lock order)
 * plus what is SMMUv3's own, shared by smmuv3.c (instance, command
 * executor) and smmuv3-xlate.c (STE / CD fetch, walk formats, leaf checks).
 * Not installed.
 */
#ifndef INVTRACK_MODEL_SMMUV3_INTERNAL_H
#define INVTRACK_MODEL_SMMUV3_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/smmuv3.h>

#include "unit-arch.h"
#include "hw-cfg.h"
#include "hw-exec.h"
#include "hw-queue.h"

/* SMMU_IDR1.SIDSIZE of the model: 16-bit StreamIDs. */
#define MSMMU_SIDSIZE		16

/* Largest input size the model walks with one starting table (4 levels). */
#define MSMMU_MAX_IA_BITS	48

/* The unit's event counters (struct invt_munit.events). */
enum msmmu_event {
	MSMMU_EV_C_BAD_STE,
	MSMMU_EV_C_BAD_CD,
	MSMMU_EV_ILLEGAL_STE,
	MSMMU_EV_ILLEGAL_CD,
	MSMMU_EV_CD_FETCH_S2,
};

/**
 * struct invt_msmmu - one modelled SMMUv3.
 * @u: the modelled unit (its lock is the instance lock).
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @regs: the registers (zeroed at creation: reset state).
 * @hq: the Command queue consumer.
 * @idr: features for the STE/CD parser.
 * @fmt: the ARM 4K formats walked, per stage and input size (the starting
 *	level follows from the size: no concatenated tables); read-only
 *	after creation.
 */
struct invt_msmmu {
	struct invt_munit u;
	struct invt_msmmu_config cfg;
	struct invt_smmu_regs regs;
	struct smmu_hw_queue hq;
	struct smmu_hw_cfg_idr idr;
	struct invt_pt_fmt fmt[INVT_MUNIT_NR_STAGES][MSMMU_MAX_IA_BITS + 1];
};

static inline struct invt_msmmu *msmmu_of(struct invt_munit *u)
{
	return invt_munit_arch(u, struct invt_msmmu, u);
}

/* The unit operations of smmuv3-xlate.c (the queue's are smmuv3.c's). */
int msmmu_cfg_fetch(struct invt_munit *u, uint32_t sid, uint32_t ssid, struct invt_munit_cfg *c);
bool msmmu_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c);
bool msmmu_enabled(struct invt_munit *u);
int msmmu_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	       bool *global);

/* Build @m->fmt (at creation). */
void msmmu_fmt_init(struct invt_msmmu *m);

#endif /* INVTRACK_MODEL_SMMUV3_INTERNAL_H */
