/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pyruntime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfsym.h"
#include "memread.h"
#include "corefile.h"
#include "targetfs.h"


/* "libpython3.11.so.1.0", "python3.11", "python3.11d" -> 3, 11. */
static bool version_from_name(const char *base, unsigned *major, unsigned *minor)
{
	const char *p = strstr(base, "python");
	if (!p)
		return false;
	return sscanf(p + 6, "%u.%u", major, minor) == 2 && *major == 3 && *minor < 100;
}

static bool is_candidate_module(const char *path, const char *exe)
{
	const char *base = procmaps_basename(path);
	return path[0] == '/' && (strncmp(base, "libpython", 9) == 0 || strcmp(path, exe) == 0);
}

/* The lowest-offset mapping of a file: enough to compute its load bias. */
static const struct map_entry *first_mapping(const struct proc_maps *maps, const char *path)
{
	const struct map_entry *best = NULL;
	for (size_t i = 0; i < maps->count; i++) {
		const struct map_entry *e = &maps->entries[i];
		if (strcmp(e->path, path) == 0 && (!best || e->offset < best->offset))
			best = e;
	}
	return best;
}

/* Finds _PyRuntime in one module through its symbols or its .PyRuntime section. */
static bool runtime_in_module(pid_t pid, const struct proc_maps *maps, const char *path,
			      struct py_runtime *rt)
{
	char reason[512];
	const char *why = NULL;
	const struct map_entry *first = first_mapping(maps, path);
	struct elf_file *ef;
	uint64_t value, size, bias;
	bool found = false;
	int fd;

	if (!first)
		return false;
	fd = targetfs_open_mapped(pid, first, reason, sizeof(reason));
	if (fd < 0) {
		pys_debug("cannot read %s: %s", path, reason);
		return false;
	}
	ef = elf_file_open_fd(fd, &why);
	if (!ef) {
		pys_debug("cannot read %s: %s", path, why);
		return false;
	}
	if (!elf_file_load_bias(ef, first->start, first->offset, &bias))
		goto out;
	if (elf_file_symbol(ef, "_PyRuntime", &value, &size)) {
		snprintf(rt->how, sizeof(rt->how), "symbol _PyRuntime");
		found = true;
	} else if (elf_file_section(ef, ".PyRuntime", &value, &size)) {
		snprintf(rt->how, sizeof(rt->how), "section .PyRuntime");
		found = true;
	}
	if (found) {
		uint64_t version_addr, version_size;
		rt->runtime_addr = bias + value;
		snprintf(rt->module, sizeof(rt->module), "%s", path);
		rt->version_hex = 0;
		if (elf_file_symbol(ef, "Py_Version", &version_addr, &version_size)) {
			uint32_t v;
			if (mem_read(pid, bias + version_addr, &v, sizeof(v)))
				rt->version_hex = v;
		}
	}
out:
	elf_file_close(ef);
	return found;
}

static bool read_exe_path(pid_t pid, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	if (corefile_space(pid)) {
		snprintf(out, len, "%s", corefile_exe(pid));
		return out[0] != '\0';
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, out, len - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	/* A replaced executable reads as "path (deleted)"; maps strip that too. */
	char *del = strstr(out, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	return true;
}

/* Chooses the layout: the target's own debug offsets from 3.13 on, the
 * table before.  The version comes from Py_Version, the debug offsets,
 * or the module's file name, in that order. */
static enum py_discovery choose_layout(pid_t pid, struct py_runtime *rt, char *why,
				       size_t why_len)
{
	uint8_t raw[PY_DEBUG_OFFSETS_MAX];
	size_t got = mem_read_partial(pid, rt->runtime_addr, raw, sizeof(raw));
	const struct py_layout *table;
	unsigned major = 0, minor = 0;
	const char *reason = NULL;

	if (got >= 16 && memcmp(raw, PY_DEBUG_COOKIE, 8) == 0) {
		if (py_layout_from_debug_offsets(raw, got, &rt->layout, &reason)) {
			uint64_t v;
			memcpy(&v, raw + 8, sizeof(v));
			if (!rt->version_hex)
				rt->version_hex = (unsigned)v;
			return PY_FOUND;
		}
		snprintf(why, why_len, "%s: %s", rt->module, reason);
		return PY_UNSUPPORTED;
	}
	if (rt->version_hex) {
		major = rt->version_hex >> 24;
		minor = (rt->version_hex >> 16) & 0xff;
	} else if (!version_from_name(procmaps_basename(rt->module), &major, &minor)) {
		snprintf(why, why_len,
			 "found _PyRuntime in %s but cannot tell the CPython version "
			 "(no Py_Version symbol, no debug offsets, no version in the file name)",
			 rt->module);
		return PY_UNSUPPORTED;
	} else {
		rt->version_hex = (major << 24) | (minor << 16);
	}
	table = py_layout_for_version(major, minor);
	if (!table) {
		snprintf(why, why_len,
			 "CPython %u.%u in %s is not supported (pysample reads 3.8 and later; "
			 "3.13+ through the interpreter's own _Py_DebugOffsets)",
			 major, minor, rt->module);
		return PY_UNSUPPORTED;
	}
	rt->layout = *table;
	return PY_FOUND;
}

#define SCAN_CHUNK (256u << 10)
#define SCAN_MAX_BYTES (256u << 20)

/*
 * 3.13+ without symbols or the section (a stripped, renamed or repackaged
 * build): _PyRuntime begins with the _Py_DebugOffsets cookie, in a
 * writable file-backed mapping.  Scan those, 8-byte aligned, and accept a
 * cookie followed by a plausible 3.13+ version.
 */
static bool runtime_by_scan(pid_t pid, const struct proc_maps *maps, struct py_runtime *rt)
{
	uint8_t *buf = xmalloc(SCAN_CHUNK);
	uint64_t scanned = 0;
	bool found = false;

	for (size_t i = 0; i < maps->count && !found && scanned < SCAN_MAX_BYTES; i++) {
		const struct map_entry *e = &maps->entries[i];
		if (!e->writable || e->path[0] != '/')
			continue;
		for (uint64_t at = e->start; at < e->end && !found; at += SCAN_CHUNK) {
			size_t want = e->end - at < SCAN_CHUNK ? (size_t)(e->end - at) : SCAN_CHUNK;
			size_t got = mem_read_partial(pid, at, buf, want);
			scanned += got;
			for (size_t off = 0; off + 16 <= got; off += 8) {
				uint64_t version;
				if (memcmp(buf + off, PY_DEBUG_COOKIE, 8) != 0)
					continue;
				memcpy(&version, buf + off + 8, 8);
				if ((version >> 24) != 3 || ((version >> 16) & 0xff) < 13 ||
				    ((version >> 16) & 0xff) > 99)
					continue;
				rt->runtime_addr = at + off;
				rt->version_hex = (unsigned)version;
				snprintf(rt->module, sizeof(rt->module), "%s", e->path);
				snprintf(rt->how, sizeof(rt->how), "scan for the _Py_DebugOffsets cookie");
				found = true;
				break;
			}
			if (got < want)
				break;
		}
	}
	free(buf);
	return found;
}

enum py_discovery py_runtime_discover(pid_t pid, const struct proc_maps *maps, bool scan_only,
				      struct py_runtime *rt, char *why, size_t why_len)
{
	char exe[4096] = "";
	bool located = false;
	enum py_discovery d;
	uint64_t head;

	memset(rt, 0, sizeof(*rt));
	read_exe_path(pid, exe, sizeof(exe));
	if (scan_only)
		located = runtime_by_scan(pid, maps, rt);
	/* libpython first: an embedding program's executable has no runtime. */
	for (int pass = 0; pass < 2 && !located && !scan_only; pass++) {
		for (size_t i = 0; i < maps->count && !located; i++) {
			const struct map_entry *e = &maps->entries[i];
			bool is_lib = strncmp(procmaps_basename(e->path), "libpython", 9) == 0;
			if (e->offset != 0 || !is_candidate_module(e->path, exe) ||
			    is_lib != (pass == 0))
				continue;
			located = runtime_in_module(pid, maps, e->path, rt);
		}
	}
	if (!located && !scan_only)
		located = runtime_by_scan(pid, maps, rt);
	if (!located) {
		snprintf(why, why_len,
			 "no CPython runtime in process %d (%s): neither the executable nor a "
			 "libpython defines _PyRuntime or a .PyRuntime section, and no "
			 "_Py_DebugOffsets cookie (CPython 3.13+) is in its writable memory",
			 (int)pid, exe[0] ? exe : "executable unknown");
		return PY_NOT_PYTHON;
	}
	d = choose_layout(pid, rt, why, why_len);
	if (d != PY_FOUND)
		return d;
	if (!mem_read_u64(pid, rt->runtime_addr + (uint64_t)rt->layout.runtime_interpreters_head,
			  &head) ||
	    head == 0) {
		snprintf(why, why_len, "CPython runtime in %s has no interpreter yet", rt->module);
		return PY_NOT_READY;
	}
	return PY_FOUND;
}
