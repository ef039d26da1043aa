// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * riscv-xlate.c - translation in the modelled RISC-V IOMMU: the directory
 * cache, IOTLB, walk cache and device ATCs (<invtrack/model/riscv.h>).
 *
 * One translation, under the instance lock (the IOTLB's), so that it is
 * atomic with respect to every command the executor applies:
 *  1. configuration of (device_id, process_id): the directory cache, or a
 *     fetch of the device context (ddtp 1LVL, base format) and, through a
 *     PD8 process directory, of the process context (RISC-V IOMMU 1.0 §4.1
 *     "Process to translate an IOVA", §4.1.1, §4.1.2), parsed by
 *     src/arch/riscv/hw-cfg.c.  A cached one is checked by the oracle
 *     before use (STALE_CONFIG);
 *  2. the IOTLB: first-stage leaves tagged (GSCID or host, PSCID), G-stage
 *     leaves (GSCID, NONE); a hit is checked (WRONG_DOMAIN, STALE_TLB) and
 *     used;
 *  3. else the walk cache (the last table of an earlier walk, same tags): a
 *     hit is checked and the walk continues from that table; else the walk
 *     starts at the root (invt_pt_hw_walk over model memory with the format
 *     of <invtrack/pt-riscv.h> the MODE names);
 *  4. the leaf and the walk entry of its last table (unless that is the
 *     root) are filled in.
 * An ATS device first looks in its own ATC, under the ATC's lock, which it
 * keeps across the translation request and the fill (mdev.c, shared by
 * every modelled unit).
 *
 * Leaves are checked by the hardware side itself, whatever the format's
 * callbacks say: U must be 1 (device requests are not privileged; G-stage
 * accesses count as user accesses), A must be 1 and a write needs D = 1
 * (capabilities.AMO_HWAD is 0: the IOMMU never sets them, it faults).  A
 * faulting walk fills nothing.
 */
#include <errno.h>
#include <string.h>

#include "mdev.h"
#include "riscv-internal.h"

#define K(kind)		INVT_CACHE_K(INVT_CACHE_##kind)
/* PTE bits (RISC-V Privileged, Sv39): U 4, G 5, A 6, D 7. */
#define PTE_U		(UINT64_C(1) << 4)
#define PTE_G		(UINT64_C(1) << 5)
#define PTE_A		(UINT64_C(1) << 6)
#define PTE_D		(UINT64_C(1) << 7)
#define PAGE_SHIFT	12
#define LEVEL_BITS	9

unsigned int mrv_cfg_invalidate_locked(struct invt_mrv *m, const struct rv_hw_dir_scope *scope)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->cfg.cfg_entries; i++) {
		struct mrv_cfg *c = &m->cfgc[i];

		if (c->valid && rv_hw_dir_in_scope(scope, c->did, c->pid, c->has_pc)) {
			c->valid = false;
			n++;
		}
	}
	return n;
}

/* A host pointer to @bytes of model memory at @pa, or NULL. */
static const uint64_t *mem_words(struct invt_mrv *m, uint64_t pa, size_t bytes)
{
	if (!invt_mem_va(m->mem, pa + bytes - 1))
		return NULL;
	return invt_mem_va(m->mem, pa);
}

/* The first stage of a PD8 process context.  Return: 0 or -EFAULT. */
static int cfg_fetch_pc(struct invt_mrv *m, const struct rv_hw_dc *dc, uint32_t pid,
			struct mrv_cfg *c)
{
	uint64_t pa, w[RV_HW_PC_WORDS];
	const uint64_t *va;
	struct rv_hw_pc pc;

	if (dc->fmode == RV_HW_ATP_BARE || rv_hw_pdt_locate(dc, pid, &pa))
		return -EFAULT;		/* pdtp Bare: no first stage (bypass) */
	va = mem_words(m, pa, RV_HW_PC_BYTES);
	if (!va)
		return -EFAULT;		/* PDT entry load access fault */
	rv_hw_pc_read(va, w);
	if (rv_hw_pc_parse(w, m->regs.capabilities, &pc) || pc.fmode == RV_HW_ATP_BARE)
		return -EFAULT;		/* not valid, misconfigured, or Bare */
	c->has_pc = true;
	c->tag_s1 = pc.pscid;
	c->fmt = invt_pt_fmt_rv_by_mode(false, pc.fmode);
	c->root = pc.froot;
	return 0;
}

/*
 * Fetch and resolve the configuration of (@did, @pid) from memory, as the
 * IOMMU does on a directory cache miss.  Return: 0 or -EFAULT.
 */
static int cfg_fetch(struct invt_mrv *m, uint32_t did, uint32_t pid, struct mrv_cfg *c)
{
	uint64_t ddtp, pa, w[RV_HW_DC_WORDS];
	struct invt_frame_info info;
	const uint64_t *va;
	struct rv_hw_dc dc;

	m->cfg_fetches++;
	/*
	 * The ddtp the IOMMU acted on (its busy period over): a driver that
	 * does not wait for busy may find its new directory not yet in use.
	 * Acquire inside: pairs with the consumer's release when it took
	 * effect, itself after the driver's release store of ddtp, written
	 * after the directory's initialisation.
	 */
	ddtp = rv_hw_queue_ddtp(&m->hq);
	if (rv_hw_ddt_locate(ddtp, did, &pa))
		return -EFAULT;		/* Off, Bare, 2LVL/3LVL, device_id too wide */
	va = mem_words(m, pa, RV_HW_DC_BYTES);
	if (!va)
		return -EFAULT;		/* DDT entry load access fault */
	rv_hw_dc_read(va, w);
	if (rv_hw_dc_parse(w, m->regs.capabilities, &dc))
		return -EFAULT;		/* not valid or misconfigured */
	memset(c, 0, sizeof(*c));
	c->did = did;
	c->pid = pid;
	c->en_ats = dc.en_ats;
	if (dc.gmode != RV_HW_ATP_BARE) {
		/* G stage only: nested (a first stage too) is not modelled. */
		if (dc.pdtv || dc.fmode != RV_HW_ATP_BARE || pid)
			return -EFAULT;
		c->gstage = true;
		c->tag_s2 = dc.gscid;
		c->tag_s1 = INVT_CACHE_ID_NONE;
		c->fmt = invt_pt_fmt_rv_by_mode(true, dc.gmode);
		c->root = dc.groot;
	} else if (!dc.pdtv) {
		/* A process_id without PDTV: "transaction type disallowed". */
		if (pid || dc.fmode == RV_HW_ATP_BARE)
			return -EFAULT;	/* or both stages Bare: not modelled */
		c->tag_s2 = RV_HW_EXEC_HOST;
		c->tag_s1 = dc.pscid;
		c->fmt = invt_pt_fmt_rv_by_mode(false, dc.fmode);
		c->root = dc.froot;
	} else {
		/* No process_id: process_id 0 with DPE, else the first stage is Bare. */
		if (!pid && !dc.dpe)
			return -EFAULT;
		c->tag_s2 = RV_HW_EXEC_HOST;
		if (cfg_fetch_pc(m, &dc, pid, c))
			return -EFAULT;
	}
	if (!c->fmt)
		return -EFAULT;
	c->domain = INVT_MEM_NO_DOMAIN;
	if (!invt_mem_info(m->mem, c->root, &info) && info.state == INVT_FRAME_TABLE)
		c->domain = info.domain;
	/*
	 * Stamped after the reads: a configuration read before a change began
	 * always carries an older stamp than the change's, so the oracle
	 * never calls one that saw the new structures stale.
	 */
	c->stamp = invt_oracle_stamp(m->oracle);
	c->valid = true;
	return 0;
}

/*
 * The configuration of (did, pid): cached (checked by the oracle), or
 * fetched and cached.  Instance lock held.  Return: 0 or -EFAULT.
 */
static int cfg_get_locked(struct invt_mrv *m, struct invt_oracle_use *use, struct mrv_cfg *out,
			  bool *stale)
{
	unsigned int i, n = m->cfg.cfg_entries, victim = n;

	for (i = 0; i < n; i++) {
		struct mrv_cfg *c = &m->cfgc[i];

		if (!c->valid) {
			if (victim == n)
				victim = i;
			continue;
		}
		if (c->did == use->sid && c->pid == use->ssid) {
			use->cfg_domain = c->domain;
			if (invt_oracle_check_config(m->oracle, use, c->stamp) > 0)
				*stale = true;
			*out = *c;
			return 0;
		}
	}
	if (cfg_fetch(m, use->sid, use->ssid, out))
		return -EFAULT;
	if (victim == n) {
		m->cfg_rng += UINT64_C(0x9e3779b97f4a7c15);
		victim = (unsigned int)(mrv_mix(m->cfg_rng) % n);
	}
	m->cfgc[victim] = *out;
	use->cfg_domain = out->domain;
	return 0;
}

/* The hardware's own leaf checks (see the header).  Return: INVT_PT_*. */
static unsigned int leaf_prot(const struct invt_pt_walk *res)
{
	unsigned int prot = res->prot;

	if (!(res->pte & PTE_U) || !(res->pte & PTE_A))
		return 0;
	if (!(res->pte & PTE_D))
		prot &= ~INVT_PT_WRITE;
	return prot;
}

/* Fill the leaf and, unless it came from there or is the root, the walk entry. */
static void fill_locked(struct invt_mrv *m, const struct mrv_cfg *c, const struct invt_pt_walk *res,
			uint64_t iova, const struct invt_cache_entry *from, struct invt_mdev_xl *xl)
{
	struct invt_cache_entry e;
	unsigned int lvl = res->level, wshift = PAGE_SHIFT + LEVEL_BITS * (lvl + 1);
	uint64_t table = res->tables[res->nr_tables - 1], stamp;

	stamp = invt_oracle_stamp(m->oracle);
	memset(&e, 0, sizeof(e));
	e.kind = c->gstage ? INVT_CACHE_S2 : INVT_CACHE_S1;
	e.global = !c->gstage && (res->pte & PTE_G);
	e.shift = (uint8_t)__builtin_ctzll(res->size);
	e.level = (uint8_t)lvl;
	e.prot = (uint8_t)leaf_prot(res);
	e.tag_s2 = c->tag_s2;
	e.tag_s1 = c->tag_s1;
	e.sid = INVT_CACHE_ID_NONE;
	e.ssid = INVT_CACHE_ID_NONE;
	if (m->cfg.iotlb_tag == INVT_MRV_TAG_DEVICE) {
		e.sid = c->did;
		e.ssid = c->pid;
	}
	e.iova = iova & ~(res->size - 1);
	e.pa = res->oa & ~(res->size - 1);
	e.domain = c->domain;
	e.domain_s2 = INVT_MEM_NO_DOMAIN;
	invt_mem_ref(m->mem, e.pa, &e.leaf);
	e.fill_time = stamp;
	invt_cache_insert_locked(m->iotlb, &e, NULL);

	xl->base = e.pa;
	xl->shift = e.shift;
	xl->level = lvl;
	xl->prot = e.prot;
	xl->domain = c->domain;
	xl->leaf = e.leaf;

	/* A walk that hit the walk cache keeps that entry as it was filled. */
	if (from && from->pa == table && from->level == lvl)
		return;
	if (!from && res->nr_tables < 2)
		return;		/* the leaf is in the root: nothing to cache */
	e.kind = c->gstage ? INVT_CACHE_WALK_S2 : INVT_CACHE_WALK_S1;
	e.global = false;
	e.shift = (uint8_t)wshift;
	e.prot = 0;
	e.iova = iova & ~((UINT64_C(1) << wshift) - 1);
	e.pa = table;
	memset(&e.leaf, 0, sizeof(e.leaf));
	invt_mem_ref(m->mem, table, &e.table);
	invt_cache_insert_locked(m->iotlb, &e, NULL);
}

/*
 * Steps 1-4 under the instance lock.  @ats: an ATS translation request
 * (needs EN_ATS).  Return: 0 with @xl filled, or -EFAULT; either way
 * @xl->stale tells whether the oracle recorded a violation.
 */
static int translate(struct invt_mrv *m, uint32_t did, uint32_t pid, uint64_t iova, bool ats,
		     struct invt_mdev_xl *xl)
{
	struct invt_oracle_use use = {
		.instance = m->cfg.id, .sid = did, .ssid = pid, .iova = iova,
		.cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	struct invt_cache_entry e;
	struct invt_cache_key key;
	struct invt_pt_walk res;
	bool from_walk = false;
	struct mrv_cfg c;
	int ret = -EFAULT;

	memset(xl, 0, sizeof(*xl));
	invt_cache_lock(m->iotlb);
	m->translations++;
	if (cfg_get_locked(m, &use, &c, &xl->stale) || (ats && !c.en_ats))
		goto out;
	key = (struct invt_cache_key){
		.kinds = c.gstage ? K(S2) : K(S1),
		.tag_s2 = c.tag_s2, .tag_s1 = c.tag_s1,
		.sid = INVT_CACHE_ID_NONE, .ssid = INVT_CACHE_ID_NONE,
		.iova = iova,
	};
	if (m->cfg.iotlb_tag == INVT_MRV_TAG_DEVICE) {
		/* Looked up by (device_id, process_id, page): the tags are not asked. */
		key.tag_s2 = INVT_CACHE_ID_ANY;
		key.tag_s1 = INVT_CACHE_ID_ANY;
		key.sid = did;
		key.ssid = pid;
	}
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		invt_mdev_xl_from_entry(xl, &e);
		ret = 0;
		goto out;
	}
	key.kinds = c.gstage ? K(WALK_S2) : K(WALK_S1);
	m->walks++;
	if (!invt_cache_lookup_locked(m->iotlb, &key, &e)) {
		if (invt_oracle_check_tlb(m->oracle, &use, &e) > 0)
			xl->stale = true;
		from_walk = true;
		ret = invt_pt_hw_walk_from(c.fmt, &m->ptops.ops, e.pa, e.level, iova, &res);
	} else {
		ret = invt_pt_hw_walk(c.fmt, &m->ptops.ops, c.root, iova, &res);
	}
	if (ret || !leaf_prot(&res)) {
		ret = -EFAULT;		/* a page fault: nothing is cached */
		goto out;
	}
	fill_locked(m, &c, &res, iova, from_walk ? &e : NULL, xl);
out:
	invt_cache_unlock(m->iotlb);
	return ret;
}

/* The unit's translation, as the shared device-access code calls it. */
static int mrv_translate(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool ats,
			struct invt_mdev_xl *xl)
{
	return translate(unit, sid, ssid, iova, ats, xl);
}

int invt_mrv_dma(struct invt_mrv *m, uint32_t did, uint32_t pid, uint64_t iova, bool write)
{
	struct invt_mdev *d = mrv_find_dev(m, did);
	struct invt_mdev_unit u = {
		.oracle = m->oracle, .id = m->cfg.id, .translate = mrv_translate, .unit = m,
	};

	if (!d)
		return -ENODEV;
	return invt_mdev_dma(&u, d->atc, did, pid, iova, write);
}
