"""``kubectl explain TYPE[.FIELD…]`` (k8s.io/kubectl/pkg/cmd/explain, the plaintext template of
pkg/explain/v2): the kind, its version, the field's type and its sub-fields with their types
(``<string>``, ``<[]Container>``, ``<map[string]string>``, ``<ObjectMeta>`` …) in kubectl's layout;
``--recursive`` prints the whole tree of field names.

Field names and types come from :mod:`kube_lab.api.schema_data` (the Kubernetes 1.32 API).  The
descriptions are kube-lab's own short texts for the fields a course meets (the Kubernetes API
reference has the full ones); other fields say ``<no description>``.
"""
from __future__ import annotations

import textwrap

from ...api.schema_data import ROOTS, TYPES
from ..parser import Command, CommandError, Flag

# Own-words descriptions: by type name ("*" for every type), then field.
KIND_DESCRIPTIONS = {
    "Pod": "A Pod runs one or more containers together on one node; they share the network namespace "
           "(one IP address) and can share volumes. Pods are usually created by controllers such as "
           "Deployments and Jobs rather than by hand.",
    "Deployment": "A Deployment keeps a number of identical Pods running and updates them declaratively: "
                  "changing its pod template rolls out a new ReplicaSet while scaling the old one down.",
    "ReplicaSet": "A ReplicaSet keeps the requested number of Pods matching its selector running, creating "
                  "Pods from its template when there are too few and deleting some when there are too many.",
    "Service": "A Service gives a set of Pods, chosen by a label selector, one stable virtual IP address "
               "and DNS name, and spreads connections to its port over the Pods' target ports.",
    "Namespace": "A Namespace is a scope for names: most objects live in one, and policies and quotas can "
                 "be applied per namespace.",
    "Node": "A Node is a machine (virtual or physical) that runs Pods; its kubelet registers it and "
            "reports its capacity and conditions.",
    "ConfigMap": "A ConfigMap holds non-secret configuration as key/value pairs that Pods can use as "
                 "environment variables, command-line arguments or files in a volume.",
    "Secret": "A Secret holds a small amount of sensitive data (passwords, tokens, keys), stored "
              "base64-encoded in data, for Pods to use as files or environment variables.",
    "Job": "A Job runs Pods until a number of them have completed successfully, retrying failed ones up "
           "to a limit.",
    "CronJob": "A CronJob creates Jobs on a repeating schedule written in cron format.",
    "DaemonSet": "A DaemonSet runs one copy of a Pod on every node (or on the nodes a selector picks).",
    "StatefulSet": "A StatefulSet manages Pods that need stable names and storage, creating and updating "
                   "them one at a time in order.",
    "Ingress": "An Ingress routes HTTP(S) requests from outside the cluster to Services by host name and "
               "path.",
    "PersistentVolumeClaim": "A PersistentVolumeClaim requests storage of a size and access mode; it is "
                             "bound to a PersistentVolume that satisfies it.",
    "PersistentVolume": "A PersistentVolume is a piece of storage in the cluster, provisioned by an "
                        "administrator or dynamically through a StorageClass.",
    "ServiceAccount": "A ServiceAccount is an identity for processes that run in Pods.",
    "Endpoints": "Endpoints lists the addresses and ports of the Pods behind a Service.",
    "EndpointSlice": "An EndpointSlice lists a subset of the endpoints behind a Service.",
    "ReplicationController": "A ReplicationController is the older form of a ReplicaSet: it keeps a "
                             "number of Pods matching an equality-based selector running.",
    "Event": "An Event reports something that happened to an object, such as a Pod being scheduled or "
             "a container failing to start.",
    "ResourceQuota": "A ResourceQuota limits the total resources and object counts of a namespace.",
    "LimitRange": "A LimitRange sets default, minimum and maximum resource requests and limits for the "
                  "containers of a namespace.",
    "StorageClass": "A StorageClass names a kind of storage and the provisioner that creates volumes of it.",
    "Role": "A Role is a set of permissions (verbs on resources) inside one namespace.",
    "ClusterRole": "A ClusterRole is a set of permissions that applies cluster-wide or can be bound in any "
                   "namespace.",
    "RoleBinding": "A RoleBinding grants the permissions of a Role or ClusterRole to users, groups or "
                   "service accounts in one namespace.",
    "ClusterRoleBinding": "A ClusterRoleBinding grants the permissions of a ClusterRole cluster-wide.",
    "PodDisruptionBudget": "A PodDisruptionBudget limits how many Pods of a set may be down at the same "
                           "time because of voluntary disruptions such as node drains.",
    "HorizontalPodAutoscaler": "A HorizontalPodAutoscaler scales a workload's replicas up and down to keep "
                               "a metric, such as CPU use, near a target.",
    "NetworkPolicy": "A NetworkPolicy says which connections to and from selected Pods are allowed.",
    "PriorityClass": "A PriorityClass maps a name to a scheduling priority for Pods.",
    "PodTemplate": "A PodTemplate stores a pod template for reuse.",
    "ControllerRevision": "A ControllerRevision records one revision of a DaemonSet's or StatefulSet's "
                          "template.",
    "Lease": "A Lease records which holder owns a lock and until when (node heartbeats, leader election).",
    "Binding": "A Binding ties a Pod to a node; the scheduler creates one for every Pod it places.",
    "ComponentStatus": "A ComponentStatus reports the health of a control-plane component (deprecated).",
    "IngressClass": "An IngressClass names an ingress controller that implements Ingresses.",
}

FIELD_DESCRIPTIONS = {
    ("*", "apiVersion"): "The version of the API the object is written in, such as v1 or apps/v1.",
    ("*", "kind"): "The type of the object, such as Pod or Deployment.",
    ("*", "metadata"): "Standard object metadata: name, namespace, labels, annotations and fields the "
                       "system sets.",
    ("*", "spec"): "The desired state of the object.",
    ("*", "status"): "The observed state of the object, written by the system. Read-only.",
    ("V1ObjectMeta", "name"): "The object's name, unique among objects of its kind in its namespace.",
    ("V1ObjectMeta", "namespace"): "The namespace the object lives in.",
    ("V1ObjectMeta", "labels"): "Key/value pairs used to organise and select objects.",
    ("V1ObjectMeta", "annotations"): "Key/value pairs for tools and people; not used for selection.",
    ("V1ObjectMeta", "uid"): "A unique identifier the system gives the object when it is created.",
    ("V1ObjectMeta", "creationTimestamp"): "When the object was created.",
    ("V1ObjectMeta", "resourceVersion"): "An opaque version of the object, changed by every write.",
    ("V1ObjectMeta", "generation"): "A sequence number of changes to the desired state.",
    ("V1ObjectMeta", "ownerReferences"): "The objects this one belongs to; it is garbage collected when "
                                         "they are deleted.",
    ("V1ObjectMeta", "finalizers"): "Names of actions that must finish before the object is deleted.",
    ("V1ObjectMeta", "generateName"): "A prefix from which the server generates a unique name when name "
                                      "is empty.",
    ("V1ObjectMeta", "deletionTimestamp"): "When the object will be (or was asked to be) deleted.",
    ("V1PodSpec", "containers"): "The containers of the Pod. There must be at least one.",
    ("V1PodSpec", "initContainers"): "Containers run one after another, to completion, before the "
                                     "regular containers start.",
    ("V1PodSpec", "restartPolicy"): "Whether containers are restarted when they exit: Always, OnFailure "
                                    "or Never.",
    ("V1PodSpec", "nodeName"): "The node the Pod runs on, set by the scheduler.",
    ("V1PodSpec", "nodeSelector"): "Labels a node must have for the Pod to be scheduled on it.",
    ("V1PodSpec", "volumes"): "Volumes the containers of the Pod can mount.",
    ("V1PodSpec", "serviceAccountName"): "The ServiceAccount the Pod runs as.",
    ("V1PodSpec", "tolerations"): "Taints of nodes the Pod tolerates.",
    ("V1PodSpec", "affinity"): "Scheduling constraints relative to nodes and other Pods.",
    ("V1PodSpec", "terminationGracePeriodSeconds"): "How long the Pod's containers get to stop after a "
                                                    "termination signal before they are killed.",
    ("V1Container", "name"): "The container's name, unique within the Pod.",
    ("V1Container", "image"): "The container image to run, such as nginx:1.27.",
    ("V1Container", "command"): "The entrypoint to run instead of the image's ENTRYPOINT.",
    ("V1Container", "args"): "Arguments for the entrypoint, replacing the image's CMD.",
    ("V1Container", "env"): "Environment variables to set in the container.",
    ("V1Container", "envFrom"): "ConfigMaps and Secrets whose keys become environment variables.",
    ("V1Container", "ports"): "Ports the container listens on (informational).",
    ("V1Container", "resources"): "CPU and memory the container requests and its limits.",
    ("V1Container", "volumeMounts"): "Volumes of the Pod mounted into the container's filesystem.",
    ("V1Container", "imagePullPolicy"): "When to pull the image: Always, IfNotPresent or Never.",
    ("V1Container", "livenessProbe"): "A check whose failure makes the kubelet restart the container.",
    ("V1Container", "readinessProbe"): "A check whose failure takes the Pod out of Service endpoints.",
    ("V1Container", "startupProbe"): "A check that must succeed before the other probes start.",
    ("V1ContainerPort", "containerPort"): "The port number the container listens on.",
    ("V1ContainerPort", "protocol"): "TCP, UDP or SCTP. Defaults to TCP.",
    ("V1ContainerPort", "name"): "A name for the port that Services can refer to.",
    ("V1DeploymentSpec", "replicas"): "How many Pods to run. Defaults to 1.",
    ("V1DeploymentSpec", "selector"): "The label selector of the Pods the Deployment manages; it must "
                                      "match the template's labels.",
    ("V1DeploymentSpec", "template"): "The pod template new Pods are created from.",
    ("V1DeploymentSpec", "strategy"): "How Pods are replaced when the template changes: RollingUpdate or "
                                      "Recreate.",
    ("V1DeploymentSpec", "revisionHistoryLimit"): "How many old ReplicaSets to keep for rollbacks.",
    ("V1DeploymentSpec", "paused"): "When true, template changes are not rolled out.",
    ("V1DeploymentSpec", "minReadySeconds"): "How long a new Pod must be ready before it counts as "
                                             "available.",
    ("V1DeploymentSpec", "progressDeadlineSeconds"): "How long a rollout may make no progress before it "
                                                     "is reported as failed.",
    ("V1ReplicaSetSpec", "replicas"): "How many Pods to run. Defaults to 1.",
    ("V1ReplicaSetSpec", "selector"): "The label selector of the Pods the ReplicaSet counts.",
    ("V1ReplicaSetSpec", "template"): "The pod template missing Pods are created from.",
    ("V1ServiceSpec", "selector"): "Traffic goes to the Pods whose labels match these.",
    ("V1ServiceSpec", "ports"): "The ports the Service exposes.",
    ("V1ServiceSpec", "type"): "ClusterIP, NodePort, LoadBalancer or ExternalName.",
    ("V1ServiceSpec", "clusterIP"): "The Service's virtual IP address, allocated by the system.",
    ("V1ServicePort", "port"): "The port the Service listens on.",
    ("V1ServicePort", "targetPort"): "The port (number or name) on the Pods that traffic goes to.",
    ("V1ServicePort", "nodePort"): "The port opened on every node for NodePort and LoadBalancer "
                                   "Services.",
    ("V1ServicePort", "protocol"): "TCP, UDP or SCTP. Defaults to TCP.",
    ("V1ServicePort", "name"): "A name for the port; required when there are several.",
    ("V1PodTemplateSpec", "metadata"): "The labels and annotations the Pods get.",
    ("V1PodTemplateSpec", "spec"): "The spec of the Pods.",
    ("V1LabelSelector", "matchLabels"): "Labels that must all be present with these values.",
    ("V1LabelSelector", "matchExpressions"): "Set-based requirements that must all hold.",
    ("V1ResourceRequirements", "requests"): "The resources the scheduler reserves for the container.",
    ("V1ResourceRequirements", "limits"): "The most the container may use.",
    ("V1ConfigMap", "data"): "The configuration as UTF-8 strings.",
    ("V1ConfigMap", "binaryData"): "Binary configuration values, base64-encoded.",
    ("V1Secret", "data"): "The secret values, base64-encoded.",
    ("V1Secret", "stringData"): "Secret values as plain strings, merged into data when written.",
    ("V1Secret", "type"): "What kind of secret this is, such as Opaque or kubernetes.io/tls.",
}


def command() -> Command:
    return Command("explain", short="Get documentation for a resource", run=run,
                   usage="kubectl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] "
                         "[-o|--output=plaintext|plaintext-openapiv2]",
                   flags=[Flag("recursive", type="bool"), Flag("api-version"), Flag("output", "o", default="plaintext")])


def _type_name(t: str) -> str:
    """``typeGuess`` for a schema_data type."""
    if t.startswith("list[") and t.endswith("]"):
        return "[]" + _type_name(t[5:-1])
    if t.startswith("map[string]"):
        return "map[string]" + _type_name(t[len("map[string]"):])
    if t in ("string", "integer", "boolean", "number"):
        return t
    if t == "Time":
        return "string"
    if t == "object":
        return "Object"
    for prefix in ("CoreV1", "DiscoveryV1", "RbacV1", "V1", "V2"):
        if t.startswith(prefix) and len(t) > len(prefix) and t[len(prefix)].isupper():
            return t[len(prefix):]
    return t


def _struct(t: str) -> str | None:
    """The struct type a field's values have (lists and maps looked through)."""
    while True:
        if t.startswith("list[") and t.endswith("]"):
            t = t[5:-1]
        elif t.startswith("map[string]"):
            t = t[len("map[string]"):]
        else:
            break
    return t if t in TYPES else None


def _wrap(text: str, width: int, indent: int) -> str:
    out = []
    for para in text.split("\n"):
        lines = textwrap.wrap(para, width=width, break_long_words=False, break_on_hyphens=False) or [""]
        out.extend(" " * indent + line if line else "" for line in lines)
    return "\n".join(out)


def _field_description(type_name: str, field: str) -> str:
    return FIELD_DESCRIPTIONS.get((type_name, field)) or FIELD_DESCRIPTIONS.get(("*", field)) or ""


def run(inv) -> int:
    if len(inv.args) != 1:
        raise CommandError("error: You must specify the type of resource to explain. Use \"kubectl api-resources\" "
                           "for a complete list of supported resources.\n\nSee 'kubectl explain -h' for help and "
                           "examples") if not inv.args else CommandError(
            "error: We accept only this format: explain RESOURCE\nSee 'kubectl explain -h' for help and examples")
    output = inv.flag("output")
    if output not in ("plaintext", "plaintext-openapiv2"):
        raise CommandError(f"error: unsupported output format: {output}")
    arg = inv.args[0]
    resource, *path = arg.split(".")
    info = inv.registry.resolve(resource.lower())
    # a fully qualified resource (deployments.apps.spec …) — try group suffixes
    if info is None:
        for i in range(len(path), 0, -1):
            cand = inv.registry.resolve(".".join([resource, *path[:i]]).lower())
            if cand is not None:
                info, path = cand, path[i:]
                break
    if info is None:
        raise CommandError(f'error: the server doesn\'t have a resource type "{resource}"')
    gv = f"{info.group}/{info.version}" if info.group else info.version
    if inv.flag("api-version") and inv.flag("api-version") != gv:
        raise CommandError(f"error: couldn't find resource for \"{inv.flag('api-version')}, "
                           f"Resource={info.resource}\"")
    root = ROOTS.get(f"{gv}/{info.kind}")
    if root is None:
        raise CommandError(f"error: GVK {gv}, Kind={info.kind} not found in OpenAPI schema")
    out: list[str] = []
    if info.group:
        out.append(f"GROUP:      {info.group}\n")
    out.append(f"KIND:       {info.kind}\n")
    out.append(f"VERSION:    {info.version}\n\n")
    field_type = root
    description = KIND_DESCRIPTIONS.get(info.kind, "")
    parent = root
    for i, field in enumerate(path):
        struct = _struct(field_type)
        fields = TYPES.get(struct or "", {})
        if field not in fields:
            raise CommandError(f'error: field "{field}" does not exist')
        parent = struct
        field_type = fields[field]
        if i == len(path) - 1:
            out.append(f"FIELD: {field} <{_type_name(field_type)}>\n\n\n")
        description = _field_description(parent, field)
    struct = _struct(field_type)
    out.append("DESCRIPTION:\n")
    if description:
        # the template's description ends with a newline, which ``indent`` follows with spaces
        out.append(_wrap(description, 76, 4) + "\n    \n")
    else:
        out.append("    <empty>\n")
    fields = TYPES.get(struct or "", {})
    if fields:
        out.append("FIELDS:\n")
        if inv.flag("recursive"):
            _recursive(struct, 1, out, {struct})
        else:
            for name in sorted(fields):
                out.append(f"  {name}\t<{_type_name(fields[name])}>\n")
                out.append(_wrap(_field_description(struct, name) or "<no description>", 76, 4) + "\n\n")
    inv.out("".join(out) + "\n")
    return 0


def _recursive(struct: str, level: int, out: list[str], seen: set[str]) -> None:
    fields = TYPES.get(struct, {})
    for name in sorted(fields):
        t = fields[name]
        out.append(" " * (level * 2) + f"{name}\t<{_type_name(t)}>\n")
        sub = _struct(t)
        if sub and sub not in seen:
            _recursive(sub, level + 1, out, seen | {sub})
