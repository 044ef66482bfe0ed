/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target control, the stops: what each wait status means, sampling a
 * thread at its tick or a round's interrupt, exits held, and detaching. */
#include "target-internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define STOP_TIMEOUT_NS 200000000u  /* a stop that takes longer is given up on */
#define DETACH_TIMEOUT_NS 2000000000u
#define RESTOP_TIMEOUT_NS 500000000u
#define EXIT_HOLD_MAX_NS 3000000000u /* a process's exit is held up at most this long */
/* Waiting for timer ticks: how long past the time a tick's stop was due
 * the sampling thread keeps polling for it (a thread that blocked meanwhile
 * will not tick), and its guess of its own wake-up lateness at the start. */
#define TICK_SLACK_NS 100000u
/* A runnable thread without a tick for this long (or two periods, if
 * longer) does not run steadily.  Not less: at 9999 Hz a thread that ran
 * all along was sometimes 200 us past its tick on a busy machine, and an
 * interrupt sent to a running thread lands at its next system call's
 * exit (a C loop's 1.8% in getppid became 6%). */
#define IDLE_OVERDUE_MIN_NS 2000000u
#define WAKE_LATE_GUESS_NS 60000u

void tgt_resume(pid_t tid, int sig)
{
	/* ESRCH: the thread died meanwhile; its exit will be reported. */
	ptrace(PTRACE_CONT, tid, NULL, (void *)(long)sig);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void sample(struct target *t, struct thread *th, target_stop_fn fn, void *ctx,
		   const struct stop *why)
{
	t->stops_sampled++;
	fn(ctx, t, th, why);
}

/*
 * Any ptrace stop clears a pending PTRACE_INTERRUPT (the kernel drops the
 * STOP trap at every trap), so a thread that stops for an event or a
 * signal after being interrupted never reports the interrupt's stop.  It
 * is stopped now all the same: take its sample here.
 */
static bool sample_at_other_stop(struct target *t, struct thread *th, target_stop_fn fn, void *ctx)
{
	bool sampled = th->in_round;

	th->interrupt_sent = false;
	if (!sampled)
		return false;
	th->in_round = false;
	sample(t, th, fn, ctx, &(struct stop){ STOP_OTHER, th->interrupt_ns, now_ns(), false, { 0 } });
	histogram_add(&t->stats.stop_time, now_ns() - th->interrupt_ns);
	return true;
}

/* A signal-delivery stop for the thread's own timer: its tick (the timer
 * may have been closed since the tick was sent). */
static bool is_tick(struct thread *th, int sig)
{
	siginfo_t si;

	return (sig == th->timer.signo || sig == th->timer.old_signo) &&
	       ptrace(PTRACE_GETSIGINFO, th->tid, NULL, &si) == 0 &&
	       cpu_timer_is_tick(&th->timer, &si);
}

/* The thread stopped at its tick: sample it there, and let it run on
 * without the signal.  A round's interrupt on its way is served too (the
 * stop cleared it), with the better sample. */
static bool sample_tick(struct target *t, struct thread *th, target_stop_fn fn, void *ctx)
{
	struct stop why = { STOP_TICK, 0, now_ns(), false, { 0 } };
	bool in_round = th->in_round;

	if (!cpu_timer_active(&th->timer)) {
		/* Sent before its timer was closed (the run is ending): the
		 * signal is dropped, as every tick's is. */
		tgt_resume(th->tid, 0);
		return false;
	}
	th->ticks++;
	th->interrupt_sent = false;
	th->in_round = false;
	why.have_tick = cpu_timer_last_tick(&th->timer, &why.tick);
	if (why.have_tick)
		why.asked_ns = why.tick.time_ns;
	sample(t, th, fn, ctx, &why);
	tgt_resume(th->tid, 0);
	uint64_t now = now_ns();
	if (why.have_tick)
		histogram_add(&t->stats.stop_time, now - why.tick.time_ns);
	/* Between two ticks of a thread that ran all along: the next one's
	 * stop is due that long after this resume.  Quick to learn a shorter
	 * gap (a long one may include pysample's own lateness), slow to
	 * believe a longer one. */
	if (th->resumed_ns && why.seen_ns - th->resumed_ns < 3 * t->timers.period_ns) {
		uint64_t gap = why.seen_ns - th->resumed_ns;
		if (!th->tick_gap_ns || gap < th->tick_gap_ns)
			th->tick_gap_ns = gap;
		else
			th->tick_gap_ns += (gap - th->tick_gap_ns) / 16;
	}
	th->resumed_ns = now;
	return in_round;
}

/* What a wait status says happened to a task, once the bookkeeping that
 * every reader of statuses owes (sampling or detaching) is done. */
enum task_event {
	TASK_NONE,       /* nothing to act on (continued) */
	TASK_GONE,       /* exited or killed: no longer in the list */
	TASK_FOREIGN,    /* first stop of a task of a process not followed */
	TASK_TICK,       /* signal-delivery stop for its own timer's tick */
	TASK_SIGNAL,     /* signal-delivery stop for any other signal */
	TASK_GROUP_STOP, /* job-control stop */
	TASK_STOPPED,    /* PTRACE_EVENT_STOP: an interrupt, or a new task's first */
	TASK_NEW_CHILD,  /* clone, fork or vfork: the new task is in the list */
	TASK_EXEC,       /* exec: its other threads gone, the address space new */
	TASK_EXITING,    /* PTRACE_EVENT_EXIT: the last moment it is whole */
	TASK_OTHER,      /* another ptrace event stop */
};

struct task_status {
	enum task_event event;
	struct thread *th; /* the task, after the bookkeeping; NULL when gone */
	int sig;           /* TASK_SIGNAL, TASK_TICK, TASK_GROUP_STOP */
	pid_t child;       /* TASK_NEW_CHILD: the new task (0: none to follow) */
	bool was_in_round; /* it was to be sampled in the current round */
};

/* A new task reported by its parent's clone, fork or vfork event. */
static pid_t note_new_child(struct target *t, struct thread *parent, int event)
{
	unsigned long msg = 0;
	pid_t child, tgid;

	/* The new task may have lived and been reaped already (its events
	 * can come first): then it is not added back. */
	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, NULL, &msg) != 0 || !msg)
		return 0;
	child = (pid_t)msg;
	if (tgt_find_thread(t, child))
		return child;
	if (!tgt_task_exists(child))
		return 0;
	/* fork and vfork make a process; clone a thread, unless without
	 * CLONE_THREAD.  Unreadable (no file left to read it with): a clone
	 * event is, but for the rarest flags, a new thread. */
	tgid = event == PTRACE_EVENT_CLONE ? procfs_tgid(child) : child;
	if (tgid <= 0)
		tgid = parent->pid;
	if (tgid == parent->pid)
		tgt_add_thread(t, child, parent->pid, !parent->foreign);
	else
		tgt_add_new_thread(t, child, tgid);
	return child;
}

/* The exec'ing thread now has the leader's tid, and every other thread of
 * its process is gone; the address space is new. */
static struct thread *note_exec(struct target *t, struct thread *th)
{
	pid_t pid = th->pid;
	struct process *proc = target_process(t, pid);

	for (size_t i = t->nthreads; i-- > 0;)
		if (t->threads[i].pid == pid && t->threads[i].tid != pid)
			tgt_remove_thread(t, &t->threads[i]);
	th = tgt_add_thread(t, pid, pid, true);
	th->comm_read_ns = 0;
	/* Its timer was the task's before the exec, or another thread's whose
	 * tid this one took: a new one, for this task. */
	tgt_stop_timer(t, th);
	tgt_start_timer(t, th);
	/* An interrupt sent before the exec is consumed by it: without this
	 * reset the leader would never be sampled again. */
	th->interrupt_sent = false;
	th->in_round = false;
	if (proc)
		proc->exec_gen++;
	t->stats.execs++;
	return th;
}

/* Reads one wait status into `out`, keeping the thread and process lists
 * true to it (both while sampling and while detaching). */
static void read_status(struct target *t, pid_t tid, int status, struct task_status *out)
{
	struct thread *th = tgt_find_thread(t, tid);
	int event;

	memset(out, 0, sizeof(*out));
	out->was_in_round = th && th->in_round;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tid == t->pid) {
			t->exited = true;
			t->exit_status = status;
		}
		if (th && th->tid == th->pid && target_process(t, th->pid))
			tgt_process_gone(t, target_process(t, th->pid));
		if (th) {
			if (th->in_round)
				t->stats.samples_lost_exit++;
			tgt_remove_thread(t, th);
		}
		out->event = TASK_GONE;
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!th)
		th = tgt_add_new_thread(t, tid, procfs_tgid(tid));
	out->th = th;
	out->sig = WSTOPSIG(status);
	event = status >> 16;
	switch (event) {
	case 0:
		out->event = is_tick(th, out->sig) ? TASK_TICK : TASK_SIGNAL;
		break;
	case PTRACE_EVENT_STOP:
		out->event = th->foreign ? TASK_FOREIGN
					 : is_stop_signal(out->sig) ? TASK_GROUP_STOP : TASK_STOPPED;
		break;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		out->event = TASK_NEW_CHILD;
		out->child = note_new_child(t, th, event);
		out->th = tgt_find_thread(t, tid); /* the list may have moved */
		break;
	case PTRACE_EVENT_EXEC:
		out->event = TASK_EXEC;
		out->th = note_exec(t, th);
		break;
	case PTRACE_EVENT_EXIT:
		out->event = TASK_EXITING;
		th->exiting = true;
		if (th->tid == th->pid)
			tgt_move_space(t, th); /* if it is only the leader that leaves */
		break;
	default:
		out->event = TASK_OTHER;
		break;
	}
}

/*
 * Handles one wait status while sampling.  `fn` is called for a thread that
 * stopped for the current round.  Returns true when the thread in question
 * finished its part of the round (sampled, or gone).
 */
static bool dispatch(struct target *t, pid_t tid, int status, target_stop_fn fn, void *ctx)
{
	struct task_status st;
	struct thread *th;
	bool sampled;

	read_status(t, tid, status, &st);
	th = st.th;
	switch (st.event) {
	case TASK_NONE:
		return false;
	case TASK_GONE:
		return st.was_in_round;
	case TASK_TICK:
		return sample_tick(t, th, fn, ctx);
	case TASK_FOREIGN:
		/* A child process not followed: not ours to sample. */
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		tgt_remove_thread(t, th);
		return false;
	case TASK_GROUP_STOP:
		/* Job control: keep the thread stopped without holding it in a
		 * ptrace stop, so SIGCONT works as it would untraced. */
		th->group_stopped = true;
		th->interrupt_sent = false;
		ptrace(PTRACE_LISTEN, tid, NULL, NULL);
		if (th->in_round) {
			th->in_round = false;
			t->stats.samples_skipped_stopped++;
			return true;
		}
		return false;
	case TASK_STOPPED:
		th->group_stopped = false;
		th->interrupt_sent = false;
		if (th->in_round) {
			th->in_round = false;
			sample(t, th, fn, ctx,
			       &(struct stop){ STOP_INTERRUPT, th->interrupt_ns, now_ns(), false, { 0 } });
			tgt_resume(tid, 0);
			histogram_add(&t->stats.stop_time, now_ns() - th->interrupt_ns);
			return true;
		}
		tgt_resume(tid, 0);
		return false;
	case TASK_EXEC:
		tgt_resume(th->tid, 0);
		return st.was_in_round;
	case TASK_EXITING:
		/* A leader's exit is the process's (or, rarely, only the
		 * leader's own): it waits here while samples taken before still
		 * need its memory.  Threads that a group exit kills do not stop
		 * here at all. */
		sampled = sample_at_other_stop(t, th, fn, ctx);
		if (th->tid == th->pid && !th->foreign && !th->exit_held) {
			th->exit_held = true;
			th->exit_held_ns = now_ns();
			th->exit_hold_mark = UINT64_MAX;
			t->nexit_held++;
			t->stats.exits_held++;
		} else if (!th->exit_held) {
			tgt_resume(tid, 0);
		}
		return sampled;
	case TASK_SIGNAL:
		/* Signal-delivery stop: pass the signal on untouched. */
		sampled = sample_at_other_stop(t, th, fn, ctx);
		t->stats.signals_forwarded++;
		tgt_resume(tid, st.sig);
		return sampled;
	case TASK_NEW_CHILD:
	case TASK_OTHER:
		sampled = sample_at_other_stop(t, th, fn, ctx);
		tgt_resume(tid, 0);
		return sampled;
	}
	return false;
}

static void drain_signalfd(struct target *t)
{
	struct signalfd_siginfo si;

	while (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGCHLD)
			t->pending_signal = (int)si.ssi_signo;
	}
}

/* Waits on the signalfd until deadline; true if something may be ready. */
bool tgt_wait_signalfd(struct target *t, uint64_t deadline_ns)
{
	struct pollfd pfd = { t->sigfd, POLLIN, 0 };
	uint64_t now = now_ns();
	struct timespec ts;
	int r;

	if (now >= deadline_ns)
		return false;
	ts.tv_sec = (time_t)((deadline_ns - now) / 1000000000u);
	ts.tv_nsec = (long)((deadline_ns - now) % 1000000000u);
	r = ppoll(&pfd, 1, &ts, NULL);
	if (r > 0)
		drain_signalfd(t);
	return r > 0;
}

int target_wait_signal(struct target *t, uint64_t deadline_ns)
{
	int sig;

	if (!t->pending_signal)
		tgt_wait_signalfd(t, deadline_ns);
	sig = t->pending_signal;
	t->pending_signal = 0;
	return sig;
}

static void noop_stop(void *ctx, struct target *t, struct thread *th, const struct stop *why)
{
	(void)ctx;
	(void)t;
	(void)th;
	(void)why;
}

/* Reaps every status that is ready; returns how many threads finished their
 * part of the round. */
static size_t reap(struct target *t, target_stop_fn fn, void *ctx)
{
	size_t finished = 0;
	int status;
	pid_t tid;

	while ((tid = waitpid(-1, &status, __WALL | WNOHANG)) > 0)
		finished += dispatch(t, tid, status, fn, ctx);
	if (tid < 0 && errno == ECHILD)
		t->exited = true;
	return finished;
}

/*
 * When the next tick's stop is due, of the threads that ran on since their
 * last one (UINT64_MAX: none is).  A thread stopped at its tick waits for
 * pysample: a sampling thread asleep then wakes 30-50 us late (more on a
 * virtual machine), every bit of it added to the target's stop.  So it
 * wakes before the stop is due, and polls.
 */
static uint64_t next_tick_due(const struct target *t, uint64_t now)
{
	uint64_t due = UINT64_MAX;

	if (!t->timers_on)
		return due;
	for (size_t i = 0; i < t->nthreads; i++) {
		const struct thread *th = &t->threads[i];
		uint64_t at;
		if (!th->resumed_ns || !cpu_timer_active(&th->timer))
			continue;
		at = th->resumed_ns + (th->tick_gap_ns ? th->tick_gap_ns : t->timers.period_ns);
		if (at + TICK_SLACK_NS > now && at < due)
			due = at;
	}
	return due;
}

void target_wait_until(struct target *t, uint64_t deadline_ns, target_stop_fn fn, void *ctx)
{
	uint64_t sampled = t->stops_sampled;
	size_t held = t->nexit_held;

	if (!t->wake_late_ns)
		t->wake_late_ns = WAKE_LATE_GUESS_NS;
	for (;;) {
		uint64_t now, due, margin = t->wake_late_ns + t->wake_late_ns / 2;
		reap(t, fn, ctx);
		/* A new exit held is looked at at once: it waits for processing,
		 * which may be done, and the next deadline may be far. */
		if (t->exited || t->pending_signal || t->stops_sampled != sampled ||
		    t->nexit_held > held)
			return;
		now = now_ns();
		if (now >= deadline_ns)
			return;
		due = next_tick_due(t, now);
		if (due != UINT64_MAX && due <= now + margin)
			continue; /* a tick's stop is due: poll for it */
		if (due != UINT64_MAX && due - margin < deadline_ns) {
			/* Sleep until shortly before it, learning how late that is. */
			uint64_t until = due - margin;
			if (!tgt_wait_signalfd(t, until) && now_ns() > until) {
				uint64_t late = now_ns() - until;
				t->wake_late_ns += ((int64_t)late - (int64_t)t->wake_late_ns) / 8;
			}
			continue;
		}
		/* Closer to the deadline than a wake-up takes: spin on the
		 * clock (no syscall: a wait4 and a signalfd read per turn were
		 * a quarter of the sampling thread at 50 kHz).  What arrives
		 * meanwhile is reaped at the deadline. */
		if (deadline_ns - now <= t->spin_ns) {
			while (now_ns() < deadline_ns)
				;
			drain_signalfd(t);
			continue;
		}
		tgt_wait_signalfd(t, deadline_ns - t->spin_ns);
	}
}

/*
 * With --idle, whether a thread with a timer gets this round's sample from
 * its tick.  One whose timer stopped it within the last period has had it:
 * asking its state would cost a read per round that takes a CPU from the
 * target at each tick.  One that runs steadily gets it at its next tick,
 * and an interrupt would reach it late.  But a runnable thread without a
 * tick for two periods, and at least IDLE_OVERDUE_MIN_NS, does not run
 * steadily: it waits for a CPU (no CPU time, no tick), or runs in bursts
 * shorter than a period between sleeps (a thread handing the GIL back and
 * forth): at 999 Hz, skipping those lost a fifth of such a thread's
 * ticks.  It is interrupted like a sleeper: a waiting one stops where it
 * was preempted once it runs again (its sample in flight meanwhile, so a
 * long wait counts once), a bursty one where the interrupt reaches it.
 */
static bool has_tick_coming(struct target *t, struct thread *th, uint64_t now)
{
	uint64_t period = t->timers.period_ns;
	uint64_t overdue = 2 * period > IDLE_OVERDUE_MIN_NS ? 2 * period : IDLE_OVERDUE_MIN_NS;

	if (now - th->resumed_ns < period)
		return true;
	if (!tgt_thread_running(t, th))
		return false;
	return now - th->resumed_ns < overdue;
}

static bool send_interrupt(struct thread *th)
{
	th->interrupt_ns = now_ns();
	if (ptrace(PTRACE_INTERRUPT, th->tid, NULL, NULL) != 0)
		return false;
	th->interrupt_sent = true;
	th->in_round = true;
	return true;
}

/* A thread asked to stop this long ago and not stopped yet (waiting for
 * a CPU, or in an uninterruptible sleep) no longer holds its place in a
 * round's window: the others are not kept waiting for it. */
#define WINDOW_STALL_NS 1000000u

/* A thread a round queued: its id, and where it was in t->threads (the
 * list only changes when a thread comes or goes, rarely within a round). */
struct queued {
	pid_t tid;
	size_t at;
};

static struct thread *queued_thread(struct target *t, struct queued *q)
{
	struct thread *th;

	if (q->at < t->nthreads && t->threads[q->at].tid == q->tid)
		return &t->threads[q->at];
	th = tgt_find_thread(t, q->tid);
	if (th)
		q->at = (size_t)(th - t->threads);
	return th;
}

/*
 * Interrupts the next threads of `queue`, in order, while fewer than
 * t->round_window are on their way to their stop; returns how many it
 * interrupted.  `*first_open` skips the start of the queue whose threads
 * are done.
 */
static size_t fill_window(struct target *t, struct queued *queue, size_t nqueue, size_t *next,
			  size_t *first_open)
{
	uint64_t now = now_ns();
	size_t in_flight = 0, sent = 0;

	for (; *first_open < *next; (*first_open)++) {
		struct thread *th = queued_thread(t, &queue[*first_open]);
		if (th && th->in_round && now - th->interrupt_ns < WINDOW_STALL_NS)
			break;
	}
	for (size_t i = *first_open; i < *next; i++) {
		struct thread *th = queued_thread(t, &queue[i]);
		in_flight += th && th->in_round && now - th->interrupt_ns < WINDOW_STALL_NS;
	}
	while (*next < nqueue && in_flight < t->round_window) {
		struct thread *th = queued_thread(t, &queue[(*next)++]);
		if (th && !th->in_round && send_interrupt(th)) {
			in_flight++;
			sent++;
		}
	}
	return sent;
}

size_t target_sample_round(struct target *t, bool idle, pid_t only_tid, target_stop_fn fn,
			   void *ctx, uint64_t wait_until_ns)
{
	size_t pending = 0, sampled = 0, nqueue = 0, queue_cap = 0, next = 0, first_open = 0;
	struct queued *queue = NULL;
	uint64_t now = now_ns();

	sampled += reap(t, fn, ctx);
	for (size_t k = 0; k < t->nthreads; k++) {
		/* With a window, a round that ends before its queue does goes
		 * on from there the next time: every thread gets its turn. */
		size_t i = t->round_window ? (t->round_cursor + k) % t->nthreads : k;
		struct thread *th = &t->threads[i];
		/* Still on its way to the stop an earlier round asked for (a
		 * runnable thread waits for a CPU first): one sample in flight
		 * per thread, unless it is overdue. */
		if (th->in_round) {
			if (now - th->interrupt_ns < STOP_TIMEOUT_NS) {
				pending++;
				continue;
			}
			th->in_round = false;
			t->stats.samples_lost_timeout++;
		}
		if (th->group_stopped || th->foreign || th->exiting ||
		    (only_tid && th->tid != only_tid))
			continue;
		/* An interrupt whose stop never came (given up on after
		 * STOP_TIMEOUT_NS) would keep the thread out of every later
		 * round: ask again once it is well overdue. */
		if (th->interrupt_sent && now - th->interrupt_ns < 5 * STOP_TIMEOUT_NS)
			continue;
		/* A thread on a CPU is its timer's to sample, at its tick; an
		 * interrupt would reach it tens of microseconds later, or at the
		 * end of its next system call.  One not on a CPU stops where it
		 * is (asleep in a system call, or where it was preempted).  One
		 * whose timer stopped it within the last period has had its
		 * sample for it: asking its state would cost a read per round
		 * that takes a CPU from the target at each tick. */
		if (cpu_timer_active(&th->timer) && (!idle || has_tick_coming(t, th, now)))
			continue;
		if (!idle && !tgt_thread_running(t, th))
			continue;
		if (t->round_window) {
			grow_array((void **)&queue, &queue_cap, nqueue, sizeof(*queue));
			queue[nqueue++] = (struct queued){ th->tid, i };
		} else if (send_interrupt(th)) {
			pending++;
		}
	}
	/*
	 * Collect the stops until the next tick; those that come later are
	 * collected by target_wait_until, or by the next round.  A thread on
	 * a CPU reaches its stop within tens of microseconds.  Sleeping until
	 * it does adds a wake-up of pysample to every stop, during which the
	 * thread waits stopped: polling for a short while instead halved the
	 * time a thread stays stopped here (34 -> 18 us median), and with it
	 * the target's slowdown at 9999 Hz.  A thread that must first wait for
	 * a CPU is slept on.  With a window, the queue's threads are
	 * interrupted as earlier ones are done.
	 */
	uint64_t spin_until = now_ns() + t->stop_spin_ns;
	for (;;) {
		if (next < nqueue)
			pending += fill_window(t, queue, nqueue, &next, &first_open);
		if ((!pending && next >= nqueue) || t->exited)
			break;
		size_t done = reap(t, fn, ctx);
		sampled += done;
		pending = done > pending ? 0 : pending - done;
		now = now_ns();
		if ((!pending && next >= nqueue) || now >= wait_until_ns)
			break;
		if (now < spin_until || (done && next < nqueue))
			continue;
		tgt_wait_signalfd(t, next < nqueue && wait_until_ns > now + WINDOW_STALL_NS
					     ? now + WINDOW_STALL_NS
					     : wait_until_ns);
	}
	if (next < nqueue)
		t->round_cursor = queue[next].at;
	free(queue);
	return sampled;
}

void target_collect_pending(struct target *t, target_stop_fn fn, void *ctx)
{
	uint64_t give_up = now_ns() + STOP_TIMEOUT_NS;

	for (;;) {
		bool pending = false;
		reap(t, fn, ctx);
		for (size_t i = 0; i < t->nthreads && !pending; i++)
			pending = t->threads[i].in_round;
		if (!pending || t->exited || now_ns() >= give_up)
			return;
		tgt_wait_signalfd(t, give_up);
	}
}

size_t target_visit_running(struct target *t, bool idle, pid_t only_tid, target_stop_fn fn,
			    void *ctx)
{
	size_t n = 0;

	reap(t, noop_stop, NULL);
	for (size_t i = 0; i < t->nthreads; i++) {
		struct thread *th = &t->threads[i];
		if (th->group_stopped || th->foreign || th->exiting ||
		    (only_tid && th->tid != only_tid) || (!idle && !tgt_thread_running(t, th)))
			continue;
		sample(t, th, fn, ctx, &(struct stop){ STOP_NONE, 0, now_ns(), false, { 0 } });
		n++;
	}
	return n;
}

/* A job-stopped thread detached is woken to enter its group stop again:
 * until it has, it shows as running.  Wait (briefly) for that, so that
 * whoever looks right after pysample exits finds the target as it was. */
static void wait_until_stopped(const pid_t *tids, size_t n)
{
	uint64_t give_up = now_ns() + RESTOP_TIMEOUT_NS;

	for (size_t i = 0; i < n; i++) {
		bool stopped = false;
		while (!stopped && now_ns() < give_up) {
			char state = procfs_state(tids[i]);
			/* Gone counts as settled too. */
			stopped = !state || state == 'T' || state == 'Z';
			if (!stopped)
				nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		}
	}
}

/* Ends a thread's exit hold, counting how long it lasted; the caller lets
 * the thread go on exiting. */
static void end_exit_hold(struct target *t, struct thread *th, uint64_t now)
{
	uint64_t held = now - th->exit_held_ns;

	if (held > t->stats.exit_hold_max_ns)
		t->stats.exit_hold_max_ns = held;
	th->exit_held = false;
	t->nexit_held--;
}

size_t target_release_exits(struct target *t, uint64_t queued, uint64_t processed)
{
	uint64_t now;

	if (!t->nexit_held)
		return 0;
	now = now_ns();
	for (size_t i = 0; i < t->nthreads; i++) {
		struct thread *th = &t->threads[i];
		if (!th->exit_held)
			continue;
		if (th->exit_hold_mark == UINT64_MAX)
			th->exit_hold_mark = queued;
		if (processed < th->exit_hold_mark) {
			if (now - th->exit_held_ns < EXIT_HOLD_MAX_NS)
				continue;
			t->stats.exits_hold_timeouts++;
		}
		end_exit_hold(t, th, now);
		tgt_resume(th->tid, 0);
	}
	return t->nexit_held;
}

/*
 * A tick signal queued for the thread, which it does not block: after
 * detach it would be delivered for real (ignored, unless the program
 * catches it).  Closing a timer stops new ticks; one already sent waits in
 * the thread's own queue.
 */
static bool tick_pending(const struct thread *th)
{
	struct __ptrace_peeksiginfo_args args = { 0, 0, 16 };
	siginfo_t queued[16];
	uint64_t blocked = 0;
	long n;

	if (!th->timer.signo)
		return false;
	n = ptrace(PTRACE_PEEKSIGINFO, th->tid, &args, queued);
	if (n <= 0)
		return false;
	if (ptrace(PTRACE_GETSIGMASK, th->tid, (void *)sizeof(blocked), &blocked) != 0)
		blocked = 0;
	for (long i = 0; i < n && i < 16; i++)
		if (cpu_timer_is_tick(&th->timer, &queued[i]) &&
		    !(blocked & (1ull << (queued[i].si_signo - 1))))
			return true;
	return false;
}

void target_detach(struct target *t)
{
	uint64_t give_up = now_ns() + DETACH_TIMEOUT_NS;
	/* No allocation here: this also lets the target go when memory has
	 * run out.  Job-stopped threads beyond the first 256 are not waited
	 * for after detach. */
	pid_t restopping[256];
	size_t restop_cap = ARRAY_SIZE(restopping), nrestopping = 0;

	target_stop_timers(t);
	if (t->exited)
		return;
	/* An exit held is a ptrace stop already: let it finish exiting. */
	for (size_t i = t->nthreads; i-- > 0;)
		if (t->threads[i].exit_held) {
			end_exit_hold(t, &t->threads[i], now_ns());
			ptrace(PTRACE_DETACH, t->threads[i].tid, NULL, NULL);
			tgt_remove_thread(t, &t->threads[i]);
		}
	/* Stop everyone (job-stopped threads too: PTRACE_DETACH needs a ptrace
	 * stop), then detach each.  Signal-delivery stops are detached with
	 * their signal so nothing is lost. */
	for (size_t i = 0; i < t->nthreads; i++) {
		struct thread *th = &t->threads[i];
		if (!th->interrupt_sent && ptrace(PTRACE_INTERRUPT, th->tid, NULL, NULL) == 0)
			th->interrupt_sent = true;
	}
	while (t->nthreads && now_ns() < give_up) {
		struct task_status st;
		struct thread *th;
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);

		if (tid < 0)
			break;
		if (tid == 0) {
			tgt_wait_signalfd(t, give_up);
			continue;
		}
		read_status(t, tid, status, &st);
		th = st.th;
		switch (st.event) {
		case TASK_NONE:
		case TASK_GONE:
			continue;
		case TASK_TICK:
			/* A tick of a timer closed meanwhile is not the target's. */
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
			break;
		case TASK_SIGNAL:
			ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)st.sig);
			break;
		case TASK_GROUP_STOP:
			/* In a job-control stop: leave it stopped, as it was, by
			 * handing the stop signal back on detach. */
			ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)st.sig);
			if (nrestopping < restop_cap)
				restopping[nrestopping++] = tid;
			break;
		case TASK_NEW_CHILD:
			/* The new task is traced already and will stop: wait for it. */
			if (st.child && tgt_find_thread(t, st.child))
				tgt_find_thread(t, st.child)->interrupt_sent = true;
			th = tgt_find_thread(t, tid);
			/* fall through */
		case TASK_STOPPED:
		case TASK_FOREIGN:
		case TASK_EXEC:
		case TASK_EXITING:
		case TASK_OTHER:
			/* Any ptrace stop will do for detaching; but a tick queued
			 * before its timer was closed is let through first, to its
			 * signal-delivery stop, where it is dropped. */
			if (tick_pending(th)) {
				tgt_resume(tid, 0);
				continue;
			}
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
			break;
		}
		tgt_remove_thread(t, th);
	}
	for (size_t i = 0; i < t->nthreads; i++)
		pys_warn("thread %d did not stop for detach; it stays traced until pysample exits",
			 (int)t->threads[i].tid);
	wait_until_stopped(restopping, nrestopping);
}

int target_wait_child(struct target *t)
{
	int status;

	if (t->exited)
		return t->exit_status;
	while (waitpid(t->pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 0;
	}
	t->exited = true;
	t->exit_status = status;
	return status;
}
