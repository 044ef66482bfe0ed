/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is a thread on a CPU (running or runnable) right now?  Asked for every
 * thread at every tick, so it must cost as little as /proc allows. */
#ifndef PYSAMPLE_RUNSTATE_H
#define PYSAMPLE_RUNSTATE_H

#include "common.h"

/* Opens what runstate_running reads for the thread; -1 if it cannot. */
int runstate_open(pid_t pid, pid_t tid);
/* True when running or runnable; false when blocked, stopped or gone. */
bool runstate_running(int fd);
/* Which file the answers come from: "wchan" or "stat". */
const char *runstate_source(void);

#endif
