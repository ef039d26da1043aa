// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * flush.c - the invalidation fast path.
 *
 * An array is sorted by instance, then by type in phase order, so each
 * instance's entries form one run, and within it the entries of each phase
 * are contiguous.  For every instance the engine builds the commands of a
 * phase into a batch on the stack, ends it with a completion command and
 * submits it; it waits only once every instance had its phase submitted, so
 * the instances' waits overlap.  Instances whose completion command orders
 * later commands (INVT_IOMMU_SYNC_ORDERS) get all three phases, separated by
 * completion commands, in one submission and one wait; those whose queue
 * also orders the phases by itself (INVT_IOMMU_QUEUE_ORDERS) get them with
 * one completion at the end.  When all of an array's entries are on one
 * SYNC_ORDERS instance, the array carries the plan of its first flush,
 * computed when it was built (internal.h), and that flush runs in a
 * straight line (flush_one_instance()), inline in the entry point.
 *
 * Nothing here allocates, sleeps or takes a lock: an invalidation marks
 * its section in a record only its thread writes (detach quiescence).
 */
#include "internal.h"

/* Instances whose completions are awaited together; more are waited in groups. */
#define INVT_MAX_PENDING 16

/*
 * An instance's batch is sent again (up to INVT_CMD_RETRIES times) after a
 * command error on its queue: its completion reported -EIO, or the queue's
 * error count grew meanwhile (a command refused, an ATC invalidation that
 * timed out).  What the error lost is sent again, the rest costs a repeat.
 */

/*
 * A submitted batch: its instance's run [i, end) of the array, its
 * completion, the queue's error count before it.
 */
struct pending {
	struct invt_iommu *iommu;
	uint64_t token;
	size_t i;
	size_t end;
	uint64_t errors;
};

static uint64_t queue_errors(struct invt_iommu *iommu)
{
	return iommu->ops->errors ? iommu->ops->errors(iommu) : 0;
}

/* invt_batch_init(), inlined on the fast path. */
static inline void batch_init(struct invt_batch *b, struct invt_iommu *iommu)
{
	b->iommu = iommu;
	b->used = 0;
	b->cmds = 0;
	b->syncs = 0;
	b->token = 0;
	b->submitted = 0;
	b->drv = 0;
	b->err = 0;
}

void invt_batch_init(struct invt_batch *b, struct invt_iommu *iommu)
{
	batch_init(b, iommu);
}

/*
 * invt_batch_submit(), inlined on the fast path: from libinvtrack.so a call
 * to the exported function goes through the PLT.
 */
static inline uint64_t batch_submit(struct invt_batch *b)
{
	uint64_t token = b->token;
	int ret;

	if (!b->used)
		return b->token;
	ret = b->iommu->ops->submit(b, &token);
	if (ret && !b->err)
		b->err = ret;
	b->token = token;
	b->submitted += b->cmds;
	b->used = 0;
	b->cmds = 0;
	return b->token;
}

uint64_t invt_batch_submit(struct invt_batch *b)
{
	return batch_submit(b);
}

void *invt_batch_reserve(struct invt_batch *b, size_t bytes)
{
	void *p;

	INVT_DEBUG_ASSERT(bytes && bytes <= INVT_BATCH_BYTES);
	if (b->used + bytes > INVT_BATCH_BYTES)
		batch_submit(b);
	p = b->buf + b->used;
	b->used += bytes;
	b->cmds++;
	return p;
}

static uint64_t batch_total(const struct invt_batch *b)
{
	return b->submitted + b->cmds;
}

static void batch_sync(struct invt_batch *b)
{
	b->iommu->ops->build_sync(b);
	b->syncs++;
}

/* End of the run of entries of the instance of inv[i]. */
static size_t run_end(const struct invt_invs *invs, size_t i, size_t n)
{
	const struct invt_iommu *iommu = invs->inv[i].iommu;

	while (i < n && invs->inv[i].iommu == iommu)
		i++;
	return i;
}

/*
 * Build the commands of @phase for the live entries in [@i, @end), the run
 * of one instance: its phases are in order (see build_run_in_order()), so
 * the scan stops at the first entry of a later phase.
 * Return: whether any command was built.
 */
static bool build_phase(struct invt_batch *b, const struct invt_invs *invs, size_t i,
			size_t end, enum invt_phase phase, const struct invt_range *r)
{
	uint64_t before = batch_total(b);

	for (; i < end; i++) {
		const struct invt_inv *inv = &invs->inv[i];
		enum invt_phase p = invt_inv_phase(inv->type);

		if (p > phase)
			break;
		/* Relaxed: see <invtrack/invs.h>, reader rules. */
		if (p != phase || !INVT_READ_ONCE(inv->users))
			continue;
		b->iommu->ops->build(b, inv, r);
	}
	return batch_total(b) != before;
}

/*
 * Build phases @first.. of the live entries of the run that starts at @i
 * (the entries of one instance; @n bounds the array) in one scan, with a
 * completion after each phase that built a command (none if @no_syncs).
 * Equal to build_phase() phase by phase: an array is sorted by type within
 * an instance (invt_invs_cmp()) and phases follow types, so one instance's
 * run holds its phases in order.
 * Return: the end of the run.
 */
static inline size_t build_run_in_order(struct invt_batch *b, const struct invt_invs *invs,
					size_t i, size_t n, int first, const struct invt_range *r,
					bool no_syncs)
{
	const struct invt_iommu *iommu = b->iommu;
	void (*build)(struct invt_batch *, const struct invt_inv *,
		      const struct invt_range *) = iommu->ops->build;
	uint64_t phase_start = batch_total(b);
	int phase = first;

	for (; i < n && invs->inv[i].iommu == iommu; i++) {
		const struct invt_inv *inv = &invs->inv[i];
		int p = invt_inv_phase(inv->type);

		/* Relaxed: see <invtrack/invs.h>, reader rules. */
		if (p < first || !INVT_READ_ONCE(inv->users))
			continue;
		INVT_DEBUG_ASSERT(p >= phase);
		if (p != phase) {
			if (batch_total(b) != phase_start && !no_syncs)
				batch_sync(b);
			phase = p;
			phase_start = batch_total(b);
		}
		build(b, inv, r);
	}
	if (batch_total(b) != phase_start && !no_syncs)
		batch_sync(b);
	return i;
}

/*
 * Queue the work for pass @pass of the instance whose run starts at @i;
 * set *@end to the end of that run and return whether a completion was
 * queued (then *@token names it).  A submit error goes to *@err (the first
 * one kept); what went out is still waited for.
 */
static bool flush_instance(struct invt_ctx *ctx, const struct invt_invs *invs, size_t i,
			   size_t n, size_t *end, int pass, int first,
			   const struct invt_range *r, uint64_t *token, int *err)
{
	struct invt_batch b;
	int phase;

	batch_init(&b, invs->inv[i].iommu);
	if ((b.iommu->flags & (INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS)) ==
	    INVT_IOMMU_SYNC_ORDERS && pass == first) {
		/* Each phase behind the previous phase's sync: one scan, one wait. */
		*end = build_run_in_order(&b, invs, i, n, first, r,
					  invt_ablated(ctx, INVT_ABLATE_ATC_ORDER));
	} else if ((b.iommu->flags & INVT_IOMMU_QUEUE_ORDERS) && pass == first) {
		/*
		 * The queue orders the phases: one completion for all, after
		 * one scan of the run (its phases are in order).
		 */
		*end = build_run_in_order(&b, invs, i, n, first, r, true);
		if (batch_total(&b))
			batch_sync(&b);
	} else {
		*end = run_end(invs, i, n);
		if (!(b.iommu->flags & INVT_IOMMU_SYNC_ORDERS)) {
			if (invt_ablated(ctx, INVT_ABLATE_ATC_ORDER)) {
				/* Ablated: every phase in the first pass, one completion. */
				for (phase = first; pass == first && phase < INVT_NR_PHASES;
				     phase++)
					build_phase(&b, invs, i, *end, phase, r);
			} else {
				if (build_phase(&b, invs, i, *end, pass, r))
					batch_sync(&b);
			}
		}
	}
	if (invt_ablated(ctx, INVT_ABLATE_ATC_ORDER) && batch_total(&b) && !b.syncs)
		batch_sync(&b);
	if (!batch_total(&b))
		return false;
	*token = batch_submit(&b);
	if (b.err && !*err)
		*err = b.err;
	return true;
}

/*
 * Whether a failed batch of @iommu for pass @pass may be sent again from its
 * last phase alone (wait_retry()): its phases went out in one batch, each
 * ended by its own completion (INVT_IOMMU_SYNC_ORDERS without
 * INVT_IOMMU_QUEUE_ORDERS: SMMUv3), the atc-order rule in force.
 */
static bool retry_last_phase(const struct invt_ctx *ctx, const struct invt_iommu *iommu,
			     int pass, int first)
{
	return (iommu->flags & (INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS)) ==
	       INVT_IOMMU_SYNC_ORDERS && pass == first &&
	       !invt_ablated(ctx, INVT_ABLATE_ATC_ORDER);
}

/*
 * Send again the last phase of the live entries of [@i, @end) (phases
 * @first.. of one instance's run) with its completion.  Entries only turn
 * to trash in place, so the last phase that has live entries now is the one
 * that was last when the batch went out, unless all of that phase's entries
 * left since (then nothing of it needs sending, and an earlier phase goes
 * again: more than needed, never less).
 * Return: whether anything was queued (then *@token names its completion);
 * a submit error goes to *@err.
 */
static bool flush_last_phase(const struct invt_invs *invs, size_t i, size_t end, int first,
			     const struct invt_range *r, uint64_t *token, int *err)
{
	struct invt_batch b;
	int last = -1;
	size_t k;

	/* Sorted by phase within the run: the last live entry has the last phase. */
	for (k = i; k < end; k++) {
		int p = invt_inv_phase(invs->inv[k].type);

		/* Relaxed: see <invtrack/invs.h>, reader rules. */
		if (p >= first && INVT_READ_ONCE(invs->inv[k].users))
			last = p;
	}
	if (last < 0)
		return false;
	batch_init(&b, invs->inv[i].iommu);
	if (!build_phase(&b, invs, i, end, last, r))
		return false;
	batch_sync(&b);
	*token = batch_submit(&b);
	if (b.err && !*err)
		*err = b.err;
	return true;
}

/*
 * A batch whose completion reports a command error, or whose queue counted
 * one while it ran (the completion that heard of it may be an earlier one of
 * the batch, or another thread's), is built and sent again (and waited for),
 * up to INVT_CMD_RETRIES times: the queue skipped the failed command (IHI0070
 * §7.1, VT-d §6.5.2.10, RISC-V IOMMU §3.1.1), so what it would have
 * invalidated may still be cached.  Other errors (-ETIMEDOUT: a dead queue)
 * are not retried.  @ret is what the first wait returned.
 *
 * What goes again is what the failed completion covered, as far as the
 * engine can tell:
 *  - a batch of every phase with a completion after each (SMMUv3: a
 *    CMD_SYNC completes only once every command before it took effect,
 *    IHI0070 §4.7.3, and a command error fails the first CMD_SYNC after
 *    the refused command, §7.1, or the CMD_SYNC itself on an ATC
 *    invalidation timeout, CERROR_ATC_INV_SYNC): when the last completion
 *    failed and the queue counted exactly one error meanwhile, that error
 *    is this one, behind the previous completion, which therefore did not
 *    fail: only the last phase goes again (flush_last_phase()).  An error
 *    heard elsewhere (an earlier completion of the batch, another
 *    thread's), or more than one, sends the whole batch: a phase that
 *    failed has every later phase sent again after it (an ATC invalidated
 *    before its IOTLB clean may have refilled from the stale entry);
 *  - a batch with one completion (VT-d, INVT_IOMMU_QUEUE_ORDERS: one wait
 *    descriptor ends it, VT-d §6.5.2.8) goes again whole: its completion
 *    covers every descriptor of it, and neither an IQE (the descriptor at
 *    IQH refused) nor an ITE (a device-TLB invalidation timed out, which
 *    aborts the pending wait descriptors, §6.5.2.10) tells the engine which
 *    of them was lost;
 *  - an instance waited on phase by phase (RISC-V: IOFENCE.C does not order
 *    later commands) already sends one phase per batch, and that phase goes
 *    again.
 * Return: the batch's final status.
 */
static __attribute__((__noinline__, __cold__)) int
wait_retry(struct invt_ctx *ctx, const struct invt_invs *invs, int pass, int first,
	   const struct invt_range *r, const struct pending *p, int ret)
{
	uint64_t errs = p->errors;
	unsigned int tries;

	for (tries = 0; tries < INVT_CMD_RETRIES; tries++) {
		uint64_t token, now = queue_errors(p->iommu);
		size_t end;
		int serr = 0;
		bool sent;

		if (ret != -EIO && (ret || now == errs))
			break;
		if (ret == -EIO && now - errs == 1 && retry_last_phase(ctx, p->iommu, pass, first))
			sent = flush_last_phase(invs, p->i, p->end, first, r, &token, &serr);
		else
			sent = flush_instance(ctx, invs, p->i, p->end, &end, pass, first, r, &token,
					      &serr);
		errs = now;
		if (!sent) {
			ret = 0;	/* nothing of it is left to flush */
			break;
		}
		ret = p->iommu->ops->wait(p->iommu, token);
		if (!ret)
			ret = serr;
	}
	/* Out of retries with an error still possible: say so. */
	if (!ret && tries == INVT_CMD_RETRIES && queue_errors(p->iommu) != errs)
		ret = -EIO;
	return ret;
}

/*
 * Wait for every pending completion of pass @pass, even after an error;
 * keep the first.  A command error sends the batch again (wait_retry()).
 * The common case (the completion reports success and the queue counted no
 * error) costs the wait and, where the queue counts errors, one call.
 */
static inline void wait_all(struct invt_ctx *ctx, const struct invt_invs *invs, int pass,
			    int first, const struct invt_range *r, struct pending *p,
			    unsigned int *n, int *err)
{
	unsigned int i;

	for (i = 0; i < *n; i++) {
		struct invt_iommu *iommu = p[i].iommu;
		int ret = iommu->ops->wait(iommu, p[i].token);

		if (__builtin_expect(ret == -EIO || (!ret && iommu->ops->errors &&
						     queue_errors(iommu) != p[i].errors), 0))
			ret = wait_retry(ctx, invs, pass, first, r, &p[i], ret);
		if (ret && !*err)
			*err = ret;
	}
	*n = 0;
}

/*
 * Complete the pending record @p (its token and error count are already in
 * it) for the run [@i, @end) of @iommu, the (*@npend)th of the pass.
 * Return: whether the pending array is full (wait for it before the next).
 */
static inline bool pend_record(struct pending *p, struct invt_iommu *iommu, size_t i,
			       size_t end, unsigned int *npend)
{
	p->iommu = iommu;
	p->i = i;
	p->end = end;
	return ++*npend == INVT_MAX_PENDING;
}

/*
 * Flush phases @first.. of @invs.  Pass k issues phase k to every instance
 * without SYNC_ORDERS (and, in the first pass, every phase to the others),
 * then waits for all of them.  An error on one instance does not stop the
 * others (nor the later phases: each is as much as can still be done).
 * Return: 0, or the first submit or wait error.
 */
static inline __attribute__((__always_inline__)) int
flush_phases(struct invt_ctx *ctx, const struct invt_invs *invs, const struct invt_range *r,
	     int first)
{
	/* Loaded once: unref may lower it under us (see <invtrack/invs.h>). */
	size_t n = INVT_READ_ONCE(invs->num_invs), i, end;
	struct pending pend[INVT_MAX_PENDING];
	unsigned int npend = 0;
	bool later_passes = false;
	int pass = first, err = 0;

	/*
	 * The first pass, with the common case inline: an instance whose
	 * completion orders later commands and whose queue does not order the
	 * phases by itself (SMMUv3: INVT_IOMMU_SYNC_ORDERS alone) gets its
	 * whole run in one scan, one batch, one submission, built here rather
	 * than through flush_instance() (same commands).
	 */
	for (i = 0; i < n; i = end) {
		struct invt_iommu *iommu = invs->inv[i].iommu;
		struct pending *p = &pend[npend];

		if (!iommu) {
			end = run_end(invs, i, n);
			continue;
		}
		p->errors = queue_errors(iommu);
		if ((iommu->flags & (INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS)) ==
		    INVT_IOMMU_SYNC_ORDERS && !invt_ablated(ctx, INVT_ABLATE_ATC_ORDER)) {
			struct invt_batch b;

			batch_init(&b, iommu);
			end = build_run_in_order(&b, invs, i, n, first, r, false);
			if (!batch_total(&b))
				continue;
			p->token = batch_submit(&b);
			if (b.err && !err)
				err = b.err;
		} else {
			later_passes |= !(iommu->flags & INVT_IOMMU_SYNC_ORDERS);
			if (!flush_instance(ctx, invs, i, n, &end, pass, first, r, &p->token, &err))
				continue;
		}
		if (pend_record(p, iommu, i, end, &npend))
			wait_all(ctx, invs, pass, first, r, pend, &npend, &err);
	}
	wait_all(ctx, invs, pass, first, r, pend, &npend, &err);

	/* Pass k > first: phase k of the instances without SYNC_ORDERS. */
	for (pass = first + 1; later_passes && pass < INVT_NR_PHASES; pass++) {
		for (i = 0; i < n; i = end) {
			struct invt_iommu *iommu = invs->inv[i].iommu;
			struct pending *p = &pend[npend];

			if (!iommu) {
				end = run_end(invs, i, n);
				continue;
			}
			p->errors = queue_errors(iommu);
			if (!flush_instance(ctx, invs, i, n, &end, pass, first, r, &p->token, &err))
				continue;
			if (pend_record(p, iommu, i, end, &npend))
				wait_all(ctx, invs, pass, first, r, pend, &npend, &err);
		}
		wait_all(ctx, invs, pass, first, r, pend, &npend, &err);
	}
	return err;
}

int invt_invs_flush(struct invt_ctx *ctx, const struct invt_invs *invs,
		    const struct invt_range *r)
{
	return flush_phases(ctx, invs, r, INVT_PHASE_IOTLB);
}

/* Late entries the recheck collects on the stack before it flushes @next whole. */
#define INVT_MAX_LATE 16

/* Room for a private array of INVT_MAX_LATE entries, on the stack. */
union late_invs {
	struct invt_invs invs;
	char room[sizeof(struct invt_invs) + INVT_MAX_LATE * sizeof(struct invt_inv)];
};

static bool is_late_phase(const struct invt_inv *inv)
{
	return invt_inv_phase(inv->type) != INVT_PHASE_IOTLB && INVT_READ_ONCE(inv->users);
}

/*
 * The live entries of phases after the IOTLB phase that @next holds and
 * @old did not hold live: those the first flush may have missed.  Both are
 * sorted the same way, so one merge walk finds them.  An entry that was live
 * in @old had its ATC invalidation queued behind our IOTLB completion, so
 * nothing refilled it from a stale IOTLB entry.  (users only ever falls in
 * place, so an entry skipped as trash by the flush is trash here too.)
 * Return: the entries in @late, or NULL when there are more than fit: then
 * the caller flushes @next's late phases whole.
 */
static const struct invt_invs *late_entries(const struct invt_invs *old,
					    const struct invt_invs *next, union late_invs *late)
{
	size_t no = INVT_READ_ONCE(old->num_invs), nn = INVT_READ_ONCE(next->num_invs);
	size_t i = 0, j, k = 0;

	for (j = 0; j < nn; j++) {
		const struct invt_inv *e = &next->inv[j];
		int c = 1;

		if (!is_late_phase(e))
			continue;
		while (i < no && (c = invt_invs_cmp(&old->inv[i], e)) < 0)
			i++;
		if (i < no && !c && INVT_READ_ONCE(old->inv[i].users))
			continue;
		if (k == INVT_MAX_LATE)
			return NULL;
		/* Field by field: users is read only with INVT_READ_ONCE. */
		late->invs.inv[k] = (struct invt_inv){ .iommu = e->iommu, .type = e->type,
						       .id = e->id, .ssid = e->ssid, .users = 1 };
		k++;
	}
	late->invs.num_invs = k;
	late->invs.num_trashes = 0;
	late->invs.has_atc = 0;
	return &late->invs;
}

/*
 * The later phases of @invs, in a frame of their own: flush_late() holds a
 * private array on its stack, and both together would pass the kernel's
 * 2 KiB frame limit.
 */
static __attribute__((__noinline__)) int flush_late_phases(struct invt_ctx *ctx,
							   const struct invt_invs *invs,
							   const struct invt_range *r)
{
	return flush_phases(ctx, invs, r, INVT_PHASE_S1_CLEAR);
}

/*
 * The recheck found @next published since @invs was loaded: flush the later
 * phases of what @next adds (see domain_flush()).  Out of line: the common
 * case never comes here, and its frame stays small without @room.
 */
static __attribute__((__noinline__)) int flush_late(struct invt_ctx *ctx,
						const struct invt_invs *invs,
						const struct invt_invs *next,
						const struct invt_range *r)
{
	const struct invt_invs *late;
	union late_invs room;

	late = late_entries(invs, next, &room);
	/*
	 * Too many to collect: flush @next's late phases whole.  @next is
	 * published, and an unref may lower its num_invs under us: read it
	 * once, as the reader rules of <invtrack/invs.h> say (@room is ours,
	 * but one load serves both).
	 */
	if (!late)
		late = next;
	if (!INVT_READ_ONCE(late->num_invs))
		return 0;
	return flush_late_phases(ctx, late, r);
}

/* The general first flush of an array (any instances): out of line. */
static __attribute__((__noinline__)) int flush_any(struct invt_ctx *ctx,
						   const struct invt_invs *invs,
						   const struct invt_range *r)
{
	return flush_phases(ctx, invs, r, INVT_PHASE_IOTLB);
}

/* wait_retry() for flush_one_instance(): the wait of [0, @n) of @iommu returned @ret. */
static __attribute__((__noinline__, __cold__)) int
flush_one_retry(struct invt_ctx *ctx, const struct invt_invs *invs, size_t n,
		struct invt_iommu *iommu, const struct invt_range *r, uint64_t errors, int ret)
{
	const struct pending p = { .iommu = iommu, .i = 0, .end = n, .errors = errors };

	return wait_retry(ctx, invs, INVT_PHASE_IOTLB, INVT_PHASE_IOTLB, r, &p, ret);
}

/*
 * The first flush of @invs when all its entries are on one instance with
 * INVT_IOMMU_SYNC_ORDERS, as @plan says (a domain behind one SMMUv3 or VT-d
 * unit, the common small case; internal.h), and the atc-order rule is not
 * ablated: what flush_phases() does for it (the same commands, completions,
 * submission and wait), in a straight line: one batch, the phases' entries
 * where @plan says they end (no per-entry phase or instance test), a
 * completion between phases that built a command (one at the end instead
 * where the queue orders the phases, INVT_IOMMU_QUEUE_ORDERS), one
 * submission, one wait.  @n is the num_invs the caller loaded: no phase
 * goes past it.  The queue's error count is read before the submission and
 * compared after the wait as wait_all() does; a retry goes out of line
 * (wait_retry()).  Inlined into the entry points, so that an invalidation
 * of such an array runs in one frame.
 * Return: 0, or the submit error, or else the wait's.
 */
static inline __attribute__((__always_inline__)) int
flush_one_instance(struct invt_ctx *ctx, const struct invt_invs *invs, size_t n,
		   const struct invt_invs_plan *plan, const struct invt_range *r)
{
	struct invt_iommu *iommu = plan->iommu;
	const struct invt_iommu_ops *ops = plan->ops;
	void (*build)(struct invt_batch *, const struct invt_inv *,
		      const struct invt_range *) = ops->build;
	uint64_t (*errors_fn)(struct invt_iommu *) = ops->errors;
	uint64_t errors = errors_fn ? errors_fn(iommu) : 0, token, phase_start = 0;
	const uint32_t *end = plan->phase_end, *last = end + plan->nr_phases - 1;
	const struct invt_inv *inv = invs->inv, *stop;
	struct invt_batch b;
	int ret, err;

	batch_init(&b, iommu);
	for (;;) {
		stop = &invs->inv[*end < n ? *end : n];
		for (; inv < stop; inv++) {
			/* Relaxed: see <invtrack/invs.h>, reader rules. */
			if (INVT_READ_ONCE(inv->users))
				build(&b, inv, r);
		}
		if (end++ == last)
			break;
		/* The next phase's commands behind this one's completion. */
		if (batch_total(&b) != phase_start && !(iommu->flags & INVT_IOMMU_QUEUE_ORDERS)) {
			ops->build_sync(&b);
			b.syncs++;
		}
		phase_start = batch_total(&b);
	}
	if (__builtin_expect(!batch_total(&b), 0))
		return 0;
	if (batch_total(&b) != phase_start || (iommu->flags & INVT_IOMMU_QUEUE_ORDERS)) {
		ops->build_sync(&b);
		b.syncs++;
	}
	/*
	 * batch_submit() less the batch's bookkeeping, which nothing reads
	 * after this submission.  A submit error is kept ahead of the wait's,
	 * as flush_phases() keeps the first error.
	 */
	token = b.token;
	err = 0;
	if (__builtin_expect(b.used != 0, 1))
		err = ops->submit(&b, &token);
	err = b.err ? b.err : err;
	ret = ops->wait(iommu, token);
	/*
	 * wait_all()'s test, in another order: any error goes to wait_retry(),
	 * which retries -EIO alone and returns others as they are.
	 */
	if (__builtin_expect(ret || (errors_fn && errors_fn(iommu) != errors), 0))
		ret = flush_one_retry(ctx, invs, n, iommu, r, errors, ret);
	return err ? err : ret;
}

/*
 * The first flush of @invs, the array domain_flush() loaded (from a domain:
 * allocated in a box, internal.h): flush_one_instance() when the array's
 * entries are all on one instance with INVT_IOMMU_SYNC_ORDERS, as computed
 * when it was built; the general engine otherwise.
 */
static inline __attribute__((__always_inline__)) int
flush_first(struct invt_ctx *ctx, const struct invt_invs *invs, const struct invt_range *r)
{
	const struct invt_invs_plan *plan = &invt_invs_box_of(invs)->plan;
	/* Loaded once: unref may lower it under us (see <invtrack/invs.h>). */
	size_t n = INVT_READ_ONCE(invs->num_invs);

	if (__builtin_expect(plan->iommu && !invt_ablated(ctx, INVT_ABLATE_ATC_ORDER), 1))
		return flush_one_instance(ctx, invs, n, plan, r);
	return flush_any(ctx, invs, r);
}

/*
 * The top of domain_flush() (and of invt_domain_invalidate(), which calls
 * it before domain_invalidate_entered()): enter this thread's invalidator
 * section of @dom, and the full barrier.  Return: the section's record.
 */
static inline __attribute__((__always_inline__)) struct invt_reader *
domain_flush_enter(struct invt_domain *dom)
{
	struct invt_reader *self;

	/*
	 * Enter this thread's invalidator section of @dom before the barrier
	 * below: the barrier also orders this store before the loads of the
	 * array, and pairs with the one before invt_inv_quiesce() in a detach
	 * (attach.c, domain_leave): either the detach sees this section in
	 * progress and waits for it to end, or every load of the array after
	 * it sees that detach's unref (its ATC entries as trash).
	 *
	 * Full barrier: the caller's PTE stores are visible before the array is
	 * loaded.  Pairs with the barrier in invt_attach_prepare() after it
	 * publishes an array: with both, either this load sees the new
	 * attachment or the new attachment's hardware sees the cleared PTE.
	 * Without this one, x86 may satisfy the array's load (in
	 * domain_flush_entered(), after this) from before the stores leave
	 * the store buffer (the store-buffering pattern).
	 * (Ablating it ablates the section's pairing above too.)  In a normal
	 * build the entry and the barrier are one step (invt_inv_enter_mb():
	 * on x86 one locked add); the ablation build keeps them apart so that
	 * the barrier can be left out.
	 */
#ifdef INVT_ABLATIONS
	self = invt_inv_enter(dom);
	/* Pairs with invt_attach_prepare()'s barrier (comment above). */
	if (!invt_ablated(dom->ctx, INVT_ABLATE_BARRIER))
		invt_smp_mb();
#else
	self = invt_inv_enter_mb(dom);
#endif
	return self;
}

/*
 * The rest of domain_flush(), in the section @self of @dom that
 * domain_flush_enter() entered: load the array, flush it, look again, and
 * leave the section.
 */
static inline __attribute__((__always_inline__)) int
domain_flush_entered(struct invt_domain *dom, struct invt_reader *self,
		     const struct invt_range *r)
{
	struct invt_ctx *ctx = dom->ctx;
	const struct invt_invs *invs, *next;
	int err, ret;

	/*
	 * The arrays' read side: in userspace the section entered above is it
	 * (an array is freed after the sections in progress: compat-user.h),
	 * so this is only the registration check; in the kernel, RCU.
	 */
	invt_invs_read_lock();
	invs = invt_rcu_dereference(dom->invs);
	invt_hook(ctx, INVT_HOOK_INVALIDATE_LOADED);
	err = flush_first(ctx, invs, r);

	/*
	 * Look at the array again, after a load->load barrier.  A device
	 * attached while this flush ran may have refilled its ATC (or, nested,
	 * its combined stage-1 entries) from IOTLB entries that existed until
	 * our IOTLB commands completed, and the array loaded above does not
	 * name it.  Then, in order: the attacher published its array, then
	 * (full barrier in invt_attach_prepare()) installed the configuration;
	 * the hardware read that configuration and refilled the ATC; our IOTLB
	 * invalidation completed after that refill; our wait loaded that
	 * completion.  That chain ends in a load of ours (the completion), not
	 * a store, so what must not be reordered here is load->load: the
	 * completion before the array.  The barrier pairs with the attacher's
	 * barrier after publishing; the forbidden outcome is this load
	 * returning the array from before the attach while the completion we
	 * read came after the new device's refill (tests/stress/litmus_recheck
	 * runs that chain).  Flush the later phases of any newer array
	 * (flush_late()).  (Linux SMMUv3 reads nr_ats_masters after TLBI +
	 * CMD_SYNC and smp_mb() for the same reason.)  The common case costs
	 * one load.
	 */
	if (!invt_ablated(ctx, INVT_ABLATE_RECHECK)) {
		invt_smp_rmb();
		next = invt_rcu_dereference(dom->invs);
		if (next != invs) {
			ret = flush_late(ctx, invs, next, r);
			if (ret && !err)
				err = ret;
		}
	}
	invt_invs_read_unlock();
	/* The last access to an array is above: the section may end. */
	invt_inv_exit(self);
	return err;
}

/* An invalidation of @dom: its section and barrier, then the flush. */
static inline __attribute__((__always_inline__)) int
domain_flush(struct invt_domain *dom, const struct invt_range *r)
{
	return domain_flush_entered(dom, domain_flush_enter(dom), r);
}

/*
 * The flush of @dom returned -EIO: a command error outlived its retries.
 * Where that is an ATC that never answers (an ATS device still attached),
 * have its ATS turned off and its ATC entries taken out of the arrays, as
 * a commit does when the ATC of a device that leaves never answers
 * (attach.c, invt_atc_dead_off()), and flush again: the unmap completes.
 * Each round turns off at least one more device, so the rounds end.
 * Return: the last flush's status.
 */
static __attribute__((__noinline__, __cold__)) int
flush_dead_atc(struct invt_domain *dom, const struct invt_range *r)
{
	int ret = -EIO;

	while (ret == -EIO && invt_atc_dead_off(dom) > 0)
		ret = domain_flush(dom, r);
	return ret;
}

/*
 * invt_domain_invalidate() after its section's entry and barrier: the
 * range, then domain_flush()'s rest.  In a frame of its own, so that the
 * barrier runs before this frame's stores (the saved registers, the range,
 * the batch's set-up): a full barrier waits for the stores ahead of it to
 * drain, and these need not be ahead of it.
 */
static __attribute__((__noinline__)) int
domain_invalidate_entered(struct invt_domain *dom, struct invt_reader *self, uint64_t iova,
			  uint64_t last, bool leaf)
{
	const struct invt_range r = { .start = iova, .last = last, .leaf = leaf };
	int ret = domain_flush_entered(dom, self, &r);

	/* Here, not in the caller: its call stays a tail call. */
	if (__builtin_expect(ret == -EIO, 0))
		ret = flush_dead_atc(dom, &r);
	return ret;
}

int invt_domain_invalidate(struct invt_domain *dom, uint64_t iova, uint64_t size, bool leaf)
{
	if (!size || size - 1 > UINT64_MAX - iova || dom->type == INVT_DOMAIN_NESTED)
		return -EINVAL;
	return domain_invalidate_entered(dom, domain_flush_enter(dom), iova, iova + (size - 1),
					 leaf);
}

int invt_domain_invalidate_all(struct invt_domain *dom)
{
	static const struct invt_range all = { .all = true };
	int ret;

	if (dom->type == INVT_DOMAIN_NESTED)
		return -EINVAL;
	ret = domain_flush(dom, &all);
	if (__builtin_expect(ret == -EIO, 0))
		ret = flush_dead_atc(dom, &all);
	return ret;
}

void invt_invs_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			  const struct invt_iommu_ops *ops, invt_entry_cmds_fn entry_cmds,
			  uint64_t *cmds, uint64_t *syncs)
{
	/* Loaded once, as the engine does: unref may lower it (invs.h). */
	size_t n = INVT_READ_ONCE(invs->num_invs), i, end;

	*cmds = 0;
	*syncs = 0;
	for (i = 0; i < n; i = end) {
		struct invt_iommu *iommu = invs->inv[i].iommu;
		uint64_t phase_cmds[INVT_NR_PHASES] = { 0 };
		int p;

		end = run_end(invs, i, n);
		if (!iommu || iommu->ops != ops)
			continue;
		for (; i < end; i++) {
			const struct invt_inv *inv = &invs->inv[i];

			/* Relaxed: the reader rules of <invtrack/invs.h>. */
			if (INVT_READ_ONCE(inv->users))
				phase_cmds[invt_inv_phase(inv->type)] += entry_cmds(iommu, inv, r);
		}
		/* One completion per non-empty phase (flush_instance()), or one. */
		if (iommu->flags & INVT_IOMMU_QUEUE_ORDERS) {
			uint64_t sum = 0;

			for (p = 0; p < INVT_NR_PHASES; p++)
				sum += phase_cmds[p];
			if (sum) {
				*cmds += sum + 1;
				(*syncs)++;
			}
			continue;
		}
		for (p = 0; p < INVT_NR_PHASES; p++) {
			if (!phase_cmds[p])
				continue;
			*cmds += phase_cmds[p] + 1;
			(*syncs)++;
		}
	}
}
