"""Many writer processes, two competing readers, one killed with SIGKILL mid-stream."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from crewmux.protocol.mailbox import ensure_mailbox

WORKER = Path(__file__).with_name("mailbox_worker.py")
WRITERS = 8
PER_WRITER = 2000
RUN = "run-mp"


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, text=True)


def _count(directory: Path) -> int:
    return len(os.listdir(directory))


@pytest.mark.timeout(300)
def test_every_message_handled_once_despite_a_killed_reader(tmp_path: Path) -> None:
    mail_root = tmp_path / "mail"
    box = ensure_mailbox(mail_root / "coder-1")
    ledgers = {name: tmp_path / f"{name}.ledger" for name in ("r1", "r2")}
    readers = {name: _start("reader", str(box), RUN, "coder-1", name, str(ledgers[name])) for name in ledgers}
    writers = [
        _start("writer", str(mail_root), RUN, "coder-1", f"w{k}", str(PER_WRITER)) for k in range(WRITERS)
    ]
    total = WRITERS * PER_WRITER
    killed_at = None
    try:
        # SIGKILL r1 once a quarter of the messages are handled, while writers still write.
        deadline = time.monotonic() + 120
        while _count(box / "done") < total // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        killed_at = _count(box / "done")
        readers["r1"].send_signal(signal.SIGKILL)
        readers["r1"].wait()
        time.sleep(0.3)
        readers["r1"] = _start("reader", str(box), RUN, "coder-1", "r1", str(ledgers["r1"]))
        for w in writers:
            assert w.wait(timeout=180) == 0
        deadline = time.monotonic() + 120
        while _count(box / "done") < total and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        for process in [*readers.values(), *writers]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        outputs = {name: p.communicate(timeout=20)[0] for name, p in readers.items()}

    assert killed_at is not None and killed_at < total, "the kill must land mid-stream"
    handled = Counter()
    for ledger in ledgers.values():
        handled.update(ledger.read_text().split())
    sent_texts = {f"w{k}-{i}" for k in range(WRITERS) for i in range(PER_WRITER)}
    assert len(handled) == total, f"{total - len(handled)} messages never handled"
    assert max(handled.values()) == 1, [i for i, n in handled.items() if n > 1][:5]
    assert _count(box / "done") == total
    assert _count(box / "new") == 0
    assert all(_count(d) == 0 for d in (box / "cur").iterdir()), "claimed files left behind"
    assert _count(box / "failed") == 0
    # Both readers did real work (they compete for one mailbox).
    ledger_sizes = {name: len(ledger.read_text().split()) for name, ledger in ledgers.items()}
    assert all(size > 0 for size in ledger_sizes.values()), ledger_sizes
    assert "rejected=0" in outputs["r2"]
    # Every text arrived intact: read the handled files back.
    import json

    texts = {json.loads(p.read_text())["text"] for p in (box / "done").iterdir()}
    assert texts == sent_texts
