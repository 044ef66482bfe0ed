# Locals for `pysample dump --locals` to read: three threads, each parked in
# a function with known arguments and locals, each printing what the dump
# must show for them (by the rules pysample(1) states: repr() for simple
# values, cut after a bound; type and length for containers; type and
# address for the rest) as one JSON line, then "ready".
import json
import sys
import threading
import time

STR_SHOWN, BYTES_SHOWN, LINE = 64, 48, 191
INT_DIGITS_MAX = 128  # 30-bit digits


def expect(v):
    t = type(v)
    if v is None or t is bool or t is float:
        return repr(v)
    if t is int:
        ndigits = (abs(v).bit_length() + 29) // 30
        if ndigits > INT_DIGITS_MAX:
            return "<int of about %d digits>" % (ndigits * 903 // 100)
        digits = str(abs(v))
        sign = "-" if v < 0 else ""
        if len(sign) + len(digits) < LINE:
            return sign + digits
        return sign + digits[:40] + "... (%d digits)" % len(digits)
    if t is str:
        return repr(v) if len(v) <= STR_SHOWN else repr(v[:STR_SHOWN]) + "... (%d chars)" % len(v)
    if t is bytes:
        return repr(v) if len(v) <= BYTES_SHOWN else \
            repr(v[:BYTES_SHOWN]) + "... (%d bytes)" % len(v)
    if t in (tuple, list, dict, set, frozenset):
        return "<%s, len %d>" % (t.__name__, len(v))
    return "<%s object at %#x>" % (t.__name__, id(v))


def report(function, variables):
    line = {"function": function, "tid": threading.get_native_id(),
            "thread_name": threading.current_thread().name,
            "expected": {k: expect(v) for k, v in variables.items()}}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


class Thing:
    pass


def worker(count, started, *, label="w"):
    words = ["é", "日本語", "🐍"] * count
    table = {i: str(i) for i in range(100000)}  # huge: shown by its length only
    quotes = "it's"
    raw = b"it's \x00\x7f\xff" * 20
    thing = Thing()
    report("worker", locals())
    started.set()
    time.sleep(3600)


# More locals than a dump shows (64): the frame says how many it has.
exec("def crowded(ready):\n" + "".join("    v%d = %d\n" % (i, i) for i in range(70)) +
     "    report('crowded', locals())\n    ready.set()\n    time.sleep(3600)\n")


def inner(a, b, *args, flag=None, **kw):
    nothing = None
    yes, no = True, False
    small, negative, zero = 7, -12345, 0
    big = 2 ** 200
    long_decimal = -(10 ** 400 + 7)  # over a line: cut, with its length
    huge = 3 ** 5000  # beyond the digits converted: its size only
    tenth, large, tiny, minus_zero = 0.1, 1e300, 1.5e-05, -0.0
    # Where repr() switches to an exponent, shortest round trips, extremes.
    e15, e16, third, denormal = 1e15, 1e16, 1 / 3, 5e-324
    e_4, e_5, odd, infinite, not_a_number = 0.0001, -1.5e-05, 123456789.125, float("-inf"), \
        float("nan")
    text = "héllo ☃ 日本 🐍 \n\t\x01 'q\""
    long_text = "ü" * 1000
    data = b"\x00ab\xff"
    items = list(range(1000000))
    pair = (1, "two")
    unique = {1, 2, 3}
    frozen = frozenset()
    subclassed = Thing()

    def closure():
        return a  # makes `a` a cell variable

    report("inner", locals())
    started = threading.Event()
    t = threading.Thread(target=worker, args=(2, started), daemon=True, name="wörker ☃ 1")
    t.start()
    started.wait()
    crowded_ready = threading.Event()
    threading.Thread(target=crowded, args=(crowded_ready,), daemon=True).start()
    crowded_ready.wait()
    print("ready", flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    inner(1, "two", 3, flag="F", k=5)
