// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * stress_core.c - invalidators, attach/detach/replace churn and a small
 * cache model at once, on the recording backend, with a plan-level oracle.
 *
 * The cache model: each invalidator t owns one page of every domain, whose
 * "PTE" is pte[d][t] (odd: mapped, epoch e; even: cleared).  When the churn
 * thread installs a (device, ssid) into a domain, the "hardware" walks the
 * new table at once: under the instance's cache lock it reads each PTE and,
 * if mapped, caches (tag, domain, t, e) in the instance's IOTLB and the
 * device's ATC.  Commands from the flush engine remove cached entries.
 *
 * An invalidator clears its PTE, invalidates, and then checks:
 *  - STALE: no cache still holds the translation it just cleared where a
 *    device can use it: in an ATC, or in the IOTLB under a tag that a device
 *    of that instance is configured with now.  (Between a commit's unref
 *    and its last-user flush, the old tag's entries exist but no
 *    configuration names the tag: they are unreachable, not stale.)
 *  - COVER: every (device, ssid) installed into the domain before the
 *    invalidation began, and still installed when it ended, had all its
 *    entries (IOTLB tag, stage-1 clear, ATC per SID) targeted;
 * and every ATC command checks
 *  - QUIESCE: no command targets a (device, ssid) whose detach returned.
 *
 * With --ablate RULE (a -Dablations=true build), the run must report a
 * violation: "barrier" shows as STALE (store buffering, emulated in
 * ablation builds: see invt_sb_store()), "two-phase" as COVER.  It exits 0
 * when it does and 1 when it does not.
 *
 * How long it runs: --invalidations N and --churn N stop it once at least
 * that many invalidations and attach/detach/replace operations were done
 * (both, when both are given); --seconds S then limits a stall, not the
 * run: when a count not yet reached did not grow for S seconds it stops
 * with "HANG" (exit 1).  With neither, it runs for --seconds and its
 * verdict is about correctness only.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>

#include "record.h"

#define NI 2	     /* instances: 0 orders after syncs (SMMUv3-like), 1 not */
#define ND 5	     /* domains: 0,1 stage-1; 2,3 stage-2; 4 nested over 3 */
#define NDEV 6
#define NSSID 2
#define NT 2	     /* invalidator threads */
#define MAXFILL 128  /* cached translations per instance (IOTLB and ATCs) */
#define MAXTG 8
#define PAGE 4096ull

struct fill {
	bool valid;
	bool atc;	/* ATC of (dev, ssid); else IOTLB entry of tag */
	int dev, ssid;
	uint32_t tag;
	int d, t;	/* the domain whose table produced it, the page */
	uint64_t e;	/* the PTE epoch it was filled from */
};

struct hw_cache {
	pthread_mutex_t lock;	/* fills of this instance and its devices' ATCs */
	struct fill f[MAXFILL];
	unsigned int next;
};

struct target {
	uint32_t iommu;
	uint8_t type;
	uint32_t id, ssid;
};

/* What the test knows about one (device, ssid); under @lock. */
struct slot {
	pthread_mutex_t lock;
	int dom;		/* -1: blocked */
	int owner;		/* domain whose array covers it */
	uint64_t installed;	/* clock when the configuration was installed */
	uint64_t leave;		/* clock when it stopped using it (or UINT64_MAX) */
	struct target tg[MAXTG];
	int ntg;
	bool detached;		/* a detach returned; no ATC command may name it */
};

/* What one invalidation targeted, collected by on_cmd on its thread. */
struct record {
	struct target tg[64];
	unsigned int n;
	bool overflow;
};

static struct invt_ctx ctx;
static struct invt_recorder rec;
static struct invt_rec_iommu ri[NI];
static struct invt_domain dom[ND];
static struct invt_device dev[NDEV];
static struct hw_cache hw[NI];
static struct slot slots[NDEV][NSSID];
static uint64_t pte[ND][NT];
static uint64_t clk;
static int stop;
static uint64_t seed;
static const char *ablate;

static uint64_t n_inv, n_churn, n_fill, n_stale, n_cover, n_quiesce;
static char first[256];

static __thread struct record *cur;

/*
 * The checker's logical clock.  Seq-cst: the invalidators' begin/end ticks
 * and the churn thread's leave/installed ticks (taken under sl->lock) fall
 * in one total order that agrees with each thread's program order around
 * them.  Pairs with itself across those threads; forbids the checker
 * placing an invalidation wholly before an install that it overlapped (a
 * relaxed counter could order the ticks one way and the work another, and
 * the coverage rule would then blame or excuse the wrong invalidation).
 */
static uint64_t tick(void)
{
	return __atomic_fetch_add(&clk, 1, __ATOMIC_SEQ_CST);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void violation(uint64_t *counter, const char *fmt, int a, int b, int c)
{
	if (__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED) == 0 && !first[0]) {
		snprintf(first, sizeof(first), fmt, a, b, c);
	}
}

static int owner_of(int d)
{
	return d == 4 ? 3 : d;
}

static int dev_of_sid(uint32_t sid)
{
	int i;
	unsigned int j;

	for (i = 0; i < NDEV; i++)
		for (j = 0; j < dev[i].nr_sids; j++)
			if (dev[i].sids[j] == sid)
				return i;
	return -1;
}

/* Apply one command to the cache model; runs with the recorder's lock held. */
static void on_cmd(void *arg, struct invt_rec_iommu *r, const struct invt_rec_cmd *c)
{
	struct hw_cache *h = &hw[r->iommu.id];
	int d = -1, i;

	if (c->op == INVT_REC_SYNC)
		return;
	if (cur && cur->n < 64)
		cur->tg[cur->n++] = (struct target){ r->iommu.id, c->op, c->id, c->ssid };
	else if (cur)
		cur->overflow = true;

	if (c->op == INVT_REC_ATC || c->op == INVT_REC_ATC_ALL) {
		bool all_detached = true;

		d = dev_of_sid(c->id);
		for (i = 0; d >= 0 && i < NSSID; i++) {
			pthread_mutex_lock(&slots[d][i].lock);
			if (c->type == INVT_INV_ATC && (uint32_t)i == c->ssid && slots[d][i].detached)
				violation(&n_quiesce, "QUIESCE: ATC command for dev %d ssid %d after detach%c",
					  d, i, ' ');
			all_detached &= slots[d][i].detached;
			pthread_mutex_unlock(&slots[d][i].lock);
		}
		if (d >= 0 && c->type == INVT_INV_ATC_FULL && all_detached)
			violation(&n_quiesce, "QUIESCE: ATC_FULL command for dev %d after detach%c%c",
				  d, ' ', ' ');
	}

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < MAXFILL; i++) {
		struct fill *f = &h->f[i];
		bool hit;

		if (!f->valid)
			continue;
		switch (c->op) {
		case INVT_REC_INV_PAGE:
			hit = !f->atc && f->tag == c->id && (uint64_t)(f->t + 1) * PAGE == c->addr;
			break;
		case INVT_REC_INV_TAG:
		case INVT_REC_S1_CLEAR:
			hit = !f->atc && f->tag == c->id;
			break;
		case INVT_REC_ATC:
			hit = f->atc && f->dev == d && (uint32_t)f->ssid == c->ssid &&
			      (uint64_t)(f->t + 1) * PAGE >= (c->addr & ~(PAGE - 1)) &&
			      (uint64_t)(f->t + 1) * PAGE <= c->last;
			break;
		default: /* ATC_ALL: one ssid, or every ssid for ATC_FULL */
			hit = f->atc && f->dev == d &&
			      (c->type == INVT_INV_ATC_FULL || (uint32_t)f->ssid == c->ssid);
			break;
		}
		if (hit)
			f->valid = false;
	}
	pthread_mutex_unlock(&h->lock);
}

static void cache_insert(struct hw_cache *h, const struct fill *f)
{
	unsigned int i;

	for (i = 0; i < MAXFILL; i++)
		if (!h->f[i].valid)
			break;
	if (i == MAXFILL)
		i = h->next++ % MAXFILL; /* eviction is always allowed */
	h->f[i] = *f;
	h->f[i].valid = true;
}

/* The hardware walks the new table of (@di, @ssid) once it is installed. */
static void hw_fill(int di, int ssid, int owner, uint32_t tag)
{
	struct hw_cache *h = &hw[dev[di].iommu->id];
	int t;

	pthread_mutex_lock(&h->lock);
	for (t = 0; t < NT; t++) {
		/* The device's read of the PTE: pairs with nothing but the caches' lock. */
		uint64_t e = __atomic_load_n(&pte[owner][t], __ATOMIC_RELAXED);
		struct fill f = { .dev = di, .ssid = ssid, .tag = tag, .d = owner, .t = t, .e = e };

		if (!(e & 1))
			continue;
		cache_insert(h, &f);
		if (dev[di].ats) {
			f.atc = true;
			cache_insert(h, &f);
		}
		__atomic_fetch_add(&n_fill, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&h->lock);
}

static bool covered(const struct record *r, const struct target *tg)
{
	unsigned int i;

	if (r->overflow)
		return true;
	for (i = 0; i < r->n; i++) {
		const struct target *c = &r->tg[i];

		if (c->iommu != tg->iommu || c->id != tg->id)
			continue;
		switch (tg->type) {
		case INVT_INV_IOTLB_S1:
		case INVT_INV_IOTLB_S2:
			if (c->type == INVT_REC_INV_PAGE || c->type == INVT_REC_INV_TAG)
				return true;
			break;
		case INVT_INV_IOTLB_S2_S1_CLEAR:
			if (c->type == INVT_REC_S1_CLEAR)
				return true;
			break;
		case INVT_INV_ATC:
			if ((c->type == INVT_REC_ATC || c->type == INVT_REC_ATC_ALL) &&
			    c->ssid == tg->ssid)
				return true;
			break;
		default:
			if (c->type == INVT_REC_ATC_ALL)
				return true;
		}
	}
	return false;
}

/* Whether a device of instance @inst is configured with IOTLB tag @tag now. */
static bool tag_reachable(int inst, uint32_t tag)
{
	bool used = false;
	int i, j, k;

	for (i = 0; i < NDEV && !used; i++) {
		if ((int)dev[i].iommu->id != inst)
			continue;
		for (j = 0; j < NSSID && !used; j++) {
			struct slot *sl = &slots[i][j];

			pthread_mutex_lock(&sl->lock);
			for (k = 0; sl->dom >= 0 && sl->leave == UINT64_MAX && k < sl->ntg; k++)
				used |= sl->tg[k].type <= INVT_INV_IOTLB_S2 && sl->tg[k].id == tag;
			pthread_mutex_unlock(&sl->lock);
		}
	}
	return used;
}

static void *invalidator(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t s = seed * 2654435761u + t + 1;
	struct record r;

	invt_rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		int d = rnd(&s) % 4, i, j, k;
		uint64_t e = pte[d][t], begin, end;

		r.n = 0;
		r.overflow = false;
		cur = &r;
		begin = tick();
		/*
		 * The unmap: clear the PTE; the core's barrier orders it before its
		 * load (ablation builds emulate the store buffer: litmus_sb.c).
		 */
		invt_sb_store(&pte[d][t], e + 1);
		invt_domain_invalidate(&dom[d], (uint64_t)(t + 1) * PAGE, PAGE, true);
		invt_sb_drain();
		end = tick();
		cur = NULL;

		for (i = 0; i < NI; i++) {
			pthread_mutex_lock(&hw[i].lock);
			for (j = 0; j < MAXFILL; j++) {
				struct fill *f = &hw[i].f[j];

				if (f->valid && f->d == d && f->t == t && f->e == e &&
				    (f->atc || tag_reachable(i, f->tag))) {
					violation(&n_stale, "STALE: domain %d page %d still cached on instance %d",
						  d, t, i);
					f->valid = false;
				}
			}
			pthread_mutex_unlock(&hw[i].lock);
		}
		for (i = 0; i < NDEV; i++) {
			for (j = 0; j < NSSID; j++) {
				struct slot *sl = &slots[i][j];

				pthread_mutex_lock(&sl->lock);
				if (sl->dom >= 0 && sl->owner == d && sl->installed < begin &&
				    sl->leave > end)
					for (k = 0; k < sl->ntg; k++)
						if (!covered(&r, &sl->tg[k]))
							violation(&n_cover,
								  "COVER: invalidation of domain %d missed dev %d ssid %d",
								  d, i, j);
				pthread_mutex_unlock(&sl->lock);
			}
		}
		__atomic_store_n(&pte[d][t], e + 2, __ATOMIC_RELAXED);
		__atomic_fetch_add(&n_inv, 1, __ATOMIC_RELAXED);
	}
	invt_rcu_unregister_thread();
	return NULL;
}

static void churn_one(uint64_t *s)
{
	int di = rnd(s) % NDEV, ssid = rnd(s) % NSSID, nd = (int)(rnd(s) % (ND + 1)) - 1;
	struct slot *sl = &slots[di][ssid];
	struct invt_attach tx;
	bool was_detached;
	uint32_t tag = 0;
	size_t i;
	int ret;

	pthread_mutex_lock(&sl->lock);
	was_detached = sl->detached;
	if (nd >= 0)
		sl->detached = false; /* before the new array can name it */
	pthread_mutex_unlock(&sl->lock);

	ret = invt_attach_prepare(&tx, &dev[di], ssid, nd >= 0 ? &dom[nd] : NULL);
	if (ret) {
		if (ret != -ENOSPC) {
			fprintf(stderr, "prepare failed: %d\n", ret);
			abort();
		}
		pthread_mutex_lock(&sl->lock);
		sl->detached = was_detached;
		pthread_mutex_unlock(&sl->lock);
		return;
	}
	/* The driver installs the configuration: the device leaves the old domain... */
	pthread_mutex_lock(&sl->lock);
	sl->leave = tick();
	pthread_mutex_unlock(&sl->lock);
	if (rnd(s) % 4 == 0)
		sched_yield();
	/* ...and uses the new one. */
	pthread_mutex_lock(&sl->lock);
	sl->dom = nd;
	sl->owner = nd >= 0 ? owner_of(nd) : -1;
	sl->ntg = 0;
	for (i = 0; tx.add && i < tx.add->num_invs && sl->ntg < MAXTG; i++) {
		const struct invt_inv *e = &tx.add->inv[i];

		sl->tg[sl->ntg++] = (struct target){ e->iommu->id, e->type, e->id, e->ssid };
		if (e->type == INVT_INV_IOTLB_S1 || e->type == INVT_INV_IOTLB_S2)
			tag = e->id;
	}
	sl->installed = tick();
	sl->leave = UINT64_MAX;
	pthread_mutex_unlock(&sl->lock);
	if (nd >= 0)
		hw_fill(di, ssid, owner_of(nd), tag);
	invt_attach_commit(&tx);
	if (nd < 0) {
		pthread_mutex_lock(&sl->lock);
		sl->detached = true;
		pthread_mutex_unlock(&sl->lock);
	}
	__atomic_fetch_add(&n_churn, 1, __ATOMIC_RELAXED);
}

static void *churner(void *arg)
{
	uint64_t s = seed * 40503u + 99;

	invt_rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		churn_one(&s);
	invt_rcu_unregister_thread();
	return NULL;
}

/* Test builds: widen the race windows at protocol points. */
static void delay_hook(void *arg, int point)
{
	static __thread uint64_t s = 7;

	if (!s)
		s = 7;
	switch (point) {
	case INVT_HOOK_TWO_PHASE_GAP:
		usleep(100);
		break;
	case INVT_HOOK_PREPARE_PUBLISHED:
		if (rnd(&s) % 16 == 0)
			sched_yield();
		break;
	case INVT_HOOK_INVALIDATE_LOADED:
		/* The emulated store buffer drains a while after the load. */
		if (rnd(&s) % 16 == 0)
			sched_yield();
		invt_sb_drain();
		break;
	default:
		break;
	}
}

static void setup(void)
{
	static const enum invt_domain_type types[ND] = {
		INVT_DOMAIN_S1, INVT_DOMAIN_S1, INVT_DOMAIN_S2, INVT_DOMAIN_S2, INVT_DOMAIN_NESTED,
	};
	int i, j, ret = 0;

	invt_ctx_init(&ctx);
	ctx.hook = delay_hook;
	invt_recorder_init(&rec, false);
	rec.on_cmd = on_cmd;
	for (i = 0; i < NI; i++) {
		pthread_mutex_init(&hw[i].lock, NULL);
		ret |= invt_rec_iommu_init(&ctx, &ri[i], &rec, i, i == 0 ? INVT_IOMMU_SYNC_ORDERS : 0,
					   8, NULL, 5);
	}
	for (i = 0; i < ND; i++)
		ret |= invt_domain_init(&ctx, &dom[i], types[i], i == 4 ? &dom[3] : NULL);
	for (i = 0; i < NDEV; i++) {
		uint32_t sids[2] = { 0x10 + i, 0x20 + i };

		ret |= invt_device_init(&dev[i], &ri[i % NI].iommu, sids, i == 5 ? 2 : 1, NSSID,
					i < 3);
		for (j = 0; j < NSSID; j++) {
			pthread_mutex_init(&slots[i][j].lock, NULL);
			slots[i][j].dom = -1;
			slots[i][j].detached = true;
		}
	}
	for (i = 0; i < ND; i++)
		for (j = 0; j < NT; j++)
			pte[i][j] = 1;
	if (ret) {
		fprintf(stderr, "setup failed\n");
		exit(2);
	}
}

static int teardown(void)
{
	int i, j, ret = 0;

	for (i = 0; i < NDEV; i++) {
		for (j = 0; j < NSSID; j++)
			ret |= invt_attach(&dev[i], j, NULL);
		ret |= invt_device_destroy(&dev[i]);
	}
	for (i = ND - 1; i >= 0; i--)
		ret |= invt_domain_destroy(&dom[i]);
	for (i = 0; i < NI; i++) {
		ret |= invt_tag_space_used(&ri[i].tags) != 0;
		ret |= invt_rec_iommu_destroy(&ri[i]);
	}
	ret |= invt_ctx_destroy(&ctx);
	invt_recorder_destroy(&rec);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ "ablate", required_argument, NULL, 'a' },
		{ "invalidations", required_argument, NULL, 'i' },
		{ "churn", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	pthread_t th[NT + 1];
	double seconds = 10, elapsed = 0;
	uint64_t want_inv = 0, want_churn = 0, seen_inv = 0, seen_churn = 0;
	double inv_at = 0, churn_at = 0;
	struct timespec t0, t1;
	uint64_t violations, ni, nc;
	bool work_done = false, stalled = false;
	int c, i;

	seed = (uint64_t)time(NULL);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = atof(optarg);
			break;
		case 'r':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'a':
			ablate = optarg;
			break;
		case 'i':
			want_inv = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			want_churn = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [--seconds S] [--invalidations N] [--churn N] "
				"[--seed N] [--ablate RULE]\n", argv[0]);
			return 2;
		}
	}
	invt_rcu_register_thread();
	setup();
	if (ablate) {
		int ret = invt_ablate(&ctx, ablate);

		if (ret) {
			fprintf(stderr, "cannot ablate '%s': %s\n", ablate, strerror(-ret));
			return 2;
		}
	}
	printf("stress_core: seed=%llu invalidations=%llu churn=%llu seconds=%.1f%s ablate=%s\n",
	       (unsigned long long)seed, (unsigned long long)want_inv,
	       (unsigned long long)want_churn, seconds,
	       want_inv || want_churn ? " (stall limit)" : "", ablate ? ablate : "none");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NT; i++)
		pthread_create(&th[i], NULL, invalidator, (void *)(intptr_t)i);
	pthread_create(&th[NT], NULL, churner, NULL);
	do {
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		violations = __atomic_load_n(&n_stale, __ATOMIC_RELAXED) +
			     __atomic_load_n(&n_cover, __ATOMIC_RELAXED) +
			     __atomic_load_n(&n_quiesce, __ATOMIC_RELAXED);
		/* Relaxed: counters; a late read only runs a little longer. */
		ni = __atomic_load_n(&n_inv, __ATOMIC_RELAXED);
		nc = __atomic_load_n(&n_churn, __ATOMIC_RELAXED);
		if (!want_inv && !want_churn)
			continue;
		work_done = ni >= want_inv && nc >= want_churn;
		/* With a work target, --seconds limits a stall of a count short of it. */
		if (ni != seen_inv)
			seen_inv = ni, inv_at = elapsed;
		if (nc != seen_churn)
			seen_churn = nc, churn_at = elapsed;
		stalled = !work_done && ((ni < want_inv && elapsed - inv_at >= seconds) ||
					 (nc < want_churn && elapsed - churn_at >= seconds));
	} while ((want_inv || want_churn ? !work_done && !stalled : elapsed < seconds) &&
		 !(ablate && violations));
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i <= NT; i++)
		pthread_join(th[i], NULL);

	printf("stress_core: %.2f s, %llu invalidations, %llu attach/detach/replace, %llu fills\n",
	       elapsed, (unsigned long long)n_inv, (unsigned long long)n_churn,
	       (unsigned long long)n_fill);
	printf("stress_core: violations stale=%llu cover=%llu quiesce=%llu%s%s\n",
	       (unsigned long long)n_stale, (unsigned long long)n_cover,
	       (unsigned long long)n_quiesce, first[0] ? "; first: " : "", first);
	if (teardown()) {
		fprintf(stderr, "stress_core: teardown failed\n");
		return 1;
	}
	invt_rcu_unregister_thread();
	if (stalled && !(ablate && violations)) {
		printf("stress_core: HANG: no progress for %.0f s, at %llu of %llu invalidations, "
		       "%llu of %llu churn operations (seed %llu)\n", seconds,
		       (unsigned long long)n_inv, (unsigned long long)want_inv,
		       (unsigned long long)n_churn, (unsigned long long)want_churn,
		       (unsigned long long)seed);
		return 1;
	}
	if (ablate) {
		printf("stress_core: ablation '%s' %s after %llu invalidations, %llu churn "
		       "operations, %.2f s (seed %llu)\n", ablate,
		       violations ? "detected" : "NOT detected", (unsigned long long)n_inv,
		       (unsigned long long)n_churn, elapsed, (unsigned long long)seed);
		return violations ? 0 : 1;
	}
	if (violations)
		printf("stress_core: FAILED, replay with --seed %llu\n", (unsigned long long)seed);
	return violations ? 1 : 0;
}
