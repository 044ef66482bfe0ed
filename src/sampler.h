/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sampling loop: on absolute deadlines, stop the threads to sample,
 * take each one's snapshot, let it run, then turn the snapshots into
 * records.  Owns the per-run state of every pipeline stage.
 */
#ifndef PYSAMPLE_SAMPLER_H
#define PYSAMPLE_SAMPLER_H

#include "options.h"
#include "output.h"
#include "procmaps.h"
#include "pycode.h"
#include "pyframes.h"
#include "modules.h"
#include "snapshot.h"
#include "symbolize.h"
#include "target.h"
#include "unwind.h"

struct sampler_stats {
	uint64_t start_ns, end_ns;
	uint64_t rounds;
	uint64_t ticks_missed;  /* deadlines that passed while pysample was busy */
	uint64_t records;       /* samples written */
	uint64_t regs_failed;
	uint64_t py_ok, py_no_runtime, py_no_thread, py_read_failed, py_truncated;
	uint64_t frames_unnamed; /* Python frames whose code object could not be read */
	uint64_t stop_ns_total;  /* time threads spent stopped by pysample */
	uint64_t unwind_end[4];  /* by enum unwind_end */
	uint64_t merge_mismatch;
	uint64_t unwind_ns_total; /* unwinding + symbolizing + merging, after the stop */
	uint64_t unwind_only_ns;  /* the unwinding part of it */
	uint64_t native_frames;
};

struct sampler {
	const struct options *opt;
	struct target target;
	struct py_reader py;
	struct py_code_cache codes;
	struct output out;
	struct snapshot *snaps;
	size_t nsnaps, snaps_cap;
	struct proc_maps maps;
	uint64_t maps_read_ns;

	/* Native stacks (absent with --python-only, or before the first exec
	 * of a launched program). */
	const struct unwind_ops *unwind_ops;
	bool native_ready;
	struct modules mods;
	struct unwinder *unwinder;
	struct symbolizer syms;
	struct unwind_result unwound;
	struct symbol *frame_syms;
	size_t frame_syms_cap;
	struct merged_frame *merged;
	size_t merged_cap;
	uint64_t period_ns;
	struct sampler_stats st;
	const char *stop_reason;
};

/* The target must be launched or attached already. */
void sampler_init(struct sampler *s, const struct options *opt, int out_fd);
/* Samples until the target exits, the duration ends or a signal arrives. */
void sampler_run(struct sampler *s);
void sampler_free(struct sampler *s);

/* Prints the end-of-run summary to stderr. */
void sampler_print_summary(const struct sampler *s, FILE *out);

#endif
