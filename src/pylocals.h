/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Python frame's arguments and local variables, read from the target
 * while its thread is stopped (`pysample dump --locals`): the names from
 * the code object, the values from the frame's fast locals, each value
 * described by pyrepr.  Cell and free variables (closures) are read
 * through their cells.  Unbound names are left out, as locals() leaves
 * them out.
 */
#ifndef PYSAMPLE_PYLOCALS_H
#define PYSAMPLE_PYLOCALS_H

#include "pyrepr.h"

#define PY_LOCAL_NAME_MAX 64
/* Locals shown per frame; a frame with more says how many it has. */
#define PY_LOCALS_SHOWN 64

struct py_local {
	char name[PY_LOCAL_NAME_MAX];
	char value[PY_REPR_MAX];
};

/* Fills out[] with at most `max` bound locals of the frame at `frame`
 * running `code`, in the code object's order (arguments first).  Returns
 * how many bound locals the frame has in all (more than max: the rest
 * were left out), or -1 with *why set when they cannot be read. */
long py_frame_locals(struct py_repr_ctx *c, uint64_t frame, uint64_t code, struct py_local *out,
		     size_t max, const char **why);

#endif
