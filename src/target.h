/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Target control: launching or attaching with PTRACE_SEIZE, keeping the
 * thread list, stopping threads for a sample (PTRACE_INTERRUPT) and letting
 * them run again, passing every signal on, and detaching cleanly.
 */
#ifndef PYSAMPLE_TARGET_H
#define PYSAMPLE_TARGET_H

#include <sys/resource.h>

#include "common.h"
#include "cputimer.h"
#include "histogram.h"
#include "process.h"

struct thread {
	pid_t tid;
	pid_t pid;           /* the process it belongs to */
	bool interrupt_sent; /* PTRACE_INTERRUPT sent, its stop not seen yet */
	bool in_round;       /* to be sampled in the current round */
	bool group_stopped;  /* in a job-control stop (PTRACE_LISTEN) */
	bool foreign;        /* a process not followed: detach at first stop */
	uint64_t interrupt_ns; /* when the pending PTRACE_INTERRUPT was sent */
	int state_fd;        /* runstate_open's file: is it running? (-2: not opened yet) */
	struct cpu_timer timer; /* stops it at each tick of its CPU time (fd -1: none) */
	uint64_t resumed_ns;    /* when the stop at its last tick let it go (0: none yet) */
	uint64_t tick_gap_ns;   /* learnt: from there to the next tick's stop, running */
	uint64_t ticks;         /* stops at its timer's ticks so far */
	uint64_t ticks_checked, cpu_checked; /* at the last target_check_timers */
	char comm[17];
	uint64_t comm_read_ns;
	pid_t ns_tid; /* the id in the target's own PID namespace */
	bool exiting;        /* past its exit stop: never sampled again */
	/* A process leader stopped at its exit (PTRACE_EVENT_EXIT), its
	 * memory still readable, until the samples taken before are
	 * processed: see target_release_exits. */
	bool exit_held;
	uint64_t exit_held_ns;
	uint64_t exit_hold_mark; /* snapshots queued when held; UINT64_MAX: not yet known */
	/* The mapping its stack is in, learnt outside any stop from its stack
	 * pointer at a stop (last_sp): a copy of its stack ends there rather
	 * than reading whatever is mapped above (stack_end 0: not known). */
	uint64_t stack_start, stack_end, last_sp;
};

struct target_stats {
	uint64_t threads_seen;
	uint64_t samples_lost_exit;    /* the thread exited before its stop came */
	uint64_t samples_lost_timeout; /* the stop did not come in time */
	uint64_t samples_skipped_stopped; /* thread in a job-control stop */
	uint64_t signals_forwarded;
	uint64_t execs;
	uint64_t processes_followed;  /* --subprocesses: children traced */
	uint64_t processes_let_go;    /* over the bound on followed processes */
	uint64_t exits_held;          /* process exits held until processing caught up */
	uint64_t exits_hold_timeouts; /* let go before processing caught up */
	uint64_t exit_hold_max_ns;
	uint64_t threads_without_timer; /* sampled by PTRACE_INTERRUPT instead */
	uint64_t timer_cpu_ns;  /* CPU time counted by timers since closed */
	/* From PTRACE_INTERRUPT to PTRACE_CONT, per sampled thread: what the
	 * target pays for each sample. */
	struct histogram stop_time;
};

struct target {
	pid_t pid;       /* the process launched or attached to */
	bool follow_children; /* --subprocesses */
	bool launched;
	bool exited;     /* the whole process is gone */
	int exit_status; /* wait status of the leader when launched */
	pid_t ns_pid;    /* the process's id in its own PID namespace */
	int sigfd;       /* signalfd for SIGCHLD and the signals that end a run */
	struct thread *threads;
	size_t nthreads, cap;
	struct process **procs; /* every process followed in the run (process.h) */
	size_t nprocs, procs_cap, nlive;
	struct target_stats stats;
	size_t nexit_held; /* threads with exit_held */
	/* How long before a deadline target_wait_until stops sleeping and
	 * polls (0: it sleeps to the deadline). */
	uint64_t spin_ns;
	/* How long a round polls for the stops it asked for before it sleeps
	 * (0: it sleeps at once).  See target_sample_round. */
	uint64_t stop_spin_ns;
	/* At most this many threads of a round on their way to their stop
	 * at once (0: every thread is interrupted at once).  See
	 * target_set_round_window. */
	size_t round_window;
	size_t round_cursor; /* with a window: where the next round's queue starts */
	/* Signals pysample itself received (SIGINT, SIGTERM, SIGHUP), for main. */
	int pending_signal;
	/* SIGPIPE was ignored before pysample ignored it: a launched program
	 * inherits the disposition pysample found, not pysample's own. */
	bool sigpipe_was_ignored;
	bool sigxfsz_was_ignored; /* the same for SIGXFSZ, which pysample ignores */
	bool leader_gone; /* attached to a process whose leader had exited */
	/* The limit on open files pysample started with (it raises its own):
	 * a launched program gets this one.  rlim_max 0: not read. */
	struct rlimit file_limit;
	/* Per-thread CPU-time timers (cputimer.h), when available: each
	 * running thread then stops by itself at its ticks. */
	struct cpu_timer_config timers;
	bool timers_on;
	/* Files held per thread (timers, run-state files) and how many the
	 * open file limit leaves for them, the rest kept for ELF and /proc
	 * files: past it, threads are sampled by interrupts and their run
	 * state read by opening the file each time. */
	size_t thread_fds, thread_fd_budget, thread_fd_reserve; /* reserve 0: not set */
	char timer_why[256]; /* the first thread that could not have one: why */
	uint64_t stops_sampled; /* fn calls so far */
	uint64_t wake_late_ns;  /* learnt: how late a timed sleep of the sampling thread ends */
	uint64_t timers_checked_ns;
};

/* Why a thread is stopped when it is sampled. */
enum stop_cause {
	STOP_TICK,      /* its CPU-time timer expired: it is where it was at the tick */
	STOP_INTERRUPT, /* the PTRACE_INTERRUPT of a round */
	STOP_OTHER,     /* another stop (a signal, a clone, an exit) while a round's
			   interrupt was on its way */
	STOP_NONE,      /* not stopped: read while it runs (--nonblocking) */
};

struct stop {
	enum stop_cause cause;
	uint64_t asked_ns; /* the tick, or the PTRACE_INTERRUPT (0: unknown) */
	uint64_t seen_ns;  /* when pysample saw the thread stopped */
	bool have_tick;    /* STOP_TICK with the kernel's record of it */
	struct cpu_tick tick;
};

/* Called for each thread while it is stopped; return quickly. */
typedef void (*target_stop_fn)(void *ctx, struct target *t, struct thread *th,
			       const struct stop *why);

/* A target not yet started: `file_limit` is the open file limit pysample
 * started with (a launched program gets it back), `sigpipe_was_ignored`
 * whether SIGPIPE was ignored before pysample ignored it (likewise). */
void target_init(struct target *t, bool follow_children, bool sigpipe_was_ignored,
		 const struct rlimit *file_limit);

/* How target_wait_until and the rounds wait (the sampler's choice):
 * `spin_ns` before a deadline they poll rather than sleep, `stop_spin_ns`
 * a round polls for its stops before it sleeps (0: never poll). */
void target_set_polling(struct target *t, uint64_t spin_ns, uint64_t stop_spin_ns);

/* The window dumps and sampling rounds use: a thread waits stopped for
 * the copies of the few ahead of it, not of every thread interrupted
 * before it (the last of 201 in a dump waited 5.9 ms, its own copy taking
 * 75 us; beside 1,000 sleeping threads --idle stopped each for 18.9 ms),
 * and the stacks are of nearly the same instant either way (the copies
 * are made one after another). */
#define TARGET_ROUND_WINDOW 4
/* Bounds how many threads a round interrupts before earlier ones are
 * copied (0: all at once).  Stops are copied one after another, so with
 * every thread interrupted at once the last of N waits stopped for N
 * copies; with a window of W it waits for about W, and the round takes
 * about as long.  For rounds over many threads that mostly sleep (a dump). */
void target_set_round_window(struct target *t, size_t window);

/* Blocks the signals pysample handles through its signalfd. */
bool target_setup_signals(struct target *t);

/* Starts argv under ptrace.  On failure, returns false with a sentence in err. */
bool target_launch(struct target *t, char *const argv[], char *err, size_t err_len);
/* Seizes every thread of a running process (and, following children, of
 * its descendants). */
bool target_attach(struct target *t, pid_t pid, char *err, size_t err_len);

/* The record of the process with this pid, or NULL. */
struct process *target_process(struct target *t, pid_t pid);

/*
 * Gives every followed thread, now and as they come, a CPU-time timer
 * (cputimer.h) ticking every `period_ns` of its CPU time, where perf events
 * are allowed; false with the reason in t->timers.why when they are not.
 * Threads without a timer are sampled by the rounds' PTRACE_INTERRUPT.
 */
bool target_start_timers(struct target *t, uint64_t period_ns);
/* No timers for this run, and why (--stop-by=interrupt). */
void target_no_timers(struct target *t, const char *why);
/* Closes every timer: no tick stops a thread after this. */
void target_stop_timers(struct target *t);
/* Now and then: a thread whose timer counts CPU time but whose ticks stop
 * no more blocks their signal; it gets another, or interrupts. */
void target_check_timers(struct target *t);
/* CPU time the threads with timers used, so far (ns). */
uint64_t target_timer_cpu_ns(struct target *t);
/* Whether the rounds have threads to stop: with `idle`, every thread that
 * is not on a CPU; otherwise, only those a timer does not sample. */
bool target_rounds_needed(const struct target *t, bool idle);

/*
 * Handles pending tracee events and signals until `deadline_ns` (monotonic),
 * returning early when the process exits, pysample gets a signal, a
 * thread was sampled (fn): one whose timer ticked, or that reached the
 * stop an earlier round asked for, or an exit is held.  Sampled threads
 * run again at once.
 */
void target_wait_until(struct target *t, uint64_t deadline_ns, target_stop_fn fn, void *ctx);

/*
 * One sampling round: asks the selected threads to stop (those running and
 * without a timer; with `idle` also every thread not on a CPU; only
 * `only_tid` when it is not 0; none that is still on its way to an
 * earlier round's stop), calls fn for each as soon as
 * it is stopped and resumes it right after.  Waits for the stops until
 * `wait_until_ns` at most (the next tick): a thread that must first wait
 * for a CPU is collected later, without holding up the clock.  A stop that
 * has not come after 200 ms is counted as timed out.  Returns the number of
 * threads sampled.
 */
/* Threads of followed processes that ran lately: a tick of their timer
 * since `since_ns`, or (without a timer) on a CPU now; at most max. */
size_t target_recent_runners(struct target *t, uint64_t since_ns, pid_t *pids, pid_t *tids,
			     size_t max);

size_t target_sample_round(struct target *t, bool idle, pid_t only_tid, target_stop_fn fn,
			   void *ctx, uint64_t wait_until_ns);

/* At the end of a run: the stops still on their way (asked for by the
 * last rounds) are waited for, up to the stop timeout, and sampled. */
void target_collect_pending(struct target *t, target_stop_fn fn, void *ctx);

/* The same selection as a round, without stopping anyone: fn is called
 * for each thread while it runs (--nonblocking). */
size_t target_visit_running(struct target *t, bool idle, pid_t only_tid, target_stop_fn fn,
			    void *ctx);

/*
 * Lets a held exit go once every snapshot queued up to its exit has been
 * processed (`processed`, counted in the order queued, has reached the
 * `queued` count seen at the first call after the hold), or after
 * EXIT_HOLD_MAX_NS.  Unwinding and naming a sample read the target's
 * memory (code without CFI, JIT maps, code objects): after the exit they
 * would fail.  Returns the number of exits still held.
 */
size_t target_release_exits(struct target *t, uint64_t queued, uint64_t processed);

/* Waits until deadline for a signal to pysample itself (SIGINT, SIGTERM,
 * ...): its number, or 0. */
int target_wait_signal(struct target *t, uint64_t deadline_ns);

/* Lets every thread go, delivering any signal caught in a stop. */
void target_detach(struct target *t);

/* The host's id of the thread whose id in the target's own PID namespace
 * is `ns_tid`, or ns_tid itself when none is known. */
pid_t target_host_tid(const struct target *t, pid_t ns_tid);

/* Thread name, refreshed now and then (threads rename themselves). */
const char *target_thread_comm(struct thread *th);

/* Waits for a launched child after detaching; returns its wait status. */
int target_wait_child(struct target *t);
void target_free(struct target *t);

#endif
