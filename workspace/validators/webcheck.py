"""Load a page in headless Chromium and report what went wrong, inside the sandbox.

A standalone script (no crewmux imports): ``python webcheck.py ROOT PAGE SCREENSHOT``.
It serves ROOT on a loopback port of its own (the sandbox has no other network), opens
PAGE with the system Chromium through Playwright, and prints one JSON object: console
errors, uncaught page errors, failed requests, and where the screenshot went.
"""

import functools
import http.server
import json
import sys
import threading

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def listen(tab, report):
    """Collect the tab's console errors, uncaught page errors and failed requests into
    ``report`` (the browser's own favicon request is not the page's failure)."""
    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            report["console_errors"].append({"text": msg.text, "url": loc.get("url", ""), "line": loc.get("lineNumber")})

    def on_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            report["failed_requests"].append({"url": response.url, "error": f"HTTP {response.status}"})

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: report["page_errors"].append({"text": str(exc), "stack": (getattr(exc, "stack", "") or "")[:800]}))
    tab.on("requestfailed", lambda req: report["failed_requests"].append({"url": req.url, "error": req.failure or "failed"}))
    tab.on("response", on_response)


def main(root, page, screenshot, chromium="/usr/bin/chromium", settle_ms=500):
    handler = functools.partial(QuietHandler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    report = {"url": f"{origin}/{page}", "console_errors": [], "page_errors": [], "failed_requests": [], "screenshot": None}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        report["missing"] = "playwright"
        print(json.dumps(report))
        return 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        tab = browser.new_page()
        listen(tab, report)
        try:
            tab.goto(report["url"], wait_until="load", timeout=20000)
            tab.wait_for_timeout(settle_ms)
            tab.screenshot(path=screenshot, full_page=True)
            report["screenshot"] = screenshot
            report["title"] = tab.title()
        except Exception as exc:  # a page that never loads is a finding, not a crash
            report["page_errors"].append({"text": f"page did not load: {exc}"})
        browser.close()
    server.shutdown()
    report["origin"] = origin
    # The browser asks for a favicon by itself; a page that has none is not broken.
    report["console_errors"] = [e for e in report["console_errors"] if not e.get("url", "").endswith("/favicon.ico")]
    seen = set()
    failed = []
    for item in report["failed_requests"]:
        if item["url"].endswith("/favicon.ico") or item["url"] in seen:
            continue
        seen.add(item["url"])
        failed.append(item)
    report["failed_requests"] = failed
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
