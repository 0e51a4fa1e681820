"""Scoring: a student's answers to the questionnaire -> a profile with a completeness figure per dimension.

The method, in words an adviser can check (docs/matching.md tells it at length):

* An answer on a scale with n points is placed on 0..1: the first label is 0, the last is 1, the others
  evenly between (on a five-point scale: 0, 0.25, 0.5, 0.75, 1).
* On a one-sided scale (importance: "Not important to me" ... "Essential to me") the first label is the
  middle, 0.5, and the last is 1: not caring about a value is no preference, never a wish for its opposite.
* A reverse-keyed item is turned round (1 - x), so "I would rather not..." counts against the dimension.
* A dimension's value is the plain mean of its answered items. Every item counts the same: there is no
  hidden weighting.
* A one-sided dimension (a value nobody is asked to want the opposite of: pay, a say over the work) never
  goes below 0.5: answers that play it down bring it back to "no preference", not past it.
* A dimension with no answered item stays at 0.5, "no preference", and is marked unanswered, so that it
  carries no weight in matching.
* Completeness is the share of a dimension's items that were answered.
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


def item_position(questionnaire: Questionnaire, item: Item, answer: int) -> float:
    """Where a 1-based answer on the item's scale sits on 0..1. On a one-sided (importance) scale the first
    label is the middle, 0.5: not caring about something is no preference, not a wish for its opposite."""
    scale = questionnaire.scale_of(item)
    share = (answer - 1) / (scale.points - 1)
    return 0.5 + 0.5 * share if scale.one_sided else share


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
    """The values dimensions, in content order: the options of the ranking item."""
    return tuple(d.id for d in content.dimensions if d.group == "values")


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
    sums = dict.fromkeys(content.dimension_ids, 0.0)
    answered = dict.fromkeys(content.dimension_ids, 0)
    totals = dict.fromkeys(content.dimension_ids, 0)
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
                sums[key.dimension] += 1.0 - position if key.reverse else position
                answered[key.dimension] += 1
    one_sided = {d.id for d in content.dimensions if d.one_sided}

    def value(key: str) -> float:
        if not answered[key]:
            return NEUTRAL
        mean = sums[key] / answered[key]
        return max(mean, NEUTRAL) if key in one_sided else mean

    scores = {
        key: DimensionScore(
            value=value(key),
            answered=answered[key],
            total=totals[key],
        )
        for key in content.dimension_ids
    }
    profile = Profile({key: score.value for key, score in scores.items() if not score.unanswered}, systems)
    return ScoredProfile(profile, scores)
