"""Scoring: a student's answers to the questionnaire -> a profile with a completeness figure per dimension.

The method, in words an adviser can check (docs/matching.md tells it at length):

* An answer on a scale with n points is placed on 0..1: the first label is 0, the last is 1, the others
  evenly between (on a five-point scale: 0, 0.25, 0.5, 0.75, 1).
* A reverse-keyed item is turned round (1 - x), so "I would rather not..." counts against the dimension.
* On an importance scale (one-sided: "Not important to me" ... "Essential to me") only the answers above
  its middle set a value apart: "Very important" is 0.75 and "Essential to me" 1, and the middle and below
  ("Not important", "Slightly", "Moderately") are 0.5, no preference. Not caring about something is never
  a wish for its opposite, and a moderate answer does not separate the fields.
* Balanced keying: a dimension's value is the average of two halves, the mean of its statements worded one
  way and the mean of those worded the other way (turned round). A student who agrees with every statement
  agrees with both halves, and the two cancel: the dimension stays near the middle whatever the number of
  statements on each side. With only one side answered, that side's mean is the value.
* A one-sided dimension (a value nobody is asked to want the opposite of: pay, a say over the work) never
  goes below 0.5: answers that play it down bring it back to "no preference", not past it.
* A dimension with no answered item stays at 0.5, "no preference", and is marked unanswered, so that it
  carries no weight in matching.
* Completeness is the share of a dimension's items that were answered.

`answer_style` looks at the answers themselves: whether nearly all of them sit on one point of their scale
(all "Agree", all "Neither", all "Not important"), and whether the student agreed with statements that say
opposite things (acquiescent answering). The matches page says so, kindly, instead of ranking answers that
do not separate the fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from selfexplore.content import Content, Item, Questionnaire
from selfexplore.errors import InputError
from selfexplore.profile import NEUTRAL, Profile

Answer = int | tuple[str, ...]


class TooManyChoices(InputError):
    """More choices than an item takes (the body systems): refused, and nothing is saved."""


@dataclass(frozen=True)
class DimensionScore:
    """One dimension of a scored profile."""

    value: float
    answered: int
    total: int

    @property
    def completeness(self) -> float:
        return self.answered / self.total if self.total else 0.0

    @property
    def unanswered(self) -> bool:
        return self.answered == 0


@dataclass(frozen=True)
class ScoredProfile:
    """A profile together with how much of it rests on answers."""

    profile: Profile
    scores: Mapping[str, DimensionScore]

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(key for key, score in self.scores.items() if score.unanswered)

    @property
    def completeness(self) -> float:
        """The share of all item keys that were answered, over the whole questionnaire."""
        total = sum(score.total for score in self.scores.values())
        answered = sum(score.answered for score in self.scores.values())
        return answered / total if total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **self.profile.to_json(),
            "completeness": {key: round(score.completeness, 3) for key, score in self.scores.items()},
            "unanswered": list(self.unanswered),
        }


def item_position(questionnaire: Questionnaire, item: Item, answer: int, *, raw: bool = False) -> float:
    """Where a 1-based answer on the item's scale sits on 0..1. On a one-sided (importance) scale, an answer
    at or below the middle label is 0.5, no preference, and the answers above it run evenly up to 1.
    `raw=True` gives the plain place on the scale (the first label 0, the last 1)."""
    scale = questionnaire.scale_of(item)
    share = (answer - 1) / (scale.points - 1)
    if not scale.one_sided or raw:
        return share
    return 0.5 + max(0.0, share - 0.5)


def check_answer(content: Content, item_id: str, answer: object) -> Answer:
    """Validate one answer against its item; return it in canonical form or raise InputError."""
    questionnaire = content.questionnaire
    item = questionnaire.items_by_id.get(item_id)
    if item is None:
        raise InputError(f"unknown item {item_id!r}")
    if item.kind == "systems":
        chosen = _choices(item_id, answer, content.systems_by_id, "body system")
        if item.max_choices is not None and len(chosen) > item.max_choices:
            raise TooManyChoices(
                f"Choose at most {item.max_choices} body systems ({len(chosen)} were chosen): untick one first."
            )
        return chosen
    if item.kind == "challenges":
        return _choices(item_id, answer, {c.id: c for c in content.resources.challenges}, "challenge")
    if item.kind == "ranking":
        values = value_ids(content)
        order = _choices(item_id, answer, dict.fromkeys(values), "value")
        given = len(answer) if isinstance(answer, list | tuple) else 0
        if given != len(order) or sorted(order) != sorted(values):
            raise InputError(f"item {item_id!r} takes every one of the {len(values)} values exactly once, in order")
        return order
    points = questionnaire.scale_of(item).points
    if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= points:
        raise InputError(f"item {item_id!r} takes a whole number from 1 to {points}, got {answer!r}")
    return answer


def ticked_challenges(content: Content, answers: Mapping[str, Answer]) -> tuple[str, ...]:
    """The challenges the student ticked on the checklist (none when the pack has no checklist)."""
    item = content.questionnaire.item_of_kind("challenges")
    ticked = answers.get(item.id, ()) if item is not None else ()
    return ticked if isinstance(ticked, tuple) else ()


def value_ids(content: Content) -> tuple[str, ...]:
    """The values dimensions that are matched, in content order: the options of the ranking item."""
    return tuple(d.id for d in content.dimensions if d.group == "values" and d.matched)


def values_by_score(content: Content, scored: ScoredProfile) -> tuple[str, ...]:
    """The values, most important first by the student's own answers (unanswered last; ties in content
    order): where the values ranking starts, so that an order the student did not choose is never invented."""
    ids = value_ids(content)
    return tuple(sorted(ids, key=lambda v: (scored.scores[v].unanswered, -scored.scores[v].value, ids.index(v))))


def _choices(item_id: str, answer: object, known: Mapping[str, object], noun: str) -> tuple[str, ...]:
    """A list of known ids, in the order given, each once."""
    if not isinstance(answer, list | tuple) or not all(isinstance(choice, str) for choice in answer):
        raise InputError(f"item {item_id!r} takes a list of {noun} ids")
    chosen: list[str] = []
    for choice in answer:
        if choice not in known:
            raise InputError(f"unknown {noun} {choice!r} in item {item_id!r}")
        if choice not in chosen:
            chosen.append(choice)
    return tuple(chosen)


def parse_answers(data: object, content: Content) -> dict[str, Answer]:
    """Check a decoded answers document ({item id: answer}) and return the answers in canonical form."""
    if not isinstance(data, dict):
        raise InputError("answers must be a JSON object of item id: answer")
    return {str(item_id): check_answer(content, str(item_id), answer) for item_id, answer in data.items()}


def score_answers(content: Content, answers: Mapping[str, Answer]) -> ScoredProfile:
    """Turn answers into a scored profile. Answers must already be checked (see parse_answers)."""
    questionnaire = content.questionnaire
    # Per dimension, the positions of its statements worded each way: (forward, reversed and turned round).
    matched = [d.id for d in content.matched_dimensions]
    halves = {key: ([], []) for key in matched}  # type: dict[str, tuple[list[float], list[float]]]
    totals = dict.fromkeys(matched, 0)
    systems: tuple[str, ...] = ()
    for item in questionnaire.items:
        answer = answers.get(item.id)
        if item.kind == "systems":
            if isinstance(answer, tuple):
                systems = answer
            continue
        if item.kind != "scale":  # the ranking and the challenges checklist are never scored
            continue
        for key in item.keys:
            totals[key.dimension] += 1
            if isinstance(answer, int):
                position = item_position(questionnaire, item, answer)
                forward, reversed_ = halves[key.dimension]
                (reversed_ if key.reverse else forward).append(1.0 - position if key.reverse else position)
    one_sided = {d.id for d in content.dimensions if d.one_sided}

    def value(key: str) -> float:
        sides = [sum(half) / len(half) for half in halves[key] if half]
        if not sides:
            return NEUTRAL
        mean = sum(sides) / len(sides)
        return max(mean, NEUTRAL) if key in one_sided else mean

    scores = {
        key: DimensionScore(
            value=value(key),
            answered=len(halves[key][0]) + len(halves[key][1]),
            total=totals[key],
        )
        for key in matched
    }
    profile = Profile({key: score.value for key, score in scores.items() if not score.unanswered}, systems)
    return ScoredProfile(profile, scores)


# --- how the student answered ---------------------------------------------------------------------------

# Nearly every answer (all but one in thirty) on one point of its scale: the answers say the same about everything.
ALIKE_SHARE = 0.97
# Agreeing with a statement and with its opposite on at least this share of the dimensions where both were
# answered: acquiescent answering (agreeing with whatever is asked).
ACQUIESCENT_SHARE = 0.5
AGREED = 0.75  # a raw position of "Agree" (or "Very important") and above


@dataclass(frozen=True)
class AnswerStyle:
    """How the student answered, looked at apart from what the answers say."""

    answered: int  # statements answered
    alike_share: float  # the share of them on the most used point of their own scale
    opposite_pairs: int  # dimensions where both ways of wording were answered
    agreed_both_ways: int  # ... and the student agreed with both

    @property
    def alike(self) -> bool:
        """Nearly every statement got the same answer (all "Agree", all "Neither", all "Not important")."""
        return self.answered > 0 and self.alike_share >= ALIKE_SHARE

    @property
    def acquiescent(self) -> bool:
        """The student agreed with statements that say opposite things on many dimensions."""
        return self.opposite_pairs > 0 and self.agreed_both_ways / self.opposite_pairs >= ACQUIESCENT_SHARE


def answer_style(content: Content, answers: Mapping[str, Answer]) -> AnswerStyle:
    """Whether the answers sit on one point of their scales, and whether opposite statements were both agreed
    with (each dimension counted once)."""
    questionnaire = content.questionnaire
    per_scale: dict[str, dict[int, int]] = {}
    agreed: dict[str, tuple[bool, bool]] = {}
    answered = 0
    for item in questionnaire.items:
        answer = answers.get(item.id)
        if item.kind != "scale" or not isinstance(answer, int):
            continue
        answered += 1
        counts = per_scale.setdefault(item.scale or "", {})
        counts[answer] = counts.get(answer, 0) + 1
        high = item_position(questionnaire, item, answer, raw=True) >= AGREED
        for key in item.keys:
            forward, reversed_ = agreed.get(key.dimension, (False, False))
            agreed[key.dimension] = (forward or (high and not key.reverse), reversed_ or (high and key.reverse))
    both = _both_ways(content)
    modal = sum(max(counts.values()) for counts in per_scale.values())
    pairs = [dimension for dimension in both if _answered_both_ways(questionnaire, answers, dimension)]
    return AnswerStyle(
        answered=answered,
        alike_share=modal / answered if answered else 0.0,
        opposite_pairs=len(pairs),
        agreed_both_ways=sum(1 for dimension in pairs if all(agreed.get(dimension, (False, False)))),
    )


def _both_ways(content: Content) -> tuple[str, ...]:
    """The dimensions with statements worded both ways."""
    ways: dict[str, set[bool]] = {}
    for item in content.questionnaire.items:
        for key in item.keys:
            ways.setdefault(key.dimension, set()).add(key.reverse)
    return tuple(dimension for dimension, seen in ways.items() if seen == {True, False})


def _answered_both_ways(questionnaire: Questionnaire, answers: Mapping[str, Answer], dimension: str) -> bool:
    seen = {
        key.reverse
        for item in questionnaire.items
        if isinstance(answers.get(item.id), int)
        for key in item.keys
        if key.dimension == dimension
    }
    return seen == {True, False}
