"""Which model server a run uses when the user has not said (pure decision + real probe)."""

from __future__ import annotations

import http.server
import threading

from crewmux.agents.llm.model_source import DEMO_SCRIPT, choose_model_source, ollama_answers, scripted_banner


def never_probed() -> bool:
    raise AssertionError("Ollama was probed although the configuration already decided")


def test_a_config_file_wins() -> None:
    assert choose_model_source(config_file=True, environ={}, ollama_answers=never_probed).kind == "configured"


def test_a_server_variable_counts_as_configured_and_is_named() -> None:
    source = choose_model_source(config_file=False, environ={"OLLAMA_HOST": "gpu:11434"}, ollama_answers=never_probed)
    assert source.kind == "configured" and "OLLAMA_HOST" in source.reason
    source = choose_model_source(config_file=False, environ={"OPENAI_BASE_URL": "http://h/v1"}, ollama_answers=never_probed)
    assert source.kind == "configured"


def test_a_local_ollama_is_used_next() -> None:
    assert choose_model_source(config_file=False, environ={"OLLAMA_HOST": ""}, ollama_answers=lambda: True).kind == "ollama"


def test_nothing_found_means_the_scripted_model_and_the_banner_says_how_to_use_ollama() -> None:
    source = choose_model_source(config_file=False, environ={}, ollama_answers=lambda: False)
    assert source.kind == "scripted"
    banner = scripted_banner(source.reason)
    assert "SCRIPTED MODEL" in banner and "ollama serve" in banner and "OLLAMA_HOST" in banner
    assert DEMO_SCRIPT.is_file()


def test_ollama_probe_over_real_http() -> None:
    class Version(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/api/version"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(b'{"version": "0.12.0"}' if ok else b"")

        def log_message(self, *args) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Version)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert ollama_answers(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
    assert not ollama_answers(f"http://127.0.0.1:{server.server_port}", timeout=0.5)
