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

/* A writer that aggregates and, at its end, prints the n hottest
 * functions to out. */
struct writer *top_writer_open(unsigned n, FILE *out);

/* The table itself, for a profile already aggregated. */
void top_print(FILE *out, const struct profile *p, unsigned n);

#endif
