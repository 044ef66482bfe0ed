/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Perf map files: text a JIT in the target writes to /tmp, read while it
 * is still being written (the last line may be cut), and possibly planted
 * by someone else.  Input: the file's bytes, parsed in two pieces split at
 * a point given by the first byte, as two incremental reads would.
 */
#include <stdlib.h>
#include <string.h>

#include "perfmap.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_map pm;
	size_t split, used;
	const char *text;

	if (size < 1)
		return 0;
	perf_map_init(&pm, 1, 1);
	pm.refused = true; /* look-ups must not read any real file */
	text = (const char *)data + 1;
	size--;
	split = size ? data[0] % (size + 1) : 0;
	used = perf_map_parse(&pm, text, split);
	CHECK(used <= split);
	used += perf_map_parse(&pm, text + used, size - used);
	CHECK(used <= size);
	CHECK(used == 0 || text[used - 1] == '\n');
	const struct perf_map_entry *newest = NULL;
	for (size_t i = 0; i < pm.n; i++) {
		const struct perf_map_entry *e = &pm.entries[i], *hit;
		uint64_t last = e->start + e->size - 1;
		CHECK(e->size > 0 && e->start + e->size > e->start && e->name);
		CHECK(i == 0 || pm.entries[i - 1].start < e->start);
		hit = perf_map_find(&pm, last);
		CHECK(!hit || last - hit->start < hit->size);
		if (!newest || e->seq > newest->seq)
			newest = e;
	}
	/* The newest line always names the code it starts at. */
	CHECK(!newest || perf_map_find(&pm, newest->start) == newest);
	perf_map_free(&pm);
	return 0;
}
