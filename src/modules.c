/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "modules.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "corefile.h"
#include "debuginfo.h"
#include "elfsym.h"
#include "memread.h"
#include "pidns.h"
#include "targetfs.h"

/* Longer than processing lags behind sampling (an exit is held 3 s at most). */
#define VANISHED_CODE_KEEP_NS 10000000000ull
#define REFRESH_MIN_NS 100000000u /* an unknown pc re-reads the maps at most this often */
#define REFRESH_STALE_NS 5000000u /* ... or this often when the maps we hold cannot explain it */

static char *debuginfo_path;

/* Every module is reported with a file pysample opened itself
 * (targetfs.h): libdwfl is never to look for one. */
static int no_elf_search(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)name;
	(void)base;
	(void)file_name;
	*elfp = NULL;
	return -1;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = no_elf_search,
	.find_debuginfo = debuginfo_find,
	.debuginfo_path = &debuginfo_path,
};

bool modules_init(struct modules *m, pid_t pid, char *err, size_t err_len)
{
	char exe[64];

	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->vdso_fd = -1;
	m->exe_fd = -1;
	m->dwfl = dwfl_begin(&callbacks);
	if (!m->dwfl) {
		snprintf(err, err_len, "libdwfl: %s", dwfl_errmsg(-1));
		return false;
	}
	perf_map_init(&m->perfmap, pid, pidns_target_id(pid, pid));
	m->cfi_cache = xcalloc(CFI_CACHE_SLOTS, sizeof(*m->cfi_cache));
	modules_refresh(m, true);
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	/* The kernel's own link to the inode it runs: a regular file. */
	if (corefile_space(pid))
		m->exe_fd = targetfs_open_in_root(pid, corefile_exe(pid), exe, sizeof(exe));
	else
		m->exe_fd = open(exe, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (m->exe_fd >= 0)
		m->exe_elf = elf_begin(m->exe_fd, ELF_C_READ_MMAP, NULL);
	if (!m->exe_elf) {
		snprintf(err, err_len, "cannot read the executable of process %d", (int)pid);
		modules_free(m);
		return false;
	}
	return true;
}

void modules_free(struct modules *m)
{
	if (m->dwfl)
		dwfl_end(m->dwfl);
	if (m->vdso_fd >= 0)
		close(m->vdso_fd);
	if (m->exe_elf)
		elf_end(m->exe_elf);
	if (m->exe_fd >= 0)
		close(m->exe_fd);
	procmaps_free(&m->maps);
	perf_map_free(&m->perfmap);
	free(m->cfi_cache);
	for (size_t i = 0; i < m->nreported; i++) {
		free(m->reported[i]->build_id);
		free(m->reported[i]);
	}
	free(m->reported);
	memset(m, 0, sizeof(*m));
	m->vdso_fd = m->exe_fd = -1;
}

static bool already_reported(const struct modules *m, const char *path, uint64_t start)
{
	for (size_t i = 0; i < m->nreported; i++)
		if (m->reported[i]->start == start && strcmp(m->reported[i]->path, path) == 0)
			return true;
	return false;
}

/* Records a reported module; its userdata points at our record of it (the
 * path, stable for the symbolizer, and the process, for the debug file
 * search), which outlives anything libdwfl may free. */
static struct module_info *remember(struct modules *m, Dwfl_Module *mod, const char *path,
				    uint64_t start)
{
	void **userdata = NULL;
	struct module_info *info;
	size_t len = strlen(path);

	grow_array((void **)&m->reported, &m->reported_cap, m->nreported, sizeof(*m->reported));
	info = xcalloc(1, sizeof(*info) + len + 1);
	memcpy(info->path, path, len + 1);
	info->start = start;
	info->pid = m->pid;
	m->reported[m->nreported++] = info;
	if (mod && dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL) && userdata)
		*userdata = info;
	return info;
}

static struct module_info *info_of(Dwfl_Module *mod)
{
	void **userdata = NULL;

	if (!mod || !dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL) ||
	    !userdata)
		return NULL;
	return *userdata;
}

const struct module_info *modules_info(Dwfl_Module *mod)
{
	return info_of(mod);
}

const char *modules_build_id(Dwfl_Module *mod)
{
	struct module_info *info = info_of(mod);
	const unsigned char *id = NULL;
	GElf_Addr vaddr;
	int len;

	if (!info)
		return NULL;
	if (info->build_id_checked)
		return info->build_id;
	info->build_id_checked = true;
	len = dwfl_module_build_id(mod, &id, &vaddr);
	/* The note is the module file's bytes: a length past any real
	 * build-id (SHA-1 is 20) is garbage, not an identity. */
	if (len <= 0 || len > DEBUGINFO_MAX_BUILD_ID || !id)
		return NULL;
	info->build_id = xmalloc((size_t)len * 2 + 1);
	for (int i = 0; i < len; i++)
		snprintf(info->build_id + 2 * i, 3, "%02x", id[i]);
	return info->build_id;
}

const char *modules_name(Dwfl_Module *mod)
{
	const struct module_info *info = modules_info(mod);

	return info ? info->path : NULL;
}

/* The vdso exists only in memory: copy it into a memfd so libdwfl can read
 * its CFI like any file (threads spend real time in clock_gettime). */
static void report_vdso(struct modules *m, const struct map_entry *e)
{
	size_t len = (size_t)(e->end - e->start);
	uint8_t *buf;
	Dwfl_Module *mod;
	int fd;

	if (len > (1u << 20))
		return;
	if (m->vdso_fd < 0) {
		buf = xmalloc(len);
		if (mem_read(m->pid, e->start, buf, len)) {
			m->vdso_fd = memfd_create("pysample-vdso", MFD_CLOEXEC);
			if (m->vdso_fd >= 0 && write(m->vdso_fd, buf, len) != (ssize_t)len) {
				close(m->vdso_fd);
				m->vdso_fd = -1;
			}
		}
		free(buf);
	}
	if (m->vdso_fd < 0)
		return;
	/* libdwfl keeps the descriptor it is given. */
	fd = dup(m->vdso_fd);
	mod = fd >= 0 ? dwfl_report_elf(m->dwfl, "[vdso]", "[vdso]", fd, e->start, true) : NULL;
	if (!mod && fd >= 0)
		close(fd);
	remember(m, mod, "[vdso]", e->start);
}

static void report_file(struct modules *m, const struct map_entry *first)
{
	char reason[512];
	const char *why;
	struct elf_file *ef;
	Dwfl_Module *mod = NULL;
	uint64_t bias;
	int fd = targetfs_open_mapped(m->pid, first, reason, sizeof(reason)), dwfl_fd;

	if (fd < 0) {
		pys_debug("no symbols or CFI for %s: %s", first->path, reason);
		remember(m, NULL, first->path, first->start); /* not retried */
		return;
	}
	dwfl_fd = dup(fd);
	ef = elf_file_open_fd(fd, &why);
	if (ef && dwfl_fd >= 0 && elf_file_load_bias(ef, first->start, first->offset, &bias)) {
		/* libdwfl keeps the descriptor when it takes the module. */
		mod = dwfl_report_elf(m->dwfl, first->path, first->path, dwfl_fd, bias, true);
		if (!mod)
			pys_debug("libdwfl cannot use %s: %s", first->path, dwfl_errmsg(-1));
	}
	if (!mod && dwfl_fd >= 0)
		close(dwfl_fd);
	/* Remembered even on failure, so a bad file is not retried. */
	struct module_info *info = remember(m, mod, first->path, first->start);
	if (mod) {
		GElf_Addr elf_bias;
		debuginfo_note_module_elf(&info->debug, dwfl_module_getelf(mod, &elf_bias),
					  first->path);
	}
	elf_file_close(ef);
}

static void modules_reread(struct modules *m, uint64_t now);

void modules_refresh(struct modules *m, bool force)
{
	uint64_t now = now_ns();

	if (!force && now - m->reported_ns < REFRESH_MIN_NS)
		return;
	modules_reread(m, now);
}

static void modules_reread(struct modules *m, uint64_t now)
{
	struct proc_maps fresh;

	m->reported_ns = now;
	/* Unreadable once the process has exited, while snapshots taken
	 * before are still being processed: the last maps read describe them,
	 * and an empty list would cut their stacks at the first JIT frame.
	 * (A zombie's maps read as empty.) */
	if (!procmaps_read(m->pid, &fresh))
		return;
	if (!fresh.count) {
		procmaps_free(&fresh);
		return;
	}
	/* JIT code freed since the last read (a -X perf interpreter unmaps
	 * its trampolines while finalising) is kept: samples taken before
	 * may still be waiting to be unwound through it. */
	procmaps_keep_vanished_code(&fresh, &m->maps, now, VANISHED_CODE_KEEP_NS);
	procmaps_free(&m->maps);
	m->maps = fresh;
	m->refreshes++;
	m->generation++;
	/* begin_add keeps modules already reported: their parsed CFI and
	 * symbol tables survive. */
	dwfl_report_begin_add(m->dwfl);
	for (size_t i = 0; i < m->maps.count; i++) {
		const struct map_entry *e = &m->maps.entries[i];
		bool seen = false;
		if (!e->executable)
			continue;
		if (strcmp(e->path, "[vdso]") == 0) {
			if (!already_reported(m, "[vdso]", e->start))
				report_vdso(m, e);
			continue;
		}
		if (e->path[0] != '/')
			continue;
		/* Report each file once, from its lowest-offset mapping. */
		const struct map_entry *first = e;
		for (size_t j = 0; j < m->maps.count; j++) {
			const struct map_entry *o = &m->maps.entries[j];
			if (strcmp(o->path, e->path) != 0)
				continue;
			if (o->executable && j < i)
				seen = true;
			if (o->offset < first->offset)
				first = o;
		}
		if (!seen && !already_reported(m, first->path, first->start))
			report_file(m, first);
	}
	dwfl_report_end(m->dwfl, NULL, NULL);
}

Dwfl_Module *modules_find(struct modules *m, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(m->dwfl, pc);

	/* Not in a reported module: perhaps loaded since (the loader first
	 * reserves a library's range as an anonymous mapping, so the cached
	 * maps cannot tell).  JIT code stays unknown; the refresh is
	 * rate-limited so it costs little. */
	if (!mod) {
		/* A pc that the maps we hold cannot place in executable memory
		 * means they are stale (a dlopen moments ago): re-read soon, or
		 * every sample in the new library would lose its callers. */
		const struct map_entry *e = procmaps_find(&m->maps, pc);
		uint64_t now = now_ns();
		uint64_t wait = e && e->executable ? REFRESH_MIN_NS : REFRESH_STALE_NS;
		if (now - m->reported_ns >= wait) {
			modules_reread(m, now);
			mod = dwfl_addrmodule(m->dwfl, pc);
		}
	}
	return mod;
}

const struct map_entry *modules_mapping(const struct modules *m, uint64_t addr)
{
	return procmaps_find(&m->maps, addr);
}

/* libdw's unwinder looks in .eh_frame first, then .debug_frame, as here. */
static Dwarf_Frame *cfi_frame(Dwfl_Module *mod, uint64_t addr)
{
	Dwarf_Addr bias = 0;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);
	Dwarf_Frame *frame = NULL;

	if (cfi && dwarf_cfi_addrframe(cfi, addr - bias, &frame) == 0)
		return frame;
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	if (cfi && dwarf_cfi_addrframe(cfi, addr - bias, &frame) == 0)
		return frame;
	return NULL;
}

Dwarf_Frame *modules_cfi_frame(struct modules *m, uint64_t addr)
{
	Dwfl_Module *mod = modules_find(m, addr);

	return mod ? cfi_frame(mod, addr) : NULL;
}

/* What the CFI of a frame says (modules.h), from libdw's row. */
static int frame_kind(Dwarf_Frame *frame)
{
	Dwarf_Addr start, end;
	Dwarf_Op mem[3], *ops = NULL;
	size_t nops = 0;
	bool signal = false;
	int ra = dwarf_frame_info(frame, &start, &end, &signal), kind;

	kind = CFI_ORDINARY | (signal ? CFI_SIGNAL_FRAME : 0);
	/* dwarf_frame_register gives no operations and a non-NULL ops for an
	 * undefined register (NULL for the same value). */
	if (ra >= 0 && dwarf_frame_register(frame, ra, mem, &ops, &nops) == 0 && nops == 0 && ops)
		kind |= CFI_OUTERMOST;
	return kind;
}

int modules_cfi_frame_kind(struct modules *m, uint64_t addr)
{
	struct cfi_cache_slot *slot =
		&m->cfi_cache[hash_index(addr, CFI_CACHE_SLOTS)];
	Dwfl_Module *mod;
	Dwarf_Frame *frame;
	int kind = CFI_NONE;

	if (slot->addr_plus1 == addr + 1 && slot->generation == m->generation)
		return slot->kind;
	mod = modules_find(m, addr);
	/* Outside every module: not cached, so that the next look-up goes
	 * through modules_find again, which re-reads maps that predate the
	 * code (JIT code, a library loaded since).  Caching it would keep the
	 * stale maps until something else made them be read. */
	if (!mod)
		return kind;
	frame = cfi_frame(mod, addr);
	if (frame)
		kind = frame_kind(frame);
	free(frame);
	*slot = (struct cfi_cache_slot){ addr + 1, m->generation, (uint8_t)kind };
	return kind;
}

bool modules_has_cfi(struct modules *m, uint64_t addr)
{
	return modules_cfi_frame_kind(m, addr) != CFI_NONE;
}

const struct perf_map_entry *modules_jit_code(struct modules *m, uint64_t addr)
{
	return perf_map_find(&m->perfmap, addr);
}
