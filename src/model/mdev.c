// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * mdev.c - device accesses, the same for every modelled unit: the ATC path
 * (ATS translation requests and the ATC fill) and the verdict.
 */
#include <errno.h>
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
		xl->stale = invt_oracle_check_atc(u->oracle, &use, &e) > 0;
		invt_mdev_xl_from_entry(xl, &e);
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
	e.domain_s2 = INVT_MEM_NO_DOMAIN;
	e.leaf = xl->leaf;
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
		return -EFAULT;
	}
	invt_oracle_count_access(u->oracle);
	return 0;
}
