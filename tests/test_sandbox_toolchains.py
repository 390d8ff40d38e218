"""The toolchains QA uses really run inside the bubblewrap sandbox: Python, Node, PHP, Go
(with its build cache in the sandbox's private /tmp), tsc, headless Chromium; and the
caller's extra read-only and writable paths behave as asked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox

pytestmark = pytest.mark.timeout(120)

_PROBE = Sandbox()
if not _PROBE.bwrap_ok:
    pytest.skip(f"bubblewrap does not work here: {_PROBE.bwrap_reason}", allow_module_level=True)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(require=True)


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "worktree"
    path.mkdir()
    return path


def _need(tool: str) -> None:
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")


def test_python(sandbox: Sandbox, worktree: Path) -> None:
    _need("python3")
    (worktree / "main.py").write_text("import json, sqlite3, ssl\nprint(json.dumps({'ok': 6 * 7}))\n")
    result = sandbox.run(["python3", "main.py"], worktree)
    assert result.ok, result
    assert result.stdout.strip() == '{"ok": 42}'
    assert not (worktree / "__pycache__").exists()


def test_node(sandbox: Sandbox, worktree: Path) -> None:
    _need("node")
    (worktree / "main.js").write_text("console.log([1,2,3].map(x => x * 2).join(','))\n")
    result = sandbox.run(["node", "main.js"], worktree)
    assert result.ok, result
    assert result.stdout.strip() == "2,4,6"


def test_php(sandbox: Sandbox, worktree: Path) -> None:
    _need("php")
    (worktree / "main.php").write_text("<?php echo json_encode(['sum' => array_sum([1, 2, 3])]), \"\\n\";\n")
    result = sandbox.run(["php", "main.php"], worktree)
    assert result.ok, result
    assert result.stdout.strip() == '{"sum":6}'


def test_go_builds_with_a_private_cache(sandbox: Sandbox, worktree: Path) -> None:
    _need("go")
    (worktree / "go.mod").write_text("module example.com/hello\n\ngo 1.19\n")
    (worktree / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("sum", 40+2) }\n')
    result = sandbox.run(["sh", "-c", "go build -o hello . && ./hello && go env GOCACHE"], worktree)
    assert result.ok, result
    lines = result.stdout.split()
    assert lines[:2] == ["sum", "42"]
    assert lines[2].startswith("/tmp/")


def test_typescript(sandbox: Sandbox, worktree: Path) -> None:
    _need("tsc")
    (worktree / "main.ts").write_text("const n: number = 21;\nconsole.log(`ts ${n * 2}`);\n")
    result = sandbox.run(["sh", "-c", "tsc --strict --outDir out main.ts && node out/main.js"], worktree)
    assert result.ok, result
    assert result.stdout.strip() == "ts 42"
    bad = worktree / "bad.ts"
    bad.write_text("const n: number = 'text';\n")
    failed = sandbox.run(["tsc", "--noEmit", "bad.ts"], worktree)
    assert failed.exit_code not in (0, None) and "TS2322" in failed.stdout


def test_headless_chromium(sandbox: Sandbox, worktree: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        pytest.skip("no Chromium installed")
    page = worktree / "index.html"
    page.write_text('<html><body><p id="p">static</p>'
                    '<script>document.getElementById("p").textContent = "js ran " + (6 * 7)</script></body></html>')
    result = sandbox.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        worktree, timeout=60,
    )
    assert result.ok, result.stderr[-2000:]
    assert "js ran 42" in result.stdout


def test_readable_extra_is_visible_but_read_only(sandbox: Sandbox, worktree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "toolcache"
    cache.mkdir()
    (cache / "tool.txt").write_text("tool data")
    result = sandbox.run(["sh", "-c", f"cat {cache}/tool.txt; echo x > {cache}/new.txt"], worktree,
                         readable=[cache])
    assert "tool data" in result.stdout
    assert not result.ok and not (cache / "new.txt").exists()
    hidden = sandbox.run(["cat", str(cache / "tool.txt")], worktree)
    assert not hidden.ok  # not visible without asking


def test_writable_extra(sandbox: Sandbox, worktree: Path, tmp_path: Path) -> None:
    extra = tmp_path / "shared-cache"
    extra.mkdir()
    result = sandbox.run(["sh", "-c", f"echo cached > {extra}/entry"], worktree, writable=[extra])
    assert result.ok, result
    assert (extra / "entry").read_text() == "cached\n"


def test_stdin_is_fed(sandbox: Sandbox, worktree: Path) -> None:
    data = b"line\n" * 100_000
    result = sandbox.run(["wc", "-l"], worktree, stdin=data)
    assert result.ok and result.stdout.strip() == "100000"


def test_playwright_python_with_the_system_chromium(sandbox: Sandbox, worktree: Path) -> None:
    """How QA can drive a browser inside the sandbox: crewmux's own interpreter (made
    readable) runs Playwright, which starts Chromium over a pipe, so no network is needed."""
    import sys

    pytest.importorskip("playwright")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("no system Chromium installed")
    (worktree / "check.py").write_text(
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p:\n"
        f"    browser = p.chromium.launch(executable_path={chromium!r}, args=['--no-sandbox'])\n"
        "    page = browser.new_page()\n"
        "    page.set_content(\"<p id=p>x</p><script>document.getElementById('p').textContent = 'pw ' + 6 * 7</script>\")\n"
        "    print(page.inner_text('#p'))\n"
        "    browser.close()\n"
    )
    prefixes = sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()})
    result = sandbox.run([sys.executable, "check.py"], worktree, readable=prefixes, timeout=90)
    assert result.ok, result.stderr[-2000:]
    assert result.stdout.strip() == "pw 42"
