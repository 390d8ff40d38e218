"""Writer and reader processes for the multi-process mailbox tests and bench.

Run as a script (not imported by pytest):
  python mailbox_worker.py writer MAIL_ROOT RUN_ID RECIPIENT TAG COUNT [TIMES_FILE]
  python mailbox_worker.py reader MAILBOX RUN_ID OWNER READER LEDGER [TIMES_FILE]

The reader is idempotent by message id the way an agent is: its effect (one line in its
ledger, written with a single O_APPEND write) is skipped for an id the ledger already holds,
so a message re-delivered after a crash is never applied twice.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from crewmux.protocol.mailbox import Mailbox, deliver
from crewmux.protocol.messages import Steer


def writer(mail_root: str, run_id: str, recipient: str, tag: str, count: str, times_file: str = "") -> None:
    times = open(times_file, "a") if times_file else None
    for i in range(int(count)):
        message = Steer(run_id=run_id, sender="dashboard", recipient=recipient, text=f"{tag}-{i}")
        deliver(Path(mail_root), message)
        if times:
            times.write(f"{message.id} {time.monotonic_ns()}\n")
    if times:
        times.close()


def reader(mailbox: str, run_id: str, owner: str, name: str, ledger_path: str, times_file: str = "") -> None:
    ledger = Path(ledger_path)
    seen = set(ledger.read_text().split()) if ledger.exists() else set()
    fd = os.open(ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    times = open(times_file, "a", buffering=1) if times_file else None
    redelivered = 0

    def handle(claimed) -> None:
        nonlocal redelivered
        if times:
            times.write(f"{claimed.message.id} {time.monotonic_ns()}\n")
        if claimed.message.id in seen:
            redelivered += 1
            return
        os.write(fd, f"{claimed.message.id}\n".encode())
        seen.add(claimed.message.id)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    box = Mailbox(Path(mailbox), owner=owner, run_id=run_id, reader=name)
    box.serve(handle, stop, interval=0.5)
    print(f"redelivered={redelivered} rejected={box.rejected}", flush=True)


if __name__ == "__main__":
    role, *rest = sys.argv[1:]
    {"writer": writer, "reader": reader}[role](*rest)
