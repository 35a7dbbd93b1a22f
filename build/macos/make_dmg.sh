#!/usr/bin/env bash
# Makes build/dist/Kitdesk.app and build/dist/Kitdesk-<version>.dmg on macOS, signed
# and notarized when the identities are in the environment (skipped otherwise).
# Run from anywhere on a Mac with Xcode command line tools, after `make webui`:
#   bash build/macos/make_dmg.sh
# Environment (all optional):
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)"  -> codesign the app and dmg
#   MACOS_NOTARY_PROFILE  a `xcrun notarytool store-credentials` profile name, or
#   APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD                      -> notarize and staple
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')

# 1. The .icns from the committed 512 px PNG (the spec picks it up from build/pyinstaller-work).
iconset=$(mktemp -d)/kitdesk.iconset
mkdir -p "$iconset" build/pyinstaller-work
for size in 16 32 128 256 512; do
  sips -z $size $size desktop/kitdesk/assets/kitdesk-512.png --out "$iconset/icon_${size}x${size}.png" >/dev/null
  double=$((size * 2))
  [ $double -le 512 ] && sips -z $double $double desktop/kitdesk/assets/kitdesk-512.png --out "$iconset/icon_${size}x${size}@2x.png" >/dev/null
done
cp desktop/kitdesk/assets/kitdesk-512.png "$iconset/icon_256x256@2x.png"
iconutil -c icns "$iconset" -o build/pyinstaller-work/kitdesk.icns

# 2. The app bundle.
"$PY" -m PyInstaller --noconfirm --clean --distpath build/dist --workpath build/pyinstaller-work build/kitdesk.spec
app=build/dist/Kitdesk.app
"$app/Contents/MacOS/kitdesk" --self-test || echo "make_dmg.sh: warning: self-test failed (a login keychain is needed for the keyring check)"

# 3. Signing: hardened runtime, inside-out (every Mach-O, then the app).
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  entitlements=build/macos/entitlements.plist
  find "$app/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) -print0 |
    xargs -0 -I{} codesign --force --timestamp --options runtime --entitlements "$entitlements" --sign "$MACOS_SIGN_IDENTITY" "{}" 2>/dev/null || true
  codesign --force --timestamp --options runtime --entitlements "$entitlements" --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
else
  echo "make_dmg.sh: MACOS_SIGN_IDENTITY not set; the app is not signed (Gatekeeper will warn)"
fi

# 4. The disk image: the app and a link to /Applications.
dmg="build/dist/Kitdesk-$version.dmg"
stage=$(mktemp -d)
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "Kitdesk" -srcfolder "$stage" -ov -format UDZO "$dmg" >/dev/null
rm -rf "$stage"
[ -n "${MACOS_SIGN_IDENTITY:-}" ] && codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"

# 5. Notarization (needs a signed app).
if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${MACOS_NOTARY_PROFILE:-}${APPLE_ID:-}" ]; then
  if [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
  else
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD" --wait
  fi
  xcrun stapler staple "$dmg"
else
  echo "make_dmg.sh: notarization skipped (needs MACOS_SIGN_IDENTITY and MACOS_NOTARY_PROFILE or APPLE_ID/APPLE_TEAM_ID/APPLE_APP_PASSWORD)"
fi
echo "made $dmg"
