"""The small shell and utilities of the simulated images (busybox ash and Debian's dash)."""
import pytest

from kube_lab import Cluster

from .conftest import container, pod


@pytest.fixture(scope="module")
def box():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create(pod("bb", [container("bb", "busybox:1.36", command=["sleep", "3600"])]))
    c.create(pod("deb", [container("deb", "debian:bookworm", command=["sleep", "infinity"])]))
    c.run(10)
    k = c.node("kind-worker").kubelet

    def run(script: str, name: str = "bb"):
        return k.exec("default", name, None, ["sh", "-c", script])

    run.cluster = c
    return run


@pytest.mark.parametrize("script,out", [
    ("echo a; echo b", "a\nb\n"),
    ("true && echo yes || echo no", "yes\n"),
    ("false && echo yes || echo no", "no\n"),
    ("for i in 1 2 3; do echo $i; done", "1\n2\n3\n"),
    ("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i", "3\n"),
    ("n=0; until [ $n -ge 2 ]; do n=$((n+1)); echo loop; done", "loop\nloop\n"),
    ("if [ -f /etc/passwd ]; then echo file; else echo none; fi", "file\n"),
    ("x=world; echo \"hello $x\" 'and $x'", "hello world and $x\n"),
    ("echo ${UNSET:-fallback} ${#HOSTNAME}", "fallback 2\n"),
    ("echo $(echo inner) `echo back`", "inner back\n"),
    ("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f", "one\ntwo\n"),
    ("echo hidden 2>/dev/null >/dev/null; echo shown", "shown\n"),
    ("echo a b c | wc -w", "3\n"),
    ("printf '%s-%d\\n' x 5", "x-5\n"),
    ("seq 3 | tail -n 1", "3\n"),
    ("seq 5 | head -2; seq 5 | tail -1", "1\n2\n5\n"),          # the historical -NUM spelling
    ("touch /tmp/t; ls /tmp/t", "/tmp/t\n"),
    ("mkdir -p /tmp/a/b && ls /tmp/a", "b\n"),
    ("echo $((7 * 6)) $((10 / 3)) $((10 % 3))", "42 3 1\n"),
    ("exit 3; echo never", ""),
    ("{ echo grouped; }; (echo sub; exit 1); echo $?", "grouped\nsub\n1\n"),
    ("hostname; hostname -i | cut -d. -f1-3", "bb\n10.244.1\n"),
    ("echo c b a | tr ' ' '\\n' | sort", "a\nb\nc\n"),
    ("date +%Y-%m-%d", "2025-01-01\n"),
])
def test_shell_scripts(box, script, out):
    assert box(script)[0] == out


def test_exit_status_and_stderr(box):
    assert box("exit 3") == ("", "", 3)
    assert box("cat /tmp/healthy") == ("", "cat: can't open '/tmp/healthy': No such file or directory\n", 1)
    assert box("nope") == ("", "sh: nope: not found\n", 127)
    assert box("rm /nope") == ("", "rm: can't remove '/nope': No such file or directory\n", 1)
    assert box("rm -f /nope") == ("", "", 0)
    assert box("ls /nope") == ("", "ls: /nope: No such file or directory\n", 1)
    assert box("echo x > /no/dir/f")[1:] == ("sh: can't create /no/dir/f: nonexistent directory\n", 1)
    assert box("sleep x") == ("", "sleep: invalid number 'x'\n", 1)


def test_debian_tools_speak_gnu(box):
    assert box("cat /tmp/x", "deb") == ("", "cat: /tmp/x: No such file or directory\n", 1)
    assert box("ls /nope", "deb") == ("", "ls: cannot access '/nope': No such file or directory\n", 2)
    assert box("nope", "deb") == ("", "sh: 1: nope: not found\n", 127)
    assert box("wget -qO- http://x", "deb")[1] == "sh: 1: wget: not found\n"     # not in the Debian image
    assert box("echo 'a\\tb'", "deb")[0] == "a\tb\n"                           # dash's echo interprets escapes


def test_sleep_takes_virtual_time(box):
    c = box.cluster
    before = c.now
    assert box("sleep 2; echo done")[0] == "done\n"
    assert c.now - before == pytest.approx(2.0, abs=0.05)


def test_env_and_export(box):
    out = box("export GREETING=hi; env | grep GREETING; NOTEXPORTED=1; env | grep -c NOTEXPORTED")[0]
    assert out == "GREETING=hi\n0\n"


def test_nslookup_without_a_dns_server_times_out_like_busybox(box):
    c = box.cluster
    before = c.now
    out, err, code = box("nslookup kubernetes.default")
    assert (out, code) == (";; connection timed out; no servers could be reached\n\n", 1)
    assert c.now - before == pytest.approx(10.0, abs=0.1)


def test_nslookup_in_busybox_1_28_prints_the_old_format():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create(pod("old", [container("bb", "busybox:1.28", command=["sleep", "3600"])]))
    c.run(5)
    out, err, code = c.node("kind-worker").kubelet.exec("default", "old", None, ["nslookup", "myservice"])
    assert out == "Server:    10.96.0.10\nAddress 1: 10.96.0.10\n\n"
    assert err == "nslookup: can't resolve 'myservice'\n" and code == 1


def test_wget_bad_address(box):
    out, err, code = box("wget -qO- http://myservice/")
    assert (err, code) == ("wget: bad address 'myservice'\n", 1)


def test_trap_runs_on_sigterm_between_commands():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    script = "trap 'echo caught; exit 0' TERM; while true; do sleep 1; done"
    c.create(pod("t", [container("c", command=["sh", "-c", script])]))
    c.run(5)
    c.delete("pod", "t")
    c.run(3)
    assert c.list("pods") == []
    rt = c.node("kind-worker").runtime
    inst = [x for x in rt.containers.values() if x.name == "c"]
    assert inst == [] or inst[0].exit_code == 0


def test_kill_pid_1_from_inside_is_ignored(box):
    out, err, code = box("kill 1; kill -9 1; echo still here")
    assert out == "still here\n"
    assert box("ps")[0].splitlines()[1].split()[:2] == ["1", "root"]


def test_an_interactive_shell_keeps_its_state_between_lines():
    # what `kubectl exec -it POD -- sh` drives: one shell reading lines from a terminal
    from kube_lab.node.runtime import StdinStream

    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create(pod("bb", [container("bb", "busybox:1.36", command=["sleep", "3600"])]))
    c.run(10)
    k = c.node("kind-worker").kubelet
    stdin = StdinStream(c.loop, tty=True)
    seen = []
    fut = k.exec_async("default", "bb", None, ["sh"], stdin, lambda ch, text: seen.append((ch, text)))
    for line in ("cd /etc\n", "X=1; echo $X $PWD\n", "ls nope\n"):
        stdin.feed(line)
        c.run(0.1)
    assert not fut.done
    stdin.close()                       # Ctrl-D
    c.run(0.1)
    assert fut.done and fut.result[2] == 1          # the status of the last command
    assert "".join(t for ch, t in seen if ch == 1) == "/ # /etc # 1 /etc\n/etc # /etc # "
    assert seen[-2:] == [(2, "ls: nope: No such file or directory\n"), (1, "/etc # ")]


def test_the_bootcamp_image_has_curl():
    # the Kubernetes Basics tutorial curls the app from inside its own container
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.kubectl("create deployment boot --image=gcr.io/google-samples/kubernetes-bootcamp:v1")
    c.run(20)
    name = c.list("pods")[0]["metadata"]["name"]
    r = c.kubectl(f"exec {name} -- curl -s http://localhost:8080")
    assert r.stdout == f"Hello Kubernetes bootcamp! | Running on: {name} | v=1\n"
