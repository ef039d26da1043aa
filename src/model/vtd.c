// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vtd.c - a modelled Intel VT-d unit (<invtrack/model/vtd.h>): the shared
 * modelled unit (unit.c, unit-xlate.c) with VT-d's registers at reset, its
 * invalidation queue consumer (src/arch/vtd/hw-queue.c) and the executor of
 * its descriptors.  The configuration fetch is in vtd-xlate.c.
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

/* CAP.SAGAW bits (§11.4.2): bit 2 4-level (48-bit), bit 3 5-level (57-bit). */
#define SAGAW_4LVL	(1ull << 2)
#define SAGAW_5LVL	(1ull << 3)

/* Every type a pending invalidation has: a wait descriptor completes them. */
#define PEND_ALL	(1u << VTD_HW_IOTLB_INV | 1u << VTD_HW_PIOTLB_INV | \
			 1u << VTD_HW_CC_INV | 1u << VTD_HW_PC_INV)

_Static_assert(sizeof(struct vtd_hw_cfg_scope) <= sizeof(((struct invt_munit_pending *)0)->scope),
	       "a VT-d cache invalidation's scope fits a pending entry");

/* Count and trace one executed descriptor.  Unit lock held. */
static void account_locked(struct invt_mvtd *m, const uint64_t qw[4], unsigned int outcome)
{
	invt_munit_account_locked(&m->u, vtd_hw_op_index(qw[0]), qw, outcome);
}

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
	int ret = VTD_HW_EXEC_OK;

	invt_cache_lock(m->u.iotlb);
	invt_munit_complete_locked(&m->u, devtlb_waits_for(d->type), UINT64_MAX);
	invt_cache_unlock(m->u.iotlb);
	if (invt_munit_atc_inv(&m->u, plan->sid, &plan->match))
		ret = VTD_HW_EXEC_TIMEOUT;
	invt_cache_lock(m->u.iotlb);
	account_locked(m, qw, ret ? INVT_MVTD_TRACE_ITE : INVT_MVTD_TRACE_OK);
	invt_cache_unlock(m->u.iotlb);
	/* Device activity while invalidations not ordered before it are pending. */
	invt_munit_atc_window(&m->u, plan->sid, d->type == VTD_HW_PDEVTLB_INV ? d->pasid : 0,
			      plan->match.start);
	return ret;
}

/* Queue an executed invalidation until it completes.  Unit lock held. */
static void pend_locked(struct invt_mvtd *m, const struct vtd_hw_desc *d,
			const struct vtd_hw_exec *plan)
{
	struct invt_munit_pending p;

	memset(&p, 0, sizeof(p));
	p.type = d->type;
	if (plan->kind == VTD_HW_EXEC_TLB) {
		p.match = plan->match;
		/* A PSI's first-stage scope: a second pending of the same type. */
		if (plan->has_fs) {
			invt_munit_pend_locked(&m->u, &p);
			p.match = plan->match_fs;
		}
	} else {
		p.cfg = true;
		memcpy(p.scope, &plan->cfg, sizeof(plan->cfg));
	}
	invt_munit_pend_locked(&m->u, &p);
}

static int mvtd_exec(void *arg, const struct vtd_hw_desc *d, const uint64_t qw[4],
		     enum vtd_hw_event ev, unsigned int iqei)
{
	struct invt_mvtd *m = arg;
	struct vtd_hw_exec plan;

	if (ev != VTD_HW_EV_EXEC || vtd_hw_exec_plan(d, m->cfg.psi, &plan)) {
		/* Rejected, aborted (or, not reachable, a type with no plan). */
		invt_cache_lock(m->u.iotlb);
		invt_munit_trace(&m->u, qw, ev == VTD_HW_EV_ABORTED ? INVT_MVTD_TRACE_ABORTED :
								     INVT_MVTD_TRACE_IQE);
		invt_cache_unlock(m->u.iotlb);
		return VTD_HW_EXEC_OK;
	}
	if (plan.kind == VTD_HW_EXEC_DEVTLB)
		return exec_devtlb(m, &plan, d, qw);

	invt_cache_lock(m->u.iotlb);
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
		invt_munit_complete_locked(&m->u, PEND_ALL, UINT64_MAX);
		break;
	default:	/* interrupt entry cache: nothing modelled */
		break;
	}
	account_locked(m, qw, INVT_MVTD_TRACE_OK);
	invt_cache_unlock(m->u.iotlb);
	return VTD_HW_EXEC_OK;
}

INVT_MUNIT_QUEUE_OPS(mvtd, struct invt_mvtd, vtd_hw_queue)
INVT_MUNIT_ACK_OPS(mvtd, struct invt_mvtd)

/*
 * A fault record (the Fault Recording Register layout, 16 bytes):
 * FI [63:12] the page of the faulting address, SID [79:64], PP [95] and
 * PV [123:104] the PASID, FR [103:96] the reason, T [126] (1: a read), F
 * [127].  Scalable-mode reasons: 0x71 first-stage entry not present, 0x77
 * first-stage write permission in a nested translation, 0x79 second-stage
 * read / write permission (not present), 0x85 no write permission.  The
 * drivers leave FPD clear (faults are recorded).
 */
static size_t mvtd_fault_record(const struct invt_munit_fault_info *f, uint8_t *rec)
{
	uint64_t hi, fr;

	switch (f->where) {
	case INVT_MDEV_FAULT_S2:
	case INVT_MDEV_FAULT_S2_TABLE:
		fr = 0x79;
		break;
	case INVT_MDEV_FAULT_PERM:
		fr = f->nested ? 0x77 : 0x85;
		break;
	default:
		fr = 0x71;
		break;
	}
	hi = (f->sid & 0xffff) | fr << 32 | (f->write ? 0 : UINT64_C(1) << 62) | UINT64_C(1) << 63;
	if (f->ssid)
		hi |= UINT64_C(1) << 31 | (uint64_t)(f->ssid & 0xfffff) << 40;
	invt_munit_put_le64(rec, f->iova & ~UINT64_C(0xfff));
	invt_munit_put_le64(rec + 8, hi);
	return 16;
}

static const struct invt_munit_ops mvtd_ops = {
	.fault_record = mvtd_fault_record,
	.cfg_fetch = mvtd_cfg_fetch,
	.cfg_in_scope = mvtd_cfg_in_scope,
	.enabled = mvtd_enabled,
	.leaf = mvtd_leaf,
	.walk_cache_root = true,
	.queue_start = mvtd_queue_start,
	.queue_stop = mvtd_queue_stop,
	.queue_destroy = mvtd_queue_destroy,
	.queue_clock = mvtd_queue_clock,
};

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
	if (c->nest)
		ecap |= INVT_VTD_ECAP_NEST;
	m->regs.cap = cap;
	m->regs.ecap = ecap;
}

int invt_mvtd_create(const struct invt_mvtd_config *cfg, struct invt_mem *mem,
		     struct invt_oracle *oracle, struct invt_mvtd **out)
{
	struct invt_munit_params up;
	struct vtd_hw_queue_exec exec;
	struct vtd_hw_caps caps;
	struct invt_mvtd *m;
	int ret;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > INVT_MUNIT_MAX_CFG_ENTRIES || cfg->mamv > 63 || cfg->nd > 6 ||
	    cfg->pasid_bits > 20 || cfg->iotlb_tag > INVT_MVTD_TAG_DID || cfg->gsts_lag > 1000 ||
	    (cfg->nest && (!cfg->flts || !cfg->slts)))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->cfg.cost_ns = NULL;		/* copied into the consumer below */
	up = (struct invt_munit_params){
		INVT_MUNIT_PARAMS_OF(cfg), .atc_name = "devtlb",
		.tag = cfg->iotlb_tag == INVT_MVTD_TAG_SID ? INVT_MUNIT_TAG_SID :
							    INVT_MUNIT_TAG_DOMAIN,
	};
	ret = invt_munit_init(&m->u, &up, &mvtd_ops, mem, oracle);
	if (ret) {
		free(m);
		return ret;
	}
	mvtd_reset_caps(m);

	caps.feat = (cfg->ats ? VTD_HW_FEAT_DT : 0) | (cfg->pasid ? VTD_HW_FEAT_SM : 0) |
		    (cfg->psi ? VTD_HW_FEAT_PSI : 0);
	caps.mamv = cfg->mamv;
	exec = (struct vtd_hw_queue_exec){
		.exec = mvtd_exec, .ack_begin = mvtd_ack_begin, .ack_end = mvtd_ack_end,
		.arg = m,
	};
	vtd_hw_queue_init(&m->hq, &m->regs, mem, &caps, &exec,
			  cfg->threaded ? VTD_HW_QUEUE_THREADED : VTD_HW_QUEUE_INLINE);
	if (cfg->consumer_only)
		m->regs.consume = NULL;	/* completion waits for the consumer thread */
	if (cfg->cost_ns)
		memcpy(m->hq.cost_ns, cfg->cost_ns, sizeof(m->hq.cost_ns));
	vtd_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	m->hq.global_cmd = true;
	m->hq.gsts_lag = cfg->gsts_lag ? cfg->gsts_lag : 2;
	invt_munit_set_queue(&m->u, m->hq.cost_ns, VTD_HW_NR_OPS, &m->hq.consumed, &m->hq.errors,
			     NULL);
	*out = m;
	return 0;
}

/* invt_mvtd_destroy(), _iotlb(), _start(), _stop(), _dma(). */
INVT_MUNIT_PUBLIC_API(mvtd, struct invt_mvtd)

struct invt_vtd_regs *invt_mvtd_regs(struct invt_mvtd *m)
{
	return &m->regs;
}

int invt_mvtd_add_device(struct invt_mvtd *m, uint32_t id, unsigned int atc_entries)
{
	if (id > 0xffff)
		return -EINVAL;		/* a requester id is 16 bits */
	return invt_munit_add_device(&m->u, id, atc_entries);
}

int invt_mvtd_set_devtlb_timeout(struct invt_mvtd *m, uint32_t id, bool on)
{
	return invt_munit_set_atc_timeout(&m->u, id, on);
}

void invt_mvtd_stats(struct invt_mvtd *m, struct invt_mvtd_stats *st)
{
	struct invt_munit_stats us;

	invt_munit_stats(&m->u, &us);
	memset(st, 0, sizeof(*st));
	INVT_MUNIT_STATS_COPY(st, &us);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
}

uint32_t invt_mvtd_cost_ns(const struct invt_mvtd *m, unsigned int op_index)
{
	return invt_munit_cost_ns(&m->u, op_index);
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
