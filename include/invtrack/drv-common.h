/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/drv-common.h - what every arch driver on the core takes from its
 * platform and offers to observers (VT-d, RISC-V; SMMUv3 has the same two
 * shapes under its own names in <invtrack/smmuv3-driver.h>).
 */
#ifndef INVTRACK_DRV_COMMON_H
#define INVTRACK_DRV_COMMON_H

#include <stddef.h>
#include <stdint.h>

struct invt_iommu;

/**
 * struct invt_dma_ops - DMA-able memory for the driver's tables (root and
 *	context tables, PASID tables, device and process directories, queues).
 * @alloc: @bytes (a power of two, at least 64) of zeroed memory aligned to
 *	the larger of @bytes and 64; returns the host pointer and stores the
 *	physical address the IOMMU uses in *@pa; NULL when out of memory.
 * @free: give back what @alloc returned.
 * @arg: first argument of both.
 */
struct invt_dma_ops {
	void *(*alloc)(void *arg, size_t bytes, uint64_t *pa);
	void (*free)(void *arg, void *va, uint64_t pa, size_t bytes);
	void *arg;
};

/**
 * struct invt_drv_hooks - optional observers of a driver (tools, tests).
 * @submitted: @n commands of @cmd_bytes each (queue format) were handed to
 *	the queue, by the flush engine or the configuration path; called in
 *	the submitting thread after the submission.
 * @waited: a completion was waited for, in the waiting thread.
 * @written: one command of @cmd_bytes copied into queue memory at logical
 *	@index, under the producer lock (so in writing order); it must not use
 *	the queue.
 * @arg: first argument of each.
 *
 * Any may be NULL.  They run on the invalidation fast path: keep them short.
 */
struct invt_drv_hooks {
	void (*submitted)(void *arg, struct invt_iommu *iommu, const void *cmds, uint32_t n,
			  unsigned int cmd_bytes);
	void (*waited)(void *arg, struct invt_iommu *iommu);
	void (*written)(void *arg, struct invt_iommu *iommu, uint64_t index, const void *slot,
			unsigned int cmd_bytes);
	void *arg;
};

#endif /* INVTRACK_DRV_COMMON_H */
