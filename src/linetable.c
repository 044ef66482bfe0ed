/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "linetable.h"

#include <stdint.h>

/* Lines are summed in 64 bits: the first line and the table both come from
 * target memory, and a line that leaves int's range is garbage (-1). */
static int as_line(int64_t line)
{
	return line < 0 || line > INT32_MAX ? -1 : (int)line;
}

/* 3.8/3.9: (byte increment, signed line increment) pairs. */
static int lnotab_line(const uint8_t *t, size_t len, int64_t line, uint64_t offset)
{
	uint64_t addr = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > offset)
			break;
		line += (int8_t)t[i + 1];
	}
	return as_line(line);
}

/* 3.10: (byte length, signed line delta) pairs; delta -128 means "no line". */
static int pep626_line(const uint8_t *t, size_t len, int64_t line, uint64_t offset)
{
	uint64_t addr = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t ldelta = (int8_t)t[i + 1];
		uint64_t end = addr + t[i];
		if (ldelta != -128)
			line += ldelta;
		if (offset >= addr && offset < end)
			return ldelta == -128 ? -1 : as_line(line);
		addr = end;
	}
	return -1;
}

/* Location-table varints: 6 bits per byte, bit 6 says "more follows". */
static bool read_varint(const uint8_t *t, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b;
		if (*pos >= len || shift > 60)
			return false;
		b = t[(*pos)++];
		v |= (uint64_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	*out = v;
	return true;
}

static bool read_svarint(const uint8_t *t, size_t len, size_t *pos, int64_t *out)
{
	uint64_t u;

	if (!read_varint(t, len, pos, &u))
		return false;
	*out = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return true;
}

/* 3.11+: entries start with a byte that has bit 7 set: code in bits 3-6,
 * length-1 (in code units) in bits 0-2. */
static int locations_line(const uint8_t *t, size_t len, int64_t line, uint64_t offset)
{
	const uint64_t target_unit = offset / 2;
	uint64_t unit = 0;
	size_t pos = 0;

	while (pos < len) {
		uint8_t first = t[pos++];
		unsigned code = (first >> 3) & 15;
		uint64_t units = (uint64_t)(first & 7) + 1;
		int64_t delta = 0;
		uint64_t scratch;
		bool has_line = true;

		if (!(first & 128))
			return -1; /* lost synchronisation: malformed table */
		switch (code) {
		case 15: /* no location */
			has_line = false;
			break;
		case 14: /* long form: line delta, end line delta, column, end column */
			if (!read_svarint(t, len, &pos, &delta) ||
			    !read_varint(t, len, &pos, &scratch) ||
			    !read_varint(t, len, &pos, &scratch) ||
			    !read_varint(t, len, &pos, &scratch))
				return -1;
			break;
		case 13: /* no column: line delta only */
			if (!read_svarint(t, len, &pos, &delta))
				return -1;
			break;
		case 10: case 11: case 12: /* one-line form: delta = code - 10, two column bytes */
			delta = (int64_t)code - 10;
			if (len - pos < 2)
				return -1;
			pos += 2;
			break;
		default: /* short form: same line, one column byte */
			if (pos >= len)
				return -1;
			pos += 1;
			break;
		}
		if (delta > 1000000 || delta < -1000000)
			return -1;
		line += delta;
		if (line < INT32_MIN || line > INT32_MAX)
			return -1; /* a real table never strays this far */
		if (target_unit >= unit && target_unit < unit + units)
			return has_line ? as_line(line) : -1;
		unit += units;
	}
	return -1;
}

int linetable_line_for_offset(enum py_linetable_kind kind, const uint8_t *table, size_t len,
			      int firstlineno, uint64_t offset)
{
	if (!table)
		return -1;
	switch (kind) {
	case PY_LINES_LNOTAB:
		return lnotab_line(table, len, firstlineno, offset);
	case PY_LINES_PEP626:
		return pep626_line(table, len, firstlineno, offset);
	case PY_LINES_LOCATIONS:
		return locations_line(table, len, firstlineno, offset);
	}
	return -1;
}
