/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/riscv.h - RISC-V IOMMU, driver side: command encoding and the
 * range invalidation policy.
 *
 * Commands are the 16-byte command-queue entries of the RISC-V IOMMU
 * specification 1.0, chapter "In-memory queue interface", section
 * "Command-Queue (CQ)" (3.1.1 IOTINVAL, 3.1.2 IOFENCE, 3.1.3 IODIR, 3.1.4
 * ATS in the ratified numbering), handed out as two 64-bit words (dw0 =
 * bytes 0-7, dw1 = bytes 8-15); queue memory holds them little-endian
 * (invt_rv_cmd_encode_le()).  The optional fields of two ratified
 * extensions are supported: NL (non-leaf PTE invalidation, dw0[34],
 * capabilities.NL) and S (address range invalidation, dw1[9] = command bit
 * 73, capabilities.S).  The model's decoder is a separate piece of code.
 */
#ifndef INVTRACK_RISCV_H
#define INVTRACK_RISCV_H

#include <stdbool.h>
#include <stdint.h>

/* Opcodes, dw0[6:0] (§3.1); 5..63 reserved, 64..127 custom. */
#define INVT_RV_OP_IOTINVAL		1
#define INVT_RV_OP_IOFENCE		2
#define INVT_RV_OP_IODIR		3
#define INVT_RV_OP_ATS			4
/* func3, dw0[9:7], per opcode. */
#define INVT_RV_FUNC_VMA		0	/* IOTINVAL.VMA */
#define INVT_RV_FUNC_GVMA		1	/* IOTINVAL.GVMA */
#define INVT_RV_FUNC_C			0	/* IOFENCE.C */
#define INVT_RV_FUNC_INVAL_DDT		0	/* IODIR.INVAL_DDT */
#define INVT_RV_FUNC_INVAL_PDT		1	/* IODIR.INVAL_PDT */
#define INVT_RV_FUNC_ATS_INVAL		0	/* ATS.INVAL */
#define INVT_RV_FUNC_ATS_PRGR		1	/* ATS.PRGR */

/* Widths of the identifiers. */
#define INVT_RV_PSCID_LIMIT		(1u << 20)
#define INVT_RV_GSCID_LIMIT		(1u << 16)
#define INVT_RV_PID_LIMIT		(1u << 20)
#define INVT_RV_DID_LIMIT		(1u << 24)

/*
 * ATS.INVAL address meaning "the whole address space" (PCIe ATS, S = 1 with
 * address[63:12] = 0111...1: 2^52 pages).
 */
#define INVT_RV_ATS_ADDR_ALL		0x7ffffffffffff000ull

/**
 * struct invt_rv_cmd - one command, by fields.
 * @opcode: an INVT_RV_OP_* value.
 * @func3: an INVT_RV_FUNC_* value valid for @opcode.
 * @av: IOTINVAL: ADDR valid; IOFENCE.C: write @data to @addr.
 * @pscv: IOTINVAL.VMA: @pscid valid.
 * @gv: IOTINVAL: @gscid valid.
 * @nl: IOTINVAL with @av (non-leaf extension): also non-leaf entries.
 * @s: IOTINVAL with @av (range extension): @addr is a NAPOT range; ATS.INVAL:
 *	the PCIe S bit (size in the address's trailing ones).
 * @wsi: IOFENCE.C: signal a wired interrupt.
 * @pr: IOFENCE.C: order earlier device reads.
 * @pw: IOFENCE.C: order earlier device writes.
 * @dv: IODIR: @did valid (must be set for INVAL_PDT).
 * @pv: ATS: @pid valid.
 * @dsv: ATS: @dseg valid.
 * @global: ATS.INVAL: the PCIe Global Invalidate bit (only with @pv).
 * @pscid: IOTINVAL.VMA, below INVT_RV_PSCID_LIMIT.
 * @gscid: IOTINVAL, below INVT_RV_GSCID_LIMIT.
 * @pid: IODIR.INVAL_PDT and ATS: process id, below INVT_RV_PID_LIMIT.
 * @did: IODIR: device_id, below INVT_RV_DID_LIMIT.
 * @rid: ATS: PCIe requester id.
 * @dseg: ATS: PCIe segment number.
 * @data: IOFENCE.C: the 32-bit word written to @addr.
 * @prgi: ATS.PRGR: page request group index, 0..511.
 * @resp: ATS.PRGR: response code, 0..15.
 * @dst: ATS.PRGR: destination id.
 * @addr: IOTINVAL: the page address (4 KiB aligned); with @s its page
 *	number's trailing ones give the range (see invt_rv_napot_addr()).
 *	IOFENCE.C: the completion address, 4-byte aligned.  ATS.INVAL: the
 *	untranslated address, 4 KiB aligned (trailing ones of bits 63:12 give
 *	the span with @s).
 *
 * A field the command does not carry must be 0: zero the struct, then set
 * what the command needs.
 */
struct invt_rv_cmd {
	uint8_t opcode;
	uint8_t func3;
	bool av;
	bool pscv;
	bool gv;
	bool nl;
	bool s;
	bool wsi;
	bool pr;
	bool pw;
	bool dv;
	bool pv;
	bool dsv;
	bool global;
	uint32_t pscid;
	uint32_t gscid;
	uint32_t pid;
	uint32_t did;
	uint16_t rid;
	uint8_t dseg;
	uint32_t data;
	uint16_t prgi;
	uint8_t resp;
	uint16_t dst;
	uint64_t addr;
};

/**
 * invt_rv_cmd_encode() - encode a command into its two 64-bit words.
 * @cmd: the command.
 * @dw: receives dw0 (bytes 0-7) and dw1 (bytes 8-15) as integers.
 *
 * Rejects what the IOMMU would reject as illegal (cmd_ill) or ignore:
 * unknown opcode or func3; a non-zero field the command does not carry or
 * ignores (IOTINVAL.VMA: @pscid without @pscv, @gscid without @gv, @addr,
 * @s or @nl without @av; IOTINVAL.GVMA: any @pscv or @pscid (illegal),
 * @av without @gv; IOFENCE.C: @addr or @data without @av; IODIR.INVAL_DDT:
 * @pid, @did without @dv; IODIR.INVAL_PDT: without @dv; ATS: @pid without
 * @pv, @dseg without @dsv, @global without @pv); values too wide for
 * their field; an IOTINVAL or ATS address not 4 KiB aligned; a NAPOT
 * IOTINVAL address whose page number is all ones (UNSPECIFIED); an
 * IOFENCE.C address not 4-byte aligned.
 *
 * Return: 0, or -EINVAL with @dw untouched.
 */
int invt_rv_cmd_encode(const struct invt_rv_cmd *cmd, uint64_t dw[2]);

/**
 * invt_rv_cmd_encode_le() - encode a command into queue memory.
 * @cmd: the command.
 * @slot: 16 bytes, written little-endian whatever the host byte order.
 *
 * Return: 0, or -EINVAL (see invt_rv_cmd_encode()) with @slot untouched.
 */
int invt_rv_cmd_encode_le(const struct invt_rv_cmd *cmd, void *slot);

/**
 * invt_rv_napot_addr() - the IOTINVAL (S = 1) / ATS (S = 1) address of a
 *	naturally aligned range of 2^@order pages.
 * @pfn: first page number, aligned to 2^@order.
 * @order: 1..52 (a single page needs S = 0).
 *
 * Return: the address whose page number is @pfn with its @order - 1 low
 * bits set: the lowest 0 bit at position @order - 1 encodes
 * 2^(@order - 1 + 1) pages.
 */
static inline uint64_t invt_rv_napot_addr(uint64_t pfn, unsigned int order)
{
	return (pfn | ((1ull << (order - 1)) - 1)) << 12;
}

/**
 * enum invt_rv_inv_kind - what an invalidation request targets.
 * @INVT_RV_INV_S1: first-stage entries of a host address space (PSCID;
 *	IOTINVAL.VMA with GV = 0, PSCV = 1).
 * @INVT_RV_INV_S2: G-stage entries of a VM (GSCID; IOTINVAL.GVMA GV = 1).
 * @INVT_RV_INV_VM_S1_ALL: every first-stage entry of a VM, whatever its
 *	PSCID, combined VS+G entries included (IOTINVAL.VMA GV = 1, AV = 0,
 *	PSCV = 0); the range is ignored.
 * @INVT_RV_INV_ATC: a device's ATC (ATS.INVAL).
 */
enum invt_rv_inv_kind {
	INVT_RV_INV_S1,
	INVT_RV_INV_S2,
	INVT_RV_INV_VM_S1_ALL,
	INVT_RV_INV_ATC,
};

/**
 * struct invt_rv_inv - one invalidation request.
 * @kind: an enum invt_rv_inv_kind.
 * @leaf: only leaf entries changed (IOTINVAL; ignored for the ATC).
 * @all: the whole tag (or the whole ATC): @start and @last are ignored.
 * @pv: ATC: @pid is valid; without it the ATS.INVAL hits every PASID.
 * @pscid: S1.
 * @gscid: S2, VM_S1_ALL.
 * @device_id: ATC: RID = @device_id[15:0], segment = @device_id[23:16].
 * @pid: ATC, with @pv.
 * @start: first byte.
 * @last: last byte, inclusive (a range may end at 2^64 - 1); >= @start.
 */
struct invt_rv_inv {
	uint8_t kind;
	bool leaf;
	bool all;
	bool pv;
	uint32_t pscid;
	uint32_t gscid;
	uint32_t device_id;
	uint32_t pid;
	uint64_t start;
	uint64_t last;
};

/* Linux's rule: per-4K invalidation below 2 MiB, whole tag from 2 MiB up. */
#define INVT_RV_DEFAULT_MAX_PAGES	512

/**
 * struct invt_rv_caps - what the policy may use.
 * @napot: the address range invalidation extension (capabilities.S).
 * @nl: the non-leaf PTE invalidation extension (capabilities.NL).
 * @max_pages: without @napot, a range of this many 4 KiB pages or more is
 *	one whole-tag command; 0 means INVT_RV_DEFAULT_MAX_PAGES.
 */
struct invt_rv_caps {
	bool napot;
	bool nl;
	uint32_t max_pages;
};

/**
 * typedef invt_rv_emit_t - receives each command of a request, in order.
 * @arg: the caller's cookie.
 * @cmd: the command; valid during the call only.
 *
 * Return: 0 to go on; anything else stops the policy, which returns it.
 */
typedef int (*invt_rv_emit_t)(void *arg, const struct invt_rv_cmd *cmd);

/**
 * invt_rv_inv_emit() - turn a request into commands.
 * @caps: the IOMMU's capabilities.
 * @inv: the request.
 * @emit: called once per command.
 * @arg: passed to @emit.
 *
 * The policy, in 4 KiB pages [start >> 12, last >> 12]:
 *  - @inv->all, VM_S1_ALL: one whole-tag command (IOTINVAL.VMA AV = 0 on
 *    the PSCID, IOTINVAL.GVMA AV = 0 on the GSCID, IOTINVAL.VMA GV = 1
 *    AV = 0 PSCV = 0 on the GSCID), or an ATS.INVAL of the whole space.
 *  - ATC: one ATS.INVAL; span = 2^fls(first ^ last) pages, address aligned
 *    down to it (over-invalidates rather than splitting), S = 1 unless it
 *    is one page.
 *  - Non-leaf requests (tables were freed): IOTINVAL with AV = 1 removes
 *    leaf entries only in RISC-V IOMMU 1.0, so without @caps->nl they are
 *    one whole-tag command; with it, the address forms below carry NL = 1.
 *  - With @caps->napot: the range is split into maximal naturally aligned
 *    power-of-two blocks, each one command (S = 1; a lone page S = 0):
 *    exact, at most ~2 * 52 commands, never a whole-tag command.
 *  - Without: one IOTINVAL per page below @caps->max_pages pages, else one
 *    whole-tag command.
 * Whole-tag commands with PSCV = 1 leave global entries: first-stage
 * leaves are built with G = 0 (<invtrack/pt-riscv.h>).
 *
 * Return: 0; -EINVAL for a malformed request (unknown kind, @last < @start
 * without @all, an identifier too wide); or @emit's non-zero value.
 */
int invt_rv_inv_emit(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv,
		     invt_rv_emit_t emit, void *arg);

/**
 * invt_rv_inv_count() - how many commands invt_rv_inv_emit() produces.
 * @caps: the IOMMU's capabilities.
 * @inv: the request.
 *
 * Computed without emitting: the minimum command count for this policy,
 * which a flush engine should meet exactly.
 *
 * Return: the count (at least 1), or -EINVAL for a malformed request.
 */
int64_t invt_rv_inv_count(const struct invt_rv_caps *caps, const struct invt_rv_inv *inv);

#endif /* INVTRACK_RISCV_H */
