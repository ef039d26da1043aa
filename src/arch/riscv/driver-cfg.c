// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver-cfg.c - RISC-V IOMMU driver: masters, device and process context
 * installation, and the attach transaction (see <invtrack/riscv-driver.h>).
 *
 * Every change of a DC or a PC goes through ctx_install(), which follows
 * <invtrack/riscv-cfg.h>: a valid context is broken (V = 0) and
 * invalidated, then written with V last and invalidated again; each step
 * queues one IODIR.INVAL_DDT (DCs, one per device_id of the master) or
 * INVAL_PDT (a PC, per device_id) and one IOFENCE.C, and waits for it.
 * What is installed is decided from what memory holds (this file is the
 * only writer, under rv->cfg_lock), so the same code moves a slot forward
 * on install and back on abort.
 *
 * Lock order: rv->cfg_lock, then a domain's lock (invt_domain_tag()), then
 * the queue's producer lock.  Nothing the flush engine runs takes cfg_lock.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/riscv-driver.h>

#include "compat-user.h"

#define CMD_BYTES	INVT_RV_CMD_BYTES
/* One IODIR per device_id plus the IOFENCE.C. */
#define STEP_CMDS	(INVT_MAX_SIDS + 1)

static const uint64_t zero_words[INVT_RV_DC_WORDS_MAX];

/* Statistics only: relaxed, nothing is ordered by it. */
static void count_writes(struct invt_rv *rv, unsigned int n)
{
	__atomic_fetch_add(&rv->stats.cfg_writes, n, __ATOMIC_RELAXED);
}

static uint64_t *dc_slot(const struct invt_rv *rv, uint32_t id)
{
	return rv->ddt + (size_t)id * rv->dc_words;
}

static uint64_t *pc_slot(const struct invt_rv_master *m, uint32_t ssid)
{
	return m->pdt + (size_t)ssid * INVT_RV_PC_WORDS;
}

/* Only this file writes contexts, under cfg_lock: a plain load sees the last store. */
static uint64_t slot_word(const uint64_t *slot, unsigned int i)
{
	return le64toh(slot[i]);
}

/* ------------------------------------------------------- config steps */

/*
 * Where a step's invalidations go.
 * @m: the master, whose device_ids each get one IODIR.
 * @pdt: INVAL_PDT of @ssid (else INVAL_DDT).
 * @ssid: the PC's process id.
 * @inval: false in the "config-inval" ablation: no command at all.
 */
struct cfg_target {
	struct invt_rv_master *m;
	bool pdt;
	uint32_t ssid;
	bool inval;
};

/* One IODIR per device_id, up to two IOTINVALs of the old tags, the IOFENCE.C. */
#define SYNC_CMDS	(STEP_CMDS + 2)

/*
 * Queue the step's IODIRs (unless "config-inval" is ablated), then @nold
 * IOTINVALs of the old tags, then an IOFENCE.C, and wait for it.
 */
static int cfg_sync(const struct cfg_target *t, const struct invt_rv_cmd *old, unsigned int nold)
{
	static const struct invt_rv_cmd fence = { .opcode = INVT_RV_OP_IOFENCE,
						  .func3 = INVT_RV_FUNC_C, .pr = true, .pw = true };
	uint8_t buf[SYNC_CMDS * CMD_BYTES];
	struct invt_rv_cmd c;
	unsigned int i, n = 0;
	int ret;

	for (i = 0; t->inval && i < t->m->dev.nr_sids; i++) {
		/* §3.1.3: DV = 1, DID = the device; INVAL_PDT also names the PID. */
		c = (struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR, .dv = true,
					  .did = t->m->dev.sids[i] };
		if (t->pdt) {
			c.func3 = INVT_RV_FUNC_INVAL_PDT;
			c.pid = t->ssid;
		} else {
			c.func3 = INVT_RV_FUNC_INVAL_DDT;
		}
		ret = invt_rv_cmd_encode_le(&c, buf + n++ * CMD_BYTES);
		if (ret)
			return ret;
	}
	for (i = 0; i < nold; i++) {
		ret = invt_rv_cmd_encode_le(&old[i], buf + n++ * CMD_BYTES);
		if (ret)
			return ret;
	}
	if (!n)
		return 0;
	ret = invt_rv_cmd_encode_le(&fence, buf + n++ * CMD_BYTES);
	if (ret)
		return ret;
	return invt_rv_submit_wait(t->m->rv, buf, n);
}

/*
 * The IOTINVALs the specification's guidelines ask for once a valid DC
 * (§7.3.1 "Changing device directory table entry") or PC (§7.3.2 "Changing
 * process directory table entry") whose old words are @w changed, for its
 * old tags: they drop what the IOMMU may have cached under the old context,
 * whether or not the old domain keeps other users (an IOMMU may tag its
 * IOTLB by device_id and process_id; the model's strict variant does).
 * Return: how many were written to @c (0..2).
 */
static unsigned int old_tag_cmds(const struct cfg_target *t, const uint64_t *slot,
				 struct invt_rv_cmd c[2])
{
	const struct invt_rv_cmd vma = { .opcode = INVT_RV_OP_IOTINVAL,
					 .func3 = INVT_RV_FUNC_VMA };
	/* ta.PSCID [31:12]; iohgatp.MODE [63:60], GSCID [59:44]; fsc.MODE [63:60]. */
	uint64_t w0 = slot_word(slot, 0), w1 = slot_word(slot, 1);

	if (invt_ctx_ablated(t->m->rv->iommu.ctx, INVT_ABLATE_TEARDOWN_IOTLB))
		return 0;
	c[0] = vma;
	if (t->pdt) {
		/* A PC: VMA with PSCV = 1, PSCID (iohgatp is Bare here). */
		c[0].pscv = true;
		c[0].pscid = (uint32_t)(w0 >> 12) & 0xfffff;
		return 1;
	}
	if (w1 >> 60) {
		/* G-stage: VMA and GVMA, GV = 1, the GSCID. */
		c[0].gv = true;
		c[0].gscid = (uint32_t)(w1 >> 44) & 0xffff;
		c[1] = c[0];
		c[1].func3 = INVT_RV_FUNC_GVMA;
		return 2;
	}
	if (w0 & INVT_RV_DC_TC_PDTV)
		return 1;		/* VMA of everything (GV = AV = PSCV = 0) */
	if (slot_word(slot, 3) >> 60) {
		c[0].pscv = true;
		c[0].pscid = (uint32_t)(slot_word(slot, 2) >> 12) & 0xfffff;
		return 1;
	}
	return 0;
}

static bool slot_equal(const uint64_t *slot, const uint64_t *w, unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		if (slot_word(slot, i) != w[i])
			return false;
	return true;
}

/*
 * Make each of @slots hold @w (valid), or be invalid and zeroed when @w is
 * NULL: break (if valid), invalidate, write (V last), invalidate.  Slots
 * already holding what is wanted are left alone.  @v is the V bit of word 0.
 * Stops at the first queue error and returns it.
 */
static int ctx_install(const struct cfg_target *t, uint64_t *const *slots, unsigned int n,
		       const uint64_t *w, unsigned int words, uint64_t v)
{
	const uint64_t *want = w ? w : zero_words;
	struct invt_rv *rv = t->m->rv;
	bool valid = false, same = true;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		valid |= slot_word(slots[i], 0) & v;
		same &= slot_equal(slots[i], want, words);
	}
	if (same)
		return 0;
	if (valid) {
		/* The slots of a step hold one context: its old tags are slot 0's. */
		struct invt_rv_cmd old[2];
		unsigned int nold = old_tag_cmds(t, slots[0], old);

		for (i = 0; i < n; i++)
			invt_rv_cfg_break(slots[i]);
		count_writes(rv, n);
		ret = cfg_sync(t, old, nold);
		if (ret)
			return ret;
	}
	if (!w) {
		/* V = 0 is known to the IOMMU: clearing the rest needs no command. */
		for (i = 0; i < n; i++)
			invt_rv_cfg_clear(slots[i], words);
		count_writes(rv, n);
		return 0;
	}
	for (i = 0; i < n; i++)
		invt_rv_cfg_write(slots[i], w, words);
	count_writes(rv, n);
	return cfg_sync(t, NULL, 0);
}

/* ------------------------------------------------------- DC and PC words */

static int domain_tag(struct invt_rv *rv, struct invt_rv_domain *d, uint32_t *tag)
{
	/* The transaction holds the tag: valid from prepare on. */
	return invt_domain_tag(&d->dom, &rv->iommu, tag);
}

/* The DC of @m: with PASIDs the fixed PDT one; else for RID domain @d. */
static int dc_words(struct invt_rv_master *m, struct invt_rv_domain *d,
		    uint64_t w[INVT_RV_DC_WORDS_MAX])
{
	struct invt_rv_dc dc = { .valid = true, .en_ats = m->dev.ats && !m->ats_off };
	uint32_t tag;
	int ret;

	if (m->pdt) {
		dc.pdtv = true;
		dc.dpe = true;	/* requests without a PASID use PC 0, the RID */
		dc.fsc_mode = INVT_RV_PDTP_MODE_PD8;
		dc.fsc_pa = m->pdt_pa;
	} else if (!d) {
		dc = (struct invt_rv_dc){ 0 };
	} else {
		ret = domain_tag(m->rv, d, &tag);
		if (ret)
			return ret;
		if (d->dom.type == INVT_DOMAIN_NESTED) {
			/*
			 * §2.1.3 iohgatp: G stage of the parent, its GSCID (@tag:
			 * no INVT_IOMMU_NESTED_OWN_TAGS here); ta and fsc: the
			 * guest's PSCID and iosatp, whose PPN is a guest physical
			 * address once iohgatp is not Bare.
			 */
			dc.gscid = tag;
			dc.iohgatp_mode = INVT_RV_ATP_MODE_SV48;	/* Sv48x4 */
			dc.iohgatp_pa = d->parent->pt.root_pa;
			dc.pscid = d->s1.pscid;
			dc.fsc_mode = d->s1.mode;
			dc.fsc_pa = d->s1.root;
		} else if (d->dom.type == INVT_DOMAIN_S1) {
			dc.pscid = tag;
			dc.fsc_mode = INVT_RV_ATP_MODE_SV48;
			dc.fsc_pa = d->pt.root_pa;
		} else {
			dc.gscid = tag;
			dc.iohgatp_mode = INVT_RV_ATP_MODE_SV48;	/* Sv48x4 */
			dc.iohgatp_pa = d->pt.root_pa;
		}
	}
	return invt_rv_dc_build(&dc, w);
}

static int pc_words(struct invt_rv_master *m, struct invt_rv_domain *d,
		    uint64_t w[INVT_RV_PC_WORDS])
{
	struct invt_rv_pc pc = { 0 };
	uint32_t tag;
	int ret;

	if (d) {
		ret = domain_tag(m->rv, d, &tag);
		if (ret)
			return ret;
		pc = (struct invt_rv_pc){ .valid = true, .pscid = tag,
					  .mode = INVT_RV_ATP_MODE_SV48, .pa = d->pt.root_pa };
	}
	return invt_rv_pc_build(&pc, w);
}

static void dc_slots(const struct invt_rv_master *m, uint64_t *slots[INVT_MAX_SIDS])
{
	unsigned int i;

	for (i = 0; i < m->dev.nr_sids; i++)
		slots[i] = dc_slot(m->rv, m->dev.sids[i]);
}

/* What (@m, @ssid) must use for @d.  cfg_lock held. */
static int slot_install(struct invt_rv_master *m, uint32_t ssid, struct invt_rv_domain *d,
			bool inval)
{
	uint64_t w[INVT_RV_DC_WORDS_MAX], *slots[INVT_MAX_SIDS], *pc;
	int ret;

	if (m->pdt) {
		struct cfg_target t = { m, true, ssid, inval };

		ret = pc_words(m, d, w);
		if (ret)
			return ret;
		pc = pc_slot(m, ssid);
		return ctx_install(&t, &pc, 1, d ? w : NULL, INVT_RV_PC_WORDS, INVT_RV_PC_TA_V);
	} else {
		struct cfg_target t = { m, false, 0, inval };

		ret = dc_words(m, d, w);
		if (ret)
			return ret;
		dc_slots(m, slots);
		return ctx_install(&t, slots, m->dev.nr_sids, d ? w : NULL, m->rv->dc_words,
				   INVT_RV_DC_TC_V);
	}
}

int invt_rv_master_ats_off(struct invt_rv_master *m)
{
	struct cfg_target t = { m, false, 0, true };
	uint64_t w[INVT_RV_DC_WORDS_MAX], *slots[INVT_MAX_SIDS];
	int ret = 0;

	invt_mutex_lock(&m->rv->cfg_lock);
	if (m->ats_off_done) {
		invt_mutex_unlock(&m->rv->cfg_lock);
		return 0;
	}
	/* From here on every DC written for @m has EN_ATS = 0. */
	m->ats_off = true;
	/* A master without PASIDs and without a RID domain has invalid DCs. */
	if (m->pdt || m->rid) {
		ret = dc_words(m, m->rid, w);
		if (!ret) {
			dc_slots(m, slots);
			ret = ctx_install(&t, slots, m->dev.nr_sids, w, m->rv->dc_words,
					  INVT_RV_DC_TC_V);
		}
	}
	if (!ret) {
		m->ats_off_done = true;
		__atomic_fetch_add(&m->rv->stats.ats_disabled, 1, __ATOMIC_RELAXED);
	}
	invt_mutex_unlock(&m->rv->cfg_lock);
	return ret;
}

/* ------------------------------------------------------------- masters */

int invt_rv_master_init(struct invt_rv_master *m, struct invt_rv *rv, const uint32_t *ids,
			unsigned int nr_ids, uint32_t nr_ssids, bool ats)
{
	struct cfg_target t = { m, false, 0, true };
	uint64_t *slots[INVT_MAX_SIDS], w[INVT_RV_DC_WORDS_MAX];
	unsigned int i;
	int ret;

	if (!m || !rv || !ids || !nr_ids || nr_ids > INVT_MAX_SIDS || !nr_ssids ||
	    nr_ssids > INVT_RV_PD8_ENTRIES || (ats && !rv->ats) ||
	    (nr_ssids > 1 && !(rv->capabilities & INVT_RV_CAP_PD8)))
		return -EINVAL;
	for (i = 0; i < nr_ids; i++)
		if (ids[i] >= rv->nr_dcs)
			return -EINVAL;

	memset(m, 0, sizeof(*m));
	/* Rejects duplicate ids. */
	ret = invt_device_init(&m->dev, &rv->iommu, ids, nr_ids, nr_ssids, ats);
	if (ret)
		return ret;
	m->rv = rv;
	if (nr_ssids > 1) {
		m->pdt = rv->mem->alloc(rv->mem->arg, INVT_RV_TABLE_BYTES, &m->pdt_pa);
		if (!m->pdt) {
			ret = -ENOMEM;
			goto err_dev;
		}
		if ((m->pdt_pa >> 56) || (m->pdt_pa & (INVT_RV_TABLE_BYTES - 1))) {
			ret = -ENOMEM;
			goto err_pdt;
		}
	}
	ret = dc_words(m, NULL, w);
	if (ret)
		goto err_pdt;

	invt_mutex_lock(&rv->cfg_lock);
	dc_slots(m, slots);
	for (i = 0; i < nr_ids; i++) {
		if (slot_word(slots[i], 0) & INVT_RV_DC_TC_V) {
			ret = -EINVAL;	/* the device_id belongs to another master */
			goto err_unlock;
		}
	}
	/*
	 * The slots are invalid: write (V last) and invalidate, which also
	 * drops any DC or PC a previous owner of the ids left cached.
	 */
	if (m->pdt) {
		ret = ctx_install(&t, slots, nr_ids, w, rv->dc_words, INVT_RV_DC_TC_V);
		if (ret) {
			/* Best effort: back to invalid, as the IOMMU was told last. */
			ctx_install(&t, slots, nr_ids, NULL, rv->dc_words, INVT_RV_DC_TC_V);
			goto err_unlock;
		}
	} else {
		ret = cfg_sync(&t, NULL, 0);
		if (ret)
			goto err_unlock;
	}
	rv->nr_masters++;
	invt_mutex_unlock(&rv->cfg_lock);
	return 0;

err_unlock:
	invt_mutex_unlock(&rv->cfg_lock);
err_pdt:
	if (m->pdt)
		rv->mem->free(rv->mem->arg, m->pdt, m->pdt_pa, INVT_RV_TABLE_BYTES);
	m->pdt = NULL;
err_dev:
	invt_device_destroy(&m->dev);
	return ret;
}

static bool master_attached(struct invt_rv_master *m)
{
	return invt_device_in_use(&m->dev);
}

int invt_rv_master_destroy(struct invt_rv_master *m)
{
	struct cfg_target t = { m, false, 0, true };
	struct invt_rv *rv = m->rv;
	uint64_t *slots[INVT_MAX_SIDS], w[INVT_RV_DC_WORDS_MAX];
	unsigned int i, j;
	int ret;

	if (master_attached(m))
		return -EBUSY;
	invt_mutex_lock(&rv->cfg_lock);
	dc_slots(m, slots);
	/* The ids' DCs are identical: keep one copy to restore on error. */
	for (j = 0; j < rv->dc_words; j++)
		w[j] = slot_word(slots[0], j);
	ret = ctx_install(&t, slots, m->dev.nr_sids, NULL, rv->dc_words, INVT_RV_DC_TC_V);
	if (ret) {
		/* The IOMMU may still use the PDT: keep everything. */
		if (w[0] & INVT_RV_DC_TC_V) {
			for (i = 0; i < m->dev.nr_sids; i++)
				invt_rv_cfg_write(slots[i], w, rv->dc_words);
			cfg_sync(&t, NULL, 0);
		}
		invt_mutex_unlock(&rv->cfg_lock);
		return ret;
	}
	rv->nr_masters--;
	invt_mutex_unlock(&rv->cfg_lock);
	if (m->pdt)
		rv->mem->free(rv->mem->arg, m->pdt, m->pdt_pa, INVT_RV_TABLE_BYTES);
	m->pdt = NULL;
	return invt_device_destroy(&m->dev);
}

/* capabilities bit of a VS-stage (iosatp) mode (§5.3 "Capabilities"). */
static uint64_t vs_mode_cap(uint8_t mode)
{
	switch (mode) {
	case INVT_RV_ATP_MODE_SV39:
		return INVT_RV_CAP_SV39;
	case INVT_RV_ATP_MODE_SV48:
		return INVT_RV_CAP_SV48;
	case INVT_RV_ATP_MODE_SV57:
		return INVT_RV_CAP_SV57;
	default:
		return 0;
	}
}

/* -------------------------------------------------------------- domains */

int invt_rv_domain_init_nested(struct invt_rv_domain *d, struct invt_rv_domain *parent,
			       const struct invt_rv_s1_cfg *s1)
{
	struct invt_rv_dc probe = { .valid = true };
	uint64_t w[INVT_RV_DC_WORDS_MAX];
	int ret;

	if (!d || !parent || !s1 || parent->dom.type != INVT_DOMAIN_S2 || !vs_mode_cap(s1->mode))
		return -EINVAL;
	/* The guest's fields as the DC will hold them: the builder's checks. */
	probe.pscid = s1->pscid;
	probe.fsc_mode = s1->mode;
	probe.fsc_pa = s1->root;
	if (invt_rv_dc_build(&probe, w))
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
 * Whether the IOMMU can translate @d for @m: 0, -EINVAL or -EOPNOTSUPP.  A
 * nested DC needs the G-stage mode of the parent (Sv48x4) and the guest's
 * VS-stage mode in capabilities (§2.1.4 "Device-context configuration
 * checks": an unsupported iohgatp.MODE or iosatp.MODE makes the DC
 * misconfigured).
 */
static int domain_ok(const struct invt_rv_master *m, const struct invt_rv_domain *d)
{
	uint64_t cap = m->rv->capabilities;

	switch (d->dom.type) {
	case INVT_DOMAIN_S1:
		return cap & INVT_RV_CAP_SV48 ? 0 : -EINVAL;
	case INVT_DOMAIN_S2:
		return !m->pdt && (cap & INVT_RV_CAP_SV48X4) ? 0 : -EINVAL;
	case INVT_DOMAIN_NESTED:
		if (m->pdt)
			return -EINVAL;
		return (cap & INVT_RV_CAP_SV48X4) && (cap & vs_mode_cap(d->s1.mode)) ?
			       0 : -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

int invt_rv_attach_prepare(struct invt_rv_attach *a, struct invt_rv_master *m, uint32_t ssid,
			   struct invt_rv_domain *new)
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
	return invt_attach_prepare(&a->tx, &m->dev, ssid, new ? &new->dom : NULL);
}

static bool config_inval(const struct invt_rv *rv)
{
	return !invt_ctx_ablated(rv->iommu.ctx, INVT_ABLATE_CONFIG_INVAL);
}

int invt_rv_attach_install(struct invt_rv_attach *a)
{
	struct invt_rv_master *m = a->m;
	int ret;

	/* From the first DC or PC write on, the device may use the new domain. */
	invt_attach_installing(&a->tx);
	invt_mutex_lock(&m->rv->cfg_lock);
	ret = slot_install(m, a->ssid, a->new, config_inval(m->rv));
	if (!ret) {
		a->installed = true;
		if (!a->ssid)
			m->rid = a->new;
	}
	invt_mutex_unlock(&m->rv->cfg_lock);
	return ret;
}

void invt_rv_attach_commit(struct invt_rv_attach *a)
{
	invt_attach_commit(&a->tx);
}

void invt_rv_attach_abort(struct invt_rv_attach *a)
{
	struct invt_rv_master *m = a->m;
	struct invt_rv_domain *old = NULL;

	if (a->tx.old)
		old = invt_container_of(a->tx.old, struct invt_rv_domain, dom);
	/*
	 * Back to the old context, from wherever install stopped (a no-op when
	 * it never ran), its IODIR + IOFENCE.C waited for: from then on the
	 * device cannot reach the new domain.  Only then does the core send
	 * ATS.INVAL for what the device may have fetched through the new domain
	 * (after an install began) and drop its entries.  Best effort: a queue
	 * error here is counted in the stats and nothing more can be done.
	 */
	invt_mutex_lock(&m->rv->cfg_lock);
	slot_install(m, a->ssid, old, config_inval(m->rv));
	if (!a->ssid)
		m->rid = old;
	a->installed = false;
	invt_mutex_unlock(&m->rv->cfg_lock);
	invt_attach_abort(&a->tx);
}

int invt_rv_attach(struct invt_rv_master *m, uint32_t ssid, struct invt_rv_domain *new)
{
	struct invt_rv_attach a;
	int ret;

	ret = invt_rv_attach_prepare(&a, m, ssid, new);
	if (ret)
		return ret;
	ret = invt_rv_attach_install(&a);
	if (ret) {
		invt_rv_attach_abort(&a);
		return ret;
	}
	invt_rv_attach_commit(&a);
	return 0;
}
