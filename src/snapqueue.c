/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "snapqueue.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The processing thread is woken only when it waits: for a batch of
 * snapshots (wake_batch), or it wakes itself after a short wait; only when
 * it has gone idle does the next snapshot wake it at once. */
#define WAIT_NS 2000000

void snap_queue_init(struct snap_queue *q, size_t total, size_t wake_batch)
{
	memset(q, 0, sizeof(*q));
	pthread_condattr_t attr;

	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->ready, &attr);
	pthread_condattr_destroy(&attr);
	q->total = total;
	q->wake_batch = wake_batch ? wake_batch : 1;
	q->all = xcalloc(total, sizeof(*q->all));
	q->free_list = xcalloc(total, sizeof(*q->free_list));
	q->ring = xcalloc(total, sizeof(*q->ring));
	for (size_t i = 0; i < total; i++)
		q->free_list[q->nfree++] = &q->all[i];
}

void snap_queue_free(struct snap_queue *q)
{
	for (size_t i = 0; i < q->total; i++)
		snapshot_free(&q->all[i]);
	free(q->all);
	free(q->free_list);
	free(q->ring);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->ready);
}

struct snapshot *snap_queue_take_free(struct snap_queue *q)
{
	struct snapshot *s = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->nfree)
		s = q->free_list[--q->nfree];
	else
		q->dropped++;
	pthread_mutex_unlock(&q->lock);
	return s;
}

void snap_queue_put_back(struct snap_queue *q, struct snapshot *snap)
{
	pthread_mutex_lock(&q->lock);
	q->free_list[q->nfree++] = snap;
	pthread_mutex_unlock(&q->lock);
}

void snap_queue_push(struct snap_queue *q, struct snapshot *const *snaps, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++)
		q->ring[(q->head + q->count++) % q->total] = snaps[i];
	if (q->idle || (q->waiting && q->count >= q->wake_batch))
		pthread_cond_signal(&q->ready);
	pthread_mutex_unlock(&q->lock);
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
		out[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->total;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

void snap_queue_release(struct snap_queue *q, struct snapshot *const *snaps, size_t n)
{
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < n; i++)
		q->free_list[q->nfree++] = snaps[i];
	pthread_mutex_unlock(&q->lock);
}

void snap_queue_close(struct snap_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
}
