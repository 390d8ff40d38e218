"""Start a project's server, wait for its port, send it requests, stop it: inside the sandbox.

A standalone script (no crewmux imports; webcheck.py beside it gives the browser's flags and
listeners): ``python serve.py SPEC``, SPEC one JSON object:
the command (``{port}`` in it is the port), how long to wait, the requests to send
(and, optionally, a page to drive in Chromium). The server runs in a process group of its
own with PORT set; in the sandbox's own network namespace whatever port it listens on is
its port. It prints one JSON object: whether it listened and where, each answer, the page
report, the server's own output, and whether it was stopped.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import http.client
import urllib.parse

from webcheck import FLAGS, listen  # beside this script: one way to watch a page

LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_ports():
    """Ports something listens on in this network namespace (the sandbox's: only the server's)."""
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == LISTEN:
                ports.append(int(parts[1].rsplit(":", 1)[1], 16))
    return sorted(set(ports))


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(proc, port, seconds, own_network):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(port):
            return port, None
        if own_network:
            for other in listening_ports():
                if answers(other):
                    return other, None
        if proc.poll() is not None:
            return None, f"the server exited with code {proc.returncode} before it listened"
        time.sleep(0.1)
    return None, f"the server did not listen within {seconds:g} s"


def fill(path, placeholders, seen):
    for name in placeholders:
        value = seen.get(name, seen.get("id", 1))
        for form in ("{%s}" % name, ":" + name, "<%s>" % name, "<int:%s>" % name):
            path = path.replace(form, str(value))
    return path


def remember(seen, body):
    try:
        data = json.loads(body)
    except ValueError:
        return
    if isinstance(data, list) and data and isinstance(data[-1], dict):
        data = data[-1]
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (int, str)) and not isinstance(value, bool):
                seen.setdefault(key, value)


def request(port, item, seen, timeout):
    path = fill(item["path"], item.get("placeholders", []), seen)
    body = item.get("body")
    headers = {"Accept": "application/json"}
    if body is None:
        data = None
    elif item.get("form"):
        data = urllib.parse.urlencode(body if isinstance(body, dict) else {}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    out = {"route": item["route"], "method": item["method"], "path": path}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(item["method"], path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read(200000).decode("utf-8", "replace")
        out.update(status=response.status, headers={k.lower(): v for k, v in response.getheaders()}, body=text)
        remember(seen, text)
    except (OSError, http.client.HTTPException) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
    return out


def stop(proc, grace=2.0):
    """The server's whole process group: TERM, a grace period, KILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return True


def main():
    spec = json.loads(sys.argv[1])
    port = free_port()
    argv = [a.replace("{port}", str(port)) for a in spec["command"]]
    log_path = "/tmp/crewmux-server.log"
    report = {"command": argv, "port": None, "answers": [], "page": None, "output": "", "stopped": False}
    env = {**os.environ, **spec.get("env", {}), "PORT": str(port), "HOST": "127.0.0.1"}
    with open(log_path, "wb") as log:
        try:
            proc = subprocess.Popen(argv, cwd=spec.get("cwd") or ".", env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            report["error"] = f"the server could not start: {exc}"
            print(json.dumps(report))
            return 0
        try:
            found, why = wait_for_port(proc, port, float(spec.get("wait", 15)), bool(spec.get("own_network")))
            report["port"] = found
            if found is None:
                report["error"] = why
            else:
                seen = {}
                for item in spec.get("requests", []):
                    report["answers"].append(request(found, item, seen, float(spec.get("request_timeout", 10))))
                if spec.get("page"):
                    report["page"] = drive_page(found, spec["page"])
                report["exited_early"] = proc.poll() is not None
        finally:
            report["stopped"] = stop(proc)
    sent = list(spec.get("values", []))
    if report.get("page") and report["page"].get("filled"):
        sent += list(report["page"]["filled"].values())
    if sent:
        report["database"] = stored(sent, spec.get("cwd") or ".")
        report["database"]["sent"] = sent
    with open(log_path, "rb") as log:
        data = log.read()
    report["output"] = data[-6000:].decode("utf-8", "replace")
    print(json.dumps(report))
    return 0


def sample_for(field, token):
    """What a person would type into a field, marked with ``token`` so it can be found again."""
    kind = (field.get("type") or "text").lower()
    name = (field.get("name") or field.get("id") or "field").lower()
    if kind == "email" or "email" in name:
        return f"ada.{token}@example.com"
    if kind in ("number", "range") or name in ("age", "count", "quantity", "amount", "price"):
        return "7"
    if kind == "date":
        return "2024-05-01"
    if kind == "url":
        return f"https://example.com/{token}"
    if kind == "tel":
        return "5550100"
    return f"{(field.get('name') or field.get('id') or 'text').title()} {token}"


def drive_page(port, spec):
    """Open the page like a person: fill the form's fields, submit, look at what it shows."""
    origin = f"http://127.0.0.1:{port}"
    report = {"url": origin + spec.get("path", "/"), "console_errors": [], "page_errors": [], "failed_requests": [],
              "filled": {}, "form": False, "submitted": False, "changed": False, "shows": [], "screenshot": None, "origin": origin}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        report["missing"] = "playwright"
        return report
    token = spec.get("token", "crewmux")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=spec["chromium"], args=FLAGS, headless=True)
        tab = browser.new_page()
        listen(tab, report)
        try:
            tab.goto(report["url"], wait_until="load", timeout=20000)
            settle(tab)
            before = tab.inner_text("body")
            form = tab.query_selector("form")
            if form is not None:
                report["form"] = True
                for field in form.query_selector_all("input, textarea, select"):
                    info = field.evaluate("e => ({type: e.type, name: e.name, id: e.id, tag: e.tagName.toLowerCase()})")
                    key = info.get("name") or info.get("id") or info.get("tag")
                    if info["type"] in ("hidden", "submit", "button", "reset", "image", "file") or not field.is_visible():
                        continue
                    if info["type"] in ("checkbox", "radio"):
                        field.check()
                        report["filled"][key] = "checked"
                    elif info["tag"] == "select":
                        values = field.evaluate("e => Array.from(e.options).map(o => o.value).filter(v => v)")
                        if values:
                            field.select_option(values[0])
                            report["filled"][key] = values[0]
                    else:
                        value = sample_for(info, token)
                        field.fill(value)
                        report["filled"][key] = value
                submit = form.query_selector("button[type=submit], input[type=submit], button:not([type])")
                if submit is not None:
                    submit.click()
                else:
                    form.evaluate("f => f.requestSubmit()")
                report["submitted"] = True
                tab.wait_for_timeout(300)
                settle(tab)
                after = tab.inner_text("body")
                report["changed"] = after != before
                report["shows"] = [v for v in report["filled"].values() if v != "checked" and v in after]
            tab.screenshot(path=spec["screenshot"], full_page=True)
            report["screenshot"] = spec["screenshot"]
        except Exception as exc:  # a page that breaks is a finding, not a crash
            report["page_errors"].append({"text": f"{type(exc).__name__}: {exc}"})
        browser.close()
    # The browser asks for a favicon by itself; a page that has none is not broken.
    report["console_errors"] = [e for e in report["console_errors"] if "favicon.ico" not in e.get("url", "")
                                and not (e["text"].startswith("Failed to load resource") and not e.get("url"))]
    return report


def settle(tab):
    try:
        tab.wait_for_load_state("networkidle", timeout=5000)
    except Exception:
        pass
    tab.wait_for_timeout(200)


def stored(values, root=".", limit=20):
    """Where the SQLite files of the tree hold any of ``values`` (read-only; after the server stopped)."""
    import sqlite3
    found = {"databases": [], "stored_in": []}
    texts = [v for v in values if v and v != "checked" and len(v) > 3]
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules", ".venv", "venv")]
        for name in files:
            if not name.endswith((".db", ".sqlite", ".sqlite3")) or len(found["databases"]) >= limit:
                continue
            path = os.path.relpath(os.path.join(folder, name), root)
            found["databases"].append(path)
            try:
                db = sqlite3.connect(f"file:{os.path.abspath(os.path.join(folder, name))}?mode=ro", uri=True)
                db.execute("PRAGMA trusted_schema = OFF")
                tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:
                    quoted = '"' + table.replace('"', '""') + '"'
                    for row in db.execute(f"SELECT * FROM {quoted} LIMIT 10000"):
                        if any(isinstance(cell, str) and any(t in cell for t in texts) for cell in row):
                            found["stored_in"].append(f"{path} (table {table})")
                            break
                db.close()
            except sqlite3.Error as exc:
                found.setdefault("errors", []).append(f"{path}: {exc}")
    return found


if __name__ == "__main__":
    sys.exit(main())
