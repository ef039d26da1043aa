// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * vmm-nested.c - a VMM's view: a guest owns the stage-1 tables of its
 * assigned device, the host keeps the stage-2 table of guest memory.  The
 * host's domain is the nest parent (INVT_DOMAIN_S2, tagged by a VMID); the
 * device attaches to a nested domain over it.  When the VMM takes guest
 * memory away (balloon, hot-unplug), it unmaps stage 2 and invalidates the
 * parent: the core sends the VMID's stage-2 invalidation, the clear of the
 * VM's stage-1 and combined entries (the guest's page tables are unknown to
 * the host), and a full ATC invalidation of every device of the VM (guest
 * PASIDs are unknown too).
 *
 * Builds against the installed headers and libinvtrack alone:
 *	cc vmm-nested.c log-iommu.c $(pkg-config --cflags --libs invtrack)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <invtrack/core.h>

#include "log-iommu.h"

#define GPA 0x80000000u		/* guest memory the VMM takes back */
#define GPA_SIZE 0x200000u	/* 2 MiB */

#define CHECK(expr) do {							\
	int ret_ = (expr);							\
	if (ret_) {								\
		fprintf(stderr, "FAIL: %s: %d\n", #expr, ret_);		\
		exit(1);							\
	}									\
} while (0)

int main(void)
{
	static struct log_iommu smmu;
	const uint32_t sids[2] = { 0x10, 0x11 };
	struct invt_device nic, gpu;
	struct invt_domain s2, guest;
	struct invt_ctx ctx;
	uint32_t vmid;
	bool ok = true;

	invt_rcu_register_thread();
	invt_ctx_init(&ctx);
	CHECK(log_iommu_init(&smmu, &ctx, 0));

	/* Two assigned devices: a NIC without ATS, a GPU with ATS and PASIDs. */
	CHECK(invt_device_init(&nic, &smmu.iommu, &sids[0], 1, 1, false));
	CHECK(invt_device_init(&gpu, &smmu.iommu, &sids[1], 1, 16, true));

	/* The VM's stage 2, and the guest-owned stage 1 nested over it. */
	CHECK(invt_domain_init(&ctx, &s2, INVT_DOMAIN_S2, NULL));
	CHECK(invt_domain_init(&ctx, &guest, INVT_DOMAIN_NESTED, &s2));

	/*
	 * Both devices use the guest's stage 1 (the STEs point to the guest's
	 * CD table, and to stage 2 by VMID).  invt_attach() stands for
	 * prepare / install / commit here: see attach-map-unmap.c for the steps.
	 */
	CHECK(invt_attach(&nic, 0, &guest));
	CHECK(invt_attach(&gpu, 0, &guest));
	CHECK(invt_domain_tag(&s2, &smmu.iommu, &vmid));
	printf("VM attached: VMID %u\n", (unsigned int)vmid);
	ok &= log_expect(&smmu, "attach", NULL, 0);

	/*
	 * The VMM unmaps 2 MiB of guest memory from stage 2 (its page-table
	 * code not shown) and invalidates the parent domain.
	 */
	CHECK(invt_domain_invalidate(&s2, GPA, GPA_SIZE, false));
	{
		const struct log_cmd want[] = {
			{ .op = LOG_INV_RANGE, .id = vmid, .start = GPA, .last = GPA + GPA_SIZE - 1 },
			{ .op = LOG_SYNC },
			/* Combined entries are cleared once stage 2 no longer refills them. */
			{ .op = LOG_S1_CLEAR, .id = vmid },
			{ .op = LOG_SYNC },
			{ .op = LOG_ATC_ALL, .id = 0x11 },
			{ .op = LOG_SYNC },
		};
		ok &= log_expect(&smmu, "stage-2 unmap", want, 6);
	}

	/* The VM goes away: detach both devices; the last one releases the VMID. */
	CHECK(invt_attach(&nic, 0, NULL));
	CHECK(invt_attach(&gpu, 0, NULL));
	{
		const struct log_cmd want[] = {
			{ .op = LOG_ATC_ALL, .id = 0x11 },
			{ .op = LOG_SYNC },
			{ .op = LOG_INV_TAG, .id = vmid },
			{ .op = LOG_SYNC },
			{ .op = LOG_S1_CLEAR, .id = vmid },
			{ .op = LOG_SYNC },
		};
		ok &= log_expect(&smmu, "detach", want, 6);
	}
	ok &= invt_tag_space_used(&smmu.tags) == 0;

	CHECK(invt_domain_destroy(&guest));
	CHECK(invt_domain_destroy(&s2));
	CHECK(invt_device_destroy(&gpu));
	CHECK(invt_device_destroy(&nic));
	CHECK(log_iommu_destroy(&smmu));
	CHECK(invt_ctx_destroy(&ctx));
	invt_rcu_unregister_thread();

	printf("%s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
