// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_smmuv3_driver.c - the SMMUv3 driver (driver.c, driver-cfg.c) against
 * a real consumer: the model's Command queue (hw-queue.c) run inline from
 * the doorbell, whose executor records every command as the hardware-side
 * decoder (hw.h) read it, and may reject the nth one as CERROR_ILL.  STEs
 * and CDs are read back from memory with the model's parser (hw-cfg.h).
 *
 *  - init: registers, CFGI_ALL + SYNC, bad configs, unwinding of every step;
 *  - each entry type -> exact commands, with and without RIL; IOTLB then
 *    ATC phases in one submission;
 *  - masters: attach / replace / detach through every STE and CD path,
 *    checked by parsing, and the break-before-make CFGI sequence;
 *  - the "config-inval" ablation issues no CFGI;
 *  - a CFGI rejected at each point of an install: -EIO, and abort restores
 *    memory and the core's arrays exactly;
 *  - plan_count equals the commands consumed, over 1-3 SMMUs and ~20 ranges.
 * Single-threaded (the consumer runs in the test's thread), so cmocka asserts
 * everywhere.  An alarm bounds each run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <invtrack/ablation.h>
#include <invtrack/fault.h>
#include <invtrack/smmuv3-driver.h>

#include "hw.h"
#include "hw-cfg.h"
#include "hw-queue.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TIME_BOUND	100	/* a hang cap only */
#define NSMMU		3
#define MAXREC		8192
#define PAGE		4096ull
#define SID_BITS	8
#define ACK_LAG		2

/* ------------------------------------------------------ consumer record */

struct rec {
	struct smmu_hw_cmd cmd[MAXREC];
	size_t n;		/* commands executed (stored while below MAXREC) */
	size_t syncs;
	unsigned long seen;	/* non-SYNC commands since armed */
	unsigned long fail_at;	/* reject the fail_at-th of them; 0: never */
	unsigned int rejected;
	struct smmu_hw_cmd bad;	/* the rejected one: its resends are too */
	unsigned int resends;	/* resends of it rejected so far */
	const uint64_t *peek;	/* an STE copied at the next CFGI_STE, or NULL */
	uint64_t peeked[8];
};

static int rec_exec(void *arg, const struct smmu_hw_cmd *cmd, const void *slot)
{
	struct rec *r = arg;

	/*
	 * The driver resends a failed batch (INVT_CMD_RETRIES_MUST times): the
	 * rejected command's resends are rejected too, so that the error
	 * reaches the caller; what comes after them (an unwind) goes through.
	 */
	if (cmd->op != SMMU_HW_OP_SYNC && r->fail_at) {
		if (++r->seen == r->fail_at) {
			r->bad = *cmd;
			r->resends = 0;
			r->rejected++;
			return SMMU_HW_CERROR_ILL;
		}
		if (r->seen > r->fail_at && r->resends < INVT_CMD_RETRIES_MUST &&
		    cmd->op == r->bad.op && cmd->sid == r->bad.sid && cmd->ssid == r->bad.ssid) {
			r->resends++;
			r->rejected++;
			return SMMU_HW_CERROR_ILL;
		}
	}
	if (r->peek && cmd->op == SMMU_HW_OP_CFGI_STE) {
		memcpy(r->peeked, r->peek, sizeof(r->peeked));
		r->peek = NULL;
	}
	if (r->n < MAXREC)
		r->cmd[r->n] = *cmd;
	r->n++;
	r->syncs += cmd->op == SMMU_HW_OP_SYNC;
	return SMMU_HW_CERROR_NONE;
}

/* --------------------------------------------------------------- memory */

struct tmem {
	struct invt_smmu_mem_ops ops;
	unsigned long calls;
	unsigned long fail_at;	/* the fail_at-th call fails; 0: never */
	long live;
};

static void *tmem_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct tmem *t = arg;
	size_t align = bytes < 64 ? 64 : bytes;
	void *p;

	if (++t->calls == t->fail_at)
		return NULL;
	p = aligned_alloc(align, align);
	if (!p)
		return NULL;
	memset(p, 0, align);
	*pa = (uintptr_t)p;
	t->live++;
	return p;
}

static void tmem_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct tmem *t = arg;

	assert_int_equal(pa, (uintptr_t)va);
	free(va);
	t->live--;
}

struct tpt {
	struct invt_pt_ops ops;	/* first: the callbacks get &ops */
	long live;
};

static int tpt_alloc(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, PAGE);
	*pa = (uintptr_t)p;
	((struct tpt *)ops)->live++;
	return 0;
}

static void tpt_free(struct invt_pt_ops *ops, uint64_t pa)
{
	free((void *)(uintptr_t)pa);
	((struct tpt *)ops)->live--;
}

static uint64_t *tpt_va(struct invt_pt_ops *ops, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

/* ----------------------------------------------------------------- world */

struct env {
	struct invt_ctx ctx;
	struct invt_smmu_regs regs[NSMMU];
	struct smmu_hw_queue hq[NSMMU];
	struct rec rec[NSMMU];
	struct invt_smmu smmu[NSMMU];
	bool up[NSMMU];
	struct tmem mem;
	struct tpt pt;
	struct smmu_hw_cfg_idr idr;
};

static struct env *E;

static int env_setup(void **state)
{
	unsigned int i;

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_ctx_init(&E->ctx);
	E->mem.ops = (struct invt_smmu_mem_ops){ tmem_alloc, tmem_free, &E->mem };
	E->pt.ops = (struct invt_pt_ops){ .alloc_table = tpt_alloc, .free_table = tpt_free,
					  .table_va = tpt_va };
	smmu_hw_cfg_idr_init(&E->idr, SMMU_HW_FEAT_ALL);
	for (i = 0; i < NSMMU; i++) {
		struct smmu_hw_queue_exec exec = { .exec = rec_exec, .arg = &E->rec[i] };

		/*
		 * The ID registers of a full-featured SMMU without RIL (tests
		 * turn caps.ril on where they want it); CR0ACK lags 2 ticks.
		 */
		struct smmu_hw_cfg_idr id = E->idr;

		id.feat &= ~SMMU_HW_FEAT_RIL;
		smmu_hw_idr_write(&id, INVT_SMMU_CMDQ_MAX_LOG2SIZE, &E->regs[i]);
		smmu_hw_queue_init(&E->hq[i], &E->regs[i], SMMU_HW_FEAT_ALL, &exec,
				   SMMU_HW_QUEUE_INLINE);
		smmu_hw_queue_ctrl_init(&E->hq[i], ACK_LAG);
	}
	return 0;
}

static int env_teardown(void **state)
{
	unsigned int i;

	for (i = 0; i < NSMMU; i++) {
		if (E->up[i])
			assert_int_equal(invt_smmu_destroy(&E->smmu[i]), 0);
		smmu_hw_queue_destroy(&E->hq[i]);
	}
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	assert_int_equal(E->mem.live, 0);
	assert_int_equal(E->pt.live, 0);
	free(E);
	E = NULL;
	return 0;
}

static struct invt_smmu_config base_cfg(unsigned int i)
{
	return (struct invt_smmu_config){
		.id = i, .regs = &E->regs[i], .cmdq_log2size = 6, .sid_bits = SID_BITS,
		.mem = &E->mem.ops,
	};
}

static struct invt_smmu *smmu_up(unsigned int i)
{
	struct invt_smmu_config cfg = base_cfg(i);

	assert_int_equal(invt_smmu_init(&E->smmu[i], &E->ctx, &cfg), 0);
	E->up[i] = true;
	return &E->smmu[i];
}

static void domain(struct invt_smmu_domain *d, enum invt_domain_type type)
{
	assert_int_equal(invt_smmu_domain_init(d, &E->ctx, type, &E->pt.ops), 0);
}

static uint32_t tag_of(struct invt_smmu_domain *d, struct invt_smmu *s)
{
	uint32_t tag = 0;

	assert_int_equal(invt_domain_tag(&d->dom, &s->iommu, &tag), 0);
	return tag;
}

/* ------------------------------------------------------ command checks */

#define CMD(...)	((struct smmu_hw_cmd){ __VA_ARGS__ })
#define SYNC		CMD(.op = SMMU_HW_OP_SYNC)

static void expect_cmd(const struct smmu_hw_cmd *g, const struct smmu_hw_cmd *e, size_t at)
{
	if (g->op != e->op || g->vmid != e->vmid || g->asid != e->asid || g->addr != e->addr ||
	    g->leaf != e->leaf || g->tg != e->tg || g->num != e->num || g->scale != e->scale ||
	    g->ttl != e->ttl || g->sid != e->sid || g->ssid != e->ssid || g->ssv != e->ssv ||
	    g->size != e->size || g->range != e->range || g->cs != e->cs)
		fail_msg("command %zu: got %s vmid %u asid %u addr %#llx leaf %d tg %u num %u "
			 "scale %u sid %u ssid %u ssv %d size %u range %u; expected %s vmid %u "
			 "asid %u addr %#llx leaf %d tg %u num %u scale %u sid %u ssid %u ssv %d "
			 "size %u range %u", at, smmu_hw_op_name(g->op), g->vmid, g->asid,
			 (unsigned long long)g->addr, g->leaf, g->tg, g->num, g->scale, g->sid,
			 g->ssid, g->ssv, g->size, g->range, smmu_hw_op_name(e->op), e->vmid,
			 e->asid, (unsigned long long)e->addr, e->leaf, e->tg, e->num, e->scale,
			 e->sid, e->ssid, e->ssv, e->size, e->range);
}

/* The commands recorded on SMMU @i from index @from are exactly @exp. */
static void expect_rec(unsigned int i, size_t from, const struct smmu_hw_cmd *exp, size_t n)
{
	const struct rec *r = &E->rec[i];
	size_t k;

	assert_true(r->n <= MAXREC);
	if (r->n - from != n)
		fail_msg("SMMU %u: %zu commands from %zu, expected %zu", i, r->n - from, from, n);
	for (k = 0; k < n; k++)
		expect_cmd(&r->cmd[from + k], &exp[k], from + k);
}

/*
 * @nsteps break-before-make steps from record index *@at: each one CFGI
 * (@op, @ssid, @leaf) per SID of @m, then a CMD_SYNC.  Advances *@at.
 */
static void expect_steps(unsigned int i, size_t *at, const struct invt_smmu_master *m,
			 uint8_t op, uint32_t ssid, bool leaf, unsigned int nsteps)
{
	struct smmu_hw_cmd exp[INVT_MAX_SIDS + 1];
	unsigned int s, k, n = m->dev.nr_sids + 1;

	assert_true(E->rec[i].n >= *at + (size_t)n * nsteps);
	for (k = 0; k < m->dev.nr_sids; k++)
		exp[k] = CMD(.op = op, .sid = m->dev.sids[k], .leaf = leaf,
			     .ssid = op == SMMU_HW_OP_CFGI_CD ? ssid : 0);
	exp[k] = SYNC;
	for (s = 0; s < nsteps; s++) {
		for (k = 0; k < n; k++)
			expect_cmd(&E->rec[i].cmd[*at + k], &exp[k], *at + k);
		*at += n;
	}
}

/* ------------------------------------------------------------- 1. init */

static void test_init(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const struct smmu_hw_cmd exp[] = {
		CMD(.op = SMMU_HW_OP_CFGI_STE_RANGE, .range = 31),
		CMD(.op = SMMU_HW_OP_TLBI_NSNH_ALL), CMD(.op = SMMU_HW_OP_TLBI_EL2_ALL), SYNC,
	};
	size_t i, bytes = 64u << SID_BITS;

	assert_int_equal(E->regs[0].strtab_base, (uintptr_t)s->strtab);
	assert_int_equal(s->strtab_pa, (uintptr_t)s->strtab);
	assert_int_equal(E->regs[0].strtab_base_cfg, SID_BITS);
	assert_int_equal(E->regs[0].cmdq_base, (uintptr_t)s->cmdq.base | 6);
	expect_rec(0, 0, exp, ARRAY_SIZE(exp));
	for (i = 0; i < bytes / 8; i++)
		assert_int_equal(s->strtab[i], 0);
	assert_int_equal(E->mem.live, 1);
	assert_int_equal(s->iommu.flags, INVT_IOMMU_SYNC_ORDERS);
	assert_ptr_equal(s->iommu.tags[0], &s->asids);
	assert_ptr_equal(s->iommu.tags[1], &s->vmids);
	assert_int_equal(s->asids.min, 1);
	assert_int_equal(s->asids.max, 0xffff);
	assert_int_equal(s->vmids.min, 1);
	assert_int_equal(s->vmids.max, 0xffff);
	assert_ptr_equal(invt_smmu_from_iommu(&s->iommu), s);
	assert_int_equal(s->stats.submits, 1);
	assert_int_equal(s->stats.waits, 1);
	assert_int_equal(s->stats.cmds, 4);
	assert_int_equal(s->stats.syncs, 1);
	/* Enabled (ATSCHK: the SMMU has ATS), acknowledged; GBPA aborts while disabled. */
	assert_int_equal(E->regs[0].cr0, INVT_SMMU_CR0_SMMUEN | INVT_SMMU_CR0_CMDQEN |
					 (s->ats ? INVT_SMMU_CR0_ATSCHK : 0));
	assert_int_equal(E->regs[0].cr0ack, E->regs[0].cr0);
	assert_int_equal(E->regs[0].gbpa, INVT_SMMU_GBPA_ABORT);
	assert_int_equal(E->hq[0].handshake_errors, 0);
	assert_int_equal(s->stats.ack_timeouts, 0);
	assert_true(s->feat.s1 && s->feat.s2 && s->feat.ats && !s->feat.ril);
	assert_int_equal(s->feat.oas_bits, 52);
	assert_int_equal(s->feat.ias_bits, 52);

	/* 8-bit tags; a second instance with the same id. */
	{
		struct invt_smmu_config cfg = base_cfg(1);

		cfg.asid_bits = 8;
		cfg.vmid_bits = 8;
		assert_int_equal(invt_smmu_init(&E->smmu[1], &E->ctx, &cfg), 0);
		E->up[1] = true;
		assert_int_equal(E->smmu[1].asids.max, 255);
		assert_int_equal(E->smmu[1].vmids.max, 255);
		cfg = base_cfg(2);
		cfg.id = 0;
		assert_int_equal(invt_smmu_init(&E->smmu[2], &E->ctx, &cfg), -EEXIST);
		assert_int_equal(E->mem.live, 2);
		assert_int_equal(E->regs[2].cmdq_base, 0);
		assert_int_equal(E->regs[2].strtab_base, 0);
		assert_int_equal(E->regs[2].strtab_base_cfg, 0);
	}
}

static void test_init_bad(void **state)
{
	struct invt_smmu_mem_ops no_free = { tmem_alloc, NULL, &E->mem };
	struct invt_smmu_config cfg;
	unsigned long allocs;
	int k;

	for (k = 0; k < 11; k++) {
		cfg = base_cfg(0);
		switch (k) {
		case 0: cfg.regs = NULL; break;
		case 1: cfg.mem = NULL; break;
		case 2: cfg.mem = &no_free; break;
		case 3: cfg.cmdq_log2size = 0; break;
		case 4: cfg.cmdq_log2size = INVT_SMMU_CMDQ_MAX_LOG2SIZE + 1; break;
		case 5: cfg.sid_bits = 0; break;
		case 6: cfg.sid_bits = 25; break;
		case 7: cfg.asid_bits = 12; break;
		case 8: cfg.vmid_bits = 4; break;
		case 9: cfg.asid_bits = 32; break;
		default: break;
		}
		allocs = invt_alloc_count();
		if (k == 10)
			assert_int_equal(invt_smmu_init(&E->smmu[0], NULL, &cfg), -EINVAL);
		else
			assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -EINVAL);
		assert_int_equal(invt_alloc_count(), allocs);
		assert_int_equal(E->mem.calls, 0);
		assert_int_equal(E->regs[0].cmdq_base, 0);
		assert_int_equal(E->regs[0].strtab_base, 0);
	}
	/* A command error active in the registers: the queue refuses. */
	E->regs[0].gerror = INVT_SMMU_GERROR_CMDQ_ERR;
	cfg = base_cfg(0);
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -EINVAL);
	assert_int_equal(E->mem.calls, 0);
	E->regs[0].gerror = 0;
}

/* Nothing of a failed init is left: a fresh init works and uses id 0. */
static void expect_unwound(void)
{
	assert_int_equal(E->mem.live, 0);
	assert_int_equal(E->regs[0].cmdq_base, 0);
	assert_int_equal(E->regs[0].strtab_base, 0);
	assert_int_equal(E->regs[0].strtab_base_cfg, 0);
	assert_true(invt_list_empty(&E->ctx.iommus));
}

static void test_init_unwind(void **state)
{
	struct invt_smmu_config cfg = base_cfg(0);
	unsigned long before;

	/* Heap allocations: the queue memory and the two tag bitmaps. */
	before = invt_alloc_count();
	smmu_up(0);
	assert_int_equal(invt_alloc_count() - before, 3);
	assert_int_equal(invt_smmu_destroy(&E->smmu[0]), 0);
	E->up[0] = false;
	expect_unwound();

	invt_fault_inject(1);
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -ENOMEM);
	expect_unwound();
	invt_fault_inject(2);
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -ENOMEM);
	assert_false(invt_fault_pending());
	expect_unwound();
	invt_fault_inject(3);
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -ENOMEM);
	assert_false(invt_fault_pending());
	expect_unwound();

	/* The stream table. */
	E->mem.calls = 0;
	E->mem.fail_at = 1;
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -ENOMEM);
	E->mem.fail_at = 0;
	expect_unwound();

	/* CFGI_ALL rejected by the SMMU, sent again and rejected: the wait reports it. */
	E->rec[0].fail_at = 1;
	E->rec[0].seen = 0;
	assert_int_equal(invt_smmu_init(&E->smmu[0], &E->ctx, &cfg), -EIO);
	assert_int_equal(E->rec[0].rejected, 1 + INVT_CMD_RETRIES_MUST);
	E->rec[0].fail_at = 0;
	expect_unwound();

	smmu_up(0);
}

/* ------------------------------------------------------------ 2. commands */

#define R_LEAF	{ .start = 0x10000000, .last = 0x10000fff, .leaf = true }
#define R_3	{ .start = 0x200000, .last = 0x202fff }
#define R_ALL	{ .all = true }

struct cmd_case {
	uint8_t type;
	uint32_t id, ssid;
	bool ril;
	struct invt_range r;
	size_t n;
	struct smmu_hw_cmd exp[4];
};

#define NH_VA(a, l, ...) CMD(.op = SMMU_HW_OP_TLBI_NH_VA, .asid = 5, .addr = (a), .leaf = (l), \
			     __VA_ARGS__)
#define S2_IPA(a, l, ...) CMD(.op = SMMU_HW_OP_TLBI_S2_IPA, .vmid = 7, .addr = (a), .leaf = (l), \
			      __VA_ARGS__)
#define ATC(a, sz, ...) CMD(.op = SMMU_HW_OP_ATC_INV, .sid = 3, .addr = (a), .size = (sz), \
			    __VA_ARGS__)

static const struct cmd_case cmd_cases[] = {
	{ INVT_INV_IOTLB_S1, 5, 0, false, R_LEAF, 2, { NH_VA(0x10000000, 1), SYNC } },
	{ INVT_INV_IOTLB_S1, 5, 0, false, R_3, 4,
	  { NH_VA(0x200000, 0), NH_VA(0x201000, 0), NH_VA(0x202000, 0), SYNC } },
	{ INVT_INV_IOTLB_S1, 5, 0, false, R_ALL, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_NH_ASID, .asid = 5), SYNC } },
	/* RIL: one page is two (NUM = SCALE = 0 with TG set is reserved). */
	{ INVT_INV_IOTLB_S1, 5, 0, true, R_LEAF, 2,
	  { NH_VA(0x10000000, 1, .tg = 1, .num = 0, .scale = 1), SYNC } },
	{ INVT_INV_IOTLB_S1, 5, 0, true, R_3, 2, { NH_VA(0x200000, 0, .tg = 1, .num = 2), SYNC } },
	{ INVT_INV_IOTLB_S1, 5, 0, true, R_ALL, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_NH_ASID, .asid = 5), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, false, R_LEAF, 2, { S2_IPA(0x10000000, 1), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, false, R_3, 4,
	  { S2_IPA(0x200000, 0), S2_IPA(0x201000, 0), S2_IPA(0x202000, 0), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, false, R_ALL, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_S12_VMALL, .vmid = 7), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, true, R_LEAF, 2,
	  { S2_IPA(0x10000000, 1, .tg = 1, .scale = 1), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, true, R_3, 2, { S2_IPA(0x200000, 0, .tg = 1, .num = 2), SYNC } },
	{ INVT_INV_IOTLB_S2, 7, 0, true, R_ALL, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_S12_VMALL, .vmid = 7), SYNC } },
	{ INVT_INV_IOTLB_S2_S1_CLEAR, 7, 0, false, R_LEAF, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_NH_ALL, .vmid = 7), SYNC } },
	{ INVT_INV_IOTLB_S2_S1_CLEAR, 7, 0, true, R_3, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_NH_ALL, .vmid = 7), SYNC } },
	{ INVT_INV_IOTLB_S2_S1_CLEAR, 7, 0, false, R_ALL, 2,
	  { CMD(.op = SMMU_HW_OP_TLBI_NH_ALL, .vmid = 7), SYNC } },
	{ INVT_INV_ATC, 3, 0, false, R_LEAF, 2, { ATC(0x10000000, 0), SYNC } },
	{ INVT_INV_ATC, 3, 0, true, R_3, 2, { ATC(0x200000, 2), SYNC } },
	{ INVT_INV_ATC, 3, 0, false, R_ALL, 2, { ATC(0, 52), SYNC } },
	{ INVT_INV_ATC, 3, 9, false, R_3, 2, { ATC(0x200000, 2, .ssv = 1, .ssid = 9), SYNC } },
	{ INVT_INV_ATC, 3, 9, true, R_ALL, 2, { ATC(0, 52, .ssv = 1, .ssid = 9), SYNC } },
	{ INVT_INV_ATC_FULL, 3, 0, false, R_LEAF, 2, { ATC(0, 52), SYNC } },
	{ INVT_INV_ATC_FULL, 3, 0, true, R_ALL, 2, { ATC(0, 52), SYNC } },
};

static void test_entry_cmds(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	struct invt_invs *invs = invt_invs_alloc(1);
	size_t k;

	assert_non_null(invs);
	for (k = 0; k < ARRAY_SIZE(cmd_cases); k++) {
		const struct cmd_case *c = &cmd_cases[k];
		uint64_t submits = s->stats.submits, waits = s->stats.waits;
		size_t from = E->rec[0].n;

		invs->inv[0] = (struct invt_inv){ .iommu = &s->iommu, .type = c->type,
						  .id = c->id, .ssid = c->ssid, .users = 1 };
		s->caps.ril = c->ril;
		invt_invs_flush(&E->ctx, invs, &c->r);
		expect_rec(0, from, c->exp, c->n);
		assert_int_equal(s->stats.submits - submits, 1);
		assert_int_equal(s->stats.waits - waits, 1);
	}
	assert_int_equal(s->stats.build_errors, 0);
	assert_int_equal(s->stats.wait_errors, 0);
	invt_invs_free(invs);
}

static void test_entry_req(void **state)
{
	const struct invt_range r = { .start = 0x1000, .last = 0x1fff, .leaf = true };
	struct invt_inv inv = { .type = INVT_INV_IOTLB_S2_S1_CLEAR, .id = 1 };
	struct invt_smmu_inv req;

	assert_int_equal(invt_smmu_entry_req(&inv, &r, &req), -EINVAL);
	inv.type = INVT_INV_NR_TYPES;
	assert_int_equal(invt_smmu_entry_req(&inv, &r, &req), -EINVAL);
	inv.type = INVT_INV_IOTLB_S1;
	inv.id = 0x10000;
	assert_int_equal(invt_smmu_entry_req(&inv, &r, &req), -EINVAL);
	inv.id = 0x1234;
	assert_int_equal(invt_smmu_entry_req(&inv, &r, &req), 0);
	assert_int_equal(req.kind, INVT_SMMU_INV_S1);
	assert_int_equal(req.asid, 0x1234);
	assert_int_equal(req.vmid, 0);
	assert_true(req.leaf);
	assert_false(req.all);
	assert_int_equal(req.start, 0x1000);
	assert_int_equal(req.last, 0x1fff);
	inv = (struct invt_inv){ .type = INVT_INV_ATC, .id = 77, .ssid = 4 };
	assert_int_equal(invt_smmu_entry_req(&inv, &r, &req), 0);
	assert_int_equal(req.kind, INVT_SMMU_INV_ATC);
	assert_int_equal(req.sid, 77);
	assert_true(req.ssv);
	assert_int_equal(req.ssid, 4);
	assert_false(req.leaf);
}

/* An S1 domain on a 2-SID ATS master: TLBI, SYNC, ATC_INV x2, SYNC at once. */
static void test_flush_phases(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const uint32_t sids[] = { 10, 11 };
	struct invt_smmu_master m;
	struct invt_smmu_domain d;
	uint64_t submits, waits;
	size_t from;
	uint32_t asid;

	domain(&d, INVT_DOMAIN_S1);
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 1, true), 0);
	assert_int_equal(invt_smmu_attach(&m, 0, &d), 0);
	asid = tag_of(&d, s);
	{
		const struct smmu_hw_cmd exp[] = {
			CMD(.op = SMMU_HW_OP_TLBI_NH_VA, .asid = asid, .addr = 0x5000, .leaf = 1),
			SYNC,
			CMD(.op = SMMU_HW_OP_ATC_INV, .sid = 10, .addr = 0x5000),
			CMD(.op = SMMU_HW_OP_ATC_INV, .sid = 11, .addr = 0x5000),
			SYNC,
		};

		submits = s->stats.submits;
		waits = s->stats.waits;
		from = E->rec[0].n;
		assert_int_equal(invt_domain_invalidate(&d.dom, 0x5000, PAGE, true), 0);
		expect_rec(0, from, exp, ARRAY_SIZE(exp));
		assert_int_equal(s->stats.submits - submits, 1);
		assert_int_equal(s->stats.waits - waits, 1);
	}
	assert_int_equal(invt_smmu_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d), 0);
}


/* ------------------------------------------------------------ 3. masters */

static uint64_t *ste_mem(struct invt_smmu *s, uint32_t sid)
{
	return s->strtab + (size_t)sid * INVT_SMMU_CFG_WORDS;
}

static bool words_zero(const uint64_t *w)
{
	unsigned int i;

	for (i = 0; i < INVT_SMMU_CFG_WORDS; i++)
		if (w[i])
			return false;
	return true;
}

static void parse_ste(struct invt_smmu *s, uint32_t sid, struct smmu_hw_ste *ste)
{
	enum smmu_hw_cfg_why why = SMMU_HW_CFG_WHY_NONE;
	int ret = smmu_hw_ste_parse(ste_mem(s, sid), &E->idr, ste, &why);

	if (ret)
		fail_msg("STE %u: %s (rule %d)", sid, smmu_hw_evt_name(ret), why);
}

/* Locate the CD of (@ssv, @ssid) at @addr and parse it; the parser's result. */
static int parse_cd(const struct smmu_hw_ste *ste, bool ssv, uint32_t ssid, uint64_t addr,
		    struct smmu_hw_cd *cd)
{
	uint64_t got = 0;

	assert_int_equal(smmu_hw_cd_locate(ste, ssv, ssid, &got, NULL), 0);
	assert_int_equal(got, addr);
	return smmu_hw_cd_parse((const uint64_t *)(uintptr_t)got, ste, &E->idr, cd, NULL);
}

static void check_cd(const struct smmu_hw_cd *cd, struct invt_smmu *s, struct invt_smmu_domain *d)
{
	assert_true(cd->valid);
	assert_int_equal(cd->asid, tag_of(d, s));
	assert_int_equal(cd->ttb0, d->pt.root_pa);
	assert_int_equal(cd->t0sz, 16);
	assert_int_equal(cd->tg0_granule, 12);
	assert_int_equal(cd->s1_level0, 0);
	assert_int_equal(cd->ips, INVT_SMMU_PS_48);
	assert_int_equal(cd->mair, 0xff);
	assert_false(cd->epd0);
	assert_true(cd->epd1);
	assert_true(cd->aa64);
	assert_true(cd->r);
	assert_true(cd->a);
	assert_true(cd->aset);
}

/* A master without substreams uses @d (NULL: abort) on every SID. */
static void check_rid(struct invt_smmu_master *m, struct invt_smmu_domain *d)
{
	struct invt_smmu *s = m->smmu;
	struct smmu_hw_ste ste;
	struct smmu_hw_cd cd;
	uint64_t addr;
	unsigned int i;

	assert_ptr_equal(m->rid, d);
	assert_ptr_equal(invt_device_domain(&m->dev, 0), d ? &d->dom : NULL);
	for (i = 0; i < m->dev.nr_sids; i++) {
		parse_ste(s, m->dev.sids[i], &ste);
		assert_true(ste.valid);
		if (!d) {
			assert_int_equal(ste.config, INVT_SMMU_STE_ABORT);
			assert_int_equal(ste.eats, 0);
			assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, NULL),
					 SMMU_HW_CFG_ABORT);
		} else if (d->dom.type == INVT_DOMAIN_S1) {
			assert_int_equal(ste.config, INVT_SMMU_STE_S1);
			assert_true(ste.s1);
			assert_false(ste.s2);
			assert_int_equal(ste.eats, m->dev.ats);
			assert_int_equal(ste.s1cdmax, 0);
			assert_int_equal(ste.s2vmid, 0);
			assert_int_equal(parse_cd(&ste, false, 0, m->cdtab_pa, &cd), 0);
			check_cd(&cd, s, d);
		} else {
			assert_int_equal(ste.config, INVT_SMMU_STE_S2);
			assert_false(ste.s1);
			assert_true(ste.s2);
			assert_int_equal(ste.eats, m->dev.ats);
			assert_int_equal(ste.s2vmid, tag_of(d, s));
			assert_int_equal(ste.s2t0sz, 16);
			assert_int_equal(ste.s2sl0, 2);
			assert_int_equal(ste.s2_level, 0);
			assert_int_equal(ste.s2_granule, 12);
			assert_int_equal(ste.s2ps, INVT_SMMU_PS_48);
			assert_int_equal(ste.s2_pa_bits, 48);
			assert_int_equal(ste.s2ttb, d->pt.root_pa);
			assert_true(ste.s2aa64);
			assert_true(ste.s2r);
			assert_int_equal(smmu_hw_cd_locate(&ste, false, 0, &addr, NULL),
					 SMMU_HW_CFG_NO_CD);
		}
	}
	/* CD 0 is cleared whenever the STE does not reach it. */
	if (!d || d->dom.type != INVT_DOMAIN_S1)
		assert_true(words_zero(m->cdtab));
}

/*
 * A master with substreams: S1 STE, CD @ssid for @d; NULL: the blocking CD,
 * valid with both table walks disabled (EPD0 = EPD1 = 1, §5.4), so that an
 * access is a translation fault and not C_BAD_CD.
 */
static void check_pasid(struct invt_smmu_master *m, uint32_t ssid, struct invt_smmu_domain *d)
{
	struct smmu_hw_ste ste;
	struct smmu_hw_cd cd;
	unsigned int i;
	int ret;

	assert_ptr_equal(invt_device_domain(&m->dev, ssid), d ? &d->dom : NULL);
	for (i = 0; i < m->dev.nr_sids; i++) {
		parse_ste(m->smmu, m->dev.sids[i], &ste);
		assert_int_equal(ste.config, INVT_SMMU_STE_S1);
		assert_int_equal(ste.s1cdmax, m->cdmax);
		assert_int_equal(ste.s1dss, 2);
		assert_int_equal(ste.eats, m->dev.ats);
		assert_int_equal(ste.s2vmid, 0);
		ret = parse_cd(&ste, ssid != 0, ssid, m->cdtab_pa + 64ull * ssid, &cd);
		if (!d) {
			assert_int_equal(ret, 0);
			assert_true(cd.valid);
			assert_true(cd.epd0);
			assert_true(cd.epd1);
			assert_true(cd.a);
			continue;
		}
		assert_int_equal(ret, 0);
		check_cd(&cd, m->smmu, d);
	}
}

/* Prepare and install; the record index where the install's commands start. */
static size_t install(struct invt_smmu_attach *a, struct invt_smmu_master *m, uint32_t ssid,
		      struct invt_smmu_domain *d)
{
	size_t at;

	assert_int_equal(invt_smmu_attach_prepare(a, m, ssid, d), 0);
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_attach_install(a), 0);
	assert_true(a->installed);
	return at;
}

#define OP_STE	SMMU_HW_OP_CFGI_STE
#define OP_CD	SMMU_HW_OP_CFGI_CD

static void test_master_rid(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const uint32_t sids[] = { 10, 11 };
	struct invt_smmu_domain d1, d2, d3;
	struct invt_smmu_master m;
	struct invt_smmu_attach a;
	uint64_t writes, body[8];
	unsigned int i;
	size_t at;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	domain(&d3, INVT_DOMAIN_S2);
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 1, true), 0);
	assert_int_equal(m.cdmax, 0);
	assert_int_equal(m.ste_config, INVT_SMMU_STE_ABORT);
	/* The aborting STE uses word 0 alone: written whole, one CFGI (Leaf 0). */
	expect_steps(0, &at, &m, OP_STE, 0, false, 1);
	assert_int_equal(E->rec[0].n, at);
	check_rid(&m, NULL);

	/*
	 * ABORT -> S1: CD 0 written then invalidated, then the STE, body and
	 * V (the aborting STE is already the break structure).
	 */
	writes = s->stats.cfg_writes;
	at = install(&a, &m, 0, &d1);
	expect_steps(0, &at, &m, OP_CD, 0, true, 1);
	expect_steps(0, &at, &m, OP_STE, 0, true, 2);
	assert_int_equal(E->rec[0].n, at);
	assert_int_equal(s->stats.cfg_writes - writes, 1 + 2 * 2);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d1);
	assert_int_equal(m.ste_config, INVT_SMMU_STE_S1);

	/* S1 -> S1: CD 0 break-before-make, STE untouched. */
	at = install(&a, &m, 0, &d2);
	expect_steps(0, &at, &m, OP_CD, 0, true, 3);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d2);

	/* S1 -> S2: the STE; CD 0 cleared. */
	at = install(&a, &m, 0, &d3);
	expect_steps(0, &at, &m, OP_STE, 0, true, 3);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d3);
	assert_int_equal(m.ste_config, INVT_SMMU_STE_S2);

	/* Busy while attached. */
	assert_int_equal(invt_smmu_master_destroy(&m), -EBUSY);
	check_rid(&m, &d3);

	/*
	 * S2 -> ABORT (the break structure itself: one step) -> S2 -> S1.
	 * When the SMMU is told (the CFGI), word 0 aborts and the body is
	 * still the stage-2 one: no read of the slot, in any word order, can
	 * combine the old Config with a cleared S2 body (an ILLEGAL STE).
	 */
	memcpy(body, ste_mem(s, 10), sizeof(body));
	E->rec[0].peek = ste_mem(s, 10);
	at = install(&a, &m, 0, NULL);
	expect_steps(0, &at, &m, OP_STE, 0, true, 1);
	assert_int_equal(E->rec[0].n, at);
	assert_null(E->rec[0].peek);
	assert_int_equal(le64toh(E->rec[0].peeked[0]), INVT_SMMU_STE_W0_ABORT);
	assert_memory_equal(&E->rec[0].peeked[1], &body[1], sizeof(body) - sizeof(body[0]));
	for (i = 1; i < 8; i++)		/* then the body (IGNORED) cleared */
		assert_int_equal(ste_mem(s, 10)[i], 0);
	invt_smmu_attach_commit(&a);
	check_rid(&m, NULL);
	at = install(&a, &m, 0, &d3);
	expect_steps(0, &at, &m, OP_STE, 0, true, 2);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d3);
	at = install(&a, &m, 0, &d1);
	expect_steps(0, &at, &m, OP_CD, 0, true, 1);
	expect_steps(0, &at, &m, OP_STE, 0, true, 3);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d1);

	assert_int_equal(invt_smmu_attach(&m, 0, NULL), 0);
	check_rid(&m, NULL);
	assert_int_equal(invt_smmu_destroy(s), -EBUSY);
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	expect_steps(0, &at, &m, OP_STE, 0, false, 1);
	assert_int_equal(E->rec[0].n, at);
	assert_true(words_zero(ste_mem(s, 10)));
	assert_true(words_zero(ste_mem(s, 11)));
	assert_int_equal(s->stats.wait_errors, 0);
	assert_int_equal(invt_smmu_domain_destroy(&d1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d2), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d3), 0);
}

static void test_master_pasid(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const uint32_t sid = 20;
	struct invt_smmu_domain d1, d2, d3, bad;
	struct invt_smmu_master m;
	struct invt_smmu_attach a;
	uint64_t st[8], ct[8 * 8], addr;
	struct smmu_hw_ste ste;
	struct invt_invs *invs;
	size_t at;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	domain(&d3, INVT_DOMAIN_S2);
	assert_int_equal(invt_smmu_domain_init(&bad, &E->ctx, INVT_DOMAIN_NESTED, &E->pt.ops),
			 -EINVAL);
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_master_init(&m, s, &sid, 1, 5, false), 0);
	assert_int_equal(m.cdmax, 3);
	expect_steps(0, &at, &m, OP_STE, 0, false, 2);
	assert_int_equal(E->rec[0].n, at);
	check_pasid(&m, 3, NULL);
	check_pasid(&m, 0, NULL);
	parse_ste(s, sid, &ste);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 0, &addr, NULL),
			 SMMU_HW_EVT_F_STREAM_DISABLED);
	assert_int_equal(smmu_hw_cd_locate(&ste, true, 8, &addr, NULL),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);

	/* A blocking CD is already broken: body, CFGI, V, CFGI. */
	at = install(&a, &m, 3, &d1);
	expect_steps(0, &at, &m, OP_CD, 3, true, 2);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_pasid(&m, 3, &d1);
	at = install(&a, &m, 0, &d2);
	expect_steps(0, &at, &m, OP_CD, 0, true, 2);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_pasid(&m, 0, &d2);
	assert_ptr_equal(m.rid, &d2);
	/* A valid CD: break first. */
	at = install(&a, &m, 3, &d2);
	expect_steps(0, &at, &m, OP_CD, 3, true, 3);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_pasid(&m, 3, &d2);
	check_pasid(&m, 0, &d2);

	/* Refused, nothing changed: S2 on a PASID master, bad ssids. */
	memcpy(st, ste_mem(s, sid), sizeof(st));
	memcpy(ct, m.cdtab, sizeof(ct));
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_attach_prepare(&a, &m, 1, &d3), -EINVAL);
	assert_int_equal(invt_smmu_attach(&m, 0, &d3), -EINVAL);
	assert_int_equal(invt_smmu_attach_prepare(&a, &m, 5, &d1), -EINVAL);
	assert_int_equal(invt_smmu_attach(&m, 8, &d1), -EINVAL);
	assert_int_equal(E->rec[0].n, at);
	assert_memory_equal(st, ste_mem(s, sid), sizeof(st));
	assert_memory_equal(ct, m.cdtab, sizeof(ct));
	invs = invt_domain_invs_get(&d3.dom);
	assert_non_null(invs);
	assert_int_equal(invs->num_invs, 0);
	invt_invs_free(invs);
	assert_int_equal(invt_tag_space_used(&s->vmids), 0);
	assert_null(invt_device_domain(&m.dev, 1));

	/* Detach: one step (break). */
	at = install(&a, &m, 3, NULL);
	expect_steps(0, &at, &m, OP_CD, 3, true, 1);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_pasid(&m, 3, NULL);
	check_pasid(&m, 0, &d2);
	assert_int_equal(invt_smmu_master_destroy(&m), -EBUSY);
	assert_int_equal(invt_smmu_attach(&m, 0, NULL), 0);
	check_pasid(&m, 0, NULL);
	assert_null(m.rid);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_true(words_zero(ste_mem(s, sid)));
	assert_int_equal(invt_smmu_domain_destroy(&d1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d2), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d3), 0);
}

static void test_master_init_bad(void **state)
{
	struct invt_smmu *s = smmu_up(0), *noats;
	struct invt_smmu_config cfg = base_cfg(1);
	struct invt_smmu_master m, m2;
	const uint32_t big = 1u << SID_BITS, sids[] = { 5, 6, 7, 8, 9 }, dup[] = { 7, 7 };
	const uint32_t in_use[] = { 6, 5 };
	long live;
	size_t at;
	int k;

	E->regs[1].idr0 &= ~INVT_SMMU_IDR0_ATS;	/* an SMMU without ATS */
	assert_int_equal(invt_smmu_init(&E->smmu[1], &E->ctx, &cfg), 0);
	E->up[1] = true;
	noats = &E->smmu[1];
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 1, 1, false), 0);

	live = E->mem.live;
	at = E->rec[0].n;
	assert_int_equal(invt_smmu_master_init(&m2, s, &big, 1, 1, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, in_use, 2, 1, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, dup, 2, 1, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, sids, 0, 1, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, sids, 5, 1, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, sids + 1, 1, 0, false), -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, s, sids + 1, 1, (1u << 20) + 1, false),
			 -EINVAL);
	assert_int_equal(invt_smmu_master_init(&m2, noats, sids + 1, 1, 1, true), -EINVAL);
	assert_int_equal(E->mem.live, live);
	assert_int_equal(E->rec[0].n, at);
	assert_true(words_zero(ste_mem(s, 6)));

	/* Allocation failure: the CD table (the core's device allocates nothing). */
	E->mem.fail_at = E->mem.calls + 1;
	assert_int_equal(invt_smmu_master_init(&m2, s, sids + 1, 1, 4, true), -ENOMEM);
	E->mem.fail_at = 0;
	assert_int_equal(E->mem.live, live);
	assert_int_equal(E->rec[0].n, at);

	/* The SMMU rejects the first, then the second CFGI: back to invalid. */
	for (k = 1; k <= 2; k++) {
		E->rec[0].seen = 0;
		E->rec[0].fail_at = k;
		assert_int_equal(invt_smmu_master_init(&m2, s, sids + 1, 1, 4, true), -EIO);
		E->rec[0].fail_at = 0;
		assert_true(words_zero(ste_mem(s, 6)));
		assert_int_equal(E->mem.live, live);
		assert_int_equal(s->nr_masters, 1);
	}
	assert_int_equal(invt_smmu_master_init(&m2, s, sids + 1, 1, 4, true), 0);
	check_pasid(&m2, 1, NULL);
	assert_int_equal(invt_smmu_master_destroy(&m2), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
}

/* ------------------------------------------------------------ 4. ablation */

static size_t count_cfgi(unsigned int i, size_t from)
{
	size_t k, n = 0;

	for (k = from; k < E->rec[i].n && k < MAXREC; k++)
		n += E->rec[i].cmd[k].op >= SMMU_HW_OP_CFGI_STE &&
		     E->rec[i].cmd[k].op <= SMMU_HW_OP_CFGI_CD_ALL;
	return n;
}

static void test_ablate_config_inval(void **state)
{
	struct invt_smmu *s;
	const uint32_t sids[] = { 10, 11 }, psid = 20;
	struct invt_smmu_domain d1, d3;
	struct invt_smmu_master m, mp;
	struct invt_smmu_attach a;
	size_t from, at;

	if (!invt_ablations_built())
		skip();
	assert_int_equal(invt_ablate(&E->ctx, "config-inval"), 0);
	s = smmu_up(0);
	domain(&d1, INVT_DOMAIN_S1);
	domain(&d3, INVT_DOMAIN_S2);
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&mp, s, &psid, 1, 4, false), 0);
	from = E->rec[0].n;

	/* Installs issue nothing at all; commits still flush (no CFGI). */
	at = install(&a, &m, 0, &d1);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d1);
	at = install(&a, &m, 0, &d3);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &d3);
	at = install(&a, &m, 0, NULL);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_rid(&m, NULL);
	at = install(&a, &mp, 2, &d1);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	check_pasid(&mp, 2, &d1);
	at = install(&a, &mp, 2, NULL);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	assert_int_equal(count_cfgi(0, from), 0);
	assert_true(E->rec[0].n > from);	/* the commits' TLBI / ATC_INV */

	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_master_destroy(&mp), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d3), 0);
}

/* ---------------------------------------------------------- 5. errors */

static void expect_invs_equal(const struct invt_invs *a, const struct invt_invs *b)
{
	size_t i;

	assert_int_equal(a->num_invs, b->num_invs);
	for (i = 0; i < a->num_invs; i++) {
		assert_ptr_equal(a->inv[i].iommu, b->inv[i].iommu);
		assert_int_equal(a->inv[i].type, b->inv[i].type);
		assert_int_equal(a->inv[i].id, b->inv[i].id);
		assert_int_equal(a->inv[i].ssid, b->inv[i].ssid);
		assert_int_equal(a->inv[i].users, b->inv[i].users);
	}
}

static struct invt_invs *invs_of(struct invt_smmu_domain *d)
{
	struct invt_invs *invs = d ? invt_domain_invs_get(&d->dom) : invt_invs_alloc(0);

	assert_non_null(invs);
	return invs;
}

/*
 * (@m, @ssid) uses @old; moving it to @new has its k-th CFGI rejected, for
 * every k: install fails with -EIO, abort restores the stream table, the CD
 * table, the core's arrays and tags exactly.
 */
static void fail_each_cfgi(struct invt_smmu_master *m, uint32_t ssid,
			   struct invt_smmu_domain *old, struct invt_smmu_domain *new)
{
	struct invt_smmu *s = m->smmu;
	size_t sbytes = 64u << SID_BITS, cbytes = 64u << m->cdmax, from;
	uint64_t *st = malloc(sbytes), *ct = malloc(cbytes), werr;
	struct invt_invs *io = invs_of(old), *in = invs_of(new), *got;
	unsigned int asids = invt_tag_space_used(&s->asids);
	unsigned int vmids = invt_tag_space_used(&s->vmids);
	struct invt_smmu_attach a;
	unsigned long k, ncfgi;

	assert_non_null(st);
	assert_non_null(ct);
	memcpy(st, s->strtab, sbytes);
	memcpy(ct, m->cdtab, cbytes);

	/* Dry run: the install's CFGIs; abort from a complete install. */
	from = install(&a, m, ssid, new);
	ncfgi = count_cfgi(0, from);
	assert_true(ncfgi >= 1);
	invt_smmu_attach_abort(&a);

	for (k = 0; k <= ncfgi; k++) {
		if (k) {
			assert_int_equal(invt_smmu_attach_prepare(&a, m, ssid, new), 0);
			werr = s->stats.wait_errors;
			E->rec[0].seen = 0;
			E->rec[0].fail_at = k;
			assert_int_equal(invt_smmu_attach_install(&a), -EIO);
			E->rec[0].fail_at = 0;
			assert_false(a.installed);
			assert_int_equal(s->stats.wait_errors - werr, 1 + INVT_CMD_RETRIES_MUST);
			invt_smmu_attach_abort(&a);
			assert_int_equal(s->stats.wait_errors - werr, 1 + INVT_CMD_RETRIES_MUST);
		}
		assert_memory_equal(st, s->strtab, sbytes);
		assert_memory_equal(ct, m->cdtab, cbytes);
		assert_ptr_equal(invt_device_domain(&m->dev, ssid), old ? &old->dom : NULL);
		if (!ssid)
			assert_ptr_equal(m->rid, old);
		got = invs_of(old);
		expect_invs_equal(got, io);
		invt_invs_free(got);
		got = invs_of(new);
		expect_invs_equal(got, in);
		invt_invs_free(got);
		assert_int_equal(invt_tag_space_used(&s->asids), asids);
		assert_int_equal(invt_tag_space_used(&s->vmids), vmids);
	}
	invt_invs_free(io);
	invt_invs_free(in);
	free(st);
	free(ct);
}

static void test_install_errors(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const uint32_t sids[] = { 10, 11 }, sids0[] = { 12, 13 }, psid = 20;
	struct invt_smmu_domain d1, d2, d3;
	struct invt_smmu_master m, m0, mp;

	domain(&d1, INVT_DOMAIN_S1);
	domain(&d2, INVT_DOMAIN_S1);
	domain(&d3, INVT_DOMAIN_S2);
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&m0, s, sids0, 2, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&mp, s, &psid, 1, 8, true), 0);
	assert_int_equal(invt_smmu_attach(&m, 0, &d1), 0);
	assert_int_equal(invt_smmu_attach(&mp, 2, &d1), 0);

	fail_each_cfgi(&m, 0, &d1, &d3);	/* STE S1 -> S2, CD 0 cleared */
	fail_each_cfgi(&m, 0, &d1, &d2);	/* CD 0 break-before-make */
	fail_each_cfgi(&m, 0, &d1, NULL);	/* STE S1 -> abort */
	fail_each_cfgi(&m0, 0, NULL, &d1);	/* CD 0 written, STE abort -> S1 */
	fail_each_cfgi(&m0, 0, NULL, &d3);	/* STE abort -> S2 */
	fail_each_cfgi(&mp, 2, &d1, &d2);	/* CD 2 break-before-make */
	fail_each_cfgi(&mp, 1, NULL, &d2);	/* CD 1 from invalid */
	fail_each_cfgi(&mp, 2, &d1, NULL);	/* CD 2 broken */
	check_rid(&m, &d1);
	check_rid(&m0, NULL);
	check_pasid(&mp, 2, &d1);

	/* Still usable afterwards. */
	assert_int_equal(invt_smmu_attach(&m, 0, &d3), 0);
	check_rid(&m, &d3);
	assert_int_equal(invt_smmu_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&mp, 2, NULL), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_master_destroy(&m0), 0);
	assert_int_equal(invt_smmu_master_destroy(&mp), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d2), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d3), 0);
}

/* ----------------------------------------------------- 6. plan count */

static const struct {
	uint64_t iova, size;
	bool leaf;
} plan_ranges[] = {
	{ 0, PAGE, true },
	{ 0x1000, PAGE, false },
	{ 0x1800, PAGE, true },			/* unaligned: two pages */
	{ 0x3000, 3 * PAGE, true },
	{ 0x7000, 31 * PAGE, false },
	{ 0x20000, 32 * PAGE, true },
	{ 0x21000, 33 * PAGE, true },
	{ 0x10000, 63 * PAGE, false },
	{ 0x10000, 65 * PAGE, true },
	{ 0x100000, 511 * PAGE, true },
	{ 0x200000, 512 * PAGE, false },
	{ 0x201000, 513 * PAGE, true },
	{ 0x5000, 1001 * PAGE, true },
	{ 0x40000000, 1ull << 30, false },
	{ (1ull << 48) - PAGE, PAGE, true },	/* top of a 48-bit space */
	{ (1ull << 48) - 17 * PAGE, 17 * PAGE, false },
	{ (1ull << 48) - 33 * PAGE, 33 * PAGE, true },
	{ 0, 1ull << 48, false },		/* all of it */
	{ (1ull << 52) - 2 * PAGE, 4 * PAGE, true },	/* across the IPA top */
	{ 0ull - PAGE, PAGE, true },		/* ends at 2^64 */
	{ 0ull - 33 * PAGE, 33 * PAGE, true },
};

static void rec_totals(size_t *cmds, size_t *syncs)
{
	unsigned int i;

	*cmds = 0;
	*syncs = 0;
	for (i = 0; i < NSMMU; i++) {
		*cmds += E->rec[i].n;
		*syncs += E->rec[i].syncs;
	}
}

/* Invalidate @d over every range and all: the plan is what was consumed. */
static void plan_domain(struct invt_smmu_domain *d, unsigned int nsmmu)
{
	size_t k, c0, s0, c1, s1;
	uint64_t pc, ps;

	for (k = 0; k <= ARRAY_SIZE(plan_ranges); k++) {
		struct invt_range r = { .all = true };
		struct invt_invs *invs = invs_of(d);

		if (k < ARRAY_SIZE(plan_ranges)) {
			r = (struct invt_range){ .start = plan_ranges[k].iova,
						 .last = plan_ranges[k].iova +
							 (plan_ranges[k].size - 1),
						 .leaf = plan_ranges[k].leaf };
		}
		invt_smmu_plan_count(invs, &r, &pc, &ps);
		invt_invs_free(invs);
		rec_totals(&c0, &s0);
		if (r.all)
			assert_int_equal(invt_domain_invalidate_all(&d->dom), 0);
		else
			assert_int_equal(invt_domain_invalidate(&d->dom, plan_ranges[k].iova,
								plan_ranges[k].size,
								plan_ranges[k].leaf), 0);
		rec_totals(&c1, &s1);
		if (pc != c1 - c0 || ps != s1 - s0)
			fail_msg("range %zu: plan %llu cmds %llu syncs, consumed %zu, %zu", k,
				 (unsigned long long)pc, (unsigned long long)ps, c1 - c0, s1 - s0);
		assert_true(ps >= nsmmu);
	}
}

static void test_plan_count(void **state)
{
	static const bool ril[][NSMMU] = {
		{ false, false, false }, { true, true, true }, { false, true, false },
	};
	struct invt_smmu_master m0a, m0b, m0c, m1, m1s, m2, m2s;
	const uint32_t s1 = 1, s2 = 2, s4 = 4, s23[] = { 2, 3 };
	struct invt_smmu_domain da, db, dc, ds;
	unsigned int i, k;

	for (i = 0; i < NSMMU; i++)
		smmu_up(i);
	domain(&da, INVT_DOMAIN_S1);
	domain(&db, INVT_DOMAIN_S1);
	domain(&dc, INVT_DOMAIN_S1);
	domain(&ds, INVT_DOMAIN_S2);
	assert_int_equal(invt_smmu_master_init(&m0a, &E->smmu[0], &s1, 1, 1, false), 0);
	assert_int_equal(invt_smmu_master_init(&m0b, &E->smmu[0], s23, 2, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&m0c, &E->smmu[0], &s4, 1, 1, false), 0);
	assert_int_equal(invt_smmu_master_init(&m1, &E->smmu[1], &s1, 1, 4, true), 0);
	assert_int_equal(invt_smmu_master_init(&m1s, &E->smmu[1], &s2, 1, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&m2, &E->smmu[2], &s1, 1, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&m2s, &E->smmu[2], &s2, 1, 1, false), 0);
	assert_int_equal(invt_smmu_attach(&m0a, 0, &da), 0);	/* 1 SMMU */
	assert_int_equal(invt_smmu_attach(&m0b, 0, &db), 0);	/* 2 SMMUs, ATC */
	assert_int_equal(invt_smmu_attach(&m1, 2, &db), 0);
	assert_int_equal(invt_smmu_attach(&m0c, 0, &dc), 0);	/* 3 SMMUs */
	assert_int_equal(invt_smmu_attach(&m1, 1, &dc), 0);
	assert_int_equal(invt_smmu_attach(&m2, 0, &dc), 0);
	assert_int_equal(invt_smmu_attach(&m1s, 0, &ds), 0);	/* S2 on 2 SMMUs */
	assert_int_equal(invt_smmu_attach(&m2s, 0, &ds), 0);

	for (k = 0; k < ARRAY_SIZE(ril); k++) {
		for (i = 0; i < NSMMU; i++)
			E->smmu[i].caps.ril = ril[k][i];
		plan_domain(&da, 1);
		plan_domain(&db, 2);
		plan_domain(&dc, 3);
		plan_domain(&ds, 2);
	}
	for (i = 0; i < NSMMU; i++) {
		assert_int_equal(E->smmu[i].stats.build_errors, 0);
		assert_int_equal(E->smmu[i].stats.wait_errors, 0);
	}

	assert_int_equal(invt_smmu_attach(&m0a, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m0b, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m0c, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m1, 1, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m1, 2, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m1s, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m2, 0, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m2s, 0, NULL), 0);
	assert_int_equal(invt_smmu_master_destroy(&m0a), 0);
	assert_int_equal(invt_smmu_master_destroy(&m0b), 0);
	assert_int_equal(invt_smmu_master_destroy(&m0c), 0);
	assert_int_equal(invt_smmu_master_destroy(&m1), 0);
	assert_int_equal(invt_smmu_master_destroy(&m1s), 0);
	assert_int_equal(invt_smmu_master_destroy(&m2), 0);
	assert_int_equal(invt_smmu_master_destroy(&m2s), 0);
	assert_int_equal(invt_smmu_domain_destroy(&da), 0);
	assert_int_equal(invt_smmu_domain_destroy(&db), 0);
	assert_int_equal(invt_smmu_domain_destroy(&dc), 0);
	assert_int_equal(invt_smmu_domain_destroy(&ds), 0);
}

static void fake_build(struct invt_batch *b, const struct invt_inv *inv,
		       const struct invt_range *r)
{
}

/* Only live entries of SMMU instances count; one sync per non-empty phase. */
static void test_plan_filter(void **state)
{
	static const struct invt_iommu_ops fake_ops = { .build = fake_build };
	struct invt_iommu fake = { .id = 9, .ops = &fake_ops };
	const struct invt_range r = { .start = 0x1000, .last = 0x2fff };
	struct invt_smmu *s = smmu_up(0);
	struct invt_invs *invs = invt_invs_alloc(6);
	uint64_t cmds, syncs;

	assert_non_null(invs);
	s->caps.ril = false;
	invs->inv[0] = (struct invt_inv){ NULL, INVT_INV_IOTLB_S1, 1, 0, 1 };
	invs->inv[1] = (struct invt_inv){ &s->iommu, INVT_INV_IOTLB_S1, 1, 0, 0 };
	invs->inv[2] = (struct invt_inv){ &s->iommu, INVT_INV_IOTLB_S1, 2, 0, 1 };
	invs->inv[3] = (struct invt_inv){ &s->iommu, INVT_INV_IOTLB_S2_S1_CLEAR, 3, 0, 2 };
	invs->inv[4] = (struct invt_inv){ &s->iommu, INVT_INV_ATC, 5, 1, 1 };
	invs->inv[5] = (struct invt_inv){ &fake, INVT_INV_IOTLB_S1, 1, 0, 1 };
	invt_smmu_plan_count(invs, &r, &cmds, &syncs);
	assert_int_equal(cmds, (2 + 1) + (1 + 1) + (1 + 1));
	assert_int_equal(syncs, 3);
	invs->inv[3].users = 0;
	invs->inv[4].users = 0;
	invt_smmu_plan_count(invs, &r, &cmds, &syncs);
	assert_int_equal(cmds, 3);
	assert_int_equal(syncs, 1);
	invs->num_invs = 1;
	invt_smmu_plan_count(invs, &r, &cmds, &syncs);
	assert_int_equal(cmds, 0);
	assert_int_equal(syncs, 0);
	invt_invs_free(invs);
}

/* ------------------------------------------ 5. ID registers and bring-up */

/*
 * Memory below 2^44 for a 44-bit SMMU: host pointers (heap, stack) are
 * above, and the SMMU could not reach them.  A bump arena mapped low.
 */
#define LOW_BASE	(1ull << 36)
#define LOW_SIZE	(16u << 20)

static uint8_t *low_arena;
static size_t low_used;

static void *low_take(size_t bytes, size_t align)
{
	size_t at = (low_used + align - 1) & ~(align - 1);

	if (at + bytes > LOW_SIZE)
		return NULL;
	low_used = at + bytes;
	memset(low_arena + at, 0, bytes);
	return low_arena + at;
}

static void *low_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	void *p = low_take(bytes < 64 ? 64 : bytes, bytes < 64 ? 64 : bytes);

	if (p) {
		*pa = (uintptr_t)p;
		((struct tmem *)arg)->live++;
	}
	return p;
}

static void low_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	((struct tmem *)arg)->live--;	/* the arena goes as a whole */
}

static int low_alloc_table(struct invt_pt_ops *ops, uint64_t *pa)
{
	void *p = low_take(PAGE, PAGE);

	if (!p)
		return -ENOMEM;
	*pa = (uintptr_t)p;
	((struct tpt *)ops)->live++;
	return 0;
}

static void low_free_table(struct invt_pt_ops *ops, uint64_t pa)
{
	((struct tpt *)ops)->live--;
}

/* An SMMU with a 44-bit OAS (IAS 44): the configuration of issue 17. */
static void test_oas44(void **state)
{
	struct smmu_hw_cfg_idr idr44 = E->idr;
	const uint32_t sid = 30, psid = 31;
	struct invt_smmu_domain wide2, wide1, d2, d1;
	struct invt_smmu_master m, mp;
	struct smmu_hw_ste ste;
	struct smmu_hw_cd cd;
	enum smmu_hw_cfg_why why;
	struct invt_smmu *s;

	if (!low_arena) {
		void *p = mmap((void *)(uintptr_t)LOW_BASE, LOW_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED || (uintptr_t)p != LOW_BASE)
			skip();
		low_arena = p;
	}
	low_used = 0;
	E->mem.ops.alloc = low_alloc;
	E->mem.ops.free = low_free;
	E->pt.ops.alloc_table = low_alloc_table;
	E->pt.ops.free_table = low_free_table;
	E->regs[1].idr5 = (E->regs[1].idr5 & ~7u) | INVT_SMMU_PS_44;
	idr44.oas = INVT_SMMU_PS_44;
	s = smmu_up(1);
	assert_int_equal(s->feat.oas_bits, 44);
	assert_int_equal(s->feat.ias_bits, 44);

	/* 48-bit domains: too wide for it, refused before anything changes. */
	domain(&wide2, INVT_DOMAIN_S2);
	domain(&wide1, INVT_DOMAIN_S1);
	assert_int_equal(invt_smmu_domain_fits(s, &wide2), -ERANGE);
	assert_int_equal(invt_smmu_domain_fits(s, &wide1), -ERANGE);
	assert_int_equal(invt_smmu_master_init(&m, s, &sid, 1, 1, false), 0);
	assert_int_equal(invt_smmu_master_init(&mp, s, &psid, 1, 4, false), 0);
	assert_int_equal(invt_smmu_attach(&m, 0, &wide2), -ERANGE);
	assert_int_equal(invt_smmu_attach(&m, 0, &wide1), -ERANGE);
	assert_int_equal(invt_smmu_attach(&mp, 1, &wide1), -ERANGE);
	assert_int_equal(m.ste_config, INVT_SMMU_STE_ABORT);
	assert_null(invt_device_domain(&m.dev, 0));

	/* Sized by the SMMU: S2T0SZ 20, S2SL0 level 0, S2PS 44; T0SZ 16, IPS 44. */
	assert_int_equal(invt_smmu_domain_init_for(&d2, s, INVT_DOMAIN_S2, &E->pt.ops), 0);
	assert_int_equal(invt_smmu_domain_init_for(&d1, s, INVT_DOMAIN_S1, &E->pt.ops), 0);
	assert_int_equal(d2.ia_bits, 44);
	assert_int_equal(d2.oa_bits, 44);
	assert_int_equal(d1.ia_bits, 48);
	assert_int_equal(d1.oa_bits, 44);
	/* The page table refuses what the SMMU could not translate. */
	assert_int_equal(invt_pt_map(&d2.pt, 1ull << 44, 0x100000, PAGE, INVT_PT_READ), -EINVAL);
	assert_int_equal(invt_smmu_attach(&m, 0, &d2), 0);
	assert_int_equal(smmu_hw_ste_parse(ste_mem(s, sid), &idr44, &ste, &why), 0);
	assert_true(ste.s2);
	assert_int_equal(ste.s2t0sz, 20);
	assert_int_equal(ste.s2_level, 0);
	assert_int_equal(ste.s2ps, INVT_SMMU_PS_44);
	assert_int_equal(invt_smmu_attach(&m, 0, &d1), 0);
	assert_int_equal(smmu_hw_ste_parse(ste_mem(s, sid), &idr44, &ste, &why), 0);
	assert_int_equal(smmu_hw_cd_parse(m.cdtab, &ste, &idr44, &cd, &why), 0);
	assert_int_equal(cd.t0sz, 16);
	assert_int_equal(cd.ips, INVT_SMMU_PS_44);
	assert_int_equal(invt_smmu_attach(&mp, 1, &d1), 0);

	assert_int_equal(invt_smmu_attach(&mp, 1, NULL), 0);
	assert_int_equal(invt_smmu_attach(&m, 0, NULL), 0);
	assert_int_equal(invt_smmu_master_destroy(&mp), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d2), 0);
	assert_int_equal(invt_smmu_domain_destroy(&wide1), 0);
	assert_int_equal(invt_smmu_domain_destroy(&wide2), 0);
	assert_int_equal(E->hq[1].handshake_errors, 0);
}

/* What the driver derives, and what it refuses to drive. */
static void test_probe(void **state)
{
	struct invt_smmu_config cfg = base_cfg(1);
	struct invt_smmu_features f;
	struct invt_smmu_regs r = E->regs[1];

	assert_int_equal(invt_smmu_probe(&r, &f), 0);
	assert_true(f.s1 && f.s2 && f.ats && f.cohacc && f.asid16 && f.vmid16 && f.hyp);
	assert_false(f.st_2lvl || f.cd_2lvl || f.ril);
	assert_int_equal(f.sidsize, 16);
	assert_int_equal(f.ssidsize, 20);
	assert_int_equal(f.cmdqs, INVT_SMMU_CMDQ_MAX_LOG2SIZE);
	assert_int_equal(f.granules, 7);
	r.idr0 |= INVT_SMMU_IDR0_TTF_AA32;		/* AArch32 tables: IAS >= 40 */
	r.idr5 = (r.idr5 & ~7u) | INVT_SMMU_PS_36;
	assert_int_equal(invt_smmu_probe(&r, &f), 0);
	assert_int_equal(f.oas_bits, 36);
	assert_int_equal(f.ias_bits, 40);
	r = E->regs[1];
	r.idr5 &= ~INVT_SMMU_IDR5_GRAN4K;
	assert_int_equal(invt_smmu_probe(&r, &f), -ENODEV);
	r = E->regs[1];
	r.idr0 &= ~(INVT_SMMU_IDR0_S1P | INVT_SMMU_IDR0_S2P);
	assert_int_equal(invt_smmu_probe(&r, &f), -ENODEV);
	r = E->regs[1];
	r.idr5 |= 7;
	assert_int_equal(invt_smmu_probe(&r, &f), -ENODEV);

	/* Sizes the SMMU caps; 8-bit tags without ASID16 / VMID16. */
	E->regs[1].idr1 = (E->regs[1].idr1 & ~(0x1fu << INVT_SMMU_IDR1_CMDQS_SHIFT) & ~0x3fu) |
			  4u << INVT_SMMU_IDR1_CMDQS_SHIFT | 5;
	E->regs[1].idr0 &= ~(INVT_SMMU_IDR0_ASID16 | INVT_SMMU_IDR0_VMID16);
	assert_int_equal(invt_smmu_init(&E->smmu[1], &E->ctx, &cfg), 0);
	E->up[1] = true;
	assert_int_equal(E->smmu[1].cmdq.log2size, 4);
	assert_int_equal(E->smmu[1].sid_bits, 5);
	assert_int_equal(E->smmu[1].asids.max, 255);
	assert_int_equal(E->smmu[1].vmids.max, 255);
}

/*
 * CR0ACK lags: the driver waits for it (no handshake error); a driver that
 * does not is caught: it changes CR0 before the acknowledgement, and its
 * commands are not consumed while CMDQEN is unacknowledged.
 */
static void test_handshakes(void **state)
{
	struct invt_smmu_regs *r = &E->regs[2];
	struct invt_smmu_cmdq q;
	uint8_t sync[INVT_SMMU_CMD_BYTES];
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_SYNC };
	uint64_t token, base;
	unsigned int i;

	smmu_up(0);
	assert_int_equal(E->hq[0].handshake_errors, 0);
	assert_int_equal(E->smmu[0].stats.ack_timeouts, 0);

	/* A stream table base rewritten while SMMUEN is on: caught, ignored. */
	base = E->regs[0].strtab_base;
	E->regs[0].strtab_base = base + 0x1000;
	E->regs[0].poll(E->regs[0].doorbell_arg);
	assert_int_equal(E->hq[0].handshake_errors, 1);
	assert_int_equal(E->hq[0].strtab_base, base);
	E->regs[0].strtab_base = base;

	/* A non-waiting bring-up on SMMU 2. */
	assert_int_equal(invt_smmu_cmdq_init(&q, r, 4), 0);
	q.spin_limit = 1000;
	assert_int_equal(invt_smmu_cmd_encode_le(&c, sync), 0);
	r->cr0 = INVT_SMMU_CR0_CMDQEN;
	r->doorbell(r->doorbell_arg);
	assert_int_equal(invt_smmu_cmdq_submit(&q, sync, 1, &token), 0);
	/* Not acknowledged yet: nothing consumed, the wait gives up. */
	assert_int_equal(E->rec[2].n, 0);
	assert_int_equal(invt_smmu_cmdq_wait(&q, token), -ETIMEDOUT);
	/* And CR0 changed again before CR0ACK matched: caught. */
	r->cr0 = INVT_SMMU_CR0_CMDQEN | INVT_SMMU_CR0_SMMUEN;
	r->doorbell(r->doorbell_arg);
	assert_int_equal(E->hq[2].handshake_errors, 1);
	for (i = 0; i <= ACK_LAG && r->cr0ack != r->cr0; i++)
		r->poll(r->doorbell_arg);
	assert_int_equal(r->cr0ack, r->cr0);
	r->doorbell(r->doorbell_arg);
	assert_int_equal(invt_smmu_cmdq_wait(&q, token), 0);
	assert_int_equal(E->rec[2].n, 1);
	/* Disable properly before the queue goes. */
	r->cr0 = 0;
	for (i = 0; i <= ACK_LAG + 1 && r->cr0ack; i++)
		r->poll(r->doorbell_arg);
	assert_int_equal(r->cr0ack, 0);
	invt_smmu_cmdq_destroy(&q);
	assert_int_equal(E->hq[2].handshake_errors, 1);
}

/* ------------------------------------------------------- 7. two levels */

/* Physical addresses are host addresses here (tmem_alloc). */
static const uint64_t *host_va(void *arg, uint64_t pa)
{
	(void)arg;
	return pa ? (const uint64_t *)(uintptr_t)pa : NULL;
}

static const struct smmu_hw_mem host_mem = { host_va, NULL };

/* SMMU @i re-described: ST_LEVEL, CD2L and SIDSIZE as given, no RIL. */
static struct smmu_hw_cfg_idr idr_2lvl(unsigned int i, bool st, bool cd, unsigned int sidsize)
{
	struct smmu_hw_cfg_idr id = E->idr;

	id.feat &= ~SMMU_HW_FEAT_RIL;
	id.st_2lvl = st;
	id.cd2l = cd;
	id.sidsize = (uint8_t)sidsize;
	smmu_hw_idr_write(&id, INVT_SMMU_CMDQ_MAX_LOG2SIZE, &E->regs[i]);
	return id;
}

/* The STE of @sid as the SMMU finds it (through the L1STD), parsed. */
static void find_ste(struct invt_smmu *s, const struct smmu_hw_cfg_idr *id, uint32_t sid,
		     struct smmu_hw_ste *ste)
{
	struct invt_smmu_regs *r = s->cmdq.regs;
	uint64_t addr = 0;

	assert_int_equal(smmu_hw_ste_locate(id, r->strtab_base, r->strtab_base_cfg, sid,
					    &host_mem, &addr, NULL), 0);
	assert_int_equal(smmu_hw_ste_parse((const uint64_t *)(uintptr_t)addr, id, ste, NULL), 0);
}

/*
 * The formats Linux would pick: linear up to 8 StreamID bits even with
 * ST_LEVEL, and CD tables up to 1024 CDs even with CD2L; two levels above.
 */
static void test_two_level_choice(void **state)
{
	struct smmu_hw_cfg_idr id = idr_2lvl(1, true, true, 16);
	struct invt_smmu_config cfg = base_cfg(1);
	struct invt_smmu_master m;
	struct invt_smmu *s;
	uint32_t sid = 3;

	(void)state;
	s = smmu_up(1);				/* sid_bits 8 */
	assert_false(s->st_2lvl);
	assert_int_equal(E->regs[1].strtab_base_cfg, 8);
	assert_int_equal(s->strtab_bytes, 64u << 8);
	assert_int_equal(invt_smmu_master_init(&m, s, &sid, 1, 1024, false), 0);
	assert_false(m.cd_2lvl);
	assert_int_equal(m.cdtab_bytes, 64u << 10);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_master_init(&m, s, &sid, 1, 1025, false), 0);
	assert_true(m.cd_2lvl);
	assert_int_equal(m.cdmax, 11);
	assert_int_equal(m.cdtab_bytes, 64);	/* 2 L1CDs, at least 64 bytes */
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_destroy(s), 0);
	E->up[1] = false;

	/* Without ST_LEVEL, 16 bits: linear; 24 wanted are capped at SIDSIZE. */
	idr_2lvl(1, false, false, 16);
	cfg.sid_bits = 24;
	assert_int_equal(invt_smmu_init(s, &E->ctx, &cfg), 0);
	assert_false(s->st_2lvl);
	assert_int_equal(s->sid_bits, 16);
	assert_int_equal(E->regs[1].strtab_base_cfg, 16);
	assert_int_equal(invt_smmu_destroy(s), 0);
	(void)id;
}

/*
 * A two-level stream table and CD table end to end: leaves allocated on
 * first use and found by the SMMU's lookup, an allocation failure refused
 * with nothing changed, the L1CD published with a non-leaf CFGI_CD.
 */
static void test_two_level(void **state)
{
	struct smmu_hw_cfg_idr id = idr_2lvl(2, true, true, 16);
	struct invt_smmu_config cfg = base_cfg(2);
	const uint32_t sids[] = { 0x105, 0x3ff0 }, other = 0x2000;
	struct invt_smmu *s = &E->smmu[2];
	struct invt_smmu_domain d;
	struct invt_smmu_master m, m2, m3;
	struct smmu_hw_ste ste;
	struct smmu_hw_cd cd;
	uint64_t addr, l1cd1;
	long live;
	size_t at;
	unsigned int i;

	(void)state;
	cfg.sid_bits = 16;
	assert_int_equal(invt_smmu_init(s, &E->ctx, &cfg), 0);
	E->up[2] = true;
	/* STRTAB_BASE_CFG: FMT 0b01, SPLIT 8, LOG2SIZE 16; 256 L1STDs, all Span 0. */
	assert_true(s->st_2lvl);
	assert_int_equal(E->regs[2].strtab_base_cfg, 1u << 16 | 8u << 6 | 16);
	assert_int_equal(s->strtab_bytes, 256 * 8);
	for (i = 0; i < 256; i++)
		assert_int_equal(s->strtab[i], 0);
	assert_int_equal(smmu_hw_ste_locate(&id, E->regs[2].strtab_base,
					    E->regs[2].strtab_base_cfg, sids[0], &host_mem,
					    &addr, NULL), SMMU_HW_EVT_C_BAD_STREAMID);
	domain(&d, INVT_DOMAIN_S1);

	/* A master on two L1 ranges, 2048 ssids: two leaf arrays, L1CDs + CD leaf 0. */
	live = E->mem.live;
	at = E->rec[2].n;
	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 2048, false), 0);
	assert_int_equal(E->mem.live - live, 4);
	expect_steps(2, &at, &m, OP_STE, 0, false, 2);	/* Leaf 0: the L1STDs too */
	assert_int_equal(E->rec[2].n, at);
	for (i = 0; i < 2; i++) {
		const struct invt_smmu_l2 *l2 = &s->st_l2[sids[i] >> 8];

		assert_non_null(l2->va);
		assert_int_equal(le64toh(s->strtab[sids[i] >> 8]), l2->pa | 9);	/* Span 9 */
		find_ste(s, &id, sids[i], &ste);
		assert_int_equal(ste.config, INVT_SMMU_STE_S1);
		assert_int_equal(ste.s1fmt, 2);
		assert_int_equal(ste.s1cdmax, 11);
		assert_int_equal(ste.s1ctxptr, m.cdtab_pa);
	}
	assert_true(m.cd_2lvl);
	assert_int_equal(le64toh(m.cdtab[0]), m.cd_l2[0].pa | 1);
	assert_int_equal(m.cdtab[1], 0);
	/* CD 0 (no SubstreamID) blocks; ssid 1500's L1CD is V = 0. */
	assert_int_equal(smmu_hw_cd_find(&ste, false, 0, &host_mem, &addr, NULL), 0);
	assert_int_equal(smmu_hw_cd_parse((const uint64_t *)(uintptr_t)addr, &ste, &id, &cd,
					  NULL), 0);
	assert_true(cd.epd0 && cd.epd1);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 1500, &host_mem, &addr, NULL),
			 SMMU_HW_EVT_C_BAD_SUBSTREAMID);

	/* Out of memory for the leaf of ssid 1500: refused, nothing changed. */
	E->mem.fail_at = E->mem.calls + 1;
	at = E->rec[2].n;
	assert_int_equal(invt_smmu_attach(&m, 1500, &d), -ENOMEM);
	E->mem.fail_at = 0;
	assert_int_equal(E->rec[2].n, at);
	assert_int_equal(m.cdtab[1], 0);
	assert_null(m.cd_l2[1].va);
	assert_null(invt_device_domain(&m.dev, 1500));

	/* First attach: leaf written, L1CD published, CFGI_CD Leaf 0; then the CD. */
	assert_int_equal(invt_smmu_attach(&m, 1500, &d), 0);
	expect_steps(2, &at, &m, OP_CD, 1500, false, 1);
	expect_steps(2, &at, &m, OP_CD, 1500, true, 2);	/* blocking: body, V */
	assert_int_equal(E->rec[2].n, at);
	l1cd1 = le64toh(m.cdtab[1]);
	assert_int_equal(l1cd1, m.cd_l2[1].pa | 1);
	assert_int_equal(smmu_hw_cd_find(&ste, true, 1500, &host_mem, &addr, NULL), 0);
	assert_int_equal(addr, m.cd_l2[1].pa + 64 * (1500 - 1024));
	assert_int_equal(smmu_hw_cd_parse((const uint64_t *)(uintptr_t)addr, &ste, &id, &cd,
					  NULL), 0);
	assert_int_equal(cd.asid, tag_of(&d, s));
	assert_int_equal(cd.ttb0, d.pt.root_pa);
	/* Detach: the blocking CD, the leaf stays. */
	assert_int_equal(invt_smmu_attach(&m, 1500, NULL), 0);
	assert_int_equal(le64toh(m.cdtab[1]), l1cd1);
	assert_int_equal(smmu_hw_cd_parse((const uint64_t *)(uintptr_t)addr, &ste, &id, &cd,
					  NULL), 0);
	assert_true(cd.epd0);

	/* A SID with a new leaf array, out of memory: refused, L1STD still Span 0. */
	live = E->mem.live;
	E->mem.fail_at = E->mem.calls + 2;	/* the CD table is allocated first */
	assert_int_equal(invt_smmu_master_init(&m2, s, &other, 1, 1, false), -ENOMEM);
	E->mem.fail_at = 0;
	assert_int_equal(E->mem.live, live);
	assert_int_equal(s->strtab[other >> 8], 0);
	assert_null(s->st_l2[other >> 8].va);
	assert_int_equal(invt_smmu_master_init(&m2, s, &other, 1, 1, false), 0);
	find_ste(s, &id, other, &ste);
	assert_int_equal(ste.config, INVT_SMMU_STE_ABORT);
	/* A SID of m's is refused: its STE is valid. */
	assert_int_equal(invt_smmu_master_init(&m3, s, &sids[1], 1, 1, false), -EINVAL);

	assert_int_equal(invt_smmu_master_destroy(&m2), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_domain_destroy(&d), 0);
}

/* ------------------------------------------------------------ 8. nested */

/* Live entries of @d's array (for a nested domain its parent's) of @type. */
static unsigned int invs_count(struct invt_smmu_domain *d, uint8_t type, uint32_t id,
			       uint32_t ssid)
{
	struct invt_invs *invs = invt_domain_invs_get(&d->dom);
	unsigned int i, n = 0;

	assert_non_null(invs);
	for (i = 0; i < invs->num_invs; i++)
		n += invs->inv[i].users > 0 && invs->inv[i].type == type &&
		     invs->inv[i].id == id && invs->inv[i].ssid == ssid;
	invt_invs_free(invs);
	return n;
}

static unsigned int invs_live(struct invt_smmu_domain *d)
{
	struct invt_invs *invs = invt_domain_invs_get(&d->dom);
	unsigned int i, n = 0;

	assert_non_null(invs);
	for (i = 0; i < invs->num_invs; i++)
		n += invs->inv[i].users > 0;
	invt_invs_free(invs);
	return n;
}

/* Commands of @op recorded on SMMU @i from @from on. */
static unsigned int rec_count(unsigned int i, size_t from, uint8_t op)
{
	unsigned int n = 0;
	size_t k;

	for (k = from; k < E->rec[i].n; k++)
		n += E->rec[i].cmd[k].op == op;
	return n;
}

/*
 * The nested STE of §5.2, Config 0b111: stage 2 from the parent (S2VMID its
 * VMID, S2TTB its root, S2T0SZ / S2SL0 / S2PS from its 48-bit geometry),
 * stage 1 from the guest (S1ContextPtr, S1CDMax, S1Fmt), EATS full.
 */
static void check_nested(struct invt_smmu_master *m, struct invt_smmu_domain *n,
			 struct invt_smmu_domain *p)
{
	struct smmu_hw_ste ste;
	unsigned int i;

	for (i = 0; i < m->dev.nr_sids; i++) {
		parse_ste(m->smmu, m->dev.sids[i], &ste);
		assert_int_equal(ste.config, INVT_SMMU_STE_NESTED);
		assert_true(ste.s1 && ste.s2);
		assert_int_equal(ste.s1ctxptr, n->s1ctxptr);
		assert_int_equal(ste.s1cdmax, n->s1cdmax);
		assert_int_equal(ste.s1fmt, n->s1fmt);
		assert_int_equal(ste.s1dss, n->s1cdmax ? 2 : 0);
		assert_int_equal(ste.eats, m->dev.ats);
		assert_int_equal(ste.s2vmid, tag_of(p, m->smmu));
		assert_int_equal(ste.s2ttb, p->pt.root_pa);
		assert_int_equal(ste.s2t0sz, 16);
		assert_int_equal(ste.s2sl0, 2);
		assert_int_equal(ste.s2_granule, 12);
		assert_int_equal(ste.s2ps, INVT_SMMU_PS_48);
		assert_true(ste.s2aa64);
		assert_true(ste.s2r);
	}
	assert_int_equal(m->ste_config, INVT_SMMU_STE_NESTED);
	/* No host CD: CD 0 of the master's one-CD table stays clear. */
	assert_true(words_zero(m->cdtab));
}

/*
 * blocked -> nested A -> parent -> nested B -> blocked on an ATS master,
 * through prepare/install/commit: each STE change break-before-make
 * (CFGI_STE Leaf 1); the parent's array has the VM's stage-1 clear and full
 * ATC entries exactly while a nested domain over it is attached.
 */
static void test_nested(void **state)
{
	struct invt_smmu *s = smmu_up(0);
	const uint32_t sids[] = { 40, 41 }, sid_p = 50;
	struct invt_smmu_domain p, s1, na, nb, bad;
	struct invt_smmu_master m, mp;
	struct invt_smmu_attach a;
	uint32_t vmid;
	size_t at, from;

	(void)state;
	domain(&p, INVT_DOMAIN_S2);
	domain(&s1, INVT_DOMAIN_S1);
	/* Refused: a parent that is not S2; S1 fields the builder refuses (§5.2). */
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &s1, 0x40000000, 0, 0), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 0x40000020, 0, 0), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 0x40000040, 4, 0), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 0x40000000, 0,
						      INVT_SMMU_S1FMT_L2_64K), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 1ull << 48, 0, 0), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 0x40000000, 21, 0), -EINVAL);
	assert_int_equal(invt_smmu_domain_init_nested(&na, &p, 0x40000000, 0, 0), 0);
	assert_int_equal(invt_smmu_domain_init_nested(&nb, &p, 0x80000400, 4, 0), 0);
	assert_int_equal(invt_smmu_domain_destroy(&p), -EBUSY);	/* children */

	assert_int_equal(invt_smmu_master_init(&m, s, sids, 2, 1, true), 0);
	assert_int_equal(invt_smmu_master_init(&mp, s, &sid_p, 1, 4, false), 0);
	/* Nested replaces the whole STE: not on a master with substreams. */
	assert_int_equal(invt_smmu_attach_prepare(&a, &mp, 0, &na), -EINVAL);
	/* A guest table with two levels needs CD2L (this SMMU has none). */
	assert_int_equal(invt_smmu_domain_init_nested(&bad, &p, 0x40000000, 12,
						      INVT_SMMU_S1FMT_L2_64K), 0);
	assert_int_equal(invt_smmu_attach_prepare(&a, &m, 0, &bad), -EOPNOTSUPP);
	assert_int_equal(invt_smmu_domain_destroy(&bad), 0);

	/* blocked -> nested A: the aborting STE is already broken: body, V. */
	at = install(&a, &m, 0, &na);
	expect_steps(0, &at, &m, OP_STE, 0, true, 2);
	assert_int_equal(E->rec[0].n, at);
	invt_smmu_attach_commit(&a);
	vmid = tag_of(&p, s);
	assert_int_equal(tag_of(&na, s), vmid);
	check_nested(&m, &na, &p);
	assert_int_equal(invs_count(&p, INVT_INV_IOTLB_S2, vmid, 0), 1);
	assert_int_equal(invs_count(&p, INVT_INV_IOTLB_S2_S1_CLEAR, vmid, 0), 1);
	assert_int_equal(invs_count(&p, INVT_INV_ATC_FULL, 40, 0), 1);
	assert_int_equal(invs_count(&p, INVT_INV_ATC_FULL, 41, 0), 1);
	assert_int_equal(invs_live(&p), 4);

	/* The host unmaps from the parent: S2 IPA, the VM's stage 1, whole ATCs. */
	from = E->rec[0].n;
	assert_int_equal(invt_domain_invalidate(&p.dom, 0x5000, PAGE, true), 0);
	assert_true(rec_count(0, from, SMMU_HW_OP_TLBI_S2_IPA) >= 1);
	assert_int_equal(rec_count(0, from, SMMU_HW_OP_TLBI_NH_ALL), 1);
	assert_int_equal(rec_count(0, from, SMMU_HW_OP_ATC_INV), 2);
	for (at = from; at < E->rec[0].n; at++) {
		const struct smmu_hw_cmd *c = &E->rec[0].cmd[at];

		if (c->op == SMMU_HW_OP_TLBI_NH_ALL || c->op == SMMU_HW_OP_TLBI_S2_IPA)
			assert_int_equal(c->vmid, vmid);
		if (c->op == SMMU_HW_OP_ATC_INV)
			assert_true(c->size == 52 && !c->ssv);
	}
	/* The guest's table is not the host's to invalidate. */
	assert_int_equal(invt_domain_invalidate(&na.dom, 0x5000, PAGE, true), -EINVAL);

	/* nested A -> parent: break, body, V; S1_CLEAR and ATC_FULL go. */
	at = install(&a, &m, 0, &p);
	expect_steps(0, &at, &m, OP_STE, 0, true, 3);
	invt_smmu_attach_commit(&a);
	check_rid(&m, &p);
	assert_int_equal(invs_count(&p, INVT_INV_IOTLB_S2, vmid, 0), 1);
	assert_int_equal(invs_count(&p, INVT_INV_IOTLB_S2_S1_CLEAR, vmid, 0), 0);
	assert_int_equal(invs_count(&p, INVT_INV_ATC_FULL, 40, 0), 0);
	assert_int_equal(invs_count(&p, INVT_INV_ATC, 40, 0), 1);
	assert_int_equal(invs_count(&p, INVT_INV_ATC, 41, 0), 1);
	assert_int_equal(invs_live(&p), 3);

	/* parent -> nested B (2^4 guest CDs), then an aborted replace back to A. */
	at = install(&a, &m, 0, &nb);
	expect_steps(0, &at, &m, OP_STE, 0, true, 3);
	invt_smmu_attach_commit(&a);
	check_nested(&m, &nb, &p);
	assert_int_equal(invs_count(&p, INVT_INV_IOTLB_S2_S1_CLEAR, vmid, 0), 1);
	assert_int_equal(invs_live(&p), 4);
	assert_int_equal(invt_smmu_attach_prepare(&a, &m, 0, &na), 0);
	invt_smmu_attach_abort(&a);
	check_nested(&m, &nb, &p);
	assert_int_equal(invs_live(&p), 4);
	assert_int_equal(invt_smmu_destroy(s), -EBUSY);

	/* nested B -> blocked: one step to the aborting STE; the array empties. */
	at = install(&a, &m, 0, NULL);
	expect_steps(0, &at, &m, OP_STE, 0, true, 1);
	invt_smmu_attach_commit(&a);
	check_rid(&m, NULL);
	assert_int_equal(invs_live(&p), 0);
	assert_int_equal(invt_tag_space_used(&s->vmids), 0);

	assert_int_equal(invt_smmu_master_destroy(&mp), 0);
	assert_int_equal(invt_smmu_master_destroy(&m), 0);
	assert_int_equal(invt_smmu_domain_destroy(&na), 0);
	assert_int_equal(invt_smmu_domain_destroy(&nb), 0);
	assert_int_equal(invt_smmu_domain_destroy(&p), 0);
	assert_int_equal(invt_smmu_domain_destroy(&s1), 0);
	assert_int_equal(s->stats.wait_errors, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_init_bad),
		T(test_init_unwind),
		T(test_entry_cmds),
		T(test_entry_req),
		T(test_flush_phases),
		T(test_master_rid),
		T(test_master_pasid),
		T(test_master_init_bad),
		T(test_ablate_config_inval),
		T(test_install_errors),
		T(test_plan_count),
		T(test_plan_filter),
		T(test_oas44),
		T(test_probe),
		T(test_handshakes),
		T(test_two_level_choice),
		T(test_two_level),
		T(test_nested),
	};

	invt_rcu_register_thread();
	alarm(TIME_BOUND);
	return cmocka_run_group_tests_name("smmuv3_driver", tests, NULL, NULL);
}
