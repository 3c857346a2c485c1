"""The kubeconfig the in-process kubectl reads: clusters, users, contexts and the current context,
shaped like the one ``kind create cluster`` writes (cluster, user and context ``kind-<name>``).

``kubectl config view`` prints it with credentials replaced by ``DATA+OMITTED``/``REDACTED`` as
upstream does; ``config set-context --current --namespace=…`` changes the context's namespace,
which later commands use as their default namespace.
"""
from __future__ import annotations

import copy
from typing import Any

DEFAULT_SERVER = "https://127.0.0.1:6443"


class KubeConfig:
    def __init__(self, cluster_name: str = "kind", server: str = DEFAULT_SERVER):
        name = f"kind-{cluster_name}"
        self.clusters: dict[str, dict] = {name: {"certificate-authority-data": "DATA+OMITTED", "server": server}}
        self.users: dict[str, dict] = {name: {"client-certificate-data": "DATA+OMITTED",
                                              "client-key-data": "DATA+OMITTED"}}
        self.contexts: dict[str, dict] = {name: {"cluster": name, "user": name}}
        self.current_context = name
        self.preferences: dict = {}

    # -- queries --------------------------------------------------------------------------
    def context(self, name: str | None = None) -> dict | None:
        return self.contexts.get(name or self.current_context)

    def namespace(self, context: str | None = None) -> str:
        ctx = self.context(context)
        return (ctx or {}).get("namespace") or "default"

    def server(self, context: str | None = None) -> str:
        ctx = self.context(context) or {}
        return (self.clusters.get(ctx.get("cluster", "")) or {}).get("server", DEFAULT_SERVER)

    # -- the document -----------------------------------------------------------------------
    def to_dict(self, minify_context: str | None = None, raw: bool = False) -> dict:
        """``kubectl config view`` (``--minify`` keeps only one context and what it uses)."""
        contexts = self.contexts
        if minify_context is not None:
            contexts = {minify_context: self.contexts[minify_context]}
        used_clusters = {c.get("cluster") for c in contexts.values()}
        used_users = {c.get("user") for c in contexts.values()}
        clusters = [{"cluster": dict(v), "name": k} for k, v in sorted(self.clusters.items())
                    if minify_context is None or k in used_clusters]
        users = [{"name": k, "user": dict(v)} for k, v in sorted(self.users.items())
                 if minify_context is None or k in used_users]
        doc: dict[str, Any] = {
            "apiVersion": "v1",
            "clusters": clusters,
            "contexts": [{"context": dict(v), "name": k} for k, v in sorted(contexts.items())],
            "current-context": self.current_context,
            "kind": "Config",
            "preferences": dict(self.preferences),
            "users": users,
        }
        return copy.deepcopy(doc)

    def to_state(self) -> dict:
        return {"clusters": self.clusters, "users": self.users, "contexts": self.contexts,
                "current-context": self.current_context}

    @classmethod
    def from_state(cls, state: dict) -> "KubeConfig":
        kc = cls()
        kc.clusters = copy.deepcopy(state.get("clusters") or kc.clusters)
        kc.users = copy.deepcopy(state.get("users") or kc.users)
        kc.contexts = copy.deepcopy(state.get("contexts") or kc.contexts)
        kc.current_context = state.get("current-context", kc.current_context)
        return kc
