"""The official ``kubernetes`` Python client against the served cluster (CoreV1Api, AppsV1Api,
watch.Watch, DynamicClient)."""
from __future__ import annotations

import threading
import time

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the official kubernetes client is a dev extra")
from kubernetes import client, config, dynamic, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402


@pytest.fixture(scope="module")
def api(lab):
    return config.new_client_from_config(config_file=lab.server.kubeconfig_path)


def _deployment(name: str, replicas: int = 1, image: str = "nginx:1.25") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}}}}


def test_version_and_nodes(api):
    assert client.VersionApi(api).get_code().minor == "32"
    names = [n.metadata.name for n in client.CoreV1Api(api).list_node().items]
    assert names == ["kind-control-plane", "kind-worker", "kind-worker2"]


def test_core_v1_crud_and_errors(api):
    v1 = client.CoreV1Api(api)
    cm = v1.create_namespaced_config_map("default", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="py-cm", labels={"src": "py"}), data={"a": "1"}))
    assert cm.metadata.uid and cm.data == {"a": "1"}
    with pytest.raises(ApiException) as exc:
        v1.create_namespaced_config_map("default", {"metadata": {"name": "py-cm"}})
    assert exc.value.status == 409
    assert '"reason":"AlreadyExists"' in exc.value.body
    cm.data["b"] = "2"
    replaced = v1.replace_namespaced_config_map("py-cm", "default", cm)
    assert replaced.data == {"a": "1", "b": "2"}
    patched = v1.patch_namespaced_config_map("py-cm", "default", {"data": {"c": "3"}})
    assert patched.data == {"a": "1", "b": "2", "c": "3"}
    listed = v1.list_namespaced_config_map("default", label_selector="src=py")
    assert [i.metadata.name for i in listed.items] == ["py-cm"]
    v1.delete_namespaced_config_map("py-cm", "default", grace_period_seconds=0)
    with pytest.raises(ApiException) as exc:
        v1.read_namespaced_config_map("py-cm", "default")
    assert exc.value.status == 404


def test_apps_v1_scale_and_json_patch(api):
    apps = client.AppsV1Api(api)
    dep = apps.create_namespaced_deployment("default", _deployment("py-web"))
    assert dep.spec.strategy.type == "RollingUpdate" and dep.spec.revision_history_limit == 10
    scale = apps.patch_namespaced_deployment_scale("py-web", "default", {"spec": {"replicas": 3}})
    assert scale.kind == "Scale" and scale.spec.replicas == 3 and scale.status.selector == "app=py-web"
    assert apps.read_namespaced_deployment_scale("py-web", "default").spec.replicas == 3
    dep = apps.patch_namespaced_deployment("py-web", "default",
                                           [{"op": "replace", "path": "/spec/replicas", "value": 2}])
    assert dep.spec.replicas == 2
    dep = apps.patch_namespaced_deployment("py-web", "default", {"spec": {"template": {"spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
    assert [c.image for c in dep.spec.template.spec.containers] == ["nginx:1.27"]
    apps.delete_namespaced_deployment("py-web", "default")


def test_watch_stream(api):
    v1 = client.CoreV1Api(api)

    def churn():
        time.sleep(0.5)
        v1.create_namespaced_config_map("default", {"metadata": {"name": "py-watched"}, "data": {"x": "1"}})
        v1.patch_namespaced_config_map("py-watched", "default", {"data": {"x": "2"}})
        v1.delete_namespaced_config_map("py-watched", "default")

    t = threading.Thread(target=churn)
    t.start()
    seen = []
    for event in watch.Watch().stream(v1.list_namespaced_config_map, "default", timeout_seconds=3):
        if event["object"].metadata.name == "py-watched":
            seen.append((event["type"], event["object"].data))
        else:
            assert event["type"] == "ADDED"       # the synthetic events for what already exists
    t.join()
    assert seen == [("ADDED", {"x": "1"}), ("MODIFIED", {"x": "2"}), ("DELETED", {"x": "2"})]


def test_dynamic_client(api):
    dc = dynamic.DynamicClient(api)
    deployments = dc.resources.get(api_version="apps/v1", kind="Deployment")
    deployments.create(body=_deployment("py-dyn", 2), namespace="default")
    got = deployments.get(name="py-dyn", namespace="default")
    assert got.spec.replicas == 2
    pods = dc.resources.get(api_version="v1", kind="Pod")
    assert pods.namespaced is True and "po" in pods.short_names
    names = [i.metadata.name for i in deployments.get(namespace="default").items]
    assert "py-dyn" in names
    deployments.patch(name="py-dyn", namespace="default", body={"spec": {"replicas": 1}},
                      content_type="application/merge-patch+json")
    assert deployments.get(name="py-dyn", namespace="default").spec.replicas == 1
    deployments.delete(name="py-dyn", namespace="default")
