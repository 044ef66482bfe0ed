/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * speedscope's own JSON format (https://www.speedscope.app/
 * file-format-schema.json): the frames once, shared, then one "sampled"
 * profile per thread, named "NAME (pid P, tid T)" (threading's name where the
 * program gave one, else the kernel's), so speedscope's
 * profile switcher goes through the threads.
 *
 * A profile lists each distinct stack of its thread once, root first,
 * with its weight: the profile is aggregated (profile.h), never one
 * record per sample, so memory stays with the distinct stacks however
 * long the run.  speedscope's "left heavy" and "sandwich" views only sum
 * weights and show the same as with every sample; its "time order" view
 * shows the distinct stacks one after another, each as wide as all its
 * samples together, in the order they were first seen: the order of
 * first appearance, not a timeline.
 *
 * The unit is nanoseconds and a stack's weight the sum of its samples'
 * periods, not a sample count: speedscope then shows times (ms, s) that
 * read against the run's duration and CPU time, where counts would need
 * the rate to mean anything; and as each record carries its own period,
 * a weight stays right even where samples do not all stand for the
 * same time.
 */
#include "config.h"
#include "json.h"
#include "profile.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA "https://www.speedscope.app/file-format-schema.json"
/* Written out whenever the text reaches this much: the document is
 * never held whole. */
#define FLUSH_BYTES (64u << 10)

struct speedscope_writer {
	struct writer w;
	struct profile prof;
	struct json_buf out;
};

static struct writer *speedscope_open(int fd, const struct writer_options *opt)
{
	struct speedscope_writer *sw = xcalloc(1, sizeof(*sw));

	(void)fd;
	profile_init(&sw->prof);
	sw->prof.full_filenames = opt->full_filenames;
	json_init(&sw->out);
	return &sw->w;
}

static void speedscope_sample(struct writer *w, const struct sample_record *r)
{
	profile_add(&((struct speedscope_writer *)w)->prof, r);
}

/* Writes out the text so far once there is enough of it (or at the end:
 * all of it); after a failed write, only forgets it. */
static void flush_text(struct speedscope_writer *sw, bool all)
{
	if (sw->out.len < (all ? 1 : FLUSH_BYTES))
		return;
	writer_write(&sw->w, sw->out.data, sw->out.len);
	json_reset(&sw->out);
}

static bool is_unknown(const char *s)
{
	return strcmp(s, "[unknown]") == 0;
}

/*
 * {"name": ..., "file": ..., "line": ...}: a Python function by its
 * qualified name, in its .py file, at the sampled line (with --lines)
 * or its first; a native function by its symbol ("[module]" when none
 * is known) in its module, an inlined one marked as perf marks it;
 * pysample's markers as they are.  What is unknown is left out.
 */
static void write_frame(struct json_buf *out, const struct profile_frame *f)
{
	char label[4096];
	const char *file = f->module;
	int line = 0;

	json_text(out, "{\"name\":");
	switch (f->kind) {
	case FRAME_PYTHON:
		json_string(out, f->name);
		line = f->line ? f->line : f->first_line;
		break;
	case FRAME_INLINED:
		profile_frame_label(f, label, sizeof(label) - sizeof(" (inlined)"));
		strcat(label, " (inlined)");
		json_string(out, label);
		break;
	case FRAME_NATIVE:
		json_string(out, profile_frame_label(f, label, sizeof(label)));
		break;
	case FRAME_MARKER:
	default:
		json_string(out, f->name);
		file = NULL; /* "[pysample]", not a file */
		break;
	}
	if (file && !is_unknown(file)) {
		json_text(out, ",\"file\":");
		json_string(out, file);
	}
	if (line > 0) {
		json_text(out, ",\"line\":");
		json_int(out, line);
	}
	json_raw(out, "}", 1);
}

static void write_frames(struct speedscope_writer *sw)
{
	const struct profile *p = &sw->prof;

	json_text(&sw->out, "\"shared\":{\"frames\":[");
	for (size_t i = 0; i < p->nframes; i++) {
		if (i)
			json_raw(&sw->out, ",", 1);
		write_frame(&sw->out, &p->frames[i]);
		flush_text(sw, false);
	}
	json_text(&sw->out, "]}");
}

/*
 * The stacks grouped by thread: order[first[t] .. first[t + 1]) are the
 * indexes of thread t's stacks.  The profile appends a stack when it is
 * first seen, so a stable grouping keeps each thread's stacks in the
 * order they were first seen (what the "time order" view shows).
 */
struct stack_order {
	uint32_t *order;
	size_t *first;
};

static void group_stacks(const struct profile *p, struct stack_order *g)
{
	size_t *next = xcalloc(p->nthreads + 1, sizeof(*next));

	g->order = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*g->order));
	g->first = xcalloc(p->nthreads + 1, sizeof(*g->first));
	for (size_t i = 0; i < p->nstacks; i++)
		g->first[p->stacks[i].thread + 1]++;
	for (size_t t = 0; t < p->nthreads; t++)
		g->first[t + 1] += g->first[t];
	memcpy(next, g->first, (p->nthreads + 1) * sizeof(*next));
	for (size_t i = 0; i < p->nstacks; i++)
		g->order[next[p->stacks[i].thread]++] = (uint32_t)i;
	free(next);
}

/* [root, ..., leaf] as frame indexes: the profile keeps them leaf first. */
static void write_stack(struct json_buf *out, const struct profile_stack *s)
{
	json_raw(out, "[", 1);
	for (size_t k = s->nframes; k-- > 0;) {
		json_uint(out, s->frames[k]);
		if (k)
			json_raw(out, ",", 1);
	}
	json_raw(out, "]", 1);
}

/* One thread's "sampled" profile; its stacks are stacks[0 .. n). */
static void write_thread(struct speedscope_writer *sw, const struct profile_thread *t,
			 const uint32_t *stacks, size_t n)
{
	const struct profile *p = &sw->prof;
	struct json_buf *out = &sw->out;
	char name[512];
	uint64_t total = 0;

	/* endValue is the sum of the weights written, so that speedscope's
	 * total and the stacks' agree whatever happened upstream. */
	for (size_t i = 0; i < n; i++)
		total += p->stacks[stacks[i]].weight_ns;
	snprintf(name, sizeof(name), "%s (pid %d, tid %d)", t->name, (int)t->pid, (int)t->tid);
	json_text(out, "{\"type\":\"sampled\",\"name\":");
	json_string(out, name);
	json_text(out, ",\"unit\":\"nanoseconds\",\"startValue\":0,\"endValue\":");
	json_uint(out, total);
	json_text(out, ",\"samples\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			json_raw(out, ",", 1);
		write_stack(out, &p->stacks[stacks[i]]);
		flush_text(sw, false);
	}
	json_text(out, "],\"weights\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			json_raw(out, ",", 1);
		json_uint(out, p->stacks[stacks[i]].weight_ns);
		flush_text(sw, false);
	}
	json_text(out, "]}");
}

static void write_profiles(struct speedscope_writer *sw)
{
	const struct profile *p = &sw->prof;
	struct stack_order g;

	group_stacks(p, &g);
	json_text(&sw->out, "\"profiles\":[");
	for (size_t t = 0; t < p->nthreads; t++) {
		if (t)
			json_raw(&sw->out, ",", 1);
		write_thread(sw, &p->threads[t], g.order + g.first[t], g.first[t + 1] - g.first[t]);
		json_raw(&sw->out, "\n", 1); /* a line per thread: diffs and grep */
	}
	json_raw(&sw->out, "]", 1);
	free(g.order);
	free(g.first);
}

static bool speedscope_end(struct writer *w, const struct run_info *info)
{
	struct speedscope_writer *sw = (struct speedscope_writer *)w;
	struct json_buf *out = &sw->out;

	json_text(out, "{\"$schema\":\"" SCHEMA "\",\"exporter\":\"pysample " PACKAGE_VERSION
		       "\",\"name\":");
	/* speedscope's title: the command profiled. */
	json_string(out, info && info->command ? info->command : "pysample");
	json_text(out, ",\"activeProfileIndex\":0,\n");
	write_frames(sw);
	json_text(out, ",\n");
	write_profiles(sw);
	json_text(out, "}\n");
	flush_text(sw, true);
	return !w->failed;
}

static void speedscope_free(struct writer *w)
{
	struct speedscope_writer *sw = (struct speedscope_writer *)w;

	profile_free(&sw->prof);
	json_free(&sw->out);
	free(sw);
}

const struct writer_ops writer_speedscope_ops = {
	.name = "speedscope",
	.extensions = ".speedscope.json",
	.open = speedscope_open,
	.sample = speedscope_sample,
	.end = speedscope_end,
	.free = speedscope_free,
};
