// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-riscv.c - the scenario's RISC-V IOMMU: a modelled IOMMU
 * (model-riscv.h) with the driver on the core (riscv-driver.h) in front of
 * it.  PSCIDs come from one space shared by every instance, as Linux
 * allocates them; GSCIDs are per instance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/riscv.h>
#include <invtrack/riscv-driver.h>

#include "scenario-internal.h"

/* Per scenario: the shared PSCID space. */
struct rv_glue {
	struct invt_tag_space pscids;
	bool pscids_up;
};

static void rv_trace(void *arg, uint32_t instance, const uint64_t dw[2], unsigned int err)
{
	scn_trace_hash(arg, instance, dw, 2, err);
}

/* The driver of IOMMU @i: a probe, as at boot or after a removal. */
static int rv_drv_up(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	struct rv_glue *g = s->glue;
	struct invt_rv_config dc = {
		.id = i, .cmdq_log2size = scn_queue_log2(s->p), .caps = { .napot = s->p->ril }, .ats = true,
		.mem = &s->dma_ops, .hooks = &s->hooks, .pscids = &g->pscids,
		.regs = invt_mrv_regs(s->inst[i].hw),
	};
	struct invt_rv *rv = calloc(1, sizeof(*rv));
	int ret;

	if (!rv)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	ret = invt_rv_init(rv, &s->ctx, &dc);
	if (ret) {
		free(rv);
		return snprintf(err, errlen, "instance %u: driver: %s", i, strerror(-ret)), ret;
	}
	s->inst[i].drv = rv;
	s->inst[i].up = true;
	return 0;
}

/* What the driver's command queue went through: full, recoveries. */
static void rv_count(struct scn *s, struct invt_rv *rv)
{
	struct invt_scn_faults *f = &s->res->faults;

	/* Relaxed: the queue's counters are statistics. */
	scn_count(&s->res->queue_full_waits,
		  __atomic_load_n(&rv->cmdq.stats.full_waits, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ILL],
		  __atomic_load_n(&rv->cmdq.stats.ill, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ATC_TIMEOUT],
		  __atomic_load_n(&rv->cmdq.stats.cmd_to, __ATOMIC_RELAXED));
}

static void rv_drv_stats(struct scn *s, unsigned int i)
{
	if (s->inst[i].drv)
		rv_count(s, s->inst[i].drv);
}

static uint64_t rv_hw_faults(struct scn *s, unsigned int i, uint64_t *injected)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(s->inst[i].hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

/* IOMMU @i's driver goes (its masters are gone); the modelled IOMMU stays. */
static int rv_drv_down(struct scn *s, unsigned int i)
{
	int ret = invt_rv_destroy(s->inst[i].drv);

	if (ret)
		return ret;
	rv_count(s, s->inst[i].drv);	/* its counters outlive the destroy */
	free(s->inst[i].drv);
	s->inst[i].drv = NULL;
	s->inst[i].up = false;
	return 0;
}

static int rv_inst_init(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	const struct invt_scn_params *p = s->p;
	struct invt_mrv_config mc = {
		.id = i, .ats = true, .napot = p->ril, .nl = false, .threaded = p->threaded,
		.ack_lag = 2,	/* ddtp / cqon acknowledgements lag: the driver waits */
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.iotlb_tag = p->iotlb_by_tags ? INVT_MRV_TAG_SCID : INVT_MRV_TAG_DEVICE,
		.seed = p->seed * 31 + i, .cost_ns = p->cost_ns, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s,
		.trace = p->threaded ? NULL : rv_trace, .trace_arg = s,
	};
	struct rv_glue *g = s->glue;
	struct invt_mrv *hw;
	int ret;

	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return snprintf(err, errlen, "out of memory"), -ENOMEM;
		s->glue = g;
		ret = invt_rv_pscid_space_init(&g->pscids);
		if (ret)
			return snprintf(err, errlen, "PSCID space: %s", strerror(-ret)), ret;
		g->pscids_up = true;
	}
	ret = invt_mrv_create(&mc, s->mem, s->oracle, &hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	s->inst[i].hw = hw;
	ret = invt_mrv_start(hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	return rv_drv_up(s, i, err, errlen);
}

static void rv_inst_destroy(struct scn *s, unsigned int i)
{
	struct rv_glue *g = s->glue;

	if (s->inst[i].up)
		invt_rv_destroy(s->inst[i].drv);
	free(s->inst[i].drv);
	invt_mrv_destroy(s->inst[i].hw);
	s->inst[i] = (struct scn_inst){ 0 };
	/* The last instance gone: the shared space goes (the scenario frees g). */
	if (g && g->pscids_up && i + 1 == s->p->instances) {
		invt_tag_space_destroy(&g->pscids);
		g->pscids_up = false;
	}
}

static void rv_inst_stats(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			    uint64_t *errors)
{
	struct invt_mrv_stats st;
	unsigned int op;

	invt_mrv_stats(s->inst[i].hw, &st);
	*consumed = st.consumed;
	*errors = st.errors;
	for (op = 0; by_op && op < 256; op++)
		by_op[op] = st.by_op[op];
}

static void rv_inst_events(struct scn *s, unsigned int i, struct invt_scn_result *res)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(s->inst[i].hw, &st);
	res->handshake_errors += st.handshake_errors;
}

static uint32_t rv_cost_ns(struct scn *s, unsigned int i, unsigned int op)
{
	return invt_mrv_cost_ns(s->inst[i].hw, op);
}

static int rv_domain_init(struct scn *s, struct scn_domain *d)
{
	struct invt_rv_domain *rd = calloc(1, sizeof(*rd));
	int ret;

	if (!rd)
		return -ENOMEM;
	ret = invt_rv_domain_init(rd, &s->ctx, d->s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
				  &d->ops.ops);
	if (ret) {
		free(rd);
		return ret;
	}
	d->drv = rd;
	d->dom = &rd->dom;
	d->pt = &rd->pt;
	return 0;
}

static int rv_domain_destroy(struct scn *s, struct scn_domain *d)
{
	int ret = invt_rv_domain_destroy(d->drv);

	if (!ret)
		free(d->drv);
	return ret;
}

static int rv_device_init(struct scn *s, struct scn_device *dv)
{
	struct invt_rv_master *m = calloc(1, sizeof(*m));
	struct invt_rv_attach *a = calloc(1, sizeof(*a));
	int ret = -ENOMEM;

	if (!m || !a)
		goto fail;
	/* A re-plugged device is the one the IOMMU had. */
	ret = dv->hw_dev ? 0 : invt_mrv_add_device(s->inst[dv->inst].hw, dv->sid,
						    dv->ats ? SCN_ATC_ENTRIES : 0);
	dv->hw_dev |= !ret;
	if (!ret)
		ret = invt_rv_master_init(m, s->inst[dv->inst].drv, &dv->sid, 1, dv->nr_ssids,
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

static int rv_device_destroy(struct scn *s, struct scn_device *dv)
{
	int ret = invt_rv_master_destroy(dv->drv);

	if (!ret) {
		free(dv->drv);
		free(dv->tx);
	}
	return ret;
}

static int rv_prepare(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d)
{
	return invt_rv_attach_prepare(dv->tx, dv->drv, ssid, d ? d->drv : NULL);
}

static int rv_install(struct scn *s, struct scn_device *dv)
{
	return invt_rv_attach_install(dv->tx);
}

static void rv_commit(struct scn *s, struct scn_device *dv)
{
	invt_rv_attach_commit(dv->tx);
}

static void rv_abort(struct scn *s, struct scn_device *dv)
{
	invt_rv_attach_abort(dv->tx);
}

static int rv_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write)
{
	return invt_mrv_dma(s->inst[dv->inst].hw, dv->sid, ssid, iova, write);
}

/*
 * Linux (v6.12, drivers/iommu/riscv/iommu.c, riscv_iommu_iotlb_inv()): for
 * each IOMMU the domain is bonded to, one IOTINVAL.VMA per 4 KiB page when
 * the range is under 2 MiB (RISCV_IOMMU_IOTLB_INVAL_LIMIT), else one for the
 * whole PSCID, whether or not page tables were freed; then an IOFENCE.C to
 * every IOMMU, waited for after all were sent.  No ATS.INVAL (ATS is not
 * supported there) and no second-stage domains: G-stage entries are costed
 * by the same rule, as if it had them.
 */
static void rv_linux_count(const struct invt_invs *invs, const struct invt_range *r,
			   uint64_t *cmds, uint64_t *waits)
{
	size_t n = invs->num_invs, i;
	const struct invt_iommu *cur = NULL;
	uint64_t pages = r->all ? UINT64_MAX : ((r->last >> 12) - (r->start >> 12) + 1);
	bool any = false;

	*cmds = 0;
	*waits = 0;
	for (i = 0; i <= n; i++) {
		const struct invt_inv *e = i < n ? &invs->inv[i] : NULL;

		if (!e || e->iommu != cur) {
			if (any) {
				(*cmds)++;	/* the IOFENCE.C */
				(*waits)++;
			}
			any = false;
			cur = e ? e->iommu : NULL;
		}
		if (!e || !e->iommu || !e->users)
			continue;
		if (e->type == INVT_INV_IOTLB_S1 || e->type == INVT_INV_IOTLB_S2) {
			*cmds += pages < INVT_RV_DEFAULT_MAX_PAGES ? pages : 1;
			any = true;
		} else if (e->type == INVT_INV_IOTLB_S2_S1_CLEAR) {
			(*cmds)++;
			any = true;
		}
	}
}

static const char *rv_op_name(unsigned int op)
{
	return invt_mrv_op_name(op);
}

static void put_le64(uint8_t *b, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static unsigned int rv_op_index(const void *cmd)
{
	return invt_mrv_op_index(cmd);
}

static int rv_describe(const uint64_t *w, unsigned int nwords, char *buf, size_t len)
{
	uint8_t b[16];

	put_le64(b, w[0]);
	put_le64(b + 8, nwords > 1 ? w[1] : 0);
	if (invt_mrv_describe(b, buf, len) < 0)
		return -EINVAL;
	return (int)invt_mrv_op_index(b);
}

/* The defaults of a model instance made for the purpose. */
static void rv_cost_defaults(uint32_t *cost)
{
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
	struct invt_mrv_config rc = { .iotlb_sets = 1, .iotlb_ways = 1, .cfg_entries = 1 };
	struct invt_oracle *o = NULL;
	struct invt_mem *mem = NULL;
	struct invt_mrv *m = NULL;
	unsigned int op;

	memset(cost, 0, 256 * sizeof(*cost));
	if (!invt_mem_create(&mc, &mem) && !invt_oracle_create(&oc, mem, &o) &&
	    !invt_mrv_create(&rc, mem, o, &m))
		for (op = 0; op < 256; op++)
			cost[op] = invt_mrv_cost_ns(m, op);
	invt_mrv_destroy(m);
	invt_oracle_destroy(o);
	invt_mem_destroy(mem);
}

const struct scn_arch scn_arch_riscv = {
	.name = "riscv",
	.inst_init = rv_inst_init,
	.inst_destroy = rv_inst_destroy,
	.drv_up = rv_drv_up,
	.drv_down = rv_drv_down,
	.drv_stats = rv_drv_stats,
	.hw_faults = rv_hw_faults,
	.inst_stats = rv_inst_stats,
	.inst_events = rv_inst_events,
	.cost_ns = rv_cost_ns,
	.domain_init = rv_domain_init,
	.domain_destroy = rv_domain_destroy,
	.device_init = rv_device_init,
	.device_destroy = rv_device_destroy,
	.prepare = rv_prepare,
	.install = rv_install,
	.commit = rv_commit,
	.abort = rv_abort,
	.dma = rv_dma,
	.plan_count = invt_rv_plan_count,
	.linux_count = rv_linux_count,
	.op_index = rv_op_index,
	.op_name = rv_op_name,
	.describe = rv_describe,
	.cost_defaults = rv_cost_defaults,
	.cmd_words = 2,
	.sync_op = INVT_RV_OP_IOFENCE | INVT_RV_FUNC_C << 5,
};
