"""``kubectl apply -f`` (client-side apply), as kubectl v1.32 does it.

One document at a time, :func:`apply_object` goes through the steps of kubectl's
``ApplyOptions.applyOneObject`` (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go):

1. the document is checked the way kubectl's builder checks it before anything is sent: the schema
   validator's ``apiVersion``/``kind`` test (k8s.io/kubectl/pkg/validation), then the decoder that
   insists ``kind`` is set and that ``metadata`` decodes into ``ObjectMeta``
   (k8s.io/cli-runtime/pkg/resource/metadata_decoder.go), then the REST mapping (an unknown kind raises
   :class:`~kube_lab.api.registry.NoKindMatchError`, left for the caller), then the namespace
   (``SetNamespace``/``RequireNamespace`` of cli-runtime's visitor.go);
2. the *modified configuration* is computed (k8s.io/kubectl/pkg/util/apply.go
   ``GetModifiedConfiguration``): the object without the
   ``kubectl.kubernetes.io/last-applied-configuration`` annotation, encoded as JSON, becomes that
   annotation's new value (:func:`modified_configuration`);
3. ``GET`` the live object.  Not found: ``POST`` the object carrying the annotation (nulls pruned),
   and print ``<kind>[.<group>]/<name> created``.  Found: compute the three-way strategic merge
   patch from the old annotation (*original*), the new document (*modified*) and the live object
   (*current*) (:func:`three_way_merge_patch`, modelling
   ``strategicpatch.CreateThreeWayMergePatch``); ``{}`` prints ``unchanged``, anything else is sent
   as ``PATCH`` (``application/strategic-merge-patch+json``, ``fieldManager=kubectl-client-side-apply``,
   ``fieldValidation=Strict``, retried on 409 Conflict up to 5 times like kubectl's patcher.go) and
   prints ``configured``.

Every failure raises :class:`ApplyDocumentError` carrying the Go error text with kubectl's
``error when creating "<source>": …`` / ``error when applying patch:\\n<patch>\\nto:\\n<info>\\nfor:
"<source>": error when patching "<source>": …`` wrapping of server errors, and both of kubectl's
renderings of it: ``str(err)`` is what kubectl prints when it is the only error of the command,
``err.line`` what it prints for it when several documents failed (they differ: an ``Invalid`` status
alone prints as ``The Deployment "web" is invalid: …`` from the status details, and client-side
errors lose their ``error:`` prefix in a list).

What kubectl prints on stderr as *warnings* (the object has no last-applied annotation yet, or is
being deleted) is appended to the optional ``warnings`` list.

JSON text is produced the way Go's ``encoding/json`` produces it (sorted keys, compact, ``<``, ``>``
and ``&`` escaped as ``\\u003c`` …, floats formatted like Go), because the annotation is a string
that users compare and that decides whether the next apply is ``unchanged``.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from typing import Any

from kube_lab.api import errors
from kube_lab.api.patch import STRATEGIC_MERGE_PATCH, schema_for
from kube_lab.api.registry import REGISTRY, ResourceInfo
from kube_lab.api.strategicpatch import (StrategicPatchError, create_three_way_merge_patch, discard_nulls,
                                         format_float, go_float, json_kind)

__all__ = [
    "LAST_APPLIED", "FIELD_MANAGER", "ApplyDocumentError", "StrategicPatchError",
    "modified_configuration", "three_way_merge_patch", "apply_object", "go_json",
]

#: ``corev1.LastAppliedConfigAnnotation``.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: The field manager kubectl sends for client-side apply (``fieldManager=`` query parameter).
FIELD_MANAGER = "kubectl-client-side-apply"
#: ``maxPatchRetry`` in kubectl's patcher.go.
MAX_PATCH_RETRY = 5

_STOP_VALIDATE = "if you choose to ignore these errors, turn validation off with --validate=false"


class ApplyDocumentError(Exception):
    """Applying one document failed.

    kubectl renders the same error differently depending on how many documents failed
    (``cmdutil.CheckErr`` in k8s.io/kubectl/pkg/cmd/util/helpers.go):

    * ``str(err)`` / :attr:`alone` — kubectl's output when this is the command's only error:
      ``Error from server (<Reason>): <message>`` for API errors, except reason ``Invalid``, which is
      printed from the status details as ``The <Kind> "<name>" is invalid: <field errors>``
      (several field errors as a ``* `` list); client-side errors get an ``error: `` prefix;
    * :attr:`line` — its line when several documents failed (``MultipleErrors``): every API error as
      ``Error from server (<Reason>): <message>``, client-side errors without a prefix.

    :attr:`message` is the Go error text (the Status message as kubectl rewrote it) and
    :attr:`status` the rewritten ``Status`` (``None`` for errors that never reached the server).
    No rendering ends with a newline.
    """

    def __init__(self, message: str, status: dict | None = None):
        self.message = message
        self.status = status
        super().__init__(self.alone)

    def __str__(self) -> str:
        return self.alone

    @property
    def line(self) -> str:
        return _standard_error_message(self.message, self.status) or self.message

    @property
    def alone(self) -> str:
        status = self.status
        if status is not None and status.get("reason") == "Invalid":
            return _invalid_message(self.message, status)
        text = _standard_error_message(self.message, status)
        if text is not None:
            return text
        return self.message if self.message.startswith("error: ") else "error: " + self.message


def _standard_error_message(message: str, status: dict | None) -> str | None:
    """``cmdutil.StandardErrorMessage`` for an error carrying ``status`` (``None``: not an API error)."""
    if status is None:
        return None
    reason = status.get("reason", "")
    if reason == "Unauthorized":
        return f"error: You must be logged in to the server ({status.get('message', '')})"
    if reason:
        return f"Error from server ({reason}): {message}"
    return f"Error from server: {message}"


def _invalid_message(message: str, status: dict) -> str:
    """``checkErr``'s rendering of a reason-``Invalid`` status (``isInvalidReasonStatusError``)."""
    details = status.get("details")
    text = "The request is invalid"
    if details is None:
        return text + (": " + message if message else "")
    causes = details.get("causes") or []
    if details.get("kind") or details.get("name"):
        text = f"The {details.get('kind', '')} {errors.go_quote(details.get('name', ''))} is invalid"
    elif message and not causes:
        text += ": " + message
    if not causes:
        return text
    msgs: list[str] = []
    for cause in causes:   # statusCausesToAggrError drops repeated "<field>: <message>" texts
        m = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if m not in msgs:
            msgs.append(m)
    if len(msgs) == 1:        # MultilineError
        return f"{text}: {msgs[0]}"
    return f"{text}: \n" + "\n".join(f"* {m}" for m in msgs)


# ============================================================================================
# Go's encoding/json, as kubectl's encoders use it
# ============================================================================================

def _go_float_json(f: float) -> str:
    """``encoding/json``'s float64 encoder: 'f' format, or 'e' outside [1e-6, 1e21), ``e-07`` → ``e-7``."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {f}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    # strconv writes at least two exponent digits; encoding/json then turns e-07 into e-7.
    return format_float(f, lambda _x: abs(f) < 1e-6 or abs(f) >= 1e21, exp_digits=1)


_JSON_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                       "\b": "\\b", "\f": "\\f"}


def _go_json_string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        esc = _JSON_SHORT_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif o < 0x20 or ch in "<>&" or o in (0x2028, 0x2029):
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:          # not valid UTF-8: Go writes the replacement rune
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(v: Any) -> str:
    """``json.Marshal(v)`` as Go writes it: map keys sorted, no spaces, HTML-safe escapes."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float_json(v)
    if isinstance(v, str):
        return _go_json_string(v)
    if isinstance(v, dict):
        return "{" + ",".join(_go_json_string(k) + ":" + go_json(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    raise TypeError(f"json: unsupported type: {type(v).__name__}")


def _wire(v: Any, int_floats: bool = True) -> Any:
    """A fresh copy of ``v`` as kubectl holds it after YAML → JSON → ``Unstructured``.

    Integral floats become ints (Go writes ``1.0`` as ``1`` and apimachinery decodes that as int64;
    ``int_floats=False`` keeps them, for values decoded straight from JSON text), map keys become
    strings, YAML timestamps (which PyYAML turns into dates) become their ISO text.
    """
    if isinstance(v, dict):
        return {_wire_key(k): _wire(x, int_floats) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_wire(x, int_floats) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        if int_floats and math.isfinite(v) and v == int(v) and abs(v) < 1e21:
            return int(v)
        return v
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, bytes):
        import base64

        return base64.b64encode(v).decode()
    return str(v)


def _wire_key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, float):
        return go_float(k)
    if isinstance(k, (_dt.date, _dt.datetime)):
        return k.isoformat()
    return str(k)


# ============================================================================================
# The modified configuration (k8s.io/kubectl/pkg/util/apply.go)
# ============================================================================================

def _string_map(v: Any) -> dict | None:
    """``NestedStringMap``: the map if every value is a string, else nothing."""
    if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
        return v
    return None


def modified_configuration(doc: dict) -> tuple[dict, str]:
    """``GetModifiedConfiguration(obj, annotate=true)``.

    Returns ``(modified_obj, annotation_value)``: the annotation value is the Go JSON encoding (with the
    encoder's trailing newline) of ``doc`` with the last-applied annotation removed from
    ``metadata.annotations`` — which kubectl leaves as ``"annotations":{}`` when nothing else is
    there — and ``modified_obj`` is a copy of ``doc`` carrying that value as the annotation.  The
    caller sets ``metadata.namespace`` first, as kubectl's builder does.
    """
    obj = _wire(doc)
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and "metadata" not in obj:
        md = obj["metadata"] = {}
    if not isinstance(md, dict):
        # Unstructured.SetAnnotations cannot write below a non-object metadata; it silently does
        # nothing and the plain encoding is used.
        text = go_json(obj) + "\n"
        return obj, text
    annots = dict(_string_map(md.get("annotations")) or {})
    annots.pop(LAST_APPLIED, None)
    md["annotations"] = annots
    text = go_json(obj) + "\n"
    md["annotations"] = {**annots, LAST_APPLIED: text}
    return obj, text


# ============================================================================================
# CreateThreeWayMergePatch (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go; the machinery,
# shared with the API server's PATCH handler, is in kube_lab.api.strategicpatch)
# ============================================================================================

def _sorted_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted_keys(x) for x in v]
    return v


def three_way_merge_patch(original: dict | None, modified: dict, current: dict, kind_key: str) -> dict:
    """``strategicpatch.CreateThreeWayMergePatch(original, modified, current, schema, overwrite=true)``.

    The patch is the difference from ``current`` to ``modified`` ignoring deletions, merged with the
    deletions from ``original`` (the last-applied configuration) to ``modified`` ignoring changes and
    additions.  List and map handling follows the ``patchStrategy``/``patchMergeKey`` tags of
    ``kind_key`` (``"apps/v1/Deployment"``): merge-keyed lists are diffed item by item with a
    ``$setElementOrder/<field>`` list, removed items become ``{"$patch": "delete", <key>: v}``,
    removed strings of a merged primitive list go to ``$deleteFromPrimitiveList/<field>``, other lists
    are replaced whole, and fields tagged ``retainKeys`` get a ``$retainKeys`` list.  ``{}`` means
    "no change".  Inputs are not modified; ``original=None`` means "no annotation".
    Raises :class:`StrategicPatchError` with upstream's text when the documents cannot be diffed.
    """
    schema = schema_for(kind_key)
    orig = _wire(original, int_floats=False) if isinstance(original, dict) else {}
    mod = _wire(modified)
    cur = _wire(current)
    return _sorted_keys(create_three_way_merge_patch(orig, mod, cur, schema))


# ============================================================================================
# apply_object: one document of ``kubectl apply -f``
# ============================================================================================

def _aggregate(msgs: list[str]) -> str:
    return msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"


def _validation_errors(doc: Any) -> list[str]:
    """``getObjectKind`` of k8s.io/kubectl/pkg/validation (run before anything is sent)."""
    if not isinstance(doc, dict):
        return ["invalid object to validate"]
    errs = []
    api_version = doc.get("apiVersion")
    if api_version is None:
        errs.append("apiVersion not set")
    elif not isinstance(api_version, str):
        errs.append("apiVersion isn't string type")
    elif api_version not in ("", "/") and api_version.count("/") > 1:
        errs.append(f"unexpected GroupVersion string: {api_version}")
    kind = doc.get("kind")
    if kind is None:
        errs.append("kind not set")
    elif not isinstance(kind, str):
        errs.append("kind isn't string type")
    return errs


def _metadata_decode_error(doc: dict) -> str | None:
    """The first error of decoding ``doc`` into ``{TypeMeta, ObjectMeta}`` (metadata_decoder.go).

    Covers the ObjectMeta fields a manifest sets; the document is decoded in the key order of the
    JSON kubectl built from the YAML (sorted), and only the first type error is reported.
    """
    md = doc.get("metadata")
    if md is None:
        return None
    if not isinstance(md, dict):
        return (f"json: cannot unmarshal {json_kind(md)} into Go struct field "
                f"metadataOnlyObject.metadata of type v1.ObjectMeta")

    def bad(field: str, v: Any, go_type: str) -> str:
        value = json_kind(v)
        if value == "number" and go_type == "int64":
            value = f"number {go_json(_wire(v))}"
        return f"json: cannot unmarshal {value} into Go struct field ObjectMeta.metadata.{field} of type {go_type}"

    for key in sorted(md):
        v = md[key]
        if v is None:
            continue
        if key in ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion"):
            if not isinstance(v, str):
                return bad(key, v, "string")
        elif key in ("generation", "deletionGracePeriodSeconds"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and v != int(v)):
                return bad(key, v, "int64")
        elif key in ("labels", "annotations"):
            if not isinstance(v, dict):
                return bad(key, v, "map[string]string")
            for k in sorted(v):
                if v[k] is not None and not isinstance(v[k], str):
                    return bad(key, v[k], "string")
        elif key == "finalizers":
            if not isinstance(v, list):
                return bad(key, v, "[]string")
            for x in v:
                if x is not None and not isinstance(x, str):
                    return bad(key, x, "string")
    return None


def _source_error(err: errors.StatusError, message: str) -> ApplyDocumentError:
    """``cmdutil.AddSourceToErr`` on an API error: same Status, message replaced."""
    status = copy.deepcopy(err.status)
    status["message"] = message
    return ApplyDocumentError(message, status)


def _is_not_found(err: errors.StatusError) -> bool:
    reason = err.status.get("reason", "")
    return reason == "NotFound" or (reason not in errors.REASON_CODES and err.code == 404)


def _info_string(info: ResourceInfo, name: str, namespace: str) -> str:
    """``resource.Info.String()`` (cli-runtime visitor.go)."""
    gvr = f"{info.group}/{info.version}, Resource={info.resource}"
    gvk = f"{info.group}/{info.version}, Kind={info.kind}"
    return (f"Resource: {errors.go_quote(gvr)}, GroupVersionKind: {errors.go_quote(gvk)}\n"
            f"Name: {errors.go_quote(name)}, Namespace: {errors.go_quote(namespace)}")


def _printed_name(obj: Any, info: ResourceInfo, name: str) -> str:
    """The name printer's ``<kind>[.<group>]/<name>`` for the object the server returned."""
    kind, group = info.kind, info.group
    if isinstance(obj, dict) and isinstance(obj.get("kind"), str) and obj["kind"]:
        kind = obj["kind"]
        api_version = obj.get("apiVersion")
        if isinstance(api_version, str) and api_version:
            group = api_version.rpartition("/")[0]
    return f"{kind.lower()}.{group}/{name}" if group else f"{kind.lower()}/{name}"


def _warn_if_deleting(obj: Any, warnings: list[str] | None) -> None:
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if warnings is not None and isinstance(md, dict) and md.get("deletionTimestamp"):
        warnings.append(f"Warning: Detected changes to resource {md.get('name', '')} which is currently "
                        "being deleted.")


def _last_applied_of(obj: dict) -> str | None:
    md = obj.get("metadata")
    annots = md.get("annotations") if isinstance(md, dict) else None
    value = annots.get(LAST_APPLIED) if isinstance(annots, dict) else None
    return value if isinstance(value, str) else None


def apply_object(client: Any, doc: Any, namespace: str | None, source: str, *,
                 warnings: list[str] | None = None) -> str:
    """Apply one document as ``kubectl apply -f <source>`` does; returns the line kubectl prints.

    ``namespace`` is ``--namespace`` (``None``: not given, the object's namespace or ``default`` is
    used).  ``client`` is a :class:`kube_lab.client.Client`; its component name marks the requests.
    Raises :class:`ApplyDocumentError` (kubectl's message) or lets
    :class:`~kube_lab.api.registry.NoKindMatchError` propagate for an unknown kind.
    """
    quoted_source = errors.go_quote(source)
    errs = _validation_errors(doc)
    if errs:
        raise ApplyDocumentError(f"error validating {quoted_source}: error validating data: "
                                 f"{_aggregate(errs)}; {_STOP_VALIDATE}")
    if not doc["kind"]:
        raise ApplyDocumentError(f"unable to decode {quoted_source}: Object 'Kind' is missing in "
                                 f"'{go_json(_wire(doc))}'")
    decode_error = _metadata_decode_error(doc)
    if decode_error:
        raise ApplyDocumentError(f"unable to decode {quoted_source}: {decode_error}")
    info = REGISTRY.for_kind(doc["apiVersion"], doc["kind"])

    obj = _wire(doc)
    md = obj.get("metadata")
    name = md.get("name") if isinstance(md, dict) and isinstance(md.get("name"), str) else ""
    obj_ns = md.get("namespace") if isinstance(md, dict) and isinstance(md.get("namespace"), str) else ""
    if info.namespaced:
        if namespace:                              # --namespace given: RequireNamespace
            if obj_ns and obj_ns != namespace:
                raise ApplyDocumentError(
                    f"the namespace from the provided object {errors.go_quote(obj_ns)} does not "
                    f"match the namespace {errors.go_quote(namespace)}. You must pass "
                    f"'--namespace={obj_ns}' to perform this operation.")
            ns = namespace
        else:                                      # SetNamespace(default namespace)
            ns = obj_ns or "default"
        if ns != obj_ns:
            if not isinstance(md, dict):
                md = obj["metadata"] = {}
            md["namespace"] = ns
        request_ns: str | None = ns
    else:
        ns = obj_ns
        request_ns = None
    info_text = _info_string(info, name, ns)

    if not name and isinstance(md, dict):
        generate = md.get("generateName")
        if isinstance(generate, str) and generate:
            raise ApplyDocumentError(f"from {generate}: cannot use generate name with apply")

    modified, _ = modified_configuration(obj)

    if not name:
        raise ApplyDocumentError(f"error when retrieving current configuration of:\n{info_text}\n"
                                 f"from server for: {quoted_source}: resource name may not be empty")
    try:
        current = client.get(info.resource, name, request_ns)
    except errors.StatusError as e:
        if not _is_not_found(e):
            raise _source_error(
                e, f"error when retrieving current configuration of:\n{info_text}\nfrom server for: "
                   f"{quoted_source}: {e.message}") from None
        try:
            created = client.create(info.resource, discard_nulls(modified), request_ns,
                                    field_validation="Strict")
        except errors.StatusError as ce:
            raise _source_error(ce, f"error when creating {quoted_source}: {ce.message}") from None
        return f"{_printed_name(created, info, name)} created"

    if _last_applied_of(current) is None and warnings is not None:
        warnings.append(f"Warning: resource {info.resource}/{name} is missing the {LAST_APPLIED} "
                        "annotation which is required by kubectl apply. kubectl apply should only be "
                        "used on resources created declaratively by either kubectl create --save-config "
                        "or kubectl apply. The missing annotation will be patched automatically.")

    modified_text = go_json(modified) + "\n"
    attempt = 0
    while True:
        original_text = _last_applied_of(current)
        try:
            patch = _three_way_from_texts(original_text, modified, current, info.kind_key)
        except StrategicPatchError as e:
            raise ApplyDocumentError(
                f"error when applying patch:\n\nto:\n{info_text}\nfor: {quoted_source}: "
                f"error when patching {quoted_source}: creating patch with:\noriginal:\n{original_text or ''}\n"
                f"modified:\n{modified_text}\ncurrent:\n{go_json(_wire(current))}\n\nfor:: {e}") from None
        if not patch:
            _warn_if_deleting(current, warnings)
            return f"{_printed_name(current, info, name)} unchanged"
        body = go_json(patch)
        try:
            result = client.patch(info.resource, name, body, STRATEGIC_MERGE_PATCH, request_ns,
                                  field_validation="Strict", field_manager=FIELD_MANAGER)
        except errors.StatusError as e:
            if e.reason == "Conflict" and attempt < MAX_PATCH_RETRY:
                attempt += 1
                try:
                    current = client.get(info.resource, name, request_ns)
                except errors.StatusError as ge:
                    raise _source_error(
                        ge, f"error when applying patch:\n\nto:\n{info_text}\nfor: {quoted_source}: "
                            f"{ge.message}") from None
                continue
            raise _source_error(
                e, f"error when applying patch:\n{body}\nto:\n{info_text}\nfor: {quoted_source}: "
                   f"error when patching {quoted_source}: {e.message}") from None
        _warn_if_deleting(result, warnings)
        return f"{_printed_name(result, info, name)} configured"


def _three_way_from_texts(original_text: str | None, modified: dict, current: dict, kind_key: str) -> dict:
    """The patcher's inputs: the annotation text is decoded (an empty one means "no original")."""
    original: dict | None = None
    if original_text:
        try:
            decoded = json.loads(original_text)
        except ValueError:
            raise StrategicPatchError("invalid JSON document") from None
        if decoded is not None and not isinstance(decoded, dict):
            raise StrategicPatchError("invalid JSON document")
        original = decoded
    return three_way_merge_patch(original, modified, current, kind_key)
