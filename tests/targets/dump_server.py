# SPDX-License-Identifier: GPL-2.0-or-later
"""An idle server for `pysample dump`: one thread blocked in accept() on a
listening socket nobody connects to.  Prints READY <its native thread id>
once it is about to accept; the main thread then waits forever."""
import socket
import threading


def accept_loop(sock, started):
    started.set()
    while True:
        conn, _ = sock.accept()
        conn.close()


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    started = threading.Event()
    ids = []
    t = threading.Thread(target=lambda: (ids.append(threading.get_native_id()),
                                         accept_loop(sock, started)), daemon=True)
    t.start()
    started.wait()
    print("READY %d" % ids[0], flush=True)
    threading.Event().wait()


main()
