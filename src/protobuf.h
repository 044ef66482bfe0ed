/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A protocol buffers encoder, write-only and schema-less: the caller
 * names each field's number and writes it with the wire type its .proto
 * gives (varint, length-delimited, packed varints, nested messages).
 * pprof's profile.proto needs nothing more.
 *
 * Written here rather than taken from Debian's protobuf-c because that
 * would mean protoc-c and a vendored profile.proto at build time, and
 * generated code, for a handful of write-only fields; this is ~100 lines
 * with byte-exact unit tests (tests/unit/test_protobuf.c).
 *
 * Out of memory is fatal (xrealloc), so nothing here fails.
 */
#ifndef PYSAMPLE_PROTOBUF_H
#define PYSAMPLE_PROTOBUF_H

#include "common.h"

enum pb_wire {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_LEN = 2, /* strings, bytes, nested messages, packed repeated */
	PB_FIXED32 = 5,
};

/* A growable buffer: the encoded message so far is data[0 .. len). */
struct pb_buf {
	uint8_t *data;
	size_t len, cap;
};

void pb_init(struct pb_buf *b);
void pb_free(struct pb_buf *b);

/* Bytes a varint of v takes: 1 to 10. */
size_t pb_varint_size(uint64_t v);
/* The bare varint, no tag (the inside of a packed field). */
void pb_varint(struct pb_buf *b, uint64_t v);
void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire);

/*
 * Fields, always written (proto3 readers take an absent scalar as 0, so
 * leaving zeros out is the caller's choice, not the encoder's).  int64
 * and uint64 share the varint encoding: a negative int64 is its two's
 * complement, ten bytes (no zigzag: that is sint64, unused here).
 */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bool(struct pb_buf *b, uint32_t field, bool v);
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
/* A string field; "" is written too (pprof's string_table[0] must be). */
void pb_string(struct pb_buf *b, uint32_t field, const char *s);
/* A packed repeated varint field; nothing at all when n is 0, which is how
 * protobuf encodes an empty repeated field. */
void pb_packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n);

/* Bytes already encoded, as they are: fields encoded apart (a message's
 * repeated fields built in a buffer of their own) join a message by
 * concatenation, which is how protobuf merges. */
void pb_raw(struct pb_buf *b, const void *data, size_t len);

/*
 * A nested message: pb_begin writes the tag and returns a mark; the
 * message's fields follow; pb_end writes its length at the mark.  Nests
 * to any depth (each end closes the latest begin not yet ended).  The
 * length is not known in advance, so the content is moved once to sit
 * right after its length's varint: cheap for the small messages (a
 * sample, a location) it is meant for.
 */
size_t pb_begin(struct pb_buf *b, uint32_t field);
void pb_end(struct pb_buf *b, size_t mark);

#endif
