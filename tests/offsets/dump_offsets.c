/*
 * Prints the offsets pysample's version table claims, measured by the
 * compiler against one CPython version's own headers.  Built once per
 * interpreter found on the machine by tests/integration/test_offsets.py;
 * its output is compared with `pysample --dump-layout X.Y`.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <frameobject.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x03090000
#include <internal/pycore_runtime.h>
#include <internal/pycore_interp.h>
#endif
#include <internal/pycore_pystate.h>
#include <internal/pycore_gil.h>
#if PY_VERSION_HEX >= 0x030c0000
#include <internal/pycore_long.h>
#endif
#if PY_VERSION_HEX >= 0x030a0000
#include <internal/pycore_moduleobject.h>
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_dict.h>
#endif
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_frame.h>
#endif
#if PY_VERSION_HEX >= 0x030a0000 && PY_VERSION_HEX < 0x030b0000
#include <internal/pycore_code.h>
#endif

#define P(name, value) printf("%s %zu\n", name, (size_t)(value))

int main(void)
{
	P("runtime.interpreters_head", offsetof(_PyRuntimeState, interpreters.head));
	P("interp.next", offsetof(PyInterpreterState, next));
#if PY_VERSION_HEX >= 0x030b0000
	P("interp.threads_head", offsetof(PyInterpreterState, threads.head));
#else
	P("interp.threads_head", offsetof(PyInterpreterState, tstate_head));
#endif
	P("tstate.next", offsetof(PyThreadState, next));
	P("tstate.interp", offsetof(PyThreadState, interp));
	P("tstate.thread_id", offsetof(PyThreadState, thread_id));
#if PY_VERSION_HEX >= 0x030b0000
	P("tstate.native_thread_id", offsetof(PyThreadState, native_thread_id));
#endif
#if PY_VERSION_HEX >= 0x030d0000
	P("tstate.current_frame", offsetof(PyThreadState, current_frame));
#elif PY_VERSION_HEX >= 0x030b0000
	P("tstate.cframe", offsetof(PyThreadState, cframe));
	P("cframe.current_frame", offsetof(_PyCFrame, current_frame));
#else
	P("tstate.frame", offsetof(PyThreadState, frame));
#endif
#if PY_VERSION_HEX >= 0x030b0000
	P("frame.previous", offsetof(_PyInterpreterFrame, previous));
#if PY_VERSION_HEX >= 0x030d0000
	P("frame.code", offsetof(_PyInterpreterFrame, f_executable));
	P("frame.instr", offsetof(_PyInterpreterFrame, instr_ptr));
#else
	P("frame.code", offsetof(_PyInterpreterFrame, f_code));
	P("frame.instr", offsetof(_PyInterpreterFrame, prev_instr));
#endif
	P("frame.owner", offsetof(_PyInterpreterFrame, owner));
#if PY_VERSION_HEX < 0x030c0000
	P("frame.is_entry", offsetof(_PyInterpreterFrame, is_entry));
#endif
#else
	P("frame.previous", offsetof(PyFrameObject, f_back));
	P("frame.code", offsetof(PyFrameObject, f_code));
	P("frame.instr", offsetof(PyFrameObject, f_lasti));
#endif
	P("code.name", offsetof(PyCodeObject, co_name));
	P("code.filename", offsetof(PyCodeObject, co_filename));
	P("code.firstlineno", offsetof(PyCodeObject, co_firstlineno));
#if PY_VERSION_HEX >= 0x030b0000
	P("code.qualname", offsetof(PyCodeObject, co_qualname));
	P("code.code_adaptive", offsetof(PyCodeObject, co_code_adaptive));
#endif
#if PY_VERSION_HEX >= 0x030a0000
	P("code.linetable", offsetof(PyCodeObject, co_linetable));
#else
	P("code.linetable", offsetof(PyCodeObject, co_lnotab));
#endif
#if PY_VERSION_HEX >= 0x030d0000
	P("interp.gil", offsetof(PyInterpreterState, _gil));
#endif
#if PY_VERSION_HEX >= 0x030c0000
	P("interp.gil_pointer", offsetof(PyInterpreterState, ceval.gil));
#else
	P("runtime.gil", offsetof(_PyRuntimeState, ceval.gil));
#endif
	P("gil.locked", offsetof(struct _gil_runtime_state, locked));
	P("gil.last_holder", offsetof(struct _gil_runtime_state, last_holder));
#if PY_VERSION_HEX >= 0x030b0000
	P("frame.localsplus", offsetof(_PyInterpreterFrame, localsplus));
	P("code.localnames", offsetof(PyCodeObject, co_localsplusnames));
	P("code.localkinds", offsetof(PyCodeObject, co_localspluskinds));
#else
	P("frame.localsplus", offsetof(PyFrameObject, f_localsplus));
	P("code.localnames", offsetof(PyCodeObject, co_varnames));
	P("code.nlocals", offsetof(PyCodeObject, co_nlocals));
	P("code.cellvars", offsetof(PyCodeObject, co_cellvars));
	P("code.freevars", offsetof(PyCodeObject, co_freevars));
#endif
	P("code.argcount", offsetof(PyCodeObject, co_argcount));
	P("object.type", offsetof(PyObject, ob_type));
	P("type.name", offsetof(PyTypeObject, tp_name));
	P("type.flags", offsetof(PyTypeObject, tp_flags));
	P("tuple.size", offsetof(PyTupleObject, ob_base.ob_size));
	P("tuple.items", offsetof(PyTupleObject, ob_item));
	P("list.size", offsetof(PyListObject, ob_base.ob_size));
	P("list.items", offsetof(PyListObject, ob_item));
	P("dict.used", offsetof(PyDictObject, ma_used));
	P("set.used", offsetof(PySetObject, used));
	P("float.value", offsetof(PyFloatObject, ob_fval));
#if PY_VERSION_HEX >= 0x030c0000
	P("long.tag", offsetof(PyLongObject, long_value.lv_tag));
	P("long.digits", offsetof(PyLongObject, long_value.ob_digit));
#else
	P("long.size", offsetof(PyLongObject, ob_base.ob_size));
	P("long.digits", offsetof(PyLongObject, ob_digit));
#endif
	P("cell.ref", offsetof(PyCellObject, ob_ref));
#if PY_VERSION_HEX >= 0x030c0000
	P("interp.modules", offsetof(PyInterpreterState, imports.modules));
#else
	P("interp.modules", offsetof(PyInterpreterState, modules));
#endif
#if PY_VERSION_HEX >= 0x030a0000
	P("module.dict", offsetof(PyModuleObject, md_dict));
#endif
	P("dict.keys", offsetof(PyDictObject, ma_keys));
	P("dict.values", offsetof(PyDictObject, ma_values));
#if PY_VERSION_HEX >= 0x030b0000
	P("dictkeys.nentries", offsetof(PyDictKeysObject, dk_nentries));
	P("dictkeys.indices", offsetof(PyDictKeysObject, dk_indices));
	P("dictvalues.values", offsetof(PyDictValues, values));
#endif
	P("type.dictoffset", offsetof(PyTypeObject, tp_dictoffset));
	P("type.basicsize", offsetof(PyTypeObject, tp_basicsize));
	P("heaptype.cached_keys", offsetof(PyHeapTypeObject, ht_cached_keys));
	P("bytes.size", offsetof(PyVarObject, ob_size));
	P("bytes.data", offsetof(PyBytesObject, ob_sval));
	P("unicode.length", offsetof(PyASCIIObject, length));
	P("unicode.state", offsetof(PyASCIIObject, state));
	P("unicode.ascii_data", sizeof(PyASCIIObject));
	P("unicode.compact_data", sizeof(PyCompactUnicodeObject));
	return 0;
}
