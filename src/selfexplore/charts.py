"""Charts drawn in the page itself, each with a text alternative: pure functions of the figures they show.

The student's charts (the fit of their matches, their profile) are HTML bars: a row's label and figure are
text of the page, at the page's size, wrapped like any text, and each bar is a box whose length is a share
of its track. At 375 px an SVG scaled to the column drew its text at about 10 px (walk review 7); these
keep the page's 17. The questionnaire's evidence page, a report for staff, keeps an inline SVG.

Neither needs a plotting library in the student's kernel, nor any request to another host, and both print.
Every chart is a figure with a caption, a picture with role="img" named by what it shows, and the same
figures as a table for screen readers and for anyone who prefers numbers.
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


def _percent(share: float) -> str:
    return f"{100 * max(0.0, min(1.0, share)):.1f}%"


def bars_html(title: str, rows: Sequence[tuple[str, float, float, str]], line: float, kind: str = "fit") -> str:
    """HTML bars, one row per (label, start, end, figure), start and end as shares of the track (0..1): the
    label on a line of its own, then the bar with its figure after it, and a dashed line across the track at
    `line`. Named for screen readers by `title`; the rows themselves are hidden from them (the table says the
    same). `kind` ("fit" or "profile") sets the width kept for the figures, so every track is as long."""
    chart_id = f"se-chart-{next(_counter)}"
    drawn = "".join(
        f'<div class="se-bar-row"><div class="se-bar-label">{escape(label)}</div>'
        f'<div class="se-bar-line"><div class="se-bar-track">'
        f'<span class="se-bar-axis" style="left:{_percent(line)}"></span>'
        f'<span class="se-bar{" se-bar-low" if end < start else ""}" '
        f'style="left:{_percent(min(start, end))};width:{_percent(abs(end - start))}"></span></div>'
        f'<span class="se-bar-value">{escape(figure)}</span></div></div>'
        for label, start, end, figure in rows
    )
    return (
        f'<div class="se-bars se-bars-{kind}" role="img" aria-labelledby="{chart_id}">'
        f'<span id="{chart_id}" class="se-chart-title">{escape(title)}</span>{drawn}</div>'
    )


def fit_chart(matches: Sequence[Match], caption: str) -> str:
    """Horizontal bars of fit (0-100), best first."""
    bars = bars_html(caption, [(m.name, 0.0, m.fit / 100, str(m.fit)) for m in matches], 0.5)
    rows = "".join(f'<tr><th scope="row">{escape(m.name)}</th><td>{m.fit}</td></tr>' for m in matches)
    table = (
        '<table><thead><tr><th scope="col">Field</th><th scope="col">Fit (0-100)</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return figure_html(caption + " (the line marks 50, as much for as against)", bars, table)


def share_bars(shares: Sequence[tuple[str, float]], title: str, line: float) -> str:
    """Horizontal bars of figures on 0..1 (two decimals), in the order given, with a line marking `line`."""
    bars = _bars([(label, _BAR * max(0.0, min(1.0, value)), f"{value:.2f}") for label, value in shares])
    return svg_html(title, max(1, len(shares)), _axis(_BAR * line, len(shares)) + bars)


def profile_chart(content: Content, scored: ScoredProfile) -> str:
    """Each side of the work as a bar from the middle (0.5, no preference): right for high, left for low."""
    bars = []
    rows = []
    shown_dimensions = content.matched_dimensions
    for dimension in shown_dimensions:
        score = scored.scores[dimension.id]
        shown = "not answered" if score.unanswered else f"{score.value:.2f}"
        value = 0.5 if score.unanswered else score.value
        bars.append((dimension.label, 0.5, value, "no answer" if score.unanswered else shown))
        where = "neither" if value == 0.5 else ("towards" if value > 0.5 else "away")
        rows.append(f'<tr><th scope="row">{escape(dimension.label)}</th><td>{escape(shown)}</td><td>{where}</td></tr>')
    table = (
        '<table><thead><tr><th scope="col">What it is about</th><th scope="col">Your value (0-1)</th>'
        f'<th scope="col">You lean</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    # In a student's words, not the model's (walk review 8: "lean towards a dimension").
    caption = "Your profile: a bar to the right means you lean towards that side of the work, to the left away from it"
    title = f"Your profile across {len(shown_dimensions)} sides of the work"
    return figure_html(caption, bars_html(title, bars, 0.5, "profile"), table)
