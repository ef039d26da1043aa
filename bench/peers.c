// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * peers.c - invtrack's invalidation side by side with how Linux drivers find
 * what to invalidate.
 *
 * Designs (each re-implemented here from the published kernel sources named
 * at its section below; the facts, not the code, come from there):
 *
 *   invtrack              invt_domain_invalidate() / invt_attach().
 *   linux-smmuv3-invs     the RCU invalidation array of recent SMMUv3 kernels:
 *                         smp_mb, RCU read lock, the array's rwlock read side
 *                         while it holds ATS entries, one walk that skips
 *                         entries with no users and cuts a batch per SMMU and
 *                         before the ATS entries; each batch ends in a sync
 *                         that is waited for before the walk goes on.
 *   linux-smmuv3-devices  6.6-6.12: TLBI per SMMU, then smp_mb, the
 *                         nr_ats_masters check and the domain's devices list
 *                         walked under its spinlock, per master per stream.
 *   linux-vtd-cache-tag   6.12+: the domain's cache_tag list walked under its
 *                         spinlock, descriptors gathered in the domain's
 *                         qi_batch and flushed (with a wait descriptor) when
 *                         the unit changes.
 *   linux-riscv-bonds     6.13+: the RCU list of bonds, one IOTINVAL per unit
 *                         (previous-IOMMU dedup), then one IOFENCE.C per unit;
 *                         a spinlock serialises bond updates.
 *
 * All of them emit through the bench backend of bench-common.h (16-byte
 * commands, checksum-only submit, wait only counts), on the topology of
 * bench/fastpath: entries=1 is one instance with one device without ATS;
 * entries=N>=4 is N/4 instances, each with 3 ATS devices (one IOTLB entry
 * shared by the 3, plus 3 ATC entries).  The invalidation commands (every
 * command but the syncs) are bit-identical between designs; the syncs are
 * each design's own: one per batch for the SMMUv3 designs and RISC-V (2 per
 * instance with ATS), one per unit for VT-d, whose qi_batch puts the IOTLB
 * and Device-TLB descriptors of a unit ahead of one wait descriptor.  Every
 * case checks, once, that each design emits exactly invtrack's invalidation
 * commands (count and checksum) and its own expected syncs, and after timing
 * that every invalidating thread emitted iterations x that count.
 *
 * What is measured per (entries, threads, churn):
 *   inv_ns      ns per invalidation per invalidating thread;
 *   inv_per_s   invalidations per second, all invalidating threads together;
 *   attach_*    attach+detach latency of the churn thread (p50, p99; 0 when
 *               churn=off).
 * Churn: a thread that attaches and detaches one more device, without ATS, on
 * instance 0 (the entries, hence the commands, never change), either paced at
 * RATE attach+detach pairs per second (default 100000; in ticks of 100 us) or
 * as fast as it can (max).  Designs run in rotation, REPS times per case, and
 * the median counts; the machine is the same for all of them.  Timings are
 * reported, never asserted.
 */
#define BENCH_NAME "peers"
#include "bench-common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include <urcu/urcu-memb.h>
#include <urcu/list.h>
#include <urcu/rculist.h>

#ifndef PEERS_BUILDTYPE
#define PEERS_BUILDTYPE "unknown"
#endif

#define REPS 3
#define MAX_THREADS 2
#define LAT_SAMPLES 8192
#define CHURN_TICK_NS 100000ull

/* ------------------------------------------------------------ devices */

/*
 * What every peer knows of a device: its instance, ATS, and the entries an
 * attachment to the domain brings, as invtrack's array holds them (so every
 * design builds bit-identical commands from them): the domain's tag on the
 * instance (IOTLB_S1) and one ATC entry per SID.
 */
struct pdev {
	struct invt_iommu *iommu;
	bool ats;
	unsigned int nr_sids;
	struct invt_inv tag;
	struct invt_inv atc[INVT_MAX_SIDS];
};

struct peers_topo {
	struct topo *t;
	unsigned int nr_pdevs;		/* attached at setup, churn device excluded */
	struct pdev *pdevs;
	struct pdev churn;
	unsigned int nr_iommus;
	struct invt_iommu *iommus[MAX_INSTANCES];
	struct invt_inv tags[MAX_INSTANCES];
};

static const struct invt_inv *find_entry(const struct topo *t, const struct invt_iommu *iommu,
					 uint8_t type, uint32_t id)
{
	size_t i;

	for (i = 0; i < t->nr_base; i++)
		if (t->base[i].iommu == iommu && t->base[i].type == type &&
		    (type == INVT_INV_IOTLB_S1 || t->base[i].id == id))
			return &t->base[i];
	die("entries=%u: no entry of type %u id %u on instance %u", t->entries, type, id,
	    iommu->id);
}

static void pdev_init(struct pdev *p, const struct topo *t, const struct invt_device *dev)
{
	unsigned int s;

	memset(p, 0, sizeof(*p));
	p->iommu = dev->iommu;
	p->ats = dev->ats;
	p->nr_sids = dev->nr_sids;
	p->tag = *find_entry(t, dev->iommu, INVT_INV_IOTLB_S1, 0);
	p->tag.users = 1;
	for (s = 0; p->ats && s < dev->nr_sids; s++) {
		p->atc[s] = *find_entry(t, dev->iommu, INVT_INV_ATC, dev->sids[s]);
		p->atc[s].users = 1;
	}
}

static void peers_topo_init(struct peers_topo *pt, struct topo *t)
{
	unsigned int i;

	memset(pt, 0, sizeof(*pt));
	pt->t = t;
	pt->nr_pdevs = t->nr_devs;
	pt->pdevs = calloc(t->nr_devs, sizeof(*pt->pdevs));
	if (!pt->pdevs)
		die("out of memory");
	for (i = 0; i < t->nr_devs; i++)
		pdev_init(&pt->pdevs[i], t, &t->devs[i]);
	pdev_init(&pt->churn, t, &t->churn_dev);
	pt->nr_iommus = t->nr_iommus;
	for (i = 0; i < t->nr_iommus; i++) {
		pt->iommus[i] = &t->iommus[i].iommu;
		pt->tags[i] = *find_entry(t, pt->iommus[i], INVT_INV_IOTLB_S1, 0);
	}
}

/* ------------------------------------------------- emission helpers */

/*
 * The kernel's spin_lock_irqsave() holder cannot be preempted; a userspace
 * holder can, and on a machine with more runnable threads than CPUs a plain
 * spinning waiter then burns its whole time slice.  This lock costs what
 * the kernel's uncontended fast path costs (one atomic exchange to take, a
 * release store to give back) and yields the CPU after a short spin, so that
 * a preempted holder gets to run.
 */
struct plock {
	int locked;
};

static void plock_init(struct plock *l)
{
	l->locked = 0;
}

static void plock_lock(struct plock *l)
{
	unsigned int spins = 0;

	/* Acquire: pairs with the release in plock_unlock(). */
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (++spins >= 128) {
				sched_yield();
				spins = 0;
			}
		}
	}
}

static void plock_unlock(struct plock *l)
{
	/* Release: the critical section before the next holder's. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* One batch on @iommu: what a kernel's cmdq/qi batch is here. */
struct pbatch {
	struct invt_batch b;
	bool open;
};

static void pbatch_add(struct pbatch *pb, const struct invt_inv *inv, const struct invt_range *r)
{
	if (!pb->open) {
		invt_batch_init(&pb->b, inv->iommu);
		pb->open = true;
	}
	inv->iommu->ops->build(&pb->b, inv, r);
}

/* Submit with a trailing sync and wait for it: a synchronous batch submit. */
static void pbatch_submit_sync(struct pbatch *pb)
{
	struct invt_iommu *iommu = pb->b.iommu;
	uint64_t tok;

	if (!pb->open)
		return;
	iommu->ops->build_sync(&pb->b);
	pb->b.syncs++;
	tok = invt_batch_submit(&pb->b);
	iommu->ops->wait(iommu, tok);
	pb->open = false;
}

static struct invt_range range_of(uint64_t iova, uint64_t size, bool leaf)
{
	struct invt_range r = { .start = iova, .last = iova + size - 1, .leaf = leaf };

	return r;
}

static int sort_cmp(const void *a, const void *b)
{
	return invt_invs_cmp(a, b);
}

/* The entries one attachment of @p brings, sorted as the arrays are. */
static size_t pdev_entries(const struct pdev *p, struct invt_inv *out)
{
	size_t n = 0;
	unsigned int s;

	out[n++] = p->tag;
	for (s = 0; p->ats && s < p->nr_sids; s++)
		out[n++] = p->atc[s];
	qsort(out, n, sizeof(*out), sort_cmp);
	return n;
}

/* ----------------------------------------------------------- invtrack */

static void *it_create(struct peers_topo *pt)
{
	return pt->t;
}

static void it_destroy(void *d)
{
}

static int it_invalidate(void *d, uint64_t iova, uint64_t size)
{
	struct topo *t = d;

	return invt_domain_invalidate(&t->dom, iova, size, true);
}

static int it_attach(void *d, struct pdev *p)
{
	struct topo *t = d;

	return invt_attach(&t->churn_dev, 0, &t->dom);
}

static int it_detach(void *d, struct pdev *p)
{
	struct topo *t = d;

	return invt_attach(&t->churn_dev, 0, NULL);
}

/* -------------------------------------------------- linux-smmuv3-invs */

/*
 * After the arm_smmu_invs series by Nicolin Chen and Jason Gunthorpe
 * ("iommu/arm-smmu-v3: Introduce a per-domain arm_smmu_invs array" ...
 * "Add arm_smmu_invs based arm_smmu_domain_inv_range()", v3 posted
 * 2025-10-15, queued on the arm/smmu/updates branch as commit 587bb3e56a2c),
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c: arm_smmu_domain_inv_range(),
 * arm_smmu_invs_end_batch(), arm_smmu_invs_merge()/unref()/purge().
 *
 * The array is sorted (SMMU, type, id, ssid) like invtrack's; users counts
 * the attachments of an entry, 0 marks trash that readers skip.  Attach
 * merges into a new array, publishes it (rcu_assign_pointer, then smp_mb
 * pairing with the smp_mb at the top of the invalidation) and frees the old
 * one after a grace period; detach (arm_smmu_install_old_domain_invs())
 * lowers users in place, takes the rwlock write side of the array it leaves
 * when the master had ATS (no ATC invalidation in flight past that point),
 * and purges into a new array when trash appears.
 */
struct si_invs {
	struct rcu_head rcu;
	pthread_rwlock_t rwlock;	/* write side: no ATC invalidation in flight */
	bool has_ats;
	size_t num_invs;
	struct invt_inv inv[];
};

struct si_domain {
	struct si_invs *invs;		/* RCU; replaced under @lock */
	pthread_mutex_t lock;		/* serialises attach and detach */
};

static bool si_is_ats(const struct invt_inv *inv)
{
	return inv->type == INVT_INV_ATC || inv->type == INVT_INV_ATC_FULL;
}

static struct si_invs *si_alloc(size_t n)
{
	struct si_invs *invs = calloc(1, sizeof(*invs) + n * sizeof(invs->inv[0]));
	pthread_rwlockattr_t attr;

	if (!invs)
		return NULL;
	/* A writer-preferring rwlock, as invtrack's compat layer builds one. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&invs->rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return invs;
}

static void si_free(struct si_invs *invs)
{
	pthread_rwlock_destroy(&invs->rwlock);
	free(invs);
}

static void si_free_rcu(struct rcu_head *head)
{
	si_free(caa_container_of(head, struct si_invs, rcu));
}

static int si_users(const struct invt_inv *inv)
{
	return __atomic_load_n(&inv->users, __ATOMIC_RELAXED);
}

/* Merge sorted @add into @old: equal entries add users, trash is dropped. */
static struct si_invs *si_merge(const struct si_invs *old, const struct invt_inv *add, size_t n)
{
	struct si_invs *invs = si_alloc(old->num_invs + n);
	size_t i = 0, j = 0, k = 0;

	if (!invs)
		return NULL;
	while (i < old->num_invs || j < n) {
		int c;

		if (i < old->num_invs && !si_users(&old->inv[i])) {
			i++;
			continue;
		}
		c = i == old->num_invs ? 1 : j == n ? -1 : invt_invs_cmp(&old->inv[i], &add[j]);
		if (c < 0) {
			invs->inv[k] = old->inv[i++];
		} else if (c > 0) {
			invs->inv[k] = add[j++];
		} else {
			invs->inv[k] = old->inv[i++];
			invs->inv[k].users += add[j++].users;
		}
		invs->has_ats |= si_is_ats(&invs->inv[k]);
		k++;
	}
	invs->num_invs = k;
	return invs;
}

/* Lower users in place for each entry of sorted @del; the trash count. */
static size_t si_unref(struct si_invs *invs, const struct invt_inv *del, size_t n)
{
	size_t i = 0, j = 0, trash = 0;

	while (i < invs->num_invs && j < n) {
		int c = invt_invs_cmp(&invs->inv[i], &del[j]);

		if (c < 0) {
			trash += !si_users(&invs->inv[i]);
			i++;
		} else if (c > 0) {
			j++;
		} else {
			if (__atomic_sub_fetch(&invs->inv[i].users, del[j].users,
					       __ATOMIC_RELAXED) == 0)
				trash++;
			i++;
			j++;
		}
	}
	for (; i < invs->num_invs; i++)
		trash += !si_users(&invs->inv[i]);
	return trash;
}

static void si_publish(struct si_domain *sd, struct si_invs *old, struct si_invs *new)
{
	/* Pairs with the reader's address dependency (rcu_dereference). */
	rcu_assign_pointer(sd->invs, new);
	/*
	 * Pairs with the smp_mb at the top of si_invalidate(): either the
	 * invalidation loads this array, or the page-table update it follows
	 * is visible to the walk the next STE write allows.
	 */
	invt_smp_mb();
	urcu_memb_call_rcu(&old->rcu, si_free_rcu);
}

static int si_attach(void *d, struct pdev *p)
{
	struct invt_inv add[1 + INVT_MAX_SIDS];
	struct si_domain *sd = d;
	size_t n = pdev_entries(p, add);
	struct si_invs *new;

	pthread_mutex_lock(&sd->lock);
	new = si_merge(sd->invs, add, n);
	if (!new) {
		pthread_mutex_unlock(&sd->lock);
		return -ENOMEM;
	}
	si_publish(sd, sd->invs, new);
	pthread_mutex_unlock(&sd->lock);
	return 0;
}

static int si_detach(void *d, struct pdev *p)
{
	struct invt_inv del[1 + INVT_MAX_SIDS];
	struct si_domain *sd = d;
	size_t n = pdev_entries(p, del), trash;
	struct si_invs *invs, *new;

	pthread_mutex_lock(&sd->lock);
	invs = sd->invs;
	if (p->ats) {
		/* Wait out every ATC invalidation still walking this array. */
		pthread_rwlock_wrlock(&invs->rwlock);
		pthread_rwlock_unlock(&invs->rwlock);
	}
	trash = si_unref(invs, del, n);
	if (trash) {
		new = si_merge(invs, NULL, 0);	/* a purge: the merge drops trash */
		if (new)
			si_publish(sd, invs, new);
	}
	pthread_mutex_unlock(&sd->lock);
	return 0;
}

static void *si_create(struct peers_topo *pt)
{
	struct si_domain *sd = calloc(1, sizeof(*sd));
	unsigned int i;

	if (!sd)
		die("out of memory");
	pthread_mutex_init(&sd->lock, NULL);
	sd->invs = si_alloc(0);
	if (!sd->invs)
		die("out of memory");
	for (i = 0; i < pt->nr_pdevs; i++)
		check(si_attach(sd, &pt->pdevs[i]), "linux-smmuv3-invs attach");
	return sd;
}

static void si_destroy(void *d)
{
	struct si_domain *sd = d;

	urcu_memb_barrier();
	si_free(sd->invs);
	pthread_mutex_destroy(&sd->lock);
	free(sd);
}

/* arm_smmu_invs_end_batch(): a new SMMU, the S1_CLEAR boundary, or ATS starts. */
static bool si_end_batch(const struct invt_inv *cur, const struct invt_inv *next)
{
	if (cur->iommu != next->iommu)
		return true;
	if (cur->type != INVT_INV_IOTLB_S2_S1_CLEAR && next->type == INVT_INV_IOTLB_S2_S1_CLEAR)
		return true;
	return !si_is_ats(cur) && si_is_ats(next);
}

static int si_invalidate(void *d, uint64_t iova, uint64_t size)
{
	const struct invt_range r = range_of(iova, size, true);
	struct si_domain *sd = d;
	struct pbatch pb = { .open = false };
	const struct invt_inv *cur, *end, *next;
	struct si_invs *invs;
	bool locked = false;

	/* Pairs with si_publish()'s smp_mb (see there). */
	invt_smp_mb();
	urcu_memb_read_lock();
	invs = rcu_dereference(sd->invs);
	if (invs->has_ats) {
		pthread_rwlock_rdlock(&invs->rwlock);
		locked = true;
	}
	cur = invs->inv;
	end = cur + CMM_LOAD_SHARED(invs->num_invs);
	for (; cur != end; cur++)
		if (si_users(cur))
			break;
	while (cur != end) {
		pbatch_add(&pb, cur, &r);
		for (next = cur + 1; next != end; next++)
			if (si_users(next))
				break;
		if (next == end || si_end_batch(cur, next))
			pbatch_submit_sync(&pb);
		cur = next;
	}
	if (locked)
		pthread_rwlock_unlock(&invs->rwlock);
	urcu_memb_read_unlock();
	return 0;
}

/* ----------------------------------------------- linux-smmuv3-devices */

/*
 * Linux 6.6-6.12, drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c:
 * arm_smmu_tlb_inv_range_domain() -> __arm_smmu_tlb_inv_range() (one batch
 * of TLBI commands, submitted with a sync and waited for), then
 * arm_smmu_atc_inv_domain(): smp_mb(), return when nr_ats_masters is 0,
 * else walk smmu_domain->devices under devices_lock (spin_lock_irqsave),
 * skip masters without ATS, add one CMD_ATC_INV per stream, submit with a
 * sync.  Attach (6.10+ arm_smmu_attach_prepare()) allocates a
 * master_domain, and under devices_lock bumps nr_ats_masters for ATS
 * masters and list_add()s it; detach (arm_smmu_remove_master_domain())
 * finds it in the list, list_del()s and frees it, lowers nr_ats_masters.
 *
 * Those kernels bind a domain to one SMMU; to cover the multi-instance
 * topologies the domain here keeps the SMMUs it spans (its TLBI batch goes
 * to each in turn) and the ATC batch is submitted whenever the walk meets a
 * master behind another SMMU than the batch's.
 */
struct sd_master_domain {
	struct cds_list_head devices_elm;
	struct pdev *master;
};

struct sd_domain {
	struct plock devices_lock;	/* protects devices */
	struct cds_list_head devices;
	int nr_ats_masters;			/* atomic */
	unsigned int nr_smmus;
	const struct invt_inv *tags;		/* the domain's ASID per SMMU */
};

static int sd_attach(void *d, struct pdev *p)
{
	struct sd_master_domain *md = malloc(sizeof(*md));
	struct sd_domain *sd = d;

	if (!md)
		return -ENOMEM;
	md->master = p;
	plock_lock(&sd->devices_lock);
	/*
	 * Before the STE enables ATS (not modelled): pairs with the smp_mb in
	 * sd_invalidate() so that an invalidation that follows a page-table
	 * update either sees the count or the device walks the new table.
	 */
	if (p->ats)
		__atomic_add_fetch(&sd->nr_ats_masters, 1, __ATOMIC_RELAXED);
	cds_list_add(&md->devices_elm, &sd->devices);
	plock_unlock(&sd->devices_lock);
	return 0;
}

static int sd_detach(void *d, struct pdev *p)
{
	struct sd_domain *sd = d;
	struct sd_master_domain *md, *found = NULL;

	plock_lock(&sd->devices_lock);
	cds_list_for_each_entry(md, &sd->devices, devices_elm) {
		if (md->master == p) {
			found = md;
			break;
		}
	}
	if (found) {
		cds_list_del(&found->devices_elm);
		if (p->ats)
			__atomic_sub_fetch(&sd->nr_ats_masters, 1, __ATOMIC_RELAXED);
	}
	plock_unlock(&sd->devices_lock);
	free(found);
	return found ? 0 : -ENOENT;
}

static void *sd_create(struct peers_topo *pt)
{
	struct sd_domain *sd = calloc(1, sizeof(*sd));
	unsigned int i;

	if (!sd)
		die("out of memory");
	plock_init(&sd->devices_lock);
	CDS_INIT_LIST_HEAD(&sd->devices);
	sd->nr_smmus = pt->nr_iommus;
	sd->tags = pt->tags;
	for (i = 0; i < pt->nr_pdevs; i++)
		check(sd_attach(sd, &pt->pdevs[i]), "linux-smmuv3-devices attach");
	return sd;
}

static void sd_destroy(void *d)
{
	struct sd_domain *sd = d;
	struct sd_master_domain *md, *tmp;

	cds_list_for_each_entry_safe(md, tmp, &sd->devices, devices_elm)
		free(md);
	free(sd);
}

static int sd_invalidate(void *d, uint64_t iova, uint64_t size)
{
	const struct invt_range r = range_of(iova, size, true);
	struct sd_domain *sd = d;
	struct pbatch pb = { .open = false };
	struct sd_master_domain *md;
	unsigned int i, s;

	for (i = 0; i < sd->nr_smmus; i++) {
		pbatch_add(&pb, &sd->tags[i], &r);
		pbatch_submit_sync(&pb);
	}

	/*
	 * Pairs with the nr_ats_masters increment in sd_attach(): the
	 * page-table update is visible before the count is read.
	 */
	invt_smp_mb();
	if (!__atomic_load_n(&sd->nr_ats_masters, __ATOMIC_RELAXED))
		return 0;
	plock_lock(&sd->devices_lock);
	cds_list_for_each_entry(md, &sd->devices, devices_elm) {
		const struct pdev *m = md->master;

		if (!m->ats)
			continue;
		if (pb.open && pb.b.iommu != m->iommu)
			pbatch_submit_sync(&pb);
		for (s = 0; s < m->nr_sids; s++)
			pbatch_add(&pb, &m->atc[s], &r);
	}
	plock_unlock(&sd->devices_lock);
	pbatch_submit_sync(&pb);
	return 0;
}

/* ------------------------------------------------ linux-vtd-cache-tag */

/*
 * Linux 6.12+ (cache tags since 6.10, qi_batch since 6.12),
 * drivers/iommu/intel/cache.c: cache_tag_flush_range() computes the PSI
 * address and mask, takes domain->cache_lock (spin_lock_irqsave) and walks
 * domain->cache_tags; when the unit changes it flushes the domain's
 * qi_batch (qi_submit_sync: the descriptors plus a wait descriptor, waited
 * for); IOTLB tags add an IOTLB descriptor, DEVTLB tags a Device-TLB one;
 * the last unit's batch is flushed before the unlock.  A batch also flushes
 * when it holds QI_MAX_BATCHED_DESC_COUNT (16) descriptors.
 * cache_tag_assign() allocates a tag, and under cache_lock either bumps the
 * users of a matching tag (same type, unit and domain ID; same device for
 * DEVTLB) or links the new one after the last tag of its unit, so that one
 * unit's tags are contiguous; cache_tag_unassign() drops users under the
 * lock and unlinks and frees the tag at 0.  The IOTLB tag is assigned before
 * the DEVTLB tag, so a unit's IOTLB descriptor leads its batch.
 */
#define QI_MAX_BATCHED_DESC_COUNT 16

enum vt_tag_type { VT_TAG_IOTLB, VT_TAG_DEVTLB };

struct vt_tag {
	struct cds_list_head node;
	enum vt_tag_type type;
	struct invt_iommu *iommu;
	const struct pdev *dev;		/* DEVTLB tags */
	unsigned int users;
	struct invt_inv inv;		/* what the descriptor invalidates */
};

struct vt_qi_batch {
	struct pbatch pb;
	unsigned int index;
};

struct vt_domain {
	struct plock cache_lock;	/* protects cache_tags, qi_batch */
	struct cds_list_head cache_tags;
	struct vt_qi_batch *qi_batch;
};

static bool vt_tag_match(const struct vt_tag *tag, enum vt_tag_type type,
			 const struct pdev *dev, const struct invt_inv *inv)
{
	if (tag->type != type || tag->inv.id != inv->id || tag->inv.ssid != inv->ssid)
		return false;
	if (type == VT_TAG_IOTLB)
		return tag->iommu == dev->iommu;
	return tag->dev == dev;
}

static int vt_tag_assign(struct vt_domain *vd, const struct pdev *dev, enum vt_tag_type type,
			 const struct invt_inv *inv)
{
	struct vt_tag *tag = calloc(1, sizeof(*tag)), *temp;
	struct cds_list_head *prev;

	if (!tag)
		return -ENOMEM;
	tag->type = type;
	tag->iommu = dev->iommu;
	tag->dev = type == VT_TAG_DEVTLB ? dev : NULL;
	tag->users = 1;
	tag->inv = *inv;

	plock_lock(&vd->cache_lock);
	prev = &vd->cache_tags;
	cds_list_for_each_entry(temp, &vd->cache_tags, node) {
		if (vt_tag_match(temp, type, dev, inv)) {
			temp->users++;
			plock_unlock(&vd->cache_lock);
			free(tag);
			return 0;
		}
		if (temp->iommu == dev->iommu)
			prev = &temp->node;
	}
	/* One unit's tags stay together, so that its flushes batch. */
	cds_list_add(&tag->node, prev);
	plock_unlock(&vd->cache_lock);
	return 0;
}

static void vt_tag_unassign(struct vt_domain *vd, const struct pdev *dev, enum vt_tag_type type,
			    const struct invt_inv *inv)
{
	struct vt_tag *tag, *gone = NULL;

	plock_lock(&vd->cache_lock);
	cds_list_for_each_entry(tag, &vd->cache_tags, node) {
		if (vt_tag_match(tag, type, dev, inv)) {
			if (--tag->users == 0) {
				cds_list_del(&tag->node);
				gone = tag;
			}
			break;
		}
	}
	plock_unlock(&vd->cache_lock);
	free(gone);
}

static int vt_attach(void *d, struct pdev *p)
{
	struct vt_domain *vd = d;
	unsigned int s;
	int ret = 0;

	/* domain_qi_batch_alloc(): under cache_lock, once per domain. */
	plock_lock(&vd->cache_lock);
	if (!vd->qi_batch) {
		vd->qi_batch = calloc(1, sizeof(*vd->qi_batch));
		if (!vd->qi_batch)
			ret = -ENOMEM;
	}
	plock_unlock(&vd->cache_lock);
	if (ret)
		return ret;

	ret = vt_tag_assign(vd, p, VT_TAG_IOTLB, &p->tag);
	if (ret || !p->ats)
		return ret;
	for (s = 0; s < p->nr_sids; s++) {
		ret = vt_tag_assign(vd, p, VT_TAG_DEVTLB, &p->atc[s]);
		if (ret) {
			while (s--)
				vt_tag_unassign(vd, p, VT_TAG_DEVTLB, &p->atc[s]);
			vt_tag_unassign(vd, p, VT_TAG_IOTLB, &p->tag);
			return ret;
		}
	}
	return 0;
}

static int vt_detach(void *d, struct pdev *p)
{
	struct vt_domain *vd = d;
	unsigned int s;

	vt_tag_unassign(vd, p, VT_TAG_IOTLB, &p->tag);
	for (s = 0; p->ats && s < p->nr_sids; s++)
		vt_tag_unassign(vd, p, VT_TAG_DEVTLB, &p->atc[s]);
	return 0;
}

static void *vt_create(struct peers_topo *pt)
{
	struct vt_domain *vd = calloc(1, sizeof(*vd));
	unsigned int i;

	if (!vd)
		die("out of memory");
	plock_init(&vd->cache_lock);
	CDS_INIT_LIST_HEAD(&vd->cache_tags);
	for (i = 0; i < pt->nr_pdevs; i++)
		check(vt_attach(vd, &pt->pdevs[i]), "linux-vtd-cache-tag attach");
	return vd;
}

static void vt_destroy(void *d)
{
	struct vt_domain *vd = d;
	struct vt_tag *tag, *tmp;

	cds_list_for_each_entry_safe(tag, tmp, &vd->cache_tags, node)
		free(tag);
	free(vd->qi_batch);
	free(vd);
}

/* qi_batch_flush_descs(): qi_submit_sync() appends a wait descriptor. */
static void vt_qi_flush(struct vt_qi_batch *qb)
{
	if (!qb->index)
		return;
	pbatch_submit_sync(&qb->pb);
	qb->index = 0;
}

static void vt_qi_add(struct vt_qi_batch *qb, const struct invt_inv *inv,
		      const struct invt_range *r)
{
	pbatch_add(&qb->pb, inv, r);
	if (++qb->index == QI_MAX_BATCHED_DESC_COUNT)
		vt_qi_flush(qb);
}

/* calculate_psi_aligned_address(): the aligned block and its mask. */
static uint64_t vt_psi_address(uint64_t start, uint64_t end, uint64_t *pages, unsigned int *mask)
{
	uint64_t pfn = start >> PAGE_SHIFT, end_pfn = end >> PAGE_SHIFT;
	uint64_t n = end_pfn - pfn + 1, aligned = n, bitmask;

	if (aligned & (aligned - 1))
		aligned = 1ull << (64 - __builtin_clzll(aligned));
	bitmask = aligned - 1;
	*mask = __builtin_ctzll(aligned);
	if (bitmask & pfn) {
		uint64_t shared = ~(pfn ^ end_pfn) & ~bitmask;

		*mask = shared ? __builtin_ctzll(shared) : 52;
		aligned = 1ull << *mask;
	}
	*pages = aligned;
	return start & ~((4096ull << *mask) - 1);
}

static int vt_invalidate(void *d, uint64_t iova, uint64_t size)
{
	const struct invt_range r = range_of(iova, size, true);
	struct vt_domain *vd = d;
	struct invt_iommu *iommu = NULL;
	struct vt_tag *tag;
	unsigned int mask;
	uint64_t pages;
	volatile uint64_t addr;

	/* Computed as the kernel does; the bench backend encodes from @r. */
	addr = vt_psi_address(iova, iova + size - 1, &pages, &mask);
	(void)addr;

	plock_lock(&vd->cache_lock);
	cds_list_for_each_entry(tag, &vd->cache_tags, node) {
		if (iommu && iommu != tag->iommu)
			vt_qi_flush(vd->qi_batch);
		iommu = tag->iommu;
		vt_qi_add(vd->qi_batch, &tag->inv, &r);
	}
	vt_qi_flush(vd->qi_batch);
	plock_unlock(&vd->cache_lock);
	return 0;
}

/* -------------------------------------------------- linux-riscv-bonds */

/*
 * Linux 6.13+, drivers/iommu/riscv/iommu.c: riscv_iommu_iotlb_inval():
 * smp_mb() (pairs with the one after riscv_iommu_bond_link()'s list update:
 * either the invalidation sees the bond or the device context is written
 * after the page-table update), rcu_read_lock(), one pass over
 * domain->bonds sending IOTINVAL.VMA (PSCID, per page below the limit) to
 * each IOMMU once (skipped when the bond's IOMMU is the previous bond's: the
 * list is grouped by IOMMU), a second pass sending IOFENCE.C and waiting,
 * per IOMMU once.  Each command is one queue submission.
 * riscv_iommu_bond_link() allocates a bond and, under domain->lock, inserts
 * it (list_add_rcu) next to the first bond of the same IOMMU (at the head
 * when there is none), then smp_mb(); riscv_iommu_bond_unlink() finds it
 * under the lock, counts the other bonds of its IOMMU, list_del_rcu()s it,
 * kfree_rcu()s it, and when it was the IOMMU's last bond invalidates the
 * PSCID there (IOTINVAL.VMA + IOFENCE.C).
 *
 * 6.13 enables no ATS, so it sends no ATS.INVAL; to emit the same commands
 * as the others, this re-implementation continues the same scheme: a third
 * pass sends one ATS.INVAL per SID of each bond with ATS, a fourth one
 * IOFENCE.C per IOMMU that got one (previous-IOMMU dedup again).
 */
struct rv_bond {
	struct cds_list_head list;
	struct rcu_head rcu;
	struct pdev *dev;
};

struct rv_domain {
	struct cds_list_head bonds;	/* RCU readers; updates under @lock */
	struct plock lock;
};

static void rv_send(const struct invt_inv *inv, const struct invt_range *r)
{
	struct invt_batch b;

	invt_batch_init(&b, inv->iommu);
	inv->iommu->ops->build(&b, inv, r);
	invt_batch_submit(&b);
}

static void rv_sync(struct invt_iommu *iommu)
{
	struct invt_batch b;

	invt_batch_init(&b, iommu);
	iommu->ops->build_sync(&b);
	b.syncs++;
	iommu->ops->wait(iommu, invt_batch_submit(&b));
}

static void rv_bond_free(struct rcu_head *head)
{
	free(caa_container_of(head, struct rv_bond, rcu));
}

static int rv_attach(void *d, struct pdev *p)
{
	struct rv_bond *bond = calloc(1, sizeof(*bond));
	struct rv_domain *rd = d;
	struct cds_list_head *pos;

	if (!bond)
		return -ENOMEM;
	bond->dev = p;
	plock_lock(&rd->lock);
	cds_list_for_each(pos, &rd->bonds)
		if (caa_container_of(pos, struct rv_bond, list)->dev->iommu == p->iommu)
			break;
	cds_list_add_rcu(&bond->list, pos);
	plock_unlock(&rd->lock);
	/* Pairs with the smp_mb in rv_invalidate() (see there). */
	invt_smp_mb();
	return 0;
}

static int rv_detach(void *d, struct pdev *p)
{
	const struct invt_range all = { .all = true };
	struct rv_domain *rd = d;
	struct rv_bond *bond, *found = NULL;
	unsigned int count = 0;

	plock_lock(&rd->lock);
	cds_list_for_each_entry(bond, &rd->bonds, list) {
		if (found && count)
			break;
		else if (bond->dev == p)
			found = bond;
		else if (bond->dev->iommu == p->iommu)
			count++;
	}
	if (found)
		cds_list_del_rcu(&found->list);
	plock_unlock(&rd->lock);
	if (!found)
		return -ENOENT;
	urcu_memb_call_rcu(&found->rcu, rv_bond_free);
	if (!count) {
		rv_send(&p->tag, &all);
		rv_sync(p->iommu);
	}
	return 0;
}

static void *rv_create(struct peers_topo *pt)
{
	struct rv_domain *rd = calloc(1, sizeof(*rd));
	unsigned int i;

	if (!rd)
		die("out of memory");
	CDS_INIT_LIST_HEAD(&rd->bonds);
	plock_init(&rd->lock);
	for (i = 0; i < pt->nr_pdevs; i++)
		check(rv_attach(rd, &pt->pdevs[i]), "linux-riscv-bonds attach");
	return rd;
}

static void rv_destroy(void *d)
{
	struct rv_domain *rd = d;
	struct rv_bond *bond, *tmp;

	urcu_memb_barrier();
	cds_list_for_each_entry_safe(bond, tmp, &rd->bonds, list)
		free(bond);
	free(rd);
}

static int rv_invalidate(void *d, uint64_t iova, uint64_t size)
{
	const struct invt_range r = range_of(iova, size, true);
	struct rv_domain *rd = d;
	struct invt_iommu *prev;
	struct rv_bond *bond;
	unsigned int s;

	/*
	 * Pairs with the smp_mb after rv_attach()'s list update: the
	 * page-table update is visible before the bonds are read.
	 */
	invt_smp_mb();
	urcu_memb_read_lock();
	prev = NULL;
	cds_list_for_each_entry_rcu(bond, &rd->bonds, list) {
		if (bond->dev->iommu == prev)
			continue;
		rv_send(&bond->dev->tag, &r);
		prev = bond->dev->iommu;
	}
	prev = NULL;
	cds_list_for_each_entry_rcu(bond, &rd->bonds, list) {
		if (bond->dev->iommu == prev)
			continue;
		rv_sync(bond->dev->iommu);
		prev = bond->dev->iommu;
	}
	/* The ATS extension (see above). */
	cds_list_for_each_entry_rcu(bond, &rd->bonds, list)
		for (s = 0; bond->dev->ats && s < bond->dev->nr_sids; s++)
			rv_send(&bond->dev->atc[s], &r);
	prev = NULL;
	cds_list_for_each_entry_rcu(bond, &rd->bonds, list) {
		if (!bond->dev->ats || bond->dev->iommu == prev)
			continue;
		rv_sync(bond->dev->iommu);
		prev = bond->dev->iommu;
	}
	urcu_memb_read_unlock();
	return 0;
}

/* ------------------------------------------------------------ designs */

struct design {
	const char *name;
	void *(*create)(struct peers_topo *pt);
	void (*destroy)(void *d);
	int (*invalidate)(void *d, uint64_t iova, uint64_t size);
	int (*attach)(void *d, struct pdev *p);
	int (*detach)(void *d, struct pdev *p);
	bool sync_per_unit;	/* one sync per instance, not per batch phase */
};

static const struct design designs[] = {
	{ "invtrack", it_create, it_destroy, it_invalidate, it_attach, it_detach, false },
	{ "linux-smmuv3-invs", si_create, si_destroy, si_invalidate, si_attach, si_detach,
	  false },
	{ "linux-smmuv3-devices", sd_create, sd_destroy, sd_invalidate, sd_attach, sd_detach,
	  false },
	{ "linux-vtd-cache-tag", vt_create, vt_destroy, vt_invalidate, vt_attach, vt_detach,
	  true },
	{ "linux-riscv-bonds", rv_create, rv_destroy, rv_invalidate, rv_attach, rv_detach,
	  false },
};

#define NR_DESIGNS (sizeof(designs) / sizeof(designs[0]))

struct live_design {
	const struct design *d;
	void *state;
	uint64_t expect_cmds;	/* every command, syncs included */
	uint64_t expect_syncs;
};

/* The checksum a sync command adds in bench_submit(). */
static uint64_t sync_sum(uint64_t syncs)
{
	return syncs * ((uint64_t)OP_SYNC * 0x9e3779b97f4a7c15ull);
}

/*
 * One invalidation of @ld: exactly invtrack's invalidation commands
 * (count and checksum, syncs aside) and the design's own syncs.
 */
static void check_design(struct topo *t, struct live_design *ld, const char *when)
{
	uint64_t inv_cmds = t->expect_cmds - t->expect_syncs, inv_sum;
	struct sink before = sink, d;
	static uint64_t want_sum;
	static unsigned int want_entries;
	int ret;

	ret = ld->d->invalidate(ld->state, BENCH_IOVA, BENCH_SIZE);
	if (ret)
		die("%s: invalidate: %d", ld->d->name, ret);
	d = sink_delta(&before);
	inv_sum = d.sum - sync_sum(d.syncs);
	if (ld->d == &designs[0] && want_entries != t->entries) {
		want_sum = inv_sum;
		want_entries = t->entries;
	}
	if (want_entries != t->entries)
		die("invtrack must be checked first");
	if (d.cmds - d.syncs != inv_cmds || inv_sum != want_sum || d.syncs != ld->expect_syncs)
		die("entries=%u %s %s: %" PRIu64 " commands (%" PRIu64 " syncs, %" PRIu64
		    " waits, checksum %016" PRIx64 "), expected %" PRIu64 " + %" PRIu64
		    " syncs, checksum %016" PRIx64, t->entries, ld->d->name, when, d.cmds,
		    d.syncs, d.waits, inv_sum, inv_cmds, ld->expect_syncs, want_sum);
}

static void live_init(struct live_design *ld, const struct design *d, struct peers_topo *pt)
{
	struct topo *t = pt->t;
	uint64_t ats_phase = t->expect_syncs / t->nr_iommus;

	ld->d = d;
	ld->state = d->create(pt);
	ld->expect_syncs = d->sync_per_unit ? t->nr_iommus : t->nr_iommus * ats_phase;
	ld->expect_cmds = t->expect_cmds - t->expect_syncs + ld->expect_syncs;
}

/* ---------------------------------------------------------------- runs */

struct run {
	struct live_design *ld;
	struct pdev *churn_dev;
	unsigned int threads;
	double churn_rate;	/* pairs/s; 0: off; < 0: max */
	pthread_barrier_t go;
	int stop;
	int err;
	uint64_t iters[MAX_THREADS];
	double secs[MAX_THREADS];
	uint64_t pairs;
	double churn_secs;
	uint32_t *lat;		/* LAT_SAMPLES, ns, ring */
	uint64_t nlat;
};

struct inval_arg {
	struct run *run;
	unsigned int idx;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * --clock cpu: an invalidating thread times itself by its CPU time
 * (CLOCK_THREAD_CPUTIME_ID), so that time it spends preempted by other
 * processes does not count.  With 2 threads that also leaves out time a
 * thread sleeps in a lock (a pthread rwlock's futex wait): the contended
 * cases are best read by wall clock; the spinlocks here yield, and yielding
 * counts.
 */
static bool clock_cpu;

static double inval_s(void)
{
	return clock_cpu ? thread_cpu_s() : now_s();
}

static void *inval_main(void *arg)
{
	struct inval_arg *a = arg;
	struct run *run = a->run;
	struct live_design *ld = run->ld;
	struct sink before;
	uint64_t n = 0;
	double t0;
	int ret = 0;

	invt_rcu_register_thread();
	pthread_barrier_wait(&run->go);
	before = sink;
	t0 = inval_s();
	while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
		ret |= ld->d->invalidate(ld->state, BENCH_IOVA, BENCH_SIZE);
		n++;
	}
	run->secs[a->idx] = inval_s() - t0;
	run->iters[a->idx] = n;
	before = sink_delta(&before);
	if (ret || before.cmds != n * ld->expect_cmds || before.syncs != n * ld->expect_syncs)
		__atomic_store_n(&run->err, ret ? ret : -EPROTO, __ATOMIC_RELAXED);
	invt_rcu_unregister_thread();
	return NULL;
}

static void *churn_main(void *arg)
{
	struct run *run = arg;
	struct live_design *ld = run->ld;
	uint64_t pairs = 0, t0, tick = 0, per_tick = 1, next;
	struct timespec ts;
	int ret = 0;

	invt_rcu_register_thread();
	if (run->churn_rate > 0) {
		/* Pairs per tick, rounded; ticks lengthen for low rates. */
		tick = CHURN_TICK_NS;
		per_tick = (uint64_t)(run->churn_rate * tick / 1e9 + 0.5);
		if (!per_tick) {
			per_tick = 1;
			tick = (uint64_t)(1e9 / run->churn_rate);
		}
	}
	pthread_barrier_wait(&run->go);
	t0 = now_ns();
	next = t0;
	while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
		uint64_t k;

		for (k = 0; k < per_tick; k++) {
			uint64_t s = now_ns();

			ret = ld->d->attach(ld->state, run->churn_dev);
			if (!ret)
				ret = ld->d->detach(ld->state, run->churn_dev);
			if (ret)
				goto out;
			run->lat[run->nlat++ % LAT_SAMPLES] = (uint32_t)(now_ns() - s);
			pairs++;
		}
		if (tick) {
			next += tick;
			if (now_ns() < next) {
				ts.tv_sec = next / 1000000000ull;
				ts.tv_nsec = next % 1000000000ull;
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
	}
out:
	run->churn_secs = (now_ns() - t0) * 1e-9;
	run->pairs = pairs;
	if (ret)
		__atomic_store_n(&run->err, ret, __ATOMIC_RELAXED);
	invt_rcu_unregister_thread();
	return NULL;
}

static void run_once(struct run *run, double secs)
{
	pthread_t th[MAX_THREADS + 1];
	struct inval_arg args[MAX_THREADS];
	bool churn = run->churn_rate != 0;
	struct timespec ts = { .tv_sec = (time_t)secs,
			       .tv_nsec = (long)((secs - (time_t)secs) * 1e9) };
	unsigned int i, n = run->threads + churn;

	run->stop = 0;
	run->err = 0;
	run->nlat = 0;
	run->pairs = 0;
	check(pthread_barrier_init(&run->go, NULL, n + 1), "pthread_barrier_init");
	for (i = 0; i < run->threads; i++) {
		args[i].run = run;
		args[i].idx = i;
		check(pthread_create(&th[i], NULL, inval_main, &args[i]), "pthread_create");
	}
	if (churn)
		check(pthread_create(&th[i], NULL, churn_main, run), "pthread_create");
	pthread_barrier_wait(&run->go);
	nanosleep(&ts, NULL);
	__atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		check(pthread_join(th[i], NULL), "pthread_join");
	pthread_barrier_destroy(&run->go);
	if (run->err)
		die("%s: threads=%u churn=%g: %s", run->ld->d->name, run->threads,
		    run->churn_rate, run->err == -EPROTO ? "unexpected command count" :
		    strerror(-run->err));
}

/* ---------------------------------------------------------------- cases */

struct row {
	const char *design;
	unsigned int entries;
	unsigned int threads;
	char churn[24];
	double inv_ns;
	double inv_per_s;
	double attach_p50_ns;
	double attach_p99_ns;
	double churn_pairs_per_s;
	uint64_t cmds;
	uint64_t syncs;
};

struct opts {
	bool quick;
	bool json;
	bool check_only;
	double secs;
	double rate;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double pct(uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u32);
	i = (size_t)(p * (n - 1) + 0.5);
	return v[i];
}

static void churn_label(char *buf, size_t len, double rate)
{
	if (rate == 0)
		snprintf(buf, len, "off");
	else if (rate < 0)
		snprintf(buf, len, "max");
	else if (rate >= 1000 && (uint64_t)rate % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "k", (uint64_t)rate / 1000);
	else
		snprintf(buf, len, "%.0f", rate);
}

static void print_row(const struct row *r)
{
	printf("peers design=%s entries=%u threads=%u churn=%s inv_ns=%.1f inv_per_s=%.0f "
	       "attach_p50_ns=%.0f attach_p99_ns=%.0f\n", r->design, r->entries, r->threads,
	       r->churn, r->inv_ns, r->inv_per_s, r->attach_p50_ns, r->attach_p99_ns);
}

/* Index of the fastest peer among @rows[1..NR_DESIGNS-1]. */
static size_t best_peer(const struct row *rows)
{
	size_t i, best = 1;

	for (i = 2; i < NR_DESIGNS; i++)
		if (rows[i].inv_per_s > rows[best].inv_per_s)
			best = i;
	return best;
}

static void print_ratio(const struct row *rows)
{
	size_t b = best_peer(rows);

	printf("peers ratio entries=%u threads=%u churn=%s best_peer=%s invtrack_vs_best=%.2f\n",
	       rows[0].entries, rows[0].threads, rows[0].churn, rows[b].design,
	       rows[b].inv_per_s > 0 ? rows[0].inv_per_s / rows[b].inv_per_s : 0);
	fflush(stdout);
}

static void run_case(struct topo *t, struct peers_topo *pt, struct live_design *ld,
		     unsigned int threads, double rate, const struct opts *o, struct row *rows)
{
	double per_s[NR_DESIGNS][REPS], pairs_s[NR_DESIGNS][REPS];
	uint32_t *lat[NR_DESIGNS];
	size_t nlat[NR_DESIGNS] = { 0 };
	struct run run;
	unsigned int rep, k, i;

	for (k = 0; k < NR_DESIGNS; k++) {
		check_design(t, &ld[k], "before timing");
		lat[k] = malloc(REPS * LAT_SAMPLES * sizeof(uint32_t));
		if (!lat[k])
			die("out of memory");
	}
	for (rep = 0; rep < REPS; rep++) {
		for (i = 0; i < NR_DESIGNS; i++) {
			double tot = 0;

			/* Rotate who goes first, so that no design always follows another. */
			k = (i + rep) % NR_DESIGNS;
			memset(&run, 0, sizeof(run));
			run.ld = &ld[k];
			run.churn_dev = &pt->churn;
			run.threads = threads;
			run.churn_rate = rate;
			run.lat = lat[k] + nlat[k];
			run_once(&run, o->secs);
			for (unsigned int j = 0; j < threads; j++)
				tot += run.secs[j] > 0 ? run.iters[j] / run.secs[j] : 0;
			per_s[k][rep] = tot;
			pairs_s[k][rep] = run.churn_secs > 0 ? run.pairs / run.churn_secs : 0;
			nlat[k] += run.nlat < LAT_SAMPLES ? run.nlat : LAT_SAMPLES;
		}
	}
	for (k = 0; k < NR_DESIGNS; k++) {
		struct row *r = &rows[k];

		memset(r, 0, sizeof(*r));
		r->design = ld[k].d->name;
		r->entries = t->entries;
		r->threads = threads;
		churn_label(r->churn, sizeof(r->churn), rate);
		r->inv_per_s = median(per_s[k], REPS);
		r->inv_ns = r->inv_per_s > 0 ? 1e9 * threads / r->inv_per_s : 0;
		r->churn_pairs_per_s = median(pairs_s[k], REPS);
		r->attach_p50_ns = pct(lat[k], nlat[k], 0.50);
		r->attach_p99_ns = pct(lat[k], nlat[k], 0.99);
		r->cmds = ld[k].expect_cmds;
		r->syncs = ld[k].expect_syncs;
		free(lat[k]);
		if (!o->json)
			print_row(r);
	}
	if (!o->json)
		print_ratio(rows);
}

/* --check: every design, before, during and after one churn attach. */
static void check_all(struct topo *t, struct peers_topo *pt, struct live_design *ld)
{
	unsigned int k;

	for (k = 0; k < NR_DESIGNS; k++)
		check_design(t, &ld[k], "attached");
	for (k = 0; k < NR_DESIGNS; k++) {
		check(ld[k].d->attach(ld[k].state, &pt->churn), ld[k].d->name);
		check_design(t, &ld[k], "with the churn device");
		check(ld[k].d->detach(ld[k].state, &pt->churn), ld[k].d->name);
		check_design(t, &ld[k], "after the churn device left");
	}
}

static bool ndebug(void)
{
#ifdef NDEBUG
	return true;
#else
	return false;
#endif
}

static void print_json(const struct row *rows, size_t nrows, const struct opts *o)
{
	size_t i;

	printf("{\"benchmark\":\"peers\",\"build\":\"%s\",\"ndebug\":%s,\"quick\":%s,"
	       "\"clock\":\"%s\",\"reps\":%d,\"seconds_per_run\":%.3f,\"size\":%llu,"
	       "\"backend\":\"bench\",\"rows\":[", PEERS_BUILDTYPE, ndebug() ? "true" : "false",
	       o->quick ? "true" : "false", clock_cpu ? "cpu" : "wall", REPS, o->secs,
	       BENCH_SIZE);
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		printf("%s\n {\"design\":\"%s\",\"entries\":%u,\"threads\":%u,\"churn\":\"%s\","
		       "\"inv_ns\":%.2f,\"inv_per_s\":%.0f,\"attach_p50_ns\":%.0f,"
		       "\"attach_p99_ns\":%.0f,\"churn_pairs_per_s\":%.0f,\"cmds\":%" PRIu64
		       ",\"syncs\":%" PRIu64 "}", i ? "," : "", r->design, r->entries, r->threads,
		       r->churn, r->inv_ns, r->inv_per_s, r->attach_p50_ns, r->attach_p99_ns,
		       r->churn_pairs_per_s, r->cmds, r->syncs);
	}
	printf("\n],\"ratios\":[");
	for (i = 0; i < nrows; i += NR_DESIGNS) {
		size_t b = best_peer(&rows[i]);

		printf("%s\n {\"entries\":%u,\"threads\":%u,\"churn\":\"%s\",\"best_peer\":\"%s\","
		       "\"invtrack_vs_best\":%.4f}", i ? "," : "", rows[i].entries,
		       rows[i].threads, rows[i].churn, rows[i + b].design,
		       rows[i + b].inv_per_s > 0 ? rows[i].inv_per_s / rows[i + b].inv_per_s : 0);
	}
	printf("\n]}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: peers [--quick] [--json] [--check] [--seconds S] [--churn-rate RATE] "
		   "[--clock wall|cpu]\n"
		   "  --quick           a few ms per run (smoke run)\n"
		   "  --json            print the results as one JSON document\n"
		   "  --check           only check every design's commands (no timing)\n"
		   "  --seconds S       seconds per run (default 0.08; %d runs per design, case)\n"
		   "  --churn-rate R    the paced churn case: R attach+detach pairs/s "
		   "(default 100000)\n"
		   "  --clock C         invalidating threads timed by wall clock (default) or by\n"
		   "                    their CPU time (cpu: preemption does not count)\n", REPS);
}

int main(int argc, char **argv)
{
	static const unsigned int threads[] = { 1, 2 };
	struct opts o = { .secs = 0.08, .rate = 100000 };
	struct live_design ld[NR_DESIGNS];
	struct row *rows;
	size_t nrows = 0, i, k, ti, ci;
	struct peers_topo pt;
	struct topo t;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			o.quick = true;
			o.secs = 0.002;
		} else if (!strcmp(argv[a], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[a], "--check")) {
			o.check_only = true;
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			o.secs = strtod(argv[++a], NULL);
			if (!(o.secs > 0 && o.secs <= 60)) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[a], "--churn-rate") && a + 1 < argc) {
			o.rate = strtod(argv[++a], NULL);
			if (!(o.rate >= 1 && o.rate <= 1e8)) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[a], "--clock") && a + 1 < argc) {
			a++;
			if (strcmp(argv[a], "cpu") && strcmp(argv[a], "wall")) {
				usage(stderr);
				return 2;
			}
			clock_cpu = !strcmp(argv[a], "cpu");
		} else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	rows = calloc(NR_ENTRY_COUNTS * 6 * NR_DESIGNS, sizeof(*rows));
	if (!rows)
		die("out of memory");
	invt_rcu_register_thread();
	if (!o.json && !o.check_only)
		printf("# peers: invalidation of one 4 KiB page, invtrack vs Linux's designs "
		       "re-implemented, same bench backend and topology as fastpath; "
		       "threads = invalidating threads; churn = attach+detach pairs/s of a "
		       "non-ATS device on instance 0 (off, %.0f/s, max); inv_ns per thread; "
		       "attach_* = attach+detach latency (0: no churn); median of %d runs of "
		       "%.3f s; build=%s ndebug=%d clock=%s%s\n", o.rate, REPS, o.secs,
		       PEERS_BUILDTYPE, ndebug(), clock_cpu ? "cpu" : "wall",
		       o.quick ? " quick" : "");
	for (i = 0; i < NR_ENTRY_COUNTS; i++) {
		topo_init(&t, entry_counts[i]);
		peers_topo_init(&pt, &t);
		for (k = 0; k < NR_DESIGNS; k++)
			live_init(&ld[k], &designs[k], &pt);
		if (o.check_only) {
			check_all(&t, &pt, ld);
		} else {
			for (ti = 0; ti < 2; ti++) {
				for (ci = 0; ci < 3; ci++) {
					double rate = ci == 0 ? 0 : ci == 1 ? o.rate : -1;

					run_case(&t, &pt, ld, threads[ti], rate, &o, &rows[nrows]);
					nrows += NR_DESIGNS;
				}
			}
		}
		for (k = 0; k < NR_DESIGNS; k++)
			ld[k].d->destroy(ld[k].state);
		free(pt.pdevs);
		topo_destroy(&t);
	}
	if (o.check_only)
		printf("peers: every design emitted invtrack's invalidation commands at every "
		       "size, with and without the churn device\n");
	else if (o.json)
		print_json(rows, nrows, &o);
	free(rows);
	invt_rcu_unregister_thread();
	return 0;
}
