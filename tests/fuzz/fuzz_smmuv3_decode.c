// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_smmuv3_decode.c - the SMMUv3 command decoder (src/arch/smmuv3/
 * hw-decode.c) on any 16 bytes, against the driver's encoder.
 *
 * Input: bytes 0-15 a command as in queue memory; byte 16 the modelled
 * SMMU's features (SMMU_HW_FEAT_*; all when absent); the rest fields of a
 * command for the encoder.
 *
 * Decoder side: every command decodes or is CERROR_ILL with a reason
 * (IHI0070 §4.1.5: this model rejects every non-zero RES0 bit); a decoded
 * one has a name and a span with first <= last, and the encoder, given its
 * fields, either rejects them (it also refuses encodings the spec calls
 * UNPREDICTABLE) or writes back exactly the same two words.
 * Encoder side: whatever the encoder accepts, an SMMU with every feature
 * decodes to the same fields.
 */
#include <string.h>

#include <invtrack/model/scenario.h>
#include <invtrack/smmuv3.h>

#include "fuzz.h"
#include "hw.h"

static void to_cmd(const struct smmu_hw_cmd *h, struct invt_smmu_cmd *c)
{
	*c = (struct invt_smmu_cmd){
		.opcode = h->op, .ssv = h->ssv, .leaf = h->leaf, .global = h->global,
		.num = h->num, .scale = h->scale, .ttl = h->ttl, .tg = h->tg, .size = h->size,
		.range = h->range, .resp = h->resp, .action = h->action, .cs = h->cs,
		.msh = h->msh, .msiattr = h->msiattr, .vmid = h->vmid, .asid = h->asid,
		.stag = h->stag, .grpid = h->grpid, .sid = h->sid, .ssid = h->ssid,
		.msidata = h->msidata, .addr = h->addr, .msiaddr = h->msiaddr,
	};
}

static bool same_cmd(const struct invt_smmu_cmd *a, const struct invt_smmu_cmd *b)
{
	return a->opcode == b->opcode && a->ssv == b->ssv && a->leaf == b->leaf &&
	       a->global == b->global && a->num == b->num && a->scale == b->scale &&
	       a->ttl == b->ttl && a->tg == b->tg && a->size == b->size && a->range == b->range &&
	       a->resp == b->resp && a->action == b->action && a->cs == b->cs &&
	       a->msh == b->msh && a->msiattr == b->msiattr && a->vmid == b->vmid &&
	       a->asid == b->asid && a->stag == b->stag && a->grpid == b->grpid &&
	       a->sid == b->sid && a->ssid == b->ssid && a->msidata == b->msidata &&
	       a->addr == b->addr && a->msiaddr == b->msiaddr;
}

static bool is_range_tlbi(uint8_t op)
{
	return op == SMMU_HW_OP_TLBI_NH_VA || op == SMMU_HW_OP_TLBI_NH_VAA ||
	       op == SMMU_HW_OP_TLBI_EL2_VA || op == SMMU_HW_OP_TLBI_EL2_VAA ||
	       op == SMMU_HW_OP_TLBI_S2_IPA;
}

static void decoder_side(const uint8_t *slot, unsigned int feat)
{
	struct smmu_hw_cmd h, h2;
	struct invt_smmu_cmd c;
	enum smmu_hw_ill why, why2;
	uint64_t dw[2], re[2], first, last;
	char line[256];
	int ret, ret2;

	fz_words_le(slot, 2, dw);
	ret = smmu_hw_decode_le(slot, feat, &h, &why);
	ret2 = smmu_hw_decode(dw, feat, &h2, &why2);
	FUZZ_CHECK(ret == ret2 && why == why2, "decode_le %d/%d, decode %d/%d", ret, why, ret2,
		   why2);
	/* The model's describe decodes the same words for the trace (all features). */
	line[0] = 'x';
	invt_scn_describe("smmuv3", dw, 2, line, sizeof(line));
	FUZZ_CHECK(memchr(line, '\0', sizeof(line)), "describe: unterminated");
	if (ret) {
		FUZZ_CHECK(ret == SMMU_HW_CERROR_ILL && why > SMMU_HW_ILL_NONE &&
			   why <= SMMU_HW_ILL_SYNC_CS, "error %d reason %d", ret, why);
		return;
	}
	FUZZ_CHECK(why == SMMU_HW_ILL_NONE, "decoded with reason %d", why);
	FUZZ_CHECK(h.op == (uint8_t)dw[0], "opcode %#x from %#llx", h.op,
		   (unsigned long long)dw[0]);
	FUZZ_CHECK(strcmp(smmu_hw_op_name(h.op), "CMD_UNKNOWN"), "decoded %#x has no name", h.op);
	if (is_range_tlbi(h.op)) {
		smmu_hw_tlbi_span(&h, &first, &last);
		FUZZ_CHECK(first <= last, "TLBI span %#llx..%#llx", (unsigned long long)first,
			   (unsigned long long)last);
	}
	if (h.op == SMMU_HW_OP_ATC_INV) {
		smmu_hw_atc_span(&h, &first, &last);
		FUZZ_CHECK(first <= last && first <= h.addr && h.addr <= last,
			   "ATC span %#llx..%#llx of %#llx", (unsigned long long)first,
			   (unsigned long long)last, (unsigned long long)h.addr);
	}
	to_cmd(&h, &c);
	if (invt_smmu_cmd_encode(&c, re))
		return;
	FUZZ_CHECK(re[0] == dw[0] && re[1] == dw[1],
		   "decoded %016llx %016llx, re-encoded %016llx %016llx",
		   (unsigned long long)dw[0], (unsigned long long)dw[1],
		   (unsigned long long)re[0], (unsigned long long)re[1]);
}

static void encoder_side(struct fz *f)
{
	struct invt_smmu_cmd c, back;
	enum smmu_hw_ill why;
	struct smmu_hw_cmd h;
	uint8_t slot[16];
	int ret;

	c = (struct invt_smmu_cmd){
		.opcode = fz_bits(f, 8), .ssv = fz_bits(f, 1), .leaf = fz_bits(f, 1),
		.global = fz_bits(f, 1), .num = fz_bits(f, 8), .scale = fz_bits(f, 8),
		.ttl = fz_bits(f, 8), .tg = fz_bits(f, 8), .size = fz_bits(f, 8),
		.range = fz_bits(f, 8), .resp = fz_bits(f, 8), .action = fz_bits(f, 8),
		.cs = fz_bits(f, 8), .msh = fz_bits(f, 8), .msiattr = fz_bits(f, 8),
		.vmid = fz_bits(f, 16), .asid = fz_bits(f, 16), .stag = fz_bits(f, 16),
		.grpid = fz_bits(f, 16), .sid = fz_bits(f, 32), .ssid = fz_bits(f, 32),
		.msidata = fz_bits(f, 32), .addr = fz_bits(f, 64), .msiaddr = fz_bits(f, 64),
	};
	if (invt_smmu_cmd_encode_le(&c, slot))
		return;
	ret = smmu_hw_decode_le(slot, SMMU_HW_FEAT_ALL, &h, &why);
	FUZZ_CHECK(!ret, "the encoder wrote opcode %#x that the decoder rejects (reason %d)",
		   c.opcode, why);
	to_cmd(&h, &back);
	FUZZ_CHECK(same_cmd(&c, &back), "opcode %#x: fields differ after encode + decode",
		   c.opcode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data + 17, size > 17 ? size - 17 : 0 };

	if (size < 16)
		return 0;
	decoder_side(data, size > 16 ? data[16] & SMMU_HW_FEAT_ALL : SMMU_HW_FEAT_ALL);
	if (f.n)
		encoder_side(&f);
	return 0;
}
