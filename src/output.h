/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `perf script` text (doc/output-format.md): a header line per sample,
 * one tab-indented line per frame, leaf first, an empty line after each
 * record.  Records are buffered and written whole, in large blocks, so the
 * stream never ends in the middle of a record.
 */
#ifndef PYSAMPLE_OUTPUT_H
#define PYSAMPLE_OUTPUT_H

#include "common.h"

/*
 * Frame lines remembered under a key that determines them entirely (the
 * caller's choice: for a Python frame, its code object, instruction, line
 * and the interned name and file), so the frames that repeat in every
 * sample are copied rather than formatted again.
 */
#define OUTPUT_MEMO_SLOTS 1024
struct output_memo_key {
	uint64_t w[5];
};
struct output_memo_entry {
	struct output_memo_key key;
	uint16_t len; /* 0: empty */
	char line[230];
};

struct output {
	int fd;
	char *buf;
	size_t len, cap;
	size_t record_start; /* where the record being built begins */
	bool write_failed;
	const char *event;   /* "cpu-clock", ... */
	uint64_t bytes_written;
	uint64_t committed; /* bytes of whole records known to be written */
	uint64_t base_offset; /* where the file offset stood at the start */
	struct output_memo_entry *memo; /* made on first use */
};

void output_init(struct output *o, int fd, const char *event);
void output_record_begin(struct output *o, const char *comm, pid_t pid, pid_t tid,
			 uint64_t time_ns, uint64_t period);
/* sym may be NULL ("[unknown]"), dso may be NULL ("[unknown]"). */
void output_frame(struct output *o, uint64_t addr, const char *sym, uint64_t offset,
		  const char *dso);
/* Appends the line remembered under k, if any; true when it did. */
bool output_recall(struct output *o, const struct output_memo_key *k);
/* Remembers the line written since line_start (o->len before it) under k. */
void output_remember(struct output *o, const struct output_memo_key *k, size_t line_start);
/* The sampled instruction, after the frames (--insn). */
void output_insn(struct output *o, const uint8_t *bytes, size_t n, const char *text);
void output_record_end(struct output *o);
/* Writes every complete record; false when the output cannot be written. */
bool output_flush(struct output *o);
void output_free(struct output *o);

/*
 * Appends src to dst (of dst_len, NUL-terminated), keeping it on one line
 * and, for dso names, free of blanks and parentheses (escaped as %20, %28,
 * %29, %25) so every consumer of `perf script` text parses it.
 */
void output_sanitize(char *dst, size_t dst_len, const char *src, bool is_dso);

#endif
