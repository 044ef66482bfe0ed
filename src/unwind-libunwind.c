/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libunwind backend: a remote address space whose accessors read the
 * snapshot (registers, copied stack) and the modules' own files, with the
 * CFI found through each module's .eh_frame_hdr binary-search table.
 */
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#include "unwind-libunwind-ehframe.h"
#include "unwind.h"

/* Exported by libunwind for remote unwinding, not declared in its headers. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

#define DW_EH_PE_udata4 0x03
#define DW_EH_PE_sdata4 0x0b
#define DW_EH_PE_datarel 0x30

/*
 * libunwind 1.6 reads .debug_frame only for local unwinding.  For remote
 * address spaces pysample rewrites a module's .debug_frame as .eh_frame
 * (CIE ids, relative CIE pointers, relocated start addresses) plus a
 * binary-search table, and serves both from a hole in the target's address
 * space near the module, where no real read can land.
 */
struct synth_cfi {
	Dwfl_Module *mod;
	bool failed;
	uint64_t base;     /* where the image appears to libunwind */
	uint8_t *bytes;    /* the .eh_frame image, then the table */
	size_t len, image_len, count;
	uint64_t segbase;
};

struct unwinder {
	struct modules *mods;
	unw_addr_space_t as;
	const struct snapshot *snap;
	const struct dwarf_regs *start;
	bool cut;
	struct synth_cfi *synth;
	size_t nsynth, synth_cap;
};

/* Bytes at a target address served from the module's file when the address
 * lies in a read-only loaded segment: CFI and tables cost no syscall. */
static bool read_from_file(struct unwinder *u, uint64_t addr, void *out, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(u->mods->dwfl, addr);
	Dwarf_Addr bias;
	Elf *elf;
	size_t phnum, size;
	char *raw;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) || elf_getphdrnum(elf, &phnum) != 0 ||
	    !(raw = elf_rawfile(elf, &size)))
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t vaddr = addr - bias;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || (ph.p_flags & PF_W))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr + len <= ph.p_vaddr + ph.p_filesz &&
		    ph.p_offset + (vaddr - ph.p_vaddr) + len <= size) {
			memcpy(out, raw + ph.p_offset + (vaddr - ph.p_vaddr), len);
			return true;
		}
	}
	return false;
}

static bool read_synth(struct unwinder *u, uint64_t addr, uint64_t *v)
{
	for (size_t i = 0; i < u->nsynth; i++) {
		const struct synth_cfi *c = &u->synth[i];
		/* Reads of 4-byte fields at the very end fetch a whole word:
		 * the buffer carries 8 zero bytes of padding for them. */
		if (!c->failed && addr >= c->base && addr - c->base < c->len) {
			memcpy(v, c->bytes + (addr - c->base), 8);
			return true;
		}
	}
	return false;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct unwinder *u = arg;
	uint64_t v;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	if (read_synth(u, addr, &v) || read_from_file(u, addr, &v, sizeof(v)) ||
	    unwind_read_word(u->mods, u->snap, addr, &v, &u->cut)) {
		*val = v;
		return 0;
	}
	return -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct unwinder *u = arg;
	uint64_t v;

	(void)as;
	/* libunwind numbers general registers as DWARF does on both arches
	 * (the pc included: rip is 16 on x86_64, pc 32 on aarch64). */
	if (write || reg < 0 || reg >= ARCH_DWARF_NREGS || !(u->start->valid & (1ull << reg)))
		return -UNW_EBADREG;
	v = u->start->val[reg];
	*val = v;
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	(void)as, (void)reg, (void)val, (void)write, (void)arg;
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as, (void)c, (void)arg;
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	(void)as, (void)addr, (void)buf, (void)len, (void)off, (void)arg;
	return -UNW_ENOINFO; /* names come from the symbolizer */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)as, (void)addr, (void)arg;
	return -UNW_ENOINFO;
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	(void)as, (void)arg;
	free(pi->unwind_info);
	pi->unwind_info = NULL;
}

/* Where the module's .eh_frame_hdr search table is, in target addresses. */
static bool find_eh_frame_hdr(Dwfl_Module *mod, uint64_t *hdr_addr, uint64_t *table,
			      uint64_t *count)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t phnum;

	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		size_t size;
		const uint8_t *raw = (const uint8_t *)elf_rawfile(elf, &size);
		uint32_t fde_count;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_GNU_EH_FRAME)
			continue;
		if (!raw || ph.p_offset + 12 > size)
			return false;
		raw += ph.p_offset;
		/* version 1; eh_frame_ptr (4 bytes); fde_count udata4; table of
		 * (sdata4 datarel start, sdata4 datarel fde) pairs. */
		if (raw[0] != 1 || (raw[1] & 0x0f) != DW_EH_PE_sdata4 || raw[2] != DW_EH_PE_udata4 ||
		    raw[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
			return false;
		memcpy(&fde_count, raw + 8, 4);
		*hdr_addr = ph.p_vaddr + bias;
		*table = *hdr_addr + 12;
		*count = fde_count;
		return true;
	}
	return false;
}

/* The contents of section `want`, and its link-time address in *addr. */
static Elf_Data *section_data(Elf *elf, const char *want, uint64_t *addr)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, want) != 0)
			continue;
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
			return NULL;
		if (addr)
			*addr = sh.sh_addr;
		return elf_getdata(scn, NULL);
	}
	return NULL;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* An unmapped range of len bytes within 1 GiB of [low, high), or 0. */
static uint64_t find_hole(const struct proc_maps *maps, uint64_t low, uint64_t high, size_t len)
{
	const uint64_t reach = 1ull << 30;
	/* A non-PIE program sits at 4 MiB: its reach starts at the bottom. */
	const uint64_t floor = low > reach + 0x10000 ? low - reach : 0x10000;
	uint64_t prev_end = 0x10000;

	len = (len + 0xfff) & ~(size_t)0xfff;
	for (size_t i = 0; i <= maps->count; i++) {
		uint64_t next = i < maps->count ? maps->entries[i].start : 0x7ffffffff000ull;
		uint64_t lo = prev_end > floor ? prev_end : floor;
		if (next > lo && next - lo >= len + 0x2000) {
			uint64_t cand = next - len - 0x1000; /* keep a page away from both */
			if (cand >= prev_end + 0x1000 && cand + len <= high + reach &&
			    cand + reach >= low)
				return cand;
		}
		if (i < maps->count)
			prev_end = maps->entries[i].end;
	}
	return 0;
}

/*
 * Places c->bytes (an .eh_frame image of c->image_len bytes, possibly
 * none) and after it the search table of the FDEs, in a hole near the
 * module where libunwind reads them through read_synth: (start, FDE)
 * offsets from segbase, the FDEs at `fde_base` + offset (0: in the image).
 * Marks c usable, or frees the bytes when the offsets do not fit.
 */
static void place_search_table(struct unwinder *u, struct synth_cfi *c,
			       const struct ehframe_fde *fdes, size_t nfdes, uint64_t fde_base)
{
	Dwarf_Addr low, high;

	dwfl_module_info(c->mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
	c->count = nfdes;
	c->base = find_hole(&u->mods->maps, low, high, c->len);
	c->segbase = low;
	for (size_t i = 0; c->base && i < nfdes; i++) {
		uint64_t fde = (fde_base ? fde_base : c->base) + fdes[i].offset;
		int64_t start_off = (int64_t)(fdes[i].start - c->segbase);
		int64_t fde_off = (int64_t)(fde - c->segbase);
		if (start_off != (int32_t)start_off || fde_off != (int32_t)fde_off) {
			c->base = 0;
			break;
		}
		put32(c->bytes + c->image_len + 8 * i, (uint32_t)(int32_t)start_off);
		put32(c->bytes + c->image_len + 8 * i + 4, (uint32_t)(int32_t)fde_off);
	}
	if (!c->base) {
		free(c->bytes);
		c->bytes = NULL;
		c->len = 0;
		return;
	}
	c->failed = false;
}

/*
 * A module with .eh_frame but no .eh_frame_hdr (static programs are linked
 * without one): libunwind finds FDEs only through a search table, so one
 * is made here, and the FDEs are read where they are, in the module.
 */
static void build_eh_frame_table(struct unwinder *u, struct synth_cfi *c)
{
	GElf_Addr bias = 0;
	uint64_t hdr, table, count, addr = 0;
	Elf_Data *d;
	struct ehframe_fde *fdes;
	size_t nfdes = 0;

	if (find_eh_frame_hdr(c->mod, &hdr, &table, &count))
		return; /* it has one: nothing this could add */
	d = section_data(dwfl_module_getelf(c->mod, &bias), ".eh_frame", &addr);
	if (!d || !d->d_buf || !addr)
		return;
	fdes = ehframe_fdes(d->d_buf, d->d_size, addr + bias, bias, &nfdes);
	if (!fdes)
		return;
	c->image_len = 0;
	c->len = 8 * nfdes;
	c->bytes = xcalloc(1, c->len + 8);
	place_search_table(u, c, fdes, nfdes, addr + bias);
	free(fdes);
}

/* Builds the rewritten CFI of one module; marks it failed when impossible. */
static void build_synth(struct unwinder *u, struct synth_cfi *c)
{
	Dwarf_Addr dwbias = 0;
	Dwarf *dw = dwfl_module_getdwarf(c->mod, &dwbias);
	Elf_Data *d = dw ? section_data(dwarf_getelf(dw), ".debug_frame", NULL) : NULL;
	struct ehframe_fde *fdes = NULL;
	size_t nfdes = 0;
	uint8_t *image;

	c->failed = true;
	if (!d)
		d = section_data(dwfl_module_getelf(c->mod, &dwbias), ".debug_frame", NULL);
	if (!d || !d->d_buf) {
		build_eh_frame_table(u, c);
		return;
	}
	image = ehframe_from_debug_frame(d->d_buf, d->d_size, dwbias, &c->image_len, &fdes,
					    &nfdes);
	if (!image)
		return;
	/* The image, then its search table. */
	c->len = c->image_len + 8 * nfdes;
	c->bytes = xcalloc(1, c->len + 8);
	memcpy(c->bytes, image, c->image_len);
	free(image);
	place_search_table(u, c, fdes, nfdes, 0);
	free(fdes);
}

static int search_synth(struct unwinder *u, Dwfl_Module *mod, unw_word_t ip, unw_proc_info_t *pi,
			int need_unwind_info)
{
	struct synth_cfi *c = NULL;
	Dwarf_Addr low, high;
	unw_dyn_info_t di;

	for (size_t i = 0; i < u->nsynth && !c; i++)
		if (u->synth[i].mod == mod)
			c = &u->synth[i];
	if (!c) {
		grow_array((void **)&u->synth, &u->synth_cap, u->nsynth, sizeof(*u->synth));
		c = &u->synth[u->nsynth++];
		memset(c, 0, sizeof(*c));
		c->mod = mod;
		build_synth(u, c);
	}
	if (c->failed)
		return -UNW_ENOINFO;
	dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = low;
	di.end_ip = high;
	di.u.rti.segbase = c->segbase;
	di.u.rti.table_data = c->base + c->image_len;
	di.u.rti.table_len = c->count * 8 / sizeof(unw_word_t);
	return UNW_OBJ(dwarf_search_unwind_table)(u->as, ip, &di, pi, need_unwind_info, u);
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct unwinder *u = arg;
	Dwfl_Module *mod = modules_find(u->mods, ip);
	Dwarf_Addr low, high;
	uint64_t hdr, table, count;
	unw_dyn_info_t di;
	int rc = -UNW_ENOINFO;

	if (!mod)
		return -UNW_ENOINFO;
	if (find_eh_frame_hdr(mod, &hdr, &table, &count)) {
		dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
		memset(&di, 0, sizeof(di));
		di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
		di.start_ip = low;
		di.end_ip = high;
		di.u.rti.segbase = hdr;
		di.u.rti.table_data = table;
		di.u.rti.table_len = count * 8 / sizeof(unw_word_t);
		rc = UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
	}
	/* Not covered by .eh_frame: the module's .debug_frame, if it has one. */
	if (rc == -UNW_ENOINFO)
		rc = search_synth(u, mod, ip, pi, need_unwind_info);
	return rc;
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

static struct unwinder *lu_create(struct modules *mods, char *err, size_t err_len)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));

	u->mods = mods;
	u->as = unw_create_addr_space(&accessors, 0);
	if (!u->as) {
		snprintf(err, err_len, "libunwind: cannot create an address space");
		free(u);
		return NULL;
	}
	/* CFI lookups are cached across samples: the modules do not change
	 * under us (a new module only adds addresses). */
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	return u;
}

/* Hands a frame without CFI over to the instruction analysis. */
static void stop_for_insn(unw_cursor_t *cursor, uint64_t pc, struct unwind_result *out)
{
	struct dwarf_regs *r = &out->stop_regs;

	r->valid = 0;
	for (unsigned n = 0; n < ARCH_DWARF_NREGS; n++) {
		unw_word_t v;
		if (n != ARCH_DWARF_PC && unw_get_reg(cursor, (int)n, &v) == 0) {
			r->val[n] = v;
			r->valid |= 1ull << n;
		}
	}
	r->val[ARCH_DWARF_PC] = pc;
	r->valid |= 1ull << ARCH_DWARF_PC;
	out->end = UNWIND_NO_CFI;
}

static void lu_unwind(struct unwinder *u, const struct snapshot *snap,
		      const struct dwarf_regs *start, bool caller, unsigned max_frames,
		      struct unwind_result *out)
{
	size_t first = out->n;
	unw_cursor_t cursor;
	int step;

	u->snap = snap;
	u->start = start;
	u->cut = false;
	if (unw_init_remote(&cursor, u->as, u) != 0) {
		unwind_result_push(out, start->val[ARCH_DWARF_PC], !caller);
		out->end = UNWIND_FAILED;
		return;
	}
	for (;;) {
		unw_word_t ip = 0;
		bool exact;
		const struct map_entry *e;
		if (out->n >= max_frames) {
			out->end = UNWIND_MAX_FRAMES;
			break;
		}
		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || (ip == 0 && out->n > 0))
			break;
		/* A signal trampoline is returned to as to its next instruction
		 * (libunwind tells only once it has stepped through one). */
		exact = (out->n == first && !caller) || unw_is_signal_frame(&cursor) > 0 ||
			(modules_cfi_frame_kind(u->mods, ip - 1) & CFI_SIGNAL_FRAME);
		/* No CFI here: the instruction analysis takes over, rather than
		 * libunwind's frame-pointer guess; a caller address outside
		 * executable memory is garbage and left out. */
		if (!modules_has_cfi(u->mods, exact ? ip : ip - 1)) {
			e = modules_mapping(u->mods, ip);
			if (out->n == 0 || (e && e->executable)) {
				unwind_result_push(out, ip, exact);
				stop_for_insn(&cursor, ip, out);
			} else {
				out->end = UNWIND_FAILED;
			}
			break;
		}
		unwind_result_push(out, ip, exact);
		step = unw_step(&cursor);
		if (step == 0) {
			if (u->cut)
				out->end = UNWIND_CUT_BY_COPY;
			break; /* the outermost frame */
		}
		if (step < 0) {
			out->end = u->cut ? UNWIND_CUT_BY_COPY : UNWIND_FAILED;
			break;
		}
	}
	u->snap = NULL;
}

static void lu_destroy(struct unwinder *u)
{
	for (size_t i = 0; i < u->nsynth; i++)
		free(u->synth[i].bytes);
	free(u->synth);
	unw_destroy_addr_space(u->as);
	free(u);
}

const struct unwind_ops unwind_libunwind_ops = {
	.name = "libunwind",
	.create = lu_create,
	.unwind = lu_unwind,
	.destroy = lu_destroy,
};
