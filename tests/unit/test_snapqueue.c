/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The snapshot queue as snapqueue.h and README "How it works" describe it:
 * stack copies laid in one ring in the order taken, each keeping only the
 * bytes it read; a full ring leaves a sample's stack out, an empty pool
 * drops the sample; snapshots come out in the order pushed and free the
 * ring from its tail as they are released; the fill level is the fuller of
 * the pool and the ring.  Single-threaded, with the sampler's calls in the
 * sampler's order, except where the consumer's waiting is what is tested.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snapqueue.h"
#include "tap.h"

/*
 * As the sampler does: take a snapshot with room for `span` bytes, let
 * "the read" put `got` bytes of `pattern` in its place (as the Python
 * frame reader's syscall does, telling snapshot_copy_stack through `done`)
 * and count the copy.  NULL when the pool is empty.
 */
static struct snapshot *take(struct snap_queue *q, size_t span, size_t got, uint8_t pattern)
{
	struct snapshot *s = snap_queue_take_free(q, span);
	struct mem_tail done = { 0 };

	if (!s)
		return NULL;
	snapshot_reset(s);
	s->have_regs = true;
	memset(&s->regs, 0, sizeof(s->regs));
	if (s->stack) {
		memset(s->stack, pattern, got);
		done = (struct mem_tail){ snapshot_stack_start(&s->regs), s->stack, span, got, true };
	}
	snap_queue_copy_stack(q, s, span, &done);
	return s;
}

/* The copy still holds what was read into it: no later copy overwrote it. */
static bool intact(const struct snapshot *s, uint8_t pattern)
{
	if (!s->stack)
		return false;
	for (size_t i = 0; i < s->stack_len; i++)
		if (s->stack[i] != pattern)
			return false;
	return true;
}

static bool overlap(const struct snapshot *a, const struct snapshot *b)
{
	return a->stack && b->stack && a->stack < b->stack + b->stack_len &&
	       b->stack < a->stack + a->stack_len;
}

/* Push one, pop it (it must be the one pushed: nothing else waits), and
 * release it: a sample processed at once. */
static bool process_one(struct snap_queue *q, struct snapshot *s)
{
	struct snapshot *out = NULL;

	snap_queue_push(q, &s, 1);
	if (snap_queue_pop(q, &out, 1) != 1 || out != s)
		return false;
	snap_queue_release(q, &out, 1);
	return true;
}

static void test_fresh(void)
{
	struct snap_queue q;
	uint64_t pushed = 1, released = 1;

	snap_queue_init(&q, 8, 4096, 4);
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 0 && released == 0 && snap_queue_fill_percent(&q) == 0 &&
	   q.st.dropped == 0 && q.st.stacks_left_out == 0,
	   "fresh queue: empty, nothing pushed, released, dropped or left out");
	snap_queue_free(&q);
}

static void test_copies_in_order(void)
{
	struct snap_queue q;
	struct snapshot *a, *b, *c, *d;

	snap_queue_init(&q, 8, 1000, 4);
	a = take(&q, 300, 200, 0xa1);
	b = take(&q, 300, 150, 0xb2);
	c = take(&q, 300, 250, 0xc3);
	ok(a && b && c && a->stack && b->stack && c->stack && !a->stack_left_out,
	   "three copies fit a ring of 1000 bytes");
	ok(a->stack_len == 200 && b->stack_len == 150 && c->stack_len == 250,
	   "each copy is as long as what was read");
	ok(a->stack >= q.ring && b->stack == a->stack + 200 && c->stack == b->stack + 150,
	   "copies follow each other, each taking only the bytes it read");
	ok(c->stack + 250 <= q.ring + q.ring_size, "the copies lie within the ring");
	ok(intact(a, 0xa1) && intact(b, 0xb2) && intact(c, 0xc3), "no copy overwrote another");

	/* A sample with a copy no longer than the red zone: still a copy. */
	d = take(&q, 200, ARCH_STACK_RED_ZONE + 8, 0xd4);
	ok(d && d->stack == c->stack + 250 && intact(d, 0xd4) && intact(c, 0xc3),
	   "a short copy goes right after the last one");
	snap_queue_free(&q);
}

static void test_python_only(void)
{
	struct snap_queue q;
	struct snapshot *s;

	/* --python-only: no ring at all, and no stack asked for. */
	snap_queue_init(&q, 2, 0, 1);
	s = take(&q, 0, 0, 0);
	ok(s && !s->stack && !s->stack_left_out && q.st.stacks_left_out == 0,
	   "--python-only: a snapshot without a stack is not a stack left out");
	ok(snap_queue_push(&q, &s, 1) == 50, "--python-only: one of two snapshots queued is 50%%");
	snap_queue_free(&q);
}

static void test_full_ring_and_wrap(void)
{
	struct snap_queue q;
	struct snapshot *a, *b, *c, *d, *e, *f, *g, *h, *got[8];
	uint64_t pushed, released;
	size_t n;

	snap_queue_init(&q, 8, 1000, 4);
	a = take(&q, 300, 250, 0xa1);
	b = take(&q, 300, 250, 0xb2);
	c = take(&q, 300, 250, 0xc3);
	/* 250 bytes left at the end, none at the start: no room for 300. */
	d = take(&q, 300, 250, 0xd4);
	ok(a && b && c && a->stack && b->stack && c->stack, "three copies of 250 in 1000 bytes");
	ok(d && !d->stack && d->stack_left_out,
	   "full ring: the fourth sample is kept, without its stack");
	ok(q.st.stacks_left_out == 1 && q.st.dropped == 0,
	   "full ring: counted as a stack left out, not as a drop");
	ok(snap_queue_fill_percent(&q) == 75, "full ring: 750 of 1000 bytes is 75%% full (%u)",
	   snap_queue_fill_percent(&q));

	snap_queue_push(&q, (struct snapshot *[]){ a, b, c, d }, 4);
	n = snap_queue_pop(&q, got, 2);
	ok(n == 2 && got[0] == a && got[1] == b, "popped in the order pushed");
	snap_queue_release(&q, got, 2);

	/* a and b freed the ring's start: the next copy wraps around there,
	 * past c, which is still being processed. */
	e = take(&q, 300, 250, 0xe5);
	ok(e && e->stack == q.ring && !e->stack_left_out, "wrap-around: the copy goes to the start");
	ok(!overlap(e, c) && intact(c, 0xc3) && intact(e, 0xe5),
	   "wrap-around: the copy leaves the one still queued alone");
	/* Between e's end and c's start there are 250 bytes only. */
	f = take(&q, 300, 250, 0xf6);
	ok(f && f->stack_left_out && q.st.stacks_left_out == 2,
	   "after the wrap: no room up to the oldest copy, the stack left out");

	n = snap_queue_pop(&q, got, 8);
	ok(n == 2 && got[0] == c && got[1] == d, "the rest comes out in order");
	snap_queue_release(&q, got, 2);
	/* c is released: its bytes are free, e's are not. */
	g = take(&q, 300, 250, 0x97);
	ok(g && g->stack && !overlap(g, e) && intact(e, 0xe5) && intact(g, 0x97),
	   "c's place is used again, e's is not");
	ok(g && g->stack >= e->stack + e->stack_len && g->stack + 250 <= q.ring + q.ring_size,
	   "the copy after the wrapped one follows it");

	snap_queue_push(&q, (struct snapshot *[]){ e, f, g }, 3);
	n = snap_queue_pop(&q, got, 8);
	ok(n == 3 && got[0] == e && got[1] == f && got[2] == g, "e, f (no stack), g in order");
	snap_queue_release(&q, got, 3);
	ok(snap_queue_fill_percent(&q) == 0, "all released: the ring is empty (%u%%)",
	   snap_queue_fill_percent(&q));
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 7 && released == 7, "7 pushed, 7 released (%llu, %llu)",
	   (unsigned long long)pushed, (unsigned long long)released);

	/* A left-out snapshot back from the pool gets a stack when there is
	 * room again. */
	h = take(&q, 900, 800, 0x18);
	ok(h && h->stack == q.ring && !h->stack_left_out && intact(h, 0x18),
	   "empty ring: a copy of 800 fits, from the start");
	snap_queue_free(&q);
}

/* A gap left at a wrap is unusable, but no backlog: the fill level says
 * how much is waiting, and the gap is not. */
static void test_gap_is_no_backlog(void)
{
	struct snap_queue q;
	struct snapshot *a, *b, *c;

	snap_queue_init(&q, 10, 1000, 1);
	a = take(&q, 400, 400, 0xa1);
	b = take(&q, 400, 400, 0xb1);
	snap_queue_push(&q, &a, 1);
	snap_queue_push(&q, &b, 1);
	struct snapshot *out[2];
	ok(snap_queue_pop(&q, out, 2) == 2, "two queued, both taken for processing");
	snap_queue_release(&q, &out[0], 1); /* a done: the ring's start is free */
	c = take(&q, 300, 300, 0xc1);       /* 200 left at the end: c wraps */
	ok(c && c->stack == q.ring && c->ring_gap == 200, "the copy wraps, leaving a gap of 200");
	snap_queue_release(&q, &out[1], 1); /* b done: only c's 300 bytes wait */
	ok(snap_queue_fill_percent(&q) == 30,
	   "with only c's copy waiting, the ring is 30%% full, not counting the gap (%u)",
	   snap_queue_fill_percent(&q));
	snap_queue_push(&q, &c, 1);
	ok(snap_queue_pop(&q, out, 1) == 1, "c taken out");
	snap_queue_release(&q, out, 1);
	ok(snap_queue_fill_percent(&q) == 0 && q.ring_used == 0 && q.ring_gaps == 0,
	   "all released: nothing used, no gap counted");
	snap_queue_free(&q);
}

static void test_keeping_up(void)
{
	struct snap_queue q;
	struct snapshot *s;
	bool all_at_start = true, processed = true;

	/* Processed one at a time: the ring is empty at each take, and every
	 * copy goes back to the ring's beginning (few pages touched). */
	snap_queue_init(&q, 4, 1000, 1);
	for (int i = 0; i < 20; i++) {
		s = take(&q, 300, 100 + 10 * i, (uint8_t)i);
		all_at_start &= s && s->stack == q.ring;
		processed &= s && process_one(&q, s);
	}
	ok(processed && all_at_start, "keeping up: 20 copies, each at the ring's beginning");
	ok(q.st.stacks_left_out == 0 && q.st.dropped == 0, "keeping up: nothing lost");

	/* One sample behind: the copy goes on after the one still queued. */
	struct snapshot *a = take(&q, 300, 200, 0xaa), *b = take(&q, 300, 200, 0xbb);
	ok(a && b && b->stack == a->stack + 200 && intact(a, 0xaa),
	   "one behind: the next copy follows the queued one");
	ok(process_one(&q, a) && process_one(&q, b) && snap_queue_fill_percent(&q) == 0,
	   "one behind: caught up, the ring is empty");
	snap_queue_free(&q);
}

static void test_full_pool(void)
{
	struct snap_queue q;
	struct snapshot *s[3], *extra, *got[3];
	unsigned fill;

	snap_queue_init(&q, 3, 10000, 8);
	for (int i = 0; i < 3; i++)
		s[i] = take(&q, 300, 200, (uint8_t)(0x30 + i));
	fill = snap_queue_fill_percent(&q);
	extra = take(&q, 300, 200, 0x99);
	ok(s[0] && s[1] && s[2] && s[0] != s[1] && s[1] != s[2] && s[0] != s[2],
	   "a pool of 3 gives 3 distinct snapshots");
	ok(!extra && q.st.dropped == 1 && q.st.stacks_left_out == 0,
	   "empty pool: the sample is dropped and counted as a drop");
	ok(snap_queue_fill_percent(&q) == fill, "empty pool: the drop took no ring bytes");
	extra = take(&q, 300, 200, 0x99);
	ok(!extra && q.st.dropped == 2, "each drop counted (%llu)",
	   (unsigned long long)q.st.dropped);

	snap_queue_push(&q, s, 3);
	ok(snap_queue_pop(&q, got, 1) == 1 && got[0] == s[0], "the oldest comes out first");
	snap_queue_release(&q, got, 1);
	extra = take(&q, 300, 200, 0x99);
	ok(extra == s[0], "the released snapshot is the one the pool gives next");
	ok(extra && intact(extra, 0x99) && intact(s[1], 0x31) && intact(s[2], 0x32),
	   "its new copy leaves the queued ones alone");
	snap_queue_free(&q);
}

static void test_order_around_the_pool(void)
{
	struct snap_queue q;
	struct snapshot *in[3], *out[3];
	bool in_order = true;
	uint64_t pushed, released, total = 0;

	/* More rounds than the pool has snapshots: the queue's own indices
	 * wrap, the order must not. */
	snap_queue_init(&q, 3, 0, 1);
	for (int round = 0; round < 10; round++) {
		size_t k = 1 + round % 3, n;
		for (size_t i = 0; i < k; i++) {
			in[i] = snap_queue_take_free(&q, 0);
			in_order &= in[i] != NULL;
			if (in[i])
				in[i]->tid = round * 10 + (int)i;
		}
		if (!in_order)
			break;
		snap_queue_push(&q, in, k);
		total += k;
		n = snap_queue_pop(&q, out, 3);
		in_order &= n == k;
		for (size_t i = 0; i < n && i < k; i++)
			in_order &= out[i] == in[i] && out[i]->tid == round * 10 + (int)i;
		snap_queue_release(&q, out, n);
	}
	snap_queue_progress(&q, &pushed, &released);
	ok(in_order, "10 rounds of 1 to 3 through a pool of 3: all out in the order pushed");
	ok(total == 19 && pushed == total && released == total,
	   "19 pushed and released (%llu, %llu)", (unsigned long long)pushed,
	   (unsigned long long)released);
	snap_queue_free(&q);
}

static void test_progress_counts_released_only(void)
{
	struct snap_queue q;
	struct snapshot *s[4], *out[4];
	uint64_t pushed, released;

	snap_queue_init(&q, 4, 0, 1);
	for (int i = 0; i < 4; i++)
		s[i] = snap_queue_take_free(&q, 0);
	snap_queue_push(&q, s, 3);
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 3 && released == 0, "3 pushed, none released (%llu, %llu)",
	   (unsigned long long)pushed, (unsigned long long)released);
	ok(snap_queue_pop(&q, out, 4) == 3, "3 popped");
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 3 && released == 0, "popped is not released");
	snap_queue_release(&q, out, 2);
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 3 && released == 2, "2 of them released (%llu)", (unsigned long long)released);
	snap_queue_push(&q, &s[3], 1);
	snap_queue_release(&q, &out[2], 1);
	snap_queue_progress(&q, &pushed, &released);
	ok(pushed == 4 && released == 3, "4 pushed, 3 released (%llu, %llu)",
	   (unsigned long long)pushed, (unsigned long long)released);
	snap_queue_free(&q);
}

static void test_fill_percent(void)
{
	struct snap_queue q;
	struct snapshot *s[10], *out[10];
	unsigned fill;

	/* By count: snapshots queued, of the pool. */
	snap_queue_init(&q, 10, 0, 100);
	for (int i = 0; i < 10; i++)
		s[i] = snap_queue_take_free(&q, 0);
	ok(snap_queue_push(&q, s, 2) == 20, "2 of 10 queued: 20%%");
	fill = snap_queue_push(&q, s + 2, 5);
	ok(fill == 70 && snap_queue_fill_percent(&q) == 70, "7 of 10 queued: 70%% (%u)", fill);
	ok(snap_queue_pop(&q, out, 4) == 4 && snap_queue_fill_percent(&q) == 30,
	   "4 taken out for processing: 30%% (%u)", snap_queue_fill_percent(&q));
	snap_queue_release(&q, out, 4);
	ok(snap_queue_pop(&q, out, 10) == 3 && snap_queue_fill_percent(&q) == 0,
	   "all taken out: 0%%");
	snap_queue_release(&q, out, 3);
	snap_queue_free(&q);

	/* By bytes: the ring holds copies until they are released. */
	snap_queue_init(&q, 10, 1000, 100);
	s[0] = take(&q, 700, 600, 1);
	ok(snap_queue_push(&q, s, 1) == 60, "1 of 10 queued but 600 of 1000 bytes: 60%%");
	ok(snap_queue_pop(&q, out, 1) == 1 && snap_queue_fill_percent(&q) == 60,
	   "taken out but not released: still 60%% (%u)", snap_queue_fill_percent(&q));
	for (int i = 1; i < 9; i++)
		s[i] = take(&q, 0, 0, 0);
	ok(snap_queue_push(&q, s + 1, 8) == 80, "8 of 10 queued, 600 bytes: 80%%");
	snap_queue_release(&q, out, 1);
	ok(snap_queue_fill_percent(&q) == 80, "the copy released, 8 still queued: 80%%");
	ok(snap_queue_pop(&q, out, 10) == 8, "the 8 taken out");
	snap_queue_release(&q, out, 8);
	ok(snap_queue_fill_percent(&q) == 0, "all released: 0%%");
	snap_queue_free(&q);
}

static void test_close_and_drain(void)
{
	struct snap_queue q;
	struct snapshot *s[3], *out[4];

	snap_queue_init(&q, 3, 0, 1);
	for (int i = 0; i < 3; i++)
		s[i] = snap_queue_take_free(&q, 0);
	snap_queue_push(&q, s, 3);
	snap_queue_close(&q);
	ok(snap_queue_pop(&q, out, 2) == 2 && out[0] == s[0] && out[1] == s[1],
	   "closed: what was queued still comes out, in order");
	ok(snap_queue_pop(&q, out + 2, 2) == 1 && out[2] == s[2], "closed: the last one");
	ok(snap_queue_pop(&q, out, 4) == 0, "closed and drained: pop returns 0 without waiting");
	ok(snap_queue_pop(&q, out, 4) == 0, "and again");
	snap_queue_release(&q, out, 3);
	snap_queue_free(&q);
}

/* The consumer thread: pops until the queue is closed and drained, and
 * notes each snapshot's tid as it comes (the snapshot itself goes back to
 * the pool and is taken again). */
struct consumer {
	struct snap_queue *q;
	pid_t seen[64];
	size_t nseen;
	bool done;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	struct snapshot *batch[4];
	size_t n;

	while ((n = snap_queue_pop(c->q, batch, 4)) > 0) {
		pthread_mutex_lock(&c->q->lock);
		for (size_t i = 0; i < n && c->nseen < ARRAY_SIZE(c->seen); i++)
			c->seen[c->nseen++] = batch[i]->tid;
		pthread_mutex_unlock(&c->q->lock);
		snap_queue_release(c->q, batch, n);
	}
	pthread_mutex_lock(&c->q->lock);
	c->done = true;
	pthread_mutex_unlock(&c->q->lock);
	return NULL;
}

enum until { IDLE, SEEN_1, POOL_WHOLE, POOL_NOT_EMPTY, SEEN_41, DONE };

static bool reached(const struct consumer *c, enum until what)
{
	switch (what) {
	case IDLE: return c->q->idle;
	case SEEN_1: return c->nseen == 1;
	case POOL_WHOLE: return c->q->nfree == c->q->total;
	case POOL_NOT_EMPTY: return c->q->nfree > 0;
	case SEEN_41: return c->nseen == 41;
	case DONE: return c->done;
	}
	return false;
}

/* Polls, under the queue's lock, until `what` holds or 5 s have passed:
 * a wake-up that never comes fails the test instead of hanging it. */
static bool wait_until(struct consumer *c, enum until what)
{
	bool met = false;

	for (int i = 0; i < 5000 && !met; i++) {
		pthread_mutex_lock(&c->q->lock);
		met = reached(c, what);
		pthread_mutex_unlock(&c->q->lock);
		if (!met)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return met;
}

static void test_consumer_thread(void)
{
	struct snap_queue q;
	struct consumer c = { 0 };
	struct snapshot *s;
	pthread_t th;
	bool in_order = true;

	/* A batch of 8 wakes a waiting consumer, but one that found nothing
	 * in its short wait waits for anything: the next snapshot. */
	snap_queue_init(&q, 16, 0, 8);
	c.q = &q;
	if (pthread_create(&th, NULL, consume, &c) != 0) {
		printf("Bail out! cannot start the consumer thread\n");
		exit(1);
	}
	ok(wait_until(&c, IDLE), "an empty queue: the consumer goes idle");
	s = snap_queue_take_free(&q, 0);
	s->tid = 1000;
	snap_queue_push(&q, &s, 1);
	ok(wait_until(&c, SEEN_1), "idle: a single snapshot is handed over at once");
	ok(wait_until(&c, POOL_WHOLE), "and released back to the pool");

	/* 40 more, a few at a time: whatever the wake-ups, all come out
	 * once, in order. */
	for (int i = 0; i < 40; i++) {
		if (!wait_until(&c, POOL_NOT_EMPTY))
			break;
		s = snap_queue_take_free(&q, 0);
		s->tid = 1001 + i;
		snap_queue_push(&q, &s, 1);
		if (i % 5 == 4)
			nanosleep(&(struct timespec){ 0, 3000000 }, NULL);
	}
	ok(wait_until(&c, SEEN_41), "41 snapshots handed over (%zu)", c.nseen);
	pthread_mutex_lock(&q.lock);
	for (size_t i = 0; i < c.nseen; i++)
		in_order &= c.seen[i] == 1000 + (pid_t)i;
	pthread_mutex_unlock(&q.lock);
	ok(in_order, "in the order pushed");

	snap_queue_close(&q);
	ok(wait_until(&c, DONE), "close: the waiting consumer returns");
	pthread_join(th, NULL);
	ok(q.pushed == 41 && q.released == 41 && q.nfree == 16,
	   "after the consumer: 41 pushed, 41 released, the pool whole");
	snap_queue_free(&q);
}

int main(void)
{
	test_fresh();
	test_copies_in_order();
	test_python_only();
	test_full_ring_and_wrap();
	test_keeping_up();
	test_gap_is_no_backlog();
	test_full_pool();
	test_order_around_the_pool();
	test_progress_counts_released_only();
	test_fill_percent();
	test_close_and_drain();
	test_consumer_thread();
	return tap_done();
}
