/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPython line tables (co_lnotab, the 3.10 co_linetable, the 3.11+ location
 * table).  The table bytes, co_firstlineno and the instruction offset are all
 * read from the target's memory, which may be freed and reused under us.
 *
 * Input: byte 0 picks the table kind, bytes 1-4 are co_firstlineno (int32,
 * little-endian), bytes 5-8 the bytecode offset (uint32, little-endian); the
 * rest is the table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linetable.h"

#include "fuzz.h"

#define HEADER 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum py_linetable_kind kinds[] = { PY_LINES_LNOTAB, PY_LINES_PEP626,
							PY_LINES_LOCATIONS };
	enum py_linetable_kind kind;
	int32_t firstlineno;
	uint32_t offset;
	const uint8_t *table;
	size_t len;
	volatile int sink;

	if (size < HEADER)
		return 0;
	kind = kinds[data[0] % ARRAY_SIZE(kinds)];
	memcpy(&firstlineno, data + 1, 4);
	memcpy(&offset, data + 5, 4);
	table = data + HEADER;
	len = size - HEADER;

	sink = linetable_line_for_offset(kind, table, len, firstlineno, offset);
	/* The instruction offset is a pointer difference in the 3.11+ reader;
	 * a stale frame can make it wrap around to a huge value. */
	sink = linetable_line_for_offset(kind, table, len, firstlineno, UINT64_MAX);
	sink = linetable_line_for_offset(kind, table, len, firstlineno, (uint64_t)offset << 32);
	/* An empty table (a bytes object of size 0) is still a valid pointer. */
	sink = linetable_line_for_offset(kind, table, 0, firstlineno, offset);
	(void)sink;
	return 0;
}
