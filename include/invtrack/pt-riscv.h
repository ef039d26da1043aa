/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/pt-riscv.h - RISC-V page-table formats for the generic walker
 * (<invtrack/pt.h>): the first-stage Sv39 / Sv48 / Sv57 formats an IOMMU
 * device or process context names in iosatp, and the G-stage (second-stage)
 * Sv39x4 / Sv48x4 / Sv57x4 formats it names in iohgatp.
 *
 * Sources: RISC-V Privileged Architecture, "Sv39: Page-Based 39-bit Virtual-
 * Memory System" (and the Sv48 / Sv57 sections that extend it), "Two-Stage
 * Address Translation" for the x4 G-stage formats; RISC-V IOMMU
 * specification 1.0, "Process to translate an IOVA" (first-stage and
 * G-stage walks by the IOMMU).  Every bit is in src/pt/fmt-riscv.c.
 *
 * What is fixed:
 *  - Leaves are built with V, R, W (as asked), U = 1 (IOMMU requests
 *    without privilege, and every G-stage access, are user-mode accesses),
 *    A = D = 1 (no hardware A/D update is needed: the device context's
 *    SADE/GADE stay 0), G = 0 (so that a PSCID-scoped IOTINVAL.VMA, which
 *    spares global entries, removes them), X = 0, N = PBMT = 0.
 *  - Write-only cannot be encoded (R = 0, W = 1 is reserved).
 *  - Leaves at every level (4 KiB pages up to the root's superpages).
 *  - First-stage input: the lower half of the sign-extended address space,
 *    [0, 2^(N-1)) for SvN; the upper half (bit N-1 set, sign-extended) is
 *    not used for I/O here.  G-stage input: guest physical addresses
 *    [0, 2^(N+2)), zero-extended; the root is four pages (16 KiB, aligned
 *    to 16 KiB) with two extra index bits (struct invt_pt_fmt
 *    root_extra_bits).
 *  - Output addresses: 56 bits (PPN[43:0] at PTE bits [53:10]).
 */
#ifndef INVTRACK_PT_RISCV_H
#define INVTRACK_PT_RISCV_H

#include <stdbool.h>

#include <invtrack/pt.h>

extern const struct invt_pt_fmt invt_pt_fmt_rv_sv39;
extern const struct invt_pt_fmt invt_pt_fmt_rv_sv48;
extern const struct invt_pt_fmt invt_pt_fmt_rv_sv57;
extern const struct invt_pt_fmt invt_pt_fmt_rv_sv39x4;
extern const struct invt_pt_fmt invt_pt_fmt_rv_sv48x4;
extern const struct invt_pt_fmt invt_pt_fmt_rv_sv57x4;

/*
 * MODE values of iosatp / iohgatp (RISC-V IOMMU 1.0, "Device-context fields",
 * with fctl.GXL = 0 and DC.tc.SXL = 0): 0 Bare, 8 Sv39 / Sv39x4, 9 Sv48 /
 * Sv48x4, 10 Sv57 / Sv57x4.
 */
#define INVT_RV_ATP_MODE_BARE	0
#define INVT_RV_ATP_MODE_SV39	8
#define INVT_RV_ATP_MODE_SV48	9
#define INVT_RV_ATP_MODE_SV57	10

/**
 * invt_pt_fmt_rv_by_mode() - the format an iosatp or iohgatp MODE names.
 * @gstage: true for iohgatp (SvNNx4), false for iosatp (SvNN).
 * @mode: the MODE field, an INVT_RV_ATP_MODE_* value.
 *
 * Return: the format, or NULL for Bare and reserved values.
 */
const struct invt_pt_fmt *invt_pt_fmt_rv_by_mode(bool gstage, unsigned int mode);

#endif /* INVTRACK_PT_RISCV_H */
