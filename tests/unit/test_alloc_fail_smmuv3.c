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
#include "alloc-fail.h"

#include <invtrack/model-oracle.h>
#include <invtrack/model-smmuv3.h>
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
	int step;
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

static int noop(void *arg)
{
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
	af_enumerate(&E->w, "smmuv3 init", noop, op_init, op_destroy, NULL);
	E->w.nr_region = 0;
}

static int op_master(void *arg)
{
	uint32_t sid = SID_A;

	return invt_smmu_master_init(&E->ma, &E->smmu, &sid, 1, 4, true);
}

static int op_master_destroy(void *arg)
{
	return invt_smmu_master_destroy(&E->ma);
}

static void test_master(void **state)
{
	smmu_up();
	E->dma.skip[0] = NULL;	/* queue memory is on the heap for SMMUv3 */
	af_enumerate(&E->w, "smmuv3 master init (CD table)", noop, op_master,
		     op_master_destroy, NULL);
	assert_int_equal(op_destroy(NULL), 0);
}

static int prep_domain(void *arg)
{
	af_pt_init(&E->pt[E->step], E->mem, 10 + E->step);
	return 0;
}

static int op_domain(void *arg)
{
	int i = E->step;

	return invt_smmu_domain_init(&E->dom[i], &E->ctx, i == 1 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
				     &E->pt[i].ops);
}

static int op_domain_destroy(void *arg)
{
	return invt_smmu_domain_destroy(&E->dom[E->step]);
}

static void test_domain(void **state)
{
	for (E->step = 0; E->step < 2; E->step++) {
		E->w.pt[0] = &E->pt[E->step];
		E->w.nr_pt = 1;
		af_enumerate(&E->w, E->step ? "smmuv3 stage-2 domain init" :
			     "smmuv3 stage-1 domain init",
			     prep_domain, op_domain, op_domain_destroy, NULL);
		assert_int_equal(E->pt[E->step].live, 0);
	}
	E->w.nr_pt = 0;
}

/*
 * Attach scenarios: master A (SID_A, ATS, 4 ssids) and master B (SID_B, no
 * ATS); domains 0 and 2 stage 1, domain 1 stage 2.  @pre attachments are
 * made by the preparation, then @op is the attachment whose allocations fail.
 */
struct att {
	int m;		/* 0: A, 1: B */
	uint32_t ssid;
	int dom;	/* -1: blocked */
};

struct scen {
	const char *what;
	struct att pre[3];
	unsigned int nr_pre;
	struct att op;
};

static struct invt_smmu_master *mst(int m)
{
	return m ? &E->mb : &E->ma;
}

static int do_att(const struct att *a)
{
	return invt_smmu_attach(mst(a->m), a->ssid, a->dom < 0 ? NULL : &E->dom[a->dom]);
}

static int prep_attach(void *arg)
{
	const struct scen *sc = arg;
	uint32_t sa = SID_A, sb = SID_B;
	unsigned int i;
	int ret;

	for (i = 0; i < 3; i++) {
		af_pt_init(&E->pt[i], E->mem, 10 + i);
		ret = invt_smmu_domain_init(&E->dom[i], &E->ctx,
					    i == 1 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1,
					    &E->pt[i].ops);
		if (ret)
			return ret;
	}
	ret = invt_smmu_master_init(&E->ma, &E->smmu, &sa, 1, 4, true);
	if (!ret)
		ret = invt_smmu_master_init(&E->mb, &E->smmu, &sb, 1, 1, false);
	for (i = 0; !ret && i < sc->nr_pre; i++)
		ret = do_att(&sc->pre[i]);
	return ret;
}

static int op_attach(void *arg)
{
	const struct scen *sc = arg;

	return do_att(&sc->op);
}

/* Detach in reverse (PASIDs before their RID), then free everything. */
static int clean_attach(void *arg)
{
	const struct scen *sc = arg;
	struct att a = sc->op;
	int i, ret;

	a.dom = -1;
	ret = do_att(&a);
	for (i = (int)sc->nr_pre - 1; !ret && i >= 0; i--) {
		a = sc->pre[i];
		a.dom = -1;
		ret = do_att(&a);
	}
	if (!ret)
		ret = invt_smmu_master_destroy(&E->ma);
	if (!ret)
		ret = invt_smmu_master_destroy(&E->mb);
	for (i = 0; !ret && i < 3; i++) {
		ret = invt_smmu_domain_destroy(&E->dom[i]);
		assert_int_equal(E->pt[i].live, 0);
	}
	return ret;
}

static void test_attach(void **state)
{
	static const struct scen scens[] = {
		{ "smmuv3 attach RID (ATS) to a stage-1 domain", {}, 0, { 0, 0, 0 } },
		{ "smmuv3 attach RID to a stage-2 domain", {}, 0, { 1, 0, 1 } },
		{ "smmuv3 attach PASID 1 to a stage-1 domain", { { 0, 0, 2 } }, 1, { 0, 1, 0 } },
		{ "smmuv3 replace RID stage-1 -> stage-1 (a PASID attached)",
		  { { 0, 0, 2 }, { 0, 1, 0 } }, 2, { 0, 0, 0 } },
		{ "smmuv3 replace RID stage-1 -> stage-2", { { 1, 0, 0 } }, 1, { 1, 0, 1 } },
		{ "smmuv3 replace RID stage-2 -> stage-1 (second user of a tag)",
		  { { 0, 0, 0 }, { 1, 0, 1 } }, 2, { 1, 0, 0 } },
	};
	unsigned int i;

	smmu_up();
	for (i = 0; i < 3; i++)
		E->w.dom[i] = &E->dom[i].dom;
	E->w.nr_dom = 3;
	for (i = 0; i < sizeof(scens) / sizeof(scens[0]); i++)
		af_enumerate(&E->w, scens[i].what, prep_attach, op_attach, clean_attach,
			     (void *)&scens[i]);
	E->w.nr_dom = 0;
	assert_int_equal(op_destroy(NULL), 0);
}

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
