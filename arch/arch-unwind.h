/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-architecture facts the unwinders need. */
#ifndef PYSAMPLE_ARCH_UNWIND_H
#define PYSAMPLE_ARCH_UNWIND_H

#include "arch.h"

/* Number of DWARF registers handed to libdw as the initial frame state
 * (all general registers that have DWARF numbers, excluding the pc). */
unsigned arch_dwarf_initial_regs(const struct arch_regs *regs, uint64_t *out, unsigned max);

#endif
