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
 *    and GSCIDs, device and process contexts.
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
	struct invt_rv_domain dom[3];
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
	af_enumerate(&E->w, "riscv init", af_noop, op_init, op_destroy, NULL);
	E->w.nr_region = 0;
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Master A: SID_A, ATS, NR_SSIDS ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(rv, E->rv, NR_SSIDS, unit_up, drv_down,
	     .name = "riscv", .rid = "device", .s1 = "stage-1", .s2 = "stage-2", .tag = "PSCID",
	     .master_what = "process directory")

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
