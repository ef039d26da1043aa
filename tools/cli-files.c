// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cli-files.c - scenario and cost files: reading, writing, replaying.
 *
 * Both formats are text, one `key = value` per line, '#' starting a
 * comment (at the start of a line or after white space).  A scenario file
 * sets the keys of enum cli_key; a cost file sets the modelled cost in ns of
 * a command, by mnemonic.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* Files larger than this are not scenario or cost files. */
#define CLI_FILE_MAX	(1u << 20)
#define CLI_VAL_MAX	(CLI_PATH_MAX + 64)

/* The whole of a small file, NUL-terminated; the caller frees it. */
int cli_read_text(const char *what, const char *path, char **out, size_t *size, char *err,
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

/* Append to @buf (holding @*n characters) what @fmt says, as far as it fits. */
static void __attribute__((format(printf, 4, 5)))
cat(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	*n = w < 0 ? len : *n + (size_t)w;
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
	if (!eq) {
		char shown[41];
		size_t i;

		/* What the line holds, printable. */
		for (i = 0; line[i] && i < sizeof(shown) - 1; i++)
			shown[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
		shown[i] = '\0';
		return cli_fail(err, len, "expected 'key = value', got '%s'", shown);
	}
	*eq = '\0';
	*key = trim(line);
	*val = trim(eq + 1);
	if (!**key)
		return cli_fail(err, len, "expected 'key = value': no key before '='");
	if (!**val)
		return cli_fail(err, len, "%.40s: missing value after '='", *key);
	return 0;
}

/*
 * Apply each line of @text (scenario file format) at @level; on failure
 * @err is "NAME:LINE: ...".
 */
int cli_scenario_apply(struct cli_opts *o, char *text, size_t size, const char *name,
		       int level, char *err, size_t len)
{
	char msg[CLI_ERR_LEN], *pos = text, *line, *key, *val;
	unsigned int no;
	int ret, k;

	for (no = 1; (ret = next_line(&pos, text + size, &line)) >= 0; no++) {
		if (ret)
			return cli_fail(err, len, "%s:%u: a NUL byte: not a text file", name, no);
		ret = split_line(line, &key, &val, msg, sizeof(msg));
		if (ret > 0)
			continue;
		if (ret)
			return cli_fail(err, len, "%s:%u: %s", name, no, msg);
		k = cli_key_lookup(key);
		if (k < 0)
			return cli_fail(err, len, "%s:%u: unknown key '%.40s'", name, no, key);
		if (cli_set(o, k, val, level, msg, sizeof(msg)))
			return cli_fail(err, len, "%s:%u: %s: %s", name, no, cli_key_names[k], msg);
	}
	return 0;
}

void cli_cost_defaults(const char *arch, uint32_t *cost)
{
	if (invt_scn_cost_defaults(arch, cost))
		memset(cost, 0, 256 * sizeof(*cost));
}

/* An opcode by mnemonic, with or without "CMD_", any case; -1 if none. */
static int op_lookup(const char *arch, const char *m)
{
	unsigned int op;

	for (op = 0; op < 256; op++) {
		const char *n = invt_scn_op_name(arch, op);

		if (!n)
			continue;
		if (!strcasecmp(m, n) || (!strncmp(n, "CMD_", 4) && !strcasecmp(m, n + 4)))
			return op;
	}
	return -1;
}

void cli_cost_names(const char *arch, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int op;

	buf[0] = '\0';
	for (op = 0; op < 256; op++) {
		const char *name = invt_scn_op_name(arch, op);

		if (name)
			cat(buf, len, &n, "%s%s", n ? ", " : "", name);
	}
}

void cli_print_costs(FILE *f, const struct cli_opts *o)
{
	const char *arch = o->p.arch ? o->p.arch : "smmuv3";
	uint32_t def[256];
	unsigned int op;

	cli_cost_defaults(arch, def);
	fprintf(f, "# invtrack cost table for %s: modelled ns per command, as a cost file\n",
		arch);
	fprintf(f, "# (invtrack run --arch %s --cost FILE reads it back)\n", arch);
	if (o->cost_file[0])
		fprintf(f, "# the model's defaults, then '%s'\n", o->cost_file);
	else
		fprintf(f, "# the model's defaults\n");
	for (op = 0; op < 256; op++) {
		const char *name = invt_scn_op_name(arch, op);

		if (!name)
			continue;
		fprintf(f, "%-24s = %" PRIu32, name, o->cost[op]);
		if (o->cost[op] != def[op])
			fprintf(f, "\t# default %" PRIu32, def[op]);
		fprintf(f, "\n");
	}
}

int cli_cost_apply(struct cli_opts *o, char *text, size_t size, const char *name, char *err,
		   size_t len)
{
	char msg[CLI_ERR_LEN], *pos, *line, *key, *val;
	unsigned int no;
	uint64_t v;
	int ret, op;

	for (no = 1, pos = text; (ret = next_line(&pos, text + size, &line)) >= 0; no++) {
		ret = ret ? cli_fail(msg, sizeof(msg), "a NUL byte: not a text file") :
			split_line(line, &key, &val, msg, sizeof(msg));
		if (ret > 0)
			continue;
		if (!ret) {
			op = op_lookup(o->p.arch, key);
			if (op < 0) {
				char names[CLI_ERR_LEN / 2];

				cli_cost_names(o->p.arch, names, sizeof(names));
				ret = cli_fail(msg, sizeof(msg),
					       "unknown command '%.40s' for %s (cost names: %s)",
					       key, o->p.arch ? o->p.arch : "smmuv3", names);
			} else
				ret = cli_set_uint(val, 0, 1000000000, &v, msg, sizeof(msg));
		}
		if (ret)
			return cli_fail(err, len, "%s:%u: %s", name, no, msg);
		o->cost[op] = (uint32_t)v;
	}
	return 0;
}

int cli_cost_load(struct cli_opts *o, char *err, size_t len)
{
	size_t size;
	char *text;
	int ret;

	ret = cli_read_text("cost file", o->cost_file, &text, &size, err, len);
	if (ret)
		return ret;
	ret = cli_cost_apply(o, text, size, o->cost_file, err, len);
	free(text);
	return ret;
}

void cli_fmt_mix(char *buf, size_t len, const unsigned int *mix)
{
	size_t n = 0;
	unsigned int i, total = 0;

	buf[0] = '\0';
	for (i = 0; i < INVT_SCN_OP_NR; i++)
		total += mix[i];
	if (!total) {
		snprintf(buf, len, "default");
		return;
	}
	/* remove, unplug, abort only when they weigh: a mix without them reads as before. */
	for (i = 0; i < INVT_SCN_OP_NR; i++)
		if (mix[i] || (i != INVT_SCN_OP_REMOVE && i != INVT_SCN_OP_UNPLUG &&
			       i != INVT_SCN_OP_ABORT))
			cat(buf, len, &n, "%s%s:%u", n ? "," : "", cli_mix_names[i], mix[i]);
}

void cli_fmt_real(char *buf, size_t len, double v)
{
	int prec;

	if (v == (double)(int64_t)v && v > -1e15 && v < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
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
		snprintf(buf, len, "%s", p->arch ? p->arch : "smmuv3");
		break;
	case CLI_KEY_INSTANCES:
		snprintf(buf, len, "%u", p->instances);
		break;
	case CLI_KEY_DEVICES:
		snprintf(buf, len, "%u", p->devices);
		break;
	case CLI_KEY_ATS:
		cli_fmt_real(buf, len, p->ats_percent / 100.0);
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
	case CLI_KEY_MIX:
		cli_fmt_mix(buf, len, p->mix);
		break;
	case CLI_KEY_SECONDS:
		cli_fmt_real(buf, len, p->seconds);
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
	case CLI_KEY_IOTLB_TAGS:
		snprintf(buf, len, "%s", p->iotlb_by_tags ? "domain" : "device");
		break;
	case CLI_KEY_OAS:
		snprintf(buf, len, "%u", p->oas ? p->oas : 48);
		break;
	case CLI_KEY_SMMU_TABLES:
		snprintf(buf, len, "%s", p->smmu_2lvl ? "2lvl" : "linear");
		break;
	case CLI_KEY_VMS:
		snprintf(buf, len, "%u", p->vms);
		break;
	case CLI_KEY_VIOMMU:
		snprintf(buf, len, "%s", p->viommu_off ? "off" : "on");
		break;
	case CLI_KEY_QUEUE_SLOTS:
		snprintf(buf, len, "%u", p->queue_slots ? p->queue_slots : 256);
		break;
	case CLI_KEY_FAULTS:
		cli_fmt_real(buf, len, p->faults);
		break;
	case CLI_KEY_COST:
		snprintf(buf, len, "%s", o->cost_file[0] ? o->cost_file : "none");
		break;
	case CLI_KEY_ABLATE:
		snprintf(buf, len, "%s", o->ablate[0] ? o->ablate : "none");
		break;
	case CLI_KEY_DELAYS:
		snprintf(buf, len, "%s", p->delays ? "on" : "off");
		break;
	default:
		buf[0] = '\0';
	}
}

void cli_print_scenario(FILE *f, const struct cli_opts *o, const char *prefix)
{
	char v[CLI_VAL_MAX];
	int k;

	if (*prefix)
		fprintf(f, "%sscenario:\n", prefix);
	else
		fprintf(f, "# invtrack scenario (keys as the options of invtrack run)\n");
	for (k = 0; k < CLI_KEY_NR; k++) {
		key_value(o, k, v, sizeof(v));
		fprintf(f, "%s%s = %s\n", prefix, cli_key_names[k], v);
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
	cat(buf, len, &n, "%s--%s ", n ? " " : "", key);
	if (plain) {
		cat(buf, len, &n, "%s", v);
		return;
	}
	cat(buf, len, &n, "'");
	for (i = 0; v[i]; i++)
		if (v[i] == '\'')
			cat(buf, len, &n, "'\\''");
		else
			cat(buf, len, &n, "%c", v[i]);
	cat(buf, len, &n, "'");
}

void cli_replay_args(const struct cli_opts *o, uint64_t ops_done, char *buf, size_t len)
{
	char v[CLI_VAL_MAX], dv[CLI_VAL_MAX];
	struct cli_opts *def;
	char *text;
	int k;

	buf[0] = '\0';
	key_value(o, CLI_KEY_SEED, v, sizeof(v));
	append_arg(buf, len, "seed", v);
	def = calloc(1, sizeof(*def));
	text = strdup(cli_default_text);
	if (def && text) {
		invt_scn_defaults(&def->p);
		if (cli_scenario_apply(def, text, strlen(text), "", CLI_LEVEL_DEFAULT, dv,
				       sizeof(dv)))
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
			append_arg(buf, len, cli_key_names[k], v);
	}
	/* Inline: the operations done, the one limit that replays the run exactly. */
	if (ops_done && !o->p.threaded) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)ops_done);
		append_arg(buf, len, "ops", v);
		free(text);
		free(def);
		return;
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
