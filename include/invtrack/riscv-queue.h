/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/riscv-queue.h - the RISC-V IOMMU command queue, driver side (the
 * producer, src/arch/riscv/queue.c).  The registers both sides share are in
 * <invtrack/riscv-regs.h>.
 *
 * Queue semantics (RISC-V IOMMU 1.0, "Command-Queue (CQ)" and the cqb / cqh
 * / cqt / cqcsr registers; docs/hardware.md §3): 2^LOG2SZ entries of 16 bytes;
 * cqh (the IOMMU's head) and cqt (software's tail) are plain indices, no
 * wrap bit: empty when cqh == cqt, full when cqt == cqh - 1 (one entry is
 * always left unused).  The IOMMU fetches in order but may execute out of
 * order; IOFENCE.C completes once every earlier command has, and with AV = 1
 * then writes its 32-bit DATA to ADDR.  On an illegal command the queue
 * stops with cqh at it and cqcsr.cmd_ill set; an ATS.INVAL that timed out
 * is reported at the next IOFENCE.C, which stops the queue with cqh at the
 * fence and cqcsr.cmd_to set.  Software clears either bit (write 1, here
 * through cqcsr_clear and the doorbell) and the IOMMU goes on from cqh.
 *
 * Completion: every IOFENCE.C the producer writes is made AV = 1 with DATA
 * = the low 32 bits of its token, ADDR = one completion word of the queue's
 * DMA memory.  Fences complete in queue order, so the word only moves
 * forward; a waiter reads it with acquire and reconstructs the 64-bit token
 * from the highest one known (tokens in flight stay far below 2^32 apart).
 */
#ifndef INVTRACK_RISCV_QUEUE_H
#define INVTRACK_RISCV_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/compat.h>
#include <invtrack/drv-common.h>
#include <invtrack/riscv-regs.h>

/* Bytes of one command-queue entry. */
#define INVT_RV_CMD_BYTES		16
/* Largest queue here: 2^19 entries (the register allows more). */
#define INVT_RV_CMDQ_MAX_LOG2SIZE	19
/* Polls without progress before a wait gives up (-ETIMEDOUT). */
#define INVT_RV_CMDQ_DEFAULT_SPINS	(1u << 24)
/* Failed fences remembered for invt_rv_cmdq_wait(). */
#define INVT_RV_CMDQ_FAIL_LOG		64

/**
 * typedef invt_rv_cmdq_err_t - told about each queue error recovered.
 * @arg: the driver's cookie.
 * @bit: INVT_RV_CQCSR_CMD_ILL (@dw is the illegal command, now replaced by
 *	an IOFENCE.C), INVT_RV_CQCSR_CMD_TO (@dw is the fence that reported
 *	the timeout, which the IOMMU executes again) or INVT_RV_CQCSR_CQMF.
 * @index: the command's logical index (0 is the first command ever
 *	written).
 * @dw: the command's two words as the IOMMU read them.
 *
 * Called with the producer lock held: it must not use the queue.
 */
typedef void (*invt_rv_cmdq_err_t)(void *arg, uint32_t bit, uint64_t index, const uint64_t dw[2]);

/**
 * struct invt_rv_cmdq_stats - what happened on a queue; each field atomic.
 * @cmds: commands written.
 * @fences: IOFENCE.Cs written.
 * @full_waits: times a producer found the queue full and polled cqh.
 * @ill: illegal commands skipped (cmd_ill).
 * @cmd_to: ATS invalidation timeouts reported (cmd_to), fences retried.
 * @cqmf: memory faults on the queue cleared (cqmf).
 * @timeouts: submits or waits that gave up with -ETIMEDOUT (and the
 *	driver's ddtp busy waits that did).
 */
struct invt_rv_cmdq_stats {
	uint64_t cmds;
	uint64_t fences;
	uint64_t full_waits;
	uint64_t ill;
	uint64_t cmd_to;
	uint64_t cqmf;
	uint64_t timeouts;
};

/**
 * struct invt_rv_cmdq - the driver's side of one command queue.
 * @regs: the IOMMU's registers.
 * @mem: where queue memory and the completion word come from.
 * @base: queue memory (16 << @log2size bytes, at least 4 KiB).
 * @base_pa: its physical address, in cqb.
 * @base_bytes: bytes allocated at @base.
 * @log2size: log2 of the entries.
 * @done_word: the completion word every fence writes (DMA memory).
 * @done_pa: its physical address.
 * @spin_limit: polls without progress before -ETIMEDOUT (atomic).
 * @on_error: optional error report.
 * @err_arg: its argument.
 * @on_write: optional, called for each command copied into queue memory
 *	(final form: fences stamped), with its logical index, under @lock.
 * @write_arg: its argument.
 * @lock: the producer lock: slot reservation, command stores, cqt
 *	publication, and all error recovery happen under it, so batches are
 *	contiguous and recovery sees a stable tail.  Never held while waiting
 *	for a fence.
 * @prod: logical tail (commands ever written); under @lock.
 * @cons: logical head as last read from cqh; under @lock.
 * @prod_pub: @prod as published, stored (release) just before cqt.
 * @last_fence: token of the last fence written (0: none; atomic).
 * @done: highest token known complete (atomic, only raised).
 * @open_error: an illegal command was skipped and no fence after it was
 *	written yet: the next one written fails (under @lock).
 * @fail_max: largest token in @fail_log (atomic, release).
 * @fail_log: tokens of fences that completed without covering everything
 *	before them (under @lock).
 * @nr_fail: entries ever added to @fail_log (under @lock).
 * @stats: counters.
 *
 * A token names a fence: its logical index + 1, the head value once it is
 * consumed.  Token 0 names nothing and is always complete.
 */
struct invt_rv_cmdq {
	struct invt_riscv_regs *regs;
	const struct invt_dma_ops *mem;
	uint8_t *base;
	uint64_t base_pa;
	size_t base_bytes;
	unsigned int log2size;
	uint32_t *done_word;
	uint64_t done_pa;
	uint32_t spin_limit;
	invt_rv_cmdq_err_t on_error;
	void *err_arg;
	void (*on_write)(void *arg, uint64_t index, const void *slot);
	void *write_arg;

	invt_mutex_t lock;
	uint64_t prod;
	uint64_t cons;
	uint64_t prod_pub;
	uint64_t last_fence;
	uint64_t done;
	bool open_error;
	uint64_t fail_max;
	uint64_t fail_log[INVT_RV_CMDQ_FAIL_LOG];
	uint64_t nr_fail;

	struct invt_rv_cmdq_stats stats;
};

/**
 * invt_rv_cmdq_init() - allocate the queue, program cqb and turn it on.
 * @q: the queue.
 * @regs: the IOMMU's registers, queue off (cqcsr.cqen and cqon clear).
 * @mem: DMA memory (must outlive the queue).
 * @log2size: 1..INVT_RV_CMDQ_MAX_LOG2SIZE.
 *
 * Writes cqb and cqt = 0, then sets cqcsr.cqen (release) and waits for
 * cqcsr.cqon.  The consumer must be running (or inline) before the call.
 *
 * Return: 0; -EINVAL (bad size, queue already on); -ENOMEM (no memory, or
 * memory above what cqb can name); -ETIMEDOUT (cqon never came).  On error
 * nothing is left allocated and the registers are as they were.
 */
int invt_rv_cmdq_init(struct invt_rv_cmdq *q, struct invt_riscv_regs *regs,
		      const struct invt_dma_ops *mem, unsigned int log2size);

/**
 * invt_rv_cmdq_destroy() - turn the queue off and free its memory.
 * @q: the queue; nobody may submit or wait any more.
 *
 * Clears cqcsr.cqen and waits (bounded) for cqon to drop first.
 */
void invt_rv_cmdq_destroy(struct invt_rv_cmdq *q);

/**
 * invt_rv_cmdq_submit() - write commands and ring the doorbell.
 * @q: the queue.
 * @cmds: @ncmds commands of INVT_RV_CMD_BYTES each, little-endian
 *	(invt_rv_cmd_encode_le()).  Each IOFENCE.C among them is written with
 *	AV = 1, DATA = its token and ADDR = the completion word (any AV, DATA
 *	and ADDR given are replaced; PR, PW, WSI are kept).
 * @ncmds: how many, at least 1; may exceed the queue (written as it frees).
 * @token: receives the token of the last fence in @cmds or, without one,
 *	of the last fence written before (0 if none).
 *
 * Under the producer lock: waits for room (polling cqh and recovering
 * errors), copies what fits, publishes cqt with a release store and rings
 * the doorbell; repeats until everything is written.  Does not wait.
 *
 * Return: 0; -EINVAL for @ncmds == 0; -ETIMEDOUT when no entry freed up
 * within @q->spin_limit polls (a prefix was written, *@token names its last
 * fence).
 */
int invt_rv_cmdq_submit(struct invt_rv_cmdq *q, const void *cmds, uint32_t ncmds,
			uint64_t *token);

/**
 * invt_rv_cmdq_wait() - wait until the fence of @token completed.
 * @q: the queue.
 * @token: from invt_rv_cmdq_submit().
 *
 * Polls the completion word (acquire), recovering queue errors on the way.
 * On return 0 every command written before the fence has completed.
 *
 * Return: 0; -EIO when the fence completed without covering everything
 * before it (an illegal command since the previous fence was skipped, or an
 * ATS.INVAL timed out; only the last INVT_RV_CMDQ_FAIL_LOG failures are
 * remembered); -EINVAL for a token never handed out; -ETIMEDOUT.
 */
int invt_rv_cmdq_wait(struct invt_rv_cmdq *q, uint64_t token);

/**
 * invt_rv_cmdq_poll() - recover a pending queue error, refresh the head.
 * @q: the queue.
 *
 * What the command-queue interrupt handler does; producers and waiters run
 * the same code while they poll.
 *
 * Return: the logical head known after the poll.
 */
uint64_t invt_rv_cmdq_poll(struct invt_rv_cmdq *q);

#endif /* INVTRACK_RISCV_QUEUE_H */
