"""Parsing of command-line parameters (-p NAME=VALUE, --pn NODE:NAME=VALUE, -o OPTION=VALUE)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Tuple

from ..errors import EwoksError
from ..nesting import MAX_NESTING, too_deep


def parse_value(text: str, option: str = "-p") -> Any:
    """JSON if it parses (numbers, true/false/null, lists, dicts, quoted strings), else the string itself."""
    try:
        value = json.loads(text)
        deep = too_deep(value) is not None
    except (json.JSONDecodeError, ValueError):
        return text
    except RecursionError:
        deep = True
    if deep:
        raise EwoksError(f"{option} value is nested deeper than {MAX_NESTING} levels", field=option,
                         hint="Pass deep data in a file and give its path.")
    return value


def split_assignment(text: str, option: str) -> Tuple[Any, Any]:
    """'NAME=VALUE' -> (NAME, parsed VALUE); a NAME of digits is a positional input (int)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise EwoksError(f"{option} {text!r} is not NAME=VALUE", field=option)
    return (int(name) if name.isdigit() else name), parse_value(value, option)


def workflow_inputs(start: Sequence[str], per_node: Sequence[str], every: Sequence[str]) -> List[dict]:
    """ewoks' inputs list from -p (start nodes), --pn NODE:NAME=VALUE and --pa (all nodes)."""
    inputs: List[dict] = []
    for text in start:
        name, value = split_assignment(text, "-p")
        inputs.append({"name": name, "value": value})
    for text in per_node:
        node, sep, rest = text.partition(":")
        if not sep:
            raise EwoksError(f"--pn {text!r} is not NODE:NAME=VALUE", field="--pn")
        name, value = split_assignment(rest, "--pn")
        inputs.append({"id": parse_node_id(node), "name": name, "value": value})
    for text in every:
        name, value = split_assignment(text, "--pa")
        inputs.append({"name": name, "value": value, "all": True})
    return inputs


def parse_node_id(text: str) -> Any:
    """Node ids on the command line, as `ewoks show` prints them: 'a', '3' or 'sub/a' (a node of a
    sub-graph). Kept as text: the graph matches it against its ids and their printed form."""
    return text.strip()


def engine_options(texts: Sequence[str]) -> Dict[str, Any]:
    """-o OPTION=VALUE pairs as a dict."""
    options = {}
    for text in texts:
        name, value = split_assignment(text, "-o")
        options[str(name)] = value
    return options


def add_workflow_arguments(parser: Any, engine_help: str = "engine name (default: sequential)") -> None:
    """The arguments that say what to run, shared by `ewoks execute` and `ewoks submit`:
    the workflow file, its inputs (-p, --pn, --pa), the engine and its options (-o)."""
    parser.add_argument("workflow", help="workflow file (.json/.yaml)")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="input of the start nodes (value parsed as JSON, else string)")
    parser.add_argument("--pn", "-pn", action="append", default=[], metavar="NODE:NAME=VALUE",
                        help="input of one node")
    parser.add_argument("--pa", "-pa", action="append", default=[], metavar="NAME=VALUE", help="input of every node")
    parser.add_argument("--engine", default=None, help=engine_help)
    parser.add_argument("-o", "--option", action="append", default=[], metavar="OPTION=VALUE", help="engine option")
