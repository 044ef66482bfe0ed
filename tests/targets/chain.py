# A known call chain: <module> -> a -> b -> c, spinning in c for argv[1]
# seconds.  Exits with status argv[2]; echoes one line of stdin with --echo.
import os
import sys
import time


def c(deadline):
    x = 0
    while time.perf_counter() < deadline:
        for i in range(1000):
            x += i
    return x


def b(deadline):
    return c(deadline)


def a(deadline):
    return b(deadline)


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    line = sys.stdin.readline() if "--echo" in sys.argv else ""
    print("ready", os.getpid(), flush=True)
    a(time.perf_counter() + seconds)
    print("echo:" + line.strip(), flush=True)
    print("finished", flush=True)
    sys.exit(status)
