/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unwind-libunwind-ehframe.h"

#include <stdlib.h>
#include <string.h>

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

enum entry { ENTRY_OK, ENTRY_END, ENTRY_BAD };

/* The CIE or FDE at pos: where it ends and its id (CIE id or CIE pointer).
 * ENTRY_END at the zero terminator, ENTRY_BAD for 64-bit DWARF or an
 * entry that runs past the section. */
static enum entry next_entry(const uint8_t *src, size_t len, size_t pos, size_t *end, uint32_t *id)
{
	uint32_t entry = get32(src + pos);

	if (entry == 0)
		return ENTRY_END;
	*end = pos + 4 + (size_t)entry;
	if (entry == 0xffffffffu || entry < 4 || *end > len)
		return ENTRY_BAD;
	*id = get32(src + pos + 4);
	return ENTRY_OK;
}

static int by_start(const void *a, const void *b)
{
	const struct ehframe_fde *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

uint8_t *ehframe_from_debug_frame(const uint8_t *src, size_t len, uint64_t bias,
				     size_t *image_len, struct ehframe_fde **fdes_out, size_t *nfdes_out)
{
	struct cie_move {
		size_t from, to; /* a CIE's offset in .debug_frame and in the image */
	} *cies = NULL;
	struct ehframe_fde *fdes = NULL;
	size_t ncies = 0, cies_cap = 0, nfdes = 0, fdes_cap = 0, pos = 0, out = 0;
	uint8_t *img;

	if (len < 8 || len > (64u << 20))
		return NULL;
	/* Entries shrink or keep their size, so the image fits in len + 4. */
	img = xcalloc(1, len + 4);
	while (pos + 8 <= len) {
		uint32_t entry = get32(src + pos), id = 0;
		size_t end = 0;
		enum entry what = next_entry(src, len, pos, &end, &id);
		if (what == ENTRY_END)
			break;
		if (what == ENTRY_BAD)
			goto fail; /* 64-bit DWARF or truncated: not handled */
		if (id == 0xffffffffu) {
			const uint8_t *aug = src + pos + 9, *nul;
			size_t skip = 0, head;
			if (entry < 6 || !(nul = memchr(aug, 0, end - (pos + 9))))
				goto fail;
			if (src[pos + 8] == 4) {
				if ((size_t)(nul - src) + 3 > end)
					goto fail;
				skip = 2; /* address_size, segment_selector_size */
			}
			grow_array((void **)&cies, &cies_cap, ncies, sizeof(*cies));
			cies[ncies].from = pos;
			cies[ncies++].to = out;
			put32(img + out, entry - (uint32_t)skip);
			put32(img + out + 4, 0); /* CIE id: 0 in .eh_frame */
			/* Version 3's return-address register is a ULEB128, as in 4. */
			img[out + 8] = src[pos + 8] == 1 ? 1 : 3;
			head = (size_t)(nul - src) + 1 - (pos + 9);
			memcpy(img + out + 9, aug, head);
			memcpy(img + out + 9 + head, nul + 1 + skip, end - ((size_t)(nul - src) + 1 + skip));
			out += 4 + entry - skip;
		} else if (entry >= 4 + 16) {
			size_t k = 0;
			uint64_t start;
			while (k < ncies && cies[k].from != id)
				k++;
			if (k < ncies) {
				memcpy(img + out, src + pos, 4 + (size_t)entry);
				/* .eh_frame points back from this field to the CIE. */
				put32(img + out + 4, (uint32_t)(out + 4 - cies[k].to));
				memcpy(&start, src + pos + 8, 8);
				start += bias;
				memcpy(img + out + 8, &start, 8);
				grow_array((void **)&fdes, &fdes_cap, nfdes, sizeof(*fdes));
				fdes[nfdes++] = (struct ehframe_fde){ start, out };
				out += 4 + (size_t)entry;
			} /* else: no CIE before it, the FDE is left out */
		}
		pos = end;
	}
	if (!nfdes)
		goto fail;
	free(cies);
	qsort(fdes, nfdes, sizeof(*fdes), by_start);
	*image_len = out + 4; /* the zero terminator */
	*fdes_out = fdes;
	*nfdes_out = nfdes;
	return img;
fail:
	free(cies);
	free(fdes);
	free(img);
	return NULL;
}

/* A DWARF pointer encoding's value at p (within end); false when the
 * encoding is not one a search table can use or the bytes run out. */
static bool read_encoded(const uint8_t *p, const uint8_t *end, uint8_t enc, uint64_t field_addr,
			 uint64_t bias, uint64_t *out, size_t *size)
{
	uint64_t v = 0;
	size_t n;

	switch (enc & 0x0f) {
	case 0x00: case 0x04: case 0x0c: n = 8; break; /* absptr, udata8, sdata8 */
	case 0x03: case 0x0b: n = 4; break;            /* udata4, sdata4 */
	case 0x02: case 0x0a: n = 2; break;            /* udata2, sdata2 */
	default: return false;                         /* LEB128 or reserved */
	}
	if ((size_t)(end - p) < n)
		return false;
	memcpy(&v, p, n);
	if ((enc & 0x08) && n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ull << (8 * n); /* signed: extend */
	*size = n;
	switch (enc & 0x70) {
	case 0x00: *out = v + bias; break;       /* absolute: relocate */
	case 0x10: *out = v + field_addr; break; /* pcrel */
	default: return false;                   /* relative to what a table cannot know */
	}
	return !(enc & 0x80); /* indirect: the address of the address */
}

static bool read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *value)
{
	*value = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		*value |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool skip_leb(const uint8_t **p, const uint8_t *end)
{
	for (unsigned n = 0; *p < end && n < 10; n++)
		if (!(*(*p)++ & 0x80))
			return true;
	return false;
}

/* From a CIE: the encoding of its FDEs' initial location (absptr unless
 * its "zR" augmentation says otherwise); false when unusable. */
static bool cie_fde_encoding(const uint8_t *cie, const uint8_t *end, uint8_t *enc)
{
	uint8_t version = cie[8];
	const uint8_t *aug = cie + 9, *p, *nul = memchr(aug, 0, (size_t)(end - aug));

	*enc = 0;
	if (!nul || (version != 1 && version != 3))
		return false;
	p = nul + 1;
	if (!skip_leb(&p, end) || !skip_leb(&p, end)) /* code and data alignment */
		return false;
	if (version == 1 ? p++ >= end : !skip_leb(&p, end)) /* return address register */
		return false;
	if (aug[0] != 'z')
		return aug[0] == '\0';
	/* The augmentation data holds what the string's letters announce, and
	 * nothing of it lies past its declared length ("zR" with a length of
	 * 0 has no encoding: the byte after it is an instruction). */
	uint64_t data_len;
	if (!read_uleb(&p, end, &data_len) || data_len > (uint64_t)(end - p))
		return false;
	end = p + data_len;
	for (const uint8_t *a = aug + 1; a < nul; a++) {
		uint64_t ignored;
		size_t n;
		/* 'S', 'B' and 'G' have no data: only the others need a byte. */
		if (p >= end && *a != 'S' && *a != 'B' && *a != 'G')
			return false;
		switch (*a) {
		case 'R': *enc = *p++; break;
		case 'L': p++; break;
		case 'P': /* personality: its encoding, then a pointer in it */
			if ((*p & 0x0f) == 0x01 || (*p & 0x0f) == 0x09) {
				p++;
				if (!skip_leb(&p, end))
					return false;
			} else if (read_encoded(p + 1, end, *p & 0x0f, 0, 0, &ignored, &n)) {
				p += 1 + n;
			} else {
				return false;
			}
			break;
		case 'S': case 'B': case 'G': break;
		default: return *enc != 0; /* unknown: the rest cannot be parsed */
		}
	}
	return true;
}

struct ehframe_fde *ehframe_fdes(const uint8_t *src, size_t len, uint64_t vaddr, uint64_t bias,
				  size_t *nfdes_out)
{
	struct cie_enc {
		size_t offset;
		uint8_t enc;
		bool ok;
	} *cies = NULL;
	struct ehframe_fde *fdes = NULL;
	size_t ncies = 0, cies_cap = 0, nfdes = 0, fdes_cap = 0, pos = 0;

	if (len > (256u << 20))
		return NULL;
	while (pos + 8 <= len) {
		uint32_t entry = get32(src + pos), id = 0;
		size_t end = 0;
		if (next_entry(src, len, pos, &end, &id) != ENTRY_OK)
			break; /* the end, or 64-bit DWARF or truncated: keep what came before */
		if (id == 0 && entry >= 6) {
			grow_array((void **)&cies, &cies_cap, ncies, sizeof(*cies));
			cies[ncies].offset = pos;
			cies[ncies].ok = cie_fde_encoding(src + pos, src + end, &cies[ncies].enc);
			ncies++;
		} else if (id != 0 && id <= pos + 4) {
			size_t cie = pos + 4 - id, k = 0, n;
			uint64_t start;
			while (k < ncies && cies[k].offset != cie)
				k++;
			uint64_t raw = 0;
			/* The initial location and the address range, both in the
			 * CIE's encoding, must fit in the FDE. */
			if (k < ncies && cies[k].ok &&
			    read_encoded(src + pos + 8, src + end, cies[k].enc, vaddr + pos + 8, bias, &start,
					 &n) &&
			    pos + 8 + 2 * n <= end &&
			    (memcpy(&raw, src + pos + 8, n), raw != 0)) { /* 0: a discarded section's FDE */
				grow_array((void **)&fdes, &fdes_cap, nfdes, sizeof(*fdes));
				fdes[nfdes++] = (struct ehframe_fde){ start, pos };
			}
		}
		pos = end;
	}
	free(cies);
	if (!nfdes) {
		free(fdes);
		return NULL;
	}
	qsort(fdes, nfdes, sizeof(*fdes), by_start);
	*nfdes_out = nfdes;
	return fdes;
}
