# SPDX-License-Identifier: GPL-2.0-or-later
"""The container recipes work as written.  The commands are read from the
documents themselves (examples/docker-sidecar.md and
examples/kubernetes/README.md: the code block after each
`<!-- recipe: NAME -->` line; the pod's command from
examples/kubernetes/sidecar.yaml; the image's entry point from the
Dockerfile), so the documents and this test cannot drift apart.  Neither
Docker nor Kubernetes is needed: the process tree each recipe meets is
made in a real PID namespace (unshare --pid --mount --fork --mount-proc),
with the application started as the recipe starts it, and the profiler's
command runs inside that namespace (nsenter), as in a container that
joins it (--pid=container:app, shareProcessNamespace, kubectl debug
--target).  Only the duration and the output directory are changed.

Also checks the Dockerfile: a linter (dockerfile-utils from npm, which
.ci/deps installs) and the stages' structure."""
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from pstest import TMP, PYSAMPLE, TOP_SRCDIR, ok, skip, done, diag

sys.path.insert(0, os.path.join(TOP_SRCDIR, "tests", "package"))
from dockerfile_chroot import instructions as dockerfile_instructions  # noqa: E402

DOCKER_MD = os.path.join(TOP_SRCDIR, "examples", "docker-sidecar.md")
K8S_MD = os.path.join(TOP_SRCDIR, "examples", "kubernetes", "README.md")
K8S_YAML = os.path.join(TOP_SRCDIR, "examples", "kubernetes", "sidecar.yaml")
DOCKERFILE = os.path.join(TOP_SRCDIR, "Dockerfile")
DOCKERIGNORE = os.path.join(TOP_SRCDIR, ".dockerignore")
LINTER = "/opt/pysample-ci/dockerfile-utils/node_modules/.bin/dockerfile-utils"
DURATION = "1"


# --- the documents ----------------------------------------------------------

def recipes(path):
    """{name: [command, ...]} from the code block after each
    `<!-- recipe: NAME -->` line: comments dropped, continuations joined."""
    text = open(path).read()
    found = {}
    for m in re.finditer(r"<!-- recipe: ([\w-]+) -->\s*\n```[\w]*\n(.*?)```", text, re.S):
        body = m.group(2).replace("\\\n", " ")
        found[m.group(1)] = [line.strip() for line in body.splitlines()
                             if line.strip() and not line.strip().startswith("#")]
    return found


def one_command(blocks, name):
    cmds = blocks.get(name) or []
    if len(cmds) != 1:
        raise ValueError("recipe %s: want one command, found %r" % (name, cmds))
    return shlex.split(cmds[0])


# docker run's options that take a value in the next word (those the
# recipes use, and a few more); a recipe with another one fails loudly.
DOCKER_VALUE_OPTS = {"--name", "--pid", "--cap-add", "-v", "--volume", "--entrypoint", "-e", "--env",
                     "-w", "--workdir", "--network", "-u", "--user", "--security-opt"}
DOCKER_FLAGS = {"-d", "--detach", "--rm", "-i", "-t", "-it", "-ti", "--init", "--privileged"}


def docker_run(argv):
    """(options, image, args) of a `docker run` command line."""
    if argv[:2] != ["docker", "run"]:
        raise ValueError("not a docker run command: %r" % argv)
    opts, i = {}, 2
    while i < len(argv) and argv[i].startswith("-"):
        word = argv[i]
        if "=" in word and word.startswith("--"):
            key, value = word.split("=", 1)
            opts.setdefault(key, []).append(value)
        elif word in DOCKER_VALUE_OPTS:
            opts.setdefault(word, []).append(argv[i + 1])
            i += 1
        elif word in DOCKER_FLAGS:
            opts.setdefault(word, []).append(True)
        else:
            raise ValueError("docker run option %s unknown to this test: add it to DOCKER_VALUE_OPTS "
                             "or DOCKER_FLAGS" % word)
        i += 1
    return opts, argv[i], argv[i + 1:]


def entrypoint(instructions):
    """The last stage's ENTRYPOINT, as a list."""
    value = [a for _, k, a in instructions if k == "ENTRYPOINT"][-1]
    return json.loads(value)


def pod_app_command(path):
    """The command of the container named app in the pod: a flow sequence
    of double-quoted strings, which JSON reads."""
    text = open(path).read()
    m = re.search(r"-\s+name:\s*app\s*\n(?:\s+\w+:.*\n)*?\s+command:\s*(\[.*\])\s*\n", text)
    return json.loads(m.group(1)) if m else None


def substitute(text, outdir):
    """The recipe with a short duration and the output in this test's
    directory: nothing else changes."""
    new = re.sub(r"--duration[ =]\d+", "--duration " + DURATION, text)
    new = re.sub(r"(?<![\w.])/(out|profiles)/", outdir + "/", new)
    return new


# --- namespaces -------------------------------------------------------------

unshare = shutil.which("unshare")
nsenter = shutil.which("nsenter")
python3 = os.path.realpath(shutil.which("python3") or "/usr/bin/python3")

BIN = os.path.join(TMP, "bin")
os.makedirs(BIN)
# What the images hold under these names: pysample (the profiler's image)
# and the interpreter as `python` (the python:3.12-slim image) and as
# `python3` (Debian's); a process's name is the name it was started by.
os.symlink(os.path.abspath(PYSAMPLE), os.path.join(BIN, "pysample"))
os.symlink(python3, os.path.join(BIN, "python"))
os.symlink(python3, os.path.join(BIN, "python3"))
ENV = dict(os.environ, PATH=BIN + ":/usr/sbin:/usr/bin:/sbin:/bin")


def children(pid):
    try:
        return [int(c) for c in open("/proc/%d/task/%d/children" % (pid, pid)).read().split()]
    except OSError:
        return []


def tree(pid):
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        found.append(p)
        frontier += children(p)
    return found


def comm(pid):
    try:
        return open("/proc/%d/comm" % pid).read().strip()
    except OSError:
        return ""


def ns_pid(pid):
    """A host pid's id in its innermost PID namespace."""
    for line in open("/proc/%d/status" % pid):
        if line.startswith("NSpid:"):
            return int(line.split()[-1])
    return None


class Namespace:
    """argv as PID 1 of a new PID and mount namespace (with its own /proc)."""

    def __init__(self, argv):
        self.box = subprocess.Popen([unshare, "--pid", "--mount", "--fork", "--mount-proc",
                                     "--kill-child"] + argv, env=ENV, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.init = None
        self.python = None      # the interpreter's host pid
        deadline = time.time() + 10
        while time.time() < deadline:
            kids = children(self.box.pid)
            if kids:
                self.init = kids[0]
                pythons = [p for p in tree(self.init) if comm(p).startswith("python")]
                if pythons:
                    self.python = min(pythons)
                    break
            time.sleep(0.02)
        time.sleep(0.3)     # into its loop

    def names(self):
        return {ns_pid(p): comm(p) for p in tree(self.init)}

    def run(self, argv, timeout=60):
        """argv inside the namespace, as a process of a container that joined it."""
        return subprocess.run([nsenter, "-t", str(self.init), "-p", "-m", "--"] + argv, env=ENV,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)

    def close(self):
        if self.init:
            try:
                os.kill(self.init, signal.SIGKILL)
            except OSError:
                pass
        self.box.kill()
        self.box.wait()


def records_of(perf_text):
    """(pid, frames) of each record of perf script text."""
    out = []
    for block in perf_text.split("\n\n"):
        lines = [l for l in block.splitlines() if l.strip()]
        if not lines:
            continue
        m = re.match(r"\S.*?\s+(\d+)/(\d+)\s", lines[0])
        if m:
            out.append((int(m.group(1)), [l.split(None, 1)[1] for l in lines[1:] if len(l.split(None, 1)) == 2]))
    return out


def check_profile(label, path, want_pid, proc):
    try:
        text = open(path).read()
    except OSError as e:
        ok(False, "%s: the profile is written" % label, "%s\n%s" % (e, proc.stderr))
        return
    recs = records_of(text)
    py = [r for r in recs if any(f.startswith("py::") for f in r[1])]
    ok(proc.returncode == 0 and len(py) > 0 and all(pid == want_pid for pid, _ in recs),
       "%s: pysample exits 0, %d records, %d with py:: frames, all of pid %d (the interpreter)"
       % (label, len(recs), len(py), want_pid), proc.stderr + "\npids: %s" % sorted({p for p, _ in recs}))


def pgrep_part(script):
    m = re.search(r"\$\((pgrep [^)]*)\)", script)
    return m.group(1) if m else None


# --- the Dockerfile ---------------------------------------------------------

def check_dockerfile():
    ins = dockerfile_instructions(DOCKERFILE)
    known = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
             "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
    bad = [(n, k) for n, k, _ in ins if k not in known]
    ok(not bad, "Dockerfile: every instruction is one Docker knows", bad)
    stages, current = [], None
    for n, k, a in ins:
        if k == "FROM":
            words = a.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            current = {"image": words[0], "name": name, "ins": []}
            stages.append(current)
        elif current is None:
            ok(False, "Dockerfile: %s on line %d before any FROM" % (k, n))
        else:
            current["ins"].append((n, k, a))
    ok(len(stages) == 2 and stages[0]["image"] == "debian:bookworm" and stages[0]["name"]
       and stages[1]["image"] == "debian:bookworm-slim",
       "Dockerfile: a build stage FROM debian:bookworm, then a runtime stage FROM debian:bookworm-slim",
       [(s["image"], s["name"]) for s in stages])
    if len(stages) != 2:
        return
    build, runtime = stages
    names = [s["name"] for s in stages if s["name"]]
    froms = [re.search(r"--from=(\S+)", a).group(1) for _, k, a in runtime["ins"]
             if k == "COPY" and "--from=" in a]
    ok(froms and all(f in names[:1] for f in froms),
       "Dockerfile: the runtime stage copies from the build stage (--from=%s)" % ",".join(froms))
    build_runs = " ".join(a for _, k, a in build["ins"] if k == "RUN")
    m = re.search(r"packaging/build-deb\.sh(?: --install-deps)? (\S+)", build_runs)
    outdir = m.group(1) if m else None
    ok(m is not None and os.access(os.path.join(TOP_SRCDIR, "packaging", "build-deb.sh"), os.X_OK),
       "Dockerfile: the build stage runs packaging/build-deb.sh (into %s)" % outdir)
    copied = [a for _, k, a in runtime["ins"] if k == "COPY" and "--from=" in a]
    ok(outdir and any(re.search(re.escape(outdir.rstrip("/")) + r"/pysample_\*\.deb", a) for a in copied),
       "Dockerfile: the runtime stage copies the .deb the build stage made", copied)
    runtime_runs = " ".join(a for _, k, a in runtime["ins"] if k == "RUN")
    ok(re.search(r"apt-get install [^&]*/tmp/pysample_\*\.deb", runtime_runs) and "procps" in runtime_runs,
       "Dockerfile: the runtime stage installs only the .deb (apt resolves its libraries) and procps "
       "(pgrep, for the recipes)", runtime_runs)
    ok(entrypoint(ins) == ["pysample"], "Dockerfile: ENTRYPOINT [\"pysample\"] (exec form)")
    # The build context: what build-deb.sh needs is not ignored.
    patterns = [l.strip() for l in open(DOCKERIGNORE) if l.strip() and not l.startswith("#")]
    needed = ["configure.ac", "Makefile.am", "autogen.sh", "debian/control", "debian/rules",
              "packaging/build-deb.sh", "src/main.c", "doc/pysample.1", "tests/unit/test_merge.c"]

    def ignored(path):
        result = False
        for p in patterns:
            neg = p.startswith("!")
            pat = p[1:] if neg else p
            rx = "^" + re.escape(pat).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*") + "(/.*)?$"
            if re.match(rx, path):
                result = not neg
        return result
    hidden = [p for p in needed if ignored(p)]
    ok(not hidden, ".dockerignore keeps what the build needs", hidden)

    linter = LINTER if os.access(LINTER, os.X_OK) else shutil.which("dockerfile-utils")
    if not linter:
        skip("Dockerfile: dockerfile-utils lint", "dockerfile-utils not installed (.ci/deps installs it "
             "from npm into /opt/pysample-ci/dockerfile-utils)")
        return
    p = subprocess.run([linter, "lint", "--json", DOCKERFILE], capture_output=True, text=True, timeout=60)
    try:
        problems = json.loads(p.stdout)
    except ValueError:
        problems = None
    ok(problems == [], "Dockerfile: dockerfile-utils lint finds nothing", p.stdout + p.stderr)


check_dockerfile()

# --- the recipes ------------------------------------------------------------

docker_blocks = recipes(DOCKER_MD)
k8s_blocks = recipes(K8S_MD)
ok(set(docker_blocks) == {"docker-app", "docker-profile", "docker-profile-by-name"}
   and set(k8s_blocks) == {"k8s-sidecar-profile", "k8s-debug-profile"},
   "the recipes are found in the documents", (sorted(docker_blocks), sorted(k8s_blocks)))

if not unshare or not nsenter or os.getuid() != 0:
    skip("the recipes in a PID namespace", "needs root, unshare and nsenter (util-linux)")
    done()

image_entry = entrypoint(dockerfile_instructions(DOCKERFILE))

# Docker: the application is the container's first process.
opts, image, app = docker_run(one_command(docker_blocks, "docker-app"))
ok(app[:1] == ["python"] and image.startswith("python:"),
   "docker: the application runs `python ...` directly in %s" % image, app)
opts, image, args = docker_run(one_command(docker_blocks, "docker-profile"))
ok(opts.get("--pid") == ["container:app"] and opts.get("--cap-add") == ["SYS_PTRACE"] and image == "pysample",
   "docker: the profiler joins the app's PID namespace, with SYS_PTRACE, image pysample", opts)
box = Namespace(app)
try:
    ok(box.python and ns_pid(box.python) == 1 and comm(box.python) == "python",
       "docker: `python -c` is PID 1 of its namespace, named python", box.names() if box.init else None)
    argv = shlex.split(substitute(shlex.join((opts.get("--entrypoint") or image_entry) + args), TMP))
    out = [a for a in argv if a.startswith(TMP)]
    p = box.run(argv)
    check_profile("docker: `%s`" % " ".join(argv[:3]), out[0] if out else "", 1, p)
finally:
    box.close()

# Docker, the application started through a shell: found by name.
opts, image, args = docker_run(one_command(docker_blocks, "docker-profile-by-name"))
ok(opts.get("--entrypoint") == ["sh"] and args[:1] == ["-c"] and pgrep_part(args[1]),
   "docker by name: sh -c with a pgrep in it", args)
script = substitute(args[1], TMP)
old_script = "pysample -p $(pgrep -f \"python -c\") --duration %s -o %s/old.perf" % (DURATION, TMP)
code = app[2]
for name in ("python", "python3"):
    wrapper = ["sh", "-c", "%s -c %s" % (name, shlex.quote(code))]
    box = Namespace(wrapper)
    try:
        want = ns_pid(box.python) if box.python else None
        names = box.names() if box.init else {}
        ok(want and want != 1 and names.get(1) == "sh",
           "by name, `sh -c '%s -c ...'`: PID 1 is the shell, the interpreter pid %s" % (name, want), names)
        found = box.run(["sh", "-c", "echo $(%s)" % pgrep_part(script)]).stdout.split()
        ok(found == [str(want)], "by name, %s: the recipe's `%s` finds the interpreter alone (%s)"
           % (name, pgrep_part(script), found), names)
        old = box.run(["sh", "-c", "echo $(pgrep -f \"python -c\"); : %s" % old_script]).stdout.split()
        ok(old != [str(want)], "by name, %s: the former `pgrep -f \"python -c\"` did not: it found %s"
           % (name, old), names)
        if name == "python":
            target = [a for a in shlex.split(script) if a.startswith(TMP)]
            p = box.run((opts.get("--entrypoint") or image_entry) + ["-c", script])
            check_profile("by name: the recipe's sh -c", target[0] if target else "", want, p)
    finally:
        box.close()

# Kubernetes: one PID namespace for the pod (shareProcessNamespace), whose
# PID 1 is not the application; the application as the pod's command, the
# profiler container's `sleep infinity` beside it.
pod_app = pod_app_command(K8S_YAML)
yaml_text = open(K8S_YAML).read()
ok(pod_app and pod_app[0] in ("python", "python3") and "shareProcessNamespace: true" in yaml_text
   and "SYS_PTRACE" in yaml_text,
   "kubernetes: the pod shares its PID namespace, runs %r, its profiler has SYS_PTRACE"
   % (pod_app[:2] if pod_app else None))
pod = ["sh", "-c", "sleep 1000 & \"$@\" & wait", "pause"] + (pod_app or ["false"])
box = Namespace(pod)
try:
    want = ns_pid(box.python) if box.python else None
    names = box.names() if box.init else {}
    ok(want and want != 1, "kubernetes: the pod's processes %s, the interpreter pid %s" % (names, want))
    for name in ("k8s-sidecar-profile", "k8s-debug-profile"):
        argv = one_command(k8s_blocks, name)
        dash = argv.index("--")
        cmd = argv[dash + 1:]
        redirect = None
        if ">" in cmd:
            redirect = cmd[cmd.index(">") + 1]
            cmd = cmd[:cmd.index(">")]
        ok(cmd[:2] == ["sh", "-c"] and pgrep_part(cmd[2]), "%s: `sh -c` with a pgrep in it" % name, cmd)
        script = substitute(cmd[2], TMP)
        found = box.run(["sh", "-c", "echo $(%s)" % pgrep_part(script)]).stdout.split()
        ok(found == [str(want)], "%s: `%s` finds the interpreter alone (%s)" % (name, pgrep_part(script), found),
           names)
        p = box.run(["sh", "-c", script])
        if redirect:
            # The profile comes on standard output (kubectl debug --attach copies it).
            # An SVG flame graph: the application's Python frames are
            # boxes of class "py" named after its code (file <string>).
            ok(p.returncode == 0 and "<svg" in p.stdout[:2000] and 'class="py"' in p.stdout
               and "&lt;string&gt;" in p.stdout,
               "%s: the flame graph on standard output (> %s, %d bytes) has the application's Python "
               "frames" % (name, redirect, len(p.stdout)), p.stderr)
        else:
            target = [a for a in shlex.split(script) if a.startswith(TMP)]
            check_profile("%s" % name, target[0] if target else "", want, p)
finally:
    box.close()
done()
