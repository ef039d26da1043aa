/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * endian.h - kernel builds only: the byte-order conversions the drivers'
 * configuration structures and queue entries use (glibc's htole64() & co.),
 * from the kernel's <asm/byteorder.h>.  The sources keep little-endian words
 * in plain u64 / u32 fields, hence the __force casts (no sparse __le64 type).
 */
#ifndef INVT_KSHIM_ENDIAN_H
#define INVT_KSHIM_ENDIAN_H

#include <asm/byteorder.h>

#define htole64(x) ((__force u64)cpu_to_le64(x))
#define le64toh(x) le64_to_cpu((__force __le64)(x))
#define htole32(x) ((__force u32)cpu_to_le32(x))
#define le32toh(x) le32_to_cpu((__force __le32)(x))

#endif
