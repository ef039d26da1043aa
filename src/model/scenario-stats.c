// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * scenario-stats.c - what a scenario measures: the drivers' observers
 * (commands, syncs and waits of each invalidation, its modelled cost, the
 * command trace), latency histograms, and command names for reports.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw.h"
#include "scenario-internal.h"

/* The invalidation running on this thread, if any (see scn_acct_begin()). */
static __thread struct scn_acct acct;

void scn_acct_begin(void)
{
	memset(&acct, 0, sizeof(acct));
	acct.on = true;
}

struct scn_acct *scn_acct_end(void)
{
	acct.on = false;
	return &acct;
}

void scn_on_submitted(struct scn *s, uint32_t inst, const void *cmds, uint32_t n,
		      unsigned int cmd_bytes)
{
	const uint8_t *c = cmds;
	uint32_t i;

	if (!acct.on || inst >= INVT_SCN_MAX_INSTANCES)
		return;
	acct.cmds += n;
	for (i = 0; i < n; i++, c += cmd_bytes) {
		unsigned int op = s->arch->op_index(c);

		acct.syncs += op == s->sync_op;
		acct.modelled[inst] += s->cost[inst][op];
	}
}

void scn_on_waited(struct scn *s)
{
	if (acct.on)
		acct.waits++;
}

static uint64_t le_word(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Under the producer lock of the instance's queue: writing order is global here. */
void scn_on_written(struct scn *s, uint32_t inst, const void *slot, unsigned int cmd_bytes)
{
	uint64_t w[4] = { 0 };
	unsigned int i;

	/* Relaxed: switched off before teardown, by the thread that tears down. */
	if (!s->p->trace || !__atomic_load_n(&s->tracing, __ATOMIC_RELAXED))
		return;
	for (i = 0; i < cmd_bytes / 8 && i < 4; i++)
		w[i] = le_word((const uint8_t *)slot + 8 * i);
	pthread_mutex_lock(&s->trace_lock);
	s->p->trace(s->p->trace_arg, s->trace_seq++, inst, w);
	pthread_mutex_unlock(&s->trace_lock);
}

static void scn_hook_submitted(void *arg, struct invt_iommu *iommu, const void *cmds, uint32_t n,
			       unsigned int cmd_bytes)
{
	scn_on_submitted(arg, iommu->id, cmds, n, cmd_bytes);
}

static void scn_hook_waited(void *arg, struct invt_iommu *iommu)
{
	scn_on_waited(arg);
}

static void scn_hook_written(void *arg, struct invt_iommu *iommu, uint64_t index, const void *slot,
			     unsigned int cmd_bytes)
{
	scn_on_written(arg, iommu->id, slot, cmd_bytes);
}

void scn_hooks_init(struct scn *s)
{
	s->hooks = (struct invt_drv_hooks){
		.submitted = scn_hook_submitted,
		.waited = scn_hook_waited,
		.written = s->p->trace ? scn_hook_written : NULL,
		.arg = s,
	};
}

/* ---- histograms: bin = 8 * floor(log2 v) + the next three bits ---- */

static unsigned int hist_bin(uint64_t v)
{
	unsigned int e;

	if (v < 8)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	return 8 * (e - 2) + (unsigned int)((v >> (e - 3)) & 7);
}

/* The upper bound of a bin, the value reported for it. */
static uint64_t hist_top(unsigned int bin)
{
	unsigned int e = bin / 8 + 2, m = bin % 8;

	if (bin < 8)
		return bin;
	if (e >= 63)
		return UINT64_MAX;
	return ((UINT64_C(8) + m + 1) << (e - 3)) - 1;
}

void scn_hist_add(struct scn_hist *h, uint64_t v)
{
	h->n[hist_bin(v)]++;
	h->total++;
}

uint64_t scn_hist_pct(const struct scn_hist *h, unsigned int pct)
{
	uint64_t want, seen = 0;
	unsigned int b;

	if (!h->total)
		return 0;
	want = (h->total * pct + 99) / 100;
	for (b = 0; b < SCN_HIST_BINS; b++) {
		seen += h->n[b];
		if (seen >= want)
			return hist_top(b);
	}
	return hist_top(SCN_HIST_BINS - 1);
}

/* ---- names ---- */

const char *invt_scn_op_name(unsigned int op)
{
	const char *n;

	if (op > 255)
		return NULL;
	n = smmu_hw_op_name((uint8_t)op);
	return strcmp(n, "CMD_UNKNOWN") ? n : NULL;
}

int invt_scn_describe(const uint64_t dw[2], char *buf, size_t len)
{
	struct smmu_hw_cmd c;
	enum smmu_hw_ill why;
	int n;

	if (smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &c, &why)) {
		snprintf(buf, len, "ILLEGAL why=%d", (int)why);
		return -EINVAL;
	}
	n = snprintf(buf, len, "%s", smmu_hw_op_name(c.op));
#define FIELD(cond, fmt, ...) \
	do { \
		if ((cond) && n >= 0 && (size_t)n < len) \
			n += snprintf(buf + n, len - n, " " fmt, __VA_ARGS__); \
	} while (0)
	switch (c.op) {
	case SMMU_HW_OP_CFGI_STE:
	case SMMU_HW_OP_CFGI_STE_RANGE:
	case SMMU_HW_OP_CFGI_CD:
	case SMMU_HW_OP_CFGI_CD_ALL:
		FIELD(1, "sid=%u", c.sid);
		FIELD(c.op == SMMU_HW_OP_CFGI_CD, "ssid=%u", c.ssid);
		FIELD(c.op == SMMU_HW_OP_CFGI_STE_RANGE, "range=%u", c.range);
		FIELD(c.op != SMMU_HW_OP_CFGI_STE_RANGE && c.op != SMMU_HW_OP_CFGI_CD_ALL,
		      "leaf=%d", c.leaf);
		break;
	case SMMU_HW_OP_TLBI_NH_ALL:
	case SMMU_HW_OP_TLBI_S12_VMALL:
		FIELD(1, "vmid=%u", c.vmid);
		break;
	case SMMU_HW_OP_TLBI_NH_ASID:
		FIELD(1, "vmid=%u asid=%u", c.vmid, c.asid);
		break;
	case SMMU_HW_OP_TLBI_NH_VA:
	case SMMU_HW_OP_TLBI_NH_VAA:
	case SMMU_HW_OP_TLBI_S2_IPA:
	case SMMU_HW_OP_TLBI_EL2_VA:
	case SMMU_HW_OP_TLBI_EL2_VAA:
		FIELD(c.op != SMMU_HW_OP_TLBI_EL2_VA && c.op != SMMU_HW_OP_TLBI_EL2_VAA,
		      "vmid=%u", c.vmid);
		FIELD(c.op == SMMU_HW_OP_TLBI_NH_VA || c.op == SMMU_HW_OP_TLBI_EL2_VA,
		      "asid=%u", c.asid);
		FIELD(1, "addr=0x%llx leaf=%d tg=%u num=%u scale=%u ttl=%u",
		      (unsigned long long)c.addr, c.leaf, c.tg, c.num, c.scale, c.ttl);
		break;
	case SMMU_HW_OP_TLBI_EL2_ASID:
		FIELD(1, "asid=%u", c.asid);
		break;
	case SMMU_HW_OP_ATC_INV:
		FIELD(1, "sid=%u ssv=%d", c.sid, c.ssv);
		FIELD(c.ssv, "ssid=%u", c.ssid);
		FIELD(1, "global=%d addr=0x%llx size=%u", c.global, (unsigned long long)c.addr,
		      c.size);
		break;
	case SMMU_HW_OP_PRI_RESP:
		FIELD(1, "sid=%u ssv=%d ssid=%u grpid=%u resp=%u", c.sid, c.ssv, c.ssid, c.grpid,
		      c.resp);
		break;
	case SMMU_HW_OP_RESUME:
		FIELD(1, "sid=%u action=%u stag=%u", c.sid, c.action, c.stag);
		break;
	case SMMU_HW_OP_SYNC:
		FIELD(1, "cs=%u", c.cs);
		FIELD(c.cs == 1, "msiaddr=0x%llx msidata=0x%x", (unsigned long long)c.msiaddr,
		      c.msidata);
		break;
	default:
		break;
	}
#undef FIELD
	return c.op;
}
