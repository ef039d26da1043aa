/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * hw.h - RISC-V IOMMU, hardware side: the command decoder used by the model.
 *
 * Written independently of the driver's encoder (src/arch/riscv/cmd.c,
 * <invtrack/riscv.h>): own opcodes, own field extraction, own types, so a
 * mistake in one is caught by the other.  Layouts are those of the RISC-V
 * IOMMU specification 1.0, chapter 3 ("In-memory queue interface", §3.1
 * Command-Queue), and chapter "IOMMU Extensions" for NL and S.
 *
 * Commands are 16 bytes, two little-endian doublewords (fctl.BE = 0):
 * opcode dw0[6:0], func3 dw0[9:7].  Decoded: IOTINVAL.VMA / .GVMA (1/0, 1/1),
 * IOFENCE.C (2/0), IODIR.INVAL_DDT / .INVAL_PDT (3/0, 3/1), ATS.INVAL /
 * .PRGR (4/0, 4/1).  Everything else sets cqcsr.cmd_ill (§3.1: "illegal if it
 * uses a reserved encoding or if a reserved bit is set to 1", and
 * "unsupported" commands likewise):
 *  - opcode 0 and 5-63, and undefined func3 of 1-4: reserved encodings;
 *  - opcodes 64-127 (designated for custom use): the model implements no
 *    custom command, so they are illegal too (RV_HW_ILL_CUSTOM);
 *  - any set reserved bit, including NL (dw0[34]) without capabilities.NL,
 *    S (dw1[9]) without capabilities.S and WSI (dw0[11]) without
 *    wired interrupts enabled (fctl.WSI = 0);
 *  - IOTINVAL.GVMA with PSCV = 1 (§3.1.1), IODIR.INVAL_PDT with DV = 0
 *    (§3.1.3), ATS.* without capabilities.ATS (§3.1.4);
 *  - IODIR with a DID wider than ddtp.iommu_mode supports, INVAL_PDT with a
 *    PID wider than the widest PDT mode in capabilities (§3.1.3: "must not
 *    be wider"; the spec gives no outcome, this model rejects them);
 *  - ATS.INVAL and ATS.PRGR payload bits that PCIe defines as 0 (the
 *    "0" fields of the PAYLOAD diagrams, §3.1.4): rejected too.
 * Operands the spec says are ignored (PSCID with PSCV = 0, GSCID with
 * GV = 0, ADDR with AV = 0, DATA/ADDR of IOFENCE.C with AV = 0, DSEG with
 * DSV = 0, PID with PV = 0, AV and S of IOTINVAL.GVMA with GV = 0) may hold
 * anything; the decoded fields then read as 0.
 */
#ifndef INVTRACK_RISCV_HW_H
#define INVTRACK_RISCV_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Opcodes, dw0[6:0] (§3.1, "IOMMU command opcodes"). */
#define RV_HW_OP_IOTINVAL	1
#define RV_HW_OP_IOFENCE	2
#define RV_HW_OP_IODIR		3
#define RV_HW_OP_ATS		4
/* First custom opcode. */
#define RV_HW_OP_CUSTOM		64

/* func3, dw0[9:7]. */
#define RV_HW_F3_VMA		0	/* IOTINVAL */
#define RV_HW_F3_GVMA		1
#define RV_HW_F3_C		0	/* IOFENCE */
#define RV_HW_F3_INVAL_DDT	0	/* IODIR */
#define RV_HW_F3_INVAL_PDT	1
#define RV_HW_F3_INVAL		0	/* ATS */
#define RV_HW_F3_PRGR		1

/*
 * Command kinds: the op index of <invtrack/model/riscv.h>, opcode | func3 << 5
 * (opcodes below 32 only; every defined one is), so they double as the slot
 * of the model's by_op[] and cost tables: IOTINVAL.VMA 1, IOTINVAL.GVMA 33,
 * IOFENCE.C 2, IODIR.INVAL_DDT 3, IODIR.INVAL_PDT 35, ATS.INVAL 4, ATS.PRGR 36.
 */
#define RV_HW_CMD(op, f3)	((op) | (f3) << 5)
#define RV_HW_IOTINVAL_VMA	RV_HW_CMD(RV_HW_OP_IOTINVAL, RV_HW_F3_VMA)
#define RV_HW_IOTINVAL_GVMA	RV_HW_CMD(RV_HW_OP_IOTINVAL, RV_HW_F3_GVMA)
#define RV_HW_IOFENCE_C		RV_HW_CMD(RV_HW_OP_IOFENCE, RV_HW_F3_C)
#define RV_HW_IODIR_INVAL_DDT	RV_HW_CMD(RV_HW_OP_IODIR, RV_HW_F3_INVAL_DDT)
#define RV_HW_IODIR_INVAL_PDT	RV_HW_CMD(RV_HW_OP_IODIR, RV_HW_F3_INVAL_PDT)
#define RV_HW_ATS_INVAL		RV_HW_CMD(RV_HW_OP_ATS, RV_HW_F3_INVAL)
#define RV_HW_ATS_PRGR		RV_HW_CMD(RV_HW_OP_ATS, RV_HW_F3_PRGR)
/* Slots of the 256-entry tables. */
#define RV_HW_NR_CMDS		256

/**
 * struct rv_hw_limits - what the modelled IOMMU supports, for the decoder.
 * @caps: the capabilities register (INVT_RV_CAP_*): ATS, NL, S, PD8/17/20.
 * @wsi: fctl.WSI = 1 and wired interrupts supported: IOFENCE.C WSI legal.
 * @did_bits: device_id width ddtp.iommu_mode supports (1LVL: 7 with base,
 *	6 with extended device contexts), or 0 to check none.
 */
struct rv_hw_limits {
	uint64_t caps;
	bool wsi;
	unsigned int did_bits;
};

/**
 * enum rv_hw_ill - why a command was illegal.
 * @RV_HW_ILL_NONE: it was not.
 * @RV_HW_ILL_OPCODE: reserved opcode (0, 5-63) or undefined func3.
 * @RV_HW_ILL_CUSTOM: custom opcode (64-127): none is implemented.
 * @RV_HW_ILL_RESERVED: a reserved bit is set.
 * @RV_HW_ILL_PSCV: IOTINVAL.GVMA with PSCV = 1.
 * @RV_HW_ILL_DV: IODIR.INVAL_PDT with DV = 0.
 * @RV_HW_ILL_UNSUPPORTED: the IOMMU lacks the capability (ATS).
 * @RV_HW_ILL_WIDTH: DID or PID wider than supported.
 */
enum rv_hw_ill {
	RV_HW_ILL_NONE,
	RV_HW_ILL_OPCODE,
	RV_HW_ILL_CUSTOM,
	RV_HW_ILL_RESERVED,
	RV_HW_ILL_PSCV,
	RV_HW_ILL_DV,
	RV_HW_ILL_UNSUPPORTED,
	RV_HW_ILL_WIDTH,
};

/**
 * struct rv_hw_cmd - a decoded command.  Operands the command does not
 * carry, or that the spec says are ignored, are 0.
 * @kind: RV_HW_IOTINVAL_VMA, ... (opcode | func3 << 5).
 * @av: address valid (IOTINVAL, IOFENCE.C).
 * @pscv: PSCID valid (IOTINVAL.VMA).
 * @gv: GSCID valid (IOTINVAL).
 * @nl: non-leaf (IOTINVAL with AV = 1, capabilities.NL).
 * @s: NAPOT range (IOTINVAL with AV = 1, capabilities.S).
 * @wsi: IOFENCE.C wired interrupt.
 * @pr: IOFENCE.C previous reads.
 * @pw: IOFENCE.C previous writes.
 * @dv: IODIR device id valid.
 * @pv: ATS process id valid.
 * @dsv: ATS destination segment valid.
 * @g: ATS.INVAL payload Global.
 * @ats_s: ATS.INVAL payload Size (S).
 * @pscid: PSCID (20 bits).
 * @gscid: GSCID (16 bits).
 * @pid: process_id (IODIR.INVAL_PDT, ATS with PV = 1).
 * @did: IODIR device_id (24 bits).
 * @rid: ATS requester id (16 bits).
 * @dseg: ATS destination segment (8 bits).
 * @data: IOFENCE.C DATA.
 * @addr: IOTINVAL ADDR (byte address, bits [11:0] 0), IOFENCE.C address
 *	(bits [1:0] 0) or ATS.INVAL untranslated address (bits [11:0] 0).
 * @prgi: ATS.PRGR Page Request Group Index.
 * @resp: ATS.PRGR Response Code.
 * @dst: ATS.PRGR Destination ID.
 */
struct rv_hw_cmd {
	uint8_t kind;
	bool av, pscv, gv, nl, s;
	bool wsi, pr, pw;
	bool dv, pv, dsv, g, ats_s;
	uint32_t pscid;
	uint16_t gscid;
	uint32_t pid;
	uint32_t did;
	uint16_t rid;
	uint8_t dseg;
	uint32_t data;
	uint64_t addr;
	uint16_t prgi;
	uint8_t resp;
	uint16_t dst;
};

/**
 * rv_hw_decode() - decode one command.
 * @dw: dw0 and dw1 as integers.
 * @lim: what the IOMMU supports.
 * @out: zeroed, then filled; only meaningful on success.
 * @why: receives the reason, RV_HW_ILL_NONE on success; may be NULL.
 *
 * Return: 0, or -EINVAL when the command is illegal (cqcsr.cmd_ill).
 */
int rv_hw_decode(const uint64_t dw[2], const struct rv_hw_limits *lim, struct rv_hw_cmd *out,
		 enum rv_hw_ill *why);

/**
 * rv_hw_words_le() - the two doublewords of a queue entry.
 * @slot: the 16 little-endian bytes.
 * @dw: out: dw0 and dw1.
 */
void rv_hw_words_le(const void *slot, uint64_t dw[2]);

/**
 * rv_hw_iotinval_span() - input addresses an IOTINVAL with AV = 1 is about.
 * @c: a decoded IOTINVAL with @c->av set.
 * @first: out: first byte.
 * @last: out: last byte (inclusive).
 *
 * S = 0: the 4 KiB page of ADDR (entries of any size containing it match).
 * S = 1: if the lowest 0 bit of ADDR's page number ADDR[63:12] is bit X,
 * 2^(X+1) pages, aligned to their size; with every bit of the page number
 * 1 (UNSPECIFIED) or all but the top one (the whole space), everything.
 */
void rv_hw_iotinval_span(const struct rv_hw_cmd *c, uint64_t *first, uint64_t *last);

/**
 * rv_hw_ats_span() - untranslated addresses an ATS.INVAL invalidates.
 * @c: a decoded ATS.INVAL.
 * @first: out: first byte.
 * @last: out: last byte (inclusive).
 *
 * PCIe ATS (docs/hardware.md §5): S = 0, the 4 KiB page; S = 1, 8 KiB << the
 * number of trailing 1 bits of address[63:12], aligned to its size; all 52
 * bits 1: everything.
 */
void rv_hw_ats_span(const struct rv_hw_cmd *c, uint64_t *first, uint64_t *last);

/**
 * rv_hw_cmd_name() - the spec's mnemonic of a command kind.
 * @kind: opcode | func3 << 5.
 *
 * Return: e.g. "IOTINVAL.VMA", or NULL for a kind not decoded here.
 */
const char *rv_hw_cmd_name(unsigned int kind);

/**
 * rv_hw_describe() - "MNEMONIC field=value ..." of a decoded command.
 * @c: a decoded command.
 * @buf: where to write.
 * @len: its size.
 *
 * Return: what snprintf returns.
 */
int rv_hw_describe(const struct rv_hw_cmd *c, char *buf, size_t len);

#endif /* INVTRACK_RISCV_HW_H */
