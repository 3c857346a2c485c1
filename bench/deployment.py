"""Benchmark: a 1,000-replica Deployment on 100 nodes rolled from one image to another.

    python bench/deployment.py              # 3 runs, medians
    python bench/deployment.py --runs 5 --replicas 1000 --nodes 100
    python bench/deployment.py --quick      # 1 run, 100 replicas on 10 nodes (smoke test)

The node side is the controller tests' fake kubelet (tests/controllers/fake_kubelet.py): it binds
pods to the least-loaded node and reports them Running and Ready 2 virtual seconds later, and
removes deleted pods 1 second after their deletion starts.  Everything else — API server, watch
fan-out, ReplicaSet and Deployment controllers, garbage collector, events — is the real
simulator.  Reported: wall time of the initial rollout and of the image change (until nothing is
pending), the virtual time the image change took, and virtual seconds per wall second.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "controllers"))


def deployment(replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}


def one_run(replicas: int, nodes: int, start_delay: float = 2.0, stop_delay: float = 1.0) -> dict:
    from fake_kubelet import FakeKubelet

    from kube_lab import Cluster

    cluster = Cluster(nodes=0, seed=0, trace=False)
    FakeKubelet(cluster, nodes=nodes, start_delay=start_delay, stop_delay=stop_delay)
    gc.collect()
    t0 = time.perf_counter()
    v0 = cluster.now
    cluster.create(deployment(replicas))
    cluster.settle(timeout=3600)
    create_wall = time.perf_counter() - t0
    create_virtual = cluster.now - v0
    t1 = time.perf_counter()
    v1 = cluster.now
    cluster.client("kubectl").patch(
        "deployments", "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}},
        "application/strategic-merge-patch+json", "default")
    cluster.settle(timeout=3600)
    roll_wall = time.perf_counter() - t1
    roll_virtual = cluster.now - v1
    d = cluster.get("deployments", "web")
    st = d["status"]
    assert st.get("updatedReplicas") == st.get("availableReplicas") == st.get("replicas") == replicas, st
    return {"create_wall": create_wall, "create_virtual": create_virtual, "roll_wall": roll_wall,
            "roll_virtual": roll_virtual}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--start-delay", type=float, default=2.0, help="virtual s from binding to Ready")
    ap.add_argument("--stop-delay", type=float, default=1.0, help="virtual s from delete to gone")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    runs, replicas, nodes = (1, 100, 10) if args.quick else (args.runs, args.replicas, args.nodes)
    results = [one_run(replicas, nodes, args.start_delay, args.stop_delay) for _ in range(runs)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    ratio = statistics.median(r["roll_virtual"] / r["roll_wall"] for r in results)
    rows = [
        (f"initial rollout, {replicas:,} replicas on {nodes} nodes: wall (s)", f"{med('create_wall'):.2f}", ""),
        ("initial rollout: virtual (s)", f"{med('create_virtual'):.1f}", ""),
        ("image change rollout: wall (s)", f"{med('roll_wall'):.2f}", ""),
        ("image change rollout: virtual (s)", f"{med('roll_virtual'):.1f}", ""),
        ("virtual seconds per wall second (rollout)", f"{ratio:,.1f}", "≥ 1,000"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{w}}  {'median':>10}  {'target':>8}")
    print("-" * (w + 24))
    for name, value, target in rows:
        print(f"{name:<{w}}  {value:>10}  {target:>8}")
    print(f"({runs} run{'s' if runs > 1 else ''}; pods Ready {args.start_delay:g} s after binding, gone "
          f"{args.stop_delay:g} s after deletion; default maxSurge/maxUnavailable 25%; Python "
          f"{sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
