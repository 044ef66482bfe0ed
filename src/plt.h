/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names for PLT entries, "puts@plt" as perf prints them: the stubs
 * through which a module calls another's functions have no symbols, and
 * a sample or a return address in one (5-10% of leaf frames in a pyenv
 * libpython) was [unknown].  The entry's jump says its GOT slot, and the
 * slot's relocation names the function.
 */
#ifndef PYSAMPLE_PLT_H
#define PYSAMPLE_PLT_H

#include <elfutils/libdwfl.h>

#include "common.h"

/* The name ("sym@plt", malloc'ed) of the PLT entry containing addr in
 * mod, and the entry's start in *start; NULL when addr is in no PLT entry
 * that names a function. */
char *plt_name(Dwfl_Module *mod, uint64_t addr, uint64_t *start);

#endif
