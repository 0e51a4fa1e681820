"""Matching: a profile -> specialties or career paths ranked by fit, each with the reasons for it.

The method (docs/matching.md explains it with a worked example):

1. For each dimension, the student's *lean* is how far their value sits from neutral, doubled so that it
   runs from -1 (strongly low) through 0 (no preference) to +1 (strongly high): lean = 2 * value - 1.
   A page's lean is worked out the same way from its profile value.
2. The dimension's *contribution* is student lean x page lean. It is positive when both lean the same way
   (a support), negative when they lean opposite ways (a conflict), and zero when either is neutral, so an
   unanswered or neutral dimension carries no weight at all. Strong views on both sides count most.
3. Body systems: each system the student chose that the page covers adds SYSTEM_WEIGHT divided by the
   number of systems chosen, so the systems together are worth at most SYSTEM_WEIGHT, however many are
   chosen. Choosing a system never counts against a page.
4. The page's *score* is the sum of the contributions. The fit shown to the student is
   50 + 50 * tanh(score / SPREAD), rounded: 50 means "no evidence either way", above 50 more agreement than
   disagreement, and the curve keeps the fit inside 0-100 without ever flattening two different scores
   into the same raw value.
5. Pages are ranked by score (highest first), ties broken by id, so the result is the same on every run
   and does not depend on the order in which keys were given.

Why this satisfies the promises of the design: a page that is high on a dimension (page lean > 0) gains
from every rise in the student's value on it (the contribution grows with the student's lean), and the
fit is an increasing function of the score, so raising such a dimension never lowers that page's fit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from selfexplore.content import Content, Page
from selfexplore.profile import Profile

SYSTEM_WEIGHT = 1.5
SPREAD = 3.0

Kind = Literal["specialties", "paths"]


@dataclass(frozen=True)
class Reason:
    """One dimension (or `system:<id>`) that moved a page's score, and by how much."""

    key: str
    contribution: float
    student: float | None = None
    page: float | None = None


@dataclass(frozen=True)
class Match:
    """A ranked page: its fit 0-100, the raw score behind it, and the reasons, strongest first."""

    id: str
    name: str
    fit: int
    score: float
    supports: tuple[Reason, ...]
    conflicts: tuple[Reason, ...]

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


def explain(profile: Profile, page: Page) -> tuple[float, list[Reason]]:
    """The page's score for this profile and every non-zero contribution to it."""
    reasons: list[Reason] = []
    # Sorted keys: the sum is then computed in one fixed order, so floating-point rounding cannot make
    # the score depend on the order in which the profile's keys were given.
    for key in sorted(profile.dimensions):
        student = profile.dimensions[key]
        target = page.value(key)
        contribution = lean(student) * lean(target)
        if contribution != 0.0:
            reasons.append(Reason(key, contribution, student, target))
    if profile.systems:
        share = SYSTEM_WEIGHT / len(profile.systems)
        covered = set(page.systems)
        reasons.extend(Reason(f"system:{s}", share) for s in sorted(profile.systems) if s in covered)
    return math.fsum(reason.contribution for reason in reasons), reasons


def match_page(profile: Profile, page: Page) -> Match:
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


def rank_pages(profile: Profile, pages: Iterable[Page]) -> tuple[Match, ...]:
    """Every page matched against the profile, best first; ties are broken by id."""
    matches = [match_page(profile, page) for page in pages]
    return tuple(sorted(matches, key=lambda match: (-match.score, match.id)))


def rank_specialties(content: Content, profile: Profile) -> tuple[Match, ...]:
    return rank_pages(profile, content.specialties)


def rank_paths(content: Content, profile: Profile) -> tuple[Match, ...]:
    return rank_pages(profile, content.paths)


def rank(content: Content, profile: Profile, kind: Kind) -> tuple[Match, ...]:
    return rank_specialties(content, profile) if kind == "specialties" else rank_paths(content, profile)
