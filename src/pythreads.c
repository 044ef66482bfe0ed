/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pythreads.h"

#include <string.h>

#include "memread.h"

struct collect {
	struct py_repr_ctx *c;
	struct py_thread_name *out;
	size_t n, max;
};

static bool take_thread(void *arg, uint64_t key, uint64_t value)
{
	struct collect *k = arg;
	struct py_thread_name *t = &k->out[k->n];
	uint64_t name;

	if (k->n >= k->max)
		return false;
	if (py_read_u64(k->c, key, &t->thread_id) && py_object_attr(k->c, value, "_name", &name) &&
	    py_read_str(k->c, name, t->name, sizeof(t->name)) && t->name[0])
		k->n++;
	return true;
}

/* threading._active, through sys.modules["threading"].__dict__. */
static uint64_t find_active(struct py_repr_ctx *c, uint64_t interp)
{
	const struct py_layout *l = c->l;
	uint64_t modules, threading, dict, active;

	if (!mem_read_u64(c->pid, interp + (uint64_t)l->interp_modules, &modules) ||
	    !py_dict_get(c, modules, "threading", &threading) ||
	    !mem_read_u64(c->pid, threading + (uint64_t)l->module_dict, &dict) ||
	    !py_dict_get(c, dict, "_active", &active))
		return 0;
	return active;
}

static bool is_dict(struct py_repr_ctx *c, uint64_t addr)
{
	const char *type;
	uint64_t flags;

	return addr && py_repr_type(c, addr, &type, &flags) && strcmp(type, "dict") == 0;
}

size_t py_thread_names(struct py_repr_ctx *c, struct py_threads_cache *cache, uint64_t interp,
		       struct py_thread_name *out, size_t max)
{
	struct collect k = { c, out, 0, max };

	if (!py_dict_supported(c->l) || !interp)
		return 0;
	if (!is_dict(c, cache->active))
		cache->active = find_active(c, interp);
	if (!cache->active || !py_dict_each(c, cache->active, max, take_thread, &k))
		return 0;
	return k.n;
}
