/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/pt-vtd.h - Intel VT-d I/O page-table formats for the walker of
 * <invtrack/pt.h>.
 *
 * Source: Intel Virtualization Technology for Directed I/O, Architecture
 * Specification (rev 3.x/4.x), chapter 9 "Translation Structure Formats":
 * §9.8 "First-Stage Paging Entries" and §9.9 "Second-Stage Paging Entries"
 * (titles quoted so that other revisions find them), and chapter 3 for the
 * walks.  Summarised in docs/hardware.md §2 "Tags".  Every bit is
 * documented in src/pt/fmt-vtd.c.
 *
 * What the descriptors build:
 *  - second stage: 4 KiB pages, 2 MiB and 1 GiB superpages (PS); present
 *    iff R or W; execute (X), snoop (SNP), memory type and accessed/dirty
 *    bits are left 0 (ECAP.SLEE / SC / MTS / SSADS not used); write-only
 *    is encodable.  Table entries grant R and W (leaves decide).  1 GiB
 *    leaves need CAP.SLLPS bit 1 on the hardware.
 *  - first stage: the x86-64 IA-32e 4-level format (PASID entry FLPM 0)
 *    for the lower half of the 48-bit space only (input below 2^47: the
 *    upper half is reached through non-canonical-free sign extension, which
 *    the walker does not model).  Device accesses are user accesses (the
 *    PASID entry's SRE is 0), so every entry sets U/S; leaves set A, and D
 *    when writable, so that hardware never needs to update them; XD is left
 *    0 (the PASID entry's NXE is 0, XD would be reserved).  Write-only
 *    cannot be encoded.  1 GiB leaves need CAP.FL1GP on the hardware.
 * Output addresses are at most 52 bits (MAXPHYADDR / HAW).
 */
#ifndef INVTRACK_PT_VTD_H
#define INVTRACK_PT_VTD_H

#include <invtrack/pt.h>

/* Second stage, 4-level, 48-bit input (context/PASID entry AW = 2). */
extern const struct invt_pt_fmt invt_pt_fmt_vtd_ss_4l;
/* Second stage, 5-level, 57-bit input (AW = 3). */
extern const struct invt_pt_fmt invt_pt_fmt_vtd_ss_5l;
/* First stage, 4-level (FLPM 0), input below 2^47 (the lower half). */
extern const struct invt_pt_fmt invt_pt_fmt_vtd_fs_4l;

#endif /* INVTRACK_PT_VTD_H */
