"""Imports against the standard library and what the project declares.

An import of a package the project does not declare is a finding, never an install:
the model may have imagined the package, and installing code a model named is how
supply-chain attacks start. This reads the files (it never runs them), so it runs here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import tomllib
from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, Finding

# Import name -> distribution name, where they differ, for the common cases.
PY_ALIASES = {
    "yaml": "pyyaml", "PIL": "pillow", "bs4": "beautifulsoup4", "sklearn": "scikit-learn",
    "cv2": "opencv-python", "dateutil": "python-dateutil", "jwt": "pyjwt", "dotenv": "python-dotenv",
    "magic": "python-magic", "OpenSSL": "pyopenssl", "google": "protobuf", "attr": "attrs",
}
# What the QA test runner itself provides to test files.
PY_TEST_TOOLS = {"pytest", "_pytest"}

NODE_BUILTINS = {
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
    "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector",
    "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl",
    "stream", "string_decoder", "sys", "test", "timers", "tls", "trace_events", "tty", "url", "util", "v8",
    "vm", "wasi", "worker_threads", "zlib",
}
_JS_IMPORT = re.compile(r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)['"]([^'"]+)['"]""", re.M)
# Top-level `use` imports (a trait's `use` inside a class body is indented); group uses
# (`use Foo\{A, B};`) give their common prefix.
_PHP_USE = re.compile(r"^use\s+(?:function\s+|const\s+)?\\?([A-Za-z_][\w\\]*)", re.M)
_PHP_NAMESPACE = re.compile(r"^\s*namespace\s+([A-Za-z_][\w\\]*)\s*[;{]", re.M)
# Namespaces PHP itself (or a common bundled extension) defines.
PHP_BUILTIN_NAMESPACES = {"random", "ffi", "dom", "pdo", "mongodb", "ds"}
# What the PHP test runner provides to test files.
PHP_TEST_TOOLS = {"phpunit"}
# Vendor namespaces whose package has another name.
PHP_ALIASES = {"illuminate": {"laravel/framework"}, "nunomaduro": {"laravel/framework"}}
_GO_IMPORT_BLOCK = re.compile(r"^import\s*\((.*?)\)", re.S | re.M)
_GO_IMPORT_ONE = re.compile(r'^import\s+(?:\w+\s+)?"([^"]+)"', re.M)


def _norm(name: str) -> str:
    return re.split(r"[\s<>=!~;\[(@]", name.strip(), maxsplit=1)[0].lower().replace("-", "_").replace(".", "_")


def python_declared(root: Path) -> set[str]:
    declared: set[str] = set()
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        project = data.get("project", {})
        for dep in project.get("dependencies", []):
            declared.add(_norm(dep))
        for deps in project.get("optional-dependencies", {}).values():
            declared |= {_norm(d) for d in deps}
        for deps in data.get("dependency-groups", {}).values():
            declared |= {_norm(d) for d in deps if isinstance(d, str)}
        poetry = data.get("tool", {}).get("poetry", {})
        declared |= {_norm(d) for d in poetry.get("dependencies", {})}
    for req in root.glob("requirements*.txt"):
        for line in req.read_text(errors="replace").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                declared.add(_norm(line))
    return declared


def python_local(root: Path, file: str) -> set[str]:
    """Modules importable from the project itself: top level, src/, and beside the file."""
    names: set[str] = set()
    for base in {root, root / "src", (root / file).parent}:
        if not base.is_dir():
            continue
        for child in base.iterdir():
            if child.suffix == ".py":
                names.add(child.stem)
            elif child.is_dir() and not child.name.startswith("."):
                names.add(child.name)
    return names


def python_imports(source: str) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def check_python(ctx: Context) -> list[Finding]:
    declared = python_declared(ctx.root)
    findings = []
    for file in ctx.existing((".py",)):
        local = python_local(ctx.root, file)
        is_test = Path(file).name.startswith("test_") or Path(file).stem.endswith("_test") or "tests" in Path(file).parts
        for name, line in python_imports((ctx.root / file).read_text(errors="replace")):
            if name in sys.stdlib_module_names or name in local or name == "__future__":
                continue
            if is_test and name in PY_TEST_TOOLS:
                continue
            if _norm(name) in declared or _norm(PY_ALIASES.get(name, name)) in declared:
                continue
            findings.append(Finding(file, line, f"imports {name!r}, which is neither the standard library, the project's own code, nor declared in pyproject.toml/requirements.txt (declare it in requirements.txt: declared packages are installed, as crewmux.toml's [deps] policy allows; or use the standard library)"))
    return findings


def _json_object(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def js_declared(root: Path) -> set[str]:
    data = _json_object(root / "package.json")
    declared = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        if isinstance(data.get(key), dict):
            declared |= set(data[key])
    return declared


def js_package(spec: str) -> str | None:
    if spec.startswith((".", "/", "node:", "http:", "https:", "data:")):
        return None
    parts = spec.split("/")
    name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
    return None if name in NODE_BUILTINS else name


def check_javascript(ctx: Context) -> list[Finding]:
    declared = js_declared(ctx.root)
    findings = []
    for file in ctx.existing((".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")):
        source = (ctx.root / file).read_text(errors="replace")
        for match in _JS_IMPORT.finditer(source):
            name = js_package(match.group(1))
            if name and name not in declared and not name.startswith("@types/"):
                line = source.count("\n", 0, match.start()) + 1
                findings.append(Finding(file, line, f"imports {name!r}, which is not a Node built-in and not declared in package.json (declare it in package.json: declared packages are installed, as crewmux.toml's [deps] policy allows; or use a built-in)"))
    return findings


def go_module(root: Path) -> tuple[str, set[str]]:
    gomod = root / "go.mod"
    if not gomod.is_file():
        return "", set()
    text = gomod.read_text(errors="replace")
    module = re.search(r"^module\s+(\S+)", text, re.M)
    requires = set(re.findall(r"^\s*(?:require\s+)?([\w.-]+\.[\w.-]+/\S+)\s+v", text, re.M))
    return (module.group(1) if module else ""), requires


def check_go(ctx: Context) -> list[Finding]:
    module, requires = go_module(ctx.root)
    findings = []
    for file in ctx.existing((".go",)):
        source = (ctx.root / file).read_text(errors="replace")
        specs = _GO_IMPORT_ONE.findall(source)
        for block in _GO_IMPORT_BLOCK.findall(source):
            specs += re.findall(r'"([^"]+)"', block)
        for spec in specs:
            first = spec.split("/")[0]
            if "." not in first or (module and spec.startswith(module)):
                continue
            if any(spec == r or spec.startswith(r + "/") for r in requires):
                continue
            line = source.count("\n", 0, source.find(f'"{spec}"')) + 1
            findings.append(Finding(file, line, f"imports {spec!r}, which go.mod does not require (crewmux installs nothing)"))
    return findings


def _php_key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "").replace(".", "")


def _autoload_prefixes(package: dict) -> set[str]:
    """The first namespace segments a composer package (or the project) autoloads."""
    found: set[str] = set()
    for section in ("autoload", "autoload-dev"):
        autoload = package.get(section)
        if not isinstance(autoload, dict):
            continue
        for kind in ("psr-4", "psr-0"):
            if isinstance(autoload.get(kind), dict):
                found |= {_php_key(prefix.strip("\\").split("\\")[0]) for prefix in autoload[kind] if prefix.strip("\\")}
    return found


def _php_files(root: Path, limit: int = 2000) -> list[Path]:
    """The project's own PHP files (not vendor/, node_modules/ or hidden directories)."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("vendor", "node_modules") and not d.startswith("."))
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".php")]
        if len(found) >= limit:
            return found[:limit]
    return found


def php_known(root: Path) -> tuple[set[str], set[str]]:
    """(namespace roots that are the project's own or installed, packages composer.json requires)."""
    composer = _json_object(root / "composer.json")
    known = _autoload_prefixes(composer)
    # Namespaces the project's own files declare, autoloaded or not.
    for path in _php_files(root):
        known |= {_php_key(ns.split("\\")[0]) for ns in _PHP_NAMESPACE.findall(path.read_text(errors="replace"))}
    installed = _json_object(root / "vendor" / "composer" / "installed.json")
    packages = installed.get("packages", [])
    for package in packages if isinstance(packages, list) else []:
        if isinstance(package, dict):
            known |= _autoload_prefixes(package)
    required: set[str] = set()
    for key in ("require", "require-dev"):
        if isinstance(composer.get(key), dict):
            required |= {name.lower() for name in composer[key] if "/" in name}
    return known, required


def php_declared(namespace: str, known: set[str], required: set[str]) -> bool:
    parts = [_php_key(p) for p in namespace.lstrip("\\").split("\\")]  # "A\\" -> ["a", ""]
    if len(parts) < 2 or parts[0] in PHP_BUILTIN_NAMESPACES or parts[0] in known:
        return True  # a global class (built-in or the project's own), or known code
    if PHP_ALIASES.get(parts[0], set()) & required:
        return True
    for package in required:
        vendor, _, name = package.partition("/")
        # Monolog\Logger: monolog/monolog; Carbon\Carbon: nesbot/carbon; Symfony\Component\Console: symfony/console
        if parts[0] in (_php_key(vendor), _php_key(name)) or parts[1] == _php_key(name) != "":
            return True
    return False


def check_php(ctx: Context) -> list[Finding]:
    known, required = php_known(ctx.root)
    findings = []
    for file in ctx.existing((".php",)):
        source = (ctx.root / file).read_text(errors="replace")
        for match in _PHP_USE.finditer(source):
            namespace = match.group(1)  # a group use ends in a backslash: a namespace
            if php_declared(namespace, known, required):
                continue
            if file.endswith("Test.php") and _php_key(namespace.split("\\")[0]) in PHP_TEST_TOOLS:
                continue  # the test runner provides it (phpunit, or crewmux's plain runner: validators/phptest.php)
            line = source.count("\n", 0, match.start()) + 1
            findings.append(Finding(file, line, f"uses {namespace}, from a package composer.json does not require (crewmux installs nothing: require it in composer.json or use PHP's built-ins)"))
    return findings


def check_imports(ctx: Context, language: str) -> CheckResult:
    checker = {"python": check_python, "javascript": check_javascript, "typescript": check_javascript, "go": check_go,
               "php": check_php}.get(language)
    if checker is None:
        return CheckResult("imports", "not_checked", f"not checked: imports of {language} are not checked")
    findings = checker(ctx)
    if findings:
        return CheckResult("imports", "failed", f"{len(findings)} undeclared import(s)", findings)
    return CheckResult("imports", "passed")
