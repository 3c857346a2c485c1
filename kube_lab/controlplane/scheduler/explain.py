"""Why the scheduler decided what it did: one record per scheduling attempt, and a readable view.

Modelled on the kube-scheduler-simulator's result annotations (``filter-result``,
``score-result``, ``finalscore-result`` …): for every node the scheduler evaluated, each filter
plugin's verdict (``passed`` or its reason; plugins after the first failing one are not run, as in
the real scheduler), and for every feasible node each score plugin's raw score, normalised score
and weighted score, the total, and the node chosen.

The record keeps references to the arrays the cycle computed; the per-node view is only built
when :class:`Explanation` is asked for it.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from .framework import CODE_NAMES, Status

PASSED = "passed"
NOT_RUN = ""
SIMULATOR_PREFIX = "kube-scheduler-simulator.sigs.k8s.io/"


class _Pass:
    """One filtering pass over a list of nodes (the nominated node alone, or the main pass)."""

    __slots__ = ("positions", "plugins", "verdicts", "nominated")

    def __init__(self, positions, plugins, verdicts, nominated):
        self.positions = positions      # node positions in evaluation order
        self.plugins = plugins          # plugin names in filter order
        self.verdicts = verdicts        # callable(i) -> list of (plugin, verdict) for node i
        self.nominated = nominated


class SchedulingAttempt:
    """What one scheduling attempt of one pod did."""

    def __init__(self, pod_info, attempt: int, cycle: int, time: float, profile):
        self.pod_key = pod_info.key
        self.pod_uid = pod_info.uid
        self.attempt = attempt
        self.cycle = cycle
        self.time = time
        self.profile = profile.scheduler_name
        self.result = "Pending"
        self.node: str | None = None
        self.message = ""
        self.num_all_nodes = 0
        self.num_nodes_to_find = 0
        self.start_index = 0
        self.node_names: list[str] = []
        self.pre_filter: list[tuple[str, Status | None]] = []
        self.pre_filter_msg = ""
        self.passes: list[_Pass] = []
        self.feasible = np.zeros(0, dtype=np.int64)
        self.pre_score: list[tuple[str, Status | None]] = []
        self.scores: list[tuple[str, int, np.ndarray | None, np.ndarray | None]] = []
        self.totals: np.ndarray | None = None
        self.post_filter: tuple | None = None

    def finish(self, result: str, node: str | None = None, message: str = "") -> None:
        self.result = result
        self.node = node
        self.message = message

    def add_filter_pass(self, positions, names, first, code, tables, override, nominated) -> None:
        """A vectorised pass: per node the first rejecting plugin (``len(names)`` = none) and its
        status code in that plugin's table; ``override`` = statuses with nominated pods."""
        k = len(names)
        positions = np.asarray(positions)

        def verdicts(i: int) -> list[tuple[str, str]]:
            pos = int(positions[i])
            if pos in override:
                st = override[pos]
                f = names.index(st.plugin) if st.plugin in names else k
                return [(n, PASSED if j < f else (st.message if j == f else NOT_RUN)) for j, n in enumerate(names)]
            f = int(first[i])
            return [(n, PASSED if j < f else (tables[j][int(code[i]) - 1].message if j == f else NOT_RUN))
                    for j, n in enumerate(names)]
        self.passes.append(_Pass(positions.astype(np.int32), names, verdicts, nominated))

    def add_filter_pass_scalar(self, positions, names, firsts, results, nominated) -> None:
        def verdicts(i: int) -> list[tuple[str, str]]:
            f = firsts[i]
            st = results[i]
            return [(name, PASSED if j < f else (st.message if j == f and st is not None else NOT_RUN))
                    for j, name in enumerate(names)]
        self.passes.append(_Pass(np.asarray(positions).copy(), names, verdicts, nominated))


class NodeResult:
    """One node in an explanation."""

    __slots__ = ("name", "filters", "feasible", "scores", "total", "selected")

    def __init__(self, name: str):
        self.name = name
        self.filters: dict[str, str] = {}       # plugin → "passed" / reason / "" (not run)
        self.feasible = False
        self.scores: dict[str, dict | None] = {}   # plugin → {raw, normalized, weight, weighted} or None (skipped)
        self.total: int | None = None
        self.selected = False

    @property
    def reason(self) -> str | None:
        """The filter reason that excluded the node, ``"<Plugin>: <reason>"`` (None if feasible)."""
        for plugin, v in self.filters.items():
            if v not in (PASSED, NOT_RUN):
                return f"{plugin}: {v}"
        return None

    def to_dict(self) -> dict:
        return {"name": self.name, "filters": dict(self.filters), "feasible": self.feasible,
                "scores": {k: (dict(v) if v else None) for k, v in self.scores.items()}, "total": self.total,
                "selected": self.selected}

    def __repr__(self) -> str:
        sel = " selected" if self.selected else ""
        return f"<NodeResult {self.name} feasible={self.feasible} total={self.total}{sel}>"


class Explanation:
    """A readable view of one :class:`SchedulingAttempt` (``str()`` renders tables)."""

    def __init__(self, attempt: SchedulingAttempt):
        self._a = attempt
        self._nodes: list[NodeResult] | None = None

    # -- summary attributes ------------------------------------------------------------------------
    @property
    def pod(self) -> str:
        return self._a.pod_key

    @property
    def attempt(self) -> int:
        return self._a.attempt

    @property
    def time(self) -> float:
        return self._a.time

    @property
    def result(self) -> str:
        """``Scheduled``, ``Unschedulable``, ``Error``, ``Binding`` (waiting for volumes)."""
        return self._a.result

    @property
    def node(self) -> str | None:
        """The node chosen (None when none fits)."""
        return self._a.node

    @property
    def message(self) -> str:
        """The FailedScheduling message of an unsuccessful attempt."""
        return self._a.message

    @property
    def num_all_nodes(self) -> int:
        return self._a.num_all_nodes

    @property
    def num_nodes_to_find(self) -> int:
        return self._a.num_nodes_to_find

    @property
    def pre_filter(self) -> dict[str, str]:
        return {name: _status_text(st) for name, st in self._a.pre_filter}

    @property
    def pre_score(self) -> dict[str, str]:
        return {name: _status_text(st) for name, st in self._a.pre_score}

    @property
    def preemption(self) -> dict | None:
        """What PostFilter (DefaultPreemption) did: its message, the node nominated and victims."""
        pf = self._a.post_filter
        if pf is None:
            return None
        name, st, nominated, cand = pf
        return {"plugin": name, "status": CODE_NAMES[st.code], "message": st.message,
                "nominated_node": nominated or None,
                "victims": [v.key for v in cand.victims] if cand is not None else []}

    # -- per node ------------------------------------------------------------------------------------
    @property
    def nodes(self) -> list[NodeResult]:
        """The nodes evaluated, in the order the filters visited them (the nominated node, if the
        pod had one, first)."""
        if self._nodes is None:
            self._nodes = self._build()
        return self._nodes

    def node_result(self, name: str) -> NodeResult:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def _build(self) -> list[NodeResult]:
        a = self._a
        by_name: dict[str, NodeResult] = {}
        for p in a.passes:
            for i, pos in enumerate(p.positions.tolist()):
                name = a.node_names[pos]
                nr = NodeResult(name)
                nr.filters = dict(p.verdicts(i))
                nr.feasible = all(v == PASSED for v in nr.filters.values())
                by_name.pop(name, None)
                by_name[name] = nr
        feasible = [a.node_names[int(pos)] for pos in a.feasible]
        for name in feasible:
            if name in by_name:
                by_name[name].feasible = True
        for j, name in enumerate(feasible):
            nr = by_name.get(name)
            if nr is None:
                continue
            for plugin, weight, raw, norm in a.scores:
                if raw is None:
                    nr.scores[plugin] = None
                else:
                    nr.scores[plugin] = {"raw": int(raw[j]), "normalized": int(norm[j]), "weight": weight,
                                         "weighted": int(norm[j]) * weight}
            if a.totals is not None:
                nr.total = int(a.totals[j])
        if a.node is not None and a.node in by_name:
            by_name[a.node].selected = True
        return list(by_name.values())

    # -- renderings --------------------------------------------------------------------------------------
    def summary(self) -> str:
        a = self._a
        head = f"Pod {a.pod_key} (attempt {a.attempt} at t={a.time:g}s, profile {a.profile}): "
        if a.result == "Scheduled":
            head += f"scheduled on {a.node}"
        elif a.result == "Binding":
            head += f"assumed on {a.node}, waiting for its volumes to be bound"
        elif a.result == "Error":
            head += f"error: {a.message}"
        else:
            head += "unschedulable"
        lines = [head]
        if a.num_all_nodes:
            evaluated = len(self.nodes)
            feasible = sum(1 for n in self.nodes if n.feasible)
            lines.append(f"{a.num_all_nodes} node(s); {evaluated} evaluated; {feasible} feasible"
                         + (f" (stops at {a.num_nodes_to_find})" if a.num_nodes_to_find and
                            a.num_nodes_to_find < a.num_all_nodes else ""))
        if a.pre_filter_msg:
            lines.append(f"PreFilter: {a.pre_filter_msg}")
        if a.result == "Unschedulable" and a.message:
            lines.append(f"FailedScheduling: {a.message}")
        pre = self.preemption
        if pre is not None and pre["nominated_node"]:
            lines.append(f"Preemption: nominated {pre['nominated_node']}, victims {', '.join(pre['victims'])}")
        return "\n".join(lines)

    def filter_table(self) -> str:
        rows = [("NODE", "FILTER")]
        for n in self.nodes:
            rows.append((n.name, PASSED if n.feasible else (n.reason or "")))
        return _render(rows)

    def score_table(self, detail: bool = False, max_nodes: int = 8) -> str:
        """Columns = feasible nodes (the best ``max_nodes``), rows = score plugins.  Cells are
        weighted scores, or ``raw→normalised×weight`` with ``detail=True``."""
        scored = [n for n in self.nodes if n.total is not None]
        if not scored:
            return ""
        if len(scored) > max_nodes:
            keep = sorted(scored, key=lambda n: (not n.selected, -(n.total or 0)))[:max_nodes]
            scored = [n for n in scored if n in keep]
        header = ["SCORE"] + [n.name + (" *" if n.selected else "") for n in scored]
        rows = [tuple(header)]
        for plugin, weight, raw, _ in self._a.scores:
            cells = [f"{plugin} (×{weight})"]
            for n in scored:
                s = n.scores.get(plugin)
                if s is None:
                    cells.append("skip")
                elif detail:
                    cells.append(f"{s['raw']}→{s['normalized']}×{weight}={s['weighted']}")
                else:
                    cells.append(str(s["weighted"]))
            rows.append(tuple(cells))
        rows.append(tuple(["TOTAL"] + [str(n.total) for n in scored]))
        return _render(rows)

    def table(self, detail: bool = False) -> str:
        parts = [self.summary()]
        if self.nodes:
            parts.append(self.filter_table())
        st = self.score_table(detail)
        if st:
            parts.append(st)
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<Explanation {self.pod} attempt={self.attempt} result={self.result} node={self.node}>"

    def _repr_pretty_(self, p, cycle) -> None:   # IPython
        p.text(self.table())

    def to_dict(self) -> dict[str, Any]:
        a = self._a
        return {"pod": a.pod_key, "attempt": a.attempt, "time": a.time, "profile": a.profile, "result": a.result,
                "node": a.node, "message": a.message, "numAllNodes": a.num_all_nodes,
                "numNodesToFind": a.num_nodes_to_find, "preFilter": self.pre_filter, "preScore": self.pre_score,
                "nodes": [n.to_dict() for n in self.nodes], "preemption": self.preemption}

    def annotations(self) -> dict[str, str]:
        """The attempt as kube-scheduler-simulator result annotations (JSON strings)."""
        nodes = self.nodes
        filt = {n.name: {k: v for k, v in n.filters.items() if v != NOT_RUN} for n in nodes}
        score = {n.name: {k: str(v["raw"]) for k, v in n.scores.items() if v is not None} for n in nodes if n.scores}
        final = {n.name: {k: str(v["weighted"]) for k, v in n.scores.items() if v is not None}
                 for n in nodes if n.scores}
        out = {
            "prefilter-result-status": {k: v for k, v in self.pre_filter.items()},
            "filter-result": filt,
            "prescore-result": {k: v for k, v in self.pre_score.items()},
            "score-result": score,
            "finalscore-result": final,
            "selected-node": self.node or "",
        }
        if self.preemption is not None:
            out["postfilter-result"] = {self.preemption["plugin"]: self.preemption["message"] or "success"}
        return {SIMULATOR_PREFIX + k: (v if isinstance(v, str) else json.dumps(v, sort_keys=True))
                for k, v in out.items()}


def _status_text(st: Status | None) -> str:
    if st is None or st.is_success():
        return "success"
    if st.is_skip():
        return "skip"
    return st.message or CODE_NAMES[st.code]


def _render(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) if i < len(r) else 0 for r in rows) for i in range(max(len(r) for r in rows))]
    out = []
    for r in rows:
        cells = [str(c).ljust(widths[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
