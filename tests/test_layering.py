"""The architecture's import rules (DESIGN.md §4): lower layers never import higher ones, and the
components inside the control plane, the node and the network share only the API machinery, the
simulation substrate and the client.  Imports under ``if TYPE_CHECKING:`` are annotations only."""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "kube_lab"

# layer → the kube_lab sub-packages it may import
ALLOWED = {
    "sim": {"sim"},
    "api": {"api"},
    "client": {"client", "api", "sim"},
    "controlplane/etcd": {"api", "sim"},
    "controlplane/apiserver": {"controlplane/apiserver", "controlplane/etcd", "api", "sim"},
    "controlplane/controllers": {"controlplane/controllers", "client", "api", "sim"},
    "controlplane/scheduler": {"controlplane/scheduler", "client", "api", "sim"},
    "node": {"node", "client", "api", "sim"},
    "network": {"network", "client", "api", "sim"},
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "kube_lab" or len(parts) < 2:
        return None
    if parts[1] == "controlplane" and len(parts) > 2:
        return f"controlplane/{parts[2]}"
    return parts[1]


def imports(path: pathlib.Path, module: str):
    tree = ast.parse(path.read_text())
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            skip.update(id(n) for n in ast.walk(node))
    pkg = module.split(".")[:-1] if not path.name == "__init__.py" else module.split(".")
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            for a in node.names:  # ``from . import x`` imports the sub-module x
                yield f"{target}.{a.name}"


def test_layers_import_only_what_they_may():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        own = layer_of(module)
        if own not in ALLOWED:
            continue
        for target in imports(path, module):
            other = layer_of(target)
            if other is None or other == own:
                continue
            if other in ("controlplane",):  # the bare package __init__
                continue
            if other not in ALLOWED[own]:
                bad.append(f"{module} imports {target}")
    assert bad == []


def test_the_checker_sees_a_violation(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("from ..controlplane.apiserver import APIServer\n")
    got = list(imports(f, "kube_lab.node.x"))
    assert "kube_lab.controlplane.apiserver" in got
    assert layer_of("kube_lab.controlplane.apiserver") not in ALLOWED["node"]
