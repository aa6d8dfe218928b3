"""Charts drawn on the server as inline SVG: no script, no library, nothing fetched from elsewhere.

The console's content security policy allows no inline styles, so every colour and size is an SVG presentation
attribute (fill="#b3261e"), never style="". Labels are escaped like any other text on the page. Each bar carries
a <title>, which browsers show on hover, and each chart an aria-label; the page's tables beside the charts hold the
same numbers for anyone who cannot see them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#d9dee4"
#: Series colours: the console's red, then a blue and a green that stay distinct for red-green colour blindness.
PALETTE = ("#b3261e", "#0b5cad", "#2e7d32", "#8e5ea2")
EMPTY = "暂无数据"
FONT_SIZE = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]
    colour: str = ""


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _svg(width: int, height: int, label: str, body: Sequence[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        f'font-size="{FONT_SIZE}" fill="{INK}">'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 — every value in it was escaped above


def _empty(width: int, height: int, label: str) -> Markup:
    return _svg(
        width,
        height,
        f"{label}：{EMPTY}",
        [
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" stroke="{GRID}"/>',
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" dominant-baseline="middle" '
            f'fill="{MUTED}">{EMPTY}</text>',
        ],
    )


def nice_top(largest: float, ticks: int = 4) -> tuple[float, float]:
    """An axis maximum at or above `largest` and its tick step, both round numbers (1, 2 or 5 × 10ⁿ; at least 1)."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1.0, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    return step * math.ceil(largest / step), step


def weekly_columns(
    labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 760, height: int = 280
) -> Markup:
    """Columns per week, the series side by side (e.g. hotline calls beside chat questions), with a legend."""
    if not labels or not series or not any(v for s in series for v in s.values):
        return _empty(width, height, title)
    left, right, top, bottom = 44, 12, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    axis_top, step = nice_top(max(v for s in series for v in s.values))
    y = lambda value: top + plot_h - plot_h * value / axis_top  # noqa: E731
    body: list[str] = []
    tick = 0.0
    while tick <= axis_top + 1e-9:
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y(tick):.1f}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{MUTED}">{_number(tick if step % 1 else int(tick))}</text>'
        )
        tick += step
    group = plot_w / len(labels)
    bar = group * 0.8 / len(series)
    every = max(1, math.ceil(len(labels) / 14))  # keep the week labels from running into each other
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, one in enumerate(series):
            value = one.values[i] if i < len(one.values) else 0
            colour = one.colour or PALETTE[j % len(PALETTE)]
            body.append(
                f'<rect x="{x0 + bar * j:.1f}" y="{y(value):.1f}" width="{max(bar - 1, 1):.1f}" '
                f'height="{top + plot_h - y(value):.1f}" fill="{colour}"><title>{escape(label)} · '
                f"{escape(one.name)}：{_number(value)}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{left + group * (i + 0.5):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    x = left
    for j, one in enumerate(series):
        colour = one.colour or PALETTE[j % len(PALETTE)]
        body.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="18">{escape(one.name)}</text>'
        )
        x += 28 + FONT_SIZE * len(one.name)
    body.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    return _svg(width, height, title, body)


def horizontal_bars(
    items: Sequence[tuple[str, int | float]], *, title: str, limit: int = 10, width: int = 520, colour: str = PALETTE[0]
) -> Markup:
    """The `limit` largest categories as horizontal bars, largest first, each with its value at the bar's end."""
    shown = list(items)[:limit]
    row, top, label_w, right = 26, 8, 150, 48
    if not any(value for _, value in shown):
        return _empty(width, 80, title)
    height = top * 2 + row * len(shown)
    largest = max(value for _, value in shown)
    plot_w = width - label_w - right
    body: list[str] = []
    for i, (label, value) in enumerate(shown):
        y0 = top + row * i
        short = label if len(label) <= 11 else label[:10] + "…"
        length = plot_w * value / largest
        body.append(
            f'<text x="{label_w - 8}" y="{y0 + row / 2:.1f}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(short)}<title>{escape(label)}</title></text>"
            f'<rect x="{label_w}" y="{y0 + 4}" width="{length:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{escape(label)}：{_number(value)}</title></rect>"
            f'<text x="{label_w + length + 6:.1f}" y="{y0 + row / 2:.1f}" dominant-baseline="middle" '
            f'fill="{MUTED}">{_number(value)}</text>'
        )
    return _svg(width, height, title, body)
