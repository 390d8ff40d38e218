"""llama-server as the embedded engine, without a model: where it is built, how it is built
(the cmake line, the tools it needs, the source it takes), which engine ``crewmux serve``
runs, and how it runs llama-server (its command line carries no key)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from crewmux.engine import llama_server, server
from crewmux.engine.llama_server import (BuildError, Layout, build, cache_root, configure_argv, extract_llama_cpp, find_binary,
                                         server_argv, tools_missing)
from crewmux.engine.process import serve_argv
from crewmux.engine.server import ENGINE_VARIABLE, LLAMA_CPP_PYTHON, LLAMA_SERVER, chosen_backend
from crewmux.engine.settings import EngineSettings

KEY = "k-0123456789abcdef"


def _settings(tmp_path: Path) -> EngineSettings:
    return EngineSettings(model_path=tmp_path / "m.gguf", model_name="qwen2.5-coder:0.5b", port=4242, api_key=KEY,
                          n_ctx=8192, threads=2)


def _fake_binary(layout: Layout, script: str = "#!/bin/sh\nexit 0\n") -> Path:
    layout.binary.parent.mkdir(parents=True)
    layout.binary.write_text(script)
    layout.binary.chmod(layout.binary.stat().st_mode | stat.S_IXUSR)
    return layout.binary


def test_the_cache_follows_xdg_and_is_per_version(tmp_path: Path) -> None:
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "crewmux" / "llama-server"
    assert cache_root({"HOME": str(tmp_path)}) == tmp_path / ".cache" / "crewmux" / "llama-server"
    layout = Layout.default({"HOME": str(tmp_path)}, version="0.3.36")
    assert layout.binary == tmp_path / ".cache" / "crewmux" / "llama-server" / "0.3.36" / "bin" / "llama-server"


def test_only_an_executable_binary_counts_as_built(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "0.3.36", "0.3.36")
    assert find_binary(layout) is None
    layout.binary.parent.mkdir(parents=True)
    layout.binary.write_text("half a copy")
    assert find_binary(layout) is None  # not executable: an interrupted copy, or a stray file
    layout.binary.chmod(0o755)
    assert find_binary(layout) == layout.binary


def test_the_build_is_the_server_alone_static_and_offline(tmp_path: Path) -> None:
    argv = configure_argv(tmp_path / "src", tmp_path / "build", ninja=True)
    for flag in ("-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_CURL=OFF", "-DBUILD_SHARED_LIBS=OFF",
                 "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_BUILD_TESTS=OFF"):
        assert flag in argv
    assert argv[-2:] == ["-G", "Ninja"] and "-G" not in configure_argv(tmp_path, tmp_path, ninja=False)
    built = llama_server.build_argv(tmp_path / "build", 2)
    assert built[built.index("--target") + 1] == "llama-server" and built[-2:] == ["-j", "2"]


def test_missing_tools_are_named_with_what_to_install() -> None:
    assert tools_missing(lambda name: f"/usr/bin/{name}") is None
    message = tools_missing(lambda name: "/usr/bin/make" if name == "make" else None)
    assert message is not None and "cmake" in message and "C++ compiler" in message and "make or ninja" not in message
    assert "apt-get install cmake g++" in message


def test_build_without_cmake_fails_before_downloading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llama_server.shutil, "which", lambda name: None)
    layout = Layout(tmp_path / "v", "0.3.36")
    with pytest.raises(BuildError, match="needs cmake"):
        build(layout, echo=lambda line: None)
    assert not layout.sdist_dir.exists()


def test_a_built_binary_is_not_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llama_server.shutil, "which", lambda name: None)  # no tools needed: nothing is built
    layout = Layout(tmp_path / "v", "0.3.36")
    binary = _fake_binary(layout)
    assert build(layout, echo=lambda line: None) == binary


def _sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_only_vendor_llama_cpp_is_extracted(tmp_path: Path) -> None:
    sdist = _sdist(tmp_path / "s.tar.gz", {
        "llama_cpp_python-0.3.36/vendor/llama.cpp/CMakeLists.txt": b"project(llama)\n",
        "llama_cpp_python-0.3.36/vendor/llama.cpp/tools/server/server.cpp": b"int main(){}\n",
        "llama_cpp_python-0.3.36/llama_cpp/llama.py": b"# the bindings: not needed\n",
    })
    dest = extract_llama_cpp(sdist, tmp_path / "src", "0.3.36")
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["CMakeLists.txt", "tools/server/server.cpp"]


def test_an_archive_without_llama_cpp_is_refused(tmp_path: Path) -> None:
    sdist = _sdist(tmp_path / "s.tar.gz", {"other-1.0/setup.py": b""})
    with pytest.raises(BuildError, match="no vendor/llama.cpp"):
        extract_llama_cpp(sdist, tmp_path / "src", "0.3.36")


def test_an_archive_escaping_its_directory_is_refused(tmp_path: Path) -> None:
    sdist = _sdist(tmp_path / "s.tar.gz", {"llama_cpp_python-0.3.36/vendor/llama.cpp/../../../../escaped": b"x"})
    with pytest.raises(tarfile.OutsideDestinationError):
        extract_llama_cpp(sdist, tmp_path / "deep" / "src", "0.3.36")
    assert not (tmp_path / "escaped").exists()


def test_llama_server_gets_a_whole_context_per_slot_prefix_reuse_and_no_key(tmp_path: Path) -> None:
    argv = server_argv(Path("/cache/llama-server"), _settings(tmp_path), slots=4)
    assert argv[argv.index("--parallel") + 1] == "4" and "--no-kv-unified" in argv
    assert argv[argv.index("--ctx-size") + 1] == str(4 * 8192)  # each of the 4 slots has the run's 8192
    assert argv[argv.index("--threads") + 1] == "2" and argv[argv.index("--alias") + 1] == "qwen2.5-coder:0.5b"
    assert int(argv[argv.index("--cache-reuse") + 1]) > 0
    assert KEY not in " ".join(argv) and "--api-key" not in argv


def test_the_backend_is_llama_server_when_built_and_preferred_or_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    monkeypatch.setattr(server, "PREFER_LLAMA_SERVER", True)
    assert chosen_backend() == LLAMA_CPP_PYTHON  # nothing built
    _fake_binary(Layout.default())
    assert chosen_backend() == LLAMA_SERVER
    monkeypatch.setenv(ENGINE_VARIABLE, LLAMA_CPP_PYTHON)
    assert chosen_backend() == LLAMA_CPP_PYTHON
    monkeypatch.setattr(server, "PREFER_LLAMA_SERVER", False)
    monkeypatch.delenv(ENGINE_VARIABLE)
    assert chosen_backend() == LLAMA_CPP_PYTHON  # built, not preferred: only by name
    monkeypatch.setenv(ENGINE_VARIABLE, LLAMA_SERVER)
    assert chosen_backend() == LLAMA_SERVER


def test_crewmux_serve_becomes_llama_server_with_the_key_in_its_environment(tmp_path: Path) -> None:
    """The real ``crewmux serve`` with a run's secrets file: it execs the built binary (a
    script here that writes down what it got), the key in LLAMA_API_KEY only."""
    cache = tmp_path / "cache"
    seen = tmp_path / "seen.json"
    layout = Layout(cache / "crewmux" / "llama-server" / llama_server.engine_version(), llama_server.engine_version())
    _fake_binary(layout, f"#!{sys.executable}\nimport json, os, sys\n"
                         f"json.dump({{'argv': sys.argv, 'key': os.environ.get('LLAMA_API_KEY'), 'pid': os.getpid()}}, open({str(seen)!r}, 'w'))\n")
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LLAMA_API_KEY", ENGINE_VARIABLE)}
    env["XDG_CACHE_HOME"] = str(cache)
    argv = serve_argv(str(model), port=4343, threads=2, api_key_file=key_file, backend=LLAMA_SERVER)
    assert argv[argv.index("--engine") + 1] == LLAMA_SERVER
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    got = json.loads(seen.read_text())
    assert got["pid"] == process.pid  # exec: the service's pid is the engine's
    assert got["argv"][got["argv"].index("--model") + 1] == str(model) and "--port" in got["argv"]
    assert got["key"] == KEY and KEY not in " ".join(got["argv"])
    assert "engine: llama-server" in out


def test_forcing_llama_server_when_it_is_not_built_says_how_to_build(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "empty"), ENGINE_VARIABLE: LLAMA_SERVER}
    result = subprocess.run([sys.executable, "-m", "crewmux", "serve", str(model), "--port", "4344"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "python3 -m crewmux.engine.llama_server build" in result.stderr


def test_the_callers_engine_choice_travels_on_the_services_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run's engine is a tmux service, which does not get the caller's environment."""
    monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    assert "--engine" not in serve_argv("qwen2.5-coder:0.5b", port=1)
    monkeypatch.setenv(ENGINE_VARIABLE, LLAMA_SERVER)
    argv = serve_argv("qwen2.5-coder:0.5b", port=1)
    assert argv[argv.index("--engine") + 1] == LLAMA_SERVER
