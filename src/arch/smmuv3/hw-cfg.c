// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-cfg.c - SMMUv3 STE and CD parser, as the model's hardware sees them.
 *
 * Independent of the driver's builders (ste.c): fields are extracted by the
 * bit numbers IHI0070 gives across the whole 512-bit structure (§5.2 for
 * the STE, §5.4 for the CD), and legality follows the order of the
 * SteIllegal() (§5.2.2) and CdIllegal() (§5.4.2) pseudocode, cut down to
 * the SMMU described in hw-cfg.h.
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "hw-cfg.h"

/*
 * Bits [hi:lo] of a structure, numbered as the spec numbers them: bit n is
 * bit n % 64 of word n / 64.  No field crosses a word.
 */
static uint64_t sbits(const uint64_t *w, unsigned int hi, unsigned int lo)
{
	unsigned int width = hi - lo + 1;
	uint64_t v = w[lo / 64] >> (lo % 64);

	return width >= 64 ? v : v & ((1ull << width) - 1);
}

static bool sbit(const uint64_t *w, unsigned int n)
{
	return sbits(w, n, n);
}

/* An address field [hi:lo] holding address bits [hi%64:lo%64]. */
static uint64_t saddr(const uint64_t *w, unsigned int hi, unsigned int lo)
{
	return sbits(w, hi, lo) << (lo % 64);
}

/*
 * PS / IPS / OAS encodings in bits.  0b111 is Reserved up to SMMUv3.3 and
 * behaves as 0b110 (§5.2 S2PS, §5.4 IPS).
 */
static unsigned int pa_bits(unsigned int enc)
{
	static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return bits[enc & 7];
}

/* MIN(field, OAS), in bits: the effective output size (§5.2 S2PS, §5.4 IPS). */
static unsigned int eff_pa_bits(unsigned int enc, const struct smmu_hw_cfg_idr *idr)
{
	unsigned int a = pa_bits(enc), b = pa_bits(idr->oas);

	return a < b ? a : b;
}

/* TG0 and S2TG: 0b00 4KB, 0b01 64KB, 0b10 16KB, 0b11 Reserved -> 0. */
static unsigned int tg0_log2(unsigned int tg)
{
	static const uint8_t g[4] = { 12, 16, 14, 0 };

	return g[tg & 3];
}

/* TG1: 0b00 Reserved -> 0, 0b01 16KB, 0b10 4KB, 0b11 64KB. */
static unsigned int tg1_log2(unsigned int tg)
{
	static const uint8_t g[4] = { 0, 14, 12, 16 };

	return g[tg & 3];
}

static bool granule_supported(unsigned int g, const struct smmu_hw_cfg_idr *idr)
{
	switch (g) {
	case 12:
		return idr->gran & SMMU_HW_GRAN_4K;
	case 14:
		return idr->gran & SMMU_HW_GRAN_16K;
	case 16:
		return idr->gran & SMMU_HW_GRAN_64K;
	default:
		return false;
	}
}

/*
 * Table base range (§5.2 S2TTB, §5.4 TTB0): inside the effective output
 * size, and inside 48 bits with a 4K/16K granule (DS == 0).
 */
static bool ttb_out_of_range(uint64_t ttb, unsigned int g, unsigned int bits)
{
	if (g != 16 && bits > 48)
		bits = 48;
	return ttb >> bits != 0;
}

static bool endi_unsupported(bool endi, const struct smmu_hw_cfg_idr *idr)
{
	return (idr->ttendian == SMMU_HW_TTENDIAN_LE && endi) ||
	       (idr->ttendian == SMMU_HW_TTENDIAN_BE && !endi);
}

void smmu_hw_cfg_idr_init(struct smmu_hw_cfg_idr *idr, unsigned int feat)
{
	memset(idr, 0, sizeof(*idr));
	idr->feat = feat;
	idr->ssidsize = 20;
	idr->sidsize = 16;
	idr->oas = 6;
	idr->vax52 = true;
	idr->gran = SMMU_HW_GRAN_4K | SMMU_HW_GRAN_16K | SMMU_HW_GRAN_64K;
	idr->ttendian = SMMU_HW_TTENDIAN_MIXED;
	idr->asid16 = true;
	idr->vmid16 = true;
}

void smmu_hw_idr_write(const struct smmu_hw_cfg_idr *idr, unsigned int cmdqs,
		       struct invt_smmu_regs *regs)
{
	uint32_t idr0 = INVT_SMMU_IDR0_TTF_AA64 | INVT_SMMU_IDR0_COHACC, idr5 = idr->oas & 7;

	if (idr->feat & SMMU_HW_FEAT_S2)
		idr0 |= INVT_SMMU_IDR0_S2P;
	if (idr->feat & SMMU_HW_FEAT_S1)
		idr0 |= INVT_SMMU_IDR0_S1P;
	if (idr->feat & SMMU_HW_FEAT_HYP)
		idr0 |= INVT_SMMU_IDR0_HYP;
	if (idr->feat & SMMU_HW_FEAT_ATS)
		idr0 |= INVT_SMMU_IDR0_ATS;
	if (idr->feat & SMMU_HW_FEAT_PRI)
		idr0 |= INVT_SMMU_IDR0_PRI;
	if (idr->asid16)
		idr0 |= INVT_SMMU_IDR0_ASID16;
	if (idr->vmid16)
		idr0 |= INVT_SMMU_IDR0_VMID16;
	if (idr->term_abort)
		idr0 |= INVT_SMMU_IDR0_TERM_MODEL;
	if (idr->cd2l)
		idr0 |= INVT_SMMU_IDR0_CD2L;
	if (idr->st_2lvl)
		idr0 |= 1u << INVT_SMMU_IDR0_ST_LEVEL_SHIFT;	/* 0b01: two-level too */
	idr0 |= (uint32_t)(idr->httu & 3) << INVT_SMMU_IDR0_HTTU_SHIFT;
	idr0 |= (uint32_t)(idr->ttendian & 3) << INVT_SMMU_IDR0_TTENDIAN_SHIFT;
	if (!(idr->feat & SMMU_HW_FEAT_STALL))
		idr0 |= 1u << INVT_SMMU_IDR0_STALL_SHIFT;	/* terminate only */
	if (idr->gran & SMMU_HW_GRAN_4K)
		idr5 |= INVT_SMMU_IDR5_GRAN4K;
	if (idr->gran & SMMU_HW_GRAN_16K)
		idr5 |= INVT_SMMU_IDR5_GRAN16K;
	if (idr->gran & SMMU_HW_GRAN_64K)
		idr5 |= INVT_SMMU_IDR5_GRAN64K;
	if (idr->vax52)
		idr5 |= 1u << INVT_SMMU_IDR5_VAX_SHIFT;
	/* Read-only registers set at reset, before either side runs. */
	regs->idr0 = idr0;
	regs->idr1 = (idr->sidsize & 0x3fu) | (uint32_t)(idr->ssidsize & 0x1f) <<
		     INVT_SMMU_IDR1_SSIDSIZE_SHIFT | (cmdqs & 0x1fu) << INVT_SMMU_IDR1_CMDQS_SHIFT;
	regs->idr3 = (idr->feat & SMMU_HW_FEAT_RIL) ? INVT_SMMU_IDR3_RIL : 0;
	regs->idr5 = idr5;
}

static int fail(enum smmu_hw_cfg_why *why, enum smmu_hw_cfg_why rule, int code)
{
	if (why)
		*why = rule;
	return code;
}

/* ---- STE (§5.2; legality after §5.2.2 SteIllegal()) ---- */

#define BAD_STE(r)	fail(why, SMMU_HW_CFG_WHY_##r, SMMU_HW_EVT_C_BAD_STE)

/*
 * Stage 2 walk: starting level from S2SL0 (encoded as VTCR_EL2.SL0: 4KB
 * 0b00/0b01/0b10 = level 2/1/0, 0b11 Reserved without FEAT_TTST; 16KB and
 * 64KB 0b00/0b01/0b10 = level 3/2/1, 0b11 Reserved without DS or for 64KB),
 * consistent with S2T0SZ when the starting level resolves at least one bit
 * and at most stride + 4 bits (16 concatenated tables).
 */
static bool s2_walk_consistent(struct smmu_hw_ste *s)
{
	int g = s->s2_granule, stride = g - 3, ia = 64 - s->s2t0sz, level, bits;

	if (s->s2sl0 == 3)
		return false;
	level = (g == 12 ? 2 : 3) - s->s2sl0;
	bits = ia - g - (3 - level) * stride;
	if (bits < 1 || bits > stride + 4)
		return false;
	s->s2_level = (uint8_t)level;
	return true;
}

static int ste_stage1(const uint64_t *w, const struct smmu_hw_cfg_idr *idr,
		      struct smmu_hw_ste *s, enum smmu_hw_cfg_why *why)
{
	unsigned int cdmax = sbits(w, 63, 59), fmt = sbits(w, 5, 4), dss;
	uint64_t ptr = saddr(w, 55, 6);

	s->s1stalld = sbit(w, 91);
	if (s->s1stalld && !(idr->feat & SMMU_HW_FEAT_STALL))
		return BAD_STE(STALL);
	if (!idr->ssidsize)
		cdmax = 0;		/* IGNORED without substreams */
	else if (cdmax > idr->ssidsize)
		return BAD_STE(CDMAX);
	/*
	 * S1Fmt, used when S1CDMax != 0: 0b01 and 0b10 two-level, ILLEGAL
	 * without IDR0.CD2L; 0b11 Reserved, behaves as 0b00.
	 */
	if (cdmax && (fmt == 1 || fmt == 2) && !idr->cd2l)
		return BAD_STE(S1FMT);
	/* A PA inside OAS, or an IPA inside IAS with stage 2; IAS == OAS here. */
	if (ptr >> pa_bits(idr->oas))
		return BAD_STE(CTXPTR);

	s->s1cdmax = (uint8_t)cdmax;
	s->s1fmt = cdmax && fmt != 3 ? (uint8_t)fmt : 0;
	s->s1ctxptr = ptr;
	dss = sbits(w, 65, 64);
	s->s1dss = cdmax ? (dss == 3 ? 0 : (uint8_t)dss) : 0;
	s->s1cir = sbits(w, 67, 66);
	s->s1cor = sbits(w, 69, 68);
	s->s1csh = sbits(w, 71, 70);
	return 0;
}

static int ste_stage2(const uint64_t *w, const struct smmu_hw_cfg_idr *idr,
		      struct smmu_hw_ste *s, enum smmu_hw_cfg_why *why)
{
	unsigned int g, min;

	s->s2s = sbit(w, 185);
	if (s->s2s && !(idr->feat & SMMU_HW_FEAT_STALL))
		return BAD_STE(STALL);
	s->s2aa64 = sbit(w, 179);
	if (!s->s2aa64)			/* IDR0.TTF == 0b10, IDR5.D128 == 0 */
		return BAD_STE(AA64);
	s->s2hd = sbit(w, 183);
	s->s2ha = sbit(w, 184);
	if (((s->s2ha || s->s2hd) && idr->httu == 0) || (s->s2hd && idr->httu == 1))
		return BAD_STE(HTTU);
	g = tg0_log2(sbits(w, 175, 174));
	if (!granule_supported(g, idr))
		return BAD_STE(GRANULE);
	s->s2_granule = (uint8_t)g;
	s->s2ps = sbits(w, 178, 176);
	s->s2_pa_bits = (uint8_t)eff_pa_bits(s->s2ps, idr);
	s->s2ttb = saddr(w, 243, 196);
	if (ttb_out_of_range(s->s2ttb, g, s->s2_pa_bits))
		return BAD_STE(TTB);
	/* S2T0SZ: at most 39 (no STT); at least MAX(16 or 12 with 64KB, 64 - IAS). */
	s->s2t0sz = sbits(w, 165, 160);
	min = 64 - pa_bits(idr->oas);
	if (min < (g == 16 ? 12u : 16u))
		min = g == 16 ? 12 : 16;
	if (s->s2t0sz < min || s->s2t0sz > 39)
		return BAD_STE(TXSZ);
	s->s2sl0 = sbits(w, 167, 166);
	if (!s2_walk_consistent(s))
		return BAD_STE(SL0);
	s->s2endi = sbit(w, 180);
	if (endi_unsupported(s->s2endi, idr))
		return BAD_STE(ENDI);

	s->s2ir0 = sbits(w, 169, 168);
	s->s2or0 = sbits(w, 171, 170);
	s->s2sh0 = sbits(w, 173, 172);
	s->s2affd = sbit(w, 181);
	s->s2ptw = sbit(w, 182);
	s->s2r = sbit(w, 186);
	return 0;
}

int smmu_hw_ste_decode(const uint64_t w[8], const struct smmu_hw_cfg_idr *idr,
		       struct smmu_hw_ste *s, enum smmu_hw_cfg_why *why)
{
	unsigned int cfg, eats, strw, vmid;
	bool strw_used;
	int ret;

	memset(s, 0, sizeof(*s));
	memcpy(s->raw, w, sizeof(s->raw));
	if (why)
		*why = SMMU_HW_CFG_WHY_NONE;

	/* V, bit [0]: a transaction through an STE with V == 0 is C_BAD_STE. */
	if (!sbit(w, 0))
		return BAD_STE(V0);
	s->valid = true;

	/* Config, bits [3:1]: 0b0xx abort (0b001..0b011 Reserved, behave as 0b000). */
	cfg = sbits(w, 3, 1);
	if (!(cfg & 4))
		return 0;
	s->config = (uint8_t)cfg;
	if (cfg == 4)
		return 0;		/* bypass: S1*, S2*, EATS, STRW IGNORED */
	s->s1 = cfg & 1;
	s->s2 = cfg & 2;
	if ((s->s1 && !(idr->feat & SMMU_HW_FEAT_S1)) || (s->s2 && !(idr->feat & SMMU_HW_FEAT_S2)))
		return BAD_STE(STAGE);

	/*
	 * EATS, bits [93:92], used with IDR0.ATS and a translating Config.
	 * 0b10 split-stage: ILLEGAL, the modelled SMMU has IDR0.NS1ATS == 1.
	 * 0b01 with S2S and stage 2: ILLEGAL (v3.1+).  0b11 needs DPT, which
	 * the SMMU lacks: Reserved, behaves as 0b00.
	 */
	if (idr->feat & SMMU_HW_FEAT_ATS) {
		eats = sbits(w, 93, 92);
		if (eats == 2 || (eats == 1 && s->s2 && sbit(w, 185)))
			return BAD_STE(EATS);
		s->eats = eats == 1;
	}

	/* STRW, bits [95:94]: used for stage-1-only STEs when IDR0.Hyp == 1. */
	strw_used = (idr->feat & SMMU_HW_FEAT_S1) && (idr->feat & SMMU_HW_FEAT_HYP) && !s->s2;
	strw = sbits(w, 95, 94);
	if (strw_used && (strw & 1))
		return BAD_STE(STRW);
	if (strw_used && strw == 2) {
		s->strw = (uint8_t)strw;
		s->world = idr->e2h ? SMMU_HW_WORLD_NS_EL2_E2H : SMMU_HW_WORLD_NS_EL2;
	}

	if (s->s1) {
		ret = ste_stage1(w, idr, s, why);
		if (ret)
			return ret;
	}
	if (s->s2) {
		ret = ste_stage2(w, idr, s, why);
		if (ret)
			return ret;
	}

	/* S2VMID, bits [143:128]: tags NS-EL1 translations when IDR0.S2P == 1. */
	vmid = sbits(w, 143, 128);
	if ((idr->feat & SMMU_HW_FEAT_S2) && s->world == SMMU_HW_WORLD_NS_EL1) {
		if (!idr->vmid16 && vmid >> 8)
			return BAD_STE(VMID);
		s->s2vmid = (uint16_t)vmid;
	}
	return 0;
}

int smmu_hw_ste_parse(const uint64_t *mem, const struct smmu_hw_cfg_idr *idr,
		      struct smmu_hw_ste *out, enum smmu_hw_cfg_why *why)
{
	uint64_t w[8] = { 0 };
	int i;

	/*
	 * Acquire: pairs with the driver's release store of word 0
	 * (invt_smmu_cfg_make_valid()).  Having seen V == 1, the loads of
	 * words 1..7 below see the words written before it.
	 */
	w[0] = le64toh(__atomic_load_n(&mem[0], __ATOMIC_ACQUIRE));
	if (w[0] & 1) {
		/* Single-copy-atomic 64-bit reads (§3.21.3). */
		for (i = 1; i < 8; i++)
			w[i] = le64toh(__atomic_load_n(&mem[i], __ATOMIC_RELAXED));
	}
	return smmu_hw_ste_decode(w, idr, out, why);
}

/* ---- CD (§5.4; legality after §5.4.2 CdIllegal()) ---- */

#define BAD_CD(r)	fail(why, SMMU_HW_CFG_WHY_##r, SMMU_HW_EVT_C_BAD_CD)

/*
 * TxSZ range (CDTxSZInvalid()): at most 39 (no STT); at least 16, or 12
 * for a 64KB granule when IDR5.VAX gives 52-bit VAs.
 */
static bool cd_txsz_invalid(unsigned int txsz, unsigned int g, const struct smmu_hw_cfg_idr *idr)
{
	unsigned int min = idr->vax52 && g == 16 ? 12 : 16;

	return txsz < min || txsz > 39;
}

/* Starting level of a VMSAv8-64 stage 1 walk, no concatenation. */
static unsigned int s1_start_level(unsigned int txsz, unsigned int g)
{
	return 3 - ((64 - txsz - 1 - g) / (g - 3));
}

int smmu_hw_cd_decode(const uint64_t w[8], const struct smmu_hw_ste *ste,
		      const struct smmu_hw_cfg_idr *idr, struct smmu_hw_cd *c,
		      enum smmu_hw_cfg_why *why)
{
	bool el2 = ste->world == SMMU_HW_WORLD_NS_EL2, ttb0_on, ttb1_on;
	unsigned int g0, g1;

	memset(c, 0, sizeof(*c));
	memcpy(c->raw, w, sizeof(c->raw));
	if (why)
		*why = SMMU_HW_CFG_WHY_NONE;

	/* V, bit [31]: a CD with V == 0 located from a valid STE is C_BAD_CD. */
	if (!sbit(w, 31))
		return BAD_CD(V0);
	c->valid = true;

	/* S [44], R [45], A [46] (§5.5). */
	c->s = sbit(w, 44);
	c->r = sbit(w, 45);
	c->a = sbit(w, 46);
	if (ste->s1stalld && c->s)
		return BAD_CD(STALL);
	if (idr->term_abort && !c->a)
		return BAD_CD(TERM);
	if (!(idr->feat & SMMU_HW_FEAT_STALL) && c->s)
		return BAD_CD(STALL);

	/*
	 * EPD0 [14], EPD1 [30]: IGNORED (effective 0) in NS-EL2, which has no
	 * TTB1 at all.
	 */
	c->epd0 = el2 ? false : sbit(w, 14);
	c->epd1 = el2 ? true : sbit(w, 30);
	ttb0_on = !c->epd0;
	ttb1_on = !c->epd1;

	c->endi = sbit(w, 15);
	if ((ttb0_on || ttb1_on) && endi_unsupported(c->endi, idr))
		return BAD_CD(ENDI);
	c->aa64 = sbit(w, 41);
	if (!c->aa64)			/* IDR0.TTF == 0b10, IDR5.D128 == 0 */
		return BAD_CD(AA64);
	c->hd = sbit(w, 42);
	c->ha = sbit(w, 43);
	if (((c->ha || c->hd) && idr->httu == 0) || (c->hd && idr->httu == 1))
		return BAD_CD(HTTU);
	if (!el2) {
		c->asid = sbits(w, 63, 48);
		if (!idr->asid16 && c->asid >> 8)
			return BAD_CD(ASID);
	}

	g0 = tg0_log2(sbits(w, 7, 6));
	g1 = tg1_log2(sbits(w, 23, 22));
	if ((ttb0_on && cd_txsz_invalid(sbits(w, 5, 0), g0, idr)) ||
	    (ttb1_on && cd_txsz_invalid(sbits(w, 21, 16), g1, idr)))
		return BAD_CD(TXSZ);

	c->ips = sbits(w, 34, 32);
	c->ipa_bits = (uint8_t)eff_pa_bits(c->ips, idr);
	if (ttb0_on) {
		if (!granule_supported(g0, idr))
			return BAD_CD(GRANULE);
		/* TTB0, bits [115:68]: address bits [51:4]. */
		c->ttb0 = saddr(w, 115, 68);
		if (ttb_out_of_range(c->ttb0, g0, c->ipa_bits))
			return BAD_CD(TTB);
		c->t0sz = sbits(w, 5, 0);
		c->tg0_granule = (uint8_t)g0;
		c->s1_level0 = (uint8_t)s1_start_level(c->t0sz, g0);
		c->ir0 = sbits(w, 9, 8);
		c->or0 = sbits(w, 11, 10);
		c->sh0 = sbits(w, 13, 12);
		c->tbi0 = sbit(w, 38);
	}
	if (ttb1_on) {
		if (!granule_supported(g1, idr))
			return BAD_CD(GRANULE);
		/* TTB1, bits [179:132]: address bits [51:4]. */
		c->ttb1 = saddr(w, 179, 132);
		if (ttb_out_of_range(c->ttb1, g1, c->ipa_bits))
			return BAD_CD(TTB);
		c->t1sz = sbits(w, 21, 16);
		c->tg1_granule = (uint8_t)g1;
		c->ir1 = sbits(w, 25, 24);
		c->or1 = sbits(w, 27, 26);
		c->sh1 = sbits(w, 29, 28);
		c->tbi1 = sbit(w, 39);
	}

	c->affd = sbit(w, 35);
	c->wxn = sbit(w, 36);
	c->uwxn = sbit(w, 37);
	c->pan = sbit(w, 40);
	c->aset = sbit(w, 47);
	/* MAIR0, bits [223:192]; MAIR1, bits [255:224]. */
	c->mair = sbits(w, 223, 192) | sbits(w, 255, 224) << 32;
	return 0;
}

int smmu_hw_cd_parse(const uint64_t *mem, const struct smmu_hw_ste *ste,
		     const struct smmu_hw_cfg_idr *idr, struct smmu_hw_cd *out,
		     enum smmu_hw_cfg_why *why)
{
	uint64_t w[8] = { 0 };
	int i;

	/* Acquire: pairs with the driver's release store of word 0 (V, bit 31). */
	w[0] = le64toh(__atomic_load_n(&mem[0], __ATOMIC_ACQUIRE));
	if (w[0] & (1ull << 31)) {
		for (i = 1; i < 8; i++)
			w[i] = le64toh(__atomic_load_n(&mem[i], __ATOMIC_RELAXED));
	}
	return smmu_hw_cd_decode(w, ste, idr, out, why);
}

/* ---- locating the CD (§5.2 S1Fmt, S1CDMax, S1DSS; §7.3.7, §7.3.9) ---- */

int smmu_hw_cd_locate(const struct smmu_hw_ste *ste, bool ssv, uint32_t ssid,
		      uint64_t *cd_addr, enum smmu_hw_cfg_why *why)
{
	unsigned int split, l1_log2;
	uint64_t base;
	uint32_t index = 0;

	if (why)
		*why = SMMU_HW_CFG_WHY_NONE;
	if (!(ste->config & 4))
		return SMMU_HW_CFG_ABORT;
	if (!ste->s1) {
		if (ssv)
			return fail(why, SMMU_HW_CFG_WHY_SSID_NO_S1,
				    SMMU_HW_EVT_C_BAD_SUBSTREAMID);
		return SMMU_HW_CFG_NO_CD;
	}
	if (ssv) {
		if (!ste->s1cdmax)
			return fail(why, SMMU_HW_CFG_WHY_SSID_DISABLED,
				    SMMU_HW_EVT_C_BAD_SUBSTREAMID);
		if (ssid >> ste->s1cdmax)
			return fail(why, SMMU_HW_CFG_WHY_SSID_RANGE,
				    SMMU_HW_EVT_C_BAD_SUBSTREAMID);
		if (ssid == 0 && ste->s1dss == 2)
			return fail(why, SMMU_HW_CFG_WHY_SSID0, SMMU_HW_EVT_F_STREAM_DISABLED);
		index = ssid;
	} else if (ste->s1cdmax) {
		if (ste->s1dss == 1)
			return SMMU_HW_CFG_NO_CD;
		if (ste->s1dss != 2)
			return fail(why, SMMU_HW_CFG_WHY_NO_SSID, SMMU_HW_EVT_F_STREAM_DISABLED);
	}
	if (ste->s1fmt) {
		/* The L1CD array: MAX(1, 2^(S1CDMax - split)) descriptors. */
		split = ste->s1fmt == 1 ? 6 : 10;
		l1_log2 = 3 + (ste->s1cdmax > split ? ste->s1cdmax - split : 0);
		if (l1_log2 < 6)
			l1_log2 = 6;
		base = ste->s1ctxptr & ~((1ull << l1_log2) - 1);
		*cd_addr = base + 8ull * (index >> split);
		return SMMU_HW_CFG_L1CD;
	}
	/*
	 * S1ContextPtr[S1CDMax+5:6] are RES0 for a linear table; when set, the
	 * model takes the CONSTRAINED UNPREDICTABLE choice of treating them as
	 * zero.
	 */
	base = ste->s1ctxptr & ~((64ull << ste->s1cdmax) - 1);
	*cd_addr = base + 64ull * index;
	return 0;
}

/* L1CD (§5.3): V [0], L2Ptr [55:12]. */
#define L1CD_V			1ull
#define L1CD_L2PTR		0x00fffffffffff000ull

/*
 * A level-1 descriptor, read as the SMMU reads it.  Acquire: pairs with the
 * driver's release store publishing it (invt_smmu_l1_publish()); having
 * seen the new pointer, the reads of the leaf table see its entries as
 * written before it.  Return: false when outside memory.
 */
static bool l1_read(const struct smmu_hw_mem *mem, uint64_t pa, uint64_t *d)
{
	const uint64_t *p = mem && mem->va ? mem->va(mem->arg, pa) : NULL;

	if (!p)
		return false;
	*d = le64toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
	return true;
}

int smmu_hw_cd_find(const struct smmu_hw_ste *ste, bool ssv, uint32_t ssid,
		    const struct smmu_hw_mem *mem, uint64_t *cd_addr,
		    enum smmu_hw_cfg_why *why)
{
	unsigned int split;
	uint64_t d;
	int ret;

	ret = smmu_hw_cd_locate(ste, ssv, ssid, cd_addr, why);
	if (ret != SMMU_HW_CFG_L1CD)
		return ret;
	if (!l1_read(mem, *cd_addr, &d))
		return fail(why, SMMU_HW_CFG_WHY_FETCH, SMMU_HW_EVT_F_CD_FETCH);
	/* §5.3.1: L2Ptr IGNORED, the transaction aborted, C_BAD_SUBSTREAMID. */
	if (!(d & L1CD_V))
		return fail(why, SMMU_HW_CFG_WHY_SSID_L1, SMMU_HW_EVT_C_BAD_SUBSTREAMID);
	split = ste->s1fmt == 1 ? 6 : 10;
	*cd_addr = (d & L1CD_L2PTR) + 64ull * ((ssv ? ssid : 0) & ((1u << split) - 1));
	return 0;
}

/* ---- locating the STE (§3.3, §5.1 L1STD, §6.3.24 / §6.3.25) ---- */

/* SMMU_STRTAB_BASE.ADDR [55:6]; STRTAB_BASE_CFG LOG2SIZE [5:0], SPLIT [10:6], FMT [17:16]. */
#define STRTAB_ADDR		0x00ffffffffffffc0ull
/* L1STD: Span [4:0], L2Ptr [55:6]. */
#define L1STD_SPAN		0x1full
#define L1STD_L2PTR		0x00ffffffffffffc0ull

int smmu_hw_ste_locate(const struct smmu_hw_cfg_idr *idr, uint64_t base, uint32_t cfg,
		       uint32_t sid, const struct smmu_hw_mem *mem, uint64_t *ste_addr,
		       enum smmu_hw_cfg_why *why)
{
	unsigned int log2size = cfg & 0x3f, split, span, l1_log2;
	uint64_t d, l2, idx;

	if (why)
		*why = SMMU_HW_CFG_WHY_NONE;
	/* The effective LOG2SIZE is MIN(LOG2SIZE, SIDSIZE) (§6.3.25). */
	if (log2size > idr->sidsize)
		log2size = idr->sidsize;
	if ((uint64_t)sid >> log2size)
		return fail(why, SMMU_HW_CFG_WHY_SID_RANGE, SMMU_HW_EVT_C_BAD_STREAMID);
	/* FMT is RES0 without ST_LEVEL; values other than 0b01 behave as 0b00. */
	if (!idr->st_2lvl || ((cfg >> 16) & 3) != 1) {
		/* Linear: ADDR[LOG2SIZE + 5:0] taken as 0 (aligned to the table). */
		*ste_addr = (base & STRTAB_ADDR & ~((64ull << log2size) - 1)) + 64ull * sid;
		return 0;
	}
	split = (cfg >> 6) & 0x1f;
	if (split != 6 && split != 8 && split != 10)
		split = 6;	/* Reserved: behaves as 6 */
	/* ADDR[MAX(5, LOG2SIZE - SPLIT - 1 + 3):0] taken as 0. */
	l1_log2 = log2size > split ? log2size - split + 3 : 3;
	if (l1_log2 < 6)
		l1_log2 = 6;
	idx = log2size > split ? sid >> split : 0;
	if (!l1_read(mem, (base & STRTAB_ADDR & ~((1ull << l1_log2) - 1)) + 8 * idx, &d))
		return fail(why, SMMU_HW_CFG_WHY_FETCH, SMMU_HW_EVT_F_STE_FETCH);
	/* §5.1.1: Span 0, Reserved (12..31) or out of bounds for SPLIT. */
	span = d & L1STD_SPAN;
	if (!span || span > 11 || span > split + 1)
		return fail(why, SMMU_HW_CFG_WHY_SID_L1, SMMU_HW_EVT_C_BAD_STREAMID);
	idx = sid & ((1u << split) - 1);
	if (idx >> (span - 1))
		return fail(why, SMMU_HW_CFG_WHY_SID_SPAN, SMMU_HW_EVT_C_BAD_STREAMID);
	/* L2Ptr[5 + Span - 1:0] taken as 0: the array is aligned to its size. */
	l2 = d & L1STD_L2PTR & ~((64ull << (span - 1)) - 1);
	*ste_addr = l2 + 64 * idx;
	return 0;
}

const char *smmu_hw_evt_name(int code)
{
	switch (code) {
	case SMMU_HW_EVT_NONE:
		return "NONE";
	case SMMU_HW_EVT_C_BAD_STREAMID:
		return "C_BAD_STREAMID";
	case SMMU_HW_EVT_F_STE_FETCH:
		return "F_STE_FETCH";
	case SMMU_HW_EVT_C_BAD_STE:
		return "C_BAD_STE";
	case SMMU_HW_EVT_F_STREAM_DISABLED:
		return "F_STREAM_DISABLED";
	case SMMU_HW_EVT_C_BAD_SUBSTREAMID:
		return "C_BAD_SUBSTREAMID";
	case SMMU_HW_EVT_F_CD_FETCH:
		return "F_CD_FETCH";
	case SMMU_HW_EVT_C_BAD_CD:
		return "C_BAD_CD";
	case SMMU_HW_CFG_L1CD:
		return "L1CD";
	case SMMU_HW_CFG_NO_CD:
		return "NO_CD";
	case SMMU_HW_CFG_ABORT:
		return "ABORT";
	default:
		return "UNKNOWN";
	}
}
