"""Imagined students answering the questionnaire: the personas of tests/personas/ turned into answers.

A persona (tests/personas/*.yaml) tells a student's story and names what they feel strongly about, as
leanings from 0 (strongly towards the low end of a dimension) to 1 (strongly towards the high end), with
every other dimension "no view". `answer_as` has that student answer every statement of the questionnaire
the way a person would: it reads each statement for what it says (the dimension it is about and which way
it is worded) and picks the scale point nearest to how the student feels. It never calls the scoring or
the matching, so a persona's ranking goes through the whole path a student's does: answers, scoring,
matching.

Real students do not answer cleanly, so each persona can also answer in a response style:

* `plain`: the nearest point to how they feel;
* `yes-sayer`: one point more agreeing (or more important) on every statement, whatever it says;
* `middling`: one point nearer the middle on every strong answer, as students who avoid the ends do.

The importance scale asks how much something matters, never whether the student wants its opposite, so a
student with a low leaning on a value answers "Not important to me", the lowest point: that is all the
scale lets them say. A student with no view on it answers "Slightly important".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from selfexplore.content import Content, Item
from selfexplore.scoring import Answer

PERSONA_DIR = Path(__file__).parent / "personas"

Style = Literal["plain", "yes-sayer", "middling"]
STYLES: tuple[Style, ...] = ("plain", "yes-sayer", "middling")


@dataclass(frozen=True)
class Persona:
    id: str
    expect: str
    story: str
    leanings: Mapping[str, float]
    systems: tuple[str, ...]


def load_personas(folder: Path = PERSONA_DIR) -> tuple[Persona, ...]:
    found = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            found.append(
                Persona(
                    entry["id"],
                    entry["expect"],
                    entry["story"],
                    dict(entry.get("dimensions", {})),
                    tuple(entry.get("systems", ())),
                )
            )
    return tuple(found)


def _feeling(persona: Persona, item: Item) -> float | None:
    """How far the student agrees with the statement, 0..1, or None when it touches nothing they feel."""
    felt = [
        1.0 - persona.leanings[key.dimension] if key.reverse else persona.leanings[key.dimension]
        for key in item.keys
        if key.dimension in persona.leanings
    ]
    return sum(felt) / len(felt) if felt else None


def answer_as(content: Content, persona: Persona, style: Style = "plain") -> dict[str, Answer]:
    """Every statement answered as the persona would, plus their body systems."""
    questionnaire = content.questionnaire
    answers: dict[str, Answer] = {}
    for item in questionnaire.items:
        if item.kind == "systems":
            if persona.systems:
                answers[item.id] = persona.systems[: item.max_choices]
            continue
        if item.kind != "scale":
            continue
        scale = questionnaire.scale_of(item)
        last = scale.points - 1
        feeling = _feeling(persona, item)
        one_sided = getattr(scale, "one_sided", False) or scale.id.startswith("importance")
        if feeling is None:
            # No view: the middle of an agreement scale; on an importance scale "Slightly important", the
            # answer students without a view give most (it says little, but it is not "not at all").
            point = 1 if one_sided else last // 2
        elif one_sided:
            point = max(0, round((feeling - 0.5) * 2 * last))
        else:
            point = round(feeling * last)
        if style == "yes-sayer":
            point = min(last, point + 1)
        elif style == "middling":
            middle = 0 if one_sided else last // 2
            if abs(point - middle) >= 2:
                point += 1 if point < middle else -1
        answers[item.id] = point + 1
    return answers
