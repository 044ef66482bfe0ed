/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample report`: `perf script` text in (perftext.c reads it), any
 * output format out, through the same writers as a sampling run.
 *
 * Choices, and why:
 *   - the format is -f's, else the one -o's name ends with (as for a
 *     run), else collapsed: perf text back out of perf text would be a
 *     copy, and folded stacks are what a terminal, grep or flamegraph.pl
 *     take;
 *   - --top's table goes to standard output unless the profile does (-f
 *     without -o), then to standard error; with --top and neither -o nor
 *     -f, the table is the only output;
 *   - the output file is emptied only once a record has been read, and a
 *     file report created is removed when none was: a mistyped input must
 *     not destroy the last profile;
 *   - writers are told `lines`: a Python frame's line is the one the text
 *     gives (pysample --lines), 0 where it gives none.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perftext.h"
#include "top.h"
#include "writer.h"

enum { REPORT_OK = 0, REPORT_FAILED = 1, REPORT_USAGE = 2 };

struct report_options {
	const char *in, *out;
	const struct writer_ops *format; /* -f; NULL: from -o's name, else collapsed */
	unsigned top;
	bool reverse, full_filenames;
};

struct report {
	struct report_options opt;
	const struct writer_ops *format; /* NULL: the table only */
	const char *in_name;             /* for messages */
	int out_fd;
	bool out_created;
	FILE *table_out;
	struct writer *w;                /* opened at the first record */
	struct perf_text_parser parser;
	uint64_t first_ns, last_ns, first_period; /* for the profile's header */
};

static void report_usage(FILE *out)
{
	fprintf(out,
		"Usage: pysample report IN [-o OUT] [-f FORMAT] [--top N] [--reverse]\n"
		"\n"
		"Reads `perf script` text (pysample's own, or perf's: `perf script -i perf.data`\n"
		"of a recording made with -g or --call-graph) from IN, or from standard input\n"
		"when IN is -, and writes it as another format.\n"
		"\n"
		"Options:\n"
		"  -o, --output=FILE      write to FILE instead of standard output\n"
		"  -f, --format=FORMAT    %s; by default the one\n"
		"                         -o's name ends with (.perf .txt, .folded .collapsed,\n"
		"                         .svg, .speedscope.json, .pb.gz .pprof), else collapsed\n"
		"      --top=N            print the N hottest functions (self and total share):\n"
		"                         to standard output, or to standard error when the\n"
		"                         profile goes there (-f without -o); with neither -o\n"
		"                         nor -f the table is all that is written\n"
		"      --reverse          svg: an icicle graph\n"
		"      --full-filenames   Python frames named with their file's whole path\n"
		"  -h, --help             show this help and exit\n"
		"\n"
		"Lines that are not part of a record are skipped and counted, as are lines\n"
		"over %u KiB; the count goes to standard error at the end.  Exit status: 0,\n"
		"1 when no record could be read or the output not written, 2 on usage errors.\n"
		"\n"
		"Examples:\n"
		"  perf record -F 999 -g -- python3 app.py && perf script > app.perf\n"
		"  pysample report app.perf -o app.svg             a flame graph\n"
		"  pysample report app.perf --top 20               the hottest functions\n"
		"  pysample -o out.perf -- python3 app.py; pysample report out.perf -o out.pb.gz\n",
		writer_names(), PERF_TEXT_LINE_MAX >> 10);
}

static int parse_top(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < 1 || v > 100000) {
		pys_error("invalid --top '%s': give how many functions to list, e.g. 20", s);
		return REPORT_USAGE;
	}
	*out = (unsigned)v;
	return REPORT_OK;
}

/* REPORT_OK, REPORT_USAGE, or -1 when --help was shown. */
static int parse_args(int argc, char **argv, struct report_options *o)
{
	enum { OPT_TOP = 256, OPT_REVERSE, OPT_FULL_FILENAMES };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "full-filenames", no_argument, NULL, OPT_FULL_FILENAMES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0; /* glibc: start afresh, whatever parsed before */
	while ((c = getopt_long(argc, argv, "o:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->format = writer_by_name(optarg);
			if (!o->format) {
				pys_error("unknown format '%s': give one of %s", optarg, writer_names());
				return REPORT_USAGE;
			}
			break;
		case OPT_TOP:
			if (parse_top(optarg, &o->top) != REPORT_OK)
				return REPORT_USAGE;
			break;
		case OPT_REVERSE:
			o->reverse = true;
			break;
		case OPT_FULL_FILENAMES:
			o->full_filenames = true;
			break;
		case 'h':
			report_usage(stdout);
			return -1;
		default:
			fputs("Try 'pysample report --help' for more information.\n", stderr);
			return REPORT_USAGE;
		}
	}
	if (optind >= argc) {
		pys_error("report: no input: give a file of `perf script` text, or - for standard "
			  "input");
		fputs("Try 'pysample report --help' for more information.\n", stderr);
		return REPORT_USAGE;
	}
	if (argc - optind > 1) {
		pys_error("report: one input at a time: '%s' and '%s' were given (concatenate "
			  "them: cat A B | pysample report -)", argv[optind], argv[optind + 1]);
		return REPORT_USAGE;
	}
	o->in = argv[optind];
	return REPORT_OK;
}

static bool ends_with_one_of(const char *path, const char *extensions)
{
	size_t len = strlen(path);

	while (*extensions) {
		size_t n = strcspn(extensions, " ");
		if (n && len >= n && strncasecmp(path + len - n, extensions, n) == 0)
			return true;
		extensions += n;
		extensions += strspn(extensions, " ");
	}
	return false;
}

/* -f's format; else -o's name's, when it names one; else collapsed, or,
 * with --top and nothing to say where a profile goes, none. */
static const struct writer_ops *choose_format(const struct report_options *o)
{
	const struct writer_ops *by_path;

	if (o->format)
		return o->format;
	if (!o->out)
		return o->top ? NULL : &writer_collapsed_ops;
	by_path = writer_by_path(o->out);
	if (by_path == &writer_perf_ops && !ends_with_one_of(o->out, writer_perf_ops.extensions))
		return &writer_collapsed_ops;
	return by_path;
}

static int open_input(const char *path, int *fd)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		*fd = STDIN_FILENO;
		return REPORT_OK;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		pys_error("cannot read %s: %s: give a file of `perf script` text (perf script -i "
			  "perf.data > FILE), or - for standard input", path, strerror(errno));
		return REPORT_FAILED;
	}
	if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		pys_error("cannot read %s: it is a directory: give a file of `perf script` text",
			  path);
		close(*fd);
		return REPORT_FAILED;
	}
	return REPORT_OK;
}

/* Opened, not emptied (see the top of the file); refused when it is the
 * input itself, which emptying it would destroy. */
static int open_output(struct report *rp, int in_fd)
{
	struct stat in_st, out_st;
	const char *path = rp->opt.out;

	rp->out_fd = STDOUT_FILENO;
	if (!path || !rp->format)
		return REPORT_OK;
	if (stat(path, &out_st) == 0 && fstat(in_fd, &in_st) == 0 &&
	    in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino &&
	    S_ISREG(out_st.st_mode)) {
		pys_error("report: %s is the input too: give -o another file", path);
		return REPORT_USAGE;
	}
	rp->out_created = lstat(path, &out_st) != 0;
	rp->out_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (rp->out_fd < 0) {
		pys_error("cannot write %s: %s: give -o a path in a writable directory", path,
			  strerror(errno));
		return REPORT_FAILED;
	}
	return REPORT_OK;
}

/* The first record: the output is emptied, and the writers opened with
 * the event the text names (the perf writer prints it back). */
static void open_writers(struct report *rp)
{
	struct writer_options wopt = {
		.reverse = rp->opt.reverse, .lines = true, .full_filenames = rp->opt.full_filenames,
		.event = rp->parser.event[0] ? rp->parser.event : "cpu-clock",
	};
	struct writer *profile = NULL, *top = NULL;
	struct stat st;

	if (rp->format) {
		if (rp->out_fd != STDOUT_FILENO && fstat(rp->out_fd, &st) == 0 &&
		    S_ISREG(st.st_mode) && ftruncate(rp->out_fd, 0) != 0)
			pys_warn("cannot empty %s: %s", rp->opt.out, strerror(errno));
		profile = writer_open(rp->format, rp->out_fd, &wopt);
	}
	if (rp->opt.top)
		top = top_writer_open(rp->opt.top, rp->table_out);
	rp->w = profile && top ? writer_tee(profile, top) : profile ? profile : top;
}

static void on_record(void *ctx, const struct sample_record *r)
{
	struct report *rp = ctx;

	if (!rp->w) {
		open_writers(rp);
		rp->first_ns = rp->last_ns = r->time_ns;
		rp->first_period = r->period_ns;
	}
	if (r->time_ns < rp->first_ns)
		rp->first_ns = r->time_ns;
	if (r->time_ns > rp->last_ns)
		rp->last_ns = r->time_ns;
	rp->w->ops->sample(rp->w, r);
}

/* Feeds the whole input to the parser; false on a read error (what was
 * read before it still counts). */
static bool read_input(struct report *rp, int fd)
{
	static char buf[64 << 10];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pys_error("reading %s failed: %s: what came before is reported", rp->in_name,
				  strerror(errno));
			return false;
		}
		if (n == 0)
			return true;
		perf_text_feed(&rp->parser, buf, (size_t)n);
		/* A reader that went away (a closed pipe): nothing more to do. */
		if (rp->w && rp->w->failed)
			return true;
	}
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* One line on standard error: what was read, and what was not. */
static void print_counts(const struct report *rp)
{
	const struct perf_text_stats *st = &rp->parser.st;

	fprintf(stderr, "pysample: report: %llu %s, %llu frame %s read from %s",
		(unsigned long long)st->records, plural(st->records, "record", "records"),
		(unsigned long long)st->frames, plural(st->frames, "line", "lines"), rp->in_name);
	if (st->unrecognized)
		fprintf(stderr, "; %llu %s not understood", (unsigned long long)st->unrecognized,
			plural(st->unrecognized, "line", "lines"));
	if (st->too_long)
		fprintf(stderr, "; %llu %s over %u KiB skipped", (unsigned long long)st->too_long,
			plural(st->too_long, "line", "lines"), (unsigned)(rp->parser.line_max >> 10));
	if (st->first_bad)
		fprintf(stderr, " (the first at line %llu)", (unsigned long long)st->first_bad);
	if (st->frames_cut)
		fprintf(stderr, "; %llu frame %s past a record's bounds dropped",
			(unsigned long long)st->frames_cut, plural(st->frames_cut, "line", "lines"));
	if (st->unterminated)
		fprintf(stderr, "; %llu %s without the empty line that ends one",
			(unsigned long long)st->unterminated,
			plural(st->unterminated, "record", "records"));
	fputc('\n', stderr);
}

static void remove_output(struct report *rp)
{
	if (rp->opt.out && rp->format && rp->out_fd >= 0 && rp->out_fd != STDOUT_FILENO) {
		close(rp->out_fd);
		rp->out_fd = -1;
		if (rp->out_created)
			unlink(rp->opt.out);
	}
}

/* A clock event's period is nanoseconds between samples: the rate. */
static double rate_of(const char *event, uint64_t period)
{
	static const char *const clocks[] = { "cpu-clock", "task-clock", "wall-clock" };

	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++)
		if (strncmp(event, clocks[i], strlen(clocks[i])) == 0 && period > 1)
			return 1e9 / (double)period;
	return 0;
}

/* The writers' end (an aggregating one writes everything now). */
static int finish_output(struct report *rp)
{
	const char *event = rp->parser.event[0] ? rp->parser.event : "cpu-clock";
	struct run_info info = {
		.command = rp->in_name,
		.event = event,
		.hz = rate_of(event, rp->first_period),
		.seconds = (double)(rp->last_ns - rp->first_ns) / 1e9,
		.samples = rp->parser.st.records,
	};
	bool ok;

	errno = 0;
	ok = rp->w->ops->end(rp->w, &info);
	rp->w->ops->free(rp->w);
	rp->w = NULL;
	if (!ok) {
		pys_error("the profile could not be written completely to %s: %s",
			  rp->opt.out ? rp->opt.out : "standard output",
			  errno ? strerror(errno) : "a write failed");
		return REPORT_FAILED;
	}
	return REPORT_OK;
}

int report_main(int argc, char **argv)
{
	struct report rp;
	int in_fd = -1, status;
	bool read_ok;

	memset(&rp, 0, sizeof(rp));
	status = parse_args(argc, argv, &rp.opt);
	if (status < 0)
		return REPORT_OK;
	if (status != REPORT_OK)
		return status;
	rp.format = choose_format(&rp.opt);
	rp.in_name = strcmp(rp.opt.in, "-") == 0 ? "standard input" : rp.opt.in;
	/* The table goes where the profile does not. */
	rp.table_out = rp.format && !rp.opt.out ? stderr : stdout;
	status = open_input(rp.opt.in, &in_fd);
	if (status != REPORT_OK)
		return status;
	status = open_output(&rp, in_fd);
	if (status != REPORT_OK) {
		if (in_fd != STDIN_FILENO)
			close(in_fd);
		return status;
	}

	perf_text_init(&rp.parser, on_record, &rp);
	read_ok = read_input(&rp, in_fd);
	perf_text_finish(&rp.parser);
	if (in_fd != STDIN_FILENO)
		close(in_fd);
	print_counts(&rp);
	if (rp.parser.st.several_events)
		pys_warn("%s holds samples of more than one event (the first is '%s'): all are "
			 "counted together, each weighing its period; record one event to keep "
			 "them apart", rp.in_name, rp.parser.event);

	if (!rp.parser.st.records) {
		pys_error("no record in %s: it is not `perf script` text with callchains (a "
			  "header 'comm pid/tid time: period event:', then tab-indented frame "
			  "lines, then an empty line); make it with `perf script -i perf.data` "
			  "from a recording made with -g or --call-graph", rp.in_name);
		remove_output(&rp);
		perf_text_free(&rp.parser);
		return REPORT_FAILED;
	}
	status = finish_output(&rp);
	if (rp.out_fd >= 0 && rp.out_fd != STDOUT_FILENO)
		close(rp.out_fd);
	perf_text_free(&rp.parser);
	return status == REPORT_OK && !read_ok ? REPORT_FAILED : status;
}
