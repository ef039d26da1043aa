// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-smmuv3.c - the scenario's SMMUv3: a modelled SMMU (model-smmuv3.h)
 * with the driver on the core (smmuv3-driver.h) in front of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/smmuv3.h>
#include <invtrack/smmuv3-driver.h>

#include "hw.h"
#include "hw-queue.h"
#include "scenario-internal.h"

/*
 * CR0 / GBPA acknowledgements lag by this many ticks: a driver that does
 * not wait for them is caught (strict, as real hardware may be).
 */
#define SCN_ACK_LAG	2

/* What the glue keeps per scenario: the SMMUv3-shaped memory ops and hooks. */
struct smmu_glue {
	struct invt_smmu_mem_ops mem;
	struct invt_smmu_hooks hooks;
};

static void *glue_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct scn *s = arg;

	return s->dma_ops.alloc(s->dma_ops.arg, bytes, pa);
}

static void glue_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct scn *s = arg;

	s->dma_ops.free(s->dma_ops.arg, va, pa, bytes);
}

static void glue_submitted(void *arg, struct invt_smmu *smmu, const void *cmds, uint32_t n)
{
	scn_on_submitted(arg, smmu->iommu.id, cmds, n, INVT_SMMU_CMD_BYTES);
}

static void glue_waited(void *arg, struct invt_smmu *smmu)
{
	scn_on_waited(arg);
}

static void glue_written(void *arg, struct invt_smmu *smmu, uint64_t index, const void *slot)
{
	scn_on_written(arg, smmu->iommu.id, slot, INVT_SMMU_CMD_BYTES);
}

static void glue_trace(void *arg, uint32_t instance, const uint64_t dw[2], unsigned int cerror)
{
	scn_trace_hash(arg, instance, dw, 2, cerror);
}

/* Created with the first instance, freed by the scenario's teardown. */
static struct smmu_glue *glue(struct scn *s)
{
	if (!s->glue) {
		struct smmu_glue *g = calloc(1, sizeof(*g));

		if (!g)
			return NULL;
		g->mem = (struct invt_smmu_mem_ops){ glue_alloc, glue_free, s };
		g->hooks = (struct invt_smmu_hooks){
			.submitted = glue_submitted,
			.waited = glue_waited,
			.written = s->hooks.written ? glue_written : NULL,
			.arg = s,
		};
		s->glue = g;
	}
	return s->glue;
}

/*
 * The driver of instance @i over its modelled SMMU: a probe, as at boot or
 * after a removal (what the SMMU supports - RIL, ATS, OAS, table formats - the driver
 * finds in its ID registers).
 */
static int smmu_drv_up(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	struct smmu_glue *g = s->glue;
	struct invt_smmu_config dc = {
		.id = i, .cmdq_log2size = scn_queue_log2(s->p),
		.sid_bits = s->p->smmu_2lvl ? 16 : SCN_SID_BITS,
		.mem = &g->mem, .hooks = &g->hooks, .regs = invt_msmmu_regs(s->inst[i].hw),
	};
	struct invt_smmu *smmu = calloc(1, sizeof(*smmu));
	int ret;

	if (!smmu)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	ret = invt_smmu_init(smmu, &s->ctx, &dc);
	if (ret) {
		free(smmu);
		return snprintf(err, errlen, "instance %u: driver: %s", i, strerror(-ret)), ret;
	}
	s->inst[i].drv = smmu;
	s->inst[i].up = true;
	return 0;
}

/* What the driver's Command queue went through: full, recoveries. */
static void smmu_drv_stats(struct scn *s, unsigned int i)
{
	struct invt_smmu *smmu = s->inst[i].drv;
	struct invt_scn_faults *f = &s->res->faults;

	if (!smmu)
		return;
	/* Relaxed: the queue's counters are statistics. */
	scn_count(&s->res->queue_full_waits,
		  __atomic_load_n(&smmu->cmdq.stats.full_waits, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ILL],
		  __atomic_load_n(&smmu->cmdq.stats.ill, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ATC_TIMEOUT],
		  __atomic_load_n(&smmu->cmdq.stats.atc_inv_sync, __ATOMIC_RELAXED));
}

static uint64_t smmu_hw_faults(struct scn *s, unsigned int i, uint64_t *injected)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(s->inst[i].hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

/* Instance @i's driver goes (its masters are gone); the modelled SMMU stays. */
static int smmu_drv_down(struct scn *s, unsigned int i)
{
	int ret = invt_smmu_destroy(s->inst[i].drv);

	if (ret)
		return ret;
	smmu_drv_stats(s, i);	/* its counters outlive the destroy, not the free */
	free(s->inst[i].drv);
	s->inst[i].drv = NULL;
	s->inst[i].up = false;
	return 0;
}

static int smmu_inst_init(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	const struct invt_scn_params *p = s->p;
	struct smmu_glue *g = glue(s);
	struct invt_msmmu_config mc = {
		.id = i, .ril = p->ril, .ats = p->ats_percent > 0, .oas_bits = p->oas,
		.ack_lag = SCN_ACK_LAG, .threaded = p->threaded,
		.sidsize = 16, .st_2lvl = p->smmu_2lvl, .cd2l = p->smmu_2lvl,
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.seed = p->seed * 31 + i, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s, .cost_ns = p->cost_ns,
		.trace = p->threaded ? NULL : glue_trace, .trace_arg = s,
	};
	struct invt_msmmu *hw;
	int ret;

	if (!g)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	ret = invt_msmmu_create(&mc, s->mem, s->oracle, &hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	s->inst[i].hw = hw;
	ret = invt_msmmu_start(hw);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	return smmu_drv_up(s, i, err, errlen);
}

static void smmu_inst_destroy(struct scn *s, unsigned int i)
{
	if (s->inst[i].up)
		invt_smmu_destroy(s->inst[i].drv);
	free(s->inst[i].drv);
	invt_msmmu_destroy(s->inst[i].hw);
	s->inst[i] = (struct scn_inst){ 0 };
}

static void smmu_inst_stats(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			    uint64_t *errors)
{
	struct invt_msmmu_stats st;
	unsigned int op;

	invt_msmmu_stats(s->inst[i].hw, &st);
	*consumed = st.consumed;
	*errors = st.errors;
	for (op = 0; by_op && op < 256; op++)
		by_op[op] = st.by_op[op];
}

static void smmu_inst_events(struct scn *s, unsigned int i, struct invt_scn_result *res)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(s->inst[i].hw, &st);
	res->xlate_s1 += st.xlate_s1;
	res->xlate_s2 += st.xlate_s2;
	res->bad_ste += st.c_bad_ste;
	res->bad_cd += st.c_bad_cd;
	res->illegal_cfg += st.illegal_ste + st.illegal_cd;
	res->handshake_errors += st.handshake_errors;
}

static uint32_t smmu_cost_ns(struct scn *s, unsigned int i, unsigned int op)
{
	return invt_msmmu_cost_ns(s->inst[i].hw, (uint8_t)op);
}

static int smmu_domain_init(struct scn *s, struct scn_domain *d)
{
	struct invt_smmu_domain *sd = calloc(1, sizeof(*sd));
	int ret;

	if (!sd)
		return -ENOMEM;
	/* Sized by the first SMMU's ID registers; every instance is alike. */
	ret = invt_smmu_domain_init_for(sd, s->inst[0].drv, d->s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
					&d->ops.ops);
	if (ret) {
		free(sd);
		return ret;
	}
	d->drv = sd;
	d->dom = &sd->dom;
	d->pt = &sd->pt;
	return 0;
}

static int smmu_domain_destroy(struct scn *s, struct scn_domain *d)
{
	int ret = invt_smmu_domain_destroy(d->drv);

	if (!ret)
		free(d->drv);
	return ret;
}

static int smmu_device_init(struct scn *s, struct scn_device *dv)
{
	struct invt_smmu_master *m = calloc(1, sizeof(*m));
	struct invt_smmu_attach *a = calloc(1, sizeof(*a));
	int ret = -ENOMEM;

	if (!m || !a)
		goto fail;
	/* A re-plugged device is the one the SMMU had. */
	ret = dv->hw_dev ? 0 : invt_msmmu_add_device(s->inst[dv->inst].hw, dv->sid,
						      dv->ats ? SCN_ATC_ENTRIES : 0);
	dv->hw_dev |= !ret;
	if (!ret)
		ret = invt_smmu_master_init(m, s->inst[dv->inst].drv, &dv->sid, 1, dv->nr_ssids,
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

static int smmu_device_destroy(struct scn *s, struct scn_device *dv)
{
	int ret = invt_smmu_master_destroy(dv->drv);

	if (!ret) {
		free(dv->drv);
		free(dv->tx);
	}
	return ret;
}

static int smmu_prepare(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d)
{
	return invt_smmu_attach_prepare(dv->tx, dv->drv, ssid, d ? d->drv : NULL);
}

static int smmu_install(struct scn *s, struct scn_device *dv)
{
	return invt_smmu_attach_install(dv->tx);
}

static void smmu_commit(struct scn *s, struct scn_device *dv)
{
	invt_smmu_attach_commit(dv->tx);
}

static void smmu_abort(struct scn *s, struct scn_device *dv)
{
	invt_smmu_attach_abort(dv->tx);
}

static int smmu_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write)
{
	return invt_msmmu_dma(s->inst[dv->inst].hw, dv->sid, ssid, iova, write);
}

static unsigned int smmu_op_index(const void *cmd)
{
	return *(const uint8_t *)cmd;	/* the opcode, dw0[7:0] */
}

static const char *smmu_op_name(unsigned int op)
{
	const char *n = smmu_hw_op_name((uint8_t)op);

	return op < 256 && strcmp(n, "CMD_UNKNOWN") ? n : NULL;
}

/* Decode with the hardware-side decoder; print the fields the opcode carries. */
static int smmu_describe(const uint64_t *w, unsigned int nwords, char *buf, size_t len)
{
	uint64_t dw[2] = { w[0], nwords > 1 ? w[1] : 0 };
	struct smmu_hw_cmd c;
	enum smmu_hw_ill why;
	int n;

	if (smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &c, &why)) {
		snprintf(buf, len, "ILLEGAL why=%d", (int)why);
		return -EINVAL;
	}
	n = snprintf(buf, len, "%s", smmu_hw_op_name(c.op));
#define FIELD(cond, fmt, ...) \
	do { \
		if ((cond) && n >= 0 && (size_t)n < len) \
			n += snprintf(buf + n, len - n, " " fmt, __VA_ARGS__); \
	} while (0)
	switch (c.op) {
	case SMMU_HW_OP_CFGI_STE:
	case SMMU_HW_OP_CFGI_STE_RANGE:
	case SMMU_HW_OP_CFGI_CD:
	case SMMU_HW_OP_CFGI_CD_ALL:
		FIELD(1, "sid=%u", c.sid);
		FIELD(c.op == SMMU_HW_OP_CFGI_CD, "ssid=%u", c.ssid);
		FIELD(c.op == SMMU_HW_OP_CFGI_STE_RANGE, "range=%u", c.range);
		FIELD(c.op != SMMU_HW_OP_CFGI_STE_RANGE && c.op != SMMU_HW_OP_CFGI_CD_ALL,
		      "leaf=%d", c.leaf);
		break;
	case SMMU_HW_OP_TLBI_NH_ALL:
	case SMMU_HW_OP_TLBI_S12_VMALL:
		FIELD(1, "vmid=%u", c.vmid);
		break;
	case SMMU_HW_OP_TLBI_NH_ASID:
		FIELD(1, "vmid=%u asid=%u", c.vmid, c.asid);
		break;
	case SMMU_HW_OP_TLBI_NH_VA:
	case SMMU_HW_OP_TLBI_NH_VAA:
	case SMMU_HW_OP_TLBI_S2_IPA:
	case SMMU_HW_OP_TLBI_EL2_VA:
	case SMMU_HW_OP_TLBI_EL2_VAA:
		FIELD(c.op != SMMU_HW_OP_TLBI_EL2_VA && c.op != SMMU_HW_OP_TLBI_EL2_VAA,
		      "vmid=%u", c.vmid);
		FIELD(c.op == SMMU_HW_OP_TLBI_NH_VA || c.op == SMMU_HW_OP_TLBI_EL2_VA,
		      "asid=%u", c.asid);
		FIELD(1, "addr=0x%llx leaf=%d tg=%u num=%u scale=%u ttl=%u",
		      (unsigned long long)c.addr, c.leaf, c.tg, c.num, c.scale, c.ttl);
		break;
	case SMMU_HW_OP_TLBI_EL2_ASID:
		FIELD(1, "asid=%u", c.asid);
		break;
	case SMMU_HW_OP_ATC_INV:
		FIELD(1, "sid=%u ssv=%d", c.sid, c.ssv);
		FIELD(c.ssv, "ssid=%u", c.ssid);
		FIELD(1, "global=%d addr=0x%llx size=%u", c.global, (unsigned long long)c.addr,
		      c.size);
		break;
	case SMMU_HW_OP_PRI_RESP:
		FIELD(1, "sid=%u ssv=%d ssid=%u grpid=%u resp=%u", c.sid, c.ssv, c.ssid, c.grpid,
		      c.resp);
		break;
	case SMMU_HW_OP_RESUME:
		FIELD(1, "sid=%u action=%u stag=%u", c.sid, c.action, c.stag);
		break;
	case SMMU_HW_OP_SYNC:
		FIELD(1, "cs=%u", c.cs);
		FIELD(c.cs == 1, "msiaddr=0x%llx msidata=0x%x", (unsigned long long)c.msiaddr,
		      c.msidata);
		break;
	default:
		break;
	}
#undef FIELD
	return c.op;
}

/*
 * Linux (v6.12, arm-smmu-v3.c): arm_smmu_tlb_inv_range_domain() builds the
 * TLBIs with the same range policy (RIL split; without RIL per granule below
 * CMDQ_MAX_TLBI_OPS = 512 pages, else the whole ASID/VMID) and submits them
 * with a CMD_SYNC it waits for; arm_smmu_atc_inv_domain() then sends the
 * ATC_INVs with a CMD_SYNC it waits for.  Each batch is waited for before
 * the next is built, instance after instance: one wait per non-empty phase.
 * The commands are the plan's; the waits are its syncs.
 */
static void smmu_linux_count(const struct invt_invs *invs, const struct invt_range *r,
			     uint64_t *cmds, uint64_t *waits)
{
	invt_smmu_plan_count(invs, r, cmds, waits);
}

/* The consumer's defaults, read from a consumer set up for the purpose. */
static void smmu_cost_defaults(uint32_t *cost)
{
	struct invt_smmu_regs regs = { 0 };
	struct smmu_hw_queue_exec exec = { 0 };
	struct smmu_hw_queue hq;

	smmu_hw_queue_init(&hq, &regs, 0, &exec, SMMU_HW_QUEUE_INLINE);
	memcpy(cost, hq.cost_ns, 256 * sizeof(*cost));
	smmu_hw_queue_destroy(&hq);
}

const struct scn_arch scn_arch_smmuv3 = {
	.name = "smmuv3",
	.inst_init = smmu_inst_init,
	.inst_destroy = smmu_inst_destroy,
	.drv_up = smmu_drv_up,
	.drv_down = smmu_drv_down,
	.drv_stats = smmu_drv_stats,
	.hw_faults = smmu_hw_faults,
	.inst_stats = smmu_inst_stats,
	.inst_events = smmu_inst_events,
	.cost_ns = smmu_cost_ns,
	.domain_init = smmu_domain_init,
	.domain_destroy = smmu_domain_destroy,
	.device_init = smmu_device_init,
	.device_destroy = smmu_device_destroy,
	.prepare = smmu_prepare,
	.install = smmu_install,
	.commit = smmu_commit,
	.abort = smmu_abort,
	.dma = smmu_dma,
	.plan_count = invt_smmu_plan_count,
	.linux_count = smmu_linux_count,
	.op_index = smmu_op_index,
	.op_name = smmu_op_name,
	.describe = smmu_describe,
	.cost_defaults = smmu_cost_defaults,
	.cmd_words = 2,
	.sync_op = INVT_SMMU_CMD_SYNC,
};
