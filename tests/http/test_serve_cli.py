"""``kube-lab serve``: starts a cluster, writes a kubeconfig, prints how to use it, and stops
cleanly on Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import yaml


def test_kube_lab_serve_prints_the_kubeconfig_export_and_stops_on_interrupt(tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "kube_lab", "serve", "--nodes", "1", "--seed", "3",
                             "--port", "0", "--speed", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        exports = [line for line in lines if line.startswith("export KUBECONFIG=")]
        if not exports:
            proc.kill()
            raise AssertionError(f"no export line; stdout={lines!r} stderr={proc.communicate()[1]!r}")
        export = exports[0]
        path = export.split("=", 1)[1]
        assert path == str(tmp_path / ".kube-lab" / "kubeconfig") and os.path.isabs(path)
        with open(path) as f:
            cfg = yaml.safe_load(f)
        assert cfg["current-context"] == "kube-lab"
        server = cfg["clusters"][0]["cluster"]["server"]
        assert server.startswith("https://127.0.0.1:")
        assert lines[0].startswith(f"kube-lab: serving the simulated cluster 'kind' (1 worker node, seed 3) at {server}")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.strip().endswith("kube-lab: stopped.")
