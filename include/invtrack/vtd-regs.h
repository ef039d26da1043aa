/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/vtd-regs.h - the Intel VT-d registers that the driver and the
 * modelled remapping unit share (the "MMIO"), both sides.
 *
 * Offsets are those of the VT-d specification, chapter 11 ("Register
 * Descriptions"); only what invalidation needs is modelled.  Simplifications
 * of the model, documented here so both sides agree:
 *  - GCMD_REG is write-only in hardware: here a write is a store of @gcmd
 *    followed by a release store of 1 into the @gcmd_written mailbox and a
 *    ring of the doorbell (invt_vtd_gcmd_write()); the unit takes it when it
 *    next runs and reports it in @gsts, possibly several runs later (a
 *    status that lags).  The driver polls @gsts, ringing the doorbell (a
 *    register access the inline model reacts to);
 *  - @cap and @ecap are written by the model at reset and read by the driver.
 * Every register is accessed with __atomic loads and stores whose order is
 * named where they are used.  Zeroed registers (but @cap / @ecap) are the
 * reset state.
 */
#ifndef INVTRACK_VTD_REGS_H
#define INVTRACK_VTD_REGS_H

#include <stdint.h>

/* CAP_REG (0x08) fields the model implements (VT-d §11.4.2). */
#define INVT_VTD_CAP_ND_MASK		0x7ull		/* [2:0] domains: 2^(4+2*ND) */
#define INVT_VTD_CAP_SAGAW_SHIFT	8		/* [12:8] 4-level bit 2, 5-level bit 3 */
#define INVT_VTD_CAP_MGAW_SHIFT		16		/* [21:16] MGAW - 1 */
#define INVT_VTD_CAP_PSI		(1ull << 39)	/* page-selective invalidation */
#define INVT_VTD_CAP_MAMV_SHIFT		48		/* [53:48] max address mask */
#define INVT_VTD_CAP_FL5LP		(1ull << 60)	/* first-stage 5-level paging */
/* ECAP_REG (0x10) fields (VT-d §11.4.3). */
#define INVT_VTD_ECAP_QI		(1ull << 1)	/* queued invalidation */
#define INVT_VTD_ECAP_DT		(1ull << 2)	/* device-TLBs (ATS) */
#define INVT_VTD_ECAP_NEST		(1ull << 26)	/* nested translation (PGTT 011b) */
#define INVT_VTD_ECAP_SRS		(1ull << 31)	/* supervisor requests */
#define INVT_VTD_ECAP_PASID		(1ull << 40)
#define INVT_VTD_ECAP_PSS_SHIFT		35		/* [39:35] PASID bits - 1 */
#define INVT_VTD_ECAP_SMTS		(1ull << 43)	/* scalable mode */
#define INVT_VTD_ECAP_SLTS		(1ull << 46)	/* second-stage translation */
#define INVT_VTD_ECAP_FLTS		(1ull << 47)	/* first-stage translation */

/*
 * GCMD_REG (0x18) and GSTS_REG (0x1C) (§11.4.4, §11.4.5): translation
 * enable (TE / TES), set root table pointer (SRTP, one-shot / RTPS),
 * queued invalidation enable (QIE / QIES).  Software writes GCMD with the
 * persistent bits it wants (TE, QIE) plus at most one command, then polls
 * GSTS for the matching status.
 */
#define INVT_VTD_GCMD_TE		(1u << 31)
#define INVT_VTD_GCMD_SRTP		(1u << 30)
#define INVT_VTD_GCMD_QIE		(1u << 26)
#define INVT_VTD_GSTS_TES		(1u << 31)
#define INVT_VTD_GSTS_RTPS		(1u << 30)
#define INVT_VTD_GSTS_QIES		(1u << 26)

/* RTADDR_REG (0x20): RTA [63:12]; TTM [11:10], 01b = scalable mode. */
#define INVT_VTD_RTADDR_TTM_SM		(1ull << 10)
/* FSTS_REG (0x34), RW1C: invalidation queue error, completion error, ITE. */
#define INVT_VTD_FSTS_IQE		(1u << 4)
#define INVT_VTD_FSTS_ICE		(1u << 5)
#define INVT_VTD_FSTS_ITE		(1u << 6)
/* IQA_REG (0x90): IQA [63:12], DW [11] (256-bit descriptors), QS [2:0]. */
#define INVT_VTD_IQA_DW			(1ull << 11)
#define INVT_VTD_IQA_QS_MASK		0x7ull
/* ICS_REG (0x9C): IWC [0], set by a wait descriptor with IF = 1. */
#define INVT_VTD_ICS_IWC		(1u << 0)

/**
 * struct invt_vtd_regs - the registers both sides see.
 * @cap: CAP_REG (0x08), written by the model at reset.
 * @ecap: ECAP_REG (0x10), written by the model at reset.
 * @gcmd: GCMD_REG (0x18), written by the driver (invt_vtd_gcmd_write()).
 * @gcmd_written: the write's mailbox: 1 from a GCMD write until the unit
 *	took it.
 * @gsts: GSTS_REG (0x1C), written by the unit (and RTPS cleared at a write
 *	of SRTP, as the register write does in hardware).
 * @rtaddr: RTADDR_REG (0x20), written by the driver; the unit uses it from
 *	the completion of the next SRTP on.
 * @fsts: FSTS_REG (0x34): the unit sets IQE/ITE/ICE; software clears them
 *	by writing 1 (the driver stores the value with the bits to clear into
 *	@fsts_clear and rings the doorbell; the model applies it).
 * @fsts_clear: write-1-to-clear mailbox for @fsts (driver side).  The
 *	unit clears the bits in @fsts before it takes them out of the mailbox
 *	(release), so a bit still in it is a clear not yet landed: the driver
 *	reads the mailbox (acquire) before @fsts and counts such a bit as
 *	cleared, as a real W1C write is by the time it is done.
 * @iqh: IQH_REG (0x80), written by the unit: QH at [18:4] (128-bit
 *	descriptors) or [18:5] (256-bit), i.e. the byte offset of the next
 *	descriptor it will fetch; 0 whenever queued invalidation is disabled
 *	(GSTS.QIES clear, §11.4.9.1).
 * @iqt: IQT_REG (0x88), written by the driver: QT, same encoding; software
 *	sets it to 0 before enabling queued invalidation (the queue then
 *	starts at its base).
 * @iqa: IQA_REG (0x90), written by the driver before the first tail write.
 * @ics: ICS_REG (0x9C).
 * @iqer: IQER_REG (0xB0): ITESID [47:32] on a device-TLB invalidation
 *	timeout, IQEI [3:0] on an invalid descriptor.
 * @doorbell: the model's reaction to a register write, or NULL (a consumer
 *	thread polls instead); the driver calls it after writing @iqt,
 *	@fsts_clear or @gcmd, and while polling @gsts.  Set before either side
 *	starts, never changed.
 * @consume: NULL, or a model's step that the driver calls once per round
 *	while it polls a wait descriptor's status word, @iqh (for room or a
 *	cleared error) or @gsts without a doorbell: a model whose consumer
 *	runs on a thread of its own lets the polling thread consume, the
 *	interleaving in which the unit fetched right then, so that completion
 *	never waits for that thread to be scheduled.  Real hardware and
 *	inline models leave it NULL.  Set before either side starts, never
 *	changed.
 * @doorbell_arg: the argument of @doorbell and @consume.
 */
struct invt_vtd_regs {
	uint64_t cap;
	uint64_t ecap;
	uint32_t gcmd;
	uint32_t gcmd_written;
	uint32_t gsts;
	uint64_t rtaddr;
	uint32_t fsts;
	uint32_t fsts_clear;
	uint64_t iqh;
	uint64_t iqt;
	uint64_t iqa;
	uint32_t ics;
	uint64_t iqer;
	void (*doorbell)(void *arg);
	void (*consume)(void *arg);
	void *doorbell_arg;
};

/**
 * invt_vtd_gcmd_write() - write GCMD_REG.
 * @r: the registers.
 * @val: the persistent bits wanted (TE, QIE) and at most one command.
 *
 * Clears GSTS.RTPS when @val sets SRTP (§11.4.5: hardware clears it when
 * software sets SRTP, i.e. at the write), stores @val, then publishes the
 * write (release: pairs with the unit's acquire of @gcmd_written; forbids it
 * taking SRTP or QIE before the stores of RTADDR, IQA and the tables they
 * name) and rings the doorbell.
 */
static inline void invt_vtd_gcmd_write(struct invt_vtd_regs *r, uint32_t val)
{
	if (val & INVT_VTD_GCMD_SRTP)
		__atomic_fetch_and(&r->gsts, ~INVT_VTD_GSTS_RTPS, __ATOMIC_RELAXED);
	__atomic_store_n(&r->gcmd, val, __ATOMIC_RELAXED);
	__atomic_store_n(&r->gcmd_written, 1, __ATOMIC_RELEASE);
	if (r->doorbell)
		r->doorbell(r->doorbell_arg);
}

#endif /* INVTRACK_VTD_REGS_H */
