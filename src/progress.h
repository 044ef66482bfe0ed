/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The progress line: while sampling, when standard error is a terminal,
 * one line updated about once a second (elapsed time, samples, the rate
 * achieved, samples lost), erased at the end.  Its own thread: a write to
 * a terminal can block (a paused ssh session, Ctrl-S), and neither the
 * sampling thread (the target's threads wait stopped for it) nor the
 * processing thread may wait on one.
 */
#ifndef PYSAMPLE_PROGRESS_H
#define PYSAMPLE_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>

#include "processor.h"
#include "snapqueue.h"

struct progress {
	pthread_t thread;
	bool running;
	atomic_bool stop;
	struct processor *processor;
	struct snap_queue *queue;
	uint64_t start_ns;
	int fd;
};

/* Starts the line on fd if it is a terminal (else does nothing). */
void progress_start(struct progress *pg, int fd, struct processor *p, struct snap_queue *q);
/* Ends the thread and erases the line. */
void progress_stop(struct progress *pg);

#endif
