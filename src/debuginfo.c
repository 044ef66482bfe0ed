/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "debuginfo.h"

#include <dlfcn.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modules.h"
#include "targetfs.h"

#define DEBUG_DIR "/usr/lib/debug"
#define MAX_BUILD_ID 64
/* A debug file larger than this is not read whole for its CRC. */
#define MAX_CRC_BYTES (4ull << 30)
#define DEBUGINFOD_TIMEOUT "5"

static bool debuginfod_allowed, debuginfod_failed;
static void *debuginfod_lib;
static struct debuginfod_api {
	void *(*begin)(void);
	int (*find_debuginfo)(void *client, const unsigned char *id, int len, char **path);
	void (*end)(void *client);
	void (*set_progressfn)(void *client, int (*fn)(void *client, long a, long b));
} dbgd;
/* When the current query gives up (DEBUGINFOD_TIMEOUT bounds each wait
 * for data, not a query: retries and several URLs add up). */
static uint64_t debuginfod_deadline_ns;

void debuginfo_allow_debuginfod(bool allow)
{
	debuginfod_allowed = allow;
	/* Cleared, libdw never asks a server on its own either. */
	if (!allow)
		unsetenv("DEBUGINFOD_URLS");
	else if (!getenv("DEBUGINFOD_TIMEOUT"))
		setenv("DEBUGINFOD_TIMEOUT", DEBUGINFOD_TIMEOUT, 1);
}

static int debuginfod_progress(void *client, long done, long total)
{
	(void)client, (void)done, (void)total;
	return now_ns() > debuginfod_deadline_ns; /* nonzero: cancel */
}

uint32_t debuginfo_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
	static uint32_t table[256];

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* The CRC of a whole regular file, read to the size it had when opened:
 * a file that grows, or claims to be endless, is not read on and on. */
static bool file_crc(int fd, uint32_t *crc)
{
	struct stat st;
	uint8_t buf[65536];
	uint64_t left, at = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_CRC_BYTES)
		return false;
	*crc = 0;
	for (left = (uint64_t)st.st_size; left;) {
		ssize_t n = pread(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf), (off_t)at);
		if (n <= 0)
			return false;
		*crc = debuginfo_crc32(*crc, buf, (size_t)n);
		left -= (uint64_t)n;
		at += (uint64_t)n;
	}
	return true;
}

/* The .gnu_debugaltlink section of an ELF file: a file name, its NUL, the
 * build ID. */
static bool read_altlink(Elf *elf, struct debug_found *f)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *name;
		Elf_Data *data;
		size_t len;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!name || strcmp(name, ".gnu_debugaltlink") != 0)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return false;
		len = strnlen(data->d_buf, data->d_size);
		if (len == 0 || len >= data->d_size || len >= sizeof(f->alt_name) ||
		    data->d_size - len - 1 > DEBUGINFO_MAX_BUILD_ID)
			return false;
		memcpy(f->alt_name, data->d_buf, len);
		f->alt_name[len] = '\0';
		f->alt_id_len = data->d_size - len - 1;
		memcpy(f->alt_id, (const char *)data->d_buf + len + 1, f->alt_id_len);
		return f->has_alt = true;
	}
	return false;
}

/* A place to look: a path in pysample's root, or in the target's. */
struct candidate {
	bool in_target;
	char path[PATH_MAX];
};

static int open_candidate(pid_t pid, const struct candidate *c)
{
	char why[256];

	return c->in_target ? targetfs_open_in_root(pid, c->path, why, sizeof(why))
			    : targetfs_open_local(c->path, why, sizeof(why));
}

static bool path_is_plain(const char *path)
{
	size_t len = strlen(path);

	/* No "." or ".." component and no control character. */
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return !strstr(path, "/./") && !strstr(path, "/../") && strncmp(path, "../", 3) != 0 &&
	       strncmp(path, "./", 2) != 0 && strcmp(path, "..") != 0 && strcmp(path, ".") != 0 &&
	       !(len >= 3 && strcmp(path + len - 3, "/..") == 0) &&
	       !(len >= 2 && strcmp(path + len - 2, "/.") == 0);
}

static bool name_is_plain(const char *name)
{
	size_t len = strlen(name);

	return len && len < NAME_MAX && !strchr(name, '/') && path_is_plain(name);
}

/* The build-ID path of `id` under pysample's debug directory. */
static void build_id_path(const uint8_t *id, size_t len, char *out, size_t out_len)
{
	int at = snprintf(out, out_len, DEBUG_DIR "/.build-id/%02x/", id[0]);

	for (size_t i = 1; i < len && at > 0 && (size_t)at + 3 < out_len; i++)
		at += snprintf(out + at, out_len - (size_t)at, "%02x", id[i]);
	snprintf(out + at, out_len - (size_t)at, ".debug");
}

/* The directory of `path` (up to its last '/'), in out. */
static void dir_of(const char *path, char *out, size_t out_len)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (len >= out_len)
		len = out_len - 1;
	memcpy(out, path, len);
	out[len] = '\0';
}

static int open_alt(pid_t pid, const struct debug_found *f, char **file_name);

/*
 * Whether the file open at fd is the one wanted: its build ID is `id` (or,
 * where either has none, its CRC the debug link's), and any alternate file
 * it links is found by this same search (recorded in `f`, when given).
 */
static bool is_wanted(pid_t pid, int fd, const struct candidate *c, const uint8_t *id,
		      size_t id_len, bool crc_known, uint32_t crc, struct debug_found *f)
{
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	const void *file_id = NULL;
	ssize_t file_id_len;
	struct debug_found links = { .in_target = c->in_target };
	bool ok = false;
	uint32_t file_crc_value;
	int alt_fd;

	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return false;
	}
	file_id_len = dwelf_elf_gnu_build_id(elf, &file_id);
	if (id_len && file_id_len > 0)
		ok = (size_t)file_id_len == id_len && memcmp(file_id, id, id_len) == 0;
	else if (crc_known)
		ok = file_crc(fd, &file_crc_value) && file_crc_value == crc;
	snprintf(links.path, sizeof(links.path), "%s", c->path);
	if (ok && f && read_altlink(elf, &links)) {
		alt_fd = open_alt(pid, &links, NULL);
		if (alt_fd < 0) {
			pys_debug("%s links %s, which is not where pysample looks: not used", c->path,
				  links.alt_name);
			ok = false;
		} else {
			close(alt_fd);
		}
	}
	if (ok && f) {
		links.taken = true;
		*f = links;
	}
	elf_end(elf);
	return ok;
}

static int take(pid_t pid, const struct candidate *c, const uint8_t *id, size_t id_len,
		bool crc_known, uint32_t crc, struct debug_found *f, char **file_name)
{
	int fd = open_candidate(pid, c);

	if (fd < 0)
		return -1;
	if (!is_wanted(pid, fd, c, id, id_len, crc_known, crc, f)) {
		close(fd);
		return -1;
	}
	if (file_name)
		*file_name = xstrdup(c->path);
	return fd;
}

/* A dwz alternate file: by its build ID under pysample's debug directory;
 * else by its name, relative to the file that links it, in that file's
 * root (a relative name may climb out of its directory, as dwz's
 * "../../.dwz/x.debug" does: inside the root, never beyond). */
static int open_alt(pid_t pid, const struct debug_found *f, char **file_name)
{
	struct candidate c = { false, "" };
	char dir[PATH_MAX];
	int fd;

	if (f->alt_id_len) {
		build_id_path(f->alt_id, f->alt_id_len, c.path, sizeof(c.path));
		if ((fd = take(pid, &c, f->alt_id, f->alt_id_len, false, 0, NULL, file_name)) >= 0)
			return fd;
	}
	c.in_target = f->in_target;
	if (f->alt_name[0] == '/') {
		if (!path_is_plain(f->alt_name))
			return -1;
		snprintf(c.path, sizeof(c.path), "%s", f->alt_name);
	} else {
		dir_of(f->path, dir, sizeof(dir));
		if (snprintf(c.path, sizeof(c.path), "%s/%s", dir, f->alt_name) >= (int)sizeof(c.path))
			return -1;
		/* ".." climbs inside the target's root at worst; in pysample's
		 * own root only plain names are followed. */
		if (!c.in_target && !path_is_plain(c.path))
			return -1;
	}
	for (const char *p = c.path; *p; p++)
		if ((unsigned char)*p < 0x20)
			return -1;
	return take(pid, &c, f->alt_id, f->alt_id_len, false, 0, NULL, file_name);
}

void debuginfo_note_module_elf(struct debug_found *found, Elf *elf, const char *path)
{
	struct debug_found own = { .in_target = true };

	if (!elf || !read_altlink(elf, &own))
		return;
	snprintf(own.path, sizeof(own.path), "%s", path);
	*found = own;
}

bool debuginfo_dwarf_usable(Dwfl_Module *mod)
{
	struct module_info *info = (struct module_info *)modules_info(mod);
	Dwarf_Addr bias;

	if (!info)
		return false;
	if (!info->dwarf_checked) {
		/* Loads the DWARF (asking this search for its files). */
		Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
		info->dwarf_checked = true;
		info->dwarf_usable = dw && (!info->debug.has_alt || info->debug.alt_resolved);
		if (dw && !info->dwarf_usable)
			pys_debug("%s: no inlined frames: its DWARF links %s, not found where pysample "
				  "looks",
				  info->path, info->debug.alt_name);
	}
	return info->dwarf_usable;
}

static bool debuginfod_load(void)
{
	if (debuginfod_lib)
		return true;
	debuginfod_lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!debuginfod_lib) {
		pys_warn("--debuginfod: cannot load libdebuginfod.so.1 (apt-get install "
			 "libdebuginfod1): %s",
			 dlerror());
		return false;
	}
	*(void **)&dbgd.begin = dlsym(debuginfod_lib, "debuginfod_begin");
	*(void **)&dbgd.find_debuginfo = dlsym(debuginfod_lib, "debuginfod_find_debuginfo");
	*(void **)&dbgd.end = dlsym(debuginfod_lib, "debuginfod_end");
	*(void **)&dbgd.set_progressfn = dlsym(debuginfod_lib, "debuginfod_set_progressfn");
	return dbgd.begin && dbgd.find_debuginfo && dbgd.end && dbgd.set_progressfn;
}

/* Asks the servers of DEBUGINFOD_URLS, for DEBUGINFOD_TIMEOUT seconds in
 * all; servers that do not answer are not asked again (a run must not
 * wait a timeout for every module). */
static int from_debuginfod(const uint8_t *id, size_t id_len, char **file_name)
{
	void *client;
	char *path = NULL;
	int fd;
	uint64_t start = now_ns();
	const char *timeout_env;
	unsigned long timeout_s;

	if (!debuginfod_allowed || debuginfod_failed || !id_len || !debuginfod_load())
		return -1;
	client = dbgd.begin();
	if (!client)
		return -1;
	timeout_env = getenv("DEBUGINFOD_TIMEOUT");
	timeout_s = strtoul(timeout_env ? timeout_env : DEBUGINFOD_TIMEOUT, NULL, 10);
	debuginfod_deadline_ns = start + (timeout_s ? timeout_s : 5) * 1000000000ull;
	dbgd.set_progressfn(client, debuginfod_progress);
	fd = dbgd.find_debuginfo(client, id, (int)id_len, &path);
	dbgd.end(client);
	if (fd < 0) {
		/* -ENOENT: it answered, it has none.  Anything else, or a long
		 * wait: it is not asked again. */
		if (fd != -ENOENT || now_ns() - start > 1000000000ull) {
			debuginfod_failed = true;
			pys_warn("--debuginfod: no answer (%s): not asked again", strerror(-fd));
		}
		free(path);
		return -1;
	}
	if (!path) {
		close(fd);
		return -1;
	}
	*file_name = path;
	return fd;
}

int debuginfo_find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name)
{
	struct module_info *info = userdata ? *userdata : NULL;
	const unsigned char *id = NULL;
	GElf_Addr id_vaddr;
	int id_len = dwfl_module_build_id(mod, &id, &id_vaddr);
	struct candidate c = { false, "" };
	char dir[PATH_MAX];
	int fd;

	(void)modname;
	(void)base;
	(void)file_name;
	if (!info)
		return -1;
	if (id_len < 0 || id_len > DEBUGINFO_MAX_BUILD_ID)
		id_len = 0;
	/* libdwfl asks again for the dwz alternate file of the DWARF it took
	 * (the module's own, or the debug file found here), by the name that
	 * DWARF links: found as is_wanted() found it. */
	if (info->debug.has_alt && debuglink_file &&
	    strcmp(debuglink_file, info->debug.alt_name) == 0) {
		fd = open_alt(info->pid, &info->debug, debuginfo_file_name);
		info->debug.alt_resolved = fd >= 0;
		return fd;
	}
	if (id_len) {
		build_id_path(id, (size_t)id_len, c.path, sizeof(c.path));
		fd = take(info->pid, &c, id, (size_t)id_len, false, 0, &info->debug,
			  debuginfo_file_name);
		if (fd >= 0)
			return fd;
	}
	if (debuglink_file && name_is_plain(debuglink_file) && path_is_plain(info->path)) {
		dir_of(info->path, dir, sizeof(dir));
		/* Beside the module and in its .debug directory (in the target's
		 * root), then under pysample's debug directory. */
		for (int i = 0; i < 3; i++) {
			c.in_target = i < 2;
			if (snprintf(c.path, sizeof(c.path),
				     i == 0 ? "%s/%s" : i == 1 ? "%s/.debug/%s" : DEBUG_DIR "%s/%s", dir,
				     debuglink_file) >= (int)sizeof(c.path))
				continue;
			fd = take(info->pid, &c, id, (size_t)id_len, true, debuglink_crc,
				  &info->debug, debuginfo_file_name);
			if (fd >= 0)
				return fd;
		}
	} else if (debuglink_file) {
		pys_debug("%s: debug link '%s' is not a plain file name: not followed", info->path,
			  debuglink_file);
	}
	fd = from_debuginfod(id, (size_t)id_len, debuginfo_file_name);
	if (fd >= 0) {
		/* In debuginfod's cache, in pysample's root: checked as any other. */
		c.in_target = false;
		snprintf(c.path, sizeof(c.path), "%s", *debuginfo_file_name);
		if (!is_wanted(info->pid, fd, &c, id, (size_t)id_len, false, 0, &info->debug)) {
			close(fd);
			free(*debuginfo_file_name);
			*debuginfo_file_name = NULL;
			return -1;
		}
	}
	return fd;
}
