/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmaps.h"
#include "tap.h"

static const char sample[] =
	"55d0c7a00000-55d0c7a01000 r--p 00000000 fe:01 1048602                    /usr/bin/python3.11\n"
	"7f3a2c000000-7f3a2c021000 rw-p 00000000 00:00 0 \n"
	"7f3a2d1e0000-7f3a2d3c5000 r-xp 00028000 fe:01 2097411                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f3a2d400000-7f3a2d401000 rw-s 00000000 00:05 1234                       /dev/shm/my file (deleted)\n"
	"this line is garbage\n"
	"7ffc5a1e0000-7ffc5a201000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

int main(void)
{
	struct proc_maps maps;
	size_t skipped = procmaps_parse(sample, sizeof(sample) - 1, &maps);
	const struct map_entry *e;

	ok(maps.count == 6, "six mappings parsed (got %zu)", maps.count);
	ok(skipped == 1, "the garbage line is skipped and counted");
	is_str(maps.entries[0].path, "/usr/bin/python3.11", "executable path");
	ok(maps.entries[0].start == 0x55d0c7a00000ull && maps.entries[0].end == 0x55d0c7a01000ull,
	   "start and end addresses");
	is_str(maps.entries[1].path, "", "anonymous mapping has an empty path");
	ok(maps.entries[2].executable && !maps.entries[2].writable && maps.entries[2].offset == 0x28000,
	   "permissions and file offset");
	is_str(maps.entries[3].path, "/dev/shm/my file", "blank kept, (deleted) removed");
	ok(maps.entries[3].deleted, "deleted flag set");
	ok(maps.entries[5].end == 0xffffffffff601000ull, "16-digit addresses");
	e = procmaps_find(&maps, 0x7f3a2d1e1234ull);
	ok(e && e == &maps.entries[2], "address lookup finds libc text");
	ok(procmaps_find(&maps, 0x1000) == NULL, "unmapped address finds nothing");
	is_str(procmaps_basename("/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc.so.6", "basename");
	procmaps_free(&maps);

	/* Truncated and absurd inputs must not crash. */
	static const char *bad[] = { "", "-", "1-", "1-2 rw", "2-1 rw-p 0 0:0 0", "ffffffffffffffffff-1 r--p 0 0:0 0 x",
				     "1-2 rwxp 0 0:0 \n", "1-2 rwxp 0 0:0 12" };
	size_t good = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		procmaps_parse(bad[i], strlen(bad[i]), &maps);
		good += maps.count;
		procmaps_free(&maps);
	}
	ok(good == 1, "only the one well-formed short line of the bad inputs parses (got %zu)", good);

	/* JIT code unmapped since the last read is carried over for a while,
	 * unless something new took its place. */
	static const char before[] =
		"1000-2000 r-xp 00000000 fe:01 7 /usr/bin/python3\n"
		"10000-11000 r-xp 00000000 00:00 0 \n"       /* JIT, unmapped below */
		"20000-21000 r-xp 00000000 00:00 0 \n"       /* JIT, replaced by data */
		"30000-31000 rw-p 00000000 00:00 0 \n"       /* data, unmapped */
		"40000-41000 r-xp 00000000 00:00 0 [anon:jit]\n"
		"50000-51000 r-xp 00000000 fe:01 8 /usr/lib/libx.so\n";
	static const char after[] =
		"1000-2000 r-xp 00000000 fe:01 7 /usr/bin/python3\n"
		"20000-20800 rw-p 00000000 00:00 0 \n"
		"60000-61000 r-xp 00000000 00:00 0 \n";
	struct proc_maps old, fresh, later;
	procmaps_parse(before, sizeof(before) - 1, &old);
	procmaps_parse(after, sizeof(after) - 1, &fresh);
	size_t kept = procmaps_keep_vanished_code(&fresh, &old, 1000, 500);
	ok(kept == 2 && fresh.count == 5, "two unmapped JIT regions kept (got %zu, %zu entries)", kept,
	   fresh.count);
	bool sorted = true;
	for (size_t i = 1; i < fresh.count; i++)
		sorted &= fresh.entries[i - 1].end <= fresh.entries[i].start;
	ok(sorted, "the merged maps stay sorted and disjoint");
	e = procmaps_find(&fresh, 0x10800);
	ok(e && e->executable && e->gone_ns == 1000, "unmapped JIT code found, marked gone");
	e = procmaps_find(&fresh, 0x40800);
	ok(e && strcmp(e->path, "[anon:jit]") == 0, "a named anonymous region is kept too");
	e = procmaps_find(&fresh, 0x20400);
	ok(e && !e->executable && !procmaps_find(&fresh, 0x20c00),
	   "a region mapped over JIT code replaces it");
	ok(!procmaps_find(&fresh, 0x30800) && !procmaps_find(&fresh, 0x50800),
	   "unmapped data and files are not kept");
	procmaps_parse(after, sizeof(after) - 1, &later);
	kept = procmaps_keep_vanished_code(&later, &fresh, 1400, 500);
	e = procmaps_find(&later, 0x10800);
	ok(kept == 2 && e && e->gone_ns == 1000, "kept again while young, with the time first found gone");
	procmaps_free(&fresh);
	procmaps_parse(after, sizeof(after) - 1, &fresh);
	kept = procmaps_keep_vanished_code(&fresh, &later, 1600, 500);
	ok(kept == 0 && fresh.count == 3, "dropped once older than the bound");
	procmaps_free(&old);
	procmaps_free(&fresh);
	procmaps_free(&later);

	ok(procmaps_read(getpid(), &maps) && maps.count > 3, "reads its own /proc/self/maps");
	e = procmaps_find(&maps, (uint64_t)(uintptr_t)&main);
	ok(e && e->executable, "own main() lies in an executable mapping");
	procmaps_free(&maps);
	return tap_done();
}
