"""A left-to-right layout of a workflow for canvases: columns by longest path from the start nodes."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

COLUMN_WIDTH = 180.0
ROW_HEIGHT = 130.0
ORIGIN = (100.0, 100.0)  # Orange moves nodes placed at (0, 0)


def layered_positions(node_ids: List[Any], links: List[Tuple[Any, Any]]) -> Dict[Any, Tuple[float, float]]:
    """(x, y) of every node: a node's column is the longest chain of links leading to it (links that
    close a loop are ignored), rows in the order of the nodes."""
    successors: Dict[Any, List[Any]] = {n: [] for n in node_ids}
    for source, target in links:
        if source in successors and target in successors and target not in successors[source]:
            successors[source].append(target)
    order: List[Any] = []  # reverse post-order of a depth-first search: a topological order without back links
    state: Dict[Any, int] = {}
    back = set()
    for root in node_ids:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    column = {n: 0 for n in node_ids}
    for node in reversed(order):
        for child in successors[node]:
            if (node, child) not in back:
                column[child] = max(column[child], column[node] + 1)
    rows: Dict[int, int] = {}
    positions = {}
    for node in node_ids:
        col = column[node]
        row = rows.get(col, 0)
        rows[col] = row + 1
        positions[node] = (ORIGIN[0] + COLUMN_WIDTH * col, ORIGIN[1] + ROW_HEIGHT * row)
    return positions
