/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/riscv.h - a modelled RISC-V IOMMU instance (userspace).
 *
 * What real hardware is to a driver: registers (struct invt_riscv_regs),
 * a command-queue consumer that decodes every command with the independent
 * hardware-side decoder (src/arch/riscv/hw.h) and executes it on the
 * model's caches, and translation of device accesses through them:
 *
 *	device access (device_id, process_id, iova)
 *	  ATS device: its ATC (per device) -> on a miss, an ATS translation
 *	              request through the instance, the result filled in the ATC
 *	  instance:   directory cache (device context + process context
 *	              resolved per (device_id, process_id), fetched through ddtp
 *	              from model memory and parsed by src/arch/riscv/hw-cfg.h)
 *	              -> IOTLB (first-stage / G-stage leaves) -> walk cache (last
 *	              table of a walk) -> page-table walk in model memory
 *	              (invt_pt_hw_walk with the <invtrack/pt-riscv.h> format the
 *	              iosatp / iohgatp MODE names)
 *	every entry used is checked by the oracle under its cache's lock.
 *
 * Capabilities at reset: Sv39, Sv48, Sv57, Sv39x4, Sv48x4, Sv57x4, PD8,
 * ATS (@ats), S (@napot: IOTINVAL address ranges), NL (@nl: non-leaf
 * IOTINVAL); MSI_FLAT is 0, so device contexts are in the 32-byte base
 * format; no T2GPA, AMO_HWAD, END, QOSID, PD17, PD20, Svpbmt.
 *
 * Command semantics (table in src/arch/riscv/hw-exec.h): IOTINVAL.* take
 * effect at the completion of the next IOFENCE.C (the latest the spec
 * allows); IODIR.* and ATS.INVAL when executed.  The consumer does not hold
 * commands after an IOFENCE.C back (src/arch/riscv/hw-queue.h): an
 * ATS.INVAL queued right behind the fence that covers an IOTINVAL executes
 * before that IOTINVAL took effect, so a driver that does not wait for the
 * fence before queueing ATS.INVAL lets the device refill its ATC from the
 * stale IOTLB.  IODIR never touches the IOTLB, IOTINVAL never the directory
 * cache.
 *
 * What the model translates (src/model/riscv-xlate.c): ddtp 1LVL; device
 * contexts with iohgatp Bare and a first stage (iosatp, or a PD8 process
 * directory whose process context names the first stage; requests without a
 * process_id use process_id 0 when DPE is set), or a G stage with the first
 * stage Bare and no process_id, or both (iohgatp and iosatp not Bare, no
 * process_id): two stages, the first stage's tables and output
 * guest-physical, translated by the G stage, combined leaves tagged (GSCID,
 * PSCID).  A process directory under a G stage, both stages Bare, and
 * anything misconfigured fault.  First-stage leaves must have
 * U = 1 (device requests are not privileged) and A = 1, and writes need
 * W = D = 1 (no A/D updates: AMO_HWAD is 0); G-stage leaves the same.
 *
 * Locking: one mutex per instance (the IOTLB's cache lock) covers the
 * directory cache, IOTLB and walk cache; each ATC has its own lock, taken
 * outside the instance's by an ATS translation, never together with it by
 * the executor.  The consumer's lock is outermost.
 *
 * Modes: inline (the consumer runs from the doorbell, in the driver's
 * thread: deterministic) or threaded (its own thread after
 * invt_mrv_start()).
 */
#ifndef INVTRACK_MODEL_RISCV_H
#define INVTRACK_MODEL_RISCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/faults.h>
#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/riscv-regs.h>

struct invt_mrv;

/*
 * Op indices (the slots of by_op[] and of the cost table): opcode | func3
 * << 5 for opcodes below 32, which covers every defined command
 * (IOTINVAL.VMA 1, IOTINVAL.GVMA 33, IOFENCE.C 2, IODIR.INVAL_DDT 3,
 * IODIR.INVAL_PDT 35, ATS.INVAL 4, ATS.PRGR 36), and 0 for opcodes 32-127
 * (reserved or custom: never executed; opcode 0 is reserved too).
 */
#define INVT_MRV_NR_OPS 256

/* Trace error codes: the cqcsr bit the command raised. */
#define INVT_MRV_ERR_NONE	0u
#define INVT_MRV_ERR_ILL	INVT_RV_CQCSR_CMD_ILL
#define INVT_MRV_ERR_TIMEOUT	INVT_RV_CQCSR_CMD_TO

/**
 * typedef invt_mrv_trace_t - told about every command the consumer decoded.
 * @arg: the caller's cookie.
 * @instance: the instance id.
 * @dw: the command's two doublewords as read from queue memory.
 * @err: INVT_MRV_ERR_NONE; _ILL (illegal: the queue stopped on it);
 *	_TIMEOUT for an ATS.INVAL whose device did not answer and for the
 *	IOFENCE.C that reported it (not completed; its retry is traced again).
 *
 * Called from the consumer's thread, in fetch order, with the consumer's
 * lock held and no other: it must not call into the model.  An IOFENCE.C
 * is traced when it completes, after the commands behind it that executed
 * first.
 */
typedef void (*invt_mrv_trace_t)(void *arg, uint32_t instance, const uint64_t dw[2],
				 unsigned int err);

/**
 * enum invt_mrv_iotlb_tag - how the IOMMU tags and looks up its IOTLB.
 * The specification's software guidelines (§7.3.1 "Changing device
 * directory table entry", §7.3.2 "Changing process directory table entry")
 * ask for an IOTINVAL of the old GSCID / PSCID whenever a DC or PC changes,
 * so an implementation may tag translations by the context they came from.
 * @INVT_MRV_TAG_DEVICE: the strictest, and the default (0): entries carry
 *	the device_id and process_id and are looked up by them, not by GSCID
 *	or PSCID, which serve only to match invalidations.
 * @INVT_MRV_TAG_SCID: looked up by (GSCID, PSCID), shared by every device
 *	of the tags (the most forgiving).
 */
enum invt_mrv_iotlb_tag {
	INVT_MRV_TAG_DEVICE,
	INVT_MRV_TAG_SCID,
};

/**
 * struct invt_mrv_config - a modelled RISC-V IOMMU.
 * @id: instance id (the oracle's and the core's).
 * @ats: capabilities.ATS (ATS.* accepted, EN_ATS honoured).
 * @napot: capabilities.S: IOTINVAL S (NAPOT address ranges) accepted.
 * @nl: capabilities.NL: IOTINVAL NL (non-leaf invalidation) accepted.
 * @threaded: the consumer runs on its own thread, else from the doorbell.
 * @consumer_only: threaded: only the consumer thread consumes; the
 *	drivers' completion polls do not (the registers' consume hook is left
 *	NULL), so completion waits for that thread, as the races that
 *	scenarios with delays hunt need.
 * @iotlb_tag: an enum invt_mrv_iotlb_tag (0: INVT_MRV_TAG_DEVICE).
 * @ack_lag: a ddtp write or a cqcsr.cqen change stays busy for this many
 *	ticks (doorbells, polls, consumer-thread rounds) before the IOMMU
 *	acts on it (ddtp in use, cqon following cqen); 0: at the first tick.
 * @iotlb_sets: IOTLB (leaves and walk entries) sets, a power of two.
 * @iotlb_ways: ways per set.
 * @cfg_entries: directory cache capacity ((device_id, process_id)
 *	entries); when full, a seeded victim is replaced.
 * @seed: seed of every eviction choice of this instance.
 * @cost_ns: optional: modelled cost per op index in ns (INVT_MRV_NR_OPS
 *	entries); NULL keeps the consumer's defaults.
 * @atc_window: optional: called right after an ATS.INVAL took effect, from
 *	the consumer's thread with no model lock held except the consumer's,
 *	while IOTINVALs fetched before it may still be pending (they take
 *	effect when their IOFENCE.C completes, which may be after this).  A
 *	scenario makes the device access @iova here: a refill of its ATC from
 *	a stale IOTLB entry is then caught.  It may call invt_mrv_dma().
 * @window_arg: first argument of @atc_window.
 * @trace: optional command trace.
 * @trace_arg: argument of @trace.
 */
struct invt_mrv_config {
	uint32_t id;
	bool ats;
	bool napot;
	bool nl;
	bool threaded;
	bool consumer_only;
	unsigned int iotlb_tag;
	unsigned int ack_lag;
	unsigned int iotlb_sets;
	unsigned int iotlb_ways;
	unsigned int cfg_entries;
	uint64_t seed;
	double faults;
	const uint32_t *cost_ns;
	void (*atc_window)(void *arg, uint32_t instance, uint32_t did, uint32_t pid,
			   uint64_t iova);
	void *window_arg;
	invt_mrv_trace_t trace;
	void *trace_arg;
};

/**
 * struct invt_mrv_stats - what the instance did; a consistent snapshot.
 * @consumed: commands executed (an IOFENCE.C when it completed).
 * @errors: cmd_ill, cmd_to and cqmf raised.
 * @by_op: commands executed per op index (errors excluded; an ATS.INVAL
 *	that timed out counts: it took effect).
 * @clock_ns: modelled time of the commands executed.
 * @translations: translation requests (DMA without ATS, ATS requests).
 * @walks: page-table walks started (IOTLB misses).
 * @cfg_fetches: directory fetches (directory cache misses).
 * @handshake_errors: ddtp or cqcsr.cqen written while busy with the
 *	previous write (a driver that does not wait).
 * @faults: faults injected, per enum invt_hw_fault.
 * @stalls_ended: of the injected stalls, those over.
 * @iotlb: the IOTLB's counters.
 */
struct invt_mrv_stats {
	uint64_t consumed;
	uint64_t errors;
	uint64_t by_op[INVT_MRV_NR_OPS];
	uint64_t clock_ns;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t handshake_errors;
	uint64_t faults[INVT_HW_FAULT_NR];
	uint64_t stalls_ended;
	struct invt_cache_stats iotlb;
};

/**
 * invt_mrv_create() - a modelled IOMMU with reset registers.
 * @cfg: its parameters (copied).
 * @mem: model memory: queue memory, fence completion words, directories
 *	and page tables are reached through it by physical address.
 * @oracle: checks every use.
 * @out: receives the instance.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int invt_mrv_create(const struct invt_mrv_config *cfg, struct invt_mem *mem,
		    struct invt_oracle *oracle, struct invt_mrv **out);

/**
 * invt_mrv_destroy() - stop the consumer and free the instance.
 * @m: the instance, or NULL.  No device access may be running.
 */
void invt_mrv_destroy(struct invt_mrv *m);

/**
 * invt_mrv_regs() - the registers a driver programs.
 * @m: the instance.
 *
 * Return: the registers (inline mode: their doorbell runs the consumer).
 */
struct invt_riscv_regs *invt_mrv_regs(struct invt_mrv *m);

/**
 * invt_mrv_start() - start the consumer thread (threaded mode).
 * @m: the instance.
 *
 * Return: 0 (also in inline mode, where nothing is started), or an error.
 */
int invt_mrv_start(struct invt_mrv *m);

/** invt_mrv_stop() - stop the consumer thread, if any. @m: the instance. */
void invt_mrv_stop(struct invt_mrv *m);

/**
 * invt_mrv_add_device() - a device behind the instance.
 * @m: the instance.
 * @did: its device_id (the oracle's sid).
 * @atc_entries: ATC capacity of an ATS device (fully associative), 0 for
 *	a device without ATS.
 *
 * Return: 0, -EEXIST, -EINVAL (ATS without capabilities.ATS, too large),
 * -ENOMEM.
 */
int invt_mrv_add_device(struct invt_mrv *m, uint32_t did, unsigned int atc_entries);

/**
 * invt_mrv_dma() - one device access, translated and checked.
 * @m: the instance.
 * @did: the device.
 * @pid: 0 (no process_id: the RID) or a PASID.
 * @iova: the address.
 * @write: a write (needs write permission) or a read.
 *
 * Return: 0 when the access translated (the oracle checked what it used
 * and counted the access); -EFAULT when it did not (a fault of any kind,
 * counted as a fault); -ENODEV for an unknown device.
 */
int invt_mrv_dma(struct invt_mrv *m, uint32_t did, uint32_t pid, uint64_t iova, bool write);

/**
 * invt_mrv_stats() - the instance's counters.
 * @m: the instance.
 * @st: out.
 */
void invt_mrv_stats(struct invt_mrv *m, struct invt_mrv_stats *st);

/**
 * invt_mrv_set_atc_timeout() - make ATS.INVAL to a device time out.
 * @m: the instance.
 * @did: the device.
 * @on: while set, each ATS.INVAL to it still takes effect but the next
 *	IOFENCE.C reports cmd_to (docs/hardware.md §3).
 *
 * Return: 0, -ENODEV.
 */
int invt_mrv_set_atc_timeout(struct invt_mrv *m, uint32_t did, bool on);

/**
 * invt_mrv_iotlb() - the instance's IOTLB and walk cache, for tests and
 * tools.  Its lock is the instance lock: with it held no translation and no
 * command runs.  Do not call into @m while holding it.
 * @m: the instance.
 *
 * Return: the cache.
 */
struct invt_cache *invt_mrv_iotlb(struct invt_mrv *m);

/**
 * invt_mrv_cost_ns() - the modelled cost of a command.
 * @m: the instance.
 * @op_index: its op index (invt_mrv_op_index()).
 *
 * Return: ns, from the configuration's table or the consumer's defaults;
 * 0 for an index out of range.
 */
uint32_t invt_mrv_cost_ns(const struct invt_mrv *m, unsigned int op_index);

/**
 * invt_mrv_op_index() - which by_op / cost slot a command counts in.
 * @cmd: the command's 16 bytes, little-endian (queue format).
 *
 * Return: opcode | func3 << 5 for opcodes below 32, else 0.
 */
unsigned int invt_mrv_op_index(const void *cmd);

/**
 * invt_mrv_op_name() - the mnemonic of an op index.
 * @op_index: an op index.
 *
 * Return: e.g. "IOTINVAL.VMA", or NULL for an index no defined command has.
 */
const char *invt_mrv_op_name(unsigned int op_index);

/**
 * invt_mrv_describe() - "MNEMONIC field=value ..." of a command, as the
 * hardware-side decoder sees it with every optional feature enabled (ATS,
 * NL, S, WSI; no device_id width limit).
 * @cmd: the command's 16 bytes, little-endian.
 * @buf: where to write (always terminated when @len > 0).
 * @len: its size.
 *
 * Return: what snprintf returns; for an illegal command "ILLEGAL opcode=..
 * func3=.." is written and -EINVAL returned.
 */
int invt_mrv_describe(const void *cmd, char *buf, size_t len);

#endif /* INVTRACK_MODEL_RISCV_H */
