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
 * next and report a configuration that is still current.  The check on
 * every configuration-cache hit reads that pair packed in one word instead
 * (struct attach.cfg_word) and takes the mutex only to report; the ATC
 * checks (on every ATC hit and fill) read the generation fields under a
 * sequence count (att_gen_read()), likewise.  The mutex is one
 * of ATT_STRIPES, chosen by the slot's index, so that DMA threads checking
 * different attachments do not all bounce one lock; the violation records
 * have their own mutex (o->lock), taken inside a stripe's.
 *
 * The clock (invt_oracle_stamp()) and the access / fault counters are
 * lock-free atomics; frame checks go to the memory pool before the oracle's
 * mutexes are taken, so they are always the innermost locks.
 *
 * Nested translation: one struct vm per VM slot, with one struct gpage per
 * IPA page of the guest's memory.  The scenario's guest side writes the
 * pages (map, unmap, inv_done) under the VM's mutex; units read them at
 * fill (invt_oracle_guest_ref()) and at every check without a lock: each
 * page has a sequence counter, odd while a writer changes the page, bumped
 * by 2 at every change of state or owner, which also serves as the page's
 * version in references (checks compare one acquire load against it).
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
 * All fields written under the slot's stripe lock (att_lock()); read under
 * it, except @cfg_word and the fields @seq covers.
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
 * @cfg_word: @cfg_begin << 1 | @cfg_done, stored (release) under the lock at
 *	every change of either, so that invt_oracle_check_config(), on every
 *	configuration-cache hit, reads the pair of one change with one acquire
 *	load instead of taking the stripe lock (see cfg_word_set()).
 * @seq: sequence count of @gen, @pending, @open and @new_domain, which the
 *	ATC checks read without the lock (att_gen_read()): odd while a writer
 *	(holding the lock) changes them.  Those four are stored with relaxed
 *	atomics inside att_write_begin() / att_write_end().
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
	uint64_t cfg_word;
	uint32_t seq;
};

/* Locks of the attach slots: slot i is under stripe i % ATT_STRIPES. */
#define ATT_STRIPES 32

/* One lock per 64-byte line, so that two stripes never share one. */
struct att_stripe {
	_Alignas(64) pthread_mutex_t lock;
};

/*
 * Stripes of the access counters: each of the first CNT_OWNED belongs to
 * the one thread that claimed it (cnt_claim()); threads beyond those
 * share the last.
 */
#define CNT_OWNED 31
#define CNT_SHARED CNT_OWNED
#define CNT_STRIPES (CNT_OWNED + 1)

/*
 * One stripe of the access counters, alone on its 64-byte line (the oracle
 * is allocated 64-byte aligned), so that threads count without passing a
 * line between them.  The totals are the sums over the stripes.  An owned
 * stripe has one writer: it adds with a load and a store (no locked RMW),
 * atomic so that invt_oracle_stats() may read it meanwhile; the shared
 * stripe adds with atomic RMWs.
 * @accesses: atomic, relaxed: a pure event count.
 * @faults: likewise.
 * @nested_accesses: atomic; see invt_oracle_count_nested_access().
 */
struct cnt_stripe {
	_Alignas(64) uint64_t accesses;
	uint64_t faults;
	uint64_t nested_accesses;
};

/* struct gpage .prev / .next: no page. */
#define GP_NIL UINT32_MAX
/* The version of a fresh page: never 0, so that a zeroed reference is stale. */
#define GP_SEQ_START 2
/* A reference's version that no page has (odd): out-of-range references. */
#define GP_SEQ_BAD UINT64_MAX

/*
 * struct gpage - one IPA page of a VM, the guest's side (stage 1).
 * @seq: atomic sequence counter and version: odd while a writer changes the
 *	fields below @seq, +2 per change (see gpage_write_begin()).
 * @iova: DATA: the IOVA page it backs (relaxed atomic, written inside a
 *	@seq write section).
 * @map_time: oracle clock at its last map (relaxed atomic, idem).
 * @free_time: oracle clock at its last inv_done (relaxed atomic, idem).
 * @domain: TABLE / DATA: the nested domain (relaxed atomic, idem).
 * @state: enum invt_frame_state (relaxed atomic, idem).
 * @unmapped: the guest unmapped it, its invalidation has not completed yet;
 *	vm->lock only (no reader looks at it).
 * @prev: free list link (vm->lock).
 * @next: free list link (vm->lock).
 */
struct gpage {
	uint64_t seq;
	uint64_t iova;
	uint64_t map_time;
	uint64_t free_time;
	uint32_t domain;
	uint8_t state;
	bool unmapped;
	uint32_t prev, next;
};

/*
 * struct vm - one VM slot.
 * @ready: atomic: 1 once set up.  Everything below is written before the
 *	release store of 1 (invt_oracle_vm_init(), under o->vm_lock) and
 *	only read after an acquire load of 1 (vm_get()), except what @lock
 *	protects and the pages' atomics.
 * @lock: serialises the writers of @pages (map, alloc, unmap, inv_done)
 *	and protects @free_head, @nr_free and every page's @unmapped / links.
 *	Taken alone: nothing else is locked under it.
 * @parent: the nest parent.
 * @ipa_base: the first IPA.
 * @nr_pages: pages from @ipa_base.
 * @pages: the pages.
 * @free_head: FREE pages, last freed first (GP_NIL: none).
 */
struct vm {
	int ready;
	pthread_mutex_t lock;
	uint32_t parent;
	uint64_t ipa_base;
	uint32_t nr_pages;
	struct gpage *pages;
	uint32_t free_head;
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
	/*
	 * Atomic; see invt_oracle_stamp().  On a line of its own: every fill
	 * writes it, and the fields above are read on every check.
	 */
	_Alignas(64) uint64_t clock;
	/* Unique in the process: what a thread's stripe (cnt_mine) names. */
	uint64_t id;
	/* Atomic: owned stripes handed out (cnt_claim()); may pass CNT_OWNED. */
	unsigned int cnt_claimed;
	struct cnt_stripe cnt[CNT_STRIPES];
	uint64_t viol[INVT_VIOL_NR];
	/* Written under @lock, atomically: invt_oracle_total() reads it without. */
	uint64_t total;
	size_t max_reports, nr_reports;
	bool collapse;
	struct invt_violation *reports;
	struct attach *att;
	/* Serialises invt_oracle_vm_init() (slot claims, the parent's uniqueness). */
	pthread_mutex_t vm_lock;
	unsigned int nr_vms;
	struct vm *vms;
};

/* The last oracle id handed out (atomic); ids start at 1 (cnt_mine.id 0: none). */
static uint64_t oracle_ids;

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

	/* Aligned for the lines of struct att_stripe, clock and struct cnt_stripe. */
	o = aligned_alloc(_Alignof(struct invt_oracle), sizeof(*o));
	if (!o)
		return -ENOMEM;
	memset(o, 0, sizeof(*o));
	o->mem = mem;
	o->nr_instances = cfg->nr_instances;
	o->nr_sids = cfg->nr_sids;
	o->nr_ssids = cfg->nr_ssids;
	o->seed = cfg->seed;
	o->max_reports = cfg->max_reports ? cfg->max_reports : DEFAULT_MAX_REPORTS;
	o->collapse = cfg->collapse;
	/* Relaxed: only unique, not ordered with anything. */
	o->id = __atomic_add_fetch(&oracle_ids, 1, __ATOMIC_RELAXED);
	o->att = calloc(n, sizeof(*o->att));
	o->reports = calloc(o->max_reports, sizeof(*o->reports));
	o->nr_vms = cfg->nr_vms;
	o->vms = cfg->nr_vms ? calloc(cfg->nr_vms, sizeof(*o->vms)) : NULL;
	if (!o->att || !o->reports || (cfg->nr_vms && !o->vms) ||
	    pthread_mutex_init(&o->lock, NULL)) {
		free(o->att);
		free(o->reports);
		free(o->vms);
		free(o);
		return -ENOMEM;
	}
	for (i = 0; i < ATT_STRIPES; i++)
		pthread_mutex_init(&o->stripe[i].lock, NULL);
	pthread_mutex_init(&o->vm_lock, NULL);
	for (i = 0; i < o->nr_vms; i++)
		pthread_mutex_init(&o->vms[i].lock, NULL);
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
	for (k = 0; k < o->nr_vms; k++) {
		pthread_mutex_destroy(&o->vms[k].lock);
		free(o->vms[k].pages);
	}
	free(o->vms);
	pthread_mutex_destroy(&o->vm_lock);
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

/*
 * Publish @a's cfg_begin and cfg_done as its cfg_word; the slot's stripe
 * lock held.  Release: pairs with the acquire load in
 * invt_oracle_check_config().  A checker that reads cfg_done set thereby
 * also sees everything before it: the change's configuration invalidation,
 * which completed (under the cache lock the checker holds now) before the
 * scenario reported the change done.  Forbids a check that reads the change
 * done yet looks at a configuration that invalidation removed, which a
 * report would call stale although it never was.
 */
static void cfg_word_set(struct attach *a)
{
	__atomic_store_n(&a->cfg_word, a->cfg_begin << 1 | a->cfg_done, __ATOMIC_RELEASE);
}

/*
 * The write section of @a's generation fields; the slot's stripe lock held
 * (writers are serialised by it, readers never wait for it).  The count
 * goes odd, then a release fence: pairs with the acquire fence of
 * att_gen_read().  A reader that reads any store of the section (made
 * after this fence) then reads the odd count, or a later one, at its
 * second look: forbids a snapshot that mixes a section's new fields with
 * an unchanged count.
 */
static void att_write_begin(struct attach *a)
{
	__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELAXED);
	/*
	 * Pairs with the acquire fence in att_gen_read() between its field
	 * loads and its second count load: forbids a reader that sees a field
	 * this section stores next and still the even count from before it.
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

/*
 * Release: the section's stores before the even count; pairs with the
 * acquire load that begins att_gen_read().  Forbids a reader that sees
 * the even count of this section and then older field values.
 */
static void att_write_end(struct attach *a)
{
	__atomic_store_n(&a->seq, a->seq + 1, __ATOMIC_RELEASE);
}

#define ATT_SET(a, field, v) __atomic_store_n(&(a)->field, (v), __ATOMIC_RELAXED)

/* The generation fields of a slot, as one consistent snapshot. */
struct att_gen {
	uint64_t gen;
	uint64_t pending;
	uint32_t new_domain;
	bool open;
};

/*
 * @a's generation fields without the stripe lock: a seqlock read, or,
 * when a writer is inside its section (odd count) or finished one
 * meanwhile (the count moved), under the lock -- never a wait on a
 * writer that may be preempted.
 *
 * Why a lock-free read decides as the lock did.  The snapshot is that of
 * one write section W (the last before the reader's first load, in the
 * lock's order): every section that happens before the read is W or
 * earlier (coherence of @seq: its end store is visible to the acquire
 * load), and no section that happens after it can be seen (a load never
 * reads a store that happens after it).  A locked reader orders itself
 * with the writers in the same way; where neither order is forced (a
 * writer concurrent with the check), both versions may take either side.
 * So a use ordered after attach_done() (for example by the ATC lock, which
 * the ATC invalidation released before the scenario reported the commit)
 * still sees the new generation and reports an entry of the old one, and
 * a check that happens before the commit still sees the old one.
 */
static void att_gen_read(struct invt_oracle *o, const struct attach *a, struct att_gen *g)
{
	/* Acquire: pairs with att_write_end(); see there. */
	uint32_t s0 = __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE);

	g->gen = __atomic_load_n(&a->gen, __ATOMIC_RELAXED);
	g->pending = __atomic_load_n(&a->pending, __ATOMIC_RELAXED);
	g->new_domain = __atomic_load_n(&a->new_domain, __ATOMIC_RELAXED);
	g->open = __atomic_load_n(&a->open, __ATOMIC_RELAXED);
	/* Acquire fence: pairs with att_write_begin()'s; see there. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!(s0 & 1) && __atomic_load_n(&a->seq, __ATOMIC_RELAXED) == s0)
		return;
	pthread_mutex_lock(att_lock(o, a));
	g->gen = a->gen;
	g->pending = a->pending;
	g->new_domain = a->new_domain;
	g->open = a->open;
	pthread_mutex_unlock(att_lock(o, a));
}

/* The ATC generation rule: an entry filled under @attach_gen is current. */
static bool att_gen_current(const struct att_gen *g, uint64_t attach_gen)
{
	return attach_gen == g->gen || (g->open && attach_gen == g->pending);
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
	att_write_begin(a);
	ATT_SET(a, open, true);
	ATT_SET(a, new_domain, new_domain);
	ATT_SET(a, pending, ++a->next_gen);
	att_write_end(a);
	a->prev_begin = a->cfg_begin;
	a->prev_done = a->cfg_done;
	a->cfg_begin = now;
	a->cfg_done = false;
	cfg_word_set(a);
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
		cfg_word_set(a);
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
		att_write_begin(a);
		ATT_SET(a, gen, a->pending);
		ATT_SET(a, open, false);
		att_write_end(a);
		a->domain = a->new_domain;
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
		cfg_word_set(a);
		att_write_begin(a);
		ATT_SET(a, open, false);
		att_write_end(a);
		ret = 0;
	}
	pthread_mutex_unlock(att_lock(o, a));
	return ret;
}

uint64_t invt_oracle_atc_gen(struct invt_oracle *o, uint32_t inst, uint32_t sid, uint32_t ssid,
			     uint32_t domain)
{
	struct attach *a = slot(o, inst, sid, ssid);
	struct att_gen g;

	if (!a)
		return INVT_ORACLE_GEN_INVALID;
	/* No lock: see att_gen_read(). */
	att_gen_read(o, a, &g);
	return g.open && domain == g.new_domain ? g.pending : g.gen;
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
	       a->fill_stamp == b->fill_stamp && a->stage == b->stage && a->vm == b->vm &&
	       a->ipa == b->ipa;
}

/* Count @v and keep it when it is new and there is room; under o->lock. */
static void record_locked(struct invt_oracle *o, const struct invt_violation *v)
{
	size_t i;

	o->viol[v->kind]++;
	/* Atomic for invt_oracle_total()'s lockless read; written only under @lock. */
	__atomic_store_n(&o->total, o->total + 1, __ATOMIC_RELAXED);
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

/*
 * invt_oracle_check_config() found @a's configuration word stale for
 * @fill_stamp: take the verdict again under the lock and report.  Out of
 * line, so that the check on every configuration-cache hit keeps no
 * report on its stack.
 */
static __attribute__((noinline, cold)) int config_stale(struct invt_oracle *o, struct attach *a,
							const struct invt_oracle_use *use,
							uint64_t fill_stamp)
{
	struct invt_violation v;
	int ret = 0;

	use_fields(&v, INVT_VIOL_STALE_CONFIG, use);
	v.cache = INVT_VIOL_CACHE_CONFIG;
	v.tag_s2 = INVT_CACHE_ID_NONE;
	v.tag_s1 = INVT_CACHE_ID_NONE;
	v.domain = use->cfg_domain;
	v.verdict = -1;
	v.fill_stamp = fill_stamp;
	v.why = "configuration filled before the change began, used after it was done";

	/* Stale: the report is made under the lock, the verdict taken again there. */
	pthread_mutex_lock(att_lock(o, a));
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

int invt_oracle_check_config(struct invt_oracle *o, const struct invt_oracle_use *use,
			     uint64_t fill_stamp)
{
	struct attach *a;
	uint64_t w;

	if (!use)
		return -EINVAL;
	a = slot(o, use->instance, use->sid, use->ssid);
	if (!a)
		return -EINVAL;
	/*
	 * cfg_done and cfg_begin of the same change, in one word (acquire:
	 * pairs with the release in cfg_word_set()).  The scenario sets
	 * cfg_done only after the change's invalidation completed, which
	 * removed (under the cache lock our caller holds) every configuration
	 * filled before it: one still cached is stale.  No lock on this path,
	 * taken on every configuration-cache hit.
	 */
	w = __atomic_load_n(&a->cfg_word, __ATOMIC_ACQUIRE);
	if (!(w & 1) || fill_stamp >= w >> 1)
		return 0;
	return config_stale(o, a, use, fill_stamp);
}

/*
 * invt_oracle_check_tlb() found @e (its frame @ref, of kind @frame) stale
 * or of the wrong domain: report it.  Out of line, so that the check of
 * every entry a translation uses keeps no report on its stack.
 * Return: as invt_oracle_check_tlb().
 */
static __attribute__((noinline, cold)) int tlb_report(struct invt_oracle *o,
						      const struct invt_oracle_use *use,
						      const struct invt_cache_entry *e,
						      const struct invt_frame_ref *ref, int frame,
						      enum invt_mem_verdict verdict,
						      const struct invt_frame_info *now, bool wrong)
{
	struct invt_violation v;

	use_fields(&v, INVT_VIOL_STALE_TLB, use);
	entry_fields(&v, e, ref);
	v.expected_domain = use->cfg_domain;
	/* As frame_check() fills them: a WRONG_DOMAIN report has the verdict too. */
	v.verdict = verdict;
	if (verdict == INVT_MEM_FREED || verdict == INVT_MEM_REUSED)
		v.freed_at = now->free_time;
	if (wrong) {
		v.kind = INVT_VIOL_WRONG_DOMAIN;
		v.why = "entry of another domain under the configuration's tags";
	} else {
		v.why = frame_why(frame, verdict);
	}
	v.use_stamp = invt_oracle_stamp(o);
	pthread_mutex_lock(&o->lock);
	record_locked(o, &v);
	pthread_mutex_unlock(&o->lock);
	return v.kind + 1;
}

int invt_oracle_check_tlb(struct invt_oracle *o, const struct invt_oracle_use *use,
			  const struct invt_cache_entry *e)
{
	const struct invt_frame_ref *ref;
	enum invt_mem_verdict verdict;
	struct invt_frame_info now;
	bool wrong;
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
	/*
	 * The verdicts first; the report (a few hundred bytes to fill) only
	 * when one fires: this runs for every entry a translation uses.
	 */
	wrong = use->cfg_domain != INVT_MEM_NO_DOMAIN && e->domain != use->cfg_domain;
	verdict = invt_mem_check(o->mem, ref, &now);
	if (!wrong && verdict == INVT_MEM_LIVE)
		return 0;
	return tlb_report(o, use, e, ref, frame, verdict, &now, wrong);
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
	/*
	 * Both rules hold: no report to build, no lock to take (this runs on
	 * every ATC hit).  The generation read without the lock decides as
	 * the locked one below (see att_gen_read()); a verdict of stale is
	 * taken again under the lock, where the report is made.
	 */
	if (invt_mem_check(o->mem, &e->leaf, NULL) == INVT_MEM_LIVE) {
		struct att_gen g;

		att_gen_read(o, a, &g);
		if (att_gen_current(&g, e->attach_gen))
			return 0;
	}
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

/* ---- nested translation ---- */

/* VM slot @vm once set up, else NULL. */
static struct vm *vm_get(struct invt_oracle *o, uint32_t vm)
{
	if (!o || vm >= o->nr_vms)
		return NULL;
	/*
	 * Acquire, paired with the release store that ends
	 * invt_oracle_vm_init(): a reader that sees the slot set up sees its
	 * parent, range and initialised pages.
	 */
	if (!__atomic_load_n(&o->vms[vm].ready, __ATOMIC_ACQUIRE))
		return NULL;
	return &o->vms[vm];
}

/* The index of the page holding @ipa in *@idx; false when outside the VM. */
static bool gpage_index(const struct vm *g, uint64_t ipa, uint32_t *idx)
{
	uint64_t i;

	if (ipa < g->ipa_base)
		return false;
	i = (ipa - g->ipa_base) >> INVT_MEM_FRAME_SHIFT;
	if (i >= g->nr_pages)
		return false;
	*idx = (uint32_t)i;
	return true;
}

/*
 * [ipa, ipa + nr pages) inside the VM, ipa aligned: the first index in
 * *@idx.  False for a bad range.
 */
static bool gpage_range(const struct vm *g, uint64_t ipa, uint64_t nr, uint32_t *idx)
{
	if (!nr || (ipa & (INVT_MEM_FRAME_SIZE - 1)) || !gpage_index(g, ipa, idx))
		return false;
	return nr <= g->nr_pages - *idx;
}

/*
 * Sequence-counter writer side, under vm->lock (the only writers).  The
 * classic seqlock with C11 atomics: the counter goes odd (relaxed), a
 * release fence orders that store before the field stores (relaxed
 * atomics), and the store that makes it even again is a release.  Pairs
 * with gpage_read(): a reader whose relaxed loads saw any of the new field
 * values synchronises, through its acquire fence, with the release fence
 * here, so its second load of the counter sees the odd value or a later
 * one and it retries: no reader takes a mix of two versions.  And a reader
 * whose first (acquire) load sees the final even value sees every field
 * stored before it.
 */
static void gpage_write_begin(struct gpage *p)
{
	uint64_t s = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);

	__atomic_store_n(&p->seq, s + 1, __ATOMIC_RELAXED);
	/*
	 * Pairs with the acquire fence in gpage_read() between its field
	 * loads and its second counter load: forbids a reader seeing a new
	 * field value yet the old even counter (a torn version taken whole).
	 */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void gpage_write_end(struct gpage *p)
{
	uint64_t s = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);

	/*
	 * Release: pairs with the acquire loads of gpage_read() and of
	 * guest_live().  A checker that sees this version sees the fields
	 * and everything the guest did before (for inv_done: the completion
	 * of its invalidation, hence the removal of every entry it covered).
	 */
	__atomic_store_n(&p->seq, s + 1, __ATOMIC_RELEASE);
}

/* A consistent snapshot of @p (lock-free).  Return: its version (even). */
static uint64_t gpage_read(const struct gpage *p, struct invt_frame_info *info)
{
	uint64_t s1, s2;

	for (;;) {
		/* Acquire: pairs with gpage_write_end() (see there). */
		s1 = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE);
		info->state = (enum invt_frame_state)__atomic_load_n(&p->state, __ATOMIC_RELAXED);
		info->domain = __atomic_load_n(&p->domain, __ATOMIC_RELAXED);
		info->iova = __atomic_load_n(&p->iova, __ATOMIC_RELAXED);
		info->alloc_time = __atomic_load_n(&p->map_time, __ATOMIC_RELAXED);
		info->free_time = __atomic_load_n(&p->free_time, __ATOMIC_RELAXED);
		/* Pairs with the release fence of gpage_write_begin(). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&p->seq, __ATOMIC_RELAXED);
		if (s1 == s2 && !(s1 & 1))
			break;
		/* A writer is inside: it holds the VM's lock for a few stores. */
	}
	info->gen = s1;
	return s1;
}

/* Set @p's state and owner; vm->lock held. */
static void gpage_set(struct gpage *p, enum invt_frame_state state, uint32_t domain,
		      uint64_t iova, uint64_t now)
{
	gpage_write_begin(p);
	__atomic_store_n(&p->state, (uint8_t)state, __ATOMIC_RELAXED);
	__atomic_store_n(&p->domain, domain, __ATOMIC_RELAXED);
	__atomic_store_n(&p->iova, iova, __ATOMIC_RELAXED);
	if (state == INVT_FRAME_FREE)
		__atomic_store_n(&p->free_time, now, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&p->map_time, now, __ATOMIC_RELAXED);
	gpage_write_end(p);
}

/* Free list, vm->lock held: take page @i off it / put it first. */
static void gfree_unlink(struct vm *g, uint32_t i)
{
	struct gpage *p = &g->pages[i];

	if (p->prev != GP_NIL)
		g->pages[p->prev].next = p->next;
	else
		g->free_head = p->next;
	if (p->next != GP_NIL)
		g->pages[p->next].prev = p->prev;
	p->prev = p->next = GP_NIL;
}

static void gfree_push(struct vm *g, uint32_t i)
{
	struct gpage *p = &g->pages[i];

	p->prev = GP_NIL;
	p->next = g->free_head;
	if (g->free_head != GP_NIL)
		g->pages[g->free_head].prev = i;
	g->free_head = i;
}

int invt_oracle_vm_init(struct invt_oracle *o, uint32_t vm, uint32_t parent, uint64_t ipa_base,
			uint64_t ipa_size)
{
	uint64_t nr = ipa_size >> INVT_MEM_FRAME_SHIFT, last;
	struct gpage *pages;
	struct vm *g;
	uint32_t i;
	int ret = 0;

	if (!o || vm >= o->nr_vms || parent == INVT_MEM_NO_DOMAIN || !nr ||
	    ((ipa_base | ipa_size) & (INVT_MEM_FRAME_SIZE - 1)) || nr >= GP_NIL ||
	    __builtin_add_overflow(ipa_base, ipa_size - 1, &last))
		return -EINVAL;
	g = &o->vms[vm];
	pthread_mutex_lock(&o->vm_lock);
	if (__atomic_load_n(&g->ready, __ATOMIC_RELAXED)) {
		ret = -EBUSY;
		goto out;
	}
	for (i = 0; i < o->nr_vms; i++) {
		/* Relaxed: ready and parent are written under vm_lock, held here. */
		if (__atomic_load_n(&o->vms[i].ready, __ATOMIC_RELAXED) &&
		    o->vms[i].parent == parent) {
			ret = -EINVAL;
			goto out;
		}
	}
	pages = calloc((size_t)nr, sizeof(*pages));
	if (!pages) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		pages[i].seq = GP_SEQ_START;
		pages[i].domain = INVT_MEM_NO_DOMAIN;
		pages[i].state = INVT_FRAME_FREE;
		pages[i].prev = i ? i - 1 : GP_NIL;
		pages[i].next = i + 1 < nr ? i + 1 : GP_NIL;
	}
	g->parent = parent;
	g->ipa_base = ipa_base;
	g->nr_pages = (uint32_t)nr;
	g->pages = pages;
	g->free_head = 0;
	/* Release: pairs with the acquire load of vm_get() (see there). */
	__atomic_store_n(&g->ready, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&o->vm_lock);
	return ret;
}

int invt_oracle_vm_find(struct invt_oracle *o, uint32_t parent)
{
	uint32_t i;

	for (i = 0; o && i < o->nr_vms; i++) {
		const struct vm *g = vm_get(o, i);

		if (g && g->parent == parent)
			return (int)i;
	}
	return -ENOENT;
}

static bool guest_state_ok(enum invt_frame_state state, uint32_t domain, uint64_t iova)
{
	if (state == INVT_FRAME_OTHER)
		return true;
	if (domain == INVT_MEM_NO_DOMAIN)
		return false;
	if (state == INVT_FRAME_DATA)
		return !(iova & (INVT_MEM_FRAME_SIZE - 1));
	return state == INVT_FRAME_TABLE;
}

/* Map pages [i, i + nr) of @g, all FREE; vm->lock held. */
static void guest_map_locked(struct vm *g, uint32_t i, uint64_t nr, enum invt_frame_state state,
			     uint32_t domain, uint64_t iova, uint64_t now)
{
	uint64_t k;

	for (k = 0; k < nr; k++) {
		gfree_unlink(g, (uint32_t)(i + k));
		gpage_set(&g->pages[i + k], state,
			  state == INVT_FRAME_OTHER ? INVT_MEM_NO_DOMAIN : domain,
			  state == INVT_FRAME_DATA ? iova + (k << INVT_MEM_FRAME_SHIFT) : 0, now);
	}
}

int invt_oracle_guest_map(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr,
			  enum invt_frame_state state, uint32_t domain, uint64_t iova)
{
	struct vm *g = vm_get(o, vm);
	uint64_t k, now;
	uint32_t i;
	int ret = 0;

	if (!g || !gpage_range(g, ipa, nr, &i) || !guest_state_ok(state, domain, iova))
		return -EINVAL;
	if (state == INVT_FRAME_DATA &&
	    (nr > (UINT64_MAX >> INVT_MEM_FRAME_SHIFT) ||
	     __builtin_add_overflow(iova, (nr << INVT_MEM_FRAME_SHIFT) - 1, &k)))
		return -EINVAL;
	now = invt_oracle_stamp(o);
	pthread_mutex_lock(&g->lock);
	for (k = 0; k < nr; k++) {
		/* Relaxed: the state is only written under g->lock, held here. */
		if (__atomic_load_n(&g->pages[i + k].state, __ATOMIC_RELAXED) !=
		    INVT_FRAME_FREE) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret)
		guest_map_locked(g, i, nr, state, domain, iova, now);
	pthread_mutex_unlock(&g->lock);
	return ret;
}

int invt_oracle_guest_alloc(struct invt_oracle *o, uint32_t vm, enum invt_frame_state state,
			    uint32_t domain, uint64_t iova, uint64_t *ipa)
{
	struct vm *g = vm_get(o, vm);
	uint64_t now;
	uint32_t i;

	if (!g || !ipa || !guest_state_ok(state, domain, iova))
		return -EINVAL;
	now = invt_oracle_stamp(o);
	pthread_mutex_lock(&g->lock);
	i = g->free_head;
	if (i != GP_NIL)
		guest_map_locked(g, i, 1, state, domain, iova, now);
	pthread_mutex_unlock(&g->lock);
	if (i == GP_NIL)
		return -ENOMEM;
	*ipa = g->ipa_base + ((uint64_t)i << INVT_MEM_FRAME_SHIFT);
	return 0;
}

int invt_oracle_guest_unmap(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr)
{
	struct vm *g = vm_get(o, vm);
	uint32_t i;
	uint64_t k;
	int ret = 0;

	if (!g || !gpage_range(g, ipa, nr, &i))
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	for (k = 0; k < nr; k++) {
		const struct gpage *p = &g->pages[i + k];

		/* Relaxed: written under g->lock only. */
		if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) == INVT_FRAME_FREE ||
		    p->unmapped) {
			ret = -EINVAL;
			break;
		}
	}
	/* The version stays: what was cached from the pages is still legitimate. */
	for (k = 0; !ret && k < nr; k++)
		g->pages[i + k].unmapped = true;
	pthread_mutex_unlock(&g->lock);
	return ret;
}

int invt_oracle_guest_inv_done(struct invt_oracle *o, uint32_t vm, uint64_t ipa, uint64_t nr)
{
	struct vm *g = vm_get(o, vm);
	uint64_t k, now;
	uint32_t i;
	int ret = 0;

	if (!g || !gpage_range(g, ipa, nr, &i))
		return -EINVAL;
	now = invt_oracle_stamp(o);
	pthread_mutex_lock(&g->lock);
	for (k = 0; k < nr; k++) {
		if (!g->pages[i + k].unmapped) {
			ret = -EINVAL;
			break;
		}
	}
	for (k = 0; !ret && k < nr; k++) {
		struct gpage *p = &g->pages[i + k];

		p->unmapped = false;
		gpage_set(p, INVT_FRAME_FREE, INVT_MEM_NO_DOMAIN, 0, now);
		gfree_push(g, (uint32_t)(i + k));
	}
	pthread_mutex_unlock(&g->lock);
	return ret;
}

int invt_oracle_guest_ref(struct invt_oracle *o, uint32_t vm, uint64_t ipa,
			  struct invt_frame_ref *ref)
{
	struct vm *g = vm_get(o, vm);
	struct invt_frame_info info;
	uint32_t i;

	if (!ref)
		return -EINVAL;
	if (!g || !gpage_index(g, ipa, &i)) {
		*ref = (struct invt_frame_ref){ .pa = ipa & ~(INVT_MEM_FRAME_SIZE - 1),
						.state = INVT_FRAME_FREE,
						.domain = INVT_MEM_NO_DOMAIN, .gen = GP_SEQ_BAD };
		return -EINVAL;
	}
	gpage_read(&g->pages[i], &info);
	*ref = (struct invt_frame_ref){ .pa = ipa & ~(INVT_MEM_FRAME_SIZE - 1), .state = info.state,
					.domain = info.domain, .iova = info.iova, .gen = info.gen };
	return 0;
}

int invt_oracle_guest_info(struct invt_oracle *o, uint32_t vm, uint64_t ipa,
			   struct invt_frame_info *info)
{
	struct vm *g = vm_get(o, vm);
	uint32_t i;

	if (!g || !info || !gpage_index(g, ipa, &i))
		return -EINVAL;
	gpage_read(&g->pages[i], info);
	return 0;
}

/* Is the guest's reference @ref still valid?  One acquire load. */
static bool guest_live(const struct vm *g, const struct invt_frame_ref *ref)
{
	uint32_t i;

	/*
	 * Acquire: pairs with gpage_write_end().  Seeing a new version proves
	 * the guest's inv_done (or a later map) happened, and so the
	 * invalidation it waited for, which removed (under the cache lock our
	 * caller holds) every entry filled before it: one still cached is
	 * stale.  An odd value (a writer inside map / inv_done) counts as the
	 * change: inv_done is only called once the invalidation completed, and
	 * a page being mapped was FREE, which only a reference taken through a
	 * dangling entry names (the pool calls those stale at reuse too).
	 */
	return gpage_index(g, ref->pa, &i) &&
	       __atomic_load_n(&g->pages[i].seq, __ATOMIC_ACQUIRE) == ref->gen;
}

/* guest_live(), and when not, the verdict fields of @v (the IPA page's). */
static enum invt_mem_verdict guest_check(const struct vm *g, const struct invt_frame_ref *ref,
					 struct invt_violation *v)
{
	struct invt_frame_info now;
	uint32_t i;

	if (guest_live(g, ref))
		return INVT_MEM_LIVE;
	if (!gpage_index(g, ref->pa, &i)) {
		v->verdict = INVT_MEM_BAD_REF;
		v->freed_at = 0;
		return INVT_MEM_BAD_REF;
	}
	gpage_read(&g->pages[i], &now);
	v->verdict = now.state == INVT_FRAME_FREE ? INVT_MEM_FREED : INVT_MEM_REUSED;
	v->freed_at = now.free_time;
	return (enum invt_mem_verdict)v->verdict;
}

/* Where the page a nested rule looks at sits in the entry. */
enum { NEST_LEAF, NEST_TABLE, NEST_WALKED };

static const char *nest_why(int src, unsigned int stage, enum invt_mem_verdict verdict)
{
	static const char *const why[3][2][5] = {
		[NEST_LEAF] = {
			{ "stage 1: IPA page live",
			  "stage 1: IPA page unmapped and invalidated by the guest",
			  "stage 1: IPA page unmapped, invalidated and mapped again",
			  "stage 1: IPA page reassigned", "stage 1: IPA page outside the VM" },
			{ "stage 2: leaf frame live",
			  "stage 2: leaf frame unmapped and invalidated by the host",
			  "stage 2: leaf frame freed and reused", "stage 2: leaf frame reassigned",
			  "stage 2: leaf frame outside the pool" },
		},
		[NEST_TABLE] = {
			{ "stage 1: table page live", "stage 1: table page freed by the guest",
			  "stage 1: table page freed and reused by the guest",
			  "stage 1: table page reassigned", "stage 1: table page outside the VM" },
			{ "stage 2: table page's frame live",
			  "stage 2: table page unmapped and invalidated by the host",
			  "stage 2: table page's frame freed and reused",
			  "stage 2: table page's frame reassigned",
			  "stage 2: table page's frame outside the pool" },
		},
		[NEST_WALKED] = {
			{ "stage 1: walked table page live",
			  "stage 1: walked table page freed by the guest",
			  "stage 1: walked table page freed and reused by the guest",
			  "stage 1: walked table page reassigned",
			  "stage 1: walked table page outside the VM" },
			{ "stage 2: walked table page's frame live",
			  "stage 2: walked table page unmapped and invalidated by the host",
			  "stage 2: walked table page's frame freed and reused",
			  "stage 2: walked table page's frame reassigned",
			  "stage 2: walked table page's frame outside the pool" },
		},
	};

	return (unsigned int)verdict <= INVT_MEM_BAD_REF ? why[src][stage - 1][verdict] : "?";
}

/* @n fits @e's kind. */
static bool nest_ok(const struct invt_cache_entry *e, const struct invt_oracle_nest *n)
{
	const unsigned int both = INVT_ORACLE_NEST_S1 | INVT_ORACLE_NEST_S2;

	if ((n->flags & ~both) || (n->nr_tables && !n->tables))
		return false;
	switch (e->kind) {
	case INVT_CACHE_NESTED:
	case INVT_CACHE_ATC:
		return n->flags == both;
	case INVT_CACHE_WALK_S1:
		return n->flags & INVT_ORACLE_NEST_S1;
	default:
		return false;
	}
}

/*
 * The two stages of @n, then its walked table pages: fills @v for the first
 * that fired and returns true, or false when all are live.  Frame checks
 * take the pool's mutex: no oracle lock may be held.
 */
static bool nest_frames(struct invt_oracle *o, const struct vm *g,
			const struct invt_cache_entry *e, const struct invt_oracle_nest *n,
			struct invt_violation *v)
{
	int src = e->kind == INVT_CACHE_WALK_S1 ? NEST_TABLE : NEST_LEAF;
	unsigned int k;

	if ((n->flags & INVT_ORACLE_NEST_S1) && guest_check(g, &n->s1, v) != INVT_MEM_LIVE) {
		v->stage = 1;
		v->why = nest_why(src, 1, (enum invt_mem_verdict)v->verdict);
		return true;
	}
	if ((n->flags & INVT_ORACLE_NEST_S2) && frame_check(o, &n->s2, v) != INVT_MEM_LIVE) {
		v->stage = 2;
		v->why = nest_why(src, 2, (enum invt_mem_verdict)v->verdict);
		return true;
	}
	for (k = 0; k < n->nr_tables; k++) {
		const struct invt_oracle_table_page *t = &n->tables[k];

		v->ipa = t->s1.pa;
		v->pa = t->s2.pa;
		if (guest_check(g, &t->s1, v) != INVT_MEM_LIVE)
			v->stage = 1;
		else if (frame_check(o, &t->s2, v) != INVT_MEM_LIVE)
			v->stage = 2;
		else
			continue;
		v->why = nest_why(NEST_WALKED, v->stage, (enum invt_mem_verdict)v->verdict);
		return true;
	}
	v->verdict = INVT_MEM_LIVE;
	v->freed_at = 0;
	v->ipa = n->s1.pa;
	v->pa = n->flags & INVT_ORACLE_NEST_S2 ? n->s2.pa : 0;
	return false;
}

/*
 * The domain rules of a non-ATC entry: fills @v and returns true when one
 * fired.  Before the frames, as invt_oracle_check_tlb() does: a reused tag
 * can hit entries whose frames are all live.
 */
static bool nest_domains(struct invt_oracle *o, const struct vm *g,
			 const struct invt_oracle_use *use, const struct invt_cache_entry *e,
			 const struct invt_oracle_nest *n, struct invt_violation *v)
{
	if (use->cfg_domain != INVT_MEM_NO_DOMAIN && e->domain != use->cfg_domain) {
		v->stage = 1;
		v->why = "stage 1: entry of another nested domain under the configuration's tags";
		guest_check(g, &n->s1, v);
	} else if (e->domain_s2 != INVT_MEM_NO_DOMAIN && e->domain_s2 != g->parent) {
		v->stage = 2;
		v->why = "stage 2: entry built on another parent than the configuration's";
		v->domain = e->domain_s2;
		v->expected_domain = g->parent;
		if (n->flags & INVT_ORACLE_NEST_S2)
			frame_check(o, &n->s2, v);
		else
			v->verdict = -1;
	} else {
		return false;
	}
	v->kind = INVT_VIOL_WRONG_DOMAIN;
	return true;
}

/*
 * Every rule of @e and @n holds, ATC generation aside: the fast path, which
 * builds no report.  Frame checks take the pool's mutex: no oracle lock may
 * be held.
 */
static bool nest_live(struct invt_oracle *o, const struct vm *g,
		      const struct invt_oracle_use *use, const struct invt_cache_entry *e,
		      const struct invt_oracle_nest *n)
{
	unsigned int k;

	if (e->kind != INVT_CACHE_ATC &&
	    ((use->cfg_domain != INVT_MEM_NO_DOMAIN && e->domain != use->cfg_domain) ||
	     (e->domain_s2 != INVT_MEM_NO_DOMAIN && e->domain_s2 != g->parent)))
		return false;
	if ((n->flags & INVT_ORACLE_NEST_S1) && !guest_live(g, &n->s1))
		return false;
	if ((n->flags & INVT_ORACLE_NEST_S2) &&
	    invt_mem_check(o->mem, &n->s2, NULL) != INVT_MEM_LIVE)
		return false;
	for (k = 0; k < n->nr_tables; k++) {
		if (!guest_live(g, &n->tables[k].s1) ||
		    invt_mem_check(o->mem, &n->tables[k].s2, NULL) != INVT_MEM_LIVE)
			return false;
	}
	return true;
}

int invt_oracle_check_nested(struct invt_oracle *o, const struct invt_oracle_use *use,
			     const struct invt_cache_entry *e, const struct invt_oracle_nest *n)
{
	struct invt_violation v;
	struct attach *a;
	struct vm *g;
	bool stale;

	if (!use || !e || !n || !nest_ok(e, n))
		return -EINVAL;
	a = slot(o, use->instance, use->sid, use->ssid);
	g = vm_get(o, n->vm);
	if (!a || !g)
		return -EINVAL;
	stale = !nest_live(o, g, use, e, n);
	if (!stale && e->kind != INVT_CACHE_ATC)
		return 0;
	if (!stale) {
		struct att_gen gn;

		/* An ATC entry, live: the generation rule as in invt_oracle_check_atc(). */
		att_gen_read(o, a, &gn);
		if (att_gen_current(&gn, e->attach_gen))
			return 0;
	}
	/*
	 * Found stale (or an ATC entry): the report is built by a second look.
	 * Pages and frames do not come back (versions and generations only
	 * grow), except a frame reassigned and then given back to its owner;
	 * if nothing fires again, nothing is recorded.
	 */
	use_fields(&v, INVT_VIOL_STALE_TLB, use);
	entry_fields(&v, e, &n->s2);
	v.vm = n->vm;
	v.ipa = n->s1.pa;
	v.pa = n->flags & INVT_ORACLE_NEST_S2 ? n->s2.pa : 0;
	v.verdict = INVT_MEM_LIVE;
	if (e->kind != INVT_CACHE_ATC) {
		v.expected_domain = use->cfg_domain;
		if (!nest_domains(o, g, use, e, n, &v) && !nest_frames(o, g, e, n, &v))
			return 0;
		v.use_stamp = invt_oracle_stamp(o);
		pthread_mutex_lock(&o->lock);
		record_locked(o, &v);
		pthread_mutex_unlock(&o->lock);
		return v.kind + 1;
	}

	stale = stale && nest_frames(o, g, e, n, &v);
	pthread_mutex_lock(att_lock(o, a));
	/* As in invt_oracle_check_atc(): the generation rule again, under the slot's lock. */
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

int invt_oracle_check_isolation(struct invt_oracle *o, const struct invt_oracle_guest_cmd *c)
{
	struct invt_violation v;
	const char *why = NULL;
	unsigned int i;
	bool own;

	if (!o || !c || c->nr_tags > INVT_ORACLE_MAX_VM_TAGS || (c->nr_devs && !c->devs))
		return -EINVAL;
	if (c->instance != c->home) {
		why = "command on another instance than its viommu's";
	} else {
		for (i = 0, own = false; (c->names & INVT_ORACLE_NAMES_TAG) && i < c->nr_tags; i++)
			own = own || c->tags[i] == c->tag_s2;
		if ((c->names & INVT_ORACLE_NAMES_TAG) && !own)
			why = "stage-2 tag the issuing VM does not own";
		for (i = 0, own = false; (c->names & INVT_ORACLE_NAMES_DEV) && i < c->nr_devs; i++)
			own = own || c->devs[i] == c->dev;
		if (!why && (c->names & INVT_ORACLE_NAMES_DEV) && !own)
			why = "device the issuing VM's viommu does not bind";
	}
	if (!why)
		return 0;
	memset(&v, 0, sizeof(v));
	v.kind = INVT_VIOL_ISOLATION;
	v.instance = c->instance;
	v.sid = c->names & INVT_ORACLE_NAMES_DEV ? c->dev : INVT_CACHE_ID_NONE;
	v.cache = INVT_VIOL_CACHE_COMMAND;
	v.tag_s2 = c->names & INVT_ORACLE_NAMES_TAG ? c->tag_s2 : INVT_CACHE_ID_NONE;
	v.tag_s1 = INVT_CACHE_ID_NONE;
	v.domain = INVT_MEM_NO_DOMAIN;
	v.expected_domain = INVT_MEM_NO_DOMAIN;
	v.verdict = -1;
	v.vm = c->vm;
	v.why = why;
	v.use_stamp = invt_oracle_stamp(o);
	pthread_mutex_lock(&o->lock);
	record_locked(o, &v);
	pthread_mutex_unlock(&o->lock);
	return INVT_VIOL_ISOLATION + 1;
}

/*
 * The stripe this thread counts in, for the oracle of id @id (a thread
 * counts for one oracle at a time in practice; one that moves to another
 * claims a stripe there).  @owned: this thread is the stripe's only writer.
 */
static __thread struct {
	uint64_t id;
	struct cnt_stripe *c;
	bool owned;
} cnt_mine;

static __attribute__((noinline)) void cnt_claim(struct invt_oracle *o)
{
	/* Relaxed: the claim only has to be unique; the stripe is zeroed at create. */
	unsigned int k = __atomic_fetch_add(&o->cnt_claimed, 1, __ATOMIC_RELAXED);

	cnt_mine.owned = k < CNT_OWNED;
	cnt_mine.c = &o->cnt[cnt_mine.owned ? k : CNT_SHARED];
	cnt_mine.id = o->id;
}

/*
 * Add 1 to @ctr of this thread's stripe.  @mo: the ordering of the store
 * (or RMW) that makes the new value visible.  An owned stripe has no other
 * writer, so a relaxed load and a store of the sum lose no count; the
 * store is atomic for the readers in invt_oracle_stats().
 */
#define CNT_ADD(ctr, mo)							\
	do {									\
		uint64_t *p_ = &cnt_mine.c->ctr;				\
										\
		if (cnt_mine.owned)						\
			__atomic_store_n(p_, __atomic_load_n(p_, __ATOMIC_RELAXED) + 1, (mo)); \
		else								\
			__atomic_fetch_add(p_, 1, (mo));			\
	} while (0)

static inline void cnt_here(struct invt_oracle *o)
{
	if (__builtin_expect(cnt_mine.id != o->id, 0))
		cnt_claim(o);
}

void invt_oracle_count_access(struct invt_oracle *o)
{
	cnt_here(o);
	CNT_ADD(accesses, __ATOMIC_RELAXED);
}

void invt_oracle_count_fault(struct invt_oracle *o)
{
	cnt_here(o);
	CNT_ADD(faults, __ATOMIC_RELAXED);
}

void invt_oracle_count_nested_access(struct invt_oracle *o)
{
	cnt_here(o);
	CNT_ADD(accesses, __ATOMIC_RELAXED);
	/*
	 * Release, paired with the acquire loads in invt_oracle_stats(), which
	 * read every stripe's nested_accesses before any stripe's accesses:
	 * on the shared stripe every increment is a release RMW, so a reader
	 * that counts it (reads it or a later RMW of the same counter)
	 * synchronises with it; on an owned stripe the reader that reads this
	 * store (or a later one of the same thread, which is release too)
	 * synchronises with it.  Either way the reader also counts the
	 * increment of accesses above.  Forbids a snapshot with more nested
	 * accesses than accesses.
	 */
	CNT_ADD(nested_accesses, __ATOMIC_RELEASE);
}

void invt_oracle_stats(struct invt_oracle *o, struct invt_oracle_stats *st)
{
	/*
	 * The stripes handed out so far: claims take them in order, the
	 * shared one last (cnt_claim()).  Relaxed: a thread whose claim this
	 * load misses has counted nothing that a snapshot taken a moment
	 * earlier would hold; the run's final statistics are read after the
	 * threads were joined.
	 */
	unsigned int n = __atomic_load_n(&o->cnt_claimed, __ATOMIC_RELAXED), k;

	if (n > CNT_STRIPES)
		n = CNT_STRIPES;
	memset(st, 0, sizeof(*st));
	/* Acquire, before accesses: see invt_oracle_count_nested_access(). */
	for (k = 0; k < n; k++)
		st->nested_accesses += __atomic_load_n(&o->cnt[k].nested_accesses,
						       __ATOMIC_ACQUIRE);
	for (k = 0; k < n; k++) {
		st->accesses += __atomic_load_n(&o->cnt[k].accesses, __ATOMIC_RELAXED);
		st->faults += __atomic_load_n(&o->cnt[k].faults, __ATOMIC_RELAXED);
	}
	pthread_mutex_lock(&o->lock);
	for (k = 0; k < INVT_VIOL_NR; k++)
		st->violations[k] = o->viol[k];
	st->total = o->total;
	pthread_mutex_unlock(&o->lock);
}

uint64_t invt_oracle_total(struct invt_oracle *o)
{
	/*
	 * Relaxed: a count, polled; nothing read after it depends on it (what
	 * it counts is read under @lock, by invt_oracle_reports()).
	 */
	return __atomic_load_n(&o->total, __ATOMIC_RELAXED);
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
		[INVT_VIOL_ISOLATION] = "ISOLATION",
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

/*
 * The frame part of a nested report: "(tags S2/S1) -> ipa I of vm V
 * (verdict) -> frame P", the verdict next to the stage that fired; the
 * frame left out when the entry has none (a walk entry holding an IPA).
 */
static void nested_frame(const struct invt_violation *v, char *buf, size_t len)
{
	char s2[12], s1[12], what[48], pa[32];

	if (v->freed_at)
		snprintf(what, sizeof(what), " (%s, freed at t=%" PRIu64 ")",
			 verdict_name(v->verdict), v->freed_at);
	else
		snprintf(what, sizeof(what), " (%s)", verdict_name(v->verdict));
	pa[0] = '\0';
	if (v->pa)
		snprintf(pa, sizeof(pa), " -> frame 0x%" PRIx64, v->pa);
	snprintf(buf, len, " (tags %s/%s) -> ipa 0x%" PRIx64 " of vm %" PRIu32 "%s%s%s",
		 id_str(s2, v->tag_s2), id_str(s1, v->tag_s1), v->ipa, v->vm,
		 v->stage == 1 ? what : "", pa, v->stage == 1 ? "" : what);
}

int invt_violation_format(const struct invt_violation *v, uint64_t seed, char *buf, size_t len)
{
	char s2[12], s1[12], dom[12], exp[12], frame[192];
	const char *via;
	bool tlb;

	if (v->cache == INVT_VIOL_CACHE_COMMAND)
		return snprintf(buf, len,
				"%s: instance %" PRIu32 " vm %" PRIu32 " tag %s device %s, at t=%"
				PRIu64 " (rule: %s); replay: --seed %" PRIu64,
				invt_violation_name(v->kind), v->instance, v->vm,
				id_str(s2, v->tag_s2), id_str(s1, v->sid), v->use_stamp,
				v->why ? v->why : "?", seed);
	if (v->cache == INVT_VIOL_CACHE_CONFIG) {
		via = "config";
		tlb = false;
		frame[0] = '\0';
	} else if (v->stage) {
		via = invt_cache_kind_name(v->cache);
		tlb = v->cache != INVT_CACHE_ATC;
		nested_frame(v, frame, sizeof(frame));
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
