#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Finds what Python 3.6 (CentOS 7's python3) cannot run in the given Python files.

Usage: py36-check.py FILE...

Two checks, on Debian's interpreter (3.8 or later: ast.parse's feature_version):
  - syntax: the file is parsed with the grammar of 3.6, which refuses :=, positional-only parameters,
    f"{x=}", parenthesised context managers, match, except* and the like;
  - standard library: an AST walk for names, methods and keyword arguments that came after 3.6 (the
    table below, each with its version): http.server.ThreadingHTTPServer, subprocess.run(text=), ...
    Module aliases are followed (import x as y, from x import y); methods of builtin types (str.isascii,
    str.removeprefix, ...) are found by name, whatever object they are called on.
Local modules that a file imports (NAME.py beside it) are checked too.

Prints one "FILE:LINE:COL: ..." line per finding; exit 0 when there is none, 1 when there are, 2 when a
file cannot be read. Not a 3.6 interpreter: what the table does not list goes unseen, so the table grows
whenever a newer API is found in a file that %check runs.
"""
import ast
import os
import sys

TARGET = (3, 6)

# Modules that came after 3.6.
MODULES = {
    "contextvars": (3, 7),
    "dataclasses": (3, 7),
    "importlib.resources": (3, 7),
    "importlib.metadata": (3, 8),
    "graphlib": (3, 9),
    "zoneinfo": (3, 9),
    "tomllib": (3, 11),
}

# Module-level names and class attributes, by their full dotted name.
NAMES = {
    "__future__.annotations": (3, 7),
    "argparse.ArgumentParser.parse_intermixed_args": (3, 7),
    "argparse.BooleanOptionalAction": (3, 9),
    "asyncio.all_tasks": (3, 7),
    "asyncio.create_task": (3, 7),
    "asyncio.current_task": (3, 7),
    "asyncio.get_running_loop": (3, 7),
    "asyncio.run": (3, 7),
    "asyncio.to_thread": (3, 9),
    "asyncio.TaskGroup": (3, 11),
    "asyncio.timeout": (3, 11),
    "builtins.aiter": (3, 10),
    "builtins.anext": (3, 10),
    "builtins.breakpoint": (3, 7),
    "contextlib.AsyncExitStack": (3, 7),
    "contextlib.aclosing": (3, 10),
    "contextlib.asynccontextmanager": (3, 7),
    "contextlib.chdir": (3, 11),
    "contextlib.nullcontext": (3, 7),
    "enum.StrEnum": (3, 11),
    "functools.cache": (3, 9),
    "functools.cached_property": (3, 8),
    "functools.singledispatchmethod": (3, 8),
    "gc.freeze": (3, 7),
    "hashlib.file_digest": (3, 11),
    "http.HTTPMethod": (3, 11),
    "http.server.ThreadingHTTPServer": (3, 7),
    "itertools.batched": (3, 12),
    "itertools.pairwise": (3, 10),
    "math.comb": (3, 8),
    "math.dist": (3, 8),
    "math.isqrt": (3, 8),
    "math.lcm": (3, 9),
    "math.nextafter": (3, 9),
    "math.perm": (3, 8),
    "math.prod": (3, 8),
    "math.remainder": (3, 7),
    "math.ulp": (3, 9),
    "os.copy_file_range": (3, 8),
    "os.eventfd": (3, 10),
    "os.memfd_create": (3, 8),
    "os.pidfd_open": (3, 9),
    "os.posix_spawn": (3, 8),
    "os.posix_spawnp": (3, 8),
    "os.preadv": (3, 7),
    "os.pwritev": (3, 7),
    "os.register_at_fork": (3, 7),
    "os.splice": (3, 10),
    "os.waitstatus_to_exitcode": (3, 9),
    "queue.SimpleQueue": (3, 7),
    "re.Match": (3, 7),  # 3.6 has the types only as _sre.SRE_Match/SRE_Pattern
    "re.Pattern": (3, 7),
    "shlex.join": (3, 8),
    "signal.raise_signal": (3, 8),
    "signal.strsignal": (3, 8),
    "signal.valid_signals": (3, 8),
    "signal.pidfd_send_signal": (3, 9),
    "socket.create_server": (3, 8),
    "socket.has_dualstack_ipv6": (3, 8),
    "socket.recv_fds": (3, 9),
    "socket.send_fds": (3, 9),
    "statistics.fmean": (3, 8),
    "sys.addaudithook": (3, 8),
    "sys.audit": (3, 8),
    "sys.breakpointhook": (3, 7),
    "sys.exception": (3, 11),
    "sys.orig_argv": (3, 10),
    "sys.stdlib_module_names": (3, 10),
    "sys.unraisablehook": (3, 8),
    "threading.excepthook": (3, 8),
    "threading.get_native_id": (3, 8),
    "time.clock_gettime_ns": (3, 7),
    "time.clock_settime_ns": (3, 7),
    "time.monotonic_ns": (3, 7),
    "time.perf_counter_ns": (3, 7),
    "time.process_time_ns": (3, 7),
    "time.pthread_getcpuclockid": (3, 7),
    "time.thread_time": (3, 7),
    "time.thread_time_ns": (3, 7),
    "time.time_ns": (3, 7),
    "typing.Annotated": (3, 9),
    "typing.Final": (3, 8),
    "typing.Literal": (3, 8),
    "typing.ParamSpec": (3, 10),
    "typing.Protocol": (3, 8),
    "typing.Self": (3, 11),
    "typing.TypeAlias": (3, 10),
    "typing.TypedDict": (3, 8),
    "typing.get_args": (3, 8),
    "typing.get_origin": (3, 8),
    "unittest.IsolatedAsyncioTestCase": (3, 8),
    "zipfile.Path": (3, 8),
}

# Methods of builtin and standard types, found by name on any object: the walk cannot know an object's
# type, and these names are distinctive enough.
METHODS = {
    "bit_count": ((3, 10), "int.bit_count"),
    "fromisocalendar": ((3, 8), "date.fromisocalendar"),
    "fromisoformat": ((3, 7), "datetime/date/time.fromisoformat"),
    "hardlink_to": ((3, 10), "Path.hardlink_to"),
    "is_relative_to": ((3, 9), "Path.is_relative_to"),
    "isascii": ((3, 7), "str/bytes.isascii"),
    "removeprefix": ((3, 9), "str/bytes.removeprefix"),
    "removesuffix": ((3, 9), "str/bytes.removesuffix"),
    "with_stem": ((3, 9), "Path.with_stem"),
}

# Keyword arguments that came later than the function: (dotted function, keyword).
_SUBPROCESS_CALLS = ("subprocess.run", "subprocess.Popen", "subprocess.call", "subprocess.check_call",
                     "subprocess.check_output")
KEYWORDS = {
    ("argparse.ArgumentParser", "exit_on_error"): (3, 9),
    ("builtins.zip", "strict"): (3, 10),
    ("collections.namedtuple", "defaults"): (3, 7),
    ("http.server.SimpleHTTPRequestHandler", "directory"): (3, 7),
    ("itertools.accumulate", "initial"): (3, 8),
    ("logging.basicConfig", "encoding"): (3, 9),
    ("logging.basicConfig", "force"): (3, 8),
    ("shutil.copytree", "dirs_exist_ok"): (3, 8),
    ("subprocess.run", "capture_output"): (3, 7),
    ("tempfile.TemporaryDirectory", "ignore_cleanup_errors"): (3, 10),
}
for _f in _SUBPROCESS_CALLS:
    KEYWORDS[(_f, "text")] = (3, 7)
    KEYWORDS[(_f, "user")] = (3, 9)
    KEYWORDS[(_f, "group")] = (3, 9)
    KEYWORDS[(_f, "extra_groups")] = (3, 9)
    KEYWORDS[(_f, "umask")] = (3, 9)
    KEYWORDS[(_f, "pipesize")] = (3, 10)
    KEYWORDS[(_f, "process_group")] = (3, 11)

# Keyword arguments of methods, by method name on any object.
METHOD_KEYWORDS = {
    ("add_subparsers", "required"): ((3, 7), "argparse add_subparsers(required=)"),
    ("unlink", "missing_ok"): ((3, 8), "Path.unlink(missing_ok=)"),
}

# Builtin types that PEP 585 made subscriptable (list[int]) in 3.9; 3.6 evaluates annotations too.
GENERIC_BUILTINS = {"dict", "frozenset", "list", "set", "tuple", "type"}

BUILTINS = {"aiter", "anext", "breakpoint", "zip"}


def version(v):
    return "%d.%d" % v


class Checker(ast.NodeVisitor):
    def __init__(self, path):
        self.path = path
        self.findings = set()
        self.aliases = {}  # local name -> dotted name it stands for
        self.local_modules = set()  # NAME of NAME.py beside the file, imported by it

    def report(self, node, what, v):
        if v > TARGET:
            self.findings.add((node.lineno, node.col_offset + 1, "%s is Python %s+ (CentOS 7 has %s)"
                               % (what, version(v), version(TARGET))))

    def note_module(self, node, name):
        for mod, v in MODULES.items():
            if name == mod or name.startswith(mod + "."):
                self.report(node, "module " + mod, v)
        here = os.path.dirname(os.path.abspath(self.path))
        first = name.split(".", 1)[0]
        if os.path.isfile(os.path.join(here, first + ".py")):
            self.local_modules.add(os.path.join(here, first + ".py"))

    def dotted(self, node):
        """The dotted name an expression stands for (os.path.join), or None for anything else."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in BUILTINS:
                return "builtins." + node.id
            return None
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return base + "." + node.attr if base else None
        return None

    def visit_Import(self, node):
        for a in node.names:
            self.note_module(node, a.name)
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                first = a.name.split(".", 1)[0]
                self.aliases[first] = first
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self.note_module(node, node.module)
            for a in node.names:
                full = node.module + "." + a.name
                if full in NAMES:
                    self.report(node, full, NAMES[full])
                if full in MODULES:
                    self.report(node, "module " + full, MODULES[full])
                self.aliases[a.asname or a.name] = full
        self.generic_visit(node)

    def visit_Name(self, node):
        # only names bound by an import (or builtins): a plain variable resolves to nothing
        name = self.dotted(node)
        if name in NAMES and node.id not in self.aliases:
            self.report(node, name, NAMES[name])
        self.generic_visit(node)

    def visit_Attribute(self, node):
        name = self.dotted(node)
        if name in NAMES:
            self.report(node, name, NAMES[name])
        elif name in MODULES:
            self.report(node, "module " + name, MODULES[name])
        if node.attr in METHODS and name not in NAMES:
            v, what = METHODS[node.attr]
            self.report(node, what, v)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = self.dotted(node.func)
        for kw in node.keywords:
            if kw.arg is None:
                continue
            if name and (name, kw.arg) in KEYWORDS:
                self.report(kw.value, "%s(%s=)" % (name, kw.arg), KEYWORDS[(name, kw.arg)])
            if isinstance(node.func, ast.Attribute) and (node.func.attr, kw.arg) in METHOD_KEYWORDS:
                v, what = METHOD_KEYWORDS[(node.func.attr, kw.arg)]
                self.report(kw.value, what, v)
            # argparse's action="extend"
            if (isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument" and kw.arg == "action"
                    and isinstance(kw.value, ast.Constant) and kw.value.value == "extend"):
                self.report(kw.value, 'argparse action="extend"', (3, 8))
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        # @functools.lru_cache without parentheses (the function passed straight to it)
        for d in node.decorator_list:
            if self.dotted(d) == "functools.lru_cache":
                self.report(d, "@functools.lru_cache without arguments", (3, 8))
        for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            self.check_annotation(a.annotation)
        for a in (node.args.vararg, node.args.kwarg):
            if a:
                self.check_annotation(a.annotation)
        self.check_annotation(node.returns)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node):
        self.check_annotation(node.annotation)
        self.generic_visit(node)

    def check_annotation(self, ann):
        # 3.6 evaluates annotations when the function is defined: int | None fails there
        if ann is None:
            return
        for n in ast.walk(ann):
            if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
                self.report(n, "X | Y in an annotation", (3, 10))

    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Name) and node.value.id in GENERIC_BUILTINS and node.value.id not in self.aliases:
            self.report(node, "%s[...] (a builtin type as a generic)" % node.value.id, (3, 9))
        self.generic_visit(node)

    @staticmethod
    def dictish(n):
        return (isinstance(n, (ast.Dict, ast.DictComp))
                or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "dict"))

    def visit_BinOp(self, node):
        # dict | dict: recognised where one side is visibly a dict (a literal, a comprehension, dict(...))
        if isinstance(node.op, ast.BitOr) and (self.dictish(node.left) or self.dictish(node.right)):
            self.report(node, "dict | dict", (3, 9))
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.BitOr) and self.dictish(node.value):
            self.report(node, "dict |= dict", (3, 9))
        self.generic_visit(node)


def check(path):
    """Returns (findings as "path:line:col: text" lines, local modules the file imports)."""
    with open(path, "rb") as f:
        src = f.read()
    try:
        tree = ast.parse(src, filename=path, feature_version=TARGET)
    except SyntaxError as e:
        return ["%s:%s:%s: not Python %s syntax: %s" % (path, e.lineno, e.offset, version(TARGET), e.msg)], set()
    c = Checker(path)
    c.visit(tree)
    return ["%s:%d:%d: %s" % (path, line, col, text) for line, col, text in sorted(c.findings)], c.local_modules


def main(argv):
    if sys.version_info < (3, 8):
        print("py36-check.py needs Python 3.8 or later (ast.parse's feature_version)", file=sys.stderr)
        return 2
    if not argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    todo, seen, findings = list(argv), set(), []
    while todo:
        path = todo.pop(0)
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        try:
            found, local = check(path)
        except OSError as e:
            print("%s: %s" % (path, e.strerror), file=sys.stderr)
            return 2
        findings += found
        todo += sorted(local)
    for line in findings:
        print(line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
