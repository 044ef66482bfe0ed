/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidns.h"
#include "procfs.h"
#include "runstate.h"

#define STOP_TIMEOUT_NS 200000000u  /* a stop that takes longer is given up on */
#define DETACH_TIMEOUT_NS 2000000000u
#define RESTOP_TIMEOUT_NS 500000000u
#define COMM_REFRESH_NS 1000000000u
#define EXIT_HOLD_MAX_NS 3000000000u /* a process's exit is held up at most this long */
#define SEIZE_OPTIONS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)
#define FOLLOW_OPTIONS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)
/* Waiting for timer ticks: how long past the time a tick's stop was due
 * the sampling thread keeps polling for it (a thread that blocked meanwhile
 * will not tick), and its guess of its own wake-up lateness at the start. */
#define TICK_SLACK_NS 100000u
#define WAKE_LATE_GUESS_NS 60000u
#define TIMER_CHECK_NS 200000000u /* how often threads are checked for blocked ticks */

static unsigned long seize_options(const struct target *t)
{
	return SEIZE_OPTIONS | (t->follow_children ? FOLLOW_OPTIONS : 0);
}

/* Signals to pysample that it handles: SIGCHLD (the target), and those
 * that would otherwise end it on the spot and, through PTRACE_O_EXITKILL,
 * the program it launched. */
static const int handled_signals[] = { SIGCHLD, SIGINT,   SIGTERM,   SIGHUP,  SIGQUIT, SIGUSR1,
					SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU };

bool target_setup_signals(struct target *t)
{
	sigset_t set;

	/* A profile that grows past RLIMIT_FSIZE is a failed write, not the
	 * end of pysample (and of the target with it). */
	t->sigxfsz_was_ignored = signal(SIGXFSZ, SIG_IGN) == SIG_IGN;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled_signals); i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return false;
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return t->sigfd >= 0;
}

static struct thread *find_thread(struct target *t, pid_t tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

struct process *target_process(struct target *t, pid_t pid)
{
	for (size_t i = 0; i < t->nprocs; i++)
		if (t->procs[i]->pid == pid)
			return t->procs[i];
	return NULL;
}

static void process_gone(struct target *t, struct process *p)
{
	if (!p->gone)
		t->nlive--;
	p->gone = true;
}

/* A process to sample; NULL when too many are followed already.  A pid
 * reused by a new process gets a fresh address-space generation. */
static struct process *add_process(struct target *t, pid_t pid)
{
	struct process *p = target_process(t, pid);

	if (p && !p->gone)
		return p;
	if (t->nlive >= MAX_PROCESSES) {
		t->stats.processes_let_go++;
		return NULL;
	}
	t->nlive++;
	if (p) {
		p->gone = false;
		p->exec_gen++;
		p->space = pid;
		return p;
	}
	p = xcalloc(1, sizeof(*p));
	grow_array((void **)&t->procs, &t->procs_cap, t->nprocs, sizeof(p));
	t->procs[t->nprocs++] = p;
	p->pid = pid;
	p->space = pid;
	p->ns_pid = pidns_target_id(pid, pid);
	if (pid == t->pid)
		t->ns_pid = p->ns_pid;
	else
		t->stats.processes_followed++;
	return p;
}

static void no_timer(struct target *t, struct thread *th, const char *why)
{
	t->stats.threads_without_timer++;
	if (!t->timer_why[0])
		snprintf(t->timer_why, sizeof(t->timer_why), "%s", why);
	pys_debug("thread %d is sampled by interrupts: %s", (int)th->tid, why);
}

/*
 * A file per thread (its timer) would let a target with many threads take
 * every file pysample may open, and then nothing works: not /proc, not an
 * ELF file.  Threads past the budget are sampled by interrupts.
 */
static void set_thread_fd_budget(struct target *t)
{
	struct rlimit lim;
	rlim_t reserve;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
		lim.rlim_cur = 1 << 20;
	reserve = lim.rlim_cur / 8 > 128 ? lim.rlim_cur / 8 : 128;
	t->thread_fd_reserve = (size_t)reserve;
	t->thread_fd_budget = lim.rlim_cur > reserve ? (size_t)(lim.rlim_cur - reserve) : 0;
}

static bool take_thread_fd(struct target *t)
{
	if (!t->thread_fd_reserve)
		set_thread_fd_budget(t);
	if (t->thread_fds >= t->thread_fd_budget)
		return false;
	t->thread_fds++;
	return true;
}

static void explain_fd_budget(struct target *t, char *why, size_t len)
{
	struct rlimit lim = { 0, 0 };

	getrlimit(RLIMIT_NOFILE, &lim);
	snprintf(why, len,
		 "pysample's open file limit (%llu, hard limit %llu) has room for %zu timers: raise "
		 "the hard limit above the target's thread count plus %llu (ulimit -Hn; "
		 "LimitNOFILE= for a service)",
		 (unsigned long long)lim.rlim_cur, (unsigned long long)lim.rlim_max,
		 t->thread_fd_budget,
		 (unsigned long long)t->thread_fd_reserve);
	if (!t->timer_why[0])
		pys_warn("only %zu threads get a CPU-time timer, the others are sampled by "
			 "interrupts (see --stop-by): %s",
			 t->thread_fd_budget, why);
}

static void start_timer(struct target *t, struct thread *th)
{
	char why[256];

	if (!t->timers_on || th->foreign || th->exiting || cpu_timer_active(&th->timer))
		return;
	th->ticks_checked = th->ticks;
	th->cpu_checked = 0;
	if (!take_thread_fd(t)) {
		explain_fd_budget(t, why, sizeof(why));
		no_timer(t, th, why);
	} else if (!cpu_timer_open(&th->timer, &t->timers, th->pid, th->tid, why, sizeof(why))) {
		t->thread_fds--;
		no_timer(t, th, why);
	}
}

static void stop_timer(struct target *t, struct thread *th)
{
	if (!cpu_timer_active(&th->timer))
		return;
	t->stats.timer_cpu_ns += cpu_timer_cpu_ns(&th->timer);
	cpu_timer_close(&th->timer);
	t->thread_fds--;
}

/* `followed`: of a process pysample samples (else it is let go at its
 * first stop). */
static struct thread *add_thread(struct target *t, pid_t tid, pid_t pid, bool followed)
{
	struct thread *th = find_thread(t, tid);

	if (th)
		return th;
	grow_array((void **)&t->threads, &t->cap, t->nthreads, sizeof(*th));
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->pid = pid;
	th->state_fd = -2;
	th->timer.fd = th->timer.closed_fd = -1;
	th->foreign = !followed;
	if (!followed)
		return th;
	th->ns_tid = pidns_target_id(pid, tid);
	t->stats.threads_seen++;
	start_timer(t, th);
	return th;
}

/* Whether a task (thread or process) is still there, reaped or not
 * (kill finds a thread by its id too; signal 0 sends nothing). */
static bool task_exists(pid_t tid)
{
	return kill(tid, 0) == 0 || errno != ESRCH;
}

/* A thread that showed up by itself (a new thread can report before its
 * parent's clone event): whose is it, and is that process followed? */
static struct thread *add_new_thread(struct target *t, pid_t tid, pid_t tgid)
{
	/* Its process unreadable: without --subprocesses, every tracee is
	 * one of the target's threads. */
	if (tgid <= 0 && !t->follow_children)
		tgid = t->pid;
	bool followed = tgid == t->pid ||
			(t->follow_children && tgid > 0 && add_process(t, tgid) != NULL);

	return add_thread(t, tid, tgid > 0 ? tgid : tid, followed);
}

/* Whether a thread is on a CPU (or waiting for one) right now.  Its file
 * is kept open while the budget allows; else opened for each question. */
static bool thread_running(struct target *t, struct thread *th)
{
	int fd;
	bool running;

	if (th->state_fd == -2 && take_thread_fd(t)) {
		th->state_fd = runstate_open(th->pid, th->tid);
		if (th->state_fd < 0)
			t->thread_fds--;
	}
	if (th->state_fd != -2)
		return runstate_running(th->state_fd);
	fd = runstate_open(th->pid, th->tid);
	running = runstate_running(fd);
	if (fd >= 0)
		close(fd);
	return running;
}

void target_free(struct target *t)
{
	for (size_t i = 0; i < t->nthreads; i++) {
		stop_timer(t, &t->threads[i]);
		if (t->threads[i].state_fd >= 0)
			close(t->threads[i].state_fd);
	}
	free(t->threads);
	for (size_t i = 0; i < t->nprocs; i++)
		free(t->procs[i]);
	free(t->procs);
	t->threads = NULL;
	t->procs = NULL;
	t->nthreads = t->nprocs = 0;
}

/* The process of `th` is read through another of its threads from now on
 * (its leader has exited while the others run on, or the thread it was
 * read through is leaving). */
static void move_space(struct target *t, const struct thread *th)
{
	struct process *p = target_process(t, th->pid);

	if (!p || (p->space != th->tid && th->tid != th->pid))
		return;
	for (size_t i = 0; i < t->nthreads; i++) {
		const struct thread *o = &t->threads[i];
		if (o->pid == th->pid && o->tid != th->tid && o->tid != o->pid && !o->exiting) {
			p->space = o->tid;
			return;
		}
	}
}

static void remove_thread(struct target *t, struct thread *th)
{
	if (th->tid != th->pid)
		move_space(t, th);
	stop_timer(t, th);
	if (th->state_fd >= 0) {
		close(th->state_fd);
		t->thread_fds--;
	}
	if (th->exit_held)
		t->nexit_held--;
	*th = t->threads[--t->nthreads];
}

const char *target_thread_comm(struct thread *th)
{
	uint64_t now = now_ns();

	if (!th->comm_read_ns || now - th->comm_read_ns > COMM_REFRESH_NS) {
		char path[64];
		size_t len = 0;
		char *text;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)th->pid, (int)th->tid);
		text = procfs_read_file(path, 64, &len);
		if (text) {
			while (len && text[len - 1] == '\n')
				text[--len] = '\0';
			snprintf(th->comm, sizeof(th->comm), "%s", text);
			free(text);
		}
		th->comm_read_ns = now;
	}
	return th->comm;
}

static void resume(pid_t tid, int sig)
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
		resume(th->tid, 0);
		return false;
	}
	th->ticks++;
	th->interrupt_sent = false;
	th->in_round = false;
	why.have_tick = cpu_timer_last_tick(&th->timer, &why.tick);
	if (why.have_tick)
		why.asked_ns = why.tick.time_ns;
	sample(t, th, fn, ctx, &why);
	resume(th->tid, 0);
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
	if (find_thread(t, child))
		return child;
	if (!task_exists(child))
		return 0;
	/* fork and vfork make a process; clone a thread, unless without
	 * CLONE_THREAD.  Unreadable (no file left to read it with): a clone
	 * event is, but for the rarest flags, a new thread. */
	tgid = event == PTRACE_EVENT_CLONE ? procfs_tgid(child) : child;
	if (tgid <= 0)
		tgid = parent->pid;
	if (tgid == parent->pid)
		add_thread(t, child, parent->pid, !parent->foreign);
	else
		add_new_thread(t, child, tgid);
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
			remove_thread(t, &t->threads[i]);
	th = add_thread(t, pid, pid, true);
	th->comm_read_ns = 0;
	/* Its timer was the task's before the exec, or another thread's whose
	 * tid this one took: a new one, for this task. */
	stop_timer(t, th);
	start_timer(t, th);
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
	struct thread *th = find_thread(t, tid);
	int event;

	memset(out, 0, sizeof(*out));
	out->was_in_round = th && th->in_round;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		if (tid == t->pid) {
			t->exited = true;
			t->exit_status = status;
		}
		if (th && th->tid == th->pid && target_process(t, th->pid))
			process_gone(t, target_process(t, th->pid));
		if (th) {
			if (th->in_round)
				t->stats.samples_lost_exit++;
			remove_thread(t, th);
		}
		out->event = TASK_GONE;
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (!th)
		th = add_new_thread(t, tid, procfs_tgid(tid));
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
		out->th = find_thread(t, tid); /* the list may have moved */
		break;
	case PTRACE_EVENT_EXEC:
		out->event = TASK_EXEC;
		out->th = note_exec(t, th);
		break;
	case PTRACE_EVENT_EXIT:
		out->event = TASK_EXITING;
		th->exiting = true;
		if (th->tid == th->pid)
			move_space(t, th); /* if it is only the leader that leaves */
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
		remove_thread(t, th);
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
			resume(tid, 0);
			histogram_add(&t->stats.stop_time, now_ns() - th->interrupt_ns);
			return true;
		}
		resume(tid, 0);
		return false;
	case TASK_EXEC:
		resume(th->tid, 0);
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
			resume(tid, 0);
		}
		return sampled;
	case TASK_SIGNAL:
		/* Signal-delivery stop: pass the signal on untouched. */
		sampled = sample_at_other_stop(t, th, fn, ctx);
		t->stats.signals_forwarded++;
		resume(tid, st.sig);
		return sampled;
	case TASK_NEW_CHILD:
	case TASK_OTHER:
		sampled = sample_at_other_stop(t, th, fn, ctx);
		resume(tid, 0);
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
static bool wait_signalfd(struct target *t, uint64_t deadline_ns)
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
		wait_signalfd(t, deadline_ns);
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
			if (!wait_signalfd(t, until) && now_ns() > until) {
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
		wait_signalfd(t, deadline_ns - t->spin_ns);
	}
}

size_t target_sample_round(struct target *t, bool idle, pid_t only_tid, target_stop_fn fn,
			   void *ctx, uint64_t wait_until_ns)
{
	size_t pending = 0, sampled = 0;
	uint64_t now = now_ns();

	sampled += reap(t, fn, ctx);
	for (size_t i = 0; i < t->nthreads; i++) {
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
		 * is (asleep in a system call, or where it was preempted). */
		if (cpu_timer_active(&th->timer) && (!idle || thread_running(t, th)))
			continue;
		if (!idle && !thread_running(t, th))
			continue;
		th->interrupt_ns = now_ns();
		if (ptrace(PTRACE_INTERRUPT, th->tid, NULL, NULL) != 0)
			continue;
		th->interrupt_sent = true;
		th->in_round = true;
		pending++;
	}
	/*
	 * Collect the stops until the next tick; those that come later are
	 * collected by target_wait_until, or by the next round.  A thread on
	 * a CPU reaches its stop within tens of microseconds.  Sleeping until
	 * it does adds a wake-up of pysample to every stop, during which the
	 * thread waits stopped: polling for a short while instead halved the
	 * time a thread stays stopped here (34 -> 18 us median), and with it
	 * the target's slowdown at 9999 Hz.  A thread that must first wait for
	 * a CPU is slept on.
	 */
	uint64_t spin_until = now_ns() + t->stop_spin_ns;
	while (pending && !t->exited) {
		size_t done = reap(t, fn, ctx);
		sampled += done;
		pending = done > pending ? 0 : pending - done;
		now = now_ns();
		if (!pending || now >= wait_until_ns)
			break;
		if (now < spin_until)
			continue;
		wait_signalfd(t, wait_until_ns);
	}
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
		wait_signalfd(t, give_up);
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
		    (only_tid && th->tid != only_tid) || (!idle && !thread_running(t, th)))
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
		resume(th->tid, 0);
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

bool target_start_timers(struct target *t, uint64_t period_ns)
{
	if (!cpu_timer_setup(&t->timers, period_ns))
		return false;
	t->timers_on = true;
	for (size_t i = 0; i < t->nthreads; i++)
		start_timer(t, &t->threads[i]);
	return true;
}

void target_check_timers(struct target *t)
{
	uint64_t now = now_ns();

	if (!t->timers_on || now - t->timers_checked_ns < TIMER_CHECK_NS)
		return;
	t->timers_checked_ns = now;
	for (size_t i = 0; i < t->nthreads; i++) {
		struct thread *th = &t->threads[i];
		uint64_t cpu;
		if (!cpu_timer_active(&th->timer))
			continue;
		cpu = cpu_timer_cpu_ns(&th->timer);
		/* Four periods of CPU time and not one stop, and the signal
		 * blocked: its ticks wait.  They will come when it unblocks
		 * them, at a place that is not the tick's (and be dropped as
		 * late).  Not blocked, they wait for pysample itself, late on
		 * a busy machine. */
		if (th->cpu_checked && th->ticks == th->ticks_checked &&
		    cpu - th->cpu_checked > 4 * t->timers.period_ns &&
		    cpu_timer_signal_blocked(&th->timer, th->pid, th->tid) &&
		    !cpu_timer_change_signal(&th->timer, th->pid, th->tid)) {
			char why[96];
			snprintf(why, sizeof(why), "thread %d blocks SIGURG and SIGWINCH", (int)th->tid);
			stop_timer(t, th);
			no_timer(t, th, why);
			continue;
		}
		th->ticks_checked = th->ticks;
		th->cpu_checked = cpu;
	}
}

void target_stop_timers(struct target *t)
{
	t->timers_on = false;
	for (size_t i = 0; i < t->nthreads; i++)
		stop_timer(t, &t->threads[i]);
}

uint64_t target_timer_cpu_ns(struct target *t)
{
	uint64_t ns = t->stats.timer_cpu_ns;

	for (size_t i = 0; i < t->nthreads; i++)
		ns += cpu_timer_cpu_ns(&t->threads[i].timer);
	return ns;
}

bool target_rounds_needed(const struct target *t, bool idle)
{
	if (idle || !t->timers_on)
		return true;
	for (size_t i = 0; i < t->nthreads; i++) {
		const struct thread *th = &t->threads[i];
		if (!th->foreign && !th->exiting && !cpu_timer_active(&th->timer))
			return true;
	}
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
			remove_thread(t, &t->threads[i]);
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
			wait_signalfd(t, give_up);
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
			if (st.child && find_thread(t, st.child))
				find_thread(t, st.child)->interrupt_sent = true;
			th = find_thread(t, tid);
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
				resume(tid, 0);
				continue;
			}
			ptrace(PTRACE_DETACH, tid, NULL, NULL);
			break;
		}
		remove_thread(t, th);
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

/* PF_KTHREAD in /proc/PID/stat's flags: a kernel thread, nothing to trace. */
static bool is_kernel_thread(pid_t pid, char *comm, size_t comm_len)
{
	char path[64], *text, *open_paren, *close_paren;
	unsigned long flags = 0;
	bool kthread = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = procfs_read_file(path, 4096, NULL);
	if (!text)
		return false;
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (open_paren && close_paren && close_paren > open_paren &&
	    sscanf(close_paren + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1) {
		kthread = (flags & 0x00200000ul) != 0;
		snprintf(comm, comm_len, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	}
	free(text);
	return kthread;
}

static bool have_cap_sys_ptrace(void)
{
	unsigned long long caps;

	/* CapEff is a hex mask; CAP_SYS_PTRACE is bit 19. */
	return procfs_status_field(0, 0, "CapEff:", 16, &caps) && ((caps >> 19) & 1);
}

static void explain_ptrace_error(pid_t pid, int err, char *out, size_t len)
{
	char comm[64] = "";

	if (is_kernel_thread(pid, comm, sizeof(comm))) {
		snprintf(out, len,
			 "process %d (%s) is a kernel thread: it runs no user code and cannot be "
			 "traced; give the pid of a user process",
			 (int)pid, comm);
		return;
	}
	unsigned long long tracer_pid = 0;
	int tracer = procfs_status_field(pid, 0, "TracerPid:", 10, &tracer_pid) ? (int)tracer_pid : 0;
	char state = procfs_state(pid);

	if (err == ESRCH) {
		snprintf(out, len, "no process %d: check the pid (it may have exited)", (int)pid);
	} else if (state == 'Z' || state == 'X') {
		/* The kernel answers EPERM for a process that has exited but is
		 * not reaped yet: nothing else is wrong. */
		snprintf(out, len,
			 "process %d has exited (a zombie its parent has not reaped yet): there is "
			 "nothing left to profile",
			 (int)pid);
	} else if (err == EPERM && tracer) {
		snprintf(out, len,
			 "process %d is already traced by process %d (a debugger or another "
			 "profiler): detach it first",
			 (int)pid, tracer);
	} else if (err == EPERM && have_cap_sys_ptrace()) {
		/* Privilege is not what is missing: say what else refuses it. */
		snprintf(out, len,
			 "ptrace: Operation not permitted on process %d although pysample has "
			 "CAP_SYS_PTRACE: the kernel refuses this process (it is not dumpable: "
			 "setuid, or prctl(PR_SET_DUMPABLE, 0); or it belongs to a user namespace "
			 "pysample is not privileged in, such as another container's; or Yama's "
			 "ptrace_scope is 3, or seccomp or an LSM forbids ptrace here): run "
			 "pysample in the target's own container or namespace",
			 (int)pid);
	} else if (err == EPERM) {
		snprintf(out, len,
			 "ptrace: Operation not permitted on process %d: run as root or grant "
			 "CAP_SYS_PTRACE; in a container add --cap-add SYS_PTRACE; with Yama, "
			 "/proc/sys/kernel/yama/ptrace_scope must be 0 or 1 (and 1 lets only "
			 "a parent trace)",
			 (int)pid);
	} else {
		snprintf(out, len, "ptrace(PTRACE_SEIZE, %d): %s", (int)pid, strerror(err));
	}
}

static bool seize(pid_t tid, unsigned long options)
{
	return ptrace(PTRACE_SEIZE, tid, NULL, (void *)options) == 0;
}

/* Seizes the threads of an attached process.  Threads created meanwhile
 * are caught by TRACECLONE from a thread already seized; loop until the
 * list is stable. */
static void seize_threads(struct target *t, pid_t pid)
{
	char dir[64];
	bool added = true;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	for (int pass = 0; added && pass < 1000; pass++) {
		DIR *d = opendir(dir);
		struct dirent *de;
		added = false;
		if (!d)
			break;
		while ((de = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0 || find_thread(t, tid) || (t->leader_gone && tid == pid))
				continue;
			if (seize(tid, seize_options(t)) || errno == EPERM)
				added = true;
			add_thread(t, tid, pid, true);
		}
		closedir(d);
	}
}

/* The existing descendants of the target, parents before children; new
 * ones forked meanwhile are caught by TRACEFORK from a parent seized
 * already, so passes repeat until nothing new is found. */
static void seize_descendants(struct target *t)
{
	bool added = true;

	for (int pass = 0; added && pass < 100; pass++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		added = false;
		if (!d)
			return;
		while ((de = readdir(d)) != NULL) {
			pid_t pid = (pid_t)atoi(de->d_name);
			pid_t ppid;
			if (pid <= 0 || target_process(t, pid))
				continue;
			ppid = procfs_parent(pid);
			if (ppid <= 0 || !target_process(t, ppid) || target_process(t, ppid)->gone)
				continue;
			if (!seize(pid, seize_options(t)))
				continue;
			if (!add_process(t, pid)) {
				ptrace(PTRACE_DETACH, pid, NULL, NULL);
				continue;
			}
			add_thread(t, pid, pid, true);
			seize_threads(t, pid);
			added = true;
		}
		closedir(d);
	}
}

/* Whether process pid has a thread other than its leader still running
 * (the leader called pthread_exit: the process lives on). */
static bool has_live_threads(pid_t pid)
{
	char dir[64];
	struct dirent *de;
	DIR *d;
	bool live = false;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	while (d && !live && (de = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(de->d_name);
		char path[96], state;
		if (tid <= 0 || tid == pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
		state = procfs_state_of(path);
		live = state && state != 'Z' && state != 'X';
	}
	if (d)
		closedir(d);
	return live;
}

bool target_attach(struct target *t, pid_t pid, char *err, size_t err_len)
{
	pid_t tgid = procfs_tgid(pid);

	if (pid == getpid() || tgid == getpid()) {
		snprintf(err, err_len, "process %d is pysample itself: give the pid of the process to "
				       "profile", (int)pid);
		return false;
	}
	/* A thread's id (from top -H, a log line): its process is profiled. */
	if (tgid > 0 && tgid != pid) {
		pys_warn("%d is a thread of process %d: profiling the whole process", (int)pid,
			 (int)tgid);
		pid = tgid;
	}
	t->pid = pid;
	if (seize(pid, seize_options(t))) {
		add_process(t, pid);
		add_thread(t, pid, pid, true);
	} else if (errno == EPERM && procfs_state(pid) == 'Z' && has_live_threads(pid)) {
		/* The leader called pthread_exit and is a zombie; its other
		 * threads run on, and are the process. */
		add_process(t, pid);
		t->leader_gone = true;
	} else {
		explain_ptrace_error(pid, errno, err, err_len);
		return false;
	}
	seize_threads(t, pid);
	if (t->leader_gone && t->nthreads)
		target_process(t, pid)->space = t->threads[0].tid;
	if (t->leader_gone && t->nthreads == 0) {
		snprintf(err, err_len, "process %d: none of its threads could be traced", (int)pid);
		return false;
	}
	if (t->follow_children)
		seize_descendants(t);
	return true;
}

bool target_launch(struct target *t, char *const argv[], char *err, size_t err_len)
{
	int go[2], report[2];
	pid_t child;
	sigset_t none;
	char c;
	int child_errno = 0;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
		snprintf(err, err_len, "pipe: %s", strerror(errno));
		return false;
	}
	child = fork();
	if (child < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		return false;
	}
	if (child == 0) {
		/* Wait until the parent has seized us, so the program is traced
		 * from its first instruction, then become the program.  The
		 * signal mask, SIGPIPE's disposition and the limit on open files
		 * are the user's again (an ignored SIGPIPE survives exec: `yes |
		 * head` would end in write errors instead of the signal). */
		if (!t->sigpipe_was_ignored)
			sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
		if (t->file_limit.rlim_max)
			setrlimit(RLIMIT_NOFILE, &t->file_limit);
		if (!t->sigxfsz_was_ignored)
			sigaction(SIGXFSZ, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(go[1]);
		close(report[0]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		execvp(argv[0], argv);
		child_errno = errno;
		if (write(report[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(report[1]);
	t->pid = child;
	t->launched = true;
	/* EXITKILL: if pysample dies, the program it started dies with it
	 * rather than running on untraced and unobserved. */
	if (!seize(child, seize_options(t) | PTRACE_O_EXITKILL)) {
		snprintf(err, err_len, "ptrace(PTRACE_SEIZE) of the new process: %s",
			 strerror(errno));
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return false;
	}
	add_process(t, child);
	add_thread(t, child, child, true);
	close(go[1]);
	do
		n = read(report[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		snprintf(err, err_len, "cannot run %s: %s", argv[0], strerror(child_errno));
		target_wait_child(t);
		return false;
	}
	return true;
}
