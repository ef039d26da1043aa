// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver.c - Intel VT-d driver on the invtrack core: the flush engine's
 * operations, bring-up and removal of a unit, domains, and the descriptor
 * count of an invalidation.  Masters, PASID entries and the attach
 * transaction live in driver-cfg.c.  The interface is
 * <invtrack/vtd-driver.h>.
 *
 * The ops run on the invalidation fast path (src/core/flush.c): build() and
 * build_sync() encode into the engine's batch on the stack, submit() hands
 * the batch to the queue producer in one go, wait() polls the status word
 * of the wait it names.  They cannot report errors, so errors are counted
 * in vtd->stats.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include <invtrack/ablation.h>
#include <invtrack/vtd-driver.h>

#include "batch.h"
#include "compat-user.h"

#define DESC_BYTES	INVT_VTD_DESC_BYTES
#define PAGE_4K		4096u
/* CAP_REG.ND [2:0]: 2^(4 + 2 * ND) domains; 7 is reserved (§11.4.2). */
#define CAP_ND_RESERVED	7
#define DID_BITS_MAX	16
/* ECAP_REG.PSS [39:35]: PASIDs are PSS + 1 bits. */
#define ECAP_PSS_MASK	0x1fu

/* Statistics only: relaxed, nothing is ordered by a counter. */
static void stat_add(uint64_t *counter, uint64_t v)
{
	__atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ ops */

int invt_vtd_entry_req(const struct invt_vtd *vtd, const struct invt_inv *inv,
		       const struct invt_range *r, struct invt_vtd_inv *req)
{
	memset(req, 0, sizeof(*req));
	if (inv->id > UINT16_MAX)
		return -EINVAL;
	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
		req->kind = INVT_VTD_INV_S1;
		req->did = (uint16_t)inv->id;
		req->pasid = inv->ssid;
		break;
	case INVT_INV_IOTLB_S2:
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		/*
		 * §6.5.2.3, scalable mode: a type 2 PSI of a DID removes the
		 * second-stage entries in its range and every first-stage and
		 * nested entry of the DID, whatever the address.  So the
		 * first-stage clear of a nested DID is the same descriptor as
		 * its second-stage entry's (clear_covered() skips it).
		 */
		req->kind = INVT_VTD_INV_S2;
		req->did = (uint16_t)inv->id;
		break;
	case INVT_INV_ATC:
		req->kind = INVT_VTD_INV_ATC;
		req->sid = (uint16_t)inv->id;
		req->pasid = inv->ssid;
		req->qdep = vtd->ats_qdep;
		break;
	case INVT_INV_ATC_FULL:
		/* Requests without PASID: the device-TLB invalidate Linux uses. */
		req->kind = INVT_VTD_INV_ATC;
		req->sid = (uint16_t)inv->id;
		req->qdep = vtd->ats_qdep;
		req->all = true;
		return 0;
	default:
		return -EINVAL;
	}
	req->all = r->all;
	if (!r->all) {
		req->leaf = r->leaf;
		req->start = r->start;
		req->last = r->last;
	}
	return 0;
}

/*
 * invt_vtd_emit_t into a batch: encode first, so that a rejected descriptor
 * never takes a slot (invt_batch_reserve() counts what it hands out).
 */
static int emit_to_batch(void *arg, const struct invt_vtd_desc *d)
{
	struct invt_batch *b = arg;
	uint8_t slot[DESC_BYTES];
	int ret = invt_vtd_desc_encode_le(d, slot, DESC_BYTES);

	if (ret)
		return ret;
	memcpy(invt_batch_reserve(b, DESC_BYTES), slot, DESC_BYTES);
	return 0;
}

/*
 * struct invt_batch.drv: PASID-based IOTLB (type 6) descriptors written
 * since the batch's last wait, still in b->buf (BATCH_PIOTLB) or already
 * submitted (BATCH_PIOTLB_SENT); BATCH_DEVTLB: the batch's last plain
 * device-TLB invalidation (type 3) was of SID BATCH_DEVTLB_SID(b->drv).
 */
#define BATCH_PIOTLB		1u
#define BATCH_PIOTLB_SENT	2u
#define BATCH_PIOTLB_ANY	(BATCH_PIOTLB | BATCH_PIOTLB_SENT)
#define BATCH_DEVTLB		4u
#define BATCH_DEVTLB_SID(drv)	((uint16_t)((drv) >> 16))

/* Entries that become a plain (non-PASID) device-TLB invalidation, type 3. */
static bool plain_devtlb(const struct invt_inv *inv)
{
	return inv->type == INVT_INV_ATC_FULL || (inv->type == INVT_INV_ATC && !inv->ssid);
}

/* invt_vtd_emit_t over one slot of the batch (the encoder writes nothing on error). */
static int emit_to_slot(void *arg, const struct invt_vtd_desc *d)
{
	return invt_vtd_desc_encode_le(d, arg, DESC_BYTES);
}

/*
 * Remove the slots of @drop from @b->buf, keeping the order of the others;
 * a type 6 slot that stays becomes the type 2 descriptor @t2 of its DID when
 * @t2 is given (@t2's DID field, qw0[31:16], is rewritten).  The batch is
 * the driver's until submitted: only invt_batch_reserve() added to it, one
 * descriptor per DESC_BYTES, so used and cmds shrink together.
 */
static void batch_compact(struct invt_batch *b, uint64_t drop, const uint8_t *t2)
{
	uint32_t n = b->used / DESC_BYTES, i, w = 0;

	if (!drop && !t2)
		return;
	for (i = 0; i < n; i++) {
		uint8_t *src = b->buf + (size_t)i * DESC_BYTES, *dst;
		struct vtd_slot s;

		if (drop & (1ull << i))
			continue;
		dst = b->buf + (size_t)w++ * DESC_BYTES;
		vtd_slot_read(src, &s);
		if (t2 && s.type == INVT_VTD_DESC_PIOTLB) {
			memcpy(dst, t2, DESC_BYTES);
			dst[2] = (uint8_t)s.key;
			dst[3] = (uint8_t)(s.key >> 8);
		} else if (dst != src) {
			memcpy(dst, src, DESC_BYTES);
		}
	}
	b->cmds -= n - w;
	b->used = w * DESC_BYTES;
}

/* The unsent descriptors of @b as the economy rules see them (batch.h). */
static unsigned int batch_slots(const struct invt_batch *b, struct vtd_slot *s)
{
	unsigned int n = b->used / DESC_BYTES, i;

	for (i = 0; i < n; i++)
		vtd_slot_read(b->buf + (size_t)i * DESC_BYTES, &s[i]);
	return n;
}

/*
 * Rewrite the PASID-based IOTLB descriptors in @b->buf as the IOTLB
 * invalidation (type 2) of their DID over the same range @r: PSI with the
 * widened mask, or DSI without CAP.PSI or past MAMV (range.c).  §6.5.2.3:
 * a type 2 PSI or DSI invalidates the IOTLB and paging-structure entries
 * caching first-stage and nested mappings of the DID, of every PASID and
 * (PSI) whatever the address - all the type 6 descriptor removed, and more.
 * One per DID, none where the batch has the DID's type 2 already
 * (vtd_econ_widen_drops()): several PASIDs of one domain never become the
 * same descriptor twice.
 * Return: 0, or an encoder error (then @b is as it was: the widened
 * descriptor differs from one DID to another only in its DID field).
 */
static int widen_piotlb(const struct invt_vtd *vtd, struct invt_batch *b,
			const struct invt_range *r)
{
	struct invt_vtd_inv req = { .kind = INVT_VTD_INV_S2, .all = r->all };
	struct vtd_slot s[VTD_BATCH_SLOTS];
	uint8_t t2[DESC_BYTES];
	unsigned int n = batch_slots(b, s);
	int ret;

	if (!r->all) {
		req.leaf = r->leaf;
		req.start = r->start;
		req.last = r->last;
	}
	ret = invt_vtd_inv_emit(&vtd->caps, &req, emit_to_slot, t2);
	if (ret)
		return ret;
	batch_compact(b, vtd_econ_widen_drops(s, n), t2);
	return 0;
}

/*
 * The one pair of descriptors the queue does not order by itself (the
 * instance sets INVT_IOMMU_QUEUE_ORDERS).  VT-d §6.5.2.12 makes a device-TLB
 * invalidation (type 3) wait for the IOTLB (type 2) invalidations ahead of
 * it, and a PASID-based device-TLB one (type 8) for the IOTLB and
 * PASID-based IOTLB (type 6) ones; it lists nothing for a type 6 followed
 * by a type 3 - what a first-stage domain at the RID (RID_PASID) of an ATS
 * device produces, the pair §6.5.3.3's table asks for.  Linux's single
 * batch relies on an order the section does not give.
 *
 * Before the first type 3 after type 6 descriptors, those still in the
 * batch become type 2 descriptors of their DIDs (widen_piotlb()), which
 * §6.5.2.12 does order before it: no more descriptors (fewer where
 * several PASIDs share a DID), no wait, and on hardware more of the IOTLB
 * invalidated (the DIDs' whole first stage).  Where one went out in an
 * earlier submission of the batch (more than a batch of descriptors for
 * the unit), or a rewrite fails, a wait with FN = 1 (§6.5.2.8: later
 * descriptors only after it completes) and SW = 1 (every wait this driver
 * writes reports a status) instead.  Neither under the "atc-order"
 * ablation.  invt_vtd_plan_count() counts the same.
 */
static void order_unlisted_pair(struct invt_vtd *vtd, struct invt_batch *b,
				const struct invt_inv *inv, const struct invt_range *r)
{
	const struct invt_vtd_desc w = { .type = INVT_VTD_DESC_WAIT, .sw = true, .fn = true };

	if (!(vtd->iommu.flags & INVT_IOMMU_QUEUE_ORDERS) || !plain_devtlb(inv) ||
	    !(b->drv & BATCH_PIOTLB_ANY) ||
	    invt_ctx_ablated(vtd->iommu.ctx, INVT_ABLATE_ATC_ORDER))
		return;
	if (!(b->drv & BATCH_PIOTLB_SENT)) {
		if (!widen_piotlb(vtd, b, r)) {
			b->drv &= ~BATCH_PIOTLB_ANY;
			return;
		}
		stat_add(&vtd->stats.build_errors, 1);
	}
	if (emit_to_batch(b, &w))
		stat_add(&vtd->stats.build_errors, 1);
	b->drv &= ~BATCH_PIOTLB_ANY;
}

/*
 * Whether an earlier descriptor of this invalidation covers @inv's: a
 * PASID-based device-TLB invalidation (type 8) of a SID whose plain one
 * (type 3, the RID's ATC entry, sorted just before) was built for the same
 * range - an ATS invalidation without PASID removes the translations of
 * every PASID in its range (PCIe Base §10.3.1: the PASID TLP prefix, when
 * present, narrows an Invalidate Request to one PASID).
 */
static bool devtlb_covered(const struct invt_batch *b, const struct invt_inv *inv)
{
	return inv->type == INVT_INV_ATC && inv->ssid && (b->drv & BATCH_DEVTLB) &&
	       BATCH_DEVTLB_SID(b->drv) == (uint16_t)inv->id;
}

/* A nested DID's first-stage clear that the batch already covers (batch.h). */
static bool clear_covered(const struct invt_batch *b, const struct invt_inv *inv)
{
	struct vtd_slot s[VTD_BATCH_SLOTS];

	return inv->type == INVT_INV_IOTLB_S2_S1_CLEAR &&
	       vtd_econ_clear_covered(s, batch_slots(b, s), (uint16_t)inv->id);
}

/* §6.5.2.3: type 2 in qw0[3:0], G = 2 (domain-selective) in qw0[5:4]. */
static bool slot_is_dsi(const uint8_t *slot)
{
	return slot[0] == (INVT_VTD_DESC_IOTLB | 2u << 4) && !(slot[1] & 0x0e);
}

/*
 * After a second-stage entry's descriptor: where it is a DSI, drop the
 * earlier type 2 and type 6 descriptors of its DID still in the batch
 * (vtd_econ_dsi_drops()): a nest parent's PSI before its first-stage clear,
 * or the same DSI twice for the whole address space.
 */
static void dsi_covers(struct invt_batch *b)
{
	struct vtd_slot s[VTD_BATCH_SLOTS];
	unsigned int n;

	if (!b->used || !slot_is_dsi(b->buf + b->used - DESC_BYTES))
		return;
	n = batch_slots(b, s);
	batch_compact(b, vtd_econ_dsi_drops(s, n - 1, s[n - 1].key), NULL);
}

static void vtd_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	struct invt_vtd *vtd = invt_vtd_from_iommu(b->iommu);
	struct invt_vtd_inv req;
	int ret;

	ret = invt_vtd_entry_req(vtd, inv, r, &req);
	if (!ret && (devtlb_covered(b, inv) || clear_covered(b, inv)))
		return;
	if (!ret && invt_vtd_inv_count(&vtd->caps, &req) > 0)
		order_unlisted_pair(vtd, b, inv, r);
	if (!ret)
		ret = invt_vtd_inv_emit(&vtd->caps, &req, emit_to_batch, b);
	if (ret)
		stat_add(&vtd->stats.build_errors, 1);
	/* After the emit: a submit it caused moved the earlier ones to SENT. */
	else if (inv->type == INVT_INV_IOTLB_S1)
		b->drv |= BATCH_PIOTLB;
	else if (inv->type == INVT_INV_IOTLB_S2 || inv->type == INVT_INV_IOTLB_S2_S1_CLEAR)
		dsi_covers(b);
	else if (plain_devtlb(inv))
		b->drv = (b->drv & 0xffffu) | BATCH_DEVTLB | (uint32_t)(uint16_t)inv->id << 16;
}

static void vtd_build_sync(struct invt_batch *b)
{
	struct invt_vtd *vtd = invt_vtd_from_iommu(b->iommu);
	struct invt_vtd_desc d = { .type = INVT_VTD_DESC_WAIT, .sw = true, .fn = vtd->fence };

	if (emit_to_batch(b, &d))
		stat_add(&vtd->stats.build_errors, 1);
	/* FN = 1: what follows runs after everything ahead of the wait. */
	if (vtd->fence)
		b->drv &= ~BATCH_PIOTLB_ANY;
}

/* SW = 1 waits among @n descriptors in queue format. */
static uint32_t count_waits(const uint8_t *descs, uint32_t n)
{
	uint32_t i, waits = 0;

	/* §6.5.2.8: type 5 in qw0[3:0], SW at qw0[5] (byte 0 of the descriptor). */
	for (i = 0; i < n; i++) {
		uint8_t b0 = descs[(size_t)i * DESC_BYTES];

		waits += (b0 & 0xf) == INVT_VTD_DESC_WAIT && (b0 & 0x20) &&
			 !(descs[(size_t)i * DESC_BYTES + 1] & 0x0e);
	}
	return waits;
}

/* The queue's on_write, forwarded to the hooks. */
static void vtd_written(void *arg, uint64_t index, const void *slot)
{
	struct invt_vtd *vtd = arg;

	vtd->hooks->written(vtd->hooks->arg, &vtd->iommu, index, slot, DESC_BYTES);
}

static void hook_submitted(struct invt_vtd *vtd, const void *descs, uint32_t n)
{
	if (vtd->hooks && vtd->hooks->submitted)
		vtd->hooks->submitted(vtd->hooks->arg, &vtd->iommu, descs, n, DESC_BYTES);
}

static void hook_waited(struct invt_vtd *vtd)
{
	if (vtd->hooks && vtd->hooks->waited)
		vtd->hooks->waited(vtd->hooks->arg, &vtd->iommu);
}

static int vtd_queue(struct invt_vtd *vtd, const void *descs, uint32_t n, uint64_t *first,
		     uint64_t *token)
{
	int ret = invt_vtd_qi_submit(&vtd->qi, descs, n, first, token);

	stat_add(&vtd->stats.submits, 1);
	stat_add(&vtd->stats.descs, n);
	stat_add(&vtd->stats.waits, count_waits(descs, n));
	/* -ETIMEDOUT: a prefix went out and the token names its last wait. */
	if (ret)
		stat_add(&vtd->stats.submit_errors, 1);
	hook_submitted(vtd, descs, n);
	return ret;
}

static int vtd_complete(struct invt_vtd *vtd, uint64_t first, uint64_t token)
{
	int ret;

	stat_add(&vtd->stats.completions, 1);
	ret = invt_vtd_qi_wait_span(&vtd->qi, first, token);
	if (ret)
		stat_add(&vtd->stats.wait_errors, 1);
	hook_waited(vtd);
	return ret;
}

static int vtd_submit(struct invt_batch *b, uint64_t *token)
{
	/* What order_unlisted_pair() can no longer rewrite. */
	if (b->drv & BATCH_PIOTLB)
		b->drv = (b->drv & ~BATCH_PIOTLB) | BATCH_PIOTLB_SENT;
	return vtd_queue(invt_vtd_from_iommu(b->iommu), b->buf, b->cmds, NULL, token);
}

static int vtd_wait(struct invt_iommu *iommu, uint64_t token)
{
	return vtd_complete(invt_vtd_from_iommu(iommu), 0, token);
}

/* Queue errors recovered: IQE, ITE, ICE (relaxed: a count). */
static uint64_t vtd_errors(struct invt_iommu *iommu)
{
	const struct invt_vtd_qi_stats *st = &invt_vtd_from_iommu(iommu)->qi.stats;

	return __atomic_load_n(&st->iqe, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->ite, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->ice, __ATOMIC_RELAXED);
}

/* The device-TLB of @dev did not answer: DTE = 0 (invt_vtd_master_ats_off()). */
static int vtd_ats_off(struct invt_iommu *iommu, struct invt_device *dev)
{
	(void)iommu;
	return invt_vtd_master_ats_off(invt_container_of(dev, struct invt_vtd_master, dev));
}

static const struct invt_iommu_ops vtd_ops = {
	.build = vtd_build,
	.build_sync = vtd_build_sync,
	.submit = vtd_submit,
	.wait = vtd_wait,
	.errors = vtd_errors,
	.ats_off = vtd_ats_off,
};

static int vtd_submit_wait_once(struct invt_vtd *vtd, const void *descs, uint32_t n)
{
	uint64_t first = 0, token = 0;
	int ret = vtd_queue(vtd, descs, n, &first, &token);

	if (ret)
		return ret;
	return vtd_complete(vtd, first, token);
}

/*
 * A queue error while these descriptors ran (IQE, ITE, ICE: theirs or
 * another's) may have skipped one of them: send them again (cache
 * invalidations are idempotent), up to INVT_CMD_RETRIES_MUST times: an
 * install, an abort or bring-up has no way to fail (VT-d §6.5.2.10: IQE,
 * ITE and ICE are cleared in FSTS and the queue goes on; each try is a new
 * chance).
 */
int invt_vtd_submit_wait(struct invt_vtd *vtd, const void *descs, uint32_t n)
{
	uint64_t errs = vtd_errors(&vtd->iommu);
	unsigned int tries;
	int ret = vtd_submit_wait_once(vtd, descs, n);

	for (tries = 0; tries < INVT_CMD_RETRIES_MUST; tries++) {
		uint64_t now = vtd_errors(&vtd->iommu);

		if (ret != -EIO && (ret || now == errs))
			return ret;
		errs = now;
		ret = vtd_submit_wait_once(vtd, descs, n);
	}
	return !ret && vtd_errors(&vtd->iommu) != errs ? -EIO : ret;
}

/* ------------------------------------------------------------- instance */

static bool mem_ops_ok(const struct invt_dma_ops *mem)
{
	return mem && mem->alloc && mem->free;
}

/* The DIDs [2, *max] the configuration and CAP.ND allow. */
static int did_range(const struct invt_vtd_config *cfg, uint64_t cap, uint32_t *max)
{
	unsigned int nd = (unsigned int)(cap & INVT_VTD_CAP_ND_MASK), bits;

	if (nd == CAP_ND_RESERVED)
		return -ENODEV;
	bits = 4 + 2 * nd;
	if (bits > DID_BITS_MAX)
		bits = DID_BITS_MAX;
	if (cfg->did_bits) {
		if (cfg->did_bits < 2 || cfg->did_bits > bits)
			return -EINVAL;
		bits = cfg->did_bits;
	}
	*max = (1u << bits) - 1;
	return 0;
}

/*
 * Global context-cache, PASID-cache and IOTLB invalidations and a wait:
 * nothing cached from before RTADDR_REG was written survives.
 */
static int flush_all(struct invt_vtd *vtd)
{
	const struct invt_vtd_desc d[] = {
		{ .type = INVT_VTD_DESC_CC, .g = INVT_VTD_CC_GLOBAL },
		{ .type = INVT_VTD_DESC_PC, .g = INVT_VTD_PC_GLOBAL },
		{ .type = INVT_VTD_DESC_IOTLB, .g = INVT_VTD_IOTLB_GLOBAL },
		{ .type = INVT_VTD_DESC_WAIT, .sw = true, .fn = vtd->fence },
	};
	uint8_t buf[4 * DESC_BYTES];
	unsigned int i;
	int ret;

	for (i = 0; i < 4; i++) {
		ret = invt_vtd_desc_encode_le(&d[i], buf + i * DESC_BYTES, DESC_BYTES);
		if (ret)
			return ret;
	}
	return invt_vtd_submit_wait(vtd, buf, 4);
}

/*
 * Write GCMD_REG with the persistent bits @vtd->gcmd and the one-shot @cmd,
 * then wait (bounded) until GSTS_REG shows @sts set (@on) or clear (§11.4.4:
 * "software must wait for the status", which may lag).  Return: 0 or
 * -ETIMEDOUT.
 */
static int gcmd_handshake(struct invt_vtd *vtd, uint32_t cmd, uint32_t sts, bool on)
{
	struct invt_vtd_regs *r = vtd->qi.regs;
	unsigned int spins;

	invt_vtd_gcmd_write(r, vtd->gcmd | cmd);
	for (spins = 0; spins < INVT_VTD_GSTS_SPINS; spins++) {
		/*
		 * Acquire: pairs with the unit's release store of GSTS.
		 * Forbids acting on the status (queueing descriptors, letting
		 * devices in) before what the unit did to report it.
		 */
		if (!(__atomic_load_n(&r->gsts, __ATOMIC_ACQUIRE) & sts) == !on)
			return 0;
		/*
		 * A register access the inline model reacts to; a model with
		 * a consumer thread may take the command in this one.
		 */
		if (r->doorbell)
			r->doorbell(r->doorbell_arg);
		else if (r->consume)
			r->consume(r->doorbell_arg);
		if (!(spins & 63))
			sched_yield();
	}
	return -ETIMEDOUT;
}

/* Set (@on) or clear a persistent GCMD bit and wait for its status. */
static int gcmd_set(struct invt_vtd *vtd, uint32_t bit, uint32_t sts, bool on)
{
	int ret;

	if (on)
		vtd->gcmd |= bit;
	else
		vtd->gcmd &= ~bit;
	ret = gcmd_handshake(vtd, 0, sts, on);
	if (ret)
		vtd->gcmd ^= bit;	/* as far as we know, the old state */
	return ret;
}

/*
 * Queued invalidation off (QIE / QIES), the queue drained before.  Once
 * QIES is clear the unit's IQH reads 0 (§11.4.9.1); the tail goes back to 0
 * too, so the unit is left as at reset and the next bring-up starts clean.
 */
static void qi_off(struct invt_vtd *vtd)
{
	if (gcmd_set(vtd, INVT_VTD_GCMD_QIE, INVT_VTD_GSTS_QIES, false))
		return;		/* still fetching: leave its tail alone */
	/* Relaxed: nothing reads IQT while QIES is clear. */
	__atomic_store_n(&vtd->qi.regs->iqt, 0, __ATOMIC_RELAXED);
}

static void *dma_alloc(struct invt_vtd *vtd, size_t bytes, uint64_t *pa)
{
	void *p = vtd->mem->alloc(vtd->mem->arg, bytes, pa);

	/* Unusable memory: not representable in a structure pointer. */
	if (p && (*pa & ~INVT_VTD_PTR_MASK)) {
		vtd->mem->free(vtd->mem->arg, p, *pa, bytes);
		return NULL;
	}
	return p;
}

static void tables_free(struct invt_vtd *vtd)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (vtd->ctx[i])
			vtd->mem->free(vtd->mem->arg, vtd->ctx[i], vtd->ctx_pa[i], PAGE_4K);
		vtd->ctx[i] = NULL;
	}
	if (vtd->root)
		vtd->mem->free(vtd->mem->arg, vtd->root, vtd->root_pa, PAGE_4K);
	vtd->root = NULL;
}

/* Root table with bus 0's two context tables, none of it reachable yet. */
static int tables_alloc(struct invt_vtd *vtd)
{
	struct invt_vtd_root_entry re = { .lp = true, .up = true };
	uint64_t w[INVT_VTD_ROOT_WORDS];
	unsigned int i;
	int ret;

	vtd->root = dma_alloc(vtd, PAGE_4K, &vtd->root_pa);
	for (i = 0; i < 2; i++)
		vtd->ctx[i] = dma_alloc(vtd, PAGE_4K, &vtd->ctx_pa[i]);
	if (!vtd->root || !vtd->ctx[0] || !vtd->ctx[1]) {
		tables_free(vtd);
		return -ENOMEM;
	}
	re.lctp = vtd->ctx_pa[0];
	re.uctp = vtd->ctx_pa[1];
	ret = invt_vtd_root_build(&re, w);
	if (ret) {
		tables_free(vtd);
		return ret;
	}
	invt_vtd_cfg_write(vtd->root, w, INVT_VTD_ROOT_WORDS);
	return 0;
}

int invt_vtd_init(struct invt_vtd *vtd, struct invt_ctx *ctx, const struct invt_vtd_config *cfg)
{
	uint64_t old_rtaddr;
	uint32_t max_did;
	int ret;

	if (!vtd || !ctx || !cfg || !cfg->regs || !mem_ops_ok(cfg->mem) ||
	    cfg->queue_qs > INVT_VTD_QI_MAX_QS || cfg->ats_qdep > 31)
		return -EINVAL;

	memset(vtd, 0, sizeof(*vtd));
	/* Relaxed: written by the unit at reset, before the driver starts. */
	vtd->cap = __atomic_load_n(&cfg->regs->cap, __ATOMIC_RELAXED);
	vtd->ecap = __atomic_load_n(&cfg->regs->ecap, __ATOMIC_RELAXED);
	if (!(vtd->ecap & INVT_VTD_ECAP_QI) || !(vtd->ecap & INVT_VTD_ECAP_SMTS))
		return -ENODEV;
	if (cfg->ats && !(vtd->ecap & INVT_VTD_ECAP_DT))
		return -EINVAL;
	ret = did_range(cfg, vtd->cap, &max_did);
	if (ret)
		return ret;
	if (cfg->caps)
		vtd->caps = *cfg->caps;
	else
		invt_vtd_caps_from_cap(vtd->cap, &vtd->caps);
	vtd->ats = cfg->ats;
	vtd->ats_qdep = cfg->ats_qdep;
	vtd->fence = !cfg->no_fence;
	vtd->mem = cfg->mem;
	if (vtd->ecap & INVT_VTD_ECAP_PASID)
		vtd->pasid_bits = ((vtd->ecap >> INVT_VTD_ECAP_PSS_SHIFT) & ECAP_PSS_MASK) + 1;

	ret = invt_tag_space_init(&vtd->dids, INVT_VTD_FIRST_DID, max_did);
	if (ret)
		return ret;
	/*
	 * Queued invalidation off: the unit fetches nothing and IQH reads 0
	 * (§11.4.9.1); the tail goes to 0 too before QIE is set, so that the
	 * queue starts at its base with nothing in it (§6.5.2; Linux's
	 * __dmar_enable_qi() does the same).  Relaxed: the unit reads IQT only
	 * once QIES is set, after the GCMD write's release.
	 */
	if (!(__atomic_load_n(&cfg->regs->gsts, __ATOMIC_RELAXED) & INVT_VTD_GSTS_QIES))
		__atomic_store_n(&cfg->regs->iqt, 0, __ATOMIC_RELAXED);
	ret = invt_vtd_qi_init(&vtd->qi, cfg->regs, cfg->queue_qs, true, cfg->mem);
	if (ret)
		goto err_dids;
	vtd->qi.on_error = cfg->on_error;
	vtd->qi.err_arg = cfg->err_arg;
	vtd->hooks = cfg->hooks;
	if (cfg->hooks && cfg->hooks->written) {
		vtd->qi.on_write = vtd_written;
		vtd->qi.write_arg = vtd;
	}
	ret = tables_alloc(vtd);
	if (ret)
		goto err_qi;

	/*
	 * Bring-up as §11.4.4 asks, one GCMD bit per write and each status
	 * waited for: queued invalidation on (QIE / QIES; IQA is set), the
	 * root table pointer (SRTP / RTPS), the global context-cache,
	 * PASID-cache and IOTLB invalidations the new root needs, then
	 * translation (TE / TES).  Linux's order (dmar_enable_qi(),
	 * iommu_set_root_entry(), global flushes, iommu_enable_translation()).
	 */
	vtd->gcmd = __atomic_load_n(&cfg->regs->gsts, __ATOMIC_RELAXED) &
		    (INVT_VTD_GCMD_TE | INVT_VTD_GCMD_QIE);
	ret = gcmd_set(vtd, INVT_VTD_GCMD_QIE, INVT_VTD_GSTS_QIES, true);
	if (ret)
		goto err_tables;
	old_rtaddr = __atomic_load_n(&cfg->regs->rtaddr, __ATOMIC_RELAXED);
	/*
	 * Relaxed: the GCMD write's release (invt_vtd_gcmd_write()) publishes
	 * it, with the root entry and the zeroed context tables, to the unit.
	 */
	__atomic_store_n(&cfg->regs->rtaddr, vtd->root_pa | INVT_VTD_RTADDR_TTM_SM,
			 __ATOMIC_RELAXED);
	ret = gcmd_handshake(vtd, INVT_VTD_GCMD_SRTP, INVT_VTD_GSTS_RTPS, true);
	if (!ret)
		ret = flush_all(vtd);
	if (!ret)
		ret = gcmd_set(vtd, INVT_VTD_GCMD_TE, INVT_VTD_GSTS_TES, true);
	if (ret)
		goto err_rtaddr;

	invt_mutex_init(&vtd->cfg_lock);
	vtd->iommu.id = cfg->id;
	vtd->iommu.ops = &vtd_ops;
	/*
	 * With fenced waits the queue orders what the engine needs (§6.5.2.12,
	 * and order_unlisted_pair() for the one pair it does not list).
	 */
	vtd->iommu.flags = INVT_IOMMU_S1_PASID_TAGS | INVT_IOMMU_NESTED_OWN_TAGS |
			   (vtd->fence ? INVT_IOMMU_SYNC_ORDERS | INVT_IOMMU_QUEUE_ORDERS : 0);
	/* One DID space for both stages. */
	vtd->iommu.tags[0] = &vtd->dids;
	vtd->iommu.tags[1] = &vtd->dids;
	ret = invt_iommu_register(ctx, &vtd->iommu);
	if (ret)
		goto err_lock;
	return 0;

err_lock:
	invt_mutex_destroy(&vtd->cfg_lock);
err_rtaddr:
	/* Best effort: translation off, the old root back, the queue off. */
	gcmd_set(vtd, INVT_VTD_GCMD_TE, INVT_VTD_GSTS_TES, false);
	__atomic_store_n(&cfg->regs->rtaddr, old_rtaddr, __ATOMIC_RELAXED);
	gcmd_handshake(vtd, INVT_VTD_GCMD_SRTP, INVT_VTD_GSTS_RTPS, true);
	qi_off(vtd);
err_tables:
	tables_free(vtd);
err_qi:
	invt_vtd_qi_destroy(&vtd->qi);
err_dids:
	invt_tag_space_destroy(&vtd->dids);
	return ret;
}

int invt_vtd_destroy(struct invt_vtd *vtd)
{
	unsigned int masters;
	int ret;

	invt_mutex_lock(&vtd->cfg_lock);
	masters = vtd->nr_masters;
	invt_mutex_unlock(&vtd->cfg_lock);
	if (masters)
		return -EBUSY;
	ret = invt_iommu_unregister(&vtd->iommu);
	if (ret)
		return ret;
	/*
	 * No context entry is present: translation off (TES clear: nothing is
	 * walked any more), then the queue off, then the tables go.  Best
	 * effort: a unit that does not answer keeps nothing the driver frees
	 * in use (every context entry is clear and was invalidated).
	 */
	gcmd_set(vtd, INVT_VTD_GCMD_TE, INVT_VTD_GSTS_TES, false);
	qi_off(vtd);
	__atomic_store_n(&vtd->qi.regs->rtaddr, 0, __ATOMIC_RELAXED);
	tables_free(vtd);
	invt_vtd_qi_destroy(&vtd->qi);
	invt_tag_space_destroy(&vtd->dids);
	invt_mutex_destroy(&vtd->cfg_lock);
	return 0;
}

/* -------------------------------------------------------------- domains */

int invt_vtd_domain_init_levels(struct invt_vtd_domain *d, struct invt_ctx *ctx,
				enum invt_domain_type type, unsigned int levels,
				struct invt_pt_ops *ops)
{
	const struct invt_pt_fmt *fmt;
	int ret;

	if (!d || !ctx || !ops)
		return -EINVAL;
	if (type == INVT_DOMAIN_S1 && levels == 4)
		fmt = &invt_pt_fmt_vtd_fs_4l;
	else if (type == INVT_DOMAIN_S2 && levels == 4)
		fmt = &invt_pt_fmt_vtd_ss_4l;
	else if (type == INVT_DOMAIN_S2 && levels == 5)
		fmt = &invt_pt_fmt_vtd_ss_5l;
	else
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	ret = invt_pt_init(&d->pt, fmt, ops);
	if (ret)
		return ret;
	ret = invt_domain_init(ctx, &d->dom, type, NULL);
	if (ret) {
		invt_pt_free(&d->pt);
		return ret;
	}
	return 0;
}

int invt_vtd_domain_init(struct invt_vtd_domain *d, struct invt_ctx *ctx,
			 enum invt_domain_type type, struct invt_pt_ops *ops)
{
	return invt_vtd_domain_init_levels(d, ctx, type, 4, ops);
}

int invt_vtd_domain_destroy(struct invt_vtd_domain *d)
{
	int ret = invt_domain_destroy(&d->dom);

	if (ret)
		return ret;
	invt_pt_free(&d->pt);
	return 0;
}

/* ----------------------------------------------------------- plan count */

/* Descriptors invt_vtd_inv_emit() produces for @inv (0 when it emits none). */
static uint64_t entry_count(struct invt_iommu *iommu, const struct invt_inv *inv,
			    const struct invt_range *r)
{
	const struct invt_vtd *vtd = invt_vtd_from_iommu(iommu);
	struct invt_vtd_inv req;
	int64_t n;

	if (invt_vtd_entry_req(vtd, inv, r, &req))
		return 0;
	n = invt_vtd_inv_count(&vtd->caps, &req);
	return n > 0 ? (uint64_t)n : 0;
}

/*
 * The batch of one unit as vtd_build() sees it: the descriptors in b->buf
 * (invt_batch_reserve() submits a full one first), whether type 6 ones were
 * built since the last wait, in the buffer or submitted, and the SID of the
 * last plain device-TLB invalidation.
 */
struct plan_sim {
	struct vtd_slot s[VTD_BATCH_SLOTS];
	unsigned int n;
	bool piotlb;
	bool sent;
	bool devtlb;
	uint16_t devtlb_sid;
};

static void sim_push(struct plan_sim *s, uint8_t type, uint16_t key)
{
	if (s->n == VTD_BATCH_SLOTS) {
		s->sent |= s->piotlb;
		s->piotlb = false;
		s->n = 0;
	}
	s->s[s->n].type = type;
	s->s[s->n].key = key;
	s->n++;
}

/* batch_compact() on the simulated batch; @widen: type 6 becomes type 2. */
static unsigned int sim_compact(struct plan_sim *s, uint64_t drop, bool widen)
{
	unsigned int i, w = 0, n = s->n;

	for (i = 0; i < n; i++) {
		if (drop & (1ull << i))
			continue;
		s->s[w] = s->s[i];
		if (widen && s->s[w].type == INVT_VTD_DESC_PIOTLB)
			s->s[w].type = INVT_VTD_DESC_IOTLB;
		w++;
	}
	s->n = w;
	return n - w;
}

/* The engine's flush phase of @type (IOTLB, first-stage clear, ATC). */
static int entry_phase(uint8_t type)
{
	if (type == INVT_INV_IOTLB_S1 || type == INVT_INV_IOTLB_S2)
		return 0;
	return type == INVT_INV_IOTLB_S2_S1_CLEAR ? 1 : 2;
}

/* The descriptor type and key vtd_build() emits for @e. */
static void entry_slot(const struct invt_inv *e, struct vtd_slot *d)
{
	d->key = (uint16_t)e->id;
	switch (e->type) {
	case INVT_INV_IOTLB_S1:
		d->type = INVT_VTD_DESC_PIOTLB;
		break;
	case INVT_INV_IOTLB_S2:
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		d->type = INVT_VTD_DESC_IOTLB;
		break;
	default:
		d->type = plain_devtlb(e) ? INVT_VTD_DESC_DEVTLB : INVT_VTD_DESC_PDEVTLB;
		break;
	}
}

/* invt_vtd_emit_t: keep the descriptor. */
static int emit_keep(void *arg, const struct invt_vtd_desc *d)
{
	*(struct invt_vtd_desc *)arg = *d;
	return 0;
}

/* Whether vtd_build() writes a domain-selective IOTLB invalidation for @e. */
static bool entry_is_dsi(const struct invt_iommu *iommu, const struct invt_inv *e,
			 const struct invt_range *r)
{
	const struct invt_vtd *vtd = invt_vtd_from_iommu((struct invt_iommu *)iommu);
	struct invt_vtd_desc d = { .type = 0 };
	struct invt_vtd_inv req;

	if (e->type != INVT_INV_IOTLB_S2 && e->type != INVT_INV_IOTLB_S2_S1_CLEAR)
		return false;
	if (invt_vtd_entry_req(vtd, e, r, &req) ||
	    invt_vtd_inv_emit(&vtd->caps, &req, emit_keep, &d))
		return false;
	return d.type == INVT_VTD_DESC_IOTLB && d.g == INVT_VTD_IOTLB_DSI;
}

/*
 * What vtd_build() does for @e beyond its one descriptor: +1 for the wait
 * order_unlisted_pair() adds, minus the descriptors dropped or not built.
 * *@wait: whether it added the wait.
 */
static int64_t sim_entry(struct plan_sim *s, const struct invt_inv *e, const struct invt_range *r,
			 bool order, bool *wait)
{
	struct vtd_slot d;
	int64_t delta = 0;

	*wait = false;
	entry_slot(e, &d);
	if (e->type == INVT_INV_ATC && e->ssid && s->devtlb && s->devtlb_sid == d.key)
		return -1;
	if (e->type == INVT_INV_IOTLB_S2_S1_CLEAR && vtd_econ_clear_covered(s->s, s->n, d.key))
		return -1;
	if (order && plain_devtlb(e) && (s->piotlb || s->sent)) {
		if (s->sent) {
			*wait = true;
			sim_push(s, INVT_VTD_DESC_WAIT, 0);
			delta++;
		} else {
			delta -= sim_compact(s, vtd_econ_widen_drops(s->s, s->n), true);
		}
		s->piotlb = s->sent = false;
	}
	sim_push(s, d.type, d.key);
	if (e->type == INVT_INV_IOTLB_S1) {
		s->piotlb = true;
	} else if (entry_is_dsi(e->iommu, e, r)) {
		delta -= sim_compact(s, vtd_econ_dsi_drops(s->s, s->n - 1, d.key), false);
	} else if (plain_devtlb(e)) {
		s->devtlb = true;
		s->devtlb_sid = d.key;
	}
	return delta;
}

void invt_vtd_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			 uint64_t *cmds, uint64_t *syncs)
{
	/* Loaded once, as the engine does: unref may lower it (invs.h). */
	size_t n = INVT_READ_ONCE(invs->num_invs), i;
	const struct invt_iommu *cur = NULL;
	struct plan_sim sim = { .n = 0 };
	bool order = false, one_batch = false, wait;
	int phase = 0;

	invt_invs_plan_count(invs, r, &vtd_ops, entry_count, cmds, syncs);
	/*
	 * Plus order_unlisted_pair()'s waits, less what vtd_build() drops or
	 * does not build (batch.h).  The engine builds a unit's phases in
	 * array order (sorted by type): in one batch where the queue orders
	 * them (or under the "atc-order" ablation), else a batch per phase.
	 */
	for (i = 0; i < n; i++) {
		const struct invt_inv *e = &invs->inv[i];
		int64_t delta;

		if (e->iommu != cur) {
			cur = e->iommu;
			sim = (struct plan_sim){ .n = 0 };
			if (cur && cur->ops == &vtd_ops) {
				bool ablated = invt_ctx_ablated(cur->ctx, INVT_ABLATE_ATC_ORDER);

				order = (cur->flags & INVT_IOMMU_QUEUE_ORDERS) && !ablated;
				one_batch = (cur->flags & INVT_IOMMU_QUEUE_ORDERS) || ablated;
			}
			phase = entry_phase(e->type);
		}
		/* Relaxed: the reader rules of <invtrack/invs.h>. */
		if (!cur || cur->ops != &vtd_ops || !INVT_READ_ONCE(e->users) ||
		    !entry_count(e->iommu, e, r))
			continue;
		if (!one_batch && entry_phase(e->type) != phase) {
			phase = entry_phase(e->type);
			sim = (struct plan_sim){ .n = 0 };
		}
		delta = sim_entry(&sim, e, r, order, &wait);
		*cmds = (uint64_t)((int64_t)*cmds + delta);
		*syncs += wait;
	}
}
