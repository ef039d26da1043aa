// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_vtd_decode.c - the VT-d descriptor decoder (src/arch/vtd/
 * hw-decode.c) on any 16 or 32 bytes, against the driver's encoder.
 *
 * Input: bytes 0-31 a descriptor as in queue memory (128-bit: bytes 0-15);
 * byte 32: bit 0 256-bit descriptors (IQA.DW), bits 3:1 the unit's
 * features (VTD_HW_FEAT_*); byte 33 CAP.MAMV; the rest fields of a
 * descriptor for the encoder.  Short inputs are padded with zeros; without
 * byte 32: 256-bit when 32 bytes were given, every feature, MAMV 63.
 *
 * Decoder side: every descriptor decodes or stops the queue with IQEI 3
 * (invalid type) or 4 (reserved field) and a reason (VT-d §6.5.2: reserved
 * fields must be 0); a decoded one has a name and spans with first <= last;
 * the encoder, given its fields, rejects them or writes back the same words.
 * Encoder side: whatever the encoder accepts, a unit with every feature
 * decodes, from a 128-bit and a 256-bit slot, to the same fields.
 */
#include <string.h>

#include <invtrack/model/scenario.h>
#include <invtrack/vtd.h>

#include "fuzz.h"
#include "hw.h"

static void to_desc(const struct vtd_hw_desc *h, struct invt_vtd_desc *d)
{
	*d = (struct invt_vtd_desc){
		.type = h->type, .g = h->g, .dr = h->dr, .dw = h->dw, .ih = h->ih,
		.size = h->s, .fm = h->fm, .am = h->am, .qdep = h->mip, .im = h->im,
		.iflag = h->wif, .sw = h->wsw, .fn = h->wfn, .pd = h->wpd, .did = h->did,
		.sid = h->sid, .pfsid = h->pfsid, .iidx = h->iidx, .pasid = h->pasid,
		.status_data = h->status_data,
	};
	if (h->type == VTD_HW_INV_WAIT)
		d->status_addr = h->addr;
	else
		d->addr = h->addr;
}

static bool same_desc(const struct invt_vtd_desc *a, const struct invt_vtd_desc *b)
{
	return a->type == b->type && a->g == b->g && a->dr == b->dr && a->dw == b->dw &&
	       a->ih == b->ih && a->size == b->size && a->fm == b->fm && a->am == b->am &&
	       a->qdep == b->qdep && a->im == b->im && a->iflag == b->iflag && a->sw == b->sw &&
	       a->fn == b->fn && a->pd == b->pd && a->did == b->did && a->sid == b->sid &&
	       a->pfsid == b->pfsid && a->iidx == b->iidx && a->pasid == b->pasid &&
	       a->status_data == b->status_data && a->addr == b->addr &&
	       a->status_addr == b->status_addr;
}

static void decoder_side(const uint8_t *slot, bool wide, const struct vtd_hw_caps *caps)
{
	struct invt_vtd_desc d;
	struct vtd_hw_desc h, h2;
	enum vtd_hw_bad why, why2;
	uint64_t qw[4], re[2], first, last;
	char line[256];
	int ret, ret2;

	fz_words_le(slot, 4, qw);
	if (!wide)
		qw[2] = qw[3] = 0;
	ret = vtd_hw_decode_le(slot, wide, caps, &h, &why);
	ret2 = vtd_hw_decode(qw, wide, caps, &h2, &why2);
	FUZZ_CHECK(ret == ret2 && why == why2, "decode_le %d/%d, decode %d/%d", ret, why, ret2,
		   why2);
	line[0] = 'x';
	invt_scn_describe("vtd", qw, wide ? 4 : 2, line, sizeof(line));
	FUZZ_CHECK(memchr(line, '\0', sizeof(line)), "describe: unterminated");
	if (ret) {
		FUZZ_CHECK((ret == VTD_HW_IQEI_TYPE &&
			    (why == VTD_HW_BAD_TYPE || why == VTD_HW_BAD_FEATURE)) ||
			   (ret == VTD_HW_IQEI_RSVD && why >= VTD_HW_BAD_RSVD &&
			    why <= VTD_HW_BAD_WAIT), "IQEI %d reason %d", ret, why);
		return;
	}
	FUZZ_CHECK(why == VTD_HW_BAD_NONE, "decoded with reason %d", why);
	FUZZ_CHECK(h.type == (qw[0] & 0xf) && !(qw[0] & 0xe00), "type %u from %#llx", h.type,
		   (unsigned long long)qw[0]);
	FUZZ_CHECK(vtd_hw_op_name(vtd_hw_op_index(qw[0])), "decoded type %u has no name",
		   h.type);
	if ((h.type == VTD_HW_IOTLB_INV || h.type == VTD_HW_PIOTLB_INV) && h.g == 3) {
		vtd_hw_page_span(&h, &first, &last);
		FUZZ_CHECK(first <= last, "page span %#llx..%#llx", (unsigned long long)first,
			   (unsigned long long)last);
	}
	if (h.type == VTD_HW_DEVTLB_INV || h.type == VTD_HW_PDEVTLB_INV) {
		vtd_hw_devtlb_span(&h, &first, &last);
		FUZZ_CHECK(first <= last, "device-TLB span %#llx..%#llx",
			   (unsigned long long)first, (unsigned long long)last);
	}
	to_desc(&h, &d);
	if (invt_vtd_desc_encode(&d, re))
		return;
	FUZZ_CHECK(re[0] == qw[0] && re[1] == qw[1],
		   "decoded %016llx %016llx, re-encoded %016llx %016llx",
		   (unsigned long long)qw[0], (unsigned long long)qw[1],
		   (unsigned long long)re[0], (unsigned long long)re[1]);
}

static void encoder_side(struct fz *f)
{
	const struct vtd_hw_caps all = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
	struct invt_vtd_desc d, back;
	struct vtd_hw_desc h;
	enum vtd_hw_bad why;
	uint8_t slot[32];
	unsigned int bytes;
	int ret;

	d = (struct invt_vtd_desc){
		.type = fz_bits(f, 8), .g = fz_bits(f, 8), .dr = fz_bits(f, 1),
		.dw = fz_bits(f, 1), .ih = fz_bits(f, 1), .size = fz_bits(f, 1),
		.fm = fz_bits(f, 8), .am = fz_bits(f, 8), .qdep = fz_bits(f, 8),
		.im = fz_bits(f, 8), .iflag = fz_bits(f, 1), .sw = fz_bits(f, 1),
		.fn = fz_bits(f, 1), .pd = fz_bits(f, 1), .did = fz_bits(f, 16),
		.sid = fz_bits(f, 16), .pfsid = fz_bits(f, 16), .iidx = fz_bits(f, 16),
		.pasid = fz_bits(f, 32), .status_data = fz_bits(f, 32), .addr = fz_bits(f, 64),
		.status_addr = fz_bits(f, 64),
	};
	for (bytes = 16; bytes <= 32; bytes += 16) {
		memset(slot, 0xa5, sizeof(slot));
		if (invt_vtd_desc_encode_le(&d, slot, bytes))
			return;
		ret = vtd_hw_decode_le(slot, bytes == 32, &all, &h, &why);
		FUZZ_CHECK(!ret, "the encoder wrote type %u that the decoder rejects "
			   "(IQEI %d, reason %d)", d.type, ret, why);
		to_desc(&h, &back);
		FUZZ_CHECK(same_desc(&d, &back), "type %u: fields differ after encode + decode",
			   d.type);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtd_hw_caps caps = { .feat = VTD_HW_FEAT_ALL, .mamv = 63 };
	struct fz f = { data + 34, size > 34 ? size - 34 : 0 };
	uint8_t buf[34] = { 0 };
	bool wide = size >= 32;

	if (size < 16)
		return 0;
	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	if (size > 32) {
		wide = buf[32] & 1;
		caps.feat = (buf[32] >> 1) & VTD_HW_FEAT_ALL;
	}
	if (size > 33)
		caps.mamv = buf[33] & 63;
	decoder_side(buf, wide, &caps);
	if (f.n)
		encoder_side(&f);
	return 0;
}
