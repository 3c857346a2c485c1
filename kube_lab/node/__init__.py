"""The node: kubelet, container runtime, simulated images, and the machine they run on.

``Machine`` (one per node) owns a ``ContainerRuntime`` (containerd) and runs a ``Kubelet``;
``PodNetwork`` connects the machines' pods until the network work adds Services and DNS.
"""
from .fabric import PodNetwork
from .images import Image, Registry
from .images.program import Program, Request, Response, WebServer
from .kubelet import Kubelet
from .machine import Machine
from .runtime import ContainerRuntime

__all__ = ["ContainerRuntime", "Image", "Kubelet", "Machine", "PodNetwork", "Program", "Registry", "Request",
           "Response", "WebServer"]
