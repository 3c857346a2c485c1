"""kubectl_requests shows the REST requests kubectl really made, read from the request trace."""
from kube_lab import Cluster
from kube_lab.viz import kubectl_requests
from kube_lab.viz.requests import api_requests


def test_each_command_maps_to_its_requests_with_upstream_rest_paths():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("create deployment web --image=nginx:1.25")
    m = kubectl_requests(c, ["get pods", "label deployment web tier=web", "apply -f -", "get nodes kind-worker",
                             "delete configmap nope"],
                         stdin={"apply -f -": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"})
    assert [r.exit_code for r in m.results] == [0, 0, 0, 0, 1]
    assert [[str(r) for r in reqs] for reqs in m.requests] == [
        ["GET /api/v1/namespaces/default/pods"],
        ["GET /apis/apps/v1/namespaces/default/deployments/web",
         "PATCH /apis/apps/v1/namespaces/default/deployments/web"],
        ["GET /api/v1/namespaces/default/configmaps/x  → 404", "POST /api/v1/namespaces/default/configmaps"],
        ["GET /api/v1/nodes/kind-worker"],
        ["DELETE /api/v1/namespaces/default/configmaps/nope  → 404"],
    ]
    text = repr(m)
    assert text.startswith("<kubectl requests: 5 commands, 7 API requests>\n$ kubectl get pods\n")
    assert "$ kubectl delete configmap nope   (exit code 1)" in text
    assert m._repr_mimebundle_()["image/png"]           # the picture renders


def test_other_clients_are_left_out_and_watches_are_marked():
    c = Cluster(nodes=1, seed=0)
    mark = c.trace.mark()
    c.kubectl("create deployment web --image=nginx:1.25")
    c.kubectl("rollout status deployment/web")
    reqs = api_requests(c, mark)
    assert [str(r) for r in reqs] == ["POST /apis/apps/v1/namespaces/default/deployments",
                                      "GET /apis/apps/v1/namespaces/default/deployments/web",
                                      "GET /apis/apps/v1/namespaces/default/deployments?watch=true"]
    assert {r.method for r in api_requests(c, mark, component="kube-controller-manager")} >= {"POST", "PUT"}
