"""Liveness, readiness and startup probes (``pkg/kubelet/prober``).

One worker per container and probe type.  A worker starts when the pod is added and ticks every
``periodSeconds`` from then on; a tick does nothing until the container runs, until
``initialDelaySeconds`` have passed since it started, and (for liveness and readiness) until the
startup probe succeeded.  ``failureThreshold`` failures in a row flip the result to Failure,
``successThreshold`` successes to Success.  Every failed attempt records an ``Unhealthy`` event
(``Liveness probe failed: …``).  A liveness or startup failure makes the pod worker restart the
container (``Container x failed liveness probe, will be restarted``); readiness only changes
``ready`` and the pod's Ready condition.

Handlers: ``exec`` (``ExecSync`` with ``timeoutSeconds``), ``httpGet`` (200–399 is success,
``HTTP probe failed with statuscode: 500``), ``tcpSocket`` and ``grpc`` (the gRPC health
protocol), each failing with the texts the kubelet prints.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Generator

from .images.program import NetError, Request
from .runtime import ExecError
from .tasks import Cancelled, Task

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet

SUCCESS, FAILURE, UNKNOWN = "Success", "Failure", "Unknown"
PROBE_NAMES = {"liveness": "Liveness", "readiness": "Readiness", "startup": "Startup"}
SPEC_KEYS = {"liveness": "livenessProbe", "readiness": "readinessProbe", "startup": "startupProbe"}


class Worker:
    def __init__(self, manager: "ProbeManager", pod: dict, container: dict, kind: str, is_init: bool):
        self.m = manager
        self.kl = manager.kl
        self.pod = pod
        self.container = container
        self.kind = kind
        self.spec = container[SPEC_KEYS[kind]]
        self.is_init = is_init
        self.container_id = ""
        self.last_result: str | None = None
        self.run_length = 0
        self.on_hold = False
        self.stopped = False
        self.task: Task | None = None
        self.initial = FAILURE if kind == "readiness" else (SUCCESS if kind == "liveness" else UNKNOWN)

    @property
    def period(self) -> float:
        return float(self.spec.get("periodSeconds") or 10)

    def start(self) -> None:
        self.task = Task(self.kl.loop, self._run(), name=f"probe {self.kind} {self.container['name']}",
                         background=True)

    def stop(self) -> None:
        self.stopped = True
        if self.task is not None and not self.task.done:
            self.task.cancel()
        if self.container_id:
            self.m.results[self.kind].pop(self.container_id, None)

    def _run(self) -> Generator:
        loop = self.kl.loop
        start = loop.now
        # a kubelet that just (re)started spreads its probes over one period
        if self.period > loop.now - self.kl.started_at:
            jitter = self.kl.rng.random() * self.period
            yield self.kl.sleep_bg(jitter)
            start = loop.now
        try:
            while not self.stopped:
                keep = yield from self.do_probe()
                if not keep:
                    break
                now = loop.now
                ticks = math.floor((now - start) / self.period + 1e-9) + 1
                yield self.kl.sleep_bg(start + ticks * self.period - now)
        except Cancelled:
            pass
        self.m.workers.pop((self.pod["metadata"]["uid"], self.container["name"], self.kind), None)

    def do_probe(self) -> Generator[Any, Any, bool]:
        uid = self.pod["metadata"]["uid"]
        status = self.kl.status_manager.get(uid)
        if status is None:
            return True
        if status.get("phase") in ("Failed", "Succeeded"):
            return False
        key = "initContainerStatuses" if self.is_init else "containerStatuses"
        cs = next((s for s in status.get(key) or () if s.get("name") == self.container["name"]), None)
        if cs is None or not cs.get("containerID"):
            return True
        cid = cs["containerID"].split("://", 1)[-1]
        if cid != self.container_id:
            if self.container_id:
                self.m.results[self.kind].pop(self.container_id, None)
            self.container_id = cid
            self.m.set_result(self.kind, uid, cid, self.initial, quiet=True)
            self.on_hold = False
            self.last_result = None
            self.run_length = 0
        if self.on_hold:
            return True
        state = cs.get("state") or {}
        if "running" not in state:
            self.m.set_result(self.kind, uid, cid, FAILURE, quiet=True)
            return "terminated" not in state or self.pod["spec"].get("restartPolicy") != "Never"
        pod = self.kl.pod_by_uid(uid) or self.pod
        if pod["metadata"].get("deletionTimestamp") and self.kind in ("liveness", "startup"):
            self.m.set_result(self.kind, uid, cid, SUCCESS, quiet=True)
            return False
        started_at = self.kl.runtime_started_at(cid)
        if started_at is not None and int(self.kl.loop.now - started_at) < int(self.spec.get("initialDelaySeconds") or 0):
            return True
        if cs.get("started"):
            if self.kind == "startup":
                return True
        elif self.kind != "startup":
            return True
        result = yield from self.m.run_probe(self.kind, self.pod, self.container, cid)
        if result is None:
            return True
        if result == self.last_result:
            self.run_length += 1
        else:
            self.last_result = result
            self.run_length = 1
        threshold = int(self.spec.get("failureThreshold") or 3) if result == FAILURE else \
            int(self.spec.get("successThreshold") or 1)
        if self.run_length < threshold:
            return True
        self.m.set_result(self.kind, uid, cid, result)
        if self.kind in ("liveness", "startup") and result == FAILURE:
            self.on_hold = True
            self.run_length = 0
        return True


class ProbeManager:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.workers: dict[tuple[str, str, str], Worker] = {}
        self.results: dict[str, dict[str, str]] = {"liveness": {}, "readiness": {}, "startup": {}}

    # workers ------------------------------------------------------------------------------
    def add_pod(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        spec = pod.get("spec") or {}
        for is_init, containers in ((True, spec.get("initContainers") or ()), (False, spec.get("containers") or ())):
            for c in containers:
                if is_init and c.get("restartPolicy") != "Always":
                    continue
                for kind in ("startup", "readiness", "liveness"):
                    if not c.get(SPEC_KEYS[kind]):
                        continue
                    key = (uid, c["name"], kind)
                    if key in self.workers:
                        continue
                    w = Worker(self, pod, c, kind, is_init)
                    self.workers[key] = w
                    w.start()

    def stop_liveness_and_startup(self, uid: str) -> None:
        for key in [k for k in self.workers if k[0] == uid and k[2] in ("liveness", "startup")]:
            self.workers.pop(key).stop()

    def remove_pod(self, uid: str) -> None:
        for key in [k for k in self.workers if k[0] == uid]:
            self.workers.pop(key).stop()

    def stop_all(self) -> None:
        for key in list(self.workers):
            self.workers.pop(key).stop()

    # results ------------------------------------------------------------------------------
    def set_result(self, kind: str, uid: str, cid: str, result: str, quiet: bool = False) -> None:
        prev = self.results[kind].get(cid)
        self.results[kind][cid] = result
        if quiet or prev == result:
            return
        self.kl.probe_result_changed(kind, uid, cid, result)

    def get(self, kind: str, cid: str) -> str | None:
        return self.results[kind].get(cid)

    def fill_status(self, pod: dict, st: dict, is_init: bool) -> None:
        """``UpdatePodStatus``: ``ready`` and ``started`` of one container status."""
        spec = pod.get("spec") or {}
        containers = spec.get("initContainers" if is_init else "containers") or []
        c = next((x for x in containers if x.get("name") == st.get("name")), {})
        state = st.get("state") or {}
        cid = (st.get("containerID") or "").split("://", 1)[-1]
        running = "running" in state
        started = False
        if running:
            if c.get("startupProbe"):
                started = self.get("startup", cid) == SUCCESS
            else:
                started = True
        st["started"] = started
        if is_init and c.get("restartPolicy") != "Always":
            term = state.get("terminated")
            st["ready"] = term is not None and term.get("exitCode", 1) == 0
            return
        ready = False
        if running and started:
            if c.get("readinessProbe"):
                ready = self.get("readiness", cid) == SUCCESS
            else:
                ready = True
        st["ready"] = ready

    # probing ------------------------------------------------------------------------------
    def run_probe(self, kind: str, pod: dict, container: dict, cid: str) -> Generator[Any, Any, str | None]:
        """Run one probe; records ``Unhealthy`` on failure.  None: an error (result discarded)."""
        spec = container[SPEC_KEYS[kind]]
        timeout = float(spec.get("timeoutSeconds") or 1)
        name = PROBE_NAMES[kind]
        ok, output = yield from self._handler(spec, pod, container, cid, timeout)
        if ok is None:
            self.kl.event(pod, "Warning", "Unhealthy", f"{name} probe errored and resulted in unknown state: {output}",
                          self.kl.field_path(pod, container["name"]))
            return None
        if ok:
            return SUCCESS
        self.kl.event(pod, "Warning", "Unhealthy", f"{name} probe failed: {output}",
                      self.kl.field_path(pod, container["name"]))
        return FAILURE

    def _handler(self, spec: dict, pod: dict, container: dict, cid: str, timeout: float) -> Generator:
        kl = self.kl
        st = kl.status_manager.get(pod["metadata"]["uid"]) or {}
        pod_ip = st.get("podIP") or ""
        if spec.get("exec"):
            cmd = list((spec["exec"] or {}).get("command") or [])
            try:
                out, err, code = yield kl.runtime.exec_sync(cid, cmd, timeout=timeout)
            except TimeoutError:
                return False, f"command {_go_q(' '.join(cmd))} timed out"
            except ExecError as e:
                return None, str(e)
            return code == 0, out + err
        if spec.get("httpGet"):
            h = spec["httpGet"]
            port = _port(h.get("port"), container)
            host = h.get("host") or pod_ip
            path = h.get("path") or "/"
            scheme = (h.get("scheme") or "HTTP").lower()
            url = f"{scheme}://{host}:{port}{path}"
            headers = {"User-Agent": "kube-probe/1.32", "Accept": "*/*"}
            for hh in h.get("httpHeaders") or ():
                headers[hh.get("name", "")] = hh.get("value", "")
            try:
                resp = yield kl.probe_request(host, port, Request("GET", path, headers, host=host, port=port,
                                                                  user_agent=headers["User-Agent"]), timeout)
            except NetError as e:
                if e.kind == "timeout":
                    return False, (f"Get {_go_q(url)}: context deadline exceeded (Client.Timeout exceeded while "
                                   "awaiting headers)")
                return False, f"Get {_go_q(url)}: dial tcp {host}:{port}: {e}"
            if 200 <= resp.status < 400:
                return True, resp.body
            return False, f"HTTP probe failed with statuscode: {resp.status}"
        if spec.get("tcpSocket"):
            t = spec["tcpSocket"]
            port = _port(t.get("port"), container)
            host = t.get("host") or pod_ip
            ok = yield kl.probe_connect(host, port, timeout)
            if ok is True:
                return True, ""
            return False, f"dial tcp {host}:{port}: {ok}"
        if spec.get("grpc"):
            g = spec["grpc"]
            port = int(g.get("port") or 0)
            service = g.get("service") or ""
            try:
                verdict = kl.runtime.grpc_health(pod_ip, port, service)
            except NetError:
                yield kl.sleep_bg(timeout)
                return False, f"timeout: failed to connect service {_go_q(f'{pod_ip}:{port}')} within {timeout:g}s"
            yield kl.sleep_bg(0.001)
            if verdict is None:
                return False, ("error: this server does not implement the grpc health protocol "
                               "(grpc.health.v1.Health): rpc error: code = Unimplemented desc = unknown service "
                               "grpc.health.v1.Health")
            if verdict != "SERVING":
                return False, f"service unhealthy (responded with {_go_q(verdict)})"
            return True, ""
        return None, "missing probe handler"


def _port(value: Any, container: dict) -> int:
    if isinstance(value, int):
        return value
    text = str(value or "")
    if text.isdigit():
        return int(text)
    for p in container.get("ports") or ():
        if p.get("name") == text:
            return int(p.get("containerPort") or 0)
    return 0


def _go_q(s: str) -> str:
    from ..api.errors import go_quote

    return go_quote(s)
