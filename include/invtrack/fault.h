/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/fault.h - allocation fault injection (userspace builds).
 *
 * Every allocation the library makes goes through one function that can be
 * told to fail.  The state is per thread, so a test fails exactly the
 * allocations of the operation it runs on its own thread.
 */
#ifndef INVTRACK_FAULT_H
#define INVTRACK_FAULT_H

/**
 * invt_fault_inject() - make an allocation of the calling thread fail.
 * @nth: the nth allocation from now fails (1 = the next one); 0 disarms.
 *
 * After the failure the injector disarms itself.
 */
void invt_fault_inject(unsigned int nth);

/**
 * invt_fault_pending() - whether an armed failure has not happened yet.
 *
 * Return: true while invt_fault_inject() is armed and has not fired.
 */
int invt_fault_pending(void);

/**
 * invt_alloc_count() - allocations made by the calling thread so far.
 *
 * Return: the count, failed allocations included.
 */
unsigned long invt_alloc_count(void);

#endif /* INVTRACK_FAULT_H */
