#!/bin/bash
# Regenerates tests/fuzz/corpus/joinrecord: records sealed by tests/lib/join-record.py (the protocol's
# independent implementation) under the fuzz target's fixed key and cluster, broken variants of them,
# and 'P'-prefixed plaintexts that fuzz-joinrecord.c seals itself (see its header).
# Usage: tests/fuzz/joinrecord-corpus.sh   (needs python3-cryptography)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus/joinrecord
jr=$top/tests/lib/join-record.py
key=$(printf 'kube-firstboot fuzz key 32 bytes' | base64 -w0)
other_key=$(printf 'another cluster key, 32 bytes...' | base64 -w0)
token=abcdef.0123456789abcdef
hash=sha256:$(printf 'ca' | sha256sum | cut -d' ' -f1)
now=1764000000

rm -rf "$out"
mkdir -p "$out"
seal() { python3 "$jr" seal "$@"; }

seal "$key" lab 192.168.220.104:6443 "$token" "$hash" "$now" $((now + 86400)) >"$out/env-ok"
seal "$key" lab master.lab.example:6443 "$token" "$hash" "$now" $((now - 1)) >"$out/env-expired"
seal "$other_key" lab 192.168.220.104:6443 "$token" "$hash" "$now" $((now + 86400)) >"$out/env-wrong-key"
seal "$key" other 192.168.220.104:6443 "$token" "$hash" "$now" $((now + 86400)) >"$out/env-other-cluster"
python3 "$jr" seal-v1 "$key" lab 192.168.220.104:6443 "$token" "$hash" "$now" $((now + 86400)) >"$out/env-version-1"
python3 - "$out" <<'PY'
import base64, json, sys
d = sys.argv[1]
env = json.load(open(d + "/env-ok"))
def put(name, obj):
    open(d + "/" + name, "w").write(obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":")))
sealed = bytearray(base64.b64decode(env["sealed"]))
sealed[5] ^= 1
put("env-tampered", dict(env, sealed=base64.b64encode(bytes(sealed)).decode()))
put("env-tag-only", dict(env, sealed=base64.b64encode(bytes(16)).decode()))
put("env-nonce-short", dict(env, nonce=base64.b64encode(bytes(8)).decode()))
put("env-nonce-not-base64", dict(env, nonce="!!!!"))
put("env-alg", dict(env, alg="A128GCM"))
put("env-version-3", dict(env, version=3))
put("env-version-string", dict(env, version="1"))
put("env-cluster-mismatch", dict(env, cluster="other"))
put("env-truncated", json.dumps(env)[:60])
put("env-trailing", json.dumps(env) + " x")
put("env-array", "[1,2,3]")
put("env-deep", "{" + '"a":{' * 20 + "}" * 21)
PY

plain() { printf 'P%s' "$2" >"$out/plain-$1"; }
rec() { # api_server token hashes-json issued expires
        printf '{"version":2,"cluster":"lab","api_server":"%s","token":"%s","ca_cert_hashes":%s,"issued":%s,"expires":%s}' "$@"
}
plain ok "$(rec 192.168.220.104:6443 "$token" "[\"$hash\"]" "$now" $((now + 86400)))"
plain hostname "$(rec master.lab.example:6443 "$token" "[\"$hash\"]" "$now" $((now + 86400)))"
plain four-hashes "$(rec 10.0.0.1:6443 "$token" "[\"$hash\",\"$hash\",\"$hash\",\"$hash\"]" "$now" "$now")"
plain five-hashes "$(rec 10.0.0.1:6443 "$token" "[\"$hash\",\"$hash\",\"$hash\",\"$hash\",\"$hash\"]" "$now" "$now")"
plain no-hashes "$(rec 10.0.0.1:6443 "$token" "[]" "$now" "$now")"
plain bad-hash "$(rec 10.0.0.1:6443 "$token" '["sha256:XYZ"]' "$now" "$now")"
plain bad-token "$(rec 10.0.0.1:6443 ABCDEF.0123456789abcdef "[\"$hash\"]" "$now" "$now")"
plain port-zero "$(rec 10.0.0.1:0 "$token" "[\"$hash\"]" "$now" "$now")"
plain no-port "$(rec 10.0.0.1 "$token" "[\"$hash\"]" "$now" "$now")"
plain issued-string "$(rec 10.0.0.1:6443 "$token" "[\"$hash\"]" "\"$now\"" "$now")"
plain other-cluster "$(rec 10.0.0.1:6443 "$token" "[\"$hash\"]" "$now" "$now" | sed 's/"lab"/"other"/')"
plain control-char '{"version":2,"cluster":"lab\u0001","api_server":"10.0.0.1:6443"}'
plain not-object '"just a string"'
