// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * record.c - the recording arch backend (see record.h).
 */
#include "record.h"

#include "compat-user.h"

#define PAGE_SHIFT 12

static struct invt_rec_iommu *to_rec(struct invt_iommu *iommu)
{
	return invt_container_of(iommu, struct invt_rec_iommu, iommu);
}

/* Pages touched by [start, last]; never overflows (at most 2^52). */
static uint64_t range_pages(const struct invt_range *r)
{
	return (r->last >> PAGE_SHIFT) - (r->start >> PAGE_SHIFT) + 1;
}

static bool type_is_iotlb(uint8_t type)
{
	return type == INVT_INV_IOTLB_S1 || type == INVT_INV_IOTLB_S2;
}

uint64_t invt_rec_policy_cmds(uint8_t type, const struct invt_range *r, uint32_t threshold)
{
	if (!type_is_iotlb(type) || r->all)
		return 1;
	return range_pages(r) >= threshold ? 1 : range_pages(r);
}

static void emit(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r,
		 uint8_t op, uint64_t addr, uint64_t last)
{
	struct invt_rec_cmd *c = invt_batch_reserve(b, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->type = inv->type;
	c->leaf = !r->all && r->leaf;
	c->id = inv->id;
	c->ssid = inv->ssid;
	c->addr = addr;
	c->last = last;
}

static void rec_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	struct invt_rec_iommu *ri = to_rec(b->iommu);
	uint64_t page, pages;

	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
	case INVT_INV_IOTLB_S2:
		pages = r->all ? 0 : range_pages(r);
		if (r->all || pages >= ri->threshold) {
			emit(b, inv, r, INVT_REC_INV_TAG, 0, UINT64_MAX);
			return;
		}
		/* Counted loop: no overflow when the range ends at 2^64 - 1. */
		page = r->start >> PAGE_SHIFT;
		for (; pages; pages--, page++)
			emit(b, inv, r, INVT_REC_INV_PAGE, page << PAGE_SHIFT,
			     (page << PAGE_SHIFT) | ((1u << PAGE_SHIFT) - 1));
		return;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		emit(b, inv, r, INVT_REC_S1_CLEAR, 0, UINT64_MAX);
		return;
	case INVT_INV_ATC:
		if (!r->all) {
			emit(b, inv, r, INVT_REC_ATC, r->start, r->last);
			return;
		}
		emit(b, inv, r, INVT_REC_ATC_ALL, 0, UINT64_MAX);
		return;
	default:
		emit(b, inv, r, INVT_REC_ATC_ALL, 0, UINT64_MAX);
		return;
	}
}

static void rec_build_sync(struct invt_batch *b)
{
	struct invt_rec_cmd *c = invt_batch_reserve(b, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->op = INVT_REC_SYNC;
}

static void rec_log(struct invt_recorder *rec, int kind, uint32_t iommu,
		    const struct invt_rec_cmd *cmd, uint64_t token)
{
	struct invt_rec_event *ev;

	if (!rec->logging)
		return;
	if (rec->nlog == rec->cap) {
		size_t cap = rec->cap ? 2 * rec->cap : 256;
#ifdef __KERNEL__
		/* Under rec->lock, a spinlock, on the invalidation path: no sleeping. */
		struct invt_rec_event *n = krealloc(rec->log, cap * sizeof(*n), GFP_ATOMIC);

		if (WARN_ON_ONCE(!n))
			return; /* the event is lost: the test comparing the log fails */
#else
		struct invt_rec_event *n = realloc(rec->log, cap * sizeof(*n));

		if (!n)
			abort(); /* test infrastructure only: out of memory is fatal */
#endif
		rec->log = n;
		rec->cap = cap;
	}
	ev = &rec->log[rec->nlog++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->iommu = iommu;
	if (cmd)
		ev->cmd = *cmd;
	ev->token = token;
}

static int rec_submit(struct invt_batch *b, uint64_t *tokenp)
{
	struct invt_rec_iommu *ri = to_rec(b->iommu);
	struct invt_recorder *rec = ri->rec;
	uint64_t token = *tokenp;
	uint32_t off;

	invt_spin_lock(&rec->lock);
	for (off = 0; off < b->used; off += sizeof(struct invt_rec_cmd)) {
		const struct invt_rec_cmd *c = (const void *)(b->buf + off);

		if (c->op == INVT_REC_SYNC) {
			token = ++ri->next_sync;
			__atomic_fetch_add(&ri->syncs, 1, __ATOMIC_RELAXED);
		}
		__atomic_fetch_add(&ri->cmds, 1, __ATOMIC_RELAXED);
		rec_log(rec, INVT_REC_EV_CMD, ri->iommu.id, c, 0);
		if (rec->on_cmd)
			rec->on_cmd(rec->arg, ri, c);
	}
	rec_log(rec, INVT_REC_EV_SUBMIT, ri->iommu.id, NULL, token);
	invt_spin_unlock(&rec->lock);
	*tokenp = token;
	/* Relaxed: set by the test between operations. */
	return __atomic_load_n(&ri->submit_err, __ATOMIC_RELAXED);
}

static int rec_wait(struct invt_iommu *iommu, uint64_t token)
{
	struct invt_rec_iommu *ri = to_rec(iommu);

	__atomic_fetch_add(&ri->waits, 1, __ATOMIC_RELAXED);
	if (ri->rec->logging) {
		invt_spin_lock(&ri->rec->lock);
		rec_log(ri->rec, INVT_REC_EV_WAIT, iommu->id, NULL, token);
		invt_spin_unlock(&ri->rec->lock);
	}
	/* Set by the test between operations; one thread waits then. */
	if (ri->fail_waits) {
		ri->fail_waits--;
		__atomic_fetch_add(&ri->errors, 1, __ATOMIC_RELAXED);
		return -EIO;
	}
	/* Relaxed: set by the test between operations. */
	return __atomic_load_n(&ri->wait_err, __ATOMIC_RELAXED);
}

static uint64_t rec_errors(struct invt_iommu *iommu)
{
	return __atomic_load_n(&to_rec(iommu)->errors, __ATOMIC_RELAXED);
}

static const struct invt_iommu_ops rec_ops = {
	.build = rec_build,
	.build_sync = rec_build_sync,
	.submit = rec_submit,
	.wait = rec_wait,
	.errors = rec_errors,
};

void invt_recorder_init(struct invt_recorder *rec, bool logging)
{
	memset(rec, 0, sizeof(*rec));
	invt_spin_lock_init(&rec->lock);
	rec->logging = logging;
}

void invt_recorder_reset(struct invt_recorder *rec)
{
	invt_spin_lock(&rec->lock);
	rec->nlog = 0;
	invt_spin_unlock(&rec->lock);
}

void invt_recorder_destroy(struct invt_recorder *rec)
{
#ifdef __KERNEL__
	kfree(rec->log);
#else
	free(rec->log);
#endif
	rec->log = NULL;
	invt_spin_lock_destroy(&rec->lock);
}

int invt_rec_iommu_init(struct invt_ctx *ctx, struct invt_rec_iommu *ri, struct invt_recorder *rec,
			uint32_t id, unsigned int flags, uint32_t threshold,
			struct invt_tag_space *const *tags, uint32_t ntags)
{
	int ret;

	memset(ri, 0, sizeof(*ri));
	ri->rec = rec;
	ri->threshold = threshold ? threshold : 1;
	ri->iommu.id = id;
	ri->iommu.ops = &rec_ops;
	ri->iommu.flags = flags;
	if (tags) {
		ri->iommu.tags[0] = tags[0];
		ri->iommu.tags[1] = tags[1];
	} else {
		ret = invt_tag_space_init(&ri->tags, 1, ntags ? ntags : 1);
		if (ret)
			return ret;
		ri->iommu.tags[0] = &ri->tags;
		ri->iommu.tags[1] = &ri->tags;
	}
	ret = invt_iommu_register(ctx, &ri->iommu);
	if (ret && !tags)
		invt_tag_space_destroy(&ri->tags);
	return ret;
}

int invt_rec_iommu_destroy(struct invt_rec_iommu *ri)
{
	int ret = invt_iommu_unregister(&ri->iommu);

	if (ret)
		return ret;
	if (ri->iommu.tags[0] == &ri->tags)
		invt_tag_space_destroy(&ri->tags);
	return 0;
}
