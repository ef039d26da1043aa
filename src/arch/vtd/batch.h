/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * batch.h - VT-d driver side: which descriptors of a unit's batch another
 * descriptor of the same invalidation already covers (the command economy
 * of driver.c's build and of invt_vtd_plan_count(), which must agree).
 *
 * Both see a batch the same way: the descriptors built since its last
 * submission, as (type, DID or SID) pairs.  The driver reads them from the
 * queue-format bytes (vtd_slot_read()), the plan count keeps them itself.
 */
#ifndef INVTRACK_VTD_BATCH_H
#define INVTRACK_VTD_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/core.h>
#include <invtrack/vtd-driver.h>

/* Descriptors one batch holds; a drop set is a mask of them. */
#define VTD_BATCH_SLOTS	(INVT_BATCH_BYTES / INVT_VTD_DESC_BYTES)
_Static_assert(VTD_BATCH_SLOTS <= 64, "a batch's drop set fits 64 bits");

/**
 * struct vtd_slot - one descriptor of a batch.
 * @type: its type (enum invt_vtd_desc_type).
 * @key: DID of types 2 and 6, SID of types 3 and 8, else 0.
 */
struct vtd_slot {
	uint8_t type;
	uint16_t key;
};

/** vtd_slot_read() - @s from the INVT_VTD_DESC_BYTES queue-format bytes at @p. */
void vtd_slot_read(const uint8_t *p, struct vtd_slot *s);

/**
 * vtd_econ_widen_drops() - the PASID-based IOTLB descriptors (type 6) of
 * @s[0..@n) that need no IOTLB descriptor (type 2) of their own once the
 * driver widens them to their DID's (order_unlisted_pair() in driver.c).
 *
 * Every widened descriptor of one invalidation is the type 2 of its DID over
 * the same range, so one per DID is enough; none where a type 2 of the DID
 * built for another entry of the invalidation is in @s: the second-stage
 * entry's is the same descriptor (same DID, range and CAP), the nest
 * parent's first-stage clear a DSI, which covers it (§6.5.2.3).
 *
 * Return: the mask of the slots to drop; the others of type 6 are widened.
 */
uint64_t vtd_econ_widen_drops(const struct vtd_slot *s, unsigned int n);

/**
 * vtd_econ_dsi_drops() - the IOTLB (type 2) and PASID-based IOTLB (type 6)
 * descriptors of @did in @s[0..@n) that a domain-selective IOTLB
 * invalidation of @did built after them covers (§6.5.2.3: a DSI removes
 * every entry of the DID, second-stage, first-stage and nested, of every
 * PASID).  In one batch every IOTLB descriptor comes before every
 * device-TLB one (the array is sorted by type), so no device-TLB
 * invalidation between them loses the order §6.5.2.12 gives it.
 *
 * Return: the mask of the slots to drop.
 */
uint64_t vtd_econ_dsi_drops(const struct vtd_slot *s, unsigned int n, uint16_t did);

/**
 * vtd_econ_clear_covered() - whether a nested DID's first-stage clear
 * (IOTLB_S2_S1_CLEAR of @did) needs no descriptor: @s[0..@n) holds a type 2
 * of @did, the one its second-stage entry (sorted just before) built over
 * the same range, or a DSI.  In scalable mode either removes every
 * first-stage and nested entry of the DID, whatever the address
 * (§6.5.2.3), all the clear asks.  Where that descriptor went out in an
 * earlier submission of the batch, the clear builds its own.
 *
 * Return: true when the clear is covered.
 */
bool vtd_econ_clear_covered(const struct vtd_slot *s, unsigned int n, uint16_t did);

#endif /* INVTRACK_VTD_BATCH_H */
