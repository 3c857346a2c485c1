"""The message flow and the pod histories are read back from the trace and etcd's history."""
from kube_lab import Cluster
from kube_lab.viz import flow, history


def created_deployment(replicas=2):
    c = Cluster(nodes=2, seed=0)
    mark = c.trace.mark()
    c.kubectl(f"create deployment web --image=nginx:1.25 --replicas={replicas}")
    c.run(30)
    return c, mark


def test_every_message_goes_to_or_from_the_api_server():
    c, mark = created_deployment()
    msgs = flow.messages(c, since=mark, namespace="default")
    assert msgs and all("kube-apiserver" in (m.source, m.target) for m in msgs)
    assert all(m.target == "etcd" for m in msgs if m.kind == "store")
    assert all(m.source == "kube-apiserver" for m in msgs if m.kind == "watch")


def test_the_flow_of_kubectl_create_deployment_in_recorded_order():
    c, mark = created_deployment()
    msgs = flow.messages(c, since=mark, reads=False, namespace="default")
    assert (msgs[0].source, msgs[0].target, msgs[0].text) == ("kubectl", "kube-apiserver", "create deployments web")
    assert msgs[1].kind == "store" and msgs[1].text.startswith("write /registry/deployments/default/web (revision ")
    texts = [f"{m.source}>{m.target}:{m.text}" for m in msgs]
    def index(pred):
        return next(i for i, t in enumerate(texts) if pred(t))
    create = index(lambda t: t.startswith("kubectl>kube-apiserver:create deployments web"))
    rs = index(lambda t: t.startswith("kube-controller-manager>kube-apiserver:create replicasets web-"))
    pod = index(lambda t: t.startswith("kube-controller-manager>kube-apiserver:create pods web-"))
    bind = index(lambda t: t.startswith("kube-scheduler>kube-apiserver:create pods/binding web-"))
    status = index(lambda t: t.startswith("kubelet/") and ":patch pods/status web-" in t)
    assert create < rs < pod < bind < status
    # each component's first reaction is preceded by the watch event that woke it
    assert texts[rs - 1] == "kube-apiserver>kube-controller-manager:watch event ADDED deployments web"
    assert texts[bind - 1].startswith("kube-apiserver>kube-scheduler:watch event ADDED pods web-")
    # the trace's order is kept: sequence numbers never go back
    requests = [m.seq for m in msgs if m.kind == "request"]
    assert requests == sorted(requests)


def test_a_kubelet_only_hears_about_pods_on_its_node():
    c, mark = created_deployment()
    node_of = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in c.list("pods")}
    for m in flow.messages(c, since=mark, namespace="default"):
        if m.kind == "watch" and m.target.startswith("kubelet/") and " pods " in m.text:
            assert node_of[m.text.rsplit(" ", 1)[1]] == m.target.split("/", 1)[1]


def test_writes_name_their_etcd_key_and_revision():
    c, mark = created_deployment()
    stores = [m for m in flow.messages(c, since=mark) if m.kind == "store"]
    rv = c.get("deployment", "web")["metadata"]["resourceVersion"]
    assert any(m.text == f"write /registry/deployments/default/web (revision {rv})" for m in stores)


def test_pod_spans_replay_each_pod_from_etcd_history():
    c, _ = created_deployment(replicas=1)
    pod = c.list("pods")[0]["metadata"]["name"]
    c.kubectl(f"delete pod {pod} --wait=false")
    c.run(40)
    spans = history.pod_spans(c, selector="app=web")
    mine = [s for s in spans if s.row == pod]
    states = [s.state for s in mine]
    assert states[0] in ("Pending", "ContainerCreating") and "Running" in states and "Terminating" in states
    assert all(s.end is not None for s in mine)                        # it is gone now
    assert all(a.end == b.start for a, b in zip(mine, mine[1:]))       # one stretch after another
    replacement = [s for s in spans if s.row != pod]
    assert replacement and replacement[-1].state == "Running" and replacement[-1].end is None
    terminating = next(s for s in mine if s.state == "Terminating")
    assert replacement[0].start == terminating.start                    # created as the old one went
    assert history.pod_spans(c, selector="app=other") == []
