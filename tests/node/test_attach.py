"""A container's stdin (``stdin``, ``stdinOnce``, ``tty``) and the kubelet's attach: what the main
process reads, who sees what it writes, and what ending a client's stdin does (containerd's rule)."""
import pytest

from kube_lab import Cluster
from kube_lab.api import errors

from .conftest import container, cstatus, kubelet, pod


def _cluster(*pods: dict) -> Cluster:
    c = Cluster(nodes=1, seed=0, network_addons=False)
    for p in pods:
        c.create(p)
    c.settle()
    return c


def _attach(c: Cluster, name: str = "", stdin: bool = True):
    seen: list[tuple[int, str]] = []
    name = name or c.list("pods")[0]["metadata"]["name"]
    a = kubelet(c).attach("default", name, None, lambda stream, text: seen.append((stream, text)), stdin=stdin)
    return a, seen


def test_without_stdin_a_shell_reads_end_of_file_and_exits():
    c = _cluster(pod("sh", [container("c", command=["sh"])], restartPolicy="Never"))
    assert cstatus(c, "sh")["state"]["terminated"]["reason"] == "Completed"


def test_a_shell_with_stdin_waits_for_input_and_the_cluster_still_settles():
    c = _cluster(pod("sh", [container("c", command=["sh"], stdin=True, tty=True)]))
    start = c.now
    c.run(600)                                  # virtual time passes; the shell is idle
    assert c.settle() >= start + 600
    assert "running" in cstatus(c, "sh")["state"]
    assert kubelet(c).logs("default", "sh") == "/ # \n"        # the prompt (an unfinished line)


def test_attached_clients_see_output_from_now_on_and_the_terminal_echo():
    c = _cluster(pod("sh", [container("c", command=["sh"], stdin=True, stdinOnce=True, tty=True)]))
    a, seen = _attach(c)
    assert a.tty and seen == []                 # the first prompt was written before we came
    watcher, watched = _attach(c, stdin=False)
    a.echo("hostname\r\n", c.now)
    a.stream.feed("hostname\n")
    c.run(1)
    assert "".join(t for _, t in seen) == "hostname\nsh\n/ # "
    assert watched == seen and {s for s, _ in seen} == {1}
    assert kubelet(c).logs("default", "sh") == "/ # hostname\nsh\n/ # \n"
    watcher.detach()


def test_stdin_once_with_a_terminal_keeps_stdin_open_for_the_next_attach():
    c = _cluster(pod("sh", [container("c", command=["sh"], stdin=True, stdinOnce=True, tty=True)]))
    a, _ = _attach(c)
    a.stream.feed("X=7\n")
    a.stdin_ended()                             # the client went away: only it is detached
    assert a.done
    c.run(5)
    b, seen = _attach(c)
    b.stream.feed("echo $X; exit 3\n")
    c.run(5)
    assert "".join(t for _, t in seen) == "7\n"
    assert b.done
    assert cstatus(c, "sh")["lastState"]["terminated"]["exitCode"] == 3


def test_stdin_once_without_a_terminal_closes_stdin_when_the_first_client_ends():
    c = _cluster(pod("cat", [container("c", command=["cat"], stdin=True, stdinOnce=True)], restartPolicy="Never"))
    a, seen = _attach(c)
    a.stream.feed("one\ntwo")
    c.run(1)
    assert seen == [(1, "one\n")]               # cat copies each line as it arrives
    a.stdin_ended()
    assert not a.detached                       # still attached: output until the container exits
    c.run(5)
    assert seen == [(1, "one\n"), (1, "two")] and a.done
    assert c.get("pod", "cat")["status"]["phase"] == "Succeeded"


def test_without_stdin_once_the_stream_stays_open_and_filters_wait_for_end_of_file():
    c = _cluster(pod("wc", [container("c", command=["sh", "-c", "while read l; do echo got $l; done"],
                                      stdin=True)]))
    a, seen = _attach(c)
    a.stream.feed("a b\n")
    c.run(1)
    a.stdin_ended()
    assert a.done and seen == [(1, "got a b\n")]
    b, seen = _attach(c)
    b.stream.feed("c\n")
    c.run(1)
    assert seen == [(1, "got c\n")]
    assert cstatus(c, "wc")["restartCount"] == 0


def test_an_interactive_shell_reads_a_command_spanning_lines():
    c = _cluster(pod("sh", [container("c", command=["sh"], stdin=True, tty=True)]))
    a, seen = _attach(c)
    for line in ("for i in 1 2; do\n", "echo $i\n", "done\n"):
        a.stream.feed(line)
        c.run(1)
    assert "".join(t for _, t in seen) == "> > 1\n2\n/ # "


def test_attach_refusals():
    c = _cluster(pod("done", [container("c", command=["true"])], restartPolicy="Never"),
                 pod("two", [container("a", command=["sleep", "3600"]), container("b", command=["sleep", "3600"])]))
    with pytest.raises(errors.StatusError) as e:
        _attach(c, "done")
    assert e.value.message == "unable to upgrade connection: container c not found in pod done_default"
    with pytest.raises(errors.StatusError) as e:
        kubelet(c).attach("default", "two", "z", lambda *_: None)
    assert e.value.message == "container z is not valid for pod two"
    a = kubelet(c).attach("default", "two", "b", lambda *_: None, stdin=True)
    assert a.stream is None                     # no stdin in the spec: the client's is ignored
    a.stdin_ended()
    assert not a.done
