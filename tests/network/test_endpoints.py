"""The Endpoints and EndpointSlice controllers (and EndpointSlice mirroring)."""


def web(lab, **extra):
    spec = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    spec.update(extra)
    return lab.service("web", spec, labels={"app": "web"})


def slice_endpoints(lab, name="web"):
    out = {}
    for s in lab.slices(name):
        for ep in s.get("endpoints") or ():
            out[ep["targetRef"]["name"]] = ep
    return out


def test_endpoints_split_ready_and_not_ready_with_named_port_resolved(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.pod("web-b", "node-2", "10.244.2.2", {"app": "web"})
    lab.pod("web-c", "node-1", "10.244.1.3", {"app": "web"}, ready=False)
    lab.pod("other", "node-1", "10.244.1.4", {"app": "other"})
    lab.run()
    ep = lab.cluster.get("endpoints", "web")
    assert ep["metadata"]["labels"] == {"app": "web"}
    [subset] = ep["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.1.2", "10.244.2.2"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.244.1.3"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    a = subset["addresses"][0]
    assert a["nodeName"] == "node-1"
    assert a["targetRef"] == {"kind": "Pod", "namespace": "default", "name": "web-a",
                              "uid": lab.cluster.get("pods", "web-a")["metadata"]["uid"]}
    assert "endpoints.kubernetes.io/last-change-trigger-time" in ep["metadata"]["annotations"]


def test_endpointslice_shape(lab):
    svc = web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.pod("web-c", "node-1", "10.244.1.3", {"app": "web"}, ready=False)
    lab.run()
    [s] = lab.slices("web")
    md = s["metadata"]
    assert md["generateName"] == "web-" and md["name"].startswith("web-") and len(md["name"]) == 9
    assert md["labels"] == {"app": "web", "kubernetes.io/service-name": "web",
                            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert md["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "web",
                                      "uid": svc["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    assert s["addressType"] == "IPv4"
    assert s["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    eps = slice_endpoints(lab)
    assert eps["web-a"]["addresses"] == ["10.244.1.2"]
    assert eps["web-a"]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert eps["web-c"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert eps["web-a"]["nodeName"] == "node-1"
    assert eps["web-a"]["targetRef"]["kind"] == "Pod"


def test_named_target_port_resolved_per_pod(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.pod("web-b", "node-2", "10.244.2.2", {"app": "web"}, ports=[{"containerPort": 9090, "name": "http"}])
    lab.run()
    by_port = {s["ports"][0]["port"]: [e["addresses"][0] for e in s["endpoints"]] for s in lab.slices("web")}
    assert by_port == {8080: ["10.244.1.2"], 9090: ["10.244.2.2"]}
    subsets = lab.cluster.get("endpoints", "web")["subsets"]
    assert sorted((s["ports"][0]["port"], s["addresses"][0]["ip"]) for s in subsets) == \
        [(8080, "10.244.1.2"), (9090, "10.244.2.2")]


def test_pod_without_the_named_port_is_left_out(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"}, ports=[{"containerPort": 80, "name": "web"}])
    lab.run()
    [s] = lab.slices("web")
    assert s["ports"] is None and s["endpoints"][0]["addresses"] == ["10.244.1.2"]
    assert "subsets" not in lab.cluster.get("endpoints", "web")


def test_deleting_a_pod_takes_it_out_of_ready_endpoints_at_once(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.pod("web-b", "node-2", "10.244.2.2", {"app": "web"})
    lab.run()
    deleted = lab.api.delete("pods", "web-a", "default")
    assert deleted["metadata"]["deletionGracePeriodSeconds"] == 30      # still terminating …
    lab.run(0.01)                                                         # … but endpoints follow now
    assert lab.cluster.get("pods", "web-a")["metadata"]["deletionTimestamp"]
    eps = slice_endpoints(lab)
    assert eps["web-a"]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    assert eps["web-b"]["conditions"]["ready"] is True
    subset = lab.cluster.get("endpoints", "web")["subsets"][0]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.2.2"]
    assert "notReadyAddresses" not in subset
    # serving follows readiness while terminating
    lab.set_ready("web-a", False)
    lab.run(0.01)
    assert slice_endpoints(lab)["web-a"]["conditions"] == {"ready": False, "serving": False, "terminating": True}


def test_publish_not_ready_addresses(lab):
    web(lab, publishNotReadyAddresses=True)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"}, ready=False)
    lab.run()
    assert slice_endpoints(lab)["web-a"]["conditions"] == {"ready": True, "serving": False, "terminating": False}
    assert [a["ip"] for a in lab.cluster.get("endpoints", "web")["subsets"][0]["addresses"]] == ["10.244.1.2"]


def test_headless_label_and_hostname_for_subdomain_pods(lab):
    lab.service("nginx", {"clusterIP": "None", "selector": {"app": "nginx"}, "ports": [{"name": "web", "port": 80}]})
    lab.pod("web-0", "node-1", "10.244.1.2", {"app": "nginx"}, hostname="web-0", subdomain="nginx")
    lab.pod("stray", "node-1", "10.244.1.3", {"app": "nginx"}, hostname="stray", subdomain="other")
    lab.run()
    [s] = lab.slices("nginx")
    assert s["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    eps = slice_endpoints(lab, "nginx")
    assert eps["web-0"]["hostname"] == "web-0" and "hostname" not in eps["stray"]
    ep = lab.cluster.get("endpoints", "nginx")
    assert ep["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    assert [a.get("hostname") for a in ep["subsets"][0]["addresses"]] == ["web-0", None]


def test_service_without_pods_keeps_a_placeholder_slice(lab):
    web(lab)
    lab.run()
    [s] = lab.slices("web")
    assert s["endpoints"] is None and s["ports"] is None
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.run()
    [s2] = lab.slices("web")
    assert s2["metadata"]["name"] == s["metadata"]["name"]             # the placeholder is reused
    assert s2["endpoints"][0]["addresses"] == ["10.244.1.2"]


def test_at_most_100_endpoints_per_slice(lab):
    web(lab)
    for i in range(150):
        lab.pod(f"web-{i:03d}", "node-1", f"10.244.1.{i + 2}", {"app": "web"})
    lab.run()
    sizes = sorted(len(s["endpoints"]) for s in lab.slices("web"))
    assert sizes == [50, 100]


def test_service_deleted_removes_endpoints_and_slices(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.run()
    lab.api.delete("services", "web", "default")
    lab.run()
    assert lab.cluster.list("endpoints", "default", selector="app=web") == []
    assert lab.slices("web") == []


def test_external_name_and_selectorless_services_get_no_controller_endpoints(lab):
    lab.service("db", {"type": "ExternalName", "externalName": "db.example.com"})
    lab.service("manual", {"ports": [{"port": 5432}]})
    lab.run()
    names = [e["metadata"]["name"] for e in lab.cluster.list("endpoints", "default")]
    assert "db" not in names and "manual" not in names
    assert lab.slices("db") == [] and lab.slices("manual") == []


def test_manual_endpoints_are_mirrored_into_a_slice(lab):
    lab.service("manual", {"ports": [{"name": "pg", "port": 5432}]})
    lab.api.create("endpoints", {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "manual"},
                                 "subsets": [{"addresses": [{"ip": "192.168.1.10"}],
                                              "notReadyAddresses": [{"ip": "192.168.1.11"}],
                                              "ports": [{"name": "pg", "port": 5432}]}]}, "default")
    lab.run()
    [s] = lab.slices("manual")
    assert s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    assert s["metadata"]["ownerReferences"][0]["kind"] == "Endpoints"
    assert [(e["addresses"], e["conditions"]) for e in s["endpoints"]] == \
        [(["192.168.1.10"], {"ready": True}), (["192.168.1.11"], {"ready": False})]
    assert s["ports"] == [{"name": "pg", "port": 5432, "protocol": "TCP"}]


def test_a_slice_deleted_by_hand_is_recreated(lab):
    web(lab)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    lab.run()
    [s] = lab.slices("web")
    lab.api.delete("endpointslices", s["metadata"]["name"], "default")
    lab.run()
    [again] = lab.slices("web")
    assert again["metadata"]["name"] != s["metadata"]["name"]
    assert again["endpoints"][0]["addresses"] == ["10.244.1.2"]
