"""The kubelet's volume manager: it sets up a pod's volumes before the sandbox is created
(``WaitForAttachAndMount``) and refreshes projected content on every sync.

* ``emptyDir`` — an empty directory that lives as long as the pod (it survives container
  restarts; its content is on the node's disk);
* ``hostPath`` — a directory of the node's own filesystem (``type`` checks as upstream);
* ``configMap`` / ``secret`` — read-only files, one per key (``items`` pick keys and paths); a
  missing object gives ``MountVolume.SetUp failed for volume "v" : configmap "x" not found``;
  updates reach the files at the next sync (about a minute), as with the kubelet's cache;
* ``downwardAPI`` and ``projected`` (including the ``kube-api-access-…`` volume the API server
  adds: a service-account token, ``ca.crt`` from ``kube-root-ca.crt`` and the ``namespace``);
* ``persistentVolumeClaim`` — mounted when the claim is bound to a ``hostPath`` or ``local``
  PersistentVolume; other volume types are reported as not supported by the simulation.
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING

from ..api import errors
from . import envvars
from .fs import DIR, File, Mount, Tree, norm

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet


class MountError(Exception):
    def __init__(self, volume: str, message: str):
        super().__init__(message)
        self.volume = volume
        self.message = message


class VolumeManager:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.mounted: dict[str, dict[str, Tree]] = {}      # pod uid → volume name → tree
        self.tokens: dict[tuple, tuple[str, float]] = {}   # (pod uid, audience, ttl) → (token, renew at)

    def disk(self, uid: str) -> dict[str, Tree]:
        """The pod's volume directory on the node (``/var/lib/kubelet/pods/<uid>/volumes``)."""
        return self.kl.machine_disk.setdefault("pods", {}).setdefault(uid, {})

    def mount_all(self, pod: dict) -> None:
        """Set up (or refresh) every volume; raises MountError for the first that fails."""
        uid = pod["metadata"]["uid"]
        trees = self.disk(uid)
        failed: MountError | None = None
        for vol in (pod.get("spec") or {}).get("volumes") or ():
            name = vol.get("name", "")
            try:
                tree = self.setup(pod, vol, trees.get(name))
            except (MountError, envvars.ConfigError) as e:
                err = e if isinstance(e, MountError) else MountError(name, str(e))
                if name in trees:
                    continue      # keep serving the last good content, as the kubelet does
                if failed is None:
                    failed = err
                continue
            trees[name] = tree
        self.mounted[uid] = trees
        if failed is not None:
            raise failed

    def unmount_all(self, uid: str) -> None:
        self.mounted.pop(uid, None)

    def cleanup(self, uid: str) -> None:
        """Remove the pod's directory (after the pod is gone)."""
        self.mounted.pop(uid, None)
        for key in [k for k in self.tokens if k[0] == uid]:
            del self.tokens[key]
        self.kl.machine_disk.setdefault("pods", {}).pop(uid, None)

    def mounts_for(self, pod: dict, container: dict) -> list[Mount]:
        trees = self.mounted.get(pod["metadata"]["uid"], {})
        out = []
        for m in container.get("volumeMounts") or ():
            name = m.get("name", "")
            tree = trees.get(name)
            if tree is None:
                continue
            sub = m.get("subPath") or ""
            if m.get("subPathExpr"):
                env = {"POD_NAME": pod["metadata"]["name"], "POD_NAMESPACE": pod["metadata"]["namespace"]}
                sub = envvars.expand(m["subPathExpr"], env)
            base = getattr(tree, "host_subpath", "")
            if base:
                sub = f"{base}/{sub}".strip("/") if sub else base
            if sub and not tree.read_only:
                try:
                    if tree.get(sub) is None:
                        tree.mkdir(sub, parents=True, force=True)
                except Exception:  # noqa: BLE001 - a file in the way: mount what is there
                    pass
            out.append(Mount(m.get("mountPath", "/"), tree, bool(m.get("readOnly")), sub, name))
        return out

    # one volume ---------------------------------------------------------------------------
    def setup(self, pod: dict, vol: dict, existing: Tree | None) -> Tree:
        name = vol.get("name", "")
        if "emptyDir" in vol:
            return existing or Tree(name=f"emptyDir:{name}")
        if "hostPath" in vol:
            return self._host_path(name, vol["hostPath"])
        if "configMap" in vol:
            files = self._configmap_files(pod, vol["configMap"], name)
            return self._projection(existing, files, name)
        if "secret" in vol:
            files = self._secret_files(pod, vol["secret"], name)
            return self._projection(existing, files, name)
        if "downwardAPI" in vol:
            files = self._downward_files(pod, vol["downwardAPI"].get("items") or ())
            return self._projection(existing, files, name)
        if "projected" in vol:
            files: dict[str, str] = {}
            for source in vol["projected"].get("sources") or ():
                if "serviceAccountToken" in source:
                    files[source["serviceAccountToken"].get("path", "token")] = self.token(pod, source["serviceAccountToken"])
                elif "configMap" in source:
                    files.update(self._configmap_files(pod, source["configMap"], name))
                elif "secret" in source:
                    files.update(self._secret_files(pod, source["secret"], name))
                elif "downwardAPI" in source:
                    files.update(self._downward_files(pod, source["downwardAPI"].get("items") or ()))
            return self._projection(existing, files, name)
        if "persistentVolumeClaim" in vol:
            return self._claim(pod, name, vol["persistentVolumeClaim"])
        kind = next((k for k in vol if k != "name"), "")
        raise MountError(name, f"MountVolume.SetUp failed for volume {errors.go_quote(name)} : volume type "
                               f"{errors.go_quote(kind)} is not supported by this simulation")

    def _projection(self, existing: Tree | None, files: dict[str, str], name: str) -> Tree:
        tree = existing if existing is not None else Tree(read_only=True, name=name)
        current = {k: v.data for k, v in tree.walk_files()}
        if current != files:
            tree.replace_all(files)
        return tree

    def _host_path(self, name: str, src: dict, volume: str | None = None) -> Tree:
        """A directory (or file) of the node's own filesystem; ``name`` is the volume's name in
        messages (a PersistentVolume's name for a claim), ``volume`` the pod's volume."""
        volume = name if volume is None else volume
        path = norm(src.get("path", "/"))
        host = self.kl.host_fs
        kind = src.get("type") or ""
        entry = host.get(path)
        if kind in ("DirectoryOrCreate",) and entry is None:
            host.mkdir(path, parents=True, force=True)
        elif kind == "FileOrCreate" and entry is None:
            host.write(path, "", force=True)
        elif kind == "Directory" and entry is not DIR:
            raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(name)} : hostPath type "
                                     f"check failed: {path} is not a directory")
        elif kind == "File" and not isinstance(entry, File):
            raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(name)} : hostPath type "
                                     f"check failed: {path} is not a file")
        elif kind == "" and entry is None:
            host.mkdir(path, parents=True, force=True)      # HostPathUnset: docker-style create
        view = _SubTree(host, path.strip("/"))
        return view

    def _configmap_files(self, pod: dict, src: dict, volume: str) -> dict[str, str]:
        ns = pod["metadata"]["namespace"]
        try:
            cm = self.kl.get_object("configmaps", ns, src.get("name", ""), "configmap")
        except envvars.ConfigError as e:
            if src.get("optional"):
                return {}
            raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(volume)} : {e}") from None
        data = dict(cm.get("data") or {})
        data.update({k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (cm.get("binaryData") or {}).items()})
        return self._pick(data, src.get("items"), volume, "configmap", ns, src.get("name", ""), src.get("optional"))

    def _secret_files(self, pod: dict, src: dict, volume: str) -> dict[str, str]:
        ns = pod["metadata"]["namespace"]
        name = src.get("secretName") or src.get("name", "")
        try:
            sec = self.kl.get_object("secrets", ns, name, "secret")
        except envvars.ConfigError as e:
            if src.get("optional"):
                return {}
            raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(volume)} : {e}") from None
        data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (sec.get("data") or {}).items()}
        return self._pick(data, src.get("items"), volume, "secret", ns, name, src.get("optional"))

    @staticmethod
    def _pick(data: dict, items, volume: str, kind: str, ns: str, name: str, optional) -> dict[str, str]:
        if not items:
            return dict(sorted(data.items()))
        out = {}
        for it in items:
            key = it.get("key", "")
            if key not in data:
                if optional:
                    continue
                label = "configMap" if kind == "configmap" else "secret"
                raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(volume)} : "
                                         f"configmap references non-existent config key: {key}"
                                 if kind == "configmap" else
                                 f"MountVolume.SetUp failed for volume {errors.go_quote(volume)} : "
                                 f"references non-existent secret key: {key}")
            out[it.get("path", key)] = data[key]
        return out

    def _downward_files(self, pod: dict, items) -> dict[str, str]:
        out = {}
        pod_ip = ((pod.get("status") or {}).get("podIP")) or ""
        for it in items:
            if it.get("fieldRef"):
                out[it.get("path", "")] = envvars.field_value(it["fieldRef"].get("fieldPath", ""), pod, pod_ip,
                                                              self.kl.node_ip)
            elif it.get("resourceFieldRef"):
                ref = it["resourceFieldRef"]
                spec = pod.get("spec") or {}
                target = next((c for c in spec.get("containers") or () if c.get("name") == ref.get("containerName")),
                              (spec.get("containers") or [{}])[0])
                out[it.get("path", "")] = envvars.resource_value(ref, target, self.kl.allocatable)
        return out

    def _claim(self, pod: dict, volume: str, src: dict) -> Tree:
        """A ``persistentVolumeClaim`` volume: the claim must be Bound (the desired-state
        populator's ``getPVCExtractPV``), then its PersistentVolume is set up — a ``hostPath``
        volume (with the volume's ``type`` check) or a ``local`` one (whose path must already
        exist) — on this node's filesystem, where the data outlives the pod."""
        ns = pod["metadata"]["namespace"]
        claim_name = src.get("claimName", "")
        try:
            pvc = self.kl.get_object("persistentvolumeclaims", ns, claim_name, "persistentvolumeclaim")
        except envvars.ConfigError as e:
            raise MountError(volume, f"error processing PVC {ns}/{claim_name}: failed to fetch PVC from API "
                                     f"server: {e}") from None
        if pvc["metadata"].get("deletionTimestamp"):
            raise MountError(volume, f"error processing PVC {ns}/{claim_name}: PVC is being deleted")
        pv_name = (pvc.get("spec") or {}).get("volumeName")
        if not pv_name or (pvc.get("status") or {}).get("phase") != "Bound":
            raise MountError(volume, f"error processing PVC {ns}/{claim_name}: PVC is not bound")
        try:
            pv = self.kl.get_object("persistentvolumes", "", pv_name, "persistentvolume")
        except envvars.ConfigError as e:
            raise MountError(volume, f"error processing PVC {ns}/{claim_name}: failed to fetch PV "
                                     f"{errors.go_quote(pv_name)} from API server: {e}") from None
        spec = pv.get("spec") or {}
        if spec.get("hostPath") is not None:
            tree = self._host_path(pv_name, spec["hostPath"], volume)
        elif spec.get("local") is not None:
            path = norm(spec["local"].get("path", "/"))
            if self.kl.host_fs.get(path) is None:
                raise MountError(volume, f"MountVolume.NewMounter initialization failed for volume "
                                         f"{errors.go_quote(pv_name)} : path {errors.go_quote(path)} does not exist")
            tree = _SubTree(self.kl.host_fs, path.strip("/"))
        else:
            kind = next((k for k in spec if k not in ("capacity", "accessModes", "claimRef",
                                                      "persistentVolumeReclaimPolicy", "storageClassName",
                                                      "volumeMode", "nodeAffinity", "mountOptions",
                                                      "volumeAttributesClassName")), "")
            raise MountError(volume, f"MountVolume.SetUp failed for volume {errors.go_quote(pv_name)} : volume "
                                     f"type {errors.go_quote(kind)} is not supported by this simulation")
        if src.get("readOnly"):
            tree.read_only = True
        return tree

    def token(self, pod: dict, src: dict) -> str:
        """A service-account token shaped like the TokenRequest API's (a signed JWT), renewed
        once 80 % of its lifetime has passed, as the kubelet's token manager does.  The API
        server's TokenRequest is not simulated yet, so the kubelet reads the ServiceAccount and
        mints the token itself, deterministically."""
        md = pod["metadata"]
        key = (md.get("uid", ""), src.get("audience") or "", int(src.get("expirationSeconds") or 3607))
        cached = self.tokens.get(key)
        if cached is not None and self.kl.loop.now < cached[1]:
            return cached[0]
        token = self._mint(pod, src)
        self.tokens[key] = (token, self.kl.loop.now + 0.8 * key[2])
        return token

    def _mint(self, pod: dict, src: dict) -> str:
        md = pod["metadata"]
        spec = pod.get("spec") or {}
        now = int(self.kl.apiserver_epoch + self.kl.loop.now)
        exp = int(src.get("expirationSeconds") or 3607)
        claims = {
            "aud": src.get("audience") and [src["audience"]] or ["https://kubernetes.default.svc.cluster.local"],
            "exp": now + exp, "iat": now, "iss": "https://kubernetes.default.svc.cluster.local",
            "jti": hashlib.sha256(f"{md.get('uid')}:{now}".encode()).hexdigest()[:36],
            "kubernetes.io": {"namespace": md.get("namespace", ""),
                              "node": {"name": self.kl.node_name, "uid": self.kl.node_uid},
                              "pod": {"name": md.get("name", ""), "uid": md.get("uid", "")},
                              "serviceaccount": {"name": spec.get("serviceAccountName", "default"),
                                                 "uid": self.kl.service_account_uid(md.get("namespace", ""),
                                                                                    spec.get("serviceAccountName", "default"))},
                              "warnafter": now + 3600 if exp == 3607 else None},
            "nbf": now, "sub": f"system:serviceaccount:{md.get('namespace', '')}:{spec.get('serviceAccountName', 'default')}",
        }
        if claims["kubernetes.io"]["warnafter"] is None:
            del claims["kubernetes.io"]["warnafter"]

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).decode().rstrip("=")

        header = b64(json.dumps({"alg": "RS256", "kid": self.kl.token_key_id}, separators=(",", ":")).encode())
        body = b64(json.dumps(claims, separators=(",", ":")).encode())
        sig = b64(hashlib.sha256(f"{header}.{body}:{self.kl.token_key_id}".encode()).digest() * 8)
        return f"{header}.{body}.{sig}"


class _SubTree(Tree):
    """A view of part of the node's filesystem (a ``hostPath`` mount)."""

    def __init__(self, host: Tree, prefix: str):
        self.__dict__["_host"] = host
        self.__dict__["host_subpath"] = prefix
        self.read_only = False
        self.name = "hostPath:/" + prefix

    @property
    def entries(self):   # type: ignore[override]
        return self._host.entries

    @entries.setter
    def entries(self, value):
        self._host.entries = value
