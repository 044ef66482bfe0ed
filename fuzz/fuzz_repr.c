/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pyrepr's formatters on object images: the bytes of an int, str, bytes
 * or float of the target as `pysample dump --locals` reads them.  A local
 * may point at freed or foreign memory, so any bytes can arrive; what is
 * printed must stay within its buffer, NUL-terminated, valid UTF-8 on one
 * line, and an int's conversion must stay bounded however many digits
 * the header claims.
 *
 * Every input is tried under each table layout (3.8-3.12): 3.12 moved the
 * int's size into a tag.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyrepr.h"
#include "pyversions.h"

#include "fuzz.h"

static void check_output(const char *out, size_t out_len)
{
	size_t n = strnlen(out, out_len);

	CHECK(n < out_len);
	CHECK(fuzz_valid_utf8_line((const unsigned char *)out, n));
}

typedef bool (*format_fn)(const struct py_layout *, const uint8_t *, size_t, char *, size_t,
			  size_t *);

static void format_one(format_fn fmt, const struct py_layout *l, const uint8_t *data, size_t size,
		       size_t out_len)
{
	/* Exactly out_len bytes on the heap, so ASan catches a write past it. */
	char *out = malloc(out_len);
	size_t needed = 12345;

	if (!out)
		return;
	if (fmt(l, data, size, out, out_len, &needed))
		check_output(out, out_len);
	else
		CHECK(needed == 0 || needed > size);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[PY_REPR_MAX];
	double v;

	for (unsigned minor = 8; minor <= 12; minor++) {
		const struct py_layout *l = py_layout_for_version(3, minor);

		CHECK(l != NULL);
		format_one(py_format_int, l, data, size, PY_REPR_MAX);
		format_one(py_format_int, l, data, size, 1 + size % 16);
		format_one(py_format_str, l, data, size, PY_REPR_MAX);
		format_one(py_format_str, l, data, size, 1 + size % 64);
	}
	py_format_bytes(data, size < 48 ? size : 48, size, out, sizeof(out));
	check_output(out, sizeof(out));
	if (size >= sizeof(v)) {
		memcpy(&v, data, sizeof(v));
		py_format_float(v, out, sizeof(out));
		check_output(out, sizeof(out));
	}
	return 0;
}
