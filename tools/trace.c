// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * trace.c - the --trace writer: every command as a driver writes it.
 *
 *   <seq> <instance> <arch> <w0> <w1> [<w2> <w3>] <MNEMONIC> [field=value ...] t=<clock>
 *
 * w0, w1 ... are the command's 64-bit words as in queue memory, 16 hex
 * digits each (w2 and w3 for VT-d's 256-bit descriptors); seq is the global
 * order of writing, from 0; the rest is the modelled hardware's decoding
 * (invt_scn_describe()), then t= the run's event clock when it was written:
 * the clock of the violations' "filled at t=", "used at t=" and "freed at
 * t=".  The path "-" is standard output.  Lines starting with
 * '#' are comments: the header names the scenario and its seed.
 *
 * trace_command() runs on whichever thread wrote the command, under the
 * scenario's trace lock (calls never overlap), so the stream needs no lock
 * of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TRACE_BUF	(1u << 20)

int trace_open(struct cli_trace *t, const struct cli_opts *o, char *err, size_t len)
{
	t->path = o->trace_file;
	t->arch = o->p.arch;
	t->is_stdout = !strcmp(t->path, "-");
	if (t->is_stdout) {
		/* Standard output keeps its own buffer: it outlives the trace. */
		t->path = "(standard output)";
		t->f = stdout;
		goto header;
	}
	t->f = fopen(t->path, "w");
	if (!t->f)
		return snprintf(err, len, "cannot write trace file '%s': %s", t->path,
				strerror(errno)), -EINVAL;
	/* A large buffer: a threaded run writes millions of lines. */
	t->buf = malloc(TRACE_BUF);
	if (t->buf)
		setvbuf(t->f, t->buf, _IOFBF, TRACE_BUF);
header:
	fprintf(t->f, "# invtrack trace\n");
	fprintf(t->f, "# <seq> <instance> <arch> <w0> <w1> [<w2> <w3>] <MNEMONIC> [field=value ...] "
		"t=<clock>\n");
	cli_print_scenario(t->f, o, "# ");
	fprintf(t->f, "# seed %" PRIu64 "\n", o->p.seed);
	if (fflush(t->f)) {
		int e = errno;

		if (!t->is_stdout)
			fclose(t->f);
		free(t->buf);
		t->f = NULL;
		return snprintf(err, len, "writing trace file '%s': %s", t->path, strerror(e)),
		       -EIO;
	}
	return 0;
}

void trace_command(void *arg, uint64_t seq, uint64_t clock, uint32_t instance,
		   const uint64_t *w, unsigned int nwords)
{
	struct cli_trace *t = arg;
	char desc[256];
	unsigned int i;

	invt_scn_describe(t->arch, w, nwords, desc, sizeof(desc));
	fprintf(t->f, "%" PRIu64 " %" PRIu32 " %s", seq, instance, t->arch ? t->arch : "smmuv3");
	for (i = 0; i < nwords; i++)
		fprintf(t->f, " %016" PRIx64, w[i]);
	fprintf(t->f, " %s t=%" PRIu64 "\n", desc, clock);
}

int trace_close(struct cli_trace *t, char *err, size_t len)
{
	int ret = 0, e = 0;

	if (!t->f)
		return 0;
	if (ferror(t->f))
		e = EIO;
	if (t->is_stdout) {
		if (fflush(t->f) && !e)
			e = errno ? errno : EIO;
	} else if (fclose(t->f) && !e) {
		e = errno ? errno : EIO;
	}
	free(t->buf);
	t->f = NULL;
	if (e) {
		snprintf(err, len, "writing trace file '%s': %s", t->path, strerror(e));
		ret = -EIO;
	}
	return ret;
}
