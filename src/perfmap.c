/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "perfmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targetfs.h"

#define RECHECK_NS 10000000u      /* a miss looks at the file at most this often */
#define MAX_READ (16u << 20)      /* bytes read per look */
#define MAX_LINE 4096
#define MAX_ENTRIES (4u << 20)

void perf_map_init(struct perf_map *pm, pid_t pid, pid_t ns_pid)
{
	memset(pm, 0, sizeof(*pm));
	pm->pid = pid;
	snprintf(pm->path, sizeof(pm->path), "/tmp/perf-%d.map", (int)ns_pid);
	/* Through the target's root: a container's /tmp is not ours. */
}

static void clear_entries(struct perf_map *pm)
{
	for (size_t i = 0; i < pm->n; i++)
		free(pm->entries[i].name);
	pm->n = 0;
}

void perf_map_free(struct perf_map *pm)
{
	clear_entries(pm);
	free(pm->entries);
	pm->entries = NULL;
	pm->cap = 0;
}

static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	unsigned digits = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (digits >= 16)
			return false;
		v = v << 4 | d;
	}
	if (digits == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

static void skip_blanks(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

static void parse_line(struct perf_map *pm, const char *s, const char *end)
{
	uint64_t start, size;
	size_t name_len;
	char *name;

	pm->lines++;
	if (end - s > MAX_LINE || pm->n >= MAX_ENTRIES)
		return;
	skip_blanks(&s, end);
	if (!parse_hex(&s, end, &start) || s == end || (*s != ' ' && *s != '\t'))
		return;
	skip_blanks(&s, end);
	if (!parse_hex(&s, end, &size) || size == 0 || start + size < start)
		return;
	skip_blanks(&s, end);
	while (end > s && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	name_len = (size_t)(end - s);
	name = xmalloc(name_len + 1);
	memcpy(name, s, name_len);
	name[name_len] = '\0';
	grow_array((void **)&pm->entries, &pm->cap, pm->n, sizeof(*pm->entries));
	pm->entries[pm->n++] = (struct perf_map_entry){ start, size, pm->lines, name };
}

static int by_start(const void *a, const void *b)
{
	const struct perf_map_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by start; of several lines for the same start (a JIT that reused
 * the memory) only the last is kept. */
static void sort_entries(struct perf_map *pm)
{
	size_t kept = 0;

	qsort(pm->entries, pm->n, sizeof(*pm->entries), by_start);
	for (size_t i = 0; i < pm->n; i++) {
		if (i + 1 < pm->n && pm->entries[i + 1].start == pm->entries[i].start) {
			free(pm->entries[i].name);
			continue;
		}
		pm->entries[kept++] = pm->entries[i];
	}
	pm->n = kept;
}

size_t perf_map_parse(struct perf_map *pm, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t before = pm->n;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		parse_line(pm, p, nl);
		p = nl + 1;
	}
	if (pm->n != before)
		sort_entries(pm);
	return (size_t)(p - text);
}

/* perf reads a map file only when its owner is the user it runs as or
 * root; pysample, usually root, asks for the target's user or root: /tmp is
 * world-writable, and anyone else's file could name the target's code. */
static bool owner_ok(struct perf_map *pm, const struct stat *st)
{
	char proc[32];
	struct stat target;

	if (!S_ISREG(st->st_mode))
		return false;
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pm->pid);
	if (stat(proc, &target) != 0)
		return false;
	return st->st_uid == 0 || st->st_uid == target.st_uid;
}

static void reload(struct perf_map *pm)
{
	char why[256];
	struct stat st;
	size_t want, got = 0;
	char *buf;
	int fd;

	fd = targetfs_open_in_root(pm->pid, pm->path, why, sizeof(why));
	if (fd < 0 && errno == ENOENT)
		return; /* no perf map (yet) */
	if (fd < 0 || fstat(fd, &st) != 0 || !owner_ok(pm, &st)) {
		pys_warn("ignoring %s: not a regular file owned by the target's user or root",
			 pm->path);
		pm->refused = true;
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size < pm->parsed) {
		clear_entries(pm); /* written anew (an exec): start over */
		pm->parsed = 0;
		pm->lines = 0;
	}
	want = (uint64_t)st.st_size - pm->parsed > MAX_READ ? MAX_READ
							 : (size_t)((uint64_t)st.st_size - pm->parsed);
	if (want == 0) {
		close(fd);
		return;
	}
	buf = xmalloc(want);
	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, (off_t)(pm->parsed + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	pm->parsed += perf_map_parse(pm, buf, got);
	free(buf);
}

static const struct perf_map_entry *lookup(const struct perf_map *pm, uint64_t addr)
{
	const struct perf_map_entry *best = NULL;
	size_t lo = 0, hi = pm->n;

	while (lo < hi) { /* first entry starting above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (pm->entries[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Entries may overlap when a JIT reuses memory: the newest line that
	 * covers addr wins.  Look back a bounded distance. */
	for (size_t i = lo, k = 0; i > 0 && k < 64; i--, k++) {
		const struct perf_map_entry *e = &pm->entries[i - 1];
		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best;
}

const struct perf_map_entry *perf_map_find(struct perf_map *pm, uint64_t addr)
{
	const struct perf_map_entry *e = lookup(pm, addr);
	uint64_t now;

	if (e || pm->refused)
		return e;
	now = now_ns();
	if (now - pm->checked_ns < RECHECK_NS)
		return NULL;
	pm->checked_ns = now;
	reload(pm);
	return lookup(pm, addr);
}
