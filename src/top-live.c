/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample top`: the live view (top-live.h).  Only the view's thread
 * calls curses between top_live_start and top_live_stop (ncurses is not
 * thread-safe); the main thread sets it up before and ends it after.
 */
#include "top-live.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "output.h"
#include "profile.h"
#include "top.h"

#define REFRESH_NS 1000000000u
#define KEY_WAIT_MS 100 /* how soon a key, or the end of the run, is seen */

/* ---- The writer: two profiles, fed by the processing thread. ---- */

struct live_writer {
	struct writer w;
	pthread_mutex_t lock; /* guards both profiles */
	struct profile whole, interval;
};

static void live_sample(struct writer *w, const struct sample_record *r)
{
	struct live_writer *lw = (struct live_writer *)w;

	pthread_mutex_lock(&lw->lock);
	profile_add(&lw->whole, r);
	profile_add(&lw->interval, r);
	pthread_mutex_unlock(&lw->lock);
}

static bool live_end(struct writer *w, const struct run_info *info)
{
	(void)w;
	(void)info;
	return true;
}

static void live_free(struct writer *w)
{
	struct live_writer *lw = (struct live_writer *)w;

	profile_free(&lw->whole);
	profile_free(&lw->interval);
	pthread_mutex_destroy(&lw->lock);
	free(lw);
}

static const struct writer_ops live_ops = {
	.name = "top", .extensions = "", .sample = live_sample, .end = live_end, .free = live_free,
};

struct writer *top_live_writer_open(void)
{
	struct live_writer *lw = xcalloc(1, sizeof(*lw));

	lw->w.ops = &live_ops;
	lw->w.fd = -1;
	pthread_mutex_init(&lw->lock, NULL);
	profile_init(&lw->whole);
	profile_init(&lw->interval);
	return &lw->w;
}

/* ---- The command line. ---- */

static void top_usage(FILE *out)
{
	fputs("Usage: pysample top [OPTIONS] -p PID                  watch a running process\n"
	      "       pysample top [OPTIONS] -- COMMAND [ARGS...]   launch COMMAND and watch it\n"
	      "\n"
	      "What is it doing right now?  Samples the target as pysample does and shows,\n"
	      "refreshed every second, its hottest functions (self and total share, over the\n"
	      "last second or the whole run) and its threads.  Needs a terminal.\n"
	      "\n"
	      "Keys:\n"
	      "  q   quit: sampling ends, the target is let go and runs on\n"
	      "  p   pause the display (sampling goes on)\n"
	      "  s   sort by self share, total share, or name\n"
	      "  n   Python and native functions, or Python only (each sample counts for\n"
	      "      its innermost Python function)\n"
	      "  w   the last interval, or the whole run\n"
	      "\n"
	      "Options: those of sampling (pysample --help): -F/--hz, -d/--duration, --idle,\n"
	      "--gil, --python-only, --nonblocking, --native-all, --lines, -s/--subprocesses,\n"
	      "--unwinder, --stats, -q, -v ...; not -o, -f, --top, --reverse or --insn (a\n"
	      "recording: use pysample -o FILE).\n"
	      "\n"
	      "In launch mode the program keeps the terminal's input and output; after q\n"
	      "pysample waits for it to exit (Ctrl-C ends it) and exits with its status.\n"
	      "\n"
	      "Example:\n"
	      "  pysample top -p $(pgrep -f myserver.py)\n"
	      "  pysample top --idle -- python3 app.py\n",
	      out);
}

enum parse_result top_live_parse(int argc, char **argv, struct options *opt)
{
	enum parse_result r = options_parse_with(argc, argv, opt, top_usage);
	int term_err = 0;

	if (r != PARSE_OK)
		return r;
	if (opt->output || opt->top || opt->reverse || opt->insn || opt->dump_layout) {
		pys_error("top shows a live view, not a recording: drop -o, --top, --reverse, "
			  "--insn and --dump-layout (or record with pysample -o FILE)");
		return PARSE_USAGE;
	}
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		pys_error("top needs a terminal; use -o FILE or --top N");
		return PARSE_USAGE;
	}
	/* Checked before the target is touched: the view could not be drawn. */
	if (setupterm(NULL, STDOUT_FILENO, &term_err) != OK) {
		pys_error("top cannot draw on this terminal (TERM=%s): set TERM to your terminal's "
			  "type (e.g. xterm-256color), or use -o FILE or --top N",
			  getenv("TERM") ? getenv("TERM") : "unset");
		return PARSE_USAGE;
	}
	return PARSE_OK;
}

/* ---- The view. ---- */

struct top_live {
	pthread_t thread;
	atomic_bool stop, quit;
	struct live_writer *lw;
	struct sampler *s;
	char target[256];
	SCREEN *screen;
	uint64_t start_ns, interval_start_ns, last_span_ns;
	struct profile last; /* the last whole interval: the view's own */
	bool have_last;
	bool paused, python_only, whole;
	enum top_sort sort;
	/* Standard error goes to a file while the view is on (a warning would
	 * tear the screen), and to the terminal again after. */
	int saved_stderr, capture_fd;
};

static _Atomic(struct top_live *) active;

static const char *const sort_names[] = { "self", "total", "name" };

/* One line, cut at the screen's width. */
static void put_line(int y, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_line(int y, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mvaddnstr(y, 0, buf, COLS > 0 ? COLS : 0);
}

static int by_thread_weight(const void *pa, const void *pb)
{
	const struct profile_thread *a = *(const struct profile_thread *const *)pa;
	const struct profile_thread *b = *(const struct profile_thread *const *)pb;

	if (a->weight_ns != b->weight_ns)
		return a->weight_ns > b->weight_ns ? -1 : 1;
	if (a->samples != b->samples)
		return a->samples > b->samples ? -1 : 1;
	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* The functions and threads of p, from line y on. */
static void draw_profile(struct top_live *v, const struct profile *p, int y)
{
	struct top_table t;
	char label[1024], comm[128];
	size_t nthreads = p->nthreads < 8 ? p->nthreads : 8;
	int rows = LINES - y - 1 - (nthreads ? (int)nthreads + 2 : 0);
	uint64_t whole_threads = p->weight_ns ? p->weight_ns : p->samples;

	if (!p->samples) {
		put_line(y, "no samples %s", v->whole ? "yet" : "in the last interval");
		return;
	}
	top_rank(p, v->python_only, v->sort, &t);
	attron(A_REVERSE);
	put_line(y++, "%8s %8s %9s  %-*s", "Self%", "Total%", "Samples", COLS > 30 ? COLS - 30 : 0,
		 "Function");
	attroff(A_REVERSE);
	for (size_t i = 0; i < t.n && rows > 1; i++, rows--)
		put_line(y++, "%7.2f%% %7.2f%% %9llu  %s", top_share(t.funcs[i].self_weight, t.whole),
			 top_share(t.funcs[i].total_weight, t.whole),
			 (unsigned long long)t.funcs[i].self,
			 top_func_label(&t.funcs[i], label, sizeof(label)));
	top_table_free(&t);
	if (!nthreads)
		return;
	/* The busiest threads. */
	const struct profile_thread **th = xcalloc(p->nthreads, sizeof(*th));
	for (size_t i = 0; i < p->nthreads; i++)
		th[i] = &p->threads[i];
	qsort(th, p->nthreads, sizeof(*th), by_thread_weight);
	y = LINES - (int)nthreads - 1;
	attron(A_REVERSE);
	put_line(y++, "%8s %9s %9s  %-*s", "Share%", "PID", "TID", COLS > 30 ? COLS - 30 : 0,
		 "Thread");
	attroff(A_REVERSE);
	for (size_t i = 0; i < nthreads; i++) {
		comm[0] = '\0';
		output_sanitize(comm, sizeof(comm), th[i]->name ? th[i]->name : "?", false);
		put_line(y++, "%7.2f%% %9d %9d  %s",
			 top_share(p->weight_ns ? th[i]->weight_ns : th[i]->samples, whole_threads),
			 (int)th[i]->pid, (int)th[i]->tid, comm);
	}
	free(th);
}

static void draw(struct top_live *v)
{
	struct snap_queue_stats q = snap_queue_stats_now(&v->s->queue);
	uint64_t samples = atomic_load_explicit(&v->s->processor.written, memory_order_relaxed);
	double elapsed = (double)(now_ns() - v->start_ns) / 1e9;
	char span[64];

	erase();
	put_line(0, "pysample top: %s   %.0f s, %llu samples (%.0f/s), %llu lost", v->target,
		 elapsed, (unsigned long long)samples, elapsed > 0 ? (double)samples / elapsed : 0.0,
		 (unsigned long long)(q.dropped + q.stacks_left_out));
	if (v->whole)
		snprintf(span, sizeof(span), "whole run");
	else
		snprintf(span, sizeof(span), "last %.1f s", (double)v->last_span_ns / 1e9);
	put_line(1, "view: %s [w]   functions: %s [n]   sort: %s [s]   %s   q quit", span,
		 v->python_only ? "Python only" : "Python and native", sort_names[v->sort],
		 v->paused ? "PAUSED [p]" : "p pause");
	if (v->whole) {
		pthread_mutex_lock(&v->lw->lock);
		draw_profile(v, &v->lw->whole, 3);
		pthread_mutex_unlock(&v->lw->lock);
	} else if (v->have_last) {
		draw_profile(v, &v->last, 3);
	} else {
		put_line(3, "collecting the first interval...");
	}
	refresh();
}

/* The current interval becomes the last one; a new one starts.  The
 * swap is all that happens under the lock: ranking is the view's. */
static void rotate(struct top_live *v, uint64_t now)
{
	struct profile fresh;

	profile_init(&fresh);
	pthread_mutex_lock(&v->lw->lock);
	struct profile done = v->lw->interval;
	v->lw->interval = fresh;
	pthread_mutex_unlock(&v->lw->lock);
	if (v->have_last)
		profile_free(&v->last);
	v->last = done;
	v->have_last = true;
	v->last_span_ns = now - v->interval_start_ns;
	v->interval_start_ns = now;
}

static void *view_main(void *arg)
{
	struct top_live *v = arg;
	uint64_t next = v->start_ns + REFRESH_NS;
	sigset_t winch;

	/* SIGWINCH is this thread's only (top_live_start blocked it for the
	 * others): curses turns it into KEY_RESIZE here. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	pthread_sigmask(SIG_UNBLOCK, &winch, NULL);
	draw(v);
	while (!atomic_load(&v->stop)) {
		int c = getch();
		bool redraw = c != ERR;
		uint64_t now = now_ns();

		switch (c) {
		case 'q':
		case 'Q':
			atomic_store(&v->quit, true);
			sampler_stop(v->s);
			return NULL;
		case 'p':
		case 'P':
			v->paused = !v->paused;
			if (!v->paused) {
				/* What came while paused is not the last interval. */
				rotate(v, now);
				next = now + REFRESH_NS;
			}
			break;
		case 's':
		case 'S':
			v->sort = (enum top_sort)((v->sort + 1) % ARRAY_SIZE(sort_names));
			break;
		case 'n':
		case 'N':
			v->python_only = !v->python_only;
			break;
		case 'w':
		case 'W':
			v->whole = !v->whole;
			break;
		default:
			break;
		}
		if (now >= next && !v->paused) {
			rotate(v, now);
			next = next + REFRESH_NS > now ? next + REFRESH_NS : now + REFRESH_NS;
			redraw = true;
		}
		if (redraw)
			draw(v);
	}
	return NULL;
}

/* Standard error into an unlinked file while the view is on. */
static void capture_stderr(struct top_live *v)
{
	v->saved_stderr = -1;
	v->capture_fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (v->capture_fd < 0)
		return;
	v->saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (v->saved_stderr < 0 || dup2(v->capture_fd, STDERR_FILENO) < 0) {
		close(v->capture_fd);
		v->capture_fd = -1;
	}
}

/* Back to the terminal, with what was written meanwhile (no stdio: the
 * fatal path calls it too). */
static void release_stderr(struct top_live *v)
{
	char buf[4096];
	ssize_t n;

	if (v->capture_fd < 0)
		return;
	dup2(v->saved_stderr, STDERR_FILENO);
	close(v->saved_stderr);
	if (lseek(v->capture_fd, 0, SEEK_SET) == 0)
		while ((n = read(v->capture_fd, buf, sizeof(buf))) > 0)
			if (write(STDERR_FILENO, buf, (size_t)n) != n)
				break;
	close(v->capture_fd);
	v->capture_fd = -1;
}

struct top_live *top_live_start(struct writer *w, struct sampler *s, const char *target,
				char *err, size_t err_len)
{
	struct top_live *v = xcalloc(1, sizeof(*v));
	sigset_t winch;

	v->lw = (struct live_writer *)w;
	v->s = s;
	snprintf(v->target, sizeof(v->target), "%s", target);
	v->start_ns = v->interval_start_ns = now_ns();
	atomic_init(&v->stop, false);
	atomic_init(&v->quit, false);
	/* Only the view's thread takes SIGWINCH; the others' waits are not
	 * to be interrupted by a resized window.  Blocked before curses sets
	 * its handler and before the processing thread starts. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &winch, NULL);
	v->screen = newterm(NULL, stdout, stdin);
	if (!v->screen) {
		snprintf(err, err_len, "cannot start the live view on this terminal (TERM=%s): set "
			 "TERM to your terminal's type, or use -o FILE or --top N",
			 getenv("TERM") ? getenv("TERM") : "unset");
		free(v);
		return NULL;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(KEY_WAIT_MS);
	capture_stderr(v);
	atomic_store(&active, v);
	if (pthread_create(&v->thread, NULL, view_main, v) != 0) {
		atomic_store(&active, NULL);
		endwin();
		delscreen(v->screen);
		release_stderr(v);
		snprintf(err, err_len, "cannot start the live view's thread: %s", strerror(errno));
		free(v);
		return NULL;
	}
	return v;
}

bool top_live_stop(struct top_live *v)
{
	bool quit;

	if (!v)
		return false;
	atomic_store(&v->stop, true);
	pthread_join(v->thread, NULL);
	/* A fatal error may have given the terminal back already. */
	if (atomic_exchange(&active, NULL) == v) {
		endwin();
		release_stderr(v);
	}
	delscreen(v->screen);
	if (v->have_last)
		profile_free(&v->last);
	quit = atomic_load(&v->quit);
	free(v);
	return quit;
}

void top_live_emergency_restore(void)
{
	struct top_live *v = atomic_exchange(&active, NULL);

	if (!v)
		return;
	endwin();
	release_stderr(v);
}
