/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The version table and the _Py_DebugOffsets reader on crafted bytes (the
 * comparison with real headers is tests/integration/test_offsets.py). */
#include <stdlib.h>

#include "pycode.h"
#include "pyversions.h"
#include "tap.h"

int main(void)
{
	uint8_t raw[PY_DEBUG_OFFSETS_MAX];
	uint64_t *f = (uint64_t *)raw;
	struct py_layout l;
	const char *why = NULL;

	for (unsigned minor = 8; minor <= 12; minor++)
		ok(py_layout_for_version(3, minor) != NULL, "table has 3.%u", minor);
	ok(py_layout_for_version(3, 7) == NULL, "3.7 is not claimed");
	ok(py_layout_for_version(3, 13) == NULL, "3.13 comes from debug offsets, not the table");

	memset(raw, 0, sizeof(raw));
	ok(!py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why), "no cookie rejected");
	memcpy(raw, PY_DEBUG_COOKIE, 8);
	f[1] = 0x030d00f0; /* 3.13.0 final */
	for (size_t i = 3; i < 80; i++)
		f[i] = 8 * i;
	ok(py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why), "3.13 debug offsets accepted");
	ok(l.version_hex == 0x030d0000 && l.tstate_frame == 8 * 23 && l.frame_owner == 8 * 33 &&
	   l.code_code_adaptive == 8 * 43 && l.unicode_compact_data == 8 * 70 + 16,
	   "fields come from their 3.13 positions");
	f[23] = 1ull << 40;
	ok(!py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why), "absurd offset rejected (%s)",
	   why ? why : "");
	f[23] = 8;
	ok(!py_layout_from_debug_offsets(raw, 100, &l, &why), "truncated debug offsets rejected");
	f[1] = 0x020700f0;
	ok(!py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why), "implausible version rejected");
	f[1] = 0x030d00c1;
	ok(!py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why),
	   "3.13.0rc1 refused: its layout predates the final one (%s)", why ? why : "");
	f[1] = 0x030e00f0; /* 3.14.0 final */
	ok(py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why) && l.tstate_frame == 8 * 26 &&
	   l.frame_owner == 8 * 36 && l.code_code_adaptive == 8 * 48 && l.code_tag_mask == 3 &&
	   l.unicode_state == 8 * 78 && l.unicode_state_shift == 0,
	   "3.14 fields come from their 3.14 positions, f_executable untagged with mask 3");
	f[2] = 1; /* free-threaded */
	ok(py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why) && l.unicode_state_shift == 6,
	   "free-threaded 3.14 strings keep their kind 6 bits higher");
	f[2] = 0;
	f[1] = 0x030f00f0;
	ok(py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why) && l.tstate_thread_id == 8 * 30 &&
	   l.frame_previous == 8 * 40 && l.code_firstlineno == 8 * 52,
	   "3.15 fields come from their 3.15 positions");
	f[1] = 0x031000f0;
	ok(py_layout_from_debug_offsets(raw, sizeof(raw), &l, &why) && l.version_hex == 0x03100000,
	   "a newer 3.16 is read with the newest schema");

	/* A UCS-4 string from garbage memory: every code point past Unicode or
	 * in the surrogate range becomes U+FFFD, and the result is valid UTF-8. */
	{
		const struct py_layout *l12 = py_layout_for_version(3, 12);
		uint8_t obj[128] = { 0 };
		uint32_t state = (4u << 2) | (1u << 5); /* kind 4, compact, not ascii */
		uint64_t length = 3;
		uint32_t cps[3] = { 0x41, 0x7fffffff, 0xd800 };
		char out[64];
		size_t needed;
		memcpy(obj + l12->unicode_state, &state, 4);
		memcpy(obj + l12->unicode_length, &length, 8);
		memcpy(obj + l12->unicode_compact_data, cps, sizeof(cps));
		ok(py_decode_unicode(l12, obj, sizeof(obj), out, sizeof(out), &needed) &&
		   strcmp(out, "A\xef\xbf\xbd\xef\xbf\xbd") == 0,
		   "garbage code points decode to U+FFFD in valid UTF-8");
	}
	/* A name longer than 1024 characters keeps its first 1024 and says it
	 * was cut, rather than being taken for garbage. */
	{
		const struct py_layout *l12 = py_layout_for_version(3, 12);
		static uint8_t obj[4096];
		uint32_t state = (1u << 2) | (1u << 5) | (1u << 6); /* kind 1, compact, ascii */
		uint64_t length = 3000;
		static char out[1024 * 4 + 8];
		size_t needed;
		memcpy(obj + l12->unicode_state, &state, 4);
		memcpy(obj + l12->unicode_length, &length, 8);
		memset(obj + l12->unicode_ascii_data, 'x', 3000);
		ok(py_decode_unicode(l12, obj, sizeof(obj), out, sizeof(out), &needed) &&
		   strlen(out) == 1024 + 5 && strcmp(out + 1024, "[...]") == 0 && out[1023] == 'x',
		   "a 3000-character name: its first 1024 characters and [...]");
	}
	return tap_done();
}
