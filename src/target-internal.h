/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What target.c, target-events.c and target-start.c share, and nothing
 * outside them uses: the thread and process lists' upkeep, and the few
 * ptrace steps all three take.
 */
#ifndef PYSAMPLE_TARGET_INTERNAL_H
#define PYSAMPLE_TARGET_INTERNAL_H

#include "target.h"

struct thread *tgt_find_thread(struct target *t, pid_t tid);
/* A process to sample; NULL when too many are followed already.  A pid
 * reused by a new process gets a fresh address-space generation. */
struct process *tgt_add_process(struct target *t, pid_t pid);
void tgt_process_gone(struct target *t, struct process *p);
/* `followed`: of a process pysample samples (else it is let go at its
 * first stop). */
struct thread *tgt_add_thread(struct target *t, pid_t tid, pid_t pid, bool followed);
/* A thread that showed up by itself: whose is it, and is that process
 * followed? */
struct thread *tgt_add_new_thread(struct target *t, pid_t tid, pid_t tgid);
void tgt_remove_thread(struct target *t, struct thread *th);
/* Whether a task (thread or process) is still there, reaped or not. */
bool tgt_task_exists(pid_t tid);
/* The process of `th` is read through another of its threads from now on. */
void tgt_move_space(struct target *t, const struct thread *th);
void tgt_start_timer(struct target *t, struct thread *th);
void tgt_stop_timer(struct target *t, struct thread *th);
/* Whether a thread is on a CPU (or waiting for one) right now. */
bool tgt_thread_running(struct target *t, struct thread *th);
void tgt_resume(pid_t tid, int sig);
/* Waits on the signalfd until deadline; true if something may be ready. */
bool tgt_wait_signalfd(struct target *t, uint64_t deadline_ns);

#endif
