// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-arch.c - the scenario's glue to an architecture, shared: every
 * instance is a modelled unit (unit.h) with the arch's driver in front of
 * it, every domain, master and attach transaction the driver's, created,
 * driven and torn down the same way for each architecture.  What differs
 * is the arch's struct scn_unit_ops (scenario-smmuv3.c, -vtd.c, -riscv.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario-internal.h"
#include "unit.h"

/*
 * The driver of instance @i over its modelled unit: a probe, as at boot or
 * after a removal (what the unit supports the driver finds in its ID and
 * capability registers).
 */
int scn_unit_drv_up(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct scn_inst *in = &s->inst[i];
	void *drv = calloc(1, u->drv_size);
	int ret;

	if (!drv)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	ret = u->drv_init(s, i, drv, u->regs(in->hw));
	if (ret) {
		free(drv);
		return snprintf(err, errlen, "instance %u: driver bring-up failed: %s%s", i,
				strerror(-ret), ret == -EIO ?
				" (its command queue kept reporting errors through every retry)" :
				""), ret;
	}
	in->drv = drv;
	in->up = true;
	return 0;
}

/* Instance @i's driver goes (its masters are gone); the modelled unit stays. */
int scn_unit_drv_down(struct scn *s, unsigned int i)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct scn_inst *in = &s->inst[i];
	int ret;

	/*
	 * Not while an unmap counts on a copy of an array naming it (the copy
	 * is counted only if no driver was destroyed since it was taken).
	 */
	pthread_rwlock_wrlock(&s->drv_lock);
	s->drv_gen++;
	ret = u->drv_destroy(in->drv);
	pthread_rwlock_unlock(&s->drv_lock);
	if (ret)
		return ret;
	u->drv_count(s, in->drv);	/* its counters outlive the destroy, not the free */
	free(in->drv);
	in->drv = NULL;
	in->up = false;
	return 0;
}

/* The end of the run: what instance @i's driver (if up) counted. */
void scn_unit_drv_stats(struct scn *s, unsigned int i)
{
	const struct scn_unit_ops *u = s->arch->unit;
	void *drv = s->inst[i].drv;

	if (!drv)
		return;
	if (u->drv_poll)
		u->drv_poll(drv);
	u->drv_count(s, drv);
}

uint64_t scn_unit_hw_faults(struct scn *s, unsigned int i, uint64_t *injected)
{
	return s->arch->unit->hw_faults(s->inst[i].hw, injected);
}

int scn_unit_inst_init(struct scn *s, unsigned int i, char *err, size_t errlen)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct scn_inst *in = &s->inst[i];
	int ret = 0;

	in->unit = u->create(s, i, &in->hw, &ret);
	if (!in->unit)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	ret = invt_munit_start(in->unit);
	if (ret)
		return snprintf(err, errlen, "instance %u: model: %s", i, strerror(-ret)), ret;
	return scn_unit_drv_up(s, i, err, errlen);
}

void scn_unit_inst_destroy(struct scn *s, unsigned int i)
{
	const struct scn_unit_ops *u = s->arch->unit;

	if (s->inst[i].up)
		u->drv_destroy(s->inst[i].drv);
	free(s->inst[i].drv);
	if (s->inst[i].hw)
		u->destroy(s->inst[i].hw);
	s->inst[i] = (struct scn_inst){ 0 };
	if (u->inst_fini)
		u->inst_fini(s, i);
}

void scn_unit_inst_stats(struct scn *s, unsigned int i, uint64_t *consumed, uint64_t *by_op,
			 uint64_t *errors)
{
	struct invt_munit_stats st;
	unsigned int op;

	invt_munit_stats(s->inst[i].unit, &st);
	*consumed = st.consumed;
	*errors = st.errors;
	for (op = 0; by_op && op < 256; op++)
		by_op[op] = st.n.by_op[op];
}

void scn_unit_inst_events(struct scn *s, unsigned int i, struct invt_scn_result *res)
{
	struct invt_munit_stats st;

	if (!s->arch->unit->events)
		return;
	invt_munit_stats(s->inst[i].unit, &st);
	s->arch->unit->events(&st, res);
}

uint32_t scn_unit_cost_ns(struct scn *s, unsigned int i, unsigned int op)
{
	return invt_munit_cost_ns(s->inst[i].unit, op);
}

int scn_unit_domain_init(struct scn *s, struct scn_domain *d)
{
	const struct scn_unit_ops *u = s->arch->unit;
	void *dom = calloc(1, u->domain_size);
	struct invt_domain *core;
	struct invt_pt *pt;
	int ret;

	if (!dom)
		return -ENOMEM;
	ret = u->domain_init(s, dom, d->s2, &d->ops.ops, &core, &pt);
	if (ret) {
		free(dom);
		return ret;
	}
	d->drv = dom;
	d->dom = core;
	d->pt = pt;
	invt_mem_chain_init(&d->wh.chain);
	d->wh.pending = false;
	return 0;
}

int scn_unit_domain_destroy(struct scn *s, struct scn_domain *d)
{
	int ret = s->arch->unit->domain_destroy(d->drv);

	if (!ret)
		free(d->drv);
	return ret;
}

/* Whether @dv is one of the first p->dead_atcs devices with ATS. */
static bool scn_dead_atc(const struct scn *s, const struct scn_device *dv)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_dev && &s->dev[i] != dv; i++)
		n += s->dev[i].ats;
	return n < s->p->dead_atcs;
}

int scn_unit_device_init(struct scn *s, struct scn_device *dv)
{
	const struct scn_unit_ops *u = s->arch->unit;
	void *m = calloc(1, u->master_size);
	void *a = calloc(1, u->attach_size);
	int ret = -ENOMEM;

	if (!m || !a)
		goto fail;
	/* A re-plugged device is the one the unit had. */
	ret = dv->hw_dev ? 0 : invt_munit_add_device(s->inst[dv->inst].unit, dv->sid,
						     dv->ats ? SCN_ATC_ENTRIES : 0);
	dv->hw_dev |= !ret;
	if (!ret && dv->ats && scn_dead_atc(s, dv))
		ret = invt_munit_set_atc_timeout(s->inst[dv->inst].unit, dv->sid, true);
	if (!ret)
		ret = u->master_init(s, dv, m, s->inst[dv->inst].drv);
	if (ret)
		goto fail;
	dv->drv = m;
	dv->tx = a;
	return 0;
fail:
	free(m);
	free(a);
	return ret;
}

int scn_unit_device_destroy(struct scn *s, struct scn_device *dv)
{
	int ret = s->arch->unit->master_destroy(dv->drv);

	if (!ret) {
		free(dv->drv);
		free(dv->tx);
	}
	return ret;
}

int scn_unit_prepare(struct scn *s, struct scn_device *dv, uint32_t ssid, struct scn_domain *d)
{
	return s->arch->unit->prepare(dv->tx, dv->drv, ssid, d ? d->drv : NULL);
}

int scn_unit_install(struct scn *s, struct scn_device *dv)
{
	return s->arch->unit->install(dv->tx);
}

void scn_unit_commit(struct scn *s, struct scn_device *dv)
{
	s->arch->unit->commit(dv->tx);
}

void scn_unit_abort(struct scn *s, struct scn_device *dv)
{
	s->arch->unit->abort(dv->tx);
}

int scn_unit_dma(struct scn *s, struct scn_device *dv, uint32_t ssid, uint64_t iova, bool write)
{
	return invt_munit_dma(s->inst[dv->inst].unit, dv->sid, ssid, iova, write);
}

void scn_unit_cost_defaults(const struct scn_unit_ops *ops, uint32_t *cost)
{
	struct invt_mem_config mc = { .nr_frames = 16 };
	struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
	struct invt_munit *u = NULL;
	struct invt_oracle *o = NULL;
	struct invt_mem *mem = NULL;
	void *hw = NULL;
	unsigned int op;

	memset(cost, 0, 256 * sizeof(*cost));
	if (!invt_mem_create(&mc, &mem) && !invt_oracle_create(&oc, mem, &o))
		u = ops->create_default(mem, o, &hw);
	for (op = 0; u && op < 256; op++)
		cost[op] = invt_munit_cost_ns(u, op);
	if (hw)
		ops->destroy(hw);
	invt_oracle_destroy(o);
	invt_mem_destroy(mem);
}

void scn_words_le(const uint64_t *w, unsigned int nwords, uint8_t *b, size_t bytes)
{
	size_t i;

	memset(b, 0, bytes);
	for (i = 0; i < bytes && i / 8 < nwords; i++)
		b[i] = (uint8_t)(w[i / 8] >> (8 * (i % 8)));
}
