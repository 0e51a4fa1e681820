"""Specialty and career-path pages as HTML, and the directory that lists them.

Pure functions: they return strings and lists, and every piece of text that goes into HTML is escaped here,
so the views only place the result on screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Literal

from selfexplore.content import Content, Fact, Page, Source

Section = Literal["specialties", "paths"]


@dataclass(frozen=True)
class Entry:
    """One line of the directory."""

    id: str
    name: str
    summary: str


def directory(content: Content, section: Section, query: str = "") -> list[Entry]:
    """The pages of one section whose name or summary contains every word of the query, sorted by name."""
    pages = content.specialties if section == "specialties" else content.paths
    words = query.casefold().split()
    found = [
        Entry(page.id, page.name, page.summary)
        for page in pages
        if all(word in f"{page.name} {page.summary}".casefold() for word in words)
    ]
    return sorted(found, key=lambda entry: entry.name.casefold())


def _cite(page: Page, ids: Iterable[str]) -> str:
    numbers = {source.id: number for number, source in enumerate(page.sources, start=1)}
    refs = ", ".join(f'<a href="#src-{escape(page.id)}-{numbers[i]}">{numbers[i]}</a>' for i in ids if i in numbers)
    return f' <sup class="se-cite">[{refs}]</sup>' if refs else ""


def _fact(page: Page, title: str, fact: Fact) -> str:
    return f"<h3>{escape(title)}</h3><p>{escape(fact.text)}{_cite(page, fact.sources)}</p>"


def _source(page: Page, number: int, source: Source) -> str:
    return (
        f'<li id="src-{escape(page.id)}-{number}">{escape(source.publisher)}. '
        f'<a href="{escape(source.url, quote=True)}" rel="noopener noreferrer" target="_blank">'
        f"{escape(source.title)}</a> ({source.year}).</li>"
    )


def _years(page: Page) -> str:
    years = page.training.years
    if years is None:
        return ""
    shown = f"{years:g}"
    return f"<p><strong>Training after medical school:</strong> {escape(shown)} years</p>"


def render_page(content: Content, page: Page) -> str:
    """The full page for a specialty or a career path, as escaped HTML."""
    parts = [
        f'<article class="se-page" aria-labelledby="title-{escape(page.id)}">',
        f'<h2 id="title-{escape(page.id)}">{escape(page.name)}</h2>',
        f'<p class="se-summary">{escape(page.summary)}</p>',
        _fact(page, "What the work looks like day to day", page.day_to_day),
        _fact(page, "Patients", page.patient_population),
        _fact(page, "Training", page.training),
        _years(page),
    ]
    if page.fellowships.items:
        heading = "Fellowships and subspecialties" if page.kind == "specialty" else "Further training and roles"
        items = "".join(f"<li>{escape(item)}</li>" for item in page.fellowships.items)
        parts.append(f"<h3>{heading}</h3><ul>{items}</ul>{_cite(page, page.fellowships.sources)}")
    parts.append(_fact(page, "Lifestyle", page.lifestyle))
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
        names = ", ".join(escape(content.page(r).name) for r in page.related)
        label = "Related specialties" if page.kind == "specialty" else "Specialties that often lead here"
        parts.append(f"<p><strong>{label}:</strong> {names}</p>")
    parts.append(_profile_table(content, page))
    sources = "".join(_source(page, number, s) for number, s in enumerate(page.sources, start=1))
    parts.append(f'<h3>Sources</h3><ol class="se-sources">{sources}</ol></article>')
    return "".join(parts)


def _profile_table(content: Content, page: Page) -> str:
    rows = []
    for dimension in content.dimensions:
        entry = page.profile[dimension.id]
        rows.append(
            f'<tr><th scope="row">{escape(dimension.label)}</th><td>{entry.value:.2f}</td>'
            f"<td>{escape(entry.why)}</td></tr>"
        )
    return (
        '<details class="se-profile"><summary>How this page is described for matching</summary>'
        "<table><caption>Profile values from 0 (low) to 1 (high); 0.5 is neither</caption>"
        '<thead><tr><th scope="col">Dimension</th><th scope="col">Value</th><th scope="col">Why</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )
