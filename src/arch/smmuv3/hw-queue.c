// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * hw-queue.c - the modelled SMMUv3's Command queue consumer (hardware side).
 *
 * Written apart from the driver's producer (queue.c): it shares only the
 * register block of <invtrack/smmuv3-queue.h> and queue memory, does its own
 * index arithmetic, and decodes with the model's decoder (hw.h), never the
 * driver's encoder.
 *
 * Behaviour, after IHI0070 §3.5 ("Command and Event queues"), §4.7.3
 * (CMD_SYNC) and docs/hardware.md §1 "Command queue":
 *  - commands are consumed in order from CONS.RD up to PROD.WR; the model
 *    executes each one synchronously before consuming the next, so a
 *    CMD_SYNC is consumed only once everything before it took effect, and
 *    nothing after it starts before;
 *  - CONS is advanced with a release store after each command;
 *  - on a command error the consumer stops with CONS.RD at the command,
 *    CONS.ERR set, and toggles GERROR.CMDQ_ERR; it does nothing more until
 *    GERRORN.CMDQ_ERR matches again, then resumes at CONS.RD (re-reading
 *    the entry, which software may have rewritten);
 *  - an ATC_INV the executor reports as timed out is reported as
 *    CERROR_ATC_INV_SYNC on the next CMD_SYNC, which is not consumed; the
 *    retried sync completes (the timed-out invalidation is not re-sent).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/smmuv3-queue.h>

/* invt_pmutex(): the lock as a pthread mutex, taken without draining anything. */
#include "compat-user.h"

#include "hw.h"

_Static_assert(SMMU_HW_CERROR_ILL == INVT_SMMU_CERROR_ILL &&
	       SMMU_HW_CERROR_ABT == INVT_SMMU_CERROR_ABT &&
	       SMMU_HW_CERROR_ATC_INV_SYNC == INVT_SMMU_CERROR_ATC_INV_SYNC,
	       "CONS.ERR codes");

/* CMD_SYNC ComplSignal values (IHI0070 §4.7.3). */
#define HWQ_CS_IRQ	1

/*
 * Default modelled costs, in ns.  ASSUMPTIONS, not measurements: no
 * authoritative published figure exists for SMMUv3 (docs/hardware.md §6 assumes
 * a CMD_SYNC round trip of about 1-5 us; the low end is used).  The others
 * are starting points of the same honesty: TLBI 100 ns, ATC_INV 500 ns,
 * configuration invalidation, PRI_RESP and RESUME 50 ns.
 */
static void hwq_default_costs(uint32_t *cost)
{
	static const uint8_t cfgi[] = {
		SMMU_HW_OP_CFGI_STE, SMMU_HW_OP_CFGI_STE_RANGE, SMMU_HW_OP_CFGI_CD,
		SMMU_HW_OP_CFGI_CD_ALL,
	};
	static const uint8_t tlbi[] = {
		SMMU_HW_OP_TLBI_NH_ALL, SMMU_HW_OP_TLBI_NH_ASID, SMMU_HW_OP_TLBI_NH_VA,
		SMMU_HW_OP_TLBI_NH_VAA, SMMU_HW_OP_TLBI_EL2_ALL, SMMU_HW_OP_TLBI_EL2_ASID,
		SMMU_HW_OP_TLBI_EL2_VA, SMMU_HW_OP_TLBI_EL2_VAA, SMMU_HW_OP_TLBI_S12_VMALL,
		SMMU_HW_OP_TLBI_S2_IPA, SMMU_HW_OP_TLBI_NSNH_ALL,
	};
	size_t i;

	memset(cost, 0, sizeof(uint32_t) * SMMU_HW_QUEUE_NR_OPS);
	for (i = 0; i < sizeof(cfgi); i++)
		cost[cfgi[i]] = 50;
	for (i = 0; i < sizeof(tlbi); i++)
		cost[tlbi[i]] = 100;
	cost[SMMU_HW_OP_ATC_INV] = 500;
	cost[SMMU_HW_OP_PRI_RESP] = 50;
	cost[SMMU_HW_OP_RESUME] = 50;
	cost[SMMU_HW_OP_SYNC] = 1000;
}

static bool hwq_stopped(struct smmu_hw_queue *hq)
{
	/* Only the SMMU writes GERROR. */
	uint32_t g = __atomic_load_n(&hq->regs->gerror, __ATOMIC_RELAXED);
	/*
	 * Acquire: pairs with the driver's release when it toggles GERRORN.
	 * Forbids re-reading the failed entry before the driver rewrote it.
	 */
	uint32_t gn = __atomic_load_n(&hq->regs->gerrorn, __ATOMIC_ACQUIRE);

	return (g ^ gn) & INVT_SMMU_GERROR_CMDQ_ERR;
}

/* Stop on the entry at @rd (index and wrap flag) with error @code. */
static void hwq_raise(struct smmu_hw_queue *hq, uint32_t rd, unsigned int code)
{
	__atomic_store_n(&hq->regs->cmdq_cons, rd | code << INVT_SMMU_CMDQ_CONS_ERR_SHIFT,
			 __ATOMIC_RELEASE);
	/*
	 * Release: pairs with the driver's acquire load of GERROR.  Forbids it
	 * seeing the error before CONS.RD and CONS.ERR, and rewriting the
	 * entry before this side finished reading it.
	 */
	__atomic_fetch_xor(&hq->regs->gerror, INVT_SMMU_GERROR_CMDQ_ERR, __ATOMIC_RELEASE);
	__atomic_fetch_add(&hq->errors, 1, __ATOMIC_RELAXED);
}

/*
 * Execute the entry at @slot.  Return: 0 when it was consumed, or the error
 * code the queue stops with.
 */
static unsigned int hwq_execute(struct smmu_hw_queue *hq, const uint8_t *slot)
{
	struct smmu_hw_cmd cmd;
	int rc;

	rc = smmu_hw_decode_le(slot, hq->feat, &cmd, NULL);
	if (rc != SMMU_HW_CERROR_NONE)
		return rc;
	if (cmd.op == SMMU_HW_OP_SYNC) {
		if (hq->atc_timeout) {
			hq->atc_timeout = false;
			return SMMU_HW_CERROR_ATC_INV_SYNC;
		}
		if (hq->exec.exec)
			hq->exec.exec(hq->exec.arg, &cmd, slot);
		if (cmd.cs == HWQ_CS_IRQ && hq->exec.msi)
			hq->exec.msi(hq->exec.arg, cmd.msiaddr, cmd.msidata);
	} else if (hq->exec.exec) {
		rc = hq->exec.exec(hq->exec.arg, &cmd, slot);
		if (rc == SMMU_HW_CERROR_ATC_INV_SYNC)
			hq->atc_timeout = true;
		else if (rc != SMMU_HW_CERROR_NONE)
			return rc;
	}
	__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[cmd.op], __ATOMIC_RELAXED);
	return 0;
}

unsigned int smmu_hw_queue_run(struct smmu_hw_queue *hq)
{
	struct invt_smmu_regs *r = hq->regs;
	unsigned int total = 0, log2size, err;
	uint32_t span, prod, cons;
	uint8_t *mem;
	uint64_t base;

	pthread_mutex_lock(invt_pmutex(&hq->lock));
	/*
	 * Acquire: pairs with the driver's release store of SMMU_CMDQ_BASE.
	 * Forbids using queue memory before its initialisation.
	 */
	base = __atomic_load_n(&r->cmdq_base, __ATOMIC_ACQUIRE);
	log2size = base & INVT_SMMU_CMDQ_BASE_LOG2SIZE;
	mem = (uint8_t *)(uintptr_t)(base & INVT_SMMU_CMDQ_BASE_ADDR);
	if (!mem || log2size > INVT_SMMU_CMDQ_MAX_LOG2SIZE)
		goto out;
	span = (2u << log2size) - 1;	/* index and wrap flag */

	for (;;) {
		unsigned int n = 0;

		if (hwq_stopped(hq))
			break;
		/*
		 * Acquire: pairs with the driver's release store of PROD.
		 * Forbids reading an entry before the driver's stores to it.
		 */
		prod = __atomic_load_n(&r->cmdq_prod, __ATOMIC_ACQUIRE) & span;
		/* Only this side writes CONS; ERR is dropped on the next store. */
		cons = __atomic_load_n(&r->cmdq_cons, __ATOMIC_RELAXED) & span;
		while (cons != prod) {
			const uint8_t *slot = mem + ((size_t)(cons & (span >> 1)) << 4);

			err = hwq_execute(hq, slot);
			if (err) {
				hwq_raise(hq, cons, err);
				goto out;
			}
			/* The wrap flag is the carry out of the index. */
			cons = (cons + 1) & span;
			/*
			 * Release: pairs with the driver's acquire load of CONS.
			 * Forbids it reusing this entry before it was read and,
			 * past a CMD_SYNC, acting (freeing memory) before the
			 * commands before the sync took effect.
			 */
			__atomic_store_n(&r->cmdq_cons, cons, __ATOMIC_RELEASE);
			__atomic_fetch_add(&hq->consumed, 1, __ATOMIC_RELAXED);
			n++;
		}
		if (!n)
			break;
		total += n;
	}
out:
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
	return total;
}

static void hwq_doorbell(void *arg)
{
	smmu_hw_queue_run(arg);
}

void smmu_hw_queue_init(struct smmu_hw_queue *hq, struct invt_smmu_regs *regs, unsigned int feat,
			const struct smmu_hw_queue_exec *exec, enum smmu_hw_queue_mode mode)
{
	memset(hq, 0, sizeof(*hq));
	hq->regs = regs;
	hq->feat = feat;
	hq->mode = mode;
	if (exec)
		hq->exec = *exec;
	hwq_default_costs(hq->cost_ns);
	pthread_mutex_init(invt_pmutex(&hq->lock), NULL);
	if (mode == SMMU_HW_QUEUE_INLINE) {
		regs->doorbell = hwq_doorbell;
		regs->doorbell_arg = hq;
	}
}

void smmu_hw_queue_destroy(struct smmu_hw_queue *hq)
{
	smmu_hw_queue_stop(hq);
	if (hq->regs->doorbell_arg == hq) {
		hq->regs->doorbell = NULL;
		hq->regs->doorbell_arg = NULL;
	}
	pthread_mutex_destroy(invt_pmutex(&hq->lock));
}

static void *hwq_thread(void *arg)
{
	struct smmu_hw_queue *hq = arg;

	while (!__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE)) {
		/* Poll PROD; when idle give the CPU away (2-CPU machines). */
		if (!smmu_hw_queue_run(hq))
			sched_yield();
	}
	return NULL;
}

int smmu_hw_queue_start(struct smmu_hw_queue *hq)
{
	int ret;

	if (hq->mode != SMMU_HW_QUEUE_THREADED || hq->running)
		return -EINVAL;
	__atomic_store_n(&hq->stop, 0, __ATOMIC_RELAXED);
	hq->thread = malloc(sizeof(pthread_t));
	if (!hq->thread)
		return -ENOMEM;
	ret = pthread_create(hq->thread, NULL, hwq_thread, hq);
	if (ret) {
		free(hq->thread);
		hq->thread = NULL;
		return -ret;
	}
	hq->running = true;
	return 0;
}

void smmu_hw_queue_stop(struct smmu_hw_queue *hq)
{
	if (!hq->running)
		return;
	__atomic_store_n(&hq->stop, 1, __ATOMIC_RELEASE);
	pthread_join(*(pthread_t *)hq->thread, NULL);
	free(hq->thread);
	hq->thread = NULL;
	hq->running = false;
}

uint64_t smmu_hw_queue_clock(const struct smmu_hw_queue *hq)
{
	return __atomic_load_n(&hq->clock_ns, __ATOMIC_RELAXED);
}
