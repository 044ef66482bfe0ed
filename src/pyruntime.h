/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding a target's CPython runtime: which module holds it, where
 * _PyRuntime is, which version it is and which layout describes it. */
#ifndef PYSAMPLE_PYRUNTIME_H
#define PYSAMPLE_PYRUNTIME_H

#include "procmaps.h"
#include "pyversions.h"

enum py_discovery {
	PY_FOUND,      /* runtime located and initialised */
	PY_NOT_READY,  /* runtime located, no interpreter yet (starting up) */
	PY_NOT_PYTHON, /* nothing in the address space looks like CPython */
	PY_UNSUPPORTED /* CPython, but a version or layout pysample cannot read */
};

struct py_runtime {
	uint64_t runtime_addr;    /* _PyRuntime */
	unsigned version_hex;     /* full PY_VERSION_HEX when known */
	struct py_layout layout;
	char module[4096];        /* the executable or libpython holding _PyRuntime */
	char how[64];             /* how _PyRuntime was found, for --verbose */
};

/* Locates the runtime of `pid`.  `why` receives a sentence for the user when
 * the answer is not PY_FOUND.  `scan_only` (--runtime-by-scan, for builds
 * whose symbols mislead): skip symbols and sections, find _PyRuntime only
 * by its cookie (3.13+). */
enum py_discovery py_runtime_discover(pid_t pid, const struct proc_maps *maps, bool scan_only,
				      struct py_runtime *rt, char *why, size_t why_len);

#endif
