/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "snapshot.h"

#include <stdlib.h>

#include "memread.h"

void snapshot_reset(struct snapshot *s)
{
	s->have_regs = false;
	s->py_thread_name[0] = '\0';
	s->py_status = PYSNAP_NO_RUNTIME;
	s->npy = 0;
	s->stack_len = 0;
	s->stack_addr = 0;
	s->insn_len = 0;
}

uint64_t snapshot_stack_start(const struct arch_regs *regs)
{
	return arch_regs_sp(regs) - ARCH_STACK_RED_ZONE;
}

size_t snapshot_stack_span(size_t stack_bytes)
{
	return stack_bytes + ARCH_STACK_RED_ZONE;
}

void snapshot_copy_stack(struct snapshot *s, uint8_t *buf, size_t span,
			 const struct mem_tail *done)
{
	if (!s->have_regs || !span || !buf)
		return;
	s->stack = buf;
	s->stack_addr = snapshot_stack_start(&s->regs);
	/* A partial read stops at the first unmapped page: the end of the
	 * stack mapping (or its guard page) clips the copy by itself. */
	if (done && done->read && done->buf == buf && done->addr == s->stack_addr &&
	    done->len == span)
		s->stack_len = done->got;
	else
		s->stack_len = mem_read_partial(s->space, s->stack_addr, s->stack, span);
	/* The red zone of a stack pointer at the bottom of its mapping is
	 * unmapped: from the stack pointer, then. */
	if (s->stack_len < ARCH_STACK_RED_ZONE) {
		s->stack_addr = arch_regs_sp(&s->regs);
		s->stack_len = mem_read_partial(s->space, s->stack_addr, s->stack,
						span - ARCH_STACK_RED_ZONE);
		span -= ARCH_STACK_RED_ZONE;
	}
	s->stack_bounded = s->stack_len == span;
}

void snapshot_free(struct snapshot *s)
{
	free(s->py);
	s->py = NULL;
	s->stack = NULL;
	s->stack_len = 0;
	s->npy = s->py_cap = 0;
}

void snapshot_push_py(struct snapshot *s, uint64_t frame, uint64_t code, uint64_t instr,
		      uint32_t flags)
{
	grow_array((void **)&s->py, &s->py_cap, s->npy, sizeof(*s->py));
	s->py[s->npy++] = (struct py_frame_ref){ .frame = frame, .code = code, .instr = instr,
						 .flags = flags, .line = -1 };
}
