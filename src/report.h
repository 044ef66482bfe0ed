/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample report IN [-o OUT] [-f FORMAT] [--top N]`: reads `perf script`
 * text (pysample's, or perf's own) and writes it in any output format.
 */
#ifndef PYSAMPLE_REPORT_H
#define PYSAMPLE_REPORT_H

#include "common.h"

/* argv[0] is "report"; returns the exit status. */
int report_main(int argc, char **argv);

#endif
