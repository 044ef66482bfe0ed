/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A core file (`gcore`, a kernel core dump, `coredumpctl dump`) as a
 * target that no longer runs: its threads' registers, its mappings and its
 * memory, read through the same interfaces as a live process's, so that
 * the readers above (Python frames, locals, the unwinders, discovery) run
 * on it unchanged.
 *
 * A core's memory is named by a "space" in place of a pid: the negative
 * number corefile_attach returns.  memread, procmaps and targetfs serve a
 * space from its core: a read comes from the core's own bytes, or, for a
 * file mapping the core left out (program text, by the default
 * coredump_filter), from that file, opened under the core's root (--sysroot,
 * "/" by default) and used only when it holds the bytes the core kept of it
 * (its first page, where the core has it).  A read of memory the core does
 * not hold fails, as a read of unmapped memory would, and is counted:
 * missing memory is said, never guessed.
 *
 * The core is as untrusted as a live target: every size, count and offset
 * in it is checked against the file before use (fuzz/fuzz_corefile.c).
 */
#ifndef PYSAMPLE_COREFILE_H
#define PYSAMPLE_COREFILE_H

#include <sys/uio.h>

#include "arch.h"
#include "common.h"
#include "procmaps.h"

struct core_thread {
	pid_t tid;   /* as the dumping kernel or debugger saw it */
	int signal;  /* the signal it was stopped or killed by (0: none) */
	struct arch_regs regs;
};

struct core_segment {
	uint64_t vaddr, memsz; /* the mapping */
	uint64_t offset, filesz; /* its first filesz bytes, at offset in the core */
	bool readable, writable, executable;
	int file; /* index into files (NT_FILE), -1: anonymous */
};

struct core_mapped_file {
	uint64_t start, end, offset; /* offset in bytes */
	char *path;
	int fd;   /* -1: not opened yet */
	bool bad; /* could not be opened, or is not the file mapped */
};

struct core_file {
	int fd;                       /* the core; -1 for an image in memory */
	const uint8_t *image;         /* or its bytes (the fuzzer's) */
	uint64_t size;
	int root_fd;                  /* where the mapped files are opened */
	pid_t pid;                    /* the process, as the core says (0: unknown) */
	char comm[17];                /* its name (NT_PRPSINFO) */
	char args[81];                /* the start of its command line */
	uint64_t entry, vdso;         /* AT_ENTRY, AT_SYSINFO_EHDR (0: unknown) */
	char *exe;                    /* the executable's path (--exe, or its mapping's) */
	struct core_thread *threads;  /* in the core's order */
	size_t nthreads;
	struct core_segment *segs;    /* sorted by vaddr, not overlapping */
	size_t nsegs;
	struct core_mapped_file *files;
	size_t nfiles;
	/* Reads that fell on memory the core does not hold: how many, and
	 * the first such address with what it was (for the report). */
	uint64_t missing, first_missing;
	char first_missing_what[600];
};

/*
 * Opens a core file: false with a sentence in why when it is no core of
 * this architecture or cannot be read.  `exe` (NULL: the core's own) names
 * the executable; `sysroot` (NULL: "/") is where the files it maps are
 * found.
 */
bool corefile_open(struct core_file *c, const char *path, const char *exe, const char *sysroot,
		   char *why, size_t why_len);
/* The same from bytes in memory (the fuzzer); no file is opened for it. */
bool corefile_open_image(struct core_file *c, const uint8_t *image, size_t size, char *why,
			 size_t why_len);
void corefile_close(struct core_file *c);

/* Makes the core readable as a space (one at a time); returns it. */
pid_t corefile_attach(struct core_file *c);
void corefile_detach(struct core_file *c);
static inline bool corefile_space(pid_t space) { return space < 0; }

/* For memread: process_vm_readv's contract (bytes copied up to the first
 * that cannot be read; -1 with EFAULT when none), from the core. */
ssize_t corefile_readv(pid_t space, const struct iovec *local, const struct iovec *remote,
		       unsigned long n);
/* For procmaps: the mappings, as /proc/PID/maps would list them. */
bool corefile_maps(pid_t space, struct proc_maps *out);
/* For targetfs: the file a mapping maps, checked against what the core
 * kept of it; or a file by path under the core's root.  -1 with why. */
int corefile_open_mapped(pid_t space, const struct map_entry *e, char *why, size_t why_len);
int corefile_root(pid_t space);
/* The executable's path ("" unknown). */
const char *corefile_exe(pid_t space);

#endif
