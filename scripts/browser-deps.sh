#!/bin/sh
# Browser tests drive Debian's Chromium; install it when missing (never a browser download of its own).
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation de Chromium (paquet Debian) pour les tests navigateur"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "Chromium absent : les tests navigateur seront ignorés (sudo apt-get install chromium)" >&2
fi
