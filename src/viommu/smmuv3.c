// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3.c - SMMUv3 guest commands (ARM IHI0070) for the viommu layer.
 *
 * A guest command is decoded with the hardware-side decoder (what a real
 * SMMU would accept, src/arch/smmuv3/hw-decode.c), checked against the list
 * a guest may send, rewritten, and encoded again with the driver's encoder
 * (src/arch/smmuv3/cmd.c), which refuses what the host queue would reject.
 */
#include "internal.h"

#include <invtrack/smmuv3-queue.h>
#include <invtrack/smmuv3.h>

#include "../arch/smmuv3/hw.h"

static int smmu_xlate(const struct invt_vio_xctx *x, const void *gcmd, void *host)
{
	struct smmu_hw_cmd d;
	struct invt_smmu_cmd c;
	uint32_t pid;
	int ret;

	/* Every feature: what the guest may send is decided below, by opcode. */
	if (smmu_hw_decode_le(gcmd, SMMU_HW_FEAT_ALL, &d, NULL))
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.opcode = d.op;
	c.ssv = d.ssv;
	c.leaf = d.leaf;
	c.global = d.global;
	c.num = d.num;
	c.scale = d.scale;
	c.ttl = d.ttl;
	c.tg = d.tg;
	c.size = d.size;
	c.vmid = d.vmid;
	c.asid = d.asid;
	c.sid = d.sid;
	c.ssid = d.ssid;
	c.addr = d.addr;

	switch (d.op) {
	case INVT_SMMU_CMD_TLBI_NH_ALL:		/* §4.4.2 */
	case INVT_SMMU_CMD_TLBI_NH_ASID:	/* §4.4.2 */
	case INVT_SMMU_CMD_TLBI_NH_VA:		/* §4.4.1 */
	case INVT_SMMU_CMD_TLBI_NH_VAA:		/* §4.4.1 */
		/* Stage-1 entries of the VM: the VMID is the parent's, whatever was sent. */
		if (!x->have_tag)
			return INVT_VIO_NONE;
		c.vmid = (uint16_t)invt_vio_s2_tag(x, d.vmid);
		break;
	case INVT_SMMU_CMD_TLBI_NSNH_ALL:	/* §4.4.3: every VM's: only ours */
		if (!x->have_tag)
			return INVT_VIO_NONE;
		memset(&c, 0, sizeof(c));
		c.opcode = INVT_SMMU_CMD_TLBI_NH_ALL;
		c.vmid = (uint16_t)invt_vio_s2_tag(x, d.vmid);
		break;
	case INVT_SMMU_CMD_ATC_INV:		/* §4.5.1 */
	case INVT_SMMU_CMD_CFGI_CD:		/* §4.3.3 */
	case INVT_SMMU_CMD_CFGI_CD_ALL:		/* §4.3.4 */
		ret = invt_vio_lookup(x, d.sid, &pid);
		if (ret)
			return ret;
		c.sid = pid;
		break;
	case INVT_SMMU_CMD_SYNC:		/* §4.7.3 */
		return INVT_VIO_SYNC;
	default:
		return -EOPNOTSUPP;
	}
	return invt_smmu_cmd_encode_le(&c, host) ? -EINVAL : INVT_VIO_HOST;
}

/* Event record (§7.3): StreamID in bits [63:32], bytes 4-7 little-endian. */
static uint32_t smmu_event_id(const void *rec)
{
	const uint8_t *p = rec;

	return p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
}

static void smmu_event_set_id(void *rec, uint32_t id)
{
	uint8_t *p = rec;

	p[4] = (uint8_t)id;
	p[5] = (uint8_t)(id >> 8);
	p[6] = (uint8_t)(id >> 16);
	p[7] = (uint8_t)(id >> 24);
}

const struct invt_vio_arch invt_vio_smmuv3 = {
	.guest_bytes = INVT_VIOMMU_SMMUV3_CMD_BYTES,
	.host_bytes = INVT_SMMU_CMD_BYTES,
	.event_type = INVT_VEVENT_SMMUV3,
	.xlate = smmu_xlate,
	.event_id = smmu_event_id,
	.event_set_id = smmu_event_set_id,
};
