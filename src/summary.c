/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "summary.h"

#include <sys/resource.h>


#define U(x) ((unsigned long long)(x))

static double ms(uint64_t ns) { return (double)ns / 1e6; }
static double us(uint64_t ns) { return (double)ns / 1e3; }

/* Samples that did not become a whole record, for whatever reason. */
static uint64_t failed(const struct run_report *r)
{
	const struct target_stats *ts = r->target;
	const struct processor_stats *ps = r->processing;

	return ts->samples_lost_exit + ts->samples_lost_timeout + r->queue->dropped +
	       r->queue->stacks_left_out + ps->py_read_failed + ps->py_truncated +
	       ps->py_chain_cut + ps->regs_failed + ps->torn;
}

/* The rate achieved: of the clock's rounds, or with timers alone, of the
 * ticks per second of the threads' CPU time (what they count). */
static bool by_timers(const struct run_report *r)
{
	return !r->sampling->rounds && r->timer_cpu_ns > 0;
}

static uint64_t ticks(const struct run_report *r)
{
	return r->stops->by_cause[STOP_TICK] + r->stops->not_gil;
}

static double achieved_hz(const struct run_report *r)
{
	return by_timers(r) ? (double)ticks(r) / ((double)r->timer_cpu_ns / 1e9)
			    : (double)r->sampling->rounds / r->seconds;
}

static uint64_t missed(const struct run_report *r)
{
	return by_timers(r) ? r->stops->late + r->stops->unrecorded : r->sampling->ticks_missed;
}

static double on_syscall_exit_percent(const struct stop_timing *tm)
{
	return tm->syscall_known ? 100.0 * (double)tm->on_syscall_exit / (double)tm->syscall_known
				 : 0.0;
}

static uint64_t unwound(const struct processor_stats *ps)
{
	uint64_t n = 0;

	for (unsigned e = 0; e < UNWIND_END_COUNT; e++)
		n += ps->unwind_end[e];
	return n;
}

static double per(double total, uint64_t n)
{
	return n ? total / (double)n : 0.0;
}

void summary_print(FILE *out, const struct run_report *r)
{
	const struct sampler_stats *st = r->sampling;
	const struct processor_stats *ps = r->processing;
	const struct target_stats *ts = r->target;
	const struct stop_timing *tm = r->stops;

	fprintf(out,
		"pysample: %llu samples from %llu thread%s in %.2f s (%s); "
		"requested %g Hz, achieved %.1f Hz%s (%.0f samples/s), %llu ticks missed",
		U(ps->records), U(ts->threads_seen), ts->threads_seen == 1 ? "" : "s", r->seconds,
		r->stop_reason ? r->stop_reason : "stopped", r->opt->hz, achieved_hz(r),
		by_timers(r) ? " of CPU time" : "", (double)ps->records / r->seconds, U(missed(r)));
	if (r->timer_cpu_ns)
		fprintf(out, "; timers: %llu ticks in %.2f s of CPU time", U(ticks(r)),
			(double)r->timer_cpu_ns / 1e9);
	fputc('\n', out);
	if (r->follow_children)
		fprintf(out,
			"pysample: --subprocesses: %llu child processes followed, %llu let go (over "
			"the bound of processes followed at once), %llu execs\n",
			U(ts->processes_followed), U(ts->processes_let_go), U(ts->execs));
	fprintf(out,
		"pysample: %llu failed: %llu thread exited mid-sample, %llu stop timed out, "
		"%llu dropped (processing behind), %llu without native frames (processing behind), "
		"%llu torn (read while running), %llu registers unreadable, %llu Python stacks "
		"unreadable, %llu over --max-frames, %llu Python stacks caught between two frames\n",
		U(failed(r)), U(ts->samples_lost_exit), U(ts->samples_lost_timeout),
		U(r->queue->dropped), U(r->queue->stacks_left_out), U(ps->torn), U(ps->regs_failed),
		U(ps->py_read_failed), U(ps->py_truncated), U(ps->py_chain_cut));
	if (!r->opt->nonblocking) {
		fprintf(out,
			"pysample: stops: %llu at their thread's CPU-time tick (timer), %llu by "
			"interrupt, %llu at another stop; seen median %.1f us, p99 %.1f us after "
			"the tick or interrupt; %.1f%% on a system call's exit; %llu late ticks "
			"dropped (not at the tick's instruction), %llu ticks unrecorded, %llu in "
			"kernel mode",
			U(tm->by_cause[STOP_TICK]), U(tm->by_cause[STOP_INTERRUPT]),
			U(tm->by_cause[STOP_OTHER]), us(histogram_quantile(&tm->seen_after, 0.5)),
			us(histogram_quantile(&tm->seen_after, 0.99)), on_syscall_exit_percent(tm),
			U(tm->late), U(tm->unrecorded), U(tm->in_kernel));
		if (r->timers_off)
			fprintf(out, "; timers off (%s)", r->timers_off);
		else if (ts->threads_without_timer)
			fprintf(out, "; %llu thread%s without a timer (%s)", U(ts->threads_without_timer),
				ts->threads_without_timer == 1 ? "" : "s", r->timer_why);
		fputc('\n', out);
	}
	fprintf(out,
		"pysample: without Python frames: %llu not in Python (no thread state), "
		"%llu interpreter not found or not ready; %llu Python frames unnamed (code object "
		"unreadable); %llu job-stopped threads skipped; mean snapshot %.1f us; "
		"longest wait for processing %.1f ms\n",
		U(ps->py_no_thread), U(ps->py_no_runtime), U(ps->frames_unnamed),
		U(ts->samples_skipped_stopped), per(us(st->stop_ns_total), st->snapshots),
		ms(ps->latency_ns_max));
	if (ps->unwinder) {
		uint64_t n = unwound(ps);
		fprintf(out,
			"pysample: native (%s): %llu complete, %llu cut at --stack-bytes, %llu over "
			"--max-frames, %llu stopped early (unreadable), %llu at code without CFI "
			"(%llu of them where the instruction analysis was unsure), %llu callers "
			"found by instruction analysis; %llu merge mismatches; %.1f frames, %.1f us "
			"unwind + %.1f us symbolize+merge per sample (median of both %.1f us)\n",
			ps->unwinder, U(ps->unwind_end[UNWIND_COMPLETE]),
			U(ps->unwind_end[UNWIND_CUT_BY_COPY]), U(ps->unwind_end[UNWIND_MAX_FRAMES]),
			U(ps->unwind_end[UNWIND_FAILED]),
			U(ps->unwind_end[UNWIND_NO_CFI] + ps->unwind_end[UNWIND_INSN_UNSURE]),
			U(ps->unwind_end[UNWIND_INSN_UNSURE]), U(ps->insn_frames), U(ps->merge_mismatch),
			per((double)ps->native_frames, n), per(us(ps->unwind_only_ns), n),
			per(us(ps->unwind_ns_total - ps->unwind_only_ns), n),
			us(histogram_quantile(&ps->unwind_time, 0.5)));
	}
	if (r->opt->gil)
		fprintf(out,
			"pysample: --gil: %llu ticks with the GIL free (nothing sampled), %llu with "
			"the holder unknown (all threads sampled), %llu timer ticks of threads not "
			"holding it\n",
			U(st->gil_free), U(st->gil_unknown), U(tm->not_gil));
	if (r->opt->nonblocking)
		fprintf(out, "pysample: cost: threads never stopped; ");
	else
		fprintf(out, "pysample: cost: each sampled thread stopped median %.1f us, p99 %.1f us; ",
			us(histogram_quantile(&ts->stop_time, 0.5)),
			us(histogram_quantile(&ts->stop_time, 0.99)));
	fprintf(out, "pysample CPU %.1f us per sample, peak RSS %.1f MiB; sampling thread %s; ",
		per(r->cpu_seconds * 1e6, ps->records), r->peak_rss_mib,
		r->priority ? r->priority : "normal");
	if (ps->gave_way)
		fprintf(out, "processing thread nice 19 while it keeps up (%llu times behind)",
			U(ps->times_behind));
	else
		fprintf(out, "processing thread normal");
	if (r->placement) {
		char where[160];
		placement_describe(r->placement, where, sizeof(where));
		fprintf(out, "; placement %s", where);
	}
	if (ts->exits_held)
		fprintf(out, "; %llu exit%s held for processing to catch up, longest %.1f ms%s",
			U(ts->exits_held), ts->exits_held == 1 ? "" : "s", ms(ts->exit_hold_max_ns),
			ts->exits_hold_timeouts ? " (some let go before it had)" : "");
	fputc('\n', out);
	if (ps->abandoned)
		fprintf(out, "pysample: %llu samples not written: told to stop while processing them\n",
			U(ps->abandoned));
	if (ps->output_failed)
		fprintf(out, "pysample: error: the profile could not be written completely\n");
}

static void kv_u(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, "%s=%llu\n", key, U(v));
}

static void kv_f(FILE *out, const char *key, double v)
{
	fprintf(out, "%s=%.6g\n", key, v);
}

/* Values are single-line: a reason may come from the kernel's strings. */
static void kv_s(FILE *out, const char *key, const char *v)
{
	fprintf(out, "%s=", key);
	for (const char *c = v ? v : ""; *c; c++)
		fputc(*c == '\n' ? ' ' : *c, out);
	fputc('\n', out);
}

void summary_write_stats(FILE *out, const struct run_report *r)
{
	const struct sampler_stats *st = r->sampling;
	const struct processor_stats *ps = r->processing;
	const struct target_stats *ts = r->target;
	const struct stop_timing *tm = r->stops;
	uint64_t n = unwound(ps);

	kv_u(out, "samples", ps->records);
	kv_u(out, "threads", ts->threads_seen);
	kv_f(out, "seconds", r->seconds);
	kv_s(out, "stop_reason", r->stop_reason);
	kv_f(out, "hz_requested", r->opt->hz);
	kv_f(out, "hz_achieved", achieved_hz(r));
	kv_s(out, "hz_of", by_timers(r) ? "cpu" : "wall");
	kv_f(out, "samples_per_second", (double)ps->records / r->seconds);
	kv_u(out, "ticks_missed", missed(r));
	kv_u(out, "rounds", st->rounds);
	kv_u(out, "timer_ticks", ticks(r));
	kv_f(out, "timer_cpu_seconds", (double)r->timer_cpu_ns / 1e9);
	kv_u(out, "processes_followed", ts->processes_followed);
	kv_u(out, "processes_let_go", ts->processes_let_go);
	kv_u(out, "execs", ts->execs);
	kv_u(out, "failed", failed(r));
	kv_u(out, "failed_exited", ts->samples_lost_exit);
	kv_u(out, "failed_stop_timeout", ts->samples_lost_timeout);
	kv_u(out, "failed_dropped", r->queue->dropped);
	kv_u(out, "failed_no_native", r->queue->stacks_left_out);
	kv_u(out, "failed_torn", ps->torn);
	kv_u(out, "failed_regs", ps->regs_failed);
	kv_u(out, "failed_python_unreadable", ps->py_read_failed);
	kv_u(out, "failed_max_frames", ps->py_truncated);
	kv_u(out, "failed_python_chain_cut", ps->py_chain_cut);
	kv_u(out, "stops_tick", tm->by_cause[STOP_TICK]);
	kv_u(out, "stops_interrupt", tm->by_cause[STOP_INTERRUPT]);
	kv_u(out, "stops_other", tm->by_cause[STOP_OTHER]);
	kv_f(out, "stop_seen_median_us", us(histogram_quantile(&tm->seen_after, 0.5)));
	kv_f(out, "stop_seen_p99_us", us(histogram_quantile(&tm->seen_after, 0.99)));
	kv_f(out, "stops_on_syscall_exit_percent", on_syscall_exit_percent(tm));
	kv_u(out, "ticks_late", tm->late);
	kv_u(out, "ticks_unrecorded", tm->unrecorded);
	kv_u(out, "ticks_in_kernel", tm->in_kernel);
	kv_s(out, "timers_off", r->timers_off);
	kv_u(out, "threads_without_timer", ts->threads_without_timer);
	kv_s(out, "threads_without_timer_why", r->timer_why);
	kv_u(out, "python_no_thread", ps->py_no_thread);
	kv_u(out, "python_no_runtime", ps->py_no_runtime);
	kv_u(out, "python_frames_unnamed", ps->frames_unnamed);
	kv_u(out, "job_stopped_skipped", ts->samples_skipped_stopped);
	kv_f(out, "snapshot_mean_us", per(us(st->stop_ns_total), st->snapshots));
	kv_f(out, "processing_wait_max_ms", ms(ps->latency_ns_max));
	kv_s(out, "unwinder", ps->unwinder ? ps->unwinder : "none");
	kv_u(out, "native_complete", ps->unwind_end[UNWIND_COMPLETE]);
	kv_u(out, "native_cut_by_copy", ps->unwind_end[UNWIND_CUT_BY_COPY]);
	kv_u(out, "native_max_frames", ps->unwind_end[UNWIND_MAX_FRAMES]);
	kv_u(out, "native_stopped_early", ps->unwind_end[UNWIND_FAILED]);
	kv_u(out, "native_no_cfi", ps->unwind_end[UNWIND_NO_CFI] + ps->unwind_end[UNWIND_INSN_UNSURE]);
	kv_u(out, "native_insn_unsure", ps->unwind_end[UNWIND_INSN_UNSURE]);
	kv_u(out, "native_insn_callers", ps->insn_frames);
	kv_u(out, "merge_mismatches", ps->merge_mismatch);
	kv_f(out, "native_frames_mean", per((double)ps->native_frames, n));
	kv_f(out, "unwind_us_mean", per(us(ps->unwind_only_ns), n));
	kv_f(out, "symbolize_merge_us_mean", per(us(ps->unwind_ns_total - ps->unwind_only_ns), n));
	kv_f(out, "unwind_symbolize_us_median", us(histogram_quantile(&ps->unwind_time, 0.5)));
	kv_u(out, "gil_free", st->gil_free);
	kv_u(out, "gil_unknown", st->gil_unknown);
	kv_u(out, "gil_not_holder", tm->not_gil);
	kv_f(out, "stop_median_us", r->opt->nonblocking ? 0 : us(histogram_quantile(&ts->stop_time, 0.5)));
	kv_f(out, "stop_p99_us", r->opt->nonblocking ? 0 : us(histogram_quantile(&ts->stop_time, 0.99)));
	kv_f(out, "cpu_us_per_sample", per(r->cpu_seconds * 1e6, ps->records));
	kv_f(out, "cpu_seconds", r->cpu_seconds);
	kv_f(out, "peak_rss_mib", r->peak_rss_mib);
	kv_s(out, "sampling_priority", r->priority ? r->priority : "normal");
	if (r->placement) {
		const struct placement *pl = r->placement;
		kv_u(out, "placement_on", pl->on);
		kv_f(out, "placement_apart_percent",
		     pl->checks ? 100.0 * (double)pl->checks_apart / (double)pl->checks : 0);
		kv_u(out, "placement_moves", pl->moves);
	}
	kv_u(out, "processing_gave_way", ps->gave_way);
	kv_u(out, "processing_times_behind", ps->times_behind);
	kv_u(out, "exits_held", ts->exits_held);
	kv_u(out, "exits_hold_timeouts", ts->exits_hold_timeouts);
	kv_f(out, "exit_hold_max_ms", ms(ts->exit_hold_max_ns));
	kv_u(out, "symbol_cache_hits", ps->symbol_cache_hits);
	kv_u(out, "symbol_cache_misses", ps->symbol_cache_misses);
	kv_u(out, "code_cache_hits", r->code_cache_hits);
	kv_u(out, "code_cache_misses", r->code_cache_misses);
	kv_u(out, "code_cache_unreadable", r->code_cache_bad);
	kv_u(out, "abandoned", ps->abandoned);
	kv_u(out, "output_failed", ps->output_failed);
}

uint64_t summary_samples_lost(const struct run_report *r)
{
	return failed(r) + missed(r);
}

void summary_note_usage(struct run_report *r)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		r->cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		r->peak_rss_mib = (double)ru.ru_maxrss / 1024.0;
	}
}
