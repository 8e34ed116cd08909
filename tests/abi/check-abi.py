#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check-abi: does what we built run on CentOS 7.9's libraries, and compile with its gcc 4.8?

  check-abi.py --el7 DIR [--dl-table FILE] [--sources DIR]... [--cloexec DIR]... [--link-libs PROGRAM=FLAGS]...
               BINARY...

DIR holds what CentOS 7.9's libraries export (README.md there): OpenSSL 1.0.2k's libeay.num, libblkid
2.23.2's version script, the dynamic functions of libyaml 0.1.4, json-c 0.11 and libmicrohttpd 0.9.33,
and glibc 2.17's abilists. It checks:
 1. every undefined dynamic symbol of each BINARY, by the library that provides it on this machine
    (its version node, or the NEEDED library that exports it), against that library's CentOS 7.9 list;
    glibc's by name in 2.17's abilists. A version node above GLIBC_2.17 must be a build-machine
    artefact named in glibc-artefacts.txt beside this file, with the reason;
 2. a glibc function that 2.17 has only in libpthread, librt or libdl: the program's link flags
    (--link-libs) must name that library, or the link fails on CentOS 7;
 3. every name in the --dl-table (the one list of functions resolved with dlsym()) against its library
    (libcurl's names are checked by test-curl-symbols.sh against libcurl-symbols(3));
 4. in the C sources: no dlopen()/dlsym() outside firstboot/lib/dlfcn-util.c, no construct gcc 4.8
    rejects, and no kernel interface newer than 3.10;
 5. in the C sources under --cloexec (firstboot/): every call that makes a descriptor makes it
    close-on-exec (CLOEXEC_CALLS), because firstboot/lib/spawn.c starts commands without closing anything
    by hand: a descriptor without the flag would reach every command the agent runs.
Prints one line per problem and exits 1 if there is any; exits 0 with a summary otherwise.
Python 3.6 (CentOS 7's python3) is enough to run it.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Weak undefined references the toolchain adds to every program; nothing resolves them on purpose.
TOOLCHAIN_WEAK = {"__gmon_start__", "_ITM_deregisterTMCloneTable", "_ITM_registerTMCloneTable",
                  "__cxa_finalize"}

# What gcc 4.8.5 (CentOS 7) does not know; the pattern is searched in sources with comments removed.
GCC48_CONSTRUCTS = [
    (r"\b_Generic\b", "_Generic (gcc 4.9)"),
    (r"\b__auto_type\b", "__auto_type (gcc 4.9)"),
    (r"\b__builtin_\w+_overflow(_p)?\b", "__builtin_*_overflow (gcc 5)"),
    (r"\b__has_attribute\b", "__has_attribute (gcc 5)"),
    (r"\b__has_include(_next)?\b", "__has_include (gcc 5)"),
    (r"\b__has_builtin\b", "__has_builtin (gcc 10)"),
    (r"\bfallthrough\b|\b__fallthrough__\b", "the fallthrough attribute (gcc 7)"),
    (r"\b_Thread_local\b", "_Thread_local (gcc 4.9)"),
    (r"\b_Atomic\b", "_Atomic (gcc 4.9)"),
    (r"\[\[", "C2x attributes [[...]] (gcc 10)"),
    (r"\breturns_nonnull\b", "__attribute__((returns_nonnull)) (gcc 4.9)"),
    (r"\bnonstring\b", "__attribute__((nonstring)) (gcc 8)"),
    (r"\bno_sanitize\b", "__attribute__((no_sanitize)) (gcc 8)"),
    (r"\b__builtin_expect_with_probability\b", "__builtin_expect_with_probability (gcc 9)"),
]

# Kernel interfaces CentOS 7's 3.10 lacks (constants and wrappers; glibc 2.17 has no wrapper for the
# newer system calls either, so the symbol check catches a call, this catches syscall(SYS_...)).
KERNEL310 = [
    (r"\bO_TMPFILE\b", "O_TMPFILE (3.11; unreliable before 3.16)"),
    (r"\b(renameat2|RENAME_NOREPLACE|RENAME_EXCHANGE|SYS_renameat2)\b", "renameat2 (3.15)"),
    (r"\b(getrandom|GRND_NONBLOCK|GRND_RANDOM|SYS_getrandom)\b", "getrandom (3.17)"),
    (r"\b(memfd_create|MFD_CLOEXEC|SYS_memfd_create)\b", "memfd_create (3.17)"),
    (r"\b(F_OFD_SETLK|F_OFD_SETLKW|F_OFD_GETLK)\b", "open file description locks (3.15)"),
    (r"\b(statx|STATX_\w+|SYS_statx)\b", "statx (4.11)"),
    (r"\b(openat2|RESOLVE_\w+|SYS_openat2)\b", "openat2 (5.6)"),
    (r"\b(close_range|SYS_close_range)\b", "close_range (5.9)"),
    (r"\b(pidfd_\w+|SYS_pidfd_\w+|CLONE_PIDFD)\b", "pidfds (5.3)"),
    (r"\b(copy_file_range|SYS_copy_file_range)\b", "copy_file_range (4.5)"),
    (r"\bEPOLLEXCLUSIVE\b", "EPOLLEXCLUSIVE (4.5)"),
]

# Calls that make a descriptor, and the flag each must be given (searched in the call's arguments, comments
# removed): None means the call cannot make a close-on-exec descriptor at all, so use the one that can.
CLOEXEC_CALLS = [
    ("open", "O_CLOEXEC"), ("openat", "O_CLOEXEC"), ("pipe2", "O_CLOEXEC"), ("dup3", "O_CLOEXEC"),
    ("mkostemp", "O_CLOEXEC"), ("mkostemps", "O_CLOEXEC"),
    ("socket", "SOCK_CLOEXEC"), ("socketpair", "SOCK_CLOEXEC"), ("accept4", "SOCK_CLOEXEC"),
    ("inotify_init1", "IN_CLOEXEC"), ("epoll_create1", "EPOLL_CLOEXEC"), ("signalfd", "SFD_CLOEXEC"),
    ("timerfd_create", "TFD_CLOEXEC"), ("eventfd", "EFD_CLOEXEC"),
    ("creat", None), ("pipe", None), ("dup", None), ("accept", None), ("mkstemp", None), ("mkstemps", None),
    ("inotify_init", None), ("epoll_create", None), ("freopen", None), ("tmpfile", None),
]
# The one place a descriptor is handed to a command on purpose: the spawned child's stdin/stdout/stderr.
DUP2_ALLOWED = "firstboot/lib/spawn.c"


def call_arguments(code, start):
    """The text between the parenthesis at code[start] and its match (or the rest, unbalanced)."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return code[start + 1:i]
    return code[start + 1:]


def check_cloexec(rel, code, problems):
    """Refuses a descriptor made without close-on-exec. code: comments blanked, string literals kept (for
    fopen()'s mode)."""
    def where(pos):
        return "%s:%d" % (rel, code.count("\n", 0, pos) + 1)
    for name, flag in CLOEXEC_CALLS:
        # a call, not a member (ops->open) nor a longer name (fopen, open_log)
        for m in re.finditer(r"(?<![\w.>])%s\s*\(" % name, code):
            args = call_arguments(code, m.end() - 1)
            if flag is None:
                problems.append("%s: %s() makes a descriptor without close-on-exec; commands would inherit it "
                                "(firstboot/lib/spawn.c closes nothing): use its CLOEXEC form" % (where(m.start()), name))
            elif not re.search(r"\b%s\b" % flag, args):
                problems.append("%s: %s() without %s: commands would inherit the descriptor (firstboot/lib/spawn.c "
                                "closes nothing)" % (where(m.start()), name, flag))
    for m in re.finditer(r"(?<![\w.>])dup2\s*\(", code):
        if not rel.endswith(DUP2_ALLOWED):
            problems.append("%s: dup2() makes a descriptor without close-on-exec: use dup3(..., O_CLOEXEC) "
                            "(only %s hands descriptors to a command)" % (where(m.start()), DUP2_ALLOWED))
    for m in re.finditer(r"\bF_DUPFD\b", code):
        problems.append("%s: F_DUPFD without close-on-exec: use F_DUPFD_CLOEXEC" % where(m.start()))
    for m in re.finditer(r"(?<![\w.>])fopen\s*\(", code):
        mode = re.search(r',\s*"([^"]*)"\s*$', call_arguments(code, m.end() - 1))
        if not mode or "e" not in mode.group(1):
            problems.append('%s: fopen() without "e" in its mode (O_CLOEXEC): commands would inherit the '
                            "descriptor" % where(m.start()))


# glibc 2.17 libraries other than libc, and the link flag that brings each in on CentOS 7.
GLIBC_LIB_FLAG = {"libpthread": "-lpthread", "librt": "-lrt", "libdl": "-ldl", "libm": "-lm",
                  "libresolv": "-lresolv"}


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        sys.exit("check-abi: %s failed: %s" % (" ".join(argv), p.stderr.strip()))
    return p.stdout


def read_lines(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f]


class El7:
    """The CentOS 7.9 export lists, by library."""

    def __init__(self, d):
        self.dir = d
        self.glibc = {}  # name -> set of 2.17 libraries ("libc", "libpthread", ...)
        gdir = os.path.join(d, "glibc-2.17")
        for fn in sorted(os.listdir(gdir)):
            if not fn.endswith(".abilist"):
                continue
            lib = fn[:-len(".abilist")]
            lib = lib if lib.startswith("lib") else "ld"
            for line in read_lines(os.path.join(gdir, fn)):
                f = line.split()
                if len(f) >= 2 and line.startswith(" ") and f[1] != "A":
                    self.glibc.setdefault(f[0], set()).add(lib)
        self.libs = {
            "libcrypto": self._libeay(os.path.join(d, "openssl-1.0.2k-libeay.num")),
            "libblkid": self._version_script(os.path.join(d, "libblkid-2.23.2.sym")),
            "libyaml": set(read_lines(os.path.join(d, "libyaml-0.1.4.functions"))),
            "json-c": set(read_lines(os.path.join(d, "json-c-0.11.functions"))),
            "libmicrohttpd": set(read_lines(os.path.join(d, "libmicrohttpd-0.9.33.functions"))),
        }
        self.versions = {"libcrypto": "OpenSSL 1.0.2k", "libblkid": "libblkid 2.23.2", "libyaml": "libyaml 0.1.4",
                         "json-c": "json-c 0.11", "libmicrohttpd": "libmicrohttpd 0.9.33"}
        for lib, names in self.libs.items():
            if len(names) < 20:
                sys.exit("check-abi: %s: only %d names read for %s" % (d, len(names), lib))
        if len(self.glibc) < 1500:
            sys.exit("check-abi: %s: only %d glibc names read" % (gdir, len(self.glibc)))

    @staticmethod
    def _libeay(path):
        # "NAME  NUMBER  EXIST::FUNCTION:..." -- NOEXIST names are not exported.
        names = set()
        for line in read_lines(path):
            f = line.split()
            if len(f) >= 3 and f[2].startswith("EXIST:"):
                names.add(f[0])
        return names

    @staticmethod
    def _version_script(path):
        text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
        return set(re.findall(r"^\s*(blkid_\w+)\s*;", text, flags=re.M))


def library_of(soname):
    for prefix, lib in (("libc.so", "glibc"), ("libpthread.so", "glibc"), ("libdl.so", "glibc"),
                        ("librt.so", "glibc"), ("libm.so", "glibc"), ("ld-linux", "glibc"),
                        ("libcrypto.so", "libcrypto"), ("libblkid.so", "libblkid"), ("libyaml", "libyaml"),
                        ("libjson-c.so", "json-c"), ("libmicrohttpd.so", "libmicrohttpd"),
                        ("libcurl.so", "libcurl"), ("libcmocka.so", "cmocka"),
                        ("libasan.so", "sanitizer"), ("libubsan.so", "sanitizer")):
        if soname.startswith(prefix):
            return lib
    return None


def needed_exports(binary):
    """{library: set of names it exports}, for the binary's NEEDED libraries as this machine resolves them."""
    out = {}
    for line in run(["ldd", binary]).splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if not m:
            continue
        lib = library_of(m.group(1))
        if lib is None or not os.path.exists(m.group(2)):
            continue
        names = out.setdefault(lib, set())
        for sym in run(["nm", "-D", "--defined-only", m.group(2)]).split("\n"):
            f = sym.split()
            if len(f) >= 3:
                names.add(f[2].split("@")[0])
    return out


def undefined_symbols(binary):
    """(name, version node or None, weak) for every undefined dynamic symbol."""
    syms = []
    for line in run(["objdump", "-T", binary]).splitlines():
        if "*UND*" not in line:
            continue
        m = re.search(r"\*UND\*\s+[0-9a-f]+\s+(?:\((\S+)\)|(\S+))\s+(\S+)$", line)
        if not m:
            continue
        node = m.group(1) or (None if m.group(2) == "Base" else m.group(2))
        weak = " w " in line[:30]
        syms.append((m.group(3), node, weak))
    return syms


def node_version(node):
    m = re.match(r"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$", node or "")
    return tuple(int(x or 0) for x in m.groups()) if m else None


def load_artefacts():
    """glibc-artefacts.txt: "NAME NODE NAME-IN-2.17 reason" lines; the symbols a Debian build carries at a node above
    2.17 although the program asks 2.17 for the same function under this or another name."""
    art = {}
    for line in read_lines(os.path.join(HERE, "glibc-artefacts.txt")):
        if not line.strip() or line.startswith("#"):
            continue
        name, node, name217, reason = line.split(None, 3)
        art[(name, node)] = (name217, reason)
    return art


def check_binary(binary, el7, artefacts, link_flags, problems, notes):
    exports = needed_exports(binary)
    if "sanitizer" in exports:
        # `make asan`: the sanitizer runtime interposes libc's functions unversioned, so the imports are
        # not the shipped program's; `make check` checks the plain build.
        notes.add("%s: a sanitizer build, its imports not checked" % os.path.basename(binary))
        return {}
    by_node = {"GLIBC_": "glibc", "BLKID_": "libblkid", "JSONC_": "json-c", "OPENSSL_": "libcrypto",
               "LIBMICROHTTPD_": "libmicrohttpd", "CURL_": "libcurl"}
    counted = {}
    for name, node, weak in undefined_symbols(binary):
        if weak and name in TOOLCHAIN_WEAK:
            continue
        lib = None
        for prefix, l in by_node.items():
            if node and node.startswith(prefix):
                lib = l
        if lib is None:
            lib = next((l for l, names in sorted(exports.items()) if name in names), None)
        where = "%s: %s%s" % (os.path.basename(binary), name, "@" + node if node else "")
        if lib is None:
            problems.append("%s: no library on this machine provides it" % where)
            continue
        counted[lib] = counted.get(lib, 0) + 1
        if lib == "glibc":
            v = node_version(node)
            name217 = name
            if v and v > (2, 17, 0):
                if (name, node) not in artefacts:
                    problems.append("%s: glibc version node above 2.17, not a known build artefact "
                                    "(tests/abi/glibc-artefacts.txt)" % where)
                    continue
                name217, reason = artefacts[(name, node)]
                notes.add("build artefact %s@%s: %s" % (name, node, reason))
            libs = el7.glibc.get(name217)
            if not libs:
                problems.append("%s: not exported by glibc 2.17%s" % (where, "" if name217 == name else
                                                                      " (as %s)" % name217))
                continue
            if "libc" not in libs and "ld" not in libs:
                flag_needed = [GLIBC_LIB_FLAG[l] for l in sorted(libs) if l in GLIBC_LIB_FLAG]
                if link_flags is not None and not any(f in link_flags.split() for f in flag_needed):
                    problems.append("%s: glibc 2.17 has it in %s only, and the link flags (%s) lack %s" %
                                    (where, "/".join(sorted(libs)), link_flags, " or ".join(flag_needed)))
        elif lib in el7.libs:
            if name not in el7.libs[lib]:
                problems.append("%s: not exported by %s (CentOS 7.9)" % (where, el7.versions[lib]))
        elif lib in ("cmocka", "sanitizer"):
            pass  # unit tests only (EPEL 7's cmocka is not among the target's lists); `make asan`'s runtime
        else:
            problems.append("%s: from %s, which CentOS 7.9's list here does not cover" % (where, lib))
    return counted


def dl_table(path):
    """{library: [names]} from the X(...) lists of dl-symbols.h."""
    text = open(path).read()
    out = {}
    for m in re.finditer(r"#define\s+LIB(\w+)_SYMBOLS\(X\)((?:[^\n]*\\\n)*[^\n]*)", text):
        out["lib" + m.group(1).lower()] = re.findall(r"\bX\((\w+)\)", m.group(2))
    return out


def strip_comments(path, keep_strings=False):
    """The source with comments and string literals blanked (or kept), line numbers kept."""
    text = open(path, errors="replace").read()

    def blank(m):
        s = m.group(0)
        if keep_strings and not s.startswith("/"):
            return s
        if s.startswith("/") or s.startswith("'"):
            return re.sub(r"[^\n]", " ", s) if s.startswith("/") else "' '"
        return '""'
    return re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', blank, text, flags=re.S)


def check_sources(dirs, top, problems, cloexec_dirs=()):
    n = 0
    cloexec_dirs = [os.path.abspath(d) + os.sep for d in cloexec_dirs]
    for d in dirs:
        for root, _, files in os.walk(d):
            for fn in sorted(files):
                if not fn.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, fn)
                rel = os.path.relpath(path, top)
                n += 1
                code = strip_comments(path)
                if any(os.path.abspath(path).startswith(c) for c in cloexec_dirs):
                    check_cloexec(rel, strip_comments(path, keep_strings=True), problems)
                for lineno, line in enumerate(code.split("\n"), 1):
                    if re.search(r"\b(dlopen|dlsym|dlvsym)\s*\(", line) and not rel.endswith("lib/dlfcn-util.c"):
                        problems.append("%s:%d: dlopen()/dlsym() outside firstboot/lib/dlfcn-util.c: every name "
                                        "resolved at run time goes through dl-symbols.h" % (rel, lineno))
                    for pattern, what in GCC48_CONSTRUCTS:
                        if re.search(pattern, line):
                            problems.append("%s:%d: %s, which gcc 4.8 (CentOS 7) rejects" % (rel, lineno, what))
                    for pattern, what in KERNEL310:
                        if re.search(pattern, line):
                            problems.append("%s:%d: %s, which CentOS 7's kernel 3.10 lacks" % (rel, lineno, what))
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--el7", required=True)
    ap.add_argument("--dl-table")
    ap.add_argument("--sources", action="append", default=[], help="a directory of C sources (repeatable)")
    ap.add_argument("--cloexec", action="append", default=[],
                    help="a directory of --sources whose descriptors must all be close-on-exec (repeatable)")
    ap.add_argument("--top", default=os.getcwd())
    ap.add_argument("--link-libs", action="append", default=[], help="BINARY-BASENAME=FLAGS (repeatable)")
    ap.add_argument("binaries", nargs="*")
    args = ap.parse_args()

    el7 = El7(args.el7)
    artefacts = load_artefacts()
    links = dict(x.split("=", 1) for x in args.link_libs)
    problems, notes, summary = [], set(), []

    for b in args.binaries:
        counted = check_binary(b, el7, artefacts, links.get(os.path.basename(b)), problems, notes)
        summary.append("%s: %s" % (os.path.basename(b), ", ".join("%d from %s" % (n, l) for l, n in
                                                                   sorted(counted.items())) or "not checked"))
    if args.dl_table:
        table = dl_table(args.dl_table)
        if not table.get("libcrypto") or not table.get("libcurl"):
            problems.append("%s: no LIBCRYPTO_SYMBOLS/LIBCURL_SYMBOLS list found" % args.dl_table)
        for name in table.get("libcrypto", []):
            if name not in el7.libs["libcrypto"]:
                problems.append("%s: %s is resolved with dlsym() but not exported by OpenSSL 1.0.2k "
                                "(libeay.num)" % (os.path.relpath(args.dl_table, args.top), name))
        for lib in sorted(set(table) - {"libcrypto", "libcurl"}):
            problems.append("%s: no CentOS 7.9 list to check the dlsym() names of %s" % (args.dl_table, lib))
        summary.append("dlsym(): %s" % ", ".join("%d names of %s" % (len(v), k) for k, v in sorted(table.items())))
    if args.sources:
        n = check_sources(args.sources, args.top, problems, args.cloexec)
        summary.append("%d C files: no dlsym() outside the table, no gcc 4.8 or kernel 3.10 misfit%s" %
                       (n, "; every descriptor close-on-exec in %s" % ", ".join(
                           os.path.relpath(d, args.top) for d in args.cloexec) if args.cloexec else ""))

    for p in problems:
        print("check-abi: " + p)
    if problems:
        return 1
    for n in sorted(notes):
        print("note: " + n)
    for s in summary:
        print("ok: " + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
