/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * cli.h - the invtrack command: options, scenario files, reports, traces.
 *
 * A scenario is a set of keys (the names of the `invtrack run` options that
 * describe the system and its load), each set at a level: the default
 * scenario embedded in the binary, then a --scenario file, then the command
 * line; a later level overrides an earlier one.  Output options (--json,
 * --trace, --quiet, ...) are not scenario keys.
 */
#ifndef INVTRACK_TOOLS_CLI_H
#define INVTRACK_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <invtrack/model/scenario.h>

/* Exit statuses. */
#define CLI_EXIT_CLEAN		0	/* the run found no violation */
#define CLI_EXIT_VIOLATIONS	1	/* the oracle found violations */
#define CLI_EXIT_USAGE		2	/* bad input: option, value, file */
#define CLI_EXIT_FAILED		3	/* the run could not be done (memory, I/O) */
#define CLI_EXIT_INTERRUPTED	130	/* SIGINT stopped a run that had found nothing */

#define CLI_ERR_LEN		2048

/**
 * enum cli_key - a scenario key.
 * @CLI_KEY_ARCH: "arch": smmuv3, vtd, riscv.
 * @CLI_KEY_INSTANCES: "instances".
 * @CLI_KEY_DEVICES: "devices".
 * @CLI_KEY_ATS: "ats": the fraction of devices with ATS, 0..1.
 * @CLI_KEY_PASIDS: "pasids".
 * @CLI_KEY_DOMAINS: "domains".
 * @CLI_KEY_CPUS: "cpus": churn threads (threaded mode).
 * @CLI_KEY_DMA: "dma": DMA engine threads (threaded mode).
 * @CLI_KEY_MIX: "mix": operation weights ("map:N,unmap:N,...") or default.
 * @CLI_KEY_SECONDS: "seconds": time limit, 0 for none.
 * @CLI_KEY_OPS: "ops": operation limit, 0 for none.
 * @CLI_KEY_SEED: "seed".
 * @CLI_KEY_MODE: "mode": inline or threaded.
 * @CLI_KEY_RANGE_INV: "range-inv": on or off.
 * @CLI_KEY_IOTLB_TAGS: "iotlb-tags": device (strictest) or domain.
 * @CLI_KEY_OAS: "oas": SMMUv3 output address size (SMMU_IDR5.OAS) in bits.
 * @CLI_KEY_SMMU_TABLES: "smmu-tables": SMMUv3 stream and CD table formats the
 *	modelled SMMUs offer: linear (SMMU_IDR0.ST_LEVEL linear, no CD2L) or
 *	2lvl (ST_LEVEL two-level, CD2L, 16 StreamID bits); the driver chooses
 *	from the ID registers as Linux does.
 * @CLI_KEY_VMS: "vms": VMs (a nest parent and nested domains each), 0: none.
 * @CLI_KEY_VIOMMU: "viommu": on or off: the guests' invalidations through
 *	a viommu per (VM, instance), or straight to the queues.
 * @CLI_KEY_QUEUE_SLOTS: "queue-slots": command queue entries (VT-d: at
 *	least 128).
 * @CLI_KEY_FAULTS: "faults": injected hardware faults per command.
 * @CLI_KEY_COST: "cost": a cost table file, or none.
 * @CLI_KEY_ABLATE: "ablate": a rule, or none (ablation builds).
 * @CLI_KEY_DELAYS: "delays": on or off: delays at the core's protocol points
 *	(threaded mode, ablation builds).
 * @CLI_KEY_NR: number of keys.
 */
enum cli_key {
	CLI_KEY_ARCH,
	CLI_KEY_INSTANCES,
	CLI_KEY_DEVICES,
	CLI_KEY_ATS,
	CLI_KEY_PASIDS,
	CLI_KEY_DOMAINS,
	CLI_KEY_CPUS,
	CLI_KEY_DMA,
	CLI_KEY_MIX,
	CLI_KEY_SECONDS,
	CLI_KEY_OPS,
	CLI_KEY_SEED,
	CLI_KEY_MODE,
	CLI_KEY_RANGE_INV,
	CLI_KEY_IOTLB_TAGS,
	CLI_KEY_OAS,
	CLI_KEY_SMMU_TABLES,
	CLI_KEY_VMS,
	CLI_KEY_VIOMMU,
	CLI_KEY_QUEUE_SLOTS,
	CLI_KEY_FAULTS,
	CLI_KEY_COST,
	CLI_KEY_ABLATE,
	CLI_KEY_DELAYS,
	CLI_KEY_NR,
};

/* Where a key's value came from; a higher level overrides a lower one. */
enum cli_level {
	CLI_LEVEL_DEFAULT,
	CLI_LEVEL_FILE,
	CLI_LEVEL_OPTION,
};

#define CLI_PATH_MAX	4096
#define CLI_RULE_MAX	32

/**
 * struct cli_opts - everything `invtrack run` was asked to do.
 * @p: the scenario's parameters for invt_scn_run(); @p.cost_ns points to
 *	@cost, @p.ablate to @ablate when set.
 * @level: per enum cli_key, the enum cli_level that last set it.
 * @cost: modelled cost per opcode: the model's defaults, then @cost_file.
 * @cost_file: the cost table file ("" for none).
 * @ablate: the rule switched off ("" for none).
 * @scenario_file: the --scenario file, or NULL.
 * @trace_file: the --trace file, or NULL.
 * @json: --json.
 * @quiet: --quiet.
 * @print_scenario: --print-scenario.
 * @help: --help.
 * @interrupted: set by the SIGINT handler (@p.interrupt points to it).
 */
struct cli_opts {
	struct invt_scn_params p;
	unsigned char level[CLI_KEY_NR];
	uint32_t cost[256];
	char cost_file[CLI_PATH_MAX];
	char ablate[CLI_RULE_MAX];
	const char *scenario_file;
	const char *trace_file;
	bool json;
	bool quiet;
	bool print_scenario;
	bool help;
	volatile int interrupted;
};

/**
 * cli_parse_run() - the effective options of `invtrack run`.
 * @o: out: the options.
 * @argc: arguments after "run".
 * @argv: them.
 * @err: out: on failure, one line saying what is wrong and where.
 * @len: size of @err.
 *
 * Applies the embedded default scenario, then the --scenario file, then
 * the options, and reads the cost table.  On --help it stops early with
 * @o->help set.
 *
 * Return: 0, or -EINVAL (bad option, value, or file contents), -EIO (a
 * file could not be read), with @err filled.
 */
int cli_parse_run(struct cli_opts *o, int argc, char **argv, char *err, size_t len);

/**
 * cli_print_scenario() - the effective scenario in scenario file format.
 * @f: where to.
 * @o: the options.
 * @prefix: printed before every line ("" or "# ").
 */
void cli_print_scenario(FILE *f, const struct cli_opts *o, const char *prefix);

/**
 * cli_replay_args() - the options that reproduce @o's scenario.
 * @o: the options.
 * @ops_done: 0, or the operations an inline run did: then its limit is
 *	"--ops @ops_done", which replays it exactly whatever stopped it
 *	(--seconds, --stop-on-violation, an interrupt).
 * @buf: receives "--seed N" and every key that differs from the default.
 * @len: its size.
 */
void cli_replay_args(const struct cli_opts *o, uint64_t ops_done, char *buf, size_t len);

/**
 * cli_fmt_mix() - a mix as the mix key writes it: "default" or every weight.
 * @buf: receives it.
 * @len: its size.
 * @mix: INVT_SCN_OP_NR weights.
 */
void cli_fmt_mix(char *buf, size_t len, const unsigned int *mix);

/**
 * cli_fmt_real() - the shortest text that reads back as @v.
 * @buf: receives it.
 * @len: its size.
 * @v: the value.
 */
void cli_fmt_real(char *buf, size_t len, double v);

/** cli_usage_run() - the text of `invtrack run --help`. @f: where to. */
void cli_usage_run(FILE *f);

/* ---- shared by cli-args.c and cli-files.c ---- */

/* The names of enum invt_scn_op in a mix ("map", ...). */
extern const char *const cli_mix_names[INVT_SCN_OP_NR];

/* The names of enum cli_key, as scenario files and options spell them. */
extern const char *const cli_key_names[CLI_KEY_NR];

/* The default scenario, in scenario file format. */
extern const char cli_default_text[];

/* snprintf() to @err; returns -EINVAL. */
int __attribute__((format(printf, 3, 4))) cli_fail(char *err, size_t len, const char *fmt, ...);

/* An enum cli_key by name ('_' may stand for '-'), or -1. */
int cli_key_lookup(const char *name);

/*
 * Set key @k to the text @s at @level (enum cli_level).  Return: 0, or
 * -EINVAL with @err saying what is wrong with the value.
 */
int cli_set(struct cli_opts *o, int k, const char *s, int level, char *err, size_t len);

/* A decimal in @lo..@hi into @v; -EINVAL with @err otherwise. */
int cli_set_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v, char *err, size_t len);

/*
 * The whole of a small text file (@what names it in messages), NUL
 * terminated, in *@out (the caller frees it).  Return: 0, or -EIO.
 */
int cli_read_text(const char *what, const char *path, char **out, size_t *size, char *err,
		  size_t len);

/*
 * Apply each line of @text (scenario file format; modified in place; @size
 * bytes followed by a NUL, as cli_read_text() returns it) at @level.
 * Return: 0, or -EINVAL with @err "NAME:LINE: ...".
 */
int cli_scenario_apply(struct cli_opts *o, char *text, size_t size, const char *name, int level,
		       char *err, size_t len);

/* The model's default cost per op index of @arch (what invt_scn_op_name() names). */
void cli_cost_defaults(const char *arch, uint32_t *cost);

/* The cost names of @arch (what a cost file may set), ", "-separated, in @buf. */
void cli_cost_names(const char *arch, char *buf, size_t len);

/*
 * The effective cost table of @o (@o->p.arch's defaults, then @o->cost_file)
 * in cost file format, each value that differs from the default saying so.
 */
void cli_print_costs(FILE *f, const struct cli_opts *o);

/*
 * Apply each line of @text (cost file format, for @o->p.arch; modified in
 * place; @size bytes followed by a NUL) over @o->cost; @name names it in
 * messages.  Return: 0, or -EINVAL with @err "NAME:LINE: ...".
 */
int cli_cost_apply(struct cli_opts *o, char *text, size_t size, const char *name, char *err,
		   size_t len);

/*
 * Read @o->cost_file over @o->cost.  Return: 0, -EIO (unreadable), or
 * -EINVAL with @err "FILE:LINE: ...".
 */
int cli_cost_load(struct cli_opts *o, char *err, size_t len);

/**
 * report_text() - the report for people.
 * @f: where to.
 * @o: the options.
 * @r: the result.
 */
void report_text(FILE *f, const struct cli_opts *o, const struct invt_scn_result *r);

/**
 * report_json() - the report for programs (docs/report.schema.json).
 * @f: where to.
 * @o: the options.
 * @r: the result.
 */
void report_json(FILE *f, const struct cli_opts *o, const struct invt_scn_result *r);

/**
 * struct cli_trace - the --trace writer.
 * @f: the open file.
 * @path: its name, for messages.
 * @buf: stdio buffer of @f.
 * @arch: the architecture (for decoding and the <arch> field).
 * @is_stdout: the path was "-": @f is stdout, flushed but never closed.
 */
struct cli_trace {
	FILE *f;
	const char *path;
	char *buf;
	const char *arch;
	bool is_stdout;
};

/**
 * trace_open() - create the trace file and write its header.
 * @t: out: the writer.
 * @o: the options (@o->trace_file is the path).
 * @err: out: on failure, one line.
 * @len: size of @err.
 *
 * Return: 0, -EINVAL when the file cannot be created (bad input), or -EIO
 * when writing the header failed, with @err filled.
 */
int trace_open(struct cli_trace *t, const struct cli_opts *o, char *err, size_t len);

/**
 * trace_command() - invt_scn_params.trace: one command, one line.
 * @arg: the struct cli_trace.
 * @seq: the command's place in the global order of writing.
 * @clock: the run's event clock when it was written (violations' t=).
 * @instance: the instance whose queue it went to.
 * @w: its words, as in queue memory.
 * @nwords: how many (2, or 4 for VT-d 256-bit descriptors).
 */
void trace_command(void *arg, uint64_t seq, uint64_t clock, uint32_t instance,
		   const uint64_t *w, unsigned int nwords);

/**
 * trace_close() - flush and close the trace file.
 * @t: the writer.
 * @err: out: on failure, one line.
 * @len: size of @err.
 *
 * Return: 0, or a negative errno (a write failed) with @err filled.
 */
int trace_close(struct cli_trace *t, char *err, size_t len);

#endif /* INVTRACK_TOOLS_CLI_H */
