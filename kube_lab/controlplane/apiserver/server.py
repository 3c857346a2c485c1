"""kube-apiserver: the only door to the cluster's state.

Every component — scheduler, controllers, kubelets, kube-proxy, kubectl — reads and writes
through these verbs, and nothing else touches etcd.  A request runs the same stages as upstream's
generic registry (``k8s.io/apiserver/pkg/registry/generic/registry/store.go``):

    decode + default → mutating admission → BeforeCreate/BeforeUpdate (strategy, names, uid,
    timestamps) → validation → validating admission → etcd (compare-and-swap on resourceVersion)

Reads and writes return the stored object itself: it is immutable, so callers must copy it
(:func:`kube_lab.api.meta.deep_copy`) before changing anything.  Every request is recorded in the
trace with the component that made it.
"""
from __future__ import annotations

import base64
import gc
import json
from typing import Any, Callable, Iterable

from ...api import defaults, errors, patch as patching, validation
from ...api.meta import deep_copy, rfc3339
from ...api.names import generate_name
from ...api.quantity import QuantityError
from ...api.registry import REGISTRY, NoKindMatchError, Registry, ResourceInfo
from ...sim import Loop, RandomStreams, Trace
from ..etcd import Compacted, Etcd
from . import admission, services
from .allocators import ServiceAllocator
from .strategy import CREATE_ON_UPDATE, strategy_for
from .watch import Handler, Watch, WatchHub

# etcd key prefixes that differ from the resource name in a real cluster (etcdctl shows these).
ETCD_PREFIX = {
    "nodes": "minions",
    "services": "services/specs",
    "endpoints": "services/endpoints",
    "replicationcontrollers": "controllers",
    "ingresses": "ingress",
}
PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
GC_GEN0_THRESHOLD = 20_000
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
VIRTUAL_RESOURCES = {"componentstatuses", "bindings"}


def _keep_ephemeral_containers_only(obj: dict, old: dict) -> None:
    """``dropNonEphemeralContainerUpdates``: through ``pods/ephemeralcontainers`` only the list
    of ephemeral containers changes; everything else is the stored pod's."""
    ephemeral = (obj.get("spec") or {}).get("ephemeralContainers")
    md = obj.get("metadata") or {}
    kept = {k: md[k] for k in ("name", "namespace", "resourceVersion", "uid") if md.get(k)}
    obj.clear()
    obj.update(deep_copy(old))
    obj["metadata"].update(kept)
    if ephemeral:
        obj["spec"]["ephemeralContainers"] = ephemeral
    else:
        obj["spec"].pop("ephemeralContainers", None)


def _scale_of(info: ResourceInfo, obj: dict) -> dict:
    """The ``autoscaling/v1`` Scale view of a scalable object."""
    from ...api.selectors import from_label_selector

    md = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    sel = spec.get("selector")
    if info.resource == "replicationcontrollers":
        selector = ",".join(f"{k}={v}" for k, v in sorted((sel or {}).items()))
    else:
        selector = str(from_label_selector(sel)) if sel is not None else ""
    scale_md = {"name": md["name"], "namespace": md.get("namespace", ""), "uid": md["uid"],
                "resourceVersion": md["resourceVersion"], "creationTimestamp": md["creationTimestamp"]}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_md,
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {"replicas": status.get("replicas", 0), "selector": selector},
    }


# ObjectMeta fields tagged ``omitempty``: the typed round trip drops them when empty (an update
# or patch that removes the last label or ownerReference leaves no ``[]``/``{}`` behind).
def _fold_string_data(secret: dict) -> None:
    """v1 → internal Secret conversion: ``stringData`` is write-only — each entry is written into
    ``data`` (base64 on the wire, winning over a ``data`` entry of the same key) and the field is
    dropped, so reads never show it."""
    string_data = secret.pop("stringData")
    if not isinstance(string_data, dict) or not string_data:
        return
    data = dict(secret.get("data") or {})
    for key, value in string_data.items():
        if isinstance(value, str):
            data[key] = base64.b64encode(value.encode("utf-8")).decode("ascii")
    secret["data"] = data


_OMIT_EMPTY_META = ("labels", "annotations", "ownerReferences", "finalizers", "managedFields")


class APIServer:
    """The in-process kube-apiserver.  HTTP serving lives in ``http.py`` and calls these verbs."""

    def __init__(self, loop: Loop, etcd: Etcd | None = None, random: RandomStreams | None = None,
                 trace: Trace | None = None, registry: Registry = REGISTRY,
                 epoch: float | None = None, compaction_interval: float = 300.0,
                 event_ttl: float = 3600.0):
        from ...api.meta import DEFAULT_EPOCH

        # The simulation allocates many small, long-lived dicts; with CPython's default
        # generation-0 threshold (700) the cyclic collector would rescan them constantly.
        # Raising it (never lowering what the process chose) makes writes ~40 % faster.
        threshold = gc.get_threshold()
        if threshold[0] < GC_GEN0_THRESHOLD:
            gc.set_threshold(GC_GEN0_THRESHOLD, *threshold[1:])
        self.loop = loop
        self.etcd = etcd if etcd is not None else Etcd()
        self.random = random if random is not None else RandomStreams(0)
        self.trace = trace if trace is not None else Trace()
        self.registry = registry
        self.epoch = DEFAULT_EPOCH if epoch is None else epoch
        self.admission_plugins: list[Callable] = list(admission.DEFAULT_PLUGINS)
        self.warnings: list[str] = []
        self._hubs: dict[str, WatchHub] = {}
        # Generated names and uids come from one seeded stream per namespace, so what the system
        # add-ons do in kube-system never shifts the names a learner sees in default.
        self.service_allocator = ServiceAllocator(self.random.stream("apiserver/service-addresses"))
        for svc in self.storage_list("services"):  # after a restore: the allocators' repair loop
            self.service_allocator.mark_used(svc)
        self.event_ttl = event_ttl
        self.compaction_interval = compaction_interval
        self._last_compaction_candidate = 0
        if compaction_interval:
            loop.call_later(compaction_interval, self._compact, background=True)

    # ---------------------------------------------------------------------------------------
    # helpers
    def info(self, resource: str) -> ResourceInfo:
        return self.registry.get(resource)

    def timestamp(self, offset: float = 0.0) -> str:
        return rfc3339(self.epoch, self.loop.now + offset)

    def key(self, info: ResourceInfo, namespace: str, name: str) -> str:
        base = ETCD_PREFIX.get(info.resource, info.resource)
        if info.namespaced:
            return f"/registry/{base}/{namespace}/{name}"
        return f"/registry/{base}/{name}"

    def prefix(self, info: ResourceInfo, namespace: str | None = None) -> str:
        base = ETCD_PREFIX.get(info.resource, info.resource)
        if info.namespaced and namespace:
            return f"/registry/{base}/{namespace}/"
        return f"/registry/{base}/"

    def storage_rev(self, resource: str) -> int:
        """Revision of the last change to a resource (for caches derived from small buckets)."""
        return self.etcd.bucket_revision(self.prefix(self.registry.get(resource)))

    def storage_get(self, resource: str, namespace: str, name: str) -> dict | None:
        """Read straight from storage, as admission plugins do (no trace, no checks)."""
        kv = self.etcd.get(self.key(self.registry.get(resource), namespace, name))
        return kv.value if kv is not None else None

    def storage_list(self, resource: str, namespace: str | None = None) -> list[dict]:
        """Objects straight from storage, in key order."""
        info = self.registry.get(resource)
        return [kv.value for kv in self.etcd.range(self.prefix(info, namespace))]

    def storage_values(self, resource: str) -> Iterable[dict]:
        """Every stored object of a resource, in no particular order (cheap scans in admission)."""
        return (kv.value for kv in self.etcd.values(self.prefix(self.registry.get(resource))))

    def _record(self, component: str, verb: str, info: ResourceInfo, namespace: str, name: str,
                rv: str = "", code: int = 200, subresource: str = "") -> None:
        self.trace.record(self.loop.now, component, verb, info.resource, namespace, name, rv, code,
                          subresource)

    def _check_verb(self, info: ResourceInfo, verb: str, subresource: str = "") -> None:
        if subresource:
            if subresource not in info.subresources:
                details = {"group": info.group, "kind": info.resource} if info.group else {"kind": info.resource}
                raise errors.status("NotFound", "the server could not find the requested resource", details)
            return
        if verb not in info.verbs:
            raise errors.method_not_allowed(info.resource, verb, info.group)

    def _scope(self, info: ResourceInfo, namespace: str | None) -> str:
        if not info.namespaced:
            return ""
        return namespace or "default"

    def _decode(self, info: ResourceInfo, body: Any, field_validation: str, owned: bool = False) -> dict:
        """Copy, type-check, strictly validate fields and default an incoming object."""
        if not isinstance(body, dict):
            raise errors.bad_request(f"Object 'Kind' is missing in '{json.dumps(body)}'")
        obj = body if owned else deep_copy(body)
        api_version = obj.get("apiVersion")
        kind = obj.get("kind")
        if kind is None:
            obj["kind"] = info.kind
        if api_version is None:
            obj["apiVersion"] = info.api_version
        if (obj["kind"], obj["apiVersion"]) != (info.kind, info.api_version):
            try:
                other = self.registry.for_kind(obj["apiVersion"], obj["kind"])
                got = other.kind
            except NoKindMatchError:
                got = obj["kind"]
            raise errors.bad_request(
                f"the API version in the data ({obj['apiVersion']}) does not match the expected API "
                f"version ({info.api_version})" if got == info.kind else
                f"{obj['kind']} in version {errors.go_quote(obj['apiVersion'].rpartition('/')[2])} cannot "
                f"be handled as a {info.kind}: the object provided is unrecognized (must be of type {info.kind})")
        md = obj.get("metadata")
        if md is None:
            md = obj["metadata"] = {}
        elif not isinstance(md, dict):
            raise errors.bad_request(f"{info.kind} in version {errors.go_quote(info.version)} cannot be "
                                     f"handled as a {info.kind}: json: cannot unmarshal into metadata")
        for key in _OMIT_EMPTY_META:     # ObjectMeta's omitempty fields vanish when empty
            if key in md and not md[key] and md[key] is not False:
                del md[key]
        from ...api import schema

        if field_validation in ("Strict", "Warn"):
            # typed decoding first (a value of the wrong JSON kind), then unknown fields.  The
            # components' own clients (fieldValidation=Ignore) always send well-typed objects, so
            # the walk — as costly as a pod create — is skipped for them.
            bad_type = schema.type_error(info.kind_key, obj)
            if bad_type:
                raise errors.bad_request(schema.type_error_message(info.kind, info.version, bad_type))
            unknown = schema.unknown_fields(info.kind_key, obj)
            if unknown:
                if field_validation == "Strict":
                    raise schema.strict_error(info.kind, info.version, unknown)
                self.warnings.extend(f'unknown field "{p}"' for p in unknown)
        try:
            schema.canonicalize_quantities(info.kind_key, obj)   # 0.5 → 500m, 1.5Gi → 1536Mi
        except QuantityError as e:
            raise errors.bad_request(schema.type_error_message(info.kind, info.version, str(e))) from None
        if info.kind_key == "v1/Secret" and "stringData" in obj:
            _fold_string_data(obj)
        defaults.default(info.kind_key, obj)
        return obj

    def _admit(self, operation: str, info: ResourceInfo, namespace: str, name: str, obj: dict | None,
               old: dict | None, subresource: str = "") -> None:
        ctx = admission.AdmissionContext(operation, info, namespace, name, obj, old, subresource)
        for plugin in self.admission_plugins:
            plugin(self, ctx)

    def _validate(self, info: ResourceInfo, obj: dict, old: dict | None = None, status: bool = False) -> None:
        if status:
            errs = validation.validate_status(info.kind_key, obj, old)
        else:
            errs = validation.validate(info.kind_key, obj, old)
        if errs:
            raise errors.invalid(info.kind, obj["metadata"].get("name", ""), errs, info.group)

    # ---------------------------------------------------------------------------------------
    # create
    def create(self, resource: str, body: dict, namespace: str | None = None, *,
               subresource: str = "", name: str = "", dry_run: bool = False,
               field_validation: str = "Strict", component: str = "client", owned: bool = False) -> dict:
        """POST: store a new object and return it as stored.

        The body is copied first, unless ``owned`` says the caller hands it over and will never
        touch it again (the HTTP server's freshly decoded bodies, a controller's freshly built
        objects) — the same object then becomes the stored one."""
        info = self.info(resource)
        try:
            if subresource:
                return self._create_subresource(info, namespace, name, subresource, body, component, dry_run)
            self._check_verb(info, "create")
            if info.resource in VIRTUAL_RESOURCES:
                raise errors.method_not_allowed(info.resource, "create", info.group)
            obj = self._decode(info, body, field_validation, owned)
            md = obj["metadata"]
            ns = self._scope(info, namespace if namespace is not None else md.get("namespace"))
            if info.namespaced:
                if md.get("namespace") and md["namespace"] != ns:
                    raise errors.bad_request("the namespace of the provided object does not match the "
                                             "namespace sent on the request")
                md["namespace"] = ns
            else:
                md.pop("namespace", None)
            self._admit("CREATE", info, ns, md.get("name") or md.get("generateName", ""), obj, None)
            self._before_create(info, obj)
            if info.resource == "services" and not dry_run:
                services.prepare_create(self, obj)
                try:
                    self._validate(info, obj)
                    stored = self._store_new(info, obj, dry_run)
                except errors.StatusError:
                    self.service_allocator.release(obj)
                    raise
            else:
                self._validate(info, obj)
                stored = self._store_new(info, obj, dry_run)
        except errors.StatusError as e:
            md = body.get("metadata") if isinstance(body, dict) else None
            self._record(component, "create", info, namespace or "", (md or {}).get("name", "") if isinstance(md, dict) else "",
                         code=e.code, subresource=subresource)
            raise
        self._record(component, "create", info, stored["metadata"].get("namespace", ""),
                     stored["metadata"]["name"], stored["metadata"].get("resourceVersion", ""))
        return stored

    def _name_rng(self, namespace: str):
        return self.random.stream(f"apiserver/names/{namespace}")

    def _before_create(self, info: ResourceInfo, obj: dict) -> None:
        """``rest.BeforeCreate``: server-owned metadata, strategy preparation, name generation."""
        md = obj["metadata"]
        for field in ("uid", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"):
            md.pop(field, None)
        md["creationTimestamp"] = self.timestamp()
        strategy_for(info).prepare_for_create(obj)
        if not md.get("name") and md.get("generateName"):
            md["name"] = generate_name(md["generateName"], self._name_rng(md.get("namespace", "")))
        # one stream per namespace (events apart), so what one component records never shifts
        # the uids of a learner's objects
        stream = f"apiserver/uid/{md.get('namespace', '')}" + ("/events" if info.resource == "events" else "")
        md["uid"] = self.random.uuid4(stream)
        if info.resource == "jobs":
            from .jobs import prepare_job

            prepare_job(obj)

    def _store_new(self, info: ResourceInfo, obj: dict, dry_run: bool) -> dict:
        md = obj["metadata"]
        rv = md.pop("resourceVersion", None)
        if rv and not dry_run and isinstance(rv, str) and rv.isdigit() and int(rv):
            # the etcd3 store refuses it with a plain error, which reaches the client as a 500
            # with no reason (kubectl: "Error from server: …")
            raise errors.status("", "resourceVersion should not be set on objects to be created", code=500)
        key = self.key(info, md.get("namespace", ""), md["name"])
        existing = self.etcd.get(key)
        if existing is not None:
            if md.get("generateName") and not dry_run:
                # a generated name collided: try another suffix (RetryGenerateName, on in 1.32)
                for _ in range(8):
                    md["name"] = generate_name(md["generateName"], self._name_rng(md.get("namespace", "")))
                    key = self.key(info, md.get("namespace", ""), md["name"])
                    if self.etcd.get(key) is None:
                        break
                else:
                    raise errors.already_exists(info.resource, md["name"], info.group)
            else:
                raise errors.already_exists(info.resource, md["name"], info.group)
        if dry_run:
            if rv:
                md["resourceVersion"] = rv   # a dry run hands back the object as given
            return obj
        md["resourceVersion"] = str(self.etcd.next_revision)
        kv = self.etcd.create(key, obj)
        if kv is None:  # pragma: no cover - single-threaded, checked above
            raise errors.already_exists(info.resource, md["name"], info.group)
        if info.resource == "events" and self.event_ttl:
            self.loop.call_later(self.event_ttl, self._expire, key, kv.mod_revision, background=True)
        return obj

    def _expire(self, key: str, mod_revision: int) -> None:
        """Events live ``--event-ttl`` (1 h) after their last write, then etcd's lease drops them."""
        kv = self.etcd.get(key)
        if kv is None:
            return
        if kv.mod_revision != mod_revision:
            return  # rewritten later: its own timer will expire it
        self.etcd.delete(key)

    # ---------------------------------------------------------------------------------------
    # read
    def get(self, resource: str, name: str, namespace: str | None = None, *, subresource: str = "",
            component: str = "client") -> dict:
        """GET one object (or its ``status`` / ``scale`` view)."""
        info = self.info(resource)
        ns = self._scope(info, namespace)
        if info.resource == "componentstatuses":
            for cs in self._component_statuses():
                if cs["metadata"]["name"] == name:
                    return cs
            raise errors.not_found(info.resource, name)
        if subresource:
            self._check_verb(info, "get", subresource)
        kv = self.etcd.get(self.key(info, ns, name))
        if kv is None:
            self._record(component, "get", info, ns, name, code=404, subresource=subresource)
            raise errors.not_found(info.resource, name, info.group)
        self._record(component, "get", info, ns, name, kv.value["metadata"]["resourceVersion"],
                     subresource=subresource)
        if subresource == "scale":
            return _scale_of(info, kv.value)
        return kv.value

    def list(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None,
             field_selector: str | None = None, limit: int | None = None, continue_: str | None = None,
             resource_version: str | None = None, resource_version_match: str | None = None,
             component: str = "client") -> dict:
        """LIST: a ``<Kind>List`` with ``metadata.resourceVersion`` (and ``continue`` when paged)."""
        info = self.info(resource)
        self._check_verb(info, "list")
        ns = namespace if info.namespaced else None
        matcher = self._matcher(info, label_selector, field_selector)
        if info.resource == "componentstatuses":
            items = [cs for cs in self._component_statuses() if matcher is None or matcher(cs)]
            return {"kind": info.list_kind, "apiVersion": info.api_version,
                    "metadata": {"resourceVersion": ""}, "items": items}
        prefix = self.prefix(info, ns)
        revision = None
        start_after = None
        if continue_:
            revision, start_key = self._decode_continue(continue_, prefix)
            start_after = prefix + start_key
        elif resource_version and resource_version != "0" and resource_version_match == "Exact":
            revision = int(resource_version)
        try:
            if matcher is None and limit:
                kvs = self.etcd.range(prefix, revision=revision, limit=limit + 1, start_after=start_after)
            else:
                kvs = self.etcd.range(prefix, revision=revision, start_after=start_after)
        except Compacted:
            raise errors.expired(
                "The provided continue parameter is too old to display a consistent list result. You "
                "can start a new list without the continue parameter, or use the continue token in "
                "this response to retrieve the remainder of the results. Continuing with the provided "
                "token results in an inconsistent list - objects that were created, modified, or "
                "deleted between the time the first chunk was returned and now may show up in the list."
                if continue_ else
                f"too old resource version: {resource_version} ({self.etcd.compact_revision})") from None
        list_rev = revision if revision is not None else self.etcd.revision
        items: list[dict] = []
        meta: dict[str, Any] = {"resourceVersion": str(list_rev)}
        more_key = None
        for kv in kvs:
            obj = kv.value
            if matcher is not None and not matcher(obj):
                continue
            if limit and len(items) >= limit:
                more_key = items[-1]
                break
            items.append(obj)
        if more_key is not None:
            last_key = self.key(info, more_key["metadata"].get("namespace", ""), more_key["metadata"]["name"])
            meta["continue"] = self._encode_continue(list_rev, last_key[len(prefix):] + "\x00")
            if matcher is None:
                total = len(self.etcd.range(prefix, revision=revision, start_after=last_key))
                meta["remainingItemCount"] = total
        self._record(component, "list", info, ns or "", "", str(list_rev))
        return {"kind": info.list_kind, "apiVersion": info.api_version, "metadata": meta, "items": items}

    @staticmethod
    def _encode_continue(rev: int, start: str) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rev, "start": start}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def _decode_continue(token: str, prefix: str) -> tuple[int, str]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            if data.get("v") != "meta.k8s.io/v1":
                raise ValueError
            start = data["start"]
            if start.endswith("\x00"):
                start = start[:-1]
            return int(data["rv"]), start
        except Exception:
            raise errors.bad_request("continue key is not valid: illegal base64 data at input byte 0") from None

    def _matcher(self, info: ResourceInfo, label_selector: str | None,
                 field_selector: str | None) -> Callable[[dict], bool] | None:
        """The filter for a list or watch (400 BadRequest for selectors that do not parse or name
        a field this resource cannot be selected by)."""
        from ...api import fields, selectors

        lsel = selectors.parse_selector(label_selector) if label_selector else None
        fsel = fields.parse_field_selector(field_selector, info.resource) if field_selector else None
        if lsel is not None and lsel.empty:
            lsel = None
        if fsel is not None and fsel.empty:
            fsel = None
        if lsel is None and fsel is None:
            return None
        fmatch = fsel.compile(info.resource, info.namespaced) if fsel is not None else None
        if fmatch is None:
            return lambda obj: lsel.matches(obj["metadata"].get("labels"))
        if lsel is None:
            return fmatch
        return lambda obj: lsel.matches(obj["metadata"].get("labels")) and fmatch(obj)

    def _component_statuses(self) -> list[dict]:
        out = []
        for name in ("controller-manager", "etcd-0", "scheduler"):
            out.append({"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name},
                        "conditions": [{"type": "Healthy", "status": "True",
                                        "message": "ok" if name != "etcd-0" else "ok"}]})
        return out

    # ---------------------------------------------------------------------------------------
    # watch
    def watch(self, resource: str, handler: Handler, namespace: str | None = None, *,
              label_selector: str | None = None, field_selector: str | None = None,
              resource_version: str | None = None, component: str = "client") -> Watch:
        """WATCH: ``handler(type, obj)`` for every change after ``resource_version``.

        Without a resourceVersion (or with ``"0"``) the watcher first gets a synthetic ADDED for
        every current object, as upstream does.  A resourceVersion older than the last
        compaction fails with 410 Expired."""
        info = self.info(resource)
        self._check_verb(info, "watch")
        ns = (namespace or "") if info.namespaced else ""
        matcher = self._matcher(info, label_selector, field_selector)
        hub = self._hub(info)
        w = Watch(hub, ns, matcher, handler, component)
        if resource_version in (None, "", "0"):
            for kv in self.etcd.range(self.prefix(info, ns or None)):
                if matcher is None or matcher(kv.value):
                    w.push("ADDED", kv.value)
        else:
            try:
                rv = int(resource_version)
            except ValueError:
                raise errors.bad_request(f"invalid resource version: {resource_version}") from None
            try:
                past = self.etcd.history(self.prefix(info, ns or None), rv + 1)
            except Compacted:
                raise errors.expired(f"too old resource version: {rv} ({self.etcd.compact_revision - 1})") from None
            for ev in past:
                self._replay(w, ev)
        hub.add(w)
        self._record(component, "watch", info, ns, "", resource_version or "")
        return w

    def _replay(self, w: Watch, ev) -> None:
        hub_watchers, w.hub.watchers = w.hub.watchers, [w]
        by_ns, w.hub._by_ns = w.hub._by_ns, {w.namespace: [w]}
        try:
            w.hub.dispatch(ev)
        finally:
            w.hub.watchers, w.hub._by_ns = hub_watchers, by_ns

    def _hub(self, info: ResourceInfo) -> WatchHub:
        hub = self._hubs.get(info.resource)
        if hub is None:
            prefix = self.prefix(info)
            hub = WatchHub(self.loop, info.resource, prefix)
            hub.etcd_watcher = self.etcd.watch(prefix, hub.dispatch)
            self._hubs[info.resource] = hub
        return hub

    # ---------------------------------------------------------------------------------------
    # update & patch
    def update(self, resource: str, body: dict, namespace: str | None = None, *, subresource: str = "",
               dry_run: bool = False, field_validation: str = "Strict", component: str = "client") -> dict:
        """PUT: replace an object (optimistic concurrency on ``metadata.resourceVersion``)."""
        info = self.info(resource)
        md_in = body.get("metadata") or {} if isinstance(body, dict) else {}
        name = md_in.get("name", "")
        ns = self._scope(info, namespace if namespace is not None else md_in.get("namespace"))
        try:
            if subresource:
                self._check_verb(info, "update", subresource)
            else:
                self._check_verb(info, "update")
            if subresource == "scale":
                return self._update_scale(info, ns, body, dry_run, component)
            obj = self._decode(info, body, field_validation)
            out = self._update_decoded(info, ns, name, obj, subresource, dry_run)
        except errors.StatusError as e:
            self._record(component, "update", info, ns, name, code=e.code, subresource=subresource)
            raise
        self._record(component, "update", info, ns, name, out["metadata"].get("resourceVersion", ""),
                     subresource=subresource)
        return out

    def _update_decoded(self, info: ResourceInfo, ns: str, name: str, obj: dict, subresource: str,
                        dry_run: bool, expect_rv: str | None = None) -> dict:
        md = obj["metadata"]
        if not name:
            raise errors.bad_request("name is required")  # pragma: no cover
        if info.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            md["namespace"] = ns
        key = self.key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            if info.resource in CREATE_ON_UPDATE and not subresource:
                md.pop("resourceVersion", None)
                self._admit("CREATE", info, ns, name, obj, None)
                self._before_create(info, obj)
                self._validate(info, obj)
                return self._store_new(info, obj, dry_run)
            raise errors.not_found(info.resource, name, info.group)
        old = kv.value
        rv = expect_rv if expect_rv is not None else md.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(info.resource, name, errors.CONFLICT_MODIFIED, info.group)
        strategy = strategy_for(info)
        self._before_update(info, obj, old)
        if subresource == "status":
            strategy.prepare_for_status_update(obj, old)
        elif subresource == "finalize":
            finalizers = (obj.get("spec") or {}).get("finalizers")
            obj.clear()
            obj.update(deep_copy(old))
            obj.setdefault("spec", {})["finalizers"] = finalizers or []
        elif subresource == "ephemeralcontainers":
            _keep_ephemeral_containers_only(obj, old)
            errs = validation.validate_pod_ephemeral_containers_update(obj, old)
            if errs:
                raise errors.invalid(info.kind, name, errs, info.group)
            return self._store_update(info, key, obj, old, kv.mod_revision, dry_run)
        else:
            strategy.prepare_for_update(obj, old)
        if not subresource:
            self._admit("UPDATE", info, ns, name, obj, old)
        if info.resource == "services" and not subresource and not dry_run:
            freed = services.prepare_update(self, obj, old)
            try:
                self._validate(info, obj, old)
                out = self._store_update(info, key, obj, old, kv.mod_revision, dry_run)
            except errors.StatusError:
                self.service_allocator.rollback_update()
                raise
            for port in freed:
                self.service_allocator.ports.release(port)
            self.service_allocator.commit_update()
            return out
        self._validate(info, obj, old, status=(subresource == "status"))
        return self._store_update(info, key, obj, old, kv.mod_revision, dry_run)

    def _before_update(self, info: ResourceInfo, obj: dict, old: dict) -> None:
        """``rest.BeforeUpdate``: fields the server owns come from the stored object."""
        md, old_md = obj["metadata"], old["metadata"]
        md["creationTimestamp"] = old_md["creationTimestamp"]
        for field in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            if field in old_md:
                md[field] = old_md[field]
            else:
                md.pop(field, None)
        if not md.get("uid"):
            md["uid"] = old_md["uid"]
        if "generation" in old_md and "generation" not in md:
            md["generation"] = old_md["generation"]
        md.pop("selfLink", None)
        md.pop("managedFields", None)

    def _store_update(self, info: ResourceInfo, key: str, obj: dict, old: dict, mod_revision: int,
                      dry_run: bool) -> dict:
        md = obj["metadata"]
        # An object being deleted with no finalizers left is gone (store.Update → deleteWithoutFinalizers).
        if (md.get("deletionTimestamp") and not md.get("finalizers") and md.get("deletionGracePeriodSeconds", 0) == 0
                and not (info.resource == "namespaces" and (obj.get("spec") or {}).get("finalizers"))):
            md["resourceVersion"] = old["metadata"]["resourceVersion"]
            if dry_run:
                return obj
            self.etcd.delete(key, expect_mod_revision=mod_revision)
            if info.resource == "services":
                self.service_allocator.release(old)
            return obj
        md["resourceVersion"] = old["metadata"]["resourceVersion"]
        if obj == old:
            return old  # nothing changed: no write, same resourceVersion (GuaranteedUpdate)
        if dry_run:
            return obj   # nothing is written: the object keeps the stored resourceVersion
        md["resourceVersion"] = str(self.etcd.next_revision)
        if self.etcd.put(key, obj, expect_mod_revision=mod_revision) is None:  # pragma: no cover
            raise errors.conflict(info.resource, md["name"], errors.CONFLICT_MODIFIED, info.group)
        if info.resource == "events" and self.event_ttl:
            self.loop.call_later(self.event_ttl, self._expire, key, self.etcd.revision, background=True)
        return obj

    def _update_scale(self, info: ResourceInfo, ns: str, body: dict, dry_run: bool, component: str) -> dict:
        name = (body.get("metadata") or {}).get("name", "")
        kv = self.etcd.get(self.key(info, ns, name))
        if kv is None:
            raise errors.not_found(info.resource, name, info.group)
        rv = (body.get("metadata") or {}).get("resourceVersion")
        if rv and rv != kv.value["metadata"]["resourceVersion"]:
            raise errors.conflict(info.resource, name, errors.CONFLICT_MODIFIED, info.group)
        replicas = (body.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool):
            raise errors.bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot "
                                     "unmarshal into Go struct field ScaleSpec.spec.replicas of type int32")
        if replicas < 0:
            raise errors.invalid("Scale", name, [errors.invalid_value("spec.replicas", replicas,
                                                                      "must be greater than or equal to 0")],
                                 "autoscaling")
        obj = deep_copy(kv.value)
        obj["spec"]["replicas"] = replicas
        out = self._update_decoded(info, ns, name, obj, "", dry_run)
        self._record(component, "update", info, ns, name, out["metadata"]["resourceVersion"], subresource="scale")
        return _scale_of(info, out)

    def patch(self, resource: str, name: str, patch: Any, patch_type: str = "application/strategic-merge-patch+json",
              namespace: str | None = None, *, subresource: str = "", dry_run: bool = False,
              field_validation: str = "Strict", field_manager: str = "", force: bool = False,
              component: str = "client") -> dict:
        """PATCH with any of the four patch types (JSON, merge, strategic merge, apply)."""
        info = self.info(resource)
        ns = self._scope(info, namespace)
        try:
            if subresource:
                self._check_verb(info, "patch", subresource)
            else:
                self._check_verb(info, "patch")
            if patch_type not in PATCH_TYPES:
                raise errors.unsupported_media_type(patch_type, PATCH_TYPES)
            if isinstance(patch, (bytes, str)):
                patch = self._parse_patch_body(patch, patch_type)
            key = self.key(info, ns, name)
            kv = self.etcd.get(key)
            if kv is None:
                if patch_type == "application/apply-patch+yaml" and not subresource:
                    out = self.create(resource, patch, ns, dry_run=dry_run, field_validation=field_validation,
                                      component=component)
                    return out
                raise errors.not_found(info.resource, name, info.group)
            current = _scale_of(info, kv.value) if subresource == "scale" else kv.value
            if patch_type == "application/json-patch+json":
                new = patching.json_patch(current, patch)
            elif patch_type == "application/merge-patch+json":
                new = patching.merge_patch(current, patch)
            elif patch_type == "application/strategic-merge-patch+json":
                kind_key = "autoscaling/v1/Scale" if subresource == "scale" else info.kind_key
                new = patching.strategic_merge_patch(current, patch, kind_key)
            else:  # server-side apply: modelled as a merge of the applied configuration
                new = patching.strategic_merge_patch(current, patch, info.kind_key)
            if not isinstance(new, dict):
                raise errors.bad_request("patched object is not a JSON object")
            if subresource == "scale":
                new.setdefault("metadata", {})["name"] = name
                new["metadata"]["resourceVersion"] = kv.value["metadata"]["resourceVersion"]
                return self._update_scale(info, ns, new, dry_run, component)
            new_md = new.get("metadata")
            if not isinstance(new_md, dict):
                raise errors.bad_request("metadata must be an object")
            if new_md.get("name", name) != name:
                raise errors.bad_request(f"the name of the object ({new_md.get('name')}) does not match the "
                                         f"name on the URL ({name})")
            new_md["name"] = name
            # a patch only conflicts when it sets resourceVersion itself
            patched_rv = new_md.get("resourceVersion")
            obj = self._decode(info, new, field_validation)
            obj["metadata"]["resourceVersion"] = patched_rv
            out = self._update_decoded(info, ns, name, obj, subresource, dry_run,
                                       expect_rv=patched_rv if patched_rv != kv.value["metadata"]["resourceVersion"]
                                       else None)
        except errors.StatusError as e:
            self._record(component, "patch", info, ns, name, code=e.code, subresource=subresource)
            raise
        self._record(component, "patch", info, ns, name, out["metadata"].get("resourceVersion", ""),
                     subresource=subresource)
        return out

    @staticmethod
    def _parse_patch_body(raw: bytes | str, patch_type: str) -> Any:
        text = raw.decode() if isinstance(raw, bytes) else raw
        try:
            if patch_type == "application/apply-patch+yaml":
                import yaml

                return yaml.safe_load(text)
            return json.loads(text)
        except Exception as e:
            raise errors.bad_request(f"error decoding patch: {e}") from None

    # ---------------------------------------------------------------------------------------
    # subresources that create
    def _create_subresource(self, info: ResourceInfo, namespace: str | None, name: str, subresource: str,
                            body: dict, component: str, dry_run: bool) -> dict:
        ns = self._scope(info, namespace)
        self._check_verb(info, "create", subresource)
        if info.resource == "pods" and subresource == "binding":
            return self._bind(ns, name or (body.get("metadata") or {}).get("name", ""), body, component, dry_run)
        if info.resource == "pods" and subresource == "eviction":
            return self._evict(ns, name, body, component, dry_run)
        raise errors.method_not_allowed(f"{info.resource}/{subresource}", "create", info.group)

    def _bind(self, ns: str, name: str, binding: dict, component: str, dry_run: bool) -> dict:
        """``pods/binding``: the scheduler's decision, written as ``spec.nodeName`` plus the
        ``PodScheduled=True`` condition (BindingREST.assignPod)."""
        info = self.info("pods")
        target = (binding.get("target") or {}).get("name", "")
        key = self.key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise errors.not_found("pods", name)
        pod = kv.value
        if pod["metadata"].get("deletionTimestamp"):
            raise errors.conflict("pods/binding", name, f"pod {name} is being deleted, cannot be assigned to a host")
        if (pod.get("spec") or {}).get("nodeName"):
            raise errors.conflict("pods/binding", name,
                                  f"pod {name} is already assigned to node {errors.go_quote(pod['spec']['nodeName'])}")
        if not target:
            raise errors.invalid("Binding", name, [errors.required("target.name")])
        new = {**pod, "spec": {**pod["spec"], "nodeName": target}, "metadata": dict(pod["metadata"])}
        status = dict(pod.get("status") or {})
        conds = [c for c in status.get("conditions") or () if c.get("type") != "PodScheduled"]
        conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                      "lastTransitionTime": self.timestamp()})
        status["conditions"] = conds
        new["status"] = status
        ann = (binding.get("metadata") or {}).get("annotations")
        if ann:
            new["metadata"]["annotations"] = {**(pod["metadata"].get("annotations") or {}), **ann}
        new["metadata"]["resourceVersion"] = str(self.etcd.next_revision)
        if not dry_run:
            self.etcd.put(key, new, expect_mod_revision=kv.mod_revision)
        self._record(component, "create", info, ns, name, new["metadata"]["resourceVersion"], subresource="binding")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def _evict(self, ns: str, name: str, body: dict, component: str, dry_run: bool) -> dict:
        """``pods/eviction``: a delete that honours PodDisruptionBudgets (see :mod:`.eviction`)."""
        from .eviction import evict

        out = evict(self, ns, name, body, dry_run)     # (a refusal is recorded by ``create``)
        self._record(component, "create", self.info("pods"), ns, name, code=201, subresource="eviction")
        return out

    # ---------------------------------------------------------------------------------------
    # delete
    def delete(self, resource: str, name: str, namespace: str | None = None, *,
               grace_period_seconds: int | None = None, propagation_policy: str | None = None,
               orphan_dependents: bool | None = None, preconditions: dict | None = None,
               dry_run: bool = False, component: str = "client") -> dict:
        """DELETE: graceful for pods, finalizers honoured, and the dependents' fate chosen by
        ``propagation_policy`` (Background — the default — Foreground or Orphan)."""
        info = self.info(resource)
        ns = self._scope(info, namespace)
        try:
            out = self._delete(info, ns, name, grace_period_seconds, propagation_policy, orphan_dependents,
                               preconditions, dry_run)
        except errors.StatusError as e:
            self._record(component, "delete", info, ns, name, code=e.code)
            raise
        self._record(component, "delete", info, ns, name, out["metadata"].get("resourceVersion", ""))
        return out

    def _delete(self, info: ResourceInfo, ns: str, name: str, grace: int | None, policy: str | None,
                orphan: bool | None, preconditions: dict | None, dry_run: bool) -> dict:
        self._check_verb(info, "delete")
        if info.resource in VIRTUAL_RESOURCES:
            raise errors.method_not_allowed(info.resource, "delete", info.group)
        if policy is not None and orphan is not None:
            raise errors.invalid("DeleteOptions", "", [errors.invalid_value(
                "propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set")])
        if policy not in (None, "Background", "Foreground", "Orphan"):
            raise errors.invalid("DeleteOptions", "", [errors.not_supported(
                "propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"])])
        key = self.key(info, ns, name)
        kv = self.etcd.get(key)
        if kv is None:
            raise errors.not_found(info.resource, name, info.group)
        obj = kv.value
        md = obj["metadata"]
        if preconditions:
            uid = preconditions.get("uid")
            if uid and uid != md.get("uid"):
                raise errors.conflict(info.resource, name,
                                      f"Precondition failed: UID in precondition: {uid}, UID in object meta: {md.get('uid')}",
                                      info.group)
            rv = preconditions.get("resourceVersion")
            if rv and rv != md.get("resourceVersion"):
                raise errors.conflict(info.resource, name,
                                      f"Precondition failed: ResourceVersion in precondition: {rv}, "
                                      f"ResourceVersion in object meta: {md.get('resourceVersion')}", info.group)
        self._admit("DELETE", info, ns, name, None, obj)
        if info.resource == "namespaces":
            return self._delete_namespace(info, key, kv, dry_run)
        strategy = strategy_for(info)
        new_md = dict(md)
        # 1. graceful deletion (rest.BeforeDelete): pending, shortened, started, or none
        seconds = strategy.graceful_delete_seconds(obj, grace)
        graceful = False
        if md.get("deletionTimestamp"):
            current = md.get("deletionGracePeriodSeconds")
            if grace is None or current is None or current <= seconds:
                graceful = bool(current)           # nothing to shorten: the deletion stays pending
            elif seconds > 0:
                new_md["deletionTimestamp"] = min(md["deletionTimestamp"], self.timestamp(seconds))
                new_md["deletionGracePeriodSeconds"] = seconds
                graceful = True
        elif seconds > 0:
            new_md["deletionTimestamp"] = self.timestamp(seconds)
            new_md["deletionGracePeriodSeconds"] = seconds
            if "generation" in new_md:
                new_md["generation"] = new_md["generation"] + 1
            graceful = True
        # 2. finalizers chosen by the propagation policy (deletionFinalizersForGarbageCollection)
        if policy is None and orphan is not None:
            policy = "Orphan" if orphan else "Background"
        fins = list(md.get("finalizers") or ())
        if policy == "Orphan":
            fins = [f for f in fins if f != FOREGROUND] + ([] if ORPHAN in fins else [ORPHAN])
        elif policy == "Foreground":
            fins = [f for f in fins if f != ORPHAN] + ([] if FOREGROUND in fins else [FOREGROUND])
        elif policy == "Background":
            fins = [f for f in fins if f not in (ORPHAN, FOREGROUND)]
        if fins:
            new_md["finalizers"] = fins
        else:
            new_md.pop("finalizers", None)
        # 3. store: keep the object while it is graceful or finalizers remain (markAsDeleting)
        if not graceful and fins:
            now = self.timestamp()
            if "generation" in new_md and not md.get("deletionTimestamp"):
                new_md["generation"] = new_md["generation"] + 1
            if not new_md.get("deletionTimestamp") or new_md["deletionTimestamp"] > now:
                new_md["deletionTimestamp"] = now
            new_md["deletionGracePeriodSeconds"] = 0
        if graceful or fins:
            if new_md == md:
                return obj
            new_md["resourceVersion"] = str(self.etcd.next_revision)
            new = {**obj, "metadata": new_md}
            if not dry_run:
                self.etcd.put(key, new, expect_mod_revision=kv.mod_revision)
            return new
        if not dry_run:
            self.etcd.delete(key, expect_mod_revision=kv.mod_revision)
            if info.resource == "services":
                self.service_allocator.release(obj)
        return obj

    def _delete_namespace(self, info: ResourceInfo, key: str, kv, dry_run: bool) -> dict:
        """Namespaces go Terminating; the namespace controller empties them and then removes the
        ``kubernetes`` finalizer, after which the namespace is deleted."""
        obj = kv.value
        md = obj["metadata"]
        if md.get("deletionTimestamp"):
            return obj
        fins = (obj.get("spec") or {}).get("finalizers") or []
        if not fins and not md.get("finalizers"):
            if not dry_run:
                self.etcd.delete(key, expect_mod_revision=kv.mod_revision)
            return obj
        new = {**obj, "metadata": {**md, "deletionTimestamp": self.timestamp(), "deletionGracePeriodSeconds": 0},
               "status": {**(obj.get("status") or {}), "phase": "Terminating"}}
        new["metadata"]["resourceVersion"] = str(self.etcd.next_revision)
        if not dry_run:
            self.etcd.put(key, new, expect_mod_revision=kv.mod_revision)
        return new

    def delete_collection(self, resource: str, namespace: str | None = None, *, label_selector: str | None = None,
                          field_selector: str | None = None, grace_period_seconds: int | None = None,
                          propagation_policy: str | None = None, component: str = "client") -> list[dict]:
        """DELETE on a collection: each matching object is deleted as by :meth:`delete`."""
        info = self.info(resource)
        self._check_verb(info, "deletecollection")
        lst = self.list(resource, namespace, label_selector=label_selector, field_selector=field_selector,
                        component=component)
        out = []
        for obj in lst["items"]:
            try:
                out.append(self.delete(resource, obj["metadata"]["name"], obj["metadata"].get("namespace"),
                                       grace_period_seconds=grace_period_seconds,
                                       propagation_policy=propagation_policy, component=component))
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise
        return out

    # ---------------------------------------------------------------------------------------
    # housekeeping
    def _compact(self) -> None:
        """Every ``--etcd-compaction-interval`` (5 min) compact to the revision seen one interval
        earlier, as kube-apiserver's compactor does."""
        target = self._last_compaction_candidate
        if target > self.etcd.compact_revision:
            self.etcd.compact(target)
        self._last_compaction_candidate = self.etcd.revision
        self.loop.call_later(self.compaction_interval, self._compact, background=True)

    def resources(self) -> Iterable[ResourceInfo]:
        return iter(self.registry)
