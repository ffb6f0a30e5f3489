"""Orange workflow files (`.ows`, Orange scheme XML 2.0) <-> ewoks node-link documents (stdlib only).

Layout of the files written here (read by Orange's canvas, by ewoksorange and by `read_ows`)::

    <scheme version="2.0" title="GRAPH ID" description="LABEL, or JSON {description, graph}">
      <nodes>  one <node id=INDEX name=WIDGET qualified_name=WIDGET CLASS title=LABEL position="(x, y)"/> a node
      <links>  one <link source_channel=OUTPUT sink_channel=INPUT .../> per data_mapping item
      <annotations>  text/arrow annotations (graph attribute ows.annotations, as ewoksorange)
      <node_properties>  one <properties node_id=INDEX format="literal">{...}</properties> a node:
          '_ewoks_default_inputs': {name: value}       (the widget's settings, as ewoksorange)
          '_ewoks_node': {'id', 'task_type', 'task_identifier', other node attributes}
          '_ewoks_links': [{'source': NODE ID, link attributes}]   (incoming links: conditions, on_error, ...)

Every ewoks link is one or more Orange links between the same two nodes: one per data_mapping item,
named after the task's output and input (an int input is its number), plus the channels of links
without names: ``(all outputs)`` (source_output null, map_all_data, links that only trigger),
``(all inputs)`` (map_all_data) and ``(trigger)`` (no data). Link attributes Orange cannot hold sit
in the properties of the link's target node, which Orange keeps as the widget's settings.

Files that ewoksorange wrote have no '_ewoks_node': their widget classes give the task (the class's
`ewokstaskclass`) and map Orange channel names to ewoks names, as ewoksorange does (`ows_widgets`).
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any, Dict, List, Optional, Tuple
from xml.etree import ElementTree as ET

from ..errors import GraphFormatError, node_label

OWS_SUFFIXES = (".ows",)
ALL_OUTPUTS = "(all outputs)"
ALL_INPUTS = "(all inputs)"
TRIGGER = "(trigger)"
PROJECT_NAME = "ewoks_core"  # the distribution whose entry points register the widgets named here
# Widget classes of the tasks, one importable name per task (ewoks_orange resolves them)
WIDGET_PACKAGES = {"class": "ewoks_orange.task_widgets", "method": "ewoks_orange.method_widgets",
                   "ppfmethod": "ewoks_orange.ppfmethod_widgets"}
GENERIC_WIDGETS = "ewoks_orange.generic_widgets"  # other task types: a name to write, no widget
# ewoksorange's widgets of tasks that have none: the node's `name` is the task, channels are named after it
EWOKSORANGE_DEFAULT_WIDGETS = "orangecontrib.ewoksnowidget.widgets."
NODE_KEY, INPUTS_KEY, LINKS_KEY = "_ewoks_node", "_ewoks_default_inputs", "_ewoks_links"
_NODE_STANDARD = ("id", "label", "default_inputs", "ows")
_LINK_DATA = ("source", "target", "data_mapping", "map_all_data")
_GRAPH_STANDARD = ("id", "label", "schema_version", "ows")


# -- names -----------------------------------------------------------------------------------------
def widget_qualified_name(task_type: str, task_identifier: Optional[str]) -> str:
    """The importable name of the Orange widget class of a task (ewoks_orange generates it)."""
    package = WIDGET_PACKAGES.get(task_type)
    if package and task_identifier:
        return f"{package}.{task_identifier}"
    return f"{GENERIC_WIDGETS}.{task_type}"


def task_of_widget(qualified_name: str) -> Optional[Tuple[str, str]]:
    """(task_type, task_identifier) of a widget name made by `widget_qualified_name`, else None."""
    for task_type, package in WIDGET_PACKAGES.items():
        if qualified_name.startswith(package + "."):
            return task_type, qualified_name[len(package) + 1:]
    return None


def channel_to_input(name: str) -> Any:
    """An Orange input channel name as an ewoks input name (positional inputs are numbers)."""
    return int(name) if name.isdigit() else name


# -- reading ---------------------------------------------------------------------------------------
def parse_ows(text: str, source: str) -> dict:
    """The ewoks document of an .ows file's text."""
    try:
        root = ET.fromstring(text.encode("utf-8") if text.lstrip().startswith("<?xml") else text)
    except ET.ParseError as e:
        raise GraphFormatError(f"invalid .ows XML: {e}", source=source,
                               hint="An .ows file is the XML an Orange canvas saves.") from None
    if root.tag != "scheme":
        raise GraphFormatError(f"not an Orange workflow: the root element is <{root.tag}>, not <scheme>", source=source)
    version = root.get("version", "")
    if not version.startswith("2."):
        raise GraphFormatError(f"Orange scheme version {version!r} is not supported", source=source,
                               hint="Open and save it in a recent Orange canvas (scheme version 2.0).")
    properties = {el.get("node_id"): _properties(el, source) for el in root.iterfind("node_properties/properties")}
    graph = _graph_attributes(root, source)
    nodes, channels = [], {}
    used_ids: set = set()
    for el in root.iterfind("nodes/node"):
        node, names = _node(el, properties.get(el.get("id"), {}), source, used_ids)
        nodes.append(node)
        channels[el.get("id")] = (node, names)
    links = _links(root, channels, source)
    links += graph.pop("missing_links", [])  # ewoksorange keeps links without data there
    return {"directed": True, "multigraph": False, "graph": graph, "nodes": nodes, "links": links}


def _properties(el: ET.Element, source: str) -> dict:
    fmt, data = el.get("format", "literal"), el.get("data", "") if "data" in el.attrib else (el.text or "")
    where = f"node_properties of node {el.get('node_id')!r}"
    try:
        if fmt == "literal":
            value = ast.literal_eval(data) if data.strip() else {}
        elif fmt == "json":
            value = json.loads(data) if data.strip() else {}
        elif fmt == "pickle":
            raise GraphFormatError(f"{where} are saved with pickle, which is not read (it can run any code)",
                                   source=source, hint="Re-save the workflow from a canvas that writes 'literal' "
                                                       "properties, or set the default inputs again.")
        else:
            raise GraphFormatError(f"{where}: unknown format {fmt!r}", source=source)
    except (ValueError, SyntaxError, json.JSONDecodeError) as e:
        raise GraphFormatError(f"{where} cannot be read ({fmt}): {e}", source=source) from None
    if not isinstance(value, dict):
        raise GraphFormatError(f"{where} are a {type(value).__name__}, not a mapping", source=source)
    return value


def _graph_attributes(root: ET.Element, source: str) -> dict:
    title, description = root.get("title") or "", root.get("description") or ""
    graph: Dict[str, Any] = {}
    extra: Dict[str, Any] = {}
    if description.lstrip().startswith("{"):
        try:
            info = json.loads(description)
        except json.JSONDecodeError:
            info = None
        if isinstance(info, dict) and "description" in info:
            description = info.get("description") or ""
            extra = dict(info.get("graph") or {})
            if info.get("missing_links"):
                graph["missing_links"] = list(info["missing_links"])
    if title:
        graph["id"] = title
    if description:
        graph["label"] = description
    graph.update(extra)
    annotations = [a for a in (_annotation(el) for el in root.iterfind("annotations/*")) if a]
    if annotations:
        graph.setdefault("ows", {})["annotations"] = annotations
    return graph


def _annotation(el: ET.Element) -> Optional[dict]:
    if el.tag == "text":
        font: Dict[str, Any] = {}
        if el.get("font-family"):
            font["family"] = el.get("font-family")
        if el.get("font-size"):
            font["size"] = int(el.get("font-size", "0"))
        return {"id": el.get("id"), "type": "text",
                "params": {"geometry": list(_tuple(el.get("rect"), (0.0, 0.0, 20.0, 20.0))), "text": el.text or "",
                           "font": font, "content_type": el.get("type", "text/plain")}}
    if el.tag == "arrow":
        start, end = _tuple(el.get("start"), (0.0, 0.0)), _tuple(el.get("end"), (0.0, 0.0))
        return {"id": el.get("id"), "type": "arrow",
                "params": {"geometry": [list(start), list(end)], "color": el.get("fill", "red")}}
    return None


def _tuple(text: Optional[str], default: tuple) -> tuple:
    try:
        value = ast.literal_eval(text) if text else default
    except (ValueError, SyntaxError):
        return default
    return tuple(float(v) for v in value) if isinstance(value, (tuple, list)) else default


def _node(el: ET.Element, props: dict, source: str, used_ids: set) -> Tuple[dict, Any]:
    """The ewoks node of an Orange node, and how to name its channels (None: channel names are ewoks names)."""
    orange_id, title = el.get("id"), el.get("title") or ""
    qualified_name = el.get("qualified_name") or ""
    info = dict(props.get(NODE_KEY) or {})
    names = None
    if not info.get("task_type"):
        ours = task_of_widget(qualified_name)
        name = el.get("name") or ""
        if ours is not None:
            info["task_type"], info["task_identifier"] = ours
        elif qualified_name.startswith(EWOKSORANGE_DEFAULT_WIDGETS) and "." in name:
            info["task_type"], info["task_identifier"] = "class", name
        else:  # a widget of ewoksorange or of an add-on built on it: its class knows the task
            from .ows_widgets import widget_task

            found = widget_task(qualified_name, el.get("project_name") or "", orange_id, title, source)
            info["task_type"], info["task_identifier"], names = "class", found.task_identifier, found
    node_id = info.pop("id", None)
    if node_id is None:
        node_id = orange_id
    if node_id in used_ids:
        raise GraphFormatError(f"two nodes have the id {node_label(node_id)!r}", source=source,
                               hint="Rename one in the canvas (node properties '_ewoks_node').")
    used_ids.add(node_id)
    label = info.pop("label", None)
    node: Dict[str, Any] = {"id": node_id}
    if title and (label is not None or title != str(node_id)):
        node["label"] = title
    node.update(info)
    default_inputs = props.get(INPUTS_KEY) or {}
    if not isinstance(default_inputs, dict):
        raise GraphFormatError(f"node {node_label(node_id)!r}: '{INPUTS_KEY}' is not a mapping", source=source)
    if default_inputs:
        node["default_inputs"] = [{"name": k, "value": v} for k, v in default_inputs.items()]
    position = el.get("position")
    if position:
        node["ows"] = {**(node.get("ows") or {}), "position": position}
    node["_links_in"] = list(props.get(LINKS_KEY) or [])
    return node, names


def _links(root: ET.Element, channels: dict, source: str) -> List[dict]:
    by_pair: Dict[Tuple[str, str], dict] = {}
    for el in root.iterfind("links/link"):
        if el.get("enabled", "true") != "true":
            continue
        source_orange, sink_orange = el.get("source_node_id", ""), el.get("sink_node_id", "")
        if source_orange not in channels or sink_orange not in channels:
            raise GraphFormatError(f"link {el.get('id')!r} names a node that does not exist", source=source)
        (src, src_names), (dst, dst_names) = channels[source_orange], channels[sink_orange]
        out_name = el.get("source_channel") or ""
        in_name = el.get("sink_channel") or ""
        if src_names is not None:
            out_name = src_names.output_name(out_name)
        if dst_names is not None:
            in_name = dst_names.input_name(in_name)
        key = (source_orange, sink_orange)
        link = by_pair.get(key)
        if link is None:
            link = by_pair[key] = {"source": src["id"], "target": dst["id"]}
        if in_name == ALL_INPUTS:
            link["map_all_data"] = True
        elif in_name != TRIGGER:
            link.setdefault("data_mapping", []).append(
                {"source_output": None if out_name == ALL_OUTPUTS else out_name,
                 "target_input": channel_to_input(in_name)})
    links = list(by_pair.values())
    for _, (node, _) in channels.items():  # link attributes kept by the target node
        attributes = {node_label(a.get("source")): a for a in node.pop("_links_in") if isinstance(a, dict)}
        for link in links:
            if link["target"] == node["id"] and node_label(link["source"]) in attributes:
                extra = {k: v for k, v in attributes[node_label(link["source"])].items() if k not in _LINK_DATA}
                link.update(extra)
    return links


# -- writing ---------------------------------------------------------------------------------------
def write_ows(doc: dict) -> str:
    """The .ows XML text of an ewoks document (see the module docstring for the layout)."""
    graph = dict(doc.get("graph") or {})
    root = ET.Element("scheme", {"version": "2.0", "title": str(graph.get("id", "") or ""),
                                 "description": _description(graph)})
    nodes_el = ET.SubElement(root, "nodes")
    index: Dict[str, str] = {}
    layout = _layout(doc)
    for i, node in enumerate(doc.get("nodes", [])):
        index[node_label(node["id"])] = str(i)
        task_type = node.get("task_type", "class")
        identifier = node.get("task_identifier")
        if not isinstance(identifier, str):  # an inline sub-workflow: kept in the node's properties
            identifier = None
        name = (identifier or task_type).replace("\\", "/").rpartition("/")[2].rpartition(".")[2] or task_type
        ET.SubElement(nodes_el, "node", {
            "id": str(i), "name": name, "qualified_name": widget_qualified_name(task_type, identifier),
            "project_name": PROJECT_NAME, "version": "", "title": str(node.get("label") or node_label(node["id"])),
            "position": _position(node, layout)})
    links_el = ET.SubElement(root, "links")
    incoming: Dict[str, List[dict]] = {}
    n_links = 0
    for link in doc.get("links", []):
        src, dst = index[node_label(link["source"])], index[node_label(link["target"])]
        for out_name, in_name in _channels(link):
            ET.SubElement(links_el, "link", {"id": str(n_links), "source_node_id": src, "sink_node_id": dst,
                                             "source_channel": out_name, "sink_channel": in_name,
                                             "enabled": "true"})
            n_links += 1
        extra = {k: v for k, v in link.items() if k not in _LINK_DATA}
        if extra:
            incoming.setdefault(dst, []).append({"source": link["source"], **extra})
    annotations_el = ET.SubElement(root, "annotations")
    for annotation in ((graph.get("ows") or {}).get("annotations") or []):
        _write_annotation(annotations_el, annotation)
    ET.SubElement(root, "thumbnail")
    props_el = ET.SubElement(root, "node_properties")
    for node in doc.get("nodes", []):
        orange_id = index[node_label(node["id"])]
        props: Dict[str, Any] = {
            INPUTS_KEY: {item["name"]: item.get("value") for item in node.get("default_inputs") or []},
            NODE_KEY: _node_info(node)}
        if orange_id in incoming:
            props[LINKS_KEY] = incoming[orange_id]
        text, fmt = _dump_properties(props)
        el = ET.SubElement(props_el, "properties", {"node_id": orange_id, "format": fmt})
        el.text = text
    session = ET.SubElement(root, "session_state")
    ET.SubElement(session, "window_groups")
    ET.indent(root, space="\t")
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode") + "\n"


def _description(graph: dict) -> str:
    label = str(graph.get("label") or "")
    extra = {k: v for k, v in graph.items() if k not in _GRAPH_STANDARD and v not in (None, [], {})}
    if not extra and not label.lstrip().startswith("{"):
        return label
    return json.dumps({"description": label, "graph": extra}, ensure_ascii=False)


def _layout(doc: dict) -> Dict[str, Tuple[float, float]]:
    """Positions for nodes that have none (a left-to-right layout of the graph)."""
    from .layout import layered_positions

    ids = [node_label(n["id"]) for n in doc.get("nodes", [])]
    return layered_positions(ids, [(node_label(lk["source"]), node_label(lk["target"])) for lk in doc.get("links", [])])


def _position(node: dict, layout: Dict[str, Tuple[float, float]]) -> str:
    position = (node.get("ows") or {}).get("position")
    if isinstance(position, str) and position.strip():
        return position
    if isinstance(position, dict) and "x" in position:
        return str((float(position["x"]), float(position.get("y", 0.0))))
    if isinstance(position, (list, tuple)) and len(position) == 2:
        return str((float(position[0]), float(position[1])))
    return str(layout[node_label(node["id"])])


def _channels(link: dict) -> List[Tuple[str, str]]:
    if link.get("map_all_data"):
        return [(ALL_OUTPUTS, ALL_INPUTS)]
    pairs = []
    for item in link.get("data_mapping") or []:
        out_name = item.get("source_output")
        pairs.append((ALL_OUTPUTS if out_name is None else str(out_name), str(item["target_input"])))
    return pairs or [(ALL_OUTPUTS, TRIGGER)]


def _node_info(node: dict) -> dict:
    info = {"id": node["id"]}
    if node.get("label") is not None:
        info["label"] = node["label"]
    info.update({k: v for k, v in node.items() if k not in _NODE_STANDARD})
    info.setdefault("task_type", "class")
    ows = {k: v for k, v in (node.get("ows") or {}).items() if k != "position"}
    if ows:
        info["ows"] = ows
    return info


def _dump_properties(props: dict) -> Tuple[str, str]:
    """Python literal as Orange writes it; JSON when a value has no literal (inf, nan)."""
    if _is_literal(props):
        return repr(props), "literal"
    return json.dumps(props, ensure_ascii=False), "json"


def _is_literal(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    if kind in (int, bool, str, bytes, type(None)):
        return True
    if kind in (list, tuple):
        return all(_is_literal(v) for v in value)
    if kind is dict:
        return all(_is_literal(k) and _is_literal(v) for k, v in value.items())
    return False


def _write_annotation(parent: ET.Element, annotation: dict) -> None:
    params = annotation.get("params") or {}
    attrs = {"id": str(annotation.get("id", len(parent)))}
    if annotation.get("type") == "text":
        font = params.get("font") or {}
        attrs.update({"type": params.get("content_type", "text/plain"),
                      "rect": str(tuple(float(v) for v in params.get("geometry", (0.0, 0.0, 20.0, 20.0))))})
        if font.get("family"):
            attrs["font-family"] = str(font["family"])
        if font.get("size"):
            attrs["font-size"] = str(font["size"])
        ET.SubElement(parent, "text", attrs).text = params.get("text", "")
    elif annotation.get("type") == "arrow":
        start, end = params.get("geometry", ((0.0, 0.0), (0.0, 0.0)))
        attrs.update({"start": str(tuple(float(v) for v in start)), "end": str(tuple(float(v) for v in end)),
                      "fill": params.get("color", "red")})
        ET.SubElement(parent, "arrow", attrs)
