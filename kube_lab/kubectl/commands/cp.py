"""``kubectl cp <file-spec-src> <file-spec-dest> [-c CONTAINER] [--no-preserve] [--retries N]``
(k8s.io/kubectl/pkg/cmd/cp, v1.32): copy files and directories between the local file system and
a container, through ``kubectl exec`` of ``tar`` — so, as upstream, the container's image must
ship a ``tar`` (a distroless one gives ``exec: "tar": executable file not found in $PATH``).

The local side is the real file system of the process running kubectl — in a notebook, the
kernel's current directory (the notebook's folder), as the real kubectl uses the shell's.  A
file spec is ``[[namespace/]pod:]path``; exactly one of the two must name a pod.

* **From a pod** (``pod:/etc/hostname ./x``): kubectl runs ``tar cf - SRC`` (``sh -c 'tar cf -
  SRC | tail -c+1'`` with ``--retries``), prints tar's stderr *on its stdout* (hence ``tar:
  removing leading '/' from member names`` for an absolute path) together with the "Defaulted
  container" notice, and unpacks the archive with the members' names relative to SRC: a file
  becomes DEST itself, a directory's content goes under DEST.  kubectl stops reading when the
  archive ends and does not wait for tar's exit status, so a missing source prints tar's
  complaint and still exits 0 (kubernetes/kubectl#980); only when tar wrote no complete archive
  does its status count (``command terminated with exit code N``).  A member that would land
  outside DEST is skipped with a warning; modes and times are not restored locally.
* **To a pod** (``./dir pod:/tmp/dir``): the local source must exist (``… doesn't exist in local
  filesystem``); ``test -d DEST`` in the container decides whether DEST is a directory to copy
  *into* (DEST/basename) or the name to create; the archive is made locally (directories
  recursively, sorted) and unpacked by ``tar -xmf - -C DIR`` (``--no-same-permissions
  --no-same-owner`` first with ``--no-preserve``), whose output and exit status are kubectl's.
"""
from __future__ import annotations

import errno
import glob
import io
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass

from ...api import errors as api_errors
from ...node.fs import from_bytes, to_bytes
from ..errors import GoError
from ..parser import Command, CommandError, Flag
from .logs import _default_container, exec_in

FORMAT_ERROR = "filespec must match the canonical format: [[namespace/]pod:]file/path"
#: Go's texts for the errno values a local copy meets (``syscall.Errno.Error``)
GO_ERRNO = {errno.ENOENT: "no such file or directory", errno.EISDIR: "is a directory",
            errno.ENOTDIR: "not a directory", errno.EACCES: "permission denied", errno.EEXIST: "file exists",
            errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on device"}


def command() -> Command:
    return Command("cp", short="Copy files and directories to and from containers", run=run,
                   usage="kubectl cp <file-spec-src> <file-spec-dest>",
                   flags=[Flag("container", "c", usage="Container name. If omitted, use the "
                               "kubectl.kubernetes.io/default-container annotation for selecting the container to "
                               "be attached or the first container in the pod will be chosen"),
                          Flag("no-preserve", type="bool", usage="The copied file/directory's ownership and "
                               "permissions will not be preserved in the container"),
                          Flag("retries", type="int", default=0, usage="Set number of retries to complete a copy "
                               "operation from a container. Specify 0 to disable or any negative value for infinite "
                               "retrying. The default is 0 (no retry).")])


# -- paths as filespec.go handles them ----------------------------------------------------------

def _clean(p: str) -> str:
    """Go's ``path.Clean`` (``filepath.Clean`` on Linux)."""
    if not p:
        return "."
    out = posixpath.normpath(p)
    return "/" + out.lstrip("/") if out.startswith("//") else out


def _join(*parts: str) -> str:
    """``path.Join``: the non-empty elements joined, cleaned ("" when there are none)."""
    parts = tuple(p for p in parts if p)
    return _clean("/".join(parts)) if parts else ""


def _dir(p: str) -> str:
    return _clean(p[:p.rfind("/") + 1])


def _base(p: str) -> str:
    """``path.Base``: the last element (``.`` for an empty path, ``/`` for the root)."""
    if not p:
        return "."
    p = p.rstrip("/")
    return p[p.rfind("/") + 1:] if p else "/"


def _strip_trailing_slash(p: str) -> str:
    return p[:-1] if p and p != "/" and p.endswith("/") else p


def _strip_shortcuts(p: str) -> str:
    """``stripPathShortcuts``: leading ``../`` removed, ``.``/``..`` become empty, then one
    leading ``/``."""
    while p.startswith("../"):
        p = p[3:]
    if p in (".", ".."):
        p = ""
    return p[1:] if p.startswith("/") else p


@dataclass
class FileSpec:
    pod: str
    namespace: str
    file: str


def file_spec(arg: str) -> FileSpec:
    """``extractFileSpec``: ``[[namespace/]pod:]path``; a local path keeps its text (one trailing
    ``/`` dropped), a remote one uses ``/`` as separator."""
    i = arg.find(":")
    if i == 0:
        raise GoError(FORMAT_ERROR)
    if i < 0:
        return FileSpec("", "", _strip_trailing_slash(arg))
    pod, path = arg[:i], _strip_trailing_slash(arg[i + 1:]).replace("\\", "/")
    pieces = pod.split("/")
    if len(pieces) == 1:
        return FileSpec(pieces[0], "", path)
    if len(pieces) == 2:
        return FileSpec(pieces[1], pieces[0], path)
    raise GoError(FORMAT_ERROR)


def _go_path_error(op: str, path: str, e: OSError) -> GoError:
    """An ``*os.PathError`` as Go prints it (``open x: is a directory``)."""
    why = GO_ERRNO.get(e.errno or 0, (e.strerror or str(e)).lower())
    return GoError(f"{op} {path}: {why}")


# -- the command ---------------------------------------------------------------------------------

def run(inv) -> int:
    args = inv.args
    if len(args) != 2:
        raise GoError("source and destination are required")
    src, dest = file_spec(args[0]), file_spec(args[1])
    if src.pod and dest.pod:
        raise GoError("one of src or dest must be a local file specification")
    if not src.file or not dest.file:
        raise GoError("filepath can not be empty")
    if src.pod:
        return copy_from_pod(inv, src, dest)
    if dest.pod:
        return copy_to_pod(inv, src, dest)
    raise GoError("one of src or dest must be a remote file specification")


class _Notices:
    """Where ``podcmd.FindOrDefaultContainerByName`` writes "Defaulted container …": the exec's
    ErrOut, which ``kubectl cp`` points at its stdout, its stderr or nowhere."""

    def __init__(self, write=None):
        self.write = write

    def eprintln(self, text: str = "") -> None:
        if self.write is not None:
            self.write(text + "\n")


def _exec(inv, spec: FileSpec, command: list[str], stdin: str | None = None,
          notices=None) -> tuple[str, str, int]:
    """``ExecOptions.Run`` as ``kubectl cp`` uses it: the pod (the spec's namespace, else
    kubectl's), the completed-pod refusal, the container (``-c``, else the default one), then
    the command through the pod's kubelet; ``(stdout, stderr, exit code)``."""
    ns = spec.namespace or inv.namespace
    pod = inv.client.get("pods", spec.pod, ns)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise GoError(f"cannot exec into a container in a completed pod; current phase is {phase}")
    container = inv.flag("container") or ""
    if not container:
        if not (pod.get("spec") or {}).get("containers"):
            raise GoError(f"pod {ns}/{spec.pod} does not have any containers")
        container = _default_container(_Notices(notices), pod, quiet=False, annotation_notice=False)
    return exec_in(inv, pod, container, command, stdin)


def _terminated(code: int) -> CommandError:
    return CommandError(f"command terminated with exit code {code}", code=code)


# -- from a pod ---------------------------------------------------------------------------------

def copy_from_pod(inv, src: FileSpec, dest: FileSpec) -> int:
    retries = int(inv.flag("retries") or 0)
    command = ["tar", "cf", "-", src.file]
    if retries != 0:
        command = ["sh", "-c", f"tar cf - {src.file} | tail -c+1"]
    out, err, code = _exec(inv, src, command, notices=inv.out)
    inv.out(err)                   # tar's stderr goes to kubectl's stdout
    data = to_bytes(out)
    prefix = _strip_shortcuts(_clean(src.file.lstrip("/\\")))
    complete = untar(inv, data, prefix, dest.file)
    if code and not complete:
        raise _terminated(code)
    return 0


def untar(inv, data: bytes, prefix: str, dest: str) -> bool:
    """``untarAll``: every member under ``prefix`` into ``dest`` (the local path); returns
    whether the archive ended with its end-of-archive blocks (kubectl then stops reading)."""
    if not data:
        return False
    if data[:tarfile.BLOCKSIZE] == bytes(tarfile.BLOCKSIZE):     # no members (a missing source)
        return data[:2 * tarfile.BLOCKSIZE] == bytes(2 * tarfile.BLOCKSIZE)
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
    except tarfile.TarError:
        raise GoError("archive/tar: invalid tar header") from None
    with tf:
        while True:
            try:
                member = tf.next()
            except tarfile.TarError:
                raise GoError("unexpected EOF") from None
            if member is None:
                break
            name = member.name + ("/" if member.isdir() else "")
            if not name.startswith(prefix):
                raise GoError("tar contents corrupted")
            target = _join(dest, _clean_remote(name[len(prefix):]))
            rel = os.path.relpath(target, dest)         # isRelative
            if rel != "." and rel != _strip_shortcuts(rel):
                inv.err(f'warning: file "{target}" is outside target destination, skipping\n')
                continue
            _mkdir_all(_dir(target))
            if member.isdir():
                _mkdir_all(target)
                continue
            try:
                content = tf.extractfile(member).read() if member.isreg() else b""
            except tarfile.TarError:
                raise GoError("unexpected EOF") from None
            try:
                with open(target, "wb") as f:
                    f.write(content)
            except OSError as e:
                raise _go_path_error("open", target, e) from None
        end = tf.offset
    return data[end:end + 2 * tarfile.BLOCKSIZE] == bytes(2 * tarfile.BLOCKSIZE)


def _clean_remote(p: str) -> str:
    return _strip_trailing_slash(p).replace("\\", "/")


def _mkdir_all(path: str) -> None:
    """``os.MkdirAll(path, 0755)`` with Go's errors."""
    if os.path.isdir(path):
        return
    if os.path.lexists(path):
        raise GoError(f"mkdir {path}: not a directory")
    try:
        os.makedirs(path, 0o755, exist_ok=True)
    except OSError as e:
        raise _go_path_error("mkdir", e.filename or path, e) from None


# -- to a pod -----------------------------------------------------------------------------------

def copy_to_pod(inv, src: FileSpec, dest: FileSpec) -> int:
    if not os.path.exists(src.file):
        raise GoError(f"{src.file} doesn't exist in local filesystem")
    dest_file = dest.file
    if _is_remote_dir(inv, dest):
        dest_file = _join(dest_file, _base(src.file))
    archive = make_tar(src.file, dest_file)
    if inv.flag("no-preserve"):
        command = ["tar", "--no-same-permissions", "--no-same-owner", "-xmf", "-"]
    else:
        command = ["tar", "-xmf", "-"]
    dest_dir = _dir(dest_file)
    if dest_dir:
        command += ["-C", dest_dir]
    out, err, code = _exec(inv, dest, command, stdin=from_bytes(archive), notices=inv.err)
    inv.out(out)
    inv.err(err)
    if code:
        raise _terminated(code)
    return 0


def _is_remote_dir(inv, dest: FileSpec) -> bool:
    """``checkDestinationIsDir``: ``test -d DEST`` in the container, its output discarded; any
    failure (no such pod, no ``test``) means "not a directory"."""
    try:
        _out, _err, code = _exec(inv, dest, ["test", "-d", dest.file])
    except (CommandError, api_errors.StatusError, TimeoutError):
        return False
    return code == 0


def make_tar(src: str, dest: str) -> bytes:
    """``makeTar``: the local ``src`` as an archive whose names start at ``dest``'s base name
    (``recursiveTar``: directories recursively in name order, an empty one as its own entry,
    symbolic links as links)."""
    src_path, dest_path = _clean(src), _clean(dest)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        _add_tree(tf, _dir(src_path), _base(src_path), _base(dest_path))
    return buf.getvalue()


def _add_tree(tf: tarfile.TarFile, src_dir: str, src_file: str, dest_file: str) -> None:
    for path in sorted(glob.glob(_join(src_dir, src_file))):
        try:
            st = os.lstat(path)
        except OSError as e:
            raise _go_path_error("lstat", path, e) from None
        if stat.S_ISDIR(st.st_mode):
            try:
                names = sorted(os.listdir(path))
            except OSError as e:
                raise _go_path_error("open", path, e) from None
            if not names:
                tf.addfile(_header(tf, path, dest_file))
            for name in names:
                _add_tree(tf, src_dir, _join(src_file, name), _join(dest_file, name))
            return
        if stat.S_ISLNK(st.st_mode):
            tf.addfile(_header(tf, path, dest_file))
            continue
        info = _header(tf, path, dest_file)
        if not info.isreg():
            tf.addfile(info)
            return
        try:
            with open(path, "rb") as f:
                tf.addfile(info, f)
        except OSError as e:
            raise _go_path_error("open", path, e) from None
        return


def _header(tf: tarfile.TarFile, path: str, name: str) -> tarfile.TarInfo:
    """``tar.FileInfoHeader``: mode, owner ids, size and whole-second mtime of the local file
    (no user or group names, as Go ≥ 1.23 leaves them)."""
    info = tf.gettarinfo(path, arcname=name)
    if info is None:
        raise GoError("archive/tar: sockets not supported")
    info.mtime = int(info.mtime)
    info.uname = info.gname = ""
    return info
