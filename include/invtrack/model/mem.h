/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/mem.h - the model's simulated physical memory (userspace).
 *
 * A fixed pool of 4 KiB frames at consecutive physical addresses from a base.
 * Each frame's contents are host memory; each frame also has metadata for the
 * oracle (docs/design.md §8):
 *  - its state: FREE, TABLE (a page-table page of a domain), DATA (owned by
 *    (domain, iova page) from map until the unmap's invalidation completed)
 *    or OTHER (allocated for something else: queues, configuration tables);
 *  - a generation, incremented every time the frame is freed, so a cached
 *    translation that recorded (pa, generation, owner) when it was filled can
 *    later ask "is this still the same allocation of the same owner?"
 *    (invt_mem_ref() at fill time, invt_mem_check() at use);
 *  - when it was last allocated and freed (a logical clock), for reports.
 *
 * Allocation takes frames from a LIFO free list (the frame freed last is
 * reused first, which is what makes stale translations observable), under
 * the pool's mutex.  Contiguous, naturally aligned runs (for 2 MiB / 1 GiB
 * leaves) are found by a scan.
 *
 * Concurrency: every function may be called from any thread.  Metadata is
 * read and written under the pool's mutex; the mutex is never held while
 * calling out, except for the optional clock callback, which must not call
 * back into the pool.  Callers may hold their own locks (a cache lock) while
 * calling in: the pool's mutex is always the innermost lock.  Frame contents
 * are reached without the mutex: invt_mem_va() and the pt ops' table_va are
 * arithmetic on the fixed frame array, and the pool itself only ever writes
 * contents with relaxed 64-bit atomic stores (zeroing on allocation,
 * poisoning on free), so hardware-side readers that use atomic loads
 * (invt_mem_read64(), invt_pt_hw_walk()) never race with plain writes.
 *
 * There is no global state: everything hangs off the struct invt_mem the
 * caller creates.  Errors are negative errno values.
 */
#ifndef INVTRACK_MODEL_MEM_H
#define INVTRACK_MODEL_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/pt.h>

#define INVT_MEM_FRAME_SHIFT 12
#define INVT_MEM_FRAME_SIZE (UINT64_C(1) << INVT_MEM_FRAME_SHIFT)
/* Physical address of the first frame when the configuration leaves it 0. */
#define INVT_MEM_DEFAULT_BASE UINT64_C(0x80000000)
/* Owner domain of a frame that has none (FREE, OTHER). */
#define INVT_MEM_NO_DOMAIN UINT32_MAX

struct invt_mem;

/**
 * enum invt_frame_state - what a frame is used for.
 * @INVT_FRAME_FREE: on the free list.
 * @INVT_FRAME_TABLE: a page-table page of a domain.
 * @INVT_FRAME_DATA: a data page owned by (domain, iova page).
 * @INVT_FRAME_OTHER: allocated, no owner the oracle knows of.
 */
enum invt_frame_state {
	INVT_FRAME_FREE,
	INVT_FRAME_TABLE,
	INVT_FRAME_DATA,
	INVT_FRAME_OTHER,
};

/**
 * struct invt_mem_config - creation parameters of a pool.
 * @base: physical address of frame 0; 4 KiB aligned; 0 means
 *	INVT_MEM_DEFAULT_BASE.  Align it to the largest block you will
 *	allocate with invt_mem_alloc_contig() (the default is 1 GiB aligned).
 * @nr_frames: number of frames, at least 1, at most UINT32_MAX - 1.
 * @poison: byte written over a frame's contents when it is freed, so that a
 *	hardware walk through a freed table page reads garbage rather than the
 *	old entries.  Allocation always zeroes.
 * @clock: optional logical clock for the alloc/free times of frames; called
 *	with the pool's mutex held, so it must not call into the pool.  NULL: an
 *	internal counter that advances by one on every allocation and free.
 * @clock_arg: argument of @clock.
 */
struct invt_mem_config {
	uint64_t base;
	size_t nr_frames;
	uint8_t poison;
	uint64_t (*clock)(void *arg);
	void *clock_arg;
};

/**
 * struct invt_frame_info - one frame's metadata, as a snapshot.
 * @state: its state.
 * @domain: owner domain (TABLE, DATA), else INVT_MEM_NO_DOMAIN.
 * @iova: the iova page it backs (DATA: page aligned), else 0.
 * @gen: its generation: the number of times it was freed.
 * @alloc_time: clock value of its last allocation (0: never allocated).
 * @free_time: clock value of its last free (0: never freed).
 */
struct invt_frame_info {
	enum invt_frame_state state;
	uint32_t domain;
	uint64_t iova;
	uint64_t gen;
	uint64_t alloc_time;
	uint64_t free_time;
};

/**
 * struct invt_frame_ref - what a cached translation remembers of a frame.
 * @pa: the frame's physical address (page aligned).
 * @state: its state when the reference was taken.
 * @domain: its owner domain then.
 * @iova: its iova page then.
 * @gen: its generation then.
 *
 * Plain data: copy it into cache entries, compare it later with
 * invt_mem_check().
 */
struct invt_frame_ref {
	uint64_t pa;
	enum invt_frame_state state;
	uint32_t domain;
	uint64_t iova;
	uint64_t gen;
};

/**
 * enum invt_mem_verdict - what became of a referenced frame.
 * @INVT_MEM_LIVE: same generation, state and owner: the reference is valid.
 * @INVT_MEM_FREED: the frame was freed since and is free now.
 * @INVT_MEM_REUSED: the frame was freed since and allocated again.
 * @INVT_MEM_CHANGED: never freed, but its state or owner was changed by
 *	invt_mem_set_owner().
 * @INVT_MEM_BAD_REF: the reference names no frame of this pool.
 */
enum invt_mem_verdict {
	INVT_MEM_LIVE,
	INVT_MEM_FREED,
	INVT_MEM_REUSED,
	INVT_MEM_CHANGED,
	INVT_MEM_BAD_REF,
};

/**
 * struct invt_mem_stats - counters of a pool.
 * @nr_frames: frames in the pool.
 * @nr_free: frames on the free list.
 * @nr_table: frames in state TABLE.
 * @nr_data: frames in state DATA.
 * @nr_other: frames in state OTHER.
 * @allocs: frames allocated (a contiguous run counts its frames).
 * @frees: frames freed.
 * @failed: allocation calls that failed (exhaustion or injected).
 * @injected: of which injected by invt_mem_fail_nth().
 * @bad_frees: frees refused: not a frame of the pool, or already free.
 * @bad_table_va: table_va calls with an address outside the pool.
 */
struct invt_mem_stats {
	size_t nr_frames;
	size_t nr_free;
	size_t nr_table;
	size_t nr_data;
	size_t nr_other;
	uint64_t allocs;
	uint64_t frees;
	uint64_t failed;
	uint64_t injected;
	uint64_t bad_frees;
	uint64_t bad_table_va;
};

/**
 * invt_mem_create() - create a pool.
 * @cfg: its parameters (copied).
 * @memp: out: the pool.
 *
 * Return: 0; -EINVAL for a bad configuration (unaligned base, no frames, a
 * range past 2^64); -ENOMEM.
 */
int invt_mem_create(const struct invt_mem_config *cfg, struct invt_mem **memp);

/**
 * invt_mem_destroy() - free a pool and all its frames.
 * @mem: the pool, or NULL.  No other thread may use it any more.
 */
void invt_mem_destroy(struct invt_mem *mem);

/**
 * invt_mem_base() - physical address of the first frame.
 * @mem: the pool.
 *
 * Return: the base.
 */
uint64_t invt_mem_base(const struct invt_mem *mem);

/**
 * invt_mem_nr_frames() - number of frames in the pool.
 * @mem: the pool.
 *
 * Return: the count.
 */
size_t invt_mem_nr_frames(const struct invt_mem *mem);

/**
 * invt_mem_now() - the pool's clock.
 * @mem: the pool.
 *
 * Return: the configured clock's value, or the internal event counter.
 */
uint64_t invt_mem_now(struct invt_mem *mem);

/**
 * invt_mem_fail_nth() - make an allocation of this pool fail.
 * @mem: the pool.
 * @nth: the nth allocation call from now fails with -ENOMEM (1 = the next),
 *	whatever thread makes it; 0 disarms.  Disarms itself after firing.
 */
void invt_mem_fail_nth(struct invt_mem *mem, unsigned int nth);

/**
 * invt_mem_alloc() - allocate one zeroed frame.
 * @mem: the pool.
 * @state: INVT_FRAME_TABLE, INVT_FRAME_DATA or INVT_FRAME_OTHER.
 * @domain: owner domain (TABLE, DATA); ignored for OTHER.
 * @iova: iova page backed (DATA; 4 KiB aligned); ignored otherwise.
 * @pa: out: the frame's physical address.
 *
 * Return: 0; -EINVAL for a bad state or unaligned iova; -ENOMEM when the pool
 * is exhausted or a failure was injected.
 */
int invt_mem_alloc(struct invt_mem *mem, enum invt_frame_state state, uint32_t domain,
		   uint64_t iova, uint64_t *pa);

/**
 * invt_mem_alloc_contig() - allocate a naturally aligned run of frames.
 * @mem: the pool.
 * @nr: number of frames, a power of two; the run's physical address is
 *	aligned to nr * 4 KiB.
 * @state: as for invt_mem_alloc().
 * @domain: as for invt_mem_alloc().
 * @iova: DATA: iova of the first frame, aligned to nr * 4 KiB; frame i is
 *	owned by (@domain, @iova + i * 4 KiB).
 * @pa: out: physical address of the first frame.
 *
 * Counts as one allocation call for invt_mem_fail_nth().
 *
 * Return: 0; -EINVAL; -ENOMEM when no free aligned run exists.
 */
int invt_mem_alloc_contig(struct invt_mem *mem, size_t nr, enum invt_frame_state state,
			  uint32_t domain, uint64_t iova, uint64_t *pa);

/**
 * invt_mem_free() - free one frame.
 * @mem: the pool.
 * @pa: its physical address.
 *
 * Bumps the frame's generation, records the free time, poisons the contents
 * and puts the frame first on the free list.  The frame must not be on a
 * chain (struct invt_mem_chain).
 *
 * Return: 0; -EINVAL when @pa is no frame of the pool, is free already, or
 * is on a chain (counted as a bad free).
 */
int invt_mem_free(struct invt_mem *mem, uint64_t pa);

/**
 * invt_mem_free_contig() - free a run of frames.
 * @mem: the pool.
 * @pa: physical address of the first frame.
 * @nr: number of frames.
 *
 * Checks the whole run first: nothing is freed unless every frame can be.
 *
 * Return: 0 or -EINVAL as for invt_mem_free().
 */
int invt_mem_free_contig(struct invt_mem *mem, uint64_t pa, size_t nr);

/**
 * invt_mem_set_owner() - change the state or owner of an allocated frame.
 * @mem: the pool.
 * @pa: the frame.
 * @state: INVT_FRAME_TABLE, INVT_FRAME_DATA or INVT_FRAME_OTHER.
 * @domain: the new owner domain (TABLE, DATA).
 * @iova: the new iova page (DATA).
 *
 * For a buffer allocated as OTHER and mapped later, or the reverse.  The
 * generation does not change; references taken before see INVT_MEM_CHANGED.
 *
 * Return: 0; -EINVAL for a bad argument or a free frame.
 */
int invt_mem_set_owner(struct invt_mem *mem, uint64_t pa, enum invt_frame_state state,
		       uint32_t domain, uint64_t iova);

/**
 * invt_mem_info() - a frame's metadata.
 * @mem: the pool.
 * @pa: any address inside the frame.
 * @info: out: the snapshot.
 *
 * Return: 0, or -EINVAL when @pa is outside the pool.
 */
int invt_mem_info(struct invt_mem *mem, uint64_t pa, struct invt_frame_info *info);

/**
 * invt_mem_ref() - take a reference to a frame, for the oracle.
 * @mem: the pool.
 * @pa: any address inside the frame.
 * @ref: out: the frame's address, state, owner and generation now.
 *
 * Taking a reference to a FREE frame is allowed (a walk through a dangling
 * entry): the reference then records state FREE and can only stay LIVE while
 * the frame stays free.
 *
 * Return: 0, or -EINVAL when @pa is outside the pool (@ref is then set to
 * a reference that checks as INVT_MEM_BAD_REF).
 */
int invt_mem_ref(struct invt_mem *mem, uint64_t pa, struct invt_frame_ref *ref);

/**
 * invt_mem_check() - is a reference still valid?
 * @mem: the pool.
 * @ref: a reference from invt_mem_ref().
 * @now: out, optional (NULL): the frame's metadata now, for reports (its
 *	@free_time says when the referenced allocation ended).
 *
 * Return: INVT_MEM_LIVE when the frame has the same generation, state and
 * owner as when @ref was taken, else why not.
 */
enum invt_mem_verdict invt_mem_check(struct invt_mem *mem, const struct invt_frame_ref *ref,
				     struct invt_frame_info *now);

/**
 * invt_mem_va() - host pointer to a physical address.
 * @mem: the pool.
 * @pa: any address inside the pool.
 *
 * Pure arithmetic, whatever the frame's state: the caller decides whether
 * the access is legal.  Access the contents with atomic operations when
 * another thread may access them concurrently.
 *
 * Return: the pointer, or NULL when @pa is outside the pool.
 */
void *invt_mem_va(struct invt_mem *mem, uint64_t pa);

/**
 * invt_mem_read64() - hardware-side (DMA) read of a 64-bit word.
 * @mem: the pool.
 * @pa: its physical address, 8-byte aligned.
 * @val: out: the word (one relaxed atomic load).
 *
 * Return: 0, or -EFAULT when @pa is unaligned or outside the pool.
 */
int invt_mem_read64(struct invt_mem *mem, uint64_t pa, uint64_t *val);

/**
 * invt_mem_write64() - hardware-side (DMA) write of a 64-bit word.
 * @mem: the pool.
 * @pa: its physical address, 8-byte aligned.
 * @val: the word (one relaxed atomic store).
 *
 * Return: 0, or -EFAULT when @pa is unaligned or outside the pool.
 */
int invt_mem_write64(struct invt_mem *mem, uint64_t pa, uint64_t val);

/**
 * invt_mem_stats() - the pool's counters.
 * @mem: the pool.
 * @st: out: a consistent snapshot.
 */
void invt_mem_stats(struct invt_mem *mem, struct invt_mem_stats *st);

/**
 * struct invt_mem_chain - allocated frames waiting to be freed together.
 * @head: first frame's index (internal), or UINT32_MAX when empty.
 * @count: number of frames on the chain.
 *
 * Chains the frames through their metadata, never through their contents,
 * and never allocates: the table pages an unmap unlinked (struct
 * invt_pt_gather's table_unlinked) and the data frames it unmapped wait on a
 * chain until the invalidation has completed, then go with
 * invt_mem_chain_free().  A frame may be on one chain at a time; the chain's
 * owner serialises its use.  Initialise with INVT_MEM_CHAIN_INIT or
 * invt_mem_chain_init().
 */
struct invt_mem_chain {
	uint32_t head;
	size_t count;
};

#define INVT_MEM_CHAIN_INIT { .head = UINT32_MAX, .count = 0 }

/**
 * invt_mem_chain_init() - make a chain empty.
 * @chain: the chain.
 */
void invt_mem_chain_init(struct invt_mem_chain *chain);

/**
 * invt_mem_chain_add() - put an allocated frame on a chain.
 * @mem: the pool.
 * @chain: the chain.
 * @pa: the frame.
 *
 * Return: 0; -EINVAL when @pa is no allocated frame or is on a chain already.
 */
int invt_mem_chain_add(struct invt_mem *mem, struct invt_mem_chain *chain, uint64_t pa);

/**
 * invt_mem_chain_add_range() - put @nr consecutive frames on a chain.
 * @mem: the pool.
 * @chain: the chain.
 * @pa: the first frame.
 * @nr: frames.
 *
 * The same as invt_mem_chain_add() of each frame in address order (those it
 * would refuse are left out, the others added), under one acquisition of
 * the pool's lock.
 *
 * Return: the number of frames left out (0: all added).
 */
size_t invt_mem_chain_add_range(struct invt_mem *mem, struct invt_mem_chain *chain, uint64_t pa,
				size_t nr);

/**
 * invt_mem_chain_free() - free every frame of a chain, last added first.
 * @mem: the pool.
 * @chain: the chain; empty afterwards.
 *
 * Return: the number of frames freed.
 */
size_t invt_mem_chain_free(struct invt_mem *mem, struct invt_mem_chain *chain);

/**
 * struct invt_mem_pt_ops - struct invt_pt_ops over a pool, for one domain.
 * @ops: give &@ops to invt_pt_init() and invt_pt_hw_walk().
 * @mem: the pool.
 * @domain: owner recorded in the TABLE frames @ops allocates.
 * @errors: (atomic) free_table calls the pool refused, and table_va calls
 *	outside the pool; a correct page-table layer leaves it 0.
 *
 * alloc_table takes a zeroed TABLE frame of @domain (-ENOMEM when the pool
 * is exhausted or a failure is injected); free_table frees it; alloc_root
 * and free_root do the same for a multi-page root with
 * invt_mem_alloc_contig() / invt_mem_free_contig(); table_va is
 * arithmetic (thread-safe, lock-free) and, for an address outside the pool,
 * counts an error and returns a page of zeros owned by the pool, so a walk
 * through a corrupt entry faults instead of crashing.
 */
struct invt_mem_pt_ops {
	struct invt_pt_ops ops;
	struct invt_mem *mem;
	uint32_t domain;
	unsigned long errors;
};

/**
 * invt_mem_pt_ops_init() - set up page-table ops for a domain.
 * @o: the ops to fill in.
 * @mem: the pool.
 * @domain: the domain whose table pages they allocate.
 */
void invt_mem_pt_ops_init(struct invt_mem_pt_ops *o, struct invt_mem *mem, uint32_t domain);

#endif /* INVTRACK_MODEL_MEM_H */
