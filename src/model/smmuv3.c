// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3.c - a modelled SMMUv3 instance (<invtrack/model/smmuv3.h>): its
 * creation, devices, and the Command queue executor.  Translation is in
 * smmuv3-xlate.c; the shared state and the lock order in smmuv3-internal.h.
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

/* Seed salts: each generator of the instance gets its own stream. */
#define SALT_IOTLB	UINT64_C(0x1071b)
#define SALT_CFG	UINT64_C(0xcf9)
#define SALT_ATC	UINT64_C(0xa7c)

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

struct invt_mdev *msmmu_find_dev(struct invt_msmmu *m, uint32_t sid)
{
	return invt_mdev_find(&m->devs, sid);
}

static uint64_t slot_word(const void *slot, unsigned int i)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)slot + 8 * i, sizeof(v));
	return le64toh(v);	/* §4.1.1: queue entries are little-endian */
}

/* Count and trace one executed command.  Instance lock held. */
static void exec_account_locked(struct invt_msmmu *m, const struct smmu_hw_cmd *cmd,
				const void *slot, unsigned int cerror)
{
	uint64_t dw[2];

	m->by_op[cmd->op]++;
	if (m->cfg.trace) {
		dw[0] = slot_word(slot, 0);
		dw[1] = slot_word(slot, 1);
		m->cfg.trace(m->cfg.trace_arg, m->cfg.id, dw, cerror);
	}
}

/* ATC_INV: the device's ATC lock only, then the accounting. */
static int exec_atc_inv(struct invt_msmmu *m, const struct smmu_hw_exec *plan,
			const struct smmu_hw_cmd *cmd, const void *slot)
{
	struct invt_mdev *d = msmmu_find_dev(m, plan->sid);
	int ret = SMMU_HW_CERROR_NONE;

	if (d && d->atc) {
		invt_cache_lock(d->atc);
		invt_cache_invalidate_locked(d->atc, &plan->match);
		invt_cache_unlock(d->atc);
	}
	/*
	 * Relaxed: the flag is a test's fault injection, set before the
	 * commands it concerns are submitted (the doorbell or PROD's
	 * release/acquire orders it); no data hangs on it.
	 */
	if (d && __atomic_load_n(&d->atc_timeout, __ATOMIC_RELAXED))
		ret = SMMU_HW_CERROR_ATC_INV_SYNC;
	invt_cache_lock(m->iotlb);
	exec_account_locked(m, cmd, slot, ret);
	invt_cache_unlock(m->iotlb);
	/* Device activity while earlier TLBIs may still be in flight. */
	if (m->cfg.atc_window)
		m->cfg.atc_window(m->cfg.window_arg, m->cfg.id, plan->sid,
				  cmd->ssv ? cmd->ssid : 0, plan->match.start);
	return ret;
}

/*
 * Apply the TLB removals executed since the last CMD_SYNC.  Consumer lock
 * and instance lock held.
 */
static void exec_complete_tlbi_locked(struct invt_msmmu *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_pending; i++)
		invt_cache_invalidate_locked(m->iotlb, &m->pending[i]);
	m->nr_pending = 0;
}

static int msmmu_exec(void *arg, const struct smmu_hw_cmd *cmd, const void *slot)
{
	struct invt_msmmu *m = arg;
	struct smmu_hw_exec plan;

	if (smmu_hw_exec_plan(cmd, &plan)) {
		/* Not reachable: the decoder accepts only planned opcodes. */
		invt_cache_lock(m->iotlb);
		if (m->cfg.trace) {
			uint64_t dw[2] = { slot_word(slot, 0), slot_word(slot, 1) };

			m->cfg.trace(m->cfg.trace_arg, m->cfg.id, dw, SMMU_HW_CERROR_ILL);
		}
		invt_cache_unlock(m->iotlb);
		return SMMU_HW_CERROR_ILL;
	}
	if (plan.kind == SMMU_HW_EXEC_ATC)
		return exec_atc_inv(m, &plan, cmd, slot);

	invt_cache_lock(m->iotlb);
	if (plan.kind == SMMU_HW_EXEC_TLB) {
		/*
		 * A TLBI is only known complete at a later CMD_SYNC (IHI0070
		 * §4.7.3: invalidations are unordered between syncs), so the
		 * model applies it as late as the spec allows: at the next
		 * sync, after any ATC_INV queued behind it without a sync in
		 * between.  That is what makes a missing TLBI -> SYNC -> ATC_INV
		 * order observable.
		 */
		if (m->nr_pending == MSMMU_MAX_PENDING)
			exec_complete_tlbi_locked(m);
		m->pending[m->nr_pending++] = plan.match;
	} else if (cmd->op == SMMU_HW_OP_SYNC) {
		exec_complete_tlbi_locked(m);
	} else if (plan.kind == SMMU_HW_EXEC_CFG)
		msmmu_cfg_invalidate_locked(m, &plan.cfg);
	exec_account_locked(m, cmd, slot, SMMU_HW_CERROR_NONE);
	invt_cache_unlock(m->iotlb);
	return SMMU_HW_CERROR_NONE;
}

int invt_msmmu_create(const struct invt_msmmu_config *cfg, struct invt_mem *mem,
		      struct invt_oracle *oracle, struct invt_msmmu **out)
{
	struct smmu_hw_queue_exec exec;
	struct invt_cache_config cc;
	unsigned int feat;
	struct invt_msmmu *m;
	int ret, oas;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > MSMMU_MAX_CFG_ENTRIES || cfg->sidsize > 32 || cfg->ssidsize > 20)
		return -EINVAL;
	oas = msmmu_ps_encode(cfg->oas_bits ? cfg->oas_bits : 48);
	if (oas < 0)
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
		.seed = msmmu_mix(cfg->seed ^ SALT_IOTLB),
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
	m->cfg_rng = msmmu_mix(cfg->seed ^ SALT_CFG);
	invt_mem_pt_ops_init(&m->ptops, mem, INVT_MEM_NO_DOMAIN);

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
	exec = (struct smmu_hw_queue_exec){ .exec = msmmu_exec, .arg = m };
	smmu_hw_queue_init(&m->hq, &m->regs, feat, &exec,
			   cfg->threaded ? SMMU_HW_QUEUE_THREADED : SMMU_HW_QUEUE_INLINE);
	smmu_hw_queue_ctrl_init(&m->hq, cfg->ack_lag);
	smmu_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	if (cfg->cost_ns)
		memcpy(m->hq.cost_ns, cfg->cost_ns, sizeof(m->hq.cost_ns));
	*out = m;
	return 0;
err:
	free(m->cfgc);
	invt_cache_destroy(m->iotlb);
	free(m);
	return ret;
}

void invt_msmmu_destroy(struct invt_msmmu *m)
{
	if (!m)
		return;
	smmu_hw_queue_destroy(&m->hq);
	invt_mdev_table_destroy(&m->devs);
	free(m->cfgc);
	invt_cache_destroy(m->iotlb);
	free(m);
}

struct invt_smmu_regs *invt_msmmu_regs(struct invt_msmmu *m)
{
	return &m->regs;
}

struct invt_cache *invt_msmmu_iotlb(struct invt_msmmu *m)
{
	return m->iotlb;
}

int invt_msmmu_start(struct invt_msmmu *m)
{
	if (!m->cfg.threaded)
		return 0;
	return smmu_hw_queue_start(&m->hq);
}

void invt_msmmu_stop(struct invt_msmmu *m)
{
	smmu_hw_queue_stop(&m->hq);
}

int invt_msmmu_add_device(struct invt_msmmu *m, uint32_t sid, unsigned int atc_entries)
{
	if (atc_entries && !m->cfg.ats)
		return -EINVAL;		/* ATS without SMMU_IDR0.ATS */
	return invt_mdev_add(&m->devs, sid, atc_entries, "atc",
			     msmmu_mix(m->cfg.seed ^ SALT_ATC ^ ((uint64_t)sid << 20)));
}

int invt_msmmu_set_atc_timeout(struct invt_msmmu *m, uint32_t sid, bool on)
{
	struct invt_mdev *d = msmmu_find_dev(m, sid);

	if (!d)
		return -ENODEV;
	/* Relaxed: see exec_atc_inv(). */
	__atomic_store_n(&d->atc_timeout, on ? 1 : 0, __ATOMIC_RELAXED);
	return 0;
}

void invt_msmmu_stats(struct invt_msmmu *m, struct invt_msmmu_stats *st)
{
	memset(st, 0, sizeof(*st));
	/*
	 * The instance's counters are one snapshot (instance lock); the
	 * consumer's are atomic counters read after it, and the IOTLB's are
	 * the cache's own snapshot (it takes the same lock, not recursively).
	 */
	invt_cache_lock(m->iotlb);
	memcpy(st->by_op, m->by_op, sizeof(st->by_op));
	st->translations = m->translations;
	st->walks = m->walks;
	st->cfg_fetches = m->cfg_fetches;
	st->xlate_s1 = m->xlate[0];
	st->xlate_s2 = m->xlate[1];
	st->c_bad_ste = m->c_bad[0];
	st->c_bad_cd = m->c_bad[1];
	st->illegal_ste = m->illegal[0];
	st->illegal_cd = m->illegal[1];
	st->disabled_aborts = m->disabled_aborts;
	invt_cache_unlock(m->iotlb);
	st->handshake_errors = __atomic_load_n(&m->hq.handshake_errors, __ATOMIC_RELAXED);
	st->consumed = __atomic_load_n(&m->hq.consumed, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&m->hq.errors, __ATOMIC_RELAXED);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
	st->clock_ns = smmu_hw_queue_clock(&m->hq);
	invt_cache_stats(m->iotlb, &st->iotlb);
}

uint32_t invt_msmmu_cost_ns(const struct invt_msmmu *m, uint8_t op)
{
	/* Set before the consumer first ran, never written after. */
	return m->hq.cost_ns[op];
}
