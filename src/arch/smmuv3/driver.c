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
/* 2^sid_bits STEs: up to 16 bits of StreamID (4 MiB of linear table). */
#define SID_BITS_MAX	16
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

static const struct invt_iommu_ops smmu_ops = {
	.build = smmu_build,
	.build_sync = smmu_build_sync,
	.submit = smmu_submit,
	.wait = smmu_wait,
};

int invt_smmu_submit_wait(struct invt_smmu *smmu, const void *cmds, uint32_t ncmds)
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

/* ------------------------------------------------------------- instance */

static int tag_bits(unsigned int bits, unsigned int *out)
{
	if (!bits)
		bits = TAG_BITS_DEFAULT;
	if (bits != 8 && bits != 16)
		return -EINVAL;
	*out = bits;
	return 0;
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

/* CMD_CFGI_ALL then CMD_SYNC, waited for: nothing cached survives. */
static int cfgi_all(struct invt_smmu *smmu)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_CFGI_STE_RANGE,
				   .range = INVT_SMMU_CFGI_ALL_RANGE };
	uint8_t buf[2 * CMD_BYTES];
	int ret;

	ret = invt_smmu_cmd_encode_le(&c, buf);
	if (ret)
		return ret;
	c = (struct invt_smmu_cmd){ .opcode = INVT_SMMU_CMD_SYNC, .cs = INVT_SMMU_SYNC_CS_NONE };
	ret = invt_smmu_cmd_encode_le(&c, buf + CMD_BYTES);
	if (ret)
		return ret;
	return invt_smmu_submit_wait(smmu, buf, 2);
}

int invt_smmu_init(struct invt_smmu *smmu, struct invt_ctx *ctx, const struct invt_smmu_config *cfg)
{
	unsigned int asid_bits, vmid_bits;
	uint64_t old_base;
	uint32_t old_cfg;
	size_t bytes;
	int ret;

	if (!smmu || !ctx || !cfg || !cfg->regs || !mem_ops_ok(cfg->mem) ||
	    !cfg->cmdq_log2size || cfg->cmdq_log2size > INVT_SMMU_CMDQ_MAX_LOG2SIZE ||
	    !cfg->sid_bits || cfg->sid_bits > SID_BITS_MAX ||
	    tag_bits(cfg->asid_bits, &asid_bits) || tag_bits(cfg->vmid_bits, &vmid_bits))
		return -EINVAL;

	memset(smmu, 0, sizeof(*smmu));
	smmu->caps = cfg->caps;
	smmu->ats = cfg->ats;
	smmu->mem = cfg->mem;
	smmu->sid_bits = cfg->sid_bits;

	/* Tag 0 is never handed out: VMID 0 tags the stage-1-only streams. */
	ret = invt_tag_space_init(&smmu->asids, 1, (1u << asid_bits) - 1);
	if (ret)
		return ret;
	ret = invt_tag_space_init(&smmu->vmids, 1, (1u << vmid_bits) - 1);
	if (ret)
		goto err_asids;
	ret = invt_smmu_cmdq_init(&smmu->cmdq, cfg->regs, cfg->cmdq_log2size);
	if (ret)
		goto err_vmids;
	smmu->cmdq.on_error = cfg->on_error;
	smmu->cmdq.err_arg = cfg->err_arg;
	smmu->hooks = cfg->hooks;
	if (cfg->hooks && cfg->hooks->written) {
		smmu->cmdq.on_write = smmu_written;
		smmu->cmdq.write_arg = smmu;
	}

	bytes = (size_t)INVT_SMMU_CFG_BYTES << cfg->sid_bits;
	smmu->strtab = cfg->mem->alloc(cfg->mem->arg, bytes, &smmu->strtab_pa);
	if (!smmu->strtab) {
		ret = -ENOMEM;
		goto err_cmdq;
	}
	/* Unusable memory: not addressable by SMMU_STRTAB_BASE. */
	if (smmu->strtab_pa & ~INVT_SMMU_STRTAB_BASE_ADDR) {
		ret = -ENOMEM;
		goto err_strtab;
	}

	old_base = __atomic_load_n(&cfg->regs->strtab_base, __ATOMIC_RELAXED);
	old_cfg = __atomic_load_n(&cfg->regs->strtab_base_cfg, __ATOMIC_RELAXED);
	/* Linear format (FMT 0) of 2^sid_bits STEs. */
	strtab_program(cfg->regs, smmu->strtab_pa, cfg->sid_bits);

	ret = cfgi_all(smmu);
	if (ret)
		goto err_regs;

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
err_regs:
	strtab_program(cfg->regs, old_base, old_cfg);
err_strtab:
	cfg->mem->free(cfg->mem->arg, smmu->strtab, smmu->strtab_pa, bytes);
	smmu->strtab = NULL;
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
	unsigned int masters;
	int ret;

	invt_mutex_lock(&smmu->cfg_lock);
	masters = smmu->nr_masters;
	invt_mutex_unlock(&smmu->cfg_lock);
	if (masters)
		return -EBUSY;
	ret = invt_iommu_unregister(&smmu->iommu);
	if (ret)
		return ret;
	/* No STE is valid: the SMMU has nothing left to fetch from the table. */
	strtab_program(smmu->cmdq.regs, 0, 0);
	smmu->mem->free(smmu->mem->arg, smmu->strtab, smmu->strtab_pa,
			(size_t)INVT_SMMU_CFG_BYTES << smmu->sid_bits);
	smmu->strtab = NULL;
	invt_smmu_cmdq_destroy(&smmu->cmdq);
	invt_tag_space_destroy(&smmu->vmids);
	invt_tag_space_destroy(&smmu->asids);
	invt_mutex_destroy(&smmu->cfg_lock);
	return 0;
}

/* -------------------------------------------------------------- domains */

int invt_smmu_domain_init(struct invt_smmu_domain *d, struct invt_ctx *ctx,
			  enum invt_domain_type type, struct invt_pt_ops *ops)
{
	const struct invt_pt_fmt *fmt;
	int ret;

	if (!d || !ctx || !ops)
		return -EINVAL;
	if (type == INVT_DOMAIN_S1)
		fmt = &invt_pt_fmt_arm_s1_4k;
	else if (type == INVT_DOMAIN_S2)
		fmt = &invt_pt_fmt_arm_s2_4k;
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

int invt_smmu_domain_destroy(struct invt_smmu_domain *d)
{
	int ret = invt_domain_destroy(&d->dom);

	if (ret)
		return ret;
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
