/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pysample's own CFI parsers, on bytes from files the target maps:
 * .debug_frame rewritten as .eh_frame for libunwind, and the FDEs of an
 * .eh_frame listed for a search table.  Any input: no crash, and every FDE
 * handed back lies inside the image (the section), in start order.
 */
#include <stdint.h>
#include <stdlib.h>

#include "unwind-libunwind-ehframe.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ehframe_fde *fdes = NULL;
	size_t image_len = 0, n = 0;
	uint8_t *image;

	fdes = ehframe_fdes(data, size, 0x555555556000ull, 0x555555554000ull, &n);
	if (fdes) {
		CHECK(n > 0);
		for (size_t i = 0; i < n; i++) {
			CHECK(fdes[i].offset + 12 <= size);
			CHECK(i == 0 || fdes[i - 1].start <= fdes[i].start);
		}
		free(fdes);
		fdes = NULL;
		n = 0;
	}
	image = ehframe_from_debug_frame(data, size, 0x555555554000ull, &image_len, &fdes, &n);
	if (!image)
		return 0;
	CHECK(image_len >= 4 && image_len <= size + 4 && n > 0);
	for (size_t i = 0; i < n; i++) {
		CHECK(fdes[i].offset + 24 <= image_len);
		CHECK(i == 0 || fdes[i - 1].start <= fdes[i].start);
	}
	free(image);
	free(fdes);
	return 0;
}
