/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --top N: the profile's functions ranked by self share.  A function is a
 * Python function (qualified name and file: its --lines frames are one
 * function), a native one (symbol and module: the lines where it was
 * inlined count as the function too, as its code runs there), or a marker.
 * Self is the share of the samples whose innermost frame is the function;
 * total the share of those with the function anywhere on the stack,
 * counted once per stack however often it recurs.  Shares are of the
 * samples' weight (their period), as perf report weighs them; the
 * samples column is the self count.
 */
#include "top.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"

struct top_writer {
	struct writer w;
	struct profile prof;
	unsigned n;
	FILE *out;
};

static void top_sample(struct writer *w, const struct sample_record *r)
{
	profile_add(&((struct top_writer *)w)->prof, r);
}

static bool top_end(struct writer *w, const struct run_info *info)
{
	struct top_writer *t = (struct top_writer *)w;

	(void)info;
	top_print(t->out, &t->prof, t->n);
	return true;
}

static void top_free(struct writer *w)
{
	profile_free(&((struct top_writer *)w)->prof);
	free(w);
}

static const struct writer_ops top_ops = {
	.name = "top", .extensions = "", .sample = top_sample, .end = top_end, .free = top_free,
};

struct writer *top_writer_open(unsigned n, FILE *out)
{
	struct top_writer *t = xcalloc(1, sizeof(*t));

	t->w.ops = &top_ops;
	t->w.fd = -1;
	profile_init(&t->prof);
	t->n = n;
	t->out = out;
	return &t->w;
}

/* A frame and the function it belongs to, sorted to find equal ones. */
struct frame_key {
	enum top_func_class cls;
	const char *name, *module;
	uint32_t frame;
};

/* A frame that is no function of its own (a native frame, Python-only). */
#define NOT_A_FUNCTION ((enum top_func_class)(TOP_MARKER + 1))

static enum top_func_class class_of(const struct profile_frame *f)
{
	return f->kind == FRAME_PYTHON ? TOP_PYTHON : f->kind == FRAME_MARKER ? TOP_MARKER
									     : TOP_NATIVE;
}

static int cmp_ptr(const void *a, const void *b)
{
	return (uintptr_t)a < (uintptr_t)b ? -1 : (uintptr_t)a > (uintptr_t)b;
}

static int by_function(const void *pa, const void *pb)
{
	const struct frame_key *a = pa, *b = pb;

	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->name != b->name)
		return cmp_ptr(a->name, b->name);
	return cmp_ptr(a->module, b->module);
}

/* Fills funcs (one per distinct function) and func_of (frame -> func);
 * returns how many functions. */
static size_t find_functions(const struct profile *p, bool python_only, struct top_func *funcs,
			     uint32_t *func_of)
{
	struct frame_key *keys = xcalloc(p->nframes ? p->nframes : 1, sizeof(*keys));
	size_t n = 0;

	for (size_t i = 0; i < p->nframes; i++) {
		const struct profile_frame *f = &p->frames[i];
		if (python_only && f->kind != FRAME_PYTHON) {
			/* Sorted last, and never a function of its own. */
			keys[i] = (struct frame_key){ NOT_A_FUNCTION, NULL, NULL, (uint32_t)i };
			continue;
		}
		keys[i] = (struct frame_key){ class_of(f), f->name,
					      f->kind == FRAME_MARKER ? NULL : f->module,
					      (uint32_t)i };
	}
	qsort(keys, p->nframes, sizeof(*keys), by_function);
	for (size_t i = 0; i < p->nframes; i++) {
		const struct profile_frame *f = &p->frames[keys[i].frame];
		if (keys[i].cls == NOT_A_FUNCTION) {
			func_of[keys[i].frame] = UINT32_MAX;
			continue;
		}
		if (i == 0 || by_function(&keys[i - 1], &keys[i]) != 0)
			funcs[n++] = (struct top_func){ .cls = keys[i].cls, .name = keys[i].name,
						    .module = keys[i].module };
		if (!funcs[n - 1].first_line && f->first_line > 0)
			funcs[n - 1].first_line = f->first_line;
		func_of[keys[i].frame] = (uint32_t)(n - 1);
	}
	free(keys);
	return n;
}

/* no_python: the function of the stacks without a Python frame
 * (python_only), NULL otherwise. */
static void count_stacks(const struct profile *p, struct top_func *funcs, const uint32_t *func_of,
			 struct top_func *no_python)
{
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct profile_stack *s = &p->stacks[i];
		struct top_func *leaf = NULL;
		uint32_t k = 0;

		if (!s->nframes)
			continue;
		/* Python-only: the innermost Python frame is the leaf. */
		while (k < s->nframes && func_of[s->frames[k]] == UINT32_MAX)
			k++;
		leaf = k < s->nframes ? &funcs[func_of[s->frames[k]]] : no_python;
		if (!leaf)
			continue;
		leaf->self += s->samples;
		leaf->self_weight += s->weight_ns;
		if (leaf == no_python) {
			leaf->total += s->samples;
			leaf->total_weight += s->weight_ns;
			continue;
		}
		for (; k < s->nframes; k++) {
			if (func_of[s->frames[k]] == UINT32_MAX)
				continue;
			struct top_func *f = &funcs[func_of[s->frames[k]]];
			if (f->last_stack != i + 1) {
				f->last_stack = i + 1;
				f->total += s->samples;
				f->total_weight += s->weight_ns;
			}
		}
	}
}

/* Ties rank by text, so that they rank the same from run to run (and
 * from a run to its report). */
static int by_text(const struct top_func *a, const struct top_func *b)
{
	int c = strcmp(a->name, b->name);
	if (!c)
		c = strcmp(a->module ? a->module : "", b->module ? b->module : "");
	return c ? c : (int)a->cls - (int)b->cls;
}

static int by_self(const void *pa, const void *pb)
{
	const struct top_func *a = pa, *b = pb;

	if (a->self_weight != b->self_weight)
		return a->self_weight > b->self_weight ? -1 : 1;
	if (a->total_weight != b->total_weight)
		return a->total_weight > b->total_weight ? -1 : 1;
	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	return by_text(a, b);
}

static int by_total(const void *pa, const void *pb)
{
	const struct top_func *a = pa, *b = pb;

	if (a->total_weight != b->total_weight)
		return a->total_weight > b->total_weight ? -1 : 1;
	return by_self(pa, pb);
}

static int by_name(const void *pa, const void *pb)
{
	return by_text(pa, pb);
}

static bool known(const char *s)
{
	return s && strcmp(s, "[unknown]") != 0;
}

/* Text from the target, as pysample prints it anywhere: valid UTF-8,
 * no control character (no terminal escape sequence reaches the screen). */
static const char *clean(const char *s, char *buf, size_t len)
{
	buf[0] = '\0';
	output_sanitize(buf, len, s, false);
	return buf;
}

const char *top_func_label(const struct top_func *f, char *buf, size_t len)
{
	char name[2048], module[1024];
	const char *base;

	clean(f->name, name, sizeof(name));
	if (f->cls == TOP_MARKER || !known(f->module)) {
		snprintf(buf, len, "%s", name);
		return buf;
	}
	if (f->cls == TOP_PYTHON) {
		clean(f->module, module, sizeof(module));
		if (f->first_line)
			snprintf(buf, len, "%s (%s:%d)", name, module, f->first_line);
		else
			snprintf(buf, len, "%s (%s)", name, module);
		return buf;
	}
	base = strrchr(f->module, '/');
	clean(base && base[1] ? base + 1 : f->module, module, sizeof(module));
	snprintf(buf, len, "%s (%s)", name, module);
	return buf;
}

double top_share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void top_rank(const struct profile *p, bool python_only, enum top_sort sort, struct top_table *t)
{
	static const char no_python_name[] = "[no Python frame]";
	size_t cap = p->nframes + 1; /* + the stacks without a Python frame */
	uint32_t *func_of = xcalloc(cap, sizeof(*func_of));
	/* Weighed by period; a profile without periods falls back to counts. */
	bool by_weight = p->weight_ns > 0;

	t->funcs = xcalloc(cap, sizeof(*t->funcs));
	t->n = find_functions(p, python_only, t->funcs, func_of);
	struct top_func *no_python = NULL;
	if (python_only) {
		no_python = &t->funcs[t->n];
		*no_python = (struct top_func){ .cls = TOP_MARKER, .name = no_python_name };
	}
	count_stacks(p, t->funcs, func_of, no_python);
	if (no_python && no_python->self)
		t->n++;
	free(func_of);
	if (!by_weight)
		for (size_t i = 0; i < t->n; i++) {
			t->funcs[i].self_weight = t->funcs[i].self;
			t->funcs[i].total_weight = t->funcs[i].total;
		}
	t->whole = by_weight ? p->weight_ns : p->samples;
	qsort(t->funcs, t->n, sizeof(*t->funcs),
	      sort == TOP_SORT_TOTAL ? by_total : sort == TOP_SORT_NAME ? by_name : by_self);
}

void top_table_free(struct top_table *t)
{
	free(t->funcs);
	t->funcs = NULL;
	t->n = 0;
}

void top_print(FILE *out, const struct profile *p, unsigned n)
{
	struct top_table t;
	size_t shown;
	char head[128], label[4096];

	if (!p->samples) {
		fputs("# pysample top: no samples\n", out);
		fflush(out);
		return;
	}
	top_rank(p, false, TOP_SORT_SELF, &t);
	shown = t.n < n ? t.n : n;

	fprintf(out, "# pysample top: %llu samples, %zu functions; the %zu hottest by self share\n",
		(unsigned long long)p->samples, t.n, shown);
	fputs("#\n", out);
	snprintf(head, sizeof(head), "%9s %9s %10s  %s", "Self%", "Total%", "Samples", "Function");
	head[0] = '#';
	fprintf(out, "%s\n", head);
	for (size_t i = 0; i < shown; i++) {
		const struct top_func *f = &t.funcs[i];
		fprintf(out, "%8.2f%% %8.2f%% %10llu  %s\n", top_share(f->self_weight, t.whole),
			top_share(f->total_weight, t.whole), (unsigned long long)f->self,
			top_func_label(f, label, sizeof(label)));
	}
	fflush(out);
	top_table_free(&t);
}
