/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * merge_stacks against the stacks the documentation shows (README "Reading
 * the output", doc/output-format.md 3.3, 5.4, 5.5 and the -X perf
 * trampolines of README "Code without CFI") and the rules 3.3 states.
 * Each case is a native stack and the Python frames read with it, leaf
 * first, and the merged stack the documentation says must come out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "tap.h"

#define MAXF 32

/* Which module a native frame is in: the one holding the CPython runtime
 * (libpython, or the python executable CPython is linked into), or
 * another one.  Only the runtime module's frames may be hidden. */
enum where { END = 0, RT, LIBC, EXT, EXE, JIT, NOWHERE };

static const char *const module_path[] = {
	[RT] = "/usr/lib/libpython3.12.so.1.0",
	[LIBC] = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	[EXT] = "/srv/venv/lib/python3.12/site-packages/_ext.cpython-312-x86_64-linux-gnu.so",
	[EXE] = "/usr/bin/python3.12",
	[JIT] = "/tmp/perf-4242.map",
	[NOWHERE] = NULL,
};

struct nat {
	enum where where;
	const char *name; /* NULL: no symbol covers the address */
};

struct pyf {
	const char *name;
	bool entry; /* PYF_ENTRY: entered from C, the first frame of its eval call */
};

struct merge_case {
	const char *name;
	bool grouped;    /* 3.11+ */
	bool complete;   /* the unwind reached the outermost frame */
	bool native_all; /* --native-all */
	bool no_runtime; /* the runtime module is not known */
	struct nat native[MAXF];
	struct pyf py[MAXF];
	/* Native frames by name ("[unknown]" without one), Python frames as
	 * "py:name"; NULL-terminated. */
	const char *want[2 * MAXF + 1];
	bool mismatch;
};

#define R(n) { RT, n }
#define C(n) { LIBC, n }
#define X(n) { EXT, n }
#define B(n) { EXE, n }
#define J(n) { JIT, n }
#define EVAL R("_PyEval_EvalFrameDefault")
#define P(n) { n, false }
#define E(n) { n, true }

static const struct merge_case cases[] = {
	{
		/* README "Quick start": Debian's 3.11 links CPython into the
		 * executable, so _start is in the runtime module too; one eval
		 * call runs <module> (entered from PyEval_EvalCode) to spin. */
		.name = "README: busy.py main thread, 3.11, one eval loop runs four Python frames",
		.grouped = true, .complete = true,
		.native = { R("rangeiter_next.lto_priv.0"), EVAL, R("PyEval_EvalCode"),
			    R("run_eval_code_obj.lto_priv.0"), R("run_mod.lto_priv.0"),
			    R("pyrun_file.lto_priv.0"), R("_PyRun_SimpleFileObject"),
			    R("_PyRun_AnyFileObject"), R("Py_RunMain"), R("Py_BytesMain"),
			    C("__libc_start_call_main"), C("__libc_start_main@@GLIBC_2.34"),
			    R("_start") },
		.py = { P("spin"), P("hot"), P("main"), E("<module>") },
		.want = { "rangeiter_next.lto_priv.0", "py:spin", "py:hot", "py:main",
			  "py:<module>", "PyEval_EvalCode", "run_eval_code_obj.lto_priv.0",
			  "run_mod.lto_priv.0", "pyrun_file.lto_priv.0",
			  "_PyRun_SimpleFileObject", "_PyRun_AnyFileObject", "Py_RunMain",
			  "Py_BytesMain", "__libc_start_call_main",
			  "__libc_start_main@@GLIBC_2.34", "_start" },
	},
	{
		/* The call machinery that entered the interpreter lies outside
		 * the outermost Python frame: it stays. */
		.name = "README: busy.py worker thread, 3.11, from __clone3 to pure Python",
		.grouped = true, .complete = true,
		.native = { EVAL, R("_PyObject_VectorcallTstate.lto_priv.4.lto_priv.0"),
			    R("method_vectorcall.lto_priv.0"), R("thread_run.lto_priv.0"),
			    R("pythread_wrapper"), C("start_thread"), C("__clone3") },
		.py = { P("spin"), P("worker"), P("Thread.run"), P("Thread._bootstrap_inner"),
			E("Thread._bootstrap") },
		.want = { "py:spin", "py:worker", "py:Thread.run", "py:Thread._bootstrap_inner",
			  "py:Thread._bootstrap",
			  "_PyObject_VectorcallTstate.lto_priv.4.lto_priv.0",
			  "method_vectorcall.lto_priv.0", "thread_run.lto_priv.0",
			  "pythread_wrapper", "start_thread", "__clone3" },
	},
	{
		/* sorted() calls key from C: two eval calls.  The plumbing
		 * between them goes, the built-in's own code stays. */
		.name = "output-format 5.4: sorted() calling a key function, 3.12, default",
		.grouped = true, .complete = true,
		.native = { R("_PyLong_Multiply"), EVAL, R("PyObject_CallOneArg"),
			    R("list_sort_impl"), R("list_sort"),
			    R("cfunction_vectorcall_FASTCALL_KEYWORDS"), R("PyObject_Vectorcall"),
			    R("builtin_sorted"), EVAL, R("PyEval_EvalCode"),
			    R("run_eval_code_obj"), R("run_mod"), R("_PyRun_SimpleFileObject"),
			    R("_PyRun_AnyFileObject"), R("pymain_run_python.constprop.0"),
			    R("Py_RunMain"), R("Py_BytesMain"), C("__libc_start_call_main"),
			    C("__libc_start_main@@GLIBC_2.34"), B("_start") },
		.py = { E("key"), P("sort_all"), E("<module>") },
		.want = { "_PyLong_Multiply", "py:key", "list_sort_impl", "list_sort",
			  "builtin_sorted", "py:sort_all", "py:<module>", "PyEval_EvalCode",
			  "run_eval_code_obj", "run_mod", "_PyRun_SimpleFileObject",
			  "_PyRun_AnyFileObject", "pymain_run_python.constprop.0", "Py_RunMain",
			  "Py_BytesMain", "__libc_start_call_main",
			  "__libc_start_main@@GLIBC_2.34", "_start" },
	},
	{
		.name = "output-format 5.4: the same stack with --native-all keeps the plumbing",
		.grouped = true, .complete = true, .native_all = true,
		.native = { R("_PyLong_Multiply"), EVAL, R("PyObject_CallOneArg"),
			    R("list_sort_impl"), R("list_sort"),
			    R("cfunction_vectorcall_FASTCALL_KEYWORDS"), R("PyObject_Vectorcall"),
			    R("builtin_sorted"), EVAL, R("PyEval_EvalCode"),
			    R("run_eval_code_obj"), R("Py_BytesMain"),
			    C("__libc_start_main@@GLIBC_2.34"), B("_start") },
		.py = { E("key"), P("sort_all"), E("<module>") },
		.want = { "_PyLong_Multiply", "py:key", "PyObject_CallOneArg", "list_sort_impl",
			  "list_sort", "cfunction_vectorcall_FASTCALL_KEYWORDS",
			  "PyObject_Vectorcall", "builtin_sorted", "py:sort_all", "py:<module>",
			  "PyEval_EvalCode", "run_eval_code_obj", "Py_BytesMain",
			  "__libc_start_main@@GLIBC_2.34", "_start" },
	},
	{
		/* --max-frames=6 cut the stack before the second eval frame:
		 * paired from the leaf, the rest of Python after the last
		 * native frame, and only one pair, so nothing is hidden. */
		.name = "output-format 5.5: a stack cut at --max-frames pairs from the leaf",
		.grouped = true, .complete = false,
		.native = { R("l_mod"), R("long_mod"), R("PyNumber_Remainder"), EVAL,
			    R("PyObject_CallOneArg"), R("list_sort_impl") },
		.py = { E("key"), P("sort_all"), E("<module>") },
		.want = { "l_mod", "long_mod", "PyNumber_Remainder", "py:key",
			  "PyObject_CallOneArg", "list_sort_impl", "py:sort_all", "py:<module>" },
		.mismatch = true,
	},
	{
		/* Before 3.11 every Python call goes through C: one eval frame
		 * per Python frame, whatever the entry flags say. */
		.name = "3.10: one eval frame per Python frame, the plumbing between them hidden",
		.grouped = false, .complete = true,
		.native = { R("PyLong_FromLong"), EVAL, R("function_code_fastcall"),
			    R("_PyFunction_Vectorcall"), R("call_function"), EVAL,
			    R("_PyEval_EvalCode"), R("_PyFunction_Vectorcall"),
			    R("_PyObject_VectorcallTstate"), R("call_function"), EVAL,
			    R("_PyEval_EvalCode"), R("PyEval_EvalCode"), R("run_eval_code_obj"),
			    R("Py_BytesMain"), C("__libc_start_main"), B("_start") },
		.py = { E("f"), E("g"), P("<module>") },
		.want = { "PyLong_FromLong", "py:f", "py:g", "py:<module>", "_PyEval_EvalCode",
			  "PyEval_EvalCode", "run_eval_code_obj", "Py_BytesMain",
			  "__libc_start_main", "_start" },
	},
	{
		/* The C code the innermost Python function called is that
		 * function's callee, plumbing names or not. */
		.name = "time.sleep: a C call of the innermost Python frame stays whole",
		.grouped = true, .complete = true,
		.native = { C("clock_nanosleep@@GLIBC_2.17"), R("pysleep"), R("time_sleep"),
			    R("cfunction_vectorcall_O"), R("_PyObject_VectorcallTstate"), EVAL,
			    R("_PyFunction_Vectorcall"), R("PyObject_Call"), EVAL,
			    R("PyEval_EvalCode"), B("main") },
		.py = { E("nap"), E("<module>") },
		.want = { "clock_nanosleep@@GLIBC_2.17", "pysleep", "time_sleep",
			  "cfunction_vectorcall_O", "_PyObject_VectorcallTstate", "py:nap",
			  "py:<module>", "PyEval_EvalCode", "main" },
	},
	{
		/* Only the runtime module's frames can be plumbing: the same
		 * names elsewhere are someone's own code. */
		.name = "a C extension between two Python frames stays, whatever its names",
		.grouped = true, .complete = true,
		.native = { EVAL, R("_PyFunction_Vectorcall"), X("PyObject_Call"),
			    X("ext_cmp"), C("qsort_r"), X("ext_apply"), R("PyObject_Vectorcall"),
			    R("cfunction_call"), EVAL, R("PyEval_EvalCode") },
		.py = { E("cmp"), P("apply"), E("<module>") },
		.want = { "py:cmp", "PyObject_Call", "ext_cmp", "qsort_r", "ext_apply",
			  "py:apply", "py:<module>", "PyEval_EvalCode" },
	},
	{
		/* An address no symbol covers says nothing about being plumbing,
		 * nor does code outside every module. */
		.name = "unnamed frames and frames outside any module between two Python frames stay",
		.grouped = true, .complete = true,
		.native = { EVAL, R(NULL), R("PyObject_Call"), { NOWHERE, "PyObject_Call" },
			    { NOWHERE, NULL }, EVAL },
		.py = { E("inner"), E("outer") },
		.want = { "py:inner", "[unknown]", "PyObject_Call", "[unknown]", "py:outer" },
	},
	{
		/* Without the runtime module nothing can be told to be CPython's
		 * plumbing, so everything stays. */
		.name = "runtime module unknown: nothing is hidden, eval frames still replaced",
		.grouped = true, .complete = true, .no_runtime = true,
		.native = { EVAL, R("_PyFunction_Vectorcall"), R("PyObject_Call"), EVAL,
			    R("PyEval_EvalCode") },
		.py = { E("inner"), E("outer") },
		.want = { "py:inner", "_PyFunction_Vectorcall", "PyObject_Call", "py:outer",
			  "PyEval_EvalCode" },
	},
	{
		/* Three eval calls: every frame between the outermost and the
		 * innermost paired eval frame is "between two Python frames". */
		.name = "three eval calls: plumbing hidden in both gaps, a builtin kept in one",
		.grouped = true, .complete = true,
		.native = { EVAL, R("_PyEval_Vector"), R("slot_tp_call"),
			    R("_PyObject_MakeTpCall"), EVAL, R("PyObject_CallOneArg"),
			    R("map_next"), R("list_extend"), R("PyEval_GetFuncName"),
			    R("_Py_call_something"), EVAL, R("PyEval_EvalCode"),
			    R("_PyEval_EvalCode") },
		.py = { E("__call__"), P("helper"), E("lam"), E("<module>") },
		.want = { "py:__call__", "py:helper", "py:lam", "map_next", "list_extend",
			  "py:<module>", "PyEval_EvalCode", "_PyEval_EvalCode" },
	},
	{
		.name = "gcc's clones and 3.14's tail-call handlers are eval frames too",
		.grouped = true, .complete = true,
		.native = { R("_PyEval_EvalFrameDefault.cold"), R("_PyFunction_Vectorcall"),
			    R("_TAIL_CALL_CALL_PY_EXACT_ARGS"), R("PyObject_Call"),
			    R("_PyEval_EvalFrameDefault.part.0"), R("PyEval_EvalCode") },
		.py = { E("c"), E("b"), E("a") },
		.want = { "py:c", "py:b", "py:a", "PyEval_EvalCode" },
	},
	{
		/* _PyEval_EvalFrame is the inline wrapper (README output shows
		 * it as an inlined line), not the loop: it is plumbing, and
		 * with no eval frame at all nothing lies between two pairs. */
		.name = "names close to the eval loop's are not eval frames",
		.grouped = true, .complete = true,
		.native = { R("_PyEval_EvalFrameDefaultX"), R("_PyEval_EvalFrame"),
			    R("PyEval_EvalFrameEx"), R("_PyEval_EvalFrameDefault_x"),
			    R("PyEval_EvalCode") },
		.py = { E("f") },
		.want = { "_PyEval_EvalFrameDefaultX", "_PyEval_EvalFrame", "PyEval_EvalFrameEx",
			  "_PyEval_EvalFrameDefault_x", "PyEval_EvalCode", "py:f" },
		.mismatch = true,
	},
	{
		.name = "3.11+: the outermost frame read closes its group without an entry flag",
		.grouped = true, .complete = true,
		.native = { EVAL, R("PyObject_Call"), EVAL, B("main") },
		.py = { E("leaf"), P("mid"), P("root") },
		.want = { "py:leaf", "py:mid", "py:root", "main" },
	},
	{
		.name = "equal counts on a stack cut short still pair one to one",
		.grouped = true, .complete = false,
		.native = { R("PyLong_FromLong"), EVAL, R("PyObject_Vectorcall"), EVAL,
			    R("_PyEval_Vector") },
		.py = { E("inner"), P("outer"), E("outermost") },
		.want = { "PyLong_FromLong", "py:inner", "py:outer", "py:outermost",
			  "_PyEval_Vector" },
	},
	{
		/* A call caught half-way: its Python frame is pushed, its eval
		 * call not yet entered.  The whole stack pairs from the root,
		 * and the extra Python frame goes just before the innermost
		 * pair. */
		.name = "mismatch, complete stack: an unpaired leaf Python group goes before the pairs",
		.grouped = true, .complete = true,
		.native = { R("_PyObject_VectorcallTstate"), R("PyObject_Vectorcall"),
			    R("builtin_map"), EVAL, R("PyObject_Call"), EVAL,
			    R("PyEval_EvalCode"), B("main") },
		.py = { E("fresh"), E("mapper"), P("caller"), E("<module>") },
		.want = { "_PyObject_VectorcallTstate", "PyObject_Vectorcall", "builtin_map",
			  "py:fresh", "py:mapper", "py:caller", "py:<module>", "PyEval_EvalCode",
			  "main" },
		.mismatch = true,
	},
	{
		/* The other way round: an eval call entered before its frame is
		 * pushed.  The unpaired eval frame stays as a native frame, and
		 * what lies leaf-side of the innermost pair is not hidden. */
		.name = "mismatch, complete stack: an unpaired leaf eval frame is written as it is",
		.grouped = true, .complete = true,
		.native = { EVAL, R("_PyFunction_Vectorcall"), EVAL, R("PyObject_Call"), EVAL,
			    R("PyEval_EvalCode") },
		.py = { E("f"), E("<module>") },
		.want = { "_PyEval_EvalFrameDefault", "_PyFunction_Vectorcall", "py:f",
			  "py:<module>", "PyEval_EvalCode" },
		.mismatch = true,
	},
	{
		.name = "mismatch, cut stack: eval frames past the Python groups stay, root side",
		.grouped = false, .complete = false,
		.native = { EVAL, R("PyObject_Call"), EVAL, R("PyObject_Call"), EVAL },
		.py = { P("f"), P("g") },
		.want = { "py:f", "py:g", "PyObject_Call", "_PyEval_EvalFrameDefault" },
		.mismatch = true,
	},
	{
		.name = "no eval frame found: all Python frames after the native ones",
		.grouped = true, .complete = false,
		.native = { R("PyNumber_Add"), R("[some leaf]") },
		.py = { E("f"), P("<module>") },
		.want = { "PyNumber_Add", "[some leaf]", "py:f", "py:<module>" },
		.mismatch = true,
	},
	{
		.name = "no native frames at all: the Python frames alone",
		.grouped = true, .complete = false,
		.native = { { END, NULL } },
		.py = { P("f"), E("<module>") },
		.want = { "py:f", "py:<module>" },
		.mismatch = true,
	},
	{
		.name = "a thread running no Python: its native stack alone",
		.grouped = true, .complete = true,
		.native = { C("epoll_wait"), X("uv_run"), C("start_thread"), C("clone3") },
		.py = { { NULL, false } },
		.want = { "epoll_wait", "uv_run", "start_thread", "clone3" },
	},
	{
		/* Start-up: the interpreter is not ready, no Python frames are
		 * read, and the eval loop is written under its own name. */
		.name = "eval frames without Python frames are written as they are",
		.grouped = true, .complete = true,
		.native = { R("PyObject_Malloc"), EVAL, R("PyObject_Call"), EVAL,
			    R("PyEval_EvalCode") },
		.py = { { NULL, false } },
		.want = { "PyObject_Malloc", "_PyEval_EvalFrameDefault", "PyObject_Call",
			  "_PyEval_EvalFrameDefault", "PyEval_EvalCode" },
		.mismatch = true,
	},
	{
		/* README "Code without CFI": each -X perf trampoline says what
		 * its Python frame says; it goes with the eval frame it calls,
		 * and so does py_trampoline_evaluator, its caller. */
		.name = "README: -X perf trampolines folded away with their eval frames",
		.grouped = true, .complete = true,
		.native = { EVAL, J("py::c:chain.py"), R("py_trampoline_evaluator"),
			    R("PyObject_Vectorcall"), EVAL, J("py::b:chain.py"),
			    R("py_trampoline_evaluator"), R("PyObject_Vectorcall"), EVAL,
			    J("py::<module>:chain.py"), R("py_trampoline_evaluator"),
			    R("PyEval_EvalCode"), B("_start") },
		.py = { E("c"), E("b"), E("<module>") },
		.want = { "py:c", "py:b", "py:<module>", "PyEval_EvalCode", "_start" },
	},
	{
		.name = "README: with --native-all each trampoline follows the Python frame it names",
		.grouped = true, .complete = true, .native_all = true,
		.native = { EVAL, J("py::c:chain.py"), R("py_trampoline_evaluator"),
			    R("PyObject_Vectorcall"), EVAL, J("py::b:chain.py"),
			    R("py_trampoline_evaluator"), R("PyEval_EvalCode"), B("_start") },
		.py = { E("c"), E("b") },
		.want = { "py:c", "py::c:chain.py", "py_trampoline_evaluator",
			  "PyObject_Vectorcall", "py:b", "py::b:chain.py",
			  "py_trampoline_evaluator", "PyEval_EvalCode", "_start" },
	},
	{
		/* Only the perf map names trampolines: a "py::" symbol in an ELF
		 * file is somebody's function, and a py_trampoline_evaluator
		 * with no trampoline folded below it is code that runs. */
		.name = "a py:: symbol that is not JIT code, and a lone evaluator, stay",
		.grouped = true, .complete = true,
		.native = { EVAL, X("py::c:chain.py"), R("py_trampoline_evaluator"), EVAL,
			    R("py_trampoline_evaluator"), B("_start") },
		.py = { E("c"), E("b") },
		.want = { "py:c", "py::c:chain.py", "py_trampoline_evaluator", "py:b",
			  "py_trampoline_evaluator", "_start" },
	},
};

static size_t count_native(const struct merge_case *c)
{
	size_t n = 0;

	while (n < MAXF && c->native[n].where != END)
		n++;
	return n;
}

static size_t count_py(const struct merge_case *c)
{
	size_t n = 0;

	while (n < MAXF && c->py[n].name)
		n++;
	return n;
}

static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s);
}

static void run_case(const struct merge_case *c)
{
	struct native_frame native[MAXF];
	struct symbol syms[MAXF];
	struct py_frame_ref py[MAXF];
	/* One more than merge.h allows, to see a write past the bound. */
	struct merged_frame out[2 * MAXF + 1];
	const struct merged_frame canary = { (enum merged_kind)0x5a5a, 0x5a5a5a5a };
	size_t nnative = count_native(c), npy = count_py(c), n;
	char got[4096] = "", want[4096] = "", one[256];
	bool mismatch = !c->mismatch, indices_ok = true;
	struct merge_input in;

	memset(native, 0, sizeof(native));
	memset(syms, 0, sizeof(syms));
	memset(py, 0, sizeof(py));
	for (size_t i = 0; i < nnative; i++) {
		native[i].pc = 0x7f0000001000ull + i * 0x100;
		native[i].exact = i == 0;
		syms[i].name = c->native[i].name;
		syms[i].offset = 0x10 + i;
		syms[i].module = module_path[c->native[i].where];
		syms[i].jit = c->native[i].where == JIT;
	}
	for (size_t i = 0; i < npy; i++) {
		py[i].code = 0x7e0000000000ull + i * 0x1000;
		py[i].instr = 2 * i;
		py[i].flags = c->py[i].entry ? PYF_ENTRY : 0;
		py[i].name = c->py[i].name;
	}
	for (size_t i = 0; i < ARRAY_SIZE(out); i++)
		out[i] = canary;

	in = (struct merge_input){
		.native = native, .syms = syms, .nnative = nnative,
		.native_complete = c->complete,
		.py = py, .npy = npy,
		.py_grouped = c->grouped,
		.runtime_module = c->no_runtime ? NULL : module_path[RT],
		.native_all = c->native_all,
	};
	n = merge_stacks(&in, out, &mismatch);

	for (size_t i = 0; i < n && i < ARRAY_SIZE(out); i++) {
		const struct merged_frame *f = &out[i];
		if (f->kind == MERGED_PYTHON && f->index < npy) {
			snprintf(one, sizeof(one), "py:%s", py[f->index].name);
		} else if (f->kind == MERGED_NATIVE && f->index < nnative) {
			snprintf(one, sizeof(one), "%s",
				 syms[f->index].name ? syms[f->index].name : "[unknown]");
		} else {
			snprintf(one, sizeof(one), "<bad frame kind %d index %zu>", (int)f->kind,
				 f->index);
			indices_ok = false;
		}
		append(got, sizeof(got), one);
	}
	for (size_t i = 0; c->want[i]; i++)
		append(want, sizeof(want), c->want[i]);

	ok(n <= nnative + npy && indices_ok &&
	   memcmp(&out[nnative + npy], &canary, sizeof(canary)) == 0,
	   "%s: %zu frames of %zu written, all within the bound", c->name, n, nnative + npy);
	is_str(got, want, "%s: merged stack", c->name);
	ok(mismatch == c->mismatch, "%s: %s", c->name,
	   c->mismatch ? "counted as a mismatch" : "not a mismatch");
}

static const struct {
	const char *name;
	bool eval;
} eval_names[] = {
	{ "_PyEval_EvalFrameDefault", true },
	{ "_PyEval_EvalFrameDefault.cold", true },
	{ "_PyEval_EvalFrameDefault.part.0", true },
	{ "_TAIL_CALL_LOAD_FAST", true },
	{ "_TAIL_CALL_BINARY_OP_ADD_INT", true },
	{ "_PyEval_EvalFrame", false },
	{ "_PyEval_EvalFrameDefaultX", false },
	{ "_PyEval_EvalFrameDefault_x", false },
	{ "PyEval_EvalFrameDefault", false },
	{ "PyEval_EvalFrameEx", false },
	{ "PyEval_EvalCode", false },
	{ "_PyEval_Vector", false },
	{ "_TAIL_CALL", false },
	{ "_tail_call_LOAD_FAST", false },
	{ "x_PyEval_EvalFrameDefault", false },
	{ "", false },
	{ NULL, false },
};

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(eval_names); i++)
		ok(merge_is_eval_symbol(eval_names[i].name) == eval_names[i].eval,
		   "merge_is_eval_symbol(%s%s%s) is %s", eval_names[i].name ? "\"" : "",
		   eval_names[i].name ? eval_names[i].name : "NULL", eval_names[i].name ? "\"" : "",
		   eval_names[i].eval ? "true" : "false");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	return tap_done();
}
