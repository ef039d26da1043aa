// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver.c - RISC-V IOMMU driver on the invtrack core: the flush engine's
 * operations, bring-up and removal of an instance, domains, and the command
 * count of an invalidation.  Masters, DC/PC installation and the attach
 * transaction live in driver-cfg.c.  The interface is
 * <invtrack/riscv-driver.h>.
 *
 * The ops run on the invalidation fast path (src/core/flush.c): build() and
 * build_sync() encode into the engine's batch on the stack, submit() hands
 * the batch to the command-queue producer in one go, wait() polls the
 * completion word of the fence it names.  They cannot report errors, so
 * errors are counted in rv->stats.
 */
#include <errno.h>
#include <string.h>

#include <invtrack/riscv-driver.h>

#include "compat-user.h"

#define CMD_BYTES	INVT_RV_CMD_BYTES
#define GSCID_BITS_MAX	16
#define PSCID_BITS_MAX	20

/* Statistics only: relaxed, nothing is ordered by a counter. */
static void stat_add(uint64_t *counter, uint64_t v)
{
	__atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ ops */

int invt_rv_entry_req(const struct invt_inv *inv, const struct invt_range *r,
		      struct invt_rv_inv *req)
{
	memset(req, 0, sizeof(*req));
	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
		if (inv->id >= INVT_RV_PSCID_LIMIT)
			return -EINVAL;
		req->kind = INVT_RV_INV_S1;
		req->pscid = inv->id;
		break;
	case INVT_INV_IOTLB_S2:
		if (inv->id >= INVT_RV_GSCID_LIMIT)
			return -EINVAL;
		req->kind = INVT_RV_INV_S2;
		req->gscid = inv->id;
		break;
	case INVT_INV_IOTLB_S2_S1_CLEAR:
		if (inv->id >= INVT_RV_GSCID_LIMIT)
			return -EINVAL;
		req->kind = INVT_RV_INV_VM_S1_ALL;
		req->gscid = inv->id;
		return 0;
	case INVT_INV_ATC:
		if (inv->id >= INVT_RV_DID_LIMIT || inv->ssid >= INVT_RV_PID_LIMIT)
			return -EINVAL;
		req->kind = INVT_RV_INV_ATC;
		req->device_id = inv->id;
		req->pv = inv->ssid != 0;
		req->pid = inv->ssid;
		break;
	case INVT_INV_ATC_FULL:
		if (inv->id >= INVT_RV_DID_LIMIT)
			return -EINVAL;
		req->kind = INVT_RV_INV_ATC;
		req->device_id = inv->id;
		req->all = true;
		return 0;
	default:
		return -EINVAL;
	}
	req->leaf = !r->all && r->leaf;
	req->all = r->all;
	if (!r->all) {
		req->start = r->start;
		req->last = r->last;
	}
	return 0;
}

/* Encode first, so that a rejected command never takes a batch slot. */
static int emit_to_batch(void *arg, const struct invt_rv_cmd *cmd)
{
	struct invt_batch *b = arg;
	uint8_t slot[CMD_BYTES];
	int ret = invt_rv_cmd_encode_le(cmd, slot);

	if (ret)
		return ret;
	memcpy(invt_batch_reserve(b, CMD_BYTES), slot, CMD_BYTES);
	return 0;
}

static void rv_build(struct invt_batch *b, const struct invt_inv *inv, const struct invt_range *r)
{
	struct invt_rv *rv = invt_rv_from_iommu(b->iommu);
	struct invt_rv_inv req;
	int ret;

	ret = invt_rv_entry_req(inv, r, &req);
	if (!ret)
		ret = invt_rv_inv_emit(&rv->caps, &req, emit_to_batch, b);
	if (ret)
		stat_add(&rv->stats.build_errors, 1);
}

/* IOFENCE.C PR = PW = 1; the queue makes it AV = 1 with its token. */
static const struct invt_rv_cmd fence_cmd = {
	.opcode = INVT_RV_OP_IOFENCE, .func3 = INVT_RV_FUNC_C, .pr = true, .pw = true,
};

static void rv_build_sync(struct invt_batch *b)
{
	if (emit_to_batch(b, &fence_cmd))
		stat_add(&invt_rv_from_iommu(b->iommu)->stats.build_errors, 1);
}

/* IOFENCE.Cs among @n commands in queue format (opcode and func3: bits 9:0). */
static uint32_t count_fences(const uint8_t *cmds, uint32_t n)
{
	uint32_t i, fences = 0;

	for (i = 0; i < n; i++) {
		const uint8_t *c = cmds + (size_t)i * CMD_BYTES;

		fences += (c[0] | (c[1] & 3) << 8) == INVT_RV_OP_IOFENCE;
	}
	return fences;
}

static void rv_written(void *arg, uint64_t index, const void *slot)
{
	struct invt_rv *rv = arg;

	rv->hooks->written(rv->hooks->arg, &rv->iommu, index, slot, CMD_BYTES);
}

static void hook_submitted(struct invt_rv *rv, const void *cmds, uint32_t n)
{
	if (rv->hooks && rv->hooks->submitted)
		rv->hooks->submitted(rv->hooks->arg, &rv->iommu, cmds, n, CMD_BYTES);
}

static void hook_waited(struct invt_rv *rv)
{
	if (rv->hooks && rv->hooks->waited)
		rv->hooks->waited(rv->hooks->arg, &rv->iommu);
}

static int rv_submit_cmds(struct invt_rv *rv, const void *cmds, uint32_t n, uint64_t *token)
{
	int ret = invt_rv_cmdq_submit(&rv->cmdq, cmds, n, token);

	stat_add(&rv->stats.submits, 1);
	stat_add(&rv->stats.cmds, n);
	stat_add(&rv->stats.fences, count_fences(cmds, n));
	/* -ETIMEDOUT: a prefix went out and the token names its last fence. */
	if (ret)
		stat_add(&rv->stats.submit_errors, 1);
	hook_submitted(rv, cmds, n);
	return ret;
}

static int rv_wait_token(struct invt_rv *rv, uint64_t token)
{
	int ret;

	stat_add(&rv->stats.waits, 1);
	ret = invt_rv_cmdq_wait(&rv->cmdq, token);
	if (ret)
		stat_add(&rv->stats.wait_errors, 1);
	hook_waited(rv);
	return ret;
}

static int rv_submit(struct invt_batch *b, uint64_t *token)
{
	return rv_submit_cmds(invt_rv_from_iommu(b->iommu), b->buf, b->cmds, token);
}

static int rv_wait(struct invt_iommu *iommu, uint64_t token)
{
	return rv_wait_token(invt_rv_from_iommu(iommu), token);
}

/* Command queue errors recovered: cmd_ill, cmd_to, cqmf (relaxed: a count). */
static uint64_t rv_errors(struct invt_iommu *iommu)
{
	const struct invt_rv_cmdq_stats *st = &invt_rv_from_iommu(iommu)->cmdq.stats;

	return __atomic_load_n(&st->ill, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->cmd_to, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->cqmf, __ATOMIC_RELAXED);
}

/* The ATC of @dev did not answer: EN_ATS = 0 (invt_rv_master_ats_off()). */
static int rv_ats_off(struct invt_iommu *iommu, struct invt_device *dev)
{
	(void)iommu;
	return invt_rv_master_ats_off(invt_container_of(dev, struct invt_rv_master, dev));
}

static const struct invt_iommu_ops rv_ops = {
	.build = rv_build,
	.build_sync = rv_build_sync,
	.submit = rv_submit,
	.wait = rv_wait,
	.errors = rv_errors,
	.ats_off = rv_ats_off,
};

static int rv_submit_wait_once(struct invt_rv *rv, const void *cmds, uint32_t ncmds)
{
	uint64_t token = 0;
	int ret = rv_submit_cmds(rv, cmds, ncmds, &token);

	if (ret)
		return ret;
	return rv_wait_token(rv, token);
}

/*
 * A queue error while these commands ran (cmd_ill, cmd_to: theirs or
 * another's) may have skipped one of them: send them again (directory and
 * TLB invalidations are idempotent), up to INVT_CMD_RETRIES_MUST times:
 * an install, an abort or bring-up has no way to fail (RISC-V IOMMU §3.1.1:
 * cmd_ill and cmd_to are cleared and the queue goes on; each try is a new
 * chance).
 */
int invt_rv_submit_wait(struct invt_rv *rv, const void *cmds, uint32_t ncmds)
{
	uint64_t errs = rv_errors(&rv->iommu);
	unsigned int tries;
	int ret;

	if (!ncmds)
		return -EINVAL;
	ret = rv_submit_wait_once(rv, cmds, ncmds);
	for (tries = 0; tries < INVT_CMD_RETRIES_MUST; tries++) {
		uint64_t now = rv_errors(&rv->iommu);

		if (ret != -EIO && (ret || now == errs))
			return ret;
		errs = now;
		ret = rv_submit_wait_once(rv, cmds, ncmds);
	}
	return !ret && rv_errors(&rv->iommu) != errs ? -EIO : ret;
}

/* ------------------------------------------------------------- instance */

int invt_rv_pscid_space_init(struct invt_tag_space *ts)
{
	return invt_tag_space_init(ts, 1, INVT_RV_PSCID_MAX);
}

static int bits_or(unsigned int bits, unsigned int dflt, unsigned int max, unsigned int *out)
{
	if (!bits)
		bits = dflt;
	if (bits > max)
		return -EINVAL;
	*out = bits;
	return 0;
}

/* What the configuration asks of the capabilities register. */
static bool caps_ok(const struct invt_rv_config *cfg, uint64_t cap)
{
	if (cfg->caps.napot && !(cap & INVT_RV_CAP_S))
		return false;
	if (cfg->caps.nl && !(cap & INVT_RV_CAP_NL))
		return false;
	return !cfg->ats || (cap & INVT_RV_CAP_ATS);
}

/* Wait for ddtp.busy to read 0, each round a tick of a model's clock. */
static int ddtp_wait(struct invt_riscv_regs *regs, uint32_t limit)
{
	uint32_t spins;

	for (spins = 0; spins <= limit; spins++) {
		/*
		 * Acquire: pairs with the IOMMU's release when it clears busy.
		 * Forbids relying on the new directory (or freeing the old one)
		 * before the IOMMU acted on the write.
		 */
		if (!(__atomic_load_n(&regs->ddtp, __ATOMIC_ACQUIRE) & INVT_RV_DDTP_BUSY))
			return 0;
		if (regs->poll)
			regs->poll(regs->doorbell_arg);
	}
	return -ETIMEDOUT;
}

/*
 * Write ddtp with the busy handshake (spec 1.0, ddtp): wait for busy to be
 * 0, write, wait for busy to be 0 again (bounded).  Release: pairs with the
 * IOMMU's acquire load of ddtp; forbids it seeing the table's address
 * before the zeroed table.  The IODIR.INVAL_DDT that follows is published by
 * the queue's release store of cqt, which orders this store before it too.
 */
static int ddtp_program(struct invt_rv *rv, struct invt_riscv_regs *regs, uint64_t v)
{
	int ret = ddtp_wait(regs, rv->cmdq.spin_limit);

	if (!ret) {
		__atomic_store_n(&regs->ddtp, v, __ATOMIC_RELEASE);
		if (regs->doorbell)
			regs->doorbell(regs->doorbell_arg);
		else if (regs->poll)
			regs->poll(regs->doorbell_arg);
		ret = ddtp_wait(regs, rv->cmdq.spin_limit);
	}
	if (ret)
		__atomic_fetch_add(&rv->cmdq.stats.timeouts, 1, __ATOMIC_RELAXED);
	return ret;
}

/* IODIR.INVAL_DDT DV = 0 then IOFENCE.C, waited for: nothing cached survives. */
static int inval_ddt_all(struct invt_rv *rv)
{
	static const struct invt_rv_cmd all = { .opcode = INVT_RV_OP_IODIR,
						.func3 = INVT_RV_FUNC_INVAL_DDT };
	uint8_t buf[2 * CMD_BYTES];
	int ret;

	ret = invt_rv_cmd_encode_le(&all, buf);
	if (!ret)
		ret = invt_rv_cmd_encode_le(&fence_cmd, buf + CMD_BYTES);
	if (ret)
		return ret;
	return invt_rv_submit_wait(rv, buf, 2);
}

int invt_rv_init(struct invt_rv *rv, struct invt_ctx *ctx, const struct invt_rv_config *cfg)
{
	unsigned int gbits, pbits;
	uint64_t cap, old_ddtp;
	int ret;

	if (!rv || !ctx || !cfg || !cfg->regs || !cfg->mem || !cfg->mem->alloc ||
	    !cfg->mem->free || !cfg->cmdq_log2size ||
	    cfg->cmdq_log2size > INVT_RV_CMDQ_MAX_LOG2SIZE ||
	    bits_or(cfg->gscid_bits, GSCID_BITS_MAX, GSCID_BITS_MAX, &gbits) ||
	    bits_or(cfg->pscid_bits, PSCID_BITS_MAX, PSCID_BITS_MAX, &pbits))
		return -EINVAL;
	/* Written by the IOMMU at reset, before the driver starts. */
	cap = __atomic_load_n(&cfg->regs->capabilities, __ATOMIC_ACQUIRE);
	if (!caps_ok(cfg, cap))
		return -EINVAL;

	memset(rv, 0, sizeof(*rv));
	/* Set first: the hooks see the instance from the first submission on. */
	rv->iommu.id = cfg->id;
	rv->caps = cfg->caps;
	rv->capabilities = cap;
	rv->ats = cfg->ats;
	rv->mem = cfg->mem;
	/* §2.1: MSI_FLAT means the extended (64-byte) device context. */
	rv->dc_words = (cap & INVT_RV_CAP_MSI_FLAT) ? INVT_RV_DC_WORDS_EXT : INVT_RV_DC_WORDS_BASE;
	rv->nr_dcs = INVT_RV_TABLE_BYTES / (rv->dc_words * 8);

	rv->pscids = cfg->pscids;
	if (!rv->pscids) {
		ret = invt_tag_space_init(&rv->own_pscids, 1, (1u << pbits) - 1);
		if (ret)
			return ret;
		rv->pscids = &rv->own_pscids;
	}
	ret = invt_tag_space_init(&rv->gscids, 1, (1u << gbits) - 1);
	if (ret)
		goto err_pscids;
	ret = invt_rv_cmdq_init(&rv->cmdq, cfg->regs, cfg->mem, cfg->cmdq_log2size);
	if (ret)
		goto err_gscids;
	rv->cmdq.on_error = cfg->on_error;
	rv->cmdq.err_arg = cfg->err_arg;
	rv->hooks = cfg->hooks;
	if (cfg->hooks && cfg->hooks->written) {
		rv->cmdq.on_write = rv_written;
		rv->cmdq.write_arg = rv;
	}

	rv->ddt = cfg->mem->alloc(cfg->mem->arg, INVT_RV_TABLE_BYTES, &rv->ddt_pa);
	if (!rv->ddt) {
		ret = -ENOMEM;
		goto err_cmdq;
	}
	/* ddtp.PPN [53:10]: below 2^56, 4 KiB aligned. */
	if ((rv->ddt_pa >> 56) || (rv->ddt_pa & (INVT_RV_TABLE_BYTES - 1))) {
		ret = -ENOMEM;
		goto err_ddt;
	}
	old_ddtp = __atomic_load_n(&cfg->regs->ddtp, __ATOMIC_RELAXED) & ~INVT_RV_DDTP_BUSY;
	ret = ddtp_program(rv, cfg->regs, (rv->ddt_pa >> 12) << INVT_RV_DDTP_PPN_SHIFT |
				      INVT_RV_DDTP_MODE_1LVL);
	if (ret)
		goto err_regs;
	ret = inval_ddt_all(rv);
	if (ret)
		goto err_regs;

	invt_mutex_init(&rv->cfg_lock);
	rv->iommu.ops = &rv_ops;
	rv->iommu.flags = 0;	/* no INVT_IOMMU_SYNC_ORDERS: see the header */
	rv->iommu.tags[0] = rv->pscids;
	rv->iommu.tags[1] = &rv->gscids;
	ret = invt_iommu_register(ctx, &rv->iommu);
	if (ret)
		goto err_lock;
	return 0;

err_lock:
	invt_mutex_destroy(&rv->cfg_lock);
err_regs:
	ddtp_program(rv, cfg->regs, old_ddtp);	/* best effort: counted */
err_ddt:
	cfg->mem->free(cfg->mem->arg, rv->ddt, rv->ddt_pa, INVT_RV_TABLE_BYTES);
	rv->ddt = NULL;
err_cmdq:
	invt_rv_cmdq_destroy(&rv->cmdq);
err_gscids:
	invt_tag_space_destroy(&rv->gscids);
err_pscids:
	if (rv->pscids == &rv->own_pscids)
		invt_tag_space_destroy(&rv->own_pscids);
	return ret;
}

int invt_rv_destroy(struct invt_rv *rv)
{
	unsigned int masters;
	int ret;

	invt_mutex_lock(&rv->cfg_lock);
	masters = rv->nr_masters;
	invt_mutex_unlock(&rv->cfg_lock);
	if (masters)
		return -EBUSY;
	ret = invt_iommu_unregister(&rv->iommu);
	if (ret)
		return ret;
	/* No DC is valid: nothing left to fetch.  Mode Off, acted on. */
	ddtp_program(rv, rv->cmdq.regs, 0);
	rv->mem->free(rv->mem->arg, rv->ddt, rv->ddt_pa, INVT_RV_TABLE_BYTES);
	rv->ddt = NULL;
	invt_rv_cmdq_destroy(&rv->cmdq);
	invt_tag_space_destroy(&rv->gscids);
	if (rv->pscids == &rv->own_pscids)
		invt_tag_space_destroy(&rv->own_pscids);
	invt_mutex_destroy(&rv->cfg_lock);
	return 0;
}

/* -------------------------------------------------------------- domains */

int invt_rv_domain_init(struct invt_rv_domain *d, struct invt_ctx *ctx,
			enum invt_domain_type type, struct invt_pt_ops *ops)
{
	const struct invt_pt_fmt *fmt;
	int ret;

	if (!d || !ctx || !ops)
		return -EINVAL;
	if (type == INVT_DOMAIN_S1)
		fmt = &invt_pt_fmt_rv_sv48;
	else if (type == INVT_DOMAIN_S2)
		fmt = &invt_pt_fmt_rv_sv48x4;
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

int invt_rv_domain_destroy(struct invt_rv_domain *d)
{
	int ret = invt_domain_destroy(&d->dom);

	if (ret)
		return ret;
	invt_pt_free(&d->pt);
	return 0;
}

/* ----------------------------------------------------------- plan count */

static uint64_t entry_count(struct invt_iommu *iommu, const struct invt_inv *inv,
			    const struct invt_range *r)
{
	const struct invt_rv *rv = invt_rv_from_iommu(iommu);
	struct invt_rv_inv req;
	int64_t n;

	if (invt_rv_entry_req(inv, r, &req))
		return 0;
	n = invt_rv_inv_count(&rv->caps, &req);
	return n > 0 ? (uint64_t)n : 0;
}

void invt_rv_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			uint64_t *cmds, uint64_t *syncs)
{
	invt_invs_plan_count(invs, r, &rv_ops, entry_count, cmds, syncs);
}
