/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every harness shares: the libFuzzer entry point and the check that
 * turns a broken invariant into a crash libFuzzer reports. */
#ifndef PYSAMPLE_FUZZ_H
#define PYSAMPLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
