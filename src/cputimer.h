/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clock of CPU-time sampling: one perf cpu-clock event per thread,
 * whose every expiry (each period of the thread's own CPU time, counted by
 * the kernel on the CPU the thread runs on) sends the thread a signal.  A
 * traced thread stops for a signal on its way back to user mode from the
 * timer interrupt, where it was at the tick; pysample samples it there and
 * suppresses the signal.  A PTRACE_INTERRUPT sent from another CPU takes
 * tens of microseconds to arrive, and a thread that enters the kernel
 * meanwhile stops at the end of that system call instead: samples drift to
 * the next system call.
 *
 * The signal is one whose default action is to ignore it (SIGURG, or
 * SIGWINCH), chosen among those the thread neither blocks nor catches, so
 * that one left pending when pysample goes away unannounced does nothing.
 * A small ring of the event's records gives each tick's time and
 * instruction pointer: a stop that did not land at its tick (the signal
 * was blocked for a while) is told apart and dropped.
 */
#ifndef PYSAMPLE_CPUTIMER_H
#define PYSAMPLE_CPUTIMER_H

#include <signal.h>

#include "common.h"

/* How timers are made in this run, decided once (cpu_timer_setup). */
struct cpu_timer_config {
	bool available;
	bool user_only; /* ticks in kernel mode not seen (perf_event_paranoid) */
	uint64_t period_ns;
	char why[256];  /* when not available: the cause and the fix */
};

struct cpu_timer {
	int fd;     /* -1: the thread has no timer */
	int signo;
	int old_signo;  /* the one before cpu_timer_change_signal: its ticks may still come */
	int closed_fd; /* the fd it had, once closed: its last ticks may still come */
	void *ring; /* the event's mmap: header page and data pages; NULL: none */
	size_t ring_len;
};

/* One expiry as the kernel recorded it. */
struct cpu_tick {
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint64_t ip;      /* where the thread was: user or kernel address */
	uint32_t cpu;
	uint64_t lost;    /* records the ring could not hold since the last look */
};

/* Probes whether perf events may be used (on pysample's own thread), in
 * kernel mode too, with `period_ns`; false with the reason in cfg->why. */
bool cpu_timer_setup(struct cpu_timer_config *cfg, uint64_t period_ns);

/* A timer for thread `tid` of process `pid`; false (t->fd -1) with a
 * sentence in why when it cannot have one. */
bool cpu_timer_open(struct cpu_timer *t, const struct cpu_timer_config *cfg, pid_t pid,
		    pid_t tid, char *why, size_t why_len);
/* Whether the thread blocks its timer's signal now. */
bool cpu_timer_signal_blocked(const struct cpu_timer *t, pid_t pid, pid_t tid);
/* For a thread whose ticks stopped coming (it blocks the signal now): the
 * other signal, if it does not block that one too; false otherwise. */
bool cpu_timer_change_signal(struct cpu_timer *t, pid_t pid, pid_t tid);
void cpu_timer_close(struct cpu_timer *t);
static inline bool cpu_timer_active(const struct cpu_timer *t) { return t->fd >= 0; }

/* Whether a signal the thread stopped for is its timer's tick, the timer
 * open or closed since (a tick sent before the close arrives after it). */
bool cpu_timer_is_tick(const struct cpu_timer *t, const siginfo_t *si);

/* The newest tick recorded since the last call (older ones are skipped);
 * false when none was (or the timer has no ring). */
bool cpu_timer_last_tick(struct cpu_timer *t, struct cpu_tick *out);

/* CPU time the thread has used while its timer was open, in ns. */
uint64_t cpu_timer_cpu_ns(const struct cpu_timer *t);

#endif
