/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the target's memory with process_vm_readv.  Every read may fail:
 * the target runs on, frees and exits, so callers check each result. */
#ifndef PYSAMPLE_MEMREAD_H
#define PYSAMPLE_MEMREAD_H

#include "common.h"

/* Reads exactly len bytes; false on any short or failed read. */
bool mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Reads up to len bytes, stopping at the first unreadable page; returns bytes read. */
size_t mem_read_partial(pid_t pid, uint64_t addr, void *buf, size_t len);
bool mem_read_u64(pid_t pid, uint64_t addr, uint64_t *out);

/* One element of a batched read. */
struct mem_request {
	uint64_t addr;
	void *buf;
	size_t len;
	bool ok; /* set by mem_read_batch */
};
/* Reads many ranges in as few syscalls as possible (IOV_MAX per call).  Each
 * request is marked ok or not; returns the number of requests that succeeded. */
size_t mem_read_batch(pid_t pid, struct mem_request *reqs, size_t n);

/*
 * A window of target memory read in one syscall and served locally: frame
 * chains that live close together (CPython 3.11+ keeps its frames in
 * per-thread data-stack chunks, callers below callees) cost one read per
 * window instead of one per frame.  A miss reads the pages holding the
 * request and those below it, stopping at the first unreadable one.
 */
#define MEM_WINDOW_PAGES 8
struct mem_window {
	pid_t pid;
	uint64_t start; /* valid bytes: [start, start + len) */
	size_t len;
	uint64_t reads;
	unsigned pages; /* read per refill: adapted to the walks (mem_window_adapt) */
	uint64_t lowest; /* lowest address served since init */
	uint8_t buf[MEM_WINDOW_PAGES * 4096];
};

/* Empties the window for a new walk (the size learnt so far stays). */
void mem_window_init(struct mem_window *w, pid_t pid);
/*
 * After a walk of `items` reads: pages copied that the walk never touched
 * cost time (pinning, copying) at every sample.  Frames scattered over the
 * heap (3.8-3.10) want single pages; a contiguous chain (3.11+ data stack)
 * wants the window as large as its span, and gets twice the size when it
 * needed more than one refill.
 */
void mem_window_adapt(struct mem_window *w, unsigned items);
/* Copies [addr, addr + len) (len <= one page), from the window or after
 * refilling it; false when unreadable. */
bool mem_window_read(struct mem_window *w, uint64_t addr, void *out, size_t len);

/* Counts syscalls made, for the summary and the benchmark. */

#endif
