/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Line-table decoding against the answers CPython itself gives.  The tables
 * and the (offset, line) pairs were captured from each interpreter's
 * co_lnotab/co_linetable and dis.findlinestarts()/co_lines() for the same
 * function, tests/unit/linetable_source.py, captured with its `def` on line 2
 * (firstlineno 2 below).  Malformed tables must give -1, never a crash.
 */
#include <stdint.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linetable.h"
#include "tap.h"

struct pair { uint64_t offset; int line; };

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void check(const char *name, enum py_linetable_kind kind, const char *hex, int first,
		  const struct pair *pairs, size_t n)
{
	uint8_t table[512];
	size_t len = unhex(hex, table);
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		int got = linetable_line_for_offset(kind, table, len, first, pairs[i].offset);
		if (got != pairs[i].line) {
			printf("#   %s offset %llu: got %d want %d\n", name,
			       (unsigned long long)pairs[i].offset, got, pairs[i].line);
			bad++;
		}
	}
	ok(bad == 0, "%s: %zu offsets decode to CPython's own line numbers", name, n);
}

int main(void)
{
	static const struct pair py38[] = {
		{ 0, 3 }, { 6, 3 }, { 8, 4 }, { 16, 5 }, { 30, 5 }, { 36, 7 }, { 40, 9 },
		{ 42, 10 }, { 44, 9 }, { 46, 9 },
	};
	static const struct pair py310[] = {
		{ 0, 3 }, { 8, 4 }, { 16, 5 }, { 34, 9 }, { 36, 10 }, { 38, 9 }, { 42, 7 },
		{ 46, 9 }, { 48, 10 }, { 50, 9 },
	};
	static const struct pair py311[] = {
		{ 0, 2 }, { 2, 3 }, { 10, 3 }, { 12, 4 }, { 22, 4 }, { 24, 5 }, { 74, 5 },
		{ 76, 7 }, { 78, 7 }, { 80, 9 }, { 82, 10 }, { 84, 9 }, { 86, 9 },
	};
	static const struct pair py312[] = {
		{ 0, 2 }, { 2, 3 }, { 12, 4 }, { 22, 5 }, { 70, 9 }, { 72, 10 }, { 74, 9 },
		{ 78, 7 }, { 82, 9 }, { 84, 10 }, { 86, 9 }, { 90, -1 }, { 92, -1 }, { 94, 5 },
	};
	uint8_t junk[256];

	check("3.8 co_lnotab", PY_LINES_LNOTAB, "00010801080114020402020102ff", 2, py38,
	      ARRAY_SIZE(py38));
	check("3.10 co_linetable", PY_LINES_PEP626, "0801080112010204020104ff04fe0202020104ff", 2,
	      py310, ARRAY_SIZE(py310));
	check("3.11 location table", PY_LINES_LOCATIONS,
	      "8000d80809884189058041d80708883182758075d80c21d00c219d05986199089c08d00c21d10c"
	      "21d40c2188018801e00c108801e00c0dd80c0df003010c0ff00001050f",
	      2, py311, ARRAY_SIZE(py311));
	check("3.12 location table", PY_LINES_LOCATIONS,
	      "8000d80809884189058041d8070888318275dc181d98619b08d60c2190318a51d00c218801d00c"
	      "21f008000d0ed80c0df003010c0ff00001050ff005000d118801e00c0dd80c0df003010c0ff000"
	      "01050ff9f209000d22",
	      2, py312, ARRAY_SIZE(py312));

	/* Past the end of the code: no line. */
	ok(linetable_line_for_offset(PY_LINES_LOCATIONS, (const uint8_t *)"\x80\x00", 2, 7, 100) == -1,
	   "offset beyond the table has no line");
	ok(linetable_line_for_offset(PY_LINES_LOCATIONS, NULL, 0, 7, 0) == -1, "no table, no line");
	/* Truncated long-form entry and a byte without the entry bit. */
	ok(linetable_line_for_offset(PY_LINES_LOCATIONS, (const uint8_t *)"\xf0\xff", 2, 1, 0) == -1,
	   "truncated varint is rejected");
	ok(linetable_line_for_offset(PY_LINES_LOCATIONS, (const uint8_t *)"\x10", 1, 1, 0) == -1,
	   "entry without its marker bit is rejected");
	/* First lines and tables from garbage memory: no signed overflow (UBSan
	 * traps in the sanitizer build), the answer is -1. */
	ok(linetable_line_for_offset(PY_LINES_LNOTAB, (const uint8_t *)"\x02\x01", 2, INT32_MAX, 100) == -1,
	   "lnotab line past INT_MAX is no line");
	ok(linetable_line_for_offset(PY_LINES_PEP626, (const uint8_t *)"\x02\xff", 2, INT32_MIN, 0) == -1,
	   "3.10 line below zero is no line");
	{
		static uint8_t big[8 * 2200];
		for (size_t i = 0; i < 2200; i++)
			memcpy(big + 8 * i, "\xf0\x40\x52\x68\x07\x00\x00\x00", 8);
		ok(linetable_line_for_offset(PY_LINES_LOCATIONS, big, sizeof(big), 1, 0xffffffffu) == -1,
		   "2200 entries of +1,000,000 lines each: no overflow, no line");
	}
	/* Random bytes: any answer, but no crash and no hang (ASan checks reads). */
	srand(1);
	for (size_t round = 0; round < 2000; round++) {
		size_t len = (size_t)rand() % sizeof(junk);
		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)rand();
		for (int k = 0; k < 3; k++)
			linetable_line_for_offset((enum py_linetable_kind)k, junk, len, rand() % 1000,
						  (uint64_t)(rand() % 1024));
	}
	ok(1, "2000 random tables decoded without a crash");
	return tap_done();
}
