"""The report's charts as SVG text, drawn on the server: no script, no library, nothing fetched.

Every bar carries its label and its number in black text, so the chart reads on screen, in print (also in
black and white) and without colour vision; the shades only help the eye. Each chart has a visible title and
a text alternative (``role="img"``, ``<title>`` and ``<desc>``) that states every figure. A small cell comes
in as text (``"< 5"``) and is drawn as a hatched bar up to 4 with that text beside it.
"""
from dataclasses import dataclass
from html import escape

WIDTH = 640
LABEL_W = 230
BAR_X = LABEL_W + 10
BAR_MAX_W = WIDTH - BAR_X - 70
ROW_H = 24
BAR_H = 16
GROUP_GAP = 12
TITLE_H = 34
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Shades of the site's accent, darkest first; the label beside each bar says what it is.
FILLS = ("#0b5394", "#5b8fc7", "#9dbde0", "#d3e2f2")
SMALL_CELL_BOUND = 4  # what "< 5" is drawn up to
SMALL_CELL_SCALE = 10  # the least a chart with small cells is scaled to
MAX_LABEL_CHARS = 34  # beside a bar
MAX_HEADING_CHARS = 80  # a group's heading, across the chart


@dataclass(frozen=True)
class Row:
    """One bar: what it counts and the number, or a small cell's text such as ``"< 5"``."""
    label: str
    value: int | str


@dataclass(frozen=True)
class Group:
    """Bars that belong together (one evening, one initiative), under a heading of their own."""
    label: str
    rows: tuple[Row, ...]


def _number(value: int | str) -> int:
    return value if isinstance(value, int) else SMALL_CELL_BOUND


def _shown(value: int | str) -> str:
    return str(value)


def _short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _text(x: float, y: float, content: str, *, anchor: str = "start", weight: str = "400", size: int = 13) -> str:
    return (f'<text x="{x:g}" y="{y:g}" font-family="{FONT}" font-size="{size}" font-weight="{weight}" '
            f'fill="#000" text-anchor="{anchor}">{escape(content)}</text>')


def _bar(y: float, value: int | str, scale: float, fill: str, pattern_id: str) -> str:
    width = max(_number(value) * scale, 0)
    if not width:
        return ""
    if isinstance(value, int):
        return (f'<rect x="{BAR_X}" y="{y:g}" width="{width:.1f}" height="{BAR_H}" fill="{fill}" '
                f'stroke="#000" stroke-width="0.5"/>')
    return (f'<rect x="{BAR_X}" y="{y:g}" width="{width:.1f}" height="{BAR_H}" fill="url(#{pattern_id})" '
            f'stroke="#000" stroke-width="0.75" stroke-dasharray="3 2"/>')


def _description(groups: list[Group]) -> str:
    parts = []
    for group in groups:
        rows = "; ".join(f"{r.label}: {_shown(r.value)}" for r in group.rows)
        parts.append(f"{group.label}: {rows}" if group.label else rows)
    return ". ".join(parts) + "." if parts else ""


def grouped_bar_chart(chart_id: str, title: str, groups: list[Group], empty_text: str = "") -> str:
    """Horizontal bars in groups: each group's heading, then one labelled bar per row, its number beside it."""
    groups = [g for g in groups if g.rows]
    top = max((_number(r.value) for g in groups for r in g.rows), default=0)
    if any(isinstance(r.value, str) for g in groups for r in g.rows):
        top = max(top, SMALL_CELL_SCALE)  # small cells alone would otherwise fill the width
    scale = BAR_MAX_W / top if top else 0.0
    pattern_id = f"{chart_id}-small"
    body, y = [], TITLE_H
    for group in groups:
        if group.label:
            y += 16
            body.append(_text(0, y, _short(group.label, MAX_HEADING_CHARS), weight="700"))
            y += 6
        for index, row in enumerate(group.rows):
            body.append(_text(LABEL_W, y + BAR_H - 3, _short(row.label), anchor="end"))
            body.append(_bar(y, row.value, scale, FILLS[index % len(FILLS)], pattern_id))
            end = BAR_X + _number(row.value) * scale
            body.append(_text(end + 6, y + BAR_H - 3, _shown(row.value), weight="700"))
            y += ROW_H
        y += GROUP_GAP
    if not groups:
        y += 16
        body.append(_text(0, y, empty_text))
        y += 10
    height = y + 4
    description = _description(groups) or empty_text
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        f'<defs><pattern id="{escape(pattern_id)}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2"/></pattern></defs>'
        f'<rect width="{WIDTH}" height="{height:g}" fill="#fff"/>'
        + _text(0, 20, title, weight="700", size=16)
        + "".join(body)
        + "</svg>"
    )


def bar_chart(chart_id: str, title: str, rows: list[Row], empty_text: str = "") -> str:
    """One bar per row, no groups."""
    return grouped_bar_chart(chart_id, title, [Group("", tuple(rows))] if rows else [], empty_text)
