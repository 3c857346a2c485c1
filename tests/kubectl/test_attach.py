"""The in-process ``kubectl attach`` (k8s.io/kubectl/pkg/cmd/attach, v1.32) and the stdin of
``kubectl run -i``: messages, refusals, the default container, output from now on."""
from __future__ import annotations

import pytest

from kube_lab import Cluster

HINT = "If you don't see a command prompt, try pressing enter.\n"
TWO = """apiVersion: v1
kind: Pod
metadata:
  name: two
  annotations: ANNOTATIONS
spec:
  containers:
  - {name: main, image: busybox:1.36, command: [sh, -c, 'while true; do echo main; sleep 20; done']}
  - {name: side, image: busybox:1.36, command: [sh, -c, 'while true; do echo side; sleep 20; done']}
"""


@pytest.fixture(scope="module")
def c():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run ticker --image=busybox:1.36 -- sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 10; done'")
    c.kubectl("run term --image=busybox:1.36 -i -t -- sh")
    c.kubectl("run done --image=busybox:1.36 --restart=Never -- true")
    c.kubectl("create deployment web --image=busybox:1.36 -- sh -c 'while true; do echo web; sleep 30; done'")
    c.apply(TWO.replace("ANNOTATIONS", "{}"))
    c.apply(TWO.replace("name: two", "name: annotated").replace(
        "ANNOTATIONS", "{kubectl.kubernetes.io/default-container: side}"))
    c.run(35)
    return c


def test_attach_streams_what_the_container_writes_from_now_on(c):
    before = c.kubectl("logs ticker").stdout
    start = c.now
    r = c.kubectl("attach ticker")
    assert (r.exit_code, r.stderr) == (0, HINT)
    last = int(before.splitlines()[-1].split()[1])
    # what was logged before the attach is not repeated; 60 virtual seconds of ticks follow
    assert r.stdout == "".join(f"tick {n}\n" for n in range(last + 1, last + 7))
    assert c.now == start + 60
    r = c.kubectl("attach pods ticker -q --request-timeout=15s")       # TYPE NAME, quiet
    assert r.stderr == "" and r.stdout.startswith(f"tick {last + 7}\n") and len(r.stdout.splitlines()) <= 2


def test_attach_warnings_about_terminals(c):
    r = c.kubectl("attach ticker -t --request-timeout=1s")
    assert r.stderr == "error: Unable to use a TTY - container ticker did not allocate one\n" + HINT
    assert r.exit_code == 0
    r = c.kubectl("attach ticker -t -q --request-timeout=1s")
    assert r.stderr == ""
    # a container started with a terminal is attached with one; a notebook's stdin is not one
    r = c.kubectl("attach term -i --request-timeout=1s", stdin="")
    assert r.stderr == "Unable to use a TTY - input is not a terminal or the right kind of file\n" + HINT


def test_attach_i_types_into_a_terminal_and_detaching_keeps_the_shell(c):
    r = c.kubectl("attach term -it", stdin="X=5\necho $((X * 2))\n")
    assert r.exit_code == 0
    assert r.stdout == "X=5\necho $((X * 2))\n/ # 10\n/ # "        # the terminal's echo, then the output
    r = c.kubectl("attach term -i", stdin="echo $X; hostname\n")   # the same shell, still waiting
    assert r.stdout == "echo $X; hostname\n5\nterm\n/ # "
    assert "/ # X=5\n" in c.kubectl("logs term").stdout                   # a terminal's session is logged


def test_attach_to_a_completed_pod_and_other_refusals(c):
    r = c.kubectl("attach done")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", "error: cannot attach a container in a completed pod; current phase is Succeeded\n")
    assert c.kubectl("attach").stderr == "error: at least 1 argument is required for attach\n"
    assert c.kubectl("attach a b c").stderr == ("error: expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) "
                                                "saw 3: [a b c]\n")
    assert c.kubectl("attach ghost").stderr == 'Error from server (NotFound): pods "ghost" not found\n'
    assert c.kubectl("attach ticker -c nope").stderr == ("error: cannot attach to the container: container nope "
                                                         "not found in pod ticker\n")
    assert c.kubectl("attach ticker --pod-running-timeout=0").stderr == (
        "error: --pod-running-timeout must be higher than zero\nSee 'kubectl attach -h' for help and examples\n")
    assert c.kubectl("attach configmap/kube-root-ca.crt").stderr == (
        "error: cannot attach to *v1.ConfigMap: selector for *v1.ConfigMap not implemented\n")


def test_attach_picks_the_default_container_and_types_of_objects(c):
    r = c.kubectl("attach two --request-timeout=21s")
    assert r.stderr == 'Defaulted container "main" out of: main, side\n' + HINT
    assert r.stdout == "main\n"
    r = c.kubectl("attach two -c side --request-timeout=21s")
    assert (r.stdout, r.stderr) == ("side\n", HINT)
    r = c.kubectl("attach annotated --request-timeout=21s")
    assert (r.stdout, r.stderr) == ("side\n", HINT)
    r = c.kubectl("attach deployment/web -q --request-timeout=31s")
    assert (r.stdout, r.stderr, r.exit_code) == ("web\n", "", 0)
    r = c.kubectl("attach deployment web -q --request-timeout=31s")
    assert r.stdout == "web\n"


def test_attach_refused_by_the_kubelet_when_the_container_is_not_running():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run crash --image=busybox:1.36 -- sh -c 'exit 1'")
    c.run(12)        # restarting: the pod is Running, its container is not
    r = c.kubectl("attach crash")
    assert r.stderr == HINT + "error: unable to upgrade connection: container crash not found in pod crash_default\n"


def test_run_i_sends_stdin_to_the_container():
    c = Cluster(nodes=1, seed=0)
    r = c.kubectl("run s --image=busybox:1.36 --restart=Never --rm -i -- sh", stdin="echo $((6 * 7))\nhostname\n")
    assert (r.exit_code, r.stdout) == (0, '42\ns\npod "s" deleted\n')
    r = c.kubectl("run e --image=busybox:1.36 --restart=Never --rm -i -- sh")       # no stdin: end of file
    assert (r.exit_code, r.stdout) == (0, 'pod "e" deleted\n')
    r = c.kubectl("run f --image=busybox:1.36 --restart=Never -i -- sh -c 'read a b; echo $b $a; cat'",
                  stdin="x y\nrest\n")
    assert r.stdout == "y x\nrest\n"
    assert "\n  attach        Attach to a running container\n" in c.kubectl("--help").stdout
