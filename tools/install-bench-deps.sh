#!/bin/bash
# Installs, with apt-get, what bench/server.sh needs beyond tools/install-deps.sh: wrk, and nginx-light
# as the reference server. Not part of `make check`. Quiet when everything is present.
set -euo pipefail

packages=(wrk nginx-light python3 curl util-linux)

missing=()
for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
                missing+=("$p")
        fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "bench/install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi
echo "bench/install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
