/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Target control, the start: pysample's own signals, launching a program
 * under ptrace, attaching to a running one, and saying why either failed. */
#include "target-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidns.h"
#include "procfs.h"

#define SEIZE_OPTIONS (PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)
#define FOLLOW_OPTIONS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)

static unsigned long seize_options(const struct target *t)
{
	return SEIZE_OPTIONS | (t->follow_children ? FOLLOW_OPTIONS : 0);
}

/* Signals to pysample that it handles: SIGCHLD (the target), and those
 * that would otherwise end it on the spot and, through PTRACE_O_EXITKILL,
 * the program it launched. */
static const int handled_signals[] = { SIGCHLD, SIGINT,   SIGTERM,   SIGHUP,  SIGQUIT, SIGUSR1,
					SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU };

bool target_setup_signals(struct target *t)
{
	sigset_t set;

	/* A profile that grows past RLIMIT_FSIZE is a failed write, not the
	 * end of pysample (and of the target with it). */
	t->sigxfsz_was_ignored = signal(SIGXFSZ, SIG_IGN) == SIG_IGN;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(handled_signals); i++)
		sigaddset(&set, handled_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return false;
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return t->sigfd >= 0;
}

static bool have_cap_sys_ptrace(void)
{
	unsigned long long caps;

	/* CapEff is a hex mask; CAP_SYS_PTRACE is bit 19. */
	return procfs_status_field(0, 0, "CapEff:", 16, &caps) && ((caps >> 19) & 1);
}

static void explain_ptrace_error(pid_t pid, int err, char *out, size_t len)
{
	char comm[64] = "";

	if (procfs_kernel_thread(pid, comm, sizeof(comm))) {
		snprintf(out, len,
			 "process %d (%s) is a kernel thread: it runs no user code and cannot be "
			 "traced; give the pid of a user process",
			 (int)pid, comm);
		return;
	}
	unsigned long long tracer_pid = 0;
	int tracer = procfs_status_field(pid, 0, "TracerPid:", 10, &tracer_pid) ? (int)tracer_pid : 0;
	char state = procfs_state(pid);

	if (err == ESRCH) {
		snprintf(out, len, "no process %d: check the pid (it may have exited)", (int)pid);
	} else if (state == 'Z' || state == 'X') {
		/* The kernel answers EPERM for a process that has exited but is
		 * not reaped yet: nothing else is wrong. */
		snprintf(out, len,
			 "process %d has exited (a zombie its parent has not reaped yet): there is "
			 "nothing left to profile",
			 (int)pid);
	} else if (err == EPERM && tracer) {
		snprintf(out, len,
			 "process %d is already traced by process %d (a debugger or another "
			 "profiler): detach it first",
			 (int)pid, tracer);
	} else if (err == EPERM && have_cap_sys_ptrace()) {
		/* Privilege is not what is missing: say what else refuses it. */
		snprintf(out, len,
			 "ptrace: Operation not permitted on process %d although pysample has "
			 "CAP_SYS_PTRACE: the kernel refuses this process (it is not dumpable: "
			 "setuid, or prctl(PR_SET_DUMPABLE, 0); or it belongs to a user namespace "
			 "pysample is not privileged in, such as another container's; or Yama's "
			 "ptrace_scope is 3, or seccomp or an LSM forbids ptrace here): run "
			 "pysample in the target's own container or namespace",
			 (int)pid);
	} else if (err == EPERM) {
		snprintf(out, len,
			 "ptrace: Operation not permitted on process %d: run as root or grant "
			 "CAP_SYS_PTRACE; in a container add --cap-add SYS_PTRACE; with Yama, "
			 "/proc/sys/kernel/yama/ptrace_scope must be 0 or 1 (and 1 lets only "
			 "a parent trace)",
			 (int)pid);
	} else {
		snprintf(out, len, "ptrace(PTRACE_SEIZE, %d): %s", (int)pid, strerror(err));
	}
}

static bool seize(pid_t tid, unsigned long options)
{
	return ptrace(PTRACE_SEIZE, tid, NULL, (void *)options) == 0;
}

struct seizing {
	struct target *t;
	pid_t pid;
	bool added;
};

static bool seize_thread(pid_t tid, void *ctx)
{
	struct seizing *sz = ctx;

	if (tgt_find_thread(sz->t, tid) || (sz->t->leader_gone && tid == sz->pid))
		return true;
	if (seize(tid, seize_options(sz->t)) || errno == EPERM)
		sz->added = true;
	tgt_add_thread(sz->t, tid, sz->pid, true);
	return true;
}

/* Seizes the threads of an attached process.  Threads created meanwhile
 * are caught by TRACECLONE from a thread already seized; loop until the
 * list is stable. */
static void seize_threads(struct target *t, pid_t pid)
{
	char dir[64];
	struct seizing sz = { t, pid, true };

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	for (int pass = 0; sz.added && pass < 1000; pass++) {
		sz.added = false;
		if (!procfs_each_id(dir, seize_thread, &sz))
			break;
	}
}

static bool seize_descendant(pid_t pid, void *ctx)
{
	struct seizing *sz = ctx;
	struct target *t = sz->t;
	pid_t ppid;

	if (target_process(t, pid))
		return true;
	ppid = procfs_parent(pid);
	if (ppid <= 0 || !target_process(t, ppid) || target_process(t, ppid)->gone)
		return true;
	if (!seize(pid, seize_options(t)))
		return true;
	if (!tgt_add_process(t, pid)) {
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return true;
	}
	tgt_add_thread(t, pid, pid, true);
	seize_threads(t, pid);
	sz->added = true;
	return true;
}

/* The existing descendants of the target, parents before children; new
 * ones forked meanwhile are caught by TRACEFORK from a parent seized
 * already, so passes repeat until nothing new is found. */
static void seize_descendants(struct target *t)
{
	struct seizing sz = { t, 0, true };

	for (int pass = 0; sz.added && pass < 100; pass++) {
		sz.added = false;
		if (!procfs_each_id("/proc", seize_descendant, &sz))
			return;
	}
}

struct live_search {
	pid_t pid;
	bool live;
};

static bool thread_is_live(pid_t tid, void *ctx)
{
	struct live_search *ls = ctx;
	char path[96], state;

	if (tid == ls->pid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)ls->pid, (int)tid);
	state = procfs_state_of(path);
	ls->live = state && state != 'Z' && state != 'X';
	return !ls->live;
}

/* Whether process pid has a thread other than its leader still running
 * (the leader called pthread_exit: the process lives on). */
static bool has_live_threads(pid_t pid)
{
	char dir[64];
	struct live_search ls = { pid, false };

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	procfs_each_id(dir, thread_is_live, &ls);
	return ls.live;
}

bool target_attach(struct target *t, pid_t pid, char *err, size_t err_len)
{
	pid_t tgid = procfs_tgid(pid);

	if (pid == getpid() || tgid == getpid()) {
		snprintf(err, err_len, "process %d is pysample itself: give the pid of the process to "
				       "profile", (int)pid);
		return false;
	}
	/* A thread's id (from top -H, a log line): its process is profiled. */
	if (tgid > 0 && tgid != pid) {
		pys_warn("%d is a thread of process %d: profiling the whole process", (int)pid,
			 (int)tgid);
		pid = tgid;
	}
	t->pid = pid;
	if (seize(pid, seize_options(t))) {
		tgt_add_process(t, pid);
		tgt_add_thread(t, pid, pid, true);
	} else if (errno == EPERM && procfs_state(pid) == 'Z' && has_live_threads(pid)) {
		/* The leader called pthread_exit and is a zombie; its other
		 * threads run on, and are the process. */
		tgt_add_process(t, pid);
		t->leader_gone = true;
	} else {
		explain_ptrace_error(pid, errno, err, err_len);
		return false;
	}
	seize_threads(t, pid);
	if (t->leader_gone && t->nthreads)
		target_process(t, pid)->space = t->threads[0].tid;
	if (t->leader_gone && t->nthreads == 0) {
		snprintf(err, err_len, "process %d: none of its threads could be traced", (int)pid);
		return false;
	}
	if (t->follow_children)
		seize_descendants(t);
	return true;
}

bool target_launch(struct target *t, char *const argv[], char *err, size_t err_len)
{
	int go[2], report[2];
	pid_t child;
	sigset_t none;
	char c;
	int child_errno = 0;
	ssize_t n;

	if (pipe2(go, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
		snprintf(err, err_len, "pipe: %s", strerror(errno));
		return false;
	}
	child = fork();
	if (child < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		return false;
	}
	if (child == 0) {
		/* Wait until the parent has seized us, so the program is traced
		 * from its first instruction, then become the program.  The
		 * signal mask, SIGPIPE's disposition and the limit on open files
		 * are the user's again (an ignored SIGPIPE survives exec: `yes |
		 * head` would end in write errors instead of the signal). */
		if (!t->sigpipe_was_ignored)
			sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
		if (t->file_limit.rlim_max)
			setrlimit(RLIMIT_NOFILE, &t->file_limit);
		if (!t->sigxfsz_was_ignored)
			sigaction(SIGXFSZ, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(go[1]);
		close(report[0]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		execvp(argv[0], argv);
		child_errno = errno;
		if (write(report[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(report[1]);
	t->pid = child;
	t->launched = true;
	/* EXITKILL: if pysample dies, the program it started dies with it
	 * rather than running on untraced and unobserved. */
	if (!seize(child, seize_options(t) | PTRACE_O_EXITKILL)) {
		snprintf(err, err_len, "ptrace(PTRACE_SEIZE) of the new process: %s",
			 strerror(errno));
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return false;
	}
	tgt_add_process(t, child);
	tgt_add_thread(t, child, child, true);
	close(go[1]);
	do
		n = read(report[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		snprintf(err, err_len, "cannot run %s: %s", argv[0], strerror(child_errno));
		target_wait_child(t);
		return false;
	}
	return true;
}
