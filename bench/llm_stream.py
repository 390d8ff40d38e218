"""CPU cost of streaming a long reply through LLMClient (goal: <= 5% of one core).

Starts `crewmux fake-llm` as a separate process (its CPU is not counted) serving a
20,000-token reply at 200 tokens/s, then streams it through LLMClient with an on_chunk
callback and a cancel event, as an agent does, measuring this process's CPU time.
Baseline, in the same run: the same stream read with plain httpx, no parsing.
Each run takes tokens/tps seconds (100 s by default); the figures are medians.

    PYTHONPATH=/work/wt/llm python bench/llm_stream.py            # the real thing (~10 min)
    PYTHONPATH=/work/wt/llm python bench/llm_stream.py --tokens 2000 --runs 3   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.types import ChatMessage, ChatRequest, RequestMeta
from crewmux.config import ModelConfig

LINE = "    total = sum(item.price * item.quantity for item in basket)  # line\n"


def start_fake(script: Path, tps: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crewmux", "fake-llm", "--script", str(script), "--tps", str(tps), "--ttft", "0"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.search(r"listening on (\S+)", line)
    if not match:
        os.killpg(proc.pid, signal.SIGKILL)
        raise SystemExit(f"fake-llm did not start: {line!r}")
    return proc, match.group(1)


def run_client(provider: str, url: str, tokens: int) -> tuple[float, float, int]:
    model = ModelConfig(provider=provider, model="bench", base_urls=[url], api_key="k", max_tokens=tokens, timeout_total=3600)
    received: list[str] = []
    cancel = threading.Event()
    request = ChatRequest(messages=[ChatMessage("user", "write a long file")], meta=RequestMeta(role="coder", agent="bench"))
    with LLMClient(model) as client:
        cpu0, wall0 = time.process_time(), time.monotonic()
        result = client.chat(request, on_chunk=lambda kind, text: received.append(text), cancel=cancel)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return cpu, wall, result.stats.completion_tokens


def run_raw(provider: str, url: str, tokens: int) -> tuple[float, float, int]:
    path = {"ollama": "/api/chat", "openai": "/v1/chat/completions", "anthropic": "/v1/messages"}[provider]
    body = {"model": "bench", "messages": [{"role": "user", "content": "write a long file"}], "stream": True, "max_tokens": tokens}
    size = 0
    with httpx.Client(timeout=3600) as http:
        cpu0, wall0 = time.process_time(), time.monotonic()
        with http.stream("POST", url + path, json=body) as reply:
            for data in reply.iter_bytes():
                size += len(data)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return cpu, wall, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--tps", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--provider", choices=["ollama", "openai", "anthropic"], default="ollama")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain-httpx baseline (halves the time)")
    args = parser.parse_args()

    text = (LINE * (args.tokens * 4 // len(LINE) + 1))[: args.tokens * 4]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.json"
        script.write_text(json.dumps({"default": text}))
        proc, url = start_fake(script, args.tps)
        try:
            print(f"{args.provider}: {args.tokens} tokens at {args.tps:g} tokens/s, {args.runs} run(s) of ~{args.tokens / args.tps:.0f} s each")
            client_pct, raw_pct = [], []
            for run in range(1, args.runs + 1):
                cpu, wall, got = run_client(args.provider, url, args.tokens)
                client_pct.append(100 * cpu / wall)
                line = f"run {run}: LLMClient {got} tokens in {wall:.1f} s, CPU {cpu:.2f} s = {client_pct[-1]:.2f}% of one core"
                if not args.no_baseline:
                    rcpu, rwall, size = run_raw(args.provider, url, args.tokens)
                    raw_pct.append(100 * rcpu / rwall)
                    line += f"; plain httpx read ({size / 1e6:.1f} MB) CPU {rcpu:.2f} s = {raw_pct[-1]:.2f}%"
                print(line, flush=True)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    med = statistics.median(client_pct)
    verdict = "meets" if med <= 5.0 else "MISSES"
    summary = f"median: LLMClient {med:.2f}% of one core ({verdict} the goal of <= 5%)"
    if raw_pct:
        base = statistics.median(raw_pct)
        summary += f"; plain httpx read {base:.2f}%; ratio {med / base:.2f}x" if base > 0 else f"; plain httpx read {base:.2f}%"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
