"""A program that hangs, for `pysample dump` (of it, or of a core of it):
two worker threads each hold one lock and wait for the other's, while the
main thread waits for both to finish.  Runs until killed."""
import threading

accounts_lock = threading.Lock()
ledger_lock = threading.Lock()
both_holding = threading.Barrier(2)


def transfer():
    with accounts_lock:
        both_holding.wait()
        with ledger_lock:  # held by audit(), forever
            pass


def audit():
    with ledger_lock:
        both_holding.wait()
        with accounts_lock:  # held by transfer(), forever
            pass


workers = [threading.Thread(target=transfer, name="transfer"),
           threading.Thread(target=audit, name="audit")]
for w in workers:
    w.start()
for w in workers:
    w.join()
