#!/usr/bin/env python3
"""The status page in headless Chromium, driven over the DevTools protocol.

Usage: status_page.py BASE_URL ARTIFACTS_DIR SOURCE_ID... -- CRAWL_COMMAND...

At phone (390x844, mobile) and desktop (1280x900) widths it loads BASE_URL/, saves a
screenshot of the whole page to ARTIFACTS_DIR/status-{phone,desktop}.png and checks that:
  - every source id is listed, once;
  - rows come in order of trouble: failed, with a note, not run yet, fine;
  - nothing is wider than the screen (no sideways scrolling on a phone);
  - the search box submits to the search feed.
Then, with the desktop page open, it runs CRAWL_COMMAND and waits for the page to renew
its table from /events by itself: the table is replaced while the page is not reloaded.

Needs websocket-client (PyPI) and chromium. Exits 1 with the reason on the first failure.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def fail(message):
    print(f"chromium: {message}")
    sys.exit(1)


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="portalfeed-chromium-")
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        else:
            fail("Chromium did not open its DevTools port in 30 s")
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next((t for t in targets if t.get("type") == "page"), None)
        if page is None:
            fail(f"Chromium has no page target: {targets}")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})

    def eval(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            fail(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, seconds, what):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.eval(expression):
                return
            time.sleep(0.2)
        fail(f"{what} (waited {seconds} s)")

    def open(self, url, width, height, mobile):
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete' && !!document.getElementById('status')",
                      30, f"{url} did not load at {width}px")

    def screenshot(self, path):
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# Each row's trouble: 0 failed, 1 with a note, 2 not run yet, 3 fine (status.rs `Trouble`).
ROWS = """[...document.querySelectorAll('#status table.sources tbody tr')].map(tr => ({
  text: tr.cells[0].textContent,
  rank: tr.classList.contains('failed') ? 0 : tr.classList.contains('note') ? 1
      : tr.querySelector('.sentence').textContent.startsWith('Not run yet') ? 2 : 3,
}))"""


def check_page(browser, base, ids, width, height, mobile, shot):
    browser.open(base + "/", width, height, mobile)
    browser.screenshot(shot)
    rows = browser.eval(ROWS)
    for sid in ids:
        n = sum(f"({sid})" in r["text"] for r in rows)
        if n != 1:
            fail(f"at {width}px the status page lists {sid} {n} times")
    ranks = [r["rank"] for r in rows]
    if ranks != sorted(ranks):
        fail(f"at {width}px the rows are not in order of trouble: {ranks}")
    wide = browser.eval("""(() => {
      const w = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= w) return null;
      const over = [...document.querySelectorAll('#status *')]
        .filter(e => e.getBoundingClientRect().right > w + 1)
        .map(e => e.tagName + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''));
      return {page: document.documentElement.scrollWidth, screen: w, over: over.slice(0, 5)};
    })()""")
    if wide:
        fail(f"at {width}px the page is wider than the screen: {wide}")
    action = browser.eval("document.querySelector('form[role=search]').action")
    if not action.endswith("/feeds/search.atom"):
        fail(f"the search box submits to {action}, not the search feed")
    print(f"chromium: {width}px: {len(rows)} sources in order of trouble, no sideways "
          f"scrolling, search box; screenshot in {shot}")


def main():
    args = sys.argv[1:]
    if "--" not in args or len(args) < 4:
        sys.exit(__doc__)
    split = args.index("--")
    base, artifacts, ids, crawl = args[0], args[1], args[2:split], args[split + 1:]
    browser = Browser()
    try:
        check_page(browser, base, ids, 390, 844, True, os.path.join(artifacts, "status-phone.png"))
        check_page(browser, base, ids, 1280, 900, False,
                   os.path.join(artifacts, "status-desktop.png"))
        # Live: the open page renews its table from /events, without a reload.
        browser.eval("window.__notReloaded = true; "
                     "document.getElementById('status').dataset.old = 'yes'; true")
        done = subprocess.run(crawl, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode not in (0, 1):
            fail(f"the crawl failed ({done.returncode}): {done.stderr.decode()[-500:]}")
        browser.wait_for("!document.getElementById('status').dataset.old", 30,
                         "the open page did not renew itself after a crawl")
        if not browser.eval("window.__notReloaded === true"):
            fail("the page reloaded instead of renewing its table")
        print("chromium: after a crawl the open page renewed its table over /events, no reload")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
