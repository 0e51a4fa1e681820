"""A clinician's sign-off of a page: the printable review sheet, and the pages not yet reviewed.

A school asks a physician of each field (for example "a cardiologist at an affiliated hospital") to read
its page: every fact with its sources, and every value that describes the field for matching, in words,
each with boxes to agree or to correct. What they agree to goes back into the page's YAML as a review
(role, date, which parts), and the page then shows it to students. docs/content.md tells the process.
Pure: HTML out, nothing read or written.
"""

from __future__ import annotations

from datetime import date
from html import escape

from selfexplore.content import Content, Fact, Field
from selfexplore.errors import Problem
from selfexplore.report import html_document

# How a value from 0 to 1 reads in words, by band: (upper bound, words).
_BANDS = ((0.2, "low"), (0.4, "leans low"), (0.6, "in the middle"), (0.8, "leans high"), (1.01, "high"))
_BOXES = (
    '<p class="boxes"><span class="box"></span> Agree &nbsp; <span class="box"></span> Correct it: '
    '<span class="line"></span></p>'
)
_SHEET_STYLE = (
    "<style>.box{display:inline-block;width:0.9em;height:0.9em;border:1px solid #1b1f24;vertical-align:middle}"
    ".line{display:inline-block;width:60%;border-bottom:1px solid #1b1f24}"
    ".boxes{margin:0.2rem 0 0.8rem}.fact{margin-bottom:1rem}"
    # A source's address is one long word: it wraps rather than widening the sheet on a phone.
    ".muted{overflow-wrap:anywhere}"
    # On a phone the values table becomes one card per dimension, each cell named, so nothing is cut off.
    "@media (max-width:36rem){.values thead{display:none}.values tr,.values th,.values td{display:block}"
    ".values tr{border-bottom:1px solid #1b1f24;padding:0.5rem 0}"
    ".values td::before{content:attr(data-label) ': ';font-weight:600}}"
    ".values td:last-child{white-space:nowrap}</style>"
)


def value_words(content: Content, dimension_id: str, value: float) -> str:
    """A profile value in words: its band, and what the low or the high end means for this dimension."""
    dimension = content.dimensions_by_id[dimension_id]
    band = next(words for upper, words in _BANDS if value < upper)
    if band in ("low", "leans low"):
        return f"{band}: {dimension.low}"
    if band in ("high", "leans high"):
        return f"{band}: {dimension.high}"
    return band


def _fact(page: Field, title: str, fact: Fact) -> str:
    cited = "; ".join(
        f"{escape(page.sources_by_id[i].publisher)}, {escape(page.sources_by_id[i].title)} "
        f"({page.sources_by_id[i].year}) {escape(page.sources_by_id[i].url)}"
        for i in fact.sources
        if i in page.sources_by_id
    )
    return (
        f'<div class="fact"><h3>{escape(title)}</h3><p>{escape(fact.text)}</p>'
        f'<p class="muted">Sources: {cited}</p>{_BOXES}</div>'
    )


def review_sheet(content: Content, page: Field, made_on: date) -> str:
    """The printable review sheet of one page, as a complete HTML document (no script, nothing fetched)."""
    facts = [
        ("What the work looks like day to day", page.day_to_day),
        ("Patients", page.patient_population),
        ("Training", page.training),
        ("Lifestyle", page.lifestyle),
    ]
    if page.entry is not None:
        facts.append(("Getting in", page.entry))
    if page.family is not None:
        facts.append(("How you get there from the core residency", page.family.route))
    facts += [(f"Combined residency: {c.name}", c) for c in page.combined]
    fellowships = ""
    if page.fellowships.items:
        listed = "".join(f"<li>{escape(item)}</li>" for item in page.fellowships.items)
        fellowships = f"<div class='fact'><h3>Further training</h3><ul>{listed}</ul>{_BOXES}</div>"
    rows = "".join(
        f"<tr><th scope='row'>{escape(d.label)}</th><td data-label='Value'>{page.value(d.id):.2f}: "
        f"{escape(value_words(content, d.id, page.value(d.id)))}</td>"
        f"<td data-label='Why'>{escape(page.profile[d.id].why)}</td>"
        "<td data-label='Your view'><span class='box'></span> Agree<br><span class='box'></span> Higher<br>"
        "<span class='box'></span> Lower</td></tr>"
        for d in content.matched_dimensions
    )
    reviewed = (
        "<p>Reviews so far: "
        + "; ".join(f"{escape(r.role)}, {r.date.isoformat()} ({', '.join(r.parts)})" for r in page.reviews)
        + ".</p>"
        if page.reviews
        else "<p>This page has not been reviewed by a physician of the field at the school yet.</p>"
    )
    body = (
        f"{_SHEET_STYLE}<h1>Review sheet: {escape(page.name)}</h1>"
        f"<p class='muted'>{escape(content.resources.school.name)} · selfexplore · printed "
        f"{made_on.isoformat()} · the page's facts were last checked {page.checked.isoformat()}</p>"
        "<p>Thank you for reading this page as a physician of the field. First-year students read it to decide "
        "whether to explore the field further. Please tick <em>Agree</em> where it is right, and correct "
        "anything wrong or out of date; say where your correction comes from if you can. Your name is not "
        "needed: the page will show your role (for example, a physician of this field at an affiliated "
        f"hospital) and the month.</p>{reviewed}"
        f"<h2>The facts</h2><p>{escape(page.summary)}</p>{_BOXES}"
        + "".join(_fact(page, title, fact) for title, fact in facts)
        + fellowships
        + "<h2>How the field is described for matching</h2><p>Students are matched to fields on these "
        "dimensions. Each value runs from 0 (low) to 1 (high); 0.5 means the field does not lean either way. "
        "Tick whether the value is right, or should be higher or lower.</p>"
        "<table class='values'><thead><tr><th scope='col'>Dimension</th><th scope='col'>Value</th>"
        f"<th scope='col'>Why</th><th scope='col'>Your view</th></tr></thead><tbody>{rows}</tbody></table>"
        "<h2>Sign-off</h2><p>Your role (not your name): <span class='line'></span></p>"
        "<p>Date: <span class='line'></span></p><p>I reviewed: <span class='box'></span> the facts "
        "&nbsp; <span class='box'></span> how the field is described for matching</p>"
    )
    return html_document(f"Review sheet: {page.name} · selfexplore", body)


def unreviewed(content: Content) -> tuple[Problem, ...]:
    """Warnings, not errors: the pages no physician of the field at the school has reviewed yet."""
    return tuple(
        Problem(f"{folder}/{page.id}.yaml", "reviews", "not yet reviewed by a physician of the field at the school")
        for folder, pages in (("specialties", content.specialties), ("paths", content.paths))
        for page in pages
        if not page.reviews
    )
