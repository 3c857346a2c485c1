"""An API client bound to one component, like a client-go clientset with its user agent.

Components never reach into the API server's storage; they call these verbs, and every call is
recorded in the trace under the component's name."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..controlplane.apiserver import APIServer


class Client:
    def __init__(self, apiserver: "APIServer", component: str):
        self.apiserver = apiserver
        self.component = component
        self.loop = apiserver.loop

    def get(self, resource: str, name: str, namespace: str | None = None, **kw: Any) -> dict:
        return self.apiserver.get(resource, name, namespace, component=self.component, **kw)

    def list(self, resource: str, namespace: str | None = None, **kw: Any) -> dict:
        return self.apiserver.list(resource, namespace, component=self.component, **kw)

    def create(self, resource: str, obj: dict, namespace: str | None = None, **kw: Any) -> dict:
        kw.setdefault("field_validation", "Ignore")
        return self.apiserver.create(resource, obj, namespace, component=self.component, **kw)

    def update(self, resource: str, obj: dict, namespace: str | None = None, **kw: Any) -> dict:
        kw.setdefault("field_validation", "Ignore")
        return self.apiserver.update(resource, obj, namespace, component=self.component, **kw)

    def update_status(self, resource: str, obj: dict, namespace: str | None = None, **kw: Any) -> dict:
        return self.update(resource, obj, namespace, subresource="status", **kw)

    def patch(self, resource: str, name: str, patch: Any, patch_type: str = "application/strategic-merge-patch+json",
              namespace: str | None = None, **kw: Any) -> dict:
        kw.setdefault("field_validation", "Ignore")
        return self.apiserver.patch(resource, name, patch, patch_type, namespace, component=self.component, **kw)

    def delete(self, resource: str, name: str, namespace: str | None = None, **kw: Any) -> dict:
        return self.apiserver.delete(resource, name, namespace, component=self.component, **kw)

    def watch(self, resource: str, handler, namespace: str | None = None, **kw: Any):
        return self.apiserver.watch(resource, handler, namespace, component=self.component, **kw)
