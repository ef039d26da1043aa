// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * riscv.c - a modelled RISC-V IOMMU instance (<invtrack/model/riscv.h>):
 * its creation, devices, and the command executor.  Translation is in
 * riscv-xlate.c; the shared state and the lock order in riscv-internal.h.
 *
 * The executor runs in the consumer's thread (the doorbell's caller in
 * inline mode, the consumer thread otherwise) with the consumer's lock
 * held.  What each command removes comes from rv_hw_exec_plan()
 * (src/arch/riscv/hw-exec.c).  IOTINVALs are queued in @pending and applied
 * under the instance lock when their IOFENCE.C completes (RISC-V IOMMU 1.0
 * §3.1.2: only the fence's completion guarantees they took effect), so no
 * translation sees half of one; IODIRs are applied at once under the
 * instance lock, ATS.INVALs under the target device's ATC lock only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv-internal.h"

/* Seed salts: each generator of the instance gets its own stream. */
#define SALT_IOTLB	UINT64_C(0x1071b)
#define SALT_CFG	UINT64_C(0xcf9)
#define SALT_ATC	UINT64_C(0xa7c)

/* The capabilities every instance has at reset (see model-riscv.h). */
#define MRV_CAPS	(INVT_RV_CAP_SV39 | INVT_RV_CAP_SV48 | INVT_RV_CAP_SV57 | \
			 INVT_RV_CAP_SV39X4 | INVT_RV_CAP_SV48X4 | INVT_RV_CAP_SV57X4 | \
			 INVT_RV_CAP_PD8)

struct invt_mdev *mrv_find_dev(struct invt_mrv *m, uint32_t did)
{
	return invt_mdev_find(&m->devs, did);
}

/* Apply the pending invalidations with a seq up to @seq.  Both locks held. */
static void complete_pending_locked(struct invt_mrv *m, uint64_t seq)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->nr_pending; i++) {
		if (m->pending[i].seq <= seq)
			invt_cache_invalidate_locked(m->iotlb, &m->pending[i].m);
		else
			m->pending[n++] = m->pending[i];
	}
	m->nr_pending = n;
}

/* ATS.INVAL: the device's ATC lock only, then the accounting and window. */
static int exec_ats_inval(struct invt_mrv *m, const struct rv_hw_exec *plan)
{
	struct invt_mdev *d = mrv_find_dev(m, plan->did);
	int ret = 0;

	if (d && d->atc) {
		invt_cache_lock(d->atc);
		invt_cache_invalidate_locked(d->atc, &plan->match[0]);
		invt_cache_unlock(d->atc);
	}
	/*
	 * Relaxed: the flag is a test's fault injection, set before the
	 * commands it concerns are submitted (the doorbell or cqt's
	 * release/acquire orders it); no data hangs on it.
	 */
	if (d && __atomic_load_n(&d->atc_timeout, __ATOMIC_RELAXED))
		ret = RV_HW_QUEUE_TIMEOUT;
	invt_cache_lock(m->iotlb);
	m->by_op[RV_HW_ATS_INVAL]++;
	invt_cache_unlock(m->iotlb);
	/* Device activity while IOTINVALs before it may still be pending. */
	if (m->cfg.atc_window)
		m->cfg.atc_window(m->cfg.window_arg, m->cfg.id, plan->did, plan->pid,
				  plan->match[0].start);
	return ret;
}

static int mrv_exec(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq)
{
	struct invt_mrv *m = arg;
	struct rv_hw_exec plan;
	unsigned int i;

	if (rv_hw_exec_plan(cmd, &plan))
		return 0;	/* not reachable: the decoder accepts planned kinds only */
	if (plan.kind == RV_HW_EXEC_ATC)
		return exec_ats_inval(m, &plan);

	invt_cache_lock(m->iotlb);
	if (plan.kind == RV_HW_EXEC_TLB) {
		for (i = 0; i < plan.nr_match; i++) {
			/* Full: completing early is always allowed. */
			if (m->nr_pending == MRV_MAX_PENDING)
				complete_pending_locked(m, UINT64_MAX);
			m->pending[m->nr_pending].m = plan.match[i];
			m->pending[m->nr_pending++].seq = seq;
		}
	} else if (plan.kind == RV_HW_EXEC_DIR) {
		mrv_cfg_invalidate_locked(m, &plan.dir);
	}
	m->by_op[cmd->kind]++;
	invt_cache_unlock(m->iotlb);
	return 0;
}

static void mrv_fence(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq, bool timed_out)
{
	struct invt_mrv *m = arg;

	invt_cache_lock(m->iotlb);
	complete_pending_locked(m, seq);
	if (!timed_out)
		m->by_op[cmd->kind]++;
	invt_cache_unlock(m->iotlb);
}

static void mrv_trace(void *arg, const uint64_t dw[2], unsigned int err)
{
	struct invt_mrv *m = arg;

	if (m->cfg.trace)
		m->cfg.trace(m->cfg.trace_arg, m->cfg.id, dw, err);
}

/* Host pointer to [pa, pa + len) when it lies in the pool. */
static void *mrv_va(void *arg, uint64_t pa, size_t len)
{
	struct invt_mrv *m = arg;

	if (!len || pa + len - 1 < pa || !invt_mem_va(m->mem, pa + len - 1))
		return NULL;
	return invt_mem_va(m->mem, pa);
}

int invt_mrv_create(const struct invt_mrv_config *cfg, struct invt_mem *mem,
		    struct invt_oracle *oracle, struct invt_mrv **out)
{
	struct rv_hw_queue_ops ops = {
		.exec = mrv_exec, .fence = mrv_fence, .trace = mrv_trace, .va = mrv_va,
	};
	struct invt_cache_config cc;
	struct invt_mrv *m;
	int ret;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > MRV_MAX_CFG_ENTRIES || cfg->iotlb_tag > INVT_MRV_TAG_SCID)
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
		.seed = mrv_mix(cfg->seed ^ SALT_IOTLB),
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
	m->cfg_rng = mrv_mix(cfg->seed ^ SALT_CFG);
	invt_mem_pt_ops_init(&m->ptops, mem, INVT_MEM_NO_DOMAIN);

	/* Reset: capabilities set, every other register 0 (riscv-regs.h). */
	m->regs.capabilities = MRV_CAPS | (cfg->ats ? INVT_RV_CAP_ATS : 0) |
			       (cfg->napot ? INVT_RV_CAP_S : 0) | (cfg->nl ? INVT_RV_CAP_NL : 0);
	ops.arg = m;
	ret = rv_hw_queue_init(&m->hq, &m->regs, &ops,
			       cfg->threaded ? RV_HW_QUEUE_THREADED : RV_HW_QUEUE_INLINE);
	if (!ret) {
		rv_hw_queue_set_lag(&m->hq, cfg->ack_lag);
		rv_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	}
	if (ret) {
		invt_mdev_table_destroy(&m->devs);
		goto err;
	}
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

void invt_mrv_destroy(struct invt_mrv *m)
{
	if (!m)
		return;
	rv_hw_queue_destroy(&m->hq);
	invt_mdev_table_destroy(&m->devs);
	free(m->cfgc);
	invt_cache_destroy(m->iotlb);
	free(m);
}

struct invt_riscv_regs *invt_mrv_regs(struct invt_mrv *m)
{
	return &m->regs;
}

struct invt_cache *invt_mrv_iotlb(struct invt_mrv *m)
{
	return m->iotlb;
}

int invt_mrv_start(struct invt_mrv *m)
{
	if (!m->cfg.threaded)
		return 0;
	return rv_hw_queue_start(&m->hq);
}

void invt_mrv_stop(struct invt_mrv *m)
{
	rv_hw_queue_stop(&m->hq);
}

int invt_mrv_add_device(struct invt_mrv *m, uint32_t did, unsigned int atc_entries)
{
	if (atc_entries && !m->cfg.ats)
		return -EINVAL;		/* ATS without capabilities.ATS */
	return invt_mdev_add(&m->devs, did, atc_entries, "atc",
			     mrv_mix(m->cfg.seed ^ SALT_ATC ^ ((uint64_t)did << 20)));
}

int invt_mrv_set_atc_timeout(struct invt_mrv *m, uint32_t did, bool on)
{
	struct invt_mdev *d = mrv_find_dev(m, did);

	if (!d)
		return -ENODEV;
	/* Relaxed: see exec_ats_inval(). */
	__atomic_store_n(&d->atc_timeout, on ? 1 : 0, __ATOMIC_RELAXED);
	return 0;
}

void invt_mrv_stats(struct invt_mrv *m, struct invt_mrv_stats *st)
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
	invt_cache_unlock(m->iotlb);
	st->consumed = __atomic_load_n(&m->hq.consumed, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&m->hq.errors, __ATOMIC_RELAXED);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
	st->handshake_errors = __atomic_load_n(&m->hq.handshake_errors, __ATOMIC_RELAXED);
	st->clock_ns = rv_hw_queue_clock(&m->hq);
	invt_cache_stats(m->iotlb, &st->iotlb);
}

uint32_t invt_mrv_cost_ns(const struct invt_mrv *m, unsigned int op_index)
{
	/* Set before the consumer first ran, never written after. */
	return op_index < INVT_MRV_NR_OPS ? m->hq.cost_ns[op_index] : 0;
}

unsigned int invt_mrv_op_index(const void *cmd)
{
	const uint8_t *b = cmd;
	unsigned int op = b[0] & 0x7f, f3 = (b[0] >> 7 | b[1] << 1) & 7;

	return op < 32 ? RV_HW_CMD(op, f3) : 0;
}

const char *invt_mrv_op_name(unsigned int op_index)
{
	return rv_hw_cmd_name(op_index);
}

int invt_mrv_describe(const void *cmd, char *buf, size_t len)
{
	const struct rv_hw_limits all = {
		.caps = INVT_RV_CAP_ATS | INVT_RV_CAP_NL | INVT_RV_CAP_S | (7ull << 38),
		.wsi = true,
	};
	struct rv_hw_cmd c;
	uint64_t dw[2];

	rv_hw_words_le(cmd, dw);
	if (rv_hw_decode(dw, &all, &c, NULL)) {
		if (len)
			snprintf(buf, len, "ILLEGAL opcode=%u func3=%u",
				 (unsigned int)(dw[0] & 0x7f), (unsigned int)(dw[0] >> 7) & 7);
		return -EINVAL;
	}
	return rv_hw_describe(&c, buf, len);
}
