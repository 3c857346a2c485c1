"""WebSocket streams for ``pods/exec`` and ``pods/attach``: what kubectl (v1.30 and later) speaks
to kube-apiserver.

kubectl upgrades ``GET …/pods/NAME/exec?command=…&stdin=…&stdout=…&stderr=…&tty=…`` to a WebSocket
(RFC 6455) and asks for the subprotocol ``v5.channel.k8s.io``
(k8s.io/apimachinery/pkg/util/httpstream/wsstream, k8s.io/client-go/tools/remotecommand).  Every
binary message starts with one byte naming its stream:

* 0 stdin (client → server), 1 stdout, 2 stderr (server → client);
* 3 the error stream: one ``Status`` JSON when the command ends — ``Success``, or ``Failure`` with
  reason ``NonZeroExitCode`` and the exit code as a cause (kubectl prints ``command terminated with
  exit code N`` and exits with N), or another error (kubectl prints it as ``Error from server``);
* 4 terminal resize (``{"Width":…,"Height":…}``), sent by the client with ``-t``;
* 255 (v5 only) "close": the next byte names the stream the sender has finished with — kubectl
  sends ``255 0`` when its stdin reaches end of file.

``pods/attach`` speaks the same protocol (no ``command``; the session joins the container's main
process and ends with ``Success`` when that process exits or the client is detached).

This module holds the framing and the channel protocol; the HTTP handler runs the command.
"""
from __future__ import annotations

import base64
import hashlib
import json
import queue
import struct
import threading

from ...sim.rawtext import to_bytes

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"     # RFC 6455's fixed key suffix
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_MESSAGE = 16 * 1024 * 1024


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key.strip() + GUID).encode()).digest()).decode()


def is_upgrade(headers) -> bool:
    return ("websocket" in (headers.get("Upgrade") or "").lower()
            and "upgrade" in (headers.get("Connection") or "").lower())


def choose_protocol(offered: str | None) -> str | None:
    """The first of our protocols the client offers (its order of preference wins upstream too)."""
    wanted = [p.strip() for p in (offered or "").split(",") if p.strip()]
    for p in wanted:
        if p in PROTOCOLS:
            return p
    return None


def success_status() -> dict:
    return {"metadata": {}, "status": "Success"}


def exit_code_status(argv: list[str], code: int, stderr: str = "") -> dict:
    """The kubelet's status for a command that ran and exited non-zero."""
    return {"metadata": {}, "status": "Failure",
            "message": f"command terminated with non-zero exit code: command '{' '.join(argv)}' exited with "
                       f"{code}: {stderr}",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


class Conn:
    """One server-side WebSocket over a connection's buffered reader and writer."""

    def __init__(self, rfile, wfile):
        self.rfile = rfile
        self.wfile = wfile
        self.closed = False
        self._write_lock = threading.Lock()     # a reader thread answers pings while we write

    # reading ---------------------------------------------------------------------------------
    def _read_exact(self, n: int) -> bytes:
        data = self.rfile.read(n) if n else b""
        if len(data) < n:
            raise EOFError("connection closed")
        return data

    def _read_frame(self) -> tuple[bool, int, bytes]:
        b0, b1 = self._read_exact(2)
        fin, opcode = bool(b0 & 0x80), b0 & 0x0F
        masked, length = bool(b1 & 0x80), b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exact(8))[0]
        if length > MAX_MESSAGE:
            raise EOFError("message too large")
        mask = self._read_exact(4) if masked else b""
        payload = self._read_exact(length)
        if masked:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return fin, opcode, payload

    def read_message(self) -> bytes | None:
        """The next data message (answering pings on the way); None once the peer closed."""
        parts: list[bytes] = []
        while True:
            try:
                fin, opcode, payload = self._read_frame()
            except (EOFError, OSError, ValueError):
                self.closed = True
                return None
            if opcode == OP_PING:
                self._write_frame(OP_PONG, payload)
                continue
            if opcode == OP_PONG:
                continue
            if opcode == OP_CLOSE:
                if not self.closed:
                    self._write_frame(OP_CLOSE, payload[:2])
                self.closed = True
                return None
            parts.append(payload)
            if fin:
                return b"".join(parts)

    # writing ---------------------------------------------------------------------------------
    def _write_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._write_lock:
            self.wfile.write(header + payload)
            self.wfile.flush()

    def send(self, channel: int, data: bytes) -> None:
        self._write_frame(OP_BINARY, bytes([channel]) + data)

    def send_status(self, status: dict) -> None:
        self.send(ERROR, json.dumps(status, separators=(",", ":")).encode())

    def close(self, code: int = 1000) -> None:
        if not self.closed:
            try:
                self._write_frame(OP_CLOSE, struct.pack("!H", code))
            except OSError:
                pass
            self.closed = True


def read_stdin(conn: Conn, protocol: str) -> tuple[bytes, bool]:
    """Collect what the client sends on stdin until it closes that stream (v5's ``255 0``) or the
    connection; returns ``(data, still_connected)``."""
    chunks: list[bytes] = []
    while True:
        msg = conn.read_message()
        if msg is None:
            return b"".join(chunks), False
        if not msg:
            continue
        channel, body = msg[0], msg[1:]
        if channel == STDIN:
            chunks.append(body)
        elif channel == CLOSE and protocol.startswith("v5") and body[:1] == bytes([STDIN]):
            return b"".join(chunks), True


SHELLS = ("sh", "bash", "ash", "dash")


def is_interactive_shell(argv: list[str]) -> bool:
    """``sh``, ``/bin/bash`` … with no script: what ``kubectl exec -it POD -- sh`` starts."""
    return len(argv) == 1 and argv[0].rsplit("/", 1)[-1] in SHELLS


class ExecSession:
    """One exec's (or attach's) streams between the simulation and the WebSocket.

    The program's output is queued by the simulation's thread (:meth:`output`) and sent by the
    connection's thread (:meth:`flush`); a reader thread queues what the client sends.  With the
    client's stdin connected to the program (:meth:`connect_stdin`) and a terminal (``tty``), the
    session also plays the pseudo-terminal's line discipline, as the kernel would in the
    container: it echoes keystrokes, erases with Backspace, hands whole lines (Enter) to the
    program, turns Ctrl-C into ``^C`` and an empty line, and Ctrl-D on an empty line into end of
    file; output ``\n`` becomes ``\r\n``.  Without a terminal what the client sends goes to the
    program as it is."""

    def __init__(self, conn: Conn, *, tty: bool, stdout: bool = True, stderr: bool = True):
        self.conn = conn
        self.tty = tty
        self.want = {STDOUT: stdout or tty, STDERR: stderr and not tty}
        self._out: "queue.SimpleQueue[tuple[int, str]]" = queue.SimpleQueue()
        self._in: "queue.Queue[bytes | None]" = queue.Queue()
        self.stream = None            # the program's StdinStream (interactive sessions, attach -i)
        self._echo = self._echo_here
        self._on_end = None
        self._stdin_over = False
        self._line = ""
        self._arrived = threading.Event()
        self.gone = False

    # the simulation's side -------------------------------------------------------------------
    def output(self, channel: int, text: str) -> None:
        self._out.put((channel, text))

    def connect_stdin(self, stream, *, echo=None, on_end=None) -> None:
        """Send what the client types to ``stream``.  ``echo(text)`` takes the terminal's echo
        (default: back to this client; an attached container's terminal echoes into its own
        output instead); ``on_end()`` runs once when the client's stdin ends or the client goes
        away (default: ``stream`` reaches end of file)."""
        self.stream = stream
        self._echo = echo or self._echo_here
        self._on_end = on_end

    def _echo_here(self, text: str) -> None:
        self._out.put((STDOUT, text))

    def _end_stdin(self) -> None:
        if self.stream is None or self._stdin_over:
            return
        self._stdin_over = True
        if self._on_end is not None:
            self._on_end()
        else:
            self.stream.close()

    def start_reader(self) -> None:
        """Read what the client sends from now on (keystrokes, resizes, its going away) on a
        thread of its own."""
        self._reader = threading.Thread(target=self._read, name="exec-stdin", daemon=True)
        self._reader.start()

    def finish(self, sock, timeout: float = 2.0) -> None:
        """After our close frame: give the client ``timeout`` seconds to answer it, then shut the
        socket so the reader thread (and the connection) can end."""
        reader = getattr(self, "_reader", None)
        if reader is None:
            return
        reader.join(timeout)
        if reader.is_alive():
            try:
                sock.shutdown(2)      # socket.SHUT_RDWR
            except OSError:
                pass
            reader.join(timeout)

    def waiting_for_input(self) -> bool:
        """Whether the program is blocked reading what the client has not typed yet (then a
        frozen clock must not be stepped on: nothing can happen until input arrives)."""
        return self.stream is not None and getattr(self.stream, "waiting", True)

    def deliver(self, messages: list[bytes]) -> None:
        """What the client typed into the program's stdin (call under the simulation's lock):
        through the line discipline with a terminal, as it is without; with no stdin connected
        there is nothing to deliver to."""
        if self.stream is None:
            return
        for msg in messages:
            channel, body = msg[0], msg[1:]
            if channel == CLOSE and body[:1] == bytes([STDIN]):
                self._end_stdin()
            elif channel == STDIN and not self._stdin_over:
                text = body.decode("utf-8", errors="replace")
                if self.tty:
                    self._keys(text)
                else:
                    self.stream.feed(text)
        if self.gone:
            self._end_stdin()

    def _keys(self, text: str) -> None:
        echo = []
        for ch in text:
            if ch in ("\r", "\n"):
                echo.append("\r\n")
                self.stream.feed(self._line + "\n")
                self._line = ""
            elif ch in ("\x7f", "\b"):
                if self._line:
                    self._line = self._line[:-1]
                    echo.append("\b \b")
            elif ch == "\x03":                      # Ctrl-C: the line is dropped, a new prompt
                echo.append("^C\r\n")
                self._line = ""
                self.stream.feed("\n")
            elif ch == "\x04":                      # Ctrl-D: end of file on an empty line
                if not self._line:
                    self.stream.close()
            elif ch == "\x15":                      # Ctrl-U: erase the line
                echo.append("\b \b" * len(self._line))
                self._line = ""
            elif ch >= " " or ch == "\t":
                self._line += ch
                echo.append(ch)
        if echo:
            self._echo("".join(echo))

    # the connection's side -------------------------------------------------------------------
    def _read(self) -> None:
        while True:
            msg = self.conn.read_message()
            self._in.put(msg)
            self._arrived.set()
            if msg is None:
                return

    def take_input(self) -> list[bytes]:
        got: list[bytes] = []
        while True:
            try:
                msg = self._in.get_nowait()
            except queue.Empty:
                return got
            if msg is None:
                self.gone = True          # deliver() then ends the program's stdin
                return got
            if msg:
                got.append(msg)

    def flush(self) -> None:
        """Send what the command wrote since the last flush, one message per stream."""
        pending: dict[int, list[str]] = {}
        order: list[int] = []
        while True:
            try:
                channel, text = self._out.get_nowait()
            except queue.Empty:
                break
            if self.tty:
                channel = STDOUT
            if channel not in pending:
                pending[channel] = []
                order.append(channel)
            pending[channel].append(text)
        for channel in order:
            if not self.want.get(channel):
                continue
            text = "".join(pending[channel])
            if self.tty:
                text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            try:
                self.conn.send(channel, to_bytes(text))   # bytes ride in text (sim.rawtext)
            except OSError:
                self.gone = True
                return

    def wait(self, seconds: float) -> None:
        """Sleep until input arrives or ``seconds`` pass."""
        self._arrived.wait(seconds)
        self._arrived.clear()
