/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample top`: what the target is doing right now, as a live terminal
 * view (ncurses).  The run is an ordinary sampling run whose writer
 * aggregates into two profiles, the whole run and the current interval,
 * under a mutex (samples arrive on the processing thread).  A thread of
 * its own draws the view about once a second and reads the keys: like the
 * progress line, neither the sampling thread (the target's threads wait
 * stopped for it) nor the processing thread may wait on a terminal.
 * The shares are top.c's (top_rank), so the view and --top agree.
 */
#ifndef PYSAMPLE_TOP_LIVE_H
#define PYSAMPLE_TOP_LIVE_H

#include "options.h"
#include "sampler.h"
#include "writer.h"

/* The writer that feeds the view; freed through its ops, after
 * top_live_stop. */
struct writer *top_live_writer_open(void);

/* Parses `pysample top`'s command line (argv[0] is "top") into opt, the
 * sampling options, and checks that standard output is a terminal the
 * view can draw on. */
enum parse_result top_live_parse(int argc, char **argv, struct options *opt);

struct top_live;

/* Takes over the terminal and starts the view's thread: w is
 * top_live_writer_open's, s the run's sampler (the view reads its counters
 * and, on `q`, stops it), target what the header names.  NULL (err says
 * why) when the terminal cannot be used. */
struct top_live *top_live_start(struct writer *w, struct sampler *s, const char *target,
				char *err, size_t err_len);

/* Ends the view's thread, gives the terminal back as it was and frees v;
 * what pysample wrote to standard error meanwhile is written there now.
 * True when the user left with `q` (else the run ended by itself).  NULL
 * does nothing. */
bool top_live_stop(struct top_live *v);

/* On a fatal error: gives the terminal back at once (the view's thread is
 * left where it is).  Does nothing when no view is on. */
void top_live_emergency_restore(void);

#endif
