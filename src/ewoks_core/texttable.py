"""A plain aligned text table (CLI listings, event and job tables)."""

from __future__ import annotations

from typing import Any, Sequence


def text_table(headers: Sequence[Any], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell, a dashed line under the headers, None shown as ''."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
