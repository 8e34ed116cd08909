#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A NoCloud-net seed server for tests, with faults on request, like curl's test servers.

Serves the files under --dir over HTTP on 127.0.0.1 only (GET; PUT stores the body under --dir), and
can misbehave in the ways a metadata service does at boot:

  --down S            listen only after S seconds (connections are refused until then; needs --port)
  --fail500 N         answer the first N requests with 500
  --not-found-meta N  answer the first N requests for .../meta-data with 404 ("not populated yet")
  --slow S            send every body spread over S seconds
  --truncate N        for the first N responses with a body, announce the full Content-Length but send
                      half the body and close the connection
  --hang N            accept the first N requests and never answer them
  --status NAME=CODE  always answer requests whose last path component is NAME with CODE (repeatable)
  --redirect NAME=URL always redirect requests whose last path component is NAME to URL (repeatable)
  --once NAME         serve NAME once per seed directory and meta-data: a later GET is answered 403 until
                      that directory's meta-data changes (a new instance-id), as kube-firstboot-server
                      serves user-data once per instance-id (repeatable)

--port-file FILE receives the port once the server listens (port 0 = any free port). --log FILE gets
one line per request: "METHOD PATH STATUS [FAULT]". Stops on SIGTERM.
"""
import argparse
import os
import signal
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

MAX_PUT = 1024 * 1024


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.fail500 = args.fail500
        self.not_found_meta = args.not_found_meta
        self.truncate = args.truncate
        self.hang = args.hang
        self.status = dict(kv.split("=", 1) for kv in args.status)
        self.redirect = dict(kv.split("=", 1) for kv in args.redirect)
        self.slow = args.slow
        self.once = set(args.once)
        self.served_once = set()  # (path, the meta-data beside it)
        self.root = os.path.realpath(args.dir)
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def take(self, name):
        """Consumes one occurrence of a counted fault; True when it applies to this request."""
        with self.lock:
            left = getattr(self, name)
            if left > 0:
                setattr(self, name, left - 1)
                return True
            return False

    def first_time(self, path):
        """--once: True the first time path is asked for with the meta-data now beside it."""
        try:
            with open(os.path.join(os.path.dirname(path), "meta-data"), "rb") as f:
                key = (path, f.read())
        except OSError:
            key = (path, b"")
        with self.lock:
            if key in self.served_once:
                return False
            self.served_once.add(key)
            return True

    def record(self, method, path, status, fault=""):
        if self.log:
            with self.lock:
                self.log.write(f"{method} {path} {status}{' ' + fault if fault else ''}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "seed-httpd"

    def log_message(self, fmt, *args):  # quiet: the --log file is the record
        pass

    def local_path(self):
        path = self.path.split("?", 1)[0]
        full = os.path.realpath(os.path.join(STATE.root, path.lstrip("/")))
        if full != STATE.root and not full.startswith(STATE.root + os.sep):
            return None
        return full

    def reply(self, status, body=b"", headers=(), fault=""):
        STATE.record(self.command, self.path, status, fault)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        if fault == "truncated":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            return
        if STATE.slow > 0 and body:
            pieces = 10
            step = max(1, (len(body) + pieces - 1) // pieces)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(STATE.slow / pieces)
            return
        self.wfile.write(body)

    def do_GET(self):
        name = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if STATE.take("hang"):
            STATE.record(self.command, self.path, 0, "hang")
            time.sleep(3600)
            return
        if STATE.take("fail500"):
            return self.reply(500, b"try again later\n", fault="fail500")
        if name == "meta-data" and STATE.take("not_found_meta"):
            return self.reply(404, b"not yet\n", fault="not-found-meta")
        if name in STATE.status:
            return self.reply(int(STATE.status[name]), b"forced status\n", fault="status")
        if name in STATE.redirect:
            return self.reply(302, b"", headers=[("Location", STATE.redirect[name])], fault="redirect")
        path = self.local_path()
        if not path or not os.path.isfile(path):
            return self.reply(404, b"no such file\n")
        with open(path, "rb") as f:
            body = f.read()
        if name in STATE.once and not STATE.first_time(path):
            return self.reply(403, b"served once for this instance\n", fault="once")
        if STATE.take("truncate"):
            return self.reply(200, body, fault="truncated")
        return self.reply(200, body)

    def do_PUT(self):
        path = self.local_path()
        length = int(self.headers.get("Content-Length", "-1"))
        if not path or length < 0 or length > MAX_PUT:
            self.close_connection = True
            return self.reply(400, b"bad request\n")
        body = self.rfile.read(length)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
        return self.reply(201, b"stored\n")


# What http.server.ThreadingHTTPServer is, spelt out: that class came with Python 3.7, and the RPM's %check
# runs this server (unit/test-seed-http) on CentOS 7, whose python3 is 3.6 (tests/integration/test-python36.sh).
class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True  # a --hang request must not keep the process from exiting on SIGTERM
    allow_reuse_address = True


def main():
    global STATE
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--log")
    p.add_argument("--down", type=float, default=0)
    p.add_argument("--fail500", type=int, default=0)
    p.add_argument("--not-found-meta", type=int, default=0)
    p.add_argument("--slow", type=float, default=0)
    p.add_argument("--truncate", type=int, default=0)
    p.add_argument("--hang", type=int, default=0)
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--redirect", action="append", default=[])
    p.add_argument("--once", action="append", default=[])
    args = p.parse_args()
    if args.down and not args.port:
        p.error("--down needs a fixed --port")
    STATE = State(args)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.down:
        time.sleep(args.down)
    server = Server(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.server_address[1]}\n")
        os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
