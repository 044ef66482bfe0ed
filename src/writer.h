/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output, the last stage: a writer takes whole samples (the merged stack
 * as frames, leaf first, with the thread's identity) through one small
 * interface, begin -> sample... -> end, and makes one format of them.
 * `perf script` text streams each sample out as it comes (writer-perf.c);
 * the others aggregate (profile.h: interned frames and stacks with
 * counts, never one record per sample) and write at the end.  The
 * processing thread and `pysample report` (report.c) feed the same
 * writers, so a profile never changes meaning with its format.
 */
#ifndef PYSAMPLE_WRITER_H
#define PYSAMPLE_WRITER_H

#include "common.h"

enum sample_frame_kind {
	FRAME_NATIVE,  /* a native function: name + offset in module */
	FRAME_INLINED, /* a function inlined at the next frame's pc */
	FRAME_PYTHON,  /* a Python function: qualified name in file, at line */
	FRAME_MARKER,  /* pysample's "[stack cut at ...]": name only */
};

struct sample_frame {
	enum sample_frame_kind kind;
	uint64_t addr;      /* native: the pc; Python: the code object's address */
	uint64_t offset;    /* native: from the symbol's start; Python: instruction offset */
	const char *name;   /* symbol, Python qualified name, marker text; NULL: unknown */
	const char *module; /* native: the module's path; Python: the file; NULL: unknown */
	const char *build_id; /* native: the module's GNU build-id in hex; NULL: none known */
	int line;           /* Python: the line (with --lines; else 0) */
	int first_line;     /* Python: the function's first line; 0: unknown */
	/* name and module stay valid and unchanged for the whole run, so
	 * their addresses stand for their text (perf's memo of frame lines). */
	bool interned;
};

struct sample_record {
	const char *comm;   /* the thread's name, as the kernel has it (perf's comm) */
	/* threading's name for it ("MainThread", "Thread-2 (worker)"); NULL
	 * where none is known, or with --os-thread-names.  Writers name the
	 * thread by it where it is set. */
	const char *thread_name;
	pid_t pid, tid;
	uint64_t time_ns;   /* CLOCK_MONOTONIC */
	uint64_t period_ns; /* the sample's weight */
	const struct sample_frame *frames; /* leaf first */
	size_t nframes;
	/* --insn (perf text only): the sampled instruction, NULL when not asked. */
	const uint8_t *insn;
	size_t insn_len;
	const char *insn_text;
};

/* What a profile's header says about the run. */
struct run_info {
	const char *command; /* the program run, or "pid N" */
	const char *event;   /* "cpu-clock" or "wall-clock" */
	double hz;           /* requested */
	/* Known at the end only. */
	double seconds;
	uint64_t samples, lost;
};

enum output_format {
	FORMAT_PERF,
	FORMAT_COLLAPSED,
	FORMAT_SVG,
	FORMAT_SPEEDSCOPE,
	FORMAT_PPROF,
	FORMAT_COUNT
};

struct writer_options {
	bool reverse; /* svg: icicle, callers of the leaves at the top */
	bool lines;   /* Python frames split per line (pprof locations carry it) */
	bool full_filenames; /* Python frames named with the whole path, not the short one */
	const char *event; /* perf: "cpu-clock" / "wall-clock" */
};

struct writer;
struct writer_ops {
	const char *name;       /* -f's name for it */
	const char *extensions; /* ".svg" ... the -o names that select it, blank-separated */
	struct writer *(*open)(int fd, const struct writer_options *opt);
	void (*sample)(struct writer *w, const struct sample_record *r);
	/* Streaming writers write what they have (whole records); NULL for
	 * those that write only at the end. */
	bool (*flush)(struct writer *w);
	/* Writes the rest (an aggregating writer: everything); false when the
	 * output could not be written completely. */
	bool (*end)(struct writer *w, const struct run_info *info);
	void (*free)(struct writer *w);
};

struct writer {
	const struct writer_ops *ops;
	int fd;
	bool failed; /* a write failed (EPIPE, ENOSPC): nothing more is tried */
};

extern const struct writer_ops writer_perf_ops, writer_collapsed_ops, writer_svg_ops,
	writer_speedscope_ops, writer_pprof_ops;

/* The writer of a format; NULL for an unknown name. */
const struct writer_ops *writer_by_name(const char *name);
/* The writer an output file's name asks for (".svg", ".pb.gz", ...);
 * `perf` when the name says nothing. */
const struct writer_ops *writer_by_path(const char *path);
/* "perf, collapsed, svg, speedscope, pprof", for messages. */
const char *writer_names(void);

static inline struct writer *writer_open(const struct writer_ops *ops, int fd,
					 const struct writer_options *opt)
{
	struct writer *w = ops->open(fd, opt);
	w->ops = ops;
	w->fd = fd;
	return w;
}

/* A writer that hands each sample to a, then b; its end and failure are
 * a's (b is a side view, such as --top's table).  Frees both. */
struct writer *writer_tee(struct writer *a, struct writer *b);

/*
 * The short form of a Python file for a frame's name, as py-spy shows it
 * (a suffix of path, never a copy): what follows site-packages/,
 * dist-packages/ or lib/pythonX.Y/ (the import name's path:
 * "requests/sessions.py", "json/encoder.py"), else the last two
 * components ("app/views.py").  The whole path stays where a format has
 * a place for it (perf text's dso, speedscope's and pprof's file).
 */
const char *python_short_file(const char *path);

/* Writes all of buf to w's file, or marks w failed; false when it did. */
bool writer_write(struct writer *w, const void *buf, size_t n);

#endif
