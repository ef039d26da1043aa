/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/riscv-cfg.h - RISC-V IOMMU, driver side: device contexts (DC),
 * process contexts (PC), and the order in which they are written.
 *
 * RISC-V IOMMU 1.0, chapter "Data Structures": "Device-Directory-Table
 * (DDT)", "Device-Context (DC)", "Process-Directory-Table (PDT)",
 * "Process-Context (PC)".  The builders return the structures as 64-bit
 * integers (word i is bytes 8i..8i+7); the install helpers store them
 * little-endian (fctl.BE = 0).  The model's parser is written separately.
 *
 * Choices:
 *  - The DDT is 1-level (ddtp.iommu_mode = 1LVL): one 4 KiB page of DCs
 *    indexed by device_id.  The DC format follows capabilities.MSI_FLAT as
 *    the specification requires: with MSI_FLAT = 1 the IOMMU uses the
 *    extended format, 64 bytes (tc, iohgatp, ta, fsc, msiptp,
 *    msi_addr_mask, msi_addr_pattern, reserved: 64 DCs, device_id < 64);
 *    without it the base format, 32 bytes (the first four: 128 DCs).  MSI
 *    translation is never enabled here: msiptp.MODE = Off and the MSI
 *    words are 0 in the extended format.
 *  - Devices without PASIDs: DC.tc.PDTV = 0, fsc = iosatp (first-stage
 *    domain, ta.PSCID, iohgatp Bare) or iohgatp = SvNNx4 with the GSCID
 *    (second-stage domain, fsc Bare).
 *  - Devices with PASIDs: DC.tc.PDTV = 1, fsc = pdtp naming a PD8 process
 *    directory (1 level, 256 16-byte PCs in one 4 KiB page), DC.tc.DPE = 1
 *    so that requests without a process_id use process_id 0: the RID
 *    attachment (ssid 0) is PC 0, PASIDs 1..255 are PCs 1..255.  Each PC:
 *    ta = V, ENS = 0 (device requests are user-mode), SUM = 0, PSCID;
 *    fsc = iosatp.  iohgatp Bare.
 *  - No hardware A/D updates (SADE = GADE = 0), no PRI, no T2GPA, SXL = 0,
 *    SBE = 0.
 */
#ifndef INVTRACK_RISCV_CFG_H
#define INVTRACK_RISCV_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/pt-riscv.h>

/* DC sizes: base and extended formats; the V bit is in word 0 (tc) of both. */
#define INVT_RV_DC_WORDS_BASE		4
#define INVT_RV_DC_WORDS_EXT		8
#define INVT_RV_DC_WORDS_MAX		8
#define INVT_RV_PC_WORDS		2
/* A 1-level DDT and a PD8 PDT are one 4 KiB page each. */
#define INVT_RV_TABLE_BYTES		4096
#define INVT_RV_PD8_ENTRIES		256

/* DC.tc bits. */
#define INVT_RV_DC_TC_V			(1ull << 0)
#define INVT_RV_DC_TC_EN_ATS		(1ull << 1)
#define INVT_RV_DC_TC_EN_PRI		(1ull << 2)
#define INVT_RV_DC_TC_T2GPA		(1ull << 3)
#define INVT_RV_DC_TC_DTF		(1ull << 4)
#define INVT_RV_DC_TC_PDTV		(1ull << 5)
#define INVT_RV_DC_TC_DPE		(1ull << 9)
/* PC.ta bits. */
#define INVT_RV_PC_TA_V			(1ull << 0)
#define INVT_RV_PC_TA_ENS		(1ull << 1)
#define INVT_RV_PC_TA_SUM		(1ull << 2)

/* pdtp.MODE (DC.fsc with PDTV = 1). */
#define INVT_RV_PDTP_MODE_BARE		0
#define INVT_RV_PDTP_MODE_PD8		1
#define INVT_RV_PDTP_MODE_PD17		2
#define INVT_RV_PDTP_MODE_PD20		3

/**
 * struct invt_rv_dc - one device context, by fields.
 * @valid: tc.V.  An invalid DC is all zeros: every other field must be 0.
 * @en_ats: tc.EN_ATS: the device may send ATS translation requests.
 * @dtf: tc.DTF: do not report faults of this device.
 * @pdtv: tc.PDTV: @fsc_mode / @fsc_pa name a process directory.
 * @dpe: tc.DPE (with @pdtv): requests without a process_id use 0.
 * @iohgatp_mode: INVT_RV_ATP_MODE_BARE or _SV39/48/57 (the x4 formats).
 * @gscid: iohgatp.GSCID, below 2^16; 0 with Bare.
 * @iohgatp_pa: the G-stage root (16 KiB aligned, below 2^56); 0 with Bare.
 * @pscid: ta.PSCID, below 2^20; only with @pdtv = 0.
 * @fsc_mode: @pdtv = 0: iosatp.MODE (INVT_RV_ATP_MODE_*); @pdtv = 1:
 *	pdtp.MODE (INVT_RV_PDTP_MODE_PD8 .. _PD20).
 * @fsc_pa: the first-stage root or the PDT (4 KiB aligned, below 2^56); 0
 *	with Bare.
 */
struct invt_rv_dc {
	bool valid;
	bool en_ats;
	bool dtf;
	bool pdtv;
	bool dpe;
	uint8_t iohgatp_mode;
	uint32_t gscid;
	uint64_t iohgatp_pa;
	uint32_t pscid;
	uint8_t fsc_mode;
	uint64_t fsc_pa;
};

/**
 * struct invt_rv_pc - one process context, by fields.
 * @valid: ta.V.  An invalid PC is all zeros.
 * @ens: ta.ENS: supervisor-mode requests allowed.
 * @sum: ta.SUM (with @ens): supervisor access to user pages.
 * @pscid: ta.PSCID, below 2^20.
 * @mode: fsc.MODE, INVT_RV_ATP_MODE_SV39/48/57 (Bare is allowed too).
 * @pa: the first-stage root (4 KiB aligned, below 2^56); 0 with Bare.
 */
struct invt_rv_pc {
	bool valid;
	bool ens;
	bool sum;
	uint32_t pscid;
	uint8_t mode;
	uint64_t pa;
};

/**
 * invt_rv_dc_build() - encode a device context.
 * @dc: the context.
 * @w: receives INVT_RV_DC_WORDS_EXT words (the base format is the first
 *	INVT_RV_DC_WORDS_BASE; the MSI words are 0).
 *
 * Rejects: fields set on an invalid DC; DPE without PDTV; a PSCID with
 * PDTV; an unknown or reserved MODE (iohgatp: Bare, 8, 9, 10; iosatp:
 * the same; pdtp: PD8, PD17, PD20); a GSCID or address with Bare; a
 * misaligned or too high root; a PSCID or GSCID too wide.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_rv_dc_build(const struct invt_rv_dc *dc, uint64_t w[INVT_RV_DC_WORDS_MAX]);

/**
 * invt_rv_pc_build() - encode a process context.
 * @pc: the context.
 * @w: receives its 2 words (ta, fsc).
 *
 * Rejects: fields set on an invalid PC; SUM without ENS; an unknown MODE;
 * an address with Bare; a misaligned or too high root; a PSCID too wide.
 *
 * Return: 0, or -EINVAL with @w untouched.
 */
int invt_rv_pc_build(const struct invt_rv_pc *pc, uint64_t w[INVT_RV_PC_WORDS]);

/*
 * Installing a DC or a PC (RISC-V IOMMU 1.0, "Caching in-memory data
 * structures" and the software guidelines on changing them).  The IOMMU may
 * cache a DC or PC (valid or not) until IODIR.INVAL_DDT / INVAL_PDT and a
 * following IOFENCE.C complete, and may read it whenever it is reachable:
 *  - every word is written with one single-copy-atomic 64-bit store;
 *  - the word holding V (DC: tc, word 0; PC: ta, word 0) is written last,
 *    with a release store, pairing with the IOMMU's acquire load of it: an
 *    IOMMU that sees V = 1 sees the other new words;
 *  - a valid context is never changed in place.  A change is:
 *
 *	invt_rv_cfg_break(slot);		V = 0
 *	IODIR.INVAL_*; IOFENCE.C; wait		old contents no longer used
 *	invt_rv_cfg_write(slot, w, n);		words 1..n-1, then word 0
 *	IODIR.INVAL_*; IOFENCE.C; wait		new contents in use
 *
 *    A slot that is invalid starts at invt_rv_cfg_write(); the invalidation
 *    after it drops any cached copy of the invalid context.
 * The caller owns the commands, and serialises writers of one slot.
 */

/**
 * invt_rv_cfg_write() - write a context whose slot is invalid.
 * @slot: the context's words in memory, 8-byte aligned.
 * @w: its words from invt_rv_dc_build() / invt_rv_pc_build().
 * @n: words to write (INVT_RV_DC_WORDS_BASE / _EXT or INVT_RV_PC_WORDS).
 *
 * Words 1..@n-1 with single 64-bit atomic stores, then word 0 with a
 * release store.
 */
void invt_rv_cfg_write(uint64_t *slot, const uint64_t *w, unsigned int n);

/**
 * invt_rv_cfg_break() - first step of a change: V = 0.
 * @slot: the context's words in memory.
 *
 * Stores 0 into word 0; the other words are ignored while V = 0.  The
 * caller then invalidates (IODIR + IOFENCE.C) and waits before writing.
 */
void invt_rv_cfg_break(uint64_t *slot);

/**
 * invt_rv_cfg_clear() - zero a context whose V = 0 the IOMMU knows.
 * @slot: the context's words in memory.
 * @n: words.
 *
 * Word 0 first (already 0), then the rest: after a detach, so that the
 * table holds nothing of the old attachment.
 */
void invt_rv_cfg_clear(uint64_t *slot, unsigned int n);

#endif /* INVTRACK_RISCV_CFG_H */
