/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "processor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memread.h"
#include "pyruntime.h"

#define MAPS_REFRESH_NS 1000000000u
#define POP_BATCH 64
#define YIELD_NICE 19
#define BEHIND_PERCENT 10
/* Processes whose native state is kept at once (--subprocesses): each holds
 * its modules' CFI and symbols; the least recently used goes first. */
#define MAX_NATIVE_SESSIONS 32

void processor_init(struct processor *p, const struct options *opt, pid_t main_pid,
		    uint64_t period_ns, struct writer *writer)
{
	memset(p, 0, sizeof(*p));
	p->opt = opt;
	p->main_pid = main_pid;
	p->period_ns = period_ns;
	p->writer = writer;
	if (!opt->python_only)
		p->unwind_ops = unwind_backend(opt->unwinder);
	if (opt->insn) {
		char err[256];
		p->insn_text = insn_analyzer_new(insn_host_arch(), err, sizeof(err));
		if (!p->insn_text)
			pys_warn("--insn off: %s", err);
	}
}

/* Ends a session's native state; its cache counters are kept. */
static void native_stop(struct processor *p, struct native_session *np)
{
	procmaps_free(&np->maps);
	np->maps_read_ns = 0;
	if (!np->ready)
		return;
	p->st.symbol_cache_hits += np->syms.hits;
	p->st.symbol_cache_misses += np->syms.misses;
	native_unwinder_free(&np->unwinder);
	symbolizer_free(&np->syms);
	modules_free(&np->mods);
	np->ready = false;
}

/* Native unwinding needs the program's own address space: at attach, or
 * after the exec of a launched program. */
static void native_start(struct processor *p, struct native_session *np)
{
	char err[512];

	native_stop(p, np);
	if (!p->unwind_ops)
		return;
	if (!modules_init(&np->mods, np->space, err, sizeof(err))) {
		/* A child that already exited: only its Python frames remain. */
		if (np->pid == p->main_pid)
			pys_warn("native stacks off: %s", err);
		else
			pys_debug("native stacks off for process %d: %s", (int)np->pid, err);
		return;
	}
	if (!native_unwinder_init(&np->unwinder, p->unwind_ops, &np->mods, p->opt->insn_unwind,
				  err, sizeof(err))) {
		pys_warn("native stacks off: %s", err);
		modules_free(&np->mods);
		return;
	}
	symbolizer_init(&np->syms, &np->mods);
	np->ready = true;
}

/*
 * The native state for a snapshot's process, set up again when the
 * snapshot comes from a new address space (the first, or after an exec):
 * what was cached about the old one is wrong now.
 */
static struct native_session *native_for(struct processor *p, const struct snapshot *snap)
{
	struct native_session *np = NULL;

	for (size_t i = 0; i < p->nsessions; i++)
		if (p->sessions[i]->pid == snap->pid)
			np = p->sessions[i];
	if (!np && p->nsessions >= MAX_NATIVE_SESSIONS) {
		/* The least recently used goes; the main process's stays. */
		struct native_session *lru = NULL;
		for (size_t i = 0; i < p->nsessions; i++)
			if (p->sessions[i]->pid != p->main_pid && (!lru || p->sessions[i]->used < lru->used))
				lru = p->sessions[i];
		np = lru;
		native_stop(p, np);
		np->pid = snap->pid;
		np->exec_gen = snap->exec_gen + 1; /* forces a start below */
	}
	if (!np) {
		np = xcalloc(1, sizeof(*np));
		np->pid = snap->pid;
		np->exec_gen = snap->exec_gen + 1;
		grow_array((void **)&p->sessions, &p->sessions_cap, p->nsessions, sizeof(np));
		p->sessions[p->nsessions++] = np;
	}
	np->space = snap->space;
	np->mods.pid = snap->space; /* the leader may have exited since */
	if (np->exec_gen != snap->exec_gen) {
		np->exec_gen = snap->exec_gen;
		native_start(p, np);
	}
	np->used = ++p->use_counter;
	return np;
}

void processor_free(struct processor *p)
{
	for (size_t i = 0; i < p->nsessions; i++) {
		native_stop(p, p->sessions[i]);
		free(p->sessions[i]);
	}
	free(p->sessions);
	insn_analyzer_free(p->insn_text);
	free(p->unwound.frames);
	free(p->frame_syms);
	free(p->merged);
	free(p->frames);
}

static const struct map_entry *module_of(struct native_session *np, uint64_t pc)
{
	const struct map_entry *e = procmaps_find(&np->maps, pc);
	uint64_t now = now_ns();

	if (!e && now - np->maps_read_ns > MAPS_REFRESH_NS) {
		procmaps_free(&np->maps);
		procmaps_read(np->space, &np->maps);
		np->maps_read_ns = now;
		e = procmaps_find(&np->maps, pc);
	}
	return e;
}

static void count_status(struct processor_stats *st, enum py_snap_status status)
{
	switch (status) {
	case PYSNAP_OK: st->py_ok++; break;
	case PYSNAP_NO_RUNTIME: st->py_no_runtime++; break;
	case PYSNAP_NO_THREAD: st->py_no_thread++; break;
	case PYSNAP_READ_FAILED: st->py_read_failed++; break;
	case PYSNAP_CHAIN_CUT: st->py_chain_cut++; break;
	case PYSNAP_TRUNCATED: st->py_truncated++; break;
	case PYSNAP_TORN: st->torn++; break;
	}
}

static struct sample_frame *push_frame(struct processor *p)
{
	grow_array((void **)&p->frames, &p->frames_cap, p->nframes, sizeof(*p->frames));
	p->frames[p->nframes] = (struct sample_frame){ 0 };
	return &p->frames[p->nframes++];
}

static void push_marker(struct processor *p, const char *text)
{
	struct sample_frame *f = push_frame(p);
	f->kind = FRAME_MARKER;
	f->name = text;
	f->interned = true;
}

static void push_python_frame(struct processor *p, const struct py_frame_ref *py)
{
	struct sample_frame *f = push_frame(p);

	/* Names and files are interned for the whole run (pycode.c). */
	f->kind = FRAME_PYTHON;
	f->addr = py->code;
	f->offset = py->instr;
	f->name = py->name ? py->name : "[unreadable code object]";
	f->module = py->name ? py->filename : NULL;
	f->line = p->opt->lines ? py->line : 0;
	f->first_line = py->first_line;
	f->interned = true;
	if (!py->name)
		p->st.frames_unnamed++;
}

static void push_native_frame(struct processor *p, const struct native_frame *nf,
			      const struct symbol *sym)
{
	struct sample_frame *f;

	for (size_t i = 0; i < sym->ninlined; i++) {
		f = push_frame(p);
		f->kind = FRAME_INLINED;
		f->addr = nf->pc;
		f->offset = sym->offset;
		f->name = sym->inlined[i];
		f->module = sym->module;
		f->build_id = sym->build_id;
	}
	f = push_frame(p);
	f->kind = FRAME_NATIVE;
	f->addr = nf->pc;
	f->offset = sym->offset;
	f->name = sym->name;
	f->module = sym->module;
	f->build_id = sym->build_id;
}

/* Unwinds, names and merges one snapshot, and adds its frames. */
static void push_merged(struct processor *p, struct native_session *np,
			const struct snapshot *snap)
{
	struct unwind_result *ur = &p->unwound;
	const struct py_runtime *rt = snap->rt;
	struct merge_input in;
	uint64_t start = now_ns(), elapsed;
	bool mismatch;
	size_t n;

	native_unwind(&np->unwinder, snap, p->opt->max_frames, ur);
	p->st.unwind_only_ns += now_ns() - start;
	p->st.unwind_end[ur->end]++;
	p->st.insn_frames += ur->insn_frames;
	p->st.native_frames += ur->n;
	grow_array((void **)&p->frame_syms, &p->frame_syms_cap, ur->n, sizeof(*p->frame_syms));
	for (size_t i = 0; i < ur->n; i++)
		symbolize(&np->syms, ur->frames[i].pc, ur->frames[i].exact, &p->frame_syms[i]);
	in = (struct merge_input){
		.native = ur->frames, .syms = p->frame_syms, .nnative = ur->n,
		.native_complete = ur->end == UNWIND_COMPLETE,
		.py = snap->py, .npy = snap->npy,
		.py_grouped = rt && rt->layout.frame_kind == PY_FRAMES_INTERPRETER,
		.runtime_module = rt ? rt->module : NULL,
		.native_all = p->opt->native_all,
	};
	grow_array((void **)&p->merged, &p->merged_cap, ur->n + snap->npy, sizeof(*p->merged));
	n = merge_stacks(&in, p->merged, &mismatch);
	p->st.merge_mismatch += mismatch && snap->npy;
	elapsed = now_ns() - start;
	p->st.unwind_ns_total += elapsed;
	histogram_add(&p->st.unwind_time, elapsed);
	for (size_t i = 0; i < n; i++) {
		size_t k = p->merged[i].index;
		if (p->merged[i].kind == MERGED_PYTHON)
			push_python_frame(p, &snap->py[k]);
		else
			push_native_frame(p, &ur->frames[k], &p->frame_syms[k]);
	}
	if (ur->end == UNWIND_CUT_BY_COPY)
		push_marker(p, "[stack cut at --stack-bytes]");
	else if (ur->end == UNWIND_MAX_FRAMES)
		push_marker(p, "[stack cut at --max-frames]");
	else if (ur->end == UNWIND_INSN_UNSURE)
		push_marker(p, "[native frames cut: no CFI, analysis unsure]");
	else if (ur->end == UNWIND_FAILED)
		push_marker(p, "[native frames cut: unreadable]");
}

void processor_handle(struct processor *p, const struct snapshot *snap)
{
	uint64_t waited = now_ns() - snap->time_ns;
	struct native_session *np = native_for(p, snap);
	char insn_text[160];
	struct sample_record r = {
		.comm = snap->comm,
		.thread_name = snap->py_thread_name[0] && !p->opt->os_thread_names
				       ? snap->py_thread_name
				       : NULL,
		.pid = p->opt->pid_namespace_target ? snap->ns_pid : snap->pid,
		.tid = p->opt->pid_namespace_target ? snap->ns_tid : snap->tid,
		.time_ns = snap->time_ns,
		.period_ns = p->period_ns,
	};

	if (waited > p->st.latency_ns_max)
		p->st.latency_ns_max = waited;
	count_status(&p->st, snap->py_status);
	if (snap->py_status == PYSNAP_TORN)
		return; /* counted; a mixed-up stack is worse than none */
	if (!snap->have_regs && !p->opt->nonblocking)
		p->st.regs_failed++;
	p->nframes = 0;
	if (np->ready && snap->have_regs && !snap->stack_left_out) {
		push_merged(p, np, snap);
	} else if (snap->npy && snap->rt) {
		for (size_t i = 0; i < snap->npy; i++)
			push_python_frame(p, &snap->py[i]);
	} else if (snap->have_regs) {
		/* No Python on this thread right now: say where it is natively. */
		struct sample_frame *f = push_frame(p);
		const struct map_entry *m = module_of(np, arch_regs_pc(&snap->regs));
		f->kind = FRAME_NATIVE;
		f->addr = arch_regs_pc(&snap->regs);
		f->module = m && m->path[0] ? m->path : NULL;
	}
	if (snap->stack_left_out)
		push_marker(p, "[native frames left out: processing behind]");
	/* Python frames past this point could not be read: say so where the
	 * missing callers would be, as for a cut native stack. */
	if (snap->py_status == PYSNAP_READ_FAILED)
		push_marker(p, "[Python frames cut: unreadable memory]");
	else if (snap->py_status == PYSNAP_CHAIN_CUT)
		push_marker(p, "[Python frames cut: caught between two frames]");
	else if (snap->py_status == PYSNAP_TRUNCATED)
		push_marker(p, "[Python frames cut: over --max-frames, or a cycle]");
	if (p->insn_text && snap->have_regs) {
		size_t len = snap->insn_len ? insn_format(p->insn_text, snap->insn, snap->insn_len,
							  arch_regs_pc(&snap->regs), insn_text,
							  sizeof(insn_text))
					    : 0;
		r.insn = snap->insn;
		r.insn_len = len;
		r.insn_text = len ? insn_text : "[unreadable]";
	}
	r.frames = p->frames;
	r.nframes = p->nframes;
	p->writer->ops->sample(p->writer, &r);
	p->st.records++;
	atomic_store_explicit(&p->written, p->st.records, memory_order_relaxed);
	if (p->writer->failed)
		atomic_store(&p->output_failed, true);
}

/*
 * The processing thread gives way to the target while it keeps up: on a
 * machine with as many busy threads as CPUs, it shares a CPU with the
 * target, and at normal priority it took that CPU from it at every batch
 * (split.py at 9999 Hz, 7 interleaved runs: slowdown 2.33x, against 2.09x
 * at nice 19).  When the queue fills, the sampling thread, which sees it
 * first, puts it back to its own priority (processor_note_backlog); once
 * it has caught up it gives way again.  Raising it from the processing
 * thread itself came too late: at nice 19 it waited for a CPU for
 * milliseconds, and --nonblocking at 50 kHz dropped 20% of its samples.
 * Only where a thread may raise its priority again (CAP_SYS_NICE,
 * RLIMIT_NICE): else it keeps the priority it started with throughout.
 */
static void give_way_at_start(struct processor *p)
{
	/* getpriority returns -1 for nice -1 too: errno tells. */
	errno = 0;
	p->tid = gettid();
	p->base_nice = getpriority(PRIO_PROCESS, (id_t)p->tid);
	if (errno != 0 || p->base_nice >= YIELD_NICE ||
	    setpriority(PRIO_PROCESS, (id_t)p->tid, p->base_nice - 1) != 0)
		return;
	if (setpriority(PRIO_PROCESS, (id_t)p->tid, YIELD_NICE) != 0) {
		setpriority(PRIO_PROCESS, (id_t)p->tid, p->base_nice);
		return;
	}
	atomic_store(&p->yielding, true);
	atomic_store_explicit(&p->gives_way, true, memory_order_release);
}

/* Back to its own priority if it was giving way; true if it was. */
static bool stop_giving_way(struct processor *p)
{
	if (!atomic_load_explicit(&p->gives_way, memory_order_acquire) ||
	    !atomic_load(&p->yielding) ||
	    setpriority(PRIO_PROCESS, (id_t)p->tid, p->base_nice) != 0)
		return false;
	atomic_store(&p->yielding, false);
	return true;
}

void processor_hurry(struct processor *p)
{
	stop_giving_way(p);
}

void processor_note_backlog(struct processor *p, unsigned fill_percent)
{
	if (fill_percent >= BEHIND_PERCENT && stop_giving_way(p))
		p->times_behind++;
}

/*
 * For the test suite only: processing that starts late, or that takes
 * long for every snapshot, as on a loaded machine, so that samples are
 * processed after their target exited or unmapped code
 * (tests/integration/test_exit.py).
 */
static long test_knob(const char *name, long max)
{
	const char *text = getenv(name);
	long v = text ? strtol(text, NULL, 10) : 0;

	return v > 0 && v <= max ? v : 0;
}

static void test_sleep_us(long us)
{
	if (us)
		nanosleep(&(struct timespec){ us / 1000000, (us % 1000000) * 1000 }, NULL);
}

static void *thread_main(void *arg)
{
	struct processor *p = arg;
	struct snapshot *batch[POP_BATCH];
	size_t n;

	long delay_each_us = test_knob("PYSAMPLE_TEST_PROCESS_EACH_US", 100000);
	/* A fault while reading a mapped file, as a truncated one makes. */
	long fault_after = test_knob("PYSAMPLE_TEST_SIGBUS_AFTER", 1000000);

	give_way_at_start(p);
	test_sleep_us(1000 * test_knob("PYSAMPLE_TEST_PROCESS_DELAY_MS", 60000));
	while ((n = snap_queue_pop(p->queue, batch, POP_BATCH)) > 0) {
		if (atomic_load(&p->abandon)) {
			p->abandoned += n;
			snap_queue_release(p->queue, batch, n);
			continue;
		}
		/* Caught up: give way again. */
		if (atomic_load_explicit(&p->gives_way, memory_order_relaxed) &&
		    !atomic_load(&p->yielding) && snap_queue_fill_percent(p->queue) == 0 &&
		    setpriority(PRIO_PROCESS, (id_t)p->tid, YIELD_NICE) == 0)
			atomic_store(&p->yielding, true);
		for (size_t i = 0; i < n; i++) {
			if (atomic_load(&p->abandon)) {
				p->abandoned += n - i;
				break;
			}
			test_sleep_us(delay_each_us);
			if (fault_after && p->st.records + 1 >= (uint64_t)fault_after)
				raise(SIGBUS);
			processor_handle(p, batch[i]);
		}
		snap_queue_release(p->queue, batch, n);
	}
	if (p->writer->ops->flush && !p->writer->ops->flush(p->writer))
		atomic_store(&p->output_failed, true);
	atomic_store(&p->finished, true);
	/* The sampling thread may be waiting for this (its signalfd takes
	 * SIGCHLD): a short program's run ends now, not at its next poll. */
	syscall(SYS_tgkill, getpid(), p->starter_tid, SIGCHLD);
	return NULL;
}

bool processor_start(struct processor *p, struct snap_queue *q)
{
	p->queue = q;
	p->starter_tid = gettid();
	p->running = pthread_create(&p->thread, NULL, thread_main, p) == 0;
	return p->running;
}

bool processor_output_failed(struct processor *p)
{
	return atomic_load(&p->output_failed);
}

bool processor_finished(struct processor *p)
{
	return !p->running || atomic_load(&p->finished);
}

void processor_abandon(struct processor *p)
{
	atomic_store(&p->abandon, true);
}

void processor_join(struct processor *p)
{
	if (p->running)
		pthread_join(p->thread, NULL);
	p->running = false;
	p->st.unwinder = p->unwind_ops ? p->unwind_ops->name : NULL;
	p->st.gave_way = atomic_load(&p->gives_way);
	p->st.times_behind = p->times_behind;
	p->st.abandoned = p->abandoned;
	p->st.output_failed = atomic_load(&p->output_failed);
	for (size_t i = 0; i < p->nsessions; i++) {
		struct symbolizer *syms = &p->sessions[i]->syms;
		p->st.symbol_cache_hits += syms->hits;
		p->st.symbol_cache_misses += syms->misses;
		syms->hits = syms->misses = 0;
	}
}
