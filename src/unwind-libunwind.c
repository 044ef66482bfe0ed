/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libunwind backend (placeholder until implemented). */
#include <stdio.h>

#include "unwind.h"

static struct unwinder *lu_create(struct modules *mods, char *err, size_t err_len)
{
	(void)mods;
	snprintf(err, err_len, "the libunwind backend is not built yet");
	return NULL;
}

static void lu_unwind(struct unwinder *u, const struct snapshot *snap, unsigned max_frames,
		      struct unwind_result *out)
{
	(void)u;
	(void)snap;
	(void)max_frames;
	out->n = 0;
	out->end = UNWIND_FAILED;
}

static void lu_destroy(struct unwinder *u)
{
	(void)u;
}

const struct unwind_ops unwind_libunwind_ops = {
	.name = "libunwind",
	.create = lu_create,
	.unwind = lu_unwind,
	.destroy = lu_destroy,
};
