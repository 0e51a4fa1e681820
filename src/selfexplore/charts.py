"""Charts as inline SVG, each with a text alternative: pure functions of the figures they show.

Inline SVG keeps the student kernel free of a plotting library (and of its memory), needs no request to
any host, scales with the page (viewBox), and prints. Every chart is a figure with a caption, an SVG that
has role="img" and a title naming what it shows, and the same figures as a table for screen readers and
for anyone who prefers numbers.

Each row puts its label above its bar, so that a long name is never cut off and the chart stays narrow
enough to read on a phone without scaling its text down.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from selfexplore.content import Content
from selfexplore.markup import scrolling
from selfexplore.matching import Match
from selfexplore.scoring import ScoredProfile

# Row height, chart width and bar length in the SVG's own units (its text is 13 of them): a label line,
# then the bar. The longest page name (51 characters) fits in the width.
_ROW = 38
_WIDTH = 400
_BAR = 320
_counter = itertools.count(1)


def figure_html(caption: str, svg: str, table: str) -> str:
    return (
        f'<figure class="se-chart">{svg}<figcaption>{escape(caption)}</figcaption>'
        f"<details><summary>The same figures as a table</summary>{scrolling(table, caption)}</details></figure>"
    )


def svg_html(title: str, rows: int, body: str) -> str:
    chart_id = f"se-chart-{next(_counter)}"
    height = rows * _ROW + 8
    return (
        f'<svg role="img" aria-labelledby="{chart_id}" viewBox="0 0 {_WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" class="se-svg">'
        f'<title id="{chart_id}">{escape(title)}</title>{body}</svg>'
    )


def _bars(rows: Sequence[tuple[str, float, str]]) -> str:
    """One row per (label, bar length in the SVG's units, figure shown after the bar): the label above."""
    return "".join(
        f'<text x="0" y="{row * _ROW + 14}" class="se-svg-label">{escape(label)}</text>'
        f'<rect x="0" y="{row * _ROW + 20}" width="{length:.1f}" height="12" class="se-svg-bar"/>'
        f'<text x="{length + 6:.1f}" y="{row * _ROW + 31}" class="se-svg-value">{figure}</text>'
        for row, (label, length, figure) in enumerate(rows)
    )


def _axis(at: float, rows: int) -> str:
    return f'<line x1="{at}" x2="{at}" y1="18" y2="{rows * _ROW + 4}" class="se-svg-axis"/>'


def fit_chart(matches: Sequence[Match], caption: str) -> str:
    """Horizontal bars of fit (0-100), best first."""
    bars = _bars([(m.name, _BAR * m.fit / 100, str(m.fit)) for m in matches])
    rows = "".join(f'<tr><th scope="row">{escape(m.name)}</th><td>{m.fit}</td></tr>' for m in matches)
    table = (
        '<table><thead><tr><th scope="col">Field</th><th scope="col">Fit (0-100)</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return figure_html(
        caption + " (the line marks 50, as much for as against)",
        svg_html(caption, len(matches), _axis(_BAR / 2, len(matches)) + bars),
        table,
    )


def share_bars(shares: Sequence[tuple[str, float]], title: str, line: float) -> str:
    """Horizontal bars of figures on 0..1 (two decimals), in the order given, with a line marking `line`."""
    bars = _bars([(label, _BAR * max(0.0, min(1.0, value)), f"{value:.2f}") for label, value in shares])
    return svg_html(title, max(1, len(shares)), _axis(_BAR * line, len(shares)) + bars)


def profile_chart(content: Content, scored: ScoredProfile) -> str:
    """Each dimension as a bar from the middle (0.5, no preference): right for high, left for low."""
    middle = _WIDTH / 2
    half = _WIDTH / 2 - 8
    bars = []
    rows = []
    shown_dimensions = content.matched_dimensions
    for row, dimension in enumerate(shown_dimensions):
        score = scored.scores[dimension.id]
        y = row * _ROW
        offset = (score.value - 0.5) * 2 * half
        start = min(middle, middle + offset)
        shown = "not answered" if score.unanswered else f"{score.value:.2f}"
        bars.append(
            f'<text x="0" y="{y + 14}" class="se-svg-label">{escape(dimension.label)}</text>'
            f'<rect x="{start:.1f}" y="{y + 20}" width="{abs(offset):.1f}" height="12" '
            f'class="{"se-svg-bar" if offset >= 0 else "se-svg-bar-low"}"/>'
        )
        where = "neither" if score.unanswered or abs(offset) < 1e-9 else ("towards" if offset > 0 else "away")
        rows.append(f'<tr><th scope="row">{escape(dimension.label)}</th><td>{escape(shown)}</td><td>{where}</td></tr>')
    axis = f'<line x1="{middle}" x2="{middle}" y1="18" y2="{len(shown_dimensions) * _ROW + 4}" class="se-svg-axis"/>'
    table = (
        '<table><thead><tr><th scope="col">What it is about</th><th scope="col">Your value (0-1)</th>'
        f'<th scope="col">You lean</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    # In a student's words, not the model's (walk review 8: "lean towards a dimension").
    caption = "Your profile: a bar to the right means you lean towards that side of the work, to the left away from it"
    title = f"Your profile across {len(shown_dimensions)} sides of the work"
    return figure_html(caption, svg_html(title, len(shown_dimensions), axis + "".join(bars)), table)
