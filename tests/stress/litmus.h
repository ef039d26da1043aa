/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * litmus.h - what the litmus tests (litmus_sb.c, litmus_recheck.c) share:
 * the verdict of a run.
 */
#ifndef INVTRACK_TESTS_LITMUS_H
#define INVTRACK_TESTS_LITMUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/**
 * litmus_verdict() - the exit status of a litmus run, with its last line.
 * @name: the test's name, for the line printed.
 * @ablate: the ablated rule, or NULL.
 * @stalled: no iteration for @seconds (a hang, unless an ablation was seen).
 * @forbidden: iterations that showed the forbidden outcome.
 * @seconds: the stall bound.
 * @iterations: iterations done.
 * @want: iterations asked for.
 *
 * Return: 0 when the run passes (no forbidden outcome, or with @ablate at
 * least one), 1 otherwise.
 */
static inline int litmus_verdict(const char *name, const char *ablate, bool stalled,
				 uint64_t forbidden, double seconds, uint64_t iterations,
				 uint64_t want)
{
	if (stalled && !(ablate && forbidden)) {
		printf("%s: HANG: no iteration for %.0f s, at %llu of %llu iterations\n", name,
		       seconds, (unsigned long long)iterations, (unsigned long long)want);
		return 1;
	}
	if (ablate) {
		printf("%s: ablation '%s' %s\n", name, ablate,
		       forbidden ? "detected" : "NOT detected");
		return forbidden ? 0 : 1;
	}
	return forbidden ? 1 : 0;
}

#endif /* INVTRACK_TESTS_LITMUS_H */
