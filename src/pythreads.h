/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Python's own names for its threads (threading.Thread.name: "MainThread",
 * "Thread-3 (worker)", "ThreadPoolExecutor-0_1"), read from the target's
 * threading._active, which maps each thread's ident (the thread state's
 * thread_id) to its Thread.  Read now and then outside any stop: a name
 * changes seldom, and a thread started since shows its OS name until the
 * next read.
 */
#ifndef PYSAMPLE_PYTHREADS_H
#define PYSAMPLE_PYTHREADS_H

#include "pydict.h"

#define PY_THREAD_NAME_MAX 64

struct py_thread_name {
	uint64_t thread_id; /* pthread_t, as threading.get_ident() gives it */
	char name[PY_THREAD_NAME_MAX];
};

/* Where threading._active was found last (0: not yet), to skip the walk
 * through sys.modules while it still is a dict. */
struct py_threads_cache {
	uint64_t active;
};

/* Fills out[] (at most max) from the interpreter at `interp`; returns how
 * many, 0 when threading is not imported or cannot be read. */
size_t py_thread_names(struct py_repr_ctx *c, struct py_threads_cache *cache, uint64_t interp,
		       struct py_thread_name *out, size_t max);

#endif
