/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample dump -p PID`: what every thread of a process is doing right
 * now; `pysample dump --core FILE`: what it was doing when the core was
 * written, read by the same readers through the core (corefile.h).  The threads are stopped once, in one round (dump.c), each
 * copied as a sample is (registers, stack, Python frames), plus what a
 * dump adds: the thread's run state and system call, and whether it
 * holds the GIL; then the target runs again and the copies are unwound,
 * named and merged exactly as sampling does (processor_handle), and
 * printed (dump-print.c) as text or JSON.
 */
#ifndef PYSAMPLE_DUMP_H
#define PYSAMPLE_DUMP_H

#include <stdio.h>

#include "common.h"
#include "pylocals.h"
#include "writer.h"

/* argv[0] is "dump"; returns the exit status. */
int dump_main(int argc, char **argv);

/* --locals: one Python frame's arguments and locals, read at its stop. */
struct dump_locals {
	struct py_local *vars; /* the first PY_LOCALS_SHOWN, in the code object's order */
	size_t n;
	long total;      /* bound in the frame; -1: unreadable (why says why) */
	const char *why;
};

/* One frame of a dumped stack, copied out of the processor's record
 * (whose strings live only as long as its caches). */
struct dump_frame {
	enum sample_frame_kind kind;
	uint64_t addr, offset;
	char *name;   /* NULL: unknown */
	char *module; /* native: the module's path; Python: the file; NULL: unknown */
	int line, first_line;
	const struct dump_locals *locals; /* Python frames with --locals; else NULL */
};

/* What a dump says about one thread. */
struct dump_thread {
	pid_t tid, ns_tid;
	char comm[17];
	char py_name[64]; /* threading's name for it ("" none known) */
	/* Read from /proc just before the round (a stopped thread shows
	 * as 't' there): the run state letter (0: unknown) and, for a
	 * sleeping thread, the kernel function it sleeps in ("" unknown). */
	char state;
	char wchan[64];
	bool taken;      /* stopped and copied */
	/* At the stop, from /proc/PID/task/TID/syscall: the system call it
	 * was in (its number; -1: in user code; -2: unknown). */
	long syscall_nr;
	int gil;         /* 1: holds the GIL at its stop; 0: does not; -1: unknown */
	bool python;     /* has a Python thread state */
	/* From its interrupt to the end of its copy (which includes waking
	 * a sleeping thread, and pysample seeing the stop), and of that the
	 * copy alone: how long it surely stood still for the dump. */
	uint64_t stopped_ns, copy_ns;
	char cut[192];   /* why its stack is incomplete; "": complete */
	struct dump_frame *frames; /* innermost first */
	size_t nframes, frames_cap;
	/* --locals: per Python frame, innermost first, as the stop found them. */
	struct dump_locals *py_locals;
	size_t npy_locals;
};

struct dump_result {
	pid_t pid;
	char comm[17];
	/* A dump of a core file: its path (NULL: a live process), and how
	 * many reads fell on memory it does not hold (the first: where, why). */
	const char *core;
	uint64_t core_missing, core_first_missing;
	const char *core_missing_why;
	unsigned python_hex; /* PY_VERSION_HEX; 0: no CPython found */
	const char *no_python; /* why no Python frames can be read; NULL: they can */
	pid_t gil_holder;    /* at the first stop: tid, 0 free, -1 unknown */
	struct dump_thread *threads; /* the main thread first, then by tid */
	size_t nthreads, threads_cap;
	/* What the dump cost the target: the longest any one thread was
	 * stopped (and copied), and from the first interrupt to the last
	 * copy's end. */
	uint64_t stop_max_ns, copy_max_ns, stop_span_ns;
	uint64_t stop_start_ns; /* the first interrupt, CLOCK_MONOTONIC */
	uint64_t wall_ns; /* attach to detach */
};

struct dump_print_options {
	bool json;
	bool reverse; /* outermost first */
	bool locals;  /* read (at the stop) and print each Python frame's locals */
};

/* Writes the dump to out; false when it could not be written. */
bool dump_print(FILE *out, const struct dump_result *r, const struct dump_print_options *o);

#endif
