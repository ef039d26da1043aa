// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-ops.c - the operations a scenario runs: map, unmap (with its
 * invalidation), attach / detach / replace, DMA, and what the core's test
 * hook does at protocol points.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario-internal.h"

/* scn_slot_iova() and scn_block_iova(), inline for the DMA engines. */
static inline uint64_t slot_iova(unsigned int slot)
{
	return SCN_PAGE_BASE + (uint64_t)(slot / SCN_PAGES_PER_REGION) * SCN_SZ_2M +
	       (uint64_t)(slot % SCN_PAGES_PER_REGION) * SCN_SZ_4K;
}

static inline uint64_t block_iova(unsigned int slot)
{
	return SCN_BLOCK_BASE + (uint64_t)slot * SCN_SZ_2M;
}

uint64_t scn_slot_iova(unsigned int slot)
{
	return slot_iova(slot);
}

uint64_t scn_block_iova(unsigned int slot)
{
	return block_iova(slot);
}

/* ---- map ---- */

void scn_op_map(struct scn *s, uint64_t *rng)
{
	struct scn_domain *d = &s->dom[scn_below(rng, s->nr_dom)];
	uint32_t id = d->dom->id;
	unsigned int prot = INVT_PT_READ | (scn_below(rng, 4) ? INVT_PT_WRITE : 0);
	bool block = scn_below(rng, 8) == 0;
	unsigned int slot = block ? scn_below(rng, SCN_BLOCKS) : scn_below(rng, SCN_PAGES);
	uint64_t iova = block ? scn_block_iova(slot) : scn_slot_iova(slot);
	uint64_t *slot_pa = block ? &d->block_pa[slot] : &d->page_pa[slot];
	uint64_t pa;
	int ret;

	if (d->nested) {
		scn_guest_map(s, d, rng);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (*slot_pa)
		goto out;
	if (block)
		ret = invt_mem_alloc_contig(s->mem, SCN_BLOCK_FRAMES, INVT_FRAME_DATA, id, iova, &pa);
	else
		ret = invt_mem_alloc(s->mem, INVT_FRAME_DATA, id, iova, &pa);
	if (ret)
		goto out;	/* pool exhausted or fragmented: skip */
	ret = invt_pt_map(d->pt, iova, pa, block ? SCN_SZ_2M : SCN_SZ_4K, prot);
	if (ret) {
		if (block)
			invt_mem_free_contig(s->mem, pa, SCN_BLOCK_FRAMES);
		else
			invt_mem_free(s->mem, pa);
		goto out;
	}
	if (block)
		/* Relaxed: DMA threads read it as a hint (scn_pick_iova()). */
		__atomic_store_n(slot_pa, pa, __ATOMIC_RELAXED);
	else
		scn_page_set(d, slot, pa);
	scn_count(&s->res->maps, 1);
	scn_flight(s, "map", 0, 0, 0, id, iova, iova + (block ? SCN_SZ_2M : SCN_SZ_4K) - 1, pa);
out:
	pthread_mutex_unlock(&d->lock);
}

/* ---- unmap ---- */

/* An unmap's frames go straight onto the domain's chain (struct scn_withheld). */
struct scn_gather {
	struct invt_pt_gather g;
	struct invt_mem *mem;
	struct invt_mem_chain *chain;
	unsigned int errors;
};

static void scn_table_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct scn_gather *sg = invt_container_of(g, struct scn_gather, g);

	/* The table page waits for the invalidation like the data frames. */
	if (invt_mem_chain_add(sg->mem, sg->chain, pa))
		sg->errors++;
}

/* Put the data frames of every slot inside [iova, last] on the chain. */
static void scn_collect(struct scn *s, struct scn_domain *d, struct scn_gather *sg,
			uint64_t iova, uint64_t last)
{
	unsigned int i;

	for (i = 0; i < SCN_PAGES; i++) {
		uint64_t a = scn_slot_iova(i);

		if (d->page_pa[i] && a >= iova && a <= last) {
			if (invt_mem_chain_add(s->mem, sg->chain, d->page_pa[i]))
				sg->errors++;
			scn_page_set(d, i, 0);
		}
	}
	for (i = 0; i < SCN_BLOCKS; i++) {
		uint64_t a = scn_block_iova(i);

		if (!d->block_pa[i] || a < iova || a > last)
			continue;
		sg->errors += (unsigned int)invt_mem_chain_add_range(s->mem, sg->chain,
								      d->block_pa[i],
								      SCN_BLOCK_FRAMES);
		d->block_pa[i] = 0;
	}
}

static void scn_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova,
		    bool write);

/*
 * Inline mode: touch again what devices touched while the invalidation was
 * in flight.  A translation they cached then from a stale entry now leads
 * to a freed frame, and the oracle says so.
 */
static void scn_reprobe(struct scn *s)
{
	unsigned int i, n;

	if (s->p->threaded)
		return;		/* probes are taken in inline mode only */
	n = s->nr_probe;
	s->nr_probe = 0;
	for (i = 0; i < n; i++)
		scn_dma(s, s->probe[i].dev, s->probe[i].ssid, s->probe[i].iova, false);
}

/*
 * One invalidation in SCN_CPU_SAMPLE is timed: the thread CPU clock is a
 * system call (0.5-5 us in a VM), as dear as a whole model operation.
 */
#define SCN_CPU_SAMPLE	8

/* Clock @id in ns. */
static uint64_t scn_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: what an invalidation costs it. */
static uint64_t scn_thread_ns(void)
{
	return scn_clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Book one invalidation's measurements (@timed: @cpu_ns was measured). */
static void scn_account(struct scn *s, const struct scn_acct *a, bool timed, uint64_t cpu_ns,
			uint64_t min_cmds, bool check)
{
	uint64_t serial = 0, overlap = 0;
	unsigned int i;

	for (i = 0; i < s->p->instances; i++) {
		serial += a->modelled[i];
		if (a->modelled[i] > overlap)
			overlap = a->modelled[i];
	}
	scn_count(&s->res->inv_commands, a->cmds);
	scn_count(&s->res->inv_syncs, a->syncs);
	scn_count(&s->res->inv_waits, a->waits);
	scn_count(&s->res->inv_minimum, min_cmds);
	scn_count(&s->res->modelled_serial_ns, serial);
	scn_count(&s->res->modelled_overlap_ns, overlap);
	if (check && a->cmds != min_cmds)
		scn_count(&s->res->inv_mismatches, 1);
	pthread_mutex_lock(&s->stat_lock);
	if (timed)
		scn_hist_add(&s->cpu_hist, cpu_ns);
	scn_hist_add(&s->mod_hist, overlap);
	pthread_mutex_unlock(&s->stat_lock);
}

/*
 * The invalidation of @d's withheld range completed (@ret 0): free what
 * waited for it.  Otherwise keep it, the range grown to the new one, for the
 * next invalidation of the domain: a frame whose invalidation did not
 * complete may still be cached (IOTLB, walk cache, ATC), so it is not given
 * to anyone else.  The caller holds d->lock.
 */
static void scn_withheld_done(struct scn *s, struct scn_domain *d, size_t before, int ret)
{
	struct scn_withheld *w = &d->wh;

	if (!ret) {
		/*
		 * Nothing can use the frames any more.  (An ablation build may
		 * still hold the PTE clears in this thread's emulated store
		 * buffer: they must land before the pages are reused.)
		 */
		invt_sb_drain();
		invt_mem_chain_free(s->mem, &w->chain);
		w->pending = false;
		return;
	}
	scn_count(&s->res->faults.inv_failed, 1);
	scn_count(&s->res->faults.withheld_frames, w->chain.count - before);
	w->pending = true;
	scn_flight(s, "withheld", 0, 0, 0, d->dom->id, w->start, w->last, w->chain.count);
}

/*
 * Unmap [@iova, @iova + @size) of @d (the caller holds d->lock, or is the
 * only thread left): clear the PTEs, invalidate what the page table reports,
 * and only once that completed free the data frames and unlinked table
 * pages.  A range whose invalidation failed earlier is invalidated with it
 * (one range covering both), and its frames freed with these.  Inline mode
 * also checks that the invalidation cost exactly the minimum for the policy
 * in force.
 *
 * Return: 0, or the invalidation's error: the frames are withheld (d->wh).
 */
int scn_unmap_range(struct scn *s, struct scn_domain *d, uint64_t iova, uint64_t size)
{
	struct scn_withheld *w = &d->wh;
	struct scn_gather sg = { .mem = s->mem, .chain = &w->chain };
	uint64_t min_cmds = 0, min_syncs = 0, t0 = 0;
	/* Injected faults make the drivers send batches again: no minimum then. */
	bool check = !s->p->ablate && !(s->p->faults > 0), timed;
	size_t before = w->chain.count;
	struct invt_invs *invs;
	struct invt_range r;
	unsigned long gen;
	int ret;

	sg.g.table_unlinked = scn_table_unlinked;
	pthread_rwlock_rdlock(&s->drv_lock);
	gen = s->drv_gen;
	pthread_rwlock_unlock(&s->drv_lock);
	/*
	 * The array as it is now, for the minimum (exact when nothing races).
	 * Read before the PTEs are cleared: taking the domain's lock after
	 * would drain an ablation build's emulated store buffer and hide the
	 * "barrier" ablation.
	 */
	invs = invt_domain_invs_get(d->dom);
	if (invt_pt_unmap(d->pt, iova, size, &sg.g) || !sg.g.size) {
		invt_invs_free(invs);
		/* Nothing unmapped: a good moment to retry what is owed. */
		return w->pending ? scn_withheld_flush(s, d) : 0;
	}
	scn_collect(s, d, &sg, sg.g.iova, sg.g.iova + (sg.g.size - 1));
	r = (struct invt_range){ .start = sg.g.iova, .last = sg.g.iova + (sg.g.size - 1),
				 .leaf = sg.g.leaf_only };
	if (w->pending) {
		/* One invalidation for both: what is owed and what is new. */
		r.start = r.start < w->start ? r.start : w->start;
		r.last = r.last > w->last ? r.last : w->last;
		r.leaf = r.leaf && w->leaf;
		check = false;
	}
	w->start = r.start;
	w->last = r.last;
	w->leaf = r.leaf;
	/*
	 * The copy's entries name drivers: count only if none was destroyed
	 * since it was taken, and none can be while counting (s->drv_lock).
	 */
	pthread_rwlock_rdlock(&s->drv_lock);
	if (invs && gen == s->drv_gen) {
		uint64_t lc = 0, lw = 0;

		s->arch->plan_count(invs, &r, &min_cmds, &min_syncs);
		s->arch->linux_count(invs, &r, &lc, &lw);
		scn_count(&s->res->linux_commands, lc);
		scn_count(&s->res->linux_waits, lw);
	} else {
		check = false;
	}
	pthread_rwlock_unlock(&s->drv_lock);
	invt_invs_free(invs);
	/* Relaxed: only which invalidations are timed (the first of each SCN_CPU_SAMPLE). */
	timed = !(__atomic_load_n(&s->res->invalidations, __ATOMIC_RELAXED) % SCN_CPU_SAMPLE);
	scn_acct_begin();
	if (timed)
		t0 = scn_thread_ns();
	scn_flight(s, "unmap", 0, 0, 0, d->dom->id, r.start, r.last, 0);
	ret = invt_domain_invalidate(d->dom, r.start, r.last - r.start + 1, r.leaf);
	scn_account(s, scn_acct_end(), timed, timed ? scn_thread_ns() - t0 : 0, min_cmds, check);
	scn_flight(s, ret ? "invalidate failed" : "invalidated", 0, 0, 0, d->dom->id, r.start,
		   r.last, 0);
	scn_count(&s->res->invalidations, 1);
	scn_withheld_done(s, d, before, ret);
	scn_count(&s->res->unmaps, 1);
	scn_reprobe(s);
	return ret;
}

/*
 * Invalidate @d's withheld range again (the caller holds d->lock, or is the
 * only thread left) and free its frames when that completed.
 * Return: 0 (nothing withheld any more) or the invalidation's error.
 */
int scn_withheld_flush(struct scn *s, struct scn_domain *d)
{
	struct scn_withheld *w = &d->wh;
	int ret;

	if (!w->pending)
		return 0;
	ret = invt_domain_invalidate(d->dom, w->start, w->last - w->start + 1, w->leaf);
	scn_count(&s->res->invalidations, 1);
	scn_flight(s, ret ? "invalidate failed" : "invalidated", 0, 0, 0, d->dom->id, w->start,
		   w->last, 0);
	if (!ret) {
		invt_sb_drain();
		invt_mem_chain_free(s->mem, &w->chain);
		w->pending = false;
	} else {
		scn_count(&s->res->faults.inv_failed, 1);
	}
	return ret;
}

/* Tries a teardown gives a withheld range before it gives the frames up. */
#define SCN_WITHHELD_TRIES	16

/*
 * Teardown, before @d is destroyed: invalidate what @d still withholds until
 * that completes (bounded); frames still withheld then are never freed
 * (counted in faults.leaked_frames), as a driver would leak memory a cache
 * may still point to rather than reuse it.
 */
void scn_withheld_teardown(struct scn *s, struct scn_domain *d)
{
	unsigned int tries;

	for (tries = 0; d->wh.pending && tries < SCN_WITHHELD_TRIES; tries++)
		scn_withheld_flush(s, d);
	if (!d->wh.pending)
		return;
	scn_count(&s->res->faults.leaked_frames, d->wh.chain.count);
	invt_mem_chain_init(&d->wh.chain);
	d->wh.pending = false;
}

/*
 * Free @pa, a frame @d mapped until an unmap just before (the caller holds
 * d->lock): now if that unmap's invalidation completed, otherwise with the
 * frames it withheld.
 */
void scn_free_after_inv(struct scn *s, struct scn_domain *d, uint64_t pa)
{
	if (!d->wh.pending || invt_mem_chain_add(s->mem, &d->wh.chain, pa)) {
		invt_mem_free(s->mem, pa);
		return;
	}
	scn_count(&s->res->faults.withheld_frames, 1);
}

void scn_op_unmap(struct scn *s, uint64_t *rng)
{
	struct scn_domain *d = &s->dom[scn_below(rng, s->nr_dom)];
	unsigned int pick = scn_below(rng, 10), slot, n;
	uint64_t iova, size;

	if (d->nested) {
		scn_guest_unmap(s, d, rng);
		return;
	}
	/* A VM's parent: half its unmaps move a guest page instead. */
	if (d->vm && pick < 5) {
		scn_host_migrate(s, d, rng);
		return;
	}
	if (pick < 7) {
		iova = scn_slot_iova(scn_below(rng, SCN_PAGES));
		size = SCN_SZ_4K;
	} else if (pick < 9) {
		/* A run inside one region; sometimes the whole region. */
		slot = scn_below(rng, SCN_PAGES);
		slot -= slot % SCN_PAGES_PER_REGION;
		n = scn_below(rng, 2) ? SCN_PAGES_PER_REGION : 1 + scn_below(rng, SCN_PAGES_PER_REGION);
		slot += scn_below(rng, SCN_PAGES_PER_REGION - n + 1);
		iova = scn_slot_iova(slot);
		size = n * SCN_SZ_4K;
	} else {
		iova = scn_block_iova(scn_below(rng, SCN_BLOCKS));
		size = SCN_SZ_2M;
	}
	pthread_mutex_lock(&d->lock);
	scn_unmap_range(s, d, iova, size);
	pthread_mutex_unlock(&d->lock);
}

/* ---- attach, detach, replace ---- */

/*
 * Move (@dv, @ssid) to domain index @target (-1: detach), telling the oracle
 * where the transaction stands.  The caller holds dv->lock.
 */
int scn_attach(struct scn *s, struct scn_device *dv, uint32_t ssid, int target)
{
	struct scn_domain *nd = target >= 0 ? &s->dom[target] : NULL;
	uint32_t nid = nd ? nd->dom->id : INVT_MEM_NO_DOMAIN;
	int ret;

	ret = invt_oracle_attach_begin(s->oracle, dv->inst, dv->sid, ssid, nid);
	if (ret)
		return ret;
	scn_flight(s, "attach begin", dv->inst, dv->sid, ssid, nid, 0, 0, 0);
	if (!s->p->threaded)
		s->gap = (struct scn_gap){ .dev = dv, .ssid = ssid, .old = dv->cur[ssid] };
	ret = s->arch->prepare(s, dv, ssid, nd);
	if (!s->p->threaded)
		s->gap.dev = NULL;
	if (ret)
		goto fail;
	ret = s->arch->install(s, dv);
	if (ret) {
		s->arch->abort(s, dv);
		goto fail;
	}
	invt_oracle_config_done(s->oracle, dv->inst, dv->sid, ssid);
	scn_flight(s, "config done", dv->inst, dv->sid, ssid, nid, 0, 0, 0);
	s->arch->commit(s, dv);
	invt_oracle_attach_done(s->oracle, dv->inst, dv->sid, ssid);
	scn_flight(s, "attach done", dv->inst, dv->sid, ssid, nid, 0, 0, 0);
	/* Relaxed: DMA threads only use it to aim (see struct scn_device). */
	__atomic_store_n(&dv->cur[ssid], target, __ATOMIC_RELAXED);
	return 0;
fail:
	invt_oracle_attach_abort(s->oracle, dv->inst, dv->sid, ssid);
	scn_flight(s, "attach abort", dv->inst, dv->sid, ssid, nid, 0, 0, 0);
	scn_count(&s->res->attach_errors, 1);
	return ret;
}

/* @mode: 0 the built-in mix, 1 attach or replace only, 2 detach only. */
static void scn_attach_op(struct scn *s, uint64_t *rng, int mode)
{
	struct scn_device *dv = &s->dev[scn_below(rng, s->nr_dev)];
	uint32_t ssid = scn_below(rng, dv->nr_ssids);
	int cur, target;

	pthread_mutex_lock(&dv->lock);
	if (!dv->drv)
		goto out;	/* unplugged for good (see scn_dev_plug()) */
	cur = dv->cur[ssid];
	if (mode == 2 || (!mode && cur >= 0 && scn_below(rng, 5) == 0)) {
		target = -1;
	} else if (s->p->vms) {
		target = scn_vm_target(s, dv, rng);
	} else {
		target = (int)scn_below(rng, s->nr_dom);
		/* Devices with PASIDs take stage-1 domains (even indices). */
		if (dv->nr_ssids > 1)
			target &= ~1;
	}
	if (target != cur && !scn_attach(s, dv, ssid, target)) {
		if (cur < 0)
			scn_count(&s->res->attaches, 1);
		else if (target < 0)
			scn_count(&s->res->detaches, 1);
		else
			scn_count(&s->res->replaces, 1);
	}
out:
	pthread_mutex_unlock(&dv->lock);
}

void scn_op_attach(struct scn *s, uint64_t *rng)
{
	scn_attach_op(s, rng, 0);
}

void scn_op_attach_mixed(struct scn *s, uint64_t *rng, bool detach)
{
	scn_attach_op(s, rng, detach ? 2 : 1);
}

/* ---- DMA ---- */

static void scn_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write)
{
	s->arch->dma(s, dv, ssid, iova, write);
}

/* A slot of @d that looks mapped (a racy hint), or any slot. */
static inline uint64_t scn_pick_iova(struct scn_domain *d, uint64_t *rng)
{
	unsigned int slot = scn_below(rng, SCN_PAGES);

	if (!scn_below(rng, 8)) {
		slot = scn_below(rng, SCN_BLOCKS);
		return block_iova(slot) + scn_below(rng, SCN_BLOCK_FRAMES) * SCN_SZ_4K;
	}
	if (d) {
		/*
		 * The first slot from @slot on (round the table) that looks
		 * mapped.  Relaxed: only where to aim; the oracle judges what
		 * happens.
		 */
		uint64_t map = __atomic_load_n(&d->page_map, __ATOMIC_RELAXED);
		uint64_t from = map >> slot | (slot ? map << (SCN_PAGES - slot) : 0);

		if (from)
			return slot_iova((slot + (unsigned int)__builtin_ctzll(from)) % SCN_PAGES);
	}
	return slot_iova(slot);
}

/*
 * One access by a device of DMA engine @engine of @nr_engines: mostly where
 * translations exist (an attached ssid, a mapped page of its domain),
 * sometimes anywhere: faults are expected and counted.  The draws from
 * @rng are kept in a local, which the compiler keeps in a register.
 */
void scn_op_dma(struct scn *s, uint64_t *rng, unsigned int engine, unsigned int nr_engines)
{
	/* Engine e drives the devices e, e + n, e + 2n, ... (inline: n = 1). */
	unsigned int mine = nr_engines == 1 ? s->nr_dev :
			    (s->nr_dev - engine + nr_engines - 1) / nr_engines;
	uint64_t r = *rng;
	struct scn_device *dv = &s->dev[engine + nr_engines * scn_below(&r, mine)];
	uint32_t ssid = scn_below(&r, dv->nr_ssids), i, k;
	struct scn_domain *d = NULL;
	uint64_t iova;
	bool write;
	int cur;

	/*
	 * The VMM's side of the units' fault records (runs with VMs), when
	 * some are held.  Relaxed: a hint (see scn_vm_deliver_faults()), so
	 * that the call is made only then.
	 */
	if (__atomic_load_n(&s->evq_held, __ATOMIC_RELAXED))
		scn_vm_deliver_faults(s);
	/*
	 * An unplugged device makes no access.  Relaxed: one that checked
	 * before the unplug began may still make one; it meets whatever
	 * configuration the unit has then, which the oracle judges.
	 */
	if (__atomic_load_n(&dv->gone, __ATOMIC_RELAXED)) {
		*rng = r;
		return;
	}
	/* The ssids from @ssid on, round the device's (k: (ssid + i) % nr_ssids). */
	for (i = 0, k = ssid; i < dv->nr_ssids && scn_below(&r, 8); i++) {
		cur = __atomic_load_n(&dv->cur[k], __ATOMIC_RELAXED);
		if (cur >= 0) {
			ssid = k;
			d = &s->dom[cur];
			break;
		}
		if (++k == dv->nr_ssids)
			k = 0;
	}
	/* In this order: the draws (and so runs of a seed) as before. */
	write = scn_below(&r, 2);
	iova = scn_pick_iova(d, &r);
	*rng = r;
	scn_dma(s, dv, ssid, iova, write);
}

/* ---- abort after install ---- */

/* Accesses the abort operation makes through the new configuration. */
#define SCN_ABORT_TOUCHES 4

/*
 * Prepare and install a move of a (device, ssid) to another domain, let the
 * device translate through the new configuration for a while (its own
 * accesses, ATS translation requests filling its ATC on an ATS device; in
 * threaded mode the DMA engines aim there too), then abort.  The device
 * touches the same addresses again after the abort: a translation the
 * abort left in its ATC was filled under an attachment that never
 * committed, which the oracle reports (STALE_TLB), as it does for any use
 * of it after the new domain unmaps the page.
 */
/* How long an aborted attach's configuration stays installed (threaded). */
#define SCN_ABORT_WINDOW_NS	10000

static void scn_abort_window(void)
{
	uint64_t end = scn_clock_ns(CLOCK_MONOTONIC) + SCN_ABORT_WINDOW_NS;

	do {
		invt_cpu_relax();
	} while (scn_clock_ns(CLOCK_MONOTONIC) < end);
}

void scn_op_abort(struct scn *s, uint64_t *rng)
{
	struct scn_device *dv = &s->dev[scn_below(rng, s->nr_dev)];
	uint32_t ssid = scn_below(rng, dv->nr_ssids);
	uint64_t iova[SCN_ABORT_TOUCHES];
	struct scn_domain *nd;
	unsigned int i, n = 0;
	int cur, target, ret;

	pthread_mutex_lock(&dv->lock);
	if (!dv->drv)
		goto out;	/* unplugged for good (see scn_dev_plug()) */
	cur = dv->cur[ssid];
	if (s->p->vms) {
		target = scn_vm_target(s, dv, rng);
	} else {
		target = (int)scn_below(rng, s->nr_dom);
		/* Devices with PASIDs take stage-1 domains (even indices). */
		if (dv->nr_ssids > 1)
			target &= ~1;
	}
	if (target == cur)
		goto out;
	nd = &s->dom[target];
	ret = invt_oracle_attach_begin(s->oracle, dv->inst, dv->sid, ssid, nd->dom->id);
	if (ret)
		goto out;
	ret = s->arch->prepare(s, dv, ssid, nd);
	if (ret) {
		invt_oracle_attach_abort(s->oracle, dv->inst, dv->sid, ssid);
		scn_count(&s->res->attach_errors, 1);
		goto out;
	}
	ret = s->arch->install(s, dv);
	if (!ret) {
		invt_oracle_config_done(s->oracle, dv->inst, dv->sid, ssid);
		/* Relaxed: DMA threads only use it to aim (see struct scn_device). */
		__atomic_store_n(&dv->cur[ssid], target, __ATOMIC_RELAXED);
		for (n = 0; n < SCN_ABORT_TOUCHES; n++) {
			iova[n] = scn_pick_iova(nd, rng);
			scn_dma(s, dv, ssid, iova[n], scn_below(rng, 2));
		}
		/*
		 * Threaded: the DMA engines get a turn at the new configuration.
		 * Without --delays, a short wait on this CPU while they run on
		 * the others: a yield here gives the CPU to a DMA engine for up
		 * to its slice (scenario.c, SCN_DMA_SLICE_NS) with the device's
		 * lock held, and the other churn threads queue on it.
		 */
		if (s->p->threaded && s->p->delays)
			sched_yield();
		else if (s->p->threaded)
			scn_abort_window();
	}
	/* Even a failed install may have reached the hardware: the same abort. */
	s->arch->abort(s, dv);
	invt_oracle_attach_abort(s->oracle, dv->inst, dv->sid, ssid);
	__atomic_store_n(&dv->cur[ssid], cur, __ATOMIC_RELAXED);
	if (ret)
		scn_count(&s->res->attach_errors, 1);
	else
		scn_count(&s->res->aborts, 1);
	for (i = 0; i < n; i++)
		scn_dma(s, dv, ssid, iova[i], false);
out:
	pthread_mutex_unlock(&dv->lock);
}

/* ---- instance removal, device hot-unplug ---- */

/*
 * Put (@dv, each ssid) back where @was says, after a plug (attach failures
 * are counted as any other).  The caller holds dv->lock.
 */
static void scn_dev_reattach(struct scn *s, struct scn_device *dv, const int *was)
{
	uint32_t j;
	int t;

	for (j = 0; j < dv->nr_ssids; j++) {
		t = s->p->vms ? scn_vm_attachable(s, dv, was[j]) : was[j];
		if (t >= 0 && dv->cur[j] != t)
			scn_attach(s, dv, j, t);
	}
}

/*
 * Hot-unplug @dv: no more DMA from it, every ssid detached (the driver's
 * detach: the configuration blocks, the ATC is invalidated, the domains'
 * arrays let go of it), then its master removed.  Where it was attached is
 * kept in @was.  On an error the device is put back as it was (attached
 * again where it was) and the error returned.  The caller holds dv->lock.
 */
static int scn_dev_unplug(struct scn *s, struct scn_device *dv, int *was)
{
	uint32_t j;
	int ret = 0;

	/* Relaxed: a hint to the DMA engines (see scn_op_dma()). */
	__atomic_store_n(&dv->gone, 1, __ATOMIC_RELAXED);
	for (j = 0; j < dv->nr_ssids; j++) {
		was[j] = dv->cur[j];
		if (dv->cur[j] >= 0 && !ret)
			ret = scn_attach(s, dv, j, -1);
	}
	/* Its vdevices go with it, as iommufd destroys them at device removal. */
	if (!ret && s->p->vms)
		ret = scn_vm_device_removed(s, dv);
	if (!ret)
		ret = s->arch->device_destroy(s, dv);
	if (ret) {
		if (s->p->vms)
			scn_vm_device_added(s, dv);
		scn_dev_reattach(s, dv, was);
		__atomic_store_n(&dv->gone, 0, __ATOMIC_RELAXED);
		return ret;
	}
	dv->drv = NULL;
	dv->tx = NULL;
	return 0;
}

/*
 * Plug @dv back: a new master on its instance's driver, attached again
 * where @was says.  When the master cannot be created (out of memory, or
 * the instance has no driver) the device stays unplugged for good: later
 * operations skip it.  The caller holds dv->lock.
 */
static int scn_dev_plug(struct scn *s, struct scn_device *dv, const int *was)
{
	int ret = s->inst[dv->inst].up ? s->arch->device_init(s, dv) : -ENODEV;

	if (!ret && s->p->vms)
		ret = scn_vm_device_added(s, dv);
	if (ret)
		return ret;
	scn_dev_reattach(s, dv, was);
	__atomic_store_n(&dv->gone, 0, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Remove an instance's driver while the load goes on, as an unbind would:
 * its devices unplugged (detached, their vdevices destroyed, masters
 * removed), the VMs' viommus on it destroyed (scn_vm_inst_down(): each
 * VM's nested domain there leaves its viommu first; the guests send the
 * instance nothing meanwhile), then the driver's destroy, which
 * unregisters the instance from the core - every domain's array rebuilt
 * without its entries, one grace period waited before anything readers
 * may still walk is freed - and disables the unit.  Invalidations of other
 * instances' domains, the guests' work and DMA go on meanwhile.  Then the
 * driver probes the unit again, the viommus are created again and adopt
 * the nested domains, and the devices come back (vdevices first), attached
 * as before.  The devices' locks are taken in index order (every other
 * operation takes one device lock at a time), so attach operations on
 * them wait.
 */
void scn_op_remove(struct scn *s, uint64_t *rng)
{
	static const int none[INVT_SCN_MAX_PASIDS] = { [0 ... INVT_SCN_MAX_PASIDS - 1] = -1 };
	unsigned int i = scn_below(rng, s->p->instances), k, n = 0, off = 0;
	struct scn_device *mine[INVT_SCN_MAX_DEVICES];
	int (*was)[INVT_SCN_MAX_PASIDS];
	char err[128];

	was = calloc(INVT_SCN_MAX_DEVICES, sizeof(*was));
	if (!was)
		return;
	for (k = 0; k < s->nr_dev; k++) {
		if (s->dev[k].inst != i)
			continue;
		mine[n++] = &s->dev[k];
		pthread_mutex_lock(&s->dev[k].lock);
	}
	if (!s->inst[i].up)
		goto out;	/* its probe failed before: it stays removed */
	for (off = 0; off < n; off++) {
		if (!mine[off]->drv) {
			memcpy(was[off], none, sizeof(none));
			continue;
		}
		if (scn_dev_unplug(s, mine[off], was[off]))
			goto replug;
	}
	/* A viommu is bound to its instance's driver: it goes first. */
	if (s->p->vms && scn_vm_inst_down(s, i))
		goto replug;
	scn_flight(s, "remove", i, 0, 0, INVT_MEM_NO_DOMAIN, 0, 0, 0);
	if (s->arch->drv_down(s, i))
		goto vms_up;
	/* Threaded: the load runs a while with the instance gone. */
	if (s->p->threaded)
		sched_yield();
	if (s->arch->drv_up(s, i, err, sizeof(err)))
		goto out;	/* its devices stay unplugged, the guests send it nothing */
	scn_flight(s, "probe", i, 0, 0, INVT_MEM_NO_DOMAIN, 0, 0, 0);
	scn_count(&s->res->removals, 1);
vms_up:
	/* A VM whose viommu cannot be had again attaches its parent there. */
	if (s->p->vms)
		scn_vm_inst_up(s, i);
replug:
	for (k = 0; k < off; k++)
		scn_dev_plug(s, mine[k], was[k]);
out:
	while (n--)
		pthread_mutex_unlock(&mine[n]->lock);
	free(was);
}

/* Hot-unplug a device while the load goes on, then plug it back. */
void scn_op_unplug(struct scn *s, uint64_t *rng)
{
	struct scn_device *dv = &s->dev[scn_below(rng, s->nr_dev)];
	int was[INVT_SCN_MAX_PASIDS];

	pthread_mutex_lock(&dv->lock);
	if (dv->drv && !scn_dev_unplug(s, dv, was)) {
		scn_flight(s, "unplug", dv->inst, dv->sid, 0, INVT_MEM_NO_DOMAIN, 0, 0, 0);
		/* Threaded: the load runs a while without the device. */
		if (s->p->threaded)
			sched_yield();
		if (!scn_dev_plug(s, dv, was))
			scn_count(&s->res->unplugs, 1);
	}
	pthread_mutex_unlock(&dv->lock);
}

/*
 * The modelled SMMU executed an ATC_INV: in inline mode the device asks for
 * the address again right away (an ATS request while the TLBIs before it may
 * still be pending) and once more after the invalidation completed; in
 * threaded mode, with delays, the window is widened for the DMA threads.
 */
void scn_atc_window(void *arg, uint32_t instance, uint32_t sid, uint32_t ssid, uint64_t iova)
{
	struct scn *s = arg;
	struct scn_device *dv;

	if (s->p->threaded) {
		if (s->p->delays)
			sched_yield();
		return;
	}
	if (sid >= s->nr_dev || s->dev[sid].inst != instance)
		return;
	dv = &s->dev[sid];
	if (ssid >= dv->nr_ssids)
		return;
	scn_dma(s, dv, ssid, iova, false);
	if (s->nr_probe < SCN_MAX_PROBES)
		s->probe[s->nr_probe++] = (struct scn_probe){ dv, ssid, iova };
}

/* ---- the core's hook ---- */

/*
 * Inline mode, two-phase ablated: the old domain already let go of the
 * device, whose configuration still points to it.  Fill the device's
 * caches from a mapped page of the old domain, unmap it (no invalidation
 * reaches the device any more), and touch it again: the oracle must see the
 * stale translation.  With the rule in place this gap does not exist.
 */
static void scn_gap_burst(struct scn *s, struct scn_gap g)
{
	struct scn_domain *d = &s->dom[g.old];
	unsigned int i, slot = scn_below(&s->rng_hook, SCN_PAGES);

	if (d->nested)
		return;		/* the guest's table: not the host's to unmap */
	for (i = 0; i < SCN_PAGES; i++, slot = (slot + 1) % SCN_PAGES)
		if (d->page_pa[slot])
			break;
	if (i == SCN_PAGES)
		return;
	scn_dma(s, g.dev, g.ssid, scn_slot_iova(slot), false);
	pthread_mutex_lock(&d->lock);
	scn_unmap_range(s, d, scn_slot_iova(slot), SCN_SZ_4K);
	pthread_mutex_unlock(&d->lock);
	scn_dma(s, g.dev, g.ssid, scn_slot_iova(slot), false);
}

/*
 * Threaded mode: widen the window at a protocol point.  The fast path's
 * window (array loaded, commands not yet sent) gets the longest sleeps: the
 * race the barrier closes needs an attach and a walk to fit inside it.
 */
static void scn_delay(uint64_t *rng, int point)
{
	long ns = point == INVT_HOOK_INVALIDATE_LOADED ? 200000 + (long)scn_below(rng, 800000) :
							 20000 + (long)scn_below(rng, 200000);
	struct timespec ts = { .tv_nsec = ns };

	if (scn_below(rng, 2))
		sched_yield();
	else
		nanosleep(&ts, NULL);
}

void scn_hook(void *arg, int point)
{
	static __thread uint64_t rng;
	struct scn *s = arg;

	if (!s->p->threaded) {
		struct scn_gap g = s->gap;

		if (point == INVT_HOOK_TWO_PHASE_GAP && g.dev && g.old >= 0) {
			s->gap.dev = NULL;	/* no recursion through the burst */
			scn_gap_burst(s, g);
		}
		return;
	}
	if (!rng)
		rng = s->p->seed ^ (uint64_t)(uintptr_t)&rng;
	if (s->p->delays)
		scn_delay(&rng, point);
}
