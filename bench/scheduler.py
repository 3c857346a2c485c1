"""kube-scheduler throughput with the default plugins, after upstream's scheduler_perf
``SchedulingBasic`` workload: nodes created straight through the API (4 CPU, 32Gi, 110 pods, no
kubelets), a first batch of pods scheduled untimed, then the measured batch.  Pods request 100m CPU
and 500Mi, as scheduler_perf's ``pod-default.yaml``, and belong to a ReplicaSet so that the
default topology spreading is in play.

    python bench/scheduler.py            # 500 and 5,000 nodes, median of 3 runs
    python bench/scheduler.py --quick    # one small run (a smoke test)

Throughput is measured pods / wall-clock second from the moment the scheduler's informer starts
receiving the measured pods (they are created beforehand, as scheduler_perf's client creates them
ahead of the scheduler) until the last one is bound: informer delivery, scheduling cycles, the
binding requests and the Scheduled events.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

RS_UID = "6b0d7a1e-0000-4000-8000-00000000beef"


def _setup(num_nodes: int):
    from kube_lab.client import Client
    from kube_lab.controlplane.apiserver import APIServer
    from kube_lab.controlplane.scheduler import Scheduler
    from kube_lab.node import registration
    from kube_lab.sim import Loop, RandomStreams, Trace

    loop = Loop()
    api = APIServer(loop, random=RandomStreams(0), trace=Trace(enabled=False), compaction_interval=0)
    api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    api.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
               "default")
    nodes = Client(api, "bench")
    for i in range(num_nodes):
        name = f"node-{i:05d}"
        ip = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
        obj = registration.node_object(name, control_plane=False, internal_ip=ip, cpu="4", memory_ki=32 * 1024 * 1024)
        created = nodes.create("nodes", obj, field_validation="Ignore")
        body = {**created, "spec": {k: v for k, v in created["spec"].items() if k != "taints"},
                "status": {**created["status"], "conditions": registration.ready_conditions(api.timestamp())}}
        nodes.update_status("nodes", body)     # Ready, as a kubelet reports it
        nodes.update("nodes", {**api.get("nodes", name), "spec": body["spec"]})   # the not-ready taint lifted
    api.create("replicasets", {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-7d9c5b8f4", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]}}}},
        "default", field_validation="Ignore")
    sched = Scheduler(Client(api, "kube-scheduler"), random.Random(0)).start()
    loop.settle()
    return loop, api, sched


def _pod(i: int) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-7d9c5b8f4-{i:06d}", "namespace": "default", "labels": {"app": "web"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c5b8f4",
                                          "uid": RS_UID, "controller": True, "blockOwnerDeletion": True}]},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                 "resources": {"requests": {"cpu": "100m", "memory": "500Mi"}}}]},
    }


def bench(num_nodes: int, init_pods: int, measured_pods: int) -> tuple[float, int]:
    loop, api, sched = _setup(num_nodes)
    for i in range(init_pods):
        api.create("pods", _pod(i), "default", field_validation="Ignore", component="bench")
    loop.settle()
    for i in range(init_pods, init_pods + measured_pods):
        api.create("pods", _pod(i), "default", field_validation="Ignore", component="bench")
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    loop.settle()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    scheduled = sched.scheduled_count - init_pods
    assert scheduled == measured_pods, (scheduled, measured_pods)
    return measured_pods / dt, measured_pods / cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        cases = [(100, 100, 200)]
        runs = 1
    else:
        cases = [(500, 1000, 1000), (5000, 5000, 1000)]
        runs = args.runs
    rows = []
    for nodes, init, measured in cases:
        results = [bench(nodes, init, measured) for _ in range(runs)]
        target = 2000 if nodes >= 5000 else None
        rows.append((f"{nodes:,} nodes ({init:,} pods placed, {measured:,} measured)",
                     statistics.median(r[0] for r in results), statistics.median(r[1] for r in results), target))
    w = max(len(r[0]) for r in rows)
    print(f"{'kube-scheduler, default plugins':<{w}}  {'pods/s (wall)':>13}  {'pods/s (CPU)':>12}  {'target':>8}  ok")
    print("-" * (w + 45))
    for name, rate, cpu_rate, target in rows:
        ok = "" if target is None else ("yes" if rate >= target else "NO")
        tgt = ("≥ " + format(target, ",")) if target else ""
        print(f"{name:<{w}}  {rate:>13,.0f}  {cpu_rate:>12,.0f}  {tgt:>8}  {ok}")
    print(f"(median of {runs} run{'s' if runs > 1 else ''}; the CPU column divides by this process's CPU time, "
          f"which differs from the wall clock when other work shares the machine; Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
