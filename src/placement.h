/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * With --placement, where pysample's own threads run: on CPUs its target's
 * running threads are not on.  A sampling thread that wakes on the CPU
 * its target runs on preempts it at every tick, and the target's stop
 * then also waits for that CPU.  Not the default: on 2 CPUs it gained
 * nothing (the scheduler already kept them apart) and once cost an
 * --idle run two thirds of its ticks, its two threads squeezed onto one
 * CPU (doc/benchmarks.md, "Placement").  The target's own affinity is
 * never changed: only pysample's threads move, within the CPUs pysample
 * may use (taskset, a container's cpuset), and back to all of them when
 * the target's running threads cover every one.
 */
#ifndef PYSAMPLE_PLACEMENT_H
#define PYSAMPLE_PLACEMENT_H

#include <sched.h>

#include "common.h"

#define PLACEMENT_MAX_WATCHED 64

struct placement {
	bool on;
	const char *why_off; /* NULL while on */
	cpu_set_t allowed;   /* pysample's own CPUs when it started */
	cpu_set_t applied;   /* what its threads have now */
	uint64_t moves;      /* times its threads moved */
	/* Looks while the target ran, and of those the ones where pysample's
	 * threads were off its CPUs. */
	uint64_t checks, checks_apart;
};

/* `wanted`: --placement. */
void placement_init(struct placement *pl, bool wanted);
/* Moves every thread of pysample off the CPUs where the target's threads
 * `running` (of processes `pids`, one each, that ran lately) are now. */
void placement_update(struct placement *pl, const pid_t *pids, const pid_t *running, size_t n);
/* "on CPUs 1 (target on 0), moved 3 times" or why it is off. */
void placement_describe(const struct placement *pl, char *buf, size_t len);

/* The CPU a thread last ran on (/proc/PID/task/TID/stat), or -1. */
int placement_cpu_of(pid_t pid, pid_t tid);

#endif
