// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vtd.c - VT-d guest invalidation descriptors (Intel VT-d specification
 * rev. 5.x, §6.5.2) for the viommu layer.
 *
 * Scalable mode (the only mode with nested translation, PGTT = 011b) needs
 * 256-bit descriptors (IQA_REG.DW = 1), so a guest command is 32 bytes.  It
 * is decoded with the hardware-side decoder (src/arch/vtd/hw-decode.c),
 * checked against the list a guest may send, rewritten, and encoded again
 * with the driver's encoder (src/arch/vtd/cmd.c).
 *
 * The guest's DIDs name its domains: each nested domain of the viommu is
 * bound to its guest DID (invt_viommu_nested_init()), and a guest command's
 * DID becomes the DID that nested domain holds on the instance (its own
 * with INVT_IOMMU_NESTED_OWN_TAGS, as Linux gives each nested domain one,
 * or the parent's).
 */
#include "internal.h"

#include <invtrack/vtd-driver.h>
#include <invtrack/vtd.h>

#include "../arch/vtd/hw.h"

/*
 * A guest's global PASID-cache invalidation: a domain-selective one (G = 0)
 * for each DID the viommu's nested domains hold on the instance, each DID
 * once.
 */
static int pc_all(const struct invt_vio_xctx *x)
{
	const struct invt_viommu *viommu = x->viommu;
	unsigned int i, j;

	for (i = 0; i < viommu->nr_nested; i++) {
		struct invt_vtd_desc c = { .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_DOMAIN };
		uint8_t host[INVT_VTD_DESC_BYTES];
		uint32_t tag, other;
		bool seen = false;

		if (invt_vio_vtag_tag(x, viommu->nested[i].vtag, &tag))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = !invt_vio_vtag_tag(x, viommu->nested[j].vtag, &other) && other == tag;
		c.did = (uint16_t)tag;
		if (!seen && !invt_vtd_desc_encode_le(&c, host, sizeof(host)))
			invt_vio_emit(x, host);
	}
	return INVT_VIO_NONE;
}

static int vtd_xlate(const struct invt_vio_xctx *x, const void *gcmd, void *host)
{
	/* Every feature, any AM: what the guest may send is decided below. */
	const struct vtd_hw_caps caps = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
	struct vtd_hw_desc d;
	struct invt_vtd_desc c;
	uint32_t pid, tag;
	int ret;

	if (vtd_hw_decode_le(gcmd, true, &caps, &d, NULL))
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.type = d.type;
	c.g = d.g;
	c.ih = d.ih;
	c.am = d.am;
	c.size = d.s;
	c.qdep = d.mip;
	c.did = d.did;
	c.sid = d.sid;
	c.pfsid = d.pfsid;
	c.pasid = d.pasid;
	c.addr = d.addr;

	switch (d.type) {
	case INVT_VTD_DESC_PIOTLB:	/* §6.5.2.4: first-stage entries of DID + PASID */
		/*
		 * The guest DID names the guest's domain: the host DID is the one
		 * its nested domain holds here (its own, or the parent's).  None:
		 * nothing on the host was built from that DID.
		 */
		if (invt_vio_vtag_tag(x, d.did, &tag))
			return INVT_VIO_NONE;
		c.did = (uint16_t)tag;
		break;
	case INVT_VTD_DESC_PC:		/* §6.5.2.2 */
		/* Global would reach every VM's PASID entries: each of the VM's DIDs. */
		if (c.g == INVT_VTD_PC_GLOBAL)
			return pc_all(x);
		if (invt_vio_vtag_tag(x, d.did, &tag))
			return INVT_VIO_NONE;
		c.did = (uint16_t)tag;
		break;
	case INVT_VTD_DESC_DEVTLB:	/* §6.5.2.5 */
	case INVT_VTD_DESC_PDEVTLB:	/* §6.5.2.6 */
		ret = invt_vio_lookup(x, d.sid, &pid);
		if (ret)
			return ret;
		/* The device is no SR-IOV VF to the host: its PFSID is its SID. */
		c.sid = (uint16_t)pid;
		c.pfsid = (uint16_t)pid;
		break;
	case INVT_VTD_DESC_WAIT:	/* §6.5.2.8: the guest's completion */
		return INVT_VIO_SYNC;
	default:
		return -EOPNOTSUPP;
	}
	return invt_vtd_desc_encode_le(&c, host, INVT_VTD_DESC_BYTES) ? -EINVAL : INVT_VIO_HOST;
}

/* Fault record (§7.2.1 / FRCD_REG §11.4.14): SID in bits [79:64], bytes 8-9. */
static uint32_t vtd_event_id(const void *rec)
{
	const uint8_t *p = rec;

	return p[8] | (uint32_t)p[9] << 8;
}

static void vtd_event_set_id(void *rec, uint32_t id)
{
	uint8_t *p = rec;

	p[8] = (uint8_t)id;
	p[9] = (uint8_t)(id >> 8);
}

const struct invt_vio_arch invt_vio_vtd = {
	.guest_bytes = INVT_VIOMMU_VTD_CMD_BYTES,
	.host_bytes = INVT_VTD_DESC_BYTES,
	.event_type = INVT_VEVENT_VTD,
	.vtags = true,
	.xlate = vtd_xlate,
	.event_id = vtd_event_id,
	.event_set_id = vtd_event_set_id,
};
