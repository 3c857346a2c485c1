"""The in-process ``kubectl cp`` (k8s.io/kubectl/pkg/cmd/cp, v1.32): both directions through
``tar`` in the container, the local side being the current directory; upstream's messages (the
real kubectl prints the same against ``kube-lab serve``, see tests/http/test_cp.py)."""
from __future__ import annotations

import pytest

from kube_lab import Cluster

LEADING = "tar: removing leading '/' from member names\n"
NO_TAR = ('error: Internal error occurred: error executing command in container: failed to exec in container: '
          'failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: '
          'exec: "tar": executable file not found in $PATH: unknown\n')
TWO = """apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers:
  - {name: a, image: busybox:1.36, command: [sleep, "3600"]}
  - {name: b, image: nginx:1.27}
"""
TEXT = "h\u00e9llo w\u00f6rld \u2603\n"


@pytest.fixture(scope="module")
def c():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run box --image=busybox:1.36 -- sleep 36000")
    c.kubectl("run web --image=nginx:1.27")
    c.kubectl("run bare --image=registry.k8s.io/pause:3.10")
    c.kubectl("run done --image=busybox:1.36 --restart=Never -- true")
    c.apply(TWO)
    c.run(20)
    return c


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def k(c, line: str):
    r = c.kubectl(line)
    return r.exit_code, r.stdout, r.stderr


def test_a_file_from_a_pod(c, here):
    assert k(c, "cp box:/etc/hostname x") == (0, LEADING, "")      # tar's stderr, on kubectl's stdout
    assert (here / "x").read_text() == "box\n"
    assert k(c, "cp box:etc/hostname rel") == (0, "", "")          # relative to the working directory
    assert (here / "rel").read_text() == "box\n"
    assert k(c, "cp default/box:/etc/hostname sub/dir/y")[0] == 0   # parents are created
    assert (here / "sub/dir/y").read_text() == "box\n"
    # GNU tar (nginx is Debian-based) words it its own way
    assert k(c, "cp web:/etc/hostname w") == (0, "tar: Removing leading `/' from member names\n", "")


def test_files_and_directories_to_a_pod_and_back(c, here):
    (here / "hello.txt").write_bytes(TEXT.encode())
    (here / "bin.dat").write_bytes(bytes(range(256)) * 4)
    (here / "d/sub").mkdir(parents=True)
    (here / "d/a.txt").write_text("A\n")
    (here / "d/sub/b").write_text("B")
    (here / "d/empty").mkdir()
    assert k(c, "cp hello.txt box:/tmp/h") == (0, "", "")
    assert k(c, "exec box -- cat /tmp/h")[1] == TEXT
    assert k(c, "cp bin.dat box:/tmp/") == (0, "", "")              # an existing directory: copied into it
    assert k(c, "exec box -- wc -c /tmp/bin.dat")[1] == "1024 /tmp/bin.dat\n"
    assert k(c, "cp d box:/tmp/d") == (0, "", "")                   # a new name: the directory becomes it
    assert k(c, "exec box -- ls /tmp/d /tmp/d/empty")[1] == "/tmp/d:\na.txt\nempty\nsub\n\n/tmp/d/empty:\n"
    assert k(c, "cp d box:/tmp/d") == (0, "", "")                   # now it exists: d goes inside
    assert k(c, "exec box -- ls /tmp/d")[1] == "a.txt\nd\nempty\nsub\n"
    assert k(c, "cp box:/tmp/d back") == (0, LEADING, "")
    assert sorted(str(p.relative_to(here / "back")) for p in (here / "back").rglob("*")) == [
        "a.txt", "d", "d/a.txt", "d/empty", "d/sub", "d/sub/b", "empty", "sub", "sub/b"]
    assert (here / "back/d/sub/b").read_text() == "B"
    assert k(c, "cp box:/tmp/h h2") == (0, LEADING, "")
    assert (here / "h2").read_bytes() == TEXT.encode()
    assert k(c, "cp box:/tmp/bin.dat bin2.dat") == (0, LEADING, "")
    assert (here / "bin2.dat").read_bytes() == bytes(range(256)) * 4


def test_no_preserve_and_retries(c, here):
    (here / "f").write_text("x")
    (here / "f").chmod(0o600)
    assert k(c, "cp f web:/tmp/kept") == (0, "", "")
    assert k(c, "exec web -- ls -l /tmp/kept")[1].startswith("-rw-------")
    assert k(c, "cp --no-preserve f web:/tmp/np") == (0, "", "")
    assert k(c, "exec web -- ls -l /tmp/np")[1].startswith("-rw-------")   # root's umask leaves 0600
    # --retries runs sh -c 'tar cf - SRC | tail -c+1'
    assert k(c, "cp --retries=3 box:/etc/hostname r") == (0, LEADING, "")
    assert (here / "r").read_text() == "box\n"


def test_a_missing_file_in_the_pod(c, here):
    # kubectl stops at the end of the archive and does not wait for tar's status (kubectl#980)
    assert k(c, "cp box:/nope y") == (0, LEADING + "tar: /nope: No such file or directory\n"
                                      "tar: error exit delayed from previous errors\n", "")
    assert k(c, "cp web:/nope y") == (0, "tar: Removing leading `/' from member names\ntar: /nope: Cannot stat: "
                                      "No such file or directory\ntar: Exiting with failure status due to previous "
                                      "errors\n", "")
    assert not (here / "y").exists()


def test_errors_into_the_pod(c, here):
    (here / "f").write_text("x")
    assert k(c, "cp nope box:/x") == (1, "", "error: nope doesn't exist in local filesystem\n")
    assert k(c, "cp f box:/nodir/x") == (1, "", "tar: can't change directory to '/nodir': No such file or "
                                         "directory\ncommand terminated with exit code 1\n")
    assert k(c, "cp f web:/nodir/x") == (2, "", "tar: /nodir: Cannot open: No such file or directory\ntar: "
                                         "Error is not recoverable: exiting now\ncommand terminated with exit "
                                         "code 2\n")
    assert k(c, "cp box:/etc/hostname .") == (1, LEADING, "error: open .: is a directory\n")


def test_a_container_without_tar(c, here):
    (here / "f").write_text("x")
    assert k(c, "cp bare:/etc/hostname z") == (1, "", NO_TAR)
    assert k(c, "cp f bare:/x") == (1, "", NO_TAR)


def test_the_container_flag_and_the_default_container_notice(c, here):
    (here / "f").write_text("x")
    notice = 'Defaulted container "a" out of: a, b\n'
    assert k(c, "cp two:/etc/hostname t") == (0, notice + LEADING, "")      # from a pod: on stdout
    assert k(c, "cp f two:/tmp/f") == (0, "", notice)                       # into a pod: on stderr
    assert k(c, "exec two -c a -- cat /tmp/f")[1] == "x"
    assert k(c, "cp -c b f two:/tmp/g") == (0, "", "")
    assert k(c, "exec two -c b -- cat /tmp/g")[1] == "x"
    assert k(c, "cp two:/tmp/g -c b g") == (0, "tar: Removing leading `/' from member names\n", "")
    assert k(c, "cp -c nope f two:/tmp/") == (1, "", "Error from server (BadRequest): container nope is not valid "
                                                    "for pod two\n")


@pytest.mark.parametrize("line,err", [
    ("cp a b", "error: one of src or dest must be a remote file specification\n"),
    ("cp box:/a web:/b", "error: one of src or dest must be a local file specification\n"),
    ("cp box: x", "error: filepath can not be empty\n"),
    ("cp :x y", "error: filespec must match the canonical format: [[namespace/]pod:]file/path\n"),
    ("cp a/b/c:x y", "error: filespec must match the canonical format: [[namespace/]pod:]file/path\n"),
    ("cp x", "error: source and destination are required\n"),
    ("cp ghost:/x y", 'Error from server (NotFound): pods "ghost" not found\n'),
    ("cp done:/etc/hostname q", "error: cannot exec into a container in a completed pod; current phase is "
                                "Succeeded\n"),
])
def test_usage_errors(c, here, line, err):
    assert k(c, line) == (1, "", err)
