/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/invs.h - invalidation arrays.
 *
 * A domain's invalidation array lists, sorted, every cache that may hold the
 * domain's translations: one entry per (instance, type, id, ssid), each with
 * a count of the attachments that need it.  Writers (serialised by the
 * domain's lock) replace the array whole under RCU when entries are added
 * (invt_invs_merge) and drop users in place (invt_invs_unref); lock-free
 * readers walk whichever array they loaded.
 *
 * Reader rules: load num_invs once with INVT_READ_ONCE at the start of a walk
 * and never go past it; load each entry's users with INVT_READ_ONCE and skip
 * the entry when it is 0 (trash).  The other fields of an entry never change
 * while the array is published.
 */
#ifndef INVTRACK_INVS_H
#define INVTRACK_INVS_H

#include <stddef.h>
#include <stdint.h>

struct invt_iommu;

/**
 * enum invt_inv_type - what an entry invalidates; also the order of entries
 * of one instance and the order in which their commands must be sent.
 * @INVT_INV_IOTLB_S1: stage-1 IOTLB entries of a tag (SMMUv3 ASID, VT-d DID
 *	with PASID, RISC-V PSCID).
 * @INVT_INV_IOTLB_S2: stage-2 IOTLB entries of a tag (SMMUv3 VMID, VT-d DID,
 *	RISC-V GSCID).
 * @INVT_INV_IOTLB_S2_S1_CLEAR: nest parent: also every stage-1 and combined
 *	entry of the VM (SMMUv3 TLBI_NH_ALL, RISC-V GVMA on the GSCID).
 * @INVT_INV_ATC: one device ATC for one ssid; id is the stream ID.
 * @INVT_INV_ATC_FULL: a whole device ATC (nested: guest PASIDs are unknown).
 */
enum invt_inv_type {
	INVT_INV_IOTLB_S1,
	INVT_INV_IOTLB_S2,
	INVT_INV_IOTLB_S2_S1_CLEAR,
	INVT_INV_ATC,
	INVT_INV_ATC_FULL,
	INVT_INV_NR_TYPES,
};

/**
 * struct invt_inv - one invalidation instruction.
 * @iommu: the instance that receives the commands (NULL only in tests).
 * @type: an enum invt_inv_type.
 * @id: the tag (ASID, VMID, DID, PSCID, GSCID) or, for ATC types, the SID.
 * @ssid: substream (PASID) of an ATC entry, or of an IOTLB_S1 entry on an
 *	instance with INVT_IOMMU_S1_PASID_TAGS; 0 otherwise.  Part of the order
 *	for those two types.
 * @users: attachments needing this entry; 0 means trash (skipped by readers).
 *	Read with INVT_READ_ONCE: a writer may lower it while readers walk.
 */
struct invt_inv {
	struct invt_iommu *iommu;
	uint8_t type;
	uint32_t id;
	uint32_t ssid;
	int users;
};

/**
 * struct invt_invs - a sorted array of entries, published under RCU.
 * @num_invs: entries in @inv; may be lowered in place (trailing trash cut),
 *	so readers load it once with INVT_READ_ONCE.
 * @num_trashes: entries with users == 0 below @num_invs.
 * @has_atc: set when the array was built holding an ATC or ATC_FULL entry
 *	(rebuilt without it once the last one leaves).
 * @inv: the entries.
 *
 * Every array comes from invt_invs_alloc() (or merge / purge) and goes to
 * invt_invs_free() or, once published, to an RCU-deferred free.
 */
struct invt_invs {
	size_t num_invs;
	size_t num_trashes;
	int has_atc;
	struct invt_inv inv[];
};

/**
 * invt_invs_alloc() - allocate an array of @n zeroed entries.
 * @n: number of entries; num_invs is set to @n, num_trashes to 0.
 *
 * Return: the array, or NULL when out of memory.
 */
struct invt_invs *invt_invs_alloc(size_t n);

/**
 * invt_invs_free() - free an array now (never one readers may hold).
 * @invs: the array, or NULL.
 */
void invt_invs_free(struct invt_invs *invs);

/**
 * invt_invs_cmp() - order of two entries.
 * @a: first entry.
 * @b: second entry.
 *
 * Instance first (NULL before any, then by instance id), then type, then id,
 * then ssid for the two ATC types and IOTLB_S1 (see struct invt_inv).
 *
 * Return: negative, 0 or positive as @a sorts before, equal to or after @b.
 */
int invt_invs_cmp(const struct invt_inv *a, const struct invt_inv *b);

/**
 * invt_invs_merge() - a new array holding @invs's live entries plus @add.
 * @invs: the current array (not modified); its trash is dropped.
 * @add: entries to add, in any order; each adds one user (its users field is
 *	ignored), to the equal live entry of @invs if there is one.
 * @out: receives the new, sorted, duplicate-free array.
 *
 * Context: the caller holds the lock that serialises writers of @invs.
 * Return: 0, or -ENOMEM with *@out untouched.
 */
int invt_invs_merge(const struct invt_invs *invs, const struct invt_invs *add,
		    struct invt_invs **out);

/**
 * invt_invs_unref() - drop one user per @del entry, in place.
 * @invs: the published array; readers may be walking it.
 * @del: entries to drop.  Each gets users = 0 written back when its match
 *	reached 0 users (its tag or ATC must now be flushed), 1 otherwise.
 *
 * Never allocates, never fails.  An entry reaching 0 becomes trash in place;
 * trailing trash is cut by lowering num_invs.  A @del entry without a live
 * match is a caller bug (asserted in debug builds, ignored otherwise).
 *
 * Context: the caller holds the lock that serialises writers of @invs.
 * Return: how many entries reached 0 users.
 */
size_t invt_invs_unref(struct invt_invs *invs, struct invt_invs *del);

/**
 * invt_invs_purge() - a new array without trash.
 * @invs: the array (not modified).
 *
 * Return: the new array, or NULL when @invs has no trash or out of memory;
 * correctness never depends on purging.
 */
struct invt_invs *invt_invs_purge(const struct invt_invs *invs);

#endif /* INVTRACK_INVS_H */
