"""Cluster storage add-ons: what kind installs so that PersistentVolumeClaims work out of the box —
the ``standard`` default StorageClass and rancher's local-path provisioner (:mod:`.localpath`).

Like the network add-ons in :mod:`kube_lab.network`, these are clients of the API server that run
outside kube-controller-manager; they share only the API machinery and the client with the rest
of the simulator."""
from .localpath import (LocalPathProvisioner, install_local_path_storage,  # noqa: F401
                        local_path_storage_objects)
