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
	ok(w.pages == MEM_WINDOW_PAGES, "a new window reads %u pages per refill", w.pages);

	w.pages = 1;
	ok(mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 5 * page - 8), out, 32) &&
		   memcmp(out, mem + 5 * page - 8, 32) == 0,
	   "a one-page window still serves a read that straddles two pages");

	/* Scattered reads, one per refill: the window shrinks to one page. */
	mem_window_init(&w, getpid());
	w.pages = 4;
	for (int i = 0; i < 4; i++)
		same &= mem_window_read(&w, (uint64_t)(uintptr_t)(mem + (size_t)(15 - 4 * i) * page), out, 16);
	mem_window_adapt(&w, 4);
	ok(same && w.reads == 4 && w.pages == 1, "scattered reads: the window shrinks to 1 page (%u)",
	   w.pages);

	/* A dense chain needing two refills: the window doubles. */
	mem_window_init(&w, getpid());
	w.pages = 2;
	same = true;
	for (int i = 0; i < 16; i++)
		same &= mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 12 * page - (size_t)i * 512), out, 64);
	mem_window_adapt(&w, 16);
	ok(same && w.reads == 2 && w.pages == 4, "a dense chain over two refills: the window doubles (%u)",
	   w.pages);

	/* One refill, only its top page used: the window shrinks to that. */
	mem_window_init(&w, getpid());
	w.pages = 8;
	same = mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 10 * page + 100), out, 64) &&
	       mem_window_read(&w, (uint64_t)(uintptr_t)(mem + 10 * page + 10), out, 64);
	mem_window_adapt(&w, 2);
	ok(same && w.reads == 1 && w.pages == 1, "one refill using one page: the window shrinks to 1 (%u)",
	   w.pages);

	ok(!mem_window_read(&w, 0, out, 8), "address 0 is refused");
	munmap(mem, 16 * page);
	return tap_done();
}
