/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An interactive flame graph in one SVG file, in the manner of Brendan
 * Gregg's flamegraph.pl: a box per call path, as wide as its samples,
 * the root ("all") at the bottom (with --reverse an icicle: the root at
 * the top, the leaves right under it, their callers below).  Everything
 * it needs is inside: the boxes are laid out here, so the file shows
 * without its script too (an image viewer, <img>); in a browser the
 * inline script adds zooming, searching and a details line.
 *
 * The profile is aggregated (profile.h) and the call tree is built at
 * the end from its distinct stacks, so memory grows with the distinct
 * call paths (some 60 bytes each, while the file is written), never
 * with the samples.
 */
#include "profile.h"
#include "writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Geometry in px.  flamegraph.pl's proportions: 1200 wide, 16 px rows,
 * 12 px text, which a browser shows at 100% without scrolling sideways. */
enum {
	IMAGE_WIDTH = 1200,
	PAD = 10,
	ROW = 16,
	BOX_HEIGHT = 15,
	FONT_PX = 12,
	HEADER = 96, /* title, command, numbers and the controls */
	FOOTER = 34, /* the details line */
	COMMAND_CHARS = 170, /* what fits in one line of the header */
};

/* Verdana's average glyph is 0.59 em (flamegraph.pl measured it); a
 * little more, so that the text also fits in the fonts browsers fall
 * back to.  The script measures the font it got and fits the text again. */
#define CHAR_PX (FONT_PX * 0.62)

/* Boxes under 1/ELIDE_DIVISOR of all samples (1.2 px) are not written:
 * nobody can read them, and a long run of a large program has hundreds
 * of thousands of such call paths.  Their samples stay in their
 * callers' widths. */
#define ELIDE_DIVISOR 1000

#define THREAD_NODE UINT32_MAX /* a node's frame when it stands for a thread name */

/*
 * A node of the call tree.  Threads are merged by name (comm), as the
 * collapsed format and flamegraph.pl merge them: a pool of 16 "worker"
 * threads is one box whose callees are what the pool did, which is
 * what one reads a flame graph for; the thread's pid is in no box.
 * (CPython's threads mostly keep the process's name, so a Python
 * program's threads often share one box; their frames tell them apart.)
 */
struct node {
	uint32_t frame;   /* index into the profile's frames, or THREAD_NODE */
	const char *comm; /* a thread node's name (interned), else NULL */
	uint32_t parent, depth;
	uint64_t samples;
};

/* A node's children in the order they are drawn: by their text, as
 * flamegraph.pl sorts them, so two runs of one program compare side by
 * side (the x axis is not time). */
struct child {
	const char *label;
	uint32_t node;
};

struct svg_writer {
	struct writer w;
	bool reverse;
	struct profile prof;
	struct node *nodes; /* [0] is the root, "all" */
	size_t nnodes, nodes_cap;
	uint32_t *slots; /* (parent, frame, comm) -> node index + 1; 0: empty */
	size_t nslots;
	char **labels; /* per profile frame: the text of its boxes */
	uint32_t *first_child; /* node i's children: children[first_child[i] .. first_child[i + 1]) */
	struct child *children;
	char *out; /* output not yet written */
	size_t out_len, out_cap;
};

static struct writer *svg_open(int fd, const struct writer_options *opt)
{
	struct svg_writer *sw = xcalloc(1, sizeof(*sw));

	(void)fd;
	sw->reverse = opt && opt->reverse;
	profile_init(&sw->prof);
	sw->prof.full_filenames = opt->full_filenames;
	return &sw->w;
}

static void svg_sample(struct writer *w, const struct sample_record *r)
{
	profile_add(&((struct svg_writer *)w)->prof, r);
}

/* Output: buffered, written in pieces of 64 KiB. */

static void out_flush(struct svg_writer *sw)
{
	if (sw->out_len)
		writer_write(&sw->w, sw->out, sw->out_len);
	sw->out_len = 0;
}

static void out_bytes(struct svg_writer *sw, const char *s, size_t n)
{
	grow_array((void **)&sw->out, &sw->out_cap, sw->out_len + n, 1);
	memcpy(sw->out + sw->out_len, s, n);
	sw->out_len += n;
	if (sw->out_len >= (64u << 10))
		out_flush(sw);
}

static void out_str(struct svg_writer *sw, const char *s)
{
	out_bytes(sw, s, strlen(s));
}

static void PYS_PRINTF(2, 3) out_printf(struct svg_writer *sw, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Only numbers and fixed text are formatted: never near the size. */
	if (n > 0)
		out_bytes(sw, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * One character of s (at most n bytes): its length, and *cp the code
 * point, or U+FFFD for a byte that starts no valid UTF-8 sequence.
 * Names are valid UTF-8 by the time they get here; this decodes anyway,
 * since what the target named ends up in a document a browser parses.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_of_len[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		   : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t c;

	*cp = 0xfffd;
	if (len == 0 || len > n)
		return 1;
	c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min_of_len[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*cp = c;
	return len;
}

/* Whether XML 1.0 allows the character in text, and it reads as text:
 * control characters (XML forbids most, even as references) would break
 * the tooltip or the line, so they are replaced too. */
static bool xml_printable(uint32_t c)
{
	return c >= 0x20 && !(c >= 0x7f && c <= 0x9f) && c != 0xfffe && c != 0xffff;
}

/* Writes n bytes of s as XML text or attribute value. */
static void out_escaped_n(struct svg_writer *sw, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, len; i < n; i += len) {
		uint32_t c;
		len = utf8_next(p + i, n - i, &c);
		switch (c) {
		case '&': out_str(sw, "&amp;"); break;
		case '<': out_str(sw, "&lt;"); break;
		case '>': out_str(sw, "&gt;"); break;
		case '"': out_str(sw, "&quot;"); break;
		case '\'': out_str(sw, "&#39;"); break;
		default:
			if (c == 0xfffd || !xml_printable(c))
				out_str(sw, "\xef\xbf\xbd");
			else
				out_bytes(sw, s + i, len);
		}
	}
}

static void out_escaped(struct svg_writer *sw, const char *s)
{
	out_escaped_n(sw, s, strlen(s));
}

/* The call tree. */

static uint64_t node_hash(uint32_t parent, uint32_t frame, const char *comm)
{
	uint64_t h = ((uint64_t)parent << 32 | frame) * 0x9e3779b97f4a7c15ull;
	return h ^ ((uintptr_t)comm * 0xff51afd7ed558ccdull);
}

/* Doubles the child table at half full. */
static void slots_grow(struct svg_writer *sw)
{
	size_t nslots = sw->nslots ? sw->nslots * 2 : 1024;
	uint32_t *slots = xcalloc(nslots, sizeof(*slots));

	for (size_t i = 0; i < sw->nslots; i++) {
		uint32_t v = sw->slots[i];
		if (!v)
			continue;
		const struct node *n = &sw->nodes[v - 1];
		size_t j = hash_index(node_hash(n->parent, n->frame, n->comm), nslots);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = v;
	}
	free(sw->slots);
	sw->slots = slots;
	sw->nslots = nslots;
}

/* The child of parent for a frame (or a thread name), made if new: equal
 * frames under one caller are one box. */
static uint32_t child_of(struct svg_writer *sw, uint32_t parent, uint32_t frame, const char *comm)
{
	size_t i;

	if ((sw->nnodes + 1) * 2 > sw->nslots)
		slots_grow(sw);
	for (i = hash_index(node_hash(parent, frame, comm), sw->nslots);; i = (i + 1) & (sw->nslots - 1)) {
		uint32_t v = sw->slots[i];
		if (!v)
			break;
		const struct node *n = &sw->nodes[v - 1];
		if (n->parent == parent && n->frame == frame && n->comm == comm)
			return v - 1;
	}
	grow_array((void **)&sw->nodes, &sw->nodes_cap, sw->nnodes, sizeof(*sw->nodes));
	sw->nodes[sw->nnodes] = (struct node){ .frame = frame, .comm = comm, .parent = parent,
					       .depth = sw->nodes[parent].depth + 1 };
	sw->slots[i] = (uint32_t)++sw->nnodes;
	return (uint32_t)(sw->nnodes - 1);
}

/*
 * A stack's path from the root: the thread's name, then its frames
 * outermost first (they are stored leaf first).  Reversed, the whole
 * path is read backwards, the thread last: a leaf hot in several
 * threads is one box under the root.
 */
static void add_stack(struct svg_writer *sw, const struct profile_stack *s)
{
	const char *comm = sw->prof.threads[s->thread].name;
	uint32_t at = 0;

	sw->nodes[0].samples += s->samples;
	if (!sw->reverse) {
		at = child_of(sw, at, THREAD_NODE, comm);
		sw->nodes[at].samples += s->samples;
	}
	for (uint32_t k = 0; k < s->nframes; k++) {
		uint32_t frame = s->frames[sw->reverse ? k : s->nframes - 1 - k];
		at = child_of(sw, at, frame, NULL);
		sw->nodes[at].samples += s->samples;
	}
	if (sw->reverse) {
		at = child_of(sw, at, THREAD_NODE, comm);
		sw->nodes[at].samples += s->samples;
	}
}

/*
 * The text of a frame's boxes.  Python frames read "name (file:line)",
 * as py-spy writes them (the first line of the function without
 * --lines, which tells apart functions of one name in one file); native
 * ones are the label of the perf text, so a search finds what perf
 * script shows.
 */
static char *frame_text(const struct profile_frame *f)
{
	char label[4096], text[4200];
	int line = f->line ? f->line : f->first_line;

	if (f->kind == FRAME_PYTHON && strcmp(f->module, "[unknown]") != 0) {
		if (line)
			snprintf(text, sizeof(text), "%s (%s:%d)", f->name, f->file_label, line);
		else
			snprintf(text, sizeof(text), "%s (%s)", f->name, f->file_label);
		return xstrdup(text);
	}
	profile_frame_label(f, label, sizeof(label));
	if (f->kind == FRAME_PYTHON && strncmp(label, "py::", 4) == 0)
		return xstrdup(label + 4);
	if (f->kind == FRAME_INLINED) {
		snprintf(text, sizeof(text), "%s [inlined]", label);
		return xstrdup(text);
	}
	return xstrdup(label);
}

static const char *node_text(const struct svg_writer *sw, uint32_t i)
{
	const struct node *n = &sw->nodes[i];

	if (i == 0)
		return "all";
	return n->frame == THREAD_NODE ? n->comm : sw->labels[n->frame];
}

static int by_label(const void *a, const void *b)
{
	const struct child *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c ? c : (x->node > y->node) - (x->node < y->node);
}

/* Lists each node's children, sorted: counted, placed, then sorted. */
static void list_children(struct svg_writer *sw)
{
	size_t n = sw->nnodes;
	uint32_t *fill = xcalloc(n + 1, sizeof(*fill));

	sw->first_child = xcalloc(n + 1, sizeof(*sw->first_child));
	sw->children = xcalloc(n, sizeof(*sw->children));
	for (size_t i = 1; i < n; i++)
		sw->first_child[sw->nodes[i].parent + 1]++;
	for (size_t i = 0; i < n; i++)
		sw->first_child[i + 1] += sw->first_child[i];
	memcpy(fill, sw->first_child, (n + 1) * sizeof(*fill));
	for (size_t i = 1; i < n; i++)
		sw->children[fill[sw->nodes[i].parent]++] =
			(struct child){ node_text(sw, (uint32_t)i), (uint32_t)i };
	for (size_t i = 0; i < n; i++)
		qsort(sw->children + sw->first_child[i], sw->first_child[i + 1] - sw->first_child[i],
		      sizeof(*sw->children), by_label);
	free(fill);
}

static void build_tree(struct svg_writer *sw)
{
	const struct profile *p = &sw->prof;

	sw->labels = xcalloc(p->nframes ? p->nframes : 1, sizeof(*sw->labels));
	for (size_t i = 0; i < p->nframes; i++)
		sw->labels[i] = frame_text(&p->frames[i]);
	grow_array((void **)&sw->nodes, &sw->nodes_cap, 0, sizeof(*sw->nodes));
	sw->nodes[0] = (struct node){ .frame = THREAD_NODE };
	sw->nnodes = 1;
	for (size_t i = 0; i < p->nstacks; i++)
		add_stack(sw, &p->stacks[i]);
	/* Built: the lookup table is done with, before the lists take room. */
	free(sw->slots);
	sw->slots = NULL;
	sw->nslots = 0;
	list_children(sw);
}

static bool drawn(const struct svg_writer *sw, uint32_t i)
{
	return sw->nodes[i].samples * ELIDE_DIVISOR >= sw->nodes[0].samples;
}

/* The deepest row drawn (a node is drawn when it is wide enough; its
 * callers are wider). */
static uint32_t rows_drawn(const struct svg_writer *sw)
{
	uint32_t deepest = 0;

	for (uint32_t i = 0; i < sw->nnodes; i++)
		if (drawn(sw, i) && sw->nodes[i].depth > deepest)
			deepest = sw->nodes[i].depth;
	return deepest + 1;
}

/* Colours: a family per kind of frame, the shade from a hash of the
 * text, so a function has the same colour in every box and every run. */

static void hsl_to_rgb(double h, double s, double l, int rgb[3])
{
	double c = (l < 0.5 ? 2 * l : 2 - 2 * l) * s, hp = h / 60, m = l - c / 2;
	int sector = (int)hp % 6;
	double f = hp - (int)hp, x = c * (sector % 2 ? 1 - f : f);
	double r[6] = { c, x, 0, 0, x, c }, g[6] = { x, c, c, x, 0, 0 }, b[6] = { 0, 0, x, c, c, x };

	rgb[0] = (int)((r[sector] + m) * 255 + 0.5);
	rgb[1] = (int)((g[sector] + m) * 255 + 0.5);
	rgb[2] = (int)((b[sector] + m) * 255 + 0.5);
}

static const char *node_colour(const struct svg_writer *sw, uint32_t i, int rgb[3])
{
	const struct node *n = &sw->nodes[i];
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *c = node_text(sw, i); *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
	double v1 = (double)(h >> 48 & 0xffff) / 65536, v2 = (double)(h >> 32 & 0xffff) / 65536,
	       v3 = (double)(h >> 16 & 0xffff) / 65536;

	if (i == 0) {
		hsl_to_rgb(0, 0, 0.82, rgb);
		return "root";
	}
	if (n->frame == THREAD_NODE) {
		hsl_to_rgb(260 + 30 * v1, 0.35, 0.76, rgb);
		return "thr";
	}
	switch (sw->prof.frames[n->frame].kind) {
	case FRAME_PYTHON: /* blue to green */
		hsl_to_rgb(165 + 50 * v1, 0.5 + 0.15 * v2, 0.56 + 0.12 * v3, rgb);
		return "py";
	case FRAME_INLINED: /* the native family, paler, and dashed by the style */
		hsl_to_rgb(25 + 25 * v1, 0.85, 0.76 + 0.06 * v3, rgb);
		return "inl";
	case FRAME_MARKER:
		hsl_to_rgb(0, 0, 0.70, rgb);
		return "mark";
	case FRAME_NATIVE:
	default: /* red to orange, flamegraph.pl's "hot" */
		hsl_to_rgb(45 * v1, 0.8 + 0.15 * v2, 0.55 + 0.1 * v3, rgb);
		return "nat";
	}
}

/* 1234567 as "1,234,567". */
static const char *thousands(uint64_t v, char buf[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* The text shown in a box of width px: whole, cut with "..", or none.
 * Cut at a character, never inside one. */
static void out_fitted(struct svg_writer *sw, const char *text, double width)
{
	long room = (long)((width - 6) / CHAR_PX);
	size_t chars = 0, cut = 0, i;

	if (room < 3)
		return;
	for (i = 0; text[i]; i++) {
		if (((unsigned char)text[i] & 0xc0) == 0x80)
			continue;
		if (chars == (size_t)room - 2)
			cut = i;
		chars++;
	}
	if (chars <= (size_t)room) {
		out_escaped(sw, text);
		return;
	}
	out_escaped_n(sw, text, cut);
	out_str(sw, "..");
}

/* One box: the numbers the script zooms with (fg:x, fg:w, in samples),
 * the tooltip, the rectangle and its text. */
static void write_box(struct svg_writer *sw, uint32_t i, uint64_t x, uint32_t rows)
{
	const struct node *n = &sw->nodes[i];
	uint64_t total = sw->nodes[0].samples;
	double scale = (double)(IMAGE_WIDTH - 2 * PAD) / (double)total;
	double left = PAD + (double)x * scale, width = (double)n->samples * scale;
	uint32_t row = sw->reverse ? n->depth : rows - 1 - n->depth;
	const char *text = node_text(sw, i);
	char count[32];
	int rgb[3];
	const char *class = node_colour(sw, i, rgb);

	out_printf(sw, "<g class=\"%s\" fg:x=\"%llu\" fg:w=\"%llu\"><title>", class,
		   (unsigned long long)x, (unsigned long long)n->samples);
	out_escaped(sw, text);
	out_printf(sw, " (%s sample%s, %.2f%%)</title>", thousands(n->samples, count),
		   n->samples == 1 ? "" : "s", 100.0 * (double)n->samples / (double)total);
	out_printf(sw, "<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" rx=\"2\" "
		   "fill=\"rgb(%d,%d,%d)\"/><text x=\"%.1f\" y=\"%u\">",
		   left, HEADER + row * ROW, width, BOX_HEIGHT, rgb[0], rgb[1], rgb[2], left + 3,
		   HEADER + row * ROW + BOX_HEIGHT - 4);
	out_fitted(sw, text, width);
	out_str(sw, "</text></g>\n");
}

struct placed {
	uint32_t node;
	uint64_t x; /* in samples from the left edge */
};

/* The boxes, callers before callees, left to right: depth first with a
 * stack of its own (a stack can be thousands of frames deep). */
static void write_boxes(struct svg_writer *sw, uint32_t rows)
{
	struct placed *todo = xcalloc(sw->nnodes, sizeof(*todo));
	size_t ntodo = 0;

	todo[ntodo++] = (struct placed){ 0, 0 };
	while (ntodo && !sw->w.failed) {
		struct placed at = todo[--ntodo];
		uint64_t end = at.x;
		write_box(sw, at.node, at.x, rows);
		for (uint32_t k = sw->first_child[at.node]; k < sw->first_child[at.node + 1]; k++)
			end += sw->nodes[sw->children[k].node].samples;
		/* Pushed right to left, so that they come out left to right;
		 * a box not drawn keeps its place (and its callees go too). */
		for (uint32_t k = sw->first_child[at.node + 1]; k-- > sw->first_child[at.node];) {
			uint32_t c = sw->children[k].node;
			end -= sw->nodes[c].samples;
			if (drawn(sw, c))
				todo[ntodo++] = (struct placed){ c, end };
		}
	}
	free(todo);
}

static const char style[] =
	"<style type=\"text/css\">\n"
	"text{font-family:Verdana,\"DejaVu Sans\",sans-serif;font-size:12px;fill:#000}\n"
	"#title{font-size:17px;font-weight:bold}\n"
	".sub{fill:#333}\n"
	".btn{fill:#1c58a6;cursor:pointer;text-decoration:underline}\n"
	"#frames g{cursor:pointer}\n"
	"#frames g:hover rect{stroke:#000;stroke-width:.8}\n"
	"#frames .inl rect{stroke:#a04000;stroke-width:1;stroke-dasharray:3 2}\n"
	"#frames .parent rect{fill-opacity:.5}\n"
	"#frames .match rect{fill:#e23ee2}\n"
	".hide{display:none}\n"
	"</style>\n";

/* The behaviour: ES5 and a few DOM calls every browser has, no library. */
static const char script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"(function () {\n"
	"\"use strict\";\n"
	"var FG = \"urn:x-pysample:flamegraph\", PAD = 10, doc = document;\n"
	"var frames = doc.getElementById(\"frames\"), details = doc.getElementById(\"details\");\n"
	"var matched = doc.getElementById(\"matched\"), unzoomBtn = doc.getElementById(\"unzoom\");\n"
	"var clearBtn = doc.getElementById(\"clear\"), reverse = frames.getAttributeNS(FG, \"reverse\") === \"1\";\n"
	"var total = +frames.getAttributeNS(FG, \"total\"), full = +doc.documentElement.getAttribute(\"width\") - 2 * PAD;\n"
	"var TITLE = /^([\\s\\S]*) \\(([\\d,]+ samples?), ([\\d.]+%)\\)$/;\n"
	"var boxes = [], charPx = 7.44, term = \"\";\n"
	"function parse(g) {\n"
	"  var title = g.getElementsByTagName(\"title\")[0].textContent, m = TITLE.exec(title) || [\"\", title, \"\", \"\"];\n"
	"  var rect = g.getElementsByTagName(\"rect\")[0];\n"
	"  return { g: g, rect: rect, text: g.getElementsByTagName(\"text\")[0], label: m[1], info: m[2] + \", \" + m[3],\n"
	"           x: +g.getAttributeNS(FG, \"x\"), w: +g.getAttributeNS(FG, \"w\"), y: +rect.getAttribute(\"y\") };\n"
	"}\n"
	"function fit(b, width) {\n"
	"  var room = Math.floor((width - 6) / charPx), s = b.label, cut = room - 2;\n"
	"  if (room < 3) s = \"\";\n"
	"  else if (s.length > room) {\n"
	"    if (/[\\ud800-\\udbff]/.test(s.charAt(cut - 1))) cut--;\n"
	"    s = s.slice(0, cut) + \"..\";\n"
	"  }\n"
	"  b.text.textContent = s;\n"
	"}\n"
	"function place(b, x, width) {\n"
	"  b.rect.setAttribute(\"x\", (PAD + x).toFixed(1));\n"
	"  b.rect.setAttribute(\"width\", width.toFixed(1));\n"
	"  b.text.setAttribute(\"x\", (PAD + x + 3).toFixed(1));\n"
	"  fit(b, width);\n"
	"}\n"
	"// Its callers keep the whole width (paler), its callees widen with it,\n"
	"// the rest hides.  A box's callees lie within its x range, a row further\n"
	"// from the root.\n"
	"function zoom(z) {\n"
	"  boxes.forEach(function (b) {\n"
	"    var nearer = reverse ? b.y < z.y : b.y > z.y;\n"
	"    var caller = nearer && b.x <= z.x && b.x + b.w >= z.x + z.w;\n"
	"    var within = !nearer && b.x >= z.x && b.x + b.w <= z.x + z.w;\n"
	"    b.g.classList.toggle(\"parent\", caller);\n"
	"    b.g.classList.toggle(\"hide\", !caller && !within);\n"
	"    if (caller) place(b, 0, full);\n"
	"    else if (within) place(b, (b.x - z.x) / z.w * full, b.w / z.w * full);\n"
	"  });\n"
	"  unzoomBtn.classList.toggle(\"hide\", z === boxes[0]);\n"
	"}\n"
	"// The matched share counts each sample once: a match inside a matched\n"
	"// box lies within its range.\n"
	"function search(t) {\n"
	"  var re, spans = [], sum = 0, end = -1;\n"
	"  term = t || \"\";\n"
	"  try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[\\\\^$.*+?()[\\]{}|]/g, \"\\\\$&\")); }\n"
	"  boxes.forEach(function (b) {\n"
	"    var hit = term !== \"\" && re.test(b.label);\n"
	"    b.g.classList.toggle(\"match\", hit);\n"
	"    if (hit) spans.push([b.x, b.x + b.w]);\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[1] > end) { sum += s[1] - Math.max(s[0], end); end = s[1]; }\n"
	"  });\n"
	"  matched.textContent = term === \"\" ? \" \" : \"Matched \\u201c\" + term + \"\\u201d: \" +\n"
	"    (total ? 100 * sum / total : 0).toFixed(1) + \"% in \" + spans.length + \" boxes\";\n"
	"  clearBtn.classList.toggle(\"hide\", term === \"\");\n"
	"}\n"
	"function ask() {\n"
	"  var t = window.prompt(\"Search the frames for (a regular expression):\", term);\n"
	"  if (t !== null) search(t);\n"
	"}\n"
	"function boxOf(e) {\n"
	"  for (var n = e.target; n && n !== frames; n = n.parentNode) if (n.fgBox) return n.fgBox;\n"
	"  return null;\n"
	"}\n"
	"var gs = frames.getElementsByTagName(\"g\");\n"
	"for (var i = 0; i < gs.length; i++) { boxes.push(parse(gs[i])); gs[i].fgBox = boxes[i]; }\n"
	"if (boxes.length) {\n"
	"  // The text was cut for an estimated font; measure the one we got.\n"
	"  var probe = boxes[0].text, sample = \"PyObject_Call (threading.py:1012) _run_worker\";\n"
	"  probe.textContent = sample;\n"
	"  charPx = 1.05 * probe.getComputedTextLength() / sample.length || charPx;\n"
	"  zoom(boxes[0]);\n"
	"}\n"
	"frames.addEventListener(\"click\", function (e) { var b = boxOf(e); if (b) zoom(b); });\n"
	"frames.addEventListener(\"mouseover\", function (e) {\n"
	"  var b = boxOf(e);\n"
	"  details.textContent = b ? b.label + \" \\u2014 \" + b.info : \" \";\n"
	"});\n"
	"frames.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
	"unzoomBtn.addEventListener(\"click\", function () { zoom(boxes[0]); });\n"
	"doc.getElementById(\"search\").addEventListener(\"click\", ask);\n"
	"clearBtn.addEventListener(\"click\", function () { search(\"\"); });\n"
	"doc.addEventListener(\"keydown\", function (e) {\n"
	"  if ((e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\" || e.keyCode === 70)) {\n"
	"    e.preventDefault();\n"
	"    ask();\n"
	"  } else if (e.key === \"Escape\" && boxes.length) {\n"
	"    zoom(boxes[0]);\n"
	"    search(\"\");\n"
	"  }\n"
	"});\n"
	"})();\n"
	"]]></script>\n";

/* The header: what was run, for how long, how often, how many samples. */
static void write_header(struct svg_writer *sw, const struct run_info *info, uint32_t height)
{
	char count[32];

	out_printf(sw, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		   "xmlns:fg=\"urn:x-pysample:flamegraph\" width=\"%d\" height=\"%u\" "
		   "viewBox=\"0 0 %d %u\">\n", IMAGE_WIDTH, height, IMAGE_WIDTH, height);
	out_str(sw, "<!-- A flame graph written by pysample.  Open it in a web browser: "
		    "hover for details, click a box to zoom, Ctrl-F to search. -->\n"
		    "<defs><linearGradient id=\"background\" x1=\"0\" x2=\"0\" y1=\"0\" y2=\"1\">"
		    "<stop offset=\"5%\" stop-color=\"#eeeeee\"/><stop offset=\"95%\" "
		    "stop-color=\"#eeeeb0\"/></linearGradient></defs>\n");
	out_str(sw, style);
	out_str(sw, "<rect width=\"100%\" height=\"100%\" fill=\"url(#background)\"/>\n");
	out_printf(sw, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">%s</text>\n",
		   IMAGE_WIDTH / 2, sw->reverse ? "Icicle graph" : "Flame graph");
	out_printf(sw, "<text id=\"command\" class=\"sub\" x=\"%d\" y=\"44\" text-anchor=\"middle\">",
		   IMAGE_WIDTH / 2);
	if (info && info->command) {
		size_t n = strlen(info->command), shown = n > COMMAND_CHARS ? COMMAND_CHARS : n;
		while (shown < n && ((unsigned char)info->command[shown] & 0xc0) == 0x80)
			shown--; /* cut before a character, not inside it */
		out_escaped_n(sw, info->command, shown);
		if (shown < n)
			out_str(sw, "...");
	}
	out_printf(sw, "</text>\n<text id=\"info\" class=\"sub\" x=\"%d\" y=\"62\" "
		   "text-anchor=\"middle\">", IMAGE_WIDTH / 2);
	if (info) {
		out_printf(sw, "%.2f s at %g Hz", info->seconds, info->hz);
		if (info->event) {
			out_str(sw, " (");
			out_escaped(sw, info->event);
			out_str(sw, ")");
		}
		out_printf(sw, " \xc2\xb7 %s samples", thousands(info->samples, count));
		out_printf(sw, " \xc2\xb7 %s lost", thousands(info->lost, count));
	} else {
		out_printf(sw, "%s samples", thousands(sw->nodes[0].samples, count));
	}
	out_printf(sw, "</text>\n<text id=\"unzoom\" class=\"btn hide\" x=\"%d\" y=\"84\">"
		   "Reset zoom</text>\n<text id=\"clear\" class=\"btn hide\" x=\"%d\" y=\"84\" "
		   "text-anchor=\"end\">Clear search</text>\n<text id=\"search\" class=\"btn\" "
		   "x=\"%d\" y=\"84\" text-anchor=\"end\">Search (Ctrl-F)</text>\n",
		   PAD, IMAGE_WIDTH - PAD - 130, IMAGE_WIDTH - PAD);
}

static bool svg_end(struct writer *w, const struct run_info *info)
{
	struct svg_writer *sw = (struct svg_writer *)w;
	uint32_t rows, height;

	build_tree(sw);
	rows = rows_drawn(sw);
	height = HEADER + rows * ROW + FOOTER;
	write_header(sw, info, height);
	out_printf(sw, "<g id=\"frames\" fg:total=\"%llu\" fg:reverse=\"%d\">\n",
		   (unsigned long long)sw->nodes[0].samples, sw->reverse);
	if (sw->nodes[0].samples)
		write_boxes(sw, rows);
	else
		out_printf(sw, "<text x=\"%d\" y=\"%d\">No samples.</text>\n", PAD,
			   HEADER + BOX_HEIGHT - 4);
	out_printf(sw, "</g>\n<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		   "<text id=\"matched\" x=\"%d\" y=\"%u\" text-anchor=\"end\"> </text>\n",
		   PAD, height - 14, IMAGE_WIDTH - PAD, height - 14);
	out_str(sw, script);
	out_str(sw, "</svg>\n");
	out_flush(sw);
	return !w->failed;
}

static void svg_free(struct writer *w)
{
	struct svg_writer *sw = (struct svg_writer *)w;

	if (sw->labels)
		for (size_t i = 0; i < sw->prof.nframes; i++)
			free(sw->labels[i]);
	free(sw->labels);
	profile_free(&sw->prof);
	free(sw->nodes);
	free(sw->slots);
	free(sw->first_child);
	free(sw->children);
	free(sw->out);
	free(sw);
}

const struct writer_ops writer_svg_ops = {
	.name = "svg",
	.extensions = ".svg",
	.open = svg_open,
	.sample = svg_sample,
	.end = svg_end,
	.free = svg_free,
};
