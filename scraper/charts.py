"""Small trend charts as inline SVG, drawn on the server from numbers: the report needs no script and no network.

Every text in a chart (axis labels, titles) is escaped here, so a chart is safe to embed in the HTML as is,
even if a label came from Seller Central.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 360, 110
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 8, 18
"""Plot margins: the y labels on the left, the first and last date below."""


@dataclass(frozen=True)
class Point:
    """One read: its day (label) and its values (None where the read did not have one)."""

    day: str
    value: float | None
    low: float | None = None
    """The band's lower edge at this read (the category mean)."""
    high: float | None = None
    """The band's upper edge at this read (the warning threshold)."""


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


class _Frame:
    def __init__(self, count: int, top: float) -> None:
        self.count, self.top = count, top or 1.0
        self.w, self.h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, i: int) -> float:
        return LEFT + (self.w * i / (self.count - 1) if self.count > 1 else self.w / 2)

    def y(self, v: float) -> float:
        return TOP + self.h - min(v, self.top) / self.top * self.h


def _line(frame: _Frame, values: Sequence[float | None], style: str) -> str:
    """Polylines through the known values (a read without one breaks the line)."""
    out: list[str] = []
    run: list[str] = []
    for i, v in enumerate([*values, None]):
        if v is None:
            if len(run) > 1:
                out.append(f'<polyline fill="none" {style} points="{" ".join(run)}"/>')
            run = []
        else:
            run.append(f"{frame.x(i):.1f},{frame.y(v):.1f}")
    return "".join(out)


def trend_chart(
    points: Sequence[Point],
    label: str,
    limit: float | None = None,
    second: Sequence[float | None] | None = None,
    band_label: str = "category mean to warning threshold",
    second_label: str = "",
    limit_label: str = "",
) -> str:
    """An SVG of percent values over reads: the values as a line with dots (red where above the band or the
    limit), the band (``low`` to ``high`` per read) shaded, an optional second line (dashed grey) and an
    optional horizontal limit (dashed red). ``label`` is the chart's accessible title."""
    if not points:
        return '<span class="muted">no reads yet</span>'
    candidates = [p.value for p in points] + [p.high for p in points] + list(second or []) + [limit]
    top = max([v for v in candidates if v is not None] + [0.0]) * 1.15
    frame = _Frame(len(points), top)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}" class="trend"><title>{escape(label)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + frame.h}" x2="{WIDTH - RIGHT}" y2="{TOP + frame.h}" stroke="#999"/>',
    ]
    band = [(i, p.low, p.high) for i, p in enumerate(points) if p.low is not None and p.high is not None]
    if band:
        if len(band) == 1:  # one read: a short bar around its x
            i, low, high = band[0]
            x = frame.x(i)
            upper = [(x - 6, high), (x + 6, high)]
            lower = [(x + 6, low), (x - 6, low)]
        else:
            upper = [(frame.x(i), h) for i, _, h in band]
            lower = [(frame.x(i), lo) for i, lo, _ in reversed(band)]
        poly = " ".join(f"{x:.1f},{frame.y(v):.1f}" for x, v in (*upper, *lower))
        parts.append(
            f'<polygon fill="#fde3c0" stroke="none" points="{poly}"><title>{escape(band_label)}</title></polygon>'
        )
    if limit is not None:
        y = frame.y(limit)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#b00020" '
            f'stroke-dasharray="4 3"><title>{escape(limit_label or _fmt(limit))}</title></line>'
        )
    if second is not None:
        parts.append(_line(frame, second, 'stroke="#888" stroke-width="1.5" stroke-dasharray="5 3"'))
        if second_label:
            parts.append(f"<desc>{escape(second_label)}</desc>")
    parts.append(_line(frame, [p.value for p in points], 'stroke="#146eb4" stroke-width="2"'))
    for i, p in enumerate(points):
        if p.value is None:
            continue
        over = (p.high is not None and p.value > p.high) or (limit is not None and p.value > limit)
        parts.append(
            f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(p.value):.1f}" r="3" '
            f'fill="{"#b00020" if over else "#146eb4"}">'
            f"<title>{escape(p.day)}: {escape(_fmt(p.value))}</title></circle>"
        )
    top_label = escape(_fmt(round(frame.top, 1)))
    parts.append(
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" font-size="10">{top_label}</text>'
        f'<text x="{LEFT - 4}" y="{TOP + frame.h}" text-anchor="end" font-size="10">0 %</text>'
        f'<text x="{LEFT}" y="{HEIGHT - 4}" font-size="10">{escape(points[0].day)}</text>'
    )
    if len(points) > 1:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end" font-size="10">'
            f"{escape(points[-1].day)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
