# SPDX-License-Identifier: GPL-2.0-or-later
"""Native unwinding through DWARF CFI, on C programs whose call chain is
known: 24 levels built -O2 -fomit-frame-pointer, once with .eh_frame and
once with only .debug_frame.  Every sample in the leaf must carry exactly
the expected chain, with both unwinders."""
import os
import re
import subprocess
import tempfile

from pstest import PYSAMPLE, done, interpreters, ok, parse, read_stats, skip, target

CC = os.environ.get("CC", "cc").split()
BACKENDS = ("libdw", "libunwind")
tmp = tempfile.mkdtemp(prefix="pys-native-")
EXPECTED = (["leaf"] + ["f%d" % i for i in range(23, -1, -1)] +
            ["main", "__libc_start_call_main", "__libc_start_main", "_start"])


def base_name(sym):
    """'f3.constprop.0' -> 'f3', '__libc_start_main@@GLIBC_2.34' -> '__libc_start_main'."""
    return re.split(r"[.@]", sym, 1)[0]


variants = {
    "eh_frame": ["-O2", "-fomit-frame-pointer", "-g"],
    "debug_frame only": ["-O2", "-fomit-frame-pointer", "-g", "-fno-asynchronous-unwind-tables",
                         "-fno-unwind-tables"],
}
for variant, flags in variants.items():
    exe = os.path.join(tmp, "deepchain-" + variant.split()[0])
    cc = subprocess.run(CC + flags + ["-o", exe, target("deepchain.c")], capture_output=True, text=True)
    if not ok(cc.returncode == 0, "deepchain (%s) builds" % variant, cc.stderr):
        continue
    sections = subprocess.run(["readelf", "-SW", exe], capture_output=True, text=True).stdout
    if variant == "debug_frame only":
        # crt files bring a little .eh_frame of their own; the chain's
        # functions must have none.
        fdes = subprocess.run(["readelf", "--debug-dump=frames", exe], capture_output=True,
                              text=True).stdout
        ok(".debug_frame" in sections, "the debug_frame variant has .debug_frame")
    for backend in BACKENDS:
        out = os.path.join(tmp, "%s-%s.perf" % (variant.split()[0], backend))
        p = subprocess.run([PYSAMPLE, "--unwinder", backend, "-F", "499", "-o", out, "--", exe,
                            "spin", "1"], capture_output=True, text=True, timeout=60)
        records = parse(open(out).read())
        for r in records:  # inlined helpers (now() in leaf) are checked below
            r.frames = [f for f in r.frames if f[3] != "inlined"]
        in_leaf = [r for r in records if r.frames and base_name(r.frames[0][1]) == "leaf"]
        wrong = [r for r in in_leaf if [base_name(s) for s in r.syms()] != EXPECTED]
        ok(len(in_leaf) > 100 and not wrong,
           "%s, %s: %d of %d samples in leaf() carry the exact 29-frame chain to _start"
           % (variant, backend, len(in_leaf) - len(wrong), len(in_leaf)),
           p.stderr + "\n".join(" ".join(base_name(s) for s in r.syms()) for r in wrong[:3]))

# Inlined functions get their own frames, marked "(inlined)" as perf marks
# them; C++ names are demangled.
for name, source, compiler, expected in (
        # gcc: elfutils 0.188 (like eu-addr2line -i) does not see clang's
        # DWARF 5 inline chains, so the compiler is fixed here.
        ("inlined", "inlined.c", ["gcc"], ["inner", "middle", "outer", "main"]),
        ("cxxchain", "cxxchain.cc", ["g++"],
         ["shapes::Widget::spin(double)", "double shapes::drive<shapes::Widget>(shapes::Widget&, double)",
          "main"])):
    exe = os.path.join(tmp, name)
    cc = subprocess.run(compiler + ["-O2", "-g", "-o", exe, target(source)], capture_output=True, text=True)
    if not ok(cc.returncode == 0, "%s builds" % source, cc.stderr):
        continue
    for backend in BACKENDS:
        out = os.path.join(tmp, "%s-%s.perf" % (name, backend))
        p = subprocess.run([PYSAMPLE, "--unwinder", backend, "-F", "499", "-o", out, "--", exe, "0.5"],
                           capture_output=True, text=True, timeout=60)
        records = parse(open(out).read())
        # Leaf frames in the spin loop (not inside clock_gettime):
        spinning = [r for r in records if r.frames and r.syms()[0].split("+0x")[0] == expected[0]]
        right = [r for r in spinning if [s.split("+0x")[0] for s in r.syms()[:len(expected)]] == expected and
                 all(f[3] == "inlined" for f in r.frames[:2]) == (name == "inlined")]
        ok(len(spinning) > 50 and len(right) == len(spinning),
           "%s, %s: %d of %d leaf samples read %s" % (name, backend, len(right), len(spinning),
                                                      " <- ".join(expected)),
           p.stderr + "\n".join(str(r.frames[:4]) for r in spinning[:2] if r not in right))

# An epilogue that popped rbp while its CFI still says it is saved, now 8
# bytes below the stack pointer: the red zone is copied too, and the
# caller (whose CFA is rbp-based) unwinds to _start.  Saved 256 bytes
# below, beyond any red zone, it cannot be known: the stack is marked cut
# and counted as stopped early, never passed off as complete.
exe = os.path.join(tmp, "redzone")
cc = subprocess.run(CC + ["-O1", "-g", "-fno-omit-frame-pointer", "-pthread", "-o", exe,
                          target("redzone.c"), target("redzone-asm.S")], capture_output=True, text=True)
if ok(cc.returncode == 0, "redzone builds", cc.stderr):
    whole = ["epilogue_spin", "framed_caller", "main", "__libc_start_call_main", "__libc_start_main",
             "_start"]
    for backend in BACKENDS:
        for mode, expected in (("epilogue", whole), ("deep", ["deep_spin", "framed_caller",
                                                              "[native frames cut: unreadable]"])):
            out = os.path.join(tmp, "redzone-%s-%s.perf" % (mode, backend))
            p = subprocess.run([PYSAMPLE, "--unwinder", backend, "-F", "499", "-o", out,
                                "--stats", out + ".stats", "--", exe, mode, "0.6"],
                               capture_output=True, text=True, timeout=60)
            stats = read_stats(out + ".stats")
            records = parse(open(out).read())
            leaf = [r for r in records if r.frames and r.syms()[0] == expected[0]]
            right = [r for r in leaf if [base_name(s) for s in r.syms()] == expected]
            counts = (int(stats["native_complete"]), int(stats["native_stopped_early"])) \
                if stats.get("unwinder", "none") != "none" else None
            # Deep: every leaf sample stopped early; complete ones only
            # outside deep_spin (start-up, exit).
            ok(len(leaf) > 100 and len(right) == len(leaf) and counts and
               (counts[1] == 0 if mode == "epilogue" else
                counts[1] >= len(leaf) and counts[0] <= len(records) - len(leaf)),
               "%s, %s: %d of %d leaf stacks read %s; complete/stopped early %s"
               % (mode, backend, len(right), len(leaf), " <- ".join(expected), counts),
               p.stderr + "\n".join(" ".join(r.syms()) for r in leaf[:2] if r not in right))

# A signal handler's caller is the signal trampoline, named as eu-stack and
# gdb name it, and below it the interrupted code.
exe = os.path.join(tmp, "handler")
cc = subprocess.run(CC + ["-O2", "-g", "-o", exe, target("handler.c")], capture_output=True, text=True)
if ok(cc.returncode == 0, "handler builds", cc.stderr):
    for backend in BACKENDS:
        out = os.path.join(tmp, "handler-%s.perf" % backend)
        p = subprocess.run([PYSAMPLE, "--unwinder", backend, "-F", "499", "-o", out, "--", exe, "0.8"],
                           capture_output=True, text=True, timeout=60)
        in_handler = [r for r in parse(open(out).read()) if "on_alarm" in r.syms()]
        right = [r for r in in_handler
                 if r.syms()[r.syms().index("on_alarm") + 1] == "__restore_rt" and
                 r.frames[r.syms().index("on_alarm") + 1][2] == 0 and "interrupted" in r.syms() and
                 base_name(r.syms()[-1]) == "_start"]
        ok(len(in_handler) > 100 and len(right) == len(in_handler),
           "%s: %d of %d samples in the handler read on_alarm <- __restore_rt+0x0 <- ... <- "
           "interrupted <- ... <- _start" % (backend, len(right), len(in_handler)),
           p.stderr + "\n".join(" ".join(r.syms()) for r in in_handler[:2] if r not in right))

# A copy too small for the stack: every stack is marked cut, never passed
# off as complete, and the summary counts it.
exe = os.path.join(tmp, "deepchain-eh_frame")
for backend in BACKENDS:
    out = os.path.join(tmp, "cut-%s.perf" % backend)
    p = subprocess.run([PYSAMPLE, "--unwinder", backend, "--stack-bytes", "512", "-F", "499", "-o", out,
                        "--stats", out + ".stats", "--", exe, "spin", "0.5"], capture_output=True,
                       text=True, timeout=60)
    counted = read_stats(out + ".stats").get("native_cut_by_copy")
    records = [r for r in parse(open(out).read()) if r.frames and base_name(r.frames[0][1]) == "leaf"]
    marked = [r for r in records if r.syms()[-1] == "[stack cut at --stack-bytes]"]
    ok(len(records) > 100 and len(marked) == len(records) and counted is not None and
       counted >= len(marked),
       "%s: with --stack-bytes 512, %d of %d leaf stacks end in the cut marker and are counted"
       % (backend, len(marked), len(records)), p.stderr)

# Rust names, both schemes, demangled as perf and gdb show them (libiberty):
# a stand-in with the symbol names rustc writes, so the test needs no Rust
# toolchain.
exe = os.path.join(tmp, "rustnames")
cc = subprocess.run(os.environ.get("CC", "cc").split() + ["-O1", "-g", "-o", exe, target("rustnames.c")],
                    capture_output=True, text=True)
if ok(cc.returncode == 0, "rustnames builds", cc.stderr):
    out = os.path.join(tmp, "rustnames.perf")
    p = subprocess.run([PYSAMPLE, "-F", "999", "-o", out, "--", exe, "0.6"], capture_output=True,
                       text=True, timeout=60)
    # A sample kept without its native frames while processing was behind
    # (the ASan build loading debug information) is marked so: not a name.
    records = [r for r in parse(open(out).read()) if r.frames and
               "[native frames left out: processing behind]" not in r.syms()]
    both = [r for r in records if r.syms()[:2] == ["r2::inner::spin_here", "r2::inner::outer"]]
    ok(len(records) > 200 and len(both) >= 0.9 * len(records) and
       not any(s.startswith(("_R", "_ZN")) for r in records for s in r.syms()),
       "Rust v0 and legacy symbols demangled: %d of %d stacks read r2::inner::spin_here <- "
       "r2::inner::outer" % (len(both), len(records)),
       p.stderr + "\n".join(" ".join(r.syms()[:3]) for r in records[:3]))

# PLT entries are named as perf and objdump name them, "name@plt": a
# pyenv libpython calls its own exported functions through its PLT, and
# about 5% of the leaves of a json.dumps loop are there (all [unknown]
# before).  Every name given must be one objdump gives the entry holding
# the pc, and no leaf in libpython's PLT stays unnamed.
pyenv_python = next((path for label, path in interpreters() if path and label.startswith("pyenv-3.12")),
                    None)
if pyenv_python is None:
    skip("PLT entries named name@plt", "no pyenv CPython 3.12 (a libpython with a PLT) here")
else:
    out = os.path.join(tmp, "plt.perf")
    p = subprocess.run([PYSAMPLE, "-F", "2999", "-o", out, "--", pyenv_python, "-c",
                        "import json\nd = {'a': [1, 2, 3], 'b': 'x' * 50}\n"
                        "for i in range(150000): json.dumps(d)"],
                       capture_output=True, text=True, timeout=120)
    records = [r for r in parse(open(out).read()) if r.frames]
    plt_frames = [f for r in records for f in r.frames if f[1].endswith("@plt")]
    libs = {f[3] for f in plt_frames if f[3].startswith("/")}
    # objdump's PLT labels per library: "<name@plt>:"
    labels = set()
    for lib in libs:
        d = subprocess.run(["objdump", "-d", "-j", ".plt", "-j", ".plt.sec", "-j", ".plt.got", lib],
                           capture_output=True, text=True).stdout
        labels |= set(re.findall(r"<([^>+]+@plt)>:", d))
    named = {f[1] for f in plt_frames}
    unknown_leaves = [r for r in records if r.frames[0][1] == "[unknown]" and "libpython" in r.frames[0][3]]
    ok(len(plt_frames) > 20 and named <= labels and not unknown_leaves,
       "%d frames in PLT entries, named as objdump names them (%s ...); %d [unknown] leaves in libpython"
       % (len(plt_frames), ", ".join(sorted(named)[:3]), len(unknown_leaves)),
       "not objdump's: %s\n%s" % (sorted(named - labels)[:10], p.stderr))
done()
