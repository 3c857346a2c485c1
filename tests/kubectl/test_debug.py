"""``kubectl debug`` (k8s.io/kubectl/pkg/cmd/debug, v1.32): ephemeral containers, pod copies and
node debugging pods, with upstream's profiles — compared with the real kubectl on the same
objects, and run end to end on a live cluster (the kubelet starts ephemeral containers, a
``--target`` shares the target's process namespace)."""
from __future__ import annotations

import json
import re
import time

import pytest

from kube_lab import Cluster
from kube_lab.kubectl import Kubectl

from .fixtures import ELAPSED, lab
from .oracle import LiveOracle, real_kubectl

SUFFIX = re.compile(r"\b(debugger|node-debugger-kind-worker)-[bcdfghjklmnpqrstvwxz2456789]{5}\b")

DEBUG_LINES = [
    "debug web-1 --image=busybox:1.36",
    "debug web-1 --image=busybox:1.36 --target=app --profile=general -- sleep 1d",
    "debug web-1 --image=busybox:1.36 -c dbg --profile=baseline --env=A=1",
    "debug web-1 --image=busybox:1.36 -c dbg2 --profile=restricted --image-pull-policy=Never --arguments-only -- -c hi",
    "debug web-1 --image=busybox:1.36 -c dbg3 --profile=netadmin -q",
    "debug web-1 --image=busybox:1.36 -c dbg4 --profile=sysadmin",
    "debug web-1 --copy-to=copy1 --image=busybox:1.36 --profile=general -c x",
    "debug web-1 --copy-to=copy2 --set-image=app=nginx:1.26 --profile=legacy",
    "debug web-1 --copy-to=copy3 --image=busybox:1.36 --container=app --profile=baseline --share-processes=false -- sh",
    "debug web-1 --copy-to=copy4 --image=busybox:1.36 --profile=restricted --keep-labels --same-node",
    "debug node/kind-worker --image=busybox:1.36 --profile=sysadmin -c nd",
    "debug node/kind-worker --image=busybox:1.36 --profile=netadmin",
    "debug node/kind-worker --image=busybox:1.36",
    # refusals
    "debug web-1", "debug web-1 --image=busybox --replace", "debug web-1 --image=busybox --same-node",
    "debug web-1 --image=busybox --set-image=a=b", "debug web-1 --image=busybox -t",
    "debug web-1 --image=busybox --target=app --copy-to=x", "debug web-1 --image=busybox --profile=nope",
    "debug --image=busybox", "debug web-1 --image=busybox --image-pull-policy=Sometimes",
    "debug web-1 --image=Busy:box", "debug nope --image=busybox:1.36",
    "debug web-1 --image=busybox:1.36 --target=nope --profile=general",
    "debug svc/web --image=busybox --profile=general", "debug web-1 --copy-to=c4 --profile=general",
    "debug web-1 --copy-to=c5 --profile=general -- sh", "debug web-1 -i --attach --profile=general",
]


def _masked(text: str) -> str:
    return SUFFIX.sub(r"\1-XXXXX", text)


def _debug_objects(cluster: Cluster) -> list:
    """What the debug commands made: every pod's ephemeral containers, and the new pods whole
    (without what the server assigns)."""
    out = []
    for p in cluster.list("pods"):
        md, spec = p["metadata"], dict(p["spec"])
        if md["name"] in ("web-1", "crash", "pending", "creating"):
            out.append((md["name"], spec.get("ephemeralContainers")))
            continue
        for vol in spec.get("volumes") or ():        # the service-account volume's generated name
            vol["name"] = re.sub(r"kube-api-access-\w{5}", "kube-api-access", vol["name"])
        for c in spec.get("containers") or ():
            for m in c.get("volumeMounts") or ():
                m["name"] = re.sub(r"kube-api-access-\w{5}", "kube-api-access", m["name"])
        out.append((md["name"], md.get("labels"), md.get("annotations"), spec))
    return sorted(json.loads(_masked(json.dumps(out, sort_keys=True))), key=lambda t: json.dumps(t, sort_keys=True))


@pytest.mark.skipif(real_kubectl() is None, reason="no kubectl v1.32 binary found: the differential test needs it")
def test_debug_matches_the_real_kubectl():
    start = int(time.time()) - ELAPSED
    theirs, mine = lab(start_time=start), lab(start_time=start)
    with LiveOracle(theirs) as oracle:
        report = oracle.mismatches(Kubectl(mine), DEBUG_LINES, _masked)
        with oracle.server.paused():
            made_by_real = _debug_objects(theirs)
    assert not report, report
    assert _debug_objects(mine) == made_by_real
    assert len(made_by_real) == 4 + 4 + 3                    # the four pods, four copies, three node pods


@pytest.fixture(scope="module")
def live():
    c = Cluster(nodes=2, seed=0)
    c.kubectl("run web --image=nginx:1.25")
    c.settle()
    return c


def test_an_ephemeral_container_runs_in_the_pod_and_sees_its_target(live):
    r = live.kubectl("debug web --image=busybox:1.36 --target=web --profile=general -c dbg -i -- ps")
    assert r.exit_code == 0, r.stderr
    # the debugger ran in the target's process namespace: nginx is PID 1, ps comes after
    lines = r.stdout.splitlines()
    assert lines[0] == ('Targeting container "web". If you don\'t see processes from this container it may be '
                        "because the container runtime doesn't support this feature.")
    assert lines[1].split() == ["PID", "USER", "TIME", "COMMAND"]
    assert lines[2].split()[0] == "1" and "nginx" in lines[2]
    assert lines[3].split()[0] != "1" and lines[3].endswith("ps")
    pod = live.get("pods", "web")
    st = pod["status"]["ephemeralContainerStatuses"][0]
    assert (st["name"], st["ready"], st["restartCount"]) == ("dbg", False, 0)
    assert st["state"]["terminated"]["reason"] == "Completed"
    assert "started" not in st
    # never restarted, and the pod's own readiness is untouched
    live.run(60)
    pod = live.get("pods", "web")
    assert pod["status"]["ephemeralContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert live.kubectl("get pod web").stdout.split("\n")[1].split()[1:3] == ["1/1", "Running"]
    assert "nginx" in live.kubectl("logs web -c dbg").stdout
    events = [e["message"] for e in live.list("events") if e["involvedObject"]["name"] == "web"
              and e["involvedObject"].get("fieldPath") == "spec.ephemeralContainers{dbg}"]
    assert "Started container dbg" in events


def test_a_debug_shell_keeps_running_and_can_be_used_with_exec(live):
    r = live.kubectl("debug web --image=busybox:1.36 --profile=general -c shell -it -- sh")
    assert r.exit_code == 0, r.stderr
    assert "If you don't see a command prompt, try pressing enter." in r.stderr
    live.run(5)
    st = next(s for s in live.get("pods", "web")["status"]["ephemeralContainerStatuses"] if s["name"] == "shell")
    assert "running" in st["state"]
    assert live.kubectl("exec web -c shell -- hostname").stdout == "web\n"
    # it shows in describe under its own heading
    assert "Ephemeral Containers:\n  dbg:" in live.kubectl("describe pod web").stdout


def test_node_debugging_pod_sees_the_node(live):
    r = live.kubectl("debug node/kind-worker --image=busybox:1.36 --profile=sysadmin -i -- hostname")
    assert r.exit_code == 0, r.stderr
    created, name = r.stdout.splitlines()[0], r.stdout.splitlines()[1]
    assert re.fullmatch(r"Creating debugging pod node-debugger-kind-worker-\w{5} with container debugger on node "
                        r"kind-worker\.", created)
    assert name == "kind-worker"                      # the host's network namespace: the node's hostname
    pod = live.get("pods", created.split()[3])
    assert pod["spec"]["hostNetwork"] and pod["spec"]["hostPID"] and pod["spec"]["nodeName"] == "kind-worker"
    assert pod["spec"]["containers"][0]["securityContext"] == {"privileged": True}
    assert {"mountPath": "/host", "name": "host-root"} in pod["spec"]["containers"][0]["volumeMounts"]


def test_ephemeral_containers_are_refused_for_static_pods(live):
    r = live.kubectl("debug -n kube-system etcd-kind-control-plane --image=busybox:1.36 --profile=general -c x")
    assert r.exit_code == 1
    assert r.stderr.endswith('The Pod "etcd-kind-control-plane" is invalid: : Forbidden: static pods do not support '
                             "ephemeral containers\n")
