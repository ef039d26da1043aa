// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * unit.c - the modelled unit's lifecycle, devices, the common effects of
 * executed commands (counting, tracing, ATC invalidations, invalidations
 * pending until their completion) and its counters.  Translation is in
 * unit-xlate.c; the state and the lock order in unit.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Seed salts: each generator of the unit gets its own stream. */
#define SALT_IOTLB	UINT64_C(0x1071b)
#define SALT_CFG	UINT64_C(0xcf9)
#define SALT_ATC	UINT64_C(0xa7c)

int invt_munit_init(struct invt_munit *u, const struct invt_munit_params *p,
		    const struct invt_munit_ops *ops, struct invt_mem *mem,
		    struct invt_oracle *oracle)
{
	struct invt_cache_config cc = {
		.name = "iotlb",
		.nr_sets = p->iotlb_sets,
		.ways = p->iotlb_ways,
		.seed = invt_munit_mix(p->seed ^ SALT_IOTLB),
	};
	int ret;

	if (!p->cfg_entries || p->cfg_entries > INVT_MUNIT_MAX_CFG_ENTRIES)
		return -EINVAL;
	u->p = *p;
	u->ops = ops;
	u->mem = mem;
	u->oracle = oracle;
	ret = invt_cache_create(&cc, &u->iotlb);
	if (ret)
		return ret;
	if (invt_munit_cfgc_init(&u->cfgc, p->cfg_entries, invt_munit_mix(p->seed ^ SALT_CFG))) {
		invt_cache_destroy(u->iotlb);
		return -ENOMEM;
	}
	if (invt_mdev_table_init(&u->devs)) {
		invt_munit_cfgc_fini(&u->cfgc);
		invt_cache_destroy(u->iotlb);
		return -ENOMEM;
	}
	invt_mem_pt_ops_init(&u->ptops, mem, INVT_MEM_NO_DOMAIN);
	return 0;
}

void invt_munit_release(struct invt_munit *u)
{
	invt_mdev_table_destroy(&u->devs);
	invt_munit_cfgc_fini(&u->cfgc);
	invt_cache_destroy(u->iotlb);
}

void invt_munit_fini(struct invt_munit *u)
{
	u->ops->queue_destroy(u);
	invt_munit_release(u);
}

int invt_munit_start(struct invt_munit *u)
{
	if (!u->p.threaded)
		return 0;
	return u->ops->queue_start(u);
}

void invt_munit_stop(struct invt_munit *u)
{
	u->ops->queue_stop(u);
}

struct invt_mdev *invt_munit_find_dev(struct invt_munit *u, uint32_t sid)
{
	return invt_mdev_find(&u->devs, sid);
}

int invt_munit_add_device(struct invt_munit *u, uint32_t sid, unsigned int atc_entries)
{
	if (atc_entries && !u->p.ats)
		return -EINVAL;		/* ATS the unit does not report */
	return invt_mdev_add(&u->devs, sid, atc_entries, u->p.atc_name,
			     invt_munit_mix(u->p.seed ^ SALT_ATC ^ ((uint64_t)sid << 20)));
}

int invt_munit_set_atc_timeout(struct invt_munit *u, uint32_t sid, bool on)
{
	struct invt_mdev *d = invt_munit_find_dev(u, sid);

	if (!d)
		return -ENODEV;
	/* Relaxed: see invt_munit_atc_inv(). */
	__atomic_store_n(&d->atc_timeout, on ? 1 : 0, __ATOMIC_RELAXED);
	return 0;
}

void invt_munit_trace(struct invt_munit *u, const uint64_t *words, unsigned int outcome)
{
	if (u->p.trace)
		u->p.trace(u->p.trace_arg, u->p.id, words, outcome);
}

void invt_munit_account_locked(struct invt_munit *u, unsigned int op, const uint64_t *words,
			       unsigned int outcome)
{
	u->n.by_op[op % INVT_MUNIT_NR_OPS]++;
	invt_munit_trace(u, words, outcome);
}

bool invt_munit_atc_inv(struct invt_munit *u, uint32_t sid, const struct invt_cache_match *match)
{
	struct invt_mdev *d = invt_munit_find_dev(u, sid);
	/*
	 * Relaxed: the flag is a test's fault injection, set before the
	 * commands it concerns are submitted (the doorbell or the producer
	 * index's release/acquire orders it); no data hangs on it.
	 */
	bool timeout = d && __atomic_load_n(&d->atc_timeout, __ATOMIC_RELAXED);

	/*
	 * A device that does not answer did not invalidate either (the
	 * strictest reading of a timeout): its ATC keeps what it held.
	 */
	if (d && d->atc && !timeout) {
		invt_cache_lock(d->atc);
		invt_cache_invalidate_locked(d->atc, match);
		invt_cache_unlock(d->atc);
	}
	return timeout;
}

void invt_munit_atc_window(struct invt_munit *u, uint32_t sid, uint32_t ssid, uint64_t addr)
{
	if (u->p.atc_window)
		u->p.atc_window(u->p.window_arg, u->p.id, sid, ssid, addr);
}

void invt_munit_complete_locked(struct invt_munit *u, uint32_t types, uint64_t seq)
{
	unsigned int i, kept = 0;

	for (i = 0; i < u->nr_pending; i++) {
		struct invt_munit_pending *p = &u->pending[i];

		if (!(types & (1u << p->type)) || p->seq > seq) {
			u->pending[kept++] = *p;
			continue;
		}
		if (p->cfg)
			invt_munit_cfg_invalidate_locked(u, p->scope);
		else
			invt_cache_invalidate_locked(u->iotlb, &p->match);
	}
	u->nr_pending = kept;
}

void invt_munit_pend_locked(struct invt_munit *u, const struct invt_munit_pending *p)
{
	if (u->nr_pending == INVT_MUNIT_MAX_PENDING)
		invt_munit_complete_locked(u, INVT_MUNIT_ALL_TYPES, UINT64_MAX);
	u->pending[u->nr_pending++] = *p;
}

void invt_munit_stats(struct invt_munit *u, struct invt_munit_stats *st)
{
	memset(st, 0, sizeof(*st));
	/*
	 * The unit's counters are one snapshot (unit lock); the consumer's are
	 * atomic counters read after it, and the IOTLB's are the cache's own
	 * snapshot (it takes the same lock, not recursively).
	 */
	invt_cache_lock(u->iotlb);
	st->n = u->n;
	invt_cache_unlock(u->iotlb);
	if (u->handshake_errors)
		st->handshake_errors = __atomic_load_n(u->handshake_errors, __ATOMIC_RELAXED);
	st->consumed = __atomic_load_n(u->consumed, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(u->errors, __ATOMIC_RELAXED);
	st->clock_ns = u->ops->queue_clock(u);
	invt_cache_stats(u->iotlb, &st->iotlb);
}

uint32_t invt_munit_cost_ns(const struct invt_munit *u, unsigned int op)
{
	/* Set before the consumer first ran, never written after. */
	return op < u->nr_costs ? u->cost_ns[op] : 0;
}
