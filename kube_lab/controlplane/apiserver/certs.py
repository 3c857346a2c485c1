"""The serving certificate of the HTTP API server: a self-signed RSA certificate, made here.

kubectl sends a kubeconfig user's bearer token only over TLS (client-go's clientcmd reads the
auth info only when the cluster's transport is TLS), so the lab server speaks HTTPS, as
kube-apiserver does.  Like kube-apiserver started without ``--tls-cert-file`` (which writes a
self-signed ``apiserver.crt`` for its bind address), the server makes its own certificate; the
kubeconfig carries it as ``certificate-authority-data`` so that clients verify the connection.

Everything is written with the standard library only: RSA-2048 key generation (Miller–Rabin),
a PKCS#1 v1.5 SHA-256 signature and the DER encoding of an X.509 v3 certificate with the
extensions Go's verifier needs (subjectAltName with the IP addresses and ``localhost``,
basicConstraints CA, keyUsage, extKeyUsage serverAuth).  The key lives in memory and in a
private temporary file for :mod:`ssl` only; one certificate is made per process and address set.
This is a transport detail of serving, not part of the simulation (whose randomness stays seeded).
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import secrets
import ssl
import tempfile
import threading

_E = 65537
_lock = threading.Lock()
_cache: dict[tuple[str, ...], "ServingCert"] = {}


# ---------------------------------------------------------------------------------------------
# RSA
def _probable_prime(n: int, rounds: int = 32) -> bool:
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        c = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if (c - 1) % _E and _probable_prime(c):
            return c


def _rsa_key(bits: int = 2048) -> tuple[int, int, int, int]:
    """(n, d, p, q) of a fresh RSA key with e = 65537."""
    while True:
        p, q = _prime(bits // 2), _prime(bits // 2)
        if p != q and (p * q).bit_length() == bits:
            phi = (p - 1) * (q - 1)
            return p * q, pow(_E, -1, phi), p, q


# ---------------------------------------------------------------------------------------------
# DER
def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _len(len(value)) + value


def _int(v: int) -> bytes:
    raw = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return _tlv(0x02, raw)


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _oid(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return _tlv(0x06, bytes(out))


def _time(t: datetime.datetime) -> bytes:
    if t.year < 2050:
        return _tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())
    return _tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


def _name(cn: str, org: str) -> bytes:
    return _seq(_tlv(0x31, _seq(_oid("2.5.4.10"), _tlv(0x0C, org.encode()))),
                _tlv(0x31, _seq(_oid("2.5.4.3"), _tlv(0x0C, cn.encode()))))


def _ext(oid: str, value: bytes, critical: bool = False) -> bytes:
    return _seq(_oid(oid), *([_tlv(0x01, b"\xff")] if critical else []), _tlv(0x04, value))


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


_SHA256_RSA = _seq(_oid("1.2.840.113549.1.1.11"), b"\x05\x00")


def _sign(message: bytes, n: int, d: int) -> bytes:
    digest_info = _seq(_seq(_oid("2.16.840.1.101.3.4.2.1"), b"\x05\x00"), _tlv(0x04, hashlib.sha256(message).digest()))
    k = (n.bit_length() + 7) // 8
    em = b"\x00\x01" + b"\xff" * (k - len(digest_info) - 3) + b"\x00" + digest_info
    return pow(int.from_bytes(em, "big"), d, n).to_bytes(k, "big")


class ServingCert:
    """A certificate and key: ``cert_pem`` (also the CA clients trust), ``context()``."""

    def __init__(self, hosts: tuple[str, ...]):
        n, d, p, q = _rsa_key()
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        names = []
        for h in hosts:
            try:
                names.append(_tlv(0x87, ipaddress.ip_address(h).packed))
            except ValueError:
                names.append(_tlv(0x82, h.encode()))
        spki = _seq(_seq(_oid("1.2.840.113549.1.1.1"), b"\x05\x00"),
                    _tlv(0x03, b"\x00" + _seq(_int(n), _int(_E))))
        extensions = _tlv(0xA3, _seq(
            _ext("2.5.29.15", _tlv(0x03, b"\x02\xa4"), critical=True),          # digitalSignature, keyEncipherment, keyCertSign
            _ext("2.5.29.37", _seq(_oid("1.3.6.1.5.5.7.3.1"))),                 # serverAuth
            _ext("2.5.29.19", _seq(_tlv(0x01, b"\xff")), critical=True),        # CA:TRUE
            _ext("2.5.29.17", _seq(*names)),
        ))
        name = _name(f"kube-lab@{int(now.timestamp())}", "kube-lab")
        tbs = _seq(_tlv(0xA0, _int(2)), _int(secrets.randbits(63) | 1), _SHA256_RSA, name,
                   _seq(_time(now - datetime.timedelta(hours=1)), _time(now + datetime.timedelta(days=365))),
                   name, spki, extensions)
        cert = _seq(tbs, _SHA256_RSA, _tlv(0x03, b"\x00" + _sign(tbs, n, d)))
        key = _seq(_int(0), _int(n), _int(_E), _int(d), _int(p), _int(q), _int(d % (p - 1)), _int(d % (q - 1)),
                   _int(pow(q, -1, p)))
        self.cert_pem = _pem("CERTIFICATE", cert)
        self._key_pem = _pem("RSA PRIVATE KEY", key)
        self._context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        """A server-side TLS context with this certificate (HTTP/1.1 only)."""
        if self._context is None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            with tempfile.TemporaryDirectory(prefix="kube-lab-tls-") as d:
                cert_path = os.path.join(d, "apiserver.crt")
                key_path = os.path.join(d, "apiserver.key")
                fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(self._key_pem)
                with open(cert_path, "w") as f:
                    f.write(self.cert_pem)
                ctx.load_cert_chain(cert_path, key_path)
            ctx.set_alpn_protocols(["http/1.1"])
            self._context = ctx
        return self._context

    def client_context(self) -> ssl.SSLContext:
        """A client-side context that trusts this certificate (for tests and tools)."""
        return ssl.create_default_context(cadata=self.cert_pem)


def serving_cert(host: str) -> ServingCert:
    """The (cached) certificate for a server bound to ``host``."""
    hosts = ["127.0.0.1", "localhost", "::1"]
    if host not in hosts and host not in ("0.0.0.0", "::", ""):
        hosts.insert(0, host)
    key = tuple(hosts)
    with _lock:
        if key not in _cache:
            _cache[key] = ServingCert(key)
        return _cache[key]
