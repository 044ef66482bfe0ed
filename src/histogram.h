/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durations in logarithmic buckets: medians and tails in constant memory,
 * however long the run. */
#ifndef PYSAMPLE_HISTOGRAM_H
#define PYSAMPLE_HISTOGRAM_H

#include "common.h"

#define HISTOGRAM_BUCKETS 256

struct histogram {
	uint64_t count[HISTOGRAM_BUCKETS]; /* 8 buckets per power of two of ns */
	uint64_t total;
};

void histogram_add(struct histogram *h, uint64_t ns);
/* The value below which `fraction` of the samples lie (upper bucket edge,
 * within 9%), or 0 when empty. */
uint64_t histogram_quantile(const struct histogram *h, double fraction);

#endif
