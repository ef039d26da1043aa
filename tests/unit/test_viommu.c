// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_viommu.c - the viommu layer: object lifetimes and pins on the core
 * with the recording backend; guest command translation, byte by byte, for
 * SMMUv3, VT-d and RISC-V on a capturing backend; *done on failures at the
 * first, a middle and the last command and at a batch boundary; isolation
 * between two viommus of one instance.
 *
 * In an ablation build the "vdev-pin" and "viommu-count" rules are switched
 * off in turn and the same checks must catch them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>
#include <invtrack/fault.h>
#include <invtrack/riscv.h>
#include <invtrack/smmuv3.h>
#include <invtrack/viommu.h>
#include <invtrack/vtd.h>

#include "record.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------ lifetimes (record) */

struct life {
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[2];
	struct invt_device dev[3];	/* dev[2] is behind ri[1] */
	struct invt_domain parent;
	struct invt_domain s1;
	struct invt_viommu *v;
};

static void life_setup(struct life *w)
{
	static const uint32_t sids[3] = { 0x10, 0x20, 0x30 };
	unsigned int i;

	invt_rcu_register_thread();
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, false);
	for (i = 0; i < 2; i++)
		assert_int_equal(invt_rec_iommu_init(&w->ctx, &w->ri[i], &w->rec, i, 0, 8, NULL,
						     64), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_device_init(&w->dev[i], &w->ri[i == 2].iommu, &sids[i], 1, 4,
						  true), 0);
	assert_int_equal(invt_domain_init(&w->ctx, &w->parent, INVT_DOMAIN_S2, NULL), 0);
	assert_int_equal(invt_domain_init(&w->ctx, &w->s1, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_viommu_create(&w->v, INVT_VIOMMU_SMMUV3, &w->ri[0].iommu, &w->parent),
			 0);
}

static void life_teardown(struct life *w)
{
	unsigned int i;

	if (w->v)
		assert_int_equal(invt_viommu_destroy(w->v), 0);
	assert_int_equal(invt_domain_destroy(&w->s1), 0);
	assert_int_equal(invt_domain_destroy(&w->parent), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_device_destroy(&w->dev[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(invt_rec_iommu_destroy(&w->ri[i]), 0);
	assert_int_equal(invt_ctx_destroy(&w->ctx), 0);
	invt_recorder_destroy(&w->rec);
	invt_rcu_unregister_thread();
}

static unsigned int pins_of(struct invt_viommu *v, uint32_t vid)
{
	unsigned int pins = ~0u;

	assert_int_equal(invt_vdevice_lookup(v, vid, NULL, &pins), 0);
	return pins;
}

static void test_create_errors(void **state)
{
	struct life w;
	struct invt_viommu *v = NULL;

	life_setup(&w);
	assert_int_equal(invt_viommu_create(&v, 0, &w.ri[0].iommu, &w.parent), -EINVAL);
	assert_int_equal(invt_viommu_create(&v, INVT_VIOMMU_VTD, &w.ri[0].iommu, &w.s1), -EINVAL);
	assert_int_equal(invt_viommu_create(&v, INVT_VIOMMU_VTD, &w.ri[0].iommu, NULL), -EINVAL);
	assert_null(v);
	/* The viommu pins its parent. */
	assert_int_equal(invt_domain_destroy(&w.parent), -EBUSY);
	assert_int_equal(invt_viommu_cmd_bytes(INVT_VIOMMU_SMMUV3), 16);
	assert_int_equal(invt_viommu_cmd_bytes(INVT_VIOMMU_VTD), 32);
	assert_int_equal(invt_viommu_cmd_bytes(INVT_VIOMMU_RISCV), 16);
	assert_int_equal(invt_viommu_cmd_bytes(7), 0);
	life_teardown(&w);
}

static void test_vdevice_table(void **state)
{
	struct life w;
	uint32_t pid = 0;

	life_setup(&w);
	assert_int_equal(invt_vdevice_create(w.v, 7, &w.dev[0]), 0);
	assert_int_equal(invt_vdevice_create(w.v, 7, &w.dev[1]), -EEXIST);	/* vid taken */
	assert_int_equal(invt_vdevice_create(w.v, 8, &w.dev[0]), -EEXIST);	/* dev has one */
	/* dev[2] is behind the other instance. */
	assert_int_equal(invt_vdevice_create(w.v, 9, &w.dev[2]), -EINVAL);
	assert_int_equal(invt_vdevice_create(w.v, 9, NULL), -EINVAL);
	assert_int_equal(invt_vdevice_lookup(w.v, 7, &pid, NULL), 0);
	assert_int_equal(pid, 0x10);
	assert_int_equal(invt_vdevice_lookup(w.v, 8, &pid, NULL), -ENOENT);
	/* A vdevice pins the viommu. */
	assert_int_equal(invt_viommu_destroy(w.v), -EBUSY);
	assert_int_equal(invt_vdevice_destroy(w.v, 8), -ENOENT);
	assert_int_equal(invt_vdevice_destroy(w.v, 7), 0);
	assert_int_equal(invt_vdevice_destroy(w.v, 7), -ENOENT);
	assert_int_equal(invt_vdevice_create(w.v, 8, &w.dev[0]), 0);
	assert_int_equal(invt_vdevice_destroy(w.v, 8), 0);
	life_teardown(&w);
}

/*
 * The pin rules, as one check that reports instead of asserting, so that an
 * ablation build can show the "vdev-pin" rule being caught.
 * Return: the number of rules broken.
 */
static int pin_rules_broken(struct life *w)
{
	struct invt_domain nd, nd2;
	struct invt_attach tx;
	int broken = 0;

	assert_int_equal(invt_viommu_nested_init(w->v, &nd, 0), 0);
	assert_int_equal(invt_viommu_nested_init(w->v, &nd2, 0), 0);
	/* A nested domain pins the viommu. */
	broken += invt_viommu_destroy(w->v) != -EBUSY;

	/* No vdevice: the nested attach is refused, nothing changed. */
	broken += invt_attach(&w->dev[0], 0, &nd) != -ENOENT;
	broken += invt_device_domain(&w->dev[0], 0) != NULL;
	broken += invt_device_in_use(&w->dev[0]);

	assert_int_equal(invt_vdevice_create(w->v, 7, &w->dev[0]), 0);
	/* Blocking, S1 and S2 (bypass-like) attachments pin nothing. */
	assert_int_equal(invt_attach(&w->dev[0], 0, &w->s1), 0);
	broken += pins_of(w->v, 7) != 0;
	assert_int_equal(invt_attach(&w->dev[0], 0, NULL), 0);
	broken += pins_of(w->v, 7) != 0;

	/* Nested: pinned; destroying the vdevice or the domain is -EBUSY. */
	assert_int_equal(invt_attach(&w->dev[0], 0, &nd), 0);
	broken += pins_of(w->v, 7) != 1;
	broken += invt_vdevice_destroy(w->v, 7) != -EBUSY;
	broken += invt_viommu_device_removed(w->v, &w->dev[0]) != -EBUSY;
	broken += invt_viommu_nested_destroy(w->v, &nd) != -EBUSY;
	if (invt_vdevice_lookup(w->v, 7, NULL, NULL)) {
		/* The vdevice went while attached: put one back to go on. */
		broken++;
		assert_int_equal(invt_vdevice_create(w->v, 7, &w->dev[0]), 0);
	}
	/* Per ssid (VT-d nests per PASID): one pin each. */
	assert_int_equal(invt_attach(&w->dev[0], 2, &nd2), 0);
	broken += pins_of(w->v, 7) != 2;
	/* Replace nested -> nested: still pinned; nested -> S2 parent directly: not. */
	assert_int_equal(invt_attach(&w->dev[0], 0, &nd2), 0);
	broken += pins_of(w->v, 7) != 2;
	assert_int_equal(invt_attach(&w->dev[0], 0, &w->parent), 0);
	broken += pins_of(w->v, 7) != 1;
	assert_int_equal(invt_attach(&w->dev[0], 2, NULL), 0);
	broken += pins_of(w->v, 7) != 0;

	/* An aborted nested attach gives its pin back, before and after install. */
	assert_int_equal(invt_attach_prepare(&tx, &w->dev[0], 1, &nd), 0);
	broken += pins_of(w->v, 7) != 1;
	invt_attach_abort(&tx);
	broken += pins_of(w->v, 7) != 0;
	assert_int_equal(invt_attach_prepare(&tx, &w->dev[0], 1, &nd), 0);
	invt_attach_installing(&tx);
	invt_attach_abort(&tx);
	broken += pins_of(w->v, 7) != 0;
	assert_int_equal(invt_attach(&w->dev[0], 0, NULL), 0);

	/* Device removal: detached first, then its vdevice goes with it. */
	assert_int_equal(invt_attach(&w->dev[0], 0, &nd), 0);
	assert_int_equal(invt_attach(&w->dev[0], 0, NULL), 0);
	broken += invt_viommu_device_removed(w->v, &w->dev[0]) != 0;
	broken += invt_vdevice_destroy(w->v, 7) != -ENOENT;
	broken += invt_viommu_device_removed(w->v, &w->dev[0]) != 0;	/* none left: fine */

	broken += invt_viommu_nested_destroy(w->v, &w->s1) != -EINVAL;
	assert_int_equal(invt_viommu_nested_destroy(w->v, &nd), 0);
	assert_int_equal(invt_viommu_nested_destroy(w->v, &nd2), 0);
	return broken;
}

static void test_pins(void **state)
{
	struct life w;

	life_setup(&w);
	assert_int_equal(pin_rules_broken(&w), 0);
	life_teardown(&w);
}

/* Ablation build: "vdev-pin" must be caught by the same checks. */
static void test_ablation_vdev_pin(void **state)
{
	struct life w;

	if (!invt_ablations_built())
		skip();
	life_setup(&w);
	assert_int_equal(invt_ablate(&w.ctx, "vdev-pin"), 0);
	assert_true(pin_rules_broken(&w) > 0);
	life_teardown(&w);
}

static void test_prepare_enomem_no_pin(void **state)
{
	struct life w;
	struct invt_domain nd;
	unsigned int k;
	int ret;

	life_setup(&w);
	assert_int_equal(invt_viommu_nested_init(w.v, &nd, 0), 0);
	assert_int_equal(invt_vdevice_create(w.v, 7, &w.dev[0]), 0);
	/* Fail each allocation of a nested prepare in turn: no pin stays behind. */
	for (k = 1;; k++) {
		invt_fault_inject(k);
		ret = invt_attach(&w.dev[0], 0, &nd);
		invt_fault_inject(0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(pins_of(w.v, 7), 0);
		assert_null(invt_device_domain(&w.dev[0], 0));
	}
	assert_true(k > 1);
	assert_int_equal(pins_of(w.v, 7), 1);
	assert_int_equal(invt_attach(&w.dev[0], 0, NULL), 0);
	assert_int_equal(invt_vdevice_destroy(w.v, 7), 0);
	assert_int_equal(invt_viommu_nested_destroy(w.v, &nd), 0);
	life_teardown(&w);
}

/* ------------------------------------------------ translation (capture) */

#define LOG_MAX 256
#define SYNC_BYTE 0xee
#define BUILD_BYTE 0xb1

/*
 * A backend that keeps the bytes it is given: the host commands exactly as
 * the viommu wrote them, and a marker command (all SYNC_BYTE) per
 * completion.  Its waits can fail on purpose.
 */
struct cap {
	struct invt_iommu iommu;
	struct invt_tag_space ts;
	unsigned int bytes;
	uint8_t log[LOG_MAX][32];
	unsigned int nlog;
	unsigned int waits;
	unsigned int fail_wait;	/* 1-based wait that fails with -EIO; 0: none */
	int submit_err;
};

static struct cap *cap_of(struct invt_iommu *iommu)
{
	return invt_container_of(iommu, struct cap, iommu);
}

static void cap_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	memset(invt_batch_reserve(b, cap_of(b->iommu)->bytes), BUILD_BYTE, cap_of(b->iommu)->bytes);
}

static void cap_build_sync(struct invt_batch *b)
{
	memset(invt_batch_reserve(b, cap_of(b->iommu)->bytes), SYNC_BYTE, cap_of(b->iommu)->bytes);
}

static int cap_submit(struct invt_batch *b, uint64_t *token)
{
	struct cap *c = cap_of(b->iommu);
	uint32_t off;

	for (off = 0; off < b->used; off += c->bytes) {
		assert_true(c->nlog < LOG_MAX);
		memcpy(c->log[c->nlog++], b->buf + off, c->bytes);
	}
	*token = c->nlog;
	return c->submit_err;
}

static int cap_wait(struct invt_iommu *iommu, uint64_t token)
{
	struct cap *c = cap_of(iommu);

	c->waits++;
	return c->fail_wait && c->waits == c->fail_wait ? -EIO : 0;
}

static const struct invt_iommu_ops cap_ops = {
	.build = cap_build,
	.build_sync = cap_build_sync,
	.submit = cap_submit,
	.wait = cap_wait,
};

/* Two VMs on one instance; VM 0's vdevices 7 -> 0x100, 9 -> 0x180; VM 1's 7 -> 0x200. */
struct xw {
	int arch;
	struct invt_ctx ctx;
	struct cap cap;
	struct invt_device dev[3];
	struct invt_domain parent[2];
	struct invt_domain nd[2];
	struct invt_viommu *v[2];
	uint32_t tag[2];
};

/* INVT_IOMMU_* flags of the capturing instance in the next xw_setup(). */
static unsigned int xw_flags;

static void xw_setup(struct xw *w, int arch)
{
	static const uint32_t sids[3] = { 0x100, 0x180, 0x200 };
	unsigned int i;

	memset(w, 0, sizeof(*w));
	invt_rcu_register_thread();
	w->arch = arch;
	invt_ctx_init(&w->ctx);
	assert_int_equal(invt_tag_space_init(&w->cap.ts, 0x42, 0x60), 0);
	w->cap.bytes = arch == INVT_VIOMMU_VTD ? 32 : 16;
	w->cap.iommu.id = 0;
	w->cap.iommu.flags = xw_flags;
	w->cap.iommu.ops = &cap_ops;
	w->cap.iommu.tags[0] = &w->cap.ts;
	w->cap.iommu.tags[1] = &w->cap.ts;
	assert_int_equal(invt_iommu_register(&w->ctx, &w->cap.iommu), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_device_init(&w->dev[i], &w->cap.iommu, &sids[i], 1, 8, true),
				 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_domain_init(&w->ctx, &w->parent[i], INVT_DOMAIN_S2, NULL), 0);
		assert_int_equal(invt_viommu_create(&w->v[i], arch, &w->cap.iommu, &w->parent[i]),
				 0);
		/* Guest DID 3 in both VMs (VT-d; the others ignore it). */
		assert_int_equal(invt_viommu_nested_init(w->v[i], &w->nd[i], 3), 0);
	}
	assert_int_equal(invt_vdevice_create(w->v[0], 7, &w->dev[0]), 0);
	assert_int_equal(invt_vdevice_create(w->v[0], 9, &w->dev[1]), 0);
	assert_int_equal(invt_vdevice_create(w->v[1], 7, &w->dev[2]), 0);
	/* Nested attachments give each parent its stage-2 tag on the instance. */
	assert_int_equal(invt_attach(&w->dev[0], 0, &w->nd[0]), 0);
	assert_int_equal(invt_attach(&w->dev[2], 0, &w->nd[1]), 0);
	for (i = 0; i < 2 && !(xw_flags & INVT_IOMMU_NESTED_OWN_TAGS); i++) {
		assert_int_equal(invt_viommu_s2_tag(w->v[i], &w->tag[i]), 0);
		assert_int_equal(w->tag[i], 0x42 + i);
	}
	w->cap.nlog = 0;
	w->cap.waits = 0;
}

static void xw_teardown(struct xw *w)
{
	unsigned int i;

	assert_int_equal(invt_attach(&w->dev[0], 0, NULL), 0);
	assert_int_equal(invt_attach(&w->dev[2], 0, NULL), 0);
	assert_int_equal(invt_vdevice_destroy(w->v[0], 7), 0);
	assert_int_equal(invt_vdevice_destroy(w->v[0], 9), 0);
	assert_int_equal(invt_vdevice_destroy(w->v[1], 7), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(invt_viommu_nested_destroy(w->v[i], &w->nd[i]), 0);
		assert_int_equal(invt_viommu_destroy(w->v[i]), 0);
		assert_int_equal(invt_domain_destroy(&w->parent[i]), 0);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(invt_device_destroy(&w->dev[i]), 0);
	assert_int_equal(invt_iommu_unregister(&w->cap.iommu), 0);
	invt_tag_space_destroy(&w->cap.ts);
	assert_int_equal(invt_ctx_destroy(&w->ctx), 0);
	invt_rcu_unregister_thread();
}

/* Guest commands are at most 32 bytes; a batch of them. */
struct gbatch {
	uint8_t c[16][32];
	unsigned int n;
};

static void smmu_put(struct gbatch *g, const struct invt_smmu_cmd *c)
{
	assert_int_equal(invt_smmu_cmd_encode_le(c, g->c[g->n++]), 0);
}

static void vtd_put(struct gbatch *g, const struct invt_vtd_desc *d)
{
	assert_int_equal(invt_vtd_desc_encode_le(d, g->c[g->n++], 32), 0);
}

static void rv_put(struct gbatch *g, const struct invt_rv_cmd *c)
{
	assert_int_equal(invt_rv_cmd_encode_le(c, g->c[g->n++]), 0);
}

/* Pack a batch for invt_viommu_invalidate(): commands back to back. */
static int run(struct xw *w, int vm, const struct gbatch *g, uint32_t *done)
{
	unsigned int bytes = invt_viommu_cmd_bytes(w->arch), i;
	uint8_t buf[16 * 32];

	for (i = 0; i < g->n; i++)
		memcpy(buf + i * bytes, g->c[i], bytes);
	*done = 0xdeadbeef;
	return invt_viommu_invalidate(w->v[vm], buf, g->n, done);
}

static bool is_sync(const struct cap *c, unsigned int i)
{
	unsigned int k;

	for (k = 0; k < c->bytes; k++)
		if (c->log[i][k] != SYNC_BYTE)
			return false;
	return true;
}

static void expect_smmu(const struct cap *c, unsigned int i, const struct invt_smmu_cmd *e)
{
	uint8_t want[16];

	assert_int_equal(invt_smmu_cmd_encode_le(e, want), 0);
	assert_memory_equal(c->log[i], want, 16);
}

static void expect_vtd(const struct cap *c, unsigned int i, const struct invt_vtd_desc *e)
{
	uint8_t want[32];

	assert_int_equal(invt_vtd_desc_encode_le(e, want, 32), 0);
	assert_memory_equal(c->log[i], want, 32);
}

static void expect_rv(const struct cap *c, unsigned int i, const struct invt_rv_cmd *e)
{
	uint8_t want[16];

	assert_int_equal(invt_rv_cmd_encode_le(e, want), 0);
	assert_memory_equal(c->log[i], want, 16);
}

static void test_smmuv3_translate(void **state)
{
	struct xw w;
	struct gbatch g = { .n = 0 };
	struct invt_smmu_cmd c;
	uint32_t done;

	xw_setup(&w, INVT_VIOMMU_SMMUV3);
	/* 0: NH_VA with the guest's VMID 0x43 (the other VM's): forced to 0x42. */
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_VA, .vmid = 0x43, .asid = 5,
				    .leaf = true, .addr = 0x7000 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NSNH_ALL };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_ATC_INV, .sid = 7, .ssv = true,
				    .ssid = 3, .size = 1, .addr = 0x4000 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD, .sid = 9, .ssid = 3,
				    .leaf = true };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD_ALL, .sid = 7 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_SYNC };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .asid = 9 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_VAA, .addr = 0x9000 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ALL, .vmid = 0x43 };
	smmu_put(&g, &c);

	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 9);
	assert_int_equal(w.cap.nlog, 10);
	assert_int_equal(w.cap.waits, 2);
	expect_smmu(&w.cap, 0, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_VA,
			.vmid = 0x42, .asid = 5, .leaf = true, .addr = 0x7000 });
	/* By hand, IHI0070 §4.4.2: opcode 0x12, VMID dw0[47:32], ASID dw0[63:48]. */
	assert_memory_equal(w.cap.log[0], ((const uint8_t[16]){ 0x12, 0, 0, 0, 0x42, 0, 5, 0,
			0x01, 0x70, 0, 0, 0, 0, 0, 0 }), 16);
	expect_smmu(&w.cap, 1, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ALL,
			.vmid = 0x42 });
	expect_smmu(&w.cap, 2, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_ATC_INV,
			.sid = 0x100, .ssv = true, .ssid = 3, .size = 1, .addr = 0x4000 });
	/* §4.5.1: StreamID dw0[63:32]. */
	assert_memory_equal(w.cap.log[2] + 4, ((const uint8_t[4]){ 0, 1, 0, 0 }), 4);
	expect_smmu(&w.cap, 3, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD,
			.sid = 0x180, .ssid = 3, .leaf = true });
	expect_smmu(&w.cap, 4, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD_ALL,
			.sid = 0x100 });
	assert_true(is_sync(&w.cap, 5));
	expect_smmu(&w.cap, 6, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID,
			.vmid = 0x42, .asid = 9 });
	expect_smmu(&w.cap, 7, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_VAA,
			.vmid = 0x42, .addr = 0x9000 });
	expect_smmu(&w.cap, 8, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ALL,
			.vmid = 0x42 });
	assert_true(is_sync(&w.cap, 9));

	/* VM 1: its own tag, its own vSID 7 (0x200). */
	w.cap.nlog = 0;
	g.n = 0;
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = 0x42, .asid = 1 };
	smmu_put(&g, &c);
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD_ALL, .sid = 7 };
	smmu_put(&g, &c);
	assert_int_equal(run(&w, 1, &g, &done), 0);
	assert_int_equal(done, 2);
	expect_smmu(&w.cap, 0, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID,
			.vmid = 0x43, .asid = 1 });
	expect_smmu(&w.cap, 1, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_CFGI_CD_ALL,
			.sid = 0x200 });
	/* VM 1 has no vSID 9: VM 0's device is out of its reach. */
	g.n = 0;
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_ATC_INV, .sid = 9, .size = 52 };
	smmu_put(&g, &c);
	assert_int_equal(run(&w, 1, &g, &done), -ENOENT);
	assert_int_equal(done, 0);
	xw_teardown(&w);
}

static void test_smmuv3_refused(void **state)
{
	static const struct invt_smmu_cmd refused[] = {
		{ .opcode = INVT_SMMU_CMD_TLBI_S2_IPA, .vmid = 0x42, .addr = 0x1000 },
		{ .opcode = INVT_SMMU_CMD_TLBI_S12_VMALL, .vmid = 0x43 },
		{ .opcode = INVT_SMMU_CMD_TLBI_EL2_ALL },
		{ .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = 7 },
		{ .opcode = INVT_SMMU_CMD_CFGI_STE_RANGE, .range = 31 },
		{ .opcode = INVT_SMMU_CMD_PRI_RESP, .sid = 7 },
		{ .opcode = INVT_SMMU_CMD_RESUME, .sid = 7 },
	};
	struct xw w;
	struct gbatch g;
	uint32_t done;
	unsigned int i;

	xw_setup(&w, INVT_VIOMMU_SMMUV3);
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		g.n = 0;
		smmu_put(&g, &refused[i]);
		assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
		assert_int_equal(done, 0);
	}
	/* Undefined opcode, and an SSec command: illegal encodings. */
	g.n = 1;
	memset(g.c[0], 0, 16);
	g.c[0][0] = 0x7f;
	assert_int_equal(run(&w, 0, &g, &done), -EINVAL);
	g.c[0][0] = INVT_SMMU_CMD_TLBI_NH_ALL;
	g.c[0][1] = 0x04;	/* dw0[10] SSec */
	assert_int_equal(run(&w, 0, &g, &done), -EINVAL);
	assert_int_equal(w.cap.nlog, 0);
	/* NULL with n > 0; n == 0 is a probe. */
	done = 5;
	assert_int_equal(invt_viommu_invalidate(w.v[0], NULL, 3, &done), -EINVAL);
	assert_int_equal(done, 0);
	done = 5;
	assert_int_equal(invt_viommu_invalidate(w.v[0], NULL, 0, &done), 0);
	assert_int_equal(done, 0);
	xw_teardown(&w);
}

static void test_vtd_translate(void **state)
{
	struct xw w;
	struct gbatch g = { .n = 0 };
	uint32_t done;

	xw_setup(&w, INVT_VIOMMU_VTD);
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB, .g = INVT_VTD_PIOTLB_PSI,
			.did = 3, .pasid = 5, .am = 1, .ih = true, .addr = 0x6000 });
	/* A guest DID naming none of its domains (here: VM 1's tag): nothing to do. */
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 0x43, .pasid = 6 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_GLOBAL });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_PASID,
			.did = 3, .pasid = 5 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_WAIT, .sw = true,
			.status_addr = 0x1000, .status_data = 1 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PDEVTLB, .sid = 7, .pfsid = 7,
			.pasid = 5, .qdep = 4, .addr = 0x2000 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_DEVTLB, .sid = 9, .pfsid = 9,
			.size = true, .addr = INVT_VTD_DEVTLB_ALL_ADDR });
	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 7);
	assert_int_equal(w.cap.nlog, 7);
	assert_int_equal(w.cap.waits, 2);
	expect_vtd(&w.cap, 0, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PSI, .did = 0x42, .pasid = 5, .am = 1, .ih = true,
			.addr = 0x6000 });
	/* By hand, §6.5.2.4: type 6, G qw0[5:4] = 3, DID qw0[31:16], PASID qw0[51:32]. */
	assert_memory_equal(w.cap.log[0], ((const uint8_t[16]){ 0x36, 0, 0x42, 0, 5, 0, 0, 0,
			0x41, 0x60, 0, 0, 0, 0, 0, 0 }), 16);
	expect_vtd(&w.cap, 1, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC,
			.g = INVT_VTD_PC_DOMAIN, .did = 0x42 });
	expect_vtd(&w.cap, 2, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC,
			.g = INVT_VTD_PC_PASID, .did = 0x42, .pasid = 5 });
	assert_true(is_sync(&w.cap, 3));
	expect_vtd(&w.cap, 4, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PDEVTLB,
			.sid = 0x100, .pfsid = 0x100, .pasid = 5, .qdep = 4, .addr = 0x2000 });
	expect_vtd(&w.cap, 5, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_DEVTLB,
			.sid = 0x180, .pfsid = 0x180, .size = true,
			.addr = INVT_VTD_DEVTLB_ALL_ADDR });
	/* §6.5.2.5: SID qw0[47:32]. */
	assert_memory_equal(w.cap.log[5] + 4, ((const uint8_t[2]){ 0x80, 0x01 }), 2);
	assert_true(is_sync(&w.cap, 6));

	/* Refused: second-stage IOTLB, context cache, interrupt entry cache, unknown SID. */
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_IOTLB,
			.g = INVT_VTD_IOTLB_DSI, .did = 0x42 });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_CC, .g = INVT_VTD_CC_GLOBAL });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_IEC });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PDEVTLB, .sid = 8, .pfsid = 8 });
	assert_int_equal(run(&w, 0, &g, &done), -ENOENT);
	/* A 256-bit descriptor with qw2 set is malformed. */
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 1, .pasid = 1 });
	g.c[0][16] = 1;
	assert_int_equal(run(&w, 0, &g, &done), -EINVAL);
	xw_teardown(&w);
}

static void test_riscv_translate(void **state)
{
	struct xw w;
	struct gbatch g = { .n = 0 };
	uint32_t done;

	xw_setup(&w, INVT_VIOMMU_RISCV);
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL, .func3 = INVT_RV_FUNC_VMA,
			.pscv = true, .pscid = 5, .av = true, .addr = 0x5000 });
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL, .func3 = INVT_RV_FUNC_VMA,
			.gv = true, .gscid = 0x43 });
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_ATS,
			.func3 = INVT_RV_FUNC_ATS_INVAL, .rid = 7, .pv = true, .pid = 3,
			.addr = 0x8000 });
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOFENCE, .func3 = INVT_RV_FUNC_C });
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR,
			.func3 = INVT_RV_FUNC_INVAL_DDT, .dv = true, .did = 9 });
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR,
			.func3 = INVT_RV_FUNC_INVAL_PDT, .dv = true, .did = 7, .pid = 4 });
	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 6);
	assert_int_equal(w.cap.nlog, 7);
	expect_rv(&w.cap, 0, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL,
			.func3 = INVT_RV_FUNC_VMA, .gv = true, .gscid = 0x42, .pscv = true,
			.pscid = 5, .av = true, .addr = 0x5000 });
	/*
	 * By hand, §3.1.1: opcode 1, AV dw0[10], PSCID dw0[31:12], PSCV dw0[32],
	 * GV dw0[33], GSCID dw0[59:44], ADDR[63:12] from dw1[10].
	 */
	assert_memory_equal(w.cap.log[0], ((const uint8_t[16]){ 0x01, 0x54, 0, 0, 0x03, 0x20,
			0x04, 0, 0, 0x14, 0, 0, 0, 0, 0, 0 }), 16);
	expect_rv(&w.cap, 1, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL,
			.func3 = INVT_RV_FUNC_VMA, .gv = true, .gscid = 0x42 });
	expect_rv(&w.cap, 2, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_ATS,
			.func3 = INVT_RV_FUNC_ATS_INVAL, .rid = 0x100, .pv = true, .pid = 3,
			.addr = 0x8000 });
	assert_true(is_sync(&w.cap, 3));
	expect_rv(&w.cap, 4, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR,
			.func3 = INVT_RV_FUNC_INVAL_DDT, .dv = true, .did = 0x180 });
	expect_rv(&w.cap, 5, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR,
			.func3 = INVT_RV_FUNC_INVAL_PDT, .dv = true, .did = 0x100, .pid = 4 });
	assert_true(is_sync(&w.cap, 6));

	/* Refused: G-stage invalidation, page request responses, DDT of every device. */
	g.n = 0;
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL,
			.func3 = INVT_RV_FUNC_GVMA, .gv = true, .gscid = 0x42 });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_ATS, .func3 = INVT_RV_FUNC_ATS_PRGR,
			.rid = 7 });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IODIR,
			.func3 = INVT_RV_FUNC_INVAL_DDT });
	assert_int_equal(run(&w, 0, &g, &done), -EOPNOTSUPP);
	g.n = 0;
	rv_put(&g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_ATS,
			.func3 = INVT_RV_FUNC_ATS_INVAL, .rid = 8 });
	assert_int_equal(run(&w, 0, &g, &done), -ENOENT);
	assert_int_equal(w.cap.nlog, 7);
	xw_teardown(&w);
}

/* --------------------------------------------------------------- *done */

/* One good stage-1 command, the guest's completion, one refused command. */
static void put_good(struct xw *w, struct gbatch *g, uint32_t k)
{
	switch (w->arch) {
	case INVT_VIOMMU_SMMUV3:
		smmu_put(g, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NH_ASID,
				.asid = (uint16_t)k });
		break;
	case INVT_VIOMMU_VTD:
		vtd_put(g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
				.g = INVT_VTD_PIOTLB_PASID, .did = 3, .pasid = k });
		break;
	default:
		rv_put(g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL,
				.func3 = INVT_RV_FUNC_VMA, .pscv = true, .pscid = k });
	}
}

static void put_sync(struct xw *w, struct gbatch *g)
{
	switch (w->arch) {
	case INVT_VIOMMU_SMMUV3:
		smmu_put(g, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_SYNC });
		break;
	case INVT_VIOMMU_VTD:
		vtd_put(g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_WAIT, .iflag = true });
		break;
	default:
		rv_put(g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOFENCE,
				.func3 = INVT_RV_FUNC_C });
	}
}

static void put_bad(struct xw *w, struct gbatch *g)
{
	switch (w->arch) {
	case INVT_VIOMMU_SMMUV3:
		smmu_put(g, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_S12_VMALL,
				.vmid = 0x43 });
		break;
	case INVT_VIOMMU_VTD:
		vtd_put(g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_IOTLB,
				.g = INVT_VTD_IOTLB_GLOBAL });
		break;
	default:
		rv_put(g, &(struct invt_rv_cmd){ .opcode = INVT_RV_OP_IOTINVAL,
				.func3 = INVT_RV_FUNC_GVMA });
	}
}

/*
 * *done is exact when every guest command it counts that translates to a
 * host command had that command issued before a completion that was waited
 * for: the good commands among the first *done are at most the host
 * commands ahead of the last waited completion.  (The cases also compare
 * *done with the expected value, which rules out counting too few.)
 */
static bool done_exact(const struct xw *w, const bool *good, uint32_t done)
{
	unsigned int i, syncs = 0, issued = 0, counted = 0, pending = 0;

	for (i = 0; i < w->cap.nlog && syncs < w->cap.waits; i++) {
		if (is_sync(&w->cap, i)) {
			syncs++;
			issued += pending;
			pending = 0;
		} else {
			pending++;
		}
	}
	for (i = 0; i < done; i++)
		counted += good[i];
	return counted <= issued;
}

/*
 * Batch: good, good, SYNC, good, good, good (indices 0-5); the refused
 * command replaces index @bad (or none when @bad < 0); the @fail_wait-th
 * wait fails.  Checks *done and that it is exact.
 */
static void done_case(int arch, int bad, unsigned int fail_wait, int want_ret, uint32_t want_done,
		      bool ablate)
{
	struct xw w;
	struct gbatch g = { .n = 0 };
	bool good[6];
	uint32_t done;
	int i, ret;

	xw_setup(&w, arch);
	if (ablate)
		assert_int_equal(invt_ablate(&w.ctx, "viommu-count"), 0);
	for (i = 0; i < 6; i++) {
		good[i] = i != bad && i != 2;
		if (i == bad)
			put_bad(&w, &g);
		else if (i == 2)
			put_sync(&w, &g);
		else
			put_good(&w, &g, (uint32_t)i);
	}
	w.cap.fail_wait = fail_wait;
	ret = run(&w, 0, &g, &done);
	if (ablate) {
		/* The rule switched off: the exactness check must see it. */
		assert_false(done_exact(&w, good, done));
	} else {
		assert_int_equal(ret, want_ret);
		assert_int_equal(done, want_done);
		assert_true(done_exact(&w, good, done));
	}
	w.cap.fail_wait = 0;
	xw_teardown(&w);
}

static void test_done(void **state)
{
	static const int archs[] = { INVT_VIOMMU_SMMUV3, INVT_VIOMMU_VTD, INVT_VIOMMU_RISCV };
	unsigned int a;

	for (a = 0; a < ARRAY_SIZE(archs); a++) {
		int arch = archs[a];

		/* Arguments: refused index, failing wait, return, *done. */
		done_case(arch, -1, 0, 0, 6, false);		/* all done */
		done_case(arch, 0, 0, -EOPNOTSUPP, 0, false);	/* first */
		done_case(arch, 4, 0, -EOPNOTSUPP, 4, false);	/* middle: 3 issued */
		done_case(arch, 5, 0, -EOPNOTSUPP, 5, false);	/* last */
		done_case(arch, 3, 0, -EOPNOTSUPP, 3, false);	/* after a boundary */
		done_case(arch, 2, 0, -EOPNOTSUPP, 2, false);	/* the boundary */
		done_case(arch, -1, 1, -EIO, 0, false);		/* 1st wait fails */
		done_case(arch, -1, 2, -EIO, 3, false);		/* 2nd wait fails */
		done_case(arch, 4, 2, -EIO, 3, false);		/* issue fails */
	}
}

static void test_ablation_viommu_count(void **state)
{
	if (!invt_ablations_built())
		skip();
	done_case(INVT_VIOMMU_SMMUV3, 4, 0, 0, 0, true);
	done_case(INVT_VIOMMU_VTD, 4, 0, 0, 0, true);
	done_case(INVT_VIOMMU_RISCV, 5, 0, 0, 0, true);
}

/* A parent with no tag on the instance: stage-1 commands have nothing to do. */
static void test_no_tag(void **state)
{
	struct xw w;
	struct gbatch g = { .n = 0 };
	struct invt_viommu_stats st;
	uint32_t done, tag;

	xw_setup(&w, INVT_VIOMMU_SMMUV3);
	assert_int_equal(invt_attach(&w.dev[0], 0, NULL), 0);
	assert_int_equal(invt_viommu_s2_tag(w.v[0], &tag), -ENOENT);
	w.cap.nlog = 0;
	w.cap.waits = 0;
	put_good(&w, &g, 1);
	smmu_put(&g, &(struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_NSNH_ALL });
	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 2);
	assert_int_equal(w.cap.nlog, 0);
	assert_int_equal(w.cap.waits, 0);
	invt_viommu_get_stats(w.v[0], &st);
	assert_int_equal(st.guest_commands, 2);
	assert_int_equal(invt_attach(&w.dev[0], 0, &w.nd[0]), 0);
	xw_teardown(&w);
}

/* More host commands than one invt_batch holds: still one completion, exact *done. */
static void test_long_batch(void **state)
{
	struct xw w;
	uint8_t buf[200 * 32];
	uint32_t done, i;
	struct invt_viommu_stats st;

	xw_setup(&w, INVT_VIOMMU_VTD);
	for (i = 0; i < 200; i++)
		assert_int_equal(invt_vtd_desc_encode_le(&(struct invt_vtd_desc){
				.type = INVT_VTD_DESC_PIOTLB, .g = INVT_VTD_PIOTLB_PASID,
				.did = 3, .pasid = i }, buf + i * 32, 32), 0);
	/* Only LOG_MAX fit in the capture: 200 + 1 do. */
	assert_int_equal(invt_viommu_invalidate(w.v[0], buf, 200, &done), 0);
	assert_int_equal(done, 200);
	assert_int_equal(w.cap.nlog, 201);
	assert_int_equal(w.cap.waits, 1);
	assert_true(is_sync(&w.cap, 200));
	invt_viommu_get_stats(w.v[0], &st);
	assert_int_equal(st.guest_commands, 200);
	assert_int_equal(st.host_commands, 201);
	/* A submit error: nothing counted. */
	w.cap.nlog = 0;
	w.cap.submit_err = -EIO;
	assert_int_equal(invt_viommu_invalidate(w.v[0], buf, 100, &done), -EIO);
	assert_int_equal(done, 0);
	w.cap.submit_err = 0;
	xw_teardown(&w);
}

/* VT-d guest DIDs: one per nested domain; a global PASID-cache flush covers each DID once. */
static void test_vtd_vtags(void **state)
{
	struct xw w;
	struct invt_domain nd2, plain, s2;
	struct gbatch g = { .n = 0 };
	uint32_t done;

	xw_setup(&w, INVT_VIOMMU_VTD);
	assert_int_equal(invt_viommu_nested_init(w.v[0], &nd2, 3), -EEXIST);
	assert_int_equal(invt_viommu_nested_init(w.v[0], &nd2, 4), 0);
	assert_int_equal(invt_attach(&w.dev[1], 0, &nd2), 0);
	g.n = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_GLOBAL });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 4, .pasid = 1 });
	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 2);
	/* Both domains share the parent's DID here (no own tags): one command for it. */
	assert_int_equal(w.cap.nlog, 3);
	expect_vtd(&w.cap, 0, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC,
			.g = INVT_VTD_PC_DOMAIN, .did = 0x42 });
	expect_vtd(&w.cap, 1, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 0x42, .pasid = 1 });
	assert_int_equal(invt_attach(&w.dev[1], 0, NULL), 0);
	assert_int_equal(invt_viommu_nested_destroy(w.v[0], &nd2), 0);

	/* Adopting a nested domain a driver initialised; releasing it. */
	assert_int_equal(invt_domain_init(&w.ctx, &plain, INVT_DOMAIN_NESTED, &w.parent[0]), 0);
	assert_int_equal(invt_domain_init(&w.ctx, &s2, INVT_DOMAIN_S2, NULL), 0);
	assert_int_equal(invt_viommu_nested_adopt(w.v[0], &s2, 5), -EINVAL);
	/* Over VM 0's parent: not VM 1's to adopt. */
	assert_int_equal(invt_viommu_nested_adopt(w.v[1], &plain, 5), -EINVAL);
	assert_int_equal(invt_viommu_nested_adopt(w.v[0], &plain, 3), -EEXIST);
	assert_int_equal(invt_viommu_nested_adopt(w.v[0], &plain, 5), 0);
	assert_int_equal(invt_viommu_nested_adopt(w.v[0], &plain, 6), -EINVAL);	/* already */
	/* Now attaching it needs the vdevice: VM 0 has none for dev[2]. */
	assert_int_equal(invt_attach(&w.dev[2], 1, &plain), -ENOENT);	/* VM 1's device */
	assert_int_equal(invt_attach(&w.dev[1], 1, &plain), 0);
	assert_int_equal(pins_of(w.v[0], 9), 1);
	assert_int_equal(invt_viommu_nested_release(w.v[0], &plain), -EBUSY);
	assert_int_equal(invt_attach(&w.dev[1], 1, NULL), 0);
	assert_int_equal(pins_of(w.v[0], 9), 0);
	assert_int_equal(invt_viommu_nested_release(w.v[0], &plain), 0);
	assert_int_equal(invt_viommu_nested_release(w.v[0], &plain), -EINVAL);
	assert_int_equal(invt_domain_destroy(&plain), 0);
	assert_int_equal(invt_domain_destroy(&s2), 0);
	xw_teardown(&w);
}

/*
 * An instance that gives each nested domain its own DID (VT-d as Linux
 * does it): a guest DID becomes the DID of its nested domain, not the
 * parent's (which holds none here: nothing is attached to it directly).
 */
static void test_vtd_own_dids(void **state)
{
	struct xw w;
	struct invt_domain nd2;
	struct gbatch g = { .n = 0 };
	uint32_t done, tag, tag2;

	xw_flags = INVT_IOMMU_NESTED_OWN_TAGS;
	xw_setup(&w, INVT_VIOMMU_VTD);
	xw_flags = 0;
	assert_int_equal(invt_viommu_s2_tag(w.v[0], &tag), -ENOENT);
	assert_int_equal(invt_domain_tag(&w.nd[0], &w.cap.iommu, &tag), 0);
	assert_int_equal(invt_viommu_nested_init(w.v[0], &nd2, 4), 0);
	assert_int_equal(invt_attach(&w.dev[1], 0, &nd2), 0);
	assert_int_equal(invt_domain_tag(&nd2, &w.cap.iommu, &tag2), 0);
	assert_int_not_equal(tag, tag2);
	w.cap.nlog = 0;
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 4, .pasid = 1 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = 3, .pasid = 2 });
	vtd_put(&g, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_GLOBAL });
	assert_int_equal(run(&w, 0, &g, &done), 0);
	assert_int_equal(done, 3);
	assert_int_equal(w.cap.nlog, 5);
	expect_vtd(&w.cap, 0, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = (uint16_t)tag2, .pasid = 1 });
	expect_vtd(&w.cap, 1, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PIOTLB,
			.g = INVT_VTD_PIOTLB_PASID, .did = (uint16_t)tag, .pasid = 2 });
	/* Global PASID-cache: one domain-selective flush per DID of the VM. */
	expect_vtd(&w.cap, 2, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC,
			.g = INVT_VTD_PC_DOMAIN, .did = (uint16_t)tag });
	expect_vtd(&w.cap, 3, &(struct invt_vtd_desc){ .type = INVT_VTD_DESC_PC,
			.g = INVT_VTD_PC_DOMAIN, .did = (uint16_t)tag2 });
	assert_true(is_sync(&w.cap, 4));
	assert_int_equal(invt_attach(&w.dev[1], 0, NULL), 0);
	assert_int_equal(invt_viommu_nested_destroy(w.v[0], &nd2), 0);
	xw_teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_vdevice_table),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_ablation_vdev_pin),
		cmocka_unit_test(test_prepare_enomem_no_pin),
		cmocka_unit_test(test_smmuv3_translate),
		cmocka_unit_test(test_smmuv3_refused),
		cmocka_unit_test(test_vtd_translate),
		cmocka_unit_test(test_riscv_translate),
		cmocka_unit_test(test_vtd_vtags),
		cmocka_unit_test(test_vtd_own_dids),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_ablation_viommu_count),
		cmocka_unit_test(test_no_tag),
		cmocka_unit_test(test_long_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
