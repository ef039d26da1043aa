// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_abort_atc.c - an attach aborted after its install must leave the
 * device's ATC clean, on every architecture (driver on the core, in front of
 * its modelled unit, the oracle watching).
 *
 * The five steps, per architecture:
 *  1. domain D maps IOVA 0x10000; device A (ATS, id 3) is detached;
 *  2. prepare A -> D, install: A's configuration names D;
 *  3. A reads 0x10000: an ATS translation request fills its ATC;
 *  4. abort: A is detached again and its ATC must no longer translate
 *     0x10000 (the access faults, the oracle reports nothing);
 *  5. unmap 0x10000 and invalidate D, free the frame: still clean.
 * And an abort before any install sends no ATC invalidation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/model/riscv.h>
#include <invtrack/model/smmuv3.h>
#include <invtrack/model/vtd.h>
#include <invtrack/riscv-driver.h>
#include <invtrack/smmuv3-driver.h>
#include <invtrack/vtd-driver.h>

#define DEV_ID	3
#define IOVA	UINT64_C(0x10000)
#define SZ_4K	UINT64_C(0x1000)

struct rig;

/* What differs per architecture. */
struct rig_ops {
	const char *name;
	void (*up)(struct rig *r);
	void (*down)(struct rig *r);
	int (*prepare)(struct rig *r);
	int (*install)(struct rig *r);
	void (*abort)(struct rig *r);
	int (*dma)(struct rig *r, uint64_t iova, bool write);
	uint64_t (*consumed)(struct rig *r);
};

struct rig {
	const struct rig_ops *ops;
	struct invt_ctx ctx;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mem_pt_ops pt_ops;
	struct invt_domain *dom;
	struct invt_pt *pt;
	uint64_t data_pa;
	/* per architecture */
	void *hw;
	union {
		struct {
			struct invt_smmu smmu;
			struct invt_smmu_mem_ops mem;
			struct invt_smmu_domain d;
			struct invt_smmu_master m;
			struct invt_smmu_attach a;
		} smmu;
		struct {
			struct invt_vtd vtd;
			struct invt_vtd_domain d;
			struct invt_vtd_master m;
			struct invt_vtd_attach a;
		} vtd;
		struct {
			struct invt_rv rv;
			struct invt_tag_space pscids;
			struct invt_rv_domain d;
			struct invt_rv_master m;
			struct invt_rv_attach a;
		} rv;
	};
	struct invt_dma_ops dma_ops;
};

static size_t frames_of(size_t bytes)
{
	size_t n = 1;

	while (n * SZ_4K < bytes)
		n <<= 1;
	return n;
}

static void *dma_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct rig *r = arg;

	if (invt_mem_alloc_contig(r->mem, frames_of(bytes), INVT_FRAME_OTHER, 0, 0, pa))
		return NULL;
	return invt_mem_va(r->mem, *pa);
}

static void dma_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct rig *r = arg;

	(void)va;
	invt_mem_free_contig(r->mem, pa, frames_of(bytes));
}

/* ------------------------------------------------------------ SMMUv3 */

static void smmu_up(struct rig *r)
{
	struct invt_msmmu_config mc = {
		.id = 0, .ats = true, .iotlb_sets = 16, .iotlb_ways = 4, .cfg_entries = 16,
		.seed = 1,
	};
	struct invt_smmu_config dc = { .id = 0, .cmdq_log2size = 8, .sid_bits = 6 };
	uint32_t sid = DEV_ID;
	struct invt_msmmu *hw;

	r->smmu.mem = (struct invt_smmu_mem_ops){ dma_alloc, dma_free, r };
	dc.mem = &r->smmu.mem;
	assert_int_equal(invt_msmmu_create(&mc, r->mem, r->oracle, &hw), 0);
	r->hw = hw;
	assert_int_equal(invt_msmmu_start(hw), 0);
	dc.regs = invt_msmmu_regs(hw);
	assert_int_equal(invt_smmu_init(&r->smmu.smmu, &r->ctx, &dc), 0);
	assert_int_equal(invt_smmu_domain_init(&r->smmu.d, &r->ctx, INVT_DOMAIN_S1,
					       &r->pt_ops.ops), 0);
	r->dom = &r->smmu.d.dom;
	r->pt = &r->smmu.d.pt;
	assert_int_equal(invt_msmmu_add_device(hw, DEV_ID, 32), 0);
	assert_int_equal(invt_smmu_master_init(&r->smmu.m, &r->smmu.smmu, &sid, 1, 1, true), 0);
}

static void smmu_down(struct rig *r)
{
	assert_int_equal(invt_smmu_master_destroy(&r->smmu.m), 0);
	assert_int_equal(invt_smmu_domain_destroy(&r->smmu.d), 0);
	assert_int_equal(invt_smmu_destroy(&r->smmu.smmu), 0);
	invt_msmmu_destroy(r->hw);
}

static int smmu_prepare(struct rig *r)
{
	return invt_smmu_attach_prepare(&r->smmu.a, &r->smmu.m, 0, &r->smmu.d);
}

static int smmu_install(struct rig *r)
{
	return invt_smmu_attach_install(&r->smmu.a);
}

static void smmu_abort(struct rig *r)
{
	invt_smmu_attach_abort(&r->smmu.a);
}

static int smmu_dma(struct rig *r, uint64_t iova, bool write)
{
	return invt_msmmu_dma(r->hw, DEV_ID, 0, iova, write);
}

static uint64_t smmu_consumed(struct rig *r)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(r->hw, &st);
	return st.consumed;
}

static const struct rig_ops smmu_ops = {
	"smmuv3", smmu_up, smmu_down, smmu_prepare, smmu_install, smmu_abort, smmu_dma,
	smmu_consumed,
};

/* -------------------------------------------------------------- VT-d */

static void vtd_up(struct rig *r)
{
	struct invt_mvtd_config mc = {
		.id = 0, .mamv = 9, .nd = 2, .ats = true, .pasid = true, .pasid_bits = 20,
		.flts = true, .slts = true, .iotlb_sets = 16, .iotlb_ways = 4, .cfg_entries = 16,
		.seed = 1,
	};
	struct invt_vtd_config dc = { .id = 0, .queue_qs = 1, .ats = true, .mem = &r->dma_ops };
	uint32_t id = DEV_ID;
	struct invt_mvtd *hw;

	assert_int_equal(invt_mvtd_create(&mc, r->mem, r->oracle, &hw), 0);
	r->hw = hw;
	assert_int_equal(invt_mvtd_start(hw), 0);
	dc.regs = invt_mvtd_regs(hw);
	assert_int_equal(invt_vtd_init(&r->vtd.vtd, &r->ctx, &dc), 0);
	assert_int_equal(invt_vtd_domain_init(&r->vtd.d, &r->ctx, INVT_DOMAIN_S1,
					      &r->pt_ops.ops), 0);
	r->dom = &r->vtd.d.dom;
	r->pt = &r->vtd.d.pt;
	assert_int_equal(invt_mvtd_add_device(hw, DEV_ID, 32), 0);
	assert_int_equal(invt_vtd_master_init(&r->vtd.m, &r->vtd.vtd, &id, 1, 1, true), 0);
}

static void vtd_down(struct rig *r)
{
	assert_int_equal(invt_vtd_master_destroy(&r->vtd.m), 0);
	assert_int_equal(invt_vtd_domain_destroy(&r->vtd.d), 0);
	assert_int_equal(invt_vtd_destroy(&r->vtd.vtd), 0);
	invt_mvtd_destroy(r->hw);
}

static int vtd_prepare(struct rig *r)
{
	return invt_vtd_attach_prepare(&r->vtd.a, &r->vtd.m, 0, &r->vtd.d);
}

static int vtd_install(struct rig *r)
{
	return invt_vtd_attach_install(&r->vtd.a);
}

static void vtd_abort(struct rig *r)
{
	invt_vtd_attach_abort(&r->vtd.a);
}

static int vtd_dma(struct rig *r, uint64_t iova, bool write)
{
	return invt_mvtd_dma(r->hw, DEV_ID, 0, iova, write);
}

static uint64_t vtd_consumed(struct rig *r)
{
	struct invt_mvtd_stats st;

	invt_mvtd_stats(r->hw, &st);
	return st.consumed;
}

static const struct rig_ops vtd_ops = {
	"vtd", vtd_up, vtd_down, vtd_prepare, vtd_install, vtd_abort, vtd_dma, vtd_consumed,
};

/* ----------------------------------------------------------- RISC-V */

static void rv_up(struct rig *r)
{
	struct invt_mrv_config mc = {
		.id = 0, .ats = true, .iotlb_sets = 16, .iotlb_ways = 4, .cfg_entries = 16,
		.seed = 1,
	};
	struct invt_rv_config dc = { .id = 0, .cmdq_log2size = 8, .ats = true, .mem = &r->dma_ops };
	uint32_t id = DEV_ID;
	struct invt_mrv *hw;

	assert_int_equal(invt_rv_pscid_space_init(&r->rv.pscids), 0);
	dc.pscids = &r->rv.pscids;
	assert_int_equal(invt_mrv_create(&mc, r->mem, r->oracle, &hw), 0);
	r->hw = hw;
	assert_int_equal(invt_mrv_start(hw), 0);
	dc.regs = invt_mrv_regs(hw);
	assert_int_equal(invt_rv_init(&r->rv.rv, &r->ctx, &dc), 0);
	assert_int_equal(invt_rv_domain_init(&r->rv.d, &r->ctx, INVT_DOMAIN_S1, &r->pt_ops.ops), 0);
	r->dom = &r->rv.d.dom;
	r->pt = &r->rv.d.pt;
	assert_int_equal(invt_mrv_add_device(hw, DEV_ID, 32), 0);
	assert_int_equal(invt_rv_master_init(&r->rv.m, &r->rv.rv, &id, 1, 1, true), 0);
}

static void rv_down(struct rig *r)
{
	assert_int_equal(invt_rv_master_destroy(&r->rv.m), 0);
	assert_int_equal(invt_rv_domain_destroy(&r->rv.d), 0);
	assert_int_equal(invt_rv_destroy(&r->rv.rv), 0);
	invt_mrv_destroy(r->hw);
	invt_tag_space_destroy(&r->rv.pscids);
}

static int rv_prepare(struct rig *r)
{
	return invt_rv_attach_prepare(&r->rv.a, &r->rv.m, 0, &r->rv.d);
}

static int rv_install(struct rig *r)
{
	return invt_rv_attach_install(&r->rv.a);
}

static void rv_abort(struct rig *r)
{
	invt_rv_attach_abort(&r->rv.a);
}

static int rv_dma(struct rig *r, uint64_t iova, bool write)
{
	return invt_mrv_dma(r->hw, DEV_ID, 0, iova, write);
}

static uint64_t rv_consumed(struct rig *r)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(r->hw, &st);
	return st.consumed;
}

static const struct rig_ops rv_ops = {
	"riscv", rv_up, rv_down, rv_prepare, rv_install, rv_abort, rv_dma, rv_consumed,
};

/* ------------------------------------------------------------ common */

static struct rig *rig_new(const struct rig_ops *ops)
{
	struct invt_mem_config mc = { .nr_frames = 4096 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 16, .nr_ssids = 1 };
	struct rig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ops = ops;
	invt_ctx_init(&r->ctx);
	assert_int_equal(invt_mem_create(&mc, &r->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, r->mem, &r->oracle), 0);
	r->dma_ops = (struct invt_dma_ops){ dma_alloc, dma_free, r };
	/* The core numbers domains in order: the table is owned by that id. */
	invt_mem_pt_ops_init(&r->pt_ops, r->mem, r->ctx.next_domain_id);
	ops->up(r);
	assert_int_equal(r->dom->id, r->pt_ops.domain);
	return r;
}

static void rig_free(struct rig *r)
{
	r->ops->down(r);
	invt_oracle_destroy(r->oracle);
	invt_mem_destroy(r->mem);
	assert_int_equal(invt_ctx_destroy(&r->ctx), 0);
	free(r);
}

static uint64_t violations(struct rig *r)
{
	struct invt_oracle_stats st;

	invt_oracle_stats(r->oracle, &st);
	return st.total;
}

/* Step 1: D maps IOVA to a data frame. */
static void map_page(struct rig *r)
{
	assert_int_equal(invt_mem_alloc(r->mem, INVT_FRAME_DATA, r->dom->id, IOVA, &r->data_pa), 0);
	assert_int_equal(invt_pt_map(r->pt, IOVA, r->data_pa, SZ_4K,
				     INVT_PT_READ | INVT_PT_WRITE), 0);
}

struct unlinked {
	struct invt_pt_gather g;
	uint64_t pa[8];
	unsigned int n;
};

static void on_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct unlinked *u = (struct unlinked *)g;

	assert_true(u->n < 8);
	u->pa[u->n++] = pa;
}

/* Step 5: unmap, invalidate, and only then free what the unmap released. */
static void unmap_page(struct rig *r)
{
	struct unlinked u = { .g.table_unlinked = on_unlinked };
	unsigned int i;

	assert_int_equal(invt_pt_unmap(r->pt, IOVA, SZ_4K, &u.g), 0);
	assert_int_equal(invt_domain_invalidate(r->dom, u.g.iova, u.g.size, u.g.leaf_only), 0);
	assert_int_equal(invt_mem_free(r->mem, r->data_pa), 0);
	for (i = 0; i < u.n; i++)
		assert_int_equal(invt_mem_free(r->mem, u.pa[i]), 0);
	r->data_pa = 0;
}

static void five_steps(const struct rig_ops *ops)
{
	struct rig *r = rig_new(ops);
	uint64_t before;

	map_page(r);

	/* Step 2: prepare and install, the oracle told as the scenario does. */
	assert_int_equal(invt_oracle_attach_begin(r->oracle, 0, DEV_ID, 0, r->dom->id), 0);
	assert_int_equal(ops->prepare(r), 0);
	assert_int_equal(ops->install(r), 0);
	assert_int_equal(invt_oracle_config_done(r->oracle, 0, DEV_ID, 0), 0);

	/* Step 3: an ATS translation request fills the ATC; the next read hits it. */
	assert_int_equal(ops->dma(r, IOVA, false), 0);
	assert_int_equal(ops->dma(r, IOVA, false), 0);
	assert_int_equal(violations(r), 0);

	/* Step 4: abort; the device is blocked again and its ATC is clean. */
	before = ops->consumed(r);
	ops->abort(r);
	assert_int_equal(invt_oracle_attach_abort(r->oracle, 0, DEV_ID, 0), 0);
	assert_true(ops->consumed(r) > before);
	assert_int_equal(ops->dma(r, IOVA, false), -EFAULT);
	assert_int_equal(violations(r), 0);

	/* Step 5: unmap, invalidate, free: nothing reaches the freed frame. */
	unmap_page(r);
	assert_int_equal(ops->dma(r, IOVA, false), -EFAULT);
	assert_int_equal(ops->dma(r, IOVA, true), -EFAULT);
	assert_int_equal(violations(r), 0);
	rig_free(r);
}

/*
 * An abort before install stays cheap: the hardware never saw the domain,
 * so no configuration is written back and no ATC invalidated; only the tag
 * the prepare allocated is flushed as its last user leaves (one
 * invalidation and its completion command), as any detach does.
 */
static void abort_before_install(const struct rig_ops *ops)
{
	struct rig *r = rig_new(ops);
	uint64_t before;

	map_page(r);
	before = ops->consumed(r);
	assert_int_equal(ops->prepare(r), 0);
	ops->abort(r);
	assert_int_equal(ops->consumed(r) - before, 2);
	assert_int_equal(ops->dma(r, IOVA, false), -EFAULT);
	unmap_page(r);
	assert_int_equal(violations(r), 0);
	rig_free(r);
}

static void test_smmuv3(void **state)
{
	(void)state;
	five_steps(&smmu_ops);
	abort_before_install(&smmu_ops);
}

static void test_vtd(void **state)
{
	(void)state;
	five_steps(&vtd_ops);
	abort_before_install(&vtd_ops);
}

static void test_riscv(void **state)
{
	(void)state;
	five_steps(&rv_ops);
	abort_before_install(&rv_ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smmuv3),
		cmocka_unit_test(test_vtd),
		cmocka_unit_test(test_riscv),
	};
	int ret;

	invt_rcu_register_thread();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	invt_rcu_unregister_thread();
	return ret;
}
