/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `perf script` text (doc/output-format.md), streamed: each sample is
 * formatted as it comes (output.c) and written in whole records.
 */
#include "output.h"
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>

struct perf_writer {
	struct writer w;
	struct output out;
	bool lines, full_filenames;
};

static struct writer *perf_open(int fd, const struct writer_options *opt)
{
	struct perf_writer *pw = xcalloc(1, sizeof(*pw));

	output_init(&pw->out, fd, opt->event ? opt->event : "cpu-clock");
	pw->lines = opt->lines;
	pw->full_filenames = opt->full_filenames;
	return &pw->w;
}

/* The same Python frames recur in every sample: their lines are kept by
 * what determines them (interned name and file: their addresses stand
 * for their text) and copied rather than formatted again. */
static void python_frame(struct perf_writer *pw, const struct sample_frame *f)
{
	const struct output_memo_key key = { { f->addr, f->offset, (uintptr_t)f->name,
						(uintptr_t)f->module, (uint64_t)(uint32_t)f->line } };
	size_t start = pw->out.len;
	const char *name = f->name ? f->name : "[unknown]";
	const char *file = f->module && !pw->full_filenames ? python_short_file(f->module) : f->module;
	char sym[4096];

	if (f->interned && output_recall(&pw->out, &key))
		return;
	/* CPython's perf trampolines name frames "py::qualname:filename"; the
	 * file short (the whole path is the dso) unless --full-filenames. */
	if (!f->module)
		snprintf(sym, sizeof(sym), "py::%s", name);
	else if (f->line)
		snprintf(sym, sizeof(sym), "py::%s:%s:%d", name, file, f->line);
	else
		snprintf(sym, sizeof(sym), "py::%s:%s", name, file);
	output_frame(&pw->out, f->addr, sym, f->offset, f->module);
	if (f->interned)
		output_remember(&pw->out, &key, start);
}

static void perf_sample(struct writer *w, const struct sample_record *r)
{
	struct perf_writer *pw = (struct perf_writer *)w;

	/* threading's name in perf's comm field, as perf shows a thread the
	 * program named (CPython 3.14+ gives the kernel that name itself). */
	output_record_begin(&pw->out, r->thread_name ? r->thread_name : r->comm, r->pid, r->tid,
			    r->time_ns, r->period_ns);
	for (size_t i = 0; i < r->nframes; i++) {
		const struct sample_frame *f = &r->frames[i];
		switch (f->kind) {
		case FRAME_PYTHON:
			python_frame(pw, f);
			break;
		case FRAME_INLINED:
			/* perf's layout for inline chains: each inlined function
			 * on its own line at the same address, "(inlined)" in
			 * place of the dso. */
			output_frame(&pw->out, f->addr, f->name, f->offset, "inlined");
			break;
		case FRAME_NATIVE:
			output_frame(&pw->out, f->addr, f->name, f->offset, f->module);
			break;
		case FRAME_MARKER:
			output_frame(&pw->out, 0, f->name, 0, "[pysample]");
			break;
		}
	}
	if (r->insn_text)
		output_insn(&pw->out, r->insn, r->insn_len, r->insn_text);
	output_record_end(&pw->out);
	if (pw->out.write_failed)
		w->failed = true;
}

static bool perf_flush(struct writer *w)
{
	struct perf_writer *pw = (struct perf_writer *)w;

	if (!output_flush(&pw->out))
		w->failed = true;
	return !w->failed;
}

static bool perf_end(struct writer *w, const struct run_info *info)
{
	(void)info;
	return perf_flush(w);
}

static void perf_free(struct writer *w)
{
	struct perf_writer *pw = (struct perf_writer *)w;

	output_free(&pw->out);
	free(pw);
}

const struct writer_ops writer_perf_ops = {
	.name = "perf",
	.extensions = ".perf .txt .perf.txt",
	.open = perf_open,
	.sample = perf_sample,
	.flush = perf_flush,
	.end = perf_end,
	.free = perf_free,
};
