"""``kubectl wait`` (k8s.io/kubectl/pkg/cmd/wait): wait — in virtual time — until the selected
objects have a condition (``--for=condition=Ready``, ``=False`` …), are deleted
(``--for=delete``), exist (``--for=create``) or a JSONPath has a value
(``--for=jsonpath='{.status.phase}'=Running``), then print ``<kind>/<name> condition met``.
``--timeout`` (30 s by default; 0 checks once) bounds the wait: ``timed out waiting for the
condition on pods/web``.
"""
from __future__ import annotations

from ...api import errors as api_errors
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag
from ..printers.jsonpath import JSONPath, JSONPathError, go_sprint, relaxed
from ..resources import Builder
from . import filename_flags, operation_printer, output_flags
from .watch import pump

WEEK = 168 * 3600.0


def command() -> Command:
    return Command("wait", short="Experimental: Wait for a specific condition on one or many resources", run=run,
                   usage="kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | "
                         "--all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]]",
                   suggest_for=("list", "ps"),
                   flags=[*output_flags(), *filename_flags("identifying the resource."), Flag("selector", "l"),
                          Flag("field-selector"), Flag("all", type="bool"), Flag("all-namespaces", "A", "bool"),
                          Flag("local", type="bool"), Flag("timeout", type="duration", default=30.0),
                          Flag("for")])


def _split_jsonpath_input(text: str) -> list[str]:
    out, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "=":
            if i < len(text) - 1 and text[i + 1] == "=":
                cur.append("==")
                i += 2
                continue
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def _condition_fn(spec: str):
    """``conditionFuncFor``: a check of one object (``None`` for delete/create)."""
    low = spec.lower()
    if low in ("delete", "create"):
        return None
    if spec.startswith("condition="):
        name = spec[len("condition="):]
        value = "true"
        if "=" in name:
            name, value = name.split("=", 1)

        def check(obj: dict) -> bool:
            md = obj.get("metadata") or {}
            for cond in ((obj.get("status") or {}).get("conditions") or []):
                if not isinstance(cond, dict) or str(cond.get("type", "")).lower() != name.lower():
                    continue
                if not isinstance(cond.get("status"), str):
                    continue
                generation = md.get("generation")
                if isinstance(generation, int):
                    observed = cond.get("observedGeneration")
                    if observed is None:
                        observed = (obj.get("status") or {}).get("observedGeneration")
                    if isinstance(observed, int) and observed < generation:
                        return False
                return cond["status"].lower() == value.lower()
            return False
        return check
    if spec.startswith("jsonpath="):
        parts = _split_jsonpath_input(spec[len("jsonpath="):])
        if not 1 <= len(parts) <= 2:
            raise CommandError("error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                               "--for=jsonpath='{.status.readyReplicas}'")
        try:
            expr = relaxed(parts[0])
        except JSONPathError as e:
            raise CommandError(f"error: {e}") from None
        want = ""
        if len(parts) == 2:
            want = parts[1].strip("'\"")
            if not want:
                raise CommandError("error: jsonpath wait has to have a value after equal sign, like "
                                   "--for=jsonpath='{.status.readyReplicas}'=3")
        if not expr:
            raise CommandError("error: jsonpath expression cannot be empty")
        try:
            parser = JSONPath("wait", allow_missing_keys=True).parse(expr)
        except JSONPathError as e:
            raise CommandError(f"error: {e}") from None

        def check_jp(obj: dict) -> bool:
            try:
                results = parser.find_results(obj)
            except JSONPathError as e:
                raise GoError(str(e)) from None
            if not results or not results[0]:
                return False
            if len(results) > 1:
                raise GoError("given jsonpath expression matches more than one list")
            if len(results[0]) > 1:
                raise GoError("given jsonpath expression matches more than one value")
            if len(parts) == 1:
                return True
            value = results[0][0]
            if isinstance(value, (dict, list)):
                raise GoError("jsonpath leads to a nested object or list which is not supported")
            return go_sprint(value).strip() == want.strip()
        return check_jp
    raise CommandError(f'error: unrecognized condition: "{spec}"')


def run(inv) -> int:
    spec = inv.flag("for") or ""
    check = _condition_fn(spec)
    timeout = inv.flag("timeout")
    if timeout < 0:
        timeout = WEEK
    printer = operation_printer(inv, "condition met")
    if inv.flag("local"):
        raise CommandError("error: kubectl wait --local is not supported")

    def visits():
        builder = (Builder(inv, all_namespaces=bool(inv.flag("all-namespaces")))
                   .filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
                   .selector(inv.flag("selector") or None, inv.flag("field-selector") or None)
                   .all(bool(inv.flag("all"))))
        builder.args(inv.args, allow_empty_selector=bool(inv.flag("all")))
        return builder.visits()

    def targets() -> tuple[list, list]:
        found, errs = [], []
        for v in visits():
            if v.kind == "error":
                errs.append(v.extra["error"])
            elif v.kind == "list":
                for item in inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None,
                                            field_selector=v.field_selector or None)["items"]:
                    md = item.get("metadata") or {}
                    found.append((v.info, md.get("namespace") or None, md.get("name", ""), item))
            else:
                try:
                    found.append((v.info, v.namespace, v.name, inv.client.get(v.info.resource, v.name, v.namespace)))
                except api_errors.StatusError as e:
                    errs.append(e)
        return found, errs

    limit = min(timeout, 600.0) if timeout > 600.0 else timeout
    idle_stop = timeout > 600.0
    low = spec.lower()
    if low == "create":
        def created() -> bool:
            found, errs = targets()
            return not any(isinstance(e, api_errors.StatusError) and e.reason == "NotFound" for e in errs)
        if pump(inv, created, timeout, stop_when_idle=idle_stop) != "done":
            raise GoError("timed out waiting for the condition")
    found, errs = targets()
    if low == "delete":
        errs = [e for e in errs if not (isinstance(e, api_errors.StatusError) and e.reason == "NotFound")]
    failures: list[BaseException] = list(errs)
    count = 0
    for info, ns, name, obj in found:
        count += 1
        if not name:
            failures.append(GoError("resource name must be provided"))
            continue
        uid = (obj.get("metadata") or {}).get("uid")
        state: dict = {"obj": obj}

        def current():
            try:
                return inv.client.get(info.resource, name, ns)
            except api_errors.StatusError as e:
                if e.reason == "NotFound":
                    return None
                raise

        if low == "delete":
            def done() -> bool:
                cur = current()
                return cur is None or (cur.get("metadata") or {}).get("uid") != uid
        else:
            def done() -> bool:
                cur = current()
                if cur is None:
                    raise api_errors.not_found(info.resource, name, info.group)
                state["obj"] = cur
                return check is None or check(cur)
        try:
            if timeout == 0:
                ok = done()
                if not ok:
                    raise GoError(f"condition not met for {info.resource}/{name}")
            elif pump(inv, done, limit, stop_when_idle=idle_stop) != "done":
                raise GoError(f"timed out waiting for the condition on {info.resource}/{name}")
        except (GoError, api_errors.StatusError) as e:
            failures.append(e)
            continue
        printer.print_obj(state["obj"], inv.out)
    err = aggregate(failures)
    if err is not None:
        raise err
    if count == 0 and low != "delete":
        raise CommandError("error: no matching resources found")
    return 0
