/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pysample's own CFI parser: .debug_frame bytes (from files the target
 * maps) rewritten as .eh_frame for libunwind.  Any input: no crash, and
 * every FDE handed back lies inside the image, in start order.
 */
#include <stdint.h>
#include <stdlib.h>

#include "cfi-rewrite.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfi_fde *fdes = NULL;
	size_t image_len = 0, n = 0;
	uint8_t *image = cfi_debug_frame_to_eh_frame(data, size, 0x555555554000ull, &image_len,
						     &fdes, &n);

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
