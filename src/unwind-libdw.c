/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libdw backend: one Dwfl per process (struct modules) with thread
 * callbacks whose registers and memory come from the snapshot being
 * unwound, the way Linux perf's unwind-libdw does it.
 */
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "unwind.h"
#include "unwind-libdw-rows.h"

struct unwinder {
	struct modules *mods;
	/* The sample being unwound: set around dwfl_getthread_frames. */
	const struct snapshot *snap;
	const struct dwarf_regs *start;
	bool start_is_caller; /* start's pc is a return address */
	size_t first;         /* index in out of this walk's first frame */
	struct unwind_result *out;
	unsigned max_frames;
	bool cut;
	enum unwind_end abort_reason; /* why frame_callback stopped the walk */
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)arg;
	(void)thread_arg;
	return 0; /* threads are only ever asked for by tid */
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)tid;
	*thread_arg = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	uint64_t v;

	(void)dwfl;
	if (!unwind_read_word(u->mods, u->snap, addr, &v, &u->cut))
		return false;
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;

	/* Only the registers known: after a frame without CFI, the caller's
	 * scratch registers are not. */
	for (unsigned n = 0; n < ARCH_DWARF_CFI_REGS; n++) {
		Dwarf_Word v = u->start->val[n];
		if ((u->start->valid & (1ull << n)) &&
		    !dwfl_thread_state_registers(thread, (int)n, 1, &v))
			return false;
	}
	dwfl_thread_state_register_pc(thread, u->start->val[ARCH_DWARF_PC]);
	return true;
}

/* Hands a frame without CFI over to the instruction analysis. */
static void stop_for_insn(struct unwinder *u, Dwfl_Frame *state, uint64_t pc)
{
	struct dwarf_regs *r = &u->out->stop_regs;

	r->valid = 0;
	for (unsigned n = 0; n < ARCH_DWARF_NREGS; n++) {
		Dwarf_Word v;
		if (n != ARCH_DWARF_PC && dwfl_frame_reg(state, n, &v) == 0) {
			r->val[n] = v;
			r->valid |= 1ull << n;
		}
	}
	r->val[ARCH_DWARF_PC] = pc;
	r->valid |= 1ull << ARCH_DWARF_PC;
	u->abort_reason = UNWIND_NO_CFI;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int frame_callback(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (u->out->n >= u->max_frames) {
		u->abort_reason = UNWIND_MAX_FRAMES;
		return DWARF_CB_ABORT;
	}
	if (pc == 0 && u->out->n > 0) {
		u->abort_reason = UNWIND_COMPLETE; /* a zeroed return address ends the chain */
		return DWARF_CB_ABORT;
	}
	/* libdw calls its first frame an activation; after a hand-over from
	 * the instruction analysis or the fast path it is a return address,
	 * unless the code there is a signal trampoline (__restore_rt), which
	 * a handler returns to as to its next instruction. */
	if (u->out->n == u->first && u->start_is_caller)
		activation = (modules_cfi_frame_kind(u->mods, pc - 1) & CFI_SIGNAL_FRAME) != 0;
	/* No CFI here: the instruction analysis takes over, rather than
	 * libdw's frame-pointer guess.  A caller address that is not even in
	 * executable memory is garbage from a frame being set up (a new
	 * thread, a signal): leave it out. */
	if (!modules_has_cfi(u->mods, activation ? pc : pc - 1)) {
		const struct map_entry *e = modules_mapping(u->mods, pc);
		if (u->out->n == 0 || (e && e->executable)) {
			unwind_result_push(u->out, pc, activation);
			stop_for_insn(u, state, pc);
		} else {
			u->abort_reason = UNWIND_FAILED;
		}
		return DWARF_CB_ABORT;
	}
	unwind_result_push(u->out, pc, activation);
	return DWARF_CB_OK;
}

static struct unwinder *libdw_create(struct modules *mods, char *err, size_t err_len)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));

	u->mods = mods;
	if (!dwfl_attach_state(mods->dwfl, mods->exe_elf, mods->pid, &thread_callbacks, u)) {
		snprintf(err, err_len, "libdw cannot unwind this process: %s", dwfl_errmsg(-1));
		free(u);
		return NULL;
	}
	return u;
}

/*
 * libdw ends a stack, as complete, wherever it finds no return address,
 * and also where it could not compute one (a saved register it could not
 * read, a caller's CFA built on it).  Only the outermost frame's CFI says
 * the return address is undefined on purpose.
 */
static bool ends_on_purpose(struct unwinder *u, const struct unwind_result *out)
{
	const struct native_frame *last;

	if (out->n <= u->first)
		return true;
	last = &out->frames[out->n - 1];
	return (modules_cfi_frame_kind(u->mods, last->exact ? last->pc : last->pc - 1) &
		CFI_OUTERMOST) != 0;
}

static void libdw_unwind(struct unwinder *u, const struct snapshot *snap,
			 const struct dwarf_regs *start, bool caller, unsigned max_frames,
			 struct unwind_result *out)
{
	int rc;

	u->snap = snap;
	u->start = start;
	u->start_is_caller = caller;
	u->first = out->n;
	u->out = out;
	u->max_frames = max_frames;
	u->cut = false;
	u->abort_reason = UNWIND_COMPLETE;
	rc = dwfl_getthread_frames(u->mods->dwfl, snap->tid, frame_callback, u);
	/* 0: libdw reached the outermost frame (undefined return address);
	 * DWARF_CB_ABORT: frame_callback stopped it and said why; -1: CFI
	 * missing or a read failed, perhaps beyond the stack copy. */
	if (u->cut && out->end != UNWIND_MAX_FRAMES)
		out->end = UNWIND_CUT_BY_COPY; /* whatever ended it, the copy was too short */
	else if (rc == DWARF_CB_ABORT)
		out->end = u->abort_reason;
	else if (rc != 0 || !ends_on_purpose(u, out))
		out->end = UNWIND_FAILED;
	u->snap = NULL;
}

static void libdw_destroy(struct unwinder *u)
{
	free(u);
}

/* The fast path (unwind-libdw-rows.c): the rows libdw has interpreted once. */
static struct unwind_fast *libdw_fast_new(struct modules *mods)
{
	return (struct unwind_fast *)libdw_rows_new(mods);
}

static void libdw_fast_free(struct unwind_fast *f)
{
	libdw_rows_free((struct libdw_rows *)f);
}

static bool libdw_fast_unwind(struct unwind_fast *f, const struct snapshot *snap,
			      const struct dwarf_regs *start, bool caller, unsigned max_frames,
			      struct unwind_result *out, struct dwarf_regs *at, bool *at_caller)
{
	return libdw_rows_unwind((struct libdw_rows *)f, snap, start, caller, max_frames, out, at,
				 at_caller);
}

const struct unwind_ops unwind_libdw_ops = {
	.name = "libdw",
	.create = libdw_create,
	.unwind = libdw_unwind,
	.destroy = libdw_destroy,
	.fast_new = libdw_fast_new,
	.fast_free = libdw_fast_free,
	.fast_unwind = libdw_fast_unwind,
};
