/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Collapsed ("folded") stacks: one line per distinct stack, root first,
 * frames joined by ';', then a blank and the sample count.  The input of
 * flamegraph.pl, inferno and speedscope.  Each line starts with the
 * thread's name, as stackcollapse-perf.pl's lines do, so the collapsed
 * output of a run is the collapsed output of its `perf script` text.
 */
#include "profile.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct collapsed_writer {
	struct writer w;
	struct profile prof;
	char *line;
	size_t len, cap;
};

static struct writer *collapsed_open(int fd, const struct writer_options *opt)
{
	struct collapsed_writer *cw = xcalloc(1, sizeof(*cw));

	(void)fd;
	profile_init(&cw->prof);
	cw->prof.full_filenames = opt->full_filenames;
	return &cw->w;
}

static void collapsed_sample(struct writer *w, const struct sample_record *r)
{
	profile_add(&((struct collapsed_writer *)w)->prof, r);
}

/*
 * Appends a frame's text as the folded format allows it: ';' separates
 * frames and the last blank the count, so a ';' inside a name becomes
 * ':' (as stackcollapse-perf does) and line breaks become blanks.
 */
static void append_frame(struct collapsed_writer *cw, const char *text)
{
	size_t n = strlen(text);

	grow_array((void **)&cw->line, &cw->cap, cw->len + n + 2, 1);
	if (cw->len)
		cw->line[cw->len++] = ';';
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		cw->line[cw->len++] = c == ';' ? ':' : c == '\n' || c == '\r' ? ' ' : c;
	}
}

struct folded {
	char *text; /* the stack, without its count */
	uint64_t samples;
};

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->text, ((const struct folded *)b)->text);
}

/* Threads of one name fold into the same lines, as they do from perf
 * text: one line per distinct text, counts summed, sorted. */
static bool collapsed_end(struct writer *w, const struct run_info *info)
{
	struct collapsed_writer *cw = (struct collapsed_writer *)w;
	const struct profile *p = &cw->prof;
	struct folded *lines = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*lines));
	char label[4096], count[32];

	(void)info;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct profile_stack *s = &p->stacks[i];
		cw->len = 0;
		append_frame(cw, p->threads[s->thread].name);
		for (size_t k = s->nframes; k-- > 0;)
			append_frame(cw, profile_frame_label(&p->frames[s->frames[k]], label,
							     sizeof(label)));
		cw->line[cw->len] = '\0';
		lines[i] = (struct folded){ xstrdup(cw->line), s->samples };
	}
	qsort(lines, p->nstacks, sizeof(*lines), by_text);
	for (size_t i = 0; i < p->nstacks; i++) {
		uint64_t samples = lines[i].samples;
		while (i + 1 < p->nstacks && strcmp(lines[i].text, lines[i + 1].text) == 0) {
			free(lines[i].text);
			samples += lines[++i].samples;
		}
		int n = snprintf(count, sizeof(count), " %llu\n", (unsigned long long)samples);
		if (!w->failed) {
			writer_write(w, lines[i].text, strlen(lines[i].text));
			writer_write(w, count, (size_t)n);
		}
		free(lines[i].text);
	}
	free(lines);
	return !w->failed;
}

static void collapsed_free(struct writer *w)
{
	struct collapsed_writer *cw = (struct collapsed_writer *)w;

	profile_free(&cw->prof);
	free(cw->line);
	free(cw);
}

const struct writer_ops writer_collapsed_ops = {
	.name = "collapsed",
	.extensions = ".folded .collapsed",
	.open = collapsed_open,
	.sample = collapsed_sample,
	.end = collapsed_end,
	.free = collapsed_free,
};
