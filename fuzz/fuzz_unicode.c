/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * py_decode_unicode on str object images: the bytes of a co_name or
 * co_filename object as read from the target, header included.  A stale
 * pointer makes them arbitrary memory, and the result is printed, so it
 * must be bounded, NUL-terminated and valid UTF-8 with no control
 * characters (pycode.c promises all of that).
 *
 * Every input is tried under each table layout (3.8-3.12): they place the
 * length, state and character data at different offsets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pycode.h"
#include "pyversions.h"

#include "fuzz.h"

/* The buffer size read_string() in pycode.c uses (with room for the mark
 * of a name cut at 1024 characters). */
#define FULL_OUT (1024 * 4 + sizeof("[...]"))

static void decode_one(const struct py_layout *l, const uint8_t *data, size_t size,
		       size_t out_len)
{
	/* Exactly out_len bytes on the heap, so ASan catches a write past it. */
	char *out = malloc(out_len);
	size_t needed = 12345;

	if (!out)
		return;
	if (py_decode_unicode(l, data, size, out, out_len, &needed)) {
		size_t n = strnlen(out, out_len);
		CHECK(n < out_len);
		CHECK(fuzz_valid_utf8_line((const unsigned char *)out, n));
	} else {
		/* needed is either 0 or a size beyond what we gave, for the caller's
		 * second, larger read. */
		CHECK(needed == 0 || needed > size);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned minor = 8; minor <= 12; minor++) {
		const struct py_layout *l = py_layout_for_version(3, minor);

		CHECK(l != NULL);
		decode_one(l, data, size, FULL_OUT);
		/* Tiny buffers: truncation must never cut a character in half. */
		decode_one(l, data, size, 1 + size % 8);
	}
	return 0;
}
