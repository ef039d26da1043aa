// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_riscv_decode.c - the RISC-V IOMMU command decoder (src/arch/riscv/
 * hw-decode.c) on any 16 bytes, against the driver's encoder.
 *
 * Input: bytes 0-15 a command as in queue memory; bytes 16-23 the
 * capabilities register; byte 24: bit 0 fctl.WSI, bits 7:1 the device_id
 * width (0: unchecked); the rest fields of a command for the encoder.
 * Without bytes 16-24: every capability, WSI, no width check.
 *
 * Decoder side: every command decodes or is illegal (cmd_ill) with a reason
 * (spec 1.0 §3.1); a decoded one has a name and spans with first <= last.
 * The decoder drops operands the spec says are ignored, so the words need
 * not come back: the encoder, given the decoded fields, rejects them or
 * writes words that decode to the same fields.
 * Encoder side: whatever the encoder accepts, an IOMMU with every
 * capability decodes to the same fields.
 */
#include <string.h>

#include <invtrack/model/scenario.h>
#include <invtrack/riscv-regs.h>
#include <invtrack/riscv.h>

#include "fuzz.h"
#include "hw.h"

static const struct rv_hw_limits all_limits = { .caps = ~0ull, .wsi = true, .did_bits = 0 };

static void to_cmd(const struct rv_hw_cmd *h, struct invt_rv_cmd *c)
{
	*c = (struct invt_rv_cmd){
		.opcode = h->kind & 0x1f, .func3 = h->kind >> 5, .av = h->av, .pscv = h->pscv,
		.gv = h->gv, .nl = h->nl, .s = h->s || h->ats_s, .wsi = h->wsi, .pr = h->pr,
		.pw = h->pw, .dv = h->dv, .pv = h->pv, .dsv = h->dsv, .global = h->g,
		.pscid = h->pscid, .gscid = h->gscid, .pid = h->pid, .did = h->did,
		.rid = h->rid, .dseg = h->dseg, .data = h->data, .prgi = h->prgi,
		.resp = h->resp, .dst = h->dst, .addr = h->addr,
	};
}

static bool same_cmd(const struct invt_rv_cmd *a, const struct invt_rv_cmd *b)
{
	return a->opcode == b->opcode && a->func3 == b->func3 && a->av == b->av &&
	       a->pscv == b->pscv && a->gv == b->gv && a->nl == b->nl && a->s == b->s &&
	       a->wsi == b->wsi && a->pr == b->pr && a->pw == b->pw && a->dv == b->dv &&
	       a->pv == b->pv && a->dsv == b->dsv && a->global == b->global &&
	       a->pscid == b->pscid && a->gscid == b->gscid && a->pid == b->pid &&
	       a->did == b->did && a->rid == b->rid && a->dseg == b->dseg &&
	       a->data == b->data && a->prgi == b->prgi && a->resp == b->resp &&
	       a->dst == b->dst && a->addr == b->addr;
}

static void decoder_side(const uint8_t *slot, const struct rv_hw_limits *lim)
{
	struct invt_rv_cmd c, back;
	struct rv_hw_cmd h, h2;
	enum rv_hw_ill why, why2;
	uint64_t dw[2], dw2[2], re[2], first, last;
	char line[256];
	int ret, ret2;

	fz_words_le(slot, 2, dw);
	rv_hw_words_le(slot, dw2);
	FUZZ_CHECK(dw[0] == dw2[0] && dw[1] == dw2[1], "rv_hw_words_le");
	ret = rv_hw_decode(dw, lim, &h, &why);
	line[0] = 'x';
	invt_scn_describe("riscv", dw, 2, line, sizeof(line));
	FUZZ_CHECK(memchr(line, '\0', sizeof(line)), "describe: unterminated");
	if (ret) {
		FUZZ_CHECK(why > RV_HW_ILL_NONE && why <= RV_HW_ILL_WIDTH, "error %d reason %d",
			   ret, why);
		return;
	}
	FUZZ_CHECK(why == RV_HW_ILL_NONE, "decoded with reason %d", why);
	FUZZ_CHECK(rv_hw_cmd_name(h.kind), "decoded kind %u has no name", h.kind);
	FUZZ_CHECK(rv_hw_describe(&h, line, sizeof(line)) >= 0 && memchr(line, '\0', sizeof(line)),
		   "rv_hw_describe");
	if ((h.kind == RV_HW_IOTINVAL_VMA || h.kind == RV_HW_IOTINVAL_GVMA) && h.av) {
		rv_hw_iotinval_span(&h, &first, &last);
		FUZZ_CHECK(first <= last, "IOTINVAL span %#llx..%#llx", (unsigned long long)first,
			   (unsigned long long)last);
	}
	if (h.kind == RV_HW_ATS_INVAL) {
		rv_hw_ats_span(&h, &first, &last);
		FUZZ_CHECK(first <= last, "ATS span %#llx..%#llx", (unsigned long long)first,
			   (unsigned long long)last);
	}
	/* Decoding is idempotent on what it keeps. */
	ret2 = rv_hw_decode(dw, lim, &h2, &why2);
	FUZZ_CHECK(!ret2 && !memcmp(&h, &h2, sizeof(h)), "two decodes differ");
	to_cmd(&h, &c);
	if (invt_rv_cmd_encode(&c, re))
		return;
	ret2 = rv_hw_decode(re, lim, &h2, &why2);
	FUZZ_CHECK(!ret2, "re-encoded %016llx %016llx rejected (reason %d)",
		   (unsigned long long)re[0], (unsigned long long)re[1], why2);
	to_cmd(&h2, &back);
	FUZZ_CHECK(same_cmd(&c, &back), "decoded %016llx %016llx, re-encoded %016llx %016llx: "
		   "fields differ", (unsigned long long)dw[0], (unsigned long long)dw[1],
		   (unsigned long long)re[0], (unsigned long long)re[1]);
}

static void encoder_side(struct fz *f)
{
	struct invt_rv_cmd c, back;
	enum rv_hw_ill why;
	struct rv_hw_cmd h;
	uint8_t slot[16];
	uint64_t dw[2];
	int ret;

	c = (struct invt_rv_cmd){
		.opcode = fz_bits(f, 8), .func3 = fz_bits(f, 8), .av = fz_bits(f, 1),
		.pscv = fz_bits(f, 1), .gv = fz_bits(f, 1), .nl = fz_bits(f, 1),
		.s = fz_bits(f, 1), .wsi = fz_bits(f, 1), .pr = fz_bits(f, 1),
		.pw = fz_bits(f, 1), .dv = fz_bits(f, 1), .pv = fz_bits(f, 1),
		.dsv = fz_bits(f, 1), .global = fz_bits(f, 1), .pscid = fz_bits(f, 32),
		.gscid = fz_bits(f, 32), .pid = fz_bits(f, 32), .did = fz_bits(f, 32),
		.rid = fz_bits(f, 16), .dseg = fz_bits(f, 8), .data = fz_bits(f, 32),
		.prgi = fz_bits(f, 16), .resp = fz_bits(f, 8), .dst = fz_bits(f, 16),
		.addr = fz_bits(f, 64),
	};
	if (invt_rv_cmd_encode_le(&c, slot))
		return;
	rv_hw_words_le(slot, dw);
	ret = rv_hw_decode(dw, &all_limits, &h, &why);
	FUZZ_CHECK(!ret, "the encoder wrote opcode %u func3 %u that the decoder rejects "
		   "(reason %d)", c.opcode, c.func3, why);
	to_cmd(&h, &back);
	FUZZ_CHECK(same_cmd(&c, &back), "opcode %u func3 %u: fields differ after encode + decode",
		   c.opcode, c.func3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_hw_limits lim = all_limits;
	struct fz f = { data + 25, size > 25 ? size - 25 : 0 };
	struct fz opt = { data + 16, size > 16 ? size - 16 : 0 };

	if (size < 16)
		return 0;
	if (size >= 25) {
		lim.caps = fz_bits(&opt, 64);
		lim.wsi = data[24] & 1;
		lim.did_bits = (data[24] >> 1) % 25;
	}
	decoder_side(data, &lim);
	if (f.n)
		encoder_side(&f);
	return 0;
}
