"""``kubectl auth can-i`` and ``kubectl auth whoami`` (k8s.io/kubectl/pkg/cmd/auth).

kube-lab's kubectl is kind's ``kubernetes-admin`` (group ``kubeadm:cluster-admins``, bound to
``cluster-admin``), which may do everything: ``can-i`` answers ``yes`` after upstream's client-side
checks and warnings (unknown verb, unknown resource, cluster-scoped resource with a namespace), and
``--list`` prints the rules of cluster-admin and of the default discovery roles.
"""
from __future__ import annotations

from ..parser import Command, CommandError, Flag
from ..printers.tabwriter import TabWriter

RESOURCE_VERBS = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use", "bind",
                  "impersonate", "*", "approve", "sign", "escalate", "attest"}
NON_RESOURCE_VERBS = {"get", "put", "post", "head", "options", "delete", "patch", "*"}
USERNAME = "kubernetes-admin"
GROUPS = ["kubeadm:cluster-admins", "system:authenticated"]

# (resources, non-resource URLs, resource names, verbs) the admin's SelfSubjectRulesReview lists:
# cluster-admin, system:basic-user, system:discovery and system:public-info-viewer
ADMIN_RULES = [
    ("*.*", "[]", "[]", "[*]"),
    ("", "[*]", "[]", "[*]"),
    ("selfsubjectreviews.authentication.k8s.io", "[]", "[]", "[create]"),
    ("selfsubjectaccessreviews.authorization.k8s.io", "[]", "[]", "[create]"),
    ("selfsubjectrulesreviews.authorization.k8s.io", "[]", "[]", "[create]"),
    ("", "[/api/*]", "[]", "[get]"),
    ("", "[/api]", "[]", "[get]"),
    ("", "[/apis/*]", "[]", "[get]"),
    ("", "[/apis]", "[]", "[get]"),
    ("", "[/healthz]", "[]", "[get]"),
    ("", "[/healthz]", "[]", "[get]"),
    ("", "[/livez]", "[]", "[get]"),
    ("", "[/livez]", "[]", "[get]"),
    ("", "[/openapi/*]", "[]", "[get]"),
    ("", "[/openapi]", "[]", "[get]"),
    ("", "[/readyz]", "[]", "[get]"),
    ("", "[/readyz]", "[]", "[get]"),
    ("", "[/version/]", "[]", "[get]"),
    ("", "[/version/]", "[]", "[get]"),
    ("", "[/version]", "[]", "[get]"),
    ("", "[/version]", "[]", "[get]"),
]


def command() -> Command:
    auth = Command("auth", short="Inspect authorization")
    auth.add(
        Command("can-i", short="Check whether an action is allowed", run=run_can_i,
                usage="kubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]",
                flags=[Flag("all-namespaces", "A", "bool"), Flag("quiet", "q", "bool"), Flag("list", type="bool"),
                       Flag("no-headers", type="bool"), Flag("subresource")]),
        Command("reconcile", short="Reconciles rules for RBAC role, role binding, cluster role, and cluster role "
                                   "binding objects", run=_unsupported),
        Command("whoami", short="Experimental: Check self subject attributes", run=run_whoami,
                flags=[Flag("output", "o")]),
    )
    return auth


def _unsupported(inv) -> int:
    raise CommandError("error: kubectl auth reconcile is not available in kube-lab; use kubectl apply")


def run_can_i(inv) -> int:
    if inv.flag("list"):
        if inv.args:
            raise CommandError("error: list option must be specified with no arguments")
        if inv.flag("quiet") or inv.flag("all-namespaces") or inv.flag("subresource"):
            raise CommandError("error: list option can't be specified with neither quiet, all-namespaces nor "
                               "subresource options")
        lines: list[str] = []
        tw = TabWriter(lines)
        if not inv.flag("no-headers"):
            tw.write("Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
        for row in ADMIN_RULES:
            tw.write("\t".join(row) + "\n")
        tw.flush()
        inv.out("".join(lines))
        return 0
    if len(inv.args) != 2:
        raise CommandError("error: you must specify two arguments: verb resource or verb resource/resourceName.\n"
                           "See 'kubectl auth can-i -h' for help and examples.")
    verb, target = inv.args
    non_resource = target.startswith("/")
    resource_name = ""
    info = None
    if not non_resource:
        resource, _, resource_name = target.partition("/")
        if resource != "*":
            info = inv.registry.resolve(resource.lower())
            if info is None and resource.lower().split(".")[0] not in ("users", "groups"):
                group = resource.lower().partition(".")[2]
                base = resource.lower().partition(".")[0]
                if group:
                    inv.warn(f"the server doesn't have a resource type '{base}' in group '{group}'")
                else:
                    inv.warn(f"the server doesn't have a resource type '{base}'")
    if non_resource:
        if inv.flag("subresource"):
            raise CommandError("error: --subresource can not be used with NonResourceURL")
        if verb not in NON_RESOURCE_VERBS:
            inv.warn(f"verb '{verb}' is not a known verb")
    elif not inv.flag("all-namespaces"):
        if info is not None and not info.namespaced:
            if info.group:
                inv.warn(f"resource '{info.resource}' is not namespace scoped in group '{info.group}'")
            else:
                inv.warn(f"resource '{info.resource}' is not namespace scoped")
        if verb not in RESOURCE_VERBS:
            inv.warn(f"verb '{verb}' is not a known verb")
    if inv.flag("no-headers"):
        raise CommandError("error: --no-headers cannot be set without --list specified")
    if not inv.flag("quiet"):
        inv.println("yes")
    return 0


def run_whoami(inv) -> int:
    output = inv.flag("output") or ""
    review = {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
              "metadata": {"creationTimestamp": None},
              "status": {"userInfo": {"username": USERNAME, "groups": list(GROUPS)}}}
    if output:
        from ..printers import printer_for

        printer_for(output, allowed=("json", "yaml", "name", "go-template", "go-template-file", "jsonpath",
                                     "jsonpath-as-json", "jsonpath-file", "template", "templatefile")
                    ).print_obj(review, inv.out, typed=True)
        return 0
    lines: list[str] = []
    tw = TabWriter(lines)
    tw.write("ATTRIBUTE\tVALUE\n")
    tw.write(f"Username\t{USERNAME}\n")
    tw.write(f"Groups\t[{' '.join(GROUPS)}]\n")
    tw.flush()
    inv.out("".join(lines))
    return 0
