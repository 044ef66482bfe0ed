/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Process ids as a container sees them.  A target in another PID namespace
 * has two ids for every thread: the host's (what -p takes) and its own
 * (what its logs print).  /proc/PID/status's NSpid line lists both.
 */
#ifndef PYSAMPLE_PIDNS_H
#define PYSAMPLE_PIDNS_H

#include "common.h"

/* Parses the NSpid line of a /proc status text: the innermost id, or 0. */
pid_t pidns_parse_status(const char *status);

/* The id of thread `tid` of process `pid` in the target's own namespace;
 * `tid` itself when there is no other namespace or /proc cannot tell. */
pid_t pidns_target_id(pid_t pid, pid_t tid);

#endif
