/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pyversions.h"

#include <string.h>

/*
 * 3.8 to 3.12: offsets written from each version's headers (x86_64 and
 * aarch64 share them: LP64, same alignment).  tests/offsets/dump_offsets.c
 * recompiles these against the headers of every interpreter on the machine
 * and tests/integration/test_offsets.py compares.
 *
 * Headers, per version:
 *   runtime   3.8 Include/internal/pycore_pystate.h, 3.9+ Include/internal/pycore_runtime.h
 *   interp    3.8 Include/internal/pycore_pystate.h, 3.9+ Include/internal/pycore_interp.h
 *   tstate    Include/cpython/pystate.h
 *   frame     3.8-3.10 Include/cpython/frameobject.h (3.8: Include/frameobject.h),
 *             3.11+ Include/internal/pycore_frame.h
 *   code      Include/cpython/code.h (3.8: Include/code.h)
 *   strings   Include/cpython/unicodeobject.h, Include/cpython/bytesobject.h
 */
#define COMMON_OBJECTS                                                                  \
	.bytes_size = 16, .bytes_data = 32, .unicode_length = 16, .unicode_state = 32,   \
	.object_type = 8, .type_name = 24, .type_flags = 168, .tuple_size = 16,          \
	.tuple_items = 24, .list_size = 16, .list_items = 24, .dict_used = 16,           \
	.set_used = 24, .float_value = 16, .long_digits = 24, .cell_ref = 16

/* Thread names: dicts and instance attributes (3.8-3.10: dict-common.h's
 * PyDictKeysObject, private to Objects/; 3.11+ Include/internal/pycore_dict.h). */
#define DICTS_BY_SIZE(modules, cached_keys)                                              \
	.interp_modules = (modules), .module_dict = 16, .dict_keys = 32, .dict_values = 40, \
	.dictkeys_kind = PY_DICTKEYS_BY_SIZE, .dictkeys_nentries = 32,                   \
	.dictkeys_indices = 40, .dictvalues_values = 0,                                  \
	.instdict_kind = PY_INSTDICT_TYPE_OFFSET, .type_dictoffset = 288,                \
	.type_basicsize = 32, .heaptype_cached_keys = (cached_keys)
#define DICTS_BY_LOG2(modules, cached_keys, instdict)                                    \
	.interp_modules = (modules), .module_dict = 16, .dict_keys = 32, .dict_values = 40, \
	.dictkeys_kind = PY_DICTKEYS_BY_LOG2, .dictkeys_nentries = 24,                   \
	.dictkeys_indices = 32, .dictvalues_values = 0, .instdict_kind = (instdict),     \
	.type_dictoffset = 288, .type_basicsize = 32, .heaptype_cached_keys = (cached_keys)

/* Locals: 3.8-3.10 name them in co_varnames (the first co_nlocals slots of
 * f_localsplus), then co_cellvars and co_freevars (cells); 3.11+ in
 * co_localsplusnames, with a kind byte each in co_localspluskinds. */
#define LOCALS_BY_VARNAMES(localsplus)                                                   \
	.frame_localsplus = (localsplus), .code_argcount = 16, .code_localnames = 72,    \
	.code_localkinds = PY_NO_FIELD, .code_nlocals = 28, .code_cellvars = 88,         \
	.code_freevars = 80
#define LOCALS_BY_KINDS(argcount)                                                        \
	.frame_localsplus = 72, .code_argcount = (argcount), .code_localnames = 96,      \
	.code_localkinds = 104, .code_nlocals = PY_NO_FIELD,                             \
	.code_cellvars = PY_NO_FIELD, .code_freevars = PY_NO_FIELD

static const struct py_layout py_layouts[] = {
	{
		/* 3.8 */
		.version_hex = 0x03080000, .origin = "table",
		.frame_kind = PY_FRAMES_OBJECTS, .instr_kind = PY_INSTR_LASTI_BYTES,
		.linetable_kind = PY_LINES_LNOTAB,
		.runtime_interpreters_head = 32,             /* _PyRuntimeState.interpreters.head */
		.interp_next = 0, .interp_threads_head = 8,  /* PyInterpreterState.tstate_head */
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = PY_NO_FIELD,
		.tstate_frame = 24, .cframe_current_frame = PY_NO_FIELD,
		.frame_previous = 24, .frame_code = 32, .frame_instr = 104, /* f_back, f_code, f_lasti */
		.frame_owner = PY_NO_FIELD, .frame_is_entry = PY_NO_FIELD, .owner_cstack = -1,
		.code_name = 112, .code_qualname = PY_NO_FIELD, .code_filename = 104,
		.code_firstlineno = 40, .code_linetable = 120, /* co_lnotab */
		.code_code_adaptive = PY_NO_FIELD,
		.gil_in_runtime = 1152, .gil_pointer_in_interp = PY_NO_FIELD,
		.gil_in_interp = PY_NO_FIELD, /* _PyRuntimeState.ceval.gil */
		.gil_locked = 16, .gil_holder = 8, /* pycore_gil.h: locked, last_holder */
		LOCALS_BY_VARNAMES(360), .long_size = 16, .long_tag = PY_NO_FIELD,
		DICTS_BY_SIZE(56, 872),
		COMMON_OBJECTS, .unicode_ascii_data = 48, .unicode_compact_data = 72,
	},
	{
		/* 3.9: same numbers as 3.8, structs moved to pycore_runtime.h/pycore_interp.h */
		.version_hex = 0x03090000, .origin = "table",
		.frame_kind = PY_FRAMES_OBJECTS, .instr_kind = PY_INSTR_LASTI_BYTES,
		.linetable_kind = PY_LINES_LNOTAB,
		.runtime_interpreters_head = 32,
		.interp_next = 0, .interp_threads_head = 8,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = PY_NO_FIELD,
		.tstate_frame = 24, .cframe_current_frame = PY_NO_FIELD,
		.frame_previous = 24, .frame_code = 32, .frame_instr = 104,
		.frame_owner = PY_NO_FIELD, .frame_is_entry = PY_NO_FIELD, .owner_cstack = -1,
		.code_name = 112, .code_qualname = PY_NO_FIELD, .code_filename = 104,
		.code_firstlineno = 40, .code_linetable = 120,
		.code_code_adaptive = PY_NO_FIELD,
		.gil_in_runtime = 352, .gil_pointer_in_interp = PY_NO_FIELD,
		.gil_in_interp = PY_NO_FIELD,
		.gil_locked = 16, .gil_holder = 8,
		LOCALS_BY_VARNAMES(360), .long_size = 16, .long_tag = PY_NO_FIELD,
		DICTS_BY_SIZE(856, 864),
		COMMON_OBJECTS, .unicode_ascii_data = 48, .unicode_compact_data = 72,
	},
	{
		/* 3.10: PEP 626 co_linetable; f_lasti now counts code units */
		.version_hex = 0x030a0000, .origin = "table",
		.frame_kind = PY_FRAMES_OBJECTS, .instr_kind = PY_INSTR_LASTI_UNITS,
		.linetable_kind = PY_LINES_PEP626,
		.runtime_interpreters_head = 32,
		.interp_next = 0, .interp_threads_head = 8,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 176,
		.tstate_native_thread_id = PY_NO_FIELD,
		.tstate_frame = 24, .cframe_current_frame = PY_NO_FIELD,
		.frame_previous = 24, .frame_code = 32, .frame_instr = 96,
		.frame_owner = PY_NO_FIELD, .frame_is_entry = PY_NO_FIELD, .owner_cstack = -1,
		.code_name = 112, .code_qualname = PY_NO_FIELD, .code_filename = 104,
		.code_firstlineno = 40, .code_linetable = 120,
		.code_code_adaptive = PY_NO_FIELD,
		.gil_in_runtime = 352, .gil_pointer_in_interp = PY_NO_FIELD,
		.gil_in_interp = PY_NO_FIELD,
		.gil_locked = 16, .gil_holder = 8,
		LOCALS_BY_VARNAMES(352), .long_size = 16, .long_tag = PY_NO_FIELD,
		DICTS_BY_SIZE(856, 872),
		COMMON_OBJECTS, .unicode_ascii_data = 48, .unicode_compact_data = 72,
	},
	{
		/* 3.11: _PyInterpreterFrame in per-thread data stacks, reached through
		 * tstate->cframe->current_frame; is_entry marks C-level entries */
		.version_hex = 0x030b0000, .origin = "table",
		.frame_kind = PY_FRAMES_INTERPRETER, .instr_kind = PY_INSTR_POINTER,
		.linetable_kind = PY_LINES_LOCATIONS,
		.runtime_interpreters_head = 40,
		.interp_next = 0, .interp_threads_head = 16, /* threads.head */
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 152,
		.tstate_native_thread_id = 160,
		.tstate_frame = 56, .cframe_current_frame = 8,
		.frame_previous = 48, .frame_code = 32, .frame_instr = 56, /* prev_instr */
		.frame_owner = 69, .frame_is_entry = 68, .owner_cstack = -1,
		.code_name = 120, .code_qualname = 128, .code_filename = 112,
		.code_firstlineno = 72, .code_linetable = 136,
		.code_code_adaptive = 184,
		.gil_in_runtime = 360, .gil_pointer_in_interp = PY_NO_FIELD,
		.gil_in_interp = PY_NO_FIELD,
		.gil_locked = 16, .gil_holder = 8,
		LOCALS_BY_KINDS(56), .long_size = 16, .long_tag = PY_NO_FIELD,
		DICTS_BY_LOG2(888, 872, PY_INSTDICT_MANAGED_311),
		COMMON_OBJECTS, .unicode_ascii_data = 48, .unicode_compact_data = 72,
	},
	{
		/* 3.12: is_entry gone; C entries push a FRAME_OWNED_BY_CSTACK (3) shim;
		 * PyASCIIObject lost wstr */
		.version_hex = 0x030c0000, .origin = "table",
		.frame_kind = PY_FRAMES_INTERPRETER, .instr_kind = PY_INSTR_POINTER,
		.linetable_kind = PY_LINES_LOCATIONS,
		.runtime_interpreters_head = 40,
		.interp_next = 0, .interp_threads_head = 72,
		.tstate_next = 8, .tstate_interp = 16, .tstate_thread_id = 136,
		.tstate_native_thread_id = 144,
		.tstate_frame = 56, .cframe_current_frame = 0,
		.frame_previous = 8, .frame_code = 0, .frame_instr = 56,
		.frame_owner = 70, .frame_is_entry = PY_NO_FIELD, .owner_cstack = 3,
		.code_name = 120, .code_qualname = 128, .code_filename = 112,
		.code_firstlineno = 68, .code_linetable = 136,
		.code_code_adaptive = 192,
		.gil_in_runtime = PY_NO_FIELD, .gil_pointer_in_interp = 384, /* ceval.gil */
		.gil_in_interp = PY_NO_FIELD,
		.gil_locked = 16, .gil_holder = 8,
		LOCALS_BY_KINDS(52), .long_size = PY_NO_FIELD, .long_tag = 16,
		DICTS_BY_LOG2(944, 880, PY_INSTDICT_MANAGED_312),
		COMMON_OBJECTS, .unicode_ascii_data = 40, .unicode_compact_data = 56,
	},
};

const struct py_layout *py_layout_for_version(unsigned major, unsigned minor)
{
	unsigned hex = (major << 24) | (minor << 16);

	for (size_t i = 0; i < ARRAY_SIZE(py_layouts); i++)
		if (py_layouts[i].version_hex == hex)
			return &py_layouts[i];
	return NULL;
}

/*
 * _Py_DebugOffsets is a sequence of uint64_t fields.  Each schema lists, for
 * the fields pysample needs, their index in that sequence.  3.13 layout:
 * Include/internal/pycore_runtime.h of 3.13.
 */
struct debug_offsets_schema {
	unsigned minor;           /* the 3.x this layout describes */
	unsigned min_version_hex; /* earlier pre-releases of it differ */
	int runtime_interpreters_head;
	int interp_next, interp_threads_head;
	int tstate_next, tstate_interp, tstate_current_frame, tstate_thread_id,
		tstate_native_thread_id;
	int frame_previous, frame_executable, frame_instr_ptr, frame_owner;
	int code_filename, code_name, code_qualname, code_linetable, code_firstlineno,
		code_code_adaptive;
	int bytes_size, bytes_data;
	int unicode_state, unicode_length, unicode_ascii_size;
	int gil_pointer, gil_state, gil_locked, gil_holder;
	int owner_cstack;
	uint64_t code_tag_mask;
	/* For locals; 0: not known for this version (locals not read). */
	int frame_localsplus, code_argcount, code_localnames, code_localkinds;
	int object_type, type_name, type_flags, tuple_items, tuple_size, list_items, list_size,
		float_value, long_tag, long_digits;
	/* For thread names; 0: not known (names not read).  What the debug
	 * offsets do not give comes from the version's headers. */
	int interp_modules, dict_keys, dict_values;
	int dictvalues_values, heaptype_cached_keys;
	enum py_instdict_kind instdict_kind;
};

/*
 * Indexes from each version's _Py_DebugOffsets: 3.13 from
 * Include/internal/pycore_runtime.h (3.13.0, checked against the live
 * interpreter by tests/integration/test_offsets.py), 3.14 and 3.15 from
 * Include/internal/pycore_debug_offsets.h (3.14.0; 3.15 as of 3.15.0rc3).
 * Owner values from pycore_frame.h (3.13) / pycore_interpframe_structs.h
 * (3.14+): 3 is FRAME_OWNED_BY_CSTACK in 3.13 and FRAME_OWNED_BY_INTERPRETER
 * (the entry frame) in 3.14, 4 is CSTACK in 3.14; both mark where a C-level
 * call entered the interpreter, so owners >= 3 are treated alike.
 * f_executable is a tagged _PyStackRef from 3.14 (Py_TAG_BITS == 3).
 */
static const struct debug_offsets_schema debug_schemas[] = {
	{
		.minor = 13, .min_version_hex = 0x030d00c2, /* rc2 settled the layout */
		.runtime_interpreters_head = 5,
		.interp_next = 8, .interp_threads_head = 9,
		.tstate_next = 21, .tstate_interp = 22, .tstate_current_frame = 23,
		.tstate_thread_id = 24, .tstate_native_thread_id = 25,
		.frame_previous = 29, .frame_executable = 30, .frame_instr_ptr = 31,
		.frame_owner = 33,
		.code_filename = 35, .code_name = 36, .code_qualname = 37, .code_linetable = 38,
		.code_firstlineno = 39, .code_code_adaptive = 43,
		.bytes_size = 65, .bytes_data = 66,
		.unicode_state = 68, .unicode_length = 69, .unicode_ascii_size = 70,
		.gil_pointer = 14, .gil_state = 15, .gil_locked = 17, .gil_holder = 18,
		.owner_cstack = 3,
		.code_tag_mask = 0,
		.frame_localsplus = 32, .code_argcount = 40, .code_localnames = 41,
		.code_localkinds = 42, .object_type = 45, .type_name = 47, .type_flags = 49,
		.tuple_items = 51, .tuple_size = 52, .list_items = 54, .list_size = 55,
		.float_value = 60, .long_tag = 62, .long_digits = 63,
		.interp_modules = 11, .dict_keys = 57, .dict_values = 58,
		.dictvalues_values = 8, .heaptype_cached_keys = 880, /* pycore_dict.h, object.h */
		.instdict_kind = PY_INSTDICT_INLINE_313,
	},
	{
		.minor = 14, .min_version_hex = 0x030e00b2,
		.runtime_interpreters_head = 5,
		.interp_next = 8, .interp_threads_head = 9,
		.tstate_next = 24, .tstate_interp = 25, .tstate_current_frame = 26,
		.tstate_thread_id = 27, .tstate_native_thread_id = 28,
		.frame_previous = 32, .frame_executable = 33, .frame_instr_ptr = 34,
		.frame_owner = 36,
		.code_filename = 40, .code_name = 41, .code_qualname = 42, .code_linetable = 43,
		.code_firstlineno = 44, .code_code_adaptive = 48,
		.bytes_size = 75, .bytes_data = 76,
		.unicode_state = 78, .unicode_length = 79, .unicode_ascii_size = 80,
		.gil_pointer = 15, .gil_state = 16, .gil_locked = 18, .gil_holder = 19,
		.owner_cstack = 3,
		.code_tag_mask = 3,
	},
	{
		.minor = 15, .min_version_hex = 0x030f00b4,
		.runtime_interpreters_head = 5,
		.interp_next = 8, .interp_threads_head = 9,
		.tstate_next = 24, .tstate_interp = 25, .tstate_current_frame = 26,
		.tstate_thread_id = 30, .tstate_native_thread_id = 31,
		.frame_previous = 40, .frame_executable = 41, .frame_instr_ptr = 42,
		.frame_owner = 44,
		.code_filename = 48, .code_name = 49, .code_qualname = 50, .code_linetable = 51,
		.code_firstlineno = 52, .code_code_adaptive = 56,
		.bytes_size = 87, .bytes_data = 88,
		.unicode_state = 90, .unicode_length = 91, .unicode_ascii_size = 92,
		.gil_pointer = 15, .gil_state = 16, .gil_locked = 18, .gil_holder = 19,
		.owner_cstack = 3,
		.code_tag_mask = 3,
	},
};

/* An offset from the target is trusted only if it is small and fits an int. */
static bool take_offset(const uint64_t *fields, size_t nfields, int index, int *out)
{
	if (index < 0 || (size_t)index >= nfields || fields[index] > 1u << 20)
		return false;
	*out = (int)fields[index];
	return true;
}

/* What --locals needs: all of it, or none (locals are then not read). */
static void take_locals_offsets(const uint64_t *fields, size_t nfields,
				const struct debug_offsets_schema *s, struct py_layout *out)
{
	const struct {
		int index;
		int *field;
	} wanted[] = {
		{ s->frame_localsplus, &out->frame_localsplus },
		{ s->code_argcount, &out->code_argcount },
		{ s->code_localnames, &out->code_localnames },
		{ s->code_localkinds, &out->code_localkinds },
		{ s->object_type, &out->object_type },
		{ s->type_name, &out->type_name },
		{ s->type_flags, &out->type_flags },
		{ s->tuple_items, &out->tuple_items },
		{ s->tuple_size, &out->tuple_size },
		{ s->list_items, &out->list_items },
		{ s->list_size, &out->list_size },
		{ s->float_value, &out->float_value },
		{ s->long_tag, &out->long_tag },
		{ s->long_digits, &out->long_digits },
	};
	bool all = true;

	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
		all = all && wanted[i].index > 0 &&
		      take_offset(fields, nfields, wanted[i].index, wanted[i].field);
	for (size_t i = 0; i < ARRAY_SIZE(wanted) && !all; i++)
		*wanted[i].field = PY_NO_FIELD;
	out->code_nlocals = out->code_cellvars = out->code_freevars = PY_NO_FIELD;
	out->long_size = PY_NO_FIELD;
	/* Not in _Py_DebugOffsets, and the same since 3.8: PyDictObject's
	 * ma_used, PySetObject's used, PyCellObject's ob_ref. */
	out->dict_used = all ? 16 : PY_NO_FIELD;
	out->set_used = all ? 24 : PY_NO_FIELD;
	out->cell_ref = all ? 16 : PY_NO_FIELD;

	/* Thread names: on top of the objects above. */
	bool dicts = all && s->instdict_kind != PY_INSTDICT_NONE &&
		     take_offset(fields, nfields, s->interp_modules, &out->interp_modules) &&
		     take_offset(fields, nfields, s->dict_keys, &out->dict_keys) &&
		     take_offset(fields, nfields, s->dict_values, &out->dict_values);
	out->instdict_kind = dicts ? s->instdict_kind : PY_INSTDICT_NONE;
	if (!dicts) {
		out->interp_modules = out->module_dict = out->dict_keys = out->dict_values =
			PY_NO_FIELD;
		out->dictkeys_nentries = out->dictkeys_indices = out->dictvalues_values =
			PY_NO_FIELD;
		out->type_dictoffset = out->type_basicsize = out->heaptype_cached_keys = PY_NO_FIELD;
		return;
	}
	/* Stable since 3.11 (PyModuleObject, PyDictKeysObject) and 3.8
	 * (PyTypeObject's start). */
	out->module_dict = 16;
	out->dictkeys_kind = PY_DICTKEYS_BY_LOG2;
	out->dictkeys_nentries = 24;
	out->dictkeys_indices = 32;
	out->dictvalues_values = s->dictvalues_values;
	out->type_dictoffset = 288;
	out->type_basicsize = 32;
	out->heaptype_cached_keys = s->heaptype_cached_keys;
}

bool py_layout_from_debug_offsets(const uint8_t *bytes, size_t len, struct py_layout *out,
				  const char **why)
{
	uint64_t fields[PY_DEBUG_OFFSETS_MAX / 8];
	size_t nfields = len / 8 < ARRAY_SIZE(fields) ? len / 8 : ARRAY_SIZE(fields);
	const struct debug_offsets_schema *s = NULL;
	uint64_t version;
	int ascii_size;

	if (len < 24 || memcmp(bytes, PY_DEBUG_COOKIE, 8) != 0) {
		*why = "no _Py_DebugOffsets cookie";
		return false;
	}
	memcpy(fields, bytes, nfields * 8);
	version = fields[1];
	if ((version >> 24) != 3 || ((version >> 16) & 0xff) < 13) {
		*why = "_Py_DebugOffsets carries an implausible version";
		return false;
	}
	/* The schema of the same minor version; pre-releases before its layout
	 * settled are refused rather than misread.  A newer minor than any
	 * known is read with the newest schema (the debug offsets exist so that
	 * layouts can move without readers changing), and said so. */
	unsigned minor = (unsigned)(version >> 16) & 0xff;
	for (size_t i = 0; i < ARRAY_SIZE(debug_schemas); i++)
		if (debug_schemas[i].minor == minor)
			s = &debug_schemas[i];
	if (!s && minor > debug_schemas[ARRAY_SIZE(debug_schemas) - 1].minor) {
		s = &debug_schemas[ARRAY_SIZE(debug_schemas) - 1];
		pys_warn("CPython 3.%u is newer than pysample knows; reading it as 3.%u", minor,
			 s->minor);
	}
	if (!s) {
		*why = "no _Py_DebugOffsets schema for this version";
		return false;
	}
	if (version < s->min_version_hex) {
		*why = "this pre-release's _Py_DebugOffsets layout differs from the final release's";
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->version_hex = (unsigned)version & 0xffff0000u;
	out->origin = "_Py_DebugOffsets";
	out->frame_kind = PY_FRAMES_INTERPRETER;
	out->instr_kind = PY_INSTR_POINTER;
	out->linetable_kind = PY_LINES_LOCATIONS;
	out->cframe_current_frame = PY_NO_FIELD;
	out->frame_is_entry = PY_NO_FIELD;
	out->gil_in_runtime = PY_NO_FIELD;
	out->owner_cstack = s->owner_cstack;
	out->code_tag_mask = s->code_tag_mask;
	if (!take_offset(fields, nfields, s->runtime_interpreters_head, &out->runtime_interpreters_head) ||
	    !take_offset(fields, nfields, s->interp_next, &out->interp_next) ||
	    !take_offset(fields, nfields, s->interp_threads_head, &out->interp_threads_head) ||
	    !take_offset(fields, nfields, s->tstate_next, &out->tstate_next) ||
	    !take_offset(fields, nfields, s->tstate_interp, &out->tstate_interp) ||
	    !take_offset(fields, nfields, s->tstate_current_frame, &out->tstate_frame) ||
	    !take_offset(fields, nfields, s->tstate_thread_id, &out->tstate_thread_id) ||
	    !take_offset(fields, nfields, s->tstate_native_thread_id, &out->tstate_native_thread_id) ||
	    !take_offset(fields, nfields, s->frame_previous, &out->frame_previous) ||
	    !take_offset(fields, nfields, s->frame_executable, &out->frame_code) ||
	    !take_offset(fields, nfields, s->frame_instr_ptr, &out->frame_instr) ||
	    !take_offset(fields, nfields, s->frame_owner, &out->frame_owner) ||
	    !take_offset(fields, nfields, s->code_filename, &out->code_filename) ||
	    !take_offset(fields, nfields, s->code_name, &out->code_name) ||
	    !take_offset(fields, nfields, s->code_qualname, &out->code_qualname) ||
	    !take_offset(fields, nfields, s->code_linetable, &out->code_linetable) ||
	    !take_offset(fields, nfields, s->code_firstlineno, &out->code_firstlineno) ||
	    !take_offset(fields, nfields, s->code_code_adaptive, &out->code_code_adaptive) ||
	    !take_offset(fields, nfields, s->bytes_size, &out->bytes_size) ||
	    !take_offset(fields, nfields, s->bytes_data, &out->bytes_data) ||
	    !take_offset(fields, nfields, s->unicode_state, &out->unicode_state) ||
	    !take_offset(fields, nfields, s->unicode_length, &out->unicode_length) ||
	    !take_offset(fields, nfields, s->unicode_ascii_size, &ascii_size) ||
	    !take_offset(fields, nfields, s->gil_pointer, &out->gil_pointer_in_interp) ||
	    !take_offset(fields, nfields, s->gil_state, &out->gil_in_interp) ||
	    !take_offset(fields, nfields, s->gil_locked, &out->gil_locked) ||
	    !take_offset(fields, nfields, s->gil_holder, &out->gil_holder) ||
	    out->gil_locked < out->gil_in_interp || out->gil_holder < out->gil_in_interp) {
		*why = "_Py_DebugOffsets is truncated or holds absurd offsets";
		return false;
	}
	take_locals_offsets(fields, nfields, s, out);
	out->unicode_ascii_data = ascii_size;
	/* The debug offsets give the GIL's fields from the start of the
	 * interpreter; pysample keeps them relative to the GIL struct. */
	out->gil_locked -= out->gil_in_interp;
	out->gil_holder -= out->gil_in_interp;
	/* Free-threaded 3.14+ makes `interned` a whole byte: the kind, compact
	 * and ascii bits move up by 6. */
	out->unicode_state_shift = fields[2] && minor >= 14 ? 6 : 0;
	/* PyCompactUnicodeObject = PyASCIIObject + utf8_length + utf8 pointer. */
	out->unicode_compact_data = ascii_size + 16;
	return true;
}

void py_layout_dump(const struct py_layout *l, FILE *out)
{
	const bool interp_frames = l->frame_kind == PY_FRAMES_INTERPRETER;
	const bool has_cframe = l->cframe_current_frame != PY_NO_FIELD;
#define DUMP(name, value)                                                  \
	do {                                                               \
		if ((value) != PY_NO_FIELD)                                \
			fprintf(out, "%s %d\n", name, (int)(value));       \
	} while (0)
	DUMP("runtime.interpreters_head", l->runtime_interpreters_head);
	DUMP("interp.next", l->interp_next);
	DUMP("interp.threads_head", l->interp_threads_head);
	DUMP("tstate.next", l->tstate_next);
	DUMP("tstate.interp", l->tstate_interp);
	DUMP("tstate.thread_id", l->tstate_thread_id);
	DUMP("tstate.native_thread_id", l->tstate_native_thread_id);
	if (!interp_frames)
		DUMP("tstate.frame", l->tstate_frame);
	else if (has_cframe) {
		DUMP("tstate.cframe", l->tstate_frame);
		DUMP("cframe.current_frame", l->cframe_current_frame);
	} else
		DUMP("tstate.current_frame", l->tstate_frame);
	DUMP("frame.previous", l->frame_previous);
	DUMP("frame.code", l->frame_code);
	DUMP("frame.instr", l->frame_instr);
	DUMP("frame.owner", l->frame_owner);
	DUMP("frame.is_entry", l->frame_is_entry);
	DUMP("code.name", l->code_name);
	DUMP("code.filename", l->code_filename);
	DUMP("code.firstlineno", l->code_firstlineno);
	DUMP("code.qualname", l->code_qualname);
	DUMP("code.code_adaptive", l->code_code_adaptive);
	DUMP("code.linetable", l->code_linetable);
	DUMP("interp.gil_pointer", l->gil_pointer_in_interp);
	DUMP("runtime.gil", l->gil_in_runtime);
	DUMP("interp.gil", l->gil_in_interp);
	DUMP("gil.locked", l->gil_locked);
	DUMP("gil.last_holder", l->gil_holder);
	DUMP("frame.localsplus", l->frame_localsplus);
	DUMP("code.localnames", l->code_localnames);
	DUMP("code.localkinds", l->code_localkinds);
	DUMP("code.nlocals", l->code_nlocals);
	DUMP("code.cellvars", l->code_cellvars);
	DUMP("code.freevars", l->code_freevars);
	DUMP("code.argcount", l->code_argcount);
	DUMP("object.type", l->object_type);
	DUMP("type.name", l->type_name);
	DUMP("type.flags", l->type_flags);
	DUMP("tuple.size", l->tuple_size);
	DUMP("tuple.items", l->tuple_items);
	DUMP("list.size", l->list_size);
	DUMP("list.items", l->list_items);
	DUMP("dict.used", l->dict_used);
	DUMP("set.used", l->set_used);
	DUMP("float.value", l->float_value);
	DUMP("long.size", l->long_size);
	DUMP("long.tag", l->long_tag);
	DUMP("long.digits", l->long_digits);
	DUMP("cell.ref", l->cell_ref);
	DUMP("interp.modules", l->interp_modules);
	/* What the headers let tests/offsets/dump_offsets.c check: 3.8 and
	 * 3.9 keep PyModuleObject, and 3.8-3.10 PyDictKeysObject, private. */
	if (l->version_hex >= 0x030a0000)
		DUMP("module.dict", l->module_dict);
	DUMP("dict.keys", l->dict_keys);
	DUMP("dict.values", l->dict_values);
	if (l->dictkeys_kind == PY_DICTKEYS_BY_LOG2) {
		DUMP("dictkeys.nentries", l->dictkeys_nentries);
		DUMP("dictkeys.indices", l->dictkeys_indices);
		DUMP("dictvalues.values", l->dictvalues_values);
	}
	DUMP("type.dictoffset", l->type_dictoffset);
	DUMP("type.basicsize", l->type_basicsize);
	DUMP("heaptype.cached_keys", l->heaptype_cached_keys);
	DUMP("bytes.size", l->bytes_size);
	DUMP("bytes.data", l->bytes_data);
	DUMP("unicode.length", l->unicode_length);
	DUMP("unicode.state", l->unicode_state);
	DUMP("unicode.ascii_data", l->unicode_ascii_data);
	DUMP("unicode.compact_data", l->unicode_compact_data);
#undef DUMP
}
