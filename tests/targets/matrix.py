# Python stacks of many shapes, each spinning for argv[1] seconds on one
# line, after printing (as JSON) the stack it records of itself from
# sys._getframe(): function (co_qualname where it exists), file and line
# for every frame, root first.  tests/integration/test_matrix.py compares
# pysample's stacks with these.
import asyncio
import json
import sys
import threading
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
out_lock = threading.Lock()


def own_stack():
    frames = []
    f = sys._getframe(2)  # the caller of spin()
    while f is not None:
        code = f.f_code
        frames.append([getattr(code, "co_qualname", code.co_name), code.co_filename, f.f_lineno])
        f = f.f_back
    return frames[::-1]


def spin(scenario):
    stack = own_stack()
    # Its own CPU time, not the clock's: a busy machine must not leave a
    # scenario a handful of samples (2 in a CI run).
    end = time.thread_time() + SECONDS
    here = sys._getframe().f_lineno + 3  # the line of the loop below
    stack.append([getattr(spin.__code__, "co_qualname", "spin"), __file__, here])
    report(scenario, stack)
    while time.thread_time() < end: pass  # noqa: E701  (one line: one line number)


def report(scenario, stack):
    with out_lock:
        sys.stdout.write(json.dumps({"scenario": scenario, "tid": threading.get_native_id(),
                                     "stack": stack}) + "\n")
        sys.stdout.flush()


def recurse(n):
    if n == 0:
        return spin("recursion")
    return recurse(n - 1)


def deep(n):
    if n == 0:
        return spin("deep recursion")
    return deep(n - 1)


def alternate(n):
    # The same code object at two call sites in turn: each level's line
    # differs from the one below it.
    if n == 0:
        return spin("alternating recursion")
    if n % 2:
        return alternate(n - 1)
    return alternate(n - 1)


def generator():
    yield spin("generator")


def consume_generator():
    for _ in generator():
        pass


async def coroutine_leaf():
    spin("coroutine")


async def coroutine_main():
    await coroutine_leaf()


class Klass:
    def method(self):
        spin("method")

    @classmethod
    def klassmethod(cls):
        spin("classmethod")

    @staticmethod
    def static():
        spin("staticmethod")


def nested_outer():
    def nested_inner():
        spin("nested")
    nested_inner()


def threaded():
    spin("thread")


def main():
    sys.setrecursionlimit(5000)
    recurse(10)
    deep(600)
    alternate(300)
    consume_generator()
    asyncio.run(coroutine_main())
    Klass().method()
    Klass.klassmethod()
    Klass.static()
    (lambda: spin("lambda"))()
    nested_outer()
    t = threading.Thread(target=threaded)
    t.start()
    t.join()


main()
