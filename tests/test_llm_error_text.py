"""Errors from a server that is not the API it should be (issue 15): never raw HTML cut
mid-sentence, one clean line saying what answered, and advice that fits what happened
(`ollama serve` only when nothing answered)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.errors import clean_detail, one_line
from crewmux.agents.llm.retry import RetryPolicy
from crewmux.agents.llm.types import ChatMessage, ChatRequest, LLMError
from crewmux.config import ModelConfig

pytestmark = pytest.mark.timeout(60)

PAGE_404 = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"
"http://www.w3.org/TR/html4/strict.dtd">
<html><head><meta http-equiv="Content-Type" content="text/html;charset=utf-8">
<title>Error response</title></head>
<body><h1>Error response</h1><p>Error code: 404</p>
<p>Message: File not found.</p><p>Error code explanation: 404 - Nothing matches the given URI.</p>
</body></html>
"""


@pytest.fixture
def web_server() -> Iterator[dict]:
    """A plain web server on loopback: answers every POST and GET with the configured page."""
    answer = {"status": 404, "body": PAGE_404, "type": "text/html"}

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            body = answer["body"].encode()
            self.send_response(answer["status"])
            self.send_header("content-type", answer["type"])
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answer["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield answer
    server.shutdown()
    server.server_close()


def ask_it(provider: str, url: str) -> str:
    config = ModelConfig(provider=provider, model="qwen2.5-coder:7b", base_urls=[url])
    with LLMClient(config, retry=RetryPolicy(max_attempts=1), environ={}) as client:
        with pytest.raises(LLMError) as caught:
            client.chat(ChatRequest(messages=[ChatMessage("user", "hi")]))
    return str(caught.value)


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_an_html_404_is_named_a_web_page_in_one_clean_line(web_server: dict, provider: str) -> None:
    message = ask_it(provider, web_server["url"])
    assert "<" not in message and "DOCTYPE" not in message and "\n" not in message
    assert "a web page, not an API reply: Error response Error code: 404 Message: File not found." in message
    assert "it is a web server, not a" in message
    assert "`ollama serve`" not in message


def test_an_html_500_from_another_server_does_not_suggest_ollama_serve(web_server: dict) -> None:
    web_server.update(status=500, body="<html><body><h1>Internal Server Error</h1><p>" + "trace " * 200 + "</p></body></html>")
    message = ask_it("ollama", web_server["url"])
    assert "Internal Server Error trace" in message and "<" not in message and "trace … check that" in message
    assert len(message) < 400
    assert "`ollama serve`" not in message and "is an Ollama API" in message


def test_a_plain_500_says_the_server_is_up_and_a_refused_connection_says_how_to_start_it(web_server: dict) -> None:
    web_server.update(status=500, body="model runner crashed: out of memory", type="text/plain")
    message = ask_it("ollama", web_server["url"])
    assert "model runner crashed: out of memory. the server answered, so it is running" in message
    assert "`ollama serve`" not in message
    assert "`ollama serve`" in ask_it("ollama", "http://127.0.0.1:9")  # nothing listens on port 9
    assert "`ollama serve`" not in ask_it("openai", "http://127.0.0.1:9")


def test_a_200_web_page_instead_of_a_stream_is_named_not_dumped(web_server: dict) -> None:
    web_server.update(status=200, body=PAGE_404)
    message = ask_it("ollama", web_server["url"])
    assert "a web page, not an API reply" in message and "<!DOCTYPE" not in message


def test_long_details_are_cut_at_a_word_with_an_ellipsis() -> None:
    text = one_line("word " * 100, 42)
    assert text.endswith(" …") and len(text) <= 44 and "wor …" not in text
    assert clean_detail("  two\n  lines  ") == "two lines"
    assert clean_detail("<p>only &amp; text</p>") == "a web page, not an API reply: only & text"


def test_probe_without_a_model_probes_one_the_server_offers(tmp_path) -> None:
    import subprocess
    import sys

    from crewmux.agents.llm.fake_server import FakeLLMServer

    with FakeLLMServer({"default": "tok " * 20, "tps": 0, "ttft": 0, "models": ["llama3.2:1b", "phi4:mini"]}) as fake:
        result = subprocess.run([sys.executable, "-m", "crewmux", "probe", "--base-url", fake.url, "--runs", "1", "--max-tokens", "8"],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        asked = {r["body"]["model"] for r in fake.requests if r["method"] == "POST"}
    assert result.returncode == 0, result.stdout + result.stderr
    assert asked == {"llama3.2:1b"}
    assert "is not on the server; probing llama3.2:1b" in result.stderr and "phi4:mini" in result.stderr
    assert result.stdout.splitlines()[2].startswith("llama3.2:1b")
