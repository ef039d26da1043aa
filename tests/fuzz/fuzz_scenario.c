// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_scenario.c - the scenario file parser (tools/cli-files.c) on any
 * bytes.
 *
 * The input is a scenario file, applied over the default scenario as
 * `invtrack run --scenario FILE` does.  It must be accepted or rejected with
 * -EINVAL and a one-line message; an accepted one must survive the round
 * trip through --print-scenario (printed, read back over the default,
 * printed again: the same text), and its replay line must be buildable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

/* The options as cli_parse_run() has them before it reads --scenario. */
static void build_fresh(struct cli_opts *o)
{
	char err[CLI_ERR_LEN], *text = strdup(cli_default_text);
	int ret;

	FUZZ_CHECK(text, "out of memory");
	memset(o, 0, sizeof(*o));
	invt_scn_defaults(&o->p);
	cli_cost_defaults(o->p.arch, o->cost);
	o->p.cost_ns = o->cost;
	ret = cli_scenario_apply(o, text, strlen(text), "(default)", CLI_LEVEL_DEFAULT, err,
				 sizeof(err));
	FUZZ_CHECK(!ret, "the default scenario: %s", err);
	free(text);
}

/*
 * The same, copied from one built once (building it runs the model for its
 * default costs: most of an input's time): only the pointers into the
 * options themselves are set again.  Every FRESH_RECHECK-th copy is
 * compared with one built anew.
 */
#define FRESH_RECHECK 1024

static void fresh(struct cli_opts *o)
{
	static struct cli_opts built, check;
	static unsigned long copies;

	if (!copies++)
		build_fresh(&built);
	memcpy(o, &built, sizeof(*o));
	o->p.cost_ns = o->cost;
	if (built.p.ablate)
		o->p.ablate = o->ablate;
	if (copies % FRESH_RECHECK == 1) {
		build_fresh(&check);
		/* Pointing into @check: as they would into @o. */
		check.p.cost_ns = o->cost;
		if (check.p.ablate == check.ablate)
			check.p.ablate = o->ablate;
		FUZZ_CHECK(!memcmp(o, &check, sizeof(*o)), "fresh options differ from a copy");
	}
}

/* The effective scenario as --print-scenario writes it; the caller frees it. */
static char *printed(const struct cli_opts *o, size_t *size)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, size);

	FUZZ_CHECK(f, "open_memstream");
	cli_print_scenario(f, o, "");
	FUZZ_CHECK(!fclose(f), "writing the scenario");
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cli_opts o, o2;
	char err[CLI_ERR_LEN], replay[2 * CLI_PATH_MAX + 512], *text, *first, *second;
	size_t n1, n2;
	int ret;

	if (size > 1 << 16)
		return 0;
	fresh(&o);
	/* As cli_read_text() returns a file: its bytes and a NUL. */
	text = malloc(size + 1);
	FUZZ_CHECK(text, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	ret = cli_scenario_apply(&o, text, size, "fuzz.scn", CLI_LEVEL_FILE, err, sizeof(err));
	free(text);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	if (ret) {
		FUZZ_CHECK(!strncmp(err, "fuzz.scn:", 9) && !strchr(err, '\n'),
			   "message '%s' does not name the file and line, or is not one line", err);
		return 0;
	}

	first = printed(&o, &n1);
	fresh(&o2);
	ret = cli_scenario_apply(&o2, first, n1, "printed", CLI_LEVEL_FILE, err, sizeof(err));
	FUZZ_CHECK(!ret, "the printed scenario does not read back: %s", err);
	free(first);
	first = printed(&o, &n1);
	second = printed(&o2, &n2);
	FUZZ_CHECK(n1 == n2 && !memcmp(first, second, n1),
		   "round trip differs:\n%s---\n%s", first, second);
	free(first);
	free(second);

	cli_replay_args(&o, 0, replay, sizeof(replay));
	FUZZ_CHECK(!strncmp(replay, "--seed ", 7), "replay line '%s'", replay);
	return 0;
}
