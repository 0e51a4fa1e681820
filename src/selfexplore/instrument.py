"""Evidence for the questionnaire, from the store's own answers: for the advising office, anonymous.

Per matched dimension, over the students who answered every statement of it (their latest attempt):

* internal consistency: Cronbach's alpha (pingouin) and, for a dimension with three statements or more,
  McDonald's omega from a one-factor maximum-likelihood model (statsmodels); omega needs three statements
  to be estimated, so a two-statement dimension has alpha alone;
* corrected item-total correlations: each statement against the mean of the dimension's other statements;
* floor and ceiling per statement: the share of students at its first and its last answer;
* the spread of the dimension's values (their standard deviation, on 0..1, as selfexplore.scoring computes
  them);
* test-retest, from students who took the workbook again: the correlation of each dimension's value between
  their last two attempts, and how often their first specialty of the earlier attempt is in the top three
  of the later one, and how many of the two top threes' fields they share.

Statements are keyed before they are compared: a statement worded the other way round is turned round
(points + 1 - answer), so that every statement of a dimension points the same way.

Nothing describes a student: every figure rests on at least MIN_RESPONDENTS students (it is withheld, with
the reason, until then), answers are shown as shares of students, never counts, and the store gives no
names. Pure: the caller reads the store (Store.instrument_rows).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from selfexplore.charts import figure_html, share_bars
from selfexplore.content import Content
from selfexplore.matching import rank
from selfexplore.scoring import Answer, score_answers

# Reliability figures on fewer students mean little, and each student's answers weigh too much.
MIN_RESPONDENTS = 20
# The usual line for a scale used to describe a group (a reader's guide, not a verdict).
ALPHA_LINE = 0.7


@dataclass(frozen=True)
class ItemFigures:
    item_id: str
    text: str
    item_total: float | None  # corrected item-total correlation
    floor: float  # share of students at the first answer
    ceiling: float  # share at the last
    shares: tuple[float, ...]  # the share of students at each point of the scale


@dataclass(frozen=True)
class DimensionFigures:
    dimension: str
    label: str
    students: int  # who answered every statement of it
    statements: int
    alpha: float | None
    omega: float | None
    spread: float | None  # standard deviation of the dimension's values
    retest: float | None  # correlation between the last two attempts
    withheld: str | None  # why the figures are not shown
    items: tuple[ItemFigures, ...] = ()


@dataclass(frozen=True)
class Evidence:
    respondents: int  # students with an attempt that has answers
    retakers: int  # students with two attempts or more
    dimensions: tuple[DimensionFigures, ...]
    first_kept: float | None  # share whose earlier first specialty is in the later top three
    top3_shared: float | None  # mean number of fields the two top threes share (0 to 3)
    retest_withheld: str | None


def _keyed(points: int, answer: int, reverse: bool) -> float:
    """A statement's answer on 0..1, turned round when it is worded the other way."""
    position = (answer - 1) / (points - 1)
    return 1.0 - position if reverse else position


def _attempts(rows: Sequence[tuple[int, int, str, str]]) -> dict[int, dict[int, dict[str, Answer]]]:
    """student -> attempt number -> answers (decoded from the store's JSON)."""
    found: dict[int, dict[int, dict[str, Answer]]] = {}
    for student, number, item_id, raw in rows:
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        answer: Answer = tuple(value) if isinstance(value, list) else value
        if isinstance(answer, int | tuple):
            found.setdefault(student, {}).setdefault(number, {})[item_id] = answer
    return found


def cronbach_alpha(table: pd.DataFrame) -> float | None:
    """pingouin's alpha, or None when it cannot be computed (no variance)."""
    import pingouin  # imported when figures are asked for: heavy, and only the facilitator's side needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alpha = float(pingouin.cronbach_alpha(data=table)[0])
    return alpha if math.isfinite(alpha) else None


def mcdonald_omega(table: pd.DataFrame) -> float | None:
    """Omega total from a one-factor maximum-likelihood model (statsmodels) of the statements'
    correlations: (sum of loadings)^2 / ((sum of loadings)^2 + sum of uniquenesses). Needs three statements."""
    if table.shape[1] < 3 or (table.std(ddof=0) == 0).any():
        return None
    from statsmodels.multivariate.factor import Factor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = Factor(table.to_numpy(dtype=float), n_factor=1, method="ml").fit()
        except (ValueError, np.linalg.LinAlgError):
            return None
    loadings = np.abs(np.asarray(fitted.loadings)[:, 0])
    common = float(loadings.sum()) ** 2
    omega = common / (common + float(np.asarray(fitted.uniqueness).sum()))
    return omega if math.isfinite(omega) else None


def _item_total(table: pd.DataFrame) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for column in table.columns:
        rest = table.drop(columns=[column]).mean(axis=1)
        if table[column].std(ddof=0) == 0 or rest.std(ddof=0) == 0:
            found[column] = None
        else:
            found[column] = float(np.corrcoef(table[column], rest)[0, 1])
    return found


def evidence(content: Content, rows: Sequence[tuple[int, int, str, str]]) -> Evidence:
    """The questionnaire's figures over every student's answers: (student, attempt number, item, value)."""
    attempts = _attempts(rows)
    latest = {student: by_number[max(by_number)] for student, by_number in attempts.items() if by_number}
    questionnaire = content.questionnaire
    dimensions: list[DimensionFigures] = []
    scored = {student: score_answers(content, answers) for student, answers in latest.items()}
    pairs = {
        student: (by_number[sorted(by_number)[-2]], by_number[max(by_number)])
        for student, by_number in attempts.items()
        if len(by_number) >= 2
    }
    retest_scores = {s: (score_answers(content, a), score_answers(content, b)) for s, (a, b) in pairs.items()}
    for dimension in content.matched_dimensions:
        keyed = [
            (item, next(k.reverse for k in item.keys if k.dimension == dimension.id))
            for item in questionnaire.items
            if item.kind == "scale" and any(k.dimension == dimension.id for k in item.keys)
        ]
        table = pd.DataFrame(
            {
                item.id: {
                    student: _keyed(questionnaire.scale_of(item).points, answer, reverse)
                    for student, answers in latest.items()
                    if isinstance(answer := answers.get(item.id), int) and not isinstance(answer, bool)
                }
                for item, reverse in keyed
            }
        ).dropna()
        students = len(table)
        if students < MIN_RESPONDENTS:
            dimensions.append(
                DimensionFigures(
                    dimension.id,
                    dimension.label,
                    students,
                    len(keyed),
                    None,
                    None,
                    None,
                    None,
                    f"fewer than {MIN_RESPONDENTS} students answered every statement of it",
                )
            )
            continue
        totals = _item_total(table)
        items = []
        for item, _reverse in keyed:
            points = questionnaire.scale_of(item).points
            raw = [a for a in (latest[s].get(item.id) for s in table.index) if isinstance(a, int)]
            shares = tuple(sum(1 for a in raw if a == p) / len(raw) for p in range(1, points + 1))
            items.append(ItemFigures(item.id, item.text, totals[item.id], shares[0], shares[-1], shares))
        values = [scored[s].scores[dimension.id].value for s in table.index]
        both = [
            (before.scores[dimension.id].value, after.scores[dimension.id].value)
            for before, after in retest_scores.values()
            if not before.scores[dimension.id].unanswered and not after.scores[dimension.id].unanswered
        ]
        retest = None
        if len(both) >= MIN_RESPONDENTS:
            first, second = zip(*both, strict=True)
            if np.std(first) > 0 and np.std(second) > 0:
                retest = float(np.corrcoef(first, second)[0, 1])
        dimensions.append(
            DimensionFigures(
                dimension.id,
                dimension.label,
                students,
                len(keyed),
                cronbach_alpha(table),
                mcdonald_omega(table),
                float(np.std(values)),
                retest,
                None,
                tuple(items),
            )
        )
    first_kept = shared = None
    retest_withheld: str | None = None
    if len(pairs) >= MIN_RESPONDENTS:
        kept, overlaps = 0, []
        for before, after in retest_scores.values():
            earlier = [m.id for m in rank(content, before.profile, "specialties")[:3]]
            later = [m.id for m in rank(content, after.profile, "specialties")[:3]]
            kept += earlier[0] in later
            overlaps.append(len(set(earlier) & set(later)))
        first_kept, shared = kept / len(pairs), float(np.mean(overlaps))
    else:
        retest_withheld = f"fewer than {MIN_RESPONDENTS} students have taken the workbook twice"
    return Evidence(len(latest), len(pairs), tuple(dimensions), first_kept, shared, retest_withheld)


# --- showing it ---------------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def reliability_chart(found: Evidence) -> str:
    """Alpha per dimension as bars on 0..1, with the usual 0.7 line, and a table alternative."""
    shown = [(d.label, d.alpha) for d in found.dimensions if d.alpha is not None]
    table = (
        '<table><thead><tr><th scope="col">Dimension</th><th scope="col">Students</th>'
        '<th scope="col">Statements</th><th scope="col">Alpha</th><th scope="col">Omega</th>'
        '<th scope="col">Spread (SD)</th><th scope="col">Retest r</th></tr></thead><tbody>'
        + "".join(
            f'<tr><th scope="row">{escape(d.label)}</th><td>{d.students}</td><td>{d.statements}</td>'
            f"<td>{_number(d.alpha)}</td><td>{_number(d.omega)}</td><td>{_number(d.spread)}</td>"
            f"<td>{_number(d.retest)}</td></tr>"
            for d in found.dimensions
        )
        + "</tbody></table>"
    )
    svg = share_bars(shown, f"Internal consistency (alpha) of {len(shown)} dimensions", ALPHA_LINE)
    return figure_html(f"Cronbach's alpha per dimension; the line marks {ALPHA_LINE}", svg, table)


def render_evidence(content: Content, found: Evidence) -> str:
    """The figures as escaped HTML for the facilitator's or the advising office's page."""
    withheld = [d for d in found.dimensions if d.withheld]
    parts = [
        '<section class="se-instrument" aria-labelledby="se-instrument"><h2 id="se-instrument">'
        "The questionnaire's evidence</h2>",
        f"<p>From the answers in this store: {found.respondents} students' latest attempts; "
        f"{found.retakers} took the workbook again. A figure rests on at least {MIN_RESPONDENTS} students, or "
        "is withheld. Alpha and omega say how consistently a dimension's statements measure one thing (0.7 "
        "and above is the usual line for describing a group); item-total correlations say how each statement "
        "goes with the others; floor and ceiling say how many students answered at the ends.</p>",
    ]
    if len(withheld) == len(found.dimensions):
        parts.append(
            f'<p class="se-notice" role="note">Nothing to show yet: {escape(withheld[0].withheld or "")}.</p>'
            if withheld
            else ""
        )
    else:
        parts.append(reliability_chart(found))
    if found.first_kept is not None and found.top3_shared is not None:
        parts.append(
            f"<p>Retakes: the first specialty of the earlier attempt is in the later top three for "
            f"{found.first_kept:.0%} of the {found.retakers} students; the two top threes share "
            f"{found.top3_shared:.1f} fields on average.</p>"
        )
    else:
        parts.append(f"<p>Retakes: withheld ({escape(found.retest_withheld or '')}).</p>")
    details = []
    for figures in found.dimensions:
        if not figures.items:
            continue
        rows = "".join(
            f'<tr><th scope="row">{escape(item.text)}</th><td>{_number(item.item_total)}</td>'
            f"<td>{item.floor:.0%}</td><td>{item.ceiling:.0%}</td></tr>"
            for item in figures.items
        )
        details.append(
            f"<details><summary>{escape(figures.label)}: the statements</summary><table><thead><tr>"
            '<th scope="col">Statement</th><th scope="col">Item-total r</th><th scope="col">Floor</th>'
            f'<th scope="col">Ceiling</th></tr></thead><tbody>{rows}</tbody></table></details>'
        )
    parts.append("".join(details))
    parts.append("</section>")
    return "".join(parts)


def evidence_json(found: Evidence) -> Mapping[str, object]:
    """The figures as plain JSON data (`selfexplore instrument --json`)."""
    return {
        "respondents": found.respondents,
        "retakers": found.retakers,
        "min_respondents": MIN_RESPONDENTS,
        "retest": {
            "first_match_kept_in_top3": found.first_kept,
            "top3_fields_shared": found.top3_shared,
            "withheld": found.retest_withheld,
        },
        "dimensions": [
            {
                "dimension": d.dimension,
                "students": d.students,
                "statements": d.statements,
                "alpha": d.alpha,
                "omega": d.omega,
                "spread": d.spread,
                "retest": d.retest,
                "withheld": d.withheld,
                "items": [
                    {
                        "item": i.item_id,
                        "item_total": i.item_total,
                        "floor": i.floor,
                        "ceiling": i.ceiling,
                        "shares": list(i.shares),
                    }
                    for i in d.items
                ],
            }
            for d in found.dimensions
        ],
    }
