"""A raw WebSocket client for the exec and attach tests: the handshake kubectl makes."""
from __future__ import annotations

import base64
import os
import socket

from kube_lab.controlplane.apiserver import wsstream


def ws_upgrade(lab, path: str):
    """Open a WebSocket (``v5.channel.k8s.io``) on ``path`` (an exec or attach URL with its query)
    as kubectl does, check the server switched protocols with the right accept key and protocol, and return
    ``(socket, wsstream.Conn)``."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock = lab.server.ssl_context().wrap_socket(
        socket.create_connection(("127.0.0.1", lab.server.port), timeout=30), server_hostname="127.0.0.1")
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                  f"Authorization: Bearer {lab.server.token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                  f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 101 Switching Protocols", head
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    assert headers["Sec-WebSocket-Accept"] == wsstream.accept_key(key)
    assert headers["Sec-WebSocket-Protocol"] == "v5.channel.k8s.io"
    return sock, wsstream.Conn(sock.makefile("rb"), sock.makefile("wb"))
