/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target control, the lists: threads and processes followed, their
 * timers and the files they hold (see target.h; stops and events are in
 * target-events.c, launching and attaching in target-start.c). */
#include "target-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "pidns.h"
#include "procfs.h"
#include "runstate.h"

#define COMM_REFRESH_NS 1000000000u
#define TIMER_CHECK_NS 200000000u /* how often threads are checked for blocked ticks */

struct thread *tgt_find_thread(struct target *t, pid_t tid)
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

void tgt_process_gone(struct target *t, struct process *p)
{
	if (!p->gone)
		t->nlive--;
	p->gone = true;
}

/* A process to sample; NULL when too many are followed already.  A pid
 * reused by a new process gets a fresh address-space generation. */
struct process *tgt_add_process(struct target *t, pid_t pid)
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

void tgt_start_timer(struct target *t, struct thread *th)
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

void tgt_stop_timer(struct target *t, struct thread *th)
{
	if (!cpu_timer_active(&th->timer))
		return;
	t->stats.timer_cpu_ns += cpu_timer_cpu_ns(&th->timer);
	cpu_timer_close(&th->timer);
	t->thread_fds--;
}

/* `followed`: of a process pysample samples (else it is let go at its
 * first stop). */
struct thread *tgt_add_thread(struct target *t, pid_t tid, pid_t pid, bool followed)
{
	struct thread *th = tgt_find_thread(t, tid);

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
	tgt_start_timer(t, th);
	return th;
}

/* Whether a task (thread or process) is still there, reaped or not
 * (kill finds a thread by its id too; signal 0 sends nothing). */
bool tgt_task_exists(pid_t tid)
{
	return kill(tid, 0) == 0 || errno != ESRCH;
}

/* A thread that showed up by itself (a new thread can report before its
 * parent's clone event): whose is it, and is that process followed? */
struct thread *tgt_add_new_thread(struct target *t, pid_t tid, pid_t tgid)
{
	/* Its process unreadable: without --subprocesses, every tracee is
	 * one of the target's threads. */
	if (tgid <= 0 && !t->follow_children)
		tgid = t->pid;
	bool followed = tgid == t->pid ||
			(t->follow_children && tgid > 0 && tgt_add_process(t, tgid) != NULL);

	return tgt_add_thread(t, tid, tgid > 0 ? tgid : tid, followed);
}

/* Whether a thread is on a CPU (or waiting for one) right now.  Its file
 * is kept open while the budget allows; else opened for each question. */
bool tgt_thread_running(struct target *t, struct thread *th)
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

size_t target_recent_runners(struct target *t, uint64_t since_ns, pid_t *pids, pid_t *tids,
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nthreads && n < max; i++) {
		struct thread *th = &t->threads[i];
		if (th->foreign || th->exiting || th->group_stopped)
			continue;
		if (cpu_timer_active(&th->timer) ? th->resumed_ns >= since_ns
						 : tgt_thread_running(t, th)) {
			pids[n] = th->pid;
			tids[n++] = th->tid;
		}
	}
	return n;
}

void target_free(struct target *t)
{
	for (size_t i = 0; i < t->nthreads; i++) {
		tgt_stop_timer(t, &t->threads[i]);
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
void tgt_move_space(struct target *t, const struct thread *th)
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

void tgt_remove_thread(struct target *t, struct thread *th)
{
	if (th->tid != th->pid)
		tgt_move_space(t, th);
	tgt_stop_timer(t, th);
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
		procfs_thread_comm(th->pid, th->tid, th->comm, sizeof(th->comm));
		th->comm_read_ns = now;
	}
	return th->comm;
}

bool target_start_timers(struct target *t, uint64_t period_ns)
{
	if (!cpu_timer_setup(&t->timers, period_ns))
		return false;
	t->timers_on = true;
	for (size_t i = 0; i < t->nthreads; i++)
		tgt_start_timer(t, &t->threads[i]);
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
			tgt_stop_timer(t, th);
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
		tgt_stop_timer(t, &t->threads[i]);
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

void target_init(struct target *t, bool follow_children, bool sigpipe_was_ignored,
		 const struct rlimit *file_limit)
{
	memset(t, 0, sizeof(*t));
	t->follow_children = follow_children;
	t->sigpipe_was_ignored = sigpipe_was_ignored;
	if (file_limit)
		t->file_limit = *file_limit;
	t->sigfd = -1;
}

void target_set_round_window(struct target *t, size_t window)
{
	t->round_window = window;
}

void target_set_polling(struct target *t, uint64_t spin_ns, uint64_t stop_spin_ns)
{
	t->spin_ns = spin_ns;
	t->stop_spin_ns = stop_spin_ns;
}

void target_no_timers(struct target *t, const char *why)
{
	snprintf(t->timers.why, sizeof(t->timers.why), "%s", why);
}

pid_t target_host_tid(const struct target *t, pid_t ns_tid)
{
	for (size_t i = 0; i < t->nthreads; i++)
		if (t->threads[i].ns_tid == ns_tid)
			return t->threads[i].tid;
	return ns_tid;
}
