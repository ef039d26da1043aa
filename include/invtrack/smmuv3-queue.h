/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/smmuv3-queue.h - the ARM SMMUv3 Command queue, both sides.
 *
 * Three parts, each usable without the others' internals:
 *
 *  1. struct invt_smmu_regs: the registers the driver and the modelled
 *     SMMU share (the "MMIO"): SMMU_CMDQ_BASE, SMMU_CMDQ_PROD,
 *     SMMU_CMDQ_CONS, SMMU_GERROR and SMMU_GERRORN, laid out as ARM IHI0070
 *     chapter 6 ("Memory map and registers") describes them, plus the
 *     model's doorbell.  Queue memory and the register words are all that
 *     passes between the two sides.
 *  2. struct invt_smmu_cmdq: the driver's producer (src/arch/smmuv3/queue.c).
 *     It writes batches of 16-byte commands, publishes SMMU_CMDQ_PROD, waits
 *     for CMD_SYNC completion by polling SMMU_CMDQ_CONS and recovers from
 *     command errors.
 *  3. struct smmu_hw_queue: the model's consumer (src/arch/smmuv3/hw-queue.c).
 *     It decodes each command with the independent hardware-side decoder
 *     (src/arch/smmuv3/hw.h) and hands it to an executor (the model's
 *     caches), inline from the doorbell or on its own thread.
 *
 * Queue semantics (IHI0070 §3.5 "Command and Event queues", docs/hardware.md §1
 * "Command queue"): a queue of 2^LOG2SIZE entries; PROD and CONS hold an
 * index in bits [LOG2SIZE-1:0] and a wrap flag at bit LOG2SIZE; the queue is
 * empty when both (index and wrap) are equal, full when the indices are
 * equal and the wrap flags differ.  A CMD_SYNC is consumed only once every
 * earlier command is complete.  On a command error the consumer stops with
 * CONS.RD at the offending command, writes the error to CONS.ERR and
 * toggles GERROR.CMDQ_ERR; it resumes when software toggles GERRORN.CMDQ_ERR
 * to match.
 */
#ifndef INVTRACK_SMMUV3_QUEUE_H
#define INVTRACK_SMMUV3_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/compat.h>

/* ------------------------------------------------------------- registers */

/* Bytes of one Command queue entry (IHI0070 §4.1, "Command format"). */
#define INVT_SMMU_CMD_BYTES		16

/*
 * SMMU_CMDQ_BASE (offset 0x90, 64-bit): LOG2SIZE [4:0], ADDR [55:5],
 * RA [62].  LOG2SIZE may not exceed SMMU_IDR1.CMDQS, itself at most 19.
 * The base is aligned to the larger of 32 bytes and the queue's size.
 */
#define INVT_SMMU_CMDQ_BASE_LOG2SIZE	0x1full
#define INVT_SMMU_CMDQ_BASE_ADDR	0x00ffffffffffffe0ull
#define INVT_SMMU_CMDQ_MAX_LOG2SIZE	19

/*
 * SMMU_CMDQ_PROD (0x98): WR [19:0], the index in [LOG2SIZE-1:0] and the wrap
 * flag at bit LOG2SIZE.  SMMU_CMDQ_CONS (0x9C): RD [19:0], laid out the
 * same, and ERR [30:24], the CERROR code of the command at RD while the
 * queue is stopped on an error.
 */
#define INVT_SMMU_CMDQ_CONS_ERR_SHIFT	24
#define INVT_SMMU_CMDQ_CONS_ERR_MASK	(0x7fu << INVT_SMMU_CMDQ_CONS_ERR_SHIFT)

/* SMMU_CMDQ_CONS.ERR values (IHI0070 chapter 4, command errors). */
#define INVT_SMMU_CERROR_NONE		0
#define INVT_SMMU_CERROR_ILL		1	/* illegal command */
#define INVT_SMMU_CERROR_ABT		2	/* abort on command fetch */
#define INVT_SMMU_CERROR_ATC_INV_SYNC	3	/* ATS invalidation timed out, on the CMD_SYNC */

/*
 * SMMU_GERROR (0x60) / SMMU_GERRORN (0x64): CMDQ_ERR is bit 0.  An error is
 * active while the bit differs between the two registers; the SMMU toggles
 * GERROR to raise it, software toggles GERRORN to acknowledge.
 */
#define INVT_SMMU_GERROR_CMDQ_ERR	(1u << 0)

/* SMMU_STRTAB_BASE ADDR [51:6]; SMMU_STRTAB_BASE_CFG LOG2SIZE [5:0], FMT [17:16]. */
#define INVT_SMMU_STRTAB_BASE_ADDR	0x000fffffffffffc0ull
#define INVT_SMMU_STRTAB_CFG_LOG2SIZE	0x3fu
#define INVT_SMMU_STRTAB_CFG_FMT_SHIFT	16

/*
 * Identification registers (IHI0070 §6.3, SMMU_IDR0..5): read-only, set by
 * the SMMU at reset; the driver derives its configuration from them.
 *
 * SMMU_IDR0 (0x00): S2P [0], S1P [1], TTF [3:2] (0b10 VMSAv8-64 only, 0b11
 * VMSAv8-32 LPAE too), COHACC [4], HTTU [7:6], Hyp [9], ATS [10], ASID16
 * [12], PRI [16], VMID16 [18], CD2L [19], TTENDIAN [22:21], STALL_MODEL
 * [25:24], TERM_MODEL [26], ST_LEVEL [28:27] (0b00 linear stream table
 * only, 0b01 two-level too).
 */
#define INVT_SMMU_IDR0_S2P		(1u << 0)
#define INVT_SMMU_IDR0_S1P		(1u << 1)
#define INVT_SMMU_IDR0_TTF_AA32		(1u << 2)
#define INVT_SMMU_IDR0_TTF_AA64		(1u << 3)
#define INVT_SMMU_IDR0_COHACC		(1u << 4)
#define INVT_SMMU_IDR0_HTTU_SHIFT	6
#define INVT_SMMU_IDR0_HYP		(1u << 9)
#define INVT_SMMU_IDR0_ATS		(1u << 10)
#define INVT_SMMU_IDR0_ASID16		(1u << 12)
#define INVT_SMMU_IDR0_PRI		(1u << 16)
#define INVT_SMMU_IDR0_VMID16		(1u << 18)
#define INVT_SMMU_IDR0_CD2L		(1u << 19)
#define INVT_SMMU_IDR0_TTENDIAN_SHIFT	21
#define INVT_SMMU_IDR0_STALL_SHIFT	24
#define INVT_SMMU_IDR0_TERM_MODEL	(1u << 26)
#define INVT_SMMU_IDR0_ST_LEVEL_SHIFT	27
/*
 * SMMU_IDR1 (0x04): SIDSIZE [5:0] (StreamID bits), SSIDSIZE [10:6]
 * (SubstreamID bits, 0..20), PRIQS [15:11], EVTQS [20:16], CMDQS [25:21]
 * (largest Command queue LOG2SIZE, at most 19).
 */
#define INVT_SMMU_IDR1_SIDSIZE(v)	((v) & 0x3fu)
#define INVT_SMMU_IDR1_SSIDSIZE(v)	(((v) >> 6) & 0x1fu)
#define INVT_SMMU_IDR1_CMDQS(v)		(((v) >> 21) & 0x1fu)
#define INVT_SMMU_IDR1_SSIDSIZE_SHIFT	6
#define INVT_SMMU_IDR1_CMDQS_SHIFT	21
/* SMMU_IDR3 (0x0C): RIL [10], range invalidation (SMMUv3.2). */
#define INVT_SMMU_IDR3_RIL		(1u << 10)
/*
 * SMMU_IDR5 (0x14): OAS [2:0] (0b000 32 bits, 0b001 36, 0b010 40, 0b011
 * 42, 0b100 44, 0b101 48, 0b110 52: the PS encoding of <invtrack/smmuv3-cfg.h>),
 * GRAN4K [4], GRAN16K [5], GRAN64K [6], VAX [11:10] (0b00 48-bit VAs,
 * 0b01 52-bit with the 64K granule).
 */
#define INVT_SMMU_IDR5_OAS(v)		((v) & 7u)
#define INVT_SMMU_IDR5_GRAN4K		(1u << 4)
#define INVT_SMMU_IDR5_GRAN16K		(1u << 5)
#define INVT_SMMU_IDR5_GRAN64K		(1u << 6)
#define INVT_SMMU_IDR5_VAX_SHIFT	10

/*
 * SMMU_CR0 (0x20) and SMMU_CR0ACK (0x24), IHI0070 §6.3: SMMUEN
 * [0], PRIQEN [1], EVTQEN [2], CMDQEN [3], ATSCHK [4].  Software writes CR0;
 * a change takes effect when the SMMU reflects it in CR0ACK, which may lag.
 * Software must not change CR0 again before CR0ACK matches it, and may only
 * write SMMU_CMDQ_BASE while CMDQEN is 0 in both, SMMU_STRTAB_BASE(_CFG)
 * while SMMUEN is 0 in both (§6.3: the registers are then RO / IGNORED).
 */
#define INVT_SMMU_CR0_SMMUEN		(1u << 0)
#define INVT_SMMU_CR0_PRIQEN		(1u << 1)
#define INVT_SMMU_CR0_EVTQEN		(1u << 2)
#define INVT_SMMU_CR0_CMDQEN		(1u << 3)
#define INVT_SMMU_CR0_ATSCHK		(1u << 4)

/*
 * SMMU_GBPA (0x44), IHI0070 §6.3: what incoming transactions get while
 * SMMUEN is 0.  ABORT [20] terminates them (else they bypass); UPDATE [31]:
 * software writes the new value with UPDATE set, the SMMU clears UPDATE once
 * the value took effect; software writes only while UPDATE reads 0.
 */
#define INVT_SMMU_GBPA_ABORT		(1u << 20)
#define INVT_SMMU_GBPA_UPDATE		(1u << 31)

/**
 * struct invt_smmu_regs - the registers both sides of the queue see.
 * @gerror: SMMU_GERROR (0x60); written by the SMMU only.
 * @gerrorn: SMMU_GERRORN (0x64); written by software only.
 * @strtab_base: SMMU_STRTAB_BASE (0x80): ADDR [51:6] of the stream table
 *	(linear format only here); written by software before any STE is used.
 * @strtab_base_cfg: SMMU_STRTAB_BASE_CFG (0x88): LOG2SIZE [5:0] (the table
 *	holds 2^LOG2SIZE STEs), FMT [17:16] (0 linear).
 * @cmdq_base: SMMU_CMDQ_BASE (0x90); ADDR holds the queue memory's address
 *	(the model's "physical" address space is the host's).
 * @cmdq_prod: SMMU_CMDQ_PROD (0x98); written by software only.
 * @cmdq_cons: SMMU_CMDQ_CONS (0x9C); written by the SMMU only.
 * @idr0: SMMU_IDR0 (0x00); set by the SMMU at reset, read-only.
 * @idr1: SMMU_IDR1 (0x04); likewise.
 * @idr3: SMMU_IDR3 (0x0C); likewise.
 * @idr5: SMMU_IDR5 (0x14); likewise.
 * @cr0: SMMU_CR0 (0x20); written by software only.
 * @cr0ack: SMMU_CR0ACK (0x24); written by the SMMU only.
 * @gbpa: SMMU_GBPA (0x44); software writes it with UPDATE set, the SMMU
 *	clears UPDATE.
 * @doorbell: the model's reaction to a register write, or NULL (a consumer
 *	thread polls instead).  The driver calls it after writing
 *	@cmdq_prod, @gerrorn, @cr0 or @gbpa; an inline consumer runs in the
 *	calling thread.
 * @poll: the model's clock, or NULL: the driver calls it once per round
 *	while it polls @cr0ack or @gbpa for an acknowledgement, so that a
 *	model run inline can let its acknowledgements lag (real hardware
 *	moves on its own).
 * @consume: NULL, or a model's step that the driver calls once per round
 *	without progress while it polls @cmdq_cons (for a CMD_SYNC, or for
 *	room): a model whose consumer runs on a thread of its own lets the
 *	polling thread consume, the interleaving in which the SMMU consumed
 *	right then, so that completion never waits for that thread to be
 *	scheduled.  Real hardware and inline models leave it NULL.
 * @doorbell_arg: argument of @doorbell, @poll and @consume.
 *
 * Every register is accessed with __atomic loads and stores whose order is
 * named where they are used.  The hooks and @doorbell_arg are set
 * before either side starts and never change.  Zeroed registers (but the
 * IDRs) are the reset state: SMMU disabled, empty queue, no error.
 */
struct invt_smmu_regs {
	uint32_t idr0;
	uint32_t idr1;
	uint32_t idr3;
	uint32_t idr5;
	uint32_t cr0;
	uint32_t cr0ack;
	uint32_t gbpa;
	uint32_t gerror;
	uint32_t gerrorn;
	uint64_t strtab_base;
	uint32_t strtab_base_cfg;
	uint64_t cmdq_base;
	uint32_t cmdq_prod;
	uint32_t cmdq_cons;
	void (*doorbell)(void *arg);
	void (*poll)(void *arg);
	void (*consume)(void *arg);
	void *doorbell_arg;
};

/**
 * invt_smmu_q_idx() - the index part of a PROD or CONS value.
 * @v: the register value.
 * @log2size: the queue's LOG2SIZE.
 *
 * Return: bits [@log2size-1:0].
 */
static inline uint32_t invt_smmu_q_idx(uint32_t v, unsigned int log2size)
{
	return v & ((1u << log2size) - 1);
}

/**
 * invt_smmu_q_wrp() - the wrap flag of a PROD or CONS value.
 * @v: the register value.
 * @log2size: the queue's LOG2SIZE.
 *
 * Return: bit @log2size of @v, in place (0 or 1 << @log2size).
 */
static inline uint32_t invt_smmu_q_wrp(uint32_t v, unsigned int log2size)
{
	return v & (1u << log2size);
}

/**
 * invt_smmu_q_used() - entries between CONS and PROD.
 * @prod: SMMU_CMDQ_PROD.
 * @cons: SMMU_CMDQ_CONS (ERR is ignored).
 * @log2size: the queue's LOG2SIZE.
 *
 * Return: 0 (empty) to 2^@log2size (full).
 */
static inline uint32_t invt_smmu_q_used(uint32_t prod, uint32_t cons, unsigned int log2size)
{
	return (prod - cons) & ((2u << log2size) - 1);
}

/**
 * invt_smmu_q_empty() - PROD and CONS are equal, index and wrap flag.
 * @prod: SMMU_CMDQ_PROD.
 * @cons: SMMU_CMDQ_CONS.
 * @log2size: the queue's LOG2SIZE.
 *
 * Return: true when the queue holds nothing.
 */
static inline bool invt_smmu_q_empty(uint32_t prod, uint32_t cons, unsigned int log2size)
{
	return invt_smmu_q_idx(prod, log2size) == invt_smmu_q_idx(cons, log2size) &&
	       invt_smmu_q_wrp(prod, log2size) == invt_smmu_q_wrp(cons, log2size);
}

/**
 * invt_smmu_q_full() - equal indices, different wrap flags.
 * @prod: SMMU_CMDQ_PROD.
 * @cons: SMMU_CMDQ_CONS.
 * @log2size: the queue's LOG2SIZE.
 *
 * Return: true when every entry holds an unconsumed command.
 */
static inline bool invt_smmu_q_full(uint32_t prod, uint32_t cons, unsigned int log2size)
{
	return invt_smmu_q_idx(prod, log2size) == invt_smmu_q_idx(cons, log2size) &&
	       invt_smmu_q_wrp(prod, log2size) != invt_smmu_q_wrp(cons, log2size);
}

/* ------------------------------------------------------------ driver side */

/* Polls without progress before a wait gives up (-ETIMEDOUT). */
#define INVT_SMMU_CMDQ_DEFAULT_SPINS	(1u << 24)
/* Failed CMD_SYNCs remembered for invt_smmu_cmdq_wait(). */
#define INVT_SMMU_CMDQ_FAIL_LOG		64

/**
 * typedef invt_smmu_cmdq_err_t - told about each command error recovered.
 * @arg: the driver's cookie.
 * @cerror: INVT_SMMU_CERROR_ILL (the command was skipped), _ATC_INV_SYNC
 *	(@dw is the CMD_SYNC, which is retried) or _ABT (fetch retried).
 * @index: the command's logical index in the queue (0 for the first command
 *	ever written at reset).
 * @dw: the command's two words as the SMMU read them (before any rewrite).
 *
 * Called once per error, by whichever thread recovers it: a waiter, a
 * caller of invt_smmu_cmdq_poll(), or a producer waiting for space (then
 * with the producer lock held).  It must not use the queue.
 */
typedef void (*invt_smmu_cmdq_err_t)(void *arg, unsigned int cerror, uint64_t index,
				     const uint64_t dw[2]);

/**
 * struct invt_smmu_cmdq_stats - what happened on a queue; each field atomic.
 * @cmds: commands written.
 * @syncs: CMD_SYNCs written.
 * @full_waits: times a producer found the queue full and had to poll CONS.
 * @ill: CERROR_ILL recovered (commands skipped).
 * @abt: CERROR_ABT recovered.
 * @atc_inv_sync: CERROR_ATC_INV_SYNC recovered (syncs retried).
 * @timeouts: submits or waits that gave up with -ETIMEDOUT.
 */
struct invt_smmu_cmdq_stats {
	uint64_t cmds;
	uint64_t syncs;
	uint64_t full_waits;
	uint64_t ill;
	uint64_t abt;
	uint64_t atc_inv_sync;
	uint64_t timeouts;
};

/**
 * struct invt_smmu_cmdq - the driver's side of one Command queue.
 * @regs: the SMMU's registers.
 * @base: queue memory (16 << @log2size bytes, owned by the queue).
 * @log2size: SMMU_CMDQ_BASE.LOG2SIZE.
 * @spin_limit: polls without progress before -ETIMEDOUT (read atomically:
 *	may be changed while the queue is in use).
 * @on_error: optional error report, see invt_smmu_cmdq_err_t.
 * @err_arg: argument of @on_error.
 * @on_write: optional, called for each command as it is copied into queue
 *	memory, with its logical index, under the producer lock: a trace in
 *	writing order.  It must not use the queue.
 * @write_arg: argument of @on_write.
 * @lock: the producer lock: slot reservation, command stores and the
 *	PROD publication of one batch happen under it, so batches are
 *	contiguous in the queue.  Never held while waiting for a CMD_SYNC.
 * @prod: logical producer count (commands ever written); under @lock.
 * @last_sync: token of the last CMD_SYNC written (0: none); written under
 *	@lock with sequentially consistent stores, read without it.
 * @prod_pub: logical value of the last PROD published; atomic.
 * @cons: logical consumer count, a lower bound of the SMMU's (only ever
 *	raised, by whoever polls CONS); atomic.
 * @recovering: a thread owns error recovery (atomic flag).
 * @err_lock: protects @fail_log and @nr_fail; orders error bookkeeping
 *	between recovery and producers.
 * @nr_open: CERROR_ILL recovered whose covering CMD_SYNC (the first one
 *	after the bad command) was not yet written; atomic.
 * @fail_max: largest token in @fail_log (acquire/release).
 * @fail_log: tokens of CMD_SYNCs that failed, ring of the last
 *	INVT_SMMU_CMDQ_FAIL_LOG.
 * @nr_fail: entries ever added to @fail_log.
 * @stats: counters.
 *
 * Logical indices are 64-bit counts of commands; the registers hold them
 * modulo 2^(LOG2SIZE+1) (index and wrap flag).  A token is the logical
 * index of a CMD_SYNC plus one, which is the logical CONS value at which
 * that sync has been consumed; token 0 names no sync and is always done.
 */
struct invt_smmu_cmdq {
	struct invt_smmu_regs *regs;
	uint8_t *base;
	unsigned int log2size;
	uint32_t spin_limit;
	invt_smmu_cmdq_err_t on_error;
	void *err_arg;
	void (*on_write)(void *arg, uint64_t index, const void *slot);
	void *write_arg;

	invt_mutex_t lock;
	uint64_t prod;
	uint64_t last_sync;
	uint64_t prod_pub;
	uint64_t cons;

	int recovering;
	invt_mutex_t err_lock;
	uint32_t nr_open;
	uint64_t fail_max;
	uint64_t fail_log[INVT_SMMU_CMDQ_FAIL_LOG];
	uint64_t nr_fail;

	struct invt_smmu_cmdq_stats stats;
};

/**
 * invt_smmu_cmdq_init() - allocate queue memory and program the registers.
 * @q: the queue.
 * @regs: the SMMU's registers, with no command error active.
 * @log2size: 0..INVT_SMMU_CMDQ_MAX_LOG2SIZE.
 *
 * Writes SMMU_CMDQ_BASE and adopts the current SMMU_CMDQ_PROD and
 * SMMU_CMDQ_CONS as logical positions (zero after reset; a test may start
 * near a wrap).  Call before the consumer runs.
 *
 * Return: 0, -EINVAL (bad size, error active), -ENOMEM.
 */
int invt_smmu_cmdq_init(struct invt_smmu_cmdq *q, struct invt_smmu_regs *regs,
			unsigned int log2size);

/**
 * invt_smmu_cmdq_destroy() - free queue memory; the consumer must be stopped.
 * @q: the queue.
 */
void invt_smmu_cmdq_destroy(struct invt_smmu_cmdq *q);

/**
 * invt_smmu_cmdq_submit() - write commands to the queue and ring the doorbell.
 * @q: the queue.
 * @cmds: @ncmds commands of INVT_SMMU_CMD_BYTES each, in queue format
 *	(little-endian, as invt_smmu_cmd_encode_le() writes them).
 * @ncmds: how many; may exceed the queue's size (written as space frees).
 * @token: receives the token of the last CMD_SYNC in @cmds or, if there is
 *	none, of the last CMD_SYNC written before (0 if none ever was).
 *
 * Under the producer lock: waits for free entries (polling CONS, recovering
 * command errors it finds), copies what fits, publishes PROD with a release
 * store and calls the doorbell; repeats until everything is written.  The
 * batch is contiguous in the queue.  Does not wait for completion.
 *
 * Return: 0; -EINVAL for @ncmds == 0; -ETIMEDOUT when no entry freed up
 * within @q->spin_limit polls, in which case a prefix of @cmds was written
 * and published and @token names its last CMD_SYNC.
 */
int invt_smmu_cmdq_submit(struct invt_smmu_cmdq *q, const void *cmds, uint32_t ncmds,
			  uint64_t *token);

/**
 * invt_smmu_cmdq_wait() - wait until a CMD_SYNC was consumed.
 * @q: the queue.
 * @token: from invt_smmu_cmdq_submit().
 *
 * Polls CONS (acquire) until it is logically past the sync, recovering
 * command errors on the way (one thread recovers, the others keep polling).
 * Takes no producer lock.  On return 0 every command written before the
 * sync has taken effect.
 *
 * Return: 0; -EIO when the sync completed but did not cover everything
 * before it: a command between the previous CMD_SYNC and this one was
 * CERROR_ILL (skipped), or the sync itself was, or it reported
 * CERROR_ATC_INV_SYNC (a device did not answer an ATS invalidation) - only
 * the last INVT_SMMU_CMDQ_FAIL_LOG such syncs are remembered; -ETIMEDOUT
 * after @q->spin_limit polls without progress.
 */
int invt_smmu_cmdq_wait(struct invt_smmu_cmdq *q, uint64_t token);

/**
 * invt_smmu_cmdq_poll() - refresh CONS and recover an active command error.
 * @q: the queue.
 *
 * What a GERROR interrupt handler does; producers and waiters call the same
 * code while they poll.
 *
 * Return: the logical CONS known after the poll.
 */
uint64_t invt_smmu_cmdq_poll(struct invt_smmu_cmdq *q);

#endif /* INVTRACK_SMMUV3_QUEUE_H */
