// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-vtd.c - the scenario's VT-d: a modelled remapping unit
 * (model-vtd.h) with the driver on the core (vtd-driver.h) in front of it.
 * Scalable mode, 256-bit descriptors; stage-1 domains are first-stage
 * (DID + PASID tags), stage-2 domains second-stage (DID tags).
 * "Range invalidation" in the scenario's terms is CAP.PSI (page-selective
 * invalidation, MAMV 9: up to 2 MiB per descriptor).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/vtd.h>
#include <invtrack/vtd-driver.h>

#include "scenario-internal.h"

static void vtd_trace(void *arg, uint32_t instance, const uint64_t qw[4], unsigned int outcome)
{
	scn_trace_hash(arg, instance, qw, 4, outcome);
}

/* The driver of unit @i: a probe, as at boot or after a removal. */
static int vtd_drv_up(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	struct invt_vtd_config dc = {
		/* 128 << QS descriptors: QS 0 is the smallest queue there is. */
		.id = i, .queue_qs = scn_queue_log2(s->p) > 7 ? scn_queue_log2(s->p) - 7 : 0,
		.ats = true, .mem = &s->dma_ops, .hooks = &s->hooks,
		.regs = invt_mvtd_regs(s->inst[i].hw),
	};
	struct invt_vtd *vtd = calloc(1, sizeof(*vtd));
	int ret;

	if (!vtd)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	ret = invt_vtd_init(vtd, &s->ctx, &dc);
	if (ret) {
		free(vtd);
		return snprintf(err, errlen, "instance %u: driver: %s", i, strerror(-ret)), ret;
	}
	s->inst[i].drv = vtd;
	s->inst[i].up = true;
	return 0;
}

/* What the driver's invalidation queue went through: full, recoveries. */
static void vtd_count(struct scn *s, struct invt_vtd *vtd)
{
	struct invt_scn_faults *f = &s->res->faults;

	/* Relaxed: the queue's counters are statistics. */
	scn_count(&s->res->queue_full_waits,
		  __atomic_load_n(&vtd->qi.stats.full_waits, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ILL],
		  __atomic_load_n(&vtd->qi.stats.iqe, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ATC_TIMEOUT],
		  __atomic_load_n(&vtd->qi.stats.ite, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ICE],
		  __atomic_load_n(&vtd->qi.stats.ice, __ATOMIC_RELAXED));
}

/*
 * The end of the run: an ICE does not stop the queue, so the driver hears
 * of one at its next poll (a real one: at the fault interrupt); poll once.
 */
static void vtd_drv_stats(struct scn *s, unsigned int i)
{
	struct invt_vtd *vtd = s->inst[i].drv;

	if (!vtd)
		return;
	invt_vtd_qi_poll(&vtd->qi);
	vtd_count(s, vtd);
}

static uint64_t vtd_hw_faults(struct scn *s, unsigned int i, uint64_t *injected)
{
	struct invt_mvtd_stats st;

	invt_mvtd_stats(s->inst[i].hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

/* Unit @i's driver goes (its masters are gone); the modelled unit stays. */
static int vtd_drv_down(struct scn *s, unsigned int i)
{
	int ret = invt_vtd_destroy(s->inst[i].drv);

	if (ret)
		return ret;
	vtd_count(s, s->inst[i].drv);	/* its counters outlive the destroy */
	free(s->inst[i].drv);
	s->inst[i].drv = NULL;
	s->inst[i].up = false;
	return 0;
}

static int vtd_inst_init(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	const struct invt_scn_params *p = s->p;
	struct invt_mvtd_config mc = {
		.id = i, .psi = p->ril, .mamv = 9, .nd = 2, .ats = true, .pasid = true,
		.pasid_bits = 20, .flts = true, .slts = true, .threaded = p->threaded,
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.iotlb_tag = p->iotlb_by_tags ? INVT_MVTD_TAG_DID : INVT_MVTD_TAG_SID,
		.seed = p->seed * 31 + i, .cost_ns = p->cost_ns, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s,
		.trace = p->threaded ? NULL : vtd_trace, .trace_arg = s,
	};
	struct invt_mvtd *hw;
	int ret;

	ret = invt_mvtd_create(&mc, s->mem, s->oracle, &hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	s->inst[i].hw = hw;
	ret = invt_mvtd_start(hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	return vtd_drv_up(s, i, err, errlen);
}

static void vtd_inst_destroy(struct scn *s, unsigned int i)
{
	if (s->inst[i].up)
		invt_vtd_destroy(s->inst[i].drv);
	free(s->inst[i].drv);
	invt_mvtd_destroy(s->inst[i].hw);
	s->inst[i] = (struct scn_inst){ 0 };
}

static void vtd_inst_stats(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			    uint64_t *errors)
{
	struct invt_mvtd_stats st;
	unsigned int op;

	invt_mvtd_stats(s->inst[i].hw, &st);
	*consumed = st.consumed;
	*errors = st.errors;
	for (op = 0; by_op && op < 256; op++)
		by_op[op] = st.by_op[op];
}

static uint32_t vtd_cost_ns(struct scn *s, unsigned int i, unsigned int op)
{
	return invt_mvtd_cost_ns(s->inst[i].hw, op);
}

static int vtd_domain_init(struct scn *s, struct scn_domain *d)
{
	struct invt_vtd_domain *vd = calloc(1, sizeof(*vd));
	int ret;

	if (!vd)
		return -ENOMEM;
	ret = invt_vtd_domain_init(vd, &s->ctx, d->s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
				   &d->ops.ops);
	if (ret) {
		free(vd);
		return ret;
	}
	d->drv = vd;
	d->dom = &vd->dom;
	d->pt = &vd->pt;
	return 0;
}

static int vtd_domain_destroy(struct scn *s, struct scn_domain *d)
{
	int ret = invt_vtd_domain_destroy(d->drv);

	if (!ret)
		free(d->drv);
	return ret;
}

static int vtd_device_init(struct scn *s, struct scn_device *dv)
{
	struct invt_vtd_master *m = calloc(1, sizeof(*m));
	struct invt_vtd_attach *a = calloc(1, sizeof(*a));
	int ret = -ENOMEM;

	if (!m || !a)
		goto fail;
	/* A re-plugged device is the one the unit had. */
	ret = dv->hw_dev ? 0 : invt_mvtd_add_device(s->inst[dv->inst].hw, dv->sid,
						     dv->ats ? SCN_ATC_ENTRIES : 0);
	dv->hw_dev |= !ret;
	if (!ret)
		ret = invt_vtd_master_init(m, s->inst[dv->inst].drv, &dv->sid, 1, dv->nr_ssids,
					   dv->ats);
	if (ret)
		goto fail;
	dv->drv = m;
	dv->tx = a;
	return 0;
fail:
	free(m);
	free(a);
	return ret;
}

static int vtd_device_destroy(struct scn *s, struct scn_device *dv)
{
	int ret = invt_vtd_master_destroy(dv->drv);

	if (!ret) {
		free(dv->drv);
		free(dv->tx);
	}
	return ret;
}

static int vtd_prepare(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d)
{
	return invt_vtd_attach_prepare(dv->tx, dv->drv, ssid, d ? d->drv : NULL);
}

static int vtd_install(struct scn *s, struct scn_device *dv)
{
	return invt_vtd_attach_install(dv->tx);
}

static void vtd_commit(struct scn *s, struct scn_device *dv)
{
	invt_vtd_attach_commit(dv->tx);
}

static void vtd_abort(struct scn *s, struct scn_device *dv)
{
	invt_vtd_attach_abort(dv->tx);
}

static int vtd_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write)
{
	return invt_mvtd_dma(s->inst[dv->inst].hw, dv->sid, ssid, iova, write);
}

/*
 * Linux (v6.12, drivers/iommu/intel/cache.c, cache_tag_flush_range()): one
 * descriptor per cache tag - an IOTLB tag per (unit, DID, PASID) gets a
 * PASID-based IOTLB invalidation (first stage) or an IOTLB PSI/DSI (second
 * stage), a device-TLB tag a (PASID) device-TLB invalidation - gathered in
 * one batch per unit, which qi_batch_flush_descs() submits with a wait
 * descriptor and waits for before the next unit: the same descriptors as
 * invtrack, one wait per unit, none overlapped.
 */
static void vtd_linux_count(const struct invt_invs *invs, const struct invt_range *r,
			    uint64_t *cmds, uint64_t *waits)
{
	const struct invt_iommu *cur = NULL;
	size_t n = invs->num_invs, i;
	uint64_t syncs;

	invt_vtd_plan_count(invs, r, cmds, &syncs);
	/* invtrack separates phases with fenced waits; Linux one wait per unit. */
	*cmds -= syncs;
	*waits = 0;
	for (i = 0; i < n; i++) {
		const struct invt_inv *e = &invs->inv[i];

		if (!e->iommu || !e->users || e->iommu == cur)
			continue;
		cur = e->iommu;
		(*cmds)++;
		(*waits)++;
	}
}

static unsigned int vtd_op_index(const void *cmd)
{
	return invt_mvtd_op_index(cmd);
}

static const char *vtd_op_name(unsigned int op)
{
	return invt_mvtd_op_name(op);
}

static void put_le64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static int vtd_describe(const uint64_t *w, unsigned int nwords, char *buf, size_t len)
{
	uint8_t b[32] = { 0 };
	unsigned int i;

	for (i = 0; i < nwords && i < 4; i++)
		put_le64(b + 8 * i, w[i]);
	if (invt_mvtd_describe(b, buf, len) < 0)
		return -EINVAL;
	return (int)invt_mvtd_op_index(b);
}

/* The defaults of a model unit made for the purpose. */
static void vtd_cost_defaults(uint32_t *cost)
{
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
	struct invt_mvtd_config vc = { .iotlb_sets = 1, .iotlb_ways = 1, .cfg_entries = 1 };
	struct invt_oracle *o = NULL;
	struct invt_mem *mem = NULL;
	struct invt_mvtd *m = NULL;
	unsigned int op;

	memset(cost, 0, 256 * sizeof(*cost));
	if (!invt_mem_create(&mc, &mem) && !invt_oracle_create(&oc, mem, &o) &&
	    !invt_mvtd_create(&vc, mem, o, &m))
		for (op = 0; op < 256; op++)
			cost[op] = invt_mvtd_cost_ns(m, op);
	invt_mvtd_destroy(m);
	invt_oracle_destroy(o);
	invt_mem_destroy(mem);
}

const struct scn_arch scn_arch_vtd = {
	.name = "vtd",
	.inst_init = vtd_inst_init,
	.inst_destroy = vtd_inst_destroy,
	.drv_up = vtd_drv_up,
	.drv_down = vtd_drv_down,
	.drv_stats = vtd_drv_stats,
	.hw_faults = vtd_hw_faults,
	.inst_stats = vtd_inst_stats,
	.cost_ns = vtd_cost_ns,
	.domain_init = vtd_domain_init,
	.domain_destroy = vtd_domain_destroy,
	.device_init = vtd_device_init,
	.device_destroy = vtd_device_destroy,
	.prepare = vtd_prepare,
	.install = vtd_install,
	.commit = vtd_commit,
	.abort = vtd_abort,
	.dma = vtd_dma,
	.plan_count = invt_vtd_plan_count,
	.linux_count = vtd_linux_count,
	.op_index = vtd_op_index,
	.op_name = vtd_op_name,
	.describe = vtd_describe,
	.cost_defaults = vtd_cost_defaults,
	.cmd_words = 4,
	.sync_op = INVT_VTD_DESC_WAIT,
};
