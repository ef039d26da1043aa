/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw-cfg.h - RISC-V IOMMU, hardware side: the device directory (ddtp,
 * device contexts) and process directory (process contexts) as the modelled
 * IOMMU reads them (RISC-V IOMMU 1.0 chapter 2, "Data Structures").
 *
 * Written independently of the driver's builders (src/arch/riscv/cfg.c):
 * own field extraction and own configuration checks.  What is modelled:
 *  - ddtp.iommu_mode 1LVL (others: Off and Bare fault every transaction,
 *    2LVL / 3LVL are not modelled and fault too);
 *  - base-format device contexts of 32 bytes: the model's capabilities have
 *    MSI_FLAT clear, so §2.1 says the IOMMU uses the base format, and
 *    DDI[0] = device_id[6:0] (1LVL: device_ids 0..127);
 *  - process directories in PD8 mode (one level, 256 process contexts of
 *    16 bytes); PD17 / PD20 are not in the capabilities, so a device context
 *    naming them is misconfigured;
 *  - little-endian structures (fctl.BE = 0, tc.SBE must be 0: END is not
 *    in the capabilities); fctl.GXL = 0 and tc.SXL = 0 only.
 * The word holding V (tc of a device context, ta of a process context) is
 * read first with an acquire load, which pairs with the driver's release
 * store of that word: it forbids seeing V = 1 with older contents of the
 * other words.  The other words are relaxed atomic loads.
 */
#ifndef INVTRACK_RISCV_HW_CFG_H
#define INVTRACK_RISCV_HW_CFG_H

#include <stdbool.h>
#include <stdint.h>

/* Device context (base format), RISC-V IOMMU 1.0 §2.1.3. */
#define RV_HW_DC_WORDS		4
#define RV_HW_DC_BYTES		32
/* 1LVL, base format: DDI[0] is device_id[6:0]. */
#define RV_HW_DDT_1LVL_DID_BITS	7
/* Process context, §2.2.2. */
#define RV_HW_PC_WORDS		2
#define RV_HW_PC_BYTES		16
/* PD8: process_id[7:0]. */
#define RV_HW_PD8_PID_BITS	8

/* ddtp.iommu_mode (§5.4). */
#define RV_HW_DDTP_OFF		0
#define RV_HW_DDTP_BARE		1
#define RV_HW_DDTP_1LVL		2

/* iosatp / iohgatp / pdtp MODE values used (§2.1.3.2-§2.1.3.4). */
#define RV_HW_ATP_BARE		0
#define RV_HW_ATP_SV39		8
#define RV_HW_ATP_SV48		9
#define RV_HW_ATP_SV57		10
#define RV_HW_PDTP_PD8		1

/**
 * enum rv_hw_cfg_fault - why a context cannot be used (fault causes, §4.2).
 * @RV_HW_CFG_OK: usable.
 * @RV_HW_CFG_DDT_INVALID: "DDT entry not valid" (258): tc.V = 0.
 * @RV_HW_CFG_DDT_MISCONFIGURED: "DDT entry misconfigured" (259).
 * @RV_HW_CFG_PDT_INVALID: "PDT entry not valid" (266): ta.V = 0.
 * @RV_HW_CFG_PDT_MISCONFIGURED: "PDT entry misconfigured" (267).
 * @RV_HW_CFG_DISALLOWED: "Transaction type disallowed" (260): device_id or
 *	process_id too wide, a process_id without PDTV, ...
 * @RV_HW_CFG_ACCESS: "DDT / PDT entry load access fault" (257 / 265): the
 *	structure is outside memory.
 * @RV_HW_CFG_OFF: "All inbound transactions disallowed" (256), or a mode
 *	the model does not translate (Bare, 2LVL, 3LVL).
 */
enum rv_hw_cfg_fault {
	RV_HW_CFG_OK,
	RV_HW_CFG_DDT_INVALID,
	RV_HW_CFG_DDT_MISCONFIGURED,
	RV_HW_CFG_PDT_INVALID,
	RV_HW_CFG_PDT_MISCONFIGURED,
	RV_HW_CFG_DISALLOWED,
	RV_HW_CFG_ACCESS,
	RV_HW_CFG_OFF,
};

/**
 * struct rv_hw_dc - a parsed device context.
 * @en_ats: tc.EN_ATS.
 * @en_pri: tc.EN_PRI.
 * @pdtv: tc.PDTV: fsc is a process-directory pointer.
 * @dpe: tc.DPE: requests without a process_id use process_id 0.
 * @dtf: tc.DTF.
 * @gmode: iohgatp.MODE (0 Bare, 8-10 Sv39x4..Sv57x4).
 * @gscid: iohgatp.GSCID.
 * @groot: iohgatp.PPN << 12 (16 KiB aligned when @gmode is not Bare).
 * @pscid: ta.PSCID (used when @pdtv is 0).
 * @fmode: iosatp.MODE (@pdtv 0) or pdtp.MODE (@pdtv 1).
 * @froot: iosatp.PPN << 12 or pdtp.PPN << 12.
 */
struct rv_hw_dc {
	bool en_ats, en_pri, pdtv, dpe, dtf;
	unsigned int gmode;
	uint16_t gscid;
	uint64_t groot;
	uint32_t pscid;
	unsigned int fmode;
	uint64_t froot;
};

/**
 * struct rv_hw_pc - a parsed process context.
 * @ens: ta.ENS.
 * @sum: ta.SUM.
 * @pscid: ta.PSCID.
 * @fmode: fsc.MODE (0 Bare, 8-10 Sv39..Sv57).
 * @froot: fsc.PPN << 12.
 */
struct rv_hw_pc {
	bool ens, sum;
	uint32_t pscid;
	unsigned int fmode;
	uint64_t froot;
};

/**
 * rv_hw_dc_read() - read a device context from memory.
 * @mem: its first word (host pointer into model memory).
 * @w: out: tc, iohgatp, ta, fsc.
 *
 * tc with an acquire load first, then the others relaxed.
 */
void rv_hw_dc_read(const uint64_t *mem, uint64_t w[RV_HW_DC_WORDS]);

/**
 * rv_hw_pc_read() - read a process context from memory.
 * @mem: its first word.
 * @w: out: ta (acquire), fsc.
 */
void rv_hw_pc_read(const uint64_t *mem, uint64_t w[RV_HW_PC_WORDS]);

/**
 * rv_hw_dc_parse() - check and decode a device context (§2.1.4).
 * @w: its words.
 * @caps: the capabilities register.
 * @out: receives the fields; meaningful on RV_HW_CFG_OK only.
 *
 * Return: RV_HW_CFG_OK, _DDT_INVALID (V = 0) or _DDT_MISCONFIGURED (any of
 * the §2.1.4 checks that apply with fctl = 0: a reserved bit or encoding,
 * EN_ATS / EN_PRI / PRPR without ATS, T2GPA (not in the model's
 * capabilities), EN_PRI without EN_ATS, PRPR without EN_PRI, GADE / SADE
 * (no AMO_HWAD), SBE or SXL set, DPE without PDTV, an unsupported iosatp,
 * pdtp or iohgatp mode, an iohgatp root not 16 KiB aligned, RCID / MCID
 * without QOSID).
 */
enum rv_hw_cfg_fault rv_hw_dc_parse(const uint64_t w[RV_HW_DC_WORDS], uint64_t caps,
				    struct rv_hw_dc *out);

/**
 * rv_hw_pc_parse() - check and decode a process context (§2.2.4).
 * @w: its words.
 * @caps: the capabilities register.
 * @out: receives the fields; meaningful on RV_HW_CFG_OK only.
 *
 * Return: RV_HW_CFG_OK, _PDT_INVALID or _PDT_MISCONFIGURED (a reserved bit,
 * an unsupported fsc.MODE).
 */
enum rv_hw_cfg_fault rv_hw_pc_parse(const uint64_t w[RV_HW_PC_WORDS], uint64_t caps,
				    struct rv_hw_pc *out);

/**
 * rv_hw_ddt_locate() - where the device context of a device_id is.
 * @ddtp: the ddtp register.
 * @did: the device_id.
 * @pa: out: the context's physical address.
 *
 * Return: RV_HW_CFG_OK; _OFF for iommu_mode Off, Bare, 2LVL or 3LVL;
 * _DISALLOWED for a device_id wider than 1LVL's 7 bits (§4.1 step 5).
 */
enum rv_hw_cfg_fault rv_hw_ddt_locate(uint64_t ddtp, uint32_t did, uint64_t *pa);

/**
 * rv_hw_pdt_locate() - where the process context of a process_id is.
 * @dc: the device context (PDTV = 1, PD8).
 * @pid: the process_id.
 * @pa: out: the context's physical address.
 *
 * Return: RV_HW_CFG_OK, or _DISALLOWED for a process_id wider than PD8's.
 */
enum rv_hw_cfg_fault rv_hw_pdt_locate(const struct rv_hw_dc *dc, uint32_t pid, uint64_t *pa);

#endif /* INVTRACK_RISCV_HW_CFG_H */
