/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every harness shares: the libFuzzer entry point and the check that
 * turns a broken invariant into a crash libFuzzer reports. */
#ifndef PYSAMPLE_FUZZ_H
#define PYSAMPLE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

/* What pysample prints from the target's bytes must be well-formed UTF-8,
 * shortest forms only, no surrogates, nothing past
 * U+10FFFF and no C0 controls or DEL. */
static inline bool fuzz_valid_utf8_line(const unsigned char *s, size_t n)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
