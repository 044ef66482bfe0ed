/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pylocals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memread.h"
#include "pycode.h"

/* co_localspluskinds bits (Include/internal/pycore_code.h, 3.11+). */
#define CO_FAST_HIDDEN 0x10 /* 3.12+: an inlined comprehension's own */
#define CO_FAST_CELL 0x40
#define CO_FAST_FREE 0x80
/* More slots than this is not a frame of a real code object. */
#define SLOTS_MAX 4096

/* A tuple's item pointers: at most `max` of them, and its length. */
static bool read_tuple(struct py_repr_ctx *c, uint64_t tuple, uint64_t *items, size_t max,
		       size_t *n)
{
	uint64_t len;

	*n = 0;
	if (!tuple)
		return true; /* none: empty */
	if (!mem_read_u64(c->pid, tuple + (uint64_t)c->l->tuple_size, &len) || len > SLOTS_MAX)
		return false;
	*n = len < max ? (size_t)len : max;
	return mem_read(c->pid, tuple + (uint64_t)c->l->tuple_items, items, *n * 8);
}

long py_frame_locals(struct py_repr_ctx *c, uint64_t frame, uint64_t code, struct py_local *out,
		     size_t max, const char **why)
{
	const struct py_layout *l = c->l;
	uint64_t *names = NULL, *values = NULL;
	uint8_t *kinds = NULL;
	size_t nslots = 0, ncells_from = SLOTS_MAX;
	long bound = -1;

	*why = NULL;
	if (!py_repr_supported(l)) {
		*why = "pysample does not know where this CPython keeps locals";
		return -1;
	}
	names = xcalloc(SLOTS_MAX, sizeof(*names));
	if (l->code_localkinds != PY_NO_FIELD) {
		/* 3.11+: one tuple of names, one kind byte per slot. */
		uint64_t names_tuple, kinds_bytes, nkinds;
		if (!mem_read_u64(c->pid, code + (uint64_t)l->code_localnames, &names_tuple) ||
		    !mem_read_u64(c->pid, code + (uint64_t)l->code_localkinds, &kinds_bytes) ||
		    !read_tuple(c, names_tuple, names, SLOTS_MAX, &nslots) ||
		    !mem_read_u64(c->pid, kinds_bytes + (uint64_t)l->bytes_size, &nkinds) ||
		    nkinds != nslots)
			goto unreadable;
		kinds = xcalloc(nslots ? nslots : 1, 1);
		if (!mem_read(c->pid, kinds_bytes + (uint64_t)l->bytes_data, kinds, nslots))
			goto unreadable;
	} else {
		/* 3.8-3.10: co_varnames name the first co_nlocals slots; the
		 * cells of co_cellvars, then co_freevars, follow. */
		uint64_t tuples[3];
		int32_t nlocals;
		size_t n;
		if (!mem_read(c->pid, code + (uint64_t)l->code_nlocals, &nlocals, sizeof(nlocals)) ||
		    nlocals < 0 || nlocals > SLOTS_MAX ||
		    !mem_read_u64(c->pid, code + (uint64_t)l->code_localnames, &tuples[0]) ||
		    !mem_read_u64(c->pid, code + (uint64_t)l->code_cellvars, &tuples[1]) ||
		    !mem_read_u64(c->pid, code + (uint64_t)l->code_freevars, &tuples[2]) ||
		    !read_tuple(c, tuples[0], names, (size_t)nlocals, &n) || n != (size_t)nlocals)
			goto unreadable;
		nslots = n;
		ncells_from = n;
		for (int t = 1; t < 3; t++) {
			if (!read_tuple(c, tuples[t], names + nslots, SLOTS_MAX - nslots, &n))
				goto unreadable;
			nslots += n;
		}
	}
	values = xcalloc(nslots ? nslots : 1, sizeof(*values));
	if (nslots && !mem_read(c->pid, frame + (uint64_t)l->frame_localsplus, values, nslots * 8))
		goto unreadable;
	bound = 0;
	for (size_t i = 0; i < nslots; i++) {
		uint64_t value = values[i];
		bool cell = kinds ? (kinds[i] & (CO_FAST_CELL | CO_FAST_FREE)) : i >= ncells_from;
		if (kinds && (kinds[i] & CO_FAST_HIDDEN))
			continue;
		if (value && cell) {
			/* A frame that has not started yet holds the value
			 * itself (3.11+ makes the cells at its first
			 * instruction): only a cell is looked into. */
			const char *type;
			uint64_t flags;
			if (py_repr_type(c, value, &type, &flags) && strcmp(type, "cell") == 0 &&
			    !mem_read_u64(c->pid, value + (uint64_t)l->cell_ref, &value))
				value = 0;
		}
		if (!value)
			continue; /* unbound */
		if ((size_t)bound < max) {
			if (!py_read_str(c, names[i], out[bound].name, sizeof(out[bound].name)))
				snprintf(out[bound].name, sizeof(out[bound].name), "?");
			py_repr(c, value, out[bound].value, sizeof(out[bound].value));
		}
		bound++;
	}
	goto done;
unreadable:
	*why = "the code object or the frame is unreadable";
done:
	free(names);
	free(values);
	free(kinds);
	return bound;
}
