/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots handed from the sampling thread to the processing thread.  A
 * pool of snapshots and one ring of bytes for their stack copies bound
 * memory: each copy takes the bytes it read, not --stack-bytes, so a
 * queue of shallow stacks holds many samples.  The processing thread
 * releases snapshots in the order they were taken, which frees the ring
 * from its tail; while processing keeps up, copies go back to its
 * beginning, so few pages are touched.  When processing falls behind and
 * the pool or the ring is full, samples are dropped and counted, and the
 * sampling clock is never held up by unwinding or symbolizing.
 */
#ifndef PYSAMPLE_SNAPQUEUE_H
#define PYSAMPLE_SNAPQUEUE_H

#include <pthread.h>

#include "snapshot.h"

/* What the queue had to give up, for the summary. */
struct snap_queue_stats {
	uint64_t dropped;         /* samples lost because the pool was full */
	uint64_t stacks_left_out; /* samples taken without their stack copy: the ring was full */
};

struct snap_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct snapshot *all;   /* the pool */
	struct snapshot **free_list;
	size_t nfree;
	struct snapshot **queued; /* taken, waiting to be processed, oldest first */
	size_t head, count;
	size_t total;
	uint8_t *ring;          /* stack copies, in the order taken */
	size_t ring_size, ring_head, ring_tail, ring_used; /* used: with the gap left at a wrap */
	size_t ring_gaps; /* of ring_used, the gaps left at wraps */
	bool closed;
	/* The consumer is waiting: briefly (woken by a batch, or by its own
	 * timeout) or, after a timeout with nothing to do, until anything. */
	bool waiting, idle;
	size_t wake_batch;
	struct snap_queue_stats st;
	uint64_t pushed, released; /* since the start; released in the order pushed */
};

/* `total` snapshots and `ring_bytes` of stack copies at most; `wake_batch`:
 * snapshots queued before a waiting consumer is woken. */
void snap_queue_init(struct snap_queue *q, size_t total, size_t ring_bytes, size_t wake_batch);
void snap_queue_free(struct snap_queue *q);
/* A snapshot to fill, with its place in the ring set aside for a stack copy
 * of `stack_bytes` (none, and stack_left_out set, when the ring is full),
 * or NULL (and a drop counted) when the pool is empty. */
struct snapshot *snap_queue_take_free(struct snap_queue *q, size_t stack_bytes);
/* Copies the stack of `snap` (just taken) into the ring, keeping only the
 * bytes read; `done` as for snapshot_copy_stack. */
void snap_queue_copy_stack(struct snap_queue *q, struct snapshot *snap, size_t stack_bytes,
			   const struct mem_tail *done);
/* Hands filled snapshots over, in order; returns how full the queue is
 * then (as snap_queue_fill_percent). */
unsigned snap_queue_push(struct snap_queue *q, struct snapshot *const *snaps, size_t n);
/* Waits for filled snapshots; returns 0 only when closed and drained. */
size_t snap_queue_pop(struct snap_queue *q, struct snapshot **out, size_t max);
/* How full the queue is, in percent of its snapshots or of its ring,
 * whichever is fuller. */
unsigned snap_queue_fill_percent(struct snap_queue *q);
/* Returns processed snapshots to the pool. */
void snap_queue_release(struct snap_queue *q, struct snapshot *const *snaps, size_t n);
/* How many snapshots were handed over, and how many of them processed
 * and released, since the start: every snapshot among the first
 * `released` handed over has been processed. */
void snap_queue_progress(struct snap_queue *q, uint64_t *pushed, uint64_t *released);
/* No more snapshots will come. */
void snap_queue_close(struct snap_queue *q);

/* The counters as they stand, from any thread (the progress line). */
struct snap_queue_stats snap_queue_stats_now(struct snap_queue *q);

#endif
