/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Open-addressed tables of indexes (0: empty, else index + 1), doubled
 * at half full.  Strings live in chunks that never move, so an interned
 * pointer stays valid; a stack's frame ids live in chunks likewise.
 */
struct index_table {
	uint32_t *slots;
	size_t nslots, used;
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct profile_table {
	struct index_table strings, frames, threads, stacks;
	const char **string_list;
	size_t nstrings, strings_cap;
	struct chunk *chunks;
	size_t frames_cap, threads_cap, stacks_cap;
	uint32_t *ids;  /* the stack being added, as frame ids */
	size_t ids_cap;
	const char *unknown;
};

#define CHUNK_BYTES (64u << 10)

static void *chunk_alloc(struct profile_table *t, size_t n, size_t align)
{
	struct chunk *c = t->chunks;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (!c || at + n > c->cap) {
		size_t cap = n > CHUNK_BYTES ? n : CHUNK_BYTES;
		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = t->chunks;
		t->chunks = c;
		at = 0;
	}
	c->used = at + n;
	return c->data + at;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x9e3779b97f4a7c15ull + (h >> 29);
}

/* The slot for a key of hash h: the first empty one, or the one whose
 * entry `same` says is equal. */
static uint32_t *table_find(struct index_table *t, uint64_t h,
			    bool (*same)(const void *ctx, uint32_t index), const void *ctx)
{
	size_t mask = t->nslots - 1, i = hash_index(h, t->nslots);

	for (;; i = (i + 1) & mask) {
		uint32_t *slot = &t->slots[i];
		if (!*slot || same(ctx, *slot - 1))
			return slot;
	}
}

static void table_grow(struct index_table *t, uint64_t (*hash_of)(const void *ctx, uint32_t index),
		       const void *ctx)
{
	struct index_table bigger;

	if (t->nslots && (t->used + 1) * 2 <= t->nslots)
		return;
	bigger.nslots = t->nslots ? t->nslots * 2 : 256;
	bigger.slots = xcalloc(bigger.nslots, sizeof(*bigger.slots));
	bigger.used = t->used;
	for (size_t i = 0; i < t->nslots; i++) {
		uint32_t v = t->slots[i];
		if (!v)
			continue;
		size_t j = hash_index(hash_of(ctx, v - 1), bigger.nslots);
		while (bigger.slots[j])
			j = (j + 1) & (bigger.nslots - 1);
		bigger.slots[j] = v;
	}
	free(t->slots);
	*t = bigger;
}

/* Strings. */
struct string_key {
	const struct profile_table *t;
	const char *s;
	size_t len;
};

static uint64_t string_hash(const char *s, size_t len)
{
	return hash_bytes(0xcbf29ce484222325ull, s, len);
}

static bool string_same(const void *ctx, uint32_t index)
{
	const struct string_key *k = ctx;
	const char *have = k->t->string_list[index];
	return strncmp(have, k->s, k->len) == 0 && have[k->len] == '\0';
}

static uint64_t string_rehash(const void *ctx, uint32_t index)
{
	const struct profile_table *t = ctx;
	return string_hash(t->string_list[index], strlen(t->string_list[index]));
}

const char *profile_intern(struct profile *p, const char *s)
{
	struct profile_table *t = p->tables;
	struct string_key k = { t, s, strlen(s) };
	uint32_t *slot;
	char *copy;

	table_grow(&t->strings, string_rehash, t);
	slot = table_find(&t->strings, string_hash(s, k.len), string_same, &k);
	if (*slot)
		return t->string_list[*slot - 1];
	copy = chunk_alloc(t, k.len + 1, 1);
	memcpy(copy, s, k.len + 1);
	grow_array((void **)&t->string_list, &t->strings_cap, t->nstrings, sizeof(char *));
	t->string_list[t->nstrings++] = copy;
	t->strings.used++;
	*slot = (uint32_t)t->nstrings;
	return copy;
}

/* Frames: equal when their interned strings and numbers are. */
static uint64_t frame_hash(const struct profile_frame *f)
{
	uint64_t h = mix(0, f->kind);
	h = mix(h, (uintptr_t)f->name);
	h = mix(h, (uintptr_t)f->module);
	h = mix(h, (uintptr_t)f->build_id);
	h = mix(h, (uint32_t)f->line);
	return mix(h, (uint32_t)f->first_line);
}

struct frame_key {
	const struct profile *p;
	const struct profile_frame *f;
};

static bool frame_same(const void *ctx, uint32_t index)
{
	const struct frame_key *k = ctx;
	const struct profile_frame *a = &k->p->frames[index], *b = k->f;
	return a->kind == b->kind && a->name == b->name && a->module == b->module &&
	       a->build_id == b->build_id && a->line == b->line && a->first_line == b->first_line;
}

static uint64_t frame_rehash(const void *ctx, uint32_t index)
{
	const struct profile *p = ctx;
	return frame_hash(&p->frames[index]);
}

static uint32_t frame_id(struct profile *p, const struct sample_frame *in)
{
	struct profile_table *t = p->tables;
	struct profile_frame f = {
		.kind = in->kind,
		.name = in->name ? profile_intern(p, in->name) : t->unknown,
		.module = in->module ? profile_intern(p, in->module) : t->unknown,
		.build_id = in->build_id ? profile_intern(p, in->build_id) : NULL,
		.line = in->kind == FRAME_PYTHON ? in->line : 0,
		.first_line = in->kind == FRAME_PYTHON ? in->first_line : 0,
		.addr = in->addr,
	};
	struct frame_key k = { p, &f };
	uint32_t *slot;

	f.file_label = f.module;
	if (f.kind == FRAME_PYTHON && !p->full_filenames)
		f.file_label = python_short_file(f.module);

	/* A marker's module is pysample's; an inlined frame's is its caller's. */
	if (f.kind == FRAME_MARKER)
		f.module = profile_intern(p, "[pysample]");
	table_grow(&t->frames, frame_rehash, p);
	slot = table_find(&t->frames, frame_hash(&f), frame_same, &k);
	if (*slot)
		return *slot - 1;
	grow_array((void **)&p->frames, &t->frames_cap, p->nframes, sizeof(*p->frames));
	p->frames[p->nframes++] = f;
	t->frames.used++;
	*slot = (uint32_t)p->nframes;
	return (uint32_t)(p->nframes - 1);
}

/* Threads: by pid, tid and name.  A thread that renames itself, or a
 * process that execs (bash, then python3, under one pid), is one entry per
 * name: every record keeps the name it was taken under, as in perf text. */
struct thread_key {
	const struct profile *p;
	pid_t pid, tid;
	const char *comm; /* interned */
};

static uint64_t thread_hash(pid_t pid, pid_t tid, const char *comm)
{
	return mix(mix(mix(0, (uint32_t)pid), (uint32_t)tid), (uintptr_t)comm);
}

static bool thread_same(const void *ctx, uint32_t index)
{
	const struct thread_key *k = ctx;
	const struct profile_thread *t = &k->p->threads[index];
	return t->pid == k->pid && t->tid == k->tid && t->comm == k->comm;
}

static uint64_t thread_rehash(const void *ctx, uint32_t index)
{
	const struct profile *p = ctx;
	return thread_hash(p->threads[index].pid, p->threads[index].tid, p->threads[index].comm);
}

/* threading's name, where the program gave one, is what its own logs call
 * the thread.  It is not part of the thread's identity: a thread is known
 * to threading a moment after it starts (the main thread once threading
 * is imported), and its samples from before are the same thread's. */
static void take_name(struct profile *p, struct profile_thread *t, const struct sample_record *r)
{
	if (r->thread_name && (t->name == t->comm || strcmp(t->name, r->thread_name) != 0))
		t->name = profile_intern(p, r->thread_name);
}

static uint32_t thread_id(struct profile *p, const struct sample_record *r)
{
	struct profile_table *t = p->tables;
	const char *comm = profile_intern(p, r->comm ? r->comm : "[unknown]");
	struct thread_key k = { p, r->pid, r->tid, comm };
	uint32_t *slot;

	table_grow(&t->threads, thread_rehash, p);
	slot = table_find(&t->threads, thread_hash(r->pid, r->tid, comm), thread_same, &k);
	if (*slot) {
		take_name(p, &p->threads[*slot - 1], r);
		return *slot - 1;
	}
	grow_array((void **)&p->threads, &t->threads_cap, p->nthreads, sizeof(*p->threads));
	p->threads[p->nthreads++] = (struct profile_thread){ .pid = r->pid, .tid = r->tid,
							     .comm = comm, .name = comm };
	take_name(p, &p->threads[p->nthreads - 1], r);
	t->threads.used++;
	*slot = (uint32_t)p->nthreads;
	return (uint32_t)(p->nthreads - 1);
}

/* Stacks: by thread and frame ids. */
struct stack_key {
	const struct profile *p;
	uint32_t thread;
	const uint32_t *ids;
	size_t n;
};

static uint64_t stack_hash(uint32_t thread, const uint32_t *ids, size_t n)
{
	uint64_t h = mix(0, thread);
	for (size_t i = 0; i < n; i++)
		h = mix(h, ids[i]);
	return mix(h, n);
}

static bool stack_same(const void *ctx, uint32_t index)
{
	const struct stack_key *k = ctx;
	const struct profile_stack *s = &k->p->stacks[index];
	return s->thread == k->thread && s->nframes == k->n &&
	       memcmp(s->frames, k->ids, k->n * sizeof(*k->ids)) == 0;
}

static uint64_t stack_rehash(const void *ctx, uint32_t index)
{
	const struct profile *p = ctx;
	const struct profile_stack *s = &p->stacks[index];
	return stack_hash(s->thread, s->frames, s->nframes);
}

void profile_add(struct profile *p, const struct sample_record *r)
{
	struct profile_table *t = p->tables;
	uint32_t thread = thread_id(p, r);
	struct profile_stack *s;
	uint32_t *slot;

	grow_array((void **)&t->ids, &t->ids_cap, r->nframes, sizeof(*t->ids));
	for (size_t i = 0; i < r->nframes; i++)
		t->ids[i] = frame_id(p, &r->frames[i]);
	struct stack_key k = { p, thread, t->ids, r->nframes };
	table_grow(&t->stacks, stack_rehash, p);
	slot = table_find(&t->stacks, stack_hash(thread, t->ids, r->nframes), stack_same, &k);
	if (*slot) {
		s = &p->stacks[*slot - 1];
	} else {
		uint32_t *ids = chunk_alloc(t, r->nframes * sizeof(*ids) + 1, sizeof(*ids));
		memcpy(ids, t->ids, r->nframes * sizeof(*ids));
		grow_array((void **)&p->stacks, &t->stacks_cap, p->nstacks, sizeof(*p->stacks));
		s = &p->stacks[p->nstacks++];
		*s = (struct profile_stack){ .thread = thread, .nframes = (uint32_t)r->nframes,
					     .frames = ids, .first_ns = r->time_ns };
		t->stacks.used++;
		*slot = (uint32_t)p->nstacks;
	}
	s->samples++;
	s->weight_ns += r->period_ns;
	s->last_ns = r->time_ns;
	p->threads[thread].samples++;
	p->threads[thread].weight_ns += r->period_ns;
	if (!p->samples || r->time_ns < p->first_ns)
		p->first_ns = r->time_ns;
	if (r->time_ns > p->last_ns)
		p->last_ns = r->time_ns;
	p->samples++;
	p->weight_ns += r->period_ns;
}

void profile_init(struct profile *p)
{
	memset(p, 0, sizeof(*p));
	p->tables = xcalloc(1, sizeof(*p->tables));
	p->tables->unknown = profile_intern(p, "[unknown]");
}

void profile_free(struct profile *p)
{
	struct profile_table *t = p->tables;

	if (t) {
		for (struct chunk *c = t->chunks, *next; c; c = next) {
			next = c->next;
			free(c);
		}
		free(t->strings.slots);
		free(t->frames.slots);
		free(t->threads.slots);
		free(t->stacks.slots);
		free(t->string_list);
		free(t->ids);
		free(t);
	}
	free(p->frames);
	free(p->threads);
	free(p->stacks);
	memset(p, 0, sizeof(*p));
}

const char *profile_frame_label(const struct profile_frame *f, char *buf, size_t len)
{
	const char *base;

	switch (f->kind) {
	case FRAME_PYTHON:
		if (strcmp(f->module, "[unknown]") == 0)
			snprintf(buf, len, "py::%s", f->name);
		else if (f->line)
			snprintf(buf, len, "py::%s:%s:%d", f->name, f->file_label, f->line);
		else
			snprintf(buf, len, "py::%s:%s", f->name, f->file_label);
		break;
	case FRAME_NATIVE:
	case FRAME_INLINED:
		if (strcmp(f->name, "[unknown]") != 0 || strcmp(f->module, "[unknown]") == 0) {
			snprintf(buf, len, "%s", f->name);
			break;
		}
		/* As stackcollapse-perf names a frame without a symbol. */
		base = strrchr(f->module, '/');
		snprintf(buf, len, "[%s]", base ? base + 1 : f->module);
		break;
	case FRAME_MARKER:
	default:
		snprintf(buf, len, "%s", f->name);
		break;
	}
	return buf;
}
