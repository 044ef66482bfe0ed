/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "procmaps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corefile.h"
#include "procfs.h"

/* Parses one hex number; advances *p.  False when no digit was found. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	int digits = 0;

	while (s < end && digits < 17) {
		char c = *s;
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		v = (v << 4) | (uint64_t)d;
		s++;
		digits++;
	}
	if (digits == 0 || digits > 16)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	int digits = 0;

	while (s < end && *s >= '0' && *s <= '9' && digits < 20) {
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		digits++;
	}
	if (digits == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

static void skip_blanks(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

static bool parse_line(const char *s, const char *end, struct map_entry *e)
{
	static const char deleted[] = " (deleted)";
	const size_t deleted_len = sizeof(deleted) - 1;
	size_t path_len;

	memset(e, 0, sizeof(*e));
	if (!parse_hex(&s, end, &e->start) || !expect(&s, end, '-') ||
	    !parse_hex(&s, end, &e->end) || e->end < e->start || !expect(&s, end, ' '))
		return false;
	if (end - s < 5)
		return false;
	e->readable = s[0] == 'r';
	e->writable = s[1] == 'w';
	e->executable = s[2] == 'x';
	s += 4;
	if (!expect(&s, end, ' ') || !parse_hex(&s, end, &e->offset) || !expect(&s, end, ' ') ||
	    !parse_hex(&s, end, &e->dev_major) || !expect(&s, end, ':') ||
	    !parse_hex(&s, end, &e->dev_minor) || !expect(&s, end, ' ') ||
	    !parse_dec(&s, end, &e->inode))
		return false;
	skip_blanks(&s, end);
	path_len = (size_t)(end - s);
	if (path_len >= deleted_len && memcmp(end - deleted_len, deleted, deleted_len) == 0) {
		e->deleted = true;
		path_len -= deleted_len;
	}
	e->path = xmalloc(path_len + 1);
	memcpy(e->path, s, path_len);
	e->path[path_len] = '\0';
	return true;
}

size_t procmaps_parse(const char *text, size_t len, struct proc_maps *out)
{
	const char *p = text, *end = text + len;
	size_t cap = 0, skipped = 0;

	out->entries = NULL;
	out->count = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		struct map_entry e;

		if (line_end > p) {
			if (parse_line(p, line_end, &e)) {
				grow_array((void **)&out->entries, &cap, out->count, sizeof(e));
				out->entries[out->count++] = e;
			} else {
				skipped++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return skipped;
}

bool procmaps_read(pid_t pid, struct proc_maps *out)
{
	char path[64];
	size_t len;
	char *text;

	if (corefile_space(pid))
		return corefile_maps(pid, out);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	text = procfs_read_file(path, 64u << 20, &len);
	if (!text)
		return false;
	procmaps_parse(text, len, out);
	free(text);
	return true;
}

void procmaps_free(struct proc_maps *maps)
{
	for (size_t i = 0; i < maps->count; i++)
		free(maps->entries[i].path);
	free(maps->entries);
	maps->entries = NULL;
	maps->count = 0;
}

/* The first mapping that ends after addr (maps->count if none): sorted by
 * start, and mappings do not overlap, so their ends are sorted too. */
static size_t first_ending_after(const struct proc_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (maps->entries[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool procmaps_overlaps(const struct proc_maps *maps, uint64_t start, uint64_t end)
{
	size_t i = first_ending_after(maps, start);

	return i < maps->count && maps->entries[i].start < end;
}

const struct map_entry *procmaps_find(const struct proc_maps *maps, uint64_t addr)
{
	size_t i = first_ending_after(maps, addr);

	return i < maps->count && maps->entries[i].start <= addr ? &maps->entries[i] : NULL;
}

/* Anonymous executable memory: JIT code, perf trampolines, code copied at
 * run time; not [vdso] and friends, which never go away. */
static bool is_anonymous_code(const struct map_entry *e)
{
	return e->executable && (e->path[0] == '\0' || strncmp(e->path, "[anon", 5) == 0);
}

/* Whether an entry of the old maps is carried over into the fresh ones. */
static bool keeps(const struct proc_maps *fresh, const struct map_entry *o, uint64_t now,
		  uint64_t keep_ns)
{
	return is_anonymous_code(o) && (!o->gone_ns || now - o->gone_ns < keep_ns) &&
	       !procmaps_overlaps(fresh, o->start, o->end);
}

size_t procmaps_keep_vanished_code(struct proc_maps *fresh, const struct proc_maps *old,
				   uint64_t now, uint64_t keep_ns)
{
	size_t kept = 0, n = fresh->count, j = 0, i = 0, k = 0;
	struct map_entry *merged;

	for (size_t m = 0; m < old->count; m++)
		kept += keeps(fresh, &old->entries[m], now, keep_ns);
	if (!kept)
		return 0;
	merged = xcalloc(n + kept, sizeof(*merged));
	/* Both lists are sorted and the kept entries overlap nothing fresh:
	 * one merge keeps the result sorted. */
	for (;;) {
		while (i < old->count && !keeps(fresh, &old->entries[i], now, keep_ns))
			i++;
		if (i < old->count && (k == n || old->entries[i].start < fresh->entries[k].start)) {
			merged[j] = old->entries[i++];
			merged[j].path = xstrdup(merged[j].path);
			if (!merged[j].gone_ns)
				merged[j].gone_ns = now;
			j++;
		} else if (k < n) {
			merged[j++] = fresh->entries[k++];
		} else {
			break;
		}
	}
	free(fresh->entries);
	fresh->entries = merged;
	fresh->count = j;
	return kept;
}

const char *procmaps_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
