/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample dump -p PID`: attach, stop every thread once, copy, let go,
 * then unwind, name and print.
 *
 * Why not the sampler: sampler_run is a clock loop, and how many rounds
 * it makes before a duration ends depends on how late its wake-ups are;
 * a dump needs exactly one stop per thread, every thread whatever its
 * state (as --idle samples), and nothing the sampler adds for a long run
 * (timers, the queue, the processing thread, priorities).  So a dump uses
 * the pieces below it directly: one target_sample_round over every
 * thread with a stop function of its own (take_copy, the sampler's
 * take_snapshot cut down, plus the run state, system call and GIL a dump
 * reports), and processor_handle called on this thread, after the
 * detach, with a writer that keeps each record.  The unwinding, the
 * naming and the merging are the sampler's, unchanged: a dump's stack
 * reads as a sample's.
 *
 * One round is not an atomic picture: the threads are interrupted in one
 * sweep, a few at a time (TARGET_ROUND_WINDOW), and each runs again as soon as
 * its own copy is taken (tens of microseconds), so the stacks are of
 * nearly the same instant, not of exactly one.  For what a dump is for
 * (threads blocked, deadlocked, or spinning) that is the same picture,
 * and no thread stands still for much longer than its own copy: the dump
 * reports both numbers.
 */
#include "dump.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corefile.h"
#include "dump-syscalls.h"
#include "options.h"
#include "processor.h"
#include "procfs.h"
#include "procmaps.h"
#include "pycode.h"
#include "pylocals.h"
#include "pyframes.h"
#include "snapshot.h"
#include "target.h"

enum { DUMP_OK = 0, DUMP_CUT = 1, DUMP_USAGE = 2, DUMP_TARGET = 3 };

/* A dump copies more stack than a sample (64 KiB): it is taken once, and
 * a stack cut short would make the answer incomplete.  The copy ends at
 * the top of the stack's mapping, so only a deep stack costs this much. */
#define DUMP_STACK_BYTES (1u << 20)
/* A thread that has not stopped by then is reported without a stack
 * (the target's own stop timeout, 200 ms, applies first). */
#define ROUND_WAIT_NS 250000000u
/* Polling for the stops helps when they come on another CPU. */
#define STOP_SPIN_NS 100000u

struct dump {
	struct options opt; /* what the processor and the readers take */
	struct target *t;
	struct dump_result res;
	struct py_reader py;
	struct py_code_cache codes;
	bool py_ready;
	struct proc_maps maps; /* read before the round: where each stack's mapping ends */
	/* The copies, one per thread in res.threads (same index). */
	struct snapshot *snaps;
	uint8_t **stacks;
	size_t span;
	uint64_t first_asked_ns, last_done_ns;
	size_t current; /* the thread the writer's next record is for */
	bool locals;    /* --locals */
	struct py_repr_ctx repr; /* its type cache serves every thread */
	/* --core FILE [--exe PATH] [--sysroot DIR] */
	const char *core_path, *exe, *sysroot;
	struct core_file core;
};

static void dump_usage(FILE *out)
{
	fputs("Usage: pysample dump -p PID [--locals] [--json] [--reverse] [--native-all]\n"
	      "                            [--python-only]\n"
	      "       pysample dump --core FILE [--exe PATH] [--sysroot DIR] [options]\n"
	      "\n"
	      "Prints what every thread of a running process is doing right now: its stack\n"
	      "(Python frames as `File \"x.py\", line N, in func`, native ones as\n"
	      "`symbol (module)`, merged as sampling merges them), its name, whether it\n"
	      "holds the GIL, and its state (running, or sleeping in which system call).\n"
	      "Every thread is stopped once, in one sweep, for about as long as its stack\n"
	      "takes to copy (tens of microseconds), then the process runs on while the\n"
	      "copies are unwound and named.  From a core file (gcore PID, coredumpctl\n"
	      "dump), the same report of the moment the core was written.\n"
	      "\n"
	      "Options:\n"
	      "  -p, --pid=PID          the process to dump (a thread's id dumps its process)\n"
	      "      --core=FILE        dump a core file instead of a running process; the\n"
	      "                         files it maps are read where it says they were,\n"
	      "                         and used only if they match what the core kept\n"
	      "      --exe=PATH         the core's executable, if not where the core says\n"
	      "      --sysroot=DIR      look for the core's mapped files under DIR (a copy\n"
	      "                         of the machine or container it was written on)\n"
	      "      --locals           each Python frame's arguments and local variables,\n"
	      "                         read from memory while the thread is stopped (simple\n"
	      "                         values in full, up to a bound; containers by length;\n"
	      "                         nothing is called in the process)\n"
	      "      --json             write JSON (the schema is in pysample(1), DUMP)\n"
	      "      --reverse          outermost frame first; by default the innermost comes\n"
	      "                         first, as in a debugger's backtrace: what the thread\n"
	      "                         is doing, then who asked it to\n"
	      "      --native-all       keep CPython's internal frames (vectorcall, call\n"
	      "                         helpers) between two Python frames; hidden by default\n"
	      "      --python-only      Python frames only: no native unwinding\n"
	      "      --stack-bytes=N    stack bytes copied per thread (default 1048576; a\n"
	      "                         deeper stack is cut, and the dump says so)\n"
	      "      --unwinder=NAME    native unwinder: libdw (default) or libunwind\n"
	      "  -v, --verbose          say more about what pysample finds\n"
	      "  -h, --help             show this help and exit\n"
	      "\n"
	      "Exit status: 0 when every thread's stack was read whole, 1 when some stack\n"
	      "was cut (the dump says which, and why), 2 on usage errors, 3 when the process\n"
	      "cannot be attached to or the core file cannot be read.\n",
	      out);
}

enum { OPT_JSON = 256, OPT_REVERSE, OPT_NATIVE_ALL, OPT_PYTHON_ONLY, OPT_STACK_BYTES,
       OPT_UNWINDER, OPT_LOCALS, OPT_CORE, OPT_EXE, OPT_SYSROOT };

static bool parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
		       unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* -1: exit with status 0 (help); 0: usage error; 1: go on. */
static int parse_args(int argc, char **argv, struct dump *d, struct dump_print_options *po)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "core", required_argument, NULL, OPT_CORE },
		{ "exe", required_argument, NULL, OPT_EXE },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "locals", no_argument, NULL, OPT_LOCALS },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "native-all", no_argument, NULL, OPT_NATIVE_ALL },
		{ "python-only", no_argument, NULL, OPT_PYTHON_ONLY },
		{ "stack-bytes", required_argument, NULL, OPT_STACK_BYTES },
		{ "unwinder", required_argument, NULL, OPT_UNWINDER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options *opt = &d->opt;
	unsigned long long v;
	int c, before, longindex;

	memset(opt, 0, sizeof(*opt));
	memset(po, 0, sizeof(*po));
	opt->hz = 1;
	opt->idle = true;
	opt->lines = true; /* a dump names the line each frame is at */
	opt->max_frames = 4096;
	opt->unwinder = "libdw";
	opt->insn_unwind = true;
	opt->stack_bytes = DUMP_STACK_BYTES;
	optind = 1;
	for (;;) {
		before = optind;
		longindex = -1;
		c = getopt_long(argc, argv, "+p:vh", longopts, &longindex);
		if (c == -1)
			break;
		if (longindex >= 0 && !options_spelled_out(argv[before], longopts[longindex].name,
							       "pysample dump"))
			return 0;
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, 1, 4194304, &v)) {
				pys_error("invalid pid '%s': give the number of a running process", optarg);
				return 0;
			}
			opt->pid = (pid_t)v;
			break;
		case OPT_CORE:
			d->core_path = optarg;
			break;
		case OPT_EXE:
			d->exe = optarg;
			break;
		case OPT_SYSROOT:
			d->sysroot = optarg;
			break;
		case OPT_JSON:
			po->json = true;
			break;
		case OPT_REVERSE:
			po->reverse = true;
			break;
		case OPT_LOCALS:
			po->locals = true;
			break;
		case OPT_NATIVE_ALL:
			opt->native_all = true;
			break;
		case OPT_PYTHON_ONLY:
			opt->python_only = true;
			break;
		case OPT_STACK_BYTES:
			if (!parse_uint(optarg, 256, 64 << 20, &v)) {
				pys_error("invalid --stack-bytes '%s': give 256 to 67108864", optarg);
				return 0;
			}
			opt->stack_bytes = (size_t)v & ~(size_t)7;
			break;
		case OPT_UNWINDER:
			if (strcmp(optarg, "libdw") != 0 && strcmp(optarg, "libunwind") != 0) {
				pys_error("unknown unwinder '%s': use libdw or libunwind", optarg);
				return 0;
			}
			opt->unwinder = optarg;
			break;
		case 'v':
			pys_verbose++;
			break;
		case 'h':
			dump_usage(stdout);
			return -1;
		default:
			fputs("Try 'pysample dump --help' for more information.\n", stderr);
			return 0;
		}
	}
	if (optind < argc) {
		pys_error("unexpected argument '%s': dump takes -p PID or --core FILE", argv[optind]);
		return 0;
	}
	if (opt->pid && d->core_path) {
		pys_error("give -p PID or --core FILE, not both");
		return 0;
	}
	if ((d->exe || d->sysroot) && !d->core_path) {
		pys_error("--exe and --sysroot are for a core file: give --core FILE");
		return 0;
	}
	if (!opt->pid && !d->core_path) {
		pys_error("nothing to dump: give -p PID, or --core FILE");
		fputs("Try 'pysample dump --help' for more information.\n", stderr);
		return 0;
	}
	return 1;
}

static struct dump_thread *find_thread(struct dump *d, pid_t tid, size_t *index)
{
	for (size_t i = 0; i < d->res.nthreads; i++)
		if (d->res.threads[i].tid == tid) {
			*index = i;
			return &d->res.threads[i];
		}
	return NULL;
}

/* A slot for a thread; the copies' arrays grow with it. */
static struct dump_thread *add_thread(struct dump *d, pid_t tid, pid_t ns_tid, size_t *index)
{
	size_t cap = d->res.threads_cap;
	struct dump_thread *dt;

	grow_array((void **)&d->res.threads, &d->res.threads_cap, d->res.nthreads,
		   sizeof(*d->res.threads));
	if (d->res.threads_cap != cap) {
		d->snaps = xrealloc(d->snaps, d->res.threads_cap * sizeof(*d->snaps));
		d->stacks = xrealloc(d->stacks, d->res.threads_cap * sizeof(*d->stacks));
	}
	*index = d->res.nthreads++;
	dt = &d->res.threads[*index];
	memset(dt, 0, sizeof(*dt));
	memset(&d->snaps[*index], 0, sizeof(d->snaps[*index]));
	d->stacks[*index] = NULL;
	dt->tid = tid;
	dt->ns_tid = ns_tid ? ns_tid : tid;
	dt->syscall_nr = -2;
	dt->gil = -1;
	return dt;
}

/* The run state and wait channel, read while the thread still runs: in
 * the stop, /proc says 't' and ptrace_stop. */
static void read_run_state(pid_t pid, struct dump_thread *dt)
{
	char path[96];
	char *w;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)dt->tid);
	dt->state = procfs_state_of(path);
	if (dt->state == 'R' || !dt->state)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", (int)pid, (int)dt->tid);
	w = procfs_read_file(path, sizeof(dt->wchan) - 1, NULL);
	/* "0": not sleeping, or the kernel does not say. */
	if (w && strcmp(w, "0") != 0)
		snprintf(dt->wchan, sizeof(dt->wchan), "%s", w);
	free(w);
}

/* The system call a stopped thread is in: the kernel's own line ("NR
 * args... sp pc", or "-1 sp pc" in user code), read in the stop, where it
 * is stable (an interrupted call is restarted after the stop, its number
 * kept meanwhile). */
static long read_syscall(pid_t pid, pid_t tid)
{
	char path[96], *text, *end;
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	text = procfs_read_file(path, 256, NULL);
	if (!text)
		return -2;
	errno = 0;
	nr = strtol(text, &end, 10);
	if (errno || end == text || nr < -1)
		nr = -2;
	free(text);
	return nr;
}

/* While the thread is stopped: its locals are what they are at this
 * instant only. */
static void read_locals(struct dump *d, struct dump_thread *dt, const struct snapshot *snap)
{
	struct py_local shown[PY_LOCALS_SHOWN];

	if (d->repr.l != &snap->rt->layout)
		py_repr_init(&d->repr, snap->space, &snap->rt->layout);
	d->repr.pid = snap->space;
	dt->py_locals = xcalloc(snap->npy, sizeof(*dt->py_locals));
	dt->npy_locals = snap->npy;
	for (size_t k = 0; k < snap->npy; k++) {
		struct dump_locals *dl = &dt->py_locals[k];
		dl->total = py_frame_locals(&d->repr, snap->py[k].frame, snap->py[k].code, shown,
					    PY_LOCALS_SHOWN, &dl->why);
		dl->n = dl->total <= 0 ? 0
			: (size_t)dl->total < PY_LOCALS_SHOWN ? (size_t)dl->total : PY_LOCALS_SHOWN;
		if (dl->n) {
			dl->vars = xmalloc(dl->n * sizeof(*dl->vars));
			memcpy(dl->vars, shown, dl->n * sizeof(*dl->vars));
		}
	}
}

/* Where a copy's thread lives: its process, the space its memory is read
 * through (a live thread's, or a core's), and its registers (NULL: none). */
struct copy_source {
	pid_t pid, space, ns_pid;
	uint64_t exec_gen;
	const char *comm;
	const struct arch_regs *regs;
};

/* Copies one thread as a sample is copied (registers, stack, Python
 * frames), plus what a dump adds: its locals, its Python name, the GIL. */
static void copy_thread(struct dump *d, size_t i, const struct copy_source *src)
{
	struct dump_thread *dt = &d->res.threads[i];
	struct snapshot *snap = &d->snaps[i];

	snapshot_reset(snap);
	snap->pid = src->pid;
	snap->space = src->space;
	d->py.pid = src->space; /* the leader may have exited: read through a live thread */
	snap->tid = dt->tid;
	snap->ns_pid = src->ns_pid;
	snap->ns_tid = dt->ns_tid;
	snap->time_ns = now_ns();
	snap->exec_gen = src->exec_gen;
	snap->rt = d->py_ready ? d->py.published : NULL;
	snprintf(snap->comm, sizeof(snap->comm), "%s", src->comm);
	memcpy(dt->comm, snap->comm, sizeof(dt->comm));
	snap->have_regs = src->regs != NULL;
	if (src->regs)
		snap->regs = *src->regs;
	struct mem_tail stack = { 0 };
	size_t span = d->span;
	bool clipped = false;
	if (snap->have_regs && !d->opt.python_only) {
		/* The copy ends where the stack's mapping does: what lies above
		 * it (another thread's guard page, or a readable mapping that
		 * is not stack at all, copied for nothing: 600 us for 1 MiB
		 * here) is no part of this thread's stack. */
		uint64_t from = snapshot_stack_start(&snap->regs);
		const struct map_entry *m = procmaps_find(&d->maps, arch_regs_sp(&snap->regs));
		if (m && m->end > from && m->end - from < span) {
			span = m->end - from;
			clipped = true;
		}
		d->stacks[i] = xmalloc(span);
		stack = (struct mem_tail){ from, d->stacks[i], span, 0, false };
	}
	if (d->py_ready)
		py_reader_snapshot(&d->py, snap->ns_tid, snap, false, stack.buf ? &stack : NULL);
	if (d->locals && snap->rt && snap->npy)
		read_locals(d, dt, snap);
	if (stack.buf) {
		snapshot_copy_stack(snap, d->stacks[i], span, &stack);
		if (clipped)
			snap->stack_bounded = false;
	}
	dt->python = snap->py_status != PYSNAP_NO_THREAD && snap->py_status != PYSNAP_NO_RUNTIME;
	memcpy(dt->py_name, snap->py_thread_name, sizeof(dt->py_name));
	if (d->py_ready) {
		pid_t holder = py_reader_gil_holder(&d->py);
		dt->gil = holder < 0 ? -1 : holder == dt->ns_tid;
		if (d->res.gil_holder == -2)
			d->res.gil_holder = holder > 0 && d->t ? target_host_tid(d->t, holder) : holder;
	}
}

static void take_copy(void *ctx, struct target *t, struct thread *th, const struct stop *why)
{
	struct dump *d = ctx;
	struct process *p = target_process(t, th->pid);
	uint64_t start = now_ns(), asked = why->asked_ns ? why->asked_ns : start;
	struct dump_thread *dt;
	struct arch_regs regs;
	size_t i;

	if (!p || th->pid != t->pid)
		return;
	dt = find_thread(d, th->tid, &i);
	if (!dt)
		dt = add_thread(d, th->tid, th->ns_tid, &i); /* started since the round was planned */
	if (dt->taken)
		return;
	dt->taken = true;
	bool have_regs = why->cause != STOP_NONE && arch_get_regs(th->tid, &regs);
	copy_thread(d, i,
		    &(struct copy_source){ .pid = th->pid, .space = p->space,
					   .ns_pid = p->ns_pid ? p->ns_pid : th->pid,
					   .exec_gen = p->exec_gen, .comm = target_thread_comm(th),
					   .regs = have_regs ? &regs : NULL });
	dt->syscall_nr = read_syscall(p->space, th->tid);
	uint64_t end = now_ns();
	dt->stopped_ns = end - asked;
	dt->copy_ns = end - start;
	pys_debug("thread %d: stop seen %.1f us after its interrupt, copied in %.1f us", (int)th->tid,
		  (double)(why->seen_ns - asked) / 1e3, (double)(end - start) / 1e3);
	if (!d->first_asked_ns || asked < d->first_asked_ns)
		d->first_asked_ns = asked;
	if (end > d->last_done_ns)
		d->last_done_ns = end;
}

/* The writer that keeps each record: frames copied out of the processor's
 * (its strings live in caches freed with it). */
struct keep_writer {
	struct writer base;
	struct dump *d;
};

static void keep_sample(struct writer *w, const struct sample_record *r)
{
	struct dump *d = ((struct keep_writer *)w)->d;
	struct dump_thread *dt = &d->res.threads[d->current];
	size_t python = 0; /* the record's Python frames are the copy's, in order */

	for (size_t i = 0; i < r->nframes; i++) {
		const struct sample_frame *f = &r->frames[i];
		const struct dump_locals *locals = NULL;
		if (f->kind == FRAME_PYTHON && python < dt->npy_locals)
			locals = &dt->py_locals[python++];
		grow_array((void **)&dt->frames, &dt->frames_cap, dt->nframes, sizeof(*dt->frames));
		dt->frames[dt->nframes++] = (struct dump_frame){
			.kind = f->kind, .addr = f->addr, .offset = f->offset,
			.name = f->name ? xstrdup(f->name) : NULL,
			.module = f->module ? xstrdup(f->module) : NULL,
			.line = f->line, .first_line = f->first_line, .locals = locals,
		};
	}
}

static const struct writer_ops keep_ops = { .name = "dump", .sample = keep_sample };

static const char *unwind_end_why(enum unwind_end end)
{
	switch (end) {
	case UNWIND_COMPLETE: return NULL;
	case UNWIND_CUT_BY_COPY: return "native frames cut: the stack is deeper than its copy";
	case UNWIND_MAX_FRAMES: return "native frames cut: more than 4096 frames";
	case UNWIND_FAILED: return "native frames cut: unreadable stack or unwind information";
	case UNWIND_NO_CFI: return "native frames cut: code without unwind information (CFI)";
	case UNWIND_INSN_UNSURE:
		return "native frames cut: code without unwind information (CFI) the instruction "
		       "analysis could not follow";
	case UNWIND_END_COUNT: break;
	}
	return "native frames cut";
}

static const char *py_status_why(enum py_snap_status s)
{
	switch (s) {
	case PYSNAP_READ_FAILED: return "Python frames cut: the frame chain points at unreadable memory";
	case PYSNAP_CHAIN_CUT:
		return "Python frames cut: caught while the interpreter relinked its frames "
		       "(a generator resuming or yielding); dump again";
	case PYSNAP_TRUNCATED: return "Python frames cut: more than 4096 frames, or a cycle";
	case PYSNAP_TORN: return "Python frames cut: the thread moved on while read";
	default: return NULL;
	}
}

/* A thread listed before the round that exited before its stop came is
 * no part of the process any more: it leaves the dump, not as a thread
 * whose stack is missing. */
static void forget_exited(struct dump *d)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->res.nthreads; i++) {
		char task[64];
		snprintf(task, sizeof(task), "/proc/%d/task/%d", (int)d->res.pid,
			 (int)d->res.threads[i].tid);
		if (!d->res.threads[i].taken && access(task, F_OK) != 0) {
			snapshot_free(&d->snaps[i]);
			free(d->stacks[i]);
			continue;
		}
		d->res.threads[kept] = d->res.threads[i];
		d->snaps[kept] = d->snaps[i];
		d->stacks[kept] = d->stacks[i];
		kept++;
	}
	d->res.nthreads = kept;
}

/* Unwinds, names and merges each copy (the target runs already), and
 * says for each thread whether its stack is whole. */
static void process_copies(struct dump *d)
{
	struct keep_writer kw = { .base = { .ops = &keep_ops, .fd = -1 }, .d = d };
	struct processor proc;

	processor_init(&proc, &d->opt, d->res.pid, 1, &kw.base);
	for (size_t i = 0; i < d->res.nthreads; i++) {
		struct dump_thread *dt = &d->res.threads[i];
		struct snapshot *snap = &d->snaps[i];
		uint64_t ends_before = 0, ends_after = 0;

		const char *why = NULL;
		if (!dt->taken) {
			snprintf(dt->cut, sizeof(dt->cut), "%s",
				 dt->state == 'T' ? "not read: stopped by job control (SIGSTOP); continue "
						    "it (kill -CONT) and dump again"
						  : "not read: the thread did not stop in time");
			continue;
		}
		for (int e = 0; e < UNWIND_END_COUNT; e++)
			ends_before += proc.st.unwind_end[e];
		d->current = i;
		processor_handle(&proc, snap);
		for (int e = 0; e < UNWIND_END_COUNT; e++)
			ends_after += proc.st.unwind_end[e];
		if (!snap->have_regs && !d->opt.python_only)
			why = "native frames missing: its registers could not be read";
		else if (ends_after != ends_before && proc.unwound.end == UNWIND_CUT_BY_COPY)
			snprintf(dt->cut, sizeof(dt->cut),
				 "native frames cut: the stack is deeper than --stack-bytes=%zu; give "
				 "more", d->opt.stack_bytes);
		else if (ends_after != ends_before)
			why = unwind_end_why(proc.unwound.end);
		if (!why && !dt->cut[0])
			why = py_status_why(snap->py_status);
		if (why)
			snprintf(dt->cut, sizeof(dt->cut), "%s", why);
	}
	processor_free(&proc);
}

/* Main thread first, then by tid: the order of `ps -T`. */
static int thread_order(const void *a, const void *b, void *main_tid)
{
	const struct dump_thread *x = a, *y = b;
	pid_t m = *(pid_t *)main_tid;

	if ((x->tid == m) != (y->tid == m))
		return x->tid == m ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void free_dump(struct dump *d)
{
	for (size_t i = 0; i < d->res.nthreads; i++) {
		struct dump_thread *dt = &d->res.threads[i];
		for (size_t k = 0; k < dt->nframes; k++) {
			free(dt->frames[k].name);
			free(dt->frames[k].module);
		}
		free(dt->frames);
		for (size_t k = 0; k < dt->npy_locals; k++)
			free(dt->py_locals[k].vars);
		free(dt->py_locals);
		snapshot_free(&d->snaps[i]);
		free(d->stacks[i]);
	}
	free(d->res.threads);
	free(d->snaps);
	free(d->stacks);
	py_reader_free(&d->py);
	py_code_cache_free(&d->codes);
	procmaps_free(&d->maps);
	if (d->core_path)
		corefile_close(&d->core);
}

/* Finds the target's CPython and maps before any thread is copied:
 * discovery reads maps and ELF files, and the thread-state list is
 * scanned by the second prepare. */
static void find_python(struct dump *d, pid_t space, pid_t ns_pid)
{
	py_reader_init(&d->py, space, d->opt.max_frames);
	d->py.ns_pid = ns_pid;
	d->py_ready = py_reader_prepare(&d->py) && py_reader_prepare(&d->py);
	if (d->py_ready)
		d->res.python_hex = d->py.rt.version_hex;
	else
		d->res.no_python = d->py.unsupported[0] ? d->py.unsupported
							: "no initialised CPython (3.8+) runtime found";
	py_code_cache_init(&d->codes);
	if (!procmaps_read(space, &d->maps))
		memset(&d->maps, 0, sizeof(d->maps)); /* copies bounded by --stack-bytes only */
}

/* Names the Python frames while their code objects surely exist. */
static void name_python_frames(struct dump *d)
{
	for (size_t i = 0; i < d->res.nthreads; i++) {
		struct snapshot *snap = &d->snaps[i];
		if (d->res.threads[i].taken && snap->rt && snap->npy)
			py_code_name_frames(&d->codes, snap->space, &snap->rt->layout, snap->py,
					    snap->npy);
	}
}

/* Attach, one round, detach: everything that happens while the target
 * is traced.  False (with the sentence printed) when it cannot attach. */
static bool capture(struct dump *d)
{
	struct target *t = d->t;
	char err[1024];
	uint64_t start = now_ns();

	if (!target_attach(t, d->opt.pid, err, sizeof(err))) {
		pys_error("%s", err);
		return false;
	}
	d->res.pid = t->pid;
	procfs_thread_comm(t->pid, t->pid, d->res.comm, sizeof(d->res.comm));
	struct process *p = target_process(t, t->pid);
	find_python(d, p ? p->space : t->pid, p && p->ns_pid ? p->ns_pid : t->pid);
	for (size_t i = 0; i < t->nthreads; i++) {
		size_t k;
		if (t->threads[i].pid != t->pid)
			continue;
		read_run_state(t->pid, add_thread(d, t->threads[i].tid, t->threads[i].ns_tid, &k));
	}
	target_sample_round(t, true, 0, take_copy, d, now_ns() + ROUND_WAIT_NS);
	target_collect_pending(t, take_copy, d);
	/* The threads run again, but they are still the same process. */
	name_python_frames(d);
	target_detach(t);
	d->res.wall_ns = now_ns() - start;
	d->res.stop_start_ns = d->first_asked_ns;
	if (d->first_asked_ns)
		d->res.stop_span_ns = d->last_done_ns - d->first_asked_ns;
	for (size_t i = 0; i < d->res.nthreads; i++)
	{
		if (d->res.threads[i].stopped_ns > d->res.stop_max_ns)
			d->res.stop_max_ns = d->res.threads[i].stopped_ns;
		if (d->res.threads[i].copy_ns > d->res.copy_max_ns)
			d->res.copy_max_ns = d->res.threads[i].copy_ns;
	}
	return true;
}

/* The same copies from a core file: its threads' registers, and its
 * memory through the space it is attached as.  The process and thread
 * ids are the ones the core holds (the dumping side's view of them). */
static bool capture_core(struct dump *d)
{
	char err[1024];
	pid_t space;

	if (!corefile_open(&d->core, d->core_path, d->exe, d->sysroot, err, sizeof(err))) {
		pys_error("%s", err);
		return false;
	}
	space = corefile_attach(&d->core);
	d->res.core = d->core_path;
	d->res.pid = d->core.pid;
	snprintf(d->res.comm, sizeof(d->res.comm), "%s", d->core.comm);
	find_python(d, space, d->core.pid);
	for (size_t i = 0; i < d->core.nthreads; i++) {
		const struct core_thread *ct = &d->core.threads[i];
		struct dump_thread *dt;
		size_t k;
		if (find_thread(d, ct->tid, &k))
			continue; /* a core that names a thread twice */
		dt = add_thread(d, ct->tid, ct->tid, &k);
		dt->taken = true;
		/* The core names the process (its main thread), not each thread. */
		copy_thread(d, k,
			    &(struct copy_source){ .pid = d->core.pid, .space = space,
						   .ns_pid = d->core.pid,
						   .comm = ct->tid == d->core.pid ? d->core.comm : "",
						   .regs = &ct->regs });
		dt->syscall_nr = arch_regs_syscall(&ct->regs);
	}
	name_python_frames(d);
	return true;
}

/* Unwinds and names the copies, prints them, and says whether each
 * stack is whole: the exit status. */
static int report(struct dump *d, const struct dump_print_options *po)
{
	int status = DUMP_OK;

	if (d->res.gil_holder == -2)
		d->res.gil_holder = -1;
	process_copies(d);
	pid_t main_tid = d->res.pid;
	qsort_r(d->res.threads, d->res.nthreads, sizeof(*d->res.threads), thread_order, &main_tid);
	if (d->res.no_python)
		pys_warn("process %d: %s: native stacks only", (int)d->res.pid, d->res.no_python);
	if (d->core_path) {
		d->res.core_missing = d->core.missing;
		d->res.core_first_missing = d->core.first_missing;
		d->res.core_missing_why = d->core.first_missing_what;
		if (d->core.missing)
			pys_warn("the core does not hold all the memory read: %llu reads fell short, the "
				 "first at 0x%llx (%s)",
				 (unsigned long long)d->core.missing,
				 (unsigned long long)d->core.first_missing, d->core.first_missing_what);
	}
	if (!dump_print(stdout, &d->res, po)) {
		pys_error("cannot write the dump: %s", strerror(errno));
		status = DUMP_CUT;
	}
	for (size_t i = 0; i < d->res.nthreads; i++)
		if (d->res.threads[i].cut[0]) {
			pys_warn("thread %d: %s", (int)d->res.threads[i].tid, d->res.threads[i].cut);
			status = DUMP_CUT;
		}
	if (!d->core_path)
		pys_debug("dump: %zu threads, each stopped at most %.1f us (copied in at most %.1f "
			  "us), all within %.1f us; %.1f ms attached",
			  d->res.nthreads, (double)d->res.stop_max_ns / 1e3,
			  (double)d->res.copy_max_ns / 1e3, (double)d->res.stop_span_ns / 1e3,
			  (double)d->res.wall_ns / 1e6);
	return status;
}

static int dump_core(struct dump *d, const struct dump_print_options *po)
{
	int status = DUMP_TARGET;

	if (capture_core(d))
		status = report(d, po);
	free_dump(d);
	return status;
}

int dump_main(int argc, char **argv)
{
	struct dump_print_options po;
	struct target target;
	struct dump d;
	int status = DUMP_OK;

	memset(&d, 0, sizeof(d));
	switch (parse_args(argc, argv, &d, &po)) {
	case -1:
		return DUMP_OK;
	case 0:
		return DUMP_USAGE;
	}
	d.locals = po.locals;
	d.span = snapshot_stack_span(d.opt.stack_bytes);
	d.res.gil_holder = -2;
	if (d.core_path)
		return dump_core(&d, &po);
	target_init(&target, false, signal(SIGPIPE, SIG_IGN) == SIG_IGN,
		    &(struct rlimit){ 0, 0 });
	if (!target_setup_signals(&target)) {
		pys_error("cannot set up signal handling: %s", strerror(errno));
		return DUMP_TARGET;
	}
	/* Every thread is stopped by the round's interrupt: no timers. */
	target_no_timers(&target, "dump");
	target_set_polling(&target, 0, sysconf(_SC_NPROCESSORS_ONLN) > 1 ? STOP_SPIN_NS : 0);
	target_set_round_window(&target, TARGET_ROUND_WINDOW);
	d.t = &target;
	if (!capture(&d)) {
		target_free(&target);
		free_dump(&d);
		return DUMP_TARGET;
	}
	if (target.exited) {
		pys_error("process %d exited during the dump", (int)d.res.pid);
		target_free(&target);
		free_dump(&d);
		return DUMP_TARGET;
	}
	forget_exited(&d);
	status = report(&d, &po);
	target_free(&target);
	free_dump(&d);
	return status;
}
