// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * tags.c - IOTLB tag allocators.
 *
 * A tag is handed out lowest-free-first, so a released tag is reused at the
 * first opportunity: any attachment path that releases a tag still cached
 * shows up at once in tests (WRONG_DOMAIN in the model).  Releasing is the
 * caller's promise that the tag was flushed from every instance using it.
 */
#include "internal.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))

int invt_tag_space_init(struct invt_tag_space *ts, uint32_t min, uint32_t max)
{
	size_t words;

	if (min > max || max == UINT32_MAX)
		return -EINVAL;
	words = ((size_t)max - min) / BITS_PER_WORD + 1;
	ts->bitmap = invt_zalloc(words * sizeof(unsigned long));
	if (!ts->bitmap)
		return -ENOMEM;
	ts->min = min;
	ts->max = max;
	invt_mutex_init(&ts->lock);
	return 0;
}

void invt_tag_space_destroy(struct invt_tag_space *ts)
{
	invt_mutex_destroy(&ts->lock);
	invt_free(ts->bitmap);
	ts->bitmap = NULL;
}

unsigned int invt_tag_space_used(struct invt_tag_space *ts)
{
	size_t words = ((size_t)ts->max - ts->min) / BITS_PER_WORD + 1, i;
	unsigned int n = 0;

	invt_mutex_lock(&ts->lock);
	for (i = 0; i < words; i++)
		n += invt_popcountl(ts->bitmap[i]);
	invt_mutex_unlock(&ts->lock);
	return n;
}

/* Take the lowest free tag of @ts.  Return: 0, or -ENOSPC when all are held. */
int invt_tag_get(struct invt_tag_space *ts, uint32_t *tag)
{
	size_t nbits = (size_t)ts->max - ts->min + 1, words = (nbits - 1) / BITS_PER_WORD + 1;
	size_t w;
	int ret = -ENOSPC;

	invt_mutex_lock(&ts->lock);
	for (w = 0; w < words; w++) {
		unsigned long free_bits = ~ts->bitmap[w];
		size_t bit;

		if (!free_bits)
			continue;
		bit = w * BITS_PER_WORD + __builtin_ctzl(free_bits);
		if (bit >= nbits)
			break;
		ts->bitmap[w] |= 1ul << (bit % BITS_PER_WORD);
		*tag = ts->min + (uint32_t)bit;
		ret = 0;
		break;
	}
	invt_mutex_unlock(&ts->lock);
	return ret;
}

/* Give @tag back; the caller flushed it from every instance of @ts. */
void invt_tag_put(struct invt_tag_space *ts, uint32_t tag)
{
	size_t bit = tag - ts->min;

	INVT_DEBUG_ASSERT(tag >= ts->min && tag <= ts->max);
	invt_mutex_lock(&ts->lock);
	INVT_DEBUG_ASSERT(ts->bitmap[bit / BITS_PER_WORD] & (1ul << (bit % BITS_PER_WORD)));
	ts->bitmap[bit / BITS_PER_WORD] &= ~(1ul << (bit % BITS_PER_WORD));
	invt_mutex_unlock(&ts->lock);
}
