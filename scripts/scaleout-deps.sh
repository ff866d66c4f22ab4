#!/bin/sh
# The reverse proxy of the scale-out test (tests/scaleout/): Debian's nginx, installed when missing and
# we are root. Only the program is used: the test runs it as a plain process with its own
# configuration; Debian's policy-rc.d keeps the package from starting a service of its own in containers.
[ -x "$(command -v nginx)" ] || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation de nginx (paquet Debian nginx-light) pour le test de montée en charge"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || true
fi
exit 0
