/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pyruntime.h"
#include "writer.h"

#define MAX_HZ 100000.0

void options_usage(FILE *out)
{
	fputs("Usage: pysample [OPTIONS] -- COMMAND [ARGS...]   launch COMMAND and profile it\n"
	      "       pysample [OPTIONS] -p PID                  profile a running process\n"
	      "       pysample top [OPTIONS] -p PID | -- COMMAND  watch it live (top --help)\n"
	      "       pysample dump -p PID                       every thread's stack, once\n"
	      "       pysample report FILE [-o OUT]              convert a recording\n"
	      "\n"
	      "Samples the stacks of every thread of a CPython process (3.8 and later): native\n"
	      "frames unwound with DWARF CFI, and the Python frames each evaluation loop runs\n"
	      "put in its place.  Writes `perf script` text (for FlameGraph, speedscope, the\n"
	      "Firefox Profiler and other tools that read it), or with -f an interactive SVG\n"
	      "flame graph, speedscope JSON, a pprof profile or collapsed stacks.\n"
	      "\n"
	      "Options:\n"
	      "  -p, --pid=PID          attach to a running process; detach at the end\n"
	      "  -F, --hz=N             samples per second per thread (default 999, at most\n"
	      "                         100000); -r, --rate=N is the same\n"
	      "  -d, --duration=SECS    stop after SECS seconds (default: until the target\n"
	      "                         exits, or Ctrl-C/SIGTERM in attach mode)\n"
	      "  -o, --output=FILE      write the profile to FILE instead of standard output\n"
	      "  -f, --format=FORMAT    perf (`perf script` text, the default), collapsed\n"
	      "                         (folded stacks), svg (an interactive flame graph),\n"
	      "                         speedscope (JSON) or pprof (gzipped profile.proto);\n"
	      "                         by default the one -o's name ends with: .perf .txt,\n"
	      "                         .folded .collapsed, .svg, .speedscope.json,\n"
	      "                         .pb.gz .pprof\n"
	      "      --reverse          svg: an icicle graph, the hottest leaves on top and\n"
	      "                         their callers below\n"
	      "      --top=N            also print the N hottest functions (self and total\n"
	      "                         share) to standard error at the end\n"
	      "  -s, --subprocesses     follow child processes too (fork, vfork, clone, exec;\n"
	      "                         with -p, the running descendants as well); sampling\n"
	      "                         ends when the first process exits\n"
	      "      --idle             sample threads that are not on a CPU too (wall-clock\n"
	      "                         view); by default only running threads are sampled\n"
	      "      --gil              sample only the thread holding the GIL (none while it\n"
	      "                         is free): where Python itself spends its time\n"
	      "      --lines            put the line number in Python frame names, so stacks\n"
	      "                         split per line: py::func:pkg/file.py:42\n"
	      "      --full-filenames   name Python frames with their file's whole path; by\n"
	      "                         default its short form (after site-packages/ or the\n"
	      "                         standard library's directory, else the last two\n"
	      "                         components), the whole path being perf text's dso\n"
	      "      --os-thread-names  name threads as the kernel does (comm: \"python3.12\"\n"
	      "                         unless the program set one), so that a flame graph\n"
	      "                         folds a pool of workers together; by default a thread\n"
	      "                         that threading named shows that name (\"MainThread\",\n"
	      "                         \"Thread-2 (worker)\") in every format\n"
	      "      --python-only      Python frames only: no native unwinding, no stack copy\n"
	      "      --nonblocking      never stop the target: read Python frames while threads\n"
	      "                         run (Python frames only; lowest overhead; samples torn\n"
	      "                         by a thread moving on mid-read are counted and dropped)\n"
	      "      --native-all       keep CPython's internal frames (vectorcall, call\n"
	      "                         helpers) between two Python frames; hidden by default\n"
	      "      --unwinder=NAME    native unwinder: libdw (default) or libunwind\n"
	      "      --no-insn-unwind   stop native stacks at code without CFI (JIT code, perf\n"
	      "                         trampolines, bare assembly) instead of analysing its\n"
	      "                         instructions to find the caller\n"
	      "      --insn             print the sampled instruction after each stack, as an\n"
	      "                         ` insn: BYTES  TEXT` line (like perf script -F +insn)\n"
	      "      --stack-bytes=N    stack bytes copied per sample (default 65536; a deeper\n"
	      "                         stack ends in a [stack cut at --stack-bytes] frame)\n"
	      "      --max-frames=N     frames per stack, Python and native each (default 4096)\n"
	      "      --pid-namespace=WHICH  ids in the records: host (default, as -p takes\n"
	      "                         them) or target (as a container sees itself)\n"
	      "      --debuginfod       ask the debuginfod servers of DEBUGINFOD_URLS for the\n"
	      "                         debug files of modules without local ones (off by\n"
	      "                         default: no network; DEBUGINFOD_TIMEOUT, default 5 s,\n"
	      "                         and a server that does not answer is not asked again)\n"
	      "      --stats=FILE       write the run's numbers (the summary's, and more) to\n"
	      "                         FILE as key=value lines, for scripts\n"
	      "      --runtime-by-scan  find CPython 3.13+ by scanning its memory for the\n"
	      "                         _Py_DebugOffsets cookie instead of by symbols\n"
	      "      --dump-layout=X.Y  print the CPython X.Y structure offsets pysample uses\n"
	      "                         (with -p: those of the running target) and exit\n"
	      "      --stop-by=HOW      how a running thread is stopped for its sample: timer\n"
	      "                         (default; its own CPU-time timer, a perf event, stops\n"
	      "                         it where it is at the tick) or interrupt (pysample's\n"
	      "                         clock sends PTRACE_INTERRUPT, which arrives late:\n"
	      "                         samples drift toward system calls); without perf\n"
	      "                         events, and above 10000 Hz unless timer is given,\n"
	      "                         interrupt\n"
	      "      --no-realtime      keep the sampling thread at normal scheduling (by\n"
	      "                         default it runs at SCHED_FIFO 1 when allowed, else at\n"
	      "                         nice -10, so the clock never waits for a CPU; above\n"
	      "                         10 kHz, where it spins between ticks, at nice -10)\n"
	      "      --placement        move pysample's threads off the CPUs the target's\n"
	      "                         running threads are on (the target's own affinity is\n"
	      "                         never changed); by default the scheduler places them\n"
	      "  -q, --quiet            no start line, end line or progress line on standard\n"
	      "                         error (the summary stays)\n"
	      "  -v, --verbose          say more about what pysample finds\n"
	      "  -h, --help             show this help and exit\n"
	      "  -V, --version          show the version and exit\n"
	      "\n"
	      "In launch mode the program's standard streams and exit status pass through\n"
	      "unchanged and pysample exits with the program's status; use -o when the\n"
	      "program itself writes to standard output.  A summary goes to standard error.\n"
	      "\n"
	      "Example:\n"
	      "  pysample -o profile.svg -- python3 script.py     a flame graph to open\n"
	      "  pysample -F 999 -o out.perf -- python3 script.py\n"
	      "  pysample report out.perf -o out.pb.gz            convert perf script text\n",
	      out);
}

static bool parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

enum {
	OPT_IDLE = 256, OPT_GIL, OPT_LINES, OPT_PYTHON_ONLY, OPT_NONBLOCKING, OPT_NATIVE_ALL, OPT_UNWINDER,
	OPT_STACK_BYTES, OPT_RUNTIME_BY_SCAN, OPT_PID_NAMESPACE,
	OPT_MAX_FRAMES, OPT_DUMP_LAYOUT, OPT_NO_INSN_UNWIND, OPT_INSN, OPT_NO_REALTIME, OPT_STOP_BY,
	OPT_DEBUGINFOD, OPT_STATS, OPT_REVERSE, OPT_TOP, OPT_FULL_FILENAMES, OPT_PLACEMENT,
	OPT_OS_THREAD_NAMES
};

/*
 * getopt_long takes any unambiguous prefix of an option's name, so
 * `--native` silently meant --native-all: a user's guess at an option
 * must fail, not pick one for them.
 */
bool options_spelled_out(const char *arg, const char *name, const char *command)
{
	size_t typed = strcspn(arg + 2, "=");

	if (strncmp(arg, "--", 2) == 0 && typed == strlen(name) &&
	    strncmp(arg + 2, name, typed) == 0)
		return true;
	pys_error("unknown option '%.*s': did you mean --%s? (options must be spelled out)",
		  (int)(2 + typed), arg, name);
	fprintf(stderr, "Try '%s --help' for more information.\n", command);
	return false;
}

enum parse_result options_parse(int argc, char **argv, struct options *opt)
{
	return options_parse_with(argc, argv, opt, options_usage);
}

enum parse_result options_parse_with(int argc, char **argv, struct options *opt,
				     void (*usage)(FILE *out))
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "hz", required_argument, NULL, 'F' },
		{ "rate", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "subprocesses", no_argument, NULL, 's' },
		{ "idle", no_argument, NULL, OPT_IDLE },
		{ "gil", no_argument, NULL, OPT_GIL },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "python-only", no_argument, NULL, OPT_PYTHON_ONLY },
		{ "nonblocking", no_argument, NULL, OPT_NONBLOCKING },
		{ "native-all", no_argument, NULL, OPT_NATIVE_ALL },
		{ "unwinder", required_argument, NULL, OPT_UNWINDER },
		{ "no-insn-unwind", no_argument, NULL, OPT_NO_INSN_UNWIND },
		{ "insn", no_argument, NULL, OPT_INSN },
		{ "no-realtime", no_argument, NULL, OPT_NO_REALTIME },
		{ "placement", no_argument, NULL, OPT_PLACEMENT },
		{ "os-thread-names", no_argument, NULL, OPT_OS_THREAD_NAMES },
		{ "stop-by", required_argument, NULL, OPT_STOP_BY },
		{ "debuginfod", no_argument, NULL, OPT_DEBUGINFOD },
		{ "stack-bytes", required_argument, NULL, OPT_STACK_BYTES },
		{ "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
		{ "dump-layout", required_argument, NULL, OPT_DUMP_LAYOUT },
		{ "runtime-by-scan", no_argument, NULL, OPT_RUNTIME_BY_SCAN },
		{ "pid-namespace", required_argument, NULL, OPT_PID_NAMESPACE },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "format", required_argument, NULL, 'f' },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "full-filenames", no_argument, NULL, OPT_FULL_FILENAMES },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c, before, longindex;

	memset(opt, 0, sizeof(*opt));
	opt->hz = 999;
	opt->max_frames = 4096;
	opt->unwinder = "libdw";
	opt->insn_unwind = true;
	opt->realtime = true;
	opt->stack_bytes = 65536;
	/* "+": stop at the first non-option, so the command keeps its own options. */
	for (;;) {
		before = optind;
		longindex = -1;
		c = getopt_long(argc, argv, "+p:F:d:o:f:r:qsvhV", longopts, &longindex);
		if (c == -1)
			break;
		if (longindex >= 0 &&
		    !options_spelled_out(argv[before], longopts[longindex].name, "pysample"))
			return PARSE_USAGE;
		switch (c) {
		case 'p':
			if (!parse_number(optarg, 1, 4194304, &v) || v != (double)(pid_t)v) {
				pys_error("invalid pid '%s': give the number of a running process", optarg);
				return PARSE_USAGE;
			}
			opt->pid = (pid_t)v;
			break;
		case 'F':
		case 'r': /* py-spy's name for it */
			if (!parse_number(optarg, 0.001, MAX_HZ, &opt->hz)) {
				pys_error("invalid rate '%s': give samples per second, up to %.0f",
					  optarg, MAX_HZ);
				return PARSE_USAGE;
			}
			break;
		case 'd':
			if (!parse_number(optarg, 0.001, 1e9, &opt->duration)) {
				pys_error("invalid duration '%s': give seconds, e.g. 30 or 0.5", optarg);
				return PARSE_USAGE;
			}
			break;
		case 'o':
			opt->output = optarg;
			break;
		case 's':
			opt->subprocesses = true;
			break;
		case OPT_IDLE:
			opt->idle = true;
			break;
		case OPT_GIL:
			opt->gil = true;
			break;
		case OPT_LINES:
			opt->lines = true;
			break;
		case OPT_PYTHON_ONLY:
			opt->python_only = true;
			break;
		case OPT_NONBLOCKING:
			opt->nonblocking = true;
			opt->python_only = true; /* no stop, so no registers or stack */
			break;
		case OPT_NATIVE_ALL:
			opt->native_all = true;
			break;
		case OPT_UNWINDER:
			if (strcmp(optarg, "libdw") != 0 && strcmp(optarg, "libunwind") != 0) {
				pys_error("unknown unwinder '%s': use libdw or libunwind", optarg);
				return PARSE_USAGE;
			}
			opt->unwinder = optarg;
			break;
		case OPT_NO_INSN_UNWIND:
			opt->insn_unwind = false;
			break;
		case OPT_INSN:
			opt->insn = true;
			break;
		case OPT_NO_REALTIME:
			opt->realtime = false;
			break;
		case OPT_PLACEMENT:
			opt->placement = true;
			break;
		case OPT_OS_THREAD_NAMES:
			opt->os_thread_names = true;
			break;
		case OPT_DEBUGINFOD:
			opt->debuginfod = true;
			break;
		case OPT_STOP_BY:
			if (strcmp(optarg, "timer") != 0 && strcmp(optarg, "interrupt") != 0) {
				pys_error("invalid --stop-by '%s': use timer or interrupt", optarg);
				return PARSE_USAGE;
			}
			opt->stop_by_interrupt = strcmp(optarg, "interrupt") == 0;
			opt->stop_by_timer = !opt->stop_by_interrupt;
			break;
		case OPT_STACK_BYTES:
			if (!parse_number(optarg, 256, 64 << 20, &v)) {
				pys_error("invalid --stack-bytes '%s': give 256 to 67108864", optarg);
				return PARSE_USAGE;
			}
			opt->stack_bytes = (size_t)v & ~(size_t)7;
			break;
		case OPT_MAX_FRAMES:
			if (!parse_number(optarg, 1, 65536, &v)) {
				pys_error("invalid --max-frames '%s': give 1 to 65536", optarg);
				return PARSE_USAGE;
			}
			opt->max_frames = (unsigned)v;
			break;
		case OPT_PID_NAMESPACE:
			if (strcmp(optarg, "host") != 0 && strcmp(optarg, "target") != 0) {
				pys_error("invalid --pid-namespace '%s': use host or target", optarg);
				return PARSE_USAGE;
			}
			opt->pid_namespace_target = strcmp(optarg, "target") == 0;
			break;
		case OPT_STATS:
			opt->stats = optarg;
			break;
		case 'f':
			opt->format = writer_by_name(optarg);
			if (!opt->format) {
				pys_error("unknown format '%s': give one of %s", optarg, writer_names());
				return PARSE_USAGE;
			}
			break;
		case OPT_REVERSE:
			opt->reverse = true;
			break;
		case OPT_FULL_FILENAMES:
			opt->full_filenames = true;
			break;
		case OPT_TOP:
			if (!parse_number(optarg, 1, 100000, &v) || v != (double)(unsigned)v) {
				pys_error("invalid --top '%s': give how many functions to list, e.g. 20",
					  optarg);
				return PARSE_USAGE;
			}
			opt->top = (unsigned)v;
			break;
		case OPT_RUNTIME_BY_SCAN:
			opt->runtime_by_scan = true;
			break;
		case OPT_DUMP_LAYOUT:
			opt->dump_layout = optarg;
			break;
		case 'v':
			pys_verbose++;
			break;
		case 'q':
			opt->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return PARSE_EXIT_OK;
		case 'V':
			printf("pysample %s\n", PACKAGE_VERSION);
			return PARSE_EXIT_OK;
		default:
			fputs("Try 'pysample --help' for more information.\n", stderr);
			return PARSE_USAGE;
		}
	}
	if (optind < argc)
		opt->command = &argv[optind];
	if (opt->dump_layout)
		return PARSE_OK;
	if (opt->gil && opt->subprocesses) {
		pys_error("--gil and --subprocesses cannot be used together yet: --gil follows "
			  "one interpreter's GIL");
		return PARSE_USAGE;
	}
	if (opt->insn && opt->python_only) {
		pys_error("--insn needs the registers of a stopped thread: drop --python-only "
			  "and --nonblocking");
		return PARSE_USAGE;
	}
	if (opt->pid && opt->command) {
		pys_error("give either -p PID or a command to launch, not both");
		return PARSE_USAGE;
	}
	if (!opt->format)
		opt->format = writer_by_path(opt->output);
	if (!opt->pid && !opt->command) {
		pys_error("nothing to profile: give -p PID or a command after --");
		fputs("Try 'pysample --help' for more information.\n", stderr);
		return PARSE_USAGE;
	}
	return PARSE_OK;
}
