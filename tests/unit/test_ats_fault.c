// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_ats_fault.c - a device whose ATC never answers, on every
 * architecture (driver on the core, in front of its modelled unit, the
 * oracle watching).
 *
 * Per architecture: domain D maps IOVA; devices A and B (both ATS) attach
 * to D and fill their ATCs from it; then A's ATC stops answering (every ATC
 * invalidation to it times out) and A is detached.  The commit's ATC
 * invalidation fails INVT_CMD_RETRIES_MUST times, so the driver turns A's
 * ATS off in its configuration and the core takes A's ATC entries out of
 * the arrays.  Then:
 *  - A's ATC still holds the translation, but its Translated requests are
 *    refused by the unit: the access faults, nothing reaches memory;
 *  - the count says so (driver stats.ats_disabled = 1), the core's device
 *    says ATS is off, and A attached again adds no ATC entry;
 *  - unmapping IOVA from D invalidates (B's ATC included) and completes: no
 *    invalidation waits on A any more, and B's ATC lost nothing (B faults
 *    after the unmap, as it must);
 *  - the frame is freed and reused: the oracle reports nothing throughout.
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

#define DEV_A	3	/* its ATC stops answering */
#define DEV_B	4	/* a healthy ATS device on the same domain */
#define IOVA	UINT64_C(0x10000)
#define SZ_4K	UINT64_C(0x1000)

static const uint32_t dev_ids[2] = { DEV_A, DEV_B };

struct rig;

/* What differs per architecture. */
struct rig_ops {
	const char *name;
	void (*up)(struct rig *r);
	void (*down)(struct rig *r);
	/* Attach device @i (0: A, 1: B) to D, or detach it (@on false). */
	int (*attach)(struct rig *r, unsigned int i, bool on);
	int (*dma)(struct rig *r, uint32_t id, uint64_t iova, bool write);
	int (*never_answer)(struct rig *r, uint32_t id);
	uint64_t (*ats_disabled)(struct rig *r);
	struct invt_device *(*dev)(struct rig *r, unsigned int i);
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
	void *hw;
	union {
		struct {
			struct invt_smmu smmu;
			struct invt_smmu_mem_ops mem;
			struct invt_smmu_domain d;
			struct invt_smmu_master m[2];
		} smmu;
		struct {
			struct invt_vtd vtd;
			struct invt_vtd_domain d;
			struct invt_vtd_master m[2];
		} vtd;
		struct {
			struct invt_rv rv;
			struct invt_tag_space pscids;
			struct invt_rv_domain d;
			struct invt_rv_master m[2];
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
	struct invt_msmmu *hw;
	unsigned int i;

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
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_msmmu_add_device(hw, dev_ids[i], 32), 0);
		assert_int_equal(invt_smmu_master_init(&r->smmu.m[i], &r->smmu.smmu, &dev_ids[i],
						       1, 1, true), 0);
	}
}

static void smmu_down(struct rig *r)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(invt_smmu_master_destroy(&r->smmu.m[i]), 0);
	assert_int_equal(invt_smmu_domain_destroy(&r->smmu.d), 0);
	assert_int_equal(invt_smmu_destroy(&r->smmu.smmu), 0);
	invt_msmmu_destroy(r->hw);
}

static int smmu_attach(struct rig *r, unsigned int i, bool on)
{
	return invt_smmu_attach(&r->smmu.m[i], 0, on ? &r->smmu.d : NULL);
}

static int smmu_dma(struct rig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_msmmu_dma(r->hw, id, 0, iova, write);
}

static int smmu_never_answer(struct rig *r, uint32_t id)
{
	return invt_msmmu_set_atc_timeout(r->hw, id, true);
}

static uint64_t smmu_ats_disabled(struct rig *r)
{
	return r->smmu.smmu.stats.ats_disabled;
}

static struct invt_device *smmu_dev(struct rig *r, unsigned int i)
{
	return &r->smmu.m[i].dev;
}

static const struct rig_ops smmu_ops = {
	"smmuv3", smmu_up, smmu_down, smmu_attach, smmu_dma, smmu_never_answer,
	smmu_ats_disabled, smmu_dev,
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
	struct invt_mvtd *hw;
	unsigned int i;

	assert_int_equal(invt_mvtd_create(&mc, r->mem, r->oracle, &hw), 0);
	r->hw = hw;
	assert_int_equal(invt_mvtd_start(hw), 0);
	dc.regs = invt_mvtd_regs(hw);
	assert_int_equal(invt_vtd_init(&r->vtd.vtd, &r->ctx, &dc), 0);
	assert_int_equal(invt_vtd_domain_init(&r->vtd.d, &r->ctx, INVT_DOMAIN_S1,
					      &r->pt_ops.ops), 0);
	r->dom = &r->vtd.d.dom;
	r->pt = &r->vtd.d.pt;
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_mvtd_add_device(hw, dev_ids[i], 32), 0);
		assert_int_equal(invt_vtd_master_init(&r->vtd.m[i], &r->vtd.vtd, &dev_ids[i], 1, 1,
						      true), 0);
	}
}

static void vtd_down(struct rig *r)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(invt_vtd_master_destroy(&r->vtd.m[i]), 0);
	assert_int_equal(invt_vtd_domain_destroy(&r->vtd.d), 0);
	assert_int_equal(invt_vtd_destroy(&r->vtd.vtd), 0);
	invt_mvtd_destroy(r->hw);
}

static int vtd_attach(struct rig *r, unsigned int i, bool on)
{
	return invt_vtd_attach(&r->vtd.m[i], 0, on ? &r->vtd.d : NULL);
}

static int vtd_dma(struct rig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_mvtd_dma(r->hw, id, 0, iova, write);
}

static int vtd_never_answer(struct rig *r, uint32_t id)
{
	return invt_mvtd_set_devtlb_timeout(r->hw, id, true);
}

static uint64_t vtd_ats_disabled(struct rig *r)
{
	return r->vtd.vtd.stats.ats_disabled;
}

static struct invt_device *vtd_dev(struct rig *r, unsigned int i)
{
	return &r->vtd.m[i].dev;
}

static const struct rig_ops vtd_ops = {
	"vtd", vtd_up, vtd_down, vtd_attach, vtd_dma, vtd_never_answer, vtd_ats_disabled,
	vtd_dev,
};

/* ----------------------------------------------------------- RISC-V */

static void rv_up(struct rig *r)
{
	struct invt_mrv_config mc = {
		.id = 0, .ats = true, .iotlb_sets = 16, .iotlb_ways = 4, .cfg_entries = 16,
		.seed = 1,
	};
	struct invt_rv_config dc = { .id = 0, .cmdq_log2size = 8, .ats = true, .mem = &r->dma_ops };
	struct invt_mrv *hw;
	unsigned int i;

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
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_mrv_add_device(hw, dev_ids[i], 32), 0);
		assert_int_equal(invt_rv_master_init(&r->rv.m[i], &r->rv.rv, &dev_ids[i], 1, 1,
						     true), 0);
	}
}

static void rv_down(struct rig *r)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		assert_int_equal(invt_rv_master_destroy(&r->rv.m[i]), 0);
	assert_int_equal(invt_rv_domain_destroy(&r->rv.d), 0);
	assert_int_equal(invt_rv_destroy(&r->rv.rv), 0);
	invt_mrv_destroy(r->hw);
	invt_tag_space_destroy(&r->rv.pscids);
}

static int rv_attach(struct rig *r, unsigned int i, bool on)
{
	return invt_rv_attach(&r->rv.m[i], 0, on ? &r->rv.d : NULL);
}

static int rv_dma(struct rig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_mrv_dma(r->hw, id, 0, iova, write);
}

static int rv_never_answer(struct rig *r, uint32_t id)
{
	return invt_mrv_set_atc_timeout(r->hw, id, true);
}

static uint64_t rv_ats_disabled(struct rig *r)
{
	return r->rv.rv.stats.ats_disabled;
}

static struct invt_device *rv_dev(struct rig *r, unsigned int i)
{
	return &r->rv.m[i].dev;
}

static const struct rig_ops rv_ops = {
	"riscv", rv_up, rv_down, rv_attach, rv_dma, rv_never_answer, rv_ats_disabled, rv_dev,
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

/* Attach or detach device @i, the oracle told as the scenario does. */
static void attach(struct rig *r, unsigned int i, bool on)
{
	uint32_t id = dev_ids[i];

	assert_int_equal(invt_oracle_attach_begin(r->oracle, 0, id, 0,
						  on ? r->dom->id : INVT_MEM_NO_DOMAIN), 0);
	assert_int_equal(r->ops->attach(r, i, on), 0);
	assert_int_equal(invt_oracle_config_done(r->oracle, 0, id, 0), 0);
	assert_int_equal(invt_oracle_attach_done(r->oracle, 0, id, 0), 0);
}

/* The ATC entries of D's array. */
static unsigned int atc_entries(struct rig *r)
{
	struct invt_invs *invs = invt_domain_invs_get(r->dom);
	unsigned int n = 0;
	size_t i;

	assert_non_null(invs);
	for (i = 0; i < invs->num_invs; i++)
		if (invs->inv[i].users && (invs->inv[i].type == INVT_INV_ATC ||
					   invs->inv[i].type == INVT_INV_ATC_FULL))
			n++;
	invt_invs_free(invs);
	return n;
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

static void never_answers(const struct rig_ops *ops)
{
	struct unlinked u = { .g.table_unlinked = on_unlinked };
	struct rig *r = rig_new(ops);
	uint64_t pa2;
	unsigned int i;

	assert_int_equal(invt_mem_alloc(r->mem, INVT_FRAME_DATA, r->dom->id, IOVA, &r->data_pa), 0);
	assert_int_equal(invt_pt_map(r->pt, IOVA, r->data_pa, SZ_4K,
				     INVT_PT_READ | INVT_PT_WRITE), 0);
	/* Both devices fill their ATCs from D; a second read hits. */
	for (i = 0; i < 2; i++) {
		attach(r, i, true);
		assert_int_equal(ops->dma(r, dev_ids[i], IOVA, false), 0);
		assert_int_equal(ops->dma(r, dev_ids[i], IOVA, true), 0);
	}
	assert_int_equal(atc_entries(r), 2);
	assert_true(invt_device_ats(ops->dev(r, 0)));
	assert_int_equal(ops->ats_disabled(r), 0);

	/* A's ATC stops answering; detaching it turns its ATS off. */
	assert_int_equal(ops->never_answer(r, DEV_A), 0);
	attach(r, 0, false);
	assert_int_equal(ops->ats_disabled(r), 1);
	assert_false(invt_device_ats(ops->dev(r, 0)));
	assert_true(invt_device_ats(ops->dev(r, 1)));
	assert_int_equal(atc_entries(r), 1);	/* B's only */
	/* A's ATC still holds IOVA, but its Translated requests are refused. */
	assert_int_equal(ops->dma(r, DEV_A, IOVA, false), -EFAULT);
	assert_int_equal(violations(r), 0);

	/* A attached again: no ATC entry, and still nothing through its ATC. */
	attach(r, 0, true);
	assert_int_equal(atc_entries(r), 1);
	assert_int_equal(ops->dma(r, DEV_A, IOVA, false), -EFAULT);
	assert_int_equal(ops->ats_disabled(r), 1);

	/* Unmap: the invalidation completes (B's ATC included), nothing lost. */
	assert_int_equal(invt_pt_unmap(r->pt, IOVA, SZ_4K, &u.g), 0);
	assert_int_equal(invt_domain_invalidate(r->dom, u.g.iova, u.g.size, u.g.leaf_only), 0);
	assert_int_equal(invt_mem_free(r->mem, r->data_pa), 0);
	for (i = 0; i < u.n; i++)
		assert_int_equal(invt_mem_free(r->mem, u.pa[i]), 0);
	/* The frame goes to another page of D: no device may reach it at IOVA. */
	assert_int_equal(invt_mem_alloc(r->mem, INVT_FRAME_DATA, r->dom->id, IOVA + SZ_4K, &pa2),
			 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ops->dma(r, dev_ids[i], IOVA, false), -EFAULT);
		assert_int_equal(ops->dma(r, dev_ids[i], IOVA, true), -EFAULT);
	}
	assert_int_equal(violations(r), 0);
	assert_int_equal(invt_mem_free(r->mem, pa2), 0);

	for (i = 0; i < 2; i++)
		attach(r, i, false);
	assert_int_equal(atc_entries(r), 0);
	assert_int_equal(violations(r), 0);
	rig_free(r);
}

static void test_smmuv3(void **state)
{
	(void)state;
	never_answers(&smmu_ops);
}

static void test_vtd(void **state)
{
	(void)state;
	never_answers(&vtd_ops);
}

static void test_riscv(void **state)
{
	(void)state;
	never_answers(&rv_ops);
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
