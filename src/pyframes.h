/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a thread's Python frame chain out of the target (the Python part
 * of a snapshot): thread states, their OS thread ids, and the frames. */
#ifndef PYSAMPLE_PYFRAMES_H
#define PYSAMPLE_PYFRAMES_H

#include "memread.h"
#include "pyruntime.h"
#include "pythreads.h"
#include "snapshot.h"

#define PY_CHAIN_HINT_PAGES 8
struct py_thread_entry {
	pid_t tid;
	unsigned interp;    /* which interpreter's list, in scan order */
	uint64_t tstate;
	uint64_t thread_id; /* pthread_t, the identity check for the cache */
	/* What the last sample found, read again together with the thread
	 * state in one syscall: the CFrame it pointed at (3.11-3.12) and the
	 * pages its frame chain lay in. */
	uint64_t cframe;
	unsigned nchain_pages;
	uint64_t chain_pages[PY_CHAIN_HINT_PAGES];
	char name[PY_THREAD_NAME_MAX]; /* threading's name for it; "" none known */
};

struct py_reader {
	pid_t pid;
	/* The target's own view of its id: thread states record the ids the
	 * threads see (gettid() inside a container's PID namespace). */
	pid_t ns_pid;
	bool ready;
	bool runtime_by_scan; /* --runtime-by-scan */
	struct py_runtime rt;
	unsigned max_frames;

	struct py_thread_entry *threads;
	size_t nthreads, threads_cap;
	uint64_t last_scan_ns;
	unsigned discovery_attempts;
	/* Why the CPython found cannot be read ("CPython 3.7 ... is not
	 * supported"): said once as a warning, and again at the end if no
	 * Python frames were found; "" while none was found unsupported. */
	char unsupported[512];
	int pthread_tid_offset; /* where glibc keeps the tid in struct pthread, -1 unknown */
	struct mem_window window; /* frames read in bulk during a walk */
	/* Threads recently found without a thread state, so that native
	 * threads do not rescan the list at every sample while a new Python
	 * thread is looked up at once. */
	struct { pid_t tid; uint64_t when_ns; } misses[64];
	unsigned next_miss;
	/* What the last scan saw: the head of the first interpreter's thread
	 * list (a new thread state is put there), and thread states not yet
	 * bound to a thread (a thread just started, whose id comes soon). */
	uint64_t list_head_addr, list_head;
	size_t unbound;

	/* Python's thread names, read at most once a second (pythreads.h),
	 * and given to the thread entries after each scan. */
	struct py_repr_ctx names_ctx;
	struct py_threads_cache names_cache;
	struct py_thread_name *names;
	size_t nnames;
	uint64_t names_read_ns, names_interval_ns;
	uint64_t unnamed_since_ns; /* since when some thread has no name (0: all have) */
	uint64_t unnamed_set;	   /* which threads have none (name_threads), 0: none */

	/* Immutable copies of rt, one per discovery, for snapshots to point at
	 * while another thread processes them; freed by py_reader_free. */
	const struct py_runtime *published;
	struct py_runtime **history;
	size_t nhistory, history_cap;
};

void py_reader_init(struct py_reader *r, pid_t pid, unsigned max_frames);
void py_reader_free(struct py_reader *r);
/* Forgets everything (after exec, or when the runtime went away). */
void py_reader_reset(struct py_reader *r);

/* Finds the runtime if not found yet (rate-limited; reads maps and ELF
 * files, so call it outside any stop).  True when the runtime is ready. */
bool py_reader_prepare(struct py_reader *r);

/* The OS thread holding the main interpreter's GIL: its tid (as the
 * target's namespace numbers it), 0 when the
 * GIL is free, -1 when unknown (no runtime yet, or unreadable). */
pid_t py_reader_gil_holder(struct py_reader *r);

/* Fills snap->py with tid's frames, leaf first; sets and returns snap->py_status.
 * `tid` is the thread's id in the target's own PID namespace.
 * With `running` (the thread was not stopped), the innermost frame pointer
 * is read again after the walk: if it changed, the sample is PYSNAP_TORN.
 * `also` (may be NULL), a stack copy, goes into the syscall that reads the
 * thread state when it can: also->read tells whether it did. */
enum py_snap_status py_reader_snapshot(struct py_reader *r, pid_t tid, struct snapshot *snap,
				       bool running, struct mem_tail *also);

#endif
