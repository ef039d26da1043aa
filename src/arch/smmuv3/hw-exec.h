/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-exec.h - ARM SMMUv3, hardware side: what a decoded command removes
 * from the model's caches.
 *
 * The pure part of the modelled SMMU's command executor: from a struct
 * smmu_hw_cmd (hw.h) to a plan - a struct invt_cache_match for the IOTLB and
 * walk cache (TLBI_*) or for a device's ATC (ATC_INV), or the set of
 * configurations a CFGI_* removes.  The rules are the table at the top of
 * <invtrack/model/cache.h> (docs/hardware.md §1 "What each TLBI removes"); the
 * instance (src/model/smmuv3.c) applies the plan under its locks.
 *
 * Written independently of the driver's encoder and range policy
 * (<invtrack/smmuv3.h>, cmd.c, range.c): it sees commands only as the
 * hardware-side decoder produced them.
 */
#ifndef INVTRACK_SMMUV3_HW_EXEC_H
#define INVTRACK_SMMUV3_HW_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/cache.h>

#include "hw.h"

/*
 * tag_s2 of EL2 (E2H) regime entries: outside the 16-bit VMID space, so no
 * VMID-tagged command can reach them (and NSNH_ALL's 0xffff0000 mask keeps
 * them too).
 */
#define SMMU_HW_EXEC_EL2_TAG		0x10000u
/* NSNH_ALL: tag_s2 0 under this mask matches every 16-bit VMID. */
#define SMMU_HW_EXEC_VMID_SPACE_MASK	0xffff0000u

/**
 * enum smmu_hw_exec_kind - what a plan acts on.
 * @SMMU_HW_EXEC_NONE: nothing cached changes (CMD_SYNC, PRI_RESP, RESUME).
 * @SMMU_HW_EXEC_TLB: remove IOTLB and walk-cache entries matching @match.
 * @SMMU_HW_EXEC_ATC: remove entries matching @match from the ATC of the
 *	device @sid (the match names the sid too).
 * @SMMU_HW_EXEC_CFG: remove the configurations @cfg covers.
 */
enum smmu_hw_exec_kind {
	SMMU_HW_EXEC_NONE,
	SMMU_HW_EXEC_TLB,
	SMMU_HW_EXEC_ATC,
	SMMU_HW_EXEC_CFG,
};

/**
 * struct smmu_hw_cfg_scope - configurations (sid, ssid) a CFGI_* removes.
 * @sid_first: first StreamID (inclusive).
 * @sid_last: last StreamID (inclusive).
 * @all_ssids: every configuration of the streams (STE and all CDs).
 * @ssid: without @all_ssids, the one substream: 0 names the transactions
 *	without a SubstreamID, which use CD 0 (S1CDMax 0, or S1DSS 0b10), so
 *	CFGI_CD of SSID 0 removes them; any other value that PASID.
 *
 * A configuration cache keyed by (sid, ssid) with ssid 0 for the RID
 * removes exactly the keys smmu_hw_cfg_in_scope() accepts.
 */
struct smmu_hw_cfg_scope {
	uint32_t sid_first;
	uint32_t sid_last;
	bool all_ssids;
	uint32_t ssid;
};

/**
 * struct smmu_hw_exec - a command's effect on the caches.
 * @kind: an enum smmu_hw_exec_kind.
 * @match: TLB and ATC: the descriptor for invt_cache_invalidate().
 * @cfg: CFG: the scope.
 * @sid: ATC: the device whose ATC is targeted.
 */
struct smmu_hw_exec {
	int kind;
	struct invt_cache_match match;
	struct smmu_hw_cfg_scope cfg;
	uint32_t sid;
};

/**
 * smmu_hw_exec_plan() - what a decoded command removes.
 * @c: a command smmu_hw_decode() accepted.
 * @out: receives the plan.
 *
 * TLBIs follow the table in <invtrack/model/cache.h> row by row: the kinds
 * (S2_IPA never names NESTED), the tags (NH_ALL / NH_VAA / S12_VMALL match
 * any ASID; NSNH_ALL any 16-bit VMID; EL2_* only SMMU_HW_EXEC_EL2_TAG), the
 * globals (NH_ASID / EL2_ASID keep them), the span (smmu_hw_tlbi_span();
 * the whole address space for the *_ALL / *_ASID forms) and Leaf (leaf_only:
 * walk entries stay).  TTL only hints and does not narrow the match.
 * ATC_INV: the device's entries of SSID (SSV = 1, Global or not: the ATC
 * has no Global Invalidate Supported, PCIe Base §10.5.1.2) or of every ssid
 * (SSV = 0, PCIe Base §10.3.1) over smmu_hw_atc_span().  CFGI_STE: every
 * configuration of the stream; CFGI_STE_RANGE: of 2^(Range+1) streams, the
 * low Range+1 bits of SID ignored (Range 31: CFGI_ALL); CFGI_CD: (SID,
 * SSID); CFGI_CD_ALL: every configuration of the stream.  Leaf on CFGI_STE /
 * CFGI_CD concerns level-1 descriptors, which the model does not cache:
 * ignored.
 *
 * Return: 0, or -EINVAL for an opcode the decoder does not accept.
 */
int smmu_hw_exec_plan(const struct smmu_hw_cmd *c, struct smmu_hw_exec *out);

/**
 * smmu_hw_cfg_in_scope() - does a CFGI remove the configuration (sid, ssid)?
 * @s: the scope.
 * @sid: the stream.
 * @ssid: the substream, 0 for transactions without a SubstreamID.
 *
 * Return: true when it does.
 */
bool smmu_hw_cfg_in_scope(const struct smmu_hw_cfg_scope *s, uint32_t sid, uint32_t ssid);

#endif /* INVTRACK_SMMUV3_HW_EXEC_H */
