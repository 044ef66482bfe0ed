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
};

void output_init(struct output *o, int fd, const char *event);
void output_record_begin(struct output *o, const char *comm, pid_t pid, pid_t tid,
			 uint64_t time_ns, uint64_t period);
/* sym may be NULL ("[unknown]"), dso may be NULL ("[unknown]"). */
void output_frame(struct output *o, uint64_t addr, const char *sym, uint64_t offset,
		  const char *dso);
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
