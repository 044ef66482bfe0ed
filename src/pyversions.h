/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Everything pysample knows about CPython's memory layout, per version.
 * The rest of the program reads the target through a struct py_layout and
 * never tests a version number itself; adding a version is one table entry
 * (3.8-3.12) or nothing at all (3.13+, described by the target's own
 * _Py_DebugOffsets).
 */
#ifndef PYSAMPLE_PYVERSIONS_H
#define PYSAMPLE_PYVERSIONS_H

#include "common.h"

#include <stdio.h>

#define PY_NO_FIELD (-1)

enum py_frame_kind {
	PY_FRAMES_OBJECTS,      /* 3.8-3.10: PyFrameObject chain from tstate->frame */
	PY_FRAMES_INTERPRETER,  /* 3.11+: _PyInterpreterFrame chain */
};

enum py_instr_kind {
	PY_INSTR_LASTI_BYTES, /* f_lasti counts bytes (3.8, 3.9) */
	PY_INSTR_LASTI_UNITS, /* f_lasti counts 2-byte code units (3.10) */
	PY_INSTR_POINTER,     /* pointer into co_code_adaptive (3.11+) */
};

enum py_linetable_kind {
	PY_LINES_LNOTAB,    /* co_lnotab, Objects/lnotab_notes.txt (3.8, 3.9) */
	PY_LINES_PEP626,    /* co_linetable of 3.10 (start delta, line delta pairs) */
	PY_LINES_LOCATIONS, /* 3.11+ location table, Objects/locations.md */
};

enum py_dictkeys_kind {
	PY_DICTKEYS_BY_SIZE, /* 3.8-3.10: dk_size entries, index width by size */
	PY_DICTKEYS_BY_LOG2, /* 3.11+: dk_log2_size, dk_log2_index_bytes, dk_kind */
};

/* Where an instance keeps its attributes. */
enum py_instdict_kind {
	PY_INSTDICT_NONE,        /* not known: attributes are not read */
	PY_INSTDICT_TYPE_OFFSET, /* 3.8-3.10: a dict at the type's tp_dictoffset */
	PY_INSTDICT_MANAGED_311, /* 3.11: values at obj - 32, or a dict at obj - 24 */
	PY_INSTDICT_MANAGED_312, /* 3.12: obj - 24 holds a dict, or values tagged with bit 0 */
	PY_INSTDICT_INLINE_313,  /* 3.13: values inline after the object, or a dict at obj - 24 */
};

struct py_layout {
	unsigned version_hex; /* PY_VERSION_HEX style: 0x030b0000 for 3.11 */
	const char *origin;   /* "table" or "_Py_DebugOffsets" */
	enum py_frame_kind frame_kind;
	enum py_instr_kind instr_kind;
	enum py_linetable_kind linetable_kind;

	int runtime_interpreters_head;
	int interp_next, interp_threads_head;
	int tstate_next, tstate_interp, tstate_thread_id, tstate_native_thread_id;
	int tstate_frame;          /* frame pointer, or the cframe pointer when cframe_current_frame is set */
	int cframe_current_frame;  /* 3.11-3.12: tstate->cframe->current_frame */

	int frame_previous, frame_code, frame_instr;
	int frame_owner;           /* 3.11+ */
	int frame_is_entry;        /* 3.11 only */
	int owner_cstack;          /* owners from this value up mark C-level entry frames (3.12+), or -1 */
	uint64_t code_tag_mask;    /* low bits to clear from frame_code (tagged references) */

	int code_name, code_qualname, code_filename, code_firstlineno, code_linetable;
	int code_code_adaptive;    /* 3.11+: where the bytecode starts inside the code object */

	/* The GIL: a struct inside _PyRuntime (3.8-3.11) or pointed to by the
	 * interpreter (3.12+); its `locked` flag and `last_holder` tstate. */
	int gil_in_runtime, gil_pointer_in_interp, gil_locked, gil_holder;
	int gil_in_interp; /* 3.13+: the interpreter's own embedded GIL (_gil) */

	/* Locals (pysample dump --locals): a frame's fast locals, the code
	 * object's names and kinds for them (3.8-3.10: co_varnames, then the
	 * cell and free variables' cells), and the objects a bounded repr
	 * reads.  PY_NO_FIELD where a version has no such field, or where
	 * pysample does not know it (locals are then not read). */
	int frame_localsplus;
	int code_argcount, code_localnames, code_localkinds;
	int code_nlocals, code_cellvars, code_freevars;
	int object_type, type_name, type_flags;
	int tuple_size, tuple_items, list_size, list_items, dict_used, set_used, float_value;
	int long_size;  /* 3.8-3.11: signed ob_size counts the digits */
	int long_tag;   /* 3.12+: lv_tag, digits << 3 | sign */
	int long_digits, cell_ref;

	/* Python thread names (pythreads.c: threading's _active dict, found
	 * through sys.modules): modules, dicts and instance attributes. */
	int interp_modules, module_dict, dict_keys, dict_values;
	enum py_dictkeys_kind dictkeys_kind;
	int dictkeys_nentries, dictkeys_indices;
	int dictvalues_values; /* where a split table's values start */
	enum py_instdict_kind instdict_kind;
	int type_dictoffset, type_basicsize, heaptype_cached_keys;

	int bytes_size, bytes_data;
	int unicode_length, unicode_state, unicode_ascii_data, unicode_compact_data;
	unsigned unicode_state_shift; /* where the kind bits start, less 2 */
};

/* The table entry for a major.minor version, or NULL. */
const struct py_layout *py_layout_for_version(unsigned major, unsigned minor);

/* The cookie _PyRuntime starts with from 3.13 on. */
#define PY_DEBUG_COOKIE "xdebugpy"
#define PY_DEBUG_OFFSETS_MAX 2048 /* bytes of _Py_DebugOffsets worth reading */

/* Builds a layout from the raw bytes of a target's _Py_DebugOffsets.
 * False (with a reason) when the cookie, version or values are not sane. */
bool py_layout_from_debug_offsets(const uint8_t *bytes, size_t len, struct py_layout *out,
				  const char **why);

/* Prints "name value" lines, in the names tests/offsets/dump_offsets.c uses. */
void py_layout_dump(const struct py_layout *layout, FILE *out);

#endif
