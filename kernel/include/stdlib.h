/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stdlib.h - kernel builds only.  The drivers name <stdlib.h> but allocate
 * through the compat layer (invt_zalloc(), invt_zalloc_aligned(),
 * invt_free(): kmalloc / kfree in a kernel): nothing of the C library's is
 * declared here, so a stray malloc() or abort() fails the kernel build.
 */
#ifndef INVT_KSHIM_STDLIB_H
#define INVT_KSHIM_STDLIB_H

#include <linux/stddef.h>

#endif
