#!/bin/bash
# make check-abi: every symbol the agent (with its seed generator), the server and the unit tests import,
# and every name the agent resolves with dlsym(), is exported by the library version CentOS 7.9 has; no
# construct gcc 4.8 rejects and no kernel interface newer than 3.10 in the sources, and every descriptor
# firstboot/ makes close-on-exec (tests/abi/check-abi.py).
# The lists of what CentOS 7.9's libraries export are data kept beside the checkout, not in it:
# KFB_EL7_ABI, or ../shared/el7-abi. libcurl's names: test-curl-symbols.sh.
. "$(dirname "$0")/../lib/common.sh"

EL7=${KFB_EL7_ABI:-$TOP/../shared/el7-abi}
if [ ! -r "$EL7/openssl-1.0.2k-libeay.num" ]; then
        # Only a checkout without the lists may go without this test, and it says so; CI always has them.
        [ -z "${CI:-}" ] || fail "$EL7: CentOS 7.9's export lists are missing (set KFB_EL7_ABI)"
        echo "SKIP: no CentOS 7.9 export lists at $EL7 (set KFB_EL7_ABI=DIR to run this check)"
        exit 77
fi
CHECK=(python3 "$TOP/tests/abi/check-abi.py" --el7 "$EL7" --top "$TOP")

# ---- the checker catches what it is there to catch ----------------------------------------------------
# A dlsym() table with the name OpenSSL 1.0.2 has only as a macro.
printf '#define LIBCRYPTO_SYMBOLS(X) X(X509_get_X509_PUBKEY) X(HMAC) X(EVP_MD_CTX_new)\n#define LIBCURL_SYMBOLS(X) X(curl_easy_init)\n' \
        >"$WORK/dl-symbols.h"
# A program importing what CentOS 7 lacks: getrandom (glibc 2.25), blkid_probe_set_sectorsize (2.30),
# json_tokener_get_parse_end (json-c 0.15).
cat >"$WORK/new.c" <<'C'
#include <blkid.h>
#include <json.h>
#include <sys/random.h>
int main(void) {
        char b[4];
        struct json_tokener *t = json_tokener_new();
        return (int) getrandom(b, sizeof(b), 0) + blkid_probe_set_sectorsize(NULL, 512) +
               (int) json_tokener_get_parse_end(t);
}
C
read -ra cflags <<<"$(pkg-config --cflags json-c blkid)"
read -ra libs <<<"$(pkg-config --libs json-c blkid)"
cc "${cflags[@]}" -o "$WORK/new" "$WORK/new.c" "${libs[@]}"
mkdir -p "$WORK/src"
printf '#include <dlfcn.h>\nvoid *f(void *h) { return dlsym(h, "x"); }\n#define T(x) _Generic((x), int: 1)\nint g(void) { return O_TMPFILE; }\n/* _Generic in a comment does not count */\n' \
        >"$WORK/src/bad.c"
if "${CHECK[@]}" --dl-table "$WORK/dl-symbols.h" --sources "$WORK/src" "$WORK/new" >"$WORK/bad.out" 2>&1; then
        fail "check-abi accepted what CentOS 7 lacks: $(cat "$WORK/bad.out")"
fi
for want in "X509_get_X509_PUBKEY is resolved with dlsym() but not exported by OpenSSL 1.0.2k" \
        "EVP_MD_CTX_new is resolved with dlsym()" "getrandom@GLIBC_2.25: glibc version node above 2.17" \
        "blkid_probe_set_sectorsize@BLKID_2.30: not exported by libblkid 2.23.2" \
        "json_tokener_get_parse_end@JSONC_0.14: not exported by json-c 0.11" \
        "bad.c:2: dlopen()/dlsym() outside" "bad.c:3: _Generic" "bad.c:4: O_TMPFILE"; do
        grep -qF "$want" "$WORK/bad.out" || fail "check-abi did not say [$want]: $(cat "$WORK/bad.out")"
done
grep -q "HMAC" "$WORK/bad.out" && fail "check-abi refused HMAC, which 1.0.2k exports"
grep -q "bad.c:5" "$WORK/bad.out" && fail "check-abi read a comment as code"
# Descriptors without close-on-exec (firstboot/lib/spawn.c closes nothing in the child), over two lines,
# beside the forms that are right and the names that only look like the calls.
mkdir -p "$WORK/fds"
cat >"$WORK/fds/fds.c" <<'C'
int f(const char *p, int d, int e[2]) {
        int a = open(p, O_RDONLY), b = openat(d, p,
                                              O_RDONLY | O_CLOEXEC);
        int c = socket(AF_INET, SOCK_STREAM, 0), s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        FILE *g = fopen(p, "r"), *h = fopen(p, "re");
        (void) pipe(e);
        (void) dup2(a, 1);
        (void) fcntl(a, F_DUPFD, 3);
        (void) fcntl(a, F_DUPFD_CLOEXEC, 3);
        return ops->open(p) + open_log(p) + b + c + s; /* open(p, 0) in a comment */
}
C
if "${CHECK[@]}" --sources "$WORK/fds" --cloexec "$WORK/fds" >"$WORK/fds.out" 2>&1; then
        fail "check-abi accepted descriptors without close-on-exec: $(cat "$WORK/fds.out")"
fi
for want in "fds.c:2: open() without O_CLOEXEC" "fds.c:4: socket() without SOCK_CLOEXEC" \
        'fds.c:5: fopen() without "e"' "fds.c:6: pipe() makes a descriptor without close-on-exec" \
        "fds.c:7: dup2() makes a descriptor without close-on-exec" "fds.c:8: F_DUPFD without close-on-exec"; do
        grep -qF "$want" "$WORK/fds.out" || fail "check-abi did not say [$want]: $(cat "$WORK/fds.out")"
done
assert_eq 6 "$(grep -c '^check-abi: ' "$WORK/fds.out")" "check-abi's complaints about $WORK/fds/fds.c: $(cat "$WORK/fds.out")"
ok "the checker refuses open, socket, fopen, pipe, dup2 and F_DUPFD without close-on-exec, over line breaks too"
# Debian's libyaml and libmicrohttpd export their functions unversioned: lists without two names the
# programs use stand for a CentOS 7 that lacks them.
cp -r "$EL7" "$WORK/el7" && chmod -R u+w "$WORK/el7"
sed -i '/^yaml_parser_parse$/d' "$WORK/el7/libyaml-0.1.4.functions"
sed -i '/^MHD_start_daemon$/d' "$WORK/el7/libmicrohttpd-0.9.33.functions"
if python3 "$TOP/tests/abi/check-abi.py" --el7 "$WORK/el7" "$BUILDDIR/kube-firstboot" "$BUILDDIR/kube-firstboot-server" \
        >"$WORK/bad.out" 2>&1; then
        fail "check-abi accepted unversioned symbols missing from the lists"
fi
grep -qF "kube-firstboot: yaml_parser_parse: not exported by libyaml 0.1.4" "$WORK/bad.out" || fail "libyaml: $(cat "$WORK/bad.out")"
grep -qF "kube-firstboot-server: MHD_start_daemon: not exported by libmicrohttpd 0.9.33" "$WORK/bad.out" ||
        fail "libmicrohttpd: $(cat "$WORK/bad.out")"
ok "the checker names a 1.0.2 macro in the dlsym() table, glibc/libblkid/json-c symbols newer than CentOS 7.9, libyaml and libmicrohttpd functions missing from their lists, and gcc 4.8/kernel 3.10 misfits"

# ---- what we build -------------------------------------------------------------------------------------
agent_libs=${KFB_AGENT_LINK_LIBS:-$(make -s --no-print-directory -C "$TOP" print-link-libs PROGRAM=agent)}
server_libs=${KFB_SERVER_LINK_LIBS:-$(make -s --no-print-directory -C "$TOP" print-link-libs PROGRAM=server)}
binaries=("$BUILDDIR/kube-firstboot" "$BUILDDIR/kube-firstboot-server")
for b in "${binaries[@]}"; do [ -x "$b" ] || fail "$b not built (make first)"; done
mapfile -t unit_tests < <(find "$BUILDDIR/tests" -maxdepth 1 -name 'test-*' -type f -perm -u+x | sort)
[ ${#unit_tests[@]} -gt 0 ] || fail "no unit tests under $BUILDDIR/tests (make check builds them)"
if ! "${CHECK[@]}" --dl-table "$TOP/firstboot/lib/dl-symbols.h" \
        --sources "$TOP/firstboot" --sources "$TOP/tests/unit" --sources "$TOP/tests/fuzz" --sources "$TOP/tests/stand-ins" \
        --cloexec "$TOP/firstboot" \
        --link-libs "kube-firstboot=$agent_libs" --link-libs "kube-firstboot-server=$server_libs" \
        "${binaries[@]}" "${unit_tests[@]}" >"$WORK/out" 2>&1; then
        cat "$WORK/out" >&2
        fail "what we build uses what CentOS 7.9 lacks (above)"
fi
cat "$WORK/out"
ok "agent, server, seed generator and ${#unit_tests[@]} unit tests fit CentOS 7.9's libraries, gcc 4.8 and kernel 3.10"
