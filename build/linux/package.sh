#!/usr/bin/env bash
# Makes the Linux downloads from the PyInstaller bundle in build/dist/kitdesk:
#   build/dist/kitdesk-<version>-linux-<arch>.tar.gz   the bundle + kitdesk.desktop + icon + install.sh
#   build/dist/kitdesk_<version>_<debarch>.deb          installs to /opt/kitdesk (needs dpkg-deb)
# Run from anywhere after `make bundle`:
#   bash build/linux/package.sh            both
#   bash build/linux/package.sh --tar-only skip the .deb
# DEB_MAINTAINER="Name <mail>" sets the .deb Maintainer field.
# The bundle is self-contained except for the system graphics stack (libGL/EGL,
# libxcb, Wayland client libraries) and fonts, which the .deb depends on.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=build/dist/kitdesk
[ -x "$bundle/kitdesk" ] || { echo "package.sh: no bundle at $bundle; run 'make bundle' first" >&2; exit 1; }
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
arch=$(uname -m)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# ---- .tar.gz: unpack anywhere, run ./kitdesk/kitdesk or ./install.sh for a menu entry
name="kitdesk-$version-linux-$arch"
mkdir -p "$stage/$name"
cp -a "$bundle" "$stage/$name/kitdesk"
cp build/linux/kitdesk.desktop "$stage/$name/"
cp desktop/kitdesk/assets/kitdesk.png "$stage/$name/kitdesk.png"
cat > "$stage/$name/install.sh" <<'INSTALL'
#!/bin/sh
# Adds Kitdesk to your application menu (for this user), pointing at this folder.
set -e
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons" "$HOME/.local/bin"
cp "$here/kitdesk.png" "$icons/kitdesk.png"
sed "s|^Exec=kitdesk|Exec=\"$here/kitdesk/kitdesk\"|" "$here/kitdesk.desktop" > "$apps/kitdesk.desktop"
ln -sf "$here/kitdesk/kitdesk" "$HOME/.local/bin/kitdesk"
echo "Kitdesk added to the menu; run it as 'kitdesk' (~/.local/bin is on PATH in most desktops)."
INSTALL
chmod +x "$stage/$name/install.sh"
tar -C "$stage" -czf "build/dist/$name.tar.gz" "$name"
echo "made build/dist/$name.tar.gz ($(du -h "build/dist/$name.tar.gz" | cut -f1))"

# ---- .deb
if [ "${1:-}" = "--tar-only" ]; then exit 0; fi
if ! command -v dpkg-deb >/dev/null; then echo "package.sh: dpkg-deb not found; skipped the .deb"; exit 0; fi
debarch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
root="$stage/deb"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/256x256/apps" "$root/usr/share/icons/hicolor/512x512/apps"
cp -a "$bundle" "$root/opt/kitdesk"
# Tells the updater that apt owns this copy: it says "update with apt" and never replaces it.
printf 'apt' > "$root/opt/kitdesk/kitdesk-package-manager"
ln -s /opt/kitdesk/kitdesk "$root/usr/bin/kitdesk"
cp build/linux/kitdesk.desktop "$root/usr/share/applications/kitdesk.desktop"
cp desktop/kitdesk/assets/kitdesk.png "$root/usr/share/icons/hicolor/256x256/apps/kitdesk.png"
cp desktop/kitdesk/assets/kitdesk-512.png "$root/usr/share/icons/hicolor/512x512/apps/kitdesk.png"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: kitdesk
Version: $version
Architecture: $debarch
Maintainer: ${DEB_MAINTAINER:-Kitdesk maintainers <kitdesk@localhost>}
Installed-Size: $size
Section: net
Priority: optional
Depends: libc6 (>= 2.31), libgl1, libegl1, libdrm2, libxcb1, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0, libwayland-client0, libwayland-cursor0, libwayland-egl1, libfontconfig1, fonts-dejavu-core | fonts-liberation
Recommends: gnome-keyring | kwalletmanager, xdg-utils
Description: Desktop AI chat client for OpenAI and compatible models
 Kitdesk is a desktop chat app built on the ChatKit protocol. It talks to
 OpenAI and any OpenAI-compatible server, keeps API keys in the system
 keyring and stores every conversation in a local SQLite database.
CONTROL
dpkg-deb --root-owner-group --build "$root" "build/dist/kitdesk_${version}_${debarch}.deb" >/dev/null
echo "made build/dist/kitdesk_${version}_${debarch}.deb ($(du -h "build/dist/kitdesk_${version}_${debarch}.deb" | cut -f1))"
