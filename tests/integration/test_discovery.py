# SPDX-License-Identifier: GPL-2.0-or-later
"""Finding CPython however it is started: an embedding program linked to
libpython, a virtualenv's python, env and shell wrappers that exec Python,
and (3.13+) by scanning memory for the _Py_DebugOffsets cookie instead of
symbols; a wrapper that runs Python as a child gets a clear explanation."""
import glob
import os
import subprocess
import tempfile

from pstest import (TMP, PYSAMPLE, each_interpreter, ok, skip, done, parse, target, chain_in_order,
                    interpreters, version_of)

CHAIN = target("chain.py")
tmp = tempfile.mkdtemp(prefix="pys-discovery-")


def profile_chain(label, argv, extra=()):
    out = os.path.join(TMP, "disc-%s.perf" % label)
    p = subprocess.run([PYSAMPLE, "-F", "499", "-o", out] + list(extra) + ["--"] + argv,
                       capture_output=True, text=True, timeout=120)
    records = parse(open(out).read())
    good = [r for r in records if chain_in_order(r.py_names(), ["c", "b", "a", "<module>"])]
    return p, records, good


pyenv = {label: path for label, path in interpreters() if path and label.startswith("pyenv-")}
py312 = next((p for l, p in sorted(pyenv.items()) if "3.12" in l), None)

# 3.13+: by the cookie alone.
for label, python in each_interpreter("found by the _Py_DebugOffsets cookie"):
    if version_of(python) < (3, 13):
        continue
    p, records, good = profile_chain(label + "-scan", [python, CHAIN, "1"], ["--runtime-by-scan", "-v"])
    ok(len(good) > 100 and "scan for the _Py_DebugOffsets cookie" in p.stderr,
       "%s: runtime found by scanning for the cookie, %d samples show the chain" % (label, len(good)),
       p.stderr[-2000:])

if not py312:
    skip("discovery through wrappers", "needs a pyenv CPython 3.12")
    done()

# A virtualenv's python.
venv = os.path.join(tmp, "venv")
r = subprocess.run([py312, "-m", "venv", "--without-pip", venv], capture_output=True, text=True)
if ok(r.returncode == 0, "a virtualenv is created", r.stderr):
    p, records, good = profile_chain("venv", [os.path.join(venv, "bin", "python"), CHAIN, "1"])
    ok(len(good) > 100, "virtualenv python: %d samples show the chain" % len(good), p.stderr)

# env and a shell that exec Python: pysample follows the exec.
p, records, good = profile_chain("env", ["env", "PYTHONDONTWRITEBYTECODE=1", py312, CHAIN, "1"])
ok(len(good) > 100, "env python ...: %d samples show the chain" % len(good), p.stderr)
p, records, good = profile_chain("sh-exec", ["sh", "-c", 'exec "$0" "$1" 1', py312, CHAIN])
ok(len(good) > 100, "sh -c 'exec python ...': %d samples show the chain" % len(good), p.stderr)

# A shell that runs Python as a child: not followed (yet); said plainly.
p, records, good = profile_chain("sh-child", ["sh", "-c", '"$0" "$1" 0.3; true', py312, CHAIN])
ok(not good and "child" in p.stderr and "-p" in p.stderr,
   "a shell running Python as a child: the warning explains why and what to do",
   p.stderr)

# An embedding program linked to libpython.
cfg = py312 + "-config"
if os.path.exists(cfg):
    flags = subprocess.run([cfg, "--cflags", "--ldflags", "--embed"], capture_output=True, text=True).stdout.split()
    libdir = [f[2:] for f in flags if f.startswith("-L")]
    exe = os.path.join(tmp, "embed")
    cc = subprocess.run(os.environ.get("CC", "cc").split() + [target("embed.c"), "-o", exe] +
                        [f for f in flags if not f.startswith("-O") and f != "-Werror"] +
                        ["-Wl,-rpath," + d for d in libdir], capture_output=True, text=True)
    if ok(cc.returncode == 0, "an embedding program builds against libpython", cc.stderr):
        p, records, good = profile_chain("embed", [exe, CHAIN, "1"])
        ok(len(good) > 100, "embedding program: %d samples show the chain" % len(good), p.stderr)
else:
    skip("embedding program", "no %s" % cfg)
done()
