/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening the files a target names: its mapped ELF files, the debug files
 * they point to, its perf map.  pysample often runs as root beside a
 * process it does not trust, which controls the names in its maps, the
 * files under its root and its symlinks.  So every such file is opened the
 * same way:
 *
 * - the exact inode mapped, where the kernel allows it
 *   (/proc/PID/map_files/START-END: a file replaced on disk since, as by a
 *   package upgrade, or deleted, is still the one the process runs);
 * - else its path resolved inside the target's root, never out of it
 *   (openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, or a walk that
 *   resolves each symlink itself where openat2 is missing), or for a
 *   chrooted target the path as the kernel gave it;
 * - first with O_PATH, which runs no driver's open: only a regular file
 *   (and for a mapping, only the very inode mapped) is then opened for
 *   reading, O_NONBLOCK | O_NOCTTY | O_CLOEXEC.  A FIFO, a device, a
 *   directory or another file than the one mapped is refused unopened.
 */
#ifndef PYSAMPLE_TARGETFS_H
#define PYSAMPLE_TARGETFS_H

#include <sys/stat.h>

#include "procmaps.h"

/* A pid names a live process; a negative one, a core file's space
 * (corefile.h), whose files are opened under its root and checked
 * against what the core kept of them. */

/* Each returns a descriptor open for reading, or -1 with a sentence in why
 * and errno ENOENT (nothing there), EINVAL (not a regular file), ESTALE
 * (not the file mapped) or the error of the open. */

/* The file a mapping of process pid maps. */
int targetfs_open_mapped(pid_t pid, const struct map_entry *e, char *why, size_t why_len);
/* A regular file at `path` inside the root of process pid. */
int targetfs_open_in_root(pid_t pid, const char *path, char *why, size_t why_len);
/* A regular file at `path` resolved under the directory rootfd (a core
 * file's --sysroot), never out of it. */
int targetfs_open_under(int rootfd, const char *path, char *why, size_t why_len);
/* A regular file of pysample's own (a system debug directory). */
int targetfs_open_local(const char *path, char *why, size_t why_len);
/* Whether an fd's file is the one a mapping maps (device and inode). */
bool targetfs_is_mapped_file(const struct stat *st, const struct map_entry *e);

#endif
