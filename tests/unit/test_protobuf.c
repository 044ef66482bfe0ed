/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The protobuf encoder, byte for byte, against encodings any protobuf
 * library gives: the worked examples of protobuf.dev's "Encoding" page
 * (varint 150, the string "testing", the nested Test3, the packed
 * [3, 270, 86942]) and the edges those do not reach (ten-byte varints,
 * negative int64, two-byte tags, nested lengths past one byte).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protobuf.h"
#include "tap.h"

/* The buffer as "96 01" text, for comparing and for the failure report. */
static const char *hex(const struct pb_buf *b)
{
	static char text[4096];
	size_t at = 0;

	text[0] = '\0';
	for (size_t i = 0; i < b->len && at + 4 < sizeof(text); i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, i ? " %02x" : "%02x",
				       b->data[i]);
	return text;
}

/* Checks the buffer against the expected hex, then empties it. */
static void expect(struct pb_buf *b, const char *want, const char *name)
{
	is_str(hex(b), want, "%s", name);
	b->len = 0;
}

static void varints(struct pb_buf *b)
{
	static const struct {
		uint64_t v;
		const char *hex;
	} cases[] = {
		{ 0, "00" },
		{ 1, "01" },
		{ 127, "7f" },
		{ 128, "80 01" },
		{ 150, "96 01" },
		{ 300, "ac 02" },
		{ 16383, "ff 7f" },
		{ 16384, "80 80 01" },
		{ UINT32_MAX, "ff ff ff ff 0f" },
		{ UINT64_MAX, "ff ff ff ff ff ff ff ff ff 01" },
	};
	char name[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pb_varint(b, cases[i].v);
		ok(pb_varint_size(cases[i].v) == b->len, "varint %llu takes %zu bytes",
		   (unsigned long long)cases[i].v, b->len);
		snprintf(name, sizeof(name), "varint %llu", (unsigned long long)cases[i].v);
		expect(b, cases[i].hex, name);
	}
}

static void scalar_fields(struct pb_buf *b)
{
	pb_uint(b, 1, 150);
	expect(b, "08 96 01", "Test1 { a: 150 }: tag 08 (field 1, varint), then 96 01");
	pb_int(b, 1, -1);
	expect(b, "08 ff ff ff ff ff ff ff ff ff 01", "int64 -1 is ten bytes (two's complement)");
	pb_int(b, 9, INT64_MAX);
	expect(b, "48 ff ff ff ff ff ff ff ff 7f", "int64 max in field 9");
	pb_bool(b, 7, true);
	expect(b, "38 01", "bool true in field 7");
	pb_uint(b, 15, 0);
	expect(b, "78 00", "field 15: the last one-byte tag; a zero is written when asked");
	pb_uint(b, 16, 1);
	expect(b, "80 01 01", "field 16 needs a two-byte tag");
	pb_tag(b, (1u << 29) - 1, PB_LEN);
	expect(b, "fa ff ff ff 0f", "the largest field number, length-delimited");
}

static void length_delimited(struct pb_buf *b)
{
	pb_string(b, 2, "testing");
	expect(b, "12 07 74 65 73 74 69 6e 67", "Test2 { b: \"testing\" }");
	pb_string(b, 6, "");
	expect(b, "32 00", "an empty string is still written (pprof's string_table[0])");
	pb_bytes(b, 3, "\x00\xff", 2);
	expect(b, "1a 02 00 ff", "bytes, NUL included");
}

static void packed(struct pb_buf *b)
{
	const uint64_t v[] = { 3, 270, 86942 };

	pb_packed(b, 4, v, 3);
	expect(b, "22 06 03 8e 02 9e a7 05", "Test5 { f: [3, 270, 86942] } packed");
	pb_packed(b, 4, v, 0);
	expect(b, "", "an empty packed field is not written at all");
	pb_packed(b, 1, (const uint64_t[]){ UINT64_MAX }, 1);
	expect(b, "0a 0a ff ff ff ff ff ff ff ff ff 01", "packed length counts bytes, not values");
}

static void nested(struct pb_buf *b)
{
	size_t m, inner;

	m = pb_begin(b, 3);
	pb_uint(b, 1, 150);
	pb_end(b, m);
	expect(b, "1a 03 08 96 01", "Test3 { c: Test1 { a: 150 } }");

	m = pb_begin(b, 5);
	pb_end(b, m);
	expect(b, "2a 00", "an empty nested message");

	/* Location { id: 1, line: [Line { function_id: 2, line: 10 }, Line {
	 * function_id: 3, line: 20 }] }, as pprof's profile.proto has it. */
	m = pb_begin(b, 4);
	pb_uint(b, 1, 1);
	inner = pb_begin(b, 4);
	pb_uint(b, 1, 2);
	pb_int(b, 2, 10);
	pb_end(b, inner);
	inner = pb_begin(b, 4);
	pb_uint(b, 1, 3);
	pb_int(b, 2, 20);
	pb_end(b, inner);
	pb_end(b, m);
	pb_uint(b, 9, 7);
	expect(b, "22 0e 08 01 22 04 08 02 10 0a 22 04 08 03 10 14 48 07",
	       "two levels of nesting, then a field of the outer message");
}

/* Messages encoded apart join by concatenation: a Location built in a
 * buffer of its own, then appended after the samples. */
static void concatenated(struct pb_buf *b)
{
	struct pb_buf side;
	size_t m;

	pb_init(&side);
	m = pb_begin(&side, 4);
	pb_uint(&side, 1, 300);
	pb_end(&side, m);
	pb_uint(b, 12, 1);
	pb_raw(b, side.data, side.len);
	pb_raw(b, NULL, 0);
	expect(b, "60 01 22 03 08 ac 02", "a message encoded apart, appended as it is");
	pb_free(&side);
}

/* Lengths of 128 and more take two bytes: the content moves up, intact,
 * at every level. */
static void nested_long(struct pb_buf *b)
{
	char text[201], want[2048];
	size_t m, inner, at = 0;

	memset(text, 'x', 200);
	text[200] = '\0';
	m = pb_begin(b, 1);
	pb_string(b, 2, text);
	pb_end(b, m);
	at += (size_t)snprintf(want + at, sizeof(want) - at, "0a cb 01 12 c8 01");
	for (int i = 0; i < 200; i++)
		at += (size_t)snprintf(want + at, sizeof(want) - at, " 78");
	expect(b, want, "nested 203 bytes: length cb 01");

	m = pb_begin(b, 1);
	inner = pb_begin(b, 2);
	pb_string(b, 1, text + 73); /* 127 bytes */
	pb_end(b, inner);
	pb_uint(b, 3, 1);
	pb_end(b, m);
	at = (size_t)snprintf(want, sizeof(want), "0a 86 01 12 81 01 0a 7f");
	for (int i = 0; i < 127; i++)
		at += (size_t)snprintf(want + at, sizeof(want) - at, " 78");
	snprintf(want + at, sizeof(want) - at, " 18 01");
	expect(b, want, "an inner message of 129 bytes inside one of 134");
}

/* A large message grows the buffer many times; every byte is where the
 * encoding puts it. */
static void growth(struct pb_buf *b)
{
	size_t m = pb_begin(b, 2), bad = 0;

	for (uint64_t i = 0; i < 100000; i++)
		pb_uint(b, 1, i);
	pb_end(b, m);
	size_t want = 0;
	for (uint64_t i = 0; i < 100000; i++)
		want += 1 + pb_varint_size(i);
	ok(b->len == 1 + pb_varint_size(want) + want && b->data[0] == 0x12,
	   "100000 fields nested: %zu bytes, tag and length in front", b->len);
	size_t at = 1 + pb_varint_size(want);
	for (uint64_t i = 0; i < 100000 && !bad; i++) {
		struct pb_buf one;
		pb_init(&one);
		pb_uint(&one, 1, i);
		if (memcmp(b->data + at, one.data, one.len) != 0)
			bad = (size_t)i + 1;
		at += one.len;
		pb_free(&one);
	}
	ok(!bad, "each of them encoded in place (first wrong: %zu)", bad);
	b->len = 0;
}

int main(void)
{
	struct pb_buf b;

	pb_init(&b);
	varints(&b);
	scalar_fields(&b);
	length_delimited(&b);
	packed(&b);
	nested(&b);
	nested_long(&b);
	concatenated(&b);
	growth(&b);
	pb_free(&b);
	ok(b.data == NULL && b.len == 0, "pb_free leaves an empty buffer");
	return tap_done();
}
