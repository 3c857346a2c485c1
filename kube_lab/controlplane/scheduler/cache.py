"""The scheduler's cache and snapshot (``pkg/scheduler/backend/cache``: cache.go, node_tree.go,
snapshot.go, and ``framework.NodeInfo``).

The cache is updated incrementally from the informers: one :class:`NodeInfo` per node with the
pods bound (or *assumed* bound) to it and what they request, used host ports, pods with affinity
and the node's images.  Nodes are listed in the node tree's order — zones round-robin, nodes of a
zone in the order they were added — which is the order filters visit them.

For speed the cache also keeps the numbers plugins compare as NumPy arrays in that order
(allocatable, requested, non-zero requested, pod counts), rebuilt only when nodes come or go, and
updated in place as pods are added or removed.  A scheduling cycle in the simulator runs without
interruption, so the cache itself serves as the cycle's snapshot.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .podinfo import REGION_LABEL, ZONE_LABEL, PodInfo, Resource

BETA_ZONE = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION = "failure-domain.beta.kubernetes.io/region"
SELECTOR_CACHE_SIZE = 64


def zone_key(node: dict) -> str:
    """``utilnode.GetZoneKey``: region and zone, or "" for a node with neither label."""
    labels = node["metadata"].get("labels") or {}
    zone = labels.get(ZONE_LABEL, labels.get(BETA_ZONE, ""))
    region = labels.get(REGION_LABEL, labels.get(BETA_REGION, ""))
    if not zone and not region:
        return ""
    return f"{region}:\x00:{zone}"


def normalized_image_name(name: str) -> str:
    """ImageLocality's ``normalizedImageName``: add ``:latest`` to an untagged name."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


class NodeInfo:
    """``framework.NodeInfo``: a node and the pods on it (bound or assumed)."""

    __slots__ = ("node", "name", "pods", "requested", "non0_cpu", "non0_mem", "allocatable", "used_ports",
                 "pods_with_affinity", "pods_with_required_anti_affinity", "images", "pos")

    def __init__(self, name: str, node: dict | None = None):
        self.name = name
        self.node = None
        self.pods: dict[str, PodInfo] = {}
        self.requested = Resource()
        self.non0_cpu = 0
        self.non0_mem = 0
        self.allocatable = Resource()
        self.used_ports: dict[tuple, int] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        self.images: dict[str, int] = {}
        self.pos = -1
        if node is not None:
            self.set_node(node)

    def set_node(self, node: dict) -> None:
        self.node = node
        status = node.get("status") or {}
        self.allocatable = Resource.from_list(status.get("allocatable"))
        images: dict[str, int] = {}
        for img in status.get("images") or ():
            for n in img.get("names") or ():
                images[n] = int(img.get("sizeBytes") or 0)
        self.images = images

    @property
    def labels(self) -> dict:
        return (self.node or {}).get("metadata", {}).get("labels") or {}

    @property
    def taints(self) -> list:
        return ((self.node or {}).get("spec") or {}).get("taints") or []

    def add_pod(self, pi: PodInfo) -> None:
        self.pods[pi.key] = pi
        self.requested.add(pi.requests)
        self.non0_cpu += pi.non0_cpu
        self.non0_mem += pi.non0_mem
        if pi.has_affinity:
            self.pods_with_affinity[pi.key] = pi
        if pi.required_anti_affinity:
            self.pods_with_required_anti_affinity[pi.key] = pi
        for port in pi.host_ports:
            self.used_ports[port] = self.used_ports.get(port, 0) + 1

    def remove_pod(self, pi: PodInfo) -> bool:
        if self.pods.pop(pi.key, None) is None:
            return False
        self.requested.add(pi.requests, -1)
        self.non0_cpu -= pi.non0_cpu
        self.non0_mem -= pi.non0_mem
        self.pods_with_affinity.pop(pi.key, None)
        self.pods_with_required_anti_affinity.pop(pi.key, None)
        for port in pi.host_ports:
            n = self.used_ports.get(port, 0) - 1
            if n > 0:
                self.used_ports[port] = n
            else:
                self.used_ports.pop(port, None)
        return True

    def clone(self) -> "NodeInfo":
        c = NodeInfo(self.name)
        c.node = self.node
        c.pods = dict(self.pods)
        c.requested = self.requested.copy()
        c.non0_cpu, c.non0_mem = self.non0_cpu, self.non0_mem
        c.allocatable = self.allocatable
        c.used_ports = dict(self.used_ports)
        c.pods_with_affinity = dict(self.pods_with_affinity)
        c.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        c.images = self.images
        c.pos = self.pos
        return c

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pods)} requested={self.requested}>"


class NodeTree:
    """``nodeTree``: nodes grouped by zone; :meth:`list` interleaves the zones."""

    def __init__(self) -> None:
        self.zones: list[str] = []
        self.tree: dict[str, list[str]] = {}
        self.num_nodes = 0

    def add(self, name: str, zone: str) -> None:
        names = self.tree.get(zone)
        if names is None:
            self.zones.append(zone)
            names = self.tree[zone] = []
        if name in names:
            return
        names.append(name)
        self.num_nodes += 1

    def remove(self, name: str, zone: str) -> None:
        names = self.tree.get(zone)
        if names is None or name not in names:
            return
        names.remove(name)
        self.num_nodes -= 1
        if not names:
            del self.tree[zone]
            self.zones.remove(zone)

    def list(self) -> list[str]:
        out: list[str] = []
        i = 0
        while len(out) < self.num_nodes:
            for zone in self.zones:
                names = self.tree[zone]
                if i < len(names):
                    out.append(names[i])
            i += 1
        return out


class Cache:
    """Nodes, the pods on them, assumed pods, image states — and the arrays plugins vectorise over."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self.tree = NodeTree()
        self.pod_states: dict[str, PodInfo] = {}   # key → PodInfo of every pod in the cache
        self.assumed: set[str] = set()
        self.image_nodes: dict[str, set[str]] = {}
        self.image_size: dict[str, int] = {}
        self.affinity_nodes: set[str] = set()
        self.anti_affinity_nodes: set[str] = set()
        # snapshot state
        self.infos: list[NodeInfo] = []
        self.names: list[str] = []
        self.pos: dict[str, int] = {}
        self.dirty = True
        self.static_gen = 0     # bumped when node labels/taints/spec change or nodes come and go
        self.image_gen = 0
        self._topology: dict[str, tuple] = {}
        self._selector_counts: dict[tuple, np.ndarray] = {}
        self._selectors: dict[tuple, object] = {}
        self._domain_sums: dict[tuple, np.ndarray] = {}
        self._domain_selectors: dict[tuple, tuple] = {}
        self._positive = None
        self.alloc_gen = 0
        self.changes: list[int] = []   # positions whose pods or allocatable changed since the rebuild
        self.n = 0
        self._empty()

    def _empty(self) -> None:
        z = np.zeros(0, dtype=np.int64)
        self.alloc_cpu = self.alloc_mem = self.alloc_eph = self.alloc_pods = z
        self.req_cpu = self.req_mem = self.req_eph = self.npods = self.non0_cpu = self.non0_mem = z

    # -- nodes ------------------------------------------------------------------------------------
    def add_node(self, node: dict) -> NodeInfo:
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None:
            ni = self.nodes[name] = NodeInfo(name)
        ni.set_node(node)
        self.tree.add(name, zone_key(node))
        self._add_images(ni)
        self.dirty = True
        return ni

    def update_node(self, old: dict, new: dict) -> NodeInfo:
        name = new["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None or ni.node is None:
            return self.add_node(new)
        old_zone, new_zone = zone_key(old), zone_key(new)
        ost, nst = old.get("status") or {}, new.get("status") or {}
        images_changed = ost.get("images") != nst.get("images")
        alloc_changed = ost.get("allocatable") != nst.get("allocatable")
        if images_changed:
            self._remove_images(ni)
        ni.set_node(new)
        if images_changed:
            self._add_images(ni)
        if old_zone != new_zone:
            self.tree.remove(name, old_zone)
            self.tree.add(name, new_zone)
            self.dirty = True
        if (old["metadata"].get("labels") != new["metadata"].get("labels")
                or old.get("spec") != new.get("spec")):
            self.static_gen += 1
            self._topology.clear()
            self._domain_sums.clear()
            self._domain_selectors.clear()
        if alloc_changed and not self.dirty and ni.pos >= 0:
            a = ni.allocatable
            i = ni.pos
            self.alloc_cpu[i], self.alloc_mem[i] = a.milli_cpu, a.memory
            self.alloc_eph[i], self.alloc_pods[i] = a.ephemeral_storage, a.allowed_pods
            self.changes.append(i)
            self.alloc_gen += 1
        return ni

    def remove_node(self, node: dict) -> None:
        name = node["metadata"]["name"]
        ni = self.nodes.get(name)
        if ni is None:
            return
        self.tree.remove(name, zone_key(ni.node or node))
        self._remove_images(ni)
        if ni.pods:
            ni.node = None       # pods still reference it until they are deleted (cache.go RemoveNode)
        else:
            del self.nodes[name]
        self.affinity_nodes.discard(name)
        self.anti_affinity_nodes.discard(name)
        self.dirty = True

    def _add_images(self, ni: NodeInfo) -> None:
        if not ni.images:
            return
        for img, size in ni.images.items():
            self.image_nodes.setdefault(img, set()).add(ni.name)
            self.image_size[img] = size
        self.image_gen += 1

    def _remove_images(self, ni: NodeInfo) -> None:
        if not ni.images:
            return
        for img in ni.images:
            s = self.image_nodes.get(img)
            if s is not None:
                s.discard(ni.name)
                if not s:
                    del self.image_nodes[img]
                    self.image_size.pop(img, None)
        self.image_gen += 1

    # -- pods ---------------------------------------------------------------------------------------
    def _node_for(self, name: str) -> NodeInfo:
        ni = self.nodes.get(name)
        if ni is None:
            ni = self.nodes[name] = NodeInfo(name)   # a pod on a node not (yet) known
        return ni

    def _attach(self, pi: PodInfo) -> None:
        ni = self._node_for(pi.node_name)
        ni.add_pod(pi)
        self.pod_states[pi.key] = pi
        if pi.has_affinity:
            self.affinity_nodes.add(ni.name)
        if pi.required_anti_affinity:
            self.anti_affinity_nodes.add(ni.name)
        self._sync(ni, pi, 1)

    def _detach(self, pi: PodInfo) -> None:
        ni = self.nodes.get(pi.node_name)
        self.pod_states.pop(pi.key, None)
        if ni is None or not ni.remove_pod(pi):
            return
        if not ni.pods_with_affinity:
            self.affinity_nodes.discard(ni.name)
        if not ni.pods_with_required_anti_affinity:
            self.anti_affinity_nodes.discard(ni.name)
        self._sync(ni, pi, -1)
        if ni.node is None and not ni.pods:
            del self.nodes[ni.name]

    def _sync(self, ni: NodeInfo, pi: PodInfo, sign: int) -> None:
        """Keep the arrays and the tracked selector counts in step with one pod change."""
        i = ni.pos
        if self.dirty or i < 0 or ni.node is None:
            return
        self.changes.append(i)
        r = ni.requested
        self.req_cpu[i], self.req_mem[i], self.req_eph[i] = r.milli_cpu, r.memory, r.ephemeral_storage
        self.npods[i] = len(ni.pods)
        self.non0_cpu[i], self.non0_mem[i] = ni.non0_cpu, ni.non0_mem
        if pi.terminating:
            return
        if self._selector_counts:
            for key, counts in self._selector_counts.items():
                if key[0] == pi.namespace and self._selectors[key].matches(pi.labels):
                    counts[i] += sign
        if self._domain_sums:
            for key, sums in self._domain_sums.items():
                sel, ids, nvals = self._domain_selectors[key]
                if key[0] == pi.namespace and sel.matches(pi.labels):
                    j = ids[i]
                    sums[j if j >= 0 else nvals] += sign

    def add_pod(self, pod: dict) -> PodInfo:
        """An assigned pod from the informer; confirms it if it was assumed."""
        md = pod["metadata"]
        key = f"{md.get('namespace', '')}/{md['name']}"
        old = self.pod_states.get(key)
        if old is not None and key in self.assumed:
            self.assumed.discard(key)
            if (old.node_name == pod["spec"].get("nodeName") and old.uid == md.get("uid")
                    and old.pod["spec"].get("containers") is pod["spec"].get("containers")
                    and old.labels == (md.get("labels") or {})
                    and old.terminating == bool(md.get("deletionTimestamp"))):
                old.pod = pod            # the binding as assumed: same pod, same node
                return old
        pi = PodInfo(pod)
        if old is not None:
            self.assumed.discard(key)
            self._detach(old)
        self._attach(pi)
        return pi

    def update_pod(self, old: dict, new: dict) -> PodInfo:
        return self.add_pod(new)

    def remove_pod(self, pod: dict) -> None:
        key = f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
        pi = self.pod_states.get(key)
        if pi is not None:
            self.assumed.discard(key)
            self._detach(pi)

    def assume_pod(self, pi: PodInfo, node_name: str) -> PodInfo:
        """``AssumePod``: account the pod on its chosen node before the binding is confirmed."""
        assumed = pi.with_node(node_name)
        self._attach(assumed)
        self.assumed.add(assumed.key)
        return assumed

    def forget_pod(self, pi: PodInfo) -> None:
        if pi.key in self.assumed:
            self.assumed.discard(pi.key)
            self._detach(self.pod_states[pi.key])

    def is_assumed(self, key: str) -> bool:
        return key in self.assumed

    # -- the snapshot ---------------------------------------------------------------------------------
    def update_snapshot(self) -> "Cache":
        """``UpdateSnapshot``: (re)build the node list and arrays if nodes came or went."""
        if not self.dirty:
            return self
        order = self.tree.list()
        self.infos = [self.nodes[n] for n in order]
        self.names = order
        self.pos = {n: i for i, n in enumerate(order)}
        for ni in self.nodes.values():
            ni.pos = -1
        for i, ni in enumerate(self.infos):
            ni.pos = i
        self.n = n = len(order)
        if n == 0:
            self._empty()
        else:
            cols = np.array([(ni.allocatable.milli_cpu, ni.allocatable.memory, ni.allocatable.ephemeral_storage,
                              ni.allocatable.allowed_pods, ni.requested.milli_cpu, ni.requested.memory,
                              ni.requested.ephemeral_storage, len(ni.pods), ni.non0_cpu, ni.non0_mem)
                             for ni in self.infos], dtype=np.int64).T.copy()
            (self.alloc_cpu, self.alloc_mem, self.alloc_eph, self.alloc_pods, self.req_cpu, self.req_mem,
             self.req_eph, self.npods, self.non0_cpu, self.non0_mem) = cols
        self.static_gen += 1
        self.image_gen += 1
        self._topology.clear()
        self._selector_counts.clear()
        self._selectors.clear()
        self._domain_sums.clear()
        self._domain_selectors.clear()
        self.changes = []
        self.dirty = False
        return self

    def all_allocatable_positive(self) -> bool:
        """Every node reports some CPU and some memory (the usual case; scoring takes a shortcut)."""
        key = (self.static_gen, self.alloc_gen)
        if self._positive is None or self._positive[0] != key:
            self._positive = (key, bool((self.alloc_cpu > 0).all() and (self.alloc_mem > 0).all()))
        return self._positive[1]

    @property
    def num_nodes(self) -> int:
        return self.n

    def get(self, name: str) -> NodeInfo | None:
        ni = self.nodes.get(name)
        return ni if ni is not None and ni.node is not None else None

    def topology(self, key: str) -> tuple[np.ndarray, list[str]]:
        """For a label key: each node's value as an integer id (-1 without the label), and the
        distinct values in order of first appearance."""
        got = self._topology.get(key)
        if got is None:
            ids = np.full(self.n, -1, dtype=np.int64)
            values: list[str] = []
            index: dict[str, int] = {}
            for i, ni in enumerate(self.infos):
                labels = ni.labels
                if key in labels:
                    v = labels[key]
                    j = index.get(v)
                    if j is None:
                        j = index[v] = len(values)
                        values.append(v)
                    ids[i] = j
            got = self._topology[key] = (ids, values)
        return got

    def count_matching(self, namespace: str, selector) -> np.ndarray:
        """Per node: pods of ``namespace`` matching ``selector``, not terminating (topology
        spreading's ``countPodsMatchSelector``); tracked incrementally once asked for."""
        if selector.empty or selector.nothing:
            return np.zeros(self.n, dtype=np.int64)    # countPodsMatchSelector: an empty selector counts none
        key = (namespace, str(selector))
        counts = self._selector_counts.get(key)
        if counts is not None:
            return counts
        counts = np.zeros(self.n, dtype=np.int64)
        for i, ni in enumerate(self.infos):
            c = 0
            for pi in ni.pods.values():
                if pi.namespace == namespace and not pi.terminating and selector.matches(pi.labels):
                    c += 1
            counts[i] = c
        if len(self._selector_counts) >= SELECTOR_CACHE_SIZE:
            oldest = next(iter(self._selector_counts))
            del self._selector_counts[oldest]
            del self._selectors[oldest]
        self._selector_counts[key] = counts
        self._selectors[key] = selector
        return counts

    def domain_sums(self, namespace: str, selector, key: str) -> np.ndarray:
        """Per value of the label ``key`` (ids as :meth:`topology`, plus one last slot for nodes
        without the label): the pods :meth:`count_matching` counts, over every node; tracked
        incrementally once asked for."""
        ids, values = self.topology(key)
        if selector.empty or selector.nothing:
            return np.zeros(len(values) + 1, dtype=np.int64)
        dkey = (namespace, str(selector), key)
        sums = self._domain_sums.get(dkey)
        if sums is not None:
            return sums
        counts = self.count_matching(namespace, selector)
        dom = np.where(ids >= 0, ids, len(values))
        sums = np.bincount(dom, weights=counts, minlength=len(values) + 1).astype(np.int64)
        if len(self._domain_sums) >= SELECTOR_CACHE_SIZE:
            del self._domain_sums[next(iter(self._domain_sums))]
        self._domain_sums[dkey] = sums
        self._domain_selectors[dkey] = (selector, ids, len(values))
        return sums

    def nodes_with_affinity_pods(self) -> list[NodeInfo]:
        """``HavePodsWithAffinityList`` in node order."""
        return sorted((self.nodes[n] for n in self.affinity_nodes if n in self.pos), key=lambda ni: ni.pos)

    def nodes_with_required_anti_affinity_pods(self) -> list[NodeInfo]:
        return sorted((self.nodes[n] for n in self.anti_affinity_nodes if n in self.pos), key=lambda ni: ni.pos)

    def image_summary(self, name: str) -> tuple[int, int]:
        """(size, number of nodes that have it) — ``ImageStateSummary``."""
        nodes = self.image_nodes.get(name)
        if not nodes:
            return 0, 0
        return self.image_size.get(name, 0), len(nodes)

    def pods(self) -> Iterable[PodInfo]:
        return self.pod_states.values()


__all__ = ["Cache", "NodeInfo", "NodeTree", "zone_key", "normalized_image_name"]
