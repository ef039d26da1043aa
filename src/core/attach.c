// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * attach.c - attach, detach and replace as one two-phase protocol.
 *
 *   prepare  (may fail)   the new domain's array gains the attachment's
 *                         entries and is published; full barrier
 *   caller                installs the configuration, invalidates the
 *                         configuration cache and waits
 *   commit   (never fails) the device's ATC is cleaned; the old domain's
 *                         array loses the old entries; tags whose last user
 *                         left are flushed, then released; ATC quiescence
 *
 * From prepare to commit both domains invalidate for the device, so at no
 * instant can the hardware use a domain whose invalidations skip it.
 *
 * An abort before the caller started installing (invt_attach_installing())
 * only drops the new domain's entries.  After it, the device may have used
 * the new configuration, so the abort leaves the new domain as a commit
 * leaves the old one: ATC cleaned first, then the entries dropped, dead tags
 * flushed before release, ATC quiescence.
 *
 * A flush that fails (the driver's submit or wait returned an error) never
 * lets go of what it was meant to clean: a tag whose flush failed is
 * quarantined in its tag space instead of released.  An ATC whose
 * invalidation failed INVT_CMD_RETRIES_MUST times holds what nobody knows:
 * the driver turns the device's ATS off in its configuration (struct
 * invt_iommu_ops, @ats_off), after which the unit refuses the device's
 * translated traffic and nothing in its ATC can be used; then the device's
 * ATC entries leave every array its attachments put them in, so that no
 * later invalidation waits on an ATC that does not answer.  Where the
 * driver cannot turn ATS off, the entries stay in the domain's array.  An
 * unmap whose invalidation meets such an ATC while its device is attached
 * does the same from the flush path (invt_atc_dead_off()): each instance
 * keeps its devices in use (iommu->devs), found by the ATC entry's SID.
 */
#include "internal.h"

static bool type_is_atc(uint8_t type)
{
	return type == INVT_INV_ATC || type == INVT_INV_ATC_FULL;
}

/*
 * Relaxed: dev->ats goes from true to false once (ats_off_device()), after
 * the driver's configuration invalidation completed; a reader that still
 * sees true adds or flushes ATC entries that are harmless and are taken out
 * again (invt_attach_commit()).
 */
bool invt_device_ats(const struct invt_device *dev)
{
	return __atomic_load_n(&dev->ats, __ATOMIC_RELAXED);
}

static struct invt_tag_space *domain_tag_space(struct invt_iommu *iommu,
					       const struct invt_domain *dom)
{
	return iommu->tags[dom->type == INVT_DOMAIN_S1 ? 0 : 1];
}

/*
 * The domain holding the tag an attachment to @dom uses on @iommu: @dom's
 * array owner (a nested domain's parent: the parent's stage-2 tag, SMMUv3
 * VMID, RISC-V GSCID), or, on an instance with INVT_IOMMU_NESTED_OWN_TAGS,
 * the nested domain itself (a VT-d DID per nested domain).  Either way its
 * bindings change only under the owner's lock.
 */
static struct invt_domain *tag_holder(struct invt_domain *dom, const struct invt_iommu *iommu)
{
	if (dom->type == INVT_DOMAIN_NESTED && (iommu->flags & INVT_IOMMU_NESTED_OWN_TAGS))
		return dom;
	return invt_invs_owner(dom);
}

static struct invt_tag_binding *binding_find(struct invt_domain *owner,
					     const struct invt_tag_space *ts)
{
	unsigned int i;

	for (i = 0; i < owner->nr_bindings; i++)
		if (owner->bindings[i].space == ts)
			return &owner->bindings[i];
	return NULL;
}

/*
 * The owner's binding in @ts, created with a fresh tag if there is none.
 * *@created tells whether it was.  Caller holds owner->lock.
 */
static int binding_get(struct invt_domain *owner, struct invt_tag_space *ts,
		       struct invt_tag_binding **out, bool *created)
{
	struct invt_tag_binding *b = binding_find(owner, ts);
	uint32_t tag;
	int ret;

	*created = false;
	if (b) {
		*out = b;
		return 0;
	}
	if (owner->nr_bindings == owner->cap_bindings) {
		unsigned int cap = owner->cap_bindings ? 2 * owner->cap_bindings : 2;
		struct invt_tag_binding *nb = invt_zalloc(cap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		if (owner->nr_bindings)
			memcpy(nb, owner->bindings, owner->nr_bindings * sizeof(*nb));
		invt_free(owner->bindings);
		owner->bindings = nb;
		owner->cap_bindings = cap;
	}
	ret = invt_tag_get(ts, &tag);
	if (ret)
		return ret;
	b = &owner->bindings[owner->nr_bindings++];
	b->space = ts;
	b->tag = tag;
	b->users = 0;
	*created = true;
	*out = b;
	return 0;
}

/*
 * Drop one user of @b; at 0 the tag goes back (the caller flushed it, or
 * quarantined what did not flush), unless @keep_tag: then it stays held for
 * good (a failed flush that could not even be quarantined).  @owner is the
 * domain holding @b (tag_holder()).
 */
static void binding_put(struct invt_domain *owner, struct invt_tag_binding *b, bool keep_tag)
{
	if (--b->users)
		return;
	if (!keep_tag)
		invt_tag_release(b->space, b->tag);
	*b = owner->bindings[--owner->nr_bindings];
}

static size_t entries_count(const struct invt_device *dev, const struct invt_domain *dom)
{
	size_t n = dom->type == INVT_DOMAIN_NESTED ? 2 : 1;

	return n + (invt_device_ats(dev) ? dev->nr_sids : 0);
}

/* Insert @e into the sorted @invs (room is there). */
static void entries_insert(struct invt_invs *invs, const struct invt_inv *e)
{
	size_t i = invs->num_invs++;

	while (i && invt_invs_cmp(&invs->inv[i - 1], e) > 0) {
		invs->inv[i] = invs->inv[i - 1];
		i--;
	}
	invs->inv[i] = *e;
}

/*
 * The sorted entries an attachment of (@dev, @ssid) to @dom needs, with the
 * tag @tag: its stage's IOTLB tag; for a nested domain the stage-2 tag it
 * is walked with (the parent's, or its own with INVT_IOMMU_NESTED_OWN_TAGS)
 * and the stage-1 clear of that tag; one ATC entry per SID when ATS is on
 * (the whole ATC when nested: the guest's PASIDs are not known).
 */
static void entries_fill(struct invt_invs *invs, const struct invt_device *dev, uint32_t ssid,
			 const struct invt_domain *dom, uint32_t tag)
{
	struct invt_inv e = { .iommu = dev->iommu, .id = tag, .users = 1 };
	bool ats = invt_device_ats(dev);
	unsigned int i;

	invs->num_invs = 0;
	switch (dom->type) {
	case INVT_DOMAIN_S1:
		e.type = INVT_INV_IOTLB_S1;
		/* VT-d tags first-stage entries with DID and PASID. */
		e.ssid = dev->iommu->flags & INVT_IOMMU_S1_PASID_TAGS ? ssid : 0;
		entries_insert(invs, &e);
		e.ssid = 0;
		break;
	case INVT_DOMAIN_S2:
		e.type = INVT_INV_IOTLB_S2;
		entries_insert(invs, &e);
		break;
	case INVT_DOMAIN_NESTED:
		/* Ablation: the parent knows no tag of its nested domains (VT-d, 2024). */
		if (invt_ablated(dom->ctx, INVT_ABLATE_PARENT_TAGS))
			break;
		e.type = INVT_INV_IOTLB_S2;
		entries_insert(invs, &e);
		/* Ablation: the parent unmap leaves combined entries. */
		if (invt_ablated(dom->ctx, INVT_ABLATE_PARENT_FLUSH))
			break;
		e.type = INVT_INV_IOTLB_S2_S1_CLEAR;
		entries_insert(invs, &e);
		break;
	}
	for (i = 0; ats && i < dev->nr_sids; i++) {
		if (dom->type == INVT_DOMAIN_NESTED &&
		    invt_ablated(dom->ctx, INVT_ABLATE_NESTED_ATC))
			break;
		e.type = dom->type == INVT_DOMAIN_NESTED ? INVT_INV_ATC_FULL : INVT_INV_ATC;
		e.id = dev->sids[i];
		e.ssid = dom->type == INVT_DOMAIN_NESTED ? 0 : ssid;
		entries_insert(invs, &e);
	}
	invs->has_atc = ats;
}

static const struct invt_range range_all = { .all = true };

/*
 * Flush, on the device's instance, the entries of @del whose bit is set in
 * @mask: a private sorted array handed to the flush engine, which skips
 * users == 0.  Return: 0, or the first submit or wait error.
 */
static int entries_flush(struct invt_ctx *ctx, struct invt_invs *del, uint32_t mask)
{
	size_t i;

	for (i = 0; i < del->num_invs; i++)
		del->inv[i].users = !!(mask & (1u << i));
	if (!mask)
		return 0;
	return invt_invs_flush(ctx, del, &range_all);
}

/* The entries of @del (at most 32) that are ATC entries. */
static uint32_t atc_mask(const struct invt_invs *del)
{
	uint32_t mask = 0;
	size_t i;

	for (i = 0; i < del->num_invs; i++)
		if (type_is_atc(del->inv[i].type))
			mask |= 1u << i;
	return mask;
}

/* The entries of @del that unref() marked as having lost their last user. */
static uint32_t dead_mask(const struct invt_invs *del)
{
	uint32_t mask = 0;
	size_t i;

	for (i = 0; i < del->num_invs; i++)
		if (!del->inv[i].users)
			mask |= 1u << i;
	return mask;
}

/* Keep only the entries of @del whose bit is set in @mask, in order. */
static void entries_keep(struct invt_invs *del, uint32_t mask)
{
	size_t i, j = 0;

	for (i = 0; i < del->num_invs; i++)
		if (mask & (1u << i))
			del->inv[j++] = del->inv[i];
	del->num_invs = j;
}

/*
 * Take @del's entries out of @owner's array, in place (readers may walk it).
 * Return: the entries of @del whose last user left.  Caller holds owner->lock.
 */
static uint32_t entries_unref(struct invt_domain *owner, struct invt_invs *del)
{
	size_t i;

	for (i = 0; i < del->num_invs; i++)
		del->inv[i].users = 1;
	if (!invt_invs_unref(owner->invs, del))
		return 0;
	return dead_mask(del);
}

/*
 * Purge @owner's trash; also rebuild an array whose last ATC entry was cut
 * off the end, so that its has_atc says what it holds.  owner->lock held.
 */
static void owner_purge(struct invt_domain *owner)
{
	struct invt_invs *purged = invt_invs_purge(owner->invs);

	if (!purged && invt_invs_stale_atc(owner->invs))
		purged = invt_invs_filter(owner->invs, NULL, NULL);
	if (purged) {
		struct invt_invs *old = owner->invs;

		invt_rcu_assign_pointer(owner->invs, purged);
		invt_invs_free_rcu(owner->ctx, old);
	}
}

/*
 * The device's ATS is off (its configuration invalidation completed): take
 * the ATC entries of @entries, an attachment's, out of @dom's array and out
 * of @entries.  Nothing is flushed: the unit refuses the device's translated
 * traffic, so what its ATC holds is never used.  Never fails.
 */
static void domain_drop_atc(struct invt_domain *dom, struct invt_invs *entries)
{
	struct invt_domain *owner = invt_invs_owner(dom);
	struct invt_inv all[32];
	size_t n = entries->num_invs;
	uint32_t atc = atc_mask(entries), dead;

	INVT_DEBUG_ASSERT(n <= 32);
	if (!atc)
		return;
	memcpy(all, entries->inv, n * sizeof(all[0]));
	entries_keep(entries, atc);
	invt_mutex_lock(&owner->lock);
	dead = entries_unref(owner, entries);
	/* Detach quiescence, as in domain_leave(). */
	if (dead && !invt_ablated(owner->ctx, INVT_ABLATE_QUIESCE)) {
		invt_smp_mb();
		invt_inv_quiesce(owner);
	}
	owner_purge(owner);
	invt_mutex_unlock(&owner->lock);
	memcpy(entries->inv, all, n * sizeof(all[0]));
	entries->num_invs = n;
	entries_keep(entries, ~atc);
	entries->has_atc = 0;
}

/*
 * An idle attached slot of @dev whose entries still hold ATC entries, made
 * busy (the caller's to release), or NULL.
 */
static struct invt_attachment *slot_claim_atc(struct invt_device *dev)
{
	struct invt_attachment *a = NULL;
	uint32_t i;

	invt_mutex_lock(&dev->lock);
	for (i = 0; i < dev->nr_slots; i++) {
		struct invt_attachment *s = dev->slots[i];

		if (s && !s->busy && !s->left && s->domain && s->entries &&
		    atc_mask(s->entries)) {
			s->busy = true;
			a = s;
			break;
		}
	}
	invt_mutex_unlock(&dev->lock);
	return a;
}

/*
 * The ATC of @dev did not answer: have the driver turn its ATS off, then
 * take its ATC entries out of the arrays of its idle attachments.  Busy
 * ones (transactions in flight, the caller's included) drop theirs as they
 * end (domain_leave() flushes no ATC once ATS is off, invt_attach_commit()
 * strips the new domain's).  Return: 0, or the driver's error (ATS may
 * still be on: nothing changed here).
 */
static int ats_off_device(struct invt_device *dev)
{
	struct invt_iommu *iommu = dev->iommu;
	struct invt_attachment *a;
	int ret;

	if (!iommu->ops->ats_off)
		return -EOPNOTSUPP;
	/* Another transaction of @dev turned it off already: only the arrays. */
	if (invt_device_ats(dev)) {
		ret = iommu->ops->ats_off(iommu, dev);
		if (ret)
			return ret;
		__atomic_store_n(&dev->ats, false, __ATOMIC_RELAXED);
	}
	while ((a = slot_claim_atc(dev))) {
		domain_drop_atc(a->domain, a->entries);
		invt_mutex_lock(&dev->lock);
		a->busy = false;
		invt_mutex_unlock(&dev->lock);
	}
	return 0;
}

/*
 * @dev has a slot in use (the caller's transaction claimed it) and was not
 * linked when it did: make it findable from its SIDs (invt_atc_dead_off()).
 * @linked is written under both iommu->devs_lock and dev->lock, so either
 * lock reads it.  No core lock held.
 */
static void device_link(struct invt_device *dev)
{
	struct invt_iommu *iommu = dev->iommu;

	invt_mutex_lock(&iommu->devs_lock);
	invt_mutex_lock(&dev->lock);
	if (!dev->linked) {
		invt_list_add_tail(&dev->dev_node, &iommu->devs);
		dev->linked = true;
	}
	invt_mutex_unlock(&dev->lock);
	invt_mutex_unlock(&iommu->devs_lock);
}

/* Whether @dev is listed with no ssid in use: unlink it.  dev->lock held. */
static bool device_idle_linked(const struct invt_device *dev)
{
	return dev->linked && !dev->nr_used;
}

/*
 * The caller's transaction on @dev ended: if no ssid of @dev is in use any
 * more, take it out of iommu->devs, before the caller may destroy it (a
 * transaction of @dev that claimed a slot since links it again after its
 * claim).  The common case (still in use, or never linked) costs dev->lock.
 * No core lock held.
 */
static void device_unlink_idle(struct invt_device *dev)
{
	struct invt_iommu *iommu = dev->iommu;
	bool idle;

	invt_mutex_lock(&dev->lock);
	idle = device_idle_linked(dev);
	invt_mutex_unlock(&dev->lock);
	if (!idle)
		return;
	/* Again under both locks: another transaction may have begun. */
	invt_mutex_lock(&iommu->devs_lock);
	invt_mutex_lock(&dev->lock);
	if (device_idle_linked(dev)) {
		invt_list_del(&dev->dev_node);
		dev->linked = false;
	}
	invt_mutex_unlock(&dev->lock);
	invt_mutex_unlock(&iommu->devs_lock);
}

/* ATC entries of distinct devices the unmap path probes in one pass. */
#define INVT_MAX_DEAD_ATCS 8

/* An ATC entry's device: its instance and SID. */
struct atc_id {
	struct invt_iommu *iommu;
	uint32_t sid;
};

/* A private array of one entry, on the stack. */
union one_inv {
	struct invt_invs invs;
	char room[sizeof(struct invt_invs) + sizeof(struct invt_inv)];
};

/*
 * Whether the ATC of entry @inv does not answer: its invalidation alone
 * failed INVT_CMD_RETRIES_MUST sends in a row, the rule of a commit's ATC
 * clean (domain_leave()).  Sent from inside an invalidator section of the
 * array @inv was loaded from, so a detach of its device waits for it.
 */
static bool atc_dead(struct invt_ctx *ctx, const struct invt_inv *inv)
{
	union one_inv one;
	unsigned int round = 0;
	int err;

	one.invs.num_invs = 1;
	one.invs.num_trashes = 0;
	one.invs.has_atc = 1;
	one.invs.inv[0] = (struct invt_inv){ .iommu = inv->iommu, .type = inv->type,
					     .id = inv->id, .ssid = inv->ssid, .users = 1 };
	do
		err = invt_invs_flush(ctx, &one.invs, &range_all);
	while (err == -EIO && ++round < INVT_CMD_RETRIES_MUST / (INVT_CMD_RETRIES + 1));
	return err == -EIO;
}

/*
 * Find, in @owner's array, the ATC entries whose ATC does not answer (each
 * device once, at most INVT_MAX_DEAD_ATCS): into @dead.  Return: how many.
 */
static unsigned int find_dead_atcs(struct invt_domain *owner, struct atc_id *dead)
{
	const struct invt_invs *invs;
	struct invt_reader *self;
	struct atc_id last = { NULL, 0 };
	unsigned int nr = 0, k;
	size_t n, i;

	/*
	 * An invalidator section, as domain_flush() enters one (the barrier
	 * pairs with the one before invt_inv_quiesce() in a detach): a detach
	 * that unrefs an ATC entry we may still send to waits for us.
	 */
	self = invt_inv_enter_mb(owner);
	invt_invs_read_lock();
	invs = invt_rcu_dereference(owner->invs);
	/* Loaded once: unref may lower it under us (see <invtrack/invs.h>). */
	n = INVT_READ_ONCE(invs->num_invs);
	for (i = 0; i < n && nr < INVT_MAX_DEAD_ATCS; i++) {
		const struct invt_inv *inv = &invs->inv[i];
		struct atc_id id = { inv->iommu, inv->id };

		/* Relaxed: see <invtrack/invs.h>, reader rules. */
		if (!type_is_atc(inv->type) || !INVT_READ_ONCE(inv->users) || !id.iommu ||
		    !id.iommu->ops->ats_off)
			continue;
		/* One probe a device: its entries of one type are adjacent. */
		if (id.iommu == last.iommu && id.sid == last.sid)
			continue;
		last = id;
		for (k = 0; k < nr; k++)
			if (dead[k].iommu == id.iommu && dead[k].sid == id.sid)
				break;
		if (k == nr && atc_dead(owner->ctx, inv))
			dead[nr++] = id;
	}
	invt_invs_read_unlock();
	invt_inv_exit(self);
	return nr;
}

/*
 * Turn ATS off for the device of @iommu that has @sid and an ssid in use,
 * if its ATS is still on (ats_off_device()).  iommu->devs_lock is held
 * across it, so the device cannot leave meanwhile.
 * Return: whether this call turned it off.
 */
static bool ats_off_sid(struct invt_iommu *iommu, uint32_t sid)
{
	struct invt_device *found = NULL;
	struct invt_list *pos;
	unsigned int i;
	bool off = false;

	invt_mutex_lock(&iommu->devs_lock);
	invt_list_for_each(pos, &iommu->devs) {
		struct invt_device *dev = invt_container_of(pos, struct invt_device, dev_node);

		for (i = 0; i < dev->nr_sids && !found; i++)
			if (dev->sids[i] == sid)
				found = dev;
		if (found)
			break;
	}
	if (found && invt_device_ats(found))
		off = !ats_off_device(found);
	invt_mutex_unlock(&iommu->devs_lock);
	return off;
}

int invt_atc_dead_off(struct invt_domain *dom)
{
	struct atc_id dead[INVT_MAX_DEAD_ATCS];
	unsigned int nr, i;
	int off = 0;

	nr = find_dead_atcs(invt_invs_owner(dom), dead);
	for (i = 0; i < nr; i++)
		off += ats_off_sid(dead[i].iommu, dead[i].sid);
	return off;
}

/*
 * Remove the attachment's entries @del from @dom's array (for a nested
 * domain, its parent's).  @clean_atc: first invalidate the device's ATC for
 * them (the device used @dom and no longer does: commit, or an abort after
 * install).  @in_array: @del's entries are still in the array (false only
 * in an ablation build, "two-phase": prepare took them out already and
 * left their users in @del).  Never fails.  Frees @del.
 */
static void domain_leave(struct invt_domain *dom, struct invt_device *dev, struct invt_invs *del,
			 bool clean_atc, bool in_array)
{
	struct invt_domain *owner = invt_invs_owner(dom), *holder;
	struct invt_ctx *ctx = owner->ctx;
	struct invt_tag_binding *b;
	uint32_t dead = in_array ? 0 : dead_mask(del), iotlb, atc = atc_mask(del);
	bool keep_tag = false;
	size_t i;
	int err = 0;

	INVT_DEBUG_ASSERT(del->num_invs <= 32);
	/*
	 * The device now uses another configuration, so nothing refills its ATC
	 * from @dom; what it holds from @dom goes now.  @dom's array still holds
	 * the entries, so invalidations of @dom keep covering the device until
	 * the unref below.  Nothing else can clean it (the caller cannot
	 * fail), so a failed flush is tried again, up to INVT_CMD_RETRIES_MUST
	 * sends in all (each flush sends up to INVT_CMD_RETRIES + 1 times).
	 */
	if (clean_atc && invt_device_ats(dev)) {
		unsigned int round = 0;

		do
			err = entries_flush(ctx, del, atc);
		while (err == -EIO &&
		       ++round < INVT_CMD_RETRIES_MUST / (INVT_CMD_RETRIES + 1));
		/*
		 * An ATC that never answers: with ATS off it can no longer be
		 * used, and its entries leave the array below as usual.
		 */
		if (err && !ats_off_device(dev))
			err = 0;
	}
	invt_hook(ctx, INVT_HOOK_COMMIT_BEFORE_UNREF);

	invt_mutex_lock(&owner->lock);
	if (in_array) {
		/*
		 * An ATC whose invalidation did not complete may still hold @dom's
		 * translations: its entries stay in @dom's array (with the user
		 * this attachment gave them), so that every later invalidation of
		 * @dom keeps covering it, until @dom is destroyed.
		 */
		if (err) {
			entries_keep(del, ~atc);
			atc = 0;
		}
		dead = entries_unref(owner, del);
	}
	iotlb = dead & ~atc_mask(del);

	/*
	 * "A tag no array holds is clean in the IOTLB": flush and wait for each
	 * entry whose last user left, before its tag can be released below.
	 * When that flush fails, the entries go to the tag space's quarantine
	 * and the tag stays held until a later flush of them completes.
	 */
	err = 0;
	if (iotlb && !invt_ablated(ctx, INVT_ABLATE_TAG_FLUSH))
		err = entries_flush(ctx, del, iotlb);

	holder = tag_holder(dom, dev->iommu);
	b = binding_find(holder, domain_tag_space(dev->iommu, dom));
	INVT_DEBUG_ASSERT(b);
	for (i = 0; err && b && i < del->num_invs; i++)
		if ((iotlb & (1u << i)) && invt_tag_quarantine(b->space, &del->inv[i]))
			keep_tag = true;
	if (b)
		binding_put(holder, b, keep_tag);

	/*
	 * Detach quiescence: every invalidator that may have seen the ATC
	 * entry live is inside a section of @owner (flush.c, domain_flush),
	 * entered before its full barrier and its loads of the array; wait for
	 * each one in progress to end.  Full barrier: our unref's stores are
	 * visible before we read the sections' records; pairs with the barrier
	 * at the top of domain_flush().  Forbidden: an invalidator that loads
	 * the entry as live while we miss its section (store buffering); with
	 * both barriers, one of the two sees the other.
	 */
	if ((dead & atc) && !invt_ablated(ctx, INVT_ABLATE_QUIESCE)) {
		invt_smp_mb();
		invt_inv_quiesce(owner);
	}

	owner_purge(owner);
	invt_mutex_unlock(&owner->lock);

	__atomic_fetch_sub(&dom->nr_attached, 1, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&dev->iommu->nr_attached, 1, __ATOMIC_RELEASE);
	invt_invs_free(del);
}

/* Merge the attachment's entries into @dom's array and publish it. */
static int domain_join(struct invt_domain *dom, struct invt_device *dev, uint32_t ssid,
		       struct invt_invs **entries)
{
	struct invt_domain *owner = invt_invs_owner(dom), *holder = tag_holder(dom, dev->iommu);
	struct invt_tag_binding *b;
	struct invt_invs *add, *merged, *old;
	struct invt_tag_space *ts;
	bool created;
	int ret;

	add = invt_invs_alloc(entries_count(dev, dom));
	if (!add)
		return -ENOMEM;

	invt_mutex_lock(&owner->lock);
	ts = domain_tag_space(dev->iommu, dom);
	/*
	 * Entries whose flush failed are tried again first.  A tag of ours
	 * still quarantined on this instance may hide our own freed pages in
	 * its IOTLB: no attachment uses it there until a flush of it completes.
	 * (A new tag never is: the quarantine holds its tags.)
	 */
	if (invt_tag_retry(ts)) {
		b = binding_find(holder, ts);
		if (b && invt_tag_dirty_on(ts, dev->iommu, b->tag)) {
			ret = -EIO;
			goto out_unlock;
		}
	}
	ret = binding_get(holder, ts, &b, &created);
	if (ret)
		goto out_unlock;
	entries_fill(add, dev, ssid, dom, b->tag);
	ret = invt_invs_merge(owner->invs, add, &merged);
	if (ret) {
		if (created) {
			/* Never used: the tag goes back unflushed, the binding with it. */
			invt_tag_put(b->space, b->tag);
			holder->nr_bindings--;
		}
		goto out_unlock;
	}
	b->users++;
	old = owner->invs;
	invt_rcu_assign_pointer(owner->invs, merged);
	invt_invs_free_rcu(owner->ctx, old);
	__atomic_fetch_add(&dom->nr_attached, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&dev->iommu->nr_attached, 1, __ATOMIC_RELAXED);
	invt_mutex_unlock(&owner->lock);
	*entries = add;
	return 0;

out_unlock:
	invt_mutex_unlock(&owner->lock);
	invt_invs_free(add);
	return ret;
}

/*
 * Ablation builds ("two-phase"): the old domain lets go of the device in
 * prepare, long before the device stops using it.  Only the array changes:
 * @del's entries are unref'd (their users, as unref reports them, stay in
 * @del for the commit that finishes the leave); the tag and the counts stay
 * held, so that an abort can give the entries back.
 */
static void domain_drop_early(struct invt_domain *dom, struct invt_invs *del)
{
	struct invt_domain *owner = invt_invs_owner(dom);

	invt_mutex_lock(&owner->lock);
	entries_unref(owner, del);
	invt_mutex_unlock(&owner->lock);
}

/*
 * Undo domain_drop_early(): merge @del's entries back into @dom's array.
 * Return: 0, or -ENOMEM (the array stays without them).
 */
static int domain_rejoin(struct invt_domain *dom, struct invt_invs *del)
{
	struct invt_domain *owner = invt_invs_owner(dom);
	struct invt_invs *merged, *old;
	int ret;

	invt_mutex_lock(&owner->lock);
	ret = invt_invs_merge(owner->invs, del, &merged);
	if (!ret) {
		old = owner->invs;
		invt_rcu_assign_pointer(owner->invs, merged);
		invt_invs_free_rcu(owner->ctx, old);
	}
	invt_mutex_unlock(&owner->lock);
	return ret;
}

/*
 * End the transaction on @slot: it now points at @dom (freed when NULL), and
 * @left says whether @entries are already out of @dom's array (ablation).
 * No slot: the detach of an ssid that was blocked and idle.
 */
static void slot_release(struct invt_device *dev, struct invt_attachment *slot,
			 struct invt_domain *dom, struct invt_invs *entries, bool left)
{
	if (!slot)
		return;
	invt_mutex_lock(&dev->lock);
	slot->domain = dom;
	slot->entries = entries;
	slot->left = left;
	slot->busy = false;
	invt_slot_put(dev, slot);
	invt_mutex_unlock(&dev->lock);
}

int invt_attach_prepare(struct invt_attach *tx, struct invt_device *dev, uint32_t ssid,
			struct invt_domain *new)
{
	struct invt_ctx *ctx;
	bool left = false, link;
	int ret;

	if (ssid >= dev->nr_ssids || !dev->iommu->ctx)
		return -EINVAL;
	ctx = dev->iommu->ctx;
	/*
	 * The array that changes is the owner's (a nested domain's parent): it
	 * must be of the device's context too, or our instance's entries would
	 * be compared with another context's, whose instance ids and tags are
	 * numbered apart (invt_domain_init() refuses such a parent already).
	 */
	if (new && (new->ctx != ctx || invt_invs_owner(new)->ctx != ctx))
		return -EINVAL;

	invt_mutex_lock(&dev->lock);
	/*
	 * A detach allocates nothing: an ssid with no slot is blocked and idle,
	 * and detaching it is a transaction with nothing to do (no slot).
	 */
	tx->slot = new ? invt_slot_get(dev, ssid) : invt_slot_find(dev, ssid);
	if (new && !tx->slot) {
		invt_mutex_unlock(&dev->lock);
		return -ENOMEM;
	}
	if (tx->slot && tx->slot->busy) {
		invt_mutex_unlock(&dev->lock);
		return -EBUSY;
	}
	if (tx->slot) {
		tx->slot->busy = true;
		left = tx->slot->left;
	}
	tx->dev = dev;
	tx->ssid = ssid;
	tx->old = tx->slot ? tx->slot->domain : NULL;
	tx->new = new;
	tx->add = NULL;
	tx->installing = false;
	/* Only a device with ATS can have ATC entries to be found by. */
	link = new && !dev->linked && invt_device_ats(dev);
	invt_mutex_unlock(&dev->lock);

	/* Findable from its SIDs while it is in use (invt_atc_dead_off()). */
	if (link)
		device_link(dev);

	if (new) {
		/* An upper layer's hold (struct invt_domain_pin_ops): nothing changed yet. */
		ret = new->pin_ops ? new->pin_ops->pin(new->pin_arg, new, dev, ssid) : 0;
		if (!ret) {
			ret = domain_join(new, dev, ssid, &tx->add);
			if (ret && new->pin_ops)
				new->pin_ops->unpin(new->pin_arg, new, dev, ssid);
		}
		if (ret) {
			slot_release(dev, tx->slot, tx->old, tx->slot->entries, left);
			device_unlink_idle(dev);
			return ret;
		}
	}

	if (invt_ablated(ctx, INVT_ABLATE_TWO_PHASE) && tx->old && !left) {
		/* The bug being modelled: the old domain lets go before the device does. */
		domain_drop_early(tx->old, tx->slot->entries);
		invt_mutex_lock(&dev->lock);
		tx->slot->left = true;
		invt_mutex_unlock(&dev->lock);
		invt_hook(ctx, INVT_HOOK_TWO_PHASE_GAP);
	}

	/*
	 * Full barrier: the array published above is visible before the caller
	 * installs the configuration that lets the hardware walk the table.
	 * Pairs with the barrier at the top of the invalidation fast path
	 * (flush.c, domain_flush): without both, an invalidator could load the
	 * array from before this attach while the newly attached hardware reads
	 * a PTE from before that invalidator cleared it (store buffering).
	 */
	invt_smp_mb();
	invt_hook(ctx, INVT_HOOK_PREPARE_PUBLISHED);
	return 0;
}

void invt_attach_installing(struct invt_attach *tx)
{
	tx->installing = true;
}

void invt_attach_commit(struct invt_attach *tx)
{
	struct invt_device *dev = tx->dev;
	struct invt_attachment *att = tx->slot;

	if (tx->old)
		domain_leave(tx->old, dev, att->entries, true, !att->left);
	/*
	 * ATS went off since prepare (this leave's ATC did not answer, or
	 * another transaction's): the new domain keeps no ATC entry of ours.
	 */
	if (tx->add && !invt_device_ats(dev))
		domain_drop_atc(tx->new, tx->add);
	slot_release(dev, att, tx->new, tx->add, false);
	device_unlink_idle(dev);
	/* After the slot: an unpin may let the upper layer free what it pinned. */
	if (tx->old && tx->old->pin_ops)
		tx->old->pin_ops->unpin(tx->old->pin_arg, tx->old, dev, tx->ssid);
}

void invt_attach_abort(struct invt_attach *tx)
{
	struct invt_device *dev = tx->dev;
	struct invt_attachment *att = tx->slot;
	struct invt_ctx *ctx = dev->iommu->ctx;
	bool left = att && att->left;

	/*
	 * Once installing began, the device may have used tx->new: it leaves
	 * it as a commit leaves the old domain, ATC first (the caller already
	 * put the old configuration back and invalidated it, so nothing
	 * refills the ATC from tx->new).  Before that, nothing to clean.
	 */
	if (tx->new)
		domain_leave(tx->new, dev, tx->add,
			     tx->installing && !invt_ablated(ctx, INVT_ABLATE_ABORT_ATC), true);
	/* Ablation builds: give the old domain back what prepare took out early. */
	if (left && tx->old && !domain_rejoin(tx->old, att->entries))
		left = false;
	/*
	 * ATS went off while this slot was busy (this leave's ATC did not
	 * answer, or another transaction's): the old domain, which the slot
	 * keeps, holds no ATC entry of ours any more.
	 */
	if (tx->old && !left && att->entries && !invt_device_ats(dev))
		domain_drop_atc(tx->old, att->entries);
	slot_release(dev, att, tx->old, att ? att->entries : NULL, left);
	device_unlink_idle(dev);
	tx->add = NULL;
	if (tx->new && tx->new->pin_ops)
		tx->new->pin_ops->unpin(tx->new->pin_arg, tx->new, dev, tx->ssid);
}

int invt_attach(struct invt_device *dev, uint32_t ssid, struct invt_domain *new)
{
	struct invt_attach tx;
	int ret = invt_attach_prepare(&tx, dev, ssid, new);

	if (!ret)
		invt_attach_commit(&tx);
	return ret;
}

int invt_domain_tag_locked(struct invt_domain *dom, struct invt_iommu *iommu, uint32_t *tag)
{
	struct invt_tag_binding *b = binding_find(tag_holder(dom, iommu),
						  domain_tag_space(iommu, dom));

	if (!b)
		return -ENOENT;
	*tag = b->tag;
	return 0;
}

int invt_domain_tag(struct invt_domain *dom, struct invt_iommu *iommu, uint32_t *tag)
{
	struct invt_domain *owner = invt_invs_owner(dom);
	int ret;

	invt_mutex_lock(&owner->lock);
	ret = invt_domain_tag_locked(dom, iommu, tag);
	invt_mutex_unlock(&owner->lock);
	return ret;
}
