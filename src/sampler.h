/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampling loop: on absolute deadlines, stop the threads to sample,
 * take each one's snapshot, let it run, and hand the snapshots to the
 * processing thread (processor.h).  Nothing slower than a copy happens here,
 * so the clock is never held up by unwinding or symbolizing.
 */
#ifndef PYSAMPLE_SAMPLER_H
#define PYSAMPLE_SAMPLER_H

#include <stdatomic.h>

#include "options.h"
#include "processor.h"
#include "pycode.h"
#include "pyframes.h"
#include "placement.h"
#include "snapqueue.h"
#include "target.h"

/* When and where each sampled thread stopped, against when its sample
 * was due: what tells a sample taken where the thread was at the tick
 * from one that drifted. */
struct stop_timing {
	uint64_t by_cause[STOP_NONE + 1]; /* enum stop_cause */
	uint64_t late;       /* ticks whose stop was not at the tick's instruction: dropped */
	uint64_t in_kernel;  /* ticks that came while the thread ran kernel code */
	uint64_t unrecorded; /* ticks whose record the timer's ring could not hold */
	uint64_t not_gil;    /* --gil: ticks of threads not holding the GIL */
	uint64_t on_syscall_exit, syscall_known;
	struct histogram seen_after; /* from the tick or interrupt to the stop seen */
};

struct sampler_stats {
	uint64_t start_ns, end_ns;
	uint64_t rounds;
	uint64_t ticks_missed;  /* deadlines that passed while pysample was busy */
	uint64_t snapshots;
	uint64_t gil_free, gil_unknown; /* --gil ticks with no holder / holder unknown */
	uint64_t stop_ns_total; /* time spent copying while threads were stopped */
};

/* The Python half of a process's record (process.h): made at its first
 * sample, kept to the end of the run (queued snapshots point at its
 * runtime copies). */
struct process_python {
	unsigned exec_gen;          /* the address space its caches belong to */
	struct py_reader py;
	struct py_code_cache codes; /* names Python frames after each round */
};

struct sampler {
	const struct options *opt;
	struct target *target; /* main's, launched or attached */
	struct snap_queue queue;
	struct processor processor;
	struct snapshot **round;   /* snapshots of the current round */
	size_t nround, round_cap;
	uint64_t period_ns;
	struct sampler_stats st;
	struct stop_timing timing;
	uint64_t timer_cpu_ns; /* CPU time the timers counted, at the end */

	const char *stop_reason;
	/* sampler_stop was called (by another thread: top's view). */
	atomic_bool stop_asked;
	const char *priority; /* the sampling thread's scheduling */
	struct placement placement;
	uint64_t placed_ns;   /* when placement last looked */
	uint64_t stacks_learnt_ns; /* when learn_stacks last looked */
	/* At SCHED_FIFO: the window in which saturation is measured. */
	uint64_t realtime_since_ns, realtime_rounds, realtime_missed, realtime_cpu_ns;
};

/* The target must be launched or attached already. */
void sampler_init(struct sampler *s, const struct options *opt, struct target *t,
		  struct writer *writer);
/* Samples until the target exits, the duration ends or a signal arrives;
 * returns with every sample taken and handed to the processing thread,
 * the target still attached (target_detach lets it go). */
void sampler_run(struct sampler *s);
/* Asks sampler_run to return at its next wake-up (at most a period
 * away); any thread may call it. */
void sampler_stop(struct sampler *s);
/* Waits until every snapshot has been processed and written. */
void sampler_finish(struct sampler *s);
/* Frees what the sampler made, the Python halves of the target's process
 * records included; the target stays main's to free. */
void sampler_free(struct sampler *s);

struct run_report;
/* The run's numbers, from each stage (summary.h); valid while s is. */
void sampler_report(const struct sampler *s, struct run_report *r);

/* Did any sampled process show an initialised CPython runtime? */
/* Why a CPython found could not be read (an unsupported version), or NULL. */
const char *sampler_python_unsupported(const struct sampler *s);
bool sampler_found_python(const struct sampler *s);


#endif
