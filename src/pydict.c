/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pydict.h"

#include <stdlib.h>
#include <string.h>

#include "memread.h"
#include "pycode.h"

#define TPFLAGS_INLINE_VALUES (1ull << 2) /* 3.13+ */
#define TPFLAGS_MANAGED_DICT (1ull << 4)  /* 3.11+ */
#define TPFLAGS_DICT (1ull << 29)
/* A dict with more entries than this is not walked (sys.modules has a few
 * thousand; threading._active one per thread). */
#define ENTRIES_MAX 65536
#define CHUNK 256 /* entries read per syscall */
#define KEY_MAX 128

bool py_dict_supported(const struct py_layout *l)
{
	return py_repr_supported(l) && l->instdict_kind != PY_INSTDICT_NONE &&
	       l->dict_keys != PY_NO_FIELD && l->dict_values != PY_NO_FIELD &&
	       l->interp_modules != PY_NO_FIELD && l->module_dict != PY_NO_FIELD;
}

/* The entries of a keys table; with `values` (a split table: the keys a
 * class shares, the values its instance keeps) each value is found there,
 * by the entry's index. */
static bool each_entry(struct py_repr_ctx *c, uint64_t keys, uint64_t values, size_t max,
		       py_dict_fn fn, void *arg)
{
	const struct py_layout *l = c->l;
	uint8_t head[64], chunk[CHUNK * 24];
	uint64_t vals[CHUNK];
	uint64_t nentries, entries, esize, key_at, value_at;

	if (!keys || !mem_read(c->pid, keys, head, sizeof(head)))
		return false;
	memcpy(&nentries, head + l->dictkeys_nentries, 8);
	if (l->dictkeys_kind == PY_DICTKEYS_BY_SIZE) {
		uint64_t size, width;
		memcpy(&size, head + 8, 8);
		if (!size || size > (1ull << 32) || (size & (size - 1)))
			return false;
		width = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
		entries = keys + (uint64_t)l->dictkeys_indices + size * width;
		esize = 24, key_at = 8, value_at = 16;
	} else {
		unsigned log2_size = head[8], log2_index_bytes = head[9], kind = head[10];
		if (log2_size > 32 || log2_index_bytes > 35)
			return false;
		entries = keys + (uint64_t)l->dictkeys_indices + (1ull << log2_index_bytes);
		if (kind == 0) /* DICT_KEYS_GENERAL: hash, key, value */
			esize = 24, key_at = 8, value_at = 16;
		else /* unicode keys: key, value */
			esize = 16, key_at = 0, value_at = 8;
	}
	if (nentries > ENTRIES_MAX)
		return false;
	if (nentries > max)
		nentries = max;
	for (uint64_t done = 0; done < nentries; done += CHUNK) {
		size_t n = nentries - done < CHUNK ? (size_t)(nentries - done) : CHUNK;
		if (!mem_read(c->pid, entries + done * esize, chunk, n * esize))
			return false;
		if (values && !mem_read(c->pid, values + (uint64_t)l->dictvalues_values + done * 8,
					vals, n * 8))
			return false;
		for (size_t i = 0; i < n; i++) {
			uint64_t key, value;
			memcpy(&key, chunk + i * esize + key_at, 8);
			if (values)
				value = vals[i];
			else
				memcpy(&value, chunk + i * esize + value_at, 8);
			if (key && value && !fn(arg, key, value))
				return true;
		}
	}
	return true;
}

bool py_dict_each(struct py_repr_ctx *c, uint64_t dict, size_t max, py_dict_fn fn, void *arg)
{
	const char *type;
	uint64_t flags, keys, values;

	if (!py_dict_supported(c->l) || !dict || !py_repr_type(c, dict, &type, &flags) ||
	    !(flags & TPFLAGS_DICT) ||
	    !mem_read_u64(c->pid, dict + (uint64_t)c->l->dict_keys, &keys) ||
	    !mem_read_u64(c->pid, dict + (uint64_t)c->l->dict_values, &values))
		return false;
	return each_entry(c, keys, values, max, fn, arg);
}

struct find {
	struct py_repr_ctx *c;
	const char *key;
	uint64_t value;
	bool found;
};

static bool match_key(void *arg, uint64_t key, uint64_t value)
{
	struct find *f = arg;
	char text[KEY_MAX];

	if (py_read_str(f->c, key, text, sizeof(text)) && strcmp(text, f->key) == 0) {
		f->value = value;
		f->found = true;
		return false;
	}
	return true;
}

bool py_dict_get(struct py_repr_ctx *c, uint64_t dict, const char *key, uint64_t *value)
{
	struct find f = { c, key, 0, false };

	if (!py_dict_each(c, dict, ENTRIES_MAX, match_key, &f) || !f.found)
		return false;
	*value = f.value;
	return true;
}

/* The values a class's instance keeps in place of a dict, with the keys
 * its class shares (PyHeapTypeObject.ht_cached_keys). */
static bool get_from_values(struct py_repr_ctx *c, uint64_t type, uint64_t values,
			    const char *name, uint64_t *value)
{
	struct find f = { c, name, 0, false };
	uint64_t keys;

	if (!mem_read_u64(c->pid, type + (uint64_t)c->l->heaptype_cached_keys, &keys) ||
	    !each_entry(c, keys, values, KEY_MAX, match_key, &f) || !f.found)
		return false;
	*value = f.value;
	return true;
}

bool py_object_attr(struct py_repr_ctx *c, uint64_t obj, const char *name, uint64_t *value)
{
	const struct py_layout *l = c->l;
	const char *type_name;
	uint64_t flags, type, slot;
	int64_t dictoffset;

	if (!py_dict_supported(l) || !py_repr_type(c, obj, &type_name, &flags) ||
	    !mem_read_u64(c->pid, obj + (uint64_t)l->object_type, &type))
		return false;
	switch (l->instdict_kind) {
	case PY_INSTDICT_TYPE_OFFSET:
		if (!mem_read(c->pid, type + (uint64_t)l->type_dictoffset, &dictoffset, 8) ||
		    dictoffset <= 0 || dictoffset > (1 << 20) ||
		    !mem_read_u64(c->pid, obj + (uint64_t)dictoffset, &slot))
			return false;
		return py_dict_get(c, slot, name, value);
	case PY_INSTDICT_MANAGED_311:
		if (!(flags & TPFLAGS_MANAGED_DICT) || !mem_read_u64(c->pid, obj - 32, &slot))
			return false;
		if (slot)
			return get_from_values(c, type, slot, name, value);
		return mem_read_u64(c->pid, obj - 24, &slot) && py_dict_get(c, slot, name, value);
	case PY_INSTDICT_MANAGED_312:
		if (!(flags & TPFLAGS_MANAGED_DICT) || !mem_read_u64(c->pid, obj - 24, &slot))
			return false;
		/* Values are stored one byte short of their address, so that
		 * bit 0 tells them from a dict. */
		if (slot & 1)
			return get_from_values(c, type, slot + 1, name, value);
		return py_dict_get(c, slot, name, value);
	case PY_INSTDICT_INLINE_313: {
		uint64_t basicsize;
		uint8_t valid;
		if (!(flags & TPFLAGS_MANAGED_DICT) || !mem_read_u64(c->pid, obj - 24, &slot))
			return false;
		if (slot)
			return py_dict_get(c, slot, name, value);
		/* struct _dictvalues: capacity, size, embedded, valid, values. */
		if (!(flags & TPFLAGS_INLINE_VALUES) ||
		    !mem_read_u64(c->pid, type + (uint64_t)l->type_basicsize, &basicsize) ||
		    basicsize > (1 << 20) || !mem_read(c->pid, obj + basicsize + 3, &valid, 1) ||
		    !valid)
			return false;
		return get_from_values(c, type, obj + basicsize, name, value);
	}
	case PY_INSTDICT_NONE:
		break;
	}
	return false;
}
