"""``pods/exec`` over a WebSocket (``v5.channel.k8s.io``): the real kubectl's ``exec`` against a
served cluster, and the protocol itself from a raw client."""
from __future__ import annotations

import json
import os
import shutil
import struct

import pytest

from kube_lab.controlplane.apiserver import wsstream
from websocket_client import ws_upgrade

KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def elab(lab):
    with lab.paused():
        c = lab.cluster
        assert c.kubectl("run box --image=busybox:1.36 -- sleep 36000").exit_code == 0
        assert c.kubectl("run crash --image=busybox:1.36 -- sh -c 'exit 1'").exit_code == 0
        c.run(15)
    return lab


needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the interop tests need one")


@needs_kubectl
def test_real_kubectl_exec_runs_in_the_container(elab):
    r = elab.kubectl("exec", "box", "--", "cat", "/etc/hostname")
    assert (r.returncode, r.stdout, r.stderr) == (0, "box\n", "")
    r = elab.kubectl("exec", "box", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\ncommand terminated with exit code 3\n")
    r = elab.kubectl("exec", "-i", "box", "--", "sh", stdin="echo $((6 * 7))\nhostname\n")
    assert (r.returncode, r.stdout) == (0, "42\nbox\n")


@needs_kubectl
def test_real_kubectl_exec_errors(elab):
    r = elab.kubectl("exec", "box", "--", "nosuch")
    assert r.returncode == 1
    assert r.stderr == ('error: Internal error occurred: error executing command in container: failed to exec in '
                        'container: failed to start exec: OCI runtime exec failed: exec failed: unable to start '
                        'container process: exec: "nosuch": executable file not found in $PATH: unknown\n')
    with elab.paused():     # the in-process kubectl prints the same
        assert elab.cluster.kubectl("exec box -- nosuch").stderr == r.stderr
    r = elab.kubectl("exec", "ghost", "--", "ls")
    assert (r.returncode, r.stderr) == (1, 'Error from server (NotFound): pods "ghost" not found\n')
    r = elab.kubectl("exec", "box", "-c", "other", "--", "ls")
    assert r.stderr == "Error from server (BadRequest): container other is not valid for pod box\n"
    # a container that is not running: the kubelet refuses the upgrade (WebSocket, then kubectl's
    # SPDY fallback) with plain text that kubectl prefixes
    r = elab.kubectl("exec", "crash", "--", "ls")
    assert (r.returncode, r.stderr) == (1, 'error: unable to upgrade connection: container not found ("crash")\n')
    with elab.paused():
        assert elab.cluster.kubectl("exec crash -- ls").stderr == r.stderr


def _frame(payload: bytes, opcode: int = wsstream.OP_BINARY) -> bytes:
    mask = b"\x01\x02\x03\x04"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    assert len(payload) < 126
    return struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + body


def _read_frames(sock) -> list[tuple[int, bytes]]:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    frames = []
    while data:
        opcode, n = data[0] & 0x0F, data[1] & 0x7F
        off = 2
        if n == 126:
            n, off = struct.unpack("!H", data[2:4])[0], 4
        frames.append((opcode, data[off:off + n]))
        data = data[off + n:]
    return frames


def test_the_channel_protocol_from_a_raw_client(elab):
    path = "/api/v1/namespaces/default/pods/box/exec?command=sh&command=-c&command=cat%3Bexit+4&stdin=true&stdout=true"
    sock, _ = ws_upgrade(elab, path)
    sock.sendall(_frame(b"\x00hello ") + _frame(b"\x00world") + _frame(bytes([wsstream.CLOSE, wsstream.STDIN])))
    frames = _read_frames(sock)
    data = [(p[0], p[1:]) for op, p in frames if op == wsstream.OP_BINARY]
    assert data[0] == (wsstream.STDOUT, b"hello world")
    channel, status = data[-1]
    assert channel == wsstream.ERROR
    assert json.loads(status) == {
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
        "message": "command terminated with non-zero exit code: command 'sh -c cat;exit 4' exited with 4: ",
        "details": {"causes": [{"reason": "ExitCode", "message": "4"}]}}
    assert frames[-1][0] == wsstream.OP_CLOSE


def _upgrade(lab, query: str):
    return ws_upgrade(lab, f"/api/v1/namespaces/default/pods/box/exec?{query}")


def test_an_interactive_shell_behind_a_terminal(elab):
    # kubectl exec -it box -- sh: keystrokes are echoed, Backspace erases, Enter runs the line in
    # one shell (cd and variables carry over), Ctrl-D on an empty line ends it
    sock, conn = _upgrade(elab, "command=sh&stdin=true&stdout=true&tty=true")
    text, status = "", []

    def read_until(marker: str) -> None:
        nonlocal text
        start = len(text)
        while not text[start:].endswith(marker):
            msg = conn.read_message()
            assert msg is not None, text
            if msg[:1] == b"\x01":
                text += msg[1:].decode()
            elif msg[:1] == b"\x03":
                status.append(json.loads(msg[1:]))
                return

    read_until("/ # ")
    for keys, prompt in (("cd /tmp\r", "/tmp # "), ("X=4; echo $X$((X+1))\r", "/tmp # "),
                         ("echo ab\x7fc\r", "/tmp # "), ("\x04", "never")):
        sock.sendall(_frame(b"\x00" + keys.encode()))
        read_until(prompt)
    assert text == ("/ # cd /tmp\r\n/tmp # X=4; echo $X$((X+1))\r\n45\r\n"
                    "/tmp # echo ab\b \bc\r\nac\r\n/tmp # ")
    assert status == [{"metadata": {}, "status": "Success"}]


@needs_kubectl
def test_real_kubectl_exec_it_in_a_terminal(elab):
    import pty
    import select
    import subprocess
    import time

    master, slave = pty.openpty()
    env = dict(os.environ, KUBECONFIG=elab.server.kubeconfig_path, HOME=str(elab.tmp))
    proc = subprocess.Popen([KUBECTL, f"--cache-dir={elab.tmp}/kube-cache", "exec", "-it", "box", "--", "sh"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""

    def read_until(marker: bytes, limit: float = 20.0) -> None:
        nonlocal out
        end = time.monotonic() + limit
        while marker not in out and time.monotonic() < end:
            if select.select([master], [], [], 0.05)[0]:
                try:
                    out += os.read(master, 4096)
                except OSError:
                    return

    try:
        read_until(b"/ # ")
        os.write(master, b"hostname\r")
        read_until(b"box\r\n/ # ")
        os.write(master, b"exit 3\r")
        assert proc.wait(timeout=20) == 3
        read_until(b"exit code 3")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert out.decode().replace("\r\n", "\n").endswith("/ # hostname\nbox\n/ # exit 3\ncommand terminated with exit code 3\n")


def test_accept_key_is_rfc6455s():
    assert wsstream.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
