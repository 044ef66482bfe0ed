# The function whose line tables tests/unit/test_linetable.c decodes.  Run it
# under each interpreter to regenerate the vectors there.
import sys, dis
def f(a):
    x = a + 1
    if x > 3:
        y = [i for i in range(x)]
    else:
        y = None

    return (x,
            y)
c = f.__code__
print("table", (c.co_linetable if sys.version_info >= (3, 10) else c.co_lnotab).hex())
print("firstlineno", c.co_firstlineno)
if sys.version_info >= (3, 10):
    print("pairs", [(s, l) for s, e, l in c.co_lines()])
else:
    print("pairs", list(dis.findlinestarts(c)))
