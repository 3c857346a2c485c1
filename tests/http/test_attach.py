"""``pods/attach`` over a WebSocket (``v5.channel.k8s.io``): the real kubectl's ``attach`` and
``run -i``/``run -it`` against a served cluster (in a pseudo-terminal where kubectl wants one), and
the protocol itself from a raw client."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import time

import pytest

from kube_lab.controlplane.apiserver import wsstream
from websocket_client import ws_upgrade

KUBECTL = shutil.which("kubectl")
HINT = "If you don't see a command prompt, try pressing enter.\n"
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the interop tests need one")


@pytest.fixture(scope="module")
def alab(lab):
    with lab.paused():
        c = lab.cluster
        for line in ("run warm --image=busybox:1.36 -- sleep 36000",          # pulls busybox once
                     "run crash --image=busybox:1.36 -- sh -c 'exit 1'",
                     "run done --image=busybox:1.36 --restart=Never -- true",
                     "run cat --image=busybox:1.36 -i -- cat",                 # stdin, stdinOnce, no tty
                     "run term --image=busybox:1.36 -i -t -- sh"):          # stdinOnce, tty
            assert c.kubectl(line).exit_code == 0, line
        c.run(15)
    return lab


class Terminal:
    """The real kubectl in a pseudo-terminal, as a user runs it (raw mode, resize events)."""

    def __init__(self, lab, *args: str):
        import pty

        self.master, slave = pty.openpty()
        env = dict(os.environ, KUBECONFIG=lab.server.kubeconfig_path, HOME=str(lab.tmp))
        self.proc = subprocess.Popen([KUBECTL, f"--cache-dir={lab.tmp}/kube-cache", *args], stdin=slave,
                                     stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.out = b""

    def read_until(self, marker: bytes, limit: float = 30.0) -> bool:
        import select

        end = time.monotonic() + limit
        while marker not in self.out and time.monotonic() < end:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    self.out += os.read(self.master, 4096)
                except OSError:
                    break
        return marker in self.out

    def wait_raw(self, limit: float = 10.0) -> None:
        """Wait until kubectl has put the terminal in raw mode (no local echo): typing earlier would
        be echoed twice, once by the local terminal driver."""
        import termios

        end = time.monotonic() + limit
        while termios.tcgetattr(self.master)[3] & termios.ECHO and time.monotonic() < end:
            time.sleep(0.02)

    def type(self, keys: bytes, then: bytes) -> None:
        os.write(self.master, keys)
        assert self.read_until(then), self.text

    @property
    def text(self) -> str:
        return self.out.decode(errors="replace").replace("\r\n", "\n")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


@needs_kubectl
def test_real_kubectl_run_it_rm_is_an_interactive_shell(alab):
    t = Terminal(alab, "run", "-it", "--rm", "shell", "--image=busybox:1.36", "--restart=Never", "--", "sh")
    try:
        assert t.read_until(b"pressing enter."), t.text
        t.wait_raw()
        t.type(b"\r", b"/ # ")          # the first prompt was written before kubectl attached
        t.type(b"echo hi\r", b"hi\r\n/ # ")
        t.type(b"hostname\r", b"shell\r\n/ # ")
        os.write(t.master, b"exit\r")
        assert t.proc.wait(timeout=30) == 0
        t.read_until(b"deleted", 5)
    finally:
        t.close()
    assert t.text == HINT + '\n/ # echo hi\nhi\n/ # hostname\nshell\n/ # exit\npod "shell" deleted\n'
    with alab.paused():
        assert alab.cluster.kubectl("get pod shell").exit_code == 1


@needs_kubectl
def test_real_kubectl_run_i_without_a_terminal(alab):
    r = alab.kubectl("run", "-i", "--rm", "hello", "--image=busybox:1.36", "--restart=Never", "--", "echo", "hello")
    assert (r.returncode, r.stdout) == (0, 'hello\npod "hello" deleted\n')
    r = alab.kubectl("run", "-i", "--rm", "piped", "--image=busybox:1.36", "--restart=Never", "--", "sh",
                     stdin="echo $((6 * 7))\nhostname\n")
    assert (r.returncode, r.stdout, r.stderr) == (0, '42\npiped\npod "piped" deleted\n', HINT)
    r = alab.kubectl("run", "-i", "--rm", "fails", "--image=busybox:1.36", "--restart=Never", "--", "sh",
                     stdin="sleep 1; exit 3\n")
    assert r.returncode == 3
    assert r.stderr == HINT + "pod default/fails terminated (Error)\n"


@needs_kubectl
def test_real_kubectl_attach_again_after_the_client_went_away(alab):
    t = Terminal(alab, "attach", "term", "-it")
    try:
        assert t.read_until(b"pressing enter."), t.text
        t.wait_raw()
        t.type(b"X=7\r", b"X=7\r\n/ # ")
    finally:
        t.close()                       # kubectl killed: the container keeps its terminal and shell
    t = Terminal(alab, "attach", "term", "-it")
    try:
        assert t.read_until(b"pressing enter."), t.text
        t.wait_raw()
        t.type(b"echo $X; hostname\r", b"7\r\nterm\r\n/ # ")
        os.write(t.master, b"exit\r")
        assert t.proc.wait(timeout=30) == 0
        t.read_until(b"running\r\n", 5)
    finally:
        t.close()
    assert t.text == (HINT + "echo $X; hostname\n7\nterm\n/ # exit\n"
                      "Session ended, resume using 'kubectl attach term -c term -i -t' command when the pod is "
                      "running\n")


@needs_kubectl
def test_real_kubectl_attach_messages_and_refusals(alab):
    r = alab.kubectl("attach", "done")
    assert (r.returncode, r.stderr) == (1, "error: cannot attach a container in a completed pod; current phase is "
                                           "Succeeded\n")
    r = alab.kubectl("attach", "crash")
    assert (r.returncode, r.stderr) == (1, HINT + "error: unable to upgrade connection: container crash not found "
                                                  "in pod crash_default\n")
    r = alab.kubectl("attach", "warm", "-c", "nope")
    assert r.stderr == "error: cannot attach to the container: container nope not found in pod warm\n"
    cases = (["attach", "done"], ["attach", "crash"], ["attach", "warm", "-c", "nope"])
    real = [alab.kubectl(*args).stderr for args in cases]
    with alab.paused():     # the in-process kubectl prints the same
        assert [alab.cluster.kubectl(args).stderr for args in cases] == real
    with alab.paused():
        alab.cluster.kubectl("run soon --image=busybox:1.36 --restart=Never -- sh -c 'sleep 4; echo bye'")
        alab.cluster.run(2)
    r = alab.kubectl("attach", "soon", "-t")        # output from now on, until the container exits
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "bye\n", "error: Unable to use a TTY - container soon did not allocate one\n" + HINT)


def _upgrade(lab, pod: str, query: str):
    return ws_upgrade(lab, f"/api/v1/namespaces/default/pods/{pod}/attach?{query}")


def _frame(payload: bytes) -> bytes:
    mask = b"\x01\x02\x03\x04"
    return struct.pack("!BB", 0x82, 0x80 | len(payload)) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _until_end(conn) -> tuple[str, list]:
    out, status = "", []
    while True:
        msg = conn.read_message()
        if msg is None:
            return out, status
        if msg[:1] == bytes([wsstream.STDOUT]):
            out += msg[1:].decode()
        elif msg[:1] == bytes([wsstream.ERROR]):
            status.append(json.loads(msg[1:]))


def test_the_attach_protocol_from_a_raw_client(alab):
    # stdin without a terminal: what is sent reaches the container's stdin; closing it (v5's
    # "255 0") closes the container's (stdinOnce): cat exits, the session ends with Success
    sock, conn = _upgrade(alab, "cat", "container=cat&stdin=true&stdout=true&stderr=true")
    sock.sendall(_frame(b"\x00hello ") + _frame(b"\x00world\n") + _frame(bytes([wsstream.CLOSE, wsstream.STDIN])))
    out, status = _until_end(conn)
    sock.close()
    assert (out, status) == ("hello world\n", [{"metadata": {}, "status": "Success"}])
    # the refusals come before the upgrade, as plain text from the kubelet (or a Status)
    for pod, query, code, body in (
            ("crash", "stdout=true", 400, b"container crash not found in pod crash_default"),
            ("warm", "stdout=false", 400, b"you must specify at least 1 of stdin, stdout, stderr"),
            ("warm", "container=x&stdout=true", 400, b"container x is not valid for pod warm")):
        r = alab.request("GET", f"/api/v1/namespaces/default/pods/{pod}/attach?{query}",
                         headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Key": "x",
                                  "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "v5.channel.k8s.io"})
        assert r.status == code and body in r.body, (pod, r.body)


def test_a_terminal_session_from_a_raw_client(alab):
    with alab.paused():
        alab.cluster.kubectl("run tty --image=busybox:1.36 -i -t -- sh")
        alab.cluster.run(5)
    sock, conn = _upgrade(alab, "tty", "stdin=true&stdout=true&tty=true")
    watcher_sock, watcher = _upgrade(alab, "tty", "stdout=true")
    sock.sendall(_frame(b"\x00echo a\x7fb\r"))
    text = ""
    while not text.endswith("b\r\n/ # "):
        msg = conn.read_message()
        assert msg is not None, text
        text += msg[1:].decode()
    assert text == "echo a\b \bb\r\nb\r\n/ # "       # the echo comes from the container's terminal
    sock.sendall(_frame(b"\x00exit 5\r"))
    out, status = _until_end(conn)
    assert (out, status) == ("exit 5\r\n", [{"metadata": {}, "status": "Success"}])   # no exit code on attach
    out, status = _until_end(watcher)       # a second client saw the same session
    assert out == text + "exit 5\r\n" and status == [{"metadata": {}, "status": "Success"}]
    sock.close()
    watcher_sock.close()


def test_a_frozen_clock_moves_only_while_the_attached_program_works(make_lab):
    lab = make_lab(speed=0)
    with lab.paused():
        lab.cluster.kubectl("run tty --image=busybox:1.36 -i -t -- sh")
        lab.cluster.run(5)
    start = lab.cluster.now
    sock, conn = _upgrade(lab, "tty", "stdin=true&stdout=true&tty=true")
    time.sleep(0.3)
    assert lab.cluster.now == start             # the shell waits for input: nothing moves
    sock.sendall(_frame(b"\x00sleep 2; echo slept\r") + _frame(b"\x00exit\r"))
    out, status = _until_end(conn)
    sock.close()
    assert (out, status) == ("sleep 2; echo slept\r\nexit\r\nslept\r\n/ # ", [{"metadata": {}, "status": "Success"}])
    assert lab.cluster.now == pytest.approx(start + 2, abs=0.5)
