# SPDX-License-Identifier: GPL-2.0-or-later
"""The SVG flame graph (-o X.svg), on real interpreters: a well-formed
document whose numbers are the run's own (--stats), its boxes the call
tree of examples/busy.py, Python and native frames in their colour
families, hostile names escaped, --reverse an icicle.  Then a real
browser (headless Chromium, driven through the DevTools protocol on a
pipe, standard library only) renders it, and the test hovers, clicks,
resets and searches with the mouse and the keyboard as a user would,
reading the result from the page."""
import base64
import colorsys
import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import xml.etree.ElementTree as ET
import zlib

from pstest import TMP, TOP_SRCDIR, diag, done, interpreters, ok, run_pysample, read_stats, skip

SVG = "{http://www.w3.org/2000/svg}"
FG = "{urn:x-pysample:flamegraph}"
BUSY = os.path.join(TOP_SRCDIR, "examples", "busy.py")


def short(path):
    """A Python file as a frame's name gives it by default: the last two
    components of a path outside site-packages and the standard library."""
    return "/".join(path.split("/")[-2:])
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TITLE = re.compile(r"^(.*) \(([\d,]+) samples?, ([\d.]+)%\)$", re.S)
FULL_WIDTH = 1180.0  # the image's 1200 px less its margins


def pick_interpreter():
    """3.12 when there is one (what doc/flamegraph.png shows), else the newest."""
    found = [(label, path) for label, path in interpreters() if path and label.startswith("pyenv-")]
    for label, path in found:
        if label.startswith("pyenv-3.12."):
            return label, path
    return found[-1] if found else (None, None)


def record(python, name, args, script=BUSY, script_args=()):
    """pysample -o NAME.svg [args] -- python script: (process, stats, path)."""
    path = os.path.join(TMP, name + ".svg")
    p = run_pysample(["-o", path, "--stats", path + ".stats"] + list(args) +
                     ["--", python, script] + list(script_args))
    return p, read_stats(path + ".stats"), path


class Box:
    def __init__(self, g):
        rect, title = g.find(SVG + "rect"), g.find(SVG + "title").text
        m = TITLE.match(title)
        self.label, self.samples, self.percent = m.group(1), int(m.group(2).replace(",", "")), \
            float(m.group(3))
        self.cls = g.get("class")
        self.x, self.w = int(g.get(FG + "x")), int(g.get(FG + "w"))
        self.y, self.px = float(rect.get("y")), float(rect.get("width"))
        self.fill = tuple(int(v) for v in re.findall(r"\d+", rect.get("fill")))
        self.text = g.find(SVG + "text").text or ""

    def hls(self):
        return colorsys.rgb_to_hls(*(v / 255.0 for v in self.fill))

    def contains(self, other):
        return self.x <= other.x and other.x + other.w <= self.x + self.w


def load(path):
    """(root element, boxes in document order) of an SVG pysample wrote."""
    root = ET.parse(path).getroot()
    frames = root.find(".//%sg[@id='frames']" % SVG)
    return root, [Box(g) for g in frames.findall(SVG + "g")]


def text_of(root, ident):
    el = root.find(".//%s*[@id='%s']" % (SVG, ident))
    return "".join(el.itertext()) if el is not None else ""


def rows(boxes):
    """The boxes by depth (0: the root's row), from their y."""
    root_y = boxes[0].y
    out = {}
    for b in boxes:
        out.setdefault(int(round(abs(b.y - root_y) / 16)), []).append(b)
    return out


def check_tree(boxes, what):
    """Every box lies within a box of the row nearer the root (its caller),
    the callees of a box never add up to more than it, and no box is
    under the elision threshold (0.1% of all samples)."""
    by_row = rows(boxes)
    bad = []
    for depth in sorted(by_row)[1:]:
        for b in by_row[depth]:
            callers = [c for c in by_row.get(depth - 1, []) if c.contains(b)]
            if len(callers) != 1:
                bad.append("no single caller for %r at depth %d" % (b.label, depth))
    for depth in sorted(by_row)[:-1]:
        for c in by_row[depth]:
            callees = sum(b.w for b in by_row.get(depth + 1, []) if c.contains(b))
            if callees > c.w:
                bad.append("%r: callees %d > %d" % (c.label, callees, c.w))
    total = boxes[0].w
    bad += ["%r: %d samples drawn" % (b.label, b.w) for b in boxes if b.w * 1000 < total]
    ok(not bad, "%s: every box lies within its caller's, callees never exceed their caller, "
       "none under 0.1%%" % what, "\n".join(bad[:10]))


def in_hue(hls, low, high):
    degrees = hls[0] * 360
    return low <= degrees <= high if low <= high else degrees >= low or degrees <= high


def check_header(root, stats, python):
    lost = int(stats.get("failed", 0) + stats.get("ticks_missed", 0))
    info, command = text_of(root, "info"), text_of(root, "command")
    ok(text_of(root, "title") == "Flame graph" and python in command and "busy.py" in command and
       "%.2f s" % stats.get("seconds", -1) in info and "999 Hz" in info and
       "cpu-clock" in info and "{:,} samples".format(int(stats.get("samples", -1))) in info and
       "{:,} lost".format(lost) in info,
       "the header names the command, duration, rate, event, samples and lost samples",
       "%s | %s | %s" % (text_of(root, "title"), command, info))


def check_numbers(root, boxes, stats):
    samples = int(stats.get("samples", -1))
    by_row = rows(boxes)
    threads = by_row.get(1, [])
    ok(boxes[0].w == samples and int(root.find(".//%sg[@id='frames']" % SVG).get(FG + "total"))
       == samples and sum(b.w for b in threads) == samples and
       all(b.cls == "thr" for b in threads),
       "the root holds the run's %d samples (--stats), its thread boxes add up to them" % samples,
       "root %d, threads %s" % (boxes[0].w, [(b.label, b.w) for b in threads]))
    ok(all(b.y < boxes[0].y for b in boxes[1:]), "the root is at the bottom, callees above callers")
    check_tree(boxes, "flame graph")


def check_frames(boxes):
    """busy.py's functions as Python boxes, the interpreter's as native
    ones, each kind in its colour family."""
    named = {}
    for b in boxes:
        named.setdefault(b.label.split(" (")[0], []).append(b)
    missing = [n for n in ("spin", "hot", "cold", "worker", "main", "<module>")
               if not any(b.cls == "py" and b.label.startswith(n + " (" + short(BUSY))
                          for b in named.get(n, []))]
    ok(not missing, "busy.py's functions are Python boxes reading 'name (file:line)'",
       "missing: %s" % missing)
    natives = [b for b in boxes if b.cls == "nat"]
    ok(any(b.label in ("_start", "start_thread", "Py_RunMain", "Py_BytesMain") for b in natives),
       "the interpreter's native frames are there as native boxes", [b.label for b in natives[:20]])
    hot, cold = sum(b.w for b in named.get("hot", [])), sum(b.w for b in named.get("cold", []))
    ok(hot > cold > 0, "hot() (70%% of main's time) is wider than cold() (30%%): %d > %d samples"
       % (hot, cold))
    # colorsys: (hue, lightness, saturation).
    wrong = ["%s %s %r" % (b.cls, b.fill, b.label) for b in boxes if
             (b.cls == "py" and not (in_hue(b.hls(), 160, 220) and b.hls()[2] > 0.3)) or
             (b.cls == "nat" and not (in_hue(b.hls(), 0, 50) and b.hls()[2] > 0.6)) or
             (b.cls == "inl" and not (in_hue(b.hls(), 0, 60) and b.hls()[1] > 0.7)) or
             (b.cls == "mark" and b.hls()[2] != 0)]
    ok(not wrong and {"py", "nat"} <= {b.cls for b in boxes},
       "Python boxes blue to green, native red to orange, inlined paler, markers grey "
       "(%d Python, %d native, %d inlined, %d marker boxes)" %
       tuple(sum(1 for b in boxes if b.cls == c) for c in ("py", "nat", "inl", "mark")),
       "\n".join(wrong[:10]))
    inlined = [b for b in boxes if b.cls == "inl"]
    ok(all(b.label.endswith(" [inlined]") for b in inlined),
       "inlined frames are marked ' [inlined]' (%d boxes)" % len(inlined))


def check_flame(path, stats, python):
    try:
        root, boxes = load(path)
    except (ET.ParseError, AttributeError, TypeError) as e:
        ok(False, "the flame graph parses (xml.etree) with a title per box", e)
        return None
    if not ok(boxes and boxes[0].label == "all",
              "the flame graph parses; its first box is the root, all"):
        return None
    check_header(root, stats, python)
    check_numbers(root, boxes, stats)
    check_frames(boxes)
    return root, boxes


def check_icicle(path, stats):
    try:
        root, boxes = load(path)
    except (ET.ParseError, AttributeError, TypeError) as e:
        ok(False, "the icicle graph parses", e)
        return
    by_row = rows(boxes)
    leaves = by_row.get(1, [])
    samples = int(stats.get("samples", -1))
    ok(text_of(root, "title") == "Icicle graph" and
       root.find(".//%sg[@id='frames']" % SVG).get(FG + "reverse") == "1" and
       all(b.y > boxes[0].y for b in boxes[1:]),
       "--reverse: an icicle graph, the root at the top")
    # The leaves under 0.1% each are not drawn: they add up to a little.
    ok(boxes[0].w == samples and 0.9 * samples <= sum(b.w for b in leaves) <= samples and
       any(b.label.startswith("spin (") and b.cls == "py" for b in leaves) and
       not any(b.cls == "thr" for b in leaves) and any(b.cls == "thr" for b in boxes),
       "--reverse: the leaves under the root (spin among them), the threads last; the root "
       "holds the run's %d samples" % samples,
       "leaves: %s" % [(b.label, b.w) for b in leaves])
    check_tree(boxes, "icicle graph")


HOSTILE_NAME = "evil<&>\"'\x01\x7fname"
HOSTILE = """
import sys, time
def spin(until):
    while time.perf_counter() < until:
        pass
code = spin.__code__
fields = {"co_name": %r}
if hasattr(code, "co_qualname"):
    fields["co_qualname"] = %r
spin.__code__ = code.replace(**fields)
spin(time.perf_counter() + float(sys.argv[1]))
""" % (HOSTILE_NAME, HOSTILE_NAME)


def check_hostile(python):
    """A function and a file whose names are markup: the document stays
    well-formed, the text reads back as it was, controls replaced."""
    script = os.path.join(TMP, "a&b<c>'\"d.py")
    with open(script, "w") as f:
        f.write(HOSTILE)
    p, stats, path = record(python, "hostile", [], script=script, script_args=["1.0"])
    lint = xmllint(path)
    try:
        _, boxes = load(path)
    except (ET.ParseError, AttributeError, TypeError) as e:
        ok(False, "hostile names: the document parses", "%s\n%s" % (e, p.stderr))
        return
    # The controls are replaced on the way (by pysample's sanitizer as '?',
    # or by the writer as U+FFFD): never written as they are.
    wanted = re.compile(r"^evil<&>\"'[?\ufffd]{2}name \(%s:\d+\)$" % re.escape(short(script)))
    found = [b for b in boxes if wanted.match(b.label)]
    ok(found and lint in (None, ""),
       "hostile names (markup, quotes, controls) are escaped: xmllint and xml.etree read "
       "the name and file back, controls replaced",
       "xmllint: %s\nlabels: %s" % (lint, [b.label for b in boxes if "evil" in b.label]))


def xmllint(path):
    """xmllint's complaints ("" when none); None when there is no xmllint."""
    if not shutil.which("xmllint"):
        return None
    return subprocess.run(["xmllint", "--noout", path], capture_output=True, text=True).stderr


class Browser:
    """Headless Chromium driven through the DevTools protocol on a pipe
    (--remote-debugging-pipe: JSON messages ending in NUL, read on fd 3,
    written on fd 4), so no port, no websocket and no package is needed."""

    def __init__(self, width, height):
        to_chrome, self.wfd = os.pipe()
        self.rfd, from_chrome = os.pipe()

        def fds_3_and_4():
            a, b = os.dup(to_chrome), os.dup(from_chrome)  # never 3 or 4 themselves
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.log = open(os.path.join(TMP, "chromium.log"), "w")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", "--mute-audio", "--remote-debugging-pipe",
             "--user-data-dir=" + os.path.join(TMP, "chromium-profile"), "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, close_fds=False,
            preexec_fn=fds_3_and_4)
        os.close(to_chrome)
        os.close(from_chrome)
        self.buf, self.next_id, self.session, self.events = b"", 0, None, []
        self.prompt_answer = ""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target,
                                                           "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": False})
        self.call("Emulation.setFocusEmulationEnabled", {"enabled": True})

    def _read(self, deadline):
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.rfd], [], [], max(0, deadline - time.time()))
            if not ready:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed its pipe (see %s)" % self.log.name)
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def _event(self, msg):
        self.events.append(msg)
        if msg.get("method") == "Page.javascriptDialogOpening":
            self.send("Page.handleJavaScriptDialog", {"accept": True,
                                                      "promptText": self.prompt_answer})

    def send(self, method, params=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def call(self, method, params=None, timeout=30):
        want, deadline = self.send(method, params), time.time() + timeout
        while True:
            msg = self._read(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        while not any(e.get("method") == method for e in self.events):
            self._event(self._read(deadline))
        self.events = [e for e in self.events if e.get("method") != method]

    def open(self, path):
        self.call("Page.navigate", {"url": "file://" + path})
        self.wait_event("Page.loadEventFired")

    def js(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expression[:60], r["exceptionDetails"]))
        return r["result"].get("value")

    def mouse(self, kind, x, y):
        self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                               "clickCount": 1})

    def click(self, x, y):
        self.mouse("mouseMoved", x, y)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y)

    def key(self, key, code, keycode, modifiers=0):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code,
                                                 "windowsVirtualKeyCode": keycode,
                                                 "modifiers": modifiers})

    def screenshot(self, scale=1.0, height=None):
        params = {"format": "png"}
        if scale != 1.0:
            params["clip"] = {"x": 0, "y": 0, "width": 1200, "height": height, "scale": scale}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def close(self):
        try:
            self.session = None
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, EOFError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.wfd)
        os.close(self.rfd)
        self.log.close()


def png_pixels(data):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB(A) PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("PNG of depth %d, colour type %d" % (depth, ctype))
    bpp, raw = (3 if ctype == 2 else 4), zlib.decompress(idat)
    stride, prev, out = width * bpp, bytearray(width * bpp), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, out


BOXES_JS = """JSON.stringify(Array.prototype.map.call(document.querySelectorAll('#frames g'),
  function (g) { var r = g.querySelector('rect').getBoundingClientRect();
    return {t: g.querySelector('title').textContent, c: g.getAttribute('class'),
            x: r.x, y: r.y, w: r.width, h: r.height, text: g.querySelector('text').textContent,
            fill: getComputedStyle(g.querySelector('rect')).fill}; }))"""


def page_boxes(b):
    return [dict(d, label=TITLE.match(d["t"]).group(1)) for d in json.loads(b.js(BOXES_JS))]


def first(boxes, prefix):
    return next((d for d in boxes if d["label"].startswith(prefix)), None)


def visible_text(b, ident):
    return b.js("(function (e) { return e.getBoundingClientRect().width > 0 ? e.textContent : "
                "null; })(document.getElementById(%r))" % ident)


def check_render(b, path, boxes, height):
    b.open(path)
    shown = page_boxes(b)
    ok(len(shown) == len(boxes) and abs(shown[0]["w"] - FULL_WIDTH) < 0.6 and
       sum(1 for d in shown if d["text"]) > 10,
       "Chromium shows the %d boxes, the root %.1f px wide, %d of them with text"
       % (len(shown), shown[0]["w"] if shown else 0, sum(1 for d in shown if d["text"])))
    shot = os.path.join(TMP, "flamegraph.png")
    with open(shot, "wb") as f:
        f.write(b.screenshot())
    diag("screenshot of the flame graph: %s" % shot)
    _, _, pixels = png_pixels(b.screenshot(scale=0.25, height=height))
    hls = [colorsys.rgb_to_hls(*(v / 255.0 for v in px)) for row in pixels for px in row]
    # colorsys: (hue, lightness, saturation); the background is a pale yellow-grey.
    blue = sum(1 for h in hls if in_hue(h, 160, 220) and h[2] > 0.3 and 0.4 < h[1] < 0.8)
    warm = sum(1 for h in hls if in_hue(h, 0, 50) and h[2] > 0.6 and 0.45 < h[1] < 0.75)
    ok(blue > 0.03 * len(hls) and warm > 0.03 * len(hls),
       "the rendering (a quarter-size screenshot) is %.0f%% Python blue-green, %.0f%% native "
       "warm" % (100.0 * blue / len(hls), 100.0 * warm / len(hls)))
    return shown


def centre(d):
    return d["x"] + d["w"] / 2, d["y"] + d["h"] / 2


def depth(boxes, b):
    return int(round(abs(b.y - boxes[0].y) / 16))


def check_hover_and_zoom(b, shown, boxes):
    """Hovers and clicks the widest hot() box; the page's boxes are the
    file's, in the same order."""
    hots = [i for i, x in enumerate(boxes) if x.label.startswith("hot (" + short(BUSY))]
    if not ok(hots and len(shown) == len(boxes), "the page has a hot() box to point at"):
        return
    i = max(hots, key=lambda k: boxes[k].w)
    hot, d = boxes[i], depth(boxes, boxes[i])
    b.mouse("mouseMoved", *centre(shown[i]))
    details = b.js("document.getElementById('details').textContent")
    ok(details.startswith(hot.label) and ("{:,} samples, {:.2f}%".format(hot.w, hot.percent))
       in details, "hovering hot() shows its name, samples and share on the details line", details)
    b.click(*centre(shown[i]))
    after = page_boxes(b)
    callers = [k for k, x in enumerate(boxes) if depth(boxes, x) < d and x.contains(hot)]
    callees = [k for k, x in enumerate(boxes) if depth(boxes, x) > d and hot.contains(x)]
    rest = [k for k in range(len(boxes)) if k not in callers + callees + [i]]
    wrong = ["caller %r %.1f %s" % (boxes[k].label, after[k]["w"], after[k]["c"]) for k in callers
             if abs(after[k]["w"] - FULL_WIDTH) > 0.6 or "parent" not in after[k]["c"]]
    wrong += ["callee %r %.1f" % (boxes[k].label, after[k]["w"]) for k in callees
              if abs(after[k]["w"] - boxes[k].w / float(hot.w) * FULL_WIDTH) > 0.6]
    wrong += ["other %r %.1f" % (boxes[k].label, after[k]["w"]) for k in rest
              if after[k]["w"] or "hide" not in after[k]["c"]]
    cold = [k for k in rest if depth(boxes, boxes[k]) == d and boxes[k].label.startswith("cold (")
            and callers and boxes[callers[-1]].contains(boxes[k])]
    ok(abs(after[i]["w"] - FULL_WIDTH) < 0.6 and not wrong and cold and
       visible_text(b, "unzoom") == "Reset zoom",
       "a click on hot() zooms: it and its %d callers take the whole width, its %d callees "
       "widen with it, the other %d boxes (cold() among them) hide, 'Reset zoom' shows"
       % (len(callers), len(callees), len(rest)),
       "hot %.1f px\n%s" % (after[i]["w"], "\n".join(wrong[:10])))
    with open(os.path.join(TMP, "flamegraph-zoomed.png"), "wb") as f:
        f.write(b.screenshot())
    diag("screenshot zoomed into hot(): %s" % os.path.join(TMP, "flamegraph-zoomed.png"))
    reset = b.js("JSON.stringify(document.getElementById('unzoom').getBoundingClientRect())")
    r = json.loads(reset)
    b.click(r["x"] + r["width"] / 2, r["y"] + r["height"] / 2)
    again = page_boxes(b)
    moved = [(now["label"], now["w"], was["w"]) for now, was in zip(again, shown)
             if abs(now["w"] - was["w"]) > 0.15 or abs(now["x"] - was["x"]) > 0.15]
    ok(not moved and visible_text(b, "unzoom") is None,
       "'Reset zoom' puts every box back where it was and hides itself", moved[:5])


def matched_share(boxes, pattern):
    """The share of samples under a box matching pattern, each sample once."""
    spans = sorted((b.x, b.x + b.w) for b in boxes if re.search(pattern, b.label))
    total, end = 0, -1
    for start, stop in spans:
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return 100.0 * total / boxes[0].w, len(spans)


def check_search(b, boxes):
    b.prompt_answer = "^(cold|worker) "
    b.key("f", "KeyF", 70, modifiers=2)  # Ctrl-F: the page's prompt, answered by the dialog
    text = b.js("document.getElementById('matched').textContent")
    share, count = matched_share(boxes, b.prompt_answer)
    after = page_boxes(b)
    lit = [d["label"] for d in after if "match" in d["c"]]
    fills = {d["fill"] for d in after if "match" in d["c"]}
    ok(("%.1f%%" % share) in text and ("%d boxes" % count) in text and len(lit) == count and
       fills == {"rgb(226, 62, 226)"} and visible_text(b, "clear") == "Clear search",
       "Ctrl-F, a regular expression: %d boxes highlighted, the matched share %.1f%% shown "
       "(as computed from the file)" % (count, share), "%r; %s; %s" % (text, lit[:5], fills))
    b.key("Escape", "Escape", 27)
    after = page_boxes(b)
    ok(not any("match" in d["c"] for d in after) and
       b.js("document.getElementById('matched').textContent").strip() == "",
       "Escape clears the search")


def check_browser(path, boxes, height):
    if not os.path.exists(CHROMIUM):
        skip("the flame graph in a browser: rendering, hover, zoom, reset, search",
             "no %s: apt-get install chromium (or set CHROMIUM to a Chromium binary)" % CHROMIUM)
        return
    b = None
    try:
        b = Browser(1200, height)
        shown = check_render(b, path, boxes, height)
        check_hover_and_zoom(b, shown, boxes)
        check_search(b, boxes)
    except (RuntimeError, TimeoutError, EOFError, OSError, ValueError, KeyError) as e:
        ok(False, "Chromium renders the flame graph and answers", "%s: %s" % (type(e).__name__, e))
    finally:
        if b:
            b.close()


def main():
    label, python = pick_interpreter()
    if not python:
        skip("the SVG flame graph of a Python program",
             "no pyenv CPython 3.8+: install one (pyenv install 3.12)")
        done()
    diag("profiling %s with %s" % (BUSY, label))
    p, stats, path = record(python, "busy", [])
    ok(p.returncode == 0 and os.path.getsize(path) > 1000 and stats.get("samples", 0) > 500,
       "pysample -o busy.svg writes a flame graph of %d samples (%d bytes)"
       % (stats.get("samples", 0), os.path.getsize(path) if os.path.exists(path) else 0), p.stderr)
    lint = xmllint(path)
    if lint is None:
        skip("xmllint --noout finds the SVG well-formed", "apt-get install libxml2-utils")
    else:
        ok(lint == "", "xmllint --noout finds the SVG well-formed", lint)
    flame = check_flame(path, stats, python)

    p, rstats, rpath = record(python, "busy-reverse", ["--reverse"])
    ok(p.returncode == 0 and xmllint(rpath) in (None, ""), "--reverse writes a well-formed SVG",
       p.stderr)
    check_icicle(rpath, rstats)
    check_hostile(python)
    if flame:
        root, boxes = flame
        check_browser(path, boxes, int(root.get("height")))
    done()


if __name__ == "__main__":
    main()
