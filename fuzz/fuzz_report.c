/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample report`'s reader of `perf script` text (perftext.c) on any
 * bytes, fed in pieces of any size, and what it feeds: the profile, the
 * collapsed writer and --top's table.  Checked:
 *   - no crash, no leak, nothing read out of bounds;
 *   - every string of a record is valid UTF-8 without control characters
 *     (what the writers get from a sampling run), every frame of a known
 *     kind, a record within its bounds;
 *   - the counts add up;
 *   - round trip: the records, written back as perf text by the perf
 *     writer and read again, are the same records (for records whose
 *     names fit the writer's own bounds).
 *
 * Input: one byte of settings (bit 0-3: piece size - 1, 0 for 1-byte
 * pieces up to 15 for the whole input at once; bit 4: small bounds, taken
 * from the second byte), then the text.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "perftext.h"
#include "profile.h"
#include "top.h"
#include "writer.h"

#include "fuzz.h"

struct text {
	char *s;
	size_t len, cap;
};

struct pass {
	struct text rendered;
	struct writer *perf, *collapsed; /* first pass only */
	struct profile *prof;
	size_t frames_max;
	bool round_trip_ok; /* every record within the perf writer's bounds */
	uint64_t records;
};

static int devnull = -1, memfd = -1;
static FILE *devnull_file;

static void append(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	CHECK(n >= 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		CHECK(t->s != NULL);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* Valid UTF-8 without C0 controls or DEL (output.c's rules; its finer
 * ones are fuzz_output's to check). */
static void check_clean(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	CHECK(s != NULL);
	while (*s) {
		unsigned c = *s, len, cp;
		if (c < 0x80) {
			CHECK(c >= 0x20 && c != 0x7f);
			s++;
			continue;
		}
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		CHECK(len && c <= 0xf4);
		cp = c & (0x3f >> (len - 1));
		for (unsigned i = 1; i < len; i++) {
			CHECK((s[i] & 0xc0) == 0x80);
			cp = cp << 6 | (s[i] & 0x3f);
		}
		CHECK(!((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
			(cp >= 0xd800 && cp < 0xe000)));
		s += len;
	}
}

static bool short_text(const char *s, size_t max)
{
	return !s || strlen(s) < max;
}

/* As the perf writer keeps it: microseconds, and a marker at 0+0x0. */
static void render(struct text *t, const struct sample_record *r)
{
	append(t, "%s|%d|%d|%llu|%llu\n", r->comm, (int)r->pid, (int)r->tid,
	       (unsigned long long)(r->time_ns / 1000), (unsigned long long)r->period_ns);
	for (size_t i = 0; i < r->nframes; i++) {
		const struct sample_frame *f = &r->frames[i];
		bool marker = f->kind == FRAME_MARKER;
		append(t, " %d %s|%s|%d|%llx|%llx\n", (int)f->kind, f->name ? f->name : "-",
		       f->module ? f->module : "-", f->line,
		       (unsigned long long)(marker ? 0 : f->addr),
		       (unsigned long long)(marker ? 0 : f->offset));
	}
}

static void on_record(void *ctx, const struct sample_record *r)
{
	struct pass *p = ctx;

	p->records++;
	check_clean(r->comm);
	CHECK(r->comm[0] != ' ' && r->comm[0] != '\t' && r->comm[0] != '\0');
	CHECK(r->nframes <= p->frames_max + 1);
	if (!short_text(r->comm, 56))
		p->round_trip_ok = false;
	for (size_t i = 0; i < r->nframes; i++) {
		const struct sample_frame *f = &r->frames[i];
		CHECK(f->kind == FRAME_NATIVE || f->kind == FRAME_INLINED ||
		      f->kind == FRAME_PYTHON || f->kind == FRAME_MARKER);
		if (f->name)
			check_clean(f->name);
		if (f->module)
			check_clean(f->module);
		if (f->kind == FRAME_MARKER)
			CHECK(f->name != NULL);
		if (f->kind == FRAME_PYTHON) {
			CHECK(f->name && !strchr(f->name, ':'));
			CHECK(f->module || !f->line);
		}
		/* The writer cuts names at its own bounds (output.c: 2048
		 * bytes of symbol, 1024 of dso, where one byte may take three
		 * escaped): past them text cannot come back the same. */
		if (!short_text(f->name, 900) || !short_text(f->module, 300))
			p->round_trip_ok = false;
	}
	render(&p->rendered, r);
	if (p->perf)
		p->perf->ops->sample(p->perf, r);
	if (p->collapsed)
		p->collapsed->ops->sample(p->collapsed, r);
	if (p->prof)
		profile_add(p->prof, r);
}

static void parse(struct pass *p, const char *text, size_t len, size_t piece, size_t line_max,
		  size_t frames_max)
{
	struct perf_text_parser parser;
	const struct perf_text_stats *st = &parser.st;

	perf_text_init(&parser, on_record, p);
	if (line_max)
		parser.line_max = line_max;
	if (frames_max)
		parser.frames_max = frames_max;
	p->frames_max = parser.frames_max;
	for (size_t at = 0; at < len; at += piece)
		perf_text_feed(&parser, text + at, len - at < piece ? len - at : piece);
	perf_text_finish(&parser);
	CHECK(st->records == p->records);
	CHECK(st->unrecognized + st->too_long + st->comments <= st->lines);
	CHECK(!st->first_bad == !(st->unrecognized + st->too_long));
	CHECK(st->first_bad <= st->lines);
	check_clean(parser.event);
	perf_text_free(&parser);
}

/* The first pass's records, as the perf writer wrote them. */
static char *written_text(size_t *len)
{
	off_t end = lseek(memfd, 0, SEEK_END);
	char *buf;

	CHECK(end >= 0);
	buf = malloc((size_t)end + 1);
	CHECK(buf != NULL);
	CHECK(pread(memfd, buf, (size_t)end, 0) == end);
	*len = (size_t)end;
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct writer_options wopt = { .lines = true, .event = "cpu-clock" };
	struct pass first = { .round_trip_ok = true }, again = { .round_trip_ok = true };
	struct profile prof;
	size_t piece, line_max = 0, frames_max = 0, written_len;
	char *written;

	if (size < 2)
		return 0;
	if (devnull < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		devnull_file = fdopen(dup(devnull), "w");
		memfd = memfd_create("fuzz_report", MFD_CLOEXEC);
		CHECK(devnull >= 0 && devnull_file && memfd >= 0);
	}
	CHECK(ftruncate(memfd, 0) == 0 && lseek(memfd, 0, SEEK_SET) == 0);
	piece = (data[0] & 15) == 15 ? size : (size_t)(data[0] & 15) + 1;
	if (data[0] & 16) {
		line_max = 24 + data[1] % 64;
		frames_max = 1 + data[1] % 4;
	}
	data += 2;
	size -= 2;

	profile_init(&prof);
	first.prof = &prof;
	first.perf = writer_open(&writer_perf_ops, memfd, &wopt);
	first.collapsed = writer_open(&writer_collapsed_ops, devnull, &wopt);
	parse(&first, (const char *)data, size, piece, line_max, frames_max);
	CHECK(first.perf->ops->end(first.perf, NULL));
	first.perf->ops->free(first.perf);
	first.collapsed->ops->end(first.collapsed, NULL);
	first.collapsed->ops->free(first.collapsed);
	top_print(devnull_file, &prof, 5);
	profile_free(&prof);

	/* Read back whole and with the default line bound: the writer pads
	 * its lines past the small one. */
	written = written_text(&written_len);
	parse(&again, written, written_len, written_len ? written_len : 1, 0, frames_max);
	CHECK(again.records == first.records);
	if (first.round_trip_ok)
		CHECK(again.rendered.len == first.rendered.len &&
		      (!first.rendered.len ||
		       memcmp(again.rendered.s, first.rendered.s, first.rendered.len) == 0));
	free(written);
	free(first.rendered.s);
	free(again.rendered.s);
	return 0;
}
