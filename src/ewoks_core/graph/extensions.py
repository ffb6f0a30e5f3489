"""Extensions of the ewoks format: a graph declares what it uses, a reader refuses what it does not know.

A document that uses an extension says so in its graph attributes, with the extension's version:
`"extensions": {"stream": "1.0"}`. A reader refuses, by name, an extension or a version it does
not know, and a document that uses an extension's section (e.g. `graph.stream`) without declaring it.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from ..errors import GraphFormatError, did_you_mean

# extension name -> (versions this reader understands, the graph attribute holding its section)
KNOWN: Dict[str, Tuple[Tuple[str, ...], str]] = {"stream": (("1.0",), "stream")}


def check_extensions(graph: Any, source: Optional[str]) -> None:
    """Refuse unknown extensions or versions, and undeclared extension sections, with one clear line."""
    if not isinstance(graph, dict):
        return
    declared = graph.get("extensions")
    if declared is None:
        declared = {}
    if not isinstance(declared, dict):
        raise GraphFormatError("'extensions' must map extension names to versions, e.g. {\"stream\": \"1.0\"}",
                               source=source, field="graph.extensions")
    for name, version in declared.items():
        if name not in KNOWN:
            raise GraphFormatError(
                f"the workflow uses extension {name!r} (version {version}), which this ewoks_core does not know."
                f"{did_you_mean(str(name), KNOWN)}", source=source, field=f"graph.extensions.{name}",
                hint=f"Known extensions: {', '.join(sorted(KNOWN))}; upgrade ewoks_core to run it.")
        versions = KNOWN[name][0]
        if str(version) not in versions:
            raise GraphFormatError(
                f"extension {name!r} version {version!r} is not supported (this ewoks_core reads "
                f"{', '.join(versions)})", source=source, field=f"graph.extensions.{name}",
                hint="Upgrade ewoks_core, or write the workflow with a supported version.")
    for name, (versions, section) in KNOWN.items():
        if section in graph and name not in declared:
            raise GraphFormatError(
                f"graph.{section} is the section of extension {name!r}, which the workflow does not declare",
                source=source, field="graph.extensions",
                hint=f"Add \"extensions\": {{\"{name}\": \"{versions[-1]}\"}} to the graph attributes.")
