"""The real kubectl's ``cp`` against ``kube-lab serve``: ``tar`` runs in the simulated container
through ``pods/exec`` over ``v5.channel.k8s.io``, the archive crossing the WebSocket byte for
byte in both directions, with the in-process kubectl printing the same."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the interop tests need one")

TEXT = "h\u00e9llo w\u00f6rld \u2603 \u65e5\u672c\n".encode()
BINARY = bytes(range(256)) * 40 + b"\x00" * 700 + b"\xff\xfe"
LEADING = "tar: removing leading '/' from member names\n"


@pytest.fixture(scope="module")
def clab(lab):
    with lab.paused():
        c = lab.cluster
        assert c.kubectl("run cpbox --image=busybox:1.36 -- sleep 36000").exit_code == 0
        assert c.kubectl("run cpweb --image=nginx:1.27").exit_code == 0
        assert c.kubectl("run cpbare --image=registry.k8s.io/pause:3.10").exit_code == 0
        c.run(20)
    return lab


def kubectl(lab, cwd, *args: str) -> tuple[int, str, str]:
    """The real kubectl in ``cwd`` (its local side), with the served cluster's kubeconfig."""
    env = dict(os.environ, KUBECONFIG=lab.server.kubeconfig_path, HOME=str(lab.tmp))
    r = subprocess.run([KUBECTL, f"--cache-dir={lab.tmp}/kube-cache", *args], capture_output=True, env=env,
                       cwd=cwd, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def test_a_file_from_a_pod(clab, tmp_path):
    assert kubectl(clab, tmp_path, "cp", "cpbox:/etc/hostname", "./x") == (0, LEADING, "")
    assert (tmp_path / "x").read_text() == "cpbox\n"
    assert kubectl(clab, tmp_path, "cp", "cpweb:/etc/hostname", "w") == (
        0, "tar: Removing leading `/' from member names\n", "")
    assert (tmp_path / "w").read_text() == "cpweb\n"


@pytest.mark.parametrize("pod", ["cpbox", "cpweb"])
def test_byte_exact_round_trip(clab, tmp_path, pod):
    (tmp_path / "text.txt").write_bytes(TEXT)
    (tmp_path / "bin.dat").write_bytes(BINARY)
    assert kubectl(clab, tmp_path, "cp", "text.txt", f"{pod}:/tmp/text.txt") == (0, "", "")
    assert kubectl(clab, tmp_path, "cp", "bin.dat", f"{pod}:/tmp/") == (0, "", "")
    r = subprocess.run([KUBECTL, "exec", pod, "--", "cat", "/tmp/text.txt"], capture_output=True, timeout=60,
                       env=dict(os.environ, KUBECONFIG=clab.server.kubeconfig_path, HOME=str(clab.tmp)))
    assert r.stdout == TEXT                        # UTF-8 text from exec still arrives as UTF-8
    assert kubectl(clab, tmp_path, "cp", f"{pod}:/tmp/text.txt", "back.txt")[0] == 0
    assert kubectl(clab, tmp_path, "cp", f"{pod}:/tmp/bin.dat", "back.dat")[0] == 0
    assert (tmp_path / "back.txt").read_bytes() == TEXT
    assert (tmp_path / "back.dat").read_bytes() == BINARY


def test_a_directory_and_back(clab, tmp_path):
    (tmp_path / "dir/sub").mkdir(parents=True)
    (tmp_path / "dir/a.txt").write_bytes(TEXT)
    (tmp_path / "dir/sub/b.dat").write_bytes(BINARY)
    (tmp_path / "dir/empty").mkdir()
    assert kubectl(clab, tmp_path, "cp", "./dir", "cpbox:/tmp/dir") == (0, "", "")
    assert kubectl(clab, tmp_path, "exec", "cpbox", "--", "ls", "/tmp/dir") == (0, "a.txt\nempty\nsub\n", "")
    assert kubectl(clab, tmp_path, "cp", "cpbox:/tmp/dir", "./copy") == (0, LEADING, "")
    got = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert got == ["a.txt", "empty", "sub", "sub/b.dat"]
    assert (tmp_path / "copy/a.txt").read_bytes() == TEXT
    assert (tmp_path / "copy/sub/b.dat").read_bytes() == BINARY


def test_errors_as_the_in_process_kubectl_prints_them(clab, tmp_path, monkeypatch):
    (tmp_path / "f").write_text("x")
    monkeypatch.chdir(tmp_path)
    for line in ("cp cpbox:/nope y", "cp f cpbox:/nodir/x", "cp f cpweb:/nodir/x", "cp cpbare:/etc/hostname z",
                 "cp f cpbare:/x", "cp nope cpbox:/x", "cp ghost:/x y", "cp cpbox:/a cpweb:/b", "cp cpbox: x"):
        real = kubectl(clab, tmp_path, *line.split())
        with clab.paused():
            r = clab.cluster.kubectl(line)
        assert (r.exit_code, r.stdout, r.stderr) == real, line
    assert kubectl(clab, tmp_path, "cp", "cpbox:/nope", "y") == (
        0, LEADING + "tar: /nope: No such file or directory\ntar: error exit delayed from previous errors\n", "")
    assert kubectl(clab, tmp_path, "cp", "f", "cpbare:/x")[2].endswith(
        'exec: "tar": executable file not found in $PATH: unknown\n')
