"""Reading ``application/vnd.kubernetes.protobuf`` request bodies.

kubectl v1.32's ``create deployment|namespace|configmap|secret|service|job|cronjob|role…`` POST
their object in Kubernetes' protobuf envelope (k8s.io/apimachinery/pkg/runtime/serializer/protobuf):
the 4-byte magic ``k8s\\x00`` and then a ``runtime.Unknown`` message —
``typeMeta`` (1: apiVersion, 2: kind), ``raw`` (the object's own message), ``contentEncoding``,
``contentType``.

The object's bytes are decoded without generated code: :mod:`.protobuf_data` maps every Go
struct's field numbers to JSON names and types (read from upstream's struct tags), and the
result is the JSON object that decoding into the Go struct and marshalling it as JSON would give:
empty strings, zero numbers and empty lists of ``omitempty`` fields are dropped, pointers keep
their zero values, nested structs always appear (``strategy: {}``), a zero ``metav1.Time`` is
``null`` and embedded (``json:",inline"``) structs are flattened into their parent.
"""
from __future__ import annotations

import base64
import json
import struct
from typing import Any

from ...api import errors

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"


class ProtobufError(ValueError):
    """The body is not well-formed protobuf (or not the envelope)."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("unexpected EOF")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtobufError("varint overflow")


def fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """The (number, wire type, raw value) triples of one message, in wire order."""
    out = []
    pos = 0
    n = len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("illegal field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            if pos + 8 > n:
                raise ProtobufError("unexpected EOF")
            value = buf[pos:pos + 8]
            pos += 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > n:
                raise ProtobufError("unexpected EOF")
            value = buf[pos:pos + length]
            pos += length
        elif wire == 5:
            if pos + 4 > n:
                raise ProtobufError("unexpected EOF")
            value = buf[pos:pos + 4]
            pos += 4
        else:
            raise ProtobufError(f"illegal wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _text(v: Any) -> str:
    if not isinstance(v, (bytes, bytearray)):
        raise ProtobufError("expected a length-delimited string")
    try:
        return bytes(v).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtobufError("invalid UTF-8 in a string field") from None


def _scalar(spec: str, wire: int, raw: Any) -> Any:
    if spec == "string":
        return _text(raw)
    if spec == "int":
        if wire != 0:
            raise ProtobufError("expected a varint")
        return _signed(raw)
    if spec == "bool":
        if wire != 0:
            raise ProtobufError("expected a varint")
        return bool(raw)
    if spec == "float":
        if wire == 1:
            return struct.unpack("<d", raw)[0]
        if wire == 5:
            return struct.unpack("<f", raw)[0]
        raise ProtobufError("expected a fixed-width number")
    if spec == "bytes":
        if wire != 2:
            raise ProtobufError("expected bytes")
        return base64.b64encode(bytes(raw)).decode()
    return _special(spec, wire, raw)


def _special(spec: str, wire: int, raw: Any) -> Any:
    if wire != 2:
        raise ProtobufError(f"expected a {spec} message")
    parts = {num: val for num, _, val in fields(raw)}
    if spec in ("Time", "MicroTime"):
        from ...api.meta import rfc3339, rfc3339_micro

        seconds = _signed(parts.get(1, 0))
        nanos = parts.get(2, 0)
        if not seconds and not nanos:
            return None
        if spec == "Time":
            return rfc3339(0, seconds)
        return rfc3339_micro(0, seconds + nanos / 1e9)
    if spec == "Quantity":
        return _text(parts.get(1, b""))
    if spec == "IntOrString":
        if parts.get(1, 0) == 0:
            return _signed(parts.get(2, 0))
        return _text(parts.get(3, b""))
    if spec in ("RawExtension", "FieldsV1"):
        data = parts.get(1, b"")
        if not data:
            return None
        try:
            return json.loads(bytes(data))
        except ValueError:
            raise ProtobufError(f"{spec} does not hold JSON") from None
    if spec == "Duration":
        ns = _signed(parts.get(1, 0))
        return _go_duration(ns)
    raise ProtobufError(f"unknown type {spec}")  # pragma: no cover - generator output only


def _go_duration(ns: int) -> str:
    """Go's ``time.Duration.String()`` for whole-second-ish values (``1h0m0s``, ``30s``)."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    seconds, frac = divmod(ns, 1_000_000_000)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    s_text = f"{s}" + (f".{frac:09d}".rstrip("0") if frac else "")
    if h:
        return f"{sign}{h}h{m}m{s_text}s"
    if m:
        return f"{sign}{m}m{s_text}s"
    return f"{sign}{s_text}s"


def decode_message(type_name: str, buf: bytes) -> dict:
    """One Go struct's bytes as its JSON object."""
    from .protobuf_data import MESSAGES

    table = MESSAGES.get(type_name)
    if table is None:  # pragma: no cover - generator output only
        raise ProtobufError(f"no protobuf table for {type_name}")
    out: dict[str, Any] = {}
    for number, wire, raw in fields(buf):
        entry = table.get(number)
        if entry is None:
            continue  # unknown fields are dropped, as the generated Unmarshal does
        name, spec, flags = entry
        if spec.startswith("map:"):
            if wire != 2:
                raise ProtobufError(f"expected a map entry for {name}")
            kv = {num: (w, val) for num, w, val in fields(raw)}
            key = _text(kv[1][1]) if 1 in kv else ""
            vspec = spec[4:]
            if 2 in kv:
                value = _value(vspec, kv[2][0], kv[2][1])
            else:
                value = _empty(vspec)
            out.setdefault(name, {})[key] = value
            continue
        value = _value(spec, wire, raw)
        if "i" in flags:
            out.update(value)
            continue
        if "r" in flags:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    # omitempty scalars at their zero value are absent in JSON; pointers keep theirs
    for name, spec, flags in table.values():
        if name not in out or "i" in flags:
            continue
        value = out[name]
        if "p" in flags or "o" not in flags:
            continue
        if "/" in spec and "." in spec and "r" not in flags and not spec.startswith("map:"):
            continue  # a struct value is never omitted by encoding/json
        if value in ("", 0, None, [], {}) and value is not True:
            if value is None and spec in ("Time", "MicroTime"):
                continue
            del out[name]
    return out


def _empty(spec: str) -> Any:
    return {"string": "", "int": 0, "bool": False, "bytes": "", "float": 0.0}.get(spec)


def _value(spec: str, wire: int, raw: Any) -> Any:
    if "/" in spec and "." in spec:
        if wire != 2:
            raise ProtobufError(f"expected a {spec} message")
        return decode_message(spec, raw)
    return _scalar(spec, wire, raw)


def decode_envelope(body: bytes) -> tuple[str, str, bytes]:
    """(apiVersion, kind, raw object bytes) of a ``k8s\\x00`` + ``runtime.Unknown`` body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("provided data does not appear to be a protobuf message, expected prefix "
                            "[107 56 115 0]")
    api_version = kind = ""
    raw = b""
    for number, wire, value in fields(body[len(MAGIC):]):
        if number == 1 and wire == 2:
            for n2, w2, v2 in fields(value):
                if n2 == 1 and w2 == 2:
                    api_version = _text(v2)
                elif n2 == 2 and w2 == 2:
                    kind = _text(v2)
        elif number == 2 and wire == 2:
            raw = bytes(value)
    return api_version, kind, raw


def decode(body: bytes) -> dict:
    """The JSON object a protobuf request body carries.

    Raises :class:`~kube_lab.api.errors.StatusError` (400 BadRequest, or 415 for a kind the
    decoder has no table for) when the body cannot be read."""
    from .protobuf_data import KINDS

    try:
        api_version, kind, raw = decode_envelope(body)
        type_name = KINDS.get(f"{api_version}/{kind}")
        if type_name is None:
            raise errors.unsupported_media_type(CONTENT_TYPE, ("application/json", "application/yaml"))
        obj = decode_message(type_name, raw)
    except ProtobufError as e:
        raise errors.bad_request(f"the body of the request could not be decoded as protobuf: {e}") from None
    except RecursionError:
        raise errors.bad_request("the body of the request could not be decoded as protobuf: too deeply nested") from None
    result = {"kind": kind, "apiVersion": api_version}
    result.update(obj)
    return result


# ------------------------------------------------------------------------------------------
# Encoding (used by the tests to build the bodies kubectl sends, and by nothing else).

def _key(number: int, wire: int) -> bytes:
    return _enc_varint((number << 3) | wire)


def _enc_varint(v: int) -> bytes:
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_message(type_name: str, obj: dict) -> bytes:
    """The protobuf bytes of a JSON object (the inverse of :func:`decode_message`; every known
    field that is present is written, as Go's generated Marshal writes non-pointer fields)."""
    from .protobuf_data import MESSAGES

    out = bytearray()
    for number, (name, spec, flags) in MESSAGES[type_name].items():
        if "i" in flags:
            inner = encode_message(spec, obj)
            out += _key(number, 2) + _enc_varint(len(inner)) + inner
            continue
        if name not in obj or obj[name] is None:
            embedded = ("/" in spec and "." in spec) or spec in ("Time", "MicroTime", "IntOrString")
            if embedded and "r" not in flags and "p" not in flags:
                out += _key(number, 2) + _enc_varint(0)
            continue
        value = obj[name]
        if spec.startswith("map:"):
            for k in sorted(value):
                entry = _enc_field(1, "string", k) + _enc_field(2, spec[4:], value[k])
                out += _key(number, 2) + _enc_varint(len(entry)) + entry
        elif "r" in flags:
            for item in value:
                out += _enc_field(number, spec, item)
        else:
            out += _enc_field(number, spec, value)
    return bytes(out)


def _enc_field(number: int, spec: str, value: Any) -> bytes:
    if spec in ("int", "bool"):
        return _key(number, 0) + _enc_varint(int(value))
    if spec == "float":
        return _key(number, 1) + struct.pack("<d", value)
    if spec == "string":
        data = value.encode()
    elif spec == "bytes":
        data = base64.b64decode(value)
    elif spec == "Quantity":
        data = _enc_field(1, "string", str(value))
    elif spec == "IntOrString":
        if isinstance(value, int):
            data = _key(1, 0) + _enc_varint(0) + _key(2, 0) + _enc_varint(value)
        else:
            data = _key(1, 0) + _enc_varint(1) + _enc_field(3, "string", value)
    elif spec in ("Time", "MicroTime"):
        from ...api.meta import parse_rfc3339

        data = b"" if value is None else _key(1, 0) + _enc_varint(int(parse_rfc3339(value)))
    elif spec in ("RawExtension", "FieldsV1"):
        data = _enc_field(1, "string", json.dumps(value, separators=(",", ":")))
    elif "/" in spec:
        data = encode_message(spec, value)
    else:  # pragma: no cover
        raise ValueError(spec)
    return _key(number, 2) + _enc_varint(len(data)) + data


def encode(obj: dict) -> bytes:
    """A whole request body as kubectl sends it: magic, then ``runtime.Unknown``."""
    from .protobuf_data import KINDS

    type_name = KINDS[f"{obj['apiVersion']}/{obj['kind']}"]
    raw = encode_message(type_name, obj)
    tm = _enc_field(1, "string", obj["apiVersion"]) + _enc_field(2, "string", obj["kind"])
    unknown = _key(1, 2) + _enc_varint(len(tm)) + tm + _key(2, 2) + _enc_varint(len(raw)) + raw
    unknown += _enc_field(3, "string", "") + _enc_field(4, "string", "")
    return MAGIC + unknown
