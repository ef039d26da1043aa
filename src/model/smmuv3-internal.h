/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * smmuv3-internal.h - the modelled SMMUv3 instance's state, shared by
 * smmuv3.c (instance, devices, command executor) and smmuv3-xlate.c
 * (configuration cache, translation, device accesses).  Not installed.
 *
 * Locks, outermost first:
 *	consumer lock (struct smmu_hw_queue): one executor at a time;
 *	a device's ATC lock: that ATC's entries;
 *	the instance lock = the IOTLB's cache lock: the configuration cache,
 *	    the IOTLB and walk cache (both in @iotlb), and the counters below
 *	    marked "instance lock";
 *	the device table's lock (mdev.c; never held while calling out);
 *	the memory pool's and the oracle's mutexes (innermost).
 * A device access takes ATC -> instance; the executor takes consumer ->
 * instance or consumer -> ATC, never an ATC and the instance together.
 */
#ifndef INVTRACK_MODEL_SMMUV3_INTERNAL_H
#define INVTRACK_MODEL_SMMUV3_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/smmuv3.h>

#include "mdev.h"
#include "hw-cfg.h"
#include "hw-exec.h"
#include "hw-queue.h"

/*
 * TLB invalidations executed but not yet known complete: they take effect
 * at the next CMD_SYNC (or when this many wait).
 */
#define MSMMU_MAX_PENDING	64u

/* SMMU_IDR1.SIDSIZE of the model: 16-bit StreamIDs. */
#define MSMMU_SIDSIZE		16

/* Largest configuration cache: it is searched linearly. */
#define MSMMU_MAX_CFG_ENTRIES	4096u

/**
 * struct msmmu_cfg - one resolved configuration (STE + CD) of (sid, ssid).
 * @valid: the slot holds one.
 * @sid: the stream.
 * @ssid: the substream, 0 for transactions without a SubstreamID.
 * @s1: stage 1 translates (else stage 2).
 * @ia_bits: input address size: 64 - T0SZ or 64 - S2T0SZ.
 * @oa_bits: effective output size: MIN(IPS or S2PS, OAS).
 * @levels: levels of the walk (4 - the ARM starting level).
 * @eats: STE.EATS == 1: ATS translation requests are served.
 * @vmid: tag_s2 of the translations: STE.S2VMID.
 * @asid: tag_s1: CD.ASID with stage 1, else INVT_CACHE_ID_NONE.
 * @root: the table walks start from: CD.TTB0 or STE.S2TTB.
 * @domain: the owner domain of the root table frame (the domain the
 *	configuration points to), or INVT_MEM_NO_DOMAIN.
 * @stamp: the oracle's stamp when it was fetched.
 */
struct msmmu_cfg {
	bool valid;
	uint32_t sid;
	uint32_t ssid;
	bool s1;
	uint8_t ia_bits;
	uint8_t oa_bits;
	uint8_t levels;
	bool eats;
	uint32_t vmid;
	uint32_t asid;
	uint64_t root;
	uint32_t domain;
	uint64_t stamp;
};

/**
 * struct invt_msmmu - one modelled SMMUv3.
 * @cfg: the configuration it was created with (@cfg.cost_ns not kept).
 * @mem: model memory.
 * @oracle: the oracle.
 * @regs: the registers (zeroed at creation: reset state).
 * @hq: the Command queue consumer.
 * @idr: features for the STE/CD parser.
 * @ptops: page-table ops over @mem (only table_va is used, by walks).
 * @iotlb: IOTLB and walk cache; its lock is the instance lock.
 * @cfgc: configuration cache, @cfg.cfg_entries slots (instance lock).
 * @cfg_rng: the configuration cache's victim generator (instance lock).
 * @translations: translation requests (instance lock).
 * @walks: page-table walks started (instance lock).
 * @cfg_fetches: configuration fetches (instance lock).
 * @xlate: successful translations through stage 1 [0] and 2 [1] (instance
 *	lock).
 * @c_bad: C_BAD_STE [0] and C_BAD_CD [1] events (instance lock).
 * @illegal: of which ILLEGAL structures (instance lock).
 * @disabled_aborts: transactions aborted while disabled (instance lock).
 * @by_op: commands executed per opcode (instance lock).
 * @pending: TLBI removals waiting for the next CMD_SYNC (consumer lock).
 * @nr_pending: entries of @pending used (consumer lock).
 * @devs: the devices (mdev.c; its own lock).
 */
struct invt_msmmu {
	struct invt_msmmu_config cfg;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_smmu_regs regs;
	struct smmu_hw_queue hq;
	struct smmu_hw_cfg_idr idr;
	struct invt_mem_pt_ops ptops;
	struct invt_cache *iotlb;

	struct msmmu_cfg *cfgc;
	uint64_t cfg_rng;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t xlate[2];
	uint64_t c_bad[2];
	uint64_t illegal[2];
	uint64_t disabled_aborts;
	uint64_t by_op[INVT_MSMMU_NR_OPS];

	struct invt_cache_match pending[MSMMU_MAX_PENDING];
	unsigned int nr_pending;

	struct invt_mdev_table devs;
};

/* splitmix64 finaliser: seeds and victim choices. */
static inline uint64_t msmmu_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The device with stream id @sid, or NULL.  Takes the table's lock. */
struct invt_mdev *msmmu_find_dev(struct invt_msmmu *m, uint32_t sid);

/*
 * Remove every cached configuration in @scope.  Instance lock held.
 * Return: how many were removed.
 */
unsigned int msmmu_cfg_invalidate_locked(struct invt_msmmu *m,
					 const struct smmu_hw_cfg_scope *scope);

#endif /* INVTRACK_MODEL_SMMUV3_INTERNAL_H */
