// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-stats.c - what a scenario measures: the drivers' observers
 * (commands, syncs and waits of each invalidation, its modelled cost, the
 * command trace), latency histograms, and command names for reports.
 */
#include <errno.h>
#include <stdio.h>
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
	s->p->trace(s->p->trace_arg, s->trace_seq++, inst, w, i);
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

/* ---- histograms: bin = 8 * floor(log2 v) + the next three bits ---- */

static unsigned int hist_bin(uint64_t v)
{
	unsigned int e;

	if (v < 8)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	return 8 * (e - 2) + (unsigned int)((v >> (e - 3)) & 7);
}

/* The upper bound of a bin, the value reported for it. */
static uint64_t hist_top(unsigned int bin)
{
	unsigned int e = bin / 8 + 2, m = bin % 8;

	if (bin < 8)
		return bin;
	if (e >= 63)
		return UINT64_MAX;
	return ((UINT64_C(8) + m + 1) << (e - 3)) - 1;
}

void scn_hist_add(struct scn_hist *h, uint64_t v)
{
	h->n[hist_bin(v)]++;
	h->total++;
}

uint64_t scn_hist_pct(const struct scn_hist *h, unsigned int pct)
{
	uint64_t want, seen = 0;
	unsigned int b;

	if (!h->total)
		return 0;
	want = (h->total * pct + 99) / 100;
	for (b = 0; b < SCN_HIST_BINS; b++) {
		seen += h->n[b];
		if (seen >= want)
			return hist_top(b);
	}
	return hist_top(SCN_HIST_BINS - 1);
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
