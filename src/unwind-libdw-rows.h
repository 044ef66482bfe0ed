/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libdw backend's fast path: each pc's CFI row, interpreted by libdw
 * once and kept as a few numbers (CFA = register + offset; each register
 * undefined, unchanged, saved at CFA + n, or equal to CFA + n), so that a
 * step through a frame already seen costs a hash look-up and a few reads
 * from the stack copy.  Rows it cannot keep that way (DWARF expressions,
 * signal frames) and code without CFI are left to the backend.
 */
#ifndef PYSAMPLE_UNWIND_LIBDW_ROWS_H
#define PYSAMPLE_UNWIND_LIBDW_ROWS_H

#include "unwind.h"

struct libdw_rows;

struct libdw_rows *libdw_rows_new(struct modules *mods);
void libdw_rows_free(struct libdw_rows *c);

/*
 * Walks from `start` (`caller`: its pc is a return address) while the
 * rows allow, appending frames to `out`.  True when it reached the end of
 * the stack (out->end says how); false when it stopped at a frame for the
 * backend: *at holds that frame's registers (not yet in `out`) and
 * *at_caller whether its pc is a return address.
 */
bool libdw_rows_unwind(struct libdw_rows *c, const struct snapshot *snap,
		       const struct dwarf_regs *start, bool caller, unsigned max_frames,
		       struct unwind_result *out, struct dwarf_regs *at, bool *at_caller);

#endif
