"""Where a namespace's data lives: pods, the claims they mount, the volumes bound to those claims,
and the nodes those volumes are tied to — drawn from the live cluster.

:func:`storage_map` reads Pods, PersistentVolumeClaims, PersistentVolumes, StorageClasses and
Nodes through the API server (client ``viz``) and draws:

* each node as a box holding the pods scheduled on it **and** the PersistentVolumes whose
  ``spec.nodeAffinity`` pins them to it (a ``hostPath`` / ``local`` volume such as kind's
  local-path provisioner makes: the data is a directory on that node's disk);
* claims (namespaced objects) between the pods and the volumes: an arrow from each pod to the
  claims it mounts (labelled with the mount path), from each claim to the volume it is bound to;
* the StorageClass each claim names, with its provisioner, binding mode and reclaim policy;
* a pod's ``emptyDir`` volumes inside its card — they live and die with the pod.

Claims still ``Pending`` and volumes ``Released`` (their claim deleted, reclaim policy
``Retain``) are drawn too, so the picture follows a volume's whole life.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.selectors import parse as parse_selector
from .diagrams import Diagram, _Dot, _plural
from .state import pod_view, viz_client

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

HOSTNAME_LABEL = "kubernetes.io/hostname"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
_PHASE_COLOURS = {"Bound": ("#e8f5e9", "#2e7d32"), "Pending": ("#fff8e1", "#b28704"),
                  "Available": ("#e3f2fd", "#1565c0"), "Released": ("#eeeeee", "#616161"),
                  "Failed": ("#ffebee", "#c62828"), "Lost": ("#ffebee", "#c62828")}


def _pinned_node(pv: dict) -> str:
    """The node a volume's ``nodeAffinity`` requires (``kubernetes.io/hostname In [x]``), or ""."""
    terms = ((((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
             .get("nodeSelectorTerms") or ())
    for term in terms:
        for expr in term.get("matchExpressions") or ():
            if expr.get("key") == HOSTNAME_LABEL and expr.get("operator") == "In" and expr.get("values"):
                return expr["values"][0]
    return ""


def _short(name: str, keep: int = 12) -> str:
    return name if len(name) <= keep + 1 else name[:keep] + "…"


def _volume_source(pv: dict) -> str:
    spec = pv.get("spec") or {}
    for kind in ("hostPath", "local"):
        if kind in spec:
            path = (spec[kind] or {}).get("path", "")
            folder = path.rsplit("/", 1)
            # kind's folder names repeat the volume's name: show the parent and the claim part
            tail = folder[-1].split("_", 1)[-1] if folder[-1].startswith("pvc-") else folder[-1]
            return f"{kind} {folder[0]}/…_{tail}" if len(folder) == 2 and len(path) > 40 else f"{kind} {path}"
    others = [k for k in spec if k not in ("capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy",
                                           "storageClassName", "volumeMode", "nodeAffinity", "mountOptions")]
    return others[0] if others else ""


def _claims_of(pod: dict) -> list[tuple[str, str]]:
    """(claim name, mount paths) for each persistentVolumeClaim volume of the pod."""
    spec = pod.get("spec") or {}
    mounts: dict[str, list[str]] = {}
    for c in spec.get("containers") or ():
        for m in c.get("volumeMounts") or ():
            mounts.setdefault(m.get("name", ""), []).append(m.get("mountPath", ""))
    out = []
    for v in spec.get("volumes") or ():
        if "persistentVolumeClaim" in v:
            out.append(((v["persistentVolumeClaim"] or {}).get("claimName", ""),
                        ", ".join(dict.fromkeys(mounts.get(v.get("name", ""), [])))))
    return out


def _empty_dirs(pod: dict) -> list[str]:
    return [v.get("name", "") for v in (pod.get("spec") or {}).get("volumes") or () if "emptyDir" in v]


def storage_map(cluster: "Cluster", namespace: str = "default", selector: str | None = None) -> Diagram:
    """The pods of ``namespace`` (those matching the label ``selector``, if given) with their
    claims, the PersistentVolumes bound to those claims drawn inside the node they are pinned to,
    and the StorageClasses behind them.  Only pods that mount a claim or an ``emptyDir`` are
    shown; claims of the namespace are shown even when no pod uses them (yet, or any more)."""
    client = viz_client(cluster)
    match = parse_selector(selector).matches if selector else None
    pods = [p for p in client.list("pods", namespace)["items"]
            if (match is None or match(p["metadata"].get("labels") or {}))
            and (_claims_of(p) or _empty_dirs(p))]
    pods.sort(key=lambda p: p["metadata"]["name"])
    claims = sorted(client.list("persistentvolumeclaims", namespace)["items"], key=lambda c: c["metadata"]["name"])
    if match is not None:
        used = {name for p in pods for name, _ in _claims_of(p)}
        claims = [c for c in claims if c["metadata"]["name"] in used
                  or match(c["metadata"].get("labels") or {})]
    claim_names = {c["metadata"]["name"] for c in claims}
    def shown(pv: dict) -> bool:
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref.get("namespace") != namespace:
            return False
        if ref.get("name") in claim_names:
            return True
        return match is None and (pv.get("status") or {}).get("phase") == "Released"

    volumes = sorted((pv for pv in client.list("persistentvolumes")["items"] if shown(pv)),
                     key=lambda pv: pv["metadata"]["name"])
    classes = {sc["metadata"]["name"]: sc for sc in client.list("storageclasses")["items"]}
    node_names = sorted({p["spec"].get("nodeName") for p in pods if p["spec"].get("nodeName")}
                        | {_pinned_node(pv) for pv in volumes if _pinned_node(pv)})

    title = f"storage in namespace '{namespace}'" + (f" ({selector})" if selector else "") + f" at t={cluster.now:g}s"
    d = _Dot("storage_map", rankdir="LR", label=title, labelloc="t")
    outline: list[str] = []

    def pod_node(p: dict, indent: int) -> None:
        v = pod_view(p)
        fill, border = v.colours
        lines = [f"Pod {v.name}", f"{v.status}  {v.ready}"]
        lines += [f"emptyDir {e} (dies with the pod)" for e in _empty_dirs(p)]
        d.node(f"pod/{v.name}", indent=indent, label="\n".join(lines), fillcolor=fill, color=border)
        outline.append("  " * (indent - 1) + f"pod {v.name} {v.status} {v.ready}"
                       + "".join(f", emptyDir {e}" for e in _empty_dirs(p)))

    def pv_node(pv: dict, indent: int) -> None:
        spec, st = pv.get("spec") or {}, pv.get("status") or {}
        phase = st.get("phase", "")
        fill, border = _PHASE_COLOURS.get(phase, ("#ffffff", "#616161"))
        size = (spec.get("capacity") or {}).get("storage", "")
        policy = spec.get("persistentVolumeReclaimPolicy", "")
        src = _volume_source(pv)
        label = f"PV {_short(pv['metadata']['name'])}\n{size} {phase}, reclaim {policy}" + (f"\n{src}" if src else "")
        d.node(f"pv/{pv['metadata']['name']}", indent=indent, label=label, shape="cylinder", style="filled",
               fillcolor=fill, color=border)
        outline.append("  " * (indent - 1) + f"volume {pv['metadata']['name']} {size} {phase} "
                       f"reclaim={policy}" + (f" {src}" if src else ""))

    by_node = {n: [p for p in pods if p["spec"].get("nodeName") == n] for n in node_names}
    pvs_on = {n: [pv for pv in volumes if _pinned_node(pv) == n] for n in node_names}
    for n in node_names:
        d.open(n, label=f"node {n}", style="rounded,filled", fillcolor="#f1f8e9", color="#33691e")
        outline.append(f"node {n}: {_plural(len(by_node[n]), 'pod')}, {_plural(len(pvs_on[n]), 'volume')}")
        for p in by_node[n]:
            pod_node(p, 2)
        for pv in pvs_on[n]:
            pv_node(pv, 2)
        d.close()
    unscheduled = [p for p in pods if not p["spec"].get("nodeName")]
    if unscheduled:
        d.open("unscheduled", label="not on a node (Pending)", style="dashed", color="#b28704")
        outline.append("not on a node:")
        for p in unscheduled:
            pod_node(p, 2)
        d.close()
    for pv in volumes:
        if not _pinned_node(pv):
            pv_node(pv, 1)

    for c in claims:
        name, spec, st = c["metadata"]["name"], c.get("spec") or {}, c.get("status") or {}
        phase = st.get("phase", "Pending")
        fill, border = _PHASE_COLOURS.get(phase, ("#ffffff", "#616161"))
        size = (st.get("capacity") or {}).get("storage") or ((spec.get("resources") or {}).get("requests") or {}).get("storage", "")
        d.node(f"pvc/{name}", label=f"PVC {name}\n{phase}  {size}", shape="note", style="filled",
               fillcolor=fill, color=border)
        bound = spec.get("volumeName", "") if phase == "Bound" else ""
        outline.append(f"claim {name} {phase} {size}" + (f" -> volume {bound}" if bound else "")
                       + (f" class {spec.get('storageClassName')}" if spec.get("storageClassName") else ""))
        if bound and any(pv["metadata"]["name"] == bound for pv in volumes):
            d.edge(f"pvc/{name}", f"pv/{bound}", label="bound", color=border)
        cls = spec.get("storageClassName")
        if cls:
            d.edge(f"sc/{cls}", f"pvc/{name}", style="dotted", color="#757575", arrowhead="none")
    for p in pods:
        for claim, paths in _claims_of(p):
            if claim not in claim_names:
                d.node(f"pvc/{claim}", label=f"PVC {claim}\n(missing)", shape="note", style="dashed")
                claim_names.add(claim)
            d.edge(f"pod/{p['metadata']['name']}", f"pvc/{claim}", label=paths or None)
    for cls in sorted({(c.get("spec") or {}).get("storageClassName") for c in claims} - {None, ""}):
        sc = classes.get(cls)
        if sc is None:
            d.node(f"sc/{cls}", label=f"StorageClass {cls}\n(missing)", shape="hexagon", style="dashed")
            outline.append(f"storage class {cls} (missing)")
            continue
        default = (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"
        text = (f"StorageClass {cls}" + (" (default)" if default else "")
                + f"\n{sc.get('provisioner', '')}\n{sc.get('volumeBindingMode', 'Immediate')}, "
                f"reclaim {sc.get('reclaimPolicy', 'Delete')}")
        d.node(f"sc/{cls}", label=text, shape="hexagon", style="filled", fillcolor="#f3e5f5", color="#6a1b9a")
        outline.append(text.replace("\n", ", ").replace("StorageClass", "storage class", 1))

    summary = (f"{_plural(len(pods), 'pod')}, {_plural(len(claims), 'claim')}, {_plural(len(volumes), 'volume')} "
               f"on {_plural(len(node_names), 'node')} in namespace '{namespace}' at t={cluster.now:g}s")
    return Diagram("storage", f"Storage in namespace '{namespace}' at t={cluster.now:g}s", d.source(), outline, summary)
