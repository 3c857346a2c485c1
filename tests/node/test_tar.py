"""``tar`` in the simulated images: real archives (Python's tarfile reads them), extraction into
the container's file system, busybox's and GNU tar's messages, and which images ship one."""
import gzip
import io
import tarfile

import pytest

from kube_lab import Cluster, StatusError
from kube_lab.node.fs import from_bytes, to_bytes

from .conftest import container, pod

BINARY = bytes(range(256)) * 2 + b"\x00\xff\xfe"
TEXT = "h\u00e9llo w\u00f6rld \u2603\n"


def _lab():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create(pod("bb", [container("bb", "busybox:1.36", command=["sleep", "3600"])]))
    c.create(pod("deb", [container("deb", "nginx:1.27")]))
    c.create(pod("bare", [container("bare", "registry.k8s.io/pause:3.10")]))
    c.run(10)
    k = c.node("kind-worker").kubelet

    def run(argv, name: str = "bb", stdin: str | None = None):
        return k.exec("default", name, None, argv, stdin=stdin)

    run.cluster = c
    return run


@pytest.fixture(scope="module")
def box():
    return _lab()


def _archive(files: dict[str, bytes], dirs: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tf.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o640
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _members(out: str) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(to_bytes(out))) as tf:
        return {m.name: m for m in tf.getmembers()}


def test_busybox_tar_writes_an_archive_python_reads(box):
    out, err, code = box(["tar", "cf", "-", "/etc"])
    assert (err, code) == ("tar: removing leading '/' from member names\n", 0)
    members = _members(out)
    assert list(members) == sorted(members)            # a sorted walk, the directory first
    assert list(members)[0] == "etc" and members["etc"].isdir()
    host = members["etc/hostname"]
    assert (host.uid, host.gid, host.uname, host.gname, host.mode) == (0, 0, "root", "root", 0o644)
    assert host.mtime == int(box.cluster.apiserver.epoch)     # the image's files: the cluster's start
    with tarfile.open(fileobj=io.BytesIO(to_bytes(out))) as tf:
        assert tf.extractfile("etc/hostname").read() == b"bb\n"
    # busybox stops after the two zero blocks; GNU tar pads to a 10 KiB record
    assert len(to_bytes(out)) % 512 == 0 and to_bytes(out).endswith(bytes(1024))
    gnu, err, code = box(["tar", "-cf", "-", "/etc/hostname"], name="deb")
    assert (err, code) == ("tar: Removing leading `/' from member names\n", 0)
    assert len(to_bytes(gnu)) == 10240 and list(_members(gnu)) == ["etc/hostname"]


def test_archives_are_deterministic(box):
    again = _lab()
    for argv in (["tar", "cf", "-", "/etc", "/root"], ["tar", "czf", "-", "/etc"]):
        assert box(argv)[0] == again(argv)[0]


def test_extract_round_trip_keeps_every_byte(box):
    archive = _archive({"d/bin.dat": BINARY, "d/sub/text.txt": TEXT.encode()}, dirs=("d",))
    out, err, code = box(["tar", "-xmf", "-", "-C", "/tmp"], stdin=from_bytes(archive))
    assert (out, err, code) == ("", "", 0)
    assert box(["cat", "/tmp/d/sub/text.txt"])[0] == TEXT
    assert box(["wc", "-c", "/tmp/d/bin.dat"])[0] == f"{len(BINARY)} /tmp/d/bin.dat\n"
    back, err, code = box(["tar", "cf", "-", "-C", "/tmp", "d"])
    assert (err, code) == ("", 0)
    with tarfile.open(fileobj=io.BytesIO(to_bytes(back))) as tf:
        assert tf.getnames() == ["d", "d/bin.dat", "d/sub", "d/sub/text.txt"]
        assert tf.extractfile("d/bin.dat").read() == BINARY
        assert tf.extractfile("d/sub/text.txt").read() == TEXT.encode()
        assert tf.getmember("d/bin.dat").mode == 0o640          # modes are restored


def test_times_are_restored_without_m_and_listed(box):
    archive = _archive({"keep.txt": b"x"})
    assert box(["tar", "xf", "-", "-C", "/tmp"], stdin=from_bytes(archive))[2] == 0
    listed, _, _ = box(["tar", "tvf", "-"], stdin=box(["tar", "cf", "-", "-C", "/tmp", "keep.txt"])[0])
    assert listed == "-rw-r----- root/root         1 2023-11-14 22:13:20 keep.txt\n"
    listed, _, _ = box(["tar", "tvf", "-"], name="deb", stdin=from_bytes(archive))
    assert listed == "-rw-r----- 0/0               1 2023-11-14 22:13 keep.txt\n"
    assert box(["tar", "tf", "-"], stdin=from_bytes(_archive({}, dirs=("a",))))[0] == "a/\n"


def test_missing_operands_are_reported_and_the_archive_still_written(box):
    out, err, code = box(["tar", "cf", "-", "/nope", "/etc/hostname"])
    assert err == ("tar: removing leading '/' from member names\ntar: /nope: No such file or directory\n"
                   "tar: error exit delayed from previous errors\n")
    assert code == 1 and list(_members(out)) == ["etc/hostname"]
    out, err, code = box(["tar", "cf", "-", "/nope"], name="deb")
    assert err == ("tar: Removing leading `/' from member names\ntar: /nope: Cannot stat: No such file or "
                   "directory\ntar: Exiting with failure status due to previous errors\n")
    assert code == 2 and to_bytes(out) == bytes(10240)


@pytest.mark.parametrize("argv,name,stdin,err,code", [
    (["tar", "xf", "-"], "bb", None, "tar: short read\n", 1),
    (["tar", "xf", "-"], "bb", "not an archive" * 50, "tar: invalid tar magic\n", 1),
    (["tar", "xf", "-"], "deb", "not an archive" * 50,
     "tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors\n", 2),
    (["tar", "-xmf", "-", "-C", "/nodir"], "bb", "", "tar: can't change directory to '/nodir': No such file or "
     "directory\n", 1),
    (["tar", "-xmf", "-", "-C", "/nodir"], "deb", "",
     "tar: /nodir: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n", 2),
    (["tar", "cf", "-"], "bb", None, "tar: empty archive\n", 1),
    (["tar", "cf", "-"], "deb", None, "tar: Cowardly refusing to create an empty archive\n"
     "Try 'tar --help' or 'tar --usage' for more information.\n", 2),
    (["tar", "-f", "-"], "deb", None, "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' "
     "options\nTry 'tar --help' or 'tar --usage' for more information.\n", 2),
    (["tar", "-cq"], "deb", None, "tar: invalid option -- 'q'\nTry 'tar --help' or 'tar --usage' for more "
     "information.\n", 2),
])
def test_tar_errors(box, argv, name, stdin, err, code):
    out, got_err, got_code = box(argv, name=name, stdin=stdin)
    assert (got_err, got_code) == (err, code)


def test_busybox_refuses_a_command_line_with_its_usage(box):
    _, err, code = box(["tar"])
    assert code == 1 and err.startswith("BusyBox v1.36.1") and "Usage: tar c|x|t" in err


def test_an_archive_file_gzip_and_extract_to_stdout(box):
    assert box(["tar", "czf", "/tmp/etc.tgz", "-C", "/", "etc/hostname"])[1:] == ("", 0)
    assert gzip.decompress(to_bytes(box(["cat", "/tmp/etc.tgz"])[0]))[:12] == b"etc/hostname"
    assert box(["tar", "xzOf", "/tmp/etc.tgz"]) == ("bb\n", "", 0)
    assert box(["tar", "-tzf", "/tmp/etc.tgz"])[0] == "etc/hostname\n"


def test_a_pipe_and_tail_c_keep_the_bytes(box):
    # what kubectl cp --retries runs: sh -c 'tar cf - SRC | tail -c+N'
    whole, _, _ = box(["tar", "cf", "-", "/etc"])
    out, err, code = box(["sh", "-c", "tar cf - /etc | tail -c+1"])
    assert (out, code) == (whole, 0)
    out, _, _ = box(["sh", "-c", "tar cf - /etc | tail -c+513"])
    assert to_bytes(out) == to_bytes(whole)[512:]


def test_which_images_ship_tar(box):
    runtime = box.cluster.node("kind-worker").kubelet.runtime
    registry = runtime.registry
    for ref, path in (("busybox:1.36", "/bin/tar"), ("alpine:3.20", "/bin/tar"), ("nginx:1.27", "/usr/bin/tar"),
                      ("debian:bookworm", "/usr/bin/tar"), ("gcr.io/google-samples/kubernetes-bootcamp:v1",
                                                            "/usr/bin/tar")):
        assert runtime.which(registry.resolve(ref), "tar") == path
    for ref in ("registry.k8s.io/pause:3.10", "gcr.io/google-samples/hello-app:1.0", "registry.k8s.io/goproxy:0.1"):
        assert runtime.which(registry.resolve(ref), "tar") is None
    with pytest.raises(StatusError) as e:
        box(["tar", "cf", "-", "/etc"], name="bare")
    assert 'exec: "tar": executable file not found in $PATH' in e.value.message
