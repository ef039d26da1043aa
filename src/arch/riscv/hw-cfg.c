// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-cfg.c - RISC-V IOMMU, hardware side: device and process context
 * parser (see hw-cfg.h).  Field positions are those of RISC-V IOMMU 1.0
 * §2.1.3 (device context) and §2.2.2 (process context); the checks are the
 * "configuration checks" lists of §2.1.4 and §2.2.4.
 */
#include <endian.h>

#include <invtrack/riscv-regs.h>

#include "hw-cfg.h"

/* tc (§2.1.3.1): V 0, EN_ATS 1, EN_PRI 2, T2GPA 3, DTF 4, PDTV 5, PRPR 6,
 * GADE 7, SADE 8, DPE 9, SBE 10, SXL 11; reserved [23:12]; custom [31:24]
 * (not reserved for standard use: ignored); reserved [63:32]. */
#define TC_V		(1ull << 0)
#define TC_EN_ATS	(1ull << 1)
#define TC_EN_PRI	(1ull << 2)
#define TC_T2GPA	(1ull << 3)
#define TC_DTF		(1ull << 4)
#define TC_PDTV		(1ull << 5)
#define TC_PRPR		(1ull << 6)
#define TC_GADE		(1ull << 7)
#define TC_SADE		(1ull << 8)
#define TC_DPE		(1ull << 9)
#define TC_SBE		(1ull << 10)
#define TC_SXL		(1ull << 11)
#define TC_RESERVED	0xffffffff00fff000ull
/* iohgatp / iosatp / pdtp / PC.fsc: PPN [43:0], GSCID or reserved [59:44],
 * MODE [63:60]. */
#define ATP_PPN		0x00000fffffffffffull
#define ATP_MID		0x0ffff00000000000ull
#define ATP_MODE(w)	((unsigned int)((w) >> 60))
/* DC.ta: reserved [11:0], PSCID [31:12], reserved [39:32], RCID [51:40] and
 * MCID [63:52] (QoS extension; reserved without capabilities.QOSID). */
#define DC_TA_RESERVED	0xffffffff00000fffull
/* PC.ta: V 0, ENS 1, SUM 2, reserved [11:3], PSCID [31:12], reserved [63:32]. */
#define PC_TA_V		(1ull << 0)
#define PC_TA_ENS	(1ull << 1)
#define PC_TA_SUM	(1ull << 2)
#define PC_TA_RESERVED	0xffffffff00000ff8ull
#define PSCID(w)	((uint32_t)((w) >> 12) & 0xfffffu)

void rv_hw_dc_read(const uint64_t *mem, uint64_t w[RV_HW_DC_WORDS])
{
	int i;

	/*
	 * Acquire: pairs with the driver's release store of tc (the word with
	 * V) when it publishes the context.  Forbids reading iohgatp, ta or
	 * fsc older than the tc that made the context valid.
	 */
	w[0] = le64toh(__atomic_load_n(&mem[0], __ATOMIC_ACQUIRE));
	for (i = 1; i < RV_HW_DC_WORDS; i++)
		w[i] = le64toh(__atomic_load_n(&mem[i], __ATOMIC_RELAXED));
}

void rv_hw_pc_read(const uint64_t *mem, uint64_t w[RV_HW_PC_WORDS])
{
	/* Acquire: pairs with the driver's release store of ta (as above). */
	w[0] = le64toh(__atomic_load_n(&mem[0], __ATOMIC_ACQUIRE));
	w[1] = le64toh(__atomic_load_n(&mem[1], __ATOMIC_RELAXED));
}

/* A first-stage mode (SXL = 0) valid and in @caps (Table "iosatp.MODE"). */
static bool fs_mode_ok(unsigned int mode, uint64_t caps)
{
	switch (mode) {
	case RV_HW_ATP_BARE:
		return true;
	case RV_HW_ATP_SV39:
		return caps & INVT_RV_CAP_SV39;
	case RV_HW_ATP_SV48:
		return caps & INVT_RV_CAP_SV48;
	case RV_HW_ATP_SV57:
		return caps & INVT_RV_CAP_SV57;
	default:	/* reserved 1-7 and 11-13, custom 14-15: none implemented */
		return false;
	}
}

/* A G-stage mode (GXL = 0) valid and in @caps (Table "iohgatp.MODE"). */
static bool gs_mode_ok(unsigned int mode, uint64_t caps)
{
	switch (mode) {
	case RV_HW_ATP_BARE:
		return true;
	case RV_HW_ATP_SV39:
		return caps & INVT_RV_CAP_SV39X4;
	case RV_HW_ATP_SV48:
		return caps & INVT_RV_CAP_SV48X4;
	case RV_HW_ATP_SV57:
		return caps & INVT_RV_CAP_SV57X4;
	default:
		return false;
	}
}

enum rv_hw_cfg_fault rv_hw_dc_parse(const uint64_t w[RV_HW_DC_WORDS], uint64_t caps,
				    struct rv_hw_dc *out)
{
	uint64_t tc = w[0], iohgatp = w[1], ta = w[2], fsc = w[3];
	const enum rv_hw_cfg_fault bad = RV_HW_CFG_DDT_MISCONFIGURED;
	bool ats = caps & INVT_RV_CAP_ATS;

	*out = (struct rv_hw_dc){ 0 };
	if (!(tc & TC_V))
		return RV_HW_CFG_DDT_INVALID;
	if ((tc & TC_RESERVED) || (ta & DC_TA_RESERVED))
		return bad;
	if (!ats && (tc & (TC_EN_ATS | TC_EN_PRI | TC_PRPR)))
		return bad;
	if (!(tc & TC_EN_ATS) && (tc & (TC_T2GPA | TC_EN_PRI)))
		return bad;
	if (!(tc & TC_EN_PRI) && (tc & TC_PRPR))
		return bad;
	/* capabilities.T2GPA, AMO_HWAD and END are 0; fctl.GXL is 0, read-only. */
	if (tc & (TC_T2GPA | TC_GADE | TC_SADE | TC_SBE | TC_SXL))
		return bad;
	if (!(tc & TC_PDTV) && (tc & TC_DPE))
		return bad;
	if (!gs_mode_ok(ATP_MODE(iohgatp), caps))
		return bad;
	if (ATP_MODE(iohgatp) != RV_HW_ATP_BARE && (iohgatp & 3))
		return bad;	/* the G-stage root must be 16 KiB aligned */
	if (fsc & ATP_MID)
		return bad;	/* reserved in both iosatp and pdtp */
	if (tc & TC_PDTV) {
		/* Only PD8 is in the model's capabilities (PD17/PD20 bits 39/40). */
		if (ATP_MODE(fsc) != RV_HW_ATP_BARE &&
		    !(ATP_MODE(fsc) == RV_HW_PDTP_PD8 && (caps & INVT_RV_CAP_PD8)))
			return bad;
	} else if (!fs_mode_ok(ATP_MODE(fsc), caps)) {
		return bad;
	}
	out->en_ats = tc & TC_EN_ATS;
	out->en_pri = tc & TC_EN_PRI;
	out->pdtv = tc & TC_PDTV;
	out->dpe = tc & TC_DPE;
	out->dtf = tc & TC_DTF;
	out->gmode = ATP_MODE(iohgatp);
	out->gscid = (uint16_t)(iohgatp >> 44);
	out->groot = (iohgatp & ATP_PPN) << 12;
	out->pscid = PSCID(ta);
	out->fmode = ATP_MODE(fsc);
	out->froot = (fsc & ATP_PPN) << 12;
	return RV_HW_CFG_OK;
}

enum rv_hw_cfg_fault rv_hw_pc_parse(const uint64_t w[RV_HW_PC_WORDS], uint64_t caps,
				    struct rv_hw_pc *out)
{
	uint64_t ta = w[0], fsc = w[1];

	*out = (struct rv_hw_pc){ 0 };
	if (!(ta & PC_TA_V))
		return RV_HW_CFG_PDT_INVALID;
	if ((ta & PC_TA_RESERVED) || (fsc & ATP_MID) || !fs_mode_ok(ATP_MODE(fsc), caps))
		return RV_HW_CFG_PDT_MISCONFIGURED;
	out->ens = ta & PC_TA_ENS;
	out->sum = ta & PC_TA_SUM;
	out->pscid = PSCID(ta);
	out->fmode = ATP_MODE(fsc);
	out->froot = (fsc & ATP_PPN) << 12;
	return RV_HW_CFG_OK;
}

enum rv_hw_cfg_fault rv_hw_ddt_locate(uint64_t ddtp, uint32_t did, uint64_t *pa)
{
	uint64_t ppn = (ddtp >> INVT_RV_DDTP_PPN_SHIFT) & ATP_PPN;

	if ((ddtp & INVT_RV_DDTP_MODE_MASK) != RV_HW_DDTP_1LVL)
		return RV_HW_CFG_OFF;
	/* §4.1 step 5: 1LVL and DDI[1] or DDI[2] not 0. */
	if (did >> RV_HW_DDT_1LVL_DID_BITS)
		return RV_HW_CFG_DISALLOWED;
	*pa = (ppn << 12) + (uint64_t)did * RV_HW_DC_BYTES;
	return RV_HW_CFG_OK;
}

enum rv_hw_cfg_fault rv_hw_pdt_locate(const struct rv_hw_dc *dc, uint32_t pid, uint64_t *pa)
{
	if (!dc->pdtv || dc->fmode != RV_HW_PDTP_PD8 || (pid >> RV_HW_PD8_PID_BITS))
		return RV_HW_CFG_DISALLOWED;
	*pa = dc->froot + (uint64_t)pid * RV_HW_PC_BYTES;
	return RV_HW_CFG_OK;
}
