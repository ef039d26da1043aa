// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * driver.c - ARM SMMUv3 driver on the invtrack core: the flush engine's
 * operations, bring-up and removal of an instance, domains, and the command
 * count of an invalidation.  Masters, STE/CD installation and the attach
 * transaction live in driver-cfg.c.  The interface is
 * <invtrack/smmuv3-driver.h>.
 *
 * The ops run on the invalidation fast path (src/core/flush.c): build() and
 * build_sync() encode into the engine's batch on the stack, submit() hands
 * the batch to the Command queue producer in one go, wait() polls for the
 * CMD_SYNC it names.  They cannot report errors (void / token returns), so
 * errors are counted in smmu->stats.
 */
#include <errno.h>
#include <string.h>

#include <invtrack/smmuv3-driver.h>

#include "compat-user.h"

#define CMD_BYTES	INVT_SMMU_CMD_BYTES
/*
 * StreamID bits: a linear table covers at most 16 (4 MiB), a two-level one
 * 24 (an L1STD array of 64K descriptors, 512 KiB).
 */
#define SID_BITS_MAX	24
#define SID_BITS_LINEAR	16
#define TAG_BITS_DEFAULT 16

/*
 * Statistics only: relaxed, nothing is ordered by a counter and no decision
 * is taken on one.
 */
static void stat_add(uint64_t *counter, uint64_t v)
{
	__atomic_fetch_add(counter, v, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ ops */

int invt_smmu_entry_req(const struct invt_inv *inv, const struct invt_range *r,
			struct invt_smmu_inv *req)
{
	memset(req, 0, sizeof(*req));
	switch (inv->type) {
	case INVT_INV_IOTLB_S1:
		if (inv->id > UINT16_MAX)
			return -EINVAL;
		req->kind = INVT_SMMU_INV_S1;
		req->asid = (uint16_t)inv->id;
		req->vmid = 0;	/* stage-1 streams carry S2VMID 0 */
		req->leaf = !r->all && r->leaf;
		break;
	case INVT_INV_IOTLB_S2:
		if (inv->id > UINT16_MAX)
			return -EINVAL;
		req->kind = INVT_SMMU_INV_S2;
		req->vmid = (uint16_t)inv->id;
		req->leaf = !r->all && r->leaf;
		break;
	case INVT_INV_ATC:
		req->kind = INVT_SMMU_INV_ATC;
		req->sid = inv->id;
		req->ssv = inv->ssid != 0;
		req->ssid = inv->ssid;
		break;
	case INVT_INV_ATC_FULL:
		req->kind = INVT_SMMU_INV_ATC;
		req->sid = inv->id;
		req->all = true;
		return 0;
	default:
		/* IOTLB_S2_S1_CLEAR is one TLBI_NH_ALL, not a request. */
		return -EINVAL;
	}
	req->all = r->all;
	if (!r->all) {
		req->start = r->start;
		req->last = r->last;
	}
	return 0;
}

/*
 * invt_smmu_emit_t into a batch: encode first, so that a rejected command
 * never takes a slot (invt_batch_reserve() counts what it hands out).
 */
static int emit_to_batch(void *arg, const struct invt_smmu_cmd *cmd)
{
	struct invt_batch *b = arg;
	uint8_t slot[CMD_BYTES];
	int ret = invt_smmu_cmd_encode_le(cmd, slot);

	if (ret)
		return ret;
	memcpy(invt_batch_reserve(b, CMD_BYTES), slot, CMD_BYTES);
	return 0;
}

static void smmu_build(struct invt_batch *b, const struct invt_inv *inv,
		       const struct invt_range *r)
{
	struct invt_smmu *smmu = invt_smmu_from_iommu(b->iommu);
	struct invt_smmu_inv req;
	int ret;

	if (inv->type == INVT_INV_IOTLB_S2_S1_CLEAR) {
		/* Every stage-1 entry of the VM, whatever the range. */
		struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_TLBI_NH_ALL };

		c.vmid = (uint16_t)inv->id;
		ret = inv->id > UINT16_MAX ? -EINVAL : emit_to_batch(b, &c);
	} else {
		ret = invt_smmu_entry_req(inv, r, &req);
		if (!ret)
			ret = invt_smmu_inv_emit(&smmu->caps, &req, emit_to_batch, b);
	}
	if (ret)
		stat_add(&smmu->stats.build_errors, 1);
}

static void smmu_build_sync(struct invt_batch *b)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_SYNC, .cs = INVT_SMMU_SYNC_CS_NONE };

	if (emit_to_batch(b, &c))
		stat_add(&invt_smmu_from_iommu(b->iommu)->stats.build_errors, 1);
}

/* CMD_SYNCs among @n commands in queue format (the opcode is byte 0). */
static uint32_t count_syncs(const uint8_t *cmds, uint32_t n)
{
	uint32_t i, syncs = 0;

	for (i = 0; i < n; i++)
		syncs += cmds[(size_t)i * CMD_BYTES] == INVT_SMMU_CMD_SYNC;
	return syncs;
}

/* The queue's on_write, forwarded to the hooks. */
static void smmu_written(void *arg, uint64_t index, const void *slot)
{
	struct invt_smmu *smmu = arg;

	smmu->hooks->written(smmu->hooks->arg, smmu, index, slot);
}

static void hook_submitted(struct invt_smmu *smmu, const void *cmds, uint32_t n)
{
	if (smmu->hooks && smmu->hooks->submitted)
		smmu->hooks->submitted(smmu->hooks->arg, smmu, cmds, n);
}

static void hook_waited(struct invt_smmu *smmu)
{
	if (smmu->hooks && smmu->hooks->waited)
		smmu->hooks->waited(smmu->hooks->arg, smmu);
}

static int smmu_submit(struct invt_batch *b, uint64_t *token)
{
	struct invt_smmu *smmu = invt_smmu_from_iommu(b->iommu);
	int ret;

	ret = invt_smmu_cmdq_submit(&smmu->cmdq, b->buf, b->cmds, token);
	stat_add(&smmu->stats.submits, 1);
	stat_add(&smmu->stats.cmds, b->cmds);
	stat_add(&smmu->stats.syncs, count_syncs(b->buf, b->cmds));
	/* -ETIMEDOUT: a prefix went out and the token names its last sync. */
	if (ret)
		stat_add(&smmu->stats.submit_errors, 1);
	hook_submitted(smmu, b->buf, b->cmds);
	return ret;
}

static int smmu_wait(struct invt_iommu *iommu, uint64_t token)
{
	struct invt_smmu *smmu = invt_smmu_from_iommu(iommu);
	int ret;

	stat_add(&smmu->stats.waits, 1);
	ret = invt_smmu_cmdq_wait(&smmu->cmdq, token);
	if (ret)
		stat_add(&smmu->stats.wait_errors, 1);
	hook_waited(smmu);
	return ret;
}

/* Command errors recovered on the Command queue (relaxed: a count). */
static uint64_t smmu_errors(struct invt_iommu *iommu)
{
	const struct invt_smmu_cmdq_stats *st = &invt_smmu_from_iommu(iommu)->cmdq.stats;

	return __atomic_load_n(&st->ill, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->abt, __ATOMIC_RELAXED) +
	       __atomic_load_n(&st->atc_inv_sync, __ATOMIC_RELAXED);
}

/* The ATC of @dev did not answer: EATS = 0 (invt_smmu_master_ats_off()). */
static int smmu_ats_off(struct invt_iommu *iommu, struct invt_device *dev)
{
	(void)iommu;
	return invt_smmu_master_ats_off(invt_container_of(dev, struct invt_smmu_master, dev));
}

static const struct invt_iommu_ops smmu_ops = {
	.build = smmu_build,
	.build_sync = smmu_build_sync,
	.submit = smmu_submit,
	.wait = smmu_wait,
	.errors = smmu_errors,
	.ats_off = smmu_ats_off,
};

static int smmu_submit_wait_once(struct invt_smmu *smmu, const void *cmds, uint32_t ncmds)
{
	uint64_t token = 0;
	int ret;

	ret = invt_smmu_cmdq_submit(&smmu->cmdq, cmds, ncmds, &token);
	stat_add(&smmu->stats.submits, 1);
	stat_add(&smmu->stats.cmds, ncmds);
	stat_add(&smmu->stats.syncs, count_syncs(cmds, ncmds));
	hook_submitted(smmu, cmds, ncmds);
	if (ret) {
		stat_add(&smmu->stats.submit_errors, 1);
		return ret;
	}
	stat_add(&smmu->stats.waits, 1);
	ret = invt_smmu_cmdq_wait(&smmu->cmdq, token);
	if (ret)
		stat_add(&smmu->stats.wait_errors, 1);
	hook_waited(smmu);
	return ret;
}

/*
 * A command error on the queue while these commands ran (their CMD_SYNC
 * failed, or another one heard of it) may have skipped one of them: send
 * them again (configuration and TLB invalidations are idempotent), up to
 * INVT_CMD_RETRIES_MUST times: an install, an abort or bring-up has no way
 * to fail (IHI0070 §7.1: the error is acknowledged through GERRORN and the
 * queue goes on; each try is a new chance).
 */
int invt_smmu_submit_wait(struct invt_smmu *smmu, const void *cmds, uint32_t ncmds)
{
	uint64_t errs = smmu_errors(&smmu->iommu);
	unsigned int tries;
	int ret = smmu_submit_wait_once(smmu, cmds, ncmds);

	for (tries = 0; tries < INVT_CMD_RETRIES_MUST; tries++) {
		uint64_t now = smmu_errors(&smmu->iommu);

		if (ret != -EIO && (ret || now == errs))
			return ret;
		errs = now;
		ret = smmu_submit_wait_once(smmu, cmds, ncmds);
	}
	return !ret && smmu_errors(&smmu->iommu) != errs ? -EIO : ret;
}

/* ------------------------------------------------------------- instance */

int invt_smmu_probe(const struct invt_smmu_regs *regs, struct invt_smmu_features *f)
{
	/* Read-only registers, set at reset before the driver runs. */
	uint32_t idr0 = __atomic_load_n(&regs->idr0, __ATOMIC_RELAXED);
	uint32_t idr1 = __atomic_load_n(&regs->idr1, __ATOMIC_RELAXED);
	uint32_t idr3 = __atomic_load_n(&regs->idr3, __ATOMIC_RELAXED);
	uint32_t idr5 = __atomic_load_n(&regs->idr5, __ATOMIC_RELAXED);
	unsigned int oas_bits;

	memset(f, 0, sizeof(*f));
	/* SMMU_IDR0 (§6.3). */
	f->s1 = idr0 & INVT_SMMU_IDR0_S1P;
	f->s2 = idr0 & INVT_SMMU_IDR0_S2P;
	f->ats = idr0 & INVT_SMMU_IDR0_ATS;
	f->cohacc = idr0 & INVT_SMMU_IDR0_COHACC;
	f->asid16 = idr0 & INVT_SMMU_IDR0_ASID16;
	f->vmid16 = idr0 & INVT_SMMU_IDR0_VMID16;
	f->hyp = idr0 & INVT_SMMU_IDR0_HYP;
	f->cd_2lvl = idr0 & INVT_SMMU_IDR0_CD2L;
	f->st_2lvl = ((idr0 >> INVT_SMMU_IDR0_ST_LEVEL_SHIFT) & 3) == 1;
	/* SMMU_IDR1. */
	f->sidsize = (uint8_t)INVT_SMMU_IDR1_SIDSIZE(idr1);
	f->ssidsize = (uint8_t)INVT_SMMU_IDR1_SSIDSIZE(idr1);
	f->cmdqs = (uint8_t)INVT_SMMU_IDR1_CMDQS(idr1);
	/* SMMU_IDR3. */
	f->ril = idr3 & INVT_SMMU_IDR3_RIL;
	/* SMMU_IDR5. */
	f->oas = (uint8_t)INVT_SMMU_IDR5_OAS(idr5);
	f->vax52 = ((idr5 >> INVT_SMMU_IDR5_VAX_SHIFT) & 3) == 1;
	if (idr5 & INVT_SMMU_IDR5_GRAN4K)
		f->granules |= 1u << (INVT_SMMU_TG_4K - 1);
	if (idr5 & INVT_SMMU_IDR5_GRAN16K)
		f->granules |= 1u << (INVT_SMMU_TG_16K - 1);
	if (idr5 & INVT_SMMU_IDR5_GRAN64K)
		f->granules |= 1u << (INVT_SMMU_TG_64K - 1);
	oas_bits = invt_smmu_ps_bits(f->oas);
	f->oas_bits = (uint8_t)oas_bits;
	/* IAS = OAS without VMSAv8-32 LPAE tables, else at least 40 (§3.4). */
	f->ias_bits = (uint8_t)((idr0 & INVT_SMMU_IDR0_TTF_AA32) && oas_bits < 40 ? 40 :
				oas_bits);

	if (!(idr0 & INVT_SMMU_IDR0_TTF_AA64) || (!f->s1 && !f->s2) || !oas_bits ||
	    !(idr5 & INVT_SMMU_IDR5_GRAN4K) || !f->cmdqs)
		return -ENODEV;
	return 0;
}

/* @want bits (0: 16), 8 or 16, capped at 8 without the 16-bit feature. */
static int tag_bits(unsigned int want, bool has16, unsigned int *out)
{
	if (!want)
		want = TAG_BITS_DEFAULT;
	if (want != 8 && want != 16)
		return -EINVAL;
	*out = has16 ? want : 8;
	return 0;
}

/* Tell a model that a register was written (real hardware sees it). */
static void regs_kick(struct invt_smmu_regs *regs)
{
	if (regs->doorbell)
		regs->doorbell(regs->doorbell_arg);
}

/*
 * One round of polling for an acknowledgement: a model's clock moves on
 * (the registers' poll hook); real hardware needs nothing.
 */
static void regs_poll(struct invt_smmu_regs *regs)
{
	if (regs->poll)
		regs->poll(regs->doorbell_arg);
}

/*
 * Write SMMU_CR0 and wait until SMMU_CR0ACK shows it (§6.3: a change of
 * CR0 has taken effect only once CR0ACK reflects it; no further change is
 * made before).  Return: 0 or -ETIMEDOUT.
 */
static int cr0_write_ack(struct invt_smmu *smmu, struct invt_smmu_regs *regs, uint32_t cr0)
{
	uint32_t i;

	/*
	 * Release: pairs with the SMMU's acquire load of CR0.  Forbids it
	 * taking the enable before our stores to the base registers, the
	 * queue and the tables it now may read.
	 */
	__atomic_store_n(&regs->cr0, cr0, __ATOMIC_RELEASE);
	regs_kick(regs);
	for (i = 0; i < INVT_SMMU_CMDQ_DEFAULT_SPINS; i++) {
		/*
		 * Acquire: pairs with the SMMU's release store of CR0ACK.
		 * Forbids acting on the enable (queueing, freeing what the
		 * SMMU used before a disable) before it took effect.
		 */
		if (__atomic_load_n(&regs->cr0ack, __ATOMIC_ACQUIRE) == cr0)
			return 0;
		regs_poll(regs);
	}
	stat_add(&smmu->stats.ack_timeouts, 1);
	return -ETIMEDOUT;
}

/* Wait for SMMU_GBPA.UPDATE to read 0.  Return: 0 or -ETIMEDOUT. */
static int gbpa_wait(struct invt_smmu *smmu, struct invt_smmu_regs *regs)
{
	uint32_t i;

	for (i = 0; i < INVT_SMMU_CMDQ_DEFAULT_SPINS; i++) {
		/* Acquire: pairs with the SMMU's release when it clears UPDATE. */
		if (!(__atomic_load_n(&regs->gbpa, __ATOMIC_ACQUIRE) & INVT_SMMU_GBPA_UPDATE))
			return 0;
		regs_poll(regs);
	}
	stat_add(&smmu->stats.ack_timeouts, 1);
	return -ETIMEDOUT;
}

/*
 * SMMU_GBPA := @v with the UPDATE handshake (§6.3 GBPA): wait for a
 * previous update, write @v with UPDATE, wait for UPDATE to clear.
 */
static int gbpa_set(struct invt_smmu *smmu, struct invt_smmu_regs *regs, uint32_t v)
{
	int ret;

	ret = gbpa_wait(smmu, regs);
	if (ret)
		return ret;
	if (__atomic_load_n(&regs->gbpa, __ATOMIC_RELAXED) == v)
		return 0;
	/* Release: pairs with the SMMU's acquire load of GBPA. */
	__atomic_store_n(&regs->gbpa, v | INVT_SMMU_GBPA_UPDATE, __ATOMIC_RELEASE);
	regs_kick(regs);
	return gbpa_wait(smmu, regs);
}

static bool mem_ops_ok(const struct invt_smmu_mem_ops *mem)
{
	return mem && mem->alloc && mem->free;
}

/*
 * Program SMMU_STRTAB_BASE_CFG and SMMU_STRTAB_BASE.  Release stores: they
 * pair with the SMMU's acquire loads of the registers before it fetches an
 * STE, and forbid it seeing the table's address (or size) before the zeroed
 * table itself.  The CMD_CFGI_ALL that follows is published by the queue's
 * release store of PROD, which orders these stores before it too.
 */
static void strtab_program(struct invt_smmu_regs *regs, uint64_t base, uint32_t cfg)
{
	__atomic_store_n(&regs->strtab_base_cfg, cfg, __ATOMIC_RELEASE);
	__atomic_store_n(&regs->strtab_base, base, __ATOMIC_RELEASE);
}

/*
 * CMD_CFGI_ALL, TLBI_NSNH_ALL (and TLBI_EL2_ALL on an SMMU with EL2
 * support) then CMD_SYNC, waited for: nothing cached before the driver
 * took over survives (the initialisation sequence of IHI0070 chapter 3).
 */
static int invalidate_all(struct invt_smmu *smmu)
{
	struct invt_smmu_cmd c[4] = {
		{ .opcode = INVT_SMMU_CMD_CFGI_STE_RANGE, .range = INVT_SMMU_CFGI_ALL_RANGE },
		{ .opcode = INVT_SMMU_CMD_TLBI_NSNH_ALL },
	};
	uint8_t buf[4 * CMD_BYTES];
	unsigned int i, n = 2;
	int ret;

	if (smmu->feat.hyp)
		c[n++] = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_TLBI_EL2_ALL };
	c[n++] = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_SYNC,
					 .cs = INVT_SMMU_SYNC_CS_NONE };
	for (i = 0; i < n; i++) {
		ret = invt_smmu_cmd_encode_le(&c[i], buf + i * CMD_BYTES);
		if (ret)
			return ret;
	}
	return invt_smmu_submit_wait(smmu, buf, n);
}

/*
 * SMMUEN off, then CMDQEN off, each acknowledged (§6.3): translation stops
 * before the queue does.  A timeout is counted (stats.ack_timeouts).
 */
static void smmu_disable(struct invt_smmu *smmu, struct invt_smmu_regs *regs)
{
	uint32_t cr0 = __atomic_load_n(&regs->cr0, __ATOMIC_RELAXED);

	if (cr0 & INVT_SMMU_CR0_SMMUEN)
		cr0_write_ack(smmu, regs, cr0 & ~INVT_SMMU_CR0_SMMUEN);
	if (__atomic_load_n(&regs->cr0, __ATOMIC_RELAXED))
		cr0_write_ack(smmu, regs, 0);
}

int invt_smmu_init(struct invt_smmu *smmu, struct invt_ctx *ctx, const struct invt_smmu_config *cfg)
{
	struct invt_smmu_features feat;
	unsigned int asid_bits, vmid_bits, log2size, sid_bits, nr_l1;
	struct invt_smmu_regs *regs;
	uint32_t old_cfg, old_gbpa, base_cfg;
	bool st_2lvl;
	uint64_t old_base;
	size_t bytes;
	int ret;

	if (!smmu || !ctx || !cfg || !cfg->regs || !mem_ops_ok(cfg->mem) ||
	    !cfg->cmdq_log2size || cfg->cmdq_log2size > INVT_SMMU_CMDQ_MAX_LOG2SIZE ||
	    !cfg->sid_bits || cfg->sid_bits > SID_BITS_MAX)
		return -EINVAL;
	regs = cfg->regs;
	ret = invt_smmu_probe(regs, &feat);
	if (ret)
		return ret;
	if (tag_bits(cfg->asid_bits, feat.asid16, &asid_bits) ||
	    tag_bits(cfg->vmid_bits, feat.vmid16, &vmid_bits))
		return -EINVAL;
	/* Sizes the SMMU caps: IDR1.CMDQS and IDR1.SIDSIZE. */
	log2size = cfg->cmdq_log2size < feat.cmdqs ? cfg->cmdq_log2size : feat.cmdqs;
	sid_bits = cfg->sid_bits < feat.sidsize ? cfg->sid_bits : feat.sidsize;
	if (!sid_bits)
		return -ENODEV;
	/* Two levels where the SMMU has them and one leaf array is not enough (Linux's rule). */
	st_2lvl = feat.st_2lvl && sid_bits > INVT_SMMU_STRTAB_SPLIT;
	if (!st_2lvl && sid_bits > SID_BITS_LINEAR)
		sid_bits = SID_BITS_LINEAR;

	memset(smmu, 0, sizeof(*smmu));
	smmu->feat = feat;
	smmu->caps = (struct invt_smmu_caps){ .ril = feat.ril, .max_pages = cfg->max_pages };
	smmu->ats = feat.ats;
	smmu->mem = cfg->mem;
	smmu->sid_bits = sid_bits;
	smmu->st_2lvl = st_2lvl;

	/*
	 * The SMMU is disabled before anything is programmed (§6.3: the base
	 * registers may only be written while their enables are clear in
	 * CR0 and CR0ACK); transactions abort meanwhile (GBPA.ABORT, set
	 * below, before anything is enabled).
	 */
	if (__atomic_load_n(&regs->cr0, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&regs->cr0ack, __ATOMIC_ACQUIRE)) {
		ret = cr0_write_ack(smmu, regs, 0);
		if (ret)
			return ret;
	}
	old_gbpa = __atomic_load_n(&regs->gbpa, __ATOMIC_RELAXED) & ~INVT_SMMU_GBPA_UPDATE;

	/* Tag 0 is never handed out: VMID 0 tags the stage-1-only streams. */
	ret = invt_tag_space_init(&smmu->asids, 1, (1u << asid_bits) - 1);
	if (ret)
		return ret;
	ret = invt_tag_space_init(&smmu->vmids, 1, (1u << vmid_bits) - 1);
	if (ret)
		goto err_asids;
	ret = invt_smmu_cmdq_init(&smmu->cmdq, regs, log2size);
	if (ret)
		goto err_vmids;
	smmu->cmdq.on_error = cfg->on_error;
	smmu->cmdq.err_arg = cfg->err_arg;
	smmu->hooks = cfg->hooks;
	if (cfg->hooks && cfg->hooks->written) {
		smmu->cmdq.on_write = smmu_written;
		smmu->cmdq.write_arg = smmu;
	}

	if (st_2lvl) {
		/* 2^(sid_bits - SPLIT) L1STDs, all Span = 0 (zeroed) until used. */
		nr_l1 = 1u << (sid_bits - INVT_SMMU_STRTAB_SPLIT);
		bytes = (size_t)INVT_SMMU_L1_BYTES * nr_l1;
		if (bytes < INVT_SMMU_CFG_BYTES)
			bytes = INVT_SMMU_CFG_BYTES;
		base_cfg = INVT_SMMU_STRTAB_CFG_FMT_2LVL << INVT_SMMU_STRTAB_CFG_FMT_SHIFT |
			   INVT_SMMU_STRTAB_SPLIT << INVT_SMMU_STRTAB_CFG_SPLIT_SHIFT | sid_bits;
		smmu->st_l2 = invt_zalloc(nr_l1 * sizeof(*smmu->st_l2));
		if (!smmu->st_l2) {
			ret = -ENOMEM;
			goto err_cmdq;
		}
	} else {
		bytes = (size_t)INVT_SMMU_CFG_BYTES << sid_bits;
		base_cfg = sid_bits;
	}
	smmu->strtab_bytes = bytes;
	smmu->strtab = cfg->mem->alloc(cfg->mem->arg, bytes, &smmu->strtab_pa);
	if (!smmu->strtab) {
		ret = -ENOMEM;
		goto err_l2;
	}
	/* Unusable memory: not addressable by SMMU_STRTAB_BASE. */
	if (smmu->strtab_pa & ~INVT_SMMU_STRTAB_BASE_ADDR) {
		ret = -ENOMEM;
		goto err_strtab;
	}

	old_base = __atomic_load_n(&regs->strtab_base, __ATOMIC_RELAXED);
	old_cfg = __atomic_load_n(&regs->strtab_base_cfg, __ATOMIC_RELAXED);
	/* Linear (FMT 0) of 2^sid_bits STEs, or two-level (FMT 0b01, SPLIT 8). */
	strtab_program(regs, smmu->strtab_pa, base_cfg);

	ret = gbpa_set(smmu, regs, old_gbpa | INVT_SMMU_GBPA_ABORT);
	if (ret)
		goto err_disable;
	ret = cr0_write_ack(smmu, regs, INVT_SMMU_CR0_CMDQEN);
	if (ret)
		goto err_disable;
	ret = invalidate_all(smmu);
	if (ret)
		goto err_disable;
	/*
	 * ATSCHK with ATS: Translated traffic of a stream whose STE.EATS is
	 * 0b00 is terminated rather than let through (§5.2 EATS, §6.3.9), so
	 * that turning a master's ATS off stops its use of its ATC.
	 */
	ret = cr0_write_ack(smmu, regs, INVT_SMMU_CR0_CMDQEN | INVT_SMMU_CR0_SMMUEN |
				       (feat.ats ? INVT_SMMU_CR0_ATSCHK : 0));
	if (ret)
		goto err_disable;

	invt_mutex_init(&smmu->cfg_lock);
	smmu->iommu.id = cfg->id;
	smmu->iommu.ops = &smmu_ops;
	smmu->iommu.flags = INVT_IOMMU_SYNC_ORDERS;
	smmu->iommu.tags[0] = &smmu->asids;
	smmu->iommu.tags[1] = &smmu->vmids;
	ret = invt_iommu_register(ctx, &smmu->iommu);
	if (ret)
		goto err_lock;
	return 0;

err_lock:
	invt_mutex_destroy(&smmu->cfg_lock);
err_disable:
	/* Best effort: a timeout here is counted; the registers go back. */
	smmu_disable(smmu, regs);
	gbpa_set(smmu, regs, old_gbpa);
	strtab_program(regs, old_base, old_cfg);
err_strtab:
	cfg->mem->free(cfg->mem->arg, smmu->strtab, smmu->strtab_pa, bytes);
	smmu->strtab = NULL;
err_l2:
	invt_free(smmu->st_l2);
	smmu->st_l2 = NULL;
err_cmdq:
	invt_smmu_cmdq_destroy(&smmu->cmdq);
err_vmids:
	invt_tag_space_destroy(&smmu->vmids);
err_asids:
	invt_tag_space_destroy(&smmu->asids);
	return ret;
}

int invt_smmu_destroy(struct invt_smmu *smmu)
{
	struct invt_smmu_regs *regs = smmu->cmdq.regs;
	unsigned int masters, i;
	int ret;

	invt_mutex_lock(&smmu->cfg_lock);
	masters = smmu->nr_masters;
	invt_mutex_unlock(&smmu->cfg_lock);
	if (masters)
		return -EBUSY;
	ret = invt_iommu_unregister(&smmu->iommu);
	if (ret)
		return ret;
	/*
	 * Disabled (acknowledged) before the table and the queue go: the SMMU
	 * fetches neither afterwards, and GBPA aborts what comes in.
	 */
	smmu_disable(smmu, regs);
	strtab_program(regs, 0, 0);
	if (smmu->st_2lvl) {
		for (i = 0; i < 1u << (smmu->sid_bits - INVT_SMMU_STRTAB_SPLIT); i++)
			if (smmu->st_l2[i].va)
				smmu->mem->free(smmu->mem->arg, smmu->st_l2[i].va,
						smmu->st_l2[i].pa, (size_t)INVT_SMMU_CFG_BYTES <<
						INVT_SMMU_STRTAB_SPLIT);
		invt_free(smmu->st_l2);
		smmu->st_l2 = NULL;
	}
	smmu->mem->free(smmu->mem->arg, smmu->strtab, smmu->strtab_pa, smmu->strtab_bytes);
	smmu->strtab = NULL;
	invt_smmu_cmdq_destroy(&smmu->cmdq);
	invt_tag_space_destroy(&smmu->vmids);
	invt_tag_space_destroy(&smmu->asids);
	invt_mutex_destroy(&smmu->cfg_lock);
	return 0;
}

/* -------------------------------------------------------------- domains */

int invt_smmu_domain_init_bits(struct invt_smmu_domain *d, struct invt_ctx *ctx,
			       enum invt_domain_type type, unsigned int ia_bits,
			       unsigned int oa_bits, struct invt_pt_ops *ops)
{
	const struct invt_pt_fmt *base;
	int ret;

	if (!d || !ctx || !ops || ia_bits < 25 || ia_bits > 48 || oa_bits > 48 ||
	    invt_smmu_ps_encode(oa_bits) < 0)
		return -EINVAL;
	if (type == INVT_DOMAIN_S1)
		base = &invt_pt_fmt_arm_s1_4k;
	else if (type == INVT_DOMAIN_S2)
		base = &invt_pt_fmt_arm_s2_4k;
	else
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	/*
	 * The same descriptors, fewer index bits: a 4K walk of ia_bits starts
	 * at ARM level 0 above 39 bits, level 1 above 30, else level 2
	 * (invt_smmu_s1_geometry() / _s2_geometry() agree).
	 */
	d->fmt = *base;
	d->fmt.va_bits = ia_bits;
	d->fmt.oa_bits = oa_bits;
	d->fmt.levels = ia_bits > 39 ? 4 : ia_bits > 30 ? 3 : 2;
	d->ia_bits = ia_bits;
	d->oa_bits = oa_bits;
	ret = invt_pt_init(&d->pt, &d->fmt, ops);
	if (ret)
		return ret;
	ret = invt_domain_init(ctx, &d->dom, type, NULL);
	if (ret) {
		invt_pt_free(&d->pt);
		return ret;
	}
	return 0;
}

int invt_smmu_domain_init(struct invt_smmu_domain *d, struct invt_ctx *ctx,
			  enum invt_domain_type type, struct invt_pt_ops *ops)
{
	return invt_smmu_domain_init_bits(d, ctx, type, 48, 48, ops);
}

int invt_smmu_domain_init_for(struct invt_smmu_domain *d, struct invt_smmu *smmu,
			      enum invt_domain_type type, struct invt_pt_ops *ops)
{
	unsigned int ia = 48, oa;

	if (!smmu)
		return -EINVAL;
	if ((type == INVT_DOMAIN_S1 && !smmu->feat.s1) ||
	    (type == INVT_DOMAIN_S2 && !smmu->feat.s2))
		return -EOPNOTSUPP;
	/* 4K granule, DS == 0: at most 48 bits in and out. */
	oa = smmu->feat.oas_bits < 48 ? smmu->feat.oas_bits : 48;
	if (type == INVT_DOMAIN_S2 && smmu->feat.ias_bits < ia)
		ia = smmu->feat.ias_bits;
	if (ia < 25)
		return -ERANGE;
	return invt_smmu_domain_init_bits(d, smmu->iommu.ctx, type, ia, oa, ops);
}

int invt_smmu_domain_init_nested(struct invt_smmu_domain *d, struct invt_smmu_domain *parent,
				 uint64_t s1ctxptr, unsigned int s1cdmax, unsigned int s1fmt)
{
	/* The builder's checks of the S1 fields (§5.2), on an S1 STE. */
	struct invt_smmu_ste s1 = { .valid = true, .config = INVT_SMMU_STE_S1 };
	uint64_t w[INVT_SMMU_CFG_WORDS];
	int ret;

	if (!d || !parent || parent->dom.type != INVT_DOMAIN_S2 ||
	    s1cdmax > INVT_SMMU_CDMAX_LIMIT || s1fmt > INVT_SMMU_S1FMT_L2_64K ||
	    s1ctxptr >> parent->ia_bits)
		return -EINVAL;
	s1.s1cdmax = (uint8_t)s1cdmax;
	s1.s1fmt = (uint8_t)s1fmt;
	s1.s1ctxptr = s1ctxptr;
	if (invt_smmu_ste_build(&s1, w))
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	ret = invt_domain_init(parent->dom.ctx, &d->dom, INVT_DOMAIN_NESTED, &parent->dom);
	if (ret)
		return ret;
	d->parent = parent;
	d->ia_bits = parent->ia_bits;
	d->oa_bits = parent->oa_bits;
	d->s1ctxptr = s1ctxptr;
	d->s1cdmax = (uint8_t)s1cdmax;
	d->s1fmt = (uint8_t)s1fmt;
	return 0;
}

int invt_smmu_domain_fits(const struct invt_smmu *smmu, const struct invt_smmu_domain *d)
{
	struct invt_smmu_geometry g;

	if (d->dom.type == INVT_DOMAIN_NESTED) {
		/* Both stages; the guest's table shape within SSIDSIZE and CD2L (§5.2). */
		if (!smmu->feat.s1 || (d->s1fmt && !smmu->feat.cd_2lvl))
			return -EOPNOTSUPP;
		if (d->s1cdmax > smmu->feat.ssidsize)
			return -ERANGE;
		return invt_smmu_domain_fits(smmu, d->parent);
	}
	if (d->dom.type == INVT_DOMAIN_S1) {
		if (!smmu->feat.s1)
			return -EOPNOTSUPP;
		if (invt_smmu_s1_geometry(d->ia_bits, INVT_SMMU_TG_4K, smmu->feat.vax52, &g))
			return -ERANGE;
	} else {
		if (!smmu->feat.s2)
			return -EOPNOTSUPP;
		if (invt_smmu_s2_geometry(d->ia_bits, INVT_SMMU_TG_4K, smmu->feat.ias_bits, &g))
			return -ERANGE;
	}
	/* CD.IPS / STE.S2PS above OAS would be treated as OAS (§5.2, §5.4). */
	if (d->oa_bits > smmu->feat.oas_bits)
		return -ERANGE;
	return 0;
}

int invt_smmu_domain_destroy(struct invt_smmu_domain *d)
{
	bool nested = d->dom.type == INVT_DOMAIN_NESTED;
	int ret = invt_domain_destroy(&d->dom);

	if (ret)
		return ret;
	if (!nested)
		invt_pt_free(&d->pt);
	return 0;
}

/* ----------------------------------------------------------- plan count */

/* Commands invt_smmu_inv_emit() produces for @inv (0 when it emits none). */
static uint64_t entry_count(struct invt_iommu *iommu, const struct invt_inv *inv,
			    const struct invt_range *r)
{
	const struct invt_smmu *smmu = invt_smmu_from_iommu(iommu);
	struct invt_smmu_inv req;
	int64_t n;

	if (inv->type == INVT_INV_IOTLB_S2_S1_CLEAR)
		return inv->id <= UINT16_MAX;
	if (invt_smmu_entry_req(inv, r, &req))
		return 0;
	n = invt_smmu_inv_count(&smmu->caps, &req);
	return n > 0 ? (uint64_t)n : 0;
}

void invt_smmu_plan_count(const struct invt_invs *invs, const struct invt_range *r,
			  uint64_t *cmds, uint64_t *syncs)
{
	invt_invs_plan_count(invs, r, &smmu_ops, entry_count, cmds, syncs);
}
