"""`crewmux probe`: how fast a model generates, reads prompts and starts answering."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.types import ChatMessage, ChatRequest, LLMError, RequestMeta

PROBE_PROMPT = Path(__file__).with_name("prompts") / "probe.md"


@dataclass
class ProbeResult:
    model: str
    endpoint: str
    gen_tps: list[float] = field(default_factory=list)
    prompt_tps: list[float] = field(default_factory=list)
    ttft: list[float] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    error: str = ""


def probe_model(client: LLMClient, runs: int, max_tokens: int) -> ProbeResult:
    """Send the fixed coding prompt ``runs`` times; stop at the first error."""
    result = ProbeResult(model=client.model.model, endpoint=client.pool.endpoints[0].url)
    request = ChatRequest(
        messages=[ChatMessage("user", PROBE_PROMPT.read_text())],
        max_tokens=max_tokens,
        temperature=0.0,
        seed=1,
        meta=RequestMeta(role="probe", agent="probe"),
    )
    for _ in range(runs):
        try:
            reply = client.chat(request)
        except LLMError as exc:
            result.error = str(exc)
            break
        result.gen_tps.append(reply.stats.tokens_per_second)
        result.prompt_tps.append(reply.stats.prompt_tokens_per_second)
        result.ttft.append(reply.stats.ttft)
        result.tokens.append(reply.stats.completion_tokens)
    return result


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def format_table(results: list[ProbeResult]) -> str:
    """A fixed-width table of medians; failed models show their error under the table."""
    header = ("model", "gen tok/s", "prompt tok/s", "first token", "tokens", "runs")
    rows = [header]
    for r in results:
        gen, prompt, ttft, tokens = (_median(v) for v in (r.gen_tps, r.prompt_tps, r.ttft, [float(t) for t in r.tokens]))
        rows.append(
            (
                r.model,
                f"{gen:.1f}" if gen is not None else "-",
                f"{prompt:.0f}" if prompt is not None else "-",
                f"{ttft:.2f} s" if ttft is not None else "-",
                f"{tokens:.0f}" if tokens is not None else "-",
                str(len(r.gen_tps)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    errors = [f"{r.model}: {r.error}" for r in results if r.error]
    return "\n".join(lines + ([""] + errors if errors else []))
