#!/bin/bash
# The images step reads each docker-archive tarball's manifest.json (its RepoTags; no docker needed): a
# worker skips the images only a control plane runs (kube-apiserver, kube-controller-manager,
# kube-scheduler, etcd) and loads the rest (pause, kube-proxy, coredns, the CNI's), whatever the files are
# called; an archive holding one image a worker runs, an untagged one, or a file whose manifest cannot be
# read is loaded (docker judges it). The control plane loads them all.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
SEEDS=$HOST_FIXTURES/seeds

# archive FILE REF...: a docker-archive tarball (as `docker save` writes it: a layer, the image's config,
# manifest.json last) of one image tagged REF... ("-" for an untagged image); "FILE+" adds a second image
# tagged k8s.gcr.io/pause:3.6.
archive() {
        /usr/bin/python3 - "$@" <<'PY'
import io, json, sys, tarfile
path, refs = sys.argv[1], [r for r in sys.argv[2:] if r != "-"]
images = [{"Config": "c1.json", "RepoTags": refs, "Layers": ["l1/layer.tar"]}]
if path.endswith("+"):
        path = path[:-1]
        images.append({"Config": "c1.json", "RepoTags": ["k8s.gcr.io/pause:3.6"], "Layers": ["l1/layer.tar"]})
with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in (("l1/layer.tar", b"\0" * 3000), ("c1.json", b"{}"), ("manifest.json", json.dumps(images).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
PY
}

for node in master node-1; do
        R=$WORK/$node/root B=$WORK/$node/bin
        host_tree "$R"
        host_bin "$B" "$R"
        I=$R/var/lib/kube-firstboot/images
        mkdir -p "$I"
        archive "$I/kube-apiserver.tar" k8s.gcr.io/kube-apiserver:v1.23.6
        archive "$I/kube-controller-manager_v1.23.6.tar" k8s.gcr.io/kube-controller-manager:v1.23.6
        archive "$I/sched.tar" k8s.gcr.io/kube-scheduler:v1.23.6 registry.local:5000/k8s/kube-scheduler:v1.23.6
        archive "$I/etcd_3.5.1-0.tar" k8s.gcr.io/etcd:3.5.1-0
        archive "$I/kube-proxy.tar" k8s.gcr.io/kube-proxy:v1.23.6
        archive "$I/pause_3.6.tar" k8s.gcr.io/pause:3.6
        archive "$I/coredns.tar" k8s.gcr.io/coredns/coredns:v1.8.6
        archive "$I/flannel.tar" docker.io/flannel/flannel:v0.22.0
        archive "$I/etcd-and-pause.tar+" k8s.gcr.io/etcd:3.5.1-0
        archive "$I/untagged.tar" -
        archive "$I/etcd-like-name.tar" k8s.gcr.io/etcd-backup:1.0
        echo "not an archive" >"$I/broken.tar"
        run_cmd -o "$WORK/$node.plan" -e "$WORK/$node.plan" -m "$node: plan" \
                unshare -n env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" --live --seed "$SEEDS/$node" plan
done

loaded() { sed -n 's/^  images *would docker load -i //p' "$WORK/$1.plan" | sort | tr '\n' ' '; }
assert_eq "broken.tar coredns.tar etcd-and-pause.tar etcd-like-name.tar etcd_3.5.1-0.tar flannel.tar kube-apiserver.tar \
kube-controller-manager_v1.23.6.tar kube-proxy.tar pause_3.6.tar sched.tar untagged.tar " "$(loaded master)" \
        "the control plane loads every image"
assert_eq "broken.tar coredns.tar etcd-and-pause.tar etcd-like-name.tar flannel.tar kube-proxy.tar pause_3.6.tar untagged.tar " \
        "$(loaded node-1)" "a worker loads the images a worker runs"
for want in "kube-apiserver.tar: k8s.gcr.io/kube-apiserver:v1.23.6, a control-plane image; a worker does not run it" \
        "kube-controller-manager_v1.23.6.tar: k8s.gcr.io/kube-controller-manager:v1.23.6, a control-plane image" \
        "sched.tar: k8s.gcr.io/kube-scheduler:v1.23.6, a control-plane image" \
        "etcd_3.5.1-0.tar: k8s.gcr.io/etcd:3.5.1-0, a control-plane image"; do
        grep -qF -- "$want" "$WORK/node-1.plan" || fail "node-1 plan lacks: $want"
done
grep -qF "broken.tar: no readable manifest.json (not a docker-archive tarball?); loading it" "$WORK/node-1.plan" ||
        fail "node-1: no warning for the broken archive: $(cat "$WORK/node-1.plan")"
ok "a worker skips kube-apiserver, kube-controller-manager, kube-scheduler and etcd by their RepoTags; the control plane loads all"

# A truncated archive (its manifest.json cut off) is not read past its end: loaded, with the warning.
R=$WORK/node-1/root B=$WORK/node-1/bin
I=$R/var/lib/kube-firstboot/images
rm -f "$I"/*.tar
archive "$WORK/whole.tar" k8s.gcr.io/etcd:3.5.1-0
at=$(grep -abo manifest.json "$WORK/whole.tar" | head -n 1 | cut -d: -f1)   # its tar header
head -c "$((at + 512 + 10))" "$WORK/whole.tar" >"$I/etcd-cut.tar"
run_cmd -o "$WORK/cut.plan" -e "$WORK/cut.plan" -m "node-1: plan (truncated archive)" \
        unshare -n env KUBE_FIRSTBOOT_PATH="$B" "$AGENT" --root "$R" --live --seed "$SEEDS/node-1" plan
grep -qF "  images     would docker load -i etcd-cut.tar" "$WORK/cut.plan" || fail "the truncated archive is not loaded: $(cat "$WORK/cut.plan")"
grep -qF "etcd-cut.tar: no readable manifest.json" "$WORK/cut.plan" || fail "no warning for the truncated archive"
ok "a truncated archive is loaded with a warning, not read past its end"
