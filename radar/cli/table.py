"""Plain-text tables for the CLI's human output."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], max_col: int = 60) -> str:
    """Columns padded to their widest cell (CJK counted double), cells cut at max_col."""
    cells = [[_fit("" if v is None else str(v), max_col) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h + " " * (w - _width(h)) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=False)).rstrip())
    return "\n".join(lines)
