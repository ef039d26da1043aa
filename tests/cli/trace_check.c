// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * trace_check.c - decode an `invtrack run --trace` file on the hardware side.
 *
 *   trace_check FILE
 *
 * Every line that is not a '#' comment must be
 *   <seq> <instance> smmuv3 <w0> <w1> <MNEMONIC> [field=value ...]
 * with w0 and w1 exactly 16 hex digits, seq 0, 1, 2, ... in order, and the
 * mnemonic the one the modelled SMMU's own decoder (smmu_hw_decode(), not
 * the driver's encoder) gives for the words.  Prints "MNEMONIC count" per
 * opcode seen and "total N", exit 0; or says which line is wrong, exit 1.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw.h"

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
	uint64_t seq, next = 0, inst, dw[2], total = 0;
	char *line = NULL, *tok[6], *save;
	unsigned long no = 0;
	struct smmu_hw_cmd c;
	enum smmu_hw_ill why;
	size_t cap = 0;
	unsigned int op, i;
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
		for (i = 0; i < 6; i++) {
			tok[i] = strtok_r(i ? NULL : line, " \n", &save);
			if (!tok[i])
				return bad(argv[1], no, "fewer than 6 fields");
		}
		if (!parse_dec(tok[0], &seq) || seq != next)
			return bad(argv[1], no, "seq is not the next number from 0");
		next++;
		if (!parse_dec(tok[1], &inst) || inst >= 8)
			return bad(argv[1], no, "bad instance");
		if (strcmp(tok[2], "smmuv3"))
			return bad(argv[1], no, "arch is not smmuv3");
		if (!parse_word(tok[3], &dw[0]) || !parse_word(tok[4], &dw[1]))
			return bad(argv[1], no, "a word is not 16 hex digits");
		if (smmu_hw_decode(dw, SMMU_HW_FEAT_ALL, &c, &why)) {
			if (strcmp(tok[5], "ILLEGAL"))
				return bad(argv[1], no, "the decoder rejects the command");
			continue;
		}
		if (strcmp(tok[5], smmu_hw_op_name(c.op)))
			return bad(argv[1], no, "the mnemonic is not what the words decode to");
		count[c.op]++;
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
			printf("%s %" PRIu64 "\n", smmu_hw_op_name(op), count[op]);
	printf("total %" PRIu64 "\n", total);
	return 0;
}
