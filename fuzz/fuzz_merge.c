/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Merging the native and the Python stack.  Both come from a running
 * target sampled without stopping the world for long: the unwind may stop
 * early, frames may be pushed or popped between the two reads, symbols may
 * be missing.  The merge must never write more than nnative + npy frames
 * (the caller sizes the array so) and, as merge.h promises, the sample
 * comes out whole: every Python frame once, in order; a native frame
 * dropped only when it is a paired eval frame or CPython's plumbing.
 *
 * Input: byte 0 holds flags, bytes 1 and 2 the frame counts; then one byte
 * per native frame (symbol, module, exact), one byte per Python frame
 * (PYF_ENTRY); whatever follows is a free-form symbol name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"

#include "fuzz.h"

#define MAX_FRAMES 64
#define RUNTIME "/usr/lib/libpython3.12.so.1.0"

static uint8_t byte_at(const uint8_t *data, size_t size, size_t *pos)
{
	return *pos < size ? data[(*pos)++] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Names that steer the merge: eval loops (and their gcc clones and the
	 * 3.14 tail-call handlers), call plumbing, and ordinary functions.
	 * Slot 15 is the free-form name. */
	static const char *const names[16] = {
		NULL,
		"_PyEval_EvalFrameDefault",
		"_PyEval_EvalFrameDefault.cold",
		"_PyEval_EvalFrameDefaultX",
		"_TAIL_CALL_LOAD_FAST",
		"_PyEval_Vector",
		"_PyFunction_Vectorcall",
		"PyObject_Call",
		"cfunction_vectorcall_O",
		"method_vectorcall_NOARGS",
		"list_sort_impl",
		"main",
		"__libc_start_main",
		"_Py_call_",
		"",
		NULL,
	};
	static const char *const modules[4] = { NULL, RUNTIME, "/usr/bin/python3.12",
					  "/usr/lib/x86_64-linux-gnu/libc.so.6" };
	struct native_frame *native;
	struct symbol *syms;
	struct py_frame_ref *py;
	struct merged_frame *out;
	struct merge_input in;
	size_t pos = 0, nnative, npy, n, total;
	uint8_t flags;
	char *free_name = NULL;
	size_t free_pos, nevals = 0, ngroups = 0, dropped_evals = 0;
	bool mismatch;
	bool *seen_native;
	size_t next_py = 0;
	long last_native = -1;

	flags = byte_at(data, size, &pos);
	nnative = byte_at(data, size, &pos) % (MAX_FRAMES + 1);
	npy = byte_at(data, size, &pos) % (MAX_FRAMES + 1);
	total = nnative + npy;

	native = calloc(nnative ? nnative : 1, sizeof(*native));
	syms = calloc(nnative ? nnative : 1, sizeof(*syms));
	py = calloc(npy ? npy : 1, sizeof(*py));
	seen_native = calloc(nnative ? nnative : 1, sizeof(*seen_native));
	/* Exactly as large as merge.h allows, so ASan sees one frame too many. */
	out = malloc(total * sizeof(*out));
	if (!native || !syms || !py || !seen_native || (total && !out))
		goto done;

	/* The free-form name sits after the per-frame bytes. */
	free_pos = 3 + total < size ? 3 + total : size;
	free_name = malloc(size - free_pos + 1);
	if (!free_name)
		goto done;
	memcpy(free_name, data + free_pos, size - free_pos);
	free_name[size - free_pos] = '\0';
	for (size_t i = 0; i < nnative; i++) {
		uint8_t b = byte_at(data, size, &pos);
		native[i].pc = 0x400000 + i * 0x10;
		native[i].exact = (b >> 6) & 1;
		syms[i].name = (b & 15) == 15 ? free_name : names[b & 15];
		syms[i].offset = i;
		syms[i].module = modules[(b >> 4) & 3];
		nevals += merge_is_eval_symbol(syms[i].name);
	}
	for (size_t i = 0; i < npy; i++) {
		uint8_t b = byte_at(data, size, &pos);
		py[i].code = 0x10000 + i * 0x100;
		py[i].instr = b;
		py[i].flags = b & PYF_ENTRY;
		/* Same grouping rule as merge.c: one eval call per group. */
		ngroups += !(flags & 2) || (py[i].flags & PYF_ENTRY) || i + 1 == npy;
	}

	in = (struct merge_input){
		.native = native, .syms = syms, .nnative = nnative,
		.native_complete = flags & 1,
		.py = py, .npy = npy,
		.py_grouped = flags & 2,
		.runtime_module = (flags & 4) ? NULL : RUNTIME,
		.native_all = flags & 8,
	};
	n = merge_stacks(&in, out, &mismatch);

	CHECK(n <= total);
	for (size_t i = 0; i < n; i++) {
		if (out[i].kind == MERGED_PYTHON) {
			/* Every Python frame once, leaf to root. */
			CHECK(out[i].index < npy);
			CHECK(out[i].index == next_py);
			next_py++;
		} else {
			CHECK(out[i].kind == MERGED_NATIVE);
			CHECK(out[i].index < nnative);
			CHECK((long)out[i].index > last_native);
			last_native = (long)out[i].index;
			seen_native[out[i].index] = true;
		}
	}
	CHECK(next_py == npy);
	for (size_t i = 0; i < nnative; i++) {
		if (seen_native[i])
			continue;
		/* Dropped: only an eval frame (replaced by its Python frames) or
		 * plumbing inside the runtime module, and never with native_all
		 * unless it is an eval frame. */
		if (merge_is_eval_symbol(syms[i].name)) {
			dropped_evals++;
			continue;
		}
		CHECK(!in.native_all);
		CHECK(syms[i].name && syms[i].module && in.runtime_module &&
		      strcmp(syms[i].module, in.runtime_module) == 0);
	}
	/* Paired eval frames, and only those, give way to their Python frames. */
	CHECK(dropped_evals == (nevals < ngroups ? nevals : ngroups));
	CHECK(mismatch == (nevals != ngroups));
done:
	free(free_name);
	free(native);
	free(syms);
	free(py);
	free(seen_native);
	free(out);
	return 0;
}
