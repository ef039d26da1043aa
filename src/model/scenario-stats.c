// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-stats.c - what a scenario measures: the drivers' observers
 * (commands, syncs and waits of each invalidation, its modelled cost, the
 * command trace), latency histograms, and command names for reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario-internal.h"

/* The invalidation running on this thread, if any (see scn_acct_begin()). */
static __thread struct scn_acct acct;

void scn_acct_begin(void)
{
	memset(&acct, 0, sizeof(acct));
	acct.on = true;
}

struct scn_acct *scn_acct_end(void)
{
	acct.on = false;
	return &acct;
}

void scn_on_submitted(struct scn *s, uint32_t inst, const void *cmds, uint32_t n,
		      unsigned int cmd_bytes)
{
	const uint8_t *c = cmds;
	uint32_t i;

	if (!acct.on || inst >= INVT_SCN_MAX_INSTANCES)
		return;
	acct.cmds += n;
	for (i = 0; i < n; i++, c += cmd_bytes) {
		unsigned int op = s->arch->op_index(c);

		acct.syncs += op == s->sync_op;
		acct.modelled[inst] += s->cost[inst][op];
	}
}

void scn_on_waited(struct scn *s)
{
	if (acct.on)
		acct.waits++;
}

static uint64_t le_word(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Under the producer lock of the instance's queue: writing order is global here. */
void scn_on_written(struct scn *s, uint32_t inst, const void *slot, unsigned int cmd_bytes)
{
	uint64_t w[4] = { 0 };
	unsigned int i;

	/* Relaxed: switched off before teardown, by the thread that tears down. */
	if (!s->p->trace || !__atomic_load_n(&s->tracing, __ATOMIC_RELAXED))
		return;
	for (i = 0; i < cmd_bytes / 8 && i < 4; i++)
		w[i] = le_word((const uint8_t *)slot + 8 * i);
	pthread_mutex_lock(&s->trace_lock);
	/* Stamped under the lock: the clock grows in the trace's order. */
	s->p->trace(s->p->trace_arg, s->trace_seq++, invt_oracle_stamp(s->oracle), inst, w, i);
	pthread_mutex_unlock(&s->trace_lock);
}

static void scn_hook_submitted(void *arg, struct invt_iommu *iommu, const void *cmds, uint32_t n,
			       unsigned int cmd_bytes)
{
	scn_on_submitted(arg, iommu->id, cmds, n, cmd_bytes);
}

static void scn_hook_waited(void *arg, struct invt_iommu *iommu)
{
	scn_on_waited(arg);
}

static void scn_hook_written(void *arg, struct invt_iommu *iommu, uint64_t index, const void *slot,
			     unsigned int cmd_bytes)
{
	scn_on_written(arg, iommu->id, slot, cmd_bytes);
}

void scn_hooks_init(struct scn *s)
{
	s->hooks = (struct invt_drv_hooks){
		.submitted = scn_hook_submitted,
		.waited = scn_hook_waited,
		.written = s->p->trace ? scn_hook_written : NULL,
		.arg = s,
	};
}

/* ---- latency samples ---- */

void scn_hist_add(struct scn_hist *h, uint64_t v)
{
	uint64_t *nv;
	size_t cap;

	h->total++;
	h->sum += v;
	if (h->nv == h->cap && h->cap < SCN_SAMPLES_MAX) {
		cap = h->cap ? 2 * h->cap : 1024;
		nv = realloc(h->v, cap * sizeof(*nv));
		/* Out of memory: keep sampling within what there is. */
		if (nv) {
			h->v = nv;
			h->cap = cap;
		}
	}
	if (h->nv < h->cap) {
		h->v[h->nv++] = v;
	} else if (h->nv) {
		/* Reservoir: the value replaces a kept one with probability nv/total. */
		uint64_t j = scn_rand(&h->rng) % h->total;

		if (j < h->nv)
			h->v[j] = v;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void scn_hist_finish(struct scn_hist *h)
{
	if (h->nv)
		qsort(h->v, h->nv, sizeof(*h->v), cmp_u64);
}

uint64_t scn_hist_pct(const struct scn_hist *h, unsigned int pct)
{
	size_t rank;

	if (!h->nv)
		return 0;
	rank = (h->nv * pct + 99) / 100;
	return h->v[rank ? rank - 1 : 0];
}

uint64_t scn_hist_mean(const struct scn_hist *h)
{
	return h->total ? (h->sum + h->total / 2) / h->total : 0;
}

void scn_hist_free(struct scn_hist *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* ---- names, by architecture ---- */

const char *invt_scn_op_name(const char *arch, unsigned int op)
{
	const struct scn_arch *a = scn_arch_find(arch);

	return a && op < 256 ? a->op_name(op) : NULL;
}

int invt_scn_describe(const char *arch, const uint64_t *w, unsigned int nwords, char *buf,
		      size_t len)
{
	const struct scn_arch *a = scn_arch_find(arch);

	if (!a) {
		snprintf(buf, len, "ILLEGAL unknown-arch");
		return -EINVAL;
	}
	return a->describe(w, nwords, buf, len);
}

int invt_scn_cost_defaults(const char *arch, uint32_t cost[256])
{
	const struct scn_arch *a = scn_arch_find(arch);

	if (!a)
		return -EINVAL;
	a->cost_defaults(cost);
	return 0;
}

bool invt_scn_arch_ok(const char *arch)
{
	return scn_arch_find(arch) != NULL;
}
