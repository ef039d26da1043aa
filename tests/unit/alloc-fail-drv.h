/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * alloc-fail-drv.h - the enumerations every driver's allocation-failure test
 * runs the same way (tests/unit/test_alloc_fail_<arch>.c), over a driver
 * given as struct af_drv: master A's init, each domain type's init, and
 * attaches, PASID attaches and replaces between domains 0 and 2 (stage 1,
 * or first-stage) and domain 1 (stage 2, or second-stage), with master A
 * (ATS, PASIDs) and master B (no ATS, one ssid).  Include after
 * alloc-fail.h.
 */
#ifndef INVTRACK_TESTS_ALLOC_FAIL_DRV_H
#define INVTRACK_TESTS_ALLOC_FAIL_DRV_H

#include "alloc-fail.h"

/**
 * struct af_drv - one driver over the test's one instance.
 * @name: prefixes every enumeration's name ("smmuv3").
 * @rid: what an attachment without PASID is called ("RID", "device").
 * @s1: a stage-1 domain's name ("stage-1", "first-stage").
 * @s2: a stage-2 domain's name.
 * @tag: what a domain's tag is called ("tag", "DID", "PSCID").
 * @master_what: what master A's init allocates ("CD table").
 * @mem: model memory (page-table pages of the domains).
 * @w: the test's watch.
 * @pt: the page-table memory of domains 0..2.
 * @up: bring the instance up and watch its tag spaces (and skip its queue
 *	memory in the snapshots).
 * @down: tear it down.
 * @master_init: master @m (0: A, 1: B) with its stream id.
 * @master_destroy: master @m.
 * @domain_init: domain @i, stage 2 when @s2, over @ops.
 * @domain_destroy: domain @i.
 * @domain: the core's domain of domain @i.
 * @attach: (master @m, @ssid) -> domain @dom (-1: blocked).
 */
struct af_drv {
	const char *name;
	const char *rid;
	const char *s1;
	const char *s2;
	const char *tag;
	const char *master_what;
	struct invt_mem *mem;
	struct af_watch *w;
	struct af_pt *pt;
	void (*up)(void);
	int (*down)(void);
	int (*master_init)(int m);
	int (*master_destroy)(int m);
	int (*domain_init)(int i, bool s2, struct invt_pt_ops *ops);
	int (*domain_destroy)(int i);
	struct invt_domain *(*domain)(int i);
	int (*attach)(int m, uint32_t ssid, int dom);
};

static const struct af_drv *af_d;
static int af_step;

static int af_noop(void *arg)
{
	(void)arg;
	return 0;
}

static int af_op_master(void *arg)
{
	(void)arg;
	return af_d->master_init(0);
}

static int af_op_master_destroy(void *arg)
{
	(void)arg;
	return af_d->master_destroy(0);
}

/* Master A's init: its configuration tables. */
static void af_test_master(const struct af_drv *d)
{
	char what[128];

	af_d = d;
	d->up();
	snprintf(what, sizeof(what), "%s master init (%s)", d->name, d->master_what);
	af_enumerate(d->w, what, af_noop, af_op_master, af_op_master_destroy, NULL);
	assert_int_equal(d->down(), 0);
}

static int af_prep_domain(void *arg)
{
	(void)arg;
	af_pt_init(&af_d->pt[af_step], af_d->mem, 10 + af_step);
	return 0;
}

static int af_op_domain(void *arg)
{
	(void)arg;
	return af_d->domain_init(af_step, af_step == 1, &af_d->pt[af_step].ops);
}

static int af_op_domain_destroy(void *arg)
{
	(void)arg;
	return af_d->domain_destroy(af_step);
}

/* A stage-1 and a stage-2 domain's init: page-table root, core state. */
static void af_test_domain(const struct af_drv *d)
{
	char what[128];

	af_d = d;
	for (af_step = 0; af_step < 2; af_step++) {
		d->w->pt[0] = &d->pt[af_step];
		d->w->nr_pt = 1;
		snprintf(what, sizeof(what), "%s %s domain init", d->name,
			 af_step ? d->s2 : d->s1);
		af_enumerate(d->w, what, af_prep_domain, af_op_domain, af_op_domain_destroy, NULL);
		assert_int_equal(d->pt[af_step].live, 0);
	}
	d->w->nr_pt = 0;
}

/*
 * Attach scenarios: @pre attachments are made by the preparation, then @op
 * is the attachment whose allocations fail.
 */
struct af_att {
	int m;		/* 0: A, 1: B */
	uint32_t ssid;
	int dom;	/* -1: blocked */
};

struct af_scen {
	char what[128];
	struct af_att pre[3];
	unsigned int nr_pre;
	struct af_att op;
};

static int af_do_att(const struct af_att *a)
{
	return af_d->attach(a->m, a->ssid, a->dom);
}

static int af_prep_attach(void *arg)
{
	const struct af_scen *sc = arg;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < 3; i++) {
		af_pt_init(&af_d->pt[i], af_d->mem, 10 + i);
		ret = af_d->domain_init(i, i == 1, &af_d->pt[i].ops);
	}
	if (!ret)
		ret = af_d->master_init(0);
	if (!ret)
		ret = af_d->master_init(1);
	for (i = 0; !ret && i < sc->nr_pre; i++)
		ret = af_do_att(&sc->pre[i]);
	return ret;
}

static int af_op_attach(void *arg)
{
	const struct af_scen *sc = arg;

	return af_do_att(&sc->op);
}

/* Detach in reverse (PASIDs before their RID), then free everything. */
static int af_clean_attach(void *arg)
{
	const struct af_scen *sc = arg;
	struct af_att a = sc->op;
	int i, ret;

	a.dom = -1;
	ret = af_do_att(&a);
	for (i = (int)sc->nr_pre - 1; !ret && i >= 0; i--) {
		a = sc->pre[i];
		a.dom = -1;
		ret = af_do_att(&a);
	}
	if (!ret)
		ret = af_d->master_destroy(0);
	if (!ret)
		ret = af_d->master_destroy(1);
	for (i = 0; !ret && i < 3; i++) {
		ret = af_d->domain_destroy(i);
		assert_int_equal(af_d->pt[i].live, 0);
	}
	return ret;
}

/*
 * Attaches of a blocked RID to each domain type, of a PASID, and replaces
 * (to the same type with a PASID attached, across types, and onto a tag
 * another device holds): arrays, tags, configuration entries.
 */
static void af_test_attach(const struct af_drv *d)
{
	struct af_scen sc[] = {
		{ "", {}, 0, { 0, 0, 0 } },
		{ "", {}, 0, { 1, 0, 1 } },
		{ "", { { 0, 0, 2 } }, 1, { 0, 1, 0 } },
		{ "", { { 0, 0, 2 }, { 0, 1, 0 } }, 2, { 0, 0, 0 } },
		{ "", { { 1, 0, 0 } }, 1, { 1, 0, 1 } },
		{ "", { { 0, 0, 0 }, { 1, 0, 1 } }, 2, { 1, 0, 0 } },
	};
	unsigned int i;

	af_d = d;
	snprintf(sc[0].what, sizeof(sc[0].what), "%s attach %s (ATS) to a %s domain", d->name,
		 d->rid, d->s1);
	snprintf(sc[1].what, sizeof(sc[1].what), "%s attach %s to a %s domain", d->name, d->rid,
		 d->s2);
	snprintf(sc[2].what, sizeof(sc[2].what), "%s attach PASID 1 to a %s domain", d->name,
		 d->s1);
	snprintf(sc[3].what, sizeof(sc[3].what), "%s replace %s %s -> %s (a PASID attached)",
		 d->name, d->rid, d->s1, d->s1);
	snprintf(sc[4].what, sizeof(sc[4].what), "%s replace %s %s -> %s", d->name, d->rid,
		 d->s1, d->s2);
	snprintf(sc[5].what, sizeof(sc[5].what), "%s replace %s %s -> %s (second user of a %s)",
		 d->name, d->rid, d->s2, d->s1, d->tag);
	d->up();
	for (i = 0; i < 3; i++)
		d->w->dom[i] = d->domain(i);
	d->w->nr_dom = 3;
	for (i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		af_enumerate(d->w, sc[i].what, af_prep_attach, af_op_attach, af_clean_attach,
			     &sc[i]);
	d->w->nr_dom = 0;
	assert_int_equal(d->down(), 0);
}

/*
 * AF_DRV_TESTS() - the struct af_drv of a driver whose API has the common
 * shape (invt_<pfx>_master_init(), _master_destroy(), _domain_init(),
 * _domain_destroy(), _attach()), over the test's E->ma, E->mb, E->dom[3],
 * E->pt[3], E->ctx, E->mem and E->w, and its cmocka tests test_master,
 * test_domain and test_attach.
 * @pfx: the API's prefix (smmu, vtd, rv).
 * @unit: the driver's instance (an lvalue of the test's struct env).
 * @ssids: master A's ssids (master B has one).
 * @upfn: void (*)(void): bring the instance up, watching its tag spaces.
 * @downfn: int (*)(void): tear it down.
 * @...: the struct af_drv names: .name, .rid, .s1, .s2, .tag, .master_what.
 */
#define AF_DRV_TESTS(pfx, unit, ssids, upfn, downfn, ...)				\
static int drv_master_init(int m)							\
{											\
	uint32_t sid = m ? SID_B : SID_A;						\
											\
	return invt_##pfx##_master_init(m ? &E->mb : &E->ma, &(unit), &sid, 1,		\
					m ? 1 : (ssids), !m);				\
}											\
											\
static int drv_master_destroy(int m)							\
{											\
	return invt_##pfx##_master_destroy(m ? &E->mb : &E->ma);			\
}											\
											\
static int drv_domain_init(int i, bool s2, struct invt_pt_ops *ops)			\
{											\
	return invt_##pfx##_domain_init(&E->dom[i], &E->ctx,				\
					s2 ? INVT_DOMAIN_S2 : INVT_DOMAIN_S1, ops);	\
}											\
											\
static int drv_domain_destroy(int i)							\
{											\
	return invt_##pfx##_domain_destroy(&E->dom[i]);				\
}											\
											\
static struct invt_domain *drv_domain(int i)						\
{											\
	return &E->dom[i].dom;								\
}											\
											\
static int drv_attach(int m, uint32_t ssid, int dom)					\
{											\
	return invt_##pfx##_attach(m ? &E->mb : &E->ma, ssid,				\
				   dom < 0 ? NULL : &E->dom[dom]);			\
}											\
											\
static const struct af_drv *drv(void)							\
{											\
	static struct af_drv d = {							\
		__VA_ARGS__, .up = (upfn), .down = (downfn),				\
		.master_init = drv_master_init, .master_destroy = drv_master_destroy,	\
		.domain_init = drv_domain_init, .domain_destroy = drv_domain_destroy,	\
		.domain = drv_domain, .attach = drv_attach,				\
	};										\
											\
	d.mem = E->mem;									\
	d.w = &E->w;									\
	d.pt = E->pt;									\
	return &d;									\
}											\
											\
static void test_master(void **state)							\
{											\
	af_test_master(drv());								\
}											\
											\
static void test_domain(void **state)							\
{											\
	af_test_domain(drv());								\
}											\
											\
static void test_attach(void **state)							\
{											\
	af_test_attach(drv());								\
}

#endif /* INVTRACK_TESTS_ALLOC_FAIL_DRV_H */
