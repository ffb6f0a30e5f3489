"""Conformance cases of streams (workflow extension 'stream' 1.0): every engine that drives jobs runs them.

A source (IterableSource) yields the elements of a list; the item node runs once per element, with
delays that make items finish out of order on parallel engines; the reducer receives the per-item
results in item order. Per-item nodes' results reach only the reducer (they are not node results).
"""

from __future__ import annotations

from typing import List

from .builders import graph, link, node
from .case import FAILED, OK, Case

SOURCE = "ewoks_core.stream.IterableSource"


def _stream(reducer: bool = True, max_in_flight: int = 3) -> dict:
    section = {"source": "src", "item_nodes": ["sq"], "max_in_flight": max_in_flight}
    if reducer:
        section["reducer"] = "red"
    return {"extensions": {"stream": "1.0"}, "stream": section}


_VALUES = [3, 1, 4, 1, 5, 9]

STREAM_CASES: List[Case] = [
    Case("stream_in_order",
         graph("stream_in_order",
               [node("gen", "Echo", {"x": _VALUES}), node("src", SOURCE), node("sq", "SlowSquare"),
                node("red", "Collect")],
               [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "x", "index": "index"}),
                link("sq", "red", {"result": "values"})], **_stream()),
         {"values": [9, 1, 16, 1, 25, 81], "total": 133},
         {"gen": {"x": _VALUES}, "src": {"nitems": 6}, "red": {"values": [9, 1, 16, 1, 25, 81], "total": 133}},
         {"gen": OK, "src": OK, "sq": OK * 6, "red": OK}, overlapping={"sq"}),
    Case("stream_item_fails",
         graph("stream_item_fails",
               [node("gen", "Echo", {"x": [False, False, True, False]}), node("src", SOURCE), node("sq", "Fail"),
                node("red", "Collect")],
               [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "fail", "index": "a"}),
                link("sq", "red", {"result": "values"})], **_stream(max_in_flight=1)),
         {}, {}, {"gen": OK, "src": FAILED, "sq": OK * 2 + FAILED}, error_node="sq"),
    Case("stream_without_reducer",  # the source is the job's last node: the job ends when its items ended
         graph("stream_without_reducer",
               [node("gen", "Echo", {"x": _VALUES}), node("src", SOURCE), node("sq", "SlowSquare")],
               [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "x", "index": "index"})],
               **_stream(reducer=False)),
         {}, {"gen": {"x": _VALUES}, "src": {"nitems": 6}},  # its end node is an item node: no job result
         {"gen": OK, "src": OK, "sq": OK * 6}, overlapping={"sq"}),
    Case("stream_empty",
         graph("stream_empty",
               [node("gen", "Echo", {"x": []}), node("src", SOURCE), node("sq", "SumTask"), node("red", "Collect")],
               [link("gen", "src", {"x": "iterable"}), link("src", "sq", {"item": "a"}),
                link("sq", "red", {"result": "values"})], **_stream()),
         {"values": [], "total": 0},
         {"gen": {"x": []}, "src": {"nitems": 0}, "red": {"values": [], "total": 0}},
         {"gen": OK, "src": OK, "red": OK}),
]
