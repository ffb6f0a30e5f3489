"""Parsing of command-line parameters (-p NAME=VALUE, --pn NODE:NAME=VALUE, -o OPTION=VALUE)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Tuple

from ..errors import EwoksError


def parse_value(text: str) -> Any:
    """JSON if it parses (numbers, true/false/null, lists, dicts, quoted strings), else the string itself."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text


def split_assignment(text: str, option: str) -> Tuple[str, Any]:
    """'NAME=VALUE' -> (NAME, parsed VALUE)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise EwoksError(f"{option} {text!r} is not NAME=VALUE", field=option)
    return name.strip(), parse_value(value)


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
    """Node ids on the command line: 'a', '3' (int) or 'sub/a' (flattened sub-graph node)."""
    if "/" in text:
        return tuple(parse_node_id(part) for part in text.split("/"))
    value = parse_value(text)
    return value if isinstance(value, (int, str)) else text


def engine_options(texts: Sequence[str]) -> Dict[str, Any]:
    """-o OPTION=VALUE pairs as a dict."""
    return dict(split_assignment(text, "-o") for text in texts)
