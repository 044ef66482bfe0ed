/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

bool merge_is_eval_symbol(const char *name)
{
	static const char eval[] = "_PyEval_EvalFrameDefault";

	if (!name)
		return false;
	/* ".cold" and ".part" clones are the same function split by gcc;
	 * 3.14's tail-calling interpreter runs opcodes in _TAIL_CALL_*. */
	return strcmp(name, eval) == 0 ||
	       (strncmp(name, eval, sizeof(eval) - 1) == 0 && name[sizeof(eval) - 1] == '.') ||
	       strncmp(name, "_TAIL_CALL_", 11) == 0;
}

/*
 * CPython's call plumbing: what runs between one Python frame and the
 * next when Python calls Python.  Builtins' own code (list_sort_impl,
 * builtin_sorted, PyLong_FromLong, ...) is not plumbing and stays.
 */
static bool is_call_plumbing(const char *name)
{
	static const char *const prefixes[] = {
		"_PyEval_", "PyEval_", "_PyFunction_", "_PyObject_Call", "PyObject_Call",
		"_PyObject_Vectorcall", "PyObject_Vectorcall", "_PyObject_MakeTpCall",
		"_PyVectorcall_", "PyVectorcall_", "_PyObject_FastCall", "vectorcall_",
		"method_vectorcall", "cfunction_call", "cfunction_vectorcall", "function_code_fastcall",
		"call_function", "do_call_core", "object_vacall", "slot_tp_call", "_PyCFunction_",
		"PyCFunction_Call", "builtin_exec", "run_eval_code_obj", "_Py_call_",
	};

	if (!name)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/*
 * CPython's perf trampolines (3.12+ `-X perf`): a small JIT stub, named
 * "py::func:file" in the perf map, calls each evaluation loop, and
 * py_trampoline_evaluator calls the stub.  They say again what the Python
 * frames already say, so they go where the eval frame they wrap went.
 */
static bool is_trampoline(const struct symbol *sym)
{
	return sym->jit && sym->name && strncmp(sym->name, "py::", 4) == 0;
}

static bool is_trampoline_caller(const struct symbol *sym)
{
	return sym->name && strcmp(sym->name, "py_trampoline_evaluator") == 0;
}

struct group {
	size_t start, end; /* py[start, end) */
};

static size_t python_groups(const struct merge_input *in, struct group *g)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < in->npy; i++) {
		bool last = i + 1 == in->npy;
		if (!in->py_grouped || (in->py[i].flags & PYF_ENTRY) || last) {
			g[n].start = start;
			g[n].end = i + 1;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static size_t put_group(const struct group *g, struct merged_frame *out, size_t n)
{
	for (size_t k = g->start; k < g->end; k++)
		out[n++] = (struct merged_frame){ MERGED_PYTHON, k };
	return n;
}

size_t merge_stacks(const struct merge_input *in, struct merged_frame *out, bool *mismatch)
{
	struct group *groups = xcalloc(in->npy + 1, sizeof(*groups));
	size_t *evals = xcalloc(in->nnative + 1, sizeof(*evals));
	long *match = xcalloc(in->nnative + 1, sizeof(*match)); /* native index -> group, -1 */
	size_t ngroups = python_groups(in, groups), nevals = 0, n = 0, common;
	size_t first_group = 0, last_group = 0, lo = 0, hi = 0;
	bool from_root;
	size_t hidden_trampoline = SIZE_MAX;

	for (size_t i = 0; i < in->nnative; i++) {
		match[i] = -1;
		if (merge_is_eval_symbol(in->syms[i].name))
			evals[nevals++] = i;
	}
	*mismatch = nevals != ngroups;
	common = nevals < ngroups ? nevals : ngroups;
	/* Equal counts pair up one to one.  Otherwise the transient end of a
	 * stack is the leaf (a frame being pushed or popped), so pair from the
	 * root when the native unwind reached it, and from the leaf when it
	 * was cut short. */
	from_root = *mismatch && in->native_complete;
	for (size_t k = 0; k < common; k++) {
		size_t e = from_root ? nevals - common + k : k;
		size_t g = from_root ? ngroups - common + k : k;
		match[evals[e]] = (long)g;
	}
	if (common) {
		first_group = from_root ? ngroups - common : 0;
		last_group = first_group + common - 1;
		lo = evals[from_root ? nevals - common : 0];
		hi = evals[from_root ? nevals - 1 : common - 1];
	}
	for (size_t i = 0; i < in->nnative; i++) {
		if (match[i] >= 0) {
			/* Unpaired leaf-side groups go right before the first pair. */
			if ((size_t)match[i] == first_group)
				for (size_t g = 0; g < first_group; g++)
					n = put_group(&groups[g], out, n);
			n = put_group(&groups[match[i]], out, n);
			continue;
		}
		if (!in->native_all && i > 0 && match[i - 1] >= 0 && is_trampoline(&in->syms[i])) {
			hidden_trampoline = i;
			continue;
		}
		if (!in->native_all && i > 0 && hidden_trampoline == i - 1 &&
		    is_trampoline_caller(&in->syms[i]))
			continue;
		if (!in->native_all && common && i > lo && i < hi && in->syms[i].module &&
		    in->runtime_module && strcmp(in->syms[i].module, in->runtime_module) == 0 &&
		    is_call_plumbing(in->syms[i].name))
			continue; /* CPython's plumbing between two Python frames */
		out[n++] = (struct merged_frame){ MERGED_NATIVE, i };
	}
	/* Unpaired root-side groups (or all of them, with no eval frame seen):
	 * after the native frames, where the missing callers would have been. */
	for (size_t g = common ? last_group + 1 : 0; g < ngroups; g++)
		if (common == 0 || g > last_group)
			n = put_group(&groups[g], out, n);
	free(groups);
	free(evals);
	free(match);
	return n;
}
