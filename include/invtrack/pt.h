/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/pt.h - I/O page tables: one radix walker, many formats.
 *
 * A table is a radix tree of table pages of 2^bits_per_level 64-bit entries.
 * What an entry means is told by a format descriptor (struct invt_pt_fmt):
 * how many levels, which levels may hold leaves, and callbacks that decode
 * and build entries.  The walker itself knows no bit of any architecture.
 *
 * Levels are numbered from the leaf up: level 0 maps one granule (4 KiB),
 * level 1 maps 2 MiB, level 2 maps 1 GiB, ...; the root is level levels-1.
 * (ARM calls our level 0 "level 3" and our root "level 0"; VT-d and RISC-V
 * count like us but from 1.)
 *
 * Memory is abstract: the code handles physical addresses only and reaches
 * table pages through caller-supplied operations (struct invt_pt_ops), so a
 * hardware model can keep its page tables in simulated physical frames.  The
 * page-table code allocates nothing by itself and keeps no global state.
 *
 * Concurrency: invt_pt_map(), invt_pt_unmap() and invt_pt_free() on one
 * table must be serialised by the caller (the domain's lock).
 * invt_pt_hw_walk() and invt_pt_lookup() may run concurrently with map and
 * unmap (never with invt_pt_free()) from any thread: every entry is written
 * with one atomic store and read with one atomic load, and a table page
 * becomes reachable only after its zeroed contents (release store / acquire
 * load).  Table pages unlinked by an unmap
 * are handed to the caller, never freed here: the hardware may still walk
 * them until the IOTLB invalidation of the unmapped range has completed.
 * So the caller frees them only when no walk or lookup that could have
 * reached them is still running: for the hardware, after the invalidation
 * (which must wait for walks in flight); for CPU lookups, after a grace
 * period or under the lock that serialises unmap.
 *
 * Errors are negative errno values.
 */
#ifndef INVTRACK_PT_H
#define INVTRACK_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest table any format may describe (VT-d 5-level, RISC-V Sv57). */
#define INVT_PT_MAX_LEVELS 5
/* Widest root beyond one table page: 2^4 pages (RISC-V SvNNx4 uses 2^2). */
#define INVT_PT_MAX_ROOT_EXTRA_BITS 4

/* Access permissions, in invt_pt_map() and in walk results. */
#define INVT_PT_READ (1u << 0)
#define INVT_PT_WRITE (1u << 1)
#define INVT_PT_PROT_MASK (INVT_PT_READ | INVT_PT_WRITE)

/**
 * struct invt_pt_ops - memory for table pages, supplied by the caller.
 * @alloc_table: allocate one table page (2^granule_shift bytes, all zero),
 *	store its physical address in *@pa and return 0, or return -ENOMEM.
 *	The address must be aligned to the page size and representable in the
 *	format's output address (below 2^oa_bits).
 * @free_table: give back a table page that @alloc_table returned.  Called
 *	only by invt_pt_free() and to undo allocations of a failed map; pages
 *	unlinked by invt_pt_unmap() are returned to the caller instead.
 * @table_va: host pointer to the entries of the table page at @pa.  Called
 *	by invt_pt_hw_walk() from any thread: must be thread-safe and must not
 *	fail for a page that was allocated and not yet freed.
 *
 * @alloc_root: optional: allocate the root of a format whose root spans
 *	@pages > 1 table pages (struct invt_pt_fmt.root_extra_bits): @pages
 *	physically contiguous, zeroed pages, the first aligned to @pages times
 *	the page size; store its address in *@pa and return 0, or -ENOMEM.
 *	Only called for @pages > 1: a one-page root always comes from
 *	@alloc_table.  Each page is reached through @table_va of its own
 *	address, so the pages need not be contiguous in host memory.
 * @free_root: give back what @alloc_root returned (same @pages); set
 *	whenever @alloc_root is.
 *
 * Embed this structure in your own and find it back with container_of; the
 * callbacks receive the pointer given to invt_pt_init() or invt_pt_hw_walk().
 */
struct invt_pt_ops {
	int (*alloc_table)(struct invt_pt_ops *ops, uint64_t *pa);
	void (*free_table)(struct invt_pt_ops *ops, uint64_t pa);
	uint64_t *(*table_va)(struct invt_pt_ops *ops, uint64_t pa);
	int (*alloc_root)(struct invt_pt_ops *ops, unsigned int pages, uint64_t *pa);
	void (*free_root)(struct invt_pt_ops *ops, uint64_t pa, unsigned int pages);
};

/**
 * enum invt_pt_fault - why a hardware walk did not translate.
 * @INVT_PT_FAULT_NONE: translated.
 * @INVT_PT_FAULT_RANGE: the address is beyond the format's input width.
 * @INVT_PT_FAULT_TRANSLATION: an entry on the path is invalid or holds an
 *	encoding that is reserved at its level.
 * @INVT_PT_FAULT_ACCESS: the leaf is valid but the hardware refuses it as
 *	is (ARM: access flag clear).
 */
enum invt_pt_fault {
	INVT_PT_FAULT_NONE,
	INVT_PT_FAULT_RANGE,
	INVT_PT_FAULT_TRANSLATION,
	INVT_PT_FAULT_ACCESS,
};

/**
 * struct invt_pt_fmt - a page-table format.
 * @name: for messages.
 * @levels: number of levels, 1..INVT_PT_MAX_LEVELS; the root is levels-1.
 * @va_bits: input address width; addresses at or above 2^va_bits are out of
 *	range.  Must leave the root between 1 and bits_per_level +
 *	@root_extra_bits index bits.
 * @oa_bits: output address width (physical addresses of tables and leaves).
 * @granule_shift: log2 of the smallest page and of a table page's size.
 * @bits_per_level: index bits per level; granule_shift - 3 (8-byte entries).
 * @root_extra_bits: index bits the root level has beyond @bits_per_level,
 *	0..INVT_PT_MAX_ROOT_EXTRA_BITS: the root is then 2^@root_extra_bits
 *	physically contiguous table pages, aligned to their total size
 *	(RISC-V G-stage SvNNx4: 2 bits, a 16 KiB root).  0 for most formats.
 * @leaf_levels: bit n set when level n may hold a leaf; bit 0 must be set.
 * @prot_ok: bit p set when the permission combination p (INVT_PT_READ |
 *	INVT_PT_WRITE) can be encoded exactly; invt_pt_map() refuses the others.
 * @is_present: the entry is valid (hardware would use it) at @lvl.
 * @present_mask: optional: an entry is present, at every level, exactly
 *	when it has one of these bits (@is_present's answer, for scans of
 *	many entries; invt_pt_fmt_check() verifies it bit by bit); 0 when
 *	presence is not a mask test.
 * @is_table: the entry points to a next-level table (never true at level 0).
 * @is_leaf: the entry is a well-formed leaf at @lvl (page or block).
 * @oa: output address of a table or leaf entry (the table page, or the base
 *	of the page or block); bits below the leaf size are ignored by callers.
 * @leaf_prot: INVT_PT_* permissions a leaf grants to a device access.
 * @leaf_fault: optional: a fault the hardware raises on an otherwise valid
 *	leaf (ARM access flag); NULL when the format has none.
 * @make_table: an entry at @lvl pointing to the table page at @table_pa.
 * @make_leaf: a leaf at @lvl mapping @pa (aligned to the level's size) with
 *	@prot, one of the combinations allowed by @prot_ok.
 * @priv: format data for the callbacks (e.g. masks shared by variants).
 *
 * Callbacks are pure functions of their arguments: they are called with no
 * lock held, from any thread.
 */
struct invt_pt_fmt {
	const char *name;
	unsigned int levels;
	unsigned int va_bits;
	unsigned int oa_bits;
	unsigned int granule_shift;
	unsigned int bits_per_level;
	unsigned int root_extra_bits;
	uint32_t leaf_levels;
	uint32_t prot_ok;
	bool (*is_present)(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl);
	uint64_t present_mask;
	bool (*is_table)(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl);
	bool (*is_leaf)(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl);
	uint64_t (*oa)(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl);
	unsigned int (*leaf_prot)(const struct invt_pt_fmt *fmt, uint64_t pte, unsigned int lvl);
	enum invt_pt_fault (*leaf_fault)(const struct invt_pt_fmt *fmt, uint64_t pte,
					 unsigned int lvl);
	uint64_t (*make_table)(const struct invt_pt_fmt *fmt, uint64_t table_pa, unsigned int lvl);
	uint64_t (*make_leaf)(const struct invt_pt_fmt *fmt, uint64_t pa, unsigned int lvl,
			      unsigned int prot);
	const void *priv;
};

/*
 * ARM VMSAv8-64, 4 KiB granule, 48-bit input, 4 levels (starting at ARM level
 * 0), leaves of 4 KiB, 2 MiB and 1 GiB.  Stage 1 leaves are non-global,
 * accessible to unprivileged (device) accesses, AttrIndx 0 (the context
 * descriptor's MAIR attribute 0 must describe Normal write-back memory),
 * inner shareable; write-only cannot be encoded.  Stage 2 leaves are Normal
 * write-back, inner shareable.  See src/pt/fmt-arm.c for every bit.
 */
extern const struct invt_pt_fmt invt_pt_fmt_arm_s1_4k;
extern const struct invt_pt_fmt invt_pt_fmt_arm_s2_4k;

/**
 * struct invt_pt - one I/O page table.
 * @fmt: its format.
 * @ops: where its table pages come from.
 * @root_pa: physical address of the root table page (what the hardware's
 *	configuration points to: TTB0 in a CD, S2TTB in an STE, ...); the
 *	first of 2^fmt->root_extra_bits pages.
 *
 * Owned by the caller (embed it anywhere); set up by invt_pt_init().
 */
struct invt_pt {
	const struct invt_pt_fmt *fmt;
	struct invt_pt_ops *ops;
	uint64_t root_pa;
};

/**
 * struct invt_pt_gather - what an unmap changed, for the invalidation.
 * @table_unlinked: set by the caller before invt_pt_unmap(): called once for
 *	every table page the unmap emptied and unlinked, children before their
 *	parents.  It must not fail and must not free the page yet: the hardware
 *	may walk it (walk caches) until the invalidation of the unmapped range,
 *	non-leaf, has completed.  A frame allocator can chain the page through
 *	its own per-frame metadata (never through the page's contents).
 * @iova: start of the span to invalidate (valid when @size is not 0).
 * @size: length of the span from the first to the end of the last leaf
 *	removed; holes inside it were unmapped already.  0: nothing removed.
 * @unmapped: bytes of leaves removed (at most @size).
 * @leaf_only: true when no table page was unlinked: invalidating leaf
 *	entries is enough.  False: walk-cache entries must go too.
 * @nr_tables: table pages passed to @table_unlinked.
 *
 * A successful invt_pt_unmap() sets every field but @table_unlinked; a failed
 * one leaves them as they were.
 */
struct invt_pt_gather {
	void (*table_unlinked)(struct invt_pt_gather *gather, uint64_t table_pa);
	uint64_t iova;
	uint64_t size;
	uint64_t unmapped;
	bool leaf_only;
	size_t nr_tables;
};

/**
 * struct invt_pt_walk - result of a hardware-side walk.
 * @fault: INVT_PT_FAULT_NONE, or why the walk stopped.
 * @level: level of the leaf, or of the entry that faulted.
 * @oa: output address of the walked iova (leaf base + offset in the leaf).
 * @size: size of the leaf (1 << shift of @level).
 * @prot: INVT_PT_* permissions the leaf grants.
 * @pte: the leaf, or the entry that faulted (0 for a range fault).
 * @nr_tables: number of table pages read, root first.
 * @tables: their physical addresses (what a walk cache would hold).
 *
 * Without a fault every field is meaningful; with one, @fault, @level, @pte
 * and @nr_tables/@tables are, and the others are 0.
 */
struct invt_pt_walk {
	enum invt_pt_fault fault;
	unsigned int level;
	uint64_t oa;
	uint64_t size;
	unsigned int prot;
	uint64_t pte;
	unsigned int nr_tables;
	uint64_t tables[INVT_PT_MAX_LEVELS];
};

/**
 * invt_pt_fmt_check() - check that a format descriptor is self-consistent.
 * @fmt: the descriptor.
 *
 * Checks the geometry (levels, widths, granule), leaf levels, permission
 * combinations and that every mandatory callback is set.  Used by
 * invt_pt_init(); handy in the unit tests of a new format.
 *
 * Return: 0, or -EINVAL.
 */
int invt_pt_fmt_check(const struct invt_pt_fmt *fmt);

/**
 * invt_pt_init() - set up an empty table: allocate its root.
 * @pt: the table to set up.
 * @fmt: its format.
 * @ops: memory for its table pages; must outlive the table.
 *
 * A root of several pages (@fmt->root_extra_bits) comes from
 * @ops->alloc_root.
 *
 * Return: 0, -EINVAL for a bad format or a multi-page root without
 * @ops->alloc_root, or -ENOMEM.
 */
int invt_pt_init(struct invt_pt *pt, const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops);

/**
 * invt_pt_free() - free every table page of a table, root included.
 * @pt: the table; unusable afterwards.  A zeroed one that was never
 *	initialised (a nested domain's: the guest owns its table) frees nothing.
 *
 * For domain destruction: the hardware must no longer be able to walk the
 * table (detached, walk caches invalidated).  Data pages are the caller's.
 */
void invt_pt_free(struct invt_pt *pt);

/**
 * invt_pt_map() - map [iova, iova + size) to [pa, pa + size).
 * @pt: the table.
 * @iova: input address, granule-aligned.
 * @pa: output address, granule-aligned.
 * @size: bytes, a non-zero multiple of the granule.
 * @prot: INVT_PT_READ and/or INVT_PT_WRITE, a combination the format allows.
 *
 * Each piece gets the largest leaf the format allows at a level where iova
 * and pa are both aligned to the leaf size and the rest of the range covers
 * it.  All-or-nothing: every table page needed is allocated before the first
 * entry is written, so a failure leaves the table exactly as it was.
 *
 * Return: 0; -EINVAL for misalignment, zero size, a bad @prot, or a range
 * beyond the input or output address width (wrap-around included); -EEXIST
 * if any part of the range is mapped; -ENOMEM.
 */
int invt_pt_map(struct invt_pt *pt, uint64_t iova, uint64_t pa, uint64_t size,
		unsigned int prot);

/**
 * invt_pt_unmap() - unmap [iova, iova + size).
 * @pt: the table.
 * @iova: input address, granule-aligned.
 * @size: bytes, a non-zero multiple of the granule.
 * @gather: in: @gather->table_unlinked; out: what to invalidate.
 *
 * Removes every leaf inside the range, then unlinks every table page left
 * empty (never the root) and passes it to @gather->table_unlinked.  Blocks
 * are never split: a leaf that the range covers only in part makes the call
 * fail with -EINVAL before anything changed.  Unmapped parts of the range
 * are skipped; a range with nothing mapped returns 0 with @gather->size 0.
 *
 * Return: 0; -EINVAL for misalignment, zero size, a range beyond the input
 * width, a missing @gather->table_unlinked, or a partly covered leaf.
 */
int invt_pt_unmap(struct invt_pt *pt, uint64_t iova, uint64_t size,
		  struct invt_pt_gather *gather);

/**
 * invt_pt_lookup() - CPU-side iova to physical address translation.
 * @pt: the table.
 * @iova: any input address.
 * @pa: out: the output address of @iova.
 * @leaf_size: out, optional (NULL): size of the leaf that maps @iova.
 *
 * Return: 0, or -ENOENT when @iova is not mapped or out of range.
 */
int invt_pt_lookup(const struct invt_pt *pt, uint64_t iova, uint64_t *pa, uint64_t *leaf_size);

/**
 * invt_pt_hw_walk() - translate as the hardware does.
 * @fmt: the table's format.
 * @ops: its memory (only @ops->table_va is called).
 * @root_pa: the root table page, as the hardware configuration names it.
 * @iova: the input address.
 * @res: out: the translation or the fault.
 *
 * Reads each entry with one acquire load, so it may run concurrently with
 * map and unmap on the same table.  Permissions are reported, not checked.
 *
 * Return: 0 when translated, -EFAULT with @res->fault set otherwise.
 */
int invt_pt_hw_walk(const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops, uint64_t root_pa,
		    uint64_t iova, struct invt_pt_walk *res);

/**
 * invt_pt_hw_walk_from() - translate from an intermediate table, as a
 * hardware walk that hit in a walk cache does.
 * @fmt: the table's format.
 * @ops: its memory.
 * @table_pa: a table page at level @lvl (what a walk-cache entry holds).
 * @lvl: the level of the entries in @table_pa, 0..levels-1.
 * @iova: the input address.
 * @res: out: as for invt_pt_hw_walk(); @res->tables starts at @table_pa.
 *
 * Return: as invt_pt_hw_walk(); -EINVAL (fault RANGE) for @lvl out of range.
 */
int invt_pt_hw_walk_from(const struct invt_pt_fmt *fmt, struct invt_pt_ops *ops,
			 uint64_t table_pa, unsigned int lvl, uint64_t iova,
			 struct invt_pt_walk *res);

#endif /* INVTRACK_PT_H */
