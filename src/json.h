/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing JSON text into a growable buffer, for the writers that make
 * JSON (speedscope).  Only the tokens: the caller writes the structure
 * ('{', ',', ...) with json_raw, and empties the buffer into its file
 * whenever it likes (json_reset), so a large document never has to be
 * held whole.  Strings come from the target (names, paths): anything is
 * accepted and the output is always valid JSON in valid UTF-8.
 */
#ifndef PYSAMPLE_JSON_H
#define PYSAMPLE_JSON_H

#include "common.h"

struct json_buf {
	char *data; /* not NUL-terminated */
	size_t len, cap;
};

/* A zeroed json_buf is an empty one, as json_init makes it. */
void json_init(struct json_buf *b);
void json_free(struct json_buf *b);
/* Forgets the text (after it was written out); keeps the memory. */
static inline void json_reset(struct json_buf *b)
{
	b->len = 0;
}

/* Appends bytes as they are: punctuation, or text known to be JSON. */
void json_raw(struct json_buf *b, const void *s, size_t n);
void json_text(struct json_buf *b, const char *s);

/*
 * Appends s[0..n) as a JSON string, quotes included: '"' and '\' and
 * the control characters escaped (\n, \t, ... or \u00XX).  The input is
 * meant to be UTF-8; each ill-formed part (a stray continuation byte, a
 * truncated or overlong sequence, a surrogate, beyond U+10FFFF) becomes
 * one U+FFFD, as the Unicode standard recommends and browsers decode.
 */
void json_string_n(struct json_buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string; NULL is written as null. */
void json_string(struct json_buf *b, const char *s);
/* "key": */
void json_key(struct json_buf *b, const char *key);

void json_uint(struct json_buf *b, uint64_t v);
void json_int(struct json_buf *b, int64_t v);
/* Shortest text that reads back as the same double; NaN and infinities,
 * which JSON cannot say, as null. */
void json_double(struct json_buf *b, double v);

#endif
