// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * mdev.c - devices, the same for every modelled unit: the device table,
 * the ATC path (ATS translation requests and the ATC fill), the verdict.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/pt.h>

#include "mdev.h"

void invt_mdev_xl_from_entry(struct invt_mdev_xl *xl, const struct invt_cache_entry *e)
{
	xl->base = e->pa;
	xl->shift = e->shift;
	xl->level = e->level;
	xl->prot = e->prot;
	xl->domain = e->domain;
	xl->leaf = e->leaf;
}

/* The ATC path; the device's ATC lock held throughout.  Return: as translate. */
static int atc_translate(const struct invt_mdev_unit *u, struct invt_cache *atc, uint32_t sid,
			 uint32_t ssid, uint64_t iova, struct invt_mdev_xl *xl)
{
	struct invt_oracle_use use = {
		.instance = u->id, .sid = sid, .ssid = ssid, .iova = iova,
		.cfg_domain = INVT_MEM_NO_DOMAIN,
	};
	/* ATC entries of the RID carry INVT_CACHE_ID_NONE as their ssid. */
	struct invt_cache_key key = {
		.kinds = INVT_CACHE_K(INVT_CACHE_ATC),
		.tag_s2 = INVT_CACHE_ID_NONE, .tag_s1 = INVT_CACHE_ID_NONE,
		.sid = sid, .ssid = ssid ? ssid : INVT_CACHE_ID_NONE, .iova = iova,
	};
	struct invt_cache_entry e;
	int ret;

	if (!invt_cache_lookup_locked(atc, &key, &e)) {
		memset(xl, 0, sizeof(*xl));
		/*
		 * A Translated request: the unit terminates it when ATS is off
		 * for the device, so the entry never reaches memory (and is
		 * not the oracle's business).
		 */
		if (u->translated && u->translated(u->unit, sid, ssid))
			return -EFAULT;
		if (e.cookie) {
			/* Filled through a VM's two stages (cookie: its slot + 1). */
			struct invt_oracle_nest n = {
				.vm = (uint32_t)(e.cookie - 1), .s1 = e.table, .s2 = e.leaf,
				.flags = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2,
			};

			xl->stale = invt_oracle_check_nested(u->oracle, &use, &e, &n) > 0;
		} else {
			xl->stale = invt_oracle_check_atc(u->oracle, &use, &e) > 0;
		}
		/* The unit accepted the request and the oracle judged it: let go. */
		if (u->translated)
			u->translated_end(u->unit);
		invt_mdev_xl_from_entry(xl, &e);
		xl->nested = e.domain_s2 != INVT_MEM_NO_DOMAIN;
		return 0;
	}
	ret = u->translate(u->unit, sid, ssid, iova, true, xl);
	if (ret)
		return ret;
	memset(&e, 0, sizeof(e));
	e.kind = INVT_CACHE_ATC;
	e.shift = (uint8_t)xl->shift;
	e.level = (uint8_t)xl->level;
	e.prot = (uint8_t)xl->prot;
	e.tag_s2 = INVT_CACHE_ID_NONE;
	e.tag_s1 = INVT_CACHE_ID_NONE;
	e.sid = sid;
	e.ssid = key.ssid;
	e.iova = iova & ~((UINT64_C(1) << xl->shift) - 1);
	e.pa = xl->base;
	e.domain = xl->domain;
	e.domain_s2 = xl->nested ? xl->domain_s2 : INVT_MEM_NO_DOMAIN;
	e.leaf = xl->leaf;
	if (xl->has_vm) {
		/* The oracle's two-stage facts: the guest's IPA page, the VM. */
		e.table = xl->guest;
		e.cookie = (uint64_t)xl->vm + 1;
	}
	e.attach_gen = invt_oracle_atc_gen(u->oracle, u->id, sid, ssid, xl->domain);
	/* The stamp after the translation it records (the oracle's rule). */
	e.fill_time = invt_oracle_stamp(u->oracle);
	invt_cache_insert_locked(atc, &e, NULL);
	return 0;
}

int invt_mdev_dma(const struct invt_mdev_unit *u, struct invt_cache *atc, uint32_t sid,
		  uint32_t ssid, uint64_t iova, bool write)
{
	unsigned int need = write ? INVT_PT_WRITE : INVT_PT_READ;
	struct invt_mdev_xl xl;
	int ret;

	if (atc) {
		invt_cache_lock(atc);
		ret = atc_translate(u, atc, sid, ssid, iova, &xl);
		invt_cache_unlock(atc);
	} else {
		ret = u->translate(u->unit, sid, ssid, iova, false, &xl);
	}
	/* A violation is the oracle's finding: the access went through. */
	if (!xl.stale && (ret || (xl.prot & need) != need)) {
		invt_oracle_count_fault(u->oracle);
		if (!ret)
			xl.fault = INVT_MDEV_FAULT_PERM;
		if (!atc && u->fault)
			u->fault(u->unit, sid, ssid, iova, write, &xl);
		return -EFAULT;
	}
	if (xl.nested)
		invt_oracle_count_nested_access(u->oracle);
	else
		invt_oracle_count_access(u->oracle);
	return 0;
}

int invt_mdev_table_init(struct invt_mdev_table *t)
{
	memset(t, 0, sizeof(*t));
	return pthread_mutex_init(&t->lock, NULL);
}

void invt_mdev_table_destroy(struct invt_mdev_table *t)
{
	struct invt_mdev_retired *r, *next;
	size_t i;

	for (i = 0; i < t->nr; i++) {
		invt_cache_destroy(t->devs[i]->atc);
		free(t->devs[i]);
	}
	free(t->devs);
	for (r = t->retired; r; r = next) {
		next = r->next;
		free(r->devs);
		free(r);
	}
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

/*
 * Lock-free: devices are only added (and freed with the table), and an
 * array of them that grows is kept until the table is destroyed.  Acquire
 * on @nr first: pairs with the release in invt_mdev_add(), which stored the
 * array holding that many devices (and the devices' contents) before it.
 */
static struct invt_mdev *find_published(struct invt_mdev_table *t, uint32_t id)
{
	size_t n = __atomic_load_n(&t->nr, __ATOMIC_ACQUIRE), i;
	struct invt_mdev **devs = __atomic_load_n(&t->devs, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (devs[i]->id == id)
			return devs[i];
	return NULL;
}

struct invt_mdev *invt_mdev_find(struct invt_mdev_table *t, uint32_t id)
{
	/*
	 * Acquire: pairs with the release in invt_mdev_add() that stored the
	 * pointer after the device was set up.  Forbids a finder that gets
	 * the device and reads its fields (the ATC) as they were before.
	 */
	if (id < INVT_MDEV_DIRECT)
		return __atomic_load_n(&t->direct[id], __ATOMIC_ACQUIRE);
	return find_published(t, id);
}

int invt_mdev_add(struct invt_mdev_table *t, uint32_t id, unsigned int atc_entries,
		  const char *name, uint64_t seed)
{
	struct invt_cache_config cc = {
		.name = name, .nr_sets = 1, .ways = atc_entries, .seed = seed,
	};
	struct invt_mdev_retired *old = NULL;
	struct invt_mdev *d, **nd;
	int ret = 0;

	if (atc_entries > INVT_CACHE_MAX_SLOTS)
		return -EINVAL;
	if (invt_mdev_find(t, id))
		return -EEXIST;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->id = id;
	if (atc_entries) {
		ret = invt_cache_create(&cc, &d->atc);
		if (ret) {
			free(d);
			return ret;
		}
	}
	pthread_mutex_lock(&t->lock);
	if (find_published(t, id))
		ret = -EEXIST;		/* lost a race with another add */
	if (!ret && t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;

		/* A new array: lock-free finders may still walk the old one. */
		nd = calloc(cap, sizeof(*nd));
		old = t->devs ? calloc(1, sizeof(*old)) : NULL;
		if (nd && (old || !t->devs)) {
			if (t->nr)
				memcpy(nd, t->devs, t->nr * sizeof(*nd));
			if (old) {
				old->devs = t->devs;
				old->next = t->retired;
				t->retired = old;
			}
			/* Release: the copy before the pointer; see find_published(). */
			__atomic_store_n(&t->devs, nd, __ATOMIC_RELEASE);
			t->cap = cap;
		} else {
			free(nd);
			free(old);
			ret = -ENOMEM;
		}
	}
	if (!ret) {
		t->devs[t->nr] = d;
		/* Release: the device and the array before the count. */
		__atomic_store_n(&t->nr, t->nr + 1, __ATOMIC_RELEASE);
		/* Release: the device before its pointer; see invt_mdev_find(). */
		if (id < INVT_MDEV_DIRECT)
			__atomic_store_n(&t->direct[id], d, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->lock);
	if (ret) {
		invt_cache_destroy(d->atc);
		free(d);
	}
	return ret;
}
