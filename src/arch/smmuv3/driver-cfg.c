// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver-cfg.c - ARM SMMUv3 driver: masters, STE and CD installation, and
 * the attach transaction (see <invtrack/smmuv3-driver.h>).
 *
 * Every change of an STE or a CD goes through cfg_install(), which follows
 * the break-before-make sequence of <invtrack/smmuv3-cfg.h>: a step writes
 * the slot (the STEs of every SID of the master, or one CD), then queues a
 * CMD_CFGI per SID and one CMD_SYNC and waits for it.  What is installed is
 * decided from what memory holds (this file is the only writer, under
 * smmu->cfg_lock), so the same code moves a slot forward on install and
 * back on abort, whichever step a failed install stopped at.
 *
 * A master without substreams keeps its RID domain in the STE.  Stage 1
 * uses the master's one-CD table: CD 0 is written while the STE does not
 * reach it (Config abort or S2) and invalidated with CFGI_CD before the STE
 * is switched to S1, or changed break-before-make while the STE is S1; when
 * the STE leaves S1, CD 0 is cleared (unreachable: no CFGI needed, the next
 * write invalidates).  A master with substreams keeps an S1 STE from init to
 * destroy and each attach changes one CD.
 *
 * Every CFGI_STE also drops the CDs and L1CDs cached under the stream
 * (IHI0070 §4.3.1).  Master init and destroy use Leaf = 0, which also drops
 * a cached L1STD of a two-level stream table (a leaf array published for
 * the master); attach-time STE changes use Leaf = 1.  A two-level CD table
 * publishes a new leaf with a CFGI_CD of Leaf = 0 (§4.3.3, §5.3.1).
 *
 * Nested domains (Config 0b111) take the STE of a master without
 * substreams: stage 2 from the nest parent, stage 1 from the guest's CD
 * table (an IPA); no host CD is used, CD 0 is cleared as for S2.
 *
 * Lock order: smmu->cfg_lock, then a domain's lock (invt_domain_tag()),
 * then the queue's producer lock.  Nothing the flush engine runs takes
 * cfg_lock.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/smmuv3-driver.h>

#include "compat-user.h"

#define CMD_BYTES	INVT_SMMU_CMD_BYTES
#define WORDS		INVT_SMMU_CFG_WORDS

/* V: STE word 0 bit 0 (IHI0070 §5.2), CD word 0 bit 31 (§5.4). */
#define STE_V		(1ull << 0)
#define CD_V		(1ull << 31)
/* STE.Config, word 0 bits [3:1]. */
#define STE_CONFIG(w0)	(((w0) >> 1) & 7)

/*
 * The translation regime: 4 KiB granule; T0SZ / S2T0SZ and S2SL0 from the
 * domain's input size and the SMMU's IAS, IPS / S2PS from the domain's
 * output size, which invt_smmu_domain_fits() kept within OAS.
 */
/* MAIR attribute 0 (the S1 format's AttrIndx 0): Normal, Write-Back RW-allocate. */
#define MAIR_ATTR0_WB	0xffull

/* One CFGI per SID plus the CMD_SYNC. */
#define STEP_CMDS	(INVT_MAX_SIDS + 1)

static const uint64_t zero_words[WORDS];
/*
 * What an ssid of a master with substreams holds while nothing is attached
 * to it: a valid CD that translates nothing (EPD0 = EPD1 = 1, §5.4), so a
 * stray access is a translation fault.  A CD with V = 0 would raise
 * C_BAD_CD (§5.4 V, §7.3.10), which is kept for corrupt structures.
 */
static const uint64_t block_cd[WORDS] = { INVT_SMMU_CD_W0_BLOCK };
/* The valid aborting STE (Config 0b000, §5.2): no other word is used. */
static const uint64_t abort_ste[WORDS] = { INVT_SMMU_STE_W0_ABORT };

/* Statistics only: relaxed, nothing is ordered by it. */
static void count_writes(struct invt_smmu *smmu, unsigned int n)
{
	__atomic_fetch_add(&smmu->stats.cfg_writes, n, __ATOMIC_RELAXED);
}

/* STEs per leaf array and CDs per leaf table of the two-level formats. */
#define ST_L2_LOG2	INVT_SMMU_STRTAB_SPLIT
#define CD_L2_LOG2	INVT_SMMU_CD_SPLIT

/* The STE of @sid: its leaf array must exist (a master's SIDs do). */
static uint64_t *ste_slot(const struct invt_smmu *smmu, uint32_t sid)
{
	if (smmu->st_2lvl)
		return smmu->st_l2[sid >> ST_L2_LOG2].va +
		       (size_t)(sid & ((1u << ST_L2_LOG2) - 1)) * WORDS;
	return smmu->strtab + (size_t)sid * WORDS;
}

/* The CD of @ssid, or NULL while its leaf table is not allocated. */
static uint64_t *cd_slot(const struct invt_smmu_master *m, uint32_t ssid)
{
	const struct invt_smmu_l2 *l2;

	if (!m->cd_2lvl)
		return m->cdtab + (size_t)ssid * WORDS;
	l2 = &m->cd_l2[ssid >> CD_L2_LOG2];
	if (!l2->va)
		return NULL;
	return l2->va + (size_t)(ssid & ((1u << CD_L2_LOG2) - 1)) * WORDS;
}

/*
 * Word @i of a slot as an integer.  Only this file writes slots, under
 * cfg_lock, so a plain load sees the last store; the SMMU only reads.
 */
static uint64_t slot_word(const uint64_t *slot, unsigned int i)
{
	return le64toh(slot[i]);
}

/* ------------------------------------------------------- config steps */

/*
 * Where a step's invalidations go.
 * @m: the master, whose SIDs each get one CFGI.
 * @op: INVT_SMMU_CMD_CFGI_STE or INVT_SMMU_CMD_CFGI_CD.
 * @ssid: the CD's ssid (CFGI_CD).
 * @leaf: the CFGI's Leaf bit.
 * @inval: false in the "config-inval" ablation: no command at all.
 */
struct cfg_target {
	struct invt_smmu_master *m;
	uint8_t op;
	uint32_t ssid;
	bool leaf;
	bool inval;
};

/* CFGI on every SID of the master, CMD_SYNC, wait. */
static int cfg_sync(const struct cfg_target *t)
{
	uint8_t buf[STEP_CMDS * CMD_BYTES];
	struct invt_smmu_cmd c;
	unsigned int i, n = 0;
	int ret;

	if (!t->inval)
		return 0;
	for (i = 0; i < t->m->dev.nr_sids; i++) {
		c = (struct invt_smmu_cmd){ .opcode = t->op, .leaf = t->leaf,
					    .sid = t->m->dev.sids[i] };
		if (t->op == INVT_SMMU_CMD_CFGI_CD)
			c.ssid = t->ssid;
		ret = invt_smmu_cmd_encode_le(&c, buf + n++ * CMD_BYTES);
		if (ret)
			return ret;
	}
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_SYNC, .cs = INVT_SMMU_SYNC_CS_NONE };
	ret = invt_smmu_cmd_encode_le(&c, buf + n++ * CMD_BYTES);
	if (ret)
		return ret;
	return invt_smmu_submit_wait(t->m->smmu, buf, n);
}

static bool slot_equal(const uint64_t *slot, const uint64_t w[WORDS])
{
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		if (slot_word(slot, i) != w[i])
			return false;
	return true;
}

/*
 * Make each of @slots hold @w (valid), or be invalid and zeroed when @w is
 * NULL, break-before-make.  @v is the V bit of the structure.  A valid slot
 * is broken first (V = 0, CFGI, SYNC); an invalid one whose V = 0 the SMMU
 * was told about starts with the body.  Slots already holding what is
 * wanted are left alone.  When @w is the structure the break goes through
 * (the aborting STE, the blocking CD), whose other words are IGNORED, the
 * words are written and one CFGI + SYNC ends the change: any mix of old
 * and new words the SMMU may read is that structure (from a structure in
 * use, word 0 goes first and its sync completes before the body changes).
 * Stops at the first queue error and returns it.
 */
static int cfg_install(const struct cfg_target *t, uint64_t *const *slots, unsigned int n,
		       const uint64_t *w, uint64_t v)
{
	const uint64_t *want = w ? w : zero_words;
	uint64_t brk = v == STE_V ? INVT_SMMU_STE_W0_ABORT : INVT_SMMU_CD_W0_BLOCK, w0;
	struct invt_smmu *smmu = t->m->smmu;
	bool valid = false, same = true;
	unsigned int i;
	int ret;

	/*
	 * Towards a valid structure, a slot already holding the break
	 * structure's word 0 (and told to the SMMU: every change ends with its
	 * CFGI + SYNC) needs no break.
	 */
	for (i = 0; i < n; i++) {
		w0 = slot_word(slots[i], 0);
		valid |= (w0 & v) && (!w || w0 != brk);
		same &= slot_equal(slots[i], want);
	}
	if (same)
		return 0;
	if (w && !memcmp(w, v == STE_V ? abort_ste : block_cd, sizeof(block_cd))) {
		if (!valid) {
			for (i = 0; i < n; i++)
				invt_smmu_cfg_write(slots[i], w);
			count_writes(smmu, n);
			return cfg_sync(t);
		}
		/*
		 * From a structure the SMMU may be using: word 0 first, and its
		 * sync completed before the body changes.  The SMMU reads the
		 * words in any order (§3.21.3), so old word 0 with new body
		 * words could be read: ILLEGAL for a stage-2 STE (S2T0SZ 0,
		 * §5.2.2), a C_BAD_STE.  Once the break structure is in use its
		 * body is IGNORED: no CFGI for it.
		 */
		for (i = 0; i < n; i++)
			invt_smmu_cfg_break_to(slots[i], brk);
		count_writes(smmu, n);
		ret = cfg_sync(t);
		if (ret)
			return ret;
		for (i = 0; i < n; i++)
			invt_smmu_cfg_write_body(slots[i], w);
		count_writes(smmu, n);
		return 0;
	}
	if (valid) {
		/*
		 * Towards a valid structure, break through one that terminates
		 * transactions quietly (a DMA in the window is aborted, not a
		 * C_BAD_STE / C_BAD_CD); towards an invalid one, V = 0.
		 */
		for (i = 0; i < n; i++) {
			if (!w)
				invt_smmu_cfg_break(slots[i]);
			else
				invt_smmu_cfg_break_to(slots[i], brk);
		}
		count_writes(smmu, n);
		ret = cfg_sync(t);
		if (ret)
			return ret;
	}
	for (i = 0; i < n; i++)
		invt_smmu_cfg_write_body(slots[i], want);
	count_writes(smmu, n);
	/* Invalid: V = 0 is known to the SMMU, the body is IGNORED. */
	if (!w)
		return 0;
	ret = cfg_sync(t);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		invt_smmu_cfg_make_valid(slots[i], w);
	count_writes(smmu, n);
	return cfg_sync(t);
}

/* ------------------------------------------------------ STE and CD words */

static int cd_words(struct invt_smmu *smmu, struct invt_smmu_domain *d, uint64_t w[WORDS])
{
	struct invt_smmu_cd cd = {
		.valid = true,
		.tg0 = INVT_SMMU_TG_4K,
		.ttb0 = d->pt.root_pa,
		.mair = MAIR_ATTR0_WB,
	};
	struct invt_smmu_geometry g;
	uint32_t asid;
	int ret;

	/* §5.4 CD.T0SZ from the VA size, CD.IPS from the output size. */
	ret = invt_smmu_s1_geometry(d->ia_bits, INVT_SMMU_TG_4K, smmu->feat.vax52, &g);
	if (ret)
		return ret;
	ret = invt_smmu_ps_encode(d->oa_bits);
	if (ret < 0)
		return ret;
	cd.t0sz = g.txsz;
	cd.ips = (uint8_t)ret;
	/* The transaction holds the tag: valid from prepare on. */
	ret = invt_domain_tag(&d->dom, &smmu->iommu, &asid);
	if (ret)
		return ret;
	cd.asid = asid;
	return invt_smmu_cd_build(&cd, w);
}

/*
 * The stage-2 fields of @ste from S2 domain @s2 (§5.2): S2VMID @vmid,
 * S2T0SZ within MAX(16, 64 - IAS)..39 and S2SL0 to match, S2PS from the
 * domain's output size (kept within OAS by invt_smmu_domain_fits()).
 */
static int ste_s2_fields(struct invt_smmu *smmu, const struct invt_smmu_domain *s2,
			 uint32_t vmid, struct invt_smmu_ste *ste)
{
	struct invt_smmu_geometry g;
	int ret;

	ret = invt_smmu_s2_geometry(s2->ia_bits, INVT_SMMU_TG_4K, smmu->feat.ias_bits, &g);
	if (ret)
		return ret;
	ret = invt_smmu_ps_encode(s2->oa_bits);
	if (ret < 0)
		return ret;
	ste->s2vmid = vmid;
	ste->s2t0sz = g.txsz;
	ste->s2sl0 = g.sl0;
	ste->s2tg = INVT_SMMU_TG_4K;
	ste->s2ps = (uint8_t)ret;
	ste->s2r = true;
	ste->s2ttb = s2->pt.root_pa;
	return 0;
}

/* STE.EATS of @m: full ATS while ATS is on for it (§5.2 EATS). */
static uint8_t master_eats(const struct invt_smmu_master *m)
{
	return m->dev.ats && !m->ats_off ? INVT_SMMU_EATS_FULL : INVT_SMMU_EATS_OFF;
}

/* The STE of @m for @config; @d: the S2 domain (Config S2), the nested one (NESTED). */
static int ste_words(struct invt_smmu_master *m, uint8_t config, struct invt_smmu_domain *d,
		     uint64_t w[WORDS])
{
	struct invt_smmu_ste ste = { .valid = true, .config = config };
	uint32_t vmid;
	int ret;

	switch (config) {
	case INVT_SMMU_STE_S1:
		/* S2VMID 0: stage-1 streams are tagged with VMID 0. */
		ste.s1cdmax = (uint8_t)m->cdmax;
		ste.s1fmt = m->cd_2lvl ? INVT_SMMU_S1FMT_L2_64K : INVT_SMMU_S1FMT_LINEAR;
		ste.s1ctxptr = m->cdtab_pa;
		ste.eats = master_eats(m);
		break;
	case INVT_SMMU_STE_S2:
		ret = invt_domain_tag(&d->dom, &m->smmu->iommu, &vmid);
		if (!ret)
			ret = ste_s2_fields(m->smmu, d, vmid, &ste);
		if (ret)
			return ret;
		ste.eats = master_eats(m);
		break;
	case INVT_SMMU_STE_NESTED:
		/*
		 * Both stages (Config 0b111): stage 2 is the parent's, tagged
		 * with its VMID (a nested domain's tag is its parent's); stage
		 * 1 is the guest's CD table, whose S1ContextPtr is an IPA that
		 * stage 2 translates (§3.3.2, §5.2 S1ContextPtr).  Full ATS:
		 * the ATC holds the combined translation.
		 */
		ret = invt_domain_tag(&d->dom, &m->smmu->iommu, &vmid);
		if (!ret)
			ret = ste_s2_fields(m->smmu, d->parent, vmid, &ste);
		if (ret)
			return ret;
		ste.s1cdmax = d->s1cdmax;
		ste.s1fmt = d->s1fmt;
		ste.s1ctxptr = d->s1ctxptr;
		ste.eats = master_eats(m);
		break;
	default:
		break;
	}
	return invt_smmu_ste_build(&ste, w);
}

static void ste_slots(const struct invt_smmu_master *m, uint64_t *slots[INVT_MAX_SIDS])
{
	unsigned int i;

	for (i = 0; i < m->dev.nr_sids; i++)
		slots[i] = ste_slot(m->smmu, m->dev.sids[i]);
}

/* The STEs are valid with Config S1: the SMMU may fetch CD 0. */
static bool cd_reachable(const struct invt_smmu_master *m)
{
	uint64_t w0 = slot_word(ste_slot(m->smmu, m->dev.sids[0]), 0);

	return (w0 & STE_V) && STE_CONFIG(w0) == INVT_SMMU_STE_S1;
}

static uint8_t domain_config(const struct invt_smmu_domain *d)
{
	if (!d)
		return INVT_SMMU_STE_ABORT;
	switch (d->dom.type) {
	case INVT_DOMAIN_S1:
		return INVT_SMMU_STE_S1;
	case INVT_DOMAIN_S2:
		return INVT_SMMU_STE_S2;
	default:
		return INVT_SMMU_STE_NESTED;
	}
}

/* Master without substreams: the STE (and CD 0) for RID domain @d. */
static int rid_install(struct invt_smmu_master *m, struct invt_smmu_domain *d, bool inval)
{
	struct cfg_target ste_t = { m, INVT_SMMU_CMD_CFGI_STE, 0, true, inval };
	struct cfg_target cd_t = { m, INVT_SMMU_CMD_CFGI_CD, 0, true, inval };
	uint64_t *slots[INVT_MAX_SIDS], *cd0 = cd_slot(m, 0);
	uint64_t ste[WORDS], cd[WORDS];
	uint8_t config = domain_config(d);
	int ret;

	/*
	 * Leaving a nested STE, the guest's CDs cached under the stream (any
	 * ssid) go with the STE's CFGI_STE, Leaf or not (§4.3.1).
	 */
	ret = ste_words(m, config, d, ste);
	if (ret)
		return ret;
	if (config == INVT_SMMU_STE_S1) {
		ret = cd_words(m->smmu, d, cd);
		if (ret)
			return ret;
		if (cd_reachable(m)) {
			ret = cfg_install(&cd_t, &cd0, 1, cd, CD_V);
		} else {
			/* Unreachable: write whole, drop any cached copy. */
			invt_smmu_cfg_write(cd0, cd);
			count_writes(m->smmu, 1);
			ret = cfg_sync(&cd_t);
		}
		if (ret)
			return ret;
	}
	ste_slots(m, slots);
	ret = cfg_install(&ste_t, slots, m->dev.nr_sids, ste, STE_V);
	if (ret)
		return ret;
	m->ste_config = config;
	if (config != INVT_SMMU_STE_S1 && !slot_equal(cd0, zero_words)) {
		/* The STE no longer reaches CD 0 (its CFGI completed). */
		invt_smmu_cfg_write(cd0, zero_words);
		count_writes(m->smmu, 1);
	}
	return 0;
}

/* Master with substreams: CD @ssid for @d, or the blocking CD. */
static int cd_install(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_domain *d,
		      bool inval)
{
	struct cfg_target t = { m, INVT_SMMU_CMD_CFGI_CD, ssid, true, inval };
	uint64_t *slot = cd_slot(m, ssid), cd[WORDS];
	int ret;

	if (!slot)		/* no leaf table: nothing was ever attached here */
		return d ? -EINVAL : 0;
	if (!d)
		return cfg_install(&t, &slot, 1, block_cd, CD_V);
	ret = cd_words(m->smmu, d, cd);
	if (ret)
		return ret;
	return cfg_install(&t, &slot, 1, cd, CD_V);
}

/* What (@m, @ssid) must use for @d.  cfg_lock held. */
static int slot_install(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_domain *d,
			bool inval)
{
	if (m->dev.nr_ssids == 1)
		return rid_install(m, d, inval);
	return cd_install(m, ssid, d, inval);
}

/* ------------------------------------------------------------- masters */

static unsigned int ceil_log2(uint32_t n)
{
	return n <= 1 ? 0 : 32 - (unsigned int)__builtin_clz(n - 1);
}

/*
 * A leaf table of 2^@log2 entries, each @fill (NULL: left zeroed, invalid),
 * written whole while nothing can reach it.  Return: 0 or -ENOMEM.
 */
static int l2_alloc(struct invt_smmu *smmu, unsigned int log2, const uint64_t *fill,
		    struct invt_smmu_l2 *l2)
{
	size_t bytes = (size_t)INVT_SMMU_CFG_BYTES << log2, i;

	l2->va = smmu->mem->alloc(smmu->mem->arg, bytes, &l2->pa);
	if (!l2->va)
		return -ENOMEM;
	if (fill) {
		for (i = 0; i < (size_t)1 << log2; i++)
			invt_smmu_cfg_write(l2->va + i * WORDS, fill);
		count_writes(smmu, 1u << log2);
	}
	return 0;
}

static void l2_free(struct invt_smmu *smmu, unsigned int log2, struct invt_smmu_l2 *l2)
{
	smmu->mem->free(smmu->mem->arg, l2->va, l2->pa, (size_t)INVT_SMMU_CFG_BYTES << log2);
	*l2 = (struct invt_smmu_l2){ 0 };
}

/*
 * The L1 descriptor pointing to @l2: an L1STD with Span 9 (@std), or a
 * valid L1CD.  Return: 0, or -ENOMEM for memory a descriptor cannot point
 * to.
 */
static int l1_desc(const struct invt_smmu_l2 *l2, bool std, uint64_t *d)
{
	int ret;

	if (std)
		ret = invt_smmu_l1std_build(l2->pa, ST_L2_LOG2 + 1, d);
	else
		ret = invt_smmu_l1cd_build(l2->pa, true, d);
	return ret ? -ENOMEM : 0;
}

/*
 * The leaf arrays of @sids missing from a two-level stream table:
 * all allocated (invalid STEs) and their descriptors built first, so that
 * on -ENOMEM nothing was published and nothing changed; then each L1STD
 * is published (invt_smmu_l1_publish(): a release store that pairs with
 * the SMMU's acquire load of the descriptor, so it never follows the new
 * pointer to a leaf it reads as it was before being zeroed).  No STE in
 * them is valid yet, and the master's first CFGI_STE per SID has Leaf = 0:
 * it drops a cached Span 0 copy of the L1STD (§4.3.1, §5.1).  cfg_lock
 * held.
 */
static int st_l2_get(struct invt_smmu *smmu, const uint32_t *sids, unsigned int nr_sids)
{
	unsigned int added[INVT_MAX_SIDS], n = 0, i, j;
	uint64_t d[INVT_MAX_SIDS];
	int ret = 0;

	if (!smmu->st_2lvl)
		return 0;
	for (i = 0; i < nr_sids && !ret; i++) {
		unsigned int l1 = sids[i] >> ST_L2_LOG2;

		if (smmu->st_l2[l1].va)
			continue;	/* present, or added for an earlier SID */
		ret = l2_alloc(smmu, ST_L2_LOG2, NULL, &smmu->st_l2[l1]);
		if (ret)
			break;
		added[n] = l1;
		ret = l1_desc(&smmu->st_l2[l1], true, &d[n]);
		n++;
	}
	if (ret) {
		for (j = 0; j < n; j++)
			l2_free(smmu, ST_L2_LOG2, &smmu->st_l2[added[j]]);
		return ret;
	}
	for (j = 0; j < n; j++)
		invt_smmu_l1_publish(&smmu->strtab[added[j]], d[j]);
	count_writes(smmu, n);
	return 0;
}

static void cdtab_free(struct invt_smmu_master *m)
{
	struct invt_smmu *smmu = m->smmu;
	unsigned int i;

	if (m->cd_2lvl) {
		for (i = 0; i < 1u << (m->cdmax - CD_L2_LOG2); i++)
			if (m->cd_l2[i].va)
				l2_free(smmu, CD_L2_LOG2, &m->cd_l2[i]);
		invt_free(m->cd_l2);
		m->cd_l2 = NULL;
	}
	if (m->cdtab)
		smmu->mem->free(smmu->mem->arg, m->cdtab, m->cdtab_pa, m->cdtab_bytes);
	m->cdtab = NULL;
}

/*
 * The CD table of a new master: linear (every CD blocking with substreams,
 * else CD 0 invalid: no STE reaches it), or two-level as Linux chooses it
 * (more than 1024 CDs on an SMMU with CD2L) with the leaf of CD 0 (the
 * RID's) in place.  Unreachable until the master's STEs are valid, whose
 * CFGI_STE (Leaf = 0) also drops CDs and L1CDs cached under the SIDs.
 */
static int cdtab_alloc(struct invt_smmu_master *m)
{
	struct invt_smmu *smmu = m->smmu;
	unsigned int nr_l1, i;
	uint64_t d;
	int ret;

	m->cd_2lvl = m->cdmax > CD_L2_LOG2 && smmu->feat.cd_2lvl;
	if (!m->cd_2lvl) {
		m->cdtab_bytes = (size_t)INVT_SMMU_CFG_BYTES << m->cdmax;
		m->cdtab = smmu->mem->alloc(smmu->mem->arg, m->cdtab_bytes, &m->cdtab_pa);
		if (!m->cdtab)
			return -ENOMEM;
		if (m->dev.nr_ssids > 1) {
			for (i = 0; i < 1u << m->cdmax; i++)
				invt_smmu_cfg_write(cd_slot(m, i), block_cd);
			count_writes(smmu, 1u << m->cdmax);
		}
		return 0;
	}
	nr_l1 = 1u << (m->cdmax - CD_L2_LOG2);
	m->cdtab_bytes = (size_t)INVT_SMMU_L1_BYTES * nr_l1;
	if (m->cdtab_bytes < INVT_SMMU_CFG_BYTES)
		m->cdtab_bytes = INVT_SMMU_CFG_BYTES;
	m->cd_l2 = invt_zalloc(nr_l1 * sizeof(*m->cd_l2));
	if (!m->cd_l2)
		return -ENOMEM;
	/* Every L1CD V = 0 (zeroed): SubstreamIDs there are C_BAD_SUBSTREAMID. */
	m->cdtab = smmu->mem->alloc(smmu->mem->arg, m->cdtab_bytes, &m->cdtab_pa);
	if (!m->cdtab) {
		cdtab_free(m);
		return -ENOMEM;
	}
	ret = l2_alloc(smmu, CD_L2_LOG2, block_cd, &m->cd_l2[0]);
	if (!ret)
		ret = l1_desc(&m->cd_l2[0], false, &d);
	if (ret) {
		cdtab_free(m);
		return ret;
	}
	/* Release store, pairing with the SMMU's acquire load of the L1CD. */
	invt_smmu_l1_publish(&m->cdtab[0], d);
	return 0;
}

/*
 * The leaf CD table of @ssid when it is missing: allocated with blocking
 * CDs into @l2 (zeroed before, left zeroed when the leaf exists) and its
 * L1CD built into *@d, nothing published.  Return: 0 or -ENOMEM.  cfg_lock
 * held.
 */
static int cd_l2_alloc(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_l2 *l2,
		       uint64_t *d)
{
	int ret;

	if (!m->cd_2lvl || cd_slot(m, ssid))
		return 0;
	ret = l2_alloc(m->smmu, CD_L2_LOG2, block_cd, l2);
	if (!ret)
		ret = l1_desc(l2, false, d);
	if (ret && l2->va)
		l2_free(m->smmu, CD_L2_LOG2, l2);
	return ret;
}

/*
 * Publish @l2 of cd_l2_alloc() as the leaf of @ssid: non-leaf CFGI_CD for
 * (SID, @ssid) on every SID + CMD_SYNC (§5.3.1: V 0 -> 1 needs the L1CD
 * invalidated only).  A leaf another attach published meanwhile wins: @l2
 * is freed.  A queue error leaves the leaf published (it blocks).  cfg_lock
 * held.
 */
static int cd_l2_publish(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_l2 *l2,
			 uint64_t d, bool inval)
{
	struct cfg_target t = { m, INVT_SMMU_CMD_CFGI_CD, ssid, false, inval };

	if (cd_slot(m, ssid)) {
		l2_free(m->smmu, CD_L2_LOG2, l2);
		return 0;
	}
	m->cd_l2[ssid >> CD_L2_LOG2] = *l2;
	/*
	 * Release store: pairs with the SMMU's acquire load of the L1CD, which
	 * then reads the leaf's blocking CDs, never what the memory held
	 * before.  The CFGI_CD (Leaf = 0) drops a cached V = 0 copy.
	 */
	invt_smmu_l1_publish(&m->cdtab[ssid >> CD_L2_LOG2], d);
	count_writes(m->smmu, 1);
	return cfg_sync(&t);
}

int invt_smmu_master_init(struct invt_smmu_master *m, struct invt_smmu *smmu,
			  const uint32_t *sids, unsigned int nr_sids, uint32_t nr_ssids, bool ats)
{
	struct cfg_target t = { m, INVT_SMMU_CMD_CFGI_STE, 0, false, true };
	uint64_t *slots[INVT_MAX_SIDS], ste[WORDS];
	uint8_t config;
	unsigned int i;
	int ret;

	/* Substreams up to 2^SMMU_IDR1.SSIDSIZE (S1CDMax above it is ILLEGAL). */
	if (!m || !smmu || !sids || !nr_sids || nr_sids > INVT_MAX_SIDS || !nr_ssids ||
	    nr_ssids > INVT_SMMU_SSID_LIMIT || ceil_log2(nr_ssids) > smmu->feat.ssidsize ||
	    (nr_ssids > 1 && !smmu->feat.s1) || (ats && !smmu->ats))
		return -EINVAL;
	for (i = 0; i < nr_sids; i++)
		if (sids[i] >> smmu->sid_bits)
			return -EINVAL;

	memset(m, 0, sizeof(*m));
	/* Rejects duplicate SIDs. */
	ret = invt_device_init(&m->dev, &smmu->iommu, sids, nr_sids, nr_ssids, ats);
	if (ret)
		return ret;
	m->smmu = smmu;
	m->cdmax = ceil_log2(nr_ssids);
	ret = cdtab_alloc(m);
	if (ret)
		goto err_dev;
	config = nr_ssids == 1 ? INVT_SMMU_STE_ABORT : INVT_SMMU_STE_S1;
	/* -EINVAL for an unusable table. */
	ret = ste_words(m, config, NULL, ste);
	if (ret)
		goto err_cdtab;

	invt_mutex_lock(&smmu->cfg_lock);
	for (i = 0; i < nr_sids; i++) {
		if (smmu->st_2lvl && !smmu->st_l2[sids[i] >> ST_L2_LOG2].va)
			continue;	/* no leaf array: no STE in use */
		if (slot_word(ste_slot(smmu, sids[i]), 0) & STE_V) {
			ret = -EINVAL;	/* the SID belongs to another master */
			goto err_unlock;
		}
	}
	ret = st_l2_get(smmu, sids, nr_sids);
	if (ret)
		goto err_unlock;
	ste_slots(m, slots);
	/*
	 * Invalid slots the SMMU knows are invalid: body, CFGI, V, CFGI (one
	 * step for the aborting STE).  The CFGI_STEs have Leaf = 0: they also
	 * drop a cached L1STD the leaf array was just published under.
	 */
	ret = cfg_install(&t, slots, nr_sids, ste, STE_V);
	if (ret) {
		/* Best effort: back to invalid, as the SMMU was told last. */
		cfg_install(&t, slots, nr_sids, NULL, STE_V);
		goto err_unlock;
	}
	m->ste_config = config;
	smmu->nr_masters++;
	invt_mutex_unlock(&smmu->cfg_lock);
	return 0;

err_unlock:
	invt_mutex_unlock(&smmu->cfg_lock);
err_cdtab:
	cdtab_free(m);
err_dev:
	invt_device_destroy(&m->dev);
	return ret;
}

static bool master_attached(struct invt_smmu_master *m)
{
	return invt_device_in_use(&m->dev);
}

int invt_smmu_master_destroy(struct invt_smmu_master *m)
{
	struct cfg_target t = { m, INVT_SMMU_CMD_CFGI_STE, 0, false, true };
	struct invt_smmu *smmu = m->smmu;
	uint64_t *slots[INVT_MAX_SIDS], w[WORDS];
	unsigned int i, j;
	int ret;

	if (master_attached(m))
		return -EBUSY;
	invt_mutex_lock(&smmu->cfg_lock);
	ste_slots(m, slots);
	/* The SIDs' STEs are identical: keep one copy to restore on error. */
	for (j = 0; j < WORDS; j++)
		w[j] = slot_word(slots[0], j);
	ret = cfg_install(&t, slots, m->dev.nr_sids, NULL, STE_V);
	if (ret) {
		/* The SMMU may still use the CD table: keep everything. */
		for (i = 0; i < m->dev.nr_sids; i++)
			invt_smmu_cfg_make_valid(slots[i], w);
		cfg_sync(&t);
		invt_mutex_unlock(&smmu->cfg_lock);
		return ret;
	}
	smmu->nr_masters--;
	invt_mutex_unlock(&smmu->cfg_lock);

	/* The STEs' CFGI_STE (Leaf = 0) completed: no CD or L1CD is cached. */
	cdtab_free(m);
	return invt_device_destroy(&m->dev);
}

int invt_smmu_master_ats_off(struct invt_smmu_master *m)
{
	/* Leaf = 1: only the STEs changed, no L1STD. */
	struct cfg_target t = { m, INVT_SMMU_CMD_CFGI_STE, 0, true, true };
	uint64_t *slots[INVT_MAX_SIDS];
	unsigned int i;
	int ret;

	invt_mutex_lock(&m->smmu->cfg_lock);
	if (m->ats_off_done) {
		invt_mutex_unlock(&m->smmu->cfg_lock);
		return 0;
	}
	/* From here on every STE written for @m has EATS = 0b00. */
	m->ats_off = true;
	ste_slots(m, slots);
	for (i = 0; i < m->dev.nr_sids; i++)
		invt_smmu_ste_set_eats(slots[i], INVT_SMMU_EATS_OFF);
	count_writes(m->smmu, m->dev.nr_sids);
	ret = cfg_sync(&t);
	if (!ret) {
		m->ats_off_done = true;
		__atomic_fetch_add(&m->smmu->stats.ats_disabled, 1, __ATOMIC_RELAXED);
	}
	invt_mutex_unlock(&m->smmu->cfg_lock);
	return ret;
}

/* --------------------------------------------------------------- attach */

static bool config_inval(const struct invt_smmu *smmu)
{
	return !invt_ctx_ablated(smmu->iommu.ctx, INVT_ABLATE_CONFIG_INVAL);
}

int invt_smmu_attach_prepare(struct invt_smmu_attach *a, struct invt_smmu_master *m,
			     uint32_t ssid, struct invt_smmu_domain *new)
{
	struct invt_smmu_l2 leaf = { 0 };
	uint64_t d = 0;
	int ret;

	if (!a || !m || ssid >= m->dev.nr_ssids)
		return -EINVAL;
	/* S2 and nested domains replace the whole STE: no substreams of the host's. */
	if (new && new->dom.type != INVT_DOMAIN_S1 && m->dev.nr_ssids > 1)
		return -EINVAL;
	/* Never install an entry the SMMU would find ILLEGAL (§5.2, §5.4). */
	if (new) {
		ret = invt_smmu_domain_fits(m->smmu, new);
		if (ret)
			return ret;
	}
	/*
	 * A two-level CD table gets the leaf of @ssid on its first attach:
	 * allocated before the core's prepare and published only after it
	 * succeeded, so that an -ENOMEM of either changes nothing.
	 */
	if (new && m->cd_2lvl) {
		invt_mutex_lock(&m->smmu->cfg_lock);
		ret = cd_l2_alloc(m, ssid, &leaf, &d);
		invt_mutex_unlock(&m->smmu->cfg_lock);
		if (ret)
			return ret;
	}
	a->m = m;
	a->ssid = ssid;
	a->new = new;
	a->installed = false;
	ret = invt_attach_prepare(&a->tx, &m->dev, ssid, new ? &new->dom : NULL);
	if (ret || !leaf.va) {
		if (leaf.va)
			l2_free(m->smmu, CD_L2_LOG2, &leaf);
		return ret;
	}
	invt_mutex_lock(&m->smmu->cfg_lock);
	ret = cd_l2_publish(m, ssid, &leaf, d, config_inval(m->smmu));
	invt_mutex_unlock(&m->smmu->cfg_lock);
	if (ret)
		invt_attach_abort(&a->tx);	/* nothing installed: the core's undo */
	return ret;
}

int invt_smmu_attach_install(struct invt_smmu_attach *a)
{
	struct invt_smmu_master *m = a->m;
	int ret;

	/* From the first STE or CD write on, the device may use the new domain. */
	invt_attach_installing(&a->tx);
	invt_mutex_lock(&m->smmu->cfg_lock);
	ret = slot_install(m, a->ssid, a->new, config_inval(m->smmu));
	if (!ret) {
		a->installed = true;
		if (!a->ssid)
			m->rid = a->new;
	}
	invt_mutex_unlock(&m->smmu->cfg_lock);
	return ret;
}

void invt_smmu_attach_commit(struct invt_smmu_attach *a)
{
	invt_attach_commit(&a->tx);
}

void invt_smmu_attach_abort(struct invt_smmu_attach *a)
{
	struct invt_smmu_master *m = a->m;
	struct invt_smmu_domain *old = NULL;

	if (a->tx.old)
		old = invt_container_of(a->tx.old, struct invt_smmu_domain, dom);
	/*
	 * Back to the old configuration, from wherever install stopped (a
	 * no-op when it never ran), its CFGIs waited for: from then on the
	 * device cannot reach the new domain.  Only then does the core clean
	 * the ATC of what the device may have fetched through the new domain
	 * (after an install began) and drop its entries.  Best effort: a queue
	 * error here is counted in the stats and nothing more can be done.
	 */
	invt_mutex_lock(&m->smmu->cfg_lock);
	slot_install(m, a->ssid, old, config_inval(m->smmu));
	if (!a->ssid)
		m->rid = old;
	a->installed = false;
	invt_mutex_unlock(&m->smmu->cfg_lock);
	invt_attach_abort(&a->tx);
}

int invt_smmu_attach(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_domain *new)
{
	struct invt_smmu_attach a;
	int ret;

	ret = invt_smmu_attach_prepare(&a, m, ssid, new);
	if (ret)
		return ret;
	ret = invt_smmu_attach_install(&a);
	if (ret) {
		invt_smmu_attach_abort(&a);
		return ret;
	}
	invt_smmu_attach_commit(&a);
	return 0;
}
