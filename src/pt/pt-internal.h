/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * pt-internal.h - helpers shared by the walker and the format descriptors.
 */
#ifndef INVT_PT_INTERNAL_H
#define INVT_PT_INTERNAL_H

#include <stdint.h>

#include <invtrack/pt.h>

#define PT_BIT(n) (UINT64_C(1) << (n))
/* Bits h..l inclusive, h >= l, h <= 63. */
#define PT_GENMASK(h, l) ((~UINT64_C(0) >> (63 - (h))) & (~UINT64_C(0) << (l)))

/* log2 of the bytes one entry at @lvl covers. */
static inline unsigned int pt_shift(const struct invt_pt_fmt *fmt, unsigned int lvl)
{
	return fmt->granule_shift + lvl * fmt->bits_per_level;
}

/* Bytes one entry at @lvl covers. */
static inline uint64_t pt_lvl_size(const struct invt_pt_fmt *fmt, unsigned int lvl)
{
	return UINT64_C(1) << pt_shift(fmt, lvl);
}

/* Entries in one table page. */
static inline unsigned int pt_entries(const struct invt_pt_fmt *fmt)
{
	return 1u << fmt->bits_per_level;
}

/* Entries of a table at @lvl: the root may span several pages. */
static inline unsigned int pt_lvl_entries(const struct invt_pt_fmt *fmt, unsigned int lvl)
{
	if (lvl == fmt->levels - 1)
		return pt_entries(fmt) << fmt->root_extra_bits;
	return pt_entries(fmt);
}

/* Index of @iova's entry in its table at @lvl (over all pages of a root). */
static inline unsigned int pt_index(const struct invt_pt_fmt *fmt, uint64_t iova, unsigned int lvl)
{
	return (unsigned int)(iova >> pt_shift(fmt, lvl)) & (pt_lvl_entries(fmt, lvl) - 1);
}

/* Table pages of the root. */
static inline unsigned int pt_root_pages(const struct invt_pt_fmt *fmt)
{
	return 1u << fmt->root_extra_bits;
}

/*
 * End of the piece of [iova, end) that the entry at @lvl holding @iova covers.
 * Cannot overflow: iova < 2^va_bits and va_bits < 64 (invt_pt_fmt_check).
 */
static inline uint64_t pt_piece_end(const struct invt_pt_fmt *fmt, uint64_t iova, uint64_t end,
				    unsigned int lvl)
{
	uint64_t next = (iova | (pt_lvl_size(fmt, lvl) - 1)) + 1;

	return next < end ? next : end;
}

#endif /* INVT_PT_INTERNAL_H */
