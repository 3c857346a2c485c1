"""The two DaemonSets a kind cluster runs on every node: kube-proxy and kindnet.

* **kube-proxy** is kubeadm's add-on (``kubeadm init phase addon kube-proxy``): a ConfigMap
  holding its ``KubeProxyConfiguration`` and kubeconfig, a ServiceAccount, and a DaemonSet whose
  pods run on the node's own network (``hostNetwork``), tolerate every taint and are
  ``system-node-critical``.
* **kindnet** is kind's CNI plugin (``kindnetd``): RBAC, a ServiceAccount and a DaemonSet, also on
  the host network, asking for 100m CPU and 50Mi of memory on each node.

The objects go through the API server like any manifest; the DaemonSet controller makes one pod
per node, and the kubelets run them from images a kind node already has.  (The iptables rules
themselves are written by each node's :class:`~kube_lab.node.proxy.KubeProxy`, which the cluster
starts with the machine; deleting a kube-proxy pod leaves the rules in place, as it does on a
real node, and the DaemonSet brings the pod back.)
"""
from __future__ import annotations

from ..client import Client

KUBE_PROXY_IMAGE = "registry.k8s.io/kube-proxy:v1.32.0"
KINDNET_IMAGE = "docker.io/kindest/kindnetd:v20241108-5c6d2daf"
POD_SUBNET = "10.244.0.0/16"

_KUBE_PROXY_CONFIG = """apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 1s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: iptables
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForProxy: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
"""

_KUBE_PROXY_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://{endpoint}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
"""

_ALL_TAINTS = [{"operator": "Exists"}]


def _host_path(name: str, path: str, type_: str | None = None) -> dict:
    source = {"path": path}
    if type_:
        source["type"] = type_
    return {"name": name, "hostPath": source}


def kube_proxy_objects(control_plane_endpoint: str) -> list[tuple[str, dict]]:
    """kubeadm's kube-proxy add-on: (resource, object) pairs in the order kubeadm creates them."""
    configmap = {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"app": "kube-proxy"}},
                 "data": {"config.conf": _KUBE_PROXY_CONFIG,
                          "kubeconfig.conf": _KUBE_PROXY_KUBECONFIG.format(endpoint=control_plane_endpoint)}}
    account = {"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "kube-proxy", "namespace": "kube-system"}}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "kubeadm:node-proxier"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                           "name": "system:node-proxier"},
               "subjects": [{"kind": "ServiceAccount", "name": "kube-proxy", "namespace": "kube-system"}]}
    labels = {"k8s-app": "kube-proxy"}
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "selector": {"matchLabels": dict(labels)},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "containers": [{
                        "name": "kube-proxy", "image": KUBE_PROXY_IMAGE, "imagePullPolicy": "IfNotPresent",
                        "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                    "--hostname-override=$(NODE_NAME)"],
                        "env": [{"name": "NODE_NAME",
                                 "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                        "securityContext": {"privileged": True},
                        "volumeMounts": [{"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                                         {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                                         {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True}],
                    }],
                    "hostNetwork": True,
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": "kube-proxy",
                    "tolerations": list(_ALL_TAINTS),
                    "volumes": [{"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                                _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                                _host_path("lib-modules", "/lib/modules")],
                },
            },
        },
    }
    return [("configmaps", configmap), ("serviceaccounts", account), ("clusterrolebindings", binding),
            ("daemonsets", daemonset)]


def kindnet_objects(control_plane_endpoint: str, pod_subnet: str = POD_SUBNET) -> list[tuple[str, dict]]:
    """kind's kindnet manifest: RBAC, the ServiceAccount and the DaemonSet."""
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "kindnet"},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list", "watch", "patch"]},
                      {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
                      {"apiGroups": [""], "resources": ["pods", "namespaces"], "verbs": ["list", "watch"]},
                      {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"],
                       "verbs": ["list", "watch"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "kindnet"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "kindnet"},
               "subjects": [{"kind": "ServiceAccount", "name": "kindnet", "namespace": "kube-system"}]}
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "kindnet", "namespace": "kube-system"}}
    labels = {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}
    daemonset = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "kindnet", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "selector": {"matchLabels": {"app": "kindnet"}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "hostNetwork": True,
                    "tolerations": list(_ALL_TAINTS),
                    "serviceAccountName": "kindnet",
                    "containers": [{
                        "name": "kindnet-cni", "image": KINDNET_IMAGE,
                        "env": [{"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
                                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                                {"name": "POD_SUBNET", "value": pod_subnet},
                                {"name": "CONTROL_PLANE_ENDPOINT", "value": control_plane_endpoint}],
                        "volumeMounts": [{"name": "cni-cfg", "mountPath": "/etc/cni/net.d"},
                                         {"name": "xtables-lock", "mountPath": "/run/xtables.lock", "readOnly": False},
                                         {"name": "lib-modules", "mountPath": "/lib/modules", "readOnly": True}],
                        "resources": {"requests": {"cpu": "100m", "memory": "50Mi"},
                                      "limits": {"cpu": "100m", "memory": "50Mi"}},
                        "securityContext": {"privileged": False,
                                            "capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}},
                    }],
                    "volumes": [_host_path("cni-cfg", "/etc/cni/net.d"),
                                _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                                _host_path("lib-modules", "/lib/modules")],
                },
            },
        },
    }
    return [("clusterroles", role), ("clusterrolebindings", binding), ("serviceaccounts", account),
            ("daemonsets", daemonset)]


def install_node_agents(client: Client, control_plane_endpoint: str) -> list[dict]:
    """Create kube-proxy's and kindnet's objects (kube-proxy first, as ``kubeadm init`` runs
    before kind applies its CNI manifest).  Returns the created objects."""
    out = []
    for resource, obj in kube_proxy_objects(control_plane_endpoint) + kindnet_objects(control_plane_endpoint):
        ns = obj["metadata"].get("namespace")
        out.append(client.create(resource, obj, ns, owned=True))
    return out
