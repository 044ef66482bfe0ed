/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One stack from two: each native evaluation-loop frame is replaced by the
 * Python frames it runs, and CPython's call plumbing between two Python
 * frames is hidden unless asked for.  When the counts disagree the sample
 * still comes out whole: what can be matched is, the rest stays where it
 * belongs, and the caller counts a mismatch.
 */
#ifndef PYSAMPLE_MERGE_H
#define PYSAMPLE_MERGE_H

#include "snapshot.h"
#include "symbolize.h"
#include "unwind.h"

struct merge_input {
	const struct native_frame *native; /* leaf first */
	const struct symbol *syms;         /* one per native frame */
	size_t nnative;
	bool native_complete;              /* the unwind reached the outermost frame */
	const struct py_frame_ref *py;     /* leaf first */
	size_t npy;
	bool py_grouped;      /* 3.11+: one eval call runs frames up to an entry frame */
	const char *runtime_module; /* libpython or the static executable */
	bool native_all;      /* keep CPython's internal frames */
};

enum merged_kind { MERGED_NATIVE, MERGED_PYTHON };

struct merged_frame {
	enum merged_kind kind;
	size_t index; /* into native[] or py[] */
};

/* Is this symbol CPython's evaluation loop? */
bool merge_is_eval_symbol(const char *name);

/* Writes at most nnative + npy frames to out; returns the count.  *mismatch
 * is set when eval frames and Python frame groups did not pair up. */
size_t merge_stacks(const struct merge_input *in, struct merged_frame *out, bool *mismatch);

#endif
