"""``tar``: the archiver in the images that ship one — busybox's applet (busybox, alpine and the
images built on them) and GNU tar 1.34 (Debian and Ubuntu based images: nginx, mysql, the
bootcamp app …).  Distroless images have none, so ``kubectl cp`` fails there as it does on a real
cluster (``exec: "tar": executable file not found in $PATH``).

``kubectl cp`` runs ``tar cf - PATH`` in the container to copy *from* it and ``tar -xmf - -C DIR``
(``--no-same-permissions --no-same-owner`` with ``--no-preserve``) with the archive on stdin to
copy *to* it.  Supported: ``c``/``x``/``t`` (old style ``cf -`` or ``-cf -``, and the long
options), ``-f FILE`` (``-`` is stdin/stdout; the default too), ``-C DIR``, ``-v``, ``-m``,
``-O``, ``-z`` (gzip), ``-o``/``--no-same-owner`` and ``--no-same-permissions``.

As the real tools: member names lose a leading ``/`` (and ``../`` prefixes) with one message —
busybox ``tar: removing leading '/' from member names``, GNU ``tar: Removing leading `/' from
member names`` — on stderr (``kubectl cp`` shows it on stdout, where it sends tar's stderr); a
missing operand is reported (busybox ``tar: /nope: No such file or directory``, GNU ``tar: /nope:
Cannot stat: No such file or directory``) and the archive is still written, then busybox exits 1
("error exit delayed from previous errors") and GNU 2 ("Exiting with failure status due to
previous errors").  Directories are archived recursively.

The archive is a real one, written and read with Python's :mod:`tarfile` in the GNU variant of the
ustar format both tools write (``ustar  `` magic, ``././@LongLink`` for long names).  It is
deterministic: directories walked in sorted order, uid/gid 0 (``root``), mtimes from the
simulated file system on the virtual clock (``proc.wallclock``); gzip headers carry mtime 0.
GNU tar pads the archive to a 10 KiB record; busybox stops after the two zero blocks.  On the
byte path: the archive is bytes, carried in the ``str`` streams and files of the simulation as
:func:`~kube_lab.node.fs.from_bytes` text (UTF-8 with surrogate escapes), so it reaches the exec
client byte for byte.  The file system has no symbolic links or device files: such members are
listed but not extracted.
"""
from __future__ import annotations

import gzip
import io as _io
import tarfile
import time as _time
from typing import Any, Generator

from ..fs import FSError, from_bytes, norm, to_bytes

BUSYBOX_USAGE = ("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                 "Usage: tar c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] [-T FILE] [-X FILE] [LONGOPT]... "
                 "[FILE]...\n")
GNU_TRY = "Try 'tar --help' or 'tar --usage' for more information.\n"
#: long options → the short letter they stand for ("=" takes a value)
LONG_OPTIONS = {"create": "c", "extract": "x", "get": "x", "list": "t", "verbose": "v", "file": "f=",
                "directory": "C=", "gzip": "z", "gunzip": "z", "ungzip": "z", "touch": "m", "to-stdout": "O",
                "no-same-owner": "o", "same-owner": "", "numeric-owner": "", "same-permissions": "p",
                "preserve-permissions": "p", "no-same-permissions": "N", "absolute-names": "P",
                "overwrite": ""}
SHORT_FLAGS = "cxtvzmOopkP"
SHORT_VALUES = "fC"


class _Usage(Exception):
    """A command line tar refuses; ``message`` is what it prints (the usage follows)."""

    def __init__(self, message: str = ""):
        self.message = message


def parse_args(args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """tar's options and operands: an old-style first word (``cf -``, ``xvf x.tar``: letters
    whose values follow in order), short bundles (``-xmf -``) and long options, permuted with the
    operands as getopt does."""
    opts: dict[str, Any] = {}
    names: list[str] = []
    args = list(args)
    if args and args[0] and not args[0].startswith("-"):
        bundle = args.pop(0)
        for ch in bundle:
            if ch in SHORT_VALUES:
                if not args:
                    raise _Usage(f"option requires an argument -- '{ch}'")
                opts[ch] = args.pop(0)
            elif ch in SHORT_FLAGS:
                opts[ch] = True
            else:
                raise _Usage(f"invalid option -- '{ch}'")
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            names.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            letter = LONG_OPTIONS.get(name)
            if letter is None:
                raise _Usage(f"unrecognized option '{a}'")
            if letter.endswith("="):
                if not eq:
                    if i >= len(args):
                        raise _Usage(f"option '--{name}' requires an argument")
                    value = args[i]
                    i += 1
                opts[letter[0]] = value
            elif letter:
                opts[letter] = True
            continue
        if a.startswith("-") and a != "-":
            j = 1
            while j < len(a):
                ch = a[j]
                if ch in SHORT_VALUES:
                    if j + 1 < len(a):
                        opts[ch] = a[j + 1:]
                    elif i < len(args):
                        opts[ch] = args[i]
                        i += 1
                    else:
                        raise _Usage(f"option requires an argument -- '{ch}'")
                    break
                if ch not in SHORT_FLAGS:
                    raise _Usage(f"invalid option -- '{ch}'")
                opts[ch] = True
                j += 1
            continue
        names.append(a)
    return opts, names


def strip_unsafe_prefix(name: str) -> tuple[str, str]:
    """``(member name, removed prefix)``: leading ``/`` and everything up to a ``../`` go, as both
    tars do before storing or extracting a name."""
    rest = name
    while True:
        if rest.startswith("/"):
            rest = rest[1:]
            continue
        if rest.startswith("../"):
            rest = rest[3:]
            continue
        k = rest.find("/../")
        if k < 0:
            break
        rest = rest[k + 4:]
    if rest == "..":
        rest = ""
    return rest, name[:len(name) - len(rest)]


def _mode_string(mode: int, kind: str) -> str:
    bits = "rwxrwxrwx"
    return kind + "".join(b if mode & (1 << (8 - i)) else "-" for i, b in enumerate(bits))


class Tar:
    """One run of ``tar``: its options, the process it runs in and its error bookkeeping."""

    def __init__(self, sh: Any, io: Any, opts: dict, names: list[str]):
        self.sh = sh
        self.io = io
        self.opts = opts
        self.names = names
        self.gnu = sh.flavour != "busybox"
        self.fs = sh.proc.fs
        self.proc = sh.proc
        self.failed = False
        self.warned = False
        self.cwd = sh.cwd

    # messages ------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.io.err(f"tar: {text}\n")

    def fatal(self, busybox: str, gnu: str) -> int:
        """An error tar stops at: busybox exits 1, GNU says it cannot go on and exits 2."""
        if self.gnu:
            self.say(gnu)
            self.say("Error is not recoverable: exiting now")
            return 2
        self.say(busybox)
        return 1

    def error(self, busybox: str, gnu: str) -> None:
        """An error tar reports and goes on after (the exit status says so at the end)."""
        self.say(gnu if self.gnu else busybox)
        self.failed = True

    def status(self) -> int:
        """The exit status once done: GNU exits 2 after errors it went on from; busybox's
        ``tar c`` says it held its error back and exits 1."""
        if not self.failed:
            return 0
        if self.gnu:
            self.say("Exiting with failure status due to previous errors")
            return 2
        self.say("error exit delayed from previous errors")
        return 1

    def member_name(self, name: str) -> str:
        if self.opts.get("P"):
            return name
        rest, removed = strip_unsafe_prefix(name)
        if removed and not self.warned:
            self.warned = True
            self.say(f"Removing leading `{removed}' from member names" if self.gnu
                     else f"removing leading '{removed}' from member names")
        return rest

    def path(self, name: str, base: str | None = None) -> str:
        base = self.cwd if base is None else base
        return norm(name if name.startswith("/") else base.rstrip("/") + "/" + name)

    def change_dir(self) -> int | None:
        """``-C DIR``: where member paths are taken from (create) or put (extract)."""
        target = self.opts.get("C")
        if not target:
            return None
        path = self.path(target)
        if not self.fs.isdir(path):
            why = "Not a directory" if self.fs.exists(path) else "No such file or directory"
            return self.fatal(f"can't change directory to '{target}': {why}", f"{target}: Cannot open: {why}")
        self.cwd = path
        return None

    # create ----------------------------------------------------------------------------------
    def create(self) -> int:
        archive = self.opts.get("f", "-") or "-"
        archive_path = self.path(archive)        # opened before -C, as both tars do
        if not self.names:
            if self.gnu:
                self.say("Cowardly refusing to create an empty archive")
                self.io.err(GNU_TRY)
                return 2
            self.say("empty archive")
            return 1
        code = self.change_dir()
        if code is not None:
            return code
        buf = _io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
            for given in self.names:
                if not self.gnu and len(given) > 1:
                    given = given.rstrip("/") or "/"
                name = self.member_name(given)   # GNU says so before it looks at the file
                path = self.path(given)
                if not self.fs.exists(path):
                    self.error(f"{given}: No such file or directory",
                               f"{given}: Cannot stat: No such file or directory")
                    continue
                self.add(tf, given, name, path)
            end = tf.offset + 2 * tarfile.BLOCKSIZE
        data = buf.getvalue() if self.gnu else buf.getvalue()[:end]
        if self.opts.get("z"):
            data = gzip.compress(data, mtime=0)
        if archive == "-":
            self.io.out(from_bytes(data))
        else:
            try:
                self.fs.write(archive_path, from_bytes(data))
            except FSError as e:
                return self.fatal(f"can't open '{archive}': {e.strerror}", f"{archive}: Cannot open: {e.strerror}")
        return self.status()

    def add(self, tf: tarfile.TarFile, shown: str, name: str, path: str) -> None:
        """One operand, recursively: a directory's entry, then its children in sorted order."""
        if self.fs.isdir(path):
            if name:
                tf.addfile(self.header(name, tarfile.DIRTYPE, 0o755, 0.0, 0))
                self.verbose(name + "/")
            for child in self.fs.listdir(path):
                sub = shown + child if shown.endswith("/") else f"{shown}/{child}"
                self.add(tf, sub, self.member_name(sub), path.rstrip("/") + "/" + child)
            return
        try:
            data = to_bytes(self.fs.read(path))
        except FSError as e:
            self.error(f"{shown}: {e.strerror}", f"{shown}: Cannot open: {e.strerror}")
            return
        st = self.fs.stat(path)
        info = self.header(name, tarfile.REGTYPE, st.mode if st else 0o644, st.mtime if st else 0.0, len(data))
        tf.addfile(info, _io.BytesIO(data))
        self.verbose(name)

    def header(self, name: str, kind: bytes, mode: int, mtime: float, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.mode = mode & 0o7777
        info.size = size
        info.mtime = int(self.proc.wallclock(mtime))
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def verbose(self, name: str) -> None:
        """``-v`` while creating: names on stderr when the archive goes to stdout."""
        if self.opts.get("v"):
            writer = self.io.err if (self.opts.get("f", "-") or "-") == "-" else self.io.out
            writer(name + "\n")

    # extract and list ------------------------------------------------------------------------
    def read_archive(self) -> Generator[Any, Any, bytes | int]:
        archive = self.opts.get("f", "-") or "-"
        if archive == "-":
            stdin = self.io.stdin
            if stdin is None or isinstance(stdin, str):
                text = stdin or ""
            else:
                text = yield from stdin.read_all()
                self.io.stdin = ""
            data = to_bytes(text)
        else:
            try:
                data = to_bytes(self.fs.read(self.path(archive)))
            except FSError as e:
                return self.fatal(f"can't open '{archive}': {e.strerror}", f"{archive}: Cannot open: {e.strerror}")
        if self.opts.get("z") or (data[:2] == b"\x1f\x8b" and (self.gnu or archive != "-")):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError):
                if self.gnu:
                    self.io.err("\ngzip: stdin: not in gzip format\n")
                    self.say("Child returned status 1")
                    self.say("Error is not recoverable: exiting now")
                    return 2
                self.say("invalid magic")
                return 1
        return data

    def members(self, data: bytes) -> Generator[tuple[tarfile.TarInfo, bytes], None, int]:
        """The archive's members with their contents; returns tar's verdict on the archive
        (0, or the status of a broken one after saying what is wrong)."""
        if not data:
            if self.gnu:
                return 0
            self.say("short read")
            return 1
        if data[:tarfile.BLOCKSIZE] == bytes(tarfile.BLOCKSIZE):
            return 0            # an archive with no members: its end-of-archive blocks only
        try:
            tf = tarfile.open(fileobj=_io.BytesIO(data), mode="r:")
        except tarfile.TarError:
            if self.gnu:
                self.say("This does not look like a tar archive")
                self.failed = True
                return self.status()
            self.say("invalid tar magic")
            return 1
        while True:
            try:
                member = tf.next()
                if member is None:
                    return 0
                content = tf.extractfile(member).read() if member.isreg() else b""
            except tarfile.TarError:
                if self.gnu:
                    self.say("Unexpected EOF in archive")
                    self.say("Error is not recoverable: exiting now")
                    return 2
                self.say("short read")
                return 1
            yield member, content

    def extract(self) -> Generator[Any, Any, int]:
        data = yield from self.read_archive()
        if isinstance(data, int):
            return data
        code = self.change_dir()
        if code is not None:
            return code
        listing = self.members(data)
        while True:
            try:
                member, content = next(listing)
            except StopIteration as stop:
                return stop.value or self.status()
            name = self.member_name(member.name)
            if not name:
                continue
            if self.opts.get("v"):
                self.io.out(name + ("/" if member.isdir() else "") + "\n")
            if self.opts.get("O"):
                if member.isreg():
                    self.io.out(from_bytes(content))
                continue
            code = self.extract_one(member, name, content)
            if code is not None:
                return code

    def extract_one(self, member: tarfile.TarInfo, name: str, content: bytes) -> int | None:
        """One member into the file system (parents made as needed); a status when tar gives up."""
        fs = self.fs
        path = self.path(name)
        if member.isdir():
            if not fs.isdir(path):
                try:
                    fs.mkdir(path, parents=True)
                except FSError as e:      # GNU counts it against the exit status, busybox only says so
                    self.say(f"{name}: Cannot mkdir: {e.strerror}" if self.gnu else
                             f"can't make dir {name}: {e.strerror}")
                    self.failed = self.failed or self.gnu
            return None
        if not member.isreg():
            return None          # links and devices: the simulated file system has none
        parent = path.rsplit("/", 1)[0] or "/"
        try:
            if not fs.isdir(parent):
                fs.mkdir(parent, parents=True)
        except FSError as e:
            return self.cannot(f"can't create directory '{parent}': {e.strerror}", f"{name}: Cannot open: {e.strerror}")
        if fs.isdir(path):
            return self.cannot(f"can't remove old file {name}: Is a directory", f"{name}: Cannot open: Is a directory")
        try:
            fs.write(path, from_bytes(content))
        except FSError as e:
            return self.cannot(f"can't open '{name}': {e.strerror}", f"{name}: Cannot open: {e.strerror}")
        st = fs.stat(path)
        if st is not None:
            st.mode = member.mode & (0o755 if self.opts.get("N") else 0o7777)
            if not self.opts.get("m"):
                st.mtime = member.mtime - self.proc.wallclock(0.0)
        return None

    def cannot(self, busybox: str, gnu: str) -> int | None:
        """A member tar cannot write: GNU reports it and goes on; busybox gives up (exit 1)."""
        if self.gnu:
            self.error(busybox, gnu)
            return None
        self.say(busybox)
        return 1

    def list(self) -> Generator[Any, Any, int]:
        data = yield from self.read_archive()
        if isinstance(data, int):
            return data
        listing = self.members(data)
        while True:
            try:
                member, _ = next(listing)
            except StopIteration as stop:
                return stop.value or self.status()
            name = member.name + ("/" if member.isdir() else "")
            if not self.opts.get("v"):
                self.io.out(name + "\n")
                continue
            kind = "d" if member.isdir() else ("l" if member.issym() else "-")
            owner = f"{member.uname or member.uid}/{member.gname or member.gid}"
            stamp = _time.gmtime(member.mtime)
            if self.gnu:
                self.io.out(f"{_mode_string(member.mode, kind)} {owner} {member.size:>{max(1, 18 - len(owner))}} "
                            f"{_time.strftime('%Y-%m-%d %H:%M', stamp)} {name}\n")
            else:
                self.io.out(f"{_mode_string(member.mode, kind)} {owner} {member.size:9} "
                            f"{_time.strftime('%Y-%m-%d %H:%M:%S', stamp)} {name}\n")


def u_tar(sh: Any, argv: list[str], io: Any) -> Generator[Any, Any, int]:
    """``tar c|x|t [-f ARCHIVE] [-C DIR] [-vmOzo] [FILE]…`` (see the module's docstring)."""
    gnu = sh.flavour != "busybox"
    try:
        opts, names = parse_args(argv[1:])
        modes = [m for m in "cxt" if opts.get(m)]
        if len(modes) != 1:
            raise _Usage(("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options"
                          if not modes else
                          "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option")
                         if gnu else "")
    except _Usage as e:
        if gnu:
            io.err(f"tar: {e.message}\n{GNU_TRY}")
            return 2
        io.err((f"tar: {e.message}\n" if e.message else "") + BUSYBOX_USAGE)
        return 1
    tar = Tar(sh, io, opts, names)
    if modes == ["c"]:
        return tar.create()
    if modes == ["x"]:
        code = yield from tar.extract()
        return code
    code = yield from tar.list()
    return code
