/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A reader of `perf script` text: pysample's own (doc/output-format.md)
 * and perf's (callchain output of `perf record -g` or `--call-graph`, with
 * the variations of ../shared/reference/perf-script-format.md), turned
 * back into the records the writers take (writer.h).  The bytes are
 * untrusted: any sequence is accepted, every line and every record is
 * bounded, and what is not understood is counted, never fatal.
 *
 * The parser is a pure function of the lines it is fed: no file, no
 * global state.  Each complete record goes to the callback, whose
 * sample_record (and every string in it) is valid during the call only.
 *
 * The rules, line by line (a trailing '\r' is dropped first):
 *   - empty, or blanks only: ends the record being read;
 *   - '#' first: a comment (`perf script --header`), skipped;
 *   - not indented, "comm pid[/tid] [[cpu]] secs[.frac]: [period] [event[:]] ...":
 *     a header, which starts a record (and ends one not ended by an empty
 *     line); the comm is everything before the first pid token followed
 *     by a time token; a lone number is perf's tid (its default has no
 *     pid), and stands for both;
 *   - indented, "[0x]hex sym[+0xoff] (dso)", in a record: a frame; the dso
 *     is the text in the line's last balanced parentheses, so
 *     "(/lib/x.so (deleted))" is one dso;
 *     its kind: Python when the symbol starts with "py::" (its file and
 *     line split off as split_python() says), else a marker when the dso
 *     is "[pysample]", inlined when it is "inlined", else native;
 *   - " insn: ..." in a record: perf's and pysample's instruction line,
 *     skipped;
 *   - anything else: not understood, counted (first line number kept).
 */
#ifndef PYSAMPLE_PERFTEXT_H
#define PYSAMPLE_PERFTEXT_H

#include "writer.h"

/* Bounds: a line (perf's longest, a demangled C++ template name, stays
 * far below), the frames of a record (pysample's --max-frames is at most
 * 65536 native plus as many Python), and a record's text. */
#define PERF_TEXT_LINE_MAX (256u << 10)
#define PERF_TEXT_FRAMES_MAX 200000u
#define PERF_TEXT_RECORD_BYTES_MAX (64u << 20)

/* The marker frame that ends a record cut at the bounds above. */
#define PERF_TEXT_CUT_MARKER "[stack cut at report's frame limit]"

struct perf_text_stats {
	uint64_t lines;        /* every line, the skipped ones too */
	uint64_t records;      /* records handed to the callback */
	uint64_t frames;       /* frame lines in those records */
	uint64_t comments;     /* '#' lines */
	uint64_t unrecognized; /* lines not understood */
	uint64_t too_long;     /* lines over line_max, skipped unread */
	uint64_t first_bad;    /* line number of the first of the two above; 0: none */
	uint64_t frames_cut;   /* frame lines past a record's bounds, dropped */
	uint64_t unterminated; /* records not ended by an empty line (the end of
				* the input, or the next header, ended them) */
	bool several_events;   /* a record's event differed from the first one's */
};

typedef void (*perf_text_record_fn)(void *ctx, const struct sample_record *r);

struct perf_text_frame; /* a frame being read: string offsets, private */

struct perf_text_parser {
	perf_text_record_fn emit;
	void *ctx;
	size_t line_max;        /* PERF_TEXT_LINE_MAX; tests may lower it */
	size_t frames_max;      /* PERF_TEXT_FRAMES_MAX */
	size_t record_bytes_max; /* PERF_TEXT_RECORD_BYTES_MAX */
	struct perf_text_stats st;
	char event[64];         /* the first record's event ("cpu-clock:ppp"); "" none */

	/* Private: the record being read. */
	bool in_record, cut, have_event;
	char comm[256];
	pid_t pid, tid;
	uint64_t time_ns, period;
	struct perf_text_frame *frames;
	size_t nframes, frames_cap;
	char *strings;          /* the record's names, NUL-separated */
	size_t strings_len, strings_cap;
	struct sample_frame *out; /* handed to the callback */
	size_t out_cap;
	/* Private: the line being worked on, and perf_text_feed's partial one. */
	char *work;
	size_t work_cap;
	char *pending;
	size_t pending_len, pending_cap;
	bool skipping;          /* inside a line already over line_max */
};

void perf_text_init(struct perf_text_parser *p, perf_text_record_fn emit, void *ctx);
void perf_text_free(struct perf_text_parser *p);

/* One line, without its '\n'; any bytes (NULs too), any length. */
void perf_text_feed_line(struct perf_text_parser *p, const char *line, size_t len);

/* A piece of a byte stream, cut anywhere: split into lines, each bounded
 * to line_max bytes (the rest of a longer one is skipped as it comes,
 * never buffered). */
void perf_text_feed(struct perf_text_parser *p, const char *data, size_t len);

/* The end of the input: its last line even without a '\n', and its last
 * record even without the empty line after it. */
void perf_text_finish(struct perf_text_parser *p);

#endif
