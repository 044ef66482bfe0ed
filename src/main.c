/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pysample: launch or attach, sample, write `perf script` text. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debuginfo.h"
#include "dump.h"
#include "options.h"
#include "procfs.h"
#include "progress.h"
#include "pyruntime.h"
#include "pyversions.h"
#include "report.h"
#include "sampler.h"
#include "summary.h"
#include "top.h"
#include "top-live.h"
#include "writer.h"

/* Exit statuses of pysample's own failures (launch mode otherwise exits
 * with the program's status). */
enum { EXIT_USAGE = 2, EXIT_TARGET = 3 };

static int dump_layout(const struct options *opt)
{
	unsigned major, minor;

	if (opt->pid) {
		struct proc_maps maps;
		struct py_runtime rt;
		char why[512];
		if (!procmaps_read(opt->pid, &maps)) {
			pys_error("cannot read /proc/%d/maps: no such process, or no permission",
				  (int)opt->pid);
			return EXIT_TARGET;
		}
		enum py_discovery d = py_runtime_discover(opt->pid, &maps, opt->runtime_by_scan, &rt, why,
							  sizeof(why));
		procmaps_free(&maps);
		if (d != PY_FOUND && d != PY_NOT_READY) {
			pys_error("%s", why);
			return EXIT_TARGET;
		}
		printf("# CPython %u.%u.%u in %s, _PyRuntime by %s, layout from %s\n",
		       rt.version_hex >> 24, (rt.version_hex >> 16) & 0xff,
		       (rt.version_hex >> 8) & 0xff, rt.module, rt.how, rt.layout.origin);
		py_layout_dump(&rt.layout, stdout);
		return 0;
	}
	if (sscanf(opt->dump_layout, "%u.%u", &major, &minor) != 2 ||
	    !py_layout_for_version(major, minor)) {
		pys_error("no layout table for '%s': the table covers 3.8 to 3.12; 3.13 and later "
			  "describe themselves (use -p PID on a running interpreter)",
			  opt->dump_layout);
		return EXIT_USAGE;
	}
	py_layout_dump(py_layout_for_version(major, minor), stdout);
	return 0;
}

static int exit_status_of(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 0;
}

/* Each thread of the target can hold a file of pysample's (its CPU-time
 * timer, and with --idle its run state): the soft limit on open files
 * (often 1024) is raised to the hard one, as a process that needs many
 * may.  A launched program gets the limit pysample found. */
static void raise_file_limit(struct rlimit *found)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
		return;
	*found = lim;
	if (lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
			pys_debug("cannot raise the open file limit: %s", strerror(errno));
	}
}

/* A closed standard stream would be the next file pysample opens: the
 * summary would go into the profile, or the target's timer. */
static void keep_standard_streams(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EXIT_TARGET);
}

/*
 * The profile's file is opened before the target is touched (a file that
 * cannot be written is a usage error), but emptied only once the launch or
 * the attach has worked: a mistyped pid must not destroy the last profile.
 * A file it created for a run that then failed is removed.
 */
struct output_file {
	int fd;
	bool created;
};

static bool output_open(const char *path, struct output_file *of)
{
	struct stat st;

	of->fd = STDOUT_FILENO;
	of->created = false;
	if (!path)
		return true;
	of->created = lstat(path, &st) != 0;
	of->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (of->fd < 0) {
		pys_error("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

static void output_abandon(const char *path, struct output_file *of)
{
	if (!path)
		return;
	close(of->fd);
	if (of->created)
		unlink(path);
}

static void output_start(struct output_file *of)
{
	struct stat st;

	if (of->fd != STDOUT_FILENO && fstat(of->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    ftruncate(of->fd, 0) != 0)
		pys_warn("cannot empty the output file: %s", strerror(errno));
}

/*
 * Memory ran out, or a file pysample had mapped was truncated under it
 * (SIGBUS): the target is let go as at the end of a run (detach allocates
 * nothing) and pysample ends; a launched program runs on to its end, and
 * its exit status is still pysample's.  Only the sampling thread (the
 * main one, the tracer) can detach: another thread asks it to, and waits.
 */
static struct target *running;
static pid_t main_tid;

static void fatal(const char *why)
{
	static const char tail[] = ": letting the target go; the profile ends here\n";
	static atomic_bool once;

	if (gettid() != main_tid) {
		pys_mark_fatal(why);
		/* The sampling thread may be waiting for processing to end. */
		syscall(SYS_tgkill, getpid(), main_tid, SIGCHLD);
		for (;;)
			pause();
	}
	if (atomic_exchange(&once, true))
		_exit(EXIT_FAILURE);
	top_live_emergency_restore(); /* the message must reach the terminal */
	if (write(STDERR_FILENO, "pysample: error: ", 17) < 0 ||
	    write(STDERR_FILENO, why, strlen(why)) < 0 ||
	    write(STDERR_FILENO, tail, sizeof(tail) - 1) < 0)
		_exit(EXIT_FAILURE);
	if (running) {
		target_detach(running);
		if (running->launched)
			_exit(exit_status_of(target_wait_child(running)));
	}
	_exit(EXIT_FAILURE);
}

/* libelf and libdw read ELF files through mmap: a target that truncates
 * a file of its own while pysample reads it makes the read fault. */
static void on_sigbus(int sig)
{
	(void)sig;
	fatal("a file pysample was reading shrank under it (SIGBUS): the target, or someone, "
	      "truncated one of its libraries or executables");
}

/* A library that gives up aborts the process: libdw and libelf assert,
 * and once the address space is exhausted (ulimit -v) an assert can fire
 * there before any allocation of pysample's fails (glibc then prints only
 * "Unexpected error.", having no memory for the message).  pysample holds
 * the target's threads, and PTRACE_O_EXITKILL would kill the target with
 * it: it lets the target go first.  Not under the sanitizers, whose
 * reports end in abort() and must end the run as a failure. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif

#ifndef SANITIZED
static void on_sigabrt(int sig)
{
	(void)sig;
	fatal("a library pysample uses gave up (SIGABRT, its message is above; out of memory?)");
}
#endif

static void catch_sigbus(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
#ifndef SANITIZED
	sa.sa_handler = on_sigabrt;
	sigaction(SIGABRT, &sa, NULL);
#endif
}

/* What the profile's header names: the command line, or the pid. */
static const char *describe_target(const struct options *opt, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!opt->command) {
		snprintf(buf, len, "pid %d", (int)opt->pid);
		return buf;
	}
	for (char **a = opt->command; *a && n + 1 < len; a++) {
		int k = snprintf(buf + n, len - n, "%s%s", n ? " " : "", *a);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	return buf;
}

/* One line at the start: what is sampled, how, where the profile goes,
 * and how it ends. */
static void say_start(const struct options *opt, const struct target *t)
{
	char comm[64] = "";

	procfs_thread_comm(t->pid, t->pid, comm, sizeof(comm));
	fprintf(stderr, "pysample: sampling process %d (%s) at %g Hz%s, writing %s%s%s; %s\n",
		(int)t->pid, comm[0] ? comm : "?", opt->hz, opt->idle ? " (wall clock)" : "",
		opt->output ? opt->output : "to standard output", opt->output ? " as " : "",
		opt->output ? opt->format->name : "",
		opt->command ? "until it exits (Ctrl-C stops it too)"
			     : opt->duration ? "Ctrl-C to stop early" : "Ctrl-C to stop");
}

/* One line at the end: what was written, and what opens it. */
static void say_end(const struct options *opt, uint64_t samples, bool failed)
{
	static const struct {
		const char *format, *hint;
	} hints[] = {
		{ "perf", "view it with: pysample report FILE -o profile.svg, or in speedscope or "
			  "the Firefox Profiler" },
		{ "svg", "open it in a web browser" },
		{ "speedscope", "open it at https://www.speedscope.app" },
		{ "pprof", "view it with: go tool pprof -http=: FILE" },
		{ "collapsed", "view it with: flamegraph.pl FILE > profile.svg" },
	};
	const char *hint = "";

	if (failed || !opt->output)
		return; /* the summary said why; on stdout the reader knows */
	for (size_t i = 0; i < ARRAY_SIZE(hints); i++)
		if (strcmp(hints[i].format, opt->format->name) == 0)
			hint = hints[i].hint;
	fprintf(stderr, "pysample: wrote %llu samples to %s (%s); %s\n", (unsigned long long)samples,
		opt->output, opt->format->name, hint);
}

/* --stats: the numbers for scripts, written whole or not at all. */
static void write_stats(const char *path, const struct run_report *report)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		pys_warn("cannot write --stats %s: %s", tmp, strerror(errno));
		return;
	}
	summary_write_stats(f, report);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		pys_warn("cannot write --stats %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

/*
 * One sampling run, launched or attached, to its end: what plain pysample
 * and `pysample top` (live: the live view instead of a profile written)
 * share.  Returns the exit status.
 */
static int run(const struct options *optp, bool live)
{
	struct target target;
	struct sampler s;
	struct output_file out;
	char err[1024];
	int status = 0;

	/* Before any thread: it may clear DEBUGINFOD_URLS. */
	debuginfo_allow_debuginfod(optp->debuginfod);
	if (optp->dump_layout)
		return dump_layout(optp);
	if (!output_open(optp->output, &out))
		return EXIT_USAGE;
	/* A reader that goes away must not kill pysample before it detaches. */
	bool sigpipe_was_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;

	struct rlimit file_limit = { 0, 0 };
	raise_file_limit(&file_limit);
	target_init(&target, optp->subprocesses, sigpipe_was_ignored, &file_limit);
	if (!target_setup_signals(&target)) {
		pys_error("cannot set up signal handling: %s", strerror(errno));
		return EXIT_TARGET;
	}
	if (optp->command ? !target_launch(&target, optp->command, err, sizeof(err))
			  : !target_attach(&target, optp->pid, err, sizeof(err))) {
		pys_error("%s", err);
		target_free(&target);
		output_abandon(optp->output, &out);
		return optp->command ? 127 : EXIT_TARGET;
	}
	output_start(&out);
	running = &target;
	struct writer_options wopt = { .reverse = optp->reverse, .lines = optp->lines,
				       .full_filenames = optp->full_filenames,
				       .event = optp->idle ? "wall-clock" : "cpu-clock" };
	struct writer *tee;
	if (live) {
		tee = top_live_writer_open();
	} else {
		struct writer *writer = writer_open(optp->format, out.fd, &wopt);
		struct writer *top = optp->top ? top_writer_open(optp->top, stderr) : NULL;
		tee = top ? writer_tee(writer, top) : writer;
	}
	sampler_init(&s, optp, &target, tee);
	char command[512];
	describe_target(optp, command, sizeof(command));
	struct progress progress = { 0 };
	struct top_live *view = NULL;
	bool view_failed = false;
	if (live) {
		view = top_live_start(tee, &s, command, err, sizeof(err));
		if (!view) {
			/* The run ends at once, the usual way: the target is let go. */
			pys_error("%s", err);
			view_failed = true;
			sampler_stop(&s);
		}
	} else if (!optp->quiet) {
		say_start(optp, &target);
		progress_start(&progress, STDERR_FILENO, &s.processor, &s.queue);
	}
	sampler_run(&s);
	/* The snapshots are copies: the target runs on while they are
	 * processed, rather than wait stopped for the last of them. */
	target_detach(&target);
	progress_stop(&progress);
	if (top_live_stop(view) && target.launched && !optp->quiet)
		fprintf(stderr, "pysample: stopped sampling; process %d runs on: waiting for it to "
			"exit (Ctrl-C ends it)\n", (int)target.pid);
	sampler_finish(&s);
	if (target.launched)
		status = exit_status_of(target_wait_child(&target));
	struct run_report report;
	sampler_report(&s, &report);
	struct run_info info = {
		.command = command,
		.event = wopt.event, .hz = optp->hz, .seconds = report.seconds,
		.samples = report.processing->records, .lost = summary_samples_lost(&report),
	};
	/* The aggregating formats are written now, and can fail now. */
	if (!tee->ops->end(tee, &info))
		s.processor.st.output_failed = true;
	tee->ops->free(tee);
	summary_note_usage(&report);
	summary_print(stderr, &report);
	if (!optp->quiet)
		say_end(optp, report.processing->records, report.processing->output_failed);
	if (report.processing->output_failed)
		status = status ? status : 1;
	if (view_failed && !target.launched)
		status = EXIT_TARGET;
	if (optp->stats)
		write_stats(optp->stats, &report);
	if (!sampler_found_python(&s) && sampler_python_unsupported(&s))
		pys_warn("no Python frames were found: %s", sampler_python_unsupported(&s));
	else if (!sampler_found_python(&s))
		pys_warn("no Python frames were found: process %d%s never showed an initialised "
			 "CPython (3.8+) runtime (run with -v for details).%s",
			 (int)target.pid, optp->subprocesses ? " and its children" : "",
			 optp->subprocesses ? ""
					  : "  If it starts Python as a child process (a shell "
					    "script without exec, a launcher, a worker pool), add "
					    "--subprocesses, or attach to the Python process itself "
					    "with -p PID");
	running = NULL;
	sampler_free(&s);
	target_free(&target);
	if (out.fd != STDOUT_FILENO)
		close(out.fd);
	return status;
}

int main(int argc, char **argv)
{
	struct options opt;
	bool live = false;
	enum parse_result parsed;

	keep_standard_streams();
	main_tid = gettid();
	pys_set_fatal_handler(fatal);
	catch_sigbus();

	/* Subcommands first: "report" cannot be a program to launch without
	 * "--" before it. */
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "dump") == 0)
		return dump_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "top") == 0) {
		live = true;
		parsed = top_live_parse(argc - 1, argv + 1, &opt);
	} else {
		parsed = options_parse(argc, argv, &opt);
	}
	switch (parsed) {
	case PARSE_EXIT_OK:
		return 0;
	case PARSE_USAGE:
		return EXIT_USAGE;
	case PARSE_OK:
		break;
	}
	return run(&opt, live);
}
