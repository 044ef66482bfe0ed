/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CFI sections made usable for an unwinder (libunwind's remote interface)
 * that reads only .eh_frame through an .eh_frame_hdr-style search table.
 * .debug_frame rewritten as .eh_frame: CIE ids become 0, each FDE's CIE
 * pointer becomes relative to itself, version 4 CIEs (DWARF 5) lose their
 * address and segment size bytes, and FDE start addresses are relocated.
 * The input comes from files on the target's side: fully bounded.
 */
#ifndef PYSAMPLE_UNWIND_LIBUNWIND_EHFRAME_H
#define PYSAMPLE_UNWIND_LIBUNWIND_EHFRAME_H

#include "common.h"

struct ehframe_fde {
	uint64_t start;  /* relocated initial location */
	size_t offset;   /* of the FDE in the image */
};

/*
 * Returns the .eh_frame image (malloc'ed, *image_len bytes including a zero
 * terminator) and its FDEs sorted by start (malloc'ed, *nfdes), or NULL
 * when the section is unusable (64-bit DWARF, truncated, no FDE).
 */
uint8_t *ehframe_from_debug_frame(const uint8_t *src, size_t len, uint64_t bias,
				     size_t *image_len, struct ehframe_fde **fdes, size_t *nfdes);

/*
 * The FDEs of an .eh_frame section loaded at `vaddr` (`bias`: load address
 * minus link address, for absolute pointers), sorted by start (malloc'ed,
 * offsets within the section): the search table that a missing
 * .eh_frame_hdr would have held (static programs are linked without one).
 * NULL when no FDE could be read.
 */
struct ehframe_fde *ehframe_fdes(const uint8_t *src, size_t len, uint64_t vaddr, uint64_t bias,
				  size_t *nfdes);

#endif
