/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * _Py_DebugOffsets, the first bytes of a 3.13+ target's _PyRuntime.  They
 * come from the target (or from whatever sits where we think _PyRuntime
 * is), and every later read of the target is placed with the offsets built
 * from them, so the layout must be rejected or come out bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pycode.h"
#include "pyversions.h"

#include "fuzz.h"

/* take_offset() in pyversions.c accepts nothing larger. */
#define MAX_OFFSET (1 << 20)

static FILE *devnull;

static bool sane(int v)
{
	return v == PY_NO_FIELD || (v >= 0 && v <= MAX_OFFSET);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct py_layout l;
	const char *why = NULL;
	char out[256];
	size_t needed;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	memset(&l, 0xa5, sizeof(l));
	if (!py_layout_from_debug_offsets(data, size, &l, &why)) {
		CHECK(why != NULL);
		return 0;
	}
	CHECK(size >= 24 && memcmp(data, PY_DEBUG_COOKIE, 8) == 0);
	CHECK(l.version_hex >> 24 == 3 && ((l.version_hex >> 16) & 0xff) >= 13);
	CHECK(l.frame_kind == PY_FRAMES_INTERPRETER && l.linetable_kind == PY_LINES_LOCATIONS);
	{
		const int fields[] = {
			l.runtime_interpreters_head, l.interp_next, l.interp_threads_head,
			l.tstate_next, l.tstate_interp, l.tstate_thread_id,
			l.tstate_native_thread_id, l.tstate_frame, l.cframe_current_frame,
			l.frame_previous, l.frame_code, l.frame_instr, l.frame_owner,
			l.frame_is_entry, l.code_name, l.code_qualname, l.code_filename,
			l.code_firstlineno, l.code_linetable, l.code_code_adaptive,
			l.bytes_size, l.bytes_data, l.unicode_length, l.unicode_state,
			l.unicode_ascii_data,
		};
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			CHECK(sane(fields[i]));
		/* compact_data is derived (ascii_size + 16), so it may exceed the
		 * bound by that much but never go negative. */
		CHECK(l.unicode_compact_data >= 0 && l.unicode_compact_data <= MAX_OFFSET + 16);
	}
	/* The profiler's next step with this layout is decoding str objects; the
	 * offsets it just accepted (up to 1 MiB) must be safe against a short
	 * read.  The input bytes serve as the object image. */
	py_decode_unicode(&l, data, size, out, sizeof(out), &needed);
	if (devnull)
		py_layout_dump(&l, devnull);
	return 0;
}
