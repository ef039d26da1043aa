// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * viommu.c - viommus, vdevices, nested domains allocated through a viommu,
 * the pins between them, and the guest invalidation engine (see
 * <invtrack/viommu.h>).  The command formats are the arch files' (smmuv3.c,
 * vtd.c, riscv.c).
 */
#include "internal.h"

static const struct invt_vio_arch *arch_of(int arch)
{
	switch (arch) {
	case INVT_VIOMMU_SMMUV3:
		return &invt_vio_smmuv3;
	case INVT_VIOMMU_VTD:
		return &invt_vio_vtd;
	case INVT_VIOMMU_RISCV:
		return &invt_vio_riscv;
	default:
		return NULL;
	}
}

unsigned int invt_viommu_cmd_bytes(int arch)
{
	const struct invt_vio_arch *a = arch_of(arch);

	return a ? a->guest_bytes : 0;
}

static struct invt_vdevice *vdev_of(struct invt_list *pos)
{
	return invt_container_of(pos, struct invt_vdevice, node);
}

struct invt_vdevice *invt_vio_vdev_by_vid(struct invt_viommu *viommu, uint32_t vid)
{
	struct invt_list *pos;

	invt_list_for_each(pos, &viommu->vdevs)
		if (vdev_of(pos)->vid == vid)
			return vdev_of(pos);
	return NULL;
}

static struct invt_vdevice *vdev_by_dev(struct invt_viommu *viommu, const struct invt_device *dev)
{
	struct invt_list *pos;

	invt_list_for_each(pos, &viommu->vdevs)
		if (vdev_of(pos)->dev == dev)
			return vdev_of(pos);
	return NULL;
}

struct invt_vdevice *invt_vio_vdev_by_pid(struct invt_viommu *viommu, uint32_t pid)
{
	struct invt_list *pos;

	invt_list_for_each(pos, &viommu->vdevs)
		if (vdev_of(pos)->pid == pid)
			return vdev_of(pos);
	return NULL;
}

int invt_vio_lookup(const struct invt_vio_xctx *x, uint32_t vid, uint32_t *pid)
{
	struct invt_vdevice *vd = invt_vio_vdev_by_vid(x->viommu, vid);

	if (!vd)
		return -ENOENT;
	*pid = invt_ctx_ablated(x->viommu->ctx, INVT_ABLATE_VIOMMU_ISOLATION) ? vid : vd->pid;
	return 0;
}

int invt_viommu_create(struct invt_viommu **out, int arch, struct invt_iommu *iommu,
		       struct invt_domain *parent)
{
	const struct invt_vio_arch *a = arch_of(arch);
	struct invt_viommu *v;
	struct invt_ctx *ctx;

	if (!a || !iommu || !iommu->ctx || !parent || parent->type != INVT_DOMAIN_S2 ||
	    parent->ctx != iommu->ctx)
		return -EINVAL;
	ctx = iommu->ctx;
	v = invt_zalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	invt_mutex_init(&v->lock);
	invt_mutex_init(&v->ev_lock);
	v->arch = a;
	v->iommu = iommu;
	v->parent = parent;
	v->ctx = ctx;
	invt_list_init(&v->vdevs);
	/*
	 * Pin the parent: invt_domain_destroy() refuses a domain with
	 * children, and the viommu counts as one (ctx->lock protects the count).
	 */
	invt_mutex_lock(&ctx->lock);
	parent->nr_children++;
	invt_mutex_unlock(&ctx->lock);
	*out = v;
	return 0;
}

int invt_viommu_destroy(struct invt_viommu *viommu)
{
	struct invt_ctx *ctx = viommu->ctx;

	invt_mutex_lock(&viommu->lock);
	if (viommu->nr_nested || !invt_list_empty(&viommu->vdevs)) {
		invt_mutex_unlock(&viommu->lock);
		return -EBUSY;
	}
	invt_vio_queues_free(viommu);
	invt_mutex_unlock(&viommu->lock);

	invt_mutex_lock(&ctx->lock);
	viommu->parent->nr_children--;
	invt_mutex_unlock(&ctx->lock);
	invt_mutex_destroy(&viommu->ev_lock);
	invt_mutex_destroy(&viommu->lock);
	invt_free(viommu->nested);
	invt_free(viommu);
	return 0;
}

int invt_viommu_s2_tag(struct invt_viommu *viommu, uint32_t *tag)
{
	return invt_domain_tag(viommu->parent, viommu->iommu, tag);
}

void invt_viommu_get_stats(struct invt_viommu *viommu, struct invt_viommu_stats *st)
{
	const struct invt_viommu_stats *s = &viommu->stats;

	/* Relaxed: statistics; each counter is read once. */
	st->guest_commands = __atomic_load_n(&s->guest_commands, __ATOMIC_RELAXED);
	st->guest_rejected = __atomic_load_n(&s->guest_rejected, __ATOMIC_RELAXED);
	st->host_commands = __atomic_load_n(&s->host_commands, __ATOMIC_RELAXED);
	st->events = __atomic_load_n(&s->events, __ATOMIC_RELAXED);
	st->lost_events = __atomic_load_n(&s->lost_events, __ATOMIC_RELAXED);
	st->host_faults = __atomic_load_n(&s->host_faults, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ pins */

/* Set @vd's pins; viommu->lock held (fault reporting reads them under ev_lock). */
static void vio_set_pins(struct invt_viommu *viommu, struct invt_vdevice *vd, unsigned int pins)
{
	invt_mutex_lock(&viommu->ev_lock);
	vd->pins = pins;
	invt_mutex_unlock(&viommu->ev_lock);
}

/*
 * struct invt_domain_pin_ops of the nested domains: the core's attach path
 * calls them with no core lock held (viommu->lock nests outside domain
 * locks, so taking it here is in order).
 */
static int vio_pin(void *arg, struct invt_domain *dom, struct invt_device *dev, uint32_t ssid)
{
	struct invt_viommu *viommu = arg;
	struct invt_vdevice *vd;
	int ret = 0;

	invt_mutex_lock(&viommu->lock);
	vd = vdev_by_dev(viommu, dev);
	if (dev->iommu != viommu->iommu)
		ret = -EINVAL;
	else if (!vd)
		ret = -ENOENT;
	else
		vio_set_pins(viommu, vd, vd->pins + 1);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

static void vio_unpin(void *arg, struct invt_domain *dom, struct invt_device *dev, uint32_t ssid)
{
	struct invt_viommu *viommu = arg;
	struct invt_vdevice *vd;

	invt_mutex_lock(&viommu->lock);
	vd = vdev_by_dev(viommu, dev);
	/*
	 * Every pin has its vdevice until the unpin, except in the "vdev-pin"
	 * ablation build, where the vdevice may be gone already.
	 */
	INVT_DEBUG_ASSERT(vd || invt_ctx_ablated(viommu->ctx, INVT_ABLATE_VDEV_PIN));
	if (vd && vd->pins)
		vio_set_pins(viommu, vd, vd->pins - 1);
	invt_mutex_unlock(&viommu->lock);
}

static const struct invt_domain_pin_ops vio_pin_ops = {
	.pin = vio_pin,
	.unpin = vio_unpin,
};

/* The slot of @dom in viommu->nested, or -1; viommu->lock held. */
static int nested_find(struct invt_viommu *viommu, const struct invt_domain *dom)
{
	unsigned int i;

	for (i = 0; i < viommu->nr_nested; i++)
		if (viommu->nested[i].dom == dom)
			return (int)i;
	return -1;
}

/* Whether @vtag names a nested domain of a viommu that uses vtags; lock held. */
static bool vtag_taken(struct invt_viommu *viommu, uint32_t vtag)
{
	unsigned int i;

	if (!viommu->arch->vtags)
		return false;
	for (i = 0; i < viommu->nr_nested; i++)
		if (viommu->nested[i].vtag == vtag)
			return true;
	return false;
}

/* Room for one more nested domain; viommu->lock held. */
static int nested_room(struct invt_viommu *viommu)
{
	unsigned int cap = viommu->cap_nested ? 2 * viommu->cap_nested : 4;
	struct invt_vio_nested *n;

	if (viommu->nr_nested < viommu->cap_nested)
		return 0;
	n = invt_zalloc(cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (viommu->nr_nested)
		memcpy(n, viommu->nested, viommu->nr_nested * sizeof(*n));
	invt_free(viommu->nested);
	viommu->nested = n;
	viommu->cap_nested = cap;
	return 0;
}

/* Make @dom one of the viommu's nested domains; viommu->lock held, room made. */
static void nested_add(struct invt_viommu *viommu, struct invt_domain *dom, uint32_t vtag)
{
	/* Before anyone can attach it: the core reads them without a lock. */
	dom->pin_ops = &vio_pin_ops;
	dom->pin_arg = viommu;
	viommu->nested[viommu->nr_nested].dom = dom;
	viommu->nested[viommu->nr_nested].vtag = viommu->arch->vtags ? vtag : 0;
	viommu->nr_nested++;
}

int invt_viommu_nested_init(struct invt_viommu *viommu, struct invt_domain *dom, uint32_t vtag)
{
	int ret;

	invt_mutex_lock(&viommu->lock);
	ret = vtag_taken(viommu, vtag) ? -EEXIST : nested_room(viommu);
	if (!ret)
		ret = invt_domain_init(viommu->ctx, dom, INVT_DOMAIN_NESTED, viommu->parent);
	if (!ret)
		nested_add(viommu, dom, vtag);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

int invt_viommu_nested_adopt(struct invt_viommu *viommu, struct invt_domain *dom, uint32_t vtag)
{
	int ret = 0;

	if (dom->type != INVT_DOMAIN_NESTED || dom->parent != viommu->parent || dom->pin_ops)
		return -EINVAL;
	invt_mutex_lock(&viommu->lock);
	/* Relaxed: the caller runs no attach of @dom meanwhile (see the header). */
	if (__atomic_load_n(&dom->nr_attached, __ATOMIC_RELAXED))
		ret = -EBUSY;
	else if (vtag_taken(viommu, vtag))
		ret = -EEXIST;
	else
		ret = nested_room(viommu);
	if (!ret)
		nested_add(viommu, dom, vtag);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

/* Forget slot @i; viommu->lock held. */
static void nested_del(struct invt_viommu *viommu, int i)
{
	struct invt_domain *dom = viommu->nested[i].dom;

	dom->pin_ops = NULL;
	dom->pin_arg = NULL;
	viommu->nested[i] = viommu->nested[--viommu->nr_nested];
}

int invt_viommu_nested_release(struct invt_viommu *viommu, struct invt_domain *dom)
{
	int i, ret = 0;

	invt_mutex_lock(&viommu->lock);
	i = nested_find(viommu, dom);
	if (i < 0)
		ret = -EINVAL;
	else if (__atomic_load_n(&dom->nr_attached, __ATOMIC_RELAXED))
		ret = -EBUSY;	/* relaxed: no attach of @dom runs meanwhile */
	else
		nested_del(viommu, i);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

int invt_viommu_nested_destroy(struct invt_viommu *viommu, struct invt_domain *dom)
{
	int i, ret;

	invt_mutex_lock(&viommu->lock);
	i = nested_find(viommu, dom);
	if (i < 0) {
		invt_mutex_unlock(&viommu->lock);
		return -EINVAL;
	}
	/* -EBUSY while attached: then nothing changes. */
	ret = invt_domain_destroy(dom);
	if (!ret)
		viommu->nested[i] = viommu->nested[--viommu->nr_nested];
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

void invt_vio_emit(const struct invt_vio_xctx *x, const void *host)
{
	unsigned int bytes = x->viommu->arch->host_bytes;

	memcpy(invt_batch_reserve(x->batch, bytes), host, bytes);
}

int invt_vio_vtag_tag(const struct invt_vio_xctx *x, uint32_t vtag, uint32_t *tag)
{
	struct invt_viommu *viommu = x->viommu;
	unsigned int i;

	for (i = 0; i < viommu->nr_nested; i++)
		if (viommu->nested[i].vtag == vtag) {
			/* The nested domain's tags live under its parent's lock: held. */
			int ret = invt_domain_tag_locked(viommu->nested[i].dom, viommu->iommu, tag);

			/* Ablation "viommu-isolation": the guest's DID goes through. */
			if (!ret && invt_ctx_ablated(viommu->ctx, INVT_ABLATE_VIOMMU_ISOLATION))
				*tag = vtag;
			return ret;
		}
	return -ENOENT;
}

/* ------------------------------------------------------------ vdevices */

int invt_vdevice_create(struct invt_viommu *viommu, uint32_t vid, struct invt_device *dev)
{
	struct invt_vdevice *vd;

	if (!dev || dev->iommu != viommu->iommu || !dev->nr_sids)
		return -EINVAL;
	vd = invt_zalloc(sizeof(*vd));
	if (!vd)
		return -ENOMEM;
	vd->vid = vid;
	vd->pid = dev->sids[0];
	vd->dev = dev;
	invt_mutex_lock(&viommu->lock);
	if (invt_vio_vdev_by_vid(viommu, vid) || vdev_by_dev(viommu, dev)) {
		invt_mutex_unlock(&viommu->lock);
		invt_free(vd);
		return -EEXIST;
	}
	invt_mutex_lock(&viommu->ev_lock);
	invt_list_add_tail(&vd->node, &viommu->vdevs);
	invt_mutex_unlock(&viommu->ev_lock);
	invt_mutex_unlock(&viommu->lock);
	return 0;
}

/* Unlink and free @vd unless pinned; viommu->lock held. */
static int vdev_destroy(struct invt_viommu *viommu, struct invt_vdevice *vd)
{
	if (vd->pins && !invt_ctx_ablated(viommu->ctx, INVT_ABLATE_VDEV_PIN))
		return -EBUSY;
	/* Unlinked under ev_lock too: no fault report still looks at it. */
	invt_mutex_lock(&viommu->ev_lock);
	invt_list_del(&vd->node);
	invt_mutex_unlock(&viommu->ev_lock);
	invt_free(vd);
	return 0;
}

int invt_vdevice_destroy(struct invt_viommu *viommu, uint32_t vid)
{
	struct invt_vdevice *vd;
	int ret = -ENOENT;

	invt_mutex_lock(&viommu->lock);
	vd = invt_vio_vdev_by_vid(viommu, vid);
	if (vd)
		ret = vdev_destroy(viommu, vd);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

int invt_vdevice_lookup(struct invt_viommu *viommu, uint32_t vid, uint32_t *pid,
			unsigned int *pins)
{
	struct invt_vdevice *vd;
	int ret = -ENOENT;

	invt_mutex_lock(&viommu->lock);
	vd = invt_vio_vdev_by_vid(viommu, vid);
	if (vd) {
		if (pid)
			*pid = vd->pid;
		if (pins)
			*pins = vd->pins;
		ret = 0;
	}
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

int invt_viommu_device_removed(struct invt_viommu *viommu, struct invt_device *dev)
{
	struct invt_vdevice *vd;
	int ret = 0;

	invt_mutex_lock(&viommu->lock);
	vd = vdev_by_dev(viommu, dev);
	if (vd)
		ret = vdev_destroy(viommu, vd);
	invt_mutex_unlock(&viommu->lock);
	return ret;
}

/* ------------------------------------------------------------ invalidation */

/*
 * Issue what @b holds, one completion command after it, and wait for it.
 * Return: 0 once every command of @b completed, or the instance's error.
 */
static int batch_issue(struct invt_viommu *viommu, struct invt_batch *b)
{
	struct invt_iommu *iommu = viommu->iommu;
	uint64_t token;
	int ret, wret;

	if (!b->submitted && !b->cmds)
		return 0;
	iommu->ops->build_sync(b);
	b->syncs++;
	invt_vio_stat(&viommu->stats.host_commands, b->submitted + b->cmds);
	token = invt_batch_submit(b);
	ret = b->err;
	/*
	 * Wait even after a submit error, as the flush engine does: the token
	 * names the last completion that went out.  The error is reported
	 * either way.
	 */
	wret = iommu->ops->wait(iommu, token);
	return ret ? ret : wret;
}

int invt_viommu_invalidate(struct invt_viommu *viommu, const void *cmds, uint32_t n,
			   uint32_t *done)
{
	const struct invt_vio_arch *a = viommu->arch;
	const uint8_t *g = cmds;
	struct invt_vio_xctx x = { .viommu = viommu };
	struct invt_batch b;
	uint32_t i, start = 0;
	int ret = 0, res;

	*done = 0;
	if (!n)
		return 0;
	if (!cmds)
		return -EINVAL;

	invt_mutex_lock(&viommu->lock);
	/*
	 * Lock order: viommu->lock, then the parent's domain lock, held until
	 * the last completion: a tag the parent holds now cannot be released
	 * (and handed to another VM's domain, domain_leave() in core/attach.c
	 * runs under it) while commands carrying it are in flight.
	 */
	invt_mutex_lock(&viommu->parent->lock);
	x.have_tag = !invt_domain_tag_locked(viommu->parent, viommu->iommu, &x.tag);
	x.batch = &b;
	invt_batch_init(&b, viommu->iommu);
	for (i = 0; i < n; i++) {
		uint8_t host[INVT_VIO_HOST_MAX];

		res = a->xlate(&x, g + (size_t)i * a->guest_bytes, host);
		if (res < 0) {
			invt_vio_stat(&viommu->stats.guest_rejected, 1);
			if (invt_ctx_ablated(viommu->ctx, INVT_ABLATE_VIOMMU_COUNT)) {
				/* The LESSONS bug: the converted commands counted, never sent. */
				*done = i;
				ret = res;
				goto out;
			}
			/* What came before the refused command is the guest's: issue it. */
			ret = batch_issue(viommu, &b);
			*done = ret ? start : i;
			if (!ret)
				ret = res;
			goto out;
		}
		if (res == INVT_VIO_HOST)
			invt_vio_emit(&x, host);
		if (res != INVT_VIO_SYNC)
			continue;
		ret = batch_issue(viommu, &b);
		if (ret) {
			*done = start;
			goto out;
		}
		start = i + 1;
		*done = start;
		invt_batch_init(&b, viommu->iommu);
	}
	ret = batch_issue(viommu, &b);
	*done = ret ? start : n;
out:
	invt_mutex_unlock(&viommu->parent->lock);
	invt_mutex_unlock(&viommu->lock);
	invt_vio_stat(&viommu->stats.guest_commands, *done);
	return ret;
}
