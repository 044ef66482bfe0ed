/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One process being sampled: the target and, with --subprocesses, each
 * descendant followed.  One record per process for the whole run, owned
 * by the sampling thread (the processing thread never sees it: snapshots
 * carry pid, space and exec_gen, and its native sessions, processor.h,
 * are a cache keyed by them).
 *
 *   field    written by               when                 reset
 *   pid      target.c                 attach, fork, clone  never
 *   ns_pid   target.c                 with pid             never
 *   space    target.c                 with pid; the leader its leader's exit
 *                                     exits (pthread_exit)
 *   exec_gen target.c                 each exec; a pid     -
 *                                     reused
 *   gone     target.c                 the process exits    a pid reused
 *   python   sampler.c                its first sample     its caches, when
 *                                                          exec_gen moved
 *
 * Records are kept to the end of the run (queued snapshots point at their
 * Python runtime copies); at most MAX_PROCESSES live ones are followed.
 */
#ifndef PYSAMPLE_PROCESS_H
#define PYSAMPLE_PROCESS_H

#include "common.h"

/* Live processes followed at once; more are let go and counted. */
#define MAX_PROCESSES 256

struct process_python; /* sampler.h */

struct process {
	pid_t pid;
	pid_t ns_pid;      /* its id in its own PID namespace */
	pid_t space;       /* the id to read it through (/proc, process_vm_readv): pid,
			      or a live thread's once its leader has exited */
	unsigned exec_gen; /* bumped at each exec: the address space is new */
	bool gone;
	struct process_python *python;
};

#endif
