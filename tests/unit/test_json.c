/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON strings from target bytes (speedscope's frame names and files):
 * escaped so the document stays valid JSON, ill-formed UTF-8 replaced by
 * U+FFFD once per ill-formed part, numbers JSON can say.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static const char *as_string(struct json_buf *b)
{
	json_raw(b, "", 1);
	return b->data;
}

static void string_case(const char *in, size_t n, const char *want, const char *what)
{
	struct json_buf b;

	json_init(&b);
	json_string_n(&b, in, n);
	is_str(as_string(&b), want, "%s", what);
	json_free(&b);
}

#define CASE(in, want, what) string_case(in, sizeof(in) - 1, want, what)

int main(void)
{
	struct json_buf b;

	CASE("spin", "\"spin\"", "plain ASCII");
	CASE("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	CASE("l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"", "newline, tab, CR by their short escapes");
	CASE("\x01\x1f", "\"\\u0001\\u001f\"", "other controls as \\u00XX");
	CASE("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"",
	     "well-formed UTF-8 of 2, 3 and 4 bytes kept");
	CASE("a\xffz", "\"a\xef\xbf\xbdz\"", "a byte that starts nothing: one U+FFFD");
	CASE("a\x80\x80z", "\"a\xef\xbf\xbd\xef\xbf\xbdz\"", "two stray continuation bytes: two");
	CASE("a\xe4\xb8", "\"a\xef\xbf\xbd\"", "a sequence cut short at the end: one");
	CASE("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "an overlong '/' is not a '/'");
	CASE("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	     "a surrogate is replaced, never passed on");
	CASE("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	     "beyond U+10FFFF replaced");
	string_case("a\0b", 3, "\"a\\u0000b\"", "a NUL inside a counted string is escaped");

	json_init(&b);
	json_string(&b, NULL);
	json_raw(&b, ",", 1);
	json_key(&b, "k\"");
	json_uint(&b, UINT64_MAX);
	json_raw(&b, ",", 1);
	json_int(&b, INT64_MIN);
	json_raw(&b, ",", 1);
	json_double(&b, 0.1);
	json_raw(&b, ",", 1);
	json_double(&b, NAN);
	json_raw(&b, ",", 1);
	json_double(&b, -INFINITY);
	is_str(as_string(&b), "null,\"k\\\"\":18446744073709551615,-9223372036854775808,0.1,null,null",
	       "null, keys, integer extremes, shortest doubles, NaN and infinity as null");
	json_reset(&b);
	json_text(&b, "{}");
	is_str(as_string(&b), "{}", "reset empties the buffer");
	json_free(&b);
	return tap_done();
}
