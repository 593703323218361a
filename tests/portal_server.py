#!/usr/bin/env python3
"""Plays the corpus portals for shell-level tests (tests/readers.sh).

An HTTP proxy on 127.0.0.1: portalfeed is started with HTTP_PROXY pointing here, so
requests for http://longan.portal.test/... arrive in absolute form and the site is picked
by host, from the site.toml files of tests/fixtures/corpus. Special folders without a list
page get one at /portalfeed-fixture/<folder>/ (as in tests/common/mod.rs). A multi-step
page serves the file of the current step, which `GET http://control.test/step/N` sets.

    python3 tests/portal_server.py PORT_FILE
writes the port it listens on to PORT_FILE and serves until killed.
"""
import http.server
import json
import os
import sys
import tomllib
import urllib.parse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "corpus")
FOLDERS = ["s1-longan-portal", "s2-provincial-newspaper", "s3-hcmc-portal", "s4-dakrong-nukeviet", "s5-longan-danvan",
           "special/syndicated", "special/windows-1258", "special/nfd", "special/updated"]
ROUTES = {}
STEP = [1]

for folder in FOLDERS:
    d = os.path.join(ROOT, folder)
    with open(os.path.join(d, "site.toml"), "rb") as f:
        site = tomllib.load(f)
    host = urllib.parse.urlparse(site["base_url"]).hostname
    for p in site.get("page", []):
        ROUTES.setdefault((host, p["path"]), []).append((p.get("step"), os.path.join(d, p["file"]), p["content_type"]))
    if "list_url" not in site:
        exp = [json.load(open(os.path.join(d, f), encoding="utf-8")) for f in sorted(os.listdir(d)) if f.endswith("expected.json")]
        links = "".join(f'<div class="item"><h3><a href="{p["path"]}">{exp[0]["title"]}</a></h3></div>'
                        for p in site["page"] if p["role"] == "article")
        body = f'<html><head><meta charset="utf-8"></head><body><div class="news-list">{links}</div></body></html>'
        path = f"/portalfeed-fixture/{folder.replace('/', '-')}/"
        ROUTES[(host, path)] = [(None, body.encode("utf-8"), "text/html; charset=utf-8")]


# A province's document register (a SharePoint library view, tests/fixtures/documents):
# its files answer HEAD with their size and type, and are never to be downloaded (a GET
# of one is answered 410, so that a reader or a crawl that fetches one shows it).
DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "documents")
ROUTES[("vanban.portal.test", "/VanBan/Forms/AllItems.aspx")] = [
    (None, os.path.join(DOCS, "sharepoint-library.html"), "text/html; charset=utf-8")]
FILES = {
    "/VanBan/Shared%20Documents/QD-125-UBND.pdf": ("application/pdf", 48213),
    "/VanBan/Shared%20Documents/CV-356-UBND.docx":
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", 20480),
    "/VanBan/Shared%20Documents/NQ-05-HDND.pdf": ("application/pdf", 31744),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        u = urllib.parse.urlsplit(self.path)
        host = u.hostname or (self.headers.get("Host") or "").split(":")[0]
        if host == "vanban.portal.test" and u.path in FILES:
            ctype, size = FILES[u.path]
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        host = u.hostname or (self.headers.get("Host") or "").split(":")[0]
        path = u.path + (("?" + u.query) if u.query else "")
        if host == "control.test" and u.path.startswith("/step/"):
            STEP[0] = int(u.path.rsplit("/", 1)[1])
            return self.reply(200, b"ok", "text/plain")
        if host == "vanban.portal.test" and u.path in FILES:
            return self.reply(410, b"files are not to be downloaded", "text/plain")
        files = ROUTES.get((host, path))
        if not files:
            return self.reply(404, b"not found", "text/plain")
        chosen = next((f for f in files if f[0] in (None, STEP[0])), files[0])
        body = chosen[1] if isinstance(chosen[1], bytes) else open(chosen[1], "rb").read()
        self.reply(200, body, chosen[2])

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
