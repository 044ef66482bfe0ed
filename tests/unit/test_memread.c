/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory window on this process's own memory: reads that straddle
 * pages whatever the window size, and the size adapting to the walks. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memread.h"
#include "tap.h"

int main(void)
{
	const size_t page = 4096;
	uint8_t *mem = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mem_window w = { 0 };
	uint8_t out[64];
	bool same = true;

	if (mem == MAP_FAILED) {
		printf("Bail out! mmap\n");
		return 1;
	}
	for (size_t i = 0; i < 16 * page; i++)
		mem[i] = (uint8_t)(i * 7 + 3);

	mem_window_init(&w, getpid());
	ok(w.pages == MEM_WINDOW_PAGES, "a new window reads runs of %u pages", w.pages);

	w.pages = 1;
	ok(mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 5 * page - 8), out, 32) &&
		   memcmp(out, mem + 5 * page - 8, 32) == 0,
	   "a one-page window still serves a read that straddles two pages");

	/* Scattered reads, one per refill: runs shrink to one page. */
	mem_window_init(&w, getpid());
	w.pages = 4;
	for (int i = 0; i < 4; i++)
		same &= mem_window_read(&w, (uint64_t)(uintptr_t)(mem + (size_t)(15 - 4 * i) * page), out, 16);
	mem_window_adapt(&w, 4);
	ok(same && w.reads == 4 && w.pages == 1, "scattered reads: runs shrink to 1 page (%u)", w.pages);

	/* A dense chain needing two refills: runs grow to the pages it used. */
	mem_window_init(&w, getpid());
	w.pages = 2;
	same = true;
	for (int i = 0; i < 16; i++)
		same &= mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 12 * page - (size_t)i * 512), out, 64) &&
			memcmp(out, mem + 12 * page - (size_t)i * 512, 64) == 0;
	mem_window_adapt(&w, 16);
	ok(same && w.reads == 2 && w.pages == 3, "a dense chain over two refills: runs of the 3 pages "
	   "it used (%u)", w.pages);

	/* One refill, only its top page used: runs shrink to that. */
	mem_window_init(&w, getpid());
	w.pages = 8;
	same = mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 10 * page + 100), out, 64) &&
	       mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 10 * page + 10), out, 64);
	mem_window_adapt(&w, 2);
	ok(same && w.reads == 1 && w.pages == 1, "one refill using one page: runs shrink to 1 (%u)",
	   w.pages);

	ok(!mem_window_read(&w, 0, out, 8) && !mem_window_read(&w, 100, out, 8),
	   "addresses in page 0 are refused");

	/* More pages than the window holds, read twice over: every read is
	 * right, however the slots were reused. */
	mem_window_init(&w, getpid());
	w.pages = 1;
	same = true;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 16; i++) {
			size_t off = (size_t)((i * 5) % 16) * page + page - 20; /* straddles into the next page */
			if (off + 40 > 16 * page)
				off -= page;
			same &= mem_window_read(&w, (uint64_t)(uintptr_t)(mem + off), out, 40) &&
				memcmp(out, mem + off, 40) == 0;
		}
	ok(same && w.held <= MEM_WINDOW_PAGES, "32 reads over 16 pages with slots reused: all right");

	/* Requests and pages in one read: a chain that has not moved is served
	 * from the prefetched pages without a refill. */
	uint64_t word = 0, hdr[4] = { 0 }, hint[3], used[MEM_WINDOW_PAGES];
	struct mem_request reqs[2] = {
		{ (uint64_t)(uintptr_t)(mem + 3 * page + 8), hdr, sizeof(hdr), false },
		{ (uint64_t)(uintptr_t)(mem + 7 * page), &word, sizeof(word), false },
	};
	hint[0] = (uint64_t)(uintptr_t)(mem + 12 * page);
	hint[1] = (uint64_t)(uintptr_t)(mem + 2 * page);
	hint[2] = (uint64_t)(uintptr_t)(mem + 11 * page);
	mem_window_init(&w, getpid());
	same = mem_window_read_with(&w, reqs, 2, hint, 3, NULL);
	ok(same && reqs[0].ok && reqs[1].ok && memcmp(hdr, mem + 3 * page + 8, sizeof(hdr)) == 0 &&
		   memcmp(&word, mem + 7 * page, sizeof(word)) == 0,
	   "the requests are read together with the hinted pages");
	same = mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 12 * page + 200), out, 64) &&
	       memcmp(out, mem + 12 * page + 200, 64) == 0 &&
	       mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 2 * page + 100), out, 64) &&
	       memcmp(out, mem + 2 * page + 100, 64) == 0 &&
	       mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 12 * page - 16), out, 32) &&
	       memcmp(out, mem + 12 * page - 16, 32) == 0;
	ok(same && w.reads == 0, "the hinted pages, apart or adjacent, serve reads without a refill "
	   "(%llu refills)", (unsigned long long)w.reads);
	ok(mem_window_used_pages(&w, used, MEM_WINDOW_PAGES) == 3 && used[0] == hint[0] &&
		   used[1] == hint[1] && used[2] == hint[2],
	   "the pages used, in the order first used, are the next hint");
	ok(mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 9 * page), out, 8) && w.reads == 1,
	   "a read outside the hinted pages refills");

	mem_window_init(&w, getpid());
	reqs[1].addr = 8; /* unmapped */
	ok(!mem_window_read_with(&w, reqs, 2, hint, 3, NULL) && !reqs[0].ok && !reqs[1].ok &&
		   mem_window_read(&w, hint[0], out, 8) && w.reads == 1,
	   "one unreadable request fails them all, and no hinted page is kept");
	mem_window_init(&w, getpid());
	reqs[1].addr = (uint64_t)(uintptr_t)(mem + 7 * page);
	hint[1] = 4096; /* unmapped: it and the pages after it are left out */
	ok(mem_window_read_with(&w, reqs, 2, hint, 3, NULL) && reqs[0].ok && reqs[1].ok &&
		   mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 12 * page), out, 8) && w.reads == 0 &&
		   mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 11 * page), out, 8) && w.reads == 1,
	   "an unreadable hinted page leaves out only the pages from it on");

	/* A stack copy riding on the same syscall: read to where its mapping
	 * ends, and only when everything before it was read. */
	{
		static uint8_t copy[3 * 4096];
		/* Two readable pages, then one that is not. */
		uint8_t *stk = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (stk == MAP_FAILED || mprotect(stk + 2 * page, page, PROT_NONE) != 0) {
			printf("Bail out! mmap\n");
			return 1;
		}
		memset(stk, 0x5a, 2 * page);
		struct mem_tail tail = { (uint64_t)(uintptr_t)(stk + 100), copy, sizeof(copy), 0,
					 false };
		hint[1] = (uint64_t)(uintptr_t)(mem + 2 * page);
		mem_window_init(&w, getpid());
		ok(mem_window_read_with(&w, reqs, 2, hint, 3, &tail) && tail.read &&
			   tail.got == 2 * page - 100 && memcmp(copy, stk + 100, tail.got) == 0,
		   "the tail is read after the pages, up to the end of its mapping (%zu bytes)",
		   tail.got);
		tail.read = false;
		hint[1] = 4096;
		mem_window_init(&w, getpid());
		ok(mem_window_read_with(&w, reqs, 2, hint, 3, &tail) && !tail.read,
		   "an unreadable hinted page keeps the tail out: it is marked not read");
		reqs[1].addr = 8;
		mem_window_init(&w, getpid());
		ok(!mem_window_read_with(&w, reqs, 2, NULL, 0, &tail) && !tail.read,
		   "an unreadable request keeps the tail out");
		reqs[1].addr = (uint64_t)(uintptr_t)(mem + 7 * page);
		tail.addr = (uint64_t)(uintptr_t)(stk + 2 * page);
		tail.read = false;
		mem_window_init(&w, getpid());
		ok(mem_window_read_with(&w, reqs, 2, NULL, 0, &tail) && tail.read && tail.got == 0,
		   "a tail that starts unmapped is read as empty");
		munmap(stk, 3 * page);
	}
	munmap(mem, 16 * page);
	return tap_done();
}
