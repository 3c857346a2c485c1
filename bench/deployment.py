"""Benchmark: a 1,000-replica Deployment on 100 nodes rolled from one image to another.

    python bench/deployment.py              # 3 runs, medians
    python bench/deployment.py --runs 5 --replicas 1000 --nodes 100
    python bench/deployment.py --quick      # 1 run, 100 replicas on 10 nodes (smoke test)

Two node sides, both reported:

* **real** (``--kubelet real``, the default) — ``Cluster(nodes=N)``: kube-scheduler, a kubelet and
  container runtime per node (image pulls, container starts, SIGTERM and the grace period, status
  updates, events), kube-proxy and CoreDNS.  The rollout is done when the Deployment reports every
  replica updated and available and the old pods are gone.
* **fake** (``--kubelet fake``) — the controller tests' fake kubelet
  (tests/controllers/fake_kubelet.py): it binds pods to the least-loaded node and reports them
  Running and Ready 2 virtual seconds later, and removes deleted pods 1 second after their
  deletion starts.  This isolates the control plane: API server, watch fan-out, ReplicaSet and
  Deployment controllers, garbage collector, events.

Reported: wall time of the initial rollout and of the image change, the virtual time the image
change took, and virtual seconds per wall second — and, for contrast, the same ratio for a
settled cluster left idle for a virtual hour (where waiting, not work, fills the time).
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


def rolled_out(replicas: int):
    """The predicate for a finished rollout on a real cluster: every replica updated and
    available, and no pod of an older revision left (not even a terminating one)."""
    def done(cluster) -> bool:
        d = cluster.apiserver.storage_get("deployments", "default", "web")
        st = (d or {}).get("status") or {}
        if not (st.get("observedGeneration") == d["metadata"]["generation"]
                and st.get("updatedReplicas") == st.get("availableReplicas") == st.get("replicas") == replicas):
            return False
        return sum(1 for p in cluster.apiserver.storage_values("pods")
                   if p["metadata"].get("namespace") == "default") == replicas
    return done


def one_run(replicas: int, nodes: int, kubelet: str, start_delay: float = 2.0, stop_delay: float = 1.0) -> dict:
    from kube_lab import Cluster

    if kubelet == "fake":
        from fake_kubelet import FakeKubelet

        cluster = Cluster(nodes=0, seed=0, trace=False)
        FakeKubelet(cluster, nodes=nodes, start_delay=start_delay, stop_delay=stop_delay)

        def wait() -> None:
            cluster.settle(timeout=3600)
    else:
        cluster = Cluster(nodes=nodes, seed=0, trace=False)
        done = rolled_out(replicas)

        def wait() -> None:
            cluster.run_until(done, timeout=3600, step=0.5)
    gc.collect()
    t0 = time.perf_counter()
    v0 = cluster.now
    cluster.create(deployment(replicas))
    wait()
    create_wall = time.perf_counter() - t0
    create_virtual = cluster.now - v0
    t1 = time.perf_counter()
    v1 = cluster.now
    cluster.client("kubectl").patch(
        "deployments", "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}},
        "application/strategic-merge-patch+json", "default")
    wait()
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
    ap.add_argument("--kubelet", choices=("real", "fake", "both"), default="both")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    runs, replicas, nodes = (1, 100, 10) if args.quick else (args.runs, args.replicas, args.nodes)
    kinds = ("real", "fake") if args.kubelet == "both" else (args.kubelet,)
    for i, kubelet in enumerate(kinds):
        if i:
            print()
        table(kubelet, [one_run(replicas, nodes, kubelet, args.start_delay, args.stop_delay) for _ in range(runs)],
              runs, replicas, nodes, args)
    print()
    ratios = [idle_hour() for _ in range(runs)]
    print(f"a settled kind-like cluster (3 workers, 3 replicas) left idle for a virtual hour: "
          f"{statistics.median(ratios):,.0f} virtual seconds per wall second (median of {runs})")
    return 0


def idle_hour() -> float:
    """The other end of the ratio: a settled kind-like cluster (3 workers, a 3-replica nginx
    Deployment) left to run for a virtual hour — heartbeats, leases, resyncs, nothing else."""
    from kube_lab import Cluster

    cluster = Cluster(nodes=3, seed=0, trace=False)
    cluster.create(deployment(3))
    cluster.run(60)
    gc.collect()
    t0 = time.perf_counter()
    cluster.run(3600)
    return 3600 / (time.perf_counter() - t0)


def table(kubelet: str, results: list[dict], runs: int, replicas: int, nodes: int, args) -> None:

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
    print(f"{kubelet + ' kubelet':<{w}}  {'median':>10}  {'target':>8}")
    print("-" * (w + 24))
    for name, value, target in rows:
        print(f"{name:<{w}}  {value:>10}  {target:>8}")
    if kubelet == "fake":
        side = (f"fake kubelet: pods Ready {args.start_delay:g} s after binding, gone {args.stop_delay:g} s "
                f"after deletion")
    else:
        side = "real kubelets, container runtimes and kube-scheduler"
    print(f"({runs} run{'s' if runs > 1 else ''}; {side}; default maxSurge/maxUnavailable 25%; Python "
          f"{sys.version.split()[0]})")


if __name__ == "__main__":
    raise SystemExit(main())
