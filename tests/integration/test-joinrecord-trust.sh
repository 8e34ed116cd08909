#!/bin/bash
# What a worker trusts in a join record (docs/join-protocol.md, "What a worker trusts"), end to end in
# network namespaces with kube-firstboot-server as the endpoint. A stranger who holds the cluster key
# (every node's seed carries it) derives the bearer and seals records that open:
#   - a record naming another API server is refused, logged once, and the worker keeps waiting; the
#     genuine record then joins (and is remembered in join-accepted, 0600);
#   - a record older than the one accepted (a rollback) is refused on the next run;
#   - a version 1 record is refused by the server.
# Then the endpoint answers the worker's bearer PUTs (its progress reports) with 303 to another address
# of the endpoint's namespace, whose listener records what reaches it: nothing does. (303, as libcurl
# follows it without the body it cannot rewind, as a GET with the same headers: libcurl 7.29 would send
# the bearer along; later ones drop the Authorization header for another host, not the request.)
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/host-steps.sh"
. "$TOP/tests/lib/netns-lab.sh"
[ -x "$AGENT" ] || fail "no agent at $AGENT"
[ -x "$BUILDDIR/kube-firstboot-server" ] || fail "no server at $BUILDDIR/kube-firstboot-server"
REF=$TOP/tests/data/seeds/reference
JR=$TOP/tests/lib/join-record.py
KEY=$(sed -n 's/^  cluster_key: *//p' "$REF/master/user-data")
[ -n "$KEY" ] || fail "no cluster_key in the reference seed"
TOKEN=abcdef.0123456789abcdef
PIN=sha256:$(printf 'ca' | sha256sum | cut -d' ' -f1)
URL=http://192.168.220.1:8780/v1/clusters/lab/join
ACCEPTED=$WORK/node-1/root/var/lib/kube-firstboot/join-accepted

lab_net_up
lab_host node-1 "$REF/node-1"
lab_server "$WORK/server" "$KEY" "$REF"
SERVER_PID=${LAB_PIDS[-1]}
BEARER=$(/usr/bin/python3 "$JR" bearer "$KEY")

# stranger_put FILE: PUT FILE as the record, with the bearer, from the master's address; prints the
# status, the answer's body in $WORK/answer.
stranger_put() {
        lab_in master curl -s -o "$WORK/answer" -w '%{http_code}' -X PUT -H "Authorization: Bearer $BEARER" \
                -H 'Content-Type: application/json' --data-binary @"$1" "$URL"
}
# wait_console PATTERN [N]: until node-1's console has N (default 1) lines matching PATTERN, the agent
# still running.
wait_console() {
        local n=${2:-1}
        for _ in $(seq 1200); do
                [ "$(grep -c -- "$1" "$WORK/node-1/console.log" || true)" -ge "$n" ] && return 0
                kill -0 "$NODE_PID" 2>/dev/null || { tail -n 20 "$WORK/node-1/console.log"; fail "node-1 stopped before: $1"; }
                sleep 0.1
        done
        tail -n 20 "$WORK/node-1/console.log"
        fail "node-1 never logged: $1"
}
# join_gets: how many GETs of the record the server has answered.
join_gets() { grep -c 'method=GET path=/v1/clusters/lab/join ' "$WORK/server/server.log" || true; }
stop_node() { kill "$NODE_PID"; wait "$NODE_PID" || true; host_wait_standins "$WORK/node-1/bin"; }

# ---- a forged record naming another API server --------------------------------------------------
now=$(date +%s)
"$JR" seal "$KEY" lab 192.168.220.66:6443 "$TOKEN" "$PIN" "$now" $((now + 86400)) >"$WORK/forged.json"
assert_eq 201 "$(stranger_put "$WORK/forged.json")" "the server stores the stranger's record (it holds the bearer)"
lab_agent node-1 run
NODE_PID=$LAB_AGENT_PID
wait_console "join record at .* refused: it names the API server 192.168.220.66:6443, not this node's control plane 192.168.220.104:6443"
# it keeps waiting, asking again, and says so once
gets=$(join_gets)
for _ in $(seq 1200); do [ "$(join_gets)" -ge $((gets + 2)) ] && break; sleep 0.1; done
[ "$(join_gets)" -ge $((gets + 2)) ] || fail "node-1 stopped asking for the record"
kill -0 "$NODE_PID" 2>/dev/null || fail "node-1 stopped waiting"
assert_eq 1 "$(grep -c 'refused: it names the API server' "$WORK/node-1/console.log")" "the refusal is logged once"
if grep -qF -- "$TOKEN" "$WORK/node-1/console.log"; then fail "the token on the console"; fi
[ ! -e "$ACCEPTED" ] || fail "a refused record was remembered as accepted"
[ ! -e "$WORK/node-1/root/etc/kubernetes/kubelet.conf" ] || fail "node-1 joined"
if grep -q '^kubeadm join' "$WORK/node-1/bin/calls.log"; then fail "kubeadm join ran with the forged record"; fi
ok "a record for another API server opens but is refused, once, and node-1 keeps waiting"

# The genuine record: taken, remembered, and the join goes for the seed's control plane.
issued=$(date +%s)
"$JR" seal "$KEY" lab 192.168.220.104:6443 "$TOKEN" "$PIN" "$issued" $((issued + 86400)) >"$WORK/good.json"
assert_eq 204 "$(stranger_put "$WORK/good.json")" "the control plane's record replaces it"
wait_console "join record received after .* (API server 192.168.220.104:6443)"
wait_console "waiting for the API server 192.168.220.104:6443 to answer"
stop_node
assert_eq "lab $issued" "$(cat "$ACCEPTED")" "join-accepted"
assert_eq 600 "$(stat -c %a "$ACCEPTED")" "join-accepted mode"
ok "the genuine record is accepted and remembered (0600)"

# ---- a rollback: a genuine-looking record older than the accepted one ----------------------------
"$JR" seal "$KEY" lab 192.168.220.104:6443 "$TOKEN" "$PIN" $((issued - 3600)) $((issued + 86400)) >"$WORK/old.json"
assert_eq 204 "$(stranger_put "$WORK/old.json")" "the stranger puts back an older record"
lab_agent node-1 run
NODE_PID=$LAB_AGENT_PID
wait_console "join record at .* refused: it was issued at $((issued - 3600)), before the record this node accepted (issued at $issued)"
if grep -q "join record received" <(sed -n '/refused: it was issued at/,$p' "$WORK/node-1/console.log"); then
        fail "the older record was taken"
fi
kill -0 "$NODE_PID" 2>/dev/null || fail "node-1 stopped waiting"
# the same record as the accepted one is taken again (a retried join)
assert_eq 204 "$(stranger_put "$WORK/good.json")" "the accepted record back"
wait_console "waiting for the API server 192.168.220.104:6443 to answer" 2
stop_node
assert_eq "lab $issued" "$(cat "$ACCEPTED")" "join-accepted after the rollback"
ok "an older record is refused; the accepted one is taken again"

# ---- version 1 ---------------------------------------------------------------------------------
"$JR" seal-v1 "$KEY" lab 192.168.220.104:6443 "$TOKEN" "$PIN" "$now" $((now + 86400)) >"$WORK/v1.json"
assert_eq 400 "$(stranger_put "$WORK/v1.json")" "a version 1 record"
assert_contains "$(cat "$WORK/answer")" "record: version must be 2" "the server's answer to version 1"
ok "a version 1 record is refused by the server"

# ---- a redirect of a bearer request --------------------------------------------------------------
# The endpoint becomes a server that answers every PUT with 303 to 192.168.220.2:8780 (another address
# of the endpoint's namespace), where a listener records every byte it receives.
kill "$SERVER_PID"
lab_in endpoint ip addr add 192.168.220.2/24 dev eth0
lab_in endpoint bash -c 'for i in $(seq 600); do (exec 3<>/dev/tcp/192.168.220.1/8780) 2>/dev/null || exit 0; sleep 0.1; done; exit 1' ||
        fail "the server did not stop"
: >"$WORK/elsewhere.bytes"
ip netns exec "$(lab_ns endpoint)" /usr/bin/python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.220.2", 8780)); s.listen(16)
out = open(sys.argv[1], "ab", buffering=0)
def take(c):
    c.settimeout(30)
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            out.write(b)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=take, args=(c,), daemon=True).start()' "$WORK/elsewhere.bytes" &
LAB_PIDS+=($!)
ip netns exec "$(lab_ns endpoint)" /usr/bin/python3 -c '
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self, code, headers):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()
        log.write("%s %s %d\n" % (self.command, self.path, code))
    def do_PUT(self):
        self.answer(303, [("Location", "http://192.168.220.2:8780" + self.path)])
    def do_GET(self):
        self.answer(404, [])
    def log_message(self, *args):
        pass
http.server.HTTPServer(("192.168.220.1", 8780), H).serve_forever()' "$WORK/redirector.log" &
LAB_PIDS+=($!)
lab_in endpoint bash -c 'for i in $(seq 600); do (exec 3<>/dev/tcp/192.168.220.1/8780) 2>/dev/null && exit 0; sleep 0.1; done; exit 1' ||
        fail "the redirecting endpoint did not come up"
lab_agent node-1 run
NODE_PID=$LAB_AGENT_PID
# A report (PUT) answered 303, and after it the next request: by then the agent is done with the PUT.
for _ in $(seq 1200); do
        grep -q '^PUT /v1/clusters/lab/nodes/node-1 303' "$WORK/redirector.log" 2>/dev/null &&
                [ "$(sed -n '/^PUT .* 303$/,$p' "$WORK/redirector.log" | wc -l)" -ge 2 ] && break
        kill -0 "$NODE_PID" 2>/dev/null || break
        sleep 0.1
done
grep -q '^PUT /v1/clusters/lab/nodes/node-1 303' "$WORK/redirector.log" || fail "node-1 sent no progress report"
[ "$(sed -n '/^PUT .* 303$/,$p' "$WORK/redirector.log" | wc -l)" -ge 2 ] || fail "node-1 made no request after the redirect"
kill "$NODE_PID" 2>/dev/null || true
wait "$NODE_PID" || true
assert_eq 0 "$(stat -c %s "$WORK/elsewhere.bytes")" "bytes that reached the redirect's target"
if grep -qF -- "$BEARER" "$WORK/node-1/console.log"; then fail "the bearer on the console"; fi
ok "a bearer PUT answered 303 is not followed: nothing reached the other address"
