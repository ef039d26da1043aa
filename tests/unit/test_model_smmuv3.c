// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_model_smmuv3.c - the modelled SMMUv3 instance (src/model/smmuv3*.c)
 * and its command executor (src/arch/smmuv3/hw-exec.c).
 *
 * Configurations are set up by hand, as a driver would: STEs and CDs built
 * with the driver's builders into tables in model memory, page tables over
 * the pool, commands encoded by the driver's encoder and submitted through
 * the driver's producer; the instance decodes and executes them with the
 * hardware side only.  The oracle's counters tell what a device access used.
 * Worker threads never assert: they count failures for the main thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/model/smmuv3.h>
#include <invtrack/smmuv3-cfg.h>
#include <invtrack/smmuv3.h>

#include "hw-exec.h"
#include "hw.h"

#define SZ_4K		UINT64_C(0x1000)
#define SZ_2M		UINT64_C(0x200000)
#define RW		(INVT_PT_READ | INVT_PT_WRITE)
#define NR_FRAMES	4096
#define STRTAB_LOG2	4	/* 16 STEs */
#define CDMAX		3	/* 8 CDs per stream */
#define VMID		1
#define ASID		5
#define SID_S1		1
#define SID_S2		2
#define SID_S1B		3
#define SID_ATS		4
#define NR_DOMS		4

#define VA_X		UINT64_C(0x200000)
#define VA_Z		UINT64_C(0x80000000)

struct dom {
	uint32_t id;
	struct invt_mem_pt_ops ops;
	struct invt_pt pt;
};

struct fx {
	struct invt_mem *mem;
	struct invt_oracle *o;
	struct invt_msmmu *m;
	struct invt_smmu_cmdq q;
	uint64_t strtab;
	uint64_t cdtab[1u << STRTAB_LOG2];
	struct dom dom[NR_DOMS];
	struct invt_mem_chain pending;	/* unmapped frames, freed by release() */
	uint64_t trace_hash;
	uint64_t nr_trace;
};

/* ------------------------------------------------------------ fixture */

static void on_trace(void *arg, uint32_t instance, const uint64_t dw[2], unsigned int cerror)
{
	struct fx *f = arg;
	uint64_t v[4] = { instance, dw[0], dw[1], cerror };
	int i;

	for (i = 0; i < 4; i++)
		f->trace_hash = (f->trace_hash ^ v[i]) * UINT64_C(0x100000001b3);
	f->nr_trace++;
}

/* OAS and CR0ACK lag of the next fx_new() (0: the model's defaults). */
static unsigned int fx_oas_bits, fx_ack_lag, fx_vms;
static bool fx_cd2l;

/* Write SMMU_CR0 and wait for SMMU_CR0ACK, as a driver must (§6.3). */
static void enable(struct invt_smmu_regs *r, uint32_t cr0)
{
	unsigned int i;

	/* Release / acquire: pair with the model's CR0 and CR0ACK accesses. */
	__atomic_store_n(&r->cr0, cr0, __ATOMIC_RELEASE);
	if (r->doorbell)
		r->doorbell(r->doorbell_arg);
	for (i = 0; __atomic_load_n(&r->cr0ack, __ATOMIC_ACQUIRE) != cr0; i++) {
		assert_true(i < 1000000);
		r->poll(r->doorbell_arg);
	}
}

static struct fx *fx_new(bool threaded, bool ats, uint64_t seed, unsigned int sets,
			 unsigned int ways, unsigned int cfg_entries, bool trace)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES, .poison = 0 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 16, .nr_ssids = 8,
					 .seed = seed, .nr_vms = fx_vms };
	struct invt_msmmu_config c = {
		.id = 0, .ril = true, .ats = ats, .threaded = threaded, .iotlb_sets = sets,
		.iotlb_ways = ways, .cfg_entries = cfg_entries, .seed = seed,
		.oas_bits = fx_oas_bits, .ack_lag = fx_ack_lag, .cd2l = fx_cd2l, .ssidsize = 12,
	};
	struct invt_smmu_regs *r;
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	invt_mem_chain_init(&f->pending);
	f->trace_hash = UINT64_C(0xcbf29ce484222325);
	if (trace) {
		c.trace = on_trace;
		c.trace_arg = f;
	}
	assert_int_equal(invt_mem_create(&mc, &f->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, f->mem, &f->o), 0);
	assert_int_equal(invt_msmmu_create(&c, f->mem, f->o, &f->m), 0);
	r = invt_msmmu_regs(f->m);
	assert_int_equal(invt_smmu_cmdq_init(&f->q, r, 6), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->strtab), 0);
	/* Release: pairs with the SMMU's acquire loads of the registers. */
	__atomic_store_n(&r->strtab_base_cfg, STRTAB_LOG2, __ATOMIC_RELEASE);
	__atomic_store_n(&r->strtab_base, f->strtab, __ATOMIC_RELEASE);
	assert_int_equal(invt_msmmu_start(f->m), 0);
	/* Bases programmed while disabled; then both enables, acknowledged. */
	enable(r, INVT_SMMU_CR0_CMDQEN | INVT_SMMU_CR0_SMMUEN);
	return f;
}

static void fx_free(struct fx *f)
{
	invt_msmmu_stop(f->m);
	invt_smmu_cmdq_destroy(&f->q);
	invt_msmmu_destroy(f->m);
	invt_oracle_destroy(f->o);
	invt_mem_destroy(f->mem);
	free(f);
}

static struct dom *dom_new(struct fx *f, unsigned int i, bool s1)
{
	struct dom *d = &f->dom[i];

	d->id = 10 + i;
	invt_mem_pt_ops_init(&d->ops, f->mem, d->id);
	assert_int_equal(invt_pt_init(&d->pt, s1 ? &invt_pt_fmt_arm_s1_4k : &invt_pt_fmt_arm_s2_4k,
				      &d->ops.ops), 0);
	return d;
}

static uint64_t *slot_va(struct fx *f, uint64_t pa)
{
	uint64_t *va = invt_mem_va(f->mem, pa);

	assert_non_null(va);
	return va;
}

/* STE of a stage-1 stream whose CD table (8 CDs) is allocated on first use. */
static void ste_s1(struct fx *f, uint32_t sid, uint8_t eats)
{
	struct invt_smmu_ste s = { .valid = true, .config = INVT_SMMU_STE_S1, .eats = eats,
				   .s1cdmax = CDMAX, .s2vmid = VMID };
	uint64_t w[INVT_SMMU_CFG_WORDS];

	if (!f->cdtab[sid])
		assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &f->cdtab[sid]), 0);
	s.s1ctxptr = f->cdtab[sid];
	assert_int_equal(invt_smmu_ste_build(&s, w), 0);
	invt_smmu_cfg_write(slot_va(f, f->strtab + 64 * sid), w);
}

static void ste_s2(struct fx *f, uint32_t sid, const struct dom *d)
{
	struct invt_smmu_ste s = { .valid = true, .config = INVT_SMMU_STE_S2, .s2vmid = VMID + 1,
				   .s2t0sz = 16, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_4K,
				   .s2ps = INVT_SMMU_PS_48, .s2ttb = d->pt.root_pa };
	uint64_t w[INVT_SMMU_CFG_WORDS];

	assert_int_equal(invt_smmu_ste_build(&s, w), 0);
	invt_smmu_cfg_write(slot_va(f, f->strtab + 64 * sid), w);
}

static void cd_set(struct fx *f, uint32_t sid, uint32_t ssid, const struct dom *d, uint32_t asid)
{
	struct invt_smmu_cd cd = { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K,
				   .ips = INVT_SMMU_PS_48, .asid = asid, .ttb0 = d->pt.root_pa,
				   .mair = 0xff };
	uint64_t w[INVT_SMMU_CFG_WORDS];

	assert_int_equal(invt_smmu_cd_build(&cd, w), 0);
	invt_smmu_cfg_write(slot_va(f, f->cdtab[sid] + 64 * ssid), w);
}

static uint64_t map(struct fx *f, struct dom *d, uint64_t iova, unsigned int prot)
{
	uint64_t pa;

	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_DATA, d->id, iova, &pa), 0);
	assert_int_equal(invt_pt_map(&d->pt, iova, pa, SZ_4K, prot), 0);
	return pa;
}

struct unlink {
	struct invt_pt_gather g;
	struct fx *f;
};

static void on_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct unlink *u = (struct unlink *)((char *)g - offsetof(struct unlink, g));

	invt_mem_chain_add(u->f->mem, &u->f->pending, pa);
}

/* Unmap one page; its data frame and unlinked tables wait for release(). */
static size_t unmap(struct fx *f, struct dom *d, uint64_t iova)
{
	struct unlink u = { .g.table_unlinked = on_unlinked, .f = f };
	uint64_t pa;

	assert_int_equal(invt_pt_lookup(&d->pt, iova, &pa, NULL), 0);
	assert_int_equal(invt_pt_unmap(&d->pt, iova, SZ_4K, &u.g), 0);
	assert_int_equal(u.g.unmapped, SZ_4K);
	assert_int_equal(invt_mem_chain_add(f->mem, &f->pending, pa), 0);
	return u.g.nr_tables;
}

static void release(struct fx *f)
{
	invt_mem_chain_free(f->mem, &f->pending);
}

/* Submit @n commands and a CMD_SYNC; wait.  Return: the wait's result. */
static int run(struct fx *f, const struct invt_smmu_cmd *cmds, unsigned int n)
{
	uint8_t buf[16][INVT_SMMU_CMD_BYTES];
	struct invt_smmu_cmd sync = { .opcode = INVT_SMMU_CMD_SYNC };
	uint64_t token;
	unsigned int i;

	assert_true(n < 16);
	for (i = 0; i < n; i++)
		assert_int_equal(invt_smmu_cmd_encode_le(&cmds[i], buf[i]), 0);
	assert_int_equal(invt_smmu_cmd_encode_le(&sync, buf[n]), 0);
	assert_int_equal(invt_smmu_cmdq_submit(&f->q, buf, n + 1, &token), 0);
	return invt_smmu_cmdq_wait(&f->q, token);
}

#define RUN(f, ...)							\
	run(f, (const struct invt_smmu_cmd[]){ __VA_ARGS__ },		\
	    sizeof((const struct invt_smmu_cmd[]){ __VA_ARGS__ }) /	\
	    sizeof(struct invt_smmu_cmd))

#define NH_VA(va, lf)	{ .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = VMID, .asid = ASID, \
			  .addr = (va), .leaf = (lf) }
#define CFGI_CD(s, ss)	{ .opcode = INVT_SMMU_CMD_CFGI_CD, .sid = (s), .ssid = (ss) }
#define ATC_INV(s, v, ss, a, sz) { .opcode = INVT_SMMU_CMD_ATC_INV, .sid = (s), .ssv = (v), \
				   .ssid = (ss), .addr = (a), .size = (sz) }

static struct invt_oracle_stats ost(struct fx *f)
{
	struct invt_oracle_stats st;

	invt_oracle_stats(f->o, &st);
	return st;
}

static struct invt_msmmu_stats mst(struct fx *f)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(f->m, &st);
	return st;
}

static struct invt_violation last_report(struct fx *f)
{
	struct invt_violation v[8];
	size_t n = invt_oracle_reports(f->o, v, 8);

	assert_true(n > 0);
	return v[n - 1];
}

/* A stage-1 stream SID_S1 on domain 0 (ASID 5), X and X + 4K mapped. */
static struct fx *fx_s1(bool threaded, bool ats)
{
	struct fx *f = fx_new(threaded, ats, 1, 16, 4, 16, false);
	struct dom *a = dom_new(f, 0, true);

	ste_s1(f, SID_S1, 0);
	cd_set(f, SID_S1, 0, a, ASID);
	assert_int_equal(invt_msmmu_add_device(f->m, SID_S1, 0), 0);
	map(f, a, VA_X, RW);
	map(f, a, VA_X + SZ_4K, RW);
	return f;
}

/* -------------------------------------------------- the TLBI table */

/* Populated entries, by index (the bit of a mask); A = VA_X, B = 1 GiB. */
#define EL2	SMMU_HW_EXEC_EL2_TAG
#define NONE	INVT_CACHE_ID_NONE
#define VB	UINT64_C(0x40000000)
static const struct { uint8_t kind; bool global; uint8_t shift; uint32_t s2, s1; uint64_t va; }
ents[] = {
	{ INVT_CACHE_S1, false, 12, 1, 5, VA_X },		/* 0 */
	{ INVT_CACHE_S1, false, 12, 1, 6, VA_X },		/* 1: other ASID */
	{ INVT_CACHE_S1, true, 12, 1, 5, VA_X },		/* 2: global */
	{ INVT_CACHE_S1, false, 12, 1, 5, VB },			/* 3: other VA */
	{ INVT_CACHE_NESTED, false, 12, 1, 5, VA_X },		/* 4 */
	{ INVT_CACHE_WALK_S1, false, 21, 1, 5, VA_X },		/* 5 */
	{ INVT_CACHE_S2, false, 12, 1, NONE, VA_X },		/* 6 */
	{ INVT_CACHE_WALK_S2, false, 21, 1, NONE, VA_X },	/* 7 */
	{ INVT_CACHE_S1, false, 12, 2, 5, VA_X },		/* 8: other VMID */
	{ INVT_CACHE_S2, false, 12, 2, NONE, VA_X },		/* 9 */
	{ INVT_CACHE_S1, false, 12, EL2, 5, VA_X },		/* 10: EL2 */
	{ INVT_CACHE_WALK_S1, false, 21, EL2, 5, VA_X },	/* 11 */
	{ INVT_CACHE_S1, true, 12, EL2, 5, VA_X },		/* 12: EL2 global */
};
#define NR_ENTS		(sizeof(ents) / sizeof(ents[0]))
#define ALL_ENTS	((1u << NR_ENTS) - 1)

static const struct row {
	const char *name;
	struct invt_smmu_cmd cmd;
	uint32_t removed;
	bool el2;
} rows[] = {
	{ "NH_ALL", { .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = 1 }, 0x3f, false },
	{ "NH_ASID keeps globals", { .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = 1, .asid = 5 },
	  0x39, false },
	{ "NH_VA", { .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = 1, .asid = 5, .addr = VA_X },
	  0x35, false },
	{ "NH_VA Leaf keeps walks", { .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = 1, .asid = 5,
	  .addr = VA_X, .leaf = true }, 0x15, false },
	{ "NH_VA range 2 pages", { .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = 1, .asid = 5,
	  .addr = VA_X, .tg = INVT_SMMU_TG_4K, .num = 1 }, 0x35, false },
	{ "NH_VAA", { .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = VA_X }, 0x37, false },
	{ "NH_VAA Leaf", { .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = VA_X,
	  .leaf = true }, 0x17, false },
	{ "NH_VAA range 1 GiB", { .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = VA_X,
	  .tg = INVT_SMMU_TG_4K, .scale = 18 }, 0x3f, false },
	{ "S12_VMALL", { .opcode = INVT_SMMU_CMD_TLBI_S12_VMALL, .vmid = 1 }, 0xff, false },
	{ "S2_IPA keeps NESTED", { .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = 1, .addr = VA_X },
	  0xc0, false },
	{ "S2_IPA Leaf", { .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = 1, .addr = VA_X,
	  .leaf = true }, 0x40, false },
	{ "NSNH_ALL keeps EL2", { .opcode = INVT_SMMU_CMD_TLBI_NSNH_ALL }, 0x3ff, false },
	{ "EL2_ALL", { .opcode = INVT_SMMU_CMD_TLBI_EL2_ALL }, 0x1c00, true },
	{ "EL2_ASID keeps globals", { .opcode = INVT_SMMU_CMD_TLBI_EL2_ASID, .asid = 5 }, 0xc00,
	  true },
	{ "EL2_VA", { .opcode = INVT_SMMU_CMD_TLBI_EL2_VA, .asid = 5, .addr = VA_X }, 0x1c00,
	  true },
	{ "EL2_VAA Leaf", { .opcode = INVT_SMMU_CMD_TLBI_EL2_VAA, .addr = VA_X, .leaf = true },
	  0x1400, true },
};

static void populate(struct invt_cache *c)
{
	struct invt_cache_match all;
	unsigned int i;

	invt_cache_match_init(&all, INVT_CACHE_K_ALL);
	invt_cache_invalidate(c, &all);
	for (i = 0; i < NR_ENTS; i++) {
		struct invt_cache_entry e = {
			.kind = ents[i].kind, .global = ents[i].global, .shift = ents[i].shift,
			.tag_s2 = ents[i].s2, .tag_s1 = ents[i].s1, .sid = NONE, .ssid = NONE,
			.iova = ents[i].va, .domain = 10, .domain_s2 = INVT_MEM_NO_DOMAIN,
			.cookie = i,
		};

		assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	}
}

static void add_bit(const struct invt_cache_entry *e, void *arg)
{
	*(uint32_t *)arg |= 1u << e->cookie;
}

static uint32_t survivors(struct invt_cache *c)
{
	uint32_t mask = 0;

	invt_cache_for_each(c, add_bit, &mask);
	return mask;
}

/* The planner alone: encode, decode (every feature), plan, apply. */
static void test_tlbi_table_planner(void **state)
{
	struct invt_cache_config cc = { .nr_sets = 1, .ways = 16, .seed = 1 };
	struct invt_cache *c;
	struct smmu_hw_exec plan;
	struct smmu_hw_cmd hc;
	uint64_t dw[2];
	size_t i;

	(void)state;
	assert_int_equal(invt_cache_create(&cc, &c), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		populate(c);
		assert_int_equal(invt_smmu_cmd_encode(&rows[i].cmd, dw), 0);
		assert_int_equal(smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &hc, NULL), 0);
		assert_int_equal(smmu_hw_exec_plan(&hc, &plan), 0);
		assert_int_equal(plan.kind, SMMU_HW_EXEC_TLB);
		assert_true(invt_cache_invalidate(c, &plan.match) >= 0);
		if (survivors(c) != (ALL_ENTS & ~rows[i].removed))
			fail_msg("%s: survivors %#x, expected %#x", rows[i].name, survivors(c),
				 ALL_ENTS & ~rows[i].removed);
	}
	invt_cache_destroy(c);
}

/* ATC_INV and CFGI plans, and opcodes without a cache effect. */
static void test_atc_cfgi_planner(void **state)
{
	struct smmu_hw_cmd c;
	struct smmu_hw_exec p;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.op = SMMU_HW_OP_ATC_INV;
	c.sid = 4;
	c.ssv = true;
	c.ssid = 3;
	c.addr = 0x12345000;
	c.size = 4;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, SMMU_HW_EXEC_ATC);
	assert_int_equal(p.sid, 4);
	assert_int_equal(p.match.kinds, INVT_CACHE_K(INVT_CACHE_ATC));
	assert_int_equal(p.match.sid_mask, UINT32_MAX);
	assert_int_equal(p.match.ssid, 3);
	assert_int_equal(p.match.ssid_mask, UINT32_MAX);
	assert_int_equal(p.match.start, 0x12340000);
	assert_int_equal(p.match.last, 0x1234ffff);
	c.ssv = false;		/* SSV = 0: every ssid */
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.match.ssid_mask, 0);
	c.ssv = true;
	c.global = true;	/* Global: ignored, SSID's entries alone */
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.match.ssid, 3);
	assert_int_equal(p.match.ssid_mask, UINT32_MAX);

	memset(&c, 0, sizeof(c));
	c.op = SMMU_HW_OP_CFGI_STE_RANGE;
	c.sid = 6;
	c.range = 1;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, SMMU_HW_EXEC_CFG);
	assert_int_equal(p.cfg.sid_first, 4);
	assert_int_equal(p.cfg.sid_last, 7);
	assert_true(p.cfg.all_ssids);
	c.range = 31;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.cfg.sid_first, 0);
	assert_int_equal(p.cfg.sid_last, UINT32_MAX);
	c.op = SMMU_HW_OP_CFGI_CD;
	c.range = 0;
	c.ssid = 7;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_false(p.cfg.all_ssids);
	assert_true(smmu_hw_cfg_in_scope(&p.cfg, 6, 7));
	assert_false(smmu_hw_cfg_in_scope(&p.cfg, 6, 0));
	assert_false(smmu_hw_cfg_in_scope(&p.cfg, 5, 7));
	c.op = SMMU_HW_OP_SYNC;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), 0);
	assert_int_equal(p.kind, SMMU_HW_EXEC_NONE);
	c.op = SMMU_HW_OP_CFGI_VMS_PIDM;
	assert_int_equal(smmu_hw_exec_plan(&c, &p), -EINVAL);
}

/* The same rows through the queue of an instance (EL2 ones are ILL: no Hyp). */
static void test_tlbi_table_queue(void **state)
{
	struct fx *f = fx_new(false, false, 7, 1, 16, 4, false);
	struct invt_cache *c = invt_msmmu_iotlb(f->m);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		populate(c);
		if (rows[i].el2) {
			assert_int_equal(run(f, &rows[i].cmd, 1), -EIO);
			assert_int_equal(survivors(c), ALL_ENTS);
			continue;
		}
		assert_int_equal(run(f, &rows[i].cmd, 1), 0);
		if (survivors(c) != (ALL_ENTS & ~rows[i].removed))
			fail_msg("%s: survivors %#x, expected %#x", rows[i].name, survivors(c),
				 ALL_ENTS & ~rows[i].removed);
	}
	assert_int_equal(mst(f).errors, 4);
	assert_int_equal(mst(f).by_op[INVT_SMMU_CMD_TLBI_NH_VA], 3);
	assert_int_equal(mst(f).by_op[INVT_SMMU_CMD_TLBI_EL2_ALL], 0);
	fx_free(f);
}

/* ---------------------------------------------- configuration scope */

/* Which of (sid 1..3) x (ssid 0..2) a CFGI removed: bit 3 * (sid - 1) + ssid. */
static unsigned int cfgi_removed(struct fx *f, const struct invt_smmu_cmd *cmd)
{
	unsigned int sid, ssid, mask = 0;
	uint64_t before;

	for (sid = 1; sid <= 3; sid++)
		for (ssid = 0; ssid < 3; ssid++)
			invt_msmmu_dma(f->m, sid, ssid, VA_X, false);
	assert_int_equal(run(f, cmd, 1), 0);
	for (sid = 1; sid <= 3; sid++) {
		for (ssid = 0; ssid < 3; ssid++) {
			before = mst(f).cfg_fetches;
			invt_msmmu_dma(f->m, sid, ssid, VA_X, false);
			if (mst(f).cfg_fetches != before)
				mask |= 1u << (3 * (sid - 1) + ssid);
		}
	}
	return mask;
}

static void test_cfgi_scope(void **state)
{
	struct fx *f = fx_new(false, false, 3, 16, 4, 16, false);
	struct dom *a = dom_new(f, 0, true);
	const struct invt_smmu_cmd ste2 = { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = 2 };
	const struct invt_smmu_cmd range = { .opcode = INVT_SMMU_CMD_CFGI_STE_RANGE, .sid = 2 };
	const struct invt_smmu_cmd cd = CFGI_CD(3, 1);
	const struct invt_smmu_cmd cd0 = CFGI_CD(1, 0);
	const struct invt_smmu_cmd cdall = { .opcode = INVT_SMMU_CMD_CFGI_CD_ALL, .sid = 1 };
	const struct invt_smmu_cmd all = { .opcode = INVT_SMMU_CMD_CFGI_STE_RANGE,
					   .range = INVT_SMMU_CFGI_ALL_RANGE };
	unsigned int sid, ssid;

	(void)state;
	map(f, a, VA_X, RW);
	for (sid = 1; sid <= 3; sid++) {
		ste_s1(f, sid, 0);
		for (ssid = 0; ssid < 3; ssid++)
			cd_set(f, sid, ssid, a, ASID);
		assert_int_equal(invt_msmmu_add_device(f->m, sid, 0), 0);
	}
	assert_int_equal(cfgi_removed(f, &ste2), 0x038);
	assert_int_equal(cfgi_removed(f, &range), 0x1f8);	/* sids 2 and 3 */
	assert_int_equal(cfgi_removed(f, &cd), 0x080);
	assert_int_equal(cfgi_removed(f, &cd0), 0x001);		/* the RID uses CD 0 */
	assert_int_equal(cfgi_removed(f, &cdall), 0x007);
	assert_int_equal(cfgi_removed(f, &all), 0x1ff);
	/* ssid 0 is the RID, ssid 1 and 2 PASIDs: every access translated */
	assert_int_equal(ost(f).faults, 0);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

/* ---------------------------------------------------- translation */

static void test_dma_translates_and_hits(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *b = dom_new(f, 1, false);
	struct invt_msmmu_stats st;

	(void)state;
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 0x10, true), 0);
	st = mst(f);
	assert_int_equal(st.translations, 1);
	assert_int_equal(st.cfg_fetches, 1);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.iotlb.hits, 0);
	assert_int_equal(st.iotlb.misses, 2);	/* leaf, then walk cache */
	assert_int_equal(st.iotlb.inserts, 2);	/* leaf + last table */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 0x20, false), 0);
	st = mst(f);
	assert_int_equal(st.translations, 2);
	assert_int_equal(st.cfg_fetches, 1);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.iotlb.hits, 1);
	assert_int_equal(st.iotlb.misses, 2);
	/* a neighbour page: leaf miss, walk-cache hit, walk from that table */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + SZ_4K, false), 0);
	/* an unmapped page in the same table: walk-cache hit, then a fault */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 2 * SZ_4K, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.walks, 3);
	assert_int_equal(st.iotlb.hits, 3);
	assert_int_equal(st.iotlb.misses, 4);
	/* read-only page: a write faults, a read translates */
	map(f, &f->dom[0], VA_X + 3 * SZ_4K, INVT_PT_READ);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 3 * SZ_4K, true), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 3 * SZ_4K, false), 0);
	/* a stage-2 stream */
	ste_s2(f, SID_S2, b);
	assert_int_equal(invt_msmmu_add_device(f->m, SID_S2, 0), 0);
	map(f, b, VA_Z, RW);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, VA_Z, true), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, VA_Z, true), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 1, VA_Z, true), -EFAULT); /* no CD */
	/* no STE (V = 0), beyond the stream table, unknown device */
	assert_int_equal(invt_msmmu_add_device(f->m, 9, 0), 0);
	assert_int_equal(invt_msmmu_add_device(f->m, 100, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, 9, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, 100, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, 77, 0, VA_X, false), -ENODEV);
	assert_int_equal(ost(f).accesses, 6);
	assert_int_equal(ost(f).faults, 5);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

static void test_stale_leaf(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct invt_violation v;

	(void)state;
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(unmap(f, &f->dom[0], VA_X), 0);
	release(f);			/* no TLBI: the IOTLB still has it */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.cache, INVT_CACHE_S1);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	assert_int_equal(v.sid, SID_S1);

	/* the same with TLBI + SYNC before the free: a clean fault */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + SZ_4K, false), 0);
	assert_int_equal(unmap(f, &f->dom[0], VA_X + SZ_4K), 3);
	assert_int_equal(RUN(f, NH_VA(VA_X + SZ_4K, false)), 0);
	release(f);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(ost(f).faults, 1);
	fx_free(f);
}

static void test_walk_cache(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *a = &f->dom[0];
	struct invt_violation v;

	(void)state;
	/* Z alone in its level-0 and level-1 tables: unmapping unlinks both */
	map(f, a, VA_Z, RW);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_Z, false), 0);
	assert_int_equal(unmap(f, a, VA_Z), 2);
	/* Leaf = 1 removes the leaf only: the walk entry stays */
	assert_int_equal(RUN(f, NH_VA(VA_Z, true)), 0);
	assert_int_equal(mst(f).iotlb.entries, 1);
	release(f);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_Z, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.cache, INVT_CACHE_WALK_S1);
	assert_int_equal(v.verdict, INVT_MEM_FREED);

	/* with a non-leaf TLBI the walk starts at the root again: clean */
	map(f, a, VA_Z + 0x40000000, RW);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_Z + 0x40000000, false), 0);
	assert_int_equal(unmap(f, a, VA_Z + 0x40000000), 2);
	assert_int_equal(RUN(f, NH_VA(VA_Z + 0x40000000, false)), 0);
	release(f);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_Z + 0x40000000, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

static void test_s2_ipa_keeps_nested(void **state)
{
	struct fx *f = fx_new(false, false, 5, 4, 4, 4, false);
	struct invt_cache *c = invt_msmmu_iotlb(f->m);
	struct invt_cache_entry e = {
		.kind = INVT_CACHE_NESTED, .shift = 12, .tag_s2 = VMID, .tag_s1 = ASID,
		.sid = NONE, .ssid = NONE, .iova = VA_X, .domain = 1,
	};
	struct invt_cache_key k = { .kinds = INVT_CACHE_K(INVT_CACHE_NESTED), .tag_s2 = VMID,
				    .tag_s1 = ASID, .sid = NONE, .ssid = NONE, .iova = VA_X };
	struct invt_cache_entry out;

	(void)state;
	assert_int_equal(invt_cache_insert(c, &e, NULL), 0);
	assert_int_equal(RUN(f, { .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = VMID,
				  .addr = VA_X }), 0);
	assert_int_equal(invt_cache_lookup(c, &k, &out), 0);
	assert_int_equal(RUN(f, { .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .vmid = VMID,
				  .addr = VA_X }), 0);
	assert_int_equal(invt_cache_lookup(c, &k, &out), -ENOENT);
	fx_free(f);
}

static void test_tag_reuse(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *b = dom_new(f, 1, true);
	struct invt_violation v;

	(void)state;
	map(f, b, VA_Z, RW);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	/* the stream moves to domain B under the same ASID, no TLBI */
	cd_set(f, SID_S1, 0, b, ASID);
	assert_int_equal(RUN(f, CFGI_CD(SID_S1, 0)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_WRONG_DOMAIN], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.domain, f->dom[0].id);
	assert_int_equal(v.expected_domain, b->id);
	/* with the tag flushed, X faults (B does not map it), Z translates */
	assert_int_equal(RUN(f, { .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = VMID,
				  .asid = ASID }), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_Z, false), 0);
	assert_int_equal(ost(f).total, 1);
	fx_free(f);
}

/* Word 0 alone: the aborting STE, or the blocking CD (other words 0). */
static void cfg_w0(struct fx *f, uint64_t pa, uint64_t w0)
{
	uint64_t w[INVT_SMMU_CFG_WORDS] = { w0 };

	invt_smmu_cfg_write(slot_va(f, pa), w);
}

/*
 * An aborting STE and a blocking CD are valid structures: cached (§3.21.3),
 * so that a change away from them is seen only after its CMD_CFGI_STE /
 * CMD_CFGI_CD; without it the cached one is still used (STALE_CONFIG).
 */
static void test_stale_abort_config(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *a = &f->dom[0];
	const struct invt_smmu_cmd cfgi = { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = SID_S1 };
	uint64_t fetches;

	(void)state;
	cfg_w0(f, f->strtab + 64 * SID_S1, INVT_SMMU_STE_W0_ABORT);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), -EFAULT);
	fetches = mst(f).cfg_fetches;
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), -EFAULT);
	assert_int_equal(mst(f).cfg_fetches, fetches);		/* cached */
	assert_int_equal(mst(f).c_bad_ste, 0);			/* no event: V = 1 */
	/* abort -> translating without CMD_CFGI_STE: the abort is still used */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 0, a->id), 0);
	ste_s1(f, SID_S1, 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 0), 0);
	/* (a violation is not counted as a fault: invt_mdev_dma() returns 0) */
	invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false);
	assert_int_equal(mst(f).cfg_fetches, fetches);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 1);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(last_report(f).cache, INVT_VIOL_CACHE_CONFIG);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 0), 0);

	/* abort again, then translating, each change with CMD_CFGI_STE: clean */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 0, INVT_MEM_NO_DOMAIN), 0);
	cfg_w0(f, f->strtab + 64 * SID_S1, INVT_SMMU_STE_W0_ABORT);
	assert_int_equal(run(f, &cfgi, 1), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 0, a->id), 0);
	ste_s1(f, SID_S1, 0);
	assert_int_equal(run(f, &cfgi, 1), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(ost(f).total, 1);

	/* the blocking CD of substream 1: cached, stale until CMD_CFGI_CD */
	cfg_w0(f, f->cdtab[SID_S1] + 64, INVT_SMMU_CD_W0_BLOCK);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 1, VA_X, false), -EFAULT);
	fetches = mst(f).cfg_fetches;
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 1, VA_X, false), -EFAULT);
	assert_int_equal(mst(f).cfg_fetches, fetches);
	assert_int_equal(mst(f).c_bad_cd, 0);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 1, a->id), 0);
	cd_set(f, SID_S1, 1, a, ASID);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 1), 0);
	invt_msmmu_dma(f->m, SID_S1, 1, VA_X, false);
	assert_int_equal(mst(f).cfg_fetches, fetches);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 2);
	assert_int_equal(RUN(f, CFGI_CD(SID_S1, 1)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 1, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 1), 0);
	assert_int_equal(ost(f).total, 2);
	fx_free(f);
}

static void test_stale_config(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *a = &f->dom[0], *b = dom_new(f, 1, true);

	(void)state;
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	/* a change without CFGI_CD: the cached configuration is stale */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 0, b->id), 0);
	cd_set(f, SID_S1, 0, b, ASID + 1);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_CONFIG], 1);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(last_report(f).cache, INVT_VIOL_CACHE_CONFIG);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 0), 0);
	/* back to A, with CFGI_CD before the change is reported done: clean */
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1, 0, a->id), 0);
	cd_set(f, SID_S1, 0, a, ASID);
	assert_int_equal(RUN(f, CFGI_CD(SID_S1, 0)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1, 0), 0);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(mst(f).cfg_fetches, 2);
	fx_free(f);
}

/* ------------------------------------------------------------ ATS */

static struct fx *fx_ats(void)
{
	struct fx *f = fx_s1(false, true);

	ste_s1(f, SID_ATS, INVT_SMMU_EATS_FULL);
	cd_set(f, SID_ATS, 0, &f->dom[0], ASID);
	cd_set(f, SID_ATS, 1, &f->dom[0], ASID);
	assert_int_equal(invt_msmmu_add_device(f->m, SID_ATS, 8), 0);
	return f;
}

static void test_ats(void **state)
{
	struct fx *f = fx_ats();
	struct invt_violation v;

	(void)state;
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, true), 0);
	assert_int_equal(mst(f).translations, 1);	/* the second hit the ATC */
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 1, VA_X, false), 0);
	assert_int_equal(mst(f).translations, 2);	/* PASID 1: its own entry */
	assert_int_equal(mst(f).iotlb.hits, 1);		/* ... from the IOTLB */
	/* SSV = 1 removes one PASID's entry; SSV = 0 every ssid's */
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, true, 1, VA_X, 0)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 1, VA_X, false), 0);
	assert_int_equal(mst(f).translations, 3);
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, false, 0, VA_X, 0)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 1, VA_X, false), 0);
	assert_int_equal(mst(f).translations, 5);
	assert_int_equal(ost(f).total, 0);

	/* unmap, TLBI + SYNC, no ATC_INV: the ATC still translates */
	assert_int_equal(unmap(f, &f->dom[0], VA_X), 0);
	assert_int_equal(RUN(f, NH_VA(VA_X, true)), 0);
	release(f);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(ost(f).violations[INVT_VIOL_STALE_TLB], 1);
	assert_int_equal(ost(f).total, 1);
	v = last_report(f);
	assert_int_equal(v.cache, INVT_CACHE_ATC);
	assert_int_equal(v.sid, SID_ATS);
	/* with the ATC_INV (4 KiB span around X): a clean fault */
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, false, 0, VA_X, 0)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), -EFAULT);
	assert_int_equal(ost(f).total, 1);
	assert_int_equal(ost(f).faults, 1);

	/* EATS = 0: the ATS device's translation requests fault */
	ste_s1(f, SID_ATS, INVT_SMMU_EATS_OFF);
	assert_int_equal(RUN(f, { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = SID_ATS },
			     ATC_INV(SID_ATS, false, 0, 0, INVT_SMMU_ATC_SIZE_ALL)), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X + SZ_4K, false), 0);
	assert_int_equal(mst(f).by_op[INVT_SMMU_CMD_ATC_INV], 4);
	fx_free(f);
}

/* Translation requests (ATC misses) of DMA reads at @va by ssid 0, 1, 2. */
static void atc_misses(struct fx *f, uint64_t va, uint32_t mask)
{
	uint64_t before = mst(f).translations;
	uint32_t ssid;

	for (ssid = 0; ssid < 3; ssid++)
		assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, ssid, va, false), 0);
	assert_int_equal(mst(f).translations - before, __builtin_popcount(mask));
}

/*
 * What each CMD_ATC_INV (IHI0070 §4.5.1) removes from an ATC holding
 * translations of requests without a PASID and of SubstreamIDs 1 and 2:
 * SSV = 1 only its SubstreamID's, with Global = 1 too (the strictest ATC: no
 * Global Invalidate Supported, PCIe Base §10.5.1.2); SSV = 0 every
 * SubstreamID's (no PASID prefix, PCIe Base §10.3.1).  A miss shows as a
 * translation request; hits do not.
 */
static void test_atc_pasid_scopes(void **state)
{
	struct fx *f = fx_ats();
	struct invt_smmu_cmd g = ATC_INV(SID_ATS, true, 2, VA_X, 0);

	(void)state;
	cd_set(f, SID_ATS, 2, &f->dom[0], ASID);
	atc_misses(f, VA_X, 0x7);		/* filled: no PASID, 1, 2 */
	atc_misses(f, VA_X, 0);			/* all hit */
	atc_misses(f, VA_X + SZ_4K, 0x7);
	/* SSV = 1, SubstreamID 1: its entry only. */
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, true, 1, VA_X, 0)), 0);
	atc_misses(f, VA_X, 0x2);
	/* SSV = 1, SubstreamID 2, Global = 1: still 2's alone. */
	g.global = true;
	assert_int_equal(RUN(f, g), 0);
	atc_misses(f, VA_X, 0x4);
	/* A SubstreamID without entries, Global = 1: nothing. */
	g.ssid = 5;
	assert_int_equal(RUN(f, g), 0);
	atc_misses(f, VA_X, 0);
	/* SSV = 0: every SubstreamID's entries in the span, none outside. */
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, false, 0, VA_X, 0)), 0);
	atc_misses(f, VA_X, 0x7);
	atc_misses(f, VA_X + SZ_4K, 0);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

static void test_atc_timeout(void **state)
{
	struct fx *f = fx_ats();
	uint64_t t;

	(void)state;
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_set_atc_timeout(f->m, SID_ATS, true), 0);
	assert_int_equal(invt_msmmu_set_atc_timeout(f->m, 99, true), -ENODEV);
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, false, 0, VA_X, 0)), -EIO);
	assert_int_equal(f->q.stats.atc_inv_sync, 1);
	assert_int_equal(mst(f).errors, 1);
	/* a device that does not answer keeps its ATC: a hit, no translation */
	t = mst(f).translations;
	assert_int_equal(invt_msmmu_dma(f->m, SID_ATS, 0, VA_X, false), 0);
	assert_int_equal(mst(f).translations, t);
	assert_int_equal(invt_msmmu_set_atc_timeout(f->m, SID_ATS, false), 0);
	assert_int_equal(RUN(f, ATC_INV(SID_ATS, false, 0, VA_X, 0)), 0);
	/* ATC_INV to a device without ATS, or to no device: nothing to do */
	assert_int_equal(RUN(f, ATC_INV(SID_S1, false, 0, VA_X, 0),
			     ATC_INV(12, false, 0, VA_X, 0)), 0);
	assert_int_equal(mst(f).errors, 1);
	fx_free(f);
}

/* ---------------------------------------------- threads, determinism */

struct dma_worker {
	struct fx *f;
	int stop;
	unsigned long done, failed;
};

static void *dma_thread(void *arg)
{
	struct dma_worker *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (invt_msmmu_dma(w->f->m, SID_S1, 0, VA_X + SZ_4K, (w->done & 1) != 0))
			w->failed++;
		w->done++;
	}
	return NULL;
}

/* Map / use / unmap + TLBI + SYNC / free, with a device busy beside it. */
static void test_threaded(void **state)
{
	struct fx *f = fx_s1(true, false);
	struct dma_worker w = { .f = f };
	unsigned int i, bad = 0;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, dma_thread, &w), 0);
	for (i = 0; i < 200; i++) {
		map(f, &f->dom[0], VA_X + 2 * SZ_4K, RW);
		bad += invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 2 * SZ_4K, true) != 0;
		unmap(f, &f->dom[0], VA_X + 2 * SZ_4K);
		bad += RUN(f, NH_VA(VA_X + 2 * SZ_4K, true), CFGI_CD(SID_S1, 0)) != 0;
		release(f);
		bad += invt_msmmu_dma(f->m, SID_S1, 0, VA_X + 2 * SZ_4K, false) != -EFAULT;
	}
	/* Release: pairs with the worker's acquire of the flag. */
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_int_equal(w.failed, 0);
	assert_int_equal(ost(f).total, 0);
	assert_int_equal(ost(f).accesses, w.done + 200);
	assert_int_equal(ost(f).faults, 200);
	assert_int_equal(mst(f).by_op[INVT_SMMU_CMD_SYNC], 200);
	fx_free(f);
}

struct run_result {
	uint64_t hash, nr_trace;
	struct invt_msmmu_stats ms;
	struct invt_oracle_stats os;
};

/* A seeded script on a small IOTLB and configuration cache (evictions). */
static void seeded_script(uint64_t seed, struct run_result *r)
{
	struct fx *f = fx_new(false, false, seed, 2, 2, 2, true);
	struct dom *a = dom_new(f, 0, true);
	uint64_t s = seed, z;
	unsigned int i, sid;

	for (sid = 1; sid <= 3; sid++) {
		ste_s1(f, sid, 0);
		cd_set(f, sid, 0, a, ASID);
		assert_int_equal(invt_msmmu_add_device(f->m, sid, 0), 0);
	}
	for (i = 0; i < 8; i++)
		map(f, a, VA_X + 2 * i * SZ_4K, RW);
	for (i = 0; i < 300; i++) {
		z = (s += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
		z ^= z >> 29;
		if (z % 8 == 0)
			RUN(f, NH_VA(VA_X + (z >> 8) % 16 * SZ_4K, (z >> 4) & 1));
		else if (z % 8 == 1)
			RUN(f, { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = 1 + (z >> 8) % 3 });
		else
			invt_msmmu_dma(f->m, 1 + (z >> 16) % 3, 0, VA_X + (z >> 8) % 16 * SZ_4K,
				       (z >> 4) & 1);
	}
	r->hash = f->trace_hash;
	r->nr_trace = f->nr_trace;
	r->ms = mst(f);
	r->os = ost(f);
	fx_free(f);
}

static void test_determinism(void **state)
{
	struct run_result a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	seeded_script(42, &a);
	seeded_script(42, &b);
	assert_true(a.nr_trace > 50);
	assert_int_equal(a.nr_trace, a.ms.consumed);
	assert_true(a.ms.iotlb.evictions > 0);
	assert_true(a.ms.cfg_fetches > 3);
	assert_int_equal(a.hash, b.hash);
	assert_int_equal(a.nr_trace, b.nr_trace);
	assert_memory_equal(&a.ms, &b.ms, sizeof(a.ms));
	assert_memory_equal(&a.os, &b.os, sizeof(a.os));
	assert_int_equal(a.os.total, 0);
	assert_int_equal(a.os.accesses + a.os.faults, a.ms.translations);
}

/* --------------------------------------------------------- errors */

/*
 * A two-level CD table (SMMU_IDR0.CD2L, STE.S1Fmt 0b01: 4 KiB leaves of 64
 * CDs): the CD is found through its L1CD; an L1CD with V == 0 aborts the
 * access (C_BAD_SUBSTREAMID, §5.3.1), not a C_BAD_CD.
 */
static void test_cd_table_2lvl(void **state)
{
	struct invt_smmu_ste ste = { .valid = true, .config = INVT_SMMU_STE_S1, .s1cdmax = CDMAX,
				     .s1fmt = INVT_SMMU_S1FMT_L2_4K, .s2vmid = VMID };
	struct invt_smmu_cd cd = { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K,
				   .ips = INVT_SMMU_PS_48, .asid = ASID, .mair = 0xff };
	uint64_t w[INVT_SMMU_CFG_WORDS], l1, leaf, d;
	struct invt_msmmu_stats st;
	struct dom *a;
	struct fx *f;

	(void)state;
	fx_cd2l = true;
	f = fx_new(false, false, 1, 16, 4, 16, false);
	fx_cd2l = false;
	assert_true(invt_msmmu_regs(f->m)->idr0 & INVT_SMMU_IDR0_CD2L);
	assert_int_equal(INVT_SMMU_IDR1_SSIDSIZE(invt_msmmu_regs(f->m)->idr1), 12);
	a = dom_new(f, 0, true);
	map(f, a, VA_X, RW);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &l1), 0);
	assert_int_equal(invt_mem_alloc(f->mem, INVT_FRAME_OTHER, 0, 0, &leaf), 0);
	ste.s1ctxptr = l1;
	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	invt_smmu_cfg_write(slot_va(f, f->strtab + 64 * SID_S1), w);
	cd.ttb0 = a->pt.root_pa;
	assert_int_equal(invt_smmu_cd_build(&cd, w), 0);
	invt_smmu_cfg_write(slot_va(f, leaf + 64 * 5), w);
	assert_int_equal(invt_msmmu_add_device(f->m, SID_S1, 0), 0);

	/* L1CD 0 with V == 0: aborted, no C_BAD_CD, nothing translated. */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 5, VA_X, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.c_bad_cd, 0);
	assert_int_equal(st.xlate_s1, 0);
	/* Published: ssid 5 translates through the leaf; ssid 6 there is V == 0. */
	assert_int_equal(invt_smmu_l1cd_build(leaf, true, &d), 0);
	invt_smmu_l1_publish(slot_va(f, l1), d);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 5, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 6, VA_X, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.xlate_s1, 1);
	assert_int_equal(st.c_bad_cd, 1);
	assert_int_equal(st.illegal_cd, 0);
	assert_int_equal(ost(f).total, 0);
	release(f);
	fx_free(f);
}

/*
 * What a driver leaves at an unattached ssid decides the event (§5.4 V,
 * §7.3.10): the blocking CD (valid, EPD0 = EPD1 = 1) faults quietly, a CD
 * with V == 0 or an ILLEGAL one is C_BAD_CD, the access aborted either way.
 */
static void test_blocking_cd_no_event(void **state)
{
	const uint64_t block[INVT_SMMU_CFG_WORDS] = { INVT_SMMU_CD_W0_BLOCK };
	struct fx *f = fx_s1(false, false);
	struct invt_smmu_cd bad = { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K,
				    .ips = INVT_SMMU_PS_48, .asid = ASID, .mair = 0xff };
	uint64_t w[INVT_SMMU_CFG_WORDS];
	struct invt_msmmu_stats st;

	(void)state;
	bad.ttb0 = f->dom[0].pt.root_pa;
	invt_smmu_cfg_write(slot_va(f, f->cdtab[SID_S1] + 64 * 2), block);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 2, VA_X, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.c_bad_cd, 0);
	assert_int_equal(st.illegal_cd, 0);

	/* V == 0 (never written): C_BAD_CD, not ILLEGAL. */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 3, VA_X, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.c_bad_cd, 1);
	assert_int_equal(st.illegal_cd, 0);

	/* Corrupt: T0SZ 40 is out of range (§5.4 T0SZ): C_BAD_CD, ILLEGAL. */
	assert_int_equal(invt_smmu_cd_build(&bad, w), 0);
	w[0] = (w[0] & ~UINT64_C(0x3f)) | 40;
	invt_smmu_cfg_write(slot_va(f, f->cdtab[SID_S1] + 64 * 4), w);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 4, VA_X, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.c_bad_cd, 2);
	assert_int_equal(st.illegal_cd, 1);
	assert_int_equal(st.xlate_s1, 0);
	release(f);
	fx_free(f);
}

/*
 * An SMMU with a 44-bit OAS: its ID registers say so; the STE a driver
 * with a fixed 48-bit IPA would write (S2T0SZ 16) is ILLEGAL there (§5.2):
 * C_BAD_STE recorded, the access aborted; S2T0SZ 20 translates.  With
 * SMMUEN cleared (acknowledged), every access aborts.
 */
static void test_oas44_illegal_ste(void **state)
{
	struct invt_smmu_ste ste = { .valid = true, .config = INVT_SMMU_STE_S2, .s2vmid = VMID + 1,
				     .s2t0sz = 20, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_4K,
				     .s2ps = INVT_SMMU_PS_44 };
	struct invt_smmu_regs *r;
	struct invt_msmmu_stats st;
	uint64_t w[INVT_SMMU_CFG_WORDS];
	struct fx *f;
	struct dom *d;

	(void)state;
	fx_oas_bits = 44;
	fx_ack_lag = 3;
	f = fx_new(false, false, 1, 16, 4, 16, false);
	fx_oas_bits = fx_ack_lag = 0;
	r = invt_msmmu_regs(f->m);
	assert_int_equal(INVT_SMMU_IDR5_OAS(r->idr5), INVT_SMMU_PS_44);
	assert_true(r->idr5 & INVT_SMMU_IDR5_GRAN4K);
	assert_true((r->idr0 & INVT_SMMU_IDR0_S1P) && (r->idr0 & INVT_SMMU_IDR0_S2P));
	assert_true(r->idr3 & INVT_SMMU_IDR3_RIL);
	assert_false(r->idr0 & INVT_SMMU_IDR0_ATS);

	d = dom_new(f, 1, false);
	map(f, d, VA_Z, RW);
	ste_s2(f, SID_S2, d);		/* S2T0SZ 16: a 48-bit IPA */
	assert_int_equal(invt_msmmu_add_device(f->m, SID_S2, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, VA_Z, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.c_bad_ste, 1);
	assert_int_equal(st.illegal_ste, 1);
	assert_int_equal(st.xlate_s2, 0);

	ste.s2ttb = d->pt.root_pa;
	assert_int_equal(invt_smmu_ste_build(&ste, w), 0);
	invt_smmu_cfg_write(slot_va(f, f->strtab + 64 * SID_S2), w);
	assert_int_equal(RUN(f, { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = SID_S2 }), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, VA_Z, false), 0);
	/* Beyond the 44-bit IPA: a translation fault, no event. */
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, 1ull << 44, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.xlate_s2, 1);
	assert_int_equal(st.c_bad_ste, 1);
	assert_int_equal(st.handshake_errors, 0);

	/* Disabled: the cached configuration and IOTLB entry are not used. */
	enable(r, INVT_SMMU_CR0_CMDQEN);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S2, 0, VA_Z, false), -EFAULT);
	st = mst(f);
	assert_int_equal(st.disabled_aborts, 1);
	release(f);
	fx_free(f);
}

static void test_bad_input(void **state)
{
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 4, .nr_ssids = 1 };
	struct invt_msmmu_config c = { .iotlb_sets = 4, .iotlb_ways = 2, .cfg_entries = 4 };
	struct invt_mem *mem;
	struct invt_oracle *o;
	struct invt_msmmu *m;

	(void)state;
	assert_int_equal(invt_mem_create(&mc, &mem), 0);
	assert_int_equal(invt_oracle_create(&oc, mem, &o), 0);
	assert_int_equal(invt_msmmu_create(NULL, mem, o, &m), -EINVAL);
	assert_int_equal(invt_msmmu_create(&c, NULL, o, &m), -EINVAL);
	c.iotlb_sets = 3;
	assert_int_equal(invt_msmmu_create(&c, mem, o, &m), -EINVAL);
	c.iotlb_sets = 4;
	c.cfg_entries = 0;
	assert_int_equal(invt_msmmu_create(&c, mem, o, &m), -EINVAL);
	c.cfg_entries = 4;
	c.oas_bits = 46;			/* not an OAS encoding */
	assert_int_equal(invt_msmmu_create(&c, mem, o, &m), -EINVAL);
	c.oas_bits = 0;
	assert_int_equal(invt_msmmu_create(&c, mem, o, &m), 0);
	assert_int_equal(invt_msmmu_add_device(m, 1, 0), 0);
	assert_int_equal(invt_msmmu_add_device(m, 1, 0), -EEXIST);
	assert_int_equal(invt_msmmu_add_device(m, 2, 4), -EINVAL);	/* no IDR0.ATS */
	assert_int_equal(invt_msmmu_start(m), 0);			/* inline: nothing */
	/* no stream table programmed: every access faults, none crashes */
	assert_int_equal(invt_msmmu_dma(m, 1, 0, 0, false), -EFAULT);
	invt_msmmu_destroy(m);
	invt_msmmu_destroy(NULL);
	invt_oracle_destroy(o);
	invt_mem_destroy(mem);
}

/*
 * "Two devices share a domain, one is replaced to an empty domain: it must
 * fault."  SMMUv3 tags its TLB by VMID and ASID (IHI0070 §3.17), not by
 * StreamID, and an implementation that caches translations combined with a
 * stream's configuration drops them with the CMD_CFGI_* of that
 * configuration; so the guidance for a CD change is CMD_CFGI_CD and a sync,
 * and the old ASID needs a TLBI only before the ASID is reused (the core's
 * last-user flush).  The stream moved to a new ASID misses every entry of
 * the old one.
 */
static void test_share_replace(void **state)
{
	struct fx *f = fx_s1(false, false);
	struct dom *b = dom_new(f, 1, true);

	(void)state;
	ste_s1(f, SID_S1B, 0);
	cd_set(f, SID_S1B, 0, &f->dom[0], ASID);
	assert_int_equal(invt_msmmu_add_device(f->m, SID_S1B, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1B, 0, VA_X, false), 0);
	assert_int_equal(invt_oracle_attach_begin(f->o, 0, SID_S1B, 0, b->id), 0);
	cd_set(f, SID_S1B, 0, b, ASID + 1);
	assert_int_equal(RUN(f, CFGI_CD(SID_S1B, 0)), 0);
	assert_int_equal(invt_oracle_config_done(f->o, 0, SID_S1B, 0), 0);
	assert_int_equal(invt_oracle_attach_done(f->o, 0, SID_S1B, 0), 0);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1B, 0, VA_X, false), -EFAULT);
	assert_int_equal(invt_msmmu_dma(f->m, SID_S1, 0, VA_X, false), 0);
	assert_int_equal(ost(f).total, 0);
	fx_free(f);
}

/* ------------------------------------------------------------- nesting */

#define SID_NEST	5
#define VMID_N		3
#define IPA_CD		UINT64_C(0x7f000000)	/* the guest's CD table */
#define IPA_OUT		UINT64_C(0x7f200000)	/* where the guest maps VA_X */
#define IPA_L1CD	UINT64_C(0x7f100000)	/* a two-level CD table's L1CDs */
/* The guest's IPA space as the oracle keeps it: below and over the pool. */
#define IPA_BASE	UINT64_C(0x7f000000)
#define IPA_SIZE	UINT64_C(0x2000000)

/*
 * A nested stream (STE Config 0b111) as the driver writes it, with the
 * driver's builders: stage 2 of parent @p under VMID_N; S1ContextPtr the IPA
 * IPA_CD, whose CD 0 (ASID, TTB0 = the guest table's root) sits in a frame
 * @p maps IPA_CD to (elsewhere: a fetch that skipped stage 2 would read an
 * unrelated address).  The guest's table @g maps VA_X and VA_X + 4K to the
 * IPAs IPA_OUT and IPA_OUT + 4K, which @p maps to data frames *@out; the
 * guest's own tables sit at IPAs @p maps to themselves.
 */
struct nest {
	struct fx *f;
	struct dom *p, *g;
	uint64_t cd_pa;
	uint64_t data[2];
	uint64_t table[4];
	unsigned int nr_tables;
};

static void nest_map_cd(struct nest *n)
{
	assert_int_equal(invt_pt_map(&n->p->pt, IPA_CD, n->cd_pa, SZ_4K, RW), 0);
}

static void nest_new(struct nest *n, bool map_cd, bool ats)
{
	struct invt_smmu_ste s = {
		.valid = true, .config = INVT_SMMU_STE_NESTED, .s1cdmax = CDMAX,
		.s1ctxptr = IPA_CD, .s2vmid = VMID_N, .s2t0sz = 16, .s2sl0 = 2,
		.s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_48,
	};
	struct invt_smmu_cd cd = { .valid = true, .t0sz = 16, .tg0 = INVT_SMMU_TG_4K,
				   .ips = INVT_SMMU_PS_48, .asid = ASID, .mair = 0xff };
	uint64_t w[INVT_SMMU_CFG_WORDS];
	struct invt_pt_walk res;
	unsigned int i;

	memset(n, 0, sizeof(*n));
	n->f = fx_new(false, ats, 3, 16, 4, 16, false);
	n->p = dom_new(n->f, 2, false);
	n->g = dom_new(n->f, 3, true);
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_mem_alloc(n->f->mem, INVT_FRAME_DATA, n->g->id,
						VA_X + i * SZ_4K, &n->data[i]), 0);
		assert_int_equal(invt_pt_map(&n->g->pt, VA_X + i * SZ_4K, IPA_OUT + i * SZ_4K,
					     SZ_4K, RW), 0);
		assert_int_equal(invt_pt_map(&n->p->pt, IPA_OUT + i * SZ_4K, n->data[i], SZ_4K,
					     RW), 0);
	}
	assert_int_equal(invt_pt_hw_walk(&invt_pt_fmt_arm_s1_4k, &n->g->ops.ops,
					 n->g->pt.root_pa, VA_X, &res), 0);
	n->nr_tables = res.nr_tables;
	for (i = 0; i < res.nr_tables; i++) {
		n->table[i] = res.tables[i];
		assert_int_equal(invt_pt_map(&n->p->pt, res.tables[i], res.tables[i], SZ_4K,
					     INVT_PT_READ), 0);
	}
	assert_int_equal(invt_mem_alloc(n->f->mem, INVT_FRAME_OTHER, 0, 0, &n->cd_pa), 0);
	cd.ttb0 = n->g->pt.root_pa;
	assert_int_equal(invt_smmu_cd_build(&cd, w), 0);
	invt_smmu_cfg_write(slot_va(n->f, n->cd_pa), w);
	if (map_cd)
		nest_map_cd(n);
	s.s2ttb = n->p->pt.root_pa;
	s.eats = ats ? INVT_SMMU_EATS_FULL : 0;
	assert_int_equal(invt_smmu_ste_build(&s, w), 0);
	invt_smmu_cfg_write(slot_va(n->f, n->f->strtab + 64 * SID_NEST), w);
	assert_int_equal(invt_msmmu_add_device(n->f->m, SID_NEST, ats ? 8 : 0), 0);
}

/* Whether the IOTLB holds an entry of @kind (tags as the SMMU fills them) at @addr. */
static bool cached(struct fx *f, enum invt_cache_kind kind, uint64_t addr, uint64_t *pa)
{
	struct invt_cache_key k = {
		.kinds = INVT_CACHE_K(kind), .tag_s2 = VMID_N, .sid = NONE, .ssid = NONE,
		.tag_s1 = kind == INVT_CACHE_NESTED || kind == INVT_CACHE_WALK_S1 ? ASID : NONE,
		.iova = addr,
	};
	struct invt_cache_entry e;

	if (invt_cache_lookup(invt_msmmu_iotlb(f->m), &k, &e))
		return false;
	if (pa)
		*pa = e.pa;
	return true;
}

/*
 * End to end: the nested STE and its CD at an IPA translate VA_X in two
 * stages; the CD fetch and every stage-1 table access went through stage 2
 * (their stage-2 leaves are cached), the combined leaf is tagged (VMID, ASID)
 * with both domains, and serves the next access without a walk.
 */
static void test_nested_translates(void **state)
{
	struct nest n;
	struct invt_cache_key k = { .kinds = INVT_CACHE_K(INVT_CACHE_NESTED), .tag_s2 = VMID_N,
				    .tag_s1 = ASID, .sid = NONE, .ssid = NONE, .iova = VA_X };
	struct invt_cache_entry e;
	struct invt_msmmu_stats st;
	uint64_t pa;
	unsigned int i;

	(void)state;
	nest_new(&n, true, false);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + 0x10, true), 0);
	assert_int_equal(invt_cache_lookup(invt_msmmu_iotlb(n.f->m), &k, &e), 0);
	assert_true(e.pa == n.data[0]);
	assert_int_equal(e.domain, n.g->id);
	assert_int_equal(e.domain_s2, n.p->id);
	assert_true(cached(n.f, INVT_CACHE_S2, IPA_CD, &pa) && pa == n.cd_pa);
	assert_true(cached(n.f, INVT_CACHE_S2, IPA_OUT, &pa) && pa == n.data[0]);
	for (i = 0; i < n.nr_tables; i++)
		assert_true(cached(n.f, INVT_CACHE_S2, n.table[i], NULL));
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + 0x20, false), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + SZ_4K, false), 0);
	st = mst(n.f);
	assert_int_equal(st.cfg_fetches, 1);
	assert_int_equal(st.walks, 2);
	assert_int_equal(st.xlate_s1, 3);
	assert_int_equal(st.cd_fetch_s2_faults, 0);
	/* A substream with no CD written (V = 0): C_BAD_CD, read through stage 2. */
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 1, VA_X, false), -EFAULT);
	assert_int_equal(mst(n.f).c_bad_cd, 1);
	assert_int_equal(ost(n.f).accesses, 3);
	assert_int_equal(ost(n.f).total, 0);
	fx_free(n.f);
}

/*
 * Stage-2 faults on the way: the CD table's IPA not mapped by stage 2 (the
 * CD fetch faults; nothing is cached, so mapping it is enough), then the
 * last stage-1 table's IPA unmapped from stage 2 (TLBI_S2_IPA + CMD_SYNC).
 * The stage-1 walk entry of that table holds its PA, the stage-2
 * translation cached with it, which S2_IPA need not remove (IHI0070
 * §4.4.3.1): a walk from it still reads the table there (the frame is
 * live: no violation).  After TLBI_NH_ALL a walk that reaches the table
 * faults and reads none of its entries.
 */
static void test_nested_s2_faults(void **state)
{
	struct unlink u;
	struct nest n;
	uint64_t last;

	(void)state;
	nest_new(&n, false, false);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), -EFAULT);
	assert_int_equal(mst(n.f).cd_fetch_s2_faults, 1);
	assert_false(cached(n.f, INVT_CACHE_S2, IPA_CD, NULL));
	nest_map_cd(&n);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(mst(n.f).cd_fetch_s2_faults, 1);
	assert_true(cached(n.f, INVT_CACHE_WALK_S1, VA_X, NULL));

	/* The host stops mapping the guest's last-level table. */
	last = n.table[n.nr_tables - 1];
	u = (struct unlink){ .g.table_unlinked = on_unlinked, .f = n.f };
	assert_int_equal(invt_pt_unmap(&n.p->pt, last, SZ_4K, &u.g), 0);
	assert_int_equal(RUN(n.f, { .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = VMID_N,
				    .addr = last }), 0);
	release(n.f);
	assert_false(cached(n.f, INVT_CACHE_S2, last, NULL));
	/* VA_X + 4K: no combined entry; the walk entry leads to that table's PA. */
	assert_true(cached(n.f, INVT_CACHE_WALK_S1, VA_X + SZ_4K, NULL));
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + SZ_4K, false), 0);
	assert_true(cached(n.f, INVT_CACHE_NESTED, VA_X + SZ_4K, NULL));
	/* VA_X itself still hits its combined entry (S2_IPA keeps it). */
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	/* NH_ALL: the walk from the root meets the unmapped table. */
	assert_int_equal(RUN(n.f, { .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = VMID_N }), 0);
	assert_false(cached(n.f, INVT_CACHE_WALK_S1, VA_X + SZ_4K, NULL));
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + SZ_4K, false), -EFAULT);
	assert_false(cached(n.f, INVT_CACHE_NESTED, VA_X + SZ_4K, NULL));
	assert_false(cached(n.f, INVT_CACHE_WALK_S1, VA_X + SZ_4K, NULL));
	assert_int_equal(ost(n.f).faults, 2);
	assert_int_equal(ost(n.f).total, 0);
	fx_free(n.f);
}

/*
 * What each TLBI removes of a combined entry and the stage-2 entries under
 * it: S2_IPA keeps the combined leaf (and a host that unmaps and frees the
 * page with S2_IPA alone leaves it stale: the oracle says so); NH_VA,
 * NH_VAA, NH_ASID and NH_ALL of its VMID remove it and leave the stage-2
 * entries; S12_VMALL removes both; another VMID's commands touch neither.
 */
static void test_nested_removal(void **state)
{
	static const struct invt_smmu_cmd removes[] = {
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = VMID_N, .asid = ASID, .addr = VA_X },
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .vmid = VMID_N, .addr = VA_X },
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = VMID_N, .asid = ASID },
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = VMID_N },
	};
	static const struct invt_smmu_cmd keeps[] = {
		{ .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = VMID_N, .addr = IPA_OUT },
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = VMID_N + 1 },
		{ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = VMID_N, .asid = ASID + 1 },
		{ .opcode = INVT_SMMU_CMD_TLBI_S12_VMALL, .vmid = VMID_N + 1 },
	};
	struct unlink u;
	struct nest n;
	struct invt_violation v;
	unsigned int i;

	(void)state;
	nest_new(&n, true, false);
	for (i = 0; i < 4; i++) {
		assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
		assert_int_equal(run(n.f, &keeps[i], 1), 0);
		assert_true(cached(n.f, INVT_CACHE_NESTED, VA_X, NULL));
		assert_true(cached(n.f, INVT_CACHE_S2, IPA_CD, NULL));
		/* Only S2_IPA removed it; the combined hits since refill nothing. */
		assert_false(cached(n.f, INVT_CACHE_S2, IPA_OUT, NULL));
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
		assert_true(cached(n.f, INVT_CACHE_NESTED, VA_X, NULL));
		assert_int_equal(run(n.f, &removes[i], 1), 0);
		assert_false(cached(n.f, INVT_CACHE_NESTED, VA_X, NULL));
		assert_true(cached(n.f, INVT_CACHE_S2, IPA_CD, NULL));
	}
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(RUN(n.f, { .opcode = INVT_SMMU_CMD_TLBI_S12_VMALL, .vmid = VMID_N }), 0);
	assert_false(cached(n.f, INVT_CACHE_NESTED, VA_X, NULL));
	assert_false(cached(n.f, INVT_CACHE_S2, IPA_OUT, NULL));
	assert_false(cached(n.f, INVT_CACHE_S2, IPA_CD, NULL));
	assert_false(cached(n.f, INVT_CACHE_WALK_S1, VA_X, NULL));
	assert_int_equal(ost(n.f).total, 0);

	/* The host unmaps IPA_OUT, invalidates by IPA only, frees the page. */
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	u = (struct unlink){ .g.table_unlinked = on_unlinked, .f = n.f };
	assert_int_equal(invt_pt_unmap(&n.p->pt, IPA_OUT, SZ_4K, &u.g), 0);
	assert_int_equal(invt_mem_chain_add(n.f->mem, &n.f->pending, n.data[0]), 0);
	assert_int_equal(RUN(n.f, { .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = VMID_N,
				    .addr = IPA_OUT }), 0);
	release(n.f);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(ost(n.f).violations[INVT_VIOL_STALE_TLB], 1);
	v = last_report(n.f);
	assert_int_equal(v.cache, INVT_CACHE_NESTED);
	assert_int_equal(v.verdict, INVT_MEM_FREED);
	/* With NH_ALL of the VMID (the S1_CLEAR entry) the access faults, clean. */
	assert_int_equal(RUN(n.f, { .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = VMID_N }), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), -EFAULT);
	assert_int_equal(ost(n.f).total, 1);
	fx_free(n.f);
}

/*
 * A two-level CD table at IPAs: the L1CD array and the leaf table it points
 * to are both read through stage 2; the leaf's IPA unmapped faults the CD
 * fetch (counted), mapped it translates.
 */
static void test_nested_cd_2lvl(void **state)
{
	struct invt_smmu_ste s = {
		.valid = true, .config = INVT_SMMU_STE_NESTED, .s1cdmax = CDMAX,
		.s1fmt = INVT_SMMU_S1FMT_L2_4K, .s1ctxptr = IPA_L1CD, .s2vmid = VMID_N,
		.s2t0sz = 16, .s2sl0 = 2, .s2tg = INVT_SMMU_TG_4K, .s2ps = INVT_SMMU_PS_48,
	};
	uint64_t w[INVT_SMMU_CFG_WORDS], l1, d;
	struct nest n;

	(void)state;
	fx_cd2l = true;
	nest_new(&n, false, false);
	fx_cd2l = false;
	/* CD 5 in the leaf table (the frame behind IPA_CD): CD 0's copy. */
	memcpy(slot_va(n.f, n.cd_pa + 64 * 5), slot_va(n.f, n.cd_pa), 64);
	assert_int_equal(invt_mem_alloc(n.f->mem, INVT_FRAME_OTHER, 0, 0, &l1), 0);
	assert_int_equal(invt_pt_map(&n.p->pt, IPA_L1CD, l1, SZ_4K, INVT_PT_READ), 0);
	assert_int_equal(invt_smmu_l1cd_build(IPA_CD, true, &d), 0);
	invt_smmu_l1_publish(slot_va(n.f, l1), d);
	s.s2ttb = n.p->pt.root_pa;
	assert_int_equal(invt_smmu_ste_build(&s, w), 0);
	invt_smmu_cfg_write(slot_va(n.f, n.f->strtab + 64 * SID_NEST), w);

	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 5, VA_X, false), -EFAULT);
	assert_int_equal(mst(n.f).cd_fetch_s2_faults, 1);
	assert_true(cached(n.f, INVT_CACHE_S2, IPA_L1CD, NULL));
	nest_map_cd(&n);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 5, VA_X, false), 0);
	assert_true(cached(n.f, INVT_CACHE_S2, IPA_CD, NULL));
	assert_int_equal(mst(n.f).cd_fetch_s2_faults, 1);
	assert_int_equal(ost(n.f).total, 0);
	fx_free(n.f);
}

/*
 * A VM the oracle keeps (the parent's slot, the guest's CD table, tables and
 * pages mapped on its side) with an ATS device: the ATC entry filled through
 * both stages is checked as one (nested accesses counted); once the guest
 * unmapped its page and its invalidation completed, an ATC hit without an
 * ATC_INV is stale at stage 1.
 */
static void test_nested_vm_ats(void **state)
{
	struct invt_violation v;
	struct nest n;
	unsigned int i;

	(void)state;
	fx_vms = 1;
	nest_new(&n, true, true);
	fx_vms = 0;
	assert_int_equal(invt_oracle_vm_init(n.f->o, 0, n.p->id, IPA_BASE, IPA_SIZE), 0);
	assert_int_equal(invt_oracle_guest_map(n.f->o, 0, IPA_CD, 1, INVT_FRAME_OTHER, 0, 0), 0);
	for (i = 0; i < n.nr_tables; i++)
		assert_int_equal(invt_oracle_guest_map(n.f->o, 0, n.table[i], 1, INVT_FRAME_TABLE,
						       n.g->id, 0), 0);
	assert_int_equal(invt_oracle_guest_map(n.f->o, 0, IPA_OUT, 2, INVT_FRAME_DATA, n.g->id,
					       VA_X), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X + 8, true), 0);
	assert_int_equal(mst(n.f).translations, 1);	/* the second hit the ATC */
	assert_int_equal(ost(n.f).nested_accesses, 2);
	assert_int_equal(ost(n.f).accesses, 2);
	assert_int_equal(ost(n.f).total, 0);

	/* The guest unmaps IPA_OUT and invalidates (no ATC_INV reaches the device). */
	assert_int_equal(invt_oracle_guest_unmap(n.f->o, 0, IPA_OUT, 1), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(ost(n.f).total, 0);
	assert_int_equal(invt_oracle_guest_inv_done(n.f->o, 0, IPA_OUT, 1), 0);
	assert_int_equal(invt_msmmu_dma(n.f->m, SID_NEST, 0, VA_X, false), 0);
	assert_int_equal(ost(n.f).violations[INVT_VIOL_STALE_TLB], 1);
	v = last_report(n.f);
	assert_int_equal(v.cache, INVT_CACHE_ATC);
	assert_int_equal(v.stage, 1);
	assert_true(v.ipa == IPA_OUT);
	fx_free(n.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlbi_table_planner),
		cmocka_unit_test(test_atc_cfgi_planner),
		cmocka_unit_test(test_tlbi_table_queue),
		cmocka_unit_test(test_cfgi_scope),
		cmocka_unit_test(test_dma_translates_and_hits),
		cmocka_unit_test(test_stale_leaf),
		cmocka_unit_test(test_walk_cache),
		cmocka_unit_test(test_s2_ipa_keeps_nested),
		cmocka_unit_test(test_tag_reuse),
		cmocka_unit_test(test_stale_config),
		cmocka_unit_test(test_stale_abort_config),
		cmocka_unit_test(test_share_replace),
		cmocka_unit_test(test_ats),
		cmocka_unit_test(test_atc_pasid_scopes),
		cmocka_unit_test(test_atc_timeout),
		cmocka_unit_test(test_threaded),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_oas44_illegal_ste),
		cmocka_unit_test(test_blocking_cd_no_event),
		cmocka_unit_test(test_cd_table_2lvl),
		cmocka_unit_test(test_nested_translates),
		cmocka_unit_test(test_nested_s2_faults),
		cmocka_unit_test(test_nested_removal),
		cmocka_unit_test(test_nested_cd_2lvl),
		cmocka_unit_test(test_nested_vm_ats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
