/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sampler.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "merge.h"

#define MAPS_REFRESH_NS 1000000000u

void sampler_init(struct sampler *s, const struct options *opt, int out_fd)
{
	s->opt = opt;
	s->period_ns = (uint64_t)(1e9 / opt->hz);
	if (!s->period_ns)
		s->period_ns = 1;
	py_reader_init(&s->py, s->target.pid, opt->max_frames);
	py_code_cache_init(&s->codes);
	output_init(&s->out, out_fd, opt->idle ? "wall-clock" : "cpu-clock");
	if (!opt->python_only)
		s->unwind_ops = unwind_backend(opt->unwinder);
}

static void native_stop(struct sampler *s)
{
	if (!s->native_ready)
		return;
	s->unwind_ops->destroy(s->unwinder);
	symbolizer_free(&s->syms);
	modules_free(&s->mods);
	s->unwinder = NULL;
	s->native_ready = false;
}

/* Native unwinding needs the program's own address space: at attach, or
 * after the exec of a launched program. */
static void native_start(struct sampler *s)
{
	char err[512];

	native_stop(s);
	if (!s->unwind_ops)
		return;
	if (!modules_init(&s->mods, s->target.pid, err, sizeof(err))) {
		pys_warn("native stacks off: %s", err);
		return;
	}
	s->unwinder = s->unwind_ops->create(&s->mods, err, sizeof(err));
	if (!s->unwinder) {
		pys_warn("native stacks off: %s", err);
		modules_free(&s->mods);
		return;
	}
	symbolizer_init(&s->syms, &s->mods);
	s->native_ready = true;
}

void sampler_free(struct sampler *s)
{
	native_stop(s);
	free(s->unwound.frames);
	free(s->frame_syms);
	free(s->merged);
	for (size_t i = 0; i < s->snaps_cap; i++)
		snapshot_free(&s->snaps[i]);
	free(s->snaps);
	py_reader_free(&s->py);
	py_code_cache_free(&s->codes);
	procmaps_free(&s->maps);
	output_free(&s->out);
	free(s->target.threads);
}

/* Runs while the thread is stopped: copy, nothing else. */
static void take_snapshot(void *ctx, struct target *t, struct thread *th)
{
	struct sampler *s = ctx;
	struct snapshot *snap;
	uint64_t start = now_ns();

	grow_array((void **)&s->snaps, &s->snaps_cap, s->nsnaps, sizeof(*s->snaps));
	snap = &s->snaps[s->nsnaps++];
	snapshot_reset(snap);
	snap->pid = t->pid;
	snap->tid = th->tid;
	snap->time_ns = start;
	snap->have_regs = arch_get_regs(th->tid, &snap->regs);
	if (s->native_ready)
		snapshot_copy_stack(snap, s->opt->stack_bytes);
	py_reader_snapshot(&s->py, th->tid, snap);
	s->st.stop_ns_total += now_ns() - start;
}

static const struct map_entry *module_of(struct sampler *s, uint64_t pc)
{
	const struct map_entry *e = procmaps_find(&s->maps, pc);
	uint64_t now = now_ns();

	if (!e && now - s->maps_read_ns > MAPS_REFRESH_NS) {
		procmaps_free(&s->maps);
		procmaps_read(s->target.pid, &s->maps);
		s->maps_read_ns = now;
		e = procmaps_find(&s->maps, pc);
	}
	return e;
}

static void count_status(struct sampler_stats *st, enum py_snap_status status)
{
	switch (status) {
	case PYSNAP_OK: st->py_ok++; break;
	case PYSNAP_NO_RUNTIME: st->py_no_runtime++; break;
	case PYSNAP_NO_THREAD: st->py_no_thread++; break;
	case PYSNAP_READ_FAILED: st->py_read_failed++; break;
	case PYSNAP_TRUNCATED: st->py_truncated++; break;
	}
}

static void emit_python_frame(struct sampler *s, const struct py_frame_ref *f,
			      const struct py_code_info *ci)
{
	char sym[4096];

	if (!ci) {
		s->st.frames_unnamed++;
		output_frame(&s->out, f->code, "py::[unreadable code object]", f->instr, NULL);
		return;
	}
	/* CPython's perf trampolines name frames "py::qualname:filename". */
	if (s->opt->lines)
		snprintf(sym, sizeof(sym), "py::%s:%s:%d", ci->name, ci->filename,
			 py_code_line(&s->py, ci, f->instr));
	else
		snprintf(sym, sizeof(sym), "py::%s:%s", ci->name, ci->filename);
	output_frame(&s->out, f->code, sym, f->instr, ci->filename);
}

static void emit_native_frame(struct sampler *s, const struct native_frame *f,
			      const struct symbol *sym)
{
	/* perf's layout for inline chains: each inlined function on its own
	 * line at the same address, "(inlined)" in place of the dso. */
	for (size_t i = 0; i < sym->ninlined; i++)
		output_frame(&s->out, f->pc, sym->inlined[i], sym->offset, "inlined");
	output_frame(&s->out, f->pc, sym->name, sym->offset, sym->module);
}

/* Unwinds, names and merges one snapshot, and writes its frames. */
static void emit_merged(struct sampler *s, const struct snapshot *snap,
			const struct py_code_info **infos)
{
	struct unwind_result *ur = &s->unwound;
	struct merge_input in;
	uint64_t start = now_ns();
	bool mismatch;
	size_t n;

	s->unwind_ops->unwind(s->unwinder, snap, s->opt->max_frames, ur);
	s->st.unwind_only_ns += now_ns() - start;
	s->st.unwind_end[ur->end]++;
	s->st.native_frames += ur->n;
	grow_array((void **)&s->frame_syms, &s->frame_syms_cap, ur->n, sizeof(*s->frame_syms));
	for (size_t i = 0; i < ur->n; i++)
		symbolize(&s->syms, ur->frames[i].pc, ur->frames[i].exact, &s->frame_syms[i]);
	in = (struct merge_input){
		.native = ur->frames, .syms = s->frame_syms, .nnative = ur->n,
		.native_complete = ur->end == UNWIND_COMPLETE,
		.py = snap->py, .npy = snap->npy,
		.py_grouped = s->py.rt.layout.frame_kind == PY_FRAMES_INTERPRETER,
		.runtime_module = s->py.ready ? s->py.rt.module : NULL,
		.native_all = s->opt->native_all,
	};
	grow_array((void **)&s->merged, &s->merged_cap, ur->n + snap->npy, sizeof(*s->merged));
	n = merge_stacks(&in, s->merged, &mismatch);
	s->st.merge_mismatch += mismatch && snap->npy;
	s->st.unwind_ns_total += now_ns() - start;
	for (size_t i = 0; i < n; i++) {
		size_t k = s->merged[i].index;
		if (s->merged[i].kind == MERGED_PYTHON)
			emit_python_frame(s, &snap->py[k], infos[k]);
		else
			emit_native_frame(s, &ur->frames[k], &s->frame_syms[k]);
	}
	if (ur->end == UNWIND_CUT_BY_COPY)
		output_frame(&s->out, 0, "[stack cut at --stack-bytes]", 0, "[pysample]");
	else if (ur->end == UNWIND_MAX_FRAMES)
		output_frame(&s->out, 0, "[stack cut at --max-frames]", 0, "[pysample]");
}

static void emit(struct sampler *s, const struct snapshot *snap)
{
	struct thread *th = NULL;

	for (size_t i = 0; i < s->target.nthreads; i++)
		if (s->target.threads[i].tid == snap->tid)
			th = &s->target.threads[i];
	count_status(&s->st, snap->py_status);
	if (!snap->have_regs)
		s->st.regs_failed++;
	output_record_begin(&s->out, th ? target_thread_comm(&s->target, th) : NULL, snap->pid,
			    snap->tid, snap->time_ns, s->period_ns);
	const struct py_code_info **infos = xmalloc((snap->npy + 1) * sizeof(*infos));
	py_code_resolve(&s->codes, &s->py, snap->py, snap->npy, infos);
	if (s->native_ready && snap->have_regs) {
		emit_merged(s, snap, infos);
	} else if (snap->npy) {
		for (size_t i = 0; i < snap->npy; i++)
			emit_python_frame(s, &snap->py[i], infos[i]);
	} else if (snap->have_regs) {
		/* No Python on this thread right now: say where it is natively. */
		uint64_t pc = arch_regs_pc(&snap->regs);
		const struct map_entry *m = module_of(s, pc);
		output_frame(&s->out, pc, NULL, 0, m && m->path[0] ? m->path : NULL);
	}
	free(infos);
	output_record_end(&s->out);
	s->st.records++;
}

static void handle_exec(struct sampler *s)
{
	s->target.exec_seen = false;
	py_reader_reset(&s->py);
	py_code_cache_clear(&s->codes);
	procmaps_free(&s->maps);
	s->maps_read_ns = 0;
	native_start(s);
}

/* What a signal to pysample means: in attach mode, stop; in launch mode the
 * program decides (it got Ctrl-C from the terminal itself; SIGTERM and
 * SIGHUP are passed on), and pysample runs until it exits. */
static bool handle_own_signal(struct sampler *s)
{
	int sig = s->target.pending_signal;

	s->target.pending_signal = 0;
	if (!s->target.launched) {
		s->stop_reason = strsignal(sig);
		return true;
	}
	if (sig == SIGTERM || sig == SIGHUP)
		kill(s->target.pid, sig);
	return false;
}

void sampler_run(struct sampler *s)
{
	uint64_t next, end = 0;

	/* Deadlines are absolute; the default 50 us timer slack would make
	 * every wake-up late and the achieved rate drift at high rates. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (!s->target.launched)
		native_start(s);
	s->st.start_ns = now_ns();
	next = s->st.start_ns + s->period_ns;
	if (s->opt->duration > 0)
		end = s->st.start_ns + (uint64_t)(s->opt->duration * 1e9);
	for (;;) {
		uint64_t now;

		target_wait_until(&s->target, end && end < next ? end : next);
		if (s->target.exec_seen)
			handle_exec(s);
		if (s->target.exited) {
			s->stop_reason = "target exited";
			break;
		}
		if (s->target.pending_signal && handle_own_signal(s))
			break;
		now = now_ns();
		if (end && now >= end) {
			s->stop_reason = "duration reached";
			break;
		}
		if (now < next)
			continue;
		if (now - next >= s->period_ns) {
			/* Fell behind: skip the lost deadlines and count them, rather
			 * than sampling in a burst or silently less often. */
			uint64_t missed = (now - next) / s->period_ns;
			s->st.ticks_missed += missed;
			next += missed * s->period_ns;
		}
		next += s->period_ns;

		s->nsnaps = 0;
		py_reader_prepare(&s->py);
		target_sample_round(&s->target, s->opt->idle, take_snapshot, s);
		s->st.rounds++;
		for (size_t i = 0; i < s->nsnaps; i++)
			emit(s, &s->snaps[i]);
	}
	s->st.end_ns = now_ns();
	output_flush(&s->out);
}

void sampler_print_summary(const struct sampler *s, FILE *out)
{
	const struct sampler_stats *st = &s->st;
	const struct target_stats *ts = &s->target.stats;
	double secs = (double)(st->end_ns - st->start_ns) / 1e9;
	uint64_t failed = ts->samples_lost_exit + ts->samples_lost_timeout + st->py_read_failed +
			  st->py_truncated + st->regs_failed;

	if (secs <= 0)
		secs = 1e-9;
	fprintf(out,
		"pysample: %llu samples from %llu threads in %.2f s (%s); "
		"requested %.0f Hz, achieved %.1f Hz (%.0f samples/s), %llu ticks missed\n",
		(unsigned long long)st->records, (unsigned long long)ts->threads_seen, secs,
		s->stop_reason ? s->stop_reason : "stopped", s->opt->hz, (double)st->rounds / secs,
		(double)st->records / secs, (unsigned long long)st->ticks_missed);
	fprintf(out,
		"pysample: %llu failed: %llu thread exited mid-sample, %llu stop timed out, "
		"%llu registers unreadable, %llu Python frames unreadable, %llu over --max-frames\n",
		(unsigned long long)failed, (unsigned long long)ts->samples_lost_exit,
		(unsigned long long)ts->samples_lost_timeout, (unsigned long long)st->regs_failed,
		(unsigned long long)st->py_read_failed, (unsigned long long)st->py_truncated);
	fprintf(out,
		"pysample: without Python frames: %llu not in Python (no thread state), "
		"%llu interpreter not found or not ready; %llu job-stopped threads skipped; "
		"mean stop %.1f us\n",
		(unsigned long long)st->py_no_thread, (unsigned long long)st->py_no_runtime,
		(unsigned long long)ts->samples_skipped_stopped,
		st->records ? (double)st->stop_ns_total / 1e3 / (double)(st->records) : 0.0);
	if (s->unwind_ops) {
		uint64_t unwound = st->unwind_end[UNWIND_COMPLETE] + st->unwind_end[UNWIND_CUT_BY_COPY] +
				   st->unwind_end[UNWIND_MAX_FRAMES] + st->unwind_end[UNWIND_FAILED];
		fprintf(out,
			"pysample: native (%s): %llu complete, %llu cut at --stack-bytes, %llu over "
			"--max-frames, %llu stopped early (no CFI or unreadable); %llu merge "
			"mismatches; %.1f frames, %.1f us unwind + %.1f us symbolize+merge per sample\n",
			s->unwind_ops->name, (unsigned long long)st->unwind_end[UNWIND_COMPLETE],
			(unsigned long long)st->unwind_end[UNWIND_CUT_BY_COPY],
			(unsigned long long)st->unwind_end[UNWIND_MAX_FRAMES],
			(unsigned long long)st->unwind_end[UNWIND_FAILED],
			(unsigned long long)st->merge_mismatch,
			unwound ? (double)st->native_frames / (double)unwound : 0.0,
			unwound ? (double)st->unwind_only_ns / 1e3 / (double)unwound : 0.0,
			unwound ? (double)(st->unwind_ns_total - st->unwind_only_ns) / 1e3 / (double)unwound
				: 0.0);
	}
	if (s->out.write_failed)
		fprintf(out, "pysample: error: the profile could not be written completely\n");
}
