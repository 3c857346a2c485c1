"""Service address allocators, inside kube-apiserver as upstream has them
(``pkg/registry/core/service/ipallocator`` and ``portallocator``).

Both are bitmaps over a range with upstream's two bands: the first part of the range (``offset``
= min(max(16, size/16), 256) entries) is kept for addresses that users ask for explicitly, and
automatic allocation picks a random free entry above it first, falling back to the lower band
only when the upper one is full.  Randomness comes from a seeded stream.

* cluster IPs: 10.96.0.0/12 (kubeadm's default), entry 0 is 10.96.0.1 — the ``kubernetes``
  Service — and cluster DNS sits at 10.96.0.10;
* node ports: 30000–32767.
"""
from __future__ import annotations

import ipaddress
import random

from ...api import errors


def band_offset(size: int) -> int:
    """``calculateRangeOffset``: how many low entries are reserved for static allocation."""
    return min(max(16, size // 16), 256)


class Bitmap:
    """Allocation state over ``size`` entries."""

    def __init__(self, size: int, rng: random.Random):
        self.size = size
        self.rng = rng
        self.used: set[int] = set()
        self.offset = band_offset(size)

    def allocate(self, index: int) -> bool:
        if index < 0 or index >= self.size or index in self.used:
            return False
        self.used.add(index)
        return True

    def allocate_next(self) -> int | None:
        for lo, hi in ((self.offset, self.size), (0, self.offset)):
            if hi <= lo:
                continue
            start = self.rng.randrange(lo, hi)
            span = hi - lo
            for k in range(span):
                i = lo + (start - lo + k) % span
                if i not in self.used:
                    self.used.add(i)
                    return i
        return None

    def release(self, index: int) -> None:
        self.used.discard(index)


class ClusterIPAllocator:
    def __init__(self, cidr: str, rng: random.Random):
        self.network = ipaddress.ip_network(cidr)
        # the network and broadcast addresses are never handed out
        self.base = int(self.network.network_address) + 1
        self.bitmap = Bitmap(self.network.num_addresses - 2, rng)

    def _index(self, ip: str) -> int | None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if addr not in self.network:
            return None
        return int(addr) - self.base

    def allocate(self, ip: str, field: str = "spec.clusterIPs") -> None:
        i = self._index(ip)
        if i is None or i < 0 or i >= self.bitmap.size:
            raise errors.invalid("Service", "", [errors.invalid_value(
                field, [ip], f"failed to allocate IP {ip}: the provided IP ({ip}) is not in the valid range. "
                f"The range of valid IPs is {self.network}")])
        if not self.bitmap.allocate(i):
            raise errors.invalid("Service", "", [errors.invalid_value(
                field, [ip], f"failed to allocate IP {ip}: provided IP is already allocated")])

    def allocate_next(self) -> str:
        i = self.bitmap.allocate_next()
        if i is None:
            raise errors.internal("failed to allocate a serviceIP: range is full")
        return str(ipaddress.ip_address(self.base + i))

    def release(self, ip: str) -> None:
        i = self._index(ip)
        if i is not None:
            self.bitmap.release(i)


class NodePortAllocator:
    def __init__(self, low: int, high: int, rng: random.Random):
        self.low = low
        self.high = high
        self.bitmap = Bitmap(high - low + 1, rng)

    def allocate(self, port: int, field: str) -> None:
        if not self.low <= port <= self.high:
            raise errors.invalid("Service", "", [errors.invalid_value(
                field, port, f"provided port is not in the valid range. The range of valid ports is "
                             f"{self.low}-{self.high}")])
        if not self.bitmap.allocate(port - self.low):
            raise errors.invalid("Service", "", [errors.invalid_value(field, port, "provided port is already allocated")])

    def allocate_next(self) -> int:
        i = self.bitmap.allocate_next()
        if i is None:
            raise errors.internal(f"failed to allocate a nodePort: range is full")
        return self.low + i

    def release(self, port: int) -> None:
        if self.low <= port <= self.high:
            self.bitmap.release(port - self.low)


class ServiceAllocator:
    """What the Service REST storage does with addresses on create, update and delete."""

    def __init__(self, rng: random.Random, cidr: str = "10.96.0.0/12", node_ports: tuple[int, int] = (30000, 32767)):
        self.ips = ClusterIPAllocator(cidr, rng)
        self.ports = NodePortAllocator(node_ports[0], node_ports[1], rng)

    def allocate(self, svc: dict) -> None:
        """Give a new Service its cluster IP and node ports (explicit ones are honoured)."""
        spec = svc.setdefault("spec", {})
        name = svc.get("metadata", {}).get("name", "")
        done_ips: list[str] = []
        done_ports: list[int] = []
        try:
            if spec.get("type") != "ExternalName":
                ip = spec.get("clusterIP") or ((spec.get("clusterIPs") or [None])[0])
                if ip == "None":
                    pass
                elif ip:
                    self.ips.allocate(ip)
                    done_ips.append(ip)
                else:
                    ip = self.ips.allocate_next()
                    done_ips.append(ip)
                    spec["clusterIP"] = ip
                    spec["clusterIPs"] = [ip]
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                seen: dict[int, int] = {}
                for i, p in enumerate(spec.get("ports") or ()):
                    np = p.get("nodePort")
                    if np:
                        if np in seen:
                            continue  # the same port for two protocols is fine; validation checks the rest
                        self.ports.allocate(np, f"spec.ports[{i}].nodePort")
                    elif spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
                        continue
                    else:
                        np = self.ports.allocate_next()
                        p["nodePort"] = np
                    seen[np] = i
                    done_ports.append(np)
                if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local" \
                        and not spec.get("healthCheckNodePort"):
                    hc = self.ports.allocate_next()
                    spec["healthCheckNodePort"] = hc
                    done_ports.append(hc)
        except errors.StatusError as e:
            for ip in done_ips:
                self.ips.release(ip)
            for np in done_ports:
                self.ports.release(np)
            e.status["message"] = e.status["message"].replace('Service "" is invalid', f'Service "{name}" is invalid')
            if "details" in e.status and "name" not in e.status["details"] and name:
                e.status["details"] = {"name": name, **e.status["details"]}
            raise

    def release(self, svc: dict) -> None:
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            if ip and ip != "None":
                self.ips.release(ip)
        for p in spec.get("ports") or ():
            if p.get("nodePort"):
                self.ports.release(p["nodePort"])
        if spec.get("healthCheckNodePort"):
            self.ports.release(spec["healthCheckNodePort"])

    def mark_used(self, svc: dict) -> None:
        """Record a stored Service's addresses as taken (the repair loop after a restart)."""
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            i = self.ips._index(ip) if ip and ip != "None" else None
            if i is not None and 0 <= i < self.ips.bitmap.size:
                self.ips.bitmap.used.add(i)
        for np in node_ports_of(svc):
            if self.ports.low <= np <= self.ports.high:
                self.ports.bitmap.used.add(np - self.ports.low)

    def update(self, svc: dict, old: dict) -> list[int]:
        """Allocate what an update newly needs (node ports after a type change, say); returns the
        node ports that the update leaves behind, to release once the update is stored."""
        spec = svc.setdefault("spec", {})
        name = svc.get("metadata", {}).get("name", "")
        old_ports = set(node_ports_of(old))
        old_ips = {ip for ip in (old.get("spec") or {}).get("clusterIPs") or () if ip and ip != "None"}
        new_allocs: list[int] = []
        new_ips: list[str] = []
        try:
            if spec.get("type") != "ExternalName":
                # leaving ExternalName: the Service needs a cluster IP now (upstream's CASE A)
                ip = spec.get("clusterIP")
                if not ip:
                    ip = self.ips.allocate_next()
                    spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
                    new_ips.append(ip)
                elif ip != "None" and ip not in old_ips:
                    self.ips.allocate(ip)
                    new_ips.append(ip)
            if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local":
                hc = spec.get("healthCheckNodePort")
                if not hc:
                    hc = self.ports.allocate_next()
                    spec["healthCheckNodePort"] = hc
                    new_allocs.append(hc)
                elif hc not in old_ports:
                    self.ports.allocate(hc, "spec.healthCheckNodePort")
                    new_allocs.append(hc)
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                taken: set[int] = set()
                for i, p in enumerate(spec.get("ports") or ()):
                    np = p.get("nodePort")
                    if np:
                        if np not in old_ports and np not in taken:
                            self.ports.allocate(np, f"spec.ports[{i}].nodePort")
                            new_allocs.append(np)
                    elif not (spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False):
                        np = self.ports.allocate_next()
                        p["nodePort"] = np
                        new_allocs.append(np)
                    if np:
                        taken.add(np)
            else:
                for p in spec.get("ports") or ():
                    p.pop("nodePort", None)
        except errors.StatusError as e:
            for np in new_allocs:
                self.ports.release(np)
            for ip in new_ips:
                self.ips.release(ip)
            e.status["message"] = e.status["message"].replace('Service "" is invalid', f'Service "{name}" is invalid')
            raise
        self._pending_rollback = new_allocs
        self._pending_rollback_ips = new_ips
        # addresses the update gives up (a switch to ExternalName): released once it is stored
        self._pending_free_ips = sorted(old_ips - set(spec.get("clusterIPs") or ()))
        return sorted(old_ports - set(node_ports_of(svc)))

    def commit_update(self) -> None:
        for ip in getattr(self, "_pending_free_ips", ()):
            self.ips.release(ip)
        self._pending_free_ips = []

    def rollback_update(self) -> None:
        for np in getattr(self, "_pending_rollback", ()):
            self.ports.release(np)
        for ip in getattr(self, "_pending_rollback_ips", ()):
            self.ips.release(ip)
        self._pending_rollback = []
        self._pending_rollback_ips = []
        self._pending_free_ips = []


def node_ports_of(svc: dict) -> list[int]:
    spec = svc.get("spec") or {}
    out = [p["nodePort"] for p in spec.get("ports") or () if p.get("nodePort")]
    if spec.get("healthCheckNodePort"):
        out.append(spec["healthCheckNodePort"])
    return out
