"""``Scheduler.explain``: what each plugin said about each node, as data and as a table."""
from __future__ import annotations

import json

import pytest

from kube_lab.api.meta import deep_copy

from conftest import Bare, pod


def small():
    b = Bare(3)
    body = deep_copy(b.get("nodes", "node-0000", None))
    body["spec"]["taints"] = [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]
    b.update("nodes", body)
    b.create(pod("filler", cpu="3500m", nodeSelector={"kubernetes.io/hostname": "node-0001"}))
    b.settle()
    return b


def test_per_node_filter_verdicts_in_plugin_order():
    b = small()
    b.create(pod("web", cpu="1"))
    b.settle()
    exp = b.scheduler.explain("web")
    assert (exp.result, exp.node, exp.num_all_nodes) == ("Scheduled", "node-0002", 3)
    n0, n1, n2 = (exp.node_result(n) for n in ("node-0000", "node-0001", "node-0002"))
    assert n0.filters == {"NodeUnschedulable": "passed", "NodeName": "passed",
                          "TaintToleration": "node(s) had untolerated taint {dedicated: db}",
                          "NodeResourcesFit": ""}               # not run: an earlier filter failed
    assert n1.filters["NodeResourcesFit"] == "Insufficient cpu" and not n1.feasible
    assert n2.feasible and n2.selected and n2.reason is None
    assert n0.reason == "TaintToleration: node(s) had untolerated taint {dedicated: db}"
    assert exp.pre_filter["NodeAffinity"] == "skip" and exp.pre_filter["NodeResourcesFit"] == "success"


def test_the_table():
    b = small()
    b.create(pod("web", cpu="1"))
    b.create(pod("db", cpu="1", tolerations=[{"key": "dedicated", "operator": "Exists"}]))
    b.settle()
    assert str(b.scheduler.explain("db")) == """\
Pod default/db (attempt 1 at t=0s, profile default-scheduler): scheduled on node-0000
3 node(s); 3 evaluated; 2 feasible

NODE       FILTER
node-0000  passed
node-0001  NodeResourcesFit: Insufficient cpu
node-0002  passed

SCORE                                 node-0000 *  node-0002
TaintToleration (×3)                  300          300
NodeAffinity (×2)                     skip         skip
NodeResourcesFit (×1)                 86           72
PodTopologySpread (×2)                skip         skip
InterPodAffinity (×2)                 skip         skip
NodeResourcesBalancedAllocation (×1)  87           75
ImageLocality (×1)                    0            0
TOTAL                                 473          447"""
    detail = b.scheduler.explain("db").score_table(detail=True)
    # cpu (4000 − 1000) / 4000 → 75, memory (8Gi − 200Mi) / 8Gi → 97: (75 + 97) // 2 = 86
    assert "NodeResourcesFit (×1)                 86→86×1=86   72→72×1=72" in detail


def test_unschedulable_explanation_and_history():
    b = small()
    b.create(pod("huge", cpu="8"))
    b.settle()
    exp = b.scheduler.explain("huge")
    assert exp.result == "Unschedulable" and exp.node is None
    assert exp.message == ("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, "
                           "2 Insufficient cpu. preemption: 0/3 nodes are available: "
                           "1 Preemption is not helpful for scheduling, "
                           "2 No preemption victims found for incoming pod.")
    assert exp.summary().splitlines()[-1] == f"FailedScheduling: {exp.message}"
    assert [n.total for n in exp.nodes] == [None, None, None]
    assert exp.preemption == {"plugin": "DefaultPreemption", "status": "Unschedulable",
                              "message": exp.message.split(". ", 1)[1], "nominated_node": None, "victims": []}
    assert len(b.scheduler.attempts("huge")) == 1
    with pytest.raises(LookupError, match='no scheduling attempt recorded for pod "default/nope"'):
        b.scheduler.explain("nope")


def test_simulator_annotations_and_dict():
    b = small()
    b.create(pod("web", cpu="1"))
    b.settle()
    exp = b.scheduler.explain("web")
    ann = exp.annotations()
    prefix = "kube-scheduler-simulator.sigs.k8s.io/"
    assert ann[prefix + "selected-node"] == "node-0002"
    filt = json.loads(ann[prefix + "filter-result"])
    assert filt["node-0000"]["TaintToleration"] == "node(s) had untolerated taint {dedicated: db}"
    assert "NodeResourcesFit" not in filt["node-0000"]
    assert json.loads(ann[prefix + "finalscore-result"]) == {}      # one feasible node: no scoring
    b.create(pod("web2", cpu="1", tolerations=[{"key": "dedicated", "operator": "Exists"}]))
    b.settle()
    final = json.loads(b.scheduler.explain("web2").annotations()[prefix + "finalscore-result"])
    assert final["node-0002"]["TaintToleration"] == "300"
    d = exp.to_dict()
    json.dumps(d)
    assert d["node"] == "node-0002" and [n["name"] for n in d["nodes"]] == ["node-0000", "node-0001", "node-0002"]


def test_cluster_scheduler_explain_for_a_lesson(cluster):
    cluster.create(pod("nginx"))
    cluster.settle()
    text = str(cluster.scheduler.explain("nginx"))
    assert "kind-control-plane  TaintToleration: node(s) had untolerated taint " \
           "{node-role.kubernetes.io/control-plane: }" in text
    assert text.splitlines()[0].startswith("Pod default/nginx (attempt 1 at t=")
