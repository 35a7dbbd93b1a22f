#!/usr/bin/env bash
# Installs the Debian packages the full test suite needs (window, browser,
# keyring and packaging tests). Run as root; a no-op when all are present.
# Usage: bash tests/system-deps.sh
set -euo pipefail
packages=(xvfb xauth x11-utils libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 imagemagick trayer
  chromium gnome-keyring dbus-x11 libsecret-tools libegl1 libgl1 libxkbcommon-x11-0
  libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 fonts-dejavu-core xdotool)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${missing[*]}; run as root: sudo bash tests/system-deps.sh" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
