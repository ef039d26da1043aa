// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-vtd.c - the scenario's VT-d: a modelled remapping unit
 * (model/vtd.h) with the driver on the core (vtd-driver.h) in front of it.
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
#include <invtrack/pt-vtd.h>
#include <invtrack/viommu.h>
#include <invtrack/vtd-driver.h>
#include <invtrack/vtd.h>

#include "../arch/vtd/hw.h"
#include "scenario-internal.h"
#include "vtd-internal.h"

static void vtd_trace(void *arg, uint32_t instance, const uint64_t qw[4], unsigned int outcome)
{
	scn_trace_hash(arg, instance, qw, 4, outcome);
}

static struct invt_munit *vtd_create(struct scn *s, unsigned int i, void **hw, int *ret)
{
	const struct invt_scn_params *p = s->p;
	struct invt_mvtd_config mc = {
		.id = i, .psi = p->ril, .mamv = 9, .nd = 2, .ats = true, .pasid = true,
		.pasid_bits = 20, .flts = true, .slts = true, .nest = true, .threaded = p->threaded,
		.consumer_only = p->delays,
		.iotlb_sets = 64, .iotlb_ways = 4, .cfg_entries = 64,
		.iotlb_tag = p->iotlb_by_tags ? INVT_MVTD_TAG_DID : INVT_MVTD_TAG_SID,
		.seed = p->seed * 31 + i, .cost_ns = p->cost_ns, .faults = p->faults,
		.atc_window = scn_atc_window, .window_arg = s,
		.trace = p->threaded ? NULL : vtd_trace, .trace_arg = s,
	};
	struct invt_mvtd *m;

	*ret = invt_mvtd_create(&mc, s->mem, s->oracle, &m);
	if (*ret)
		return NULL;
	*hw = m;
	return &m->u;
}

static struct invt_munit *vtd_create_default(struct invt_mem *mem, struct invt_oracle *oracle,
					     void **hw)
{
	struct invt_mvtd_config vc = { .iotlb_sets = 1, .iotlb_ways = 1, .cfg_entries = 1 };
	struct invt_mvtd *m;

	if (invt_mvtd_create(&vc, mem, oracle, &m))
		return NULL;
	*hw = m;
	return &m->u;
}

static void vtd_destroy(void *hw)
{
	invt_mvtd_destroy(hw);
}

static void *vtd_regs(void *hw)
{
	return invt_mvtd_regs(hw);
}

static uint64_t vtd_hw_faults(void *hw, uint64_t *injected)
{
	struct invt_mvtd_stats st;

	invt_mvtd_stats(hw, &st);
	memcpy(injected, st.faults, sizeof(st.faults));
	return st.stalls_ended;
}

static int vtd_drv_init(struct scn *s, unsigned int i, void *drv, void *regs)
{
	struct invt_vtd_config dc = {
		/* 128 << QS descriptors: QS 0 is the smallest queue there is. */
		.id = i, .queue_qs = scn_queue_log2(s->p) > 7 ? scn_queue_log2(s->p) - 7 : 0,
		.ats = true, .mem = &s->dma_ops, .hooks = &s->hooks, .regs = regs,
	};

	return invt_vtd_init(drv, &s->ctx, &dc);
}

static int vtd_drv_destroy(void *drv)
{
	return invt_vtd_destroy(drv);
}

/* What the driver's invalidation queue went through: full, recoveries. */
static void vtd_drv_count(struct scn *s, void *drv)
{
	struct invt_vtd *vtd = drv;
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
	scn_count(&f->ats_disabled, __atomic_load_n(&vtd->stats.ats_disabled, __ATOMIC_RELAXED));
}

/*
 * The end of the run: an ICE does not stop the queue, so the driver hears
 * of one at its next poll (a real one: at the fault interrupt); poll once.
 */
static void vtd_drv_poll(void *drv)
{
	struct invt_vtd *vtd = drv;

	invt_vtd_qi_poll(&vtd->qi);
}

static int vtd_domain_init(struct scn *s, void *dom, bool s2, struct invt_pt_ops *ops,
			   struct invt_domain **core, struct invt_pt **pt)
{
	struct invt_vtd_domain *vd = dom;

	*core = &vd->dom;
	*pt = &vd->pt;
	return invt_vtd_domain_init(vd, &s->ctx, s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1, ops);
}

static int vtd_domain_destroy(void *dom)
{
	return invt_vtd_domain_destroy(dom);
}

static int vtd_master_init(struct scn *s, struct scn_device *dv, void *m, void *drv)
{
	return invt_vtd_master_init(m, drv, &dv->sid, 1, dv->nr_ssids, dv->ats);
}

static int vtd_master_destroy(void *m)
{
	return invt_vtd_master_destroy(m);
}

static int vtd_prepare(void *tx, void *m, uint32_t ssid, void *dom)
{
	return invt_vtd_attach_prepare(tx, m, ssid, dom);
}

static int vtd_install(void *tx)
{
	return invt_vtd_attach_install(tx);
}

static void vtd_commit(void *tx)
{
	invt_vtd_attach_commit(tx);
}

static void vtd_abort(void *tx)
{
	invt_vtd_attach_abort(tx);
}

static int vtd_nested_init(struct scn *s, struct scn_vm *vm, void *dom, void *parent,
			   uint64_t root, uint32_t s1tag, struct invt_domain **core)
{
	struct invt_vtd_s1_cfg s1 = { .fsptptr = root, .levels = 4 };
	struct invt_vtd_domain *vd = dom;

	(void)s;
	(void)vm;
	(void)s1tag;	/* the guest's DID: the viommu's vtag; the unit's DID is the domain's */
	*core = &vd->dom;
	return invt_vtd_domain_init_nested(vd, parent, &s1);
}

static unsigned int vtd_guest_put(const struct invt_vtd_desc *d, uint8_t *buf, unsigned int n)
{
	return invt_vtd_desc_encode_le(d, buf + (size_t)n * INVT_VTD_DESC_BYTES,
				       INVT_VTD_DESC_BYTES) ? n : n + 1;
}

/*
 * The guest's descriptors (VT-d scalable mode, 256-bit): PASID-based IOTLB
 * invalidation (§6.5.2.4) of the DID and PASID 0 (RID_PASID), page-selective
 * per page (IH = 0: tables may have gone) or PASID-selective when tables
 * went; an invalidation wait (§6.5.2.8); a device-TLB invalidation of every
 * address per ATS device (§6.5.2.5, S = 1, address all ones); a wait.
 */
static unsigned int vtd_guest_cmds(const struct scn_guest_inv *gi, uint8_t *buf, bool *sync)
{
	struct invt_vtd_desc c = { .type = INVT_VTD_DESC_PIOTLB, .did = (uint16_t)gi->s2tag };
	/* The guest's status write: the VMM performs it once the batch is done. */
	struct invt_vtd_desc wait = {
		.type = INVT_VTD_DESC_WAIT, .sw = true, .status_addr = SCN_VM_IPA_BASE,
		.status_data = 1,
	};
	unsigned int n = 0, k;
	uint64_t a;

	if (gi->all || gi->last - gi->iova >= SCN_PAGES_PER_REGION * SCN_SZ_4K) {
		c.g = INVT_VTD_PIOTLB_PASID;
		n = vtd_guest_put(&c, buf, n);
	} else {
		c.g = INVT_VTD_PIOTLB_PSI;
		for (a = gi->iova; a <= gi->last; a += SCN_SZ_4K) {
			c.addr = a;
			n = vtd_guest_put(&c, buf, n);
		}
	}
	n = vtd_guest_put(&wait, buf, n);
	sync[n ? n - 1 : 0] = true;
	for (k = 0; k < gi->nr_ats; k++) {
		struct invt_vtd_desc d = {
			.type = INVT_VTD_DESC_DEVTLB, .sid = (uint16_t)gi->ats[k],
			.pfsid = (uint16_t)gi->ats[k], .size = true,
			.addr = INVT_VTD_DEVTLB_ALL_ADDR,
		};

		n = vtd_guest_put(&d, buf, n);
	}
	if (gi->nr_ats) {
		n = vtd_guest_put(&wait, buf, n);
		sync[n ? n - 1 : 0] = true;
	}
	return n;
}

static struct invt_iommu *vtd_iommu(void *drv)
{
	return &((struct invt_vtd *)drv)->iommu;
}

static struct invt_device *vtd_core_dev(void *m)
{
	return &((struct invt_vtd_master *)m)->dev;
}

/*
 * Fault record: FR [103:96] (word 1 [39:32]); the scalable-mode reasons of
 * the second stage (0x78-0x7c, 0x84) are the host's.
 */
static bool vtd_event_s2(const void *rec)
{
	unsigned int fr = (unsigned int)(scn_rec_word(rec, 1) >> 32) & 0xff;

	return (fr >= 0x78 && fr <= 0x7c) || fr == 0x84;
}

/* Fault record: SID [79:64]. */
static uint32_t vtd_event_id(const void *rec)
{
	return (uint32_t)scn_rec_word(rec, 1) & 0xffff;
}

static unsigned int vtd_cmd_ids(const void *cmd, uint32_t *tag, uint32_t *dev)
{
	const struct vtd_hw_caps caps = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
	struct vtd_hw_desc d;

	if (vtd_hw_decode_le(cmd, true, &caps, &d, NULL))
		return 0;
	switch (d.type) {
	case INVT_VTD_DESC_PIOTLB:
	case INVT_VTD_DESC_PC:
		*tag = d.did;
		return SCN_ID_TAG;
	case INVT_VTD_DESC_DEVTLB:
	case INVT_VTD_DESC_PDEVTLB:
		*dev = d.sid;
		return SCN_ID_DEV;
	default:
		return 0;
	}
}

static const struct scn_unit_ops vtd_unit = {
	.create = vtd_create,
	.destroy = vtd_destroy,
	.create_default = vtd_create_default,
	.regs = vtd_regs,
	.hw_faults = vtd_hw_faults,
	.drv_size = sizeof(struct invt_vtd),
	.drv_init = vtd_drv_init,
	.drv_destroy = vtd_drv_destroy,
	.drv_count = vtd_drv_count,
	.drv_poll = vtd_drv_poll,
	.domain_size = sizeof(struct invt_vtd_domain),
	.domain_init = vtd_domain_init,
	.domain_destroy = vtd_domain_destroy,
	.master_size = sizeof(struct invt_vtd_master),
	.attach_size = sizeof(struct invt_vtd_attach),
	.master_init = vtd_master_init,
	.master_destroy = vtd_master_destroy,
	.prepare = vtd_prepare,
	.install = vtd_install,
	.commit = vtd_commit,
	.abort = vtd_abort,
	.viommu_arch = INVT_VIOMMU_VTD,
	.guest_fmt = &invt_pt_fmt_vtd_fs_4l,
	.nested_init = vtd_nested_init,
	.nested_own_tag = true,
	.guest_cmds = vtd_guest_cmds,
	.iommu = vtd_iommu,
	.core_dev = vtd_core_dev,
	.cmd_ids = vtd_cmd_ids,
	.event_s2 = vtd_event_s2,
	.event_id = vtd_event_id,
};

/*
 * Linux (v6.12, drivers/iommu/intel/cache.c, cache_tag_flush_range()): one
 * descriptor per cache tag - an IOTLB tag per (unit, DID, PASID) gets a
 * PASID-based IOTLB invalidation (first stage) or an IOTLB PSI/DSI (second
 * stage), a device-TLB tag a (PASID) device-TLB invalidation - gathered in
 * one batch per unit, which qi_batch_flush_descs() submits with a wait
 * descriptor and waits for before the next unit: a descriptor per live
 * entry, one wait per unit, none overlapped.  invtrack builds fewer where
 * one descriptor covers another's (src/arch/vtd/batch.h).
 */
static void vtd_linux_count(const struct invt_invs *invs, const struct invt_range *r,
			    uint64_t *cmds, uint64_t *waits)
{
	const struct invt_iommu *cur = NULL;
	size_t n = invs->num_invs, i;

	(void)r;
	*cmds = 0;
	*waits = 0;
	for (i = 0; i < n; i++) {
		const struct invt_inv *e = &invs->inv[i];

		if (!e->iommu || !e->users)
			continue;
		(*cmds)++;
		if (e->iommu == cur)
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

static int vtd_describe(const uint64_t *w, unsigned int nwords, char *buf, size_t len)
{
	uint8_t b[32];

	scn_words_le(w, nwords, b, sizeof(b));
	if (invt_mvtd_describe(b, buf, len) < 0)
		return -EINVAL;
	return (int)invt_mvtd_op_index(b);
}

static void vtd_cost_defaults(uint32_t *cost)
{
	scn_unit_cost_defaults(&vtd_unit, cost);
}

const struct scn_arch scn_arch_vtd = {
	.name = "vtd",
	.unit = &vtd_unit,
	SCN_UNIT_GLUE,
	.plan_count = invt_vtd_plan_count,
	.linux_count = vtd_linux_count,
	.op_index = vtd_op_index,
	.op_name = vtd_op_name,
	.describe = vtd_describe,
	.cost_defaults = vtd_cost_defaults,
	.cmd_words = 4,
	.sync_op = INVT_VTD_DESC_WAIT,
};
