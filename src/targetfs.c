/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "targetfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "corefile.h"

#define READ_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
#define MAX_SYMLINKS 40 /* as the kernel's own bound */

/* Whether /proc/PID/map_files may be followed (CAP_CHECKPOINT_RESTORE or
 * CAP_SYS_ADMIN): -1 not known yet. */
static int map_files_allowed = -1;
/* openat2(2) is missing (before Linux 5.6), or the tests ask for the walk. */
static int no_openat2 = -1;

bool targetfs_is_mapped_file(const struct stat *st, const struct map_entry *e)
{
	return (uint64_t)st->st_ino == e->inode && major(st->st_dev) == e->dev_major &&
	       minor(st->st_dev) == e->dev_minor;
}

/* Turns an O_PATH descriptor into one open for reading, if it is a
 * regular file (and the one `e` maps, when given); closes `pathfd`.  An
 * O_PATH open runs no driver's open, so nothing that is not a regular
 * file was ever opened. */
static int reopen_regular(int pathfd, const struct map_entry *e, char *why, size_t why_len)
{
	struct stat st;
	char self[64];
	int fd;

	if (fstat(pathfd, &st) != 0) {
		snprintf(why, why_len, "stat: %s", strerror(errno));
		close(pathfd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "not a regular file");
		close(pathfd);
		errno = EINVAL;
		return -1;
	}
	if (e && !targetfs_is_mapped_file(&st, e)) {
		snprintf(why, why_len, "not the file mapped (replaced since it was mapped)");
		close(pathfd);
		errno = ESTALE;
		return -1;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pathfd);
	fd = open(self, READ_FLAGS);
	if (fd < 0)
		snprintf(why, why_len, "open: %s", strerror(errno));
	close(pathfd);
	return fd;
}

/* Resolves `path` component by component under `rootfd`, reading each
 * symlink and resolving it there too (an absolute one from rootfd, ".."
 * never above it): for kernels without openat2.  Returns an O_PATH fd. */
static int walk_in_root(int rootfd, const char *path, char *why, size_t why_len)
{
	char pending[2 * PATH_MAX], rest[2 * PATH_MAX], name[NAME_MAX + 1], link[PATH_MAX];
	struct stat root_st, st;
	unsigned links = 0;
	const char *p;
	int cur;

	if (strlen(path) >= sizeof(pending) || fstat(rootfd, &root_st) != 0) {
		snprintf(why, why_len, "path too long");
		return -1;
	}
	snprintf(pending, sizeof(pending), "%s", path);
	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	p = pending;
	while (cur >= 0) {
		size_t n;
		int next;

		while (*p == '/')
			p++;
		if (!*p)
			return cur;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			snprintf(why, why_len, "a name too long");
			break;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			/* Never above the root: ".." there is the root itself. */
			if (fstat(cur, &st) == 0 && st.st_dev == root_st.st_dev &&
			    st.st_ino == root_st.st_ino)
				continue;
			next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
			close(cur);
			cur = next;
			continue;
		}
		next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 || fstat(next, &st) != 0) {
			snprintf(why, why_len, "%s", strerror(errno));
			if (next >= 0)
				close(next);
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			close(cur);
			cur = next;
			continue;
		}
		/* A symlink: its text goes in front of what is left. */
		ssize_t got = readlinkat(next, "", link, sizeof(link) - 1);
		close(next);
		if (++links > MAX_SYMLINKS || got <= 0 || (size_t)got >= sizeof(link) - 1 ||
		    (size_t)got + 1 + strlen(p) >= sizeof(rest)) {
			snprintf(why, why_len, "%s", links > MAX_SYMLINKS ? strerror(ELOOP) : "bad symlink");
			break;
		}
		link[got] = '\0';
		snprintf(rest, sizeof(rest), "%s/%s", link, p);
		memcpy(pending, rest, strlen(rest) + 1);
		p = pending;
		if (link[0] == '/') {
			close(cur);
			cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		}
	}
	if (cur >= 0)
		close(cur);
	else if (!why[0])
		snprintf(why, why_len, "%s", strerror(errno));
	return -1;
}

/* An O_PATH fd for `path` resolved inside `rootfd`, or -1. */
static int open_path_in_root(int rootfd, const char *path, char *why, size_t why_len)
{
	if (no_openat2 < 0)
		no_openat2 = getenv("PYSAMPLE_TEST_NO_OPENAT2") != NULL;
	why[0] = '\0';
	if (!no_openat2) {
		struct open_how how = {
			.flags = O_PATH | O_CLOEXEC,
			/* Every "/" and ".." stays inside the root; a /proc
			 * magic link (the target's own /proc/self/root) could
			 * lead anywhere and is refused. */
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS) {
			snprintf(why, why_len, "%s", strerror(errno));
			return -1;
		}
		no_openat2 = 1;
	}
	return walk_in_root(rootfd, path, why, why_len);
}

int targetfs_open_under(int rootfd, const char *path, char *why, size_t why_len)
{
	int pathfd = open_path_in_root(rootfd, path, why, why_len);

	return pathfd < 0 ? -1 : reopen_regular(pathfd, NULL, why, why_len);
}

int targetfs_open_in_root(pid_t pid, const char *path, char *why, size_t why_len)
{
	char root[64];
	int rootfd, pathfd;

	if (corefile_space(pid))
		return targetfs_open_under(corefile_root(pid), path, why, why_len);
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(why, why_len, "cannot open the root of process %d: %s", (int)pid,
			 strerror(errno));
		return -1;
	}
	pathfd = open_path_in_root(rootfd, path, why, why_len);
	close(rootfd);
	return pathfd < 0 ? -1 : reopen_regular(pathfd, NULL, why, why_len);
}

int targetfs_open_local(const char *path, char *why, size_t why_len)
{
	int pathfd = open(path, O_PATH | O_CLOEXEC);

	if (pathfd < 0) {
		snprintf(why, why_len, "%s", strerror(errno));
		return -1;
	}
	return reopen_regular(pathfd, NULL, why, why_len);
}

int targetfs_open_mapped(pid_t pid, const struct map_entry *e, char *why, size_t why_len)
{
	char path[128], root[64], reason[256] = "";
	int pathfd, fd, rootfd;

	if (e->path[0] != '/') {
		snprintf(why, why_len, "not a file");
		return -1;
	}
	if (corefile_space(pid))
		return corefile_open_mapped(pid, e, why, why_len);
	/* The very inode mapped, whatever its name says now. */
	if (map_files_allowed != 0) {
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
			 (unsigned long long)e->start, (unsigned long long)e->end);
		pathfd = open(path, O_PATH | O_CLOEXEC);
		if (pathfd >= 0) {
			map_files_allowed = 1;
			return reopen_regular(pathfd, e, why, why_len);
		}
		if (errno == EPERM || errno == EACCES)
			map_files_allowed = 0;
	}
	/* Its path inside the target's root (another mount namespace, a
	 * container), then as the kernel wrote it, which for a chrooted
	 * target is relative to pysample's own root: whichever leads to the
	 * inode mapped. */
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0) {
		pathfd = open_path_in_root(rootfd, e->path, reason, sizeof(reason));
		close(rootfd);
		if (pathfd >= 0 && (fd = reopen_regular(pathfd, e, reason, sizeof(reason))) >= 0)
			return fd;
	}
	pathfd = open(e->path, O_PATH | O_CLOEXEC);
	if (pathfd >= 0 && (fd = reopen_regular(pathfd, e, why, why_len)) >= 0)
		return fd;
	if (e->deleted || strstr(reason, "replaced"))
		snprintf(why, why_len,
			 "%s was deleted or replaced since it was mapped (a package upgrade?): only "
			 "root or CAP_CHECKPOINT_RESTORE can read the one mapped",
			 e->path);
	else
		snprintf(why, why_len, "%s: %s", e->path, reason[0] ? reason : "cannot open");
	return -1;
}
