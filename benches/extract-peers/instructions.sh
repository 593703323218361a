#!/bin/sh
# Instructions one pass over a set costs each engine, start-up excluded: the difference
# between a one-pass and a two-pass run under callgrind. Deterministic, unlike pages/s on
# a shared machine, so a change meant for speed can be judged by it.
#
#   benches/extract-peers/instructions.sh [SET] [ENGINE...]
#
# Needs valgrind (apt-get install valgrind). SET defaults to aeb-dev; ENGINE to
# portalfeed and dom_smoothie.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cargo build --release -q --manifest-path "$here/Cargo.toml"
bin="$here/target/release/extract-peers"
set_name=${1:-aeb-dev}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- portalfeed dom_smoothie
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" \
        --engine "$1" --set "$set_name" --passes "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for engine in "$@"; do
    one=$(count "$engine" 1)
    two=$(count "$engine" 2)
    echo "$set_name $engine: $(( (two - one) / 1000000 )) M instructions per pass"
done
