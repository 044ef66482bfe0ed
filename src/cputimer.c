/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cputimer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

/* A header page and one page of records: a record per tick, consumed at
 * every stop, so one page holds over a hundred stops' worth. */
#define RING_DATA_PAGES 1

/* Signals whose default action is to ignore them, in order of preference:
 * SIGURG is sent by almost nothing; SIGWINCH only to terminal programs. */
static const int tick_signals[] = { SIGURG, SIGWINCH };

static long perf_event_open(struct perf_event_attr *attr, pid_t tid, unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, tid, -1, -1, flags);
}

static void timer_attr(struct perf_event_attr *a, uint64_t period_ns, bool user_only)
{
	memset(a, 0, sizeof(*a));
	a->type = PERF_TYPE_SOFTWARE;
	a->size = sizeof(*a);
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	a->sample_period = period_ns;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
	/* Times on the clock pysample reads (now_ns), to say how late a stop is. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	/* Every record wakes the owner, that is sends the signal. */
	a->wakeup_events = 1;
	a->exclude_kernel = user_only;
	a->exclude_hv = 1;
}

static void explain_open_error(int err, char *why, size_t len)
{
	if (err == EACCES || err == EPERM) {
		unsigned long long paranoid = 0;
		char *text = procfs_read_file("/proc/sys/kernel/perf_event_paranoid", 64, NULL);
		if (text)
			paranoid = strtoull(text, NULL, 10);
		free(text);
		snprintf(why, len,
			 "perf events not allowed (perf_event_paranoid is %llu): run as root, grant "
			 "CAP_PERFMON, or set kernel.perf_event_paranoid to 2 or less; in a container, "
			 "a seccomp profile may forbid perf_event_open",
			 paranoid);
	} else if (err == ENOSYS || err == ENOENT || err == EOPNOTSUPP) {
		snprintf(why, len,
			 "no perf events (a kernel without CONFIG_PERF_EVENTS, or a seccomp profile "
			 "that forbids perf_event_open)");
	} else if (err == EMFILE || err == ENFILE) {
		snprintf(why, len, "perf_event_open: %s: raise the open file limit (ulimit -n)",
			 strerror(err));
	} else {
		snprintf(why, len, "perf_event_open: %s", strerror(err));
	}
}

bool cpu_timer_setup(struct cpu_timer_config *cfg, uint64_t period_ns)
{
	struct perf_event_attr a;
	int fd;

	memset(cfg, 0, sizeof(*cfg));
	/* The kernel's cpu-clock takes no period below 10 us. */
	cfg->period_ns = period_ns < 10000 ? 10000 : period_ns;
	for (int user_only = 0; user_only < 2; user_only++) {
		timer_attr(&a, cfg->period_ns, user_only);
		a.disabled = 1;
		fd = (int)perf_event_open(&a, 0, PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			cfg->available = true;
			cfg->user_only = user_only;
			return true;
		}
		/* Kernel mode may be what is refused: try user mode alone. */
		if (errno != EACCES && errno != EPERM)
			break;
	}
	explain_open_error(errno, cfg->why, sizeof(cfg->why));
	return false;
}

/*
 * The tick signal for a thread: one it does not block, preferably one its
 * process does not catch either; 0 when it blocks them all.  A thread
 * blocks every signal for moments (glibc's pthread_create does, in the
 * creating thread and in the new one until it sets its own mask), so at
 * its timer's opening its mask only orders the choice (`must_unblock`
 * false): one that stays blocked is caught later, by its missing ticks.
 */
static int choose_signal(pid_t pid, pid_t tid, bool must_unblock, int avoid)
{
	unsigned long long blocked = 0, caught = 0;
	int fallback = 0, last_resort = 0;

	/* A thread gone meanwhile fails later, at perf_event_open. */
	procfs_status_field(pid, tid, "SigBlk:", 16, &blocked);
	procfs_status_field(pid, tid, "SigCgt:", 16, &caught);
	for (size_t i = 0; i < ARRAY_SIZE(tick_signals); i++) {
		unsigned long long bit = 1ull << (tick_signals[i] - 1);
		if (tick_signals[i] == avoid)
			continue;
		if (!last_resort)
			last_resort = tick_signals[i];
		if (blocked & bit)
			continue;
		if (!(caught & bit))
			return tick_signals[i];
		if (!fallback)
			fallback = tick_signals[i];
	}
	return fallback ? fallback : must_unblock ? 0 : last_resort;
}

bool cpu_timer_open(struct cpu_timer *t, const struct cpu_timer_config *cfg, pid_t pid,
		    pid_t tid, char *why, size_t why_len)
{
	struct perf_event_attr a;
	struct f_owner_ex owner = { F_OWNER_TID, tid };
	long page = sysconf(_SC_PAGESIZE);

	memset(t, 0, sizeof(*t));
	t->fd = t->closed_fd = -1;
	if (!cfg->available) {
		snprintf(why, why_len, "%s", cfg->why);
		return false;
	}
	t->signo = choose_signal(pid, tid, false, 0);
	timer_attr(&a, cfg->period_ns, cfg->user_only);
	t->fd = (int)perf_event_open(&a, tid, PERF_FLAG_FD_CLOEXEC);
	if (t->fd < 0) {
		explain_open_error(errno, why, why_len);
		return false;
	}
	/* The signal goes to the thread itself (not to pysample, and not to
	 * whichever thread of its process the kernel would pick). */
	if (fcntl(t->fd, F_SETOWN_EX, &owner) != 0 || fcntl(t->fd, F_SETSIG, t->signo) != 0 ||
	    fcntl(t->fd, F_SETFL, O_ASYNC) != 0) {
		snprintf(why, why_len, "cannot direct thread %d's timer signal to it: %s", (int)tid,
			 strerror(errno));
		cpu_timer_close(t);
		return false;
	}
	/* Without the ring a tick still stops the thread; only its time and
	 * place are unknown. */
	t->ring_len = (size_t)page * (1 + RING_DATA_PAGES);
	t->ring = mmap(NULL, t->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->ring == MAP_FAILED) {
		pys_debug("thread %d: no record of its ticks: %s", (int)tid, strerror(errno));
		t->ring = NULL;
		t->ring_len = 0;
	}
	return true;
}

bool cpu_timer_signal_blocked(const struct cpu_timer *t, pid_t pid, pid_t tid)
{
	unsigned long long blocked = 0;

	return t->signo && procfs_status_field(pid, tid, "SigBlk:", 16, &blocked) &&
	       (blocked >> (t->signo - 1)) & 1;
}

bool cpu_timer_change_signal(struct cpu_timer *t, pid_t pid, pid_t tid)
{
	int signo = choose_signal(pid, tid, true, t->signo);

	if (!signo || fcntl(t->fd, F_SETSIG, signo) != 0)
		return false;
	t->old_signo = t->signo;
	t->signo = signo;
	return true;
}

void cpu_timer_close(struct cpu_timer *t)
{
	if (t->ring)
		munmap(t->ring, t->ring_len);
	if (t->fd >= 0) {
		close(t->fd);
		t->closed_fd = t->fd;
	}
	t->ring = NULL;
	t->ring_len = 0;
	t->fd = -1;
}

bool cpu_timer_is_tick(const struct cpu_timer *t, const siginfo_t *si)
{
	/* POLL_IN with pysample's fd: sent by the kernel for that file's
	 * readiness, which no process can forge for another (si_code > 0). */
	return t->signo && (si->si_signo == t->signo || si->si_signo == t->old_signo) &&
	       si->si_code == POLL_IN &&
	       ((t->fd >= 0 && si->si_fd == t->fd) || (t->fd < 0 && si->si_fd == t->closed_fd));
}

/* Copies len bytes at ring offset `at`, wrapping around the data area. */
static void ring_copy(const uint8_t *data, uint64_t size, uint64_t at, void *out, size_t len)
{
	size_t first = (size_t)(size - at % size);

	if (first >= len) {
		memcpy(out, data + at % size, len);
	} else {
		memcpy(out, data + at % size, first);
		memcpy((uint8_t *)out + first, data, len - first);
	}
}

bool cpu_timer_last_tick(struct cpu_timer *t, struct cpu_tick *out)
{
	struct perf_event_mmap_page *pg = t->ring;
	const uint8_t *data;
	uint64_t head, tail, size;
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (!pg)
		return false;
	size = pg->data_size ? pg->data_size : t->ring_len - (size_t)sysconf(_SC_PAGESIZE);
	data = (const uint8_t *)pg + (pg->data_offset ? pg->data_offset : t->ring_len - size);
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	/* The kernel never writes over records not consumed: at most `size`
	 * bytes wait.  Anything else means the page is not what it seems. */
	if (head - tail > size)
		tail = head;
	while (tail < head) {
		struct perf_event_header h;
		uint64_t rec[3];
		ring_copy(data, size, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail)
			break;
		if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + sizeof(rec)) {
			/* ip, time, then cpu and a reserved word: sample_type's order. */
			ring_copy(data, size, tail + sizeof(h), rec, sizeof(rec));
			out->ip = rec[0];
			out->time_ns = rec[1];
			out->cpu = (uint32_t)rec[2];
			found = true;
		} else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
			uint64_t lost[2]; /* id, count */
			ring_copy(data, size, tail + sizeof(h), lost, sizeof(lost));
			out->lost += lost[1];
		}
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, head, __ATOMIC_RELEASE);
	return found;
}

uint64_t cpu_timer_cpu_ns(const struct cpu_timer *t)
{
	uint64_t count = 0;

	if (t->fd < 0 || read(t->fd, &count, sizeof(count)) != (ssize_t)sizeof(count))
		return 0;
	return count;
}
