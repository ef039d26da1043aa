// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * trace_check.c - decode an `invtrack run --trace` file on the hardware side.
 *
 *   trace_check FILE
 *
 * Every line that is not a '#' comment must be
 *   <seq> <instance> <arch> <w0> <w1> [<w2> <w3>] <MNEMONIC> [field=value ...]
 * with w0 and w1 exactly 16 hex digits, seq 0, 1, 2, ... in order, and the
 * mnemonic the one the modelled SMMU's own decoder (smmu_hw_decode(), not
 * the driver's encoder) gives for the words.  Prints "MNEMONIC count" per
 * opcode seen and "total N", exit 0; or says which line is wrong, exit 1.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <invtrack/model/scenario.h>

#define MAX_TOK 8

static int bad(const char *path, unsigned long no, const char *what)
{
	fprintf(stderr, "trace_check: %s:%lu: %s\n", path, no, what);
	return 1;
}

/* A 64-bit word written as exactly 16 hex digits. */
static bool parse_word(const char *s, uint64_t *v)
{
	size_t i;

	if (strlen(s) != 16)
		return false;
	for (i = 0; i < 16; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	*v = strtoull(s, NULL, 16);
	return true;
}

static bool parse_dec(const char *s, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno;
}

int main(int argc, char **argv)
{
	static uint64_t count[256];
	uint64_t seq, next = 0, inst, w[4], total = 0;
	char *line = NULL, *tok[MAX_TOK], *save, arch[16] = "", desc[256];
	unsigned int op, nw, ntok;
	unsigned long no = 0;
	size_t cap = 0;
	int ret;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: trace_check FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "trace_check: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) >= 0) {
		no++;
		if (line[0] == '#')
			continue;
		for (ntok = 0; ntok < MAX_TOK; ntok++) {
			tok[ntok] = strtok_r(ntok ? NULL : line, " \n", &save);
			if (!tok[ntok])
				break;
		}
		if (ntok < 6)
			return bad(argv[1], no, "fewer than 6 fields");
		if (!parse_dec(tok[0], &seq) || seq != next)
			return bad(argv[1], no, "seq is not the next number from 0");
		next++;
		if (!parse_dec(tok[1], &inst) || inst >= INVT_SCN_MAX_INSTANCES)
			return bad(argv[1], no, "bad instance");
		if (!invt_scn_arch_ok(tok[2]))
			return bad(argv[1], no, "unknown arch");
		if (!arch[0])
			snprintf(arch, sizeof(arch), "%s", tok[2]);
		else if (strcmp(arch, tok[2]))
			return bad(argv[1], no, "the arch changed");
		/* Two words, or four (VT-d 256-bit descriptors); then the mnemonic. */
		for (nw = 0; nw < 4 && 3 + nw < ntok && parse_word(tok[3 + nw], &w[nw]); nw++)
			;
		if ((nw != 2 && nw != 4) || 3 + nw >= ntok)
			return bad(argv[1], no, "not 2 or 4 words of 16 hex digits, then a mnemonic");
		/* The hardware side's decoder (through the architecture's model). */
		ret = invt_scn_describe(arch, w, nw, desc, sizeof(desc));
		if (ret < 0) {
			if (strcmp(tok[3 + nw], "ILLEGAL"))
				return bad(argv[1], no, "the decoder rejects the command");
			continue;
		}
		op = (unsigned int)ret;
		if (!invt_scn_op_name(arch, op) || strcmp(tok[3 + nw], invt_scn_op_name(arch, op)))
			return bad(argv[1], no, "the mnemonic is not what the words decode to");
		if (strncmp(desc, tok[3 + nw], strlen(tok[3 + nw])))
			return bad(argv[1], no, "the decoder describes another command");
		count[op]++;
		total++;
	}
	free(line);
	if (ferror(f)) {
		fprintf(stderr, "trace_check: %s: read error\n", argv[1]);
		return 1;
	}
	fclose(f);
	for (op = 0; op < 256; op++)
		if (count[op])
			printf("%s %" PRIu64 "\n", invt_scn_op_name(arch, op), count[op]);
	printf("total %" PRIu64 "\n", total);
	return 0;
}
