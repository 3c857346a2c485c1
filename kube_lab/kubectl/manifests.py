"""Reading manifests as kubectl reads them (``-f FILE|DIR|-``).

* Files: a directory contributes its ``.json``, ``.yaml`` and ``.yml`` files in name order
  (sub-directories only with ``-R``); ``-`` is standard input
  (k8s.io/cli-runtime/pkg/resource/visitor.go ``ExpandPathsToFileVisitors``).
* Documents: YAML streams separated by ``---`` or JSON; empty documents are skipped; ``kind:
  List`` is flattened into its items (``FlattenListVisitor``).
* Scalars are resolved as go-yaml v2 resolves them inside ``sigs.k8s.io/yaml``: YAML 1.1 booleans
  (``y``, ``yes``, ``on`` …), ``1e3`` is a float, timestamps stay strings, integral floats become
  integers once the document is JSON.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import yaml
import yaml.scanner

from .parser import CommandError

FILE_EXTENSIONS = (".json", ".yaml", ".yml")


class _GoYAMLLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader with go-yaml v2's implicit scalar types."""


_GoYAMLLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float",
                                                    "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp",
                                                    "tag:yaml.org,2002:null")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
    list("yYnNtTfFoO"))
_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"))
_GoYAMLLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
               r"|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def _construct_bool(loader, node):
    return node.value in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")


def _construct_int(loader, node):
    text = node.value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body.startswith("0b"):
        v = int(body[2:], 2)
    elif body.startswith("0x"):
        v = int(body[2:], 16)
    elif body.startswith("0o"):
        v = int(body[2:], 8)
    elif body.startswith("0") and len(body) > 1:
        v = int(body, 8)
    else:
        v = int(body)
    v *= sign
    if not -(2 ** 63) <= v < 2 ** 64:
        return float(v)
    return v


def _construct_float(loader, node):
    text = node.value.replace("_", "")
    low = text.lower()
    if low.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if low.endswith("nan"):
        return float("nan")
    return float(text)


_GoYAMLLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _jsonable(v: Any) -> Any:
    """The value after sigs.k8s.io/yaml's YAML → JSON step (keys become strings, integral floats
    become integers once decoded into Unstructured)."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if isinstance(k, bool):
                key = "true" if k else "false"
            elif k is None:
                key = "null"
            elif isinstance(k, float):
                from .printers.goyaml import go_format_float_g

                key = go_format_float_g(k)
            else:
                key = str(k)
            out[key] = _jsonable(x)
        return out
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")) and v == int(v) \
            and abs(v) < 2 ** 63:
        return int(v)
    if isinstance(v, bytes):
        import base64

        return base64.b64encode(v).decode()
    return v


def go_yaml_error(e: Exception) -> str:
    """The text gopkg.in/yaml.v2 gives for the error PyYAML found: libyaml's problem in go-yaml's
    words, after ``line N: `` — a scanner error counts lines from 1, a parser error (go-yaml's
    quirk) from 0, and nothing is said for the first line."""
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None) or ""
    mark = getattr(e, "problem_mark", None)
    context_mark = getattr(e, "context_mark", None)
    scanner = isinstance(e, yaml.scanner.ScannerError)
    if problem == "mapping values are not allowed here":
        problem = "mapping values are not allowed in this context"
    elif problem == "found character '\\t' that cannot start any token":
        problem = "found a tab character that violates indentation"
    elif problem.startswith("found character") and "that cannot start any token" in problem:
        problem = "found character that cannot start any token"
    elif problem.startswith("expected ',' or ']'"):
        problem = "did not find expected ',' or ']'"
    elif problem.startswith("expected ',' or '}'"):
        problem = "did not find expected ',' or '}'"
    elif problem.startswith("expected <block end>, but found"):
        problem = ("did not find expected '-' indicator" if "collection" in context and "mapping" not in context
                   else "did not find expected key")
    elif problem.startswith("expected '<document start>'"):
        problem = "did not find expected <document start>"
    line = 0
    if mark is not None and mark.line != 0:
        line = mark.line + 1 if scanner else mark.line
    elif context_mark is not None and context_mark.line != 0:
        line = context_mark.line
    return (f"line {line}: " if line else "") + problem


def load_documents(text: str, source: str) -> list[Any]:
    """The documents of a YAML or JSON stream (``None`` documents dropped); parse errors raise
    CommandError with kubectl's ``error parsing <source>: …`` wording."""
    try:
        docs = list(yaml.load_all(text, Loader=_GoYAMLLoader))
    except yaml.YAMLError as e:
        raise CommandError(f"error: error parsing {source}: error converting YAML to JSON: yaml: "
                           f"{go_yaml_error(e)}") from None
    return [_jsonable(d) for d in docs if d is not None]


@dataclass
class Document:
    """One object read from a manifest, with the name kubectl reports as its source."""

    obj: Any
    source: str


def collect_paths(filenames: list[str], recursive: bool = False) -> list[str]:
    """Expand ``-f`` values into files (``-`` kept as is); missing paths raise kubectl's error."""
    out: list[str] = []
    for name in filenames:
        if name == "-":
            out.append(name)
            continue
        if name.startswith(("http://", "https://")):
            raise CommandError(f"error: unable to read URL {name!r}: the simulated cluster has no "
                               "network access to the internet")
        if not os.path.exists(name):
            raise CommandError(f'error: the path "{name}" does not exist')
        if os.path.isdir(name):
            found = []
            for root, dirs, files in os.walk(name):
                dirs.sort()
                if root != name and not recursive:
                    dirs[:] = []
                    continue
                for f in sorted(files):
                    if f.endswith(FILE_EXTENSIONS):
                        found.append(os.path.join(root, f))
                if not recursive:
                    dirs[:] = []
            if not found:
                raise CommandError(f"error: error reading [{name}]: recognized file extensions are "
                                   f"[{' '.join(FILE_EXTENSIONS)}]")
            out.extend(found)
        else:
            out.append(name)
    return out


def read_documents(filenames: list[str], stdin: str | None, recursive: bool = False,
                   flatten: bool = True) -> list[Document]:
    """All documents of the given ``-f`` arguments, in order."""
    docs: list[Document] = []
    for path in collect_paths(filenames, recursive):
        if path == "-":
            text = stdin or ""
            source = "STDIN"
        else:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise CommandError(f'error: the path "{path}" cannot be accessed: {e.strerror}') from None
            source = path
        for d in load_documents(text, source):
            if flatten and isinstance(d, dict) and isinstance(d.get("items"), list) and \
                    str(d.get("kind", "")).endswith("List"):
                docs.extend(Document(item, source) for item in d["items"])
            else:
                docs.append(Document(d, source))
    return docs
