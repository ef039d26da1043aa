// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-riscv.c - the scenario's RISC-V IOMMU: a modelled IOMMU
 * (model/riscv.h) with the driver on the core (riscv-driver.h) in front of
 * it.  PSCIDs come from one space shared by every instance, as Linux
 * allocates them; GSCIDs are per instance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/riscv.h>
#include <invtrack/pt-riscv.h>
#include <invtrack/riscv-driver.h>
#include <invtrack/riscv-regs.h>
#include <invtrack/riscv.h>
#include <invtrack/viommu.h>

#include "../arch/riscv/hw.h"
#include "riscv-internal.h"
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

static struct invt_munit *rv_create(struct scn *s, unsigned int i, void **hw, int *ret)
{
	const struct invt_scn_params *p = s->p;
	struct invt_mrv_config mc = {
		.id = i, .ats = true, .napot = p->ril, .nl = false, .threaded = p->threaded,
		.consumer_only = p->delays,
		.ack_lag = 2,	/* ddtp / cqon acknowledgements lag: the driver waits */
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.iotlb_tag = p->iotlb_by_tags ? INVT_MRV_TAG_SCID : INVT_MRV_TAG_DEVICE,
		.seed = p->seed * 31 + i, .cost_ns = p->cost_ns, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s,
		.trace = p->threaded ? NULL : rv_trace, .trace_arg = s,
	};
	struct invt_mrv *m;

	*ret = invt_mrv_create(&mc, s->mem, s->oracle, &m);
	if (*ret)
		return NULL;
	*hw = m;
	return &m->u;
}

static struct invt_munit *rv_create_default(struct invt_mem *mem, struct invt_oracle *oracle,
					    void **hw)
{
	struct invt_mrv_config rc = { .iotlb_sets = 1, .iotlb_ways = 1, .cfg_entries = 1 };
	struct invt_mrv *m;

	if (invt_mrv_create(&rc, mem, oracle, &m))
		return NULL;
	*hw = m;
	return &m->u;
}

static void rv_destroy(void *hw)
{
	invt_mrv_destroy(hw);
}

static void *rv_regs(void *hw)
{
	return invt_mrv_regs(hw);
}

static uint64_t rv_hw_faults(void *hw, uint64_t *injected)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

static int rv_drv_init(struct scn *s, unsigned int i, void *drv, void *regs)
{
	struct invt_rv_config dc = {
		.id = i, .cmdq_log2size = scn_queue_log2(s->p), .caps = { .napot = s->p->ril },
		.ats = true, .mem = &s->dma_ops, .hooks = &s->hooks, .regs = regs,
	};
	struct rv_glue *g = s->glue;
	int ret;

	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		s->glue = g;
		ret = invt_rv_pscid_space_init(&g->pscids);
		if (ret)
			return ret;
		g->pscids_up = true;
	}
	dc.pscids = &g->pscids;
	return invt_rv_init(drv, &s->ctx, &dc);
}

static int rv_drv_destroy(void *drv)
{
	return invt_rv_destroy(drv);
}

/* What the driver's command queue went through: full, recoveries. */
static void rv_drv_count(struct scn *s, void *drv)
{
	struct invt_rv *rv = drv;
	struct invt_scn_faults *f = &s->res->faults;

	/* Relaxed: the queue's counters are statistics. */
	scn_count(&s->res->queue_full_waits,
		  __atomic_load_n(&rv->cmdq.stats.full_waits, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ILL],
		  __atomic_load_n(&rv->cmdq.stats.ill, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ATC_TIMEOUT],
		  __atomic_load_n(&rv->cmdq.stats.cmd_to, __ATOMIC_RELAXED));
	scn_count(&f->ats_disabled, __atomic_load_n(&rv->stats.ats_disabled, __ATOMIC_RELAXED));
}

/* The last instance gone: the shared space goes (the scenario frees g). */
static void rv_inst_fini(struct scn *s, unsigned int i)
{
	struct rv_glue *g = s->glue;

	if (g && g->pscids_up && i + 1 == s->p->instances) {
		invt_tag_space_destroy(&g->pscids);
		g->pscids_up = false;
	}
}

static void rv_events(const struct invt_munit_stats *st, struct invt_scn_result *res)
{
	res->handshake_errors += st->handshake_errors;
}

static int rv_domain_init(struct scn *s, void *dom, bool s2, struct invt_pt_ops *ops,
			  struct invt_domain **core, struct invt_pt **pt)
{
	struct invt_rv_domain *rd = dom;

	*core = &rd->dom;
	*pt = &rd->pt;
	return invt_rv_domain_init(rd, &s->ctx, s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1, ops);
}

static int rv_domain_destroy(void *dom)
{
	return invt_rv_domain_destroy(dom);
}

static int rv_master_init(struct scn *s, struct scn_device *dv, void *m, void *drv)
{
	return invt_rv_master_init(m, drv, &dv->sid, 1, dv->nr_ssids, dv->ats);
}

static int rv_master_destroy(void *m)
{
	return invt_rv_master_destroy(m);
}

static int rv_prepare(void *tx, void *m, uint32_t ssid, void *dom)
{
	return invt_rv_attach_prepare(tx, m, ssid, dom);
}

static int rv_install(void *tx)
{
	return invt_rv_attach_install(tx);
}

static void rv_commit(void *tx)
{
	invt_rv_attach_commit(tx);
}

static void rv_abort(void *tx)
{
	invt_rv_attach_abort(tx);
}

static int rv_nested_init(struct scn *s, struct scn_vm *vm, void *dom, void *parent,
			  uint64_t root, uint32_t s1tag, struct invt_domain **core)
{
	struct invt_rv_s1_cfg s1 = { .mode = INVT_RV_ATP_MODE_SV48, .root = root, .pscid = s1tag };
	struct invt_rv_domain *rd = dom;

	(void)s;
	(void)vm;
	*core = &rd->dom;
	return invt_rv_domain_init_nested(rd, parent, &s1);
}

static unsigned int rv_guest_put(const struct invt_rv_cmd *c, uint8_t *buf, unsigned int n)
{
	return invt_rv_cmd_encode_le(c, buf + (size_t)n * INVT_RV_CMD_BYTES) ? n : n + 1;
}

/*
 * The guest's commands (RISC-V IOMMU 1.0): IOTINVAL.VMA with GV = 1 (the
 * GSCID), PSCV = 1 (its PSCID) and AV = 1 per page, or without AV when
 * tables went (§3.1.1: AV = 0 covers the non-leaf entries too); IOFENCE.C
 * (§3.1.2); ATS.INVAL of everything per ATS device (§3.1.4, PCIe S = 1
 * with all address bits set); IOFENCE.C.
 */
static unsigned int rv_guest_cmds(const struct scn_guest_inv *gi, uint8_t *buf, bool *sync)
{
	struct invt_rv_cmd c = {
		.opcode = INVT_RV_OP_IOTINVAL, .func3 = INVT_RV_FUNC_VMA,
		.gv = true, .gscid = gi->s2tag, .pscv = true, .pscid = gi->s1tag,
	};
	struct invt_rv_cmd fence = { .opcode = INVT_RV_OP_IOFENCE, .func3 = INVT_RV_FUNC_C };
	unsigned int n = 0, k;
	uint64_t a;

	if (gi->all || gi->last - gi->iova >= SCN_PAGES_PER_REGION * SCN_SZ_4K) {
		n = rv_guest_put(&c, buf, n);
	} else {
		c.av = true;
		for (a = gi->iova; a <= gi->last; a += SCN_SZ_4K) {
			c.addr = a;
			n = rv_guest_put(&c, buf, n);
		}
	}
	n = rv_guest_put(&fence, buf, n);
	sync[n ? n - 1 : 0] = true;
	for (k = 0; k < gi->nr_ats; k++) {
		struct invt_rv_cmd at = {
			.opcode = INVT_RV_OP_ATS, .func3 = INVT_RV_FUNC_ATS_INVAL,
			.rid = (uint16_t)gi->ats[k], .dseg = (uint8_t)(gi->ats[k] >> 16),
			.dsv = (gi->ats[k] >> 16) != 0, .s = true, .addr = INVT_RV_ATS_ADDR_ALL,
		};

		n = rv_guest_put(&at, buf, n);
	}
	if (gi->nr_ats) {
		n = rv_guest_put(&fence, buf, n);
		sync[n ? n - 1 : 0] = true;
	}
	return n;
}

static struct invt_iommu *rv_iommu(void *drv)
{
	return &((struct invt_rv *)drv)->iommu;
}

static struct invt_device *rv_core_dev(void *m)
{
	return &((struct invt_rv_master *)m)->dev;
}

/* Fault-queue record (§3.2): CAUSE [11:0]; 20, 21, 23: a guest-page fault (stage 2). */
static bool rv_event_s2(const void *rec)
{
	unsigned int cause = (unsigned int)scn_rec_word(rec, 0) & 0xfff;

	return cause == 20 || cause == 21 || cause == 23;
}

/* Fault-queue record: DID [63:40]. */
static uint32_t rv_event_id(const void *rec)
{
	return (uint32_t)(scn_rec_word(rec, 0) >> 40);
}

static unsigned int rv_cmd_ids(const void *cmd, uint32_t *tag, uint32_t *dev)
{
	/* Every optional field the guest formats use (as the viommu decodes them). */
	const struct rv_hw_limits lim = {
		.caps = INVT_RV_CAP_ATS | INVT_RV_CAP_NL | INVT_RV_CAP_S | INVT_RV_CAP_PD8 |
			(1ull << 39) | (1ull << 40),
	};
	struct rv_hw_cmd d;
	uint64_t dw[2];

	rv_hw_words_le(cmd, dw);
	if (rv_hw_decode(dw, &lim, &d, NULL))
		return 0;
	switch (d.kind) {
	case RV_HW_IOTINVAL_VMA:
	case RV_HW_IOTINVAL_GVMA:
		*tag = d.gscid;
		return d.gv ? SCN_ID_TAG : 0;
	case RV_HW_ATS_INVAL:
		*dev = (d.dsv ? (uint32_t)d.dseg << 16 : 0) | d.rid;
		return SCN_ID_DEV;
	case RV_HW_IODIR_INVAL_DDT:
	case RV_HW_IODIR_INVAL_PDT:
		*dev = d.did;
		return d.dv ? SCN_ID_DEV : 0;
	default:
		return 0;
	}
}

static const struct scn_unit_ops rv_unit = {
	.create = rv_create,
	.destroy = rv_destroy,
	.create_default = rv_create_default,
	.regs = rv_regs,
	.hw_faults = rv_hw_faults,
	.drv_size = sizeof(struct invt_rv),
	.drv_init = rv_drv_init,
	.drv_destroy = rv_drv_destroy,
	.drv_count = rv_drv_count,
	.inst_fini = rv_inst_fini,
	.events = rv_events,
	.domain_size = sizeof(struct invt_rv_domain),
	.domain_init = rv_domain_init,
	.domain_destroy = rv_domain_destroy,
	.master_size = sizeof(struct invt_rv_master),
	.attach_size = sizeof(struct invt_rv_attach),
	.master_init = rv_master_init,
	.master_destroy = rv_master_destroy,
	.prepare = rv_prepare,
	.install = rv_install,
	.commit = rv_commit,
	.abort = rv_abort,
	.viommu_arch = INVT_VIOMMU_RISCV,
	.guest_fmt = &invt_pt_fmt_rv_sv48,
	.nested_init = rv_nested_init,
	.guest_cmds = rv_guest_cmds,
	.iommu = rv_iommu,
	.core_dev = rv_core_dev,
	.cmd_ids = rv_cmd_ids,
	.event_s2 = rv_event_s2,
	.event_id = rv_event_id,
};

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

static unsigned int rv_op_index(const void *cmd)
{
	return invt_mrv_op_index(cmd);
}

static int rv_describe(const uint64_t *w, unsigned int nwords, char *buf, size_t len)
{
	uint8_t b[16];

	scn_words_le(w, nwords, b, sizeof(b));
	if (invt_mrv_describe(b, buf, len) < 0)
		return -EINVAL;
	return (int)invt_mrv_op_index(b);
}

static void rv_cost_defaults(uint32_t *cost)
{
	scn_unit_cost_defaults(&rv_unit, cost);
}

const struct scn_arch scn_arch_riscv = {
	.name = "riscv",
	.unit = &rv_unit,
	SCN_UNIT_GLUE,
	.plan_count = invt_rv_plan_count,
	.linux_count = rv_linux_count,
	.op_index = rv_op_index,
	.op_name = rv_op_name,
	.describe = rv_describe,
	.cost_defaults = rv_cost_defaults,
	.cmd_words = 2,
	.sync_op = INVT_RV_OP_IOFENCE | INVT_RV_FUNC_C << 5,
};
