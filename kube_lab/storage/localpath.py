"""rancher.io/local-path-provisioner, as kind installs it (kind's ``pkg/build/nodeimage/
const_storage.go``; the provisioner's ``provisioner.go``; its controller library
``sigs.k8s.io/sig-storage-lib-external-provisioner/v11/controller``).

kind's default storage is one manifest applied with ``kubectl apply`` when the cluster is made:
the ``local-path-storage`` namespace, a ServiceAccount and RBAC for the provisioner, its
Deployment, the ``local-path-config`` ConfigMap (base path ``/var/local-path-provisioner`` on every
node, and the ``setup``/``teardown`` scripts) and the ``standard`` StorageClass — the default class
(``storageclass.kubernetes.io/is-default-class: "true"``), provisioner ``rancher.io/local-path``,
``volumeBindingMode: WaitForFirstConsumer``, ``reclaimPolicy: Delete``.

:class:`LocalPathProvisioner` is the provisioner process.  It watches claims and volumes through
its own client (``local-path-provisioner`` in the trace) and:

* **provisions** a claim whose ``volume.kubernetes.io/storage-provisioner`` annotation (set by the
  PersistentVolume controller) names it, once the scheduler has chosen a node
  (``volume.kubernetes.io/selected-node``): event ``Provisioning``; a *helper pod*
  ``helper-pod-create-pvc-<uid>`` runs ``/bin/sh /script/setup`` on that node, which makes the
  directory ``/var/local-path-provisioner/pvc-<uid>_<namespace>_<claim>`` (``mkdir -m 0777
  -p``); the provisioner polls the pod every second (at most 120 s), deletes it, and creates the
  volume ``pvc-<uid>``: a ``hostPath`` (``DirectoryOrCreate``) volume of the claim's size and
  access modes, pre-bound to the claim, with node affinity ``kubernetes.io/hostname In
  [<node>]`` and the annotations ``pv.kubernetes.io/provisioned-by: rancher.io/local-path`` and
  ``local.path.provisioner/selected-node``; event ``ProvisioningSucceeded``.  The
  PersistentVolume controller then binds the two.
* **deletes** a volume it provisioned once it is ``Released`` with reclaim policy ``Delete``:
  a helper pod ``helper-pod-delete-pvc-<uid>`` runs ``rm -rf`` on the directory on its node (the
  data is gone), then the PersistentVolume object is deleted.  If the node no longer exists
  the clean-up is skipped.

Failures give ``ProvisioningFailed`` / ``VolumeFailedDelete`` events with the provisioner's texts
and are retried with exponential back-off from 15 s (at most 15 times), as the library does.
Events come from ``rancher.io/local-path_<provisioner pod>_<uuid>``.
"""
from __future__ import annotations

import posixpath
from typing import Callable

from ..api import errors
from ..api.apply import apply_object
from ..api.meta import deep_copy
from ..api.quantity import QuantityError, canonical, quantity_from_json
from ..client import Client, Controller, InformerFactory

PROVISIONER_NAME = "rancher.io/local-path"
NAMESPACE = "local-path-storage"
SERVICE_ACCOUNT = "local-path-provisioner-service-account"
CONFIG_MAP = "local-path-config"
STORAGE_CLASS = "standard"
IMAGE = "docker.io/kindest/local-path-provisioner:v20241108-5c6d2daf"
HELPER_IMAGE = "docker.io/kindest/local-path-helper:v20241108-5c6d2daf"
BASE_PATH = "/var/local-path-provisioner"
CMD_TIMEOUT_SECONDS = 120
NODE_AFFINITY_KEY = "kubernetes.io/hostname"
ANN_NODE_NAME = "local.path.provisioner/selected-node"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_ALPHA_SELECTED_NODE = "volume.alpha.kubernetes.io/selected-node"
ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
RESYNC_PERIOD = 15 * 60.0
RETRY_BASE, RETRY_MAX = 15.0, 1000.0
FAILED_THRESHOLD = 15
HELPER_POD_NAME_MAX = 128

CONFIG_JSON = """{
        "nodePathMap":[
        {
                "node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",
                "paths":["/var/local-path-provisioner"]
        }
        ]
}"""
SETUP_SCRIPT = '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"'
TEARDOWN_SCRIPT = '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"'


def local_path_storage_objects(deployment: bool = True, image: str = IMAGE,
                               helper_image: str = HELPER_IMAGE) -> list[dict]:
    """The documents of kind's default storage manifest, in its order (the Deployment can be
    left out: without it no provisioner pod shows in ``kubectl get pods -A``)."""
    docs: list[dict] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": SERVICE_ACCOUNT, "namespace": NAMESPACE}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "local-path-provisioner-role"},
         "rules": [{"apiGroups": [""], "resources": ["nodes", "persistentvolumeclaims", "configmaps"],
                    "verbs": ["get", "list", "watch"]},
                   {"apiGroups": [""], "resources": ["endpoints", "persistentvolumes", "pods"], "verbs": ["*"]},
                   {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
                   {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"],
                    "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": "local-path-provisioner-bind"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": "local-path-provisioner-role"},
         "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}]},
    ]
    if deployment:
        docs.append({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "local-path-provisioner", "namespace": NAMESPACE},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "local-path-provisioner"}},
                "template": {
                    "metadata": {"labels": {"app": "local-path-provisioner"}},
                    "spec": {
                        "nodeSelector": {"kubernetes.io/os": "linux"},
                        "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Equal",
                                         "effect": "NoSchedule"},
                                        {"key": "node-role.kubernetes.io/master", "operator": "Equal",
                                         "effect": "NoSchedule"}],
                        "serviceAccountName": SERVICE_ACCOUNT,
                        "containers": [{
                            "name": "local-path-provisioner", "image": image, "imagePullPolicy": "IfNotPresent",
                            "command": ["local-path-provisioner", "--debug", "start", "--helper-image", helper_image,
                                        "--config", "/etc/config/config.json"],
                            "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/config/"}],
                            "env": [{"name": "POD_NAMESPACE",
                                     "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
                        }],
                        "volumes": [{"name": "config-volume", "configMap": {"name": CONFIG_MAP}}],
                    },
                },
            },
        })
    docs.append({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                 "metadata": {"name": STORAGE_CLASS,
                              "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                 "provisioner": PROVISIONER_NAME, "volumeBindingMode": "WaitForFirstConsumer",
                 "reclaimPolicy": "Delete"})
    docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": CONFIG_MAP, "namespace": NAMESPACE},
                 "data": {"config.json": CONFIG_JSON, "setup": SETUP_SCRIPT, "teardown": TEARDOWN_SCRIPT,
                          "helperPod.yaml": helper_pod_template(helper_image)}})
    return docs


def helper_pod_template(helper_image: str = HELPER_IMAGE) -> str:
    return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: helper-pod\nspec:\n  containers:\n"
            f"  - name: helper-pod\n    image: {helper_image}\n    imagePullPolicy: IfNotPresent")


def install_local_path_storage(client: Client, deployment: bool = True) -> list[str]:
    """Apply kind's storage manifest (``kubectl apply -f -``, so each object keeps the
    last-applied-configuration annotation as on kind); returns kubectl's output lines."""
    return [apply_object(client, doc, None, "STDIN") for doc in local_path_storage_objects(deployment)]


# ------------------------------------------------------------------------------------------
def _storage_class_of(obj: dict) -> str:
    ann = obj["metadata"].get("annotations") or {}
    if ANN_BETA_STORAGE_CLASS in ann:
        return ann[ANN_BETA_STORAGE_CLASS]
    return (obj.get("spec") or {}).get("storageClassName") or ""


def _key(obj: dict) -> str:
    md = obj["metadata"]
    return f"{md.get('namespace', '')}/{md['name']}"


def _quantity(text) -> object:
    try:
        return quantity_from_json(text or "0")
    except (QuantityError, ValueError, TypeError):
        return quantity_from_json("0")


class _HelperRun:
    """One helper pod the provisioner is waiting for (``createHelperPod``)."""

    __slots__ = ("action", "volume", "pod", "tries", "on_done")

    def __init__(self, action: str, volume: str, pod: str, on_done: Callable[[str | None], None]):
        self.action = action
        self.volume = volume
        self.pod = pod
        self.tries = 0
        self.on_done = on_done


class LocalPathProvisioner(Controller):
    """The provisioner: ``LocalPathProvisioner(client).start()``; ``base_path`` is the directory
    on every node under which volumes are made, ``namespace`` where helper pods run."""

    name = "local-path-provisioner"
    component = PROVISIONER_NAME

    def __init__(self, client: Client, *, namespace: str = NAMESPACE, base_path: str = BASE_PATH,
                 helper_image: str = HELPER_IMAGE, cmd_timeout: int = CMD_TIMEOUT_SECONDS,
                 uuid: str = "00000000-0000-4000-8000-000000000000"):
        super().__init__(client, InformerFactory(client))
        self.namespace = namespace
        self.base_path = base_path.rstrip("/") or "/"
        self.helper_image = helper_image
        self.cmd_timeout = cmd_timeout
        self.uuid = uuid
        self._identity: str | None = None
        self._provisioning: set[str] = set()        # claim uids with a helper pod running
        self._deleting: set[str] = set()            # volume names with a helper pod running
        self._created: set[str] = set()             # volumes this process created
        self._failures: dict[tuple, int] = {}

    # -- wiring ------------------------------------------------------------------------------------
    def start(self) -> "LocalPathProvisioner":
        self.claims = self.informers.informer("persistentvolumeclaims")
        self.volumes = self.informers.informer("persistentvolumes")
        self.classes = self.informers.informer("storageclasses")
        self.claims.add_handlers(lambda c: self.enqueue(("claim", _key(c))),
                                 lambda old, new: self.enqueue(("claim", _key(new))), None)
        self.volumes.add_handlers(lambda v: self.enqueue(("volume", v["metadata"]["name"])),
                                  lambda old, new: self.enqueue(("volume", new["metadata"]["name"])), None)
        self.informers.start()
        self.loop.call_later(RESYNC_PERIOD, self._resync, background=True)
        return self

    def _resync(self) -> None:
        for c in self.claims.list():
            self.enqueue(("claim", _key(c)))
        for v in self.volumes.list():
            self.enqueue(("volume", v["metadata"]["name"]))
        self.loop.call_later(RESYNC_PERIOD, self._resync, background=True)

    def _process(self, key) -> None:
        try:
            self.reconcile(key)
        except errors.StatusError as e:
            self.errors.append(f"{key}: {e.message}")
            self._retry(key)

    def _retry(self, key) -> None:
        """The library's rate limiter: 15 s doubling to 1000 s, giving up after 15 failures."""
        n = self._failures.get(key, 0)
        if n >= FAILED_THRESHOLD:
            return
        self._failures[key] = n + 1
        # a background timer: a claim that keeps failing is a steady state, not pending work
        self.loop.call_later(min(RETRY_BASE * 2 ** n, RETRY_MAX), self.enqueue, key, background=True)

    def _event(self, obj: dict, type_: str, reason: str, message: str) -> None:
        if self._identity is None:
            self._identity = f"{PROVISIONER_NAME}_{self._hostname()}_{self.uuid}"
            self.recorder.component = self._identity
        self.recorder.event(obj, type_, reason, message)

    def _hostname(self) -> str:
        """The provisioner runs in its Deployment's pod: that pod's name is its hostname."""
        try:
            pods = self.client.list("pods", self.namespace, label_selector="app=local-path-provisioner")["items"]
        except errors.StatusError:
            pods = []
        running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"] or pods
        return running[0]["metadata"]["name"] if running else "local-path-provisioner"

    def reconcile(self, key) -> None:
        kind, name = key
        if kind == "claim":
            claim = self.claims.get(name)
            if claim is not None:
                self._sync_claim(claim)
        else:
            pv = self.volumes.get(name)
            if pv is not None:
                self._sync_volume(pv)

    # -- provisioning -------------------------------------------------------------------------------
    def _should_provision(self, claim: dict) -> bool:
        """``shouldProvision``: no volume yet, the PV controller asked for this provisioner, and —
        for a WaitForFirstConsumer class — the scheduler has picked a node."""
        if (claim.get("spec") or {}).get("volumeName"):
            return False
        ann = claim["metadata"].get("annotations") or {}
        provisioner = ann.get(ANN_STORAGE_PROVISIONER, ann.get(ANN_BETA_STORAGE_PROVISIONER))
        if provisioner != PROVISIONER_NAME:
            return False
        sc = self.classes.get(_storage_class_of(claim))
        if sc is None:
            return True       # the class may come back; provisionClaimOperation reports it
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            return bool(ann.get(ANN_SELECTED_NODE))
        return True

    def _sync_claim(self, claim: dict) -> None:
        if not self._should_provision(claim):
            return
        md = claim["metadata"]
        uid = md.get("uid", "")
        pv_name = f"pvc-{uid}"
        if uid in self._provisioning or pv_name in self._created or self.volumes.get(pv_name) is not None:
            return
        cls = _storage_class_of(claim)
        sc = self.classes.get(cls)
        if sc is None:
            raise errors.status("NotFound", f"storageClass {errors.go_quote(cls)} not found")
        if sc.get("provisioner") != PROVISIONER_NAME:
            return
        ann = md.get("annotations") or {}
        node_name = ann.get(ANN_SELECTED_NODE) or ann.get(ANN_ALPHA_SELECTED_NODE) or ""
        node = None
        if node_name:
            try:
                node = self.client.get("nodes", node_name)
            except errors.StatusError as e:
                if e.reason == "NotFound":
                    # ProvisioningReschedule: give the choice of node back to the scheduler
                    self._event(claim, "Warning", "ProvisioningFailed", e.message)
                    body = deep_copy(claim)
                    body["metadata"]["annotations"].pop(ANN_SELECTED_NODE, None)
                    self.client.update("persistentvolumeclaims", body, md.get("namespace"))
                    return
                self._event(claim, "Warning", "ProvisioningFailed", f"failed to get target node: {e.message}")
                raise
        self._event(claim, "Normal", "Provisioning",
                    f"External provisioner is provisioning volume for claim {errors.go_quote(_key(claim))}")
        problem = self._check_claim(claim, node)
        if problem:
            self._provisioning_failed(claim, cls, problem)
            return
        path = posixpath.join(self.base_path, f"{pv_name}_{md.get('namespace', '')}_{md['name']}")
        request = ((claim.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage", "0")
        mode = (claim.get("spec") or {}).get("volumeMode") or "Filesystem"
        self._provisioning.add(uid)

        def done(err: str | None) -> None:
            self._provisioning.discard(uid)
            if err is not None:
                self._provisioning_failed(claim, cls, err)
                return
            self._create_volume(claim, sc, node, node_name, pv_name, path, request)

        self._run_helper("create", pv_name, path, node_name, mode, _quantity(request).value(), done)

    @staticmethod
    def _check_claim(claim: dict, node: dict | None) -> str:
        spec = claim.get("spec") or {}
        if spec.get("selector") is not None:
            return "claim.Spec.Selector is not supported"
        for mode in spec.get("accessModes") or ():
            if mode not in ("ReadWriteOnce", "ReadWriteOncePod"):
                return "NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes"
        if node is None:
            return "configuration error, no node was specified"
        return ""

    def _provisioning_failed(self, claim: dict, cls: str, err: str) -> None:
        self._event(claim, "Warning", "ProvisioningFailed",
                    f"failed to provision volume with StorageClass {errors.go_quote(cls)}: {err}")
        self._retry(("claim", _key(claim)))

    def _create_volume(self, claim: dict, sc: dict, node: dict | None, node_name: str, pv_name: str, path: str,
                       request: str) -> None:
        spec = claim.get("spec") or {}
        affinity_value = ((node or {}).get("metadata", {}).get("labels") or {}).get(NODE_AFFINITY_KEY, node_name)
        try:
            capacity = canonical(str(request))
        except (QuantityError, ValueError):
            capacity = str(request)
        pv = {
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": pv_name, "annotations": {ANN_NODE_NAME: node_name,
                                                          ANN_PROVISIONED_BY: PROVISIONER_NAME}},
            "spec": {
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                "accessModes": list(spec.get("accessModes") or ()),
                "volumeMode": "Filesystem",
                "capacity": {"storage": capacity},
                "hostPath": {"path": path, "type": "DirectoryOrCreate"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": NODE_AFFINITY_KEY, "operator": "In", "values": [affinity_value]}]}]}},
                "claimRef": {"kind": "PersistentVolumeClaim", "namespace": claim["metadata"].get("namespace", ""),
                             "name": claim["metadata"]["name"], "uid": claim["metadata"].get("uid", ""),
                             "apiVersion": "v1", "resourceVersion": claim["metadata"].get("resourceVersion", "")},
                "storageClassName": _storage_class_of(claim),
            },
        }
        try:
            self.client.create("persistentvolumes", pv, owned=True)
        except errors.StatusError as e:
            if e.reason != "AlreadyExists":
                raise
        self._created.add(pv_name)
        self._failures.pop(("claim", _key(claim)), None)
        self._event(claim, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {pv_name}")

    # -- deleting -----------------------------------------------------------------------------------
    def _sync_volume(self, pv: dict) -> None:
        """``shouldDelete`` then ``deleteVolumeOperation``."""
        md = pv["metadata"]
        spec = pv.get("spec") or {}
        if (md.get("annotations") or {}).get(ANN_PROVISIONED_BY) != PROVISIONER_NAME:
            return
        if md.get("deletionTimestamp") or (pv.get("status") or {}).get("phase") != "Released":
            return
        if spec.get("persistentVolumeReclaimPolicy") != "Delete" or md["name"] in self._deleting:
            return
        name = md["name"]
        path, node, problem = self._path_and_node(pv)
        if problem:
            self._delete_failed(pv, f"failed to delete volume {name}: failed to delete volume {name}: {problem}")
            return
        try:
            self.client.get("nodes", node)
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
            self._delete_volume_object(pv)     # the node is gone, and its disk with it
            return
        capacity = _quantity((spec.get("capacity") or {}).get("storage")).value()
        self._deleting.add(name)

        def done(err: str | None) -> None:
            self._deleting.discard(name)
            if err is not None:
                self._delete_failed(pv, f"failed to delete volume {name}: {err}")
                return
            self._delete_volume_object(pv)

        self._run_helper("delete", name, path, node, spec.get("volumeMode") or "Filesystem", capacity, done)

    @staticmethod
    def _path_and_node(pv: dict) -> tuple[str, str, str]:
        """``getPathAndNodeForPV``: the directory, and the node named by the volume's affinity."""
        spec = pv.get("spec") or {}
        if spec.get("hostPath") is not None and spec.get("local") is None:
            path = spec["hostPath"].get("path", "")
        elif spec.get("local") is not None and spec.get("hostPath") is None:
            path = spec["local"].get("path", "")
        else:
            return "", "", "no path set"
        na = spec.get("nodeAffinity")
        if na is None:
            return "", "", "no NodeAffinity set"
        if na.get("required") is None:
            return "", "", "no NodeAffinity.Required set"
        for term in na["required"].get("nodeSelectorTerms") or ():
            for expr in term.get("matchExpressions") or ():
                if expr.get("operator") == "In":
                    values = expr.get("values") or []
                    if len(values) != 1:
                        return "", "", "multiple values for the node affinity"
                    return path, values[0], ""
        return "", "", "cannot find affinited node"

    def _delete_failed(self, pv: dict, message: str) -> None:
        self._event(pv, "Warning", "VolumeFailedDelete", message)
        self._retry(("volume", pv["metadata"]["name"]))

    def _delete_volume_object(self, pv: dict) -> None:
        try:
            self.client.delete("persistentvolumes", pv["metadata"]["name"])
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
        self._created.discard(pv["metadata"]["name"])
        self._failures.pop(("volume", pv["metadata"]["name"]), None)

    # -- helper pods --------------------------------------------------------------------------------
    def helper_pod(self, action: str, volume: str, path: str, node: str, mode: str, size: int) -> dict:
        """The helper pod of ``createHelperPod``: the template from ``helperPod.yaml`` plus the
        parent directory as a hostPath volume, the scripts from the ConfigMap, and the volume's
        directory, size and mode in its environment and arguments."""
        path = posixpath.normpath(path)
        parent, vol_dir = path.rsplit("/", 1)
        parent += "/"
        data_dir = posixpath.join(parent.rstrip("/"), vol_dir)
        env = [{"name": "VOL_DIR", "value": data_dir}, {"name": "VOL_MODE", "value": mode},
               {"name": "VOL_SIZE_BYTES", "value": str(size)}, {"name": "VOL_USER"}, {"name": "VOL_GROUP"},
               {"name": "VOL_PERM"}]
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"helper-pod-{action}-{volume}"[:HELPER_POD_NAME_MAX], "namespace": self.namespace},
            "spec": {
                "containers": [{
                    "name": "helper-pod", "image": self.helper_image, "imagePullPolicy": "IfNotPresent",
                    "command": ["/bin/sh", f"/script/{'setup' if action == 'create' else 'teardown'}"],
                    "args": ["-p", data_dir, "-s", str(size), "-m", mode, "-a", action],
                    "env": env,
                    "volumeMounts": [{"name": "script", "mountPath": "/script"}, {"name": "data", "mountPath": parent}],
                }],
                "nodeName": node,
                "serviceAccountName": SERVICE_ACCOUNT,
                "restartPolicy": "Never",
                "tolerations": [{"key": "node.kubernetes.io/disk-pressure", "operator": "Exists",
                                 "effect": "NoSchedule"}],
                "volumes": [{"name": "data", "hostPath": {"path": parent, "type": "DirectoryOrCreate"}},
                            {"name": "script", "configMap": {"name": CONFIG_MAP,
                                                             "items": [{"key": "setup", "path": "setup"},
                                                                       {"key": "teardown", "path": "teardown"}]}}],
            },
        }

    def _run_helper(self, action: str, volume: str, path: str, node: str, mode: str, size: int,
                    on_done: Callable[[str | None], None]) -> None:
        pod = self.helper_pod(action, volume, path, node, mode, size)
        name = pod["metadata"]["name"]
        try:
            self.client.create("pods", pod, self.namespace, owned=True)
        except errors.StatusError as e:
            if e.reason != "AlreadyExists":       # a leftover of an earlier attempt is reused
                on_done(f"failed to {action} volume {volume}: {e.message}")
                return
        self._check_helper(_HelperRun(action, volume, name, on_done))

    def _check_helper(self, run: _HelperRun) -> None:
        """Poll the helper pod once a second until it Succeeded (or the timeout), then delete it."""
        try:
            pod = self.client.get("pods", run.pod, self.namespace)
        except errors.StatusError as e:
            self._finish_helper(run, f"failed to {run.action} volume {run.volume}: {e.message}")
            return
        if (pod.get("status") or {}).get("phase") == "Succeeded":
            self._finish_helper(run, None)
            return
        run.tries += 1
        if run.tries >= self.cmd_timeout:
            self._finish_helper(run, f"failed to {run.action} volume {run.volume}: create process timeout "
                                     f"after {self.cmd_timeout} seconds")
            return
        self.loop.call_later(1.0, self._check_helper, run)

    def _finish_helper(self, run: _HelperRun, err: str | None) -> None:
        try:
            self.client.delete("pods", run.pod, self.namespace)
        except errors.StatusError:
            pass
        try:
            run.on_done(err)
        except errors.StatusError as e:        # saving the volume (or deleting it) failed: retry
            self.errors.append(f"{run.volume}: {e.message}")
            self._provisioning.discard(run.volume)
            self._deleting.discard(run.volume)
            key = ("volume", run.volume)
            if run.action == "create":
                claim = next((c for c in self.claims.list() if f"pvc-{c['metadata'].get('uid', '')}" == run.volume), None)
                if claim is None:
                    return
                key = ("claim", _key(claim))
            self._retry(key)
