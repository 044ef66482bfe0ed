/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "plt.h"

#include <gelf.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

static bool is_plt(const char *name)
{
	return name && (strcmp(name, ".plt") == 0 || strcmp(name, ".plt.sec") == 0 ||
			strcmp(name, ".plt.got") == 0);
}

/* The section holding file address vaddr among the PLT sections. */
static Elf_Scn *plt_section_of(Elf *elf, size_t shstrndx, uint64_t vaddr, GElf_Shdr *shdr)
{
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		if (!gelf_getshdr(scn, shdr) || shdr->sh_type != SHT_PROGBITS)
			continue;
		if (vaddr >= shdr->sh_addr && vaddr - shdr->sh_addr < shdr->sh_size &&
		    is_plt(elf_strptr(elf, shstrndx, shdr->sh_name)))
			return scn;
	}
	return NULL;
}

/* The name of the symbol of relocation `index` of a RELA section, or of
 * the one at r_offset == slot when `by_slot`. */
static const char *rela_symbol(Elf *elf, Elf_Scn *rela, const GElf_Shdr *shdr, bool by_slot,
			       uint64_t want)
{
	Elf_Data *data = elf_getdata(rela, NULL);
	Elf_Scn *symscn = elf_getscn(elf, shdr->sh_link);
	GElf_Shdr symshdr;
	Elf_Data *syms = symscn ? elf_getdata(symscn, NULL) : NULL;
	size_t n = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;

	if (!data || !syms || !gelf_getshdr(symscn, &symshdr))
		return NULL;
	for (size_t i = by_slot ? 0 : want; i < n && (by_slot || i == want); i++) {
		GElf_Rela r;
		GElf_Sym sym;
		if (!gelf_getrela(data, (int)i, &r) || (by_slot && r.r_offset != want))
			continue;
		size_t symi = GELF_R_SYM(r.r_info);
		if (symi == 0 || !gelf_getsym(syms, (int)symi, &sym))
			return NULL; /* IRELATIVE and the like: no name */
		return elf_strptr(elf, symshdr.sh_link, sym.st_name);
	}
	return NULL;
}

/* The function a PLT target names: through .rela.plt by index, or through
 * any RELA section (.rela.plt for JUMP_SLOTs, .rela.dyn for the GLOB_DATs
 * of .plt.got) by GOT slot. */
static const char *target_symbol(Elf *elf, size_t shstrndx, const struct arch_plt_target *t)
{
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr shdr;
		const char *name, *sym;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_RELA)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (t->is_index && (!name || strcmp(name, ".rela.plt") != 0))
			continue;
		sym = rela_symbol(elf, scn, &shdr, !t->is_index, t->value);
		if (sym && *sym)
			return sym;
	}
	return NULL;
}

char *plt_name(Dwfl_Module *mod, uint64_t addr, uint64_t *start)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t shstrndx;
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Elf_Data *data;
	struct arch_plt_target target;
	const char *sym;
	uint64_t vaddr = addr - bias, entsize, entry;
	char *name;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	scn = plt_section_of(elf, shstrndx, vaddr, &shdr);
	if (!scn || !(data = elf_getdata(scn, NULL)) || !data->d_buf)
		return NULL;
	entsize = shdr.sh_entsize >= 8 ? shdr.sh_entsize : 16;
	entry = shdr.sh_addr + (vaddr - shdr.sh_addr) / entsize * entsize;
	if (entry - shdr.sh_addr + entsize > data->d_size ||
	    !arch_plt_entry_target((const uint8_t *)data->d_buf + (entry - shdr.sh_addr),
				   (size_t)entsize, entry, &target))
		return NULL;
	sym = target_symbol(elf, shstrndx, &target);
	if (!sym)
		return NULL;
	name = xmalloc(strlen(sym) + 5);
	sprintf(name, "%s@plt", sym);
	*start = entry + bias;
	return name;
}
