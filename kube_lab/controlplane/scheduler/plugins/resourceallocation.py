"""The scoring half shared by NodeResourcesFit and NodeResourcesBalancedAllocation
(``plugins/noderesources/resource_allocation.go`` and the strategy files).

For each configured resource a node contributes ``(allocatable, requested + pod request)``:
NodeResourcesFit counts *non-zero* requests (a container without a CPU or memory request counts as
100m / 200Mi), BalancedAllocation the real requests.  Resources the node does not have
(allocatable 0) are left out, as are extended resources the pod does not ask for.
"""
from __future__ import annotations

import math

import numpy as np

from ..framework import MAX_NODE_SCORE
from ..podinfo import CPU, EPHEMERAL, MEMORY

MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10
DEFAULT_RESOURCES = [{"name": CPU, "weight": 1}, {"name": MEMORY, "weight": 1}]


def pod_request_list(pod, resources: list[dict], use_requested: bool) -> list[int]:
    out = []
    for r in resources:
        name = r["name"]
        if name == CPU:
            out.append(pod.requests.milli_cpu if use_requested else pod.non0_cpu)
        elif name == MEMORY:
            out.append(pod.requests.memory if use_requested else pod.non0_mem)
        elif name == EPHEMERAL:
            out.append(pod.requests.ephemeral_storage)
        else:
            out.append(pod.requests.scalars.get(name, 0))
    return out


def allocatable_and_requested(snap, idx: np.ndarray, resources: list[dict], pod_requests: list[int],
                              use_requested: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two (resources × nodes) arrays: allocatable and requested-with-the-pod (0/0 where skipped)."""
    k = len(resources)
    alloc = np.zeros((k, len(idx)), dtype=np.int64)
    req = np.zeros((k, len(idx)), dtype=np.int64)
    for j, r in enumerate(resources):
        name, pod_req = r["name"], pod_requests[j]
        if name == CPU:
            a = snap.alloc_cpu[idx]
            q = (snap.req_cpu if use_requested else snap.non0_cpu)[idx] + pod_req
        elif name == MEMORY:
            a = snap.alloc_mem[idx]
            q = (snap.req_mem if use_requested else snap.non0_mem)[idx] + pod_req
        elif name == EPHEMERAL:
            a = snap.alloc_eph[idx]
            q = snap.req_eph[idx] + pod_req
        else:
            if pod_req == 0:
                continue   # an extended resource the pod does not request is not scored
            infos = snap.infos
            a = np.fromiter((infos[i].allocatable.scalars.get(name, 0) for i in idx), dtype=np.int64, count=len(idx))
            q = np.fromiter((infos[i].requested.scalars.get(name, 0) for i in idx), dtype=np.int64,
                            count=len(idx)) + pod_req
        present = a != 0
        alloc[j] = np.where(present, a, 0)
        req[j] = np.where(present, q, 0)
    return alloc, req


def _weights(resources: list[dict]) -> np.ndarray:
    return np.array([int(r.get("weight", 1)) for r in resources], dtype=np.int64).reshape(-1, 1)


def least_allocated(req: np.ndarray, alloc: np.ndarray, resources: list[dict]) -> np.ndarray:
    """``leastResourceScorer``: mean over resources of (free after placing the pod) / allocatable."""
    w = _weights(resources)
    present = alloc != 0
    safe = np.where(present, alloc, 1)
    per = np.where(req > alloc, 0, ((alloc - req) * MAX_NODE_SCORE) // safe)
    node_score = (np.where(present, per, 0) * w).sum(axis=0)
    weight_sum = (present * w).sum(axis=0)
    return np.where(weight_sum == 0, 0, node_score // np.where(weight_sum == 0, 1, weight_sum))


def most_allocated(req: np.ndarray, alloc: np.ndarray, resources: list[dict]) -> np.ndarray:
    """``mostResourceScorer``: mean over resources of requested / allocatable (bin packing)."""
    w = _weights(resources)
    present = alloc != 0
    safe = np.where(present, alloc, 1)
    capped = np.minimum(req, alloc)
    per = (capped * MAX_NODE_SCORE) // safe
    node_score = (np.where(present, per, 0) * w).sum(axis=0)
    weight_sum = (present * w).sum(axis=0)
    return np.where(weight_sum == 0, 0, node_score // np.where(weight_sum == 0, 1, weight_sum))


def _tdiv(a: np.ndarray, b: np.ndarray | int) -> np.ndarray:
    """Go's integer division (truncating toward zero)."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (np.asarray(b) < 0), -q, q)


def broken_linear(shape: list[tuple[int, int]], p: np.ndarray) -> np.ndarray:
    """``helper.BuildBrokenLinearFunction`` over an array of utilisations."""
    out = np.full(p.shape, shape[-1][1], dtype=np.int64)
    done = np.zeros(p.shape, dtype=bool)
    for i, (u, s) in enumerate(shape):
        hit = ~done & (p <= u)
        if i == 0:
            val = np.full(p.shape, s, dtype=np.int64)
        else:
            pu, ps = shape[i - 1]
            val = ps + _tdiv((s - ps) * (p - pu), u - pu)
        out = np.where(hit, val, out)
        done |= hit
    return out


def requested_to_capacity_ratio(req: np.ndarray, alloc: np.ndarray, resources: list[dict],
                                shape: list[dict]) -> np.ndarray:
    """``requestedToCapacityRatioScorer``: a piecewise-linear function of utilisation, its
    0–10 scores scaled to 0–100, averaged over resources with a positive score (rounded)."""
    pts = [(int(p["utilization"]), int(p["score"]) * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE)) for p in shape]
    w = _weights(resources)
    present = alloc != 0
    safe = np.where(present, alloc, 1)
    util = np.where(req > alloc, MAX_UTILIZATION, (req * MAX_UTILIZATION) // safe)
    per = broken_linear(pts, util)
    counted = present & (per > 0)
    node_score = (np.where(counted, per, 0) * w).sum(axis=0)
    weight_sum = (counted * w).sum(axis=0)
    ratio = node_score / np.where(weight_sum == 0, 1, weight_sum)
    rounded = np.floor(ratio) + ((ratio - np.floor(ratio)) >= 0.5)   # math.Round: half away from zero
    return np.where(weight_sum == 0, 0, rounded.astype(np.int64))


def balanced(req: np.ndarray, alloc: np.ndarray) -> np.ndarray:
    """``balancedResourceScorer``: 100 × (1 − standard deviation of the resources' used fractions)."""
    present = alloc != 0
    frac = np.minimum(req / np.where(present, alloc, 1), 1.0)
    count = present.sum(axis=0)
    std = np.zeros(req.shape[1], dtype=np.float64)
    if req.shape[0] == 2:
        two = count == 2
        std = np.where(two, np.abs((frac[0] - frac[1]) / 2), 0.0)
    elif req.shape[0] > 2:
        for col in np.flatnonzero(count >= 2):
            fs = [float(f) for f, p in zip(frac[:, col], present[:, col]) if p]
            if len(fs) == 2:
                std[col] = abs((fs[0] - fs[1]) / 2)
            else:
                mean = sum(fs) / len(fs)
                s = 0.0
                for f in fs:
                    s = s + (f - mean) * (f - mean)
                std[col] = math.sqrt(s / len(fs))
    return ((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)


def cpu_memory_fast(snap, idx: np.ndarray, resources: list[dict], pod_requests: list[int], use_requested: bool):
    """The common case — resources exactly CPU and memory, every scored node has both — as four
    arrays (allocatable and requested-with-the-pod for each), or None."""
    if len(resources) != 2 or resources[0]["name"] != CPU or resources[1]["name"] != MEMORY:
        return None
    if not snap.all_allocatable_positive():
        return None
    ac, am = snap.alloc_cpu[idx], snap.alloc_mem[idx]
    if use_requested:
        rc, rm = snap.req_cpu[idx] + pod_requests[0], snap.req_mem[idx] + pod_requests[1]
    else:
        rc, rm = snap.non0_cpu[idx] + pod_requests[0], snap.non0_mem[idx] + pod_requests[1]
    return ac, am, rc, rm
