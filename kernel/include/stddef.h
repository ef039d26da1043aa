/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stddef.h - kernel builds only: what the sources take from <stddef.h> in
 * userspace, from the kernel's own headers.  This directory comes first on
 * the include path of kernel/Kbuild, so no C library header is ever read.
 */
#ifndef INVT_KSHIM_STDDEF_H
#define INVT_KSHIM_STDDEF_H

#include <linux/stddef.h>
#include <linux/types.h>

#endif
