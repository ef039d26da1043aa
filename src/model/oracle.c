// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * oracle.c - the model's oracle (see <invtrack/model/oracle.h>).
 *
 * State: one struct attach per (instance, sid, ssid), in one array indexed
 * (inst * nr_sids + sid) * nr_ssids + ssid, written by the scenario thread
 * (begin / config_done / attach_done / abort) and read by the consumer and
 * DMA threads at every check.  A rule reads several fields together
 * (cfg_done with cfg_begin, open with gen, pending and new_domain), so they
 * are kept under a mutex rather than as separate atomics: a reader could
 * otherwise pair a cfg_done of one transaction with the cfg_begin of the
 * next and report a configuration that is still current.  The mutex is one
 * of ATT_STRIPES, chosen by the slot's index, so that DMA threads checking
 * different attachments do not all bounce one lock; the violation records
 * have their own mutex (o->lock), taken inside a stripe's.
 *
 * The clock (invt_oracle_stamp()) and the access / fault counters are
 * lock-free atomics; frame checks go to the memory pool before the oracle's
 * mutexes are taken, so they are always the innermost locks.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/oracle.h>

#define DEFAULT_MAX_REPORTS 8

/*
 * struct attach - the attachment bookkeeping of one (instance, sid, ssid).
 * All fields under the slot's stripe lock (att_lock()).
 * @gen: the committed generation (0 at start).
 * @next_gen: the last generation handed to a transaction (>= @gen); each
 *	begin takes a fresh one, so an aborted transaction's is never reused.
 * @pending: the open transaction's generation (valid while @open).
 * @cfg_begin: the stamp of the begin of the last configuration change still
 *	in force; 0 when none is (nothing is stale).
 * @prev_begin: @cfg_begin before the open transaction's begin (for abort).
 * @domain: the committed domain (INVT_MEM_NO_DOMAIN at start).
 * @new_domain: the open transaction's new domain.
 * @open: a transaction is open.
 * @cfg_done: the change begun at @cfg_begin is done (its configuration is
 *	installed and invalidated): configurations filled before it are stale.
 * @prev_done: @cfg_done before the open transaction's begin.
 */
struct attach {
	uint64_t gen;
	uint64_t next_gen;
	uint64_t pending;
	uint64_t cfg_begin;
	uint64_t prev_begin;
	uint32_t domain;
	uint32_t new_domain;
	bool open;
	bool cfg_done;
	bool prev_done;
};

/* Locks of the attach slots: slot i is under stripe i % ATT_STRIPES. */
#define ATT_STRIPES 32

/* One lock per 64-byte line, so that two stripes never share one. */
struct att_stripe {
	pthread_mutex_t lock;
	char pad[64 - sizeof(pthread_mutex_t) % 64];
};

struct invt_oracle {
	/*
	 * Protects viol[], total, reports[] and nr_reports.  Innermost: taken
	 * under the model's cache locks and a stripe lock (and after the
	 * memory pool's mutex was released), never held while calling out.
	 */
	pthread_mutex_t lock;
	/* att[] by stripe; taken under the cache locks, outside @lock. */
	struct att_stripe stripe[ATT_STRIPES];
	struct invt_mem *mem;
	unsigned int nr_instances, nr_sids, nr_ssids;
	uint64_t seed;
	/* Atomic; see invt_oracle_stamp(). */
	uint64_t clock;
	/* Atomic, relaxed: pure event counts, nothing is ordered by them. */
	uint64_t accesses, faults;
	uint64_t viol[INVT_VIOL_NR];
	uint64_t total;
	size_t max_reports, nr_reports;
	bool collapse;
	struct invt_violation *reports;
	struct attach *att;
};

int invt_oracle_create(const struct invt_oracle_config *cfg, struct invt_mem *mem,
		       struct invt_oracle **out)
{
	struct invt_oracle *o;
	size_t n, i;

	if (!cfg || !mem || !out)
		return -EINVAL;
	if (!cfg->nr_instances || !cfg->nr_sids || !cfg->nr_ssids)
		return -EINVAL;
	if (__builtin_mul_overflow((size_t)cfg->nr_instances, (size_t)cfg->nr_sids, &n) ||
	    __builtin_mul_overflow(n, (size_t)cfg->nr_ssids, &n) ||
	    n > SIZE_MAX / sizeof(struct attach))
		return -EINVAL;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->mem = mem;
	o->nr_instances = cfg->nr_instances;
	o->nr_sids = cfg->nr_sids;
	o->nr_ssids = cfg->nr_ssids;
	o->seed = cfg->seed;
	o->max_reports = cfg->max_reports ? cfg->max_reports : DEFAULT_MAX_REPORTS;
	o->collapse = cfg->collapse;
	o->att = calloc(n, sizeof(*o->att));
	o->reports = calloc(o->max_reports, sizeof(*o->reports));
	if (!o->att || !o->reports || pthread_mutex_init(&o->lock, NULL)) {
		free(o->att);
		free(o->reports);
		free(o);
		return -ENOMEM;
	}
	for (i = 0; i < ATT_STRIPES; i++)
		pthread_mutex_init(&o->stripe[i].lock, NULL);
	for (i = 0; i < n; i++) {
		o->att[i].domain = INVT_MEM_NO_DOMAIN;
		o->att[i].new_domain = INVT_MEM_NO_DOMAIN;
	}
	*out = o;
	return 0;
}

void invt_oracle_destroy(struct invt_oracle *o)
{
	unsigned int k;

	if (!o)
		return;
	for (k = 0; k < ATT_STRIPES; k++)
		pthread_mutex_destroy(&o->stripe[k].lock);
	pthread_mutex_destroy(&o->lock);
	free(o->att);
	free(o->reports);
	free(o);
}

uint64_t invt_oracle_seed(const struct invt_oracle *o)
{
	return o->seed;
}

uint64_t invt_oracle_stamp(struct invt_oracle *o)
{
	/*
	 * Acquire-release RMW.  All RMWs of o->clock form one modification
	 * order and each reads the one before it, so every stamp's RMW
	 * synchronises with the next one's.  The pair that matters: a
	 * filler's stamp (taken after it read the configuration it caches)
	 * and the scenario's begin stamp (taken before the core's prepare
	 * writes anything).  If the fill stamp is smaller, the filler's
	 * release is read by the begin's acquire, so the filler's reads
	 * happen before the scenario's writes and saw the old configuration:
	 * STALE_CONFIG never fires on a fill that could have seen the new one.
	 * Relaxed would keep the stamps unique and ordered, but not tie them
	 * to the memory accesses around them.
	 */
	return __atomic_add_fetch(&o->clock, 1, __ATOMIC_ACQ_REL);
}

/* The slot of (inst, sid, ssid), or NULL when an id is out of range. */
static struct attach *slot(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid)
{
	if (!o || inst >= o->nr_instances || sid >= o->nr_sids || ssid >= o->nr_ssids)
		return NULL;
	return &o->att[((size_t)inst * o->nr_sids + sid) * o->nr_ssids + ssid];
}

/* The lock of slot @a. */
static pthread_mutex_t *att_lock(struct invt_oracle *o, const struct attach *a)
{
	return &o->stripe[(size_t)(a - o->att) % ATT_STRIPES].lock;
}

int invt_oracle_attach_begin(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid,
			     uint32_t new_domain)
{
	struct attach *a = slot(o, inst, sid, ssid);
	uint64_t now;

	if (!a)
		return -EINVAL;
	/* Taken before the lock: the stamp orders memory, the lock the fields. */
	now = invt_oracle_stamp(o);
	pthread_mutex_lock(att_lock(o, a));
	if (a->open) {
		pthread_mutex_unlock(att_lock(o, a));
		return -EBUSY;
	}
	a->open = true;
	a->new_domain = new_domain;
	a->pending = ++a->next_gen;
	a->prev_begin = a->cfg_begin;
	a->prev_done = a->cfg_done;
	a->cfg_begin = now;
	a->cfg_done = false;
	pthread_mutex_unlock(att_lock(o, a));
	return 0;
}

int invt_oracle_config_done(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid)
{
	struct attach *a = slot(o, inst, sid, ssid);
	int ret = -EINVAL;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(att_lock(o, a));
	if (a->open) {
		a->cfg_done = true;
		ret = 0;
	}
	pthread_mutex_unlock(att_lock(o, a));
	return ret;
}

int invt_oracle_attach_done(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid)
{
	struct attach *a = slot(o, inst, sid, ssid);
	int ret = -EINVAL;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(att_lock(o, a));
	if (a->open) {
		/*
		 * cfg_begin / cfg_done stay: a configuration cached before the
		 * change began is as stale after the commit as before it.
		 */
		a->gen = a->pending;
		a->domain = a->new_domain;
		a->open = false;
		ret = 0;
	}
	pthread_mutex_unlock(att_lock(o, a));
	return ret;
}

int invt_oracle_attach_abort(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid)
{
	struct attach *a = slot(o, inst, sid, ssid);
	int ret = -EINVAL;

	if (!a)
		return -EINVAL;
	pthread_mutex_lock(att_lock(o, a));
	if (a->open) {
		/*
		 * The old configuration is reinstalled: what was cached under it
		 * is legitimate again, so the configuration rule goes back to
		 * the last completed change (or to "nothing stale" when there
		 * was none).  The aborted generation is dropped, never reused.
		 */
		a->cfg_begin = a->prev_begin;
		a->cfg_done = a->prev_done;
		a->open = false;
		ret = 0;
	}
	pthread_mutex_unlock(att_lock(o, a));
	return ret;
}

uint64_t invt_oracle_atc_gen(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid,
			     uint32_t domain)
{
	struct attach *a = slot(o, inst, sid, ssid);
	uint64_t gen;

	if (!a)
		return INVT_ORACLE_GEN_INVALID;
	pthread_mutex_lock(att_lock(o, a));
	gen = a->open && domain == a->new_domain ? a->pending : a->gen;
	pthread_mutex_unlock(att_lock(o, a));
	return gen;
}

/* The domain whose configuration is in force; under the slot's stripe lock. */
static uint32_t current_domain(const struct attach *a)
{
	return a->open && a->cfg_done ? a->new_domain : a->domain;
}

/* The same stale item used again: everything but the use and the verdict equal. */
static bool same_item(const struct invt_violation *a, const struct invt_violation *b)
{
	return a->kind == b->kind && a->instance == b->instance && a->sid == b->sid &&
	       a->ssid == b->ssid && a->cache == b->cache && a->tag_s2 == b->tag_s2 &&
	       a->tag_s1 == b->tag_s1 && a->iova == b->iova && a->pa == b->pa &&
	       a->domain == b->domain && a->expected_domain == b->expected_domain &&
	       a->fill_stamp == b->fill_stamp;
}

/* Count @v and keep it when it is new and there is room; under o->lock. */
static void record_locked(struct invt_oracle *o, const struct invt_violation *v)
{
	size_t i;

	o->viol[v->kind]++;
	o->total++;
	for (i = 0; o->collapse && i < o->nr_reports; i++) {
		if (same_item(&o->reports[i], v)) {
			o->reports[i].repeats++;
			return;
		}
	}
	if (o->nr_reports < o->max_reports) {
		o->reports[o->nr_reports] = *v;
		o->reports[o->nr_reports++].repeats = 0;
	}
}

static void use_fields(struct invt_violation *v, int kind, const struct invt_oracle_use *use)
{
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->instance = use->instance;
	v->sid = use->sid;
	v->ssid = use->ssid;
	v->iova = use->iova;
}

static void entry_fields(struct invt_violation *v, const struct invt_cache_entry *e,
			 const struct invt_frame_ref *ref)
{
	v->cache = e->kind;
	v->tag_s2 = e->tag_s2;
	v->tag_s1 = e->tag_s1;
	v->pa = ref->pa;
	v->domain = e->domain;
	v->fill_stamp = e->fill_time;
}

/* Rule texts: [frame kind][verdict], for a frame that is not LIVE. */
enum { FRAME_LEAF, FRAME_TABLE, FRAME_ATC };

static const char *frame_why(int frame, enum invt_mem_verdict verdict)
{
	static const char *const why[3][5] = {
		[FRAME_LEAF] = { "leaf frame live", "leaf frame freed",
				 "leaf frame freed and reused", "leaf frame reassigned",
				 "leaf frame outside the pool" },
		[FRAME_TABLE] = { "table frame live", "table frame freed",
				  "table frame freed and reused", "table frame reassigned",
				  "table frame outside the pool" },
		[FRAME_ATC] = { "ATC frame live", "ATC frame freed",
				"ATC frame freed and reused", "ATC frame reassigned",
				"ATC frame outside the pool" },
	};

	return (unsigned int)verdict <= INVT_MEM_BAD_REF ? why[frame][verdict] : "?";
}

/*
 * Check @ref against the pool.  Called before o->lock is taken (the pool's
 * mutex must not nest inside it).  Fills the frame fields of @v.
 */
static enum invt_mem_verdict frame_check(struct invt_oracle *o, const struct invt_frame_ref *ref,
					 struct invt_violation *v)
{
	struct invt_frame_info now;
	enum invt_mem_verdict verdict = invt_mem_check(o->mem, ref, &now);

	v->verdict = verdict;
	if (verdict == INVT_MEM_FREED || verdict == INVT_MEM_REUSED)
		v->freed_at = now.free_time;
	return verdict;
}

int invt_oracle_check_config(struct invt_oracle *o, const struct invt_oracle_use *use,
			     uint64_t fill_stamp)
{
	struct invt_violation v;
	struct attach *a;
	int ret = 0;

	if (!use)
		return -EINVAL;
	a = slot(o, use->instance, use->sid, use->ssid);
	if (!a)
		return -EINVAL;
	use_fields(&v, INVT_VIOL_STALE_CONFIG, use);
	v.cache = INVT_VIOL_CACHE_CONFIG;
	v.tag_s2 = INVT_CACHE_ID_NONE;
	v.tag_s1 = INVT_CACHE_ID_NONE;
	v.domain = use->cfg_domain;
	v.verdict = -1;
	v.fill_stamp = fill_stamp;
	v.why = "configuration filled before the change began, used after it was done";

	pthread_mutex_lock(att_lock(o, a));
	/*
	 * Under the lock, cfg_done and cfg_begin belong to the same change.
	 * The scenario sets cfg_done only after the change's invalidation
	 * completed, which removed (under the cache lock our caller holds)
	 * every configuration filled before it: one still cached is stale.
	 */
	if (a->cfg_done && fill_stamp < a->cfg_begin) {
		v.expected_domain = current_domain(a);
		v.use_stamp = invt_oracle_stamp(o);
		pthread_mutex_lock(&o->lock);
		record_locked(o, &v);
		pthread_mutex_unlock(&o->lock);
		ret = INVT_VIOL_STALE_CONFIG + 1;
	}
	pthread_mutex_unlock(att_lock(o, a));
	return ret;
}

int invt_oracle_check_tlb(struct invt_oracle *o, const struct invt_oracle_use *use,
			  const struct invt_cache_entry *e)
{
	const struct invt_frame_ref *ref;
	struct invt_violation v;
	int frame;

	if (!use || !e || !slot(o, use->instance, use->sid, use->ssid))
		return -EINVAL;
	switch (e->kind) {
	case INVT_CACHE_S1:
	case INVT_CACHE_S2:
	case INVT_CACHE_NESTED:
		ref = &e->leaf;
		frame = FRAME_LEAF;
		break;
	case INVT_CACHE_WALK_S1:
	case INVT_CACHE_WALK_S2:
		ref = &e->table;
		frame = FRAME_TABLE;
		break;
	default:
		return -EINVAL;
	}
	use_fields(&v, INVT_VIOL_STALE_TLB, use);
	entry_fields(&v, e, ref);
	v.expected_domain = use->cfg_domain;
	/* The frame's verdict goes into a WRONG_DOMAIN report too. */
	if (use->cfg_domain != INVT_MEM_NO_DOMAIN && e->domain != use->cfg_domain) {
		frame_check(o, ref, &v);
		v.kind = INVT_VIOL_WRONG_DOMAIN;
		v.why = "entry of another domain under the configuration's tags";
	} else if (frame_check(o, ref, &v) != INVT_MEM_LIVE) {
		v.why = frame_why(frame, (enum invt_mem_verdict)v.verdict);
	} else {
		return 0;
	}
	v.use_stamp = invt_oracle_stamp(o);
	pthread_mutex_lock(&o->lock);
	record_locked(o, &v);
	pthread_mutex_unlock(&o->lock);
	return v.kind + 1;
}

int invt_oracle_check_atc(struct invt_oracle *o, const struct invt_oracle_use *use,
			  const struct invt_cache_entry *e)
{
	struct invt_violation v;
	struct attach *a;
	bool stale;

	if (!use || !e || e->kind != INVT_CACHE_ATC)
		return -EINVAL;
	a = slot(o, use->instance, use->sid, use->ssid);
	if (!a)
		return -EINVAL;
	use_fields(&v, INVT_VIOL_STALE_TLB, use);
	entry_fields(&v, e, &e->leaf);
	stale = frame_check(o, &e->leaf, &v) != INVT_MEM_LIVE;
	if (stale)
		v.why = frame_why(FRAME_ATC, (enum invt_mem_verdict)v.verdict);

	pthread_mutex_lock(att_lock(o, a));
	/*
	 * The scenario reports attach_done only after commit returned, which
	 * (with the ATC invalidation completed under the ATC's lock our caller
	 * holds) removed every entry of the old attachment: one still cached
	 * under an older generation is stale.
	 */
	if (!stale && e->attach_gen != a->gen && !(a->open && e->attach_gen == a->pending)) {
		stale = true;
		v.why = "ATC filled under a replaced attachment";
	}
	if (stale) {
		v.expected_domain = current_domain(a);
		v.use_stamp = invt_oracle_stamp(o);
		pthread_mutex_lock(&o->lock);
		record_locked(o, &v);
		pthread_mutex_unlock(&o->lock);
	}
	pthread_mutex_unlock(att_lock(o, a));
	return stale ? INVT_VIOL_STALE_TLB + 1 : 0;
}

void invt_oracle_count_access(struct invt_oracle *o)
{
	__atomic_fetch_add(&o->accesses, 1, __ATOMIC_RELAXED);
}

void invt_oracle_count_fault(struct invt_oracle *o)
{
	__atomic_fetch_add(&o->faults, 1, __ATOMIC_RELAXED);
}

void invt_oracle_stats(struct invt_oracle *o, struct invt_oracle_stats *st)
{
	unsigned int k;

	memset(st, 0, sizeof(*st));
	st->accesses = __atomic_load_n(&o->accesses, __ATOMIC_RELAXED);
	st->faults = __atomic_load_n(&o->faults, __ATOMIC_RELAXED);
	pthread_mutex_lock(&o->lock);
	for (k = 0; k < INVT_VIOL_NR; k++)
		st->violations[k] = o->viol[k];
	st->total = o->total;
	pthread_mutex_unlock(&o->lock);
}

size_t invt_oracle_reports(struct invt_oracle *o, struct invt_violation *out, size_t max)
{
	size_t n;

	pthread_mutex_lock(&o->lock);
	n = o->nr_reports < max ? o->nr_reports : max;
	if (n)
		memcpy(out, o->reports, n * sizeof(*out));
	pthread_mutex_unlock(&o->lock);
	return n;
}

const char *invt_violation_name(int kind)
{
	static const char *const names[INVT_VIOL_NR] = {
		[INVT_VIOL_STALE_TLB] = "STALE_TLB",
		[INVT_VIOL_STALE_CONFIG] = "STALE_CONFIG",
		[INVT_VIOL_WRONG_DOMAIN] = "WRONG_DOMAIN",
	};

	return kind >= 0 && kind < INVT_VIOL_NR ? names[kind] : "?";
}

static const char *verdict_name(int verdict)
{
	static const char *const names[] = {
		[INVT_MEM_LIVE] = "live",
		[INVT_MEM_FREED] = "freed",
		[INVT_MEM_REUSED] = "reused",
		[INVT_MEM_CHANGED] = "changed",
		[INVT_MEM_BAD_REF] = "bad ref",
	};

	return verdict >= 0 && verdict <= INVT_MEM_BAD_REF ? names[verdict] : "?";
}

/* An id or domain for a report: decimal, or "none". */
static const char *id_str(char buf[12], uint32_t id)
{
	if (id == UINT32_MAX)
		return "none";
	snprintf(buf, 12, "%" PRIu32, id);
	return buf;
}

int invt_violation_format(const struct invt_violation *v, uint64_t seed, char *buf, size_t len)
{
	char s2[12], s1[12], dom[12], exp[12], frame[128];
	const char *via;
	bool tlb;

	if (v->cache == INVT_VIOL_CACHE_CONFIG) {
		via = "config";
		tlb = false;
		frame[0] = '\0';
	} else {
		via = invt_cache_kind_name(v->cache);
		tlb = v->cache != INVT_CACHE_ATC;
		if (v->freed_at)
			snprintf(frame, sizeof(frame),
				 " (tags %s/%s) -> frame 0x%" PRIx64 " (%s, freed at t=%" PRIu64
				 ")",
				 id_str(s2, v->tag_s2), id_str(s1, v->tag_s1), v->pa,
				 verdict_name(v->verdict), v->freed_at);
		else
			snprintf(frame, sizeof(frame), " (tags %s/%s) -> frame 0x%" PRIx64 " (%s)",
				 id_str(s2, v->tag_s2), id_str(s1, v->tag_s1), v->pa,
				 verdict_name(v->verdict));
	}
	return snprintf(buf, len,
			"%s: instance %" PRIu32 " sid %" PRIu32 " ssid %" PRIu32 " iova 0x%" PRIx64
			" via %s%s, domain %s, %s domain %s, filled at t=%" PRIu64
			", used at t=%" PRIu64 " (rule: %s); replay: --seed %" PRIu64,
			invt_violation_name(v->kind), v->instance, v->sid, v->ssid, v->iova, via,
			frame, id_str(dom, v->domain), tlb ? "config" : "attached",
			id_str(exp, v->expected_domain), v->fill_stamp, v->use_stamp,
			v->why ? v->why : "?", seed);
}
