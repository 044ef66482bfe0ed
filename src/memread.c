/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "memread.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>

#include "corefile.h"


static ssize_t readv_once(pid_t pid, const struct iovec *local, const struct iovec *remote,
			  unsigned long n)
{
	ssize_t r;

	if (corefile_space(pid))
		return corefile_readv(pid, local, remote, n);
	do {
		r = process_vm_readv(pid, local, n, remote, n, 0);
	} while (r < 0 && errno == EINTR);
	return r;
}

bool mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (len == 0)
		return true;
	if (addr == 0 || addr + len < addr)
		return false;
	return readv_once(pid, &local, &remote, 1) == (ssize_t)len;
}

size_t mem_read_partial(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t r;

	if (len == 0 || addr == 0 || addr + len < addr)
		return 0;
	/* process_vm_readv stops at the first fault and reports what it copied. */
	r = readv_once(pid, &local, &remote, 1);
	return r > 0 ? (size_t)r : 0;
}

bool mem_read_u64(pid_t pid, uint64_t addr, uint64_t *out)
{
	return mem_read(pid, addr, out, sizeof(*out));
}

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

size_t mem_read_batch(pid_t pid, struct mem_request *reqs, size_t n)
{
	struct iovec local[64], remote[64];
	size_t done = 0, good = 0;

	/* A batch is cut at the first failing request (process_vm_readv stops
	 * there); the rest is retried in a new batch so one bad pointer does
	 * not lose the others. */
	while (done < n) {
		size_t k = 0, total = 0;
		ssize_t r;

		while (done + k < n && k < ARRAY_SIZE(local)) {
			struct mem_request *q = &reqs[done + k];
			local[k].iov_base = q->buf;
			local[k].iov_len = q->len;
			remote[k].iov_base = (void *)(uintptr_t)q->addr;
			remote[k].iov_len = q->len;
			total += q->len;
			k++;
		}
		r = readv_once(pid, local, remote, k);
		if (r == (ssize_t)total) {
			for (size_t i = 0; i < k; i++)
				reqs[done + i].ok = true;
			good += k;
			done += k;
			continue;
		}
		/* Mark the requests fully covered by the partial result. */
		size_t covered = r > 0 ? (size_t)r : 0, i = 0;
		while (i < k && reqs[done + i].len <= covered) {
			covered -= reqs[done + i].len;
			reqs[done + i].ok = true;
			good++;
			i++;
		}
		if (i < k) {
			reqs[done + i].ok = reqs[done + i].len == 0;
			good += reqs[done + i].ok;
			i++;
		}
		done += i;
	}
	return good;
}

#define PAGE 4096u

void mem_window_init(struct mem_window *w, pid_t pid)
{
	w->pid = pid;
	w->held = 0;
	w->victim = 0;
	w->reads = 0;
	w->nused = 0;
	if (!w->pages || w->pages > MEM_WINDOW_PAGES)
		w->pages = MEM_WINDOW_PAGES;
}

void mem_window_adapt(struct mem_window *w, unsigned items)
{
	if (!w->reads)
		return; /* all served by the prefetch: nothing learnt */
	if (items < 2 * w->reads)
		w->pages = 1; /* about one item per refill: scattered */
	else
		w->pages = w->nused < 1 ? 1 : w->nused;
}

static int slot_of(const struct mem_window *w, uint64_t page)
{
	for (unsigned i = 0; i < w->held; i++)
		if (w->page[i] == page)
			return (int)i;
	return -1;
}

/* A slot for a new page, never one holding a page in [keep_lo, keep_hi]. */
static unsigned take_slot(struct mem_window *w, uint64_t keep_lo, uint64_t keep_hi)
{
	unsigned s;

	for (s = 0; s < w->held; s++)
		if (!w->page[s])
			return s; /* left free by a failed read */
	if (w->held < MEM_WINDOW_PAGES) {
		w->page[w->held] = 0;
		return w->held++;
	}
	for (unsigned tries = 0;; tries++) {
		s = w->victim;
		w->victim = (w->victim + 1) % MEM_WINDOW_PAGES;
		if (tries >= MEM_WINDOW_PAGES || w->page[s] < keep_lo || w->page[s] > keep_hi)
			break;
	}
	w->page[s] = 0;
	return s;
}

/*
 * One process_vm_readv: the requests, then the pages (not held yet) in the
 * order given, then the tail.  The transfer stops at the first unreadable
 * range, so pages after a failing one stay out, and so does the tail.
 * True when every request was read whole.
 */
static bool fill(struct mem_window *w, struct mem_request *reqs, size_t nreqs,
		 const uint64_t *pages, size_t npages, uint64_t keep_lo, uint64_t keep_hi,
		 struct mem_tail *tail)
{
	struct iovec local[MEM_WINDOW_MAX_REQUESTS + MEM_WINDOW_PAGES + 1];
	struct iovec remote[MEM_WINDOW_MAX_REQUESTS + MEM_WINDOW_PAGES + 1];
	unsigned slot[MEM_WINDOW_PAGES];
	size_t n = 0, wanted = 0, nslots = 0;
	ssize_t got;

	if (nreqs > MEM_WINDOW_MAX_REQUESTS)
		return false;
	for (size_t i = 0; i < nreqs; i++, n++) {
		local[n].iov_base = reqs[i].buf;
		remote[n].iov_base = (void *)(uintptr_t)reqs[i].addr;
		local[n].iov_len = remote[n].iov_len = reqs[i].len;
		wanted += reqs[i].len;
		reqs[i].ok = false;
	}
	for (size_t i = 0; i < npages && nslots < MEM_WINDOW_PAGES; i++) {
		bool dup = pages[i] == 0 || slot_of(w, pages[i]) >= 0;
		for (size_t j = 0; j < nslots && !dup; j++)
			dup = w->page[slot[j]] == pages[i];
		if (dup)
			continue;
		slot[nslots] = take_slot(w, keep_lo, keep_hi);
		/* Claimed now so that a later duplicate is seen; valid after the read. */
		w->page[slot[nslots]] = pages[i];
		local[n].iov_base = w->buf[slot[nslots]];
		remote[n].iov_base = (void *)(uintptr_t)pages[i];
		local[n].iov_len = remote[n].iov_len = PAGE;
		n++, nslots++;
	}
	bool with_tail = tail && tail->len && !tail->read;
	if (with_tail) {
		local[n].iov_base = tail->buf;
		remote[n].iov_base = (void *)(uintptr_t)tail->addr;
		local[n].iov_len = remote[n].iov_len = tail->len;
		n++;
	}
	if (!n)
		return true;
	got = readv_once(w->pid, local, remote, n);
	if (got < (ssize_t)wanted) {
		for (size_t j = 0; j < nslots; j++)
			w->page[slot[j]] = 0;
		return false;
	}
	for (size_t i = 0; i < nreqs; i++)
		reqs[i].ok = true;
	got -= (ssize_t)wanted;
	for (size_t j = 0; j < nslots; j++, got -= PAGE)
		if (got < (ssize_t)PAGE)
			w->page[slot[j]] = 0; /* not read: the slot is free to reuse */
	/* Every page went in (got did not go below zero): the transfer
	 * reached the tail. */
	if (with_tail && got >= 0) {
		tail->read = true;
		tail->got = (size_t)got;
	}
	return true;
}

bool mem_window_read_with(struct mem_window *w, struct mem_request *reqs, size_t nreqs,
			  const uint64_t *pages, size_t npages, struct mem_tail *tail)
{
	return fill(w, reqs, nreqs, pages, npages, 1, 0, tail);
}

size_t mem_window_used_pages(const struct mem_window *w, uint64_t *out, size_t max)
{
	size_t n = w->nused < max ? w->nused : max;

	memcpy(out, w->used, n * sizeof(*out));
	return n;
}

static void note_use(struct mem_window *w, uint64_t page)
{
	for (unsigned i = 0; i < w->nused; i++)
		if (w->used[i] == page)
			return;
	if (w->nused < MEM_WINDOW_PAGES)
		w->used[w->nused++] = page;
}

bool mem_window_read(struct mem_window *w, uint64_t addr, void *out, size_t len)
{
	uint64_t first, last, want[MEM_WINDOW_PAGES];
	size_t nwant = 0;
	bool missing = false;

	if (len == 0 || len > PAGE || addr < PAGE || addr + len < addr)
		return false;
	first = addr & ~(uint64_t)(PAGE - 1);
	last = (addr + len - 1) & ~(uint64_t)(PAGE - 1);
	missing = slot_of(w, first) < 0 || slot_of(w, last) < 0;
	if (missing) {
		/* The request's pages, the end first, then the run below. */
		want[nwant++] = last;
		if (first != last)
			want[nwant++] = first;
		for (uint64_t p = first; nwant < w->pages && p >= PAGE; nwant++) {
			p -= PAGE;
			want[nwant] = p;
		}
		w->reads++;
		fill(w, NULL, 0, want, nwant, first, last, NULL);
	}
	for (uint64_t p = first, done = 0; p <= last; p += PAGE) {
		int s = slot_of(w, p);
		uint64_t from = p > addr ? p : addr, to = p + PAGE < addr + len ? p + PAGE : addr + len;
		if (s < 0)
			return false;
		memcpy((uint8_t *)out + done, w->buf[s] + (from - p), (size_t)(to - from));
		done += to - from;
		note_use(w, p);
		if (p == last)
			break;
	}
	return true;
}
