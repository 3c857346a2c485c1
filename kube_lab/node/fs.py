"""Files a container can see: the image's root filesystem, a writable layer, and volume mounts.

A :class:`Tree` is one directory hierarchy (an image layer, an ``emptyDir``, a ``configMap``
projection, a directory on the node for ``hostPath``).  A :class:`FileSystem` is what one
container sees: its own copy-on-write root plus the pod's volumes mounted at their paths, as
``mount`` would show them inside the container.

Paths are absolute, ``/``-separated; errors carry the ``errno`` names programs print
(``ENOENT`` → "No such file or directory", ``EROFS`` → "Read-only file system").
"""
from __future__ import annotations

import posixpath
from typing import Iterator

from ..sim.rawtext import from_bytes, to_bytes  # noqa: F401  (file contents hold bytes this way)

DIR = object()   # marker value for a directory entry

MESSAGES = {
    "ENOENT": "No such file or directory",
    "EISDIR": "Is a directory",
    "ENOTDIR": "Not a directory",
    "EROFS": "Read-only file system",
    "EEXIST": "File exists",
    "ENOTEMPTY": "Directory not empty",
    "EACCES": "Permission denied",
    "EBUSY": "Resource busy",
}


class FSError(Exception):
    def __init__(self, errno: str, path: str):
        super().__init__(f"{path}: {MESSAGES[errno]}")
        self.errno = errno
        self.path = path

    @property
    def strerror(self) -> str:
        return MESSAGES[self.errno]


class File:
    __slots__ = ("data", "mode", "mtime")

    def __init__(self, data: str = "", mode: int = 0o644, mtime: float = 0.0):
        self.data = data
        self.mode = mode
        self.mtime = mtime


def norm(path: str) -> str:
    """A normalised absolute path (``/a/b``; ``/`` for the root)."""
    p = posixpath.normpath("/" + (path or "").lstrip("/"))
    return "/" if p in ("/", "//") else p


class Tree:
    """One directory hierarchy, stored flat: relative path → :class:`File` or :data:`DIR`."""

    def __init__(self, entries: dict[str, object] | None = None, read_only: bool = False, name: str = ""):
        self.entries: dict[str, object] = {"": DIR}
        self.read_only = read_only
        self.name = name
        for path, value in (entries or {}).items():
            if value is DIR:
                self.mkdir(path, parents=True, force=True)
            else:
                self.write(path, value if isinstance(value, File) else File(str(value)), force=True)

    @staticmethod
    def _rel(path: str) -> str:
        return norm(path).strip("/")

    def copy(self, read_only: bool | None = None) -> "Tree":
        t = Tree(read_only=self.read_only if read_only is None else read_only, name=self.name)
        t.entries = {k: (File(v.data, v.mode, v.mtime) if isinstance(v, File) else v)
                     for k, v in self.entries.items()}
        return t

    # queries ---------------------------------------------------------------------------
    def get(self, path: str) -> object | None:
        return self.entries.get(self._rel(path))

    def listdir(self, path: str) -> list[str]:
        rel = self._rel(path)
        entry = self.entries.get(rel)
        if entry is None:
            raise FSError("ENOENT", norm(path))
        if entry is not DIR:
            raise FSError("ENOTDIR", norm(path))
        prefix = rel + "/" if rel else ""
        names = set()
        for key in self.entries:
            if key and key.startswith(prefix):
                names.add(key[len(prefix):].split("/", 1)[0])
        return sorted(names)

    def walk_files(self) -> Iterator[tuple[str, File]]:
        for key in sorted(self.entries):
            v = self.entries[key]
            if isinstance(v, File):
                yield key, v

    # changes ---------------------------------------------------------------------------
    def _check_writable(self, path: str, force: bool) -> None:
        if self.read_only and not force:
            raise FSError("EROFS", norm(path))

    def _ensure_parent(self, rel: str, path: str, parents: bool) -> None:
        parent = rel.rpartition("/")[0]
        if parent in self.entries:
            if self.entries[parent] is not DIR:
                raise FSError("ENOTDIR", norm(path))
            return
        if not parents:
            raise FSError("ENOENT", norm(path))
        parts = parent.split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            cur = self.entries.get(p)
            if cur is None:
                self.entries[p] = DIR
            elif cur is not DIR:
                raise FSError("ENOTDIR", norm(path))

    def write(self, path: str, file: File | str, append: bool = False, force: bool = False,
              parents: bool = True, mtime: float | None = None) -> None:
        self._check_writable(path, force)
        rel = self._rel(path)
        if rel == "" or self.entries.get(rel) is DIR:
            raise FSError("EISDIR", norm(path))
        self._ensure_parent(rel, path, parents)
        if isinstance(file, File):
            self.entries[rel] = file
            return
        cur = self.entries.get(rel)
        if append and isinstance(cur, File):
            cur_data = cur.data
            self.entries[rel] = File(cur_data + file, cur.mode, cur.mtime if mtime is None else mtime)
        else:
            self.entries[rel] = File(file, cur.mode if isinstance(cur, File) else 0o644, mtime or 0.0)

    def mkdir(self, path: str, parents: bool = False, force: bool = False, exist_ok: bool = False) -> None:
        self._check_writable(path, force)
        rel = self._rel(path)
        if rel in self.entries:
            if self.entries[rel] is DIR and (parents or exist_ok or force):
                return
            raise FSError("EEXIST", norm(path))
        self._ensure_parent(rel, path, parents)
        self.entries[rel] = DIR

    def remove(self, path: str, recursive: bool = False) -> None:
        self._check_writable(path, False)
        rel = self._rel(path)
        entry = self.entries.get(rel)
        if entry is None:
            raise FSError("ENOENT", norm(path))
        if entry is DIR:
            prefix = rel + "/"
            children = [k for k in self.entries if k.startswith(prefix)]
            if children and not recursive:
                raise FSError("ENOTEMPTY" if recursive is None else "EISDIR", norm(path))
            for k in children:
                del self.entries[k]
            if rel:
                del self.entries[rel]
            return
        del self.entries[rel]

    def replace_all(self, files: dict[str, str], mode: int = 0o644) -> None:
        """Swap the whole content at once, as the kubelet's atomic writer does for projected
        volumes (``..data`` symlink flip): readers see either the old or the new set."""
        self.entries = {"": DIR}
        for path, data in files.items():
            self.write(path, File(data, mode), force=True)


class Mount:
    __slots__ = ("path", "tree", "read_only", "sub_path", "volume")

    def __init__(self, path: str, tree: Tree, read_only: bool = False, sub_path: str = "", volume: str = ""):
        self.path = norm(path)
        self.tree = tree
        self.read_only = read_only or tree.read_only
        self.sub_path = sub_path.strip("/")
        self.volume = volume


class FileSystem:
    """A container's view: root layer plus mounts (the longest matching mount wins)."""

    def __init__(self, root: Tree, mounts: list[Mount] | None = None, clock=None):
        self.root = root
        self.mounts = sorted(mounts or [], key=lambda m: len(m.path), reverse=True)
        self.clock = clock or (lambda: 0.0)

    def _locate(self, path: str) -> tuple[Tree, str, bool]:
        p = norm(path)
        for m in self.mounts:
            if p == m.path or p.startswith(m.path.rstrip("/") + "/"):
                rest = p[len(m.path):].lstrip("/")
                if m.sub_path:
                    rest = f"{m.sub_path}/{rest}" if rest else m.sub_path
                return m.tree, "/" + rest, m.read_only
        return self.root, p, False

    def exists(self, path: str) -> bool:
        tree, rel, _ = self._locate(path)
        return tree.get(rel) is not None or self._is_mountpoint_parent(path)

    def _is_mountpoint_parent(self, path: str) -> bool:
        p = norm(path).rstrip("/") + "/"
        return any(m.path.startswith(p) for m in self.mounts)

    def isdir(self, path: str) -> bool:
        tree, rel, _ = self._locate(path)
        return tree.get(rel) is DIR or self._is_mountpoint_parent(path)

    def read(self, path: str) -> str:
        tree, rel, _ = self._locate(path)
        entry = tree.get(rel)
        if entry is None:
            if self._is_mountpoint_parent(path):
                raise FSError("EISDIR", norm(path))
            raise FSError("ENOENT", norm(path))
        if entry is DIR:
            raise FSError("EISDIR", norm(path))
        return entry.data  # type: ignore[union-attr]

    def stat(self, path: str) -> File | None:
        tree, rel, _ = self._locate(path)
        entry = tree.get(rel)
        return entry if isinstance(entry, File) else None

    def write(self, path: str, data: str, append: bool = False) -> None:
        tree, rel, ro = self._locate(path)
        if ro:
            raise FSError("EROFS", norm(path))
        try:
            tree.write(rel, data, append=append, parents=False, mtime=self.clock())
        except FSError as e:
            raise FSError(e.errno, norm(path)) from None

    def touch(self, path: str) -> None:
        tree, rel, ro = self._locate(path)
        entry = tree.get(rel)
        if isinstance(entry, File):
            if ro:
                raise FSError("EROFS", norm(path))
            entry.mtime = self.clock()
            return
        if entry is DIR:
            return
        self.write(path, "")

    def mkdir(self, path: str, parents: bool = False) -> None:
        tree, rel, ro = self._locate(path)
        if ro:
            raise FSError("EROFS", norm(path))
        try:
            tree.mkdir(rel, parents=parents)
        except FSError as e:
            raise FSError(e.errno, norm(path)) from None

    def remove(self, path: str, recursive: bool = False) -> None:
        p = norm(path)
        if any(m.path == p for m in self.mounts):
            raise FSError("EBUSY", p)
        tree, rel, ro = self._locate(path)
        if ro:
            raise FSError("EROFS", p)
        try:
            tree.remove(rel, recursive=recursive)
        except FSError as e:
            raise FSError(e.errno, p) from None

    def listdir(self, path: str) -> list[str]:
        p = norm(path)
        tree, rel, _ = self._locate(p)
        names: set[str] = set()
        found = False
        try:
            names.update(tree.listdir(rel))
            found = True
        except FSError as e:
            if e.errno == "ENOTDIR":
                raise FSError("ENOTDIR", p) from None
        prefix = p.rstrip("/") + "/"
        for m in self.mounts:
            if m.path.startswith(prefix):
                names.add(m.path[len(prefix):].split("/", 1)[0])
                found = True
        if not found:
            raise FSError("ENOENT", p)
        return sorted(names)
