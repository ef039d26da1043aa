// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * batch.c - VT-d driver side: descriptors of a batch that others of the
 * same invalidation cover (see batch.h).
 */
#include "batch.h"

void vtd_slot_read(const uint8_t *p, struct vtd_slot *s)
{
	/* §6.5.2: type qw0[3:0] (qw0[11:9] = 0 for the types used here). */
	s->type = (p[1] & 0x0e) ? 0xff : p[0] & 0xf;
	switch (s->type) {
	case INVT_VTD_DESC_IOTLB:	/* §6.5.2.3: DID qw0[31:16] */
	case INVT_VTD_DESC_PIOTLB:	/* §6.5.2.4: DID qw0[31:16] */
	case INVT_VTD_DESC_PDEVTLB:	/* §6.5.2.6: SID qw0[31:16] */
		s->key = (uint16_t)(p[2] | p[3] << 8);
		break;
	case INVT_VTD_DESC_DEVTLB:	/* §6.5.2.5: SID qw0[47:32] */
		s->key = (uint16_t)(p[4] | p[5] << 8);
		break;
	default:
		s->key = 0;
		break;
	}
}

uint64_t vtd_econ_widen_drops(const struct vtd_slot *s, unsigned int n)
{
	uint64_t drop = 0;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (s[i].type != INVT_VTD_DESC_PIOTLB)
			continue;
		for (j = 0; j < n; j++) {
			/* A type 2 of the DID, or an earlier type 6 of it (widened or dropped). */
			if (j != i && s[j].key == s[i].key &&
			    (s[j].type == INVT_VTD_DESC_IOTLB ||
			     (j < i && s[j].type == INVT_VTD_DESC_PIOTLB))) {
				drop |= 1ull << i;
				break;
			}
		}
	}
	return drop;
}

uint64_t vtd_econ_dsi_drops(const struct vtd_slot *s, unsigned int n, uint16_t did)
{
	uint64_t drop = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((s[i].type == INVT_VTD_DESC_IOTLB || s[i].type == INVT_VTD_DESC_PIOTLB) &&
		    s[i].key == did)
			drop |= 1ull << i;
	return drop;
}

bool vtd_econ_clear_covered(const struct vtd_slot *s, unsigned int n, uint16_t did)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (s[i].type == INVT_VTD_DESC_IOTLB && s[i].key == did)
			return true;
	return false;
}
