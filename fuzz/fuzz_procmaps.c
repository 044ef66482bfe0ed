/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /proc/PID/maps text.  The kernel writes it, but path names are chosen by
 * whoever created the mapping (a file named with newlines, " (deleted)" or
 * blanks), and a racing exec can hand us a torn read, so the parser must
 * hold up against any bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procmaps.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps maps;
	size_t skipped;

	/* No NUL terminator on purpose: procmaps_parse takes a length, and ASan
	 * should see any read past it. */
	skipped = procmaps_parse((const char *)data, size, &maps);
	CHECK(skipped + maps.count <= size);
	for (size_t i = 0; i < maps.count; i++) {
		const struct map_entry *e = &maps.entries[i];
		const char *base;

		CHECK(e->path != NULL);
		CHECK(e->start <= e->end);
		/* Lines are split on '\n', so no path may contain one. */
		CHECK(strchr(e->path, '\n') == NULL);
		base = procmaps_basename(e->path);
		CHECK(base >= e->path && base <= e->path + strlen(e->path));
		/* The binary search assumes sorted input, which a hostile file does not
		 * give; it may miss, but whatever it returns must contain the address. */
		for (int k = 0; k < 3; k++) {
			uint64_t addr = k == 0 ? e->start : k == 1 ? e->end - 1 : e->end;
			const struct map_entry *f = procmaps_find(&maps, addr);
			CHECK(!f || (f->start <= addr && addr < f->end));
		}
	}
	procmaps_free(&maps);
	CHECK(maps.entries == NULL && maps.count == 0);
	return 0;
}
