// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_alloc_fail_smmuv3.c - every allocation of the SMMUv3 driver's
 * configuration paths fails in turn (alloc-fail.h).
 *
 * The driver runs over a modelled SMMU (inline consumer) in model memory:
 *  - bring-up: queue memory, stream table, ASID and VMID bitmaps; a failure
 *    leaves the registers, the context's instance list and the memory as
 *    they were;
 *  - a master with ATS and PASIDs: its CD table;
 *  - a stage-1 and a stage-2 domain: page-table root, core state;
 *  - attach of a blocked RID, of a PASID, and a replace from a stage-1 to a
 *    stage-2 domain: arrays, tags (a new domain's first attachment takes
 *    one), STEs and CDs.
 */
#include "alloc-fail-drv.h"

#include <invtrack/model/oracle.h>
#include <invtrack/model/smmuv3.h>
#include <invtrack/smmuv3-driver.h>

#define NR_FRAMES	2048
#define SID_BITS	6
#define SID_A		3
#define SID_B		5

struct env {
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_msmmu *hw;
	struct invt_ctx ctx;
	struct af_dma dma;
	struct invt_smmu_mem_ops smem;
	struct invt_smmu_config cfg;
	struct invt_smmu smmu;
	struct af_pt pt[3];
	struct invt_smmu_domain dom[3];
	struct invt_smmu_master ma, mb;
	struct af_watch w;
};

static struct env *E;

static void *smem_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	return af_dma_alloc(arg, bytes, pa);
}

static void smem_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	af_dma_free(arg, va, pa, bytes);
}

static int setup(void **state)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1u << SID_BITS,
					 .nr_ssids = 8, .seed = 1 };
	struct invt_msmmu_config hc = { .id = 0, .ril = true, .ats = true, .iotlb_sets = 16,
					.iotlb_ways = 4, .cfg_entries = 16, .seed = 1 };

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	invt_rcu_register_thread();
	invt_ctx_init(&E->ctx);
	assert_int_equal(invt_mem_create(&mc, &E->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, E->mem, &E->oracle), 0);
	assert_int_equal(invt_msmmu_create(&hc, E->mem, E->oracle, &E->hw), 0);
	assert_int_equal(invt_msmmu_start(E->hw), 0);
	assert_int_equal(invt_msmmu_add_device(E->hw, SID_A, 16), 0);
	assert_int_equal(invt_msmmu_add_device(E->hw, SID_B, 16), 0);
	af_dma_init(&E->dma, E->mem);
	E->smem = (struct invt_smmu_mem_ops){ smem_alloc, smem_free, &E->dma };
	E->cfg = (struct invt_smmu_config){
		.id = 0, .regs = invt_msmmu_regs(E->hw), .cmdq_log2size = 6,
		.sid_bits = SID_BITS, .mem = &E->smem,	/* RIL, ATS: the model's IDRs */
	};
	E->w.dma = &E->dma;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(E->dma.live, 0);
	assert_int_equal(invt_ctx_destroy(&E->ctx), 0);
	invt_msmmu_stop(E->hw);
	invt_msmmu_destroy(E->hw);
	invt_oracle_destroy(E->oracle);
	invt_mem_destroy(E->mem);
	invt_rcu_unregister_thread();
	free(E);
	E = NULL;
	return 0;
}

static int op_init(void *arg)
{
	return invt_smmu_init(&E->smmu, &E->ctx, &E->cfg);
}

static int op_destroy(void *arg)
{
	return invt_smmu_destroy(&E->smmu);
}

static void smmu_up(void)
{
	assert_int_equal(op_init(NULL), 0);
	E->w.nr_region = 0;
	E->w.nr_ts = 0;
	E->w.ts[E->w.nr_ts++] = &E->smmu.asids;
	E->w.ts[E->w.nr_ts++] = &E->smmu.vmids;
	E->dma.nr_skip = 0;	/* queue memory is on the heap for SMMUv3 */
}

/* Bring-up: the registers and the instance list are watched too. */
static void test_init(void **state)
{
	E->w.region[0] = invt_msmmu_regs(E->hw);
	E->w.region_len[0] = sizeof(struct invt_smmu_regs);
	E->w.region_name[0] = "the SMMU's registers";
	E->w.region[1] = &E->ctx.iommus;
	E->w.region_len[1] = sizeof(E->ctx.iommus);
	E->w.region_name[1] = "the context's instance list";
	E->w.nr_region = 2;
	af_enumerate(&E->w, "smmuv3 init", af_noop, op_init, op_destroy, NULL);
	E->w.nr_region = 0;
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Master A: SID_A, ATS, 4 ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(smmu, E->smmu, 4, smmu_up, drv_down,
	     .name = "smmuv3", .rid = "RID", .s1 = "stage-1", .s2 = "stage-2", .tag = "tag",
	     .master_what = "CD table")

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
