// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-smmuv3.c - the scenario's SMMUv3: a modelled SMMU (model/smmuv3.h)
 * with the driver on the core (smmuv3-driver.h) in front of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/smmuv3.h>
#include <invtrack/smmuv3-cfg.h>
#include <invtrack/smmuv3-driver.h>
#include <invtrack/smmuv3.h>
#include <invtrack/viommu.h>

#include "hw.h"
#include "scenario-internal.h"
#include "smmuv3-internal.h"

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

static struct invt_munit *smmu_create(struct scn *s, unsigned int i, void **hw, int *ret)
{
	const struct invt_scn_params *p = s->p;
	struct invt_msmmu_config mc = {
		.id = i, .ril = p->ril, .ats = p->ats_percent > 0, .oas_bits = p->oas,
		.ack_lag = SCN_ACK_LAG, .threaded = p->threaded,
		.consumer_only = p->delays,
		.sidsize = 16, .st_2lvl = p->smmu_2lvl, .cd2l = p->smmu_2lvl,
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.seed = p->seed * 31 + i, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s, .cost_ns = p->cost_ns,
		.trace = p->threaded ? NULL : glue_trace, .trace_arg = s,
	};
	struct invt_msmmu *m;

	*ret = invt_msmmu_create(&mc, s->mem, s->oracle, &m);
	if (*ret)
		return NULL;
	*hw = m;
	return &m->u;
}

static struct invt_munit *smmu_create_default(struct invt_mem *mem, struct invt_oracle *oracle,
					      void **hw)
{
	struct invt_msmmu_config mc = { .iotlb_sets = 1, .iotlb_ways = 1, .cfg_entries = 1 };
	struct invt_msmmu *m;

	if (invt_msmmu_create(&mc, mem, oracle, &m))
		return NULL;
	*hw = m;
	return &m->u;
}

static void smmu_destroy(void *hw)
{
	invt_msmmu_destroy(hw);
}

static void *smmu_regs(void *hw)
{
	return invt_msmmu_regs(hw);
}

static uint64_t smmu_hw_faults(void *hw, uint64_t *injected)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

static int smmu_drv_init(struct scn *s, unsigned int i, void *drv, void *regs)
{
	struct smmu_glue *g = glue(s);
	/* What the SMMU supports (RIL, ATS, OAS, table formats) the driver probes. */
	struct invt_smmu_config dc = {
		.id = i, .cmdq_log2size = scn_queue_log2(s->p),
		.sid_bits = s->p->smmu_2lvl ? 16 : SCN_SID_BITS, .regs = regs,
	};

	if (!g)
		return -ENOMEM;
	dc.mem = &g->mem;
	dc.hooks = &g->hooks;
	return invt_smmu_init(drv, &s->ctx, &dc);
}

static int smmu_drv_destroy(void *drv)
{
	return invt_smmu_destroy(drv);
}

/* What the driver's Command queue went through: full, recoveries. */
static void smmu_drv_count(struct scn *s, void *drv)
{
	struct invt_smmu *smmu = drv;
	struct invt_scn_faults *f = &s->res->faults;

	/* Relaxed: the queue's counters are statistics. */
	scn_count(&s->res->queue_full_waits,
		  __atomic_load_n(&smmu->cmdq.stats.full_waits, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ILL],
		  __atomic_load_n(&smmu->cmdq.stats.ill, __ATOMIC_RELAXED));
	scn_count(&f->kind_recovered[INVT_HW_FAULT_ATC_TIMEOUT],
		  __atomic_load_n(&smmu->cmdq.stats.atc_inv_sync, __ATOMIC_RELAXED));
	scn_count(&f->ats_disabled, __atomic_load_n(&smmu->stats.ats_disabled, __ATOMIC_RELAXED));
}

static void smmu_events(const struct invt_munit_stats *st, struct invt_scn_result *res)
{
	res->xlate_s1 += st->n.xlate[INVT_MUNIT_S1];
	res->xlate_s2 += st->n.xlate[INVT_MUNIT_S2];
	res->bad_ste += st->n.events[MSMMU_EV_C_BAD_STE];
	res->bad_cd += st->n.events[MSMMU_EV_C_BAD_CD];
	res->illegal_cfg += st->n.events[MSMMU_EV_ILLEGAL_STE] + st->n.events[MSMMU_EV_ILLEGAL_CD];
	res->handshake_errors += st->handshake_errors;
}

static int smmu_domain_init(struct scn *s, void *dom, bool s2, struct invt_pt_ops *ops,
			    struct invt_domain **core, struct invt_pt **pt)
{
	struct invt_smmu_domain *sd = dom;

	*core = &sd->dom;
	*pt = &sd->pt;
	/* Sized by the first SMMU's ID registers; every instance is alike. */
	return invt_smmu_domain_init_for(sd, s->inst[0].drv, s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
					 ops);
}

static int smmu_domain_destroy(void *dom)
{
	return invt_smmu_domain_destroy(dom);
}

static int smmu_master_init(struct scn *s, struct scn_device *dv, void *m, void *drv)
{
	return invt_smmu_master_init(m, drv, &dv->sid, 1, dv->nr_ssids, dv->ats);
}

static int smmu_master_destroy(void *m)
{
	return invt_smmu_master_destroy(m);
}

static int smmu_prepare(void *tx, void *m, uint32_t ssid, void *dom)
{
	return invt_smmu_attach_prepare(tx, m, ssid, dom);
}

static int smmu_install(void *tx)
{
	return invt_smmu_attach_install(tx);
}

static void smmu_commit(void *tx)
{
	invt_smmu_attach_commit(tx);
}

static void smmu_abort(void *tx)
{
	invt_smmu_attach_abort(tx);
}

/*
 * A nested domain: the guest's CD table, one CD (S1CDMax 0, linear), in a
 * guest page: V, the 4K granule, T0SZ 16 (48-bit VAs), IPS 32 bits (the
 * guest's memory is below 4 GiB), the guest's ASID, TTB0 its table's root
 * (IHI0070 §5.4).  The vSTE says Config 0b111 with S1ContextPtr that page.
 */
static int smmu_nested_init(struct scn *s, struct scn_vm *vm, void *dom, void *parent,
			    uint64_t root, uint32_t s1tag, struct invt_domain **core)
{
	struct invt_smmu_cd cd = {
		.valid = true, .tg0 = INVT_SMMU_TG_4K, .t0sz = 16, .ips = INVT_SMMU_PS_32,
		.asid = s1tag, .ttb0 = root, .mair = 0xff,
	};
	struct invt_smmu_domain *sd = dom;
	uint64_t w[INVT_SMMU_CFG_WORDS], ipa;
	uint8_t *page = scn_vm_guest_page(s, vm, &ipa);
	unsigned int i, b;
	int ret;

	if (!page)
		return -ENOMEM;
	ret = invt_smmu_cd_build(&cd, w);
	if (ret)
		return ret;
	for (i = 0; i < INVT_SMMU_CFG_WORDS; i++)
		for (b = 0; b < 8; b++)
			page[i * 8 + b] = (uint8_t)(w[i] >> (8 * b));
	*core = &sd->dom;
	return invt_smmu_domain_init_nested(sd, parent, ipa, 0, INVT_SMMU_S1FMT_LINEAR);
}

static unsigned int smmu_guest_put(const struct invt_smmu_cmd *c, uint8_t *buf, unsigned int n)
{
	return invt_smmu_cmd_encode_le(c, buf + (size_t)n * 16) ? n : n + 1;
}

/*
 * The guest's commands (IHI0070 §4.4): TLBI_NH_VA of the VMID and ASID per
 * page (Leaf 0: tables may have gone), or TLBI_NH_ASID when tables went;
 * CMD_SYNC; ATC_INV of everything (Size 52) per ATS device; CMD_SYNC.
 */
static unsigned int smmu_guest_cmds(const struct scn_guest_inv *gi, uint8_t *buf, bool *sync)
{
	struct invt_smmu_cmd c = {
		.opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = (uint16_t)gi->s2tag,
		.asid = (uint16_t)gi->s1tag,
	};
	struct invt_smmu_cmd cs = { .opcode = INVT_SMMU_CMD_SYNC };
	unsigned int n = 0, k;
	uint64_t a;

	if (gi->all || gi->last - gi->iova >= SCN_PAGES_PER_REGION * SCN_SZ_4K) {
		c.opcode = INVT_SMMU_CMD_TLBI_NH_ASID;
		n = smmu_guest_put(&c, buf, n);
	} else {
		for (a = gi->iova; a <= gi->last; a += SCN_SZ_4K) {
			c.addr = a;
			n = smmu_guest_put(&c, buf, n);
		}
	}
	n = smmu_guest_put(&cs, buf, n);
	sync[n ? n - 1 : 0] = true;
	for (k = 0; k < gi->nr_ats; k++) {
		struct invt_smmu_cmd at = {
			.opcode = INVT_SMMU_CMD_ATC_INV, .sid = gi->ats[k],
			.size = INVT_SMMU_ATC_SIZE_ALL,
		};

		n = smmu_guest_put(&at, buf, n);
	}
	if (gi->nr_ats) {
		n = smmu_guest_put(&cs, buf, n);
		sync[n ? n - 1 : 0] = true;
	}
	return n;
}

static struct invt_iommu *smmu_iommu(void *drv)
{
	return &((struct invt_smmu *)drv)->iommu;
}

static struct invt_device *smmu_core_dev(void *m)
{
	return &((struct invt_smmu_master *)m)->dev;
}

/* Event record (IHI0070 §7.3): S2 [103] (word 1 bit 39): stage 2 faulted. */
static bool smmu_event_s2(const void *rec)
{
	return scn_rec_word(rec, 1) >> 39 & 1;
}

/* Event record: StreamID [63:32]. */
static uint32_t smmu_event_id(const void *rec)
{
	return (uint32_t)(scn_rec_word(rec, 0) >> 32);
}

static unsigned int smmu_cmd_ids(const void *cmd, uint32_t *tag, uint32_t *dev)
{
	struct smmu_hw_cmd d;

	if (smmu_hw_decode_le(cmd, ~0u, &d, NULL))
		return 0;
	switch (d.op) {
	case INVT_SMMU_CMD_TLBI_NH_ALL:
	case INVT_SMMU_CMD_TLBI_NH_ASID:
	case INVT_SMMU_CMD_TLBI_NH_VA:
	case INVT_SMMU_CMD_TLBI_NH_VAA:
	case INVT_SMMU_CMD_TLBI_S12_VMALL:
	case INVT_SMMU_CMD_TLBI_S2_IPA:
		*tag = d.vmid;
		return SCN_ID_TAG;
	case INVT_SMMU_CMD_ATC_INV:
	case INVT_SMMU_CMD_CFGI_STE:
	case INVT_SMMU_CMD_CFGI_CD:
	case INVT_SMMU_CMD_CFGI_CD_ALL:
		*dev = d.sid;
		return SCN_ID_DEV;
	default:
		return 0;
	}
}

static const struct scn_unit_ops smmu_unit = {
	.create = smmu_create,
	.destroy = smmu_destroy,
	.create_default = smmu_create_default,
	.regs = smmu_regs,
	.hw_faults = smmu_hw_faults,
	.drv_size = sizeof(struct invt_smmu),
	.drv_init = smmu_drv_init,
	.drv_destroy = smmu_drv_destroy,
	.drv_count = smmu_drv_count,
	.events = smmu_events,
	.domain_size = sizeof(struct invt_smmu_domain),
	.domain_init = smmu_domain_init,
	.domain_destroy = smmu_domain_destroy,
	.master_size = sizeof(struct invt_smmu_master),
	.attach_size = sizeof(struct invt_smmu_attach),
	.master_init = smmu_master_init,
	.master_destroy = smmu_master_destroy,
	.prepare = smmu_prepare,
	.install = smmu_install,
	.commit = smmu_commit,
	.abort = smmu_abort,
	.viommu_arch = INVT_VIOMMU_SMMUV3,
	.guest_fmt = &invt_pt_fmt_arm_s1_4k,
	.nested_init = smmu_nested_init,
	.guest_cmds = smmu_guest_cmds,
	.iommu = smmu_iommu,
	.core_dev = smmu_core_dev,
	.cmd_ids = smmu_cmd_ids,
	.event_s2 = smmu_event_s2,
	.event_id = smmu_event_id,
};

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

/* The consumer's defaults, read from an instance set up for the purpose. */
static void smmu_cost_defaults(uint32_t *cost)
{
	scn_unit_cost_defaults(&smmu_unit, cost);
}

const struct scn_arch scn_arch_smmuv3 = {
	.name = "smmuv3",
	.unit = &smmu_unit,
	SCN_UNIT_GLUE,
	.plan_count = invt_smmu_plan_count,
	.linux_count = smmu_linux_count,
	.op_index = smmu_op_index,
	.op_name = smmu_op_name,
	.describe = smmu_describe,
	.cost_defaults = smmu_cost_defaults,
	.cmd_words = 2,
	.sync_op = INVT_SMMU_CMD_SYNC,
};
