/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Native unwinding from a snapshot (registers and a copy of the top of the
 * stack), after the thread runs again.  Two backends behind one interface:
 * libdw (elfutils, the default) and libunwind.  The unwinder never knows
 * where snapshots come from.
 */
#ifndef PYSAMPLE_UNWIND_H
#define PYSAMPLE_UNWIND_H

#include "modules.h"
#include "snapshot.h"

struct native_frame {
	uint64_t pc;
	bool exact; /* the leaf or a signal frame: pc is not a return address */
};

enum unwind_end {
	UNWIND_COMPLETE,   /* reached the outermost frame */
	UNWIND_CUT_BY_COPY, /* needed stack bytes beyond the copied bound */
	UNWIND_MAX_FRAMES, /* more frames than the bound */
	UNWIND_FAILED,     /* no CFI or a bad read: the chain stops here */
};

struct unwind_result {
	struct native_frame *frames; /* leaf first */
	size_t n, cap;
	enum unwind_end end;
};

struct unwinder;

struct unwind_ops {
	const char *name;
	struct unwinder *(*create)(struct modules *mods, char *err, size_t err_len);
	void (*unwind)(struct unwinder *u, const struct snapshot *snap, unsigned max_frames,
		       struct unwind_result *out);
	void (*destroy)(struct unwinder *u);
};

extern const struct unwind_ops unwind_libdw_ops;
extern const struct unwind_ops unwind_libunwind_ops;

/* The backend called `name`, or NULL. */
const struct unwind_ops *unwind_backend(const char *name);

/* Empties a result for a new unwind; false (result marked failed) when the
 * snapshot has no registers to start from. */
bool unwind_result_start(struct unwind_result *r, const struct snapshot *snap);
void unwind_result_push(struct unwind_result *r, uint64_t pc, bool exact);

/*
 * Memory as the unwinders see it: the copied stack first; stack addresses
 * beyond the copy fail (and mark the result cut, never read live: the
 * thread has moved on); everything else is read from the live target.
 */
bool unwind_read_word(struct modules *mods, const struct snapshot *snap, uint64_t addr,
		      uint64_t *value, bool *cut);

const char *unwind_end_name(enum unwind_end end);

#endif
