// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ablation.c - naming the protocol rules that test builds can switch off.
 */
#include "internal.h"

static const char *const ablation_names[INVT_ABLATE_NR] = {
	[INVT_ABLATE_BARRIER] = "barrier",
	[INVT_ABLATE_TWO_PHASE] = "two-phase",
	[INVT_ABLATE_TAG_FLUSH] = "tag-flush",
	[INVT_ABLATE_ATC_ORDER] = "atc-order",
	[INVT_ABLATE_CONFIG_INVAL] = "config-inval",
	[INVT_ABLATE_RECHECK] = "recheck",
	[INVT_ABLATE_TEARDOWN_IOTLB] = "teardown-iotlb",
	[INVT_ABLATE_ABORT_ATC] = "abort-atc",
	[INVT_ABLATE_QUIESCE] = "quiesce",
	[INVT_ABLATE_VIOMMU_COUNT] = "viommu-count",
	[INVT_ABLATE_VDEV_PIN] = "vdev-pin",
	[INVT_ABLATE_PARENT_FLUSH] = "parent-flush",
	[INVT_ABLATE_NESTED_ATC] = "nested-atc",
	[INVT_ABLATE_RECLAIM] = "reclaim",
	[INVT_ABLATE_VIOMMU_ISOLATION] = "viommu-isolation",
	[INVT_ABLATE_PARENT_TAGS] = "parent-tags",
};

const char *invt_ablation_name(int rule)
{
	if (rule < 0 || rule >= INVT_ABLATE_NR)
		return NULL;
	return ablation_names[rule];
}

bool invt_ablations_built(void)
{
#ifdef INVT_ABLATIONS
	return true;
#else
	return false;
#endif
}

int invt_ablate(struct invt_ctx *ctx, const char *rule)
{
	int i;

	for (i = 0; i < INVT_ABLATE_NR; i++) {
		if (strcmp(rule, ablation_names[i]))
			continue;
		if (!invt_ablations_built())
			return -EOPNOTSUPP;
		/* Set before the threads under test start; they read it relaxed. */
		INVT_WRITE_ONCE(ctx->ablations, ctx->ablations | (1ul << i));
		return 0;
	}
	return -EINVAL;
}
