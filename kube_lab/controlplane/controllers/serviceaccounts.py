"""The service-account controller (``pkg/controller/serviceaccount``): every active namespace
has a ``default`` ServiceAccount, recreated if deleted — pods run as it unless told otherwise."""
from __future__ import annotations

from ...api import errors
from ...client import Controller

DEFAULT_ACCOUNTS = ("default",)


class ServiceAccountsController(Controller):
    name = "serviceaccount"
    component = "serviceaccount-controller"

    def start(self) -> None:
        ns_inf = self.informers.informer("namespaces")
        ns_inf.add_handlers(self._ns, lambda old, new: self._ns(new), None)
        sa_inf = self.informers.informer("serviceaccounts")
        sa_inf.add_handlers(None, None, lambda sa: self.enqueue(sa["metadata"]["namespace"]))
        self.namespaces, self.accounts = ns_inf, sa_inf

    def _ns(self, ns: dict) -> None:
        self.enqueue(ns["metadata"]["name"])

    def reconcile(self, namespace: str) -> None:
        ns = self.namespaces.get(namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        for name in DEFAULT_ACCOUNTS:
            if self.accounts.get(f"{namespace}/{name}") is not None:
                continue
            try:
                self.client.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                       "metadata": {"name": name}}, namespace)
            except errors.StatusError as e:
                if e.reason not in ("AlreadyExists", "Forbidden", "NotFound"):
                    raise
