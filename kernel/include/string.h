/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * string.h - kernel builds only: what the sources take from <string.h> in
 * userspace, from the kernel's own headers.  This directory comes first on
 * the include path of kernel/Kbuild, so no C library header is ever read.
 */
#ifndef INVT_KSHIM_STRING_H
#define INVT_KSHIM_STRING_H

#include <linux/string.h>

#endif
