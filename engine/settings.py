"""The engine's settings, chosen for a team rather than for one chat. Pure: no I/O.

llama-cpp-python's server defaults suit one person chatting: a 2048-token context, half
the cores, and ``interrupt_requests`` on, which ends a streaming reply as soon as another
request arrives (measured: 3 of 4 concurrent streams came back cut). A team sends several
requests at once and every reply must come back whole, so requests queue instead; on a CPU
one request at a time is also the fastest order (the cores are all busy with one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CTX = 8192  # a plan, a coder's whole file and its context fit; 2048 does not
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class EngineSettings:
    model_path: Path
    model_name: str  # what /v1/models lists and requests name: the catalogue name
    port: int
    api_key: str
    n_ctx: int = DEFAULT_CTX
    threads: int = 1
    host: str = LOOPBACK
    n_batch: int = 512
    gpu_layers: int = 0  # -1: everything on the GPU, where the engine was built with one
    prompt_cache: bool = False  # llama-cpp-python's RAM prompt cache (llama-server always keeps its slots' caches)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def default_threads(cpu_count: int | None) -> int:
    """Every core generates: token generation is bound by memory bandwidth, and on a small
    machine the agents are waiting for the engine, not using the cores themselves."""
    return max(1, cpu_count or 1)
