#!/bin/sh
# Install the system libraries the platform needs from Debian's packages when they are missing:
# Pango and HarfBuzz's subsetter for WeasyPrint (charter and poster PDFs; without the subsetter
# WeasyPrint warns that it will soon be required) and a font for the PDFs.
set -e
missing=""
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || missing="$missing libharfbuzz-subset0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation des paquets système :$missing"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "Paquets système manquants :$missing — installez-les avec : sudo apt-get install$missing" >&2
    exit 1
fi
