// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * exports.c - the public API of invtrack.ko: what <invtrack/core.h>,
 * <invtrack/invs.h>, <invtrack/pt*.h>, each architecture's encoder,
 * range-policy, queue, configuration and driver headers and
 * <invtrack/viommu.h> declare: every function of a header included here
 * (tests/lib/exports.py kernel checks it).  Internal functions shared between the core's files (internal.h) are
 * not exported.
 */
#include <linux/export.h>

#include <invtrack/ablation.h>
#include <invtrack/core.h>
#include <invtrack/fault.h>
#include <invtrack/invs.h>
#include <invtrack/pt-riscv.h>
#include <invtrack/pt-vtd.h>
#include <invtrack/pt.h>
#include <invtrack/riscv-cfg.h>
#include <invtrack/riscv-driver.h>
#include <invtrack/riscv-queue.h>
#include <invtrack/riscv.h>
#include <invtrack/smmuv3-cfg.h>
#include <invtrack/smmuv3-driver.h>
#include <invtrack/smmuv3-queue.h>
#include <invtrack/smmuv3.h>
#include <invtrack/vtd-cfg.h>
#include <invtrack/vtd-driver.h>
#include <invtrack/vtd-queue.h>
#include <invtrack/viommu.h>
#include <invtrack/vtd.h>

/* <invtrack/core.h>: objects, attach protocol, flush engine. */
EXPORT_SYMBOL_GPL(invt_ctx_init);
EXPORT_SYMBOL_GPL(invt_ctx_destroy);
EXPORT_SYMBOL_GPL(invt_tag_space_init);
EXPORT_SYMBOL_GPL(invt_tag_space_destroy);
EXPORT_SYMBOL_GPL(invt_tag_space_used);
EXPORT_SYMBOL_GPL(invt_tag_space_quarantined);
EXPORT_SYMBOL_GPL(invt_iommu_register);
EXPORT_SYMBOL_GPL(invt_iommu_unregister);
EXPORT_SYMBOL_GPL(invt_batch_init);
EXPORT_SYMBOL_GPL(invt_batch_reserve);
EXPORT_SYMBOL_GPL(invt_batch_submit);
EXPORT_SYMBOL_GPL(invt_device_init);
EXPORT_SYMBOL_GPL(invt_device_destroy);
EXPORT_SYMBOL_GPL(invt_device_domain);
EXPORT_SYMBOL_GPL(invt_device_in_use);
EXPORT_SYMBOL_GPL(invt_device_ats);
EXPORT_SYMBOL_GPL(invt_domain_init);
EXPORT_SYMBOL_GPL(invt_domain_destroy);
EXPORT_SYMBOL_GPL(invt_domain_invs_get);
EXPORT_SYMBOL_GPL(invt_domain_tag);
EXPORT_SYMBOL_GPL(invt_domain_tag_locked);
EXPORT_SYMBOL_GPL(invt_attach_prepare);
EXPORT_SYMBOL_GPL(invt_attach_installing);
EXPORT_SYMBOL_GPL(invt_attach_commit);
EXPORT_SYMBOL_GPL(invt_attach_abort);
EXPORT_SYMBOL_GPL(invt_attach);
EXPORT_SYMBOL_GPL(invt_domain_invalidate);
EXPORT_SYMBOL_GPL(invt_domain_invalidate_all);
EXPORT_SYMBOL_GPL(invt_invs_flush);
EXPORT_SYMBOL_GPL(invt_invs_plan_count);
EXPORT_SYMBOL_GPL(invt_rcu_register_thread);
EXPORT_SYMBOL_GPL(invt_rcu_unregister_thread);

/* <invtrack/invs.h>: the arrays. */
EXPORT_SYMBOL_GPL(invt_invs_alloc);
EXPORT_SYMBOL_GPL(invt_invs_free);
EXPORT_SYMBOL_GPL(invt_invs_cmp);
EXPORT_SYMBOL_GPL(invt_invs_merge);
EXPORT_SYMBOL_GPL(invt_invs_unref);
EXPORT_SYMBOL_GPL(invt_invs_purge);

/* <invtrack/ablation.h>: rule names (switching one off needs a userspace test build). */
EXPORT_SYMBOL_GPL(invt_ablate);
EXPORT_SYMBOL_GPL(invt_ablation_name);
EXPORT_SYMBOL_GPL(invt_ablations_built);

#ifdef CONFIG_INVTRACK_FAULT_INJECT
/* <invtrack/fault.h>: allocation-failure injection (test kernels only). */
EXPORT_SYMBOL_GPL(invt_fault_inject);
EXPORT_SYMBOL_GPL(invt_fault_pending);
EXPORT_SYMBOL_GPL(invt_alloc_count);
#endif

/* <invtrack/pt.h>, <invtrack/pt-vtd.h>, <invtrack/pt-riscv.h>: page tables. */
EXPORT_SYMBOL_GPL(invt_pt_fmt_check);
EXPORT_SYMBOL_GPL(invt_pt_init);
EXPORT_SYMBOL_GPL(invt_pt_free);
EXPORT_SYMBOL_GPL(invt_pt_map);
EXPORT_SYMBOL_GPL(invt_pt_unmap);
EXPORT_SYMBOL_GPL(invt_pt_lookup);
EXPORT_SYMBOL_GPL(invt_pt_hw_walk);
EXPORT_SYMBOL_GPL(invt_pt_hw_walk_from);
EXPORT_SYMBOL_GPL(invt_pt_fmt_arm_s1_4k);
EXPORT_SYMBOL_GPL(invt_pt_fmt_arm_s2_4k);
EXPORT_SYMBOL_GPL(invt_pt_fmt_vtd_fs_4l);
EXPORT_SYMBOL_GPL(invt_pt_fmt_vtd_ss_4l);
EXPORT_SYMBOL_GPL(invt_pt_fmt_vtd_ss_5l);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv39);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv39x4);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv48);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv48x4);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv57);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_sv57x4);
EXPORT_SYMBOL_GPL(invt_pt_fmt_rv_by_mode);

/* <invtrack/smmuv3.h>: SMMUv3 command encoder and range policy. */
EXPORT_SYMBOL_GPL(invt_smmu_cmd_encode);
EXPORT_SYMBOL_GPL(invt_smmu_cmd_encode_le);
EXPORT_SYMBOL_GPL(invt_smmu_inv_count);
EXPORT_SYMBOL_GPL(invt_smmu_inv_emit);

/* <invtrack/vtd.h>: VT-d descriptor encoder and range policy. */
EXPORT_SYMBOL_GPL(invt_vtd_desc_encode);
EXPORT_SYMBOL_GPL(invt_vtd_desc_encode_le);
EXPORT_SYMBOL_GPL(invt_vtd_caps_from_cap);
EXPORT_SYMBOL_GPL(invt_vtd_inv_count);
EXPORT_SYMBOL_GPL(invt_vtd_inv_emit);

/* <invtrack/riscv.h>: RISC-V IOMMU command encoder and range policy. */
EXPORT_SYMBOL_GPL(invt_rv_cmd_encode);
EXPORT_SYMBOL_GPL(invt_rv_cmd_encode_le);
EXPORT_SYMBOL_GPL(invt_rv_inv_count);
EXPORT_SYMBOL_GPL(invt_rv_inv_emit);

/*
 * <invtrack/smmuv3-queue.h>, <invtrack/smmuv3-cfg.h>, <invtrack/smmuv3-driver.h>: the SMMUv3
 * command-queue producer, STE / CD builders, the driver on the core.
 */
EXPORT_SYMBOL_GPL(invt_smmu_cmdq_init);
EXPORT_SYMBOL_GPL(invt_smmu_cmdq_destroy);
EXPORT_SYMBOL_GPL(invt_smmu_cmdq_submit);
EXPORT_SYMBOL_GPL(invt_smmu_cmdq_wait);
EXPORT_SYMBOL_GPL(invt_smmu_cmdq_poll);
EXPORT_SYMBOL_GPL(invt_smmu_ps_encode);
EXPORT_SYMBOL_GPL(invt_smmu_ps_bits);
EXPORT_SYMBOL_GPL(invt_smmu_s1_geometry);
EXPORT_SYMBOL_GPL(invt_smmu_s2_geometry);
EXPORT_SYMBOL_GPL(invt_smmu_ste_build);
EXPORT_SYMBOL_GPL(invt_smmu_cd_build);
EXPORT_SYMBOL_GPL(invt_smmu_l1std_build);
EXPORT_SYMBOL_GPL(invt_smmu_l1cd_build);
EXPORT_SYMBOL_GPL(invt_smmu_l1_publish);
EXPORT_SYMBOL_GPL(invt_smmu_cfg_write);
EXPORT_SYMBOL_GPL(invt_smmu_cfg_break);
EXPORT_SYMBOL_GPL(invt_smmu_cfg_break_to);
EXPORT_SYMBOL_GPL(invt_smmu_cfg_write_body);
EXPORT_SYMBOL_GPL(invt_smmu_cfg_make_valid);
EXPORT_SYMBOL_GPL(invt_smmu_ste_set_eats);
EXPORT_SYMBOL_GPL(invt_smmu_probe);
EXPORT_SYMBOL_GPL(invt_smmu_init);
EXPORT_SYMBOL_GPL(invt_smmu_destroy);
EXPORT_SYMBOL_GPL(invt_smmu_domain_init_bits);
EXPORT_SYMBOL_GPL(invt_smmu_domain_init);
EXPORT_SYMBOL_GPL(invt_smmu_domain_init_for);
EXPORT_SYMBOL_GPL(invt_smmu_domain_init_nested);
EXPORT_SYMBOL_GPL(invt_smmu_domain_fits);
EXPORT_SYMBOL_GPL(invt_smmu_domain_destroy);
EXPORT_SYMBOL_GPL(invt_smmu_master_init);
EXPORT_SYMBOL_GPL(invt_smmu_master_destroy);
EXPORT_SYMBOL_GPL(invt_smmu_master_ats_off);
EXPORT_SYMBOL_GPL(invt_smmu_attach_prepare);
EXPORT_SYMBOL_GPL(invt_smmu_attach_install);
EXPORT_SYMBOL_GPL(invt_smmu_attach_commit);
EXPORT_SYMBOL_GPL(invt_smmu_attach_abort);
EXPORT_SYMBOL_GPL(invt_smmu_attach);
EXPORT_SYMBOL_GPL(invt_smmu_submit_wait);
EXPORT_SYMBOL_GPL(invt_smmu_plan_count);
EXPORT_SYMBOL_GPL(invt_smmu_entry_req);

/*
 * <invtrack/vtd-queue.h>, <invtrack/vtd-cfg.h>, <invtrack/vtd-driver.h>: the VT-d invalidation
 * queue producer, root / context / PASID entry builders, the driver on the core.
 */
EXPORT_SYMBOL_GPL(invt_vtd_qi_init);
EXPORT_SYMBOL_GPL(invt_vtd_qi_destroy);
EXPORT_SYMBOL_GPL(invt_vtd_qi_submit);
EXPORT_SYMBOL_GPL(invt_vtd_qi_wait);
EXPORT_SYMBOL_GPL(invt_vtd_qi_wait_span);
EXPORT_SYMBOL_GPL(invt_vtd_qi_poll);
EXPORT_SYMBOL_GPL(invt_vtd_root_build);
EXPORT_SYMBOL_GPL(invt_vtd_ctx_build);
EXPORT_SYMBOL_GPL(invt_vtd_pdir_build);
EXPORT_SYMBOL_GPL(invt_vtd_pasid_build);
EXPORT_SYMBOL_GPL(invt_vtd_cfg_write);
EXPORT_SYMBOL_GPL(invt_vtd_cfg_break);
EXPORT_SYMBOL_GPL(invt_vtd_cfg_clear);
EXPORT_SYMBOL_GPL(invt_vtd_cfg_word);
EXPORT_SYMBOL_GPL(invt_vtd_init);
EXPORT_SYMBOL_GPL(invt_vtd_destroy);
EXPORT_SYMBOL_GPL(invt_vtd_domain_init);
EXPORT_SYMBOL_GPL(invt_vtd_domain_init_levels);
EXPORT_SYMBOL_GPL(invt_vtd_domain_init_nested);
EXPORT_SYMBOL_GPL(invt_vtd_domain_destroy);
EXPORT_SYMBOL_GPL(invt_vtd_master_init);
EXPORT_SYMBOL_GPL(invt_vtd_master_destroy);
EXPORT_SYMBOL_GPL(invt_vtd_master_ats_off);
EXPORT_SYMBOL_GPL(invt_vtd_attach_prepare);
EXPORT_SYMBOL_GPL(invt_vtd_attach_install);
EXPORT_SYMBOL_GPL(invt_vtd_attach_commit);
EXPORT_SYMBOL_GPL(invt_vtd_attach_abort);
EXPORT_SYMBOL_GPL(invt_vtd_attach);
EXPORT_SYMBOL_GPL(invt_vtd_submit_wait);
EXPORT_SYMBOL_GPL(invt_vtd_entry_req);
EXPORT_SYMBOL_GPL(invt_vtd_plan_count);

/*
 * <invtrack/riscv-queue.h>, <invtrack/riscv-cfg.h>, <invtrack/riscv-driver.h>: the RISC-V IOMMU
 * command-queue producer, device / process context builders, the driver on the core.
 */
EXPORT_SYMBOL_GPL(invt_rv_cmdq_init);
EXPORT_SYMBOL_GPL(invt_rv_cmdq_destroy);
EXPORT_SYMBOL_GPL(invt_rv_cmdq_submit);
EXPORT_SYMBOL_GPL(invt_rv_cmdq_wait);
EXPORT_SYMBOL_GPL(invt_rv_cmdq_poll);
EXPORT_SYMBOL_GPL(invt_rv_dc_build);
EXPORT_SYMBOL_GPL(invt_rv_pc_build);
EXPORT_SYMBOL_GPL(invt_rv_cfg_write);
EXPORT_SYMBOL_GPL(invt_rv_cfg_break);
EXPORT_SYMBOL_GPL(invt_rv_cfg_clear);
EXPORT_SYMBOL_GPL(invt_rv_pscid_space_init);
EXPORT_SYMBOL_GPL(invt_rv_init);
EXPORT_SYMBOL_GPL(invt_rv_destroy);
EXPORT_SYMBOL_GPL(invt_rv_domain_init);
EXPORT_SYMBOL_GPL(invt_rv_domain_init_nested);
EXPORT_SYMBOL_GPL(invt_rv_domain_destroy);
EXPORT_SYMBOL_GPL(invt_rv_master_init);
EXPORT_SYMBOL_GPL(invt_rv_master_destroy);
EXPORT_SYMBOL_GPL(invt_rv_master_ats_off);
EXPORT_SYMBOL_GPL(invt_rv_attach_prepare);
EXPORT_SYMBOL_GPL(invt_rv_attach_install);
EXPORT_SYMBOL_GPL(invt_rv_attach_commit);
EXPORT_SYMBOL_GPL(invt_rv_attach_abort);
EXPORT_SYMBOL_GPL(invt_rv_attach);
EXPORT_SYMBOL_GPL(invt_rv_submit_wait);
EXPORT_SYMBOL_GPL(invt_rv_entry_req);
EXPORT_SYMBOL_GPL(invt_rv_plan_count);
/* <invtrack/viommu.h>: viommus, vdevices, guest invalidation, event queues. */
EXPORT_SYMBOL_GPL(invt_viommu_cmd_bytes);
EXPORT_SYMBOL_GPL(invt_viommu_create);
EXPORT_SYMBOL_GPL(invt_viommu_destroy);
EXPORT_SYMBOL_GPL(invt_viommu_s2_tag);
EXPORT_SYMBOL_GPL(invt_viommu_get_stats);
EXPORT_SYMBOL_GPL(invt_viommu_nested_init);
EXPORT_SYMBOL_GPL(invt_viommu_nested_adopt);
EXPORT_SYMBOL_GPL(invt_viommu_nested_release);
EXPORT_SYMBOL_GPL(invt_viommu_nested_destroy);
EXPORT_SYMBOL_GPL(invt_vdevice_create);
EXPORT_SYMBOL_GPL(invt_vdevice_destroy);
EXPORT_SYMBOL_GPL(invt_vdevice_lookup);
EXPORT_SYMBOL_GPL(invt_viommu_device_removed);
EXPORT_SYMBOL_GPL(invt_viommu_invalidate);
EXPORT_SYMBOL_GPL(invt_vevent_record_bytes);
EXPORT_SYMBOL_GPL(invt_veventq_alloc);
EXPORT_SYMBOL_GPL(invt_veventq_free);
EXPORT_SYMBOL_GPL(invt_veventq_read);
EXPORT_SYMBOL_GPL(invt_veventq_depth);
EXPORT_SYMBOL_GPL(invt_viommu_report_fault);
