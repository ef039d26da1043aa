// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_alloc_fail_vtd.c - every allocation of the VT-d driver's
 * configuration paths fails in turn (alloc-fail.h).
 *
 * The driver runs over a modelled remapping unit (inline consumer, scalable
 * mode) in model memory:
 *  - bring-up: invalidation queue and its status memory, pending-wait
 *    bookkeeping, root and context tables, DID bitmap; a failure leaves the
 *    registers, the context's instance list and the memory as they were;
 *  - a master with ATS and 128 PASIDs: its PASID directory, the tables'
 *    bookkeeping and the RID's PASID table;
 *  - a first-stage and a second-stage domain: page-table root, core state;
 *  - attach of a blocked RID, of a PASID whose PASID table does not exist
 *    yet, and replaces: arrays, DIDs, context and PASID entries.
 */
#include "alloc-fail-drv.h"

#include <invtrack/model/oracle.h>
#include <invtrack/model/vtd.h>
#include <invtrack/vtd-driver.h>

#define NR_FRAMES	2048
#define SID_A		0x10
#define SID_B		0x18
#define NR_SSIDS	128

struct env {
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mvtd *hw;
	struct invt_ctx ctx;
	struct af_dma dma;
	struct invt_vtd_config cfg;
	struct invt_vtd vtd;
	struct af_pt pt[3];
	struct invt_vtd_domain dom[3];
	struct invt_vtd_master ma, mb;
	struct af_watch w;
};

static struct env *E;

static int setup(void **state)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 256,
					 .nr_ssids = NR_SSIDS, .seed = 1 };
	struct invt_mvtd_config hc = {
		.id = 0, .psi = true, .mamv = 9, .nd = 2, .ats = true, .pasid = true,
		.pasid_bits = 20, .flts = true, .slts = true, .iotlb_sets = 16,
		.iotlb_ways = 4, .cfg_entries = 16, .seed = 1,
	};

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_rcu_register_thread();
	invt_ctx_init(&E->ctx);
	assert_int_equal(invt_mem_create(&mc, &E->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, E->mem, &E->oracle), 0);
	assert_int_equal(invt_mvtd_create(&hc, E->mem, E->oracle, &E->hw), 0);
	assert_int_equal(invt_mvtd_start(E->hw), 0);
	assert_int_equal(invt_mvtd_add_device(E->hw, SID_A, 16), 0);
	assert_int_equal(invt_mvtd_add_device(E->hw, SID_B, 16), 0);
	af_dma_init(&E->dma, E->mem);
	E->cfg = (struct invt_vtd_config){
		.id = 0, .regs = invt_mvtd_regs(E->hw), .queue_qs = 0, .ats = true,
		.mem = &E->dma.ops,
	};
	E->w.dma = &E->dma;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(E->dma.live, 0);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	invt_mvtd_stop(E->hw);
	invt_mvtd_destroy(E->hw);
	invt_oracle_destroy(E->oracle);
	invt_mem_destroy(E->mem);
	invt_rcu_unregister_thread();
	free(E);
	E = NULL;
	return 0;
}

static int op_init(void *arg)
{
	return invt_vtd_init(&E->vtd, &E->ctx, &E->cfg);
}

static int op_destroy(void *arg)
{
	return invt_vtd_destroy(&E->vtd);
}

/* Up, with the queue and its status words out of the snapshots. */
static void unit_up(void)
{
	assert_int_equal(op_init(NULL), 0);
	E->w.nr_region = 0;
	E->w.nr_ts = 0;
	E->w.ts[E->w.nr_ts++] = &E->vtd.dids;
	E->dma.skip[0] = E->vtd.qi.base;
	E->dma.skip[1] = E->vtd.qi.status;
	E->dma.nr_skip = 2;
}

/* Bring-up: the registers and the instance list are watched too. */
static void test_init(void **state)
{
	E->w.region[0] = invt_mvtd_regs(E->hw);
	E->w.region_len[0] = sizeof(struct invt_vtd_regs);
	E->w.region_name[0] = "the unit's registers";
	E->w.region[1] = &E->ctx.iommus;
	E->w.region_len[1] = sizeof(E->ctx.iommus);
	E->w.region_name[1] = "the context's instance list";
	E->w.nr_region = 2;
	af_enumerate(&E->w, "vtd init", af_noop, op_init, op_destroy, NULL);
	E->w.nr_region = 0;
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Master A: SID_A, ATS, NR_SSIDS ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(vtd, E->vtd, NR_SSIDS, unit_up, drv_down,
	     .name = "vtd", .rid = "RID", .s1 = "first-stage", .s2 = "second-stage", .tag = "DID",
	     .master_what = "PASID directory and tables")

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
