"""Service-networking benchmarks: medians over several runs, printed as a table.

    python bench/network.py            # 5 runs each
    python bench/network.py --quick    # 1 run, smaller sizes (a smoke test)

* kube-proxy rule rendering for 1,000 Services × 10 endpoints: a full iptables-mode sync from
  Service and EndpointSlice objects (``syncProxyRules``), the iptables-restore text, and the
  ``iptables-save`` view (parsing every rule into the kernel's normal form);
* forwarding decisions per second through one Service with 100 endpoints (each one a walk through
  the nat and filter tables with the statistic draws);
* the same through IPVS (round robin).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def objects(services: int, endpoints: int) -> tuple[list[dict], list[dict]]:
    """Services and the EndpointSlices the controller would write for them."""
    svcs, slices = [], []
    for i in range(services):
        ip = f"10.96.{(i + 16) // 250}.{(i + 16) % 250 + 2}"
        svcs.append({"apiVersion": "v1", "kind": "Service",
                     "metadata": {"name": f"svc-{i:04d}", "namespace": "default"},
                     "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                              "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}})
        eps = []
        for j in range(endpoints):
            n = i * endpoints + j
            eps.append({"addresses": [f"10.244.{n // 250}.{n % 250 + 2}"],
                        "conditions": {"ready": True, "serving": True, "terminating": False},
                        "nodeName": f"kind-worker{n % 3 or ''}"})
        slices.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                       "metadata": {"name": f"svc-{i:04d}-abcde", "namespace": "default",
                                    "labels": {"kubernetes.io/service-name": f"svc-{i:04d}"}},
                       "endpoints": eps, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})
    return svcs, slices


def clear_caches() -> None:
    from kube_lab.node import proxy
    for f in (proxy.port_proto_hash, proxy.endpoint_chain, proxy._canonical_ip, proxy._network, proxy._address):
        f.cache_clear()


def bench_render(services: int, endpoints: int, cold: bool = True) -> tuple[float, float, float, int]:
    """(sync seconds, restore-text seconds, iptables-save seconds, nat rules).  ``cold``: the
    first sync after start (no chain names cached yet); else a later sync, as upstream keeps each
    endpoint's chain name between syncs."""
    from kube_lab.node.proxy import IPTablesRules, Netfilter, build_iptables, endpoints_from_slices, \
        masquerade_mark, service_ports

    svcs, slices = objects(services, endpoints)
    if cold:
        clear_caches()
    t0 = time.perf_counter()
    ports = [p for s in svcs for p in service_ports(s)]
    eps = endpoints_from_slices(slices, "kind-worker")
    rules: IPTablesRules = build_iptables(ports, eps, node_ip="172.18.0.3", cluster_cidr="10.244.0.0/16",
                                          mark=masquerade_mark())
    t1 = time.perf_counter()
    text = rules.restore_input()
    t2 = time.perf_counter()
    saved = Netfilter(rules, ["172.18.0.3", "127.0.0.0/8"]).save(["filter", "nat"], "Wed Jan  1 00:00:00 2025")
    t3 = time.perf_counter()
    assert text and saved
    return t1 - t0, t2 - t1, t3 - t2, len(rules.nat_rules)


def _proxy(mode: str, endpoints: int):
    from kube_lab.client import Client
    from kube_lab.controlplane.apiserver import APIServer
    from kube_lab.node.proxy import KubeProxy, build_ipvs, build_iptables, endpoints_from_slices, service_ports
    from kube_lab.sim import Loop, RandomStreams, Trace

    loop = Loop()
    api = APIServer(loop, random=RandomStreams(0), trace=Trace(enabled=False), compaction_interval=0)
    proxy = KubeProxy(Client(api, "kube-proxy/kind-worker"), loop, "kind-worker", "172.18.0.3",
                      random.Random(0), mode=mode)
    svcs, slices = objects(1, endpoints)
    ports = service_ports(svcs[0])
    eps = endpoints_from_slices(slices, "kind-worker")
    if mode == "iptables":
        proxy.rules = build_iptables(ports, eps, node_ip="172.18.0.3", cluster_cidr="10.244.0.0/16", mark=proxy.mark)
    else:
        proxy.virtual_servers = build_ipvs(ports, eps, ["172.18.0.3"])
    return proxy, ports[0].cluster_ip


def bench_forward(endpoints: int, n: int, mode: str = "iptables") -> float:
    proxy, ip = _proxy(mode, endpoints)
    proxy.forward("10.244.9.9", ip, 80)          # build the tables once
    t0 = time.perf_counter()
    for i in range(n):
        f = proxy.forward("10.244.9.9", ip, 80)
    dt = time.perf_counter() - t0
    assert f.endpoint
    return n / dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 run, small sizes (smoke test)")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else args.runs
    services, endpoints, decisions = (100, 10, 500) if args.quick else (1000, 10, 20_000)

    render = [bench_render(services, endpoints) for _ in range(runs)]
    warm = [bench_render(services, endpoints, cold=False)[0] for _ in range(runs)]
    rows = [
        (f"kube-proxy first sync, {services:,} Services x {endpoints} endpoints (ms)",
         f"{statistics.median(r[0] for r in render) * 1000:,.0f}"),
        ("  a later full sync (chain names known) (ms)", f"{statistics.median(warm) * 1000:,.0f}"),
        ("  iptables-restore text (ms)", f"{statistics.median(r[1] for r in render) * 1000:,.0f}"),
        ("  iptables-save view (ms)", f"{statistics.median(r[2] for r in render) * 1000:,.0f}"),
        ("  nat rules written", f"{render[0][3]:,}"),
    ]
    fwd = [bench_forward(100, decisions) for _ in range(runs)]
    rows.append(("forwarding decisions/s, 1 Service x 100 endpoints (iptables)", f"{statistics.median(fwd):,.0f}"))
    ipvs = [bench_forward(100, decisions, "ipvs") for _ in range(runs)]
    rows.append(("forwarding decisions/s, 1 Service x 100 endpoints (IPVS)", f"{statistics.median(ipvs):,.0f}"))

    w = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{w}}  {'median':>10}")
    print("-" * (w + 12))
    for name, value in rows:
        print(f"{name:<{w}}  {value:>10}")
    print(f"({runs} run{'s' if runs > 1 else ''} each; Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
