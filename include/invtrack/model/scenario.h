/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/model/scenario.h - a modelled system under load (userspace).
 *
 * Builds a whole system from a few parameters - model memory, the oracle,
 * modelled SMMUv3 instances with their drivers (invt_smmu over the invtrack
 * core), devices (some with ATS, some with PASIDs), stage-1 and stage-2
 * domains with ARM page tables in model memory - then runs load on it:
 *
 *	map	a 4 KiB page or a 2 MiB block in a domain (fresh frames)
 *	unmap	a range of a domain: clear PTEs, invt_domain_invalidate() the
 *		span the page table reports, then free the data frames and the
 *		table pages it unlinked (only then: the oracle's contract)
 *	attach / detach / replace  (device, ssid) <-> domain through the
 *		driver's prepare / install / commit, telling the oracle
 *	dma	a device access at (ssid, iova), mapped or not, checked
 *
 * Inline mode: one thread does everything from one seeded generator, the
 * command queues are consumed from the doorbell: the same seed gives the
 * same command stream, and every invalidation's command count is compared
 * with invt_smmu_plan_count() (the minimum for the policy in force).
 * Threaded mode: @cpus churn threads (map/unmap/attach), @dma DMA threads and
 * one consumer thread per instance.
 */
#ifndef INVTRACK_MODEL_SCENARIO_H
#define INVTRACK_MODEL_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include <invtrack/model/faults.h>
#include <invtrack/model/oracle.h>

/* Limits of the parameters. */
#define INVT_SCN_MAX_INSTANCES	16
#define INVT_SCN_MAX_DEVICES	64
#define INVT_SCN_MAX_DOMAINS	64
#define INVT_SCN_MAX_PASIDS	64
#define INVT_SCN_MAX_THREADS	16
#define INVT_SCN_MAX_REPORTS	8
#define INVT_SCN_FLIGHT_SHOWN	12
#define INVT_SCN_MAX_VMS	4

/**
 * struct invt_scn_event - one event of the flight recorder.
 * @t: the run's event clock (the t= of violations and the trace).
 * @what: "map", "unmap", "invalidated", "attach begin", "config done",
 *	"attach done", "attach abort", "remove" (an instance's driver went;
 *	@instance), "probe" (it came back), "unplug" (@instance, @sid).
 * @instance: attach events: the unit.
 * @sid: attach events: the device.
 * @ssid: attach events: the ssid.
 * @domain: map / unmap / invalidated: the domain; attach events: the
 *	domain joined (UINT32_MAX: none).
 * @iova: map / unmap / invalidated: the first byte.
 * @last: the last byte.
 * @pa: map: the first frame.
 */
struct invt_scn_event {
	uint64_t t;
	const char *what;
	uint32_t instance;
	uint32_t sid;
	uint32_t ssid;
	uint32_t domain;
	uint64_t iova;
	uint64_t last;
	uint64_t pa;
};

/**
 * struct invt_scn_progress - where a run stands.
 * @elapsed: seconds since the load started.
 * @seconds: the run's time limit (0: none).
 * @ops: operations done.
 * @ops_limit: the run's operation limit (0: none).
 * @accesses: DMA accesses checked so far.
 * @violations: violations so far.
 * @final: the last call, after the load stopped.
 */
struct invt_scn_progress {
	double elapsed;
	double seconds;
	uint64_t ops;
	uint64_t ops_limit;
	uint64_t accesses;
	uint64_t violations;
	bool final;
};

/**
 * struct invt_scn_work - an amount of work, as counted in the result.
 * @accesses: DMA accesses the oracle checked.
 * @invalidations: invt_domain_invalidate() calls.
 * @attaches: attach transactions that completed (attaches, detaches and
 *	replaces together).
 */
struct invt_scn_work {
	uint64_t accesses;
	uint64_t invalidations;
	uint64_t attaches;
};

/**
 * enum invt_scn_op - the operations of the load, for struct invt_scn_params.mix.
 * @INVT_SCN_OP_MAP: map a 4 KiB page or a 2 MiB block.
 * @INVT_SCN_OP_UNMAP: unmap a page, a run in a region, or a block, and invalidate.
 * @INVT_SCN_OP_ATTACH: attach a (device, ssid) to a domain, or replace its domain.
 * @INVT_SCN_OP_DETACH: detach an attached (device, ssid).
 * @INVT_SCN_OP_REMOVE: remove an instance's driver under load (its devices
 *	detached and removed, its entries purged from every array, freed after
 *	a grace period) and probe it again, its devices re-added and attached
 *	as before.
 * @INVT_SCN_OP_UNPLUG: hot-unplug a device (detached, removed, no DMA) and
 *	plug it back, attached as before.
 * @INVT_SCN_OP_ABORT: prepare and install an attach of a (device, ssid) to
 *	another domain, access through it, then abort it (the default mix's
 *	5 %).
 * @INVT_SCN_OP_DMA: one device access (inline mode; threaded mode has DMA threads).
 * @INVT_SCN_OP_NR: number of operations.
 */
enum invt_scn_op {
	INVT_SCN_OP_MAP,
	INVT_SCN_OP_UNMAP,
	INVT_SCN_OP_ATTACH,
	INVT_SCN_OP_DETACH,
	INVT_SCN_OP_REMOVE,
	INVT_SCN_OP_UNPLUG,
	INVT_SCN_OP_ABORT,
	INVT_SCN_OP_DMA,
	INVT_SCN_OP_NR,
};

/**
 * struct invt_scn_params - what to build and how to load it.
 * @arch: "smmuv3" (NULL means it), "vtd" or "riscv" (see invt_scn_arch_ok()).
 * @instances: IOMMU instances, 1..INVT_SCN_MAX_INSTANCES.
 * @devices: devices, spread round-robin over the instances.
 * @ats_percent: percentage of devices with ATS (every Nth device; at least
 *	one when non-zero).
 * @pasids: ssids (the RID included) of the devices given PASIDs (every other
 *	device); 1 gives no device PASIDs.
 * @domains: domains, stage-1 and stage-2 alternately (first S1).
 * @cpus: threaded mode: churn threads.
 * @dma: threaded mode: DMA threads.
 * @ops: stop after this many operations in total (0: no limit).
 * @seconds: stop after this long (0: no limit).  With @until set it is no
 *	limit on the run but on a stall: the run stops when a count of @until
 *	not yet reached did not grow for @seconds (invt_scn_result.stalled).
 * @until: stop once every nonzero count of it was reached (all zero: no
 *	such limit).  A test's stop condition: how much work was checked
 *	does not depend on how fast the machine is.  One of @ops, @seconds and
 *	@until must be set.
 * @seed: the seed of everything.
 * @threaded: threaded mode, else inline.
 * @ril: the SMMUs support range invalidation (SMMU_IDR3.RIL).
 * @iotlb_by_tags: VT-d and RISC-V units look their IOTLB up by the domain
 *	tags (DID + PASID; GSCID + PSCID), shared by the tag's devices; false
 *	(the default): by requester (source-id / device_id and PASID /
 *	process_id), the strictest variant the specifications allow.  SMMUv3
 *	tags its TLB by VMID and ASID in either case.
 * @queue_slots: command queue entries, a power of two from 2 (0: 256, the
 *	default).  SMMUv3: SMMU_CMDQ_BASE.LOG2SIZE; RISC-V: cqb.LOG2SZ-1.
 *	VT-d's invalidation queue has at least 128 256-bit descriptors
 *	(IQA_REG.QS = 0, rev. 5.x §11.4.9.3): smaller counts give that.
 * @faults: injected hardware faults: the chance, per command a unit
 *	consumes, that it fails it (0: none, the default; at most 0.5).  The
 *	kinds rotate, seeded: SMMUv3 CERROR_ILL (a command corrupted on the
 *	way) and CERROR_ATC_INV_SYNC (an ATC that does not answer); VT-d IQE,
 *	ITE (a device-TLB invalidation timed out) and ICE; RISC-V cmd_ill and
 *	cmd_to; and on every architecture a queue that stalls for a while.
 *	The drivers recover; invt_scn_result.faults says what happened.
 * @dead_atcs: the first @dead_atcs devices with ATS have an ATC that never
 *	answers: every ATC invalidation to one times out and leaves it as it
 *	was (tests; 0 by default, no option or scenario key).  Their drivers
 *	turn their ATS off (invt_scn_result.faults.ats_disabled).
 * @oas: SMMUv3: the SMMUs' output (and input) address size, SMMU_IDR5.OAS
 *	in bits: 36, 40, 42, 44, 48 or 52; 0 means 48.  Drivers size their
 *	domains from it.  Ignored by the other architectures.
 * @smmu_2lvl: SMMUv3: the SMMUs have 16 StreamID bits and offer two-level
 *	stream and CD tables (SMMU_IDR0.ST_LEVEL 0b01, CD2L), and the driver is
 *	let use 16 bits: its stream table has two levels.  Ignored by the other
 *	architectures.
 * @vms: virtual machines, 0..INVT_SCN_MAX_VMS (0: no nesting).  A VM is a
 *	nest parent (a stage-2 domain, IPA -> PA, owned by the host, which
 *	maps the guest's memory in it and now and then moves a guest page to
 *	another frame: unmap, invt_domain_invalidate() of the parent, copy,
 *	map) and one nested domain per instance (the guest's stage 1, IOVA
 *	-> IPA, its tables in guest pages).  Devices without PASIDs attach to
 *	the nested domains of their instance, to parents and to other
 *	domains alike; the guest maps and unmaps its stage 1 and invalidates
 *	it with stage-1 commands of the architecture's guest format.
 *	Architectures without nested domains in the scenario refuse it.
 * @viommu_off: with @vms, the guests' stage-1 invalidations go straight to
 *	the instance's queue (the same commands with the parent's stage-2 tag)
 *	instead of through a viommu per (VM, instance) (<invtrack/viommu.h>),
 *	and attaching a nested domain needs no vdevice.
 * @vevent_depth: with @vms and viommus, the depth of each viommu's event
 *	queue (0: 64); a small one makes the guests lose events.
 * @dma_percent: inline mode: share of operations that are DMA accesses.
 * @mix: optional weights of the operations (enum invt_scn_op): each step
 *	picks one in proportion.  All zero: the built-in mix (@dma_percent DMA
 *	inline; churn 40% map, 20% unmap, 35% attach, of which a fifth of those
 *	on an attached ssid detach, 5% aborted attach).  Threaded churn threads use the weights
 *	but DMA's.
 * @ablate: NULL, or a rule for invt_ablate() (ablation builds only).
 * @delays: inject short delays at the core's protocol points (threaded
 *	mode, ablation builds: widens the race windows the ablations open).
 * @stop_on_violation: stop at the first violation.
 * @interrupt: optional: the load stops soon after *@interrupt becomes
 *	non-zero (a signal handler's flag); @res.interrupted says so.
 * @cost_ns: optional: modelled cost in ns of each opcode (256 entries, by
 *	dw0[7:0]) for every instance; NULL keeps the model's defaults.
 * @progress: optional: called from the running thread about every
 *	@progress_interval seconds with a snapshot (and once at the end).
 * @progress_interval: seconds between @progress calls (0 means 0.25).
 * @progress_arg: first argument of @progress.
 * @trace: optional: every command as a driver writes it to a queue: its
 *	@nwords 64-bit words exactly as in queue memory (2, or 4 for VT-d
 *	256-bit descriptors), with a sequence number that is the global order
 *	of writing and the run's event clock (the oracle's stamp, which
 *	violations' fill, use and free times also read); called under the
 *	scenario's trace lock, so calls never overlap and the clock grows with
 *	the sequence.  Teardown's commands are not traced.
 * @trace_arg: first argument of @trace.
 */
struct invt_scn_params {
	const char *arch;
	unsigned int instances;
	unsigned int devices;
	unsigned int ats_percent;
	unsigned int pasids;
	unsigned int domains;
	unsigned int cpus;
	unsigned int dma;
	uint64_t ops;
	double seconds;
	struct invt_scn_work until;
	uint64_t seed;
	bool threaded;
	bool ril;
	bool iotlb_by_tags;
	unsigned int queue_slots;
	double faults;
	unsigned int dead_atcs;
	unsigned int oas;
	bool smmu_2lvl;
	unsigned int vms;
	bool viommu_off;
	unsigned int vevent_depth;
	unsigned int dma_percent;
	unsigned int mix[INVT_SCN_OP_NR];
	const char *ablate;
	bool delays;
	bool stop_on_violation;
	const volatile int *interrupt;
	const uint32_t *cost_ns;
	void (*progress)(void *arg, const struct invt_scn_progress *pr);
	double progress_interval;
	void *progress_arg;
	void (*trace)(void *arg, uint64_t seq, uint64_t clock, uint32_t instance,
		      const uint64_t *w, unsigned int nwords);
	void *trace_arg;
};

/**
 * invt_scn_defaults() - the default scenario.
 * @p: filled with: 2 instances, 8 devices (half with ATS), 4 ssids on every
 *	other device, 6 domains, 2 churn and 2 DMA threads, 10 s, threaded,
 *	RIL, seed 1.
 */
void invt_scn_defaults(struct invt_scn_params *p);

/**
 * struct invt_scn_faults - injected hardware faults (invt_scn_params.faults).
 * @injected: faults the units injected.
 * @recovered: faults the drivers recovered from (an error cleared and the
 *	queue going again; a stall: the queue consuming again).
 * @kind_injected: @injected per enum invt_hw_fault (<invtrack/model/faults.h>).
 * @kind_recovered: @recovered per kind.
 * @inv_failed: invalidations (the host's invt_domain_invalidate() calls and
 *	the guests' command sequences) that still failed after the drivers'
 *	retries: what they unmapped is withheld, not freed, and invalidated
 *	again later (at the domain's next unmap, at the latest at teardown).
 * @withheld_frames: frames (host frames and guest pages) withheld so.
 * @leaked_frames: of @withheld_frames, those no later invalidation covered
 *	by the end of the run: never freed (a clean run has none).
 * @ats_disabled: devices whose ATS the drivers turned off because their
 *	ATC did not answer a commit's or an abort's invalidation
 *	INVT_CMD_RETRIES_MUST times (struct invt_iommu_ops, @ats_off).
 */
struct invt_scn_faults {
	uint64_t injected;
	uint64_t recovered;
	uint64_t kind_injected[INVT_HW_FAULT_NR];
	uint64_t kind_recovered[INVT_HW_FAULT_NR];
	uint64_t inv_failed;
	uint64_t withheld_frames;
	uint64_t leaked_frames;
	uint64_t ats_disabled;
};

/**
 * invt_scn_fault_name() - an architecture's name of a fault kind.
 * @arch: as in struct invt_scn_params (NULL: smmuv3).
 * @kind: an enum invt_hw_fault.
 *
 * Return: e.g. "cerror_ill", "ite", "cmd_to", "stall"; NULL for a kind the
 * architecture does not have.
 */
const char *invt_scn_fault_name(const char *arch, unsigned int kind);

/**
 * struct invt_scn_guest - what the guests of a run did (invt_scn_params.vms).
 * @maps: stage-1 pages the guests mapped.
 * @unmaps: guest unmaps (each followed by a guest invalidation).
 * @invalidations: guest invalidations (one per unmap: stage-1 commands, a
 *	completion, the ATC commands of the instance's ATS devices, a
 *	completion).
 * @commands: guest commands those invalidations sent, completions included.
 * @migrations: guest pages the host moved to another frame (its unmap of
 *	the parent, the parent's invalidation, copy, map).
 * @viommu_commands: guest commands the viommus counted done.
 * @viommu_rejected: guest commands the viommus refused (a clean run: 0).
 * @viommu_host_commands: commands the viommus wrote to the queues for them.
 * @viommu_events: events the viommus queued for the guests.
 * @viommu_lost_events: events lost (queue full).
 * @fault_records: translation faults of nested translations the units
 *	recorded (untranslated accesses of devices on nested domains; runs
 *	with VMs only; other devices' faults stay with the host driver).
 * @fault_overflows: of those, records the units' event / fault queues had
 *	no room for (lost before the VMM saw them).
 * @host_faults: records the VMM left with the host (a stage-2 fault, or
 *	a stage-1 fault no viommu takes).
 * @events_read: events (and lost-events headers) the guests read from
 *	their viommus' queues.
 * @event_errors: of those, records out of sequence (a clean run has none;
 *	a record of another VM's device is an ISOLATION violation).
 * @isolation: commands a guest invalidation put on a queue that name a
 *	stage-2 tag or a device the issuing VM does not own (or go to another
 *	instance than its viommu's): an isolation breach; a clean run has none.
 * @skipped: guest invalidations of an instance whose driver was removed
 *	(its devices unplugged, nothing of the guest's reachable there): no
 *	command sent; not in @invalidations.
 */
struct invt_scn_guest {
	uint64_t maps;
	uint64_t unmaps;
	uint64_t invalidations;
	uint64_t commands;
	uint64_t migrations;
	uint64_t viommu_commands;
	uint64_t viommu_rejected;
	uint64_t viommu_host_commands;
	uint64_t viommu_events;
	uint64_t viommu_lost_events;
	uint64_t fault_records;
	uint64_t fault_overflows;
	uint64_t host_faults;
	uint64_t events_read;
	uint64_t event_errors;
	uint64_t isolation;
	uint64_t skipped;
};

/**
 * struct invt_scn_result - what happened.
 * @maps: map operations done.
 * @unmaps: unmap operations done (that unmapped something).
 * @attaches: attachments of a blocked (device, ssid).
 * @detaches: detaches.
 * @replaces: moves from one domain to another.
 * @attach_errors: transactions refused (-ENOSPC, -ENOMEM, ...): counted,
 *	not violations.
 * @aborts: transactions prepared, installed, used by the device for a while
 *	(DMA, ATS translation requests) and then aborted.  Not counted in
 *	@attaches, @detaches or @replaces.
 * @removals: instances whose driver was removed and probed again under
 *	load (INVT_SCN_OP_REMOVE).
 * @unplugs: devices unplugged and plugged back (INVT_SCN_OP_UNPLUG).
 * @invalidations: invt_domain_invalidate() calls.
 * @commands: commands consumed by all instances (syncs included).
 * @syncs: completion commands consumed.
 * @unit_errors: command errors the units raised (a clean run has none).
 * @xlate_s1: SMMUv3: translations that succeeded through stage-1
 *	configurations (0 for units that do not count them).
 * @xlate_s2: SMMUv3: the same through stage-2 configurations.
 * @bad_ste: SMMUv3: C_BAD_STE events (an STE fetched invalid or ILLEGAL).
 * @bad_cd: SMMUv3: C_BAD_CD events (a CD fetched invalid, as for a PASID
 *	with nothing attached, or ILLEGAL).
 * @illegal_cfg: of @bad_ste and @bad_cd, ILLEGAL structures (IHI0070 §5.2,
 *	§5.4): a driver bug; a clean run has none.
 * @handshake_errors: register writes the spec forbids: SMMUv3 CR0 changed
 *	before CR0ACK matched, a base register written while enabled; RISC-V
 *	ddtp or cqcsr.cqen written while busy.  A clean run has none.
 * @inv_commands: commands the invalidations submitted (syncs included).
 * @inv_syncs: of which CMD_SYNCs.
 * @inv_waits: completions the invalidations waited for.
 * @inv_minimum: the sum of invt_smmu_plan_count() of each invalidation's
 *	array, read just before it.  Exact in inline mode; in threaded mode
 *	concurrent attaches change arrays in between, so it is indicative.
 * @inv_mismatches: invalidations whose command count differed from it.
 * @cpu_ns_p50: median CPU time of the invalidating thread over one
 *	invt_domain_invalidate() call (CLOCK_THREAD_CPUTIME_ID): the core, the
 *	driver, polling for completions and, inline, the modelled unit, which
 *	runs in that thread.  One invalidation in 8 is timed (the clock is a
 *	system call); percentiles over those are exact (nearest rank) up to
 *	2^22 of them, then taken from a uniform sample of that many.
 * @cpu_ns_p99: 99th percentile of the same.
 * @cpu_ns_mean: mean of the same.
 * @modelled_ns_p50: median modelled latency of one invalidation: each
 *	instance executes its commands back to back at the cost table's
 *	prices, the instances in parallel (the engine overlaps their waits).
 * @modelled_ns_p99: 99th percentile of the same.
 * @modelled_ns_mean: mean of the same.
 * @modelled_serial_ns: sum over invalidations of the modelled time had the
 *	instances been waited for one after the other.
 * @modelled_overlap_ns: the same with the waits overlapped, as done; the
 *	difference is what overlapping saved.
 * @linux_commands: what the architecture's Linux driver policy would have
 *	issued for the same invalidations, computed for each one from the
 *	array just before it (see docs/comparison.md for the policies).
 * @linux_waits: the completions that policy would have waited for.
 * @trace_hash: inline mode: a hash (FNV-1a's step over 64-bit words) of
 *	every command consumed, in order, with its instance.
 * @oracle: the oracle's counters (accesses, faults, violations).
 * @nr_reports: entries of @reports used.
 * @reports: the first violations.
 * @elapsed: seconds of load.
 * @ops: operations done (the unit of @p->ops): inline, --ops this many
 *	replays the run exactly, whatever stopped it.
 * @ats_devices: devices built with ATS.
 * @pasid_devices: devices built with more than one ssid.
 * @flight: inline mode: for each of @reports, the last events before its
 *	use that touched its (unit, device, ssid) or its (domain, address) or
 *	its frame: maps, unmaps, completed invalidations, attach phases.
 * @nr_flight: entries of each @flight used.
 * @flight_lost: events older than the recorder's window were overwritten
 *	before a report was made (replay with stop_on_violation to keep them).
 * @interrupted: the load stopped because of @p->interrupt.
 * @stopped_on_violation: the load stopped at a violation
 *	(@p->stop_on_violation).
 * @stalled: with @until set, the run stopped because a count of it not yet
 *	reached did not grow for @seconds: the load hangs (a machine that is
 *	merely slow or loaded still makes progress).
 * @by_op: commands consumed per opcode, all instances.
 * @queue_full_waits: times a driver found its command queue full and
 *	waited for room.
 * @faults: injected faults and the drivers' recoveries.
 * @guest: with @p->vms, what the guests and their viommus did.
 */
struct invt_scn_result {
	uint64_t maps;
	uint64_t unmaps;
	uint64_t attaches;
	uint64_t detaches;
	uint64_t replaces;
	uint64_t attach_errors;
	uint64_t aborts;
	uint64_t removals;
	uint64_t unplugs;
	uint64_t invalidations;
	uint64_t commands;
	uint64_t syncs;
	uint64_t unit_errors;
	uint64_t xlate_s1;
	uint64_t xlate_s2;
	uint64_t bad_ste;
	uint64_t bad_cd;
	uint64_t illegal_cfg;
	uint64_t handshake_errors;
	uint64_t inv_commands;
	uint64_t inv_syncs;
	uint64_t inv_waits;
	uint64_t inv_minimum;
	uint64_t inv_mismatches;
	uint64_t cpu_ns_p50;
	uint64_t cpu_ns_p99;
	uint64_t cpu_ns_mean;
	uint64_t modelled_ns_p50;
	uint64_t modelled_ns_p99;
	uint64_t modelled_ns_mean;
	uint64_t modelled_serial_ns;
	uint64_t modelled_overlap_ns;
	uint64_t linux_commands;
	uint64_t linux_waits;
	uint64_t trace_hash;
	struct invt_oracle_stats oracle;
	unsigned int nr_reports;
	struct invt_violation reports[INVT_SCN_MAX_REPORTS];
	double elapsed;
	uint64_t ops;
	unsigned int ats_devices;
	unsigned int pasid_devices;
	struct invt_scn_event flight[INVT_SCN_MAX_REPORTS][INVT_SCN_FLIGHT_SHOWN];
	unsigned int nr_flight[INVT_SCN_MAX_REPORTS];
	bool flight_lost;
	bool interrupted;
	bool stopped_on_violation;
	bool stalled;
	uint64_t by_op[256];
	uint64_t queue_full_waits;
	struct invt_scn_faults faults;
	struct invt_scn_guest guest;
};

/**
 * invt_scn_run() - build the system, run the load, tear everything down.
 * @p: the parameters.
 * @res: out: what happened (zeroed first).
 * @err: out, optional: on failure, a message saying which parameter or step.
 * @errlen: size of @err.
 *
 * Return: 0 when the run completed (violations are in @res, not an error);
 * -EINVAL for bad parameters; -EOPNOTSUPP for @p->ablate in a normal build;
 * -ENOMEM or another error when building the system failed.
 */
int invt_scn_run(const struct invt_scn_params *p, struct invt_scn_result *res, char *err,
		 size_t errlen);

/**
 * invt_scn_arch_ok() - whether an architecture is built in.
 * @arch: "smmuv3", "vtd", "riscv".
 *
 * Return: true when invt_scn_run() can build it.
 */
bool invt_scn_arch_ok(const char *arch);

/**
 * invt_scn_op_name() - the mnemonic of a command kind of an architecture.
 * @arch: as in struct invt_scn_params (NULL: smmuv3).
 * @op: an index of struct invt_scn_result.by_op (SMMUv3: the opcode; VT-d:
 *	the descriptor type; RISC-V: see its model's op index).
 *
 * Return: e.g. "CMD_TLBI_NH_VA", or NULL for an index that names nothing.
 */
const char *invt_scn_op_name(const char *arch, unsigned int op);

/**
 * invt_scn_describe() - decode a command as the modelled hardware does.
 * @arch: as in struct invt_scn_params (NULL: smmuv3).
 * @w: its words as in queue memory, as integers.
 * @nwords: how many (2, or 4 for VT-d 256-bit descriptors).
 * @buf: receives "MNEMONIC field=value ..." (only the fields the command
 *	carries), or "ILLEGAL ..." for a command the decoder rejects.
 * @len: size of @buf.
 *
 * Return: the command's op index when it decoded, or -EINVAL.
 */
int invt_scn_describe(const char *arch, const uint64_t *w, unsigned int nwords, char *buf,
		      size_t len);

/**
 * invt_scn_cost_defaults() - the modelled cost of each op index by default.
 * @arch: as in struct invt_scn_params (NULL: smmuv3).
 * @cost: receives 256 entries, in ns.
 *
 * Return: 0, or -EINVAL for an unknown architecture.
 */
int invt_scn_cost_defaults(const char *arch, uint32_t cost[256]);

#endif /* INVTRACK_MODEL_SCENARIO_H */
