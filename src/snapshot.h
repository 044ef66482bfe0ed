/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What is copied from a thread while it is stopped.  Everything after the
 * stop (unwinding, naming code objects, line numbers, output) works from
 * this copy, so the thread runs again as soon as it is filled.
 */
#ifndef PYSAMPLE_SNAPSHOT_H
#define PYSAMPLE_SNAPSHOT_H

#include "arch.h"
#include "common.h"
#include "memread.h"

/* One Python frame as read from the target: the code object it runs and
 * where in its bytecode it is. */
struct py_frame_ref {
	uint64_t frame; /* where the frame is (its locals: pysample dump --locals) */
	uint64_t code;
	uint64_t instr; /* byte offset into the bytecode */
	uint32_t flags;
	/* Filled after the stop (py_code_name_frames): NULL name when the
	 * code object could not be read. */
	const char *name, *filename;
	int line;
	int first_line; /* the function's (co_firstlineno) */
};

/* The frame was entered from C (3.11 is_entry, or the frame right above a
 * 3.12+ C-stack shim): the eval-loop call that runs it started here. */
#define PYF_ENTRY 1u
/* The frame has not run its first instruction: it is at its first line. */
#define PYF_NOT_STARTED 2u

enum py_snap_status {
	PYSNAP_OK,
	PYSNAP_NO_RUNTIME,   /* no interpreter (yet): not Python, or starting up */
	PYSNAP_NO_THREAD,    /* this OS thread has no Python thread state */
	PYSNAP_READ_FAILED,  /* the chain pointed at unreadable memory */
	PYSNAP_CHAIN_CUT,    /* the chain ends short of its first frame: caught while the
				interpreter relinked it (a generator resuming or yielding) */
	PYSNAP_TRUNCATED,    /* more frames than the bound, or a cycle */
	PYSNAP_TORN,         /* read without stopping, and the thread moved on meanwhile */
};

struct py_runtime;

struct snapshot {
	pid_t pid, tid;
	/* The id its address space is read through (/proc, process_vm_readv):
	 * the pid, or a live thread's once the leader has exited. */
	pid_t space;
	pid_t ns_pid, ns_tid; /* the same in the target's own PID namespace */
	uint64_t time_ns;
	char comm[17];
	/* threading's name for it ("" none known), from the last read of
	 * the names (pythreads.h). */
	char py_thread_name[64];
	/* The address space this was taken in: bumped at every exec, so the
	 * processing side knows when its modules and caches are stale. */
	unsigned exec_gen;
	/* The Python runtime as found when this was taken (NULL: none yet);
	 * immutable, kept until the end of the run. */
	const struct py_runtime *rt;

	bool have_regs;
	struct arch_regs regs;
	/* --insn: the code at the pc, copied at the stop (the target may be
	 * gone by the time the record is written). */
	uint8_t insn[16];
	uint8_t insn_len;

	/* The top of the stack, from the stack pointer up (and the red zone
	 * below it), as copied at the stop (bounded by --stack-bytes and by
	 * the end of the mapping).  The bytes live in the snapshot queue's
	 * ring (snapqueue.h), not here. */
	uint8_t *stack;
	size_t stack_len;
	size_t ring_end;   /* the queue's ring position after this snapshot's bytes */
	size_t ring_bytes; /* what it holds of the ring: its copy, and a gap it left at the end */
	size_t ring_gap;   /* of which the gap */
	uint64_t stack_addr;
	bool stack_bounded; /* the copy stopped at --stack-bytes, not at the mapping's end */
	bool stack_left_out; /* no room for a copy (processing behind): Python frames only */

	enum py_snap_status py_status;
	struct py_frame_ref *py; /* leaf first */
	size_t npy, py_cap;
};

void snapshot_reset(struct snapshot *s);
void snapshot_free(struct snapshot *s);
/* Where the stack copy of a thread with these registers starts: the red
 * zone below the stack pointer, where CFI may place a register an
 * epilogue popped. */
uint64_t snapshot_stack_start(const struct arch_regs *regs);
/* The bytes a copy of `stack_bytes` above the stack pointer takes. */
size_t snapshot_stack_span(size_t stack_bytes);
/* Copies up to `span` bytes (snapshot_stack_span) of the stack into buf,
 * unless `done` (may be NULL) says a syscall made for something else
 * already read them there. */
void snapshot_copy_stack(struct snapshot *s, uint8_t *buf, size_t span,
			 const struct mem_tail *done);
void snapshot_push_py(struct snapshot *s, uint64_t frame, uint64_t code, uint64_t instr,
		      uint32_t flags);

#endif
