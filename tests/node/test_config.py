"""Environment variables and volumes as the kubelet builds them."""
import base64
import json

from .conftest import container, cstatus, events, kubelet, pod, status


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def setup_objects(cluster):
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "special-config"},
                    "data": {"SPECIAL_LEVEL": "very", "SPECIAL_TYPE": "charm"}})
    cluster.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mysecret"},
                    "data": {"username": b64("admin"), "password": b64("s3cr3t")}})


def env_of(cluster, name: str) -> dict:
    out, _, _ = kubelet(cluster).exec("default", name, None, ["env"])
    return dict(line.split("=", 1) for line in out.splitlines())


def test_environment_from_every_source(cluster):
    setup_objects(cluster)
    cluster.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-service"},
                    "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 9376}]}})
    cluster.create(pod("envpod", [container(command=["sleep", "3600"], env=[
        {"name": "SPECIAL_LEVEL_KEY", "valueFrom": {"configMapKeyRef": {"name": "special-config", "key": "SPECIAL_LEVEL"}}},
        {"name": "USER", "valueFrom": {"secretKeyRef": {"name": "mysecret", "key": "username"}}},
        {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "MY_NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "MY_APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "MEM_MI", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
        {"name": "GREETING", "value": "hello $(USER) from $(MY_NODE), $$(ESCAPED)"},
    ], envFrom=[{"configMapRef": {"name": "special-config"}, "prefix": "CM_"}],
        resources={"limits": {"memory": "64Mi", "cpu": "500m"}})]))
    cluster.run(5)
    env = env_of(cluster, "envpod")
    ip = status(cluster, "envpod")["podIP"]
    assert env["SPECIAL_LEVEL_KEY"] == "very" and env["USER"] == "admin"
    assert (env["MY_POD_IP"], env["MY_POD_NAME"], env["MY_NODE"], env["MY_APP"]) == (ip, "envpod", "kind-worker",
                                                                                    "envpod")
    assert env["MEM_MI"] == "64" and env["CPU_LIMIT"] == "1"      # ceil(0.5 cores / 1)
    assert env["GREETING"] == "hello admin from kind-worker, $(ESCAPED)"
    assert env["CM_SPECIAL_LEVEL"] == "very" and env["CM_SPECIAL_TYPE"] == "charm"
    assert env["HOSTNAME"] == "envpod" and env["HOME"] == "/root"
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    svc_ip = cluster.get("svc", "my-service")["spec"]["clusterIP"]
    assert env["MY_SERVICE_SERVICE_HOST"] == svc_ip and env["MY_SERVICE_SERVICE_PORT"] == "80"
    assert env["MY_SERVICE_SERVICE_PORT_HTTP"] == "80"
    assert env["MY_SERVICE_PORT"] == f"tcp://{svc_ip}:80"
    assert env["MY_SERVICE_PORT_80_TCP_PROTO"] == "tcp" and env["MY_SERVICE_PORT_80_TCP_ADDR"] == svc_ip
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1" and env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"


def test_enable_service_links_false_keeps_only_the_kubernetes_service(cluster):
    cluster.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                    "spec": {"ports": [{"port": 80}]}})
    cluster.create(pod("p", [container(command=["sleep", "3600"])], enableServiceLinks=False))
    cluster.run(5)
    env = env_of(cluster, "p")
    assert "WEB_SERVICE_HOST" not in env and env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"


def test_missing_configmap_is_create_container_config_error(cluster):
    cluster.create(pod("missing", [container(command=["sleep", "3600"], env=[
        {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}])]))
    cluster.run(20)
    w = cstatus(cluster, "missing")["state"]["waiting"]
    assert w == {"reason": "CreateContainerConfigError", "message": 'configmap "nope" not found'}
    assert ("Warning", "Failed", 'Error: configmap "nope" not found') in [
        (e["type"], e["reason"], e["message"]) for e in events(cluster, "missing")]
    # creating it lets the container start at the next retry
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "nope"}, "data": {"k": "v"}})
    cluster.run(20)
    assert list(cstatus(cluster, "missing")["state"]) == ["running"]


def test_missing_key_and_missing_secret_messages(cluster):
    setup_objects(cluster)
    cluster.create(pod("key", [container(command=["sleep", "3600"], env=[
        {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "special-config", "key": "NOPE"}}}])]))
    cluster.create(pod("sec", [container(command=["sleep", "3600"], env=[
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k"}}}])]))
    cluster.create(pod("skey", [container(command=["sleep", "3600"], env=[
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "mysecret", "key": "nope"}}}])]))
    cluster.create(pod("opt", [container(command=["sleep", "3600"], env=[
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k", "optional": True}}}],
        envFrom=[{"configMapRef": {"name": "absent", "optional": True}}])]))
    cluster.run(20)
    assert cstatus(cluster, "key")["state"]["waiting"]["message"] == \
        "couldn't find key NOPE in ConfigMap default/special-config"
    assert cstatus(cluster, "sec")["state"]["waiting"]["message"] == 'secret "other" not found'
    assert cstatus(cluster, "skey")["state"]["waiting"]["message"] == \
        "couldn't find key nope in Secret default/mysecret"
    assert list(cstatus(cluster, "opt")["state"]) == ["running"]


def test_configmap_secret_and_downward_api_volumes(cluster):
    setup_objects(cluster)
    cluster.create(pod("vol", [container(command=["sleep", "3600"], volumeMounts=[
        {"name": "cfg", "mountPath": "/etc/config"},
        {"name": "sec", "mountPath": "/etc/secret", "readOnly": True},
        {"name": "one", "mountPath": "/etc/one"},
        {"name": "podinfo", "mountPath": "/etc/podinfo"}])],
        volumes=[{"name": "cfg", "configMap": {"name": "special-config"}},
                 {"name": "sec", "secret": {"secretName": "mysecret"}},
                 {"name": "one", "configMap": {"name": "special-config",
                                               "items": [{"key": "SPECIAL_TYPE", "path": "type.txt"}]}},
                 {"name": "podinfo", "downwardAPI": {"items": [
                     {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                     {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}}]))
    cluster.run(5)
    k = kubelet(cluster)

    def sh(script):
        return k.exec("default", "vol", None, ["sh", "-c", script])

    assert sh("ls /etc/config")[0] == "SPECIAL_LEVEL\nSPECIAL_TYPE\n"
    assert sh("cat /etc/config/SPECIAL_LEVEL")[0] == "very"
    assert sh("cat /etc/secret/password")[0] == "s3cr3t"
    assert sh("ls /etc/one; cat /etc/one/type.txt")[0] == "type.txt\ncharm"
    assert sh("cat /etc/podinfo/labels")[0] == 'app="vol"'
    assert sh("cat /etc/podinfo/name")[0] == "vol"
    out, err, code = sh("echo x > /etc/config/new")
    assert code != 0 and "Read-only file system" in err


def test_configmap_volume_updates_reach_the_files_but_env_does_not(cluster):
    setup_objects(cluster)
    cluster.create(pod("w", [container(command=["sleep", "3600"], env=[
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "special-config", "key": "SPECIAL_LEVEL"}}}],
        volumeMounts=[{"name": "cfg", "mountPath": "/etc/config"}])],
        volumes=[{"name": "cfg", "configMap": {"name": "special-config"}}]))
    cluster.run(5)
    cm = cluster.get("cm", "special-config")
    cm["data"]["SPECIAL_LEVEL"] = "extremely"
    cluster.client("kubectl").update("configmaps", cm, "default")
    cluster.run(100)      # the next periodic sync (about a minute) refreshes the projection
    k = kubelet(cluster)
    assert k.exec("default", "w", None, ["cat", "/etc/config/SPECIAL_LEVEL"])[0] == "extremely"
    assert env_of(cluster, "w")["LEVEL"] == "very"


def test_missing_configmap_volume_is_failed_mount(cluster):
    cluster.create(pod("fm", [container(command=["sleep", "3600"], volumeMounts=[{"name": "cfg", "mountPath": "/c"}])],
                       volumes=[{"name": "cfg", "configMap": {"name": "absent"}}]))
    cluster.run(150)
    evs = [(e["type"], e["reason"], e["message"]) for e in events(cluster, "fm")]
    assert ("Warning", "FailedMount", 'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found') in evs
    assert ("Warning", "FailedMount", "Unable to attach or mount volumes: unmounted volumes=[cfg], unattached "
            "volumes=[], failed to process volumes=[]: timed out waiting for the condition") in evs
    st = status(cluster, "fm")
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert "podIP" not in st        # no sandbox before the volumes are ready


def test_empty_dir_is_shared_by_the_pod_and_survives_restarts(cluster):
    cluster.create(pod("share", [
        container("writer", command=["sh", "-c", "echo hello > /data/msg; sleep 3600"],
                  volumeMounts=[{"name": "d", "mountPath": "/data"}]),
        container("reader", command=["sh", "-c", "sleep 2; cat /shared/msg; exit 1"],
                  volumeMounts=[{"name": "d", "mountPath": "/shared"}])],
        volumes=[{"name": "d", "emptyDir": {}}]))
    cluster.run(30)
    assert kubelet(cluster).logs("default", "share", "reader") == "hello\n"
    assert kubelet(cluster).logs("default", "share", "reader", previous=True) == "hello\n"


def test_host_path_outlives_the_pod(cluster):
    vol = [{"name": "h", "hostPath": {"path": "/srv/data", "type": "DirectoryOrCreate"}}]
    mount = [{"name": "h", "mountPath": "/data"}]
    cluster.create(pod("one", [container(command=["sh", "-c", "echo from-one > /data/f; sleep 3600"],
                                         volumeMounts=mount)], volumes=vol))
    cluster.run(5)
    cluster.delete("pod", "one", grace_period=1)
    cluster.run(5)
    cluster.create(pod("two", [container(command=["sh", "-c", "cat /data/f; sleep 3600"], volumeMounts=mount)],
                       volumes=vol))
    cluster.run(5)
    assert kubelet(cluster).logs("default", "two") == "from-one\n"


def test_host_path_type_directory_must_exist(cluster):
    cluster.create(pod("hp", [container(command=["sleep", "3600"], volumeMounts=[{"name": "h", "mountPath": "/d"}])],
                       volumes=[{"name": "h", "hostPath": {"path": "/nowhere", "type": "Directory"}}]))
    cluster.run(5)
    assert ("FailedMount", 'MountVolume.SetUp failed for volume "h" : hostPath type check failed: /nowhere is not '
            "a directory") in [(e["reason"], e["message"]) for e in events(cluster, "hp")]


def test_service_account_volume(cluster):
    cluster.create(pod("sa", [container(command=["sleep", "3600"])]))
    cluster.run(5)
    k = kubelet(cluster)
    mount = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert k.exec("default", "sa", None, ["ls", mount])[0] == "ca.crt\nnamespace\ntoken\n"
    assert k.exec("default", "sa", None, ["cat", f"{mount}/namespace"])[0] == "default"
    ca = cluster.get("cm", "kube-root-ca.crt")["data"]["ca.crt"]
    assert k.exec("default", "sa", None, ["cat", f"{mount}/ca.crt"])[0] == ca
    token = k.exec("default", "sa", None, ["cat", f"{mount}/token"])[0]
    header, body, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert claims["sub"] == "system:serviceaccount:default:default"
    assert claims["kubernetes.io"]["pod"]["name"] == "sa"
    assert claims["exp"] - claims["iat"] == 3607


def test_sub_path(cluster):
    setup_objects(cluster)
    cluster.create(pod("sp", [container(command=["sleep", "3600"], volumeMounts=[
        {"name": "cfg", "mountPath": "/etc/level", "subPath": "SPECIAL_LEVEL"}])],
        volumes=[{"name": "cfg", "configMap": {"name": "special-config"}}]))
    cluster.run(5)
    assert kubelet(cluster).exec("default", "sp", None, ["cat", "/etc/level"])[0] == "very"
