/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a run did, from each stage's own counters: printed for people at
 * the end of a run (stderr, wording free to change), and written for
 * programs as key=value lines (--stats=FILE: the keys are the stable
 * interface; tests and bench/ read them).
 */
#ifndef PYSAMPLE_SUMMARY_H
#define PYSAMPLE_SUMMARY_H

#include <stdio.h>

#include "options.h"
#include "processor.h"
#include "sampler.h"
#include "snapqueue.h"
#include "target.h"

struct run_report {
	const struct options *opt;
	const char *stop_reason; /* why sampling ended */
	const char *priority;    /* the sampling thread's scheduling */
	const struct placement *placement; /* where pysample's threads ran */
	double seconds;          /* of sampling */
	const struct sampler_stats *sampling;
	const struct stop_timing *stops;
	uint64_t timer_cpu_ns;   /* CPU time the threads' timers counted */
	const struct target_stats *target;
	bool follow_children;
	const char *timers_off;  /* why there were no timers at all, or NULL */
	const char *timer_why;   /* why some threads had none, or "" */
	const struct processor_stats *processing;
	const struct snap_queue_stats *queue;
	uint64_t code_cache_hits, code_cache_misses, code_cache_bad; /* code objects */
	double cpu_seconds;      /* pysample's own, user + system */
	double peak_rss_mib;
};

void summary_print(FILE *out, const struct run_report *r);
/* One key=value per line; see doc/pysample.1 (--stats) for the keys. */
void summary_write_stats(FILE *out, const struct run_report *r);

/* Samples not taken or not written whole: ticks missed, stops lost,
 * stacks cut (a profile's header says how many). */
uint64_t summary_samples_lost(const struct run_report *r);

/* pysample's own CPU time and peak RSS so far, into r: again after the
 * profile is written, so that an aggregating writer's end counts. */
void summary_note_usage(struct run_report *r);

#endif
