/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command line. */
#ifndef PYSAMPLE_OPTIONS_H
#define PYSAMPLE_OPTIONS_H

#include "common.h"

#include <stdio.h>

struct writer_ops;

struct options {
	pid_t pid;            /* attach mode when > 0 */
	char **command;       /* launch mode: argv of the program */
	double hz;
	double duration;      /* seconds, 0 = until the end */
	const char *output;   /* NULL = stdout */
	bool idle;            /* sample threads that are not on a CPU too */
	bool subprocesses;    /* follow children (fork, vfork, clone, exec) */
	bool realtime;        /* the sampling thread at SCHED_FIFO 1 when allowed */
	bool placement;       /* --placement: pysample's threads off the target's CPUs */
	bool os_thread_names; /* the kernel's thread names, not threading's */
	bool stop_by_interrupt; /* no per-thread timers: PTRACE_INTERRUPT at each tick */
	bool stop_by_timer;     /* timers asked for, even above TIMER_HZ_MAX */
	bool debuginfod;      /* ask the servers of DEBUGINFOD_URLS for debug files */
	bool gil;             /* only the thread holding the GIL */
	bool pid_namespace_target; /* print ids as the target's PID namespace sees them */
	bool lines;           /* split Python frames per line */
	bool python_only;     /* no native unwinding */
	bool nonblocking;     /* read Python frames without stopping threads */
	bool native_all;      /* keep CPython's internal frames between Python frames */
	const char *unwinder; /* "libdw" or "libunwind" */
	bool insn_unwind;     /* analyse instructions where there is no CFI */
	bool insn;            /* print the sampled instruction */
	size_t stack_bytes;   /* stack copied per sample */
	unsigned max_frames;  /* Python frames, and native frames, per stack */
	const char *dump_layout; /* "3.11": print the table layout and exit */
	bool runtime_by_scan; /* find CPython 3.13+ by its debug offsets' cookie only */
	const char *stats;    /* --stats: the run's numbers, key=value, to this file */
	const struct writer_ops *format; /* -f, or guessed from -o's name */
	bool reverse;         /* svg: icicle */
	bool full_filenames;  /* Python frames named with the whole path */
	unsigned top;         /* --top N: the hottest functions on stderr at the end */
	bool quiet;           /* -q: no start, end or progress line */
};

enum parse_result { PARSE_OK, PARSE_EXIT_OK, PARSE_USAGE };

enum parse_result options_parse(int argc, char **argv, struct options *opt);
/* Whether `arg`, which getopt_long just took for the option `name`, spells
 * it whole (getopt_long accepts any unambiguous prefix); if not, says so,
 * pointing at `command --help`. */
bool options_spelled_out(const char *arg, const char *name, const char *command);
/* The same, with usage printing the help of a subcommand (pysample top). */
enum parse_result options_parse_with(int argc, char **argv, struct options *opt,
				     void (*usage)(FILE *out));
void options_usage(FILE *out);

#endif
