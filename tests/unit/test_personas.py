"""Personas: students an adviser would recognise, each expected to find their specialty or path in the top 3
after answering the questionnaire.

The personas live in tests/personas/*.yaml. Each tells a story and states only what that student feels
strongly about. tests/respondent.py has each one answer every statement as that student would, and the
answers go through the same scoring and matching as a student's: answers in, ranking out. Every specialty
and every path has at least one persona, and each page is its own test. The hit rates are printed so that a
change of content or method shows its effect (benchmarks/fit_bench.py reports more).
"""

from __future__ import annotations

import pytest

from selfexplore.content import Content
from selfexplore.matching import Match, rank
from selfexplore.scoring import score_answers
from tests.respondent import STYLES, Persona, Style, answer_as, load_personas

PERSONAS = load_personas()
TOP = 3
HIT_RATE = 0.9  # the lowest share of personas in the top 3 in any response style
PAGES = sorted({persona.expect for persona in PERSONAS})


def _ranking(content: Content, persona: Persona, style: Style = "plain") -> tuple[Match, ...]:
    profile = score_answers(content, answer_as(content, persona, style)).profile
    kind = "paths" if persona.expect in {p.id for p in content.paths} else "specialties"
    return rank(content, profile, kind)


def _place(content: Content, persona: Persona, style: Style = "plain") -> int:
    return [match.id for match in _ranking(content, persona, style)].index(persona.expect) + 1


class TestPersonaSuite:
    def test_persona_ids_are_unique(self) -> None:
        ids = [persona.id for persona in PERSONAS]
        assert len(ids) == len(set(ids))

    def test_every_specialty_and_path_has_a_persona(self, content: Content) -> None:
        assert set(PAGES) == {page.id for page in (*content.specialties, *content.paths)}

    def test_personas_state_only_some_dimensions(self) -> None:
        for persona in PERSONAS:
            assert 3 <= len(persona.leanings) <= 12, persona.id

    def test_a_persona_answers_every_statement(self, content: Content) -> None:
        statements = {item.id for item in content.questionnaire.items if item.kind == "scale"}
        for persona in PERSONAS[:5]:
            assert statements <= set(answer_as(content, persona))


@pytest.mark.parametrize("page_id", PAGES)
def test_each_persona_of_the_page_finds_it_in_the_top_three(content: Content, page_id: str) -> None:
    for persona in (p for p in PERSONAS if p.expect == page_id):
        assert _place(content, persona) <= TOP, (persona.id, [m.id for m in _ranking(content, persona)[:5]])


@pytest.mark.parametrize("style", STYLES)
def test_personas_answering_in_a_response_style_still_mostly_hit(
    content: Content, style: Style, capsys: pytest.CaptureFixture[str]
) -> None:
    places = {persona.id: _place(content, persona, style) for persona in PERSONAS}
    misses = {pid: place for pid, place in places.items() if place > TOP}
    hits = len(places) - len(misses)
    with capsys.disabled():
        print(f"\n{style}: {hits}/{len(places)} personas in the top {TOP}; misses: {misses or 'none'}")
    assert hits / len(places) >= HIT_RATE, misses
