"""Episodes: every attempt of every bench task and team run (prompt, reply, check output,
outcome) in one SQLite store, and the failed-then-fixed pairs fine-tuning wants.

The store lives in the user's data directory (``$CREWMUX_DATA_DIR``, else
``$XDG_DATA_HOME/crewmux``, else ``~/.local/share/crewmux``) unless a path is given.
Team runs are read after the fact from their run directory (llm/*.jsonl + report.json).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,          -- bench | run
    grp TEXT NOT NULL,             -- one task's attempts in one bench run or team run
    task TEXT NOT NULL,
    model TEXT NOT NULL,
    mode TEXT NOT NULL,            -- single | team
    attempt INTEGER NOT NULL,
    prompt TEXT NOT NULL,          -- JSON list of {role, content}
    reply TEXT NOT NULL,
    check_output TEXT NOT NULL,
    outcome TEXT NOT NULL,         -- pass | fail | malformed | infrastructure
    failure TEXT,                  -- syntax | test_failure | timeout | malformed | infrastructure
    created REAL NOT NULL,
    UNIQUE (grp, attempt, reply)
);
"""


@dataclass
class Episode:
    source: str
    group: str
    task: str
    model: str
    mode: str
    attempt: int
    prompt: list[dict[str, str]]
    reply: str
    check_output: str = ""
    outcome: str = "fail"
    failure: str | None = None
    created: float = field(default_factory=time.time)


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("CREWMUX_DATA_DIR"):
        return Path(env["CREWMUX_DATA_DIR"]) / "episodes.sqlite"
    base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else Path.home() / ".local" / "share"
    return base / "crewmux" / "episodes.sqlite"


class EpisodeStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.executescript(SCHEMA)
        os.chmod(self.path, 0o600)  # prompts and replies are the user's

    def add(self, episodes: Iterable[Episode]) -> int:
        """Store episodes; one already there (same group, attempt and reply) is kept once."""
        rows = [(e.source, e.group, e.task, e.model, e.mode, e.attempt, json.dumps(e.prompt), e.reply, e.check_output,
                 e.outcome, e.failure, e.created) for e in episodes]
        with self._db:
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO episodes (source, grp, task, model, mode, attempt, prompt, reply, check_output, "
                "outcome, failure, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            return self._db.total_changes - before

    def all(self) -> list[Episode]:
        cur = self._db.execute("SELECT source, grp, task, model, mode, attempt, prompt, reply, check_output, outcome, "
                               "failure, created FROM episodes ORDER BY grp, attempt, id")
        return [Episode(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9], r[10], r[11]) for r in cur]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "EpisodeStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sft_pairs(episodes: list[Episode]) -> list[dict[str, Any]]:
    """Failed-then-fixed pairs: an attempt that failed on the model's account, then the next
    attempt of the same group that passed. The fixed attempt's prompt (which carries the
    failure's feedback) and reply are the training example; the failed one rides along."""
    groups: dict[str, list[Episode]] = {}
    for e in episodes:
        groups.setdefault(e.group, []).append(e)
    pairs = []
    for group in groups.values():
        group.sort(key=lambda e: (e.attempt, e.created))
        for before, after in zip(group, group[1:]):
            if before.outcome in ("fail", "malformed") and after.outcome == "pass":
                pairs.append({
                    "messages": [*after.prompt, {"role": "assistant", "content": after.reply}],
                    "task": after.task, "model": after.model, "mode": after.mode, "source": after.source,
                    "failed": {"reply": before.reply, "check_output": before.check_output, "failure": before.failure},
                })
    return pairs


def export_jsonl(path: Path, rows: list[dict[str, Any]]) -> int:
    with open(path, "w") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


# --- team runs ----------------------------------------------------------------------------

_VERDICT_OUTCOME = {"pass": "pass", "fail": "fail", "error": "fail", "reverted": "fail", "conflict": "fail"}


def episodes_from_run(run_dir: Path, model: str = "", *, group_prefix: str = "run") -> list[Episode]:
    """The coder's replies of a finished team run, one episode per reply. The last reply of
    an attempt carries the attempt's verdict and QA's findings; the replies before it in the
    same attempt were sent back by the coder's own syntax check."""
    run_dir = Path(run_dir)
    report_path = run_dir / "report.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {"tasks": []}
    verdicts = {(t["id"], h["attempt"]): h for t in report.get("tasks", []) for h in t.get("history", [])}
    calls: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for log in sorted((run_dir / "llm").glob("*.jsonl")):
        for line in log.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            meta = record.get("meta") or {}
            if meta.get("role") != "coder" or "reply" not in record or not meta.get("task"):
                continue
            calls.setdefault((meta["task"], int(meta.get("attempt") or 0)), []).append(record)
    episodes = []
    for (task, attempt), records in sorted(calls.items()):
        records.sort(key=lambda r: r.get("time", ""))
        history = verdicts.get((task, attempt), {})
        for i, record in enumerate(records):
            last = i == len(records) - 1
            verdict = history.get("verdict") if last else "fail"
            outcome = _VERDICT_OUTCOME.get(verdict or "", "fail")
            episodes.append(Episode(
                source="run", group=f"{group_prefix}:{run_dir.name}:{task}", task=task,
                model=model or record.get("model", ""), mode="team", attempt=attempt * 100 + i,
                prompt=record["request"]["messages"], reply=record["reply"],
                check_output=(history.get("findings", "") if last else "sent back by the coder's syntax check"),
                outcome=outcome, failure=None if outcome == "pass" else ("test_failure" if last else "syntax"),
                created=time.time(),
            ))
    return episodes


def as_dict(e: Episode) -> dict[str, Any]:
    return asdict(e)
