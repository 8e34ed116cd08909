#!/bin/bash
# The kubeadm and kubectl stand-ins themselves (tests/stand-ins/kubeadm, kubectl -> kubeadm): the
# files they write are real (openssl checks them), the CA pin they print is the one openssl computes,
# join checks token, expiry, endpoint and pin against the control plane's state, they reject what
# kubeadm 1.23 rejects (and what the stand-in is stricter about), fail on demand, and reset cleans up.
. "$(dirname "$0")/../lib/common.sh"

FIX=$TOP/tests/data/fixtures/kubeadm
ENDPOINT=192.168.220.104:6443
TOKEN=4kfq2x.1uxgk0vf7n9lz3qa   # the fixture's bootstrap token

# host NAME: a bin directory with the stand-ins (kubeadm, kubectl, and the kubelet whose version kubeadm's
# preflight asks for, 1.23.6) and a root tree for one machine.
host() {
        local d=$WORK/$1
        mkdir -p "$d/bin" "$d/root"
        ln -s "$TOP/tests/stand-ins/kubeadm" "$d/bin/kubeadm"
        ln -s "$TOP/tests/stand-ins/kubectl" "$d/bin/kubectl"
        ln -s "$TOP/tests/stand-ins/kubelet" "$d/bin/kubelet"
        echo "$d/root" >"$d/bin/kubeadm.root"
}
# machine NAME CPUS MEM_KB: the processors and the memory of host NAME, as its /proc shows them; kubeadm
# init's preflight counts these (NumCPU, Mem), not the test machine's.
machine() {
        local p=$WORK/$1/root/proc i
        mkdir -p "$p"
        : >"$p/cpuinfo"
        for ((i = 0; i < $2; i++)); do printf 'processor\t: %d\nmodel name\t: QEMU Virtual CPU\n\n' "$i" >>"$p/cpuinfo"; done
        printf 'MemTotal:       %8d kB\nMemFree:        %8d kB\n' "$3" "$(($3 / 2))" >"$p/meminfo"
}
VM_2G=2028060   # MemTotal of a 2 GiB VM: 1980 MB
VM_1G=1008664   # of a 1 GiB VM: 985 MB, as kubeadm reports it
# on NAME COMMAND ARG...: runs a stand-in of host NAME as the agent runs commands: an environment of only
# PATH, the host's bin directory; sets $out (stdout and stderr) and $rc.
on() {
        local name=$1 cmd=$2
        shift 2
        rc=0
        env -i PATH="$WORK/$name/bin" "$WORK/$name/bin/$cmd" "$@" >"$WORK/out" 2>&1 || rc=$?
        out=$(cat "$WORK/out")
}
expect_ok() { [ "$rc" -eq 0 ] || fail "$1: exit $rc: $out"; }
expect_fail() { # message needle
        [ "$rc" -eq 1 ] || fail "$1: expected exit 1, got $rc: $out"
        assert_contains "$out" "$2" "$1"
}
pin() { echo "sha256:$(openssl x509 -pubkey -noout <"$1" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)"; }
mode() { stat -c %a "$1"; }
kubeconfig_field() { # file field: the first "field: value" of a kubeconfig
        sed -n "s/^ *$2: //p" "$1" | head -n 1
}
join_config() { # file token hash [unsafe]
        cat >"$1" <<EOF
apiVersion: kubeadm.k8s.io/v1beta3
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: "$ENDPOINT"
    token: "$2"
    caCertHashes:
    - "$3"
${4:+    unsafeSkipCAVerification: true
}  timeout: "5m0s"
nodeRegistration:
  criSocket: "/var/run/dockershim.sock"
EOF
}

# ---------------------------------------------------------------- init with the fixture
host master
machine master 2 $VM_2G
M=$WORK/master/root
on master kubeadm init --config "$FIX/init.yaml"
expect_ok "init with the fixture"
assert_contains "$out" "[init] Using Kubernetes version: v1.23.6" "init banner"
assert_contains "$out" '[certs] Generating "ca" certificate and key' "certs phase"
assert_contains "$out" "Your Kubernetes control-plane has initialized successfully!" "init success"
assert_contains "$out" 'static Pods from directory "/etc/kubernetes/manifests". This can take up to 4m0s' "kubeadm's default wait"
CA_PIN=$(pin "$M/etc/kubernetes/pki/ca.crt")
printed=$(grep -A1 "^kubeadm join $ENDPOINT --token $TOKEN" "$WORK/out" | sed -n 's/.*--discovery-token-ca-cert-hash \(sha256:[0-9a-f]*\) $/\1/p')
assert_eq "$CA_PIN" "$printed" "printed CA pin equals openssl's"
ok "init prints the join command with the CA pin openssl computes"

openssl x509 -in "$M/etc/kubernetes/pki/ca.crt" -noout -text >"$WORK/ca.txt"
grep -q "Subject: CN *= *kubernetes" "$WORK/ca.txt" || fail "CA subject"
grep -q "CA:TRUE" "$WORK/ca.txt" || fail "CA basic constraints"
grep -q "Public-Key: (2048 bit)" "$WORK/ca.txt" || fail "CA is RSA 2048"
openssl pkey -in "$M/etc/kubernetes/pki/ca.key" -noout 2>/dev/null || fail "ca.key is a key"
assert_eq "$(openssl x509 -in "$M/etc/kubernetes/pki/ca.crt" -noout -modulus)" \
        "$(openssl rsa -in "$M/etc/kubernetes/pki/ca.key" -noout -modulus)" "ca.key matches ca.crt"
assert_eq 600 "$(mode "$M/etc/kubernetes/pki/ca.key")" "ca.key mode"
openssl verify -CAfile "$M/etc/kubernetes/pki/ca.crt" "$M/etc/kubernetes/pki/apiserver.crt" >/dev/null ||
        fail "apiserver.crt is signed by the CA"
openssl x509 -in "$M/etc/kubernetes/pki/apiserver.crt" -noout -ext subjectAltName | grep -q "IP Address:10.1.0.1" ||
        fail "apiserver SANs hold the first service address"
ok "a real CA (RSA 2048, 0600 key) and serving certificate signed by it"

for conf in admin.conf kubelet.conf controller-manager.conf scheduler.conf; do
        f=$M/etc/kubernetes/$conf
        assert_eq 600 "$(mode "$f")" "$conf mode"
        assert_eq "https://$ENDPOINT" "$(kubeconfig_field "$f" server)" "$conf server"
        kubeconfig_field "$f" certificate-authority-data | base64 -d | cmp -s - "$M/etc/kubernetes/pki/ca.crt" ||
                fail "$conf embeds the CA"
done
kubeconfig_field "$M/etc/kubernetes/admin.conf" client-certificate-data | base64 -d >"$WORK/admin.crt"
openssl verify -CAfile "$M/etc/kubernetes/pki/ca.crt" "$WORK/admin.crt" >/dev/null || fail "admin cert signed by the CA"
openssl x509 -in "$WORK/admin.crt" -noout -subject | grep -q "O *= *system:masters, CN *= *kubernetes-admin" ||
        fail "admin cert subject"
assert_eq /var/lib/kubelet/pki/kubelet-client-current.pem "$(kubeconfig_field "$M/etc/kubernetes/kubelet.conf" client-certificate)" \
        "kubelet.conf points at the rotatable client certificate"
openssl verify -CAfile "$M/etc/kubernetes/pki/ca.crt" "$M/var/lib/kubelet/pki/kubelet-client-current.pem" >/dev/null ||
        fail "kubelet client cert signed by the CA"
ok "admin.conf, kubelet.conf and the others are real kubeconfigs for https://$ENDPOINT"

for pod in kube-apiserver kube-controller-manager kube-scheduler etcd; do
        [ -s "$M/etc/kubernetes/manifests/$pod.yaml" ] || fail "manifest $pod.yaml"
done
grep -q "image: registry.aliyuncs.com/google_containers/kube-apiserver:v1.23.6" "$M/etc/kubernetes/manifests/kube-apiserver.yaml" ||
        fail "apiserver image from the config"
grep -q -- "--service-cluster-ip-range=10.1.0.0/16" "$M/etc/kubernetes/manifests/kube-apiserver.yaml" || fail "service CIDR"
grep -q -- "--cluster-cidr=10.244.0.0/16" "$M/etc/kubernetes/manifests/kube-controller-manager.yaml" || fail "pod CIDR"
grep -q "^cgroupDriver: systemd$" "$M/var/lib/kubelet/config.yaml" || fail "kubelet config cgroup driver"
grep -q -- "- 10.1.0.10$" "$M/var/lib/kubelet/config.yaml" || fail "kubelet cluster DNS from the service CIDR"
assert_eq 'KUBELET_KUBEADM_ARGS="--network-plugin=cni --node-ip=192.168.220.104 --pod-infra-container-image=registry.aliyuncs.com/google_containers/pause:3.6"' \
        "$(cat "$M/var/lib/kubelet/kubeadm-flags.env")" "kubeadm-flags.env with kubeletExtraArgs"
ok "static pod manifests and kubelet files carry the config's images, CIDRs and cgroup driver"

STATE=$M/var/lib/kubeadm-standin/cluster.json
assert_eq 600 "$(mode "$STATE")" "cluster.json mode"
assert_eq "$CA_PIN" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca_cert_hash"])' "$STATE")" "state CA pin"
grep -q "\"token\": \"$TOKEN\"" "$STATE" || fail "state holds the bootstrap token"
assert_eq "kubeadm init --config $FIX/init.yaml" "$(cat "$WORK/master/bin/calls.log")" "calls.log"
cmp -s "$FIX/init.yaml" "$WORK/master/bin/kubeadm-configs/1-init.yaml" || fail "config copy"
assert_eq 600 "$(mode "$WORK/master/bin/kubeadm-configs/1-init.yaml")" "config copy mode"
assert_eq 1 "$(cat "$WORK/master/bin/kubeadm.count-init")" "init count"
ok "state, calls.log and the config copy beside the stand-in"

on master kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz
expect_ok "readyz"
assert_eq ok "$out" "readyz answer"
on master kubectl --kubeconfig "$M/etc/kubernetes/admin.conf" get --raw=/healthz
assert_eq ok "$out" "healthz with the path under the root"
ok "kubectl get --raw /readyz answers ok through admin.conf"

# ---------------------------------------------------------------- ECDSA CA, init with flags
host other
machine other 2 $VM_2G
touch "$WORK/other/bin/kubeadm.ca-ecdsa"
on other kubeadm init --apiserver-advertise-address=192.168.220.104 --image-repository registry.aliyuncs.com/google_containers \
        --service-cidr=10.1.0.0/16 --pod-network-cidr=10.244.0.0/16 --kubernetes-version v1.23.6 --node-name other
expect_ok "init with the reference's flags"
O=$WORK/other/root
openssl x509 -in "$O/etc/kubernetes/pki/ca.crt" -noout -text | grep -q "ASN1 OID: prime256v1" || fail "ECDSA P-256 CA"
other_pin=$(pin "$O/etc/kubernetes/pki/ca.crt")
assert_contains "$out" "--discovery-token-ca-cert-hash $other_pin " "ECDSA CA pin printed"
[ "$other_pin" != "$CA_PIN" ] || fail "two clusters got the same CA"
grep -q "The default bootstrap token generated by 'kubeadm init'." "$O/var/lib/kubeadm-standin/cluster.json" ||
        fail "flag form generates the default token"
ok "ECDSA CA on demand; its pin equals openssl's too"

# ---------------------------------------------------------------- join
host node-1
echo "$STATE" >"$WORK/node-1/bin/kubeadm.cluster"
N1=$WORK/node-1/root
on node-1 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "sha256:$(printf '0%.0s' $(seq 64))" --node-name node-1
expect_fail "join with a wrong pin" "couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys \"$CA_PIN\" are pinned"
[ ! -e "$N1/etc/kubernetes/kubelet.conf" ] || fail "a failed discovery wrote kubelet.conf"
on node-1 kubeadm join $ENDPOINT --token 9zzzzz.1uxgk0vf7n9lz3qa --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_fail "join with an unknown token" 'token id "9zzzzz" is invalid for this cluster or it has expired'
on node-1 kubeadm join $ENDPOINT --token 4kfq2x.0000000000000000 --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_fail "join with a wrong token secret" "failed to verify JWS signature of received cluster info object"
on node-1 kubeadm join 192.168.220.105:6443 --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_fail "join with a wrong endpoint" "dial tcp 192.168.220.105:6443: connect: connection refused"
on node-1 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-unsafe-skip-ca-verification --node-name node-1
expect_fail "unsafe skip flag" "stand-in: refusing unsafe skip CA verification"
join_config "$WORK/unsafe.yaml" $TOKEN "$CA_PIN" unsafe
on node-1 kubeadm join --config "$WORK/unsafe.yaml"
expect_fail "unsafeSkipCAVerification: true" "stand-in: refusing unsafe skip CA verification"
on node-1 kubeadm join $ENDPOINT --token $TOKEN --node-name node-1
expect_fail "join without a pin" "using token-based discovery without caCertHashes can be unsafe"
echo $(($(date +%s) + 25 * 3600)) >"$WORK/node-1/bin/kubeadm.now"
on node-1 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_fail "join with an expired token (25 h later)" "token id \"4kfq2x\" is invalid for this cluster or it has expired"
rm "$WORK/node-1/bin/kubeadm.now"
[ -z "$(ls -A "$N1")" ] || fail "failed discoveries left files: $(find "$N1")"
ok "join refuses a wrong pin, unknown/expired/forged token, wrong endpoint, unsafe skip, no pin"

on node-1 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_ok "join with the right token and pin"
assert_contains "$out" "This node has joined the cluster:" "join success"
cmp -s "$M/etc/kubernetes/pki/ca.crt" "$N1/etc/kubernetes/pki/ca.crt" || fail "worker got the master's CA"
assert_eq "https://$ENDPOINT" "$(kubeconfig_field "$N1/etc/kubernetes/kubelet.conf" server)" "worker kubelet.conf server"
assert_eq 600 "$(mode "$N1/etc/kubernetes/kubelet.conf")" "worker kubelet.conf mode"
openssl verify -CAfile "$M/etc/kubernetes/pki/ca.crt" "$N1/var/lib/kubelet/pki/kubelet-client-current.pem" >/dev/null ||
        fail "worker client certificate signed by the master's CA"
cmp -s "$M/var/lib/kubelet/config.yaml" "$N1/var/lib/kubelet/config.yaml" || fail "worker kubelet config from the cluster"
[ ! -e "$N1/etc/kubernetes/bootstrap-kubelet.conf" ] || fail "bootstrap-kubelet.conf left behind"
on node-1 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-1
expect_fail "second join without reset" "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists"

host node-2
echo "$STATE" >"$WORK/node-2/bin/kubeadm.cluster"
join_config "$WORK/join.yaml" $TOKEN "$CA_PIN"
on node-2 kubeadm join --config "$WORK/join.yaml" --node-name node-2
expect_ok "join --config (with --node-name, which kubeadm lets you mix)"
cmp -s "$WORK/join.yaml" "$WORK/node-2/bin/kubeadm-configs/1-join.yaml" || fail "join config copy"
on master kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes
expect_ok "get nodes"
assert_eq "master NotReady control-plane,master|node-1 NotReady <none>|node-2 NotReady <none>" \
        "$(echo "$out" | awk 'NR > 1 { printf "%s%s %s %s", sep, $1, $2, $3; sep = "|" }')" "nodes before the CNI"
ok "join with token and pin, by flags and by JoinConfiguration; the nodes are in the cluster"

# ---------------------------------------------------------------- config and flag validation
# init_edited SED WHAT MESSAGE: init --config with the fixture edited by the sed script SED fails with
# MESSAGE (expect_fail WHAT MESSAGE); the edited copy stays in $WORK/bad.yaml.
init_edited() {
        sed "$1" "$FIX/init.yaml" >"$WORK/bad.yaml"
        on check kubeadm init --config "$WORK/bad.yaml"
        expect_fail "$2" "$3"
}
host check
machine check 2 $VM_2G
echo "$STATE" >"$WORK/check/bin/kubeadm.cluster"
on check kubeadm init --config "$FIX/init.yaml" --token $TOKEN --pod-network-cidr 10.244.0.0/16
expect_fail "mixing --config and flags" "can not mix '--config' with arguments [pod-network-cidr token]"
on check kubeadm init --config "$FIX/init.yaml" --cri-socket /var/run/dockershim.sock
expect_fail "--cri-socket with --config (disallowed since 1.22)" "can not mix '--config' with arguments [cri-socket]"
on check kubeadm join --config "$WORK/join.yaml" --discovery-token-ca-cert-hash "$CA_PIN"
expect_fail "join mixing" "can not mix '--config' with arguments [discovery-token-ca-cert-hash]"
on check kubeadm init --config "$FIX/init.yaml" --node-name check --ignore-preflight-errors=Swap --skip-phases=addon/kube-proxy --dry-run -v 5
expect_ok "flags kubeadm allows with --config"
[ ! -e "$WORK/check/root/etc/kubernetes" ] || fail "dry run wrote files"
init_edited 's/^  bindPort: 6443$/  bindPort: 6443\n  bogus: true/' "unknown field" 'json: unknown field "bogus"'
assert_contains "$out" 'Kind:"InitConfiguration"' "unknown field names the kind"
init_edited 's/^kind: ClusterConfiguration$/kind: ClusterConfig/' "unknown kind" 'Kind:"ClusterConfig"'
init_edited 's#kubeadm.k8s.io/v1beta3#kubeadm.k8s.io/v1beta1#' "old API" 'your configuration file uses an old API spec: "kubeadm.k8s.io/v1beta1"'
init_edited 's/4kfq2x.1uxgk0vf7n9lz3qa/4kfq2x.1uxgk0vf7n9lz3q/' "malformed token" 'was not of the form'
init_edited 's#10.244.0.0/16#10.1.128.0/17#' "overlapping CIDRs" 'networking.podSubnet: Invalid value: "10.1.128.0/17"'
init_edited 's#10.1.0.0/16#10.1.0.0/33#' "bad CIDR" "networking.serviceSubnet: Invalid value: \"10.1.0.0/33\": couldn't parse subnet"
init_edited 's/v1.23.6/v1.21.3/' "too old a version" "this version of kubeadm only supports deploying clusters with the control plane version >= 1.22.0"
init_edited 's/v1.23.6/v1.24.0/' "another minor's images" "[ERROR ImagePull]: failed to pull image registry.aliyuncs.com/google_containers/kube-apiserver:v1.24.0"
init_edited 's/cgroupDriver: systemd/cgroupDriver: foo/' "bad cgroup driver" 'cgroupDriver: Unsupported value: "foo"'
init_edited 's#/var/run/dockershim.sock#/run/containerd/containerd.sock#' "not docker's CRI socket" "[ERROR CRI]: container runtime is not running"
on check kubeadm init --pod-network-cidr
expect_fail "flag without value" "flag needs an argument: --pod-network-cidr"
on check kubeadm join --token-ttl 1h
expect_fail "init-only flag on join" "unknown flag: --token-ttl"
on check kubeadm token create --ttl 24 --kubeconfig /etc/kubernetes/admin.conf
expect_fail "duration without unit" 'invalid argument "24" for "--ttl" flag: time: missing unit in duration "24"'
[ ! -e "$WORK/check/root/etc" ] || fail "rejected commands wrote files"
ok "strict config decoding, field validation and kubeadm's flag rules"

# ---------------------------------------------------------------- preflight
host preflight
machine preflight 2 $VM_2G
touch "$WORK/preflight/bin/kubeadm.ca-ecdsa"    # ECDSA keys: the RSA path is covered above, and ECDSA is faster
P=$WORK/preflight/root
mkdir -p "$P/proc/sys/net/ipv4" "$P/proc/sys/net/bridge"
printf 'Filename\tType\tSize\tUsed\tPriority\n/dev/vda2 partition\t2097148\t0\t-2\n' >"$P/proc/swaps"
echo 0 >"$P/proc/sys/net/ipv4/ip_forward"
echo 1 >"$P/proc/sys/net/bridge/bridge-nf-call-iptables"
on preflight kubeadm init --config "$FIX/init.yaml"
expect_fail "swap on" "[ERROR Swap]: running with swap on is not supported. Please disable swap"
assert_contains "$out" "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1" "ip_forward"
case "$out" in *bridge-nf-call-iptables*) fail "bridge sysctl set to 1 was reported" ;; esac
on preflight kubeadm init --config "$FIX/init.yaml" --ignore-preflight-errors=swap
expect_fail "swap ignored, ip_forward still fatal" "[ERROR FileContent--proc-sys-net-ipv4-ip_forward]"
assert_contains "$out" "[WARNING Swap]" "ignored check becomes a warning"
[ ! -e "$P/etc/kubernetes" ] || fail "failed preflight wrote files"
printf 'Filename\tType\tSize\tUsed\tPriority\n' >"$P/proc/swaps"
echo 1 >"$P/proc/sys/net/ipv4/ip_forward"
on preflight kubeadm init --config "$FIX/init.yaml"
expect_ok "preflight passes once swap is off and forwarding on"
on preflight kubeadm init --config "$FIX/init.yaml"
expect_fail "second init" "[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists"
ok "preflight: swap, sysctls, existing control plane; --ignore-preflight-errors"

# ---------------------------------------------------------------- preflight: the machine's size, the kubelet
# kubeadm 1.23's words (cmd/kubeadm/app/preflight/checks.go), the block around them, exit status 1.
PF_HEAD='error execution phase preflight: [preflight] Some fatal errors occurred:'
PF_TAIL='[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`
To see the stack trace of this error execute with --v=5 or higher'
host small
machine small 1 $VM_1G
touch "$WORK/small/bin/kubeadm.ca-ecdsa"
S=$WORK/small/root
on small kubeadm init --config "$FIX/init.yaml"
expect_fail "1 CPU and 1 GiB" "$PF_HEAD
	[ERROR NumCPU]: the number of available CPUs 1 is less than the required 2
	[ERROR Mem]: the system RAM (985 MB) is less than the minimum 1700 MB
$PF_TAIL"
[ ! -e "$S/etc/kubernetes" ] || fail "a refused init wrote files"
machine small 2 1740799
on small kubeadm init --config "$FIX/init.yaml" --dry-run
expect_fail "2 CPUs, 1699 MB" "$PF_HEAD
	[ERROR Mem]: the system RAM (1699 MB) is less than the minimum 1700 MB
$PF_TAIL"
machine small 2 1740800
on small kubeadm init --config "$FIX/init.yaml" --dry-run
expect_ok "2 CPUs and 1700 MB are enough"
machine small 1 $VM_1G
on small kubeadm init --config "$FIX/init.yaml" --ignore-preflight-errors=NumCPU --dry-run
expect_fail "only NumCPU ignored" "$PF_HEAD
	[ERROR Mem]: the system RAM (985 MB) is less than the minimum 1700 MB
$PF_TAIL"
assert_contains "$out" "	[WARNING NumCPU]: the number of available CPUs 1 is less than the required 2" "ignored NumCPU warns"
on small kubeadm init --config "$FIX/init.yaml" --ignore-preflight-errors=numcpu,MEM --dry-run
expect_ok "--ignore-preflight-errors=numcpu,MEM (any case)"
on small kubeadm init --config "$FIX/init.yaml" --ignore-preflight-errors=all --dry-run
expect_ok "--ignore-preflight-errors=all"
on small kubeadm init --config "$FIX/init.yaml" --ignore-preflight-errors=all,NumCPU --dry-run
expect_fail "all beside a name" "ignore-preflight-errors: Invalid value: \"all,numcpu\": don't specify individual checks if 'all' is used"
sed 's/^  criSocket: .*/&\n  ignorePreflightErrors: ["all"]/' "$FIX/init.yaml" >"$WORK/all.yaml"
on small kubeadm init --config "$WORK/all.yaml" --dry-run
expect_fail "all in a config file" "ignorePreflightErrors: Invalid value: \"all\": 'all' cannot be used in configuration file"
sed 's/^  criSocket: .*/&\n  ignorePreflightErrors: ["NumCPU", "Mem"]/' "$FIX/init.yaml" >"$WORK/small.yaml"
grep -q '^  ignorePreflightErrors: \["NumCPU", "Mem"\]$' "$WORK/small.yaml" || fail "no ignorePreflightErrors in the config"
on small kubeadm init --config "$WORK/small.yaml"
expect_ok "NumCPU and Mem in nodeRegistration.ignorePreflightErrors"
assert_contains "$out" "	[WARNING NumCPU]: the number of available CPUs 1 is less than the required 2
	[WARNING Mem]: the system RAM (985 MB) is less than the minimum 1700 MB" "ignored checks warn"
[ -s "$S/etc/kubernetes/manifests/kube-apiserver.yaml" ] || fail "init with ignored checks wrote no control plane"
ok "NumCPU and Mem with kubeadm's words; ignorePreflightErrors and --ignore-preflight-errors (any case, all)"

host skew
machine skew 2 $VM_2G
K=$WORK/skew/root
sed 's/v1.23.6/v1.22.4/' "$FIX/init.yaml" >"$WORK/v122.yaml"
on skew kubeadm init --config "$WORK/v122.yaml"
expect_fail "kubelet 1.23.6, control plane v1.22.4" "$PF_HEAD
	[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: \"1.23.6\" Control plane version: \"1.22.4\"
$PF_TAIL"
case "$out" in *"Pulling images"* | *ImagePull*) fail "images pulled although the node checks failed" ;; esac
on skew kubeadm init --config "$WORK/v122.yaml" --ignore-preflight-errors=KubeletVersion
expect_fail "KubeletVersion ignored: v1.22's images are not there (offline)" \
        "[ERROR ImagePull]: failed to pull image registry.aliyuncs.com/google_containers/kube-apiserver:v1.22.4"
assert_contains "$out" '	[WARNING KubeletVersion]: the kubelet version is higher than the control plane version.' \
        "ignored KubeletVersion warns"
echo v1.24.1 >"$WORK/skew/bin/kubelet.version"
on skew kubeadm init --config "$FIX/init.yaml" --dry-run
expect_fail "kubelet 1.24.1, control plane v1.23.6" '[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "1.24.1" Control plane version: "1.23.6"'
echo v1.21.14 >"$WORK/skew/bin/kubelet.version"
on skew kubeadm init --config "$FIX/init.yaml" --dry-run
expect_fail "kubelet 1.21.14" '[ERROR KubeletVersion]: Kubelet version "1.21.14" is lower than kubeadm can support. Please upgrade kubelet'
echo v1.22.0 >"$WORK/skew/bin/kubelet.version"
on skew kubeadm init --config "$FIX/init.yaml" --dry-run
expect_ok "kubelet 1.22.0 with a v1.23.6 control plane (one minor older)"
rm "$WORK/skew/bin/kubelet.version" "$WORK/skew/bin/kubelet"
on skew kubeadm init --config "$FIX/init.yaml" --dry-run
expect_fail "no kubelet on PATH" "[ERROR KubeletVersion]: couldn't get kubelet version: cannot execute 'kubelet --version': executable file not found in \$PATH"
[ ! -e "$K/etc/kubernetes" ] || fail "refused inits wrote files"
host old-node
echo "$STATE" >"$WORK/old-node/bin/kubeadm.cluster"
echo v1.21.14 >"$WORK/old-node/bin/kubelet.version"
on old-node kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name old-node
expect_fail "join with kubelet 1.21.14" "$PF_HEAD
	[ERROR KubeletVersion]: Kubelet version \"1.21.14\" is lower than kubeadm can support. Please upgrade kubelet
$PF_TAIL"
[ -z "$(ls -A "$WORK/old-node/root")" ] || fail "a refused join wrote files"
ok "KubeletVersion: newer than the control plane, older than 1.22.0, missing, with kubeadm's words"

# ---------------------------------------------------------------- failure on demand, reset
host flaky
machine flaky 2 $VM_2G
touch "$WORK/flaky/bin/kubeadm.ca-ecdsa"
F=$WORK/flaky/root
echo "init 2" >"$WORK/flaky/bin/kubeadm.fail"
on flaky kubeadm init --config "$FIX/init.yaml"
expect_fail "injected init failure 1" "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster"
assert_contains "$out" "[kubelet-check] Initial timeout of 40s passed." "kubelet-check output"
# kubeadm 1.23's five tries of the kubelet's healthz after the first 40 s, as a real run showed them
assert_eq 5 "$(grep -c "^\[kubelet-check\] The HTTP call equal to 'curl -sSL http://localhost:10248/healthz' failed with error: Get \"http://localhost:10248/healthz\": dial tcp \[::1\]:10248: connect: connection refused.\$" "$WORK/out")" \
        "kubelet-check: healthz tries"
[ -e "$F/etc/kubernetes/manifests/kube-apiserver.yaml" ] || fail "a timed-out init leaves its manifests, as kubeadm does"
[ ! -e "$F/var/lib/kubeadm-standin/cluster.json" ] || fail "a failed init created a cluster"
on flaky kubeadm reset -f
expect_ok "reset after a failed init"
on flaky kubeadm init --config "$FIX/init.yaml"
expect_fail "injected init failure 2" "error execution phase wait-control-plane"
on flaky kubeadm reset --force
# with a slow host's wait for the control plane, which kubeadm names
sed 's/^kind: ClusterConfiguration$/&\napiServer:\n  timeoutForControlPlane: 40m/' "$FIX/init.yaml" >"$WORK/slow.yaml"
on flaky kubeadm init --config "$WORK/slow.yaml"
expect_ok "third init succeeds"
assert_contains "$out" "This can take up to 40m0s" "apiServer.timeoutForControlPlane in kubeadm's words"
assert_eq 3 "$(cat "$WORK/flaky/bin/kubeadm.count-init")" "init count"
assert_eq 2 "$(cat "$WORK/flaky/bin/kubeadm.count-reset")" "reset count"
flaky_pin=$(pin "$F/etc/kubernetes/pki/ca.crt")

host node-3
N3=$WORK/node-3/root
echo "$F/var/lib/kubeadm-standin/cluster.json" >"$WORK/node-3/bin/kubeadm.cluster"
echo "join 1" >"$WORK/node-3/bin/kubeadm.fail"
on node-3 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$flaky_pin" --node-name node-3
expect_fail "injected join failure" "error execution phase kubelet-start: timed out waiting for the condition"
[ -e "$N3/etc/kubernetes/pki/ca.crt" ] || fail "a timed-out join leaves ca.crt, as kubeadm does"
# the kubelet wrote kubelet.conf as its TLS bootstrap began; the certificate it names never came
[ -e "$N3/etc/kubernetes/kubelet.conf" ] && [ ! -e "$N3/var/lib/kubelet/pki/kubelet-client-current.pem" ] ||
        fail "a timed-out TLS bootstrap leaves kubelet.conf without the kubelet's certificate"
[ ! -e "$N3/etc/kubernetes/bootstrap-kubelet.conf" ] || fail "kubeadm removes bootstrap-kubelet.conf on its way out"
on node-3 kubectl --kubeconfig /etc/kubernetes/kubelet.conf get nodes
expect_fail "kubectl with that kubelet.conf" "Error in configuration: 
* unable to read client-cert /var/lib/kubelet/pki/kubelet-client-current.pem for default-auth due to open /var/lib/kubelet/pki/kubelet-client-current.pem: no such file or directory"
on node-3 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$flaky_pin" --node-name node-3
expect_fail "join after a failed join, without reset" "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]"
on node-3 kubeadm reset
expect_fail "reset without -f reads a confirmation" "aborted reset operation"
on node-3 kubeadm reset -f
expect_ok "reset -f"
on node-3 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$flaky_pin" --node-name node-3
expect_ok "join after reset"
assert_eq "kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash $flaky_pin --node-name node-3" \
        "$(sed -n 1p "$WORK/node-3/bin/calls.log")" "join recorded in calls.log"
assert_eq 3 "$(grep -c '^kubeadm join ' "$WORK/node-3/bin/calls.log")" "three joins recorded"
ok "fail on demand (init twice, join once) with kubeadm's output and leftovers; reset makes retries work"

# ---------------------------------------------------------------- tokens
on master kubeadm token create --kubeconfig /etc/kubernetes/admin.conf --ttl 2h --description refresh --print-join-command
expect_ok "token create --print-join-command"
new_token=$(echo "$out" | sed -n "s/^kubeadm join $ENDPOINT --token \([a-z0-9]\{6\}\.[a-z0-9]\{16\}\) --discovery-token-ca-cert-hash \(sha256:[0-9a-f]\{64\}\) $/\1/p")
[ -n "$new_token" ] || fail "token create printed no join command: $out"
assert_contains "$out" "--discovery-token-ca-cert-hash $CA_PIN " "token create prints the CA pin"
on master kubeadm token create 7abcde.7abcde7abcde7abc --kubeconfig /etc/kubernetes/admin.conf --ttl 0
expect_ok "token create with a given token"
assert_eq 7abcde.7abcde7abcde7abc "$out" "token create prints the token"
on master kubeadm token list --kubeconfig /etc/kubernetes/admin.conf
expect_ok "token list"
assert_contains "$out" "$new_token   1h" "new token listed with its TTL"
assert_contains "$out" "7abcde.7abcde7abcde7abc   <forever>   <never>" "non-expiring token"
host node-4
echo "$STATE" >"$WORK/node-4/bin/kubeadm.cluster"
on node-4 kubeadm join $ENDPOINT --token "$new_token" --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-4
expect_ok "join with a token made by token create"
on master kubeadm token delete 7abcde --kubeconfig /etc/kubernetes/admin.conf
expect_ok "token delete"
assert_eq 'bootstrap token "7abcde" deleted' "$out" "token delete output"
on node-4 kubeadm reset -f
on node-4 kubeadm join $ENDPOINT --token 7abcde.7abcde7abcde7abc --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-4
expect_fail "join with a deleted token" 'token id "7abcde" is invalid for this cluster or it has expired'
on node-4 kubeadm token create --kubeconfig /etc/kubernetes/admin.conf
expect_fail "token create without admin.conf" "failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory"
ok "token create / list / delete operate on the cluster that join checks"

# ---------------------------------------------------------------- workers joining at once
pids=()
for n in 5 6 7; do
        host node-$n
        echo "$STATE" >"$WORK/node-$n/bin/kubeadm.cluster"
        env -i PATH="$WORK/node-$n/bin" "$WORK/node-$n/bin/kubeadm" join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" \
                --node-name node-$n >"$WORK/join-$n.log" 2>&1 &
        pids+=($!)
done
for i in 0 1 2; do
        wait "${pids[$i]}" || fail "parallel join $((i + 5)): $(cat "$WORK/join-$((i + 5)).log")"
done
on master kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o name
assert_eq "node/master node/node-1 node/node-2 node/node-4 node/node-5 node/node-6 node/node-7" "$(echo "$out" | paste -sd ' ')" \
        "every node of the parallel joins is recorded"
ok "three workers joining at once all land in the cluster state"

# ---------------------------------------------------------------- kubectl apply
on master kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f "$FIX/manifest.yaml"
expect_ok "apply the manifest"
assert_eq "namespace/kube-flannel created
serviceaccount/flannel created
clusterrole.rbac.authorization.k8s.io/flannel created
configmap/kube-flannel-cfg created
daemonset.apps/kube-flannel-ds created" "$out" "apply output"
assert_eq 5 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["applied"]))' "$STATE")" "applied objects recorded"
on master kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f "$FIX/manifest.yaml"
assert_eq 5 "$(grep -c ' unchanged$' "$WORK/out")" "re-apply is unchanged"
on master kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes
assert_eq "Ready Ready Ready Ready Ready Ready Ready" "$(echo "$out" | awk 'NR > 1 { printf "%s%s", sep, $2; sep = " " }')" \
        "nodes Ready with a CNI"
# apply_fails NAME CONTENT WHAT MESSAGE: kubectl apply of $WORK/NAME.yaml, CONTENT (with \n escapes), fails with
# MESSAGE (expect_fail WHAT MESSAGE).
apply_fails() {
        printf '%b' "$2" >"$WORK/$1.yaml"
        on master kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f "$WORK/$1.yaml"
        expect_fail "$3" "$4"
}
apply_fails old 'apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata:\n  name: old\n' "API removed in 1.22" 'no matches for kind "ClusterRole" in version "rbac.authorization.k8s.io/v1beta1"'
apply_fails noversion 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nkind: ConfigMap\nmetadata:\n  name: y\n' "document without apiVersion" "error validating data: [apiVersion not set]"
apply_fails noname 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: default\n' "document without a name" "resource name may not be empty"
apply_fails broken 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n' "unparseable YAML" "error parsing $WORK/broken.yaml: error converting YAML to JSON"
touch "$WORK/master/bin/kubectl.down"
on master kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz
expect_fail "kubectl.down" "The connection to the server $ENDPOINT was refused - did you specify the right host or port?"
rm "$WORK/master/bin/kubectl.down"
on master kubectl version --client
expect_ok "kubectl version --client"
assert_contains "$out" 'GitVersion:"v1.23.6"' "kubectl version"
on master kubeadm version -o short
assert_eq v1.23.6 "$out" "kubeadm version -o short"
assert_contains "$(cat "$WORK/master/bin/calls.log")" "kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f $FIX/manifest.yaml" \
        "kubectl calls recorded"
ok "kubectl apply of a multi-document manifest, get nodes, get --raw, down switch"

# ---------------------------------------------------------------- the CRI socket annotation
# kubeadm join's last act: the Node annotated with the CRI socket, a request kubeadm 1.23 gives its client's
# 10 s and does not retry. Lost, the join fails after the kubelet's TLS bootstrap: kubelet.conf and the
# kubelet's certificate are there, the Node registered without the annotation. kubectl annotate then sets it; a node's own credentials may
# change only its own Node (NodeRestriction).
cri_annotation() { python3 -c 'import json, sys
n = [n for n in json.load(open(sys.argv[1]))["nodes"] if n["name"] == sys.argv[2]]
print(n[0].get("annotations", {}).get("kubeadm.alpha.kubernetes.io/cri-socket", "-") if n else "absent")' "$STATE" "$1"; }
host node-8
echo "$STATE" >"$WORK/node-8/bin/kubeadm.cluster"
echo "join-crisocket 1" >"$WORK/node-8/bin/kubeadm.fail"
on node-8 kubeadm join $ENDPOINT --token $TOKEN --discovery-token-ca-cert-hash "$CA_PIN" --node-name node-8
expect_fail "join losing the CRI socket annotation" "error execution phase kubelet-start: error uploading crisocket: error patching node \"node-8\" through apiserver: Patch \"https://$ENDPOINT/api/v1/nodes/node-8?timeout=10s\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)"
[ -e "$WORK/node-8/root/etc/kubernetes/kubelet.conf" ] && [ -e "$WORK/node-8/root/var/lib/kubelet/pki/kubelet-client-current.pem" ] ||
        fail "node-8: no kubelet.conf or client certificate after its TLS bootstrap"
assert_eq "- /var/run/dockershim.sock /var/run/dockershim.sock" \
        "$(cri_annotation node-8) $(cri_annotation node-1) $(cri_annotation master)" "CRI socket annotations of node-8, node-1, master"
on node-8 kubectl --kubeconfig /etc/kubernetes/kubelet.conf annotate node node-1 kubeadm.alpha.kubernetes.io/cri-socket=/x
expect_fail "a node annotating another node" 'Error from server (Forbidden): nodes "node-1" is forbidden: node "node-8" is not allowed to modify node "node-1"'
on master kubectl --kubeconfig /etc/kubernetes/admin.conf annotate node node-1 kubeadm.alpha.kubernetes.io/cri-socket=/x
expect_fail "annotate without --overwrite" "error: --overwrite is false but found the following declared annotation(s): 'kubeadm.alpha.kubernetes.io/cri-socket' already has a value (/var/run/dockershim.sock)"
on master kubectl --kubeconfig /etc/kubernetes/admin.conf annotate --overwrite node node-9 a=b
expect_fail "annotate a Node that is not there" 'Error from server (NotFound): nodes "node-9" not found'
on node-8 kubectl --kubeconfig /etc/kubernetes/kubelet.conf --request-timeout=60s annotate --overwrite node node-8 \
        kubeadm.alpha.kubernetes.io/cri-socket=/var/run/dockershim.sock
expect_ok "node-8 annotating its own Node"
assert_eq "node/node-8 annotated" "$out" "kubectl annotate output"
assert_eq "/var/run/dockershim.sock /var/run/dockershim.sock" "$(cri_annotation node-8) $(cri_annotation node-1)" \
        "CRI socket annotations after kubectl annotate"
ok "a join can lose the CRI socket annotation after the TLS bootstrap; kubectl annotate sets it, a node only on its own Node"

# ---------------------------------------------------------------- reset of the control plane
mkdir -p "$M/etc/cni/net.d" "$M/root/.kube"
echo '{}' >"$M/etc/cni/net.d/10-flannel.conflist"
cp "$M/etc/kubernetes/admin.conf" "$M/root/.kube/config"
on master kubeadm reset -f
expect_ok "reset the control plane"
assert_contains "$out" "The reset process does not clean CNI configuration." "reset notes"
left=$(cd "$M" && find etc/kubernetes var/lib/kubelet var/lib/etcd -type f | sort)
assert_eq "" "$left" "files left under /etc/kubernetes and /var/lib/kubelet"
[ -d "$M/etc/kubernetes/manifests" ] || fail "reset removes the contents, not the manifests directory"
[ ! -e "$STATE" ] || fail "reset left the cluster state"
[ -e "$M/etc/cni/net.d/10-flannel.conflist" ] || fail "reset removed CNI configuration"
[ -e "$M/root/.kube/config" ] || fail "reset removed ~/.kube/config"
on master kubectl --kubeconfig /root/.kube/config get --raw /readyz
expect_fail "API server after reset" "was refused"
on node-2 kubeadm reset -f
on node-2 kubeadm join --config "$WORK/join.yaml" --node-name node-2
expect_fail "join a reset cluster" "connect: connection refused"
ok "reset removes what init and join wrote, keeps CNI config and ~/.kube"

# ---------------------------------------------------------------- init in phases, and a kubelet slow to serve
# `kubeadm init phase NAME` for the file phases, each with the flags kubeadm 1.23 gives it, then `kubeadm
# init --skip-phases=` of them, which finds their files. A kubelet that serves its healthz later than
# kubeadm's kubelet check waits (BIN/kubeadm.kubelet-healthz-after: seconds after its start) fails a single
# init, while the phased one succeeds once the kubelet has been up long enough when init runs.
PHASES=preflight,certs,kubeconfig,kubelet-start,control-plane,etcd
host phased
machine phased 2 $VM_2G
touch "$WORK/phased/bin/kubeadm.ca-ecdsa"
PH=$WORK/phased/root
for bad in "foo" "certs" "certs bogus" "etcd --config $FIX/init.yaml" "preflight --cri-socket /x" \
        "certs all --node-name x --config $FIX/init.yaml" "kubeconfig all --config $FIX/init.yaml --cert-dir /x" \
        "kubelet-start --config $FIX/init.yaml extra" "addon all --config $FIX/init.yaml"; do
        # shellcheck disable=SC2086  # the words of a command line
        on phased kubeadm init phase $bad
        [ "$rc" -eq 1 ] || fail "init phase $bad: expected exit 1, got $rc: $out"
done
on phased kubeadm init phase etcd --config "$FIX/init.yaml"
expect_fail "etcd without local" "unknown flag: --config"
on phased kubeadm init phase preflight --cri-socket /x
expect_fail "preflight's flags" "unknown flag: --cri-socket"
on phased kubeadm init phase kubeconfig all --config "$FIX/init.yaml" --cert-dir /x
expect_fail "kubeconfig --config with --cert-dir" "can not mix '--config' with arguments [cert-dir]"
on phased kubeadm init phase certs bogus
expect_fail "unknown certs phase" 'unknown command "bogus" for "kubeadm init phase certs"'
[ ! -e "$PH/etc/kubernetes" ] || fail "refused phases wrote files"
on phased kubeadm init phase kubeconfig all --config "$FIX/init.yaml"
expect_fail "kubeconfig before certs" "error execution phase kubeconfig/admin: couldn't create a kubeconfig; the CA files couldn't be loaded: failed to load certificate: couldn't load the certificate file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory"
on phased kubeadm init --config "$FIX/init.yaml" --skip-phases=$PHASES
expect_fail "init skipping phases that never ran" "error execution phase wait-control-plane: cannot obtain client: failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory"
ok "init phase: unknown phases, sub-phases and flags refused as kubeadm 1.23 does; a phase's missing products too"

echo 196 >"$WORK/phased/bin/kubeadm.kubelet-healthz-after"   # a second past kubeadm's kubelet check
on phased kubeadm init --config "$FIX/init.yaml"
expect_fail "single init, slow kubelet" "error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster"
assert_contains "$out" "[kubelet-check] Initial timeout of 40s passed." "kubelet check"
on phased kubeadm reset -f
expect_ok "reset after the failed init"
for phase in preflight "certs all" "kubeconfig all" kubelet-start "control-plane all" "etcd local"; do
        # shellcheck disable=SC2086
        on phased kubeadm init phase $phase --config "$FIX/init.yaml"
        expect_ok "init phase $phase"
done
for f in pki/ca.crt pki/apiserver.crt pki/etcd/server.crt pki/sa.key admin.conf kubelet.conf manifests/kube-apiserver.yaml \
        manifests/kube-scheduler.yaml manifests/etcd.yaml; do
        [ -s "$PH/etc/kubernetes/$f" ] || fail "the phases wrote no /etc/kubernetes/$f"
done
[ -s "$PH/var/lib/kubelet/config.yaml" ] || fail "kubelet-start wrote no config.yaml"
ca_before=$(sha256sum <"$PH/etc/kubernetes/pki/ca.crt")
sleep 2   # the kubelet started more than a second ago: what is left of its 196 s is within the kubelet check
on phased kubeadm init --config "$FIX/init.yaml" --skip-phases=$PHASES
expect_ok "init after the phases"
assert_contains "$out" "Your Kubernetes control-plane has initialized successfully!" "phased init"
case "$out" in *"[certs]"* | *"[kubeconfig]"* | *"[preflight]"* | *"[kubelet-start]"*) fail "skipped phases ran: $out" ;; esac
assert_eq "$ca_before" "$(sha256sum <"$PH/etc/kubernetes/pki/ca.crt")" "the CA the phases made"
on phased kubectl --kubeconfig /etc/kubernetes/admin.conf get --raw /readyz
expect_ok "API server after the phased init"
ok "a kubelet slow to serve fails a single init; the phased init (phases, then init --skip-phases) succeeds"

# The phases again on the initialised control plane: their files are reused (a retry after a crash needs
# no reset), preflight refuses what exists.
on phased kubeadm init phase certs all --config "$FIX/init.yaml"
expect_ok "certs again"
assert_contains "$out" "[certs] Using existing ca certificate authority" "certs reused"
on phased kubeadm init phase kubeconfig all --config "$FIX/init.yaml"
expect_ok "kubeconfig again"
assert_contains "$out" '[kubeconfig] Using existing kubeconfig file: "/etc/kubernetes/admin.conf"' "kubeconfigs reused"
on phased kubeadm init phase preflight --config "$FIX/init.yaml"
expect_fail "preflight on an initialised control plane" "[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]"
ok "the file phases reuse what they wrote; preflight refuses an existing control plane"
