/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/riscv-regs.h - the RISC-V IOMMU registers that the driver and the
 * modelled IOMMU share (the "MMIO"), both sides.
 *
 * Offsets are those of the RISC-V IOMMU specification, chapter 6 ("Memory-
 * mapped register interface"); only what invalidation needs is modelled.
 * Handshakes (RISC-V IOMMU spec 1.0, the ddtp and cqcsr registers): a write
 * of ddtp or of cqcsr.cqen sets the register's busy bit until the IOMMU has
 * acted on it, which may take a while; software writes neither register
 * while its busy bit is 1, and after setting (clearing) cqen waits for cqon
 * to read 1 (0) before using (freeing) the queue.  The IOMMU uses the ddtp
 * value it last acted on.  @capabilities is written by the model at reset
 * and read by the driver.
 * Every register is accessed with __atomic loads and stores whose order is
 * named where they are used.  Zeroed registers (but @capabilities) are the
 * reset state.
 */
#ifndef INVTRACK_RISCV_REGS_H
#define INVTRACK_RISCV_REGS_H

#include <stdint.h>

/* capabilities (0x00), RISC-V IOMMU §6.3: the bits the model implements. */
#define INVT_RV_CAP_SV32		(1ull << 8)
#define INVT_RV_CAP_SV39		(1ull << 9)
#define INVT_RV_CAP_SV48		(1ull << 10)
#define INVT_RV_CAP_SV57		(1ull << 11)
#define INVT_RV_CAP_SV32X4		(1ull << 16)
#define INVT_RV_CAP_SV39X4		(1ull << 17)
#define INVT_RV_CAP_SV48X4		(1ull << 18)
#define INVT_RV_CAP_SV57X4		(1ull << 19)
#define INVT_RV_CAP_MSI_FLAT		(1ull << 22)
#define INVT_RV_CAP_ATS			(1ull << 25)
#define INVT_RV_CAP_PD8			(1ull << 38)
/* Extensions (spec chapter "IOMMU Extensions"): NL, IOTINVAL dw0[34]; S, dw1[9]. */
#define INVT_RV_CAP_NL			(1ull << 42)
#define INVT_RV_CAP_S			(1ull << 43)
/* cqcsr (0x48): cqen 0, cie 1, cqmf 8, cmd_to 9, cmd_ill 10, fence_w_ip 11 (RW1C), cqon 16, busy 17. */
#define INVT_RV_CQCSR_CQEN		(1u << 0)
#define INVT_RV_CQCSR_CQMF		(1u << 8)
#define INVT_RV_CQCSR_CMD_TO		(1u << 9)
#define INVT_RV_CQCSR_CMD_ILL		(1u << 10)
#define INVT_RV_CQCSR_FENCE_W_IP	(1u << 11)
#define INVT_RV_CQCSR_CQON		(1u << 16)
#define INVT_RV_CQCSR_BUSY		(1u << 17)
/*
 * ddtp (0x10): iommu_mode [3:0] (0 Off, 1 Bare, 2 1LVL, 3 2LVL, 4 3LVL),
 * busy [4] (read-only: a write is being acted on), PPN [53:10].
 */
#define INVT_RV_DDTP_MODE_MASK		0xfull
#define INVT_RV_DDTP_BUSY		(1ull << 4)
#define INVT_RV_DDTP_MODE_1LVL		2ull
#define INVT_RV_DDTP_PPN_SHIFT		10
/* cqb (0x18): LOG2SZ-1 [4:0], PPN [53:10]. */
#define INVT_RV_CQB_LOG2SZ_MASK		0x1full
#define INVT_RV_CQB_PPN_SHIFT		10

/**
 * struct invt_riscv_regs - the registers both sides see.
 * @capabilities: (0x00), written by the model at reset.
 * @fctl: (0x08) features control; 0 (little-endian, WSI off).
 * @ddtp: (0x10) device directory table pointer, written by the driver.
 * @cqb: (0x18) command queue base, written by the driver.
 * @cqh: (0x20) command queue head, written by the IOMMU only.
 * @cqt: (0x24) command queue tail, written by the driver only.
 * @cqcsr: (0x48) command queue control and status: the driver sets cqen
 *	and clears error bits by writing 1 through @cqcsr_clear; the IOMMU
 *	sets cqon, busy, cmd_ill, cmd_to.
 * @cqcsr_clear: write-1-to-clear mailbox for @cqcsr's error bits (driver
 *	side); the model applies it when the doorbell rings.
 * @doorbell: the model's reaction to a register write, or NULL (a consumer
 *	thread polls instead); the driver calls it after writing @cqt,
 *	@cqcsr, @cqcsr_clear or @ddtp.  Set before either side starts.
 * @poll: the model's clock, or NULL: the driver calls it once per round
 *	while it polls a busy bit or cqon, so that a model run inline can let
 *	its acknowledgements lag.  Set before either side starts.
 * @consume: NULL, or a model's step that the driver calls once per round
 *	while it polls @cqh (for room) or a fence's completion word: a model
 *	whose consumer runs on a thread of its own lets the polling thread
 *	consume, the interleaving in which the IOMMU consumed right then, so
 *	that completion never waits for that thread to be scheduled.  Real
 *	hardware and inline models leave it NULL.  Set before either side
 *	starts.
 * @doorbell_arg: argument of @doorbell, @poll and @consume.
 */
struct invt_riscv_regs {
	uint64_t capabilities;
	uint32_t fctl;
	uint64_t ddtp;
	uint64_t cqb;
	uint32_t cqh;
	uint32_t cqt;
	uint32_t cqcsr;
	uint32_t cqcsr_clear;
	void (*doorbell)(void *arg);
	void (*poll)(void *arg);
	void (*consume)(void *arg);
	void *doorbell_arg;
};

#endif /* INVTRACK_RISCV_REGS_H */
