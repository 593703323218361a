#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and checks what it installs (dpkg-deb -c):
# the binary, the example configuration as a conffile, the systemd unit, the README.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
deb=$(cargo deb --locked 2>/dev/null | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb made no package"; exit 1; }
contents=$(dpkg-deb -c "$deb")
passed=0
for want in ./usr/bin/portalfeed ./etc/portalfeed/portalfeed.toml /systemd/system/portalfeed.service ./usr/share/doc/portalfeed/README.md; do
  echo "$contents" | grep -q -- "$want" || { echo "deb: $want missing from $deb"; echo "$contents"; exit 1; }
  passed=$((passed + 1))
done
dpkg-deb -f "$deb" Package | grep -qx portalfeed
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/portalfeed/portalfeed.toml
unit=$(echo "$contents" | grep -o '\./[^ ]*systemd/system/portalfeed.service' | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -xO "$unit" | grep -qx 'ExecStart=/usr/bin/portalfeed run --config /etc/portalfeed/portalfeed.toml'
echo "deb: $deb"
echo "deb: $((passed + 3)) passed, 0 failed"
