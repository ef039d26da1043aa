// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * compat-user.c - userspace services behind compat-user.h.
 */
#include "compat-user.h"

#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>

#ifndef NDEBUG
/* Set by invt_rcu_register_thread(), cleared by its undo (compat-user.h). */
__thread bool invt_rcu_registered __attribute__((tls_model("initial-exec")));

void invt_rcu_unregistered(void)
{
	fprintf(stderr, "invtrack: a thread entered an RCU read-side section without "
		"invt_rcu_register_thread(); every thread that invalidates must call it first\n");
	abort();
}
#endif

#ifdef INVT_TSAN
/* Synchronisation object of the grace-period annotation (see compat-user.h). */
char invt_tsan_gp;
#endif

#ifdef INVT_TSAN
struct rcu_sentinel {
	invt_rcu_head_t head;
	int done;
};

static void rcu_sentinel_cb(invt_rcu_head_t *head)
{
	struct rcu_sentinel *s = invt_container_of(head, struct rcu_sentinel, head);

	invt_tsan_gp_acquire();	/* the caller's initialisation of *s, via call_rcu */
	/* Pairs with the acquire in invt_rcu_barrier(): earlier callbacks are done. */
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

void invt_rcu_barrier(void)
{
	struct rcu_sentinel s = { .done = 0 };

	invt_call_rcu(&s.head, rcu_sentinel_cb);
	while (!__atomic_load_n(&s.done, __ATOMIC_ACQUIRE))
		usleep(100);
}
#else
void invt_rcu_barrier(void)
{
	urcu_memb_barrier();
}
#endif

/* Each thread's invalidator-section record (compat-user.h). */
__thread struct invt_reader invt_reader_self __attribute__((tls_model("initial-exec")));

/*
 * The records of the registered threads.  readers_lock protects the list
 * (not the records' state, which only their threads write).
 */
static pthread_mutex_t readers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct invt_reader *readers;

void invt_rcu_register_thread(void)
{
	struct invt_reader *r;

	urcu_memb_register_thread();
	invt_rcu_set_registered(true);
	pthread_mutex_lock(&readers_lock);
	for (r = readers; r && r != &invt_reader_self; r = r->next)
		;
	if (!r) {
		invt_reader_self.next = readers;
		readers = &invt_reader_self;
	}
	pthread_mutex_unlock(&readers_lock);
}

void invt_rcu_unregister_thread(void)
{
	struct invt_reader **p;

	INVT_DEBUG_ASSERT(!(invt_reader_self.state & 1));
	pthread_mutex_lock(&readers_lock);
	for (p = &readers; *p; p = &(*p)->next) {
		if (*p == &invt_reader_self) {
			*p = invt_reader_self.next;
			break;
		}
	}
	pthread_mutex_unlock(&readers_lock);
	invt_rcu_set_registered(false);
	urcu_memb_unregister_thread();
}

void invt_inv_quiesce(const void *key)
{
	struct invt_reader *r;

	pthread_mutex_lock(&readers_lock);
	for (r = readers; r; r = r->next) {
		/* Acquire: pairs with the release stores of invt_inv_enter/exit(). */
		unsigned long s = invt_load_acquire(&r->state);
		const void *k;
		unsigned int spins = 0;

		if (!(s & 1))
			continue;
		k = INVT_READ_ONCE(r->key);
		if (k != key)
			continue;
		/* That section ends in bounded time (it never waits for us). */
		while (invt_load_acquire(&r->state) == s) {
			if (++spins >= 64)
				sched_yield();
		}
	}
	pthread_mutex_unlock(&readers_lock);
}

/* Wait for every section in progress; readers_lock held. */
static void readers_wait_all(void)
{
	struct invt_reader *r;

	for (r = readers; r; r = r->next) {
		/* Acquire: pairs with the release stores of invt_inv_enter/exit(). */
		unsigned long s = invt_load_acquire(&r->state);
		unsigned int spins = 0;

		/* That section ends in bounded time (it never waits for us). */
		while ((s & 1) && invt_load_acquire(&r->state) == s) {
			if (++spins >= 64)
				sched_yield();
		}
	}
}

void invt_inv_quiesce_all(void)
{
	pthread_mutex_lock(&readers_lock);
	readers_wait_all();
	pthread_mutex_unlock(&readers_lock);
}

/*
 * The passes of invt_invs_sections_wait_after(), numbered: @sections_started
 * the last one started, @sections_done the last one finished (both written
 * under readers_lock, read without it).
 */
static unsigned long sections_started;
static unsigned long sections_done;

unsigned long invt_invs_sections_ticket(void)
{
	/* After the caller's full barrier: see invt_invs_sections_wait_after(). */
	return INVT_READ_ONCE(sections_started);
}

void invt_invs_sections_wait_after(unsigned long ticket)
{
	unsigned long pass;

	/*
	 * Acquire: pairs with the release of @sections_done below, so that
	 * what that pass saw (the sections' release exits) comes before the
	 * caller's free.
	 */
	if (invt_load_acquire(&sections_done) > ticket)
		return;
	pthread_mutex_lock(&readers_lock);
	if (INVT_READ_ONCE(sections_done) <= ticket) {
		pass = sections_started + 1;
		INVT_WRITE_ONCE(sections_started, pass);
		/*
		 * Full barrier: this pass's number is stored before its loads of
		 * the records.  Pairs with the full barrier before the ticket's
		 * load (invt_invs_free_rcu(): after the unpublishing store) and
		 * with the fast path's (after a section's entry, before its load
		 * of the array).  Forbidden: a pass numbered above a ticket that
		 * misses a section in progress whose load returned the array
		 * retired before that ticket (a cycle of three from-read edges,
		 * each behind a full barrier).
		 */
		invt_smp_mb();
		readers_wait_all();
		/* Release: pairs with the acquire above. */
		invt_store_release(&sections_done, pass);
	}
	pthread_mutex_unlock(&readers_lock);
}

/* Per-thread fault injection state: countdown to the failing allocation. */
static __thread unsigned int fault_countdown;
static __thread unsigned long alloc_count;

void invt_fault_inject(unsigned int nth)
{
	fault_countdown = nth;
}

int invt_fault_pending(void)
{
	return fault_countdown != 0;
}

unsigned long invt_alloc_count(void)
{
	return alloc_count;
}

void *invt_zalloc(size_t size)
{
	alloc_count++;
	if (fault_countdown && --fault_countdown == 0)
		return NULL;
	return calloc(1, size);
}

void *invt_zalloc_aligned(size_t align, size_t size)
{
	void *p;

	alloc_count++;
	if (fault_countdown && --fault_countdown == 0)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	p = aligned_alloc(align, size);
	if (p)
		memset(p, 0, size);
	return p;
}

void invt_free(void *p)
{
	free(p);
}

#ifdef INVT_ABLATIONS
/* The emulated store buffer of each thread (see invt_sb_store()). */
#define SB_DEPTH 16
static __thread struct {
	uint64_t *p[SB_DEPTH];
	uint64_t v[SB_DEPTH];
	unsigned int n;
} sb;

void invt_sb_drain(void)
{
	unsigned int i;

	for (i = 0; i < sb.n; i++)
		__atomic_store_n(sb.p[i], sb.v[i], __ATOMIC_RELAXED);
	sb.n = 0;
}

static __thread bool sb_pt;

void invt_sb_pt_enable(bool on)
{
	sb_pt = on;
}

bool invt_sb_pt_enabled(void)
{
	return sb_pt;
}

uint64_t invt_sb_load(const uint64_t *p, int order)
{
	unsigned int i = sb.n;

	while (i--)
		if (sb.p[i] == p)
			return sb.v[i];
	return order == __ATOMIC_ACQUIRE ? __atomic_load_n(p, __ATOMIC_ACQUIRE) :
					   __atomic_load_n(p, __ATOMIC_RELAXED);
}

void invt_sb_store(uint64_t *p, uint64_t v)
{
	if (sb.n == SB_DEPTH)
		invt_sb_drain();
	sb.p[sb.n] = p;
	sb.v[sb.n] = v;
	sb.n++;
}
#else
void invt_sb_pt_enable(bool on)
{
	(void)on;
}

bool invt_sb_pt_enabled(void)
{
	return false;
}

uint64_t invt_sb_load(const uint64_t *p, int order)
{
	return order == __ATOMIC_ACQUIRE ? __atomic_load_n(p, __ATOMIC_ACQUIRE) :
					   __atomic_load_n(p, __ATOMIC_RELAXED);
}

void invt_sb_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

void invt_sb_drain(void)
{
}
#endif
