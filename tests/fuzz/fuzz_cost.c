// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_cost.c - the cost file parser (tools/cli-files.c) on any bytes.
 *
 * The first byte picks the architecture (smmuv3, vtd, riscv), the rest is
 * the file.  It must be accepted or rejected with -EINVAL and a one-line
 * message naming the file and line; an accepted one sets only costs of
 * mnemonics the architecture has, each at most 10^9 ns, and a rejected one
 * may leave the lines before the bad one applied (cli_parse_run() then
 * stops), but never touches an index that names nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

static const char *const archs[] = { "smmuv3", "vtd", "riscv" };

/*
 * cli_cost_defaults() of archs[@a], computed once (it builds a modelled
 * instance: most of an input's time); every 1024th use is compared with a
 * fresh one.
 */
static const uint32_t *cost_defaults(unsigned int a)
{
	static uint32_t def[3][256], check[256];
	static unsigned long uses[3];

	if (!uses[a]++)
		cli_cost_defaults(archs[a], def[a]);
	if (uses[a] % 1024 == 0) {
		cli_cost_defaults(archs[a], check);
		FUZZ_CHECK(!memcmp(check, def[a], sizeof(check)), "%s: default costs changed",
			   archs[a]);
	}
	return def[a];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cli_opts o;
	static uint32_t before[256];
	char err[CLI_ERR_LEN], *text;
	const char *arch;
	unsigned int op;
	int ret;

	if (!size || size > 1 << 16)
		return 0;
	arch = archs[data[0] % 3];
	if (!invt_scn_arch_ok(arch))
		return 0;
	memset(&o, 0, sizeof(o));
	invt_scn_defaults(&o.p);
	o.p.arch = arch;
	memcpy(o.cost, cost_defaults(data[0] % 3), sizeof(o.cost));
	memcpy(before, o.cost, sizeof(before));
	text = malloc(size);
	FUZZ_CHECK(text, "out of memory");
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	err[0] = '\0';
	ret = cli_cost_apply(&o, text, size - 1, "fuzz.cost", err, sizeof(err));
	free(text);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(memchr(err, '\0', sizeof(err)), "unterminated message");
	if (ret)
		FUZZ_CHECK(!strncmp(err, "fuzz.cost:", 10) && !strchr(err, '\n'),
			   "message '%s' does not name the file and line, or is not one line", err);
	for (op = 0; op < 256; op++) {
		if (o.cost[op] == before[op])
			continue;
		FUZZ_CHECK(invt_scn_op_name(arch, op), "%s: cost of index %u, which names nothing",
			   arch, op);
		FUZZ_CHECK(o.cost[op] <= 1000000000, "%s %s: %u ns", arch,
			   invt_scn_op_name(arch, op), o.cost[op]);
	}
	return 0;
}
