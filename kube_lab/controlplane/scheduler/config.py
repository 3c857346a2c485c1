"""``KubeSchedulerConfiguration`` (``kubescheduler.config.k8s.io/v1``), the subset the simulator
understands, and the profiles built from it.

Defaults as v1.32's ``SetDefaults_KubeSchedulerConfiguration``: one profile
``default-scheduler`` with the default plugins, ``percentageOfNodesToScore: 0`` (adaptive),
``podInitialBackoffSeconds: 1``, ``podMaxBackoffSeconds: 10``.  Plugin sets may enable or disable
plugins per extension point (``multiPoint``, ``queueSort``, ``preFilter``, ``filter``,
``postFilter``, ``preScore``, ``score``, ``reserve``, ``preBind``, ``bind``; ``"*"`` disables every
default), and ``pluginConfig`` passes arguments, e.g.::

    profiles:
    - schedulerName: default-scheduler
      pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated
"""
from __future__ import annotations

from typing import Any

from .framework import Profile
from .plugins import DEFAULT_PLUGINS, REGISTRY

DEFAULT_SCHEDULER_NAME = "default-scheduler"
POINT_METHODS = {
    "queueSort": "less", "preEnqueue": "pre_enqueue", "preFilter": "pre_filter", "filter": "filter",
    "postFilter": "post_filter", "preScore": "pre_score", "score": "score_nodes", "reserve": "reserve",
    "preBind": "pre_bind", "bind": "bind",
}


class ConfigError(ValueError):
    pass


class SchedulerConfiguration:
    def __init__(self, raw: dict | None = None):
        raw = raw or {}
        self.raw = raw
        self.percentage_of_nodes_to_score = int(raw.get("percentageOfNodesToScore") or 0)
        self.pod_initial_backoff_seconds = float(raw.get("podInitialBackoffSeconds") or 1)
        self.pod_max_backoff_seconds = float(raw.get("podMaxBackoffSeconds") or 10)
        profiles = raw.get("profiles") or [{}]
        self.profiles = [dict(p) for p in profiles]
        if not 0 <= self.percentage_of_nodes_to_score <= 100:
            raise ConfigError("percentageOfNodesToScore: Invalid value: must be in the range [0, 100]")
        names = [p.get("schedulerName") or DEFAULT_SCHEDULER_NAME for p in self.profiles]
        if len(set(names)) != len(names):
            raise ConfigError("profiles: Duplicate value: schedulerName must be unique")

    def build_profiles(self, handle: Any) -> dict[str, Profile]:
        out = {}
        for p in self.profiles:
            name = p.get("schedulerName") or DEFAULT_SCHEDULER_NAME
            out[name] = build_profile(name, p, handle)
        return out


def _names(entries) -> list[str]:
    return [e.get("name", "") for e in entries or ()]


def build_profile(name: str, cfg: dict, handle: Any) -> Profile:
    """The plugins of one profile: defaults, then ``multiPoint`` changes, then per-point ones."""
    plugin_sets = cfg.get("plugins") or {}
    order: list[str] = [n for n, _ in DEFAULT_PLUGINS]
    weights: dict[str, int] = {n: w for n, w in DEFAULT_PLUGINS if w is not None}
    mp = plugin_sets.get("multiPoint") or {}
    disabled_mp = set(_names(mp.get("disabled")))
    if "*" in disabled_mp:
        order, weights = [], {}
    else:
        order = [n for n in order if n not in disabled_mp]
        weights = {n: w for n, w in weights.items() if n not in disabled_mp}
    for e in mp.get("enabled") or ():
        n = e.get("name", "")
        if n not in order:
            order.append(n)
        if e.get("weight") is not None:
            weights[n] = int(e["weight"])
        elif n not in weights and callable(getattr(REGISTRY.get(n), "score_nodes", None)):
            weights[n] = 1
    disabled: dict[str, set[str]] = {}
    for point, method in POINT_METHODS.items():
        ps = plugin_sets.get(point) or {}
        off = set(_names(ps.get("disabled")))
        if "*" in off:
            off = set(order)
        for e in ps.get("enabled") or ():
            n = e.get("name", "")
            off.discard(n)
            if n not in order:
                order.append(n)
            if point == "score":
                weights[n] = int(e.get("weight") or weights.get(n) or 1)
        if point == "score":
            for n in off:
                weights.pop(n, None)
        disabled[method] = off
    args = {pc.get("name", ""): pc.get("args") or {} for pc in cfg.get("pluginConfig") or ()}
    plugins = []
    for n in order:
        cls = REGISTRY.get(n)
        if cls is None:
            raise ConfigError(f'initializing profile for scheduler name "{name}": plugin "{n}" does not exist')
        plugins.append(cls(handle, args.get(n)))
    pct = cfg.get("percentageOfNodesToScore")
    return Profile(name, plugins, weights, None if pct is None else int(pct), disabled)
