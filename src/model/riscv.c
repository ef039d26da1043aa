// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * riscv.c - a modelled RISC-V IOMMU instance (<invtrack/model/riscv.h>):
 * the shared modelled unit (unit.c, unit-xlate.c) with RISC-V's registers,
 * its command-queue consumer (src/arch/riscv/hw-queue.c) and the executor
 * of its commands.  The directory fetch is in riscv-xlate.c.
 *
 * The executor runs in the consumer's thread (the doorbell's caller in
 * inline mode, the consumer thread otherwise) with the consumer's lock
 * held.  What each command removes comes from rv_hw_exec_plan()
 * (src/arch/riscv/hw-exec.c).  IOTINVALs wait as the unit's pending
 * invalidations and are applied under the instance lock when their
 * IOFENCE.C completes (RISC-V IOMMU 1.0 §3.1.2: only the fence's completion
 * guarantees they took effect), so no translation sees half of one;
 * IODIRs are applied at once under the instance lock, ATS.INVALs under the
 * target device's ATC lock only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv-internal.h"

/* The capabilities every instance has at reset (see <invtrack/model/riscv.h>). */
#define MRV_CAPS	(INVT_RV_CAP_SV39 | INVT_RV_CAP_SV48 | INVT_RV_CAP_SV57 | \
			 INVT_RV_CAP_SV39X4 | INVT_RV_CAP_SV48X4 | INVT_RV_CAP_SV57X4 | \
			 INVT_RV_CAP_PD8)

_Static_assert(sizeof(struct rv_hw_dir_scope) <= sizeof(((struct invt_munit_pending *)0)->scope),
	       "an IODIR's scope fits a pending entry");

/* ATS.INVAL: the device's ATC lock only, then the accounting and window. */
static int exec_ats_inval(struct invt_mrv *m, const struct rv_hw_exec *plan)
{
	int ret = 0;

	if (invt_munit_atc_inv(&m->u, plan->did, &plan->match[0]))
		ret = RV_HW_QUEUE_TIMEOUT;
	invt_cache_lock(m->u.iotlb);
	m->u.n.by_op[RV_HW_ATS_INVAL]++;
	invt_cache_unlock(m->u.iotlb);
	/* Device activity while IOTINVALs before it may still be pending. */
	invt_munit_atc_window(&m->u, plan->did, plan->pid, plan->match[0].start);
	return ret;
}

static int mrv_exec(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq)
{
	struct invt_mrv *m = arg;
	struct invt_munit_pending p = { .seq = seq };
	struct rv_hw_exec plan;
	unsigned int i;

	if (rv_hw_exec_plan(cmd, &plan))
		return 0;	/* not reachable: the decoder accepts planned kinds only */
	if (plan.kind == RV_HW_EXEC_ATC)
		return exec_ats_inval(m, &plan);

	invt_cache_lock(m->u.iotlb);
	if (plan.kind == RV_HW_EXEC_TLB) {
		for (i = 0; i < plan.nr_match; i++) {
			p.match = plan.match[i];
			invt_munit_pend_locked(&m->u, &p);
		}
	} else if (plan.kind == RV_HW_EXEC_DIR) {
		invt_munit_cfg_invalidate_locked(&m->u, &plan.dir);
	}
	m->u.n.by_op[cmd->kind]++;
	invt_cache_unlock(m->u.iotlb);
	return 0;
}

static void mrv_fence(void *arg, const struct rv_hw_cmd *cmd, uint64_t seq, bool timed_out)
{
	struct invt_mrv *m = arg;

	invt_cache_lock(m->u.iotlb);
	invt_munit_complete_locked(&m->u, INVT_MUNIT_ALL_TYPES, seq);
	if (!timed_out)
		m->u.n.by_op[cmd->kind]++;
	invt_cache_unlock(m->u.iotlb);
}

static void mrv_trace(void *arg, const uint64_t dw[2], unsigned int err)
{
	struct invt_mrv *m = arg;

	invt_munit_trace(&m->u, dw, err);
}

/* Host pointer to [pa, pa + len) when it lies in the pool. */
static void *mrv_va(void *arg, uint64_t pa, size_t len)
{
	struct invt_mrv *m = arg;

	if (!len || pa + len - 1 < pa || !invt_mem_va(m->u.mem, pa + len - 1))
		return NULL;
	return invt_mem_va(m->u.mem, pa);
}

INVT_MUNIT_QUEUE_OPS(mrv, struct invt_mrv, rv_hw_queue)
INVT_MUNIT_ACK_OPS(mrv, struct invt_mrv)

/*
 * A fault-queue record (RISC-V IOMMU 1.0 §3.2, 32 bytes): CAUSE [11:0],
 * PID [31:12], PV [32], TTYP [39:34], DID [63:40]; iotval (the faulting
 * address) at bytes 16-23, iotval2 at 24-31 (guest-page faults: the guest
 * physical address >> 2, bit 0 set when an implicit access of the
 * first-stage walk faulted).  CAUSE 13 / 15 load / store page fault
 * (first stage, or a single stage), 21 / 23 load / store guest-page fault
 * (second stage); TTYP 2 / 3 untranslated read / write.  The drivers leave
 * DC.tc.DTF clear (faults are reported).
 */
static size_t mrv_fault_record(const struct invt_munit_fault_info *f, uint8_t *rec)
{
	bool s2 = f->where == INVT_MDEV_FAULT_S2 || f->where == INVT_MDEV_FAULT_S2_TABLE;
	uint64_t w0, cause = s2 ? (f->write ? 23 : 21) : (f->write ? 15 : 13);

	w0 = cause | (uint64_t)(f->write ? 3 : 2) << 34 | (uint64_t)(f->sid & 0xffffff) << 40;
	if (f->ssid)
		w0 |= (uint64_t)(f->ssid & 0xfffff) << 12 | UINT64_C(1) << 32;
	invt_munit_put_le64(rec, w0);
	invt_munit_put_le64(rec + 8, 0);
	invt_munit_put_le64(rec + 16, f->iova);
	invt_munit_put_le64(rec + 24, s2 ? (f->ipa >> 2 & ~UINT64_C(1)) |
					  (f->where == INVT_MDEV_FAULT_S2_TABLE) : 0);
	return 32;
}

static const struct invt_munit_ops mrv_ops = {
	.fault_record = mrv_fault_record,
	.cfg_fetch = mrv_cfg_fetch,
	.cfg_in_scope = mrv_cfg_in_scope,
	.leaf = mrv_leaf,
	.walk_cache_root = false,
	.queue_start = mrv_queue_start,
	.queue_stop = mrv_queue_stop,
	.queue_destroy = mrv_queue_destroy,
	.queue_clock = mrv_queue_clock,
};

int invt_mrv_create(const struct invt_mrv_config *cfg, struct invt_mem *mem,
		    struct invt_oracle *oracle, struct invt_mrv **out)
{
	struct rv_hw_queue_ops ops = {
		.exec = mrv_exec, .fence = mrv_fence, .trace = mrv_trace, .va = mrv_va,
		.ack_begin = mrv_ack_begin, .ack_end = mrv_ack_end,
	};
	struct invt_munit_params up;
	struct invt_mrv *m;
	int ret;

	if (!cfg || !mem || !oracle || !out || !cfg->cfg_entries ||
	    cfg->cfg_entries > INVT_MUNIT_MAX_CFG_ENTRIES || cfg->iotlb_tag > INVT_MRV_TAG_SCID)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->cfg.cost_ns = NULL;		/* copied into the consumer below */
	up = (struct invt_munit_params){
		INVT_MUNIT_PARAMS_OF(cfg), .atc_name = "atc",
		.tag = cfg->iotlb_tag == INVT_MRV_TAG_DEVICE ? INVT_MUNIT_TAG_DEVICE :
							      INVT_MUNIT_TAG_DOMAIN,
	};
	ret = invt_munit_init(&m->u, &up, &mrv_ops, mem, oracle);
	if (ret) {
		free(m);
		return ret;
	}

	/* Reset: capabilities set, every other register 0 (riscv-regs.h). */
	m->regs.capabilities = MRV_CAPS | (cfg->ats ? INVT_RV_CAP_ATS : 0) |
			       (cfg->napot ? INVT_RV_CAP_S : 0) | (cfg->nl ? INVT_RV_CAP_NL : 0);
	ops.arg = m;
	ret = rv_hw_queue_init(&m->hq, &m->regs, &ops,
			       cfg->threaded ? RV_HW_QUEUE_THREADED : RV_HW_QUEUE_INLINE);
	if (ret) {
		invt_munit_release(&m->u);
		free(m);
		return ret;
	}
	if (cfg->consumer_only)
		m->regs.consume = NULL;	/* completion waits for the consumer thread */
	rv_hw_queue_set_lag(&m->hq, cfg->ack_lag);
	rv_hw_queue_faults(&m->hq, cfg->faults, cfg->seed);
	if (cfg->cost_ns)
		memcpy(m->hq.cost_ns, cfg->cost_ns, sizeof(m->hq.cost_ns));
	invt_munit_set_queue(&m->u, m->hq.cost_ns, RV_HW_NR_CMDS, &m->hq.consumed, &m->hq.errors,
			     &m->hq.handshake_errors);
	*out = m;
	return 0;
}

/* invt_mrv_destroy(), _iotlb(), _start(), _stop(), _dma(). */
INVT_MUNIT_PUBLIC_API(mrv, struct invt_mrv)

struct invt_riscv_regs *invt_mrv_regs(struct invt_mrv *m)
{
	return &m->regs;
}

int invt_mrv_add_device(struct invt_mrv *m, uint32_t did, unsigned int atc_entries)
{
	return invt_munit_add_device(&m->u, did, atc_entries);
}

int invt_mrv_set_atc_timeout(struct invt_mrv *m, uint32_t did, bool on)
{
	return invt_munit_set_atc_timeout(&m->u, did, on);
}

void invt_mrv_stats(struct invt_mrv *m, struct invt_mrv_stats *st)
{
	struct invt_munit_stats us;

	invt_munit_stats(&m->u, &us);
	memset(st, 0, sizeof(*st));
	INVT_MUNIT_STATS_COPY(st, &us);
	st->stalls_ended = invt_hw_faults_read(&m->hq.faults, st->faults);
	st->handshake_errors = us.handshake_errors;
}

uint32_t invt_mrv_cost_ns(const struct invt_mrv *m, unsigned int op_index)
{
	return invt_munit_cost_ns(&m->u, op_index);
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
