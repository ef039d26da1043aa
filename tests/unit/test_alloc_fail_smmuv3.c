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
 *    one), STEs and CDs;
 *  - nested domains (STE Config 0b111) over the stage-2 domain: their init,
 *    and master B's transitions nested <-> parent <-> the other nested
 *    domain <-> blocked;
 *  - the viommu layer over the SMMU: viommu, vdevice, nested domain and
 *    event queue allocation, nested attaches through it (vdevice pins),
 *    an event lost to an allocation failure (one lost-events header).
 * Everything again over an SMMU with two-level stream and CD tables
 * (SMMU_IDR0.ST_LEVEL, CD2L; 16 StreamID bits, master A with 2048 ssids):
 * bring-up allocates the level-1 stream table only, a master's init the
 * leaf array of its SID (lazily, on first use) and its L1CD table with the
 * leaf of CD 0, and the first attach of a PASID in another CD leaf that
 * leaf (test_cd_leaf); a master with two SIDs needing two new leaf arrays
 * (test_two_leaves).
 */
#include "alloc-fail-drv.h"

#include <invtrack/model/oracle.h>
#include <invtrack/model/smmuv3.h>
#include <invtrack/smmuv3-driver.h>

#define NR_FRAMES	2048
/* Linear: 6 StreamID bits.  Two-level: 16, A and B in leaves of their own. */
#define SID_A		(E->two_level ? 0x103u : 3u)
#define SID_B		(E->two_level ? 0x205u : 5u)
/* A's ssids: two-level, 2048 (S1CDMax 11 > 10: a two-level CD table). */
#define SSIDS_A		(E->two_level ? 2048u : 4u)
/* A PASID in the second CD leaf (1024 CDs each). */
#define PASID_LEAF1	1025

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
	struct invt_smmu_domain dom[AF_NR_DOMS];
	struct invt_smmu_master ma, mb;
	struct af_watch w;
	bool two_level;
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

static int setup_as(bool two_level)
{
	struct invt_mem_config mc = { .nr_frames = NR_FRAMES };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1024,
					 .nr_ssids = 8, .seed = 1 };
	/* Two-level: what makes Linux choose both two-level formats. */
	struct invt_msmmu_config hc = { .id = 0, .ril = true, .ats = true, .iotlb_sets = 16,
					.iotlb_ways = 4, .cfg_entries = 16, .seed = 1,
					.sidsize = 16, .st_2lvl = two_level, .cd2l = two_level };

	E = calloc(1, sizeof(*E));
	assert_non_null(E);
	E->two_level = two_level;
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
		.sid_bits = two_level ? 16 : 6, .mem = &E->smem, /* RIL, ATS: the model's IDRs */
	};
	E->w.dma = &E->dma;
	return 0;
}

static int setup(void **state)
{
	return setup_as(false);
}

static int setup_2lvl(void **state)
{
	return setup_as(true);
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

/* Bring-up's sites (heap, DMA, page-table): linear, two-level. */
static const unsigned long init_expect[2][AF_NR_KINDS] = {
	{ 3, 1, 0 },	/* ASID and VMID bitmaps, queue; the stream table */
	{ 4, 1, 0 },	/* and the leaf list; the level-1 table */
};

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
	af_enumerate(&E->w, E->two_level ? "smmuv3 init (two-level stream table)" : "smmuv3 init",
		     af_noop, op_init, op_destroy, NULL, init_expect[E->two_level]);
	E->w.nr_region = 0;
	assert_int_equal(E->smmu.st_2lvl, E->two_level);
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Nested domains: the guest's one-CD table at an IPA of its own. */
static int drv_domain_init_nested(int i, int parent)
{
	return invt_smmu_domain_init_nested(&E->dom[i], &E->dom[parent],
					    0x40000000ull + (uint64_t)i * 0x1000, 0, 0);
}

/* An F_TRANSLATION event record (IHI0070 §7.3.12): StreamID in bits [63:32]. */
static void drv_fault_record(uint8_t *rec, uint32_t pid)
{
	rec[0] = 0x10;
	rec[4] = (uint8_t)pid;
	rec[5] = (uint8_t)(pid >> 8);
	rec[6] = (uint8_t)(pid >> 16);
	rec[7] = (uint8_t)(pid >> 24);
}

/*
 * The allocation sites (heap, DMA, page-table) of each operation, linear
 * and two-level.  Heap: the core's (arrays, tag bindings, attachment slots)
 * and the viommu's objects; DMA: the stream table, CD tables and leaves.
 */
#define NT 2	/* a nested domain's replace: the parent's VMID is kept */
static const unsigned long expect_linear[AF_NR_OPS][AF_NR_KINDS] = {
	[AF_OP_MASTER] = { 0, 1, 0 },		/* the CD table */
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

static const unsigned long expect_2lvl[AF_NR_OPS][AF_NR_KINDS] = {
	/* Its leaf list; L1CD table, CD 0's leaf, the SID's leaf array (first use). */
	[AF_OP_MASTER] = { 1, 3, 0 },
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
	/* PASID 1025: the core's prepare and the CD leaf (first use). */
	[AF_OP_ARCH] = { 4, 1, 0 },
	/* Master A's init with two SIDs, each in a leaf array not there yet. */
	[AF_OP_ARCH2] = { 1, 4, 0 },
};
#undef NT

static const unsigned long (*drv_expect(void))[AF_NR_KINDS]
{
	return E->two_level ? expect_2lvl : expect_linear;
}

/* Master A: SID_A, ATS, SSIDS_A ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(smmu, E->smmu, SSIDS_A, smmu_up, drv_down,
	     .name = "smmuv3", .rid = "RID", .s1 = "stage-1", .s2 = "stage-2", .tag = "tag",
	     .master_what = "CD table", .viommu_arch = INVT_VIOMMU_SMMUV3,
	     .vevent_type = INVT_VEVENT_SMMUV3)

/*
 * Two-level CD table: the first attach of a PASID in a leaf not allocated
 * yet (PASID 1025, the second leaf) allocates it, publishes its L1CD and
 * invalidates it; a failure of that or of any later allocation leaves the
 * L1CD table, the leaf, the arrays and the tags as they were.
 */
static void test_cd_leaf(void **state)
{
	struct af_scen sc = { "", AF_OP_ARCH, { { 0, 0, 2 } }, 1, { 0, PASID_LEAF1, 0 }, 0 };
	const struct af_drv *d = drv();

	snprintf(sc.what, sizeof(sc.what), "smmuv3 attach PASID %u (a new CD leaf)",
		 PASID_LEAF1);
	af_d = d;
	af_run_scens(d, &sc, 1);
}

static int op_master_two_leaves(void *arg)
{
	static const uint32_t sids[] = { 0x303, 0x404 };

	return invt_smmu_master_init(&E->ma, &E->smmu, sids, 2, SSIDS_A, true);
}

/*
 * A master whose two SIDs need two new leaf arrays: both are allocated
 * before either is published, so a failure of the second frees the first
 * (nothing published, the level-1 table as it was).
 */
static void test_two_leaves(void **state)
{
	af_d = drv();
	af_enumerate(&E->w, "smmuv3 master init, two SIDs in two new leaf arrays",
		     af_prep_master, op_master_two_leaves, af_op_master_destroy, NULL,
		     af_exp(af_d, AF_OP_ARCH2));
}

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
		cmocka_unit_test_setup_teardown(test_init, setup_2lvl, teardown),
		cmocka_unit_test_setup_teardown(test_master, setup_2lvl, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup_2lvl, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup_2lvl, teardown),
		cmocka_unit_test_setup_teardown(test_cd_leaf, setup_2lvl, teardown),
		cmocka_unit_test_setup_teardown(test_two_leaves, setup_2lvl, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
