#!/bin/bash
# kube-firstboot-server's config file and flags: the shipped example parses, every error names
# file:line:column and field (and never echoes a bearer), flags override the file, usage errors exit 2.
. "$(dirname "$0")/../lib/common.sh"
. "$TOP/tests/lib/server.sh"

check() { # CONFIG-TEXT [FLAGS...]: prints the output; sets rc
        printf '%s' "$1" >"$WORK/c.yaml"
        chmod 600 "$WORK/c.yaml"
        shift
        rc=0
        out=$(server_cmd --config "$WORK/c.yaml" --check-config "$@" 2>&1) || rc=$?
}

out=$(server_cmd --config "$TOP/firstboot/server/server.yaml.example" --check-config 2>&1) ||
        fail "the example config does not parse: $out"
assert_contains "$out" "configuration ok: listen 0.0.0.0:8780, 1 clusters" "example config"

check ""
assert_eq 0 "$rc" "an empty config is the defaults"
assert_contains "$out" "listen 0.0.0.0:8780, 0 clusters" "defaults"

good_bearer=$(bearer_for lab)
check "listen: 127.0.0.1:9000
clusters:
  - name: lab
    bearer: $good_bearer
" --listen 10.1.2.3:8781
assert_eq 0 "$rc" "valid config with a flag"
assert_contains "$out" "listen 10.1.2.3:8781, 1 clusters" "--listen overrides the file"

bad() { # WHAT EXPECTED-MESSAGE CONFIG-TEXT [FLAGS...]
        local what=$1 want=$2
        shift 2
        check "$@"
        assert_eq 2 "$rc" "$what: exit status"
        assert_contains "$out" "$want" "$what: message"
}
bad "unknown key" "c.yaml:2:1: colour: unknown key" "listen: 127.0.0.1:1
colour: blue
"
bad "unknown limit" "c.yaml:3:3: bogus: unknown key in limits" "limits:
  max_wait: 5s
  bogus: 1
"
bad "max_wait over 60 s" "c.yaml:2:13: limits.max_wait: must be a duration in seconds from 0 to 60" "limits:
  max_wait: 61s
"
bad "listen without a port" "c.yaml:1:9: listen: must be IPV4-ADDRESS:PORT" "listen: 10.0.0.1
"
bad "hostname as listen address" "listen: must be IPV4-ADDRESS:PORT" "listen: localhost:80
"
bad "relative seed_dir" "c.yaml:1:11: seed_dir: must be an absolute path" "seed_dir: seeds
"
bad "bearer not hex" "c.yaml:3:13: clusters.bearer: must be 64 lower-case hex digits" "clusters:
  - name: lab
    bearer: SECRET-VALUE-NOT-TO-ECHO
"
case "$out" in *SECRET-VALUE-NOT-TO-ECHO*) fail "a bad bearer was echoed" ;; esac
bad "upper-case bearer" "clusters.bearer: must be 64 lower-case hex digits" "clusters:
  - name: lab
    bearer: ${good_bearer^^}
"
bad "cluster without a bearer" "lab: a cluster needs a bearer" "clusters:
  - name: lab
"
bad "invalid cluster name" "clusters.name: must match" "clusters:
  - name: Lab_1
    bearer: $good_bearer
"
bad "cluster listed twice" "lab: cluster listed twice" "clusters:
  - name: lab
    bearer: $good_bearer
  - name: lab
    bearer: $good_bearer
"
bad "duplicate key" "c.yaml:2:1: duplicate key \"listen\"" "listen: 127.0.0.1:1
listen: 127.0.0.1:2
"
bad "not YAML" "c.yaml:2:1: not valid YAML" "listen: [1
"
bad "a list where a mapping belongs" "limits: expected a mapping" "limits: [1, 2]
"
bad "bad flag value" "--max-wait: must be seconds from 0 to 60" "" --max-wait 61
bad "relative --state-dir" "--state-dir: must be an absolute path" "" --state-dir state

head -c 70000 /dev/zero | tr '\0' '#' >"$WORK/big.yaml"
rc=0
out=$(server_cmd --config "$WORK/big.yaml" --check-config 2>&1) || rc=$?
assert_eq 2 "$rc" "config over 64 KiB"
assert_contains "$out" "larger than 65536 bytes" "config over 64 KiB: message"

check "clusters:
  - name: lab
    bearer: $good_bearer
"
chmod 644 "$WORK/c.yaml"
out=$(server_cmd --config "$WORK/c.yaml" --check-config 2>&1)
assert_contains "$out" "readable by every user" "warning for a world-readable config with bearers"

rc=0
server_cmd --bogus >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "unknown flag"
rc=0
server_cmd stray-argument >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "stray argument"
assert_contains "$(server_cmd --help)" "Usage: kube-firstboot-server" "--help"
assert_contains "$(server_cmd --version)" "kube-firstboot-server " "--version"
rc=0
server_cmd --config "$WORK/nonexistent.yaml" >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "missing config file"
ok "config file and flags"
