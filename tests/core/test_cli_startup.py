"""`ewoks execute` starts fast: the plain path imports no pydantic, networkx, numpy, entry-point metadata
or plug-in, and core commands build no plug-in parser; plug-in commands still work and are listed."""

import json
import subprocess
import sys

import pytest

from ewoks_core.cli.main import build_parser, command_named, main

HEAVY = ["pydantic", "networkx", "numpy", "h5py", "yaml", "dask", "celery", "pypushflow", "importlib.metadata",
         "ewoks_celery", "ewoks_dask", "ewoks_ppf", "ewoks_orange", "ewoks_server"]
ONE_NODE = {"graph": {"id": "one", "label": "one node"}, "links": [], "nodes": [
    {"id": "a", "task_type": "class", "task_identifier": "ewoks_core.testing.tasks.Noop",
     "default_inputs": [{"name": "value", "value": 1}]}]}


def test_plain_execute_imports_no_heavy_module(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(ONE_NODE))
    code = ("import sys, json\nfrom ewoks_core.cli.main import main\n"
            f"code = main(['execute', {str(path)!r}, '--json', '-o', 'timeout=30', '-o', 'max_iterations=5'])\n"
            f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results, (code, loaded) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert results == {"value": 1} and code == 0
    assert loaded == []


def test_a_document_the_pre_check_does_not_accept_still_gets_the_models_error(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**ONE_NODE, "graph": {"id": "one", "input_nodes": [{"id": "in"}]}}))
    assert main(["execute", str(path)]) == 2
    assert "graph.input_nodes.0.node" in capsys.readouterr().err


def test_core_commands_build_no_plugin_parser():
    choices = build_parser("execute")._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert "execute" in choices and "worker" not in choices and "cluster" not in choices
    everything = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"execute", "worker", "submit", "cluster", "serve"} <= set(everything)


@pytest.mark.parametrize("argv, command", [(["execute", "x"], "execute"), (["-v", "show", "x"], "show"),
                                           (["--verb", "worker"], "worker"), (["--help"], None), ([], None),
                                           (["-h", "execute"], None), (["cluster", "start"], "cluster")])
def test_command_named(argv, command):
    assert command_named(argv) == command


def test_help_lists_plugin_commands_and_they_run(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for command in ("execute", "show", "engines", "worker", "submit", "jobs", "cluster", "serve"):
        assert command in out, command
    for command in ("worker", "cluster"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0 and f"usage: ewoks {command}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["nosuchcommand"])
    assert exit_.value.code == 2 and "'worker'" in capsys.readouterr().err  # the choices include plug-ins


def test_entry_points_read_from_the_folders_are_importlib_metadatas():
    """In a fresh process (other tests may put a zip file or a finder on the path: then importlib.metadata
    reads them, see the next test) the folders are read, with importlib.metadata's result."""
    code = ("import json\nfrom importlib.metadata import entry_points\nfrom ewoks_core.plugins import _from_folders\n"
            "groups = ['ewoks.cli', 'ewoks.engines', 'ewoks.demo_data', 'ewoks.submitters', 'console_scripts']\n"
            "print(json.dumps([[_from_folders(g), [[ep.name, ep.value] for ep in entry_points(group=g)]] "
            "for g in groups]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for fast, metadata in json.loads(proc.stdout):
        assert fast is not None and fast == metadata


def test_targets_are_importlib_metadatas_here():
    from importlib.metadata import entry_points

    from ewoks_core.plugins import targets

    for group in ("ewoks.cli", "ewoks.engines", "ewoks.demo_data", "ewoks.submitters"):
        assert targets(group) == {ep.name: ep.value for ep in entry_points(group=group)}, group
