"""Start a project's server, wait for its port, send it requests, stop it: inside the sandbox.

A standalone script (no crewmux imports): ``python serve.py SPEC``, SPEC one JSON object:
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
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
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
    with open(log_path, "rb") as log:
        data = log.read()
    report["output"] = data[-6000:].decode("utf-8", "replace")
    print(json.dumps(report))
    return 0


def drive_page(port, page):
    """Placeholder until pages are driven (see drive.py); the server checks stand alone."""
    return None


if __name__ == "__main__":
    sys.exit(main())
