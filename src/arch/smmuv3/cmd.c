// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd.c - SMMUv3 command encoder (driver side).
 *
 * Field positions come from ARM IHI0070, chapter 4; section numbers below
 * follow the issue whose chapter 4 has 4.5 "ATS and PRI", 4.6 "DPT
 * maintenance" and 4.7 "Fault response and synchronization commands".
 * The model's decoder (hw-decode.c) is written separately on purpose: do not
 * share these definitions with it.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <invtrack/smmuv3.h>

/* A field: which word, its lowest bit, its width in bits. */
struct cmd_field {
	uint8_t dw;
	uint8_t lo;
	uint8_t width;
};

/* §4.1.1: every command starts with an 8-bit opcode, dw0[7:0]. */
static const struct cmd_field F_OPCODE = { 0, 0, 8 };
/* §4.5.1 CMD_ATC_INV: Global, dw0[9]. */
static const struct cmd_field F_GLOBAL = { 0, 9, 1 };
/* §4.1.6 common fields: SSV, dw0[11] (ATC_INV §4.5.1, PRI_RESP §4.5.2). */
static const struct cmd_field F_SSV = { 0, 11, 1 };
/* §4.3.3 CFGI_CD, §4.5.1 ATC_INV, §4.5.2 PRI_RESP: SubstreamID, dw0[31:12]. */
static const struct cmd_field F_SSID = { 0, 12, 20 };
/* §4.4.1.1 range invalidation: NUM, dw0[16:12]. */
static const struct cmd_field F_NUM = { 0, 12, 5 };
/* §4.4.1.1: SCALE, dw0[24:20] (dw0[25] only exists with SMMU_IDR5.DS == 1). */
static const struct cmd_field F_SCALE = { 0, 20, 5 };
/* §4.7.1 CMD_RESUME: Action (Retry) dw0[12] and Abort dw0[13]. */
static const struct cmd_field F_ACTION = { 0, 12, 2 };
/* §4.7.3 CMD_SYNC: CS (ComplSignal), dw0[13:12]. */
static const struct cmd_field F_CS = { 0, 12, 2 };
/* §4.7.3 CMD_SYNC: MSH, dw0[23:22]. */
static const struct cmd_field F_MSH = { 0, 22, 2 };
/* §4.7.3 CMD_SYNC: MSIAttr, dw0[27:24]. */
static const struct cmd_field F_MSIATTR = { 0, 24, 4 };
/* §4.3.1-4.3.4 CFGI_*, §4.5.1 ATC_INV, §4.5.2 PRI_RESP, §4.7.1 RESUME: StreamID, dw0[63:32]. */
static const struct cmd_field F_SID = { 0, 32, 32 };
/* §4.4.2.1-4.4.2.4 TLBI_NH_*, §4.4.3.1 S2_IPA, §4.4.3.2 S12_VMALL: VMID, dw0[47:32]. */
static const struct cmd_field F_VMID = { 0, 32, 16 };
/* §4.4.2.2 NH_ASID, §4.4.2.4 NH_VA, §4.4.2.8 EL2_VA, §4.4.2.10 EL2_ASID:
 * ASID, dw0[63:48].
 */
static const struct cmd_field F_ASID = { 0, 48, 16 };
/* §4.7.3 CMD_SYNC: MSIData, dw0[63:32]. */
static const struct cmd_field F_MSIDATA = { 0, 32, 32 };

/* §4.3.1 CFGI_STE, §4.3.3 CFGI_CD, §4.4.x VA/IPA TLBIs: Leaf, dw1[0]. */
static const struct cmd_field F_LEAF = { 1, 0, 1 };
/* §4.3.2 CFGI_STE_RANGE: Range, dw1[4:0]. */
static const struct cmd_field F_STE_RANGE = { 1, 0, 5 };
/* §4.5.1 ATC_INV: Size, dw1[5:0]. */
static const struct cmd_field F_SIZE = { 1, 0, 6 };
/* §4.5.2 PRI_RESP: PRGIndex, dw1[8:0]. */
static const struct cmd_field F_GRPID = { 1, 0, 9 };
/* §4.5.2 PRI_RESP: Resp, dw1[13:12]. */
static const struct cmd_field F_RESP = { 1, 12, 2 };
/* §4.7.1 CMD_RESUME: STAG, dw1[15:0]. */
static const struct cmd_field F_STAG = { 1, 0, 16 };
/* §4.4.1.1: TTL, dw1[9:8] (bits [73:72] of the command). */
static const struct cmd_field F_TTL = { 1, 8, 2 };
/* §4.4.1.1: TG, dw1[11:10] (bits [75:74] of the command). */
static const struct cmd_field F_TG = { 1, 10, 2 };
/* §4.1.6, §4.4.2.3/4/8/9 VA TLBIs, §4.5.1 ATC_INV: Address[63:12] in dw1[63:12]. */
static const struct cmd_field F_VA = { 1, 12, 52 };
/* §4.4.3.1 TLBI_S2_IPA: IPA[51:12] in dw1[51:12] ([55:52] RES0 to v3.3). */
static const struct cmd_field F_IPA = { 1, 12, 40 };
/* §4.7.3 CMD_SYNC: MSIAddress[55:2] in dw1[55:2]. */
static const struct cmd_field F_MSIADDR = { 1, 2, 54 };

static inline __attribute__((always_inline)) void put(uint64_t dw[2], struct cmd_field f,
						       uint64_t val)
{
	uint64_t mask = f.width == 64 ? ~0ull : (1ull << f.width) - 1;

	dw[f.dw] |= (val & mask) << f.lo;
}

/* Which struct fields an opcode carries. */
enum {
	C_SID = 1u << 0,
	C_SSID = 1u << 1,
	C_SSV = 1u << 2,
	C_LEAF = 1u << 3,
	C_VMID = 1u << 4,
	C_ASID = 1u << 5,
	C_RANGE_INV = 1u << 6,	/* num, scale, ttl, tg */
	C_ADDR = 1u << 7,
	C_SIZE = 1u << 8,
	C_GLOBAL = 1u << 9,
	C_STE_RANGE = 1u << 10,
	C_GRPID = 1u << 11,
	C_RESP = 1u << 12,
	C_ACTION = 1u << 13,
	C_STAG = 1u << 14,
	C_SYNC = 1u << 15,	/* cs, msh, msiattr, msidata, msiaddr */
	C_INVALID = 1u << 31,
};

#define C_TLBI_ADDR (C_LEAF | C_RANGE_INV | C_ADDR)

static unsigned int carried(uint8_t opcode)
{
	switch (opcode) {
	case INVT_SMMU_CMD_CFGI_STE:		return C_SID | C_LEAF;
	case INVT_SMMU_CMD_CFGI_STE_RANGE:	return C_SID | C_STE_RANGE;
	case INVT_SMMU_CMD_CFGI_CD:		return C_SID | C_SSID | C_LEAF;
	case INVT_SMMU_CMD_CFGI_CD_ALL:		return C_SID;
	case INVT_SMMU_CMD_TLBI_NH_ALL:		return C_VMID;
	case INVT_SMMU_CMD_TLBI_NH_ASID:	return C_VMID | C_ASID;
	case INVT_SMMU_CMD_TLBI_NH_VA:		return C_VMID | C_ASID | C_TLBI_ADDR;
	case INVT_SMMU_CMD_TLBI_NH_VAA:		return C_VMID | C_TLBI_ADDR;
	case INVT_SMMU_CMD_TLBI_EL2_ALL:	return 0;
	case INVT_SMMU_CMD_TLBI_EL2_ASID:	return C_ASID;
	case INVT_SMMU_CMD_TLBI_EL2_VA:		return C_ASID | C_TLBI_ADDR;
	case INVT_SMMU_CMD_TLBI_EL2_VAA:	return C_TLBI_ADDR;
	case INVT_SMMU_CMD_TLBI_S12_VMALL:	return C_VMID;
	case INVT_SMMU_CMD_TLBI_S2_IPA:		return C_VMID | C_TLBI_ADDR;
	case INVT_SMMU_CMD_TLBI_NSNH_ALL:	return 0;
	case INVT_SMMU_CMD_ATC_INV:
		return C_SID | C_SSID | C_SSV | C_GLOBAL | C_SIZE | C_ADDR;
	case INVT_SMMU_CMD_PRI_RESP:	return C_SID | C_SSID | C_SSV | C_GRPID | C_RESP;
	case INVT_SMMU_CMD_RESUME:	return C_SID | C_ACTION | C_STAG;
	case INVT_SMMU_CMD_SYNC:	return C_SYNC;
	default:			return C_INVALID;
	}
}

/* Which fields of @c are non-zero. */
/*
 * Whether @c sets a field that @allowed does not carry.  With @allowed a
 * constant (see invt_smmu_cmd_encode()), only the fields of the groups
 * outside it are read.
 */
static inline bool stray(const struct invt_smmu_cmd *c, unsigned int allowed)
{
	uint64_t x = 0;

	if (!(allowed & C_SID))
		x |= c->sid;
	if (!(allowed & C_SSID))
		x |= c->ssid;
	if (!(allowed & C_SSV))
		x |= c->ssv;
	if (!(allowed & C_LEAF))
		x |= c->leaf;
	if (!(allowed & C_VMID))
		x |= c->vmid;
	if (!(allowed & C_ASID))
		x |= c->asid;
	if (!(allowed & C_RANGE_INV))
		x |= c->num | c->scale | c->ttl | c->tg;
	if (!(allowed & C_ADDR))
		x |= c->addr;
	if (!(allowed & C_SIZE))
		x |= c->size;
	if (!(allowed & C_GLOBAL))
		x |= c->global;
	if (!(allowed & C_STE_RANGE))
		x |= c->range;
	if (!(allowed & C_GRPID))
		x |= c->grpid;
	if (!(allowed & C_RESP))
		x |= c->resp;
	if (!(allowed & C_ACTION))
		x |= c->action;
	if (!(allowed & C_STAG))
		x |= c->stag;
	if (!(allowed & C_SYNC))
		x |= c->cs | c->msh | c->msiattr | c->msidata | c->msiaddr;
	return x != 0;
}

/*
 * Values too wide for their field, in the groups @allowed carries: the
 * others are 0 once stray() passed, and 0 fits every field.
 */
static inline bool widths_ok(const struct invt_smmu_cmd *c, unsigned int allowed)
{
	if ((allowed & C_SSID) && c->ssid >= INVT_SMMU_SSID_LIMIT)
		return false;
	if ((allowed & C_RANGE_INV) &&
	    (c->num > 31 || c->scale > 31 || c->ttl > 3 || c->tg > 3))
		return false;
	if ((allowed & C_SIZE) && c->size > INVT_SMMU_ATC_SIZE_ALL)
		return false;
	if ((allowed & C_STE_RANGE) && c->range > 31)
		return false;
	if ((allowed & C_GRPID) && c->grpid > 511)
		return false;
	if ((allowed & C_RESP) && c->resp > INVT_SMMU_PRI_RESP_SUCCESS)
		return false;	/* §4.5.2: 3 is ILLEGAL */
	if ((allowed & C_ACTION) && c->action > INVT_SMMU_RESUME_ABORT)
		return false;	/* 3: Abort ignored on Retry */
	if (allowed & C_SYNC)	/* §4.7.3: CS 3 is CERROR_ILL, MSH 1 reserved */
		return c->cs <= INVT_SMMU_SYNC_CS_SEV && c->msh <= 3 && c->msh != 1 &&
		       c->msiattr <= 15;
	return true;
}

static bool tlbi_addr_ok(const struct invt_smmu_cmd *c)
{
	unsigned int g, bits;

	if (c->addr & 0xfff)
		return false;
	if (c->opcode == INVT_SMMU_CMD_TLBI_S2_IPA && c->addr >> 52)
		return false;
	if (c->tg == INVT_SMMU_TG_NONE)
		return !(c->num | c->scale | c->ttl);
	if (!(c->num | c->scale | c->ttl))
		return false;
	if (c->tg == INVT_SMMU_TG_16K && c->ttl == 1)
		return false;
	g = 12 + 2 * (c->tg - 1);	/* granule shift: 12, 14, 16 */
	bits = g - 3;			/* index bits per level */
	if (c->ttl == 1)
		g += 2 * bits;
	else if (c->ttl == 2)
		g += bits;
	return !(c->addr & ((1ull << g) - 1));
}

static inline __attribute__((always_inline)) bool opcode_rules_ok(const struct invt_smmu_cmd *c)
{
	uint64_t mask;

	switch (c->opcode) {
	case INVT_SMMU_CMD_CFGI_STE_RANGE:
		/* §4.3.2: the low Range+1 SID bits are ignored; demand zeros. */
		mask = (1ull << (c->range + 1)) - 1;
		return !(c->sid & mask);
	case INVT_SMMU_CMD_TLBI_NH_VA:
	case INVT_SMMU_CMD_TLBI_NH_VAA:
	case INVT_SMMU_CMD_TLBI_EL2_VA:
	case INVT_SMMU_CMD_TLBI_EL2_VAA:
	case INVT_SMMU_CMD_TLBI_S2_IPA:
		return tlbi_addr_ok(c);
	case INVT_SMMU_CMD_ATC_INV:
		/* §4.5.1: Address[11+Size:0] taken as zero; Global needs SSV. */
		if (c->size >= INVT_SMMU_ATC_SIZE_ALL)
			mask = ~0ull;
		else
			mask = (1ull << (12 + c->size)) - 1;
		if (c->addr & mask)
			return false;
		return c->ssv || !(c->ssid || c->global);
	case INVT_SMMU_CMD_PRI_RESP:
		return c->ssv || !c->ssid;
	case INVT_SMMU_CMD_SYNC:
		/* §4.7.3: MSI fields are IGNORED unless CS is SIG_IRQ. */
		if (c->cs != INVT_SMMU_SYNC_CS_IRQ &&
		    (c->msh | c->msiattr | c->msidata | c->msiaddr))
			return false;
		return !(c->msiaddr & 3) && !(c->msiaddr >> 56);
	default:
		return true;
	}
}

/*
 * Encode @c, a command of an opcode that carries @allowed (a constant in
 * each case of invt_smmu_cmd_encode(): every opcode gets its own copy, which
 * reads and checks only what concerns it).
 */
static inline __attribute__((always_inline)) int encode(const struct invt_smmu_cmd *c,
							unsigned int allowed, uint64_t dw[2])
{
	uint64_t w[2] = { 0, 0 };

	if (allowed & C_INVALID)
		return -EINVAL;
	if (stray(c, allowed))
		return -EINVAL;
	if (!widths_ok(c, allowed) || !opcode_rules_ok(c))
		return -EINVAL;

	put(w, F_OPCODE, c->opcode);
	if (allowed & C_SID)
		put(w, F_SID, c->sid);
	if (allowed & C_SSID)
		put(w, F_SSID, c->ssid);
	if (allowed & C_SSV)
		put(w, F_SSV, c->ssv);
	if (allowed & C_GLOBAL)
		put(w, F_GLOBAL, c->global);
	if (allowed & C_LEAF)
		put(w, F_LEAF, c->leaf);
	if (allowed & C_VMID)
		put(w, F_VMID, c->vmid);
	if (allowed & C_ASID)
		put(w, F_ASID, c->asid);
	if (allowed & C_RANGE_INV) {
		put(w, F_NUM, c->num);
		put(w, F_SCALE, c->scale);
		put(w, F_TTL, c->ttl);
		put(w, F_TG, c->tg);
	}
	if (allowed & C_ADDR) {
		if (c->opcode == INVT_SMMU_CMD_TLBI_S2_IPA)
			put(w, F_IPA, c->addr >> 12);
		else
			put(w, F_VA, c->addr >> 12);
	}
	if (allowed & C_SIZE)
		put(w, F_SIZE, c->size);
	if (allowed & C_STE_RANGE)
		put(w, F_STE_RANGE, c->range);
	if (allowed & C_GRPID)
		put(w, F_GRPID, c->grpid);
	if (allowed & C_RESP)
		put(w, F_RESP, c->resp);
	if (allowed & C_ACTION)
		put(w, F_ACTION, c->action);
	if (allowed & C_STAG)
		put(w, F_STAG, c->stag);
	if (allowed & C_SYNC) {
		put(w, F_CS, c->cs);
		put(w, F_MSH, c->msh);
		put(w, F_MSIATTR, c->msiattr);
		put(w, F_MSIDATA, c->msidata);
		put(w, F_MSIADDR, c->msiaddr >> 2);
	}
	dw[0] = w[0];
	dw[1] = w[1];
	return 0;
}

#define ENCODE(op) case op: return encode(c, carried(op), dw)

int invt_smmu_cmd_encode(const struct invt_smmu_cmd *c, uint64_t dw[2])
{
	switch (c->opcode) {
	ENCODE(INVT_SMMU_CMD_CFGI_STE);
	ENCODE(INVT_SMMU_CMD_CFGI_STE_RANGE);
	ENCODE(INVT_SMMU_CMD_CFGI_CD);
	ENCODE(INVT_SMMU_CMD_CFGI_CD_ALL);
	ENCODE(INVT_SMMU_CMD_TLBI_NH_ALL);
	ENCODE(INVT_SMMU_CMD_TLBI_NH_ASID);
	ENCODE(INVT_SMMU_CMD_TLBI_NH_VA);
	ENCODE(INVT_SMMU_CMD_TLBI_NH_VAA);
	ENCODE(INVT_SMMU_CMD_TLBI_EL2_ALL);
	ENCODE(INVT_SMMU_CMD_TLBI_EL2_ASID);
	ENCODE(INVT_SMMU_CMD_TLBI_EL2_VA);
	ENCODE(INVT_SMMU_CMD_TLBI_EL2_VAA);
	ENCODE(INVT_SMMU_CMD_TLBI_S12_VMALL);
	ENCODE(INVT_SMMU_CMD_TLBI_S2_IPA);
	ENCODE(INVT_SMMU_CMD_TLBI_NSNH_ALL);
	ENCODE(INVT_SMMU_CMD_ATC_INV);
	ENCODE(INVT_SMMU_CMD_PRI_RESP);
	ENCODE(INVT_SMMU_CMD_RESUME);
	ENCODE(INVT_SMMU_CMD_SYNC);
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

int invt_smmu_cmd_encode_le(const struct invt_smmu_cmd *c, void *slot)
{
	uint8_t *b = slot;
	uint64_t dw[2];
	int ret;

	ret = invt_smmu_cmd_encode(c, dw);
	if (ret)
		return ret;
	/* §4.1.1: Command queue entries are little-endian. */
	put_le64(b, dw[0]);
	put_le64(b + 8, dw[1]);
	return 0;
}
