"""The root-CA publisher (``pkg/controller/certificates/rootcacertpublisher``): every namespace
gets the ConfigMap ``kube-root-ca.crt`` holding the cluster CA, which the projected service
account volume mounts as ``ca.crt``."""
from __future__ import annotations

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller

NAME = "kube-root-ca.crt"
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using "
               "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
               "other usage is guaranteed across distributions of Kubernetes clusters.")


class RootCACertPublisher(Controller):
    name = "root-ca-certificate-publisher"
    component = "root-ca-cert-publisher"

    def __init__(self, client, informers, ca_pem: str):
        super().__init__(client, informers)
        self.ca_pem = ca_pem

    def start(self) -> None:
        ns_inf = self.informers.informer("namespaces")
        ns_inf.add_handlers(lambda ns: self.enqueue(ns["metadata"]["name"]),
                            lambda old, new: self.enqueue(new["metadata"]["name"]), None)
        cm_inf = self.informers.informer("configmaps")
        cm_inf.add_handlers(None, lambda old, new: self._cm(new), self._cm)
        self.namespaces, self.configmaps = ns_inf, cm_inf

    def _cm(self, cm: dict) -> None:
        if cm["metadata"]["name"] == NAME:
            self.enqueue(cm["metadata"]["namespace"])

    def reconcile(self, namespace: str) -> None:
        ns = self.namespaces.get(namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        want_data = {"ca.crt": self.ca_pem}
        cm = self.configmaps.get(f"{namespace}/{NAME}")
        try:
            if cm is None:
                self.client.create("configmaps", {
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": NAME, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                    "data": want_data}, namespace)
            elif cm.get("data") != want_data:
                body = deep_copy(cm)
                body["data"] = want_data
                self.client.update("configmaps", body, namespace)
        except errors.StatusError as e:
            if e.reason not in ("AlreadyExists", "Forbidden", "NotFound", "Conflict"):
                raise
