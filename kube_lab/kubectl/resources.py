"""Selecting objects from the command line: a small ``resource.Builder`` (k8s.io/cli-runtime).

The builder turns ``TYPE``, ``TYPE NAME…``, ``TYPE/NAME…``, ``TYPE1,TYPE2 …``, categories such as
``all``, ``-l``/``--field-selector``/``--all`` and ``-f`` manifests into *visits*:

* a **list** of one resource type in a namespace (selector visits; ``kubectl get pods``);
* one **named** object (``kubectl get pod web``, ``pod/web``);
* one **document** from a manifest (``-f``), whose live object is fetched when needed.

Errors keep the builder's texts (``there is no need to specify a resource type as a separate
argument when passing arguments in resource/name form …``, ``you must provide one or more resources
by argument or filename`` …).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..api import errors as api_errors
from ..api.registry import REGISTRY, NoKindMatchError, ResourceInfo
from .manifests import Document, read_documents
from .parser import CommandError

if TYPE_CHECKING:  # pragma: no cover
    from .runtime import Invocation

MISSING_RESOURCE = ("error: You must provide one or more resources by argument or filename.\n"
                    "Example resource specifications include:\n"
                    "   '-f rsrc.yaml'\n"
                    "   '--filename=rsrc.json'\n"
                    "   '<resource> <name>'\n"
                    "   '<resource>'")


class DocumentError(CommandError):
    """A manifest document kubectl cannot use; ``stop_stream`` for validation errors, which end
    the reading of that file."""

    def __init__(self, message: str, stop_stream: bool = False):
        super().__init__(message)
        self.stop_stream = stop_stream


@dataclass
class Visit:
    """One unit of work: ``kind`` is ``list``, ``name`` or ``doc``."""

    kind: str
    info: ResourceInfo
    namespace: str | None
    name: str = ""
    label_selector: str = ""
    field_selector: str = ""
    doc: Document | None = None
    obj: dict | None = None          # the fetched or decoded object
    extra: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.doc.source if self.doc else ""


def split_resource_argument(arg: str) -> list[str]:
    return [p for p in arg.split(",") if p]


def expand_categories(arg: str) -> str:
    """``ReplaceAliases``: a category (``all``) becomes the resources it names."""
    out = []
    for part in arg.split(","):
        members = [i for i in REGISTRY if part in i.categories]
        if members:
            out.append(",".join(i.resource if not i.group else f"{i.resource}.{i.group}" for i in members))
        else:
            out.append(part)
    return ",".join(out)


def _split_tuple(s: str) -> tuple[str, str] | None:
    if "/" not in s:
        return None
    seg = s.split("/")
    if len(seg) != 2:
        raise CommandError("error: arguments in resource/name form may not have more than one slash")
    resource, name = seg
    if not resource or not name or len(split_resource_argument(resource)) != 1:
        raise CommandError("error: arguments in resource/name form must have a single resource and name")
    return resource, name


def parse_type_name_args(args: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """``ResourceTypeOrNameArgs``: (types, names, (type, name) tuples)."""
    args = list(args)
    if len(args) >= 2:
        resources = split_resource_argument(args[0])
        if len(resources) > 1:
            args = [f"{r}/{n}" for r in resources for n in args[1:]]
    slashed = sum(1 for a in args if "/" in a)
    if slashed and slashed == len(args):
        tuples = []
        for a in args:
            t = _split_tuple(a)
            if t:
                tuples.append(t)
        return [], [], tuples
    if slashed:
        raise CommandError("error: there is no need to specify a resource type as a separate argument when "
                           "passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' "
                           "instead of 'kubectl get resource resource/<resource_name>'")
    if not args:
        return [], [], []
    first = expand_categories(args[0])
    return split_resource_argument(first), args[1:], []


class Builder:
    """Collects the selection flags of one command and resolves them into visits."""

    def __init__(self, inv: "Invocation", *, all_namespaces: bool = False, require_object: bool = True):
        self.inv = inv
        self.all_namespaces = all_namespaces
        self.namespace = "" if all_namespaces else inv.namespace
        self.label_selector: str | None = None
        self.field_selector: str | None = None
        self.select_all = False
        self.types: list[str] = []
        self.names: list[str] = []
        self.tuples: list[tuple[str, str]] = []
        self.filenames: list[str] = []
        self.recursive = False
        self.kustomize = ""
        self.single_type = False

    # -- configuration (chainable) -------------------------------------------------------
    def selector(self, label: str | None = None, field_sel: str | None = None) -> "Builder":
        if label:
            self.label_selector = label
        if field_sel:
            self.field_selector = field_sel
        return self

    def all(self, select_all: bool) -> "Builder":
        self.select_all = select_all
        return self

    def filenames_from(self, filenames: list[str], recursive: bool = False, kustomize: str = "") -> "Builder":
        self.filenames = list(filenames or [])
        self.recursive = recursive
        self.kustomize = kustomize or ""
        if self.filenames and self.kustomize:
            raise CommandError("error: only one of -f or -k can be specified")
        return self

    def args(self, args: list[str], allow_empty_selector: bool = False) -> "Builder":
        types, names, tuples = parse_type_name_args(args)
        self.types, self.names, self.tuples = types, names, tuples
        if len(args) == 1 and types and self.label_selector is None and allow_empty_selector:
            self.label_selector = ""
        return self

    # -- resolution ---------------------------------------------------------------------
    def mapping(self, name: str) -> ResourceInfo:
        return self.inv.resolve(name)

    def _ns(self, info: ResourceInfo) -> str | None:
        return (self.namespace or None) if info.namespaced else None

    def _check_name_namespace(self, info: ResourceInfo) -> None:
        if info.namespaced and not self.namespace:
            if self.all_namespaces:
                raise CommandError("error: a resource cannot be retrieved by name across all namespaces")
            raise CommandError("error: namespace may not be empty when retrieving a resource by name")

    def visits(self) -> list[Visit]:
        if self.select_all:
            self.label_selector = ""
        if self.filenames or self.kustomize:
            return self._visit_paths()
        if self.label_selector is not None or self.field_selector is not None:
            return self._visit_selector()
        if self.tuples:
            return self._visit_tuples()
        if self.names:
            return self._visit_names()
        if self.types:
            for t in self.types:
                self.mapping(t)
            raise CommandError("error: resource(s) were provided, but no name was specified")
        raise CommandError(MISSING_RESOURCE)

    def _visit_selector(self) -> list[Visit]:
        if self.names:
            raise CommandError("error: name cannot be provided when a selector is specified")
        if self.tuples:
            raise CommandError("error: selectors and the all flag cannot be used when passing resource/name arguments")
        if not self.types:
            raise CommandError("error: at least one resource must be specified to use a selector")
        seen = set()
        out = []
        for t in self.types:
            info = self.mapping(t)
            if info.resource in seen:
                continue
            seen.add(info.resource)
            out.append(Visit("list", info, self._ns(info), label_selector=self.label_selector or "",
                             field_selector=self.field_selector or ""))
        if self.single_type and len(out) > 1:
            raise CommandError("error: you may only specify a single resource type")
        return out

    def _visit_tuples(self) -> list[Visit]:
        mappings: dict[str, ResourceInfo] = {}
        for r, _ in self.tuples:
            if r not in mappings:
                mappings[r] = self.mapping(r)
        if self.single_type and len({m.resource for m in mappings.values()}) > 1:
            raise CommandError("error: you may only specify a single resource type")
        out = []
        for r, name in self.tuples:
            info = mappings[r]
            self._check_name_namespace(info)
            out.append(Visit("name", info, self._ns(info), name=name))
        return out

    def _visit_names(self) -> list[Visit]:
        if len(self.types) == 0:
            raise CommandError("error: you must provide a resource and a resource name together")
        if len(self.types) > 1:
            raise CommandError("error: you must specify only one resource")
        info = self.mapping(self.types[0])
        self._check_name_namespace(info)
        return [Visit("name", info, self._ns(info), name=n) for n in self.names]

    def _visit_paths(self) -> list[Visit]:
        if self.types:
            raise CommandError("error: when paths, URLs, or stdin is provided as input, you may not specify "
                               "resource arguments as well")
        if self.names:
            raise CommandError("error: name cannot be provided when a path is specified")
        if self.tuples:
            raise CommandError("error: resource/name arguments cannot be provided when a path is specified")
        if self.kustomize:
            from .kustomize import build as kustomize_build

            warnings: list[str] = []
            docs = [Document(d, self.kustomize) for d in kustomize_build(self.kustomize, warnings)]
            for w in warnings:
                self.inv.eprintln(w)
        else:
            docs = read_documents(self.filenames, self.inv.stdin, self.recursive)
        out = []
        stopped: set[str] = set()
        for doc in docs:
            if doc.source in stopped:
                continue
            try:
                out.append(self.document_visit(doc))
            except DocumentError as e:
                out.append(Visit("error", None, None, doc=doc, extra={"error": e}))  # type: ignore[arg-type]
                if e.stop_stream:
                    stopped.add(doc.source)
        if self.label_selector:
            from ..api.selectors import SelectorError, parse

            try:
                sel = parse(self.label_selector)
            except SelectorError as e:
                raise CommandError(f'error: the provided selector "{self.label_selector}" is not valid: '
                                   f"{e.message}") from None
            out = [v for v in out if v.kind == "error" or
                   sel.matches((((v.doc.obj if isinstance(v.doc.obj, dict) else {}) or {}).get("metadata") or {})
                               .get("labels"))]
        return out

    def document_visit(self, doc: Document) -> Visit:
        """The visit for one manifest document: kind mapped, namespace defaulted or checked."""
        obj = doc.obj
        if not isinstance(obj, dict):
            raise DocumentError(f"error: error validating {_quote(doc.source)}: error validating data: invalid "
                                "object to validate; if you choose to ignore these errors, turn validation off with "
                                "--validate=false", stop_stream=True)
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        errs = []
        if not api_version:
            errs.append("apiVersion not set")
        if not kind:
            errs.append("kind not set")
        if errs:
            text = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
            raise DocumentError(f"error: error validating {_quote(doc.source)}: error validating data: {text}; if "
                                "you choose to ignore these errors, turn validation off with --validate=false",
                                stop_stream=True)
        try:
            info = REGISTRY.for_kind(str(api_version), str(kind))
        except NoKindMatchError as e:
            md = obj.get("metadata") or {}
            raise DocumentError(
                f"error: resource mapping not found for name: {_quote(md.get('name', ''))} namespace: "
                f"{_quote(md.get('namespace', '') or '')} from {_quote(doc.source)}: {e}\nensure CRDs are "
                "installed first") from None
        md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        name = md.get("name", "") if isinstance(md.get("name", ""), str) else ""
        ns = md.get("namespace") or ""
        if info.namespaced:
            if self.inv.explicit_namespace and ns and ns != self.inv.namespace:
                raise DocumentError(f'error: the namespace from the provided object "{ns}" does not match the '
                                    f'namespace "{self.inv.namespace}". You must pass \'--namespace={ns}\' to '
                                    "perform this operation.")
            ns = ns or self.inv.namespace
        else:
            ns = None
        return Visit("doc", info, ns, name=name, doc=doc, obj=obj)


def _quote(s: str) -> str:
    return api_errors.go_quote(s)


def fetch(inv: "Invocation", visit: Visit) -> dict:
    """GET the live object of a named or document visit."""
    return inv.client.get(visit.info.resource, visit.name, visit.namespace)


def list_objects(inv: "Invocation", visit: Visit) -> dict:
    """LIST for a selector visit (the List as the server returns it)."""
    return inv.client.list(visit.info.resource, visit.namespace,
                           label_selector=visit.label_selector or None,
                           field_selector=visit.field_selector or None)


def kind_group(info: ResourceInfo) -> str:
    """``GroupKind.String()`` lower-cased: ``deployment.apps``, ``pod``."""
    return f"{info.kind}.{info.group}".lower() if info.group else info.kind.lower()


def printed_name(info: ResourceInfo, name: str) -> str:
    """The name printer's ``kind[.group]/name``."""
    return f"{kind_group(info)}/{name}"


def as_list(items: list[dict]) -> dict:
    """The ``List`` kubectl prints when several objects are written with -o yaml/json."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def strip_managed_fields(obj: Any) -> Any:
    """kubectl omits ``metadata.managedFields`` unless ``--show-managed-fields``."""
    if isinstance(obj, dict):
        md = obj.get("metadata")
        if isinstance(md, dict) and "managedFields" in md:
            obj = {**obj, "metadata": {k: v for k, v in md.items() if k != "managedFields"}}
        if isinstance(obj.get("items"), list):
            obj = {**obj, "items": [strip_managed_fields(i) for i in obj["items"]]}
    return obj
