// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * compat-user.c - userspace services behind compat-user.h.
 */
#include "compat-user.h"

#ifdef INVT_TSAN
/* Synchronisation object of the grace-period annotation (see compat-user.h). */
char invt_tsan_gp;
#endif

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

void invt_free(void *p)
{
	free(p);
}
