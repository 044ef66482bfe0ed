/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots handed from the sampling thread to the processing thread.  A
 * fixed pool bounds memory; when processing falls behind and the pool is
 * empty, samples are dropped and counted, and the sampling clock is never
 * held up by unwinding or symbolizing.
 */
#ifndef PYSAMPLE_SNAPQUEUE_H
#define PYSAMPLE_SNAPQUEUE_H

#include <pthread.h>

#include "snapshot.h"

struct snap_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct snapshot *all;   /* the pool */
	struct snapshot **free_list;
	size_t nfree;
	struct snapshot **ring; /* taken, waiting to be processed, oldest first */
	size_t head, count;
	size_t total;
	bool closed;
	/* The consumer is waiting: briefly (woken by a batch, or by its own
	 * timeout) or, after a timeout with nothing to do, until anything. */
	bool waiting, idle;
	size_t wake_batch;
	uint64_t dropped;       /* samples lost because the pool was empty */
};

/* `wake_batch`: snapshots queued before a waiting consumer is woken. */
void snap_queue_init(struct snap_queue *q, size_t total, size_t wake_batch);
void snap_queue_free(struct snap_queue *q);
/* A snapshot to fill, or NULL (and a drop counted) when all are in use. */
struct snapshot *snap_queue_take_free(struct snap_queue *q);
/* Hands filled snapshots over, in order. */
void snap_queue_push(struct snap_queue *q, struct snapshot *const *snaps, size_t n);
/* Gives back a snapshot that was taken but not filled. */
void snap_queue_put_back(struct snap_queue *q, struct snapshot *snap);
/* Waits for filled snapshots; returns 0 only when closed and drained. */
size_t snap_queue_pop(struct snap_queue *q, struct snapshot **out, size_t max);
/* Returns processed snapshots to the pool. */
void snap_queue_release(struct snap_queue *q, struct snapshot *const *snaps, size_t n);
/* No more snapshots will come. */
void snap_queue_close(struct snap_queue *q);

#endif
