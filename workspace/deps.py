"""A project's declared dependencies, installed outside the sandbox into a per-run
environment that the sandbox then sees read-only.

Installing code a model named is how supply-chain attacks start, so: only what a manifest
declares (requirements.txt, pyproject.toml's dependencies, package.json's dependencies),
only names and version ranges (no URLs, paths, git or options: a requirements line such as
``--index-url`` or ``-e .`` is refused), only what the ``[deps]`` policy of crewmux.toml
allows, and no package code at install time: pip takes wheels only
(``--only-binary=:all:``: no setup.py runs), npm runs no lifecycle scripts
(``--ignore-scripts``). The downloads are cached across attempts and runs (pip's and npm's
own caches); the environment is kept per run, keyed by what it holds. A package the
registry does not know is the coder's error, with the registry's answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Policy = Literal["all", "allow", "none"]
Kind = Literal["pip", "npm"]
_PIP_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9._,\s-]+\])?\s*(?P<version>((===|==|!=|~=|<=|>=|<|>)\s*[\w.*+!-]+\s*,?\s*)*)(;.*)?$")
_NPM_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$")
_NPM_RANGE = re.compile(r"^[\w.*^~<>=|\s-]*$")  # semver ranges and dist-tags, never a URL, path or git spec
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crewmux" / "deps"


@dataclass(frozen=True)
class DepsPolicy:
    policy: Policy = "all"
    allow: tuple[str, ...] = ()
    timeout: float = 300.0

    def refuses(self, name: str) -> str | None:
        if self.policy == "none":
            return "crewmux.toml's [deps] policy is \"none\": nothing is installed (use the standard library)"
        if self.policy == "allow" and _key(name) not in {_key(a) for a in self.allow}:
            return f"{name} is not on crewmux.toml's [deps] allow list ({', '.join(self.allow) or 'empty'})"
        return None


@dataclass(frozen=True)
class Requirement:
    kind: Kind
    name: str
    spec: str  # what is installed: "flask>=3" / "is-number@^7.0.0"
    manifest: str
    line: int | None = None


@dataclass
class Problem:
    manifest: str
    line: int | None
    message: str


@dataclass
class Environment:
    """Where the installed packages are, and how sandboxed tools see them."""

    root: Path
    python: Path | None = None  # a --target directory: on PYTHONPATH
    node: Path | None = None  # its node_modules: on NODE_PATH

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        out = dict(base or {})
        if self.python:
            out["PYTHONPATH"] = ":".join(p for p in (str(self.python), out.get("PYTHONPATH", "")) if p)
            path = out.get("PATH", "/usr/local/bin:/usr/bin:/bin")
            out["PATH"] = f"{self.python / 'bin'}:{path}"
        if self.node:
            out["NODE_PATH"] = str(self.node / "node_modules")
            path = out.get("PATH", "/usr/local/bin:/usr/bin:/bin")
            out["PATH"] = f"{self.node / 'node_modules' / '.bin'}:{path}"
        return out

    def readable(self) -> list[str]:
        return [str(p) for p in (self.python, self.node) if p]


@dataclass
class Installed:
    environment: Environment | None
    requirements: list[Requirement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the coder's: unknown or refused packages
    log: str = ""
    infrastructure: str = ""  # the installer itself could not run (no network, no npm): not the coder's fault


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(root: Path) -> tuple[list[Requirement], list[Problem]]:
    """What the project's manifests ask for (pure reading), and the lines that are refused."""
    reqs: list[Requirement] = []
    problems: list[Problem] = []
    for req_file in sorted(root.glob("requirements*.txt")):
        for number, raw in enumerate(req_file.read_text(errors="replace").splitlines(), 1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            _pip(line, req_file.name, number, reqs, problems)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            deps = tomllib.loads(pyproject.read_text()).get("project", {}).get("dependencies", [])
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            deps = []
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, str):
                _pip(dep.strip(), "pyproject.toml", None, reqs, problems)
    package = root / "package.json"
    if package.is_file():
        try:
            data = json.loads(package.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            problems.append(Problem("package.json", None, f"package.json is not valid JSON: {exc}"))
            data = {}
        for section in ("dependencies", "devDependencies"):
            entries = data.get(section) if isinstance(data, dict) else None
            for name, version in (entries.items() if isinstance(entries, dict) else []):
                if not _NPM_NAME.match(str(name)) or not isinstance(version, str) or not _NPM_RANGE.match(version):
                    problems.append(Problem("package.json", None, f"{name}: {version!r} is not a registry version range "
                                            "(URLs, paths and git specs are not installed)"))
                    continue
                reqs.append(Requirement("npm", name, f"{name}@{version.strip() or 'latest'}", "package.json"))
    unique = {(r.kind, _key(r.name)): r for r in reqs}
    return list(unique.values()), problems


def _pip(line: str, manifest: str, number: int | None, reqs: list[Requirement], problems: list[Problem]) -> None:
    match = _PIP_SPEC.match(line)
    if not match or line.startswith("-"):
        problems.append(Problem(manifest, number, f"{line!r} is not a plain requirement (name and version range); "
                                "options, URLs, paths and editable installs are not installed"))
        return
    spec = line.split(";", 1)[0].strip()
    reqs.append(Requirement("pip", match["name"], spec, manifest, number))


def install(root: Path, run_dir: Path, policy: DepsPolicy, cache: Path | None = None) -> Installed:
    """Install what ``root`` declares into ``run_dir/deps/<key>`` (reused when it is there)."""
    reqs, problems = declared(root)
    for req in reqs:
        why = policy.refuses(req.name)
        if why:
            problems.append(Problem(req.manifest, req.line, why))
    if problems:
        return Installed(None, reqs, problems)
    if not reqs:
        return Installed(None)
    cache = (cache or DEFAULT_CACHE).resolve()
    digest = hashlib.sha256(json.dumps(sorted(r.spec for r in reqs)).encode()).hexdigest()[:16]
    target = (run_dir / "deps" / digest).resolve()
    env = Environment(target, target / "python" if any(r.kind == "pip" for r in reqs) else None,
                      target / "node" if any(r.kind == "npm" for r in reqs) else None)
    if (target / "ok").is_file():
        return Installed(env, reqs, log=(target / "ok").read_text())
    building = target.with_name(digest + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    logs: list[str] = []
    for kind, runner in (("pip", _pip_install), ("npm", _npm_install)):
        batch = [r for r in reqs if r.kind == kind]
        if not batch:
            continue
        outcome = runner(batch, building, cache, policy.timeout)
        logs.append(outcome.log)
        if outcome.problems or outcome.infrastructure:
            shutil.rmtree(building, ignore_errors=True)
            return Installed(None, reqs, outcome.problems, "\n".join(logs), outcome.infrastructure)
    (building / "ok").write_text("\n".join(logs)[-4000:])
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return Installed(env, reqs, log="\n".join(logs))


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    try:
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or "") if isinstance(exc.stdout, str) else ""
        return -1, out + f"\n(stopped after {timeout:.0f} s)"
    except OSError as exc:
        return -2, str(exc)
    return done.returncode, (done.stdout or "") + (done.stderr or "")


_PIP_MISSING = re.compile(r"No matching distribution found for (\S+)")
_PIP_NO_VERSIONS = re.compile(r"Could not find a version that satisfies the requirement (\S+)(.*)")
_PIP_OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|ConnectTimeout")


def _pip_install(reqs: list[Requirement], building: Path, cache: Path, timeout: float) -> Installed:
    """Wheels into the shared wheel cache (pip skips a file it already has), then an offline
    install from there. pip's own HTTP cache is not relied on: some setups never write it."""
    env = {**os.environ, "PIP_CACHE_DIR": str(cache / "pip"), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PIP_NO_INPUT": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    specs = [r.spec for r in reqs]
    common = ["--only-binary=:all:", "--progress-bar", "off", "--find-links", str(wheels)]
    code, log = _run([sys.executable, "-m", "pip", "download", *common, "--dest", str(wheels), *specs], building, env, timeout)
    if code == 0:
        code, more = _run([sys.executable, "-m", "pip", "install", *common, "--no-index", "--no-compile",
                           "--no-warn-script-location", "--target", str(building / "python"), *specs], building, env, timeout)
        log += more
    if code == 0:
        return Installed(None, log=log)
    problems = []
    by_name = {_key(r.name): r for r in reqs}
    for match in _PIP_MISSING.finditer(log):
        name = re.split(r"[<>=!~\[;]", match.group(1))[0]
        req = by_name.get(_key(name))
        answer = next((m.group(0) for m in _PIP_NO_VERSIONS.finditer(log) if _key(re.split(r"[<>=!~\[;]", m.group(1))[0]) == _key(name)), "")
        problems.append(Problem(req.manifest if req else "requirements.txt", req.line if req else None,
                                f"pip cannot install {name}: the package index answered: {answer or match.group(0)}"
                                " (is the name right? only wheels are installed: a package with no wheel for this Python is not)"))
    if problems:
        return Installed(None, problems=problems, log=log)
    if _PIP_OFFLINE.search(log):
        return Installed(None, log=log, infrastructure="pip could not reach the package index: " + _last(log))
    return Installed(None, problems=[Problem(reqs[0].manifest, None, "pip install failed: " + _last(log, 6))], log=log)


_NPM_404 = re.compile(r"404 Not Found - GET (\S+)( - .*)?|'([^']+)' is not in this registry")
_NPM_NO_VERSION = re.compile(r"No matching version found for (\S+)")
_NPM_OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH")


def _npm_install(reqs: list[Requirement], building: Path, cache: Path, timeout: float) -> Installed:
    npm = shutil.which("npm")
    if npm is None:
        return Installed(None, infrastructure="npm is not installed")
    node = building / "node"
    node.mkdir()
    # Only the names and ranges: no scripts, no workspaces, no overrides from the model's package.json.
    (node / "package.json").write_text(json.dumps({"name": "crewmux-deps", "private": True,
                                                   "dependencies": {r.name: r.spec.rsplit("@", 1)[1] for r in reqs}}))
    env = {**os.environ, "npm_config_cache": str(cache / "npm"), "npm_config_update_notifier": "false",
           "npm_config_fund": "false", "npm_config_audit": "false"}
    code, log = _run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save", "--no-package-lock"],
                     node, env, timeout)
    if code == 0:
        return Installed(None, log=log)
    problems = []
    for match in _NPM_404.finditer(log):
        url = match.group(1) or match.group(3) or ""
        name = url.rsplit("/", 1)[-1].replace("%2f", "/").replace("%2F", "/")
        problems.append(Problem("package.json", None, f"npm cannot install {name}: the registry answered: {match.group(0).strip()}"
                                " (is the name right?)"))
    for match in _NPM_NO_VERSION.finditer(log):
        problems.append(Problem("package.json", None, f"npm cannot install {match.group(1)}: the registry answered: {match.group(0)}"))
    if problems:
        return Installed(None, problems=problems[:5], log=log)
    if _NPM_OFFLINE.search(log):
        return Installed(None, log=log, infrastructure="npm could not reach the registry: " + _last(log))
    return Installed(None, problems=[Problem("package.json", None, "npm install failed: " + _last(log, 6))], log=log)


def _last(log: str, lines: int = 3) -> str:
    kept = [line for line in log.strip().splitlines() if line.strip()]
    return " / ".join(kept[-lines:])
