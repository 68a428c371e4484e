"""Markdown helpers of the reports: numbers and tables."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(value, digits: int = 3) -> str:
    """A figure for a table: floats to ``digits`` places, None as a dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A Markdown table; strings are written as they are, other values through :func:`fmt`."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) if not isinstance(v, str) else v for v in row) + " |" for row in rows]
    return "\n".join(lines)
