// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cli-args.c - `invtrack run` options and the values of scenario keys.
 *
 * The default scenario is text in scenario file format, parsed at startup
 * like a file; then come the --scenario file and the options, each value
 * checked here so that a message names the option or the file and line
 * before the library sees the parameters.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/ablation.h>

#include "cli.h"

const char cli_default_text[] =
	"# invtrack default scenario: about 10 s of load on a 2-core machine\n"
	"arch = smmuv3\n"
	"instances = 2\n"
	"devices = 8\n"
	"ats = 0.5\n"
	"pasids = 4\n"
	"domains = 6\n"
	"cpus = 2\n"
	"dma = 2\n"
	"mix = default\n"
	"seconds = 10\n"
	"ops = 0\n"
	"seed = 1\n"
	"mode = threaded\n"
	"range-inv = on\n"
	"iotlb-tags = device\n"
	"oas = 48\n"
	"smmu-tables = linear\n"
	"vms = 1\n"
	"viommu = on\n"
	"queue-slots = 256\n"
	"faults = 0\n"
	"cost = none\n"
	"ablate = none\n"
	"delays = off\n";

const char *const cli_key_names[CLI_KEY_NR] = {
	[CLI_KEY_ARCH] = "arch",	[CLI_KEY_INSTANCES] = "instances",
	[CLI_KEY_DEVICES] = "devices",	[CLI_KEY_ATS] = "ats",
	[CLI_KEY_PASIDS] = "pasids",	[CLI_KEY_DOMAINS] = "domains",
	[CLI_KEY_CPUS] = "cpus",	[CLI_KEY_DMA] = "dma",
	[CLI_KEY_MIX] = "mix",
	[CLI_KEY_SECONDS] = "seconds",	[CLI_KEY_OPS] = "ops",
	[CLI_KEY_SEED] = "seed",	[CLI_KEY_MODE] = "mode",
	[CLI_KEY_RANGE_INV] = "range-inv", [CLI_KEY_IOTLB_TAGS] = "iotlb-tags",
	[CLI_KEY_OAS] = "oas",		[CLI_KEY_SMMU_TABLES] = "smmu-tables",
	[CLI_KEY_VMS] = "vms",		[CLI_KEY_VIOMMU] = "viommu",
	[CLI_KEY_QUEUE_SLOTS] = "queue-slots",
	[CLI_KEY_FAULTS] = "faults",
	[CLI_KEY_COST] = "cost",
	[CLI_KEY_ABLATE] = "ablate",	[CLI_KEY_DELAYS] = "delays",
};

int cli_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A key by name; '_' may stand for '-'. */
int cli_key_lookup(const char *name)
{
	char canon[32];
	size_t i;
	int k;

	for (i = 0; name[i] && i < sizeof(canon) - 1; i++)
		canon[i] = name[i] == '_' ? '-' : name[i];
	if (name[i])
		return -1;
	canon[i] = '\0';
	for (k = 0; k < CLI_KEY_NR; k++)
		if (!strcmp(canon, cli_key_names[k]))
			return k;
	return -1;
}

/* A decimal unsigned integer, digits only. */
static bool parse_u64(const char *s, uint64_t *v, bool *overflow)
{
	char *end;

	*overflow = false;
	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (*end)
		return false;
	*overflow = errno == ERANGE;
	return !*overflow;
}

int cli_set_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v, char *err, size_t len)
{
	bool overflow;

	if (!parse_u64(s, v, &overflow) && !overflow)
		return cli_fail(err, len, "'%s' is not a whole number", s);
	if (overflow || *v < lo || *v > hi)
		return cli_fail(err, len, "%s is out of range (%llu..%llu)", s,
				(unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

static int set_real(const char *s, double lo, double hi, double *v, char *err, size_t len)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end || isspace((unsigned char)s[0]) || !isfinite(*v))
		return cli_fail(err, len, "'%s' is not a number", s);
	if (*v < lo || *v > hi)
		return cli_fail(err, len, "%s is out of range (%g..%g)", s, lo, hi);
	return 0;
}

static int set_word(const char *s, const char *a, const char *b, bool *is_b, char *err,
		    size_t len)
{
	if (!strcmp(s, a) || !strcmp(s, b)) {
		*is_b = !strcmp(s, b);
		return 0;
	}
	return cli_fail(err, len, "'%s' is not %s or %s", s, a, b);
}

/*
 * A file name ("none": no file) that --print-scenario can write as
 * `key = NAME` and a scenario file read back as the same name: no control
 * character (a newline would start another key), no white space at either
 * end (trimmed), no '#' at the start or after white space (a comment).
 */
static int set_path(char *dst, size_t size, const char *s, char *err, size_t len)
{
	size_t i, n = strlen(s);

	if (n >= size)
		return cli_fail(err, len, "file name too long");
	for (i = 0; i < n; i++)
		if (iscntrl((unsigned char)s[i]))
			return cli_fail(err, len, "a file name with a control character");
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]))
		return cli_fail(err, len, "a file name with white space at either end");
	for (i = 0; i < n; i++)
		if (s[i] == '#' && (!i || isspace((unsigned char)s[i - 1])))
			return cli_fail(err, len, "a file name with '#' at the start or after "
					"white space (a scenario file would read a comment)");
	snprintf(dst, size, "%s", strcmp(s, "none") ? s : "");
	return 0;
}

static int set_ablate(struct cli_opts *o, const char *s, char *err, size_t len)
{
	char names[128] = "";
	int i;

	if (!strcmp(s, "none")) {
		o->ablate[0] = '\0';
		o->p.ablate = NULL;
		return 0;
	}
	if (!invt_ablations_built())
		return cli_fail(err, len, "this build cannot switch rules off "
				"(configure with meson setup -Dablations=true)");
	for (i = 0; i < INVT_ABLATE_NR; i++) {
		if (!strcmp(s, invt_ablation_name(i))) {
			snprintf(o->ablate, sizeof(o->ablate), "%s", s);
			o->p.ablate = o->ablate;
			return 0;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", invt_ablation_name(i));
	}
	return cli_fail(err, len, "unknown rule '%s' (%s)", s, names);
}

const char *const cli_mix_names[INVT_SCN_OP_NR] = {
	[INVT_SCN_OP_MAP] = "map", [INVT_SCN_OP_UNMAP] = "unmap", [INVT_SCN_OP_ATTACH] = "attach",
	[INVT_SCN_OP_DETACH] = "detach", [INVT_SCN_OP_REMOVE] = "remove",
	[INVT_SCN_OP_UNPLUG] = "unplug", [INVT_SCN_OP_ABORT] = "abort", [INVT_SCN_OP_DMA] = "dma",
};

/* "default", or "NAME:WEIGHT" items separated by ','; names not given weigh 0. */
static int set_mix(unsigned int *mix, const char *s, char *err, size_t len)
{
	unsigned int w[INVT_SCN_OP_NR] = { 0 }, i, total = 0;
	char item[64], num[32];
	const char *p = s, *e, *colon;
	uint64_t v;

	if (!strcmp(s, "default")) {
		memset(mix, 0, sizeof(w));
		return 0;
	}
	while (*p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof(item))
			return cli_fail(err, len, "'%.40s': not NAME:WEIGHT", p);
		memcpy(item, p, e - p);
		item[e - p] = '\0';
		colon = strchr(item, ':');
		if (!colon)
			return cli_fail(err, len, "'%s': not NAME:WEIGHT (map, unmap, attach, "
					"detach, remove, unplug, abort, dma)", item);
		for (i = 0; i < INVT_SCN_OP_NR; i++)
			if (strlen(cli_mix_names[i]) == (size_t)(colon - item) &&
			    !strncmp(item, cli_mix_names[i], colon - item))
				break;
		if (i == INVT_SCN_OP_NR)
			return cli_fail(err, len, "unknown operation '%.*s' (map, unmap, attach, "
					"detach, remove, unplug, abort, dma)",
					(int)(colon - item), item);
		snprintf(num, sizeof(num), "%s", colon + 1);
		if (cli_set_uint(num, 0, 1000000, &v, err, len))
			return -EINVAL;
		w[i] = (unsigned int)v;
		total += w[i];
		p = *e ? e + 1 : e;
	}
	if (!total)
		return cli_fail(err, len, "'%s': every weight is 0 (say default for the "
				"built-in mix)", s);
	memcpy(mix, w, sizeof(w));
	return 0;
}

/*
 * A time or operation limit set at @level replaces the other limit when
 * that one came from a lower level: `--ops N` over the default's seconds
 * runs N operations, not N operations or 10 s.  A zero limit replaces
 * nothing.
 */
static void limit_set(struct cli_opts *o, int other, int level, bool nonzero)
{
	if (!nonzero || o->level[other] >= level)
		return;
	if (other == CLI_KEY_OPS)
		o->p.ops = 0;
	else
		o->p.seconds = 0;
	o->level[other] = level;
}

int cli_set(struct cli_opts *o, int k, const char *s, int level, char *err, size_t len)
{
	struct invt_scn_params *p = &o->p;
	uint64_t v = 0;
	double d = 0;
	bool b = false;
	int ret;

	switch (k) {
	case CLI_KEY_ARCH:
		if (strcmp(s, "smmuv3") && strcmp(s, "vtd") && strcmp(s, "riscv"))
			return cli_fail(err, len, "unknown arch '%s' (smmuv3, vtd, riscv)", s);
		if (!invt_scn_arch_ok(s))
			return cli_fail(err, len, "%s is not built into this invtrack", s);
		/* The names invt_scn_arch_ok() accepts, as static strings. */
		p->arch = !strcmp(s, "vtd") ? "vtd" : !strcmp(s, "riscv") ? "riscv" : "smmuv3";
		ret = 0;
		break;
	case CLI_KEY_INSTANCES:
		ret = cli_set_uint(s, 1, INVT_SCN_MAX_INSTANCES, &v, err, len);
		p->instances = v;
		break;
	case CLI_KEY_DEVICES:
		ret = cli_set_uint(s, 1, INVT_SCN_MAX_DEVICES, &v, err, len);
		p->devices = v;
		break;
	case CLI_KEY_ATS:
		ret = set_real(s, 0, 1, &d, err, len);
		p->ats_percent = (unsigned int)lround(d * 100);
		break;
	case CLI_KEY_PASIDS:
		ret = cli_set_uint(s, 1, INVT_SCN_MAX_PASIDS, &v, err, len);
		p->pasids = v;
		break;
	case CLI_KEY_DOMAINS:
		ret = cli_set_uint(s, 1, INVT_SCN_MAX_DOMAINS, &v, err, len);
		p->domains = v;
		break;
	case CLI_KEY_CPUS:
		ret = cli_set_uint(s, 1, INVT_SCN_MAX_THREADS, &v, err, len);
		p->cpus = v;
		break;
	case CLI_KEY_DMA:
		ret = cli_set_uint(s, 0, INVT_SCN_MAX_THREADS, &v, err, len);
		p->dma = v;
		break;
	case CLI_KEY_MIX:
		ret = set_mix(p->mix, s, err, len);
		break;
	case CLI_KEY_SECONDS:
		ret = set_real(s, 0, 86400, &d, err, len);
		if (!ret) {
			p->seconds = d;
			limit_set(o, CLI_KEY_OPS, level, d > 0);
		}
		break;
	case CLI_KEY_OPS:
		ret = cli_set_uint(s, 0, UINT64_MAX, &v, err, len);
		if (!ret) {
			p->ops = v;
			limit_set(o, CLI_KEY_SECONDS, level, v > 0);
		}
		break;
	case CLI_KEY_SEED:
		ret = cli_set_uint(s, 0, UINT64_MAX, &v, err, len);
		p->seed = v;
		break;
	case CLI_KEY_MODE:
		ret = set_word(s, "inline", "threaded", &b, err, len);
		p->threaded = b;
		break;
	case CLI_KEY_RANGE_INV:
		ret = set_word(s, "on", "off", &b, err, len);
		p->ril = !b;
		break;
	case CLI_KEY_IOTLB_TAGS:
		ret = set_word(s, "device", "domain", &b, err, len);
		p->iotlb_by_tags = b;
		break;
	case CLI_KEY_OAS:
		ret = cli_set_uint(s, 36, 52, &v, err, len);
		if (!ret && v != 36 && v != 40 && v != 42 && v != 44 && v != 48 && v != 52)
			ret = cli_fail(err, len, "must be 36, 40, 42, 44, 48 or 52");
		if (!ret)
			p->oas = (unsigned int)v;
		break;
	case CLI_KEY_SMMU_TABLES:
		ret = set_word(s, "linear", "2lvl", &b, err, len);
		p->smmu_2lvl = b;
		break;
	case CLI_KEY_VMS:
		ret = cli_set_uint(s, 0, INVT_SCN_MAX_VMS, &v, err, len);
		p->vms = (unsigned int)v;
		break;
	case CLI_KEY_VIOMMU:
		ret = set_word(s, "on", "off", &b, err, len);
		p->viommu_off = b;
		break;
	case CLI_KEY_QUEUE_SLOTS:
		ret = cli_set_uint(s, 2, 65536, &v, err, len);
		if (!ret && (v & (v - 1)))
			ret = cli_fail(err, len, "must be a power of two, 2..65536");
		if (!ret)
			p->queue_slots = v == 256 ? 0 : (unsigned int)v;
		break;
	case CLI_KEY_FAULTS:
		ret = set_real(s, 0, 0.5, &d, err, len);
		if (!ret)
			p->faults = d;
		break;
	case CLI_KEY_COST:
		ret = set_path(o->cost_file, sizeof(o->cost_file), s, err, len);
		break;
	case CLI_KEY_ABLATE:
		ret = set_ablate(o, s, err, len);
		break;
	case CLI_KEY_DELAYS:
		ret = set_word(s, "off", "on", &b, err, len);
		if (!ret && b && !invt_ablations_built())
			ret = cli_fail(err, len, "this build has no delay points "
				       "(configure with meson setup -Dablations=true)");
		if (!ret)
			p->delays = b;
		break;
	default:
		return cli_fail(err, len, "unknown key");
	}
	if (!ret)
		o->level[k] = level;
	return ret;
}

/* Options that are not scenario keys. */
enum {
	OPT_JSON = CLI_KEY_NR, OPT_TRACE, OPT_QUIET, OPT_SCENARIO, OPT_PRINT, OPT_HELP, OPT_STOP,
};

static const struct {
	const char *name;
	int id;
	bool arg;
} options[] = {
	{ "--json", OPT_JSON, false },		{ "--trace", OPT_TRACE, true },
	{ "--quiet", OPT_QUIET, false },	{ "--scenario", OPT_SCENARIO, true },
	{ "--print-scenario", OPT_PRINT, false }, { "--help", OPT_HELP, false },
	{ "-h", OPT_HELP, false },		{ "--stop-on-violation", OPT_STOP, false },
};

/* An option of `invtrack run` by name (up to '=' when @nlen says so). */
static int option_lookup(const char *s, size_t nlen, bool *arg)
{
	char key[32];
	size_t i;
	int k;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == nlen && !strncmp(s, options[i].name, nlen)) {
			*arg = options[i].arg;
			return options[i].id;
		}
	if (nlen < 3 || nlen - 2 >= sizeof(key) || strncmp(s, "--", 2))
		return -1;
	memcpy(key, s + 2, nlen - 2);
	key[nlen - 2] = '\0';
	k = strchr(key, '_') ? -1 : cli_key_lookup(key);
	*arg = true;
	return k;
}

struct pending {
	int key;
	const char *val;
};

/* First pass: every option known, every value present; scenario keys kept. */
static int scan_options(struct cli_opts *o, int argc, char **argv, struct pending *pend,
			int *npend, char *err, size_t len)
{
	const char *a, *val, *eq;
	bool arg;
	int i, id;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-')
			return cli_fail(err, len,
					"unexpected argument '%.60s' (see invtrack run --help)", a);
		eq = strchr(a, '=');
		id = option_lookup(a, eq ? (size_t)(eq - a) : strlen(a), &arg);
		if (id < 0)
			return cli_fail(err, len,
					"unknown option '%.60s' (see invtrack run --help)", a);
		if (!arg && eq)
			return cli_fail(err, len, "option %.*s takes no value", (int)(eq - a), a);
		val = NULL;
		if (arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			if (!val || !*val)
				return cli_fail(err, len, "option %.*s needs a value",
						eq ? (int)(eq - a) : (int)strlen(a), a);
		}
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TRACE:
			o->trace_file = val;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_SCENARIO:
			o->scenario_file = val;
			break;
		case OPT_PRINT:
			o->print_scenario = true;
			break;
		case OPT_STOP:
			o->p.stop_on_violation = true;
			break;
		case OPT_HELP:
			o->help = true;
			return 0;
		default:
			pend[*npend].key = id;
			pend[(*npend)++].val = val;
			break;
		}
	}
	return 0;
}

int cli_parse_run(struct cli_opts *o, int argc, char **argv, char *err, size_t len)
{
	char msg[CLI_ERR_LEN], *text;
	struct pending *pend;
	int i, npend = 0, ret;
	size_t size;

	memset(o, 0, sizeof(*o));
	invt_scn_defaults(&o->p);
	cli_cost_defaults(o->p.arch, o->cost);
	o->p.cost_ns = o->cost;
	pend = calloc(argc + 1, sizeof(*pend));
	if (!pend)
		return cli_fail(err, len, "out of memory");
	ret = scan_options(o, argc, argv, pend, &npend, err, len);
	if (ret || o->help)
		goto out;
	text = strdup(cli_default_text);
	if (!text) {
		ret = cli_fail(err, len, "out of memory");
		goto out;
	}
	ret = cli_scenario_apply(o, text, strlen(text), "(default scenario)", CLI_LEVEL_DEFAULT,
				 err, len);
	free(text);
	if (ret)
		goto out;
	if (o->scenario_file) {
		ret = cli_read_text("scenario file", o->scenario_file, &text, &size, err, len);
		if (ret)
			goto out;
		ret = cli_scenario_apply(o, text, size, o->scenario_file, CLI_LEVEL_FILE, err, len);
		free(text);
		if (ret)
			goto out;
	}
	for (i = 0; i < npend; i++) {
		ret = cli_set(o, pend[i].key, pend[i].val, CLI_LEVEL_OPTION, msg, sizeof(msg));
		if (ret) {
			cli_fail(err, len, "--%s: %s", cli_key_names[pend[i].key], msg);
			goto out;
		}
	}
	if (o->p.delays && !o->p.threaded) {
		ret = cli_fail(err, len, "delays = on needs mode = threaded "
			       "(an inline run has no concurrency to widen)");
		goto out;
	}
	/* Threads are threaded mode's: asking an inline run for them is a mistake. */
	for (i = CLI_KEY_CPUS; i <= CLI_KEY_DMA; i++) {
		if (!o->p.threaded && o->level[i] == CLI_LEVEL_OPTION) {
			ret = cli_fail(err, len, "--%s: applies to --mode threaded only (this run "
				       "is inline: one thread does the churn and the DMA)",
				       cli_key_names[i]);
			goto out;
		}
	}
	if (o->p.threaded && o->p.mix[INVT_SCN_OP_DMA] && !(o->p.mix[INVT_SCN_OP_MAP] |
			      o->p.mix[INVT_SCN_OP_UNMAP] | o->p.mix[INVT_SCN_OP_ATTACH] |
			      o->p.mix[INVT_SCN_OP_DETACH] | o->p.mix[INVT_SCN_OP_REMOVE] |
			      o->p.mix[INVT_SCN_OP_UNPLUG] | o->p.mix[INVT_SCN_OP_ABORT])) {
		ret = cli_fail(err, len, "--mix: only dma weighs: threaded runs do DMA on "
			       "--dma threads, their churn threads need another weight");
		goto out;
	}
	if (!o->p.ops && !(o->p.seconds > 0)) {
		ret = cli_fail(err, len, "seconds and ops are both 0: nothing would end the run "
			       "(set --seconds or --ops)");
		goto out;
	}
	/* The architecture is known now: its default costs, then the file. */
	cli_cost_defaults(o->p.arch, o->cost);
	if (o->cost_file[0])
		ret = cli_cost_load(o, err, len);
out:
	free(pend);
	return ret;
}

