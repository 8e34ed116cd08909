#!/bin/bash
# image/build-centos7.sh cannot run here (it needs cloud.centos.org, the vault, docker's and the
# kubernetes mirror's repositories and the image registries), so its plan is checked: shellcheck, then
# --dry-run (which must touch nothing) printing the GenericCloud image URL and its sha256 check, the
# repositories (the same as the kickstart writes), the pinned versions, the el7 rebuild of the source
# RPM (or a given el7 RPM), swap off, cloud-init removed, the units enabled, and exactly the images
# kubeadm 1.23.6 (registry.aliyuncs.com/google_containers) and the agent's flannel manifest use,
# each fetched with skopeo and uploaded to the directory the agent loads tarballs from.
. "$TOP/tests/lib/common.sh"

SCRIPT=$TOP/image/build-centos7.sh
[ -x "$SCRIPT" ] || fail "$SCRIPT missing or not executable"
command -v shellcheck >/dev/null || fail "shellcheck missing (tools/install-deps.sh installs it)"
shellcheck "$SCRIPT" || fail "shellcheck image/build-centos7.sh"
ok "shellcheck clean"

# A fake source RPM directory as `make rpm` leaves it.
mkdir -p "$WORK/SRPMS"
: >"$WORK/SRPMS/kube-firstboot-0.1.0-1.src.rpm"
OUT=$WORK/out/lab.qcow2
CACHE=$WORK/cache
HOME=$WORK/home "$SCRIPT" --dry-run --srpm-dir "$WORK/SRPMS" --out "$OUT" --cache "$CACHE" >"$WORK/plan" 2>"$WORK/plan.err" ||
        fail "--dry-run failed: $(cat "$WORK/plan.err")"
plan=$(cat "$WORK/plan")
echo "$plan" | head -n 8
for p in "$WORK/out" "$CACHE" "$WORK/home"; do [ ! -e "$p" ] || fail "--dry-run created $p"; done
ok "--dry-run ran and created nothing"

has() { grep -qF -- "$1" <<<"$plan" || fail "the plan lacks: $1"; }
line_no() { grep -nF -- "$1" <<<"$plan" | head -n 1 | cut -d: -f1; }

# The base image: the official URL, downloaded over https only, then checked before any use.
url=https://cloud.centos.org/centos/7/images/CentOS-7-x86_64-GenericCloud-2009.qcow2
sha=e38bab0475cc6d004d2e17015969c659e5a308111851b0e2715e84646035bdd3
has "+ curl -fL --retry 3 --proto =https -o $CACHE/CentOS-7-x86_64-GenericCloud-2009.qcow2.part $url"
has "+ sha256sum -c <<<'$sha  $CACHE/CentOS-7-x86_64-GenericCloud-2009.qcow2'"
[ "$(line_no 'sha256sum -c')" -lt "$(line_no 'qemu-img create')" ] || fail "the checksum is checked after the image is used"
ok "base image $url, sha256 checked before use"

# Repositories: the vault, docker-ce, the el7 kubernetes mirror; the same files as the kickstart writes.
for u in http://vault.centos.org/7.9.2009/os/\$basearch/ http://vault.centos.org/7.9.2009/updates/\$basearch/ \
         http://vault.centos.org/7.9.2009/extras/\$basearch/ https://download.docker.com/linux/centos/7/\$basearch/stable/ \
         https://mirrors.aliyun.com/kubernetes/yum/repos/kubernetes-el7-x86_64/; do
        has "    | baseurl=$u"
done
# repo_of SOURCE NAME: a repository file's lines without comments, from the plan or the kickstart.
plan_repo() { awk -v f="+ write $WORK/out/lab.work/$1:" '$0 == f { on = 1; next } on && /^    \| / { sub(/^    \| /, ""); print; next } { on = 0 }' "$WORK/plan" | grep -v '^#'; }
ks_repo() { awk -v f="cat >/etc/yum.repos.d/$1 <<'EOF'" '$0 == f { on = 1; next } on && /^EOF$/ { exit } on { print }' "$TOP/kickstart/kube-firstboot.ks" | grep -v '^#'; }
for r in CentOS-Base.repo docker-ce.repo kubernetes.repo; do
        [ -n "$(plan_repo $r)" ] || fail "the plan writes no $r"
        diff -u <(ks_repo $r) <(plan_repo $r) || fail "$r differs between the kickstart and the image"
done
ok "repositories: vault os/updates/extras, docker-ce, kubernetes el7 mirror, identical to the kickstart's"

# Pinned versions, installed past the repositories' update excludes.
has "--run-command 'yum -y --enablerepo=kubernetes --disableexcludes=all install docker-ce-20.10.24 docker-ce-cli-20.10.24 containerd.io kubelet-1.23.6 kubeadm-1.23.6 kubectl-1.23.6'"
ok "docker 20.10.24 and kubelet/kubeadm/kubectl 1.23.6 pinned"

# kube-firstboot: the source RPM rebuilt for el7 without the unit tests (no EPEL), then installed.
has "--upload $WORK/SRPMS/kube-firstboot-0.1.0-1.src.rpm:/root/srpm/"
has "rpmbuild --rebuild --without check"
has "+ virt-copy-out -a $WORK/out/lab.work/builder.qcow2 /root/rpmbuild/RPMS/x86_64 $WORK/out/lab.work/rpms"
has "--run-command 'yum -y localinstall /tmp/kube-firstboot.rpm && rm -f /tmp/kube-firstboot.rpm'"
grep -q '^%bcond_without check' "$TOP/rpm/kube-firstboot.spec" || fail "the spec has no check bcond for --without check"
# ... or an el7 RPM given: no rebuild.
HOME=$WORK/home "$SCRIPT" --dry-run --el7-rpm /srv/kube-firstboot-0.1.0-1.el7.x86_64.rpm --out "$OUT" >"$WORK/plan2" 2>&1 ||
        fail "--dry-run --el7-rpm failed: $(cat "$WORK/plan2")"
grep -qF -- "--upload /srv/kube-firstboot-0.1.0-1.el7.x86_64.rpm:/tmp/kube-firstboot.rpm" "$WORK/plan2" || fail "--el7-rpm not uploaded"
if grep -q 'rpmbuild\|builder.qcow2' "$WORK/plan2"; then fail "--el7-rpm still rebuilds"; fi
# the el7 RPMs are kept beside the image for the lab repository; --rpms-only stops there
has "+ cp -r $WORK/out/lab.work/rpms/x86_64/. $WORK/out/el7-rpms/"
HOME=$WORK/home "$SCRIPT" --dry-run --rpms-only --srpm-dir "$WORK/SRPMS" --out "$OUT" >"$WORK/plan3" 2>&1 ||
        fail "--dry-run --rpms-only failed: $(cat "$WORK/plan3")"
grep -q 'rpmbuild --rebuild --without check' "$WORK/plan3" || fail "--rpms-only does not rebuild"
grep -qx "done: el7 RPMs in $WORK/out/el7-rpms (dry run)" "$WORK/plan3" || fail "--rpms-only does not end with the RPMs"
if grep -q 'skopeo\|image.qcow2' "$WORK/plan3"; then fail "--rpms-only goes on to build the image"; fi
ok "kube-firstboot rebuilt for el7 from the source RPM, RPMs kept in el7-rpms/ (or a given el7 RPM installed)"

# The host preparation the image does ahead of the agent.
has "--uninstall cloud-init"
has "swap[[:space:]]"
has "/etc/fstab"
has "SELINUX=permissive"
has "--run-command 'systemctl enable kube-firstboot.service kube-firstboot-refresh.timer'"
has "--truncate /etc/machine-id"
has "--selinux-relabel"
ok "swap off, SELinux permissive, cloud-init removed, kube-firstboot enabled (docker left to the agent), machine-id cleared"

# The images: what kubeadm 1.23.6 pulls from the agent's default image repository, and what the
# agent's flannel manifest names with the agent's registry.
images_dir=$(sed -n 's/^#define IMAGES_DIR "\(.*\)"$/\1/p' "$TOP/firstboot/agent/role/role.h")
repo=$(grep -o '"registry[^"]*"' "$TOP/firstboot/agent/config/config.c" | tr -d '"')
k8s=$(grep -o '"v1\.[0-9]*\.[0-9]*"' "$TOP/firstboot/agent/config/config.c" | tr -d '"')
flannel_registry=$(sed -n 's/^#define FLANNEL_REGISTRY "\(.*\)"$/\1/p' "$TOP/firstboot/agent/role/control-plane.c")
assert_eq /var/lib/kube-firstboot/images "$images_dir" "IMAGES_DIR in role.h"
assert_eq registry.aliyuncs.com/google_containers "$repo" "the agent's default image repository"
assert_eq v1.23.6 "$k8s" "the agent's default kubernetes version"
assert_eq docker.io/flannel "$flannel_registry" "FLANNEL_REGISTRY in role/control-plane.c"
expected=(
        "$repo/kube-apiserver:$k8s" "$repo/kube-controller-manager:$k8s" "$repo/kube-scheduler:$k8s"
        "$repo/kube-proxy:$k8s" "$repo/pause:3.6" "$repo/etcd:3.5.1-0" "$repo/coredns:v1.8.6"
)
while IFS= read -r ref; do expected+=("$ref"); done < <(
        sed -n 's/^[[:space:]]*image:[[:space:]]*//p' "$TOP/firstboot/data/kube-flannel.yml.in" |
        sed "s|@FLANNEL_REGISTRY@|$flannel_registry|" | sort -u)
assert_eq 9 "${#expected[@]}" "images expected (7 for kubeadm, 2 for flannel)"
sed -n 's/^image: \([^ ]*\) -> .*/\1/p' "$WORK/plan" | sort >"$WORK/planned"
diff -u <(printf '%s\n' "${expected[@]}" | sort) "$WORK/planned" || fail "the image list differs"
for ref in "${expected[@]}"; do
        name=${ref##*/}
        tar=${name/:/_}.tar
        has "+ skopeo copy --override-os linux --override-arch amd64 docker://$ref docker-archive:$WORK/out/lab.work/images/$tar.part:$ref"
        has "--upload $WORK/out/lab.work/images/$tar:$images_dir/"
done
ok "images: ${expected[*]}, each a docker-archive tarball (*.tar, as the agent loads) in $images_dir"

# The final image is compressed into --out.
has "+ qemu-img convert -c -O qcow2 $WORK/out/lab.work/image.qcow2 $OUT.part"
has "+ mv $OUT.part $OUT"
ok "compressed into $OUT"

# Bad arguments are refused.
if "$SCRIPT" --dry-run --out "$WORK/lab.img" >/dev/null 2>&1; then fail "--out without .qcow2 accepted"; fi
if "$SCRIPT" --bogus >/dev/null 2>&1; then fail "unknown option accepted"; fi
ok "bad arguments refused"
