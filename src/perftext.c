/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "perftext.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* A frame being read: its strings as offsets into the record's string
 * buffer, which moves as it grows. */
struct perf_text_frame {
	enum sample_frame_kind kind;
	uint64_t addr, offset;
	size_t name, module; /* NO_STRING: unknown */
	int line;
};

#define NO_STRING SIZE_MAX

/* The comm, pid and cpu tokens lie in the first bytes of a header: the
 * search for its time token goes no further (a hostile line of a million
 * blanks costs nothing). */
#define HEADER_SCAN 512

void perf_text_init(struct perf_text_parser *p, perf_text_record_fn emit, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->emit = emit;
	p->ctx = ctx;
	p->line_max = PERF_TEXT_LINE_MAX;
	p->frames_max = PERF_TEXT_FRAMES_MAX;
	p->record_bytes_max = PERF_TEXT_RECORD_BYTES_MAX;
}

void perf_text_free(struct perf_text_parser *p)
{
	free(p->frames);
	free(p->strings);
	free(p->out);
	free(p->work);
	free(p->pending);
	memset(p, 0, sizeof(*p));
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void not_understood(struct perf_text_parser *p)
{
	p->st.unrecognized++;
	if (!p->st.first_bad)
		p->st.first_bad = p->st.lines;
}

static void too_long(struct perf_text_parser *p)
{
	p->st.too_long++;
	if (!p->st.first_bad)
		p->st.first_bad = p->st.lines;
}

/* ---- The record's strings ---- */

/* Appends src, sanitized as pysample's own output is (valid UTF-8, no
 * control character: output.c), so every writer gets the text it would
 * get from a sampling run; returns its offset. */
static size_t add_string(struct perf_text_parser *p, const char *src)
{
	size_t n = strlen(src), at = p->strings_len;
	char *dst;

	/* Sanitizing never lengthens text; output_sanitize keeps 4 bytes spare. */
	grow_array((void **)&p->strings, &p->strings_cap, at + n + 8, 1);
	dst = p->strings + at;
	dst[0] = '\0';
	output_sanitize(dst, n + 8, src, false);
	p->strings_len = at + strlen(dst) + 1;
	return at;
}

/* pysample escapes blank, '(', ')' and '%' in a dso (output.c) so the
 * parenthesised field stays one field; undone here, in place.  Only
 * these four: any other '%' is text. */
static void unescape_dso(char *s)
{
	char *out = s;

	while (*s) {
		char c = 0;
		if (s[0] == '%' && s[1] == '2')
			c = s[2] == '0' ? ' ' : s[2] == '8' ? '(' : s[2] == '9' ? ')' : s[2] == '5' ? '%' : 0;
		if (c) {
			*out++ = c;
			s += 3;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* ---- Records ---- */

/* The outermost non-inlined frame below an inlined one is the function
 * it was inlined into (perf and pysample print it next, at the same
 * address): its module is the inlined frame's, as in a sampling run. */
static void fill_inlined_modules(struct sample_frame *f, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (f[i].kind == FRAME_INLINED && !f[i].module && i + 1 < n &&
		    (f[i + 1].kind == FRAME_NATIVE || f[i + 1].kind == FRAME_INLINED))
			f[i].module = f[i + 1].module;
}

static const char *string_at(const struct perf_text_parser *p, size_t off)
{
	return off == NO_STRING ? NULL : p->strings + off;
}

static void end_record(struct perf_text_parser *p)
{
	size_t n = p->nframes;
	struct sample_record r;

	grow_array((void **)&p->out, &p->out_cap, n + 1, sizeof(*p->out));
	for (size_t i = 0; i < n; i++) {
		const struct perf_text_frame *f = &p->frames[i];
		p->out[i] = (struct sample_frame){
			.kind = f->kind, .addr = f->addr, .offset = f->offset,
			.name = string_at(p, f->name), .module = string_at(p, f->module),
			.line = f->line,
		};
	}
	fill_inlined_modules(p->out, n);
	if (p->cut)
		p->out[n++] = (struct sample_frame){ .kind = FRAME_MARKER,
						     .name = PERF_TEXT_CUT_MARKER,
						     .module = "[pysample]" };
	r = (struct sample_record){ .comm = p->comm, .pid = p->pid, .tid = p->tid,
				    .time_ns = p->time_ns, .period_ns = p->period,
				    .frames = p->out, .nframes = n };
	p->st.records++;
	p->st.frames += p->nframes;
	p->in_record = false;
	p->cut = false;
	p->nframes = 0;
	p->strings_len = 0;
	p->emit(p->ctx, &r);
}

/* ---- Header lines ---- */

struct span {
	char *s;
	size_t n;
};

/* "1234", "1234/5678", perf's "-1": a pid, a pid/tid; a lone number is
 * perf's tid (its default fields have tid, not pid), and both. */
static bool parse_int(const char *s, size_t n, int *out)
{
	bool neg = n && s[0] == '-';
	long long v = 0;
	size_t i = neg;

	if (i == n || n - i > 10)
		return false;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT_MAX)
		return false;
	*out = (int)(neg ? -v : v);
	return true;
}

static bool parse_pid(struct span t, pid_t *pid, pid_t *tid)
{
	const char *slash = memchr(t.s, '/', t.n);
	int a, b;

	if (!slash) {
		if (!parse_int(t.s, t.n, &a))
			return false;
		*pid = *tid = a;
		return true;
	}
	if (!parse_int(t.s, (size_t)(slash - t.s), &a) ||
	    !parse_int(slash + 1, t.n - (size_t)(slash - t.s) - 1, &b))
		return false;
	*pid = a;
	*tid = b;
	return true;
}

/* "[003]": the cpu, with `perf record -a` or --sample-cpu. */
static bool is_cpu(struct span t)
{
	if (t.n < 3 || t.s[0] != '[' || t.s[t.n - 1] != ']')
		return false;
	for (size_t i = 1; i + 1 < t.n; i++)
		if (!is_digit(t.s[i]))
			return false;
	return true;
}

/* "4680.934933:" (usecs), "4680.934933123:" (--ns), "903:": seconds, to
 * nanoseconds (digits past the ninth are dropped). */
static bool parse_time(struct span t, uint64_t *ns)
{
	uint64_t secs = 0, frac = 0, scale = 1000000000u;
	size_t i = 0, digits = 0;

	if (t.n < 2 || t.s[t.n - 1] != ':')
		return false;
	for (; i < t.n - 1 && is_digit(t.s[i]); i++, digits++) {
		if (digits >= 11) /* from 10^10 s on, nanoseconds could overflow */
			return false;
		secs = secs * 10 + (uint64_t)(t.s[i] - '0');
	}
	if (!digits)
		return false;
	if (t.s[i] == '.') {
		size_t start = ++i;
		for (; i < t.n - 1 && is_digit(t.s[i]); i++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(t.s[i] - '0') * scale;
			}
		}
		if (i == start)
			return false;
	}
	if (i != t.n - 1)
		return false;
	*ns = secs * 1000000000u + frac;
	return true;
}

static struct span next_token(char **q, const char *limit)
{
	struct span t = { NULL, 0 };
	char *s = *q;

	while (*s && is_blank(*s))
		s++;
	if (!*s || (limit && s >= limit)) {
		*q = s;
		return t;
	}
	t.s = s;
	while (*s && !is_blank(*s))
		s++;
	t.n = (size_t)(s - t.s);
	*q = s;
	return t;
}

/* "cycles:P:" -> "cycles:P": the event field ends at its last ':'. */
static void take_event(struct perf_text_parser *p, struct span ev)
{
	char name[sizeof(p->event)] = "";

	if (ev.s) {
		if (ev.n && ev.s[ev.n - 1] == ':')
			ev.n--;
		ev.s[ev.n] = '\0';
		output_sanitize(name, sizeof(name), ev.s, false);
	}
	if (!p->have_event) {
		memcpy(p->event, name, sizeof(name));
		p->have_event = true;
	} else if (strcmp(p->event, name) != 0) {
		p->st.several_events = true;
	}
}

/*
 * "comm pid[/tid] [[cpu]] time: [period] [event:]": the first token that
 * reads as a time, after a pid (and perhaps a cpu) after at least one
 * token of comm, makes the line a header.  The comm may hold blanks (and
 * digits); perf's is at most 15 bytes, so the search is bounded.
 */
static bool parse_header(struct perf_text_parser *p, char *s)
{
	struct span back2 = { NULL, 0 }, back1 = { NULL, 0 }, cur, pid_tok = { NULL, 0 }, a, b;
	char *q = s, *comm_end = NULL;
	size_t k = 0;
	pid_t pid = 0, tid = 0;
	uint64_t time_ns = 0, period = 1;

	for (;; k++) {
		cur = next_token(&q, s + HEADER_SCAN);
		if (!cur.s)
			return false;
		if (k >= 2 && parse_time(cur, &time_ns)) {
			if (parse_pid(back1, &pid, &tid))
				pid_tok = back1;
			else if (k >= 3 && is_cpu(back1) && parse_pid(back2, &pid, &tid))
				pid_tok = back2;
			if (pid_tok.s)
				break;
		}
		back2 = back1;
		back1 = cur;
	}
	/* After the time: the period when it is a number (absent with -F
	 * lists without it: then each sample weighs 1, as stackcollapse-perf
	 * weighs it), then the event. */
	a = next_token(&q, NULL);
	if (a.s && strspn(a.s, "0123456789") == a.n) {
		period = 0;
		for (size_t i = 0; i < a.n; i++) {
			if (period > (UINT64_MAX - 9) / 10)
				return false;
			period = period * 10 + (uint64_t)(a.s[i] - '0');
		}
		b = next_token(&q, NULL);
	} else {
		b = a;
	}

	/* A header: the record before it ends here, blank line or not. */
	if (p->in_record) {
		p->st.unterminated++;
		end_record(p);
	}
	take_event(p, b);
	comm_end = pid_tok.s;
	while (comm_end > s && is_blank(comm_end[-1]))
		comm_end--;
	*comm_end = '\0';
	p->comm[0] = '\0';
	output_sanitize(p->comm, sizeof(p->comm), s, false);
	p->pid = pid;
	p->tid = tid;
	p->time_ns = time_ns;
	p->period = period;
	p->in_record = true;
	return true;
}

/* ---- Frame lines ---- */

/* The '(' that opens the dso whose ')' ends the line: the balanced one
 * ("(/lib/x.so (deleted))" is one dso), else the last " (" (a dso with a
 * stray parenthesis).  It starts the text or follows a blank. */
static char *dso_open(char *start, char *close)
{
	int depth = 0;

	for (char *q = close; q >= start; q--) {
		if (*q == ')') {
			depth++;
		} else if (*q == '(' && --depth == 0) {
			if (q == start || is_blank(q[-1]))
				return q;
			break;
		}
	}
	for (char *q = close - 1; q >= start; q--)
		if (*q == '(' && (q == start || is_blank(q[-1])))
			return q;
	return NULL;
}

/* "sym+0x1f" -> "sym", 0x1f; any other text keeps its whole name. */
static void split_offset(char *sym, size_t *len, uint64_t *offset)
{
	size_t n = *len, i = n, digits = 0;
	uint64_t v = 0;

	while (i > 0 && hex_value(sym[i - 1]) >= 0 && digits < 17) {
		i--;
		digits++;
	}
	if (!digits || digits > 16 || i < 3 || memcmp(sym + i - 3, "+0x", 3) != 0)
		return;
	for (size_t k = i; k < n; k++)
		v = v << 4 | (uint64_t)hex_value(sym[k]);
	*offset = v;
	*len = i - 3;
	sym[*len] = '\0';
}

/*
 * "py::qualname:file", and with --lines "py::qualname:file:line": the
 * name is split at its first ':' (CPython's compiler makes qualified names
 * of identifiers, dots and "<locals>", never a ':'; a file name may hold
 * any), and a last ":N" or ":-N" (up to 9 digits) is the line, unless
 * the dso is the file with that ending (pysample writes the file as the
 * dso, so a file really named "x:12" keeps its name).  A short file
 * ("pkg/mod.py", pysample's default) ending the dso is the dso's whole
 * path.  No ':' at all
 * ("py::[unreadable code object]"): a name without a file.
 */
/* pysample names a Python frame with a short file ("pkg/mod.py") and
 * keeps the whole path as the dso: a file that ends the dso at a '/' is
 * that path. */
static bool ends_path(const char *dso, const char *file)
{
	size_t nf = strlen(file), nd = strlen(dso);

	return nd > nf && dso[nd - nf - 1] == '/' && strcmp(dso + nd - nf, file) == 0;
}

static void full_path_from_dso(struct perf_text_parser *p, struct perf_text_frame *f,
			       const char *file, const char *dso)
{
	if (ends_path(dso, file))
		f->module = (size_t)(dso - p->strings);
}

static void split_python(struct perf_text_parser *p, struct perf_text_frame *f, const char *dso)
{
	char *name = p->strings + f->name, *file = strchr(name, ':'), *colon, *end;
	long line;

	if (!file)
		return;
	*file++ = '\0';
	f->module = (size_t)(file - p->strings);
	if (strcmp(file, dso) == 0)
		return;
	/* A short file whose own name ends in ":N" ("x/y:12", of "/x/y:12"). */
	if (ends_path(dso, file)) {
		f->module = (size_t)(dso - p->strings);
		return;
	}
	colon = strrchr(file, ':');
	if (!colon || colon == file) {
		full_path_from_dso(p, f, file, dso);
		return;
	}
	end = colon + 1 + (colon[1] == '-');
	if (!*end || strspn(end, "0123456789") != strlen(end) || strlen(end) > 9)
		return;
	line = strtol(colon + 1, NULL, 10);
	*colon = '\0';
	f->line = (int)line;
	full_path_from_dso(p, f, file, dso);
}

/* Room for one more frame within the record's bounds; else the record is
 * marked cut (its innermost frames kept, as --max-frames keeps them). */
static bool frame_fits(struct perf_text_parser *p, size_t text_len)
{
	if (p->nframes < p->frames_max && p->strings_len + text_len + 16 <= p->record_bytes_max)
		return true;
	p->cut = true;
	p->st.frames_cut++;
	return false;
}

/* "\t<hex> <sym>[+0x<off>] (<dso>)"; false (nothing changed) when the line
 * is not one. */
static bool parse_frame(struct perf_text_parser *p, char *s, size_t n)
{
	char *q = s, *end = s + n, *sym, *sym_end, *open, *dso;
	size_t digits = 0, sym_len;
	uint64_t addr = 0, offset = 0;
	struct perf_text_frame *f;

	while (is_blank(*q))
		q++;
	if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && hex_value(q[2]) >= 0)
		q += 2;
	for (; hex_value(*q) >= 0; q++, digits++)
		addr = addr << 4 | (uint64_t)hex_value(*q);
	if (!digits || digits > 16 || !is_blank(*q))
		return false;
	while (is_blank(*q))
		q++;
	sym = q;
	while (end > sym && is_blank(end[-1]))
		end--;
	if (end - sym < 2 || end[-1] != ')')
		return false;
	open = dso_open(sym, end - 1);
	if (!open)
		return false;

	/* It is a frame line: cut it into its strings. */
	if (!frame_fits(p, (size_t)(end - sym)))
		return true;
	dso = open + 1;
	end[-1] = '\0';
	sym_end = open;
	while (sym_end > sym && is_blank(sym_end[-1]))
		sym_end--;
	*sym_end = '\0';
	sym_len = (size_t)(sym_end - sym);
	split_offset(sym, &sym_len, &offset);

	grow_array((void **)&p->frames, &p->frames_cap, p->nframes, sizeof(*p->frames));
	f = &p->frames[p->nframes++];
	*f = (struct perf_text_frame){ .kind = FRAME_NATIVE, .addr = addr, .offset = offset,
				       .name = NO_STRING, .module = NO_STRING };
	/* "py::" first: pysample writes a Python frame's file as its dso, and
	 * a file may be called "inlined" (compile(src, "inlined", "exec")). */
	if (strncmp(sym, "py::", 4) == 0) {
		size_t dso_at;
		f->kind = FRAME_PYTHON;
		f->name = add_string(p, sym + 4);
		/* The dso, decoded, to compare with the file; dropped after,
		 * unless it is the file's whole path (a short file named). */
		dso_at = add_string(p, dso);
		unescape_dso(p->strings + dso_at);
		split_python(p, f, p->strings + dso_at);
		if (f->module != dso_at)
			p->strings_len = dso_at;
	} else if (strcmp(dso, "[pysample]") == 0) {
		f->kind = FRAME_MARKER;
		f->name = add_string(p, sym_len ? sym : "[unknown]");
		f->module = add_string(p, dso);
	} else if (strcmp(dso, "inlined") == 0) {
		f->kind = FRAME_INLINED;
		if (sym_len && strcmp(sym, "[unknown]") != 0)
			f->name = add_string(p, sym);
	} else {
		if (sym_len && strcmp(sym, "[unknown]") != 0)
			f->name = add_string(p, sym);
		if (*dso && strcmp(dso, "[unknown]") != 0) {
			f->module = add_string(p, dso);
			unescape_dso(p->strings + f->module);
		}
	}
	/* An offset from no known symbol means nothing (perf prints none). */
	if (f->name == NO_STRING)
		f->offset = 0;
	return true;
}

/* " insn: 48 89 e5" (perf script -F +insn, pysample --insn): known, no frame. */
static bool is_insn_line(const char *s)
{
	while (is_blank(*s))
		s++;
	return strncmp(s, "insn:", 5) == 0;
}

/* ---- Lines ---- */

void perf_text_feed_line(struct perf_text_parser *p, const char *line, size_t len)
{
	char *s;
	size_t n = len;

	p->st.lines++;
	if (len > p->line_max) {
		too_long(p);
		return;
	}
	/* A copy to cut into strings; a NUL byte would end a string early. */
	grow_array((void **)&p->work, &p->work_cap, len + 1, 1);
	s = p->work;
	for (size_t i = 0; i < len; i++)
		s[i] = line[i] ? line[i] : '?';
	if (n && s[n - 1] == '\r')
		n--;
	s[n] = '\0';

	if (strspn(s, " \t") == n) {
		if (p->in_record)
			end_record(p);
		return;
	}
	if (s[0] == '#') {
		p->st.comments++;
		return;
	}
	if (!is_blank(s[0]) && parse_header(p, s))
		return;
	if (p->in_record && (parse_frame(p, s, n) || is_insn_line(s)))
		return;
	not_understood(p);
}

static void append_pending(struct perf_text_parser *p, const char *data, size_t n)
{
	grow_array((void **)&p->pending, &p->pending_cap, p->pending_len + n, 1);
	memcpy(p->pending + p->pending_len, data, n);
	p->pending_len += n;
}

void perf_text_feed(struct perf_text_parser *p, const char *data, size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;

		if (p->skipping || p->pending_len + take > p->line_max) {
			/* Over-long: what came of it is dropped, the rest skipped
			 * as it comes, and the line counted once it ends. */
			p->pending_len = 0;
			p->skipping = !nl;
			if (nl) {
				p->st.lines++;
				too_long(p);
			}
		} else if (nl && !p->pending_len) {
			perf_text_feed_line(p, data, take);
		} else {
			append_pending(p, data, take);
			if (nl) {
				perf_text_feed_line(p, p->pending, p->pending_len);
				p->pending_len = 0;
			}
		}
		if (!nl)
			break;
		data += take + 1;
		len -= take + 1;
	}
}

void perf_text_finish(struct perf_text_parser *p)
{
	if (p->skipping) {
		p->st.lines++;
		too_long(p);
		p->skipping = false;
	} else if (p->pending_len) {
		perf_text_feed_line(p, p->pending, p->pending_len);
		p->pending_len = 0;
	}
	if (p->in_record) {
		p->st.unterminated++;
		end_record(p);
	}
}
