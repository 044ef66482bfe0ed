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

/* The parent of a process, or -1. */
pid_t procfs_parent(pid_t pid);
/* The process a thread belongs to (its Tgid), or -1. */
pid_t procfs_tgid(pid_t tid);

#endif
