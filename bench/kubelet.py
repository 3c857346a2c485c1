"""Pods to Running: the node side of the simulator at scale.

A kind-like cluster (``Cluster(nodes=N, trace=False)``: kubelets, container runtimes, the
controllers, kube-scheduler) gets ``P`` nginx pods at once; the clock runs until every pod reports
Running.  Two variants:

* **scheduled** — pods without a node, placed by kube-scheduler (the issue's figure: 1,000 pods
  on 100 nodes);
* **bound** — pods created with ``spec.nodeName`` (round robin), so only the kubelets work.

Each figure is the median wall time of ``--runs`` runs (cluster start-up excluded), with the
virtual time the pods took.

    python bench/kubelet.py            # 1,000 pods on 100 nodes, median of 3 runs
    python bench/kubelet.py --quick    # 100 pods on 10 nodes, one run (a smoke test)
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


def one_run(nodes: int, pods: int, bound: bool) -> tuple[float, float, float]:
    from kube_lab import Cluster

    gc.collect()
    t0 = time.perf_counter()
    c = Cluster(nodes=nodes, seed=0, trace=False)
    boot = time.perf_counter() - t0
    api = c.client("bench")
    workers = [n["metadata"]["name"] for n in c.list("nodes") if "node-role.kubernetes.io/control-plane"
               not in n["metadata"]["labels"]]
    start = c.now
    t1 = time.perf_counter()
    for i in range(pods):
        spec = {"containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}
        if bound:
            spec["nodeName"] = workers[i % len(workers)]
        api.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"web-{i:05d}",
                                                                             "labels": {"app": "web"}},
                            "spec": spec}, "default", owned=True)

    def all_running(cl) -> bool:
        n = 0
        for p in cl.apiserver.storage_values("pods"):
            if (p.get("status") or {}).get("phase") == "Running":
                n += 1
        return n == pods

    reached = c.run_until(all_running, timeout=900, step=0.5)
    wall = time.perf_counter() - t1
    return wall, reached - start, boot


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cases = [(10, 100)] if args.quick else [(100, 1000)]
    runs = 1 if args.quick else args.runs
    print(f"{'variant':<10} {'nodes':>6} {'pods':>6} {'boot s':>8} {'wall s (median)':>16} {'virtual s':>10} {'pods/s':>8}")
    for nodes, pods in cases:
        for bound in (False, True):
            results = [one_run(nodes, pods, bound) for _ in range(runs)]
            wall = statistics.median(r[0] for r in results)
            virt = statistics.median(r[1] for r in results)
            boot = statistics.median(r[2] for r in results)
            name = "bound" if bound else "scheduled"
            print(f"{name:<10} {nodes:>6} {pods:>6} {boot:>8.2f} {wall:>16.2f} {virt:>10.1f} {pods / wall:>8.0f}")


if __name__ == "__main__":
    main()
