/* A C extension that corrupts its own thread's Python frame chain for a
 * moment, over and over: the innermost frame's link to its caller is
 * pointed at garbage, then restored.  pysample must report such samples
 * and carry on.  corrupt.toggle(seconds) does it from Python. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where the caller link lives differs per version; the test passes the
 * offset of the "previous"/"f_back" field and of the thread state's frame
 * pointer as pysample's own --dump-layout reports them. */
static PyObject *toggle(PyObject *self, PyObject *args)
{
	double seconds;
	Py_ssize_t frame_field, previous_field;
	volatile unsigned long sink = 0;
	(void)self;
	if (!PyArg_ParseTuple(args, "dnn", &seconds, &frame_field, &previous_field))
		return NULL;
	char *tstate = (char *)PyThreadState_Get();
	void **frame_slot = (void **)(tstate + frame_field);
	double end = now() + seconds;
	while (now() < end) {
		char *frame = *frame_slot;
		if (!frame)
			break;
		/* volatile: the stores must really happen, in order, although
		 * nothing in this function reads them back. */
		void *volatile *prev = (void *volatile *)(frame + previous_field);
		void *saved = *prev;
		*prev = (void *)0x10; /* unmapped */
		for (int i = 0; i < 200000; i++)
			sink += (unsigned long)i;
		*prev = frame; /* a cycle */
		for (int i = 0; i < 200000; i++)
			sink += (unsigned long)i;
		*prev = saved;
		for (int i = 0; i < 200000; i++)
			sink += (unsigned long)i;
	}
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
	{ "toggle", toggle, METH_VARARGS, "corrupt the frame chain, on and off" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "corrupt", NULL, -1, methods,
				     NULL, NULL, NULL, NULL };

PyMODINIT_FUNC PyInit_corrupt(void) { return PyModule_Create(&module); }
