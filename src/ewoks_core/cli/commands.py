"""Sub-commands of the `ewoks` CLI; each add_* registers one, each cmd_* runs it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import EventsLostError, EwoksError, name_list, node_label
from . import output, params


def add_execute(sub) -> None:
    p = sub.add_parser("execute", help="run a workflow and print its results")
    params.add_workflow_arguments(p)
    p.add_argument("--outputs", choices=["none", "end", "all"], default="end", help="which node outputs to return")
    p.add_argument("--merge-outputs", dest="merge_outputs", action=argparse_bool(), default=True,
                   help="merge the outputs of all selected nodes into one dict (default) or keep them per node")
    p.add_argument("--data-root-uri", default=None, help="persist node outputs here (folder or .h5 file)")
    p.add_argument("--data-scheme", choices=["json", "nexus"], default=None, help="persistence format")
    p.add_argument("--events", default=None, metavar="FILE", help="write events to FILE (.db/.sqlite or .jsonl)")
    p.add_argument("--job-id", default=None, help="job id of the events (default: random; must be new in FILE)")
    p.add_argument("--on-events-lost", choices=["raise", "fail", "warn"], default=None,
                   help="when events cannot be written: exit 1 after the run (raise, default), stop the run "
                        "(fail) or only warn")
    p.add_argument("--root-dir", default=None, help="folder to resolve sub-graph files from")
    p.add_argument("--json", action="store_true", help="print results as one JSON line, arrays in full")
    p.add_argument("--no-progress", action="store_true", help="no live progress line on a terminal")
    p.add_argument("--verbose", "-v", dest="verbose_cmd", action="store_true", help="show full tracebacks")
    p.set_defaults(func=cmd_execute)


def argparse_bool():
    import argparse

    return argparse.BooleanOptionalAction


def events_handler(path: str) -> dict:
    """The execinfo handler for an events file, by extension (checked before anything runs)."""
    suffix = Path(path).suffix.lower()
    if not path.startswith("redis://"):
        _check_writable_file(path)
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return {"class": "sqlite", "arguments": [{"name": "uri", "value": path}]}
    if suffix in (".jsonl", ".json", ".ndjson"):
        return {"class": "jsonl", "arguments": [{"name": "path", "value": path}]}
    if path.startswith("redis://"):
        return {"class": "redis", "arguments": [{"name": "url", "value": path}]}
    raise EwoksError(f"--events {path!r}: unknown format", field="--events",
                     hint="Use a .db/.sqlite file, a .jsonl file or a redis:// URL.")


def _check_writable_file(path: str) -> None:
    """Refuse an events file that could not be written: a folder, or a folder we cannot write in."""
    target = Path(path)
    if target.is_dir():
        raise EwoksError(f"--events {path!r} is a folder", field="--events", hint="Give a file name, e.g. events.db.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # the sink would create it too
        writable = os.access(target.parent, os.W_OK) and (not target.exists() or os.access(target, os.W_OK))
    except (OSError, ValueError) as e:
        raise EwoksError(f"--events {path!r} cannot be written: {getattr(e, 'strerror', None) or e}",
                         field="--events", hint="Choose a file in a folder you can write to.") from None
    if not writable:
        raise EwoksError(f"--events {path!r} cannot be written", field="--events",
                         hint="Choose a file in a folder you can write to.")


def cmd_execute(args) -> int:
    from ..api import execute_graph
    from ..graph import load_graph

    graph = load_graph(args.workflow, root_dir=args.root_dir)
    inputs = params.workflow_inputs(args.parameter, args.pn, args.pa)
    handlers: list = []
    if args.events:
        handlers.append(events_handler(args.events))
    progress = None
    if sys.stderr.isatty() and not args.no_progress and not args.json:
        from .progress import ConsoleProgress

        progress = ConsoleProgress(len(graph.nodes))
        handlers.append(progress)
    execinfo = {"job_id": args.job_id, "handlers": handlers, "on_events_lost": args.on_events_lost}
    varinfo = None
    if args.data_root_uri:
        varinfo = {"root_uri": args.data_root_uri}
        if args.data_scheme:
            varinfo["scheme"] = args.data_scheme
    outputs = {"none": [], "end": None, "all": [{"all": True}]}[args.outputs]
    try:
        results = execute_graph(graph, engine=args.engine, inputs=inputs, outputs=outputs,
                                merge_outputs=args.merge_outputs, varinfo=varinfo, execinfo=execinfo,
                                load_options={"root_dir": args.root_dir}, **params.engine_options(args.option))
    except EventsLostError as e:
        if e.results is not None:  # the workflow completed: its results are printed, then the error (exit 1)
            _print_results(e.results, args)
        raise
    finally:
        if progress is not None:
            progress.close()
    _print_results(results, args)
    return 0


def _print_results(results: dict, args) -> None:
    if not args.merge_outputs:
        results = {node_label(k): v for k, v in results.items()}
    output.print_results(results, args.json)


def add_convert(sub) -> None:
    p = sub.add_parser("convert", help="convert a workflow between JSON, YAML and Orange .ows (upgrading its schema)")
    p.add_argument("source", help="workflow file (.json/.yaml/.yml/.ows)")
    p.add_argument("destination", help="output file (.json/.yaml/.yml/.ows: the extension gives the format) "
                                       "or '-' for stdout")
    p.add_argument("--format", choices=["json", "yaml", "ows"], default=None, help="format for stdout (default json)")
    p.add_argument("--exclude-requirements", action="store_true",
                   help="do not record this environment's packages as the workflow's requirements")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args) -> int:
    from ..api import convert_graph

    save_requirements = not args.exclude_requirements
    if args.destination == "-":
        print(convert_graph(args.source, fmt=args.format or "json", save_requirements=save_requirements), end="")
    else:
        convert_graph(args.source, args.destination, fmt=args.format, save_requirements=save_requirements)
        print(f"wrote {args.destination}", file=sys.stderr)
    return 0


def add_show(sub) -> None:
    p = sub.add_parser("show", help="list nodes, links and inputs that nothing provides")
    p.add_argument("workflow")
    p.add_argument("--root-dir", default=None)
    p.set_defaults(func=cmd_show)


def cmd_show(args) -> int:
    from ..execution.validation import unconnected_inputs, undeclared_default_inputs
    from ..graph import compile_graph, load_graph
    from ..task.discovery import resolve_task_class

    compiled = compile_graph(load_graph(args.workflow, root_dir=args.root_dir))
    print(f"workflow {compiled.label!r}: {len(compiled.nodes)} nodes, {len(compiled.links)} links, "
          f"needs {', '.join(sorted(compiled.required_capabilities()))}")
    rows = []
    for nid, n in compiled.nodes.items():
        role = "start" if n.is_start else ("end" if nid in compiled.end_nodes else "")
        rows.append([node_label(nid), n.task_type, n.task_identifier or "", role,
                     ", ".join(f"{k}={v!r}"[:40] for k, v in n.default_inputs.items())])
    print(output.table(rows, ["node", "type", "task", "role", "default inputs"]))
    rows = []
    for link in compiled.links:
        kind = "on_error" if link.on_error else ("conditional" if link.conditions else "")
        mapping = "all" if link.map_all_data else ", ".join(f"{s}->{t}" for s, t in link.data_mapping)
        rows.append([node_label(link.source), node_label(link.target), mapping,
                     "required" if link.required else "optional", kind])
    print()
    print(output.table(rows, ["source", "target", "data", "required", "kind"]))
    classes, errors = {}, []
    for nid, n in compiled.nodes.items():
        try:
            classes[nid] = resolve_task_class(n.task_type, n.task_identifier, nid, n.spec.document)
        except EwoksError as e:
            errors.append(str(e))
    print()
    if errors:
        print("tasks that cannot be loaded:\n  " + "\n  ".join(errors))
    if not errors:
        missing = unconnected_inputs(compiled, classes)
        if missing:
            print("required inputs nothing provides (give them with -p/--pn):")
            for nid, names in missing.items():
                print(f"  {node_label(nid)}: {name_list(names, str)}")
        else:
            print("every required input is provided")
        unused = undeclared_default_inputs(compiled, classes)
        if unused:
            print("default inputs the tasks do not declare (never used):")
            for message in unused:
                print(f"  {message}")
    return 0


def add_tasks(sub) -> None:
    p = sub.add_parser("tasks", help="list the tasks of a module or package")
    p.add_argument("module")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tasks)


def cmd_tasks(args) -> int:
    from ..task.discovery import discover_tasks

    tasks = discover_tasks(args.module)
    if args.json:
        print(json.dumps(tasks, indent=2))
        return 0
    rows = [[t["task_identifier"], ", ".join(t["required_input_names"]), ", ".join(t["optional_input_names"]),
             ", ".join(t["output_names"])] for t in tasks]
    print(output.table(rows, ["task", "required inputs", "optional inputs", "outputs"]))
    return 0


def add_events(sub) -> None:
    p = sub.add_parser("events", help="print events of a file or Redis (filter, follow a live job)")
    p.add_argument("source", help="events file (.db/.jsonl) or redis:// URL")
    p.add_argument("--job", default=None, help="job id")
    p.add_argument("--node", default=None, help="node id")
    p.add_argument("--type", choices=["start", "end", "progress"], default=None)
    p.add_argument("--since", default=None, help="ISO time")
    p.add_argument("--follow", action="store_true",
                   help="wait for new events: until the job ends with --job, else until Ctrl-C (files only)")
    p.add_argument("--jobs", action="store_true", help="list jobs instead of events")
    p.set_defaults(func=cmd_events)


def cmd_events(args) -> int:
    from ..events import readers, table

    if args.jobs:
        print(table.format_jobs_table(readers.list_jobs(args.source)))
        return 0
    if args.follow:  # one job: until it ends; every job (files): until Ctrl-C
        print(table.format_event_line(None, header=True), flush=True)
        for event in readers.follow_events(args.source, job_id=args.job):
            print(table.format_event_line(event), flush=True)
        return 0
    events = readers.read_events(args.source, job_id=args.job, node_id=args.node, type=args.type, since=args.since)
    print(table.format_events_table(list(events)))
    return 0


def add_schema(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of workflow files")
    p.set_defaults(func=lambda args: print(json.dumps(__import__("ewoks_core.graph.models", fromlist=["x"])
                                                      .graph_json_schema(), indent=2)) or 0)


def add_engines(sub) -> None:
    p = sub.add_parser("engines", help="list installed engines and their capabilities")
    p.set_defaults(func=cmd_engines)


def cmd_engines(args) -> int:
    from ..engines.base import ALL_CAPABILITIES
    from ..engines.registry import list_engines

    rows = []
    for info in list_engines():
        caps = " ".join(c if c in info.capabilities else "-" * len(c) for c in ALL_CAPABILITIES) \
            if info.engine else ""
        rows.append([info.name, caps, info.description if info.engine else info.error])
    print(output.table(rows, ["engine", "capabilities", "description"]))
    return 0


def add_plugins(sub) -> None:
    """Sub-commands of installed bindings (dask cluster, celery worker/submit/...); missing ones are skipped."""
    from .plugins import add_plugin_commands

    add_plugin_commands(sub)


def _live_demo(args) -> int:
    """`ewoks demo-data --live`: the XRPD scan written at a frame rate (this process is the writer)."""
    from .plugins import live_demo_writers, load

    if args.rate <= 0 or args.nframes < 1:
        raise EwoksError("--rate must be > 0 and --nframes >= 1", field="--rate")
    writers = dict(live_demo_writers())
    try:
        live_demo = load(writers["xrpd"])
    except (KeyError, ImportError) as e:
        raise EwoksError(f"--live needs the XRPD library ({e})", field="--live",
                         hint="pip install 'ewoks_core[xrpd]'") from None
    try:
        live_demo(Path(args.directory).resolve() / "xrpd", rate=args.rate, nframes=args.nframes)
    except ValueError as e:  # the live scan exists: never written over
        raise EwoksError(str(e), field="directory", hint="Give another folder.") from None
    return 0


def add_demo_data(sub) -> None:
    p = sub.add_parser("demo-data", help="write the demo data sets of the installed task libraries")
    p.add_argument("directory", help="folder to write into (one sub-folder per library)")
    p.add_argument("--only", action="append", metavar="NAME", help="only this library (xrpd, xas); repeatable")
    p.add_argument("--live", action="store_true", help="write the XRPD scan while it is acquired (SWMR, at --rate "
                   "frames/s, end_time at the end), to try workflows/xrpd_online.json on it")
    p.add_argument("--rate", type=float, default=10.0, help="frames per second with --live (default 10)")
    p.add_argument("--nframes", type=int, default=20, help="frames of the live scan (default 20)")
    p.set_defaults(func=cmd_demo_data)


def cmd_demo_data(args) -> int:
    from .plugins import demo_data_generators, load

    if args.live:
        return _live_demo(args)
    generators = demo_data_generators()
    names = [name for name, _ in generators]
    for name in args.only or ():
        if name not in names:
            raise EwoksError(f"no demo data named {name!r}.", field="--only", hint=f"Known: {names}.")
    written, missing = {}, []
    for name, target in generators:
        if args.only and name not in args.only:
            continue
        try:
            generate = load(target)
            written[name] = generate(Path(args.directory).resolve() / name)
        except ImportError as e:
            missing.append(f"{name} ({e.name or e}): pip install 'ewoks_core[{name}]'")
        except ValueError as e:  # a file of the same name that the generator did not write is never replaced
            raise EwoksError(str(e), field="directory", hint="Give another folder.") from None
    print(json.dumps(written, indent=2, default=str))
    for line in missing:
        print(f"skipped {line}", file=sys.stderr)
    if not written:
        raise EwoksError("no demo data written: the task libraries are not installed.", field="demo-data",
                         hint="Install one, e.g. pip install 'ewoks_core[xrpd]'.")
    return 0
