#!/usr/bin/env bash
# Daemon memory: resident set at idle and its peak during a crawl, with 1, 100 and 1,000
# configured sources. The sources are local and generated: a Python proxy answers for
# s<N>.bench.test, each with a list page and 5 articles of about 5 KB.
#
#   bash benches/memory.sh [counts...]      (default: 1 100 1000; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS=${*:-1 100 1000}
cargo build --release --quiet
BIN=$(realpath target/release/portalfeed)
WORK=$(mktemp -d)
cleanup() { [ -n "${FARM:-}" ] && kill "$FARM" 2>/dev/null; [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null; rm -rf "$WORK"; true; }
trap cleanup EXIT

cat > "$WORK/farm.py" <<'PY'
import http.server, random, sys, urllib.parse
WORDS = "huyện xã thôn nhân dân cán bộ đảng ủy chính quyền mặt trận hội nghị tổng kết phong trào thi đua dân vận khéo nông thôn mới giao thông nước sạch".split()
def article(site, n):
    rnd = random.Random(f"{site}-{n}")
    paras = "".join("<p>" + " ".join(rnd.choice(WORDS) for _ in range(150)) + f" {rnd.randint(10, 99999)}.</p>" for _ in range(5))
    return f'<html><head><meta charset="utf-8"></head><body><div class="menu"><a href="/">Trang chủ</a></div><h1>Bài {n} của {site}</h1><div class="date">02/10/2023 09:05</div><div class="content">{paras}</div></body></html>'
def index(site):
    items = "".join(f'<div class="item"><h3><a href="/tin-tuc/bai-viet-so-{n}-cua-{site}.html">Bài viết số {n} của trang {site}</a></h3><p>Tóm tắt.</p></div>' for n in range(1, 6))
    return f'<html><head><meta charset="utf-8"></head><body><div class="list">{items}</div></body></html>'
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        site = (u.hostname or "").split(".")[0]
        if u.path == "/tin-tuc/":
            body = index(site)
        elif u.path.startswith("/tin-tuc/bai-viet-so-"):
            body = article(site, u.path.split("-so-")[1].split("-")[0])
        else:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        b = body.encode()
        self.send_response(200); self.send_header("Content-Type", "text/html; charset=utf-8"); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$WORK/farm.py" "$WORK/farm.port" &
FARM=$!
for _ in $(seq 50); do [ -s "$WORK/farm.port" ] && break; sleep 0.1; done
PROXY="http://127.0.0.1:$(cat "$WORK/farm.port")"

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
echo "| sources | idle (MiB) | peak during the first crawl (MiB) | after the crawl (MiB) | crawl time (s) | articles |"
echo "|---|---|---|---|---|---|"
for n in $COUNTS; do
  dir="$WORK/run-$n"; mkdir -p "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  {
    echo "[daemon]"; echo "listen = \"127.0.0.1:$port\""; echo "schedule = \"0 0 1 1 *\""; echo "per_host_delay = \"0s\""; echo "retries = 0"
    for i in $(seq "$n"); do echo "[[source]]"; echo "id = \"s$i\""; echo "url = \"http://s$i.bench.test/tin-tuc/\""; done
  } > "$dir/portalfeed.toml"
  # The first start crawls every source (none has run yet); the idle figure comes from a
  # second start, when every source has run and waits for its schedule.
  start=$(date +%s.%N)
  HTTP_PROXY=$PROXY http_proxy=$PROXY RUST_LOG=error "$BIN" run --config "$dir/portalfeed.toml" 2>/dev/null &
  DAEMON=$!
  for _ in $(seq 1200); do
    done_runs=$( (curl -sf "http://127.0.0.1:$port/metrics" || true) | awk '/^portalfeed_runs_total/ {s+=$2} END {print s+0}')
    [ "$done_runs" -ge "$n" ] && break
    sleep 0.25
  done
  took=$(echo "$(date +%s.%N) - $start" | bc)
  peak=$(hwm $DAEMON)
  sleep 2
  idle_after=$(rss $DAEMON)
  items=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^portalfeed_items / {print $2}')
  kill $DAEMON; wait $DAEMON 2>/dev/null || true; DAEMON=
  HTTP_PROXY=$PROXY http_proxy=$PROXY RUST_LOG=error "$BIN" run --config "$dir/portalfeed.toml" 2>/dev/null &
  DAEMON=$!
  sleep 3
  idle=$(rss $DAEMON)
  kill $DAEMON; wait $DAEMON 2>/dev/null || true; DAEMON=
  printf '| %s | %.1f | %.1f | %.1f | %.1f | %s |\n' "$n" "$(echo "$idle/1024" | bc -l)" "$(echo "$peak/1024" | bc -l)" "$(echo "$idle_after/1024" | bc -l)" "$took" "$items"
done
