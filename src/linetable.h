/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoding CPython's line tables: bytes from the target, so fully bounded. */
#ifndef PYSAMPLE_LINETABLE_H
#define PYSAMPLE_LINETABLE_H

#include "pyversions.h"

/*
 * Line number of the instruction at byte offset `offset` into the bytecode,
 * or -1 when the table says the instruction has no line or the table is
 * malformed.  Formats: co_lnotab (3.8-3.9, Objects/lnotab_notes.txt),
 * co_linetable (3.10, PEP 626) and the location table (3.11+,
 * Objects/locations.md).
 */
int linetable_line_for_offset(enum py_linetable_kind kind, const uint8_t *table, size_t len,
			      int firstlineno, uint64_t offset);

#endif
