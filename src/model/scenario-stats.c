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

	if (s->p->vms)
		scn_vm_check_submitted(s, inst, cmds, n, cmd_bytes);
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

/* ---- flight recorder ---- */

void scn_flight(struct scn *s, const char *what, uint32_t inst, uint32_t sid, uint32_t ssid,
		uint32_t domain, uint64_t iova, uint64_t last, uint64_t pa)
{
	struct invt_scn_event *e;

	if (!s->flight || !s->oracle)
		return;
	e = &s->flight[s->nr_flight++ % SCN_FLIGHT];
	*e = (struct invt_scn_event){ .t = invt_oracle_stamp(s->oracle), .what = what,
				      .instance = inst, .sid = sid, .ssid = ssid,
				      .domain = domain, .iova = iova, .last = last, .pa = pa };
}

/* Whether @e touched what @v is about. */
static bool flight_match(const struct invt_scn_event *e, const struct invt_violation *v)
{
	if (!strncmp(e->what, "attach", 6) || !strcmp(e->what, "config done"))
		return e->instance == v->instance && e->sid == v->sid && e->ssid == v->ssid;
	if (v->pa && !strcmp(e->what, "map") && v->pa >= e->pa &&
	    v->pa - e->pa <= e->last - e->iova)
		return true;
	return (e->domain == v->domain || e->domain == v->expected_domain) &&
	       (v->iova & ~UINT64_C(0xfff)) >= e->iova && (v->iova & ~UINT64_C(0xfff)) <= e->last;
}

/* The oracle found something new since the last collection (@total violations). */
static __attribute__((noinline)) void flight_collect_new(struct scn *s, uint64_t total)
{
	struct invt_violation reports[INVT_SCN_MAX_REPORTS];
	struct invt_scn_result *res = s->res;
	uint64_t n = s->nr_flight, first = n > SCN_FLIGHT ? n - SCN_FLIGHT : 0, k;
	unsigned int i, m, j, nr;

	s->flight_seen = total;
	nr = (unsigned int)invt_oracle_reports(s->oracle, reports, INVT_SCN_MAX_REPORTS);
	for (i = s->flight_done; i < nr; i++) {
		const struct invt_violation *v = &reports[i];
		struct invt_scn_event *out = res->flight[i];

		/* Newest first, up to the report's use, then put in order. */
		for (m = 0, k = n; k > first && m < INVT_SCN_FLIGHT_SHOWN; k--) {
			const struct invt_scn_event *e = &s->flight[(k - 1) % SCN_FLIGHT];

			if (e->t < v->use_stamp && flight_match(e, v))
				out[m++] = *e;
		}
		if (first && s->flight[first % SCN_FLIGHT].t > v->use_stamp)
			res->flight_lost = true;
		for (j = 0; j < m / 2; j++) {
			struct invt_scn_event tmp = out[j];

			out[j] = out[m - 1 - j];
			out[m - 1 - j] = tmp;
		}
		res->nr_flight[i] = m;
	}
	s->flight_done = nr;
}

void scn_flight_collect(struct scn *s)
{
	uint64_t total;

	if (!s->flight)
		return;
	/*
	 * Only when the oracle found something new: a report's events are
	 * taken once.  Called after every inline operation: the lockless
	 * count, and the reports' copy (a large frame) only past it.
	 */
	total = invt_oracle_total(s->oracle);
	if (total != s->flight_seen)
		flight_collect_new(s, total);
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
