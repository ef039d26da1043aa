// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario.c - build a modelled system, run load on it, tear it down.
 *
 * Order of construction (and the reverse for destruction): context, memory,
 * oracle; per instance the modelled SMMU, then its driver; domains; devices
 * (the model's device, then the driver's master).  Teardown detaches every
 * (device, ssid) through the driver first, so the core's objects are empty
 * when they are destroyed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario-internal.h"

void invt_scn_defaults(struct invt_scn_params *p)
{
	*p = (struct invt_scn_params){
		.instances = 2,
		.devices = 8,
		.ats_percent = 50,
		.pasids = 4,
		.domains = 6,
		.cpus = 2,
		.dma = 2,
		.seconds = 10,
		.seed = 1,
		.threaded = true,
		.ril = true,
		.dma_percent = 70,
	};
}

static double scn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define SCN_ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* log2 of the command queue's entries (8 by default). */
unsigned int scn_queue_log2(const struct invt_scn_params *p)
{
	unsigned int n = 0;

	while (p->queue_slots >> (n + 1))
		n++;
	return p->queue_slots ? n : 8;
}

static bool scn_until_set(const struct invt_scn_params *p)
{
	return p->until.accesses || p->until.invalidations || p->until.attaches;
}

/* The architectures built in (the build defines INVT_SCN_<ARCH> for each glue). */
const char *invt_scn_fault_name(const char *arch, unsigned int kind)
{
	static const char *const names[3][INVT_HW_FAULT_NR] = {
		{ "cerror_ill", "cerror_atc_inv_sync", NULL, "stall" },
		{ "iqe", "ite", "ice", "stall" },
		{ "cmd_ill", "cmd_to", NULL, "stall" },
	};
	unsigned int a = !arch || !strcmp(arch, "smmuv3") ? 0 : !strcmp(arch, "vtd") ? 1 :
			 !strcmp(arch, "riscv") ? 2 : 3;

	return a < 3 && kind < INVT_HW_FAULT_NR ? names[a][kind] : NULL;
}

const struct scn_arch *scn_arch_find(const char *name)
{
	if (!name || !strcmp(name, "smmuv3"))
		return &scn_arch_smmuv3;
#ifdef INVT_SCN_VTD
	if (!strcmp(name, "vtd"))
		return &scn_arch_vtd;
#endif
#ifdef INVT_SCN_RISCV
	if (!strcmp(name, "riscv"))
		return &scn_arch_riscv;
#endif
	return NULL;
}

/* The sum of the mix's weights, DMA's included or not. */
static unsigned int scn_mix_total(const struct invt_scn_params *p, bool dma)
{
	unsigned int i, t = 0;

	for (i = 0; i < INVT_SCN_OP_NR; i++)
		if (dma || i != INVT_SCN_OP_DMA)
			t += p->mix[i];
	return t;
}

static int scn_check(const struct invt_scn_params *p, char *err, size_t errlen)
{
	unsigned int i;

	if (!scn_arch_find(p->arch))
		return SCN_ERR("unknown architecture '%s'", p->arch), -EINVAL;
	if (p->instances < 1 || p->instances > INVT_SCN_MAX_INSTANCES)
		return SCN_ERR("instances must be 1..%d", INVT_SCN_MAX_INSTANCES), -EINVAL;
	if (p->devices < 1 || p->devices > INVT_SCN_MAX_DEVICES)
		return SCN_ERR("devices must be 1..%d", INVT_SCN_MAX_DEVICES), -EINVAL;
	if (p->pasids < 1 || p->pasids > INVT_SCN_MAX_PASIDS)
		return SCN_ERR("pasids must be 1..%d", INVT_SCN_MAX_PASIDS), -EINVAL;
	if (p->domains < 1 || p->domains > INVT_SCN_MAX_DOMAINS)
		return SCN_ERR("domains must be 1..%d", INVT_SCN_MAX_DOMAINS), -EINVAL;
	if (p->oas && p->oas != 36 && p->oas != 40 && p->oas != 42 && p->oas != 44 &&
	    p->oas != 48 && p->oas != 52)
		return SCN_ERR("oas must be 36, 40, 42, 44, 48 or 52"), -EINVAL;
	if (p->queue_slots && (p->queue_slots < 2 || p->queue_slots > 65536 ||
			       (p->queue_slots & (p->queue_slots - 1))))
		return SCN_ERR("queue slots must be a power of two, 2..65536"), -EINVAL;
	if (!(p->faults >= 0 && p->faults <= 0.5))
		return SCN_ERR("faults must be 0..0.5"), -EINVAL;
	if (p->ats_percent > 100 || p->dma_percent > 100)
		return SCN_ERR("percentages must be 0..100"), -EINVAL;
	if (scn_mix_total(p, true) && !scn_mix_total(p, false) && p->threaded)
		return SCN_ERR("the mix gives the churn threads nothing to do"), -EINVAL;
	for (i = 0; i < INVT_SCN_OP_NR; i++)
		if (p->mix[i] > 1000000)
			return SCN_ERR("mix weights must be 0..1000000"), -EINVAL;
	if (p->threaded && (p->cpus < 1 || p->cpus > INVT_SCN_MAX_THREADS ||
			    p->dma > INVT_SCN_MAX_THREADS))
		return SCN_ERR("cpus must be 1..%d and dma 0..%d", INVT_SCN_MAX_THREADS,
			       INVT_SCN_MAX_THREADS), -EINVAL;
	if (!p->ops && !(p->seconds > 0) && !scn_until_set(p))
		return SCN_ERR("set ops, seconds or until"), -EINVAL;
	if (p->seconds < 0 || p->seconds > 86400)
		return SCN_ERR("seconds must be 0..86400"), -EINVAL;
	if (p->vms > INVT_SCN_MAX_VMS)
		return SCN_ERR("vms must be 0..%d", INVT_SCN_MAX_VMS), -EINVAL;
	if (p->vms && !scn_arch_find(p->arch)->unit->nested_init)
		return SCN_ERR("vms: no nested domains in the %s scenario yet",
			       scn_arch_find(p->arch)->name), -EOPNOTSUPP;
	if (p->vms && p->domains + p->vms * (1 + p->instances) > INVT_SCN_MAX_DOMAINS)
		return SCN_ERR("domains + vms * (1 + instances) must be at most %d",
			       INVT_SCN_MAX_DOMAINS), -EINVAL;
	return 0;
}

/* ---- DMA memory for the drivers: contiguous OTHER frames of the pool ---- */

static size_t scn_frames(size_t bytes)
{
	size_t n = 1;

	while (n * SCN_SZ_4K < bytes)
		n <<= 1;
	return n;
}

static void *scn_dma_alloc(void *arg, size_t bytes, uint64_t *pa)
{
	struct scn *s = arg;

	if (invt_mem_alloc_contig(s->mem, scn_frames(bytes), INVT_FRAME_OTHER, 0, 0, pa))
		return NULL;
	return invt_mem_va(s->mem, *pa);
}

static void scn_dma_free(void *arg, void *va, uint64_t pa, size_t bytes)
{
	struct scn *s = arg;

	(void)va;
	invt_mem_free_contig(s->mem, pa, scn_frames(bytes));
}

/*
 * Inline mode: a hash of the command stream, in consumption order: FNV-1a's
 * step over 64-bit words (not bytes: this runs for every command), each
 * product folded down so that high bits reach the low ones too.
 */
void scn_trace_hash(struct scn *s, uint32_t instance, const uint64_t *w, unsigned int nwords,
		    unsigned int cerror)
{
	uint64_t h = s->res->trace_hash, v[6] = { instance, cerror };
	unsigned int i, n = 2;

	for (i = 0; i < nwords && i < 4; i++)
		v[n++] = w[i];
	for (i = 0; i < n; i++) {
		h = (h ^ v[i]) * UINT64_C(0x100000001b3);
		h ^= h >> 32;
	}
	s->res->trace_hash = h;
}

/* ---- construction ---- */

static int scn_build_instances(struct scn *s, char *err, size_t errlen)
{
	unsigned int i, op;
	int ret;

	for (i = 0; i < s->p->instances; i++) {
		ret = s->arch->inst_init(s, i, err, errlen);
		if (ret)
			return ret;
		for (op = 0; op < 256; op++)
			s->cost[i][op] = s->arch->cost_ns(s, i, op);
	}
	return 0;
}

static int scn_build_domains(struct scn *s, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < s->p->domains; i++) {
		struct scn_domain *d = &s->dom[i];

		d->s2 = i & 1;
		/* The core numbers domains in order: the tables are owned by that id. */
		invt_mem_pt_ops_init(&d->ops, s->mem, s->ctx.next_domain_id);
		ret = s->arch->domain_init(s, d);
		if (ret)
			return SCN_ERR("domain %u: %s", i, strerror(-ret)), ret;
		if (d->dom->id != d->ops.domain)
			return SCN_ERR("domain %u: unexpected id", i), -EINVAL;
		pthread_mutex_init(&d->lock, NULL);
		d->up = true;
		s->nr_dom++;
	}
	return 0;
}

/* Share @pct of @n spread evenly: does item @k get it? */
/*
 * Device @k of @n gets a @pct share: every (100 / @pct)th device, and the
 * last one when the share rounds down to none (a non-zero share is never
 * zero devices).
 */
static bool scn_share(unsigned int k, unsigned int n, unsigned int pct)
{
	if (pct && n * pct < 100)
		return k == n - 1;
	return (k + 1) * pct / 100 > k * pct / 100;
}

static int scn_build_devices(struct scn *s, char *err, size_t errlen)
{
	const struct invt_scn_params *p = s->p;
	unsigned int k, j;
	int ret;

	for (k = 0; k < p->devices; k++) {
		struct scn_device *dv = &s->dev[k];

		dv->inst = k % p->instances;
		dv->sid = k;
		dv->ats = scn_share(k, p->devices, p->ats_percent);
		dv->nr_ssids = p->pasids > 1 && (k / 2) % 2 == 0 ? p->pasids : 1;
		s->res->ats_devices += dv->ats;
		s->res->pasid_devices += dv->nr_ssids > 1;
		for (j = 0; j < INVT_SCN_MAX_PASIDS; j++)
			dv->cur[j] = -1;
		ret = s->arch->device_init(s, dv);
		if (ret)
			return SCN_ERR("device %u: set-up failed: %s%s", k, strerror(-ret),
				       ret == -EIO ? " (its instance's command queue kept reporting"
						     " errors through every retry)" : ""), ret;
		pthread_mutex_init(&dv->lock, NULL);
		dv->up = true;
		s->nr_dev++;
	}
	return 0;
}

/*
 * The one event clock of a run: the oracle's stamps.  Frames' alloc and free
 * times, fill and use stamps and the trace's clock field all read it, so a
 * violation's "freed at t=" and "filled at t=" compare with each other and
 * with the trace.  0 while the oracle does not exist yet (setup).
 */
static uint64_t scn_clock(void *arg)
{
	struct scn *s = arg;

	return s->oracle ? invt_oracle_stamp(s->oracle) : 0;
}

static int scn_build(struct scn *s, char *err, size_t errlen)
{
	const struct invt_scn_params *p = s->p;
	struct invt_mem_config mc = {
		.nr_frames = SCN_MEM_FRAMES, .poison = 0, .clock = scn_clock, .clock_arg = s,
	};
	struct invt_oracle_config oc = {
		.nr_instances = p->instances, .nr_sids = 1u << SCN_SID_BITS,
		.nr_ssids = p->pasids, .max_reports = INVT_SCN_MAX_REPORTS, .seed = p->seed,
		.collapse = true, .nr_vms = p->vms,
	};
	int ret;

	invt_ctx_init(&s->ctx);
	pthread_mutex_init(&s->stat_lock, NULL);
	pthread_rwlock_init(&s->drv_lock, NULL);
	pthread_mutex_init(&s->trace_lock, NULL);
	if (p->ablate) {
		ret = invt_ablate(&s->ctx, p->ablate);
		if (ret)
			return SCN_ERR("ablate %s: %s", p->ablate,
				       ret == -EOPNOTSUPP ? "not an ablation build" : "unknown rule"), ret;
	}
	s->ctx.hook = scn_hook;
	s->ctx.hook_arg = s;
	/* Inline only: one thread, so the ring needs no lock and replays exactly. */
	if (!p->threaded) {
		s->flight = calloc(SCN_FLIGHT, sizeof(*s->flight));
		if (!s->flight)
			return SCN_ERR("out of memory"), -ENOMEM;
	}
	s->rng_hook = p->seed ^ UINT64_C(0x5eed);
	s->dma_ops = (struct invt_dma_ops){ scn_dma_alloc, scn_dma_free, s };
	s->arch = scn_arch_find(p->arch);
	s->sync_op = s->arch->sync_op;
	scn_hooks_init(s);
	/* Relaxed: set before any queue is written. */
	__atomic_store_n(&s->tracing, p->trace != NULL, __ATOMIC_RELAXED);
	ret = invt_mem_create(&mc, &s->mem);
	if (ret)
		return SCN_ERR("memory: %s", strerror(-ret)), ret;
	ret = invt_oracle_create(&oc, s->mem, &s->oracle);
	if (ret)
		return SCN_ERR("oracle: %s", strerror(-ret)), ret;
	ret = scn_build_instances(s, err, errlen);
	if (!ret)
		ret = scn_build_domains(s, err, errlen);
	if (!ret && p->vms)
		ret = scn_vm_build(s, err, errlen);
	if (!ret)
		ret = scn_build_devices(s, err, errlen);
	if (!ret && p->vms)
		ret = scn_vm_devices(s, err, errlen);
	return ret;
}

static void scn_teardown(struct scn *s)
{
	unsigned int i, j;

	for (i = 0; i < s->nr_dev; i++) {
		struct scn_device *dv = &s->dev[i];

		for (j = 0; j < dv->nr_ssids; j++)
			if (dv->cur[j] >= 0)
				scn_attach(s, dv, j, -1);
	}
	if (s->p->vms) {
		scn_vm_detached(s);
		scn_vm_teardown(s);
	}
	for (i = 0; i < s->nr_dev; i++) {
		if (s->dev[i].drv)	/* NULL: unplugged for good */
			s->arch->device_destroy(s, &s->dev[i]);
		pthread_mutex_destroy(&s->dev[i].lock);
	}
	for (i = 0; i < s->nr_dom; i++) {
		struct scn_domain *d = &s->dom[i];

		if (d->nested) {	/* gone with its VM (scn_vm_detached()) */
			pthread_mutex_destroy(&d->lock);
			continue;
		}
		for (j = 0; j < SCN_PAGES; j++)
			scn_unmap_range(s, d, scn_slot_iova(j), SCN_SZ_4K);
		for (j = 0; j < SCN_BLOCKS; j++)
			scn_unmap_range(s, d, scn_block_iova(j), SCN_SZ_2M);
		scn_withheld_teardown(s, d);
		s->arch->domain_destroy(s, d);
		pthread_mutex_destroy(&d->lock);
	}
	for (i = 0; s->arch && i < s->p->instances; i++)
		s->arch->inst_destroy(s, i);
	free(s->glue);
	invt_oracle_destroy(s->oracle);
	invt_mem_destroy(s->mem);
	invt_ctx_destroy(&s->ctx);
	pthread_mutex_destroy(&s->stat_lock);
	pthread_rwlock_destroy(&s->drv_lock);
	pthread_mutex_destroy(&s->trace_lock);
	scn_hist_free(&s->cpu_hist);
	scn_hist_free(&s->mod_hist);
	free(s->flight);
	s->flight = NULL;
}

/* ---- load ---- */

static void scn_progress(struct scn *s, double start, bool final)
{
	struct invt_scn_progress pr = {
		.elapsed = scn_now() - start, .seconds = s->p->seconds,
		.ops = __atomic_load_n(&s->ops_done, __ATOMIC_RELAXED), .ops_limit = s->p->ops,
		.final = final,
	};
	struct invt_oracle_stats st;

	invt_oracle_stats(s->oracle, &st);
	pr.accesses = st.accesses;
	pr.violations = st.total;
	s->p->progress(s->p->progress_arg, &pr);
}

/* Call the progress callback when its interval has passed. */
static void scn_tick(struct scn *s, double start, double *next)
{
	double now;

	if (!s->p->progress)
		return;
	now = scn_now();
	if (now < *next)
		return;
	*next = now + (s->p->progress_interval > 0 ? s->p->progress_interval : 0.25);
	scn_progress(s, start, false);
}

/*
 * Whether every nonzero count of p->until was reached; sets *@stalled when
 * one not yet reached did not grow for p->seconds (when that is set).
 */
static bool scn_until_reached(struct scn *s, double now, bool *stalled)
{
	const struct invt_scn_work *w = &s->p->until;
	const struct invt_scn_result *r = s->res;
	uint64_t want[3] = { w->accesses, w->invalidations, w->attaches }, have[3];
	struct invt_oracle_stats st;
	bool reached = true;
	unsigned int k;

	invt_oracle_stats(s->oracle, &st);
	have[0] = st.accesses;
	/* Relaxed: statistics (scn_count()); a late read only runs a little longer. */
	have[1] = __atomic_load_n(&r->invalidations, __ATOMIC_RELAXED);
	have[2] = __atomic_load_n(&r->attaches, __ATOMIC_RELAXED) +
		  __atomic_load_n(&r->detaches, __ATOMIC_RELAXED) +
		  __atomic_load_n(&r->replaces, __ATOMIC_RELAXED);
	for (k = 0; k < 3; k++) {
		if (have[k] >= want[k])
			continue;
		reached = false;
		if (!s->until_at[k] || have[k] != s->until_seen[k]) {
			s->until_seen[k] = have[k];
			s->until_at[k] = now;
		} else if (s->p->seconds > 0 && now - s->until_at[k] >= s->p->seconds) {
			*stalled = true;
		}
	}
	return reached;
}

static bool scn_done(struct scn *s, double start)
{
	bool stalled = false;

	if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED))
		return true;
	if (s->p->ops && __atomic_load_n(&s->ops_done, __ATOMIC_RELAXED) >= s->p->ops)
		return true;
	/* Set by a signal handler: a plain volatile read is what it pairs with. */
	if (s->p->interrupt && *s->p->interrupt) {
		s->res->interrupted = true;
		return true;
	}
	if (s->p->stop_on_violation) {
		struct invt_oracle_stats st;

		invt_oracle_stats(s->oracle, &st);
		if (st.total) {
			s->res->stopped_on_violation = true;
			return true;
		}
	}
	/* With @until set, @seconds limits a stall, not the run. */
	if (scn_until_set(s->p)) {
		if (scn_until_reached(s, scn_now(), &stalled))
			return true;
		s->res->stalled = stalled;
		return stalled;
	}
	return s->p->seconds > 0 && scn_now() - start >= s->p->seconds;
}

/* One operation of an explicit mix (@dma: DMA may be picked). */
static void scn_mix_step(struct scn *s, uint64_t *rng, bool dma)
{
	const unsigned int *w = s->p->mix;
	unsigned int r = scn_below(rng, scn_mix_total(s->p, dma)), op;

	for (op = 0; op < INVT_SCN_OP_NR - 1; op++) {
		if (r < w[op])
			break;
		r -= w[op];
	}
	switch (op) {
	case INVT_SCN_OP_MAP:
		scn_op_map(s, rng);
		break;
	case INVT_SCN_OP_UNMAP:
		scn_op_unmap(s, rng);
		break;
	case INVT_SCN_OP_ATTACH:
	case INVT_SCN_OP_DETACH:
		scn_op_attach_mixed(s, rng, op == INVT_SCN_OP_DETACH);
		break;
	case INVT_SCN_OP_REMOVE:
		scn_op_remove(s, rng);
		break;
	case INVT_SCN_OP_UNPLUG:
		scn_op_unplug(s, rng);
		break;
	case INVT_SCN_OP_ABORT:
		scn_op_abort(s, rng);
		break;
	default:
		scn_op_dma(s, rng, 0, 1);
		break;
	}
}

/* Map 40 %, unmap 20 %, attach / detach / replace 35 %, abort 5 %. */
static void scn_churn_step(struct scn *s, uint64_t *rng)
{
	unsigned int r;

	if (scn_mix_total(s->p, true)) {
		scn_mix_step(s, rng, false);
		return;
	}
	r = scn_below(rng, 20);

	if (r < 8)
		scn_op_map(s, rng);
	else if (r < 12)
		scn_op_unmap(s, rng);
	else if (r < 19)
		scn_op_attach(s, rng);
	else
		scn_op_abort(s, rng);
}

static void scn_run_inline(struct scn *s)
{
	uint64_t rng = s->p->seed;
	double start = scn_now(), next = start;

	/* The calling thread: registered with RCU by invt_scn_run(). */
	while (!scn_done(s, start)) {
		if (scn_mix_total(s->p, true))
			scn_mix_step(s, &rng, true);
		else if (scn_below(&rng, 100) < s->p->dma_percent)
			scn_op_dma(s, &rng, 0, 1);
		else
			scn_churn_step(s, &rng);
		/* A new report takes its flight record now, before the ring moves on. */
		scn_flight_collect(s);
		s->ops_done++;
		if (!(s->ops_done & 1023))
			scn_tick(s, start, &next);
	}
	if (s->p->progress)
		scn_progress(s, start, true);
}

/*
 * A churn thread, or a DMA engine: engine e of n drives devices e, e + n,
 * ... (with more engines than devices, several drive the same ones).
 * Each on a 64-byte line of its own: its thread writes @rng on every
 * operation.  @ops: operations not yet added to s->ops_done.
 */
struct scn_thread {
	_Alignas(64) struct scn *s;
	pthread_t tid;
	uint64_t rng;
	bool dma;
	unsigned int engine;
	unsigned int nr_engines;
	int cpu;		/* the CPU it runs on (scn_pin_cpus()), or -1 */
	struct scn_vm *vm;
	uint64_t ops;
};

/*
 * Threaded runs on a machine with fewer CPUs than threads: how long a DMA
 * engine, and a churn thread, runs before it yields (checked every 16 DMA
 * operations, every 4 churn operations, with a vDSO clock read).  With one
 * engine and one churn thread per CPU (scn_pin_cpus()) the engines' slice
 * sets their share: 150 us gave them 75-80 % of a default run's CPU and
 * the churn threads 12-17 % (2 cores; the guest's vCPU thread most of the
 * rest), 5.0-6.7 M checked accesses/s with 27-41 k churn operations/s;
 * 200 us gave 5.6-7.7 M/s with 19-38 k, 100 us 4.6-5.7 M/s with 38-63 k.
 * The churn's slice mattered little (its operations yield to the waking
 * vCPU and queue threads first).  A yield every 16 DMA operations cost a
 * context switch each (on a VM, most of the run's CPU).  Not with --delays
 * (scn_thread_fn()).
 */
#define SCN_DMA_SLICE_NS	150000
#define SCN_CHURN_SLICE_NS	100000

/*
 * The slices set the split only between threads that share a CPU.  Left to
 * the scheduler, two churn threads sometimes shared one CPU and the two
 * engines the other: the churn then had a whole CPU to itself, and a run
 * checked half the accesses of one whose CPUs each held a churn thread and
 * an engine (2.7-4.4 M/s against 5.2-7.8 M/s, default scenario, 2 cores);
 * which of the two a run got was chance.  So, when the CPUs this process
 * may use are fewer than its churn threads and engines, churn thread i and
 * engine i are pinned to the i-th of those CPUs (modulo their number);
 * guest vCPU threads and the units' queue threads go where the scheduler
 * puts them.  Not with --delays (its races were measured unpinned).
 * Return: how many CPUs @cpu_ids names (0: no pinning).
 */
static unsigned int scn_pin_cpus(const struct scn *s, int *cpu_ids, unsigned int max)
{
	unsigned int n = 0;
	cpu_set_t set;
	int c;

	if (s->p->delays || sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpu_ids[n++] = c;
	return n && n < s->p->cpus + s->p->dma ? n : 0;
}

/* Best effort: a thread the kernel will not move runs where it is. */
static void scn_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *scn_thread_fn(void *arg)
{
	struct scn_thread *t = arg;
	struct scn *s = t->s;
	unsigned int n = 0;
	double last = scn_now(), now;

	/* Names for per-thread profiles (perf, /proc/PID/task/TID/comm). */
	pthread_setname_np(pthread_self(), t->vm ? "scn-vcpu" : t->dma ? "scn-dma" : "scn-churn");
	if (t->cpu >= 0)
		scn_pin_self(t->cpu);
	invt_rcu_register_thread();
	/* The "barrier" ablation is observable only through buffered PTE clears. */
	if (!t->dma && s->p->ablate && !strcmp(s->p->ablate, "barrier"))
		invt_sb_pt_enable(true);
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (t->vm)
			scn_guest_step(s, t->vm, &t->rng);
		else if (t->dma)
			scn_op_dma(s, &t->rng, t->engine, t->nr_engines);
		else
			scn_churn_step(s, &t->rng);
		/*
		 * Without an operation limit, counted 64 at a time: the shared
		 * count's line (with @stop and what every DMA access reads of
		 * @s) is then written once per 64 operations, not per access.
		 */
		if (s->p->ops || !(++t->ops & 63))
			scn_count(&s->ops_done, s->p->ops ? 1 : 64);
		if (s->p->ops && __atomic_load_n(&s->ops_done, __ATOMIC_RELAXED) >= s->p->ops)
			break;
		/* A guest thread leaves the host's churn most of the machine. */
		if (t->vm) {
			struct timespec ts = { .tv_nsec = 20000 };

			nanosleep(&ts, NULL);
		}
		if (t->vm || (++n & (t->dma ? 15 : 3)))
			continue;
		/*
		 * With --delays (hunting races, not throughput) a DMA engine
		 * yields every 16 operations: the churn threads' windows then
		 * see DMA from all sides, as they did before the slices.
		 */
		if (s->p->delays) {
			if (t->dma)
				sched_yield();
			continue;
		}
		/* The engines and the churn take turns (SCN_DMA_SLICE_NS). */
		now = scn_now();
		if (now - last >= (t->dma ? SCN_DMA_SLICE_NS : SCN_CHURN_SLICE_NS) / 1e9) {
			sched_yield();
			last = scn_now();
		}
	}
	if (!s->p->ops)
		scn_count(&s->ops_done, t->ops & 63);
	invt_sb_drain();
	invt_rcu_unregister_thread();
	return NULL;
}

static int scn_run_threaded(struct scn *s)
{
	struct scn_thread th[2 * INVT_SCN_MAX_THREADS + INVT_SCN_MAX_VMS];
	int cpu_ids[2 * INVT_SCN_MAX_THREADS];
	unsigned int n = 0, i, nr_cpus = scn_pin_cpus(s, cpu_ids, 2 * INVT_SCN_MAX_THREADS);
	double start = scn_now(), next = start;
	int ret = 0;

	for (i = 0; i < s->p->cpus + s->p->dma + s->p->vms; i++) {
		unsigned int engines = s->p->dma < s->nr_dev ? s->p->dma : s->nr_dev;

		th[n] = (struct scn_thread){ .s = s, .rng = s->p->seed * 1000003 + i,
					     .dma = i >= s->p->cpus, .cpu = -1 };
		/* Churn thread k and engine k share a CPU (scn_pin_cpus()). */
		if (nr_cpus && i < s->p->cpus + s->p->dma)
			th[n].cpu = cpu_ids[(th[n].dma ? i - s->p->cpus : i) % nr_cpus];
		/* The guests: one vCPU thread per VM, after the others. */
		if (i >= s->p->cpus + s->p->dma)
			th[n].vm = &s->vm[i - s->p->cpus - s->p->dma];
		else if (th[n].dma) {
			th[n].engine = (i - s->p->cpus) % engines;
			th[n].nr_engines = engines;
		}
		ret = pthread_create(&th[n].tid, NULL, scn_thread_fn, &th[n]);
		if (ret) {
			ret = -ret;
			break;
		}
		n++;
	}
	while (!ret && !scn_done(s, start)) {
		struct timespec ts = { .tv_nsec = 5000000 };

		nanosleep(&ts, NULL);
		scn_tick(s, start, &next);
	}
	/* Relaxed: the threads poll it; pthread_join orders everything after. */
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(th[i].tid, NULL);
	if (s->p->progress)
		scn_progress(s, start, true);
	return ret;
}

/* What the units injected and the drivers recovered (those still up). */
static void scn_collect_faults(struct scn *s)
{
	struct invt_scn_faults *f = &s->res->faults;
	uint64_t injected[INVT_HW_FAULT_NR];
	unsigned int i, k;

	for (i = 0; i < s->p->instances; i++) {
		if (s->arch->drv_stats)
			s->arch->drv_stats(s, i);
		if (!s->arch->hw_faults)
			continue;
		f->kind_recovered[INVT_HW_FAULT_STALL] += s->arch->hw_faults(s, i, injected);
		for (k = 0; k < INVT_HW_FAULT_NR; k++)
			f->kind_injected[k] += injected[k];
	}
	for (k = 0; k < INVT_HW_FAULT_NR; k++) {
		f->injected += f->kind_injected[k];
		f->recovered += f->kind_recovered[k];
	}
}

static void scn_collect_result(struct scn *s)
{
	struct invt_scn_result *res = s->res;
	uint64_t consumed, by_op[256], errors;
	unsigned int i, op;

	for (i = 0; i < s->p->instances; i++) {
		s->arch->inst_stats(s, i, &consumed, by_op, &errors);
		res->commands += consumed;
		res->unit_errors += errors;
		if (s->arch->inst_events)
			s->arch->inst_events(s, i, res);
		for (op = 0; op < 256; op++)
			res->by_op[op] += by_op[op];
	}
	res->syncs = res->by_op[s->sync_op];
	scn_collect_faults(s);
	scn_vm_collect(s);
	scn_hist_finish(&s->cpu_hist);
	scn_hist_finish(&s->mod_hist);
	res->cpu_ns_p50 = scn_hist_pct(&s->cpu_hist, 50);
	res->cpu_ns_p99 = scn_hist_pct(&s->cpu_hist, 99);
	res->cpu_ns_mean = scn_hist_mean(&s->cpu_hist);
	res->modelled_ns_p50 = scn_hist_pct(&s->mod_hist, 50);
	res->modelled_ns_p99 = scn_hist_pct(&s->mod_hist, 99);
	res->modelled_ns_mean = scn_hist_mean(&s->mod_hist);
	res->ops = __atomic_load_n(&s->ops_done, __ATOMIC_RELAXED);
	invt_oracle_stats(s->oracle, &res->oracle);
	res->nr_reports = invt_oracle_reports(s->oracle, res->reports, INVT_SCN_MAX_REPORTS);
	scn_flight_collect(s);
}

int invt_scn_run(const struct invt_scn_params *p, struct invt_scn_result *res, char *err,
		 size_t errlen)
{
	char dummy[1];
	struct invt_scn_result saved;
	struct scn *s;
	double start;
	int ret;

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	memset(res, 0, sizeof(*res));
	res->trace_hash = UINT64_C(0xcbf29ce484222325);
	ret = scn_check(p, err, errlen);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return SCN_ERR("out of memory"), -ENOMEM;
	s->p = p;
	s->res = res;
	invt_rcu_register_thread();
	ret = scn_build(s, err, errlen);
	if (!ret) {
		start = scn_now();
		if (p->threaded)
			ret = scn_run_threaded(s);
		else
			scn_run_inline(s);
		res->elapsed = scn_now() - start;
		if (ret)
			SCN_ERR("starting threads: %s", strerror(-ret));
	}
	/* The model's counters are final once every thread stopped. */
	if (s->oracle && s->nr_dev == p->devices)
		scn_collect_result(s);
	/* What teardown maps, unmaps and detaches is not the load's. */
	__atomic_store_n(&s->tracing, 0, __ATOMIC_RELAXED);
	saved = *res;
	scn_teardown(s);
	*res = saved;
	invt_rcu_unregister_thread();
	free(s);
	return ret;
}
