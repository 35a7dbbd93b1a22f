#!/usr/bin/env bash
# Makes the app icons in desktop/kitdesk/assets from build/icons/kitdesk.svg:
# kitdesk.png (256 px, window + Linux), kitdesk-512.png (macOS .icns source)
# and kitdesk.ico (Windows, 16-256 px). The outputs are committed; rerun only
# after editing the SVG.   Usage: bash build/icons/make_icons.sh   (needs ImageMagick)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=desktop/kitdesk/assets
mkdir -p "$out"
svg=build/icons/kitdesk.svg
convert -background none -density 192 "$svg" -resize 512x512 -depth 8 -strip "PNG32:$out/kitdesk-512.png"
convert "$out/kitdesk-512.png" -resize 256x256 -strip "PNG32:$out/kitdesk.png"
convert "$out/kitdesk-512.png" -define icon:auto-resize=256,128,64,48,32,24,16 "$out/kitdesk.ico"
ls -l "$out"
