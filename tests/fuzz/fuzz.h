/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz.h - what the libFuzzer harnesses share: a check that stops the run
 * with a message (libFuzzer then saves the input), and a reader that turns
 * the rest of an input into field values.
 */
#ifndef INVTRACK_TESTS_FUZZ_H
#define INVTRACK_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The harness's own mechanics (reading the input, capturing, comparing
 * state): no coverage feedback and no comparison tracing, as their branches
 * say nothing about the code under test and their comparisons only feed
 * libFuzzer's tables noise.  ASan and UBSan still check them.  Not inlined:
 * coverage is added after inlining, into the caller.
 */
#define FUZZ_HARNESS_ONLY __attribute__((no_sanitize("coverage"), noinline))

/* A property the harness checks: on failure, say which and abort. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
				__LINE__, #cond);				\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* The bytes of an input not yet used. */
struct fz {
	const uint8_t *p;
	size_t n;
};

/* The next @bits (1..64) bits, little-endian; zeros once the input ran out. */
static inline FUZZ_HARNESS_ONLY uint64_t fz_bits(struct fz *f, unsigned int bits)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < (bits + 7) / 8; i++) {
		if (!f->n)
			break;
		v |= (uint64_t)*f->p++ << (8 * i);
		f->n--;
	}
	return bits < 64 ? v & ((1ull << bits) - 1) : v;
}

/* Little-endian 64-bit words of queue memory, as integers. */
static inline FUZZ_HARNESS_ONLY void fz_words_le(const uint8_t *p, unsigned int nr, uint64_t *w)
{
	unsigned int i, b;

	for (i = 0; i < nr; i++)
		for (w[i] = 0, b = 8; b-- > 0;)
			w[i] = w[i] << 8 | p[8 * i + b];
}

#endif /* INVTRACK_TESTS_FUZZ_H */
