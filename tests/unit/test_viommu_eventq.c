// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_viommu_eventq.c - a viommu's event queues: delivery with the virtual
 * id, faults that stay with the host, overflow and allocation failure (one
 * lost-events header, sequence gaps), sequence wrap at INT_MAX, reads of
 * whole records only with the record's real size checked.
 *
 * Plain C, no cmocka: the same file also builds alone with -m32
 * (tests/unit/m32-eventq.sh, -DINVT_VEVENT_STANDALONE), where the viommu
 * and its vdevices are made by hand from the layer's internal header and
 * only the event queue and the arch files are linked.  The LESSONS bug
 * (the read size checked against sizeof a pointer) would show there: a
 * pointer is 4 bytes on i386, 8 on x86-64, a header 8, a record 24 to 40.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/fault.h>
#include <invtrack/viommu.h>

#include "../../src/viommu/internal.h"

#ifndef INVT_VEVENT_STANDALONE
#include "record.h"
#endif

static int failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                   \
		}                                                                     \
	} while (0)

#define CHECK_EQ(a, b)                                                                \
	do {                                                                          \
		long long _a = (long long)(a), _b = (long long)(b);                   \
		if (_a != _b) {                                                       \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, \
				__LINE__, #a, _a, _b);                                \
			failures++;                                                   \
		}                                                                     \
	} while (0)

/* Physical ids of the two devices, their virtual ids. */
#define PID0	0x123
#define PID1	0x456
#define VID0	0x7
#define VID1	0x9

struct world {
	struct invt_viommu *v;
#ifdef INVT_VEVENT_STANDALONE
	struct invt_viommu vm;
	struct invt_vdevice vd[2];
#else
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_device dev[2];
	struct invt_domain parent;
	struct invt_domain nd;
#endif
};

#ifdef INVT_VEVENT_STANDALONE
/* What the queue needs of viommu.c, over the hand-made objects. */
struct invt_vdevice *invt_vio_vdev_by_pid(struct invt_viommu *viommu, uint32_t pid)
{
	struct invt_list *pos;

	invt_list_for_each(pos, &viommu->vdevs) {
		struct invt_vdevice *vd = invt_container_of(pos, struct invt_vdevice, node);

		if (vd->pid == pid)
			return vd;
	}
	return NULL;
}

int invt_vio_lookup(const struct invt_vio_xctx *x, uint32_t vid, uint32_t *pid)
{
	return -ENOENT;
}

int invt_vio_vtag_tag(const struct invt_vio_xctx *x, uint32_t vtag, uint32_t *tag)
{
	return -ENOENT;
}

void invt_vio_emit(const struct invt_vio_xctx *x, const void *host)
{
}

static unsigned int fail_nth;

void invt_fault_inject(unsigned int nth)
{
	fail_nth = nth;
}

void *invt_zalloc(size_t size)
{
	if (fail_nth && !--fail_nth)
		return NULL;
	return calloc(1, size);
}

void invt_free(void *p)
{
	free(p);
}

static const struct invt_vio_arch *arch_table(int arch)
{
	return arch == INVT_VIOMMU_SMMUV3 ? &invt_vio_smmuv3 :
	       arch == INVT_VIOMMU_VTD ? &invt_vio_vtd : &invt_vio_riscv;
}

static void world_init(struct world *w, int arch)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->v = &w->vm;
	invt_mutex_init(&w->vm.lock);
	w->vm.arch = arch_table(arch);
	invt_list_init(&w->vm.vdevs);
	for (i = 0; i < 2; i++) {
		w->vd[i].vid = i ? VID1 : VID0;
		w->vd[i].pid = i ? PID1 : PID0;
		invt_list_add_tail(&w->vd[i].node, &w->vm.vdevs);
	}
	w->vd[0].pins = 1;	/* device 0 is on a nested domain, device 1 is not */
}

static void world_fini(struct world *w)
{
	invt_vio_queues_free(&w->vm);
	invt_mutex_destroy(&w->vm.lock);
}
#else
static void world_init(struct world *w, int arch)
{
	static const uint32_t sids[2] = { PID0, PID1 };
	unsigned int i;

	memset(w, 0, sizeof(*w));
	invt_rcu_register_thread();
	invt_ctx_init(&w->ctx);
	invt_recorder_init(&w->rec, false);
	CHECK_EQ(invt_rec_iommu_init(&w->ctx, &w->ri, &w->rec, 0, 0, 8, NULL, 64), 0);
	for (i = 0; i < 2; i++)
		CHECK_EQ(invt_device_init(&w->dev[i], &w->ri.iommu, &sids[i], 1, 2, false), 0);
	CHECK_EQ(invt_domain_init(&w->ctx, &w->parent, INVT_DOMAIN_S2, NULL), 0);
	CHECK_EQ(invt_viommu_create(&w->v, arch, &w->ri.iommu, &w->parent), 0);
	CHECK_EQ(invt_viommu_nested_init(w->v, &w->nd, 0), 0);
	CHECK_EQ(invt_vdevice_create(w->v, VID0, &w->dev[0]), 0);
	CHECK_EQ(invt_vdevice_create(w->v, VID1, &w->dev[1]), 0);
	/* Device 0 is on a nested domain, device 1 on its parent directly. */
	CHECK_EQ(invt_attach(&w->dev[0], 0, &w->nd), 0);
	CHECK_EQ(invt_attach(&w->dev[1], 0, &w->parent), 0);
}

static void world_fini(struct world *w)
{
	unsigned int i;

	CHECK_EQ(invt_attach(&w->dev[0], 0, NULL), 0);
	CHECK_EQ(invt_attach(&w->dev[1], 0, NULL), 0);
	CHECK_EQ(invt_vdevice_destroy(w->v, VID0), 0);
	CHECK_EQ(invt_vdevice_destroy(w->v, VID1), 0);
	CHECK_EQ(invt_viommu_nested_destroy(w->v, &w->nd), 0);
	CHECK_EQ(invt_viommu_destroy(w->v), 0);	/* frees the queues and their events */
	CHECK_EQ(invt_domain_destroy(&w->parent), 0);
	for (i = 0; i < 2; i++)
		CHECK_EQ(invt_device_destroy(&w->dev[i]), 0);
	CHECK_EQ(invt_rec_iommu_destroy(&w->ri), 0);
	CHECK_EQ(invt_ctx_destroy(&w->ctx), 0);
	invt_recorder_destroy(&w->rec);
	invt_rcu_unregister_thread();
}
#endif

static int type_of(int arch)
{
	return arch == INVT_VIOMMU_SMMUV3 ? INVT_VEVENT_SMMUV3 :
	       arch == INVT_VIOMMU_VTD ? INVT_VEVENT_VTD : INVT_VEVENT_RISCV;
}

/*
 * A record of @type for physical id @pid, its other bytes a pattern from
 * @k, with the id where the architecture puts it (SMMUv3 §7.3 bits [63:32],
 * VT-d FRCD bits [79:64], RISC-V §3.2 bits [63:40]).
 */
static void make_record(int type, uint32_t pid, unsigned int k, uint8_t *rec)
{
	size_t i, n = invt_vevent_record_bytes(type);

	for (i = 0; i < n; i++)
		rec[i] = (uint8_t)(k * 31 + i);
	switch (type) {
	case INVT_VEVENT_SMMUV3:
		rec[4] = (uint8_t)pid;
		rec[5] = (uint8_t)(pid >> 8);
		rec[6] = (uint8_t)(pid >> 16);
		rec[7] = (uint8_t)(pid >> 24);
		break;
	case INVT_VEVENT_VTD:
		rec[8] = (uint8_t)pid;
		rec[9] = (uint8_t)(pid >> 8);
		break;
	default:
		rec[5] = (uint8_t)pid;
		rec[6] = (uint8_t)(pid >> 8);
		rec[7] = (uint8_t)(pid >> 16);
	}
}

/* Read one record of @type from @buf: header, and the payload after it. */
static void get_header(const uint8_t *buf, struct invt_vevent_header *h)
{
	memcpy(h, buf, sizeof(*h));
}

static void test_arch(int arch)
{
	const int type = type_of(arch);
	const size_t rb = invt_vevent_record_bytes(type);
	const size_t hb = sizeof(struct invt_vevent_header);
	struct invt_vevent_header h;
	uint8_t rec[64], want[64], buf[512];
	struct world w;
	unsigned int k;
	long got;

	CHECK_EQ(hb, 8);
	CHECK(rb == 32 || rb == 16);
	world_init(&w, arch);

	/* No queue yet: a guest fault is dropped (-ENXIO), bad types refused. */
	make_record(type, PID0, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), -ENXIO);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(buf)), -ENOENT);
	CHECK_EQ(invt_veventq_alloc(w.v, (type + 1) % INVT_VEVENT_NR, 4), -EINVAL);
	CHECK_EQ(invt_veventq_alloc(w.v, type, 0), -EINVAL);
	CHECK_EQ(invt_veventq_alloc(w.v, type, 3), 0);
	CHECK_EQ(invt_veventq_alloc(w.v, type, 3), -EEXIST);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(buf)), 0);

	/* Faults that stay with the host; malformed reports. */
	make_record(type, PID1, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID1, rec, rb), -ENODEV);	/* not nested */
	make_record(type, 0x99, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, 0x99, rec, rb), -ENOENT);	/* no vdevice */
	make_record(type, PID0, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID1, rec, rb), -EINVAL);	/* id mismatch */
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb - 1), -EINVAL);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, sizeof(void *)), -EINVAL);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, NULL, rb), -EINVAL);
	CHECK_EQ(invt_veventq_depth(w.v, type), 0);

	/* Delivery: the physical id becomes the virtual one, nothing else changes. */
	make_record(type, PID0, 1, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	make_record(type, VID0, 1, want);
	/* Short reads: less than header + record copies nothing and keeps it. */
	CHECK_EQ(invt_veventq_read(w.v, type, buf, hb + rb - 1), -EINVAL);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, hb), -EINVAL);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(void *)), -EINVAL);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, 0), -EINVAL);
	CHECK_EQ(invt_veventq_depth(w.v, type), 1);
	memset(buf, 0xa5, sizeof(buf));
	CHECK_EQ(invt_veventq_read(w.v, type, buf, hb + rb + hb), (long)(hb + rb));
	get_header(buf, &h);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.sequence, 0);
	CHECK(!memcmp(buf + hb, want, rb));
	CHECK_EQ(buf[hb + rb], 0xa5);	/* nothing past the record */

	/* Overflow: depth 3, six more events: three queued, one header, two counted. */
	for (k = 2; k < 8; k++) {
		make_record(type, PID0, k, rec);
		CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	}
	CHECK_EQ(invt_veventq_depth(w.v, type), 4);
	/* Room for two records and a half: two come out, whole. */
	got = invt_veventq_read(w.v, type, buf, 2 * (hb + rb) + rb / 2);
	CHECK_EQ(got, (long)(2 * (hb + rb)));
	get_header(buf, &h);
	CHECK_EQ(h.sequence, 1);
	get_header(buf + hb + rb, &h);
	CHECK_EQ(h.sequence, 2);
	make_record(type, VID0, 3, want);
	CHECK(!memcmp(buf + 2 * hb + rb, want, rb));
	/* Reading made room, but the loss is not reported yet: this one is lost too. */
	make_record(type, PID0, 8, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	got = invt_veventq_read(w.v, type, buf, sizeof(buf));
	CHECK_EQ(got, (long)(hb + rb + hb));
	get_header(buf, &h);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.sequence, 3);
	get_header(buf + hb + rb, &h);
	CHECK_EQ(h.flags, INVT_VEVENT_FLAG_LOST_EVENTS);
	CHECK_EQ(h.sequence, 4);	/* the first one lost */
	/* After the header: events again, the gap (4..7) says four were lost. */
	make_record(type, PID0, 9, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(buf)), (long)(hb + rb));
	get_header(buf, &h);
	CHECK_EQ(h.sequence, 8);

	/* A lost-events header alone fits in a header's room. */
	for (k = 0; k < 4; k++) {
		make_record(type, PID0, k, rec);
		CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	}
	CHECK_EQ(invt_veventq_read(w.v, type, buf, 3 * (hb + rb)), (long)(3 * (hb + rb)));
	CHECK_EQ(invt_veventq_read(w.v, type, buf, hb), (long)hb);
	get_header(buf, &h);
	CHECK_EQ(h.flags, INVT_VEVENT_FLAG_LOST_EVENTS);
	CHECK_EQ(h.sequence, 12);

	/* An allocation failure loses the event: one header for it. */
	invt_fault_inject(1);
	make_record(type, PID0, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	invt_fault_inject(0);
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(buf)), (long)hb);
	get_header(buf, &h);
	CHECK_EQ(h.flags, INVT_VEVENT_FLAG_LOST_EVENTS);
	CHECK_EQ(h.sequence, 13);

	/* The sequence wraps from INT_MAX to 0. */
	w.v->queues[type]->sequence = INVT_VEVENT_SEQ_MAX - 1;
	for (k = 0; k < 3; k++) {
		make_record(type, PID0, k, rec);
		CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	}
	CHECK_EQ(invt_veventq_read(w.v, type, buf, sizeof(buf)), (long)(3 * (hb + rb)));
	get_header(buf, &h);
	CHECK_EQ(h.sequence, INT_MAX - 1);
	get_header(buf + hb + rb, &h);
	CHECK_EQ(h.sequence, INT_MAX);
	get_header(buf + 2 * (hb + rb), &h);
	CHECK_EQ(h.sequence, 0);

	/* Freeing a queue with events in it; a second free is -ENOENT. */
	make_record(type, PID0, 0, rec);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);
	CHECK_EQ(invt_veventq_free(w.v, type), 0);
	CHECK_EQ(invt_veventq_free(w.v, type), -ENOENT);
	CHECK_EQ(invt_veventq_depth(w.v, type), -ENOENT);
	/* A queue left with events is freed with the viommu. */
	CHECK_EQ(invt_veventq_alloc(w.v, type, 2), 0);
	CHECK_EQ(invt_viommu_report_fault(w.v, PID0, rec, rb), 0);

#ifndef INVT_VEVENT_STANDALONE
	{
		struct invt_viommu_stats st;

		invt_viommu_get_stats(w.v, &st);
		CHECK_EQ(st.events, 13);
		CHECK_EQ(st.lost_events, 4 + 1 + 1);
		CHECK_EQ(st.host_faults, 2);
	}
#endif
	world_fini(&w);
}

int main(void)
{
	test_arch(INVT_VIOMMU_SMMUV3);
	test_arch(INVT_VIOMMU_VTD);
	test_arch(INVT_VIOMMU_RISCV);
	printf("%s: %d failure(s), pointer size %zu\n", __FILE__, failures, sizeof(void *));
	return failures ? 1 : 0;
}
