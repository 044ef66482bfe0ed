/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dicts and instance attributes of the target, read only: what finding
 * threading.Thread objects and their names takes (pythreads.c).  Every
 * table is bounded and every pointer checked; a dict that changes while
 * it is read gives a wrong answer or none, never a crash.
 */
#ifndef PYSAMPLE_PYDICT_H
#define PYSAMPLE_PYDICT_H

#include "pyrepr.h"

/* Whether this layout knows dicts and instance attributes. */
bool py_dict_supported(const struct py_layout *l);

/* Calls fn for each entry (at most max); fn returns false to stop.
 * False when the dict is unreadable. */
typedef bool (*py_dict_fn)(void *arg, uint64_t key, uint64_t value);
bool py_dict_each(struct py_repr_ctx *c, uint64_t dict, size_t max, py_dict_fn fn, void *arg);

/* The value of the str key `key` in the dict at `dict`. */
bool py_dict_get(struct py_repr_ctx *c, uint64_t dict, const char *key, uint64_t *value);

/* The instance attribute `name` of the object at `obj` (its __dict__ or
 * the values CPython keeps in its place), not the type's. */
bool py_object_attr(struct py_repr_ctx *c, uint64_t obj, const char *name, uint64_t *value);

#endif
