/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Looking things up in the target's ELF files: symbols, sections and the
 * mapping between file offsets and virtual addresses (for load bias). */
#ifndef PYSAMPLE_ELFSYM_H
#define PYSAMPLE_ELFSYM_H

#include "common.h"

struct elf_file;

/* Reads the ELF file open at fd, which it takes over (closed on failure
 * too); NULL with the reason in *why. */
struct elf_file *elf_file_open_fd(int fd, const char **why);
void elf_file_close(struct elf_file *ef);

/* Value and size of a defined symbol, from .symtab and then .dynsym. */
bool elf_file_symbol(struct elf_file *ef, const char *name, uint64_t *value, uint64_t *size);
/* Address and size of a section by name. */
bool elf_file_section(struct elf_file *ef, const char *name, uint64_t *addr, uint64_t *size);
/* Link-time virtual address of a file offset inside a PT_LOAD segment. */
bool elf_file_vaddr_of_offset(struct elf_file *ef, uint64_t offset, uint64_t *vaddr);

/* Load bias of a module, given one of its mappings (start address, file offset). */
bool elf_file_load_bias(struct elf_file *ef, uint64_t map_start, uint64_t map_offset,
			uint64_t *bias);

#endif
