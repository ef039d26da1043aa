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
 *  - attach of a blocked RID, of a PASID, and replaces: arrays, DIDs,
 *    context and PASID entries; the first attach of a PASID whose PASID
 *    table does not exist yet (PASID 64, test_pasid_table);
 *  - nested domains (PASID entry PGTT 011b, a DID of their own) over the
 *    second-stage domain: their init, and master B's transitions nested
 *    <-> parent <-> the other nested domain <-> blocked;
 *  - the viommu layer over the unit: viommu, vdevice, nested domain and
 *    event queue allocation, nested attaches through it (vdevice pins),
 *    an event lost to an allocation failure (one lost-events header).
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
	struct invt_vtd_domain dom[AF_NR_DOMS];
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
	/* A unit with nested translation (ECAP.NEST; FLTS and SLTS above). */
	invt_mvtd_regs(E->hw)->ecap |= INVT_VTD_ECAP_NEST;
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

/* Bring-up's sites (heap, DMA, page-table). */
static const unsigned long init_expect[AF_NR_KINDS] = {
	3, 5, 0,	/* DID bitmap, queue bookkeeping; queue, status, root, context tables */
};

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
	af_enumerate(&E->w, "vtd init", af_noop, op_init, op_destroy, NULL, init_expect);
	E->w.nr_region = 0;
}

static int drv_down(void)
{
	return op_destroy(NULL);
}

/* Nested domains: a 4-level guest first stage at a GPA of its own. */
static int drv_domain_init_nested(int i, int parent)
{
	const struct invt_vtd_s1_cfg s1 = { .fsptptr = 0x40000ull + (uint64_t)i * 0x1000,
					    .levels = 4 };

	return invt_vtd_domain_init_nested(&E->dom[i], &E->dom[parent], &s1);
}

/* A fault record (§7.2.1, FRCD_REG layout): SID in bits [79:64]. */
static void drv_fault_record(uint8_t *rec, uint32_t pid)
{
	rec[8] = (uint8_t)pid;
	rec[9] = (uint8_t)(pid >> 8);
	rec[15] = 0x80;		/* F */
}

/*
 * The allocation sites (heap, DMA, page-table) of each operation.  Heap:
 * the core's (arrays, tag bindings, attachment slots), the driver's
 * bookkeeping and the viommu's objects; DMA: root, context and PASID
 * tables, queue memory.
 */
#define NT 3	/* a nested domain's replace: its own DID */
static const unsigned long expect[AF_NR_OPS][AF_NR_KINDS] = {
	/* The tables' bookkeeping; the PASID directory and PASID 0's table. */
	[AF_OP_MASTER] = { 2, 2, 0 },
	[AF_OP_DOM_S1] = { 1, 0, 1 },		/* the core's empty array; the table's root */
	[AF_OP_DOM_S2] = { 1, 0, 1 },
	[AF_OP_ATT_S1] = { 5, 0, 0 },		/* the core's prepare, a new tag */
	[AF_OP_ATT_S2] = { 5, 0, 0 },
	[AF_OP_ATT_PASID] = { 4, 0, 0 },		/* the domain's tag exists */
	[AF_OP_REP_S1_S1] = { 3, 0, 0 },		/* one of them optional */
	[AF_OP_REP_S1_S2] = { 3, 0, 0 },
	[AF_OP_REP_S2_S1] = { 2, 0, 0 },		/* a tag's second user: no new tag */
	[AF_OP_DOM_NESTED] = { 1, 0, 0 },	/* the core's empty array; no table */
	[AF_OP_N_ATTACH] = { 5, 0, 0 },		/* its own DID, S1_CLEAR in the parent's array */
	/* A nested domain's own DID: one site more than SMMUv3's and RISC-V's. */
	[AF_OP_N_FROM_PARENT] = { 3, 0, 0 },
	[AF_OP_N_TO_PARENT] = { 3, 0, 0 },
	[AF_OP_N_TO_NESTED] = { 3, 0, 0 },
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
	/* PASID 64: the core's prepare, then its PASID table (first use). */
	[AF_OP_ARCH] = { 4, 1, 0 },
	/* A nested domain there: as many (its own DID; entries in its parent's array). */
	[AF_OP_ARCH2] = { 4, 1, 0 },
};
#undef NT

static const unsigned long (*drv_expect(void))[AF_NR_KINDS]
{
	return expect;
}

/* Master A: SID_A, ATS, NR_SSIDS ssids; master B: SID_B, no ATS. */
AF_DRV_TESTS(vtd, E->vtd, NR_SSIDS, unit_up, drv_down,
	     .name = "vtd", .rid = "RID", .s1 = "first-stage", .s2 = "second-stage", .tag = "DID",
	     .master_what = "PASID directory and tables",
	     .viommu_arch = INVT_VIOMMU_VTD, .vevent_type = INVT_VEVENT_VTD)

/*
 * The first attach of a PASID whose PASID table does not exist yet
 * (PASID 64: the second table) allocates it after the core's prepare; its
 * failure aborts the prepare: nothing changed.  The same for a nested
 * domain (VT-d nests at any PASID), whose aborted prepare gives its new
 * DID back.
 */
static void test_pasid_table(void **state)
{
	struct af_scen sc[] = {
		{ "vtd attach PASID 64 (a new PASID table)", AF_OP_ARCH,
		  { { 0, 0, 2 } }, 1, { 0, 64, 0 }, 0 },
		{ "vtd attach PASID 64 (a new PASID table) to a nested domain", AF_OP_ARCH2,
		  { { 0, 0, 2 } }, 1, { 0, 64, AF_N1 }, 0 },
	};

	af_d = drv();
	af_run_scens(af_d, sc, 2);
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
		cmocka_unit_test_setup_teardown(test_pasid_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
