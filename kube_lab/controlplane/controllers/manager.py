"""kube-controller-manager: one process running many controllers over shared informers.

As the seed explains, each controller is logically a separate process; they are compiled into
one binary and share one informer cache.  ``ControllerManager`` builds the enabled controllers,
lets each register its handlers, then starts the shared informers.
"""
from __future__ import annotations

from ...client import Client, InformerFactory
from .cronjob import CronJobController
from .daemonset import DaemonSetsController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .endpointslice import EndpointSliceController
from .endpointslicemirroring import EndpointSliceMirroringController
from .garbagecollector import GarbageCollector
from .job import JobController
from .namespace import NamespaceController
from .nodeipam import NodeIPAMController
from .nodelifecycle import NodeLifecycleController
from .persistentvolume import PersistentVolumeController
from .podautoscaler import HorizontalController
from .podgc import PodGCController
from .pvcprotection import PVCProtectionController
from .pvprotection import PVProtectionController
from .replicaset import ReplicaSetController, ReplicationControllerController
from .rootcacertpublisher import RootCACertPublisher
from .serviceaccounts import ServiceAccountsController
from .statefulset import StatefulSetController
from .tainteviction import TaintEvictionController
from .ttlafterfinished import TTLAfterFinishedController


class ControllerManager:
    def __init__(self, apiserver, ca_pem: str = ""):
        self.client = Client(apiserver, "kube-controller-manager")
        self.informers = InformerFactory(self.client)
        self.controllers = {
            "garbage-collector": GarbageCollector(self.client, self.informers),
            "namespace": NamespaceController(self.client, self.informers),
            "serviceaccount": ServiceAccountsController(self.client, self.informers),
            "root-ca-certificate-publisher": RootCACertPublisher(self.client, self.informers, ca_pem),
            "node-lifecycle": NodeLifecycleController(self.client, self.informers),
            "taint-eviction-controller": TaintEvictionController(self.client, self.informers),
            "pod-garbage-collector": PodGCController(self.client, self.informers),
            "disruption": DisruptionController(self.client, self.informers),
            "node-ipam": NodeIPAMController(self.client, self.informers),
            "endpoint": EndpointsController(self.client, self.informers),
            "endpointslice": EndpointSliceController(self.client, self.informers),
            "endpointslice-mirroring": EndpointSliceMirroringController(self.client, self.informers),
            "replicaset": ReplicaSetController(self.client, self.informers),
            "replicationcontroller": ReplicationControllerController(self.client, self.informers),
            "deployment": DeploymentController(self.client, self.informers),
            "statefulset": StatefulSetController(self.client, self.informers),
            "daemonset": DaemonSetsController(self.client, self.informers),
            "job": JobController(self.client, self.informers),
            "cronjob": CronJobController(self.client, self.informers),
            "ttl-after-finished": TTLAfterFinishedController(self.client, self.informers),
            "horizontal-pod-autoscaler": HorizontalController(self.client, self.informers),
            "persistentvolume-binder": PersistentVolumeController(self.client, self.informers),
            "pvc-protection": PVCProtectionController(self.client, self.informers),
            "pv-protection": PVProtectionController(self.client, self.informers),
        }

    def __getitem__(self, name: str):
        return self.controllers[name]

    def start(self) -> None:
        for c in self.controllers.values():
            c.start()
        self.informers.start()
