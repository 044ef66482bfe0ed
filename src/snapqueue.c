/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "snapqueue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The processing thread is woken only when it waits: for a batch of
 * snapshots (wake_batch), or it wakes itself after a short wait; only when
 * it has gone idle does the next snapshot wake it at once. */
#define WAIT_NS 2000000

void snap_queue_init(struct snap_queue *q, size_t total, size_t ring_bytes, size_t wake_batch)
{
	memset(q, 0, sizeof(*q));
	pthread_condattr_t attr;
	pthread_mutexattr_t lock_attr;

	/* The sampling thread runs at real-time priority, the processing
	 * thread at nice 19 while it keeps up: preempted while it held the
	 * lock, it would keep the clock waiting until a busy target left it
	 * a CPU, hundreds of milliseconds on a loaded machine.  Priority
	 * inheritance lends it the waiter's priority for as long as it holds
	 * the lock. */
	pthread_mutexattr_init(&lock_attr);
	pthread_mutexattr_setprotocol(&lock_attr, PTHREAD_PRIO_INHERIT);
	if (pthread_mutex_init(&q->lock, &lock_attr) != 0)
		pthread_mutex_init(&q->lock, NULL);
	pthread_mutexattr_destroy(&lock_attr);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->ready, &attr);
	pthread_condattr_destroy(&attr);
	q->total = total;
	q->ring_size = ring_bytes;
	q->ring = ring_bytes ? xmalloc(ring_bytes) : NULL;
	q->wake_batch = wake_batch ? wake_batch : 1;
	q->all = xcalloc(total, sizeof(*q->all));
	q->free_list = xcalloc(total, sizeof(*q->free_list));
	q->queued = xcalloc(total, sizeof(*q->queued));
	for (size_t i = 0; i < total; i++)
		q->free_list[q->nfree++] = &q->all[i];
}

void snap_queue_free(struct snap_queue *q)
{
	for (size_t i = 0; i < q->total; i++)
		snapshot_free(&q->all[i]);
	free(q->all);
	free(q->free_list);
	free(q->queued);
	free(q->ring);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->ready);
}

/*
 * Where `want` contiguous bytes of the ring are free, or SIZE_MAX.  The
 * used bytes run from tail to head, wrapping at most once; at least one
 * byte stays free, so head == tail means empty.  While processing keeps
 * up, copies go back to the beginning: a run that keeps up touches little
 * memory.
 */
static size_t ring_room(struct snap_queue *q, size_t want)
{
	if (!q->ring_used)
		q->ring_head = q->ring_tail = 0;
	if (q->ring_head >= q->ring_tail) { /* free: [head, size) and [0, tail) */
		/* Back to the beginning when little waits (processing keeps
		 * up) or the end is full; under a backlog going on at the
		 * head keeps the whole ring usable. */
		if (q->ring_tail > want &&
		    (q->ring_used < want || q->ring_size - q->ring_head <= want))
			return 0;
		if (q->ring_size - q->ring_head > want)
			return q->ring_head;
		return SIZE_MAX;
	}
	return q->ring_tail - q->ring_head > want ? q->ring_head : SIZE_MAX; /* free: [head, tail) */
}

struct snap_queue_stats snap_queue_stats_now(struct snap_queue *q)
{
	struct snap_queue_stats st;

	pthread_mutex_lock(&q->lock);
	st = q->st;
	pthread_mutex_unlock(&q->lock);
	return st;
}

struct snapshot *snap_queue_take_free(struct snap_queue *q, size_t stack_bytes)
{
	struct snapshot *s = NULL;
	size_t at = 0;

	pthread_mutex_lock(&q->lock);
	if (q->nfree) {
		s = q->free_list[--q->nfree];
		/* Where its stack copy goes: only this thread adds to the ring,
		 * and until the copy is counted the processing thread can only
		 * free more.  A full ring keeps the sample, without its copy:
		 * deep stacks fill the ring first, and dropping whole samples
		 * then would take them mostly from the deep phases. */
		if (stack_bytes)
			at = ring_room(q, stack_bytes);
		s->stack_left_out = stack_bytes && at == SIZE_MAX;
		s->stack = stack_bytes && !s->stack_left_out ? q->ring + at : NULL;
		s->stack_len = 0;
		s->ring_bytes = s->ring_gap = 0;
		q->st.stacks_left_out += s->stack_left_out;
	} else {
		q->st.dropped++;
	}
	pthread_mutex_unlock(&q->lock);
	return s;
}

void snap_queue_copy_stack(struct snap_queue *q, struct snapshot *snap, size_t stack_bytes,
			   const struct mem_tail *done)
{
	size_t at;

	if (!snap->stack)
		return;
	at = (size_t)(snap->stack - q->ring);
	snapshot_copy_stack(snap, snap->stack, stack_bytes, done);
	pthread_mutex_lock(&q->lock);
	if (at == 0 && q->ring_head != 0 && q->ring_used)
		snap->ring_gap = q->ring_size - q->ring_head; /* left at the end */
	snap->ring_bytes = snap->ring_gap + snap->stack_len;
	q->ring_gaps += snap->ring_gap;
	if (snap->ring_bytes) {
		q->ring_head = at + snap->stack_len;
		q->ring_used += snap->ring_bytes;
		snap->ring_end = q->ring_head;
	}
	pthread_mutex_unlock(&q->lock);
}

/* Snapshots queued, or ring bytes holding copies, whichever is fuller.
 * A gap left at a wrap is unusable until the tail passes it, but it is no
 * backlog: counted, a short dip after a wrap far into the ring looked
 * like processing behind. */
static unsigned fill_locked(const struct snap_queue *q)
{
	size_t by_count = q->total ? q->count * 100 / q->total : 0, by_bytes = 0;

	if (q->ring_size)
		by_bytes = (q->ring_used - q->ring_gaps) * 100 / q->ring_size;
	return (unsigned)(by_count > by_bytes ? by_count : by_bytes);
}

unsigned snap_queue_push(struct snap_queue *q, struct snapshot *const *snaps, size_t n)
{
	unsigned fill;

	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++)
		q->queued[(q->head + q->count++) % q->total] = snaps[i];
	q->pushed += n;
	if (n && (q->idle || (q->waiting && q->count >= q->wake_batch)))
		pthread_cond_signal(&q->ready);
	fill = fill_locked(q);
	pthread_mutex_unlock(&q->lock);
	return fill;
}

size_t snap_queue_pop(struct snap_queue *q, struct snapshot **out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->closed) {
		struct timespec until;
		int rc;
		if (q->idle) {
			pthread_cond_wait(&q->ready, &q->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WAIT_NS;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		q->waiting = true;
		rc = pthread_cond_timedwait(&q->ready, &q->lock, &until);
		q->waiting = false;
		if (rc != 0 && !q->count)
			q->idle = true; /* nothing came: wait for anything */
	}
	q->idle = false;
	while (q->count && n < max) {
		out[n++] = q->queued[q->head];
		q->head = (q->head + 1) % q->total;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

unsigned snap_queue_fill_percent(struct snap_queue *q)
{
	unsigned fill;

	pthread_mutex_lock(&q->lock);
	fill = fill_locked(q);
	pthread_mutex_unlock(&q->lock);
	return fill;
}

void snap_queue_release(struct snap_queue *q, struct snapshot *const *snaps, size_t n)
{
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++) {
		/* In the order taken: the ring frees up to this one's end. */
		if (snaps[i]->ring_bytes) {
			q->ring_used -= snaps[i]->ring_bytes;
			q->ring_gaps -= snaps[i]->ring_gap;
			q->ring_tail = snaps[i]->ring_end;
		}
		snaps[i]->stack = NULL;
		q->free_list[q->nfree++] = snaps[i];
	}
	q->released += n;
	pthread_mutex_unlock(&q->lock);
}

void snap_queue_progress(struct snap_queue *q, uint64_t *pushed, uint64_t *released)
{
	pthread_mutex_lock(&q->lock);
	*pushed = q->pushed;
	*released = q->released;
	pthread_mutex_unlock(&q->lock);
}

void snap_queue_close(struct snap_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
}
