"""Synthetic respondents whose true dimension values are known, for the questionnaire's evidence: each
answers every scale statement at the point nearest its keyed value, plus normal noise."""

from __future__ import annotations

import random

from selfexplore.content import Content


def truths(content: Content, rng: random.Random) -> dict[str, float]:
    """A student's true value on every matched dimension, uniform on 0..1."""
    return {d.id: rng.random() for d in content.matched_dimensions}


def respond(content: Content, truth: dict[str, float], rng: random.Random, noise: float) -> dict[str, int]:
    """Answers of a student whose dimension values are `truth`: each statement at the point nearest its
    keyed value, plus normal noise of `noise` scale points."""
    answers = {}
    for item in content.questionnaire.items:
        if item.kind != "scale":
            continue
        key = item.keys[0]
        value = 1.0 - truth[key.dimension] if key.reverse else truth[key.dimension]
        points = content.questionnaire.scale_of(item).points
        answers[item.id] = min(points, max(1, round(value * (points - 1) + rng.gauss(0, noise)) + 1))
    return answers
