// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_viommu_stress.c - a viommu under concurrent attach, destroy, event
 * delivery and guest invalidation: four threads, a fixed amount of work
 * each (never a time bound), for the ASan and TSan builds to look at.
 *
 *  - attacher: nested attach / replace / detach of the devices (pins);
 *    while a device is on a nested domain its vdevice must exist;
 *  - destroyer: destroys and re-creates vdevices, and removes devices (the
 *    device-removal path): -EBUSY exactly while pinned;
 *  - reporter: reports faults by physical id and reads the event queue:
 *    every delivered record carries the virtual id of its device;
 *  - guest: guest invalidation batches naming the virtual ids: every
 *    command that reaches the queue carries this VM's VMID or a StreamID of
 *    a device bound to it, and *done never exceeds the commands sent.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/smmuv3.h>
#include <invtrack/viommu.h>

#include "../../src/arch/smmuv3/hw.h"

#define NDEV 4
#define ITERS 20000
#define VID(i) (0x40u + (i))
#define PID(i) (0x800u + (i))

static int failures;

#define FAIL(...)                                                                     \
	do {                                                                          \
		fprintf(stderr, __VA_ARGS__);                                         \
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);                   \
	} while (0)

struct stress {
	struct invt_ctx ctx;
	struct invt_iommu iommu;
	struct invt_tag_space ts;
	pthread_mutex_t qlock;	/* the "queue": checks of submitted commands */
	struct invt_device dev[NDEV];
	struct invt_domain parent;
	struct invt_domain nd[2];
	struct invt_viommu *v;
	uint64_t submitted;
};

static struct stress S;

/* Whether @sid is one of the devices' (bound or not: never another VM's). */
static bool own_sid(uint32_t sid)
{
	return sid >= PID(0) && sid < PID(NDEV);
}

static void st_build_sync(struct invt_batch *b)
{
	uint8_t *p = invt_batch_reserve(b, 16);

	memset(p, 0, 16);
	p[0] = SMMU_HW_OP_SYNC;
}

/* The core's own flushes (detach): a completion stands in for them. */
static void st_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	st_build_sync(b);
}

static int st_submit(struct invt_batch *b, uint64_t *token)
{
	uint32_t off;

	pthread_mutex_lock(&S.qlock);
	for (off = 0; off < b->used; off += 16) {
		struct smmu_hw_cmd c;

		if (smmu_hw_decode_le(b->buf + off, SMMU_HW_FEAT_ALL, &c, NULL)) {
			FAIL("illegal host command\n");
			continue;
		}
		switch (c.op) {
		case SMMU_HW_OP_TLBI_NH_ALL:
		case SMMU_HW_OP_TLBI_NH_ASID:
		case SMMU_HW_OP_TLBI_NH_VA:
		case SMMU_HW_OP_TLBI_NH_VAA:
			/* The parent's tag while the guest's commands are in flight. */
			if (c.vmid != S.ts.min)
				FAIL("VMID %u is not the VM's\n", c.vmid);
			break;
		case SMMU_HW_OP_ATC_INV:
		case SMMU_HW_OP_CFGI_CD:
		case SMMU_HW_OP_CFGI_CD_ALL:
			if (!own_sid(c.sid))
				FAIL("SID %#x is not the VM's\n", c.sid);
			break;
		case SMMU_HW_OP_SYNC:
			break;
		default:
			FAIL("op %#x reached the queue\n", c.op);
		}
	}
	S.submitted++;
	*token = S.submitted;
	pthread_mutex_unlock(&S.qlock);
	return 0;
}

static int st_wait(struct invt_iommu *iommu, uint64_t token)
{
	return 0;
}

static const struct invt_iommu_ops st_ops = {
	.build = st_build,
	.build_sync = st_build_sync,
	.submit = st_submit,
	.wait = st_wait,
};

/* A small xorshift per thread: reproducible, no shared state. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *attacher(void *arg)
{
	uint32_t seed = 0x1234567, i;

	invt_rcu_register_thread();
	for (i = 0; i < ITERS; i++) {
		unsigned int d = rnd(&seed) % NDEV, what = rnd(&seed) % 4;
		struct invt_domain *to = what < 2 ? &S.nd[what] : what == 2 ? &S.parent : NULL;
		int ret = invt_attach(&S.dev[d], 0, to);
		unsigned int pins;

		if (what < 2) {
			/* Refused only without a vdevice; then nothing changed. */
			if (ret && ret != -ENOENT)
				FAIL("nested attach: %d\n", ret);
			if (!ret && invt_vdevice_lookup(S.v, VID(d), NULL, &pins))
				FAIL("device %u on a nested domain without its vdevice\n", d);
			else if (!ret && !pins)
				FAIL("device %u on a nested domain, vdevice not pinned\n", d);
		} else if (ret) {
			FAIL("attach: %d\n", ret);
		}
	}
	for (i = 0; i < NDEV; i++)
		if (invt_attach(&S.dev[i], 0, NULL))
			FAIL("final detach\n");
	invt_rcu_unregister_thread();
	return NULL;
}

static void *destroyer(void *arg)
{
	uint32_t seed = 0x89abcde, i;

	invt_rcu_register_thread();
	for (i = 0; i < ITERS; i++) {
		unsigned int d = rnd(&seed) % NDEV;
		int ret;

		switch (rnd(&seed) % 3) {
		case 0:
			ret = invt_vdevice_destroy(S.v, VID(d));
			if (ret && ret != -EBUSY && ret != -ENOENT)
				FAIL("vdevice destroy: %d\n", ret);
			break;
		case 1:
			ret = invt_viommu_device_removed(S.v, &S.dev[d]);
			if (ret && ret != -EBUSY)
				FAIL("device removed: %d\n", ret);
			break;
		default:
			ret = invt_vdevice_create(S.v, VID(d), &S.dev[d]);
			if (ret && ret != -EEXIST)
				FAIL("vdevice create: %d\n", ret);
		}
	}
	invt_rcu_unregister_thread();
	return NULL;
}

static void *reporter(void *arg)
{
	uint32_t seed = 0x5555aaa, i;
	uint8_t buf[4 * 40];

	invt_rcu_register_thread();
	for (i = 0; i < ITERS; i++) {
		unsigned int d = rnd(&seed) % NDEV;
		uint8_t rec[32] = { 0x10 };
		long got, off;
		int ret;

		rec[4] = (uint8_t)PID(d);
		rec[5] = (uint8_t)(PID(d) >> 8);
		rec[8] = (uint8_t)d;	/* which device, for the check below */
		ret = invt_viommu_report_fault(S.v, PID(d), rec, sizeof(rec));
		if (ret && ret != -ENOENT && ret != -ENODEV)
			FAIL("report: %d\n", ret);
		if (rnd(&seed) % 4)
			continue;
		got = invt_veventq_read(S.v, INVT_VEVENT_SMMUV3, buf, sizeof(buf));
		for (off = 0; off < got;) {
			struct invt_vevent_header h;

			memcpy(&h, buf + off, sizeof(h));
			off += sizeof(h);
			if (h.flags & INVT_VEVENT_FLAG_LOST_EVENTS)
				continue;
			if (buf[off + 4] != (uint8_t)VID(buf[off + 8]) || buf[off + 5])
				FAIL("event of device %u carries %#x\n", buf[off + 8],
				     buf[off + 4]);
			off += 32;
		}
		if (got < 0)
			FAIL("read: %ld\n", got);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

static void *guest(void *arg)
{
	uint32_t seed = 0x3141592, i, k, done;
	uint8_t cmds[8][16];

	invt_rcu_register_thread();
	for (i = 0; i < ITERS; i++) {
		uint32_t n = 1 + rnd(&seed) % 8;
		int ret;

		for (k = 0; k < n; k++) {
			struct invt_smmu_cmd c = { 0 };

			switch (rnd(&seed) % 4) {
			case 0:
				c.opcode = INVT_SMMU_CMD_TLBI_NH_ASID;
				c.vmid = (uint16_t)rnd(&seed);
				c.asid = (uint16_t)rnd(&seed);
				break;
			case 1:
				c.opcode = INVT_SMMU_CMD_ATC_INV;
				c.sid = VID(rnd(&seed) % (NDEV + 1));	/* one never bound */
				c.size = 52;
				break;
			case 2:
				c.opcode = INVT_SMMU_CMD_CFGI_CD_ALL;
				c.sid = VID(rnd(&seed) % NDEV);
				break;
			default:
				c.opcode = INVT_SMMU_CMD_SYNC;
			}
			if (invt_smmu_cmd_encode_le(&c, cmds[k]))
				FAIL("encode\n");
		}
		ret = invt_viommu_invalidate(S.v, cmds, n, &done);
		if (done > n || (!ret && done != n) || (ret && ret != -ENOENT))
			FAIL("invalidate: %d, done %u of %u\n", ret, done, n);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

int main(void)
{
	void *(*fns[4])(void *) = { attacher, destroyer, reporter, guest };
	pthread_t th[4];
	unsigned int i;
	uint32_t sid;

	invt_rcu_register_thread();
	pthread_mutex_init(&S.qlock, NULL);
	invt_ctx_init(&S.ctx);
	/* One tag: the parent's, so any other VMID in a command is wrong. */
	if (invt_tag_space_init(&S.ts, 0x42, 0x42))
		return 1;
	S.iommu.ops = &st_ops;
	S.iommu.tags[0] = &S.ts;
	S.iommu.tags[1] = &S.ts;
	if (invt_iommu_register(&S.ctx, &S.iommu))
		return 1;
	for (i = 0; i < NDEV; i++) {
		sid = PID(i);
		if (invt_device_init(&S.dev[i], &S.iommu, &sid, 1, 1, true))
			return 1;
	}
	if (invt_domain_init(&S.ctx, &S.parent, INVT_DOMAIN_S2, NULL) ||
	    invt_viommu_create(&S.v, INVT_VIOMMU_SMMUV3, &S.iommu, &S.parent) ||
	    invt_viommu_nested_init(S.v, &S.nd[0], 0) ||
	    invt_viommu_nested_init(S.v, &S.nd[1], 0) ||
	    invt_veventq_alloc(S.v, INVT_VEVENT_SMMUV3, 8))
		return 1;
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, fns[i], NULL);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);

	for (i = 0; i < NDEV; i++)
		if (invt_viommu_device_removed(S.v, &S.dev[i]))
			FAIL("removal after detach\n");
	if (invt_viommu_nested_destroy(S.v, &S.nd[0]) ||
	    invt_viommu_nested_destroy(S.v, &S.nd[1]) || invt_viommu_destroy(S.v) ||
	    invt_domain_destroy(&S.parent))
		FAIL("teardown\n");
	for (i = 0; i < NDEV; i++)
		invt_device_destroy(&S.dev[i]);
	invt_iommu_unregister(&S.iommu);
	invt_tag_space_destroy(&S.ts);
	invt_ctx_destroy(&S.ctx);
	invt_rcu_unregister_thread();
	printf("viommu stress: %d threads x %d operations, %llu submissions, %d failure(s)\n", 4,
	       ITERS, (unsigned long long)S.submitted, failures);
	return failures ? 1 : 0;
}
