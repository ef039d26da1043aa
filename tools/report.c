// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * report.c - what a run found: text for people, JSON for programs.
 *
 * The JSON is written here (no library): strings escaped per RFC 8259,
 * bytes that are not UTF-8 replaced by U+FFFD, counts as integers.  Its
 * shape is docs/report.schema.json.
 */
#include <inttypes.h>
#include <string.h>

#include <invtrack/model/oracle.h>

#include "cli.h"

#ifndef INVT_VERSION
#define INVT_VERSION "unknown"
#endif

/* How the text report names the architecture. */
static const char *arch_label(const struct invt_scn_params *p)
{
	if (p->arch && !strcmp(p->arch, "vtd"))
		return "VT-d";
	if (p->arch && !strcmp(p->arch, "riscv"))
		return "RISC-V IOMMU";
	return "SMMUv3";
}

static const char *verdict_name(int v)
{
	static const char *const names[] = {
		[INVT_MEM_LIVE] = "live", [INVT_MEM_FREED] = "freed", [INVT_MEM_REUSED] = "reused",
		[INVT_MEM_CHANGED] = "changed", [INVT_MEM_BAD_REF] = "bad_ref",
	};

	return v >= 0 && v <= INVT_MEM_BAD_REF ? names[v] : NULL;
}

static const char *cache_name(unsigned int cache)
{
	if (cache == INVT_VIOL_CACHE_COMMAND)
		return "command";
	return cache == INVT_VIOL_CACHE_CONFIG ? "config" : invt_cache_kind_name(cache);
}

static uint64_t overlap_saved(const struct invt_scn_result *r)
{
	return r->modelled_serial_ns > r->modelled_overlap_ns ?
	       r->modelled_serial_ns - r->modelled_overlap_ns : 0;
}

/* ---- text ---- */

/* A duration in ns, in a unit that keeps 3 significant digits. */
static const char *fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3g s", ns / 1e9);
	return buf;
}

/* One flight-recorder event, as the text report and JSON's "text" show it. */
static void fmt_event(char *buf, size_t len, const struct invt_scn_event *e)
{
	char dom[16];

	if (e->domain == UINT32_MAX)
		snprintf(dom, sizeof(dom), "none");
	else
		snprintf(dom, sizeof(dom), "%" PRIu32, e->domain);
	if (!strncmp(e->what, "attach", 6) || !strcmp(e->what, "config done"))
		snprintf(buf, len, "t=%" PRIu64 " %s: instance %" PRIu32 " sid %" PRIu32 " ssid %"
			 PRIu32 " -> domain %s", e->t, e->what, e->instance, e->sid, e->ssid, dom);
	else if (e->pa)
		snprintf(buf, len, "t=%" PRIu64 " %s: domain %s iova 0x%" PRIx64 "..0x%" PRIx64
			 " -> frame 0x%" PRIx64, e->t, e->what, dom, e->iova, e->last, e->pa);
	else
		snprintf(buf, len, "t=%" PRIu64 " %s: domain %s iova 0x%" PRIx64 "..0x%" PRIx64,
			 e->t, e->what, dom, e->iova, e->last);
}

/* Entries per command queue as built (a VT-d queue has at least 128). */
static unsigned int queue_slots(const struct invt_scn_params *p)
{
	unsigned int n = p->queue_slots ? p->queue_slots : 256;

	return p->arch && !strcmp(p->arch, "vtd") && n < 128 ? 128 : n;
}

static void text_violations(FILE *f, const struct cli_opts *o, const struct invt_scn_result *r)
{
	char line[2 * CLI_PATH_MAX + 512];
	unsigned int i, j;

	if (!r->oracle.total) {
		fprintf(f, "violations: none (%" PRIu64 " accesses checked)\n", r->oracle.accesses);
		/* Stopped by time or Ctrl-C: the operation count replays it. */
		if (!o->p.threaded && r->ops != o->p.ops) {
			cli_replay_args(o, r->ops, line, sizeof(line));
			fprintf(f, "exact replay: invtrack run %s\n", line);
		}
		return;
	}
	fprintf(f, "violations: %" PRIu64 " (STALE_TLB %" PRIu64 ", STALE_CONFIG %" PRIu64
		", WRONG_DOMAIN %" PRIu64 ", ISOLATION %" PRIu64 "); the first %u distinct:\n",
		r->oracle.total, r->oracle.violations[INVT_VIOL_STALE_TLB],
		r->oracle.violations[INVT_VIOL_STALE_CONFIG],
		r->oracle.violations[INVT_VIOL_WRONG_DOMAIN],
		r->oracle.violations[INVT_VIOL_ISOLATION], r->nr_reports);
	for (i = 0; i < r->nr_reports; i++) {
		invt_violation_format(&r->reports[i], o->p.seed, line, sizeof(line));
		if (r->reports[i].repeats)
			fprintf(f, "  %s\n    (and %" PRIu64 " more uses of the same entry)\n", line,
				r->reports[i].repeats);
		else
			fprintf(f, "  %s\n", line);
		if (r->nr_flight[i])
			fprintf(f, "    flight record: the last events touching it before t=%" PRIu64
				"\n", r->reports[i].use_stamp);
		for (j = 0; j < r->nr_flight[i]; j++) {
			fmt_event(line, sizeof(line), &r->flight[i][j]);
			fprintf(f, "      %s\n", line);
		}
	}
	if (r->flight_lost)
		fprintf(f, "  (older events were overwritten before a report: add "
			"--stop-on-violation to the replay)\n");
	cli_replay_args(o, r->ops, line, sizeof(line));
	fprintf(f, "replay: invtrack run %s\n", line);
	if (o->p.threaded)
		fprintf(f, "  (threaded runs replay in distribution; "
			"--mode inline replays exactly)\n");
}

void report_text(FILE *f, const struct cli_opts *o, const struct invt_scn_result *r)
{
	const struct invt_scn_params *p = &o->p;
	char a[128], b[32], c[32];
	uint64_t saved = overlap_saved(r);
	unsigned int op;

	fprintf(f, "invtrack run: %s model, seed %" PRIu64 "%s%s\n", arch_label(p), p->seed,
		o->ablate[0] ? ", rule switched off: " : "", o->ablate);
	fprintf(f, "  system  %u instance%s, %u devices: %u with ATS (--ats %g), %u with PASIDs "
		"(%u ssids each)\n", p->instances, p->instances == 1 ? "" : "s", p->devices,
		r->ats_devices, p->ats_percent / 100.0, r->pasid_devices, p->pasids);
	fprintf(f, "          %u domains (stage-1 and stage-2 alternately), "
		"range invalidation %s", p->domains, p->ril ? "on" : "off");
	if (!p->arch || !strcmp(p->arch, "smmuv3"))
		fprintf(f, ", OAS %u bits, %s tables", p->oas ? p->oas : 48,
			p->smmu_2lvl ? "two-level" : "linear");
	fprintf(f, "\n");
	if (p->vms)
		fprintf(f, "          %u VM%s: a nest parent and a nested domain per instance each, "
			"guest invalidations %s\n", p->vms, p->vms == 1 ? "" : "s",
			p->viommu_off ? "straight to the queues (viommu off)" : "through viommus");
	if (p->threaded)
		fprintf(f, "  load    threaded: %u churn + %u DMA threads%s", p->cpus, p->dma,
			p->delays ? ", delays at protocol points" : "");
	else
		fprintf(f, "  load    inline: one thread, deterministic");
	cli_fmt_mix(a, sizeof(a), p->mix);
	if (strcmp(a, "default"))
		fprintf(f, ", mix %s", a);
	if (p->seconds > 0)
		fprintf(f, ", up to %g s", p->seconds);
	if (p->ops)
		fprintf(f, ", up to %" PRIu64 " operations", p->ops);
	fprintf(f, "\n");
	fprintf(f, "ran %.2f s, %" PRIu64 " operations%s\n", r->elapsed, r->ops,
		r->interrupted ? " (interrupted: a partial report)" :
		r->stopped_on_violation ? " (stopped at the first violation)" : "");
	fprintf(f, "  map %" PRIu64 "  unmap %" PRIu64 "  attach %" PRIu64 "  detach %" PRIu64
		"  replace %" PRIu64 "  abort %" PRIu64 "  (attaches refused: %" PRIu64 ")\n",
		r->maps, r->unmaps, r->attaches, r->detaches, r->replaces, r->aborts,
		r->attach_errors);
	if (r->removals || r->unplugs)
		fprintf(f, "  instances removed and probed again %" PRIu64 ", devices unplugged "
			"and plugged back %" PRIu64 "\n", r->removals, r->unplugs);
	fprintf(f, "DMA: %" PRIu64 " accesses checked by the oracle (%.0f/s)\n", r->oracle.accesses,
		r->elapsed > 0 ? r->oracle.accesses / r->elapsed : 0.0);
	fprintf(f, "  %" PRIu64 " more accesses faulted (unmapped or blocked: expected, not "
		"violations)\n", r->oracle.faults);
	if (p->vms)
		fprintf(f, "  nested accesses %" PRIu64 " (of those checked: two stages, both "
			"checked)\n", r->oracle.nested_accesses);
	if (!p->arch || !strcmp(p->arch, "smmuv3")) {
		fprintf(f, "  translated through stage 1 %" PRIu64 ", stage 2 %" PRIu64 "\n",
			r->xlate_s1, r->xlate_s2);
		fprintf(f, "  C_BAD_STE %" PRIu64 ", C_BAD_CD %" PRIu64 ": ILLEGAL %" PRIu64
			" (a driver bug), the rest V = 0 (a stream the driver never set up)\n",
			r->bad_ste, r->bad_cd, r->illegal_cfg);
		fprintf(f, "  register handshake errors %" PRIu64 "\n", r->handshake_errors);
	}
	fprintf(f, "invalidations: %" PRIu64 " (invt_domain_invalidate calls)\n", r->invalidations);
	fprintf(f, "  commands  %" PRIu64 "; minimum for the range policy %" PRIu64 " (%s)\n",
		r->inv_commands, r->inv_minimum,
		p->threaded ? "indicative" : r->inv_mismatches ? "MISMATCH" : "exact");
	if (p->threaded)
		fprintf(f, "            (threaded, the minimum is counted on each array just before "
			"the call; a device\n"
			"            attached during the call adds its ATC commands: the second look "
			"after the IOTLB wait)\n");
	fprintf(f, "  syncs     %" PRIu64 " completion commands, %" PRIu64 " waits\n", r->inv_syncs,
		r->inv_waits);
	fprintf(f, "  Linux's policy for the same arrays: %" PRIu64 " commands, %" PRIu64
		" waits (docs/comparison.md)\n", r->linux_commands, r->linux_waits);
	fprintf(f, "  thread CPU time  p50 %s  p99 %s  mean %s%s\n",
		fmt_ns(a, sizeof(a), r->cpu_ns_p50), fmt_ns(b, sizeof(b), r->cpu_ns_p99),
		fmt_ns(c, sizeof(c), r->cpu_ns_mean),
		p->threaded ? "" : " (inline: the units' work included)");
	fprintf(f, "  modelled time    p50 %s  p99 %s  mean %s\n",
		fmt_ns(a, sizeof(a), r->modelled_ns_p50), fmt_ns(b, sizeof(b), r->modelled_ns_p99),
		fmt_ns(c, sizeof(c), r->modelled_ns_mean));
	fprintf(f, "  waiting for the instances together saved %s of modelled time (%s, not %s: "
		"%.0f%%)\n", fmt_ns(a, sizeof(a), saved),
		fmt_ns(b, sizeof(b), r->modelled_overlap_ns),
		fmt_ns(c, sizeof(c), r->modelled_serial_ns),
		r->modelled_serial_ns ? 100.0 * saved / r->modelled_serial_ns : 0.0);
	if (p->vms) {
		fprintf(f, "guest invalidations: %" PRIu64 " (%s), %" PRIu64 " guest commands"
			" (completions included)\n", r->guest.invalidations,
			p->viommu_off ? "straight to the queues" : "through the viommus",
			r->guest.commands);
		fprintf(f, "  guest maps %" PRIu64 "  unmaps %" PRIu64 "; guest pages the host "
			"moved %" PRIu64 "\n", r->guest.maps, r->guest.unmaps, r->guest.migrations);
		if (r->guest.skipped)
			fprintf(f, "  %" PRIu64 " guest invalidations skipped: their instance's "
				"driver was removed\n", r->guest.skipped);
		if (!p->viommu_off)
			fprintf(f, "  viommu: %" PRIu64 " guest commands done, %" PRIu64
				" rejected, %" PRIu64 " host commands; events %" PRIu64 ", lost %"
				PRIu64 "\n", r->guest.viommu_commands, r->guest.viommu_rejected,
				r->guest.viommu_host_commands, r->guest.viommu_events,
				r->guest.viommu_lost_events);
		fprintf(f, "  faults recorded by the units: %" PRIu64 " (%" PRIu64
			" lost to a full queue), %" PRIu64 " kept by the host\n  the guests read %"
			PRIu64 " events, %" PRIu64 " out of sequence\n", r->guest.fault_records,
			r->guest.fault_overflows, r->guest.host_faults, r->guest.events_read,
			r->guest.event_errors);
		fprintf(f, "  isolation: %" PRIu64 " guest-issued commands named a tag or device "
			"the VM does not own%s\n", r->guest.isolation,
			r->guest.isolation ? " (an isolation breach)" : "");
	}
	fprintf(f, "commands consumed by the %s units: %" PRIu64 "\n", arch_label(&o->p),
		r->commands);
	for (op = 0; op < 256; op++) {
		const char *n = invt_scn_op_name(o->p.arch, op);

		if (r->by_op[op])
			fprintf(f, "  %-20s %" PRIu64 "\n", n ? n : "?", r->by_op[op]);
	}
	fprintf(f, "  queue: %u slots, found full %" PRIu64 " times\n",
		queue_slots(&o->p), r->queue_full_waits);
	if (o->p.faults > 0 || r->faults.injected) {
		unsigned int k;

		fprintf(f, "faults: %" PRIu64 " injected, %" PRIu64 " recovered", r->faults.injected,
			r->faults.recovered);
		for (k = 0; k < INVT_HW_FAULT_NR; k++)
			if (invt_scn_fault_name(o->p.arch, k))
				fprintf(f, "%s %s %" PRIu64 "/%" PRIu64, k ? "," : " (",
					invt_scn_fault_name(o->p.arch, k), r->faults.kind_injected[k],
					r->faults.kind_recovered[k]);
		fprintf(f, ")\n");
		if (r->faults.inv_failed || r->faults.leaked_frames)
			fprintf(f, "  invalidations failed after the drivers' retries %" PRIu64
				": %" PRIu64 " frames withheld until a later one completed, %"
				PRIu64 " never freed\n", r->faults.inv_failed,
				r->faults.withheld_frames, r->faults.leaked_frames);
		if (r->faults.ats_disabled)
			fprintf(f, "  devices whose ATC never answered, ATS turned off: %" PRIu64 "\n",
				r->faults.ats_disabled);
	}
	text_violations(f, o, r);
}

/* ---- JSON ---- */

/* Length of the UTF-8 sequence at @s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_str(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*u) {
		if (*u == '"' || *u == '\\') {
			fputc('\\', f);
			fputc(*u++, f);
		} else if (*u == '\n') {
			fputs("\\n", f), u++;
		} else if (*u == '\t') {
			fputs("\\t", f), u++;
		} else if (*u < 0x20 || *u == 0x7f) {
			fprintf(f, "\\u%04x", *u++);
		} else if ((n = utf8_len(u)) > 0) {
			fwrite(u, 1, n, f);
			u += n;
		} else {
			fputs("\\ufffd", f), u++;
		}
	}
	fputc('"', f);
}

/* An id or domain: the number, or null for "none". */
static void json_id(FILE *f, uint32_t id)
{
	if (id == UINT32_MAX)
		fputs("null", f);
	else
		fprintf(f, "%" PRIu32, id);
}

static void json_violation(FILE *f, const struct invt_violation *v, uint64_t seed,
			   const struct invt_scn_event *ev, unsigned int nev)
{
	char line[1024];
	unsigned int i;

	fprintf(f, "{\"kind\": ");
	json_str(f, invt_violation_name(v->kind));
	fprintf(f, ", \"instance\": %" PRIu32 ", \"sid\": %" PRIu32 ", \"ssid\": %" PRIu32
		", \"cache\": ", v->instance, v->sid, v->ssid);
	json_str(f, cache_name(v->cache));
	fprintf(f, ", \"tag_s2\": ");
	json_id(f, v->tag_s2);
	fprintf(f, ", \"tag_s1\": ");
	json_id(f, v->tag_s1);
	fprintf(f, ", \"iova\": %" PRIu64 ", \"pa\": %" PRIu64 ", \"domain\": ", v->iova, v->pa);
	json_id(f, v->domain);
	fprintf(f, ", \"expected_domain\": ");
	json_id(f, v->expected_domain);
	fprintf(f, ", \"verdict\": ");
	json_str(f, verdict_name(v->verdict));
	fprintf(f, ", \"freed_at\": %" PRIu64 ", \"fill_stamp\": %" PRIu64 ", \"use_stamp\": %"
		PRIu64 ", \"repeats\": %" PRIu64 ", \"why\": ", v->freed_at, v->fill_stamp,
		v->use_stamp, v->repeats);
	json_str(f, v->why);
	fprintf(f, ", \"stage\": %u, \"vm\": ", v->stage);
	if (v->kind == INVT_VIOL_ISOLATION)
		fprintf(f, "%" PRIu32 ", \"ipa\": null", v->vm);
	else if (v->stage)
		fprintf(f, "%" PRIu32 ", \"ipa\": %" PRIu64, v->vm, v->ipa);
	else
		fprintf(f, "null, \"ipa\": null");
	invt_violation_format(v, seed, line, sizeof(line));
	fprintf(f, ", \"text\": ");
	json_str(f, line);
	fprintf(f, ", \"flight\": [");
	for (i = 0; i < nev; i++) {
		fprintf(f, "%s{\"t\": %" PRIu64 ", \"what\": ", i ? ", " : "", ev[i].t);
		json_str(f, ev[i].what);
		fmt_event(line, sizeof(line), &ev[i]);
		fprintf(f, ", \"text\": ");
		json_str(f, line);
		fputc('}', f);
	}
	fprintf(f, "]}");
}

static void json_scenario(FILE *f, const struct cli_opts *o)
{
	const struct invt_scn_params *p = &o->p;
	char secs[32], mix[128];

	cli_fmt_real(secs, sizeof(secs), p->seconds);
	fprintf(f, "  \"scenario\": {\"arch\": \"%s\", \"instances\": %u, \"devices\": %u, "
		"\"ats\": %g, \"pasids\": %u, \"domains\": %u, \"cpus\": %u, \"dma\": %u, "
		"\"seconds\": %s, \"ops\": %" PRIu64 ", \"seed\": %" PRIu64 ", \"mode\": \"%s\", "
		"\"range_inv\": %s, \"iotlb_tags\": \"%s\", \"oas\": %u, \"cost\": ",
		p->arch ? p->arch : "smmuv3", p->instances, p->devices, p->ats_percent / 100.0,
		p->pasids, p->domains, p->cpus, p->dma, secs, p->ops, p->seed,
		p->threaded ? "threaded" : "inline", p->ril ? "true" : "false",
		p->iotlb_by_tags ? "domain" : "device", p->oas ? p->oas : 48);
	json_str(f, o->cost_file[0] ? o->cost_file : NULL);
	fprintf(f, ", \"ablate\": ");
	json_str(f, o->ablate[0] ? o->ablate : NULL);
	fprintf(f, ", \"delays\": %s", p->delays ? "true" : "false");
	fprintf(f, ", \"smmu_tables\": \"%s\"", p->smmu_2lvl ? "2lvl" : "linear");
	fprintf(f, ", \"vms\": %u, \"viommu\": %s", p->vms,
		p->vms && !p->viommu_off ? "true" : "false");
	fprintf(f, ", \"queue_slots\": %u, \"faults\": %g",
		p->queue_slots ? p->queue_slots : 256, p->faults);
	fprintf(f, ", \"mix\": ");
	cli_fmt_mix(mix, sizeof(mix), p->mix);
	json_str(f, mix);
	fprintf(f, "},\n");
}

void report_json(FILE *f, const struct cli_opts *o, const struct invt_scn_result *r)
{
	char replay[2 * CLI_PATH_MAX + 512];
	unsigned int op, i;
	bool first = true;

	fprintf(f, "{\n  \"tool\": \"invtrack\",\n  \"version\": \"%s\",\n", INVT_VERSION);
	json_scenario(f, o);
	fprintf(f, "  \"elapsed_seconds\": %.6f,\n", r->elapsed);
	fprintf(f, "  \"stopped\": {\"interrupted\": %s, \"at_violation\": %s},\n",
		r->interrupted ? "true" : "false", r->stopped_on_violation ? "true" : "false");
	fprintf(f, "  \"system\": {\"devices\": %u, \"ats_devices\": %u, \"pasid_devices\": %u},\n",
		o->p.devices, r->ats_devices, r->pasid_devices);
	fprintf(f, "  \"ops\": {\"total\": %" PRIu64 ", \"map\": %" PRIu64 ", \"unmap\": %" PRIu64
		", \"attach\": %" PRIu64 ", \"detach\": %" PRIu64 ", \"replace\": %" PRIu64
		", \"abort\": %" PRIu64 ", \"attach_errors\": %" PRIu64 ", \"remove\": %" PRIu64
		", \"unplug\": %" PRIu64 "},\n", r->ops, r->maps, r->unmaps, r->attaches,
		r->detaches, r->replaces, r->aborts, r->attach_errors, r->removals, r->unplugs);
	fprintf(f, "  \"dma\": {\"accesses\": %" PRIu64 ", \"faults\": %" PRIu64
		", \"stage1_translations\": %" PRIu64 ", \"stage2_translations\": %" PRIu64
		", \"c_bad_ste\": %" PRIu64 ", \"c_bad_cd\": %" PRIu64 ", \"illegal_config\": %"
		PRIu64 ", \"handshake_errors\": %" PRIu64 ", \"nested_accesses\": %" PRIu64 "},\n",
		r->oracle.accesses, r->oracle.faults, r->xlate_s1, r->xlate_s2, r->bad_ste,
		r->bad_cd, r->illegal_cfg, r->handshake_errors, r->oracle.nested_accesses);
	fprintf(f, "  \"invalidations\": {\"count\": %" PRIu64 ", \"commands\": %" PRIu64
		", \"minimum_commands\": %" PRIu64 ", \"mismatches\": %" PRIu64 ", \"syncs\": %"
		PRIu64 ", \"waits\": %" PRIu64 ",\n", r->invalidations, r->inv_commands,
		r->inv_minimum, r->inv_mismatches, r->inv_syncs, r->inv_waits);
	fprintf(f, "    \"guest_count\": %" PRIu64 ", \"guest_commands\": %" PRIu64 ",\n",
		r->guest.invalidations, r->guest.commands);
	fprintf(f, "    \"cpu_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"mean\": %" PRIu64
		"}, \"modelled_ns\": {\"p50\": %" PRIu64 ", \"p99\": %" PRIu64 ", \"mean\": %"
		PRIu64 "},\n", r->cpu_ns_p50, r->cpu_ns_p99, r->cpu_ns_mean, r->modelled_ns_p50,
		r->modelled_ns_p99, r->modelled_ns_mean);
	fprintf(f, "    \"modelled_serial_ns\": %" PRIu64 ", \"modelled_overlap_ns\": %" PRIu64
		", \"modelled_wait_overlap_saved_ns\": %" PRIu64 ",\n", r->modelled_serial_ns,
		r->modelled_overlap_ns, overlap_saved(r));
	fprintf(f, "    \"linux_policy\": {\"commands\": %" PRIu64 ", \"waits\": %" PRIu64 "}},\n",
		r->linux_commands, r->linux_waits);
	fprintf(f, "  \"commands\": {\"consumed\": %" PRIu64 ", \"syncs\": %" PRIu64 "},\n",
		r->commands, r->syncs);
	fprintf(f, "  \"commands_by_type\": {");
	for (op = 0; op < 256; op++) {
		if (!r->by_op[op])
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, invt_scn_op_name(o->p.arch, op) ? invt_scn_op_name(o->p.arch, op) : "UNKNOWN");
		fprintf(f, ": %" PRIu64, r->by_op[op]);
		first = false;
	}
	fprintf(f, "},\n");
	fprintf(f, "  \"guest\": {\"maps\": %" PRIu64 ", \"unmaps\": %" PRIu64
		", \"migrations\": %" PRIu64 ", \"skipped\": %" PRIu64 "},\n", r->guest.maps,
		r->guest.unmaps, r->guest.migrations, r->guest.skipped);
	fprintf(f, "  \"viommu\": {\"guest_commands\": %" PRIu64 ", \"guest_rejected\": %"
		PRIu64 ", \"host_commands\": %" PRIu64 ", \"events\": %" PRIu64
		", \"lost_events\": %" PRIu64 ", \"isolation\": %" PRIu64 ", \"fault_records\": %"
		PRIu64 ", \"fault_overflows\": %" PRIu64 ", \"host_faults\": %" PRIu64
		", \"events_read\": %" PRIu64 ", \"event_errors\": %" PRIu64 "},\n",
		r->guest.viommu_commands, r->guest.viommu_rejected, r->guest.viommu_host_commands,
		r->guest.viommu_events, r->guest.viommu_lost_events, r->guest.isolation,
		r->guest.fault_records, r->guest.fault_overflows, r->guest.host_faults,
		r->guest.events_read, r->guest.event_errors);
	fprintf(f, "  \"queue\": {\"slots\": %u, \"full_waits\": %" PRIu64 "},\n",
		queue_slots(&o->p), r->queue_full_waits);
	fprintf(f, "  \"faults\": {\"injected\": %" PRIu64 ", \"recovered\": %" PRIu64
		", \"failed_invalidations\": %" PRIu64 ", \"withheld_frames\": %" PRIu64
		", \"leaked_frames\": %" PRIu64 ", \"ats_disabled\": %" PRIu64
		", \"by_kind\": {", r->faults.injected, r->faults.recovered, r->faults.inv_failed,
		r->faults.withheld_frames, r->faults.leaked_frames, r->faults.ats_disabled);
	first = true;
	for (op = 0; op < INVT_HW_FAULT_NR; op++) {
		const char *n = invt_scn_fault_name(o->p.arch, op);

		if (!n)
			continue;
		fprintf(f, "%s\"%s\": {\"injected\": %" PRIu64 ", \"recovered\": %" PRIu64 "}",
			first ? "" : ", ", n, r->faults.kind_injected[op],
			r->faults.kind_recovered[op]);
		first = false;
	}
	fprintf(f, "}},\n");
	fprintf(f, "  \"violations\": {\"total\": %" PRIu64 ", \"stale_tlb\": %" PRIu64
		", \"stale_config\": %" PRIu64 ", \"wrong_domain\": %" PRIu64
		", \"isolation\": %" PRIu64 ", \"first\": [",
		r->oracle.total, r->oracle.violations[INVT_VIOL_STALE_TLB],
		r->oracle.violations[INVT_VIOL_STALE_CONFIG],
		r->oracle.violations[INVT_VIOL_WRONG_DOMAIN],
		r->oracle.violations[INVT_VIOL_ISOLATION]);
	for (i = 0; i < r->nr_reports; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_violation(f, &r->reports[i], o->p.seed, r->flight[i], r->nr_flight[i]);
	}
	fprintf(f, "%s]},\n", r->nr_reports ? "\n  " : "");
	memcpy(replay, "invtrack run ", 13);
	cli_replay_args(o, r->ops, replay + 13, sizeof(replay) - 13);
	fprintf(f, "  \"replay\": ");
	json_str(f, replay);
	fprintf(f, "\n}\n");
}
