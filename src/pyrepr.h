/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded, read-only description of one object of the target, for
 * `pysample dump --locals`: what repr() shows for None, bool, int (big
 * ones too), float, str and bytes; the type and length of a tuple, list,
 * dict or set; the type and address of anything else.  Nothing is ever
 * called in the target: every byte is read with process_vm_readv, checked,
 * and bounded, and an object the target freed or scribbled over reads as
 * "<unreadable ...>", never as a crash or an endless loop.
 */
#ifndef PYSAMPLE_PYREPR_H
#define PYSAMPLE_PYREPR_H

#include "common.h"
#include "pyversions.h"

/* What one value takes at most, terminating NUL included: a long str or
 * int shows its start and says how long it is. */
#define PY_REPR_MAX 192

/* The types seen lately, by address: locals share few types. */
#define PY_REPR_TYPES 32
struct py_repr_ctx {
	pid_t pid;
	const struct py_layout *l;
	struct {
		uint64_t addr;
		uint64_t flags;
		char name[48];
	} types[PY_REPR_TYPES];
	unsigned next_type;
};

void py_repr_init(struct py_repr_ctx *c, pid_t pid, const struct py_layout *l);

/* Whether this layout knows where locals and objects are (3.14+ and
 * pre-release layouts may not). */
bool py_repr_supported(const struct py_layout *l);

/* The text of a str object, cut between characters to fit. */
bool py_read_str(struct py_repr_ctx *c, uint64_t addr, char *out, size_t out_len);

/* A non-negative int below 2^64. */
bool py_read_u64(struct py_repr_ctx *c, uint64_t addr, uint64_t *value);

/* Describes the object at addr in out (always NUL-terminated). */
void py_repr(struct py_repr_ctx *c, uint64_t addr, char *out, size_t out_len);

/* The name of the object's type ("" when unreadable); 0 flags then. */
bool py_repr_type(struct py_repr_ctx *c, uint64_t addr, const char **name, uint64_t *flags);

/*
 * The pure parts, over bytes already copied (fuzzed: fuzz/fuzz_repr.c).
 * An int's header and digits (`obj`, `len` bytes from the object's start):
 * false when they are not a sane int; *needed says how many bytes a
 * complete read takes when len was short.
 */
bool py_format_int(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t out_len, size_t *needed);
/* A float as repr() writes it: the shortest string that reads back. */
void py_format_float(double v, char *out, size_t out_len);
/* A str object (header included) as a quoted, escaped literal, cut after
 * a bound; false when it is not a compact str. */
bool py_format_str(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t out_len, size_t *needed);
/* `len` of `total` bytes of a bytes object's data as b'...'. */
void py_format_bytes(const uint8_t *data, size_t len, uint64_t total, char *out, size_t out_len);

#endif
