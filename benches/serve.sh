#!/usr/bin/env bash
# Serving benchmark: requests/s and latency for /feeds/all.atom from portalfeed, and the
# same file from nginx on the same machine in the same run, both with wrk on loopback.
#
#   bash benches/serve.sh [seconds]        (default 10; builds the release binary)
#
# The feed is padded to about 200 KB with 50 generated items (the corpus has 18).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}") >/dev/null
fi
cargo build --release --quiet
BIN=$(realpath target/release/portalfeed)
WORK=$(mktemp -d)
cleanup() { [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null; [ -n "${NGINX:-}" ] && kill "$NGINX" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P1=$(port); P2=$(port); P3=$(port)

# A database with 50 items of about 4 KB each, written through the library's own store
# (the benchmark binary of benches/store.rs would do; a small Python feeder keeps this
# script self-contained: it goes through `portalfeed crawl` against generated pages).
mkdir -p "$WORK/site"
python3 - "$WORK/site" <<'PY'
import os, sys, random
d = sys.argv[1]
random.seed(3)
words = "huyện xã thôn nhân dân cán bộ đảng ủy chính quyền mặt trận hội nghị tổng kết phong trào thi đua dân vận khéo nông thôn mới giao thông nước sạch trường học".split()
items = []
for n in range(1, 51):
    paras = "".join("<p>" + " ".join(random.choice(words) for _ in range(120)) + f" {n * 37 + k}.</p>" for k in range(6))
    open(os.path.join(d, f"bai-viet-so-{n}-ve-dan-van.html"), "w").write(
        f'<html><head><meta charset="utf-8"></head><body><h1>Bài viết số {n} về công tác dân vận</h1>'
        f'<div class="date">02/10/2023 09:{n % 60:02d}</div><div class="content">{paras}</div></body></html>')
    items.append(f'<div class="item"><h3><a href="/bai-viet-so-{n}-ve-dan-van.html">Bài viết số {n} về công tác dân vận</a></h3><p>Tóm tắt.</p></div>')
open(os.path.join(d, "index.html"), "w").write('<html><head><meta charset="utf-8"></head><body><div class="list">' + "".join(items) + "</div></body></html>")
PY
(cd "$WORK/site" && python3 -m http.server "$P2" --bind 127.0.0.1 >/dev/null 2>&1) &
SITE=$!
sleep 1
cat > "$WORK/portalfeed.toml" <<TOML
[daemon]
database = "portalfeed.db"
listen = "127.0.0.1:$P1"
schedule = "0 0 1 1 *"
per_host_delay = "0s"
max_items = 60
[[source]]
id = "bench"
url = "http://127.0.0.1:$P2/index.html"
TOML
RUST_LOG=error "$BIN" crawl --config "$WORK/portalfeed.toml" >/dev/null
kill $SITE
RUST_LOG=error "$BIN" run --config "$WORK/portalfeed.toml" 2>/dev/null &
DAEMON=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$P1/healthz" >/dev/null && break; sleep 0.1; done
mkdir -p "$WORK/www/feeds"
curl -sf "http://127.0.0.1:$P1/feeds/all.atom" -o "$WORK/www/feeds/all.atom"
SIZE=$(stat -c %s "$WORK/www/feeds/all.atom")
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/atom+xml atom; }
  gzip_static on;
  server { listen 127.0.0.1:$P3; root $WORK/www; etag on; }
}
NGINX
nginx -c "$WORK/nginx.conf" &
NGINX=$!
sleep 1
gzip -k "$WORK/www/feeds/all.atom"   # for nginx's gzip_static
echo "feed: $SIZE bytes, $(grep -o '<entry>' "$WORK/www/feeds/all.atom" | wc -l) entries; wrk: 2 threads, 32 connections, ${SECS}s"
for target in "portalfeed http://127.0.0.1:$P1/feeds/all.atom" "nginx http://127.0.0.1:$P3/feeds/all.atom"; do
  set -- $target
  out=$(wrk -t2 -c32 -d"${SECS}s" --latency "$2")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1: $rps requests/s, p50 $p50, p99 $p99"
  out=$(wrk -t2 -c32 -d"${SECS}s" --latency -H "Accept-Encoding: gzip" "$2")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1 (gzip): $rps requests/s, p50 $p50, p99 $p99"
done
if [ -n "${PERF:-}" ]; then
  perf record -g -p "$DAEMON" -o "$WORK/perf.data" -- sleep 5 >/dev/null 2>&1 &
  wrk -t2 -c32 -d5s "http://127.0.0.1:$P1/feeds/all.atom" >/dev/null
  wait
  perf report -i "$WORK/perf.data" --no-children --percent-limit 2 --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -20
fi
echo "peak RSS of the daemon: $(grep VmHWM /proc/$DAEMON/status | awk '{print $2, $3}')"
