/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The readers that follow pointers through the target's objects (pyrepr,
 * pylocals, pydict, pythreads), over object graphs the fuzzer builds in
 * this process's own memory: the input is copied into an arena, and every
 * word whose top 16 bits are 0xfeed becomes a pointer into the arena, so
 * types, dicts, key tables, code objects and frames can point at each
 * other (and at themselves).  The readers read the arena through
 * process_vm_readv on this process, as they read a target; untagged words
 * are wild pointers, which must fail cleanly.  Whatever they find, they
 * must stop, stay in their buffers, and print valid UTF-8 on one line.
 *
 * The first 8 bytes choose the layout (3.8-3.12), the reader, and where
 * in the arena the object (and the code object, for locals) starts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pylocals.h"
#include "pythreads.h"
#include "pyversions.h"

#include "fuzz.h"

#define ARENA 65536
#define TAG 0xfeedull

static void check_text(const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	CHECK(n < len);
	CHECK(fuzz_valid_utf8_line((const unsigned char *)s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *arena;
	uint64_t sel, base, a, b, v;
	size_t n;
	const struct py_layout *l;
	struct py_repr_ctx c;

	if (size < 16)
		return 0;
	if (!arena && !(arena = aligned_alloc(4096, ARENA)))
		return 0;
	memset(arena, 0, ARENA);
	n = size - 8 < ARENA ? size - 8 : ARENA;
	memcpy(arena, data + 8, n);
	base = (uint64_t)(uintptr_t)arena;
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, arena + i, 8);
		if ((w >> 48) == TAG) {
			w = base + (w & (ARENA - 1));
			memcpy(arena + i, &w, 8);
		}
	}
	memcpy(&sel, data, 8);
	l = py_layout_for_version(3, 8 + (unsigned)(sel % 5));
	CHECK(l != NULL);
	a = base + ((sel >> 8) & 0x1fff) * 8;
	b = base + ((sel >> 24) & 0x1fff) * 8;
	py_repr_init(&c, getpid(), l);
	switch ((sel >> 4) & 3) {
	case 0: {
		char out[PY_REPR_MAX];
		py_repr(&c, a, out, sizeof(out));
		check_text(out, sizeof(out));
		break;
	}
	case 1: {
		struct py_local locals[8];
		const char *why;
		long total = py_frame_locals(&c, a, b, locals, 8, &why);
		CHECK(total >= 0 || why != NULL);
		for (long i = 0; i < total && i < 8; i++) {
			check_text(locals[i].name, sizeof(locals[i].name));
			check_text(locals[i].value, sizeof(locals[i].value));
		}
		break;
	}
	case 2: {
		char text[64];
		if (py_object_attr(&c, a, "_name", &v) && py_read_str(&c, v, text, sizeof(text)))
			check_text(text, sizeof(text));
		py_dict_get(&c, b, "threading", &v);
		py_read_u64(&c, a, &v);
		break;
	}
	case 3: {
		struct py_thread_name names[4];
		struct py_threads_cache cache = { 0 };
		size_t got = py_thread_names(&c, &cache, a, names, 4);
		CHECK(got <= 4);
		for (size_t i = 0; i < got; i++)
			check_text(names[i].name, sizeof(names[i].name));
		break;
	}
	}
	return 0;
}
