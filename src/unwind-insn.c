/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unwind-insn.h"

#include <stdlib.h>
#include <string.h>

#include "insn.h"
#include "memread.h"
#include "unwind.h"

#define ROW_CACHE_SLOTS 4096
#define CODE_AFTER_PC 16       /* the analysis from the start stops at pc */
#define SCAN_BEFORE_PC 1024    /* the forward scan may jump back into a loop */
#define SCAN_AFTER_PC 3072
#define CODE_BUFFER ((64u << 10) + CODE_AFTER_PC)

_Static_assert(SCAN_BEFORE_PC + SCAN_AFTER_PC <= CODE_BUFFER, "code buffer too small");

struct row_slot {
	uint64_t key; /* (pc << 1 | is_caller) + 1; 0 = empty */
	unsigned generation;
	bool ok;
	bool outermost;
	const char *why;
	struct insn_row row;
};

struct insn_unwinder {
	struct modules *mods;
	struct insn_analyzer *an;
	struct row_slot *rows;
	uint8_t *code;
};

struct insn_unwinder *insn_unwinder_new(struct modules *mods, char *err, size_t err_len)
{
	struct insn_unwinder *iu = xcalloc(1, sizeof(*iu));

	iu->mods = mods;
	iu->an = insn_analyzer_new(insn_host_arch(), err, err_len);
	if (!iu->an) {
		free(iu);
		return NULL;
	}
	iu->rows = xcalloc(ROW_CACHE_SLOTS, sizeof(*iu->rows));
	iu->code = xmalloc(CODE_BUFFER);
	return iu;
}

void insn_unwinder_free(struct insn_unwinder *iu)
{
	if (!iu)
		return;
	insn_analyzer_free(iu->an);
	free(iu->rows);
	free(iu->code);
	free(iu);
}

/* Where the function holding `addr` starts: its ELF symbol, or the perf
 * map entry of JIT code.  A symbol without a size (hand-written assembly
 * often lacks .size) is trusted only close by. */
static bool function_start(struct insn_unwinder *iu, Dwfl_Module *mod, uint64_t addr,
			   uint64_t *start)
{
	const struct perf_map_entry *jit;
	GElf_Off off = 0;
	GElf_Sym sym;

	if (mod) {
		if (!dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL))
			return false;
		if (sym.st_size ? off >= sym.st_size : off >= 4096)
			return false;
		*start = addr - off;
		return true;
	}
	jit = modules_jit_code(iu->mods, addr);
	if (!jit)
		return false;
	*start = jit->start;
	return true;
}

/*
 * The code at a module's ELF entry point (the dynamic loader's _start, a
 * static program's) is where the process began: nothing called it.  Its
 * CFI, when it has any, says so with an undefined return address; without
 * CFI only this tells, and the analysis would look for a caller in argc.
 * The entry code may go on under a label of its own that it falls into
 * (glibc's loader: _start calls _dl_start, then _dl_start_user runs the
 * initializers and jumps to the program): a symbol starting right after
 * the entry point, with only the entry's own symbol before it.
 */
#define ENTRY_CODE_LABEL_WITHIN 64

static bool is_entry_code(Dwfl_Module *mod, uint64_t start)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	GElf_Ehdr ehdr;
	GElf_Off off = 0;
	GElf_Sym sym;
	uint64_t entry;

	if (!elf || !gelf_getehdr(elf, &ehdr) || !ehdr.e_entry)
		return false;
	entry = ehdr.e_entry + bias;
	if (start == entry)
		return true;
	return start > entry && start - entry <= ENTRY_CODE_LABEL_WITHIN &&
	       dwfl_module_addrinfo(mod, start - 1, &off, &sym, NULL, NULL, NULL) &&
	       start - 1 - off == entry;
}

static bool analyze(struct insn_unwinder *iu, uint64_t pc, bool is_caller, struct insn_row *row,
		    bool *outermost, const char **why, bool *unreadable)
{
	uint64_t lookup = is_caller ? pc - 1 : pc, start, lo, hi;
	/* Also re-reads stale maps: new JIT code. */
	Dwfl_Module *mod = modules_find(iu->mods, lookup);
	const struct map_entry *map = modules_mapping(iu->mods, lookup);
	size_t got;

	*outermost = false;
	if (!map || !map->executable) {
		*why = "pc not in executable memory";
		return false;
	}
	if (function_start(iu, mod, lookup, &start) && start >= map->start && pc - start < (64u << 10)) {
		if (mod && is_entry_code(mod, start)) {
			*outermost = true;
			return true;
		}
		hi = pc + CODE_AFTER_PC < map->end ? pc + CODE_AFTER_PC : map->end;
		got = mem_read_partial(iu->mods->pid, start, iu->code, (size_t)(hi - start));
		if (got >= pc - start &&
		    insn_analyze_from_start(iu->an, iu->code, got, start, pc, row, why))
			return true;
		if (got < pc - start) {
			*why = "the code is unreadable";
			*unreadable = true;
		}
	} else {
		*why = "no symbol or perf map entry gives the function's start";
	}
	if (insn_host_arch() != INSN_X86_64)
		return false;
	/* Without a usable start: follow the code from pc to its return. */
	lo = pc - map->start > SCAN_BEFORE_PC ? pc - SCAN_BEFORE_PC : map->start;
	hi = map->end - pc > SCAN_AFTER_PC ? pc + SCAN_AFTER_PC : map->end;
	got = mem_read_partial(iu->mods->pid, lo, iu->code, (size_t)(hi - lo));
	/* This read decides: code it could read is not unreadable. */
	*unreadable = got <= pc - lo;
	if (*unreadable) {
		*why = "the code is unreadable";
		return false;
	}
	return insn_analyze_to_return(iu->an, iu->code, got, lo, pc, row, why);
}

static const struct row_slot *cached_row(struct insn_unwinder *iu, uint64_t pc, bool is_caller)
{
	uint64_t key = (pc << 1 | is_caller) + 1;
	struct row_slot *slot = &iu->rows[hash_index(key, ROW_CACHE_SLOTS)];

	if (slot->key != key || slot->generation != iu->mods->generation) {
		struct insn_row row;
		const char *why = NULL;
		bool outermost = false, unreadable = false, ok;

		memset(&row, 0, sizeof(row));
		ok = analyze(iu, pc, is_caller, &row, &outermost, &why, &unreadable);

		/* New maps may mean new code at this address, so the analysis is
		 * redone; but code that can no longer be read (unmapped JIT code,
		 * a process that has exited) was what the samples still queued
		 * ran: the analysis it had stands. */
		if (ok || !unreadable || slot->key != key || !slot->ok) {
			slot->ok = ok;
			slot->row = row;
			slot->outermost = outermost;
			slot->why = why;
		}
		slot->key = key;
		slot->generation = iu->mods->generation;
	}
	return slot;
}

static bool reg_value(const struct dwarf_regs *r, unsigned regno, uint64_t *v)
{
	if (regno >= ARCH_DWARF_NREGS || !(r->valid & (1ull << regno)))
		return false;
	*v = r->val[regno];
	return true;
}

enum insn_step insn_unwind_step(struct insn_unwinder *iu, const struct snapshot *snap,
				const struct dwarf_regs *frame, bool is_caller,
				struct dwarf_regs *caller, const char **why)
{
	uint64_t pc = frame->val[ARCH_DWARF_PC], sp, base, cfa, ra;
	const struct row_slot *slot = cached_row(iu, pc, is_caller);
	const struct insn_row *row = &slot->row;
	const struct map_entry *ra_map;
	bool cut = false;

	if (!slot->ok) {
		*why = slot->why;
		return INSN_STEP_UNSURE;
	}
	if (slot->outermost)
		return INSN_STEP_OUTERMOST;
	if (!reg_value(frame, ARCH_DWARF_SP, &sp) || !reg_value(frame, row->cfa_reg, &base)) {
		*why = "the register the frame is found from is unknown";
		return INSN_STEP_UNSURE;
	}
	cfa = base + (uint64_t)row->cfa_off;
	if (row->ra_reg >= 0) {
		if (is_caller || !reg_value(frame, (unsigned)row->ra_reg, &ra)) {
			*why = "the return address register is not known here";
			return INSN_STEP_UNSURE;
		}
	} else if (!unwind_read_word(iu->mods, snap, cfa + (uint64_t)row->ra_off, &ra, &cut)) {
		*why = "the return address is unreadable";
		return cut ? INSN_STEP_CUT : INSN_STEP_UNSURE;
	}
	ra = arch_strip_return_address(ra);
	/* A caller's frame lies above its callee's: anything else means the
	 * analysis was wrong about this code. */
	if (cfa < sp || (cfa == sp && is_caller)) {
		*why = "the frame found is not above the stack pointer";
		return INSN_STEP_UNSURE;
	}
	ra_map = modules_mapping(iu->mods, ra);
	if (ra != 0 && (!ra_map || !ra_map->executable)) {
		*why = "the return address found is not in code";
		return INSN_STEP_UNSURE;
	}
	memset(caller, 0, sizeof(*caller));
	for (unsigned n = 0; n < ARCH_DWARF_NREGS; n++)
		if (arch_dwarf_callee_saved(n) && reg_value(frame, n, &caller->val[n]))
			caller->valid |= 1ull << n;
	for (unsigned n = 0; n < ARCH_DWARF_NREGS && n < INSN_MAX_REGS; n++) {
		uint64_t v;
		if (!(row->saved & (1ull << n)) || n == ARCH_DWARF_PC)
			continue;
		if (!unwind_read_word(iu->mods, snap, cfa + (uint64_t)row->saved_off[n], &v, &cut)) {
			*why = "a saved register is unreadable";
			return cut ? INSN_STEP_CUT : INSN_STEP_UNSURE;
		}
		caller->val[n] = v;
		caller->valid |= 1ull << n;
	}
	caller->val[ARCH_DWARF_SP] = cfa;
	caller->val[ARCH_DWARF_PC] = ra;
	caller->valid |= 1ull << ARCH_DWARF_SP | 1ull << ARCH_DWARF_PC;
	return INSN_STEP_OK;
}
