// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_viommu.c - guest invalidation batches of all three formats through
 * invt_viommu_invalidate(), on the core with a capturing backend: two VMs
 * (two nest parents, tags 0x42 and 0x43) share one instance; VM 0 has
 * vdevices 7 -> 0x100 and 9 -> 0x180, VM 1 has 7 -> 0x200.  Every input
 * runs as VM 0.
 *
 * Input: byte 0 the architecture (mod 3); byte 1 bits [1:0] which wait
 * fails with -EIO (0: none), bit 2 every submit fails, bit 3 the commands
 * come from the structured generator (up to 9 input bytes per command, so
 * that valid commands are common) instead of the raw bytes; the rest
 * commands.
 * With byte 1 bit 4 the rest is event traffic instead: per step one byte
 * (bits [1:0] the physical id: VM 0's nested device 0x100, its device
 * 0x180 on the parent directly, VM 1's 0x200, an unbound one; bit 2 read
 * instead of report, bits [7:3] the read buffer in 4-byte units) and, for
 * a report, a record.
 *
 * Checked on every input:
 *  - no crash, no sanitizer report; *done written, <= n, == n on success;
 *    only the documented errors;
 *  - every command that reaches the queue is legal for the hardware (the
 *    hardware-side decoder) and isolated: a VMID / DID / GSCID only VM 0's
 *    tag, a StreamID / RID / device_id only one of VM 0's devices, and only
 *    the opcodes a translation produces; the tag and id each names also go
 *    through the model oracle's isolation check
 *    (invt_oracle_check_isolation(), the one the scenario uses), which must
 *    find nothing;
 *  - *done is exact: the host commands ahead of the last completion waited
 *    for successfully are exactly (byte for byte, in order) those of the
 *    first *done guest commands, each run alone (and each of them succeeds
 *    alone); what a command does alone is remembered (alone()),
 *    as the world it runs in is the same for every input;
 *  - a refused command, sent alone, is refused with the same error;
 *  - events: only the nested device's faults reach VM 0's queue (depth 4),
 *    with virtual id 7; reads return whole records that fit the buffer,
 *    sequence numbers in order with gaps only after a lost-events header.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <invtrack/core.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/riscv.h>
#include <invtrack/smmuv3.h>
#include <invtrack/viommu.h>
#include <invtrack/vtd.h>

#include "../../src/arch/riscv/hw.h"
#include "../../src/arch/smmuv3/hw.h"
#include "../../src/arch/vtd/hw.h"
#include "../../src/viommu/internal.h"
#include "fuzz.h"

#define LOG_MAX 1024
#define MAX_CMDS 256
#define MARK 0xee

struct cap {
	struct invt_iommu iommu;
	struct invt_tag_space ts;
	unsigned int bytes;
	uint8_t log[LOG_MAX][32];
	unsigned int nlog;
	unsigned int waits;
	unsigned int fail_wait;
	unsigned int last_ok_mark;	/* log entries up to the last completion waited for */
	uint64_t marks;
	int submit_err;
};

struct world {
	int arch;
	struct invt_ctx ctx;
	struct cap cap;
	struct invt_device dev[3];
	struct invt_domain parent[2];
	struct invt_domain nd[2];
	struct invt_viommu *v[2];
	uint32_t next_seq;	/* the number VM 0's next event must carry */
	bool seq_known;		/* (not known after a lost-events header) */
};

#define EVENTQ_DEPTH 4

/* Per architecture: the world inputs run on, and one never given an input. */
static struct world worlds[3], fresh[3];

static struct cap *cap_of(struct invt_iommu *iommu)
{
	return invt_container_of(iommu, struct cap, iommu);
}

static FUZZ_HARNESS_ONLY void cap_build_sync(struct invt_batch *b)
{
	memset(invt_batch_reserve(b, cap_of(b->iommu)->bytes), MARK, cap_of(b->iommu)->bytes);
}

static FUZZ_HARNESS_ONLY void cap_build(struct invt_batch *b, const struct invt_inv *inv,
					 const struct invt_range *r)
{
	cap_build_sync(b);
}

static FUZZ_HARNESS_ONLY bool is_mark(const uint8_t *c, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (c[i] != MARK)
			return false;
	return true;
}

static FUZZ_HARNESS_ONLY int cap_submit(struct invt_batch *b, uint64_t *token)
{
	struct cap *c = cap_of(b->iommu);
	uint32_t off;

	for (off = 0; off < b->used; off += c->bytes) {
		FUZZ_CHECK(c->nlog < LOG_MAX, "log full");
		memcpy(c->log[c->nlog++], b->buf + off, c->bytes);
	}
	/* The token: the log entries up to and with this submission's last completion. */
	*token = c->nlog;
	return c->submit_err;
}

static FUZZ_HARNESS_ONLY int cap_wait(struct invt_iommu *iommu, uint64_t token)
{
	struct cap *c = cap_of(iommu);

	if (++c->waits == c->fail_wait)
		return -EIO;
	if (!c->submit_err)
		c->last_ok_mark = (unsigned int)token;
	return 0;
}

static const struct invt_iommu_ops cap_ops = {
	.build = cap_build,
	.build_sync = cap_build_sync,
	.submit = cap_submit,
	.wait = cap_wait,
};

static int type_of(int arch)
{
	return arch == INVT_VIOMMU_SMMUV3 ? INVT_VEVENT_SMMUV3 :
	       arch == INVT_VIOMMU_VTD ? INVT_VEVENT_VTD : INVT_VEVENT_RISCV;
}

/* The id field of a record (SMMUv3 bits [63:32], VT-d [79:64], RISC-V [63:40]). */
static FUZZ_HARNESS_ONLY uint32_t rec_id(int type, const uint8_t *r)
{
	if (type == INVT_VEVENT_SMMUV3)
		return r[4] | (uint32_t)r[5] << 8 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 24;
	if (type == INVT_VEVENT_VTD)
		return r[8] | (uint32_t)r[9] << 8;
	return r[5] | (uint32_t)r[6] << 8 | (uint32_t)r[7] << 16;
}

static FUZZ_HARNESS_ONLY void rec_set_id(int type, uint8_t *r, uint32_t id)
{
	if (type == INVT_VEVENT_SMMUV3) {
		r[4] = (uint8_t)id, r[5] = (uint8_t)(id >> 8);
		r[6] = (uint8_t)(id >> 16), r[7] = (uint8_t)(id >> 24);
	} else if (type == INVT_VEVENT_VTD) {
		r[8] = (uint8_t)id, r[9] = (uint8_t)(id >> 8);
	} else {
		r[5] = (uint8_t)id, r[6] = (uint8_t)(id >> 8), r[7] = (uint8_t)(id >> 16);
	}
}

static void world_init(struct world *w, int arch)
{
	static const uint32_t sids[3] = { 0x100, 0x180, 0x200 };
	unsigned int i;
	static bool registered;
	bool ok = true;

	/* libFuzzer runs every input on this thread: register it once. */
	if (!registered)
		invt_rcu_register_thread();
	registered = true;
	w->arch = arch;
	invt_ctx_init(&w->ctx);
	ok &= !invt_tag_space_init(&w->cap.ts, 0x42, 0x43);
	w->cap.bytes = invt_viommu_cmd_bytes(arch) == 32 ? 32 : 16;
	w->cap.iommu.ops = &cap_ops;
	w->cap.iommu.tags[0] = &w->cap.ts;
	w->cap.iommu.tags[1] = &w->cap.ts;
	ok &= !invt_iommu_register(&w->ctx, &w->cap.iommu);
	for (i = 0; i < 3; i++)
		ok &= !invt_device_init(&w->dev[i], &w->cap.iommu, &sids[i], 1, 4, true);
	for (i = 0; i < 2; i++) {
		ok &= !invt_domain_init(&w->ctx, &w->parent[i], INVT_DOMAIN_S2, NULL);
		ok &= !invt_viommu_create(&w->v[i], arch, &w->cap.iommu, &w->parent[i]);
		ok &= !invt_viommu_nested_init(w->v[i], &w->nd[i], 3);
	}
	ok &= !invt_vdevice_create(w->v[0], 7, &w->dev[0]);
	ok &= !invt_vdevice_create(w->v[0], 9, &w->dev[1]);
	ok &= !invt_vdevice_create(w->v[1], 7, &w->dev[2]);
	ok &= !invt_attach(&w->dev[0], 0, &w->nd[0]);
	ok &= !invt_attach(&w->dev[2], 0, &w->nd[1]);
	ok &= !invt_attach(&w->dev[1], 0, &w->parent[0]);
	ok &= !invt_veventq_alloc(w->v[0], type_of(arch), EVENTQ_DEPTH);
	FUZZ_CHECK(ok, "world set-up");
	w->seq_known = true;	/* a new queue's first event is number 0 */
}

/*
 * Put back what an input can change: the capture and VM 0's event queue
 * (a new one: empty, sequence 0; its records are freed).  Invalidation
 * changes nothing else: the viommus, vdevices, pins, nested domains and
 * tags are only read.  The statistics keep counting (nothing reads them).
 */
static FUZZ_HARNESS_ONLY void world_reset(struct world *w, bool events)
{
	const int type = type_of(w->arch);

	w->cap.nlog = 0;
	w->cap.waits = 0;
	w->cap.last_ok_mark = 0;
	w->cap.fail_wait = 0;
	w->cap.submit_err = 0;
	if (events) {
		FUZZ_CHECK(!invt_veventq_free(w->v[0], type) &&
			   !invt_veventq_alloc(w->v[0], type, EVENTQ_DEPTH), "new event queue");
		w->next_seq = 0;
		w->seq_known = true;
	}
}

/* The index of @dom among @w's domains (-1: none of them). */
static FUZZ_HARNESS_ONLY int dom_idx(const struct world *w, const struct invt_domain *dom)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (dom == &w->parent[i])
			return (int)i;
		if (dom == &w->nd[i])
			return (int)i + 2;
	}
	return -1;
}

/* @w, after world_reset(), is as @f, a world that never ran an input. */
static FUZZ_HARNESS_ONLY void world_check_fresh(struct world *w, struct world *f)
{
	unsigned int i, k, t;
	uint32_t wt, ft;
	int wr, fr;

	FUZZ_CHECK(w->next_seq == f->next_seq && w->seq_known == f->seq_known, "harness state");
	FUZZ_CHECK(w->cap.nlog == f->cap.nlog && w->cap.waits == f->cap.waits &&
		   w->cap.last_ok_mark == f->cap.last_ok_mark &&
		   w->cap.fail_wait == f->cap.fail_wait && w->cap.submit_err == f->cap.submit_err,
		   "capture state");
	for (i = 0; i < 2; i++) {
		struct invt_viommu *wv = w->v[i], *fv = f->v[i];
		struct invt_list *wp, *fp;

		/* Stage-2 tags (and nested domains' own) on the instance. */
		wr = invt_viommu_s2_tag(wv, &wt);
		fr = invt_viommu_s2_tag(fv, &ft);
		FUZZ_CHECK(wr == fr && (wr || wt == ft), "VM %u: S2 tag", i);
		wr = invt_domain_tag(&w->nd[i], &w->cap.iommu, &wt);
		fr = invt_domain_tag(&f->nd[i], &f->cap.iommu, &ft);
		FUZZ_CHECK(wr == fr && (wr || wt == ft), "VM %u: nested tag", i);
		/* vdevices: ids, devices, pins, in order. */
		for (wp = wv->vdevs.next, fp = fv->vdevs.next;
		     wp != &wv->vdevs && fp != &fv->vdevs; wp = wp->next, fp = fp->next) {
			const struct invt_vdevice *a = invt_container_of(wp, struct invt_vdevice, node);
			const struct invt_vdevice *b = invt_container_of(fp, struct invt_vdevice, node);

			FUZZ_CHECK(a->vid == b->vid && a->pid == b->pid && a->pins == b->pins &&
				   a->dev - w->dev == b->dev - f->dev, "VM %u: vdevice %#x", i, a->vid);
		}
		FUZZ_CHECK(wp == &wv->vdevs && fp == &fv->vdevs, "VM %u: vdevices", i);
		/* Nested domains and their guest tags. */
		FUZZ_CHECK(wv->nr_nested == fv->nr_nested, "VM %u: nested domains", i);
		for (k = 0; k < wv->nr_nested; k++)
			FUZZ_CHECK(wv->nested[k].vtag == fv->nested[k].vtag &&
				   dom_idx(w, wv->nested[k].dom) == dom_idx(f, fv->nested[k].dom),
				   "VM %u: nested domain %u", i, k);
		/* Event queues: which, and their state. */
		for (t = 0; t < INVT_VEVENT_NR; t++) {
			const struct invt_veventq *a = wv->queues[t], *b = fv->queues[t];

			FUZZ_CHECK(!a == !b, "VM %u: queue %u", i, t);
			if (!a)
				continue;
			FUZZ_CHECK(a->type == b->type && a->depth == b->depth && a->nr == b->nr &&
				   a->lost_queued == b->lost_queued && a->sequence == b->sequence &&
				   invt_list_empty(&a->events) == invt_list_empty(&b->events) &&
				   a->lost.hdr.flags == b->lost.hdr.flags,
				   "VM %u: queue %u state", i, t);
		}
	}
}

/* ------------------------------------------------ structured generator */

static FUZZ_HARNESS_ONLY void gen_smmu(struct fz *f, uint8_t *out)
{
	static const uint8_t ops[] = {
		INVT_SMMU_CMD_TLBI_NH_ALL, INVT_SMMU_CMD_TLBI_NH_ASID, INVT_SMMU_CMD_TLBI_NH_VA,
		INVT_SMMU_CMD_TLBI_NH_VAA, INVT_SMMU_CMD_TLBI_NSNH_ALL, INVT_SMMU_CMD_ATC_INV,
		INVT_SMMU_CMD_CFGI_CD, INVT_SMMU_CMD_CFGI_CD_ALL, INVT_SMMU_CMD_SYNC,
		INVT_SMMU_CMD_TLBI_S2_IPA, INVT_SMMU_CMD_TLBI_S12_VMALL, INVT_SMMU_CMD_CFGI_STE,
		INVT_SMMU_CMD_TLBI_EL2_ALL, INVT_SMMU_CMD_PRI_RESP,
	};
	struct invt_smmu_cmd c = { .opcode = ops[fz_bits(f, 8) % sizeof(ops)] };

	switch (c.opcode) {
	case INVT_SMMU_CMD_TLBI_NH_VA:
	case INVT_SMMU_CMD_TLBI_NH_VAA:
		c.addr = fz_bits(f, 20) << 12;
		c.leaf = fz_bits(f, 1);
		/* fall through */
	case INVT_SMMU_CMD_TLBI_NH_ASID:
		if (c.opcode != INVT_SMMU_CMD_TLBI_NH_VAA)
			c.asid = (uint16_t)fz_bits(f, 16);
		/* fall through */
	case INVT_SMMU_CMD_TLBI_NH_ALL:
	case INVT_SMMU_CMD_TLBI_S12_VMALL:
		c.vmid = (uint16_t)fz_bits(f, 8);
		break;
	case INVT_SMMU_CMD_ATC_INV:
		c.size = 52;
		/* fall through */
	case INVT_SMMU_CMD_CFGI_CD:
	case INVT_SMMU_CMD_CFGI_CD_ALL:
	case INVT_SMMU_CMD_CFGI_STE:
	case INVT_SMMU_CMD_PRI_RESP:
		c.sid = (uint32_t)fz_bits(f, 4) + 5;	/* 7 and 9 are bound, others not */
		if (c.opcode == INVT_SMMU_CMD_CFGI_CD)
			c.ssid = (uint32_t)fz_bits(f, 8);
		break;
	default:
		break;
	}
	if (invt_smmu_cmd_encode_le(&c, out))
		memset(out, 0xff, 16);
}

static FUZZ_HARNESS_ONLY void gen_vtd(struct fz *f, uint8_t *out)
{
	static const uint8_t types[] = {
		INVT_VTD_DESC_PIOTLB, INVT_VTD_DESC_PC, INVT_VTD_DESC_DEVTLB,
		INVT_VTD_DESC_PDEVTLB, INVT_VTD_DESC_WAIT, INVT_VTD_DESC_IOTLB, INVT_VTD_DESC_CC,
	};
	struct invt_vtd_desc d = { .type = types[fz_bits(f, 8) % sizeof(types)] };

	switch (d.type) {
	case INVT_VTD_DESC_PIOTLB:
		d.g = fz_bits(f, 1) ? INVT_VTD_PIOTLB_PSI : INVT_VTD_PIOTLB_PASID;
		d.did = (uint16_t)fz_bits(f, 8);
		d.pasid = (uint32_t)fz_bits(f, 8);
		if (d.g == INVT_VTD_PIOTLB_PSI)
			d.addr = fz_bits(f, 20) << 12;
		break;
	case INVT_VTD_DESC_PC:
		d.g = (uint8_t[]){ 0, 1, 3 }[fz_bits(f, 8) % 3];
		d.did = (uint16_t)fz_bits(f, 8);
		if (d.g == INVT_VTD_PC_PASID)
			d.pasid = (uint32_t)fz_bits(f, 8);
		break;
	case INVT_VTD_DESC_DEVTLB:
	case INVT_VTD_DESC_PDEVTLB:
		d.sid = (uint16_t)(fz_bits(f, 4) + 5);
		d.pfsid = d.sid;
		d.addr = fz_bits(f, 20) << 12;
		if (d.type == INVT_VTD_DESC_PDEVTLB)
			d.pasid = (uint32_t)fz_bits(f, 8);
		break;
	case INVT_VTD_DESC_WAIT:
		d.iflag = true;
		break;
	case INVT_VTD_DESC_IOTLB:
		d.g = INVT_VTD_IOTLB_DSI;
		d.did = (uint16_t)fz_bits(f, 8);
		break;
	default:
		d.g = INVT_VTD_CC_GLOBAL;
	}
	if (invt_vtd_desc_encode_le(&d, out, 32))
		memset(out, 0xff, 32);
}

static FUZZ_HARNESS_ONLY void gen_rv(struct fz *f, uint8_t *out)
{
	struct invt_rv_cmd c = { 0 };

	switch (fz_bits(f, 8) % 7) {
	case 0:
		c.opcode = INVT_RV_OP_IOTINVAL;
		c.gv = fz_bits(f, 1);
		c.gscid = c.gv ? (uint32_t)fz_bits(f, 8) : 0;
		c.pscv = fz_bits(f, 1);
		c.pscid = c.pscv ? (uint32_t)fz_bits(f, 8) : 0;
		c.av = fz_bits(f, 1);
		c.addr = c.av ? fz_bits(f, 20) << 12 : 0;
		break;
	case 1:
		c.opcode = INVT_RV_OP_IOTINVAL;
		c.func3 = INVT_RV_FUNC_GVMA;
		c.gv = true;
		c.gscid = (uint32_t)fz_bits(f, 8);
		break;
	case 2:
		c.opcode = INVT_RV_OP_ATS;
		c.rid = (uint16_t)(fz_bits(f, 4) + 5);
		c.addr = fz_bits(f, 20) << 12;
		break;
	case 3:
		c.opcode = INVT_RV_OP_IODIR;
		c.dv = fz_bits(f, 1);
		c.did = c.dv ? (uint32_t)fz_bits(f, 4) + 5 : 0;
		break;
	case 4:
		c.opcode = INVT_RV_OP_IODIR;
		c.func3 = INVT_RV_FUNC_INVAL_PDT;
		c.dv = true;
		c.did = (uint32_t)fz_bits(f, 4) + 5;
		c.pid = (uint32_t)fz_bits(f, 8);
		break;
	case 5:
		c.opcode = INVT_RV_OP_IOFENCE;
		break;
	default:
		c.opcode = INVT_RV_OP_ATS;
		c.func3 = INVT_RV_FUNC_ATS_PRGR;
		c.rid = 7;
	}
	if (invt_rv_cmd_encode_le(&c, out))
		memset(out, 0xff, 16);
}

static void gen_one(int arch, struct fz *f, uint8_t *out)
{
	if (arch == INVT_VIOMMU_SMMUV3)
		gen_smmu(f, out);
	else if (arch == INVT_VIOMMU_VTD)
		gen_vtd(f, out);
	else
		gen_rv(f, out);
}

#define GEN_READ_MAX 12		/* input bytes a generator reads, at most */
#define GEN_MEMO_SIZE 16384		/* entries, a power of two */

/* A generated command, and the input bytes it came from. */
struct gen_memo {
	int arch;
	uint8_t in[GEN_READ_MAX];
	unsigned int used;
	uint8_t out[32];
};

static struct gen_memo gen_memo[GEN_MEMO_SIZE];

static FUZZ_HARNESS_ONLY uint32_t memo_hash(int arch, const uint8_t *p, unsigned int bytes)
{
	uint32_t h = 2166136261u ^ (uint32_t)arch;	/* FNV-1a */
	unsigned int i;

	for (i = 0; i < bytes; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/*
 * The next command of @f, generated for @arch into @out (@bytes bytes).  A
 * generator is a function of the bytes it reads, at most GEN_READ_MAX: when
 * as many are left, the command is remembered by them (the encoders are
 * the code under test of another harness, and the most expensive part here).
 */
static FUZZ_HARNESS_ONLY void gen(int arch, struct fz *f, uint8_t *out, unsigned int bytes)
{
	struct gen_memo *m;
	const uint8_t *in = f->p;

	if (f->n < GEN_READ_MAX) {
		gen_one(arch, f, out);
		return;
	}
	m = &gen_memo[memo_hash(arch, in, GEN_READ_MAX) & (GEN_MEMO_SIZE - 1)];
	if (m->used && m->arch == arch && !memcmp(m->in, in, GEN_READ_MAX)) {
		memcpy(out, m->out, bytes);
		f->p += m->used;
		f->n -= m->used;
		return;
	}
	gen_one(arch, f, out);
	m->arch = arch;
	memcpy(m->in, in, GEN_READ_MAX);
	m->used = (unsigned int)(f->p - in);
	FUZZ_CHECK(m->used && m->used <= GEN_READ_MAX, "a generator read %u bytes", m->used);
	memcpy(m->out, out, bytes);
}

/* --------------------------------------------- commands run alone, memo */

#define ALONE_HOST_MAX 4		/* host commands remembered per guest command */
#define ALONE_MEMO_SIZE 16384		/* entries, a power of two */
#define ALONE_RECHECK 16		/* every 16th answer from the memo is rerun */

/*
 * What one guest command did, run alone on a reset world: its return value,
 * *done, and the host commands it issued (completion marks left out).  The
 * world is the same before every input (world_check_fresh()), so the answer
 * is the same every time; every ALONE_RECHECK-th one is rerun and compared
 * all the same.
 */
struct alone {
	bool valid;
	int arch;
	uint8_t cmd[32];
	int ret;
	uint32_t done;
	unsigned int nhost;
	uint8_t host[ALONE_HOST_MAX][32];
};

static struct alone alone_memo[ALONE_MEMO_SIZE];
static unsigned long alone_hits;

/* Run @cmd alone on @w (reset) into @a; false when it issued too many to keep. */
static FUZZ_HARNESS_ONLY bool alone_run(struct world *w, const uint8_t *cmd, unsigned int bytes,
					struct alone *a)
{
	unsigned int k;

	w->cap.nlog = 0;
	a->ret = invt_viommu_invalidate(w->v[0], cmd, 1, &a->done);
	a->nhost = 0;
	for (k = 0; k < w->cap.nlog; k++) {
		if (is_mark(w->cap.log[k], w->cap.bytes))
			continue;
		if (a->nhost == ALONE_HOST_MAX)
			return false;
		memcpy(a->host[a->nhost++], w->cap.log[k], w->cap.bytes);
	}
	return true;
}

static FUZZ_HARNESS_ONLY bool alone_same(const struct alone *a, const struct alone *b,
					 unsigned int hbytes)
{
	unsigned int k;

	if (a->ret != b->ret || a->done != b->done || a->nhost != b->nhost)
		return false;
	for (k = 0; k < a->nhost; k++)
		if (memcmp(a->host[k], b->host[k], hbytes))
			return false;
	return true;
}

/* What @cmd does alone on @w: from the memo, or run (and remembered). */
static FUZZ_HARNESS_ONLY const struct alone *alone(struct world *w, const uint8_t *cmd,
						   unsigned int bytes)
{
	struct alone *m = &alone_memo[memo_hash(w->arch, cmd, bytes) & (ALONE_MEMO_SIZE - 1)];
	static struct alone run;

	if (m->valid && m->arch == w->arch && !memcmp(m->cmd, cmd, bytes)) {
		if (++alone_hits % ALONE_RECHECK)
			return m;
		FUZZ_CHECK(alone_run(w, cmd, bytes, &run) && alone_same(m, &run, w->cap.bytes),
			   "a command alone did not do what it did before");
		return m;
	}
	run.valid = alone_run(w, cmd, bytes, &run);
	run.arch = w->arch;
	memcpy(run.cmd, cmd, bytes);
	if (run.valid)
		*m = run;
	return &run;
}

/* ------------------------------------------------------------- checks */

/* VM 0's physical ids. */
static FUZZ_HARNESS_ONLY bool own_pid(uint32_t id)
{
	return id == 0x100 || id == 0x180;
}

/* A host command is legal, of a translation's opcodes, and VM 0's only. */
static FUZZ_HARNESS_ONLY void check_host(int arch, const uint8_t *c)
{
	static const uint32_t devs[] = { 0x100, 0x180 };
	static struct invt_oracle *o;
	struct invt_oracle_guest_cmd gc = {
		.nr_tags = 1, .tags = { 0x42 }, .nr_devs = 2, .devs = devs,
	};

	if (!o) {
		struct invt_mem_config mc = { .nr_frames = 1 };
		struct invt_oracle_config oc = { .nr_instances = 1, .nr_sids = 1, .nr_ssids = 1 };
		struct invt_mem *mem;

		FUZZ_CHECK(!invt_mem_create(&mc, &mem) && !invt_oracle_create(&oc, mem, &o),
			   "oracle");
	}
	if (arch == INVT_VIOMMU_SMMUV3) {
		struct smmu_hw_cmd h;

		FUZZ_CHECK(!smmu_hw_decode_le(c, SMMU_HW_FEAT_ALL, &h, NULL),
			   "illegal SMMU command");
		switch (h.op) {
		case SMMU_HW_OP_TLBI_NH_ALL:
		case SMMU_HW_OP_TLBI_NH_ASID:
		case SMMU_HW_OP_TLBI_NH_VA:
		case SMMU_HW_OP_TLBI_NH_VAA:
			FUZZ_CHECK(h.vmid == 0x42, "VMID %#x", h.vmid);
			gc.names = INVT_ORACLE_NAMES_TAG;
			gc.tag_s2 = h.vmid;
			break;
		case SMMU_HW_OP_ATC_INV:
		case SMMU_HW_OP_CFGI_CD:
		case SMMU_HW_OP_CFGI_CD_ALL:
			FUZZ_CHECK(own_pid(h.sid), "SID %#x", h.sid);
			gc.names = INVT_ORACLE_NAMES_DEV;
			gc.dev = h.sid;
			break;
		default:
			FUZZ_CHECK(0, "SMMU op %#x reached the queue", h.op);
		}
	} else if (arch == INVT_VIOMMU_VTD) {
		const struct vtd_hw_caps caps = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
		struct vtd_hw_desc d;

		FUZZ_CHECK(!vtd_hw_decode_le(c, true, &caps, &d, NULL), "illegal VT-d descriptor");
		switch (d.type) {
		case VTD_HW_PIOTLB_INV:
		case VTD_HW_PC_INV:
			FUZZ_CHECK(d.did == 0x42, "DID %#x", d.did);
			FUZZ_CHECK(d.type != VTD_HW_PC_INV || d.g != 3, "global PASID-cache");
			gc.names = INVT_ORACLE_NAMES_TAG;
			gc.tag_s2 = d.did;
			break;
		case VTD_HW_DEVTLB_INV:
		case VTD_HW_PDEVTLB_INV:
			FUZZ_CHECK(own_pid(d.sid) && d.pfsid == d.sid, "SID %#x PFSID %#x", d.sid,
				   d.pfsid);
			gc.names = INVT_ORACLE_NAMES_DEV;
			gc.dev = d.sid;
			break;
		default:
			FUZZ_CHECK(0, "VT-d type %u reached the queue", d.type);
		}
	} else {
		const struct rv_hw_limits lim = { .caps = ~0ull };
		struct rv_hw_cmd h;
		uint64_t dw[2];

		rv_hw_words_le(c, dw);
		FUZZ_CHECK(!rv_hw_decode(dw, &lim, &h, NULL), "illegal RISC-V command");
		switch (h.kind) {
		case RV_HW_IOTINVAL_VMA:
			FUZZ_CHECK(h.gv && h.gscid == 0x42, "GV %d GSCID %#x", h.gv, h.gscid);
			gc.names = INVT_ORACLE_NAMES_TAG;
			gc.tag_s2 = h.gscid;
			break;
		case RV_HW_ATS_INVAL:
			FUZZ_CHECK(own_pid((h.dsv ? (uint32_t)h.dseg << 16 : 0) | h.rid), "RID %#x",
				   h.rid);
			gc.names = INVT_ORACLE_NAMES_DEV;
			gc.dev = (h.dsv ? (uint32_t)h.dseg << 16 : 0) | h.rid;
			break;
		case RV_HW_IODIR_INVAL_DDT:
		case RV_HW_IODIR_INVAL_PDT:
			FUZZ_CHECK(h.dv && own_pid(h.did), "DID %#x", h.did);
			gc.names = INVT_ORACLE_NAMES_DEV;
			gc.dev = h.did;
			break;
		default:
			FUZZ_CHECK(0, "RISC-V kind %#x reached the queue", h.kind);
		}
	}
	FUZZ_CHECK(!invt_oracle_check_isolation(o, &gc), "the oracle's isolation check");
}

/* The first host command (not a completion mark) of @log at or after @k, or @end. */
static FUZZ_HARNESS_ONLY unsigned int next_host(const uint8_t (*log)[32], unsigned int k,
					       unsigned int end, unsigned int bytes)
{
	while (k < end && is_mark(log[k], bytes))
		k++;
	return k;
}

/* Event traffic on VM 0's queue (see the input format above). */
static void events(struct world *w, struct fz *f)
{
	static const uint32_t pids[4] = { 0x100, 0x180, 0x200, 0x999 };
	static const int want[4] = { 0, -ENODEV, -ENOENT, -ENOENT };
	const int type = type_of(w->arch);
	const size_t rb = invt_vevent_record_bytes(type), hb = sizeof(struct invt_vevent_header);
	uint8_t rec[32], buf[256];

	while (f->n) {
		uint8_t op = (uint8_t)fz_bits(f, 8);
		size_t len = (size_t)(op >> 3) * 4 + (op & 3), i;
		long got, off;
		int ret;

		if (!(op & 4)) {
			for (i = 0; i < rb; i++)
				rec[i] = (uint8_t)fz_bits(f, 8);
			rec_set_id(type, rec, pids[op & 3]);
			ret = invt_viommu_report_fault(w->v[0], pids[op & 3], rec, rb);
			FUZZ_CHECK(ret == want[op & 3], "report of %#x: %d", pids[op & 3], ret);
			continue;
		}
		got = invt_veventq_read(w->v[0], type, buf, len);
		FUZZ_CHECK(got >= -EINVAL && got <= (long)len, "read of %zu: %ld", len, got);
		FUZZ_CHECK(got != -EINVAL || len < hb + rb, "read of %zu refused", len);
		for (off = 0; off < got;) {
			struct invt_vevent_header h;

			FUZZ_CHECK((size_t)(got - off) >= hb, "a partial header");
			memcpy(&h, buf + off, hb);
			off += (long)hb;
			FUZZ_CHECK(h.flags <= INVT_VEVENT_FLAG_LOST_EVENTS, "flags %#x", h.flags);
			FUZZ_CHECK(h.sequence <= INVT_VEVENT_SEQ_MAX, "sequence %#x", h.sequence);
			/* In order; a gap only after a lost-events header. */
			FUZZ_CHECK(!w->seq_known || h.sequence == w->next_seq ||
				   (h.flags & INVT_VEVENT_FLAG_LOST_EVENTS) == 0,
				   "lost-events header %u, expected %u", h.sequence, w->next_seq);
			if (h.flags & INVT_VEVENT_FLAG_LOST_EVENTS) {
				w->seq_known = false;
				continue;
			}
			FUZZ_CHECK(!w->seq_known || h.sequence == w->next_seq,
				   "sequence %u, expected %u", h.sequence, w->next_seq);
			FUZZ_CHECK((size_t)(got - off) >= rb, "a partial record");
			FUZZ_CHECK(rec_id(type, buf + off) == 7, "virtual id %#x",
				   rec_id(type, buf + off));
			off += (long)rb;
			w->next_seq = h.sequence == INVT_VEVENT_SEQ_MAX ? 0 : h.sequence + 1;
			w->seq_known = true;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cmds[MAX_CMDS * 32], batch_log[LOG_MAX][32];
	const struct alone *a;
	struct world *w;
	struct fz f;
	unsigned int bytes, i, k, h, nlog, last_ok;
	uint32_t n, done = 0xdeadbeef;
	uint8_t flags;
	int arch, ret;

	if (size < 2)
		return 0;
	arch = INVT_VIOMMU_SMMUV3 + data[0] % 3;
	flags = data[1];
	w = &worlds[arch - INVT_VIOMMU_SMMUV3];
	if (!w->arch) {
		world_init(w, arch);
		world_init(&fresh[arch - INVT_VIOMMU_SMMUV3], arch);
	}
	bytes = invt_viommu_cmd_bytes(arch);
	f = (struct fz){ .p = data + 2, .n = size - 2 };
	if (flags & 0x10) {
		events(w, &f);
		world_reset(w, true);
		world_check_fresh(w, &fresh[arch - INVT_VIOMMU_SMMUV3]);
		return 0;
	}
	if (flags & 8) {
		for (n = 0; f.n && n < MAX_CMDS; n++)
			gen(arch, &f, cmds + (size_t)n * bytes, bytes);
	} else {
		n = (uint32_t)(f.n / bytes);
		if (n > MAX_CMDS)
			n = MAX_CMDS;
		memcpy(cmds, f.p, (size_t)n * bytes);
	}

	w->cap.fail_wait = flags & 3;
	w->cap.submit_err = flags & 4 ? -EIO : 0;
	ret = invt_viommu_invalidate(w->v[0], cmds, n, &done);
	w->cap.fail_wait = 0;
	w->cap.submit_err = 0;

	FUZZ_CHECK(done <= n, "done %u > n %u", done, n);
	FUZZ_CHECK(ret || done == n, "success with done %u of %u", done, n);
	FUZZ_CHECK(!ret || ret == -EOPNOTSUPP || ret == -EINVAL || ret == -ENOENT || ret == -EIO,
		   "error %d", ret);
	/* Isolation and legality of everything that reached the queue. */
	for (i = 0; i < w->cap.nlog; i++)
		if (!is_mark(w->cap.log[i], w->cap.bytes))
			check_host(arch, w->cap.log[i]);
	/*
	 * Exactness: the host commands ahead of the last completion waited
	 * for are those of the *done first commands, each run alone, in order.
	 */
	nlog = w->cap.nlog;
	last_ok = w->cap.last_ok_mark;
	memcpy(batch_log, w->cap.log, (size_t)nlog * sizeof(batch_log[0]));
	for (i = 0, k = 0; i < done; i++) {
		a = alone(w, cmds + (size_t)i * bytes, bytes);
		FUZZ_CHECK(!a->ret && a->done == 1, "command %u: %d alone, done in the batch", i,
			   a->ret);
		for (h = 0; h < a->nhost; h++, k++) {
			k = next_host(batch_log, k, last_ok, w->cap.bytes);
			FUZZ_CHECK(k < last_ok, "done %u: command %u's host command %u not completed",
				   done, i, h);
			FUZZ_CHECK(!memcmp(batch_log[k], a->host[h], w->cap.bytes),
				   "command %u's host command %u differs from the one alone", i, h);
		}
	}
	FUZZ_CHECK(next_host(batch_log, k, last_ok, w->cap.bytes) == last_ok,
		   "done %u: more host commands completed (%d)", done, ret);
	/* A refused command is refused alone too, with the same error. */
	if (ret && ret != -EIO) {
		a = alone(w, cmds + (size_t)done * bytes, bytes);
		FUZZ_CHECK(a->ret == ret && a->done == 0, "alone: %d (%u), in the batch: %d",
			   a->ret, a->done, ret);
	}
	world_reset(w, false);
	world_check_fresh(w, &fresh[arch - INVT_VIOMMU_SMMUV3]);
	return 0;
}
