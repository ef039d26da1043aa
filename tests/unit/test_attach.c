// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_attach.c - the attach / detach / replace protocol on the recording
 * backend.
 *
 * The test keeps its own model of what the core must hold: which (device,
 * ssid) uses which domain, which attachments each domain's array covers
 * (both the old and the new one between prepare and commit), each domain's
 * tag per tag space and the attachments using it, tags handed out lowest
 * first.  After every step the core is compared with the model, deeply:
 * every live entry with its users count, the tag bitmaps, the domains' tag
 * bindings, the attachment counts, invt_device_domain() for every slot.
 *
 *  - prepare fails (-ENOMEM) at every one of its allocations, one at a
 *    time, for attach, replace, nested attach and detach: nothing changes,
 *    not even the published array pointers; commit never fails, also with
 *    an allocation failure armed;
 *  - abort restores; a second prepare on an open slot is -EBUSY;
 *  - between prepare and commit both domains invalidate for the device;
 *  - commit's log: the device's ATC first, then a whole-tag command for each
 *    tag whose last user left, waited while the tag is still held; the tag
 *    is then free and handed to the next domain;
 *  - error returns; instance removal scrubs every array.
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

#include "attach_cases.h"
#include "record.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PAGE 4096ull
#define SO INVT_IOMMU_SYNC_ORDERS
#define MAXI 3
#define MAXD 6
#define MAXDEV 4
#define MAXSSID 4
#define MAXATT 32
#define MAXTAGS 16
#define MAXE 64
#define TIME_BOUND 100	/* a hang cap only: seconds, sanitizers and a loaded machine included */

/* ---------------------------------------------------------------- world */

static struct world {
	int ninst;
	uint32_t ntags;
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri[MAXI];
	struct invt_iommu_ops spy_ops[MAXI];
	const struct invt_iommu_ops *rec_ops[MAXI];
	bool unregistered[MAXI];
	int ndom;
	struct tdom tdom[MAXD];
	struct invt_domain dom[MAXD];
	bool dom_gone[MAXD];
	int ndev;
	struct tdev tdev[MAXDEV];
	struct invt_device dev[MAXDEV];
	bool dev_gone[MAXDEV];
	/* The model. */
	int natt;
	struct tatt att[MAXATT];
	bool active[MAXATT];		/* covered by its domain's array */
	int slot[MAXDEV][MAXSSID];	/* attachment the device uses, -1: blocked */
	bool tag_used[MAXI][MAXTAGS + 1];
	uint32_t btag[MAXD][MAXI];
	unsigned int busers[MAXD][MAXI];
	/* Spy: whether a watched tag was held at each SUBMIT / WAIT event. */
	int watch_inst;
	uint32_t watch_tag;
	size_t nheld;
	size_t held_ev[64];
	bool held[64];
} w;

static uint32_t inst_id(int i)
{
	return 30 - 10 * (uint32_t)i;	/* not in registration order */
}

static uint32_t dev_sid(int d, int k)
{
	return 0x800 + 0x10 * (uint32_t)d + (uint32_t)k;
}

static bool tag_held(int inst, uint32_t tag)
{
	const struct invt_tag_space *ts = &w.ri[inst].tags;
	size_t bit = tag - ts->min, bpw = 8 * sizeof(unsigned long);

	return ts->bitmap[bit / bpw] & (1ul << (bit % bpw));
}

static int inst_of(const struct invt_iommu *iommu)
{
	int i;

	for (i = 0; i < w.ninst; i++)
		if (iommu == &w.ri[i].iommu)
			return i;
	fail_msg("unknown instance");
	return -1;
}

static void spy_note(int inst)
{
	if (w.watch_inst != inst || !w.watch_tag)
		return;
	assert_true(w.nheld < ARRAY_SIZE(w.held));
	w.held_ev[w.nheld] = w.rec.nlog - 1;
	w.held[w.nheld] = tag_held(inst, w.watch_tag);
	w.nheld++;
}

static int spy_submit(struct invt_batch *b, uint64_t *token)
{
	int i = inst_of(b->iommu);
	int ret = w.rec_ops[i]->submit(b, token);

	spy_note(i);
	return ret;
}

static int spy_wait(struct invt_iommu *iommu, uint64_t token)
{
	int i = inst_of(iommu);
	int ret = w.rec_ops[i]->wait(iommu, token);

	spy_note(i);
	return ret;
}

static void world_init(int ninst, const unsigned int *flags, uint32_t ntags)
{
	int i, d, s;

	alarm(TIME_BOUND);
	memset(&w, 0, sizeof(w));
	w.ninst = ninst;
	w.ntags = ntags;
	w.watch_inst = -1;
	invt_ctx_init(&w.ctx);
	invt_recorder_init(&w.rec, true);
	for (i = 0; i < ninst; i++) {
		assert_int_equal(invt_rec_iommu_init(&w.ctx, &w.ri[i], &w.rec, inst_id(i), flags[i],
						     4, NULL, ntags),
				 0);
		/* Wrap the backend to see the tag bitmap at submits and waits. */
		w.rec_ops[i] = w.ri[i].iommu.ops;
		w.spy_ops[i] = *w.rec_ops[i];
		w.spy_ops[i].submit = spy_submit;
		w.spy_ops[i].wait = spy_wait;
		w.ri[i].iommu.ops = &w.spy_ops[i];
	}
	for (d = 0; d < MAXDEV; d++)
		for (s = 0; s < MAXSSID; s++)
			w.slot[d][s] = -1;
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

static int world_device(int inst, int nsids, bool ats, int nssids)
{
	uint32_t sids[INVT_MAX_SIDS];
	int d = w.ndev++, k;

	assert_true(d < MAXDEV && nssids <= MAXSSID);
	w.tdev[d] = (struct tdev){ inst, nsids, ats, nssids };
	for (k = 0; k < nsids; k++)
		sids[k] = dev_sid(d, k);
	assert_int_equal(invt_device_init(&w.dev[d], &w.ri[inst].iommu, sids, nsids, nssids, ats),
			 0);
	return d;
}

/* The standard world of attach_cases.h. */
static void world_standard(uint32_t ntags)
{
	size_t i;

	world_init(ATT_STD_NINST, att_std_flags, ntags);
	for (i = 0; i < ARRAY_SIZE(att_std_doms); i++)
		world_domain(att_std_doms[i].type, att_std_doms[i].parent);
	for (i = 0; i < ARRAY_SIZE(att_std_devs); i++)
		world_device(att_std_devs[i].inst, att_std_devs[i].nsids, att_std_devs[i].ats,
			     att_std_devs[i].nssids);
}

/* ---------------------------------------------------------------- model */

static int owner_of(int dom)
{
	return w.tdom[dom].type == INVT_DOMAIN_NESTED ? w.tdom[dom].parent : dom;
}

static void model_get(int inst, int dom)
{
	int o = owner_of(dom);
	uint32_t t;

	if (w.busers[o][inst]++)
		return;
	for (t = 1; t <= w.ntags; t++) {
		if (!w.tag_used[inst][t]) {
			w.tag_used[inst][t] = true;
			w.btag[o][inst] = t;
			return;
		}
	}
	fail_msg("model: no free tag");
}

static void model_put(int inst, int dom)
{
	int o = owner_of(dom);

	assert_true(w.busers[o][inst] > 0);
	if (--w.busers[o][inst])
		return;
	w.tag_used[inst][w.btag[o][inst]] = false;
	w.btag[o][inst] = 0;
}

/* The attachment joins its domain's array (prepare). */
static int m_join(int dev, int ssid, int dom)
{
	int a = w.natt++;

	assert_true(a < MAXATT);
	w.att[a] = (struct tatt){ dev, ssid, dom };
	w.active[a] = true;
	model_get(w.tdev[dev].inst, dom);
	return a;
}

/* The attachment leaves its domain's array (commit of the next, abort). */
static void m_leave(int a)
{
	assert_true(w.active[a]);
	w.active[a] = false;
	model_put(w.tdev[w.att[a].dev].inst, w.att[a].dom);
}

/* Model of a committed transaction: (dev, ssid) now uses @a (-1: blocked). */
static void m_commit(int dev, int ssid, int a)
{
	if (w.slot[dev][ssid] >= 0)
		m_leave(w.slot[dev][ssid]);
	w.slot[dev][ssid] = a;
}

static struct invt_domain *dom_ptr(int d)
{
	return d >= 0 ? &w.dom[d] : NULL;
}

/* invt_attach() and the model with it. */
static void do_attach(int dev, int ssid, int dom)
{
	int a;

	assert_int_equal(invt_attach(&w.dev[dev], ssid, dom_ptr(dom)), 0);
	a = dom >= 0 ? m_join(dev, ssid, dom) : -1;
	m_commit(dev, ssid, a);
}

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
	x[*n] = (struct xent){ inst, type, id, ssid, 1 };
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
		tag = w.btag[target][td->inst];
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

static void check_array(int dom)
{
	struct xent x[MAXE];
	int n = expect_entries(owner_of(dom), x), i;
	struct invt_invs *got = invt_domain_invs_get(&w.dom[dom]);

	assert_non_null(got);
	if (got->num_invs != (size_t)n)
		fail_msg("domain %d: %zu live entries, expected %d", dom, got->num_invs, n);
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

/* The core against the model, everything the tests can see. */
static void check_world(void)
{
	int d, i, s, a;
	uint32_t t;

	for (d = 0; d < w.ndom; d++) {
		int attached = 0, bindings = 0;
		unsigned int k;

		if (w.dom_gone[d])
			continue;
		check_array(d);
		for (a = 0; a < w.natt; a++)
			attached += w.active[a] && w.att[a].dom == d;
		assert_int_equal(w.dom[d].nr_attached, attached);
		if (w.tdom[d].type == INVT_DOMAIN_NESTED) {
			assert_int_equal(w.dom[d].nr_bindings, 0);
			continue;
		}
		/* Tag bindings: exactly the model's, with their users. */
		for (i = 0; i < w.ninst; i++) {
			bool found = false;

			if (!w.busers[d][i])
				continue;
			bindings++;
			for (k = 0; k < w.dom[d].nr_bindings; k++) {
				const struct invt_tag_binding *b = &w.dom[d].bindings[k];

				if (b->space != &w.ri[i].tags)
					continue;
				assert_false(found);
				found = true;
				assert_int_equal(b->tag, w.btag[d][i]);
				assert_int_equal(b->users, w.busers[d][i]);
			}
			if (!found)
				fail_msg("domain %d: no tag binding on instance %d", d, i);
		}
		assert_int_equal(w.dom[d].nr_bindings, bindings);
	}
	for (i = 0; i < w.ninst; i++) {
		unsigned int used = 0;
		int attached = 0;

		if (w.unregistered[i])
			continue;
		for (t = 1; t <= w.ntags; t++) {
			if (tag_held(i, t) != w.tag_used[i][t])
				fail_msg("instance %d: tag %u is %s, expected %s", i, t,
					 tag_held(i, t) ? "held" : "free",
					 w.tag_used[i][t] ? "held" : "free");
			used += w.tag_used[i][t];
		}
		assert_int_equal(invt_tag_space_used(&w.ri[i].tags), used);
		for (a = 0; a < w.natt; a++)
			attached += w.active[a] && w.tdev[w.att[a].dev].inst == i;
		assert_int_equal(w.ri[i].iommu.nr_attached, attached);
	}
	for (d = 0; d < w.ndev; d++) {
		if (w.dev_gone[d])
			continue;
		for (s = 0; s < w.tdev[d].nssids; s++) {
			a = w.slot[d][s];
			assert_ptr_equal(invt_device_domain(&w.dev[d], s),
					 a >= 0 ? &w.dom[w.att[a].dom] : NULL);
		}
		assert_null(invt_device_domain(&w.dev[d], w.tdev[d].nssids));
	}
}

static void world_teardown(void)
{
	int i, s;

	for (i = 0; i < w.ndev; i++) {
		if (w.dev_gone[i])
			continue;
		for (s = 0; s < w.tdev[i].nssids; s++)
			if (w.slot[i][s] >= 0)
				do_attach(i, s, -1);
		assert_int_equal(invt_device_destroy(&w.dev[i]), 0);
		w.dev_gone[i] = true;
	}
	check_world();
	for (i = w.ndom - 1; i >= 0; i--)
		if (!w.dom_gone[i])
			assert_int_equal(invt_domain_destroy(&w.dom[i]), 0);
	for (i = 0; i < w.ninst; i++) {
		if (w.unregistered[i])
			continue;
		assert_int_equal(invt_tag_space_used(&w.ri[i].tags), 0);
		assert_int_equal(invt_rec_iommu_destroy(&w.ri[i]), 0);
	}
	assert_int_equal(invt_ctx_destroy(&w.ctx), 0);
	invt_recorder_destroy(&w.rec);
	alarm(0);
}

/* ------------------------------------------------ (a) failure injection */

/*
 * Prepare with the nth allocation failing, nth = 1, 2, ..., until prepare
 * succeeds with the failure still pending.  Each failure must leave the core
 * exactly as it was.  Return: the failures seen.
 */
static unsigned int prepare_under_faults(struct invt_attach *tx, int dev, int ssid, int dom)
{
	struct invt_invs *raw[MAXD];
	unsigned int failures = 0, nth;
	int d, ret;

	for (nth = 1;; nth++) {
		bool pending;

		assert_true(nth < 64);
		for (d = 0; d < w.ndom; d++)
			raw[d] = w.dom[d].invs;
		invt_fault_inject(nth);
		ret = invt_attach_prepare(tx, &w.dev[dev], ssid, dom_ptr(dom));
		pending = invt_fault_pending();
		invt_fault_inject(0);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_false(pending);
			failures++;
			/* Nothing published, nothing held, the device where it was. */
			for (d = 0; d < w.ndom; d++)
				assert_ptr_equal(w.dom[d].invs, raw[d]);
			check_world();
			continue;
		}
		assert_true(pending);	/* no allocation failed: prepare is done */
		return failures;
	}
}

static void test_fault_injection(void **state)
{
	const struct fi_case *c = *state;
	struct invt_attach tx;
	unsigned int failures;
	int i, a = -1;

	world_standard(8);
	for (i = 0; i < c->npre; i++)
		do_attach(c->pre[i].dev, c->pre[i].ssid, c->pre[i].dom);
	check_world();

	failures = prepare_under_faults(&tx, c->dev, c->ssid, c->dom);
	print_message("  prepare failed %u times under injection\n", failures);
	if (c->dom >= 0)
		assert_true(failures >= 1);	/* the loop cannot pass vacuously */
	else
		assert_int_equal(failures, 0);	/* detach's prepare allocates nothing */

	/* Prepared: both domains cover the device; it still uses the old one. */
	if (c->dom >= 0)
		a = m_join(c->dev, c->ssid, c->dom);
	check_world();

	invt_recorder_reset(&w.rec);
	if (c->commit_fault)
		invt_fault_inject(1);
	invt_attach_commit(&tx);
	invt_fault_inject(0);
	m_commit(c->dev, c->ssid, a);
	check_world();

	/* And the slot is free for the next transaction. */
	do_attach(c->dev, c->ssid, -1);
	check_world();
	world_teardown();
}

/* --------------------------------------------------------- (b) abort */

static void test_abort(void **state)
{
	struct invt_attach tx, tx2;
	struct invt_invs *raw[MAXD];
	int a, a2, d;

	world_standard(8);
	do_attach(0, 0, D0);
	do_attach(2, 1, P2);
	check_world();

	/* Replace D0 -> D1 (a fresh tag for D1), abort: all as before. */
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 0, &w.dom[D1]), 0);
	a = m_join(0, 0, D1);
	check_world();

	/* The slot is busy: any second prepare on it fails and changes nothing. */
	assert_int_equal(invt_attach_prepare(&tx2, &w.dev[0], 0, &w.dom[D5]), -EBUSY);
	assert_int_equal(invt_attach_prepare(&tx2, &w.dev[0], 0, NULL), -EBUSY);
	assert_int_equal(invt_attach_prepare(&tx2, &w.dev[0], 0, &w.dom[D1]), -EBUSY);
	check_world();
	/* Objects of an open transaction cannot go away. */
	assert_int_equal(invt_device_destroy(&w.dev[0]), -EBUSY);
	assert_int_equal(invt_domain_destroy(&w.dom[D1]), -EBUSY);
	assert_int_equal(invt_iommu_unregister(&w.ri[0].iommu), -EBUSY);

	invt_attach_abort(&tx);
	m_leave(a);
	check_world();
	assert_false(tag_held(0, 2));	/* D1's tag went back */

	/* A second prepare on the slot works, and commits. */
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 0, &w.dom[D1]), 0);
	a = m_join(0, 0, D1);
	check_world();
	invt_attach_commit(&tx);
	m_commit(0, 0, a);
	check_world();

	/* Abort a nested attach that created the parent's tag on instance 0. */
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 1, &w.dom[N3]), 0);
	a = m_join(0, 1, N3);
	check_world();
	/* Another ssid of the device is a different slot: not busy. */
	assert_int_equal(invt_attach_prepare(&tx2, &w.dev[0], 2, &w.dom[D0]), 0);
	a2 = m_join(0, 2, D0);
	check_world();
	invt_attach_abort(&tx2);
	m_leave(a2);
	check_world();
	invt_attach_abort(&tx);
	m_leave(a);
	check_world();

	/* Abort a detach: the device stays attached, nothing changes. */
	for (d = 0; d < w.ndom; d++)
		raw[d] = w.dom[d].invs;
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[2], 1, NULL), 0);
	assert_int_equal(invt_attach_prepare(&tx2, &w.dev[2], 1, NULL), -EBUSY);
	check_world();
	invt_attach_abort(&tx);
	for (d = 0; d < w.ndom; d++)
		assert_ptr_equal(w.dom[d].invs, raw[d]);
	check_world();

	/* Abort with an allocation failure armed: still complete. */
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[2], 1, &w.dom[N4]), 0);
	a = m_join(2, 1, N4);
	check_world();
	invt_fault_inject(1);
	invt_attach_abort(&tx);
	invt_fault_inject(0);
	m_leave(a);
	check_world();

	/* And the aborted slots still work. */
	do_attach(2, 1, N4);
	do_attach(0, 1, N3);
	check_world();
	world_teardown();
}

/* ------------------------------------------- (c) two-phase visibility */

/* Commands in the log on @inst matching (op, id, ssid). */
static int count_cmds(int inst, uint8_t op, uint32_t id, uint32_t ssid)
{
	size_t e;
	int n = 0;

	for (e = 0; e < w.rec.nlog; e++) {
		const struct invt_rec_event *ev = &w.rec.log[e];

		if (ev->kind == INVT_REC_EV_CMD && ev->iommu == inst_id(inst) &&
		    ev->cmd.op == op && ev->cmd.id == id && ev->cmd.ssid == ssid)
			n++;
	}
	return n;
}

static void invalidate_page(int dom)
{
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate(&w.dom[dom], 0x7000, PAGE, true), 0);
}

static void test_two_phase(void **state)
{
	struct invt_attach tx;
	uint32_t t0, t1;
	int a, k;

	world_standard(8);
	do_attach(0, 3, D0);
	t0 = w.btag[D0][0];
	check_world();

	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 3, &w.dom[D1]), 0);
	a = m_join(0, 3, D1);
	t1 = w.btag[D1][0];
	assert_int_not_equal(t0, t1);
	check_world();

	/* Both domains invalidate the device's instance and ATC. */
	invalidate_page(D0);
	assert_int_equal(count_cmds(0, INVT_REC_INV_PAGE, t0, 0), 1);
	for (k = 0; k < 2; k++)
		assert_int_equal(count_cmds(0, INVT_REC_ATC, dev_sid(0, k), 3), 1);
	assert_int_equal(w.rec.nlog, 3 + 2 + 2 * 2);	/* 3 commands, 2 syncs, submit+wait x2 */
	invalidate_page(D1);
	assert_int_equal(count_cmds(0, INVT_REC_INV_PAGE, t1, 0), 1);
	for (k = 0; k < 2; k++)
		assert_int_equal(count_cmds(0, INVT_REC_ATC, dev_sid(0, k), 3), 1);
	assert_int_equal(w.rec.nlog, 3 + 2 + 2 * 2);

	invt_attach_commit(&tx);
	m_commit(0, 3, a);
	check_world();

	/* Only D1 now; D0 has no user left and issues nothing at all. */
	invalidate_page(D0);
	assert_int_equal(w.rec.nlog, 0);
	invalidate_page(D1);
	assert_int_equal(count_cmds(0, INVT_REC_INV_PAGE, t1, 0), 1);
	for (k = 0; k < 2; k++)
		assert_int_equal(count_cmds(0, INVT_REC_ATC, dev_sid(0, k), 3), 1);

	/* Same for a replace into a nested domain across instances' devices. */
	do_attach(2, 0, D5);
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[2], 0, &w.dom[N3]), 0);
	a = m_join(2, 0, N3);
	check_world();
	invalidate_page(D5);
	assert_int_equal(count_cmds(1, INVT_REC_INV_PAGE, w.btag[D5][1], 0), 1);
	for (k = 0; k < INVT_MAX_SIDS; k++)
		assert_int_equal(count_cmds(1, INVT_REC_ATC, dev_sid(2, k), 0), 1);
	invalidate_page(P2);
	assert_int_equal(count_cmds(1, INVT_REC_INV_PAGE, w.btag[P2][1], 0), 1);
	assert_int_equal(count_cmds(1, INVT_REC_S1_CLEAR, w.btag[P2][1], 0), 1);
	for (k = 0; k < INVT_MAX_SIDS; k++)
		assert_int_equal(count_cmds(1, INVT_REC_ATC_ALL, dev_sid(2, k), 0), 1);
	invt_attach_commit(&tx);
	m_commit(2, 0, a);
	check_world();
	invalidate_page(D5);
	assert_int_equal(w.rec.nlog, 0);
	world_teardown();
}

/* ---------------------------------------------------- (d) commit order */

struct xev {
	int kind;
	uint8_t op;
	uint8_t type;
	uint32_t id;
	uint32_t ssid;
};

#define XCMD(o, t, i, s) { INVT_REC_EV_CMD, INVT_REC_##o, INVT_INV_##t, (i), (s) }
#define XSYNC { INVT_REC_EV_CMD, INVT_REC_SYNC, 0, 0, 0 }
#define XSUBMIT { INVT_REC_EV_SUBMIT, 0, 0, 0, 0 }
#define XWAIT { INVT_REC_EV_WAIT, 0, 0, 0, 0 }

/* The log must be exactly @x, all on instance @inst; waits on the last submit. */
static void check_exact_log(int inst, const struct xev *x, size_t n)
{
	uint64_t token = 0;
	size_t e;

	if (w.rec.nlog != n)
		fail_msg("log has %zu events, expected %zu", w.rec.nlog, n);
	for (e = 0; e < n; e++) {
		const struct invt_rec_event *ev = &w.rec.log[e];

		if (ev->kind != x[e].kind)
			fail_msg("event %zu is of kind %d, expected %d", e, ev->kind, x[e].kind);
		assert_int_equal(ev->iommu, inst_id(inst));
		switch (ev->kind) {
		case INVT_REC_EV_CMD:
			if (ev->cmd.op != x[e].op)
				fail_msg("event %zu: op %u, expected %u", e, ev->cmd.op, x[e].op);
			if (ev->cmd.op == INVT_REC_SYNC)
				break;
			assert_int_equal(ev->cmd.type, x[e].type);
			assert_int_equal(ev->cmd.id, x[e].id);
			assert_int_equal(ev->cmd.ssid, x[e].ssid);
			assert_int_equal(ev->cmd.addr, 0);
			assert_int_equal(ev->cmd.last, UINT64_MAX);
			assert_int_equal(ev->cmd.leaf, 0);
			break;
		case INVT_REC_EV_SUBMIT:
			token = ev->token;
			break;
		case INVT_REC_EV_WAIT:
			assert_int_equal(ev->token, token);
			break;
		}
	}
}

/* At every submit and wait on the watched instance, the watched tag was held. */
static void check_held_throughout(void)
{
	size_t i;

	assert_true(w.nheld > 0);
	for (i = 0; i < w.nheld; i++)
		if (!w.held[i])
			fail_msg("tag %u released before event %zu", w.watch_tag, w.held_ev[i]);
}

static void watch(int inst, uint32_t tag)
{
	w.watch_inst = inst;
	w.watch_tag = tag;
	w.nheld = 0;
}

/* Prepare + commit with the log and the spy recording only the commit. */
static void replace_logged(int dev, int ssid, int dom)
{
	struct invt_attach tx;
	int a;

	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[dev], ssid, dom_ptr(dom)), 0);
	assert_int_equal(w.rec.nlog, 0);	/* prepare issues nothing */
	a = dom >= 0 ? m_join(dev, ssid, dom) : -1;
	w.nheld = 0;
	invt_attach_commit(&tx);
	m_commit(dev, ssid, a);
}

static void commit_order(bool so)
{
	int inst = so ? 1 : 0, dev, other;
	uint32_t t0, t1, s0 = 0, s1 = 0;

	world_init(2, (const unsigned int[]){ 0, SO }, 8);
	world_domain(INVT_DOMAIN_S1, 0);	/* D0 */
	world_domain(INVT_DOMAIN_S1, 0);	/* D1 */
	world_domain(INVT_DOMAIN_S2, 0);	/* P2 */
	world_domain(INVT_DOMAIN_NESTED, P2);	/* N3 */
	world_domain(INVT_DOMAIN_NESTED, P2);	/* N4 */
	world_domain(INVT_DOMAIN_S2, 0);	/* D5 */
	dev = world_device(inst, 2, true, 4);
	other = world_device(inst, 1, false, 2);
	s0 = dev_sid(dev, 0);
	s1 = dev_sid(dev, 1);

	/* 1. Last user of D0 leaves for D1: ATC, then D0's tag, then release. */
	do_attach(other, 0, D1);
	do_attach(dev, 1, D0);
	t1 = w.btag[D1][inst];
	t0 = w.btag[D0][inst];
	assert_int_equal(t1, 1);
	assert_int_equal(t0, 2);
	watch(inst, t0);
	replace_logged(dev, 1, D1);
	{
		const struct xev x[] = {
			XCMD(ATC_ALL, ATC, s0, 1), XCMD(ATC_ALL, ATC, s1, 1), XSYNC, XSUBMIT, XWAIT,
			XCMD(INV_TAG, IOTLB_S1, t0, 0), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	}
	check_held_throughout();
	assert_false(tag_held(inst, t0));
	check_world();

	/* The freed tag is the lowest: the next domain gets it. */
	do_attach(other, 1, D5);
	assert_int_equal(w.btag[D5][inst], t0);
	check_world();
	{
		struct invt_invs *got = invt_domain_invs_get(&w.dom[D5]);

		assert_non_null(got);
		assert_int_equal(got->num_invs, 1);
		assert_int_equal(got->inv[0].type, INVT_INV_IOTLB_S2);
		assert_int_equal(got->inv[0].id, t0);
		invt_invs_free(got);
	}

	/* 2. Not the last user of D1: ATC only, the tag stays. */
	watch(-1, 0);
	replace_logged(dev, 1, D0);
	{
		const struct xev x[] = {
			XCMD(ATC_ALL, ATC, s0, 1), XCMD(ATC_ALL, ATC, s1, 1), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	}
	assert_true(tag_held(inst, t1));
	check_world();

	/* 3. A device without ATS, last user of D5: the tag flush only. */
	watch(inst, t0);
	replace_logged(other, 1, -1);
	{
		const struct xev x[] = {
			XCMD(INV_TAG, IOTLB_S2, t0, 0), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	}
	check_held_throughout();
	check_world();

	/* 4. Attach from blocked: commit has nothing to clean. */
	replace_logged(other, 1, D0);
	assert_int_equal(w.rec.nlog, 0);
	check_world();

	/* 5. Last nested user leaves: whole ATC, then tag and stage-1 clear. */
	do_attach(dev, 0, N3);
	t0 = w.btag[P2][inst];
	watch(inst, t0);
	replace_logged(dev, 0, -1);
	if (so) {
		const struct xev x[] = {
			XCMD(ATC_ALL, ATC_FULL, s0, 0), XCMD(ATC_ALL, ATC_FULL, s1, 0), XSYNC,
			XSUBMIT, XWAIT,
			XCMD(INV_TAG, IOTLB_S2, t0, 0), XSYNC,
			XCMD(S1_CLEAR, IOTLB_S2_S1_CLEAR, t0, 0), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	} else {
		const struct xev x[] = {
			XCMD(ATC_ALL, ATC_FULL, s0, 0), XCMD(ATC_ALL, ATC_FULL, s1, 0), XSYNC,
			XSUBMIT, XWAIT,
			XCMD(INV_TAG, IOTLB_S2, t0, 0), XSYNC, XSUBMIT, XWAIT,
			XCMD(S1_CLEAR, IOTLB_S2_S1_CLEAR, t0, 0), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	}
	check_held_throughout();
	assert_false(tag_held(inst, t0));
	check_world();

	/*
	 * 6. Nested user leaves while the parent is used directly on the same
	 * instance: the VM's stage-1 entries go, the stage-2 tag stays.
	 */
	do_attach(other, 0, P2);
	do_attach(dev, 2, N4);
	t0 = w.btag[P2][inst];
	watch(-1, 0);
	replace_logged(dev, 2, D1);
	{
		const struct xev x[] = {
			XCMD(ATC_ALL, ATC_FULL, s0, 0), XCMD(ATC_ALL, ATC_FULL, s1, 0), XSYNC,
			XSUBMIT, XWAIT,
			XCMD(S1_CLEAR, IOTLB_S2_S1_CLEAR, t0, 0), XSYNC, XSUBMIT, XWAIT,
		};
		check_exact_log(inst, x, ARRAY_SIZE(x));
	}
	assert_true(tag_held(inst, t0));
	check_world();
	world_teardown();
}

static void test_commit_order_no_sync_order(void **state)
{
	commit_order(false);
}

static void test_commit_order_sync_order(void **state)
{
	commit_order(true);
}

/* --------------------------------------------------------- (e) errors */

static void test_errors(void **state)
{
	struct invt_domain bad;
	struct invt_device dbad;
	struct invt_attach tx;
	struct invt_rec_iommu extra;
	uint32_t sids[INVT_MAX_SIDS + 1] = { 1, 2, 3, 4, 5 };

	world_standard(8);

	/* Bad ssid. */
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[1], 2, &w.dom[D0]), -EINVAL);
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[1], UINT32_MAX, NULL), -EINVAL);
	assert_int_equal(invt_attach(&w.dev[0], 4, &w.dom[D0]), -EINVAL);
	check_world();

	/* Nested domain without a parent, over a non-S2 parent; parent on a non-nested. */
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_NESTED, NULL), -EINVAL);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_NESTED, &w.dom[D0]), -EINVAL);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_NESTED, &w.dom[N3]), -EINVAL);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_S1, &w.dom[P2]), -EINVAL);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_S2, &w.dom[P2]), -EINVAL);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, (enum invt_domain_type)7, NULL), -EINVAL);
	/* Allocation failure in init: nothing registered. */
	invt_fault_inject(1);
	assert_int_equal(invt_domain_init(&w.ctx, &bad, INVT_DOMAIN_S1, NULL), -ENOMEM);
	invt_fault_inject(0);
	assert_int_equal(w.dom[P2].nr_children, 2);

	/* Device init errors. */
	assert_int_equal(invt_device_init(&dbad, &w.ri[0].iommu, sids, 0, 1, false), -EINVAL);
	assert_int_equal(invt_device_init(&dbad, &w.ri[0].iommu, sids, INVT_MAX_SIDS + 1, 1, false),
			 -EINVAL);
	assert_int_equal(invt_device_init(&dbad, &w.ri[0].iommu, sids, 1, 0, false), -EINVAL);
	assert_int_equal(invt_device_init(&dbad, NULL, sids, 1, 1, false), -EINVAL);
	/* A device allocates nothing up front, even with a 20-bit PASID space. */
	invt_fault_inject(1);
	assert_int_equal(invt_device_init(&dbad, &w.ri[0].iommu, sids, 1, 1u << 20, false), 0);
	assert_true(invt_fault_pending());
	invt_fault_inject(0);
	assert_int_equal(invt_device_destroy(&dbad), 0);

	/* A taken instance id. */
	assert_int_equal(invt_rec_iommu_init(&w.ctx, &extra, &w.rec, inst_id(1), 0, 4, NULL, 4),
			 -EEXIST);

	/* Device of an unregistered instance. */
	assert_int_equal(invt_rec_iommu_init(&w.ctx, &extra, &w.rec, 99, 0, 4, NULL, 4), 0);
	assert_int_equal(invt_device_init(&dbad, &extra.iommu, sids, 1, 1, true), 0);
	assert_int_equal(invt_rec_iommu_destroy(&extra), 0);
	assert_int_equal(invt_attach_prepare(&tx, &dbad, 0, &w.dom[D0]), -EINVAL);
	assert_int_equal(invt_attach(&dbad, 0, &w.dom[N3]), -EINVAL);
	assert_null(invt_device_domain(&dbad, 0));
	assert_int_equal(invt_device_destroy(&dbad), 0);
	assert_int_equal(invt_device_init(&dbad, &extra.iommu, sids, 1, 1, true), -EINVAL);
	check_world();

	/* Destroying what is in use. */
	do_attach(0, 0, D0);
	do_attach(2, 1, N3);
	check_world();
	assert_int_equal(invt_domain_destroy(&w.dom[D0]), -EBUSY);
	assert_int_equal(invt_domain_destroy(&w.dom[N3]), -EBUSY);
	assert_int_equal(invt_domain_destroy(&w.dom[P2]), -EBUSY);	/* has children */
	assert_int_equal(invt_device_destroy(&w.dev[0]), -EBUSY);
	assert_int_equal(invt_device_destroy(&w.dev[2]), -EBUSY);
	assert_int_equal(invt_iommu_unregister(&w.ri[0].iommu), -EBUSY);
	assert_int_equal(invt_rec_iommu_destroy(&w.ri[1]), -EBUSY);
	assert_int_equal(invt_ctx_destroy(&w.ctx), -EBUSY);
	check_world();
	/* Invalidation still works on all of them. */
	invalidate_page(D0);
	assert_int_equal(count_cmds(0, INVT_REC_INV_PAGE, w.btag[D0][0], 0), 1);
	invalidate_page(P2);
	assert_int_equal(count_cmds(1, INVT_REC_S1_CLEAR, w.btag[P2][1], 0), 1);

	/* Once detached, they go. */
	do_attach(0, 0, -1);
	assert_int_equal(invt_domain_destroy(&w.dom[D0]), 0);
	w.dom_gone[D0] = true;
	assert_int_equal(invt_device_destroy(&w.dev[0]), 0);
	w.dev_gone[0] = true;
	assert_int_equal(invt_domain_destroy(&w.dom[P2]), -EBUSY);	/* N3, N4 remain */
	do_attach(2, 1, -1);
	assert_int_equal(invt_domain_destroy(&w.dom[N3]), 0);
	w.dom_gone[N3] = true;
	assert_int_equal(invt_domain_destroy(&w.dom[P2]), -EBUSY);	/* N4 remains */
	assert_int_equal(invt_domain_destroy(&w.dom[N4]), 0);
	w.dom_gone[N4] = true;
	assert_int_equal(invt_domain_destroy(&w.dom[P2]), 0);
	w.dom_gone[P2] = true;
	check_world();
	assert_int_equal(invt_iommu_unregister(&w.ri[0].iommu), 0);
	assert_int_equal(invt_iommu_unregister(&w.ri[0].iommu), -EINVAL);	/* already */
	invt_tag_space_destroy(&w.ri[0].tags);
	w.unregistered[0] = true;
	assert_int_equal(invt_attach(&w.dev[1], 0, &w.dom[D1]), -EINVAL);
	check_world();

	/* Instance 1 goes on working. */
	do_attach(2, 0, D1);
	do_attach(2, 1, D5);
	check_world();
	world_teardown();
}

/* -ENOSPC: a full tag space leaves everything as it was. */
static void test_enospc(void **state)
{
	struct invt_invs *raw[MAXD];
	struct invt_attach tx;
	int d;

	world_standard(2);	/* 2 tags per instance */
	do_attach(0, 0, D0);
	do_attach(0, 1, D1);
	check_world();
	assert_int_equal(invt_tag_space_used(&w.ri[0].tags), 2);

	for (d = 0; d < w.ndom; d++)
		raw[d] = w.dom[d].invs;
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[1], 0, &w.dom[D5]), -ENOSPC);
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 0, &w.dom[D5]), -ENOSPC);
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 2, &w.dom[N3]), -ENOSPC);
	assert_int_equal(invt_attach(&w.dev[1], 1, &w.dom[P2]), -ENOSPC);
	for (d = 0; d < w.ndom; d++)
		assert_ptr_equal(w.dom[d].invs, raw[d]);
	check_world();

	/* Domains holding a tag here still attach; the other instance is not full. */
	do_attach(1, 0, D0);
	do_attach(2, 0, D5);
	do_attach(2, 1, N3);
	check_world();

	/* A released tag is available again, lowest first. */
	do_attach(0, 1, -1);
	assert_false(tag_held(0, 2));
	do_attach(1, 1, N4);
	assert_int_equal(w.btag[P2][0], 2);
	check_world();
	assert_int_equal(invt_attach_prepare(&tx, &w.dev[0], 3, &w.dom[D1]), -ENOSPC);
	check_world();
	world_teardown();
}

/* ------------------------------------------------ has_atc, duplicate SIDs */

/*
 * After the last ATC entry leaves (cut off the end of the array, so there is
 * no trash to purge), the published array must stop saying has_atc.
 */
static void test_atc_lock_dropped(void **state)
{
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_domain dom;
	struct invt_device ats, plain;
	uint32_t sid_a = 7, sid_p = 8;

	invt_ctx_init(&ctx);
	invt_recorder_init(&rec, false);
	assert_int_equal(invt_rec_iommu_init(&ctx, &ri, &rec, 0, 0, 4, NULL, 4), 0);
	assert_int_equal(invt_domain_init(&ctx, &dom, INVT_DOMAIN_S1, NULL), 0);
	assert_int_equal(invt_device_init(&ats, &ri.iommu, &sid_a, 1, 1, true), 0);
	assert_int_equal(invt_device_init(&plain, &ri.iommu, &sid_p, 1, 1, false), 0);

	assert_int_equal(invt_attach(&plain, 0, &dom), 0);
	assert_int_equal(invt_attach(&ats, 0, &dom), 0);
	assert_int_equal(dom.invs->has_atc, 1);
	assert_int_equal(invt_attach(&ats, 0, NULL), 0);
	/* IOTLB entry still live (plain), ATC entry gone. */
	assert_int_equal(dom.invs->num_invs - dom.invs->num_trashes, 1);
	assert_int_equal(dom.invs->has_atc, 0);

	assert_int_equal(invt_attach(&plain, 0, NULL), 0);
	assert_int_equal(invt_device_destroy(&ats), 0);
	assert_int_equal(invt_device_destroy(&plain), 0);
	assert_int_equal(invt_domain_destroy(&dom), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	assert_int_equal(invt_ctx_destroy(&ctx), 0);
	invt_recorder_destroy(&rec);
}

static void test_duplicate_sids(void **state)
{
	struct invt_ctx ctx;
	struct invt_recorder rec;
	struct invt_rec_iommu ri;
	struct invt_device dev;
	uint32_t dup[3] = { 5, 6, 5 }, ok[3] = { 5, 6, 7 };

	invt_ctx_init(&ctx);
	invt_recorder_init(&rec, false);
	assert_int_equal(invt_rec_iommu_init(&ctx, &ri, &rec, 0, 0, 4, NULL, 4), 0);
	assert_int_equal(invt_device_init(&dev, &ri.iommu, dup, 3, 1, true), -EINVAL);
	assert_int_equal(invt_device_init(&dev, &ri.iommu, ok, 3, 1, true), 0);
	assert_int_equal(invt_device_destroy(&dev), 0);
	assert_int_equal(invt_rec_iommu_destroy(&ri), 0);
	assert_int_equal(invt_ctx_destroy(&ctx), 0);
	invt_recorder_destroy(&rec);
}

/* ------------------------------------------------ (f) instance removal */

/* Whether the raw published array of @dom has any entry (live or trash) on @inst. */
static bool raw_names(int dom, int inst, bool *trash)
{
	const struct invt_invs *invs = w.dom[dom].invs;
	bool found = false;
	size_t i;

	*trash = false;
	for (i = 0; i < invs->num_invs; i++) {
		if (invs->inv[i].iommu == &w.ri[inst].iommu) {
			found = true;
			*trash |= !invs->inv[i].users;
		}
	}
	return found;
}

static void test_instance_removal(void **state)
{
	struct invt_invs *got;
	bool trash;
	int d, i, k;

	world_init(3, (const unsigned int[]){ SO, 0, SO }, 8);
	world_domain(INVT_DOMAIN_S1, 0);	/* D0 */
	world_domain(INVT_DOMAIN_S1, 0);	/* D1 */
	world_domain(INVT_DOMAIN_S2, 0);	/* P2 */
	world_domain(INVT_DOMAIN_NESTED, P2);	/* N3 */
	world_device(1, 2, true, 2);		/* dev 0 on the instance removed */
	world_device(0, 1, true, 2);		/* dev 1 */
	world_device(2, 3, true, 1);		/* dev 2 */
	world_device(1, 1, false, 2);		/* dev 3 on the instance removed */

	/*
	 * Instance 1 (id 20) sorts between instance 2 (id 10) and instance 0
	 * (id 30): its entries are in the middle of the arrays, so that a
	 * detach whose purge fails leaves them there as trash.
	 */
	do_attach(0, 0, D0);
	do_attach(1, 0, D0);
	do_attach(2, 0, D0);
	do_attach(0, 1, N3);
	do_attach(3, 0, P2);
	do_attach(1, 1, P2);
	do_attach(2, 0, -1);
	do_attach(2, 0, N3);
	do_attach(3, 1, D1);
	check_world();
	assert_int_equal(invt_rec_iommu_destroy(&w.ri[1]), -EBUSY);

	/* Detach instance 1's devices; D0's and P2's purges fail: trash stays. */
	invt_fault_inject(1);
	do_attach(0, 0, -1);
	invt_fault_inject(0);
	invt_fault_inject(1);
	do_attach(0, 1, -1);
	invt_fault_inject(0);
	invt_fault_inject(1);
	do_attach(3, 0, -1);
	invt_fault_inject(0);
	do_attach(3, 1, -1);
	check_world();
	assert_true(raw_names(D0, 1, &trash));
	assert_true(trash);
	assert_true(raw_names(P2, 1, &trash));
	assert_true(trash);

	/* The rebuild of an array fails: nothing unregistered, try again. */
	invt_fault_inject(1);
	assert_int_equal(invt_iommu_unregister(&w.ri[1].iommu), -ENOMEM);
	invt_fault_inject(0);
	assert_ptr_equal(w.ri[1].iommu.ctx, &w.ctx);
	{
		struct invt_rec_iommu dup;

		assert_int_equal(invt_rec_iommu_init(&w.ctx, &dup, &w.rec, inst_id(1), 0, 4, NULL,
						     4),
				 -EEXIST);
	}
	check_world();

	assert_int_equal(invt_rec_iommu_destroy(&w.ri[1]), 0);
	w.unregistered[1] = true;
	assert_null(w.ri[1].iommu.ctx);
	for (d = 0; d < w.ndom; d++) {
		assert_false(raw_names(d, 1, &trash));
		got = invt_domain_invs_get(&w.dom[d]);
		assert_non_null(got);
		for (i = 0; i < (int)got->num_invs; i++)
			assert_ptr_not_equal(got->inv[i].iommu, &w.ri[1].iommu);
		invt_invs_free(got);
	}
	/* The other instances' entries are untouched. */
	check_world();

	/* Invalidation reaches exactly the remaining instances. */
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate_all(&w.dom[D0]), 0);
	for (i = 0; i < (int)w.rec.nlog; i++)
		assert_int_not_equal(w.rec.log[i].iommu, inst_id(1));
	assert_int_equal(count_cmds(0, INVT_REC_INV_TAG, w.btag[D0][0], 0), 1);
	assert_int_equal(count_cmds(0, INVT_REC_ATC_ALL, dev_sid(1, 0), 0), 1);
	invt_recorder_reset(&w.rec);
	assert_int_equal(invt_domain_invalidate_all(&w.dom[P2]), 0);
	for (i = 0; i < (int)w.rec.nlog; i++)
		assert_int_not_equal(w.rec.log[i].iommu, inst_id(1));
	assert_int_equal(count_cmds(2, INVT_REC_S1_CLEAR, w.btag[P2][2], 0), 1);
	for (k = 0; k < 3; k++)
		assert_int_equal(count_cmds(2, INVT_REC_ATC_ALL, dev_sid(2, k), 0), 1);

	/* Devices of the removed instance can only be destroyed. */
	assert_int_equal(invt_attach(&w.dev[0], 0, &w.dom[D0]), -EINVAL);
	assert_int_equal(invt_device_destroy(&w.dev[0]), 0);
	w.dev_gone[0] = true;
	assert_int_equal(invt_device_destroy(&w.dev[3]), 0);
	w.dev_gone[3] = true;
	world_teardown();
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(fi_cases) + 16];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(fi_cases); i++) {
		tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_fault_injection,
									 (void *)&fi_cases[i]);
		tests[n].name = fi_cases[i].name;
		n++;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_abort);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_two_phase);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_commit_order_no_sync_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_commit_order_sync_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_errors);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_enospc);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_instance_removal);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_atc_lock_dropped);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_duplicate_sids);

	invt_rcu_register_thread();
	alarm(TIME_BOUND);
	return _cmocka_run_group_tests("attach", tests, n, NULL, NULL);
}
