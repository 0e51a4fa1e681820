"""The content review's probes (review of 5 December 2026, section 4.1), as answer files a dean could make
by hand: a student with no views, one who answers the middle of every scale, one who likes everything, one
torn between surgery and psychiatry, and one worried about matching who answers i100 "Strongly disagree".

Each probe answers every statement of the questionnaire by what it says (the dimension it is keyed to and
which way it is worded), as tests/respondent.py does, so the probes follow the questionnaire as it changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from selfexplore.content import Content
from selfexplore.scoring import Answer

AGREE, NEITHER, DISAGREE, STRONGLY_AGREE, STRONGLY_DISAGREE = 4, 3, 2, 5, 1
# The torn student of the review: drawn to the operating room, procedures and acute care, and also to mind
# and behaviour, patient contact and long relationships; against the laboratory, imaging, visual work,
# children, reproductive health and population health.
TORN_HIGH = ("operating_room", "procedures", "acuity", "mind_behavior", "patient_contact", "continuity")
TORN_LOW = (
    "laboratory",
    "imaging_technology",
    "visual_pattern",
    "children",
    "reproductive_health",
    "population_health",
)


def _scale_items(content: Content) -> list[tuple[str, bool, tuple[tuple[str, bool], ...]]]:
    """Each statement: (id, whether it is an importance question, its keys as (dimension, reverse))."""
    return [
        (item.id, content.questionnaire.scale_of(item).one_sided, tuple((k.dimension, k.reverse) for k in item.keys))
        for item in content.questionnaire.items
        if item.kind == "scale"
    ]


def alike(content: Content, agreement: int, importance: int) -> dict[str, Answer]:
    """Every agreement statement answered `agreement`, every importance question `importance`."""
    return {item_id: importance if one_sided else agreement for item_id, one_sided, _ in _scale_items(content)}


def no_views(content: Content) -> dict[str, Answer]:
    return alike(content, NEITHER, 1)


def middle_of_every_scale(content: Content) -> dict[str, Answer]:
    return alike(content, NEITHER, 3)


def likes_everything(content: Content) -> dict[str, Answer]:
    return alike(content, STRONGLY_AGREE, 5)


def leaning(content: Content, high: tuple[str, ...], low: tuple[str, ...]) -> dict[str, Answer]:
    """Strong views on `high` (wants it) and `low` (would rather not); no view on the rest."""
    answers: dict[str, Answer] = {}
    for item_id, one_sided, keys in _scale_items(content):
        wants = [(d in high) - (d in low) for d, _ in keys]
        felt = sum(-w if reverse else w for w, (_, reverse) in zip(wants, keys, strict=True))
        if one_sided:
            answers[item_id] = 5 if felt > 0 else 1
        elif felt > 0:
            answers[item_id] = STRONGLY_AGREE
        elif felt < 0:
            answers[item_id] = STRONGLY_DISAGREE
        else:
            answers[item_id] = NEITHER
    return answers


def torn(content: Content) -> dict[str, Answer]:
    return leaning(content, TORN_HIGH, TORN_LOW)


def worried_about_matching(content: Content) -> Mapping[str, Answer]:
    """No views at all, except "Strongly disagree" with i100 (where the questionnaire still has it)."""
    answers = no_views(content)
    if "i100" in answers:
        answers["i100"] = STRONGLY_DISAGREE
    return answers


PROBES = {
    "no-views": no_views,
    "middle": middle_of_every_scale,
    "likes-everything": likes_everything,
    "torn": torn,
    "worried-about-matching": worried_about_matching,
}
