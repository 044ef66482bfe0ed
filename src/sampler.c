/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sampler.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memread.h"
#include "summary.h"

/* The ring of stack copies waiting to be processed, and the size of a
 * typical copy, which sizes the pool of snapshots. */
#define QUEUE_BYTES (16u << 20)
#define SNAPSHOT_TYPICAL_BYTES 4096u
#define SAMPLER_NICE -10
#define SPIN_BELOW_PERIOD_NS 100000u
#define STOP_SPIN_NS 100000u
#define WAKE_BATCH 16
#define SATURATION_WINDOW_NS 200000000u
#define SATURATED_PERCENT 10
#define SATURATED_BUSY_PERCENT 50 /* of the window, on the sampling thread's CPU clock */
#define PLACEMENT_INTERVAL_NS 100000000u /* how often placement looks */
/* With every thread on a timer, how often the clock still wakes: to find
 * the interpreter, follow new processes, and end the run on time. */
#define HOUSEKEEPING_NS 10000000u
/* The shortest period per-thread timers are used for by default (10 kHz). */
#define TIMER_PERIOD_MIN_NS 100000u
/* How often threads' stack mappings are looked for (a read of the maps
 * per process that has a thread without one). */
#define STACK_LEARN_INTERVAL_NS 100000000u
#define FINISH_POLL_NS 100000000u
#define EXIT_POLL_NS 1000000u

void sampler_init(struct sampler *s, const struct options *opt, struct target *t,
		  struct writer *writer)
{
	/* Snapshots are bounded by the ring of stack bytes; the pool is sized
	 * for shallow stacks (a few KiB each). */
	size_t n = QUEUE_BYTES / SNAPSHOT_TYPICAL_BYTES;

	memset(s, 0, sizeof(*s));
	atomic_init(&s->stop_asked, false);
	s->opt = opt;
	s->target = t;
	s->period_ns = (uint64_t)(1e9 / opt->hz);
	if (!s->period_ns)
		s->period_ns = 1;
	/* Above 10 kHz a tick is shorter than a timer wake-up on a busy or
	 * virtual machine (40-60 us here): the sampling thread polls the clock
	 * between ticks instead of sleeping, at the cost of a CPU. */
	/* Polling for a stop helps only when the thread runs on another CPU
	 * meanwhile; on one CPU it would only delay the stop. */
	target_set_polling(t, s->period_ns < SPIN_BELOW_PERIOD_NS ? s->period_ns : 0,
			   sysconf(_SC_NPROCESSORS_ONLN) > 1 ? STOP_SPIN_NS : 0);
	/* A round over many sleeping threads (--idle) interrupted them all
	 * at once, and each waited stopped for the copies of those before it:
	 * beside 1,000 sleeping threads the median stop was 16.8 ms. */
	target_set_round_window(t, TARGET_ROUND_WINDOW);
	/* A --stack-bytes near the ring's size would leave room for one copy. */
	size_t span = snapshot_stack_span(opt->stack_bytes);
	size_t ring = span * 4 > QUEUE_BYTES ? span * 4 : QUEUE_BYTES;

	/* The processing thread is woken for batches, not for every round: a
	 * futex wake per round was a tenth of the sampling thread's time at
	 * 50 kHz --nonblocking, and at 9999 Hz each wake-up lands the
	 * processing thread on the target's CPU, in its way (5 interleaved runs,
	 * split.py at 9999 Hz: slowdown 2.52x woken per round, 1.71x per 16;
	 * the floor's 1.54x).  Waking it per round was once needed because
	 * its bursts were long (slow symbol look-ups); they no longer are. */
	snap_queue_init(&s->queue, n, opt->python_only ? 0 : ring, WAKE_BATCH);
	processor_init(&s->processor, opt, t->pid, s->period_ns, writer);
	if (opt->nonblocking)
		return;
	if (opt->stop_by_interrupt) {
		target_no_timers(t, "--stop-by=interrupt");
	} else if (!opt->stop_by_timer && s->period_ns < TIMER_PERIOD_MIN_NS) {
		/* A timer's tick costs the thread CPU of its own (the event's
		 * overflow, its signal, and the timer stopped and started at
		 * every switch): 44 us of the thread's CPU per tick on this
		 * project's 2-vCPU VM, against 13 us for a stop by interrupt
		 * (bench: doc/benchmarks.md, "Above 10 kHz").  Under a period of
		 * 100 us that is most of the period, and the ticks feed on the
		 * CPU they cost: split.py ran 10.8 times slower at 19999 Hz. */
		target_no_timers(t, "above 10000 Hz, where a timer's tick would cost a thread most of "
				    "its period (--stop-by=timer keeps timers)");
		pys_warn("above 10000 Hz running threads are stopped by interrupts, and samples drift "
			 "toward system calls: a timer's tick costs a thread tens of microseconds of "
			 "CPU, most of a period this short (--stop-by=timer keeps timers)");
	} else if (!target_start_timers(s->target, s->period_ns))
		pys_warn("running threads are stopped by interrupts, and samples drift toward system "
			 "calls: %s", s->target->timers.why);
}

void sampler_free(struct sampler *s)
{
	processor_free(&s->processor);
	snap_queue_free(&s->queue);
	for (size_t i = 0; i < s->target->nprocs; i++) {
		struct process_python *pp = s->target->procs[i]->python;
		if (!pp)
			continue;
		py_reader_free(&pp->py);
		py_code_cache_free(&pp->codes);
		free(pp);
		s->target->procs[i]->python = NULL;
	}
	free(s->round);
}

const char *sampler_python_unsupported(const struct sampler *s)
{
	for (size_t i = 0; i < s->target->nprocs; i++)
		if (s->target->procs[i]->python && s->target->procs[i]->python->py.unsupported[0])
			return s->target->procs[i]->python->py.unsupported;
	return NULL;
}

bool sampler_found_python(const struct sampler *s)
{
	for (size_t i = 0; i < s->target->nprocs; i++)
		if (s->target->procs[i]->python && s->target->procs[i]->python->py.nhistory)
			return true;
	return false;
}

/*
 * The Python half of a process's record: made at its first sample, and
 * its caches emptied when the process has exec'd since (code objects of
 * the old image are gone; interned names stay valid for snapshots still
 * queued).
 */
static struct process_python *python_of(struct sampler *s, struct process *p)
{
	struct process_python *pp = p->python;

	if (!pp) {
		pp = p->python = xcalloc(1, sizeof(*pp));
		pp->exec_gen = p->exec_gen;
		py_reader_init(&pp->py, p->pid, s->opt->max_frames);
		pp->py.runtime_by_scan = s->opt->runtime_by_scan;
		/* Thread states record the ids the threads see in their namespace. */
		pp->py.ns_pid = p->ns_pid ? p->ns_pid : p->pid;
		py_code_cache_init(&pp->codes);
	} else if (pp->exec_gen != p->exec_gen) {
		pp->exec_gen = p->exec_gen;
		py_reader_reset(&pp->py);
		py_code_cache_clear(&pp->codes);
	}
	return pp;
}

/*
 * Counts how the stop came and how late it was seen; false for a tick
 * whose stop is not where the thread was at the tick (the signal was
 * blocked for a while, so the thread ran on): such a sample would put the
 * time somewhere else, so it is dropped and counted.
 */
static bool stop_is_timely(struct sampler *s, struct thread *th, const struct stop *why,
			   const struct arch_regs *regs)
{
	struct stop_timing *tm = &s->timing;

	tm->by_cause[why->cause]++;
	if (why->asked_ns && why->seen_ns >= why->asked_ns)
		histogram_add(&tm->seen_after, why->seen_ns - why->asked_ns);
	if (regs) {
		int in_syscall = arch_stopped_in_syscall(th->tid, regs);
		if (in_syscall >= 0) {
			tm->syscall_known++;
			tm->on_syscall_exit += (uint64_t)in_syscall;
		}
	}
	if (why->cause != STOP_TICK || !why->have_tick)
		return true;
	tm->unrecorded += why->tick.lost;
	/* A tick in kernel mode (a system call, a page fault) stops the thread
	 * on its way back to user mode, where it entered the kernel. */
	if (arch_kernel_address(why->tick.ip)) {
		tm->in_kernel++;
		return true;
	}
	if (regs && arch_regs_pc(regs) != why->tick.ip) {
		tm->late++;
		return false;
	}
	return true;
}

/* --gil: whether a thread that stopped at its tick holds the GIL; the
 * holder is read while the thread is stopped, so it cannot change hands
 * meanwhile (unless to another thread, which then holds it). */
static bool holds_gil(struct process_python *pp, const struct thread *th)
{
	pid_t holder = py_reader_gil_holder(&pp->py);

	return holder < 0 || holder == (th->ns_tid ? th->ns_tid : th->tid);
}

/*
 * A stack copy reads from below the stack pointer up to --stack-bytes, or
 * to the first unmapped page.  Above a thread's stack (glibc puts the
 * guard page below it) there is often another readable mapping, copied
 * for nothing: 64 KiB at every stop of a shallow worker thread, 12-27 us
 * of a stop where a few KiB would do.  Where the thread's stack mapping is
 * known, the copy ends there.  A stack pointer outside it (a coroutine's
 * own stack, a signal stack) makes it learnt again.
 */
static bool clip_to_stack(struct thread *th, const struct arch_regs *regs, size_t *span)
{
	uint64_t sp = arch_regs_sp(regs), from = snapshot_stack_start(regs);

	th->last_sp = sp;
	if (!th->stack_end)
		return false;
	if (sp < th->stack_start || sp >= th->stack_end) {
		th->stack_end = 0;
		return false;
	}
	if (th->stack_end <= from || th->stack_end - from >= *span)
		return false;
	*span = (size_t)(th->stack_end - from);
	return true;
}

/* Finds the stack mapping of each thread that has a stack pointer and no
 * mapping yet: one read of the maps per such process, outside any stop. */
static void learn_stacks(struct sampler *s, uint64_t now)
{
	struct target *t = s->target;

	if (now - s->stacks_learnt_ns < STACK_LEARN_INTERVAL_NS)
		return;
	s->stacks_learnt_ns = now;
	for (size_t i = 0; i < t->nprocs; i++) {
		struct process *p = t->procs[i];
		struct proc_maps maps;
		bool wanted = false;
		for (size_t k = 0; k < t->nthreads && !wanted; k++)
			wanted = t->threads[k].pid == p->pid && !t->threads[k].stack_end &&
				 t->threads[k].last_sp;
		if (!wanted || p->gone || !procmaps_read(p->space, &maps))
			continue;
		for (size_t k = 0; k < t->nthreads; k++) {
			struct thread *th = &t->threads[k];
			const struct map_entry *m;
			if (th->pid != p->pid || th->stack_end || !th->last_sp)
				continue;
			m = procmaps_find(&maps, th->last_sp);
			/* An anonymous read-write mapping (a thread's), or the
			 * main thread's [stack]. */
			if (m && ((m->readable && m->writable && !m->path[0]) ||
				  strcmp(m->path, "[stack]") == 0)) {
				th->stack_start = m->start;
				th->stack_end = m->end;
			}
		}
		procmaps_free(&maps);
	}
}

/* Runs while the thread is stopped: copy, nothing else. */
static void take_snapshot(void *ctx, struct target *t, struct thread *th, const struct stop *why)
{
	struct sampler *s = ctx;
	struct process *p = target_process(t, th->pid);
	struct process_python *pp;
	struct snapshot *snap;
	struct arch_regs regs;
	bool have_regs = false;
	uint64_t start = now_ns();

	if (!p)
		return; /* not a followed process's: never asked for */
	pp = python_of(s, p);
	if (why->cause != STOP_NONE)
		have_regs = arch_get_regs(th->tid, &regs);
	if (!stop_is_timely(s, th, why, have_regs ? &regs : NULL))
		return;
	if (s->opt->gil && why->cause == STOP_TICK && !holds_gil(pp, th)) {
		s->timing.not_gil++;
		return;
	}
	size_t span = snapshot_stack_span(s->opt->stack_bytes);
	bool clipped = have_regs && clip_to_stack(th, &regs, &span);

	snap = snap_queue_take_free(&s->queue, s->opt->python_only ? 0 : span);
	if (!snap)
		return; /* processing is behind: counted as dropped */
	snapshot_reset(snap);
	snap->pid = th->pid;
	snap->space = p->space;
	/* The leader may have exited since: read through a live thread. */
	pp->py.pid = snap->space;
	snap->tid = th->tid;
	snap->ns_pid = p->ns_pid ? p->ns_pid : th->pid;
	snap->ns_tid = th->ns_tid ? th->ns_tid : th->tid;
	snap->time_ns = start;
	snap->exec_gen = pp->exec_gen;
	snap->rt = pp->py.published;
	/* Read from /proc at most once a second per thread. */
	memcpy(snap->comm, target_thread_comm(th), sizeof(snap->comm));
	snap->have_regs = have_regs;
	if (have_regs)
		snap->regs = regs;
	/* The stack copy rides on the syscall that reads the thread state
	 * (one process_vm_readv fewer per stop, 2-4 us here), or is made
	 * alone when that one is not made or stops short of it. */
	struct mem_tail stack = { 0 };
	if (snap->have_regs && snap->stack) /* a place in the ring: not --python-only */
		stack = (struct mem_tail){ snapshot_stack_start(&snap->regs), snap->stack, span, 0,
					   false };
	py_reader_snapshot(&pp->py, snap->ns_tid, snap, s->opt->nonblocking,
			   stack.buf ? &stack : NULL);
	if (!s->opt->python_only)
		snap_queue_copy_stack(&s->queue, snap, span, &stack);
	if (clipped)
		snap->stack_bounded = false; /* it ends where the stack does */
	if (s->opt->insn && snap->have_regs)
		snap->insn_len = (uint8_t)mem_read_partial(snap->space, arch_regs_pc(&snap->regs), snap->insn,
							   sizeof(snap->insn));
	grow_array((void **)&s->round, &s->round_cap, s->nround, sizeof(*s->round));
	s->round[s->nround++] = snap;
	s->st.stop_ns_total += now_ns() - start;
}

/* What a signal to pysample means: in attach mode, stop; in launch mode the
 * program decides, and pysample runs until it exits: it got Ctrl-C (or
 * Ctrl-\\) from the terminal itself, and the others, sent to pysample
 * (SIGTERM, SIGHUP, SIGUSR1, SIGALRM, ...), are passed on to it. */
static bool handle_own_signal(struct sampler *s)
{
	int sig = s->target->pending_signal;

	s->target->pending_signal = 0;
	if (!s->target->launched) {
		s->stop_reason = strsignal(sig);
		return true;
	}
	if (sig != SIGINT && sig != SIGQUIT)
		kill(s->target->pid, sig);
	return false;
}

/* Hands the snapshots taken since the last call to the processing thread.
 * The threads run again: their Python frames are named now, while the code
 * objects surely exist (processing may lag behind, and the target may have
 * exited by then). */
static void flush_round(struct sampler *s)
{
	if (!s->nround)
		return;
	for (size_t i = 0; i < s->nround; i++) {
		struct snapshot *snap = s->round[i];
		struct process *p = target_process(s->target, snap->pid);
		if (p && p->python && snap->rt && snap->npy)
			py_code_name_frames(&p->python->codes, snap->space, &snap->rt->layout, snap->py,
					    snap->npy);
	}
	s->st.snapshots += s->nround;
	processor_note_backlog(&s->processor, snap_queue_push(&s->queue, s->round, s->nround));
	s->nround = 0;
}

/* A process's exit waits (target_release_exits) until the samples taken
 * before it are processed; the processing thread need not give way to a
 * target that is stopped. */
static void let_exits_go(struct sampler *s)
{
	uint64_t pushed, released;

	if (!s->target->nexit_held)
		return;
	snap_queue_progress(&s->queue, &pushed, &released);
	if (target_release_exits(s->target, pushed, released))
		processor_hurry(&s->processor);
}

/*
 * The clock must not wait for a CPU.  When the target has as many runnable
 * threads as there are CPUs, a woken thread of normal priority waits for
 * the running one's time slice to end (2-4 ms here, with EEVDF): at 999 Hz
 * that cost 5% of the ticks.  The lowest real-time priority wakes at once;
 * the sampling thread sleeps until each deadline, so it takes no more CPU
 * than before (and real-time throttling bounds it).  Only this thread: the
 * processing thread, started before, stays at normal priority.  Where that
 * is not allowed (no CAP_SYS_NICE), a higher nice value is the next best.
 */
static void raise_priority(struct sampler *s)
{
	struct sched_param param = { .sched_priority = 1 };


	/* A thread that spins between ticks (above 10 kHz) never sleeps:
	 * at SCHED_FIFO the kernel's real-time throttling would stop it for
	 * 50 ms of every second (7% of the ticks lost at 50 kHz). */
	if (s->opt->realtime && !s->target->spin_ns &&
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0) {
		s->priority = "SCHED_FIFO";
		s->realtime_since_ns = now_ns();
		s->realtime_cpu_ns = thread_cpu_ns();
		return;
	}
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), SAMPLER_NICE) == 0) {
		s->priority = "nice -10";
		return;
	}
	pys_debug("sampling thread keeps its priority: %s", strerror(errno));
	s->priority = "normal";
}

/*
 * Real-time priority is for a sampling thread that wakes, copies and
 * sleeps.  One that misses over 10% of its ticks while busy most of the
 * time (a rate its per-sample work cannot sustain: deep stacks at 9999 Hz)
 * would only take CPU from the target: it goes back to normal scheduling
 * for the rest of the run.  Ticks missed while mostly idle (a loaded
 * machine, a hypervisor that took the CPU away) are no reason: at normal
 * priority it would miss more of them, and whole seconds of a busy test
 * suite went unsampled that way.
 */
static void check_saturation(struct sampler *s)
{
	uint64_t now = now_ns(), ticks, missed, cpu;

	if (!s->realtime_since_ns || now - s->realtime_since_ns < SATURATION_WINDOW_NS)
		return;
	ticks = s->st.rounds - s->realtime_rounds;
	missed = s->st.ticks_missed - s->realtime_missed;
	cpu = thread_cpu_ns();
	if (missed * 100 > (ticks + missed) * SATURATED_PERCENT &&
	    (cpu - s->realtime_cpu_ns) * 100 > (now - s->realtime_since_ns) * SATURATED_BUSY_PERCENT) {
		struct sched_param param = { .sched_priority = 0 };
		if (sched_setscheduler(0, SCHED_OTHER, &param) == 0) {
			s->priority = "SCHED_FIFO, then normal (saturated)";
			s->realtime_since_ns = 0;
			return;
		}
	}
	s->realtime_since_ns = now;
	s->realtime_cpu_ns = cpu;
	s->realtime_rounds = s->st.rounds;
	s->realtime_missed = s->st.ticks_missed;
}

/* Where the target's threads that ran in the last interval are now, and
 * pysample's own threads off those CPUs (placement.h).  Outside any stop;
 * a /proc read per running thread, ten times a second. */
static void place_threads(struct sampler *s, uint64_t now)
{
	pid_t pids[PLACEMENT_MAX_WATCHED], tids[PLACEMENT_MAX_WATCHED];
	size_t n;

	s->placed_ns = now;
	if (!s->placement.on)
		return;
	n = target_recent_runners(s->target, now - PLACEMENT_INTERVAL_NS, pids, tids,
				  PLACEMENT_MAX_WATCHED);
	placement_update(&s->placement, pids, tids, n);
}

void sampler_stop(struct sampler *s)
{
	atomic_store(&s->stop_asked, true);
}

void sampler_run(struct sampler *s)
{
	uint64_t next, end = 0;

	if (!processor_start(&s->processor, &s->queue)) {
		pys_error("cannot start the processing thread");
		s->stop_reason = "no processing thread";
		return;
	}
	/* Deadlines are absolute; the default 50 us timer slack would make
	 * every wake-up late and the achieved rate drift at high rates. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	raise_priority(s);
	placement_init(&s->placement, s->opt->placement);
	s->st.start_ns = now_ns();
	next = s->st.start_ns + s->period_ns;
	if (s->opt->duration > 0)
		end = s->st.start_ns + (uint64_t)(s->opt->duration * 1e9);
	for (;;) {
		uint64_t now, wake = next;

		/* A held exit is looked at again soon: processing may catch up
		 * before the next tick, which can be far away. */
		if (s->target->nexit_held && now_ns() + EXIT_POLL_NS < wake)
			wake = now_ns() + EXIT_POLL_NS;
		target_wait_until(s->target, end && end < wake ? end : wake, take_snapshot, s);
		flush_round(s);
		let_exits_go(s);

		if (s->target->exited) {
			s->stop_reason = "target exited";
			break;
		}
		if (s->target->pending_signal && handle_own_signal(s))
			break;
		if (atomic_load_explicit(&s->stop_asked, memory_order_relaxed)) {
			s->stop_reason = "stopped from the live view";
			break;
		}
		if (pys_fatal_pending())
			pys_fatal(pys_fatal_pending()); /* on this thread, which can let the target go */
		/* Nothing more can be written: stopping the target on would only
		 * cost it. */
		if (processor_output_failed(&s->processor)) {
			s->stop_reason = "the profile could not be written";
			break;
		}
		now = now_ns();
		if (end && now >= end) {
			s->stop_reason = "duration reached";
			break;
		}
		if (now < next)
			continue;
		target_check_timers(s->target);
		if (now - s->placed_ns >= PLACEMENT_INTERVAL_NS)
			place_threads(s, now);
		if (!s->opt->python_only)
			learn_stacks(s, now);
		/* Discovery and thread-state lists, outside any stop. */
		for (size_t i = 0; i < s->target->nprocs; i++)
			if (!s->target->procs[i]->gone)
				py_reader_prepare(&python_of(s, s->target->procs[i])->py);
		/* Threads on a CPU stop by themselves at their timers' ticks; the
		 * clock's rounds are for the others (--idle, --gil, threads
		 * without a timer).  Without any, it only keeps house. */
		if (!s->opt->nonblocking &&
		    !target_rounds_needed(s->target, s->opt->idle || s->opt->gil)) {
			next = now + (s->period_ns > HOUSEKEEPING_NS ? s->period_ns : HOUSEKEEPING_NS);
			continue;
		}
		if (now - next >= s->period_ns) {
			/* Fell behind: skip the lost deadlines and count them, rather
			 * than sampling in a burst or silently less often. */
			uint64_t missed = (now - next) / s->period_ns;
			s->st.ticks_missed += missed;
			next += missed * s->period_ns;
		}
		next += s->period_ns;

		check_saturation(s);
		pid_t only = 0;
		if (s->opt->gil) {
			/* The holder is read before anyone is stopped: a tid, or
			 * nobody when the GIL is free (no sample this tick). */
			struct process *main_proc = target_process(s->target, s->target->pid);
			only = main_proc ? py_reader_gil_holder(&python_of(s, main_proc)->py) : -1;
			if (only > 0) /* the namespace's id: find the host's */
				only = target_host_tid(s->target, only);
			if (only == 0) {
				s->st.gil_free++;
				s->st.rounds++;
				continue;
			}
			if (only < 0) {
				s->st.gil_unknown++;
				only = 0; /* cannot tell: sample as without --gil */
			}
		}
		/* The GIL holder is sampled even if not on a CPU this instant:
		 * holding the GIL is what --gil measures. */
		bool any_state = s->opt->idle || (s->opt->gil && only > 0);
		if (s->opt->nonblocking)
			target_visit_running(s->target, any_state, only, take_snapshot, s);
		else
			target_sample_round(s->target, any_state, only, take_snapshot, s, next);
		s->st.rounds++;
		flush_round(s);
		let_exits_go(s);
	}
	s->st.end_ns = now_ns();
	s->timer_cpu_ns = target_timer_cpu_ns(s->target);
	target_stop_timers(s->target);
	if (!s->opt->nonblocking) {
		target_collect_pending(s->target, take_snapshot, s);
		flush_round(s);
	}
}

/*
 * The target runs on (detached); the last snapshots are processed.  A
 * deep backlog can take a while: a signal (Ctrl-C) stops it after the
 * sample in hand, and a second one ends pysample at once.
 */
void sampler_finish(struct sampler *s)
{
	bool asked = false;

	/* Nothing to give way to now but a target that runs on detached:
	 * at nice 19 beside two busy threads, the first sample's debug
	 * information took 2 s to load, and the user waited for it. */
	processor_hurry(&s->processor);
	snap_queue_close(&s->queue);
	while (!processor_finished(&s->processor)) {
		if (pys_fatal_pending())
			pys_fatal(pys_fatal_pending());
		int sig = target_wait_signal(s->target, now_ns() + FINISH_POLL_NS);
		if (!sig)
			continue;
		if (asked) {
			fprintf(stderr, "pysample: %s again: stopped at once; the profile is "
					"incomplete\n",
				strsignal(sig));
			_exit(128 + sig);
		}
		asked = true;
		fprintf(stderr, "pysample: %s: the samples still queued are not written (again to "
				"stop at once)\n",
			strsignal(sig));
		processor_abandon(&s->processor);
	}
	processor_join(&s->processor);
}

void sampler_report(const struct sampler *s, struct run_report *r)
{

	memset(r, 0, sizeof(*r));
	r->opt = s->opt;
	r->stop_reason = s->stop_reason;
	r->priority = s->priority;
	r->placement = &s->placement;
	r->seconds = (double)(s->st.end_ns - s->st.start_ns) / 1e9;
	if (r->seconds <= 0)
		r->seconds = 1e-9;
	r->sampling = &s->st;
	r->stops = &s->timing;
	r->timer_cpu_ns = s->timer_cpu_ns;
	r->target = &s->target->stats;
	r->follow_children = s->target->follow_children;
	r->timers_off = s->target->timers.available ? NULL : s->target->timers.why;
	r->timer_why = s->target->timer_why;
	r->processing = &s->processor.st;
	r->queue = &s->queue.st;
	for (size_t i = 0; i < s->target->nprocs; i++) {
		const struct process_python *pp = s->target->procs[i]->python;
		if (pp) {
			r->code_cache_hits += pp->codes.hits;
			r->code_cache_misses += pp->codes.misses;
			r->code_cache_bad += pp->codes.bad;
		}
	}
	summary_note_usage(r);
}
