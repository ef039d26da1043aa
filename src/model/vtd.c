// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vtd.c - a modelled Intel VT-d unit (<invtrack/model/vtd.h>): its creation,
 * registers at reset, devices, and the invalidation descriptor executor.
 * Translation is in vtd-xlate.c; the shared state and the lock order in
 * vtd-internal.h.
 *
 * The executor runs in the consumer's thread (the doorbell's caller in
 * inline mode, the consumer thread otherwise) with the consumer's lock
 * held.  What each descriptor removes comes from vtd_hw_exec_plan()
 * (src/arch/vtd/hw-exec.c): IOTLB and configuration removals are applied
 * under the unit lock, so no translation sees half of one; a device-TLB
 * invalidation under the target device TLB's lock only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtd-internal.h"

/* Seed salts: each generator of the unit gets its own stream. */
#define SALT_IOTLB	UINT64_C(0x1071b)
#define SALT_CFG	UINT64_C(0xcf9)
#define SALT_ATC	UINT64_C(0xa7c)

/* CAP.SAGAW bits (§11.4.2): bit 2 4-level (48-bit), bit 3 5-level (57-bit). */
#define SAGAW_4LVL	(1ull << 2)
#define SAGAW_5LVL	(1ull << 3)

struct invt_mdev *mvtd_find_dev(struct invt_mvtd *m, uint32_t id)
{
	return invt_mdev_find(&m->devs, id);
}

static void trace_locked(struct invt_mvtd *m, const uint64_t qw[4], unsigned int outcome)
{
	if (m->cfg.trace)
		m->cfg.trace(m->cfg.trace_arg, m->cfg.id, qw, outcome);
}

/* Count and trace one executed descriptor.  Unit lock held. */
static void account_locked(struct invt_mvtd *m, const uint64_t qw[4], unsigned int outcome)
{
	m->by_op[vtd_hw_op_index(qw[0])]++;
	trace_locked(m, qw, outcome);
}

/*
 * Complete the pending invalidations whose type is in @types (a mask of
 * 1 << type), in queue order; the others stay pending, in order.  Unit
 * lock held.
 */
static void complete_locked(struct invt_mvtd *m, unsigned int types)
{
	unsigned int i, kept = 0;

	for (i = 0; i < m->nr_pending; i++) {
		struct mvtd_pending *p = &m->pending[i];

		if (!(types & (1u << p->type))) {
			m->pending[kept++] = *p;
			continue;
		}
		if (p->type == VTD_HW_IOTLB_INV || p->type == VTD_HW_PIOTLB_INV)
			invt_cache_invalidate_locked(m->iotlb, &p->match);
		else
			mvtd_cfg_invalidate_locked(m, &p->cfg);
	}
	m->nr_pending = kept;
}

#define PEND_ALL	(1u << VTD_HW_IOTLB_INV | 1u << VTD_HW_PIOTLB_INV | \
			 1u << VTD_HW_CC_INV | 1u << VTD_HW_PC_INV)

/*
 * What a device-TLB invalidation of @type waits for (VT-d §6.5.2.12
 * "Queued Invalidation Ordering Considerations"): a device-TLB invalidation
 * executes only after every IOTLB (and interrupt entry cache) invalidation
 * ahead of it completed; a PASID-based device-TLB invalidation after every
 * IOTLB and PASID-based IOTLB one.  Nothing else: a PASID-based IOTLB
 * invalidation ahead of a plain device-TLB one, a pair the section does not
 * list, may still be pending (the weakest reading), and so may context- and
 * PASID-cache invalidations.  The model has no interrupt entry cache.
 */
static unsigned int devtlb_waits_for(uint8_t type)
{
	if (type == VTD_HW_PDEVTLB_INV)
		return 1u << VTD_HW_IOTLB_INV | 1u << VTD_HW_PIOTLB_INV;
	return 1u << VTD_HW_IOTLB_INV;
}

/* Device-TLB invalidation: the device TLB's lock only, then the accounting. */
static int exec_devtlb(struct invt_mvtd *m, const struct vtd_hw_exec *plan,
		       const struct vtd_hw_desc *d, const uint64_t qw[4])
{
	struct invt_mdev *dev = mvtd_find_dev(m, plan->sid);
	int ret = VTD_HW_EXEC_OK;

	invt_cache_lock(m->iotlb);
	complete_locked(m, devtlb_waits_for(d->type));
	invt_cache_unlock(m->iotlb);
	if (dev && dev->atc) {
		invt_cache_lock(dev->atc);
		invt_cache_invalidate_locked(dev->atc, &plan->match);
		invt_cache_unlock(dev->atc);
	}
	/*
	 * Relaxed: the flag is a test's fault injection, set before the
	 * descriptors it concerns are submitted (the doorbell or IQT's
	 * release/acquire orders it); no data hangs on it.
	 */
	if (dev && __atomic_load_n(&dev->atc_timeout, __ATOMIC_RELAXED))
		ret = VTD_HW_EXEC_TIMEOUT;
	invt_cache_lock(m->iotlb);
	account_locked(m, qw, ret ? INVT_MVTD_TRACE_ITE : INVT_MVTD_TRACE_OK);
	invt_cache_unlock(m->iotlb);
	/* Device activity while invalidations not ordered before it are pending. */
	if (m->cfg.atc_window)
		m->cfg.atc_window(m->cfg.window_arg, m->cfg.id, plan->sid,
				  d->type == VTD_HW_PDEVTLB_INV ? d->pasid : 0, plan->match.start);
	return ret;
}

/* Queue an executed invalidation until it completes.  Unit lock held. */
static void pend_locked(struct invt_mvtd *m, const struct vtd_hw_desc *d,
			const struct vtd_hw_exec *plan)
{
	struct mvtd_pending *p;

	if (m->nr_pending == MVTD_MAX_PENDING)
		complete_locked(m, PEND_ALL);
	p = &m->pending[m->nr_pending++];
	memset(p, 0, sizeof(*p));
	p->type = d->type;
	if (plan->kind == VTD_HW_EXEC_TLB)
		p->match = plan->match;
	else
		p->cfg = plan->cfg;
}

static int mvtd_exec(void *arg, const struct vtd_hw_desc *d, const uint64_t qw[4],
		     enum vtd_hw_event ev, unsigned int iqei)
{
	struct invt_mvtd *m = arg;
	struct vtd_hw_exec plan;

	if (ev != VTD_HW_EV_EXEC || vtd_hw_exec_plan(d, m->cfg.psi, &plan)) {
		/* Rejected, aborted (or, not reachable, a type with no plan). */
		invt_cache_lock(m->iotlb);
		trace_locked(m, qw, ev == VTD_HW_EV_ABORTED ? INVT_MVTD_TRACE_ABORTED :
							     INVT_MVTD_TRACE_IQE);
		invt_cache_unlock(m->iotlb);
		return VTD_HW_EXEC_OK;
	}
	if (plan.kind == VTD_HW_EXEC_DEVTLB)
		return exec_devtlb(m, &plan, d, qw);

	invt_cache_lock(m->iotlb);
	switch (plan.kind) {
	case VTD_HW_EXEC_TLB:
	case VTD_HW_EXEC_CFG:
		/*
		 * Software learns that an invalidation completed only from a
		 * later wait descriptor (§6.5.2.8), and §6.5.2.12 orders only
		 * device-TLB invalidations behind earlier ones: so the model
		 * applies IOTLB and cache invalidations as late as that
		 * allows, at the next completed wait or at a device-TLB
		 * invalidation ordered behind them.  A missing completion
		 * where the specification gives no order is then observable
		 * (a device refills from a stale entry in the atc_window; a
		 * configuration used after its invalidation executed).
		 */
		pend_locked(m, d, &plan);
		break;
	case VTD_HW_EXEC_WAIT:
		complete_locked(m, PEND_ALL);
		break;
	default:	/* interrupt entry cache: nothing modelled */
		break;
	}
	account_locked(m, qw, INVT_MVTD_TRACE_OK);
	invt_cache_unlock(m->iotlb);
	return VTD_HW_EXEC_OK;
}

/* CAP_REG and ECAP_REG at reset (§11.4.2, §11.4.3). */
static void mvtd_reset_caps(struct invt_mvtd *m)
{
	const struct invt_mvtd_config *c = &m->cfg;
	unsigned int pasid_bits = c->pasid_bits ? c->pasid_bits : 20;
	uint64_t cap, ecap;

	cap = (c->nd & INVT_VTD_CAP_ND_MASK) |
	      (SAGAW_4LVL | (c->sagaw5 ? SAGAW_5LVL : 0)) << INVT_VTD_CAP_SAGAW_SHIFT |
	      (uint64_t)(c->sagaw5 ? 56 : 47) << INVT_VTD_CAP_MGAW_SHIFT |
	      (uint64_t)c->mamv << INVT_VTD_CAP_MAMV_SHIFT;
	if (c->psi)
		cap |= INVT_VTD_CAP_PSI;
	ecap = INVT_VTD_ECAP_QI | INVT_VTD_ECAP_SMTS;
	if (c->ats)
		ecap |= INVT_VTD_ECAP_DT;
	if (c->pasid)
		ecap |= INVT_VTD_ECAP_PASID | (uint64_t)(pasid_bits - 1) << INVT_VTD_ECAP_PSS_SHIFT;
	if (c->flts)
		ecap |= INVT_VTD_ECAP_FLTS;
	if (c->slts)
		ecap |= INVT_VTD_ECAP_SLTS;
	m->regs.cap = cap;
	m->regs.ecap = ecap;
}

int invt_mvtd_create(const struct invt_mvtd_config *cfg, struct invt_mem *mem,
		     struct invt_oracle *oracle, struct invt_mvtd **out)
{
	struct vtd_hw_queue_exec exec;
	struct invt_cache_config cc;
	struct vtd_hw_caps caps;
	struct invt_mvtd *m;
	int ret;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > MVTD_MAX_CFG_ENTRIES || cfg->mamv > 63 || cfg->nd > 6 ||
	    cfg->pasid_bits > 20 || cfg->iotlb_tag > INVT_MVTD_TAG_DID || cfg->gsts_lag > 1000)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->cfg.cost_ns = NULL;		/* copied into the consumer below */
	m->mem = mem;
	m->oracle = oracle;
	cc = (struct invt_cache_config){
		.name = "iotlb",
		.nr_sets = cfg->iotlb_sets,
		.ways = cfg->iotlb_ways,
		.seed = mvtd_mix(cfg->seed ^ SALT_IOTLB),
	};
	ret = invt_cache_create(&cc, &m->iotlb);
	if (ret)
		goto err;
	ret = -ENOMEM;
	m->cfgc = calloc(cfg->cfg_entries, sizeof(*m->cfgc));
	if (!m->cfgc)
		goto err;
	if (invt_mdev_table_init(&m->devs))
		goto err;
	m->cfg_rng = mvtd_mix(cfg->seed ^ SALT_CFG);
	invt_mem_pt_ops_init(&m->ptops, mem, INVT_MEM_NO_DOMAIN);
	mvtd_reset_caps(m);

	caps.feat = (cfg->ats ? VTD_HW_FEAT_DT : 0) | (cfg->pasid ? VTD_HW_FEAT_SM : 0) |
		    (cfg->psi ? VTD_HW_FEAT_PSI : 0);
	caps.mamv = cfg->mamv;
	exec = (struct vtd_hw_queue_exec){ .exec = mvtd_exec, .arg = m };
	vtd_hw_queue_init(&m->hq, &m->regs, mem, &caps, &exec,
			  cfg->threaded ? VTD_HW_QUEUE_THREADED : VTD_HW_QUEUE_INLINE);
	if (cfg->cost_ns)
		memcpy(m->hq.cost_ns, cfg->cost_ns, sizeof(m->hq.cost_ns));
	vtd_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	m->hq.global_cmd = true;
	m->hq.gsts_lag = cfg->gsts_lag ? cfg->gsts_lag : 2;
	*out = m;
	return 0;
err:
	free(m->cfgc);
	invt_cache_destroy(m->iotlb);
	free(m);
	return ret;
}

void invt_mvtd_destroy(struct invt_mvtd *m)
{
	if (!m)
		return;
	vtd_hw_queue_destroy(&m->hq);
	invt_mdev_table_destroy(&m->devs);
	free(m->cfgc);
	invt_cache_destroy(m->iotlb);
	free(m);
}

struct invt_vtd_regs *invt_mvtd_regs(struct invt_mvtd *m)
{
	return &m->regs;
}

struct invt_cache *invt_mvtd_iotlb(struct invt_mvtd *m)
{
	return m->iotlb;
}

int invt_mvtd_start(struct invt_mvtd *m)
{
	if (!m->cfg.threaded)
		return 0;
	return vtd_hw_queue_start(&m->hq);
}

void invt_mvtd_stop(struct invt_mvtd *m)
{
	vtd_hw_queue_stop(&m->hq);
}

int invt_mvtd_add_device(struct invt_mvtd *m, uint32_t id, unsigned int atc_entries)
{
	if (id > 0xffff || (atc_entries && !m->cfg.ats))
		return -EINVAL;
	return invt_mdev_add(&m->devs, id, atc_entries, "devtlb",
			     mvtd_mix(m->cfg.seed ^ SALT_ATC ^ ((uint64_t)id << 20)));
}

int invt_mvtd_set_devtlb_timeout(struct invt_mvtd *m, uint32_t id, bool on)
{
	struct invt_mdev *d = mvtd_find_dev(m, id);

	if (!d)
		return -ENODEV;
	/* Relaxed: see exec_devtlb(). */
	__atomic_store_n(&d->atc_timeout, on ? 1 : 0, __ATOMIC_RELAXED);
	return 0;
}

void invt_mvtd_stats(struct invt_mvtd *m, struct invt_mvtd_stats *st)
{
	memset(st, 0, sizeof(*st));
	/*
	 * The unit's counters are one snapshot (unit lock); the consumer's are
	 * atomic counters read after it, and the IOTLB's are the cache's own
	 * snapshot (it takes the same lock, not recursively).
	 */
	invt_cache_lock(m->iotlb);
	memcpy(st->by_op, m->by_op, sizeof(st->by_op));
	st->translations = m->translations;
	st->walks = m->walks;
	st->cfg_fetches = m->cfg_fetches;
	invt_cache_unlock(m->iotlb);
	st->consumed = __atomic_load_n(&m->hq.consumed, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&m->hq.errors, __ATOMIC_RELAXED);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
	st->clock_ns = vtd_hw_queue_clock(&m->hq);
	invt_cache_stats(m->iotlb, &st->iotlb);
}

uint32_t invt_mvtd_cost_ns(const struct invt_mvtd *m, unsigned int op_index)
{
	/* Set before the consumer first ran, never written after. */
	return op_index < INVT_MVTD_NR_OPS ? m->hq.cost_ns[op_index] : 0;
}

unsigned int invt_mvtd_op_index(const void *cmd)
{
	uint64_t qw[4];

	vtd_hw_load_le(cmd, 2, qw);
	return vtd_hw_op_index(qw[0]);
}

const char *invt_mvtd_op_name(unsigned int op_index)
{
	return vtd_hw_op_name(op_index);
}

int invt_mvtd_describe(const void *cmd, char *buf, size_t len)
{
	const struct vtd_hw_caps all = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
	struct vtd_hw_desc d;
	uint64_t qw[4];
	int rc;

	vtd_hw_load_le(cmd, 2, qw);
	rc = vtd_hw_decode(qw, false, &all, &d, NULL);
	if (rc) {
		snprintf(buf, len, "INVALID qw0=0x%016llx qw1=0x%016llx iqei=%d",
			 (unsigned long long)qw[0], (unsigned long long)qw[1], rc);
		return -EINVAL;
	}
	return vtd_hw_describe(&d, buf, len);
}
