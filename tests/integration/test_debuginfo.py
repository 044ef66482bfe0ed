# SPDX-License-Identifier: GPL-2.0-or-later
"""Stripped binaries still unwind (.eh_frame) and are named from separate
debug info: a .gnu_debuglink file beside the binary, MiniDebugInfo
(.gnu_debugdata), and build-id files under /usr/lib/debug (Debian's
stripped python3.11 with python3.11-dbg installed)."""
import os
import re
import shutil
import subprocess
import tempfile

from pstest import TMP, PYSAMPLE, ok, skip, done, parse, target, interpreters

CC = os.environ.get("CC", "cc").split()
tmp = tempfile.mkdtemp(prefix="pys-debuginfo-")
CHAIN = ["leaf"] + ["f%d" % i for i in range(23, -1, -1)] + ["main"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def chain_named(exe, label):
    out = os.path.join(TMP, "debuginfo-%s.perf" % label)
    p = run([PYSAMPLE, "-F", "499", "-o", out, "--", exe, "spin", "0.5"], timeout=60)
    records = parse(open(out).read())
    leaf = [r for r in records if r.frames and re.split(r"[.+]", r.frames[0][1])[0] == "leaf"]
    good = [r for r in leaf if [re.split(r"[.+]", s)[0] for s in r.syms()[:len(CHAIN)]] == CHAIN]
    ok(len(leaf) > 40 and len(good) == len(leaf),
       "%s: static functions named in %d of %d leaf samples" % (label, len(good), len(leaf)),
       p.stderr + "\n".join(" ".join(r.syms()[:8]) for r in records[:3]))


full = os.path.join(tmp, "deepchain.full")
r = run(CC + ["-O2", "-fomit-frame-pointer", "-g", "-o", full, target("deepchain.c")])
ok(r.returncode == 0, "deepchain builds", r.stderr)

# 1. .gnu_debuglink: the stripped binary names its debug file, found beside it.
exe = os.path.join(tmp, "linked")
dbg = os.path.join(tmp, "linked.debug")
r = run(["objcopy", "--only-keep-debug", full, dbg])
r2 = run(["objcopy", "--strip-all", "--add-gnu-debuglink=" + dbg, full, exe])
symtab = run(["readelf", "-SW", exe]).stdout
ok(r.returncode == 0 and r2.returncode == 0 and ".symtab" not in symtab, "stripped binary with .gnu_debuglink",
   r.stderr + r2.stderr)
chain_named(exe, "gnu_debuglink")

# 2. MiniDebugInfo: an xz-compressed symbol table in .gnu_debugdata.
if shutil.which("xz"):
    exe = os.path.join(tmp, "mini")
    mini = os.path.join(tmp, "mini.debug")
    funcs = run(["nm", "--format=posix", "--defined-only", full]).stdout
    keep = os.path.join(tmp, "keep")
    with open(keep, "w") as f:
        for line in funcs.splitlines():
            name, kind = line.split()[:2]
            if kind in ("t", "T"):
                f.write(name + "\n")
    steps = [["objcopy", "--only-keep-debug", full, mini],
             ["objcopy", "-S", "--remove-section", ".gdb_index", "--remove-section", ".comment",
              "--keep-symbols=" + keep, mini],
             ["xz", "-f", mini],
             ["objcopy", "--strip-all", full, exe],
             ["objcopy", "--add-section", ".gnu_debugdata=" + mini + ".xz", exe]]
    failed = [s for s in steps if run(s).returncode != 0]
    ok(not failed and ".gnu_debugdata" in run(["readelf", "-SW", exe]).stdout,
       "stripped binary with MiniDebugInfo", failed)
    chain_named(exe, "minidebuginfo")
else:
    skip("MiniDebugInfo", "xz not installed ('apt-get install xz-utils')")

# 3. Build-id: Debian's python3.11 is stripped (only .dynsym); with
# python3.11-dbg its debug file is /usr/lib/debug/.build-id/xx/yyyy.debug.
deb = dict(interpreters()).get("debian-3.11")
build_id = None
if deb:
    m = re.search(r"Build ID: ([0-9a-f]+)", run(["readelf", "-n", deb]).stdout)
    build_id = m and m.group(1)
debug_file = build_id and "/usr/lib/debug/.build-id/%s/%s.debug" % (build_id[:2], build_id[2:])
if not deb or not debug_file or not os.path.exists(debug_file):
    skip("build-id debug info for Debian's python3.11",
         "needs /usr/bin/python3.11 and 'apt-get install python3.11-dbg'")
else:
    out = os.path.join(TMP, "debuginfo-buildid.perf")
    p = run([PYSAMPLE, "-F", "499", "-o", out, "--", deb, target("chain.py"), "0.5"], timeout=60)
    records = parse(open(out).read())
    # Names of python3.11's own frames that its .dynsym cannot give: they
    # came from the build-id debug file.
    dynsym = set(l.split()[-1] for l in run(["readelf", "--dyn-syms", "-W", deb]).stdout.splitlines()
                 if len(l.split()) >= 8)
    def static_names(r):
        return [f[1].split("+0x")[0] for f in r.frames
                if f[3] == deb and f[1] != "[unknown]" and f[1].split("+0x")[0] not in dynsym]
    named = [r for r in records if static_names(r)]
    ok(len(records) > 40 and len(named) > 0.8 * len(records),
       "stripped python3.11: static functions (e.g. %s) named from %s in %d of %d samples"
       % ((static_names(named[0]) or ["-"])[0] if named else "-", debug_file, len(named), len(records)),
       p.stderr)
done()
