#!/bin/bash
# Installs, with apt-get, every Debian 12 package that building and testing kube-firstboot needs and
# that this machine lacks. Quiet when everything is present.
# install-deps.sh [PACKAGE...]: the packages named instead of that set (tools/install-bench-deps.sh).
set -euo pipefail

default_packages=(
        build-essential pkg-config gcc clang libclang-rt-14-dev
        libblkid-dev libyaml-dev libcurl4-openssl-dev libssl-dev libjson-c-dev libcmocka-dev
        libmicrohttpd-dev libcurl4-doc
        cloud-image-utils genisoimage dosfstools mtools
        qemu-system-x86 qemu-utils debootstrap
        util-linux fdisk e2fsprogs xfsprogs cloud-guest-utils
        openssl curl python3 python3-yaml python3-cryptography iproute2 nginx-light
        valgrind cppcheck clang-tools shellcheck
        rpm rpmlint cpio systemd shellcheck
        iptables conntrack socat ebtables ethtool
)
if [ $# -gt 0 ]; then
        packages=("$@")
else
        packages=("${default_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
                missing+=("$p")
        fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
