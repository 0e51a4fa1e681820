"""Specialty and career-path pages as HTML, and the directory that lists them.

Pure functions: they return strings and lists, and every piece of text that goes into HTML is escaped here,
so the views only place the result on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from selfexplore.content import Content, Fact, Field, Source
from selfexplore.explore import render_ways
from selfexplore.markup import scrolling
from selfexplore.matching import FieldList, lean
from selfexplore.plan import MONTH_NAMES
from selfexplore.scoring import ScoredProfile
from selfexplore.workbook import field_route


@dataclass(frozen=True)
class DirectoryEntry:
    """One line of the directory: a field, and the core specialty whose family it belongs to."""

    id: str
    name: str
    summary: str
    core: str | None = None  # the core specialty's name, for a subspecialty

    @property
    def label(self) -> str:
        """The line as the list shows it: a subspecialty under its family ("Internal Medicine › Cardiology")."""
        return f"{self.core} › {self.name}" if self.core else self.name


def directory(content: Content, section: FieldList, query: str = "") -> list[DirectoryEntry]:
    """The fields of one section whose name, summary or family contains every word of the query, grouped by
    family: each core specialty (by name), followed by the fields of its family (by name)."""
    pages = content.specialties if section == "specialties" else content.paths
    words = query.casefold().split()
    entries = []
    for page in pages:
        core = content.core_of(page)
        entry = DirectoryEntry(page.id, page.name, page.summary, core.name if core is not None else None)
        if all(word in f"{entry.label} {page.summary}".casefold() for word in words):
            entries.append(entry)
    return sorted(entries, key=lambda entry: entry.label.casefold())


def _cite(page: Field, ids: Iterable[str]) -> str:
    numbers = {source.id: number for number, source in enumerate(page.sources, start=1)}
    refs = ", ".join(f'<a href="#src-{escape(page.id)}-{numbers[i]}">{numbers[i]}</a>' for i in ids if i in numbers)
    return f' <sup class="se-cite">[{refs}]</sup>' if refs else ""


def _fact(page: Field, title: str, fact: Fact) -> str:
    return f"<h3>{escape(title)}</h3><p>{escape(fact.text)}{_cite(page, fact.sources)}</p>"


def _source(page: Field, number: int, source: Source) -> str:
    return (
        f'<li id="src-{escape(page.id)}-{number}">{escape(source.publisher)}. '
        f'<a href="{escape(source.url, quote=True)}" rel="noopener noreferrer" target="_blank">'
        f"{escape(source.title)}</a> ({source.year}).</li>"
    )


def _years(page: Field) -> str:
    shown = page.training.years_shown
    if shown is None:
        return ""
    return f"<p><strong>Training after medical school:</strong> {escape(shown)}</p>"


def _field_link(field_id: str) -> str:
    return field_route(field_id).href()


def _anchor(content: Content, field_id: str, link: Callable[[str], str]) -> str:
    field = content.field(field_id)
    return f'<a href="{escape(link(field_id), quote=True)}">{escape(field.name)}</a>'


def _family(content: Content, page: Field, link: Callable[[str], str]) -> str:
    """A subspecialty's route in from its core specialty; a core specialty's fields with one line each; the
    combined residencies a specialty is part of."""
    parts = []
    core = content.core_of(page)
    if core is not None and page.family is not None:
        route = page.family.route
        steps = (
            f"{escape(core.name)} residency, then {route.years_added:g} more years of fellowship"
            if route.years_added > 0
            else f"a residency of its own, in the family of {escape(core.name)}"
        )
        parts.append(
            f'<section aria-labelledby="se-route-{escape(page.id)}"><h3 id="se-route-{escape(page.id)}">How you get '
            f"there from here</h3><p>{escape(route.text)}{_cite(page, route.sources)}</p><p><strong>The route:"
            f"</strong> {steps}; the certificate: {escape(route.certificate)}. Read the page on "
            f"{_anchor(content, core.id, link)}.</p></section>"
        )
    members = content.families.get(page.id, ())
    if members:
        items = "".join(
            f"<li>{_anchor(content, member.id, link)}: {escape(member.family.line if member.family else '')}</li>"
            for member in members
        )
        parts.append(
            f'<section aria-labelledby="se-family-{escape(page.id)}"><h3 id="se-family-{escape(page.id)}">Fields '
            f"within {escape(page.name)}</h3><p>Each has a page of its own, which says how you get there from "
            f'{escape(page.name)}.</p><ul class="se-family">{items}</ul></section>'
        )
    if page.combined:
        items = "".join(
            f"<li><strong>{escape(c.name)}</strong> ({c.years:g} years): {escape(c.text)}{_cite(page, c.sources)}"
            + (f" Read the page on {_anchor(content, c.page, link)}." if c.page is not None else "")
            + "</li>"
            for c in page.combined
        )
        parts.append(f"<h3>Combined residencies</h3><ul>{items}</ul>")
    return "".join(parts)


def review_words(page: Field) -> str:
    """Whether a physician of the field at the school has reviewed the page, and when."""
    if not page.reviews:
        return "Not yet reviewed by a physician of this field at your school."
    latest = max(page.reviews, key=lambda r: r.date)
    what = " and ".join("its facts" if part == "facts" else "how it is described for matching" for part in latest.parts)
    when = f"{MONTH_NAMES[latest.date.month - 1]} {latest.date.year}"
    return f"Reviewed by {latest.role}, {when}: {what}."


def render_field(
    content: Content, page: Field, scored: ScoredProfile | None = None, link: Callable[[str], str] = _field_link
) -> str:
    """The full page for a specialty or a career path, as escaped HTML; with the student's scored profile,
    their own values stand beside the page's, with where and why they agree or differ. `link` makes the
    address of another field's page."""
    parts = [
        f'<article class="se-page" aria-labelledby="title-{escape(page.id)}">',
        f'<h2 id="title-{escape(page.id)}">{escape(page.name)}</h2>',
        f'<p class="se-summary">{escape(page.summary)}</p>',
        f'<p class="se-review">{escape(review_words(page))}</p>',
        _fact(page, "What the work looks like day to day", page.day_to_day),
        _fact(page, "Patients", page.patient_population),
        _fact(page, "Training", page.training),
        _years(page),
        _family(content, page, link),
    ]
    if page.fellowships.items:
        heading = "Fellowships and subspecialties" if page.kind == "specialty" else "Further training and roles"
        items = "".join(f"<li>{escape(item)}</li>" for item in page.fellowships.items)
        # The list's sources are named on a line of their own, not left as a bare "[4]" under the last item
        # (walk review 8).
        cite = _cite(page, page.fellowships.sources)
        sources = f'<p class="se-muted se-list-sources">Sources of this list:{cite}</p>' if cite else ""
        parts.append(f"<h3>{heading}</h3><ul>{items}</ul>{sources}")
    parts.append(_fact(page, "Lifestyle", page.lifestyle))
    if page.entry is not None:
        parts.append(
            f"<h3>Getting in</h3><p>{escape(page.entry.text)}{_cite(page, page.entry.sources)}</p>"
            '<p class="se-muted">Information only: how hard a field is to enter is never part of your fit. '
            "Your Society advisor can tell you what it means for you.</p>"
        )
    if page.degrees:
        degrees = "".join(
            f"<li><strong>{escape(d.name)}</strong>: {escape(d.text)}{_cite(page, d.sources)}</li>"
            for d in page.degrees
        )
        parts.append(f"<h3>Degrees and programs that lead here</h3><ul>{degrees}</ul>")
    if page.systems:
        names = ", ".join(escape(content.systems_by_id[s].label) for s in page.systems)
        parts.append(f"<p><strong>Parts of the body:</strong> {names}</p>")
    if page.related:
        names = ", ".join(_anchor(content, r, link) for r in page.related)
        label = "Related specialties" if page.kind == "specialty" else "Specialties that often lead here"
        parts.append(f"<p><strong>{label}:</strong> {names}</p>")
    parts.append(render_ways(content, page))
    if scored is not None:
        parts.append(_beside(content, page, scored))
    parts.append(_profile_table(content, page))
    sources = "".join(_source(page, number, s) for number, s in enumerate(page.sources, start=1))
    checked = f"{MONTH_NAMES[page.checked.month - 1]} {page.checked.year}"
    parts.append(
        f'<h3>Sources</h3><p class="se-checked">Facts last checked against these sources: {escape(checked)}.</p>'
        f'<ol class="se-sources">{sources}</ol></article>'
    )
    return "".join(parts)


def _profile_table(content: Content, page: Field) -> str:
    rows = []
    for dimension in content.matched_dimensions:
        entry = page.profile[dimension.id]
        rows.append(
            f'<tr><th scope="row">{escape(dimension.label)}</th><td>{entry.value:.2f}</td>'
            f"<td>{escape(entry.why)}</td></tr>"
        )
    table = (
        '<table class="se-wide"><caption>Profile values from 0 (low) to 1 (high); 0.5 is neither</caption>'
        '<thead><tr><th scope="col">What it is about</th><th scope="col">Value</th><th scope="col">Why</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        '<details class="se-profile"><summary>How this page is described for matching</summary>'
        f"{scrolling(table, f'How {page.name} is described for matching')}</details>"
    )


# A lean (2v - 1) this far from 0 counts as a view either way; closer than that is "no clear view".
CLEAR = 0.2
Agreement = Literal["agree", "differ", "neither"]


def agreement(student: float | None, page: float) -> Agreement:
    """Whether a student and a page lean the same way on a dimension (None: the student did not answer)."""
    if student is None or abs(lean(student)) < CLEAR or abs(lean(page)) < CLEAR:
        return "neither"
    return "agree" if (lean(student) > 0) == (lean(page) > 0) else "differ"


_AGREEMENT_WORDS = {"agree": "You agree", "differ": "You differ", "neither": "No clear view either way"}


def _differences_words(count: int) -> str:
    if count == 0:
        return "You differ from this page on nothing you have a clear view on."
    if count == 1:
        return "The one thing you differ on comes first."
    return f"The {count} things you differ on come first."


def _beside(content: Content, page: Field, scored: ScoredProfile) -> str:
    rows = []
    for dimension in content.matched_dimensions:
        score = scored.scores[dimension.id]
        student = None if score.unanswered else score.value
        verdict = agreement(student, page.value(dimension.id))
        anchor = dimension.high if page.value(dimension.id) > 0.5 else dimension.low
        shown = "not answered" if student is None else f"{student:.2f}"
        rows.append(
            (
                {"differ": 0, "agree": 1, "neither": 2}[verdict],
                f'<tr class="se-{verdict}"><th scope="row">{escape(dimension.label)}</th>'
                f"<td>{page.value(dimension.id):.2f}</td><td>{escape(shown)}</td>"
                f"<td>{_AGREEMENT_WORDS[verdict]}. {escape(page.name)}: {escape(anchor)}</td></tr>",
            )
        )
    # Differences first: they are what a student most needs to ask about. The caption says how many there
    # are (walk review: "differences first" over a table that began with five agreements).
    body = "".join(row for _, row in sorted(rows, key=lambda r: r[0]))
    caption = f"Values from 0 (low) to 1 (high). {_differences_words(sum(1 for order, _ in rows if order == 0))}"
    table = (
        f'<table class="se-wide"><caption>{caption}</caption><thead><tr><th scope="col">What it is about</th>'
        '<th scope="col">This page</th>'
        f'<th scope="col">You</th><th scope="col">Where and why</th></tr></thead><tbody>{body}</tbody></table>'
    )
    return (
        f'<section aria-labelledby="se-beside-{escape(page.id)}"><h3 id="se-beside-{escape(page.id)}">'
        f"This page beside your own profile</h3>{scrolling(table, f'{page.name} beside your own profile')}"
        "</section>"
    )


def render_comparison(content: Content, pages: Iterable[Field], scored: ScoredProfile | None = None) -> str:
    """Two or three pages side by side (training, fellowships, lifestyle, every dimension), escaped HTML."""
    chosen = list(pages)
    heads = "".join(f'<th scope="col">{escape(p.name)}</th>' for p in chosen)
    you = '<th scope="col">You</th>' if scored is not None else ""

    # Each cell names its column (data-label): on a phone the table stacks into one card per row, and the
    # cell says which field it is about (walk review 7: one column of three showed at 375 px).
    names = [escape(p.name, quote=True) for p in chosen]

    def fact_row(label: str, cells: Iterable[str]) -> str:
        tds = "".join(f'<td data-label="{name}">{cell}</td>' for name, cell in zip(names, cells, strict=True))
        return f'<tr><th scope="row">{escape(label)}</th>{tds}{"<td></td>" if scored is not None else ""}</tr>'

    rows = [
        fact_row("In short", (escape(p.summary) for p in chosen)),
        fact_row(
            "Training after medical school",
            (escape(p.training.years_shown or "varies") for p in chosen),
        ),
        fact_row("Training", (escape(p.training.text) for p in chosen)),
        fact_row("Fellowships and further training", (escape(", ".join(p.fellowships.items)) for p in chosen)),
        fact_row("Lifestyle", (escape(p.lifestyle.text) for p in chosen)),
    ]
    for dimension in content.matched_dimensions:
        cells = "".join(
            f'<td data-label="{name}">{p.value(dimension.id):.2f}</td>' for name, p in zip(names, chosen, strict=True)
        )
        mine = ""
        if scored is not None:
            score = scored.scores[dimension.id]
            mine = f'<td data-label="You">{"not answered" if score.unanswered else f"{score.value:.2f}"}</td>'
        rows.append(f'<tr><th scope="row">{escape(dimension.label)}</th>{cells}{mine}</tr>')
    table = (
        '<table class="se-compare se-wide"><caption>Side by side; profile values run from 0 (low) to 1 (high)</caption>'
        f'<thead><tr><th scope="col">What</th>{heads}{you}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    return scrolling(table, "The pages side by side")


def render_paths(content: Content, ranked: Sequence[tuple[Field, int | None]], link: Callable[[str], str]) -> str:
    """The career paths in the order given (best fit first, see results.paths_by_fit), each with its fit
    when known, the degrees that lead there and the school's ways to explore it; escaped HTML."""
    parts = []
    described: dict[str, str] = {}
    for page, fit in ranked:
        shown = f' <span class="se-fit">fit {fit}</span>' if fit is not None else ""
        degrees = "".join(f"<li><strong>{escape(d.name)}</strong>: {escape(d.text)}</li>" for d in page.degrees)
        href = escape(link(page.id), quote=True)
        parts.append(
            f'<section class="se-path"><h2><a href="{href}">{escape(page.name)}</a>{shown}</h2>'
            f"<p>{escape(page.summary)}</p>"
            + (f"<h3>Degrees and programs that lead here</h3><ul>{degrees}</ul>" if degrees else "")
            + render_ways(content, page, described)
            + "</section>"
        )
    return "".join(parts)
