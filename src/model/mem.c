// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * mem.c - simulated physical memory with ownership (see <invtrack/model/mem.h>).
 *
 * Frame metadata lives in an array beside the contents; the free list is a
 * doubly linked list of frame indices (so a contiguous allocation can take
 * frames out of its middle), LIFO.  All metadata is written under mem->lock.
 * What the oracle reads at every check (state, domain, iova, gen and the
 * times) is also read without the lock, through a per-frame sequence count
 * (frame_snapshot()): DMA threads checking translations do not take the
 * pool's mutex that map and unmap hold.
 *
 * Contents are written by the pool only with relaxed atomic 64-bit stores
 * (fill_frame()): a hardware walker or DMA engine may be reading a frame with
 * atomic loads at the moment it is freed or reallocated (that is exactly the
 * bug the oracle exists to report), and the model itself must not turn that
 * into a data race.  Zeroing a table page before it is linked needs nothing
 * more: src/pt links it with a release store that the walkers' acquire
 * loads pair with.
 *
 * Fills are skipped when they would change nothing.  Each frame records
 * whether its contents are known to be all zero, all poison, or possibly
 * written (frame_meta.fill).  A frame is written only through a pointer or
 * call that names an address inside it: invt_mem_va(), the pt ops'
 * table_va and invt_mem_write64() mark that frame possibly written first.
 * TABLE and OTHER frames are marked on allocation anyway (their owners write
 * them, and a pointer to a multi-frame OTHER run reaches past its first
 * frame); DATA frames, which the model never writes, keep their known fill
 * from free to allocation to free, so that map/unmap of data pages fills
 * nothing when the poison byte is 0.  The contents every reader sees are
 * exactly those of filling on every allocation and free.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <invtrack/model/mem.h>

#define NONE UINT32_MAX
#define WORDS_PER_FRAME (INVT_MEM_FRAME_SIZE / sizeof(uint64_t))

/* What a frame's contents are known to be (frame_meta.fill). */
enum frame_fill {
	FILL_WRITTEN,		/* possibly written since the last fill */
	FILL_ZERO,		/* all zero */
	FILL_POISON,		/* all the poison byte (non-zero) */
};

struct frame_meta {
	/*
	 * Odd while the fields below up to free_time change (under the lock);
	 * each change adds 2.  Those fields are stored with release and read
	 * with acquire by frame_snapshot(), which retries when the count
	 * moved: see meta_begin().
	 */
	uint32_t seq;
	uint8_t state;		/* enum invt_frame_state */
	uint8_t fill;		/* enum frame_fill; atomic: marked without the lock */
	bool in_chain;
	uint32_t domain;
	uint64_t iova;
	uint64_t gen;
	uint64_t alloc_time;
	uint64_t free_time;
	uint32_t prev, next;	/* free list, while FREE */
	uint32_t chain_next;	/* chain, while in_chain */
};

struct invt_mem {
	pthread_mutex_t lock;
	uint64_t base;
	size_t nr;
	uint8_t poison;
	uint64_t (*clock)(void *arg);
	void *clock_arg;
	uint64_t *contents;		/* nr frames */
	uint64_t *zero_page;		/* table_va outside the pool */
	struct frame_meta *meta;
	uint64_t *free_map;		/* bit i: frame i is FREE (on the free list) */
	uint32_t free_head;
	uint64_t events;		/* internal clock */
	unsigned int fail_nth;		/* 0: disarmed */
	size_t nr_state[4];
	uint64_t allocs, frees, failed, injected, bad_frees, bad_table_va;
};

/*
 * Start changing @f's snapshot fields (with mem->lock held).  The odd count
 * is stored before any field: each field store is a release, so a reader
 * whose acquire load of a field sees the new value then sees the count
 * moved (frame_snapshot() reads it again after the fields).
 */
static void meta_begin(struct frame_meta *f)
{
	__atomic_store_n(&f->seq, f->seq + 1, __ATOMIC_RELAXED);
}

/* Release: every field store before the even count; pairs with the reader's acquire. */
static void meta_end(struct frame_meta *f)
{
	__atomic_store_n(&f->seq, f->seq + 1, __ATOMIC_RELEASE);
}

#define META_SET(f, field, v) __atomic_store_n(&(f)->field, (v), __ATOMIC_RELEASE)

static uint64_t frame_pa(const struct invt_mem *mem, uint32_t i)
{
	return mem->base + ((uint64_t)i << INVT_MEM_FRAME_SHIFT);
}

/* Index of the frame holding @pa, or NONE. */
static uint32_t frame_idx(const struct invt_mem *mem, uint64_t pa)
{
	uint64_t off;

	if (pa < mem->base)
		return NONE;
	off = (pa - mem->base) >> INVT_MEM_FRAME_SHIFT;
	return off < mem->nr ? (uint32_t)off : NONE;
}

/* Index of the frame starting exactly at @pa, or NONE. */
static uint32_t frame_idx_exact(const struct invt_mem *mem, uint64_t pa)
{
	if (pa & (INVT_MEM_FRAME_SIZE - 1))
		return NONE;
	return frame_idx(mem, pa);
}

static uint64_t *frame_words(const struct invt_mem *mem, uint32_t i)
{
	return mem->contents + (size_t)i * WORDS_PER_FRAME;
}

static void fill_frame(struct invt_mem *mem, uint32_t i, uint8_t byte)
{
	uint64_t *w = frame_words(mem, i);
	uint64_t v = UINT64_C(0x0101010101010101) * byte;
	size_t k;

	/* Unrolled: the loop's own compare and branch were as many as the stores. */
#pragma GCC unroll 8
	for (k = 0; k < WORDS_PER_FRAME; k++)
		__atomic_store_n(&w[k], v, __ATOMIC_RELAXED);
}

static enum frame_fill fill_of_byte(uint8_t byte)
{
	return byte ? FILL_POISON : FILL_ZERO;
}

static enum frame_fill frame_fill(const struct invt_mem *mem, uint32_t i)
{
	return (enum frame_fill)__atomic_load_n(&mem->meta[i].fill, __ATOMIC_RELAXED);
}

static void set_frame_fill(struct invt_mem *mem, uint32_t i, enum frame_fill fill)
{
	__atomic_store_n(&mem->meta[i].fill, (uint8_t)fill, __ATOMIC_RELAXED);
}

/*
 * Called with the lock held: make frame @i's contents all @byte, filling
 * only when they may be anything else.  The mark read here was stored by
 * whoever wrote the frame before the writes themselves (mark_written()), so
 * it is ordered before this call by whatever ordered those writes before
 * the free or allocation (the owner's own program order, or the lock and
 * RCU hand-offs of the frame).
 */
static void fill_frame_lazy(struct invt_mem *mem, uint32_t i, uint8_t byte)
{
	if (frame_fill(mem, i) != fill_of_byte(byte))
		fill_frame(mem, i, byte);
	set_frame_fill(mem, i, fill_of_byte(byte));
}

/* Frame @i may be written through what the caller is handed. */
static void mark_written(struct invt_mem *mem, uint32_t i)
{
	if (frame_fill(mem, i) != FILL_WRITTEN)
		set_frame_fill(mem, i, FILL_WRITTEN);
}

/* Called with the lock held. */
static uint64_t tick(struct invt_mem *mem)
{
	if (mem->clock)
		return mem->clock(mem->clock_arg);
	return ++mem->events;
}

static void free_list_push(struct invt_mem *mem, uint32_t i)
{
	struct frame_meta *f = &mem->meta[i];

	mem->free_map[i / 64] |= UINT64_C(1) << (i % 64);
	f->prev = NONE;
	f->next = mem->free_head;
	if (mem->free_head != NONE)
		mem->meta[mem->free_head].prev = i;
	mem->free_head = i;
}

static void free_list_del(struct invt_mem *mem, uint32_t i)
{
	struct frame_meta *f = &mem->meta[i];

	mem->free_map[i / 64] &= ~(UINT64_C(1) << (i % 64));
	if (f->prev != NONE)
		mem->meta[f->prev].next = f->next;
	else
		mem->free_head = f->next;
	if (f->next != NONE)
		mem->meta[f->next].prev = f->prev;
	f->prev = f->next = NONE;
}

int invt_mem_create(const struct invt_mem_config *cfg, struct invt_mem **memp)
{
	struct invt_mem *mem;
	uint64_t base;
	size_t i;

	if (!cfg || !memp)
		return -EINVAL;
	base = cfg->base ? cfg->base : INVT_MEM_DEFAULT_BASE;
	if ((base & (INVT_MEM_FRAME_SIZE - 1)) || cfg->nr_frames == 0 ||
	    cfg->nr_frames >= NONE)
		return -EINVAL;
	/* The last frame must end at or below 2^64. */
	if ((uint64_t)cfg->nr_frames > (UINT64_MAX - base) / INVT_MEM_FRAME_SIZE + 1 ||
	    (uint64_t)cfg->nr_frames > SIZE_MAX / INVT_MEM_FRAME_SIZE)
		return -EINVAL;

	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	mem->base = base;
	mem->nr = cfg->nr_frames;
	mem->poison = cfg->poison;
	mem->clock = cfg->clock;
	mem->clock_arg = cfg->clock_arg;
	/*
	 * Anonymous pages: zero, page aligned, and faulted in only when a frame
	 * is first touched, so that a large pool costs nothing up front when
	 * the poison byte is 0.
	 */
	mem->contents = mmap(NULL, mem->nr * INVT_MEM_FRAME_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem->contents == MAP_FAILED)
		mem->contents = NULL;
	mem->zero_page = aligned_alloc(INVT_MEM_FRAME_SIZE, INVT_MEM_FRAME_SIZE);
	mem->meta = calloc(mem->nr, sizeof(*mem->meta));
	mem->free_map = calloc((mem->nr + 63) / 64, sizeof(*mem->free_map));
	if (!mem->contents || !mem->zero_page || !mem->meta || !mem->free_map ||
	    pthread_mutex_init(&mem->lock, NULL)) {
		if (mem->contents)
			munmap(mem->contents, mem->nr * INVT_MEM_FRAME_SIZE);
		free(mem->zero_page);
		free(mem->meta);
		free(mem->free_map);
		free(mem);
		return -ENOMEM;
	}
	if (cfg->poison)
		memset(mem->contents, cfg->poison, mem->nr * INVT_MEM_FRAME_SIZE);
	memset(mem->zero_page, 0, INVT_MEM_FRAME_SIZE);
	/* Pushed in reverse so that the first allocations get the lowest frames. */
	mem->free_head = NONE;
	for (i = mem->nr; i-- > 0;) {
		mem->meta[i].state = INVT_FRAME_FREE;
		mem->meta[i].domain = INVT_MEM_NO_DOMAIN;
		mem->meta[i].chain_next = NONE;
		mem->meta[i].fill = fill_of_byte(cfg->poison);
		free_list_push(mem, (uint32_t)i);
	}
	mem->nr_state[INVT_FRAME_FREE] = mem->nr;
	*memp = mem;
	return 0;
}

void invt_mem_destroy(struct invt_mem *mem)
{
	if (!mem)
		return;
	pthread_mutex_destroy(&mem->lock);
	munmap(mem->contents, mem->nr * INVT_MEM_FRAME_SIZE);
	free(mem->zero_page);
	free(mem->meta);
	free(mem->free_map);
	free(mem);
}

uint64_t invt_mem_base(const struct invt_mem *mem)
{
	return mem->base;
}

size_t invt_mem_nr_frames(const struct invt_mem *mem)
{
	return mem->nr;
}

uint64_t invt_mem_now(struct invt_mem *mem)
{
	uint64_t t;

	pthread_mutex_lock(&mem->lock);
	t = mem->clock ? mem->clock(mem->clock_arg) : mem->events;
	pthread_mutex_unlock(&mem->lock);
	return t;
}

void invt_mem_fail_nth(struct invt_mem *mem, unsigned int nth)
{
	pthread_mutex_lock(&mem->lock);
	mem->fail_nth = nth;
	pthread_mutex_unlock(&mem->lock);
}

static bool alloc_state_ok(enum invt_frame_state state)
{
	return state == INVT_FRAME_TABLE || state == INVT_FRAME_DATA || state == INVT_FRAME_OTHER;
}

/* Called with the lock held: true when this allocation call must fail. */
static bool inject(struct invt_mem *mem)
{
	if (!mem->fail_nth || --mem->fail_nth)
		return false;
	mem->injected++;
	mem->failed++;
	return true;
}

/* Called with the lock held, on a frame just taken off the free list. */
static void take(struct invt_mem *mem, uint32_t i, enum invt_frame_state state, uint32_t domain,
		 uint64_t iova, uint64_t now)
{
	struct frame_meta *f = &mem->meta[i];

	fill_frame_lazy(mem, i, 0);
	/* Owners of TABLE and OTHER frames write them (see the top). */
	if (state != INVT_FRAME_DATA)
		set_frame_fill(mem, i, FILL_WRITTEN);
	meta_begin(f);
	META_SET(f, state, (uint8_t)state);
	META_SET(f, domain, state == INVT_FRAME_OTHER ? INVT_MEM_NO_DOMAIN : domain);
	META_SET(f, iova, state == INVT_FRAME_DATA ? iova : 0);
	META_SET(f, alloc_time, now);
	meta_end(f);
	mem->nr_state[INVT_FRAME_FREE]--;
	mem->nr_state[state]++;
	mem->allocs++;
}

int invt_mem_alloc(struct invt_mem *mem, enum invt_frame_state state, uint32_t domain,
		   uint64_t iova, uint64_t *pa)
{
	uint32_t i;

	if (!alloc_state_ok(state) || !pa)
		return -EINVAL;
	if (state == INVT_FRAME_DATA && (iova & (INVT_MEM_FRAME_SIZE - 1)))
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	if (inject(mem)) {
		pthread_mutex_unlock(&mem->lock);
		return -ENOMEM;
	}
	if (mem->free_head == NONE) {
		mem->failed++;
		pthread_mutex_unlock(&mem->lock);
		return -ENOMEM;
	}
	i = mem->free_head;
	free_list_del(mem, i);
	take(mem, i, state, domain, iova, tick(mem));
	pthread_mutex_unlock(&mem->lock);
	*pa = frame_pa(mem, i);
	return 0;
}

/* Called with the lock held: frames [@start, @start + @nr) are all FREE. */
static bool frames_free(const struct invt_mem *mem, size_t start, size_t nr)
{
	size_t i = start, end = start + nr;

	/* The free map a word at a time, not each frame's metadata. */
	while (i < end) {
		size_t b = i % 64, n = end - i < 64 - b ? end - i : 64 - b;
		uint64_t mask = (n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << b;

		if ((mem->free_map[i / 64] & mask) != mask)
			return false;
		i += n;
	}
	return true;
}

int invt_mem_alloc_contig(struct invt_mem *mem, size_t nr, enum invt_frame_state state,
			  uint32_t domain, uint64_t iova, uint64_t *pa)
{
	uint64_t bytes, now;
	size_t start, k;

	if (!alloc_state_ok(state) || !nr || (nr & (nr - 1)) || nr > mem->nr || !pa)
		return -EINVAL;
	bytes = (uint64_t)nr << INVT_MEM_FRAME_SHIFT;
	if (state == INVT_FRAME_DATA && ((iova & (bytes - 1)) || iova + (bytes - 1) < iova))
		return -EINVAL;
	if (state != INVT_FRAME_DATA)
		iova = 0;

	pthread_mutex_lock(&mem->lock);
	if (inject(mem))
		goto nomem;
	/* First frame whose physical address is aligned to the run's size. */
	start = (size_t)((((mem->base + bytes - 1) & ~(bytes - 1)) - mem->base) >>
			 INVT_MEM_FRAME_SHIFT);
	for (; start + nr <= mem->nr && start + nr > start; start += nr) {
		if (!frames_free(mem, start, nr))
			continue;
		now = tick(mem);
		for (k = 0; k < nr; k++) {
			free_list_del(mem, (uint32_t)(start + k));
			take(mem, (uint32_t)(start + k), state, domain,
			     iova + ((uint64_t)k << INVT_MEM_FRAME_SHIFT), now);
		}
		pthread_mutex_unlock(&mem->lock);
		*pa = frame_pa(mem, (uint32_t)start);
		return 0;
	}
	mem->failed++;
nomem:
	pthread_mutex_unlock(&mem->lock);
	return -ENOMEM;
}

/* Called with the lock held. */
static bool can_free(const struct invt_mem *mem, uint32_t i)
{
	return i != NONE && mem->meta[i].state != INVT_FRAME_FREE && !mem->meta[i].in_chain;
}

/* Called with the lock held, on a frame can_free() accepted. */
static void release(struct invt_mem *mem, uint32_t i, uint64_t now)
{
	struct frame_meta *f = &mem->meta[i];

	mem->nr_state[f->state]--;
	mem->nr_state[INVT_FRAME_FREE]++;
	meta_begin(f);
	META_SET(f, state, INVT_FRAME_FREE);
	META_SET(f, domain, INVT_MEM_NO_DOMAIN);
	META_SET(f, iova, 0);
	META_SET(f, gen, f->gen + 1);
	META_SET(f, free_time, now);
	meta_end(f);
	fill_frame_lazy(mem, i, mem->poison);
	free_list_push(mem, i);
	mem->frees++;
}

int invt_mem_free(struct invt_mem *mem, uint64_t pa)
{
	uint32_t i = frame_idx_exact(mem, pa);
	int ret = -EINVAL;

	pthread_mutex_lock(&mem->lock);
	if (can_free(mem, i)) {
		release(mem, i, tick(mem));
		ret = 0;
	} else {
		mem->bad_frees++;
	}
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

int invt_mem_free_contig(struct invt_mem *mem, uint64_t pa, size_t nr)
{
	uint32_t first = frame_idx_exact(mem, pa);
	uint64_t now;
	size_t k;

	if (first == NONE || !nr || nr > mem->nr - first) {
		pthread_mutex_lock(&mem->lock);
		mem->bad_frees++;
		pthread_mutex_unlock(&mem->lock);
		return -EINVAL;
	}
	pthread_mutex_lock(&mem->lock);
	for (k = 0; k < nr; k++) {
		if (!can_free(mem, (uint32_t)(first + k))) {
			mem->bad_frees++;
			pthread_mutex_unlock(&mem->lock);
			return -EINVAL;
		}
	}
	now = tick(mem);
	for (k = 0; k < nr; k++)
		release(mem, (uint32_t)(first + k), now);
	pthread_mutex_unlock(&mem->lock);
	return 0;
}

int invt_mem_set_owner(struct invt_mem *mem, uint64_t pa, enum invt_frame_state state,
		       uint32_t domain, uint64_t iova)
{
	uint32_t i = frame_idx_exact(mem, pa);
	struct frame_meta *f;
	int ret = -EINVAL;

	if (i == NONE || !alloc_state_ok(state) ||
	    (state == INVT_FRAME_DATA && (iova & (INVT_MEM_FRAME_SIZE - 1))))
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	f = &mem->meta[i];
	if (f->state != INVT_FRAME_FREE) {
		if (state != INVT_FRAME_DATA)
			set_frame_fill(mem, i, FILL_WRITTEN);
		mem->nr_state[f->state]--;
		mem->nr_state[state]++;
		meta_begin(f);
		META_SET(f, state, (uint8_t)state);
		META_SET(f, domain, state == INVT_FRAME_OTHER ? INVT_MEM_NO_DOMAIN : domain);
		META_SET(f, iova, state == INVT_FRAME_DATA ? iova : 0);
		meta_end(f);
		ret = 0;
	}
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

/* One try at frame_snapshot(): false when a change was under way or happened meanwhile. */
static inline bool frame_snapshot_try(const struct frame_meta *f, struct invt_frame_info *info)
{
	uint32_t s = __atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);

	if (s & 1)
		return false;
	info->state = (enum invt_frame_state)__atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
	info->domain = __atomic_load_n(&f->domain, __ATOMIC_ACQUIRE);
	info->iova = __atomic_load_n(&f->iova, __ATOMIC_ACQUIRE);
	info->gen = __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
	info->alloc_time = __atomic_load_n(&f->alloc_time, __ATOMIC_ACQUIRE);
	info->free_time = __atomic_load_n(&f->free_time, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&f->seq, __ATOMIC_RELAXED) == s;
}

/* frame_snapshot() once the first try failed: retry, yielding after a while. */
static __attribute__((noinline)) void frame_snapshot_retry(const struct frame_meta *f,
							   struct invt_frame_info *info)
{
	unsigned int spins;

	for (spins = 1;; spins++) {
		/* The writer holds the lock for a few stores; it may be preempted. */
		if (spins > 64)
			sched_yield();
		if (frame_snapshot_try(f, info))
			return;
	}
}

/*
 * A consistent copy of frame @i's snapshot fields, with or without the
 * lock: retried while a change is under way or happened meanwhile.
 * Acquire loads: pair with the release stores of meta_begin() / META_SET /
 * meta_end(), so a copy never mixes two changes.
 */
static inline void frame_snapshot(const struct invt_mem *mem, uint32_t i,
				  struct invt_frame_info *info)
{
	const struct frame_meta *f = &mem->meta[i];

	/* Inline: nearly every read finds no change under way. */
	if (!frame_snapshot_try(f, info))
		frame_snapshot_retry(f, info);
}

int invt_mem_info(struct invt_mem *mem, uint64_t pa, struct invt_frame_info *info)
{
	uint32_t i = frame_idx(mem, pa);

	if (i == NONE)
		return -EINVAL;
	frame_snapshot(mem, i, info);
	return 0;
}

int invt_mem_ref(struct invt_mem *mem, uint64_t pa, struct invt_frame_ref *ref)
{
	struct invt_frame_info info;
	uint32_t i = frame_idx(mem, pa);

	if (i == NONE) {
		*ref = (struct invt_frame_ref){ .pa = pa, .state = INVT_FRAME_FREE,
						.domain = INVT_MEM_NO_DOMAIN };
		return -EINVAL;
	}
	frame_snapshot(mem, i, &info);
	ref->pa = frame_pa(mem, i);
	ref->state = info.state;
	ref->domain = info.domain;
	ref->iova = info.iova;
	ref->gen = info.gen;
	return 0;
}

enum invt_mem_verdict invt_mem_check(struct invt_mem *mem, const struct invt_frame_ref *ref,
				     struct invt_frame_info *now)
{
	struct invt_frame_info own, *info = now ? now : &own;
	uint32_t i = frame_idx_exact(mem, ref->pa);

	if (i == NONE) {
		memset(info, 0, sizeof(*info));
		return INVT_MEM_BAD_REF;
	}
	/* Straight into @now: this runs for every cached entry a translation uses. */
	frame_snapshot(mem, i, info);
	if (info->gen != ref->gen)
		return info->state == INVT_FRAME_FREE ? INVT_MEM_FREED : INVT_MEM_REUSED;
	if (info->state != ref->state || info->domain != ref->domain || info->iova != ref->iova)
		return INVT_MEM_CHANGED;
	return INVT_MEM_LIVE;
}

void *invt_mem_va(struct invt_mem *mem, uint64_t pa)
{
	uint32_t i = frame_idx(mem, pa);

	if (i == NONE)
		return NULL;
	mark_written(mem, i);
	return (char *)mem->contents + (pa - mem->base);
}

int invt_mem_read64(struct invt_mem *mem, uint64_t pa, uint64_t *val)
{
	uint32_t i = frame_idx(mem, pa);
	uint64_t *p;

	if ((pa & 7) || i == NONE)
		return -EFAULT;
	/* A read: the frame's fill stays what it was. */
	p = (uint64_t *)(void *)((char *)mem->contents + (pa - mem->base));
	*val = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

int invt_mem_write64(struct invt_mem *mem, uint64_t pa, uint64_t val)
{
	uint64_t *p;

	if (pa & 7)
		return -EFAULT;
	p = invt_mem_va(mem, pa);
	if (!p)
		return -EFAULT;
	__atomic_store_n(p, val, __ATOMIC_RELAXED);
	return 0;
}

void invt_mem_stats(struct invt_mem *mem, struct invt_mem_stats *st)
{
	pthread_mutex_lock(&mem->lock);
	st->nr_frames = mem->nr;
	st->nr_free = mem->nr_state[INVT_FRAME_FREE];
	st->nr_table = mem->nr_state[INVT_FRAME_TABLE];
	st->nr_data = mem->nr_state[INVT_FRAME_DATA];
	st->nr_other = mem->nr_state[INVT_FRAME_OTHER];
	st->allocs = mem->allocs;
	st->frees = mem->frees;
	st->failed = mem->failed;
	st->injected = mem->injected;
	st->bad_frees = mem->bad_frees;
	st->bad_table_va = __atomic_load_n(&mem->bad_table_va, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&mem->lock);
}

void invt_mem_chain_init(struct invt_mem_chain *chain)
{
	chain->head = NONE;
	chain->count = 0;
}

/* Called with the lock held: put frame @i on @chain if can_free() accepts it. */
static int chain_add_locked(struct invt_mem *mem, struct invt_mem_chain *chain, uint32_t i)
{
	if (!can_free(mem, i))
		return -EINVAL;
	mem->meta[i].in_chain = true;
	mem->meta[i].chain_next = chain->head;
	chain->head = i;
	chain->count++;
	return 0;
}

int invt_mem_chain_add(struct invt_mem *mem, struct invt_mem_chain *chain, uint64_t pa)
{
	uint32_t i = frame_idx_exact(mem, pa);
	int ret;

	pthread_mutex_lock(&mem->lock);
	ret = chain_add_locked(mem, chain, i);
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

size_t invt_mem_chain_add_range(struct invt_mem *mem, struct invt_mem_chain *chain, uint64_t pa,
				size_t nr)
{
	size_t k, left_out = 0;

	pthread_mutex_lock(&mem->lock);
	for (k = 0; k < nr; k++) {
		uint64_t a = pa + ((uint64_t)k << INVT_MEM_FRAME_SHIFT);

		if (chain_add_locked(mem, chain, frame_idx_exact(mem, a)))
			left_out++;
	}
	pthread_mutex_unlock(&mem->lock);
	return left_out;
}

size_t invt_mem_chain_free(struct invt_mem *mem, struct invt_mem_chain *chain)
{
	size_t n = 0;
	uint64_t now;
	uint32_t i;

	pthread_mutex_lock(&mem->lock);
	now = tick(mem);
	while ((i = chain->head) != NONE) {
		chain->head = mem->meta[i].chain_next;
		mem->meta[i].chain_next = NONE;
		mem->meta[i].in_chain = false;
		release(mem, i, now);
		n++;
	}
	chain->count = 0;
	pthread_mutex_unlock(&mem->lock);
	return n;
}

/* ---- struct invt_pt_ops over the pool ---- */

static struct invt_mem_pt_ops *to_mem_ops(struct invt_pt_ops *ops)
{
	return (struct invt_mem_pt_ops *)((char *)ops - offsetof(struct invt_mem_pt_ops, ops));
}

static int mem_alloc_table(struct invt_pt_ops *ops, uint64_t *pa)
{
	struct invt_mem_pt_ops *o = to_mem_ops(ops);

	return invt_mem_alloc(o->mem, INVT_FRAME_TABLE, o->domain, 0, pa);
}

static void mem_free_table(struct invt_pt_ops *ops, uint64_t pa)
{
	struct invt_mem_pt_ops *o = to_mem_ops(ops);

	if (invt_mem_free(o->mem, pa))
		__atomic_fetch_add(&o->errors, 1, __ATOMIC_RELAXED);
}

/* A root of @pages TABLE frames, aligned to its size (RISC-V SvNNx4). */
static int mem_alloc_root(struct invt_pt_ops *ops, unsigned int pages, uint64_t *pa)
{
	struct invt_mem_pt_ops *o = to_mem_ops(ops);

	return invt_mem_alloc_contig(o->mem, pages, INVT_FRAME_TABLE, o->domain, 0, pa);
}

static void mem_free_root(struct invt_pt_ops *ops, uint64_t pa, unsigned int pages)
{
	struct invt_mem_pt_ops *o = to_mem_ops(ops);

	if (invt_mem_free_contig(o->mem, pa, pages))
		__atomic_fetch_add(&o->errors, 1, __ATOMIC_RELAXED);
}

static uint64_t *mem_table_va(struct invt_pt_ops *ops, uint64_t pa)
{
	struct invt_mem_pt_ops *o = to_mem_ops(ops);
	struct invt_mem *mem = o->mem;
	uint32_t i = frame_idx_exact(mem, pa);

	if (i == NONE) {
		__atomic_fetch_add(&o->errors, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&mem->bad_table_va, 1, __ATOMIC_RELAXED);
		return mem->zero_page;
	}
	mark_written(mem, i);
	return frame_words(mem, i);
}

void invt_mem_pt_ops_init(struct invt_mem_pt_ops *o, struct invt_mem *mem, uint32_t domain)
{
	o->ops.alloc_table = mem_alloc_table;
	o->ops.free_table = mem_free_table;
	o->ops.table_va = mem_table_va;
	o->ops.alloc_root = mem_alloc_root;
	o->ops.free_root = mem_free_root;
	o->mem = mem;
	o->domain = domain;
	o->errors = 0;
}
