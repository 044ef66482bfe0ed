/* A CPU-heavy C extension: cext.burn(seconds) spins in native code
 * (burn -> burn_inner), cext.call_back(f, n) calls f n times from C. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void burn_inner(double seconds)
{
	double end = now() + seconds;
	while (now() < end)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i;
}

static PyObject *burn(PyObject *self, PyObject *args)
{
	double seconds;
	(void)self;
	if (!PyArg_ParseTuple(args, "d", &seconds))
		return NULL;
	burn_inner(seconds);
	Py_RETURN_NONE;
}

__attribute__((noinline)) static PyObject *call_back_loop(PyObject *f, long n)
{
	for (long i = 0; i < n; i++) {
		PyObject *r = PyObject_CallObject(f, NULL);
		if (!r)
			return NULL;
		Py_DECREF(r);
	}
	Py_RETURN_NONE;
}

static PyObject *call_back(PyObject *self, PyObject *args)
{
	PyObject *f;
	long n;
	(void)self;
	if (!PyArg_ParseTuple(args, "Ol", &f, &n))
		return NULL;
	return call_back_loop(f, n);
}

static PyMethodDef methods[] = {
	{ "burn", burn, METH_VARARGS, "spin in C" },
	{ "call_back", call_back, METH_VARARGS, "call f n times from C" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "cext", NULL, -1, methods,
				     NULL, NULL, NULL, NULL };

PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&module); }
