// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cli-args.c - `invtrack run` options, scenario files and cost tables.
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
#include <strings.h>

#include <invtrack/ablation.h>

#include "cli.h"

/* Files larger than this are not scenario or cost files. */
#define CLI_FILE_MAX	(1u << 20)
#define CLI_VAL_MAX	(CLI_PATH_MAX + 64)

static const char default_scenario[] =
	"# invtrack default scenario: about 10 s of load on a 2-core machine\n"
	"arch = smmuv3\n"
	"instances = 2\n"
	"devices = 8\n"
	"ats = 0.5\n"
	"pasids = 4\n"
	"domains = 6\n"
	"cpus = 2\n"
	"dma = 2\n"
	"seconds = 10\n"
	"ops = 0\n"
	"seed = 1\n"
	"mode = threaded\n"
	"range-inv = on\n"
	"cost = none\n"
	"ablate = none\n";

const char *cli_default_scenario(void)
{
	return default_scenario;
}

static const char *const key_names[CLI_KEY_NR] = {
	[CLI_KEY_ARCH] = "arch",	[CLI_KEY_INSTANCES] = "instances",
	[CLI_KEY_DEVICES] = "devices",	[CLI_KEY_ATS] = "ats",
	[CLI_KEY_PASIDS] = "pasids",	[CLI_KEY_DOMAINS] = "domains",
	[CLI_KEY_CPUS] = "cpus",	[CLI_KEY_DMA] = "dma",
	[CLI_KEY_SECONDS] = "seconds",	[CLI_KEY_OPS] = "ops",
	[CLI_KEY_SEED] = "seed",	[CLI_KEY_MODE] = "mode",
	[CLI_KEY_RANGE_INV] = "range-inv", [CLI_KEY_COST] = "cost",
	[CLI_KEY_ABLATE] = "ablate",
};

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A key by name; '_' may stand for '-'. */
static int key_lookup(const char *name)
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
		if (!strcmp(canon, key_names[k]))
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

static int set_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v, char *err, size_t len)
{
	bool overflow;

	if (!parse_u64(s, v, &overflow) && !overflow)
		return fail(err, len, "'%s' is not a whole number", s);
	if (overflow || *v < lo || *v > hi)
		return fail(err, len, "%s is out of range (%llu..%llu)", s, (unsigned long long)lo,
			    (unsigned long long)hi);
	return 0;
}

static int set_real(const char *s, double lo, double hi, double *v, char *err, size_t len)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || *end || isspace((unsigned char)s[0]) || !isfinite(*v))
		return fail(err, len, "'%s' is not a number", s);
	if (*v < lo || *v > hi)
		return fail(err, len, "%s is out of range (%g..%g)", s, lo, hi);
	return 0;
}

static int set_word(const char *s, const char *a, const char *b, bool *is_b, char *err,
		    size_t len)
{
	if (!strcmp(s, a) || !strcmp(s, b)) {
		*is_b = !strcmp(s, b);
		return 0;
	}
	return fail(err, len, "'%s' is not %s or %s", s, a, b);
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
		return fail(err, len, "this build cannot switch rules off "
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
	return fail(err, len, "unknown rule '%s' (%s)", s, names);
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

/* Set key @k to @s; on failure @err says what is wrong with the value. */
static int cli_set(struct cli_opts *o, int k, const char *s, int level, char *err, size_t len)
{
	struct invt_scn_params *p = &o->p;
	uint64_t v = 0;
	double d = 0;
	bool b = false;
	int ret;

	switch (k) {
	case CLI_KEY_ARCH:
		if (!strcmp(s, "vtd") || !strcmp(s, "riscv"))
			return fail(err, len, "%s is not yet supported (smmuv3 only for now)", s);
		if (strcmp(s, "smmuv3"))
			return fail(err, len, "unknown arch '%s' (smmuv3)", s);
		ret = 0;
		break;
	case CLI_KEY_INSTANCES:
		ret = set_uint(s, 1, INVT_SCN_MAX_INSTANCES, &v, err, len);
		p->instances = v;
		break;
	case CLI_KEY_DEVICES:
		ret = set_uint(s, 1, INVT_SCN_MAX_DEVICES, &v, err, len);
		p->devices = v;
		break;
	case CLI_KEY_ATS:
		ret = set_real(s, 0, 1, &d, err, len);
		p->ats_percent = (unsigned int)lround(d * 100);
		break;
	case CLI_KEY_PASIDS:
		ret = set_uint(s, 1, INVT_SCN_MAX_PASIDS, &v, err, len);
		p->pasids = v;
		break;
	case CLI_KEY_DOMAINS:
		ret = set_uint(s, 1, INVT_SCN_MAX_DOMAINS, &v, err, len);
		p->domains = v;
		break;
	case CLI_KEY_CPUS:
		ret = set_uint(s, 1, INVT_SCN_MAX_THREADS, &v, err, len);
		p->cpus = v;
		break;
	case CLI_KEY_DMA:
		ret = set_uint(s, 0, INVT_SCN_MAX_THREADS, &v, err, len);
		p->dma = v;
		break;
	case CLI_KEY_SECONDS:
		ret = set_real(s, 0, 86400, &d, err, len);
		if (!ret) {
			p->seconds = d;
			limit_set(o, CLI_KEY_OPS, level, d > 0);
		}
		break;
	case CLI_KEY_OPS:
		ret = set_uint(s, 0, UINT64_MAX, &v, err, len);
		if (!ret) {
			p->ops = v;
			limit_set(o, CLI_KEY_SECONDS, level, v > 0);
		}
		break;
	case CLI_KEY_SEED:
		ret = set_uint(s, 0, UINT64_MAX, &v, err, len);
		p->seed = v;
		break;
	case CLI_KEY_MODE:
		ret = set_word(s, "inline", "threaded", &b, err, len);
		p->threaded = b;
		break;
	case CLI_KEY_RANGE_INV:
		ret = set_word(s, "off", "on", &b, err, len);
		p->ril = b;
		break;
	case CLI_KEY_COST:
		ret = 0;
		if (strlen(s) >= sizeof(o->cost_file))
			ret = fail(err, len, "file name too long");
		else
			snprintf(o->cost_file, sizeof(o->cost_file), "%s",
				 strcmp(s, "none") ? s : "");
		break;
	case CLI_KEY_ABLATE:
		ret = set_ablate(o, s, err, len);
		break;
	default:
		return fail(err, len, "unknown key");
	}
	if (!ret)
		o->level[k] = level;
	return ret;
}

/* The whole of a small file, NUL-terminated; the caller frees it. */
static int read_text(const char *what, const char *path, char **out, size_t *size, char *err,
		     size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, cap = 4096;
	char *buf = NULL, *nb;
	int e = 0;

	if (!f)
		return snprintf(err, len, "cannot read %s '%s': %s", what, path, strerror(errno)),
		       -EIO;
	for (;;) {
		nb = realloc(buf, cap + 1);
		if (!nb) {
			e = ENOMEM;
			break;
		}
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			e = errno ? errno : EIO;
			break;
		}
		if (n < cap)
			break;
		if (cap >= CLI_FILE_MAX) {
			e = EFBIG;
			break;
		}
		cap *= 2;
	}
	fclose(f);
	if (e) {
		free(buf);
		return snprintf(err, len, "cannot read %s '%s': %s", what, path, strerror(e)),
		       -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*size = n;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cut a '#' comment: at the start of the line or after white space. */
static void cut_comment(char *s)
{
	char *c;

	for (c = s; *c; c++)
		if (*c == '#' && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
}

/*
 * The next line of the text at *@pos (ending before @end): NUL-terminated
 * in place, *@pos moved past it.  Return: 0, 1 when it holds a NUL byte,
 * -1 at the end.
 */
static int next_line(char **pos, char *end, char **line)
{
	char *nl;

	if (*pos >= end)
		return -1;
	*line = *pos;
	nl = memchr(*pos, '\n', end - *pos);
	*pos = nl ? nl + 1 : end;
	if (nl)
		*nl = '\0';
	return strlen(*line) < (size_t)((nl ? nl : end) - *line);
}

/*
 * One `key = value` line of a scenario or cost file: split in place.
 * Return: 1 for a blank or comment line, 0 with @key and @val, or -EINVAL.
 */
static int split_line(char *line, char **key, char **val, char *err, size_t len)
{
	char *eq;

	cut_comment(line);
	line = trim(line);
	if (!*line)
		return 1;
	eq = strchr(line, '=');
	if (!eq)
		return fail(err, len, "expected 'key = value', got '%.40s'", line);
	*eq = '\0';
	*key = trim(line);
	*val = trim(eq + 1);
	if (!**key)
		return fail(err, len, "expected 'key = value': no key before '='");
	if (!**val)
		return fail(err, len, "%.40s: missing value after '='", *key);
	return 0;
}

/*
 * Apply each line of @text (scenario file format) at @level; on failure
 * @err is "NAME:LINE: ...".
 */
static int scenario_apply(struct cli_opts *o, char *text, size_t size, const char *name,
			  int level, char *err, size_t len)
{
	char msg[CLI_ERR_LEN], *pos = text, *line, *key, *val;
	unsigned int no;
	int ret, k;

	for (no = 1; (ret = next_line(&pos, text + size, &line)) >= 0; no++) {
		if (ret)
			return fail(err, len, "%s:%u: a NUL byte: not a text file", name, no);
		ret = split_line(line, &key, &val, msg, sizeof(msg));
		if (ret > 0)
			continue;
		if (ret)
			return fail(err, len, "%s:%u: %s", name, no, msg);
		k = key_lookup(key);
		if (k < 0)
			return fail(err, len, "%s:%u: unknown key '%.40s'", name, no, key);
		if (cli_set(o, k, val, level, msg, sizeof(msg)))
			return fail(err, len, "%s:%u: %s: %s", name, no, key_names[k], msg);
	}
	return 0;
}

static void cost_defaults(uint32_t *cost)
{
	unsigned int op;

	for (op = 0; op < 256; op++) {
		const char *n = invt_scn_op_name(op);

		cost[op] = 0;
		if (!n)
			continue;
		if (!strncmp(n, "CMD_CFGI_", 9) || !strcmp(n, "CMD_PRI_RESP") ||
		    !strcmp(n, "CMD_RESUME"))
			cost[op] = 50;
		else if (!strncmp(n, "CMD_TLBI_", 9))
			cost[op] = 100;
		else if (!strcmp(n, "CMD_ATC_INV"))
			cost[op] = 500;
		else if (!strcmp(n, "CMD_SYNC"))
			cost[op] = 1000;
	}
}

/* An opcode by mnemonic, with or without "CMD_", any case; -1 if none. */
static int op_lookup(const char *m)
{
	unsigned int op;

	for (op = 0; op < 256; op++) {
		const char *n = invt_scn_op_name(op);

		if (n && (!strcasecmp(m, n) || !strcasecmp(m, n + 4)))
			return op;
	}
	return -1;
}

static int cost_apply(struct cli_opts *o, char *err, size_t len)
{
	char msg[CLI_ERR_LEN], *text, *pos, *line, *key, *val;
	const char *name = o->cost_file;
	unsigned int no;
	size_t size;
	uint64_t v;
	int ret, op;

	ret = read_text("cost file", name, &text, &size, err, len);
	if (ret)
		return ret;
	for (no = 1, pos = text; (ret = next_line(&pos, text + size, &line)) >= 0; no++) {
		ret = ret ? fail(msg, sizeof(msg), "a NUL byte: not a text file") :
			split_line(line, &key, &val, msg, sizeof(msg));
		if (ret > 0)
			continue;
		if (!ret) {
			op = op_lookup(key);
			if (op < 0)
				ret = fail(msg, sizeof(msg), "unknown command '%.40s'", key);
			else
				ret = set_uint(val, 0, 1000000000, &v, msg, sizeof(msg));
		}
		if (ret) {
			free(text);
			return fail(err, len, "%s:%u: %s", name, no, msg);
		}
		o->cost[op] = (uint32_t)v;
	}
	free(text);
	return 0;
}

/* Options that are not scenario keys. */
enum { OPT_JSON = CLI_KEY_NR, OPT_TRACE, OPT_QUIET, OPT_SCENARIO, OPT_PRINT, OPT_HELP };

static const struct {
	const char *name;
	int id;
	bool arg;
} options[] = {
	{ "--json", OPT_JSON, false },		{ "--trace", OPT_TRACE, true },
	{ "--quiet", OPT_QUIET, false },	{ "--scenario", OPT_SCENARIO, true },
	{ "--print-scenario", OPT_PRINT, false }, { "--help", OPT_HELP, false },
	{ "-h", OPT_HELP, false },
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
	k = strchr(key, '_') ? -1 : key_lookup(key);
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
			return fail(err, len, "unexpected argument '%.60s' (see invtrack run --help)",
				    a);
		eq = strchr(a, '=');
		id = option_lookup(a, eq ? (size_t)(eq - a) : strlen(a), &arg);
		if (id < 0)
			return fail(err, len, "unknown option '%.60s' (see invtrack run --help)", a);
		if (!arg && eq)
			return fail(err, len, "option %.*s takes no value", (int)(eq - a), a);
		val = NULL;
		if (arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			if (!val || !*val)
				return fail(err, len, "option %.*s needs a value",
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
	cost_defaults(o->cost);
	o->p.cost_ns = o->cost;
	pend = calloc(argc + 1, sizeof(*pend));
	if (!pend)
		return fail(err, len, "out of memory");
	ret = scan_options(o, argc, argv, pend, &npend, err, len);
	if (ret || o->help)
		goto out;
	text = strdup(default_scenario);
	if (!text) {
		ret = fail(err, len, "out of memory");
		goto out;
	}
	ret = scenario_apply(o, text, strlen(text), "(default scenario)", CLI_LEVEL_DEFAULT, err,
			     len);
	free(text);
	if (ret)
		goto out;
	if (o->scenario_file) {
		ret = read_text("scenario file", o->scenario_file, &text, &size, err, len);
		if (ret)
			goto out;
		ret = scenario_apply(o, text, size, o->scenario_file, CLI_LEVEL_FILE, err, len);
		free(text);
		if (ret)
			goto out;
	}
	for (i = 0; i < npend; i++) {
		ret = cli_set(o, pend[i].key, pend[i].val, CLI_LEVEL_OPTION, msg, sizeof(msg));
		if (ret) {
			fail(err, len, "--%s: %s", key_names[pend[i].key], msg);
			goto out;
		}
	}
	if (!o->p.ops && !(o->p.seconds > 0)) {
		ret = fail(err, len, "seconds and ops are both 0: nothing would end the run "
			   "(set --seconds or --ops)");
		goto out;
	}
	if (o->cost_file[0])
		ret = cost_apply(o, err, len);
out:
	free(pend);
	return ret;
}

/* Shortest text that reads back as @v. */
static void fmt_real(char *buf, size_t len, double v)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

/* The value of key @k as scenario files write it. */
static void key_value(const struct cli_opts *o, int k, char *buf, size_t len)
{
	const struct invt_scn_params *p = &o->p;

	switch (k) {
	case CLI_KEY_ARCH:
		snprintf(buf, len, "smmuv3");
		break;
	case CLI_KEY_INSTANCES:
		snprintf(buf, len, "%u", p->instances);
		break;
	case CLI_KEY_DEVICES:
		snprintf(buf, len, "%u", p->devices);
		break;
	case CLI_KEY_ATS:
		fmt_real(buf, len, p->ats_percent / 100.0);
		break;
	case CLI_KEY_PASIDS:
		snprintf(buf, len, "%u", p->pasids);
		break;
	case CLI_KEY_DOMAINS:
		snprintf(buf, len, "%u", p->domains);
		break;
	case CLI_KEY_CPUS:
		snprintf(buf, len, "%u", p->cpus);
		break;
	case CLI_KEY_DMA:
		snprintf(buf, len, "%u", p->dma);
		break;
	case CLI_KEY_SECONDS:
		fmt_real(buf, len, p->seconds);
		break;
	case CLI_KEY_OPS:
		snprintf(buf, len, "%llu", (unsigned long long)p->ops);
		break;
	case CLI_KEY_SEED:
		snprintf(buf, len, "%llu", (unsigned long long)p->seed);
		break;
	case CLI_KEY_MODE:
		snprintf(buf, len, "%s", p->threaded ? "threaded" : "inline");
		break;
	case CLI_KEY_RANGE_INV:
		snprintf(buf, len, "%s", p->ril ? "on" : "off");
		break;
	case CLI_KEY_COST:
		snprintf(buf, len, "%s", o->cost_file[0] ? o->cost_file : "none");
		break;
	case CLI_KEY_ABLATE:
		snprintf(buf, len, "%s", o->ablate[0] ? o->ablate : "none");
		break;
	default:
		buf[0] = '\0';
	}
}

void cli_print_scenario(FILE *f, const struct cli_opts *o, const char *prefix)
{
	char v[CLI_VAL_MAX];
	int k;

	fprintf(f, "%s# invtrack scenario (keys as the options of invtrack run)\n", prefix);
	for (k = 0; k < CLI_KEY_NR; k++) {
		key_value(o, k, v, sizeof(v));
		fprintf(f, "%s%s = %s\n", prefix, key_names[k], v);
	}
}

/* Append " --key value", the value quoted for a POSIX shell when needed. */
static void append_arg(char *buf, size_t len, const char *key, const char *v)
{
	size_t n = strlen(buf), i;
	bool plain = *v != '\0';

	for (i = 0; v[i]; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr("-_./:+,=@%", v[i]))
			plain = false;
	n += snprintf(buf + n, n < len ? len - n : 0, "%s--%s ", n ? " " : "", key);
	if (plain) {
		snprintf(buf + n, n < len ? len - n : 0, "%s", v);
		return;
	}
	n += snprintf(buf + n, n < len ? len - n : 0, "'");
	for (i = 0; v[i]; i++)
		n += snprintf(buf + n, n < len ? len - n : 0, v[i] == '\'' ? "'\\''" : "%c", v[i]);
	snprintf(buf + n, n < len ? len - n : 0, "'");
}

void cli_replay_args(const struct cli_opts *o, char *buf, size_t len)
{
	char v[CLI_VAL_MAX], dv[CLI_VAL_MAX];
	struct cli_opts *def;
	char *text;
	int k;

	buf[0] = '\0';
	key_value(o, CLI_KEY_SEED, v, sizeof(v));
	append_arg(buf, len, "seed", v);
	def = calloc(1, sizeof(*def));
	text = strdup(default_scenario);
	if (def && text) {
		invt_scn_defaults(&def->p);
		if (scenario_apply(def, text, strlen(text), "", CLI_LEVEL_DEFAULT, dv, sizeof(dv)))
			memset(def, 0, sizeof(*def));
	}
	for (k = 0; k < CLI_KEY_NR; k++) {
		if (k == CLI_KEY_SEED || k == CLI_KEY_SECONDS || k == CLI_KEY_OPS)
			continue;
		key_value(o, k, v, sizeof(v));
		dv[0] = '\0';
		if (def && text)
			key_value(def, k, dv, sizeof(dv));
		if (strcmp(v, dv))
			append_arg(buf, len, key_names[k], v);
	}
	/* A non-zero limit given as an option replaces the default's other one. */
	if (o->p.ops) {
		key_value(o, CLI_KEY_OPS, v, sizeof(v));
		append_arg(buf, len, "ops", v);
	}
	if (o->p.seconds > 0 && (o->p.ops || !def || !text || o->p.seconds != def->p.seconds)) {
		key_value(o, CLI_KEY_SECONDS, v, sizeof(v));
		append_arg(buf, len, "seconds", v);
	}
	free(text);
	free(def);
}
