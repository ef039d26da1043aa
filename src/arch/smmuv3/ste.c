// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ste.c - SMMUv3 Stream Table Entries and Context Descriptors (driver side):
 * builders, and the stores that install them.
 *
 * Field positions come from ARM IHI0070, §5.2 "STE, Stream Table Entry" and
 * §5.4 "CD, Context Descriptor"; the spec numbers bits across the whole
 * 512-bit structure, the comments below give that number and the word and
 * bits it lands in.  The model's parser (hw-cfg.c) is written separately on
 * purpose: do not share these definitions with it.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <invtrack/compat.h>
#include <invtrack/smmuv3-cfg.h>

/* A field: which word, its lowest bit in that word, its width in bits. */
struct cfg_field {
	uint8_t word;
	uint8_t lo;
	uint8_t width;
};

/* ---- STE, §5.2 ---- */

/* V, bit [0]: word 0 [0]. */
static const struct cfg_field STE_V = { 0, 0, 1 };
/* Config, bits [3:1]: word 0 [3:1]. */
static const struct cfg_field STE_CONFIG = { 0, 1, 3 };
/* S1Fmt, bits [5:4]: word 0 [5:4]; 0b00 linear, 0b01 / 0b10 two-level. */
static const struct cfg_field STE_S1FMT = { 0, 4, 2 };
/* S1ContextPtr, bits [55:6]: word 0 [55:6], address bits [55:6] in place. */
static const struct cfg_field STE_S1CTXPTR = { 0, 6, 50 };
/* S1CDMax, bits [63:59]: word 0 [63:59]. */
static const struct cfg_field STE_S1CDMAX = { 0, 59, 5 };
/* S1DSS, bits [65:64]: word 1 [1:0]. */
static const struct cfg_field STE_S1DSS = { 1, 0, 2 };
/* S1CIR, bits [67:66]: word 1 [3:2]. */
static const struct cfg_field STE_S1CIR = { 1, 2, 2 };
/* S1COR, bits [69:68]: word 1 [5:4]. */
static const struct cfg_field STE_S1COR = { 1, 4, 2 };
/* S1CSH, bits [71:70]: word 1 [7:6]. */
static const struct cfg_field STE_S1CSH = { 1, 6, 2 };
/* S1STALLD, bit [91]: word 1 [27]; always 0 here. */
static const struct cfg_field STE_S1STALLD = { 1, 27, 1 };
/* EATS, bits [93:92]: word 1 [29:28]. */
static const struct cfg_field STE_EATS = { 1, 28, 2 };
/* STRW, bits [95:94]: word 1 [31:30]; 0b00 NS-EL1, always 0 here. */
static const struct cfg_field STE_STRW = { 1, 30, 2 };
/* S2VMID, bits [143:128]: word 2 [15:0]. */
static const struct cfg_field STE_S2VMID = { 2, 0, 16 };
/* S2T0SZ, bits [165:160]: word 2 [37:32]. */
static const struct cfg_field STE_S2T0SZ = { 2, 32, 6 };
/* S2SL0, bits [167:166]: word 2 [39:38]. */
static const struct cfg_field STE_S2SL0 = { 2, 38, 2 };
/* S2IR0, bits [169:168]: word 2 [41:40]. */
static const struct cfg_field STE_S2IR0 = { 2, 40, 2 };
/* S2OR0, bits [171:170]: word 2 [43:42]. */
static const struct cfg_field STE_S2OR0 = { 2, 42, 2 };
/* S2SH0, bits [173:172]: word 2 [45:44]. */
static const struct cfg_field STE_S2SH0 = { 2, 44, 2 };
/* S2TG, bits [175:174]: word 2 [47:46]; 0b00 4K, 0b01 64K, 0b10 16K. */
static const struct cfg_field STE_S2TG = { 2, 46, 2 };
/* S2PS, bits [178:176]: word 2 [50:48]. */
static const struct cfg_field STE_S2PS = { 2, 48, 3 };
/* S2AA64, bit [179]: word 2 [51]; 1 selects VMSAv8-64. */
static const struct cfg_field STE_S2AA64 = { 2, 51, 1 };
/* S2S, bit [185]: word 2 [57]; always 0 here. */
static const struct cfg_field STE_S2S = { 2, 57, 1 };
/* S2R, bit [186]: word 2 [58]. */
static const struct cfg_field STE_S2R = { 2, 58, 1 };
/* S2TTB, bits [243:196] (v3.1+, VMSAv8-64): word 3 [51:4], address bits in place. */
static const struct cfg_field STE_S2TTB = { 3, 4, 48 };

/* S1DSS 0b10: no SubstreamID -> CD 0; SubstreamID 0 terminated. */
#define STE_S1DSS_SSID0		2
/* Normal Write-Back, Read-Allocate (S1CIR/S1COR) / WB RA+WA (IRx/ORx). */
#define CFG_CACHE_WB		1
/* Inner Shareable (S1CSH, S2SH0, SH0). */
#define CFG_SH_INNER		3

/* ---- CD, §5.4 ---- */

/* T0SZ, bits [5:0]: word 0 [5:0]. */
static const struct cfg_field CD_T0SZ = { 0, 0, 6 };
/* TG0, bits [7:6]: word 0 [7:6]; 0b00 4K, 0b01 64K, 0b10 16K. */
static const struct cfg_field CD_TG0 = { 0, 6, 2 };
/* IR0, bits [9:8]: word 0 [9:8]. */
static const struct cfg_field CD_IR0 = { 0, 8, 2 };
/* OR0, bits [11:10]: word 0 [11:10]. */
static const struct cfg_field CD_OR0 = { 0, 10, 2 };
/* SH0, bits [13:12]: word 0 [13:12]. */
static const struct cfg_field CD_SH0 = { 0, 12, 2 };
/* EPD0, bit [14]: word 0 [14]; 0, TTB0 walks enabled. */
static const struct cfg_field CD_EPD0 = { 0, 14, 1 };
/* ENDI, bit [15]: word 0 [15]. */
static const struct cfg_field CD_ENDI = { 0, 15, 1 };
/* EPD1, bit [30]: word 0 [30]; 1, no TTB1 walks. */
static const struct cfg_field CD_EPD1 = { 0, 30, 1 };
/* V, bit [31]: word 0 [31]. */
static const struct cfg_field CD_V = { 0, 31, 1 };
/* IPS, bits [34:32]: word 0 [34:32]. */
static const struct cfg_field CD_IPS = { 0, 32, 3 };
/* AFFD, bit [35]: word 0 [35]. */
static const struct cfg_field CD_AFFD = { 0, 35, 1 };
/* AA64, bit [41]: word 0 [41]; 1 selects VMSAv8-64. */
static const struct cfg_field CD_AA64 = { 0, 41, 1 };
/* S, bit [44]: word 0 [44]; 0, faults never stall. */
static const struct cfg_field CD_S = { 0, 44, 1 };
/* R, bit [45]: word 0 [45]; 1, faults recorded. */
static const struct cfg_field CD_R = { 0, 45, 1 };
/* A, bit [46]: word 0 [46]; 1, faulting transactions aborted (§5.5). */
static const struct cfg_field CD_A = { 0, 46, 1 };
/* ASET, bit [47]: word 0 [47]; 1, ASID not shared with the PEs. */
static const struct cfg_field CD_ASET = { 0, 47, 1 };
/* ASID, bits [63:48]: word 0 [63:48]. */
static const struct cfg_field CD_ASID = { 0, 48, 16 };
/* TTB0, bits [115:68] (v3.1+, VMSAv8-64): word 1 [51:4], address bits in place. */
static const struct cfg_field CD_TTB0 = { 1, 4, 48 };
/* MAIR0, bits [223:192], and MAIR1, bits [255:224]: all of word 3. */
static const struct cfg_field CD_MAIR = { 3, 0, 64 };

static void put(uint64_t w[INVT_SMMU_CFG_WORDS], struct cfg_field f, uint64_t val)
{
	uint64_t mask = f.width == 64 ? ~0ull : (1ull << f.width) - 1;

	w[f.word] |= (val & mask) << f.lo;
}

/* An address field holds the address bits at their own positions. */
static void put_addr(uint64_t w[INVT_SMMU_CFG_WORDS], struct cfg_field f, uint64_t addr)
{
	put(w, f, addr >> f.lo);
}

/* Output sizes in bits, indexed by the PS/IPS encoding. */
static const uint8_t ps_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

/* log2 of the granule for an INVT_SMMU_TG_* value; 0 for anything else. */
static unsigned int granule_shift(uint8_t tg)
{
	switch (tg) {
	case INVT_SMMU_TG_4K:
		return 12;
	case INVT_SMMU_TG_16K:
		return 14;
	case INVT_SMMU_TG_64K:
		return 16;
	default:
		return 0;
	}
}

/* The TG0 / S2TG encoding (§5.2 S2TG, §5.4 TG0): 4K 0b00, 64K 0b01, 16K 0b10. */
static uint64_t tg_field(unsigned int shift)
{
	return shift == 12 ? 0 : shift == 16 ? 1 : 2;
}

/*
 * T0SZ / S2T0SZ range for VMSAv8-64 without SMMU_IDR3.STT and without DS:
 * at most 39; at least 16, or 12 with the 64K granule (52-bit input).
 */
static bool txsz_ok(uint8_t txsz, unsigned int shift)
{
	return txsz <= 39 && txsz >= (shift == 16 ? 12 : 16);
}

/*
 * A table base must lie inside the output size, and below 2^48 with the 4K
 * and 16K granules (52-bit addresses need DS there, which is not used).
 */
static bool addr_in_range(uint64_t addr, uint8_t ps, unsigned int shift)
{
	unsigned int bits = ps_bits[ps];

	if (shift != 16 && bits > 48)
		bits = 48;
	return addr >> bits == 0;
}

/*
 * log2 of the alignment of a starting-level table that resolves @bits bits
 * of address (8-byte descriptors), at least 16 bytes (the fields start at
 * bit 4), and 64 bytes when the output size is 52 bits (§5.2 S2TTB, §5.4
 * TTB0).
 */
static unsigned int table_align(int bits, uint8_t ps)
{
	unsigned int x = (unsigned int)bits + 3;
	unsigned int min = ps == INVT_SMMU_PS_52 ? 6 : 4;

	return x < min ? min : x;
}

/*
 * Stage 2: the starting level S2SL0 names (VTCR_EL2.SL0 encoding; §5.2
 * S2SL0), and the number of address bits it resolves.  4K: SL0 0/1/2 start
 * at level 2/1/0; 16K and 64K: SL0 0/1/2 start at level 3/2/1.  SL0 3 needs
 * FEAT_TTST (4K) or DS (16K) and is reserved for 64K: rejected.  The
 * starting level must resolve between 1 bit and stride + 4 bits (up to 16
 * concatenated tables); otherwise S2SL0 is inconsistent with S2T0SZ.
 * Return: the bits, or -1 when inconsistent.
 */
static int s2_entry_bits(uint8_t t0sz, uint8_t sl0, unsigned int shift)
{
	int stride = (int)shift - 3, level, bits;

	if (sl0 > 2)
		return -1;
	level = shift == 12 ? 2 - sl0 : 3 - sl0;
	bits = (64 - t0sz) - (int)shift - (3 - level) * stride;
	if (bits < 1 || bits > stride + 4)
		return -1;
	return bits;
}

/*
 * Stage 1: the walk starts at the level that leaves a whole number of full
 * levels below it (no concatenation at stage 1); its table resolves the
 * remaining 1..stride bits.
 */
static int s1_entry_bits(uint8_t t0sz, unsigned int shift)
{
	int stride = (int)shift - 3, span = (64 - t0sz) - (int)shift;

	return span - ((span - 1) / stride) * stride;
}

int invt_smmu_ps_encode(unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < sizeof(ps_bits); i++)
		if (ps_bits[i] == bits)
			return (int)i;
	return -EINVAL;
}

unsigned int invt_smmu_ps_bits(unsigned int ps)
{
	return ps < sizeof(ps_bits) ? ps_bits[ps] : 0;
}

/*
 * The ARM level at which a walk of @in_bits input bits starts without
 * concatenation: the one whose table resolves the top 1..stride bits.
 */
static unsigned int start_level(unsigned int in_bits, unsigned int shift)
{
	unsigned int stride = shift - 3, span = in_bits - shift;

	return 4 - (span + stride - 1) / stride;
}

int invt_smmu_s1_geometry(unsigned int va_bits, unsigned int tg, bool vax52,
			  struct invt_smmu_geometry *g)
{
	unsigned int shift = granule_shift((uint8_t)tg);
	unsigned int max = shift == 16 && vax52 ? 52 : 48;

	/* §5.4 CD.T0SZ: 64 - VA bits, 16..39 (12 with 64K and VAX 52). */
	if (!shift || va_bits < 25 || va_bits > max)
		return -EINVAL;
	g->txsz = (uint8_t)(64 - va_bits);
	g->level = (uint8_t)start_level(va_bits, shift);
	g->sl0 = 0;
	g->concat = 1;
	return 0;
}

int invt_smmu_s2_geometry(unsigned int ia_bits, unsigned int tg, unsigned int ias,
			  struct invt_smmu_geometry *g)
{
	unsigned int shift = granule_shift((uint8_t)tg), stride = shift - 3, level, lowest;
	unsigned int top, max = shift == 16 ? 52 : 48;

	if (!shift || ia_bits < 25 || ia_bits > 52)
		return -EINVAL;
	/* §5.2 S2T0SZ >= MAX(16 (12 with 64K), 64 - IAS), <= 39: else ILLEGAL. */
	if (ia_bits > max || ia_bits > ias)
		return -ERANGE;
	level = start_level(ia_bits, shift);
	/*
	 * S2SL0 (VTCR_EL2.SL0 without FEAT_TTST or DS) reaches level 0 with
	 * the 4K granule only: with 16K and 64K start at level 1 and
	 * concatenate the tables level 0 would have indexed.
	 */
	lowest = shift == 12 ? 0 : 1;
	if (level < lowest)
		level = lowest;
	top = ia_bits - shift - (3 - level) * stride;	/* bits the start resolves */
	if (top > stride + 4)
		return -ERANGE;		/* more than 16 concatenated tables */
	g->txsz = (uint8_t)(64 - ia_bits);
	g->level = (uint8_t)level;
	g->sl0 = (uint8_t)(shift == 12 ? 2 - level : 3 - level);
	g->concat = (uint8_t)(top > stride ? 1u << (top - stride) : 1);
	return 0;
}

static bool is_aligned(uint64_t addr, unsigned int log2)
{
	return (addr & ((1ull << log2) - 1)) == 0;
}

static bool ste_is_zero(const struct invt_smmu_ste *s)
{
	return !s->config && !s->eats && !s->s1cdmax && !s->s1fmt && !s->s1ctxptr && !s->s2vmid &&
	       !s->s2t0sz && !s->s2sl0 && !s->s2tg && !s->s2ps && !s->s2r && !s->s2ttb;
}

/* log2 of the bytes of the L1CD array of S1Fmt @fmt: MAX(1, 2^(cdmax - split)) x 8. */
static unsigned int l1cd_log2_bytes(unsigned int cdmax, unsigned int fmt)
{
	unsigned int split = fmt == INVT_SMMU_S1FMT_L2_4K ? 6u : INVT_SMMU_CD_SPLIT;

	return 3 + (cdmax > split ? cdmax - split : 0);
}

static int ste_check_s1(const struct invt_smmu_ste *s)
{
	unsigned int align;

	if (s->s1cdmax > INVT_SMMU_CDMAX_LIMIT || s->s1fmt > INVT_SMMU_S1FMT_L2_64K ||
	    (s->s1fmt && !s->s1cdmax))
		return -EINVAL;
	/*
	 * §5.2 S1ContextPtr: a linear table is aligned to its size; an L1CD
	 * array to its size, the field itself to 64 bytes.
	 */
	align = s->s1fmt ? l1cd_log2_bytes(s->s1cdmax, s->s1fmt) : 6u + s->s1cdmax;
	if (align < 6)
		align = 6;
	if (!is_aligned(s->s1ctxptr, align) || s->s1ctxptr >> 52)
		return -EINVAL;
	return 0;
}

static int ste_check_s2(const struct invt_smmu_ste *s)
{
	unsigned int shift = granule_shift(s->s2tg);
	int bits;

	if (!shift || s->s2ps >= sizeof(ps_bits) || !txsz_ok(s->s2t0sz, shift))
		return -EINVAL;
	bits = s2_entry_bits(s->s2t0sz, s->s2sl0, shift);
	if (bits < 0)
		return -EINVAL;
	if (!is_aligned(s->s2ttb, table_align(bits, s->s2ps)) ||
	    !addr_in_range(s->s2ttb, s->s2ps, shift))
		return -EINVAL;
	return 0;
}

int invt_smmu_ste_build(const struct invt_smmu_ste *s, uint64_t w[INVT_SMMU_CFG_WORDS])
{
	uint64_t t[INVT_SMMU_CFG_WORDS] = { 0 };
	struct invt_smmu_ste rest;
	bool s1, s2;

	if (!s->valid) {
		if (!ste_is_zero(s))
			return -EINVAL;
		memcpy(w, t, sizeof(t));
		return 0;
	}
	switch (s->config) {
	case INVT_SMMU_STE_ABORT:
	case INVT_SMMU_STE_BYPASS:
		/* Nothing else applies: EATS is IGNORED, no stage translates. */
		rest = *s;
		rest.config = 0;
		if (!ste_is_zero(&rest))
			return -EINVAL;
		put(t, STE_V, 1);
		put(t, STE_CONFIG, s->config);
		memcpy(w, t, sizeof(t));
		return 0;
	case INVT_SMMU_STE_S1:
	case INVT_SMMU_STE_S2:
	case INVT_SMMU_STE_NESTED:
		break;
	default:
		return -EINVAL;
	}

	s1 = s->config & 1;
	s2 = s->config & 2;
	if (s->eats > INVT_SMMU_EATS_FULL || s->s2vmid > 0xffff)
		return -EINVAL;
	if (s1 ? ste_check_s1(s) : (s->s1cdmax || s->s1fmt || s->s1ctxptr))
		return -EINVAL;
	if (s2 ? ste_check_s2(s) :
	    (s->s2t0sz || s->s2sl0 || s->s2tg || s->s2ps || s->s2r || s->s2ttb))
		return -EINVAL;

	put(t, STE_V, 1);
	put(t, STE_CONFIG, s->config);
	put(t, STE_EATS, s->eats);
	put(t, STE_STRW, 0);
	put(t, STE_S2VMID, s->s2vmid);
	if (s1) {
		put(t, STE_S1FMT, s->s1fmt);
		put_addr(t, STE_S1CTXPTR, s->s1ctxptr);
		put(t, STE_S1CDMAX, s->s1cdmax);
		/* S1DSS is IGNORED without substreams: leave it 0 then. */
		put(t, STE_S1DSS, s->s1cdmax ? STE_S1DSS_SSID0 : 0);
		put(t, STE_S1CIR, CFG_CACHE_WB);
		put(t, STE_S1COR, CFG_CACHE_WB);
		put(t, STE_S1CSH, CFG_SH_INNER);
		put(t, STE_S1STALLD, 0);
	}
	if (s2) {
		put(t, STE_S2T0SZ, s->s2t0sz);
		put(t, STE_S2SL0, s->s2sl0);
		put(t, STE_S2IR0, CFG_CACHE_WB);
		put(t, STE_S2OR0, CFG_CACHE_WB);
		put(t, STE_S2SH0, CFG_SH_INNER);
		put(t, STE_S2TG, tg_field(granule_shift(s->s2tg)));
		put(t, STE_S2PS, s->s2ps);
		put(t, STE_S2AA64, 1);
		put(t, STE_S2S, 0);
		put(t, STE_S2R, s->s2r);
		put_addr(t, STE_S2TTB, s->s2ttb);
	}
	memcpy(w, t, sizeof(t));
	return 0;
}

int invt_smmu_cd_build(const struct invt_smmu_cd *c, uint64_t w[INVT_SMMU_CFG_WORDS])
{
	uint64_t t[INVT_SMMU_CFG_WORDS] = { 0 };
	unsigned int shift;

	if (!c->valid) {
		if (c->t0sz || c->tg0 || c->ips || c->endi || c->affd || c->asid || c->ttb0 ||
		    c->mair)
			return -EINVAL;
		memcpy(w, t, sizeof(t));
		return 0;
	}
	shift = granule_shift(c->tg0);
	if (!shift || c->ips >= sizeof(ps_bits) || !txsz_ok(c->t0sz, shift) || c->asid > 0xffff)
		return -EINVAL;
	if (!is_aligned(c->ttb0, table_align(s1_entry_bits(c->t0sz, shift), c->ips)) ||
	    !addr_in_range(c->ttb0, c->ips, shift))
		return -EINVAL;

	put(t, CD_T0SZ, c->t0sz);
	put(t, CD_TG0, tg_field(shift));
	put(t, CD_IR0, CFG_CACHE_WB);
	put(t, CD_OR0, CFG_CACHE_WB);
	put(t, CD_SH0, CFG_SH_INNER);
	put(t, CD_EPD0, 0);
	put(t, CD_ENDI, c->endi);
	/* T1SZ, TG1, IR1, OR1, SH1 and TTB1 stay 0: IGNORED with EPD1 = 1. */
	put(t, CD_EPD1, 1);
	put(t, CD_V, 1);
	put(t, CD_IPS, c->ips);
	put(t, CD_AFFD, c->affd);
	put(t, CD_AA64, 1);
	put(t, CD_S, 0);
	put(t, CD_R, 1);
	put(t, CD_A, 1);
	put(t, CD_ASET, 1);
	put(t, CD_ASID, c->asid);
	put_addr(t, CD_TTB0, c->ttb0);
	put(t, CD_MAIR, c->mair);
	memcpy(w, t, sizeof(t));
	return 0;
}

/* ---- level-1 descriptors (§5.1 L1STD, §5.3 L1CD) ---- */

/* L1STD: Span [4:0]; L2Ptr [55:6], address bits in place. */
#define L1STD_SPAN_MASK		0x1full
#define L1STD_L2PTR_MASK	0x00ffffffffffffc0ull
/* L1CD: V [0]; L2Ptr [55:12], address bits in place. */
#define L1CD_V			1ull
#define L1CD_L2PTR_MASK		0x00fffffffffff000ull

int invt_smmu_l1std_build(uint64_t l2ptr, unsigned int span, uint64_t *d)
{
	if (span > 11 || (!span && l2ptr) || l2ptr >> 52 ||
	    (span && !is_aligned(l2ptr, 6 + span - 1)))
		return -EINVAL;
	*d = (span & L1STD_SPAN_MASK) | (l2ptr & L1STD_L2PTR_MASK);
	return 0;
}

int invt_smmu_l1cd_build(uint64_t l2ptr, bool valid, uint64_t *d)
{
	if ((!valid && l2ptr) || l2ptr >> 52 || !is_aligned(l2ptr, 12))
		return -EINVAL;
	*d = (valid ? L1CD_V : 0) | (l2ptr & L1CD_L2PTR_MASK);
	return 0;
}

void invt_smmu_l1_publish(uint64_t *slot, uint64_t d)
{
	/*
	 * Release: pairs with the SMMU's acquire load of the descriptor
	 * (smmu_hw_ste_locate() / smmu_hw_cd_locate() in the model).  Forbids
	 * it following the new pointer and reading the leaf table's entries
	 * as they were before they were written (invalid STEs, blocking CDs).
	 */
	invt_store_release(slot, htole64(d));
}

/* ---- installing (§3.21.3.1); see the comment in <invtrack/smmuv3-cfg.h> ---- */

void invt_smmu_cfg_write_body(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS])
{
	int i;

	/*
	 * One single-copy-atomic 64-bit store per word: the SMMU reads the
	 * structure 64 bits at a time (§3.21.3), so no word is ever seen
	 * half-written.
	 */
	for (i = 1; i < INVT_SMMU_CFG_WORDS; i++)
		INVT_WRITE_ONCE(slot[i], htole64(w[i]));
}

void invt_smmu_cfg_make_valid(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS])
{
	/*
	 * Release: pairs with the acquire load of word 0 by the structure's
	 * reader (smmu_hw_ste_parse()/smmu_hw_cd_parse() in the model).  A
	 * reader that sees this V = 1 also sees words 1..7 written before it;
	 * without it, the reader could pair the new V with old words.
	 */
	invt_store_release(&slot[0], htole64(w[0]));
}

void invt_smmu_cfg_write(uint64_t *slot, const uint64_t w[INVT_SMMU_CFG_WORDS])
{
	invt_smmu_cfg_write_body(slot, w);
	invt_smmu_cfg_make_valid(slot, w);
}

void invt_smmu_cfg_break_to(uint64_t *slot, uint64_t w0)
{
	/*
	 * Word 0 alone, valid, of a structure that uses nothing else: any mix
	 * with the other words, old or new, is that structure.  Ordered as
	 * invt_smmu_cfg_break() (the CFGI/SYNC that follow are published by
	 * the release store of PROD).
	 */
	INVT_WRITE_ONCE(slot[0], htole64(w0));
}

void invt_smmu_cfg_break(uint64_t *slot)
{
	/*
	 * V = 0 (and the rest of word 0 with it).  No ordering is needed here:
	 * the CMD_CFGI/CMD_SYNC the caller issues next are published by the
	 * command queue's release store of PROD, which orders this store
	 * before the SMMU can see them; the body is rewritten only after the
	 * sync completed.
	 */
	INVT_WRITE_ONCE(slot[0], htole64(0));
}

void invt_smmu_ste_set_eats(uint64_t *slot, uint8_t eats)
{
	uint64_t w1 = le64toh(INVT_READ_ONCE(slot[STE_EATS.word]));

	w1 &= ~(((1ull << STE_EATS.width) - 1) << STE_EATS.lo);
	w1 |= (uint64_t)(eats & 3) << STE_EATS.lo;
	/*
	 * One single-copy-atomic 64-bit store: EATS is a field within one
	 * aligned doubleword, which §3.21.3 lets software change in a valid
	 * STE directly, followed by CMD_CFGI_STE and CMD_SYNC.  No ordering
	 * here: the CFGI is published by the release store of PROD.
	 */
	INVT_WRITE_ONCE(slot[STE_EATS.word], htole64(w1));
}
