"""The LLM package's pure parts, tested directly: decoders, JSON extraction, retry
decisions, endpoint choice, script matching, URL normalisation."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import BaseModel

from crewmux.agents.llm.client import prompt_was_cut
from crewmux.agents.llm.endpoints import EndpointPool
from crewmux.agents.llm.errors import Fault, describe_failure
from crewmux.agents.llm.fake_script import RequestInfo, RuleBook, ScriptError, load_script, parse_script
from crewmux.agents.llm.jsonreply import ReplyInvalid, extract_json, parse_structured, repair_message, schema_instruction
from crewmux.agents.llm.retry import RetryPolicy, parse_retry_after, retry_delay
from crewmux.agents.llm.streams import NDJSONDecoder, SSEDecoder, WireError
from crewmux.agents.llm.tokens import estimate_tokens, split_tokens
from crewmux.config import Config, ConfigError, ModelConfig, load_config, model_api_key, model_endpoints, normalize_base_url


# -- NDJSON / SSE -----------------------------------------------------------------------


def test_ndjson_reassembles_lines_split_anywhere() -> None:
    data = b'{"a": 1}\n{"b": "x\\ny"}\n\n{"c": 3}'
    for cut in range(1, len(data)):
        decoder = NDJSONDecoder()
        records = decoder.feed(data[:cut]) + decoder.feed(data[cut:]) + decoder.close()
        assert records == [{"a": 1}, {"b": "x\ny"}, {"c": 3}], cut


def test_ndjson_garbage_is_a_wire_error() -> None:
    decoder = NDJSONDecoder()
    with pytest.raises(WireError):
        decoder.feed(b'{"a": 1}\n\x00\xff<html>\n')
    with pytest.raises(WireError):
        NDJSONDecoder().feed(b"[1, 2]\n")


def test_sse_events_split_anywhere_with_comments_and_crlf() -> None:
    data = b": keep-alive\r\nevent: message_start\r\ndata: {\"x\": 1}\r\n\r\ndata: line1\ndata: line2\n\nid: 7\ndata: [DONE]\n\n"
    for cut in range(1, len(data)):
        decoder = SSEDecoder()
        events = decoder.feed(data[:cut]) + decoder.feed(data[cut:]) + decoder.close()
        assert [(e.event, e.data) for e in events] == [
            ("message_start", '{"x": 1}'),
            ("message", "line1\nline2"),
            ("message", "[DONE]"),
        ], cut


def test_sse_event_without_trailing_blank_line_is_dispatched_on_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: {\"a\": 1}") == []
    assert [e.data for e in decoder.close()] == ['{"a": 1}']


def test_sse_garbage_is_a_wire_error() -> None:
    with pytest.raises(WireError):
        SSEDecoder().feed(b"<html>bad gateway</html>\n")
    with pytest.raises(WireError):
        SSEDecoder().feed(b"data: \xff\xfe\n")


# -- structured replies -----------------------------------------------------------------


class Verdict(BaseModel):
    verdict: str
    score: int


@pytest.mark.parametrize(
    "text",
    [
        '{"verdict": "pass", "score": 3}',
        '  \n{"verdict": "pass", "score": 3}\n',
        'Here you go:\n```json\n{"verdict": "pass", "score": 3}\n```\nDone.',
        'Sure:\n```\n{"verdict": "pass", "score": 3}\n```',
        'The answer is {"verdict": "pass", "score": 3} as requested.',
    ],
)
def test_structured_reply_found_in_common_wrappings(text: str) -> None:
    assert parse_structured(text, Verdict) == Verdict(verdict="pass", score=3)


def test_fence_with_code_before_json_block_picks_the_json() -> None:
    text = "```python\nprint(1)\n```\nand\n```json\n{\"verdict\": \"fail\", \"score\": 0}\n```"
    assert extract_json(text) == '{"verdict": "fail", "score": 0}'


def test_invalid_json_and_schema_violations_say_what_is_wrong() -> None:
    with pytest.raises(ReplyInvalid, match="not valid JSON"):
        parse_structured('{"verdict": "pass", "score": }', Verdict)
    with pytest.raises(ReplyInvalid, match=r"score: .*valid integer"):
        parse_structured('{"verdict": "pass", "score": "many"}', Verdict)
    with pytest.raises(ReplyInvalid, match="empty"):
        parse_structured("   ", Verdict)


def test_repair_and_schema_prompts_come_from_md_files() -> None:
    message = repair_message("- score: Field required")
    assert "- score: Field required" in message and "JSON" in message
    assert '"title": "Verdict"' in schema_instruction(Verdict.model_json_schema())


# -- retry decisions --------------------------------------------------------------------


def test_backoff_doubles_with_jitter_and_stops_at_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0)
    rng = random.Random(1)
    first = retry_delay(policy, "http_5xx", 1, rng)
    second = retry_delay(policy, "http_5xx", 2, rng)
    third = retry_delay(policy, "http_5xx", 3, rng)
    assert first is not None and 0.5 <= first <= 1.0
    assert second is not None and 1.0 <= second <= 2.0
    assert third is not None and 1.5 <= third <= 3.0  # capped at max_delay
    assert retry_delay(policy, "http_5xx", 4, rng) is None


def test_jitter_differs_between_callers() -> None:
    policy = RetryPolicy(base_delay=1.0)
    delays = {retry_delay(policy, "stream_cut", 1, random.Random(seed)) for seed in range(20)}
    assert len(delays) > 10


@pytest.mark.parametrize("kind", ["http_4xx", "first_token_timeout", "total_timeout"])
def test_not_retried(kind: str) -> None:
    assert retry_delay(RetryPolicy(), kind, 1, random.Random()) is None  # type: ignore[arg-type]


def test_429_waits_what_the_server_asks_up_to_a_cap() -> None:
    policy = RetryPolicy(max_retry_after=10)
    assert retry_delay(policy, "http_429", 1, random.Random(), retry_after=2.5) == 2.5
    assert retry_delay(policy, "http_429", 1, random.Random(), retry_after=600) == 10
    no_header = retry_delay(policy, "http_429", 1, random.Random())
    assert no_header is not None and no_header <= policy.base_delay


def test_down_endpoint_is_left_at_once_when_another_is_live() -> None:
    assert retry_delay(RetryPolicy(), "connect", 1, random.Random(), other_endpoint=True) == 0.0
    alone = retry_delay(RetryPolicy(), "connect", 1, random.Random(), other_endpoint=False)
    assert alone is not None and alone > 0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after((now - timedelta(seconds=5)).strftime("%a, %d %b %Y %H:%M:%S GMT"), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# -- endpoint choice --------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pool_spreads_by_fewest_in_flight() -> None:
    pool = EndpointPool(["a", "b", "c"], clock=Clock())
    held = [pool.acquire() for _ in range(3)]
    assert sorted(e.url for e in held) == ["a", "b", "c"]
    pool.release(held[1], reachable=True)
    assert pool.acquire().url == held[1].url  # the only one with nothing in flight
    # ties go round-robin: the least recently chosen first
    fresh = EndpointPool(["a", "b"], clock=Clock())
    order = []
    for _ in range(4):
        e = fresh.acquire()
        order.append(e.url)
        fresh.release(e, reachable=True)
    assert order == ["a", "b", "a", "b"]


def test_dead_endpoint_is_skipped_until_it_answers_again() -> None:
    clock = Clock()
    pool = EndpointPool(["a", "b"], dead_seconds=5, clock=clock)
    a = pool.acquire()
    assert a.url == "a"
    pool.release(a, reachable=False)
    assert not pool.has_live_other(pool.endpoints[1])
    assert pool.has_live_other(a)
    for _ in range(3):
        e = pool.acquire()
        assert e.url == "b"
        pool.release(e, reachable=True)
    clock.now += 5.1  # the pause is over: a gets one request again
    e = pool.acquire()
    assert e.url == "a"
    pool.release(e, reachable=False)  # still down: a longer pause (doubling)
    clock.now += 6
    assert pool.acquire().url == "b"
    clock.now += 5
    e = pool.acquire()
    assert e.url == "a"
    pool.release(e, reachable=True)
    assert pool.endpoints[0].dead_until == 0 and pool.endpoints[0].down_count == 0


def test_all_dead_tries_the_one_back_soonest() -> None:
    clock = Clock()
    pool = EndpointPool(["a", "b"], dead_seconds=5, clock=clock)
    a, b = pool.acquire(), pool.acquire()
    pool.release(b, reachable=False)
    clock.now += 1
    pool.release(a, reachable=False)
    assert pool.acquire().url == "b"


def test_pool_needs_an_endpoint() -> None:
    with pytest.raises(ValueError):
        EndpointPool([])


# -- tokens, truncation, messages -------------------------------------------------------


def test_token_estimate_and_split_agree() -> None:
    for text in ["", "a", "abcd", "abcde", "x" * 4001]:
        assert len(split_tokens(text)) == estimate_tokens(text)
        assert "".join(split_tokens(text)) == text


def test_prompt_cut_detection() -> None:
    assert prompt_was_cut(2048, 2048, 1500)  # a whole window evaluated
    assert prompt_was_cut(300, 2048, 9000)  # longer than the window even by the rough count
    assert not prompt_was_cut(12, 2048, 1500)  # cached prefix: few evaluated, no cut


def test_failure_messages_name_server_and_what_to_check() -> None:
    hint = "is `ollama serve` running? set OLLAMA_HOST"
    message = describe_failure("ollama", "http://127.0.0.1:1", "m", Fault("connect", "refused"), 3, hint)
    assert "http://127.0.0.1:1" in message and "after 3 tries" in message and "ollama serve" in message
    missing = describe_failure("ollama", "u", "qwen3:8b", Fault("http_4xx", 'model "qwen3:8b" not found', status=404), 1, hint)
    assert "ollama pull qwen3:8b" in missing
    key = describe_failure("anthropic", "u", "m", Fault("http_4xx", "invalid x-api-key", status=401), 1, "h")
    assert "ANTHROPIC_API_KEY" in key


# -- the fake's script ------------------------------------------------------------------


def test_rules_match_in_order_with_times_and_default() -> None:
    book = RuleBook(
        parse_script(
            {
                "rules": [
                    {"role": "coder", "task": "t1", "attempt": 1, "reply": "first try", "times": 1},
                    {"role": "coder", "contains": ["STEER", "flexbox"], "reply": "steered"},
                    {"role": "coder", "excludes": "secret", "reply": "coder"},
                    {"structured": True, "api": "openai", "reply": {"ok": True}},
                ],
                "default": "fallback",
            }
        )
    )
    info = RequestInfo(api="ollama", role="coder", task="t1", attempt=1, text="build it")
    assert book.choose(info)[1].reply_text() == "first try"
    assert book.choose(info)[1].reply_text() == "coder"  # times=1 used up
    assert book.choose(RequestInfo(api="ollama", role="coder", text="STEER: use flexbox"))[0] == 1
    assert book.choose(RequestInfo(api="ollama", role="coder", text="the secret"))[1].reply_text() == "fallback"
    index, reply = book.choose(RequestInfo(api="openai", role="qa", structured=True))
    assert index == 3 and reply.reply_text() == '{\n  "ok": true\n}'
    assert book.choose(RequestInfo(api="ollama", role="qa", structured=True)) == (None, book.script.default)


def test_no_default_means_no_reply() -> None:
    book = RuleBook(parse_script({"rules": [{"role": "cto", "reply": "x"}]}))
    assert book.choose(RequestInfo(api="ollama", role="qa")) == (None, None)


def test_bad_scripts_name_file_and_key(tmp_path) -> None:
    bad = tmp_path / "s.json"
    bad.write_text('{"rules": [{"role": "cto", "fault": "explode"}]}')
    with pytest.raises(ScriptError, match=r"s.json: rules.0.fault"):
        load_script(bad)
    bad.write_text("{nope")
    with pytest.raises(ScriptError, match="not valid JSON"):
        load_script(bad)
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(tmp_path / "missing.json")


def test_toml_scripts(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('default = "hi"\ntps = 0\n[[rules]]\nrole = "qa"\nreply = "ok"\ntimes = 2\n')
    script = load_script(path)
    assert script.rules[0].times == 2 and script.default.reply == "hi" and script.tps == 0


def test_demo_script_loads() -> None:
    from crewmux.agents.llm.fake_script import DEMO_SCRIPT

    script = load_script(DEMO_SCRIPT)
    assert {r.role for r in script.rules} >= {"cto", "coder", "qa"}


# -- config -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider, url, expected",
    [
        ("ollama", "0.0.0.0", "http://127.0.0.1:11434"),
        ("ollama", "gpu-box:11500", "http://gpu-box:11500"),
        ("ollama", "http://localhost:11434/", "http://localhost:11434"),
        ("ollama", "https://ollama.example.com", "https://ollama.example.com"),
        ("openai", "http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("openai", "http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("anthropic", "https://api.anthropic.com/v1", "https://api.anthropic.com"),
    ],
)
def test_base_url_forms(provider: str, url: str, expected: str) -> None:
    assert normalize_base_url(provider, url) == expected


def test_endpoints_and_keys_from_variables() -> None:
    env = {"OLLAMA_HOST": "0.0.0.0:9999", "OPENAI_BASE_URL": "http://vllm:8000/v1", "OPENAI_API_KEY": "sk-1", "ANTHROPIC_API_KEY": "ak"}
    assert model_endpoints(ModelConfig(), env) == ["http://127.0.0.1:9999"]
    assert model_endpoints(ModelConfig(provider="openai"), env) == ["http://vllm:8000/v1"]
    assert model_endpoints(ModelConfig(provider="anthropic"), {}) == ["https://api.anthropic.com"]
    assert model_endpoints(ModelConfig(base_urls=["a:1", "b:2"]), env) == ["http://a:1", "http://b:2"]
    assert model_api_key(ModelConfig(provider="openai"), env) == "sk-1"
    assert model_api_key(ModelConfig(provider="anthropic", api_key="mine"), env) == "mine"
    assert model_api_key(ModelConfig(provider="ollama"), env) is None


def test_config_roles_single_base_url_and_provider_switch(tmp_path) -> None:
    (tmp_path / "crewmux.toml").write_text(
        '[default]\nmodel = "qwen2.5-coder:7b"\nbase_urls = ["http://gpu1:11434", "http://gpu2:11434"]\n'
        '[roles.cto]\nmodel = "qwen3:14b"\nthink = true\n'
        '[roles.qa]\nprovider = "anthropic"\nmodel = "claude-sonnet-4-5"\n'
        '[escalation]\nprovider = "openai"\nbase_url = "http://vllm:8000"\nmodel = "qwen2.5-coder:32b"\n'
    )
    config = load_config(tmp_path)
    cto = config.for_role("cto")
    assert cto.model == "qwen3:14b" and cto.think is True and len(cto.base_urls) == 2
    qa = config.for_role("qa")
    assert qa.provider == "anthropic" and qa.base_urls == []  # no Ollama URL for Anthropic
    assert config.escalation_model().base_urls == ["http://vllm:8000"]
    assert Config().for_role("coder").provider == "ollama"


def test_config_errors_name_the_key(tmp_path) -> None:
    (tmp_path / "crewmux.toml").write_text('[default]\nprovider = "gemini"\n')
    with pytest.raises(ConfigError, match="default.provider"):
        load_config(tmp_path)


def test_fitting_max_tokens_from_overflow_refusals() -> None:
    from crewmux.agents.llm.openai_wire import fitting_max_tokens

    vllm = "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (31808 in the messages, 8192 in the completion)."
    assert fitting_max_tokens(vllm) == 32768 - 31808 - 16
    assert fitting_max_tokens("maximum context length is 100 tokens (200 in the messages, 10 in the completion)") is None
    assert fitting_max_tokens("model not found") is None
