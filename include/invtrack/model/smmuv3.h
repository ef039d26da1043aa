/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/smmuv3.h - a modelled SMMUv3 instance (userspace).
 *
 * What real hardware is to a driver: registers (struct invt_smmu_regs),
 * a Command queue consumer that decodes every command with the independent
 * hardware-side decoder (src/arch/smmuv3/hw.h) and executes it on the
 * model's caches, and translation of device accesses through them:
 *
 *	device access (sid, ssid, iova)
 *	  ATS device: its ATC (per device) -> on a miss, an ATS translation
 *	              request through the instance, the result filled in the ATC
 *	  instance:   configuration cache (STE + CD per (sid, ssid), fetched
 *	              from model memory through SMMU_STRTAB_BASE and parsed by
 *	              src/arch/smmuv3/hw-cfg.h) -> IOTLB (S1 / S2 leaves) ->
 *	              walk cache (last table of a walk) -> page-table walk in
 *	              model memory (invt_pt_hw_walk)
 *	every entry used is checked by the oracle under its cache's lock.
 *
 * Command semantics (docs/hardware.md §1, table in <invtrack/model/cache.h>);
 * a TLBI takes effect at the next CMD_SYNC (the latest the spec allows),
 * CFGI and ATC_INV when executed:
 * TLBIs remove IOTLB and walk entries as the spec says (S2_IPA keeps
 * combined entries, Leaf = 1 keeps walk entries, NH_ASID keeps globals);
 * CFGI_STE / CFGI_STE_RANGE / CFGI_ALL remove every configuration of the
 * stream(s), CFGI_CD one (sid, ssid) (ssid 0 with S1DSS 0b10 is CD 0),
 * CFGI_CD_ALL every CD of the stream; ATC_INV removes entries of the
 * device's ATC; CMD_SYNC completes once everything before it executed.  The
 * configuration cache keeps STE and CD resolved together per (sid, ssid),
 * as QEMU's model does, so CFGI_STE also drops the CDs resolved with it.
 *
 * Locking: one mutex per instance (the IOTLB's cache lock) covers the
 * configuration cache, IOTLB and walk cache: a translation (lookup, walk,
 * fill, check) and the execution of a command are atomic with respect to
 * each other.  Each device ATC has its own lock, taken outside the
 * instance's by an ATS translation, never together by the executor.
 *
 * What the model translates (src/model/smmuv3-xlate.c): linear and
 * two-level stream and CD tables; STE Config S1 with a CD of 4 KiB granule,
 * S2 with a 4 KiB granule, or nested (both: the CD table and every stage-1
 * table at IPAs, each fetch translated by stage 2; combined IOTLB entries
 * tagged (VMID, ASID), which TLBI_S2_IPA leaves in place), any input size
 * the STE / CD legally name (T0SZ, S2T0SZ with S2SL0, without concatenated
 * tables); addresses beyond the input size or leaves beyond the output size
 * (MIN(IPS or S2PS, OAS)) fault.  Abort and bypass (which the driver never
 * uses) fault.
 *
 * Registers: SMMU_IDR0/1/3/5 describe the configured SMMU (OAS, RIL, ATS;
 * VMSAv8-64 only, so IAS == OAS); SMMU_CR0 / CR0ACK and SMMU_GBPA are
 * modelled with an acknowledgement that lags by @ack_lag ticks (the
 * doorbell, the poll hook, or a round of the consumer thread): commands are
 * consumed only while CR0ACK.CMDQEN is 1, transactions are translated only
 * while CR0ACK.SMMUEN is 1 (else they abort: GBPA; bypass is not modelled),
 * and register writes the spec forbids are counted (handshake_errors).
 * Every STE or CD the parser finds invalid or ILLEGAL (§5.2, §5.4) is
 * recorded as the event C_BAD_STE / C_BAD_CD and the access aborts.
 *
 * Modes: SMMU_HW_QUEUE_INLINE (the consumer runs from the doorbell, in the
 * driver's thread: deterministic) or SMMU_HW_QUEUE_THREADED (its own thread
 * after invt_msmmu_start()).
 */
#ifndef INVTRACK_MODEL_SMMUV3_H
#define INVTRACK_MODEL_SMMUV3_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/faults.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/smmuv3-queue.h>

struct invt_msmmu;

/* Opcodes counted per instance (the opcode byte). */
#define INVT_MSMMU_NR_OPS 256

/**
 * typedef invt_msmmu_trace_t - told about every command the consumer decoded.
 * @arg: the caller's cookie.
 * @instance: the instance id.
 * @dw: the command's two words as read from queue memory.
 * @cerror: INVT_SMMU_CERROR_NONE, or the error it raised.
 *
 * Called from the consumer's thread, in queue order, with the instance's
 * lock held: it must not call into the model.  Called for each command
 * the executor runs: an ATC_INV that timed out comes with
 * CERROR_ATC_INV_SYNC; commands the decoder rejects (CERROR_ILL) and a
 * CMD_SYNC that reports an ATC timeout never reach the executor and are
 * not traced (the retried CMD_SYNC is).
 */
typedef void (*invt_msmmu_trace_t)(void *arg, uint32_t instance, const uint64_t dw[2],
				   unsigned int cerror);

/**
 * struct invt_msmmu_config - a modelled SMMU.
 * @id: instance id (the oracle's and the core's).
 * @ril: SMMU_IDR3.RIL (range TLBIs accepted).
 * @ats: SMMU_IDR0.ATS (ATC_INV accepted, EATS honoured).
 * @oas_bits: SMMU_IDR5.OAS in bits: 32, 36, 40, 42, 44, 48 or 52; 0 means
 *	48.  IAS is the same (no VMSAv8-32 tables).
 * @ack_lag: ticks before a CR0 or GBPA change is acknowledged (see above).
 * @sidsize: SMMU_IDR1.SIDSIZE, StreamID bits, 1..32; 0 means 16.
 * @ssidsize: SMMU_IDR1.SSIDSIZE, SubstreamID bits, 1..20; 0 means 20.
 * @st_2lvl: SMMU_IDR0.ST_LEVEL 0b01: two-level stream tables are followed
 *	(L1STDs, IHI0070 §5.1) when SMMU_STRTAB_BASE_CFG.FMT says so.
 * @cd2l: SMMU_IDR0.CD2L: two-level CD tables (STE.S1Fmt 0b01 / 0b10, L1CDs
 *	§5.3) are legal and followed.
 * @threaded: SMMU_HW_QUEUE_THREADED when true, else INLINE.
 * @consumer_only: threaded: only the consumer thread consumes; the
 *	drivers' completion polls do not (the registers' consume hook is left
 *	NULL), so completion waits for that thread, as the races that
 *	scenarios with delays hunt need.
 * @iotlb_sets: IOTLB (leaves and walk entries) sets, a power of two.
 * @iotlb_ways: ways per set.
 * @cfg_entries: configuration cache capacity ((sid, ssid) entries); when
 *	full, a seeded victim is replaced.
 * @seed: seed of every eviction choice of this instance.
 * @faults: injected faults per command consumed, 0 (none) to 0.5
 *	(<invtrack/model/faults.h>, smmu_hw_queue_faults()).
 * @cost_ns: optional: modelled cost per opcode in ns (INVT_MSMMU_NR_OPS
 *	entries); NULL keeps the consumer's defaults.
 * @atc_window: optional: called right after an ATC_INV took effect, from
 *	the consumer's thread with no model lock held except the consumer's,
 *	while TLBIs queued before it without a CMD_SYNC in between may still
 *	be pending (the model applies TLBIs at the next CMD_SYNC).  A scenario
 *	makes the device access @iova here: a refill of its ATC from a stale
 *	IOTLB entry is then caught.  It may call invt_msmmu_dma().
 * @window_arg: first argument of @atc_window.
 * @trace: optional command trace.
 * @trace_arg: argument of @trace.
 */
struct invt_msmmu_config {
	uint32_t id;
	bool ril;
	bool ats;
	unsigned int oas_bits;
	unsigned int ack_lag;
	unsigned int sidsize;
	unsigned int ssidsize;
	bool st_2lvl;
	bool cd2l;
	bool threaded;
	bool consumer_only;
	unsigned int iotlb_sets;
	unsigned int iotlb_ways;
	unsigned int cfg_entries;
	uint64_t seed;
	double faults;
	const uint32_t *cost_ns;
	void (*atc_window)(void *arg, uint32_t instance, uint32_t sid, uint32_t ssid,
			   uint64_t iova);
	void *window_arg;
	invt_msmmu_trace_t trace;
	void *trace_arg;
};

/**
 * struct invt_msmmu_stats - what the instance did; a consistent snapshot.
 * @consumed: commands consumed.
 * @errors: command errors raised.
 * @by_op: commands executed per opcode (errors excluded; an ATC_INV that
 *	timed out counts: it took effect).
 * @clock_ns: modelled time of the commands executed.
 * @translations: translation requests (DMA without ATS, ATS requests).
 * @walks: page-table walks started (IOTLB misses).
 * @cfg_fetches: configuration fetches (configuration cache misses).
 * @xlate_s1: translations that succeeded through a stage-1 configuration.
 * @xlate_s2: translations that succeeded through a stage-2 configuration.
 * @c_bad_ste: C_BAD_STE events: STEs fetched with V == 0 or ILLEGAL.
 * @c_bad_cd: C_BAD_CD events: CDs fetched with V == 0 or ILLEGAL.
 * @illegal_ste: of @c_bad_ste, the ILLEGAL ones (a driver bug).
 * @illegal_cd: of @c_bad_cd, the ILLEGAL ones (a driver bug).
 * @cd_fetch_s2_faults: nested STEs: CD or L1CD fetches that faulted at
 *	stage 2 (their IPA not mapped readable; the transaction aborted).
 * @disabled_aborts: transactions aborted because CR0ACK.SMMUEN was 0.
 * @handshake_errors: register writes the spec forbids (see above).
 * @faults: faults injected, per enum invt_hw_fault.
 * @stalls_ended: of the injected stalls, those over.
 * @iotlb: the IOTLB's counters.
 */
struct invt_msmmu_stats {
	uint64_t consumed;
	uint64_t errors;
	uint64_t by_op[INVT_MSMMU_NR_OPS];
	uint64_t clock_ns;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t xlate_s1;
	uint64_t xlate_s2;
	uint64_t c_bad_ste;
	uint64_t c_bad_cd;
	uint64_t illegal_ste;
	uint64_t illegal_cd;
	uint64_t cd_fetch_s2_faults;
	uint64_t disabled_aborts;
	uint64_t handshake_errors;
	uint64_t faults[INVT_HW_FAULT_NR];
	uint64_t stalls_ended;
	struct invt_cache_stats iotlb;
};

/**
 * invt_msmmu_create() - a modelled SMMU with reset registers.
 * @cfg: its parameters (copied).
 * @mem: model memory: queue memory, stream and CD tables and page tables
 *	are read from it by physical address.
 * @oracle: checks every use.
 * @out: receives the instance.
 *
 * Return: 0, -EINVAL (a bad @cfg, an OAS that is not a PS size), -ENOMEM.
 */
int invt_msmmu_create(const struct invt_msmmu_config *cfg, struct invt_mem *mem,
		      struct invt_oracle *oracle, struct invt_msmmu **out);

/**
 * invt_msmmu_destroy() - stop the consumer and free the instance.
 * @m: the instance, or NULL.  No device access may be running.
 */
void invt_msmmu_destroy(struct invt_msmmu *m);

/**
 * invt_msmmu_regs() - the registers a driver programs.
 * @m: the instance.
 *
 * Return: the registers (inline mode: their doorbell runs the consumer).
 */
struct invt_smmu_regs *invt_msmmu_regs(struct invt_msmmu *m);

/**
 * invt_msmmu_start() - start the consumer thread (threaded mode).
 * @m: the instance.
 *
 * Return: 0 (also in inline mode, where nothing is started), or an error.
 */
int invt_msmmu_start(struct invt_msmmu *m);

/** invt_msmmu_stop() - stop the consumer thread, if any. @m: the instance. */
void invt_msmmu_stop(struct invt_msmmu *m);

/**
 * invt_msmmu_add_device() - a device behind the instance.
 * @m: the instance.
 * @sid: its stream id.
 * @atc_entries: ATC capacity for an ATS device (fully associative), 0 for
 *	a device without ATS.
 *
 * Return: 0, -EEXIST, -EINVAL, -ENOMEM.
 */
int invt_msmmu_add_device(struct invt_msmmu *m, uint32_t sid, unsigned int atc_entries);

/**
 * invt_msmmu_dma() - one device access, translated and checked.
 * @m: the instance.
 * @sid: the device.
 * @ssid: 0 (no SubstreamID: the RID) or a PASID.
 * @iova: the address.
 * @write: a write (needs write permission) or a read.
 *
 * Return: 0 when the access translated (the oracle checked what it used and
 * counted the access); -EFAULT when it did not (a translation fault,
 * permission fault, invalid or aborting configuration: counted as a
 * fault); -ENODEV for an unknown sid.
 */
int invt_msmmu_dma(struct invt_msmmu *m, uint32_t sid, uint32_t ssid, uint64_t iova, bool write);

/**
 * invt_msmmu_stats() - the instance's counters.
 * @m: the instance.
 * @st: out.
 */
void invt_msmmu_stats(struct invt_msmmu *m, struct invt_msmmu_stats *st);

/**
 * invt_msmmu_set_atc_timeout() - make ATC_INV to a device time out.
 * @m: the instance.
 * @sid: the device.
 * @on: while set, each ATC_INV to it still takes effect but the next
 *	CMD_SYNC reports CERROR_ATC_INV_SYNC (docs/hardware.md §1).
 *
 * Return: 0, -ENODEV.
 */
int invt_msmmu_set_atc_timeout(struct invt_msmmu *m, uint32_t sid, bool on);

/**
 * invt_msmmu_iotlb() - the instance's IOTLB and walk cache, for tests and
 * tools (inspecting entries, inserting ones the translation path does not
 * make, such as NESTED).
 * @m: the instance.
 *
 * Its lock is the instance lock: with it held, no translation and no
 * command runs.  Do not call into @m while holding it.
 *
 * Return: the cache.
 */
struct invt_cache *invt_msmmu_iotlb(struct invt_msmmu *m);

/**
 * invt_msmmu_cost_ns() - the modelled cost of an opcode.
 * @m: the instance.
 * @op: the opcode (dw0[7:0]).
 *
 * Return: ns, from the configuration's table or the consumer's defaults.
 */
uint32_t invt_msmmu_cost_ns(const struct invt_msmmu *m, uint8_t op);

#endif /* INVTRACK_MODEL_SMMUV3_H */
