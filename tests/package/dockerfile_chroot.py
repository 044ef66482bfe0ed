# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs a Dockerfile without Docker, each stage in a chroot, to show that
its steps work as written: a clean build of the package from the build
context, and its installation by apt into a fresh system.

    python3 dockerfile_chroot.py DOCKERFILE CONTEXT ROOTFS_TARBALL APT_ARCHIVES WORKDIR

Every `FROM debian:bookworm[-slim]` starts from ROOTFS_TARBALL (a
debootstrap --variant=minbase bookworm, which is what those images are,
plus python3); RUN runs /bin/sh -c in the chroot, in the stage's WORKDIR
with its ENV, in a mount namespace of its own (/proc, and APT_ARCHIVES as
/var/cache/apt/archives so that packages are downloaded once); COPY takes
files from CONTEXT (what git holds, less .dockerignore) or, with
--from=STAGE, from that stage's root.  At the end the last stage's
ENTRYPOINT runs with --version.  Supports what this project's Dockerfile
uses, and says so about anything else.  Prints progress as TAP comments;
exits 0 when every step succeeded."""
import fnmatch
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

IMAGES = {"debian:bookworm", "debian:bookworm-slim"}
DOCKER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def instructions(path):
    """[(line number, KEYWORD, arguments)], continuation lines joined (also
    the reader of tests/integration/test_recipes.py)."""
    out, pending, start = [], "", 0
    for n, line in enumerate(open(path).read().splitlines(), 1):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        if not pending:
            start = n
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        out.append((start, keyword.upper(), args.strip()))
    return out


def ignore_patterns(context):
    path = os.path.join(context, ".dockerignore")
    if not os.path.exists(path):
        return []
    return [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]


def ignored(rel, patterns):
    """.dockerignore's rules: Go filepath.Match patterns, ** for any depth,
    the last matching line wins, ! re-includes; a pattern matching a
    directory excludes what is under it."""
    result = False
    parts = rel.split("/")
    for p in patterns:
        neg = p.startswith("!")
        pat = (p[1:] if neg else p).strip("/")
        rx = re.escape(pat).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*") \
            .replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        rx = re.compile("^" + rx + "$")
        if any(rx.match("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            result = not neg
    return result


def context_files(context):
    try:
        top = subprocess.run(["git", "-C", context, "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True).stdout.strip()
    except OSError:
        top = ""
    if top and os.path.realpath(top) == os.path.realpath(context):
        out = subprocess.run(["git", "-C", context, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], capture_output=True, text=True, check=True).stdout
        files = [f for f in out.split("\0") if f and os.path.lexists(os.path.join(context, f))]
    else:
        files = []
        for d, dirs, names in os.walk(context):
            files += [os.path.relpath(os.path.join(d, n), context) for n in names]
    patterns = ignore_patterns(context)
    return [f for f in files if not ignored(f, patterns)]


def in_chroot(root, env, workdir, script, archives, log):
    """/bin/sh -c SCRIPT in ROOT: a mount namespace of its own."""
    wrapper = ('root=$1 archives=$2; shift 2; mount -t proc proc "$root/proc" || exit 125; '
               'mount --bind "$archives" "$root/var/cache/apt/archives" || exit 125; '
               'exec chroot "$root" "$@"')
    envs = ["%s=%s" % kv for kv in env.items()]
    argv = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", wrapper, "sh",
            root, archives, "/usr/bin/env", "-i"] + envs + \
        ["/bin/sh", "-c", 'mkdir -p "$0" && cd "$0" && exec /bin/sh -c "$1"', workdir, script]
    return subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                          timeout=1800).returncode


def main():
    dockerfile, context, tarball, archives, work = sys.argv[1:6]
    stages, named = [], {}
    log = open(os.path.join(work, "dockerfile.log"), "w")

    def step(what):
        print("#   %s" % what)
        sys.stdout.flush()
        log.write("\n=== %s\n" % what)
        log.flush()

    for _, keyword, args in instructions(dockerfile):
        t = time.time()
        if keyword == "FROM":
            words = args.split()
            if words[0] not in IMAGES:
                step("FROM %s: no root file system for it here" % words[0])
                return 1
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            root = os.path.join(work, "stage-%d" % len(stages))
            os.makedirs(root)
            subprocess.run(["tar", "--numeric-owner", "-C", root, "-xzf", tarball], check=True)
            shutil.copy("/etc/resolv.conf", os.path.join(root, "etc", "resolv.conf"))
            stage = {"root": root, "workdir": "/", "entrypoint": None, "cmd": None,
                     "env": {"PATH": DOCKER_PATH, "HOME": "/root"}}
            stages.append(stage)
            named[name] = stage
            step("FROM %s (stage %s): %.0f s" % (words[0], name, time.time() - t))
        elif keyword == "WORKDIR":
            stage["workdir"] = os.path.join(stage["workdir"], args)
            os.makedirs(stage["root"] + stage["workdir"], exist_ok=True)
        elif keyword == "ENV":
            key, _, value = args.partition("=") if "=" in args.split()[0] else args.partition(" ")
            stage["env"][key.strip()] = value.strip().strip('"')
        elif keyword == "RUN":
            code = in_chroot(stage["root"], stage["env"], stage["workdir"], args, archives, log)
            short = " ".join(args.split())
            step("RUN %s: exit %d, %.0f s" % (short[:70] + ("..." if len(short) > 70 else ""),
                                              code, time.time() - t))
            if code != 0:
                return 1
        elif keyword == "COPY":
            words = shlex.split(args)
            src_stage = None
            while words and words[0].startswith("--"):
                opt = words.pop(0)
                if opt.startswith("--from="):
                    src_stage = named[opt.split("=", 1)[1]]
                else:
                    step("COPY option %s unknown to this script" % opt)
                    return 1
            *sources, dest = words
            dest_abs = stage["root"] + os.path.join(stage["workdir"], dest)
            if src_stage:
                found = []
                for s in sources:
                    found += glob.glob(src_stage["root"] + s)
                if not found:
                    step("COPY --from: %s matches nothing" % sources)
                    return 1
                os.makedirs(dest_abs, exist_ok=True)
                for f in found:
                    shutil.copy2(f, dest_abs)
            else:
                files = context_files(context)
                n = 0
                for s in sources:
                    s = os.path.normpath(s)
                    for f in files:
                        if s == "." or f == s or f.startswith(s + "/"):
                            rel = f if s == "." else os.path.relpath(f, os.path.dirname(s) or ".")
                            target = os.path.join(dest_abs, rel)
                            os.makedirs(os.path.dirname(target), exist_ok=True)
                            shutil.copy2(os.path.join(context, f), target, follow_symlinks=False)
                            n += 1
                if n == 0:
                    step("COPY %s: nothing in the context" % sources)
                    return 1
            step("COPY %s: %.0f s" % (args, time.time() - t))
        elif keyword == "ENTRYPOINT":
            stage["entrypoint"] = json.loads(args)
        elif keyword == "CMD":
            stage["cmd"] = json.loads(args)
        else:
            step("%s: unknown to this script" % keyword)
            return 1
    final = stages[-1]
    if not final["entrypoint"]:
        step("no ENTRYPOINT")
        return 1
    script = " ".join(shlex.quote(a) for a in final["entrypoint"] + ["--version"])
    code = in_chroot(final["root"], final["env"], final["workdir"], script + " && command -v pgrep",
                     archives, log)
    step("the image's entry point: `%s`, then pgrep: exit %d" % (script, code))
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
