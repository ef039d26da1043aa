/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/vtd.h - a modelled Intel VT-d remapping unit (userspace).
 *
 * What real hardware is to a driver: registers (struct invt_vtd_regs), an
 * invalidation queue consumer that decodes every descriptor with the
 * independent hardware-side decoder (src/arch/vtd/hw.h) and executes it on
 * the model's caches, and translation of device requests through them:
 *
 *	device request (requester id, PASID or none, address)
 *	  ATS device: its device TLB -> on a miss, a translation request
 *	              through the unit (context entry DTE = 1), the result
 *	              filled in the device TLB
 *	  unit:       configuration cache (context entry + PASID entry resolved
 *	              per (requester id, PASID), fetched from model memory
 *	              through RTADDR and parsed by src/arch/vtd/hw-cfg.h) ->
 *	              IOTLB (first- / second-stage leaves) -> paging-structure
 *	              cache (last table of a walk) -> page-table walk in model
 *	              memory (invt_pt_hw_walk)
 *	every entry used is checked by the oracle under its cache's lock.
 *
 * Descriptor semantics: the table in src/arch/vtd/hw-exec.h.  IOTLB,
 * PASID-based IOTLB, context-cache and PASID-cache invalidations take effect
 * at the next completed invalidation wait descriptor (the latest the spec
 * allows: a wait's status write is what tells software earlier invalidations
 * completed), or earlier where VT-d §6.5.2.12 orders a device-TLB
 * invalidation behind them (src/model/vtd.c); device-TLB invalidations when
 * executed.  Waits with FN = 0 complete late (src/arch/vtd/hw-queue.c);
 * waits with neither SW nor IF are refused (IQE).  The IOTLB's lookup key:
 * enum invt_mvtd_iotlb_tag.
 *
 * What the model translates (src/model/vtd-xlate.c): scalable mode only
 * (RTADDR.TTM = 01b); PASID entries with PGTT first-stage (4- or 5-level,
 * FSPM), second-stage (AW 4- or 5-level) or, with @nest, nested (011b: the
 * first-stage table pointer and every first-stage table guest physical,
 * each access translated by the second stage; combined IOTLB entries
 * tagged with the entry's DID and PASID).  Pass-through entries, legacy
 * mode, and not present or reserved structures fault.
 *
 * Global command (§11.4.4, §11.4.5): GCMD writes are reported in GSTS a few
 * consumer runs later (@gsts_lag); the unit translates through the root
 * table RTADDR held at the last completed SRTP, only while TES is set
 * (requests fault otherwise: hardware would pass them through untranslated,
 * which the model does not), and fetches descriptors only while QIES is set.
 *
 * Registers at reset (§11.4.2 CAP_REG, §11.4.3 ECAP_REG): CAP.PSI, MAMV,
 * ND, SAGAW (4-level always, 5-level with @sagaw5), MGAW; ECAP.QI, DT,
 * PASID + PSS, SMTS, FLTS, SLTS, NEST as configured (QI and SMTS always: the only
 * interface and mode modelled).
 *
 * Locking: one mutex per unit (the IOTLB's cache lock) covers the
 * configuration cache, the IOTLB and the paging-structure cache; each
 * device TLB has its own lock, taken outside the unit's by a translation
 * request, never together by the executor (see src/model/vtd-internal.h).
 *
 * Modes: inline (the consumer runs from the doorbell, in the driver's
 * thread: deterministic) or threaded (its own thread after
 * invt_mvtd_start()).
 */
#ifndef INVTRACK_MODEL_VTD_H
#define INVTRACK_MODEL_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/faults.h>
#include <invtrack/model/cache.h>
#include <invtrack/model/mem.h>
#include <invtrack/model/oracle.h>
#include <invtrack/pt.h>
#include <invtrack/vtd-regs.h>

struct invt_mvtd;

/* Op indexes counted per unit: the descriptor type qw0[3:0] | qw0[11:9] << 4. */
#define INVT_MVTD_NR_OPS 256

/* What the trace is told about a descriptor. */
#define INVT_MVTD_TRACE_OK	0	/* executed (a wait: completed) */
#define INVT_MVTD_TRACE_IQE	1	/* rejected: the queue stopped on it */
#define INVT_MVTD_TRACE_ITE	2	/* device-TLB invalidation timed out (took effect) */
#define INVT_MVTD_TRACE_ABORTED	3	/* wait aborted by a timeout: nothing written */

/**
 * enum invt_mvtd_iotlb_tag - how the unit tags and looks up its IOTLB and
 * paging-structure cache.  The specification lets an implementation tag
 * cached translations with more than the domain id software names in its
 * invalidations (source-id among them) and asks software, in return, to
 * invalidate the old DID whenever a present context or PASID entry changes
 * (VT-d §6.5.3.3); only software that does so is correct on every variant.
 * @INVT_MVTD_TAG_SID: the strictest, and the default (0): entries carry
 *	the requester id and are looked up by (source-id, PASID, page) and
 *	stage, not by DID; the DID serves only to match invalidations.  A
 *	device moved to another DID without the old DID flushed keeps hitting
 *	the old domain's translations (the oracle reports WRONG_DOMAIN).
 * @INVT_MVTD_TAG_DID: entries are looked up by (DID, PASID, page) and
 *	shared by every device of the DID (the most forgiving variant).
 */
enum invt_mvtd_iotlb_tag {
	INVT_MVTD_TAG_SID,
	INVT_MVTD_TAG_DID,
};

/**
 * typedef invt_mvtd_trace_t - told about every descriptor the consumer
 * fetched.
 * @arg: the caller's cookie.
 * @instance: the unit's id.
 * @qw: its quadwords as read from queue memory (qw[2], qw[3] zero with
 *	128-bit descriptors).
 * @outcome: INVT_MVTD_TRACE_*.
 *
 * Called from the consumer's thread, in queue order, with the unit's lock
 * held: it must not call into the model.
 */
typedef void (*invt_mvtd_trace_t)(void *arg, uint32_t instance, const uint64_t qw[4],
				  unsigned int outcome);

/**
 * struct invt_mvtd_config - a modelled unit.
 * @id: instance id (the oracle's and the core's).
 * @psi: CAP.PSI (page-selective IOTLB invalidation; else type 2 G=3 is
 *	executed as domain-selective).
 * @mamv: CAP.MAMV, 0..63: the largest AM of a type 2 page-selective one.
 * @nd: CAP.ND, 0..6: 2^(4 + 2 * ND) domain ids.
 * @sagaw5: CAP.SAGAW has 5-level second-stage tables (4-level always).
 * @ats: ECAP.DT: device TLBs, device-TLB descriptors accepted.
 * @pasid: ECAP.PASID: requests with PASID, PASID-granular descriptors.
 * @pasid_bits: PASID width 1..20 (ECAP.PSS = bits - 1); 0 means 20.
 * @flts: ECAP.FLTS: first-stage translation.
 * @slts: ECAP.SLTS: second-stage translation.
 * @nest: ECAP.NEST: nested translation, PASID entries with PGTT 011b
 *	(needs @flts and @slts, else -EINVAL).
 * @threaded: the consumer runs on its own thread (else inline).
 * @consumer_only: threaded: only the consumer thread consumes; the
 *	drivers' completion polls do not (the registers' consume hook is left
 *	NULL), so completion waits for that thread, as the races that
 *	scenarios with delays hunt need.
 * @iotlb_tag: an enum invt_mvtd_iotlb_tag (0: INVT_MVTD_TAG_SID).
 * @gsts_lag: consumer runs between taking a GCMD write and reporting it in
 *	GSTS, 0..1000; 0 means 2 (a status that lags, so that a driver not
 *	waiting for it is caught).
 * @iotlb_sets: IOTLB (leaves and paging-structure entries) sets, a power
 *	of two.
 * @iotlb_ways: ways per set.
 * @cfg_entries: configuration cache capacity ((requester id, PASID)
 *	entries); when full, a seeded victim is replaced.
 * @seed: seed of every eviction choice of this unit.
 * @faults: injected faults per descriptor consumed, 0 (none) to 0.5
 *	(<invtrack/model/faults.h>, vtd_hw_queue_faults()).
 * @cost_ns: optional: modelled cost per op index in ns (INVT_MVTD_NR_OPS
 *	entries); NULL keeps the consumer's defaults.
 * @atc_window: optional: called right after a device-TLB invalidation took
 *	effect, from the consumer's thread with no model lock held but the
 *	consumer's, while IOTLB invalidations queued before it without a
 *	completed wait in between are still pending.  It may call
 *	invt_mvtd_dma() (a refill of the device TLB from a stale IOTLB entry
 *	is then caught).
 * @window_arg: first argument of @atc_window.
 * @trace: optional descriptor trace.
 * @trace_arg: argument of @trace.
 * @fmt_fs4: optional: the first-stage 4-level format walked (NULL: the
 *	library's invt_pt_fmt_vtd_fs_4l of <invtrack/pt-vtd.h>).
 * @fmt_fs5: optional: first-stage 5-level (NULL: none, such PASID entries
 *	fault).
 * @fmt_ss4: optional: second-stage 4-level (NULL: invt_pt_fmt_vtd_ss_4l).
 * @fmt_ss5: optional: second-stage 5-level (NULL: invt_pt_fmt_vtd_ss_5l).
 */
struct invt_mvtd_config {
	uint32_t id;
	bool psi;
	unsigned int mamv;
	unsigned int nd;
	bool sagaw5;
	bool ats;
	bool pasid;
	unsigned int pasid_bits;
	bool flts;
	bool slts;
	bool nest;
	bool threaded;
	bool consumer_only;
	unsigned int iotlb_tag;
	unsigned int gsts_lag;
	unsigned int iotlb_sets;
	unsigned int iotlb_ways;
	unsigned int cfg_entries;
	uint64_t seed;
	double faults;
	const uint32_t *cost_ns;
	void (*atc_window)(void *arg, uint32_t instance, uint32_t sid, uint32_t ssid,
			   uint64_t iova);
	void *window_arg;
	invt_mvtd_trace_t trace;
	void *trace_arg;
	const struct invt_pt_fmt *fmt_fs4;
	const struct invt_pt_fmt *fmt_fs5;
	const struct invt_pt_fmt *fmt_ss4;
	const struct invt_pt_fmt *fmt_ss5;
};

/**
 * struct invt_mvtd_stats - what the unit did; a consistent snapshot.
 * @consumed: descriptors consumed (IQH moved past them).
 * @errors: IQE and ITE raised.
 * @by_op: descriptors executed per op index (rejected and aborted ones
 *	excluded; a device-TLB invalidation that timed out counts).
 * @clock_ns: modelled time of the descriptors executed.
 * @translations: translation requests (DMA without ATS, ATS requests).
 * @walks: page-table walks started (IOTLB misses).
 * @cfg_fetches: configuration fetches (configuration cache misses).
 * @faults: faults injected, per enum invt_hw_fault.
 * @stalls_ended: of the injected stalls, those over.
 * @iotlb: the IOTLB's counters.
 */
struct invt_mvtd_stats {
	uint64_t consumed;
	uint64_t errors;
	uint64_t by_op[INVT_MVTD_NR_OPS];
	uint64_t clock_ns;
	uint64_t translations;
	uint64_t walks;
	uint64_t cfg_fetches;
	uint64_t faults[INVT_HW_FAULT_NR];
	uint64_t stalls_ended;
	struct invt_cache_stats iotlb;
};

/**
 * invt_mvtd_create() - a modelled unit with reset registers.
 * @cfg: its parameters (copied).
 * @mem: model memory: queue memory, root/context/PASID tables, page tables
 *	and status words are reached in it by physical address.
 * @oracle: checks every use.
 * @out: receives the unit.
 *
 * Return: 0, -EINVAL (NULL, no configuration cache, MAMV > 63, ND > 6,
 * PASID bits > 20, a bad IOTLB geometry), -ENOMEM.
 */
int invt_mvtd_create(const struct invt_mvtd_config *cfg, struct invt_mem *mem,
		     struct invt_oracle *oracle, struct invt_mvtd **out);

/**
 * invt_mvtd_destroy() - stop the consumer and free the unit.
 * @m: the unit, or NULL.  No device access may be running.
 */
void invt_mvtd_destroy(struct invt_mvtd *m);

/**
 * invt_mvtd_regs() - the registers a driver programs.
 * @m: the unit.
 *
 * Return: the registers (inline mode: their doorbell runs the consumer).
 */
struct invt_vtd_regs *invt_mvtd_regs(struct invt_mvtd *m);

/**
 * invt_mvtd_start() - start the consumer thread (threaded mode).
 * @m: the unit.
 *
 * Return: 0 (also in inline mode, where nothing is started), or an error.
 */
int invt_mvtd_start(struct invt_mvtd *m);

/** invt_mvtd_stop() - stop the consumer thread, if any. @m: the unit. */
void invt_mvtd_stop(struct invt_mvtd *m);

/**
 * invt_mvtd_add_device() - a device behind the unit.
 * @m: the unit.
 * @id: its requester id (bus << 8 | devfn), below 2^16.
 * @atc_entries: device-TLB capacity for an ATS device (fully associative),
 *	0 for a device without ATS.
 *
 * Return: 0, -EEXIST, -EINVAL (id too large, ATS without ECAP.DT), -ENOMEM.
 */
int invt_mvtd_add_device(struct invt_mvtd *m, uint32_t id, unsigned int atc_entries);

/**
 * invt_mvtd_dma() - one device request, translated and checked.
 * @m: the unit.
 * @id: the device's requester id.
 * @ssid: 0 (a request without PASID) or a PASID.
 * @iova: the address.
 * @write: a write (needs write permission) or a read.
 *
 * Return: 0 when it translated (the oracle checked what it used and
 * counted the access); -EFAULT when it did not (counted as a fault);
 * -ENODEV for an unknown device.
 */
int invt_mvtd_dma(struct invt_mvtd *m, uint32_t id, uint32_t ssid, uint64_t iova, bool write);

/**
 * invt_mvtd_stats() - the unit's counters.
 * @m: the unit.
 * @st: out.
 */
void invt_mvtd_stats(struct invt_mvtd *m, struct invt_mvtd_stats *st);

/**
 * invt_mvtd_set_devtlb_timeout() - make device-TLB invalidations to a
 * device time out (test hook).
 * @m: the unit.
 * @id: the device.
 * @on: while set, each one still takes effect, and the unit raises
 *	FSTS.ITE with IQER.ITESID = @id and aborts the pending waits.
 *
 * Return: 0, -ENODEV.
 */
int invt_mvtd_set_devtlb_timeout(struct invt_mvtd *m, uint32_t id, bool on);

/**
 * invt_mvtd_iotlb() - the unit's IOTLB and paging-structure cache, for
 * tests and tools.
 * @m: the unit.
 *
 * Its lock is the unit's lock: with it held, no translation and no
 * descriptor runs.  Do not call into @m while holding it.
 *
 * Return: the cache.
 */
struct invt_cache *invt_mvtd_iotlb(struct invt_mvtd *m);

/**
 * invt_mvtd_cost_ns() - the modelled cost of an op index.
 * @m: the unit.
 * @op_index: an op index (invt_mvtd_op_index()).
 *
 * Return: ns, from the configuration's table or the consumer's defaults; 0
 * beyond INVT_MVTD_NR_OPS.
 */
uint32_t invt_mvtd_cost_ns(const struct invt_mvtd *m, unsigned int op_index);

/**
 * invt_mvtd_op_index() - which by_op / cost slot a descriptor counts in.
 * @cmd: its bytes in queue format (little-endian; 16 are read).
 *
 * Return: qw0[3:0] | qw0[11:9] << 4.
 */
unsigned int invt_mvtd_op_index(const void *cmd);

/**
 * invt_mvtd_op_name() - mnemonic of an op index.
 * @op_index: the index.
 *
 * Return: "CC_INV", "IOTLB_INV", "DEVTLB_INV", "IEC_INV", "INV_WAIT",
 * "PIOTLB_INV", "PC_INV", "PDEVTLB_INV", or NULL.
 */
const char *invt_mvtd_op_name(unsigned int op_index);

/**
 * invt_mvtd_describe() - "MNEMONIC field=value ..." of a descriptor, as the
 * hardware decoder reads it (128-bit form: 16 bytes are read; every
 * feature assumed present).
 * @cmd: its bytes in queue format.
 * @buf: where to write.
 * @len: its size.
 *
 * Return: what snprintf returns; -EINVAL (with "INVALID ..." written) when
 * the decoder rejects it.
 */
int invt_mvtd_describe(const void *cmd, char *buf, size_t len);

#endif /* INVTRACK_MODEL_VTD_H */
