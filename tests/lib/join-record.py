#!/usr/bin/python3
"""An independent implementation of docs/join-protocol.md, for tests: seals and opens join records
with Python's cryptography package, and derives the bearer, so the agent's C code is checked against
the document rather than against itself.

  join-record.py seal KEY_B64 CLUSTER API_SERVER TOKEN CA_HASH ISSUED EXPIRES   > sealed.json
  join-record.py open KEY_B64 CLUSTER < sealed.json                             > plain.json
  join-record.py bearer KEY_B64
"""
import base64
import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def seal(key, cluster, api_server, token, ca_hash, issued, expires):
    plain = json.dumps({"version": 1, "cluster": cluster, "api_server": api_server, "token": token,
                        "ca_cert_hashes": [ca_hash], "issued": int(issued), "expires": int(expires)},
                       separators=(",", ":")).encode()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain, cluster.encode())
    return json.dumps({"version": 1, "cluster": cluster, "alg": "A256GCM",
                       "nonce": base64.b64encode(nonce).decode(),
                       "sealed": base64.b64encode(sealed).decode()})


def open_record(key, cluster, text):
    env = json.loads(text)
    assert env["version"] == 1 and env["alg"] == "A256GCM" and env["cluster"] == cluster
    plain = AESGCM(key).decrypt(base64.b64decode(env["nonce"]), base64.b64decode(env["sealed"]),
                                cluster.encode())
    return plain.decode()


def main():
    cmd, key = sys.argv[1], base64.b64decode(sys.argv[2], validate=True)
    assert len(key) == 32
    if cmd == "seal":
        print(seal(key, *sys.argv[3:10]))
    elif cmd == "open":
        print(open_record(key, sys.argv[3], sys.stdin.read()))
    elif cmd == "bearer":
        print(hmac.new(key, b"kube-firstboot bearer v1", hashlib.sha256).hexdigest())
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
