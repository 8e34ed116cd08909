#!/usr/bin/python3
"""An independent implementation of docs/join-protocol.md, for tests: seals and opens join records
with Python's cryptography package, and derives the keys and the bearer with the standard library's
HMAC, so the agent's C code is checked against the document rather than against itself.

  join-record.py seal KEY_B64 CLUSTER API_SERVER TOKEN CA_HASH ISSUED EXPIRES     > sealed.json
  join-record.py seal-v1 KEY_B64 CLUSTER API_SERVER TOKEN CA_HASH ISSUED EXPIRES  > sealed.json (version 1)
  join-record.py open KEY_B64 CLUSTER < sealed.json                               > plain.json
  join-record.py bearer KEY_B64
"""
import base64
import hashlib
import hmac
import json
import os
import sys

VERSION = 2
ALG = "A256GCM"
KDF_SALT = b"kube-firstboot join v2"
SEAL_KEY_INFO = b"kube-firstboot record seal key v2"
BEARER_INFO = b"kube-firstboot bearer v2"


def hkdf_sha256(salt, ikm, info, length):
    """RFC 5869, extract then expand."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def seal_key(key):
    return hkdf_sha256(KDF_SALT, key, SEAL_KEY_INFO, 32)


def bearer(key):
    return hkdf_sha256(KDF_SALT, key, BEARER_INFO, 32).hex()


def aad(version, alg, cluster):
    """version (1 byte), then the length (1 byte) and bytes of alg, then of cluster."""
    alg, cluster = alg.encode(), cluster.encode()
    return bytes([version, len(alg)]) + alg + bytes([len(cluster)]) + cluster


def aesgcm(key):
    # imported here: `bearer` needs only the standard library
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return AESGCM(key)


def seal(key, cluster, api_server, token, ca_hash, issued, expires, version=VERSION):
    plain = json.dumps({"version": version, "cluster": cluster, "api_server": api_server, "token": token,
                        "ca_cert_hashes": [ca_hash], "issued": int(issued), "expires": int(expires)},
                       separators=(",", ":")).encode()
    nonce = os.urandom(12)
    if version == 1:
        # version 1: the cluster key itself, the cluster name as associated data
        sealed = aesgcm(key).encrypt(nonce, plain, cluster.encode())
    else:
        sealed = aesgcm(seal_key(key)).encrypt(nonce, plain, aad(version, ALG, cluster))
    return json.dumps({"version": version, "cluster": cluster, "alg": ALG,
                       "nonce": base64.b64encode(nonce).decode(),
                       "sealed": base64.b64encode(sealed).decode()})


def open_record(key, cluster, text):
    env = json.loads(text)
    assert env["version"] == VERSION and env["alg"] == ALG and env["cluster"] == cluster
    plain = aesgcm(seal_key(key)).decrypt(base64.b64decode(env["nonce"]), base64.b64decode(env["sealed"]),
                                          aad(VERSION, ALG, cluster))
    return plain.decode()


def main():
    cmd, key = sys.argv[1], base64.b64decode(sys.argv[2], validate=True)
    assert len(key) == 32
    if cmd == "seal":
        print(seal(key, *sys.argv[3:10]))
    elif cmd == "seal-v1":
        print(seal(key, *sys.argv[3:10], version=1))
    elif cmd == "open":
        print(open_record(key, sys.argv[3], sys.stdin.read()))
    elif cmd == "bearer":
        print(bearer(key))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
