/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * log-iommu.h - the smallest arch driver the invtrack core accepts, for the
 * examples: its "command queue" is an array the example reads back.
 *
 * A real driver's ops encode the arch's commands (SMMUv3 TLBI / ATC_INV /
 * CMD_SYNC, VT-d descriptors, RISC-V IOTINVAL / ATS.INVAL / IOFENCE.C) into
 * its queue, ring the doorbell in submit() and poll or sleep in wait(); the
 * core decides which commands, for which tags and devices, in which order.
 * Here every command is one struct log_cmd: what a real driver would encode.
 */
#ifndef EXAMPLES_LOG_IOMMU_H
#define EXAMPLES_LOG_IOMMU_H

#include <invtrack/core.h>

/**
 * enum log_op - the toy driver's commands.
 * @LOG_INV_RANGE: IOTLB entries of tag @id in [@start, @last].
 * @LOG_INV_TAG: every IOTLB entry of tag @id.
 * @LOG_S1_CLEAR: every stage-1 entry of the VM whose stage-2 tag is @id.
 * @LOG_ATC_RANGE: ATC of device @id (a SID), PASID @ssid, [@start, @last].
 * @LOG_ATC_ALL: the whole ATC of device @id, every PASID.
 * @LOG_SYNC: completion command number @start.
 */
enum log_op {
	LOG_INV_RANGE = 1,
	LOG_INV_TAG,
	LOG_S1_CLEAR,
	LOG_ATC_RANGE,
	LOG_ATC_ALL,
	LOG_SYNC,
};

/* One command, as build() writes it into the core's batch. */
struct log_cmd {
	uint32_t op;
	uint32_t id;
	uint32_t ssid;
	uint32_t leaf;
	uint64_t start;
	uint64_t last;
};

#define LOG_MAX 64

/**
 * struct log_iommu - one instance of the toy driver.
 * @iommu: the core's instance, embedded (container_of).
 * @tags: its tag space (ASIDs / VMIDs: stage 1 and stage 2 share it).
 * @log: the commands submitted, in queue order.
 * @nlog: commands in @log.
 * @next_sync: number of the next completion command.
 * @submits: doorbell rings.
 * @waits: waits for a completion.
 */
struct log_iommu {
	struct invt_iommu iommu;
	struct invt_tag_space tags;
	struct log_cmd log[LOG_MAX];
	unsigned int nlog;
	uint64_t next_sync;
	unsigned int submits;
	unsigned int waits;
};

/**
 * log_iommu_init() - set up and register an instance.
 * @li: the instance.
 * @ctx: the context.
 * @id: its id in @ctx.
 *
 * Return: 0 or a negative errno from the core.
 */
int log_iommu_init(struct log_iommu *li, struct invt_ctx *ctx, uint32_t id);

/**
 * log_iommu_destroy() - unregister an instance and free its tag space.
 * @li: the instance; no device of it attached.
 *
 * Return: 0 or a negative errno from the core.
 */
int log_iommu_destroy(struct log_iommu *li);

/**
 * log_expect() - check the commands submitted since the last check.
 * @li: the instance.
 * @what: what the example just did, for the messages.
 * @want: the commands expected, in order (LOG_SYNC's number not compared).
 * @n: entries in @want.
 *
 * Prints the commands; on a mismatch says which and returns false.  Empties
 * the log either way.
 */
bool log_expect(struct log_iommu *li, const char *what, const struct log_cmd *want,
		unsigned int n);

#endif /* EXAMPLES_LOG_IOMMU_H */
