// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * invtrack.c - the invtrack command: subcommands, help, `invtrack run`.
 *
 * `invtrack run` builds a modelled system (SMMUv3, VT-d or RISC-V IOMMU
 * instances driven by the invtrack core, devices, domains), runs map / unmap
 * / attach churn and DMA on it with the oracle checking every access, and
 * reports.  `invtrack costs` prints an architecture's cost table.  Exit status:
 * 0 clean, 1 violations, 2 bad input, 3 the run could not be done.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <invtrack/ablation.h>

#include "cli.h"

#ifndef INVT_VERSION
#define INVT_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: invtrack <command> [options]\n"
		"\n"
		"Drive the invtrack IOMMU invalidation core on a modelled system, with an oracle\n"
		"checking that no device uses a translation that should be gone.\n"
		"\n"
		"commands:\n"
		"  run        build the system, run load on it, report (invtrack run --help)\n"
		"  costs      print an architecture's cost table (invtrack costs --help)\n"
		"  help       this text; 'invtrack help run': the options of run\n"
		"\n"
		"options:\n"
		"  -h, --help     this text\n"
		"  --version      the version\n"
		"\n"
		"See invtrack(1).\n");
}

void cli_usage_run(FILE *f)
{
	fprintf(f,
		"usage: invtrack run [options]\n"
		"\n"
		"Build a modelled system, run map/unmap/attach churn and DMA on it, check every\n"
		"access with the oracle, report.  With no options: the default scenario\n"
		"(invtrack run --print-scenario shows it), about 10 s.\n"
		"\n"
		"system:\n"
		"  --arch ARCH         smmuv3, vtd or riscv\n"
		"  --instances N       IOMMU instances, 1..%d\n"
		"  --devices N         devices, spread over the instances, 1..%d\n"
		"  --ats FRACTION      share of devices with ATS, 0..1\n"
		"  --pasids N          ssids of the devices given PASIDs, 1..%d (1: no PASIDs)\n"
		"  --domains N         domains, stage-1 and stage-2 alternately, 1..%d\n"
		"  --range-inv on|off  range invalidation: SMMU_IDR3.RIL (smmuv3), CAP_REG.PSI\n"
		"                      (vtd), capabilities.S NAPOT ranges (riscv)\n"
		"  --iotlb-tags device|domain  VT-d, RISC-V IOTLB lookup: by requester\n"
		"                      (strictest, default) or by domain tags\n"
		"  --oas BITS          SMMUv3 output address size, SMMU_IDR5.OAS: 36, 40, 42,\n"
		"                      44, 48 or 52 (stage-2 IPA size follows)\n"
		"  --smmu-tables linear|2lvl  SMMUv3 table formats the SMMUs offer: linear\n"
		"                      (default) or two-level stream and CD tables\n"
		"                      (SMMU_IDR0.ST_LEVEL, CD2L, 16 StreamID bits); the\n"
		"                      driver chooses from the ID registers as Linux does\n"
		"  --vms N             VMs, 0..%d (default 1; 0: no nesting): each a nest\n"
		"                      parent (stage 2, the host's) and a nested domain per\n"
		"                      instance (the guest's stage 1, its tables in guest\n"
		"                      memory); devices\n"
		"                      without PASIDs attach to them; the guests map, unmap\n"
		"                      and invalidate their stage 1, the host moves guest pages\n"
		"  --viommu on|off     with --vms: guest invalidations as guest commands through\n"
		"                      a viommu per (VM, instance) (default), or straight to\n"
		"                      the queues with the parent's stage-2 tag\n"
		"  --queue-slots N     command queue entries, a power of two 2..65536 (VT-d:\n"
		"                      at least 128, IQA_REG.QS = 0)\n"
		"  --faults RATE       injected hardware faults per command consumed, 0..0.5:\n"
		"                      illegal commands, ATC timeouts, completion errors,\n"
		"                      queue stalls; the drivers recover (report: faults)\n"
		"  --cost FILE         modelled cost per command: 'MNEMONIC = ns' lines, the\n"
		"                      arch's names (invtrack costs --arch ARCH lists them)\n"
		"load:\n"
		"  --mode inline|threaded  inline: one thread, same seed same commands\n"
		"  --cpus N            threaded: churn threads (map/unmap/attach), 1..%d\n"
		"  --dma N             threaded: DMA engine threads, 0..%d\n"
		"  --mix W             operation weights, e.g. map:4,unmap:2,attach:3,detach:1,\n"
		"                      dma:10 (dma: inline only), or default; also remove (an\n"
		"                      instance's driver unbound and probed again), unplug\n"
		"                      (a device hot-unplugged and plugged back) and abort (an\n"
		"                      attach aborted after its install)\n"
		"  --seconds S         stop after S seconds (0: no time limit)\n"
		"  --ops N             stop after N operations (0: no limit)\n"
		"  --seed S            the seed of everything\n"
		"  --ablate RULE       switch a protocol rule off (ablation builds only)\n"
		"  --delays on|off     threaded: short delays at the core's protocol points,\n"
		"                      widening the races an ablated rule opens (ablation builds)\n"
		"  --stop-on-violation stop at the first violation the oracle finds\n"
		"scenario:\n"
		"  --scenario FILE     read 'key = value' lines (keys as the options above)\n"
		"  --print-scenario    print the effective scenario and exit\n"
		"output:\n"
		"  --json              the report as JSON (docs/report.schema.json)\n"
		"  --trace FILE        write every command as it is queued: its words (2 for\n"
		"                      smmuv3 and riscv, 4 for vtd) and decoding; - : stdout\n"
		"  --quiet             no progress line\n"
		"  -h, --help          this text\n"
		"\n"
		"Options override the scenario file, which overrides the default.  Giving\n"
		"--seconds or --ops replaces the other limit of a lower level.\n"
		"--cpus and --dma apply to threaded mode only.  Ctrl-C (SIGINT) stops the run\n"
		"and prints the report of what it did so far.\n"
		"Exit status: 0 clean, 1 violations found, 2 bad input, 3 run failed,\n"
		"130 interrupted (SIGINT) before any violation.\n",
		INVT_SCN_MAX_INSTANCES, INVT_SCN_MAX_DEVICES, INVT_SCN_MAX_PASIDS,
		INVT_SCN_MAX_DOMAINS, INVT_SCN_MAX_VMS, INVT_SCN_MAX_THREADS, INVT_SCN_MAX_THREADS);
}

/* The progress line: rewritten in place on stderr, cleared at the end. */
struct progress {
	int width;
};

static void progress(void *arg, const struct invt_scn_progress *pr)
{
	struct progress *pg = arg;
	char line[200];
	int n;

	if (pr->final) {
		fprintf(stderr, "\r%*s\r", pg->width, "");
		pg->width = 0;
		return;
	}
	if (pr->seconds > 0)
		n = snprintf(line, sizeof(line), "invtrack: %.1f/%g s", pr->elapsed, pr->seconds);
	else
		n = snprintf(line, sizeof(line), "invtrack: %.1f s", pr->elapsed);
	if (pr->ops_limit && n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ", %llu/%llu ops",
			      (unsigned long long)pr->ops, (unsigned long long)pr->ops_limit);
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n,
			      "  %.0f ops/s  %llu accesses checked  %llu violations",
			      pr->elapsed > 0 ? pr->ops / pr->elapsed : 0.0,
			      (unsigned long long)pr->accesses, (unsigned long long)pr->violations);
	if (n < 0)
		return;
	fprintf(stderr, "\r%s%*s", line, pg->width > n ? pg->width - n : 0, "");
	if (n > pg->width)
		pg->width = n;
}

static int finish_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "invtrack: writing to standard output: %s\n",
			errno ? strerror(errno) : "I/O error");
		return CLI_EXIT_FAILED;
	}
	return 0;
}

static void usage_costs(FILE *f)
{
	fprintf(f,
		"usage: invtrack costs [--arch ARCH] [--cost FILE] [--scenario FILE]\n"
		"\n"
		"Print the modelled cost in ns of every command of an architecture, as a cost\n"
		"file: the model's defaults, then what --cost FILE (or the scenario's cost key)\n"
		"sets; a value that differs from the default says so.\n"
		"\n"
		"  --arch ARCH         smmuv3, vtd or riscv (default: the scenario's)\n"
		"  --cost FILE         a cost file to apply over the defaults\n"
		"  --scenario FILE     take arch and cost from a scenario file\n"
		"  -h, --help          this text\n");
}

/* `invtrack costs`: the options of run that choose a cost table, nothing else. */
static int cmd_costs(int argc, char **argv)
{
	static const char *const allowed[] = { "--arch", "--cost", "--scenario" };
	static struct cli_opts o;
	char err[CLI_ERR_LEN] = "";
	size_t i, n;
	int a;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage_costs(stdout);
			return finish_stdout();
		}
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
			n = strlen(allowed[i]);
			if (!strncmp(argv[a], allowed[i], n) && (!argv[a][n] || argv[a][n] == '='))
				break;
		}
		if (i == sizeof(allowed) / sizeof(allowed[0])) {
			fprintf(stderr, "invtrack: costs: %s '%.60s' (see invtrack costs --help)\n",
				argv[a][0] == '-' ? "unknown option" : "unexpected argument",
				argv[a]);
			return CLI_EXIT_USAGE;
		}
		if (!argv[a][n])
			a++;
	}
	if (cli_parse_run(&o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "invtrack: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	cli_print_costs(stdout, &o);
	return finish_stdout();
}

/* SIGINT: where the flag is (struct cli_opts.interrupted), set once. */
static volatile int *interrupt_flag;

static void on_sigint(int sig)
{
	(void)sig;
	*interrupt_flag = 1;
}

/*
 * The first Ctrl-C stops the load and lets the report be written; the
 * handler is reset by then, so a second one ends the process at once.
 */
static void catch_sigint(struct cli_opts *o)
{
	struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESETHAND };

	interrupt_flag = &o->interrupted;
	sigemptyset(&sa.sa_mask);
	if (!sigaction(SIGINT, &sa, NULL))
		o->p.interrupt = &o->interrupted;
}

static int cmd_run(int argc, char **argv)
{
	static struct cli_opts o;
	static struct invt_scn_result r;
	struct progress pg = { 0 };
	struct cli_trace t = { 0 };
	char err[CLI_ERR_LEN] = "";
	int ret, status;

	if (cli_parse_run(&o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "invtrack: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	if (o.help) {
		cli_usage_run(stdout);
		return finish_stdout();
	}
	if (o.print_scenario) {
		cli_print_scenario(stdout, &o, "");
		return finish_stdout();
	}
	if (o.trace_file) {
		ret = trace_open(&t, &o, err, sizeof(err));
		if (ret) {
			/* A file that cannot be created is bad input; a failed write is not. */
			fprintf(stderr, "invtrack: %s\n", err);
			return ret == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
		}
		o.p.trace = trace_command;
		o.p.trace_arg = &t;
	}
	if (!o.quiet && isatty(STDERR_FILENO)) {
		o.p.progress = progress;
		o.p.progress_arg = &pg;
	}
	catch_sigint(&o);
	ret = invt_scn_run(&o.p, &r, err, sizeof(err));
	if (ret) {
		char ignored[CLI_ERR_LEN];

		trace_close(&t, ignored, sizeof(ignored));
		fprintf(stderr, "invtrack: %s (%s)\n", err, strerror(-ret));
		return ret == -EINVAL || ret == -EOPNOTSUPP ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
	}
	status = r.oracle.total ? CLI_EXIT_VIOLATIONS :
		 r.interrupted ? CLI_EXIT_INTERRUPTED : CLI_EXIT_CLEAN;
	/* The trace first: with --trace - the report follows it on stdout. */
	if (trace_close(&t, err, sizeof(err))) {
		fprintf(stderr, "invtrack: %s\n", err);
		status = CLI_EXIT_FAILED;
	}
	if (o.json)
		report_json(stdout, &o, &r);
	else
		report_text(stdout, &o, &r);
	ret = finish_stdout();
	return ret ? ret : status;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(cmd, "costs"))
		return cmd_costs(argc - 2, argv + 2);
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		if (argc > 2 && !strcmp(argv[2], "run"))
			cli_usage_run(stdout);
		else if (argc > 2 && !strcmp(argv[2], "costs"))
			usage_costs(stdout);
		else if (argc > 2)
			return fprintf(stderr, "invtrack: no help for '%s' (commands: run, costs)\n",
				       argv[2]), CLI_EXIT_USAGE;
		else
			usage(stdout);
		return finish_stdout();
	}
	if (!strcmp(cmd, "--version")) {
		printf("invtrack %s%s\n", INVT_VERSION,
		       invt_ablations_built() ? " (ablation build)" : "");
		return finish_stdout();
	}
	fprintf(stderr, "invtrack: unknown command '%s' (see invtrack --help)\n", cmd);
	return CLI_EXIT_USAGE;
}
