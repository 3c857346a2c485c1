"""Add-ons a kind cluster does not ship but a lesson installs on request.

:func:`install_metrics_server` is ``kubectl apply -f https://github.com/kubernetes-sigs/
metrics-server/releases/download/v0.7.2/components.yaml`` with ``--kubelet-insecure-tls`` added
to the container's arguments (kind's kubelets serve self-signed certificates, so kind users add
it): the ServiceAccount, RBAC, the ``kube-system/metrics-server`` Service and Deployment, and the
``v1beta1.metrics.k8s.io`` APIService — registered with the API server's aggregator, since the
simulated API server keeps APIServices there rather than as objects.  It wires the add-on's
model (:class:`~kube_lab.controlplane.metricsserver.MetricsServer`) to the kubelets' usage
statistics (:mod:`kube_lab.node.stats`) and publishes its image bound to that model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .client import Client
from .controlplane.apiserver.aggregator import APIService, Aggregator
from .controlplane.metricsserver import GROUP, RESOURCES, VERSION, MetricsServer, manifests
from .node import stats
from .node.images import metricsserver as metrics_server_image

if TYPE_CHECKING:  # pragma: no cover
    from .cluster import Cluster


def install_metrics_server(cluster: "Cluster", *, kubelet_insecure_tls: bool = True) -> MetricsServer:
    """Install metrics-server v0.7.2 (idempotent); returns its model (``cluster.metrics_server``).
    Its pod needs ~20 s after it starts (the readiness probe's initial delay, two scrapes 15 s
    apart) before ``kubectl top`` answers."""
    existing = getattr(cluster, "metrics_server", None)
    if existing is not None:
        return existing
    cluster._machines_init()

    def scrape(node_name: str, insecure_tls: bool):
        machine = (getattr(cluster, "machines", None) or {}).get(node_name)
        if machine is None:
            raise stats.ScrapeError(f'Get "https://{node_name}:{stats.KUBELET_PORT}/metrics/resource": '
                                    "context deadline exceeded", timeout=True)
        return stats.resource_metrics(machine, cluster.loop.now, insecure_tls=insecure_tls)

    server = MetricsServer(Client(cluster.apiserver, "metrics-server"), scrape).start()
    cluster.registry.push(metrics_server_image.image(server))
    Aggregator.of(cluster.apiserver).register(APIService(GROUP, VERSION, ("kube-system", "metrics-server"),
                                                         RESOURCES, server))
    cluster.metrics_server = server
    cluster.apply(manifests(kubelet_insecure_tls))
    return server


__all__ = ["install_metrics_server"]
