"""The model store on a temp directory: where it lives, what it lists (from manifests, never
rehashing), the best pulled model, removal, and resolving a name or a path to a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crewmux.engine import catalog
from crewmux.engine.store import ModelNotFound, ModelStore, default_root, resolve_model_file, safe_file_name


def test_the_root_follows_crewmux_models_dir_then_xdg_then_home() -> None:
    assert default_root({"CREWMUX_MODELS_DIR": "/m", "XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/m")
    assert default_root({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/crewmux/models")
    assert default_root({"HOME": "/h"}) == Path("/h/.cache/crewmux/models")
    assert default_root({"CREWMUX_MODELS_DIR": "", "XDG_CACHE_HOME": "", "HOME": "/h"}) == Path("/h/.cache/crewmux/models")
    assert ModelStore.default({"CREWMUX_MODELS_DIR": "/m"}).root == Path("/m")


def put(store: ModelStore, name: str, data: bytes, params: int | None) -> Path:
    path = store.ensure() / (catalog.find(name).file_name if catalog.find(name) else safe_file_name(name))
    path.write_bytes(data)
    store.record(name, path, sha256=hashlib.sha256(data).hexdigest(), params=params, source="test")
    return path


def test_an_empty_or_missing_store_lists_nothing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "nowhere")
    assert store.list() == [] and store.best_pulled() is None and store.path_of("qwen2.5-coder:1.5b") is None
    assert not store.root.exists()  # looking does not create it


def test_listing_reads_the_manifests(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    small = put(store, "qwen2.5-coder:0.5b", b"small model", catalog.find("qwen2.5-coder:0.5b").params)
    mine = put(store, "my:model", b"my own gguf bytes", None)
    assert mine.name == "my-model.gguf"
    listed = {m.name: m for m in store.list()}
    assert set(listed) == {"qwen2.5-coder:0.5b", "my:model"}
    assert listed["my:model"].sha256 == hashlib.sha256(b"my own gguf bytes").hexdigest()
    assert listed["qwen2.5-coder:0.5b"].size_bytes == len(b"small model") and listed["qwen2.5-coder:0.5b"].path == small
    assert store.path_of("my:model") == mine
    # The sha256 is the manifest's: changing the bytes (same size) is not noticed by a listing,
    # which is why nothing but a verified pull writes a manifest.
    mine.write_bytes(b"my own gguf BYTES")
    assert store.get("my:model").sha256 == hashlib.sha256(b"my own gguf bytes").hexdigest()


def test_a_file_whose_size_changed_or_vanished_is_not_listed(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    path = put(store, "a:1", b"x" * 100, 1)
    path.write_bytes(b"x" * 50)
    assert store.list() == []
    path.unlink()
    assert store.list() == []
    (tmp_path / "junk.gguf.json").write_text("{not json")
    assert store.list() == []


def test_the_best_pulled_model_is_the_biggest(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    put(store, "qwen2.5-coder:0.5b", b"a" * 10, 494_000_000)
    assert store.best_pulled() == "qwen2.5-coder:0.5b"
    put(store, "qwen2.5-coder:1.5b", b"b" * 5, 1_540_000_000)
    put(store, "unknown:1", b"c" * 50, None)
    assert store.best_pulled() == "qwen2.5-coder:1.5b"


def test_remove_deletes_the_file_its_manifest_and_partial_downloads(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    path = put(store, "qwen2.5-coder:0.5b", b"m", 1)
    (tmp_path / (path.name + ".part")).write_bytes(b"half")
    other = put(store, "qwen2.5-coder:1.5b", b"n", 2)
    removed = store.remove("qwen2.5-coder:0.5b")
    assert removed.path == path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, other.name + ".json"])
    with pytest.raises(ModelNotFound, match="qwen2.5-coder:0.5b is not pulled"):
        store.remove("qwen2.5-coder:0.5b")


def test_resolve_a_name_or_a_path(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    pulled = put(store, "qwen2.5-coder:1.5b", b"m", 2)
    assert resolve_model_file("qwen2.5-coder:1.5b", store) == pulled
    own = tmp_path / "own.gguf"
    own.write_bytes(b"g")
    assert resolve_model_file(str(own), store) == own.resolve()
    with pytest.raises(ModelNotFound, match=r"qwen2.5-coder:0.5b is not pulled yet: run `crewmux models pull qwen2.5-coder:0.5b`"):
        resolve_model_file("qwen2.5-coder:0.5b", store)
    with pytest.raises(ModelNotFound, match=r"unknown model 'llama:70b'.*`crewmux models pull NAME`.*pull ./model.gguf --name llama:70b"):
        resolve_model_file("llama:70b", store)
    with pytest.raises(ModelNotFound, match=r"no model file at .*missing.gguf"):
        resolve_model_file(str(tmp_path / "missing.gguf"), store)


def test_the_catalogue_is_consistent() -> None:
    names = catalog.names()
    assert len(set(names)) == len(names) and catalog.DEFAULT_MODEL in names
    for entry in catalog.CATALOG:
        assert len(entry.sha256) == 64 and int(entry.sha256, 16) >= 0
        assert entry.file_name.endswith(".gguf") and entry.size_bytes > 100_000_000
        assert entry.hf_url().startswith(f"https://huggingface.co/{entry.hf_repo}/resolve/main/")
        assert entry.pack and entry.pack.requirement(1).endswith(f"1=={entry.pack.version}")
    assert catalog.find("qwen2.5-coder:1.5b").pack.member(7) == "data/part07.bin"
