// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * riscv-xlate.c - what translation in the modelled RISC-V IOMMU does its
 * own way (the rest is the shared unit's, unit-xlate.c): the directory
 * fetch (the device context, ddtp 1LVL, base format, and through a PD8
 * process directory the process context: RISC-V IOMMU 1.0 §4.1 "Process to
 * translate an IOVA", §4.1.1, §4.1.2, parsed by src/arch/riscv/hw-cfg.c),
 * the scope of IODIR commands and the leaf checks.  IOTLB tags: first-stage
 * leaves (GSCID or host, PSCID), G-stage leaves (GSCID, NONE); walks use
 * the format of <invtrack/pt-riscv.h> the MODE names, and a leaf in the
 * root table fills no walk entry.  A device context with both iohgatp and
 * fsc (iosatp) not Bare translates in two stages (unit-nest.c); a process
 * directory under a G stage (its address guest-physical) is not modelled.
 * A valid DC that refuses the request (a process_id without PDTV) is
 * cached like any valid one; a DC or PC with V = 0 (the driver's way to
 * block) or misconfigured is not, nor is any fetch that faulted.
 *
 * Leaves are checked by the hardware side itself, whatever the format's
 * callbacks say: U must be 1 (device requests are not privileged; G-stage
 * accesses count as user accesses), A must be 1 and a write needs D = 1
 * (capabilities.AMO_HWAD is 0: the IOMMU never sets them, it faults).  A
 * faulting walk fills nothing.
 */
#include <errno.h>
#include <string.h>

#include "riscv-internal.h"

/* PTE bits (RISC-V Privileged, Sv39): U 4, G 5, A 6, D 7. */
#define PTE_U		(UINT64_C(1) << 4)
#define PTE_G		(UINT64_C(1) << 5)
#define PTE_A		(UINT64_C(1) << 6)
#define PTE_D		(UINT64_C(1) << 7)

bool mrv_cfg_in_scope(const void *scope, const struct invt_munit_cfg *c)
{
	return rv_hw_dir_in_scope(scope, c->sid, c->ssid, c->per_ssid);
}

int mrv_leaf(const struct invt_munit_cfg *c, unsigned int stage, struct invt_pt_walk *res,
	     bool *global)
{
	unsigned int prot = res->prot;

	(void)c;
	if (!(res->pte & PTE_U) || !(res->pte & PTE_A))
		return -EFAULT;		/* a page fault: nothing is cached */
	if (!(res->pte & PTE_D))
		prot &= ~INVT_PT_WRITE;
	if (!prot)
		return -EFAULT;
	res->prot = prot;
	*global = stage == INVT_MUNIT_S1 && (res->pte & PTE_G);
	return 0;
}

/* A host pointer to @bytes of model memory at @pa, or NULL. */
static const uint64_t *mem_words(struct invt_mrv *m, uint64_t pa, size_t bytes)
{
	if (!invt_mem_va(m->u.mem, pa + bytes - 1))
		return NULL;
	return invt_mem_va(m->u.mem, pa);
}

/* The first stage of a PD8 process context.  Return: 0 or -EFAULT. */
static int cfg_fetch_pc(struct invt_mrv *m, const struct rv_hw_dc *dc, uint32_t pid,
			struct invt_munit_cfg *c)
{
	uint64_t pa, w[RV_HW_PC_WORDS];
	const uint64_t *va;
	struct rv_hw_pc pc;

	if (dc->fmode == RV_HW_ATP_BARE || rv_hw_pdt_locate(dc, pid, &pa))
		return -EFAULT;		/* pdtp Bare: no first stage (bypass) */
	va = mem_words(m, pa, RV_HW_PC_BYTES);
	if (!va)
		return -EFAULT;		/* PDT entry load access fault */
	rv_hw_pc_read(va, w);
	if (rv_hw_pc_parse(w, m->regs.capabilities, &pc) || pc.fmode == RV_HW_ATP_BARE)
		return -EFAULT;		/* not valid, misconfigured, or Bare */
	c->per_ssid = true;
	c->tag_s1 = pc.pscid;
	c->fmt[INVT_MUNIT_S1] = invt_pt_fmt_rv_by_mode(false, pc.fmode);
	c->root[INVT_MUNIT_S1] = pc.froot;
	return 0;
}

int mrv_cfg_fetch(struct invt_munit *u, uint32_t did, uint32_t pid, struct invt_munit_cfg *c)
{
	struct invt_mrv *m = mrv_of(u);
	uint64_t ddtp, pa, w[RV_HW_DC_WORDS];
	const uint64_t *va;
	struct rv_hw_dc dc;
	unsigned int s = INVT_MUNIT_S1;

	u->n.cfg_fetches++;
	/*
	 * The ddtp the IOMMU acted on (its busy period over): a driver that
	 * does not wait for busy may find its new directory not yet in use.
	 * Acquire inside: pairs with the consumer's release when it took
	 * effect, itself after the driver's release store of ddtp, written
	 * after the directory's initialisation.
	 */
	ddtp = rv_hw_queue_ddtp(&m->hq);
	if (rv_hw_ddt_locate(ddtp, did, &pa))
		return -EFAULT;		/* Off, Bare, 2LVL/3LVL, device_id too wide */
	va = mem_words(m, pa, RV_HW_DC_BYTES);
	if (!va)
		return -EFAULT;		/* DDT entry load access fault */
	rv_hw_dc_read(va, w);
	if (rv_hw_dc_parse(w, m->regs.capabilities, &dc))
		return -EFAULT;		/* not valid or misconfigured */
	c->entry_ssid = pid;
	if (pid && !dc.pdtv) {
		/*
		 * A process_id without PDTV: "transaction type disallowed"
		 * (cause 260, §4.1), decided by the valid DC alone, which the
		 * IOMMU may cache as any valid one; software invalidates it
		 * with IODIR.INVAL_DDT after changing it.  Cached.
		 */
		c->blocks = true;
		return 0;
	}
	c->ats = dc.en_ats;
	if (dc.gmode != RV_HW_ATP_BARE) {
		/* A process directory at a guest-physical address: not modelled. */
		if (dc.pdtv)
			return -EFAULT;
		s = INVT_MUNIT_S2;
		c->stages = INVT_MUNIT_STAGE(s);
		c->tag_s2 = dc.gscid;
		c->tag_s1 = INVT_CACHE_ID_NONE;
		c->fmt[s] = invt_pt_fmt_rv_by_mode(true, dc.gmode);
		c->root[s] = dc.groot;
		if (dc.fmode == RV_HW_ATP_BARE)
			return c->fmt[s] ? 0 : -EFAULT;		/* G stage only */
		/*
		 * Two stages (§4.1 "Process to translate an IOVA"): with
		 * iohgatp not Bare, fsc is the VS stage's iosatp, whose root
		 * and tables are guest-physical and translated by the G stage;
		 * entries tagged (GSCID, PSCID).
		 */
		c->stages |= INVT_MUNIT_STAGE(INVT_MUNIT_S1);
		c->tag_s1 = dc.pscid;
		c->fmt[INVT_MUNIT_S1] = invt_pt_fmt_rv_by_mode(false, dc.fmode);
		c->root[INVT_MUNIT_S1] = dc.froot;
		return c->fmt[s] && c->fmt[INVT_MUNIT_S1] ? 0 : -EFAULT;
	} else if (!dc.pdtv) {
		if (dc.fmode == RV_HW_ATP_BARE)
			return -EFAULT;	/* both stages Bare: not modelled */
		c->tag_s2 = RV_HW_EXEC_HOST;
		c->tag_s1 = dc.pscid;
		c->fmt[s] = invt_pt_fmt_rv_by_mode(false, dc.fmode);
		c->root[s] = dc.froot;
	} else {
		/* No process_id: process_id 0 with DPE, else the first stage is Bare. */
		if (!pid && !dc.dpe)
			return -EFAULT;
		c->tag_s2 = RV_HW_EXEC_HOST;
		if (cfg_fetch_pc(m, &dc, pid, c))
			return -EFAULT;
	}
	c->stages = INVT_MUNIT_STAGE(s);
	return c->fmt[s] ? 0 : -EFAULT;
}
