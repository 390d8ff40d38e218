"""Drives the page in headless Chromium like a person (Playwright), then checks what it shows."""

import functools
import http.server
import os
import sys
import threading

from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
FAILURES = []


def expect(ok, message):
    if not ok:
        FAILURES.append(message)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=HERE))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(3000)  # a missing element fails in seconds, not 30
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html", wait_until="load", timeout=20000)
        items = page.query_selector_all("ul#tasks > li.task")
        expect(len(items) == 3, f"ul#tasks holds {len(items)} li.task items, not 3")
        expect([i.get_attribute("data-id") for i in items] == ["1", "2", "3"], "the data-id attributes are not 1, 2, 3 in order")
        expect([i.text_content().strip() for i in items] == ["Write brief", "Build page", "Check it"], "the titles are not the items' text")
        expect(["done" in (i.get_attribute("class") or "").split() for i in items] == [True, False, False], "only the first item should have class done")
        browser.close()
    server.shutdown()
    for failure in FAILURES:
        print("FAILED:", failure)
    print(f"{0 if FAILURES else 1} passed, {1 if FAILURES else 0} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
