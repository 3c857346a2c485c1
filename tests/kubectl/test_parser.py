"""kubectl's command line: pflag semantics, cobra's command lookup and suggestions, global flags,
error texts and exit codes."""
from __future__ import annotations

import pytest

from kube_lab import Cluster
from kube_lab.kubectl import Kubectl
from kube_lab.kubectl.parser import Command, CommandError, Flag, FlagError, parse_go_duration, parse_go_int, \
    split_command_line


@pytest.fixture(scope="module")
def k():
    return Kubectl(Cluster(nodes=1, network_addons=False))


def cmd() -> Command:
    root = Command("kubectl", flags=[Flag("namespace", "n", persistent=True)])
    c = Command("get", run=lambda inv: 0, flags=[Flag("output", "o"), Flag("watch", "w", "bool"),
                                                  Flag("all-namespaces", "A", "bool"), Flag("replicas", type="int"),
                                                  Flag("label-columns", "L", "stringSlice"),
                                                  Flag("env", type="stringArray"), Flag("timeout", type="duration")])
    root.add(c)
    return c


def test_pflag_forms():
    p = cmd().parse(["pods", "-o", "wide", "-n=kube-system", "-wA", "--replicas=0x10", "-Lapp,tier", "-L", "x",
                     "--env", "A=1,B=2", "--env=C", "--timeout", "1m30s", "web"])
    assert p.args == ["pods", "web"]
    assert p["output"] == "wide" and p["namespace"] == "kube-system"
    assert p["watch"] is True and p["all-namespaces"] is True
    assert p["replicas"] == 16
    assert p["label-columns"] == ["app", "tier", "x"]     # stringSlice: CSV, accumulated
    assert p["env"] == ["A=1,B=2", "C"]                    # stringArray: taken as is
    assert p["timeout"] == 90.0
    assert p.given("output") and not p.given("replicas") is False


def test_double_dash_ends_flags():
    p = cmd().parse(["pod", "--", "-o", "x"])
    assert p.args == ["pod", "-o", "x"] and p.dash_at == 1
    assert p["output"] == ""


@pytest.mark.parametrize("args,message", [
    (["--bogus"], "unknown flag: --bogus"),
    (["-z"], "unknown shorthand flag: 'z' in -z"),
    (["-o"], "flag needs an argument: 'o' in -o"),
    (["--output"], "flag needs an argument: --output"),
    (["--replicas=abc"], 'invalid argument "abc" for "--replicas" flag: strconv.ParseInt: parsing "abc": invalid syntax'),
    (["--watch=maybe"], 'invalid argument "maybe" for "-w, --watch" flag: strconv.ParseBool: parsing "maybe": invalid syntax'),
    (["--timeout=5"], 'invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"'),
    (["---x"], "bad flag syntax: ---x"),
])
def test_pflag_errors(args, message):
    with pytest.raises(FlagError) as e:
        cmd().parse(args)
    assert str(e.value) == message


def test_go_number_parsing():
    assert parse_go_int("0x1f") == 31 and parse_go_int("017") == 15 and parse_go_int("-0b101") == -5
    with pytest.raises(ValueError, match="value out of range"):
        parse_go_int("2147483648", 32)
    assert parse_go_duration("1h2m3.5s") == 3723.5 and parse_go_duration("250ms") == 0.25
    with pytest.raises(ValueError, match='unknown unit "x"'):
        parse_go_duration("3x")


def test_split_command_line():
    assert split_command_line("kubectl get pods -o 'jsonpath={.items[*].metadata.name}'") == [
        "get", "pods", "-o", "jsonpath={.items[*].metadata.name}"]
    with pytest.raises(CommandError):
        split_command_line("get 'unterminated")


def test_unknown_command_with_suggestions(k):
    r = k.run("gte pods")
    assert (r.stderr, r.exit_code) == ('error: unknown command "gte" for "kubectl"\n\nDid you mean this?\n\tget\n', 1)
    assert k.run("crate").stderr.endswith("Did you mean this?\n\tcreate\n")
    r = k.run("frobnicate")
    assert r.stderr == 'error: unknown command "frobnicate" for "kubectl"\n'
    r = k.run("rollout frob deploy/x")
    assert r.stderr == "error: unknown command \"frob deploy/x\"\nSee 'kubectl rollout -h' for help and examples\n"


def test_flag_error_exit_code_and_hint(k):
    r = k.run("get pods --bogus")
    assert (r.stderr, r.exit_code) == ("error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n", 1)
    r = k.run("diff --bogus")          # kubectl diff exits 2 on its own errors
    assert (r.stderr, r.exit_code) == ("error: unknown flag: --bogus\nSee 'kubectl diff -h' for help and examples\n", 2)


def test_global_namespace_and_context_flags(k):
    assert k.run("get pods -n kube-system").stderr == "No resources found in kube-system namespace.\n"
    assert k.run("--namespace=kube-public get pods").stderr == "No resources found in kube-public namespace.\n"
    r = k.run("get pods --context=nope")
    assert (r.stderr, r.exit_code) == ('error: context "nope" does not exist\n', 1)
    assert k.run("get pods --context=kind-kind").exit_code == 0


def test_help_is_printed_for_command_groups(k):
    r = k.run("rollout")       # help, then kubectl's ErrExit: exit code 1
    assert r.exit_code == 1 and "Available Commands:" in r.stdout and "  undo        Undo a previous rollout" in r.stdout
    assert k.run("get --help").exit_code == 0


def test_unsupported_commands_say_why(k):
    r = k.run("edit deploy web")
    assert r.exit_code == 1 and r.stderr.startswith("error: kubectl edit is not available in kube-lab: ")
