"""Anonymous figures for a group session: what a facilitator may see, and nothing that describes fewer than
MIN_GROUP students. Pure (the caller reads the store); uses pandas and NumPy, which only the facilitator's
kernel loads, never a student's.

Each student counts once per session, with their latest attempt. The figures are computed the way the
workbook computes a student's own (selfexplore.scoring and selfexplore.matching), but for every student at
once: a profile is the mean of the answered positions per dimension; a page's score is the sum over
dimensions of (2p - 1)(2s - 1), plus the body systems' share; pages are ranked by score, ties by id.

Suppression. A session with fewer than MIN_GROUP members shows nothing but how many joined. Each part of the
workbook (enough statements for a ranking, the values order, the challenges checklist) is counted only over
the members who answered that part, and shows nothing, not even how many answered it, until MIN_GROUP have.
Within a part of n counted students:
- a count is withheld when it describes fewer than MIN_GROUP of them, or leaves out fewer than MIN_GROUP
  (n - count < MIN_GROUP): seven of ten ticking a box says what the other three did, ten of ten says what
  each one did;
- counts that add up to a known total (each student puts one value first, and has TOP pages in their top
  TOP) withhold more, the smallest first, until the withheld ones cannot be worked out from the total and
  the rest: at least two of them, describing at least MIN_GROUP students together;
- an average or spread is withheld when the students who answered it are fewer than MIN_GROUP, or leave out
  between 1 and MIN_GROUP - 1 of the n (an average over eight beside figures over ten says something of the
  other two), and then so is how many answered it.
How far students got (started, each page finished) says nothing of what they answered; it is shown from
MIN_GROUP students and not withheld near the size of the group. Free text appears only when a student
shared that reflection with the group, and never with anything that identifies them; it is listed in a
fixed order (by prompt, then by text), not in the order students wrote it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from selfexplore.content import Content, Page
from selfexplore.matching import SYSTEM_WEIGHT
from selfexplore.results import TOP, TRUST_THRESHOLD
from selfexplore.store import GroupRows

MIN_GROUP = 5


@dataclass(frozen=True)
class Figure:
    """One number for the group; `value` is None when it would describe fewer than MIN_GROUP students."""

    key: str
    label: str
    value: float | None
    students: int

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Spread:
    """A dimension's average and spread; all three None when withheld (see `_spread`)."""

    key: str
    label: str
    mean: float | None
    sd: float | None
    students: int | None


@dataclass(frozen=True)
class Dashboard:
    members: int
    shown: bool  # False: fewer than MIN_GROUP members, so nothing else is shown
    progress: tuple[Figure, ...] = ()
    matched: int = 0  # students whose answers are enough to rank pages
    specialties: tuple[Figure, ...] = ()  # students with the page in their top TOP
    paths: tuple[Figure, ...] = ()
    dimensions: tuple[Spread, ...] = ()
    ranked: int = 0
    values_first: tuple[Figure, ...] = ()  # students who put the value first
    values_place: tuple[Figure, ...] = ()  # mean place in the ranking (1 = first)
    challenges: tuple[Figure, ...] = ()
    checklist: int = 0  # students who answered the challenges checklist
    reflections: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (prompt text, text)


def _count(key: str, label: str, count: int, students: int) -> Figure:
    """How many have reached a point of the workbook: shown from MIN_GROUP students."""
    return Figure(key, label, float(count) if count >= MIN_GROUP else None, students)


def _counted(answered: int) -> int:
    """The students a part's figures rest on: none while fewer than MIN_GROUP answered it."""
    return answered if answered >= MIN_GROUP else 0


def _counts(
    named: Sequence[tuple[str, str]], counts: Sequence[int], group: int, total: int | None = None
) -> tuple[Figure, ...]:
    """How many of the `group` counted students chose each option, each withheld when it describes fewer
    than MIN_GROUP of them or leaves out fewer than MIN_GROUP (seven of ten says what the other three did;
    ten of ten says what each one did). When the counts add up to a known `total` (everyone puts one value
    first; everyone has TOP pages in their top TOP), the smallest shown counts are withheld too, until the
    withheld ones cannot be worked out from the total and the rest: at least two, describing at least
    MIN_GROUP together (a lone withheld count, or withheld counts adding up to 0, would be given away)."""
    withheld = {i for i, count in enumerate(counts) if count < MIN_GROUP or group - count < MIN_GROUP}
    if total is not None:
        while withheld and len(withheld) < len(counts):
            rest = total - sum(count for i, count in enumerate(counts) if i not in withheld)
            if len(withheld) >= 2 and rest >= MIN_GROUP:
                break
            withheld.add(min((i for i in range(len(counts)) if i not in withheld), key=lambda i: (counts[i], i)))
    return tuple(
        Figure(key, label, None if i in withheld else float(counts[i]), group) for i, (key, label) in enumerate(named)
    )


def _spread(key: str, label: str, values: pd.Series, group: int) -> Spread:
    """A dimension over those of the `group` counted students who answered it (`values`): withheld when
    they are fewer than MIN_GROUP, or when they leave out between one and MIN_GROUP - 1 of the group (an
    average over eight beside one over ten says how the other two answered)."""
    answered = len(values)
    left_out = group - answered
    if answered < MIN_GROUP or 0 < left_out < MIN_GROUP:
        return Spread(key, label, None, None, None)
    return Spread(key, label, float(values.mean()), float(values.std(ddof=0)), answered)


def _profiles(content: Content, answers: pd.DataFrame, members: Sequence[int]) -> pd.DataFrame:
    """students x dimensions, each the mean answered position (NaN where nothing was answered)."""
    rows = []
    questionnaire = content.questionnaire
    for item in questionnaire.items:
        if item.kind != "scale":
            continue
        points = questionnaire.scale_of(item).points
        for key in item.keys:
            rows.append((item.id, key.dimension, key.reverse, points))
    keys = pd.DataFrame(rows, columns=["item", "dimension", "reverse", "points"])
    scale = answers.merge(keys, on="item", how="inner")
    number = pd.to_numeric(scale["value"], errors="coerce")
    position = (number - 1) / (scale["points"] - 1)
    scale = scale.assign(position=position.where(~scale["reverse"], 1 - position)).dropna(subset=["position"])
    means = scale.groupby(["student", "dimension"])["position"].mean().unstack()
    return means.reindex(index=list(members), columns=list(content.dimension_ids))


def _lists(answers: pd.DataFrame, item_id: str | None) -> dict[int, tuple[str, ...]]:
    if item_id is None:
        return {}
    found = {}
    chosen = answers[answers["item"] == item_id]
    for student, value in zip(chosen["student"].tolist(), chosen["value"].tolist(), strict=True):
        try:
            decoded = json.loads(value)
        except (TypeError, ValueError):
            continue
        if isinstance(decoded, list):
            found[int(student)] = tuple(str(v) for v in decoded)
    return found


def _item_of_kind(content: Content, kind: str) -> str | None:
    return next((item.id for item in content.questionnaire.items if item.kind == kind), None)


def _top_pages(
    content: Content,
    pages: Sequence[Page],
    leans: np.ndarray,
    systems: Mapping[int, tuple[str, ...]],
    members: Sequence[int],
) -> np.ndarray:
    """For each student (row of `leans`), the indexes of their TOP pages, best first, ties by id."""
    page_leans = np.array([[2 * page.value(d) - 1 for d in content.dimension_ids] for page in pages])
    scores = leans @ page_leans.T
    system_ids = list(content.system_ids)
    covered = np.array([[1.0 if s in page.systems else 0.0 for s in system_ids] for page in pages])
    chosen = np.zeros((len(members), len(system_ids)))
    for row, student in enumerate(members):
        picked = [system_ids.index(s) for s in systems.get(student, ()) if s in system_ids]
        if picked:
            chosen[row, picked] = SYSTEM_WEIGHT / len(picked)
    scores = scores + chosen @ covered.T
    by_id = np.argsort(np.argsort([page.id for page in pages]))
    order = np.lexsort((np.broadcast_to(by_id, scores.shape), -scores), axis=1)
    return order[:, :TOP]


def aggregate(content: Content, rows: GroupRows) -> Dashboard:
    members = sorted(set(rows.members))
    if len(members) < MIN_GROUP:
        return Dashboard(members=len(members), shown=False)
    # Built column by column, with the item ids as a category: ten thousand students give 700,000 rows.
    answers = pd.DataFrame(
        {
            "student": np.fromiter((row[0] for row in rows.answers), dtype=np.int64, count=len(rows.answers)),
            "item": pd.Categorical([row[1] for row in rows.answers]),
            "value": [row[2] for row in rows.answers],
        }
    )
    answers = answers[answers["student"].isin(members)]

    # How far they got: cumulative milestones, each a count of students.
    questionnaire = content.questionnaire
    started = answers["student"].nunique()
    reached = [_count("started", "Answered at least one question", started, len(members))]
    for section in questionnaire.sections:
        ids = [item.id for item in questionnaire.items_in(section.id)]
        done = answers[answers["item"].isin(ids)].groupby("student", observed=True)["item"].nunique()
        reached.append(
            _count(f"done_{section.id}", f"Finished: {section.title}", int((done == len(ids)).sum()), len(members))
        )
    progress = tuple(reached)

    # Profiles and matches, for students who answered enough for a ranking to mean something.
    profiles = _profiles(content, answers, members)
    totals = dict.fromkeys(content.dimension_ids, 0)
    for item in questionnaire.items:
        for key in item.keys:
            totals[key.dimension] += 1
    keyed = answers.merge(
        pd.DataFrame([(i.id, len(i.keys)) for i in questionnaire.items if i.kind == "scale"], columns=["item", "keys"]),
        on="item",
    )
    share = keyed.groupby("student")["keys"].sum().reindex(members).fillna(0) / sum(totals.values())
    trusted = [int(s) for s in share.index[share.to_numpy() >= TRUST_THRESHOLD]]
    systems = _lists(answers, _item_of_kind(content, "systems"))
    matched = _counted(len(trusted))
    specialties: tuple[Figure, ...] = ()
    paths: tuple[Figure, ...] = ()
    if matched:
        leans = (2 * profiles.loc[trusted] - 1).fillna(0.0).to_numpy()
        for kind_pages, target in ((content.specialties, "specialties"), (content.paths, "paths")):
            top = _top_pages(content, kind_pages, leans, systems, trusted)
            counts = np.bincount(top.ravel(), minlength=len(kind_pages))
            figures = _counts(
                [(page.id, page.name) for page in kind_pages],
                [int(count) for count in counts],
                matched,
                total=top.shape[1] * matched,
            )
            figures = tuple(sorted(figures, key=lambda f: (-(f.value or 0), f.label)))
            if target == "specialties":
                specialties = figures
            else:
                paths = figures

    # The group's profile rests on the same students as the matches: those who answered enough.
    dimensions = tuple(
        _spread(dimension.id, dimension.label, profiles.loc[trusted, dimension.id].dropna(), matched)
        for dimension in content.dimensions
    )

    rankings = _lists(answers, _item_of_kind(content, "ranking"))
    values = [d.id for d in content.dimensions if d.group == "values"]
    full = [order for order in rankings.values() if sorted(order) == sorted(values)]
    ranked = _counted(len(full))
    named = [(v, content.dimensions_by_id[v].label) for v in values]
    first = _counts(named, [sum(1 for o in full if o[0] == v) for v in values], ranked, total=ranked)
    # Every student ranks every value: the averages rest on all of them, so they are shown together or not.
    place = tuple(
        Figure(v, label, float(np.mean([o.index(v) + 1 for o in full])) if ranked else None, ranked)
        for v, label in named
    )
    place = tuple(sorted(place, key=lambda f: (f.value if f.value is not None else 99, f.label)))

    ticked = _lists(answers, _item_of_kind(content, "challenges"))
    checklist = _counted(len(ticked))
    challenges = _counts(
        [(c.id, c.label) for c in content.resources.challenges],
        [sum(1 for chosen in ticked.values() if c.id in chosen) for c in content.resources.challenges],
        checklist,
    )

    prompts = content.reflection_prompts_by_id
    member_set = set(members)
    shared = sorted(
        (prompts[p].text if p in prompts else p, text.strip())
        for student, p, text in rows.shared
        if student in member_set and text.strip()
    )
    return Dashboard(
        members=len(members),
        shown=True,
        progress=progress,
        matched=matched,
        specialties=specialties,
        paths=paths,
        dimensions=dimensions,
        ranked=ranked,
        values_first=first,
        values_place=place,
        challenges=challenges,
        checklist=checklist,
        reflections=tuple(shared),
    )


# --- showing and exporting -------------------------------------------------------------------------

WITHHELD = "withheld"
RULE = (
    f"A figure is withheld when it would describe fewer than {MIN_GROUP} students, leave out fewer than "
    f"{MIN_GROUP} of those counted, or let a withheld figure beside it be worked out."
)


def _shown(figure: Figure, digits: int = 0) -> str:
    if figure.value is None:
        return WITHHELD
    return f"{figure.value:.{digits}f}"


def _bars(figures: Iterable[Figure], total: int, caption: str, limit: int = 10) -> str:
    """A horizontal bar chart (inline SVG) of counts, with the same figures as a table."""
    listed = [f for f in figures if f.value is not None][:limit]
    if not listed:
        return f"<p>{escape(caption)}: every figure here is withheld.</p>"
    width, label_width, row = 680, 360, 24
    bars = []
    for index, figure in enumerate(listed):
        value = figure.value or 0
        length = (width - label_width - 50) * value / max(total, 1)
        y = index * row + 4
        bars.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" class="se-svg-label">'
            f"{escape(figure.label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" class="se-svg-bar"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" class="se-svg-value">{int(value)}</text>'
        )
    rows = "".join(f'<tr><th scope="row">{escape(f.label)}</th><td>{_shown(f)}</td></tr>' for f in figures)
    return (
        f'<figure class="se-chart"><svg role="img" aria-label="{escape(caption, quote=True)}" '
        f'viewBox="0 0 {width} {len(listed) * row + 8}" class="se-svg">{"".join(bars)}</svg>'
        f"<figcaption>{escape(caption)} (of {total} students)</figcaption><details><summary>As a table</summary>"
        f'<table><thead><tr><th scope="col">What</th><th scope="col">Students</th></tr></thead><tbody>{rows}'
        "</tbody></table></details></figure>"
    )


def render_dashboard(content: Content, dashboard: Dashboard) -> str:
    """Escaped HTML of the session's figures, suppression applied."""
    if not dashboard.shown:
        return (
            f"<p class='se-notice'>{dashboard.members} joined so far. Figures appear once {MIN_GROUP} students "
            "have joined, so that nobody can be picked out.</p>"
        )
    progress = "".join(f"<li>{escape(f.label)}: <strong>{_shown(f)}</strong></li>" for f in dashboard.progress)
    dims = "".join(
        f'<tr><th scope="row">{escape(s.label)}</th><td>{"" if s.mean is None else f"{s.mean:.2f}"}</td>'
        f"<td>{'' if s.sd is None else f'{s.sd:.2f}'}</td>"
        f"<td>{WITHHELD if s.students is None else s.students}</td></tr>"
        for s in dashboard.dimensions
    )
    supports = content.resources.supports_by_id
    challenge_rows = "".join(
        f'<tr><th scope="row">{escape(f.label)}</th><td>{_shown(f)}</td><td>'
        + escape(
            ", ".join(supports[s].name for s in next(c for c in content.resources.challenges if c.id == f.key).supports)
        )
        + "</td></tr>"
        for f in dashboard.challenges
    )
    reflections = "".join(
        f"<li><p class='se-muted'>{escape(prompt)}</p><blockquote>{escape(text)}</blockquote></li>"
        for prompt, text in dashboard.reflections
    )
    place = "".join(
        f'<tr><th scope="row">{escape(f.label)}</th><td>{_shown(f, 1)}</td></tr>' for f in dashboard.values_place
    )
    return (
        f"<section aria-labelledby='se-d-joined'><h2 id='se-d-joined'>{dashboard.members} joined</h2>"
        f"<ul>{progress}</ul><p class='se-muted'>{escape(RULE)}</p></section>"
        "<section aria-labelledby='se-d-top'><h2 id='se-d-top'>Where interests cluster</h2>"
        + (
            f"<p>How many students have each page in their top {TOP}, among the {dashboard.matched} who answered "
            "enough for a ranking.</p>"
            + _bars(dashboard.specialties, dashboard.matched, f"Specialties in students' top {TOP}")
            + _bars(dashboard.paths, dashboard.matched, f"Career paths in students' top {TOP}")
            if dashboard.matched
            else f"<p>Fewer than {MIN_GROUP} students have answered enough for a ranking so far.</p>"
        )
        + "</section><section aria-labelledby='se-d-values'><h2 id='se-d-values'>What matters most to the group</h2>"
        + (
            f"<p>{dashboard.ranked} students put the values in order.</p>"
            if dashboard.ranked
            else f"<p>Fewer than {MIN_GROUP} students have put the values in order so far.</p>"
        )
        + _bars(dashboard.values_first, max(dashboard.ranked, 1), "Students who put each value first")
        + f"<table><caption>Average place in the ranking (1 = first)</caption><thead><tr><th scope='col'>Value</th>"
        f"<th scope='col'>Average place</th></tr></thead><tbody>{place}</tbody></table></section>"
        "<section aria-labelledby='se-d-dims'><h2 id='se-d-dims'>The group's profile</h2><table><caption>Average "
        "and spread (standard deviation) from 0 to 1, over the students who answered each dimension</caption>"
        "<thead><tr><th scope='col'>Dimension</th><th scope='col'>Average</th><th scope='col'>Spread</th>"
        f"<th scope='col'>Students</th></tr></thead><tbody>{dims}</tbody></table></section>"
        "<section aria-labelledby='se-d-challenges'><h2 id='se-d-challenges'>What stands in the way</h2>"
        + (
            f"<p>{dashboard.checklist} students answered the checklist.</p>"
            if dashboard.checklist
            else f"<p>Fewer than {MIN_GROUP} students have answered the checklist so far.</p>"
        )
        + "<table><thead><tr><th scope='col'>Challenge"
        "</th><th scope='col'>Students</th><th scope='col'>Who can help</th></tr></thead>"
        f"<tbody>{challenge_rows}</tbody></table></section>"
        "<section aria-labelledby='se-d-shared'><h2 id='se-d-shared'>Shared with the group</h2>"
        + (f"<ul class='se-shared'>{reflections}</ul>" if reflections else "<p>No reflection shared yet.</p>")
        + "</section>"
    )


def to_frame(dashboard: Dashboard) -> pd.DataFrame:
    """Every figure as one long table (section, key, label, value, students), suppression applied: a
    withheld value is empty and marked in `withheld`. Shared reflections are not part of the export."""
    rows: list[dict[str, Any]] = [
        {
            "section": "session",
            "key": "members",
            "label": "Students who joined",
            "value": dashboard.members,
            "students": dashboard.members,
            "withheld": not dashboard.shown,
        },
    ]
    if dashboard.shown:
        groups: list[tuple[str, Iterable[Figure]]] = [
            ("progress", dashboard.progress),
            ("top_specialties", dashboard.specialties),
            ("top_paths", dashboard.paths),
            ("value_first", dashboard.values_first),
            ("value_place", dashboard.values_place),
            ("challenges", dashboard.challenges),
        ]
        for section, figures in groups:
            rows.extend(
                {
                    "section": section,
                    "key": f.key,
                    "label": f.label,
                    "value": f.value,
                    "students": f.students,
                    "withheld": f.value is None,
                }
                for f in figures
            )
        for s in dashboard.dimensions:
            for what, value in (("mean", s.mean), ("sd", s.sd)):
                rows.append(
                    {
                        "section": f"dimension_{what}",
                        "key": s.key,
                        "label": s.label,
                        "value": value,
                        "students": s.students,
                        "withheld": value is None,
                    }
                )
    return pd.DataFrame(rows, columns=["section", "key", "label", "value", "students", "withheld"])


def export_html(content: Content, name: str, dashboard: Dashboard) -> str:
    """A self-contained HTML summary of the session (styles inline, charts as SVG, no script)."""
    style = (
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;max-width:50rem;"
        "margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse;width:100%}"
        "th,td{text-align:left;border-bottom:1px solid #c9d3dc;padding:.25rem .4rem}.se-svg{width:100%;height:auto;"
        "font-size:13px}.se-svg-bar{fill:#1d4f73}.se-svg-label,.se-svg-value{fill:#1b1f24}"
        "blockquote{margin:.25rem 0 1rem;padding-left:.75rem;border-left:3px solid #1d4f73;white-space:pre-wrap}"
        "@media print{body{margin:0;max-width:none}section{break-inside:avoid}}"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(name)}: group summary</title>'
        f"<style>{style}</style></head><body><main><h1>{escape(name)}</h1><p>Anonymous figures for the group; "
        f"{escape(RULE)}</p>"
        f"{render_dashboard(content, dashboard)}</main></body></html>"
    )
