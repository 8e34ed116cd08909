#!/usr/bin/env python3
"""Test clients for kube-firstboot-server that curl cannot play (loopback only).

  raw       --port P                 send stdin as is; print the status code of the answer, or "closed"
  slowloris --port P --interval S --max S [--ready FILE] [--until FILE]
                                     send a request head one header line every S seconds, never ending it;
                                     print "closed SECONDS STATUS" when the server gives up, or "open SECONDS";
                                     --ready: create FILE once the first line is sent; --until: hang up
                                     as soon as FILE exists and print "released SECONDS"
  slowbody  --port P --path P [--bearer B] [--method M] [--chunked] [--interval S --max S]
                                     a request (PUT unless --method) whose body trickles in a byte at a
                                     time (announced by Content-Length, or chunked); print as slowloris
  limit     --port P --hold N        hold N idle connections, open one more; print what that one gets
  longpoll  --port P --clients N --wait S --cluster C --bearer-file F --record-file R [--pid PID]
                                     N concurrent GET .../join?wait=S, then the PUT of R once all of them
                                     are waiting; print one JSON line of figures (exit 1 if any client failed)
  hangup    --port P --clients N --cluster C --source A
                                     N GET .../join?wait=55 from source address A; once the server holds
                                     them all, they hang up; once it has let go of them, one more long
                                     poll from A must be held too (the connection limit of A being N);
                                     print what happened, exit 1 at the first step that did not
"""
import argparse
import json
import os
import select
import socket
import sys
import time

HOST = "127.0.0.1"


def status_of(data):
    if not data:
        return "closed"
    line = data.split(b"\r\n", 1)[0].split(b" ")
    if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
        return line[1].decode()
    if line[0].isdigit():
        return "body:" + line[0].decode()  # an HTTP/0.9 answer: no status line, just the body
    return "garbage"


def read_answer(sock, timeout):
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                break
    except socket.timeout:
        pass
    except ConnectionResetError:
        pass
    return data


def cmd_raw(args):
    payload = sys.stdin.buffer.read()
    # The server answers or closes within its header timeout; 60 s only bounds a server that does neither.
    with socket.create_connection((HOST, args.port), timeout=60) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        print(status_of(read_answer(s, 60)))


def trickle(s, start, args, piece, until=None):
    """Sends piece(n) for n = 1, 2, ... every args.interval seconds until the server answers or hangs up,
    args.max seconds from start pass, or the file until exists; prints which, and when."""
    s.settimeout(args.interval)
    n = 0
    while time.monotonic() - start < args.max:
        if until and os.path.exists(until):
            print("released %.2f" % (time.monotonic() - start))
            return
        try:
            data = s.recv(4096)
            print("closed %.2f %s" % (time.monotonic() - start, status_of(data)))
            return
        except socket.timeout:
            pass
        except ConnectionResetError:
            print("closed %.2f reset" % (time.monotonic() - start))
            return
        n += 1
        try:
            s.sendall(piece(n))
        except (BrokenPipeError, ConnectionResetError):
            print("closed %.2f reset" % (time.monotonic() - start))
            return
    print("open %.2f" % (time.monotonic() - start))


def cmd_slowloris(args):
    start = time.monotonic()
    with socket.create_connection((HOST, args.port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        if args.ready:
            open(args.ready, "w").close()
        trickle(s, start, args, lambda n: b"X-Slow-%d: y\r\n" % n, args.until)


def cmd_slowbody(args):
    """A request whose head is complete but whose body comes one byte at a time."""
    start = time.monotonic()
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (args.method, args.path)
    if args.bearer:
        head += "Authorization: Bearer %s\r\n" % args.bearer
    head += "Transfer-Encoding: chunked\r\n\r\n" if args.chunked else "Content-Length: 1000\r\n\r\n"
    with socket.create_connection((HOST, args.port), timeout=5) as s:
        s.sendall(head.encode())
        trickle(s, start, args, lambda n: b"1\r\n \r\n" if args.chunked else b" ")


def cmd_limit(args):
    # The server accepts connections in the order they were made, so the held ones count before the last.
    held = [socket.create_connection((HOST, args.port), timeout=5) for _ in range(args.hold)]
    with socket.create_connection((HOST, args.port), timeout=5) as s:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        print(status_of(read_answer(s, 5)))
    for h in held:
        h.close()


def http_request(port, head, body=b"", timeout=10):
    """One blocking request on a fresh connection; returns (status, body)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        response = Response()
        response.feed(data)
        while not response.done:
            chunk = s.recv(65536)
            if not chunk:
                break
            response.feed(chunk)
        return response.status, response.body


class Response:
    """Incremental parser of one HTTP response with a Content-Length."""

    def __init__(self):
        self.data = b""
        self.status = None
        self.length = None
        self.head_end = None
        self.done = False

    def feed(self, chunk):
        self.data += chunk
        if self.head_end is None:
            i = self.data.find(b"\r\n\r\n")
            if i < 0:
                return
            self.head_end = i + 4
            lines = self.data[:i].decode("latin-1").split("\r\n")
            self.status = int(lines[0].split(" ")[1])
            self.length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    self.length = int(line.split(":", 1)[1])
        if len(self.data) - self.head_end >= self.length:
            self.done = True

    @property
    def body(self):
        return self.data[self.head_end:self.head_end + self.length] if self.done else b""


def proc_kib(pid, field):
    if not pid:
        return None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def cpu_ns(pid):
    """Time the process has spent on a CPU, from /proc/PID/schedstat (nanoseconds)."""
    if not pid:
        return None
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except OSError:
        return None


def waiting_count(port):
    status, page = http_request(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    marker = b'<span id="waiters">'
    i = page.find(marker)
    if status != 200 or i < 0:
        return -1
    return int(page[i + len(marker):page.index(b"<", i + len(marker))])


def wait_for_count(port, want, bound, watch=None):
    """Polls the status page until it counts want long polls; False after bound seconds, or as soon as
    the socket watch gets an answer (a refusal: a held long poll gets none)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if waiting_count(port) == want:
            return True
        if watch is not None and select.select([watch], [], [], 0)[0]:
            return False
        time.sleep(0.05)
    return False


def cmd_hangup(args):
    get = ("GET /v1/clusters/%s/join?wait=55 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % args.cluster).encode()

    def poll():
        s = socket.create_connection((HOST, args.port), timeout=10, source_address=(args.source, 0))
        s.sendall(get)
        return s

    clients = [poll() for _ in range(args.clients)]
    # the bounds only catch a server that never gets there; the waits are 55 s, longer than any of them
    if not wait_for_count(args.port, args.clients, 30):
        print("the server did not hold %d long polls within 30 s" % args.clients)
        return 1
    print("held %d" % args.clients)
    for s in clients:
        s.close()
    if not wait_for_count(args.port, 0, 30):
        print("the server still held long polls 30 s after their clients hung up (their wait: 55 s)")
        return 1
    print("released %d" % args.clients)
    with poll() as s:
        if not wait_for_count(args.port, 1, 30, watch=s):
            print("one more long poll from %s was not held: %s" % (args.source, status_of(read_answer(s, 5))))
            return 1
        print("held one more")
    if not wait_for_count(args.port, 0, 30):
        print("the server still held the last long poll 30 s after its client hung up")
        return 1
    print("released it")
    return 0


def cmd_longpoll(args):
    """Raw non-blocking sockets in one epoll loop: cheap enough per client that the figures are the
    server's, not the client's."""
    record = open(args.record_file, "rb").read()
    bearer = open(args.bearer_file).read().strip()
    get = ("GET /v1/clusters/%s/join?wait=%d HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
           % (args.cluster, args.wait)).encode()
    put = ("PUT /v1/clusters/%s/join HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
           % (args.cluster, bearer, len(record))).encode()

    started = time.monotonic()
    ep = select.epoll()
    clients = {}
    for _ in range(args.clients):
        s = socket.create_connection((HOST, args.port), timeout=10)
        s.sendall(get)
        s.setblocking(False)
        clients[s.fileno()] = (s, Response())
        ep.register(s.fileno(), select.EPOLLIN)

    # every client held by the server before the record arrives
    while True:
        n = waiting_count(args.port)
        if n >= args.clients:
            break
        if time.monotonic() - started > 60:
            print(json.dumps({"error": "only %d of %d clients waiting after 60 s" % (n, args.clients)}))
            return 1
        time.sleep(0.05)
    waiting_after = time.monotonic() - started
    rss_waiting = proc_kib(args.pid, "VmRSS")

    cpu_before = cpu_ns(args.pid)
    put_sent = time.monotonic()
    put_status, _ = http_request(args.port, put, record)
    put_answered = time.monotonic()

    finished = {}
    deadline = time.monotonic() + args.wait + 30
    while len(finished) < len(clients) and time.monotonic() < deadline:
        for fd, _ in ep.poll(1.0):
            s, response = clients[fd]
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            if chunk:
                response.feed(chunk)
            if response.done or not chunk:
                finished[fd] = time.monotonic()
                ep.unregister(fd)
                s.close()
    cpu_after = cpu_ns(args.pid)
    ok = [fd for fd, (s, r) in clients.items() if r.done and r.status == 200 and r.body == record]
    failed = [r.status for fd, (s, r) in clients.items() if fd not in ok]
    wake = sorted((finished[fd] - put_sent) * 1000.0 for fd in ok)

    def pct(p):
        return round(wake[min(len(wake) - 1, int(len(wake) * p))], 1) if wake else None

    out = {
        "clients": args.clients,
        "answered_with_record": len(ok),
        "failed": failed[:5],
        "put_status": put_status,
        "put_ms": round((put_answered - put_sent) * 1000.0, 1),
        "all_waiting_after_s": round(waiting_after, 2),
        "wake_p50_ms": pct(0.5),
        "wake_p99_ms": pct(0.99),
        "wake_max_ms": round(wake[-1], 1) if wake else None,
        "server_cpu_ms": round((cpu_after - cpu_before) / 1e6, 1) if cpu_before is not None else None,
        "rss_waiting_kib": rss_waiting,
        "peak_rss_kib": proc_kib(args.pid, "VmHWM"),
    }
    print(json.dumps(out))
    return 0 if len(ok) == args.clients and put_status in (200, 201, 204) else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("raw")
    r.add_argument("--port", type=int, required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--interval", type=float, default=0.5)
    s.add_argument("--max", type=float, default=20)
    s.add_argument("--ready")
    s.add_argument("--until")
    sb = sub.add_parser("slowbody")
    sb.add_argument("--port", type=int, required=True)
    sb.add_argument("--path", required=True)
    sb.add_argument("--bearer")
    sb.add_argument("--method", default="PUT")
    sb.add_argument("--chunked", action="store_true")
    sb.add_argument("--interval", type=float, default=0.4)
    sb.add_argument("--max", type=float, default=20)
    lim = sub.add_parser("limit")
    lim.add_argument("--port", type=int, required=True)
    lim.add_argument("--hold", type=int, required=True)
    lp = sub.add_parser("longpoll")
    lp.add_argument("--port", type=int, required=True)
    lp.add_argument("--clients", type=int, required=True)
    lp.add_argument("--wait", type=int, required=True)
    lp.add_argument("--cluster", required=True)
    lp.add_argument("--bearer-file", required=True)
    lp.add_argument("--record-file", required=True)
    lp.add_argument("--pid", type=int, default=0)
    hu = sub.add_parser("hangup")
    hu.add_argument("--port", type=int, required=True)
    hu.add_argument("--clients", type=int, required=True)
    hu.add_argument("--cluster", required=True)
    hu.add_argument("--source", required=True)
    args = p.parse_args()

    if args.cmd == "raw":
        cmd_raw(args)
    elif args.cmd == "slowloris":
        cmd_slowloris(args)
    elif args.cmd == "slowbody":
        cmd_slowbody(args)
    elif args.cmd == "limit":
        cmd_limit(args)
    elif args.cmd == "hangup":
        sys.exit(cmd_hangup(args))
    else:
        sys.exit(cmd_longpoll(args))


if __name__ == "__main__":
    main()
