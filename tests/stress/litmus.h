/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * litmus.h - what the litmus tests (litmus_sb.c, litmus_recheck.c,
 * litmus_reclaim.c) share: their options, the waiting and timing helpers,
 * the one-instance set-up of litmus_recheck and litmus_reclaim, the monitor
 * that stops a run on work done (or a stall), and the verdict of a run.
 */
#ifndef INVTRACK_TESTS_LITMUS_H
#define INVTRACK_TESTS_LITMUS_H

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>

/**
 * struct litmus_opts - a litmus run's options.
 * @ablate: --ablate RULE (a -Dablations=true build), or NULL.
 * @seconds: --seconds S: a stall bound (no iteration for S seconds is a
 *	hang), or the run's length when @want is 0.
 * @want: --iterations N: stop after N iterations (0: run for @seconds).
 * @seed: --seed N (litmus_sb's random delays).
 * @window_us: --window-us N (litmus_reclaim's window per iteration).
 *
 * The caller sets the defaults before litmus_parse().
 */
struct litmus_opts {
	const char *ablate;
	double seconds;
	uint64_t want;
	uint64_t seed;
	double window_us;
};

/* Parse argv into @o.  Return: 0, or 2 (the exit status) on a bad option. */
static inline int litmus_parse(int argc, char **argv, struct litmus_opts *o)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "ablate", required_argument, NULL, 'a' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'r' },
		{ "window-us", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			o->seconds = atof(optarg);
		else if (c == 'a')
			o->ablate = optarg;
		else if (c == 'n')
			o->want = strtoull(optarg, NULL, 0);
		else if (c == 'r')
			o->seed = strtoull(optarg, NULL, 0);
		else if (c == 'w')
			o->window_us = atof(optarg);
		else
			return 2;
	}
	return 0;
}

/* Spin a little, then let the other thread run: the machine may have 2 cores, shared. */
static inline void litmus_relax(unsigned int *spins)
{
	if (++*spins > 100)
		sched_yield();
}

static inline double litmus_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Two threads arrive at @arrivals; the (2k+1)th and (2k+2)th arrivals leave
 * together (@gen: the caller's own count).  @yield: let the other thread run
 * after a while (else only pause: both threads must then have a core).
 */
static inline void litmus_spin_barrier(uint64_t *arrivals, uint64_t *gen, bool yield)
{
	uint64_t target = (*gen += 2);
	unsigned int spins = 0;

	/* Seq-cst RMW and acquire loads: each iteration's accesses stay inside it. */
	__atomic_fetch_add(arrivals, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(arrivals, __ATOMIC_ACQUIRE) < target) {
		if (yield)
			litmus_relax(&spins);
		else
			__builtin_ia32_pause();
	}
}

/* Ablate @ablate (if set) in @ctx.  Return: 0, or 2 (the exit status). */
static inline int litmus_ablate(struct invt_ctx *ctx, const char *ablate)
{
	int ret;

	if (ablate && (ret = invt_ablate(ctx, ablate))) {
		fprintf(stderr, "cannot ablate '%s': %s\n", ablate, strerror(-ret));
		return 2;
	}
	return 0;
}

/**
 * struct litmus_one - one SMMUv3-like instance (INVT_IOMMU_SYNC_ORDERS) with
 * the test's ops, a stage-1 domain, a device attached to it (@base_dev,
 * which gives the domain an IOTLB entry) and one more device (@new_dev),
 * not attached.
 */
struct litmus_one {
	struct invt_ctx ctx;
	struct invt_iommu iommu;
	struct invt_tag_space tags;
	struct invt_domain dom;
	struct invt_device base_dev;
	struct invt_device new_dev;
};

/*
 * Set @f up with @ops; the ablation first, before the set-up publishes and
 * retires its first array.  Return: 0, or 2 (the exit status).
 */
static inline int litmus_one_init(struct litmus_one *f, const struct invt_iommu_ops *ops,
				  const char *ablate, uint32_t base_sid, uint32_t new_sid,
				  bool new_ats)
{
	int ret = 0;

	invt_ctx_init(&f->ctx);
	if (litmus_ablate(&f->ctx, ablate))
		return 2;
	ret |= invt_tag_space_init(&f->tags, 1, 16);
	f->iommu.ops = ops;
	f->iommu.flags = INVT_IOMMU_SYNC_ORDERS;
	f->iommu.tags[0] = &f->tags;
	f->iommu.tags[1] = &f->tags;
	ret |= invt_iommu_register(&f->ctx, &f->iommu);
	ret |= invt_domain_init(&f->ctx, &f->dom, INVT_DOMAIN_S1, NULL);
	ret |= invt_device_init(&f->base_dev, &f->iommu, &base_sid, 1, 1, false);
	ret |= invt_device_init(&f->new_dev, &f->iommu, &new_sid, 1, 1, new_ats);
	ret |= invt_attach(&f->base_dev, 0, &f->dom);
	return ret ? 2 : 0;
}

/* Undo litmus_one_init() (@new_dev detached).  Return: 0, or 1 on an error. */
static inline int litmus_one_destroy(struct litmus_one *f)
{
	int ret;

	ret = invt_attach(&f->base_dev, 0, NULL);
	ret |= invt_device_destroy(&f->base_dev) | invt_device_destroy(&f->new_dev) |
	       invt_domain_destroy(&f->dom) | invt_iommu_unregister(&f->iommu);
	invt_tag_space_destroy(&f->tags);
	ret |= invt_ctx_destroy(&f->ctx);
	return ret ? 1 : 0;
}

/*
 * Poll a run's counters every 20 ms (relaxed loads of the threads' counts:
 * a late read runs a little longer) until @o->want iterations were done, or
 * none for @o->seconds (a stall, the return value), or, with an ablation,
 * one showed the forbidden outcome; with @o->want 0, for @o->seconds.
 * *@elapsed: seconds since the call.
 */
static inline bool litmus_monitor(const struct litmus_opts *o, const uint64_t *iterations,
				  const uint64_t *forbidden, double *elapsed)
{
	double t0 = litmus_now_s(), seen_at = 0;
	uint64_t seen = 0, n;
	bool stalled = false;

	do {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		*elapsed = litmus_now_s() - t0;
		if (!o->want)
			continue;
		n = __atomic_load_n(iterations, __ATOMIC_RELAXED);
		if (n >= o->want)
			break;
		/* With --iterations, --seconds limits a stall. */
		if (n != seen)
			seen = n, seen_at = *elapsed;
		stalled = *elapsed - seen_at >= o->seconds;
	} while ((o->want ? !stalled : *elapsed < o->seconds) &&
		 !(o->ablate && __atomic_load_n(forbidden, __ATOMIC_RELAXED)));
	return stalled;
}

/**
 * litmus_verdict() - the exit status of a litmus run, with its last line.
 * @name: the test's name, for the line printed.
 * @ablate: the ablated rule, or NULL.
 * @stalled: no iteration for @seconds (a hang, unless an ablation was seen).
 * @forbidden: iterations that showed the forbidden outcome.
 * @seconds: the stall bound.
 * @iterations: iterations done.
 * @want: iterations asked for.
 *
 * Return: 0 when the run passes (no forbidden outcome, or with @ablate at
 * least one), 1 otherwise.
 */
static inline int litmus_verdict(const char *name, const char *ablate, bool stalled,
				 uint64_t forbidden, double seconds, uint64_t iterations,
				 uint64_t want)
{
	if (stalled && !(ablate && forbidden)) {
		printf("%s: HANG: no iteration for %.0f s, at %llu of %llu iterations\n", name,
		       seconds, (unsigned long long)iterations, (unsigned long long)want);
		return 1;
	}
	if (ablate) {
		printf("%s: ablation '%s' %s\n", name, ablate,
		       forbidden ? "detected" : "NOT detected");
		return forbidden ? 0 : 1;
	}
	return forbidden ? 1 : 0;
}

#endif /* INVTRACK_TESTS_LITMUS_H */
