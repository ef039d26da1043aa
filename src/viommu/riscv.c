// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * riscv.c - RISC-V IOMMU guest commands (specification 1.0, §3.1) for the
 * viommu layer.
 *
 * A guest command is decoded with the hardware-side decoder
 * (src/arch/riscv/hw-decode.c), checked against the list a guest may send,
 * rewritten, and encoded again with the driver's encoder
 * (src/arch/riscv/cmd.c).
 */
#include "internal.h"

#include <invtrack/riscv-queue.h>
#include <invtrack/riscv-regs.h>
#include <invtrack/riscv.h>

#include "../arch/riscv/hw.h"

/*
 * Every optional field and 20-bit process ids (capabilities.PD8, PD17 bit 39,
 * PD20 bit 40, §5.3): what the guest may send is decided below.
 */
#define RV_VIO_CAPS \
	(INVT_RV_CAP_ATS | INVT_RV_CAP_NL | INVT_RV_CAP_S | INVT_RV_CAP_PD8 | (1ull << 39) | \
	 (1ull << 40))

static int rv_xlate(const struct invt_vio_xctx *x, const void *gcmd, void *host)
{
	const struct rv_hw_limits lim = { .caps = RV_VIO_CAPS };
	struct rv_hw_cmd d;
	struct invt_rv_cmd c;
	uint64_t dw[2];
	uint32_t vid, pid;
	int ret;

	rv_hw_words_le(gcmd, dw);
	if (rv_hw_decode(dw, &lim, &d, NULL))
		return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.opcode = d.kind & 0x1f;
	c.func3 = d.kind >> 5;
	c.av = d.av;
	c.pscv = d.pscv;
	c.gv = d.gv;
	c.nl = d.nl;
	c.s = d.s || d.ats_s;
	c.dv = d.dv;
	c.pv = d.pv;
	c.dsv = d.dsv;
	c.global = d.g;
	c.pscid = d.pscid;
	c.gscid = d.gscid;
	c.pid = d.pid;
	c.did = d.did;
	c.rid = d.rid;
	c.dseg = d.dseg;
	c.addr = d.addr;

	switch (d.kind) {
	case RV_HW_IOTINVAL_VMA:	/* §3.1.1: first stage, within the VM's GSCID */
		if (!x->have_tag)
			return INVT_VIO_NONE;
		c.gv = true;
		c.gscid = invt_vio_s2_tag(x, d.gscid);
		break;
	case RV_HW_ATS_INVAL:		/* §3.1.4: device_id = segment:RID */
		vid = (d.dsv ? (uint32_t)d.dseg << 16 : 0) | d.rid;
		ret = invt_vio_lookup(x, vid, &pid);
		if (ret)
			return ret;
		c.rid = (uint16_t)pid;
		c.dseg = (uint8_t)(pid >> 16);
		c.dsv = c.dseg != 0;
		break;
	case RV_HW_IODIR_INVAL_DDT:	/* §3.1.3 */
	case RV_HW_IODIR_INVAL_PDT:	/* §3.1.3 (DV = 1 is checked by the decoder) */
		/* INVAL_DDT with DV = 0 would reach every device. */
		if (!d.dv)
			return -EOPNOTSUPP;
		ret = invt_vio_lookup(x, d.did, &pid);
		if (ret)
			return ret;
		c.did = pid;
		break;
	case RV_HW_IOFENCE_C:		/* §3.1.2: the guest's completion */
		return INVT_VIO_SYNC;
	default:
		return -EOPNOTSUPP;
	}
	return invt_rv_cmd_encode_le(&c, host) ? -EINVAL : INVT_VIO_HOST;
}

/* Fault-queue record (§3.2): DID in bits [63:40], bytes 5-7 little-endian. */
static uint32_t rv_event_id(const void *rec)
{
	const uint8_t *p = rec;

	return p[5] | (uint32_t)p[6] << 8 | (uint32_t)p[7] << 16;
}

static void rv_event_set_id(void *rec, uint32_t id)
{
	uint8_t *p = rec;

	p[5] = (uint8_t)id;
	p[6] = (uint8_t)(id >> 8);
	p[7] = (uint8_t)(id >> 16);
}

const struct invt_vio_arch invt_vio_riscv = {
	.guest_bytes = INVT_VIOMMU_RISCV_CMD_BYTES,
	.host_bytes = INVT_RV_CMD_BYTES,
	.event_type = INVT_VEVENT_RISCV,
	.xlate = rv_xlate,
	.event_id = rv_event_id,
	.event_set_id = rv_event_set_id,
};
