#!/bin/bash
# Builds the lab's CentOS 7 qcow2 from the official CentOS 7 GenericCloud image (7.9.2009) with
# virt-customize: repositories pointed at the vault (CentOS 7's mirror list is gone), docker 20.10.24,
# kubelet/kubeadm/kubectl 1.23.6, kube-firstboot rebuilt for el7 from the source RPM, swap off,
# cloud-init removed (the agent reads the seed, grows the root, sets hostname, network and SSH keys),
# kube-firstboot.service and the token refresh timer enabled, and every image kubeadm 1.23.6 and
# flannel need saved as `docker save` tarballs in /var/lib/kube-firstboot/images/, which the agent
# loads before kubeadm runs: the lab comes up with no registry access.
#
# It needs the network (cloud.centos.org, the vault, download.docker.com, the kubernetes mirror,
# the image registries), virt-customize (libguestfs-tools), qemu-img and skopeo, so it does not run
# in CI; --dry-run prints every step, with URLs, checksums and commands, and runs nothing: `make check`
# checks that plan (tests/integration/test-image-dry-run.sh) and this script with shellcheck.
#
# Usage: image/build-centos7.sh [--dry-run] [--srpm-dir DIR [--rpms-only] | --el7-rpm FILE]
#                               [--out FILE] [--cache DIR] [--root-password-file FILE]
#   --srpm-dir DIR   where `make rpm` put kube-firstboot-*.src.rpm (rebuilt for el7 in a throwaway
#                    copy of the base image, so the final image has no compiler); the el7 RPMs
#                    (kube-firstboot, kube-firstboot-server) are kept in el7-rpms/ beside --out, for
#                    the lab repository PXE installs use
#   --rpms-only      stop after that rebuild
#   --el7-rpm FILE   a kube-firstboot RPM already built on CentOS 7: no rebuild
#   --out FILE       the image (default build/image/kube-firstboot-centos7.qcow2)
#   --cache DIR      downloads kept between runs (default ~/.cache/kube-firstboot-image)
#   --root-password-file FILE   a console root password (default: root stays locked; SSH keys come
#                    from the seed)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

# ---- what goes into the image (the reference lab's versions) -----------------------------------
BASE_IMAGE=CentOS-7-x86_64-GenericCloud-2009.qcow2
BASE_URL=https://cloud.centos.org/centos/7/images/$BASE_IMAGE
# sha256 of that file, as published in the same directory's sha256sum.txt
BASE_SHA256=e38bab0475cc6d004d2e17015969c659e5a308111851b0e2715e84646035bdd3
VAULT=http://vault.centos.org/7.9.2009
DOCKER_REPO=https://download.docker.com/linux/centos/7/\$basearch/stable/
DOCKER_GPG=https://download.docker.com/linux/centos/gpg
KUBE_REPO=https://mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7-x86_64/
DOCKER_VERSION=20.10.24
KUBE_VERSION=1.23.6
# kubeadm 1.23.6's images (`kubeadm config images list --kubernetes-version v1.23.6
# --image-repository registry.aliyuncs.com/google_containers`; with a repository of its own, kubeadm
# asks for coredns at REPO/coredns, not REPO/coredns/coredns). The agent's default image_repository.
KUBE_IMAGE_REPO=registry.aliyuncs.com/google_containers
KUBE_IMAGES=(
        "kube-apiserver:v$KUBE_VERSION"
        "kube-controller-manager:v$KUBE_VERSION"
        "kube-scheduler:v$KUBE_VERSION"
        "kube-proxy:v$KUBE_VERSION"
        "pause:3.6"
        "etcd:3.5.1-0"
        "coredns:v1.8.6"
)
# Flannel's images: the manifest the agent applies names them; @FLANNEL_REGISTRY@ is what the agent
# puts there (FLANNEL_REGISTRY in firstboot/agent/role/control-plane.c).
FLANNEL_MANIFEST=$top/firstboot/data/kube-flannel.yml.in
FLANNEL_REGISTRY=docker.io/flannel
IMAGES_DIR=/var/lib/kube-firstboot/images

# ---- options -----------------------------------------------------------------------------------
dry_run=0
rpms_only=0
srpm_dir=
el7_rpm=
out=$top/build/image/kube-firstboot-centos7.qcow2
cache=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/kube-firstboot-image
root_password_file=
usage() { sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
        case $1 in
        --dry-run) dry_run=1 ;;
        --rpms-only) rpms_only=1 ;;
        --srpm-dir) srpm_dir=${2:?}; shift ;;
        --el7-rpm) el7_rpm=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        --cache) cache=${2:?}; shift ;;
        --root-password-file) root_password_file=${2:?}; shift ;;
        -h | --help) usage ;;
        *) echo "build-centos7.sh: unknown argument $1" >&2; usage ;;
        esac
        shift
done
case $out in *.qcow2) ;; *) echo "build-centos7.sh: --out must end in .qcow2" >&2; exit 2 ;; esac
if [ "$rpms_only" = 1 ] && [ -n "$el7_rpm" ]; then echo "build-centos7.sh: --rpms-only rebuilds: not with --el7-rpm" >&2; exit 2; fi
work=${out%.qcow2}.work
el7_rpms=$(dirname "$out")/el7-rpms

# ---- running or printing -----------------------------------------------------------------------
step_no=0
step() { step_no=$((step_no + 1)); printf '\n# step %d: %s\n' "$step_no" "$*"; }
# quote ARG: sets quoted to ARG as a shell word, single-quoted only when it needs to be (readable plans)
quote() {
        if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then quoted=$1; else quoted="'${1//\'/\'\\\'\'}'"; fi
}
# run CMD ARG...: prints the command (virt-customize: one operation a line), runs it unless --dry-run.
run() {
        local line='+' a quoted
        for a in "$@"; do
                if [ "$1" = virt-customize ] && [[ $a == --* ]]; then line+=$' \\\n   '; fi
                quote "$a"
                line+=" $quoted"
        done
        printf '%s\n' "$line"
        [ "$dry_run" = 1 ] || "$@"
}
# write_file PATH: stdin into PATH; --dry-run prints it instead.
write_file() {
        local content
        content=$(cat)
        printf '+ write %s:\n' "$1"
        while IFS= read -r l; do printf '    | %s\n' "$l"; done <<<"$content"
        [ "$dry_run" = 1 ] || printf '%s\n' "$content" >"$1"
}
need() {
        [ "$dry_run" = 1 ] && return 0
        local missing=() t
        for t in "$@"; do command -v "$t" >/dev/null || missing+=("$t"); done
        [ ${#missing[@]} -eq 0 ] || { echo "build-centos7.sh: missing: ${missing[*]} (Debian: apt-get install" \
                "libguestfs-tools qemu-utils skopeo curl)" >&2; exit 1; }
}

# ---- plan --------------------------------------------------------------------------------------
flannel_images=()
while IFS= read -r ref; do flannel_images+=("$ref"); done < <(
        sed -n 's/^[[:space:]]*image:[[:space:]]*//p' "$FLANNEL_MANIFEST" | sed "s|@FLANNEL_REGISTRY@|$FLANNEL_REGISTRY|" | sort -u)
[ ${#flannel_images[@]} -gt 0 ] || { echo "build-centos7.sh: no image: lines in $FLANNEL_MANIFEST" >&2; exit 1; }
all_images=()
for i in "${KUBE_IMAGES[@]}"; do all_images+=("$KUBE_IMAGE_REPO/$i"); done
all_images+=("${flannel_images[@]}")

if [ -z "$el7_rpm" ]; then
        srpm_dir=${srpm_dir:-$top/build/rpmbuild/SRPMS}
        srpms=()
        for f in "$srpm_dir"/kube-firstboot-[0-9]*.src.rpm; do [ -e "$f" ] && srpms+=("$f"); done
        if [ ${#srpms[@]} -ne 1 ]; then
                [ "$dry_run" = 1 ] || { echo "build-centos7.sh: want exactly one kube-firstboot-*.src.rpm in $srpm_dir" \
                        "(make rpm), found ${#srpms[@]}" >&2; exit 1; }
                srpms=("$srpm_dir/kube-firstboot-VERSION.src.rpm")
        fi
        srpm=${srpms[0]}
fi

echo "kube-firstboot CentOS 7 image$([ "$dry_run" = 1 ] && echo ' (dry run: nothing is run)')"
echo "  base:     $BASE_URL"
echo "  sha256:   $BASE_SHA256"
echo "  out:      $out"
echo "  packages: docker-ce $DOCKER_VERSION, kubelet/kubeadm/kubectl $KUBE_VERSION, kube-firstboot from ${el7_rpm:-$srpm}"
echo "  images:   ${#all_images[@]} into $IMAGES_DIR"

need curl sha256sum qemu-img virt-customize virt-copy-out
[ "$rpms_only" = 1 ] || need skopeo

step "base image $BASE_IMAGE, checked against its published sha256"
run mkdir -p "$cache" "$work" "$(dirname "$out")"
base=$cache/$BASE_IMAGE
if [ "$dry_run" = 1 ] || ! echo "$BASE_SHA256  $base" | sha256sum -c --status - 2>/dev/null; then
        run curl -fL --retry 3 --proto =https -o "$base.part" "$BASE_URL"
        run mv "$base.part" "$base"
fi
echo "+ sha256sum -c <<<'$BASE_SHA256  $base'"
if [ "$dry_run" != 1 ] && ! echo "$BASE_SHA256  $base" | sha256sum -c -; then
        rm -f "$base"
        echo "build-centos7.sh: $base does not match sha256 $BASE_SHA256; removed" >&2
        exit 1
fi

step "repositories: the vault for CentOS 7.9.2009, docker-ce, the el7 kubernetes mirror"
write_file "$work/CentOS-Base.repo" <<EOF
# CentOS 7.9.2009 from the vault (written by kube-firstboot's image/build-centos7.sh)
[base]
name=CentOS-7.9.2009 - Base
baseurl=$VAULT/os/\$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[updates]
name=CentOS-7.9.2009 - Updates
baseurl=$VAULT/updates/\$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7

[extras]
name=CentOS-7.9.2009 - Extras
baseurl=$VAULT/extras/\$basearch/
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-CentOS-7
EOF
write_file "$work/docker-ce.repo" <<EOF
[docker-ce-stable]
name=Docker CE Stable - \$basearch
baseurl=$DOCKER_REPO
enabled=1
gpgcheck=1
gpgkey=$DOCKER_GPG
exclude=docker-ce docker-ce-cli
EOF
# The mirror's signatures do not verify (the reference procedure sets gpgcheck=0 too): so the
# repository stays disabled on the image, as on a kickstart-installed node, and the build names it
# for its one install.
write_file "$work/kubernetes.repo" <<EOF
[kubernetes]
name=Kubernetes
baseurl=$KUBE_REPO
enabled=0
gpgcheck=0
repo_gpgcheck=0
exclude=kubelet kubeadm kubectl
EOF

if [ -z "$el7_rpm" ]; then
        step "kube-firstboot for el7: the source RPM rebuilt in a throwaway copy of the base image"
        builder=$work/builder.qcow2
        run qemu-img create -f qcow2 -F qcow2 -b "$base" "$builder"
        run virt-customize -a "$builder" \
                --upload "$work/CentOS-Base.repo:/etc/yum.repos.d/CentOS-Base.repo" \
                --run-command "yum -y install gcc make pkgconfig rpm-build systemd libblkid-devel libyaml-devel libcurl-devel openssl-devel json-c-devel libmicrohttpd-devel" \
                --mkdir /root/srpm \
                --upload "$srpm:/root/srpm/" \
                --run-command "rpmbuild --rebuild --without check --define '_topdir /root/rpmbuild' /root/srpm/*.src.rpm"
        run mkdir -p "$work/rpms" "$el7_rpms"
        run virt-copy-out -a "$builder" /root/rpmbuild/RPMS/x86_64 "$work/rpms"
        run cp -r "$work/rpms/x86_64/." "$el7_rpms/"
        if [ "$rpms_only" = 1 ]; then
                run rm -rf "$work"
                echo
                echo "done: el7 RPMs in $el7_rpms$([ "$dry_run" = 1 ] && echo ' (dry run)')"
                exit 0
        fi
        el7_rpm_glob="$work/rpms/x86_64/kube-firstboot-[0-9]*.el7*.x86_64.rpm"
        if [ "$dry_run" = 1 ]; then
                el7_rpm=$work/rpms/x86_64/kube-firstboot-VERSION.el7.x86_64.rpm
        else
                el7_rpm=$(compgen -G "$el7_rpm_glob" | head -n 1) ||
                        { echo "build-centos7.sh: the rebuild left no $el7_rpm_glob" >&2; exit 1; }
        fi
fi

step "container images for kubeadm $KUBE_VERSION ($KUBE_IMAGE_REPO) and flannel, as docker-archive tarballs"
run mkdir -p "$work/images"
tarballs=()
for ref in "${all_images[@]}"; do
        name=${ref##*/}
        tarball=$work/images/${name/:/_}.tar
        tarballs+=("$tarball")
        echo "image: $ref -> $IMAGES_DIR/${tarball##*/}"
        [ "$dry_run" != 1 ] && [ -s "$tarball" ] && { echo "  (cached)"; continue; }
        run skopeo copy --override-os linux --override-arch amd64 "docker://$ref" "docker-archive:$tarball.part:$ref"
        run mv "$tarball.part" "$tarball"
done

step "the image: packages, kube-firstboot, swap off, SELinux permissive, cloud-init out, units enabled, images in $IMAGES_DIR"
image_tmp=$work/image.qcow2
run cp --sparse=always "$base" "$image_tmp"
customize=(virt-customize -a "$image_tmp"
        --upload "$work/CentOS-Base.repo:/etc/yum.repos.d/CentOS-Base.repo"
        --upload "$work/docker-ce.repo:/etc/yum.repos.d/docker-ce.repo"
        --upload "$work/kubernetes.repo:/etc/yum.repos.d/kubernetes.repo"
        --run-command "yum -y --enablerepo=kubernetes --disableexcludes=all install docker-ce-$DOCKER_VERSION docker-ce-cli-$DOCKER_VERSION containerd.io kubelet-$KUBE_VERSION kubeadm-$KUBE_VERSION kubectl-$KUBE_VERSION"
        --upload "$el7_rpm:/tmp/kube-firstboot.rpm"
        --run-command "yum -y localinstall /tmp/kube-firstboot.rpm && rm -f /tmp/kube-firstboot.rpm"
        --uninstall cloud-init
        --run-command "sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)\$/#\\1/' /etc/fstab"
        --run-command "sed -i 's/^SELINUX=.*/SELINUX=permissive/' /etc/selinux/config"
        --run-command "systemctl enable kube-firstboot.service kube-firstboot-refresh.timer"
        --mkdir "$IMAGES_DIR")
for t in "${tarballs[@]}"; do customize+=(--upload "$t:$IMAGES_DIR/"); done
[ -n "$root_password_file" ] && customize+=(--root-password "file:$root_password_file")
# every clone must get its own machine-id (DHCP client id, journal) and SSH host keys at first boot
customize+=(--run-command "yum clean all && rm -rf /var/cache/yum"
        --run-command "rm -f /etc/ssh/ssh_host_*"
        --truncate /etc/machine-id
        --selinux-relabel)
run "${customize[@]}"

step "compress into $out"
run qemu-img convert -c -O qcow2 "$image_tmp" "$out.part"
run mv "$out.part" "$out"
run rm -rf "$work"
echo
echo "done: $out$([ "$dry_run" = 1 ] && echo ' (dry run)')"
echo "boot it with a per-node seed ISO: kube-firstboot seed --iso --out lab/ (README.md, \"VMs from the image\")"
