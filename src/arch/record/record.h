/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * record.h - a recording arch backend, for tests and benchmarks.
 *
 * Its "queue" is a log: every command the flush engine submits, every wait,
 * in one global order across the instances of a recorder.  Its range policy
 * is the simple one tests can compute by hand: one command per 4 KiB page
 * below a threshold, one whole-tag command from the threshold up; one
 * command per ATC entry whatever the range; one stage-1 clear per nest
 * parent entry.
 */
#ifndef INVT_RECORD_H
#define INVT_RECORD_H

#include <invtrack/core.h>

/**
 * enum invt_rec_op - the recording backend's commands.
 * @INVT_REC_INV_PAGE: one 4 KiB page of a tag (addr).
 * @INVT_REC_INV_TAG: everything of a tag.
 * @INVT_REC_S1_CLEAR: all stage-1 entries of a VM (nest parent).
 * @INVT_REC_ATC: ATC of (id = SID, ssid) for [addr, last].
 * @INVT_REC_ATC_ALL: ATC of (SID, ssid), everything (ATC_FULL: all ssids).
 * @INVT_REC_SYNC: completion command.
 */
enum invt_rec_op {
	INVT_REC_INV_PAGE = 1,
	INVT_REC_INV_TAG,
	INVT_REC_S1_CLEAR,
	INVT_REC_ATC,
	INVT_REC_ATC_ALL,
	INVT_REC_SYNC,
};

/**
 * struct invt_rec_cmd - one command as written to the batch (32 bytes).
 * @op: an enum invt_rec_op.
 * @type: the entry type it came from (enum invt_inv_type).
 * @leaf: leaf-only invalidation.
 * @id: tag, or SID for ATC commands.
 * @ssid: ssid for ATC commands.
 * @addr: first byte (INV_PAGE, ATC).
 * @last: last byte (ATC).
 */
struct invt_rec_cmd {
	uint8_t op;
	uint8_t type;
	uint8_t leaf;
	uint8_t pad;
	uint32_t id;
	uint32_t ssid;
	uint32_t pad2;
	uint64_t addr;
	uint64_t last;
};

/**
 * enum invt_rec_kind - what a log event is.
 * @INVT_REC_EV_CMD: a command submitted to an instance's queue.
 * @INVT_REC_EV_SUBMIT: end of one submission (doorbell).
 * @INVT_REC_EV_WAIT: a wait for a completion.
 */
enum invt_rec_kind {
	INVT_REC_EV_CMD,
	INVT_REC_EV_SUBMIT,
	INVT_REC_EV_WAIT,
};

/**
 * struct invt_rec_event - one log entry.
 * @kind: an enum invt_rec_kind.
 * @iommu: id of the instance.
 * @cmd: the command (INVT_REC_EV_CMD).
 * @token: the completion waited on (WAIT) or named by the submit (SUBMIT).
 */
struct invt_rec_event {
	int kind;
	uint32_t iommu;
	struct invt_rec_cmd cmd;
	uint64_t token;
};

struct invt_rec_iommu;

/**
 * struct invt_recorder - the log shared by the instances of one test.
 * @lock: protects everything below; a spinlock in a kernel, where
 *	submissions run on the invalidation path (no sleeping).
 * @log: events (when @logging).
 * @nlog: events in @log.
 * @cap: room in @log.
 * @logging: keep events in @log.
 * @on_cmd: if set, called for every command as it is submitted, with @lock
 *	held (stress tests apply the command to their own cache model): it
 *	must not sleep.
 * @arg: for @on_cmd.
 */
struct invt_recorder {
	invt_spinlock_t lock;
	struct invt_rec_event *log;
	size_t nlog;
	size_t cap;
	bool logging;
	void (*on_cmd)(void *arg, struct invt_rec_iommu *ri, const struct invt_rec_cmd *cmd);
	void *arg;
};

/**
 * struct invt_rec_iommu - an instance of the recording backend.
 * @iommu: the core's instance (registered by invt_rec_iommu_init()).
 * @rec: the shared recorder.
 * @threshold: pages from which one whole-tag command replaces per-page ones.
 * @tags: the instance's own tag space (stage-1 and stage-2 share it), used
 *	unless the test set iommu.tags to shared spaces before registering.
 * @next_sync: sequence number of the next completion command.
 * @cmds: commands submitted (syncs included); atomic.
 * @syncs: completion commands submitted; atomic.
 * @waits: waits; atomic.
 * @submit_err: what every submit returns (0, or an injected error); the
 *	commands are logged all the same.
 * @wait_err: what every wait returns (0, or an injected error).
 * @fail_waits: the next this many waits return -EIO and each adds one
 *	command error to @errors, as a queue whose completion heard of a
 *	refused command does (set by the test between operations).
 * @errors: command errors so far (struct invt_iommu_ops, @errors); atomic.
 */
struct invt_rec_iommu {
	struct invt_iommu iommu;
	struct invt_recorder *rec;
	uint32_t threshold;
	struct invt_tag_space tags;
	uint64_t next_sync;
	uint64_t cmds;
	uint64_t syncs;
	uint64_t waits;
	int submit_err;
	int wait_err;
	unsigned int fail_waits;
	uint64_t errors;
};

/**
 * invt_recorder_init() - set up a recorder.
 * @rec: the recorder.
 * @logging: keep every event in rec->log.
 */
void invt_recorder_init(struct invt_recorder *rec, bool logging);

/** invt_recorder_reset() - forget the logged events. @rec: the recorder. */
void invt_recorder_reset(struct invt_recorder *rec);

/** invt_recorder_destroy() - free the log. @rec: the recorder. */
void invt_recorder_destroy(struct invt_recorder *rec);

/**
 * invt_rec_iommu_init() - set up and register a recording instance.
 * @ctx: the context.
 * @ri: the instance.
 * @rec: its recorder.
 * @id: instance id.
 * @flags: INVT_IOMMU_* (INVT_IOMMU_SYNC_ORDERS to model SMMUv3-like queues).
 * @threshold: per-page / whole-tag threshold in pages (>= 1).
 * @tags: shared tag spaces (stage-1, stage-2), or NULL for the instance's own
 *	(tags 1..@ntags).
 * @ntags: size of the own tag space.
 *
 * Return: 0 or a negative errno from registration.
 */
int invt_rec_iommu_init(struct invt_ctx *ctx, struct invt_rec_iommu *ri, struct invt_recorder *rec,
			uint32_t id, unsigned int flags, uint32_t threshold,
			struct invt_tag_space *const *tags, uint32_t ntags);

/**
 * invt_rec_iommu_destroy() - unregister and release a recording instance.
 * @ri: the instance.
 *
 * Return: as invt_iommu_unregister().
 */
int invt_rec_iommu_destroy(struct invt_rec_iommu *ri);

/**
 * invt_rec_policy_cmds() - commands the policy emits for one entry.
 * @type: entry type.
 * @r: the range.
 * @threshold: the instance's threshold.
 *
 * Return: the count (syncs not included).
 */
uint64_t invt_rec_policy_cmds(uint8_t type, const struct invt_range *r, uint32_t threshold);

#endif /* INVT_RECORD_H */
