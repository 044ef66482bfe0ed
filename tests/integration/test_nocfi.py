# SPDX-License-Identifier: GPL-2.0-or-later
"""Unwinding through code that has no CFI, where only the instruction
analysis can find the caller: hand-written assembly (as a relay in the
middle of the chain and as the spinning leaf), code copied into an
anonymous PROT_EXEC mapping (unnamed, and named by a perf map file), and
CPython 3.12+'s -X perf trampolines.  The same runs with --no-insn-unwind
show where the stacks would have been cut."""
import os
import platform
import re
import subprocess
import time

from pstest import (PYSAMPLE, TMP, done, each_interpreter, ok, parse, profile, skip, target,
                    version_of, wait_for_line)

CC = os.environ.get("CC", "cc").split()
BACKENDS = ("libdw", "libunwind")
ROOT = ["main", "__libc_start_call_main", "__libc_start_main", "_start"]
# FlameGraph's and speedscope's frame-line pattern: an --insn line must not match.
CONSUMER_FRAME = re.compile(r"^\s*(\w+)\s*(.+) \((\S*)\)")


def base_name(sym):
    return re.split(r"[.@+]", sym, 1)[0]


def names(record):
    return [base_name(s) for s in record.syms()]


def python_names(record):
    """Python functions from pysample's own frames (not from perf map trampolines)."""
    return [f[1][4:].split(":", 1)[0] for f in record.frames
            if f[1].startswith("py::") and not f[3].endswith(".map")]


def native_count(proc, key):
    """A count of how native stacks ended, from the run's --stats; -1 when
    there is none (no stats, or no native unwinder)."""
    if key not in proc.stats or proc.stats.get("unwinder", "none") == "none":
        return -1
    return int(proc.stats[key])


def cfi_ranges(exe):
    """(start, end) of every FDE in .eh_frame and .debug_frame."""
    out = subprocess.run(["readelf", "--debug-dump=frames", exe], capture_output=True,
                         text=True).stdout
    return [(int(a, 16), int(b, 16)) for a, b in re.findall(r"pc=([0-9a-f]+)\.\.([0-9a-f]+)", out)]


def symbol_address(exe, name):
    out = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
    return int(m.group(1), 16) if m else None


def c_target_tests():
    exe = os.path.join(TMP, "nocfi")
    cc = subprocess.run(CC + ["-O2", "-g", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls",
                              "-o", exe, target("nocfi.c"), target("nocfi-asm.S")],
                        capture_output=True, text=True)
    if not ok(cc.returncode == 0, "nocfi builds", cc.stderr):
        return
    ranges = cfi_ranges(exe)
    for sym in ("asm_relay", "asm_spin"):
        addr = symbol_address(exe, sym)
        ok(addr is not None and ranges and not any(a <= addr < b for a, b in ranges),
           "%s has no CFI in .eh_frame or .debug_frame (%d FDEs in the program)" % (sym, len(ranges)))

    blob_chain = ["c_leaf", None, "c_middle", "asm_relay", "c_outer"] + ROOT
    spin_chain = ["asm_spin", "c_middle", "asm_relay", "c_outer"] + ROOT
    movsave_chain = ["asm_movsave_spin"] + spin_chain[1:]
    for backend in BACKENDS:
        for mode, chain, blob_name in (("blob", blob_chain, "[unknown]"),
                                       ("blob-map", blob_chain, "jit_blob"),
                                       ("asm-leaf", spin_chain, None),
                                       ("movsave-leaf", movsave_chain, None)):
            out = os.path.join(TMP, "nocfi-%s-%s.perf" % (mode, backend))
            p, records, err = profile(["--unwinder", backend, "-F", "499", "--", exe, mode, "1"], out)
            if not ok(records is not None, "%s, %s: parseable output" % (mode, backend), err):
                continue
            leaf = [r for r in records if r.frames and names(r)[0] == chain[0]]
            expected = [blob_name if n is None else n for n in chain]
            right = [r for r in leaf if names(r) == expected]
            if mode == "blob-map":
                right = [r for r in right if r.frames[1][3] == "/tmp/perf-%d.map" % r.pid]
            ok(len(leaf) > 100 and len(right) >= 0.95 * len(leaf),
               "%s, %s: %d of %d leaf samples unwind through the code without CFI to _start: %s"
               % (mode, backend, len(right), len(leaf), " <- ".join(expected)),
               p.stderr + "\n".join(" ".join(names(r)) for r in leaf if r not in right[:3])[:2000])
            ok(native_count(p, "native_insn_callers") >= len(right),
               "%s, %s: the summary counts the callers found by instruction analysis" % (mode, backend),
               p.stderr)

    # The same without the analysis: the stacks end at the first code without CFI.
    for mode, chain_head in (("blob", ["c_leaf", "[unknown]"]), ("asm-leaf", ["asm_spin"])):
        out = os.path.join(TMP, "nocfi-off-%s.perf" % mode)
        p, records, err = profile(["--no-insn-unwind", "-F", "499", "--", exe, mode, "1"], out)
        if not ok(records is not None, "--no-insn-unwind %s: parseable output" % mode, err):
            continue
        leaf = [r for r in records if r.frames and names(r)[0] == chain_head[0]]
        cut = [r for r in leaf if names(r) == chain_head]
        ok(len(leaf) > 100 and len(cut) == len(leaf),
           "--no-insn-unwind %s: all %d leaf samples end at the code without CFI (%s), none reach main"
           % (mode, len(leaf), " <- ".join(chain_head)),
           "\n".join(" ".join(names(r)) for r in leaf if r not in cut)[:2000])
        ok(native_count(p, "native_no_cfi") >= len(leaf),
           "--no-insn-unwind %s: the summary counts stacks stopped at code without CFI" % mode,
           p.stderr)

    # --insn: the instruction at each sampled pc, decoded.
    out = os.path.join(TMP, "nocfi-insn.perf")
    p, records, err = profile(["--insn", "-F", "499", "--", exe, "asm-leaf", "1"], out)
    if ok(records is not None, "--insn: parseable output", err):
        spin = [r for r in records if r.frames and names(r)[0] == "asm_spin"]
        loop = re.compile(r"^ insn:(?: [0-9a-f]{2})+\t(mov eax, dword ptr \[r12\]|test eax, eax|je 0x[0-9a-f]+)$")
        good = [r for r in spin if r.insn and loop.match(r.insn)]
        ok(len(spin) > 100 and len(good) == len(spin),
           "--insn: all %d samples in asm_spin show one of its loop's instructions" % len(spin),
           "\n".join(r.insn or "(none)" for r in spin if r not in good)[:1000])
        ok(all(r.insn for r in records) and not any(CONSUMER_FRAME.match(r.insn) for r in records),
           "--insn: every record has an insn line, and no profile reader takes it for a frame")

    # perf map files are read only when the target's user or root owns them.
    # It must outlive two attaches, each with pysample's start-up (slow
    # under ASan on a busy machine): at 3 s it once exited before the
    # second, which then failed.  It is killed at the end.
    proc = subprocess.Popen([exe, "blob", "60"], stdout=subprocess.PIPE, text=True)
    try:
        line = wait_for_line(proc, "ready")
        pid, addr, size = line.split()[1], line.split()[2], line.split()[3]
        path = "/tmp/perf-%s.map" % pid
        with open(path, "w") as f:
            f.write("%s %s planted_name\n" % (addr, size))
        for owner, trusted in ((65534, False), (0, True)):
            os.chown(path, owner, -1)
            out = os.path.join(TMP, "nocfi-owner-%d.perf" % owner)
            p, records, err = profile(["-p", pid, "-d", "0.5", "-F", "199"], out)
            named = records is not None and any("planted_name" in r.syms() for r in records)
            warned = "ignoring %s" % path in p.stderr
            ok(records is not None and named == trusted and warned == (not trusted),
               "a perf map file owned by uid %d is %s" % (owner, "read" if trusted else "ignored, with a warning"),
               (err or "") + p.stderr)
        os.unlink(path)
    finally:
        proc.kill()
        proc.wait()


def entry_point_tests():
    """A process entry point without CFI (as ld.so's _start) ends the stack:
    complete, not "analysis unsure" for want of a caller."""
    exe = os.path.join(TMP, "nocfi-entry")
    cc = subprocess.run(CC + ["-O2", "-g", "-nostdlib", "-static", "-fno-stack-protector", "-o", exe,
                              target("nocfi-entry.c"), target("nocfi-entry.S")],
                        capture_output=True, text=True)
    if not ok(cc.returncode == 0, "nocfi-entry builds (no C library, its own _start)", cc.stderr):
        return
    start = symbol_address(exe, "_start")
    ok(start is not None and not any(a <= start < b for a, b in cfi_ranges(exe)),
       "nocfi-entry's _start, its ELF entry point, has no CFI")
    for backend in BACKENDS:
        out = os.path.join(TMP, "nocfi-entry-%s.perf" % backend)
        p, records, err = profile(["--unwinder", backend, "-F", "499", "--", exe, "30"], out)
        if not ok(records is not None, "nocfi-entry, %s: parseable output" % backend, err):
            continue
        leaf = [r for r in records if r.frames and names(r)[0] == "spin_leaf"]
        whole = [r for r in leaf if names(r) == ["spin_leaf", "entry_main", "_start"]]
        # A sample taken while processing is behind has no stack copy
        # (under ASan on a busy machine, a few): nothing to unwind.
        unwound = len(records) - int(p.stats.get("failed_no_native", 0))
        ok(len(leaf) > 200 and len(whole) == len(leaf) and
           native_count(p, "native_complete") == unwound and
           native_count(p, "native_no_cfi") == 0,
           "nocfi-entry, %s: %d of %d leaf samples end at the entry point, all %d unwound counted complete"
           % (backend, len(whole), len(leaf), unwound),
           p.stderr + "\n".join(" ".join(names(r)) for r in leaf if r not in whole)[:1500])


def loader_start_tests():
    """The dynamic loader's start-up code goes on under a label of its own
    (_dl_start_user, no CFI, right after _start): a library's constructor
    runs from there, and its stack ends there, complete."""
    lib = os.path.join(TMP, "libslowinit.so")
    exe = os.path.join(TMP, "slowinit")
    cc = subprocess.run(CC + ["-O2", "-g", "-shared", "-fPIC", "-DLIB", "-o", lib,
                              target("slowinit.c")], capture_output=True, text=True)
    if cc.returncode == 0:
        cc = subprocess.run(CC + ["-O2", "-g", "-o", exe, target("slowinit.c"), "-L" + TMP,
                                  "-lslowinit", "-Wl,-rpath," + TMP], capture_output=True, text=True)
    if not ok(cc.returncode == 0, "slowinit and its library build", cc.stderr):
        return
    env = dict(os.environ, SLOWINIT_SECONDS="1")
    for backend in BACKENDS:
        out = os.path.join(TMP, "slowinit-%s.perf" % backend)
        p, records, err = profile(["--unwinder", backend, "-F", "499", "--", exe], out, env=env)
        if not ok(records is not None, "slowinit, %s: parseable output" % backend, err):
            continue
        init = [r for r in records if "init_work" in names(r)]
        rooted = [r for r in init if names(r)[-2:] == ["_dl_init", "_dl_start_user"]]
        ok(len(init) > 100 and len(rooted) == len(init) and
           native_count(p, "native_insn_unsure") == 0,
           "slowinit, %s: %d of %d samples in a library's constructor end at the loader's "
           "_dl_start_user, none 'unsure'" % (backend, len(rooted), len(init)),
           p.stderr + "\n".join(" ".join(names(r)) for r in init if r not in rooted)[:1500])


def perf_trampoline_tests():
    chain = target("chain.py")
    for label, python in each_interpreter("-X perf trampolines"):
        if version_of(python) < (3, 12):
            continue
        probe = subprocess.run([python, "-X", "perf", "-c", "import sys; print(sys.is_stack_trampoline_active())"],
                               capture_output=True, text=True)
        if probe.stdout.strip() != "True":
            skip("%s: -X perf trampolines" % label, "built without perf trampoline support")
            continue
        for backend in BACKENDS:
            runs = {}
            for variant, extra in (("default", []), ("native-all", ["--native-all"]),
                                   ("no-insn", ["--no-insn-unwind"])):
                out = os.path.join(TMP, "xperf-%s-%s-%s.perf" % (label, backend, variant))
                p, records, err = profile(["--unwinder", backend, "-F", "299"] + extra +
                                          ["--", python, "-X", "perf", chain, "1.5"], out)
                if not ok(records is not None, "%s, %s, %s: parseable output" % (label, backend, variant), err):
                    break
                runs[variant] = (p, [r for r in records
                                     if python_names(r)[:4] == ["c", "b", "a", "<module>"]])
            if len(runs) != 3:
                continue
            p, in_c = runs["default"]
            full = [r for r in in_c if r.syms()[-1].startswith("_start")]
            tramp = [r for r in in_c if any(f[3].endswith(".map") for f in r.frames)]
            ok(len(in_c) > 150 and len(full) >= 0.95 * len(in_c) and not tramp,
               "%s, %s: -X perf: %d of %d samples in c() reach _start, trampolines folded into "
               "the Python frames" % (label, backend, len(full), len(in_c)),
               p.stderr + "\n".join(" ".join(r.syms()) for r in in_c if r not in full)[:1500])
            p, in_c = runs["native-all"]
            # A sample kept without its native frames while processing was
            # behind (ASan) is marked so, and has no trampolines to show.
            in_c = [r for r in in_c
                    if "[native frames left out: processing behind]" not in r.syms()]
            agree = 0
            for r in in_c:
                frames = r.frames
                tramps = [i for i, f in enumerate(frames) if f[3].endswith(".map")]
                # Each trampoline names the Python function whose eval loop it called,
                # which is the Python frame right before it (leaf side): the map
                # names it with the whole path, pysample's name has the short
                # file and the whole path as its dso.
                if len(tramps) >= 4 and all(
                        i > 0 and frames[i - 1][1].startswith("py::") and
                        frames[i][1] == "py::%s:%s" % (frames[i - 1][1][4:].split(":", 1)[0],
                                                       frames[i - 1][3]) for i in tramps) \
                        and r.syms()[-1].startswith("_start"):
                    agree += 1
            ok(len(in_c) > 150 and agree >= 0.95 * len(in_c),
               "%s, %s: --native-all: %d of %d samples show py:: trampoline frames from the perf map "
               "that agree with pysample's Python frames, through to _start"
               % (label, backend, agree, len(in_c)), p.stderr)
            p, in_c = runs["no-insn"]
            cut = [r for r in in_c if not r.syms()[-1].startswith("_start")]
            ok(len(in_c) > 150 and len(cut) >= 0.95 * len(in_c),
               "%s, %s: --no-insn-unwind: %d of %d native stacks stop at the first trampoline"
               % (label, backend, len(cut), len(in_c)), p.stderr)


if platform.machine() != "x86_64":
    skip("code without CFI", "the test programs are x86_64 assembly; this is %s" % platform.machine())
else:
    c_target_tests()
    entry_point_tests()
    loader_start_tests()
    perf_trampoline_tests()
done()
