/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --top N: the hottest functions of a profile as a table for a terminal,
 * self and total shares, Python and native (in the spirit of `perf report
 * --stdio --no-children`, with the callers' view beside it).
 */
#ifndef PYSAMPLE_TOP_H
#define PYSAMPLE_TOP_H

#include <stdio.h>

#include "profile.h"
#include "writer.h"

enum top_func_class { TOP_PYTHON, TOP_NATIVE, TOP_MARKER };

/* A function of a profile with its counts: self (innermost frame) and
 * total (anywhere on the stack, once per stack), in samples and weight. */
struct top_func {
	enum top_func_class cls;
	const char *name, *module; /* the profile's interned strings */
	int first_line;
	uint64_t self, total, self_weight, total_weight;
	size_t last_stack; /* private to top.c */
};

enum top_sort { TOP_SORT_SELF, TOP_SORT_TOTAL, TOP_SORT_NAME };

/* A profile's functions, ranked. */
struct top_table {
	struct top_func *funcs;
	size_t n;
	uint64_t whole; /* what shares are of: the weight, or the samples without periods */
};

/*
 * Ranks p's functions by sort.  python_only: each sample belongs to its
 * innermost Python frame (native frames are not functions; a stack with
 * no Python frame counts for "[no Python frame]"), what `top`'s Python
 * view shows.  The names point into p: valid while p is unchanged.
 * Free with top_table_free.
 */
void top_rank(const struct profile *p, bool python_only, enum top_sort sort, struct top_table *t);
void top_table_free(struct top_table *t);

/* "qualname (file:first line)" for Python, "symbol (module basename)" for
 * native code, sanitized for a terminal; returns buf. */
const char *top_func_label(const struct top_func *f, char *buf, size_t len);

/* part as a percentage of whole (0 when whole is). */
double top_share(uint64_t part, uint64_t whole);

/* A writer that aggregates and, at its end, prints the n hottest
 * functions to out. */
struct writer *top_writer_open(unsigned n, FILE *out);

/* The table itself, for a profile already aggregated. */
void top_print(FILE *out, const struct profile *p, unsigned n);

#endif
