/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "histogram.h"

static unsigned bucket_of(uint64_t ns)
{
	unsigned log2, b;

	if (ns < 8)
		return (unsigned)ns;
	log2 = 63u - (unsigned)__builtin_clzll(ns);
	/* 3 bits below the top one pick one of 8 sub-buckets. */
	b = log2 * 8 + (unsigned)((ns >> (log2 - 3)) & 7);
	return b < HISTOGRAM_BUCKETS ? b : HISTOGRAM_BUCKETS - 1;
}

static uint64_t upper_edge(unsigned b)
{
	unsigned log2 = b / 8, sub = b % 8;

	if (b < 8)
		return b + 1;
	return ((uint64_t)(8 + sub + 1)) << (log2 - 3);
}

void histogram_add(struct histogram *h, uint64_t ns)
{
	h->count[bucket_of(ns)]++;
	h->total++;
}

uint64_t histogram_quantile(const struct histogram *h, double fraction)
{
	uint64_t want, seen = 0;

	if (!h->total)
		return 0;
	want = (uint64_t)(fraction * (double)h->total);
	if (want >= h->total)
		want = h->total - 1;
	for (unsigned b = 0; b < HISTOGRAM_BUCKETS; b++) {
		seen += h->count[b];
		if (seen > want)
			return upper_edge(b);
	}
	return upper_edge(HISTOGRAM_BUCKETS - 1);
}
