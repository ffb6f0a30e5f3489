"""Orange schemes <-> ewoks documents, through the .ows format of ewoks_core.graph.ows.

A scheme is written with Orange's own writer and read with ewoks_core's reader (and back: ewoks_core
writes, Orange loads), so the canvas, `ewoks convert` and `ewoks execute` share one representation.
"""

from __future__ import annotations

import io
import re
from typing import Any, Dict, List, Tuple
from xml.etree import ElementTree as ET

from ewoks_core.graph.ows import NODE_KEY, parse_ows, write_ows


def scheme_document(scheme: Any, source: str = "<canvas>") -> Tuple[dict, List[Any]]:
    """The ewoks document of a scheme, and its SchemeNodes in the order of the document's nodes.
    Nodes without an ewoks id get one here (from their widget's name), kept in their settings."""
    assign_node_ids(scheme)
    buffer = io.BytesIO()
    scheme.save_to(buffer, pretty=False)  # syncs the widgets' settings into the node properties
    return parse_ows(buffer.getvalue().decode("utf-8"), source), list(scheme.nodes)


def document_stream(doc: dict) -> io.BytesIO:
    """An .ows stream of an ewoks document, for Orange's scheme loading."""
    return io.BytesIO(write_ows(doc).encode("utf-8"))


def widget_names(stream: io.BytesIO) -> List[str]:
    """The widget qualified names an .ows stream uses (the stream is rewound)."""
    position = stream.tell()
    names = [el.get("qualified_name", "") for el in ET.parse(stream).getroot().iterfind("nodes/node")]
    stream.seek(position)
    return names


def link_channels(stream: io.BytesIO) -> List[tuple]:
    """(source widget, output channel, sink widget, input channel) of every link of an .ows stream (rewound)."""
    position = stream.tell()
    root = ET.parse(stream).getroot()
    stream.seek(position)
    widgets = {el.get("id"): el.get("qualified_name", "") for el in root.iterfind("nodes/node")}
    return [(widgets.get(el.get("source_node_id"), ""), el.get("source_channel", ""),
             widgets.get(el.get("sink_node_id"), ""), el.get("sink_channel", "")) for el in root.iterfind("links/link")]


def assign_node_ids(scheme: Any) -> None:
    """Give every node without an ewoks node id a unique one, saved in its widget's settings."""
    widgets = getattr(scheme, "widget_for_node", None)
    used = set()
    missing = []
    for node in scheme.nodes:
        info = _node_info(node, widgets)
        if info.get("id") is None or info["id"] in used:
            missing.append(node)
        else:
            used.add(info["id"])
    for node in missing:
        base = re.sub(r"\W+", "_", node.description.name).strip("_") or "node"
        node_id, n = base, 1
        while node_id in used:
            n += 1
            node_id = f"{base}_{n}"
        used.add(node_id)
        _set_node_id(node, node_id, widgets)


def _node_info(node: Any, widgets: Any) -> Dict[str, Any]:
    widget = widgets(node) if widgets is not None else None
    if widget is not None and hasattr(widget, NODE_KEY):
        return dict(getattr(widget, NODE_KEY))
    return dict((node.properties or {}).get(NODE_KEY) or {})


def _set_node_id(node: Any, node_id: str, widgets: Any) -> None:
    widget = widgets(node) if widgets is not None else None
    if widget is not None and hasattr(widget, NODE_KEY):
        setattr(widget, NODE_KEY, {**getattr(widget, NODE_KEY), "id": node_id})
    properties = dict(node.properties or {})
    properties[NODE_KEY] = {**(properties.get(NODE_KEY) or {}), "id": node_id}
    node.properties = properties
