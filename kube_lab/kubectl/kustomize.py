"""``kubectl kustomize DIR`` / ``kubectl apply -k DIR``: the kustomize v5.5 build, for the fields a
course uses.

Supported kustomization fields: ``resources`` (files and directories holding their own
kustomization), ``namespace``, ``namePrefix``, ``nameSuffix``, ``commonLabels`` (also added to
selectors and templates, as upstream's field specs say), ``labels`` (with ``includeSelectors`` /
``includeTemplates``), ``commonAnnotations``, ``images``, ``replicas``, ``configMapGenerator`` and
``secretGenerator`` (``literals``, ``files``, ``envs``, ``type``, ``options``) and
``generatorOptions``.

The build follows kustomize's pipeline: generate, transform (namespace, prefix/suffix, labels,
annotations, images, replicas), append the content hash to generated names (kustomize's hasher —
whose lookup of ``metadata/name`` finds nothing, so the hash covers only kind, type and data),
rewrite references to renamed ConfigMaps, Secrets, Services, PVCs and ServiceAccounts in workloads,
and sort in kustomize's "legacy" order.  Output is YAML documents separated by ``---``.
"""
from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from ..api.meta import deep_copy
from ..api.registry import REGISTRY, NoKindMatchError
from .manifests import load_documents
from .parser import CommandError

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORDER_FIRST = ["Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
               "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap",
               "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
               "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget"]
ORDER_LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]
DEPRECATION = "Run 'kustomize edit fix' to update your Kustomization automatically."

# Where a pod template's spec sits, per workload kind.
POD_SPEC_PATHS = {
    "Pod": ("spec",), "PodTemplate": ("template", "spec"), "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"), "DaemonSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"), "Job": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
TEMPLATE_METADATA_PATHS = {
    "Deployment": [("spec", "template", "metadata")], "ReplicaSet": [("spec", "template", "metadata")],
    "DaemonSet": [("spec", "template", "metadata")], "StatefulSet": [("spec", "template", "metadata")],
    "Job": [("spec", "template", "metadata")], "ReplicationController": [("spec", "template", "metadata")],
    "CronJob": [("spec", "jobTemplate", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")],
}
# commonLabels selector field specs: (kind, path, create)
SELECTOR_PATHS = [
    ("Service", ("spec", "selector"), True), ("ReplicationController", ("spec", "selector"), True),
    ("Deployment", ("spec", "selector", "matchLabels"), True), ("ReplicaSet", ("spec", "selector", "matchLabels"), True),
    ("DaemonSet", ("spec", "selector", "matchLabels"), True), ("StatefulSet", ("spec", "selector", "matchLabels"), True),
    ("Job", ("spec", "selector", "matchLabels"), False),
    ("CronJob", ("spec", "jobTemplate", "spec", "selector", "matchLabels"), False),
    ("PodDisruptionBudget", ("spec", "selector", "matchLabels"), False),
    ("NetworkPolicy", ("spec", "podSelector", "matchLabels"), False),
]
NO_PREFIX_KINDS = {"CustomResourceDefinition", "APIService", "Namespace"}


class KustomizeError(CommandError):
    pass


def _find_kustomization(path: str) -> str:
    for name in KUSTOMIZATION_FILES:
        candidate = os.path.join(path, name)
        if os.path.isfile(candidate):
            return candidate
    raise KustomizeError(f"error: unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
                         f"'Kustomization' in directory '{os.path.abspath(path)}'")


class _Resource:
    def __init__(self, obj: dict, generated: bool = False, hash_suffix: bool = False):
        self.obj = obj
        self.generated = generated
        self.hash_suffix = hash_suffix
        self.original_name = (obj.get("metadata") or {}).get("name", "")

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name", "")


def build(path: str, warnings: list[str] | None = None) -> list[dict]:
    """The objects ``kustomize build path`` produces, in output order."""
    if not os.path.isdir(path):
        raise KustomizeError(f"error: must build at directory: not a valid directory: evalsymlink failure on "
                             f"'{path}' : lstat {os.path.abspath(path)}: no such file or directory")
    resources = _build_dir(path, warnings if warnings is not None else [])
    return [r.obj for r in _legacy_sorted(resources)]


def _load_kustomization(path: str) -> dict:
    kfile = _find_kustomization(path)
    with open(kfile, encoding="utf-8") as f:
        text = f.read()
    docs = load_documents(text, kfile)
    k = docs[0] if docs else {}
    if not isinstance(k, dict):
        raise KustomizeError(f"error: invalid Kustomization: {kfile}")
    return k


def _build_dir(path: str, warnings: list[str]) -> list[_Resource]:
    k = _load_kustomization(path)
    for field, replacement in (("commonLabels", "labels"), ("bases", "resources"), ("imageTags", "images"),
                               ("patchesJson6902", "patches"), ("patchesStrategicMerge", "patches")):
        if field in k:
            warnings.append(f"# Warning: '{field}' is deprecated. Please use '{replacement}' instead. {DEPRECATION}")
    resources: list[_Resource] = []
    for entry in list(k.get("bases") or []) + list(k.get("resources") or []):
        full = os.path.join(path, str(entry))
        if os.path.isdir(full):
            resources.extend(_build_dir(full, warnings))
        elif os.path.isfile(full):
            with open(full, encoding="utf-8") as f:
                for d in load_documents(f.read(), full):
                    if isinstance(d, dict) and str(d.get("kind", "")).endswith("List") and isinstance(d.get("items"), list):
                        resources.extend(_Resource(deep_copy(i)) for i in d["items"])
                    elif isinstance(d, dict):
                        resources.append(_Resource(d))
        else:
            raise KustomizeError(f"error: accumulating resources: accumulation err='accumulating resources from "
                                 f"'{entry}': open {os.path.abspath(full)}: no such file or directory'")
    options = k.get("generatorOptions") or {}
    for gen in k.get("configMapGenerator") or []:
        resources.append(_generate(path, gen, options, "ConfigMap"))
    for gen in k.get("secretGenerator") or []:
        resources.append(_generate(path, gen, options, "Secret"))
    _transform(k, resources)
    return resources


def _read_sources(base: str, gen: dict) -> list[tuple[str, bytes | str]]:
    out: list[tuple[str, bytes | str]] = []
    for env in gen.get("envs") or ([gen["env"]] if gen.get("env") else []):
        full = os.path.join(base, env)
        if not os.path.isfile(full):
            raise KustomizeError(f"error: open {os.path.abspath(full)}: no such file or directory")
        with open(full, encoding="utf-8") as f:
            for line in f.read().splitlines():
                line = line.lstrip()
                if not line or line.startswith("#"):
                    continue
                k_, sep, v = line.partition("=")
                out.append((k_, v if sep else os.environ.get(k_, "")))
    for src in gen.get("files") or []:
        key, sep, p = str(src).partition("=")
        if not sep:
            p, key = key, os.path.basename(key)
        full = os.path.join(base, p)
        if not os.path.isfile(full):
            raise KustomizeError(f"error: open {os.path.abspath(full)}: no such file or directory")
        with open(full, "rb") as f:
            out.append((key, f.read()))
    for lit in gen.get("literals") or []:
        key, sep, value = str(lit).partition("=")
        if not sep:
            raise KustomizeError(f"error: invalid literal source {lit}, expected key=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out.append((key, value))
    return out


def _generate(base: str, gen: dict, options: dict, kind: str) -> _Resource:
    name = gen.get("name", "")
    opts = {**options, **(gen.get("options") or {})}
    md: dict[str, Any] = {"name": name}
    if gen.get("namespace"):
        md["namespace"] = gen["namespace"]
    if opts.get("labels"):
        md["labels"] = dict(opts["labels"])
    if opts.get("annotations"):
        md["annotations"] = dict(opts["annotations"])
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": md}
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key, value in _read_sources(base, gen):
        if kind == "Secret":
            raw = value if isinstance(value, bytes) else value.encode()
            data[key] = base64.b64encode(raw).decode()
        elif isinstance(value, bytes):
            try:
                data[key] = value.decode("utf-8")
            except UnicodeDecodeError:
                binary[key] = base64.b64encode(value).decode()
        else:
            data[key] = value
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = binary
    if kind == "Secret":
        obj["type"] = gen.get("type") or "Opaque"
    if opts.get("immutable"):
        obj["immutable"] = True
    return _Resource(obj, generated=True, hash_suffix=not opts.get("disableNameSuffixHash"))


def kustomize_hash(obj: dict) -> str:
    """kustomize's ``Hasher.Hash`` for a generated ConfigMap or Secret."""
    from ..api.apply import go_json
    from .commands.create import encode_hash

    if obj.get("kind") == "ConfigMap":
        m: dict[str, Any] = {"kind": "ConfigMap", "name": "", "data": obj.get("data", "")}
        if isinstance(obj.get("binaryData"), dict):
            m["binaryData"] = obj["binaryData"]
    else:
        m = {"kind": "Secret", "type": obj.get("type", ""), "name": "", "data": obj.get("data", "")}
        if isinstance(obj.get("stringData"), dict):
            m["stringData"] = obj["stringData"]
    return encode_hash(hashlib.sha256(go_json(m).encode()).hexdigest())


def _dig(obj: Any, path: tuple, create: bool = False) -> dict | None:
    cur = obj
    for p in path:
        if not isinstance(cur, dict):
            return None
        nxt = cur.get(p)
        if nxt is None:
            if not create:
                return None
            nxt = cur[p] = {}
        cur = nxt
    return cur if isinstance(cur, dict) else None


def _namespaced(obj: dict) -> bool:
    try:
        return REGISTRY.for_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", ""))).namespaced
    except NoKindMatchError:
        return True


def _transform(k: dict, resources: list[_Resource]) -> None:
    renames: dict[tuple[str, str], str] = {}
    if k.get("namespace"):
        for r in resources:
            if _namespaced(r.obj):
                r.obj.setdefault("metadata", {})["namespace"] = k["namespace"]
            for sub in r.obj.get("subjects") or [] if r.kind in ("RoleBinding", "ClusterRoleBinding") else []:
                if sub.get("kind") == "ServiceAccount" and sub.get("name") == "default":
                    sub["namespace"] = k["namespace"]
    prefix, suffix = k.get("namePrefix") or "", k.get("nameSuffix") or ""
    if prefix or suffix:
        for r in resources:
            if r.kind in NO_PREFIX_KINDS:
                continue
            md = r.obj.setdefault("metadata", {})
            md["name"] = f"{prefix}{md.get('name', '')}{suffix}"
    labels = dict(k.get("commonLabels") or {})
    if labels:
        for r in resources:
            _add_labels(r, labels, selectors=True, templates=True)
    for entry in k.get("labels") or []:
        pairs = dict(entry.get("pairs") or {})
        for r in resources:
            _add_labels(r, pairs, selectors=bool(entry.get("includeSelectors")),
                        templates=bool(entry.get("includeTemplates")) or bool(entry.get("includeSelectors")))
    annotations = dict(k.get("commonAnnotations") or {})
    if annotations:
        for r in resources:
            md = r.obj.setdefault("metadata", {})
            md["annotations"] = {**(md.get("annotations") or {}), **annotations}
            for path in TEMPLATE_METADATA_PATHS.get(r.kind, []):
                tmd = _dig(r.obj, path, create=True)
                if tmd is not None:
                    tmd["annotations"] = {**(tmd.get("annotations") or {}), **annotations}
    for img in k.get("images") or []:
        for r in resources:
            _set_images(r.obj, img)
    for rep in k.get("replicas") or []:
        for r in resources:
            if r.original_name == rep.get("name") and r.kind in ("Deployment", "ReplicaSet", "StatefulSet",
                                                                  "ReplicationController"):
                r.obj.setdefault("spec", {})["replicas"] = rep.get("count")
    for r in resources:
        if r.generated and r.hash_suffix:
            md = r.obj.setdefault("metadata", {})
            md["name"] = f"{md.get('name', '')}-{kustomize_hash(r.obj)}"
            r.hash_suffix = False
    for r in resources:
        if r.original_name != r.name:
            renames[(r.kind, r.original_name)] = r.name
    if renames:
        for r in resources:
            _rewrite_references(r.obj, renames)
    for r in resources:
        r.original_name = r.name


def _add_labels(r: _Resource, labels: dict, selectors: bool, templates: bool) -> None:
    md = r.obj.setdefault("metadata", {})
    md["labels"] = {**(md.get("labels") or {}), **labels}
    if templates:
        for path in TEMPLATE_METADATA_PATHS.get(r.kind, []):
            tmd = _dig(r.obj, path, create=True)
            if tmd is not None:
                tmd["labels"] = {**(tmd.get("labels") or {}), **labels}
        if r.kind == "StatefulSet":
            for t in (r.obj.get("spec") or {}).get("volumeClaimTemplates") or []:
                tmd = t.setdefault("metadata", {})
                tmd["labels"] = {**(tmd.get("labels") or {}), **labels}
    if selectors:
        for kind, path, create in SELECTOR_PATHS:
            if kind != r.kind:
                continue
            sel = _dig(r.obj, path, create=create)
            if sel is not None:
                sel.update(labels)


def _split_image(image: str) -> tuple[str, str, str]:
    """(name, tag, digest) of an image reference."""
    digest = ""
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = ""
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        image, tag = image[:colon], image[colon + 1:]
    return image, tag, digest


def _set_images(obj: dict, img: dict) -> None:
    spec_path = POD_SPEC_PATHS.get(str(obj.get("kind", "")))
    if spec_path is None:
        return
    spec = _dig(obj, spec_path)
    if spec is None:
        return
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            name, tag, digest = _split_image(str(c.get("image", "")))
            if name != img.get("name"):
                continue
            new_name = img.get("newName") or name
            if img.get("digest"):
                c["image"] = f"{new_name}@{img['digest']}"
            elif img.get("newTag") is not None:
                c["image"] = f"{new_name}:{img['newTag']}"
            else:
                c["image"] = new_name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def _rewrite_references(obj: dict, renames: dict[tuple[str, str], str]) -> None:
    kind = str(obj.get("kind", ""))

    def rename(ref_kind: str, holder: dict | None, key: str) -> None:
        if isinstance(holder, dict) and (ref_kind, holder.get(key)) in renames:
            holder[key] = renames[(ref_kind, holder[key])]

    spec_path = POD_SPEC_PATHS.get(kind)
    if spec_path is not None:
        spec = _dig(obj, spec_path)
        if spec is not None:
            for v in spec.get("volumes") or []:
                rename("ConfigMap", v.get("configMap"), "name")
                rename("Secret", v.get("secret"), "secretName")
                rename("PersistentVolumeClaim", v.get("persistentVolumeClaim"), "claimName")
                for src in (v.get("projected") or {}).get("sources") or []:
                    rename("ConfigMap", src.get("configMap"), "name")
                    rename("Secret", src.get("secret"), "name")
            for key in ("containers", "initContainers"):
                for c in spec.get(key) or []:
                    for e in c.get("env") or []:
                        vf = e.get("valueFrom") or {}
                        rename("ConfigMap", vf.get("configMapKeyRef"), "name")
                        rename("Secret", vf.get("secretKeyRef"), "name")
                    for e in c.get("envFrom") or []:
                        rename("ConfigMap", e.get("configMapRef"), "name")
                        rename("Secret", e.get("secretRef"), "name")
            for s in spec.get("imagePullSecrets") or []:
                rename("Secret", s, "name")
            rename("ServiceAccount", spec, "serviceAccountName")
    if kind == "StatefulSet":
        rename("Service", obj.get("spec"), "serviceName")
    if kind == "Ingress":
        spec = obj.get("spec") or {}
        rename("Service", _dig(spec, ("defaultBackend", "service")), "name")
        for rule in spec.get("rules") or []:
            for p in (rule.get("http") or {}).get("paths") or []:
                rename("Service", _dig(p, ("backend", "service")), "name")
        for t in spec.get("tls") or []:
            rename("Secret", t, "secretName")
    if kind == "HorizontalPodAutoscaler":
        ref = _dig(obj, ("spec", "scaleTargetRef"))
        if ref is not None:
            rename(str(ref.get("kind", "")), ref, "name")
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        rename(str((obj.get("roleRef") or {}).get("kind", "")), obj.get("roleRef"), "name")
        for s in obj.get("subjects") or []:
            if s.get("kind") == "ServiceAccount":
                rename("ServiceAccount", s, "name")
    if kind == "ServiceAccount":
        for s in obj.get("imagePullSecrets") or []:
            rename("Secret", s, "name")


def _gvk_sort_string(obj: dict) -> str:
    api_version = str(obj.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    return "_".join([group or "~G", version or "~V", str(obj.get("kind", "")) or "~K"])


def _legacy_sorted(resources: list[_Resource]) -> list[_Resource]:
    orders = {n: -len(ORDER_FIRST) + i for i, n in enumerate(ORDER_FIRST)}
    orders.update({n: 1 + i for i, n in enumerate(ORDER_LAST)})

    def key(r: _Resource) -> tuple:
        md = r.obj.get("metadata") or {}
        return (orders.get(r.kind, 0), _gvk_sort_string(r.obj),
                "|".join([_gvk_sort_string(r.obj), md.get("namespace") or "~X", md.get("name") or "~N"]))
    return sorted(resources, key=key)


def render(objs: list[dict]) -> str:
    from .printers.goyaml import dumps

    return "---\n".join(dumps(o) for o in objs)
