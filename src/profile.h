/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An aggregated profile, for the writers that write at the end (svg,
 * speedscope, pprof, collapsed) and for --top: every distinct frame and
 * every distinct (thread, stack) once, with its sample count and weight.
 * Memory grows with the number of distinct stacks, not with the samples:
 * an hour at 999 Hz of the same few hundred stacks stays a few hundred
 * entries.
 */
#ifndef PYSAMPLE_PROFILE_H
#define PYSAMPLE_PROFILE_H

#include "writer.h"

/* A frame, its strings copied and interned (equal text, one pointer). */
struct profile_frame {
	enum sample_frame_kind kind;
	const char *name;     /* never NULL: "[unknown]" when unknown */
	const char *module;   /* never NULL: "[unknown]" when unknown */
	const char *build_id; /* NULL: none known */
	int line, first_line;
	uint64_t addr;        /* the first seen (pprof's location address) */
	/* Python: the file as a frame's name shows it (python_short_file of
	 * module, or module itself with full_filenames). */
	const char *file_label;
};

struct profile_thread {
	pid_t pid, tid;
	const char *comm;     /* the kernel's name for it (a renamed thread is another
			       * entry) */
	const char *name;     /* threading's name for it (the last seen), else comm:
			       * what every writer calls the thread */
	uint64_t samples, weight_ns;
};

struct profile_stack {
	uint32_t thread;      /* index into threads */
	uint32_t nframes;
	const uint32_t *frames; /* indexes into frames, leaf first */
	uint64_t samples, weight_ns;
	uint64_t first_ns, last_ns; /* times of its first and last sample */
};

struct profile_table; /* hash tables, private to profile.c */

struct profile {
	struct profile_frame *frames;
	size_t nframes;
	struct profile_thread *threads;
	size_t nthreads;
	struct profile_stack *stacks;
	size_t nstacks;
	uint64_t samples, weight_ns;
	uint64_t first_ns, last_ns; /* times of the first and last sample */
	bool full_filenames;  /* set before the first profile_add */
	struct profile_table *tables;
};

void profile_init(struct profile *p);
void profile_add(struct profile *p, const struct sample_record *r);
void profile_free(struct profile *p);

/* An interned copy of s (equal text, equal pointer), valid until
 * profile_free. */
const char *profile_intern(struct profile *p, const char *s);

/*
 * The frame's name as `perf script` text shows it and stackcollapse-perf
 * reads it (so the collapsed output of a recording is the collapsed
 * output of its perf text): "py::qualname:file[:line]" for Python, the
 * symbol for native code ("[module basename]" when unknown), the marker's
 * text.  Writes at most len bytes, NUL-terminated; returns buf.
 */
const char *profile_frame_label(const struct profile_frame *f, char *buf, size_t len);

/* Whether the frame is a Python one (for writers that colour or group). */
static inline bool profile_frame_is_python(const struct profile_frame *f)
{
	return f->kind == FRAME_PYTHON;
}

#endif
