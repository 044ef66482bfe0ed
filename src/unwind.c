/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unwind.h"

#include <string.h>

#include "memread.h"

#define STACK_REGION_MAX (256ull << 20)

const struct unwind_ops *unwind_backend(const char *name)
{
	static const struct unwind_ops *const all[] = { &unwind_libdw_ops, &unwind_libunwind_ops };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

bool unwind_result_start(struct unwind_result *r, const struct snapshot *snap)
{
	r->n = 0;
	r->end = snap->have_regs ? UNWIND_COMPLETE : UNWIND_FAILED;
	return snap->have_regs;
}

void unwind_result_push(struct unwind_result *r, uint64_t pc, bool exact)
{
	grow_array((void **)&r->frames, &r->cap, r->n, sizeof(*r->frames));
	r->frames[r->n++] = (struct native_frame){ pc, exact };
}

bool unwind_read_word(struct modules *mods, const struct snapshot *snap, uint64_t addr,
		      uint64_t *value, bool *cut)
{
	const struct map_entry *stack;

	if (addr >= snap->stack_addr && addr + 8 <= snap->stack_addr + snap->stack_len &&
	    addr + 8 > addr) {
		memcpy(value, snap->stack + (addr - snap->stack_addr), 8);
		return true;
	}
	/* Past a copy that the bound cut short: the rest of this stack.  The
	 * maps held may predate the stack's growth, so the bound is the
	 * largest stack a thread plausibly has rather than the mapping. */
	if (snap->stack_bounded && addr >= snap->stack_addr + snap->stack_len &&
	    addr - snap->stack_addr < STACK_REGION_MAX) {
		*cut = true;
		return false;
	}
	stack = modules_mapping(mods, snap->stack_addr);
	if (stack && addr >= stack->start && addr < stack->end)
		return false; /* below the stack pointer: dead data */
	return mem_read_u64(snap->pid, addr, value);
}

const char *unwind_end_name(enum unwind_end end)
{
	switch (end) {
	case UNWIND_COMPLETE: return "complete";
	case UNWIND_CUT_BY_COPY: return "cut by --stack-bytes";
	case UNWIND_MAX_FRAMES: return "over --max-frames";
	case UNWIND_FAILED: return "unwind failed";
	}
	return "?";
}
