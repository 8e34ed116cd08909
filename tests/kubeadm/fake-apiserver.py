#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A small stand-in for the Kubernetes API server, for tests/kubeadm/check-kubeadm.sh: just what the real
`kubeadm join` (discovery, then the kubelet-start phase) and `kubeadm token create` ask, over TLS.

fake-apiserver.py --listen ADDR:PORT --cert CRT --key KEY --objects OBJECTS.json --log LOG.jsonl
                  [--ready FILE]

OBJECTS.json: {"configmaps": {"NAMESPACE/NAME": {...a v1 ConfigMap...}, ...}}. The cluster-info ConfigMap
is served as given: the test puts the kubeconfig and its jws-kubeconfig-TOKENID signature in it (see
`sign` below). Secrets (bootstrap tokens) start empty; POST creates, PUT replaces, GET reads them.
Anything else is answered 404 with a v1 Status, as the API server does for an absent object, so an
unexpected request shows up in LOG (one JSON object per request: method, path, the Authorization
header's scheme and credential, the request body) rather than succeeding by accident.

fake-apiserver.py sign TOKEN CONTENT_FILE: prints the detached JWS kubeadm's bootstrap signer puts in
cluster-info (k8s.io/cluster-bootstrap/token/jws: HS256 keyed with the token's secret, protected header
{"alg":"HS256","kid":TOKEN_ID}, compact serialization with the payload cut out: "HEADER..SIGNATURE").
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import socketserver
import ssl
import sys
import threading


def b64url(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def detached_jws(token, content):
        token_id, secret = token.split(".", 1)
        # go-jose serialises the protected header with Go's encoding/json: keys sorted, no spaces.
        header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":"), sort_keys=True).encode())
        signing_input = header + "." + b64url(content.encode())
        sig = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
        return header + ".." + b64url(sig)


def status(code, reason, message, name=None, kind=None):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                "reason": reason, "code": code}
        if name is not None:
                body["details"] = {"name": name, "kind": kind}
        return code, body


class Store:
        def __init__(self, objects):
                self.configmaps = objects.get("configmaps", {})
                self.secrets = {}
                self.lock = threading.Lock()

        def handle(self, method, path, body):
                parts = path.split("?", 1)[0].strip("/").split("/")
                # /api/v1/namespaces/NS/RESOURCE[/NAME]
                if len(parts) < 5 or parts[:3] != ["api", "v1", "namespaces"]:
                        if parts[:3] == ["api", "v1", "nodes"] and len(parts) == 4 and method == "GET":
                                return status(404, "NotFound", 'nodes "%s" not found' % parts[3], parts[3], "nodes")
                        return status(404, "NotFound", "the server could not find the requested resource")
                ns, resource = parts[3], parts[4]
                name = parts[5] if len(parts) > 5 else None
                with self.lock:
                        if resource == "configmaps" and method == "GET" and name:
                                obj = self.configmaps.get(ns + "/" + name)
                                if obj is None:
                                        return status(404, "NotFound", 'configmaps "%s" not found' % name, name,
                                                      "configmaps")
                                return 200, obj
                        if resource == "secrets":
                                if method == "GET" and name:
                                        obj = self.secrets.get(ns + "/" + name)
                                        if obj is None:
                                                return status(404, "NotFound", 'secrets "%s" not found' % name, name,
                                                              "secrets")
                                        return 200, obj
                                if method in ("POST", "PUT"):
                                        try:
                                                obj = json.loads(body.decode())
                                        except ValueError:
                                                return status(400, "BadRequest", "the request body is not JSON")
                                        key = ns + "/" + obj.get("metadata", {}).get("name", "")
                                        if method == "POST" and key in self.secrets:
                                                return status(409, "AlreadyExists", "secrets already exists")
                                        obj.setdefault("metadata", {})["namespace"] = ns
                                        self.secrets[key] = obj
                                        return (201 if method == "POST" else 200), obj
                return status(404, "NotFound", "the server could not find the requested resource")


class ThreadingHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
        """http.server.ThreadingHTTPServer, which Python 3.6 lacks."""
        daemon_threads = True


def serve(args):
        with open(args.objects) as f:
                store = Store(json.load(f))
        log = open(args.log, "a")
        log_lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def log_message(self, *a):
                        pass

                def answer(self):
                        length = int(self.headers.get("Content-Length") or 0)
                        body = self.rfile.read(length) if length else b""
                        auth = self.headers.get("Authorization") or ""
                        code, obj = store.handle(self.command, self.path, body)
                        with log_lock:
                                log.write(json.dumps({"method": self.command, "path": self.path,
                                                      "auth": auth.split(" ", 1)[0] if auth else "",
                                                      "credential": auth.split(" ", 1)[1] if " " in auth else "",
                                                      "body": body.decode(errors="replace"), "code": code}) + "\n")
                                log.flush()
                        data = json.dumps(obj).encode()
                        self.send_response(code)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)

                do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        host, port = args.listen.rsplit(":", 1)
        httpd = ThreadingHTTPServer((host, int(port)), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        if args.ready:
                open(args.ready, "w").close()
        httpd.serve_forever()


def main():
        if len(sys.argv) == 4 and sys.argv[1] == "sign":
                with open(sys.argv[3]) as f:
                        print(detached_jws(sys.argv[2], f.read()))
                return 0
        p = argparse.ArgumentParser()
        p.add_argument("--listen", required=True)
        p.add_argument("--cert", required=True)
        p.add_argument("--key", required=True)
        p.add_argument("--objects", required=True)
        p.add_argument("--log", required=True)
        p.add_argument("--ready")
        serve(p.parse_args())
        return 0


if __name__ == "__main__":
        sys.exit(main())
