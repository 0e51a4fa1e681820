"""Personas: students an adviser would recognise, each expected to find their specialty or path in the top 3.

The personas live in tests/personas/*.yaml. Each states only what that student feels strongly about; every
other dimension is neutral. The hit rate is printed so that a change of content or method shows its effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from selfexplore.content import Content
from selfexplore.matching import rank_paths, rank_specialties
from selfexplore.profile import parse_profile

PERSONA_DIR = Path(__file__).parent.parent / "personas"
TOP = 3


@dataclass(frozen=True)
class Persona:
    id: str
    expect: str
    story: str
    document: dict[str, object]


def _personas() -> list[Persona]:
    found = []
    for path in sorted(PERSONA_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            document = {"dimensions": entry.get("dimensions", {}), "systems": entry.get("systems", [])}
            found.append(Persona(entry["id"], entry["expect"], entry["story"], document))
    return found


PERSONAS = _personas()


def _rank_of(content: Content, persona: Persona) -> int:
    profile = parse_profile(persona.document, content)
    ranking = rank_paths(content, profile) if persona.expect in {p.id for p in content.paths} else None
    matches = ranking if ranking is not None else rank_specialties(content, profile)
    return [match.id for match in matches].index(persona.expect) + 1


class TestPersonas:
    def test_persona_ids_are_unique(self) -> None:
        ids = [persona.id for persona in PERSONAS]
        assert len(ids) == len(set(ids))

    def test_every_specialty_and_path_has_a_persona(self, content: Content) -> None:
        expected = {persona.expect for persona in PERSONAS}
        assert expected == {page.id for page in (*content.specialties, *content.paths)}

    def test_personas_state_only_some_dimensions(self) -> None:
        for persona in PERSONAS:
            stated = persona.document["dimensions"]
            assert isinstance(stated, dict)
            assert 3 <= len(stated) <= 12, persona.id

    def test_every_persona_finds_its_page_in_the_top_three(
        self, content: Content, capsys: pytest.CaptureFixture[str]
    ) -> None:
        ranks = {persona.id: _rank_of(content, persona) for persona in PERSONAS}
        misses = {pid: rank for pid, rank in ranks.items() if rank > TOP}
        hits = len(ranks) - len(misses)
        first = sum(1 for rank in ranks.values() if rank == 1)
        with capsys.disabled():
            print(
                f"\npersona hit rate: {hits}/{len(ranks)} in the top {TOP} ({hits / len(ranks):.0%}), "
                f"{first}/{len(ranks)} ranked first; misses: {misses or 'none'}"
            )
        # Every persona was written to point clearly at one page; a miss means the content or the method
        # has drifted, so the whole suite must hit.
        assert misses == {}
