#!/usr/bin/env bash
# Unpack Debian's NTPsec into build/ntpsec/ without installing it: the package conflicts
# with chrony (both provide time-daemon), and the interop tests only need the ntpd binary.
# Idempotent and quiet; needs apt-get (the package lists must be current: .ci/run updates
# them). The shared libraries ntpd links (libssl3, libcap2, libbsd0) are installed here
# when missing, since they conflict with nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=build/ntpsec
NTPD=$DEST/usr/sbin/ntpd

if [ -x "$NTPD" ] && "$NTPD" --version >/dev/null 2>&1; then
  exit 0
fi

missing=()
for lib in libssl3 libcap2 libbsd0; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq ntpsec >/dev/null 2>&1) \
  || { echo "fetch_ntpsec: apt-get download ntpsec failed (run apt-get update?)" >&2; exit 1; }
rm -rf "$DEST"
mkdir -p "$DEST"
dpkg -x "$work"/ntpsec_*.deb "$DEST"

if ! "$NTPD" --version >/dev/null 2>&1; then
  echo "fetch_ntpsec: $NTPD does not run:" >&2
  ldd "$NTPD" | grep "not found" >&2 || true
  exit 1
fi
