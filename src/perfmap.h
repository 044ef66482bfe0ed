/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The perf map file a JIT writes for perf (/tmp/perf-PID.map: one
 * "START SIZE name" line per piece of generated code, in hex): names code
 * in anonymous memory, CPython's perf trampolines ("py::func:file.py") among
 * it, and gives the instruction analysis where such code starts.  The file
 * only grows while the target runs, so it is read incrementally.
 */
#ifndef PYSAMPLE_PERFMAP_H
#define PYSAMPLE_PERFMAP_H

#include "common.h"

struct perf_map_entry {
	uint64_t start, size;
	uint64_t seq;   /* line number: a later line for the same code wins */
	char *name;
};

struct perf_map {
	char path[128];  /* as the target sees it (in its root): /tmp/perf-NSPID.map */
	pid_t pid;
	struct perf_map_entry *entries; /* sorted by start, then seq */
	size_t n, cap;
	uint64_t lines;
	size_t parsed;     /* bytes of the file consumed (whole lines) */
	uint64_t checked_ns;
	bool refused;      /* not owned by the target's user or root: never read */
};

/* `ns_pid`: the target's pid in its own namespace (the file's name). */
void perf_map_init(struct perf_map *pm, pid_t pid, pid_t ns_pid);
void perf_map_free(struct perf_map *pm);
/* The entry holding addr; reads what was appended to the file since the
 * last look (at most every few milliseconds) before giving up. */
const struct perf_map_entry *perf_map_find(struct perf_map *pm, uint64_t addr);

/* Parses whole lines of perf map text; returns the bytes consumed (up to
 * the last newline).  Malformed lines are skipped. */
size_t perf_map_parse(struct perf_map *pm, const char *text, size_t len);

#endif
