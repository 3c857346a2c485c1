"""API errors as ``Status`` objects, shaped like k8s.io/apimachinery/pkg/api/errors.

Every failure the API server reports is a :class:`StatusError` carrying the ``Status`` dict that
the real kube-apiserver would send (``kind: Status``, ``reason``, ``code``, ``details``).
kubectl prints it as ``Error from server (<reason>): <message>``.

Field problems are collected as :class:`FieldError` values (k8s.io/apimachinery/pkg/util/validation/field)
and turned into one ``Invalid`` status by :func:`invalid`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

# HTTP codes and reasons (metav1.StatusReason*).
REASON_CODES = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "MethodNotAllowed": 405,
    "NotAcceptable": 406,
    "AlreadyExists": 409,
    "Conflict": 409,
    "Gone": 410,
    "Expired": 410,
    "RequestEntityTooLarge": 413,
    "UnsupportedMediaType": 415,
    "Invalid": 422,
    "TooManyRequests": 429,
    "InternalError": 500,
    "Timeout": 504,
    "ServerTimeout": 504,
}


class StatusError(Exception):
    """An API error; ``.status`` is the wire-format ``Status`` object."""

    def __init__(self, status: dict):
        super().__init__(status.get("message", ""))
        self.status = status

    @property
    def reason(self) -> str:
        return self.status.get("reason", "")

    @property
    def code(self) -> int:
        return self.status.get("code", 500)

    @property
    def message(self) -> str:
        return self.status.get("message", "")

    def __repr__(self) -> str:
        return f"StatusError({self.reason}: {self.message})"


def status(reason: str, message: str, details: dict | None = None, code: int | None = None) -> StatusError:
    """Build a failure ``Status`` with the given reason and message."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details:
        body["details"] = details
    body["code"] = code if code is not None else REASON_CODES.get(reason, 500)
    return StatusError(body)


def qualified(resource: str, group: str = "") -> str:
    """``schema.GroupResource.String()``: ``pods``, ``deployments.apps``."""
    return f"{resource}.{group}" if group else resource


def _details(name: str, group: str, kind: str) -> dict:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def not_found(resource: str, name: str, group: str = "") -> StatusError:
    return status("NotFound", f"{qualified(resource, group)} {go_quote(name)} not found",
                  _details(name, group, resource))


def already_exists(resource: str, name: str, group: str = "") -> StatusError:
    return status("AlreadyExists", f"{qualified(resource, group)} {go_quote(name)} already exists",
                  _details(name, group, resource))


CONFLICT_MODIFIED = ("the object has been modified; please apply your changes to the latest "
                     "version and try again")


def conflict(resource: str, name: str, reason: str, group: str = "") -> StatusError:
    return status("Conflict",
                  f"Operation cannot be fulfilled on {qualified(resource, group)} {go_quote(name)}: {reason}",
                  _details(name, group, resource))


def forbidden(resource: str, name: str, reason: str, group: str = "") -> StatusError:
    if name:
        msg = f"{qualified(resource, group)} {go_quote(name)} is forbidden: {reason}"
    else:
        msg = f"{qualified(resource, group)} is forbidden: {reason}"
    return status("Forbidden", msg, _details(name, group, resource))


def bad_request(message: str) -> StatusError:
    return status("BadRequest", message)


def method_not_allowed(resource: str, action: str, group: str = "") -> StatusError:
    return status("MethodNotAllowed",
                  f"{action} is not supported on resources of kind {go_quote(qualified(resource, group))}",
                  _details("", group, resource))


def gone(message: str) -> StatusError:
    return status("Gone", message)


def expired(message: str) -> StatusError:
    """``NewResourceExpired``: 410 with reason ``Expired`` (too old resourceVersion)."""
    return status("Expired", message)


def unsupported_media_type(content_type: str, accepted: Iterable[str]) -> StatusError:
    return status("UnsupportedMediaType",
                  f"the body of the request was in an unknown format - accepted media types include: "
                  f"{', '.join(accepted)}")


def internal(message: str) -> StatusError:
    return status("InternalError", f"Internal error occurred: {message}",
                  {"causes": [{"message": message}]})


# --------------------------------------------------------------------------------------------
# Field errors (k8s.io/apimachinery/pkg/util/validation/field)

FIELD_TYPES = {
    # type: (text in messages, cause reason)
    "Required": ("Required value", "FieldValueRequired"),
    "Invalid": ("Invalid value", "FieldValueInvalid"),
    "NotSupported": ("Unsupported value", "FieldValueNotSupported"),
    "Duplicate": ("Duplicate value", "FieldValueDuplicate"),
    "Forbidden": ("Forbidden", "FieldValueForbidden"),
    "TooLong": ("Too long", "FieldValueTooLong"),
    "TooMany": ("Too many", "FieldValueTooMany"),
    "NotFound": ("Not found", "FieldValueNotFound"),
    "Internal": ("Internal error", "InternalError"),
    "TypeInvalid": ("Invalid value", "FieldValueTypeInvalid"),
}

_NO_VALUE = object()


@dataclass(frozen=True)
class FieldError:
    """One problem at one field path, e.g. ``spec.selector: Required value``."""

    type: str
    field: str
    value: Any = _NO_VALUE
    detail: str = ""

    def body(self) -> str:
        """``field.Error.ErrorBody()``: the message without the field path."""
        text = FIELD_TYPES[self.type][0]
        if self.type in ("Required", "Forbidden", "TooLong", "Internal") or self.value is _NO_VALUE:
            s = text
        else:
            s = f"{text}: {go_value(self.value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict:
        return {"reason": FIELD_TYPES[self.type][1], "message": self.body(), "field": self.field}


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("Required", field, detail=detail)


def invalid_value(field: str, value: Any, detail: str = "") -> FieldError:
    return FieldError("Invalid", field, value, detail)


def not_supported(field: str, value: Any, supported: Iterable[str]) -> FieldError:
    options = [go_quote(s) for s in supported]
    detail = "supported values: " + ", ".join(options) if options else ""
    return FieldError("NotSupported", field, value, detail)


def duplicate(field: str, value: Any) -> FieldError:
    return FieldError("Duplicate", field, value)


def forbidden_field(field: str, detail: str) -> FieldError:
    return FieldError("Forbidden", field, detail=detail)


def too_long(field: str, value: Any, max_length: int) -> FieldError:
    return FieldError("TooLong", field, value, f"may not be more than {max_length} bytes")


def not_found_field(field: str, value: Any) -> FieldError:
    return FieldError("NotFound", field, value)


def aggregate_message(errs: list[FieldError]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one error plain, several in brackets."""
    texts: list[str] = []
    for e in errs:  # the aggregate drops exact duplicates, keeping first occurrence
        t = str(e)
        if t not in texts:
            texts.append(t)
    if len(texts) == 1:
        return texts[0]
    return "[" + ", ".join(texts) + "]"


def invalid(kind: str, name: str, errs: list[FieldError], group: str = "") -> StatusError:
    """``NewInvalid``: 422 ``<Kind>[.<group>] "<name>" is invalid: <errors>``."""
    qkind = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [e.cause() for e in errs]
    return status("Invalid", f"{qkind} {go_quote(name)} is invalid: {aggregate_message(errs)}", details)


# --------------------------------------------------------------------------------------------
# Go formatting of values, as they appear inside upstream messages.

def go_quote(s: str) -> str:
    """Go's ``%q`` for a string."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_value(v: Any) -> str:
    """How a bad value is shown in a field error (``%v`` / ``%q`` / ``%#v`` as upstream picks)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return go_quote(v)
    return go_sharp(v)


def go_sharp(v: Any) -> str:
    """Go's ``%#v`` for the JSON-ish values we hold (maps of strings, slices)."""
    if isinstance(v, dict):
        if all(isinstance(x, str) for x in v.values()):
            inner = ", ".join(f"{go_quote(k)}:{go_quote(v[k])}" for k in sorted(v))
            return "map[string]string{" + inner + "}"
        inner = ", ".join(f"{go_quote(k)}:{go_sharp(v[k])}" for k in sorted(v))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v):
            return "[]string{" + ", ".join(go_quote(x) for x in v) + "}"
        return "[]interface {}{" + ", ".join(go_sharp(x) for x in v) + "}"
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "interface {}(nil)"
    return str(v)
