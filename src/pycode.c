/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pycode.h"

#include <stdlib.h>
#include <string.h>

#include "linetable.h"
#include "memread.h"

#define CODE_CACHE_MAX 65536  /* entries; the cache starts over when full */
#define MAX_NAME_CHARS 1024
#define NAME_CUT "[...]"
/* Python's own bound on a string's length: anything larger is garbage. */
#define PY_SSIZE_MAX ((uint64_t)INT64_MAX)
#define MAX_LINETABLE (1u << 20)
#define MAX_BATCH 512
#define STRINGS_MAX_BYTES (32u << 20)

void py_code_cache_init(struct py_code_cache *c)
{
	memset(c, 0, sizeof(*c));
}

static void free_entry(struct py_code_info *e)
{
	free(e->linetable);
	memset(e, 0, sizeof(*e));
}

void py_code_cache_clear(struct py_code_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].addr)
			free_entry(&c->slots[i]);
	c->used = 0;
}

void py_code_cache_free(struct py_code_cache *c)
{
	py_code_cache_clear(c);
	for (size_t i = 0; i < c->strings_cap; i++)
		free(c->strings[i]); /* a hash table: empty slots are NULL */
	free(c->strings);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

static size_t slot_of(const struct py_code_cache *c, uint64_t addr)
{
	return hash_index(addr, c->cap);
}

static struct py_code_info *find_slot(struct py_code_cache *c, uint64_t addr)
{
	size_t i = slot_of(c, addr);
	while (c->slots[i].addr && c->slots[i].addr != addr)
		i = (i + 1) & (c->cap - 1);
	return &c->slots[i];
}

static void rehash(struct py_code_cache *c, size_t cap)
{
	struct py_code_info *old = c->slots;
	size_t old_cap = c->cap;

	c->slots = xcalloc(cap, sizeof(*c->slots));
	c->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].addr)
			*find_slot(c, old[i].addr) = old[i];
	free(old);
}

/* Where the key words sit in a code object: from the lowest of the four
 * pointer fields to the end of the highest. */
static void key_span(const struct py_layout *l, int *lo, int *hi)
{
	const int f[] = { l->code_filename, l->code_name, l->code_qualname, l->code_linetable };
	*lo = 1 << 30;
	*hi = 0;
	for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
		if (f[i] == PY_NO_FIELD)
			continue;
		if (f[i] < *lo)
			*lo = f[i];
		if (f[i] + 8 > *hi)
			*hi = f[i] + 8;
	}
}

static void extract_key(const struct py_layout *l, const uint8_t *span, int lo, uint64_t key[4])
{
	const int f[] = { l->code_filename, l->code_name, l->code_qualname, l->code_linetable };
	for (size_t i = 0; i < 4; i++) {
		key[i] = 0;
		if (f[i] != PY_NO_FIELD)
			memcpy(&key[i], span + (f[i] - lo), 8);
	}
}

void py_put_utf8(uint32_t cp, char *out, size_t out_len, size_t *pos)
{
	char tmp[4];
	size_t n;

	if (cp < 0x20 || cp == 0x7f)
		cp = '?'; /* control characters would break the output's lines */
	/* Surrogates and values past Unicode (garbage memory) would make the
	 * output invalid UTF-8: replace them before choosing the length. */
	if ((cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*pos + n < out_len) {
		memcpy(out + *pos, tmp, n);
		*pos += n;
	}
}

bool py_unicode_header(const struct py_layout *l, const uint8_t *obj, size_t len, unsigned *kind,
		       uint64_t *length, size_t *data)
{
	uint32_t state;

	if ((size_t)l->unicode_state + 4 > len || (size_t)l->unicode_length + 8 > len)
		return false;
	memcpy(&state, obj + l->unicode_state, 4);
	state >>= l->unicode_state_shift;
	memcpy(length, obj + l->unicode_length, 8);
	*kind = (state >> 2) & 7;
	if (!((state >> 5) & 1) || (*kind != 1 && *kind != 2 && *kind != 4) ||
	    *length > PY_SSIZE_MAX)
		return false; /* not a compact string */
	*data = (size_t)(((state >> 6) & 1) ? l->unicode_ascii_data : l->unicode_compact_data);
	return true;
}

uint32_t py_unicode_char(const uint8_t *p, unsigned kind)
{
	return kind == 1 ? p[0]
	       : kind == 2 ? (uint32_t)(p[0] | p[1] << 8)
			   : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24;
}

bool py_decode_unicode(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		       size_t out_len, size_t *needed)
{
	uint64_t length;
	unsigned kind;
	size_t data, pos = 0;

	*needed = 0;
	if (out_len == 0 || !py_unicode_header(l, obj, len, &kind, &length, &data))
		return false;
	/* A longer name (generated code, a lambda in a long expression) keeps
	 * its first MAX_NAME_CHARS characters and says it was cut. */
	uint64_t shown = length > MAX_NAME_CHARS ? MAX_NAME_CHARS : length;
	if (data + shown * kind > len) {
		*needed = data + shown * kind;
		return false;
	}
	for (uint64_t i = 0; i < shown; i++)
		py_put_utf8(py_unicode_char(obj + data + i * kind, kind), out, out_len, &pos);
	if (shown < length && pos + sizeof(NAME_CUT) <= out_len) {
		memcpy(out + pos, NAME_CUT, sizeof(NAME_CUT) - 1);
		pos += sizeof(NAME_CUT) - 1;
	}
	out[pos] = '\0';
	return true;
}

/* The stored copy of s.  Names repeat across code objects (every lambda,
 * every file), so the table stays small; a linear probe table keyed by a
 * string hash. */
static const char *intern(struct py_code_cache *c, const char *s)
{
	size_t len = strlen(s), i;
	uint64_t h = 1469598103934665603ull;

	for (size_t k = 0; k < len; k++)
		h = (h ^ (unsigned char)s[k]) * 1099511628211ull;
	if (2 * (c->nstrings + 1) > c->strings_cap) {
		size_t cap = c->strings_cap ? c->strings_cap * 2 : 1024;
		char **old = c->strings, **table = xcalloc(cap, sizeof(*table));
		size_t n = c->strings_cap;
		for (size_t k = 0; k < n; k++) {
			if (!old[k])
				continue;
			uint64_t hk = 1469598103934665603ull;
			for (const char *p = old[k]; *p; p++)
				hk = (hk ^ (unsigned char)*p) * 1099511628211ull;
			for (i = hk & (cap - 1); table[i]; i = (i + 1) & (cap - 1))
				;
			table[i] = old[k];
		}
		free(old);
		c->strings = table;
		c->strings_cap = cap;
	}
	for (i = h & (c->strings_cap - 1); c->strings[i]; i = (i + 1) & (c->strings_cap - 1))
		if (strcmp(c->strings[i], s) == 0)
			return c->strings[i];
	if (c->string_bytes + len + 1 > STRINGS_MAX_BYTES)
		return "[name table full]";
	c->strings[i] = xstrdup(s);
	c->string_bytes += len + 1;
	c->nstrings++;
	return c->strings[i];
}

static char *read_string(pid_t pid, const struct py_layout *l, uint64_t addr)
{
	uint8_t small[256], *buf = small;
	char out[MAX_NAME_CHARS * 4 + sizeof(NAME_CUT)];
	size_t got, needed;
	bool ok;

	got = mem_read_partial(pid, addr, small, sizeof(small));
	ok = py_decode_unicode(l, small, got, out, sizeof(out), &needed);
	if (!ok && needed > got) {
		buf = xmalloc(needed);
		ok = mem_read(pid, addr, buf, needed) &&
		     py_decode_unicode(l, buf, needed, out, sizeof(out), &needed);
		free(buf);
	}
	return ok ? xstrdup(out) : NULL;
}

static uint8_t *read_bytes_object(pid_t pid, const struct py_layout *l, uint64_t addr,
				  size_t *len)
{
	uint64_t size;
	uint8_t *data;

	*len = 0;
	if (!addr || !mem_read_u64(pid, addr + (uint64_t)l->bytes_size, &size) ||
	    size > MAX_LINETABLE)
		return NULL;
	data = xmalloc(size ? size : 1);
	if (!mem_read(pid, addr + (uint64_t)l->bytes_data, data, size)) {
		free(data);
		return NULL;
	}
	*len = size;
	return data;
}

static bool load_entry(struct py_code_cache *c, pid_t pid, const struct py_layout *l,
		       uint64_t addr, const uint64_t key[4], struct py_code_info *e)
{
	char *name, *filename;
	int32_t firstlineno;
	uint64_t name_ptr = l->code_qualname != PY_NO_FIELD && key[2] ? key[2] : key[1];

	if (!mem_read(pid, addr + (uint64_t)l->code_firstlineno, &firstlineno, 4))
		return false;
	name = read_string(pid, l, name_ptr);
	filename = read_string(pid, l, key[0]);
	if (!name || !filename) {
		free(name);
		free(filename);
		return false;
	}
	e->name = intern(c, name);
	e->filename = intern(c, filename);
	free(name);
	free(filename);
	e->addr = addr;
	memcpy(e->key, key, sizeof(e->key));
	e->firstlineno = firstlineno;
	e->linetable = read_bytes_object(pid, l, key[3], &e->linetable_len);
	return true;
}

/*
 * For each frame, the first frame with the same code object: a recursion
 * repeats one code object hundreds of times, and each distinct one needs
 * checking only once per snapshot (the check is a read, and every read
 * pins a page in the kernel).  `table` has `cap` (a power of two, at least
 * 2n) slots.
 */
static void find_repeats(const struct py_frame_ref *frames, size_t n, size_t *first,
			 size_t *table, size_t cap)
{
	memset(table, 0xff, cap * sizeof(*table));
	for (size_t i = 0; i < n; i++) {
		size_t h = hash_index(frames[i].code, cap);
		while (table[h] != SIZE_MAX && frames[table[h]].code != frames[i].code)
			h = (h + 1) & (cap - 1);
		if (table[h] == SIZE_MAX)
			table[h] = i;
		first[i] = table[h];
	}
}

/*
 * Resolves every frame of a snapshot; out[i] is NULL where the code object
 * could not be read.  One batched read checks the cached entries; only
 * entries not yet cached cost further reads.
 */
static void resolve(struct py_code_cache *c, pid_t pid, const struct py_layout *l,
		    const struct py_frame_ref *frames, size_t n, struct py_code_info **out)
{
	struct mem_request reqs[MAX_BATCH];
	uint8_t spans[MAX_BATCH][64];
	size_t which[MAX_BATCH], small_first[64], small_table[128], table_cap = 128;
	size_t *first = small_first, *table = small_table;
	int lo, hi;

	if (!n)
		return;
	key_span(l, &lo, &hi);
	if (n > ARRAY_SIZE(small_first)) {
		while (table_cap < 2 * n)
			table_cap *= 2;
		first = xmalloc(n * sizeof(*first));
		table = xmalloc(table_cap * sizeof(*table));
	}
	find_repeats(frames, n, first, table, table_cap);
	/* Make room before handing out any pointer: growing or clearing later
	 * in this call would leave earlier out[] entries dangling.  Memory
	 * stays bounded: at the cap the cache starts over. */
	if (c->used + n > CODE_CACHE_MAX / 2)
		py_code_cache_clear(c);
	if (!c->cap || 2 * (c->used + n) > c->cap) {
		size_t cap = c->cap ? c->cap : 1024;
		while (2 * (c->used + n) > cap && cap < CODE_CACHE_MAX)
			cap *= 2;
		if (cap != c->cap)
			rehash(c, cap);
	}
	for (size_t next = 0; next < n;) {
		size_t k = 0;

		/* The next batch of distinct code objects. */
		for (; next < n && k < MAX_BATCH; next++) {
			if (first[next] != next)
				continue;
			which[k] = next;
			reqs[k].addr = frames[next].code + (uint64_t)lo;
			reqs[k].buf = spans[k];
			reqs[k].len = (size_t)(hi - lo);
			reqs[k].ok = false;
			k++;
		}
		if (hi - lo > 64)
			memset(reqs, 0, sizeof(reqs[0]) * k);
		else
			mem_read_batch(pid, reqs, k);
		for (size_t i = 0; i < k; i++) {
			uint64_t addr = frames[which[i]].code, key[4];
			struct py_code_info *slot;

			out[which[i]] = NULL;
			if (!reqs[i].ok) {
				c->bad++;
				continue;
			}
			extract_key(l, spans[i], lo, key);
			slot = find_slot(c, addr);
			if (slot->addr == addr && memcmp(slot->key, key, sizeof(key)) == 0) {
				c->hits++;
				out[which[i]] = slot;
				continue;
			}
			c->misses++;
			if (slot->addr == addr) {
				free_entry(slot); /* freed and reused: the key changed */
				c->used--;
			}
			if (load_entry(c, pid, l, addr, key, slot)) {
				c->used++;
				out[which[i]] = slot;
			} else {
				c->bad++;
			}
		}
	}
	/* Distinct ones come first in frame order, so each repeat's first
	 * is resolved by now. */
	for (size_t i = 0; i < n; i++)
		out[i] = out[first[i]];
	if (first != small_first) {
		free(first);
		free(table);
	}
}

/* Line of a frame, or -1.  A frame's code object is usually at the same
 * instruction as last time (each level of a recursion at its call, a loop
 * sampled again): one remembered answer per code object saves the scan. */
static int line_of(const struct py_layout *l, struct py_code_info *ci, uint64_t instr)
{
	if (!ci->line_known || ci->line_instr != instr) {
		ci->line_instr = instr;
		ci->line = linetable_line_for_offset(l->linetable_kind, ci->linetable,
						     ci->linetable_len, ci->firstlineno, instr);
		ci->line_known = true;
	}
	return ci->line;
}

void py_code_name_frames(struct py_code_cache *c, pid_t pid, const struct py_layout *l,
			 struct py_frame_ref *frames, size_t n)
{
	struct py_code_info *small[64], **infos = n <= 64 ? small : xmalloc(n * sizeof(*infos));

	resolve(c, pid, l, frames, n, infos);
	for (size_t i = 0; i < n; i++) {
		struct py_code_info *ci = infos[i];
		frames[i].name = ci ? ci->name : NULL;
		frames[i].filename = ci ? ci->filename : NULL;
		frames[i].first_line = ci ? ci->firstlineno : 0;
		if (!ci)
			frames[i].line = -1;
		else if (frames[i].flags & PYF_NOT_STARTED)
			frames[i].line = ci->firstlineno; /* as CPython says of it */
		else
			frames[i].line = line_of(l, ci, frames[i].instr);
	}
	if (infos != small)
		free(infos);
}
