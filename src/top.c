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

enum func_class { FUNC_PYTHON, FUNC_NATIVE, FUNC_MARKER };

struct func {
	enum func_class cls;
	const char *name, *module; /* interned: equal text, equal pointer */
	int first_line;
	uint64_t self, total, self_weight, total_weight;
	size_t last_stack; /* the stack that last counted it, + 1 */
};

/* A frame and the function it belongs to, sorted to find equal ones. */
struct frame_key {
	enum func_class cls;
	const char *name, *module;
	uint32_t frame;
};

static enum func_class class_of(const struct profile_frame *f)
{
	return f->kind == FRAME_PYTHON ? FUNC_PYTHON : f->kind == FRAME_MARKER ? FUNC_MARKER
									     : FUNC_NATIVE;
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
static size_t find_functions(const struct profile *p, struct func *funcs, uint32_t *func_of)
{
	struct frame_key *keys = xcalloc(p->nframes ? p->nframes : 1, sizeof(*keys));
	size_t n = 0;

	for (size_t i = 0; i < p->nframes; i++) {
		const struct profile_frame *f = &p->frames[i];
		keys[i] = (struct frame_key){ class_of(f), f->name,
					      f->kind == FRAME_MARKER ? NULL : f->module,
					      (uint32_t)i };
	}
	qsort(keys, p->nframes, sizeof(*keys), by_function);
	for (size_t i = 0; i < p->nframes; i++) {
		const struct profile_frame *f = &p->frames[keys[i].frame];
		if (i == 0 || by_function(&keys[i - 1], &keys[i]) != 0)
			funcs[n++] = (struct func){ .cls = keys[i].cls, .name = keys[i].name,
						    .module = keys[i].module };
		if (!funcs[n - 1].first_line && f->first_line > 0)
			funcs[n - 1].first_line = f->first_line;
		func_of[keys[i].frame] = (uint32_t)(n - 1);
	}
	free(keys);
	return n;
}

static void count_stacks(const struct profile *p, struct func *funcs, const uint32_t *func_of)
{
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct profile_stack *s = &p->stacks[i];
		if (!s->nframes)
			continue;
		struct func *leaf = &funcs[func_of[s->frames[0]]];
		leaf->self += s->samples;
		leaf->self_weight += s->weight_ns;
		for (uint32_t k = 0; k < s->nframes; k++) {
			struct func *f = &funcs[func_of[s->frames[k]]];
			if (f->last_stack != i + 1) {
				f->last_stack = i + 1;
				f->total += s->samples;
				f->total_weight += s->weight_ns;
			}
		}
	}
}

static int by_self(const void *pa, const void *pb)
{
	const struct func *a = pa, *b = pb;

	if (a->self_weight != b->self_weight)
		return a->self_weight > b->self_weight ? -1 : 1;
	if (a->total_weight != b->total_weight)
		return a->total_weight > b->total_weight ? -1 : 1;
	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	/* Then by text, so that ties rank the same from run to run (and
	 * from a run to its report). */
	int c = strcmp(a->name, b->name);
	if (!c)
		c = strcmp(a->module ? a->module : "", b->module ? b->module : "");
	return c ? c : (int)a->cls - (int)b->cls;
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

/* "qualname (file:first line)" for Python, "symbol (module basename)"
 * for native code: what perf report and a traceback would show. */
static void print_function(FILE *out, const struct func *f)
{
	char name[2048], module[1024];
	const char *base;

	clean(f->name, name, sizeof(name));
	if (f->cls == FUNC_MARKER || !known(f->module)) {
		fprintf(out, "%s\n", name);
		return;
	}
	if (f->cls == FUNC_PYTHON) {
		clean(f->module, module, sizeof(module));
		if (f->first_line)
			fprintf(out, "%s (%s:%d)\n", name, module, f->first_line);
		else
			fprintf(out, "%s (%s)\n", name, module);
		return;
	}
	base = strrchr(f->module, '/');
	clean(base && base[1] ? base + 1 : f->module, module, sizeof(module));
	fprintf(out, "%s (%s)\n", name, module);
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void top_print(FILE *out, const struct profile *p, unsigned n)
{
	struct func *funcs;
	uint32_t *func_of;
	size_t nfuncs, shown;
	/* Weighed by period; a profile without periods falls back to counts. */
	bool by_weight = p->weight_ns > 0;
	uint64_t whole = by_weight ? p->weight_ns : p->samples;
	char head[128];

	if (!p->samples) {
		fputs("# pysample top: no samples\n", out);
		fflush(out);
		return;
	}
	funcs = xcalloc(p->nframes ? p->nframes : 1, sizeof(*funcs));
	func_of = xcalloc(p->nframes ? p->nframes : 1, sizeof(*func_of));
	nfuncs = find_functions(p, funcs, func_of);
	count_stacks(p, funcs, func_of);
	if (!by_weight)
		for (size_t i = 0; i < nfuncs; i++) {
			funcs[i].self_weight = funcs[i].self;
			funcs[i].total_weight = funcs[i].total;
		}
	qsort(funcs, nfuncs, sizeof(*funcs), by_self);
	shown = nfuncs < n ? nfuncs : n;

	fprintf(out, "# pysample top: %llu samples, %zu functions; the %zu hottest by self share\n",
		(unsigned long long)p->samples, nfuncs, shown);
	fputs("#\n", out);
	snprintf(head, sizeof(head), "%9s %9s %10s  %s", "Self%", "Total%", "Samples", "Function");
	head[0] = '#';
	fprintf(out, "%s\n", head);
	for (size_t i = 0; i < shown; i++) {
		const struct func *f = &funcs[i];
		fprintf(out, "%8.2f%% %8.2f%% %10llu  ", share(f->self_weight, whole),
			share(f->total_weight, whole), (unsigned long long)f->self);
		print_function(out, f);
	}
	fflush(out);
	free(funcs);
	free(func_of);
}
