#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and checks what it installs (dpkg-deb -c):
# the binary, the example configuration as a conffile, the systemd unit, the README.
# Every dpkg-deb output is read whole into a variable before it is searched: `grep -q` on a
# pipe exits at the first match, and under pipefail the writer's SIGPIPE failed the run at random.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
deb=$(cargo deb --locked 2>/dev/null | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb made no package"; exit 1; }
contents=$(dpkg-deb -c "$deb")
passed=0
for want in ./usr/bin/portalfeed ./etc/portalfeed/portalfeed.toml /systemd/system/portalfeed.service ./usr/share/doc/portalfeed/README.md; do
  grep -q -- "$want" <<<"$contents" || { echo "deb: $want missing from $deb"; echo "$contents"; exit 1; }
  passed=$((passed + 1))
done
package=$(dpkg-deb -f "$deb" Package)
[ "$package" = portalfeed ] || { echo "deb: package is named '$package'"; exit 1; }
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
grep -qx /etc/portalfeed/portalfeed.toml <<<"$conffiles" || { echo "deb: conffiles: $conffiles"; exit 1; }
unit=$(grep -o '\./[^ ]*systemd/system/portalfeed.service' <<<"$contents")
unit=${unit%%$'\n'*}
unit_text=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO "$unit")
grep -qx 'ExecStart=/usr/bin/portalfeed run --config /etc/portalfeed/portalfeed.toml' <<<"$unit_text" \
  || { echo "deb: $unit has no ExecStart for /etc/portalfeed/portalfeed.toml"; exit 1; }
echo "deb: $deb"
echo "deb: $((passed + 3)) passed, 0 failed"
