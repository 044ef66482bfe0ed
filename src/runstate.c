/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runstate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * /proc/PID/task/TID/wchan is "0" for a thread whose state is TASK_RUNNING
 * (the same test as the stat line's 'R') and otherwise names the kernel
 * function it sleeps in: about 1 us to read for a running thread against
 * 3 us for the stat line, which formats fifty fields.  But it is "0" too
 * when the kernel cannot name the function (no kallsyms, or a restriction),
 * so it is trusted only once it has named one for a thread known to be
 * blocked; otherwise the stat line is read.
 */
static int use_wchan = -1;

struct blocked_helper {
	int fd;
	_Atomic pid_t tid;
};

static void *block_on_pipe(void *arg)
{
	struct blocked_helper *h = arg;
	char c;

	atomic_store(&h->tid, gettid());
	while (read(h->fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static bool wchan_names_sleepers(void)
{
	struct blocked_helper h = { -1, 0 };
	int fds[2];
	pthread_t helper;
	bool named = false;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	h.fd = fds[0];
	if (pthread_create(&helper, NULL, block_on_pipe, &h) == 0) {
		/* Give it up to 100 ms to start and block. */
		for (int tries = 0; tries < 100 && !named; tries++) {
			char path[64], buf[64];
			ssize_t n = 0;
			int fd;
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
			if (!atomic_load(&h.tid))
				continue;
			snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", (int)atomic_load(&h.tid));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				break;
			n = pread(fd, buf, sizeof(buf) - 1, 0);
			close(fd);
			named = n > 0 && !(n == 1 && buf[0] == '0');
		}
		if (write(fds[1], "x", 1) < 0)
			pys_debug("runstate: cannot wake the helper: %s", strerror(errno));
		pthread_join(helper, NULL);
	}
	close(fds[0]);
	close(fds[1]);
	return named;
}

int runstate_open(pid_t pid, pid_t tid)
{
	char path[64];

	if (use_wchan < 0) {
		use_wchan = wchan_names_sleepers();
		pys_debug("threads' run state read from /proc/.../%s", runstate_source());
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, runstate_source());
	return open(path, O_RDONLY | O_CLOEXEC);
}

bool runstate_running(int fd)
{
	char buf[512];
	ssize_t n;
	char *paren;

	if (fd < 0)
		return true; /* cannot tell: sample it, the stop will tell */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false; /* gone */
	if (use_wchan > 0)
		return n == 1 && buf[0] == '0';
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'R';
}

const char *runstate_source(void)
{
	return use_wchan > 0 ? "wchan" : "stat";
}
