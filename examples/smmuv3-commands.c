// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * smmuv3-commands.c - an SMMUv3 driver that keeps its own command queue can
 * still take invtrack's range policy and command encoder: the request goes
 * in by fields, the commands come out as the two 64-bit words the queue
 * holds (ARM IHI0070 §4.1.1).  Here: a 64 KiB leaf unmap in ASID 5, on an
 * SMMU with range invalidation (SMMU_IDR3.RIL) and on one without, then the
 * same range in a device's ATC.
 *
 * Builds against the installed headers and libinvtrack alone:
 *	cc smmuv3-commands.c $(pkg-config --cflags --libs invtrack)
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <invtrack/smmuv3.h>

/* The driver's queue, reduced to an array of encoded commands. */
struct queue {
	uint64_t dw[32][2];
	unsigned int n;
};

/* Called once per command of the request, in order. */
static int enqueue(void *arg, const struct invt_smmu_cmd *cmd)
{
	struct queue *q = arg;
	int ret;

	if (q->n == 32)
		return -1;
	ret = invt_smmu_cmd_encode(cmd, q->dw[q->n]);
	if (ret)
		return ret;
	q->n++;
	return 0;
}

/* Run the policy on @inv; check the count against invt_smmu_inv_count(). */
static int invalidate(const char *what, const struct invt_smmu_caps *caps,
		      const struct invt_smmu_inv *inv, struct queue *q)
{
	int64_t expect = invt_smmu_inv_count(caps, inv);
	unsigned int i;
	int ret;

	q->n = 0;
	ret = invt_smmu_inv_emit(caps, inv, enqueue, q);
	printf("%s: %u command(s)\n", what, q->n);
	for (i = 0; i < q->n && i < 3; i++)
		printf("  dw0 %016" PRIx64 "  dw1 %016" PRIx64 "\n", q->dw[i][0], q->dw[i][1]);
	if (q->n > 3)
		printf("  ...\n");
	if (ret || q->n != expect) {
		printf("FAIL: %s: emit returned %d, %u commands, invt_smmu_inv_count() says %" PRId64
		       "\n", what, ret, q->n, expect);
		return 1;
	}
	return 0;
}

int main(void)
{
	const struct invt_smmu_caps ril = { .ril = true };
	const struct invt_smmu_caps no_ril = { .ril = false };
	const struct invt_smmu_inv s1 = {
		.kind = INVT_SMMU_INV_S1, .leaf = true, .asid = 5, .vmid = 0,
		.start = 0x10000, .last = 0x1ffff,
	};
	const struct invt_smmu_inv atc = {
		.kind = INVT_SMMU_INV_ATC, .sid = 0x42, .start = 0x10000, .last = 0x1ffff,
	};
	struct queue q;
	int fail = 0;

	/*
	 * With RIL: one TLBI_NH_VA (0x12) covering (NUM + 1) << SCALE pages:
	 * NUM 0, SCALE 4, ASID 5 in dw0 [63:48]; Leaf, TTL 0, TG 4K, the
	 * address in dw1 (§4.4.1).
	 */
	fail |= invalidate("RIL", &ril, &s1, &q);
	if (q.n != 1 || q.dw[0][0] != 0x0005000000400012ull || q.dw[0][1] != 0x10401ull) {
		printf("FAIL: RIL: expected dw0 0005000000400012 dw1 0000000000010401\n");
		fail = 1;
	}

	/* Without RIL: one single-address TLBI_NH_VA (TG 0) per 4 KiB page. */
	fail |= invalidate("no RIL", &no_ril, &s1, &q);
	if (q.n != 16 || q.dw[15][0] != 0x0005000000000012ull || q.dw[15][1] != 0x1f001ull) {
		printf("FAIL: no RIL: expected 16, the last dw0 0005000000000012 dw1 000000000001f001\n");
		fail = 1;
	}

	/* ATC_INV (0x40) of SID 0x42: Size 4 (4 KiB << 4 = 64 KiB) at 0x10000 (§4.5.1). */
	fail |= invalidate("ATC", &ril, &atc, &q);
	if (q.n != 1 || q.dw[0][0] != 0x0000004200000040ull || q.dw[0][1] != 0x10004ull) {
		printf("FAIL: ATC: expected dw0 0000004200000040 dw1 0000000000010004\n");
		fail = 1;
	}

	printf("%s\n", fail ? "FAIL" : "ok");
	return fail;
}
