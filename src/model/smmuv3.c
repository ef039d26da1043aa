// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3.c - a modelled SMMUv3 instance (<invtrack/model/smmuv3.h>): the
 * shared modelled unit (unit.c, unit-xlate.c) with SMMUv3's registers, its
 * Command queue consumer (src/arch/smmuv3/hw-queue.c) and the executor of
 * its commands.  The configuration fetch and walk formats are in
 * smmuv3-xlate.c.
 *
 * The executor runs in the consumer's thread (the doorbell's caller in
 * inline mode, the consumer thread otherwise) with the consumer's lock
 * held.  What each command removes comes from smmu_hw_exec_plan()
 * (src/arch/smmuv3/hw-exec.c): TLBIs and CFGIs are applied under the
 * instance lock, so no translation can see half of one; an ATC_INV under
 * the target device's ATC lock only.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smmuv3-internal.h"

/* SMMU_IDR5.OAS of an address size (the PS encoding, §5.2), or -1. */
static int msmmu_ps_encode(unsigned int bits)
{
	static const uint8_t ps[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int i;

	for (i = 0; i < sizeof(ps); i++)
		if (ps[i] == bits)
			return (int)i;
	return -1;
}

/* The command's two words (§4.1.1: queue entries are little-endian). */
static void slot_words(const void *slot, uint64_t dw[2])
{
	memcpy(dw, slot, 2 * sizeof(*dw));
	dw[0] = le64toh(dw[0]);
	dw[1] = le64toh(dw[1]);
}

/* Count and trace one executed command.  Instance lock held. */
static void exec_account_locked(struct invt_msmmu *m, const struct smmu_hw_cmd *cmd,
				const void *slot, unsigned int cerror)
{
	uint64_t dw[2];

	slot_words(slot, dw);
	invt_munit_account_locked(&m->u, cmd->op, dw, cerror);
}

/* ATC_INV: the device's ATC lock only, then the accounting. */
static int exec_atc_inv(struct invt_msmmu *m, const struct smmu_hw_exec *plan,
			const struct smmu_hw_cmd *cmd, const void *slot)
{
	int ret = SMMU_HW_CERROR_NONE;

	if (invt_munit_atc_inv(&m->u, plan->sid, &plan->match))
		ret = SMMU_HW_CERROR_ATC_INV_SYNC;
	invt_cache_lock(m->u.iotlb);
	exec_account_locked(m, cmd, slot, ret);
	invt_cache_unlock(m->u.iotlb);
	/* Device activity while earlier TLBIs may still be in flight. */
	invt_munit_atc_window(&m->u, plan->sid, cmd->ssv ? cmd->ssid : 0, plan->match.start);
	return ret;
}

static int msmmu_exec(void *arg, const struct smmu_hw_cmd *cmd, const void *slot)
{
	struct invt_msmmu *m = arg;
	struct invt_munit_pending p = { 0 };
	struct smmu_hw_exec plan;

	if (smmu_hw_exec_plan(cmd, &plan)) {
		/* Not reachable: the decoder accepts only planned opcodes. */
		uint64_t dw[2];

		slot_words(slot, dw);
		invt_cache_lock(m->u.iotlb);
		invt_munit_trace(&m->u, dw, SMMU_HW_CERROR_ILL);
		invt_cache_unlock(m->u.iotlb);
		return SMMU_HW_CERROR_ILL;
	}
	if (plan.kind == SMMU_HW_EXEC_ATC)
		return exec_atc_inv(m, &plan, cmd, slot);

	invt_cache_lock(m->u.iotlb);
	if (plan.kind == SMMU_HW_EXEC_TLB) {
		/*
		 * A TLBI is only known complete at a later CMD_SYNC (IHI0070
		 * §4.7.3: invalidations are unordered between syncs), so the
		 * model applies it as late as the spec allows: at the next
		 * sync, after any ATC_INV queued behind it without a sync in
		 * between.  That is what makes a missing TLBI -> SYNC -> ATC_INV
		 * order observable.
		 */
		p.match = plan.match;
		invt_munit_pend_locked(&m->u, &p);
	} else if (cmd->op == SMMU_HW_OP_SYNC) {
		invt_munit_complete_locked(&m->u, INVT_MUNIT_ALL_TYPES, UINT64_MAX);
	} else if (plan.kind == SMMU_HW_EXEC_CFG)
		invt_munit_cfg_invalidate_locked(&m->u, &plan.cfg);
	exec_account_locked(m, cmd, slot, SMMU_HW_CERROR_NONE);
	invt_cache_unlock(m->u.iotlb);
	return SMMU_HW_CERROR_NONE;
}

INVT_MUNIT_QUEUE_OPS(msmmu, struct invt_msmmu, smmu_hw_queue)
INVT_MUNIT_ACK_OPS(msmmu, struct invt_msmmu)

/*
 * The event record of a translation fault (IHI0070 §7.3, 32 bytes):
 * F_TRANSLATION (0x10), or F_PERMISSION (0x13) for a translated access
 * without the permission.  Word 0: event number [7:0], SSV [11],
 * SubstreamID [31:12], StreamID [63:32]; word 1: RnW [35] (1: a read), S2
 * [39] (stage 2 faulted), CLASS [41:40] (0b01 TTD: a stage-1 table access,
 * 0b10 IN: the input address); word 2: InputAddr; word 3: the IPA [51:12]
 * of a stage-2 fault.  The drivers set CD.R and STE.S2R (record faults).
 */
static size_t msmmu_fault_record(const struct invt_munit_fault_info *f, uint8_t *rec)
{
	bool s2 = f->where == INVT_MDEV_FAULT_S2 || f->where == INVT_MDEV_FAULT_S2_TABLE;
	uint64_t w0, w1;

	w0 = (f->where == INVT_MDEV_FAULT_PERM ? 0x13 : 0x10) | (uint64_t)f->sid << 32;
	if (f->ssid)
		w0 |= UINT64_C(1) << 11 | (uint64_t)(f->ssid & 0xfffff) << 12;
	w1 = (f->write ? 0 : UINT64_C(1) << 35) | (s2 ? UINT64_C(1) << 39 : 0) |
	     (uint64_t)(f->where == INVT_MDEV_FAULT_S2_TABLE ? 1 : 2) << 40;
	invt_munit_put_le64(rec, w0);
	invt_munit_put_le64(rec + 8, w1);
	invt_munit_put_le64(rec + 16, f->iova);
	invt_munit_put_le64(rec + 24, s2 ? f->ipa & UINT64_C(0x000ffffffffff000) : 0);
	return 32;
}

static const struct invt_munit_ops msmmu_ops = {
	.cfg_fetch = msmmu_cfg_fetch,
	.cfg_in_scope = msmmu_cfg_in_scope,
	.enabled = msmmu_enabled,
	.leaf = msmmu_leaf,
	.walk_cache_root = true,
	/*
	 * A nested stage-1 walk entry holds the stage-2 translation of its
	 * table's IPA: an entry that combines both stages, which
	 * CMD_TLBI_S2_IPA need not remove (IHI0070 §4.4.3.1), as it need not
	 * remove combined leaves; NH_ALL, NH_ASID, NH_VA / NH_VAA with
	 * Leaf = 0 and S12_VMALL do.
	 */
	.walk_s1_pa = true,
	.queue_start = msmmu_queue_start,
	.queue_stop = msmmu_queue_stop,
	.queue_destroy = msmmu_queue_destroy,
	.queue_clock = msmmu_queue_clock,
	.fault_record = msmmu_fault_record,
};

int invt_msmmu_create(const struct invt_msmmu_config *cfg, struct invt_mem *mem,
		      struct invt_oracle *oracle, struct invt_msmmu **out)
{
	struct invt_munit_params up;
	struct smmu_hw_queue_exec exec;
	unsigned int feat;
	struct invt_msmmu *m;
	int ret, oas;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > INVT_MUNIT_MAX_CFG_ENTRIES || cfg->sidsize > 32 || cfg->ssidsize > 20)
		return -EINVAL;
	oas = msmmu_ps_encode(cfg->oas_bits ? cfg->oas_bits : 48);
	if (oas < 0)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->cfg.cost_ns = NULL;		/* copied into the consumer below */
	up = (struct invt_munit_params){
		INVT_MUNIT_PARAMS_OF(cfg), .tag = INVT_MUNIT_TAG_DOMAIN, .atc_name = "atc",
	};
	ret = invt_munit_init(&m->u, &up, &msmmu_ops, mem, oracle);
	if (ret) {
		free(m);
		return ret;
	}
	msmmu_fmt_init(m);

	feat = SMMU_HW_FEAT_S1 | SMMU_HW_FEAT_S2;
	if (cfg->ats)
		feat |= SMMU_HW_FEAT_ATS;
	if (cfg->ril)
		feat |= SMMU_HW_FEAT_RIL;
	smmu_hw_cfg_idr_init(&m->idr, feat);
	m->idr.oas = (uint8_t)oas;
	m->idr.sidsize = (uint8_t)(cfg->sidsize ? cfg->sidsize : MSMMU_SIDSIZE);
	if (cfg->ssidsize)
		m->idr.ssidsize = (uint8_t)cfg->ssidsize;
	m->idr.st_2lvl = cfg->st_2lvl;
	m->idr.cd2l = cfg->cd2l;
	/* The ID registers the driver probes (IHI0070 §6.3). */
	smmu_hw_idr_write(&m->idr, INVT_SMMU_CMDQ_MAX_LOG2SIZE, &m->regs);
	/*
	 * CMD_SYNC with CS = IRQ writes nothing (no msi callback): the
	 * driver's producer polls SMMU_CMDQ_CONS.
	 */
	exec = (struct smmu_hw_queue_exec){
		.exec = msmmu_exec, .ack_begin = msmmu_ack_begin, .ack_end = msmmu_ack_end,
		.arg = m,
	};
	smmu_hw_queue_init(&m->hq, &m->regs, feat, &exec,
			   cfg->threaded ? SMMU_HW_QUEUE_THREADED : SMMU_HW_QUEUE_INLINE);
	if (cfg->consumer_only)
		m->regs.consume = NULL;	/* completion waits for the consumer thread */
	smmu_hw_queue_ctrl_init(&m->hq, cfg->ack_lag);
	smmu_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	if (cfg->cost_ns)
		memcpy(m->hq.cost_ns, cfg->cost_ns, sizeof(m->hq.cost_ns));
	invt_munit_set_queue(&m->u, m->hq.cost_ns, SMMU_HW_QUEUE_NR_OPS, &m->hq.consumed,
			     &m->hq.errors, &m->hq.handshake_errors);
	*out = m;
	return 0;
}

/* invt_msmmu_destroy(), _iotlb(), _start(), _stop(), _dma(). */
INVT_MUNIT_PUBLIC_API(msmmu, struct invt_msmmu)

struct invt_smmu_regs *invt_msmmu_regs(struct invt_msmmu *m)
{
	return &m->regs;
}

int invt_msmmu_add_device(struct invt_msmmu *m, uint32_t sid, unsigned int atc_entries)
{
	return invt_munit_add_device(&m->u, sid, atc_entries);
}

int invt_msmmu_set_atc_timeout(struct invt_msmmu *m, uint32_t sid, bool on)
{
	return invt_munit_set_atc_timeout(&m->u, sid, on);
}

void invt_msmmu_stats(struct invt_msmmu *m, struct invt_msmmu_stats *st)
{
	struct invt_munit_stats us;

	invt_munit_stats(&m->u, &us);
	memset(st, 0, sizeof(*st));
	INVT_MUNIT_STATS_COPY(st, &us);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
	st->xlate_s1 = us.n.xlate[INVT_MUNIT_S1];
	st->xlate_s2 = us.n.xlate[INVT_MUNIT_S2];
	st->c_bad_ste = us.n.events[MSMMU_EV_C_BAD_STE];
	st->c_bad_cd = us.n.events[MSMMU_EV_C_BAD_CD];
	st->illegal_ste = us.n.events[MSMMU_EV_ILLEGAL_STE];
	st->illegal_cd = us.n.events[MSMMU_EV_ILLEGAL_CD];
	st->cd_fetch_s2_faults = us.n.events[MSMMU_EV_CD_FETCH_S2];
	st->disabled_aborts = us.n.disabled_aborts;
	st->handshake_errors = us.handshake_errors;
}

uint32_t invt_msmmu_cost_ns(const struct invt_msmmu *m, uint8_t op)
{
	return invt_munit_cost_ns(&m->u, op);
}
