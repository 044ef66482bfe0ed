/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cfi-rewrite.h"

#include <stdlib.h>
#include <string.h>

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static int by_start(const void *a, const void *b)
{
	const struct cfi_fde *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

uint8_t *cfi_debug_frame_to_eh_frame(const uint8_t *src, size_t len, uint64_t bias,
				     size_t *image_len, struct cfi_fde **fdes_out, size_t *nfdes_out)
{
	struct cie_move {
		size_t from, to; /* a CIE's offset in .debug_frame and in the image */
	} *cies = NULL;
	struct cfi_fde *fdes = NULL;
	size_t ncies = 0, cies_cap = 0, nfdes = 0, fdes_cap = 0, pos = 0, out = 0;
	uint8_t *img;

	if (len < 8 || len > (64u << 20))
		return NULL;
	/* Entries shrink or keep their size, so the image fits in len + 4. */
	img = xcalloc(1, len + 4);
	while (pos + 8 <= len) {
		uint32_t entry = get32(src + pos), id;
		size_t end = pos + 4 + (size_t)entry;
		if (entry == 0)
			break;
		if (entry == 0xffffffffu || entry < 4 || end > len)
			goto fail; /* 64-bit DWARF or truncated: not handled */
		id = get32(src + pos + 4);
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
				fdes[nfdes++] = (struct cfi_fde){ start, out };
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
