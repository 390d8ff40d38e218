"""llama.cpp's own ``llama-server``, built from the llama.cpp that llama-cpp-python's source
distribution ships (``vendor/llama.cpp``), cached per version. It batches parallel slots:
several agents' streams share each read of the weights, where llama-cpp-python's server
answers one request at a time (docs/performance.md has the figures).

``python3 -m crewmux.engine.llama_server build`` builds it once (about 10 minutes on 2
cores); ``crewmux serve`` runs it whenever it is built, llama-cpp-python's server otherwise.

Layout: ``<cache>/crewmux/llama-server/<version>/bin/llama-server`` (a static binary), the
downloaded source distribution beside it in ``sdist/``; the build directory is removed
once the binary is in place.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crewmux.engine.settings import EngineSettings

PINNED_VERSION = "0.3.36"  # the llama-cpp-python whose llama.cpp we build when none is installed
BINARY = "llama-server"
KEY_ENV = "LLAMA_API_KEY"  # llama-server reads its key from here: never on its command line
# A prompt's shared prefix is reused from a slot's KV cache when at least this many tokens
# match by shifting (--cache-reuse); the exact-prefix cache (cache_prompt) is on by default.
CACHE_REUSE_TOKENS = 256
SLOTS_PER_ENGINE = 4  # a team's agents streaming at once; more slots only split the context


class BuildError(RuntimeError):
    """The build could not run or failed; the message says what to install or where the log is."""


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/crewmux/llama-server``, else ``~/.cache/crewmux/llama-server``."""
    env = os.environ if environ is None else environ
    cache = Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path(env.get("HOME") or Path.home()) / ".cache"
    return cache / "crewmux" / "llama-server"


def engine_version() -> str:
    """The installed llama-cpp-python's version (the same llama.cpp as the fallback engine)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llama-cpp-python")
    except PackageNotFoundError:
        return PINNED_VERSION


@dataclass(frozen=True)
class Layout:
    root: Path  # <cache>/crewmux/llama-server/<version>
    version: str

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None, version: str | None = None) -> "Layout":
        v = version or engine_version()
        return cls(cache_root(environ) / v, v)

    @property
    def binary(self) -> Path:
        return self.root / "bin" / BINARY

    @property
    def sdist_dir(self) -> Path:
        return self.root / "sdist"

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def log(self) -> Path:
        return self.root / "build.log"


def find_binary(layout: Layout | None = None) -> Path | None:
    """The built llama-server, or None (then the engine is llama-cpp-python's server)."""
    binary = (layout or Layout.default()).binary
    return binary if binary.is_file() and os.access(binary, os.X_OK) else None


def tools_missing(which: Callable[[str], str | None] | None = None) -> str | None:
    """What the build needs and this machine lacks, with what to install; None when all is here."""
    which = which or shutil.which
    lacking = [name for name, choices in (("cmake", ("cmake",)), ("a C++ compiler", ("c++", "g++", "clang++")),
                                          ("make or ninja", ("ninja", "make")))
               if not any(which(c) for c in choices)]
    if not lacking:
        return None
    return (f"building llama-server needs {', '.join(lacking)}: "
            "apt-get install cmake g++ make (Debian/Ubuntu), dnf install cmake gcc-c++ make (Fedora), "
            "brew install cmake (macOS, with the Xcode command line tools)")


def configure_argv(src: Path, build: Path, *, ninja: bool) -> list[str]:
    """cmake's configure step: the server only, CPU, static, no network at build or run time."""
    argv = ["cmake", "-S", str(src), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
            "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DBUILD_SHARED_LIBS=OFF",
            # The web UI would be fetched from Hugging Face or built with npm: crewmux needs the API only.
            "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF"]
    if ninja:
        argv += ["-G", "Ninja"]
    return argv


def build_argv(build: Path, jobs: int) -> list[str]:
    return ["cmake", "--build", str(build), "--config", "Release", "--target", BINARY, "-j", str(jobs)]


def sdist_name(version: str) -> str:
    return f"llama_cpp_python-{version}.tar.gz"


def _vendor_members(tar: tarfile.TarFile, version: str) -> tuple[str, list[tarfile.TarInfo]]:
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
    members = [m for m in tar.getmembers() if m.name.startswith(prefix) and (m.isfile() or m.isdir())]
    if not members:
        raise BuildError(f"{tar.name!s} holds no vendor/llama.cpp: not a llama-cpp-python source distribution")
    return prefix, members


def extract_llama_cpp(sdist: Path, dest: Path, version: str) -> Path:
    """vendor/llama.cpp of the source distribution into ``dest`` (files and directories only)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        prefix, members = _vendor_members(tar, version)
        for member in members:
            member.name = member.name[len(prefix):]
        tar.extractall(dest, members=[m for m in members if m.name], filter="data")
    return dest


class _Log:
    def __init__(self, path: Path, echo: Callable[[str], None]) -> None:
        self.path = path
        self.echo = echo

    def run(self, argv: list[str], niceness: int, cwd: Path | None = None) -> None:
        self.echo("$ " + " ".join(argv))
        with open(self.path, "ab") as log:
            log.write(("$ " + " ".join(argv) + "\n").encode())
            log.flush()
            result = subprocess.run(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
        if result.returncode != 0:
            tail = "\n".join(self.path.read_text(errors="replace").splitlines()[-20:])
            raise BuildError(f"`{argv[0]} {argv[1]}` failed (exit {result.returncode}); the whole log is {self.path}:\n{tail}")


def build(layout: Layout | None = None, *, jobs: int | None = None, niceness: int = 10,
          echo: Callable[[str], None] = print, keep_build: bool = False) -> Path:
    """Build llama-server into the cache unless it is there; its path.

    One build at a time per version (a lock in the cache); the source distribution is
    downloaded with pip once and kept, so a rebuild needs no network."""
    layout = layout or Layout.default()
    existing = find_binary(layout)
    if existing:
        return existing
    missing = tools_missing()
    if missing:
        raise BuildError(missing)
    layout.root.mkdir(parents=True, exist_ok=True)
    with open(layout.root / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second setup waits for the first, then finds the binary
        existing = find_binary(layout)
        if existing:
            return existing
        log = _Log(layout.log, echo)
        layout.log.write_text("")
        sdist = layout.sdist_dir / sdist_name(layout.version)
        if not sdist.is_file():
            layout.sdist_dir.mkdir(parents=True, exist_ok=True)
            log.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                     f"llama-cpp-python=={layout.version}", "-d", str(layout.sdist_dir)], niceness=0)
            if not sdist.is_file():
                raise BuildError(f"pip saved no {sdist.name} in {layout.sdist_dir}; see {layout.log}")
        echo(f"extracting llama.cpp from {sdist.name}")
        extract_llama_cpp(sdist, layout.src, layout.version)
        log.run(configure_argv(layout.src, layout.build_dir, ninja=shutil.which("ninja") is not None), niceness)
        log.run(build_argv(layout.build_dir, jobs or max(1, os.cpu_count() or 1)), niceness)
        built = layout.build_dir / "bin" / BINARY
        if not built.is_file():
            raise BuildError(f"the build finished without {built}; see {layout.log}")
        layout.binary.parent.mkdir(parents=True, exist_ok=True)
        partial = layout.binary.with_suffix(".partial")
        shutil.copy2(built, partial)
        os.replace(partial, layout.binary)  # whole or absent: find_binary never sees half a copy
        if not keep_build:
            shutil.rmtree(layout.build_dir, ignore_errors=True)
            shutil.rmtree(layout.src, ignore_errors=True)
        return layout.binary


def server_argv(binary: Path, settings: "EngineSettings", *, slots: int = SLOTS_PER_ENGINE) -> list[str]:
    """llama-server's command line for ``settings``: ``slots`` parallel slots, each with the
    whole ``n_ctx`` (the KV cache holds ``slots * n_ctx`` cells, so one agent's long prompt
    never shrinks another's), prefix reuse on. The key is not here: it goes in KEY_ENV."""
    return [str(binary), "--model", str(settings.model_path), "--alias", settings.model_name,
            "--host", settings.host, "--port", str(settings.port),
            "--ctx-size", str(settings.n_ctx * slots), "--parallel", str(slots), "--no-kv-unified",
            "--threads", str(settings.threads), "--threads-batch", str(settings.threads),
            "--batch-size", str(settings.n_batch), "--n-gpu-layers", str(settings.gpu_layers),
            "--cache-reuse", str(CACHE_REUSE_TOKENS), "--no-webui"]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m crewmux.engine.llama_server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True)
    b = verbs.add_parser("build", help="build llama-server into the cache (once per llama-cpp-python version)")
    b.add_argument("--jobs", "-j", type=int, help="parallel compile jobs (default: every core)")
    b.add_argument("--version", help=f"llama-cpp-python version whose llama.cpp to build (default: the installed one, else {PINNED_VERSION})")
    verbs.add_parser("path", help="print the built binary's path (exit 1 when it is not built)")
    args = parser.parse_args(argv)
    layout = Layout.default(version=getattr(args, "version", None))
    if args.verb == "path":
        found = find_binary(layout)
        print(found or f"not built: python3 -m crewmux.engine.llama_server build (would be {layout.binary})")
        return 0 if found else 1
    try:
        path = build(layout, jobs=args.jobs)
    except BuildError as exc:
        print(f"llama-server: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
