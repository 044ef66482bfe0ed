/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unwind.h"

#include <string.h>

#include "memread.h"
#include "unwind-insn.h"

#define STACK_REGION_MAX (256ull << 20)

const struct unwind_ops *unwind_backend(const char *name)
{
	static const struct unwind_ops *const all[] = { &unwind_libdw_ops, &unwind_libunwind_ops };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

bool native_unwinder_init(struct native_unwinder *nu, const struct unwind_ops *ops,
			  struct modules *mods, bool insn_unwind, char *err, size_t err_len)
{
	memset(nu, 0, sizeof(*nu));
	nu->ops = ops;
	nu->backend = ops->create(mods, err, err_len);
	if (!nu->backend)
		return false;
	if (ops->fast_new)
		nu->fast = ops->fast_new(mods);
	if (insn_unwind) {
		nu->insn = insn_unwinder_new(mods, err, err_len);
		if (!nu->insn) {
			ops->destroy(nu->backend);
			nu->backend = NULL;
			return false;
		}
	}
	return true;
}

void native_unwinder_free(struct native_unwinder *nu)
{
	if (nu->backend)
		nu->ops->destroy(nu->backend);
	if (nu->fast)
		nu->ops->fast_free(nu->fast);
	insn_unwinder_free(nu->insn);
	memset(nu, 0, sizeof(*nu));
}

/*
 * The backend walks what CFI describes; where it stops at code without
 * CFI, the instruction analysis finds that frame's caller and the backend
 * goes on from there.  Each hand-over adds a frame, so max_frames bounds
 * the loop.
 */
void native_unwind(struct native_unwinder *nu, const struct snapshot *snap, unsigned max_frames,
		   struct unwind_result *out)
{
	struct dwarf_regs regs;
	bool caller = false;

	out->n = 0;
	out->insn_frames = 0;
	out->insn_why = NULL;
	if (!snap->have_regs) {
		out->end = UNWIND_FAILED;
		return;
	}
	arch_dwarf_regs(&snap->regs, &regs);
	for (;;) {
		size_t before = out->n;
		struct dwarf_regs next;
		const struct native_frame *last;

		out->end = UNWIND_COMPLETE;
		/* Frames the backend's fast path knows go fast; the backend
		 * takes the rest from the first frame it does not. */
		if (nu->fast && nu->ops->fast_unwind(nu->fast, snap, &regs, caller, max_frames, out,
						     &regs, &caller))
			return;
		nu->ops->unwind(nu->backend, snap, &regs, caller, max_frames, out);
		if (out->end != UNWIND_NO_CFI || !nu->insn)
			break;
		if (out->n == before || out->n >= max_frames) {
			out->end = out->n >= max_frames ? UNWIND_MAX_FRAMES : UNWIND_FAILED;
			break;
		}
		last = &out->frames[out->n - 1];
		switch (insn_unwind_step(nu->insn, snap, &out->stop_regs, !last->exact, &next,
					 &out->insn_why)) {
		case INSN_STEP_OK:
			break;
		case INSN_STEP_CUT:
			out->end = UNWIND_CUT_BY_COPY;
			return;
		case INSN_STEP_UNSURE:
			out->end = UNWIND_INSN_UNSURE;
			return;
		case INSN_STEP_OUTERMOST:
			out->end = UNWIND_COMPLETE;
			return;
		}
		out->insn_frames++;
		if (next.val[ARCH_DWARF_PC] == 0) {
			out->end = UNWIND_COMPLETE; /* a zeroed return address ends the chain */
			return;
		}
		regs = next;
		caller = true;
	}
	if (out->n == 0)
		unwind_result_push(out, arch_regs_pc(&snap->regs), true);
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
	return mem_read_u64(snap->space, addr, value);
}
