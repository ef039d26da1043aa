/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * vtd-internal.h - the modelled VT-d unit's state, shared by vtd.c (unit,
 * devices, descriptor executor) and vtd-xlate.c (configuration cache,
 * translation, device requests).  Not installed.
 *
 * Locks, outermost first:
 *	consumer lock (struct vtd_hw_queue): one executor at a time;
 *	a device TLB's lock: that device TLB's entries;
 *	the unit lock = the IOTLB's cache lock: the configuration cache, the
 *	    IOTLB and paging-structure cache (both in @iotlb), and the counters
 *	    below marked "unit lock";
 *	the device table's lock (mdev.c; never held while calling out);
 *	the memory pool's and the oracle's mutexes (innermost).
 * A device request takes device TLB -> unit; the executor takes consumer ->
 * unit or consumer -> device TLB, never a device TLB and the unit together.
 */
#ifndef INVTRACK_MODEL_VTD_INTERNAL_H
#define INVTRACK_MODEL_VTD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/vtd.h>

/*
 * Path-qualified: every arch's hardware-side directory is on the include
 * path, and SMMUv3 has headers of the same names.
 */
#include "mdev.h"
#include "../arch/vtd/hw-cfg.h"
#include "../arch/vtd/hw-exec.h"
#include "../arch/vtd/hw-queue.h"

/*
 * Invalidations executed but not yet complete (IOTLB, PASID-based IOTLB,
 * context cache, PASID cache): they take effect at the next completed wait
 * descriptor, at a device-TLB invalidation that VT-d §6.5.2.12 orders
 * behind them, or when this many wait.
 */
#define MVTD_MAX_PENDING	64u

/**
 * struct mvtd_pending - one executed, not yet completed invalidation.
 * @type: its descriptor type (VTD_HW_IOTLB_INV, VTD_HW_PIOTLB_INV,
 *	VTD_HW_CC_INV, VTD_HW_PC_INV).
 * @match: IOTLB types: what it removes.
 * @cfg: cache types: the configurations it removes.
 */
struct mvtd_pending {
	uint8_t type;
	struct invt_cache_match match;
	struct vtd_hw_cfg_scope cfg;
};

/* Largest configuration cache: it is searched linearly. */
#define MVTD_MAX_CFG_ENTRIES	4096u

/**
 * struct mvtd_cfg - one resolved configuration (context entry + PASID
 * entry) of (requester id, PASID).
 * @valid: the slot holds one.
 * @sid: the requester id.
 * @ssid: the request's PASID, 0 for requests without one.
 * @pasid: the PASID whose entry was used (@ssid, or RID_PASID).
 * @fs: first-stage translation (else second-stage).
 * @dte: context entry DTE: translation requests (ATS) are served.
 * @did: tag_s2 of the translations: the PASID entry's DID.
 * @tag_s1: tag_s1: @pasid with first stage, else INVT_CACHE_ID_NONE.
 * @fmt: the page-table format walked.
 * @root: the table walks start from: FSPTPTR or SSPTPTR.
 * @domain: the owner domain of the root table frame (the domain the
 *	configuration points to), or INVT_MEM_NO_DOMAIN.
 * @stamp: the oracle's stamp when it was fetched.
 */
struct mvtd_cfg {
	bool valid;
	uint16_t sid;
	uint32_t ssid;
	uint32_t pasid;
	bool fs;
	bool dte;
	uint16_t did;
	uint32_t tag_s1;
	const struct invt_pt_fmt *fmt;
	uint64_t root;
	uint32_t domain;
	uint64_t stamp;
};

/**
 * struct invt_mvtd - one modelled VT-d unit.
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @mem: model memory.
 * @oracle: the oracle.
 * @regs: the registers (reset state, CAP/ECAP set at creation).
 * @hq: the invalidation queue consumer.
 * @ptops: page-table ops over @mem (only table_va is used, by walks).
 * @iotlb: IOTLB and paging-structure cache; its lock is the unit lock.
 * @cfgc: configuration cache, @cfg.cfg_entries slots (unit lock).
 * @cfg_rng: the configuration cache's victim generator (unit lock).
 * @translations: translation requests (unit lock).
 * @walks: page-table walks started (unit lock).
 * @cfg_fetches: configuration fetches (unit lock).
 * @by_op: descriptors executed per op index (unit lock).
 * @pending: invalidations executed and not yet complete, in queue order
 *	(consumer lock; applied under the unit lock).
 * @nr_pending: entries of @pending used (consumer lock).
 * @devs: the devices (mdev.c; its own lock).
 */
struct invt_mvtd {
	struct invt_mvtd_config cfg;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_vtd_regs regs;
	struct vtd_hw_queue hq;
	struct invt_mem_pt_ops ptops;
	struct invt_cache *iotlb;

	struct mvtd_cfg *cfgc;
	uint64_t cfg_rng;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t by_op[INVT_MVTD_NR_OPS];

	struct mvtd_pending pending[MVTD_MAX_PENDING];
	unsigned int nr_pending;

	struct invt_mdev_table devs;
};

/* splitmix64 finaliser: seeds and victim choices. */
static inline uint64_t mvtd_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The device with requester id @id, or NULL.  Takes the table's lock. */
struct invt_mdev *mvtd_find_dev(struct invt_mvtd *m, uint32_t id);

/*
 * Remove every cached configuration in @scope.  Unit lock held.
 * Return: how many were removed.
 */
unsigned int mvtd_cfg_invalidate_locked(struct invt_mvtd *m, const struct vtd_hw_cfg_scope *scope);

#endif /* INVTRACK_MODEL_VTD_INTERNAL_H */
