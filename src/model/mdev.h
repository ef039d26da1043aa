/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * mdev.h - what every modelled unit does the same way for a device access:
 * the device's ATC (lookup, oracle check, fill from an ATS translation
 * request), and the access's verdict (checked or faulted).  The unit
 * supplies its own translation (configuration, IOTLB, walk).  Model-internal.
 */
#ifndef INVT_MODEL_MDEV_H
#define INVT_MODEL_MDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <invtrack/model/cache.h>
#include <invtrack/model/oracle.h>

/**
 * struct invt_mdev_xl - one translation as a device receives it.
 * @base: output address of the leaf (aligned to 2^@shift).
 * @shift: log2 of the leaf's span.
 * @level: the leaf's level.
 * @prot: INVT_PT_* permissions.
 * @domain: the domain whose table produced it.
 * @leaf: the leaf frame when the translation was cached.
 * @stale: the oracle recorded a violation on the way (the access still
 *	goes through: a violation is the finding, not a fault).
 * @nested: it went through two stages; @domain is the stage-1 domain,
 *	@domain_s2 the stage-2 one.
 * @domain_s2: see @nested.
 * @has_vm: nested, in a VM the oracle keeps (slot @vm): @guest is the IPA
 *	page of the output, as invt_oracle_guest_ref() gave it at fill.
 * @vm: see @has_vm.
 * @guest: see @has_vm.
 * @fault: a translation that failed: where (enum invt_mdev_fault).
 * @fault_ipa: with INVT_MDEV_FAULT_S2 or _S2_TABLE, the IPA whose stage-2
 *	translation faulted.
 */
struct invt_mdev_xl {
	uint64_t base;
	unsigned int shift;
	unsigned int level;
	unsigned int prot;
	uint32_t domain;
	struct invt_frame_ref leaf;
	bool stale;
	bool nested;
	uint32_t domain_s2;
	bool has_vm;
	uint32_t vm;
	struct invt_frame_ref guest;
	unsigned int fault;
	uint64_t fault_ipa;
};

/**
 * enum invt_mdev_fault - where a failed access stopped (struct
 *	invt_mdev_xl.fault).
 * @INVT_MDEV_FAULT_NONE: not known (the unit disabled, or no configuration:
 *	the arch's own configuration events say why).
 * @INVT_MDEV_FAULT_S1: stage 1 (or the only stage) found no translation.
 * @INVT_MDEV_FAULT_S2: stage 2 of the output address found none.
 * @INVT_MDEV_FAULT_S2_TABLE: stage 2 of a stage-1 table access found none.
 * @INVT_MDEV_FAULT_PERM: translated, without the permission the access
 *	needs (@nested says whether through two stages).
 */
enum invt_mdev_fault {
	INVT_MDEV_FAULT_NONE,
	INVT_MDEV_FAULT_S1,
	INVT_MDEV_FAULT_S2,
	INVT_MDEV_FAULT_S2_TABLE,
	INVT_MDEV_FAULT_PERM,
};

/**
 * typedef invt_mdev_translate_fn - the unit's own translation.
 * @unit: the unit.
 * @sid: the device's stream / requester / device id.
 * @ssid: 0 (no PASID) or the PASID.
 * @iova: the address.
 * @ats: an ATS translation request (the configuration must allow ATS).
 * @xl: out.
 *
 * Return: 0 when translated (possibly with @xl->stale), or -EFAULT.
 */
typedef int (*invt_mdev_translate_fn)(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova,
				      bool ats, struct invt_mdev_xl *xl);

/**
 * struct invt_mdev_unit - what the shared code needs of a unit.
 * @oracle: the oracle.
 * @id: the unit's instance id.
 * @translate: its translation.
 * @unit: first argument of @translate.
 * @fault: optional: an untranslated access (a device without an ATC)
 *	faulted; @xl says where.  Called with no lock held.  An ATS
 *	translation request that fails records nothing: its completion
 *	carries the failure to the device.
 * @translated: optional: whether the unit lets a Translated request of
 *	(@sid, @ssid) (an address from the device's ATC) reach memory: 0, or
 *	-EFAULT when it terminates it because ATS is off in the device's
 *	configuration (SMMUv3 STE.EATS = 0b00 with SMMU_CR0.ATSCHK = 1:
 *	abort, F_TRANSL_FORBIDDEN, IHI0070 §5.2 EATS; VT-d context-entry DTE
 *	= 0; RISC-V DC.tc.EN_ATS = 0: "Transaction type disallowed", cause
 *	260) or the unit is off.  Called with the ATC's lock held.  On 0
 *	the unit stays locked (its configuration cannot change) until
 *	@translated_end: the oracle judges the request as the unit accepted
 *	it.  A configuration invalidation that turns ATS off completes only
 *	after that, so an attachment cannot be reported done in between (a
 *	dead ATC keeps its entries: nothing else holds the commit back).
 * @translated_end: with @translated: ends what its 0 began.
 */
struct invt_mdev_unit {
	struct invt_oracle *oracle;
	uint32_t id;
	invt_mdev_translate_fn translate;
	void *unit;
	void (*fault)(void *unit, uint32_t sid, uint32_t ssid, uint64_t iova, bool write,
		      const struct invt_mdev_xl *xl);
	int (*translated)(void *unit, uint32_t sid, uint32_t ssid);
	void (*translated_end)(void *unit);
};

/**
 * invt_mdev_xl_from_entry() - a translation from a cached leaf or ATC entry.
 * @xl: out (@xl->stale untouched).
 * @e: the entry.
 */
void invt_mdev_xl_from_entry(struct invt_mdev_xl *xl, const struct invt_cache_entry *e);

/**
 * invt_mdev_dma() - one device access, translated and judged.
 * @u: the unit.
 * @atc: the device's ATC (its own lock, taken outside the unit's), or NULL
 *	for a device without ATS.
 * @sid: the device.
 * @ssid: 0 or the PASID.
 * @iova: the address.
 * @write: a write (needs write permission) or a read.
 *
 * With an ATC: a hit is a Translated request, which the unit may refuse
 * (@u->translated: ATS off in the device's configuration): then it faults
 * and nothing the ATC holds reaches memory; else it is checked by the
 * oracle (invt_oracle_check_atc()); a
 * miss sends an ATS translation request through @u->translate and fills the
 * ATC with the attachment generation invt_oracle_atc_gen() gives, all under
 * the ATC's lock, so that an ATC invalidation (which takes that lock) falls
 * wholly before or after.  Counts the access as checked or faulted.
 *
 * Return: 0 when the access went through, -EFAULT when it faulted.
 */
int invt_mdev_dma(const struct invt_mdev_unit *u, struct invt_cache *atc, uint32_t sid,
		  uint32_t ssid, uint64_t iova, bool write);

/**
 * struct invt_mdev - a device behind a modelled unit.
 * @id: its stream / requester / device id.
 * @atc: its ATC (fully associative, own lock), or NULL without ATS.
 * @atc_timeout: (atomic) ATC invalidations to it time out (a test hook).
 *
 * Allocated by invt_mdev_add(), freed with the table: pointers stay valid.
 */
struct invt_mdev {
	uint32_t id;
	struct invt_cache *atc;
	int atc_timeout;
};

/**
 * struct invt_mdev_table - a unit's devices.
 * @lock: serialises adds (never held while calling out); lookups take no
 *	lock (invt_mdev_find()).
 * @devs: the devices, in the order added; replaced (release) when it grows.
 * @nr: how many (written with release after the device is in @devs).
 * @cap: room in @devs.
 * @retired: arrays @devs replaced, freed with the table (a lookup may still
 *	walk one).
 * @direct: the devices of ids below INVT_MDEV_DIRECT by id, NULL where none
 *	(each stored with release once, after the device is set up): a lookup
 *	of such an id is one load instead of a search of @devs.
 */
struct invt_mdev_retired {
	struct invt_mdev **devs;
	struct invt_mdev_retired *next;
};

/* Ids that struct invt_mdev_table looks up directly. */
#define INVT_MDEV_DIRECT 64

struct invt_mdev_table {
	pthread_mutex_t lock;
	struct invt_mdev **devs;
	size_t nr;
	size_t cap;
	struct invt_mdev_retired *retired;
	struct invt_mdev *direct[INVT_MDEV_DIRECT];
};

/**
 * invt_mdev_table_init() - an empty table.
 * @t: the table.
 *
 * Return: 0, or pthread's error.
 */
int invt_mdev_table_init(struct invt_mdev_table *t);

/**
 * invt_mdev_table_destroy() - free every device, its ATC, and the table.
 * @t: the table; no access may be running.
 */
void invt_mdev_table_destroy(struct invt_mdev_table *t);

/**
 * invt_mdev_find() - the device with id @id.
 * @t: the table.
 * @id: the id.
 *
 * Return: the device, or NULL.
 */
struct invt_mdev *invt_mdev_find(struct invt_mdev_table *t, uint32_t id);

/**
 * invt_mdev_add() - a device, with an ATC of @atc_entries (0: no ATS).
 * @t: the table.
 * @id: its id.
 * @atc_entries: ATC capacity, at most INVT_CACHE_MAX_SLOTS.
 * @name: the ATC's name, for messages.
 * @seed: the ATC's eviction seed.
 *
 * Return: 0, -EEXIST, -EINVAL, -ENOMEM.
 */
int invt_mdev_add(struct invt_mdev_table *t, uint32_t id, unsigned int atc_entries,
		  const char *name, uint64_t seed);

#endif /* INVT_MODEL_MDEV_H */
