"""``kubectl drain`` with PodDisruptionBudgets: evictions refused with 429 are retried every 5 s
(k8s.io/kubectl/pkg/drain) until the budget allows them."""
from __future__ import annotations

import re

from kube_lab import Cluster

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"""

REFUSED = ('error when evicting pods/"{}" -n "default" (will retry after 5s): Cannot evict pod as it would '
           "violate the pod's disruption budget.\n")


def two_pods_on_kind_worker() -> tuple[Cluster, list[str]]:
    c = Cluster(nodes=2, seed=0, network_addons=False, local_path_storage=False)
    c.kubectl("cordon kind-worker2").check()
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2").check()
    c.settle()
    c.run(10)
    c.kubectl("uncordon kind-worker2").check()
    c.apply(PDB)
    c.run(1)
    pods = sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))
    assert all(p["spec"]["nodeName"] == "kind-worker" for p in c.list("pods", selector="app=web"))
    return c, pods


def test_drain_waits_for_the_budget_until_a_replacement_is_ready():
    c, (first, second) = two_pods_on_kind_worker()
    start = c.now
    r = c.kubectl("drain kind-worker")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "node/kind-worker cordoned"
    assert lines[-1] == "node/kind-worker drained"
    # the first eviction uses the only disruption allowed; the second is refused until the first
    # pod's replacement is Ready on kind-worker2, and retried every five seconds
    retries = lines.count(f"evicting pod default/{second}")
    assert lines[1:3] == [f"evicting pod default/{first}", f"evicting pod default/{second}"]
    assert retries >= 2 and lines.count(f"evicting pod default/{first}") == 1
    assert r.stderr == REFUSED.format(second) * (retries - 1)
    assert f"pod/{first} evicted" in lines and f"pod/{second} evicted" in lines
    # stdout and stderr interleave as a terminal shows them
    assert r.output.startswith(f"node/kind-worker cordoned\nevicting pod default/{first}\n"
                               f"evicting pod default/{second}\n" + REFUSED.format(second))
    evictions = [(round(x.time - start, 3), x.name, x.code) for x in c.trace if x.subresource == "eviction"]
    assert evictions[0] == (0, first, 201)
    assert [t for t, name, code in evictions if name == second] == [5.0 * i for i in range(retries)]
    assert [code for _, name, code in evictions if name == second] == [429] * (retries - 1) + [201]
    live = [p for p in c.list("pods", selector="app=web") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 2 and all(p["spec"]["nodeName"] == "kind-worker2" for p in live)


def test_drain_timeout_while_the_budget_blocks():
    c, (first, second) = two_pods_on_kind_worker()
    c.kubectl("cordon kind-worker2").check()          # no room for a replacement: the budget never allows it
    r = c.kubectl("drain kind-worker --timeout=12s")
    assert r.exit_code == 1
    assert r.stdout.splitlines().count(f"evicting pod default/{second}") == 4     # at 0, 5, 10 and 15 s
    assert r.stderr.endswith(
        f'error: unable to drain node "kind-worker" due to error: error when evicting pods/"{second}" -n '
        '"default": global timeout reached: 12s, continuing command...\n'
        "There are pending nodes to be drained:\n kind-worker\n"
        f'error: error when evicting pods/"{second}" -n "default": global timeout reached: 12s\n')
    assert re.search(rf"pod/{first} evicted", r.stdout)


def test_drain_dry_run_server_evicts_nothing():
    c, (first, second) = two_pods_on_kind_worker()
    r = c.kubectl("drain kind-worker --dry-run=server")
    assert r.exit_code == 0, r.output
    assert f"evicting pod default/{first} (server dry run)" in r.stdout
    assert not any(p["metadata"].get("deletionTimestamp") for p in c.list("pods", selector="app=web"))
