"""Fixtures for the HTTP interop tests: a cluster served on a free port, a raw HTTPS client,
and a runner for the real ``kubectl`` (tests that need it skip when no binary is on PATH)."""
from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
from dataclasses import dataclass

import pytest

from kube_lab import Cluster

KUBECTL = shutil.which("kubectl")


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


class Lab:
    """A served cluster plus helpers to talk to it."""

    def __init__(self, cluster: Cluster, server, tmp):
        self.cluster = cluster
        self.server = server
        self.tmp = tmp

    def connection(self, timeout: float = 30.0) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.server.port, timeout=timeout,
                                           context=self.server.ssl_context())

    def request(self, method: str, path: str, body=None, headers: dict | None = None, token: bool = True,
                timeout: float = 30.0) -> Response:
        conn = self.connection(timeout)
        hdrs = dict(headers or {})
        if token:
            hdrs.setdefault("Authorization", f"Bearer {self.server.token}")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    def kubectl(self, *args: str, stdin: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
        if KUBECTL is None:
            pytest.skip("no kubectl binary on PATH: the real-kubectl interop tests need one")
        env = dict(os.environ, KUBECONFIG=self.server.kubeconfig_path, HOME=str(self.tmp))
        return subprocess.run([KUBECTL, f"--cache-dir={self.tmp}/kube-cache", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=timeout)

    def paused(self):
        return self.server.paused()


def start_lab(tmp, start_time: float | None = None, **serve_kw) -> Lab:
    tmp.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(nodes=2, seed=0, start_time=start_time)
    server = cluster.serve(kubeconfig=str(tmp / "kubeconfig"), **serve_kw)
    return Lab(cluster, server, tmp)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = start_lab(tmp_path_factory.mktemp("kube-lab-http"))
    yield lab
    lab.server.stop()


def seed_manifests() -> str:
    """The wordpress-mysql manifests quoted in the course seed (Service, PVC, Deployment)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "..", "shared", "seeds", "000_fd8d73033f8437c3.txt")
    if not os.path.exists(path):
        pytest.skip("the course seed (../shared/seeds) is not available")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("apiVersion: v1\nkind: Service\nmetadata:\n  name: wordpress-mysql")
    end = text.index("\nexample\n", start)
    return text[start:end].strip() + "\n"


@pytest.fixture
def make_lab(tmp_path):
    """A factory for a private served cluster (``make_lab(speed=50)``), stopped after the test."""
    labs: list[Lab] = []

    def make(**serve_kw) -> Lab:
        lab = start_lab(tmp_path / f"lab{len(labs)}", **serve_kw)
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.server.stop()


@pytest.fixture
def seed_text():
    return seed_manifests()
