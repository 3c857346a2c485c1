"""Traffic benchmarks: medians over several runs, printed as a table.

    python bench/traffic.py            # 5 runs each
    python bench/traffic.py --quick    # 1 run, smaller sizes (a smoke test)

* requests per wall second through a Service with 100 endpoints (100 nginx pods on 3 workers),
  end to end as ``cluster.load`` sends them from a pod — DNS through CoreDNS, kube-proxy's rules
  (a ``KUBE-SVC-`` chain of 100 statistic rules), the pod network, nginx answering, the hop trace —
  and as ``cluster.request`` sends them one at a time to the cluster IP from a node;
* kube-proxy rule rendering for 1,000 Services × 10 endpoints (a full iptables-mode
  ``syncProxyRules`` from the objects, plus the ``iptables-save`` view), the measurement
  ``bench/network.py`` makes, repeated here so the traffic figures sit next to it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def cluster_with_endpoints(endpoints: int):
    from kube_lab import Cluster

    c = Cluster(nodes=3, seed=0, network_addons=True, trace=False)
    c.apply(f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {endpoints}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: nginx, image: "nginx:1.25", ports: [{{containerPort: 80}}]}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  containers: [{{name: sh, image: "busybox:1.36", command: ["sh", "-c", "sleep 36000"]}}]
""")
    c.run(120)
    ready = [s for s in c.list("endpointslices", selector="kubernetes.io/service-name=web")]
    n = sum(1 for s in ready for e in s.get("endpoints") or () if (e.get("conditions") or {}).get("ready"))
    assert n == endpoints, f"only {n} of {endpoints} endpoints ready"
    return c


def bench_load(c, n: int) -> tuple[float, int, float]:
    """(requests per wall second, pods that answered, requests per CPU second) for ``n``
    requests sent by ``cluster.load`` from a pod."""
    gen = c.load("http://web", source="pod/client", rate=1000.0, count=n)
    t0, c0 = time.perf_counter(), time.process_time()
    c.run(n / 1000.0 + 1.0)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    assert gen.done and not gen.failures(), gen.errors()
    return n / dt, len(gen.spread()), n / dc


def bench_request(c, n: int) -> tuple[float, float]:
    """(requests per wall second, per CPU second) for ``n`` ``cluster.request`` calls to the
    cluster IP from a node."""
    ip = c.get("svc", "web")["spec"]["clusterIP"]
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        r = c.request(f"{ip}:80", source="node/kind-worker")
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    assert r.ok
    return n / dt, n / dc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 run, small sizes (smoke test)")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else args.runs
    endpoints, requests = (20, 200) if args.quick else (100, 3000)
    services, per_service = (100, 10) if args.quick else (1000, 10)

    from bench.network import bench_render

    t0 = time.perf_counter()
    c = cluster_with_endpoints(endpoints)
    setup = time.perf_counter() - t0
    load = [bench_load(c, requests) for _ in range(runs)]
    single = [bench_request(c, requests // 3) for _ in range(runs)]
    render = [bench_render(services, per_service) for _ in range(runs)]
    warm = [bench_render(services, per_service, cold=False)[0] for _ in range(runs)]

    rows = [
        (f"cluster with {endpoints} nginx endpoints running (s, once)", f"{setup:,.1f}"),
        (f"requests/s, cluster.load from a pod, 1 Service x {endpoints} endpoints",
         f"{statistics.median(x[0] for x in load):,.0f}"),
        ("  per CPU second (less sensitive to a busy machine)", f"{statistics.median(x[2] for x in load):,.0f}"),
        (f"  pods that answered (of {endpoints})", f"{load[0][1]}"),
        ("requests/s, cluster.request one by one, node -> cluster IP",
         f"{statistics.median(x[0] for x in single):,.0f}"),
        ("  per CPU second", f"{statistics.median(x[1] for x in single):,.0f}"),
        (f"kube-proxy first sync, {services:,} Services x {per_service} endpoints (ms)",
         f"{statistics.median(r[0] for r in render) * 1000:,.0f}"),
        ("  a later full sync (chain names known) (ms)", f"{statistics.median(warm) * 1000:,.0f}"),
        ("  iptables-save view (ms)", f"{statistics.median(r[2] for r in render) * 1000:,.0f}"),
        ("  nat rules written", f"{render[0][3]:,}"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{w}}  {'median':>10}")
    print("-" * (w + 12))
    for name, value in rows:
        print(f"{name:<{w}}  {value:>10}")
    print(f"({runs} run{'s' if runs > 1 else ''} each; Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
