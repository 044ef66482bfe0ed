/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID/maps: the target's address space, parsed into mapping records. */
#ifndef PYSAMPLE_PROCMAPS_H
#define PYSAMPLE_PROCMAPS_H

#include "common.h"

struct map_entry {
	uint64_t start, end;
	uint64_t offset; /* file offset of `start` */
	uint64_t dev_major, dev_minor; /* the mapped file's device and inode */
	uint64_t inode;
	bool readable, writable, executable;
	bool deleted; /* the file was unlinked (" (deleted)" suffix, removed from path) */
	uint64_t gone_ns; /* when it was found unmapped (procmaps_keep_vanished_code); 0: mapped */
	char *path;   /* "" for anonymous mappings, "[stack]", "[heap]", ... */
};

struct proc_maps {
	struct map_entry *entries; /* sorted by start, as the kernel prints them */
	size_t count;
};

/* Parses the text of a maps file.  Malformed lines are skipped, never fatal.
 * Returns the number of lines skipped. */
size_t procmaps_parse(const char *text, size_t len, struct proc_maps *out);
/* Reads /proc/PID/maps (a core file's mappings for its space, corefile.h);
 * false when the process is gone or unreadable. */
bool procmaps_read(pid_t pid, struct proc_maps *out);
void procmaps_free(struct proc_maps *maps);
/* The mapping containing addr, or NULL. */
const struct map_entry *procmaps_find(const struct proc_maps *maps, uint64_t addr);
/* Whether any mapping overlaps [start, end). */
bool procmaps_overlaps(const struct proc_maps *maps, uint64_t start, uint64_t end);
/*
 * Carries over into `fresh` the anonymous executable mappings of `old`
 * (JIT code, perf trampolines) that have gone and whose range nothing new
 * overlaps, for `keep_ns` after they were first found gone (`now_ns`):
 * samples taken before the code was unmapped may still wait to be unwound
 * through it.  Returns how many were kept.
 */
size_t procmaps_keep_vanished_code(struct proc_maps *fresh, const struct proc_maps *old,
				   uint64_t now_ns, uint64_t keep_ns);
/* Basename of a mapping path ("" for anonymous). */
const char *procmaps_basename(const char *path);

#endif
