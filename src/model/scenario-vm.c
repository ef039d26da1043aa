// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-vm.c - the scenario's VMs (invt_scn_params.vms): per VM a nest
 * parent (stage 2, IPA -> PA) the host owns and a nested domain per
 * instance (the guest's stage 1, IOVA -> IPA, its tables in guest pages).
 *
 * Host side: the parent maps the whole guest memory (SCN_VM_PAGES pages at
 * SCN_VM_IPA_BASE) at build; the parent's map / unmap operations work on
 * the usual slots outside it; a migration moves one guest page to another
 * frame (unmap, invt_domain_invalidate() of the parent, copy, map, free),
 * which is what makes a parent invalidation reach the guest's combined
 * translations and the devices' ATCs.
 *
 * Guest side, under the VM's lock: a map takes an IPA page from the oracle
 * (invt_oracle_guest_alloc(): the one freed last) and writes the stage-1
 * PTE; an unmap clears PTEs, tells the oracle (invt_oracle_guest_unmap()),
 * invalidates with the architecture's guest commands - stage-1 commands of
 * the nested domain's tag, a completion, an ATC invalidation of each ATS
 * device of the instance, a completion - and once they completed tells the
 * oracle again (invt_oracle_guest_inv_done()).  The commands go through the
 * VM's viommu on the nested domain's instance (invt_viommu_invalidate()),
 * or with viommu off straight to the instance's queue carrying the parent's
 * stage-2 tag, read under the parent's lock as the viommu does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/compat.h>
#include <invtrack/viommu.h>

#include "../core/compat-user.h"
#include "scenario-internal.h"
#include "unit.h"

#define SCN_ERR(...) snprintf(err, errlen, __VA_ARGS__)

/*
 * Times a guest sends an invalidation's unfinished commands again after the
 * unit failed one (an injected command error or timeout), as the host's
 * operations that cannot fail do.  When they are used up, the guest keeps
 * the pages it unmapped (struct scn_gwithheld) and invalidates them again
 * with its next unmap of the domain.
 */
#define SCN_GUEST_RETRIES	INVT_CMD_RETRIES_MUST

/* The guest's id of device @dv in @vm's viommus (its vSID / RID / device_id). */
static uint32_t scn_vid(const struct scn_vm *vm, const struct scn_device *dv)
{
	return 0x100u * (vm->idx + 1) + dv->sid;
}

static void scn_guest_events(struct scn *s, struct scn_vm *vm, unsigned int inst);

static uint64_t scn_vm_ipa(unsigned int k)
{
	return SCN_VM_IPA_BASE + (uint64_t)k * SCN_SZ_4K;
}

/* ---- the guest's table memory: IPA pages, through the parent's frames ---- */

static uint64_t *scn_gpt_va(struct invt_pt_ops *ops, uint64_t ipa)
{
	struct scn_gpt_ops *g = invt_container_of(ops, struct scn_gpt_ops, ops);
	uint64_t k = (ipa - SCN_VM_IPA_BASE) >> 12;

	/* Under the VM's lock: the host moves a page only under it. */
	if (ipa < SCN_VM_IPA_BASE || k >= SCN_VM_PAGES)
		return NULL;
	return invt_mem_va(g->s->mem, g->vm->ipa_pa[k]);
}

static int scn_gpt_alloc(struct invt_pt_ops *ops, uint64_t *ipa)
{
	struct scn_gpt_ops *g = invt_container_of(ops, struct scn_gpt_ops, ops);
	uint64_t *va;

	if (invt_oracle_guest_alloc(g->s->oracle, g->vm->idx, INVT_FRAME_TABLE, g->domain, 0, ipa))
		return -ENOMEM;
	va = scn_gpt_va(ops, *ipa);
	if (!va) {
		invt_oracle_guest_unmap(g->s->oracle, g->vm->idx, *ipa, 1);
		invt_oracle_guest_inv_done(g->s->oracle, g->vm->idx, *ipa, 1);
		return -ENOMEM;
	}
	memset(va, 0, SCN_SZ_4K);
	return 0;
}

/* A table page never reachable (a failed map), or the whole table at teardown. */
static void scn_gpt_free(struct invt_pt_ops *ops, uint64_t ipa)
{
	struct scn_gpt_ops *g = invt_container_of(ops, struct scn_gpt_ops, ops);

	invt_oracle_guest_unmap(g->s->oracle, g->vm->idx, ipa, 1);
	invt_oracle_guest_inv_done(g->s->oracle, g->vm->idx, ipa, 1);
}

void *scn_vm_guest_page(struct scn *s, struct scn_vm *vm, uint64_t *ipa)
{
	struct scn_gpt_ops g = { .s = s, .vm = vm };
	void *va;

	if (invt_oracle_guest_alloc(s->oracle, vm->idx, INVT_FRAME_OTHER, 0, 0, ipa))
		return NULL;
	va = scn_gpt_va(&g.ops, *ipa);
	if (va)
		memset(va, 0, SCN_SZ_4K);
	return va;
}

/* ---- construction ---- */

static int scn_vm_parent(struct scn *s, struct scn_vm *vm, char *err, size_t errlen)
{
	struct scn_domain *d = &s->dom[s->nr_dom];
	unsigned int k;
	uint64_t pa;
	int ret;

	d->s2 = true;
	invt_mem_pt_ops_init(&d->ops, s->mem, s->ctx.next_domain_id);
	ret = s->arch->domain_init(s, d);
	if (ret)
		return SCN_ERR("vm %u: parent: %s", vm->idx, strerror(-ret)), ret;
	pthread_mutex_init(&d->lock, NULL);
	d->up = true;
	d->vm = vm;
	vm->parent = (int)s->nr_dom++;
	ret = invt_oracle_vm_init(s->oracle, vm->idx, d->dom->id, SCN_VM_IPA_BASE,
				  SCN_VM_PAGES * SCN_SZ_4K);
	if (ret)
		return SCN_ERR("vm %u: oracle: %s", vm->idx, strerror(-ret)), ret;
	/* The host backs the whole guest memory. */
	for (k = 0; k < SCN_VM_PAGES; k++) {
		ret = invt_mem_alloc(s->mem, INVT_FRAME_DATA, d->dom->id, scn_vm_ipa(k), &pa);
		if (!ret) {
			memset(invt_mem_va(s->mem, pa), 0, SCN_SZ_4K);
			ret = invt_pt_map(d->pt, scn_vm_ipa(k), pa, SCN_SZ_4K,
					  INVT_PT_READ | INVT_PT_WRITE);
			if (ret)
				invt_mem_free(s->mem, pa);
		}
		if (ret)
			return SCN_ERR("vm %u: guest memory: %s", vm->idx, strerror(-ret)), ret;
		vm->ipa_pa[k] = pa;
	}
	return 0;
}

static int scn_vm_nested(struct scn *s, struct scn_vm *vm, unsigned int i, char *err,
			 size_t errlen)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct scn_domain *nd = &s->dom[s->nr_dom];
	struct invt_domain *core;
	uint32_t id = s->ctx.next_domain_id;
	void *drv;
	int ret;

	nd->vm = vm;
	nd->nested = true;
	nd->inst = i;
	nd->s1tag = 1 + i;
	nd->gops = (struct scn_gpt_ops){
		.ops = { .alloc_table = scn_gpt_alloc, .free_table = scn_gpt_free,
			 .table_va = scn_gpt_va },
		.s = s, .vm = vm, .domain = id,
	};
	pthread_mutex_lock(&vm->lock);
	ret = invt_pt_init(&nd->gpt, u->guest_fmt, &nd->gops.ops);
	pthread_mutex_unlock(&vm->lock);
	if (ret)
		return SCN_ERR("vm %u: guest table: %s", vm->idx, strerror(-ret)), ret;
	drv = calloc(1, u->domain_size);
	if (!drv)
		return SCN_ERR("out of memory"), -ENOMEM;
	ret = u->nested_init(s, vm, drv, s->dom[vm->parent].drv, nd->gpt.root_pa, nd->s1tag,
			     &core);
	if (ret) {
		free(drv);
		return SCN_ERR("vm %u: nested domain: %s", vm->idx, strerror(-ret)), ret;
	}
	nd->drv = drv;
	nd->dom = core;
	nd->pt = &nd->gpt;
	pthread_mutex_init(&nd->lock, NULL);
	nd->up = true;
	vm->nested[i] = (int)s->nr_dom++;
	if (core->id != id)
		return SCN_ERR("vm %u: unexpected nested domain id", vm->idx), -EINVAL;
	if (vm->viommu[i]) {
		ret = invt_viommu_nested_adopt(vm->viommu[i], core, nd->s1tag);
		if (ret)
			return SCN_ERR("vm %u: viommu adopt: %s", vm->idx, strerror(-ret)), ret;
	}
	return 0;
}

/* @vm's viommu on instance @i (its driver up), with its event queue. */
static int scn_vm_viommu_create(struct scn *s, struct scn_vm *vm, unsigned int i)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct invt_viommu *vi;
	int ret;

	ret = invt_viommu_create(&vi, u->viommu_arch, u->iommu(s->inst[i].drv),
				 s->dom[vm->parent].dom);
	if (ret)
		return ret;
	ret = invt_veventq_alloc(vi, u->viommu_arch - 1,
				 s->p->vevent_depth ? s->p->vevent_depth : 64);
	if (ret) {
		invt_viommu_destroy(vi);
		return ret;
	}
	pthread_mutex_lock(&vm->vio_lock);
	vm->viommu[i] = vi;
	pthread_mutex_unlock(&vm->vio_lock);
	/* A new viommu numbers its events from 0: the guest starts over. */
	vm->ev_known[i] = false;
	return 0;
}

/*
 * Destroy @vm's viommu on @i, and forget it unless that failed.  Under
 * vio_lock: no fault report is using it meanwhile.  The caller holds vm->lock.
 */
static int scn_vm_viommu_destroy(struct scn_vm *vm, unsigned int i)
{
	int ret;

	pthread_mutex_lock(&vm->vio_lock);
	ret = invt_viommu_destroy(vm->viommu[i]);
	if (!ret)
		vm->viommu[i] = NULL;
	pthread_mutex_unlock(&vm->vio_lock);
	return ret;
}

/* What a viommu counted (@st), into the result (before it goes, and at the end). */
static void scn_vm_viommu_count(struct scn *s, const struct invt_viommu_stats *st)
{
	struct invt_scn_guest *g = &s->res->guest;

	scn_count(&g->viommu_commands, st->guest_commands);
	scn_count(&g->viommu_rejected, st->guest_rejected);
	scn_count(&g->viommu_host_commands, st->host_commands);
	scn_count(&g->viommu_events, st->events);
	scn_count(&g->viommu_lost_events, st->lost_events);
}

int scn_vm_build(struct scn *s, char *err, size_t errlen)
{
	unsigned int v, i;
	int ret;

	/* The units' fault records go to the VMM's side (scn_vm_deliver_faults()). */
	for (i = 0; s->p->vms && i < s->p->instances; i++) {
		pthread_mutex_init(&s->evq[i].lock, NULL);
		invt_munit_set_fault_hook(s->inst[i].unit, scn_vm_fault, s);
	}
	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];

		vm->idx = v;
		pthread_mutex_init(&vm->lock, NULL);
		pthread_mutex_init(&vm->vio_lock, NULL);
		vm->up = true;
		ret = scn_vm_parent(s, vm, err, errlen);
		if (ret)
			return ret;
		for (i = 0; !s->p->viommu_off && i < s->p->instances; i++) {
			ret = scn_vm_viommu_create(s, vm, i);
			if (ret)
				return SCN_ERR("vm %u: viommu: %s", v, strerror(-ret)), ret;
		}
		for (i = 0; i < s->p->instances; i++) {
			ret = scn_vm_nested(s, vm, i, err, errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int scn_vm_device_added(struct scn *s, struct scn_device *dv)
{
	const struct scn_unit_ops *u = s->arch->unit;
	unsigned int v, k = (unsigned int)(dv - s->dev);
	int ret = 0;

	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];
		struct invt_viommu *vi;

		if (dv->nr_ssids > 1)
			continue;
		pthread_mutex_lock(&vm->lock);
		vi = vm->viommu[dv->inst];
		if (vi)
			ret = invt_vdevice_create(vi, scn_vid(vm, dv), u->core_dev(dv->drv));
		/* With viommu off the guest has the device while it is plugged. */
		if (!ret && (vi || s->p->viommu_off))
			vm->has_dev[k] = true;
		pthread_mutex_unlock(&vm->lock);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	while (v--) {
		struct scn_vm *vm = &s->vm[v];

		pthread_mutex_lock(&vm->lock);
		if (vm->viommu[dv->inst])
			invt_vdevice_destroy(vm->viommu[dv->inst], scn_vid(vm, dv));
		vm->has_dev[k] = false;
		pthread_mutex_unlock(&vm->lock);
	}
	return ret;
}

/*
 * Under the VM's lock, so that a guest never names a device whose vdevice
 * is gone (the VMM unplugs the guest's device with it).
 */
int scn_vm_device_removed(struct scn *s, struct scn_device *dv)
{
	const struct scn_unit_ops *u = s->arch->unit;
	unsigned int v, k = (unsigned int)(dv - s->dev);
	int ret = 0;

	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];

		pthread_mutex_lock(&vm->lock);
		if (vm->viommu[dv->inst])
			ret = invt_viommu_device_removed(vm->viommu[dv->inst], u->core_dev(dv->drv));
		if (!ret)
			vm->has_dev[k] = false;
		pthread_mutex_unlock(&vm->lock);
		if (ret)
			return ret;	/* still on a nested domain: nothing else went */
	}
	return 0;
}

int scn_vm_inst_down(struct scn *s, unsigned int i)
{
	unsigned int v;
	int ret = 0;

	for (v = 0; v < s->p->vms && !ret; v++) {
		struct scn_vm *vm = &s->vm[v];
		struct scn_domain *nd = &s->dom[vm->nested[i]];
		struct invt_viommu_stats st;
		struct invt_viommu *vi;

		pthread_mutex_lock(&vm->lock);
		vi = vm->viommu[i];
		/*
		 * The lifetime rules' order: no device is attached to the nested
		 * domain (the instance's devices were detached) and no vdevice
		 * is left (each destroyed with its device), so the nested
		 * domain, which pins the viommu, leaves it, and the viommu goes.
		 */
		if (vi) {
			ret = invt_viommu_nested_release(vi, nd->dom);
			if (!ret) {
				/* Its counters, for the report, before it goes. */
				invt_viommu_get_stats(vi, &st);
				ret = scn_vm_viommu_destroy(vm, i);
				if (ret)
					invt_viommu_nested_adopt(vi, nd->dom, nd->s1tag);
			}
			if (!ret)
				scn_vm_viommu_count(s, &st);
		}
		if (!ret)
			vm->down[i] = true;
		pthread_mutex_unlock(&vm->lock);
	}
	if (ret)
		scn_vm_inst_up(s, i);	/* the VMs done so far get theirs back */
	return ret;
}

int scn_vm_inst_up(struct scn *s, unsigned int i)
{
	unsigned int v;
	int ret, first = 0;

	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];
		struct scn_domain *nd = &s->dom[vm->nested[i]];

		pthread_mutex_lock(&vm->lock);
		ret = 0;
		if (!s->p->viommu_off && !vm->viommu[i]) {
			ret = scn_vm_viommu_create(s, vm, i);
			if (!ret) {
				ret = invt_viommu_nested_adopt(vm->viommu[i], nd->dom, nd->s1tag);
				if (ret)
					scn_vm_viommu_destroy(vm, i);
			}
		}
		if (!ret)
			vm->down[i] = false;
		else if (!first)
			first = ret;	/* down[i] stays: its guest sends nothing there */
		pthread_mutex_unlock(&vm->lock);
	}
	return first;
}

/* Every device without PASIDs gets a vdevice in each VM's viommu of its instance. */
int scn_vm_devices(struct scn *s, char *err, size_t errlen)
{
	unsigned int k;
	int ret;

	for (k = 0; k < s->nr_dev; k++) {
		ret = scn_vm_device_added(s, &s->dev[k]);
		if (ret)
			return SCN_ERR("vdevice %u: %s", k, strerror(-ret)), ret;
	}
	return 0;
}

/*
 * Teardown, every device detached: the vdevices, the nested domains and
 * the viommus go; the parents stay for the usual domain teardown, their
 * guest memory unmapped first.
 */
void scn_vm_detached(struct scn *s)
{
	const struct scn_unit_ops *u = s->arch->unit;
	unsigned int v, i, k;

	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];

		if (!vm->up)
			continue;
		for (i = 0; i < s->p->instances; i++) {
			struct scn_domain *nd;

			if (vm->nested[i])
				scn_guest_withheld_teardown(s, &s->dom[vm->nested[i]]);
			for (k = 0; vm->viommu[i] && k < s->nr_dev; k++)
				if (s->dev[k].inst == i)
					invt_vdevice_destroy(vm->viommu[i], scn_vid(vm, &s->dev[k]));
			if (!vm->nested[i])
				continue;
			nd = &s->dom[vm->nested[i]];
			if (vm->viommu[i])
				invt_viommu_nested_release(vm->viommu[i], nd->dom);
			if (!u->domain_destroy(nd->drv))
				free(nd->drv);
			nd->drv = NULL;
			pthread_mutex_lock(&vm->lock);
			invt_pt_free(&nd->gpt);
			pthread_mutex_unlock(&vm->lock);
		}
		for (i = 0; i < s->p->instances; i++)
			if (vm->viommu[i] && !invt_viommu_destroy(vm->viommu[i]))
				vm->viommu[i] = NULL;
	}
}

/* Teardown of a parent's guest memory (before its slots and its domain). */
void scn_vm_teardown(struct scn *s)
{
	unsigned int v, k;

	/* Single-threaded now: later faults (teardown's own accesses) are dropped. */
	for (k = 0; k < s->p->instances; k++) {
		invt_munit_set_fault_hook(s->inst[k].unit, NULL, NULL);
		pthread_mutex_destroy(&s->evq[k].lock);
	}

	for (v = 0; v < s->p->vms; v++) {
		struct scn_vm *vm = &s->vm[v];
		struct scn_domain *d;

		if (!vm->up)
			continue;
		if (vm->parent) {	/* 0: never built (plain domains come first) */
			d = &s->dom[vm->parent];
			pthread_mutex_lock(&d->lock);
			scn_unmap_range(s, d, SCN_VM_IPA_BASE, SCN_VM_PAGES * SCN_SZ_4K);
			for (k = 0; k < SCN_VM_PAGES; k++)
				if (vm->ipa_pa[k])
					scn_free_after_inv(s, d, vm->ipa_pa[k]);
			pthread_mutex_unlock(&d->lock);
		}
		pthread_mutex_destroy(&vm->vio_lock);
		pthread_mutex_destroy(&vm->lock);
		vm->up = false;
	}
}

void scn_vm_collect(struct scn *s)
{
	struct invt_viommu_stats st;
	unsigned int v, i;

	/* What is still on its way: to the viommus, then to the guests. */
	scn_vm_deliver_faults(s);
	for (v = 0; v < s->p->vms; v++) {
		pthread_mutex_lock(&s->vm[v].lock);
		for (i = 0; i < s->p->instances; i++)
			scn_guest_events(s, &s->vm[v], i);
		pthread_mutex_unlock(&s->vm[v].lock);
	}
	for (v = 0; v < s->p->vms; v++) {
		for (i = 0; i < s->p->instances; i++) {
			if (!s->vm[v].viommu[i])
				continue;
			invt_viommu_get_stats(s->vm[v].viommu[i], &st);
			scn_vm_viommu_count(s, &st);
		}
	}
}

/* ---- faults: the units' records, the VMM, the guests' event queues ---- */

void scn_vm_fault(void *arg, uint32_t instance, uint32_t sid, const void *record, size_t len)
{
	struct scn *s = arg;
	struct scn_evq *q = &s->evq[instance];
	unsigned int k;

	scn_count(&s->res->guest.fault_records, 1);
	if (instance >= s->p->instances || len > sizeof(q->rec[0]))
		return;
	pthread_mutex_lock(&q->lock);
	if (q->nr == SCN_EVQ_DEPTH) {
		/* The queue is full: the unit drops the record (an overflow). */
		pthread_mutex_unlock(&q->lock);
		scn_count(&s->res->guest.fault_overflows, 1);
		return;
	}
	k = (q->head + q->nr) % SCN_EVQ_DEPTH;
	q->sid[k] = sid;
	q->len[k] = (uint8_t)len;
	memcpy(q->rec[k], record, len);
	/* Relaxed: hints for scn_vm_deliver_faults(); the lock orders the record. */
	__atomic_store_n(&q->nr, q->nr + 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->evq_held, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&q->lock);
}

/* Records taken from an instance's queue at once (the rest wait for the next call). */
#define SCN_EVQ_BATCH	16

/*
 * One record: a stage-1 fault goes to the viommu (of any VM) whose nested
 * domain the device is attached to (invt_viommu_report_fault() finds out:
 * -ENOENT no vdevice, -ENODEV on none of its nested domains); anything
 * else stays with the host.
 */
static void scn_vm_deliver(struct scn *s, unsigned int inst, uint32_t sid, const uint8_t *rec,
			   size_t len)
{
	const struct scn_unit_ops *u = s->arch->unit;
	unsigned int v;

	if (!u->event_s2(rec)) {
		for (v = 0; v < s->p->vms; v++) {
			struct scn_vm *vm = &s->vm[v];
			int ret = -ENOENT;

			/*
			 * vio_lock keeps the viommu (instance removal destroys it
			 * under it); not vm->lock, which the guest holds across
			 * its invalidations' waits on the hardware.
			 */
			pthread_mutex_lock(&vm->vio_lock);
			if (vm->viommu[inst])
				ret = invt_viommu_report_fault(vm->viommu[inst], sid, rec, len);
			pthread_mutex_unlock(&vm->vio_lock);
			if (!ret)
				return;
		}
	}
	scn_count(&s->res->guest.host_faults, 1);
}

void scn_vm_deliver_faults(struct scn *s)
{
	uint8_t rec[SCN_EVQ_BATCH][32], len[SCN_EVQ_BATCH];
	uint32_t sid[SCN_EVQ_BATCH];
	unsigned int i, n, k;

	/*
	 * Relaxed: a hint, read on every DMA operation (one load for all the
	 * queues); a record pushed meanwhile waits for the next call.
	 */
	if (!__atomic_load_n(&s->evq_held, __ATOMIC_RELAXED))
		return;
	if (!s->p->vms || !s->arch->unit->event_s2)
		return;
	for (i = 0; i < s->p->instances; i++) {
		struct scn_evq *q = &s->evq[i];

		/* Relaxed: a hint; a record pushed meanwhile waits for the next call. */
		if (!__atomic_load_n(&q->nr, __ATOMIC_RELAXED))
			continue;
		pthread_mutex_lock(&q->lock);
		for (n = 0; n < SCN_EVQ_BATCH && q->nr; n++) {
			sid[n] = q->sid[q->head];
			len[n] = q->len[q->head];
			memcpy(rec[n], q->rec[q->head], len[n]);
			q->head = (q->head + 1) % SCN_EVQ_DEPTH;
			__atomic_store_n(&q->nr, q->nr - 1, __ATOMIC_RELAXED);
		}
		__atomic_fetch_sub(&s->evq_held, n, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&q->lock);
		/* No scenario lock held: each VM's lock, then its viommu's, inside. */
		for (k = 0; k < n; k++)
			scn_vm_deliver(s, i, sid[k], rec[k], len[k]);
	}
}

/* The devices @vm's viommu on @inst binds, by virtual id; how many. */
static unsigned int scn_vm_vids(const struct scn *s, const struct scn_vm *vm, unsigned int inst,
				uint32_t *vids)
{
	unsigned int k, n = 0;

	for (k = 0; k < s->nr_dev; k++)
		if (s->dev[k].inst == inst && s->dev[k].nr_ssids == 1)
			vids[n++] = scn_vid(vm, &s->dev[k]);
	return n;
}

/*
 * The guest reads its viommu's event queue on @inst, whole records: each
 * must name one of its own virtual ids (another VM's device, or a physical
 * id, is an ISOLATION violation) and come in sequence, a gap only after a
 * lost-events header, wrapping at INVT_VEVENT_SEQ_MAX.  The caller holds
 * the VM's lock.
 */
static void scn_guest_events(struct scn *s, struct scn_vm *vm, unsigned int inst)
{
	const struct scn_unit_ops *u = s->arch->unit;
	const size_t hb = sizeof(struct invt_vevent_header);
	struct invt_viommu *vi = vm->viommu[inst];
	uint32_t vids[INVT_SCN_MAX_DEVICES];
	struct invt_oracle_guest_cmd gc = {
		.instance = inst, .vm = vm->idx, .home = inst, .names = INVT_ORACLE_NAMES_DEV,
		.devs = vids,
	};
	uint8_t buf[8 * (sizeof(struct invt_vevent_header) + 32)];
	struct invt_vevent_header h;
	size_t rb;
	long got, off;
	int type;

	if (!vi || !u->event_id)
		return;
	type = u->viommu_arch - 1;
	rb = invt_vevent_record_bytes(type);
	gc.nr_devs = scn_vm_vids(s, vm, inst, vids);
	while ((got = invt_veventq_read(vi, type, buf, sizeof(buf))) > 0) {
		for (off = 0; off + (long)hb <= got;) {
			memcpy(&h, buf + off, hb);
			off += (long)hb;
			scn_count(&s->res->guest.events_read, 1);
			if (h.sequence > INVT_VEVENT_SEQ_MAX ||
			    (vm->ev_known[inst] && h.sequence != vm->ev_next[inst]))
				scn_count(&s->res->guest.event_errors, 1);
			if (h.flags & INVT_VEVENT_FLAG_LOST_EVENTS) {
				vm->ev_known[inst] = false;
				continue;
			}
			if (off + (long)rb > got) {
				/* A partial record. */
				scn_count(&s->res->guest.event_errors, 1);
				break;
			}
			gc.dev = u->event_id(buf + off);
			invt_oracle_check_isolation(s->oracle, &gc);
			off += (long)rb;
			vm->ev_next[inst] = h.sequence == INVT_VEVENT_SEQ_MAX ? 0 : h.sequence + 1;
			vm->ev_known[inst] = true;
		}
		if (off != got)
			scn_count(&s->res->guest.event_errors, 1);
	}
	if (got < 0)
		scn_count(&s->res->guest.event_errors, 1);
}

/* ---- attach targets ---- */

/*
 * A domain for @dv to move to: any; devices with PASIDs take stage-1
 * domains of the plain ones (even indices); a nested domain is taken on
 * the device's own instance (its viommu's).
 */
int scn_vm_target(struct scn *s, struct scn_device *dv, uint64_t *rng)
{
	int t = (int)scn_below(rng, s->nr_dom);
	struct scn_domain *d = &s->dom[t];

	if (dv->nr_ssids > 1) {
		if (d->s2 || d->vm)
			t = (int)scn_below(rng, s->p->domains);
		return t & ~1;
	}
	if (d->nested && d->inst != dv->inst)
		t = d->vm->nested[dv->inst];
	return scn_vm_attachable(s, dv, t);
}

/*
 * A nested domain of an instance whose VM has no viommu there (its driver
 * failed to come back after a removal) would be attached without a vdevice
 * and invalidated by no guest: its VM's parent instead.  Reads vm->down
 * under @dv's lock: it is written with every device lock of the instance.
 */
int scn_vm_attachable(struct scn *s, struct scn_device *dv, int t)
{
	const struct scn_domain *d = t >= 0 ? &s->dom[t] : NULL;

	if (d && d->nested && d->vm->down[dv->inst])
		return d->vm->parent;
	return t;
}

/* ---- the guest ---- */

/*
 * The guest invalidation this thread is issuing (its VM and its nested
 * domain), or NULL: what scn_vm_check_submitted() holds the commands to.
 */
static __thread const struct scn_domain *scn_issuing;

void scn_vm_check_submitted(struct scn *s, uint32_t inst, const void *cmds, uint32_t n,
			    unsigned int cmd_bytes)
{
	const struct scn_unit_ops *u = s->arch->unit;
	const struct scn_domain *d = scn_issuing;
	struct invt_oracle_guest_cmd gc;
	uint32_t devs[INVT_SCN_MAX_DEVICES];
	const uint8_t *c = cmds;
	struct invt_iommu *iommu;
	uint32_t tag, i;

	if (!d || !u->cmd_ids)
		return;
	gc = (struct invt_oracle_guest_cmd){
		.instance = inst, .vm = d->vm->idx, .home = d->inst, .devs = devs,
	};
	/* The parent's lock is held by this thread (the viommu, or the direct path). */
	iommu = u->iommu(s->inst[d->inst].drv);
	if (!invt_domain_tag_locked(s->dom[d->vm->parent].dom, iommu, &tag))
		gc.tags[gc.nr_tags++] = tag;
	if (u->nested_own_tag && !invt_domain_tag_locked(d->dom, iommu, &tag))
		gc.tags[gc.nr_tags++] = tag;
	/* The devices its viommu binds: those of the instance without PASIDs. */
	for (i = 0; i < s->nr_dev; i++)
		if (s->dev[i].inst == d->inst && s->dev[i].nr_ssids == 1)
			devs[gc.nr_devs++] = s->dev[i].sid;
	for (i = 0; i < n; i++, c += cmd_bytes) {
		gc.names = u->cmd_ids(c, &gc.tag_s2, &gc.dev);
		gc.names = (gc.names & SCN_ID_TAG ? INVT_ORACLE_NAMES_TAG : 0) |
			   (gc.names & SCN_ID_DEV ? INVT_ORACLE_NAMES_DEV : 0);
		/* Recorded as an ISOLATION violation; the counter is its view. */
		if (invt_oracle_check_isolation(s->oracle, &gc) > 0)
			scn_count(&s->res->guest.isolation, 1);
	}
}

/* Issue @n guest commands of @buf straight to @iommu's queue, split at the syncs. */
static int scn_guest_direct(struct invt_iommu *iommu, const uint8_t *buf, const bool *sync,
			    unsigned int n, unsigned int bytes)
{
	struct invt_batch b;
	unsigned int i;
	uint64_t token;
	int ret = 0, wret;

	invt_batch_init(&b, iommu);
	for (i = 0; i < n; i++) {
		void *slot;

		if (!sync[i]) {
			slot = invt_batch_reserve(&b, bytes);
			if (slot)
				memcpy(slot, buf + (size_t)i * bytes, bytes);
		}
		/* The host's completion for the guest's; the last command ends a batch. */
		if (!sync[i] && i + 1 < n)
			continue;
		iommu->ops->build_sync(&b);
		token = invt_batch_submit(&b);
		wret = iommu->ops->wait(iommu, token);
		if (!ret)
			ret = b.err ? b.err : wret;
		invt_batch_init(&b, iommu);
	}
	return ret;
}

/*
 * The guest invalidates [@iova, @last] of nested domain @d (everything of
 * its tag when @all): stage-1 commands, a completion, the ATCs of the ATS
 * devices of its instance, a completion.  The caller holds the VM's lock.
 * Return: true when every command completed.
 */
static bool scn_guest_invalidate(struct scn *s, struct scn_domain *d, uint64_t iova,
				 uint64_t last, bool all)
{
	const struct scn_unit_ops *u = s->arch->unit;
	struct scn_vm *vm = d->vm;
	struct invt_viommu *vi = vm->viommu[d->inst];
	struct scn_guest_inv gi = { .s1tag = d->s1tag, .iova = iova, .last = last, .all = all };
	unsigned int bytes = invt_viommu_cmd_bytes(u->viommu_arch), n, k;
	uint8_t buf[SCN_GUEST_CMDS * 32];
	bool sync[SCN_GUEST_CMDS] = { 0 };
	struct invt_domain *pd = s->dom[vm->parent].dom;
	struct invt_iommu *iommu;
	unsigned int tries;
	uint32_t done;
	int ret = 0;

	/*
	 * The instance's driver is removed: no viommu, no queue, and nothing
	 * of the guest's cached there (detaching its devices flushed every
	 * tag they used: each tag's last user left) nor filled (none of its
	 * devices translates until the driver is back and it is plugged
	 * again).  The VMM completes the guest's commands itself.
	 */
	if (vm->down[d->inst]) {
		scn_count(&s->res->guest.skipped, 1);
		return true;
	}
	/* The guest's devices: those with a vdevice (plugged, with viommu off). */
	for (k = 0; k < s->nr_dev; k++) {
		struct scn_device *dv = &s->dev[k];

		if (dv->inst == d->inst && dv->ats && dv->nr_ssids == 1 && vm->has_dev[k])
			gi.ats[gi.nr_ats++] = vi ? scn_vid(vm, dv) : dv->sid;
	}
	scn_issuing = d;
	if (vi) {
		/* The viommu puts the host's tag in (VT-d: for the guest's DID). */
		gi.s2tag = u->nested_own_tag ? d->s1tag : 0;
		n = u->guest_cmds(&gi, buf, sync);
		/*
		 * A device unplugged meanwhile has no vdevice: its command is
		 * refused (-ENOENT, counted by the viommu) and the guest goes on
		 * after it, as a guest told of the error would.  Any other error
		 * (a command error or timeout the unit raised) leaves command
		 * @done not completed: the guest sends it and the rest again, as
		 * it must before it may reuse what it unmapped.
		 */
		for (k = 0, tries = 0; k < n;) {
			ret = invt_viommu_invalidate(vi, buf + (size_t)k * bytes, n - k, &done);
			if (!ret)
				break;
			if (ret == -ENOENT) {
				k += done + 1;
				continue;
			}
			scn_count(&s->res->unit_errors, 1);
			k += done;
			if (++tries > SCN_GUEST_RETRIES)
				break;
		}
		/* Done once every command went (refused ones for unplugged devices too). */
		if (k >= n)
			ret = 0;
	} else {
		/*
		 * Straight to the queue: the parent's tag (VT-d: the nested
		 * domain's own DID), held under the parent's lock until the
		 * commands completed (as the viommu does), so that it cannot go
		 * to another domain meanwhile.  No tag there: nothing of it is
		 * cached on the instance.
		 */
		iommu = u->iommu(s->inst[d->inst].drv);
		invt_mutex_lock(&pd->lock);
		n = 0;
		if (invt_domain_tag_locked(u->nested_own_tag ? d->dom : pd, iommu, &gi.s2tag)) {
			ret = 0;	/* no tag: nothing of it is cached */
		} else {
			n = u->guest_cmds(&gi, buf, sync);
			/* A failed wait: the whole invalidation again (see above). */
			for (tries = 0; tries <= SCN_GUEST_RETRIES; tries++) {
				ret = scn_guest_direct(iommu, buf, sync, n, bytes);
				if (!ret)
					break;
				scn_count(&s->res->unit_errors, 1);
			}
		}
		invt_mutex_unlock(&pd->lock);
		if (!n)
			n = u->guest_cmds(&gi, buf, sync);
	}
	scn_issuing = NULL;
	scn_count(&s->res->guest.invalidations, 1);
	scn_count(&s->res->guest.commands, n);
	return !ret;
}

/* The guest is done with @n pages of @vm: the oracle may hand them out again. */
static void scn_guest_release(struct scn *s, struct scn_vm *vm, const uint64_t *ipa,
			      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		invt_oracle_guest_inv_done(s->oracle, vm->idx, ipa[i], 1);
}

/*
 * Invalidate [@iova, @last] of nested domain @d (@all: its whole tag) for
 * the @nr data pages and @ntab table pages the guest just unmapped, and
 * release them once that completed.  What an earlier invalidation of @d
 * left withheld (d->gwh) is covered by the same commands and released with
 * them.  If it fails, the guest keeps every one of these pages: a page
 * whose invalidation did not complete may still be cached (IOTLB, ATC) and
 * is not reused.  The caller holds the VM's lock.
 */
static void scn_guest_inv_pages(struct scn *s, struct scn_domain *d, uint64_t iova,
				uint64_t last, bool all, const uint64_t *data, unsigned int nr,
				const uint64_t *tab, unsigned int ntab)
{
	struct scn_gwithheld *w = &d->gwh;
	struct scn_vm *vm = d->vm;
	unsigned int i;

	if (w->nr) {
		iova = iova < w->start ? iova : w->start;
		last = last > w->last ? last : w->last;
		all = all || w->all;
	}
	if (scn_guest_invalidate(s, d, iova, last, all)) {
		scn_flight(s, "guest invalidated", 0, 0, 0, d->dom->id, iova, last, 0);
		scn_guest_release(s, vm, data, nr);
		scn_guest_release(s, vm, tab, ntab);
		scn_guest_release(s, vm, w->ipa, w->nr);
		w->nr = 0;
		return;
	}
	scn_flight(s, "guest invalidate failed", 0, 0, 0, d->dom->id, iova, last, 0);
	scn_count(&s->res->faults.inv_failed, 1);
	scn_count(&s->res->faults.withheld_frames, nr + ntab);
	w->start = iova;
	w->last = last;
	w->all = all;
	for (i = 0; i < nr + ntab; i++) {
		uint64_t ipa = i < nr ? data[i] : tab[i - nr];

		if (w->nr < SCN_GUEST_WITHHELD)
			w->ipa[w->nr++] = ipa;
		else	/* no room: never released (the guest loses the page) */
			scn_count(&s->res->faults.leaked_frames, 1);
	}
}

/*
 * Teardown, while the viommus still know the devices: invalidate what @d's
 * guest still withholds (bounded), then give up what is left (counted in
 * faults.leaked_frames: the guest never reuses those pages).
 */
void scn_guest_withheld_teardown(struct scn *s, struct scn_domain *d)
{
	struct scn_gwithheld *w = &d->gwh;
	unsigned int tries;

	pthread_mutex_lock(&d->vm->lock);
	for (tries = 0; w->nr && tries < SCN_GUEST_RETRIES; tries++)
		scn_guest_inv_pages(s, d, w->start, w->last, w->all, NULL, 0, NULL, 0);
	scn_count(&s->res->faults.leaked_frames, w->nr);
	w->nr = 0;
	pthread_mutex_unlock(&d->vm->lock);
}

void scn_guest_map(struct scn *s, struct scn_domain *d, uint64_t *rng)
{
	struct scn_vm *vm = d->vm;
	unsigned int prot = INVT_PT_READ | (scn_below(rng, 4) ? INVT_PT_WRITE : 0);
	unsigned int slot = scn_below(rng, SCN_PAGES);
	uint64_t iova = scn_slot_iova(slot), ipa;

	pthread_mutex_lock(&vm->lock);
	scn_guest_events(s, vm, d->inst);
	if (d->page_pa[slot])
		goto out;
	if (invt_oracle_guest_alloc(s->oracle, vm->idx, INVT_FRAME_DATA, d->dom->id, iova, &ipa))
		goto out;	/* guest memory exhausted: skip */
	if (invt_pt_map(&d->gpt, iova, ipa, SCN_SZ_4K, prot)) {
		invt_oracle_guest_unmap(s->oracle, vm->idx, ipa, 1);
		invt_oracle_guest_inv_done(s->oracle, vm->idx, ipa, 1);
		goto out;
	}
	scn_page_set(d, slot, ipa);
	scn_count(&s->res->guest.maps, 1);
	scn_flight(s, "guest map", 0, 0, 0, d->dom->id, iova, iova + SCN_SZ_4K - 1, ipa);
out:
	pthread_mutex_unlock(&vm->lock);
}

struct scn_ggather {
	struct invt_pt_gather g;
	unsigned int nr;
	uint64_t ipa[INVT_PT_MAX_LEVELS * 4];
};

static void scn_gtable_unlinked(struct invt_pt_gather *g, uint64_t ipa)
{
	struct scn_ggather *gg = invt_container_of(g, struct scn_ggather, g);

	if (gg->nr < sizeof(gg->ipa) / sizeof(gg->ipa[0]))
		gg->ipa[gg->nr++] = ipa;
}

void scn_guest_unmap(struct scn *s, struct scn_domain *d, uint64_t *rng)
{
	struct scn_vm *vm = d->vm;
	struct scn_ggather gg = { .g.table_unlinked = scn_gtable_unlinked };
	uint64_t data[SCN_PAGES_PER_REGION], iova, last;
	unsigned int slot, n = 1, i, nr = 0;

	slot = scn_below(rng, SCN_PAGES);
	if (scn_below(rng, 10) >= 7) {
		/* A run inside one region; sometimes the whole region. */
		slot -= slot % SCN_PAGES_PER_REGION;
		n = scn_below(rng, 2) ? SCN_PAGES_PER_REGION : 1 + scn_below(rng, SCN_PAGES_PER_REGION);
		slot += scn_below(rng, SCN_PAGES_PER_REGION - n + 1);
	}
	pthread_mutex_lock(&vm->lock);
	scn_guest_events(s, vm, d->inst);
	if (invt_pt_unmap(&d->gpt, scn_slot_iova(slot), n * SCN_SZ_4K, &gg.g) || !gg.g.size)
		goto out;
	iova = gg.g.iova;
	last = gg.g.iova + (gg.g.size - 1);
	for (i = 0; i < SCN_PAGES; i++) {
		uint64_t a = scn_slot_iova(i);

		if (d->page_pa[i] && a >= iova && a <= last && nr < SCN_PAGES_PER_REGION) {
			data[nr++] = d->page_pa[i];
			scn_page_set(d, i, 0);
		}
	}
	for (i = 0; i < nr; i++)
		invt_oracle_guest_unmap(s->oracle, vm->idx, data[i], 1);
	for (i = 0; i < gg.nr; i++)
		invt_oracle_guest_unmap(s->oracle, vm->idx, gg.ipa[i], 1);
	scn_flight(s, "guest unmap", 0, 0, 0, d->dom->id, iova, last, 0);
	scn_guest_inv_pages(s, d, iova, last, gg.nr > 0 || !gg.g.leaf_only, data, nr, gg.ipa,
			    gg.nr);
	scn_count(&s->res->guest.unmaps, 1);
out:
	pthread_mutex_unlock(&vm->lock);
}

void scn_guest_step(struct scn *s, struct scn_vm *vm, uint64_t *rng)
{
	struct scn_domain *d = &s->dom[vm->nested[scn_below(rng, s->p->instances)]];
	unsigned int r = scn_below(rng, 16);

	/* One step in 16 is the VMM's: it moves a guest page. */
	if (r < 10)
		scn_guest_map(s, d, rng);
	else if (r < 15)
		scn_guest_unmap(s, d, rng);
	else
		scn_host_migrate(s, &s->dom[vm->parent], rng);
}

/* ---- the host ---- */

/*
 * The IPA of the last-level table of nested domain @d's stage 1 on the
 * walk of @iova, or 0 (nothing mapped there).  The caller holds the VM's
 * lock.
 */
static uint64_t scn_guest_leaf_table(struct scn_domain *d, uint64_t iova)
{
	struct invt_pt_walk w;

	invt_pt_hw_walk(d->gpt.fmt, &d->gops.ops, d->gpt.root_pa, iova, &w);
	return w.nr_tables ? w.tables[w.nr_tables - 1] : 0;
}

/*
 * The host moves guest page @k of @parent's VM to another frame: unmap it
 * from the parent and invalidate the parent (which must reach every cached
 * translation through that page, stage-1 combined ones and ATCs included),
 * copy, map the new frame, free the old one.  The guest's side waits on the
 * VM's lock meanwhile; its devices fault on the page.
 */
void scn_host_migrate(struct scn *s, struct scn_domain *parent, uint64_t *rng)
{
	struct scn_vm *vm = parent->vm;
	struct scn_domain *nd = &s->dom[vm->nested[scn_below(rng, s->p->instances)]];
	unsigned int k = scn_below(rng, SCN_VM_PAGES), slot = scn_below(rng, SCN_PAGES);
	unsigned int pick = scn_below(rng, 8);
	uint64_t ipa, old, pa, table;

	pthread_mutex_lock(&vm->lock);
	/*
	 * Half the time a data page the guest maps now; 3 in 8 the guest's
	 * last-level table that maps it, which the units' stage-1 walk-cache
	 * entries point to (RISC-V's IOTINVAL.GVMA by address drops the VM's
	 * combined entries whole: its walk entries are all a parent flush
	 * must still remove there); else any page.
	 */
	if (nd->page_pa[slot] && pick < 4)
		k = (unsigned int)((nd->page_pa[slot] - SCN_VM_IPA_BASE) >> 12);
	else if (nd->page_pa[slot] && pick < 7 &&
		 (table = scn_guest_leaf_table(nd, scn_slot_iova(slot))))
		k = (unsigned int)((table - SCN_VM_IPA_BASE) >> 12);
	ipa = scn_vm_ipa(k);
	pthread_mutex_lock(&parent->lock);
	old = vm->ipa_pa[k];
	if (invt_mem_alloc(s->mem, INVT_FRAME_DATA, parent->dom->id, ipa, &pa))
		goto out;
	scn_unmap_range(s, parent, ipa, SCN_SZ_4K);
	memcpy(invt_mem_va(s->mem, pa), invt_mem_va(s->mem, old), SCN_SZ_4K);
	/* The page's last-level table keeps its other pages: no allocation. */
	if (invt_pt_map(parent->pt, ipa, pa, SCN_SZ_4K, INVT_PT_READ | INVT_PT_WRITE)) {
		invt_mem_free(s->mem, pa);
		goto out;	/* the old frame stays the guest's, unmapped */
	}
	vm->ipa_pa[k] = pa;
	/* Withheld with the unmap's frames if its invalidation failed. */
	scn_free_after_inv(s, parent, old);
	scn_count(&s->res->guest.migrations, 1);
	scn_flight(s, "migrate", 0, 0, 0, parent->dom->id, ipa, ipa + SCN_SZ_4K - 1, pa);
out:
	pthread_mutex_unlock(&parent->lock);
	pthread_mutex_unlock(&vm->lock);
}
