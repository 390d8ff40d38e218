"""The scripted fake server at the wire level: what tests and the demo rely on."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer

pytestmark = pytest.mark.timeout(60)

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello there"}], "stream": False}


def test_request_log_file_holds_every_request(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    with FakeLLMServer({"tps": 0, "default": "ok"}, request_log=log) as fake:
        httpx.get(f"{fake.url}/api/version")
        httpx.post(f"{fake.url}/api/chat", json=CHAT, headers={"X-Crewmux-Role": "cto", "X-Crewmux-Attempt": "2"})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["method"], e["path"]) for e in lines] == [("GET", "/api/version"), ("POST", "/api/chat")]
    assert lines[1]["body"] == CHAT and lines[1]["crewmux"]["role"] == "cto" and lines[1]["crewmux"]["attempt"] == "2"
    assert lines == fake.requests


def test_no_rule_and_no_default_is_a_500_naming_the_request() -> None:
    with FakeLLMServer({"rules": [{"role": "qa", "reply": "x"}]}) as fake:
        reply = httpx.post(f"{fake.url}/api/chat", json=CHAT, headers={"X-Crewmux-Role": "cto", "X-Crewmux-Task": "t9"})
    assert reply.status_code == 500 and "role='cto' task='t9'" in reply.json()["error"]


def test_root_version_and_unknown_paths() -> None:
    with FakeLLMServer({"default": "x"}) as fake:
        assert httpx.get(fake.url).text == "Ollama is running"
        assert "version" in httpx.get(f"{fake.url}/api/version").json()
        assert httpx.get(f"{fake.url}/nope").status_code == 404
        assert httpx.post(f"{fake.url}/api/chat", content=b"{not json").status_code == 400


def test_429_carries_retry_after_and_the_api_error_shape() -> None:
    with FakeLLMServer({"default": {"fault": "http_429", "retry_after": 2.5}}) as fake:
        ollama = httpx.post(f"{fake.url}/api/chat", json=CHAT)
        openai = httpx.post(f"{fake.url}/v1/chat/completions", json=CHAT)
        anthropic = httpx.post(f"{fake.url}/v1/messages", json=CHAT)
    assert ollama.status_code == openai.status_code == anthropic.status_code == 429
    assert ollama.headers["retry-after"] == "2.5"
    assert "error" in ollama.json() and openai.json()["error"]["type"] == "rate_limit_error"
    assert anthropic.json()["error"]["type"] == "rate_limit_error"


def test_truncated_stream_drops_the_connection() -> None:
    with FakeLLMServer({"tps": 0, "default": {"reply": "a" * 80, "fault": "truncated", "fault_after_tokens": 5}}) as fake:
        got = b""
        with pytest.raises(httpx.RemoteProtocolError):
            with httpx.stream("POST", f"{fake.url}/api/chat", json={**CHAT, "stream": True}) as reply:
                for data in reply.iter_bytes():
                    got += data
    assert got.count(b"\n") == 5 and b'"done": true' not in got


def test_hang_ends_when_the_server_stops() -> None:
    fake = FakeLLMServer({"default": {"fault": "hang"}})
    fake.start()
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(httpx.post(f"{fake.url}/api/chat", json=CHAT, timeout=30))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.3)
    assert outcome == []  # still hanging
    start = time.monotonic()
    fake.stop()
    thread.join(timeout=10)
    assert time.monotonic() - start < 3 and outcome and isinstance(outcome[0], httpx.HTTPError)


def test_concurrency_limit_queues_requests() -> None:
    with FakeLLMServer({"tps": 40, "ttft": 0, "default": "b" * 40}, concurrency=1) as fake:  # 10 tokens = 0.25 s
        finished: list[float] = []
        start = time.monotonic()

        def call() -> None:
            httpx.post(f"{fake.url}/api/chat", json=CHAT, timeout=30)
            finished.append(time.monotonic() - start)

        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(finished)[-1] >= 0.7  # three replies one after the other, not side by side


def test_eval_stats_match_the_scripted_speed() -> None:
    with FakeLLMServer({"tps": 80, "ttft": 0.1, "default": "c" * 4 * 40}) as fake:
        body = httpx.post(f"{fake.url}/api/chat", json=CHAT, timeout=30).json()
    assert body["eval_count"] == 40 and body["prompt_eval_count"] == 3  # "hello there" = 11 chars
    assert body["eval_count"] / body["eval_duration"] * 1e9 == pytest.approx(80, rel=0.1)
    assert body["prompt_eval_duration"] / 1e9 == pytest.approx(0.1, abs=0.05)


def test_num_predict_cuts_the_reply() -> None:
    with FakeLLMServer({"tps": 0, "default": "d" * 100}) as fake:
        body = httpx.post(f"{fake.url}/api/chat", json={**CHAT, "options": {"num_predict": 3}}).json()
        openai = httpx.post(f"{fake.url}/v1/chat/completions", json={**CHAT, "max_tokens": 2}).json()
    assert body["message"]["content"] == "d" * 12 and body["done_reason"] == "length" and body["eval_count"] == 3
    assert openai["choices"][0]["finish_reason"] == "length" and openai["usage"]["completion_tokens"] == 2


def test_per_rule_pacing_overrides_the_script() -> None:
    with FakeLLMServer({"tps": 5, "ttft": 2, "rules": [{"role": "qa", "tps": 0, "ttft": 0, "reply": "fast"}], "default": "slow"}) as fake:
        start = time.monotonic()
        assert httpx.post(f"{fake.url}/api/chat", json=CHAT, headers={"X-Crewmux-Role": "qa"}).json()["message"]["content"] == "fast"
    assert time.monotonic() - start < 1


@pytest.mark.parametrize("after", [0, 3, 20, 99])
def test_midstream_fault_comes_before_the_end_marker(after: int) -> None:
    script = {"tps": 0, "ttft": 0, "default": {"reply": "e" * 80, "fault": "midstream_error", "fault_after_tokens": after}}
    with FakeLLMServer(script) as fake:
        lines = [json.loads(line) for line in httpx.post(f"{fake.url}/api/chat", json={**CHAT, "stream": True}).text.splitlines()]
    assert "error" in lines[-1] and not any(line.get("done") for line in lines)
    assert len(lines) - 1 == min(after, 20)
