/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The perf script text, byte for byte, against the layout perf prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "tap.h"

static char *run(void (*fill)(struct output *))
{
	int fds[2];
	static char buf[65536];
	struct output o;
	ssize_t n;

	if (pipe(fds) != 0)
		return NULL;
	output_init(&o, fds[1], "cpu-clock");
	fill(&o);
	output_flush(&o);
	output_free(&o);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void one_record(struct output *o)
{
	output_record_begin(o, "python3", 4242, 4243, 1407270678123ull, 1001001);
	output_frame(o, 0x7f12345678, "py::leaf:/srv/app.py", 0x1e, "/srv/app.py");
	output_frame(o, 0x55aa, NULL, 0, "/usr/bin/python3.11");
	output_frame(o, 0x10, NULL, 0, NULL);
	output_record_end(o);
}

static void unfinished_record(struct output *o)
{
	one_record(o);
	output_record_begin(o, "x", 1, 1, 0, 1);
	output_frame(o, 1, "f", 0, "d");
	/* no output_record_end: must not appear */
}

static void hostile_names(struct output *o)
{
	output_record_begin(o, " bad\ncomm", 1, 2, 3000, 1);
	output_frame(o, 1, "py::f\n:x", 0, "/my dir/(x)%.py");
	output_record_end(o);
}

static void extreme_numbers(struct output *o)
{
	output_record_begin(o, "t", 1, 1, 0, 1);
	output_frame(o, ~0ull, "f", ~0ull, "d");
	output_frame(o, 0, "g", 0xabcdef, "");
	output_record_end(o);
}

/* The same frames written fresh, then recalled: the memo must give the
 * same bytes, and a key that differs in any word must miss. */
static void remembered_frames(struct output *o)
{
	const struct output_memo_key a = { { 0x1000, 0x2e, 1, 2, 17 } };
	struct output_memo_key b = a;
	size_t start;

	output_record_begin(o, "t", 1, 1, 0, 1);
	start = o->len;
	output_frame(o, 0x1000, "py::f:/a.py:17", 0x2e, "/a.py");
	output_remember(o, &a, start);
	if (!output_recall(o, &a))
		output_frame(o, 0xdead, "recall missed", 0, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(b.w); i++) {
		b = a;
		b.w[i]++;
		if (output_recall(o, &b))
			output_frame(o, 0xbad, "recalled under another key", i, NULL);
	}
	/* A line too long to keep is formatted every time, never cut. */
	{
		char sym[600];
		memset(sym, 'x', sizeof(sym) - 1);
		sym[sizeof(sym) - 1] = '\0';
		start = o->len;
		output_frame(o, 0x1, sym, 0, "/b.py");
		b.w[0] = 0x1;
		output_remember(o, &b, start);
		if (output_recall(o, &b))
			output_frame(o, 0xbad, "long line recalled", 0, NULL);
	}
	output_record_end(o);
}

int main(void)
{
	char dst[64] = "";

	is_str(run(one_record),
	       "python3  4242/4243   1407.270678:    1001001 cpu-clock: \n"
	       "\t      7f12345678 py::leaf:/srv/app.py+0x1e (/srv/app.py)\n"
	       "\t            55aa [unknown] (/usr/bin/python3.11)\n"
	       "\t              10 [unknown] ([unknown])\n"
	       "\n",
	       "record in perf's callchain layout, blank line after it");
	is_str(run(unfinished_record),
	       "python3  4242/4243   1407.270678:    1001001 cpu-clock: \n"
	       "\t      7f12345678 py::leaf:/srv/app.py+0x1e (/srv/app.py)\n"
	       "\t            55aa [unknown] (/usr/bin/python3.11)\n"
	       "\t              10 [unknown] ([unknown])\n"
	       "\n",
	       "an unfinished record is never written");
	is_str(run(hostile_names),
	       "_bad?comm     1/2         0.000003:          1 cpu-clock: \n"
	       "\t               1 py::f?:x+0x0 (/my%20dir/%28x%29%25.py)\n"
	       "\n",
	       "no line breaks in names, no blanks or parentheses in dso names");
	is_str(run(extreme_numbers),
	       "t     1/1         0.000000:          1 cpu-clock: \n"
	       "\tffffffffffffffff f+0xffffffffffffffff (d)\n"
	       "\t               0 g+0xabcdef ([unknown])\n"
	       "\n",
	       "addresses padded to 16 hex digits, offsets unpadded, at both extremes");
	{
		char want[2048], *got = run(remembered_frames), *nl;
		snprintf(want, sizeof(want), "t     1/1         0.000000:          1 cpu-clock: \n"
			 "\t            1000 py::f:/a.py:17+0x2e (/a.py)\n"
			 "\t            1000 py::f:/a.py:17+0x2e (/a.py)\n"
			 "\t               1 ");
		nl = strstr(got, "\t               1 ");
		ok(nl != NULL && strncmp(got, want, strlen(want)) == 0,
		   "a remembered frame line is recalled byte for byte, under its key only");
		ok(nl && strlen(nl) == 1 + 16 + 1 + 599 + 4 + 8 + 2 && strstr(nl, "+0x0 (/b.py)\n\n"),
		   "a line too long to remember is written whole, and not recalled");
	}
	output_sanitize(dst, sizeof(dst), "a b", true);
	is_str(dst, "a%20b", "sanitize escapes blanks in dso");
	/* Every line valid UTF-8, with no character that breaks or reorders
	 * a line: what a target names (ELF symbols, thread names) is bytes. */
	{
		static const struct {
			const char *in, *out, *what;
		} cases[] = {
			{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d",
			  "well-formed UTF-8 (2, 3 and 4 bytes) is kept" },
			{ "a\xff" "b\xc3", "a?b?", "a byte that starts no character, and one cut short" },
			{ "\xc0\xaf\xe0\x80\xaf", "?????", "overlong forms" },
			{ "\xed\xa0\x80", "???", "a UTF-16 surrogate" },
			{ "\xf4\x90\x80\x80", "????", "past U+10FFFF" },
			{ "x\xc2\x85y\xc2\x9b", "x?y?", "C1 controls (NEL, CSI)" },
			{ "l\xe2\x80\xa8p\xe2\x80\xa9", "l?p?", "line and paragraph separators" },
			{ "\xe2\x80\xae" "evil\xe2\x81\xa6", "?evil?", "bidirectional override and isolate" },
			{ "t\x1b[31mx\x7f", "t?[31mx?", "C0 controls and DEL" },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			dst[0] = '\0';
			output_sanitize(dst, sizeof(dst), cases[i].in, false);
			is_str(dst, cases[i].out, "%s", cases[i].what);
		}
	}
	return tap_done();
}
