# SPDX-License-Identifier: GPL-2.0-or-later
"""pysample's per-version layout against each CPython's own headers: the
offsets table (3.8-3.12) and the debug offsets read from a live 3.13+
interpreter must equal what the compiler computes from that version's
structs."""
import os
import subprocess
import sys
import tempfile

from pstest import (PYSAMPLE, TOP_SRCDIR, each_interpreter, ok, skip, done, version_of,
                    run_pysample)

CC = os.environ.get("CC", "cc").split()
SRC = os.path.join(TOP_SRCDIR, "tests", "offsets", "dump_offsets.c")
tmp = tempfile.mkdtemp(prefix="pys-offsets-")


def include_dir(python):
    return subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
        text=True).strip()


def as_dict(text):
    return dict(line.split() for line in text.splitlines() if line and not line.startswith("#"))


seen = set()
for label, python in each_interpreter("layout equals the headers"):
    major, minor = version_of(python)
    inc = include_dir(python)
    if not os.path.exists(os.path.join(inc, "internal", "pycore_pystate.h")):
        skip("%s: layout equals the headers" % label, "no internal headers in %s" % inc)
        continue
    exe = os.path.join(tmp, "dump-" + label)
    cc = subprocess.run(CC + ["-I", inc, "-o", exe, SRC], capture_output=True, text=True)
    if not ok(cc.returncode == 0, "%s: dump_offsets.c builds against %s" % (label, inc), cc.stderr):
        continue
    want = as_dict(subprocess.check_output([exe], text=True))
    if minor <= 12:
        got = run_pysample(["--dump-layout", "%d.%d" % (major, minor)])
        ok(as_dict(got.stdout) == want, "%s: offsets table equals the headers" % label,
           "table:   %s\nheaders: %s" % (sorted(as_dict(got.stdout).items()), sorted(want.items())))
    # Every version, table or not: the layout pysample derives from a live
    # interpreter (3.13+: its _Py_DebugOffsets) equals the headers.
    live = subprocess.Popen([python, "-c", "import sys, time; print('up', flush=True); time.sleep(30)"],
                            stdout=subprocess.PIPE, text=True)
    try:
        live.stdout.readline()
        got = run_pysample(["--dump-layout", "live", "-p", str(live.pid)])
        header = got.stdout.splitlines()[0] if got.stdout else got.stderr
        ok(got.returncode == 0 and as_dict(got.stdout) == want,
           "%s: layout read from the live interpreter equals the headers (%s)" % (label, header),
           "live:    %s\nheaders: %s\n%s" % (sorted(as_dict(got.stdout).items()), sorted(want.items()),
                                               got.stderr))
        if minor >= 13:
            ok("_Py_DebugOffsets" in header, "%s: 3.13+ layout comes from _Py_DebugOffsets" % label,
               header)
    finally:
        live.kill()
        live.wait()
done()
