"""kube-lab benchmarks: medians over several runs, printed as a table.

    python bench/run.py            # all benchmarks
    python bench/run.py --quick    # fewer runs (a smoke test, used by the test suite)

Each figure is the median of ``--runs`` runs; memory is measured in a fresh process so earlier
benchmarks do not pollute it.  Targets come from the foundation issue.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def pod(i: int, node: str = "") -> dict:
    """A pod as a ReplicaSet controller would create it (one container, labels, owner)."""
    p = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"web-7d9c5b8f4-{i:05d}",
            "labels": {"app": "web", "pod-template-hash": "7d9c5b8f4"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c5b8f4",
                                 "uid": "6b0d7a1e-0000-4000-8000-000000000001", "controller": True,
                                 "blockOwnerDeletion": True}],
        },
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]},
    }
    if node:
        p["spec"]["nodeName"] = node
    return p


def bare_apiserver():
    """An API server with the default namespace and service account, no controllers."""
    from kube_lab.controlplane.apiserver import APIServer
    from kube_lab.sim import Loop, RandomStreams, Trace

    loop = Loop()
    api = APIServer(loop, random=RandomStreams(0), trace=Trace(enabled=False), compaction_interval=0)
    api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    api.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                   "metadata": {"name": "default"}}, "default")
    return loop, api


def bench_writes(stored: int = 10_000, measured: int = 5_000) -> float:
    """Pod creates per second with ``stored`` pods already stored and five watchers attached."""
    loop, api = bare_apiserver()
    for i in range(stored):
        api.create("pods", pod(i, f"kind-worker{i % 3 or ''}"), "default", field_validation="Ignore",
                   component="bench")
    counts = [0] * 5

    def counter(k):
        def handler(event_type, obj):
            counts[k] += 1
        return handler

    rv = str(api.etcd.revision)
    api.watch("pods", counter(0), resource_version=rv)                                   # informer, all pods
    api.watch("pods", counter(1), "default", resource_version=rv)                        # namespaced
    api.watch("pods", counter(2), label_selector="app=web", resource_version=rv)         # endpoints-like
    api.watch("pods", counter(3), field_selector="spec.nodeName=kind-worker", resource_version=rv)  # kubelet
    api.watch("pods", counter(4), field_selector="spec.nodeName=", resource_version=rv)  # scheduler
    gc.collect()
    t0 = time.perf_counter()
    for i in range(stored, stored + measured):
        api.create("pods", pod(i), "default", field_validation="Ignore", component="bench")
    loop.settle()
    dt = time.perf_counter() - t0
    assert counts[0] == measured and counts[4] == measured, counts
    return measured / dt


def bench_cluster_start() -> float:
    from kube_lab import Cluster

    t0 = time.perf_counter()
    Cluster(nodes=3, seed=0)
    return time.perf_counter() - t0


def _subprocess_seconds(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_import() -> tuple[float, float, float]:
    """Import times with bytecode compiled (as after any normal install), and ``from kube_lab
    import Cluster`` cold, with no bytecode (PYTHONDONTWRITEBYTECODE, as on these machines)."""
    import compileall

    compileall.compile_dir(os.path.join(ROOT, "kube_lab"), quiet=1)
    plain = _subprocess_seconds("import time; t=time.perf_counter(); import kube_lab; print(time.perf_counter()-t)")
    code = "import time; t=time.perf_counter(); from kube_lab import Cluster; print(time.perf_counter()-t)"
    full = _subprocess_seconds(code)
    cold = _subprocess_seconds("import sys; sys.dont_write_bytecode = True; sys.pycache_prefix = '/nonexistent-kube-lab'; "
                               + code)
    return plain, full, cold


MEMORY_SCRIPT = r"""
import gc, sys
sys.path.insert(0, %(root)r)
from bench.run import bare_apiserver, pod

def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096

loop, api = bare_apiserver()
for i in range(200):   # warm up caches and lazily loaded tables
    api.create('pods', pod(i), 'default', field_validation='Ignore')
for i in range(200):
    api.delete('pods', pod(i)['metadata']['name'], 'default')
api.etcd.compact(api.etcd.revision)
gc.collect()
before = rss()
n = %(n)d
for i in range(n):
    api.create('pods', pod(i), 'default', field_validation='Ignore')
gc.collect()
print((rss() - before) / n)
"""


def bench_memory(n: int = 10_000) -> float:
    return _subprocess_seconds(MEMORY_SCRIPT % {"root": ROOT, "n": n})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 run, small sizes (smoke test)")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else args.runs
    stored, measured, mem_n = (500, 500, 1000) if args.quick else (10_000, 5_000, 10_000)

    rows = []
    writes = [bench_writes(stored, measured) for _ in range(runs)]
    rows.append((f"pod creates/s ({stored:,} stored, 5 watchers)", f"{statistics.median(writes):,.0f}",
                 "≥ 20,000", statistics.median(writes) >= 20_000))
    mem = [bench_memory(mem_n) for _ in range(max(1, runs // 2))]
    rows.append(("resident bytes per stored pod", f"{statistics.median(mem):,.0f}", "≤ 8,192",
                 statistics.median(mem) <= 8192))
    imports = [bench_import() for _ in range(runs)]
    plain = statistics.median(i[0] for i in imports)
    full = statistics.median(i[1] for i in imports)
    rows.append(("import kube_lab (s)", f"{plain:.3f}", "≤ 0.3", plain <= 0.3))
    cold = statistics.median(i[2] for i in imports)
    rows.append(("from kube_lab import Cluster (s)", f"{full:.3f}", "≤ 0.3", full <= 0.3))
    rows.append(("  … without bytecode (s)", f"{cold:.3f}", "-", True))
    starts = [bench_cluster_start() for _ in range(runs)]
    start = statistics.median(starts)
    rows.append(("Cluster(nodes=3) (ms)", f"{start * 1000:.1f}", "≤ 50", start <= 0.05))

    w = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{w}}  {'median':>12}  {'target':>9}  ok")
    print("-" * (w + 30))
    for name, value, target, ok in rows:
        print(f"{name:<{w}}  {value:>12}  {target:>9}  {'yes' if ok else 'NO'}")
    print(f"({runs} run{'s' if runs > 1 else ''} each; Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
