/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * stdio.h - kernel builds only: what the sources take from <stdio.h> in
 * userspace (snprintf, in the hardware-side decoders' describe functions),
 * from the kernel's own headers.
 */
#ifndef INVT_KSHIM_STDIO_H
#define INVT_KSHIM_STDIO_H

#include <linux/kernel.h>

#endif
