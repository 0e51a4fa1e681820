"""Matching: a profile -> specialties or career paths (fields) ranked by fit, each with the reasons for it.

The method (docs/matching.md explains it with a worked example):

1. For each dimension, the student's *lean* is how far their value sits from neutral, doubled so that it
   runs from -1 (strongly low) through 0 (no preference) to +1 (strongly high): lean = 2 * value - 1.
   A field's lean is worked out the same way from its profile value.
2. The dimension's *contribution* is student lean x field lean, weighted by what kind of agreement it is:
   a shared interest (both lean high) counts DRAW_WEIGHT; a shared dislike (both lean low: the field lacks
   what the student would rather not do) counts only ABSENCE_WEIGHT, so that a field is not carried to the
   top by what it does not do; a conflict (they lean opposite ways) counts CONFLICT_WEIGHT. Either side
   neutral: no weight at all.
3. Body systems: each system the student chose that the field covers adds SYSTEM_WEIGHT divided by the
   number of systems chosen, so the systems together are worth at most SYSTEM_WEIGHT. Choosing a system
   never counts against a field.
4. The field's *score* is the sum of the contributions. The fit shown is 50 + 50 * tanh(score / SPREAD),
   rounded: 50 means "as much for as against". The fit is shown with words (`fit_words`), because it is a
   measure of agreement with the student's answers, not a chance.
5. Fields are ranked by score (highest first), ties broken by id, so the result is the same on every run
   and does not depend on the order in which keys were given.

No cliff edges: every contribution is a product of the two leans (zero where the kind of agreement
changes), so a change of 0.05 in one field value (0.1 in its lean) moves a score by at most
0.1 * max weight * the student's lean, and a fit by at most 50 / SPREAD times that (docs/matching.md gives
the bound and the measured largest change). Competitive entry (the `prestige` key) is not matched: no field
carries a value for it, and a profile that names it is read and ignored (selfexplore.content.Dimension).

A *strong conflict* is named in words only (`Reason.strong`): a dimension on which the field sits near one
end (at most DEFINING, or at least 1 - DEFINING) and the student clearly leans the other way. It weighs
exactly what its lean product says, like any other conflict.

Why this keeps the promises of the design: a field that is high on a dimension (field lean > 0) gains from
every rise in the student's value on it (the contribution grows with the student's lean), and the fit is
an increasing function of the score, so raising such a dimension never lowers that field's fit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from selfexplore.content import Content, Field
from selfexplore.profile import Profile

SYSTEM_WEIGHT = 1.5
SPREAD = 3.0
DRAW_WEIGHT = 1.0
ABSENCE_WEIGHT = 0.5
CONFLICT_WEIGHT = 1.0
DEFINING = 0.2
CLEAR = 0.75

FieldList = Literal["specialties", "paths"]


@dataclass(frozen=True)
class Reason:
    """One dimension (or `system:<id>`) that moved a page's score, and by how much."""

    key: str
    contribution: float
    student: float | None = None
    page: float | None = None
    strong: bool = False  # a strong conflict on a dimension that defines the field (see the module doc)

    @property
    def absence(self) -> bool:
        """A shared dislike: the field lacks what the student would rather not do."""
        return self.contribution > 0 and self.student is not None and self.student < 0.5


@dataclass(frozen=True)
class Match:
    """A ranked page: its fit 0-100, the raw score behind it, and the reasons, strongest first."""

    id: str
    name: str
    fit: int
    score: float
    supports: tuple[Reason, ...]
    conflicts: tuple[Reason, ...]

    @property
    def strong_conflicts(self) -> tuple[Reason, ...]:
        return tuple(reason for reason in self.conflicts if reason.strong)

    @property
    def draws(self) -> tuple[Reason, ...]:
        """What draws the student to the field: shared interests and body systems, strongest first."""
        return tuple(reason for reason in self.supports if not reason.absence)

    @property
    def absences(self) -> tuple[Reason, ...]:
        """What the field lacks that the student would rather not do, strongest first."""
        return tuple(reason for reason in self.supports if reason.absence)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "fit": self.fit,
            "supports": [reason.key for reason in self.supports],
            "conflicts": [reason.key for reason in self.conflicts],
        }


def lean(value: float) -> float:
    """Distance from neutral, on -1..1."""
    return 2.0 * value - 1.0


def fit_from_score(score: float) -> int:
    return round(50.0 + 50.0 * math.tanh(score / SPREAD))


# What a fit means, in words shown beside the number: (lowest fit, words), highest band first.
FIT_BANDS: tuple[tuple[int, str], ...] = (
    (80, "agrees with much of what you said"),
    (65, "a partial fit"),
    (50, "about as much for as against"),
    (0, "more against than for"),
)
CLOSEST = 5  # fits within this many points of the student's first are "among the closest"


def fit_words(match: Match, best: Match) -> str:
    """The fit in words: where it sits on the scale, relative to the student's own first match, and any
    strong conflict. Never a chance or a prediction."""
    words = next(text for lowest, text in FIT_BANDS if match.fit >= lowest)
    if match.id == best.id:
        words = f"closest of your matches; {words}"
    elif best.fit - match.fit <= CLOSEST:
        words = f"close to your first; {words}"
    if match.strong_conflicts:
        words = f"{words}; a strong conflict"
    return words


def is_strong_conflict(student: float, page: float) -> bool:
    """The page sits near one end of the dimension and the student clearly leans towards the other."""
    return (page <= DEFINING and student >= CLEAR) or (page >= 1.0 - DEFINING and student <= 1.0 - CLEAR)


def weight(student_lean: float, field_lean: float) -> float:
    """The weight of one dimension's product of leans: a shared interest, a shared dislike or a conflict."""
    if student_lean * field_lean < 0.0:
        return CONFLICT_WEIGHT
    return ABSENCE_WEIGHT if student_lean < 0.0 else DRAW_WEIGHT


def contribution(student: float, target: float) -> float:
    """One dimension's contribution to a field's score, from the student's value and the field's."""
    a, b = lean(student), lean(target)
    return weight(a, b) * a * b


def explain(profile: Profile, field: Field) -> tuple[float, list[Reason]]:
    """The field's score for this profile and every non-zero contribution to it."""
    reasons: list[Reason] = []
    # Sorted keys: the sum is then computed in one fixed order, so floating-point rounding cannot make
    # the score depend on the order in which the profile's keys were given. A key no field carries a value
    # for (competitive entry) is not matched.
    for key in sorted(profile.dimensions):
        if key not in field.profile:
            continue
        student = profile.dimensions[key]
        target = field.value(key)
        made = contribution(student, target)
        if made != 0.0:
            reasons.append(Reason(key, made, student, target, made < 0.0 and is_strong_conflict(student, target)))
    if profile.systems:
        share = SYSTEM_WEIGHT / len(profile.systems)
        covered = set(field.systems)
        reasons.extend(Reason(f"system:{s}", share) for s in sorted(profile.systems) if s in covered)
    return math.fsum(reason.contribution for reason in reasons), reasons


def match_field(profile: Profile, page: Field) -> Match:
    score, reasons = explain(profile, page)

    def strongest(items: Iterable[Reason]) -> tuple[Reason, ...]:
        return tuple(sorted(items, key=lambda reason: (-abs(reason.contribution), reason.key)))

    return Match(
        id=page.id,
        name=page.name,
        fit=fit_from_score(score),
        score=score,
        supports=strongest(r for r in reasons if r.contribution > 0),
        conflicts=strongest(r for r in reasons if r.contribution < 0),
    )


def rank_fields(profile: Profile, pages: Iterable[Field]) -> tuple[Match, ...]:
    """Every page matched against the profile, best first; ties are broken by id."""
    matches = [match_field(profile, page) for page in pages]
    return tuple(sorted(matches, key=lambda match: (-match.score, match.id)))


def rank_specialties(content: Content, profile: Profile) -> tuple[Match, ...]:
    return rank_fields(profile, content.specialties)


def rank_paths(content: Content, profile: Profile) -> tuple[Match, ...]:
    return rank_fields(profile, content.paths)


def rank(content: Content, profile: Profile, kind: FieldList) -> tuple[Match, ...]:
    return rank_specialties(content, profile) if kind == "specialties" else rank_paths(content, profile)
