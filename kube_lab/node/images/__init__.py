"""Container images: what registries hold, and the simulated programs inside them.

:class:`Registry` stands for every registry on the internet (Docker Hub, gcr.io,
registry.k8s.io, quay.io): it resolves an image reference to an :class:`Image`, or fails the way
containerd reports a failed pull (``failed to resolve reference …: not found``).  The default
catalog (:mod:`.catalog`) holds the images the course uses; a lesson adds its own with
:meth:`Registry.define`.

Image references are normalised as ``docker/distribution``'s ``ParseNormalizedNamed`` does:
``nginx`` → ``docker.io/library/nginx:latest``, ``jocatalin/kubernetes-bootcamp:v2`` →
``docker.io/jocatalin/kubernetes-bootcamp:v2``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ..fs import DIR, File, Tree

ProgramFactory = Callable[[list, Any], Any]

_NAME_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
KNOWN_REGISTRIES = ("docker.io", "gcr.io", "registry.k8s.io", "k8s.gcr.io", "quay.io", "ghcr.io",
                    "mcr.microsoft.com", "public.ecr.aws", "us-docker.pkg.dev")


class PullError(Exception):
    """A reference that cannot be pulled; ``message`` is containerd's text, ``code`` the gRPC
    code (``NotFound``, ``Unknown``), ``invalid`` marks a malformed reference."""

    def __init__(self, message: str, code: str = "Unknown", invalid: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.invalid = invalid


def parse_reference(ref: str) -> tuple[str, str, str, str]:
    """``(domain, path, tag, digest)`` of a reference; raises PullError(invalid=True) with the
    ``docker/distribution`` message for malformed ones."""
    if not ref or ref != ref.strip():
        raise PullError("invalid reference format", invalid=True)
    name, digest = ref, ""
    if "@" in ref:
        name, _, digest = ref.partition("@")
        if not _DIGEST.match(digest):
            raise PullError("invalid reference format", invalid=True)
    tag = ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = name.rpartition(":")
        if not _TAG.match(tag):
            raise PullError("invalid reference format", invalid=True)
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        domain, path = parts[0], "/".join(parts[1:])
    else:
        domain, path = "docker.io", name
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    if path.lower() != path:
        raise PullError(f"invalid reference format: repository name ({path}) must be lowercase", invalid=True)
    if not all(_NAME_COMPONENT.match(c) for c in path.split("/")):
        raise PullError("invalid reference format", invalid=True)
    return domain, path, tag, digest


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Image:
    """One image (one tag of a repository) and how it behaves when run.

    ``entrypoint``/``cmd``/``env``/``workdir``/``stop_signal`` are the image config (what
    ``docker inspect`` shows); ``toolset`` says which shell utilities it ships (``busybox``,
    ``alpine``, ``debian`` or None for distroless images); ``executables`` maps program names (or
    absolute paths) to program factories ``factory(argv, image) -> Program``; ``files`` seeds the
    root filesystem; ``size`` is the compressed size containerd reports."""

    name: str                                   # fully qualified repository
    tag: str
    size: int
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    workdir: str = "/"
    stop_signal: str = "SIGTERM"
    toolset: str | None = None
    executables: dict[str, ProgramFactory] = field(default_factory=dict)
    executables_paths: dict[str, str] = field(default_factory=dict)
    extra_tools: tuple[str, ...] = ()
    files: dict[str, str] = field(default_factory=dict)
    version: str = ""
    exposed_ports: list[int] = field(default_factory=list)
    #: ``sh -c 'one command'`` replaces the shell with the command (dash ≥ 0.5.11, busybox
    #: ash); old shells keep running as PID 1 and the command becomes a child
    shell_execs_single_command: bool = True
    digest: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = _sha(f"manifest:{self.name}:{self.tag}:{self.version}")
        if not self.id:
            self.id = _sha(f"config:{self.name}:{self.tag}:{self.version}")
        for name, path in list(self.executables_paths.items()):
            self.executables.setdefault(path, self.executables.get(name))  # type: ignore[arg-type]
        self._root: Tree | None = None

    @property
    def reference(self) -> str:
        return f"{self.name}:{self.tag}"

    def rootfs(self) -> Tree:
        """The image's root filesystem (shared, read-only template; containers copy it)."""
        if self._root is None:
            entries: dict[str, object] = {d: DIR for d in ("bin", "etc", "tmp", "var", "usr", "root", "home",
                                                          "proc", "dev", "run", "sys")}
            entries["etc/os-release"] = File(_OS_RELEASE.get(self.toolset or "", ""))
            entries["etc/passwd"] = File("root:x:0:0:root:/root:/bin/sh\n")
            for path, data in self.files.items():
                entries[path.lstrip("/")] = File(data)
            self._root = Tree(entries, read_only=True, name=self.reference)
        return self._root


_OS_RELEASE = {
    "busybox": "",
    "alpine": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
    "debian": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
              'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n',
}


class Registry:
    """All the registries a cluster can pull from."""

    pause_image = "registry.k8s.io/pause:3.10"

    def __init__(self, images: list[Image] | None = None, unreachable: tuple[str, ...] = ()):
        self._repos: dict[str, dict[str, Image]] = {}
        self._by_digest: dict[str, Image] = {}
        self.unreachable = set(unreachable)
        if images is None:
            from .catalog import default_images

            images = default_images()
        for img in images:
            self.push(img)

    # publishing ---------------------------------------------------------------------------
    def push(self, image: Image) -> Image:
        self._repos.setdefault(image.name, {})[image.tag] = image
        self._by_digest[image.digest] = image
        return image

    def define(self, reference: str, program: ProgramFactory | type, *, size: int = 20 * 1024 * 1024,
               base: str = "busybox", entrypoint: list[str] | None = None, cmd: list[str] | None = None,
               env: list[str] | None = None, stop_signal: str = "SIGTERM", files: dict | None = None,
               ports: list[int] | None = None) -> Image:
        """Publish a lesson's own image whose main program is ``program`` (a :class:`Program`
        subclass).  ``base`` is the toolset its shell offers (``busybox``, ``debian`` or
        ``None`` for a distroless image)."""
        domain, path, tag, _ = parse_reference(reference)
        name = f"{domain}/{path}"
        exe = path.rsplit("/", 1)[-1]
        image = Image(name, tag or "latest", size, entrypoint=entrypoint or [f"/usr/local/bin/{exe}"],
                      cmd=cmd or [], env=env or [], stop_signal=stop_signal,
                      toolset=base, executables={exe: program},
                      executables_paths={exe: f"/usr/local/bin/{exe}"}, files=files or {},
                      exposed_ports=ports or [])
        return self.push(image)

    # resolving ----------------------------------------------------------------------------
    def normalize(self, ref: str) -> str:
        """``docker.io/library/nginx:latest`` for ``nginx`` (digests kept as ``repo@sha256:…``)."""
        domain, path, tag, digest = parse_reference(ref)
        if digest:
            return f"{domain}/{path}@{digest}"
        return f"{domain}/{path}:{tag or 'latest'}"

    def resolve(self, ref: str) -> Image:
        """The image a reference names, or PullError with containerd's message."""
        domain, path, tag, digest = parse_reference(ref)
        name = f"{domain}/{path}"
        full = f"{name}@{digest}" if digest else f"{name}:{tag or 'latest'}"
        prefix = f"failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": "
        if domain in self.unreachable or (domain not in KNOWN_REGISTRIES and domain not in self._domains()):
            what = f"{path}/manifests/{digest or tag or 'latest'}"
            raise PullError(prefix + f"failed to do request: Head \"https://{domain}/v2/{what}\": dial tcp: "
                                     f"lookup {domain} on 172.18.0.1:53: no such host")
        repo = self._repos.get(name)
        if repo is None:
            if domain == "docker.io":
                raise PullError(prefix + "pull access denied, repository does not exist or may require "
                                         "authorization: server message: insufficient_scope: authorization failed")
            raise PullError(prefix + f"{full}: not found", "NotFound")
        if digest:
            img = self._by_digest.get(digest)
            if img is None or img.name != name:
                raise PullError(prefix + f"{full}: not found", "NotFound")
            return img
        img = repo.get(tag or "latest")
        if img is None:
            raise PullError(prefix + f"{full}: not found", "NotFound")
        return img

    def _domains(self) -> set[str]:
        return {n.split("/", 1)[0] for n in self._repos}

    def tags(self, repository: str) -> list[str]:
        domain, path, _, _ = parse_reference(repository)
        return sorted(self._repos.get(f"{domain}/{path}", {}))


__all__ = ["Image", "PullError", "Registry", "parse_reference"]
