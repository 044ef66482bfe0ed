/* A program that embeds CPython (links libpython) and runs a script in it:
 * pysample must find the runtime in libpython, not in the executable.
 *   embed SCRIPT SECONDS */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char code[4096];

	if (argc != 3)
		return 2;
	snprintf(code, sizeof(code),
		 "import sys\n"
		 "sys.argv = [%c%s%c, %c%s%c]\n"
		 "exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'), {'__name__': '__main__'})\n",
		 '"', argv[1], '"', '"', argv[2], '"');
	Py_Initialize();
	int rc = PyRun_SimpleString(code);
	Py_Finalize();
	return rc == 0 ? 0 : 1;
}
