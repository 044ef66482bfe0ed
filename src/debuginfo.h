/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Finding a module's separate debug information, only where pysample can
 * trust what it finds, in place of libdwfl's standard search (which opens
 * whatever a debug link names, wherever, blocking, and asks debuginfod
 * servers on its own):
 *
 * - by build ID under pysample's own /usr/lib/debug/.build-id;
 * - by the module's .gnu_debuglink, a plain file name (no '/', no ".."),
 *   beside the module and in its .debug directory inside the target's
 *   root (targetfs.h), then under pysample's own /usr/lib/debug;
 * - with --debuginfod only, from the servers of DEBUGINFOD_URLS, with a
 *   timeout, and not asked again once one failed to answer.
 *
 * A file is used only if it is a regular file whose build ID, or failing
 * that whose CRC, is the module's, and, when it links a dwz alternate
 * file, only if that one is found the same way.
 */
#ifndef PYSAMPLE_DEBUGINFO_H
#define PYSAMPLE_DEBUGINFO_H

#include <elfutils/libdwfl.h>
#include <limits.h>

#include "common.h"

#define DEBUGINFO_MAX_BUILD_ID 64

/* What the search found for one module (kept in its module_info). */
struct debug_found {
	bool taken;             /* a separate debug file was taken */
	bool in_target;         /* the debug data lies in the target's root (else pysample's) */
	char path[PATH_MAX];    /* where: its alternate file's name may be relative to it */
	bool has_alt;           /* it links a dwz alternate file */
	char alt_name[PATH_MAX];
	uint8_t alt_id[DEBUGINFO_MAX_BUILD_ID];
	size_t alt_id_len;
	bool alt_resolved;      /* found where pysample looks, and given to libdwfl */
};

/* Lets the search ask debuginfod (off by default; DEBUGINFOD_URLS is
 * cleared from pysample's environment then, so libdw never asks). */
void debuginfo_allow_debuginfod(bool allow);

/* Notes the dwz alternate file a module's own file links (its DWARF is in
 * the file itself, at `path` in the target's root). */
void debuginfo_note_module_elf(struct debug_found *found, Elf *elf, const char *path);
/* Whether the module's DWARF may be read: libdw looks for a dwz alternate
 * file by itself (anywhere the link says, blocking) unless it was given
 * one; DWARF that links one pysample did not find is left alone. */
bool debuginfo_dwarf_usable(Dwfl_Module *mod);

/* libdwfl's find_debuginfo callback (Dwfl_Callbacks). */
int debuginfo_find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name);

/* The CRC-32 a .gnu_debuglink records (the one of zlib and PNG), of `len`
 * bytes after `crc` (0 to start). */
uint32_t debuginfo_crc32(uint32_t crc, const uint8_t *buf, size_t len);

#endif
