"""Matching: a profile -> specialties or career paths ranked by fit, each with the reasons for it.

The method (docs/matching.md explains it with a worked example):

1. For each dimension, the student's *lean* is how far their value sits from neutral, doubled so that it
   runs from -1 (strongly low) through 0 (no preference) to +1 (strongly high): lean = 2 * value - 1.
   A page's lean is worked out the same way from its profile value.
2. The dimension's *contribution* is student lean x page lean when both lean the same way (a support).
   When they lean opposite ways (a conflict) it counts CONFLICT_WEIGHT times: one thing a field works
   against weighs more than one it goes along with. Either side neutral: no weight at all.
3. A *strong conflict* is one on a dimension that defines the page, where the page sits near an end
   (value at most DEFINING or at least 1 - DEFINING) and the student clearly leans the other way (value at
   least CLEAR or at most 1 - CLEAR): the operating room for a surgical field and a student who wants to
   stay out of it. A page with one or more strong conflicts loses STRONG_CONFLICT more, once, counted on
   its strongest such conflict, so that agreement on many dimensions the page is near neutral on cannot
   outweigh it.
4. Body systems: each system the student chose that the page covers adds SYSTEM_WEIGHT divided by the
   number of systems chosen, so the systems together are worth at most SYSTEM_WEIGHT. Choosing a system
   never counts against a page.
5. The page's *score* is the sum of the contributions. The fit shown is 50 + 50 * tanh(score / SPREAD),
   rounded: 50 means "as much for as against"; SPREAD was set over the persona suite so that a student's
   first and tenth specialties sit well apart (docs/matching.md gives the figures). The fit is shown with
   words (`fit_words`), because it is a measure of agreement with the student's answers, not a chance.
6. Pages are ranked by score (highest first), ties broken by id, so the result is the same on every run
   and does not depend on the order in which keys were given.

Why this keeps the promises of the design: a page that is high on a dimension (page lean > 0) gains from
every rise in the student's value on it (the contribution grows with the student's lean, only faster
below the middle, and a rise can only end a strong conflict, never start one), and the fit is an
increasing function of the score, so raising such a dimension never lowers that page's fit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from selfexplore.content import Content, Field
from selfexplore.profile import Profile

SYSTEM_WEIGHT = 1.5
SPREAD = 4.0
CONFLICT_WEIGHT = 2.0
STRONG_CONFLICT = 4.0
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
    strong: bool = False  # a strong conflict on a dimension that defines the page (see the module doc)


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


def explain(profile: Profile, page: Field) -> tuple[float, list[Reason]]:
    """The page's score for this profile and every non-zero contribution to it."""
    reasons: list[Reason] = []
    # Sorted keys: the sum is then computed in one fixed order, so floating-point rounding cannot make
    # the score depend on the order in which the profile's keys were given.
    for key in sorted(profile.dimensions):
        student = profile.dimensions[key]
        target = page.value(key)
        contribution = lean(student) * lean(target)
        if contribution < 0.0:
            contribution *= CONFLICT_WEIGHT
        if contribution != 0.0:
            reasons.append(Reason(key, contribution, student, target, is_strong_conflict(student, target)))
    strong = [reason for reason in reasons if reason.strong]
    if strong:
        # The extra weight of a strong conflict is counted once, on the strongest of them, so that the
        # score stays exactly the sum of the reasons shown.
        first = min(strong, key=lambda reason: (reason.contribution, reason.key))
        reasons[reasons.index(first)] = replace(first, contribution=first.contribution - STRONG_CONFLICT)
    if profile.systems:
        share = SYSTEM_WEIGHT / len(profile.systems)
        covered = set(page.systems)
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
