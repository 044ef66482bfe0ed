/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "snapshot.h"

#include <stdlib.h>

void snapshot_reset(struct snapshot *s)
{
	s->have_regs = false;
	s->py_status = PYSNAP_NO_RUNTIME;
	s->npy = 0;
}

void snapshot_free(struct snapshot *s)
{
	free(s->py);
	s->py = NULL;
	s->npy = s->py_cap = 0;
}

void snapshot_push_py(struct snapshot *s, uint64_t code, uint64_t instr, uint32_t flags)
{
	grow_array((void **)&s->py, &s->py_cap, s->npy, sizeof(*s->py));
	s->py[s->npy++] = (struct py_frame_ref){ code, instr, flags };
}
