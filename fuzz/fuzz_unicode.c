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

/* Well-formed UTF-8, shortest forms only, no surrogates, nothing past
 * U+10FFFF and no C0 controls or DEL. */
static bool valid_output(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp < 0xe000))
			return false;
		i += len;
	}
	return true;
}

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
		CHECK(valid_output((const unsigned char *)out, n));
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
