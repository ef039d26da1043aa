/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * alloc-fail-drv.h - the enumerations every driver's allocation-failure test
 * runs the same way (tests/unit/test_alloc_fail_<arch>.c), over a driver
 * given as struct af_drv: master A's init, each domain type's init, and
 * attaches, PASID attaches and replaces between domains 0 and 2 (stage 1,
 * or first-stage) and domain 1 (stage 2, or second-stage), with master A
 * (ATS, PASIDs) and master B (no ATS, one ssid); nested domains 3 and 4
 * over domain 1 (their init, and master B's transitions nested <-> parent
 * <-> the other nested domain <-> blocked); and the viommu layer over
 * the driver's instance (viommu, vdevice, nested domain and event queue
 * allocation; nested attaches through a viommu, whose vdevice pins are
 * watched; an event lost to an allocation failure).  Include after
 * alloc-fail.h.
 */
#ifndef INVTRACK_TESTS_ALLOC_FAIL_DRV_H
#define INVTRACK_TESTS_ALLOC_FAIL_DRV_H

#include "alloc-fail.h"

#include <invtrack/viommu.h>

/* Domains: 0, 2 stage 1; 1 stage 2, the nest parent; 3, 4 nested over 1. */
#define AF_NR_DOMS	5
#define AF_PARENT	1
#define AF_N1		3
#define AF_N2		4
/* Master B's virtual id in the viommu; domain 4's vtag there. */
#define AF_VID		0x42
#define AF_VTAG		9

/**
 * enum af_op - the operations each driver's test enumerates; the index of
 * struct af_drv.expect.
 */
enum af_op {
	AF_OP_MASTER,		/* master A's init */
	AF_OP_DOM_S1,		/* a stage-1 domain's init */
	AF_OP_DOM_S2,		/* a stage-2 domain's init */
	AF_OP_ATT_S1,		/* A's RID blocked -> stage 1 */
	AF_OP_ATT_S2,		/* B's RID blocked -> stage 2 */
	AF_OP_ATT_PASID,	/* A's PASID 1 blocked -> stage 1 */
	AF_OP_REP_S1_S1,	/* A's RID stage 1 -> stage 1, a PASID attached */
	AF_OP_REP_S1_S2,	/* B's RID stage 1 -> stage 2 */
	AF_OP_REP_S2_S1,	/* B's RID stage 2 -> stage 1 (a tag's second user) */
	AF_OP_DOM_NESTED,	/* a nested domain's init */
	AF_OP_N_ATTACH,		/* B blocked -> nested */
	AF_OP_N_FROM_PARENT,	/* B parent -> nested */
	AF_OP_N_TO_PARENT,	/* B nested -> parent */
	AF_OP_N_TO_NESTED,	/* B nested -> the other nested */
	AF_OP_N_FROM_S1,	/* B stage 1 -> nested */
	AF_OP_N_DETACH,		/* B nested -> blocked */
	AF_OP_V_CREATE,		/* a viommu over the parent */
	AF_OP_V_VDEV,		/* a vdevice for B */
	AF_OP_V_NESTED_INIT,	/* a nested domain allocated through the viommu */
	AF_OP_V_ADOPT,		/* a driver's nested domain adopted by the viommu */
	AF_OP_V_EVENTQ,		/* an event queue */
	AF_OP_V_ATTACH,		/* B blocked -> the viommu's nested domain */
	AF_OP_V_FROM_NESTED,	/* B nested -> the viommu's nested domain */
	AF_OP_V_TO_PARENT,	/* B the viommu's nested domain -> parent */
	AF_OP_ARCH,		/* the arch test's own (SMMUv3: a new CD leaf) */
	AF_OP_ARCH2,		/* and another */
	AF_NR_OPS
};

/**
 * struct af_drv - one driver over the test's one instance.
 * @name: prefixes every enumeration's name ("smmuv3").
 * @rid: what an attachment without PASID is called ("RID", "device").
 * @s1: a stage-1 domain's name ("stage-1", "first-stage").
 * @s2: a stage-2 domain's name.
 * @tag: what a domain's tag is called ("tag", "DID", "PSCID").
 * @master_what: what master A's init allocates ("CD table").
 * @viommu_arch: the viommu's enum invt_viommu_arch.
 * @vevent_type: its event queue's enum invt_vevent_type.
 * @expect: the sites (heap, DMA, page-table) of each enum af_op.
 * @mem: model memory (page-table pages of the domains).
 * @w: the test's watch.
 * @pt: the page-table memory of domains 0..2.
 * @up: bring the instance up and watch its tag spaces (and skip its queue
 *	memory in the snapshots).
 * @down: tear it down.
 * @master_init: master @m (0: A, 1: B) with its stream id.
 * @master_destroy: master @m.
 * @domain_init: domain @i, stage 2 when @s2, over @ops.
 * @domain_init_nested: domain @i, nested over domain @parent (the guest's
 *	table fields are the test's).
 * @domain_destroy: domain @i.
 * @domain: the core's domain of domain @i.
 * @device: the core's device of master @m.
 * @iommu: the core's instance.
 * @attach: (master @m, @ssid) -> domain @dom (-1: blocked).
 * @fault_record: an event record of @vevent_type naming physical id @pid.
 */
struct af_drv {
	const char *name;
	const char *rid;
	const char *s1;
	const char *s2;
	const char *tag;
	const char *master_what;
	int viommu_arch;
	int vevent_type;
	const unsigned long (*expect)[AF_NR_KINDS];
	struct invt_mem *mem;
	struct af_watch *w;
	struct af_pt *pt;
	void (*up)(void);
	int (*down)(void);
	int (*master_init)(int m);
	int (*master_destroy)(int m);
	int (*domain_init)(int i, bool s2, struct invt_pt_ops *ops);
	int (*domain_init_nested)(int i, int parent);
	int (*domain_destroy)(int i);
	struct invt_domain *(*domain)(int i);
	struct invt_device *(*device)(int m);
	struct invt_iommu *(*iommu)(void);
	int (*attach)(int m, uint32_t ssid, int dom);
	void (*fault_record)(uint8_t *rec, uint32_t pid);
};

static const struct af_drv *af_d;
static int af_step;

/* The sites @d expects of operation @id (NULL: none given, only printed). */
static const unsigned long *af_exp(const struct af_drv *d, enum af_op id)
{
	return d->expect ? d->expect[id] : NULL;
}

static int af_noop(void *arg)
{
	(void)arg;
	return 0;
}

static int af_prep_master(void *arg)
{
	(void)arg;
	af_d->up();
	return 0;
}

static int af_op_master(void *arg)
{
	(void)arg;
	return af_d->master_init(0);
}

static int af_op_master_destroy(void *arg)
{
	int ret;

	(void)arg;
	ret = af_d->master_destroy(0);
	return ret ? ret : af_d->down();
}

/*
 * Master A's init: its configuration tables.  A fresh instance each time:
 * what a master's init allocates on first use and keeps (a two-level
 * stream table's leaf array) is found by every kind of allocation.
 */
static void af_test_master(const struct af_drv *d)
{
	char what[128];

	af_d = d;
	snprintf(what, sizeof(what), "%s master init (%s)", d->name, d->master_what);
	af_enumerate(d->w, what, af_prep_master, af_op_master, af_op_master_destroy, NULL,
		     af_exp(d, AF_OP_MASTER));
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

/* The nest parent alone; its nested domain's init. */
static int af_prep_parent(void *arg)
{
	(void)arg;
	af_pt_init(&af_d->pt[AF_PARENT], af_d->mem, 10 + AF_PARENT);
	return af_d->domain_init(AF_PARENT, true, &af_d->pt[AF_PARENT].ops);
}

static int af_op_nested(void *arg)
{
	(void)arg;
	return af_d->domain_init_nested(AF_N1, AF_PARENT);
}

static int af_op_nested_destroy(void *arg)
{
	int ret;

	(void)arg;
	ret = af_d->domain_destroy(AF_N1);
	return ret ? ret : af_d->domain_destroy(AF_PARENT);
}

/*
 * A stage-1 and a stage-2 domain's init: page-table root, core state; a
 * nested domain's: core state, the parent's children count watched.
 */
static void af_test_domain(const struct af_drv *d)
{
	char what[128];

	af_d = d;
	for (af_step = 0; af_step < 2; af_step++) {
		d->w->pt[0] = &d->pt[af_step];
		d->w->nr_pt = 1;
		snprintf(what, sizeof(what), "%s %s domain init", d->name,
			 af_step ? d->s2 : d->s1);
		af_enumerate(d->w, what, af_prep_domain, af_op_domain, af_op_domain_destroy, NULL,
			     af_exp(d, af_step ? AF_OP_DOM_S2 : AF_OP_DOM_S1));
		assert_int_equal(d->pt[af_step].live, 0);
	}
	d->w->nr_pt = 0;
	d->w->dom[0] = d->domain(AF_PARENT);
	d->w->nr_dom = 1;
	snprintf(what, sizeof(what), "%s nested domain init", d->name);
	af_enumerate(d->w, what, af_prep_parent, af_op_nested, af_op_nested_destroy, NULL,
		     af_exp(d, AF_OP_DOM_NESTED));
	d->w->nr_dom = 0;
	assert_int_equal(d->pt[AF_PARENT].live, 0);
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

/*
 * What the preparation builds, beyond domains 0..4 and masters A and B:
 * a viommu over the parent (AF_V_VIOMMU), B's vdevice in it (AF_V_VDEV),
 * domain 4 adopted by it (AF_V_ADOPT: attaching it then needs and pins
 * the vdevice), its event queue (AF_V_EVENTQ).
 */
enum {
	AF_V_VIOMMU = 1 << 0,
	AF_V_VDEV = 1 << 1,
	AF_V_ADOPT = 1 << 2,
	AF_V_EVENTQ = 1 << 3,
	AF_V_ALL = 0xf,
};

struct af_scen {
	char what[128];
	enum af_op id;
	struct af_att pre[3];
	unsigned int nr_pre;
	struct af_att op;
	unsigned int v;		/* AF_V_*, made before @pre */
};

static struct invt_viommu *af_v;
static struct invt_domain af_vdom;	/* a nested domain allocated through af_v */

/* The viommu state a failure must leave: B's vdevice and its pins. */
static void af_viommu_snap(struct af_snap *s)
{
	unsigned int pins = 0;
	uint32_t pid = 0;
	long depth;
	int ret;

	af_part(s, "the viommu's vdevice of master B and its pins");
	ret = af_v ? invt_vdevice_lookup(af_v, AF_VID, &pid, &pins) : -ENXIO;
	af_put(s, &ret, sizeof(ret));
	af_put(s, &pid, sizeof(pid));
	af_put(s, &pins, sizeof(pins));
	af_part(s, "the viommu's event queue depth");
	depth = af_v ? invt_veventq_depth(af_v, af_d->vevent_type) : -ENXIO;
	af_put(s, &depth, sizeof(depth));
}

static int af_viommu_up(unsigned int v)
{
	int ret = 0;

	if (v & AF_V_VIOMMU)
		ret = invt_viommu_create(&af_v, af_d->viommu_arch, af_d->iommu(),
					 af_d->domain(AF_PARENT));
	if (!ret && (v & AF_V_VDEV))
		ret = invt_vdevice_create(af_v, AF_VID, af_d->device(1));
	if (!ret && (v & AF_V_ADOPT))
		ret = invt_viommu_nested_adopt(af_v, af_d->domain(AF_N2), AF_VTAG);
	if (!ret && (v & AF_V_EVENTQ))
		ret = invt_veventq_alloc(af_v, af_d->vevent_type, 4);
	return ret;
}

/* Undo af_viommu_up() (every attachment gone). */
static int af_viommu_down(void)
{
	int ret = 0;

	if (!af_v)
		return 0;
	if (!invt_vdevice_lookup(af_v, AF_VID, NULL, NULL))
		ret = invt_vdevice_destroy(af_v, AF_VID);
	if (!ret && af_d->domain(AF_N2)->pin_ops)
		ret = invt_viommu_nested_release(af_v, af_d->domain(AF_N2));
	if (!ret)
		ret = invt_viommu_destroy(af_v);
	if (!ret)
		af_v = NULL;
	return ret;
}

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
		ret = af_d->domain_init_nested(AF_N1, AF_PARENT);
	if (!ret)
		ret = af_d->domain_init_nested(AF_N2, AF_PARENT);
	if (!ret)
		ret = af_d->master_init(0);
	if (!ret)
		ret = af_d->master_init(1);
	if (!ret)
		ret = af_viommu_up(sc->v);
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
		ret = af_viommu_down();
	if (!ret)
		ret = af_d->master_destroy(0);
	if (!ret)
		ret = af_d->master_destroy(1);
	/* The nested domains first: they pin their parent. */
	if (!ret)
		ret = af_d->domain_destroy(AF_N2);
	if (!ret)
		ret = af_d->domain_destroy(AF_N1);
	for (i = 0; !ret && i < 3; i++) {
		ret = af_d->domain_destroy(i);
		assert_int_equal(af_d->pt[i].live, 0);
	}
	return ret;
}

static void af_run_scens(const struct af_drv *d, struct af_scen *sc, unsigned int n)
{
	unsigned int i;

	d->up();
	for (i = 0; i < AF_NR_DOMS; i++)
		d->w->dom[i] = d->domain(i);
	d->w->nr_dom = AF_NR_DOMS;
	d->w->extra = af_viommu_snap;
	for (i = 0; i < n; i++)
		af_enumerate(d->w, sc[i].what, af_prep_attach, af_op_attach, af_clean_attach,
			     &sc[i], af_exp(d, sc[i].id));
	d->w->extra = NULL;
	d->w->nr_dom = 0;
	assert_int_equal(d->down(), 0);
}

/*
 * Attaches of a blocked RID to each domain type, of a PASID, and replaces
 * (to the same type with a PASID attached, across types, and onto a tag
 * another device holds): arrays, tags, configuration entries.
 */
static void af_test_attach(const struct af_drv *d)
{
	struct af_scen sc[] = {
		{ "", AF_OP_ATT_S1, {}, 0, { 0, 0, 0 }, 0 },
		{ "", AF_OP_ATT_S2, {}, 0, { 1, 0, 1 }, 0 },
		{ "", AF_OP_ATT_PASID, { { 0, 0, 2 } }, 1, { 0, 1, 0 }, 0 },
		{ "", AF_OP_REP_S1_S1, { { 0, 0, 2 }, { 0, 1, 0 } }, 2, { 0, 0, 0 }, 0 },
		{ "", AF_OP_REP_S1_S2, { { 1, 0, 0 } }, 1, { 1, 0, 1 }, 0 },
		{ "", AF_OP_REP_S2_S1, { { 0, 0, 0 }, { 1, 0, 1 } }, 2, { 1, 0, 0 }, 0 },
	};

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
	af_run_scens(d, sc, sizeof(sc) / sizeof(sc[0]));
}

/*
 * Master B's transitions through nested domains: blocked -> nested,
 * parent -> nested -> parent, nested -> the other nested, stage 1 ->
 * nested, nested -> blocked.  The parent's array (its S1_CLEAR and
 * ATC_FULL entries), the tags, the nested domains' bindings and the
 * configuration entries must stay as they were.
 */
static void af_test_nested(const struct af_drv *d)
{
	static const struct {
		enum af_op id;
		const char *what;
		int from, to;
	} t[] = {
		{ AF_OP_N_ATTACH, "blocked -> nested", -1, AF_N1 },
		{ AF_OP_N_FROM_PARENT, "parent -> nested", AF_PARENT, AF_N1 },
		{ AF_OP_N_TO_PARENT, "nested -> parent", AF_N1, AF_PARENT },
		{ AF_OP_N_TO_NESTED, "nested -> another nested", AF_N1, AF_N2 },
		{ AF_OP_N_FROM_S1, "stage-1 -> nested", 0, AF_N1 },
		{ AF_OP_N_DETACH, "nested -> blocked", AF_N1, -1 },
	};
	struct af_scen sc[sizeof(t) / sizeof(t[0])];
	unsigned int i;

	af_d = d;
	memset(sc, 0, sizeof(sc));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(sc[i].what, sizeof(sc[i].what), "%s %s %s", d->name, d->rid, t[i].what);
		sc[i].id = t[i].id;
		if (t[i].from >= 0) {
			sc[i].pre[0] = (struct af_att){ 1, 0, t[i].from };
			sc[i].nr_pre = 1;
		}
		sc[i].op = (struct af_att){ 1, 0, t[i].to };
	}
	af_run_scens(d, sc, sizeof(sc) / sizeof(sc[0]));
}

/* ------------------------------------------------------------------ viommu */

struct af_vop {
	enum af_op id;
	unsigned int v;		/* made by the preparation */
};

static int af_prep_vop(void *arg)
{
	const struct af_vop *o = arg;
	struct af_scen sc = { .v = o->v };

	return af_prep_attach(&sc);
}

static int af_op_vop(void *arg)
{
	const struct af_vop *o = arg;

	switch (o->id) {
	case AF_OP_V_CREATE:
		return af_viommu_up(AF_V_VIOMMU);
	case AF_OP_V_VDEV:
		return af_viommu_up(AF_V_VDEV);
	case AF_OP_V_NESTED_INIT:
		return invt_viommu_nested_init(af_v, &af_vdom, AF_VTAG + 1);
	case AF_OP_V_ADOPT:
		return af_viommu_up(AF_V_ADOPT);
	default:
		return af_viommu_up(AF_V_EVENTQ);
	}
}

static int af_clean_vop(void *arg)
{
	const struct af_vop *o = arg;
	struct af_scen sc = { .v = o->v };
	int ret = 0;

	if (o->id == AF_OP_V_NESTED_INIT)
		ret = invt_viommu_nested_destroy(af_v, &af_vdom);
	return ret ? ret : af_clean_attach(&sc);
}

/*
 * The viommu layer's own allocations (viommu, vdevice, a nested domain
 * allocated or adopted, an event queue), and nested attaches through a
 * viommu: the vdevice's pins and the parent's children are watched.
 */
static void af_test_viommu(const struct af_drv *d)
{
	static const struct {
		struct af_vop o;
		const char *what;
	} ops[] = {
		{ { AF_OP_V_CREATE, 0 }, "viommu create" },
		{ { AF_OP_V_VDEV, AF_V_VIOMMU }, "vdevice create" },
		{ { AF_OP_V_NESTED_INIT, AF_V_VIOMMU }, "nested domain init through a viommu" },
		{ { AF_OP_V_ADOPT, AF_V_VIOMMU }, "nested domain adopted by a viommu" },
		{ { AF_OP_V_EVENTQ, AF_V_VIOMMU }, "event queue alloc" },
	};
	static const struct {
		enum af_op id;
		const char *what;
		int from, to;
	} t[] = {
		{ AF_OP_V_ATTACH, "blocked -> a viommu's nested", -1, AF_N2 },
		{ AF_OP_V_FROM_NESTED, "nested -> a viommu's nested", AF_N1, AF_N2 },
		{ AF_OP_V_TO_PARENT, "a viommu's nested -> parent", AF_N2, AF_PARENT },
	};
	struct af_scen sc[sizeof(t) / sizeof(t[0])];
	char what[128];
	unsigned int i;

	af_d = d;
	d->up();
	for (i = 0; i < AF_NR_DOMS; i++)
		d->w->dom[i] = d->domain(i);
	d->w->nr_dom = AF_NR_DOMS;
	d->w->extra = af_viommu_snap;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(what, sizeof(what), "%s %s", d->name, ops[i].what);
		af_enumerate(d->w, what, af_prep_vop, af_op_vop, af_clean_vop,
			     (void *)&ops[i].o, af_exp(d, ops[i].o.id));
	}
	d->w->extra = NULL;
	d->w->nr_dom = 0;
	assert_int_equal(d->down(), 0);

	memset(sc, 0, sizeof(sc));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(sc[i].what, sizeof(sc[i].what), "%s %s %s", d->name, d->rid, t[i].what);
		sc[i].id = t[i].id;
		sc[i].v = AF_V_ALL;
		if (t[i].from >= 0) {
			sc[i].pre[0] = (struct af_att){ 1, 0, t[i].from };
			sc[i].nr_pre = 1;
		}
		sc[i].op = (struct af_att){ 1, 0, t[i].to };
	}
	af_run_scens(d, sc, sizeof(sc) / sizeof(sc[0]));
}

/* Reads the viommu's queue: @n records, each a header (+ payload unless lost). */
static void af_read_events(const struct af_drv *d, const struct invt_vevent_header *want,
			   unsigned int n)
{
	size_t rb = invt_vevent_record_bytes(d->vevent_type), at = 0;
	uint8_t buf[8 * (sizeof(struct invt_vevent_header) + 64)];
	struct invt_vevent_header h;
	unsigned int i;
	long got;

	got = invt_veventq_read(af_v, d->vevent_type, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		assert_true(at + sizeof(h) <= (size_t)got);
		memcpy(&h, buf + at, sizeof(h));
		assert_int_equal(h.flags, want[i].flags);
		assert_int_equal(h.sequence, want[i].sequence);
		at += sizeof(h) + (h.flags & INVT_VEVENT_FLAG_LOST_EVENTS ? 0 : rb);
	}
	assert_int_equal(at, (size_t)got);
}

/*
 * Event delivery: an allocation failure loses the event, and one
 * lost-events header (it allocates nothing) says so, however many events
 * are lost until the guest reads it; then events are queued again, their
 * sequence numbers counting the lost ones.
 */
static void af_test_events(const struct af_drv *d)
{
	static const struct invt_vevent_header want1[] = {
		{ 0, 0 }, { INVT_VEVENT_FLAG_LOST_EVENTS, 1 },
	};
	static const struct invt_vevent_header want2[] = { { 0, 4 } };
	struct af_scen sc = { .v = AF_V_ALL, .pre = { { 1, 0, AF_N2 } }, .nr_pre = 1,
			      .op = { 1, 0, AF_N2 } };
	struct invt_viommu_stats st;
	uint8_t rec[64];
	uint32_t pid;
	size_t rb = invt_vevent_record_bytes(d->vevent_type);

	af_d = d;
	d->up();
	assert_int_equal(af_prep_attach(&sc), 0);
	pid = d->device(1)->sids[0];
	memset(rec, 0, sizeof(rec));
	d->fault_record(rec, pid);
	assert_int_equal(invt_viommu_report_fault(af_v, pid, rec, rb), 0);
	assert_int_equal(invt_veventq_depth(af_v, d->vevent_type), 1);
	/* The event's one allocation fails: lost, one header. */
	invt_fault_inject(1);
	assert_int_equal(invt_viommu_report_fault(af_v, pid, rec, rb), 0);
	assert_false(invt_fault_pending());
	assert_int_equal(invt_veventq_depth(af_v, d->vevent_type), 2);
	/* Another failure, and an event that could be queued: no second header. */
	invt_fault_inject(1);
	assert_int_equal(invt_viommu_report_fault(af_v, pid, rec, rb), 0);
	assert_false(invt_fault_pending());
	invt_fault_inject(0);
	assert_int_equal(invt_viommu_report_fault(af_v, pid, rec, rb), 0);
	assert_int_equal(invt_veventq_depth(af_v, d->vevent_type), 2);
	invt_viommu_get_stats(af_v, &st);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.lost_events, 3);
	af_read_events(d, want1, 2);
	/* Read: events are queued again, numbered after the lost ones. */
	assert_int_equal(invt_viommu_report_fault(af_v, pid, rec, rb), 0);
	af_read_events(d, want2, 1);
	assert_int_equal(invt_veventq_depth(af_v, d->vevent_type), 0);
	assert_int_equal(af_clean_attach(&sc), 0);
	assert_int_equal(d->down(), 0);
}

/*
 * AF_DRV_TESTS() - the struct af_drv of a driver whose API has the common
 * shape (invt_<pfx>_master_init(), _master_destroy(), _domain_init(),
 * _domain_destroy(), _attach()), over the test's E->ma, E->mb,
 * E->dom[AF_NR_DOMS], E->pt[3], E->ctx, E->mem and E->w, and its
 * cmocka tests test_master, test_domain, test_attach, test_nested,
 * test_viommu and test_events.  The test defines drv_domain_init_nested()
 * and drv_fault_record() (struct af_drv) and drv_expect(), which returns
 * the expected sites of its configuration.
 * @pfx: the API's prefix (smmu, vtd, rv).
 * @unit: the driver's instance (an lvalue of the test's struct env).
 * @ssids: master A's ssids (master B has one).
 * @upfn: void (*)(void): bring the instance up, watching its tag spaces.
 * @downfn: int (*)(void): tear it down.
 * @...: the struct af_drv names: .name, .rid, .s1, .s2, .tag, .master_what,
 *	.viommu_arch, .vevent_type.
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
static struct invt_device *drv_device(int m)						\
{											\
	return m ? &E->mb.dev : &E->ma.dev;						\
}											\
											\
static struct invt_iommu *drv_iommu(void)						\
{											\
	return &(unit).iommu;								\
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
		.domain_init = drv_domain_init,						\
		.domain_init_nested = drv_domain_init_nested,				\
		.domain_destroy = drv_domain_destroy, .domain = drv_domain,		\
		.device = drv_device, .iommu = drv_iommu, .attach = drv_attach,		\
		.fault_record = drv_fault_record,					\
	};										\
											\
	d.mem = E->mem;									\
	d.w = &E->w;									\
	d.pt = E->pt;									\
	d.expect = drv_expect();							\
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
}											\
											\
static void test_nested(void **state)							\
{											\
	af_test_nested(drv());								\
}											\
											\
static void test_viommu(void **state)							\
{											\
	af_test_viommu(drv());								\
}											\
											\
static void test_events(void **state)							\
{											\
	af_test_events(drv());								\
}

#endif /* INVTRACK_TESTS_ALLOC_FAIL_DRV_H */
