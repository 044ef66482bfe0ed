/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 100000000u /* checks for the end 10 times a second */
#define REFRESH_NS 1000000000u

static void show(struct progress *pg)
{
	struct snap_queue_stats q = snap_queue_stats_now(pg->queue);
	uint64_t samples = atomic_load_explicit(&pg->processor->written, memory_order_relaxed);
	double elapsed = (double)(now_ns() - pg->start_ns) / 1e9;
	char line[160];
	int n;

	/* "\r" and erase-to-end: the one control sequence every terminal
	 * pysample runs on knows (ECMA-48 EL). */
	n = snprintf(line, sizeof(line),
		     "\r\033[Kpysample: %.0f s, %llu samples (%.0f/s), %llu lost, Ctrl-C to stop",
		     elapsed, (unsigned long long)samples, elapsed > 0 ? (double)samples / elapsed : 0,
		     (unsigned long long)(q.dropped + q.stacks_left_out));
	if (n > 0 && write(pg->fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		atomic_store(&pg->stop, true);
}

static void *progress_main(void *arg)
{
	struct progress *pg = arg;
	uint64_t next = pg->start_ns + REFRESH_NS;

	while (!atomic_load(&pg->stop)) {
		struct timespec ts = { 0, TICK_NS };
		nanosleep(&ts, NULL);
		if (now_ns() >= next && !atomic_load(&pg->stop)) {
			show(pg);
			next += REFRESH_NS;
		}
	}
	return NULL;
}

void progress_start(struct progress *pg, int fd, struct processor *p, struct snap_queue *q)
{
	memset(pg, 0, sizeof(*pg));
	if (!isatty(fd))
		return;
	pg->fd = fd;
	pg->processor = p;
	pg->queue = q;
	pg->start_ns = now_ns();
	atomic_init(&pg->stop, false);
	pg->running = pthread_create(&pg->thread, NULL, progress_main, pg) == 0;
}

void progress_stop(struct progress *pg)
{
	static const char erase[] = "\r\033[K";

	if (!pg->running)
		return;
	atomic_store(&pg->stop, true);
	pthread_join(pg->thread, NULL);
	pg->running = false;
	if (write(pg->fd, erase, sizeof(erase) - 1) < 0)
		return;
}
