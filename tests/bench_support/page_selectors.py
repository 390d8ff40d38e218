"""Which CSS selectors a page lacks once loaded in headless Chromium (a script run in the sandbox).

``python page_selectors.py ROOT PAGE CHROMIUM SELECTOR...`` serves ROOT on a loopback port of
its own, opens PAGE, and prints one JSON object: {"missing": [...]} (or {"error": ...}).
The bench scorer's page check replaces this once it checks selectors itself.
"""

import functools
import http.server
import json
import sys
import threading

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main(root, page, chromium, *selectors):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
            tab = browser.new_page()
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{page}", wait_until="load", timeout=20000)
            tab.wait_for_timeout(300)
            missing = [s for s in selectors if tab.query_selector(s) is None]
            browser.close()
        print(json.dumps({"missing": missing}))
    except Exception as exc:  # reported, so the test says why instead of a bare exit code
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
