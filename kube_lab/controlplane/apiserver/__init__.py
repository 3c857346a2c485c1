"""kube-apiserver: REST semantics over etcd, admission, watch fan-out."""
from .server import APIServer
from .watch import Watch

__all__ = ["APIServer", "Watch"]
