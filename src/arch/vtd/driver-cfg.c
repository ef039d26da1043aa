// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver-cfg.c - Intel VT-d driver: masters (context entries, PASID
 * directories and tables), PASID entry installation and the attach
 * transaction (see <invtrack/vtd-driver.h> for the sequences).
 *
 * Every change of a PASID entry goes through pasid_install(), which decides
 * what to do from what memory holds (this file is the only writer, under
 * vtd->cfg_lock): the same code moves an entry forward on install and back
 * on abort, whichever step a failed install stopped at.
 *
 * Lock order: vtd->cfg_lock, then a domain's lock (invt_domain_tag()), then
 * the queue's producer lock.  Nothing the flush engine runs takes cfg_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/vtd-driver.h>

#include "compat-user.h"

#define DESC_BYTES	INVT_VTD_DESC_BYTES
#define PAGE_4K		4096u
#define PE_WORDS	INVT_VTD_PASID_WORDS
#define CTX_WORDS	INVT_VTD_CTX_WORDS
/* Descriptors of one invalidation sequence: 3 phases, one per RID at most. */
#define SEQ_MAX		(3 * (INVT_MAX_SIDS + 1) + 1)

/* PASID entry word 0: P [0], PGTT [8:6]; word 1: DID [15:0] (§9.6). */
#define PE_P		1ull
#define PE_PGTT(w0)	(((w0) >> 6) & 7)
#define PE_DID(w1)	((uint16_t)((w1) & 0xffff))
/* CAP_REG.SAGAW [12:8]: bit n supports AW n (§11.4.2). */
#define CAP_SAGAW(cap)	(((cap) >> INVT_VTD_CAP_SAGAW_SHIFT) & 0x1f)

static const uint64_t zero_words[PE_WORDS];

/* Statistics only: relaxed, nothing is ordered by it. */
static void count_writes(struct invt_vtd *vtd, unsigned int n)
{
	__atomic_fetch_add(&vtd->stats.cfg_writes, n, __ATOMIC_RELAXED);
}

static uint64_t *ctx_slot(const struct invt_vtd *vtd, uint32_t rid)
{
	return vtd->ctx[rid >> 7] + (size_t)(rid & 127) * CTX_WORDS;
}

static uint64_t *pe_slot(const struct invt_vtd_master *m, uint32_t ssid)
{
	uint64_t *t = m->ptab[ssid / INVT_VTD_PASID_TABLE_ENTRIES];

	return t ? t + (size_t)(ssid % INVT_VTD_PASID_TABLE_ENTRIES) * PE_WORDS : NULL;
}

static bool config_inval(const struct invt_vtd *vtd)
{
	return !invt_ctx_ablated(vtd->iommu.ctx, INVT_ABLATE_CONFIG_INVAL);
}

/* ------------------------------------------------------ descriptor runs */

/*
 * A sequence of phases: descriptors, each phase closed by a SW = 1 wait.
 * With FN (SYNC_ORDERS) the whole sequence is one submission and one
 * completion; without it each phase is submitted and waited for alone.
 */
struct seq {
	struct invt_vtd *vtd;
	uint8_t buf[SEQ_MAX * DESC_BYTES];
	unsigned int n;		/* descriptors in buf */
	unsigned int open;	/* descriptors of the open phase */
	int err;
};

static void seq_add(struct seq *s, const struct invt_vtd_desc *d)
{
	int ret;

	if (s->err)
		return;
	if (s->n == SEQ_MAX) {
		s->err = -EINVAL;
		return;
	}
	ret = invt_vtd_desc_encode_le(d, s->buf + s->n * DESC_BYTES, DESC_BYTES);
	if (ret) {
		s->err = ret;
		return;
	}
	s->n++;
	s->open++;
}

/* Close the open phase (if it holds anything) with a wait. */
static void seq_phase(struct seq *s)
{
	struct invt_vtd_desc w = { .type = INVT_VTD_DESC_WAIT, .sw = true, .fn = s->vtd->fence };
	int ret;

	if (!s->open || s->err)
		return;
	seq_add(s, &w);
	s->open = 0;
	if (s->vtd->fence || s->err)
		return;
	/* No fence: this phase must complete before the next is queued. */
	ret = invt_vtd_submit_wait(s->vtd, s->buf, s->n);
	s->n = 0;
	if (ret)
		s->err = ret;
}

static int seq_run(struct seq *s)
{
	int ret;

	seq_phase(s);
	if (s->err || !s->n)
		return s->err;
	ret = invt_vtd_submit_wait(s->vtd, s->buf, s->n);
	s->n = 0;
	return ret;
}

/* PASID-cache invalidation, PASID-selective (§6.5.2.2). */
static void seq_pc(struct seq *s, uint16_t did, uint32_t pasid)
{
	struct invt_vtd_desc d = { .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_PASID, .did = did,
				   .pasid = pasid };

	seq_add(s, &d);
}

/* Device-selective context-cache invalidation of every RID of @m. */
static void seq_cc(struct seq *s, const struct invt_vtd_master *m)
{
	unsigned int i;

	for (i = 0; i < m->dev.nr_sids; i++) {
		struct invt_vtd_desc d = { .type = INVT_VTD_DESC_CC, .g = INVT_VTD_CC_DEVICE,
					   .sid = (uint16_t)m->dev.sids[i] };

		seq_add(s, &d);
	}
}

/* ------------------------------------------------------- PASID entries */

static bool slot_equal(const uint64_t *slot, const uint64_t *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (invt_vtd_cfg_word(slot, i) != w[i])
			return false;
	return true;
}

/* AW of a second-stage table (§9.6 AW, as CAP.SAGAW's bits): 4 or 5 levels. */
static uint8_t ss_aw(const struct invt_vtd_domain *s2)
{
	return s2->pt.fmt->levels == 5 ? INVT_VTD_AW_57 : INVT_VTD_AW_48;
}

/* The PASID entry (@m, @ssid) must hold for @d.  cfg_lock held. */
static int pe_words(struct invt_vtd_master *m, struct invt_vtd_domain *d, uint64_t w[PE_WORDS])
{
	struct invt_vtd_pasid_entry e = { .present = true };
	uint32_t did;
	int ret;

	/* The transaction holds the tag: valid from prepare on. */
	ret = invt_domain_tag(&d->dom, &m->vtd->iommu, &did);
	if (ret)
		return ret;
	e.did = (uint16_t)did;
	if (d->dom.type == INVT_DOMAIN_NESTED) {
		/*
		 * §9.6, PGTT 011b: the second-stage fields (SSPTPTR, AW) are the
		 * parent's, the first-stage ones (FSPTPTR, a guest physical
		 * address; FLPM; SRE; WPE) the guest's; DID is the nested
		 * domain's own (INVT_IOMMU_NESTED_OWN_TAGS), as in Linux's
		 * intel_pasid_setup_nested().
		 */
		e.pgtt = INVT_VTD_PGTT_NESTED;
		e.aw = ss_aw(d->parent);
		e.ssptptr = d->parent->pt.root_pa;
		e.fsptptr = d->s1.fsptptr;
		e.flpm = d->s1.levels == 5 ? INVT_VTD_FLPM_5L : INVT_VTD_FLPM_4L;
		e.sre = d->s1.sre;
		e.wpe = d->s1.wpe;
	} else if (d->dom.type == INVT_DOMAIN_S1) {
		e.pgtt = INVT_VTD_PGTT_FS;
		e.aw = INVT_VTD_AW_48;
		e.flpm = INVT_VTD_FLPM_4L;
		e.fsptptr = d->pt.root_pa;
	} else {
		e.pgtt = INVT_VTD_PGTT_SS;
		e.aw = ss_aw(d);
		e.ssptptr = d->pt.root_pa;
	}
	return invt_vtd_pasid_build(&e, w);
}

/*
 * Tear down the present entry @slot held (old word 0 @w0, old DID @did),
 * already broken (P = 0): the guidance of VT-d §6.5.3.3 (the table of
 * invalidations after a PASID entry is modified or torn down, which Linux
 * follows in intel_pasid_tear_down_entry()), for the old DID and PASID:
 *  1. PASID-cache invalidation (PASID-selective), completed: from then on
 *     nothing translates through the old entry, so nothing refills the
 *     IOTLB from it;
 *  2. IOTLB invalidation of the old DID, completed: PASID-based
 *     (PASID-selective, type 6) for a first-stage entry, domain-selective
 *     (type 2) for a second-stage or nested one (a type 2 invalidation of
 *     the DID also drops its nested translations, §6.5.2.3).  Whether or not the old domain keeps
 *     other users: an implementation may tag its IOTLB in ways software
 *     cannot see, by source-id among them (§6.2.1 allows it), and look a
 *     translation up without the DID, so an entry the device filled under
 *     the old DID would still serve it once the PASID entry names another
 *     one (the model's strict IOTLB, INVT_MVTD_TAG_SID, catches the skip as
 *     WRONG_DOMAIN);
 *  3. the device-TLB invalidation of the old attachment: the core's commit
 *     (or abort), after this install returned, so after step 2 completed.
 *     Sending it here as well would send it twice.
 * Steps 1 and 2 belong here, in the install, and not in the core's commit:
 * between install and commit the old domain's array still holds the
 * device, so the old domain's invalidations keep reaching it; but after the
 * install the PASID entry names the new DID, and an IOTLB entry of the old
 * DID that the unit serves by source-id would be a translation no array
 * covers.  The install returns only once nothing of the old DID can serve
 * the device.  The commit's last-user flush of the old tag stays (it frees
 * the DID for reuse, other devices' entries included).
 * With "config-inval" ablated only step 1 goes; with "teardown-iotlb"
 * ablated only step 2.
 */
static int pe_teardown(struct invt_vtd_master *m, uint32_t ssid, uint64_t w0, uint16_t did,
		       bool inval)
{
	struct invt_vtd *vtd = m->vtd;
	struct seq s = { .vtd = vtd };

	if (inval) {
		seq_pc(&s, did, ssid);
		seq_phase(&s);
	}
	if (!invt_ctx_ablated(vtd->iommu.ctx, INVT_ABLATE_TEARDOWN_IOTLB)) {
		struct invt_vtd_desc d = { .did = did };

		if (PE_PGTT(w0) == INVT_VTD_PGTT_FS) {
			d.type = INVT_VTD_DESC_PIOTLB;
			d.g = INVT_VTD_PIOTLB_PASID;
			d.pasid = ssid;
		} else {
			d.type = INVT_VTD_DESC_IOTLB;
			d.g = INVT_VTD_IOTLB_DSI;
		}
		seq_add(&s, &d);
	}
	return seq_run(&s);
}

/*
 * Make PASID entry (@m, @ssid) hold @d's configuration, or be non-present
 * when @d is NULL, clear-before-change.  cfg_lock held.
 */
static int pasid_install(struct invt_vtd_master *m, uint32_t ssid, struct invt_vtd_domain *d,
			 bool inval)
{
	struct invt_vtd *vtd = m->vtd;
	uint64_t *slot = pe_slot(m, ssid), want[PE_WORDS], w0, w1;
	int ret;

	if (!slot)
		return d ? -EINVAL : 0;	/* no table: nothing was ever attached */
	if (d) {
		ret = pe_words(m, d, want);
		if (ret)
			return ret;
	} else {
		memcpy(want, zero_words, sizeof(want));
	}
	if (slot_equal(slot, want, PE_WORDS))
		return 0;

	w0 = invt_vtd_cfg_word(slot, 0);
	w1 = invt_vtd_cfg_word(slot, 1);
	if (w0 & PE_P) {
		/*
		 * Break first, invalidate, wait; only then touch the other words:
		 * a unit that fetched the entry meanwhile cached it whole, with
		 * the old DID the invalidation names (the model caught a unit
		 * caching P = 1 with a zeroed DID when all words went at once).
		 */
		invt_vtd_cfg_break(slot);
		count_writes(vtd, 1);
		ret = pe_teardown(m, ssid, w0, PE_DID(w1), inval);
		if (ret)
			return ret;
		invt_vtd_cfg_clear(slot, PE_WORDS);
	} else if (!slot_equal(slot, zero_words, PE_WORDS)) {
		/* Not present but not zero: never written so; zero it. */
		invt_vtd_cfg_clear(slot, PE_WORDS);
		count_writes(vtd, 1);
	}
	if (!d)
		return 0;
	invt_vtd_cfg_write(slot, want, PE_WORDS);
	count_writes(vtd, 1);
	if (inval) {
		struct seq s = { .vtd = vtd };

		seq_pc(&s, PE_DID(want[1]), ssid);
		return seq_run(&s);
	}
	return 0;
}

/* The PASID table of @ssid exists (allocated and linked).  cfg_lock held. */
static int ptab_get(struct invt_vtd_master *m, uint32_t ssid)
{
	struct invt_vtd *vtd = m->vtd;
	unsigned int i = ssid / INVT_VTD_PASID_TABLE_ENTRIES;
	struct invt_vtd_pdir_entry de = { .present = true };
	uint64_t pa, w;
	void *t;
	int ret;

	if (m->ptab[i])
		return 0;
	t = vtd->mem->alloc(vtd->mem->arg, PAGE_4K, &pa);
	if (!t)
		return -ENOMEM;
	de.table = pa;
	ret = invt_vtd_pdir_build(&de, &w);
	if (ret) {
		vtd->mem->free(vtd->mem->arg, t, pa, PAGE_4K);
		return -ENOMEM;	/* unusable memory */
	}
	m->ptab[i] = t;
	m->ptab_pa[i] = pa;
	/* Release store of the one word: the zeroed table is seen first. */
	invt_vtd_cfg_write(m->pdir + i, &w, 1);
	count_writes(vtd, 1);
	return 0;
}

/* ------------------------------------------------------------- masters */

/* PASIDs the unit supports (ECAP.PASID, PSS), at most 2^20; 1 without. */
static uint32_t max_ssids(const struct invt_vtd *vtd)
{
	if (!vtd->pasid_bits)
		return 1;
	return vtd->pasid_bits >= 20 ? INVT_VTD_PASID_LIMIT : 1u << vtd->pasid_bits;
}

static unsigned int ceil_log2(uint32_t n)
{
	return n <= 1 ? 0 : 32 - (unsigned int)__builtin_clz(n - 1);
}

static void master_free(struct invt_vtd_master *m)
{
	struct invt_vtd *vtd = m->vtd;
	unsigned int i;

	for (i = 0; m->ptab && i < m->nr_ptab; i++)
		if (m->ptab[i])
			vtd->mem->free(vtd->mem->arg, m->ptab[i], m->ptab_pa[i], PAGE_4K);
	if (m->pdir)
		vtd->mem->free(vtd->mem->arg, m->pdir, m->pdir_pa, m->pdir_bytes);
	invt_free(m->ptab);
	invt_free(m->ptab_pa);
	m->ptab = NULL;
	m->ptab_pa = NULL;
	m->pdir = NULL;
}

/* Write @w (or clear, NULL) into every context entry of @m, then CC + wait. */
static int ctx_install(struct invt_vtd_master *m, const uint64_t *w, bool pc_global)
{
	struct seq s = { .vtd = m->vtd };
	unsigned int i;

	for (i = 0; i < m->dev.nr_sids; i++) {
		uint64_t *slot = ctx_slot(m->vtd, m->dev.sids[i]);

		if (w)
			invt_vtd_cfg_write(slot, w, CTX_WORDS);
		else
			invt_vtd_cfg_clear(slot, CTX_WORDS);
	}
	count_writes(m->vtd, m->dev.nr_sids);
	seq_cc(&s, m);
	if (pc_global) {
		struct invt_vtd_desc d = { .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_GLOBAL };

		seq_add(&s, &d);
	}
	return seq_run(&s);
}

/* The scalable-mode context entry of @m (§9.4), DTE as @dte says. */
static int master_ctx_words(const struct invt_vtd_master *m, bool dte, uint64_t ctx[CTX_WORDS])
{
	struct invt_vtd_ctx_entry ce = {
		.present = true, .dte = dte, .paside = m->dev.nr_ssids > 1, .pdts = m->pdts,
		.pasid_dir = m->pdir_pa, .rid_pasid = 0,
	};

	return invt_vtd_ctx_build(&ce, ctx);
}

int invt_vtd_master_init(struct invt_vtd_master *m, struct invt_vtd *vtd, const uint32_t *ids,
			 unsigned int nr_ids, uint32_t nr_ssids, bool ats)
{
	uint64_t ctx[CTX_WORDS];
	unsigned int i, dir_entries;
	int ret;

	if (!m || !vtd || !ids || !nr_ids || nr_ids > INVT_MAX_SIDS || !nr_ssids ||
	    (ats && !vtd->ats))
		return -EINVAL;
	if (nr_ssids > max_ssids(vtd))
		return -EINVAL;
	for (i = 0; i < nr_ids; i++)
		if (ids[i] > INVT_VTD_MAX_RID)
			return -EINVAL;

	memset(m, 0, sizeof(*m));
	/* Rejects duplicate ids. */
	ret = invt_device_init(&m->dev, &vtd->iommu, ids, nr_ids, nr_ssids, ats);
	if (ret)
		return ret;
	m->vtd = vtd;
	m->nr_ptab = (nr_ssids + INVT_VTD_PASID_TABLE_ENTRIES - 1) / INVT_VTD_PASID_TABLE_ENTRIES;
	dir_entries = 1u << ceil_log2(m->nr_ptab);
	m->pdts = (uint8_t)(dir_entries > 128 ? ceil_log2(dir_entries) - 7 : 0);
	m->pdir_bytes = (size_t)8 << (m->pdts + 7);
	if (m->pdir_bytes < PAGE_4K)
		m->pdir_bytes = PAGE_4K;	/* the pointer is 4 KiB aligned */
	m->ptab = invt_zalloc(m->nr_ptab * sizeof(*m->ptab));
	m->ptab_pa = invt_zalloc(m->nr_ptab * sizeof(*m->ptab_pa));
	m->pdir = vtd->mem->alloc(vtd->mem->arg, m->pdir_bytes, &m->pdir_pa);
	if (!m->ptab || !m->ptab_pa || !m->pdir) {
		ret = -ENOMEM;
		goto err;
	}
	ret = master_ctx_words(m, ats, ctx);
	if (ret)
		goto err;	/* unusable memory */

	invt_mutex_lock(&vtd->cfg_lock);
	/* The RID's table (PASIDs 0-63), before anything can reach it. */
	ret = ptab_get(m, 0);
	if (ret)
		goto err_unlock;
	for (i = 0; i < nr_ids; i++) {
		if (invt_vtd_cfg_word(ctx_slot(vtd, ids[i]), 0) & 1) {
			ret = -EINVAL;	/* the RID belongs to another master */
			goto err_unlock;
		}
	}
	ret = ctx_install(m, ctx, false);
	if (ret) {
		/* Best effort: back to non-present, as the unit was told last. */
		ctx_install(m, NULL, false);
		goto err_unlock;
	}
	vtd->nr_masters++;
	invt_mutex_unlock(&vtd->cfg_lock);
	return 0;

err_unlock:
	invt_mutex_unlock(&vtd->cfg_lock);
err:
	master_free(m);
	invt_device_destroy(&m->dev);
	return ret;
}

int invt_vtd_master_ats_off(struct invt_vtd_master *m)
{
	struct invt_vtd *vtd = m->vtd;
	uint64_t ctx[CTX_WORDS];
	int ret;

	invt_mutex_lock(&vtd->cfg_lock);
	if (m->ats_off_done) {
		invt_mutex_unlock(&vtd->cfg_lock);
		return 0;
	}
	ret = master_ctx_words(m, false, ctx);
	/*
	 * Present before and after: only word 0's DTE changes, each word is
	 * one 64-bit store.  Then context cache (device-selective), PASID
	 * cache (global: every PASID of the RIDs) and a wait (§6.5.3.3).
	 */
	if (!ret)
		ret = ctx_install(m, ctx, true);
	if (!ret) {
		m->ats_off_done = true;
		__atomic_fetch_add(&vtd->stats.ats_disabled, 1, __ATOMIC_RELAXED);
	}
	invt_mutex_unlock(&vtd->cfg_lock);
	return ret;
}

static bool master_attached(struct invt_vtd_master *m)
{
	return invt_device_in_use(&m->dev);
}

int invt_vtd_master_destroy(struct invt_vtd_master *m)
{
	struct invt_vtd *vtd = m->vtd;
	uint64_t w[CTX_WORDS];
	unsigned int j;
	int ret;

	if (master_attached(m))
		return -EBUSY;
	invt_mutex_lock(&vtd->cfg_lock);
	/* The ids' context entries are identical: keep one to restore. */
	for (j = 0; j < CTX_WORDS; j++)
		w[j] = invt_vtd_cfg_word(ctx_slot(vtd, m->dev.sids[0]), j);
	ret = ctx_install(m, NULL, true);
	if (ret) {
		/* The unit may still walk the PASID tables: keep everything. */
		ctx_install(m, w, false);
		invt_mutex_unlock(&vtd->cfg_lock);
		return ret;
	}
	vtd->nr_masters--;
	invt_mutex_unlock(&vtd->cfg_lock);
	master_free(m);
	return invt_device_destroy(&m->dev);
}

/* -------------------------------------------------------------- domains */

int invt_vtd_domain_init_nested(struct invt_vtd_domain *d, struct invt_vtd_domain *parent,
				const struct invt_vtd_s1_cfg *s1)
{
	int ret;

	if (!d || !parent || !s1 || parent->dom.type != INVT_DOMAIN_S2 || !s1->fsptptr ||
	    (s1->fsptptr & ~INVT_VTD_PTR_MASK) || (s1->levels != 4 && s1->levels != 5))
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	ret = invt_domain_init(parent->dom.ctx, &d->dom, INVT_DOMAIN_NESTED, &parent->dom);
	if (ret)
		return ret;
	d->parent = parent;
	d->s1 = *s1;
	return 0;
}

/* --------------------------------------------------------------- attach */

/*
 * Whether the unit can translate nested domain @d (VT-d §11.4.3 ECAP.NEST:
 * PGTT 011b; both stages, ECAP.FLTS and SLTS; §11.4.2 CAP.SAGAW for the
 * parent's AW, CAP.FL5LP for a 5-level first stage; ECAP.SRS for SRE), as
 * Linux checks before it sets up a nested PASID entry.
 */
static bool nested_ok(const struct invt_vtd *vtd, const struct invt_vtd_domain *d)
{
	const uint64_t need = INVT_VTD_ECAP_NEST | INVT_VTD_ECAP_FLTS | INVT_VTD_ECAP_SLTS;

	if ((vtd->ecap & need) != need || !(CAP_SAGAW(vtd->cap) & (1u << ss_aw(d->parent))))
		return false;
	if (d->s1.levels == 5 && !(vtd->cap & INVT_VTD_CAP_FL5LP))
		return false;
	return !d->s1.sre || (vtd->ecap & INVT_VTD_ECAP_SRS);
}

/* Whether the unit can translate @d for @m: 0, -EINVAL or -EOPNOTSUPP. */
static int domain_ok(const struct invt_vtd_master *m, const struct invt_vtd_domain *d)
{
	const struct invt_vtd *vtd = m->vtd;

	if (d->dom.type == INVT_DOMAIN_NESTED)
		return nested_ok(vtd, d) ? 0 : -EOPNOTSUPP;
	if (d->dom.type == INVT_DOMAIN_S1)
		return vtd->ecap & INVT_VTD_ECAP_FLTS ? 0 : -EINVAL;
	if (d->dom.type != INVT_DOMAIN_S2 || m->dev.nr_ssids > 1 ||
	    !(vtd->ecap & INVT_VTD_ECAP_SLTS))
		return -EINVAL;
	return CAP_SAGAW(vtd->cap) & (1u << ss_aw(d)) ? 0 : -EINVAL;
}

int invt_vtd_attach_prepare(struct invt_vtd_attach *a, struct invt_vtd_master *m, uint32_t ssid,
			    struct invt_vtd_domain *new)
{
	int ret;

	if (!a || !m || ssid >= m->dev.nr_ssids)
		return -EINVAL;
	if (new) {
		ret = domain_ok(m, new);
		if (ret)
			return ret;
	}
	a->m = m;
	a->ssid = ssid;
	a->new = new;
	a->installed = false;
	ret = invt_attach_prepare(&a->tx, &m->dev, ssid, new ? &new->dom : NULL);
	if (ret || !new)
		return ret;
	/*
	 * The PASID table of @ssid, on its first use: after the core's prepare,
	 * so that a prepare that fails leaves the tables as they were (a table
	 * once linked stays until the master goes).  Nothing is installed yet:
	 * abort only drops the new domain's entries.
	 */
	invt_mutex_lock(&m->vtd->cfg_lock);
	ret = ptab_get(m, ssid);
	invt_mutex_unlock(&m->vtd->cfg_lock);
	if (ret)
		invt_attach_abort(&a->tx);
	return ret;
}

int invt_vtd_attach_install(struct invt_vtd_attach *a)
{
	struct invt_vtd_master *m = a->m;
	int ret;

	/* From the first PASID-entry write on, the device may use the new domain. */
	invt_attach_installing(&a->tx);
	invt_mutex_lock(&m->vtd->cfg_lock);
	ret = pasid_install(m, a->ssid, a->new, config_inval(m->vtd));
	if (!ret)
		a->installed = true;
	invt_mutex_unlock(&m->vtd->cfg_lock);
	return ret;
}

void invt_vtd_attach_commit(struct invt_vtd_attach *a)
{
	invt_attach_commit(&a->tx);
}

void invt_vtd_attach_abort(struct invt_vtd_attach *a)
{
	struct invt_vtd_master *m = a->m;
	struct invt_vtd_domain *old = NULL;

	if (a->tx.old)
		old = invt_container_of(a->tx.old, struct invt_vtd_domain, dom);
	/*
	 * Back to the old configuration, from wherever install stopped (a
	 * no-op when it never ran), its PASID-cache invalidation waited for:
	 * from then on the device cannot reach the new domain.  Only then does
	 * the core clean the device-TLB of what the device may have fetched
	 * through the new domain (after an install began) and drop its
	 * entries.  Best effort: a queue error here is counted in the stats and
	 * nothing more can be done.
	 */
	invt_mutex_lock(&m->vtd->cfg_lock);
	pasid_install(m, a->ssid, old, config_inval(m->vtd));
	a->installed = false;
	invt_mutex_unlock(&m->vtd->cfg_lock);
	invt_attach_abort(&a->tx);
}

int invt_vtd_attach(struct invt_vtd_master *m, uint32_t ssid, struct invt_vtd_domain *new)
{
	struct invt_vtd_attach a;
	int ret;

	ret = invt_vtd_attach_prepare(&a, m, ssid, new);
	if (ret)
		return ret;
	ret = invt_vtd_attach_install(&a);
	if (ret) {
		invt_vtd_attach_abort(&a);
		return ret;
	}
	invt_vtd_attach_commit(&a);
	return 0;
}
