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


def fit_chart(matches: Sequence[Match], caption: str) -> str:
    """Horizontal bars of fit (0-100), best first."""
    bars = []
    for row, match in enumerate(matches):
        y = row * _ROW
        length = _BAR * match.fit / 100
        bars.append(
            f'<text x="0" y="{y + 14}" class="se-svg-label">{escape(match.name)}</text>'
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="12" class="se-svg-bar"/>'
            f'<text x="{length + 6:.1f}" y="{y + 31}" class="se-svg-value">{match.fit}</text>'
        )
    midline = f'<line x1="{_BAR / 2}" x2="{_BAR / 2}" y1="18" y2="{len(matches) * _ROW + 4}" class="se-svg-axis"/>'
    rows = "".join(f'<tr><th scope="row">{escape(m.name)}</th><td>{m.fit}</td></tr>' for m in matches)
    table = (
        '<table><thead><tr><th scope="col">Field</th><th scope="col">Fit (0-100)</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return figure_html(
        caption + " (the line marks 50, as much for as against)",
        svg_html(caption, len(matches), midline + "".join(bars)),
        table,
    )


def share_bars(shares: Sequence[tuple[str, float]], title: str, line: float) -> str:
    """Horizontal bars of figures on 0..1 (two decimals), in the order given, with a line marking `line`."""
    bars = []
    for row, (label, value) in enumerate(shares):
        y = row * _ROW
        length = _BAR * max(0.0, min(1.0, value))
        bars.append(
            f'<text x="0" y="{y + 14}" class="se-svg-label">{escape(label)}</text>'
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="12" class="se-svg-bar"/>'
            f'<text x="{length + 6:.1f}" y="{y + 31}" class="se-svg-value">{value:.2f}</text>'
        )
    mark = _BAR * line
    axis = f'<line x1="{mark}" x2="{mark}" y1="18" y2="{len(shares) * _ROW + 4}" class="se-svg-axis"/>'
    return svg_html(title, max(1, len(shares)), axis + "".join(bars))


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
        '<table><thead><tr><th scope="col">Dimension</th><th scope="col">Your value (0-1)</th>'
        f'<th scope="col">You lean</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    caption = "Your profile: bars to the right lean towards a dimension, to the left away from it"
    title = f"Your profile across the {len(shown_dimensions)} dimensions"
    return figure_html(caption, svg_html(title, len(shown_dimensions), axis + "".join(bars)), table)
