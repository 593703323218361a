#!/usr/bin/env bash
# Serving benchmark: requests/s and latency for /feeds/all.atom from portalfeed, and the
# same file from nginx on the same machine in the same run, both with wrk on loopback.
#
#   [ROUNDS=5] bash benches/serve.sh [seconds-per-round]   (default 4; builds the release binary)
#
# The loopback machine is shared and noisy, so the four rows (portalfeed and nginx, plain and
# gzip) are measured in interleaved rounds and the medians reported.
#
# The feed is padded to about 200 KB with 50 generated items (the corpus has 18).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-4}
ROUNDS=${ROUNDS:-5}
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
# nginx workers run as an unprivileged user: without this, mktemp's 0700 folder makes
# nginx answer 403 to every request, and wrk happily counts those as requests.
chmod 755 "$WORK"
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
  sendfile on;
  tcp_nopush on;
  types { application/atom+xml atom; }
  gzip_static on;
  server { listen 127.0.0.1:$P3; root $WORK/www; etag on; }
}
NGINX
nginx -c "$WORK/nginx.conf" &
NGINX=$!
sleep 1
gzip -k "$WORK/www/feeds/all.atom"   # for nginx's gzip_static
# Both servers must answer 200 with the same body before anything is timed.
for url in "http://127.0.0.1:$P1/feeds/all.atom" "http://127.0.0.1:$P3/feeds/all.atom"; do
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url")
  [ "$got" = "200 $SIZE" ] || { echo "serve.sh: $url answered '$got', expected '200 $SIZE'" >&2; exit 1; }
  got=$(curl -s -H 'Accept-Encoding: gzip' -o "$WORK/probe.gz" -w '%{http_code}' "$url")
  [ "$got" = 200 ] && gzip -dc "$WORK/probe.gz" | cmp -s - "$WORK/www/feeds/all.atom" ||
    { echo "serve.sh: $url did not serve the same feed gzipped" >&2; exit 1; }
done
echo "feed: $SIZE bytes, $(grep -o '<entry>' "$WORK/www/feeds/all.atom" | wc -l) entries; wrk: 2 threads, 32 connections"
echo "$ROUNDS rounds of ${SECS}s per row, the four rows interleaved; medians of the rounds"
# A run with any error or non-200 answer measures nothing: stop rather than print it.
check() {
  if echo "$1" | grep -qE 'Non-2xx|Socket errors'; then
    echo "serve.sh: wrk saw errors:" >&2; echo "$1" >&2; exit 1
  fi
}
# wrk prints latencies as 512.00us / 1.20ms / 1.00s; keep them in microseconds.
micros() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else print n * 1000000 }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ROWS=("portalfeed plain http://127.0.0.1:$P1/feeds/all.atom" "nginx plain http://127.0.0.1:$P3/feeds/all.atom"
      "portalfeed gzip http://127.0.0.1:$P1/feeds/all.atom" "nginx gzip http://127.0.0.1:$P3/feeds/all.atom")
for round in $(seq "$ROUNDS"); do
  for i in "${!ROWS[@]}"; do
    set -- ${ROWS[$i]}
    enc=(); [ "$2" = gzip ] && enc=(-H "Accept-Encoding: gzip")
    out=$(wrk -t2 -c32 -d"${SECS}s" --latency "${enc[@]}" "$3")
    check "$out"
    echo "$out" | awk '/Requests\/sec/ {print $2}' >> "$WORK/rps.$i"
    micros "$(echo "$out" | awk '$1=="50%" {print $2}')" >> "$WORK/p50.$i"
    micros "$(echo "$out" | awk '$1=="99%" {print $2}')" >> "$WORK/p99.$i"
  done
done
for i in "${!ROWS[@]}"; do
  set -- ${ROWS[$i]}
  printf '%-10s %-5s %9.0f requests/s  p50 %6.0f us  p99 %6.0f us   (rounds: %s)\n' "$1" "$2" \
    "$(median < "$WORK/rps.$i")" "$(median < "$WORK/p50.$i")" "$(median < "$WORK/p99.$i")" \
    "$(awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }' "$WORK/rps.$i")"
done
if [ -n "${PERF:-}" ]; then
  perf record -g -p "$DAEMON" -o "$WORK/perf.data" -- sleep 5 >/dev/null 2>&1 &
  wrk -t2 -c32 -d5s "http://127.0.0.1:$P1/feeds/all.atom" >/dev/null
  wait
  perf report -i "$WORK/perf.data" --no-children --percent-limit 2 --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -20
fi
echo "peak RSS of the daemon: $(grep VmHWM /proc/$DAEMON/status | awk '{print $2, $3}')"
