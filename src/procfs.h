/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading /proc: small whole files, fields of a status file, the state
 * letter of a stat line, signal masks.  What the kernel writes there is
 * trusted in form; what the target chose (its comm, inside the stat line)
 * is not, so the stat line is parsed from its last ')'.
 */
#ifndef PYSAMPLE_PROCFS_H
#define PYSAMPLE_PROCFS_H

#include "common.h"

/* Reads a whole small file into a NUL-terminated buffer (free() it), at
 * most `max` bytes; NULL when it cannot be opened or read. */
char *procfs_read_file(const char *path, size_t max, size_t *len_out);

/* A number in /proc/PID/status (or /proc/PID/task/TID/status when tid is
 * not 0; pysample's own when pid is 0) after `key`, such as "Tgid:", in
 * `base`; false when the file or the line is missing. */
bool procfs_status_field(pid_t pid, pid_t tid, const char *key, int base,
			 unsigned long long *value);

/* The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z', ...), or 0 when
 * it cannot be read (the process is gone). */
char procfs_state(pid_t pid);
/* The same from a stat file's path (a thread's: /proc/PID/task/TID/stat). */
char procfs_state_of(const char *stat_path);

/* PF_KTHREAD in /proc/PID/stat's flags: a kernel thread (its name, which
 * the kernel chose, in comm). */
bool procfs_kernel_thread(pid_t pid, char *comm, size_t comm_len);
/* A thread's name (/proc/PID/task/TID/comm, its own choice: untrusted
 * bytes), without the newline; false when it cannot be read. */
bool procfs_thread_comm(pid_t pid, pid_t tid, char *out, size_t out_len);

/* Calls fn for each numeric entry of a /proc directory (/proc: every
 * process; /proc/PID/task: a process's threads) until it returns false.
 * False when the directory cannot be read. */
bool procfs_each_id(const char *dir, bool (*fn)(pid_t id, void *ctx), void *ctx);

/* The parent of a process, or -1. */
pid_t procfs_parent(pid_t pid);
/* The process a thread belongs to (its Tgid), or -1. */
pid_t procfs_tgid(pid_t tid);

#endif
