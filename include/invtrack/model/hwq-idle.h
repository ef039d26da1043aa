/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/hwq-idle.h - how a modelled unit's queue-consumer thread
 * idles between runs that found nothing (userspace model, threaded mode).
 *
 * The drivers' completion polls let the unit consume in the polling thread
 * (the registers' consume hooks), so no completion waits for the consumer
 * thread; that thread only adds asynchrony (commands consumed while the
 * driver still writes a batch, or before it polls).  On a machine with
 * fewer CPUs than runnable threads, yielding after every empty run costs a
 * context switch each time and takes the CPU from the DMA engines.  So:
 * the first empty run after one that consumed something yields (a batch
 * may be on its way); further empty runs sleep, twice as long each time,
 * up to INVT_HWQ_IDLE_MAX_NS.
 */
#ifndef INVTRACK_MODEL_HWQ_IDLE_H
#define INVTRACK_MODEL_HWQ_IDLE_H

#include <sched.h>
#include <stdbool.h>
#include <time.h>

/* The first sleep, and the longest, in ns. */
#define INVT_HWQ_IDLE_MIN_NS	16000L
#define INVT_HWQ_IDLE_MAX_NS	1024000L

/**
 * invt_hwq_idle() - pause a consumer thread after a run.
 * @idle: the thread's count of empty runs in a row (starts at 0).
 * @consumed: what the run consumed.
 * @polls_consume: the drivers' polls consume too (the registers' consume
 *	hook is set).  Without it the thread is the only consumer: it stays
 *	at hand, yielding after each empty run, and never sleeps.
 */
static inline void invt_hwq_idle(unsigned int *idle, unsigned int consumed, bool polls_consume)
{
	if (!polls_consume) {
		if (!consumed)
			sched_yield();
		return;
	}
	struct timespec ts = { 0 };
	long ns;

	if (consumed) {
		*idle = 0;
		return;
	}
	if (!*idle) {
		*idle = 1;
		sched_yield();
		return;
	}
	ns = INVT_HWQ_IDLE_MIN_NS << (*idle - 1);
	if (ns < INVT_HWQ_IDLE_MAX_NS)
		(*idle)++;
	else
		ns = INVT_HWQ_IDLE_MAX_NS;
	ts.tv_nsec = ns;
	nanosleep(&ts, NULL);
}

#endif /* INVTRACK_MODEL_HWQ_IDLE_H */
