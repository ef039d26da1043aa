/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stdbool.h - kernel builds only: what the sources take from <stdbool.h> in
 * userspace, from the kernel's own headers.  This directory comes first on
 * the include path of kernel/Kbuild, so no C library header is ever read.
 */
#ifndef INVT_KSHIM_STDBOOL_H
#define INVT_KSHIM_STDBOOL_H

#include <linux/types.h>

#endif
