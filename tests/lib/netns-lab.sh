# The reference lab in network namespaces (source after common.sh and host-steps.sh).
#
# A "switch" namespace holds a bridge; every host is a namespace with one veth "eth0" on it and its
# reference address: the endpoint 192.168.220.1, master .104, node-1..3 .105-.107. Nothing is routed
# anywhere else. Each agent runs in its host's namespace and a private UTS namespace, on its own --root
# tree, with stand-ins for every command (tests/stand-ins/host-model, kubeadm, kubectl).

LAB_ID=${LAB_ID:-$$}
LAB_HOSTS=(master node-1 node-2 node-3)
declare -A LAB_ADDR=([endpoint]=192.168.220.1 [master]=192.168.220.104 [node-1]=192.168.220.105
        [node-2]=192.168.220.106 [node-3]=192.168.220.107)
LAB_PIDS=()

lab_ns() { echo "kfb${LAB_ID}-$1"; }

lab_net_up() {
        local sw
        sw=$(lab_ns sw)
        ip netns add "$sw"
        cleanup_hooks+=("lab_net_down")
        ip -n "$sw" link add br0 type bridge
        ip -n "$sw" link set br0 up
        for h in endpoint "${LAB_HOSTS[@]}"; do
                local ns
                ns=$(lab_ns "$h")
                ip netns add "$ns"
                ip link add "p-$h" netns "$sw" type veth peer name eth0 netns "$ns"
                ip -n "$sw" link set "p-$h" master br0 up
                ip -n "$ns" addr add "${LAB_ADDR[$h]}/24" dev eth0
                ip -n "$ns" link set eth0 up
                ip -n "$ns" link set lo up
        done
}

lab_net_down() {
        for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        for h in endpoint "${LAB_HOSTS[@]}" sw; do ip netns del "$(lab_ns "$h")" 2>/dev/null || true; done
}

# lab_in HOST CMD...: run in HOST's namespace.
lab_in() {
        local h=$1
        shift
        ip netns exec "$(lab_ns "$h")" "$@"
}

# lab_nginx DIR [500]: nginx with WebDAV PUT on the endpoint, serving and storing under DIR/www; with
# "500" every request under /v1/ is answered 500 until lab_nginx_fix DIR. Prints nginx's pid.
lab_nginx() {
        local dir=$1 mode=${2:-ok}
        mkdir -p "$dir/www" "$dir/tmp" "$dir/logs"
        lab_nginx_conf "$dir" "$mode"
        # Not through lab_in: a backgrounded function is a subshell, and its $! would not be nginx.
        ip netns exec "$(lab_ns endpoint)" nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
        LAB_PIDS+=($!)
        LAB_NGINX_PID=$!
        lab_in endpoint bash -c 'for i in $(seq 600); do (exec 3<>/dev/tcp/192.168.220.1/8780) 2>/dev/null && exit 0; sleep 0.1; done; exit 1' ||
                fail "nginx did not come up"
}

# lab_nginx_conf DIR MODE [LISTEN]: DIR/nginx.conf for lab_nginx, listening on LISTEN (default the
# endpoint's 192.168.220.1:8780; bench/join-latency.sh uses it on loopback).
lab_nginx_conf() {
        local dir=$1 mode=$2 listen=${3:-192.168.220.1:8780} v1
        if [ "$mode" = 500 ]; then
                v1='return 500;'
        else
                v1='dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; client_max_body_size 64k;'
        fi
        cat >"$dir/nginx.conf" <<NGINX
user root;
worker_processes 1;
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events { worker_connections 256; }
http {
        access_log $dir/logs/access.log;
        client_body_temp_path $dir/tmp;
        proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
        server {
                listen $listen;
                root $dir/www;
                location /v1/ { $v1 }
        }
}
NGINX
}

lab_nginx_fix() {
        lab_nginx_conf "$1" ok
        kill -HUP "$(cat "$1/nginx.pid")"
}

# lab_apiserver: something listening on the master's 6443, as the API server would after init.
lab_apiserver() {
        ip netns exec "$(lab_ns master)" /usr/bin/python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.220.104", 6443)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()' &
        LAB_PIDS+=($!)
}

# lab_host HOST SEED_DIR: the host's --root tree and stand-in bin under $WORK/HOST.
lab_host() {
        local h=$1 seed=$2 dir=$WORK/$1
        host_tree "$dir/root"
        host_bin "$dir/bin" "$dir/root"
        ln -sf "$TOP/tests/stand-ins/kubeadm" "$dir/bin/kubeadm"
        ln -sf "$TOP/tests/stand-ins/kubeadm" "$dir/bin/kubectl"
        echo "$dir/root" >"$dir/bin/kubeadm.root"
        [ "$h" = master ] || echo "$WORK/master/root/var/lib/kubeadm-standin/cluster.json" >"$dir/bin/kubeadm.cluster"
        cp -r "$seed" "$dir/seed"
        # the interface network-config names, with its MAC, as sysfs shows it
        local mac
        mac=$(grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' "$seed/network-config" | head -n 1)
        mkdir -p "$dir/root/sys/class/net/eth0"
        echo "$mac" >"$dir/root/sys/class/net/eth0/address"
        # kubernetes.cni host-gw: the CNI plugins where Debian's containernetworking-plugins puts them
        if grep -q '^    cni: host-gw$' "$seed/user-data"; then
                mkdir -p "$dir/root/usr/lib/cni"
                for p in bridge host-local loopback portmap; do install -m 0755 /dev/null "$dir/root/usr/lib/cni/$p"; done
        fi
}

# lab_agent HOST ARGS...: the agent of HOST in its namespace, in the background; stdout+stderr (what the
# journal would get) to $WORK/HOST/console.log. Sets LAB_AGENT_PID.
lab_agent() {
        local h=$1 dir=$WORK/$1
        shift
        ip netns exec "$(lab_ns "$h")" unshare -u env KUBE_FIRSTBOOT_PATH="$dir/bin" "$AGENT" --root "$dir/root" --live \
                --seed "$dir/seed" "$@" >>"$dir/console.log" 2>&1 &
        LAB_AGENT_PID=$!
}

# lab_server DIR KEY_B64 SEED_DIR: kube-firstboot-server on the endpoint (192.168.220.1:8780) with the
# bearer of KEY for cluster "lab", serving SEED_DIR (readable by everyone, or by nobody's group) as
# NoCloud-net seeds, each host's user-data to its address in LAB_ADDR. It runs as nobody, as the
# packaged unit runs it as its own user: the config readable through its group, the state directory
# its own.
lab_server() {
        local dir=$1 key=$2 seeds=$3 bearer
        bearer=$(/usr/bin/python3 "$TOP/tests/lib/join-record.py" bearer "$key")
        mkdir -p "$dir/state"
        chmod 711 "$WORK" "$dir"
        chown nobody: "$dir/state"
        chmod 700 "$dir/state"
        install -m 0640 -g "$(id -g nobody)" /dev/null "$dir/server.yaml"
        cat >"$dir/server.yaml" <<YAML
listen: 192.168.220.1:8780
seed_dir: $seeds
state_dir: $dir/state
clusters:
  - name: lab
    bearer: $bearer
nodes:
YAML
        # each host may fetch its own user-data, once: from its reference address
        for h in "${LAB_HOSTS[@]}"; do
                printf '  - name: %s\n    address: %s\n' "$h" "${LAB_ADDR[$h]}" >>"$dir/server.yaml"
        done
        ip netns exec "$(lab_ns endpoint)" setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups -- \
                "$BUILDDIR/kube-firstboot-server" --config "$dir/server.yaml" 2>>"$dir/server.log" &
        LAB_PIDS+=($!)
        lab_in endpoint bash -c 'for i in $(seq 600); do (exec 3<>/dev/tcp/192.168.220.1/8780) 2>/dev/null && exit 0; sleep 0.1; done; exit 1' ||
                fail "kube-firstboot-server did not come up: $(tail -n 5 "$dir/server.log")"
}
