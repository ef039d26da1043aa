/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-exec.h - Intel VT-d, hardware side: what a decoded descriptor removes
 * from the model's caches.
 *
 * The pure part of the modelled unit's executor: from a struct vtd_hw_desc
 * (hw.h) to a plan - a struct invt_cache_match for the IOTLB and
 * paging-structure caches or for a device's TLB, or the set of resolved
 * configurations a context-cache / PASID-cache invalidation removes.  The
 * instance (src/model/vtd.c) applies the plan under its locks.
 *
 * How the model tags what it caches (docs/hardware.md §2 "Tags"):
 *	first-stage leaves	S1	 tag_s2 = DID, tag_s1 = PASID
 *	first-stage tables	WALK_S1	 tag_s2 = DID, tag_s1 = PASID
 *	second-stage leaves	S2	 tag_s2 = DID, tag_s1 = NONE
 *	second-stage tables	WALK_S2	 tag_s2 = DID, tag_s1 = NONE
 *	nested (combined) leaves NESTED tag_s2 = DID, tag_s1 = PASID
 *	device-TLB entries	ATC	 sid = SID, ssid = PASID or NONE (no PASID)
 * where PASID is the request's PASID, or the context entry's RID_PASID for
 * requests without one.
 *
 *   descriptor                 kinds             tag_s2  tag_s1  global range      walk
 *   IOTLB G=1 global           TLB               *       *       match  all        removed
 *   IOTLB G=2 DSI (DID)        TLB               DID     *       match  all        removed
 *   IOTLB G=3 PSI (DID,ADDR)   S2|WALK_S2        DID     -       -      2^AM pages IH keeps
 *     and                      S1|NESTED|WALK_S1 DID     *       match  all        removed
 *   PIOTLB G=2 (DID,PASID)     S1|NESTED|WALK_S1 DID     PASID   kept   all        removed
 *   PIOTLB G=3 (DID,PASID,A)   S1|NESTED|WALK_S1 DID     PASID   match  2^AM pages IH keeps
 *   DEVTLB (SID,ADDR,S)        ATC (sid SID, ssid *)                    S span     -
 *   PDEVTLB (SID,PASID,A,S,G)  ATC (sid SID, ssid PASID, whatever G)   S span     -
 *
 * A type 2 PSI or DSI removes the DID's second-stage entries and every
 * first-stage entry tagged with the DID, of any PASID (VT-d §6.5.2.3; QEMU's
 * model does the same); a type 6 only first-stage entries of DID + PASID
 * (§6.5.2.4).  A PSI removes the DID's second-stage entries in its range
 * and the DID's first-stage and nested entries whatever their address
 * (§6.5.2.3, scalable mode: its address is a second-stage input address).
 * Type 2 G=3 on a unit without CAP.PSI is executed as a DSI
 * (hardware may invalidate more).  Type 6 G=2 spares global first-stage
 * entries ("all non-global mappings of the PASID"); G=3 removes them too.
 * A device-TLB invalidation without PASID also hits PASID-tagged entries of
 * the device (an ATS invalidation without a PASID prefix, PCIe Base
 * §10.3.1).  The G bit of type 8 (Global Invalidate in the ATS request) is
 * ignored by an ATC that does not report Global Invalidate Supported (ATS
 * Capability bit 6, PCIe Base §10.5.1.2): the model is that device, and a
 * type 8 removes its PASID's entries only, G or not.
 *
 * Written independently of the driver's encoder and range policy: it sees
 * descriptors only as the hardware-side decoder produced them.
 */
#ifndef INVTRACK_VTD_HW_EXEC_H
#define INVTRACK_VTD_HW_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/cache.h>

#include "hw.h"

/**
 * enum vtd_hw_exec_kind - what a plan acts on.
 * @VTD_HW_EXEC_NONE: nothing cached changes (interrupt entry cache: the
 *	model has no interrupt remapping).
 * @VTD_HW_EXEC_TLB: remove IOTLB and paging-structure entries matching
 *	@match (at the next completed wait descriptor: see src/model/vtd.c).
 * @VTD_HW_EXEC_DEVTLB: remove entries matching @match from the device TLB of
 *	the device @sid.
 * @VTD_HW_EXEC_CFG: remove the resolved configurations @cfg covers.
 * @VTD_HW_EXEC_WAIT: an invalidation wait: everything before it completes.
 */
enum vtd_hw_exec_kind {
	VTD_HW_EXEC_NONE,
	VTD_HW_EXEC_TLB,
	VTD_HW_EXEC_DEVTLB,
	VTD_HW_EXEC_CFG,
	VTD_HW_EXEC_WAIT,
};

/**
 * struct vtd_hw_cfg_scope - resolved configurations a context-cache or
 * PASID-cache invalidation removes.
 * @all: every configuration.
 * @by_did: only those whose PASID entry carries @did.
 * @did: see @by_did.
 * @by_sid: only those of requester ids matching @sid under @sid_mask.
 * @sid: see @by_sid.
 * @sid_mask: bits of the requester id compared (FM clears low function bits).
 * @by_pasid: only those resolved through the PASID entry of @pasid (a
 *	request without PASID resolves through RID_PASID).
 * @pasid: see @by_pasid.
 *
 * The model caches the context entry and the PASID entry resolved together
 * per (requester id, PASID), as QEMU does: a context-cache invalidation
 * also drops the PASID entries resolved with the context entries it
 * removes.  In scalable mode context entries carry no DID: a domain-selective
 * context-cache invalidation removes the configurations whose PASID entry
 * has that DID, and a device-selective one ignores the DID field.
 */
struct vtd_hw_cfg_scope {
	bool all;
	bool by_did;
	uint16_t did;
	bool by_sid;
	uint16_t sid;
	uint16_t sid_mask;
	bool by_pasid;
	uint32_t pasid;
};

/**
 * struct vtd_hw_exec - a descriptor's effect on the caches.
 * @kind: an enum vtd_hw_exec_kind.
 * @match: TLB and DEVTLB: the descriptor for invt_cache_invalidate().
 * @has_fs: TLB: a second descriptor, @match_fs, applies too (type 2 PSI).
 * @match_fs: see @has_fs: the DID's first-stage and nested entries.
 * @cfg: CFG: the scope.
 * @sid: DEVTLB: the device whose TLB is targeted.
 */
struct vtd_hw_exec {
	int kind;
	struct invt_cache_match match;
	bool has_fs;
	struct invt_cache_match match_fs;
	struct vtd_hw_cfg_scope cfg;
	uint16_t sid;
};

/**
 * vtd_hw_exec_plan() - what a decoded descriptor removes.
 * @d: a descriptor vtd_hw_decode() accepted.
 * @psi: CAP.PSI: without it a type 2 G=3 is executed as a DSI.
 * @out: receives the plan (see the table at the top of this header).
 *
 * Context cache (type 1): G=1 everything, G=2 configurations with @d->did,
 * G=3 those of SID with the FM low bits ignored (FM 1: bit 2, 2: bits 2:1,
 * 3: bits 2:0).  PASID cache (type 7): G=0 every PASID of DID, G=1 DID +
 * PASID, G=3 everything.
 *
 * Return: 0, or -EINVAL for a type or granularity the decoder rejects.
 */
int vtd_hw_exec_plan(const struct vtd_hw_desc *d, bool psi, struct vtd_hw_exec *out);

/**
 * vtd_hw_cfg_in_scope() - does an invalidation remove a configuration?
 * @s: the scope.
 * @sid: the configuration's requester id.
 * @did: the DID of its PASID entry.
 * @pasid: the PASID whose entry it resolved (RID_PASID without PASID).
 *
 * Return: true when it does.
 */
bool vtd_hw_cfg_in_scope(const struct vtd_hw_cfg_scope *s, uint16_t sid, uint16_t did,
			 uint32_t pasid);

#endif /* INVTRACK_VTD_HW_EXEC_H */
