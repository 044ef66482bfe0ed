/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Core files.  `pysample dump --core` reads whatever file it is given: a
 * core cut short by a full disk, one from another machine, or one crafted
 * by the process that was dumped (its memory, its file names, its thread
 * count are in it).  Parsing it, listing its mappings and reading its
 * memory as a space (the way every reader above does) must survive any
 * bytes, stay within them, and keep the invariants the readers rely on.
 */
#include <string.h>

#include "corefile.h"
#include "memread.h"

#include "fuzz.h"

static void check_maps(pid_t space)
{
	struct proc_maps maps;

	CHECK(procmaps_read(space, &maps));
	for (size_t i = 0; i < maps.count; i++) {
		CHECK(maps.entries[i].start < maps.entries[i].end);
		CHECK(i == 0 || maps.entries[i - 1].end <= maps.entries[i].start);
		CHECK(maps.entries[i].path != NULL);
	}
	procmaps_free(&maps);
}

/* Reads at each segment's edges, across its end, and through a window
 * (whose batched reads follow another path), as the readers do. */
static void read_around(const struct core_file *c, pid_t space)
{
	static struct mem_window window;
	uint8_t buf[8192];

	mem_window_init(&window, space);
	for (size_t i = 0; i < c->nsegs && i < 64; i++) {
		const struct core_segment *s = &c->segs[i];
		uint64_t at[] = { s->vaddr, s->vaddr + s->memsz / 2, s->vaddr + s->memsz - 8,
				  s->vaddr + s->memsz - 1 };
		for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
			size_t got = mem_read_partial(space, at[k], buf, sizeof(buf));
			CHECK(got <= sizeof(buf));
			(void)mem_read(space, at[k], buf, 16);
			(void)mem_window_read(&window, at[k], buf, 64);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct core_file core;
	char why[512];
	pid_t space;

	if (!corefile_open_image(&core, data, size, why, sizeof(why))) {
		CHECK(why[0] != '\0');
		return 0;
	}
	CHECK(core.nthreads > 0);
	for (size_t i = 0; i < sizeof(core.comm) && core.comm[i]; i++)
		CHECK(core.comm[i] >= 0x20 && core.comm[i] < 0x7f);
	for (size_t i = 1; i < core.nsegs; i++)
		CHECK(core.segs[i - 1].vaddr + core.segs[i - 1].memsz <= core.segs[i].vaddr);
	for (size_t i = 0; i < core.nsegs; i++)
		CHECK(core.segs[i].filesz <= core.segs[i].memsz &&
		      (core.segs[i].filesz == 0 || core.segs[i].offset + core.segs[i].filesz <= size));
	space = corefile_attach(&core);
	check_maps(space);
	read_around(&core, space);
	corefile_close(&core);
	return 0;
}
