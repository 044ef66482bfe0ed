/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *procfs_read_file(const char *path, size_t max, size_t *len_out)
{
	size_t cap = 4096, len = 0;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;
		if (len == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

bool procfs_status_field(pid_t pid, pid_t tid, const char *key, int base,
			 unsigned long long *value)
{
	char path[64], needle[32], *text, *p;
	bool found = false;

	snprintf(needle, sizeof(needle), "\n%s", key);
	if (!pid)
		snprintf(path, sizeof(path), "/proc/self/status");
	else if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = procfs_read_file(path, 1 << 16, NULL);
	if (text && (p = strstr(text, needle)) != NULL) {
		*value = strtoull(p + strlen(needle), NULL, base);
		found = true;
	}
	free(text);
	return found;
}

char procfs_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return procfs_state_of(path);
}

char procfs_state_of(const char *path)
{
	char *text, *paren, state = 0;

	text = procfs_read_file(path, 4096, NULL);
	paren = text ? strrchr(text, ')') : NULL;
	if (paren && paren[1] == ' ')
		state = paren[2];
	free(text);
	return state;
}

pid_t procfs_parent(pid_t pid)
{
	unsigned long long ppid;

	return procfs_status_field(pid, 0, "PPid:", 10, &ppid) ? (pid_t)ppid : -1;
}

pid_t procfs_tgid(pid_t tid)
{
	unsigned long long tgid;

	return procfs_status_field(tid, 0, "Tgid:", 10, &tgid) ? (pid_t)tgid : -1;
}
