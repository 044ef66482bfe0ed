/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "memread.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>


static ssize_t readv_once(pid_t pid, const struct iovec *local, const struct iovec *remote,
			  unsigned long n)
{
	ssize_t r;
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

void mem_window_init(struct mem_window *w, pid_t pid)
{
	w->pid = pid;
	w->start = w->len = 0;
	w->reads = 0;
	w->lowest = UINT64_MAX;
	if (!w->pages || w->pages > MEM_WINDOW_PAGES)
		w->pages = MEM_WINDOW_PAGES;
}

void mem_window_adapt(struct mem_window *w, unsigned items)
{
	if (w->reads >= 2 && items < 2 * w->reads) {
		w->pages = 1; /* about one item per refill: scattered */
	} else if (w->reads >= 2) {
		w->pages = w->pages * 2 > MEM_WINDOW_PAGES ? MEM_WINDOW_PAGES : w->pages * 2;
	} else if (w->reads == 1 && w->len && w->lowest >= w->start) {
		uint64_t used = (w->start + w->len - (w->lowest & ~(uint64_t)4095)) / 4096;
		w->pages = used < 1 ? 1 : used > MEM_WINDOW_PAGES ? MEM_WINDOW_PAGES : (unsigned)used;
	}
}

bool mem_window_read(struct mem_window *w, uint64_t addr, void *out, size_t len)
{
	const uint64_t page = 4096;
	struct iovec local[MEM_WINDOW_PAGES], remote[MEM_WINDOW_PAGES];
	uint64_t top, low;
	ssize_t got;
	size_t npages;

	if (len > page || addr == 0 || addr + len < addr)
		return false;
	if (addr >= w->start && addr + len <= w->start + w->len) {
		memcpy(out, w->buf + (addr - w->start), len);
		if (addr < w->lowest)
			w->lowest = addr;
		return true;
	}
	/* The page holding the end of the request first, then downwards:
	 * remote ranges need not ascend, and the transfer stops at the first
	 * failing one, so whatever comes back is contiguous from the top. */
	top = (addr + len - 1) & ~(page - 1);
	npages = w->pages ? w->pages : 1;
	/* At least the pages the request itself spans. */
	if (npages < (top - (addr & ~(page - 1))) / page + 1)
		npages = (size_t)((top - (addr & ~(page - 1))) / page) + 1;
	if (npages > MEM_WINDOW_PAGES)
		npages = MEM_WINDOW_PAGES;
	if (top < (npages - 1) * page)
		npages = (size_t)(top / page) + 1;
	low = top - (npages - 1) * page;
	for (size_t i = 0; i < npages; i++) {
		uint64_t at = top - i * page;
		remote[i].iov_base = (void *)(uintptr_t)at;
		remote[i].iov_len = page;
		local[i].iov_base = w->buf + (at - low);
		local[i].iov_len = page;
	}
	w->reads++;
	do
		got = process_vm_readv(w->pid, local, npages, remote, npages, 0);
	while (got < 0 && errno == EINTR);
	w->len = 0;
	if (got <= 0)
		return false;
	{
		size_t full = (size_t)got / page; /* whole pages, from the top down */
		if (!full)
			return false;
		w->start = top - (full - 1) * page;
		w->len = full * page;
		/* The window's bytes sit in buf at (address - low). */
		memmove(w->buf, w->buf + (w->start - low), w->len);
	}
	if (addr < w->start)
		return false;
	memcpy(out, w->buf + (addr - w->start), len);
	if (addr < w->lowest)
		w->lowest = addr;
	return true;
}
