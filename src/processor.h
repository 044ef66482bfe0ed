/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The processing thread: turns snapshots into records, off the sampling
 * thread: native unwind -> symbolize -> merge with the Python frames
 * (named already, on the sampling thread) -> a writer (writer.h).  It owns the caches
 * of the native stages (modules, CFI, symbols: its native sessions) and
 * starts a session over when a snapshot comes from a new address space.
 */
#ifndef PYSAMPLE_PROCESSOR_H
#define PYSAMPLE_PROCESSOR_H

#include <pthread.h>
#include <stdatomic.h>

#include "insn.h"
#include "merge.h"
#include "modules.h"
#include "options.h"
#include "writer.h"
#include "pyframes.h"
#include "snapqueue.h"
#include "histogram.h"
#include "symbolize.h"
#include "unwind.h"

struct processor_stats {
	uint64_t records;        /* samples written */
	uint64_t regs_failed;
	uint64_t py_ok, py_no_runtime, py_no_thread, py_read_failed, py_truncated;
	uint64_t py_chain_cut; /* caught while the interpreter relinked the chain */
	uint64_t torn;           /* --nonblocking reads the thread outran: dropped */
	uint64_t frames_unnamed; /* Python frames whose code object could not be read */
	uint64_t unwind_end[UNWIND_END_COUNT];
	uint64_t insn_frames;    /* callers found by instruction analysis (no CFI) */
	uint64_t merge_mismatch;
	uint64_t unwind_only_ns; /* native unwinding, after the stop */
	uint64_t unwind_ns_total; /* unwinding + symbolizing + merging */
	uint64_t native_frames;
	/* Per sample, unwinding + symbolizing + merging: its median is the
	 * cost with warm caches, which the mean hides behind the first
	 * samples' loading of CFI and debug information. */
	struct histogram unwind_time;
	uint64_t latency_ns_max; /* longest a snapshot waited to be processed */
	/* Known once the thread has ended (processor_join). */
	const char *unwinder;    /* the native backend's name; NULL: --python-only */
	bool gave_way;           /* ran at a low priority while it kept up */
	uint64_t times_behind;   /* ... and had it raised back so often */
	uint64_t abandoned;      /* samples not written: told to stop */
	uint64_t symbol_cache_hits, symbol_cache_misses; /* pc -> names, all sessions */
	bool output_failed;      /* the profile could not be written completely */
};

/* What the processing thread keeps per address space it unwinds in (a
 * process's, until its next exec): its ELF modules, CFI and symbols.  Not
 * a process record (process.h): a cache, keyed by pid and exec_gen. */
struct native_session {
	pid_t pid;
	pid_t space; /* what its address space is read through (snapshot.h) */
	unsigned exec_gen;
	bool ready;       /* native unwinding set up */
	uint64_t used;    /* when it last served a snapshot (a counter), for eviction */
	struct modules mods;
	struct native_unwinder unwinder;
	struct symbolizer syms;
	struct proc_maps maps; /* for naming the module of a bare pc */
	uint64_t maps_read_ns;
};

struct processor {
	const struct options *opt;
	uint64_t period_ns;
	struct snap_queue *queue;
	pthread_t thread;
	bool running;

	struct writer *writer; /* main's: the processing thread writes samples into it */
	struct sample_frame *frames; /* the sample being written */
	size_t nframes, frames_cap;

	const struct unwind_ops *unwind_ops; /* NULL with --python-only */
	/* A cache of native sessions, one per address space recently sampled
	 * (pid, exec_gen), at most MAX_NATIVE_SESSIONS: the least recently used
	 * goes first, never the main process's (the one launched or attached). */
	struct native_session **sessions;
	size_t nsessions, sessions_cap;
	pid_t main_pid;
	uint64_t use_counter;
	struct insn_analyzer *insn_text; /* --insn */
	struct unwind_result unwound;
	struct symbol *frame_syms;
	size_t frame_syms_cap;
	struct merged_frame *merged;
	size_t merged_cap;

	/* Giving way to the target while it keeps up (see processor.c): set by
	 * the processing thread when it starts; then the sampling thread raises
	 * its priority when behind, and it lowers it when caught up. */
	atomic_bool gives_way;
	atomic_bool yielding; /* at the lower priority now */
	pid_t tid;
	int base_nice;        /* the priority it goes back to when behind */
	uint64_t times_behind; /* written by the sampling thread */
	/* Set by the main thread when told to stop while the last snapshots
	 * are processed: the rest are counted, not written. */
	atomic_bool abandon;
	atomic_bool finished; /* the thread has written what it will write */
	pid_t starter_tid;    /* woken (SIGCHLD) when it has */
	atomic_bool output_failed; /* a write of the profile failed (EPIPE, ENOSPC) */
	atomic_uint_least64_t written; /* records so far, for the progress line */
	uint64_t abandoned;
	struct processor_stats st;
};

/* `main_pid`: the process launched or attached (its native session is
 * never evicted). */
void processor_init(struct processor *p, const struct options *opt, pid_t main_pid,
		    uint64_t period_ns, struct writer *writer);
/* Called by the sampling thread with the queue's fill after each round:
 * a processing thread giving way that falls behind gets its priority back. */
void processor_note_backlog(struct processor *p, unsigned fill_percent);
/* The same, whatever the backlog, and not counted as falling behind: an
 * exit waits for it to catch up. */
void processor_hurry(struct processor *p);
/* Starts the thread; it runs until the queue is closed and drained. */
bool processor_start(struct processor *p, struct snap_queue *q);
/* Whether writing the profile has failed (safe from any thread). */
bool processor_output_failed(struct processor *p);
/* Whether the thread is done (processor_join will not wait long). */
bool processor_finished(struct processor *p);
/* Asks the thread to write nothing more: what is left is counted. */
void processor_abandon(struct processor *p);
void processor_join(struct processor *p);
void processor_free(struct processor *p);

/* Processes one snapshot on the calling thread (the thread body uses it). */
void processor_handle(struct processor *p, const struct snapshot *snap);

#endif
