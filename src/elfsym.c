/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "elfsym.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct elf_file {
	int fd;
	Elf *elf;
};

struct elf_file *elf_file_open_fd(int fd, const char **why)
{
	struct elf_file *ef;
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		*why = "libelf version mismatch";
		close(fd);
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || gelf_getclass(elf) != ELFCLASS64) {
		*why = elf ? "not a 64-bit ELF file" : elf_errmsg(-1);
		if (elf)
			elf_end(elf);
		close(fd);
		return NULL;
	}
	ef = xcalloc(1, sizeof(*ef));
	ef->fd = fd;
	ef->elf = elf;
	return ef;
}

void elf_file_close(struct elf_file *ef)
{
	if (!ef)
		return;
	elf_end(ef->elf);
	close(ef->fd);
	free(ef);
}

static bool find_in_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, const char *name,
			   uint64_t *value, uint64_t *size)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count;

	if (!data || shdr->sh_entsize == 0)
		return false;
	count = shdr->sh_size / shdr->sh_entsize;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym sym;
		const char *sname;
		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		sname = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (sname && strcmp(sname, name) == 0) {
			*value = sym.st_value;
			*size = sym.st_size;
			return true;
		}
	}
	return false;
}

bool elf_file_symbol(struct elf_file *ef, const char *name, uint64_t *value, uint64_t *size)
{
	static const Elf64_Word kinds[] = { SHT_SYMTAB, SHT_DYNSYM };

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
			GElf_Shdr shdr;
			if (gelf_getshdr(scn, &shdr) && shdr.sh_type == kinds[k] &&
			    find_in_symtab(ef->elf, scn, &shdr, name, value, size))
				return true;
		}
	}
	return false;
}

bool elf_file_section(struct elf_file *ef, const char *name, uint64_t *addr, uint64_t *size)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(ef->elf, &shstrndx) != 0)
		return false;
	while ((scn = elf_nextscn(ef->elf, scn)) != NULL) {
		GElf_Shdr shdr;
		const char *sname;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		sname = elf_strptr(ef->elf, shstrndx, shdr.sh_name);
		if (sname && strcmp(sname, name) == 0) {
			*addr = shdr.sh_addr;
			*size = shdr.sh_size;
			return true;
		}
	}
	return false;
}

bool elf_file_vaddr_of_offset(struct elf_file *ef, uint64_t offset, uint64_t *vaddr)
{
	size_t phnum;

	if (elf_getphdrnum(ef->elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(ef->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		/* Mappings start on page boundaries, which may lie before p_offset. */
		uint64_t page_off = ph.p_offset & ~(uint64_t)0xfff;
		if (offset >= page_off && offset < ph.p_offset + ph.p_filesz) {
			*vaddr = ph.p_vaddr - (ph.p_offset - offset);
			return true;
		}
	}
	return false;
}

bool elf_file_load_bias(struct elf_file *ef, uint64_t map_start, uint64_t map_offset,
			uint64_t *bias)
{
	uint64_t vaddr;
	GElf_Ehdr eh;

	if (!gelf_getehdr(ef->elf, &eh))
		return false;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		return true;
	}
	if (!elf_file_vaddr_of_offset(ef, map_offset, &vaddr))
		return false;
	*bias = map_start - vaddr;
	return true;
}
