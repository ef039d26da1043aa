// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cfg.c - VT-d scalable-mode root, context, PASID directory and PASID table
 * entries: builders and ordered stores (see <invtrack/vtd-cfg.h>).
 *
 * Bit positions: VT-d Architecture Specification §9.2, §9.4, §9.5, §9.6
 * (figures "Scalable-Mode Root Entry Format" ... "Scalable-Mode PASID Table
 * Entry Format"); bit n of the entry is bit n % 64 of word n / 64.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <invtrack/vtd-cfg.h>

#undef BIT	/* the kernel's is an unsigned long: these words are 64-bit everywhere */
#define BIT(n)		(1ull << (n))

/* §9.2 root entry: LP 0, LCTP [63:12]; UP 64, UCTP [127:76]. */
#define ROOT_P		BIT(0)
/* §9.4 context entry, word 0: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4,
 * PDTS [11:9], PASIDDIRPTR [63:12]; word 1: RID_PASID [83:64], RID_PRIV 84.
 */
#define CTX_P		BIT(0)
#define CTX_FPD		BIT(1)
#define CTX_DTE		BIT(2)
#define CTX_PASIDE	BIT(3)
#define CTX_PRE		BIT(4)
#define CTX_PDTS_SHIFT	9
#define CTX_RID_PASID	0xfffffull
#define CTX_RID_PRIV	BIT(20)
/* §9.5 PASID directory entry: P 0, FPD 1, SMPTBLPTR [63:12]. */
#define PDIR_P		BIT(0)
#define PDIR_FPD	BIT(1)
/* §9.6 PASID table entry, word 0: P 0, FPD 1, AW [4:2], PGTT [8:6],
 * SSPTPTR [63:12]; word 1: DID [79:64], PWSNP 87, PGSNP 88; word 2: SRE 128,
 * FLPM [131:130], WPE 132, NXE 133, FSPTPTR [191:140].
 */
#define PE_P		BIT(0)
#define PE_FPD		BIT(1)
#define PE_AW_SHIFT	2
#define PE_PGTT_SHIFT	6
#define PE_PWSNP	BIT(23)
#define PE_PGSNP	BIT(24)
#define PE_SRE		BIT(0)
#define PE_FLPM_SHIFT	2
#define PE_WPE		BIT(4)
#define PE_NXE		BIT(5)

static bool ptr_ok(uint64_t p)
{
	return !(p & ~INVT_VTD_PTR_MASK);
}

int invt_vtd_root_build(const struct invt_vtd_root_entry *e, uint64_t w[INVT_VTD_ROOT_WORDS])
{
	if (!ptr_ok(e->lctp) || !ptr_ok(e->uctp) || (!e->lp && e->lctp) || (!e->up && e->uctp))
		return -EINVAL;
	w[0] = e->lctp | (e->lp ? ROOT_P : 0);
	w[1] = e->uctp | (e->up ? ROOT_P : 0);
	return 0;
}

int invt_vtd_ctx_build(const struct invt_vtd_ctx_entry *e, uint64_t w[INVT_VTD_CTX_WORDS])
{
	if (!e->present) {
		if (e->fpd || e->dte || e->paside || e->pre || e->pdts || e->pasid_dir ||
		    e->rid_pasid || e->rid_priv)
			return -EINVAL;
		memset(w, 0, INVT_VTD_CTX_WORDS * sizeof(*w));
		return 0;
	}
	if (e->pdts > INVT_VTD_PDTS_MAX || !e->pasid_dir || !ptr_ok(e->pasid_dir) ||
	    e->rid_pasid > CTX_RID_PASID)
		return -EINVAL;
	w[0] = CTX_P | (e->fpd ? CTX_FPD : 0) | (e->dte ? CTX_DTE : 0) |
	       (e->paside ? CTX_PASIDE : 0) | (e->pre ? CTX_PRE : 0) |
	       (uint64_t)e->pdts << CTX_PDTS_SHIFT | e->pasid_dir;
	w[1] = e->rid_pasid | (e->rid_priv ? CTX_RID_PRIV : 0);
	w[2] = 0;
	w[3] = 0;
	return 0;
}

int invt_vtd_pdir_build(const struct invt_vtd_pdir_entry *e, uint64_t *w)
{
	if (!e->present) {
		if (e->fpd || e->table)
			return -EINVAL;
		*w = 0;
		return 0;
	}
	if (!e->table || !ptr_ok(e->table))
		return -EINVAL;
	*w = PDIR_P | (e->fpd ? PDIR_FPD : 0) | e->table;
	return 0;
}

static bool pasid_fields_ok(const struct invt_vtd_pasid_entry *e)
{
	bool fs = e->pgtt == INVT_VTD_PGTT_FS || e->pgtt == INVT_VTD_PGTT_NESTED;
	bool ss = e->pgtt == INVT_VTD_PGTT_SS || e->pgtt == INVT_VTD_PGTT_NESTED;

	if (e->pgtt < INVT_VTD_PGTT_FS || e->pgtt > INVT_VTD_PGTT_PT)
		return false;
	if (e->aw < INVT_VTD_AW_39 || e->aw > INVT_VTD_AW_57)
		return false;
	if (!ptr_ok(e->ssptptr) || !ptr_ok(e->fsptptr) || e->flpm > INVT_VTD_FLPM_5L)
		return false;
	if (ss != !!e->ssptptr || fs != !!e->fsptptr)
		return false;
	return fs || !(e->sre || e->flpm || e->wpe || e->nxe);
}

int invt_vtd_pasid_build(const struct invt_vtd_pasid_entry *e, uint64_t w[INVT_VTD_PASID_WORDS])
{
	if (!e->present) {
		if (e->fpd || e->aw || e->pgtt || e->ssptptr || e->did || e->pwsnp || e->pgsnp ||
		    e->sre || e->flpm || e->wpe || e->nxe || e->fsptptr)
			return -EINVAL;
		memset(w, 0, INVT_VTD_PASID_WORDS * sizeof(*w));
		return 0;
	}
	if (!pasid_fields_ok(e))
		return -EINVAL;
	memset(w, 0, INVT_VTD_PASID_WORDS * sizeof(*w));
	w[0] = PE_P | (e->fpd ? PE_FPD : 0) | (uint64_t)e->aw << PE_AW_SHIFT |
	       (uint64_t)e->pgtt << PE_PGTT_SHIFT | e->ssptptr;
	w[1] = e->did | (e->pwsnp ? PE_PWSNP : 0) | (e->pgsnp ? PE_PGSNP : 0);
	w[2] = (e->sre ? PE_SRE : 0) | (uint64_t)e->flpm << PE_FLPM_SHIFT |
	       (e->wpe ? PE_WPE : 0) | (e->nxe ? PE_NXE : 0) | e->fsptptr;
	return 0;
}

void invt_vtd_cfg_write(uint64_t *slot, const uint64_t *w, unsigned int n)
{
	unsigned int i;

	/* Relaxed: the unit may read these only once word 0 says present. */
	for (i = 1; i < n; i++)
		__atomic_store_n(&slot[i], htole64(w[i]), __ATOMIC_RELAXED);
	/*
	 * Release: pairs with the unit's acquire load of word 0.  Forbids a
	 * unit that sees P = 1 from reading the other words' old values.
	 */
	__atomic_store_n(&slot[0], htole64(w[0]), __ATOMIC_RELEASE);
}

void invt_vtd_cfg_break(uint64_t *slot)
{
	/*
	 * Release: pairs with the unit's acquire load of word 0, so a unit
	 * that sees P = 0 also sees whatever was written before; the other
	 * words keep their old values until the caller's invalidation is done.
	 */
	__atomic_store_n(&slot[0], 0, __ATOMIC_RELEASE);
}

void invt_vtd_cfg_clear(uint64_t *slot, unsigned int n)
{
	unsigned int i;

	/*
	 * Release: pairs with the unit's acquire load of word 0; P = 0 first,
	 * so that no reader combines cleared words with P = 1.  The
	 * invalidation the caller queues next is published by IQT's release.
	 */
	__atomic_store_n(&slot[0], 0, __ATOMIC_RELEASE);
	for (i = 1; i < n; i++)
		__atomic_store_n(&slot[i], 0, __ATOMIC_RELAXED);
}

uint64_t invt_vtd_cfg_word(const uint64_t *slot, unsigned int i)
{
	/* Relaxed: this file's callers are the only writers, under their lock. */
	return le64toh(__atomic_load_n(&slot[i], __ATOMIC_RELAXED));
}
