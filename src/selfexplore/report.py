"""The student's report: one self-contained HTML page (with a print stylesheet) and the same as JSON.

It holds the profile, the matches with their reasons, the tensions, the plan steps the student kept, and
only the reflections the student ticked for the report: a reflection that was not ticked never appears,
whatever its sharing choices. Nothing identifies the student. Pure: the caller (selfexplore.services.visit) reads
the store and passes what it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from selfexplore.content import Content
from selfexplore.matching import FieldList, fit_words
from selfexplore.plan import MONTH_NAMES, Step, merge, month_label, suggest
from selfexplore.results import Results, build_results, quotable, reason_words, tension_words, tensions
from selfexplore.scoring import Answer, ticked_challenges

SHOWN = 5


@dataclass(frozen=True)
class Reflected:
    prompt: str
    text: str


@dataclass(frozen=True)
class Report:
    school: str
    attempt: int
    made_on: date
    results: Results
    steps: tuple[Step, ...]
    reflections: tuple[Reflected, ...]


def build_report(
    content: Content,
    attempt: int,
    answers: Mapping[str, Answer],
    plan: Mapping[str, tuple[str, str, str | None]],
    reflections: Iterable[tuple[str, str, bool]],
    made_on: date,
) -> Report:
    """`plan` maps step id -> (status, note, month); `reflections` are (prompt id, text, in_report)."""
    results = build_results(content, answers)
    steps = merge(suggest(content, results, ticked_challenges(content, answers)), plan)
    prompts = content.reflection_prompts_by_id
    kept = tuple(
        Reflected(prompts[prompt_id].text if prompt_id in prompts else prompt_id, text)
        for prompt_id, text, in_report in reflections
        if in_report and text.strip()
    )
    return Report(content.resources.school.name, attempt, made_on, results, tuple(s for s in steps if s.kept), kept)


def report_json(content: Content, report: Report) -> dict[str, Any]:
    def matches(kind: FieldList) -> list[dict[str, Any]]:
        return [m.to_json() for m in report.results.matches(kind)[:SHOWN]]

    return {
        "format": "selfexplore-report",
        "version": 1,
        "attempt": report.attempt,
        "made_on": report.made_on.isoformat(),
        "profile": report.results.scored.to_json(),
        "values_ranking": list(report.results.ranking),
        "matches": {"specialties": matches("specialties"), "paths": matches("paths")},
        "tensions": [
            {"value": t.value, "page": t.page_id, "ranked": t.ranked}
            for kind in ("specialties", "paths")
            for t in tensions(content, report.results, kind)
        ],
        "plan": [
            {
                "id": s.suggestion.id,
                "step": s.suggestion.title,
                "status": s.status,
                "note": s.note,
                "target_month": s.target_month,
            }
            for s in report.steps
        ],
        "reflections": [{"prompt": r.prompt, "text": r.text} for r in report.reflections],
    }


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: #1b1f24;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #c9d3dc; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; border-bottom: 1px solid #c9d3dc; padding: 0.25rem 0.4rem; vertical-align: top; }
.muted { color: #4a5561; } .reasons { margin: 0.25rem 0 0; font-weight: 600; }
blockquote { margin: 0.5rem 0 1rem; padding-left: 0.75rem; border-left: 3px solid #1d4f73;
  white-space: pre-wrap; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; } li, tr, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _matches(content: Content, report: Report, kind: FieldList, title: str, level: int = 2) -> str:
    # The list numbers the matches itself (an <ol>): the items carry no number of their own.
    items = []
    ranked = report.results.matches(kind)
    for match in ranked[:SHOWN]:
        fits = "".join(f"<li>{reason_words(content, match, r)}</li>" for r in quotable(match.supports)[:3])
        not_fits = "".join(f"<li>{reason_words(content, match, r)}</li>" for r in quotable(match.conflicts)[:2])
        items.append(
            f"<li><strong>{escape(match.name)}</strong> (fit {match.fit}: {escape(fit_words(match, ranked[0]))})"
            + (f"<p class='reasons'>What fits:</p><ul>{fits}</ul>" if fits else "")
            + (f"<p class='reasons'>What does not:</p><ul>{not_fits}</ul>" if not_fits else "")
            + "</li>"
        )
    return f"<h{level}>{escape(title)}</h{level}><ol>{''.join(items)}</ol>"


def _steps(steps: Sequence[Step]) -> str:
    if not steps:
        return "<p class='muted'>No step kept yet.</p>"
    rows = "".join(
        f"<tr><td>{escape(s.suggestion.title)}</td><td>{escape(month_label(s.target_month or ''))}</td>"
        f"<td>{escape(s.note)}</td></tr>"
        for s in steps
    )
    return (
        '<table><thead><tr><th scope="col">Step</th><th scope="col">Month</th><th scope="col">My note</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


# What a report can hold, by part: the matches (with the tensions, the values ranking and the profile), the
# plan, and the reflections. The student's own report holds all three; what an adviser is shown holds the
# parts the student shared (selfexplore.sharing).
ReportPart = str
SECTIONS: frozenset[ReportPart] = frozenset({"matches", "plan", "reflections"})


def report_body(content: Content, report: Report, sections: frozenset[ReportPart] = SECTIONS, level: int = 2) -> str:
    """The report's parts named in `sections`, as HTML to place inside a page (every text escaped), its
    headings from <h`level`> down, to sit under the page's own."""
    results = report.results
    part, sub = f"h{level}", f"h{level + 1}"
    parts: list[str] = []
    if not results.trustworthy and "matches" in sections:
        parts.append(
            "<p><strong>Fewer than 60% of the statements were answered: read the matches with care.</strong></p>"
        )
    if "matches" in sections:
        parts.append(_matches(content, report, "specialties", "Specialties that fit me best", level))
        parts.append(_matches(content, report, "paths", "Career paths that fit me best", level))
        found = [*tensions(content, results, "specialties"), *tensions(content, results, "paths")]
        tension_list = "".join(f"<li>{tension_words(content, t)}</li>" for t in found)
        if tension_list:
            parts.append(f"<{part}>Tensions to think about</{part}><ul>{tension_list}</ul>")
    if "plan" in sections:
        parts.append(f"<{part}>My plan</{part}>{_steps(report.steps)}")
    if "reflections" in sections:
        reflections = "".join(
            f"<{sub}>{escape(r.prompt)}</{sub}><blockquote>{escape(r.text)}</blockquote>" for r in report.reflections
        )
        if reflections:
            parts.append(f"<{part}>My reflections</{part}>{reflections}")
    if "matches" in sections:
        ranking = ", ".join(content.dimensions_by_id[v].label for v in results.ranking)
        if ranking:
            parts.append(f"<{part}>What matters most to me, in order</{part}><p>{escape(ranking)}</p>")
        scores = results.scored.scores
        profile_rows = "".join(
            f'<tr><th scope="row">{escape(d.label)}</th><td>'
            f"{'not answered' if scores[d.id].unanswered else f'{scores[d.id].value:.2f}'}</td></tr>"
            for d in content.matched_dimensions
        )
        parts.append(
            f"<{part}>My profile</{part}><table><thead><tr><th scope='col'>What it is about</th>"
            "<th scope='col'>Value (0-1)</th>"
            f"</tr></thead><tbody>{profile_rows}</tbody></table>"
            "<p class='muted'>Values run from 0 (low) to 1 (high); 0.5 means no preference. A page fits better the "
            "more often it leans the same way as these values, and the more strongly both lean; each match above "
            "lists the dimensions that weigh most for it and against it.</p>"
        )
    return "".join(parts)


def made_on_words(made_on: date) -> str:
    return f"{made_on.day} {MONTH_NAMES[made_on.month - 1]} {made_on.year}"


def html_document(title: str, body: str) -> str:
    """A complete HTML document with the report's styles inline: no script, no request to any host."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def render_report_html(content: Content, report: Report) -> str:
    """The student's report as a complete HTML document with its styles inline: no script, no request to any
    host."""
    heading = (
        f"<h1>My selfexplore report</h1><p class='muted'>Attempt {report.attempt}, made on "
        f"{made_on_words(report.made_on)}. For my conversations with advisors at {escape(report.school)}.</p>"
    )
    return html_document(f"My selfexplore report, attempt {report.attempt}", heading + report_body(content, report))
