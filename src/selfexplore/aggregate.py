"""Anonymous figures for a group session: what a facilitator may see, and nothing that describes fewer than
MIN_GROUP students. Pure (the caller reads the store); uses pandas and NumPy, which only the facilitator's
kernel loads, never a student's.

The figures are computed the way the workbook computes a student's own (selfexplore.scoring and
selfexplore.matching), but for every student at once: a profile is, per dimension, the average of the mean
answered position of its statements worded each way (importance answers at or below the scale's middle
count as no preference, one-sided values floored at the middle); a field's score is the sum over the
matched dimensions of (2p - 1)(2s - 1), weighted as a shared interest, a shared dislike or a conflict, plus
the body systems' share; fields are ranked by score, ties by id. Tests check both against the workbook's
own functions for every student.

Who is counted (selfexplore.cohorts). Each part of the workbook (enough statements for a ranking,
TRUST_THRESHOLD of them, as on a student's own matches page; every statement of a dimension; the values
order; the challenges checklist) counts its own students, in steps of MIN_GROUP: the first 5, 10, 15... to
have joined and answered it, in that order, each with their answers as they stood SETTLE after the last of
them came. So a newcomer, a changed answer or a retake changes nothing until five more are counted; the
decision and what it cannot protect against are in that module and in docs/facilitation.md. How far
students got (started, each page finished) is counted in fives as well, without waiting.

Suppression. A session with fewer than MIN_GROUP members shows nothing but how many joined; a part shows
nothing, not even how many answered it, until MIN_GROUP are counted. Within a part of n counted students:
- a count is withheld when it describes fewer than MIN_GROUP of them, or leaves out fewer than MIN_GROUP
  (n - count < MIN_GROUP): seven of ten ticking a box says what the other three did, ten of ten says what
  each one did;
- counts that add up to a known total (each student puts one value first, and has TOP pages in their top
  TOP) withhold more, the smallest first, until the withheld ones cannot be worked out from the total and
  the rest: at least two of them, describing at least MIN_GROUP students together;
- an average or spread is withheld when the students it rests on are fewer than MIN_GROUP, or leave out
  between 1 and MIN_GROUP - 1 of the n, and then so is how many it rests on (with each dimension counting
  only those who answered all of it, this is a safeguard that should not happen).
How far students got says nothing of what they answered, and is not withheld near the size of the group.
Free text appears only when a student shared that reflection with the session, and never with anything that
identifies them; it is listed in a fixed order (by prompt, then by text), not in the order students wrote
it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from selfexplore.cohorts import MIN_GROUP, SETTLE, Counted, Part, count
from selfexplore.content import Content, Field, ItemKind
from selfexplore.matching import ABSENCE_WEIGHT, CONFLICT_WEIGHT, DRAW_WEIGHT, SYSTEM_WEIGHT
from selfexplore.records import GroupRows
from selfexplore.results import TOP, TRUST_THRESHOLD
from selfexplore.scoring import value_ids

__all__ = [
    "MIN_GROUP",
    "SETTLE",
    "Dashboard",
    "Figure",
    "Spread",
    "aggregate",
    "export_html",
    "render_dashboard",
    "to_frame",
]


@dataclass(frozen=True)
class Figure:
    """One number for the group; `value` is None when withheld. `students`: how many it is out of (the
    part's count, or for how far students got, how many joined)."""

    key: str
    label: str
    value: float | None
    students: int

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Spread:
    """A dimension's average and spread, and how many students they rest on; all three None when withheld
    (see `_dimensions`)."""

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
    # How many each part counts (a multiple of MIN_GROUP; 0 until MIN_GROUP have answered it):
    matched: int = 0  # students whose answers are enough to rank pages
    specialties: tuple[Figure, ...] = ()  # students with the page in their top TOP
    paths: tuple[Figure, ...] = ()
    dimensions: tuple[Spread, ...] = ()
    ranked: int = 0  # students who put the values in order
    values_first: tuple[Figure, ...] = ()  # students who put the value first
    values_place: tuple[Figure, ...] = ()  # mean place in the ranking (1 = first)
    challenges: tuple[Figure, ...] = ()
    checklist: int = 0  # students who answered the challenges checklist
    reflections: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (prompt text, text)


def _milestone(key: str, label: str, counted: Counted, members: int) -> Figure:
    """How many have reached a point of the workbook, in fives: shown from MIN_GROUP students."""
    reached = counted.reached.get(key, 0) // MIN_GROUP * MIN_GROUP
    return Figure(key, label, float(reached) if reached >= MIN_GROUP else None, members)


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


def _keys(content: Content) -> pd.DataFrame:
    """Every statement's keys: item, dimension, reverse, points and one_sided (of its scale)."""
    questionnaire = content.questionnaire
    return pd.DataFrame(
        [
            (
                item.id,
                key.dimension,
                key.reverse,
                questionnaire.scale_of(item).points,
                questionnaire.scale_of(item).one_sided,
            )
            for item in questionnaire.items
            if item.kind == "scale"
            for key in item.keys
        ],
        columns=["item", "dimension", "reverse", "points", "one_sided"],
    )


def _positions(answers: pd.DataFrame, keys: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """The answers to statements, each as a position from 0 to 1 on each dimension it keys (reversed where
    it says so), with the key's columns; `on` are the columns to match (the item, and the part if given).
    Importance answers at or below the scale's middle are 0.5, as selfexplore.scoring reads them."""
    keys = keys.astype({column: answers[column].dtype for column in on})
    scale = answers.merge(keys.dropna(subset=list(on)), on=list(on))
    share = (scale["number"] - 1) / (scale["points"] - 1)
    position = share.where(~scale["one_sided"].astype(bool), 0.5 + (share - 0.5).clip(lower=0.0))
    return scale.assign(position=position.where(~scale["reverse"], 1 - position)).dropna(subset=["position"])


def _balanced(scale: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """Per `by` (ending with the dimension or its part): the average of the mean position of the statements
    worded each way (balanced keying, selfexplore.scoring)."""
    halves = scale.groupby([*by, "reverse"], observed=True)["position"].mean()
    return halves.groupby(level=list(range(len(by))), observed=True).mean()


def _profiles(content: Content, answers: pd.DataFrame, members: Sequence[int]) -> pd.DataFrame:
    """students x dimensions, each the balanced mean of its answered positions (NaN where nothing was
    answered)."""
    scale = _positions(answers, _keys(content), ["item"])
    means = _balanced(scale, ["student", "dimension"]).unstack()
    return _floor_one_sided(content, means.reindex(index=list(members), columns=list(content.dimension_ids)))


def _floor_one_sided(content: Content, means: pd.DataFrame) -> pd.DataFrame:
    """A one-sided dimension never falls below the middle (selfexplore.scoring)."""
    one_sided = [d.id for d in content.dimensions if d.one_sided and d.id in means.columns]
    if one_sided:
        means = means.copy()
        means[one_sided] = means[one_sided].clip(lower=0.5)
    return means


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


def _item_of_kind(content: Content, kind: ItemKind) -> str | None:
    item = content.questionnaire.item_of_kind(kind)
    return item.id if item is not None else None


def _ids(content: Content) -> list[str]:
    return [item.id for item in content.questionnaire.items]


def _top_pages(
    content: Content,
    pages: Sequence[Field],
    leans: np.ndarray,
    systems: Mapping[int, tuple[str, ...]],
    members: Sequence[int],
) -> np.ndarray:
    """For each student (row of `leans`), the indexes of their TOP fields, best first, ties by id."""
    matched = {d.id for d in content.dimensions if d.matched}
    page_leans = np.array(
        [[2 * page.value(d) - 1 if d in matched else 0.0 for d in content.dimension_ids] for page in pages]
    )
    # students x fields x dimensions: each product of leans, weighted as a shared interest, a shared dislike
    # or a conflict (selfexplore.matching.weight).
    students = leans[:, None, :]
    products = students * page_leans[None, :, :]
    weights = np.where(products < 0, CONFLICT_WEIGHT, np.where(students < 0, ABSENCE_WEIGHT, DRAW_WEIGHT))
    scores = (weights * products).sum(axis=2)
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


# --- the figures ---------------------------------------------------------------------------------------


def _matches(content: Content, counted: Counted) -> tuple[tuple[Figure, ...], tuple[Figure, ...]]:
    """Top pages over the students who answered enough for a ranking."""
    group = counted.sizes.get("matching", 0)
    answers = counted.of("matching")
    if answers is None:
        if not group:
            return (), ()
        return (
            tuple(Figure(p.id, p.name, None, group) for p in sorted(content.specialties, key=lambda p: p.name)),
            tuple(Figure(p.id, p.name, None, group) for p in sorted(content.paths, key=lambda p: p.name)),
        )
    students = [int(s) for s in counted.students["matching"]]
    leans = (2 * _profiles(content, answers, students) - 1).fillna(0.0).to_numpy()
    systems = _lists(answers, _item_of_kind(content, "systems"))
    ranked: list[tuple[Figure, ...]] = []
    for pages in (content.specialties, content.paths):
        top = _top_pages(content, pages, leans, systems, students)
        counts = np.bincount(top.ravel(), minlength=len(pages))
        figures = _counts(
            [(page.id, page.name) for page in pages],
            [int(count) for count in counts],
            group,
            total=top.shape[1] * group,
        )
        ranked.append(tuple(sorted(figures, key=lambda f: (-(f.value or 0), f.label))))
    return ranked[0], ranked[1]


def _dimensions(content: Content, counted: Counted) -> tuple[Spread, ...]:
    """Each dimension over its own count: the students who answered every statement keyed to it. A
    student's value is the mean position of their answers to its statements (as in `_profiles`); an average
    that leaves out between 1 and MIN_GROUP - 1 of its count is withheld with how many it rests on."""
    table = counted.table
    keys = _keys(content)
    keys = keys.assign(part="dimension:" + keys["dimension"])
    scale = _positions(table[table["part"].str.startswith("dimension:")], keys, ["part", "item"])
    per_student = _balanced(scale, ["part", "student"])
    one_sided = [f"dimension:{d.id}" for d in content.dimensions if d.one_sided]
    floored = per_student.index.get_level_values("part").isin(one_sided)
    per_student = per_student.where(~floored, per_student.clip(lower=0.5))
    students = per_student.groupby(level="part", observed=True)
    means, sds, sizes = students.mean(), students.std(ddof=0), students.size()
    found = {
        str(part): (float(mean), float(sd), int(answered))
        for part, mean, sd, answered in zip(means.index, means, sds, sizes, strict=True)
    }
    spreads = []
    for dimension in content.matched_dimensions:
        part = f"dimension:{dimension.id}"
        mean, sd, answered = found.get(part, (0.0, 0.0, 0))
        left_out = counted.sizes.get(part, 0) - answered
        if counted.of(part) is None or answered < MIN_GROUP or 0 < left_out < MIN_GROUP:
            spreads.append(Spread(dimension.id, dimension.label, None, None, None))
        else:
            spreads.append(Spread(dimension.id, dimension.label, mean, sd, answered))
    return tuple(spreads)


def _values(content: Content, counted: Counted) -> tuple[tuple[Figure, ...], tuple[Figure, ...]]:
    """How many put each value first, and each value's average place."""
    named = [(v, content.dimensions_by_id[v].label) for v in value_ids(content)]
    group = counted.sizes.get("values", 0)
    answers = counted.of("values")
    if answers is None:
        withheld = tuple(Figure(v, label, None, group) for v, label in named)
        return withheld, tuple(sorted(withheld, key=lambda f: f.label))
    orders = list(_lists(answers, _item_of_kind(content, "ranking")).values())
    first = _counts(named, [sum(1 for o in orders if o[0] == v) for v, _ in named], group, total=group)
    # Every student ranks every value: the averages rest on all of them, so they are shown together or not.
    place = tuple(Figure(v, label, float(np.mean([o.index(v) + 1 for o in orders])), group) for v, label in named)
    return first, tuple(sorted(place, key=lambda f: (f.value if f.value is not None else 99, f.label)))


def _challenges(content: Content, counted: Counted) -> tuple[Figure, ...]:
    named = [(c.id, c.label) for c in content.resources.challenges]
    group = counted.sizes.get("checklist", 0)
    answers = counted.of("checklist")
    if answers is None:
        return tuple(Figure(key, label, None, group) for key, label in named)
    ticked = _lists(answers, _item_of_kind(content, "challenges")).values()
    return _counts(named, [sum(1 for chosen in ticked if key in chosen) for key, _ in named], group)


def _parts(content: Content) -> list[Part]:
    """The parts of the workbook the figures count, each from its own answerers (selfexplore.cohorts)."""
    questionnaire = content.questionnaire
    kinds: dict[str, list[str]] = {}
    for item in questionnaire.items:
        kinds.setdefault(item.kind, []).append(item.id)
    # Matches need TRUST_THRESHOLD of the statements' keys, as on a student's own matches page.
    keyed = {item.id: len(item.keys) for item in questionnaire.items if item.kind == "scale"}
    all_keys = max(1, sum(len(item.keys) for item in questionnaire.items))
    enough = next(k for k in range(all_keys + 1) if k / all_keys >= TRUST_THRESHOLD)
    parts = [
        Part("started", dict.fromkeys(_ids(content), 1), 1, counted=False),
        *(
            Part(f"done_{s.id}", dict.fromkeys(ids, 1), len(ids), counted=False)
            for s in questionnaire.sections
            if (ids := [item.id for item in questionnaire.items_in(s.id)])
        ),
        Part("matching", keyed, max(1, enough), [*keyed, *kinds.get("systems", [])]),
    ]
    for name, kind in (("values", "ranking"), ("checklist", "challenges")):
        if kinds.get(kind):
            parts.append(Part(name, {kinds[kind][0]: 1}, 1, kinds[kind][:1]))
    for dimension in content.matched_dimensions:
        items = [i.id for i in questionnaire.items if any(k.dimension == dimension.id for k in i.keys)]
        if items:
            parts.append(Part(f"dimension:{dimension.id}", dict.fromkeys(items, 1), len(items), items))
    return parts


def _full_order(content: Content) -> Callable[[str], bool]:
    """Whether a stored values order holds every value: one that no longer does (the content pack changed
    since it was saved) counts as not given."""
    values = sorted(value_ids(content))

    def check(raw: str) -> bool:
        try:
            decoded = json.loads(raw)
        except (TypeError, ValueError):
            return False
        return isinstance(decoded, list) and sorted(str(v) for v in decoded) == values

    return check


def aggregate(content: Content, rows: GroupRows) -> Dashboard:
    members = rows.members
    if len(members) < MIN_GROUP:
        return Dashboard(members=len(members), shown=False)
    ranking = {item.id: _full_order(content) for item in content.questionnaire.items if item.kind == "ranking"}
    counted = count(rows.changes, members, rows.read_at, _parts(content), ranking, rows.departed)
    # How far they got, in fives: each milestone counts the students who reached it in any attempt (those who
    # left by deleting their data too, so that leaving moves no milestone).
    joined = len(members) + len(rows.departed)
    progress = [_milestone("started", "Answered at least one question", counted, joined)]
    for section in content.questionnaire.sections:
        progress.append(_milestone(f"done_{section.id}", f"Finished: {section.title}", counted, joined))
    specialties, paths = _matches(content, counted)
    values_first, values_place = _values(content, counted)

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
        progress=tuple(progress),
        matched=counted.sizes.get("matching", 0),
        specialties=specialties,
        paths=paths,
        dimensions=_dimensions(content, counted),
        ranked=counted.sizes.get("values", 0),
        values_first=values_first,
        values_place=values_place,
        challenges=_challenges(content, counted),
        checklist=counted.sizes.get("checklist", 0),
        reflections=tuple(shared),
    )


# --- showing and exporting -------------------------------------------------------------------------

WITHHELD = "withheld"
COUNTING = (
    f"Students are counted in fives ({MIN_GROUP}, {2 * MIN_GROUP}, {3 * MIN_GROUP}...), in the order they answered "
    "each part, so that no one student's answer, or change of answer, shows on its own; a part's figures appear "
    f"about {int(SETTLE.total_seconds() // 60)} minutes after each fifth student."
)
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
    joined = dashboard.members

    def counted(students: int, did: str) -> str:
        """How many a part counts, beside how many joined."""
        if students:
            return f"<p class='se-counted'><strong>{students} of the {joined} who joined</strong> {did}.</p>"
        return f"<p class='se-counted'>Fewer than {MIN_GROUP} of the {joined} who joined have {did} so far.</p>"

    return (
        f"<section aria-labelledby='se-d-joined'><h2 id='se-d-joined'>{joined} joined</h2>"
        f"<ul>{progress}</ul><p class='se-muted'>{escape(COUNTING)} {escape(RULE)}</p></section>"
        "<section aria-labelledby='se-d-top'><h2 id='se-d-top'>Where interests cluster</h2>"
        + counted(dashboard.matched, "answered enough for a ranking")
        + (
            f"<p>How many of them have each page in their top {TOP}.</p>"
            + _bars(dashboard.specialties, dashboard.matched, f"Specialties in students' top {TOP}")
            + _bars(dashboard.paths, dashboard.matched, f"Career paths in students' top {TOP}")
            if dashboard.matched
            else ""
        )
        + "</section><section aria-labelledby='se-d-values'><h2 id='se-d-values'>What matters most to the group</h2>"
        + counted(dashboard.ranked, "put the values in order")
        + _bars(dashboard.values_first, max(dashboard.ranked, 1), "Students who put each value first")
        + f"<table><caption>Average place in the ranking (1 = first)</caption><thead><tr><th scope='col'>Value</th>"
        f"<th scope='col'>Average place</th></tr></thead><tbody>{place}</tbody></table></section>"
        "<section aria-labelledby='se-d-dims'><h2 id='se-d-dims'>The group's profile</h2>"
        f"<p class='se-counted'>Each dimension counts, of the {joined} who joined, those who answered all of its "
        "statements (in fives).</p><table><caption>Average and spread (standard deviation) from 0 to 1</caption>"
        "<thead><tr><th scope='col'>Dimension</th><th scope='col'>Average</th><th scope='col'>Spread</th>"
        f"<th scope='col'>Students</th></tr></thead><tbody>{dims}</tbody></table></section>"
        "<section aria-labelledby='se-d-challenges'><h2 id='se-d-challenges'>What stands in the way</h2>"
        + counted(dashboard.checklist, "answered the checklist")
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
        rows.extend(
            {
                "section": "counted",
                "key": key,
                "label": label,
                "value": students if students else None,
                "students": students,
                "withheld": not students,
            }
            for key, label, students in (
                ("matching", "Students who answered enough for a ranking", dashboard.matched),
                ("values", "Students who put the values in order", dashboard.ranked),
                ("checklist", "Students who answered the checklist", dashboard.checklist),
            )
        )
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
