// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_alloc_fail_riscv.c - every allocation of the RISC-V IOMMU driver's
 * configuration paths fails in turn (alloc-fail.h).
 *
 * The driver runs over a modelled IOMMU (inline consumer) in model memory:
 *  - bring-up: command queue and its completion word, device directory
 *    table, PSCID and GSCID bitmaps; a failure leaves the registers, the
 *    context's instance list and the memory as they were;
 *  - a master with ATS and PASIDs: its process directory table;
 *  - a stage-1 and a stage-2 domain: page-table root, core state;
 *  - attach of a blocked device, of a PASID, and replaces: arrays, PSCIDs
 *    and GSCIDs, device and process contexts;
 *  - nested domains (a DC with both stages, the parent's GSCID) over the
 *    stage-2 domain: their init, and master B's transitions nested <->
 *    parent <-> the other nested domain <-> blocked;
 *  - the viommu layer over the IOMMU: viommu, vdevice, nested domain and
 *    event queue allocation, nested attaches through it (vdevice pins),
 *    an event lost to an allocation failure (one lost-events header).
 */
#include "alloc-fail-drv.h"

#include <invtrack/model/oracle.h>
#include <invtrack/model/riscv.h>
#include <invtrack/riscv-driver.h>

#define NR_FRAMES	2048
#define SID_A		3
#define SID_B		5
#define NR_SSIDS	4

struct env {
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mrv *hw;
	struct invt_ctx ctx;
	struct af_dma dma;
	struct invt_rv_config cfg;
	struct invt_rv rv;
	struct af_pt pt[3];
	struct invt_rv_domain dom[AF_NR_DOMS];
	struct invt_rv_master ma, mb;
	struct af_watch w;
};

static struct env *E;

static int setup(void **state)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 256,
					 .nr_ssids = NR_SSIDS, .seed = 1 };
	struct invt_mrv_config hc = { .id = 0, .ats = true, .napot = true, .iotlb_sets = 16,
				      .iotlb_ways = 4, .cfg_entries = 16, .seed = 1 };

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_rcu_register_thread();
	invt_ctx_init(&E->ctx);
	assert_int_equal(invt_mem_create(&mc, &E->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, E->mem, &E->oracle), 0);
	assert_int_equal(invt_mrv_create(&hc, E->mem, E->oracle, &E->hw), 0);
	assert_int_equal(invt_mrv_start(E->hw), 0);
	assert_int_equal(invt_mrv_add_device(E->hw, SID_A, 16), 0);
	assert_int_equal(invt_mrv_add_device(E->hw, SID_B, 16), 0);
	af_dma_init(&E->dma, E->mem);
	E->cfg = (struct invt_rv_config){
		.id = 0, .regs = invt_mrv_regs(E->hw), .cmdq_log2size = 6,
		.caps = { .napot = true }, .ats = true, .mem = &E->dma.ops,
	};
	E->w.dma = &E->dma;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(E->dma.live, 0);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	invt_mrv_stop(E->hw);
	invt_mrv_destroy(E->hw);
	invt_oracle_destroy(E->oracle);
	invt_mem_destroy(E->mem);
	invt_rcu_unregister_thread();
	free(E);
	E = NULL;
	return 0;
}

/* Bring-up's sites (heap, DMA, page-table). */
static const unsigned long init_expect[AF_NR_KINDS] = {
	2, 3, 0,	/* PSCID and GSCID bitmaps; queue, completion word, DDT */
};

static int op_init(void *arg)
{
	return invt_rv_init(&E->rv, &E->ctx, &E->cfg);
}

static int op_destroy(void *arg)
{
	return invt_rv_destroy(&E->rv);
}

/* Up, with the queue and its status words out of the snapshots. */
static void unit_up(void)
{
	assert_int_equal(op_init(NULL), 0);
	E->w.nr_region = 0;
	E->w.nr_ts = 0;
	E->w.ts[E->w.nr_ts++] = E->rv.pscids;
	E->w.ts[E->w.nr_ts++] = &E->rv.gscids;
	E->dma.skip[0] = E->rv.cmdq.base;
	E->dma.skip[1] = E->rv.cmdq.done_word;
	E->dma.nr_skip = 2;
}

/* Bring-up: the registers and the instance list are watched too. */
static void test_init(void **state)
{
	struct invt_riscv_regs *r = invt_mrv_regs(E->hw);

	/* What software writes; cqh is the IOMMU's (reset when the queue starts). */
	E->w.region[0] = &r->ddtp;
	E->w.region_len[0] = sizeof(r->ddtp);
	E->w.region_name[0] = "ddtp";
	E->w.region[1] = &r->cqb;
	E->w.region_len[1] = sizeof(r->cqb);
	E->w.region_name[1] = "cqb";
	E->w.region[2] = &r->cqcsr;
	E->w.region_len[2] = sizeof(r->cqcsr);
	E->w.region_name[2] = "cqcsr";
	E->w.region[3] = &E->ctx.iommus;
	E->w.region_len[3] = sizeof(E->ctx.iommus);
	E->w.region_name[3] = "the context's instance list";
	E->w.nr_region = 4;
	af_enumerate(&E->w, "riscv init", af_noop, op_init, op_destroy, NULL, init_expect);
	E->w.nr_region = 0;
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Nested domains: the guest's Sv48 VS stage at a GPA of its own, PSCID i. */
static int drv_domain_init_nested(int i, int parent)
{
	const struct invt_rv_s1_cfg s1 = { INVT_RV_ATP_MODE_SV48,
					   0x40000ull + (uint64_t)i * 0x1000, (uint32_t)i };

	return invt_rv_domain_init_nested(&E->dom[i], &E->dom[parent], &s1);
}

/* A fault-queue record (§3.2): DID in bits [63:40]. */
static void drv_fault_record(uint8_t *rec, uint32_t pid)
{
	rec[0] = 13;		/* CAUSE: load page fault */
	rec[5] = (uint8_t)pid;
	rec[6] = (uint8_t)(pid >> 8);
	rec[7] = (uint8_t)(pid >> 16);
}

/*
 * The allocation sites (heap, DMA, page-table) of each operation.  Heap:
 * the core's (arrays, tag bindings, attachment slots) and the viommu's
 * objects; DMA: the DDT, PDTs and queue memory.
 */
#define NT 2	/* a nested domain's replace: the parent's GSCID is kept */
static const unsigned long expect[AF_NR_OPS][AF_NR_KINDS] = {
	[AF_OP_MASTER] = { 0, 1, 0 },		/* the process directory */
	[AF_OP_DOM_S1] = { 1, 0, 1 },		/* the core's empty array; the table's root */
	[AF_OP_DOM_S2] = { 1, 0, 1 },
	[AF_OP_ATT_S1] = { 5, 0, 0 },		/* the core's prepare, a new tag */
	[AF_OP_ATT_S2] = { 5, 0, 0 },
	[AF_OP_ATT_PASID] = { 4, 0, 0 },		/* the domain's tag exists */
	[AF_OP_REP_S1_S1] = { 3, 0, 0 },		/* one of them optional */
	[AF_OP_REP_S1_S2] = { 3, 0, 0 },
	[AF_OP_REP_S2_S1] = { 2, 0, 0 },		/* a tag's second user: no new tag */
	[AF_OP_DOM_NESTED] = { 1, 0, 0 },	/* the core's empty array; no table */
	[AF_OP_N_ATTACH] = { 5, 0, 0 },		/* the parent's tag, S1_CLEAR, ATC_FULL */
	[AF_OP_N_FROM_PARENT] = { 2, 0, 0 },	/* the parent's tag is kept */
	[AF_OP_N_TO_PARENT] = { 2, 0, 0 },
	[AF_OP_N_TO_NESTED] = { 2, 0, 0 },
	[AF_OP_N_FROM_S1] = { 3, 0, 0 },
	[AF_OP_N_DETACH] = { 0, 0, 0 },		/* a detach allocates nothing */
	[AF_OP_V_CREATE] = { 1, 0, 0 },		/* the viommu */
	[AF_OP_V_VDEV] = { 1, 0, 0 },		/* the vdevice */
	[AF_OP_V_NESTED_INIT] = { 2, 0, 0 },	/* the nested list, the core's array */
	[AF_OP_V_ADOPT] = { 1, 0, 0 },		/* the nested list */
	[AF_OP_V_EVENTQ] = { 1, 0, 0 },		/* the queue */
	[AF_OP_V_ATTACH] = { 5, 0, 0 },		/* as a nested attach; the pin allocates nothing */
	[AF_OP_V_FROM_NESTED] = { NT, 0, 0 },
	[AF_OP_V_TO_PARENT] = { NT, 0, 0 },
};
#undef NT

static const unsigned long (*drv_expect(void))[AF_NR_KINDS]
{
	return expect;
}

/* Master A: SID_A, ATS, NR_SSIDS ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(rv, E->rv, NR_SSIDS, unit_up, drv_down,
	     .name = "riscv", .rid = "device", .s1 = "stage-1", .s2 = "stage-2", .tag = "PSCID",
	     .master_what = "process directory",
	     .viommu_arch = INVT_VIOMMU_RISCV, .vevent_type = INVT_VEVENT_RISCV)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_viommu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
