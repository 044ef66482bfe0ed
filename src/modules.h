/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The target's loaded ELF modules, reported once into one libdwfl session
 * per process, so CFI and symbol tables are parsed once and shared by the
 * unwinders and the symbolizer.  Reported again when the address space
 * changes (dlopen, exec).
 */
#ifndef PYSAMPLE_MODULES_H
#define PYSAMPLE_MODULES_H

#include <elfutils/libdwfl.h>

#include "debuginfo.h"
#include "perfmap.h"
#include "procmaps.h"

#define CFI_CACHE_SLOTS 8192

struct cfi_cache_slot {
	uint64_t addr_plus1; /* 0: empty */
	unsigned generation;
	uint8_t kind; /* modules_cfi_frame_kind's answer */
};

/* What pysample keeps of a reported module (its libdwfl userdata). */
struct module_info {
	uint64_t start;
	pid_t pid;
	struct debug_found debug; /* its separate debug data (debuginfo.h) */
	bool dwarf_checked, dwarf_usable;
	bool build_id_checked;
	char *build_id; /* modules_build_id's answer, once asked; NULL: none */
	char path[]; /* as the target's maps name it */
};

struct modules {
	pid_t pid;
	Dwfl *dwfl;
	struct proc_maps maps;
	uint64_t reported_ns;   /* when the maps were last read and reported */
	unsigned generation;    /* bumped on every report, for caches */
	int vdso_fd;
	int exe_fd;
	/* Modules reported so far, each once (begin_add keeps the rest). */
	struct module_info **reported;
	size_t nreported, reported_cap;
	Elf *exe_elf; /* tells libdw the target's architecture */
	uint64_t refreshes;
	/* Code outside every ELF module (JIT, trampolines) named by the
	 * target's perf map file. */
	struct perf_map perfmap;
	/* What CFI says of an address: asked for every frame, answered by
	 * libdw once per address and generation. */
	struct cfi_cache_slot *cfi_cache;
};

bool modules_init(struct modules *m, pid_t pid, char *err, size_t err_len);
void modules_free(struct modules *m);
/* Re-reads the maps and reports new modules; rate-limited unless forced. */
void modules_refresh(struct modules *m, bool force);
/* The module containing pc, refreshing once if none does (a new dlopen). */
Dwfl_Module *modules_find(struct modules *m, uint64_t pc);
/* Path of the module (stable until modules_free), or NULL. */
const char *modules_name(Dwfl_Module *mod);
/* pysample's record of the module, or NULL. */
const struct module_info *modules_info(Dwfl_Module *mod);
/* The module's GNU build-id as lowercase hex (as readelf -n and pprof
 * show it), or NULL when it has none.  Read once per module; valid, like
 * the path, until modules_free. */
const char *modules_build_id(Dwfl_Module *mod);
/* The mapping holding addr (from the last report), or NULL. */
const struct map_entry *modules_mapping(const struct modules *m, uint64_t addr);
/* Does .eh_frame or .debug_frame describe the code at addr (for a caller
 * frame, the address inside its call instruction)? */
bool modules_has_cfi(struct modules *m, uint64_t addr);
/* What the CFI at addr says of its frame: CFI_NONE, or CFI_ORDINARY
 * together with CFI_SIGNAL_FRAME (a signal trampoline: its pc is the next
 * instruction, not a return address) and CFI_OUTERMOST (the return
 * address is undefined on purpose: _start, a thread's start). */
enum { CFI_NONE = 0, CFI_ORDINARY = 1, CFI_SIGNAL_FRAME = 2, CFI_OUTERMOST = 4 };
int modules_cfi_frame_kind(struct modules *m, uint64_t addr);
/* The CFI row for addr (free() it), looked up where libdw's unwinder
 * looks: .eh_frame, then .debug_frame; NULL when none covers it. */
Dwarf_Frame *modules_cfi_frame(struct modules *m, uint64_t addr);
/* The perf map entry for code outside every module, or NULL. */
const struct perf_map_entry *modules_jit_code(struct modules *m, uint64_t addr);

#endif
