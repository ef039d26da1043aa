/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-exec.h - RISC-V IOMMU, hardware side: what a decoded command removes
 * from the model's caches.
 *
 * The pure part of the modelled IOMMU's command executor: from a struct
 * rv_hw_cmd (hw.h) to a plan - struct invt_cache_match descriptors for the
 * IOTLB (IOTINVAL.*) or a device's ATC (ATS.INVAL), or the directory-cache
 * scope an IODIR.* removes.  The instance (src/model/riscv.c) applies it.
 *
 * How the model tags its entries (RISC-V IOMMU 1.0 §4.8, "Identifiers used
 * to tag IOATC entries"):
 *	first-stage leaf      S1       tag_s2 GSCID (RV_HW_EXEC_HOST when the
 *	                               second stage is Bare), tag_s1 PSCID,
 *	                               global = the PTE's G
 *	first-stage non-leaf  WALK_S1  likewise (never global)
 *	G-stage leaf          S2       tag_s2 GSCID, tag_s1 NONE
 *	G-stage non-leaf      WALK_S2  likewise
 *	combined VS+G leaf    NESTED   tag_s2 GSCID, tag_s1 PSCID (VA -> SPA)
 *	device ATC            ATC      sid = device_id, ssid = process_id or NONE
 * A VM's first-stage entries (S1 / WALK_S1 with a GSCID) hold guest
 * physical addresses, the "two caches" design of the §3.1.1 note, so
 * IOTINVAL.GVMA need not touch them; combined NESTED entries hold system
 * physical addresses and are removed by both.
 *
 * What each command removes ("*" a wildcard; globals "match" or "kept"):
 *
 *   IOTINVAL.VMA          kinds               tag_s2      tag_s1  global range       leaf
 *   GV=0 AV=0 PSCV=0      S1|NESTED|WALK_S1   HOST        *       match  all         -
 *   GV=0 AV=0 PSCV=1      S1|NESTED|WALK_S1   HOST        PSCID   kept   all         -
 *   GV=0 AV=1 PSCV=0      S1|NESTED|WALK_S1   HOST        *       match  ADDR (S)    !NL
 *   GV=0 AV=1 PSCV=1      S1|NESTED|WALK_S1   HOST        PSCID   kept   ADDR (S)    !NL
 *   GV=1 ...              the same with       GSCID
 *   IOTINVAL.GVMA
 *   GV=0                  S2|WALK_S2|NESTED   any GSCID   *       -      all         -
 *   GV=1 AV=0             S2|WALK_S2|NESTED   GSCID       *       -      all         -
 *   GV=1 AV=1             S2|WALK_S2          GSCID       *       -      GPA (S)     !NL
 *                       + NESTED              GSCID       *       -      by GPA (S)  -
 *   ATS.INVAL             ATC                 -           -       -      PCIe size   -
 *
 * "leaf" !NL: with AV = 1 and NL = 0 only leaf entries go (walk entries
 * stay: §3.1.1 names "first-stage leaf page table entries"); NL = 1 (the
 * non-leaf extension) removes the walk entries over the range too.  "any
 * GSCID" is tag_s2 0 under mask 0xffff0000: every 16-bit GSCID, never the
 * host tag.  GVMA with AV = 1 drops the combined entries of the GSCID
 * whose VA maps to a GPA in the range ("by GPA": the entry's output IPA,
 * invt_cache_match_ipa_range()), whatever their VA, and no others: the
 * §3.1.1 note requires those and allows dropping all of the GSCID; the
 * model takes the strictest reading, so a parent flush that stops at the
 * GVMA leaves the other combined entries for the oracle to judge.
 * ATS.INVAL: sid = the device_id (RID, with DSEG << 16 when DSV = 1); ssid =
 * PID exact when PV = 1, G or not (the ATC has no Global Invalidate
 * Supported, PCIe Base §10.5.1.2, and ignores G), else every ssid (a
 * request without a PASID invalidates every PASID's entries, §10.3.1).
 * IODIR never touches the IOTLB, IOTINVAL never the directory cache.
 */
#ifndef INVTRACK_RISCV_HW_EXEC_H
#define INVTRACK_RISCV_HW_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/cache.h>

#include "hw.h"

/* tag_s2 of host entries (second stage Bare): outside the 16-bit GSCIDs. */
#define RV_HW_EXEC_HOST		INVT_CACHE_ID_NONE
/* GVMA with GV = 0: tag_s2 0 under this mask matches every 16-bit GSCID. */
#define RV_HW_EXEC_GSCID_SPACE_MASK	0xffff0000u

/**
 * enum rv_hw_exec_kind - what a plan acts on.
 * @RV_HW_EXEC_NONE: nothing cached changes (IOFENCE.C, ATS.PRGR).
 * @RV_HW_EXEC_TLB: remove IOTLB entries matching @match[0..nr_match-1].
 * @RV_HW_EXEC_ATC: remove entries matching @match[0] from the ATC of the
 *	device @did.
 * @RV_HW_EXEC_DIR: remove the directory-cache entries @dir covers.
 */
enum rv_hw_exec_kind {
	RV_HW_EXEC_NONE,
	RV_HW_EXEC_TLB,
	RV_HW_EXEC_ATC,
	RV_HW_EXEC_DIR,
};

/**
 * struct rv_hw_dir_scope - directory-cache entries an IODIR.* removes.
 * @all_devices: IODIR.INVAL_DDT with DV = 0: every entry of every device.
 * @did: otherwise the device.
 * @pdt_only: IODIR.INVAL_PDT: only entries resolved through a process
 *	context, and only that of @pid; INVAL_DDT (DV = 1) removes the device's
 *	entries whatever they used.
 * @pid: with @pdt_only, the process_id.
 */
struct rv_hw_dir_scope {
	bool all_devices;
	uint32_t did;
	bool pdt_only;
	uint32_t pid;
};

/* The most descriptors one plan needs (GVMA GV=1 AV=1). */
#define RV_HW_EXEC_MAX_MATCH	2

/**
 * struct rv_hw_exec - a command's effect on the caches.
 * @kind: an enum rv_hw_exec_kind.
 * @nr_match: TLB and ATC: descriptors used in @match.
 * @match: the descriptors for invt_cache_invalidate().
 * @dir: DIR: the scope.
 * @did: ATC: the device (device_id) whose ATC is targeted.
 * @pid: ATC: the process_id the request carries, 0 without PV.
 */
struct rv_hw_exec {
	int kind;
	unsigned int nr_match;
	struct invt_cache_match match[RV_HW_EXEC_MAX_MATCH];
	struct rv_hw_dir_scope dir;
	uint32_t did;
	uint32_t pid;
};

/**
 * rv_hw_exec_plan() - what a decoded command removes (the table above).
 * @c: a command rv_hw_decode() accepted.
 * @out: receives the plan.
 *
 * Return: 0, or -EINVAL for a kind the decoder does not accept.
 */
int rv_hw_exec_plan(const struct rv_hw_cmd *c, struct rv_hw_exec *out);

/**
 * rv_hw_dir_in_scope() - does an IODIR remove a directory-cache entry?
 * @s: the scope.
 * @did: the entry's device_id.
 * @pid: the entry's process_id (0 for requests without one).
 * @has_pc: the entry was resolved through a process context.
 *
 * Return: true when it does.
 */
bool rv_hw_dir_in_scope(const struct rv_hw_dir_scope *s, uint32_t did, uint32_t pid,
			bool has_pc);

#endif /* INVTRACK_RISCV_HW_EXEC_H */
