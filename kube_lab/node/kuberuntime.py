"""What the kubelet asks of the container runtime for one pod: ``pkg/kubelet/kuberuntime``.

``compute_pod_actions`` compares the pod spec with what runs (``computePodActions``): create the
sandbox, start the next init container (sidecars — ``restartPolicy: Always`` init containers —
keep running and must be *started* before the next one begins), start or restart containers
according to ``restartPolicy``, kill containers that failed their liveness/startup probe or whose
definition changed.  ``sync_pod`` carries the actions out (``SyncPod``); ``start_container``
pulls, creates, starts and runs the postStart hook (``startContainer``), recording Created /
Started / Failed events; ``kill_container`` runs the preStop hook within the grace period, then
stops the container with what is left of it — never less than 2 s (``minimumGracePeriodInSeconds``)
— so a preStop hook that outlasts the grace period gets SIGTERM at the end of it and SIGKILL two
seconds later.  Crashed containers wait out the back-off (10 s doubling to 300 s) as
``CrashLoopBackOff``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generator

from . import envvars
from . import runtime as rt
from .backoff import Backoff, go_duration
from .imagemanager import ImagePullError
from .images.program import NetError, Request
from .tasks import AnyOf, Sleep, Task, gather

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet

MINIMUM_GRACE_PERIOD = 2


class StartError(Exception):
    """A container that could not be started: ``reason`` is its waiting reason."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class SyncError(Exception):
    """A failed sync; ``transient`` ones (the network not ready yet) are retried after 1 s
    (``backOffOnTransientErrorPeriod``) instead of 10 s."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass
class PodActions:
    kill_pod: bool = False
    create_sandbox: bool = False
    sandbox: Any = None
    attempt: int = 0
    init_to_start: list[dict] = field(default_factory=list)
    containers_to_start: list[dict] = field(default_factory=list)
    containers_to_kill: list[tuple[Any, dict, str]] = field(default_factory=list)
    ephemeral_to_start: list[dict] = field(default_factory=list)


def container_hash(container: dict) -> str:
    return hashlib.sha256(json.dumps(container, sort_keys=True).encode()).hexdigest()[:8]


def format_pod(pod: dict) -> str:
    """``format.Pod``: ``name_namespace(uid)``."""
    md = pod["metadata"]
    return f"{md['name']}_{md['namespace']}({md['uid']})"


class KubeRuntimeManager:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.runtime = kubelet.runtime
        self.backoff = Backoff(kubelet.loop)
        self._exited_at_start: dict[str, float | None] = {}

    # decisions -------------------------------------------------------------------------------
    def instances(self, uid: str, name: str) -> list["rt.Container"]:
        return [c for c in self.runtime.pod_containers(uid) if c.name == name]

    def should_restart(self, container: dict, pod: dict, insts: list["rt.Container"]) -> bool:
        """``ShouldContainerBeRestarted``."""
        if pod["metadata"].get("deletionTimestamp"):
            return False
        if not insts:
            return True
        latest = insts[0]
        if latest.state == rt.RUNNING:
            return False
        if latest.state in (rt.CREATED, rt.UNKNOWN):
            return True
        policy = "Always" if container.get("restartPolicy") == "Always" else \
            (pod.get("spec") or {}).get("restartPolicy", "Always")
        if policy == "Never":
            return False
        if policy == "OnFailure" and latest.exit_code == 0:
            return False
        return True

    def compute_pod_actions(self, pod: dict) -> PodActions:
        uid = pod["metadata"]["uid"]
        spec = pod.get("spec") or {}
        policy = spec.get("restartPolicy", "Always")
        sandboxes = self.runtime.pod_sandboxes(uid)
        sandbox = sandboxes[0] if sandboxes else None
        act = PodActions(sandbox=sandbox)
        all_insts = self.runtime.pod_containers(uid)
        if sandbox is None or sandbox.state != rt.SANDBOX_READY:
            act.create_sandbox = True
            act.attempt = 0 if sandbox is None else len(sandboxes)
            if policy == "Never" and act.attempt != 0 and all_insts:
                # shouldRestartOnFailure is false: do not bring a finished pod's sandbox back
                act.create_sandbox = False
                act.kill_pod = True
                return act
            if spec.get("initContainers"):
                act.init_to_start = [spec["initContainers"][0]]
            else:
                for c in spec.get("containers") or ():
                    insts = [i for i in all_insts if i.name == c["name"]]
                    if insts and insts[0].state == rt.EXITED and insts[0].exit_code == 0 and policy == "OnFailure":
                        continue
                    if insts and policy == "Never":
                        continue
                    act.containers_to_start.append(c)
            return act
        # ephemeral containers start even before initialisation is complete, and never again
        for ec in spec.get("ephemeralContainers") or ():
            if not any(i.name == ec["name"] for i in all_insts):
                act.ephemeral_to_start.append(ec)
        initialized = self._init_actions(pod, act, all_insts)
        if act.kill_pod:
            return act
        keep = 0
        if not initialized:
            return act
        for c in spec.get("containers") or ():
            insts = [i for i in all_insts if i.name == c["name"]]
            if not insts or insts[0].state != rt.RUNNING:
                if self.should_restart(c, pod, insts):
                    act.containers_to_start.append(c)
                continue
            inst = insts[0]
            if self.kl.prober.get("liveness", inst.id) == "Failure":
                message, reason = f"Container {c['name']} failed liveness probe", "Unhealthy"
            elif self.kl.prober.get("startup", inst.id) == "Failure":
                message, reason = f"Container {c['name']} failed startup probe", "Unhealthy"
            elif inst.config.labels.get("io.kubernetes.container.hash") != container_hash(c):
                message, reason = f"Container {c['name']} definition changed", ""
            else:
                keep += 1
                continue
            if policy != "Never":
                message += ", will be restarted"
                act.containers_to_start.append(c)
            act.containers_to_kill.append((inst, c, message))
        if keep == 0 and not act.containers_to_start and not act.init_to_start:
            act.kill_pod = True
        return act

    def _init_actions(self, pod: dict, act: PodActions, all_insts: list) -> bool:
        """The sidecar-aware ``computeInitContainerActions``; True once the pod is initialised."""
        spec = pod.get("spec") or {}
        inits = spec.get("initContainers") or []
        if not inits:
            return True
        for c in spec.get("containers") or ():
            insts = [i for i in all_insts if i.name == c["name"]]
            if insts and insts[0].state in (rt.CREATED, rt.RUNNING):
                # initialised before: only sidecars need to be kept running
                for ic in inits:
                    if ic.get("restartPolicy") == "Always":
                        iinsts = [i for i in all_insts if i.name == ic["name"]]
                        if not iinsts or iinsts[0].state != rt.RUNNING:
                            if self.should_restart(ic, pod, iinsts):
                                act.init_to_start.append(ic)
                        elif self.kl.prober.get("liveness", iinsts[0].id) == "Failure":
                            act.containers_to_kill.append(
                                (iinsts[0], ic, f"Init container {ic['name']} failed liveness probe"))
                            act.init_to_start.append(ic)
                return True
        policy = spec.get("restartPolicy", "Always")
        for k, ic in enumerate(inits):
            insts = [i for i in all_insts if i.name == ic["name"]]
            sidecar = ic.get("restartPolicy") == "Always"
            if not insts:
                act.init_to_start.append(ic)
                return False
            latest = insts[0]
            if sidecar:
                if latest.state == rt.RUNNING:
                    if ic.get("startupProbe") and self.kl.prober.get("startup", latest.id) != "Success":
                        if self.kl.prober.get("startup", latest.id) == "Failure":
                            act.containers_to_kill.append(
                                (latest, ic, f"Init container {ic['name']} failed startup probe"))
                            act.init_to_start.append(ic)
                        return False
                    continue
                if self.should_restart(ic, pod, insts):
                    act.init_to_start.append(ic)
                return False
            if latest.state == rt.RUNNING:
                return False
            if latest.state == rt.EXITED and latest.exit_code == 0:
                continue
            if latest.state == rt.EXITED:
                if policy == "Never":
                    act.kill_pod = True
                    return False
                act.init_to_start.append(ic)
                return False
            act.init_to_start.append(ic)
            return False
        return True

    # SyncPod -----------------------------------------------------------------------------------
    def sync_pod(self, pod: dict) -> Generator:
        kl = self.kl
        act = self.compute_pod_actions(pod)
        uid = pod["metadata"]["uid"]
        # the runtime's view as this sync found it (``podStatus``): back-off is judged on it
        self._exited_at_start = {}
        for inst in self.runtime.pod_containers(uid):
            if inst.state == rt.EXITED and inst.name not in self._exited_at_start:
                self._exited_at_start[inst.name] = inst.finished_at
        if act.create_sandbox and act.sandbox is not None:
            kl.event(pod, "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.")
        if act.kill_pod:
            yield from self.kill_pod(pod, None)
            return
        for inst, c, message in act.containers_to_kill:
            grace = self.grace_for_kill(pod, c, probe_kill=("probe" in message))
            yield from self.kill_container(pod, inst, c, grace, message)
        sandbox = act.sandbox
        if act.create_sandbox:
            config = self.sandbox_config(pod, act.attempt)
            try:
                sandbox = yield self.runtime.run_pod_sandbox(config)
            except rt.RuntimeError_ as e:
                kl.event(pod, "Warning", "FailedCreatePodSandBox", f"Failed to create pod sandbox: {e}")
                raise SyncError(str(e)) from None
            self.write_pod_files(pod, sandbox)
        failed: list[str] = []
        for c in act.ephemeral_to_start:     # before the init containers, as SyncPod does
            yield from self._start_one(pod, sandbox, c, False)
        for c in act.init_to_start:
            ok = yield from self._start_one(pod, sandbox, c, True)
            if not ok:
                raise SyncError(f"failed to \"StartContainer\" for \"{c['name']}\"")
            if c.get("restartPolicy") != "Always":
                return      # one regular init container at a time; the next sync continues
        for c in act.containers_to_start:
            ok = yield from self._start_one(pod, sandbox, c, False)
            if not ok:
                failed.append(c["name"])
        if failed:
            raise SyncError("failed to \"StartContainer\" for " + ", ".join(f'"{n}"' for n in failed))

    def _start_one(self, pod: dict, sandbox: Any, c: dict, is_init: bool) -> Generator[Any, Any, bool]:
        kl = self.kl
        uid = pod["metadata"]["uid"]
        insts = self.instances(uid, c["name"])
        backing, message = self.do_backoff(pod, c, insts)
        if backing:
            kl.reason_cache[(uid, c["name"])] = ("CrashLoopBackOff", message)
            return False
        try:
            yield from self.start_container(pod, sandbox, c, is_init, insts)
        except StartError as e:
            kl.reason_cache[(uid, c["name"])] = (e.reason, e.message)
            return False
        kl.reason_cache.pop((uid, c["name"]), None)
        return True

    def do_backoff(self, pod: dict, c: dict, insts: list) -> tuple[bool, str]:
        """``doBackOff``: in back-off since the last exit?  (first restart is immediate)"""
        if c["name"] not in self._exited_at_start:
            return False, ""
        finished = self._exited_at_start[c["name"]]
        key = f"{pod['metadata']['name']}_{pod['metadata']['namespace']}_{pod['metadata']['uid']}_{c['name']}_" \
              f"{container_hash(c)}"
        ts = finished if finished is not None else self.kl.loop.now
        if self.backoff.in_backoff_since(key, ts):
            self.kl.event(pod, "Warning", "BackOff",
                          f"Back-off restarting failed container {c['name']} in pod {format_pod(pod)}",
                          self.kl.field_path(pod, c["name"]))
            return True, (f"back-off {go_duration(self.backoff.get(key))} restarting failed "
                          f"container={c['name']} pod={format_pod(pod)}")
        self.backoff.next(key, ts)
        return False, ""

    # sandbox -----------------------------------------------------------------------------------
    def sandbox_config(self, pod: dict, attempt: int) -> "rt.SandboxConfig":
        md = pod["metadata"]
        spec = pod.get("spec") or {}
        hostname = (spec.get("hostname") or md["name"])[:63].rstrip("-.")
        if spec.get("hostNetwork"):
            hostname = self.kl.node_name
        ports = [p for c in spec.get("containers") or () for p in c.get("ports") or () if p.get("hostPort")]
        return rt.SandboxConfig(md["name"], md["namespace"], md["uid"], attempt, hostname,
                                host_network=bool(spec.get("hostNetwork")), dns=self.dns_config(pod),
                                labels=dict(md.get("labels") or {}), port_mappings=ports,
                                share_pid=bool(spec.get("shareProcessNamespace")))

    def dns_config(self, pod: dict) -> dict:
        """``dns.GetPodDNS``: ClusterFirst → the cluster DNS with the namespace's search path."""
        spec = pod.get("spec") or {}
        ns = pod["metadata"]["namespace"]
        policy = spec.get("dnsPolicy") or "ClusterFirst"
        if policy == "ClusterFirst" and spec.get("hostNetwork"):
            policy = "Default"
        if policy == "ClusterFirstWithHostNet":
            policy = "ClusterFirst"
        if policy == "ClusterFirst":
            conf = {"servers": [self.kl.cluster_dns], "ndots": 5,
                    "searches": [f"{ns}.svc.{self.kl.cluster_domain}", f"svc.{self.kl.cluster_domain}",
                                 self.kl.cluster_domain]}
        elif policy == "Default":
            conf = {"servers": ["172.18.0.1"], "ndots": 1, "searches": []}
        else:
            conf = {"servers": [], "ndots": 1, "searches": []}
        extra = spec.get("dnsConfig") or {}
        if extra:
            conf["servers"] = conf["servers"] + [s for s in extra.get("nameservers") or () if s not in conf["servers"]]
            conf["searches"] = conf["searches"] + [s for s in extra.get("searches") or () if s not in conf["searches"]]
            for opt in extra.get("options") or ():
                if opt.get("name") == "ndots" and opt.get("value"):
                    conf["ndots"] = int(opt["value"])
        return conf

    def write_pod_files(self, pod: dict, sandbox: "rt.Sandbox") -> None:
        """``/etc/hosts``, ``/etc/hostname`` and ``/etc/resolv.conf`` as the kubelet manages them."""
        spec = pod.get("spec") or {}
        hostname = sandbox.config.hostname
        if spec.get("hostNetwork"):
            hosts = (f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
                     f"ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
                     f"{self.kl.node_ip}\t{self.kl.node_name}\n")
            hostname = self.kl.node_name
        else:
            fqdn = hostname
            if spec.get("subdomain"):
                fqdn = f"{hostname}.{spec['subdomain']}.{pod['metadata']['namespace']}.svc.{self.kl.cluster_domain}\t{hostname}"
            hosts = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                     "ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\n"
                     f"fe00::2\tip6-allrouters\n{sandbox.ip}\t{fqdn}\n")
            aliases = spec.get("hostAliases") or []
            if aliases:
                hosts += "\n# Entries added by HostAliases.\n"
                for a in aliases:
                    hosts += f"{a.get('ip', '')}\t" + "\t".join(a.get("hostnames") or ()) + "\n"
        dns = sandbox.config.dns
        resolv = ""
        if dns.get("searches"):
            resolv += "search " + " ".join(dns["searches"]) + "\n"
        for s in dns.get("servers") or ():
            resolv += f"nameserver {s}\n"
        resolv += f"options ndots:{dns.get('ndots', 1)}\n" if dns.get("ndots", 1) != 1 or dns.get("searches") else ""
        sandbox.files.write("hosts", hosts, force=True)
        sandbox.files.write("hostname", hostname + "\n", force=True)
        sandbox.files.write("resolv.conf", resolv, force=True)

    # containers --------------------------------------------------------------------------------
    def start_container(self, pod: dict, sandbox: "rt.Sandbox", c: dict, is_init: bool,
                        insts: list) -> Generator:
        kl = self.kl
        uid = pod["metadata"]["uid"]
        fp = kl.field_path(pod, c["name"])
        try:
            record = yield from kl.image_manager.ensure_image_exists(pod, c, fp)
        except ImagePullError as e:
            kl.event(pod, "Warning", "Failed", f"Error: {e.reason}", fp)
            raise StartError(e.reason, e.message) from None
        if insts:
            restart_count = insts[0].attempt + 1
        else:
            last = self.runtime.log_attempts(uid, c["name"])
            restart_count = 0 if last is None else last + 1
        try:
            env = envvars.make_environment(kl, pod, c, sandbox.ip)
        except envvars.ConfigError as e:
            kl.event(pod, "Warning", "Failed", f"Error: {e}", fp)
            raise StartError("CreateContainerConfigError", str(e)) from None
        env_map = dict(env)
        command = [envvars.expand(a, env_map) for a in c.get("command") or ()]
        args = [envvars.expand(a, env_map) for a in c.get("args") or ()]
        limits = (c.get("resources") or {}).get("limits") or {}
        config = rt.ContainerConfig(
            name=c["name"], attempt=restart_count, image=record, user_image=c.get("image", ""), command=command,
            args=args, env=env, mounts=kl.volumes.mounts_for(pod, c), working_dir=c.get("workingDir", ""),
            memory_limit=_bytes(limits.get("memory")), cpu_limit=_cores(limits.get("cpu")),
            termination_message_path=c.get("terminationMessagePath", "/dev/termination-log"),
            termination_message_policy=c.get("terminationMessagePolicy", "File"),
            stdin=bool(c.get("stdin")), stdin_once=bool(c.get("stdinOnce")), tty=bool(c.get("tty")),
            target_container_id=self._running_id(uid, c.get("targetContainerName") or ""),
            labels={"io.kubernetes.container.name": c["name"], "io.kubernetes.pod.name": pod["metadata"]["name"],
                    "io.kubernetes.pod.namespace": pod["metadata"]["namespace"], "io.kubernetes.pod.uid": uid,
                    "io.kubernetes.container.hash": container_hash(c)},
            annotations={"io.kubernetes.container.restartCount": str(restart_count),
                         "io.kubernetes.pod.terminationGracePeriod": str(self.grace_for_kill(pod, c)),
                         "spec": c})
        try:
            cid = yield self.runtime.create_container(sandbox.id, config)
        except rt.RuntimeError_ as e:
            kl.event(pod, "Warning", "Failed", f"Error: {e.desc}", fp)
            raise StartError("CreateContainerError", e.desc) from None
        kl.event(pod, "Normal", "Created", f"Created container {c['name']}", fp)
        try:
            yield self.runtime.start_container(cid)
        except rt.RuntimeError_ as e:
            kl.event(pod, "Warning", "Failed", f"Error: {e.desc}", fp)
            raise StartError("RunContainerError", e.desc) from None
        kl.event(pod, "Normal", "Started", f"Started container {c['name']}", fp)
        self.gc_instances(uid, c["name"])
        hook = (c.get("lifecycle") or {}).get("postStart")
        if hook:
            ok, msg = yield from self.run_hook(pod, c, cid, hook, timeout=None)
            if not ok:
                kl.event(pod, "Warning", "FailedPostStartHook", "PostStartHook failed", fp)
                inst = self.runtime.containers.get(cid)
                if inst is not None:
                    yield from self.kill_container(pod, inst, c, self.grace_for_kill(pod, c), "FailedPostStartHook")
                raise StartError("PostStartHookError", msg)

    def _running_id(self, uid: str, name: str) -> str:
        """The id of container ``name``'s running instance in pod ``uid`` ("" if none)."""
        insts = self.instances(uid, name) if name else []
        return insts[0].id if insts and insts[0].state == rt.RUNNING else ""

    def gc_instances(self, uid: str, name: str) -> None:
        """The container garbage collector keeps the newest dead instance of each container
        (``MaxPerPodContainer: 1``) — that is what ``logs --previous`` reads."""
        insts = self.instances(uid, name)
        dead = [i for i in insts if i.state == rt.EXITED]
        for old in dead[1:]:
            self.runtime.remove_container(old.id)

    def run_hook(self, pod: dict, c: dict, cid: str, hook: dict, timeout: float | None) -> Generator:
        """Run a lifecycle handler: ``exec``, ``httpGet``, ``tcpSocket`` or ``sleep``."""
        kl = self.kl
        if hook.get("exec"):
            cmd = list(hook["exec"].get("command") or [])
            try:
                out, err, code = yield self.runtime.exec_sync(cid, cmd, timeout=None)
            except rt.ExecError as e:
                return False, str(e)
            if code != 0:
                return False, f"Exec lifecycle hook ({cmd}) for Container \"{c['name']}\" in Pod " \
                              f"\"{pod['metadata']['name']}_{pod['metadata']['namespace']}({pod['metadata']['uid']})\" " \
                              f"failed - error: command '{' '.join(cmd)}' exited with {code}: {out}{err}, message: \"{out}{err}\""
            return True, ""
        if hook.get("httpGet"):
            h = hook["httpGet"]
            st = kl.status_manager.get(pod["metadata"]["uid"]) or {}
            host = h.get("host") or st.get("podIP") or ""
            port = h.get("port")
            if not isinstance(port, int):
                port = next((p.get("containerPort") for p in c.get("ports") or () if p.get("name") == port), 80)
            try:
                resp = yield kl.probe_request(host, int(port), Request("GET", h.get("path") or "/", host=host,
                                                                       port=int(port), user_agent="kube-lifecycle/1.32"),
                                              30.0)
            except NetError as e:
                return False, str(e)
            return (200 <= resp.status < 400), f"HTTP lifecycle hook ({h.get('path')}) for Container \"{c['name']}\" " \
                                               f"failed - error: received status code {resp.status}"
        if hook.get("sleep"):
            yield kl.sleep_bg(float(hook["sleep"].get("seconds") or 0))
            return True, ""
        if hook.get("tcpSocket"):
            return True, ""
        return False, "invalid lifecycle handler"

    def grace_for_kill(self, pod: dict, c: dict, probe_kill: bool = False) -> int:
        """``setTerminationGracePeriod``: the pod's (deletion) grace period, or the probe's
        ``terminationGracePeriodSeconds`` for a liveness/startup kill."""
        spec = pod.get("spec") or {}
        grace = spec.get("terminationGracePeriodSeconds")
        grace = 30 if grace is None else int(grace)
        md = pod["metadata"]
        if md.get("deletionTimestamp") and md.get("deletionGracePeriodSeconds") is not None:
            grace = int(md["deletionGracePeriodSeconds"])
        if probe_kill:
            for key in ("livenessProbe", "startupProbe"):
                p = c.get(key) or {}
                if p.get("terminationGracePeriodSeconds") is not None:
                    grace = int(p["terminationGracePeriodSeconds"])
                    break
        return grace

    def kill_container(self, pod: dict, inst: "rt.Container", c: dict | None, grace: int,
                       message: str = "") -> Generator:
        """``killContainer``: Killing event, preStop within the grace period, then StopContainer
        with what remains (at least 2 s)."""
        kl = self.kl
        name = inst.name
        kl.event(pod, "Normal", "Killing", message or f"Stopping container {name}", kl.field_path(pod, name))
        hook = ((c or {}).get("lifecycle") or {}).get("preStop")
        if hook and grace > 0 and inst.state == rt.RUNNING:
            start = kl.loop.now
            task = Task(kl.loop, self.run_hook(pod, c or {}, inst.id, hook, timeout=grace), name="preStop")
            which, result = yield AnyOf(task, Sleep(grace, background=False))
            if which == 0 and not result[0]:
                kl.event(pod, "Warning", "FailedPreStopHook", "PreStopHook failed", kl.field_path(pod, name))
            grace -= int(kl.loop.now - start)
        if grace < MINIMUM_GRACE_PERIOD:
            grace = MINIMUM_GRACE_PERIOD
        yield self.runtime.stop_container(inst.id, grace)

    def kill_pod(self, pod: dict, grace_override: int | None) -> Generator:
        """``KillPod``: stop every running container (main containers first, then sidecars in
        reverse order), then the sandbox."""
        kl = self.kl
        uid = pod["metadata"]["uid"]
        spec = pod.get("spec") or {}
        running = [i for i in self.runtime.pod_containers(uid) if i.state == rt.RUNNING]
        by_name = {c["name"]: c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])}
        sidecar_names = [c["name"] for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
        start = kl.loop.now
        first = [i for i in running if i.name not in sidecar_names]
        tasks = []
        for inst in first:
            c = by_name.get(inst.name)
            grace = grace_override if grace_override is not None else self.grace_for_kill(pod, c or {})
            tasks.append(Task(kl.loop, self.kill_container(pod, inst, c, grace), name=f"kill {inst.name}"))
        if tasks:
            yield gather(kl.loop, tasks)
        for name in reversed(sidecar_names):
            for inst in [i for i in running if i.name == name]:
                c = by_name.get(name)
                grace = grace_override if grace_override is not None else self.grace_for_kill(pod, c or {})
                grace = max(0, grace - int(kl.loop.now - start))
                yield from self.kill_container(pod, inst, c, grace)
        for sb in self.runtime.pod_sandboxes(uid):
            if sb.state == rt.SANDBOX_READY:
                yield self.runtime.stop_pod_sandbox(sb.id)


def _bytes(value: Any) -> int | None:
    if value is None:
        return None
    from ..api.quantity import parse_quantity

    return int(parse_quantity(str(value)).to_fraction())


def _cores(value: Any) -> float | None:
    if value is None:
        return None
    from ..api.quantity import parse_quantity

    return float(parse_quantity(str(value)).to_fraction())
