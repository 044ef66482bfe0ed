/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A few lines of TAP for the C unit tests (the harness reads TAP). */
#ifndef PYSAMPLE_TAP_H
#define PYSAMPLE_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define ok(cond, ...)                                                          \
	do {                                                                   \
		bool ok_ = (cond);                                             \
		tap_count++;                                                   \
		if (!ok_)                                                      \
			tap_failed++;                                          \
		printf("%sok %d - ", ok_ ? "" : "not ", tap_count);            \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!ok_)                                                      \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);      \
	} while (0)

#define is_str(got, want, ...)                                                 \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		ok(g_ && strcmp(g_, w_) == 0, __VA_ARGS__);                    \
		if (!g_ || strcmp(g_, w_) != 0)                                \
			printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
