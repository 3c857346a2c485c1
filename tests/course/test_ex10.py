"""Exercise 10's checks judge claims, volumes, the request trace, files in the containers and the
generated Secret, and say what went wrong."""
import os

import pytest

from kube_lab import Cluster
from kube_lab.course import grade

STORE = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store}
spec:
  serviceName: store
  replicas: 3
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        volumeMounts: [{name: data, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""
SERVICE = """apiVersion: v1
kind: Service
metadata: {{name: store}}
spec:
  {headless}selector: {{app: store}}
  ports: [{{port: 80}}]
"""
DB = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: db-data}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 2Gi}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: db, labels: {{app: db}}}}
spec:
  selector: {{matchLabels: {{app: db}}}}
  strategy: {{type: {strategy}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers:
      - name: mysql
        image: mysql:5.6
        env:
        - name: MYSQL_ROOT_PASSWORD
          valueFrom: {{secretKeyRef: {{name: db-pass, key: password}}}}
        volumeMounts: [{{name: data, mountPath: /var/lib/mysql}}]
      volumes:
      - name: data
        persistentVolumeClaim: {{claimName: db-data}}
"""
KUSTOMIZATION = "secretGenerator:\n- name: db-pass\n  literals:\n  - password=pw-{n}\nresources:\n- db.yaml\n"


def apply(c, text):
    out = c.kubectl("apply -f -", text)
    assert out.exit_code == 0, out.output


def results(c):
    return {r.id: (r.passed, r.detail) for r in grade("ex10", c).results}


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=2, seed=21, network_addons=True)


def test_nothing_done_every_check_fails_with_its_hint(cluster):
    rep = grade("ex10", cluster)
    assert (rep.points, rep.possible) == (0, 7)
    assert [r.detail for r in rep.results] == [
        "there is no Service named store", "pod store-1 was never deleted (look for it in `cluster.trace`)",
        "there is no Secret named db-pass-<hash>", "there is no Deployment named db"]
    assert all(r.hint for r in rep.results)


def test_statefulset_and_survivor_mistakes_then_fixes(cluster):
    apply(cluster, SERVICE.format(headless=""))
    apply(cluster, STORE)
    cluster.run(30)
    ip = cluster.get("service", "store")["spec"]["clusterIP"]
    assert results(cluster)["ex10.statefulset"] == (
        False, f"Service store has the cluster IP {ip}: a headless Service sets clusterIP: None (delete it and "
               "create it again)")
    assert cluster.kubectl("delete service store").exit_code == 0
    apply(cluster, SERVICE.format(headless="clusterIP: None\n  "))
    cluster.run(3)
    assert results(cluster)["ex10.statefulset"] == (True, "")

    # written after the delete: proves nothing
    assert cluster.kubectl("delete pod store-1").exit_code == 0
    cluster.run(15)
    cluster.kubectl("exec store-1 -- sh -c 'echo kept by store-1 > /usr/share/nginx/html/index.html'")
    assert results(cluster)["ex10.survivor"] == (
        False, "/usr/share/nginx/html/index.html of store-1 was written after the pod was deleted, so it proves "
               "nothing: write it first, then delete the pod")
    # written, then deleted: the new pod finds it in its claim
    assert cluster.kubectl("delete pod store-1").exit_code == 0
    cluster.run(15)
    assert results(cluster)["ex10.survivor"] == (True, "")


def test_secret_and_mysql_mistakes_then_fixes(cluster, tmp_path):
    folder = tmp_path / "db"
    os.makedirs(folder)
    # a hand-made Secret with a hash-like suffix, and a Deployment applied without kustomize
    apply(cluster, "apiVersion: v1\nkind: Secret\nmetadata: {name: db-pass-abcde12345}\n"
                   "stringData: {password: guess}\n")
    apply(cluster, DB.format(strategy="RollingUpdate"))
    cluster.run(2)
    r = results(cluster)
    assert r["ex10.secret"] == (False, "Secret db-pass-abcde12345's suffix is not the hash of its content: was it "
                                       "made by hand? Let secretGenerator make it")
    assert r["ex10.mysql"] == (False, "Deployment db's strategy is RollingUpdate, not Recreate: two MySQL servers "
                                      "must never share one data directory")
    assert cluster.kubectl("delete secret db-pass-abcde12345").exit_code == 0

    (folder / "db.yaml").write_text(DB.format(strategy="Recreate"))
    (folder / "kustomization.yaml").write_text(KUSTOMIZATION.format(n=1))
    out = cluster.kubectl(f"apply -k {folder}")
    assert out.exit_code == 0, out.output
    name = out.stdout.split()[0].split("/")[1]
    cluster.run(30)
    now, rev = cluster.now, cluster.etcd.revision
    rep = grade("ex10", cluster)
    assert rep.points == 7, rep.text()
    assert (cluster.now, cluster.etcd.revision) == (now, rev)          # grading only reads

    # the Deployment put back by hand, naming the Secret without its hash
    apply(cluster, DB.format(strategy="Recreate"))
    assert results(cluster)["ex10.secret"] == (
        False, f"MYSQL_ROOT_PASSWORD comes from Secret db-pass, not {name}: apply the folder with `kubectl apply "
               "-k`, so that kustomize rewrites the reference")
