/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * model-rig.h - a driver on the core in front of its modelled unit, with the
 * oracle watching, for the unit tests that run one scenario on every
 * architecture (test_abort_atc.c, test_ats_fault.c).
 *
 * One rig: the simulated memory and its oracle, one context, one instance
 * (unit and driver, ATS on), one stage-1 domain D and up to MRIG_MAX_DEVS
 * ATS devices (ATC of 32 entries each, one SID, no PASID), none attached.
 * struct mrig_ops says what differs per architecture; mrig_smmuv3,
 * mrig_vtd and mrig_riscv are the three.  Include after <cmocka.h>.
 */
#ifndef INVT_TESTS_MODEL_RIG_H
#define INVT_TESTS_MODEL_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/model/riscv.h>
#include <invtrack/model/smmuv3.h>
#include <invtrack/model/vtd.h>
#include <invtrack/riscv-driver.h>
#include <invtrack/smmuv3-driver.h>
#include <invtrack/vtd-driver.h>

#define MRIG_MAX_DEVS	2
#define MRIG_SZ_4K	UINT64_C(0x1000)

struct mrig;

/**
 * struct mrig_ops - what differs per architecture.
 * @name: the architecture.
 * @up: bring up the unit, the driver, D and the devices (struct mrig @ids).
 * @down: tear them down (every device detached).
 * @attach: attach device @i to D, or detach it (@on false), in one go.
 * @prepare: open a transaction attaching device 0 to D (struct mrig @a).
 * @install: install that transaction's configuration.
 * @abort: abort that transaction.
 * @dma: a read or write by the device of id @id, no PASID.
 * @never_answer: make every ATC invalidation to device @id time out.
 * @ats_disabled: the driver's count of devices whose ATS it turned off.
 * @consumed: commands the unit executed so far.
 * @dev: the core's device of device @i.
 */
struct mrig_ops {
	const char *name;
	void (*up)(struct mrig *r);
	void (*down)(struct mrig *r);
	int (*attach)(struct mrig *r, unsigned int i, bool on);
	int (*prepare)(struct mrig *r);
	int (*install)(struct mrig *r);
	void (*abort)(struct mrig *r);
	int (*dma)(struct mrig *r, uint32_t id, uint64_t iova, bool write);
	int (*never_answer)(struct mrig *r, uint32_t id);
	uint64_t (*ats_disabled)(struct mrig *r);
	uint64_t (*consumed)(struct mrig *r);
	struct invt_device *(*dev)(struct mrig *r, unsigned int i);
};

/**
 * struct mrig - one rig (mrig_new()).
 * @ops: its architecture.
 * @ctx: the context.
 * @mem: simulated memory.
 * @oracle: the oracle over @mem.
 * @pt_ops: D's page-table memory (owned by D's id).
 * @dom: D.
 * @pt: D's page table.
 * @data_pa: the test's data frame, if it keeps one here.
 * @ids: the devices' ids (SID / RID / device_id).
 * @nr_devs: devices in @ids.
 * @hw: the modelled unit.
 * @dma_ops: queue and table memory for the VT-d and RISC-V drivers.
 */
struct mrig {
	const struct mrig_ops *ops;
	struct invt_ctx ctx;
	struct invt_mem *mem;
	struct invt_oracle *oracle;
	struct invt_mem_pt_ops pt_ops;
	struct invt_domain *dom;
	struct invt_pt *pt;
	uint64_t data_pa;
	uint32_t ids[MRIG_MAX_DEVS];
	unsigned int nr_devs;
	void *hw;
	union {
		struct {
			struct invt_smmu smmu;
			struct invt_smmu_mem_ops mem;
			struct invt_smmu_domain d;
			struct invt_smmu_master m[MRIG_MAX_DEVS];
			struct invt_smmu_attach a;
		} smmu;
		struct {
			struct invt_vtd vtd;
			struct invt_vtd_domain d;
			struct invt_vtd_master m[MRIG_MAX_DEVS];
			struct invt_vtd_attach a;
		} vtd;
		struct {
			struct invt_rv rv;
			struct invt_tag_space pscids;
			struct invt_rv_domain d;
			struct invt_rv_master m[MRIG_MAX_DEVS];
			struct invt_rv_attach a;
		} rv;
	};
	struct invt_dma_ops dma_ops;
};

/* Frames for @bytes of driver memory: a power of two. */
static inline size_t mrig_frames_of(size_t bytes)
{
	size_t n = 1;

	while (n * MRIG_SZ_4K < bytes)
		n <<= 1;
	return n;
}

static inline void *mrig_dma_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct mrig *r = arg;

	if (invt_mem_alloc_contig(r->mem, mrig_frames_of(bytes), INVT_FRAME_OTHER, 0, 0, pa))
		return NULL;
	return invt_mem_va(r->mem, *pa);
}

static inline void mrig_dma_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct mrig *r = arg;

	(void)va;
	invt_mem_free_contig(r->mem, pa, mrig_frames_of(bytes));
}

/* ------------------------------------------------------------ SMMUv3 */

static inline void mrig_smmu_up(struct mrig *r)
{
	struct invt_msmmu_config mc = {
		.id = 0, .ats = true, .iotlb_sets = 16, .iotlb_ways = 4, .cfg_entries = 16,
		.seed = 1,
	};
	struct invt_smmu_config dc = { .id = 0, .cmdq_log2size = 8, .sid_bits = 6 };
	struct invt_msmmu *hw;
	unsigned int i;

	r->smmu.mem = (struct invt_smmu_mem_ops){ mrig_dma_alloc, mrig_dma_free, r };
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
	for (i = 0; i < r->nr_devs; i++) {
		assert_int_equal(invt_msmmu_add_device(hw, r->ids[i], 32), 0);
		assert_int_equal(invt_smmu_master_init(&r->smmu.m[i], &r->smmu.smmu, &r->ids[i],
						       1, 1, true), 0);
	}
}

static inline void mrig_smmu_down(struct mrig *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_devs; i++)
		assert_int_equal(invt_smmu_master_destroy(&r->smmu.m[i]), 0);
	assert_int_equal(invt_smmu_domain_destroy(&r->smmu.d), 0);
	assert_int_equal(invt_smmu_destroy(&r->smmu.smmu), 0);
	invt_msmmu_destroy(r->hw);
}

static inline int mrig_smmu_attach(struct mrig *r, unsigned int i, bool on)
{
	return invt_smmu_attach(&r->smmu.m[i], 0, on ? &r->smmu.d : NULL);
}

static inline int mrig_smmu_prepare(struct mrig *r)
{
	return invt_smmu_attach_prepare(&r->smmu.a, &r->smmu.m[0], 0, &r->smmu.d);
}

static inline int mrig_smmu_install(struct mrig *r)
{
	return invt_smmu_attach_install(&r->smmu.a);
}

static inline void mrig_smmu_abort(struct mrig *r)
{
	invt_smmu_attach_abort(&r->smmu.a);
}

static inline int mrig_smmu_dma(struct mrig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_msmmu_dma(r->hw, id, 0, iova, write);
}

static inline int mrig_smmu_never_answer(struct mrig *r, uint32_t id)
{
	return invt_msmmu_set_atc_timeout(r->hw, id, true);
}

static inline uint64_t mrig_smmu_ats_disabled(struct mrig *r)
{
	return r->smmu.smmu.stats.ats_disabled;
}

static inline uint64_t mrig_smmu_consumed(struct mrig *r)
{
	struct invt_msmmu_stats st;

	invt_msmmu_stats(r->hw, &st);
	return st.consumed;
}

static inline struct invt_device *mrig_smmu_dev(struct mrig *r, unsigned int i)
{
	return &r->smmu.m[i].dev;
}

static const struct mrig_ops mrig_smmuv3 = {
	"smmuv3", mrig_smmu_up, mrig_smmu_down, mrig_smmu_attach, mrig_smmu_prepare,
	mrig_smmu_install, mrig_smmu_abort, mrig_smmu_dma, mrig_smmu_never_answer,
	mrig_smmu_ats_disabled, mrig_smmu_consumed, mrig_smmu_dev,
};

/* -------------------------------------------------------------- VT-d */

static inline void mrig_vtd_up(struct mrig *r)
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
	for (i = 0; i < r->nr_devs; i++) {
		assert_int_equal(invt_mvtd_add_device(hw, r->ids[i], 32), 0);
		assert_int_equal(invt_vtd_master_init(&r->vtd.m[i], &r->vtd.vtd, &r->ids[i], 1, 1,
						      true), 0);
	}
}

static inline void mrig_vtd_down(struct mrig *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_devs; i++)
		assert_int_equal(invt_vtd_master_destroy(&r->vtd.m[i]), 0);
	assert_int_equal(invt_vtd_domain_destroy(&r->vtd.d), 0);
	assert_int_equal(invt_vtd_destroy(&r->vtd.vtd), 0);
	invt_mvtd_destroy(r->hw);
}

static inline int mrig_vtd_attach(struct mrig *r, unsigned int i, bool on)
{
	return invt_vtd_attach(&r->vtd.m[i], 0, on ? &r->vtd.d : NULL);
}

static inline int mrig_vtd_prepare(struct mrig *r)
{
	return invt_vtd_attach_prepare(&r->vtd.a, &r->vtd.m[0], 0, &r->vtd.d);
}

static inline int mrig_vtd_install(struct mrig *r)
{
	return invt_vtd_attach_install(&r->vtd.a);
}

static inline void mrig_vtd_abort(struct mrig *r)
{
	invt_vtd_attach_abort(&r->vtd.a);
}

static inline int mrig_vtd_dma(struct mrig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_mvtd_dma(r->hw, id, 0, iova, write);
}

static inline int mrig_vtd_never_answer(struct mrig *r, uint32_t id)
{
	return invt_mvtd_set_devtlb_timeout(r->hw, id, true);
}

static inline uint64_t mrig_vtd_ats_disabled(struct mrig *r)
{
	return r->vtd.vtd.stats.ats_disabled;
}

static inline uint64_t mrig_vtd_consumed(struct mrig *r)
{
	struct invt_mvtd_stats st;

	invt_mvtd_stats(r->hw, &st);
	return st.consumed;
}

static inline struct invt_device *mrig_vtd_dev(struct mrig *r, unsigned int i)
{
	return &r->vtd.m[i].dev;
}

static const struct mrig_ops mrig_vtd = {
	"vtd", mrig_vtd_up, mrig_vtd_down, mrig_vtd_attach, mrig_vtd_prepare, mrig_vtd_install,
	mrig_vtd_abort, mrig_vtd_dma, mrig_vtd_never_answer, mrig_vtd_ats_disabled,
	mrig_vtd_consumed, mrig_vtd_dev,
};

/* ----------------------------------------------------------- RISC-V */

static inline void mrig_rv_up(struct mrig *r)
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
	for (i = 0; i < r->nr_devs; i++) {
		assert_int_equal(invt_mrv_add_device(hw, r->ids[i], 32), 0);
		assert_int_equal(invt_rv_master_init(&r->rv.m[i], &r->rv.rv, &r->ids[i], 1, 1,
						     true), 0);
	}
}

static inline void mrig_rv_down(struct mrig *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_devs; i++)
		assert_int_equal(invt_rv_master_destroy(&r->rv.m[i]), 0);
	assert_int_equal(invt_rv_domain_destroy(&r->rv.d), 0);
	assert_int_equal(invt_rv_destroy(&r->rv.rv), 0);
	invt_mrv_destroy(r->hw);
	invt_tag_space_destroy(&r->rv.pscids);
}

static inline int mrig_rv_attach(struct mrig *r, unsigned int i, bool on)
{
	return invt_rv_attach(&r->rv.m[i], 0, on ? &r->rv.d : NULL);
}

static inline int mrig_rv_prepare(struct mrig *r)
{
	return invt_rv_attach_prepare(&r->rv.a, &r->rv.m[0], 0, &r->rv.d);
}

static inline int mrig_rv_install(struct mrig *r)
{
	return invt_rv_attach_install(&r->rv.a);
}

static inline void mrig_rv_abort(struct mrig *r)
{
	invt_rv_attach_abort(&r->rv.a);
}

static inline int mrig_rv_dma(struct mrig *r, uint32_t id, uint64_t iova, bool write)
{
	return invt_mrv_dma(r->hw, id, 0, iova, write);
}

static inline int mrig_rv_never_answer(struct mrig *r, uint32_t id)
{
	return invt_mrv_set_atc_timeout(r->hw, id, true);
}

static inline uint64_t mrig_rv_ats_disabled(struct mrig *r)
{
	return r->rv.rv.stats.ats_disabled;
}

static inline uint64_t mrig_rv_consumed(struct mrig *r)
{
	struct invt_mrv_stats st;

	invt_mrv_stats(r->hw, &st);
	return st.consumed;
}

static inline struct invt_device *mrig_rv_dev(struct mrig *r, unsigned int i)
{
	return &r->rv.m[i].dev;
}

static const struct mrig_ops mrig_riscv = {
	"riscv", mrig_rv_up, mrig_rv_down, mrig_rv_attach, mrig_rv_prepare, mrig_rv_install,
	mrig_rv_abort, mrig_rv_dma, mrig_rv_never_answer, mrig_rv_ats_disabled, mrig_rv_consumed,
	mrig_rv_dev,
};

/* ------------------------------------------------------------ common */

/**
 * mrig_new() - bring up a rig.
 * @ops: the architecture (mrig_smmuv3, mrig_vtd, mrig_riscv).
 * @ids: the devices' ids, @nr of them (1..MRIG_MAX_DEVS), all with ATS.
 * @nr: how many.
 *
 * Memory of 4096 frames, an oracle for one instance, 16 SIDs and no PASID;
 * D's page table owned by D's id.  Fails the test on any error.
 *
 * Return: the rig (mrig_free()).
 */
static inline struct mrig *mrig_new(const struct mrig_ops *ops, const uint32_t *ids,
				    unsigned int nr)
{
	struct invt_mem_config mc = { .nr_frames = 4096 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 16, .nr_ssids = 1 };
	struct mrig *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_true(nr >= 1 && nr <= MRIG_MAX_DEVS);
	r->ops = ops;
	memcpy(r->ids, ids, nr * sizeof(ids[0]));
	r->nr_devs = nr;
	invt_ctx_init(&r->ctx);
	assert_int_equal(invt_mem_create(&mc, &r->mem), 0);
	assert_int_equal(invt_oracle_create(&oc, r->mem, &r->oracle), 0);
	r->dma_ops = (struct invt_dma_ops){ mrig_dma_alloc, mrig_dma_free, r };
	/* The core numbers domains in order: the table is owned by that id. */
	invt_mem_pt_ops_init(&r->pt_ops, r->mem, r->ctx.next_domain_id);
	ops->up(r);
	assert_int_equal(r->dom->id, r->pt_ops.domain);
	return r;
}

/**
 * mrig_free() - tear a rig down (every device detached) and free it.
 * @r: the rig.
 */
static inline void mrig_free(struct mrig *r)
{
	r->ops->down(r);
	invt_oracle_destroy(r->oracle);
	invt_mem_destroy(r->mem);
	assert_int_equal(invt_ctx_destroy(&r->ctx), 0);
	free(r);
}

/**
 * mrig_violations() - what the oracle reported so far.
 * @r: the rig.
 *
 * Return: its violation count.
 */
static inline uint64_t mrig_violations(struct mrig *r)
{
	struct invt_oracle_stats st;

	invt_oracle_stats(r->oracle, &st);
	return st.total;
}

/**
 * mrig_map_page() - D maps @iova to a new data frame (kept in @r->data_pa).
 * @r: the rig.
 * @iova: a 4 KiB page's address.
 */
static inline void mrig_map_page(struct mrig *r, uint64_t iova)
{
	assert_int_equal(invt_mem_alloc(r->mem, INVT_FRAME_DATA, r->dom->id, iova, &r->data_pa),
			 0);
	assert_int_equal(invt_pt_map(r->pt, iova, r->data_pa, MRIG_SZ_4K,
				     INVT_PT_READ | INVT_PT_WRITE), 0);
}

/**
 * struct mrig_unlinked - what an unmap released.
 * @g: the page table's gather: the range unmapped.
 * @pa: the table pages it unlinked.
 * @n: how many (at most 8).
 */
struct mrig_unlinked {
	struct invt_pt_gather g;
	uint64_t pa[8];
	unsigned int n;
};

static inline void mrig_on_unlinked(struct invt_pt_gather *g, uint64_t pa)
{
	struct mrig_unlinked *u = (struct mrig_unlinked *)g;

	assert_true(u->n < 8);
	u->pa[u->n++] = pa;
}

/**
 * mrig_unmap_page() - unmap @iova from D and invalidate it.
 * @r: the rig.
 * @iova: the page mrig_map_page() mapped.
 *
 * Only when the invalidation returned 0 are the data frame and the table
 * pages the unmap unlinked freed (@r->data_pa becomes 0).
 *
 * Return: what invt_domain_invalidate() returned.
 */
static inline int mrig_unmap_page(struct mrig *r, uint64_t iova)
{
	struct mrig_unlinked u = { .g.table_unlinked = mrig_on_unlinked };
	unsigned int i;
	int ret;

	assert_int_equal(invt_pt_unmap(r->pt, iova, MRIG_SZ_4K, &u.g), 0);
	ret = invt_domain_invalidate(r->dom, u.g.iova, u.g.size, u.g.leaf_only);
	if (ret)
		return ret;
	assert_int_equal(invt_mem_free(r->mem, r->data_pa), 0);
	for (i = 0; i < u.n; i++)
		assert_int_equal(invt_mem_free(r->mem, u.pa[i]), 0);
	r->data_pa = 0;
	return 0;
}

#endif /* INVT_TESTS_MODEL_RIG_H */
