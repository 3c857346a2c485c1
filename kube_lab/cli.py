"""The ``kube-lab`` command.  Sub-commands arrive with the issues that need them (``serve``,
``kubectl``, ``grade`` …); ``version`` and ``etcd`` exist from the start."""
from __future__ import annotations

import argparse
import json
import sys

from . import __version__


def _cmd_version(args: argparse.Namespace) -> int:
    print(f"kube-lab {__version__} (simulating Kubernetes v1.32)")
    return 0


def _cmd_etcd_snapshot_status(args: argparse.Namespace) -> int:
    from .controlplane.etcd import Etcd

    try:
        store = Etcd.snapshot_restore(args.file)
    except (OSError, ValueError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    keys = store.keys()
    if args.write_out == "json":
        print(json.dumps({"revision": store.revision, "totalKey": len(keys)}))
    else:
        print(f"revision: {store.revision}\ntotal keys: {len(keys)}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """``kube-lab serve``: a simulated cluster behind a real HTTP API, for the real kubectl."""
    import os
    import signal
    import threading
    import time

    from .cluster import Cluster

    done = threading.Event()        # Ctrl-C / SIGTERM at any moment from here on stops cleanly

    def _stop(signum, frame):
        done.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = None
    try:
        # Served to real clients, virtual time starts at the wall clock's now: kubectl computes
        # some ages itself (describe's events) from its own clock.
        cluster = Cluster(nodes=args.nodes, seed=args.seed, start_time=float(int(time.time())))
        path = os.path.abspath(args.kubeconfig or os.path.join(os.getcwd(), ".kube-lab", "kubeconfig"))
        try:
            server = cluster.serve(port=args.port, host=args.host, speed=args.speed, kubeconfig=path)
        except OSError as e:
            print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
            return 1
        workers = f"{args.nodes} worker node" + ("" if args.nodes == 1 else "s")
        print(f"kube-lab: serving the simulated cluster {cluster.name!r} ({workers}, seed {args.seed}) at "
              f"{server.url}, virtual time x{args.speed:g}")
        print(f"kubeconfig written to {path}; to use it:")
        print(f"export KUBECONFIG={path}")
        print("Press Ctrl-C to stop.", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        if server is not None:
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("kube-lab: stopped.", flush=True)
    return 0


KUBECTL_HELP = """usage: kube-lab kubectl [--state FILE] [--nodes N] [--seed S] [--no-settle] KUBECTL-ARGS...

Run one kubectl command against a simulated cluster kept in a state file.

The state file (default ./.kube-lab/state.snapshot) is an etcd snapshot of the cluster: when it
does not exist a new cluster (--nodes workers, --seed) is created; otherwise the cluster is
restored from it (Cluster.restore: every object comes back; the nodes' machines boot afresh, so
running containers start again) and left to settle.  After the command the cluster is left to settle for up to a
minute of virtual time (--no-settle: not at all), as if you waited before typing the next
command, and the state is saved back.  The kubeconfig (current context and namespace, changed
by `kubectl config set-context --current --namespace=...`) is kept next to it in
FILE.kubeconfig.json.  The exit code is kubectl's.

  kube-lab kubectl create deployment web --image=nginx
  kube-lab kubectl get pods -o wide
  echo '...' | kube-lab kubectl apply -f -
"""


def _cmd_kubectl(argv: list[str]) -> int:
    """``kube-lab kubectl …``: kube-lab's kubectl against a cluster kept in a state file."""
    import os

    state = os.path.join(".kube-lab", "state.snapshot")
    nodes, seed, settle = 3, 0, True
    rest = list(argv)
    while rest and rest[0].startswith("--") and rest[0].split("=", 1)[0] in ("--state", "--nodes", "--seed",
                                                                              "--no-settle", "--help"):
        opt = rest.pop(0)
        name, eq, value = opt.partition("=")
        if name == "--help":
            print(KUBECTL_HELP, end="")
            return 0
        if name == "--no-settle":
            settle = False
            continue
        if not eq:
            if not rest:
                print(f"kube-lab kubectl: {name} needs a value", file=sys.stderr)
                return 2
            value = rest.pop(0)
        if name == "--state":
            state = value
        else:
            try:
                number = int(value)
            except ValueError:
                print(f"kube-lab kubectl: {name} needs a number, not {value!r}", file=sys.stderr)
                return 2
            if name == "--nodes":
                nodes = number
            else:
                seed = number
    if rest and rest[0] == "--":
        rest = rest[1:]
    from .cluster import Cluster
    from .kubectl import Kubectl, KubeConfig

    sidecar = state + ".kubeconfig.json"
    meta: dict = {}
    if os.path.exists(sidecar):
        try:
            with open(sidecar, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            meta = {}
    runs = int(meta.get("runs", 0)) + 1
    if os.path.exists(state):
        try:
            # a fresh random stream for every run, so that generated names do not repeat
            cluster = Cluster.restore(state, seed=int(meta.get("seed", seed)) * 1000003 + runs)
        except (OSError, ValueError) as e:
            print(f"kube-lab kubectl: cannot restore {state}: {e}", file=sys.stderr)
            return 1
        if settle:
            try:
                cluster.settle(timeout=60.0)     # the restored nodes' kubelets start again
            except TimeoutError:
                pass
    else:
        cluster = Cluster(nodes=nodes, seed=seed)
        meta["seed"] = seed
    kubeconfig = KubeConfig.from_state(meta["kubeconfig"]) if meta.get("kubeconfig") else None
    kubectl = Kubectl(cluster, kubeconfig)
    stdin = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    result = kubectl.run(rest, stdin=stdin)
    for stream, text in result.chunks:
        target = sys.stdout if stream == "stdout" else sys.stderr
        target.write(text)
        target.flush()
    if settle:
        try:
            cluster.settle(timeout=60.0)
        except TimeoutError:
            pass
    directory = os.path.dirname(os.path.abspath(state))
    os.makedirs(directory, exist_ok=True)
    cluster.snapshot_save(state)
    meta.update(runs=runs, kubeconfig=kubectl.kubeconfig.to_state())
    with open(sidecar, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return result.exit_code


def _cmd_course_release(args: argparse.Namespace) -> int:
    """``kube-lab course release``: write exercises/ from solutions/."""
    from .course.release import ReleaseError, release

    try:
        written = release(args.solutions, args.exercises)
    except (OSError, ReleaseError) as e:
        print(f"kube-lab course release: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_course_execute(args: argparse.Namespace) -> int:
    """``kube-lab course execute NOTEBOOK…``: run notebooks in fresh kernels, save the outputs."""
    from .course.build import main as execute_main

    return execute_main(args.notebooks)


def _cmd_grade(args: argparse.Namespace) -> int:
    """``kube-lab grade SUBMISSION.ipynb … [--csv report.csv]``."""
    from .course.grader import main as grade_main

    return grade_main(args.submissions, csv_path=args.csv, timeout=args.timeout, feedback=args.feedback)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kube-lab", description="A Kubernetes course with a simulated cluster.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    v = sub.add_parser("version", help="print the version")
    v.set_defaults(func=_cmd_version)
    etcd = sub.add_parser("etcd", help="inspect etcd snapshot files")
    etcd_sub = etcd.add_subparsers(dest="etcd_command", metavar="COMMAND")
    st = etcd_sub.add_parser("snapshot-status", help="show a snapshot's revision and key count")
    st.add_argument("file")
    st.add_argument("-w", "--write-out", choices=("simple", "json"), default="simple")
    st.set_defaults(func=_cmd_etcd_snapshot_status)
    srv = sub.add_parser("serve", help="serve a simulated cluster's API over HTTP for the real kubectl")
    srv.add_argument("--nodes", type=int, default=3, help="worker nodes (default 3)")
    srv.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    srv.add_argument("--speed", type=float, default=1.0,
                     help="virtual seconds per wall-clock second (default 1)")
    srv.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument("--kubeconfig", default=None,
                     help="where to write the kubeconfig (default ./.kube-lab/kubeconfig)")
    srv.set_defaults(func=_cmd_serve)
    sub.add_parser("kubectl", help="run kubectl against a cluster kept in a state file "
                                   "(kube-lab kubectl --help)", add_help=False)
    course = sub.add_parser("course", help="course authoring: release exercises from solutions")
    course_sub = course.add_subparsers(dest="course_command", metavar="COMMAND")
    rel = course_sub.add_parser("release", help="write exercises/ from solutions/ (answers replaced by placeholders)")
    rel.add_argument("--solutions", default="solutions", help="solution notebooks (default ./solutions)")
    rel.add_argument("--exercises", default="exercises", help="where to write the exercises (default ./exercises)")
    rel.set_defaults(func=_cmd_course_release)
    exe = course_sub.add_parser("execute", help="run notebooks top to bottom in a fresh kernel and save their outputs")
    exe.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    exe.set_defaults(func=_cmd_course_execute)
    gr = sub.add_parser("grade", help="grade submitted notebooks, each in a fresh kernel")
    gr.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="notebooks or folders of notebooks")
    gr.add_argument("--csv", default=None, metavar="FILE", help="also write the scores to a CSV file")
    gr.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                    help="time limit for each notebook (default 120)")
    gr.add_argument("--feedback", action="store_true", help="also print every check's PASS/FAIL line and hint")
    gr.set_defaults(func=_cmd_grade)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "kubectl":
        return _cmd_kubectl(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else 2
    return func(args)
