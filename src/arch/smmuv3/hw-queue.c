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
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/hwq-idle.h>
#include <invtrack/smmuv3-queue.h>

/* invt_pmutex(): the lock as a pthread mutex, taken without draining anything. */
#include "compat-user.h"

#include "hw.h"
#include "hw-queue.h"

_Static_assert(SMMU_HW_CERROR_ILL == INVT_SMMU_CERROR_ILL &&
	       SMMU_HW_CERROR_ABT == INVT_SMMU_CERROR_ABT &&
	       SMMU_HW_CERROR_ATC_INV_SYNC == INVT_SMMU_CERROR_ATC_INV_SYNC,
	       "CONS.ERR codes");

/* CMD_SYNC ComplSignal values (IHI0070 §4.7.3). */
#define HWQ_CS_IRQ	1

/* hwq_execute(): an injected stall; the entry stays for a later run. */
#define HWQ_STALLED	0x100

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
	/*
	 * One timeout reported per CMD_SYNC: a second one before the sync
	 * would be reported by the same CERROR_ATC_INV_SYNC, so it is not
	 * injected (each injected fault has an error of its own to recover).
	 */
	switch (invt_hw_faults_draw(&hq->faults, 1u << INVT_HW_FAULT_ILL |
				    (cmd.op == SMMU_HW_OP_ATC_INV && !hq->atc_timeout)
					    << INVT_HW_FAULT_ATC_TIMEOUT |
				    (hq->mode == SMMU_HW_QUEUE_THREADED) << INVT_HW_FAULT_STALL)) {
	case INVT_HW_FAULT_ILL:
		return SMMU_HW_CERROR_ILL;	/* as if corrupted on its way */
	case INVT_HW_FAULT_ATC_TIMEOUT:
		/* The device did not answer: its ATC is untouched. */
		hq->atc_timeout = true;
		__atomic_fetch_add(&hq->clock_ns, hq->cost_ns[cmd.op], __ATOMIC_RELAXED);
		return 0;
	case INVT_HW_FAULT_STALL:
		return HWQ_STALLED;
	default:
		break;
	}
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

/* ---- SMMU_CR0 / CR0ACK and SMMU_GBPA (IHI0070 §6.3, §3.x bring-up) ---- */

static void hwq_handshake_error(struct smmu_hw_queue *hq)
{
	__atomic_fetch_add(&hq->handshake_errors, 1, __ATOMIC_RELAXED);
}

/* Make CR0ACK show @cr0, latching what the enables take.  @hq->lock held. */
static void hwq_cr0_ack(struct smmu_hw_queue *hq, uint32_t cr0)
{
	struct invt_smmu_regs *r = hq->regs;
	uint32_t ack = __atomic_load_n(&r->cr0ack, __ATOMIC_RELAXED);	/* only we write it */

	/*
	 * Acquire loads: pair with the driver's release stores of the base
	 * registers, made before it set the enable; the latched values are
	 * published by the release store of CR0ACK below.
	 */
	if ((cr0 & INVT_SMMU_CR0_CMDQEN) && !(ack & INVT_SMMU_CR0_CMDQEN)) {
		hq->cmdq_base = __atomic_load_n(&r->cmdq_base, __ATOMIC_ACQUIRE);
		hq->bad_cmdq_base = hq->cmdq_base;	/* both under @hq->lock only */
	}
	if ((cr0 & INVT_SMMU_CR0_SMMUEN) && !(ack & INVT_SMMU_CR0_SMMUEN)) {
		/* Relaxed stores: published by the release store of CR0ACK. */
		uint64_t base = __atomic_load_n(&r->strtab_base, __ATOMIC_ACQUIRE);

		__atomic_store_n(&hq->strtab_base, base, __ATOMIC_RELAXED);
		__atomic_store_n(&hq->strtab_cfg,
				 __atomic_load_n(&r->strtab_base_cfg, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELAXED);
		hq->bad_strtab = hq->strtab_base;
	}
	/*
	 * Release: pairs with the driver's acquire poll of CR0ACK and with
	 * the translation path's acquire (smmu_hw_queue_translating()).
	 * Forbids either seeing the enable before the latched bases.  Under
	 * the unit's translation hold (exec.ack_begin): a translation that
	 * saw SMMUEN = 1 has finished reading the stream table before the
	 * driver can see SMMUEN = 0 and free it.
	 */
	if (hq->exec.ack_begin)
		hq->exec.ack_begin(hq->exec.arg);
	__atomic_store_n(&r->cr0ack, cr0, __ATOMIC_RELEASE);
	if (hq->exec.ack_end)
		hq->exec.ack_end(hq->exec.arg);
}

/*
 * A base register written while its enable is acknowledged: the write is
 * IGNORED by the SMMU (it keeps the latched value) and counted, once per
 * value.  (A write between setting the enable in CR0 and its
 * acknowledgement is forbidden too but cannot be told from one made
 * before; it is latched.)  @hq->lock held.
 */
static void hwq_check_bases(struct smmu_hw_queue *hq)
{
	struct invt_smmu_regs *r = hq->regs;
	uint32_t on = __atomic_load_n(&r->cr0ack, __ATOMIC_RELAXED);
	uint64_t v;

	if (on & INVT_SMMU_CR0_CMDQEN) {
		v = __atomic_load_n(&r->cmdq_base, __ATOMIC_RELAXED);
		if (v != hq->cmdq_base && v != hq->bad_cmdq_base) {
			hq->bad_cmdq_base = v;
			hwq_handshake_error(hq);
		}
	}
	if (on & INVT_SMMU_CR0_SMMUEN) {
		v = __atomic_load_n(&r->strtab_base, __ATOMIC_RELAXED);
		if (v != hq->strtab_base && v != hq->bad_strtab) {
			hq->bad_strtab = v;
			hwq_handshake_error(hq);
		}
	}
}

static void hwq_tick_locked(struct smmu_hw_queue *hq)
{
	struct invt_smmu_regs *r = hq->regs;
	uint32_t cr0, g;

	/*
	 * Acquire: pairs with the driver's release store of CR0.  Forbids
	 * latching base registers older than the enable.
	 */
	cr0 = __atomic_load_n(&r->cr0, __ATOMIC_ACQUIRE);
	hwq_check_bases(hq);
	if (cr0 != hq->cr0_seen) {
		/* A change before the previous one was acknowledged. */
		if (hq->cr0_lag >= 0)
			hwq_handshake_error(hq);
		hq->cr0_seen = cr0;
		hq->cr0_lag = (int)hq->ack_lag;
	}
	if (hq->cr0_lag > 0) {
		hq->cr0_lag--;
	} else if (hq->cr0_lag == 0) {
		hwq_cr0_ack(hq, cr0);
		hq->cr0_lag = -1;
	}

	/* Acquire: pairs with the driver's release store of GBPA. */
	g = __atomic_load_n(&r->gbpa, __ATOMIC_ACQUIRE);
	if (!(g & INVT_SMMU_GBPA_UPDATE)) {
		hq->gbpa_lag = -1;
		return;
	}
	if (hq->gbpa_lag < 0)
		hq->gbpa_lag = (int)hq->ack_lag;
	if (hq->gbpa_lag > 0) {
		hq->gbpa_lag--;
		return;
	}
	__atomic_store_n(&hq->gbpa_abort, !!(g & INVT_SMMU_GBPA_ABORT), __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the driver's acquire poll of GBPA.UPDATE; the
	 * driver writes GBPA only while UPDATE reads 0, so a CAS failure is a
	 * write the spec forbids.
	 */
	if (!__atomic_compare_exchange_n(&r->gbpa, &g, g & ~INVT_SMMU_GBPA_UPDATE, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		hwq_handshake_error(hq);
	hq->gbpa_lag = -1;
}

void smmu_hw_queue_tick(struct smmu_hw_queue *hq)
{
	if (!hq->ctrl)
		return;
	pthread_mutex_lock(invt_pmutex(&hq->lock));
	hwq_tick_locked(hq);
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
}

bool smmu_hw_queue_translating(struct smmu_hw_queue *hq, uint64_t *strtab_base,
			       uint32_t *strtab_cfg)
{
	/* Acquire: pairs with the release store of CR0ACK in hwq_cr0_ack(). */
	if (!(__atomic_load_n(&hq->regs->cr0ack, __ATOMIC_ACQUIRE) & INVT_SMMU_CR0_SMMUEN))
		return false;
	*strtab_base = __atomic_load_n(&hq->strtab_base, __ATOMIC_RELAXED);
	*strtab_cfg = __atomic_load_n(&hq->strtab_cfg, __ATOMIC_RELAXED);
	return true;
}

static void hwq_poll(void *arg)
{
	smmu_hw_queue_tick(arg);
}

void smmu_hw_queue_ctrl_init(struct smmu_hw_queue *hq, unsigned int ack_lag)
{
	hq->ctrl = true;
	hq->ack_lag = ack_lag;
	hq->cr0_seen = 0;
	hq->cr0_lag = -1;
	hq->gbpa_lag = -1;
	hq->regs->poll = hwq_poll;
	hq->regs->doorbell_arg = hq;
}

/* Consume everything available.  @hq->lock held. */
static unsigned int hwq_run_locked(struct smmu_hw_queue *hq)
{
	struct invt_smmu_regs *r = hq->regs;
	unsigned int total = 0, log2size, err;
	uint32_t span, prod, cons;
	uint8_t *mem;
	uint64_t base;

	if (hq->ctrl) {
		hwq_tick_locked(hq);
		/*
		 * Acquire: pairs with the release store of CR0ACK, which
		 * published the latched base.  The queue runs only once the
		 * enable was acknowledged (§6.3 CR0ACK.CMDQEN).
		 */
		if (!(__atomic_load_n(&r->cr0ack, __ATOMIC_ACQUIRE) & INVT_SMMU_CR0_CMDQEN))
			goto out;
		base = hq->cmdq_base;
	} else {
		/*
		 * Acquire: pairs with the driver's release store of
		 * SMMU_CMDQ_BASE.  Forbids using queue memory before its
		 * initialisation.
		 */
		base = __atomic_load_n(&r->cmdq_base, __ATOMIC_ACQUIRE);
	}
	log2size = base & INVT_SMMU_CMDQ_BASE_LOG2SIZE;
	mem = (uint8_t *)(uintptr_t)(base & INVT_SMMU_CMDQ_BASE_ADDR);
	if (!mem || log2size > INVT_SMMU_CMDQ_MAX_LOG2SIZE)
		goto out;
	span = (2u << log2size) - 1;	/* index and wrap flag */

	for (;;) {
		unsigned int n = 0;

		if (hwq_stopped(hq) || invt_hw_faults_stalled(&hq->faults))
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
			if (err == HWQ_STALLED)
				goto out;
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
	return total;
}

unsigned int smmu_hw_queue_run(struct smmu_hw_queue *hq)
{
	unsigned int n;

	pthread_mutex_lock(invt_pmutex(&hq->lock));
	n = hwq_run_locked(hq);
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
	return n;
}

/*
 * The registers' consume hook (threaded mode): a driver polling CONS lets
 * the SMMU take a step in its own thread - the interleaving in which the
 * SMMU consumed right then - so that completion never waits for the
 * consumer thread to be scheduled.  Only while the consumer is started (a
 * stopped one consumes nothing).  A trylock: a consumer that holds
 * @hq->lock is consuming already, and the poller goes back to polling.
 */
static void hwq_consume(void *arg)
{
	struct smmu_hw_queue *hq = arg;

	if (!__atomic_load_n(&hq->live, __ATOMIC_ACQUIRE) ||
	    pthread_mutex_trylock(invt_pmutex(&hq->lock)))
		return;
	hwq_run_locked(hq);
	pthread_mutex_unlock(invt_pmutex(&hq->lock));
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
	} else {
		regs->consume = hwq_consume;
		regs->doorbell_arg = hq;
	}
}

void smmu_hw_queue_faults(struct smmu_hw_queue *hq, double rate, uint64_t seed)
{
	invt_hw_faults_init(&hq->faults, rate, seed);
}

void smmu_hw_queue_destroy(struct smmu_hw_queue *hq)
{
	smmu_hw_queue_stop(hq);
	if (hq->regs->doorbell_arg == hq) {
		hq->regs->doorbell = NULL;
		hq->regs->poll = NULL;
		hq->regs->consume = NULL;
		hq->regs->doorbell_arg = NULL;
	}
	pthread_mutex_destroy(invt_pmutex(&hq->lock));
}

static void *hwq_thread(void *arg)
{
	struct smmu_hw_queue *hq = arg;
	unsigned int idle = 0;

	pthread_setname_np(pthread_self(), "smmu-cmdq");
	while (!__atomic_load_n(&hq->stop, __ATOMIC_ACQUIRE)) {
		/* As model/hwq-idle.h says: sleep only if the polls consume too. */
		invt_hwq_idle(&idle, smmu_hw_queue_run(hq), hq->regs->consume != NULL);
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
	/*
	 * Release: pairs with the acquire load in hwq_consume().  A thread
	 * that consumes in its poll sees all that was done before the start,
	 * as the consumer thread does (pthread_create()); forbids it acting
	 * on state older than that.
	 */
	__atomic_store_n(&hq->live, 1, __ATOMIC_RELEASE);
	return 0;
}

void smmu_hw_queue_stop(struct smmu_hw_queue *hq)
{
	if (!hq->running)
		return;
	__atomic_store_n(&hq->live, 0, __ATOMIC_RELAXED);
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
