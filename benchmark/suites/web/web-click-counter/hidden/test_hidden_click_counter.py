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
        page.click("#increment")
        page.click("#increment")
        page.click("#increment")
        expect(page.text_content("#count").strip() == "3", "after three clicks on +1, #count shows " + page.text_content("#count"))
        page.click("#reset")
        expect(page.text_content("#count").strip() == "0", "after Reset, #count shows " + page.text_content("#count"))
        expect(page.get_attribute("body", "data-ready") == "yes", "the body has no data-ready=\"yes\"")
        browser.close()
    server.shutdown()
    for failure in FAILURES:
        print("FAILED:", failure)
    print(f"{0 if FAILURES else 1} passed, {1 if FAILURES else 0} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
