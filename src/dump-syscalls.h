/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System call numbers to names, for `pysample dump`'s "sleeping in
 * accept4": only the calls a thread is commonly found in, on the host's
 * architecture (the numbers come from <sys/syscall.h>, so each
 * architecture gets its own without a table per architecture). */
#ifndef PYSAMPLE_DUMP_SYSCALLS_H
#define PYSAMPLE_DUMP_SYSCALLS_H

/* The name of system call `nr`, or NULL for one not in the table. */
const char *dump_syscall_name(long nr);

#endif
