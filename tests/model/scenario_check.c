// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario_check.c - run modelled scenarios and judge them.
 *
 *   scenario_check [--threaded] [--ops N] [--seconds S] [--seed S] [--no-ril] [--oas BITS]
 *                  [--smmu-2lvl]
 *                  [--arch smmuv3|vtd|riscv] [--instances N] [--devices N] [--domains N]
 *                  [--until-accesses N] [--until-invalidations N] [--until-attaches N]
 *                  [--min-accesses N] [--twice] [--delays] [--iotlb-by-tags]
 *                  [--removal N] [--queue-slots N] [--min-full-waits N]
 *                  [--vms N [--viommu-off] --min-nested N --min-guest-commands N]
 *                  [--vevent-depth N] [--min-events N] [--min-lost-events N]
 *                  [--faults RATE --min-faults N] [--watchdog S [--expect-watchdog]]
 *                  [--dead-atcs N --min-ats-disabled N [--no-failed-invalidations]]
 *                  [--hang-after N]
 *                  [--ablate RULE --expect CLASS [--runs K] [--min-rate PCT] [--all-runs]]
 *
 * Tests stop on work done, never on time: --until-* run the load until at
 * least that many accesses were checked, invalidations done and attach
 * transactions completed (every one given), and --seconds then limits a
 * stall, not the run: when one of those counts did not grow for that long,
 * the run fails with "HANG: ...", distinct from "too little work" (fewer
 * than --min-accesses accesses checked).
 *
 * Without --ablate: passes when the oracle found no violation, the run did
 * not stall, at least --min-accesses accesses were checked, (inline mode)
 * every invalidation cost exactly the minimum of the policy in force, and
 * (SMMUv3) no ILLEGAL STE or CD was fetched, no C_BAD_CD was recorded, no
 * register handshake was broken and stage-2 domains translated; --twice
 * runs the same seed again and requires the identical command stream.
 * --removal N adds instance removal and device hot-unplug to the mix (map
 * 4, unmap 2, attach 3, detach 1, remove 1, unplug 1, inline dma 10) and
 * requires at least N of each to have completed.  --queue-slots sizes the
 * command queues and --min-full-waits requires the drivers to have found
 * them full that often (they wrapped, waited for room and went on).
 * --faults injects hardware faults and requires at least --min-faults of
 * them, every one recovered, and no violation.  --dead-atcs N gives the
 * first N devices with ATS an ATC that never answers and requires at least
 * --min-ats-disabled of them to have had their ATS turned off (and, as
 * always, no violation and no frame left unfreed); --no-failed-invalidations
 * also requires every invalidation to have completed (an unmap that meets
 * the dead ATC while its device is attached turns its ATS off itself).  A
 * dead ATC's probes and the invalidation sent again cost more than the
 * minimum: inline runs with dead ATCs do not compare with it.  --vms N builds N VMs
 * (nested domains, guest stage-1 invalidations through viommus, or straight
 * to the queues with --viommu-off) and requires at least --min-nested
 * two-stage accesses checked, --min-guest-commands guest commands sent and
 * none refused by a viommu; with viommus, the guests' event queues must
 * read in sequence (each event of one of the VM's own devices: the oracle's
 * ISOLATION check), and --min-events / --min-lost-events events forwarded
 * to them / lost (--vevent-depth sizes each queue: small ones overflow).
 * --watchdog S fails the test
 * when a count the run stops on and has not reached (--until-*, else --ops)
 * did not grow for S seconds, or no progress report came for S seconds: the
 * load stops on work, a run that hangs - load threads stuck in a wait loop
 * while the main thread still reports, threads deadlocked, even while
 * stopping - is ended by the watchdog within S seconds, not by meson's
 * timeout.  --hang-after N stops the thread that writes the N-th command
 * for good (in the driver's submit, its queue lock held) and
 * --expect-watchdog makes the watchdog firing the pass and anything else a
 * failure: the watchdog's own test.
 * With --ablate: runs seeds seed, seed+1, ... with the rule switched off,
 * each stopping at its first violation, until one found the expected class
 * or --runs seeds were tried (--all-runs or --min-rate: all of them, to
 * measure the detection rate); passes when at least one run found it and
 * that share of the runs done is at least --min-rate percent (default 0:
 * any run).  A stalled run that found nothing fails as a hang.  Prints the
 * seed of every run.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <invtrack/model/scenario.h>

static void print_result(const char *what, const struct invt_scn_params *p,
			 const struct invt_scn_result *r)
{
	unsigned int i;
	char line[512];

	printf("%s: %s seed %llu %s: %llu ops in %.2f s, %llu accesses checked (%.0f/s), "
	       "%llu faults; map %llu unmap %llu attach %llu detach %llu replace %llu; "
	       "%llu invalidations, %llu commands (%llu syncs)%s",
	       what, p->arch ? p->arch : "smmuv3", (unsigned long long)p->seed,
	       p->threaded ? "threaded" : "inline",
	       (unsigned long long)(r->maps + r->unmaps + r->attaches + r->detaches +
				    r->replaces + r->oracle.accesses + r->oracle.faults),
	       r->elapsed, (unsigned long long)r->oracle.accesses,
	       r->elapsed > 0 ? r->oracle.accesses / r->elapsed : 0.0,
	       (unsigned long long)r->oracle.faults, (unsigned long long)r->maps,
	       (unsigned long long)r->unmaps, (unsigned long long)r->attaches,
	       (unsigned long long)r->detaches, (unsigned long long)r->replaces,
	       (unsigned long long)r->invalidations, (unsigned long long)r->commands,
	       (unsigned long long)r->syncs, r->stalled ? "; STALLED" : "");
	if (r->queue_full_waits)
		printf("; queue full %llu times", (unsigned long long)r->queue_full_waits);
	if (r->faults.injected)
		printf("; faults %llu injected, %llu recovered, %llu invalidations failed",
		       (unsigned long long)r->faults.injected,
		       (unsigned long long)r->faults.recovered,
		       (unsigned long long)r->faults.inv_failed);
	if (r->faults.ats_disabled)
		printf("; ATS turned off for %llu devices, %llu invalidations failed",
		       (unsigned long long)r->faults.ats_disabled,
		       (unsigned long long)r->faults.inv_failed);
	if (r->removals || r->unplugs)
		printf("; removals %llu unplugs %llu", (unsigned long long)r->removals,
		       (unsigned long long)r->unplugs);
	if (p->vms)
		printf("; nested accesses %llu, guest commands %llu (%llu invalidations skipped: "
		       "instance removed)", (unsigned long long)r->oracle.nested_accesses,
		       (unsigned long long)r->guest.commands, (unsigned long long)r->guest.skipped);
	if (!p->threaded)
		printf("; invalidation commands %llu = minimum %llu (%llu mismatches)",
		       (unsigned long long)r->inv_commands, (unsigned long long)r->inv_minimum,
		       (unsigned long long)r->inv_mismatches);
	printf("; unit errors %llu; violations %llu (stale_tlb %llu, stale_config %llu, "
	       "wrong_domain %llu, isolation %llu)\n", (unsigned long long)r->unit_errors,
	       (unsigned long long)r->oracle.total,
	       (unsigned long long)r->oracle.violations[INVT_VIOL_STALE_TLB],
	       (unsigned long long)r->oracle.violations[INVT_VIOL_STALE_CONFIG],
	       (unsigned long long)r->oracle.violations[INVT_VIOL_WRONG_DOMAIN],
	       (unsigned long long)r->oracle.violations[INVT_VIOL_ISOLATION]);
	if (r->xlate_s1 + r->xlate_s2 + r->bad_ste + r->bad_cd + r->handshake_errors)
		printf("  translations: stage 1 %llu, stage 2 %llu; C_BAD_STE %llu, C_BAD_CD %llu "
		       "(ILLEGAL %llu); handshake errors %llu\n",
		       (unsigned long long)r->xlate_s1, (unsigned long long)r->xlate_s2,
		       (unsigned long long)r->bad_ste, (unsigned long long)r->bad_cd,
		       (unsigned long long)r->illegal_cfg, (unsigned long long)r->handshake_errors);
	for (i = 0; i < r->nr_reports && i < 3; i++) {
		invt_violation_format(&r->reports[i], p->seed, line, sizeof(line));
		printf("  %s\n", line);
	}
}

/*
 * The watchdog.  The run's progress callback (called from its main thread
 * about every 0.25 s, also while the load runs threaded) stamps the time
 * and, for each count the run stops on and has not reached yet, when it
 * last grew: checked accesses, invalidations and attach transactions with
 * --until-*, operations with --ops.  A thread fails the test when no report
 * came for wd_seconds (the main thread is stuck: in stopping the load, in
 * teardown) or when one of those counts did not grow for wd_seconds while
 * reports came (load threads stuck in a driver's wait loop: the main
 * thread goes on reporting, which alone proves nothing).  It compares
 * times only with each other, never a count with a time.
 */
enum { WD_ACCESSES, WD_INVALIDATIONS, WD_ATTACHES, WD_OPS, WD_NR };
static const char *const wd_names[WD_NR] = {
	"accesses checked", "invalidations", "attach transactions", "operations",
};
static double wd_seconds;
static bool wd_expect;		/* --expect-watchdog: firing is the pass */
static double wd_start;		/* under wd_lock */
static double wd_last;		/* under wd_lock */
static bool wd_done;		/* under wd_lock */
static struct invt_scn_progress wd_pr;	/* under wd_lock */
static uint64_t wd_count[WD_NR];	/* under wd_lock */
static double wd_grew[WD_NR];	/* under wd_lock */
static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;

static double wd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The counts the run stops on and has not reached; all when it stopped. */
static unsigned int wd_watched(const struct invt_scn_params *p, const uint64_t *c)
{
	const uint64_t want[WD_NR] = {
		p->until.accesses, p->until.invalidations, p->until.attaches,
		p->until.accesses || p->until.invalidations || p->until.attaches ? 0 : p->ops,
	};
	unsigned int k, m = 0;

	for (k = 0; k < WD_NR; k++)
		if (want[k] && c[k] < want[k])
			m |= 1u << k;
	return m;
}

/* @arg: the run's parameters; its result is read as it grows. */
struct wd_arg {
	const struct invt_scn_params *p;
	const struct invt_scn_result *r;
};

static void wd_progress(void *arg, const struct invt_scn_progress *pr)
{
	const struct wd_arg *a = arg;
	double now = wd_now();
	uint64_t c[WD_NR];
	unsigned int k;

	/* Relaxed: the run's statistics counters (scn_count()). */
	c[WD_ACCESSES] = pr->accesses;
	c[WD_INVALIDATIONS] = __atomic_load_n(&a->r->invalidations, __ATOMIC_RELAXED);
	c[WD_ATTACHES] = __atomic_load_n(&a->r->attaches, __ATOMIC_RELAXED) +
			 __atomic_load_n(&a->r->detaches, __ATOMIC_RELAXED) +
			 __atomic_load_n(&a->r->replaces, __ATOMIC_RELAXED);
	c[WD_OPS] = pr->ops;
	pthread_mutex_lock(&wd_lock);
	wd_last = now;
	wd_pr = *pr;
	for (k = 0; k < WD_NR; k++) {
		if (c[k] != wd_count[k])
			wd_grew[k] = now;
		wd_count[k] = c[k];
	}
	/* After the last report the load has stopped: only teardown is left. */
	if (pr->final)
		for (k = 0; k < WD_NR; k++)
			wd_grew[k] = INFINITY;
	pthread_mutex_unlock(&wd_lock);
}

static void *wd_thread(void *arg)
{
	const struct wd_arg *a = arg;

	for (;;) {
		struct timespec ts = { .tv_nsec = 250000000 };
		unsigned int k, watched;
		double now;
		int stuck = -1;

		nanosleep(&ts, NULL);
		pthread_mutex_lock(&wd_lock);
		if (wd_done) {
			pthread_mutex_unlock(&wd_lock);
			return NULL;
		}
		now = wd_now();
		watched = wd_watched(a->p, wd_count);
		for (k = 0; k < WD_NR; k++)
			if ((watched >> k & 1) && now - wd_grew[k] > wd_seconds)
				stuck = (int)k;
		if (now - wd_last > wd_seconds || stuck >= 0) {
			if (stuck >= 0)
				printf("WATCHDOG: %s did not grow for %g s (a hang: load threads "
				       "stuck)", wd_names[stuck], wd_seconds);
			else
				printf("WATCHDOG: no progress report for %g s (a deadlock: the "
				       "run's main thread stuck)", wd_seconds);
			printf(" after %.1f s: last report after %.1f s, %llu ops, %llu accesses, "
			       "%llu invalidations, %llu attach transactions; seed %llu\n",
			       now - wd_start, wd_pr.elapsed, (unsigned long long)wd_pr.ops,
			       (unsigned long long)wd_pr.accesses,
			       (unsigned long long)wd_count[WD_INVALIDATIONS],
			       (unsigned long long)wd_count[WD_ATTACHES],
			       (unsigned long long)a->p->seed);
			if (wd_expect)
				printf("watchdog fired as expected\n1 passed, 0 failed\n");
			fflush(stdout);
			_exit(wd_expect ? 0 : 1);
		}
		pthread_mutex_unlock(&wd_lock);
	}
}

/*
 * --hang-after N: the thread writing the N-th command to a queue stops
 * there for good, inside the driver's submit (its queue lock held), as a
 * driver stuck in a wait loop would: the watchdog's own test.
 */
static uint64_t hang_after;

static void hang_trace(void *arg, uint64_t seq, uint64_t clock, uint32_t instance,
		       const uint64_t *w, unsigned int nwords)
{
	(void)arg;
	(void)clock;
	(void)instance;
	(void)w;
	(void)nwords;
	while (seq + 1 >= hang_after) {
		struct timespec ts = { .tv_sec = 1 };

		nanosleep(&ts, NULL);
	}
}

static int run(const struct invt_scn_params *p, struct invt_scn_result *r)
{
	struct invt_scn_params wp = *p;
	struct wd_arg wa = { &wp, r };
	char err[256] = "";
	unsigned int k;
	pthread_t wd;
	int ret;

	if (hang_after)
		wp.trace = hang_trace;
	if (wd_seconds > 0) {
		wp.progress = wd_progress;
		wp.progress_arg = &wa;
		wp.progress_interval = 0.25;
		wd_done = false;
		wd_start = wd_last = wd_now();
		memset(&wd_pr, 0, sizeof(wd_pr));
		for (k = 0; k < WD_NR; k++) {
			wd_count[k] = 0;
			wd_grew[k] = wd_last;
		}
		if (pthread_create(&wd, NULL, wd_thread, &wa))
			return -EAGAIN;
	}
	ret = invt_scn_run(&wp, r, err, sizeof(err));
	if (wd_seconds > 0) {
		pthread_mutex_lock(&wd_lock);
		wd_done = true;
		pthread_mutex_unlock(&wd_lock);
		pthread_join(wd, NULL);
	}
	if (ret)
		fprintf(stderr, "scenario_check: %s (%s)\n", err, strerror(-ret));
	return ret;
}

/* A count of --until-* did not grow for --seconds: a hang. */
static bool report_hang(const struct invt_scn_params *p, const struct invt_scn_result *r)
{
	if (!r->stalled)
		return false;
	printf("HANG: no progress for %g s, after %.0f s: %llu of %llu accesses, %llu of %llu "
	       "invalidations, %llu of %llu attach transactions; replay with --seed %llu\n",
	       p->seconds, r->elapsed,
	       (unsigned long long)r->oracle.accesses, (unsigned long long)p->until.accesses,
	       (unsigned long long)r->invalidations, (unsigned long long)p->until.invalidations,
	       (unsigned long long)(r->attaches + r->detaches + r->replaces),
	       (unsigned long long)p->until.attaches, (unsigned long long)p->seed);
	return true;
}

static int viol_class(const char *name)
{
	int k;

	for (k = 0; k < INVT_VIOL_NR; k++)
		if (!strcmp(name, invt_violation_name(k)))
			return k;
	return -1;
}

int main(int argc, char **argv)
{
	struct invt_scn_params p;
	struct invt_scn_result r, r2;
	unsigned long long min_accesses = 0;
	unsigned int runs = 1, min_rate = 0, hits = 0, i;
	const char *expect = NULL;
	unsigned long long min_removals = 0, min_full = 0, min_faults = 0, min_ats_off = 0;
	unsigned long long min_nested = 0, min_guest = 0, min_events = 0, min_lost = 0;
	bool twice = false, all_runs = false, no_failed = false;
	int k, cls = -1;

	invt_scn_defaults(&p);
	p.threaded = false;
	p.seconds = 0;
	p.ops = 100000;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (!strcmp(a, "--threaded")) {
			p.threaded = true;
		} else if (!strcmp(a, "--no-ril")) {
			p.ril = false;
		} else if (!strcmp(a, "--smmu-2lvl")) {
			p.smmu_2lvl = true;
		} else if (!strcmp(a, "--twice")) {
			twice = true;
		} else if (!strcmp(a, "--delays")) {
			p.delays = true;
		} else if (!strcmp(a, "--iotlb-by-tags")) {
			p.iotlb_by_tags = true;	/* VT-d, RISC-V: the shared IOTLB */
		} else if (!strcmp(a, "--all-runs")) {
			all_runs = true;
		} else if (v && !strcmp(a, "--ops")) {
			p.ops = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--seconds")) {
			p.seconds = strtod(v, NULL), k++;
		} else if (v && !strcmp(a, "--oas")) {
			p.oas = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--seed")) {
			p.seed = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--arch")) {
			p.arch = v, k++;
		} else if (v && !strcmp(a, "--instances")) {
			p.instances = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--devices")) {
			p.devices = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--domains")) {
			p.domains = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--until-accesses")) {
			p.until.accesses = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--until-invalidations")) {
			p.until.invalidations = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--until-attaches")) {
			p.until.attaches = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-accesses")) {
			min_accesses = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-full-waits")) {
			min_full = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--faults")) {
			p.faults = strtod(v, NULL), k++;
		} else if (v && !strcmp(a, "--min-faults")) {
			min_faults = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--dead-atcs")) {
			p.dead_atcs = (unsigned int)strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-ats-disabled")) {
			min_ats_off = strtoull(v, NULL, 0), k++;
		} else if (!strcmp(a, "--no-failed-invalidations")) {
			no_failed = true;
		} else if (v && !strcmp(a, "--watchdog")) {
			wd_seconds = strtod(v, NULL), k++;
		} else if (!strcmp(a, "--expect-watchdog")) {
			wd_expect = true;
		} else if (v && !strcmp(a, "--hang-after")) {
			hang_after = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--queue-slots")) {
			p.queue_slots = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--removal")) {
			min_removals = strtoull(v, NULL, 0), k++;
			memcpy(p.mix, (unsigned int[INVT_SCN_OP_NR]){
				[INVT_SCN_OP_MAP] = 4, [INVT_SCN_OP_UNMAP] = 2,
				[INVT_SCN_OP_ATTACH] = 3, [INVT_SCN_OP_DETACH] = 1,
				[INVT_SCN_OP_REMOVE] = 1, [INVT_SCN_OP_UNPLUG] = 1,
				[INVT_SCN_OP_DMA] = 10 }, sizeof(p.mix));
		} else if (v && !strcmp(a, "--vms")) {
			p.vms = strtoul(v, NULL, 0), k++;
		} else if (!strcmp(a, "--viommu-off")) {
			p.viommu_off = true;
		} else if (v && !strcmp(a, "--min-nested")) {
			min_nested = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-guest-commands")) {
			min_guest = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--vevent-depth")) {
			p.vevent_depth = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-events")) {
			min_events = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-lost-events")) {
			min_lost = strtoull(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--ablate")) {
			p.ablate = v, k++;
		} else if (v && !strcmp(a, "--expect")) {
			expect = v, k++;
		} else if (v && !strcmp(a, "--runs")) {
			runs = strtoul(v, NULL, 0), k++;
		} else if (v && !strcmp(a, "--min-rate")) {
			min_rate = strtoul(v, NULL, 0), k++;
		} else {
			fprintf(stderr, "scenario_check: bad argument '%s'\n", a);
			return 2;
		}
	}
	if (p.ablate) {
		cls = expect ? viol_class(expect) : -1;
		if (cls < 0 || !runs) {
			fprintf(stderr, "scenario_check: --ablate needs --expect CLASS and --runs >= 1\n");
			return 2;
		}
		p.stop_on_violation = true;
		for (i = 0; i < runs && (all_runs || min_rate || !hits); i++, p.seed++) {
			if (run(&p, &r))
				return 1;
			print_result(p.ablate, &p, &r);
			if (!r.oracle.total && report_hang(&p, &r))
				return 1;
			hits += r.oracle.violations[cls] > 0;
		}
		printf("ablation %s: %s in %u of %u runs (%.0f%%)\n", p.ablate, expect, hits, i,
		       100.0 * hits / i);
		if (!hits || hits * 100 < min_rate * i) {
			printf("FAIL: the oracle did not see %s often enough\n", expect);
			return 1;
		}
		printf("1 passed, 0 failed\n");
		return 0;
	}
	if (run(&p, &r))
		return 1;
	print_result("scenario", &p, &r);
	if (r.oracle.total) {
		printf("FAIL: violations; replay with --seed %llu\n", (unsigned long long)p.seed);
		return 1;
	}
	if (report_hang(&p, &r))
		return 1;
	if (r.oracle.accesses < min_accesses) {
		printf("FAIL: too little work: %llu accesses checked, fewer than %llu\n",
		       (unsigned long long)r.oracle.accesses, min_accesses);
		return 1;
	}
	if (r.queue_full_waits < min_full) {
		printf("FAIL: the queues were found full %llu times, fewer than %llu\n",
		       (unsigned long long)r.queue_full_waits, min_full);
		return 1;
	}
	/* An ATC that never answers makes errors of its own: recovered, not injected. */
	if (r.faults.injected < min_faults || r.faults.recovered < r.faults.injected ||
	    (!p.dead_atcs && r.faults.recovered != r.faults.injected)) {
		printf("FAIL: %llu faults injected (at least %llu wanted), %llu recovered\n",
		       (unsigned long long)r.faults.injected, min_faults,
		       (unsigned long long)r.faults.recovered);
		return 1;
	}
	if (r.faults.ats_disabled < min_ats_off) {
		printf("FAIL: ATS turned off for %llu devices, fewer than %llu\n",
		       (unsigned long long)r.faults.ats_disabled, min_ats_off);
		return 1;
	}
	if (no_failed && r.faults.inv_failed) {
		printf("FAIL: %llu invalidations failed\n",
		       (unsigned long long)r.faults.inv_failed);
		return 1;
	}
	/* Withheld after a failed invalidation, then never covered by one. */
	if (r.faults.leaked_frames) {
		printf("FAIL: %llu frames never freed (%llu invalidations failed)\n",
		       (unsigned long long)r.faults.leaked_frames,
		       (unsigned long long)r.faults.inv_failed);
		return 1;
	}
	if (r.removals < min_removals || r.unplugs < min_removals) {
		printf("FAIL: %llu instance removals and %llu device unplugs, fewer than %llu\n",
		       (unsigned long long)r.removals, (unsigned long long)r.unplugs, min_removals);
		return 1;
	}
	if (r.guest.isolation) {
		printf("FAIL: %llu guest-issued commands named a tag or device the VM does not own\n",
		       (unsigned long long)r.guest.isolation);
		return 1;
	}
	if (r.oracle.nested_accesses < min_nested || r.guest.commands < min_guest ||
	    r.guest.viommu_rejected) {
		printf("FAIL: %llu nested accesses (at least %llu wanted), %llu guest commands (at "
		       "least %llu), %llu refused by the viommus\n",
		       (unsigned long long)r.oracle.nested_accesses, min_nested,
		       (unsigned long long)r.guest.commands, min_guest,
		       (unsigned long long)r.guest.viommu_rejected);
		return 1;
	}
	if (r.guest.event_errors || r.guest.viommu_events < min_events ||
	    r.guest.viommu_lost_events < min_lost) {
		printf("FAIL: %llu guest events out of sequence, %llu events (at least %llu "
		       "wanted), %llu lost (at least %llu)\n",
		       (unsigned long long)r.guest.event_errors,
		       (unsigned long long)r.guest.viommu_events, min_events,
		       (unsigned long long)r.guest.viommu_lost_events, min_lost);
		return 1;
	}
	if (r.illegal_cfg || r.handshake_errors) {
		printf("FAIL: %llu ILLEGAL STEs/CDs, %llu broken handshakes\n",
		       (unsigned long long)r.illegal_cfg, (unsigned long long)r.handshake_errors);
		return 1;
	}
	/*
	 * Every ssid the driver does not use holds a blocking CD: a stray
	 * access faults, C_BAD_CD would mean an invalid CD was reached.
	 */
	if (r.bad_cd) {
		printf("FAIL: %llu C_BAD_CD events in a normal run\n",
		       (unsigned long long)r.bad_cd);
		return 1;
	}
	if ((!p.arch || !strcmp(p.arch, "smmuv3")) && p.domains > 1 && !r.xlate_s2) {
		printf("FAIL: no stage-2 translation\n");
		return 1;
	}
	/* Faults make the drivers send batches again: no minimum then. */
	if (!p.threaded && !(p.faults > 0) && !p.dead_atcs &&
	    (r.inv_mismatches || r.inv_commands != r.inv_minimum)) {
		printf("FAIL: invalidations issued more commands than the minimum\n");
		return 1;
	}
	if (twice) {
		if (run(&p, &r2))
			return 1;
		if (r2.trace_hash != r.trace_hash || r2.commands != r.commands ||
		    r2.oracle.accesses != r.oracle.accesses) {
			printf("FAIL: same seed, different command stream (%016llx vs %016llx)\n",
			       (unsigned long long)r.trace_hash, (unsigned long long)r2.trace_hash);
			return 1;
		}
		printf("same seed twice: identical command stream (hash %016llx, %llu commands)\n",
		       (unsigned long long)r.trace_hash, (unsigned long long)r.commands);
	}
	printf("1 passed, 0 failed\n");
	return 0;
}
