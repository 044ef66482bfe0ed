/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>

void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_free(struct pb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes; the buffer at least doubles, so appending is
 * amortised constant time. */
static uint8_t *reserve(struct pb_buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

void pb_varint(struct pb_buf *b, uint64_t v)
{
	b->len += put_varint(reserve(b, 10), v);
}

void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire)
{
	pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, PB_VARINT);
	pb_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

void pb_bool(struct pb_buf *b, uint32_t field, bool v)
{
	pb_uint(b, field, v ? 1 : 0);
}

void pb_raw(struct pb_buf *b, const void *data, size_t len)
{
	if (len)
		memcpy(reserve(b, len), data, len);
	b->len += len;
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	pb_tag(b, field, PB_LEN);
	pb_varint(b, len);
	pb_raw(b, data, len);
}

void pb_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

void pb_packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		len += pb_varint_size(v[i]);
	pb_tag(b, field, PB_LEN);
	pb_varint(b, len);
	for (size_t i = 0; i < n; i++)
		pb_varint(b, v[i]);
}

/* One byte is kept for the length, which is all a message under 128
 * bytes needs; a longer one moves its content up to make room. */
size_t pb_begin(struct pb_buf *b, uint32_t field)
{
	pb_tag(b, field, PB_LEN);
	reserve(b, 1);
	return b->len++;
}

void pb_end(struct pb_buf *b, size_t mark)
{
	size_t content = b->len - mark - 1;
	size_t n = pb_varint_size(content);

	if (n > 1) {
		reserve(b, n - 1);
		memmove(b->data + mark + n, b->data + mark + 1, content);
		b->len += n - 1;
	}
	put_varint(b->data + mark, content);
}
