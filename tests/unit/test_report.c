/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `perf script` text reader (perftext.c) on pysample's output and on
 * perf's variations, line by line, and --top's table (top.c).  Each input
 * is fed whole and again byte by byte: the records and counts must not
 * depend on how the bytes arrive.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perftext.h"
#include "profile.h"
#include "tap.h"
#include "top.h"
#include "writer.h"

/* Records rendered as text, one line per record and one per frame:
 *   comm|pid|tid|time_ns|period
 *    K name|module|line|addr|offset      (K: N native, I inlined, P python, M marker) */
struct rendered {
	char text[1 << 16];
	size_t len;
};

static void appendf(struct rendered *out, const char *fmt, ...) PYS_PRINTF(2, 3);
static void appendf(struct rendered *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out->text + out->len, sizeof(out->text) - out->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		out->len += (size_t)n;
	if (out->len >= sizeof(out->text))
		out->len = sizeof(out->text) - 1;
}

static void render(void *ctx, const struct sample_record *r)
{
	struct rendered *out = ctx;

	appendf(out, "%s|%d|%d|%llu|%llu\n", r->comm, (int)r->pid, (int)r->tid,
		(unsigned long long)r->time_ns, (unsigned long long)r->period_ns);
	for (size_t i = 0; i < r->nframes; i++) {
		const struct sample_frame *f = &r->frames[i];
		appendf(out, " %c %s|%s|%d|%llx|%llx\n", "NIPM"[f->kind], f->name ? f->name : "-",
			f->module ? f->module : "-", f->line, (unsigned long long)f->addr,
			(unsigned long long)f->offset);
	}
}

struct parse_case {
	const char *name;
	const char *input;
	size_t input_len; /* 0: strlen */
	size_t line_max, frames_max; /* 0: the defaults */
	const char *want;
	uint64_t unrecognized, too_long, unterminated, first_bad;
	const char *event;
};

static const struct parse_case cases[] = {
	{ "pysample's record: inlined, Python and native frames",
	  "python  6520/6520   4680.984405:    1001001 cpu-clock: \n"
	  "\t    7f501a3ceff0 pymalloc_free+0x70 (inlined)\n"
	  "\t    7f501a3ceff0 _PyObject_Free+0x70 (/usr/lib/libpython3.12.so.1.0)\n"
	  "\t    7f5019ffd330 py::Model.step:/tmp/demo dir/calc (v2).py+0x20 "
	  "(/tmp/demo%20dir/calc%20%28v2%29.py)\n"
	  "\t    7f501a010d50 py::<module>:/tmp/demo dir/calc (v2).py+0x26 "
	  "(/tmp/demo%20dir/calc%20%28v2%29.py)\n"
	  "\t    55d81fa86081 _start+0x21 (/usr/bin/python3.12)\n"
	  "\n",
	  0, 0, 0,
	  "python|6520|6520|4680984405000|1001001\n"
	  " I pymalloc_free|/usr/lib/libpython3.12.so.1.0|0|7f501a3ceff0|70\n"
	  " N _PyObject_Free|/usr/lib/libpython3.12.so.1.0|0|7f501a3ceff0|70\n"
	  " P Model.step|/tmp/demo dir/calc (v2).py|0|7f5019ffd330|20\n"
	  " P <module>|/tmp/demo dir/calc (v2).py|0|7f501a010d50|26\n"
	  " N _start|/usr/bin/python3.12|0|55d81fa86081|21\n",
	  0, 0, 0, 0, "cpu-clock" },
	{ "pysample --lines: the last :N is the line, -1 too",
	  "python  2401/2401   4440.621565:    1001001 wall-clock: \n"
	  "\t    7f8159751330 py::Model.step:/tmp/demo dir/calc (v2).py:4+0x1c "
	  "(/tmp/demo%20dir/calc%20%28v2%29.py)\n"
	  "\t    7f8159751330 py::f:/a.py:-1+0x2 (/a.py)\n"
	  "\n",
	  0, 0, 0,
	  "python|2401|2401|4440621565000|1001001\n"
	  " P Model.step|/tmp/demo dir/calc (v2).py|4|7f8159751330|1c\n"
	  " P f|/a.py|-1|7f8159751330|2\n",
	  0, 0, 0, 0, "wall-clock" },
	{ "Python files with ':' in them, or named like perf's dsos",
	  "p 1/1 1.0: 1 cpu-clock: \n"
	  "\t1 py::f:/srv/a:b/x.py+0x2 (/srv/a:b/x.py)\n"
	  "\t2 py::g:/srv/log:12+0x2 (/srv/log:12)\n"
	  "\t3 py::h:/srv/log:12:7+0x2 (/srv/log:12)\n"
	  "\t4 py::[unreadable code object]+0x4 ([unknown])\n"
	  "\t5 py::i:inlined+0x1 (inlined)\n"
	  "\t6 py::m:[pysample]+0x1 ([pysample])\n"
	  "\n",
	  0, 0, 0,
	  "p|1|1|1000000000|1\n"
	  " P f|/srv/a:b/x.py|0|1|2\n"
	  " P g|/srv/log:12|0|2|2\n"
	  " P h|/srv/log:12|7|3|2\n"
	  " P [unreadable code object]|-|0|4|4\n"
	  " P i|inlined|0|5|1\n"
	  " P m|[pysample]|0|6|1\n",
	  0, 0, 0, 0, "cpu-clock" },
	{ "short Python files (pysample's default): the whole path is the dso",
	  "p 1/1 1.0: 1 cpu-clock: \n"
	  "\t1 py::hot:examples/busy.py+0x1c (/work/main/examples/busy.py)\n"
	  "\t2 py::hot:examples/busy.py:12+0x1c (/work/main/examples/busy.py)\n"
	  "\t3 py::dumps:json/__init__.py+0x2 (/usr/lib/python3.11/json/__init__.py)\n"
	  "\t4 py::f:busy.py+0x2 (/work/main/examples/not-busy.py)\n"
	  "\t5 py::g:x/y:12+0x2 (/x/y:12)\n"
	  "\t6 py::h:x/y:12:5+0x2 (/x/y:12)\n"
	  "\t7 py::i:x/y:12+0x2 (/x/y)\n"
	  "\n",
	  0, 0, 0,
	  "p|1|1|1000000000|1\n"
	  " P hot|/work/main/examples/busy.py|0|1|1c\n"
	  " P hot|/work/main/examples/busy.py|12|2|1c\n"
	  " P dumps|/usr/lib/python3.11/json/__init__.py|0|3|2\n"
	  " P f|busy.py|0|4|2\n"
	  " P g|/x/y:12|0|5|2\n"
	  " P h|/x/y:12|5|6|2\n"
	  " P i|/x/y|12|7|2\n",
	  0, 0, 0, 0, "cpu-clock" },
	{ "perf 6.1 default: tid only, event with modifiers, CPython's jitted frames",
	  "python3.13 15142  1407.270678:    1001001 cpu-clock:ppp: \n"
	  "\t          128536 PyLong_FromLong+0x6 (/opt/lib/libpython3.13.so.1.0)\n"
	  "\t              85 py::leaf_compute:/srv/demo/script.py+0x5 (/tmp/jitted-15142-208.so)\n"
	  "\t ffffffff8225fd19 [unknown] ([kernel.kallsyms])\n"
	  "\t               0 [unknown] ([unknown])\n"
	  "\n",
	  0, 0, 0,
	  "python3.13|15142|15142|1407270678000|1001001\n"
	  " N PyLong_FromLong|/opt/lib/libpython3.13.so.1.0|0|128536|6\n"
	  " P leaf_compute|/srv/demo/script.py|0|85|5\n"
	  " N -|[kernel.kallsyms]|0|ffffffff8225fd19|0\n"
	  " N -|-|0|0|0\n",
	  0, 0, 0, 0, "cpu-clock:ppp" },
	{ "[cpu], --ns, no period, comm with blanks and digits, no trailing blank",
	  "swapper     0 [003]  1234.567890123: 250000 cycles:P:\n"
	  "\tffffffff81000000 intel_idle+0x1 ([kernel.kallsyms])\n"
	  "\n"
	  "Web Content 2 1240/1241 [001] 3.5: task-clock:u: \n"
	  "\t7f00 g (/lib/x.so)\n"
	  "\n"
	  "a 7/8 9: \n"
	  "\n",
	  0, 0, 0,
	  "swapper|0|0|1234567890123|250000\n"
	  " N intel_idle|[kernel.kallsyms]|0|ffffffff81000000|1\n"
	  "Web Content 2|1240|1241|3500000000|1\n"
	  " N g|/lib/x.so|0|7f00|0\n"
	  "a|7|8|9000000000|1\n",
	  0, 0, 0, 0, "cycles:P" },
	{ "perf --header block, markers, deleted dso, C++ names, 0x addresses",
	  "# ========\n"
	  "# captured on    : Thu Jan  1 00:00:00 2026\n"
	  "# ========\n"
	  "#\n"
	  "cxx 5/5 1.000001: 1001001 cpu-clock: \n"
	  "\t    556f0d377227 shapes::Widget::spin(double)+0x97 (/tmp/doc/cxxchain)\n"
	  "\t    556f0d377259 double shapes::drive<shapes::Widget>(shapes::Widget&, double)+0x9 "
	  "(/tmp/doc/cxxchain)\n"
	  "\t    7f00 old+0x10 (/usr/lib/x.so (deleted))\n"
	  "\t0x1234 nooffset (/lib/y.so)\n"
	  "\t               0 [stack cut at --stack-bytes]+0x0 ([pysample])\n"
	  "\n",
	  0, 0, 0,
	  "cxx|5|5|1000001000|1001001\n"
	  " N shapes::Widget::spin(double)|/tmp/doc/cxxchain|0|556f0d377227|97\n"
	  " N double shapes::drive<shapes::Widget>(shapes::Widget&, double)|/tmp/doc/cxxchain|0|"
	  "556f0d377259|9\n"
	  " N old|/usr/lib/x.so (deleted)|0|7f00|10\n"
	  " N nooffset|/lib/y.so|0|1234|0\n"
	  " M [stack cut at --stack-bytes]|[pysample]|0|0|0\n",
	  0, 0, 0, 0, "cpu-clock" },
	{ "CRLF line ends, an insn line, a blank-only separator",
	  "w 1/2 3.000004: 5 cpu-clock: \r\n"
	  "\t10 f+0x1 (/a)\r\n"
	  " insn: 48 89 e5\tmov rbp, rsp\r\n"
	  "\r\n"
	  "w 1/2 3.000005: 5 cpu-clock: \n"
	  "\t10 f+0x1 (/a)\n"
	  "   \n",
	  0, 0, 0,
	  "w|1|2|3000004000|5\n"
	  " N f|/a|0|10|1\n"
	  "w|1|2|3000005000|5\n"
	  " N f|/a|0|10|1\n",
	  0, 0, 0, 0, "cpu-clock" },
	{ "the last record without its empty line, nor its '\\n'",
	  "a 1/1 1.0: 1 e: \n"
	  "\t1 f (/x)\n"
	  "\n"
	  "a 1/1 2.0: 1 e: \n"
	  "\t2 g (/x)",
	  0, 0, 0,
	  "a|1|1|1000000000|1\n"
	  " N f|/x|0|1|0\n"
	  "a|1|1|2000000000|1\n"
	  " N g|/x|0|2|0\n",
	  0, 0, 1, 0, "e" },
	{ "records not separated by an empty line, an empty callchain",
	  "a 1/1 1.0: 1 e: \n"
	  "\t1 f (/x)\n"
	  "b 2/2 2.0: 1 e: \n"
	  "\n"
	  "c 3/3 3.0: 1 e: \n"
	  "\t3 h (/x)\n"
	  "\n",
	  0, 0, 0,
	  "a|1|1|1000000000|1\n"
	  " N f|/x|0|1|0\n"
	  "b|2|2|2000000000|1\n"
	  "c|3|3|3000000000|1\n"
	  " N h|/x|0|3|0\n",
	  0, 0, 1, 0, "e" },
	{ "garbage: orphan frames, text, a bad period, a bad frame in a record",
	  "hello world\n"
	  "\t1 f (/x)\n"
	  "a 1/1 1.0: 99999999999999999999999 e: \n"
	  "\t2 g (/x)\n"
	  "\n"
	  "a 1/1 1.0: 1 e: \n"
	  "\tnot a frame\n"
	  "\t3 h (/x\n"
	  "\t4 k (/x)\n"
	  "\n"
	  "   1/1 1.0: 1 e: \n",
	  0, 0, 0,
	  "a|1|1|1000000000|1\n"
	  " N k|/x|0|4|0\n",
	  7, 0, 0, 1, "e" },
	{ "NUL bytes and bad UTF-8 become '?'",
	  "n\0m 1/1 1.0: 1 e: \n"
	  "\t1 f\0g\xff+0x1 (/x\0y)\n"
	  "\n",
	  sizeof("n\0m 1/1 1.0: 1 e: \n"
		 "\t1 f\0g\xff+0x1 (/x\0y)\n"
		 "\n") - 1,
	  0, 0,
	  "n?m|1|1|1000000000|1\n"
	  " N f?g?|/x?y|0|1|1\n",
	  0, 0, 0, 0, "e" },
	{ "over-long lines are skipped and counted: a frame, then a header",
	  "a 1/1 1.0: 1 e: \n"
	  "\t1 f (/x)\n"
	  "\t2 a_very_long_symbol_name_that_goes_on_and_on_and_on_and_on_and_on (/x)\n"
	  "\t3 h (/x)\n"
	  "\n"
	  "a 1/1 2.0: 1 e: with a long tail that makes this header line too long!\n"
	  "\t4 k (/x)\n"
	  "\n",
	  0, 64, 0,
	  "a|1|1|1000000000|1\n"
	  " N f|/x|0|1|0\n"
	  " N h|/x|0|3|0\n",
	  1, 2, 0, 3, "e" },
	{ "frames past the record's bound: the innermost kept, a marker last",
	  "a 1/1 1.0: 1 e: \n"
	  "\t1 f (/x)\n"
	  "\t2 g (/x)\n"
	  "\t3 h (/x)\n"
	  "\n",
	  0, 0, 2,
	  "a|1|1|1000000000|1\n"
	  " N f|/x|0|1|0\n"
	  " N g|/x|0|2|0\n"
	  " M [stack cut at report's frame limit]|[pysample]|0|0|0\n",
	  0, 0, 0, 0, "e" },
	{ "an unknown inlined symbol, inlined lines without a frame below",
	  "a 1/1 1.0: 1 e: \n"
	  "\t1 [unknown] (inlined)\n"
	  "\t1 g+0x3 (/lib/g.so)\n"
	  "\t2 h (inlined)\n"
	  "\n",
	  0, 0, 0,
	  "a|1|1|1000000000|1\n"
	  " I -|/lib/g.so|0|1|0\n"
	  " N g|/lib/g.so|0|1|3\n"
	  " I h|-|0|2|0\n",
	  0, 0, 0, 0, "e" },
	{ "nothing but blank lines and comments",
	  "\n\n# just a comment\n\n", 0, 0, 0, "", 0, 0, 0, 0, "" },
};

static void parse_with(const struct parse_case *c, bool bytewise, struct rendered *out,
		       struct perf_text_stats *st, char *event, size_t event_len)
{
	struct perf_text_parser p;
	size_t len = c->input_len ? c->input_len : strlen(c->input);

	out->len = 0;
	out->text[0] = '\0';
	perf_text_init(&p, render, out);
	if (c->line_max)
		p.line_max = c->line_max;
	if (c->frames_max)
		p.frames_max = c->frames_max;
	if (bytewise)
		for (size_t i = 0; i < len; i++)
			perf_text_feed(&p, c->input + i, 1);
	else
		perf_text_feed(&p, c->input, len);
	perf_text_finish(&p);
	*st = p.st;
	snprintf(event, event_len, "%s", p.event);
	perf_text_free(&p);
}

static void test_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct parse_case *c = &cases[i];
		static struct rendered whole, bytes;
		struct perf_text_stats st, st_bytes;
		char event[64], event_bytes[64];

		parse_with(c, false, &whole, &st, event, sizeof(event));
		parse_with(c, true, &bytes, &st_bytes, event_bytes, sizeof(event_bytes));
		is_str(whole.text, c->want, "%s: records", c->name);
		ok(st.unrecognized == c->unrecognized && st.too_long == c->too_long &&
			   st.unterminated == c->unterminated && st.first_bad == c->first_bad,
		   "%s: counts (not understood %llu, too long %llu, unterminated %llu, first bad %llu)",
		   c->name, (unsigned long long)st.unrecognized, (unsigned long long)st.too_long,
		   (unsigned long long)st.unterminated, (unsigned long long)st.first_bad);
		is_str(event, c->event, "%s: event", c->name);
		ok(strcmp(whole.text, bytes.text) == 0 && memcmp(&st, &st_bytes, sizeof(st)) == 0 &&
			   strcmp(event, event_bytes) == 0,
		   "%s: the same fed byte by byte", c->name);
	}
}

/* Two events in one file are counted together, and said so. */
static void test_several_events(void)
{
	static struct rendered out;
	struct perf_text_stats st;
	char event[64];
	const struct parse_case c = { "", "a 1/1 1.0: 1 cycles: \n\t1 f (/x)\n\n"
					  "a 1/1 2.0: 1 instructions: \n\t1 f (/x)\n\n",
				      0, 0, 0, "", 0, 0, 0, 0, "" };

	parse_with(&c, false, &out, &st, event, sizeof(event));
	ok(st.records == 2 && st.several_events && strcmp(event, "cycles") == 0,
	   "two event names: both records kept, several_events set, the first named");
}

/* The perf writer's text read back gives the records written, hostile
 * module paths (blank, parentheses, '%') and Python names included. */
static void test_round_trip(void)
{
	const struct sample_frame frames[] = {
		{ .kind = FRAME_INLINED, .addr = 0x7f01, .offset = 0x10, .name = "inner",
		  .module = "/opt/my lib (v2)/100%.so" },
		{ .kind = FRAME_NATIVE, .addr = 0x7f01, .offset = 0x10, .name = "outer",
		  .module = "/opt/my lib (v2)/100%.so" },
		{ .kind = FRAME_PYTHON, .addr = 0x55aa, .offset = 0x2e, .name = "Model.step",
		  .module = "/srv/a b/(x):1.py", .line = 42 },
		{ .kind = FRAME_PYTHON, .addr = 0x55ab, .offset = 0x2, .name = "main.<locals>.f",
		  .module = "<string>" },
		{ .kind = FRAME_NATIVE, .addr = 0x400000, .offset = 0, .name = NULL,
		  .module = "/usr/bin/python3" },
		{ .kind = FRAME_NATIVE, .addr = 0x1, .offset = 0, .name = NULL, .module = NULL },
		{ .kind = FRAME_MARKER, .name = "[native frames cut: unreadable]" },
	};
	const struct sample_record rec = { .comm = "Worker 1", .pid = 77, .tid = 78,
					   .time_ns = 12345678000ull, .period_ns = 1001001,
					   .frames = frames, .nframes = ARRAY_SIZE(frames) };
	const char *want =
		"Worker 1|77|78|12345678000|1001001\n"
		" I inner|/opt/my lib (v2)/100%.so|0|7f01|10\n"
		" N outer|/opt/my lib (v2)/100%.so|0|7f01|10\n"
		" P Model.step|/srv/a b/(x):1.py|42|55aa|2e\n"
		" P main.<locals>.f|<string>|0|55ab|2\n"
		" N -|/usr/bin/python3|0|400000|0\n"
		" N -|-|0|1|0\n"
		" M [native frames cut: unreadable]|[pysample]|0|0|0\n";
	const struct writer_options wopt = { .lines = true, .event = "cpu-clock" };
	static struct rendered out;
	static char text[8192];
	struct perf_text_parser p;
	struct writer *w;
	FILE *f = tmpfile();
	size_t n;

	if (!f) {
		ok(false, "round trip: tmpfile");
		return;
	}
	w = writer_open(&writer_perf_ops, fileno(f), &wopt);
	w->ops->sample(w, &rec);
	w->ops->sample(w, &rec);
	ok(w->ops->end(w, NULL), "round trip: the perf writer wrote");
	w->ops->free(w);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';

	out.len = 0;
	perf_text_init(&p, render, &out);
	perf_text_feed(&p, text, n);
	perf_text_finish(&p);
	ok(p.st.records == 2 && p.st.unrecognized == 0 && p.st.unterminated == 0,
	   "round trip: 2 records, every line understood");
	ok(out.len == 2 * strlen(want) && strncmp(out.text, want, strlen(want)) == 0 &&
		   strcmp(out.text + strlen(want), want) == 0,
	   "round trip: the records read are those written");
	if (strncmp(out.text, want, strlen(want)) != 0)
		printf("# text:\n%s# read:\n%s", text, out.text);
	perf_text_free(&p);
}

/* --top: self, total (recursion once per stack), Python and native names. */
static void test_top(void)
{
	const struct sample_frame spin = { .kind = FRAME_PYTHON, .name = "spin", .module = "/s.py",
					   .first_line = 4, .line = 6 };
	const struct sample_frame spin7 = { .kind = FRAME_PYTHON, .name = "spin",
					    .module = "/s.py", .first_line = 4, .line = 7 };
	const struct sample_frame hot = { .kind = FRAME_PYTHON, .name = "hot", .module = "/s.py",
					  .first_line = 11 };
	const struct sample_frame rec = { .kind = FRAME_NATIVE, .name = "rec",
					  .module = "/usr/lib/librec.so.1" };
	const struct sample_frame mainf = { .kind = FRAME_NATIVE, .name = "main",
					    .module = "/usr/bin/prog" };
	const struct sample_frame s1[] = { spin, hot, mainf }, s2[] = { spin7, hot, mainf },
				  s3[] = { rec, rec, rec, mainf }, s4[] = { mainf };
	const struct { const struct sample_frame *f; size_t n, times; } stacks[] = {
		{ s1, 3, 5 }, { s2, 3, 1 }, { s3, 4, 3 }, { s4, 1, 1 },
	};
	struct profile prof;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	profile_init(&prof);
	for (size_t i = 0; i < ARRAY_SIZE(stacks); i++)
		for (size_t k = 0; k < stacks[i].times; k++) {
			struct sample_record r = { .comm = "t", .pid = 1, .tid = 1,
						   .period_ns = 1000, .frames = stacks[i].f,
						   .nframes = stacks[i].n };
			profile_add(&prof, &r);
		}
	top_print(out, &prof, 3);
	fclose(out);
	for (const char *q = text; *q; q += strcspn(q, "\n") + (q[strcspn(q, "\n")] != '\0'))
		printf("# %.*s\n", (int)strcspn(q, "\n"), q);
	ok(strstr(text, "# pysample top: 10 samples, 4 functions; the 3 hottest by self share\n") !=
		   NULL,
	   "top: header with samples and functions");
	ok(strstr(text, "   60.00%    60.00%          6  spin (/s.py:4)\n") != NULL,
	   "top: spin's two lines are one function: self 60%%, named by its first line");
	ok(strstr(text, "   30.00%    30.00%          3  rec (librec.so.1)\n") != NULL,
	   "top: recursion counted once per stack; native named by module basename");
	ok(strstr(text, "   10.00%   100.00%          1  main (prog)\n") != NULL,
	   "top: main's total is every sample");
	ok(strstr(text, " hot (") == NULL, "top: only 3 rows: hot (self 0) left out");
	free(text);

	text = NULL;
	out = open_memstream(&text, &len);
	profile_free(&prof);
	profile_init(&prof);
	top_print(out, &prof, 5);
	fclose(out);
	is_str(text, "# pysample top: no samples\n", "top: an empty profile");
	free(text);
	profile_free(&prof);

	/* Names from the target reach a terminal: no escape sequence. */
	const struct sample_frame evil = { .kind = FRAME_PYTHON, .name = "f\x1b[2J\n",
					   .module = "/x\ty.py", .first_line = 3 };
	struct sample_record r = { .comm = "t", .period_ns = 1, .frames = &evil, .nframes = 1 };
	text = NULL;
	out = open_memstream(&text, &len);
	profile_init(&prof);
	profile_add(&prof, &r);
	top_print(out, &prof, 5);
	fclose(out);
	ok(strstr(text, "  f?[2J? (/x?y.py:3)\n") != NULL && !strchr(text, '\x1b'),
	   "top: control characters in names are printed as '?'");
	free(text);
	profile_free(&prof);
}

int main(void)
{
	test_cases();
	test_several_events();
	test_round_trip();
	test_top();
	return tap_done();
}
