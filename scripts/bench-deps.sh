#!/bin/sh
# The load generator of `make bench`: Debian's wrk when it can be installed; otherwise the bench
# falls back to its own Python client (slower, so it says which one it used).
[ -x "$(command -v wrk)" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation de wrk (paquet Debian) pour les mesures de charge"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true
fi
exit 0
