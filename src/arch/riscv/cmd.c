// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd.c - RISC-V IOMMU command encoder (driver side).
 *
 * Field positions come from the RISC-V IOMMU specification 1.0, chapter
 * "In-memory queue interface", section "Command-Queue (CQ)": §3.1.1
 * "IOMMU Page-Table cache invalidation commands", §3.1.2 "IOMMU Command-
 * queue Fence commands", §3.1.3 "IOMMU directory cache invalidation
 * commands", §3.1.4 "IOMMU PCIe ATS commands"; and chapter "IOMMU
 * Extensions" for NL (non-leaf PTE invalidation) and S (address range
 * invalidation).  The model's decoder is written separately on purpose: do
 * not share these definitions with it.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <invtrack/riscv.h>

/* A field: which word, its lowest bit, its width in bits. */
struct cmd_field {
	uint8_t dw;
	uint8_t lo;
	uint8_t width;
};

/* §3.1: opcode dw0[6:0], func3 dw0[9:7], for every command. */
static const struct cmd_field F_OPCODE = { 0, 0, 7 };
static const struct cmd_field F_FUNC3 = { 0, 7, 3 };
/* §3.1.1 IOTINVAL: AV dw0[10], PSCID dw0[31:12], PSCV dw0[32], GV dw0[33]. */
static const struct cmd_field F_IOT_AV = { 0, 10, 1 };
static const struct cmd_field F_IOT_PSCID = { 0, 12, 20 };
static const struct cmd_field F_IOT_PSCV = { 0, 32, 1 };
static const struct cmd_field F_IOT_GV = { 0, 33, 1 };
/* Non-leaf PTE invalidation extension: NL dw0[34]. */
static const struct cmd_field F_IOT_NL = { 0, 34, 1 };
/* §3.1.1: GSCID dw0[59:44]. */
static const struct cmd_field F_IOT_GSCID = { 0, 44, 16 };
/* Address range invalidation extension: S, command bit 73 = dw1[9]. */
static const struct cmd_field F_IOT_S = { 1, 9, 1 };
/* §3.1.1: ADDR[63:12] in dw1[61:10]. */
static const struct cmd_field F_IOT_ADDR = { 1, 10, 52 };
/* §3.1.2 IOFENCE.C: AV dw0[10], WSI dw0[11], PR dw0[12], PW dw0[13]. */
static const struct cmd_field F_FEN_AV = { 0, 10, 1 };
static const struct cmd_field F_FEN_WSI = { 0, 11, 1 };
static const struct cmd_field F_FEN_PR = { 0, 12, 1 };
static const struct cmd_field F_FEN_PW = { 0, 13, 1 };
/* §3.1.2: DATA dw0[63:32]; ADDR[63:2] in dw1[61:0]. */
static const struct cmd_field F_FEN_DATA = { 0, 32, 32 };
static const struct cmd_field F_FEN_ADDR = { 1, 0, 62 };
/* §3.1.3 IODIR: PID dw0[31:12], DV dw0[33], DID dw0[63:40]. */
static const struct cmd_field F_DIR_PID = { 0, 12, 20 };
static const struct cmd_field F_DIR_DV = { 0, 33, 1 };
static const struct cmd_field F_DIR_DID = { 0, 40, 24 };
/* §3.1.4 ATS: PID dw0[31:12], PV dw0[32], DSV dw0[33], RID dw0[55:40], DSEG dw0[63:56]. */
static const struct cmd_field F_ATS_PID = { 0, 12, 20 };
static const struct cmd_field F_ATS_PV = { 0, 32, 1 };
static const struct cmd_field F_ATS_DSV = { 0, 33, 1 };
static const struct cmd_field F_ATS_RID = { 0, 40, 16 };
static const struct cmd_field F_ATS_DSEG = { 0, 56, 8 };
/*
 * §3.1.4: dw1 is the PCIe message payload.  ATS.INVAL (PCIe "Invalidate
 * Request"): G dw1[0], S dw1[11], untranslated address[63:12] dw1[63:12].
 * ATS.PRGR ("Page Request Group Response"): PRG index dw1[40:32], response
 * code dw1[47:44], destination id dw1[63:48].
 */
static const struct cmd_field F_INV_G = { 1, 0, 1 };
static const struct cmd_field F_INV_S = { 1, 11, 1 };
static const struct cmd_field F_INV_ADDR = { 1, 12, 52 };
static const struct cmd_field F_PRG_INDEX = { 1, 32, 9 };
static const struct cmd_field F_PRG_RESP = { 1, 44, 4 };
static const struct cmd_field F_PRG_DST = { 1, 48, 16 };

static inline __attribute__((always_inline)) void put(uint64_t dw[2], struct cmd_field f,
						       uint64_t val)
{
	uint64_t mask = f.width == 64 ? ~0ull : (1ull << f.width) - 1;

	dw[f.dw] |= (val & mask) << f.lo;
}

/* Which struct fields a command carries. */
enum {
	C_AV = 1u << 0,
	C_PSCV = 1u << 1,
	C_GV = 1u << 2,
	C_NL = 1u << 3,
	C_S = 1u << 4,
	C_FENCE = 1u << 5,	/* wsi, pr, pw */
	C_DV = 1u << 6,
	C_PV = 1u << 7,
	C_DSV = 1u << 8,
	C_GLOBAL = 1u << 9,
	C_PSCID = 1u << 10,
	C_GSCID = 1u << 11,
	C_PID = 1u << 12,
	C_DID = 1u << 13,
	C_RID = 1u << 14,
	C_DSEG = 1u << 15,
	C_DATA = 1u << 16,
	C_PRGR = 1u << 17,	/* prgi, resp, dst */
	C_ADDR = 1u << 18,
	C_INVALID = 1u << 31,
};

#define C_ATS	(C_PV | C_DSV | C_PID | C_RID | C_DSEG)

/* What (@opcode, @func3) carries: constants folded in each encoder (invt_rv_cmd_encode()). */
static inline unsigned int carried(uint8_t opcode, uint8_t func3)
{
	switch (opcode) {
	case INVT_RV_OP_IOTINVAL:
		if (func3 == INVT_RV_FUNC_VMA)
			return C_AV | C_PSCV | C_GV | C_NL | C_S | C_PSCID | C_GSCID | C_ADDR;
		if (func3 == INVT_RV_FUNC_GVMA)
			return C_AV | C_GV | C_NL | C_S | C_GSCID | C_ADDR;
		return C_INVALID;
	case INVT_RV_OP_IOFENCE:
		return func3 == INVT_RV_FUNC_C ? C_AV | C_FENCE | C_DATA | C_ADDR : C_INVALID;
	case INVT_RV_OP_IODIR:
		if (func3 == INVT_RV_FUNC_INVAL_DDT)
			return C_DV | C_DID;
		if (func3 == INVT_RV_FUNC_INVAL_PDT)
			return C_DV | C_DID | C_PID;
		return C_INVALID;
	case INVT_RV_OP_ATS:
		if (func3 == INVT_RV_FUNC_ATS_INVAL)
			return C_ATS | C_GLOBAL | C_S | C_ADDR;
		if (func3 == INVT_RV_FUNC_ATS_PRGR)
			return C_ATS | C_PRGR;
		return C_INVALID;
	default:
		return C_INVALID;
	}
}

/*
 * Whether @c sets a field that @allowed does not carry.  With @allowed a
 * constant (see invt_rv_cmd_encode()), only the fields of the groups
 * outside it are read.
 */
static inline bool stray(const struct invt_rv_cmd *c, unsigned int allowed)
{
	uint64_t x = 0;

	if (!(allowed & C_AV))
		x |= c->av;
	if (!(allowed & C_PSCV))
		x |= c->pscv;
	if (!(allowed & C_GV))
		x |= c->gv;
	if (!(allowed & C_NL))
		x |= c->nl;
	if (!(allowed & C_S))
		x |= c->s;
	if (!(allowed & C_FENCE))
		x |= c->wsi | c->pr | c->pw;
	if (!(allowed & C_DV))
		x |= c->dv;
	if (!(allowed & C_PV))
		x |= c->pv;
	if (!(allowed & C_DSV))
		x |= c->dsv;
	if (!(allowed & C_GLOBAL))
		x |= c->global;
	if (!(allowed & C_PSCID))
		x |= c->pscid;
	if (!(allowed & C_GSCID))
		x |= c->gscid;
	if (!(allowed & C_PID))
		x |= c->pid;
	if (!(allowed & C_DID))
		x |= c->did;
	if (!(allowed & C_RID))
		x |= c->rid;
	if (!(allowed & C_DSEG))
		x |= c->dseg;
	if (!(allowed & C_DATA))
		x |= c->data;
	if (!(allowed & C_PRGR))
		x |= c->prgi | c->resp | c->dst;
	if (!(allowed & C_ADDR))
		x |= c->addr;
	return x != 0;
}

/*
 * Values too wide for their field, in the groups @allowed carries: the
 * others are 0 once stray() passed, and 0 fits every field.
 */
static inline bool widths_ok(const struct invt_rv_cmd *c, unsigned int allowed)
{
	return (!(allowed & C_PSCID) || c->pscid < INVT_RV_PSCID_LIMIT) &&
	       (!(allowed & C_GSCID) || c->gscid < INVT_RV_GSCID_LIMIT) &&
	       (!(allowed & C_PID) || c->pid < INVT_RV_PID_LIMIT) &&
	       (!(allowed & C_DID) || c->did < INVT_RV_DID_LIMIT) &&
	       (!(allowed & C_PRGR) || (c->prgi <= 511 && c->resp <= 15));
}

/* Operands a command ignores (and so must be 0) or finds illegal. */
static inline __attribute__((always_inline)) bool rules_ok(const struct invt_rv_cmd *c,
							    uint8_t opcode, uint8_t func3)
{
	switch (opcode) {
	case INVT_RV_OP_IOTINVAL:
		if (c->addr & 0xfff)
			return false;
		/* §3.1.1: ADDR only with AV; NL and S are ignored without AV. */
		if (!c->av && (c->addr || c->s || c->nl))
			return false;
		/* §3.1.1: GSCID only with GV. */
		if (!c->gv && c->gscid)
			return false;
		if (func3 == INVT_RV_FUNC_VMA) {
			/* PSCID only with PSCV. */
			if (!c->pscv && c->pscid)
				return false;
		} else if (!c->gv && c->av) {
			/* GVMA with GV = 0: AV (and S) are ignored. */
			return false;
		}
		/* Range extension: ADDR all ones is UNSPECIFIED. */
		return !(c->s && (c->addr >> 12) == (1ull << 52) - 1);
	case INVT_RV_OP_IOFENCE:
		/* §3.1.2: ADDR and DATA are used only with AV. */
		if (!c->av && (c->addr || c->data))
			return false;
		return !(c->addr & 3);
	case INVT_RV_OP_IODIR:
		/* §3.1.3: DID only with DV; INVAL_PDT requires DV = 1. */
		if (!c->dv && c->did)
			return false;
		return func3 != INVT_RV_FUNC_INVAL_PDT || c->dv;
	case INVT_RV_OP_ATS:
		if (!c->pv && (c->pid || c->global))
			return false;
		if (!c->dsv && c->dseg)
			return false;
		return !(c->addr & 0xfff);
	default:
		return false;
	}
}

/*
 * Encode @c, a command of (@opcode, @func3): constants in each case of
 * invt_rv_cmd_encode(), so that every command gets its own copy, which reads
 * and checks only what concerns it.
 */
static inline __attribute__((always_inline)) int encode(const struct invt_rv_cmd *c,
							uint8_t opcode, uint8_t func3,
							uint64_t dw[2])
{
	unsigned int allowed = carried(opcode, func3);
	uint64_t w[2] = { 0, 0 };

	if (allowed & C_INVALID)
		return -EINVAL;
	if (stray(c, allowed))
		return -EINVAL;
	if (!widths_ok(c, allowed) || !rules_ok(c, opcode, func3))
		return -EINVAL;

	put(w, F_OPCODE, opcode);
	put(w, F_FUNC3, func3);
	switch (opcode) {
	case INVT_RV_OP_IOTINVAL:
		put(w, F_IOT_AV, c->av);
		put(w, F_IOT_PSCID, c->pscid);
		put(w, F_IOT_PSCV, c->pscv);
		put(w, F_IOT_GV, c->gv);
		put(w, F_IOT_NL, c->nl);
		put(w, F_IOT_GSCID, c->gscid);
		put(w, F_IOT_S, c->s);
		put(w, F_IOT_ADDR, c->addr >> 12);
		break;
	case INVT_RV_OP_IOFENCE:
		put(w, F_FEN_AV, c->av);
		put(w, F_FEN_WSI, c->wsi);
		put(w, F_FEN_PR, c->pr);
		put(w, F_FEN_PW, c->pw);
		put(w, F_FEN_DATA, c->data);
		put(w, F_FEN_ADDR, c->addr >> 2);
		break;
	case INVT_RV_OP_IODIR:
		put(w, F_DIR_PID, c->pid);
		put(w, F_DIR_DV, c->dv);
		put(w, F_DIR_DID, c->did);
		break;
	default:	/* ATS */
		put(w, F_ATS_PID, c->pid);
		put(w, F_ATS_PV, c->pv);
		put(w, F_ATS_DSV, c->dsv);
		put(w, F_ATS_RID, c->rid);
		put(w, F_ATS_DSEG, c->dseg);
		if (func3 == INVT_RV_FUNC_ATS_INVAL) {
			put(w, F_INV_G, c->global);
			put(w, F_INV_S, c->s);
			put(w, F_INV_ADDR, c->addr >> 12);
		} else {
			put(w, F_PRG_INDEX, c->prgi);
			put(w, F_PRG_RESP, c->resp);
			put(w, F_PRG_DST, c->dst);
		}
		break;
	}
	dw[0] = w[0];
	dw[1] = w[1];
	return 0;
}

/* Two function codes per opcode (§3.1): 0 and 1; carried() refuses the others. */
#define ENCODE(op)							\
	case op:							\
		if (c->func3 == 0)					\
			return encode(c, op, 0, dw);			\
		if (c->func3 == 1)					\
			return encode(c, op, 1, dw);			\
		return -EINVAL

int invt_rv_cmd_encode(const struct invt_rv_cmd *c, uint64_t dw[2])
{
	switch (c->opcode) {
	ENCODE(INVT_RV_OP_IOTINVAL);
	ENCODE(INVT_RV_OP_IOFENCE);
	ENCODE(INVT_RV_OP_IODIR);
	ENCODE(INVT_RV_OP_ATS);
	default:
		return -EINVAL;		/* carried() says C_INVALID */
	}
}

#undef ENCODE

/* @v as 8 little-endian bytes at @b: one store (GCC merges the byte stores only in part). */
static void put_le64(uint8_t *b, uint64_t v)
{
	uint64_t le = htole64(v);

	memcpy(b, &le, sizeof(le));
}

int invt_rv_cmd_encode_le(const struct invt_rv_cmd *c, void *slot)
{
	uint8_t *b = slot;
	uint64_t dw[2];
	int ret;

	ret = invt_rv_cmd_encode(c, dw);
	if (ret)
		return ret;
	/* §3.1 / fctl.BE = 0: queue entries are little-endian. */
	put_le64(b, dw[0]);
	put_le64(b + 8, dw[1]);
	return 0;
}
