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
	UNWIND_FAILED,     /* a bad read or garbage: the chain stops here */
	UNWIND_NO_CFI,     /* reached code without CFI (instruction analysis off) */
	UNWIND_INSN_UNSURE, /* code without CFI that the analysis could not follow */
	UNWIND_END_COUNT
};

struct unwind_result {
	struct native_frame *frames; /* leaf first */
	size_t n, cap;
	enum unwind_end end;
	/* With UNWIND_NO_CFI: the registers of the last frame pushed, for the
	 * instruction analysis to go on from. */
	struct dwarf_regs stop_regs;
	unsigned insn_frames; /* callers found by instruction analysis */
	const char *insn_why; /* with UNWIND_INSN_UNSURE: what stopped it */
};

struct unwinder;

/*
 * A backend walks the frames it has CFI for.  It appends frames to `out`
 * starting from `start` (the snapshot's registers, or a caller's that the
 * instruction analysis recovered: then `caller` is set, and start's pc is a
 * return address).  At a frame whose code has no CFI (modules_has_cfi) it
 * pushes that frame and stops with UNWIND_NO_CFI and the frame's registers
 * in out->stop_regs, so no backend falls back on guessing frame pointers.
 */
struct unwind_fast;

struct unwind_ops {
	const char *name;
	struct unwinder *(*create)(struct modules *mods, char *err, size_t err_len);
	void (*unwind)(struct unwinder *u, const struct snapshot *snap,
		       const struct dwarf_regs *start, bool caller, unsigned max_frames,
		       struct unwind_result *out);
	void (*destroy)(struct unwinder *u);
	/*
	 * Optional (NULL: none): a fast path tried before the backend at
	 * each hand-over, that walks the frames it can from a cache and
	 * stops at the first it cannot.  fast_unwind returns true when it
	 * reached the end of the stack; false with *at (and *at_caller) the
	 * frame where the backend takes over.
	 */
	struct unwind_fast *(*fast_new)(struct modules *mods);
	void (*fast_free)(struct unwind_fast *f);
	bool (*fast_unwind)(struct unwind_fast *f, const struct snapshot *snap,
			    const struct dwarf_regs *start, bool caller, unsigned max_frames,
			    struct unwind_result *out, struct dwarf_regs *at, bool *at_caller);
};

extern const struct unwind_ops unwind_libdw_ops;
extern const struct unwind_ops unwind_libunwind_ops;

/* The backend called `name`, or NULL. */
const struct unwind_ops *unwind_backend(const char *name);

struct insn_unwinder;

/* A backend plus the instruction analysis that takes over where CFI ends. */
struct native_unwinder {
	const struct unwind_ops *ops;
	struct unwinder *backend;
	struct unwind_fast *fast;   /* the backend's fast path; NULL: it has none */
	struct insn_unwinder *insn; /* NULL with --no-insn-unwind */
};

bool native_unwinder_init(struct native_unwinder *nu, const struct unwind_ops *ops,
			  struct modules *mods, bool insn_unwind, char *err, size_t err_len);
void native_unwinder_free(struct native_unwinder *nu);
/* The whole native stack of a snapshot, leaf first. */
void native_unwind(struct native_unwinder *nu, const struct snapshot *snap, unsigned max_frames,
		   struct unwind_result *out);

void unwind_result_push(struct unwind_result *r, uint64_t pc, bool exact);

/*
 * Memory as the unwinders see it: the copied stack first; stack addresses
 * beyond the copy fail (and mark the result cut, never read live: the
 * thread has moved on); everything else is read from the live target.
 */
bool unwind_read_word(struct modules *mods, const struct snapshot *snap, uint64_t addr,
		      uint64_t *value, bool *cut);

#endif
