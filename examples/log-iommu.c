// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * log-iommu.c - the examples' toy arch driver (see log-iommu.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log-iommu.h"

static struct log_iommu *to_log(struct invt_iommu *iommu)
{
	return invt_container_of(iommu, struct log_iommu, iommu);
}

/*
 * ops->build: the commands that invalidate @r for entry @inv.  The range
 * policy is the arch's: a real driver picks page-by-page, range or whole-tag
 * commands here (see invt_smmu_inv_emit() for SMMUv3's).  Runs on the
 * invalidation fast path: no allocation, no sleeping.
 */
static void log_build(struct invt_batch *b, const struct invt_inv *inv,
		      const struct invt_range *r)
{
	struct log_cmd *c = invt_batch_reserve(b, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->id = inv->id;
	c->ssid = inv->ssid;
	c->leaf = r->leaf;
	c->start = r->start;
	c->last = r->last;
	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
	case INVT_INV_IOTLB_S2:
		c->op = r->all ? LOG_INV_TAG : LOG_INV_RANGE;
		break;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		c->op = LOG_S1_CLEAR;
		break;
	case INVT_INV_ATC:
		c->op = r->all ? LOG_ATC_ALL : LOG_ATC_RANGE;
		break;
	default:	/* INVT_INV_ATC_FULL: guest PASIDs are unknown */
		c->op = LOG_ATC_ALL;
		break;
	}
	if (c->op == LOG_INV_TAG || c->op == LOG_S1_CLEAR || c->op == LOG_ATC_ALL)
		c->start = c->last = 0;
	if (c->op == LOG_ATC_ALL)
		c->ssid = 0;
}

/* ops->build_sync: a completion command (CMD_SYNC, wait descriptor, IOFENCE.C). */
static void log_build_sync(struct invt_batch *b)
{
	struct log_cmd *c = invt_batch_reserve(b, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->op = LOG_SYNC;
}

/*
 * ops->submit: copy the batch into the queue and ring the doorbell; name the
 * last completion command written.  A real queue may be full: wait for room
 * (never sleep on a lock here), or return -EBUSY / -EIO for what did not go.
 */
static int log_submit(struct invt_batch *b, uint64_t *token)
{
	struct log_iommu *li = to_log(b->iommu);
	const struct log_cmd *c = (const struct log_cmd *)b->buf;
	size_t i, n = b->used / sizeof(*c);

	for (i = 0; i < n; i++) {
		if (li->nlog == LOG_MAX)
			return -EBUSY;
		li->log[li->nlog] = c[i];
		if (c[i].op == LOG_SYNC) {
			li->log[li->nlog].start = ++li->next_sync;
			*token = li->next_sync;
		}
		li->nlog++;
	}
	li->submits++;
	return 0;
}

/*
 * ops->wait: return once completion @token is done, and with it everything
 * queued before it.  The log "executes" at once; a real driver polls the
 * queue's consumer index or a completion word, with a timeout (-ETIMEDOUT).
 */
static int log_wait(struct invt_iommu *iommu, uint64_t token)
{
	struct log_iommu *li = to_log(iommu);

	li->waits++;
	return token <= li->next_sync ? 0 : -EINVAL;
}

static const struct invt_iommu_ops log_ops = {
	.build = log_build,
	.build_sync = log_build_sync,
	.submit = log_submit,
	.wait = log_wait,
};

int log_iommu_init(struct log_iommu *li, struct invt_ctx *ctx, uint32_t id)
{
	int ret;

	memset(li, 0, sizeof(*li));
	ret = invt_tag_space_init(&li->tags, 1, 255);
	if (ret)
		return ret;
	li->iommu.id = id;
	li->iommu.ops = &log_ops;
	/* A completion orders what follows it (SMMUv3 CMD_SYNC): one wait per flush. */
	li->iommu.flags = INVT_IOMMU_SYNC_ORDERS;
	li->iommu.tags[0] = &li->tags;
	li->iommu.tags[1] = &li->tags;
	ret = invt_iommu_register(ctx, &li->iommu);
	if (ret)
		invt_tag_space_destroy(&li->tags);
	return ret;
}

int log_iommu_destroy(struct log_iommu *li)
{
	int ret = invt_iommu_unregister(&li->iommu);

	if (!ret)
		invt_tag_space_destroy(&li->tags);
	return ret;
}

static const char *const op_names[] = {
	[LOG_INV_RANGE] = "INV_RANGE", [LOG_INV_TAG] = "INV_TAG", [LOG_S1_CLEAR] = "S1_CLEAR",
	[LOG_ATC_RANGE] = "ATC_RANGE", [LOG_ATC_ALL] = "ATC_ALL", [LOG_SYNC] = "SYNC",
};

static void print_cmd(const char *pfx, const struct log_cmd *c)
{
	printf("%s%-9s", pfx, c->op < sizeof(op_names) / sizeof(op_names[0]) && op_names[c->op] ?
	       op_names[c->op] : "?");
	if (c->op != LOG_SYNC)
		printf(" id %#" PRIx32, c->id);
	if (c->op == LOG_ATC_RANGE)
		printf(" pasid %" PRIu32, c->ssid);
	if (c->op == LOG_INV_RANGE || c->op == LOG_ATC_RANGE)
		printf(" [%#" PRIx64 ", %#" PRIx64 "]%s", c->start, c->last,
		       c->leaf ? " leaf" : "");
	printf("\n");
}

bool log_expect(struct log_iommu *li, const char *what, const struct log_cmd *want,
		unsigned int n)
{
	bool ok = li->nlog == n;
	unsigned int i;

	printf("%s:\n", what);
	for (i = 0; i < li->nlog; i++)
		print_cmd("  ", &li->log[i]);
	for (i = 0; ok && i < n; i++) {
		const struct log_cmd *g = &li->log[i], *w = &want[i];

		ok = g->op == w->op && (w->op == LOG_SYNC ||
		     (g->id == w->id && g->ssid == w->ssid && g->leaf == w->leaf &&
		      g->start == w->start && g->last == w->last));
	}
	if (!ok) {
		printf("FAIL: %s: expected\n", what);
		for (i = 0; i < n; i++)
			print_cmd("  ", &want[i]);
	}
	li->nlog = 0;
	return ok;
}
