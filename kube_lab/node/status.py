"""Pod status: what the kubelet computes (``generateAPIPodStatus``) and how it reaches the API
server (the status manager, ``pkg/kubelet/status``).

* container statuses come from the runtime (``convertToAPIContainerStatuses``): the newest
  instance is ``state``, the one before it ``lastState``; containers not created yet are waiting
  with ``ContainerCreating`` (``PodInitializing`` when the pod has init containers); a container
  the kubelet could not start shows the reason it recorded (``ErrImagePull``,
  ``CrashLoopBackOff``, ``CreateContainerConfigError``…);
* the phase follows ``getPhase`` (``pkg/kubelet/kubelet_pods.go``);
* conditions follow ``pkg/kubelet/status/generate.go``, in the kubelet's order
  PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled;
  ``lastTransitionTime`` changes only when a condition's status does;
* the status manager patches ``pods/status`` (strategic merge) whenever the status changes, and
  once a deleted pod has no running containers left it deletes the pod with grace period 0 and a
  UID precondition (``canBeDeleted`` → ``Delete``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api import errors
from ..api.meta import deep_copy
from . import runtime as rt

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
TERMINAL = ("Succeeded", "Failed")


def is_restartable_init(c: dict) -> bool:
    return c.get("restartPolicy") == "Always"


def _go_list(names: list[str]) -> str:
    return "[" + " ".join(names) + "]"


def _state_of(c: "rt.Container", ts) -> dict:
    if c.state == rt.RUNNING:
        return {"running": {"startedAt": ts(c.started_at)}}
    if c.state == rt.EXITED:
        term: dict[str, Any] = {"exitCode": c.exit_code}
        if c.reason:
            term["reason"] = c.reason
        if c.message:
            term["message"] = c.message
        term["startedAt"] = ts(c.started_at) if c.started_at is not None else None
        term["finishedAt"] = ts(c.finished_at)
        term["containerID"] = "containerd://" + c.id
        return {"terminated": term}
    return {"waiting": {}}


def volume_mount_statuses(container: dict) -> list[dict]:
    out = []
    for m in container.get("volumeMounts") or ():
        vs: dict[str, Any] = {"name": m.get("name", ""), "mountPath": m.get("mountPath", "")}
        if m.get("readOnly"):
            vs["readOnly"] = True
            vs["recursiveReadOnly"] = "Disabled"
        out.append(vs)
    return out


def convert_container_statuses(kl: "Kubelet", pod: dict, instances: list["rt.Container"], old: list[dict],
                               containers: list[dict], has_init: bool, is_init: bool,
                               ephemeral: bool = False) -> list[dict]:
    """``convertToAPIContainerStatuses`` for one list (regular, init or ephemeral containers;
    the prober fills ``ready``/``started`` of the first two only)."""
    ts = kl.ts
    uid = pod["metadata"]["uid"]
    old_by_name = {s.get("name"): s for s in old or ()}
    default = {"waiting": {"reason": "PodInitializing" if has_init else "ContainerCreating"}}
    statuses: dict[str, dict] = {}
    for c in containers:
        st: dict[str, Any] = {"name": c["name"], "state": deep_copy(default), "lastState": {}, "ready": False,
                              "restartCount": 0, "image": c.get("image", ""), "imageID": ""}
        vms = volume_mount_statuses(c)
        if vms:
            st["volumeMounts"] = vms
        prev = old_by_name.get(c["name"])
        if prev is not None:
            if "terminated" in (prev.get("state") or {}):
                st = deep_copy(prev)
            else:
                st["restartCount"] = prev.get("restartCount", 0)
                st["lastState"] = deep_copy(prev.get("lastState") or {})
        statuses[c["name"]] = st
    names = set(statuses)
    by_name: dict[str, list[rt.Container]] = {}
    for inst in instances:                     # newest first
        if inst.name in names:
            by_name.setdefault(inst.name, []).append(inst)
    # containers that vanished from the runtime while running (a node reboot)
    for c in containers:
        if c["name"] in by_name:
            continue
        prev = old_by_name.get(c["name"])
        if prev is None or "terminated" in (prev.get("state") or {}) or "running" not in (prev.get("state") or {}):
            continue
        st = statuses[c["name"]]
        if (st["state"].get("waiting") or {}).get("reason") not in ("ContainerCreating", "PodInitializing"):
            continue
        if "terminated" in st["lastState"]:
            continue
        st["lastState"] = {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown",
                                          "message": "The container could not be located when the pod was "
                                                     "deleted.  The container used to be Running",
                                          "startedAt": None, "finishedAt": None}}
        if not pod["metadata"].get("deletionTimestamp"):
            st["restartCount"] = st.get("restartCount", 0) + 1
    for name, insts in by_name.items():
        spec = next(c for c in containers if c["name"] == name)
        st = statuses[name]
        newest = insts[0]
        new = {"name": name, "state": _state_of(newest, ts), "lastState": {}, "ready": False,
               "restartCount": newest.attempt, "image": newest.config.image.repo_tags[0]
               if newest.config.image.repo_tags else spec.get("image", ""),
               "imageID": newest.config.image.ref, "containerID": "containerd://" + newest.id}
        if "volumeMounts" in st:
            new["volumeMounts"] = st["volumeMounts"]
        if len(insts) > 1:
            new["lastState"] = _state_of(insts[1], ts)
        statuses[name] = new
    # containers that will be restarted, or failed to start: Waiting with the recorded reason
    for c in containers:
        name = c["name"]
        insts = by_name.get(name, [])
        if is_init and insts and insts[0].state == rt.EXITED and insts[0].exit_code == 0 \
                and not is_restartable_init(c):
            continue
        if not kl.kuberuntime.should_restart(c, pod, insts):
            continue
        reason = kl.reason_cache.get((uid, name))
        if reason is None:
            continue
        st = statuses[name]
        if "terminated" in st["state"]:
            st["lastState"] = st["state"]
        waiting = {"reason": reason[0]}
        if reason[1]:
            waiting["message"] = reason[1]
        st["state"] = {"waiting": waiting}
    out = [statuses[c["name"]] for c in containers]
    for st in out:                              # the probe manager's part: ready and started
        if not ephemeral:
            kl.prober.fill_status(pod, st, is_init)
        _order(st)
    return out


_FIELD_ORDER = ("name", "state", "lastState", "ready", "restartCount", "image", "imageID", "containerID",
                "started", "volumeMounts")


def _order(st: dict) -> None:
    items = [(k, st[k]) for k in _FIELD_ORDER if k in st] + [(k, v) for k, v in st.items() if k not in _FIELD_ORDER]
    st.clear()
    st.update(items)


def get_phase(pod: dict, statuses: list[dict], terminal: bool) -> str:
    """``getPhase`` of ``pkg/kubelet/kubelet_pods.go`` (sidecar-aware)."""
    spec = pod.get("spec") or {}
    by_name = {s["name"]: s for s in statuses}
    pending_init = failed_init = 0
    for c in spec.get("initContainers") or ():
        if is_restartable_init(c):
            continue
        s = by_name.get(c["name"])
        if s is None:
            pending_init += 1
            continue
        state = s.get("state") or {}
        if "running" in state:
            pending_init += 1
        elif "terminated" in state:
            if state["terminated"].get("exitCode", 0) != 0:
                failed_init += 1
        elif "waiting" in state:
            last = (s.get("lastState") or {}).get("terminated")
            if last is not None:
                if last.get("exitCode", 0) != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    unknown = running = waiting = stopped = succeeded = 0
    for c in spec.get("initContainers") or ():
        if not is_restartable_init(c):
            continue
        s = by_name.get(c["name"])
        if s is None:
            unknown += 1
            continue
        state = s.get("state") or {}
        if "running" in state:
            if not s.get("started"):
                pending_init += 1
            running += 1
        elif "terminated" in state:
            pass
        elif "waiting" in state:
            if (s.get("lastState") or {}).get("terminated") is None:
                pending_init += 1
                waiting += 1
        else:
            pending_init += 1
            unknown += 1
    for c in spec.get("containers") or ():
        s = by_name.get(c["name"])
        if s is None:
            unknown += 1
            continue
        state = s.get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode", 0) == 0:
                succeeded += 1
        elif "waiting" in state:
            if (s.get("lastState") or {}).get("terminated") is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    policy = spec.get("restartPolicy", "Always")
    if failed_init > 0 and policy == "Never":
        return "Failed"
    if (pending_init > 0 and not _any_regular_started(spec, by_name)) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


def _any_regular_started(spec: dict, by_name: dict) -> bool:
    for c in spec.get("containers") or ():
        s = by_name.get(c["name"])
        if s is not None and s.get("started"):
            return True
    return False


def _initialized(spec: dict, s: dict, c: dict) -> bool:
    if is_restartable_init(c):
        return bool(s.get("started"))
    return bool(s.get("ready"))


def generate_conditions(pod: dict, statuses: list[dict], init_statuses: list[dict], phase: str,
                        sandbox_ready: bool) -> list[dict]:
    spec = pod.get("spec") or {}
    all_statuses = {s["name"]: s for s in init_statuses + statuses}
    conds = [{"type": "PodReadyToStartContainers", "status": "True" if sandbox_ready else "False"}]
    # Initialized
    unknown: list[str] = []
    incomplete: list[str] = []
    for c in spec.get("initContainers") or ():
        s = all_statuses.get(c["name"])
        if s is None:
            unknown.append(c["name"])
        elif not _initialized(spec, s, c):
            incomplete.append(c["name"])
    if phase == "Succeeded" and not unknown:
        init = {"type": "Initialized", "status": "True", "reason": "PodCompleted"}
    elif _any_regular_started(spec, all_statuses):
        init = {"type": "Initialized", "status": "True"}
    else:
        msgs = []
        if unknown:
            msgs.append(f"containers with unknown status: {_go_list(unknown)}")
        if incomplete:
            msgs.append(f"containers with incomplete status: {_go_list(incomplete)}")
        if msgs:
            init = {"type": "Initialized", "status": "False", "reason": "ContainersNotInitialized",
                    "message": ", ".join(msgs)}
        else:
            init = {"type": "Initialized", "status": "True"}
    conds.append(init)
    # ContainersReady / Ready
    unknown = []
    unready: list[str] = []
    for c in spec.get("initContainers") or ():
        if not is_restartable_init(c):
            continue
        s = all_statuses.get(c["name"])
        if s is None:
            unknown.append(c["name"])
        elif not s.get("ready"):
            unready.append(c["name"])
    for c in spec.get("containers") or ():
        s = all_statuses.get(c["name"])
        if s is None:
            unknown.append(c["name"])
        elif not s.get("ready"):
            unready.append(c["name"])
    if phase == "Succeeded" and not unknown:
        cready = {"type": "ContainersReady", "status": "False", "reason": "PodCompleted"}
    elif phase == "Failed":
        cready = {"type": "ContainersReady", "status": "False", "reason": "PodFailed"}
    else:
        msgs = []
        if unknown:
            msgs.append(f"containers with unknown status: {_go_list(unknown)}")
        if unready:
            msgs.append(f"containers with unready status: {_go_list(unready)}")
        if msgs:
            cready = {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady",
                      "message": ", ".join(msgs)}
        else:
            cready = {"type": "ContainersReady", "status": "True"}
    ready = dict(cready, type="Ready")
    if cready["status"] == "True":
        gates = []
        existing = {c.get("type"): c for c in (pod.get("status") or {}).get("conditions") or ()}
        for g in spec.get("readinessGates") or ():
            ct = g.get("conditionType", "")
            c = existing.get(ct)
            if c is None:
                gates.append(f"corresponding condition of pod readiness gate \"{ct}\" does not exist.")
            elif c.get("status") != "True":
                gates.append(f"the status of pod readiness gate \"{ct}\" is not \"True\", but {c.get('status')}")
        if gates:
            ready = {"type": "Ready", "status": "False", "reason": "ReadinessGatesNotReady",
                     "message": ", ".join(gates)}
    conds.append(ready)
    conds.append(cready)
    conds.append({"type": "PodScheduled", "status": "True"})
    return conds


def generate_api_pod_status(kl: "Kubelet", pod: dict, terminal: bool) -> dict:
    """``generateAPIPodStatus``: the status the kubelet wants the API to show for ``pod``."""
    uid = pod["metadata"]["uid"]
    spec = pod.get("spec") or {}
    api_status = pod.get("status") or {}
    old = kl.status_manager.get(uid) or api_status
    instances = kl.runtime.pod_containers(uid)
    sandboxes = kl.runtime.pod_sandboxes(uid)
    sandbox = sandboxes[0] if sandboxes else None
    sandbox_ready = sandbox is not None and sandbox.state == rt.SANDBOX_READY
    has_init = bool(spec.get("initContainers"))
    st: dict[str, Any] = {}
    containers = convert_container_statuses(kl, pod, instances, old.get("containerStatuses") or [],
                                            spec.get("containers") or [], has_init, False)
    init = convert_container_statuses(kl, pod, instances, old.get("initContainerStatuses") or [],
                                      spec.get("initContainers") or [], has_init, True) if has_init else []
    phase = get_phase(pod, containers + init, terminal)
    if phase not in TERMINAL:
        if old.get("phase") in TERMINAL:
            phase = old["phase"]
        elif api_status.get("phase") in TERMINAL:
            phase = api_status["phase"]
    if api_status.get("phase") in TERMINAL and phase != api_status["phase"]:
        phase = api_status["phase"]
    st["phase"] = phase
    kept = [deep_copy(c) for c in api_status.get("conditions") or () if c.get("type") not in KUBELET_CONDITIONS]
    st["conditions"] = kept + generate_conditions(pod, containers, init, phase, sandbox_ready)
    if phase == old.get("phase"):
        for key in ("reason", "message"):
            value = old.get(key) or api_status.get(key)
            if value:
                st[key] = value
    elif phase == api_status.get("phase"):
        for key in ("reason", "message"):
            if api_status.get(key):
                st[key] = api_status[key]
    st["hostIP"] = kl.node_ip
    st["hostIPs"] = [{"ip": kl.node_ip}]
    ip = ""
    if spec.get("hostNetwork"):
        ip = kl.node_ip
    elif sandbox is not None and sandbox.state == rt.SANDBOX_READY:
        ip = sandbox.ip
    elif old.get("podIP"):
        ip = old["podIP"]
    if ip:
        st["podIP"] = ip
        st["podIPs"] = [{"ip": ip}]
    if old.get("startTime") or api_status.get("startTime"):
        st["startTime"] = old.get("startTime") or api_status.get("startTime")
    if has_init:
        st["initContainerStatuses"] = init
    st["containerStatuses"] = containers
    st["qosClass"] = api_status.get("qosClass", "BestEffort")
    if spec.get("ephemeralContainers"):
        st["ephemeralContainerStatuses"] = convert_container_statuses(
            kl, pod, instances, old.get("ephemeralContainerStatuses") or [], spec["ephemeralContainers"], has_init, False,
            ephemeral=True)
    return st


class StatusManager:
    """Keeps the kubelet's view of each pod's status and writes it to the API server."""

    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.statuses: dict[str, dict] = {}
        self._pending: dict[str, None] = {}
        self._scheduled = False

    def get(self, uid: str) -> dict | None:
        return self.statuses.get(uid)

    def set_pod_status(self, pod: dict, status: dict) -> None:
        """``SetPodStatus``: normalise times, remember, and sync if anything changed."""
        uid = pod["metadata"]["uid"]
        old = self.statuses.get(uid) or (pod.get("status") or {})
        new = deep_copy(status)
        now = self.kl.ts(self.kl.loop.now)
        old_conds = {c.get("type"): c for c in old.get("conditions") or ()}
        conds = []
        for c in new.get("conditions") or ():
            prev = old_conds.get(c["type"])
            out = {"type": c["type"], "status": c["status"], "lastProbeTime": None,
                   "lastTransitionTime": prev.get("lastTransitionTime", now)
                   if prev is not None and prev.get("status") == c["status"] else now}
            if c.get("reason"):
                out["reason"] = c["reason"]
            if c.get("message"):
                out["message"] = c["message"]
            for extra in ("observedGeneration",):
                if extra in c:
                    out[extra] = c[extra]
            conds.append(out)
        new["conditions"] = conds
        if not new.get("startTime"):
            new["startTime"] = old.get("startTime") or now
        if self.statuses.get(uid) == new:
            return
        self.statuses[uid] = _ordered_status(new)
        self.request_sync(uid)

    def set_container_readiness(self, uid: str, container_id: str, ready: bool) -> None:
        """``SetContainerReadiness``: a readiness probe result changed."""
        pod = self.kl.pod_by_uid(uid)
        st = self.statuses.get(uid)
        if pod is None or st is None:
            return
        new = deep_copy(st)
        changed = False
        for key in ("containerStatuses", "initContainerStatuses"):
            for cs in new.get(key) or ():
                if cs.get("containerID") == "containerd://" + container_id and cs.get("ready") != ready:
                    cs["ready"] = ready
                    changed = True
        if not changed:
            return
        conds = generate_conditions(pod, new.get("containerStatuses") or [], new.get("initContainerStatuses") or [],
                                    new.get("phase", "Pending"),
                                    any(c.get("type") == "PodReadyToStartContainers" and c.get("status") == "True"
                                        for c in st.get("conditions") or ()))
        kept = [c for c in new["conditions"] if c.get("type") not in KUBELET_CONDITIONS]
        new["conditions"] = kept + conds
        self.set_pod_status(pod, new)

    def request_sync(self, uid: str) -> None:
        self._pending[uid] = None
        if not self._scheduled:
            self._scheduled = True
            self.kl.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, {}
        for uid in pending:
            if not self.kl.running:
                return
            self.sync_pod(uid)

    def sync_pod(self, uid: str) -> None:
        """``syncPod``: patch the API status if it differs; delete a finished deleted pod."""
        kl = self.kl
        pod = kl.pod_by_uid(uid)
        status = self.statuses.get(uid)
        if pod is None or status is None:
            return
        current = pod.get("status") or {}
        if _comparable(current) != _comparable(status):
            patch = status_patch(current, status)
            patch["metadata"] = {"uid": uid}
            try:
                pod = kl.client.patch("pods", pod["metadata"]["name"], patch,
                                      "application/strategic-merge-patch+json",
                                      pod["metadata"]["namespace"], subresource="status")
                kl.pod_updated_locally(pod)
            except errors.StatusError as e:
                if e.reason not in ("NotFound", "Conflict", "Invalid"):
                    raise
                if e.reason == "Invalid":
                    kl.errors.append(f"status of {pod['metadata']['name']}: {e.message}")
                return
            except kl.Unreachable:
                return
        if self.can_be_deleted(pod):
            self.delete_pod(pod)

    def can_be_deleted(self, pod: dict) -> bool:
        if not pod["metadata"].get("deletionTimestamp"):
            return False
        return self.kl.pod_workers.is_finished(pod["metadata"]["uid"])

    def delete_pod(self, pod: dict) -> None:
        md = pod["metadata"]
        try:
            self.kl.client.delete("pods", md["name"], md["namespace"], grace_period_seconds=0,
                                  preconditions={"uid": md["uid"]})
        except errors.StatusError as e:
            if e.reason not in ("NotFound", "Conflict"):
                raise
        except self.kl.Unreachable:
            pass

    def sync_all(self) -> None:
        """The periodic batch sync (every 10 s): catch up on anything that failed to write."""
        for uid in list(self.statuses):
            pod = self.kl.pod_by_uid(uid)
            if pod is None:
                continue
            if _comparable(pod.get("status") or {}) != _comparable(self.statuses[uid]) or self.can_be_deleted(pod):
                self.sync_pod(uid)

    def forget(self, uid: str) -> None:
        self.statuses.pop(uid, None)
        self._pending.pop(uid, None)


_STATUS_ORDER = ("observedGeneration", "phase", "conditions", "message", "reason", "nominatedNodeName", "hostIP",
                 "hostIPs", "podIP", "podIPs", "startTime", "initContainerStatuses", "containerStatuses", "qosClass",
                 "ephemeralContainerStatuses", "resize", "resourceClaimStatuses")


def _ordered_status(st: dict) -> dict:
    out = {k: st[k] for k in _STATUS_ORDER if k in st}
    out.update({k: v for k, v in st.items() if k not in out})
    return out


def _comparable(st: dict) -> dict:
    return {k: v for k, v in st.items() if v not in (None, [], {}, "")}


def status_patch(old: dict, new: dict) -> dict:
    """A two-way strategic merge patch from ``old`` to ``new`` status (whole values per field,
    ``$setElementOrder`` for the merged lists, ``null`` for removed fields)."""
    body: dict[str, Any] = {}
    for key, value in new.items():
        if old.get(key) != value:
            body[key] = value
    for key in old:
        if key not in new:
            body[key] = None
    if "conditions" in body and body["conditions"] is not None:
        olds = {c.get("type"): c for c in old.get("conditions") or ()}
        items = []
        for c in new["conditions"]:
            prev = olds.get(c["type"])
            if prev == c:
                continue
            if prev is None:
                items.append(dict(c))
                continue
            item = {"type": c["type"]}
            item.update({k: v for k, v in c.items() if prev.get(k) != v})
            for key in prev:
                if key not in c:
                    item[key] = None        # a field the condition no longer has
            items.append(item)
        body["conditions"] = items
        body["$setElementOrder/conditions"] = [{"type": c["type"]} for c in new["conditions"]]
    if "podIPs" in body and body["podIPs"] is not None:
        body["$setElementOrder/podIPs"] = [{"ip": p["ip"]} for p in new["podIPs"]]
        keep = {p["ip"] for p in new["podIPs"]}
        body["podIPs"] = list(new["podIPs"]) + [{"$patch": "delete", "ip": p["ip"]}
                                                 for p in old.get("podIPs") or () if p["ip"] not in keep]
    return {"status": body}
