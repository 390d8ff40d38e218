"""The model store: GGUF files pulled and verified, each with a small manifest beside it.

Layout under the root (``$CREWMUX_MODELS_DIR``, else ``$XDG_CACHE_HOME/crewmux/models``,
else ``~/.cache/crewmux/models``)::

    qwen2.5-coder-1.5b-instruct-q4_k_m.gguf        the model, only ever renamed into place whole
    qwen2.5-coder-1.5b-instruct-q4_k_m.gguf.json   {name, file, size_bytes, sha256, params, source}
    *.part, *.pack-part                            a download or pack assembly under way (resumable)

The manifest records the sha256 verified when the file arrived, so listing never rehashes
a gigabyte; a file whose size no longer matches its manifest is not listed as pulled.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from crewmux.engine import catalog
from crewmux.protocol.fsutil import atomic_write_json

MANIFEST_SUFFIX = ".json"


class ModelNotFound(LookupError):
    """A model name or file that is not on disk; the message says how to get it."""


@dataclass(frozen=True)
class PulledModel:
    name: str
    path: Path
    size_bytes: int
    sha256: str
    params: int | None
    source: str = ""


def default_root(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("CREWMUX_MODELS_DIR"):
        return Path(env["CREWMUX_MODELS_DIR"]).expanduser()
    cache = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path(env.get("HOME") or Path.home()) / ".cache"
    return cache / "crewmux" / "models"


def safe_file_name(name: str) -> str:
    """A file name for a model the catalogue does not know (``my:model`` -> ``my-model.gguf``)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
    return stem if stem.endswith(".gguf") else f"{stem}.gguf"


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> "ModelStore":
        return cls(default_root(environ))

    def ensure(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root

    def file_for(self, name: str) -> Path:
        """Where the model called ``name`` lives (or will) in this store."""
        entry = catalog.find(name)
        return self.root / (entry.file_name if entry else safe_file_name(name))

    def _manifests(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob(f"*.gguf{MANIFEST_SUFFIX}") if p.is_file())

    @staticmethod
    def _read(manifest: Path) -> PulledModel | None:
        try:
            data = json.loads(manifest.read_text())
            path = manifest.with_name(data["file"])
            model = PulledModel(
                name=str(data["name"]), path=path, size_bytes=int(data["size_bytes"]),
                sha256=str(data["sha256"]), params=data.get("params"), source=str(data.get("source", "")),
            )
            # A truncated or replaced file is not the file that was verified.
            if path.stat().st_size != model.size_bytes:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return model

    def list(self) -> list[PulledModel]:
        models = [m for m in map(self._read, self._manifests()) if m is not None]
        return sorted(models, key=lambda m: (m.params or 0, m.name))

    def get(self, name: str) -> PulledModel | None:
        for model in self.list():
            if model.name == name:
                return model
        return None

    def path_of(self, name: str) -> Path | None:
        model = self.get(name)
        return model.path if model else None

    def best_pulled(self) -> str | None:
        """The biggest pulled model (by parameter count, then file size), or None."""
        models = self.list()
        if not models:
            return None
        return max(models, key=lambda m: (m.params or 0, m.size_bytes)).name

    def record(self, name: str, path: Path, *, sha256: str, params: int | None, source: str) -> PulledModel:
        """Write the manifest of a file already verified and in place under ``path``."""
        size = path.stat().st_size
        atomic_write_json(path.with_name(path.name + MANIFEST_SUFFIX), {
            "name": name, "file": path.name, "size_bytes": size, "sha256": sha256,
            "params": params, "source": source,
        })
        return PulledModel(name, path, size, sha256, params, source)

    def remove(self, name: str) -> PulledModel:
        """Delete a pulled model (its file, manifest and any partial download)."""
        model = self.get(name)
        if model is None:
            raise ModelNotFound(f"{name} is not pulled (see `crewmux models`)")
        # The manifest goes first: a crash in between leaves a file no one lists, not a listed ghost.
        model.path.with_name(model.path.name + MANIFEST_SUFFIX).unlink(missing_ok=True)
        for leftover in (model.path, *partial_files(model.path)):
            leftover.unlink(missing_ok=True)
        return model


def partial_files(final: Path) -> list[Path]:
    """The files a download or pack assembly of ``final`` may leave while under way."""
    return [final.with_name(final.name + suffix) for suffix in (".part", ".pack-part", ".pack-part.json")]


def resolve_model_file(name_or_path: str, store: ModelStore) -> Path:
    """The GGUF file for a model name (pulled into ``store``) or a path to a ``.gguf`` file."""
    looks_like_path = name_or_path.endswith(".gguf") or os.sep in name_or_path or name_or_path.startswith(".")
    if looks_like_path:
        path = Path(name_or_path).expanduser()
        if path.is_file():
            return path.resolve()
        raise ModelNotFound(f"no model file at {path}: give an existing .gguf file, or a model name such as `crewmux models pull {catalog.DEFAULT_MODEL}`")
    found = store.path_of(name_or_path)
    if found is not None:
        return found
    if catalog.find(name_or_path):
        raise ModelNotFound(f"{name_or_path} is not pulled yet: run `crewmux models pull {name_or_path}`")
    known = ", ".join(catalog.names())
    raise ModelNotFound(
        f"unknown model {name_or_path!r}: pull one of the catalogue ({known}) with `crewmux models pull NAME`, "
        f"or bring your own with `crewmux models pull ./model.gguf --name {name_or_path}`"
    )
