/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stdint.h - kernel builds only: what the sources take from <stdint.h> in
 * userspace, from the kernel's own headers.  This directory comes first on
 * the include path of kernel/Kbuild, so no C library header is ever read.
 */
#ifndef INVT_KSHIM_STDINT_H
#define INVT_KSHIM_STDINT_H

#include <linux/limits.h>
#include <linux/types.h>

#define UINT8_MAX U8_MAX
#define UINT16_MAX U16_MAX
#define UINT32_MAX U32_MAX
#define UINT64_MAX U64_MAX

#define UINT8_C(c) c
#define UINT16_C(c) c
#define UINT32_C(c) c##U
#define UINT64_C(c) c##ULL
#define INT64_C(c) c##LL

#endif
