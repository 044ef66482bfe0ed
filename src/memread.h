/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the target's memory with process_vm_readv (or, for a core
 * file's negative space, from the core: corefile.h).  Every read may fail:
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
 * A window on target memory for walking a frame chain: up to
 * MEM_WINDOW_PAGES whole pages, read in one syscall and served locally.
 * CPython 3.11+ keeps frames in per-thread data-stack chunks (callers below
 * callees), plus the shim frames its evaluation loops keep on the C stack;
 * 3.8-3.10 frames are heap objects.  A miss reads the pages the request
 * spans and, below them, as many as the window's run length.  The pages a
 * walk used are the hint for the next walk of the same thread: read with
 * its thread state in one syscall, a chain that has not moved costs
 * nothing more.
 */
#define MEM_WINDOW_PAGES 16
#define MEM_WINDOW_MAX_REQUESTS 4
struct mem_window {
	pid_t pid;
	unsigned held;                    /* slots in use */
	uint64_t page[MEM_WINDOW_PAGES];  /* page address held by each slot */
	unsigned victim;                  /* next slot to reuse when all are held */
	uint64_t reads;                   /* refills since init (a prefetch is not one) */
	unsigned pages;                   /* run length of a refill: adapted to the walks */
	unsigned nused;                   /* distinct pages served since init, in order */
	uint64_t used[MEM_WINDOW_PAGES];
	uint8_t buf[MEM_WINDOW_PAGES][4096];
};

/* Empties the window for a new walk (the run length learnt so far stays). */
void mem_window_init(struct mem_window *w, pid_t pid);
/*
 * After a walk of `items` reads: a run longer than needed costs time
 * (pinning, copying) at every refill.  Frames scattered over the heap
 * (3.8-3.10) want runs of one page; a contiguous chain (3.11+ data stack)
 * wants runs as long as the pages it used.
 */
void mem_window_adapt(struct mem_window *w, unsigned items);
/* Copies [addr, addr + len) (len <= one page), from the window or after
 * refilling it; false when unreadable. */
bool mem_window_read(struct mem_window *w, uint64_t addr, void *out, size_t len);
/*
 * A read that may come up short (a stack copy ends where its mapping
 * does), to go last in a syscall made for something else: `read` tells
 * whether the syscall got that far, `got` how many bytes it copied.
 */
struct mem_tail {
	uint64_t addr;
	void *buf;
	size_t len;
	size_t got;
	bool read;
};
/*
 * Reads up to MEM_WINDOW_MAX_REQUESTS small requests (a thread state, a
 * word it points to) and, in the same syscall, the `npages` pages of
 * `pages` (a hint: unreadable ones are left out) into the window, and then
 * `tail` if not NULL.  True when every request was read whole.
 */
bool mem_window_read_with(struct mem_window *w, struct mem_request *reqs, size_t nreqs,
			  const uint64_t *pages, size_t npages, struct mem_tail *tail);
/* The pages served since init, in the order first used (at most max). */
size_t mem_window_used_pages(const struct mem_window *w, uint64_t *out, size_t max);

#endif
