// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * objects.c - contexts, instances, devices and domains: set up and tear down.
 */
#include "internal.h"

void invt_ctx_init(struct invt_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	invt_mutex_init(&ctx->lock);
	invt_list_init(&ctx->iommus);
	invt_list_init(&ctx->domains);
}

int invt_ctx_destroy(struct invt_ctx *ctx)
{
	if (!invt_list_empty(&ctx->iommus) || !invt_list_empty(&ctx->domains))
		return -EBUSY;
	/* Run the pending call_rcu frees, so that leak checkers see them. */
	invt_rcu_barrier();
	invt_mutex_destroy(&ctx->lock);
	return 0;
}

void invt_rcu_register_thread(void)
{
	urcu_memb_register_thread();
	invt_rcu_set_registered(true);
}

void invt_rcu_unregister_thread(void)
{
	invt_rcu_set_registered(false);
	urcu_memb_unregister_thread();
}

int invt_iommu_register(struct invt_ctx *ctx, struct invt_iommu *iommu)
{
	struct invt_list *pos;

	if (!iommu->ops || !iommu->ops->build || !iommu->ops->build_sync ||
	    !iommu->ops->submit || !iommu->ops->wait || !iommu->tags[0] || !iommu->tags[1])
		return -EINVAL;
	invt_mutex_lock(&ctx->lock);
	invt_list_for_each(pos, &ctx->iommus) {
		if (invt_container_of(pos, struct invt_iommu, node)->id == iommu->id) {
			invt_mutex_unlock(&ctx->lock);
			return -EEXIST;
		}
	}
	iommu->ctx = ctx;
	iommu->nr_attached = 0;
	invt_list_add_tail(&iommu->node, &ctx->iommus);
	invt_mutex_unlock(&ctx->lock);
	return 0;
}

static bool inv_not_of(const struct invt_inv *inv, const void *iommu)
{
	return inv->iommu != iommu;
}

static bool invs_names(const struct invt_invs *invs, const struct invt_iommu *iommu)
{
	size_t i;

	for (i = 0; i < invs->num_invs; i++)
		if (invs->inv[i].iommu == iommu)
			return true;
	return false;
}

int invt_iommu_unregister(struct invt_iommu *iommu)
{
	struct invt_ctx *ctx = iommu->ctx;
	struct invt_list *pos;
	int ret = 0;

	if (!ctx)
		return -EINVAL;
	if (__atomic_load_n(&iommu->nr_attached, __ATOMIC_ACQUIRE))
		return -EBUSY;
	invt_mutex_lock(&ctx->lock);
	invt_list_for_each(pos, &ctx->domains) {
		struct invt_domain *dom = invt_container_of(pos, struct invt_domain, node);
		struct invt_invs *old, *clean;

		invt_mutex_lock(&dom->lock);
		old = dom->invs;
		if (invs_names(old, iommu)) {
			clean = invt_invs_filter(old, inv_not_of, iommu);
			if (clean) {
				invt_rcu_assign_pointer(dom->invs, clean);
				invt_invs_free_rcu(old);
			} else {
				ret = -ENOMEM;
			}
		}
		invt_mutex_unlock(&dom->lock);
		if (ret)
			break;
	}
	if (!ret)
		invt_list_del(&iommu->node);
	invt_mutex_unlock(&ctx->lock);
	if (ret)
		return ret;
	/* Readers that loaded an array naming @iommu have left: it may be freed. */
	invt_synchronize_rcu();
	iommu->ctx = NULL;
	return 0;
}

int invt_device_init(struct invt_device *dev, struct invt_iommu *iommu, const uint32_t *sids,
		     unsigned int nr_sids, uint32_t nr_ssids, bool ats)
{
	unsigned int i, j;

	if (!iommu || !iommu->ctx || !nr_sids || nr_sids > INVT_MAX_SIDS || !nr_ssids ||
	    nr_ssids > (1u << 20))
		return -EINVAL;
	for (i = 0; i < nr_sids; i++)
		for (j = 0; j < i; j++)
			if (sids[i] == sids[j])
				return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->att = invt_zalloc(nr_ssids * sizeof(*dev->att));
	if (!dev->att)
		return -ENOMEM;
	for (i = 0; i < nr_sids; i++)
		dev->sids[i] = sids[i];
	dev->iommu = iommu;
	dev->nr_sids = nr_sids;
	dev->nr_ssids = nr_ssids;
	dev->ats = ats;
	invt_mutex_init(&dev->lock);
	return 0;
}

int invt_device_destroy(struct invt_device *dev)
{
	uint32_t i;

	for (i = 0; i < dev->nr_ssids; i++)
		if (dev->att[i].domain || dev->att[i].busy)
			return -EBUSY;
	invt_mutex_destroy(&dev->lock);
	invt_free(dev->att);
	dev->att = NULL;
	return 0;
}

struct invt_domain *invt_device_domain(struct invt_device *dev, uint32_t ssid)
{
	struct invt_domain *dom;

	if (ssid >= dev->nr_ssids)
		return NULL;
	invt_mutex_lock(&dev->lock);
	dom = dev->att[ssid].domain;
	invt_mutex_unlock(&dev->lock);
	return dom;
}

int invt_domain_init(struct invt_ctx *ctx, struct invt_domain *dom, enum invt_domain_type type,
		     struct invt_domain *parent)
{
	if (type > INVT_DOMAIN_NESTED || (type == INVT_DOMAIN_NESTED) != !!parent ||
	    (parent && parent->type != INVT_DOMAIN_S2))
		return -EINVAL;
	memset(dom, 0, sizeof(*dom));
	dom->invs = invt_invs_alloc(0);
	if (!dom->invs)
		return -ENOMEM;
	dom->ctx = ctx;
	dom->type = type;
	dom->parent = parent;
	invt_mutex_init(&dom->lock);
	invt_rwlock_init(&dom->atc_lock);
	invt_mutex_lock(&ctx->lock);
	dom->id = ctx->next_domain_id++;
	if (parent)
		parent->nr_children++;
	invt_list_add_tail(&dom->node, &ctx->domains);
	invt_mutex_unlock(&ctx->lock);
	return 0;
}

int invt_domain_destroy(struct invt_domain *dom)
{
	struct invt_ctx *ctx = dom->ctx;

	invt_mutex_lock(&ctx->lock);
	if (__atomic_load_n(&dom->nr_attached, __ATOMIC_ACQUIRE) || dom->nr_children) {
		invt_mutex_unlock(&ctx->lock);
		return -EBUSY;
	}
	if (dom->parent)
		dom->parent->nr_children--;
	invt_list_del(&dom->node);
	invt_mutex_unlock(&ctx->lock);
	INVT_DEBUG_ASSERT(!dom->nr_bindings);
	invt_invs_free_rcu(dom->invs);
	dom->invs = NULL;
	invt_free(dom->bindings);
	invt_rwlock_destroy(&dom->atc_lock);
	invt_mutex_destroy(&dom->lock);
	return 0;
}

struct invt_invs *invt_domain_invs_get(struct invt_domain *dom)
{
	struct invt_domain *owner = invt_invs_owner(dom);
	struct invt_invs *copy;

	invt_mutex_lock(&owner->lock);
	copy = invt_invs_filter(owner->invs, NULL, NULL);
	invt_mutex_unlock(&owner->lock);
	return copy;
}
