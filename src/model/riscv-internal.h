/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * riscv-internal.h - the modelled RISC-V IOMMU instance's state, shared by
 * riscv.c (instance, devices, command executor) and riscv-xlate.c
 * (directory cache, translation, device accesses).  Not installed.
 *
 * Locks, outermost first:
 *	consumer lock (struct rv_hw_queue): one executor at a time; it also
 *	    protects @pending and @nr_pending;
 *	a device's ATC lock: that ATC's entries;
 *	the instance lock = the IOTLB's cache lock: the directory cache, the
 *	    IOTLB and walk cache (both in @iotlb), and the counters below
 *	    marked "instance lock";
 *	the device table's lock (mdev.c; never held while calling out);
 *	the memory pool's and the oracle's mutexes (innermost).
 * A device access takes ATC -> instance; the executor takes consumer ->
 * instance or consumer -> ATC, never an ATC and the instance together.
 */
#ifndef INVTRACK_MODEL_RISCV_INTERNAL_H
#define INVTRACK_MODEL_RISCV_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/riscv.h>
#include <invtrack/pt-riscv.h>

/*
 * By path: src/arch/smmuv3 has headers of the same names on the include
 * path, and a quoted include searches this file's directory first.
 */
#include "mdev.h"
#include "../arch/riscv/hw-cfg.h"
#include "../arch/riscv/hw-exec.h"
#include "../arch/riscv/hw-queue.h"

/*
 * IOTLB invalidations executed but not yet complete: they take effect when
 * their IOFENCE.C completes (or earlier, when this many wait).
 */
#define MRV_MAX_PENDING		64u

/* Largest directory cache: it is searched linearly. */
#define MRV_MAX_CFG_ENTRIES	4096u

/**
 * struct mrv_cfg - one resolved configuration (DC, and PC when used) of
 * (device_id, process_id).
 * @valid: the slot holds one.
 * @did: the device.
 * @pid: the process_id, 0 for requests without one.
 * @has_pc: resolved through a process context (IODIR.INVAL_PDT removes it).
 * @gstage: the G stage translates (first stage Bare), else the first stage
 *	(G stage Bare).
 * @en_ats: DC.tc.EN_ATS: ATS translation requests are served.
 * @tag_s2: GSCID, or RV_HW_EXEC_HOST with the G stage Bare.
 * @tag_s1: PSCID with the first stage, else INVT_CACHE_ID_NONE.
 * @fmt: the page-table format iosatp / iohgatp MODE names.
 * @root: the root table page (G stage: the first of four).
 * @domain: owner domain of the root frame, or INVT_MEM_NO_DOMAIN.
 * @stamp: the oracle's stamp when it was fetched.
 */
struct mrv_cfg {
	bool valid;
	uint32_t did;
	uint32_t pid;
	bool has_pc;
	bool gstage;
	bool en_ats;
	uint32_t tag_s2;
	uint32_t tag_s1;
	const struct invt_pt_fmt *fmt;
	uint64_t root;
	uint32_t domain;
	uint64_t stamp;
};

/**
 * struct mrv_pending - an IOTLB invalidation waiting for its fence.
 * @m: what it removes.
 * @seq: fences fetched before it: the fence numbered @seq completes it.
 */
struct mrv_pending {
	struct invt_cache_match m;
	uint64_t seq;
};

/**
 * struct invt_mrv - one modelled RISC-V IOMMU.
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @mem: model memory.
 * @oracle: the oracle.
 * @regs: the registers (zeroed but capabilities at creation).
 * @hq: the command-queue consumer.
 * @ptops: page-table ops over @mem (only table_va is used, by walks).
 * @iotlb: IOTLB and walk cache; its lock is the instance lock.
 * @cfgc: directory cache, @cfg.cfg_entries slots (instance lock).
 * @cfg_rng: the directory cache's victim generator (instance lock).
 * @translations: translation requests (instance lock).
 * @walks: page-table walks started (instance lock).
 * @cfg_fetches: directory fetches (instance lock).
 * @by_op: commands executed per op index (instance lock).
 * @pending: IOTLB invalidations waiting for their fence (consumer lock).
 * @nr_pending: entries of @pending used (consumer lock).
 * @devs: the devices (mdev.c; its own lock).
 */
struct invt_mrv {
	struct invt_mrv_config cfg;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_riscv_regs regs;
	struct rv_hw_queue hq;
	struct invt_mem_pt_ops ptops;
	struct invt_cache *iotlb;

	struct mrv_cfg *cfgc;
	uint64_t cfg_rng;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t by_op[INVT_MRV_NR_OPS];

	struct mrv_pending pending[MRV_MAX_PENDING];
	unsigned int nr_pending;

	struct invt_mdev_table devs;
};

/* splitmix64 finaliser: seeds and victim choices. */
static inline uint64_t mrv_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The device @did, or NULL.  Takes the table's lock. */
struct invt_mdev *mrv_find_dev(struct invt_mrv *m, uint32_t did);

/*
 * Remove every cached configuration in @scope.  Instance lock held.
 * Return: how many were removed.
 */
unsigned int mrv_cfg_invalidate_locked(struct invt_mrv *m, const struct rv_hw_dir_scope *scope);

#endif /* INVTRACK_MODEL_RISCV_INTERNAL_H */
