"""``kubectl top node|pod`` against metrics-server (k8s.io/kubectl/pkg/cmd/top, pkg/metricsutil).

Outputs are compared exactly where the simulated usage is set by the test's own programs: a
``vish/stress -cpus 2`` under a 1-CPU limit burns exactly 1000m, ``polinux/stress --vm 1
--vm-bytes 150M`` holds 150 MiB plus its 1 MiB, an idle program uses 1m.
"""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster


@pytest.fixture(scope="module")
def metered():
    c = Cluster(nodes=2, seed=0, network_addons=False)
    before = c.kubectl("top node")
    c.install_metrics_server()
    c.run(1)
    unavailable = (c.kubectl("top node"), c.kubectl("top pod"))
    c.kubectl(["run", "hog", "--image=vish/stress", "--limits=cpu=1", "--", "-cpus", "2"])
    c.kubectl(["run", "mem", "--image=polinux/stress", "--", "stress", "--vm", "1", "--vm-bytes", "150M",
               "--vm-hang", "1"])
    c.run(40)
    c.before, c.unavailable = before, unavailable
    return c


def test_without_metrics_server_the_api_is_not_available():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    for cmd in ("top node", "top pod", "top pods -A"):
        r = c.kubectl(cmd)
        assert (r.stdout, r.stderr, r.exit_code) == ("", "error: Metrics API not available\n", 1)


def test_before_the_metrics_server_is_ready(metered):
    assert metered.before.stderr == "error: Metrics API not available\n"
    node, pod = metered.unavailable
    assert node.stderr == ("Error from server (ServiceUnavailable): the server is currently unable to handle the "
                           "request (get nodes.metrics.k8s.io)\n")
    assert pod.stderr == ("Error from server (ServiceUnavailable): the server is currently unable to handle the "
                          "request (get pods.metrics.k8s.io)\n")


def test_top_pod_table(metered):
    out = metered.kubectl("top pod").stdout
    assert out == ("NAME   CPU(cores)   MEMORY(bytes)   \n"
                   "hog    1000m        2Mi             \n"
                   "mem    1m           151Mi           \n")
    assert metered.kubectl("top pod hog --no-headers").stdout == "hog   1000m   2Mi   \n"


def test_top_pod_sort_containers_sum(metered):
    assert metered.kubectl("top pod --sort-by=memory").stdout.splitlines()[1].split() == ["mem", "1m", "151Mi"]
    assert metered.kubectl("top pod --sort-by=cpu").stdout.splitlines()[1].split() == ["hog", "1000m", "2Mi"]
    assert metered.kubectl("top pod --containers").stdout == (
        "POD   NAME   CPU(cores)   MEMORY(bytes)   \n"
        "hog   hog    1000m        2Mi             \n"
        "mem   mem    1m           151Mi           \n")
    assert metered.kubectl("top pod --sum").stdout == (
        "NAME   CPU(cores)   MEMORY(bytes)   \n"
        "hog    1000m        2Mi             \n"
        "mem    1m           151Mi           \n"
        "       ________     ________        \n"
        "       1001m        153Mi           \n")
    # upstream counts the sum's columns only when it prints headers
    assert metered.kubectl("top pod --sum --no-headers").stdout.splitlines()[-2:] == [
        "      ________   ________   ", "      1001m      153Mi      "]


def test_top_pod_all_namespaces(metered):
    lines = metered.kubectl("top pod -A").stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert [ln.split()[:2] for ln in lines[1:3]] == [["default", "hog"], ["default", "mem"]]
    assert re.fullmatch(r"kube-system\s+metrics-server-\w+-\w+\s+\d+m\s+\d+Mi\s+", lines[3])


def test_top_node(metered):
    lines = metered.kubectl("top node").stdout.splitlines()
    assert lines[0] == "NAME                 CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   "
    assert [ln.split()[0] for ln in lines[1:]] == ["kind-control-plane", "kind-worker", "kind-worker2"]
    for ln in lines[1:]:
        assert re.fullmatch(r"\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s+", ln)
    # the hog's node carries its 1000m of 4 cores: 25 %
    hog_node = metered.get("pods", "hog")["spec"]["nodeName"]
    row = next(ln.split() for ln in lines if ln.startswith(hog_node))
    assert int(row[1][:-1]) >= 1000 and row[2] == "25%"
    assert metered.kubectl("top node --sort-by=cpu").stdout.splitlines()[1].startswith(hog_node)
    one = metered.kubectl(f"top node {hog_node} --show-capacity").stdout.splitlines()
    assert len(one) == 2 and one[1].startswith(hog_node)


def test_argument_errors(metered):
    cases = {
        "top pod a b": "error: pod [NAME | -l label]\nSee 'kubectl top pod -h' for help and examples\n",
        "top node a b": "error: node [NAME | -l label]\nSee 'kubectl top node -h' for help and examples\n",
        "top pod --sort-by=name": "error: --sort-by accepts only cpu or memory\n",
        "top pod hog -l run=hog": "error: only one of NAME or selector can be provided\n",
        "top node kind-worker -l a=b": "error: only one of NAME or --selector can be provided\n",
        "top pod nope": 'Error from server (NotFound): pods "nope" not found\n',
        "top node nope": 'Error from server (NotFound): nodes "nope" not found\n',
    }
    for cmd, err in cases.items():
        r = metered.kubectl(cmd)
        assert (r.stderr, r.exit_code) == (err, 1), cmd


def test_young_pods_have_no_metrics_yet(metered):
    metered.kubectl("run young --image=nginx:1.25")
    metered.run(3)
    assert metered.kubectl("top pod young").stderr == \
        'Error from server (NotFound): pods.metrics.k8s.io "default/young" not found\n'
    assert metered.kubectl("top pod -l run=young").stderr == "error: metrics not available yet\n"
    r = metered.kubectl("top pod -n empty")
    assert (r.stdout, r.stderr, r.exit_code) == ("", "No resources found in empty namespace.\n", 0)
    metered.run(30)
    assert metered.kubectl("top pod young --no-headers").stdout.split()[:2] == ["young", "1m"]


def test_a_node_whose_kubelet_is_down_shows_unknown(metered):
    other = "kind-control-plane"        # no workload of the test runs there
    metered.node(other).stop_kubelet()
    metered.run(31)
    lines = metered.kubectl("top node").stdout.splitlines()
    assert lines[-1].split() == [other] + ["<unknown>"] * 4
    logs = metered.kubectl("logs -n kube-system deploy/metrics-server --tail=1").stdout
    ip = next(a["address"] for a in metered.get("nodes", other)["status"]["addresses"] if a["type"] == "InternalIP")
    assert logs.endswith(f'] "Failed to scrape node" err="Get \\"https://{ip}:10250/metrics/resource\\": dial tcp '
                         f'{ip}:10250: connect: connection refused" node="{other}"\n')
    metered.node(other).start_kubelet()
