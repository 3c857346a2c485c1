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
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0 if args.command is None else 2
    return func(args)
