/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "procfs.h"

#include <dirent.h>
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

bool procfs_kernel_thread(pid_t pid, char *comm, size_t comm_len)
{
	char path[64], *text, *open_paren, *close_paren;
	unsigned long flags = 0;
	bool kthread = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = procfs_read_file(path, 4096, NULL);
	if (!text)
		return false;
	open_paren = strchr(text, '(');
	close_paren = strrchr(text, ')');
	if (open_paren && close_paren && close_paren > open_paren &&
	    sscanf(close_paren + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1) {
		kthread = (flags & 0x00200000ul) != 0;
		snprintf(comm, comm_len, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	}
	free(text);
	return kthread;
}

bool procfs_thread_comm(pid_t pid, pid_t tid, char *out, size_t out_len)
{
	char path[64];
	size_t len = 0;
	char *text;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	text = procfs_read_file(path, 64, &len);
	if (!text)
		return false;
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	snprintf(out, out_len, "%s", text);
	free(text);
	return true;
}

bool procfs_each_id(const char *dir, bool (*fn)(pid_t id, void *ctx), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return false;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long id = strtol(de->d_name, &end, 10);
		if (id > 0 && !*end && !fn((pid_t)id, ctx))
			break;
	}
	closedir(d);
	return true;
}
