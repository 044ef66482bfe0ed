/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_THRESHOLD (256u << 10)

void output_init(struct output *o, int fd, const char *event)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->event = event;
	o->cap = FLUSH_THRESHOLD + 65536;
	o->buf = xmalloc(o->cap);
	off_t base = lseek(fd, 0, SEEK_CUR);
	o->base_offset = base > 0 ? (uint64_t)base : 0;
}

void output_free(struct output *o)
{
	free(o->buf);
	free(o->memo);
	o->buf = NULL;
	o->memo = NULL;
}

static void reserve(struct output *o, size_t more)
{
	if (o->len + more + 1 > o->cap) {
		while (o->len + more + 1 > o->cap)
			o->cap *= 2;
		o->buf = xrealloc(o->buf, o->cap);
	}
}

static void append(struct output *o, const char *s, size_t n)
{
	reserve(o, n);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void appendf(struct output *o, const char *fmt, ...) PYS_PRINTF(2, 3);
static void appendf(struct output *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->cap - o->len) {
		reserve(o, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 character at s (1-4), or 0 when the
 * bytes there are not one (a stray continuation byte, an overlong form, a
 * surrogate, past U+10FFFF, cut short); its code point in *cp.
 */
static size_t utf8_char(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also a NUL that ends the string early */
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return 0;
	*cp = c;
	return n;
}

/* Characters that would break a record or mislead a reader: line and
 * paragraph separators (some consumers split on them), the C1 controls,
 * and the bidirectional overrides and isolates, which make a line show in
 * another order than it reads. */
static bool breaks_line(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f;
}

/*
 * Writes src at dst + pos, never past dst_len - 1 (room for the NUL the
 * caller may add); returns the new end.  Every line written is valid
 * UTF-8: a byte that is not part of a well-formed character, and a
 * control or line-breaking character, becomes '?'.  The plain ASCII that
 * nearly every frame line is made of goes through one test per byte: this
 * runs for every frame line.
 */
static size_t sanitize_into(char *dst, size_t dst_len, size_t pos, const char *src, bool is_dso)
{
	static const char digits[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)src;

	while (*s && pos + 4 < dst_len) {
		unsigned char c = *s;
		if (c >= 0x20 && c < 0x7f) {
			if (is_dso && (c == ' ' || c == '(' || c == ')' || c == '%')) {
				dst[pos++] = '%';
				dst[pos++] = digits[c >> 4];
				dst[pos++] = digits[c & 15];
			} else {
				dst[pos++] = (char)c;
			}
			s++;
		} else if (c < 0x80) {
			dst[pos++] = '?'; /* C0 controls and DEL */
			s++;
		} else {
			uint32_t cp;
			size_t n = utf8_char(s, &cp);
			if (!n || breaks_line(cp)) {
				dst[pos++] = '?';
				s += n ? n : 1;
			} else {
				memcpy(dst + pos, s, n);
				pos += n;
				s += n;
			}
		}
	}
	return pos;
}

void output_sanitize(char *dst, size_t dst_len, const char *src, bool is_dso)
{
	size_t pos = sanitize_into(dst, dst_len, strlen(dst), src, is_dso);

	dst[pos] = '\0';
}

void output_record_begin(struct output *o, const char *comm, pid_t pid, pid_t tid,
			 uint64_t time_ns, uint64_t period)
{
	char name[64] = "";

	o->record_start = o->len;
	output_sanitize(name, sizeof(name), comm && *comm ? comm : "[unknown]", false);
	if (!name[0]) /* nothing printable survived */
		snprintf(name, sizeof(name), "[unknown]");
	/* A comm starting with a blank would read as an indented frame line. */
	for (char *p = name; *p == ' '; p++)
		*p = '_';
	/* perf's layout with -F +pid: "comm pid/tid secs.usecs: period event: " */
	appendf(o, "%s %5d/%-5d %5llu.%06llu: %10llu %s: \n", name, (int)pid, (int)tid,
		(unsigned long long)(time_ns / 1000000000u),
		(unsigned long long)(time_ns % 1000000000u / 1000u), (unsigned long long)period,
		o->event);
}

void output_insn(struct output *o, const uint8_t *bytes, size_t n, const char *text)
{
	char t[256] = "";

	/* perf script -F +insn prints " insn: 48 89 e5" after the frames; the
	 * text follows, with no parentheses (insn_format), so no reader takes
	 * the line for a frame. */
	append(o, " insn:", 6);
	for (size_t i = 0; i < n; i++)
		appendf(o, " %02x", bytes[i]);
	output_sanitize(t, sizeof(t), text, false);
	for (char *p = t; *p; p++)
		if (*p == '(' || *p == ')')
			*p = ' ';
	appendf(o, "\t%s\n", t);
}

/* Lower-case hex of v, at least `width` characters, blank-padded on the
 * left (printf's "%*llx"); returns the length. */
static size_t hex(char *out, uint64_t v, int width)
{
	char digits[16];
	size_t n = 0, len;

	do {
		digits[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	len = (size_t)width > n ? (size_t)width : n;
	memset(out, ' ', len - n);
	for (size_t i = 0; i < n; i++)
		out[len - 1 - i] = digits[i];
	return len;
}

/* Bounds of a frame line's parts, as perf's own are bounded. */
#define SYM_MAX 2048
#define DSO_MAX 1024

/* A frame line is written for every frame of every sample (tens of
 * thousands a second): formatted by hand, straight into the buffer. */
void output_frame(struct output *o, uint64_t addr, const char *sym, uint64_t offset,
		  const char *dso)
{
	size_t n;
	char *at;

	reserve(o, 1 + 16 + 1 + SYM_MAX + 3 + 16 + 2 + DSO_MAX + 2);
	at = o->buf + o->len;
	n = 0;
	at[n++] = '\t';
	n += hex(at + n, addr, 16);
	at[n++] = ' ';
	{
		size_t sym_end = sym ? sanitize_into(at + n, SYM_MAX, 0, sym, false) : 0;
		if (sym_end) {
			n += sym_end;
			memcpy(at + n, "+0x", 3);
			n += 3;
			n += hex(at + n, offset, 0);
		} else {
			memcpy(at + n, "[unknown]", 9);
			n += 9;
		}
	}
	at[n++] = ' ';
	at[n++] = '(';
	{
		size_t dso_end = dso ? sanitize_into(at + n, DSO_MAX, 0, dso, true) : 0;
		if (dso_end) {
			n += dso_end;
		} else {
			memcpy(at + n, "[unknown]", 9);
			n += 9;
		}
	}
	at[n++] = ')';
	at[n++] = '\n';
	o->len += n;
}

/* Direct-mapped: a stack's lines repeat from sample to sample. */
static struct output_memo_entry *memo_entry(struct output *o, const struct output_memo_key *k)
{
	uint64_t h = 0;

	if (!o->memo)
		o->memo = xcalloc(OUTPUT_MEMO_SLOTS, sizeof(*o->memo));
	/* Each word rotated by its place, so equal words in different places
	 * do not cancel out. */
	for (size_t i = 0; i < ARRAY_SIZE(k->w); i++)
		h = (h << 13 | h >> 51) ^ k->w[i];
	return &o->memo[hash_index(h, OUTPUT_MEMO_SLOTS)];
}

bool output_recall(struct output *o, const struct output_memo_key *k)
{
	struct output_memo_entry *e = memo_entry(o, k);

	if (!e->len || memcmp(&e->key, k, sizeof(*k)) != 0)
		return false;
	append(o, e->line, e->len);
	return true;
}

void output_remember(struct output *o, const struct output_memo_key *k, size_t line_start)
{
	struct output_memo_entry *e = memo_entry(o, k);
	size_t len = o->len - line_start;

	if (line_start > o->len || len > sizeof(e->line)) {
		e->len = 0; /* too long to keep: formatted each time */
		return;
	}
	e->key = *k;
	memcpy(e->line, o->buf + line_start, len);
	e->len = (uint16_t)len;
}

static bool write_all(struct output *o, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
		o->bytes_written += (uint64_t)w;
	}
	return true;
}

void output_record_end(struct output *o)
{
	append(o, "\n", 1);
	o->record_start = o->len;
	if (o->len >= FLUSH_THRESHOLD)
		output_flush(o);
}

bool output_flush(struct output *o)
{
	size_t complete = o->record_start;

	if (o->write_failed) {
		o->len = 0;
		o->record_start = 0;
		return false;
	}
	if (complete && !write_all(o, o->buf, complete)) {
		/* Disk full or the like: cut a regular file back to the last
		 * complete record, so no reader sees half a record. */
		if (ftruncate(o->fd, (off_t)(o->base_offset + o->committed)) == 0)
			o->bytes_written = o->committed;
		o->write_failed = true;
		o->len = o->record_start = 0;
		return false;
	}
	o->committed = o->bytes_written;
	memmove(o->buf, o->buf + complete, o->len - complete);
	o->len -= complete;
	o->record_start = 0;
	return true;
}
