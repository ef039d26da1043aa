/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * unit-arch.h - what an architecture's modelled instance uses to build
 * itself on the shared modelled unit (unit.h): its parameters from the
 * arch's configuration, its consumer's counters, its queue operations, the
 * public functions every <invtrack/model/ARCH.h> declares alike, its stats.
 * Model-internal, not installed.
 */
#ifndef INVT_MODEL_UNIT_ARCH_H
#define INVT_MODEL_UNIT_ARCH_H

#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * The parameters every arch's configuration names alike (@c: a struct
 * invt_msmmu_config, invt_mvtd_config or invt_mrv_config), as designated
 * initialisers of struct invt_munit_params.
 */
#define INVT_MUNIT_PARAMS_OF(c)							\
	.id = (c)->id, .seed = (c)->seed, .threaded = (c)->threaded, .ats = (c)->ats,	\
	.cfg_entries = (c)->cfg_entries, .iotlb_sets = (c)->iotlb_sets,		\
	.iotlb_ways = (c)->iotlb_ways, .atc_window = (c)->atc_window,		\
	.window_arg = (c)->window_arg, .trace = (c)->trace, .trace_arg = (c)->trace_arg

/**
 * invt_munit_set_queue() - point the unit at its consumer's cost table and
 * counters (after the arch set up its queue).
 * @u: the unit.
 * @cost_ns: the consumer's cost table, @nr_costs entries.
 * @nr_costs: its size.
 * @consumed: the consumer's commands consumed (atomic).
 * @errors: its command errors (atomic).
 * @handshake_errors: its forbidden register writes (atomic), or NULL.
 */
static inline void invt_munit_set_queue(struct invt_munit *u, const uint32_t *cost_ns,
					unsigned int nr_costs, const uint64_t *consumed,
					const uint64_t *errors, const uint64_t *handshake_errors)
{
	u->cost_ns = cost_ns;
	u->nr_costs = nr_costs;
	u->consumed = consumed;
	u->errors = errors;
	u->handshake_errors = handshake_errors;
}

/*
 * Copy what every arch's public stats name alike from @us (a struct
 * invt_munit_stats) into @st (struct invt_msmmu_stats, ...).
 */
#define INVT_MUNIT_STATS_COPY(st, us)						\
	do {									\
		memcpy((st)->by_op, (us)->n.by_op, sizeof((st)->by_op));	\
		(st)->translations = (us)->n.translations;			\
		(st)->walks = (us)->n.walks;					\
		(st)->cfg_fetches = (us)->n.cfg_fetches;			\
		(st)->consumed = (us)->consumed;				\
		(st)->errors = (us)->errors;					\
		(st)->clock_ns = (us)->clock_ns;				\
		(st)->iotlb = (us)->iotlb;					\
	} while (0)

/*
 * INVT_MUNIT_QUEUE_OPS() - the queue operations of an arch whose instance
 * (struct @type, the unit as member u) has its consumer as member hq with
 * @hqp_start(), @hqp_stop(), @hqp_destroy() and @hqp_clock(): defines
 * static @pfx_queue_start, _stop, _destroy and _clock for its
 * struct invt_munit_ops.
 */
#define INVT_MUNIT_QUEUE_OPS(pfx, type, hqp)					\
static int pfx##_queue_start(struct invt_munit *u)				\
{										\
	return hqp##_start(&invt_munit_arch(u, type, u)->hq);			\
}										\
static void pfx##_queue_stop(struct invt_munit *u)				\
{										\
	hqp##_stop(&invt_munit_arch(u, type, u)->hq);				\
}										\
static void pfx##_queue_destroy(struct invt_munit *u)				\
{										\
	hqp##_destroy(&invt_munit_arch(u, type, u)->hq);			\
}										\
static uint64_t pfx##_queue_clock(struct invt_munit *u)			\
{										\
	return hqp##_clock(&invt_munit_arch(u, type, u)->hq);			\
}

/*
 * INVT_MUNIT_ACK_OPS() - the consumer's ack_begin / ack_end hooks of an
 * arch whose instance is struct @type (the unit as member u): defines
 * static @pfx_ack_begin and @pfx_ack_end, which hold and release the
 * unit's lock.  A translation holds that lock from its enable check
 * through its configuration fetch (translate()), so an acknowledgement
 * published in between (a disable, a new table base) is seen by the
 * driver only after every translation that used the old state finished
 * reading it.  Lock order: consumer lock, then unit lock (as the
 * executors take them).
 */
#define INVT_MUNIT_ACK_OPS(pfx, type)						\
static void pfx##_ack_begin(void *arg)						\
{										\
	invt_cache_lock(((type *)arg)->u.iotlb);				\
}										\
static void pfx##_ack_end(void *arg)						\
{										\
	invt_cache_unlock(((type *)arg)->u.iotlb);				\
}

/*
 * INVT_MUNIT_PUBLIC_API() - the public functions every modelled unit has
 * the same way, for struct @type (the unit as member u, allocated with
 * malloc): invt_@pfx_destroy(), _iotlb(), _start(), _stop() and _dma(),
 * as <invtrack/model/ARCH.h> declares them.
 */
#define INVT_MUNIT_PUBLIC_API(pfx, type)					\
void invt_##pfx##_destroy(type *m)						\
{										\
	if (!m)									\
		return;								\
	invt_munit_fini(&m->u);							\
	free(m);								\
}										\
struct invt_cache *invt_##pfx##_iotlb(type *m)					\
{										\
	return m->u.iotlb;							\
}										\
int invt_##pfx##_start(type *m)							\
{										\
	return invt_munit_start(&m->u);						\
}										\
void invt_##pfx##_stop(type *m)							\
{										\
	invt_munit_stop(&m->u);							\
}										\
int invt_##pfx##_dma(type *m, uint32_t sid, uint32_t ssid, uint64_t iova, bool write)	\
{										\
	return invt_munit_dma(&m->u, sid, ssid, iova, write);			\
}

#endif /* INVT_MODEL_UNIT_ARCH_H */
