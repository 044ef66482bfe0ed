/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Code objects: names, files and line tables, read once and cached by
 * address.  Code objects are immutable in the target; a cached entry is
 * trusted while the pointers it was read from are unchanged. */
#ifndef PYSAMPLE_PYCODE_H
#define PYSAMPLE_PYCODE_H

#include "pyframes.h"

struct py_code_info {
	uint64_t addr;
	uint64_t key[4];  /* the code object's filename/name/qualname/linetable words */
	const char *name; /* qualified name where the version has one; interned */
	const char *filename; /* interned */
	int firstlineno;
	uint8_t *linetable;
	size_t linetable_len;
	/* The line last asked for (see line_of in pycode.c). */
	uint64_t line_instr;
	int line;
	bool line_known;
};

struct py_code_cache {
	struct py_code_info *slots; /* open addressing, addr == 0 is empty */
	size_t cap, used;
	uint64_t hits, misses, bad;
	/* Names and files, interned: they outlive the entries that found them
	 * (snapshots queued for processing point at them) until the cache is
	 * freed.  Bounded: past the cap new names are not kept. */
	char **strings;
	size_t nstrings, strings_cap, string_bytes;
};

void py_code_cache_init(struct py_code_cache *c);
void py_code_cache_clear(struct py_code_cache *c);
void py_code_cache_free(struct py_code_cache *c);

/* Names every Python frame of a snapshot (name, filename, line), so that
 * what is processed later needs nothing more from the target. */
void py_code_name_frames(struct py_code_cache *c, pid_t pid, const struct py_layout *l,
			 struct py_frame_ref *frames, size_t n);

/* A compact str object's header: its kind (bytes per character), length
 * in characters and where its characters start; false when the bytes are
 * not one.  py_unicode_char reads the character at p. */
bool py_unicode_header(const struct py_layout *l, const uint8_t *obj, size_t len, unsigned *kind,
		       uint64_t *length, size_t *data);
uint32_t py_unicode_char(const uint8_t *p, unsigned kind);
/* Appends cp as UTF-8 at out[*pos] if it fits (a NUL still fits after
 * it): control characters as '?', surrogates and non-characters as
 * U+FFFD, so that garbage never makes invalid UTF-8 or breaks a line. */
void py_put_utf8(uint32_t cp, char *out, size_t out_len, size_t *pos);

/* Decodes a compact str object's bytes (header included) into UTF-8.
 * Exposed for the fuzzer and unit tests. */
bool py_decode_unicode(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		       size_t out_len, size_t *needed);

#endif
