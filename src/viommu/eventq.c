// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * eventq.c - a viommu's event queues: faults of devices on its nested
 * domains, with the virtual id, for the guest (see <invtrack/viommu.h>).
 */
#include "internal.h"

/* Payload of each type: the architecture's own record. */
static const size_t record_bytes[INVT_VEVENT_NR] = {
	[INVT_VEVENT_SMMUV3] = 32,	/* IHI0070 §7.3 */
	[INVT_VEVENT_VTD] = 16,		/* VT-d §7.2.1, FRCD_REG layout */
	[INVT_VEVENT_RISCV] = 32,	/* RISC-V IOMMU §3.2 */
};

#define VEVENT_MAX_DEPTH	65536u

size_t invt_vevent_record_bytes(int type)
{
	if (type < 0 || type >= INVT_VEVENT_NR)
		return 0;
	return record_bytes[type];
}

/* The sequence number after @seq: 0..INVT_VEVENT_SEQ_MAX, then 0 again. */
static uint32_t seq_next(uint32_t seq)
{
	return seq >= INVT_VEVENT_SEQ_MAX ? 0 : seq + 1;
}

/* The payload, right after the record in its allocation. */
static uint8_t *ev_data(struct invt_vevent *ev)
{
	return (uint8_t *)(ev + 1);
}

static struct invt_vevent *ev_of(struct invt_list *pos)
{
	return invt_container_of(pos, struct invt_vevent, node);
}

/* Bytes a read returns for @ev: header, and the payload unless lost-events. */
static size_t ev_bytes(const struct invt_veventq *q, const struct invt_vevent *ev)
{
	size_t n = sizeof(struct invt_vevent_header);

	if (!(ev->hdr.flags & INVT_VEVENT_FLAG_LOST_EVENTS))
		n += record_bytes[q->type];
	return n;
}

static void queue_drain(struct invt_veventq *q)
{
	while (!invt_list_empty(&q->events)) {
		struct invt_vevent *ev = ev_of(q->events.next);

		invt_list_del(&ev->node);
		if (ev != &q->lost)
			invt_free(ev);
	}
	q->lost_queued = false;
	q->nr = 0;
}

int invt_veventq_alloc(struct invt_viommu *viommu, int type, uint32_t depth)
{
	struct invt_veventq *q;

	if (type != viommu->arch->event_type || !depth || depth > VEVENT_MAX_DEPTH)
		return -EINVAL;
	q = invt_zalloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	invt_spin_lock_init(&q->lock);
	q->type = type;
	q->depth = depth;
	invt_list_init(&q->events);
	q->lost.hdr.flags = INVT_VEVENT_FLAG_LOST_EVENTS;

	invt_mutex_lock(&viommu->lock);
	if (viommu->queues[type]) {
		invt_mutex_unlock(&viommu->lock);
		invt_spin_lock_destroy(&q->lock);
		invt_free(q);
		return -EEXIST;
	}
	invt_mutex_lock(&viommu->ev_lock);
	viommu->queues[type] = q;
	invt_mutex_unlock(&viommu->ev_lock);
	invt_mutex_unlock(&viommu->lock);
	return 0;
}

static void queue_free(struct invt_veventq *q)
{
	queue_drain(q);
	invt_spin_lock_destroy(&q->lock);
	invt_free(q);
}

void invt_vio_queues_free(struct invt_viommu *viommu)
{
	struct invt_veventq *q;
	int t;

	for (t = 0; t < INVT_VEVENT_NR; t++) {
		/* Unlinked under ev_lock: no fault report still looks at it. */
		invt_mutex_lock(&viommu->ev_lock);
		q = viommu->queues[t];
		viommu->queues[t] = NULL;
		invt_mutex_unlock(&viommu->ev_lock);
		if (q)
			queue_free(q);
	}
}

int invt_veventq_free(struct invt_viommu *viommu, int type)
{
	struct invt_veventq *q;

	if (type < 0 || type >= INVT_VEVENT_NR)
		return -ENOENT;
	invt_mutex_lock(&viommu->lock);
	invt_mutex_lock(&viommu->ev_lock);
	q = viommu->queues[type];
	viommu->queues[type] = NULL;
	invt_mutex_unlock(&viommu->ev_lock);
	invt_mutex_unlock(&viommu->lock);
	if (!q)
		return -ENOENT;
	/* Unlinked under both locks: no reader or reporter reaches it now. */
	queue_free(q);
	return 0;
}

/* The queue of @type, with viommu->lock or ev_lock held for as long as it is used. */
static struct invt_veventq *queue_get(struct invt_viommu *viommu, int type)
{
	if (type < 0 || type >= INVT_VEVENT_NR)
		return NULL;
	return viommu->queues[type];
}

long invt_veventq_read(struct invt_viommu *viommu, int type, void *buf, size_t len)
{
	struct invt_veventq *q;
	uint8_t *out = buf;
	size_t copied = 0;
	long ret;

	invt_mutex_lock(&viommu->lock);
	q = queue_get(viommu, type);
	if (!q) {
		invt_mutex_unlock(&viommu->lock);
		return -ENOENT;
	}
	invt_spin_lock(&q->lock);
	while (!invt_list_empty(&q->events)) {
		struct invt_vevent *ev = ev_of(q->events.next);
		/* The record's real size (header + payload), not a pointer's. */
		size_t bytes = ev_bytes(q, ev);

		if (bytes > len - copied)
			break;
		memcpy(out + copied, &ev->hdr, sizeof(ev->hdr));
		if (bytes > sizeof(ev->hdr))
			memcpy(out + copied + sizeof(ev->hdr), ev_data(ev),
			       bytes - sizeof(ev->hdr));
		copied += bytes;
		invt_list_del(&ev->node);
		if (ev == &q->lost) {
			q->lost_queued = false;
		} else {
			q->nr--;
			invt_free(ev);
		}
	}
	ret = copied ? (long)copied : invt_list_empty(&q->events) ? 0 : -EINVAL;
	invt_spin_unlock(&q->lock);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

long invt_veventq_depth(struct invt_viommu *viommu, int type)
{
	struct invt_veventq *q;
	long n;

	invt_mutex_lock(&viommu->lock);
	q = queue_get(viommu, type);
	if (!q) {
		invt_mutex_unlock(&viommu->lock);
		return -ENOENT;
	}
	invt_spin_lock(&q->lock);
	n = (long)q->nr + q->lost_queued;
	invt_spin_unlock(&q->lock);
	invt_mutex_unlock(&viommu->lock);
	return n;
}

/*
 * Queue @rec (@len bytes, its id already virtual) on the viommu's queue;
 * viommu->lock or viommu->ev_lock held.  Return: 0 (queued or counted lost), -ENXIO (no queue).
 */
int invt_vio_queue(struct invt_viommu *viommu, const void *rec, size_t len)
{
	struct invt_veventq *q = queue_get(viommu, viommu->arch->event_type);
	struct invt_vevent *ev;

	if (!q)
		return -ENXIO;
	/* Before the queue's lock (a spinlock in a kernel): the allocation may sleep. */
	ev = invt_zalloc(sizeof(*ev) + len);
	invt_spin_lock(&q->lock);
	/*
	 * Once events are lost, later ones are too until the guest read the
	 * lost-events header: the guest sees one gap, then events in order.
	 */
	if (ev && !q->lost_queued && q->nr < q->depth) {
		ev->hdr.flags = 0;
		ev->hdr.sequence = q->sequence;
		memcpy(ev_data(ev), rec, len);
		invt_vio_stat(&viommu->stats.events, 1);
		invt_list_add_tail(&ev->node, &q->events);
		q->nr++;
		ev = NULL;
	} else {
		invt_vio_stat(&viommu->stats.lost_events, 1);
		if (!q->lost_queued) {
			/* A single header, embedded: reporting a loss allocates nothing. */
			q->lost.hdr.sequence = q->sequence;
			invt_list_add_tail(&q->lost.node, &q->events);
			q->lost_queued = true;
		}
	}
	q->sequence = seq_next(q->sequence);
	invt_spin_unlock(&q->lock);
	invt_free(ev);	/* not queued (NULL when it was) */
	return 0;
}

int invt_viommu_report_fault(struct invt_viommu *viommu, uint32_t pid, const void *record,
			     size_t len)
{
	const struct invt_vio_arch *a = viommu->arch;
	uint8_t rec[64];
	struct invt_vdevice *vd;
	int ret;

	if (!record || len != record_bytes[a->event_type] || len > sizeof(rec) ||
	    a->event_id(record) != pid)
		return -EINVAL;
	/*
	 * ev_lock, not lock: the vdevices, their pins and the queues change
	 * only with both held, and lock may be held across a guest
	 * invalidation's waits on the hardware, which a fault must not sit
	 * behind (the VMM's fault path runs beside the device's accesses).
	 */
	invt_mutex_lock(&viommu->ev_lock);
	vd = invt_vio_vdev_by_pid(viommu, pid);
	if (!vd) {
		ret = -ENOENT;
	} else if (!vd->pins) {
		/* Not on a nested domain of this VM: a host fault (stage 2 or host S1). */
		ret = -ENODEV;
	} else {
		memcpy(rec, record, len);
		a->event_set_id(rec, vd->vid);
		ret = invt_vio_queue(viommu, rec, len);
	}
	invt_mutex_unlock(&viommu->ev_lock);
	if (ret == -ENOENT || ret == -ENODEV)
		invt_vio_stat(&viommu->stats.host_faults, 1);
	return ret;
}
