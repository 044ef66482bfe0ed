# A WSGI application whose requests burn CPU in a known function, for
# gunicorn's worker processes: handle() <- burn().
import os


def burn(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def handle():
    return burn(200000)


def app(environ, start_response):
    handle()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%d\n" % os.getpid()).encode()]
