/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/viommu.h - virtual IOMMU support for VMMs: a viommu per (VM,
 * physical instance), its virtual devices, nested domains allocated through
 * it, guest invalidation commands translated and issued on the instance's
 * queue, and event queues that forward the guest's faults.
 *
 * Objects and what pins what (destroying a pinned object is -EBUSY and
 * changes nothing):
 *  - a viommu pins its nest parent (an S2 domain: invt_domain_destroy() of
 *    the parent is -EBUSY while a viommu over it exists);
 *  - a nested domain allocated through a viommu (invt_viommu_nested_init())
 *    pins the viommu;
 *  - a vdevice (viommu, virtual id, physical device) pins the viommu;
 *  - attaching a nested domain of a viommu to (device, ssid) requires the
 *    device's vdevice in that viommu (-ENOENT otherwise) and pins it until
 *    the device leaves the domain.  The core's attach path does it
 *    (struct invt_domain_pin_ops), so every arch driver's nested attach,
 *    replace, detach and abort is covered; attaching a blocking, abort,
 *    bypass, S1 or S2 configuration pins nothing.
 * Vdevices are named by (viommu, virtual id), never by pointer: a VMM that
 * destroys one the device removal already took gets -ENOENT, not a
 * use-after-free.
 *
 * Locking: viommu->lock (the vdevice table, pins, nested domains, event
 * queue list) nests outside ctx->lock (nested domain creation and
 * destruction), outside the nest parent's domain lock (held while a guest
 * batch is issued) and outside each event queue's lock.  The core calls the
 * pin hooks with no core lock held.
 */
#ifndef INVTRACK_VIOMMU_H
#define INVTRACK_VIOMMU_H

#include <invtrack/core.h>

struct invt_viommu;

/**
 * enum invt_viommu_arch - the guest command and event formats a viommu takes.
 * @INVT_VIOMMU_SMMUV3: ARM SMMUv3 (IHI0070): 16-byte commands of the
 *	Command queue (§4), 32-byte event records (§7.3).
 * @INVT_VIOMMU_VTD: Intel VT-d scalable mode: 256-bit invalidation
 *	descriptors (§6.5.2, IQA_REG.DW = 1, the width scalable mode needs),
 *	128-bit fault records (§7.2.1, the Fault Recording Register layout).
 * @INVT_VIOMMU_RISCV: RISC-V IOMMU 1.0: 16-byte command-queue entries
 *	(§3.1), 32-byte fault-queue records (§3.2).
 */
enum invt_viommu_arch {
	INVT_VIOMMU_SMMUV3 = 1,
	INVT_VIOMMU_VTD,
	INVT_VIOMMU_RISCV,
};

/* Bytes of one guest command in invt_viommu_invalidate()'s input. */
#define INVT_VIOMMU_SMMUV3_CMD_BYTES	16
#define INVT_VIOMMU_VTD_CMD_BYTES	32
#define INVT_VIOMMU_RISCV_CMD_BYTES	16

/**
 * invt_viommu_cmd_bytes() - bytes of one guest command of an architecture.
 * @arch: an enum invt_viommu_arch.
 *
 * Return: 16 or 32, or 0 for an unknown @arch.
 */
unsigned int invt_viommu_cmd_bytes(int arch);

/**
 * struct invt_viommu_stats - what a viommu did (read with
 * invt_viommu_get_stats()).
 * @guest_commands: guest commands counted in *done by every
 *	invt_viommu_invalidate() call.
 * @guest_rejected: guest commands refused (unknown, disallowed, malformed,
 *	or naming a virtual id without a vdevice).
 * @host_commands: commands written to the instance's queue for them
 *	(completion commands included).
 * @events: events queued for the guest.
 * @lost_events: events lost (queue full or allocation failure).
 * @host_faults: faults reported that stay with the host (no vdevice, or
 *	the device is not on a nested domain of this viommu).
 */
struct invt_viommu_stats {
	uint64_t guest_commands;
	uint64_t guest_rejected;
	uint64_t host_commands;
	uint64_t events;
	uint64_t lost_events;
	uint64_t host_faults;
};

/**
 * invt_viommu_create() - a viommu for one VM on one physical instance.
 * @out: receives the viommu.
 * @arch: an enum invt_viommu_arch: the guest's command format, which must
 *	be the instance's own (the translated commands go to its queue in the
 *	arch driver's format; tests may give a backend of their own).
 * @iommu: the registered instance.
 * @parent: the VM's nest parent: an S2 domain of @iommu's context.  Its
 *	stage-2 tag on @iommu (VMID, DID, GSCID) is the one every translated
 *	stage-1 command carries.  Pinned until invt_viommu_destroy().
 *
 * Return: 0; -EINVAL (unknown @arch, unregistered @iommu, @parent not S2
 * or of another context), -ENOMEM.
 */
int invt_viommu_create(struct invt_viommu **out, int arch, struct invt_iommu *iommu,
		       struct invt_domain *parent);

/**
 * invt_viommu_destroy() - free a viommu.
 * @viommu: the viommu.
 *
 * Frees its event queues (and the events they hold).
 * Return: 0, or -EBUSY (nothing changed) while nested domains allocated
 * through it or vdevices exist.
 */
int invt_viommu_destroy(struct invt_viommu *viommu);

/**
 * invt_viommu_s2_tag() - the stage-2 tag guest commands carry now.
 * @viommu: the viommu.
 * @tag: out: the nest parent's tag on the viommu's instance.
 *
 * Return: 0, or -ENOENT while the parent holds no tag there (nothing it
 * tags is cached: the parent is attached to no device of the instance).
 */
int invt_viommu_s2_tag(struct invt_viommu *viommu, uint32_t *tag);

/**
 * invt_viommu_get_stats() - a snapshot of the counters.
 * @viommu: the viommu.
 * @st: out.
 */
void invt_viommu_get_stats(struct invt_viommu *viommu, struct invt_viommu_stats *st);

/**
 * invt_viommu_nested_init() - allocate a nested domain through a viommu.
 * @viommu: the viommu (pinned until invt_viommu_nested_destroy()).
 * @dom: the domain to initialise: INVT_DOMAIN_NESTED over the viommu's
 *	parent, with the pin hooks that make its attachments require and pin
 *	a vdevice.
 * @vtag: where the guest's commands name its domains by a tag (VT-d: the
 *	guest DID of the PASID entries this domain stands for), that tag: a
 *	guest command naming it is given the tag @dom holds on the instance.
 *	Unique in the viommu.  Ignored (0) by SMMUv3 and RISC-V, whose guests
 *	name the VM's stage-2 tag, which the viommu forces.
 *
 * Free it with invt_viommu_nested_destroy(), not invt_domain_destroy().
 *
 * Return: 0; -EEXIST (@vtag taken); an error of invt_domain_init() or
 * -ENOMEM (@dom not initialised).
 */
int invt_viommu_nested_init(struct invt_viommu *viommu, struct invt_domain *dom, uint32_t vtag);

/**
 * invt_viommu_nested_adopt() - make a driver's nested domain the viommu's.
 * @viommu: the viommu (pinned until invt_viommu_nested_release() or
 *	invt_viommu_nested_destroy()).
 * @dom: a nested domain the arch driver initialised over the viommu's
 *	parent (invt_smmu_domain_init_nested() and its twins), not attached,
 *	no other viommu's; no attach of it may run meanwhile.
 * @vtag: as for invt_viommu_nested_init().
 *
 * From here on its attachments require and pin a vdevice, as for
 * invt_viommu_nested_init().
 *
 * Return: 0; -EINVAL (not nested over the viommu's parent, or another
 * viommu's); -EBUSY (attached); -EEXIST (@vtag taken); -ENOMEM.
 */
int invt_viommu_nested_adopt(struct invt_viommu *viommu, struct invt_domain *dom, uint32_t vtag);

/**
 * invt_viommu_nested_release() - undo invt_viommu_nested_adopt().
 * @viommu: the viommu.
 * @dom: one of its nested domains, not attached; no attach of it may run
 *	meanwhile.
 *
 * The arch driver then frees @dom as it frees any nested domain.
 * Return: 0; -EINVAL (not the viommu's); -EBUSY (attached: nothing changed).
 */
int invt_viommu_nested_release(struct invt_viommu *viommu, struct invt_domain *dom);

/**
 * invt_viommu_nested_destroy() - free a nested domain of a viommu.
 * @viommu: its viommu.
 * @dom: the domain.
 *
 * Context: the calling thread is registered with RCU.
 * Return: 0; -EINVAL when @dom is not a nested domain of @viommu; -EBUSY
 * (nothing changed) while it is attached.
 */
int invt_viommu_nested_destroy(struct invt_viommu *viommu, struct invt_domain *dom);

/**
 * invt_vdevice_create() - bind a virtual id to a physical device.
 * @viommu: the viommu.
 * @vid: the guest's id of the device (vSID, guest RID, guest device_id).
 * @dev: the physical device, behind the viommu's instance; its first
 *	stream id (dev->sids[0]) is the physical id guest commands get.
 *
 * Return: 0; -EEXIST when @vid is taken or @dev already has a vdevice in
 * this viommu; -EINVAL when @dev is behind another instance; -ENOMEM.
 */
int invt_vdevice_create(struct invt_viommu *viommu, uint32_t vid, struct invt_device *dev);

/**
 * invt_vdevice_destroy() - unbind a virtual id.
 * @viommu: the viommu.
 * @vid: the virtual id.
 *
 * Return: 0; -ENOENT (no such vdevice, or the device's removal destroyed
 * it already); -EBUSY (nothing changed) while a nested domain of the
 * viommu is attached to the device.
 */
int invt_vdevice_destroy(struct invt_viommu *viommu, uint32_t vid);

/**
 * invt_vdevice_lookup() - the physical device behind a virtual id.
 * @viommu: the viommu.
 * @vid: the virtual id.
 * @pid: out (may be NULL): the physical id.
 * @pins: out (may be NULL): nested attachments pinning it now.
 *
 * Return: 0, or -ENOENT.
 */
int invt_vdevice_lookup(struct invt_viommu *viommu, uint32_t vid, uint32_t *pid,
			unsigned int *pins);

/**
 * invt_viommu_device_removed() - the physical device goes away.
 * @viommu: a viommu the device may have a vdevice in.
 * @dev: the device, already detached from every nested domain of @viommu.
 *
 * Destroys the device's vdevice, if any, as the device's removal does in
 * iommufd: the VMM's later invt_vdevice_destroy() of its id is -ENOENT.
 * Return: 0 (destroyed, or there was none); -EBUSY (nothing changed) when
 * the device is still attached to a nested domain of @viommu: detach first.
 */
int invt_viommu_device_removed(struct invt_viommu *viommu, struct invt_device *dev);

/**
 * invt_viommu_invalidate() - run a batch of guest invalidation commands.
 * @viommu: the viommu.
 * @cmds: @n guest commands, invt_viommu_cmd_bytes() each, in the guest
 *	queue's format (little-endian).
 * @n: commands; 0 is a valid probe (returns 0, *@done = 0).
 * @done: out, written on every return: the guest commands, from the first,
 *	whose translated commands were issued on the instance's queue AND
 *	completed (commands translated but not issued, or issued and not
 *	known to have completed, are not counted).
 *
 * Accepted, translated (everything else is refused):
 *  - SMMUv3 (IHI0070 §4.4.1, §4.4.2, §4.5.1, §4.3.3-4.3.4): TLBI_NH_ALL,
 *    NH_ASID, NH_VA, NH_VAA with the VMID forced to the viommu's;
 *    TLBI_NSNH_ALL becomes TLBI_NH_ALL of that VMID; ATC_INV, CFGI_CD,
 *    CFGI_CD_ALL with the virtual StreamID replaced by the physical one;
 *    CMD_SYNC ends a batch (§4.7.3).
 *  - VT-d (§6.5.2.4, §6.5.2.5, §6.5.2.6, §6.5.2.2): PASID-based IOTLB
 *    invalidation with the guest DID replaced by the parent's; device-TLB
 *    and PASID-based device-TLB invalidation with the guest SID (and
 *    PFSID) replaced by the physical RID; PASID-cache invalidation with
 *    the DID replaced (global becomes domain-selective for that DID); the
 *    invalidation wait (§6.5.2.8) ends a batch.
 *  - RISC-V (§3.1.1, §3.1.3, §3.1.4): IOTINVAL.VMA with GV = 1 and the
 *    GSCID forced to the parent's; ATS.INVAL and IODIR (INVAL_DDT with
 *    DV = 1, INVAL_PDT) with the virtual device_id replaced; IOFENCE.C ends
 *    a batch.
 * A batch's translated commands go to the queue followed by one completion
 * command, and the call waits for it before counting the batch done; the
 * guest's own completion command is counted with its batch (its status
 * write / interrupt / MSI are the VMM's to perform once the call returns).
 * Stage-1 commands while the parent holds no tag on the instance have
 * nothing to invalidate and complete without a host command.  The nest
 * parent's lock is held throughout, so the tag put into the commands
 * cannot be released and reused by another domain meanwhile.
 *
 * Context: the calling thread is registered with RCU; sleeps.
 * Return: 0 with *@done == @n; or, with the commands before it issued and
 * completed and *@done the index of the refused command: -EOPNOTSUPP (a
 * command the guest may not send), -EINVAL (a malformed or illegal
 * encoding), -ENOENT (a virtual id without a vdevice); or a submit / wait
 * error of the instance (-EIO, -ETIMEDOUT, ...) with *@done the index of
 * the first command of the batch that failed (it and the ones after it
 * may or may not have taken effect: the guest must treat them as not
 * done).  -EINVAL with *@done = 0 for a NULL @cmds with @n > 0.
 */
int invt_viommu_invalidate(struct invt_viommu *viommu, const void *cmds, uint32_t n,
			   uint32_t *done);

/**
 * enum invt_vevent_type - kinds of events a viommu forwards, one queue each.
 * @INVT_VEVENT_SMMUV3: an SMMUv3 event record (IHI0070 §7.3), 32 bytes,
 *	StreamID (bits [63:32]) virtual.
 * @INVT_VEVENT_VTD: a VT-d fault record (§7.2.1, the layout of the Fault
 *	Recording Registers, §11.4.14), 16 bytes, SID (bits [79:64]) virtual.
 * @INVT_VEVENT_RISCV: a RISC-V fault-queue record (§3.2), 32 bytes,
 *	DID (bits [63:40]) virtual.
 * @INVT_VEVENT_NR: the number of types.
 */
enum invt_vevent_type {
	INVT_VEVENT_SMMUV3,
	INVT_VEVENT_VTD,
	INVT_VEVENT_RISCV,
	INVT_VEVENT_NR,
};

/* struct invt_vevent_header.flags: events were lost here (no payload follows). */
#define INVT_VEVENT_FLAG_LOST_EVENTS	(1u << 0)

/* Sequence numbers run 0..INVT_VEVENT_SEQ_MAX, then 0 again. */
#define INVT_VEVENT_SEQ_MAX		0x7fffffffu

/**
 * struct invt_vevent_header - what precedes each record a read returns.
 * @flags: INVT_VEVENT_FLAG_*.
 * @sequence: the event's number in its queue, counting lost events (a gap
 *	after a lost-events header says how many), wrapping from
 *	INVT_VEVENT_SEQ_MAX to 0.  A lost-events header carries the number of
 *	the first event lost.
 *
 * A read returns a header followed by the type's record
 * (invt_vevent_record_bytes()), or a lost-events header alone.
 */
struct invt_vevent_header {
	uint32_t flags;
	uint32_t sequence;
};

/**
 * invt_vevent_record_bytes() - the payload size of an event type.
 * @type: an enum invt_vevent_type.
 *
 * Return: 32, 16 or 32 bytes, or 0 for an unknown type.
 */
size_t invt_vevent_record_bytes(int type);

/**
 * invt_veventq_alloc() - give a viommu a queue for one event type.
 * @viommu: the viommu.
 * @type: the viommu's architecture's type.
 * @depth: the most events queued at once (1..65536); one more event makes
 *	a single lost-events header, and the ones after it are only counted
 *	until the guest reads.
 *
 * Return: 0; -EINVAL (a type not of the viommu's architecture, a bad
 * @depth); -EEXIST (the viommu has one of that type); -ENOMEM.
 */
int invt_veventq_alloc(struct invt_viommu *viommu, int type, uint32_t depth);

/**
 * invt_veventq_free() - drop a viommu's queue of one type and its events.
 * @viommu: the viommu.
 * @type: the type.
 *
 * Return: 0, or -ENOENT.
 */
int invt_veventq_free(struct invt_viommu *viommu, int type);

/**
 * invt_veventq_read() - take whole events out of a queue.
 * @viommu: the viommu.
 * @type: the queue's type.
 * @buf: where to copy them.
 * @len: bytes at @buf.
 *
 * Copies, oldest first, as many whole records (a struct invt_vevent_header
 * and the type's payload, or a lost-events header alone) as fit in @len;
 * a record that does not fit whole stays queued.  The check uses each
 * record's real size, header included.
 *
 * Return: bytes copied (> 0); 0 when the queue is empty; -EINVAL when the
 * oldest record does not fit in @len (nothing copied); -ENOENT when the
 * viommu has no queue of @type.
 */
long invt_veventq_read(struct invt_viommu *viommu, int type, void *buf, size_t len);

/**
 * invt_veventq_depth() - events waiting in a queue.
 * @viommu: the viommu.
 * @type: the type.
 *
 * Return: queued records (a lost-events header counts one), or -ENOENT.
 */
long invt_veventq_depth(struct invt_viommu *viommu, int type);

/**
 * invt_viommu_report_fault() - forward a physical fault to the guest.
 * @viommu: a viommu of the instance that recorded the fault.
 * @pid: the physical id in the record (SID, RID, device_id).
 * @record: the record as the instance wrote it, in the viommu's
 *	architecture's event format (enum invt_vevent_type).
 * @len: its size: invt_vevent_record_bytes() of that type.
 *
 * Only faults of a device with a vdevice in @viommu that is attached to a
 * nested domain of @viommu are the guest's (stage-1 faults): the record is
 * queued with the physical id replaced by the virtual one.  Any other
 * fault stays with the host.  An allocation failure loses the event (a
 * lost-events header reports it).
 *
 * Context: may sleep (the viommu's event lock, one allocation); a host
 * fault handler running in interrupt context defers the call to a thread.
 * It does not wait for a guest invalidation in progress on @viommu (the
 * event lock is never held across a wait on the hardware).
 *
 * Return: 0 (queued, or counted lost); -ENOENT (no vdevice for @pid: the
 * host's); -ENODEV (the device is on no nested domain of @viommu: the
 * host's); -ENXIO (the viommu has no queue of its type: dropped); -EINVAL
 * (a bad @len, a NULL @record, or a record whose id field is not @pid).
 */
int invt_viommu_report_fault(struct invt_viommu *viommu, uint32_t pid, const void *record,
			     size_t len);

#endif /* INVTRACK_VIOMMU_H */
