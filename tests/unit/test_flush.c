// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_flush.c - flush plans of the engine, read back from the recording
 * backend's log.
 *
 * Each table topology (instances with and without INVT_IOMMU_SYNC_ORDERS,
 * stage-1, stage-2 and nest-parent domains, devices with and without ATS,
 * several SIDs and ssids) is invalidated over a list of ranges, leaf and
 * non-leaf.  For every plan the test computes on its own, from the
 * topology and its own model of tag allocation (lowest free first):
 *  - the array the domain must hold (compared with invt_domain_invs_get());
 *  - every command each instance must receive, per phase: per live IOTLB
 *    entry one command per 4 KiB page below the threshold and one whole-tag
 *    command from it up, one stage-1 clear per nest-parent entry, one
 *    command per ATC / ATC_FULL entry;
 * and checks the log: exact commands per phase, phase order per instance,
 * one completion per non-empty phase, submissions before waits across
 * instances, RISC-V-like instances waiting between phases, SMMUv3-like
 * instances submitting everything at once and waiting once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <invtrack/core.h>
#include <invtrack/fault.h>

#include "flush_cases.h"
#include "record.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CMDS_PER_BATCH (INVT_BATCH_BYTES / sizeof(struct invt_rec_cmd))

#define MAXI 20		/* instances in the widest test */
#define NTAGS 16
#define NSPACE (MAXI + 2)	/* own spaces by instance, then shared S1, S2 */
#define MAXE 128	/* entries of one array */
#define MAXPC 512	/* commands of one phase of one instance */
#define MAXSEG 8	/* completions of one instance in one plan */
#define NPHASES 3
#define TIME_BOUND 100	/* a hang cap only: seconds, sanitizers and a loaded machine included */

/* ------------------------------------------------------------- topology */

/* ---------------------------------------------------------------- world */

static struct world {
	int ninst;
	bool shared;
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[MAXI];
	unsigned int flags[MAXI];
	uint32_t thr[MAXI];
	struct invt_tag_space gts[2];
	int ndom;
	struct tdom tdom[MAXD];
	struct invt_domain dom[MAXD];
	int ndev;
	struct tdev tdev[MAXDEV];
	struct invt_device dev[MAXDEV];
	int natt;
	struct tatt att[MAXATT];
	bool active[MAXATT];
	/* The test's own model of tag allocation. */
	bool tag_used[NSPACE][NTAGS + 1];
	uint32_t btag[MAXD][NSPACE];
	unsigned int busers[MAXD][NSPACE];
} w;

/* Instance ids deliberately not in registration order. */
static uint32_t inst_id(int i)
{
	return 200 - 7 * (uint32_t)i;
}

static uint32_t dev_sid(int d, int k)
{
	return 0x1000 + 0x10 * (uint32_t)d + (uint32_t)k;
}

static int inst_of_id(uint32_t id)
{
	int i;

	for (i = 0; i < w.ninst; i++)
		if (inst_id(i) == id)
			return i;
	fail_msg("log names unknown instance id %u", id);
	return -1;
}

static void world_init(int ninst, const unsigned int *flags, const uint32_t *thr, bool shared)
{
	struct invt_tag_space *sp[2] = { &w.gts[0], &w.gts[1] };
	int i;

	alarm(TIME_BOUND);
	memset(&w, 0, sizeof(w));
	w.ninst = ninst;
	w.shared = shared;
	invt_ctx_init(&w.ctx);
	invt_recorder_init(&w.rec, true);
	if (shared) {
		assert_int_equal(invt_tag_space_init(&w.gts[0], 1, NTAGS), 0);
		assert_int_equal(invt_tag_space_init(&w.gts[1], 1, NTAGS), 0);
	}
	for (i = 0; i < ninst; i++) {
		w.flags[i] = flags[i];
		w.thr[i] = thr[i];
		assert_int_equal(invt_rec_iommu_init(&w.ctx, &w.ri[i], &w.rec, inst_id(i), flags[i],
						     thr[i], shared ? sp : NULL, NTAGS),
				 0);
	}
}

static int world_domain(enum invt_domain_type type, int parent)
{
	int d = w.ndom++;

	assert_true(d < MAXD);
	w.tdom[d].type = type;
	w.tdom[d].parent = parent;
	assert_int_equal(invt_domain_init(&w.ctx, &w.dom[d], type,
					  type == INVT_DOMAIN_NESTED ? &w.dom[parent] : NULL),
			 0);
	return d;
}

static int world_device(const struct tdev *td)
{
	uint32_t sids[INVT_MAX_SIDS];
	int d = w.ndev++, k;

	assert_true(d < MAXDEV);
	assert_true(td->nsids >= 1 && td->nsids <= INVT_MAX_SIDS);
	w.tdev[d] = *td;
	for (k = 0; k < td->nsids; k++)
		sids[k] = dev_sid(d, k);
	assert_int_equal(invt_device_init(&w.dev[d], &w.ri[td->inst].iommu, sids, td->nsids,
					  td->nssids, td->ats),
			 0);
	return d;
}

static int owner_of(int dom)
{
	return w.tdom[dom].type == INVT_DOMAIN_NESTED ? w.tdom[dom].parent : dom;
}

static int space_of(int inst, int dom)
{
	int stage = w.tdom[dom].type == INVT_DOMAIN_S1 ? 0 : 1;

	return w.shared ? MAXI + stage : inst;
}

static void model_get(int inst, int dom)
{
	int o = owner_of(dom), s = space_of(inst, dom);
	uint32_t t;

	if (w.busers[o][s]++)
		return;
	for (t = 1; t <= NTAGS; t++) {
		if (!w.tag_used[s][t]) {
			w.tag_used[s][t] = true;
			w.btag[o][s] = t;
			return;
		}
	}
	fail_msg("test model out of tags");
}

static void model_put(int inst, int dom)
{
	int o = owner_of(dom), s = space_of(inst, dom);

	assert_true(w.busers[o][s] > 0);
	if (--w.busers[o][s])
		return;
	w.tag_used[s][w.btag[o][s]] = false;
	w.btag[o][s] = 0;
}

static int world_attach(int dev, int ssid, int dom)
{
	int a = w.natt++;

	assert_true(a < MAXATT);
	assert_int_equal(invt_attach(&w.dev[dev], ssid, &w.dom[dom]), 0);
	assert_ptr_equal(invt_device_domain(&w.dev[dev], ssid), &w.dom[dom]);
	w.att[a].dev = dev;
	w.att[a].ssid = ssid;
	w.att[a].dom = dom;
	w.active[a] = true;
	model_get(w.tdev[dev].inst, dom);
	return a;
}

static void world_detach(int a)
{
	const struct tatt *at = &w.att[a];

	assert_true(w.active[a]);
	assert_int_equal(invt_attach(&w.dev[at->dev], at->ssid, NULL), 0);
	assert_null(invt_device_domain(&w.dev[at->dev], at->ssid));
	w.active[a] = false;
	model_put(w.tdev[at->dev].inst, at->dom);
}

static void world_teardown(void)
{
	int i;

	for (i = 0; i < w.natt; i++)
		if (w.active[i])
			world_detach(i);
	for (i = 0; i < w.ndev; i++)
		assert_int_equal(invt_device_destroy(&w.dev[i]), 0);
	/* Children were created after their parents. */
	for (i = w.ndom - 1; i >= 0; i--)
		assert_int_equal(invt_domain_destroy(&w.dom[i]), 0);
	for (i = 0; i < w.ninst; i++) {
		if (!w.shared)
			assert_int_equal(invt_tag_space_used(&w.ri[i].tags), 0);
		assert_int_equal(invt_rec_iommu_destroy(&w.ri[i]), 0);
	}
	if (w.shared) {
		assert_int_equal(invt_tag_space_used(&w.gts[0]), 0);
		assert_int_equal(invt_tag_space_used(&w.gts[1]), 0);
		invt_tag_space_destroy(&w.gts[0]);
		invt_tag_space_destroy(&w.gts[1]);
	}
	assert_int_equal(invt_ctx_destroy(&w.ctx), 0);
	invt_recorder_destroy(&w.rec);
	alarm(0);
}

static void world_from_topo(const struct topo *t)
{
	int i;

	world_init(t->ninst, t->flags, t->thr, t->shared_tags);
	for (i = 0; i < t->ndom; i++)
		assert_int_equal(world_domain(t->dom[i].type, t->dom[i].parent), i);
	for (i = 0; i < t->ndev; i++)
		assert_int_equal(world_device(&t->dev[i]), i);
	for (i = 0; i < t->natt; i++)
		world_attach(t->att[i].dev, t->att[i].ssid, t->att[i].dom);
}

/* ------------------------------------------------------ expected arrays */

struct xent {
	int inst;
	uint8_t type;
	uint32_t id;
	uint32_t ssid;
	int users;
};

static void xent_add(struct xent *x, int *n, int inst, uint8_t type, uint32_t id, uint32_t ssid)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (x[i].inst == inst && x[i].type == type && x[i].id == id &&
		    x[i].ssid == ssid) {
			x[i].users++;
			return;
		}
	}
	assert_true(*n < MAXE);
	x[*n].inst = inst;
	x[*n].type = type;
	x[*n].id = id;
	x[*n].ssid = ssid;
	x[*n].users = 1;
	(*n)++;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int xent_cmp(const void *pa, const void *pb)
{
	const struct xent *a = pa, *b = pb;
	int r = cmp_u64(inst_id(a->inst), inst_id(b->inst));

	if (!r)
		r = cmp_u64(a->type, b->type);
	if (!r)
		r = cmp_u64(a->id, b->id);
	if (!r)
		r = cmp_u64(a->ssid, b->ssid);
	return r;
}

/* The entries @target's array must hold: from the live attachments only. */
static int expect_entries(int target, struct xent *x)
{
	int n = 0, a, k;

	for (a = 0; a < w.natt; a++) {
		const struct tatt *at = &w.att[a];
		const struct tdev *td = &w.tdev[at->dev];
		bool nested = w.tdom[at->dom].type == INVT_DOMAIN_NESTED;
		uint32_t tag;

		if (!w.active[a] || owner_of(at->dom) != target)
			continue;
		tag = w.btag[target][space_of(td->inst, at->dom)];
		assert_true(tag >= 1);
		xent_add(x, &n, td->inst,
			 w.tdom[at->dom].type == INVT_DOMAIN_S1 ? INVT_INV_IOTLB_S1 :
								  INVT_INV_IOTLB_S2,
			 tag, 0);
		if (nested)
			xent_add(x, &n, td->inst, INVT_INV_IOTLB_S2_S1_CLEAR, tag, 0);
		for (k = 0; td->ats && k < td->nsids; k++)
			xent_add(x, &n, td->inst, nested ? INVT_INV_ATC_FULL : INVT_INV_ATC,
				 dev_sid(at->dev, k), nested ? 0 : (uint32_t)at->ssid);
	}
	qsort(x, n, sizeof(*x), xent_cmp);
	return n;
}

/* invt_domain_invs_get() must give exactly the expected entries, in order. */
static void check_array(int dom, const struct xent *x, int n)
{
	struct invt_invs *got = invt_domain_invs_get(&w.dom[dom]);
	int i;

	assert_non_null(got);
	assert_int_equal(got->num_invs, n);
	assert_int_equal(got->num_trashes, 0);
	for (i = 0; i < n; i++) {
		const struct invt_inv *e = &got->inv[i];

		assert_ptr_equal(e->iommu, &w.ri[x[i].inst].iommu);
		assert_int_equal(e->type, x[i].type);
		assert_int_equal(e->id, x[i].id);
		if (e->type == INVT_INV_ATC || e->type == INVT_INV_ATC_FULL)
			assert_int_equal(e->ssid, x[i].ssid);
		assert_int_equal(e->users, x[i].users);
	}
	invt_invs_free(got);
}

/* -------------------------------------------------------------- ranges */

static int phase_of(uint8_t type)
{
	switch (type) {
	case INVT_INV_IOTLB_S1:
	case INVT_INV_IOTLB_S2:
		return 0;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		return 1;
	case INVT_INV_ATC:
	case INVT_INV_ATC_FULL:
		return 2;
	}
	fail_msg("bad entry type %u", type);
	return -1;
}

static struct invt_rec_cmd mkcmd(uint8_t op, uint8_t type, bool leaf, uint32_t id, uint32_t ssid,
				 uint64_t addr, uint64_t last)
{
	struct invt_rec_cmd c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.type = type;
	c.leaf = leaf;
	c.id = id;
	c.ssid = ssid;
	c.addr = addr;
	c.last = last;
	return c;
}

struct pcmds {
	int n;
	struct invt_rec_cmd c[MAXPC];
};

static void pcmds_add(struct pcmds *p, struct invt_rec_cmd c)
{
	assert_true(p->n < MAXPC);
	p->c[p->n++] = c;
}

/*
 * The commands each instance must receive, by phase, from the entries and
 * the backend's documented policy.  Return: the non-sync command count.
 */
static uint64_t expect_cmds(const struct xent *x, int n, const struct rcase *rc, bool leaf,
			    struct pcmds exp[][NPHASES])
{
	uint64_t total = 0, pages = 0, last = 0, first_page = 0;
	bool lf = leaf && !rc->all;
	int i;

	if (!rc->all) {
		last = rc->iova + (rc->size - 1);
		first_page = rc->iova / PAGE;
		pages = last / PAGE - first_page + 1;
	}
	for (i = 0; i < n; i++) {
		struct pcmds *p = &exp[x[i].inst][phase_of(x[i].type)];
		uint64_t k;

		switch (x[i].type) {
		case INVT_INV_IOTLB_S1:
		case INVT_INV_IOTLB_S2:
			if (rc->all || pages >= w.thr[x[i].inst]) {
				pcmds_add(p, mkcmd(INVT_REC_INV_TAG, x[i].type, lf, x[i].id, 0, 0,
						   UINT64_MAX));
				total++;
				break;
			}
			for (k = 0; k < pages; k++) {
				uint64_t a = (first_page + k) * PAGE;

				pcmds_add(p, mkcmd(INVT_REC_INV_PAGE, x[i].type, lf, x[i].id, 0, a,
						   a + PAGE - 1));
				total++;
			}
			break;
		case INVT_INV_IOTLB_S2_S1_CLEAR:
			pcmds_add(p, mkcmd(INVT_REC_S1_CLEAR, x[i].type, lf, x[i].id, 0, 0,
					   UINT64_MAX));
			total++;
			break;
		case INVT_INV_ATC:
			if (rc->all)
				pcmds_add(p, mkcmd(INVT_REC_ATC_ALL, x[i].type, lf, x[i].id,
						   x[i].ssid, 0, UINT64_MAX));
			else
				pcmds_add(p, mkcmd(INVT_REC_ATC, x[i].type, lf, x[i].id,
						   x[i].ssid, rc->iova, last));
			total++;
			break;
		case INVT_INV_ATC_FULL:
			pcmds_add(p, mkcmd(INVT_REC_ATC_ALL, x[i].type, lf, x[i].id, x[i].ssid, 0,
					   UINT64_MAX));
			total++;
			break;
		}
	}
	return total;
}

static int cmd_cmp(const void *pa, const void *pb)
{
	const struct invt_rec_cmd *a = pa, *b = pb;
	int r = cmp_u64(a->op, b->op);

	if (!r)
		r = cmp_u64(a->type, b->type);
	if (!r)
		r = cmp_u64(a->id, b->id);
	if (!r)
		r = cmp_u64(a->ssid, b->ssid);
	if (!r)
		r = cmp_u64(a->addr, b->addr);
	if (!r)
		r = cmp_u64(a->last, b->last);
	if (!r)
		r = cmp_u64(a->leaf, b->leaf);
	return r;
}

static void check_same_cmds(struct pcmds *exp, struct pcmds *got, const char *what)
{
	int i;

	if (got->n != exp->n)
		fail_msg("%s: %d commands, expected %d", what, got->n, exp->n);
	qsort(exp->c, exp->n, sizeof(exp->c[0]), cmd_cmp);
	qsort(got->c, got->n, sizeof(got->c[0]), cmd_cmp);
	for (i = 0; i < exp->n; i++) {
		const struct invt_rec_cmd *e = &exp->c[i], *g = &got->c[i];

		if (cmd_cmp(e, g))
			fail_msg("%s: command %d is op %u type %u id %u ssid %u "
				 "[%#llx, %#llx] leaf %u, expected op %u type %u id %u "
				 "ssid %u [%#llx, %#llx] leaf %u",
				 what, i, g->op, g->type, g->id, g->ssid,
				 (unsigned long long)g->addr, (unsigned long long)g->last, g->leaf,
				 e->op, e->type, e->id, e->ssid, (unsigned long long)e->addr,
				 (unsigned long long)e->last, e->leaf);
	}
}

/* ------------------------------------------------------- log analysis */

struct seg {
	int phase;
	size_t first_ev;	/* first command of the phase */
	size_t sync_ev;		/* its completion command */
	size_t submit_ev;	/* the submission that carried the completion */
	uint64_t seq;		/* the completion's token */
	int cmds;		/* commands, the completion included */
};

struct iplan {
	int nseg;
	struct seg seg[MAXSEG + 1];	/* [nseg]: the one being read */
	int nsubmit;
	int nwait;
	size_t wait_ev[MAXSEG];
	uint64_t wait_tok[MAXSEG];
	size_t first_submit;
	size_t last_cmd_or_submit;
	struct pcmds got[NPHASES];
};

static struct pcmds exp_cmds[MAXI][NPHASES];
static struct iplan plan[MAXI];

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* The pass a completion belongs to: all of a SYNC_ORDERS instance's are pass 0. */
static int seg_pass(int inst, int s)
{
	return (w.flags[inst] & SO) ? 0 : plan[inst].seg[s].phase;
}

/*
 * (c) across instances: a wait of pass k comes after every submission of
 * pass k (@overlap), and before any command of a later pass on an instance
 * without SYNC_ORDERS (RISC-V: no phase k+1 anywhere before phase k
 * completed everywhere).
 */
static void check_passes(bool overlap, const char *what)
{
	int i, s, j, t;

	for (i = 0; i < w.ninst; i++) {
		for (s = 0; s < plan[i].nseg; s++) {
			const struct seg *sg = &plan[i].seg[s];
			int pass = seg_pass(i, s);

			for (j = 0; j < w.ninst; j++) {
				for (t = 0; t < plan[j].nwait; t++) {
					int wpass = seg_pass(j, t);
					size_t we = plan[j].wait_ev[t];

					if (overlap && wpass == pass && we < sg->submit_ev)
						fail_msg("%s: instance %d waited (event %zu) "
							 "before instance %d's pass %d was "
							 "submitted (event %zu)", what, j, we, i,
							 pass, sg->submit_ev);
					if (!(w.flags[i] & SO) && !(w.flags[j] & SO) &&
					    wpass < pass && we > sg->first_ev)
						fail_msg("%s: instance %d phase %d issued "
							 "(event %zu) before instance %d's phase "
							 "%d wait (event %zu)", what, i, pass,
							 sg->first_ev, j, wpass, we);
				}
			}
		}
	}
}

/*
 * Check the log of one invalidation against the expected
 * commands.  @overlap: every instance was issued its phase before any wait
 * (at most INVT_MAX_PENDING instances).
 */
static void check_log(const uint64_t *base, uint64_t expected_total, bool overlap,
		      const char *what)
{
	const struct invt_rec_event *ev = w.rec.log;
	size_t n = w.rec.nlog, e, first_wait = SIZE_MAX;
	uint64_t total = 0;
	int i, p, s;

	memset(plan, 0, sizeof(plan));
	for (i = 0; i < w.ninst; i++)
		plan[i].first_submit = SIZE_MAX;

	if (!expected_total) {
		if (n)
			fail_msg("%s: nothing to invalidate, yet %zu log events", what, n);
		return;
	}

	/* Per instance: split the command stream at completions. */
	for (e = 0; e < n; e++) {
		struct iplan *ip;
		int cur_open;

		i = inst_of_id(ev[e].iommu);
		ip = &plan[i];
		switch (ev[e].kind) {
		case INVT_REC_EV_CMD:
			cur_open = ip->nseg;
			assert_true(cur_open < MAXSEG);
			ip->last_cmd_or_submit = e;
			if (ev[e].cmd.op == INVT_REC_SYNC) {
				struct seg *sg = &ip->seg[cur_open];

				if (!sg->cmds)
					fail_msg("%s: instance %d: completion with no command "
						 "before it", what, i);
				sg->cmds++;
				sg->sync_ev = e;
				sg->seq = base[i] + (uint64_t)cur_open + 1;
				sg->submit_ev = SIZE_MAX;
				if (cur_open && sg->phase <= ip->seg[cur_open - 1].phase)
					fail_msg("%s: instance %d: phase %d after phase %d", what,
						 i, sg->phase, ip->seg[cur_open - 1].phase);
				ip->nseg++;
				break;
			}
			p = phase_of(ev[e].cmd.type);
			if (!ip->seg[cur_open].cmds) {
				ip->seg[cur_open].phase = p;
				ip->seg[cur_open].first_ev = e;
			} else if (ip->seg[cur_open].phase != p) {
				fail_msg("%s: instance %d: phase %d command before the "
					 "completion of phase %d", what, i, p,
					 ip->seg[cur_open].phase);
			}
			ip->seg[cur_open].cmds++;
			pcmds_add(&ip->got[p], ev[e].cmd);
			total++;
			break;
		case INVT_REC_EV_SUBMIT:
			ip->nsubmit++;
			ip->last_cmd_or_submit = e;
			if (ip->first_submit == SIZE_MAX)
				ip->first_submit = e;
			for (s = 0; s < ip->nseg; s++)
				if (ip->seg[s].submit_ev == SIZE_MAX)
					ip->seg[s].submit_ev = e;
			break;
		case INVT_REC_EV_WAIT:
			assert_true(ip->nwait < MAXSEG);
			ip->wait_ev[ip->nwait] = e;
			ip->wait_tok[ip->nwait] = ev[e].token;
			ip->nwait++;
			if (first_wait == SIZE_MAX)
				first_wait = e;
			break;
		default:
			fail_msg("%s: bad log event kind %d", what, ev[e].kind);
		}
	}

	/* (a) the minimum number of commands, exactly. */
	if (total != expected_total)
		fail_msg("%s: %llu commands, expected %llu", what, (unsigned long long)total,
			 (unsigned long long)expected_total);

	for (i = 0; i < w.ninst; i++) {
		struct iplan *ip = &plan[i];
		bool so = w.flags[i] & SO;
		int nonempty = 0, cmds = 0;
		char buf[256];

		/* No command left without a completion after it. */
		if (ip->seg[ip->nseg].cmds)
			fail_msg("%s: instance %d: commands after its last completion", what, i);
		for (p = 0; p < NPHASES; p++) {
			snprintf(buf, sizeof(buf), "%s: instance %d phase %d", what, i, p);
			check_same_cmds(&exp_cmds[i][p], &ip->got[p], buf);
			nonempty += exp_cmds[i][p].n > 0;
		}
		/* (b) one completion per non-empty phase, none for empty ones. */
		assert_int_equal(ip->nseg, nonempty);
		if (!nonempty) {
			assert_int_equal(ip->nsubmit, 0);
			assert_int_equal(ip->nwait, 0);
			continue;
		}
		for (s = 0; s < ip->nseg; s++) {
			if (ip->seg[s].submit_ev == SIZE_MAX)
				fail_msg("%s: instance %d: completion never submitted", what, i);
			cmds += ip->seg[s].cmds;
		}
		/* (c) every instance submitted before the first wait. */
		if (overlap && ip->first_submit > first_wait)
			fail_msg("%s: instance %d first submitted at event %zu, after the "
				 "first wait (event %zu)", what, i, ip->first_submit, first_wait);
		if (so) {
			/* All phases at once (batch permitting), one wait for all. */
			assert_int_equal(ip->nsubmit, div_up(cmds, CMDS_PER_BATCH));
			assert_int_equal(ip->nwait, 1);
			assert_int_equal(ip->wait_tok[0], ip->seg[ip->nseg - 1].seq);
			assert_true(ip->wait_ev[0] > ip->last_cmd_or_submit);
		} else {
			int submits = 0;

			/* One wait per phase, on that phase's completion, before the next. */
			assert_int_equal(ip->nwait, ip->nseg);
			for (s = 0; s < ip->nseg; s++) {
				submits += div_up(ip->seg[s].cmds, CMDS_PER_BATCH);
				assert_int_equal(ip->wait_tok[s], ip->seg[s].seq);
				assert_true(ip->wait_ev[s] > ip->seg[s].submit_ev);
				if (s + 1 < ip->nseg)
					assert_true(ip->wait_ev[s] < ip->seg[s + 1].first_ev);
			}
			assert_int_equal(ip->nsubmit, submits);
		}
	}

	check_passes(overlap, what);
}

/*
 * Invalidate @rc of @target and check the plan against the topology.
 * @overlap as in check_log().
 */
static void check_plan(int target, const struct rcase *rc, bool leaf, bool overlap)
{
	static struct xent x[MAXE];
	uint64_t base[MAXI], expected;
	char what[200];
	int n, i, ret;

	n = expect_entries(target, x);
	check_array(target, x, n);
	memset(exp_cmds, 0, sizeof(exp_cmds));
	expected = expect_cmds(x, n, rc, leaf, exp_cmds);

	for (i = 0; i < w.ninst; i++)
		base[i] = w.ri[i].next_sync;
	invt_recorder_reset(&w.rec);
	if (rc->all)
		ret = invt_domain_invalidate_all(&w.dom[target]);
	else
		ret = invt_domain_invalidate(&w.dom[target], rc->iova, rc->size, leaf);
	assert_int_equal(ret, 0);
	snprintf(what, sizeof(what), "domain %d, range %s%s", target, rc->name,
		 leaf ? " (leaf)" : "");
	check_log(base, expected, overlap, what);
}

static void run_ranges(int target, uint32_t thr, bool overlap)
{
	struct rcase r[16];
	int n = make_ranges(thr, r), i;

	for (i = 0; i < n; i++) {
		check_plan(target, &r[i], false, overlap);
		check_plan(target, &r[i], true, overlap);
	}
}

/* ------------------------------------------------------ table topologies */

static void test_topology(void **state)
{
	const struct topo *t = *state;

	world_from_topo(t);
	run_ranges(t->target, t->thr[0], true);
	world_teardown();
}

/* ------------------------------------------------------- special cases */

static const unsigned int flags_mixed[4] = { SO, 0, SO, 0 };
static const uint32_t thr4[4] = { 4, 4, 4, 4 };

/* A domain that never had an attachment issues nothing, whatever the range. */
static void test_never_attached(void **state)
{
	int d, o;

	world_init(2, flags_mixed, thr4, false);
	d = world_domain(INVT_DOMAIN_S1, 0);
	o = world_domain(INVT_DOMAIN_S2, 0);
	world_device(&(struct tdev){ 0, 1, true, 1 });
	world_attach(0, 0, o);	/* another domain is in use */
	run_ranges(d, 4, true);
	world_teardown();
}

/* -EINVAL for empty ranges, ranges past 2^64 and nested domains; nothing issued. */
static void test_einval(void **state)
{
	int s1, p, n;

	world_init(2, flags_mixed, thr4, false);
	s1 = world_domain(INVT_DOMAIN_S1, 0);
	p = world_domain(INVT_DOMAIN_S2, 0);
	n = world_domain(INVT_DOMAIN_NESTED, p);
	world_device(&(struct tdev){ 0, 2, true, 2 });
	world_device(&(struct tdev){ 1, 1, true, 1 });
	world_attach(0, 0, s1);
	world_attach(0, 1, n);
	world_attach(1, 0, p);

	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], 0x1000, 0, false), -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], 0, 0, true), -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], UINT64_MAX - PAGE + 1, 2 * PAGE, false),
			 -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], UINT64_MAX, 2, false), -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], 2, UINT64_MAX, false), -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[s1], UINT64_MAX, UINT64_MAX, false),
			 -EINVAL);
	assert_int_equal(invt_domain_invalidate(&w.dom[n], 0x1000, PAGE, false), -EINVAL);
	assert_int_equal(invt_domain_invalidate_all(&w.dom[n]), -EINVAL);
	assert_int_equal(w.rec.nlog, 0);

	/* The largest valid ranges next to them are accepted. */
	check_plan(s1, &(struct rcase){ "top page", UINT64_MAX - PAGE + 1, PAGE, false }, false,
		   true);
	check_plan(s1, &(struct rcase){ "0 to the top", 0, UINT64_MAX, false }, false, true);
	check_plan(p, &(struct rcase){ "1 to the top", 1, UINT64_MAX, false }, true, true);
	world_teardown();
}

/* A detached device disappears from the next plan, with its instance if last. */
static void test_detach_midway(void **state)
{
	const struct rcase small = { "3 pages", 0x5000, 3 * PAGE, false };
	const struct rcase all = { "all", 0, 0, true };
	int d, p, n, a0, a1, a2, a3, a4;

	world_init(3, (const unsigned int[]){ 0, SO, 0 }, (const uint32_t[]){ 8, 8, 8 }, false);
	d = world_domain(INVT_DOMAIN_S1, 0);
	p = world_domain(INVT_DOMAIN_S2, 0);
	n = world_domain(INVT_DOMAIN_NESTED, p);
	world_device(&(struct tdev){ 0, 2, true, 2 });
	world_device(&(struct tdev){ 0, 1, true, 1 });
	world_device(&(struct tdev){ 1, 1, false, 1 });
	world_device(&(struct tdev){ 2, 3, true, 1 });
	a0 = world_attach(0, 0, d);
	a1 = world_attach(1, 0, d);
	a2 = world_attach(2, 0, d);
	a3 = world_attach(3, 0, n);
	a4 = world_attach(0, 1, n);

	check_plan(d, &small, true, true);
	check_plan(p, &all, false, true);

	/* Instance 0 keeps device 1: only device 0's ATC entries go. */
	world_detach(a0);
	check_plan(d, &small, true, true);
	/* Instance 1's only device leaves: instance 1 gets nothing at all. */
	world_detach(a2);
	check_plan(d, &small, false, true);
	check_plan(d, &all, false, true);
	/* The nested user on instance 2 leaves: the parent's plan drops it. */
	world_detach(a3);
	check_plan(p, &small, false, true);
	world_detach(a4);
	check_plan(p, &small, false, true);	/* nothing left: no event at all */
	world_detach(a1);
	check_plan(d, &all, false, true);
	world_teardown();
}

/*
 * A domain whose last user left while purging failed holds only trash:
 * invalidating it issues nothing at all.
 */
static void test_trash_only(void **state)
{
	struct invt_invs *raw;
	int d, a, b;

	world_init(2, flags_mixed, thr4, false);
	d = world_domain(INVT_DOMAIN_S1, 0);
	world_device(&(struct tdev){ 0, 2, true, 1 });
	world_device(&(struct tdev){ 1, 1, true, 1 });
	a = world_attach(0, 0, d);
	b = world_attach(1, 0, d);

	/*
	 * Instance 1 (id 193) sorts before instance 0 (id 200): detaching its
	 * device while the purge's allocation fails leaves trash in the middle.
	 */
	invt_fault_inject(1);
	world_detach(b);
	assert_false(invt_fault_pending());
	invt_fault_inject(0);
	raw = w.dom[d].invs;
	assert_true(raw->num_trashes > 0);
	check_plan(d, &(struct rcase){ "2 pages", 0x3000, 2 * PAGE, false }, true, true);

	invt_fault_inject(1);
	world_detach(a);
	invt_fault_inject(0);
	check_plan(d, &(struct rcase){ "2 pages", 0x3000, 2 * PAGE, false }, true, true);
	check_plan(d, &(struct rcase){ "all", 0, 0, true }, false, true);
	world_teardown();
}

/*
 * More instances than the engine waits on at once (INVT_MAX_PENDING is 16):
 * every completion is still waited, on its own token, and no instance
 * without SYNC_ORDERS gets phase k+1 before phase k completed everywhere.
 */
static void test_many_instances(void **state)
{
	unsigned int flags[MAXI];
	uint32_t thr[MAXI];
	int i, d, p, n;

	for (i = 0; i < MAXI; i++) {
		flags[i] = i % 3 ? 0 : SO;
		thr[i] = 3 + i % 4;
	}
	world_init(MAXI, flags, thr, false);
	d = world_domain(INVT_DOMAIN_S1, 0);
	p = world_domain(INVT_DOMAIN_S2, 0);
	n = world_domain(INVT_DOMAIN_NESTED, p);
	for (i = 0; i < MAXI; i++)
		world_device(&(struct tdev){ i, 1 + i % 2, i % 4 != 3, 2 });
	for (i = 0; i < MAXI; i++) {
		world_attach(i, 0, d);
		world_attach(i, 1, n);
	}
	run_ranges(d, thr[0], false);
	run_ranges(p, thr[0], false);
	world_teardown();
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(topos) + 8];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(topos); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_topology,
									 (void *)&topos[i]);
		tests[n].name = topos[i].name;
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_never_attached);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_einval);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_detach_midway);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_trash_only);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_many_instances);

	invt_rcu_register_thread();
	alarm(TIME_BOUND);
	return _cmocka_run_group_tests("flush", tests, n, NULL, NULL);
}
