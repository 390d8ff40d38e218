"""The mailbox transport inside one process: delivery, claiming, recovery, bad input."""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from crewmux.protocol.mailbox import Claimed, Mailbox, MailboxError, deliver, ensure_mailbox
from crewmux.protocol.messages import Steer, dump_message
from crewmux.protocol.wakeup import Wakeup

RUN = "run-1"


def steer(text: str, recipient: str = "coder-1", run_id: str = RUN) -> Steer:
    return Steer(run_id=run_id, sender="dashboard", recipient=recipient, text=text)


@contextmanager
def serving(box: Mailbox, handle, interval: float = 30):
    """A reader thread on ``box`` whose timer is too slow to matter; stopped on exit."""
    stop = threading.Event()
    wakeup = Wakeup([box.path / "new"], interval=interval)
    thread = threading.Thread(target=box.serve, args=(handle, stop), kwargs={"wakeup": wakeup})
    thread.start()
    try:
        yield
    finally:
        stop.set()
        wakeup.poke()
        thread.join(5)
        wakeup.close()
    assert not thread.is_alive(), "the reader did not stop"


@pytest.fixture
def mail_root(tmp_path: Path) -> Path:
    ensure_mailbox(tmp_path / "mail" / "coder-1")
    return tmp_path / "mail"


def test_deliver_leaves_one_complete_file_in_new(mail_root: Path) -> None:
    message = steer("hello")
    path = deliver(mail_root, message)
    assert path.parent == mail_root / "coder-1" / "new"
    assert json.loads(path.read_text())["text"] == "hello"
    assert os.listdir(mail_root / "coder-1" / "tmp") == []


def test_deliver_to_unknown_agent_says_what_to_check(mail_root: Path) -> None:
    with pytest.raises(MailboxError, match="no mailbox for 'coder-9'"):
        deliver(mail_root, steer("x", recipient="coder-9"))


def test_claims_in_send_order_and_only_one_reader_wins(mail_root: Path) -> None:
    sent = [deliver(mail_root, steer(f"m{i}")) for i in range(20)]
    a = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN, reader="a")
    b = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN, reader="b")
    got_a = [c.message.text for c in a.claim_new()]
    got_b = [c.message.text for c in b.claim_new()]
    assert got_a == [f"m{i}" for i in range(20)]
    assert got_b == []
    assert len(sent) == len(os.listdir(mail_root / "coder-1" / "cur" / "a"))


def test_a_restarted_reader_gets_back_what_it_claimed_but_did_not_finish(mail_root: Path) -> None:
    for i in range(3):
        deliver(mail_root, steer(f"m{i}"))
    first = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN, reader="main")
    claimed = list(first.claim_new())
    first.done(claimed[0])  # finished one, then "crashed"
    again = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN, reader="main")
    assert [c.message.text for c in again.recover()] == ["m1", "m2"]
    # Another reader name does not steal them.
    other = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN, reader="other")
    assert list(other.recover()) == []


def test_a_message_already_done_is_never_handed_over_again(mail_root: Path) -> None:
    message = steer("once")
    deliver(mail_root, message)
    box = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN)
    box.done(next(box.claim_new()))
    (mail_root / "coder-1" / "new" / f"{message.id}.json").write_bytes(dump_message(message))
    assert list(box.claim_new()) == []
    assert os.listdir(mail_root / "coder-1" / "new") == []


def test_a_handler_that_raises_sends_the_message_to_failed_and_the_reader_goes_on(mail_root: Path) -> None:
    box = Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN)
    seen: list[str] = []

    def handle(claimed: Claimed) -> None:
        if claimed.message.text == "boom":
            raise RuntimeError("handler bug")
        seen.append(claimed.message.text)

    for text in ("a", "boom", "b"):
        deliver(mail_root, steer(text))
    for claimed in box.claim_new():
        box.dispatch(claimed, handle)
    assert seen == ["a", "b"]
    errors = [p.read_text() for p in (mail_root / "coder-1" / "failed").glob("*.err")]
    assert len(errors) == 1 and "RuntimeError: handler bug" in errors[0]


def test_serve_wakes_on_delivery_without_waiting_for_the_timer(mail_root: Path) -> None:
    got = threading.Event()
    with serving(Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN), lambda c: got.set()):
        time.sleep(0.2)
        deliver(mail_root, steer("ping"))
        # The timer is 30 s: only a file event can wake the reader this fast.
        assert got.wait(5), "reader did not wake on the file event"


def _malformed_files(box: Path, n: int) -> list[tuple[str, str]]:
    """Write one bad file of kind ``n % 11`` into tmp/; return (name, expected reason).

    The caller renames it into new/, as a maildir sender would: the content is bad, the
    delivery is not (a file written in place in new/ can be read half-written).
    """
    kind = n % 11
    name = f"bad-{n:04d}.json"
    path = box / "tmp" / name
    good = json.loads(dump_message(steer("fine")))
    if kind == 0:
        path.write_text("{not json")
        return [(name, "does not match the message schema")]
    if kind == 1:
        path.write_text(json.dumps({**good, "text": 42}))
        return [(name, "does not match the message schema")]
    if kind == 2:
        path.write_text(json.dumps({**good, "type": "launch_missiles"}))
        return [(name, "does not match the message schema")]
    if kind == 3:
        path.write_text(json.dumps({**good, "text": "x" * 1_100_000}))
        return [(name, "over the")]
    if kind == 4:
        path.write_bytes(b"\x00\x01\x02binary\xff" * 10)
        return [(name, "binary")]
    if kind == 5:
        target = box.parent.parent / "outside-secret.txt"
        target.write_text("secret")
        path.symlink_to(target)
        return [(name, "symbolic link")]
    if kind == 6:
        path.mkdir()
        return [(name, "directory")]
    if kind == 7:
        path.write_text(json.dumps({**good, "recipient": "qa"}))
        return [(name, "addressed to 'qa'")]
    if kind == 8:
        path.write_text(json.dumps({**good, "run_id": "another-run"}))
        return [(name, "belongs to run 'another-run'")]
    if kind == 9:
        path.write_bytes(b"")
        return [(name, "is empty")]
    path.write_bytes(b'{"text": "caf\xe9"}')
    return [(name, "not UTF-8")]


@pytest.mark.timeout(120)
def test_500_malformed_files_in_a_live_mailbox_all_fail_and_valid_mail_still_arrives(mail_root: Path) -> None:
    box_path = mail_root / "coder-1"
    box = Mailbox(box_path, owner="coder-1", run_id=RUN)
    handled: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=box.serve, args=(lambda c: handled.append(c.message.text), stop), kwargs={"interval": 0.2})
    thread.start()
    expected: dict[str, str] = {}
    valid = []
    try:
        for n in range(500):
            for name, reason in _malformed_files(box_path, n):
                expected[name] = reason
                os.rename(box_path / "tmp" / name, box_path / "new" / name)
            if n % 10 == 0:
                message = steer(f"valid-{n}")
                deliver(mail_root, message)
                valid.append(message.text)
        deadline = time.monotonic() + 60
        while (len(handled) < len(valid) or box.rejected < 500) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the reader must keep running and stop cleanly"
    assert sorted(handled) == sorted(valid)
    failed = box_path / "failed"
    for name, reason in expected.items():
        err = failed / f"{name}.err"
        assert err.is_file(), f"{name} has no .err"
        assert reason in err.read_text(), (name, err.read_text())
        assert (failed / name).exists() or (failed / name).is_symlink()
    assert box.rejected == 500
    assert os.listdir(box_path / "new") == []
    # The symlink's target outside the mailbox was neither read into a message nor moved.
    assert (mail_root.parent / "outside-secret.txt").read_text() == "secret"


def test_serve_takes_what_was_waiting_before_it_started(mail_root: Path) -> None:
    """Start-up rescans new/: mail sent while no reader ran is not left for the timer."""
    deliver(mail_root, steer("early"))
    got = threading.Event()
    with serving(Mailbox(mail_root / "coder-1", owner="coder-1", run_id=RUN), lambda c: got.set()):
        assert got.wait(5)
