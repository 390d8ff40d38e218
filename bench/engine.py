"""The embedded engine for a team: aggregate tokens/s of 1, 2 and 4 agents streaming at once,
and a coder's time to first token cold and warm (the same long stable prefix again with a
different tail), for llama-cpp-python's server and for llama.cpp's llama-server (parallel
slots). Every figure is a median of --runs runs; the ratios are computed in the same run.

Real model: run it alone, under the model lock and niced:

    flock /tmp/crewmux-model.lock nice -n 10 python3 bench/engine.py               # 0.5B, both engines
    flock /tmp/crewmux-model.lock nice -n 10 python3 bench/engine.py --models qwen2.5-coder:1.5b --max-tokens 64

llama-server must be built first (python3 -m crewmux.engine.llama_server build); an
engine that cannot start is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from crewmux.engine.process import EngineError, EngineProcess
from crewmux.engine.server import LLAMA_CPP_PYTHON, LLAMA_SERVER

ROOT = Path(__file__).resolve().parent.parent
CTX = 4096


@dataclass
class Stream:
    completion_tokens: int
    finish_reason: str | None
    first_token_s: float | None
    seconds: float

    @property
    def cut(self) -> bool:
        return self.finish_reason is None


@dataclass
class Variant:
    """One engine as started: its name in the tables, its backend and its cache setting."""

    name: str
    backend: str
    prompt_cache: bool = False
    throughput: bool = True  # the RAM cache changes first-token times only: one throughput row per backend


@dataclass
class Figures:
    model: str
    variant: str
    aggregate: dict[int, float] = field(default_factory=dict)  # streams -> median completion tok/s over all streams
    cut: dict[int, int] = field(default_factory=dict)  # streams -> streams that came back without finish_reason
    streams_seen: dict[int, int] = field(default_factory=dict)
    ttft: dict[str, float] = field(default_factory=dict)  # cold / warm / warm_after_other -> median seconds
    error: str | None = None


def stream_chat(url: str, key: str, messages: list[dict[str, str]], max_tokens: int) -> Stream:
    """One streamed chat request; tokens from the final usage when sent, else one per content chunk."""
    body = {"model": "bench", "messages": messages, "stream": True, "max_tokens": max_tokens, "temperature": 0.0,
            "stream_options": {"include_usage": True}}
    started = time.monotonic()
    first: float | None = None
    chunks = 0
    usage: int | None = None
    finish: str | None = None
    with httpx.Client(timeout=httpx.Timeout(900.0, connect=10.0)) as http:
        with http.stream("POST", f"{url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}) as reply:
            reply.raise_for_status()
            for line in reply.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                event = json.loads(data)
                if isinstance((event.get("usage") or {}).get("completion_tokens"), int):
                    usage = event["usage"]["completion_tokens"]
                for choice in event.get("choices") or []:
                    if (choice.get("delta") or {}).get("content"):
                        chunks += 1
                        if first is None:
                            first = time.monotonic() - started
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
    return Stream(usage if usage is not None else chunks, finish, first, time.monotonic() - started)


def long_task(index: int, run: int) -> list[dict[str, str]]:
    """A request that runs to max_tokens: a whole module, different per stream and run."""
    return [{"role": "user", "content": f"Write a Python module inventory_{run}_{index}.py: a class Inventory with twelve "
             "methods (add, remove, count, total_value, ...), each with a docstring and type hints. Code only."}]


def concurrent(url: str, key: str, streams: int, run: int, max_tokens: int) -> tuple[float, list[Stream]]:
    """``streams`` requests at once; completion tokens of all over the wall time of all."""
    results: list[Stream | BaseException] = [RuntimeError("not run")] * streams

    def one(i: int) -> None:
        try:
            results[i] = stream_chat(url, key, long_task(i, run), max_tokens)
        except BaseException as exc:  # noqa: BLE001 - counted as a cut stream below
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(streams)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    done = [r if isinstance(r, Stream) else Stream(0, None, None, wall) for r in results]
    return sum(s.completion_tokens for s in done) / wall, done


def stable_prefix(nonce: str, chars: int) -> str:
    """A coder-like stable part: role prompt, then project context (real files of this repo)."""
    role = (ROOT / "agents" / "prompts" / "coder.md").read_text()
    context = (ROOT / "docs" / "architecture.md").read_text()
    return f"[{nonce}]\n{role}\n\n# Project context\n{context}"[:chars]


def coder_messages(prefix: str, tail: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": prefix}, {"role": "user", "content": tail}]


def first_tokens(url: str, key: str, run: int, chars: int) -> dict[str, float]:
    """Cold: a prefix never seen; warm: the same prefix, another task; warm after other: the
    same prefix after another agent's request with a different prefix came in between."""
    mine = stable_prefix(f"run {run} {secrets.token_hex(4)}", chars)
    other = stable_prefix(f"other {run} {secrets.token_hex(4)}", chars)

    def ttft(prefix: str, tail: str) -> float:
        s = stream_chat(url, key, coder_messages(prefix, tail), 4)
        return s.first_token_s if s.first_token_s is not None else s.seconds

    cold = ttft(mine, "Task: write add(a, b) in calc.py.")
    warm = ttft(mine, "Task: write sub(a, b) in calc.py. The last try failed: NameError: name 'sub' is not defined.")
    ttft(other, "Task: write mul(a, b) in calc.py.")
    after = ttft(mine, "Task: write div(a, b) in calc.py.")
    return {"cold": cold, "warm": warm, "warm_after_other": after}


def measure(model: str, variant: Variant, args: argparse.Namespace, log_dir: Path) -> Figures:
    figures = Figures(model, variant.name)
    log = log_dir / f"{variant.name}-{model.replace(':', '_')}.log"
    try:
        engine = EngineProcess.start(model, n_ctx=CTX, log_path=log, backend=variant.backend, prompt_cache=variant.prompt_cache)
    except EngineError as exc:
        figures.error = str(exc).splitlines()[0]
        return figures
    with engine:
        stream_chat(engine.url, engine.api_key, long_task(0, -1), 8)  # the weights paged in before anything is timed
        if variant.throughput:
            for n in args.streams:
                rates, cut, seen = [], 0, 0
                for run in range(args.runs):
                    rate, done = concurrent(engine.url, engine.api_key, n, run, args.max_tokens)
                    rates.append(rate)
                    cut += sum(s.cut for s in done)
                    seen += len(done)
                figures.aggregate[n] = statistics.median(rates)
                figures.cut[n], figures.streams_seen[n] = cut, seen
                print(f"  {model} {variant.name}: {n} stream(s) {figures.aggregate[n]:.1f} tok/s (runs {', '.join(f'{r:.1f}' for r in rates)}), "
                      f"cut {cut}/{seen}", flush=True)
        samples = [first_tokens(engine.url, engine.api_key, run, args.prefix_chars) for run in range(args.runs)]
        figures.ttft = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        print(f"  {model} {variant.name}: first token " + ", ".join(f"{k} {v:.2f} s" for k, v in figures.ttft.items()), flush=True)
    return figures


def report(all_figures: list[Figures], streams: list[int]) -> str:
    lines = []
    for model in dict.fromkeys(f.model for f in all_figures):
        rows = [f for f in all_figures if f.model == model]
        lines.append(f"\n## {model}\n")
        lines.append("aggregate completion tokens/s (median), ratio to 1 stream, cut streams:")
        lines.append("| engine | " + " | ".join(f"{n} stream{'s' if n > 1 else ''}" for n in streams) + " |")
        lines.append("|---|" + "---|" * len(streams))
        for f in rows:
            if f.error:
                lines.append(f"| {f.variant} | not measured: {f.error} |")
                continue
            if not f.aggregate:
                continue
            base = f.aggregate.get(1) or next(iter(f.aggregate.values()))
            cells = [f"{f.aggregate[n]:.1f} ({f.aggregate[n] / base:.2f}x, cut {f.cut[n]}/{f.streams_seen[n]})" for n in streams if n in f.aggregate]
            lines.append(f"| {f.variant} | " + " | ".join(cells) + " |")
        measured = [f for f in rows if f.aggregate and not f.error]
        if len(measured) == 2:
            a, b = measured
            lines.append(f"{b.variant} / {a.variant}: " + ", ".join(f"{n}: {b.aggregate[n] / a.aggregate[n]:.2f}x" for n in streams
                                                                  if n in a.aggregate and n in b.aggregate))
        lines.append("\ncoder-like request, time to first token (median s; warm/cold):")
        lines.append("| engine | cold | warm | warm/cold | warm after another agent | after/cold |")
        lines.append("|---|---|---|---|---|---|")
        for f in rows:
            if f.ttft:
                t = f.ttft
                lines.append(f"| {f.variant} | {t['cold']:.2f} | {t['warm']:.2f} | {t['warm'] / t['cold']:.2f} | "
                             f"{t['warm_after_other']:.2f} | {t['warm_after_other'] / t['cold']:.2f} |")
    return "\n".join(lines)


VARIANTS = {
    LLAMA_CPP_PYTHON: Variant(LLAMA_CPP_PYTHON, LLAMA_CPP_PYTHON),
    f"{LLAMA_CPP_PYTHON}+cache": Variant(f"{LLAMA_CPP_PYTHON}+cache", LLAMA_CPP_PYTHON, prompt_cache=True, throughput=False),
    LLAMA_SERVER: Variant(LLAMA_SERVER, LLAMA_SERVER),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2.5-coder:0.5b", help="comma-separated pulled models")
    parser.add_argument("--engines", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--streams", default="1,2,4", help="concurrent stream counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is printed)")
    parser.add_argument("--max-tokens", type=int, default=96, help="completion tokens per stream")
    parser.add_argument("--prefix-chars", type=int, default=6000, help="length of the stable prefix (about 4 characters a token)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    args.streams = [int(n) for n in args.streams.split(",")]
    unknown = [e for e in args.engines.split(",") if e not in VARIANTS]
    if unknown:
        parser.error(f"unknown engine(s) {unknown}: choose from {', '.join(VARIANTS)}")
    all_figures = []
    with tempfile.TemporaryDirectory(prefix="crewmux-bench-engine-") as tmp:
        for model in args.models.split(","):
            for name in args.engines.split(","):
                print(f"{model} on {name} ...", flush=True)
                all_figures.append(measure(model, VARIANTS[name], args, Path(tmp)))
    print(f"\n# bench/engine.py: {args.runs} runs per figure, {args.max_tokens} tokens per stream, context {CTX}"
          f"{' per slot' if LLAMA_SERVER in args.engines else ''}")
    print(report(all_figures, args.streams))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in all_figures], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
