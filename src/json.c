/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json_buf *b)
{
	*b = (struct json_buf){ 0 };
}

void json_free(struct json_buf *b)
{
	free(b->data);
	json_init(b);
}

/* Makes room for n more bytes. */
static char *reserve(struct json_buf *b, size_t n)
{
	if (n > SIZE_MAX - b->len - 1)
		pys_out_of_memory();
	grow_array((void **)&b->data, &b->cap, b->len + n, 1);
	return b->data + b->len;
}

void json_raw(struct json_buf *b, const void *s, size_t n)
{
	memcpy(reserve(b, n), s, n);
	b->len += n;
}

void json_text(struct json_buf *b, const char *s)
{
	json_raw(b, s, strlen(s));
}

/*
 * The length of the well-formed UTF-8 sequence that starts s (n bytes
 * left), after Table 3-7 of the Unicode standard; 0 when it is
 * ill-formed, with *bad the length of its maximal subpart (the lead
 * byte and the continuation bytes that were still possible), which
 * becomes one U+FFFD.
 */
static size_t utf8_length(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		lo = c == 0xe0 ? 0xa0 : lo; /* overlong */
		hi = c == 0xed ? 0x9f : hi; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		lo = c == 0xf0 ? 0x90 : lo; /* overlong */
		hi = c == 0xf4 ? 0x8f : hi; /* beyond U+10FFFF */
	} else {
		*bad = 1; /* a continuation byte, an overlong lead, or 0xf5..0xff */
		return 0;
	}
	for (size_t i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/* The escape of an ASCII byte that JSON does not allow as it is; NULL
 * for the others. */
static const char *escape_of(unsigned char c, char buf[8])
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	default:
		if (c >= 0x20)
			return NULL;
		snprintf(buf, 8, "\\u%04x", c);
		return buf;
	}
}

void json_string_n(struct json_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];

	/* At most 6 bytes of output per byte of input (\u00XX); U+FFFD is 3
	 * for at least 1.  Reserved once, the loop appends without checks. */
	if (n > (SIZE_MAX - 2) / 6)
		pys_out_of_memory();
	char *out = reserve(b, 6 * n + 2), *start = out;

	*out++ = '"';
	for (size_t i = 0; i < n;) {
		size_t bad = 0, k = utf8_length(u + i, n - i, &bad);
		const char *e = k == 1 ? escape_of(u[i], esc) : NULL;

		if (e) {
			size_t len = strlen(e);
			memcpy(out, e, len);
			out += len;
			i++;
		} else if (k) {
			memcpy(out, u + i, k);
			out += k;
			i += k;
		} else {
			memcpy(out, "\xef\xbf\xbd", 3);
			out += 3;
			i += bad;
		}
	}
	*out++ = '"';
	b->len += (size_t)(out - start);
}

void json_string(struct json_buf *b, const char *s)
{
	if (s)
		json_string_n(b, s, strlen(s));
	else
		json_text(b, "null");
}

void json_key(struct json_buf *b, const char *key)
{
	json_string(b, key);
	json_raw(b, ":", 1);
}

void json_uint(struct json_buf *b, uint64_t v)
{
	char buf[24];

	json_raw(b, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v));
}

void json_int(struct json_buf *b, int64_t v)
{
	char buf[24];

	json_raw(b, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v));
}

/* pysample never calls setlocale, so printf's decimal point is '.',
 * as JSON needs. */
void json_double(struct json_buf *b, double v)
{
	char buf[32];
	int n = 0;

	if (!isfinite(v)) {
		json_text(b, "null");
		return;
	}
	/* 17 significant digits always read back the same; fewer, when
	 * they do, read better (0.1, not 0.10000000000000001). */
	for (int digits = 15; digits <= 17; digits++) {
		n = snprintf(buf, sizeof(buf), "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	json_raw(b, buf, (size_t)n);
}
